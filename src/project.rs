//! Project files: a title, layers in drawing order with their styles, the offline
//! basemap's sources, bookmarks (saved views that are also the briefing's slides)
//! and named selections. JSON, versioned (`"version": 2`), with layer paths relative
//! to the project file.
//!
//! Older files keep opening: [`migrate`] lifts a file's JSON one version at a time
//! before it is read (version 1 had named `views`, which become bookmarks). Keys
//! this version does not know are kept and written back, so a file made by a newer
//! parcelview loses nothing when an older one saves it.
//!
//! A layer that cannot be loaded does not stop the project from opening: it is kept
//! with its error, so the app can mark it and say why. A layer path that leaves the
//! project's folder (absolute, or through `..`) is allowed, since shared data often
//! lives elsewhere, but always reported, so a project file cannot make parcelview
//! read files the planner did not expect.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::io::{LoadControl, LoadOptions, load_path};
use crate::model::Layer;
use crate::render::{Basemap, BasemapKind};

pub const FORMAT: &str = "parcelview-project";
pub const VERSION: u32 = 2;

#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: not a parcelview project: {reason}")]
    Format { path: String, reason: String },
    #[error(
        "{path}: project version {version} is newer than this parcelview understands ({VERSION})"
    )]
    TooNew { path: String, version: u32 },
    #[error("{path}: cannot save the project: {reason}")]
    Save { path: String, reason: String },
}

fn yes() -> bool {
    true
}

/// How a layer is drawn.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StyleSpec {
    /// `landuse` (fill by land-use class), `single` (one colour), `outline`,
    /// `symbols` (point symbols by a field), `category` (colours by a field's values).
    #[serde(default)]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fill: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stroke: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<f32>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub dash: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerSpec {
    pub name: String,
    pub path: String,
    #[serde(default = "yes")]
    pub visible: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opacity: Option<f32>,
    /// `basemap` for layers drawn into the offline basemap rather than as overlays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default)]
    pub style: StyleSpec,
    /// The table to read from a multi-layer file (a GeoPackage's layer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// The attributes' text encoding when the file does not say (`GBK`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// The coordinates' CRS when the file does not say, or says wrongly
    /// (`GCJ02` for AMap and DataV downloads, `EPSG:4549`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crs: Option<String>,
}

impl LayerSpec {
    /// How to load this layer's file. The one place a project's layer becomes
    /// load options, so that a layer name for a GeoPackage, an encoding and a CRS
    /// such as GCJ02 kept in the project file reach the reader here.
    pub fn load_options(&self) -> Result<LoadOptions, String> {
        let crs_override = match &self.crs {
            Some(text) => Some(
                crate::crs::Crs::parse(text)
                    .map_err(|e| format!("{}: crs '{text}': {e}", self.name))?,
            ),
            None => None,
        };
        Ok(LoadOptions {
            name: Some(self.name.clone()),
            layer: self.layer.clone(),
            encoding: self.encoding.clone(),
            crs_override,
            ..Default::default()
        })
    }
}

/// Features of a layer, by id (or by an expression, evaluated when applied).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SelectionSpec {
    /// The layer's name.
    pub layer: String,
    /// Feature ids, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
    /// An attribute expression (see [`crate::expr`]), for selections that should
    /// follow the data.
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub where_: Option<String>,
}

/// Two layers shown side by side with a swipe line: `left` left of the line,
/// `right` right of it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CompareSpec {
    pub left: String,
    pub right: String,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A saved view: its extent, what is shown and highlighted, a title and a caption.
/// Bookmarks in order are the briefing's slides.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Bookmark {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub caption: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption_en: Option<String>,
    /// West, south, east, north in degrees.
    pub bbox: [f64; 4],
    /// The names of the layers shown; empty leaves visibility as it is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<String>,
    /// The highlighted selection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<SelectionSpec>,
    /// Show the selection's statistics over the map (briefing).
    #[serde(default, skip_serializing_if = "is_false")]
    pub show_stats: bool,
    /// Dim everything but the selection (briefing).
    #[serde(default, skip_serializing_if = "is_false")]
    pub spotlight: bool,
    /// Compare two layers with a swipe line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare: Option<CompareSpec>,
}

