//! The one Layer builder every reader streams its features into: field columns,
//! "skip the broken feature, name it, keep the rest", the CRS the file declares or
//! the user chose, reprojection to lon/lat, the refusal of projected coordinates
//! that arrive without a CRS, and the warnings that go with all of these.
//!
//! It was the GeoJSON loader's own (`Collected` and `finish`); every format now
//! shares it so that a Shapefile, a GeoPackage or a KML file is held to the same
//! rules as GeoJSON.

use std::collections::HashMap;

use compact_str::CompactString;
use geo::{Coord, Geometry};
use rayon::prelude::*;

use super::{LoadControl, LoadError, LoadOptions};
use crate::crs::{Crs, CrsKind, Reprojector, guess_projected};
use crate::io::parse::ParsedFeature;
use crate::model::{AttrValue, FieldRole, FieldRoles, Layer, LoadWarning, format_float};

/// At most this many individual warnings are kept; the rest are counted in a final one.
const MAX_WARNINGS: usize = 10_000;

/// The CRS a file declares.
#[derive(Debug, Clone, PartialEq)]
pub enum FileCrs {
    /// The file says nothing (GeoJSON without `crs`, a Shapefile without `.prj`).
    Absent,
    Known(Crs),
    /// The file names a CRS that is not understood; the text is kept for the warning.
    Unknown(String),
}

/// The parsed-but-not-finished content of a file.
#[derive(Default)]
pub struct LayerBuilder {
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
    pub seen: usize,
    pub total_bytes: Option<u64>,
    /// Expected number of features, estimated from the first batch (or given by the
    /// file's header), so vectors are allocated once instead of doubling (which
    /// would hold up to twice the memory).
    pub expected: usize,
}

impl LayerBuilder {
    pub fn new(total_bytes: Option<u64>) -> LayerBuilder {
        LayerBuilder {
            total_bytes,
            ..LayerBuilder::default()
        }
    }

    /// Sets the expected number of features and reserves room for them.
    pub fn reserve(&mut self, expected: usize) {
        self.expected = expected;
        self.geometries.reserve(expected);
        self.source_index.reserve(expected);
        self.feature_ids.reserve(expected);
        for col in &mut self.columns {
            col.reserve(expected.saturating_sub(col.len()));
        }
    }

    /// Features kept so far.
    pub fn len(&self) -> usize {
        self.geometries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.geometries.is_empty()
    }

