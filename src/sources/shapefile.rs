//! ESRI Shapefiles: `.shp` geometry, `.shx` index, `.dbf` attributes, `.prj` CRS
//! and `.cpg` code page, read and written.
//!
//! Read and written here rather than with the `shapefile` and `dbase` crates, for
//! three reasons. The attribute bytes must be seen before they are decoded: a
//! Chinese file usually has no `.cpg`, and whether it is GBK is told from its
//! language driver byte or, failing that, from whether its text is valid UTF-8,
//! which the crates decide before a caller sees the values. Records are decoded
//! in parallel from the `.shx` offsets, which keeps a million parcels under the
//! 4 s the issue sets. And every problem names its record (a part index beyond
//! the points, a record past the end of a truncated file), where the crates stop
//! the whole read with a general error. Polygon rings are assembled by winding
//! and containment as ESRI defines them, which the crates leave to the caller too.

use std::path::{Path, PathBuf};

use geo::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use rayon::prelude::*;

use super::{
    ExportError, ExportOptions, ExportSummary, FileCrs, LayerBuilder, LoadControl, LoadError,
    LoadOptions, TextDecoder, encoding_for, export_columns, requested_encoding,
};
use crate::crs::Crs;
use crate::io::parse::ParsedFeature;
use crate::model::{AttrValue, Layer};

const FORMAT: &str = "ESRI Shapefile";

/// The extension of the `.shp` beside `path` (`shp` or `SHP`, as the file is
/// named), so that a Shapefile opened by its `.dbf` opens by its `.shp`.
pub fn shp_extension_beside(path: &Path) -> &'static str {
    if path.with_extension("shp").exists() {
        "shp"
    } else if path.with_extension("SHP").exists() {
        "SHP"
    } else {
        "shp"
    }
}

/// A sidecar of `shp` with extension `ext`, found in lower or upper case.
fn sidecar(shp: &Path, ext: &str) -> Option<PathBuf> {
    [ext.to_ascii_lowercase(), ext.to_ascii_uppercase()]
        .into_iter()
        .map(|e| shp.with_extension(e))
        .find(|p| p.exists())
}

fn read_file(path: &Path) -> Result<Vec<u8>, LoadError> {
    super::read_bytes(path, &path.display().to_string())
}