impl Bookmark {
    /// The title in a language, falling back to Chinese.
    pub fn title_in(&self, chinese: bool) -> &str {
        match (&self.title_en, chinese) {
            (Some(t), false) if !t.is_empty() => t,
            _ => &self.title,
        }
    }

    /// The caption in a language, falling back to Chinese.
    pub fn caption_in(&self, chinese: bool) -> &str {
        match (&self.caption_en, chinese) {
            (Some(t), false) if !t.is_empty() => t,
            _ => &self.caption,
        }
    }
}

/// A selection kept under a name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NamedSelection {
    pub name: String,
    #[serde(flatten)]
    pub selection: SelectionSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BasemapSpec {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub variant: String,
    /// File stems of the layers the offline basemap is drawn from.
    #[serde(default)]
    pub sources: Vec<String>,
}

/// Which layers make up the land-use balance (用地平衡表): the plan (规划) and,
/// where the project has one, the present state (现状), each a list of layer names
/// whose land-use-coded polygons together cover the planning area, and the layer
/// that outlines that area (规划范围), against which the totals are checked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BalanceSpec {
    #[serde(default)]
    pub plan: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub present: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<String>,
}

impl BalanceSpec {
    pub fn is_empty(&self) -> bool {
        self.plan.is_empty() && self.present.is_empty() && self.boundary.is_none()
    }
}

/// The airport of the clearance check (净空): the layer holding its runway, the
/// field and value that mark the runway there, and the aerodrome elevation the
/// obstacle limitation surfaces and the parcels' 限高 count from. Every key is
/// optional: without them the runway is the first feature 类型 = 跑道 of any
/// layer, and the elevation 0.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AirportSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runway_field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runway_value: Option<String>,
    /// Metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elevation_m: Option<f64>,
}

impl AirportSpec {
    pub fn is_empty(&self) -> bool {
        self == &AirportSpec::default()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectFile {
    pub format: String,
    pub version: u32,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Who prepared the plan (编制单位), for the reports' title blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation_en: Option<String>,
    /// Where the plan's data come from (数据来源), for the title blocks; without
    /// it they name the reported layer's file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_en: Option<String>,
    /// A disclaimer the reports print in their title blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disclaimer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disclaimer_en: Option<String>,
    #[serde(default)]
    pub basemap: BasemapSpec,
    pub layers: Vec<LayerSpec>,
    #[serde(default)]
    pub bookmarks: Vec<Bookmark>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub selections: Vec<NamedSelection>,
    /// The layers of the land-use balance; when empty, the layers styled by land
    /// use form the plan and there is no present state.
    #[serde(default, skip_serializing_if = "BalanceSpec::is_empty")]
    pub balance: BalanceSpec,
    /// The airport of the clearance check; absent in projects without one.
    #[serde(default, skip_serializing_if = "AirportSpec::is_empty")]
    pub airport: AirportSpec,
    /// Keys this version does not know, kept as they were.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl ProjectFile {
    /// The title in a language, falling back to Chinese.
    pub fn title_in(&self, chinese: bool) -> &str {
        match (&self.title_en, chinese) {
            (Some(t), false) if !t.is_empty() => t,
            _ => &self.title,
        }
    }

    /// What the project gives a report's title block: 编制单位 and the
    /// disclaimer, in a language (falling back to Chinese).
    pub fn sheet_info(&self, chinese: bool) -> crate::render::map_image::SheetInfo {
        let pick = |zh: &Option<String>, en: &Option<String>| match (chinese, en) {
            (false, Some(t)) if !t.is_empty() => Some(t.clone()),
            _ => zh.clone().filter(|t| !t.is_empty()),
        };
        crate::render::map_image::SheetInfo {
            organisation: pick(&self.organisation, &self.organisation_en).unwrap_or_default(),
            disclaimer: pick(&self.disclaimer, &self.disclaimer_en),
            source: pick(&self.source, &self.source_en).unwrap_or_default(),
            ..Default::default()
        }
    }

    /// An empty project of the current version.
    pub fn new(title: &str) -> ProjectFile {
        ProjectFile {
            format: FORMAT.into(),
            version: VERSION,
            title: title.into(),
            title_en: None,
            description: None,
            organisation: None,
            organisation_en: None,
            source: None,
            source_en: None,
            disclaimer: None,
            disclaimer_en: None,
            basemap: BasemapSpec::default(),
            layers: Vec::new(),
            bookmarks: Vec::new(),
            selections: Vec::new(),
            balance: BalanceSpec::default(),
            airport: AirportSpec::default(),
            extra: BTreeMap::new(),
        }
    }

    /// Reads a project file's JSON of any version up to this one, migrating older
    /// versions. Returns the file and what the migration changed.
    pub fn from_json(
        bytes: &[u8],
        shown: &str,
    ) -> Result<(ProjectFile, Vec<String>), ProjectError> {
        let format_err = |reason: String| ProjectError::Format {
            path: shown.to_string(),
            reason,
        };
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| format_err(e.to_string()))?;
        ProjectFile::from_value(value, shown)
    }

    /// [`ProjectFile::from_json`] of JSON already parsed.
    pub fn from_value(
        value: serde_json::Value,
        shown: &str,
    ) -> Result<(ProjectFile, Vec<String>), ProjectError> {
        let format_err = |reason: String| ProjectError::Format {
            path: shown.to_string(),
            reason,
        };
        let format = value.get("format").and_then(|f| f.as_str()).unwrap_or("");
        if format != FORMAT {
            return Err(format_err(format!(
                "'format' is '{format}', expected '{FORMAT}'"
            )));
        }
        let version = value
            .get("version")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| format_err("'version' is missing or not a whole number".into()))?;
        if version > u64::from(VERSION) {
            return Err(ProjectError::TooNew {
                path: shown.to_string(),
                version: u32::try_from(version).unwrap_or(u32::MAX),
            });
        }
        let (value, notes) = migrate(value).map_err(format_err)?;
        let file: ProjectFile =
            serde_json::from_value(value).map_err(|e| format_err(e.to_string()))?;
        Ok((file, notes))
    }

