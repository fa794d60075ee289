//! FlatGeobuf: read with the `flatgeobuf` crate (its HTTP client left out by
//! `default-features = false`), using the file's packed R-tree for bbox reads,
//! and written with it (with an index, so QGIS and GDAL read boxes fast too).
//!
//! The crate's own property reader slices its buffer without bounds checks and
//! panics on a truncated feature, so properties are decoded here from the
//! feature's verified bytes, every length checked; geometries are built here
//! from the verified flatbuffers tables too. The whole read is also kept behind
//! `catch_unwind`, so that a panic left anywhere in the crate on hostile bytes
//! becomes an error that names the file rather than the end of the program.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use flatgeobuf::{
    ColumnType, FallibleStreamingIterator, FgbCrs, FgbReader, FgbWriter, FgbWriterOptions,
    GeometryType,
};
use geo::{
    Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon,
    Point, Polygon,
};
use geozero::ColumnValue;

use super::{
    ColumnKind, ExportError, ExportOptions, ExportSummary, FileCrs, LayerBuilder, LoadControl,
    LoadError, LoadOptions, export_columns,
};
use crate::crs::Crs;
use crate::io::parse::ParsedFeature;
use crate::model::{AttrValue, Layer};

const FORMAT: &str = "FlatGeobuf";

/// The FlatGeobuf reader.
pub fn read(
    path: &Path,
    shown: &str,
    options: &LoadOptions,
    control: LoadControl,
    builder: &mut LayerBuilder,
) -> Result<FileCrs, LoadError> {
    let run = std::panic::AssertUnwindSafe(|| read_inner(path, shown, options, control, builder));
    std::panic::catch_unwind(run).unwrap_or_else(|_| {
        Err(LoadError::NotFormat {
            path: shown.to_string(),
            format: FORMAT,
            reason: "the file is damaged (its structure could not be followed)".into(),
        })
    })
}

fn fgb_error(shown: &str, e: flatgeobuf::Error) -> LoadError {
    match e {
        flatgeobuf::Error::MissingMagicBytes => LoadError::NotFormat {
            path: shown.to_string(),
            format: FORMAT,
            reason: "the file does not start with the FlatGeobuf signature 'fgb'".into(),
        },
        flatgeobuf::Error::IO(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            LoadError::Truncated {
                path: shown.to_string(),
                format: FORMAT,
                reason: "the file ends inside its header or a feature".into(),
            }
        }
        flatgeobuf::Error::IO(source) => LoadError::Io {
            path: shown.to_string(),
            source,
        },
        other => LoadError::NotFormat {
            path: shown.to_string(),
            format: FORMAT,
            reason: other.to_string(),
        },
    }
}