fn be_i32(b: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le_i32(b: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le_f64(b: &[u8], at: usize) -> Option<f64> {
    Some(f64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// The Shapefile reader.
pub fn read(
    path: &Path,
    shown: &str,
    options: &LoadOptions,
    control: LoadControl,
    builder: &mut LayerBuilder,
) -> Result<FileCrs, LoadError> {
    let shp = read_file(path)?;
    let dbf_path = sidecar(path, "dbf").ok_or_else(|| LoadError::MissingSidecar {
        path: shown.to_string(),
        format: FORMAT,
        sidecar: ".dbf (the attributes)".into(),
    })?;
    let dbf = read_file(&dbf_path)?;
    let shx = match sidecar(path, "shx") {
        Some(p) => Some(read_file(&p)?),
        None => {
            builder.note(
                "the .shx index is missing; the records were read one after another from the .shp"
                    .into(),
            );
            None
        }
    };
    let prj = sidecar(path, "prj").and_then(|p| std::fs::read(p).ok());
    let cpg = sidecar(path, "cpg").and_then(|p| std::fs::read(p).ok());
    let named = requested_encoding(options, shown)?;
    builder.progress(control, 0, shown)?;
    read_parts(
        &shp,
        shx.as_deref(),
        &dbf,
        prj.as_deref(),
        cpg.as_deref(),
        named,
        shown,
        control,
        builder,
    )
}

/// Reads a Shapefile from its files' bytes (the fuzz target's way in). `.shx`,
/// `.prj` and `.cpg` may be absent.
#[allow(clippy::too_many_arguments)]
pub fn read_parts(
    shp: &[u8],
    shx: Option<&[u8]>,
    dbf: &[u8],
    prj: Option<&[u8]>,
    cpg: Option<&[u8]>,
    named: Option<&'static encoding_rs::Encoding>,
    shown: &str,
    control: LoadControl,
    builder: &mut LayerBuilder,
) -> Result<FileCrs, LoadError> {
    let truncated = |reason: String| LoadError::Truncated {
        path: shown.to_string(),
        format: FORMAT,
        reason,
    };
    if shp.len() < 100 {
        return Err(if shp.len() >= 4 && be_i32(shp, 0) != Some(9994) {
            not_shapefile(shown, shp)
        } else {
            truncated(format!(
                "the .shp has {} bytes, fewer than its 100-byte header",
                shp.len()
            ))
        });
    }
    if be_i32(shp, 0) != Some(9994) {
        return Err(not_shapefile(shown, shp));
    }
    let declared_bytes = be_i32(shp, 24).unwrap_or(0).max(0) as u64 * 2;
    if declared_bytes > shp.len() as u64 {
        builder.note(format!(
            "the .shp is truncated: its header says {declared_bytes} bytes, the file has {}; the records that are whole were read",
            shp.len()
        ));
    }

    // Record offsets: from the .shx, else by walking the .shp.
    let offsets: Vec<(usize, usize)> = match shx {
        Some(shx) if shx.len() >= 100 && be_i32(shx, 0) == Some(9994) => shx
            .get(100..)
            .unwrap_or_default()
            .chunks_exact(8)
            .map(|c| {
                let off = be_i32(c, 0).unwrap_or(0).max(0) as usize * 2;
                let len = be_i32(c, 4).unwrap_or(0).max(0) as usize * 2;
                (off, len)
            })
            .collect(),
        Some(_) => {
            builder.note(
                "the .shx index is not a Shapefile index; the records were read one after another from the .shp"
                    .into(),
            );
            walk_records(shp)
        }
        None => walk_records(shp),
    };

    let table = DbfTable::parse(dbf, cpg, named).map_err(|reason| match reason {
        DbfProblem::Truncated(r) => truncated(format!("the .dbf {r}")),
        DbfProblem::NotDbf(r) => LoadError::NotFormat {
            path: shown.to_string(),
            format: "dBASE (.dbf)",
            reason: r,
        },
    })?;
    if let Some(note) = &table.encoding_note {
        builder.note(note.clone());
    }
    if table.records != offsets.len() {
        builder.note(format!(
            "the .shp has {} records and the .dbf {}; {}",
            offsets.len(),
            table.records,
            if table.records < offsets.len() {
                "the shapes without a row of attributes were read with empty attributes"
            } else {
                "the rows of attributes without a shape were left out"
            }
        ));
    }
    if table.available < table.records {
        builder.note(format!(
            "the .dbf is truncated: its header says {} rows, the file holds {}",
            table.records, table.available
        ));
    }
    builder.reserve(offsets.len());
    let slots = builder.columns_for(&table.names);

    // Decode in parallel, in chunks so that progress and cancellation are seen.
    let mut guessed = 0usize;
    let mut deleted = 0usize;
    const CHUNK: usize = 65_536;
    for (chunk_no, chunk) in offsets.chunks(CHUNK).enumerate() {
        let base = chunk_no * CHUNK;
        let decoded: Vec<(Result<Shape, String>, Option<DbfRow>)> = chunk
            .par_iter()
            .enumerate()
            .map(|(k, &(off, len))| {
                let i = base + k;
                (read_record(shp, off, len, i), table.row(i))
            })
            .collect();
        for (k, (shape, row)) in decoded.into_iter().enumerate() {
            let index = base + k;
            builder.seen += 1;
            let (props, row_guessed, row_deleted) = match row {
                Some(r) => (r.values, r.guessed, r.deleted),
                None => (Vec::new(), 0, false),
            };
            guessed += row_guessed;
            if row_deleted {
                deleted += 1;
                continue;
            }
            match shape {
                Ok(shape) => builder.push(
                    &slots,
                    ParsedFeature {
                        id: None,
                        geometry: shape.geometry,
                        props,
                        closed_rings: shape.closed_rings,
                        empty_geometry: false,
                        repairs: shape.repairs,
                    },
                    index,
                ),
                Err(reason) => {
                    let id = id_of(&table.names, &props);
                    builder.skip(index, id, format!("record {}: {reason}", index + 1))
                }
            }
        }
        let done = chunk.last().map(|(o, l)| (o + l + 8) as u64).unwrap_or(0);
        builder.progress(control, done, shown)?;
    }
    if deleted > 0 {
        builder.note(format!(
            "{deleted} record(s) marked deleted in the .dbf were left out"
        ));
    }
    if table.guessed_gb18030 || guessed > 0 {
        builder.note(
            "the Shapefile names no encoding (no .cpg, no language driver in the .dbf) and its text is not UTF-8; it was read as GB18030 (GBK); pass --encoding to choose another"
                .into(),
        );
    }
    Ok(match prj {
        None => FileCrs::Absent,
        Some(bytes) => {
            let text = String::from_utf8_lossy(bytes);
            match Crs::from_wkt(text.trim()) {
                Ok(crs) => FileCrs::Known(crs),
                Err(_) => FileCrs::Unknown(format!(
                    ".prj {}",
                    text.trim().chars().take(80).collect::<String>()
                )),
            }
        }
    })
}

fn not_shapefile(shown: &str, shp: &[u8]) -> LoadError {
    let head: String = shp
        .iter()
        .take(4)
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ");
    LoadError::NotFormat {
        path: shown.to_string(),
        format: FORMAT,
        reason: format!("the .shp starts with {head}, not the file code 9994 (00 00 27 0A)"),
    }
}

/// The id-like value of a row, to name a skipped record.
fn id_of(names: &[String], props: &[(u32, AttrValue)]) -> Option<String> {
    crate::model::FieldRole::Id
        .field_names()
        .iter()
        .find_map(|want| {
            let k = names.iter().position(|n| n.to_lowercase() == *want)?;
            props
                .iter()
                .find(|(s, _)| *s as usize == k)
                .and_then(|(_, v)| v.to_text())
        })
}

/// Record offsets found by walking the `.shp` from its header: (offset of the
/// content, content length).
fn walk_records(shp: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 100usize;
    while at + 8 <= shp.len() {
        let len = be_i32(shp, at + 4).unwrap_or(-1);
        if len < 0 {
            break;
        }
        out.push((at, len as usize * 2));
        at += 8 + len as usize * 2;
    }
    out
}

/// One record's geometry and what was mended in it.
struct Shape {
    geometry: Option<Geometry<f64>>,
    closed_rings: u32,
    repairs: Vec<String>,
}

/// Reads the record whose header is at `off` (content `len` bytes, as the index
/// says), checking every count against the bytes there are.
fn read_record(shp: &[u8], off: usize, len: usize, index: usize) -> Result<Shape, String> {
    if off < 100 || off + 8 > shp.len() {
        return Err(format!(
            "it lies at byte {off}, beyond the end of the .shp ({} bytes); the file is truncated",
            shp.len()
        ));
    }
    let number = be_i32(shp, off).unwrap_or(0);
    if number != index as i32 + 1 {
        // Numbers out of step are harmless (some writers start at 0); only the
        // content matters.
    }
    let content_len = be_i32(shp, off + 4).unwrap_or(0).max(0) as usize * 2;
    let len = len.min(content_len.max(len));
    let start = off + 8;
    let Some(rec) = shp.get(start..start + len) else {
        return Err(format!(
            "its {len} bytes run past the end of the .shp ({} bytes); the file is truncated",
            shp.len()
        ));
    };
    let kind = le_i32(rec, 0).ok_or("the record is empty")?;
    let short = || "the record is shorter than its shape type needs".to_string();
    let mut shape = Shape {
        geometry: None,
        closed_rings: 0,
        repairs: Vec::new(),
    };
    match kind {
        0 => {}
        1 | 11 | 21 => {
            let x = le_f64(rec, 4).ok_or_else(short)?;
            let y = le_f64(rec, 12).ok_or_else(short)?;
            shape.geometry = Some(Geometry::Point(Point::new(x, y)));
        }
        8 | 18 | 28 => {
            let n = le_i32(rec, 36).ok_or_else(short)?;
            let n = usize::try_from(n).map_err(|_| format!("negative point count {n}"))?;
            if 40 + n * 16 > rec.len() {
                return Err(format!(
                    "{n} points do not fit in the record's {} bytes",
                    rec.len()
                ));
            }
            let pts: Vec<Point<f64>> = (0..n)
                .filter_map(|k| {
                    Some(Point::new(
                        le_f64(rec, 40 + k * 16)?,
                        le_f64(rec, 48 + k * 16)?,
                    ))
                })
                .collect();
            shape.geometry = (!pts.is_empty()).then_some(Geometry::MultiPoint(MultiPoint(pts)));
        }
        3 | 13 | 23 | 5 | 15 | 25 => {
            let parts_n = le_i32(rec, 36).ok_or_else(short)?;
            let points_n = le_i32(rec, 40).ok_or_else(short)?;
            let (Ok(parts_n), Ok(points_n)) = (usize::try_from(parts_n), usize::try_from(points_n))
            else {
                return Err(format!(
                    "negative counts ({parts_n} parts, {points_n} points)"
                ));
            };
            let points_at = 44 + parts_n * 4;
            if points_at + points_n * 16 > rec.len() {
                return Err(format!(
                    "{parts_n} parts and {points_n} points do not fit in the record's {} bytes",
                    rec.len()
                ));
            }
            let mut starts = Vec::with_capacity(parts_n);
            for k in 0..parts_n {
                let s = le_i32(rec, 44 + k * 4).ok_or_else(short)?;
                let s = usize::try_from(s).map_err(|_| format!("part {k} starts at {s}"))?;
                if s >= points_n || starts.last().is_some_and(|&p| s < p) {
                    return Err(format!(
                        "part {k} starts at point {s}, outside the {points_n} points or before the part before it"
                    ));
                }
                starts.push(s);
            }
            let coords: Vec<Coord<f64>> = (0..points_n)
                .map(|k| Coord {
                    x: le_f64(rec, points_at + k * 16).unwrap_or(f64::NAN),
                    y: le_f64(rec, points_at + k * 16 + 8).unwrap_or(f64::NAN),
                })
                .collect();
            if coords.iter().any(|c| !c.x.is_finite() || !c.y.is_finite()) {
                return Err("a coordinate is not a finite number".into());
            }
            let rings: Vec<Vec<Coord<f64>>> = starts
                .iter()
                .enumerate()
                .map(|(k, &s)| {
                    let e = starts.get(k + 1).copied().unwrap_or(points_n);
                    coords.get(s..e).map(<[_]>::to_vec).unwrap_or_default()
                })
                .collect();
            if rings.is_empty() {
                return Ok(shape);
            }
            shape.geometry = Some(if matches!(kind, 3 | 13 | 23) {
                let mut lines = Vec::with_capacity(rings.len());
                for (k, r) in rings.into_iter().enumerate() {
                    if r.len() < 2 {
                        return Err(format!("line {k} has {} point(s)", r.len()));
                    }
                    lines.push(LineString(r));
                }
                if lines.len() == 1 {
                    Geometry::LineString(lines.remove(0))
                } else {
                    Geometry::MultiLineString(MultiLineString(lines))
                }
            } else {
                assemble_polygons(rings, &mut shape)?
            });
        }
        31 => return Err("MultiPatch shapes (3D surfaces) are not read".into()),
        other => return Err(format!("unknown shape type {other}")),
    }
    Ok(shape)
}

/// Twice the signed area of a ring (positive counter-clockwise).
fn signed_area2(r: &[Coord<f64>]) -> f64 {
    r.windows(2)
        .map(|w| match w {
            [a, b] => a.x * b.y - b.x * a.y,
            _ => 0.0,
        })
        .sum()
}

fn ring_contains(ring: &[Coord<f64>], p: Coord<f64>) -> bool {
    let mut inside = false;
    for w in ring.windows(2) {
        let [a, b] = w else { continue };
        if (a.y > p.y) != (b.y > p.y) {
            let x = a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x);
            if p.x < x {
                inside = !inside;
            }
        }
    }
    inside
}

/// Assembles a Polygon record's rings as ESRI defines them: clockwise rings are
/// outer rings, counter-clockwise ones holes, each hole belonging to the smallest
/// outer ring that holds it. A hole inside no outer ring is read as an outer ring
/// (as GDAL does), and a file wound the other way round throughout (no clockwise
/// ring at all) is read as outer rings.
fn assemble_polygons(
    rings: Vec<Vec<Coord<f64>>>,
    shape: &mut Shape,
) -> Result<Geometry<f64>, String> {
    let mut closed = Vec::with_capacity(rings.len());
    for (k, mut r) in rings.into_iter().enumerate() {
        if r.first() != r.last()
            && let Some(&first) = r.first()
        {
            r.push(first);
            shape.closed_rings += 1;
        }
        let area2 = signed_area2(&r);
        if r.len() < 4 || area2 == 0.0 {
            if k == 0 {
                return Err(format!(
                    "ring {k} has {} point(s) and encloses no area",
                    r.len()
                ));
            }
            shape.repairs.push(format!(
                "ring {k} encloses no area; it was dropped and the parcel kept"
            ));
            continue;
        }
        closed.push((r, area2));
    }
    let any_outer = closed.iter().any(|(_, a)| *a < 0.0);
    // Each outer ring with its area (to find the smallest that holds a hole) and holes.
    type Outer = (Vec<Coord<f64>>, f64, Vec<LineString<f64>>);
    let mut outers: Vec<Outer> = Vec::new();
    let mut holes: Vec<Vec<Coord<f64>>> = Vec::new();
    for (r, a) in closed {
        if a < 0.0 || !any_outer {
            outers.push((r, a.abs(), Vec::new()));
        } else {
            holes.push(r);
        }
    }
    for h in holes {
        let probe = h.first().copied().unwrap_or_default();
        let owner = outers
            .iter()
            .enumerate()
            .filter(|(_, (o, _, _))| ring_contains(o, probe))
            .min_by(|a, b| a.1.1.total_cmp(&b.1.1))
            .map(|(k, _)| k);
        match owner.and_then(|k| outers.get_mut(k)) {
            Some(o) => o.2.push(LineString(h)),
            None => {
                shape.repairs.push(
                    "a ring wound as a hole lies in no outer ring; it was read as an outer ring"
                        .into(),
                );
                let a = signed_area2(&h).abs();
                outers.push((h, a, Vec::new()));
            }
        }
    }
    let mut polys: Vec<Polygon<f64>> = outers
        .into_iter()
        .map(|(r, _, holes)| Polygon::new(LineString(r), holes))
        .collect();
    Ok(if polys.len() == 1 {
        Geometry::Polygon(polys.remove(0))
    } else {
        Geometry::MultiPolygon(MultiPolygon(polys))
    })
}

/// A `.dbf` table ready to decode rows from.
struct DbfTable<'a> {
    bytes: &'a [u8],
    names: Vec<String>,
    fields: Vec<DbfField>,
    header_len: usize,
    record_len: usize,
    records: usize,
    /// Rows actually in the file (fewer than `records` when truncated).
    available: usize,
    decoder: TextDecoder,
    encoding_note: Option<String>,
    /// Nothing named the encoding and the text is not UTF-8: read as GB18030.
    guessed_gb18030: bool,
}

struct DbfField {
    kind: u8,
    offset: usize,
    len: usize,
    decimals: u8,
}

struct DbfRow {
    values: Vec<(u32, AttrValue)>,
    /// Text values decoded as GB18030 by guess.
    guessed: usize,
    deleted: bool,
}

enum DbfProblem {
    Truncated(String),
    NotDbf(String),
}

/// The encoding a `.dbf` language driver byte names.
fn ldid_encoding(ldid: u8) -> Option<&'static encoding_rs::Encoding> {
    match ldid {
        0x4D | 0x7A => Some(encoding_rs::GBK),
        0x4F | 0x78 => Some(encoding_rs::BIG5),
        0x4E | 0x79 => Some(encoding_rs::EUC_KR),
        0x13 | 0x7B => Some(encoding_rs::SHIFT_JIS),
        0x03 | 0x57 | 0x58 | 0x59 => Some(encoding_rs::WINDOWS_1252),
        _ => None,
    }
}

impl<'a> DbfTable<'a> {
    fn parse(
        bytes: &'a [u8],
        cpg: Option<&[u8]>,
        named: Option<&'static encoding_rs::Encoding>,
    ) -> Result<DbfTable<'a>, DbfProblem> {
        if bytes.len() < 32 {
            return Err(DbfProblem::Truncated(format!(
                "has {} bytes, fewer than its 32-byte header",
                bytes.len()
            )));
        }
        let version = bytes.first().copied().unwrap_or(0);
        if !matches!(version & 0x07, 3..=5)
            && !matches!(
                version,
                0x30 | 0x31 | 0x43 | 0x63 | 0x83 | 0x8B | 0xCB | 0xF5
            )
        {
            return Err(DbfProblem::NotDbf(format!(
                "the .dbf starts with {version:#04x}, not a dBASE version byte"
            )));
        }
        let u16_at = |at: usize| {
            bytes
                .get(at..at + 2)
                .and_then(|b| <[u8; 2]>::try_from(b).ok())
                .map(|b| u16::from_le_bytes(b) as usize)
                .unwrap_or(0)
        };
        let records = bytes
            .get(4..8)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
            .unwrap_or(0) as usize;
        let header_len = u16_at(8);
        let record_len = u16_at(10);
        let ldid = bytes.get(29).copied().unwrap_or(0);
        if header_len < 33 || header_len > bytes.len() {
            return Err(DbfProblem::Truncated(format!(
                "header says it is {header_len} bytes long, the file has {}",
                bytes.len()
            )));
        }
        // The encoding: --encoding, then .cpg, then the language driver byte.
        let cpg_text = cpg.map(|c| String::from_utf8_lossy(c).trim().to_string());
        let from_cpg = cpg_text.as_deref().and_then(encoding_for);
        let mut encoding_note = None;
        if let (Some(text), None) = (&cpg_text, from_cpg)
            && named.is_none()
        {
            encoding_note = Some(format!(
                "the .cpg names the encoding '{text}', which is not known; the encoding was taken from the .dbf or detected"
            ));
        }
        let mut decoder = TextDecoder {
            named: named.or(from_cpg).or_else(|| ldid_encoding(ldid)),
        };
        // Nothing names the encoding: the file is read as UTF-8 if all of its text
        // is UTF-8, else wholly as GB18030. The choice is made for the whole file,
        // not value by value, because a short GBK text can happen to be valid
        // UTF-8 (状态 is D7 B4 CC AC, which UTF-8 reads as "״̬").
        let mut guessed_gb18030 = false;
        if decoder.named.is_none() {
            let text_ok = std::str::from_utf8(bytes.get(32..header_len).unwrap_or_default())
                .is_ok()
                && std::str::from_utf8(bytes.get(header_len..).unwrap_or_default()).is_ok();
            if !text_ok {
                decoder.named = Some(encoding_rs::GB18030);
                guessed_gb18030 = true;
            }
        }
        let mut fields = Vec::new();
        let mut names: Vec<String> = Vec::new();
        let mut at = 32;
        let mut offset = 1;
        while at + 32 <= header_len {
            let Some(d) = bytes.get(at..at + 32) else {
                break;
            };
            if d.first() == Some(&0x0D) {
                break;
            }
            let raw_name = d.get(..11).unwrap_or_default();
            let end = raw_name.iter().position(|&b| b == 0).unwrap_or(11);
            let (mut name, _) = decoder.decode(raw_name.get(..end).unwrap_or_default());
            name = name.trim().to_string();
            if name.is_empty() {
                name = format!("field{}", fields.len() + 1);
            }
            // Two fields of one name would share a column.
            let base = name.clone();
            let mut n = 1;
            while names.contains(&name) {
                n += 1;
                name = format!("{base}_{n}");
            }
            let len = d.get(16).copied().unwrap_or(0) as usize;
            fields.push(DbfField {
                kind: d.get(11).copied().unwrap_or(b'C'),
                offset,
                len,
                decimals: d.get(17).copied().unwrap_or(0),
            });
            names.push(name);
            offset += len;
            at += 32;
        }
        let record_len = record_len.max(offset);
        let available = bytes.len().saturating_sub(header_len) / record_len.max(1);
        Ok(DbfTable {
            bytes,
            names,
            fields,
            header_len,
            record_len,
            records,
            available: available.min(records),
            decoder,
            encoding_note,
            guessed_gb18030,
        })
    }

    fn row(&self, i: usize) -> Option<DbfRow> {
        if i >= self.available {
            return None;
        }
        let start = self.header_len + i * self.record_len;
        let rec = self.bytes.get(start..start + self.record_len)?;
        let deleted = rec.first() == Some(&b'*');
        let mut values = Vec::with_capacity(self.fields.len());
        let mut guessed = 0;
        for (k, f) in self.fields.iter().enumerate() {
            let Some(raw) = rec.get(f.offset..f.offset + f.len) else {
                continue;
            };
            let v = match f.kind {
                b'C' | b'c' => {
                    let end = raw
                        .iter()
                        .rposition(|&b| b != b' ' && b != 0)
                        .map_or(0, |e| e + 1);
                    let trimmed = raw.get(..end).unwrap_or_default();
                    if trimmed.is_empty() {
                        AttrValue::Null
                    } else {
                        let (text, g) = self.decoder.decode(trimmed);
                        guessed += usize::from(g);
                        AttrValue::Text(text.trim_start().into())
                    }
                }
                b'N' | b'F' | b'n' | b'f' => {
                    let t = std::str::from_utf8(raw).unwrap_or("").trim();
                    if t.is_empty() || t.starts_with('*') {
                        AttrValue::Null
                    } else if f.decimals == 0
                        && let Ok(v) = t.parse::<i64>()
                    {
                        AttrValue::Int(v)
                    } else {
                        t.parse::<f64>()
                            .map(AttrValue::Float)
                            .unwrap_or(AttrValue::Null)
                    }
                }
                b'L' | b'l' => match raw.first() {
                    Some(b'T' | b't' | b'Y' | b'y') => AttrValue::Bool(true),
                    Some(b'F' | b'f' | b'N' | b'n') => AttrValue::Bool(false),
                    _ => AttrValue::Null,
                },
                b'D' | b'd' => {
                    let t = std::str::from_utf8(raw).unwrap_or("").trim();
                    match (t.get(0..4), t.get(4..6), t.get(6..8)) {
                        (Some(y), Some(m), Some(d)) if t.len() == 8 => {
                            AttrValue::Text(format!("{y}-{m}-{d}").into())
                        }
                        _ => AttrValue::Null,
                    }
                }
                b'I' if raw.len() == 4 => le_i32(raw, 0)
                    .map(|v| AttrValue::Int(v.into()))
                    .unwrap_or(AttrValue::Null),
                b'O' if raw.len() == 8 => le_f64(raw, 0)
                    .map(AttrValue::Float)
                    .unwrap_or(AttrValue::Null),
                _ => AttrValue::Null,
            };
            if !v.is_null() {
                values.push((k as u32, v));
            }
        }
        Some(DbfRow {
            values,
            guessed,
            deleted,
        })
    }
}