    /// The file as pretty JSON, ending in a newline.
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut out = serde_json::to_vec_pretty(self)?;
        out.push(b'\n');
        Ok(out)
    }

    /// Writes the file atomically: a crash or full disk mid-save leaves the old file.
    pub fn save(&self, path: &Path) -> Result<(), ProjectError> {
        let shown = path.display().to_string();
        let bytes = self.to_json().map_err(|e| ProjectError::Save {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        crate::io::atomic_write(path, |w| w.write_all(&bytes)).map_err(|e| ProjectError::Save {
            path: shown,
            reason: e.to_string(),
        })
    }
}

/// Lifts a project file's JSON to the current version, one version at a time, and
/// says what changed. Each step is small and kept forever, so any old file opens.
pub fn migrate(mut value: serde_json::Value) -> Result<(serde_json::Value, Vec<String>), String> {
    use serde_json::{Value, json};
    let mut notes = Vec::new();
    let Some(obj) = value.as_object_mut() else {
        return Err("the project is not a JSON object".into());
    };
    let mut version = obj.get("version").and_then(Value::as_u64).unwrap_or(1);
    if version < 1 {
        return Err(format!("version {version} was never written"));
    }
    if version == 1 {
        // Version 1 had named views (name, name_en, bbox); version 2 has bookmarks,
        // which also carry captions, layers and selections.
        let views = obj.remove("views").unwrap_or(Value::Array(Vec::new()));
        let mut bookmarks = Vec::new();
        for v in views.as_array().into_iter().flatten() {
            let mut b = json!({
                "title": v.get("name").cloned().unwrap_or(json!("")),
                "bbox": v.get("bbox").cloned().unwrap_or(Value::Null),
            });
            if let (Some(en), Some(map)) = (v.get("name_en"), b.as_object_mut()) {
                map.insert("title_en".into(), en.clone());
            }
            bookmarks.push(b);
        }
        notes.push(format!(
            "version 1 → 2: {} named views became bookmarks",
            bookmarks.len()
        ));
        obj.insert("bookmarks".into(), Value::Array(bookmarks));
        version = 2;
        obj.insert("version".into(), json!(version));
    }
    Ok((value, notes))
}

/// `path` relative to the folder `base`, when both are absolute on the same root;
/// otherwise `path` as it is. Written by hand: it is a dozen lines of component
/// matching, which no small crate does better.
pub fn relative_path(path: &Path, base: &Path) -> PathBuf {
    // A database address is not a path in any folder.
    if crate::sources::postgis::is_address_path(path) {
        return path.to_path_buf();
    }
    let (Ok(path), Ok(base)) = (std::path::absolute(path), std::path::absolute(base)) else {
        return path.to_path_buf();
    };
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    if p.first() != b.first() {
        return path;
    }
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in p.iter().skip(common) {
        out.push(c.as_os_str());
    }
    out
}

/// Whether a layer path written in a project leaves the project's folder: an
/// absolute path, or one that climbs out with `..`.
pub fn escapes_folder(path: &str) -> bool {
    if crate::sources::postgis::is_address(path) {
        return false;
    }
    let p = Path::new(path);
    if p.is_absolute() || path.starts_with('/') || path.starts_with('\\') {
        return true;
    }
    let mut depth: i64 = 0;
    for c in p.components() {
        match c {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::Prefix(_) | Component::RootDir => return true,
            Component::CurDir => {}
        }
        if depth < 0 {
            return true;
        }
    }
    false
}

/// The recovery file the app writes while a project is open and removes when it
/// closes cleanly: if it is there at the next start, the last session ended in a
/// crash, and the planner is offered its state back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recovery {
    /// The project file the state came from, if it had been saved.
    pub project_path: Option<PathBuf>,
    /// Seconds since 1970 when the state was written.
    pub saved_at: u64,
    /// The project, with absolute layer paths.
    pub project: ProjectFile,
}

