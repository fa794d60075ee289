//! Loading GeoJSON layers: FeatureCollections streamed in batches (parsed in
//! parallel), single Features and bare geometries; the legacy `crs` member; detection
//! of projected coordinates; reprojection to lon/lat; and warnings for every feature
//! that had to be skipped or repaired.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use compact_str::CompactString;
use geo::{Coord, Geometry};
use rayon::prelude::*;

use super::parse::{
    FeatureProblem, GEOMETRY_TYPES, LocalFields, ParsedFeature, parse_bare_geometry, parse_feature,
};
use super::scan::{Position, ScanError, Scanner, printable};
use crate::crs::{Crs, CrsError, Reprojector, guess_projected};
use crate::model::{AttrValue, FieldRole, Layer, LoadWarning};

/// At most this many individual warnings are kept; the rest are counted in a final one.
const MAX_WARNINGS: usize = 10_000;

/// Features are parsed in batches of about this many bytes.
const BATCH_BYTES: usize = 2 << 20;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: is a directory, not a GeoJSON file")]
    IsDirectory { path: String },
    #[error("{path}: {position}: {reason}")]
    Syntax {
        path: String,
        position: Position,
        reason: String,
    },
    #[error("{path}: not GeoJSON: {reason}")]
    NotGeoJson { path: String, reason: String },
    #[error(
        "{path}: coordinates are projected (e.g. {x}, {y}) but the file names no CRS; pass --crs EPSG:<code>{hint}"
    )]
    ProjectedWithoutCrs {
        path: String,
        x: f64,
        y: f64,
        hint: String,
    },
    #[error("{path}: {source}")]
    Crs { path: String, source: CrsError },
    #[error("{path}: loading was cancelled")]
    Cancelled { path: String },
}

/// Options for loading a layer.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Use this CRS whatever the file says.
    pub crs_override: Option<Crs>,
    /// Force field roles (role → field name).
    pub role_overrides: Vec<(FieldRole, String)>,
    /// Layer name; the file stem when `None`.
    pub name: Option<String>,
}

/// Progress reporting and cancellation for long loads.
#[derive(Default, Clone, Copy)]
pub struct LoadControl<'a> {
    /// Called after each batch with (bytes read, total bytes if known, features so far).
    pub progress: Option<&'a (dyn Fn(u64, Option<u64>, usize) + Sync)>,
    pub cancel: Option<&'a AtomicBool>,
}

impl LoadControl<'_> {
    fn cancelled(&self) -> bool {
        self.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    }
}

/// Loads a GeoJSON file.
pub fn load_path(
    path: &Path,
    options: &LoadOptions,
    control: LoadControl,
) -> Result<Layer, LoadError> {
    let shown = path.display().to_string();
    let io = |source| LoadError::Io {
        path: shown.clone(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(LoadError::IsDirectory { path: shown });
    }
    let file = File::open(path).map_err(io)?;
    let name = options.name.clone().unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| shown.clone())
    });
    load_reader(file, &shown, Some(meta.len()), &name, options, control)
}

/// Loads GeoJSON from bytes in memory (tests, the generator).
pub fn load_bytes(bytes: &[u8], source: &str, options: &LoadOptions) -> Result<Layer, LoadError> {
    let name = options.name.clone().unwrap_or_else(|| source.to_string());
    load_reader(
        bytes,
        source,
        Some(bytes.len() as u64),
        &name,
        options,
        LoadControl::default(),
    )
}

/// The parsed-but-not-finished content of a file.
#[derive(Default)]
struct Collected {
    fields: Vec<String>,
    field_slots: HashMap<String, usize>,
    columns: Vec<Vec<AttrValue>>,
    geometries: Vec<Option<Geometry<f64>>>,
    source_index: Vec<u32>,
    feature_ids: Vec<Option<CompactString>>,
    warnings: Vec<LoadWarning>,
    dropped_warnings: usize,
    skipped: usize,
    closed_rings: usize,
    first_closed: Option<usize>,
    /// Features seen in the file, kept or not.
    seen: usize,
    total_bytes: Option<u64>,
    /// Expected number of features, estimated from the first batch, so vectors are
    /// allocated once instead of doubling (which would hold up to twice the memory).
    expected: usize,
}