// ---------------------------------------------------------------------------
// Writing.

/// The `.prj` of lon/lat on WGS84 as ArcGIS writes it (layers are held in lon/lat).
const PRJ_WGS84: &str = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;

/// The kind of shapes a Shapefile holds: one kind per file.
#[derive(Clone, Copy, PartialEq)]
enum ShapeKind {
    Point,
    MultiPoint,
    PolyLine,
    Polygon,
}

fn shape_kind(g: &Geometry<f64>) -> Option<ShapeKind> {
    Some(match g {
        Geometry::Point(_) => ShapeKind::Point,
        Geometry::MultiPoint(_) => ShapeKind::MultiPoint,
        Geometry::Line(_) | Geometry::LineString(_) | Geometry::MultiLineString(_) => {
            ShapeKind::PolyLine
        }
        Geometry::Polygon(_)
        | Geometry::MultiPolygon(_)
        | Geometry::Rect(_)
        | Geometry::Triangle(_) => ShapeKind::Polygon,
        Geometry::GeometryCollection(_) => return None,
    })
}

/// A ring with the winding ESRI wants: outer rings clockwise, holes
/// counter-clockwise.
fn wound(ring: &LineString<f64>, clockwise: bool) -> Vec<Coord<f64>> {
    let mut pts = ring.0.clone();
    if pts.first() != pts.last()
        && let Some(&f) = pts.first()
    {
        pts.push(f);
    }
    if (signed_area2(&pts) < 0.0) != clockwise {
        pts.reverse();
    }
    pts
}