impl Recovery {
    pub fn read(path: &Path) -> Result<Recovery, ProjectError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| ProjectError::Io {
            path: shown.clone(),
            source,
        })?;
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| ProjectError::Format {
                path: shown.clone(),
                reason: e.to_string(),
            })?;
        let project_value = value.get("project").cloned().unwrap_or_default();
        let (project, _) = ProjectFile::from_value(project_value, &shown)?;
        Ok(Recovery {
            project_path: value
                .get("project_path")
                .and_then(|p| p.as_str())
                .map(PathBuf::from),
            saved_at: value.get("saved_at").and_then(|s| s.as_u64()).unwrap_or(0),
            project,
        })
    }

    pub fn write(&self, path: &Path) -> Result<(), ProjectError> {
        let shown = path.display().to_string();
        let bytes = serde_json::to_vec(self).map_err(|e| ProjectError::Save {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        crate::io::atomic_write(path, |w| w.write_all(&bytes)).map_err(|e| ProjectError::Save {
            path: shown,
            reason: e.to_string(),
        })
    }
}

/// A layer of an open project: its spec and the loaded data or why it failed.
pub struct ProjectLayer {
    pub spec: LayerSpec,
    pub path: PathBuf,
    pub data: Result<Layer, String>,
}

impl ProjectLayer {
    /// A layer for a GeoJSON file opened directly (not through a project): named
    /// after the file, styled by land use where it has a land-use field, else in one
    /// colour.
    pub fn from_file(path: &Path, data: Result<Layer, String>) -> ProjectLayer {
        let kind = match &data {
            Ok(l) if l.roles.landuse.is_some() => "landuse",
            _ => "single",
        };
        let address = path
            .to_str()
            .and_then(|t| crate::sources::postgis::Address::parse(t).ok());
        let name = match &address {
            Some(a) => a.layer_name(),
            None => path
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_else(|| path.display().to_string()),
        };
        ProjectLayer {
            spec: LayerSpec {
                name,
                path: path.display().to_string(),
                visible: true,
                opacity: None,
                role: None,
                style: StyleSpec {
                    kind: kind.into(),
                    ..Default::default()
                },
                layer: None,
                encoding: None,
                crs: None,
            },
            path: path.to_path_buf(),
            data,
        }
    }
}

/// An open project.
pub struct Project {
    pub path: Option<PathBuf>,
    pub file: ProjectFile,
    pub layers: Vec<ProjectLayer>,
    /// What opening it noticed: migrations, layers read from outside its folder.
    pub notes: Vec<String>,
}

/// What a project's live table holds in place of loaded data: the window opens
/// it live, and the commands take its address (a live table is never loaded
/// whole with its project).
pub const LIVE_NOT_LOADED: &str = "a live table (mode=live) is not loaded with its project: the window queries it per view, and the commands take its address";

/// Whether a layer's path is a database address in live mode.
pub fn is_live_address(path: &str) -> bool {
    crate::sources::postgis::is_address(path)
        && crate::sources::postgis::Address::parse(path.trim())
            .is_ok_and(|a| a.mode == crate::sources::postgis::Mode::Live)
}

impl Project {
    /// Opens a project file and loads its layers (in parallel).
    pub fn open(path: &Path) -> Result<Project, ProjectError> {
        let shown = path.display().to_string();
        let text = std::fs::read(path).map_err(|source| ProjectError::Io {
            path: shown.clone(),
            source,
        })?;
        let (file, notes) = ProjectFile::from_json(&text, &shown)?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(Project::load(file, &dir, Some(path.to_path_buf()), notes))
    }

    /// Loads the layers of a project file whose paths are relative to `dir` (in
    /// parallel), noting layers read from outside that folder.
    pub fn load(
        file: ProjectFile,
        dir: &Path,
        path: Option<PathBuf>,
        mut notes: Vec<String>,
    ) -> Project {
        let shown = path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| file.title.clone());
        for spec in &file.layers {
            if escapes_folder(&spec.path) {
                notes.push(format!(
                    "{shown}: the layer '{}' is read from outside the project's folder: {}",
                    spec.name, spec.path
                ));
            }
        }
        let layers = file
            .layers
            .par_iter()
            .map(|spec| {
                let p = if crate::sources::postgis::is_address(&spec.path) {
                    PathBuf::from(spec.path.trim())
                } else {
                    dir.join(&spec.path)
                };
                let data = if is_live_address(&spec.path) {
                    Err(LIVE_NOT_LOADED.to_string())
                } else {
                    spec.load_options().and_then(|options| {
                        load_path(&p, &options, LoadControl::default()).map_err(|e| e.to_string())
                    })
                };
                ProjectLayer {
                    spec: spec.clone(),
                    path: p,
                    data,
                }
            })
            .collect();
        Project {
            path,
            file,
            layers,
            notes,
        }
    }

    /// A project for GeoJSON files opened directly: each file a layer, styled by
    /// land use where it has a land-use field.
    pub fn from_files(paths: &[PathBuf]) -> Project {
        let layers: Vec<ProjectLayer> = paths
            .par_iter()
            .map(|p| {
                let data = load_path(p, &LoadOptions::default(), LoadControl::default())
                    .map_err(|e| e.to_string());
                ProjectLayer::from_file(p, data)
            })
            .collect();
        let mut file = ProjectFile::new("parcelview");
        file.layers = layers.iter().map(|l| l.spec.clone()).collect();
        Project {
            path: None,
            file,
            layers,
            notes: Vec::new(),
        }
    }

    /// The offline basemap drawn from the layers the project names as its sources
    /// (by file stem: `water`, `roads`, `boundary`).
    pub fn offline_basemap(&self) -> Basemap {
        let mut inputs: Vec<(BasemapKind, &Layer)> = Vec::new();
        for l in &self.layers {
            let stem = l
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default();
            if !self.file.basemap.sources.contains(&stem) {
                continue;
            }
            let kind = match stem.as_str() {
                "water" => BasemapKind::Water,
                "roads" => BasemapKind::Road,
                "boundary" => BasemapKind::Outline,
                _ => continue,
            };
            if let Ok(data) = &l.data {
                inputs.push((kind, data));
            }
        }
        Basemap::from_layers(&inputs)
    }

    /// The lon/lat box of every loaded layer.
    pub fn bbox(&self) -> Option<geo::Rect<f64>> {
        self.layers
            .iter()
            .filter_map(|l| l.data.as_ref().ok().and_then(|d| d.bbox()))
            .reduce(|a, b| {
                geo::Rect::new(
                    geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                    geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
                )
            })
    }
}

