//! CSV tables with geometry: a WKT column (`wkt`, `geometry`, `geom`, `shape`),
//! or lon/lat columns (`lon`/`lng`/`longitude`/`经度` with `lat`/`latitude`/`纬度`),
//! or X/Y columns (`x`/`y`, read in the CRS given with `--crs`). UTF-8 with or
//! without a BOM, UTF-16 by its BOM (Excel's "Unicode text"), and GBK told as
//! for dBASE (text that is not UTF-8 is read as GB18030, with a warning).
//! Commas, semicolons or tabs separate the columns, whichever the header uses.

use std::path::Path;

use geo::{
    Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon,
    Point, Polygon,
};

use super::{FileCrs, LayerBuilder, LoadControl, LoadError, LoadOptions, requested_encoding};
use crate::io::parse::ParsedFeature;
use crate::model::AttrValue;

const WKT_NAMES: &[&str] = &["wkt", "geometry", "geom", "the_geom", "shape", "几何"];
const LON_NAMES: &[&str] = &["lon", "lng", "long", "longitude", "经度"];
const LAT_NAMES: &[&str] = &["lat", "latitude", "纬度"];
const X_NAMES: &[&str] = &["x", "x坐标", "easting", "东坐标"];
const Y_NAMES: &[&str] = &["y", "y坐标", "northing", "北坐标"];

/// The CSV reader.
pub fn read(
    path: &Path,
    shown: &str,
    options: &LoadOptions,
    control: LoadControl,
    builder: &mut LayerBuilder,
) -> Result<FileCrs, LoadError> {
    let bytes = super::read_bytes(path, shown)?;
    let named = requested_encoding(options, shown)?;
    let text = match (named, encoding_rs::Encoding::for_bom(&bytes)) {
        (Some(enc), _) => enc.decode_with_bom_removal(&bytes).0.into_owned(),
        (None, Some((enc, bom))) => enc
            .decode_without_bom_handling(bytes.get(bom..).unwrap_or_default())
            .0
            .into_owned(),
        (None, None) => match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => {
                builder.note(
                    "the CSV is not UTF-8; it was read as GB18030 (GBK); pass --encoding to choose another"
                        .into(),
                );
                encoding_rs::GB18030
                    .decode_without_bom_handling(e.as_bytes())
                    .0
                    .into_owned()
            }
        },
    };
    read_text(&text, shown, control, builder)
}

/// Reads a CSV table from its text.
pub fn read_text(
    text: &str,
    shown: &str,
    control: LoadControl,
    builder: &mut LayerBuilder,
) -> Result<FileCrs, LoadError> {
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first_line.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| LoadError::NotFormat {
            path: shown.to_string(),
            format: "CSV",
            reason: e.to_string(),
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let find = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.to_lowercase() == *n))
    };
    enum Geo {
        Wkt(usize),
        Xy(usize, usize),
    }
    let geo = match (find(WKT_NAMES), find(LON_NAMES), find(LAT_NAMES)) {
        (Some(w), _, _) => Geo::Wkt(w),
        (None, Some(x), Some(y)) => Geo::Xy(x, y),
        _ => match (find(X_NAMES), find(Y_NAMES)) {
            (Some(x), Some(y)) => Geo::Xy(x, y),
            _ => {
                return Err(LoadError::NoGeometryColumns {
                    path: shown.to_string(),
                    columns: headers,
                });
            }
        },
    };
    let geometry_columns: Vec<usize> = match geo {
        Geo::Wkt(w) => vec![w],
        Geo::Xy(x, y) => vec![x, y],
    };
    let attrs: Vec<usize> = (0..headers.len())
        .filter(|k| !geometry_columns.contains(k))
        .collect();
    let names: Vec<String> = attrs
        .iter()
        .filter_map(|&k| headers.get(k).cloned())
        .collect();
    let slots = builder.columns_for(&names);
    for (index, record) in reader.records().enumerate() {
        builder.seen += 1;
        // Line numbers count the header line.
        let line = index + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                builder.skip(index, None, format!("line {line}: {e}"));
                continue;
            }
        };
        let props: Vec<(u32, AttrValue)> = attrs
            .iter()
            .enumerate()
            .filter_map(|(slot, &k)| {
                let v = typed(record.get(k)?);
                (!v.is_null()).then_some((slot as u32, v))
            })
            .collect();
        let geometry = match geo {
            Geo::Wkt(w) => match record.get(w).map(str::trim).unwrap_or("") {
                "" => Ok(None),
                t => parse_wkt(t),
            },
            Geo::Xy(x, y) => {
                let num = |k: usize| record.get(k).and_then(|v| v.trim().parse::<f64>().ok());
                match (
                    record.get(x).map(str::trim).unwrap_or(""),
                    record.get(y).map(str::trim).unwrap_or(""),
                ) {
                    ("", "") => Ok(None),
                    _ => match (num(x), num(y)) {
                        (Some(x), Some(y)) if x.is_finite() && y.is_finite() => {
                            Ok(Some(Geometry::Point(Point::new(x, y))))
                        }
                        _ => Err(format!(
                            "'{}', '{}' are not coordinates",
                            record.get(x).unwrap_or(""),
                            record.get(y).unwrap_or("")
                        )),
                    },
                }
            }
        };
        match geometry {
            Ok(geometry) => builder.push(&slots, ParsedFeature::plain(geometry, props), index),
            Err(reason) => {
                let id = crate::model::FieldRole::Id
                    .field_names()
                    .iter()
                    .find_map(|want| {
                        let k = headers.iter().position(|h| h.to_lowercase() == *want)?;
                        record.get(k).map(str::to_string)
                    });
                builder.skip(index, id, format!("line {line}: {reason}"))
            }
        }
        if index.is_multiple_of(65_536) {
            builder.progress(control, 0, shown)?;
        }
    }
    Ok(FileCrs::Absent)
}

