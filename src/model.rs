//! The in-memory model: layers of features with columnar attributes.
//!
//! A [`Layer`] keeps geometry in lon/lat (WGS84 ≈ CGCS2000) as `geo` types and its
//! attributes column by column, because a million parcels with a dozen fields each
//! would otherwise spend most of their memory on per-feature maps. Everything that
//! statistics and selection need per feature (ellipsoidal area, resolved land-use
//! class, FAR, …) is derived once when the layer is built, never per query.

use compact_str::CompactString;
use geo::{BoundingRect, Geometry, Rect};
use rayon::prelude::*;

use crate::area::ellipsoidal_area_m2;
use crate::crs::Crs;
use crate::index::SpatialIndex;
use crate::landuse::{ClassId, LanduseTable, LanduseValue, MixedCode};

/// One attribute value as read from the source file.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Text, also used for nested JSON objects and arrays (kept as their JSON text so
    /// nothing is silently dropped).
    Text(CompactString),
}

impl AttrValue {
    /// The value as a number: numbers as they are, and numbers given as strings
    /// (`"2.5"`, `" 35 "`, `"35%"`) parsed, since many exported files quote them.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            AttrValue::Int(i) => Some(*i as f64),
            AttrValue::Float(f) if f.is_finite() => Some(*f),
            AttrValue::Text(s) => {
                let t = s.trim().trim_end_matches('%').trim();
                t.parse::<f64>().ok().filter(|v| v.is_finite())
            }
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, AttrValue::Null)
    }

    /// The value as display text; `None` for null.
    pub fn to_text(&self) -> Option<String> {
        match self {
            AttrValue::Null => None,
            AttrValue::Bool(b) => Some(b.to_string()),
            AttrValue::Int(i) => Some(i.to_string()),
            AttrValue::Float(f) => Some(format_float(*f)),
            AttrValue::Text(s) => Some(s.to_string()),
        }
    }

    /// The value as JSON, for exports.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            AttrValue::Null => serde_json::Value::Null,
            AttrValue::Bool(b) => serde_json::Value::Bool(*b),
            AttrValue::Int(i) => serde_json::Value::from(*i),
            AttrValue::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            AttrValue::Text(s) => serde_json::Value::String(s.to_string()),
        }
    }
}

/// A rectangle grown by `dx` and `dy` on each side (degrees for lon/lat boxes).
pub fn rect_grown(r: Rect<f64>, dx: f64, dy: f64) -> Rect<f64> {
    Rect::new(
        geo::coord! { x: r.min().x - dx, y: r.min().y - dy },
        geo::coord! { x: r.max().x + dx, y: r.max().y + dy },
    )
}

/// The smallest rectangle holding both.
pub fn rect_union(a: Rect<f64>, b: Rect<f64>) -> Rect<f64> {
    Rect::new(
        geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
        geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
    )
}

/// Formats a float without a spurious `.0` on whole numbers (`3` not `3.0`), as
/// planners expect in tables. Negative zero prints as `0`: a "-0" in a table reads
/// as a value below zero that is not there.
pub fn format_float(f: f64) -> String {
    if f == 0.0 {
        // Both zeros compare equal; this catches -0.0 before any formatting.
        "0".to_string()
    } else if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// Formats a float with `decimals` decimals, never as a negative zero: a value
/// that rounds to zero (`-0.004` at 2 decimals, or -0.0 itself) prints as `0.00`.
pub fn format_fixed(f: f64, decimals: usize) -> String {
    let text = format!("{f:.decimals$}");
    match text.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => text,
    }
}

/// What a field means to the program, detected from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FieldRole {
    Id,
    Landuse,
    Far,
    BuildingDensity,
    GreenRatio,
    HeightLimit,
    Name,
}

impl FieldRole {
    pub const ALL: [FieldRole; 7] = [
        FieldRole::Id,
        FieldRole::Landuse,
        FieldRole::Far,
        FieldRole::BuildingDensity,
        FieldRole::GreenRatio,
        FieldRole::HeightLimit,
        FieldRole::Name,
    ];

