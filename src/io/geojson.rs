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
use crate::model::{AttrValue, FieldRole, FieldRoles, Layer, LoadWarning, format_float};

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
        "{path}: coordinates are projected (e.g. {}, {}) but the file names no CRS; pass --crs EPSG:<code>{hint}",
        format_float(*.x),
        format_float(*.y)
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
    /// Repairs to warn about once the layer's id field is known: (row, message).
    repairs: Vec<(usize, String)>,
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
        for note in f.repairs {
            self.repairs.push((row, note));
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
    let object_start = match s.peek().map_err(scan_err)? {
        None => return Err(not_geojson("the file is empty")),
        Some(b'{') => {
            let at = s.position(s.pos);
            s.pos += 1;
            at
        }
        Some(b'[') => {
            // A bare array of Features, as older DataV and AMap boundary downloads
            // are: read exactly like a FeatureCollection's 'features' array.
            let mut c = Collected {
                total_bytes,
                ..Collected::default()
            };
            stream_features(
                &mut s,
                &mut c,
                control,
                &path,
                &scan_err,
                Container::TopLevelArray,
            )?;
            expect_end(&mut s, "array").map_err(scan_err)?;
            return finish(
                c,
                CrsMember::Absent,
                source,
                name,
                options,
                total_bytes,
                control,
            );
        }
        Some(b) => {
            return Err(scan_err(s.error(
                s.pos,
                format!(
                    "not GeoJSON: the file starts with '{}', expected a JSON object or an array of Features",
                    printable(b)
                ),
            )));
        }
    };

    let mut c = Collected {
        total_bytes,
        ..Collected::default()
    };
    let mut members: HashMap<String, Member> = HashMap::new();
    // The last member's position, from which the next one's is counted on.
    let mut last_at = object_start;
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
            stream_features(
                &mut s,
                &mut c,
                control,
                &path,
                &scan_err,
                Container::FeaturesMember,
            )?;
        } else {
            let (a, b) = s.take_value().map_err(scan_err)?;
            last_at = s.position_after(last_at, a);
            members.insert(
                key,
                Member {
                    bytes: s.buf.get(a..b).unwrap_or_default().to_vec(),
                    at: last_at,
                },
            );
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
    expect_end(&mut s, "object").map_err(scan_err)?;

    let kind: Option<String> = members
        .get("type")
        .and_then(|t| serde_json::from_slice(&t.bytes).ok());
    match kind.as_deref() {
        Some("FeatureCollection") => {
            if !saw_features {
                return Err(not_geojson("FeatureCollection has no 'features' array"));
            }
        }
        Some("Feature") => {
            let (mut whole, segments) = members_to_object(&members);
            whole.shrink_to_fit();
            let mut fields = LocalFields::default();
            match parse_feature(&whole, &mut fields) {
                Ok(f) => {
                    let slots = c.columns_for(&fields.names);
                    c.push(&slots, f, 0)
                }
                Err(p) => {
                    let at =
                        p.at.and_then(|(l, k)| map_position(&whole, &segments, l, k))
                            .unwrap_or(object_start);
                    single_problem(&mut c, p, at, &path)?
                }
            }
            c.seen = 1;
        }
        Some(t) if GEOMETRY_TYPES.contains(&t) => {
            let (whole, segments) = members_to_object(&members);
            match parse_bare_geometry(&whole) {
                Ok(f) => c.push(&[], f, 0),
                Err(p) => {
                    let at =
                        p.at.and_then(|(l, k)| map_position(&whole, &segments, l, k))
                            .unwrap_or(object_start);
                    single_problem(&mut c, p, at, &path)?
                }
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
        Some(raw) => parse_crs_member(&raw.bytes),
        None => CrsMember::Absent,
    };
    finish(c, file_crs, source, name, options, total_bytes, control)
}

/// Fails unless only white space follows the top-level value (`what` names it).
fn expect_end<R: Read>(s: &mut Scanner<R>, what: &str) -> Result<(), ScanError> {
    match s.peek()? {
        None => Ok(()),
        Some(b) => Err(s.error(
            s.pos,
            format!(
                "unexpected '{}' after the end of the GeoJSON {what}",
                printable(b)
            ),
        )),
    }
}

/// Records what went wrong with the only feature of a single-Feature (or bare
/// geometry) file, `at` being where in the file.
///
/// Text that is not JSON fails the whole file with its line and column, as the
/// scanner's own syntax errors do: there is nothing else in the file to load, and
/// an empty layer with a warning would hide that the file is broken. Valid JSON
/// that is not a valid feature (strings for coordinates, a ring too short) skips
/// the feature with a warning, as inside a FeatureCollection, with the position
/// added in the same form.
fn single_problem(
    c: &mut Collected,
    p: FeatureProblem,
    at: Position,
    path: &str,
) -> Result<(), LoadError> {
    if p.syntax {
        let who = match &p.id {
            Some(id) => format!("feature #0 (id {id})"),
            None => "feature #0".to_string(),
        };
        return Err(LoadError::Syntax {
            path: path.to_string(),
            position: at,
            reason: format!("{who}: {}", p.reason),
        });
    }
    let reason = match p.at {
        Some(_) => format!("{} (line {}, column {})", p.reason, at.line, at.column),
        None => p.reason,
    };
    c.skip(0, p.id, reason);
    Ok(())
}

/// A top-level member kept as bytes, with where its value starts in the file.
struct Member {
    bytes: Vec<u8>,
    at: Position,
}

/// Where a member's value was put in the re-serialised object.
struct Segment {
    start: usize,
    len: usize,
    at: Position,
}

/// Re-serialises the captured top-level members as one object for the single
/// Feature and bare-geometry cases, with where each value went, so that an error
/// found in the object can be given its position in the file.
fn members_to_object(members: &HashMap<String, Member>) -> (Vec<u8>, Vec<Segment>) {
    let mut keys: Vec<&String> = members.keys().collect();
    keys.sort();
    let mut out =
        Vec::with_capacity(members.values().map(|v| v.bytes.len() + 16).sum::<usize>() + 2);
    let mut segments = Vec::with_capacity(keys.len());
    out.push(b'{');
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(serde_json::to_string(k).unwrap_or_default().as_bytes());
        out.push(b':');
        if let Some(v) = members.get(*k) {
            segments.push(Segment {
                start: out.len(),
                len: v.bytes.len(),
                at: v.at,
            });
            out.extend_from_slice(&v.bytes);
        }
    }
    out.push(b'}');
    (out, segments)
}

/// The file position of serde_json's 1-based (line, column) in the re-serialised
/// object `out`; `None` when it falls outside every member's value.
fn map_position(out: &[u8], segments: &[Segment], line: usize, column: usize) -> Option<Position> {
    let line_start = match line {
        0 | 1 => 0,
        _ => memchr::memchr_iter(b'\n', out).nth(line - 2)? + 1,
    };
    let offset = line_start + column.saturating_sub(1);
    let seg = segments.iter().rev().find(|g| g.start <= offset)?;
    let delta = (offset - seg.start).min(seg.len);
    let head = out.get(seg.start..seg.start + delta)?;
    let newlines = memchr::memchr_iter(b'\n', head).count() as u64;
    let (line, column) = match memchr::memrchr(b'\n', head) {
        Some(nl) => (seg.at.line + newlines, (delta - nl) as u64),
        None => (seg.at.line, seg.at.column + delta as u64),
    };
    Some(Position {
        line,
        column,
        byte: seg.at.byte + delta as u64,
    })
}

type ScanErrFn<'a> = dyn Fn(ScanError) -> LoadError + 'a;

/// What holds the features being streamed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Container {
    /// The `features` member of a FeatureCollection.
    FeaturesMember,
    /// An array that is the whole file.
    TopLevelArray,
}