/// The parts of a shape as ESRI writes them.
fn parts_of(g: &Geometry<f64>, kind: ShapeKind) -> Option<Vec<Vec<Coord<f64>>>> {
    let mut parts = Vec::new();
    let polygon = |p: &Polygon<f64>, parts: &mut Vec<Vec<Coord<f64>>>| {
        parts.push(wound(p.exterior(), true));
        for h in p.interiors() {
            parts.push(wound(h, false));
        }
    };
    match (g, kind) {
        (Geometry::Polygon(p), ShapeKind::Polygon) => polygon(p, &mut parts),
        (Geometry::MultiPolygon(mp), ShapeKind::Polygon) => {
            for p in &mp.0 {
                polygon(p, &mut parts);
            }
        }
        (Geometry::Rect(r), ShapeKind::Polygon) => polygon(&r.to_polygon(), &mut parts),
        (Geometry::Triangle(t), ShapeKind::Polygon) => polygon(&t.to_polygon(), &mut parts),
        (Geometry::LineString(l), ShapeKind::PolyLine) => parts.push(l.0.clone()),
        (Geometry::Line(l), ShapeKind::PolyLine) => parts.push(vec![l.start, l.end]),
        (Geometry::MultiLineString(m), ShapeKind::PolyLine) => {
            parts.extend(m.0.iter().map(|l| l.0.clone()))
        }
        (Geometry::Point(p), ShapeKind::Point | ShapeKind::MultiPoint) => parts.push(vec![p.0]),
        (Geometry::MultiPoint(m), ShapeKind::MultiPoint) => {
            parts.push(m.0.iter().map(|p| p.0).collect())
        }
        _ => return None,
    }
    Some(parts)
}