fn read_inner(
    path: &Path,
    shown: &str,
    options: &LoadOptions,
    control: LoadControl,
    builder: &mut LayerBuilder,
) -> Result<FileCrs, LoadError> {
    let file = File::open(path).map_err(|source| LoadError::Io {
        path: shown.to_string(),
        source,
    })?;
    let reader = FgbReader::open(BufReader::with_capacity(1 << 20, file))
        .map_err(|e| fgb_error(shown, e))?;
    let header = reader.header();
    let file_type = header.geometry_type();
    let count = header.features_count();
    let indexed = header.index_node_size() > 0 && count > 0;
    let columns: Vec<(String, ColumnType)> = header
        .columns()
        .map(|cols| {
            cols.iter()
                .map(|c| (c.name().to_string(), c.type_()))
                .collect()
        })
        .unwrap_or_default();
    let crs = match header.crs() {
        None => FileCrs::Absent,
        Some(c) => {
            let org = c.org().unwrap_or("EPSG");
            let code = c.code();
            if org.eq_ignore_ascii_case("EPSG")
                && let Some(crs) = u16::try_from(code).ok().and_then(Crs::from_epsg)
            {
                FileCrs::Known(crs)
            } else if let Some(Ok(crs)) = c.wkt().map(Crs::from_wkt) {
                FileCrs::Known(crs)
            } else if code == 0 && c.wkt().is_none() {
                FileCrs::Absent
            } else {
                FileCrs::Unknown(format!("{org}:{code}"))
            }
        }
    };
    builder.reserve(usize::try_from(count).unwrap_or(0).min(50_000_000));
    let names: Vec<String> = columns.iter().map(|c| c.0.clone()).collect();
    let slots = builder.columns_for(&names);
    // The index holds boxes in the file's CRS: it serves a lon/lat box only when
    // the file is in lon/lat; otherwise every feature is read and the builder
    // keeps those that meet the box after reprojection.
    let geographic = match (&options.crs_override, &crs) {
        (Some(c), _) => c.is_geographic(),
        (None, FileCrs::Known(c)) => c.is_geographic(),
        (None, _) => true,
    };
    let mut features = match options.bbox {
        Some(b) if indexed && geographic => reader
            .select_bbox(b.min().x, b.min().y, b.max().x, b.max().y)
            .map_err(|e| fgb_error(shown, e))?,
        _ => reader.select_all().map_err(|e| fgb_error(shown, e))?,
    };
    let mut index = 0usize;
    loop {
        let next = features.next().map_err(|e| fgb_error(shown, e))?;
        let Some(f) = next else { break };
        builder.seen += 1;
        let fbs = f.fbs_feature();
        let props = fbs
            .properties()
            .map(|p| decode_properties(p.bytes(), &columns))
            .unwrap_or(Ok(Vec::new()));
        let geometry = match fbs.geometry() {
            Some(g) => convert(&g, file_type, 0),
            None => Ok(None),
        };
        match (geometry, props) {
            (Ok(geometry), Ok(props)) => {
                builder.push(&slots, ParsedFeature::plain(geometry, props), index)
            }
            (Err(reason), _) | (_, Err(reason)) => builder.skip(index, None, reason),
        }
        index += 1;
        if index.is_multiple_of(65_536) {
            builder.progress(control, 0, shown)?;
        }
    }
    Ok(crs)
}

/// Decodes a feature's property bytes: pairs of a column number (u16) and a
/// value whose size the column's type gives, every length checked.
fn decode_properties(
    bytes: &[u8],
    columns: &[(String, ColumnType)],
) -> Result<Vec<(u32, AttrValue)>, String> {
    let mut out = Vec::new();
    let mut at = 0usize;
    let cut = || "the feature's properties are cut short".to_string();
    let take = |at: &mut usize, n: usize| -> Result<&[u8], String> {
        let s = bytes.get(*at..*at + n).ok_or_else(cut)?;
        *at += n;
        Ok(s)
    };
    while at + 1 < bytes.len() {
        let k = take(&mut at, 2)?;
        let column =
            u16::from_le_bytes([*k.first().ok_or_else(cut)?, *k.get(1).ok_or_else(cut)?]) as usize;
        let (_, ty) = columns.get(column).ok_or_else(|| {
            format!("a property names column {column}, which the header does not have")
        })?;
        let arr = |s: &[u8]| -> [u8; 8] {
            let mut a = [0u8; 8];
            for (d, b) in a.iter_mut().zip(s) {
                *d = *b;
            }
            a
        };
        let value = match *ty {
            ColumnType::Bool => AttrValue::Bool(take(&mut at, 1)?.first() != Some(&0)),
            ColumnType::Byte => AttrValue::Int(i64::from(arr(take(&mut at, 1)?)[0] as i8)),
            ColumnType::UByte => AttrValue::Int(i64::from(arr(take(&mut at, 1)?)[0])),
            ColumnType::Short => {
                let a = arr(take(&mut at, 2)?);
                AttrValue::Int(i64::from(i16::from_le_bytes([a[0], a[1]])))
            }
            ColumnType::UShort => {
                let a = arr(take(&mut at, 2)?);
                AttrValue::Int(i64::from(u16::from_le_bytes([a[0], a[1]])))
            }
            ColumnType::Int => {
                let a = arr(take(&mut at, 4)?);
                AttrValue::Int(i64::from(i32::from_le_bytes([a[0], a[1], a[2], a[3]])))
            }
            ColumnType::UInt => {
                let a = arr(take(&mut at, 4)?);
                AttrValue::Int(i64::from(u32::from_le_bytes([a[0], a[1], a[2], a[3]])))
            }
            ColumnType::Long => AttrValue::Int(i64::from_le_bytes(arr(take(&mut at, 8)?))),
            ColumnType::ULong => {
                let v = u64::from_le_bytes(arr(take(&mut at, 8)?));
                i64::try_from(v)
                    .map(AttrValue::Int)
                    .unwrap_or(AttrValue::Float(v as f64))
            }
            ColumnType::Float => {
                let a = arr(take(&mut at, 4)?);
                AttrValue::Float(f64::from(f32::from_le_bytes([a[0], a[1], a[2], a[3]])))
            }
            ColumnType::Double => AttrValue::Float(f64::from_le_bytes(arr(take(&mut at, 8)?))),
            ColumnType::String | ColumnType::Json | ColumnType::DateTime | ColumnType::Binary => {
                let a = arr(take(&mut at, 4)?);
                let n = u32::from_le_bytes([a[0], a[1], a[2], a[3]]) as usize;
                let s = take(&mut at, n)?;
                if *ty == ColumnType::Binary {
                    AttrValue::Null
                } else {
                    AttrValue::Text(String::from_utf8_lossy(s).as_ref().into())
                }
            }
            _ => {
                return Err(format!(
                    "column {column} has a type this reader does not know"
                ));
            }
        };
        if !value.is_null() {
            out.push((column as u32, value));
        }
    }
    Ok(out)
}