impl Collected {
    fn warn(&mut self, w: LoadWarning) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(w);
        } else {
            self.dropped_warnings += 1;
        }
    }

    /// The column of each of a batch's local field names, creating columns for new
    /// fields (filled with nulls for the rows before).
    fn columns_for(&mut self, local_names: &[String]) -> Vec<usize> {
        let rows = self.geometries.len();
        local_names
            .iter()
            .map(|name| match self.field_slots.get(name) {
                Some(&c) => c,
                None => {
                    self.fields.push(name.clone());
                    self.field_slots.insert(name.clone(), self.fields.len() - 1);
                    let mut col = Vec::with_capacity(self.expected.max(rows));
                    col.resize(rows, AttrValue::Null);
                    self.columns.push(col);
                    self.fields.len() - 1
                }
            })
            .collect()
    }

    fn push(&mut self, slot_columns: &[usize], f: ParsedFeature, index: usize) {
        let row = self.geometries.len();
        for c in &mut self.columns {
            c.push(AttrValue::Null);
        }
        for (slot, value) in f.props {
            let Some(&col) = slot_columns.get(slot as usize) else {
                continue;
            };
            if let Some(cell) = self.columns.get_mut(col).and_then(|c| c.get_mut(row)) {
                *cell = value;
            }
        }
        if f.closed_rings > 0 {
            self.closed_rings += f.closed_rings as usize;
            self.first_closed.get_or_insert(index);
        }
        if f.empty_geometry {
            self.warn(LoadWarning {
                feature_index: Some(index),
                feature_id: f.id.as_ref().map(|s| s.to_string()),
                message: "geometry is empty; kept as an attribute-only record".into(),
            });
        }
        self.geometries.push(f.geometry);
        self.source_index.push(index as u32);
        self.feature_ids.push(f.id);
    }

    fn skip(&mut self, index: usize, id: Option<String>, reason: String) {
        self.skipped += 1;
        self.warn(LoadWarning {
            feature_index: Some(index),
            feature_id: id,
            message: format!("skipped: {reason}"),
        });
    }
}