    /// The role's name in the CLI and in JSON (`id`, `landuse`, `far`, …).
    pub fn key(self) -> &'static str {
        match self {
            FieldRole::Id => "id",
            FieldRole::Landuse => "landuse",
            FieldRole::Far => "far",
            FieldRole::BuildingDensity => "density",
            FieldRole::GreenRatio => "green",
            FieldRole::HeightLimit => "height",
            FieldRole::Name => "name",
        }
    }

    pub fn from_key(key: &str) -> Option<FieldRole> {
        FieldRole::ALL.into_iter().find(|r| r.key() == key)
    }

    /// Field names that carry this role, lower-case, in order of preference. The
    /// first match among a layer's fields wins.
    pub fn field_names(self) -> &'static [&'static str] {
        match self {
            FieldRole::Id => &[
                "parcel_id",
                "dkbh",
                "地块编号",
                "地块编码",
                "id",
                "fid",
                "objectid",
                "bh",
                "编号",
            ],
            FieldRole::Landuse => &[
                "landuse",
                "land_use",
                "yddm",
                "ydxz",
                "用地代码",
                "用地性质",
                "dlbm",
                "地类编码",
                "ydlx",
                "用地类型",
                "landuse_code",
            ],
            FieldRole::Far => &["far", "rjl", "容积率"],
            FieldRole::BuildingDensity => &["jzmd", "建筑密度", "density", "building_density"],
            FieldRole::GreenRatio => &["ldl", "绿地率", "green_ratio", "green"],
            FieldRole::HeightLimit => &["xg", "限高", "height_m", "height_limit", "建筑限高"],
            FieldRole::Name => &["name", "mc", "名称", "dkmc", "地块名称"],
        }
    }
}

/// Which field plays which role; `None` where the layer has no such field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldRoles {
    pub id: Option<usize>,
    pub landuse: Option<usize>,
    pub far: Option<usize>,
    pub density: Option<usize>,
    pub green: Option<usize>,
    pub height: Option<usize>,
    pub name: Option<usize>,
}

impl FieldRoles {
    pub fn get(&self, role: FieldRole) -> Option<usize> {
        match role {
            FieldRole::Id => self.id,
            FieldRole::Landuse => self.landuse,
            FieldRole::Far => self.far,
            FieldRole::BuildingDensity => self.density,
            FieldRole::GreenRatio => self.green,
            FieldRole::HeightLimit => self.height,
            FieldRole::Name => self.name,
        }
    }

    pub fn set(&mut self, role: FieldRole, field: Option<usize>) {
        let slot = match role {
            FieldRole::Id => &mut self.id,
            FieldRole::Landuse => &mut self.landuse,
            FieldRole::Far => &mut self.far,
            FieldRole::BuildingDensity => &mut self.density,
            FieldRole::GreenRatio => &mut self.green,
            FieldRole::HeightLimit => &mut self.height,
            FieldRole::Name => &mut self.name,
        };
        *slot = field;
    }

    /// Detects roles from field names, case-insensitively. A role may be forced with
    /// `overrides` (role → field name), which wins over detection.
    pub fn detect(fields: &[String], overrides: &[(FieldRole, String)]) -> FieldRoles {
        let lower: Vec<String> = fields.iter().map(|f| f.trim().to_lowercase()).collect();
        let mut roles = FieldRoles::default();
        for role in FieldRole::ALL {
            let found = role
                .field_names()
                .iter()
                .find_map(|name| lower.iter().position(|f| f == name));
            roles.set(role, found);
        }
        for (role, name) in overrides {
            let wanted = name.trim().to_lowercase();
            roles.set(role.to_owned(), lower.iter().position(|f| *f == wanted));
        }
        roles
    }
}

/// The roles whose values are kept as numbers per feature, in `numeric_roles` order.
pub const NUMERIC_ROLES: [FieldRole; 4] = [
    FieldRole::Far,
    FieldRole::BuildingDensity,
    FieldRole::GreenRatio,
    FieldRole::HeightLimit,
];

/// A warning met while loading; the feature is named by its position in the file
/// (0-based) and its id where it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadWarning {
    pub feature_index: Option<usize>,
    pub feature_id: Option<String>,
    pub message: String,
}

impl std::fmt::Display for LoadWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.feature_index, &self.feature_id) {
            (Some(i), Some(id)) => write!(f, "feature #{i} (id {id}): {}", self.message),
            (Some(i), None) => write!(f, "feature #{i}: {}", self.message),
            _ => write!(f, "{}", self.message),
        }
    }
}