/// A cell as GeoJSON would have typed it: integers and numbers as numbers, but
/// codes with leading zeros (070102) and Excel's `="070102"` wrapper as text.
fn typed(cell: &str) -> AttrValue {
    let t = cell.trim();
    if t.is_empty() {
        return AttrValue::Null;
    }
    if let Some(inner) = t.strip_prefix("=\"").and_then(|r| r.strip_suffix('"')) {
        return AttrValue::Text(inner.into());
    }
    let leading_zero = t.len() > 1 && t.starts_with('0') && !t.starts_with("0.");
    if !leading_zero {
        if let Ok(i) = t.parse::<i64>() {
            return AttrValue::Int(i);
        }
        if t.contains(['.', 'e', 'E'])
            && let Ok(f) = t.parse::<f64>()
            && f.is_finite()
        {
            return AttrValue::Float(f);
        }
    }
    AttrValue::Text(t.into())
}

/// Parses WKT (and EWKT's `SRID=…;` prefix): POINT, LINESTRING, POLYGON, their
/// MULTI forms and GEOMETRYCOLLECTION, with Z, M or ZM (dropped), and EMPTY.
pub fn parse_wkt(text: &str) -> Result<Option<Geometry<f64>>, String> {
    let body = match text.split_once(';') {
        Some((srid, rest)) if srid.trim().to_ascii_uppercase().starts_with("SRID=") => rest,
        _ => text,
    };
    let mut p = WktParser {
        s: body.as_bytes(),
        at: 0,
    };
    let g = p.geometry(0)?;
    p.space();
    if p.at < p.s.len() {
        return Err(format!(
            "unexpected text after the geometry at character {}",
            p.at + 1
        ));
    }
    Ok(g)
}

struct WktParser<'a> {
    s: &'a [u8],
    at: usize,
}