/// Loads GeoJSON from any reader; `source` names it in messages.
pub fn load_reader<R: Read>(
    reader: R,
    source: &str,
    total_bytes: Option<u64>,
    name: &str,
    options: &LoadOptions,
    control: LoadControl,
) -> Result<Layer, LoadError> {
    let path = source.to_string();
    let scan_err = |e: ScanError| match e {
        ScanError::Io(source) => LoadError::Io {
            path: path.clone(),
            source,
        },
        ScanError::Syntax { position, reason } => LoadError::Syntax {
            path: path.clone(),
            position,
            reason,
        },
    };
    let not_geojson = |reason: &str| LoadError::NotGeoJson {
        path: path.clone(),
        reason: reason.to_string(),
    };
    let mut s = Scanner::new(reader);
    s.fill().map_err(scan_err)?;
    if s.buf.starts_with(&[0xFF, 0xFE]) || s.buf.starts_with(&[0xFE, 0xFF]) {
        return Err(not_geojson(
            "the file is UTF-16 encoded; GeoJSON must be UTF-8 (save it again as UTF-8)",
        ));
    }
    if s.buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
        s.pos = 3;
    }
    match s.peek().map_err(scan_err)? {
        None => return Err(not_geojson("the file is empty")),
        Some(b'{') => s.pos += 1,
        Some(b) => {
            let what = match b {
                b'[' => "an array".to_string(),
                _ => format!("'{}'", printable(b)),
            };
            return Err(scan_err(s.error(
                s.pos,
                format!("not GeoJSON: the file starts with {what}, expected a JSON object"),
            )));
        }
    }

    let mut c = Collected {
        total_bytes,
        ..Collected::default()
    };
    let mut members: HashMap<String, Vec<u8>> = HashMap::new();
    let mut saw_features = false;
    loop {
        match s.peek().map_err(scan_err)? {
            Some(b'}') => {
                s.pos += 1;
                break;
            }
            Some(b'"') => {}
            Some(b) => {
                return Err(scan_err(s.error(
                    s.pos,
                    format!("expected a member name or '}}', found '{}'", printable(b)),
                )));
            }
            None => {
                return Err(scan_err(s.error(
                    s.pos,
                    "unexpected end of file inside the top-level object (the file is truncated)",
                )));
            }
        }
        let (a, b) = s.take_value().map_err(scan_err)?;
        let key: String = serde_json::from_slice(s.buf.get(a..b).unwrap_or_default())
            .map_err(|e| scan_err(s.error(a, format!("bad member name: {e}"))))?;
        s.expect(b':', "after a member name").map_err(scan_err)?;
        if key == "features" {
            saw_features = true;
            stream_features(&mut s, &mut c, control, &path, &scan_err)?;
        } else {
            let (a, b) = s.take_value().map_err(scan_err)?;
            members.insert(key, s.buf.get(a..b).unwrap_or_default().to_vec());
        }
        match s.peek().map_err(scan_err)? {
            Some(b',') => s.pos += 1,
            Some(b'}') => {}
            Some(b) => {
                return Err(scan_err(s.error(
                    s.pos,
                    format!(
                        "expected ',' or '}}' after a member, found '{}'",
                        printable(b)
                    ),
                )));
            }
            None => {
                return Err(scan_err(s.error(
                    s.pos,
                    "unexpected end of file inside the top-level object (the file is truncated)",
                )));
            }
        }
    }
    if let Some(b) = s.peek().map_err(scan_err)? {
        return Err(scan_err(s.error(
            s.pos,
            format!(
                "unexpected '{}' after the end of the GeoJSON object",
                printable(b)
            ),
        )));
    }

    let kind: Option<String> = members
        .get("type")
        .and_then(|t| serde_json::from_slice(t).ok());
    match kind.as_deref() {
        Some("FeatureCollection") => {
            if !saw_features {
                return Err(not_geojson("FeatureCollection has no 'features' array"));
            }
        }
        Some("Feature") => {
            let mut whole = members_to_object(&members);
            whole.shrink_to_fit();
            let mut fields = LocalFields::default();
            match parse_feature(&whole, &mut fields) {
                Ok(f) => {
                    let slots = c.columns_for(&fields.names);
                    c.push(&slots, f, 0)
                }
                Err(p) => c.skip(0, p.id, p.reason),
            }
            c.seen = 1;
        }
        Some(t) if GEOMETRY_TYPES.contains(&t) => {
            let whole = members_to_object(&members);
            match parse_bare_geometry(&whole) {
                Ok(f) => c.push(&[], f, 0),
                Err(p) => c.skip(0, None, p.reason),
            }
            c.seen = 1;
        }
        Some(t) => {
            return Err(not_geojson(&format!(
                "'type' is '{t}', expected FeatureCollection, Feature or a geometry type"
            )));
        }
        None if saw_features => {
            c.warn(LoadWarning {
                feature_index: None,
                feature_id: None,
                message:
                    "the top-level object has 'features' but no 'type'; read as a FeatureCollection"
                        .into(),
            });
        }
        None => return Err(not_geojson("the top-level object has no 'type' member")),
    }

    let file_crs = match members.get("crs") {
        Some(raw) => parse_crs_member(raw),
        None => CrsMember::Absent,
    };
    finish(c, file_crs, source, name, options, total_bytes, control)
}

/// Re-serialises the captured top-level members as one object for the single
/// Feature and bare-geometry cases.
fn members_to_object(members: &HashMap<String, Vec<u8>>) -> Vec<u8> {
    let mut keys: Vec<&String> = members.keys().collect();
    keys.sort();
    let mut out = Vec::with_capacity(members.values().map(|v| v.len() + 16).sum::<usize>() + 2);
    out.push(b'{');
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(serde_json::to_string(k).unwrap_or_default().as_bytes());
        out.push(b':');
        if let Some(v) = members.get(*k) {
            out.extend_from_slice(v);
        }
    }
    out.push(b'}');
    out
}

type ScanErrFn<'a> = dyn Fn(ScanError) -> LoadError + 'a;