/// Builds a geometry from a FlatGeobuf geometry table; `file_type` is the
/// header's type, which a feature of a typed file does not repeat.
fn convert(
    g: &flatgeobuf::Geometry,
    file_type: GeometryType,
    depth: usize,
) -> Result<Option<Geometry<f64>>, String> {
    if depth > 16 {
        return Err("geometry collections nested too deep".into());
    }
    let ty = match file_type {
        GeometryType::Unknown => g.type_(),
        t => t,
    };
    let xy: Vec<f64> = g.xy().map(|v| v.iter().collect()).unwrap_or_default();
    let coords: Vec<Coord<f64>> = xy
        .chunks_exact(2)
        .map(|c| Coord {
            x: c.first().copied().unwrap_or(f64::NAN),
            y: c.get(1).copied().unwrap_or(f64::NAN),
        })
        .collect();
    if coords.iter().any(|c| !c.x.is_finite() || !c.y.is_finite()) {
        return Err("a coordinate is not a finite number".into());
    }
    // Split the coordinates at `ends` (counts of coordinates, cumulative).
    let split = || -> Result<Vec<Vec<Coord<f64>>>, String> {
        let ends: Vec<u32> = g.ends().map(|v| v.iter().collect()).unwrap_or_default();
        if ends.is_empty() {
            return Ok(vec![coords.clone()]);
        }
        let mut out = Vec::with_capacity(ends.len());
        let mut start = 0usize;
        for e in ends {
            let e = e as usize;
            let part = coords.get(start..e).ok_or_else(|| {
                format!(
                    "a part ends at {e}, outside the {} coordinates",
                    coords.len()
                )
            })?;
            out.push(part.to_vec());
            start = e;
        }
        Ok(out)
    };
    let parts = || -> Result<Vec<Geometry<f64>>, String> {
        let mut out = Vec::new();
        if let Some(ps) = g.parts() {
            for p in ps.iter() {
                let inner_type = match ty {
                    GeometryType::MultiPolygon => GeometryType::Polygon,
                    GeometryType::MultiLineString => GeometryType::LineString,
                    GeometryType::MultiPoint => GeometryType::Point,
                    _ => GeometryType::Unknown,
                };
                if let Some(g) = convert(&p, inner_type, depth + 1)? {
                    out.push(g);
                }
            }
        }
        Ok(out)
    };
    Ok(match ty {
        GeometryType::Point => coords.first().map(|c| Geometry::Point(Point(*c))),
        GeometryType::MultiPoint => (!coords.is_empty())
            .then(|| Geometry::MultiPoint(MultiPoint(coords.iter().map(|c| Point(*c)).collect()))),
        GeometryType::LineString => {
            (coords.len() >= 2).then(|| Geometry::LineString(LineString(coords.clone())))
        }
        GeometryType::MultiLineString => {
            let lines: Vec<LineString<f64>> = split()?.into_iter().map(LineString).collect();
            (!lines.is_empty() && !coords.is_empty())
                .then_some(Geometry::MultiLineString(MultiLineString(lines)))
        }
        GeometryType::Polygon => {
            let mut rings: Vec<LineString<f64>> = split()?.into_iter().map(LineString).collect();
            if coords.is_empty() || rings.is_empty() {
                return Ok(None);
            }
            let exterior = rings.remove(0);
            if exterior.0.len() < 3 {
                return Err("the outer ring has fewer than 3 points".into());
            }
            Some(Geometry::Polygon(Polygon::new(exterior, rings)))
        }
        GeometryType::MultiPolygon => {
            let polys: Vec<Polygon<f64>> = parts()?
                .into_iter()
                .filter_map(|g| match g {
                    Geometry::Polygon(p) => Some(p),
                    _ => None,
                })
                .collect();
            (!polys.is_empty()).then_some(Geometry::MultiPolygon(MultiPolygon(polys)))
        }
        GeometryType::GeometryCollection => {
            let members = parts()?;
            (!members.is_empty())
                .then_some(Geometry::GeometryCollection(GeometryCollection(members)))
        }
        other => {
            return Err(format!(
                "geometry type {other:?} (curves, surfaces) is not read"
            ));
        }
    })
}