    pub fn warn(&mut self, w: LoadWarning) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(w);
        } else {
            self.dropped_warnings += 1;
        }
    }

    /// A warning about the whole file (not one feature).
    pub fn note(&mut self, message: String) {
        self.warn(LoadWarning {
            feature_index: None,
            feature_id: None,
            message,
        });
    }

    /// The column of each of a batch's local field names, creating columns for new
    /// fields (filled with nulls for the rows before).
    pub fn columns_for(&mut self, local_names: &[String]) -> Vec<usize> {
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

    /// Appends one feature; `slot_columns` maps its property slots to columns (from
    /// [`LayerBuilder::columns_for`]) and `index` is its place in the file.
    pub fn push(&mut self, slot_columns: &[usize], f: ParsedFeature, index: usize) {
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

    /// Skips the feature at `index` with a warning that names it and says why.
    pub fn skip(&mut self, index: usize, id: Option<String>, reason: String) {
        self.skipped += 1;
        self.warn(LoadWarning {
            feature_index: Some(index),
            feature_id: id,
            message: format!("skipped: {reason}"),
        });
    }

    /// Reports progress (bytes read of the total) and fails when cancelled.
    pub fn progress(
        &self,
        control: LoadControl,
        bytes_read: u64,
        path: &str,
    ) -> Result<(), LoadError> {
        if control.cancelled() {
            return Err(LoadError::Cancelled {
                path: path.to_string(),
            });
        }
        if let Some(progress) = control.progress {
            progress(bytes_read, self.total_bytes, self.seen);
        }
        Ok(())
    }

    /// Resolves the CRS, reprojects, drops the features that cannot be placed and
    /// builds the layer.
    pub fn finish(
        mut self,
        file_crs: FileCrs,
        source: &str,
        name: &str,
        options: &LoadOptions,
        control: LoadControl,
    ) -> Result<Layer, LoadError> {
        let c = &mut self;
        let path = source.to_string();
        let total_bytes = c.total_bytes;
        let crs = match (&options.crs_override, file_crs) {
            (Some(crs), _) => crs.clone(),
            (None, FileCrs::Known(crs)) => crs,
            (None, FileCrs::Absent) => Crs::wgs84(),
            (None, FileCrs::Unknown(text)) => {
                c.note(format!(
                    "the file's crs '{text}' is not known; coordinates are read as lon/lat (pass --crs to override)"
                ));
                Crs::wgs84()
            }
        };
        let explicit = options.crs_override.is_some() || !matches!(crs.label.as_str(), "EPSG:4326");
        c.hint_chinese_offsets(&crs);

        let reprojector = Reprojector::new(&crs).map_err(|source| LoadError::Crs {
            path: path.clone(),
            source,
        })?;
        // Per-feature problems found here, as (row, reason) in row order. Only the
        // rows with a problem are listed: a list a row long would cost tens of
        // megabytes at a million features, at the moment the whole layer is held.
        let problems: Vec<(usize, String)> = match &reprojector {
            Some(r) => c
                .geometries
                .par_iter_mut()
                .enumerate()
                .filter_map(|(row, g)| {
                    let g = g.as_mut()?;
                    let reason = match r.to_lon_lat(g) {
                        Err(e) => e.to_string(),
                        // After reprojection, a point may still land outside
                        // lon/lat (a wrong --crs).
                        Ok(()) => out_of_lon_lat(g).map(|q| {
                            format!(
                                "reprojected coordinate ({}, {}) is outside lon/lat range",
                                format_float(q.x),
                                format_float(q.y)
                            )
                        })?,
                    };
                    Some((row, reason))
                })
                .collect(),
            None => {
                let bad: Vec<(usize, Coord<f64>)> = c
                    .geometries
                    .par_iter()
                    .enumerate()
                    .filter_map(|(row, g)| g.as_ref().and_then(out_of_lon_lat).map(|p| (row, p)))
                    .collect();
                let with_geometry = c.geometries.par_iter().filter(|g| g.is_some()).count();
                let bad_count = bad.len();
                // Mostly out-of-range coordinates and no CRS named: a projected file
                // exported without its `crs` member. Refuse rather than guess.
                if !explicit && with_geometry > 0 && bad_count * 2 > with_geometry {
                    let sample = bad.first().map(|b| b.1).unwrap_or_default();
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
                    .map(|(row, p)| {
                        (
                            row,
                            format!(
                                "coordinate ({}, {}) is outside the lon/lat range (±180, ±90)",
                                format_float(p.x),
                                format_float(p.y)
                            ),
                        )
                    })
                    .collect()
            }
        };
        if control.cancelled() {
            return Err(LoadError::Cancelled { path });
        }
        c.warn_repairs(&options.role_overrides);
        if !problems.is_empty() {
            let mut keep = vec![true; c.geometries.len()];
            // The id the skipped feature would have shown: its `id` member, else an
            // id-like property.
            let id_column = FieldRole::Id
                .field_names()
                .iter()
                .find_map(|name| c.fields.iter().position(|f| f.to_lowercase() == *name));
            for (row, reason) in problems {
                if let Some(k) = keep.get_mut(row) {
                    *k = false;
                }
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
            c.retain(&keep);
        }
        if let Some(bbox) = options.bbox {
            // Readers with a spatial index (FlatGeobuf) have read only the
            // candidates already; this keeps exactly those that meet the box.
            use geo::{BoundingRect, Intersects};
            let keep: Vec<bool> = c
                .geometries
                .iter()
                .map(|g| {
                    g.as_ref()
                        .and_then(|g| g.bounding_rect())
                        .is_some_and(|r| r.intersects(&bbox))
                })
                .collect();
            c.retain(&keep);
        }
        if c.closed_rings > 0 {
            let n = c.closed_rings;
            let first = c.first_closed;
            c.warn(LoadWarning {
                feature_index: first,
                feature_id: None,
                message: format!("closed {n} unclosed ring(s) (the first in this feature)"),
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
        let b = self;
        Ok(Layer::build(
            name.to_string(),
            source.to_string(),
            crs,
            b.fields,
            b.columns,
            b.geometries,
            b.source_index,
            b.feature_ids,
            &options.role_overrides,
            b.warnings,
            b.skipped,
        ))
    }

    fn retain(&mut self, keep: &[bool]) {
        retain_rows(&mut self.geometries, keep);
        retain_rows(&mut self.source_index, keep);
        retain_rows(&mut self.feature_ids, keep);
        for col in &mut self.columns {
            retain_rows(col, keep);
        }
    }

    /// A hint when the fields are those of DataV or AMap boundary downloads
    /// (`adcode`, `center` and `parent`), whose coordinates are GCJ-02 and lie
    /// some hundreds of metres off WGS84 parcels unless converted.
    fn hint_chinese_offsets(&mut self, crs: &Crs) {
        if matches!(crs.kind, CrsKind::Gcj02 | CrsKind::Bd09) {
            return;
        }
        let has = |n: &str| self.fields.iter().any(|f| f.eq_ignore_ascii_case(n));
        // All three, as DataV writes them: adcode alone (or with a centre) is
        // common in files already converted to WGS84.
        if has("adcode") && has("center") && has("parent") {
            self.note(
                "the fields (adcode, center, parent) are those of DataV/AMap boundaries, whose coordinates are usually GCJ-02 (offset by some hundreds of metres); if so, load with --crs GCJ02"
                    .into(),
            );
        }
    }

    /// Warns of the repairs made while parsing (holes dropped), naming each feature
    /// by the id the layer will show for it: its id field (as detected, or forced
    /// with `--role id=…`), else its `id` member.
    fn warn_repairs(&mut self, role_overrides: &[(FieldRole, String)]) {
        if self.repairs.is_empty() {
            return;
        }
        let id_column = FieldRoles::detect(&self.fields, role_overrides).id;
        for (row, message) in std::mem::take(&mut self.repairs) {
            let id = id_column
                .and_then(|k| self.columns.get(k))
                .and_then(|col| col.get(row))
                .and_then(|v| v.to_text())
                .or_else(|| {
                    self.feature_ids
                        .get(row)
                        .cloned()
                        .flatten()
                        .map(|s| s.to_string())
                });
            let index = self.source_index.get(row).copied().unwrap_or(0) as usize;
            self.warn(LoadWarning {
                feature_index: Some(index),
                feature_id: id,
                message,
            });
        }
    }
}

fn out_of_lon_lat(g: &Geometry<f64>) -> Option<Coord<f64>> {
    use geo::CoordsIter;
    // A failed reprojection can yield NaN or infinity, which must count as out of
    // range too (NaN compares false with everything).
    g.coords_iter()
        .find(|c| !(c.x.abs() <= 180.0 && c.y.abs() <= 90.0))
}

/// The centre of the features whose coordinates are out of lon/lat range, in the
/// file's own units: the median of their boxes' centres, so that a few stray
/// features (a point at 0, 0) do not move it.
fn projected_centre(
    geometries: &[Option<Geometry<f64>>],
    bad: &[(usize, Coord<f64>)],
) -> Option<Coord<f64>> {
    use geo::BoundingRect;
    let (mut xs, mut ys): (Vec<f64>, Vec<f64>) = bad
        .iter()
        .filter_map(|&(row, _)| geometries.get(row)?.as_ref()?.bounding_rect())
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