fn stream_features<R: Read>(
    s: &mut Scanner<R>,
    c: &mut Collected,
    control: LoadControl,
    path: &str,
    scan_err: &ScanErrFn,
) -> Result<(), LoadError> {
    s.expect(b'[', "to open the 'features' array")
        .map_err(scan_err)?;
    if s.peek().map_err(scan_err)? == Some(b']') {
        s.pos += 1;
        return Ok(());
    }
    // Pending features: byte ranges in the scanner's buffer, relative to `s.pos` at
    // the time the batch started; the batch is parsed before the buffer moves.
    let mut pending: Vec<(usize, usize)> = Vec::new();
    let mut pending_bytes = 0usize;
    loop {
        // Flush before the scanner may compact its buffer (which invalidates ranges):
        // that happens only when the next value or separator runs past the buffer.
        let (a, b) = match take_value_no_compact(s, &pending) {
            Some(r) => r,
            None => {
                flush(s, c, &mut pending, control, path)?;
                pending_bytes = 0;
                s.take_value().map_err(scan_err)?
            }
        };
        pending.push((a, b));
        pending_bytes += b - a;
        let sep = match s.buf.get(s.pos..).and_then(|rest| {
            rest.iter()
                .enumerate()
                .find(|(_, b)| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
                .map(|(k, &b)| (k, b))
        }) {
            Some((k, byte)) => {
                s.pos += k;
                Some(byte)
            }
            None => {
                flush(s, c, &mut pending, control, path)?;
                pending_bytes = 0;
                s.peek().map_err(scan_err)?
            }
        };
        match sep {
            Some(b',') => s.pos += 1,
            Some(b']') => {
                s.pos += 1;
                break;
            }
            Some(b) => {
                return Err(scan_err(s.error(
                    s.pos,
                    format!(
                        "expected ',' or ']' between features, found '{}'",
                        printable(b)
                    ),
                )));
            }
            None => {
                return Err(scan_err(s.error(
                    s.buf.len(),
                    "unexpected end of file inside the 'features' array (the file is truncated)",
                )));
            }
        }
        if pending_bytes >= BATCH_BYTES {
            flush(s, c, &mut pending, control, path)?;
            pending_bytes = 0;
        }
    }
    flush(s, c, &mut pending, control, path)
}

/// Delimits the next value if it lies wholly inside the current buffer, without
/// reading more (which would move the buffer under the pending ranges).
fn take_value_no_compact<R: Read>(
    s: &mut Scanner<R>,
    pending: &[(usize, usize)],
) -> Option<(usize, usize)> {
    if pending.is_empty() {
        return None;
    }
    let rest = s.buf.get(s.pos..)?;
    let skip = rest
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))?;
    let start = s.pos + skip;
    let end = value_end_in(&s.buf, start)?;
    s.pos = end;
    Some((start, end))
}

/// The end of the object starting at `start`, if it ends inside `buf`.
///
/// Only braces and strings matter for finding where an object ends, so the scan
/// jumps between `"`, `{` and `}` with memchr and never looks at the coordinate
/// arrays in between, which are most of a parcel file's bytes. Bracket mismatches
/// inside the object are left for serde_json, which reports them for that feature.
/// Anything unusual (not an object, unbalanced braces) returns `None` so that the
/// careful path in [`Scanner::take_value`] reports it with its position.
fn value_end_in(buf: &[u8], start: usize) -> Option<usize> {
    let bytes = buf.get(start..)?;
    if bytes.first() != Some(&b'{') {
        return None;
    }
    let mut depth = 0usize;
    let mut i = 0;
    loop {
        i += memchr::memchr3(b'"', b'{', b'}', bytes.get(i..)?)?;
        match bytes.get(i)? {
            b'"' => {
                // Skip the string: find its closing quote, stepping over escapes.
                i += 1;
                loop {
                    i += memchr::memchr2(b'"', b'\\', bytes.get(i..)?)?;
                    if *bytes.get(i)? == b'\\' {
                        i += 2;
                    } else {
                        break;
                    }
                }
            }
            b'{' => depth += 1,
            _ => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(start + i + 1);
                }
            }
        }
        i += 1;
    }
}

