//! A fast path for the common shape of a GeoJSON Feature: `type`, `id`,
//! `properties` of plain strings, numbers, booleans and nulls, and a Polygon or
//! MultiPolygon geometry (or null), written the way GIS exports write them.
//!
//! It reads the bytes once, without serde's visitor machinery, and builds each ring
//! straight into a vector of its exact length. Anything it does not recognise (an
//! escape in a string, another member, another geometry type, an exponent, a ring
//! too short, a hole that encloses nothing, invalid JSON) makes it give up and
//! return `None`; the caller then runs the general parser of [`super::parse`],
//! which reports problems with their reasons and positions. So the fast path never
//! decides what is wrong with a feature, only what a well-formed one holds, and for
//! every input it accepts it returns exactly what the general parser would: the
//! same numbers (both round correctly), the same attribute types, the same rings.

use std::cell::RefCell;

use compact_str::CompactString;
use geo::{Coord, Geometry, LineString, MultiPolygon, Polygon};

use super::parse::{LocalFields, ParsedFeature, flatness};
use crate::model::AttrValue;

/// A number as serde_json reads it: unsigned and negative integers apart from
/// numbers with a fraction, so that attribute types come out the same.
#[derive(Clone, Copy)]
enum Num {
    U64(u64),
    I64(i64),
    F64(f64),
}

impl Num {
    fn to_f64(self) -> f64 {
        match self {
            Num::U64(v) => v as f64,
            Num::I64(v) => v as f64,
            Num::F64(v) => v,
        }
    }

    /// The attribute value serde_json's visitor makes of it (see
    /// `impl Deserialize for AttrValue`).
    fn attr(self) -> AttrValue {
        match self {
            Num::U64(v) => i64::try_from(v).map_or(AttrValue::Float(v as f64), AttrValue::Int),
            Num::I64(v) => AttrValue::Int(v),
            Num::F64(v) => AttrValue::Float(v),
        }
    }
}

/// Powers of ten that are exact in an f64.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

