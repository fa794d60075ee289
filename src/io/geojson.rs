//! Loading GeoJSON layers: FeatureCollections streamed in batches (parsed in
//! parallel), single Features and bare geometries; the legacy `crs` member; detection
//! of projected coordinates; reprojection to lon/lat; and warnings for every feature
//! that had to be skipped or repaired.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::mpsc;

use rayon::prelude::*;

use super::parse::{
    FeatureProblem, GEOMETRY_TYPES, LocalFields, ParsedFeature, parse_bare_geometry, parse_feature,
};
use super::scan::{Position, ScanError, Scanner, advance, printable};
use crate::crs::Crs;
use crate::model::{Layer, LoadWarning};
use crate::sources::{FileCrs, LayerBuilder, LoadControl, LoadError, LoadOptions};

/// Features are parsed in batches of about this many bytes.
const BATCH_BYTES: usize = 2 << 20;

/// The GeoJSON reader behind [`crate::sources::load_path`].
pub fn read_source(
    path: &Path,
    shown: &str,
    _options: &LoadOptions,
    control: LoadControl,
    builder: &mut LayerBuilder,
) -> Result<FileCrs, LoadError> {
    let file = File::open(path).map_err(|source| LoadError::Io {
        path: shown.to_string(),
        source,
    })?;
    read_into(file, shown, control, builder)
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

/// Loads GeoJSON from any reader; `source` names it in messages.
pub fn load_reader<R: Read>(
    reader: R,
    source: &str,
    total_bytes: Option<u64>,
    name: &str,
    options: &LoadOptions,
    control: LoadControl,
) -> Result<Layer, LoadError> {
    let mut builder = LayerBuilder::new(total_bytes);
    let crs = read_into(reader, source, control, &mut builder)?;
    builder.finish(crs, source, name, options, control)
}

/// Reads GeoJSON from any reader into the builder; `source` names it in messages.
fn read_into<R: Read>(
    reader: R,
    source: &str,
    control: LoadControl,
    c: &mut LayerBuilder,
) -> Result<FileCrs, LoadError> {
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
            stream_features(
                &mut s,
                c,
                control,
                &path,
                &scan_err,
                Container::TopLevelArray,
            )?;
            expect_end(&mut s, "array").map_err(scan_err)?;
            return Ok(FileCrs::Absent);
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
                c,
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
                    single_problem(c, p, at, &path)?
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
                    single_problem(c, p, at, &path)?
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
        None => FileCrs::Absent,
    };
    Ok(file_crs)
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
    c: &mut LayerBuilder,
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
    c: &mut LayerBuilder,
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
    let mut pipeline = Pipeline::new();
    loop {
        // Flush before the scanner may compact its buffer (which invalidates ranges):
        // that happens only when the next value or separator runs past the buffer.
        let (a, b) = match take_value_no_compact(s, &pending) {
            Some(r) => r,
            None => {
                pipeline.dispatch(s, c, &mut pending, control, path)?;
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
                pipeline.dispatch(s, c, &mut pending, control, path)?;
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
            pipeline.dispatch(s, c, &mut pending, control, path)?;
            pending_bytes = 0;
        }
    }
    pipeline.dispatch(s, c, &mut pending, control, path)?;
    pipeline.finish(c, s.bytes_read, control);
    Ok(())
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

/// A batch of features cut out of the scanner's buffer: their bytes, each
/// feature's range in them, and where the first one starts in the file.
struct Batch {
    bytes: Vec<u8>,
    ranges: Vec<(usize, usize)>,
    at: Position,
}

/// Features of one chunk of a batch as parsed, with the field names they met.
type Chunk = (LocalFields, Vec<Result<ParsedFeature, FeatureProblem>>);

/// Batches parsed on the thread pool, at most this many at a time, while the
/// scanner reads on.
const IN_FLIGHT: usize = 4;

/// Parses batches of features on the thread pool while the calling thread scans
/// the next ones, and appends the parsed features to the builder in file order.
///
/// Scanning (finding where each feature ends) is sequential; parsing is most of
/// the work and runs in parallel. Handing each batch to the pool instead of waiting
/// for it keeps the scanning thread busy meanwhile, so both cores parse while the
/// file is read.
struct Pipeline {
    sender: mpsc::Sender<(usize, Batch, Vec<Chunk>)>,
    receiver: mpsc::Receiver<(usize, Batch, Vec<Chunk>)>,
    dispatched: usize,
    merged: usize,
    /// Parsed batches that arrived before an earlier one.
    early: BTreeMap<usize, (Batch, Vec<Chunk>)>,
    /// Where the last batch dispatched starts, to count the next one's position on
    /// from.
    known: Option<Position>,
    /// Byte buffers of merged batches, for reuse.
    spare: Vec<Vec<u8>>,
}

impl Pipeline {
    fn new() -> Pipeline {
        let (sender, receiver) = mpsc::channel();
        Pipeline {
            sender,
            receiver,
            dispatched: 0,
            merged: 0,
            early: BTreeMap::new(),
            known: None,
            spare: Vec::new(),
        }
    }

    /// Hands the pending features (ranges in the scanner's buffer) to the pool and
    /// appends whatever batches are parsed by now.
    fn dispatch<R: Read>(
        &mut self,
        s: &Scanner<R>,
        c: &mut LayerBuilder,
        pending: &mut Vec<(usize, usize)>,
        control: LoadControl,
        path: &str,
    ) -> Result<(), LoadError> {
        if control.cancelled() {
            return Err(LoadError::Cancelled {
                path: path.to_string(),
            });
        }
        let (Some(&(first, _)), Some(&(_, last))) = (pending.first(), pending.last()) else {
            return Ok(());
        };
        if c.expected == 0
            && let Some(total) = c.total_bytes
        {
            let batch_bytes: usize = pending.iter().map(|(a, b)| b - a).sum();
            let per_feature = (batch_bytes / pending.len()).max(1) as u64;
            // Features plus separators: a slight overestimate, trimmed after loading.
            c.reserve((total / per_feature + 16) as usize);
        }
        let at = match self.known {
            Some(k) => s.position_after(k, first),
            None => s.position(first),
        };
        self.known = Some(at);
        let mut bytes = self.spare.pop().unwrap_or_default();
        bytes.clear();
        bytes.extend_from_slice(s.buf.get(first..last).unwrap_or_default());
        let ranges = pending
            .iter()
            .map(|&(a, b)| (a - first, b - first))
            .collect();
        pending.clear();
        let batch = Batch { bytes, ranges, at };
        let seq = self.dispatched;
        self.dispatched += 1;
        let sender = self.sender.clone();
        rayon::spawn(move || {
            let chunks = parse_batch(&batch);
            // The receiver is gone only when loading stopped early (an error or a
            // cancel); the parsed batch is not wanted then.
            let _ = sender.send((seq, batch, chunks));
        });
        while self.dispatched - self.merged > IN_FLIGHT {
            self.receive(c, true);
        }
        while self.receive(c, false) {}
        if let Some(progress) = control.progress {
            progress(s.bytes_read, c.total_bytes, c.seen);
        }
        Ok(())
    }

    /// Takes one parsed batch (waiting for it if `wait`) and appends every batch
    /// that is next in order; false when there was none to take.
    fn receive(&mut self, c: &mut LayerBuilder, wait: bool) -> bool {
        let got = if wait {
            self.wait()
        } else {
            self.receiver.try_recv().ok()
        };
        let Some((seq, batch, chunks)) = got else {
            return false;
        };
        self.early.insert(seq, (batch, chunks));
        while let Some((batch, chunks)) = self.early.remove(&self.merged) {
            self.merged += 1;
            merge_batch(c, &batch, chunks);
            self.spare.push(batch.bytes);
        }
        true
    }

    /// Waits for the next parsed batch to arrive.
    ///
    /// A layer may be loaded on a worker of the thread pool itself (a project
    /// loads its layers in parallel). Such a worker must not block: if every
    /// worker waited for batches, no one would be left to parse them. It runs
    /// other work of the pool while it waits instead.
    fn wait(&self) -> Option<(usize, Batch, Vec<Chunk>)> {
        loop {
            match self.receiver.try_recv() {
                Ok(got) => return Some(got),
                Err(mpsc::TryRecvError::Disconnected) => return None,
                Err(mpsc::TryRecvError::Empty) => {}
            }
            match rayon::yield_now() {
                None => return self.receiver.recv().ok(),
                Some(rayon::Yield::Executed) => {}
                Some(rayon::Yield::Idle) => {
                    if let Ok(got) = self
                        .receiver
                        .recv_timeout(std::time::Duration::from_micros(200))
                    {
                        return Some(got);
                    }
                }
            }
        }
    }

    /// Waits for every batch dispatched and appends them all.
    fn finish(&mut self, c: &mut LayerBuilder, bytes_read: u64, control: LoadControl) {
        while self.merged < self.dispatched {
            if !self.receive(c, true) {
                // Every sender is held by a job or by this pipeline, so a closed
                // channel cannot happen; stop rather than wait forever.
                break;
            }
        }
        if let Some(progress) = control.progress {
            progress(bytes_read, c.total_bytes, c.seen);
        }
    }
}

/// Parses a batch's features, in chunks spread over the pool.
fn parse_batch(batch: &Batch) -> Vec<Chunk> {
    batch
        .ranges
        .par_chunks(64)
        .map(|ranges| {
            let mut fields = LocalFields::default();
            let parsed = ranges
                .iter()
                .map(|&(a, b)| match batch.bytes.get(a..b) {
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
        .collect()
}

/// Appends a parsed batch to the builder in file order, skipping the features
/// that failed with a warning that says where in the file they are.
fn merge_batch(c: &mut LayerBuilder, batch: &Batch, chunks: Vec<Chunk>) {
    let mut k = 0;
    // Positions of failed features are counted on from the previous one, since a
    // batch of thousands of broken features would otherwise each count the
    // newlines from the start of the batch.
    let mut known = (0usize, batch.at);
    for (fields, parsed) in chunks {
        let slot_columns = c.columns_for(&fields.names);
        for result in parsed {
            let index = c.seen;
            c.seen += 1;
            let start = batch.ranges.get(k).map(|r| r.0).unwrap_or(0);
            k += 1;
            match result {
                Ok(f) => c.push(&slot_columns, f, index),
                Err(p) => {
                    let mut reason = p.reason;
                    if let Some((line, col)) = p.at {
                        let between = batch.bytes.get(known.0..start).unwrap_or_default();
                        let at = advance(known.1, between);
                        known = (start, at);
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
}

fn parse_crs_member(raw: &[u8]) -> FileCrs {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(raw) else {
        return FileCrs::Unknown(String::from_utf8_lossy(raw).chars().take(80).collect());
    };
    if v.is_null() {
        return FileCrs::Absent;
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
            Ok(crs) => FileCrs::Known(crs),
            Err(_) => FileCrs::Unknown(n),
        },
        None => FileCrs::Unknown(v.to_string().chars().take(80).collect()),
    }
}