/// Parses the pending features in parallel and appends them in file order.
fn flush<R: Read>(
    s: &Scanner<R>,
    c: &mut Collected,
    pending: &mut Vec<(usize, usize)>,
    control: LoadControl,
    path: &str,
) -> Result<(), LoadError> {
    if control.cancelled() {
        return Err(LoadError::Cancelled {
            path: path.to_string(),
        });
    }
    if pending.is_empty() {
        return Ok(());
    }
    let buf = &s.buf;
    type Chunk = (LocalFields, Vec<Result<ParsedFeature, FeatureProblem>>);
    let chunks: Vec<Chunk> = pending
        .par_chunks(64)
        .map(|ranges| {
            let mut fields = LocalFields::default();
            let parsed = ranges
                .iter()
                .map(|&(a, b)| match buf.get(a..b) {
                    Some(bytes) => parse_feature(bytes, &mut fields),
                    None => Err(FeatureProblem {
                        id: None,
                        reason: "internal: feature range outside the buffer".into(),
                        at: None,
                    }),
                })
                .collect();
            (fields, parsed)
        })
        .collect();
    if c.expected == 0
        && let Some(total) = c.total_bytes
    {
        let batch_bytes: usize = pending.iter().map(|(a, b)| b - a).sum();
        let per_feature = (batch_bytes / pending.len()).max(1) as u64;
        // Features plus separators: a slight overestimate, trimmed after loading.
        let expected = (total / per_feature + 16) as usize;
        c.expected = expected;
        c.geometries.reserve(expected);
        c.source_index.reserve(expected);
        c.feature_ids.reserve(expected);
        for col in &mut c.columns {
            col.reserve(expected.saturating_sub(col.len()));
        }
    }
    let mut k = 0;
    for (fields, parsed) in chunks {
        let slot_columns = c.columns_for(&fields.names);
        for result in parsed {
            let index = c.seen;
            c.seen += 1;
            let start = pending.get(k).map(|r| r.0).unwrap_or(0);
            k += 1;
            match result {
                Ok(f) => c.push(&slot_columns, f, index),
                Err(p) => {
                    let mut reason = p.reason;
                    if let Some((line, col)) = p.at {
                        let at = s.position(start);
                        let (line, col) = if line <= 1 {
                            (at.line, at.column + col as u64 - 1)
                        } else {
                            (at.line + line as u64 - 1, col as u64)
                        };
                        reason = format!("{reason} (line {line}, column {col})");
                    }
                    c.skip(index, p.id, reason);
                }
            }
        }
    }
    pending.clear();
    if let Some(progress) = control.progress {
        progress(s.bytes_read, c.total_bytes, c.seen);
    }
    Ok(())
}

enum CrsMember {
    Absent,
    Known(Crs),
    Unknown(String),
}

fn parse_crs_member(raw: &[u8]) -> CrsMember {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(raw) else {
        return CrsMember::Unknown(String::from_utf8_lossy(raw).chars().take(80).collect());
    };
    if v.is_null() {
        return CrsMember::Absent;
    }
    let props = v.get("properties");
    let name = props
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .map(str::to_string)
        .or_else(|| {
            props.and_then(|p| p.get("code")).map(|c| {
                format!(
                    "EPSG:{}",
                    c.as_str().map(str::to_string).unwrap_or(c.to_string())
                )
            })
        });
    match name {
        Some(n) => match Crs::parse(&n) {
            Ok(crs) => CrsMember::Known(crs),
            Err(_) => CrsMember::Unknown(n),
        },
        None => CrsMember::Unknown(v.to_string().chars().take(80).collect()),
    }
}

fn out_of_lon_lat(g: &Geometry<f64>) -> Option<Coord<f64>> {
    use geo::CoordsIter;
    // A failed reprojection can yield NaN or infinity, which must count as out of
    // range too (NaN compares false with everything).
    g.coords_iter()
        .find(|c| !(c.x.abs() <= 180.0 && c.y.abs() <= 90.0))
}