/// How many features a kind of load warning names one by one before it counts the
/// rest in one line.
pub const MAX_FEATURE_WARNINGS: usize = 1000;

/// The mixed-use codes of a layer and which features carry them. Most layers have
/// none, and then `of_feature` is empty, so the common case costs nothing.
#[derive(Debug, Clone, Default)]
pub struct MixedColumn {
    /// The distinct mixed codes, in order of first appearance.
    pub codes: Vec<MixedCode>,
    /// Each feature's index into `codes`, `u32::MAX` when its use is not mixed;
    /// empty when no feature is mixed.
    pub of_feature: Vec<u32>,
}

impl MixedColumn {
    /// The mixed code of a feature, if it has one.
    pub fn of(&self, feature: usize) -> Option<&MixedCode> {
        let k = *self.of_feature.get(feature)?;
        self.codes.get(k as usize)
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

/// A layer: features with geometry in lon/lat and columnar attributes.
#[derive(Debug, Clone)]
pub struct Layer {
    /// Display name (the file stem unless a project names it).
    pub name: String,
    /// Where the layer came from, for messages.
    pub source: String,
    /// The CRS the source was in (before reprojection to lon/lat).
    pub source_crs: Crs,
    /// Field names in file order of first appearance.
    pub fields: Vec<String>,
    /// One column per field, each as long as `geometries`.
    pub columns: Vec<Vec<AttrValue>>,
    /// Geometry in lon/lat; `None` for attribute-only records (null geometry).
    pub geometries: Vec<Option<Geometry<f64>>>,
    /// Each feature's position in the source file (0-based, counting skipped ones).
    pub source_index: Vec<u32>,
    /// Each feature's top-level GeoJSON `id` member, when it had one.
    pub feature_ids: Vec<Option<CompactString>>,
    pub roles: FieldRoles,
    /// Ellipsoidal (WGS84) area of each feature in m²; 0 for points and lines.
    pub area_m2: Vec<f64>,
    /// Resolved land-use class of each feature, if the layer has a land-use field;
    /// a mixed-use feature's class is its dominant (first) use.
    pub class: Vec<Option<ClassId>>,
    /// The features whose land-use value names several uses (混合用地).
    pub mixed: MixedColumn,
    /// FAR, building density, green ratio and height limit of each feature as
    /// numbers (NaN where missing or not numeric), read once from the role fields so
    /// statistics over 100k parcels do not re-parse attribute values.
    pub numeric_roles: [Vec<f64>; 4],
    /// Lon/lat bounding box of every geometry, `None` for null geometry.
    pub envelopes: Vec<Option<Rect<f64>>>,
    pub index: SpatialIndex,
    pub warnings: Vec<LoadWarning>,
    /// How many features of the source were skipped (each has a warning).
    pub skipped: usize,
}

impl Layer {
    /// Builds a layer from parsed features, deriving areas, envelopes, classes and
    /// the spatial index. The per-feature work runs in parallel.
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        name: String,
        source: String,
        source_crs: Crs,
        fields: Vec<String>,
        columns: Vec<Vec<AttrValue>>,
        geometries: Vec<Option<Geometry<f64>>>,
        source_index: Vec<u32>,
        feature_ids: Vec<Option<CompactString>>,
        role_overrides: &[(FieldRole, String)],
        warnings: Vec<LoadWarning>,
        skipped: usize,
    ) -> Layer {
        let (mut columns, mut geometries, mut source_index, mut feature_ids) =
            (columns, geometries, source_index, feature_ids);
        for c in &mut columns {
            c.shrink_to_fit();
        }
        geometries.shrink_to_fit();
        source_index.shrink_to_fit();
        feature_ids.shrink_to_fit();
        let roles = FieldRoles::detect(&fields, role_overrides);
        // Areas and boxes go straight into their columns, and the validity
        // problems into one byte a feature: a vector of all three together would
        // cost some fifty megabytes at a million parcels, on top of the layer.
        type Checked = (
            Vec<Option<Rect<f64>>>,
            Vec<Option<crate::validity::Problem>>,
        );
        let (area_m2, (envelopes, checked)): (Vec<f64>, Checked) = geometries
            .par_iter()
            .map(|g| match g {
                Some(g) => {
                    let area = ellipsoidal_area_m2(g);
                    (area, (g.bounding_rect(), crate::validity::problem(g, area)))
                }
                None => (0.0, (None, None)),
            })
            .unzip();
        let problems: Vec<(usize, crate::validity::Problem, f64)> = checked
            .into_iter()
            .enumerate()
            .filter_map(|(i, p)| Some((i, p?, area_m2.get(i).copied().unwrap_or(0.0))))
            .collect();
        let index = SpatialIndex::build(&envelopes);
        let mut layer = Layer {
            name,
            source,
            source_crs,
            fields,
            columns,
            geometries,
            source_index,
            feature_ids,
            roles,
            area_m2,
            class: Vec::new(),
            mixed: MixedColumn::default(),
            numeric_roles: Default::default(),
            envelopes,
            index,
            warnings,
            skipped,
        };
        layer.derive_role_columns();
        layer.warn_problems(&problems);
        layer.warn_duplicate_ids();
        layer
    }

    /// Warns of features whose polygons cross themselves or enclose nothing. Each is
    /// named up to a limit, then counted, so a file of a million broken parcels does
    /// not make a million messages.
    fn warn_problems(&mut self, problems: &[(usize, crate::validity::Problem, f64)]) {
        for &(i, p, area) in problems.iter().take(MAX_FEATURE_WARNINGS) {
            let w = LoadWarning {
                feature_index: Some(self.source_index.get(i).map_or(i, |&s| s as usize)),
                feature_id: Some(self.feature_id(i)),
                message: p.message(area),
            };
            self.warnings.push(w);
        }
        if problems.len() > MAX_FEATURE_WARNINGS {
            self.warnings.push(LoadWarning {
                feature_index: None,
                feature_id: None,
                message: format!(
                    "{} more features with self-intersecting or empty polygons",
                    problems.len() - MAX_FEATURE_WARNINGS
                ),
            });
        }
    }

    /// Warns once for each id that more than one feature carries: a selection or
    /// report by that id takes all of them.
    fn warn_duplicate_ids(&mut self) {
        let Some(col) = self.roles.id.and_then(|k| self.columns.get(k)) else {
            return;
        };
        // Rows are grouped by a hash of their id, sorted in parallel, and only rows
        // of one hash are compared as text. A hash map of a million ids would cost
        // some fifty megabytes and a sequential pass at the end of every load; this
        // costs twelve bytes a row. The ids that repeat come out sorted, each with
        // its rows in order, as the warnings list them.
        let hasher =
            std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default();
        let mut rows: Vec<(u64, u32)> = col
            .par_iter()
            .enumerate()
            .filter_map(|(i, v)| match v {
                AttrValue::Text(t) => Some((
                    std::hash::BuildHasher::hash_one(&hasher, t.as_str()),
                    i as u32,
                )),
                _ => None,
            })
            .collect();
        rows.par_sort_unstable();
        let text = |i: u32| match col.get(i as usize) {
            Some(AttrValue::Text(t)) => t.as_str(),
            _ => "",
        };
        let mut dups: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
        for run in rows.chunk_by(|a, b| a.0 == b.0) {
            if run.len() < 2 {
                continue;
            }
            // Different ids of one hash are told apart here.
            let mut by_text: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
            for &(_, i) in run {
                by_text.entry(text(i)).or_default().push(i as usize);
            }
            dups.extend(
                by_text
                    .into_iter()
                    .filter(|(_, features)| features.len() > 1),
            );
        }
        let field = self
            .roles
            .id
            .and_then(|k| self.fields.get(k))
            .cloned()
            .unwrap_or_default();
        let count = dups.len();
        let mut out: Vec<LoadWarning> = dups
            .into_iter()
            .take(MAX_FEATURE_WARNINGS)
            .map(|(id, features)| LoadWarning {
                feature_index: None,
                feature_id: None,
                message: format!(
                    "the id '{id}' ({field}) is used by {} features (#{}); selecting or reporting it takes all of them",
                    features.len(),
                    features
                        .iter()
                        .take(10)
                        .map(|f| self.source_index.get(*f).map_or(*f, |&s| s as usize).to_string())
                        .collect::<Vec<_>>()
                        .join(", #")
                ),
            })
            .collect();
        if count > MAX_FEATURE_WARNINGS {
            out.push(LoadWarning {
                feature_index: None,
                feature_id: None,
                message: format!(
                    "{} more ids are used more than once",
                    count - MAX_FEATURE_WARNINGS
                ),
            });
        }
        self.warnings.extend(out);
    }

    /// Re-derives everything that depends on field roles (land-use classes and the
    /// numeric indicator columns); call after changing `roles`.
    pub fn derive_role_columns(&mut self) {
        self.resolve_classes();
        let n = self.len();
        self.numeric_roles = NUMERIC_ROLES.map(|role| {
            match self.roles.get(role).and_then(|f| self.columns.get(f)) {
                Some(col) => col
                    .par_iter()
                    .map(|v| v.as_f64().unwrap_or(f64::NAN))
                    .collect(),
                None => vec![f64::NAN; n],
            }
        });
    }

    /// Re-reads the land-use column into resolved classes. Unknown codes get one
    /// summary warning each, and so does each mixed-use code, so that no parcel is
    /// filed under a class without saying so.
    fn resolve_classes(&mut self) {
        let table = LanduseTable::global();
        self.mixed = MixedColumn::default();
        let Some(col) = self.roles.landuse.and_then(|i| self.columns.get(i)) else {
            self.class = vec![None; self.len()];
            return;
        };
        // Each distinct value is resolved once: a layer of a million parcels holds a
        // few hundred distinct codes.
        let mut cache: std::collections::HashMap<String, (Option<ClassId>, Option<u32>)> =
            std::collections::HashMap::new();
        let mut codes: Vec<MixedCode> = Vec::new();
        let mut unknown: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
        let mut mixed_counts: Vec<(usize, usize)> = Vec::new();
        let mut classes = Vec::with_capacity(col.len());
        let mut of_feature: Vec<u32> = Vec::new();
        for (i, value) in col.iter().enumerate() {
            let text: Option<std::borrow::Cow<'_, str>> = match value {
                AttrValue::Null => None,
                AttrValue::Text(s) => Some(std::borrow::Cow::Borrowed(s.as_str())),
                other => other.to_text().map(std::borrow::Cow::Owned),
            };
            let (class, mixed) = match text.as_deref() {
                None => (None, None),
                Some(t) => match cache.get(t) {
                    Some(hit) => *hit,
                    None => {
                        let resolved = match table.resolve_value(t) {
                            LanduseValue::Unknown => (None, None),
                            LanduseValue::Single(r) => (Some(r.class), None),
                            LanduseValue::Mixed(m) => {
                                let dominant = m.dominant();
                                codes.push(m);
                                mixed_counts.push((0, i));
                                (dominant, Some((codes.len() - 1) as u32))
                            }
                        };
                        cache.insert(t.to_string(), resolved);
                        resolved
                    }
                },
            };
            if let Some(m) = mixed {
                if of_feature.is_empty() {
                    of_feature = vec![u32::MAX; col.len()];
                }
                if let Some(slot) = of_feature.get_mut(i) {
                    *slot = m;
                }
                if let Some(c) = mixed_counts.get_mut(m as usize) {
                    c.0 += 1;
                }
            } else if class.is_none()
                && let Some(text) = &text
                && !text.trim().is_empty()
            {
                let e = unknown.entry(text.to_string()).or_insert((0, i));
                e.0 += 1;
            }
            classes.push(class);
        }
        self.class = classes;
        for (code, (count, first)) in unknown {
            self.warnings.push(LoadWarning {
                feature_index: self.source_index.get(first).map(|&i| i as usize),
                feature_id: None,
                message: format!(
                    "land-use code '{code}' is not in the standard table ({count} feature(s)); kept as is and grouped under its own code"
                ),
            });
        }
        let mut found: Vec<(&MixedCode, usize, usize)> = codes
            .iter()
            .zip(&mixed_counts)
            .map(|(m, &(count, first))| (m, count, first))
            .collect();
        found.sort_by(|a, b| a.0.key.cmp(&b.0.key));
        for (m, count, first) in found {
            let dominant = m
                .dominant()
                .and_then(|c| table.class(c))
                .map(|c| format!("{} {}", c.code, c.name_zh));
            let unknown: Vec<&str> = m.unknown_parts().collect();
            let mut message = format!(
                "mixed land-use code '{}' (混合用地, {count} feature(s)): ",
                m.key
            );
            match dominant {
                Some(d) => message.push_str(&format!(
                    "counted under its dominant use {d} unless the balance lists mixed uses separately or splits them"
                )),
                None => message.push_str("its first use is not a known class, so it is grouped under its own code"),
            }
            if !unknown.is_empty() {
                message.push_str(&format!(
                    "; not in the standard table: {}",
                    unknown.join(", ")
                ));
            }
            self.warnings.push(LoadWarning {
                feature_index: self.source_index.get(first).map(|&i| i as usize),
                feature_id: None,
                message,
            });
        }
        self.mixed = MixedColumn { codes, of_feature };
    }

