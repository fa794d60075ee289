//! Parsing one GeoJSON Feature (or bare geometry) from its bytes into owned values,
//! straight from serde_json's tokens: no intermediate `serde_json::Value` tree, and
//! property keys mapped to field slots without allocating a string per feature.

use std::fmt;

use compact_str::CompactString;
use geo::{
    Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon,
    Point, Polygon,
};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::model::AttrValue;

/// Field names met in one batch of features, in order of first appearance.
#[derive(Debug, Default)]
pub struct LocalFields {
    pub names: Vec<String>,
}

impl LocalFields {
    /// The slot of a field, checking slot `hint` first: the features of a file
    /// usually list their properties in one order, so the k-th key is nearly always
    /// the k-th field met.
    pub(crate) fn slot_hinted(&mut self, key: &str, hint: usize) -> u32 {
        match self.names.get(hint) {
            Some(name) if name == key => hint as u32,
            _ => self.slot(key),
        }
    }

    fn slot(&mut self, key: &str) -> u32 {
        match self.names.iter().position(|n| n == key) {
            Some(i) => i as u32,
            None => {
                self.names.push(key.to_string());
                (self.names.len() - 1) as u32
            }
        }
    }
}

/// One feature as parsed, coordinates still in the source CRS.
#[derive(Debug)]
pub struct ParsedFeature {
    pub id: Option<CompactString>,
    pub geometry: Option<Geometry<f64>>,
    pub props: Vec<(u32, AttrValue)>,
    /// Rings that were not closed and were closed here.
    pub closed_rings: u32,
    /// A note when the geometry was present but empty (kept as attribute-only).
    pub empty_geometry: bool,
    /// Repairs made to the geometry, one message each (a hole that enclosed no
    /// area and was dropped), for the loader to warn about with the feature's name.
    pub repairs: Vec<String>,
}

impl ParsedFeature {
    /// A feature read whole from a format that has no ids of its own, no rings to
    /// close and nothing to repair (GeoPackage, FlatGeobuf, KML, CSV rows).
    pub fn plain(geometry: Option<Geometry<f64>>, props: Vec<(u32, AttrValue)>) -> ParsedFeature {
        ParsedFeature {
            id: None,
            geometry,
            props,
            closed_rings: 0,
            empty_geometry: false,
            repairs: Vec::new(),
        }
    }
}

/// Why a feature could not be used.
#[derive(Debug)]
pub struct FeatureProblem {
    pub id: Option<String>,
    pub reason: String,
    /// 1-based line and column within the feature's bytes, for JSON errors.
    pub at: Option<(usize, usize)>,
    /// Whether the bytes are not valid JSON at all (a syntax error or a premature
    /// end), as opposed to valid JSON that is not a valid Feature.
    pub syntax: bool,
}

/// Parses one element of a `features` array.
pub fn parse_feature(
    bytes: &[u8],
    fields: &mut LocalFields,
) -> Result<ParsedFeature, FeatureProblem> {
    match super::fast::feature(bytes, fields) {
        Some(f) => Ok(f),
        None => parse_feature_general(bytes, fields),
    }
}

/// Parses one element of a `features` array with serde_json, whatever its shape:
/// the path that explains what is wrong with a feature.
pub(crate) fn parse_feature_general(
    bytes: &[u8],
    fields: &mut LocalFields,
) -> Result<ParsedFeature, FeatureProblem> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let raw = FeatureSeed { fields }
        .deserialize(&mut de)
        .and_then(|raw| de.end().map(|_| raw))
        .map_err(|e| FeatureProblem {
            id: fallback_id(bytes),
            reason: clean_serde_message(&e),
            at: Some((e.line(), e.column())),
            syntax: is_syntax(&e),
        })?;
    finish_feature(raw).map_err(|mut p| {
        if p.id.is_none() {
            p.id = fallback_id(bytes);
        }
        p
    })
}