fn finish(
    mut c: Collected,
    file_crs: CrsMember,
    source: &str,
    name: &str,
    options: &LoadOptions,
    total_bytes: Option<u64>,
    control: LoadControl,
) -> Result<Layer, LoadError> {
    let path = source.to_string();
    let crs = match (&options.crs_override, file_crs) {
        (Some(crs), _) => crs.clone(),
        (None, CrsMember::Known(crs)) => crs,
        (None, CrsMember::Absent) => Crs::wgs84(),
        (None, CrsMember::Unknown(text)) => {
            c.warn(LoadWarning {
                feature_index: None,
                feature_id: None,
                message: format!(
                    "the file's crs '{text}' is not known; coordinates are read as lon/lat (pass --crs to override)"
                ),
            });
            Crs::wgs84()
        }
    };
    let explicit = options.crs_override.is_some() || !matches!(crs.label.as_str(), "EPSG:4326");

    let reprojector = Reprojector::new(&crs).map_err(|source| LoadError::Crs {
        path: path.clone(),
        source,
    })?;
    // Per-feature problems found here, by row.
    let problems: Vec<Option<String>> = match &reprojector {
        Some(r) => c
            .geometries
            .par_iter_mut()
            .map(|g| {
                let g = g.as_mut()?;
                r.to_lon_lat(g).err().map(|e| e.to_string())
            })
            .collect(),
        None => {
            let bad: Vec<Option<Coord<f64>>> = c
                .geometries
                .par_iter()
                .map(|g| g.as_ref().and_then(out_of_lon_lat))
                .collect();
            let with_geometry = c.geometries.iter().filter(|g| g.is_some()).count();
            let bad_count = bad.iter().filter(|b| b.is_some()).count();
            // Mostly out-of-range coordinates and no CRS named: a projected file
            // exported without its `crs` member. Refuse rather than guess.
            if !explicit && with_geometry > 0 && bad_count * 2 > with_geometry {
                let sample = bad.iter().flatten().next().copied().unwrap_or_default();
                let hint = guess_projected(sample.x, sample.y)
                    .map(|h| format!(" ({h})"))
                    .unwrap_or_default();
                return Err(LoadError::ProjectedWithoutCrs {
                    path,
                    x: sample.x,
                    y: sample.y,
                    hint,
                });
            }
            bad.into_iter()
                .map(|b| {
                    b.map(|p| {
                        format!(
                            "coordinate ({}, {}) is outside the lon/lat range (±180, ±90)",
                            p.x, p.y
                        )
                    })
                })
                .collect()
        }
    };
    if control.cancelled() {
        return Err(LoadError::Cancelled { path });
    }
    // After reprojection, a point may still land outside lon/lat (a wrong --crs).
    let problems: Vec<Option<String>> = if reprojector.is_some() {
        problems
            .into_iter()
            .zip(&c.geometries)
            .map(|(p, g)| {
                p.or_else(|| {
                    g.as_ref().and_then(out_of_lon_lat).map(|q| {
                        format!(
                            "reprojected coordinate ({}, {}) is outside lon/lat range",
                            q.x, q.y
                        )
                    })
                })
            })
            .collect()
    } else {
        problems
    };
    if problems.iter().any(|p| p.is_some()) {
        let keep: Vec<bool> = problems.iter().map(|p| p.is_none()).collect();
        // The id the skipped feature would have shown: its `id` member, else an
        // id-like property.
        let id_column = crate::model::FieldRole::Id
            .field_names()
            .iter()
            .find_map(|name| c.fields.iter().position(|f| f.to_lowercase() == *name));
        for (row, p) in problems.into_iter().enumerate() {
            if let Some(reason) = p {
                let index = c.source_index.get(row).copied().unwrap_or(0) as usize;
                let id = c
                    .feature_ids
                    .get(row)
                    .cloned()
                    .flatten()
                    .map(|s| s.to_string())
                    .or_else(|| {
                        id_column
                            .and_then(|k| c.columns.get(k))
                            .and_then(|col| col.get(row))
                            .and_then(|v| v.to_text())
                    });
                c.skip(index, id, reason);
            }
        }
        retain_rows(&mut c.geometries, &keep);
        retain_rows(&mut c.source_index, &keep);
        retain_rows(&mut c.feature_ids, &keep);
        for col in &mut c.columns {
            retain_rows(col, &keep);
        }
    }
    if c.closed_rings > 0 {
        c.warn(LoadWarning {
            feature_index: c.first_closed,
            feature_id: None,
            message: format!(
                "closed {} unclosed ring(s) (the first in this feature)",
                c.closed_rings
            ),
        });
    }
    if c.dropped_warnings > 0 {
        let n = c.dropped_warnings;
        c.warnings.push(LoadWarning {
            feature_index: None,
            feature_id: None,
            message: format!("… and {n} more warning(s) not listed"),
        });
    }
    if let Some(progress) = control.progress {
        progress(total_bytes.unwrap_or(0), total_bytes, c.seen);
    }
    Ok(Layer::build(
        name.to_string(),
        source.to_string(),
        crs,
        c.fields,
        c.columns,
        c.geometries,
        c.source_index,
        c.feature_ids,
        &options.role_overrides,
        c.warnings,
        c.skipped,
    ))
}

fn retain_rows<T>(v: &mut Vec<T>, keep: &[bool]) {
    let mut i = 0;
    v.retain(|_| {
        let k = keep.get(i).copied().unwrap_or(true);
        i += 1;
        k
    });
}