    pub fn len(&self) -> usize {
        self.geometries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.geometries.is_empty()
    }

    /// The value of `field` for feature `feature`, or `Null`.
    pub fn value(&self, feature: usize, field: usize) -> &AttrValue {
        self.columns
            .get(field)
            .and_then(|c| c.get(feature))
            .unwrap_or(&AttrValue::Null)
    }

    pub fn field_index(&self, name: &str) -> Option<usize> {
        let lower = name.trim().to_lowercase();
        self.fields
            .iter()
            .position(|f| f == name)
            .or_else(|| self.fields.iter().position(|f| f.to_lowercase() == lower))
    }

    /// The feature's identifier for output: the id field, else the GeoJSON `id`
    /// member, else its position in the source file.
    pub fn feature_id(&self, feature: usize) -> String {
        if let Some(text) = self.roles.id.and_then(|f| self.value(feature, f).to_text()) {
            return text;
        }
        if let Some(Some(id)) = self.feature_ids.get(feature) {
            return id.to_string();
        }
        self.source_index
            .get(feature)
            .map(|i| i.to_string())
            .unwrap_or_default()
    }

    /// The numeric value of the field that plays `role`, if present and numeric.
    pub fn role_f64(&self, feature: usize, role: FieldRole) -> Option<f64> {
        if let Some(k) = NUMERIC_ROLES.iter().position(|r| *r == role) {
            return self
                .numeric_roles
                .get(k)
                .and_then(|c| c.get(feature))
                .copied()
                .filter(|v| !v.is_nan());
        }
        self.roles
            .get(role)
            .and_then(|f| self.value(feature, f).as_f64())
    }