/// The layers of a project's land-use balance, found by name.
pub struct BalanceLayers<'a> {
    pub plan: Vec<&'a Layer>,
    pub present: Vec<&'a Layer>,
    pub boundary: Option<&'a Layer>,
    /// Layers the project names for its balance that are missing or failed to load
    /// (their names), so a table that lacks them says so.
    pub missing: Vec<String>,
}

/// Finds the layers of a project's balance among `layers` (name, style kind and
/// data, `None` when the layer failed to load). Without a `balance` member, the
/// layers styled by land use form the plan, those among them whose name holds
/// 现状 the present state.
pub fn balance_layers<'a>(
    spec: &BalanceSpec,
    layers: &[(&str, &str, Option<&'a Layer>)],
) -> BalanceLayers<'a> {
    let mut missing = Vec::new();
    let mut find = |names: &[String]| -> Vec<&'a Layer> {
        names
            .iter()
            .filter_map(|n| match layers.iter().find(|(name, _, _)| name == n) {
                Some((_, _, Some(l))) => Some(*l),
                _ => {
                    missing.push(n.clone());
                    None
                }
            })
            .collect()
    };
    if spec.is_empty() {
        let styled = |present: bool| -> Vec<&'a Layer> {
            layers
                .iter()
                .filter(|(name, kind, _)| *kind == "landuse" && name.contains("现状") == present)
                .filter_map(|(_, _, l)| *l)
                .collect()
        };
        return BalanceLayers {
            plan: styled(false),
            present: styled(true),
            boundary: None,
            missing,
        };
    }
    let plan = find(&spec.plan);
    let present = find(&spec.present);
    let boundary = spec
        .boundary
        .as_ref()
        .and_then(|b| find(std::slice::from_ref(b)).into_iter().next());
    BalanceLayers {
        plan,
        present,
        boundary,
        missing,
    }
}