thread_local! {
    /// The ring being read; its points are copied into a vector of exact length
    /// once the ring is complete, so a parcel's coordinates cost one allocation.
    static RING: RefCell<Vec<Coord<f64>>> = const { RefCell::new(Vec::new()) };
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// Consumes `want` after white space.
    fn eat(&mut self, want: u8) -> Option<()> {
        self.ws();
        (self.peek()? == want).then(|| self.i += 1)
    }

    /// After white space: consumes `,` (true, more follows) or `close` (false).
    fn more(&mut self, close: u8) -> Option<bool> {
        self.ws();
        match self.peek()? {
            b',' => {
                self.i += 1;
                Some(true)
            }
            b if b == close => {
                self.i += 1;
                Some(false)
            }
            _ => None,
        }
    }

    /// A string without escapes or control characters, as valid UTF-8.
    fn string(&mut self) -> Option<&'a str> {
        self.ws();
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.i + 1;
        let rest = self.b.get(start..)?;
        let len = memchr::memchr2(b'"', b'\\', rest)?;
        let bytes = rest.get(..len)?;
        if rest.get(len) != Some(&b'"') || bytes.iter().any(|&c| c < 0x20) {
            return None;
        }
        self.i = start + len + 1;
        std::str::from_utf8(bytes).ok()
    }

    /// The literal `word` (after white space).
    fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.ws();
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word).then(|| self.i = end)
    }

    /// A JSON number without an exponent, of at most 18 integer digits.
    fn number(&mut self) -> Option<Num> {
        self.ws();
        let start = self.i;
        let negative = self.peek()? == b'-';
        if negative {
            self.i += 1;
        }
        let mut mantissa: u64 = 0;
        let mut digits = 0usize;
        match self.peek()? {
            b'0' => {
                self.i += 1;
                digits = 1;
            }
            b'1'..=b'9' => {
                while let Some(c @ b'0'..=b'9') = self.peek() {
                    mantissa = mantissa * 10 + u64::from(c - b'0');
                    digits += 1;
                    self.i += 1;
                    if digits > 18 {
                        return None;
                    }
                }
            }
            _ => return None,
        }
        let mut frac = 0usize;
        if self.peek() == Some(b'.') {
            self.i += 1;
            while let Some(c @ b'0'..=b'9') = self.peek() {
                if digits + frac < 19 {
                    mantissa = mantissa * 10 + u64::from(c - b'0');
                }
                frac += 1;
                self.i += 1;
            }
            if frac == 0 {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E' | b'0'..=b'9')) {
            return None;
        }
        if frac == 0 {
            return Some(if !negative {
                Num::U64(mantissa)
            } else if mantissa == 0 {
                // serde_json reads `-0` as a float, negative zero.
                Num::F64(-0.0)
            } else {
                Num::I64(-(mantissa as i64))
            });
        }
        // Clinger's fast path: an integer below 2^53 divided by an exact power of
        // ten is one correctly rounded operation, the same value every correct
        // parser gives. Longer numbers go to the standard library's parser, also
        // correctly rounded.
        let value = match POW10.get(frac) {
            Some(&p) if digits + frac < 19 && mantissa < (1u64 << 53) => mantissa as f64 / p,
            _ => std::str::from_utf8(self.b.get(start + usize::from(negative)..self.i)?)
                .ok()?
                .parse::<f64>()
                .ok()?,
        };
        value
            .is_finite()
            .then_some(Num::F64(if negative { -value } else { value }))
    }

    /// An attribute value: a string, a number, a boolean or null.
    fn value(&mut self) -> Option<AttrValue> {
        self.ws();
        Some(match self.peek()? {
            b'"' => AttrValue::Text(CompactString::from(self.string()?)),
            b't' => {
                self.literal(b"true")?;
                AttrValue::Bool(true)
            }
            b'f' => {
                self.literal(b"false")?;
                AttrValue::Bool(false)
            }
            b'n' => {
                self.literal(b"null")?;
                AttrValue::Null
            }
            _ => self.number()?.attr(),
        })
    }

    fn properties(&mut self, fields: &mut LocalFields) -> Option<Vec<(u32, AttrValue)>> {
        self.ws();
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return Some(Vec::new());
        }
        self.eat(b'{')?;
        let mut out = Vec::with_capacity(fields.names.len());
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(out);
        }
        loop {
            let key = self.string()?;
            self.eat(b':')?;
            // Features of one file list their properties in the same order, so
            // the slot at this position is nearly always the one.
            let slot = fields.slot_hinted(key, out.len());
            out.push((slot, self.value()?));
            if !self.more(b'}')? {
                return Some(out);
            }
        }
    }

    /// One position: at least two numbers, of which the first two are kept.
    fn position(&mut self) -> Option<Coord<f64>> {
        self.eat(b'[')?;
        let x = self.number()?.to_f64();
        self.eat(b',')?;
        let y = self.number()?.to_f64();
        while self.more(b']')? {
            self.number()?;
        }
        Some(Coord { x, y })
    }

    /// One ring (after its `[`), closed as the general parser closes it, or
    /// `None` where that parser would warn or fail.
    fn ring(&mut self, hole: bool, closed_rings: &mut u32) -> Option<LineString<f64>> {
        RING.with(|cell| {
            let mut pts = cell.try_borrow_mut().ok()?;
            pts.clear();
            loop {
                pts.push(self.position()?);
                if !self.more(b']')? {
                    break;
                }
            }
            if hole && flatness(&pts).is_some() {
                return None;
            }
            if pts.first() != pts.last() {
                let first = *pts.first()?;
                pts.push(first);
                *closed_rings += 1;
            }
            (pts.len() >= 4).then(|| LineString(pts.as_slice().to_vec()))
        })
    }

    /// One polygon: the array of its rings.
    fn polygon(&mut self, closed_rings: &mut u32) -> Option<Polygon<f64>> {
        self.eat(b'[')?;
        self.eat(b'[')?;
        let exterior = self.ring(false, closed_rings)?;
        let mut holes = Vec::new();
        while self.more(b']')? {
            self.eat(b'[')?;
            holes.push(self.ring(true, closed_rings)?);
        }
        Some(Polygon::new(exterior, holes))
    }

    /// `coordinates`: a Polygon's (three deep) or a MultiPolygon's (four deep),
    /// told apart by their nesting; `true` for a MultiPolygon.
    fn coordinates(&mut self, closed_rings: &mut u32) -> Option<(Geometry<f64>, bool)> {
        let start = self.i;
        for _ in 0..3 {
            self.eat(b'[')?;
        }
        self.ws();
        let multi = self.peek()? == b'[';
        self.i = start;
        if !multi {
            return Some((Geometry::Polygon(self.polygon(closed_rings)?), false));
        }
        self.eat(b'[')?;
        let mut polys = Vec::new();
        loop {
            polys.push(self.polygon(closed_rings)?);
            if !self.more(b']')? {
                break;
            }
        }
        Some((Geometry::MultiPolygon(MultiPolygon(polys)), true))
    }

    /// A geometry member: null, or an object of `type` and `coordinates`.
    fn geometry(&mut self, closed_rings: &mut u32) -> Option<Option<Geometry<f64>>> {
        self.ws();
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return Some(None);
        }
        self.eat(b'{')?;
        let mut kind: Option<&str> = None;
        let mut geometry: Option<(Geometry<f64>, bool)> = None;
        loop {
            match self.string()? {
                "type" if kind.is_none() => {
                    self.eat(b':')?;
                    kind = Some(self.string()?);
                }
                "coordinates" if geometry.is_none() => {
                    self.eat(b':')?;
                    geometry = Some(self.coordinates(closed_rings)?);
                }
                _ => return None,
            }
            if !self.more(b'}')? {
                break;
            }
        }
        match (kind?, geometry?) {
            ("Polygon", (g, false)) | ("MultiPolygon", (g, true)) => Some(Some(g)),
            _ => None,
        }
    }
}