    /// Lon/lat bounding box of the whole layer.
    pub fn bbox(&self) -> Option<Rect<f64>> {
        self.envelopes.iter().flatten().copied().reduce(rect_union)
    }

    /// The lon/lat box of some of the features.
    pub fn bbox_of(&self, features: &[usize]) -> Option<Rect<f64>> {
        features
            .iter()
            .filter_map(|&i| self.envelopes.get(i).copied().flatten())
            .reduce(rect_union)
    }

    /// Counts of geometry types, sorted by name.
    pub fn geometry_type_counts(&self) -> Vec<(&'static str, usize)> {
        let mut counts: std::collections::BTreeMap<&'static str, usize> = Default::default();
        for g in &self.geometries {
            *counts.entry(geometry_type_name(g.as_ref())).or_default() += 1;
        }
        counts.into_iter().collect()
    }
}

/// The GeoJSON name of a geometry's type; `"null"` for no geometry.
pub fn geometry_type_name(g: Option<&Geometry<f64>>) -> &'static str {
    match g {
        None => "null",
        Some(Geometry::Point(_)) => "Point",
        Some(Geometry::MultiPoint(_)) => "MultiPoint",
        Some(Geometry::LineString(_)) | Some(Geometry::Line(_)) => "LineString",
        Some(Geometry::MultiLineString(_)) => "MultiLineString",
        Some(Geometry::Polygon(_)) | Some(Geometry::Rect(_)) | Some(Geometry::Triangle(_)) => {
            "Polygon"
        }
        Some(Geometry::MultiPolygon(_)) => "MultiPolygon",
        Some(Geometry::GeometryCollection(_)) => "GeometryCollection",
    }
}