fn bbox_of(parts: &[Vec<Coord<f64>>]) -> [f64; 4] {
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for c in parts.iter().flatten() {
        b[0] = b[0].min(c.x);
        b[1] = b[1].min(c.y);
        b[2] = b[2].max(c.x);
        b[3] = b[3].max(c.y);
    }
    if !b[0].is_finite() {
        return [0.0; 4];
    }
    b
}

/// One record's content (after its 8-byte header).
fn record_content(parts: Option<&[Vec<Coord<f64>>]>, kind: ShapeKind) -> Vec<u8> {
    let mut out = Vec::new();
    let Some(parts) = parts else {
        out.extend_from_slice(&0i32.to_le_bytes());
        return out;
    };
    let code: i32 = match kind {
        ShapeKind::Point => 1,
        ShapeKind::MultiPoint => 8,
        ShapeKind::PolyLine => 3,
        ShapeKind::Polygon => 5,
    };
    out.extend_from_slice(&code.to_le_bytes());
    if kind == ShapeKind::Point {
        let c = parts
            .first()
            .and_then(|p| p.first())
            .copied()
            .unwrap_or_default();
        out.extend_from_slice(&c.x.to_le_bytes());
        out.extend_from_slice(&c.y.to_le_bytes());
        return out;
    }
    for v in bbox_of(parts) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    let points: usize = parts.iter().map(Vec::len).sum();
    if kind == ShapeKind::MultiPoint {
        out.extend_from_slice(&(points as i32).to_le_bytes());
    } else {
        out.extend_from_slice(&(parts.len() as i32).to_le_bytes());
        out.extend_from_slice(&(points as i32).to_le_bytes());
        let mut start = 0i32;
        for p in parts {
            out.extend_from_slice(&start.to_le_bytes());
            start += p.len() as i32;
        }
    }
    for c in parts.iter().flatten() {
        out.extend_from_slice(&c.x.to_le_bytes());
        out.extend_from_slice(&c.y.to_le_bytes());
    }
    out
}