impl Container {
    fn name(self) -> &'static str {
        match self {
            Container::FeaturesMember => "the 'features' array",
            Container::TopLevelArray => "the top-level array",
        }
    }
}

fn stream_features<R: Read>(
    s: &mut Scanner<R>,
    c: &mut Collected,
    control: LoadControl,
    path: &str,
    scan_err: &ScanErrFn,
    container: Container,
) -> Result<(), LoadError> {
    s.expect(b'[', &format!("to open {}", container.name()))
        .map_err(scan_err)?;
    if s.peek().map_err(scan_err)? == Some(b']') {
        s.pos += 1;
        return Ok(());
    }
    // A top-level array is only GeoJSON if it holds features: one of other values
    // (a JSON export of records, a list of numbers) is refused at its first element
    // rather than loaded as an empty layer of skipped features.
    let mut check_first = container == Container::TopLevelArray;
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
                // The file may end right after a comma; say where it ended.
                if s.peek().map_err(scan_err)?.is_none() {
                    return Err(scan_err(s.error(
                        s.buf.len(),
                        format!(
                            "unexpected end of file inside {} (the file is truncated)",
                            container.name()
                        ),
                    )));
                }
                s.take_value().map_err(scan_err)?
            }
        };
        if check_first {
            check_first = false;
            if let Some(what) = s.buf.get(a..b).and_then(not_a_feature) {
                return Err(scan_err(s.error(
                    a,
                    format!(
                        "not GeoJSON: the file is a JSON array whose first element is {what}, not a GeoJSON Feature"
                    ),
                )));
            }
        }
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
                    format!(
                        "unexpected end of file inside {} (the file is truncated)",
                        container.name()
                    ),
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