/// Reads a feature of the common shape; `None` for anything else, which the
/// general parser then reads (see the module's comment).
pub(crate) fn feature(bytes: &[u8], fields: &mut LocalFields) -> Option<ParsedFeature> {
    let mut r = Reader { b: bytes, i: 0 };
    r.eat(b'{')?;
    let mut seen = [false; 4];
    let mut id: Option<CompactString> = None;
    let mut geometry: Option<Geometry<f64>> = None;
    let mut props = Vec::new();
    let mut closed_rings = 0u32;
    // Fields met by this call, to undo on giving up: the general parser then
    // meets them again in its own order.
    let known_fields = fields.names.len();
    let mut read = |r: &mut Reader, fields: &mut LocalFields| -> Option<()> {
        r.ws();
        if r.peek()? == b'}' {
            r.i += 1;
            return Some(());
        }
        loop {
            let key = r.string()?;
            r.eat(b':')?;
            let k = match key {
                "type" => 0,
                "id" => 1,
                "properties" => 2,
                "geometry" => 3,
                _ => return None,
            };
            let first = seen.get_mut(k)?;
            if *first {
                return None;
            }
            *first = true;
            match k {
                0 => {
                    if r.string()? != "Feature" {
                        return None;
                    }
                }
                1 => {
                    id = match r.value()? {
                        AttrValue::Null => None,
                        v => v.to_text().map(CompactString::from),
                    }
                }
                2 => props = r.properties(fields)?,
                _ => geometry = r.geometry(&mut closed_rings)?,
            }
            if !r.more(b'}')? {
                return Some(());
            }
        }
    };
    let done = read(&mut r, fields).and_then(|()| {
        r.ws();
        (r.i == bytes.len()).then_some(())
    });
    if done.is_none() {
        fields.names.truncate(known_fields);
        return None;
    }
    Some(ParsedFeature {
        id,
        geometry,
        props,
        closed_rings,
        empty_geometry: false,
        repairs: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::parse::parse_feature_general;

    /// What a parse gave, in a form that tells every bit of every number apart
    /// (Debug prints floats so that they read back exactly, and -0 as -0.0).
    fn outcome(f: &ParsedFeature, fields: &LocalFields) -> String {
        format!(
            "{:?} {:?} {:?} {} {} {:?} {:?}",
            f.id, f.geometry, f.props, f.closed_rings, f.empty_geometry, f.repairs, fields.names
        )
    }

    /// The fast path's answer, checked against the general parser's: `true` when
    /// the fast path took the feature.
    fn same_as_general(text: &str) -> bool {
        let mut fast_fields = LocalFields::default();
        let fast = feature(text.as_bytes(), &mut fast_fields);
        let mut general_fields = LocalFields::default();
        let general = parse_feature_general(text.as_bytes(), &mut general_fields);
        match fast {
            Some(f) => {
                let g = general.unwrap_or_else(|p| panic!("{text}: general parser failed: {p:?}"));
                assert_eq!(
                    outcome(&f, &fast_fields),
                    outcome(&g, &general_fields),
                    "{text}"
                );
                true
            }
            None => {
                assert!(fast_fields.names.is_empty(), "{text}: fields left behind");
                false
            }
        }
    }

    #[test]
    fn generated_parcels_read_the_same_as_with_serde() {
        let mut bytes = Vec::new();
        let options = crate::generate::ParcelOptions {
            count: 3000,
            seed: 7,
            ..Default::default()
        };
        crate::generate::write_parcels(&mut bytes, &options).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let start = text.find("\"features\":[").unwrap() + "\"features\":[".len();
        let end = text.rfind(']').unwrap();
        let mut fast = 0;
        for line in text[start..end]
            .split(",\n")
            .filter(|l| !l.trim().is_empty())
        {
            fast += usize::from(same_as_general(line.trim()));
        }
        assert_eq!(fast, 3000);
    }

    #[test]
    fn numbers_and_values_come_out_as_serde_reads_them() {
        let numbers = [
            "0",
            "-0",
            "7",
            "-7",
            "0.5",
            "-0.0",
            "120.1234567",
            "30.0000001",
            "1.25",
            "123456789012345678",
            "-123456789012345678",
            "9007199254740993.5",
            "0.1000000000000000055511151231257827",
            "3.14159265358979323846264338327950288",
            "120.12345678901234567",
            "1e5",
            "1E-7",
            "01",
            "1.",
            ".5",
            "-",
            "+1",
            "1.5e400",
            "1234567890123456789012",
        ];
        for n in numbers {
            let props = format!(
                r#"{{"type":"Feature","properties":{{"v":{n}}},"geometry":{{"type":"Polygon","coordinates":[[[{n},1],[2,{n}],[3,4],[{n},1]]]}}}}"#
            );
            same_as_general(&props);
        }
        for v in [
            r#""text""#,
            r#""文字 with spaces""#,
            "true",
            "false",
            "null",
            r#""a\"b""#,
            r#""\u00e9""#,
            "[1,2]",
            r#"{"a":1}"#,
            "tru",
            "nul",
            "\"tab\there\"",
        ] {
            same_as_general(&format!(
                r#"{{"type":"Feature","id":{v},"properties":{{"k":{v},"other":1}},"geometry":null}}"#
            ));
        }
    }

    #[test]
    fn shapes_the_fast_path_takes_or_leaves_agree_with_serde() {
        let cases = [
            // Taken: the common shapes, members in any order, white space anywhere.
            (
                r#"{"type":"Feature","properties":{"a":"x"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}"#,
                true,
            ),
            (
                " { \"geometry\" : { \"coordinates\" : [ [ [0,0] , [1,0] , [1,1] ] ] , \"type\" : \"Polygon\" } ,\n \"properties\" : { } , \"type\" : \"Feature\" } \n",
                true,
            ),
            (
                r#"{"type":"Feature","id":"A-1","properties":null,"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]],[[0.2,0.2],[0.4,0.2],[0.4,0.4]]],[[[5,5],[6,5],[6,6,9],[5,5]]]]}}"#,
                true,
            ),
            (r#"{"properties":{"a":1,"a":2},"geometry":null}"#, true),
            (
                r#"{"type":"Feature","id":12.5,"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}"#,
                true,
            ),
            // Left to the general parser, which warns, repairs or fails.
            (
                r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}}"#,
                false,
            ),
            (
                r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,0]],[[1,1],[2,2],[3,3]]]}}"#,
                false,
            ),
            (
                r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[]}}"#,
                false,
            ),
            (
                r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]}}"#,
                false,
            ),
            (
                r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}}"#,
                false,
            ),
            (
                r#"{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}"#,
                false,
            ),
            (
                r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1],[1,1],[0,0]]]}}"#,
                false,
            ),
            (
                r#"{"type":"Feature","bbox":[0,0,1,1],"geometry":null}"#,
                false,
            ),
            (
                r#"{"type":"Feature","type":"Feature","geometry":null}"#,
                false,
            ),
            (
                r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#,
                false,
            ),
            (
                r#"{"type":"Feature","properties":{"a":1},"geometry":null} x"#,
                false,
            ),
            (
                r#"{"type":"Feature","properties":{"a":1,},"geometry":null}"#,
                false,
            ),
            (r#"{"type":"Feature","properties":{"a":1}"#, false),
            (
                r#"{"type":"Feature","properties":{"a":"plain text"},"geometry":null}"#,
                true,
            ),
        ];
        for (text, taken) in cases {
            assert_eq!(same_as_general(text), taken, "{text}");
        }
        // Bytes that are not UTF-8 in a string are left to the general parser.
        let mut bytes = br#"{"properties":{"a":"x"#.to_vec();
        bytes.push(0xff);
        bytes.extend_from_slice(br#""},"geometry":null}"#);
        assert!(feature(&bytes, &mut LocalFields::default()).is_none());
    }
}