fn file_header(kind_code: i32, total_bytes: usize, bbox: [f64; 4]) -> Vec<u8> {
    let mut h = Vec::with_capacity(100);
    h.extend_from_slice(&9994i32.to_be_bytes());
    h.extend_from_slice(&[0u8; 20]);
    h.extend_from_slice(&((total_bytes / 2) as i32).to_be_bytes());
    h.extend_from_slice(&1000i32.to_le_bytes());
    h.extend_from_slice(&kind_code.to_le_bytes());
    for v in bbox {
        h.extend_from_slice(&v.to_le_bytes());
    }
    h.extend_from_slice(&[0u8; 32]);
    h
}

/// Cuts `text` to at most `max` bytes in `enc`, at a character boundary.
fn encode_cut(text: &str, enc: &'static encoding_rs::Encoding, max: usize) -> (Vec<u8>, bool) {
    let (bytes, _, _) = enc.encode(text);
    if bytes.len() <= max {
        return (bytes.into_owned(), false);
    }
    let mut cut = String::new();
    for ch in text.chars() {
        let mut next = cut.clone();
        next.push(ch);
        if enc.encode(&next).0.len() > max {
            break;
        }
        cut = next;
    }
    (enc.encode(&cut).0.into_owned(), true)
}

/// Writes the features as a Shapefile: `.shp`, `.shx`, `.dbf`, a `.prj` of
/// WGS84 lon/lat and a `.cpg` naming the encoding (GBK unless asked otherwise).
/// Each file is written atomically; field names are cut to dBASE's 10 bytes and
/// made unique, and the renamings are returned.
pub fn export(
    layer: &Layer,
    features: &[usize],
    path: &Path,
    options: &ExportOptions,
) -> Result<ExportSummary, ExportError> {
    let shown = path.display().to_string();
    let label = options.encoding.clone().unwrap_or_else(|| "GBK".into());
    let enc = encoding_for(&label).ok_or_else(|| ExportError::UnknownEncoding {
        path: shown.clone(),
        encoding: label.clone(),
    })?;
    let mut summary = ExportSummary {
        features: features.len(),
        ..ExportSummary::default()
    };
    let geometries: Vec<Option<&Geometry<f64>>> = features
        .iter()
        .map(|&i| layer.geometries.get(i).and_then(|g| g.as_ref()))
        .collect();
    // The file's shape kind: that of the first geometry; points and multipoints
    // together go as multipoints.
    let mut kind = geometries
        .iter()
        .flatten()
        .find_map(|g| shape_kind(g))
        .unwrap_or(ShapeKind::Polygon);
    if kind == ShapeKind::Point
        && geometries
            .iter()
            .flatten()
            .any(|g| matches!(g, Geometry::MultiPoint(_)))
    {
        kind = ShapeKind::MultiPoint;
    }
    let mut shp = Vec::new();
    let mut shx = Vec::new();
    let mut bbox = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    let mut off = 100usize;
    let mut mismatched = 0usize;
    for (k, g) in geometries.iter().enumerate() {
        let parts = g.and_then(|g| parts_of(g, kind));
        if g.is_some() && parts.is_none() {
            mismatched += 1;
        }
        if let Some(p) = &parts {
            let b = bbox_of(p);
            bbox = [
                bbox[0].min(b[0]),
                bbox[1].min(b[1]),
                bbox[2].max(b[2]),
                bbox[3].max(b[3]),
            ];
        }
        let content = record_content(parts.as_deref(), kind);
        shp.extend_from_slice(&(k as i32 + 1).to_be_bytes());
        shp.extend_from_slice(&((content.len() / 2) as i32).to_be_bytes());
        shp.extend_from_slice(&content);
        shx.extend_from_slice(&((off / 2) as i32).to_be_bytes());
        shx.extend_from_slice(&((content.len() / 2) as i32).to_be_bytes());
        off += 8 + content.len();
    }
    if off > i32::MAX as usize {
        return Err(ExportError::TooLarge {
            path: shown,
            reason: "the .shp would pass the format's 2 GB limit; export fewer features or as GeoPackage".into(),
        });
    }
    if mismatched > 0 {
        summary.notes.push(format!(
            "{mismatched} feature(s) of another geometry type than the first were written without a shape (a Shapefile holds one type)"
        ));
    }
    if !bbox[0].is_finite() {
        bbox = [0.0; 4];
    }
    let kind_code = match kind {
        ShapeKind::Point => 1,
        ShapeKind::MultiPoint => 8,
        ShapeKind::PolyLine => 3,
        ShapeKind::Polygon => 5,
    };
    let mut shp_file = file_header(kind_code, 100 + shp.len(), bbox);
    shp_file.extend_from_slice(&shp);
    let mut shx_file = file_header(kind_code, 100 + shx.len(), bbox);
    shx_file.extend_from_slice(&shx);

    let dbf = dbf_bytes(layer, features, enc, &mut summary, &shown)?;
    let files: [(&str, Vec<u8>); 5] = [
        ("shp", shp_file),
        ("shx", shx_file),
        ("dbf", dbf),
        ("prj", PRJ_WGS84.as_bytes().to_vec()),
        ("cpg", enc.name().as_bytes().to_vec()),
    ];
    for (ext, bytes) in files {
        let p = path.with_extension(ext);
        crate::io::atomic_write(&p, |w| w.write_all(&bytes))?;
        summary.files.push(p);
    }
    Ok(summary)
}

