//! GeoPackage (OGC 12-128): feature tables read through SQLite (rusqlite, already
//! a dependency for MBTiles), geometry blobs decoded by [`super::wkb`], and
//! selections written as a GeoPackage of one table.

use std::path::Path;

use geo::{BoundingRect, Geometry};
use rayon::prelude::*;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::{
    ColumnKind, ExportError, ExportOptions, ExportSummary, FileCrs, LayerBuilder, LayerInfo,
    LoadControl, LoadError, LoadOptions, export_columns,
};
use crate::crs::Crs;
use crate::io::parse::ParsedFeature;
use crate::model::{AttrValue, Layer};

const FORMAT: &str = "GeoPackage";

/// Rows are read in batches of this many, whose geometries are decoded in parallel.
const BATCH: usize = 32_768;

fn open(path: &Path, shown: &str) -> Result<Connection, LoadError> {
    let db = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| database(shown, e))?;
    // A file that is not SQLite fails at its first statement.
    let has_contents: Result<i64, _> = db.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type IN ('table', 'view') AND name = 'gpkg_contents'",
        [],
        |r| r.get(0),
    );
    match has_contents {
        Ok(1) => Ok(db),
        Ok(_) => Err(LoadError::NotFormat {
            path: shown.to_string(),
            format: FORMAT,
            reason: "the SQLite database has no gpkg_contents table".into(),
        }),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            Err(LoadError::NotFormat {
                path: shown.to_string(),
                format: FORMAT,
                reason: "the file is not an SQLite database".into(),
            })
        }
        Err(e) => Err(database(shown, e)),
    }
}

fn database(shown: &str, e: rusqlite::Error) -> LoadError {
    LoadError::Database {
        path: shown.to_string(),
        reason: e.to_string(),
    }
}

/// A feature table: its name, geometry column, declared type and SRS id.
struct Table {
    name: String,
    column: String,
    geometry_type: String,
    srs_id: i64,
}