/// A project's land-use balance: the plan's table, the present state's, and the
/// printed table with both.
pub struct ProjectBalance {
    pub plan: crate::stats::StatsTable,
    pub present: Option<crate::stats::StatsTable>,
    pub table: crate::stats::BalanceTable,
}

/// Computes the balance of a project's plan and present state, grouped by
/// `grouping` with rows at `level` (1–3), areas by `method`. `features_of` picks
/// each layer's features (`None`: all of them), so a bounding box or expression
/// can narrow every layer alike.
pub fn project_balance(
    layers: &BalanceLayers<'_>,
    grouping: &crate::stats::Grouping,
    level: u8,
    method: crate::stats::AreaMethod,
    options: &crate::stats::StatsOptions,
    features_of: &dyn Fn(&Layer) -> Option<Vec<usize>>,
) -> Result<ProjectBalance, crate::crs::CrsError> {
    use crate::stats::{Part, feature_areas, stats_of};
    type Prepared<'a> = (&'a Layer, std::borrow::Cow<'a, [f64]>, Option<Vec<usize>>);
    fn prepare<'a>(
        set: &[&'a Layer],
        method: crate::stats::AreaMethod,
        features_of: &dyn Fn(&Layer) -> Option<Vec<usize>>,
    ) -> Result<Vec<Prepared<'a>>, crate::crs::CrsError> {
        set.iter()
            .map(|l| Ok((*l, feature_areas(l, method)?, features_of(l))))
            .collect()
    }
    fn parts_of<'a>(prepared: &'a [Prepared<'a>]) -> Vec<Part<'a>> {
        prepared
            .iter()
            .map(|(layer, areas, features)| Part {
                layer,
                features: features.as_deref(),
                areas_m2: areas,
            })
            .collect()
    }
    let plan_prepared = prepare(&layers.plan, method, features_of)?;
    let plan = stats_of(&parts_of(&plan_prepared), grouping, level, method, options);
    let present = if layers.present.is_empty() {
        None
    } else {
        let prepared = prepare(&layers.present, method, features_of)?;
        Some(stats_of(
            &parts_of(&prepared),
            grouping,
            level,
            method,
            options,
        ))
    };
    let planning_area_m2 = match layers.boundary {
        Some(b) => Some(feature_areas(b, method)?.iter().sum::<f64>()),
        None => None,
    };
    let mut table =
        crate::stats::BalanceTable::new(&plan, present.as_ref(), level, planning_area_m2);
    if table.standard == "gtkj2023" {
        table.title = "规划用地平衡表".into();
        table.title_en = "Land-use balance of the plan".into();
    }
    if !layers.missing.is_empty() {
        table.notes.push(format!(
            "平衡表缺少未能读取的图层：{}",
            layers.missing.join("、")
        ));
        table.notes_en.push(format!(
            "Layers of the balance that could not be read are left out: {}",
            layers.missing.join(", ")
        ));
    }
    Ok(ProjectBalance {
        plan,
        present,
        table,
    })
}