/// The Chinese name of a column an export adds: 面积_m2, 面积_公顷 and 面积_亩 for
/// the areas (5 characters at most, so 10 bytes in GBK) and 用地类别 for the
/// land-use class's name.
fn chinese_column_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "area_m2" => "面积_m2",
        "area_ha" => "面积_公顷",
        "area_mu" => "面积_亩",
        "landuse_name" => "用地类别",
        _ => return None,
    })
}

fn dbf_bytes(
    layer: &Layer,
    features: &[usize],
    enc: &'static encoding_rs::Encoding,
    summary: &mut ExportSummary,
    shown: &str,
) -> Result<Vec<u8>, ExportError> {
    use super::ColumnKind;
    let mut columns = export_columns(layer, features);
    // The columns the export adds after the layer's own (areas, the class's name)
    // take the Chinese names a planner's ArcGIS table shows, when the file's
    // encoding writes all of them within dBASE's 10 bytes (GBK does; UTF-8 takes
    // three bytes a character, so there they keep their English names) and none is
    // already a field of the layer.
    let own = layer.fields.len();
    let zh: Vec<Option<&str>> = columns
        .iter()
        .skip(own)
        .map(|c| chinese_column_name(&c.name))
        .collect();
    let fits = zh.iter().all(|name| {
        name.is_some_and(|n| {
            let (bytes, _, unmappable) = enc.encode(n);
            !unmappable && bytes.len() <= 10 && !layer.fields.iter().any(|f| f == n)
        })
    });
    if fits {
        for (c, name) in columns.iter_mut().skip(own).zip(zh.into_iter().flatten()) {
            c.name = name.to_string();
        }
    }
    // Field names: at most 10 bytes in the file's encoding, unique.
    let mut names: Vec<Vec<u8>> = Vec::new();
    for c in &columns {
        let (mut bytes, cut) = encode_cut(&c.name, enc, 10);
        let mut n = 1;
        while names.contains(&bytes) || bytes.is_empty() {
            n += 1;
            let suffix = format!("_{n}");
            let (head, _) = encode_cut(&c.name, enc, 10 - suffix.len());
            bytes = head;
            bytes.extend_from_slice(suffix.as_bytes());
        }
        if cut || n > 1 {
            summary.renamed.push((
                c.name.clone(),
                enc.decode_without_bom_handling(&bytes).0.into_owned(),
            ));
        }
        names.push(bytes);
    }
    // Field types and widths.
    let specs: Vec<(u8, usize, u8)> = columns
        .iter()
        .map(|c| match c.kind {
            ColumnKind::Integer => (b'N', 18, 0),
            ColumnKind::Real => (b'N', 24, 8),
            ColumnKind::Bool => (b'L', 1, 0),
            ColumnKind::Text => {
                let widest = c
                    .values
                    .iter()
                    .filter_map(|v| v.to_text())
                    .map(|t| enc.encode(&t).0.len())
                    .max()
                    .unwrap_or(1);
                (b'C', widest.clamp(1, 254), 0)
            }
        })
        .collect();
    let record_len = 1 + specs.iter().map(|s| s.1).sum::<usize>();
    let header_len = 32 + 32 * columns.len() + 1;
    if header_len > u16::MAX as usize || record_len > u16::MAX as usize {
        return Err(ExportError::TooLarge {
            path: shown.to_string(),
            reason: format!(
                "{} fields do not fit in a dBASE table; export as GeoPackage",
                columns.len()
            ),
        });
    }
    let mut out = Vec::with_capacity(header_len + record_len * features.len() + 1);
    out.push(0x03);
    // A fixed "last update" date (2000-01-01): readers show it at most, and a
    // fixed date makes the same selection give the same bytes.
    out.extend_from_slice(&[100, 1, 1]);
    out.extend_from_slice(&(features.len() as u32).to_le_bytes());
    out.extend_from_slice(&(header_len as u16).to_le_bytes());
    out.extend_from_slice(&(record_len as u16).to_le_bytes());
    out.extend_from_slice(&[0u8; 17]);
    out.push(if enc == encoding_rs::GBK || enc == encoding_rs::GB18030 {
        0x4D
    } else {
        0x00
    });
    out.extend_from_slice(&[0u8; 2]);
    for (name, (kind, len, dec)) in names.iter().zip(&specs) {
        let mut d = [0u8; 32];
        for (slot, b) in d.iter_mut().zip(name.iter().take(10)) {
            *slot = *b;
        }
        d[11] = *kind;
        d[16] = *len as u8;
        d[17] = *dec;
        out.extend_from_slice(&d);
    }
    out.push(0x0D);
    let mut cut_values = 0usize;
    for row in 0..features.len() {
        out.push(b' ');
        for (c, &(kind, len, dec)) in columns.iter().zip(&specs) {
            let v = c.values.get(row).unwrap_or(&AttrValue::Null);
            let cell: Vec<u8> = match (kind, v) {
                (_, AttrValue::Null) => vec![b' '; len],
                (b'L', AttrValue::Bool(b)) => vec![if *b { b'T' } else { b'F' }],
                (b'L', _) => vec![b'?'],
                (b'N', v) => {
                    let text = match v.as_f64() {
                        Some(f) if dec == 0 => match v {
                            AttrValue::Int(i) => i.to_string(),
                            _ => format!("{f:.0}"),
                        },
                        Some(f) => {
                            let s = format!("{f:.*}", dec as usize);
                            if s.len() > len { format!("{f:.0}") } else { s }
                        }
                        None => String::new(),
                    };
                    if text.len() > len {
                        cut_values += 1;
                        vec![b'*'; len]
                    } else {
                        let mut cell = vec![b' '; len - text.len()];
                        cell.extend_from_slice(text.as_bytes());
                        cell
                    }
                }
                (_, v) => {
                    let text = v.to_text().unwrap_or_default();
                    let (mut bytes, cut) = encode_cut(&text, enc, len);
                    cut_values += usize::from(cut);
                    bytes.resize(len, b' ');
                    bytes
                }
            };
            out.extend_from_slice(&cell);
        }
    }
    out.push(0x1A);
    if cut_values > 0 {
        summary.notes.push(format!(
            "{cut_values} value(s) did not fit their dBASE field (text is cut at 254 bytes, numbers at 18 digits)"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn district() -> Layer {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"地块编号":"A-1","用地代码":"1001"},"geometry":{"type":"Polygon","coordinates":[[[120.0,30.0],[120.01,30.0],[120.01,30.01],[120.0,30.01],[120.0,30.0]]]}}
        ]}"#;
        crate::io::load_bytes(text.as_bytes(), "t.geojson", &LoadOptions::default()).unwrap()
    }

    /// The export's own columns in GBK are named in Chinese within dBASE's 10 bytes
    /// and read back with the areas; in UTF-8, where those names do not fit, they
    /// keep their English names.
    #[test]
    fn added_columns_are_named_in_chinese_where_they_fit() {
        let layer = district();
        let dir = tempfile::tempdir().unwrap();
        for (encoding, names) in [
            (None, ["面积_m2", "面积_公顷", "面积_亩", "用地类别"]),
            (
                Some("UTF-8"),
                ["area_m2", "area_ha", "area_mu", "landuse_na"],
            ),
        ] {
            let out = dir
                .path()
                .join(format!("out_{}.shp", encoding.unwrap_or("gbk")));
            let options = ExportOptions {
                encoding: encoding.map(String::from),
                ..Default::default()
            };
            let summary = export(&layer, &[0], &out, &options).unwrap();
            let back =
                crate::sources::load_path(&out, &LoadOptions::default(), LoadControl::default())
                    .unwrap();
            for name in names {
                assert!(
                    back.field_index(name).is_some(),
                    "{encoding:?}: {name} in {:?}",
                    back.fields
                );
            }
            let m2 = back.field_index(names[0]).unwrap();
            let ha = back.field_index(names[1]).unwrap();
            let a = back.value(0, m2).as_f64().unwrap();
            assert!((a - layer.area_m2[0]).abs() < 0.01, "{a}");
            assert!((back.value(0, ha).as_f64().unwrap() - a / 1e4).abs() < 1e-4);
            // Only the layer's own fields count as renamed.
            assert!(
                summary
                    .renamed
                    .iter()
                    .all(|(from, _)| layer.fields.contains(from) || from == "landuse_name"),
                "{:?}",
                summary.renamed
            );
        }
    }
}