fn tables(db: &Connection, shown: &str) -> Result<Vec<Table>, LoadError> {
    let mut st = db
        .prepare(
            "SELECT c.table_name, g.column_name, g.geometry_type_name, g.srs_id \
             FROM gpkg_contents c JOIN gpkg_geometry_columns g ON c.table_name = g.table_name \
             WHERE c.data_type = 'features' ORDER BY c.rowid",
        )
        .map_err(|e| database(shown, e))?;
    let rows = st
        .query_map([], |r| {
            Ok(Table {
                name: r.get(0)?,
                column: r.get(1)?,
                geometry_type: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                srs_id: r.get::<_, Option<i64>>(3)?.unwrap_or(0),
            })
        })
        .map_err(|e| database(shown, e))?;
    rows.collect::<Result<Vec<_>, _>>()
        .map_err(|e| database(shown, e))
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The CRS of an SRS id: by its EPSG code where it has one, else by its WKT.
fn srs(db: &Connection, srs_id: i64) -> FileCrs {
    if srs_id <= 0 {
        // 0 is "undefined geographic", -1 "undefined Cartesian": nothing to go by.
        return FileCrs::Absent;
    }
    let row: Result<(Option<String>, Option<i64>, Option<String>), _> = db.query_row(
        "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
        [srs_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    );
    let Ok((org, code, wkt)) = row else {
        return FileCrs::Unknown(format!("srs_id {srs_id}, not in gpkg_spatial_ref_sys"));
    };
    if org
        .as_deref()
        .is_some_and(|o| o.eq_ignore_ascii_case("EPSG"))
        && let Some(crs) = code
            .and_then(|c| u16::try_from(c).ok())
            .and_then(Crs::from_epsg)
    {
        return FileCrs::Known(crs);
    }
    match wkt.as_deref().map(Crs::from_wkt) {
        Some(Ok(crs)) => FileCrs::Known(crs),
        _ => FileCrs::Unknown(format!(
            "{}:{}",
            org.unwrap_or_default(),
            code.unwrap_or(srs_id)
        )),
    }
}

fn srs_label(db: &Connection, srs_id: i64) -> String {
    match srs(db, srs_id) {
        FileCrs::Known(c) => c.label,
        FileCrs::Absent => "undefined".into(),
        FileCrs::Unknown(t) => t,
    }
}

/// The feature layers of a GeoPackage, for a layer chooser and `info`.
pub fn list_layers(path: &Path) -> Result<Vec<LayerInfo>, LoadError> {
    let shown = path.display().to_string();
    let db = open(path, &shown)?;
    let mut out = Vec::new();
    for t in tables(&db, &shown)? {
        let features: i64 = db
            .query_row(
                &format!("SELECT COUNT(*) FROM {}", quoted(&t.name)),
                [],
                |r| r.get(0),
            )
            .map_err(|e| database(&shown, e))?;
        out.push(LayerInfo {
            srs: srs_label(&db, t.srs_id),
            name: t.name,
            geometry_type: t.geometry_type,
            features: features.max(0) as u64,
        });
    }
    Ok(out)
}

/// Decodes a GeoPackage geometry blob: the `GP` header (version, flags, SRS id,
/// an envelope of 0, 32, 48 or 64 bytes, the empty flag; standard or extended
/// type) and the WKB after it.
pub fn decode_blob(blob: &[u8]) -> Result<Option<Geometry<f64>>, String> {
    if blob.get(..2) != Some(b"GP") {
        // Some writers store bare WKB; read it rather than refuse it.
        return super::wkb::read(blob).map(|(g, _)| g);
    }
    let flags = *blob.get(3).ok_or("the geometry header is cut short")?;
    let envelope = match (flags >> 1) & 0x07 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        e => return Err(format!("envelope code {e} is not defined")),
    };
    if flags & 0x10 != 0 {
        return Ok(None);
    }
    let wkb = blob
        .get(8 + envelope..)
        .ok_or("the geometry header is longer than the blob")?;
    super::wkb::read(wkb).map(|(g, _)| g)
}

/// Encodes a geometry as a standard GeoPackage blob with its xy envelope.
pub fn encode_blob(g: &Geometry<f64>, srs_id: i32, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(b"GP");
    out.push(0);
    match g.bounding_rect() {
        Some(r) => {
            out.push(0b0000_0011);
            out.extend_from_slice(&srs_id.to_le_bytes());
            for v in [r.min().x, r.max().x, r.min().y, r.max().y] {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        None => {
            out.push(0b0001_0001);
            out.extend_from_slice(&srs_id.to_le_bytes());
        }
    }
    super::wkb::write(g, out);
}

/// The GeoPackage reader: the table `options.layer` names, else the first
/// feature table (with a warning naming the others).
pub fn read(
    path: &Path,
    shown: &str,
    options: &LoadOptions,
    control: LoadControl,
    builder: &mut LayerBuilder,
) -> Result<FileCrs, LoadError> {
    let db = open(path, shown)?;
    let all = tables(&db, shown)?;
    let names: Vec<String> = all.iter().map(|t| t.name.clone()).collect();
    let table = match &options.layer {
        Some(want) => {
            all.into_iter()
                .find(|t| t.name == *want)
                .ok_or_else(|| LoadError::NoSuchLayer {
                    path: shown.to_string(),
                    layer: want.clone(),
                    available: names.clone(),
                })?
        }
        None => {
            let mut it = all.into_iter();
            let first = it.next().ok_or_else(|| LoadError::NoLayers {
                path: shown.to_string(),
            })?;
            if names.len() > 1 {
                builder.note(format!(
                    "the GeoPackage has {} layers ({}); '{}' was read (choose another with --layer NAME)",
                    names.len(),
                    names.join(", "),
                    first.name
                ));
            }
            first
        }
    };
    let total: i64 = db
        .query_row(
            &format!("SELECT COUNT(*) FROM {}", quoted(&table.name)),
            [],
            |r| r.get(0),
        )
        .map_err(|e| database(shown, e))?;
    builder.reserve(total.max(0) as usize);
    // The columns: the primary key (OGR's fid) names features, the geometry
    // column is the shape, the rest are attributes; BOOLEAN columns hold 0 and 1.
    let mut info = db
        .prepare(&format!("PRAGMA table_info({})", quoted(&table.name)))
        .map_err(|e| database(shown, e))?;
    let cols: Vec<(String, String, bool)> = info
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                r.get::<_, i64>(5)? > 0,
            ))
        })
        .map_err(|e| database(shown, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| database(shown, e))?;
    let pk = cols
        .iter()
        .position(|(_, ty, pk)| *pk && ty.eq_ignore_ascii_case("INTEGER"));
    let geom = cols.iter().position(|(n, _, _)| *n == table.column);
    let attrs: Vec<usize> = (0..cols.len())
        .filter(|&k| Some(k) != pk && Some(k) != geom)
        .collect();
    let names: Vec<String> = attrs
        .iter()
        .filter_map(|&k| cols.get(k).map(|c| c.0.clone()))
        .collect();
    let boolean: Vec<bool> = attrs
        .iter()
        .map(|&k| {
            cols.get(k)
                .is_some_and(|c| c.1.eq_ignore_ascii_case("BOOLEAN"))
        })
        .collect();
    let slots = builder.columns_for(&names);
    let select: Vec<String> = pk
        .iter()
        .chain(geom.iter())
        .chain(attrs.iter())
        .filter_map(|&k| cols.get(k).map(|c| quoted(&c.0)))
        .collect();
    let order = match pk.and_then(|k| cols.get(k)) {
        Some(c) => format!(" ORDER BY {}", quoted(&c.0)),
        None => String::new(),
    };
    let sql = format!(
        "SELECT {} FROM {}{order}",
        select.join(", "),
        quoted(&table.name)
    );
    let mut st = db.prepare(&sql).map_err(|e| database(shown, e))?;
    let mut rows = st.query([]).map_err(|e| database(shown, e))?;
    let first_attr = usize::from(pk.is_some()) + usize::from(geom.is_some());
    type Row = (Option<i64>, Option<Vec<u8>>, Vec<(u32, AttrValue)>);
    let mut batch: Vec<Row> = Vec::with_capacity(BATCH);
    let mut done = false;
    while !done {
        batch.clear();
        while batch.len() < BATCH {
            let Some(r) = rows.next().map_err(|e| database(shown, e))? else {
                done = true;
                break;
            };
            let fid = match pk {
                Some(_) => r.get::<_, Option<i64>>(0).ok().flatten(),
                None => None,
            };
            let blob = match geom {
                Some(_) => match r.get_ref(usize::from(pk.is_some())) {
                    Ok(ValueRef::Blob(b)) => Some(b.to_vec()),
                    _ => None,
                },
                None => None,
            };
            let mut props = Vec::with_capacity(names.len());
            for (slot, is_bool) in boolean.iter().enumerate() {
                let v = match r.get_ref(first_attr + slot) {
                    Ok(ValueRef::Integer(i)) if *is_bool => AttrValue::Bool(i != 0),
                    Ok(ValueRef::Integer(i)) => AttrValue::Int(i),
                    Ok(ValueRef::Real(f)) => AttrValue::Float(f),
                    Ok(ValueRef::Text(t)) => {
                        AttrValue::Text(String::from_utf8_lossy(t).as_ref().into())
                    }
                    _ => AttrValue::Null,
                };
                if !v.is_null() {
                    props.push((slot as u32, v));
                }
            }
            batch.push((fid, blob, props));
        }
        let decoded: Vec<Result<Option<Geometry<f64>>, String>> = batch
            .par_iter()
            .map(|(_, blob, _)| match blob {
                Some(b) => decode_blob(b),
                None => Ok(None),
            })
            .collect();
        for ((fid, _, props), geometry) in batch.drain(..).zip(decoded) {
            let index = builder.seen;
            builder.seen += 1;
            match geometry {
                Ok(geometry) => builder.push(&slots, ParsedFeature::plain(geometry, props), index),
                Err(reason) => builder.skip(
                    index,
                    fid.map(|f| format!("fid {f}")),
                    format!("bad geometry: {reason}"),
                ),
            }
        }
        let read = builder.seen as u64;
        builder.progress(
            control,
            builder.total_bytes.unwrap_or(0) * read / (total.max(1) as u64),
            shown,
        )?;
    }
    Ok(srs(&db, table.srs_id))
}