/// Writes the features as a FlatGeobuf with its spatial index, in EPSG:4326.
pub fn export(
    layer: &Layer,
    features: &[usize],
    path: &Path,
    _options: &ExportOptions,
) -> Result<ExportSummary, ExportError> {
    let shown = path.display().to_string();
    let err = |reason: String| ExportError::Io {
        path: shown.clone(),
        source: std::io::Error::other(reason),
    };
    let columns = export_columns(layer, features);
    let options = FgbWriterOptions {
        crs: FgbCrs {
            code: 4326,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut fgb = FgbWriter::create_with_options(&layer.name, GeometryType::Unknown, options)
        .map_err(|e| err(e.to_string()))?;
    for c in &columns {
        let ty = match c.kind {
            ColumnKind::Integer => ColumnType::Long,
            ColumnKind::Real => ColumnType::Double,
            ColumnKind::Text => ColumnType::String,
            ColumnKind::Bool => ColumnType::Bool,
        };
        fgb.add_column(&c.name, ty, |_, col| col.nullable = true);
    }
    let mut without_geometry = 0usize;
    let mut written = 0usize;
    for (row, &i) in features.iter().enumerate() {
        let Some(g) = layer.geometries.get(i).and_then(|g| g.as_ref()) else {
            without_geometry += 1;
            continue;
        };
        let mut failed = None;
        fgb.add_feature_geom(g.clone(), |feat| {
            for (k, c) in columns.iter().enumerate() {
                let text;
                let v = match c.values.get(row) {
                    Some(AttrValue::Int(v)) => ColumnValue::Long(*v),
                    Some(AttrValue::Float(v)) => ColumnValue::Double(*v),
                    Some(AttrValue::Bool(b)) => ColumnValue::Bool(*b),
                    Some(AttrValue::Text(t)) => {
                        text = t.to_string();
                        ColumnValue::String(&text)
                    }
                    _ => continue,
                };
                if let Err(e) = geozero::PropertyProcessor::property(feat, k, &c.name, &v) {
                    failed.get_or_insert(e.to_string());
                }
            }
        })
        .map_err(|e| err(e.to_string()))?;
        if let Some(e) = failed {
            return Err(err(e));
        }
        written += 1;
    }
    crate::io::atomic_write(path, |w| fgb.write(w).map_err(std::io::Error::other))?;
    let mut notes = Vec::new();
    if without_geometry > 0 {
        notes.push(format!(
            "{without_geometry} feature(s) without geometry were left out"
        ));
    }
    Ok(ExportSummary {
        files: vec![path.to_path_buf()],
        features: written,
        renamed: Vec::new(),
        notes,
    })
}