/// The id of a feature that failed to parse, for the warning that skips it: its
/// `id` member or an id-like property, read leniently. Only failures pay for this
/// second look.
fn fallback_id(bytes: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    if let Some(id) = v.get("id").and_then(text) {
        return Some(id);
    }
    let props = v.get("properties")?.as_object()?;
    crate::model::FieldRole::Id
        .field_names()
        .iter()
        .find_map(|name| {
            props
                .iter()
                .find(|(k, _)| k.to_lowercase() == *name)
                .and_then(|(_, v)| text(v))
        })
}

fn finish_feature(raw: RawFeature) -> Result<ParsedFeature, FeatureProblem> {
    let id = raw.id.clone();
    let problem = |reason: String| FeatureProblem {
        id: id.as_ref().map(|s| s.to_string()),
        reason,
        at: None,
        syntax: false,
    };
    match raw.kind.as_deref() {
        Some("Feature") | None => {}
        Some(other) if GEOMETRY_TYPES.contains(&other) => {
            // A bare geometry inside a features array: read it as a feature without
            // properties rather than dropping it.
        }
        Some(other) => return Err(problem(format!("'type' is '{other}', expected 'Feature'"))),
    }
    let mut repairs = Repairs::default();
    let mut empty_geometry = false;
    let geometry = match raw.geometry {
        Some(g) => match build_geometry(g, &mut repairs) {
            Ok(Some(g)) => Some(g),
            Ok(None) => {
                empty_geometry = true;
                None
            }
            Err(reason) => return Err(problem(reason)),
        },
        None => None,
    };
    Ok(ParsedFeature {
        id: raw.id,
        geometry,
        props: raw.props,
        closed_rings: repairs.closed_rings,
        empty_geometry,
        repairs: repairs.notes,
    })
}

/// Parses a bare geometry object (a file that is one geometry).
pub fn parse_bare_geometry(bytes: &[u8]) -> Result<ParsedFeature, FeatureProblem> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let raw = RawGeometrySeed
        .deserialize(&mut de)
        .and_then(|raw| de.end().map(|_| raw))
        .map_err(|e| FeatureProblem {
            id: None,
            reason: clean_serde_message(&e),
            at: Some((e.line(), e.column())),
            syntax: is_syntax(&e),
        })?;
    finish_feature(RawFeature {
        kind: None,
        id: None,
        geometry: Some(raw),
        props: Vec::new(),
    })
}

pub const GEOMETRY_TYPES: [&str; 7] = [
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
];

/// Whether serde_json failed on the JSON itself rather than on what it means.
fn is_syntax(e: &serde_json::Error) -> bool {
    matches!(
        e.classify(),
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof
    )
}

fn clean_serde_message(e: &serde_json::Error) -> String {
    // serde_json appends " at line L column C"; positions are reported separately.
    let s = e.to_string();
    let s = match s.rfind(" at line ") {
        Some(i) => s.get(..i).unwrap_or(&s).to_string(),
        None => s,
    };
    if s == "invalid unicode code point" {
        // What serde_json says of bytes that are not UTF-8.
        "text that is not valid UTF-8 (save the file as UTF-8)".to_string()
    } else {
        s
    }
}

struct RawFeature {
    kind: Option<String>,
    id: Option<CompactString>,
    geometry: Option<RawGeometry>,
    props: Vec<(u32, AttrValue)>,
}

struct FeatureSeed<'f> {
    fields: &'f mut LocalFields,
}