impl WktParser<'_> {
    fn space(&mut self) {
        while self.s.get(self.at).is_some_and(|b| b.is_ascii_whitespace()) {
            self.at += 1;
        }
    }

    fn word(&mut self) -> String {
        self.space();
        let start = self.at;
        while self.s.get(self.at).is_some_and(|b| b.is_ascii_alphabetic()) {
            self.at += 1;
        }
        String::from_utf8_lossy(self.s.get(start..self.at).unwrap_or_default()).to_ascii_uppercase()
    }

    fn eat(&mut self, b: u8) -> bool {
        self.space();
        if self.s.get(self.at) == Some(&b) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, b: u8) -> Result<(), String> {
        if self.eat(b) {
            Ok(())
        } else {
            Err(format!(
                "expected '{}' at character {}",
                b as char,
                self.at + 1
            ))
        }
    }

    fn number(&mut self) -> Result<f64, String> {
        self.space();
        let start = self.at;
        while self
            .s
            .get(self.at)
            .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
        {
            self.at += 1;
        }
        let t = std::str::from_utf8(self.s.get(start..self.at).unwrap_or_default()).unwrap_or("");
        t.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("expected a number at character {}", start + 1))
    }

    /// One coordinate: 2 to 4 numbers, of which the first two are kept.
    fn coord(&mut self) -> Result<Coord<f64>, String> {
        let x = self.number()?;
        let y = self.number()?;
        for _ in 0..2 {
            self.space();
            if self
                .s
                .get(self.at)
                .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.'))
            {
                self.number()?;
            }
        }
        Ok(Coord { x, y })
    }

    fn coords(&mut self) -> Result<Vec<Coord<f64>>, String> {
        self.expect(b'(')?;
        let mut out = Vec::new();
        loop {
            // MULTIPOINT ((1 2), (3 4)) puts each point in parentheses.
            let wrapped = self.eat(b'(');
            out.push(self.coord()?);
            if wrapped {
                self.expect(b')')?;
            }
            if !self.eat(b',') {
                break;
            }
        }
        self.expect(b')')?;
        Ok(out)
    }

    fn rings(&mut self) -> Result<Vec<Vec<Coord<f64>>>, String> {
        self.expect(b'(')?;
        let mut out = Vec::new();
        loop {
            out.push(self.coords()?);
            if !self.eat(b',') {
                break;
            }
        }
        self.expect(b')')?;
        Ok(out)
    }

    fn polygon(rings: Vec<Vec<Coord<f64>>>) -> Result<Polygon<f64>, String> {
        let mut rings = rings.into_iter().map(|mut r| {
            if r.first() != r.last()
                && let Some(&f) = r.first()
            {
                r.push(f);
            }
            LineString(r)
        });
        let exterior = rings.next().ok_or("a polygon has no rings")?;
        if exterior.0.len() < 4 {
            return Err("a polygon's outer ring needs at least 3 points".into());
        }
        Ok(Polygon::new(exterior, rings.collect()))
    }

    fn geometry(&mut self, depth: usize) -> Result<Option<Geometry<f64>>, String> {
        if depth > 16 {
            return Err("GEOMETRYCOLLECTION nested too deep".into());
        }
        let kind = self.word();
        // Z, M or ZM after the type name.
        let save = self.at;
        let dims = self.word();
        if !matches!(dims.as_str(), "Z" | "M" | "ZM") {
            self.at = save;
        }
        let save = self.at;
        if self.word() == "EMPTY" {
            return Ok(None);
        }
        self.at = save;
        Ok(Some(match kind.as_str() {
            "POINT" => {
                self.expect(b'(')?;
                let c = self.coord()?;
                self.expect(b')')?;
                Geometry::Point(Point(c))
            }
            "LINESTRING" => {
                let pts = self.coords()?;
                if pts.len() < 2 {
                    return Err("a line needs at least 2 points".into());
                }
                Geometry::LineString(LineString(pts))
            }
            "POLYGON" => Geometry::Polygon(Self::polygon(self.rings()?)?),
            "MULTIPOINT" => {
                Geometry::MultiPoint(MultiPoint(self.coords()?.into_iter().map(Point).collect()))
            }
            "MULTILINESTRING" => Geometry::MultiLineString(MultiLineString(
                self.rings()?.into_iter().map(LineString).collect(),
            )),
            "MULTIPOLYGON" => {
                self.expect(b'(')?;
                let mut polys = Vec::new();
                loop {
                    polys.push(Self::polygon(self.rings()?)?);
                    if !self.eat(b',') {
                        break;
                    }
                }
                self.expect(b')')?;
                Geometry::MultiPolygon(MultiPolygon(polys))
            }
            "GEOMETRYCOLLECTION" => {
                self.expect(b'(')?;
                let mut parts = Vec::new();
                loop {
                    if let Some(g) = self.geometry(depth + 1)? {
                        parts.push(g);
                    }
                    if !self.eat(b',') {
                        break;
                    }
                }
                self.expect(b')')?;
                Geometry::GeometryCollection(GeometryCollection(parts))
            }
            "" => return Err("the cell is not WKT (no geometry type)".into()),
            other => return Err(format!("'{other}' is not a WKT geometry type")),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wkt_forms() {
        assert_eq!(
            parse_wkt("POINT (120.7 30.7)").unwrap(),
            Some(Geometry::Point(Point::new(120.7, 30.7)))
        );
        assert!(matches!(
            parse_wkt("SRID=4326;MULTIPOLYGON Z (((0 0 1, 1 0 1, 1 1 1, 0 0 1)))").unwrap(),
            Some(Geometry::MultiPolygon(_))
        ));
        assert_eq!(parse_wkt("POLYGON EMPTY").unwrap(), None);
        assert!(parse_wkt("POLYGON ((0 0, 1 0))").is_err());
        assert!(parse_wkt("CIRCLE (1 2)").is_err());
        assert!(parse_wkt("POINT (1 2) junk").is_err());
        assert!(matches!(
            parse_wkt("MULTIPOINT ((1 2), (3 4))").unwrap(),
            Some(Geometry::MultiPoint(m)) if m.0.len() == 2
        ));
    }

    #[test]
    fn cells_keep_codes_as_text() {
        assert_eq!(typed("070102"), AttrValue::Text("070102".into()));
        assert_eq!(typed("=\"070102\""), AttrValue::Text("070102".into()));
        assert_eq!(typed("12"), AttrValue::Int(12));
        assert_eq!(typed("1.5"), AttrValue::Float(1.5));
        assert_eq!(typed(" "), AttrValue::Null);
    }
}