/// WKT of the two SRS a GeoPackage export may name.
const WKT_4326: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]"#;
const WKT_4490: &str = r#"GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4490"]]"#;

/// Writes the features as a GeoPackage with one table named after the layer, in
/// EPSG:4326 or (on request) EPSG:4490, whose coordinates are the same for
/// planning purposes. The database is built beside the target and renamed over
/// it, so a failed export leaves no half-written file.
pub fn export(
    layer: &Layer,
    features: &[usize],
    path: &Path,
    options: &ExportOptions,
) -> Result<ExportSummary, ExportError> {
    let shown = path.display().to_string();
    let srs_id = options.srs.unwrap_or(4326);
    let (srs_name, wkt) = match srs_id {
        4326 => ("WGS 84 geodetic", WKT_4326),
        4490 => ("China Geodetic Coordinate System 2000", WKT_4490),
        other => {
            return Err(ExportError::UnsupportedSrs {
                path: shown,
                srs: other,
            });
        }
    };
    let db_err = |e: rusqlite::Error| ExportError::Database {
        path: shown.clone(),
        reason: e.to_string(),
    };
    let tmp = path.with_file_name(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default(),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&tmp);
    let result = (|| -> Result<(), ExportError> {
        let mut db = Connection::open(&tmp).map_err(db_err)?;
        db.execute_batch(
            "PRAGMA application_id = 1196444487; PRAGMA user_version = 10200; PRAGMA journal_mode = OFF; \
             CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT); \
             CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)); \
             CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name)); \
             INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'); \
             INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');",
        )
        .map_err(db_err)?;
        db.execute(
            "INSERT INTO gpkg_spatial_ref_sys VALUES (?1, ?2, 'EPSG', ?2, ?3, NULL)",
            rusqlite::params![srs_name, srs_id, wkt],
        )
        .map_err(db_err)?;
        if srs_id != 4326 {
            db.execute(
                "INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 geodetic', 4326, 'EPSG', 4326, ?1, NULL)",
                [WKT_4326],
            )
            .map_err(db_err)?;
        }
        let columns = export_columns(layer, features);
        let table = if layer.name.trim().is_empty() {
            "features".to_string()
        } else {
            layer.name.trim().to_string()
        };
        let geometry_type = geometry_type_of(layer, features);
        let defs: Vec<String> = columns
            .iter()
            .filter(|c| !c.name.eq_ignore_ascii_case("fid") && !c.name.eq_ignore_ascii_case("geom"))
            .map(|c| {
                let ty = match c.kind {
                    ColumnKind::Integer => "INTEGER",
                    ColumnKind::Real => "REAL",
                    ColumnKind::Text => "TEXT",
                    ColumnKind::Bool => "BOOLEAN",
                };
                format!("{} {ty}", quoted(&c.name))
            })
            .collect();
        let kept: Vec<&super::ExportColumn> = columns
            .iter()
            .filter(|c| !c.name.eq_ignore_ascii_case("fid") && !c.name.eq_ignore_ascii_case("geom"))
            .collect();
        let mut sql = format!(
            "CREATE TABLE {} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom {geometry_type}",
            quoted(&table)
        );
        for d in &defs {
            sql.push_str(", ");
            sql.push_str(d);
        }
        sql.push(')');
        db.execute(&sql, []).map_err(db_err)?;
        let bbox = layer.bbox_of(features);
        db.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, min_x, min_y, max_x, max_y, srs_id) VALUES (?1, 'features', ?1, ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![
                table,
                bbox.map(|r| r.min().x),
                bbox.map(|r| r.min().y),
                bbox.map(|r| r.max().x),
                bbox.map(|r| r.max().y),
                srs_id
            ],
        )
        .map_err(db_err)?;
        db.execute(
            "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', ?2, ?3, 0, 0)",
            rusqlite::params![table, geometry_type, srs_id],
        )
        .map_err(db_err)?;
        let tx = db.transaction().map_err(db_err)?;
        {
            let placeholders: Vec<String> =
                (0..=kept.len()).map(|k| format!("?{}", k + 1)).collect();
            let names: Vec<String> = std::iter::once("geom".to_string())
                .chain(kept.iter().map(|c| quoted(&c.name)))
                .collect();
            let mut st = tx
                .prepare(&format!(
                    "INSERT INTO {} ({}) VALUES ({})",
                    quoted(&table),
                    names.join(", "),
                    placeholders.join(", ")
                ))
                .map_err(db_err)?;
            let mut blob = Vec::new();
            for (row, &i) in features.iter().enumerate() {
                let mut values: Vec<rusqlite::types::Value> = Vec::with_capacity(kept.len() + 1);
                values.push(match layer.geometries.get(i).and_then(|g| g.as_ref()) {
                    Some(g) => {
                        encode_blob(g, srs_id as i32, &mut blob);
                        rusqlite::types::Value::Blob(blob.clone())
                    }
                    None => rusqlite::types::Value::Null,
                });
                for c in &kept {
                    use rusqlite::types::Value as V;
                    values.push(match c.values.get(row) {
                        Some(AttrValue::Int(v)) => V::Integer(*v),
                        Some(AttrValue::Float(v)) => V::Real(*v),
                        Some(AttrValue::Bool(b)) => V::Integer(i64::from(*b)),
                        Some(AttrValue::Text(t)) => V::Text(t.to_string()),
                        _ => V::Null,
                    });
                }
                st.execute(rusqlite::params_from_iter(values))
                    .map_err(db_err)?;
            }
        }
        tx.commit().map_err(db_err)?;
        db.close().map_err(|(_, e)| db_err(e))?;
        std::fs::rename(&tmp, path).map_err(|source| ExportError::Io {
            path: shown.clone(),
            source,
        })
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result?;
    let renamed = export_columns(layer, &[])
        .iter()
        .filter(|c| c.name.eq_ignore_ascii_case("fid") || c.name.eq_ignore_ascii_case("geom"))
        .map(|c| (c.name.clone(), String::new()))
        .collect();
    Ok(ExportSummary {
        files: vec![path.to_path_buf()],
        features: features.len(),
        renamed,
        notes: Vec::new(),
    })
}

/// The GeoPackage geometry type name of the exported features: the one type
/// they share, or GEOMETRY.
fn geometry_type_of(layer: &Layer, features: &[usize]) -> &'static str {
    let mut kind: Option<&'static str> = None;
    for &i in features {
        let Some(g) = layer.geometries.get(i).and_then(|g| g.as_ref()) else {
            continue;
        };
        let k = match g {
            Geometry::Point(_) => "POINT",
            Geometry::MultiPoint(_) => "MULTIPOINT",
            Geometry::Line(_) | Geometry::LineString(_) => "LINESTRING",
            Geometry::MultiLineString(_) => "MULTILINESTRING",
            Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => "POLYGON",
            Geometry::MultiPolygon(_) => "MULTIPOLYGON",
            Geometry::GeometryCollection(_) => "GEOMETRYCOLLECTION",
        };
        kind = match kind {
            None => Some(k),
            Some(a) if a == k => Some(a),
            Some("POLYGON" | "MULTIPOLYGON") if k.ends_with("POLYGON") => Some("MULTIPOLYGON"),
            Some("LINESTRING" | "MULTILINESTRING") if k.ends_with("LINESTRING") => {
                Some("MULTILINESTRING")
            }
            Some("POINT" | "MULTIPOINT") if k.ends_with("POINT") => Some("MULTIPOINT"),
            _ => return "GEOMETRY",
        };
    }
    kind.unwrap_or("GEOMETRY")
}