impl<'de> DeserializeSeed<'de> for FeatureSeed<'_> {
    type Value = RawFeature;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawFeature, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FeatureSeed<'_> {
    type Value = RawFeature;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON Feature object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawFeature, A::Error> {
        let mut raw = RawFeature {
            kind: None,
            id: None,
            geometry: None,
            props: Vec::new(),
        };
        // A feature-level "coordinates" member means a bare geometry sits in the
        // array; it is collected here so the geometry can be built after "type".
        let mut bare = RawGeometry::default();
        let mut bare_seen = false;
        while let Some(key) = map.next_key::<KeyStr>()? {
            match key.0.as_ref() {
                "type" => raw.kind = Some(map.next_value::<String>()?),
                "id" => {
                    raw.id = match map.next_value::<AttrValue>()? {
                        AttrValue::Null => None,
                        v => v.to_text().map(CompactString::from),
                    }
                }
                "geometry" => raw.geometry = map.next_value_seed(OptionalGeometrySeed)?,
                "properties" => {
                    raw.props = map.next_value_seed(PropsSeed {
                        fields: &mut *self.fields,
                    })?
                }
                "coordinates" => {
                    bare_seen = true;
                    bare.coordinates = Some(map.next_value_seed(NestedSeed)?);
                }
                "geometries" => {
                    bare_seen = true;
                    bare.geometries = Some(map.next_value_seed(GeometryListSeed)?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if bare_seen && raw.geometry.is_none() {
            bare.kind = raw.kind.clone();
            raw.geometry = Some(bare);
        }
        Ok(raw)
    }
}

/// A map key, borrowed from the input where it has no escapes.
struct KeyStr<'a>(std::borrow::Cow<'a, str>);

impl<'de> de::Deserialize<'de> for KeyStr<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(KeyStr(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(KeyStr(std::borrow::Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

struct PropsSeed<'f> {
    fields: &'f mut LocalFields,
}

impl<'de> DeserializeSeed<'de> for PropsSeed<'_> {
    type Value = Vec<(u32, AttrValue)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PropsSeed<'_> {
    type Value = Vec<(u32, AttrValue)>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a properties object or null")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(key) = map.next_key::<KeyStr>()? {
            let slot = self.fields.slot_hinted(&key.0, out.len());
            let value = map.next_value::<AttrValue>()?;
            out.push((slot, value));
        }
        Ok(out)
    }
}

impl<'de> de::Deserialize<'de> for AttrValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AttrValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an attribute value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<AttrValue, E> {
                Ok(AttrValue::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<AttrValue, E> {
                Ok(AttrValue::Null)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<AttrValue, E> {
                Ok(AttrValue::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<AttrValue, E> {
                Ok(AttrValue::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<AttrValue, E> {
                Ok(i64::try_from(v).map_or(AttrValue::Float(v as f64), AttrValue::Int))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<AttrValue, E> {
                Ok(AttrValue::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<AttrValue, E> {
                Ok(AttrValue::Text(CompactString::from(v)))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<AttrValue, E> {
                Ok(AttrValue::Text(CompactString::from(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<AttrValue, A::Error> {
                let v: serde_json::Value =
                    de::Deserialize::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(AttrValue::Text(CompactString::from(v.to_string())))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<AttrValue, A::Error> {
                let v: serde_json::Value =
                    de::Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(AttrValue::Text(CompactString::from(v.to_string())))
            }
        }
        d.deserialize_any(V)
    }
}

/// A geometry object as read, before its type is known to fit its coordinates.
#[derive(Debug, Default)]
pub struct RawGeometry {
    kind: Option<String>,
    coordinates: Option<Nested>,
    geometries: Option<Vec<RawGeometry>>,
}

struct OptionalGeometrySeed;

impl<'de> DeserializeSeed<'de> for OptionalGeometrySeed {
    type Value = Option<RawGeometry>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for OptionalGeometrySeed {
    type Value = Option<RawGeometry>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a geometry object or null")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        RawGeometrySeed.visit_map(map).map(Some)
    }
}

struct RawGeometrySeed;

impl<'de> DeserializeSeed<'de> for RawGeometrySeed {
    type Value = RawGeometry;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RawGeometrySeed {
    type Value = RawGeometry;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a geometry object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut g = RawGeometry::default();
        while let Some(key) = map.next_key::<KeyStr>()? {
            match key.0.as_ref() {
                "type" => g.kind = Some(map.next_value::<String>()?),
                "coordinates" => g.coordinates = Some(map.next_value_seed(NestedSeed)?),
                "geometries" => g.geometries = Some(map.next_value_seed(GeometryListSeed)?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(g)
    }
}

struct GeometryListSeed;

impl<'de> DeserializeSeed<'de> for GeometryListSeed {
    type Value = Vec<RawGeometry>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for GeometryListSeed {
    type Value = Vec<RawGeometry>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of geometries")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(g) = seq.next_element_seed(RawGeometrySeed)? {
            out.push(g);
        }
        Ok(out)
    }
}

/// Nested coordinate arrays of any depth, flattened: all numbers in order, and for
/// each depth the number of children of every array at that depth (the encoding of
/// Arrow's list arrays). Depth errors are found while reading.
#[derive(Debug, Default)]
pub struct Nested {
    nums: Vec<f64>,
    counts: Vec<Vec<u32>>,
    /// The depth at which numbers sit (1 = the outermost array holds numbers).
    num_depth: Option<usize>,
}

struct NestedSeed;

impl<'de> DeserializeSeed<'de> for NestedSeed {
    type Value = Nested;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Nested, D::Error> {
        let mut n = Nested::default();
        d.deserialize_any(NestedVisitor {
            out: &mut n,
            depth: 0,
        })?;
        Ok(n)
    }
}

struct NestedVisitor<'n> {
    out: &'n mut Nested,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for NestedVisitor<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl NestedVisitor<'_> {
    fn number<E: de::Error>(self, v: f64) -> Result<(), E> {
        if self.depth == 0 {
            return Err(E::custom("coordinates must be an array, found a number"));
        }
        match self.out.num_depth {
            None => self.out.num_depth = Some(self.depth),
            Some(d) if d != self.depth => {
                return Err(E::custom("coordinate arrays are nested inconsistently"));
            }
            _ => {}
        }
        if !v.is_finite() {
            return Err(E::custom("coordinate is not a finite number"));
        }
        self.out.nums.push(v);
        Ok(())
    }
}

impl<'de> Visitor<'de> for NestedVisitor<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a coordinate array")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.number(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.number(v as f64)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.number(v as f64)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        Err(E::custom(format!(
            "coordinate is a string (\"{}\"), not a number",
            v.chars().take(20).collect::<String>()
        )))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(E::custom("coordinate is null"))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Err(E::custom("coordinate is a boolean"))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(de::Error::custom("coordinate is an object"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let depth = self.depth;
        if matches!(self.out.num_depth, Some(d) if depth >= d) {
            return Err(de::Error::custom(
                "coordinate arrays are nested inconsistently",
            ));
        }
        if self.out.counts.len() <= depth {
            self.out.counts.resize_with(depth + 1, Vec::new);
        }
        let mut count = 0u32;
        while seq
            .next_element_seed(NestedVisitor {
                out: &mut *self.out,
                depth: depth + 1,
            })?
            .is_some()
        {
            count += 1;
        }
        if let Some(level) = self.out.counts.get_mut(depth) {
            level.push(count);
        }
        Ok(())
    }
}

/// Walks a [`Nested`] level by level.
struct NestedCursor<'n> {
    n: &'n Nested,
    /// Next array index per depth.
    next: Vec<usize>,
    next_num: usize,
}

impl<'n> NestedCursor<'n> {
    fn new(n: &'n Nested) -> Self {
        NestedCursor {
            n,
            next: vec![0; n.counts.len()],
            next_num: 0,
        }
    }

    /// Children count of the next array at `depth`.
    fn take(&mut self, depth: usize) -> Result<usize, String> {
        let i = *self
            .next
            .get(depth)
            .ok_or("coordinates are nested too shallowly")?;
        let c = self
            .n
            .counts
            .get(depth)
            .and_then(|l| l.get(i))
            .ok_or("coordinates are nested too shallowly")?;
        if let Some(slot) = self.next.get_mut(depth) {
            *slot += 1;
        }
        Ok(*c as usize)
    }

    fn position(&mut self, depth: usize) -> Result<Coord<f64>, String> {
        let k = self.take(depth)?;
        if k < 2 {
            return Err(format!("a position has {k} number(s); it needs at least 2"));
        }
        let nums = self
            .n
            .nums
            .get(self.next_num..self.next_num + k)
            .ok_or("coordinates are nested inconsistently")?;
        self.next_num += k;
        match nums {
            [x, y, ..] => Ok(Coord { x: *x, y: *y }),
            _ => Err("a position has fewer than two numbers".to_string()),
        }
    }

    fn positions(&mut self, depth: usize) -> Result<Vec<Coord<f64>>, String> {
        let k = self.take(depth)?;
        (0..k).map(|_| self.position(depth + 1)).collect()
    }
}

/// What was mended while building one feature's geometry.
#[derive(Default)]
struct Repairs {
    closed_rings: u32,
    notes: Vec<String>,
}

/// Builds a `geo` geometry. `Ok(None)` for an empty geometry.
fn build_geometry(g: RawGeometry, repairs: &mut Repairs) -> Result<Option<Geometry<f64>>, String> {
    let kind = g.kind.ok_or("geometry has no 'type'")?;
    if kind == "GeometryCollection" {
        let parts = g
            .geometries
            .ok_or("GeometryCollection has no 'geometries'")?;
        let mut out = Vec::with_capacity(parts.len());
        for (i, part) in parts.into_iter().enumerate() {
            let notes_before = repairs.notes.len();
            match build_geometry(part, repairs) {
                Ok(Some(p)) => out.push(p),
                Ok(None) => {}
                Err(e) => return Err(format!("member {i} of GeometryCollection: {e}")),
            }
            // Name the member in what was mended inside it, as errors do.
            for note in repairs.notes.iter_mut().skip(notes_before) {
                *note = format!("member {i} of GeometryCollection: {note}");
            }
        }
        return Ok(
            (!out.is_empty()).then_some(Geometry::GeometryCollection(GeometryCollection(out)))
        );
    }
    let want_depth = match kind.as_str() {
        "Point" => 1,
        "MultiPoint" | "LineString" => 2,
        "MultiLineString" | "Polygon" => 3,
        "MultiPolygon" => 4,
        other => return Err(format!("unknown geometry type '{other}'")),
    };
    let n = g
        .coordinates
        .ok_or_else(|| format!("{kind} has no 'coordinates'"))?;
    if n.nums.is_empty() {
        return Ok(None);
    }
    let depth = n.num_depth.unwrap_or(0);
    if depth != want_depth {
        return Err(format!(
            "{kind} coordinates must be nested {want_depth} deep, found {depth}"
        ));
    }
    let mut c = NestedCursor::new(&n);
    let geometry = match kind.as_str() {
        "Point" => Geometry::Point(Point(c.position(0)?)),
        "MultiPoint" => {
            Geometry::MultiPoint(MultiPoint(c.positions(0)?.into_iter().map(Point).collect()))
        }
        "LineString" => Geometry::LineString(line(c.positions(0)?, 0)?),
        "MultiLineString" => {
            let k = c.take(0)?;
            let lines = (0..k)
                .map(|i| line(c.positions(1)?, i))
                .collect::<Result<Vec<_>, _>>()?;
            Geometry::MultiLineString(MultiLineString(lines))
        }
        "Polygon" => Geometry::Polygon(polygon(&mut c, 0, None, repairs)?),
        _ => {
            let k = c.take(0)?;
            let polys = (0..k)
                .map(|i| {
                    polygon(&mut c, 1, Some(i), repairs).map_err(|e| format!("polygon {i}: {e}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Geometry::MultiPolygon(MultiPolygon(polys))
        }
    };
    Ok(Some(geometry))
}

fn line(points: Vec<Coord<f64>>, i: usize) -> Result<LineString<f64>, String> {
    if points.len() < 2 {
        return Err(format!(
            "line {i} has {} point(s); it needs at least 2",
            points.len()
        ));
    }
    Ok(LineString(points))
}

/// Reads one polygon's rings. `index` is the polygon's place in a MultiPolygon,
/// for messages.
///
/// A hole that encloses no area (no points, all points the same, or all on one
/// line) is dropped with a note rather than failing the feature: exports from CAD
/// and some GIS tools leave such rings behind where a courtyard was deleted, and
/// the parcel around it is still good. An outer ring gets no such leniency, since
/// without it there is no parcel.
fn polygon(
    c: &mut NestedCursor,
    depth: usize,
    index: Option<usize>,
    repairs: &mut Repairs,
) -> Result<Polygon<f64>, String> {
    let k = c.take(depth)?;
    if k == 0 {
        return Err("polygon has no rings".into());
    }
    let mut rings = Vec::with_capacity(k);
    for r in 0..k {
        let mut pts = c.positions(depth + 1)?;
        if r > 0
            && let Some(why) = flatness(&pts)
        {
            let whose = index.map(|i| format!("polygon {i}, ")).unwrap_or_default();
            repairs.notes.push(format!(
                "{whose}hole (ring {r}) encloses no area ({why}); the hole was dropped and the parcel kept with its outer ring"
            ));
            continue;
        }
        if pts.first() != pts.last() {
            if let Some(&first) = pts.first() {
                pts.push(first);
            }
            repairs.closed_rings += 1;
        }
        if pts.len() < 4 {
            return Err(format!(
                "ring {r} has {} distinct point(s); a ring needs at least 3 plus the closing point",
                pts.len().saturating_sub(1)
            ));
        }
        rings.push(LineString(pts));
    }
    let mut it = rings.into_iter();
    let exterior = it.next().ok_or("polygon has no rings")?;
    Ok(Polygon::new(exterior, it.collect()))
}

/// Why a ring encloses no area, if it does not: it has no points, its points are
/// all the same, or they all lie on one line.
///
/// Collinearity is judged against the line from the first point to the point
/// farthest from it, with a tolerance of 1e-9 of that length: far above the
/// rounding of decimal coordinates, far below any real sliver of land.
pub(crate) fn flatness(pts: &[Coord<f64>]) -> Option<&'static str> {
    let Some(&first) = pts.first() else {
        return Some("it has no points");
    };
    let dist2 = |p: &Coord<f64>| (p.x - first.x).powi(2) + (p.y - first.y).powi(2);
    let far = pts
        .iter()
        .copied()
        .max_by(|a, b| dist2(a).total_cmp(&dist2(b)))
        .unwrap_or(first);
    let len2 = dist2(&far);
    if len2 == 0.0 {
        return Some("its points are all the same");
    }
    let off_line = |p: &Coord<f64>| {
        ((far.x - first.x) * (p.y - first.y) - (far.y - first.y) * (p.x - first.x)).abs()
    };
    pts.iter()
        .all(|p| off_line(p) <= 1e-9 * len2)
        .then_some("its points lie on one line")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ParsedFeature, FeatureProblem> {
        parse_feature(text.as_bytes(), &mut LocalFields::default())
    }

    #[test]
    fn reads_polygon_properties_and_id() {
        let mut fields = LocalFields::default();
        let f = parse_feature(
            br#"{"type":"Feature","id":7,"properties":{"DKBH":"A-1","RJL":"2.5","x":{"a":[1]}},
               "geometry":{"coordinates":[[[0,0],[1,0],[1,1]]],"type":"Polygon"}}"#,
            &mut fields,
        )
        .unwrap();
        assert_eq!(f.id.as_deref(), Some("7"));
        assert_eq!(f.closed_rings, 1);
        assert_eq!(fields.names, vec!["DKBH", "RJL", "x"]);
        assert_eq!(f.props[1].1.as_f64(), Some(2.5));
        assert_eq!(f.props[2].1, AttrValue::Text(r#"{"a":[1]}"#.into()));
        let Some(Geometry::Polygon(p)) = f.geometry else {
            panic!()
        };
        assert_eq!(p.exterior().0.len(), 4);
    }

    #[test]
    fn rejects_bad_coordinates_with_reasons() {
        let cases = [
            (
                r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}}"#,
                "ring 0 has 2",
            ),
            (
                r#"{"type":"Feature","geometry":{"type":"Point","coordinates":["1","2"]}}"#,
                "string",
            ),
            (
                r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[0,0],[1,0],[1,1],[0,0]]}}"#,
                "nested 3 deep",
            ),
            (
                r#"{"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,0],[[1,0]]]}}"#,
                "inconsistently",
            ),
            (
                r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[NaN,1]}}"#,
                "expected value",
            ),
            (
                r#"{"type":"Feature","geometry":{"type":"Blob","coordinates":[1,1]}}"#,
                "unknown geometry type",
            ),
            (
                r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[1]}}"#,
                "needs at least 2",
            ),
        ];
        for (text, want) in cases {
            match parse(text) {
                Err(p) => assert!(p.reason.contains(want), "{text}: {}", p.reason),
                Ok(_) => panic!("{text} should fail"),
            }
        }
    }

    #[test]
    fn null_and_empty_geometry_are_attribute_only() {
        let f = parse(r#"{"type":"Feature","geometry":null,"properties":null}"#).unwrap();
        assert!(f.geometry.is_none() && !f.empty_geometry);
        let f =
            parse(r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[]}}"#).unwrap();
        assert!(f.geometry.is_none() && f.empty_geometry);
    }

    #[test]
    fn holes_that_enclose_no_area_are_dropped_with_a_note() {
        let f = parse(
            r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[
                [[0,0],[4,0],[4,4],[0,4],[0,0]],
                [],
                [[1,1],[1,1],[1,1]],
                [[1,1],[2,2],[3,3.0000000000001],[1,1]],
                [[1,1],[2,1],[2,2],[1,1]]]}}"#,
        )
        .unwrap();
        let Some(Geometry::Polygon(p)) = f.geometry else {
            panic!()
        };
        // Only the real hole is left; the dropped ones were not closed first.
        assert_eq!(p.interiors().len(), 1);
        assert_eq!(f.closed_rings, 0);
        assert_eq!(f.repairs.len(), 3, "{:?}", f.repairs);
        assert!(f.repairs[0].starts_with("hole (ring 1) encloses no area (it has no points)"));
        assert!(f.repairs[1].contains("ring 2") && f.repairs[1].contains("all the same"));
        assert!(f.repairs[2].contains("ring 3") && f.repairs[2].contains("on one line"));
        // A tiny but real hole is not flat.
        assert_eq!(
            flatness(&[
                Coord { x: 0., y: 0. },
                Coord { x: 1e-6, y: 0. },
                Coord { x: 0., y: 1e-6 }
            ]),
            None
        );
        // An outer ring gets no such leniency: without it there is no parcel.
        let err = parse(
            r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[0,0]],[[0,0],[1,0],[1,1],[0,0]]]}}"#,
        )
        .unwrap_err();
        assert!(err.reason.contains("ring 0 has 2"), "{}", err.reason);
        // In a MultiPolygon the note names the polygon.
        let f = parse(
            r#"{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[0,0],[1,0],[1,1],[0,0]],[[0.5,0.5],[0.5,0.5]]]]}}"#,
        )
        .unwrap();
        assert_eq!(f.repairs.len(), 1);
        assert!(
            f.repairs[0].starts_with("polygon 1, hole (ring 1)"),
            "{:?}",
            f.repairs
        );
    }

    #[test]
    fn syntax_errors_are_told_from_invalid_features() {
        let p = parse(r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[1,,2]}}"#)
            .unwrap_err();
        assert!(p.syntax && p.at.is_some(), "{p:?}");
        let p = parse(r#"{"type":"Feature","geometry":{"type":"Point","coordinates":["1","2"]}}"#)
            .unwrap_err();
        assert!(!p.syntax && p.at.is_some(), "{p:?}");
    }
}
