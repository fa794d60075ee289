//! Project files: a title, layers in drawing order with their styles, the offline
//! basemap's sources and named views. JSON, versioned (`"version": 1`), with layer
//! paths relative to the project file.
//!
//! A layer that cannot be loaded does not stop the project from opening: it is kept
//! with its error, so the app can mark it and say why.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::io::{LoadControl, LoadOptions, load_path};
use crate::model::Layer;
use crate::render::{Basemap, BasemapKind};

pub const FORMAT: &str = "parcelview-project";
pub const VERSION: u32 = 1;

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
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub standard: Option<String>,
    #[serde(default)]
    pub fill: Option<String>,
    #[serde(default)]
    pub stroke: Option<String>,
    #[serde(default)]
    pub width: Option<f32>,
    #[serde(default)]
    pub dash: bool,
    #[serde(default)]
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerSpec {
    pub name: String,
    pub path: String,
    #[serde(default = "yes")]
    pub visible: bool,
    #[serde(default)]
    pub opacity: Option<f32>,
    /// `basemap` for layers drawn into the offline basemap rather than as overlays.
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub style: StyleSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViewSpec {
    pub name: String,
    #[serde(default)]
    pub name_en: Option<String>,
    /// West, south, east, north in degrees.
    pub bbox: [f64; 4],
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectFile {
    pub format: String,
    pub version: u32,
    pub title: String,
    #[serde(default)]
    pub title_en: Option<String>,
    #[serde(default)]
    pub basemap: BasemapSpec,
    pub layers: Vec<LayerSpec>,
    #[serde(default)]
    pub views: Vec<ViewSpec>,
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
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| path.display().to_string());
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
}

impl Project {
    /// Opens a project file and loads its layers (in parallel).
    pub fn open(path: &Path) -> Result<Project, ProjectError> {
        let shown = path.display().to_string();
        let text = std::fs::read(path).map_err(|source| ProjectError::Io {
            path: shown.clone(),
            source,
        })?;
        let file: ProjectFile =
            serde_json::from_slice(&text).map_err(|e| ProjectError::Format {
                path: shown.clone(),
                reason: e.to_string(),
            })?;
        if file.format != FORMAT {
            return Err(ProjectError::Format {
                path: shown,
                reason: format!("'format' is '{}', expected '{FORMAT}'", file.format),
            });
        }
        if file.version > VERSION {
            return Err(ProjectError::TooNew {
                path: shown,
                version: file.version,
            });
        }
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let layers = file
            .layers
            .par_iter()
            .map(|spec| {
                let p = dir.join(&spec.path);
                let options = LoadOptions {
                    name: Some(spec.name.clone()),
                    ..Default::default()
                };
                let data =
                    load_path(&p, &options, LoadControl::default()).map_err(|e| e.to_string());
                ProjectLayer {
                    spec: spec.clone(),
                    path: p,
                    data,
                }
            })
            .collect();
        Ok(Project {
            path: Some(path.to_path_buf()),
            file,
            layers,
        })
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
        Project {
            path: None,
            file: ProjectFile {
                format: FORMAT.into(),
                version: VERSION,
                title: "parcelview".into(),
                title_en: None,
                basemap: BasemapSpec::default(),
                layers: layers.iter().map(|l| l.spec.clone()).collect(),
                views: Vec::new(),
            },
            layers,
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

/// Whether a file is a project file (rather than GeoJSON): its first kilobytes name
/// the project format.
pub fn is_project_file(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 4096];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    String::from_utf8_lossy(&head[..n]).contains(FORMAT)
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
        assert_eq!(p.file.version, 1);
        assert!(p.layers.len() >= 7);
        for l in &p.layers {
            assert!(
                l.data.is_ok(),
                "{}: {:?}",
                l.spec.name,
                l.data.as_ref().err()
            );
        }
        assert!(p.file.views.iter().any(|v| v.name == "全区"));
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