impl Project {
    /// The layers of this project's balance.
    pub fn balance_layers(&self) -> BalanceLayers<'_> {
        let layers: Vec<(&str, &str, Option<&Layer>)> = self
            .layers
            .iter()
            .map(|l| {
                (
                    l.spec.name.as_str(),
                    l.spec.style.kind.as_str(),
                    l.data.as_ref().ok(),
                )
            })
            .collect();
        balance_layers(&self.file.balance, &layers)
    }
}

/// The features a saved selection names, in one of `layers` (by name): by ids (an
/// id that no feature has is left out and reported) or by expression. Returns the
/// layer's index, the features (ascending) and what could not be matched.
pub fn resolve_selection(
    spec: &SelectionSpec,
    layers: &[(&str, &Layer)],
) -> Result<(usize, Vec<usize>, Vec<String>), String> {
    let (li, layer) = layers
        .iter()
        .enumerate()
        .find(|(_, (name, _))| *name == spec.layer)
        .map(|(i, (_, l))| (i, *l))
        .ok_or_else(|| format!("no layer named '{}'", spec.layer))?;
    let mut features = Vec::new();
    let mut missing = Vec::new();
    if !spec.ids.is_empty() {
        let wanted: std::collections::BTreeSet<&str> =
            spec.ids.iter().map(String::as_str).collect();
        let mut found = std::collections::BTreeSet::new();
        for i in 0..layer.len() {
            let id = layer.feature_id(i);
            if wanted.contains(id.as_str()) {
                features.push(i);
                found.insert(id);
            }
        }
        missing = wanted
            .iter()
            .filter(|id| !found.contains(**id))
            .map(|id| id.to_string())
            .collect();
    }
    if let Some(text) = &spec.where_ {
        let hits =
            crate::expr::select_where(layer, text).map_err(|e| format!("{}: {e}", spec.layer))?;
        features.extend(hits);
    }
    features.sort_unstable();
    features.dedup();
    Ok((li, features, missing))
}

/// Whether a file is a project file (rather than GeoJSON): its first kilobytes name
/// the project format.
pub fn is_project_file(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 4096];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    String::from_utf8_lossy(head.get(..n).unwrap_or_default()).contains(FORMAT)
}

/// The bundled project's file, relative to the crate (used when parcelview starts
/// without arguments from the source tree).
pub fn bundled_project_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("maps")
        .join("airport-city.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_project_opens_with_all_layers() {
        let p = Project::open(&bundled_project_path()).unwrap();
        assert_eq!(p.file.version, VERSION);
        assert!(p.layers.len() >= 7);
        for l in &p.layers {
            assert!(
                l.data.is_ok(),
                "{}: {:?}",
                l.spec.name,
                l.data.as_ref().err()
            );
        }
        assert!(
            p.file
                .bookmarks
                .iter()
                .any(|v| v.title == "光伏新能源产业园")
        );
    }

    #[test]
    fn missing_layer_keeps_the_project_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        std::fs::write(
            &path,
            r#"{"format":"parcelview-project","version":1,"title":"t","layers":[{"name":"gone","path":"gone.geojson"}]}"#,
        )
        .unwrap();
        let p = Project::open(&path).unwrap();
        let err = p.layers[0].data.as_ref().err().unwrap();
        assert!(err.contains("gone.geojson"), "{err}");
        std::fs::write(
            &path,
            r#"{"format":"parcelview-project","version":9,"title":"t","layers":[]}"#,
        )
        .unwrap();
        assert!(matches!(
            Project::open(&path),
            Err(ProjectError::TooNew { .. })
        ));
    }
}