/// What an element of a top-level array is, when it is not a Feature (or a bare
/// geometry, which a features array may also hold); `None` for a feature, and for
/// text that is not JSON, which the feature parser then reports with its position.
fn not_a_feature(bytes: &[u8]) -> Option<String> {
    // Only the type is read, so a first feature of a million vertices is not
    // materialised twice.
    #[derive(serde::Deserialize)]
    struct TypeOnly {
        #[serde(rename = "type")]
        kind: Option<serde_json::Value>,
    }
    if let Ok(t) = serde_json::from_slice::<TypeOnly>(bytes) {
        return match t.kind {
            Some(serde_json::Value::String(k))
                if k == "Feature" || GEOMETRY_TYPES.contains(&k.as_str()) =>
            {
                None
            }
            Some(serde_json::Value::String(k)) => Some(format!("an object whose 'type' is '{k}'")),
            Some(_) => Some("an object whose 'type' is not a string".into()),
            None => Some("an object without a 'type' member".into()),
        };
    }
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    Some(
        match v {
            serde_json::Value::Null => "null",
            serde_json::Value::Bool(_) => "a boolean",
            serde_json::Value::Number(_) => "a number",
            serde_json::Value::String(_) => "a string",
            serde_json::Value::Array(_) => "an array",
            serde_json::Value::Object(_) => "an object",
        }
        .to_string(),
    )
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
                        syntax: false,
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
    // Positions of failed features are counted on from the previous one, since a
    // batch of thousands of broken features would otherwise each count the
    // newlines from the start of a buffer of megabytes.
    let mut known: Option<Position> = None;
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
                        let at = match known {
                            Some(k) => s.position_after(k, start),
                            None => s.position(start),
                        };
                        known = Some(at);
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
                let centre = projected_centre(&c.geometries, &bad).unwrap_or(sample);
                let hint = guess_projected(centre.x, centre.y)
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
                            format_float(p.x),
                            format_float(p.y)
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
                            format_float(q.x),
                            format_float(q.y)
                        )
                    })
                })
            })
            .collect()
    } else {
        problems
    };
    warn_repairs(&mut c, &options.role_overrides);
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

/// Warns of the repairs made while parsing (holes dropped), naming each feature by
/// the id the layer will show for it: its id field (as detected, or forced with
/// `--role id=…`), else its `id` member.
fn warn_repairs(c: &mut Collected, role_overrides: &[(FieldRole, String)]) {
    if c.repairs.is_empty() {
        return;
    }
    let id_column = FieldRoles::detect(&c.fields, role_overrides).id;
    for (row, message) in std::mem::take(&mut c.repairs) {
        let id = id_column
            .and_then(|k| c.columns.get(k))
            .and_then(|col| col.get(row))
            .and_then(|v| v.to_text())
            .or_else(|| {
                c.feature_ids
                    .get(row)
                    .cloned()
                    .flatten()
                    .map(|s| s.to_string())
            });
        let index = c.source_index.get(row).copied().unwrap_or(0) as usize;
        c.warn(LoadWarning {
            feature_index: Some(index),
            feature_id: id,
            message,
        });
    }
}

/// The centre of the features whose coordinates are out of lon/lat range, in the
/// file's own units: the median of their boxes' centres, so that a few stray
/// features (a point at 0, 0) do not move it.
fn projected_centre(
    geometries: &[Option<Geometry<f64>>],
    bad: &[Option<Coord<f64>>],
) -> Option<Coord<f64>> {
    use geo::BoundingRect;
    let (mut xs, mut ys): (Vec<f64>, Vec<f64>) = geometries
        .iter()
        .zip(bad)
        .filter(|(_, b)| b.is_some())
        .filter_map(|(g, _)| g.as_ref()?.bounding_rect())
        .map(|r| (r.center().x, r.center().y))
        .unzip();
    let median = |v: &mut Vec<f64>| {
        let mid = v.len() / 2;
        v.select_nth_unstable_by(mid, f64::total_cmp);
        v.get(mid).copied()
    };
    if xs.is_empty() {
        return None;
    }
    Some(Coord {
        x: median(&mut xs)?,
        y: median(&mut ys)?,
    })
}

fn retain_rows<T>(v: &mut Vec<T>, keep: &[bool]) {
    let mut i = 0;
    v.retain(|_| {
        let k = keep.get(i).copied().unwrap_or(true);
        i += 1;
        k
    });
}
