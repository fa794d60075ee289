//! The formats planners' files come in, behind one reader interface.
//!
//! Every reader has the signature of [`ReadFn`]: it opens its file, streams the
//! features into the shared [`LayerBuilder`] (which applies the same field
//! columns, skip-and-warn rules, CRS handling and reprojection to all of them) and
//! says which CRS the file declares. [`load_path`] chooses the reader by the file's
//! extension, then by its first bytes, so the window, projects and the CLI open
//! every format through the same call.
//!
//! | format | extensions | reader |
//! | --- | --- | --- |
//! | GeoJSON | .geojson .json | [`crate::io::geojson`] (streamed, parsed in parallel) |
//! | ESRI Shapefile | .shp (+ .shx .dbf .prj .cpg) | [`shapefile`] |
//! | GeoPackage | .gpkg | [`gpkg`] (rusqlite, [`wkb`]) |
//! | FlatGeobuf | .fgb | [`fgb`] |
//! | KML / KMZ | .kml .kmz | [`kml`] |
//! | CSV | .csv .txt | [`csv`] (a WKT column, or lon/lat or X/Y columns) |
//! | PostGIS | `postgresql://USER@HOST:PORT/DB?layer=SCHEMA.TABLE` | [`postgis`] |
//!
//! The writers for selections (`report … --out X.gpkg|X.shp|X.fgb|X.kml`) live
//! beside their readers and are reached through [`export_features`].

pub mod builder;
pub mod csv;
pub mod fgb;
pub mod gcj02;
pub mod gpkg;
pub mod kml;
pub mod postgis;
pub mod shapefile;
pub mod wkb;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use geo::Rect;

pub use builder::{FileCrs, LayerBuilder};

use crate::crs::{Crs, CrsError};
use crate::io::scan::Position;
use crate::model::{AttrValue, FieldRole, Layer, format_float};

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
    /// The file's first bytes are not those of the format its extension names.
    #[error("{path}: not a {format} file: {reason}")]
    NotFormat {
        path: String,
        format: &'static str,
        reason: String,
    },
    /// A file the format needs beside this one (a Shapefile's `.dbf`) is missing.
    #[error(
        "{path}: the {format} has no {sidecar} beside it; copy all of its files (.shp, .shx, .dbf, .prj, .cpg) together"
    )]
    MissingSidecar {
        path: String,
        format: &'static str,
        sidecar: String,
    },
    /// The file ends before its own header or index says it should.
    #[error("{path}: the file is truncated: {reason}")]
    Truncated {
        path: String,
        format: &'static str,
        reason: String,
    },
    /// `--layer NAME` names no layer of a multi-layer file.
    #[error("{path}: no layer named '{layer}' (the layers are: {})", available.join(", "))]
    NoSuchLayer {
        path: String,
        layer: String,
        available: Vec<String>,
    },
    /// A GeoPackage without any feature layer (tiles only, or empty).
    #[error("{path}: the GeoPackage has no feature layers")]
    NoLayers { path: String },
    /// `--encoding` (or a project's `encoding`) names no known text encoding.
    #[error("{path}: unknown text encoding '{encoding}' (use GBK, GB18030, UTF-8, Big5, …)")]
    UnknownEncoding { path: String, encoding: String },
    /// A GeoPackage that SQLite cannot read, or that lacks its required tables.
    #[error("{path}: cannot read the GeoPackage: {reason}")]
    Database { path: String, reason: String },
    /// A CSV table without geometry columns.
    #[error(
        "{path}: no geometry columns found (looked for wkt or geometry, lon/lng/经度 with lat/纬度, x with y); the columns are: {}",
        columns.join(", ")
    )]
    NoGeometryColumns { path: String, columns: Vec<String> },
    /// A PostGIS layer's server, session or table failed; `address` never holds a
    /// password.
    #[error("{address}: {fault}: {detail}")]
    Server {
        address: String,
        fault: postgis::ServerFault,
        detail: String,
    },
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
    /// The layer to read from a multi-layer file (a GeoPackage table); the first
    /// feature layer when `None`.
    pub layer: Option<String>,
    /// The text encoding of attributes (`GBK`, `UTF-8`, `936`), overriding a
    /// Shapefile's `.cpg` and language driver or a CSV's detection.
    pub encoding: Option<String>,
    /// Only features whose box meets this lon/lat box; a FlatGeobuf reads just
    /// those through its spatial index.
    pub bbox: Option<Rect<f64>>,
}

/// Progress reporting and cancellation for long loads.
#[derive(Default, Clone, Copy)]
pub struct LoadControl<'a> {
    /// Called after each batch with (bytes read, total bytes if known, features so far).
    pub progress: Option<&'a (dyn Fn(u64, Option<u64>, usize) + Sync)>,
    pub cancel: Option<&'a AtomicBool>,
}

impl LoadControl<'_> {
    pub fn cancelled(&self) -> bool {
        self.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    }
}

/// The one reader interface: read the file at `path` into the builder and say
/// which CRS it declares. `shown` is the path as messages name it.
pub type ReadFn = fn(
    path: &Path,
    shown: &str,
    options: &LoadOptions,
    control: LoadControl,
    builder: &mut LayerBuilder,
) -> Result<FileCrs, LoadError>;

/// A whole file's bytes, an error naming it (as `shown`) when it cannot be read.
pub(crate) fn read_bytes(path: &Path, shown: &str) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|source| LoadError::Io {
        path: shown.to_string(),
        source,
    })
}

/// The formats parcelview opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    GeoJson,
    Shapefile,
    GeoPackage,
    FlatGeobuf,
    Kml,
    Kmz,
    Csv,
}

/// A format for a file dialog's filter: its names and extensions (lower case,
/// without the dot).
#[derive(Debug, Clone, Copy)]
pub struct FormatInfo {
    pub format: Format,
    pub name: &'static str,
    pub name_zh: &'static str,
    pub extensions: &'static [&'static str],
}

/// Every format that opens, in the order a file dialog lists them.
pub const OPENABLE: &[FormatInfo] = &[
    FormatInfo {
        format: Format::GeoJson,
        name: "GeoJSON",
        name_zh: "GeoJSON",
        extensions: &["geojson", "json"],
    },
    FormatInfo {
        format: Format::Shapefile,
        name: "ESRI Shapefile",
        name_zh: "Shapefile 文件",
        extensions: &["shp"],
    },
    FormatInfo {
        format: Format::GeoPackage,
        name: "GeoPackage",
        name_zh: "GeoPackage 数据库",
        extensions: &["gpkg"],
    },
    FormatInfo {
        format: Format::FlatGeobuf,
        name: "FlatGeobuf",
        name_zh: "FlatGeobuf",
        extensions: &["fgb"],
    },
    FormatInfo {
        format: Format::Kml,
        name: "KML",
        name_zh: "KML（奥维、Google Earth）",
        extensions: &["kml"],
    },
    FormatInfo {
        format: Format::Kmz,
        name: "KMZ",
        name_zh: "KMZ（压缩的 KML）",
        extensions: &["kmz"],
    },
    FormatInfo {
        format: Format::Csv,
        name: "CSV (WKT or coordinates)",
        name_zh: "CSV 表格（WKT 或坐标列）",
        extensions: &["csv", "txt"],
    },
];

/// Every extension that opens (lower case, without the dot).
pub fn openable_extensions() -> Vec<&'static str> {
    OPENABLE
        .iter()
        .flat_map(|f| f.extensions.iter().copied())
        .collect()
}

impl Format {
    pub fn info(self) -> Option<&'static FormatInfo> {
        OPENABLE.iter().find(|f| f.format == self)
    }

    /// The name messages use.
    pub fn name(self) -> &'static str {
        self.info().map(|i| i.name).unwrap_or("GeoJSON")
    }

    fn reader(self) -> ReadFn {
        match self {
            Format::GeoJson => crate::io::geojson::read_source,
            Format::Shapefile => shapefile::read,
            Format::GeoPackage => gpkg::read,
            Format::FlatGeobuf => fgb::read,
            Format::Kml | Format::Kmz => kml::read,
            Format::Csv => csv::read,
        }
    }

    /// The format an extension names; the sidecars of a Shapefile name it too, so
    /// that opening its `.dbf` opens the Shapefile.
    pub fn from_extension(ext: &str) -> Option<Format> {
        let ext = ext.to_ascii_lowercase();
        if matches!(ext.as_str(), "dbf" | "shx" | "prj" | "cpg") {
            return Some(Format::Shapefile);
        }
        OPENABLE
            .iter()
            .find(|f| f.extensions.contains(&ext.as_str()))
            .map(|f| f.format)
    }

    /// The format the first bytes of a file show, if any does.
    pub fn sniff(head: &[u8]) -> Option<Format> {
        if head.starts_with(b"SQLite format 3\0") {
            return Some(Format::GeoPackage);
        }
        if head.starts_with(b"fgb\x03") {
            return Some(Format::FlatGeobuf);
        }
        if head.starts_with(&[0x00, 0x00, 0x27, 0x0A]) {
            return Some(Format::Shapefile);
        }
        if head.starts_with(b"PK\x03\x04") {
            return Some(Format::Kmz);
        }
        let text = String::from_utf8_lossy(head);
        let t = text.trim_start_matches('\u{feff}').trim_start();
        if t.starts_with('<') && t.contains("<kml") {
            return Some(Format::Kml);
        }
        if t.starts_with('{') || t.starts_with('[') {
            return Some(Format::GeoJson);
        }
        None
    }
}

/// The format of the file at `path`: by extension, then by its first bytes; a
/// file that shows neither is read as GeoJSON (whose reader says what is wrong).
pub fn detect(path: &Path) -> Format {
    if let Some(f) = path
        .extension()
        .and_then(|e| e.to_str())
        .and_then(Format::from_extension)
    {
        return f;
    }
    let mut head = [0u8; 512];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .unwrap_or(0);
    Format::sniff(head.get(..n).unwrap_or_default()).unwrap_or(Format::GeoJson)
}

/// Loads a layer from a file of any openable format.
pub fn load_path(
    path: &Path,
    options: &LoadOptions,
    control: LoadControl,
) -> Result<Layer, LoadError> {
    if let Some(text) = path.to_str().filter(|t| postgis::is_address(t)) {
        return load_address(text, options, control);
    }
    let format = detect(path);
    // A Shapefile is opened by its .shp whichever of its files was named.
    let path_buf: PathBuf = match format {
        Format::Shapefile => path.with_extension(shapefile::shp_extension_beside(path)),
        _ => path.to_path_buf(),
    };
    let path = path_buf.as_path();
    let shown = path.display().to_string();
    let io = |source| LoadError::Io {
        path: shown.clone(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(LoadError::IsDirectory { path: shown });
    }
    let name = options.name.clone().unwrap_or_else(|| {
        options.layer.clone().unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_else(|| shown.clone())
        })
    });
    let mut builder = LayerBuilder::new(Some(meta.len()));
    let crs = (format.reader())(path, &shown, options, control, &mut builder)?;
    builder.finish(crs, &shown, &name, options, control)
}

/// A database address, or an error that does not repeat it (it may hold a
/// password, which is why it is refused).
fn parse_address(text: &str) -> Result<postgis::Address, LoadError> {
    postgis::Address::parse(text).map_err(|e| LoadError::Server {
        address: "postgresql://…".into(),
        fault: postgis::ServerFault::Address,
        detail: e.to_string(),
    })
}

/// Loads a PostGIS table (its live mode is opened through
/// [`postgis::live::LiveTable`]; here it is streamed whole).
fn load_address(
    text: &str,
    options: &LoadOptions,
    control: LoadControl,
) -> Result<Layer, LoadError> {
    let mut address = parse_address(text)?;
    // A chooser's choice (`options.layer`) names the table when the address
    // does not.
    if address.table.is_none()
        && let Some(l) = &options.layer
        && let Some((schema, table)) = postgis::address::split_qualified(l)
    {
        address.schema = schema;
        address.table = Some(table);
    }
    let shown = address.to_string();
    let name = options.name.clone().unwrap_or_else(|| address.layer_name());
    let mut builder = LayerBuilder::new(None);
    let crs = postgis::read(&address, options, control, &mut builder)?;
    builder.finish(crs, &shown, &name, options, control)
}

/// A layer of a multi-layer file, for a layer chooser.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerInfo {
    pub name: String,
    /// The geometry type the file declares (`MULTIPOLYGON`, `POINT`, …).
    pub geometry_type: String,
    pub features: u64,
    /// The SRS as `EPSG:4490`, or the file's own name for it.
    pub srs: String,
}

/// The layers of a file: a GeoPackage's feature tables, a PostGIS database's
/// tables and views with geometry; one layer (the file itself) for every other
/// format.
pub fn list_layers(path: &Path) -> Result<Vec<LayerInfo>, LoadError> {
    if let Some(text) = path.to_str().filter(|t| postgis::is_address(t)) {
        let address = parse_address(text)?;
        return postgis::list_layers(&address);
    }
    match detect(path) {
        Format::GeoPackage => gpkg::list_layers(path),
        _ => {
            let layer = load_path(path, &LoadOptions::default(), LoadControl::default())?;
            let geometry_type = layer
                .geometry_type_counts()
                .first()
                .map(|(t, _)| t.to_string())
                .unwrap_or_default();
            Ok(vec![LayerInfo {
                name: layer.name.clone(),
                geometry_type,
                features: layer.len() as u64,
                srs: layer.source_crs.label.clone(),
            }])
        }
    }
}

/// A text encoding given by name or code page: `GBK`, `gb18030`, `UTF-8`, `936`,
/// `CP936`, `ANSI 936`, `Big5`, `65001`.
pub fn encoding_for(label: &str) -> Option<&'static encoding_rs::Encoding> {
    let t = label.trim().to_ascii_lowercase();
    let t = t
        .strip_prefix("ansi")
        .or_else(|| t.strip_prefix("cp"))
        .map(str::trim)
        .unwrap_or(t.as_str());
    let by_page = match t {
        "936" | "20936" => Some(encoding_rs::GBK),
        "54936" => Some(encoding_rs::GB18030),
        "950" => Some(encoding_rs::BIG5),
        "65001" | "utf8" => Some(encoding_rs::UTF_8),
        "1252" => Some(encoding_rs::WINDOWS_1252),
        "932" => Some(encoding_rs::SHIFT_JIS),
        "949" => Some(encoding_rs::EUC_KR),
        "437" | "850" => Some(encoding_rs::WINDOWS_1252),
        _ => None,
    };
    by_page.or_else(|| encoding_rs::Encoding::for_label(t.as_bytes()))
}

/// How a reader turns attribute bytes into text.
#[derive(Debug, Clone, Copy)]
pub struct TextDecoder {
    /// The encoding named by the user or the file; `None` when nothing names one.
    pub named: Option<&'static encoding_rs::Encoding>,
}

impl TextDecoder {
    /// Decodes `bytes`: in the named encoding, else as UTF-8 when they are valid
    /// UTF-8, else as GB18030 (a superset of GBK), which is what ArcGIS writes on
    /// Chinese Windows. Returns the text and whether it was guessed as GB18030.
    pub fn decode(self, bytes: &[u8]) -> (String, bool) {
        match self.named {
            Some(enc) if enc == encoding_rs::UTF_8 => {
                (String::from_utf8_lossy(bytes).into_owned(), false)
            }
            Some(enc) => (enc.decode_without_bom_handling(bytes).0.into_owned(), false),
            None => match std::str::from_utf8(bytes) {
                Ok(s) => (s.to_string(), false),
                Err(_) => (
                    encoding_rs::GB18030
                        .decode_without_bom_handling(bytes)
                        .0
                        .into_owned(),
                    true,
                ),
            },
        }
    }
}

/// The encoding the user asked for, or an error naming what was asked.
pub fn requested_encoding(
    options: &LoadOptions,
    shown: &str,
) -> Result<Option<&'static encoding_rs::Encoding>, LoadError> {
    match &options.encoding {
        None => Ok(None),
        Some(e) => encoding_for(e)
            .map(Some)
            .ok_or_else(|| LoadError::UnknownEncoding {
                path: shown.to_string(),
                encoding: e.clone(),
            }),
    }
}

/// The formats a selection exports to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    GeoPackage,
    Shapefile,
    FlatGeobuf,
    Kml,
}

/// An export format for a save dialog: names and extension.
#[derive(Debug, Clone, Copy)]
pub struct ExportInfo {
    pub format: ExportFormat,
    pub name: &'static str,
    pub name_zh: &'static str,
    pub extension: &'static str,
}

/// The GIS formats selections export to (beside the reports' PDF, XLSX, CSV and
/// GeoJSON).
pub const EXPORTS: &[ExportInfo] = &[
    ExportInfo {
        format: ExportFormat::GeoPackage,
        name: "GeoPackage",
        name_zh: "GeoPackage 数据库",
        extension: "gpkg",
    },
    ExportInfo {
        format: ExportFormat::Shapefile,
        name: "ESRI Shapefile",
        name_zh: "Shapefile（ArcGIS）",
        extension: "shp",
    },
    ExportInfo {
        format: ExportFormat::FlatGeobuf,
        name: "FlatGeobuf",
        name_zh: "FlatGeobuf",
        extension: "fgb",
    },
    ExportInfo {
        format: ExportFormat::Kml,
        name: "KML",
        name_zh: "KML（奥维、Google Earth）",
        extension: "kml",
    },
];

impl ExportFormat {
    /// The export format an output path's extension names, if it is one of these.
    pub fn of_path(path: &Path) -> Option<ExportFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        EXPORTS
            .iter()
            .find(|e| e.extension == ext)
            .map(|e| e.format)
    }
}

/// Options for exports.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// A Shapefile's attribute encoding (GBK when `None`, as ArcGIS on Chinese
    /// Windows expects); `UTF-8` on request.
    pub encoding: Option<String>,
    /// A GeoPackage's SRS: 4326 (the default) or 4490 (CGCS2000, same
    /// coordinates), as the receiving office asks.
    pub srs: Option<u32>,
}

/// What an export wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportSummary {
    /// Every file written (a Shapefile's .shp, .shx, .dbf, .prj and .cpg).
    pub files: Vec<PathBuf>,
    pub features: usize,
    /// Fields renamed to fit the format (dBASE names of at most 10 bytes): (the
    /// layer's name, the name written).
    pub renamed: Vec<(String, String)>,
    /// Values that could not be written as they are (text cut at 254 bytes).
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: refusing to overwrite an input file")]
    WouldOverwriteInput { path: String },
    #[error("{path}: '.{ext}' is not a GIS export format (use .gpkg, .shp, .fgb or .kml)")]
    UnknownFormat { path: String, ext: String },
    #[error("{path}: unknown text encoding '{encoding}' (use GBK or UTF-8)")]
    UnknownEncoding { path: String, encoding: String },
    #[error("{path}: SRS {srs} cannot be written (use 4326 or 4490)")]
    UnsupportedSrs { path: String, srs: u32 },
    #[error("{path}: cannot write the GeoPackage: {reason}")]
    Database { path: String, reason: String },
    #[error("{path}: {reason}")]
    TooLarge { path: String, reason: String },
}

impl From<crate::io::write::WriteError> for ExportError {
    fn from(e: crate::io::write::WriteError) -> ExportError {
        match e {
            crate::io::write::WriteError::Io { path, source } => ExportError::Io { path, source },
            crate::io::write::WriteError::WouldOverwriteInput { path } => {
                ExportError::WouldOverwriteInput { path }
            }
        }
    }
}

/// A column of an export: its name, type and each exported feature's value.
pub struct ExportColumn {
    pub name: String,
    pub kind: ColumnKind,
    pub values: Vec<AttrValue>,
}

/// The type of an exported column, from the values it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Integer,
    Real,
    Text,
    Bool,
}

/// The exported features' attribute table: the layer's fields, then the computed
/// `area_m2`, `area_ha`, `area_mu` and `landuse_name`, as the GeoJSON export has.
pub fn export_columns(layer: &Layer, features: &[usize]) -> Vec<ExportColumn> {
    let mut out: Vec<ExportColumn> = layer
        .fields
        .iter()
        .enumerate()
        .map(|(f, name)| {
            let values: Vec<AttrValue> = features
                .iter()
                .map(|&i| layer.value(i, f).clone())
                .collect();
            ExportColumn {
                name: name.clone(),
                kind: column_kind(&values),
                values,
            }
        })
        .collect();
    let area = |i: usize| layer.area_m2.get(i).copied().unwrap_or(0.0);
    let rounded = |v: f64, places: i32| {
        let k = 10f64.powi(places);
        (v * k).round() / k
    };
    for (name, per_m2, places) in [
        ("area_m2", 1.0, 2),
        ("area_ha", crate::stats::M2_PER_HA, 4),
        ("area_mu", crate::stats::M2_PER_MU, 4),
    ] {
        out.push(ExportColumn {
            name: name.into(),
            kind: ColumnKind::Real,
            values: features
                .iter()
                .map(|&i| AttrValue::Float(rounded(area(i) / per_m2, places)))
                .collect(),
        });
    }
    let table = crate::landuse::LanduseTable::global();
    if layer.roles.landuse.is_some() {
        out.push(ExportColumn {
            name: "landuse_name".into(),
            kind: ColumnKind::Text,
            values: features
                .iter()
                .map(|&i| {
                    layer
                        .class
                        .get(i)
                        .copied()
                        .flatten()
                        .and_then(|c| table.class(c))
                        .map(|c| AttrValue::Text(c.name_zh.as_str().into()))
                        .unwrap_or(AttrValue::Null)
                })
                .collect(),
        });
    }
    out
}

fn column_kind(values: &[AttrValue]) -> ColumnKind {
    let mut kind: Option<ColumnKind> = None;
    for v in values {
        let k = match v {
            AttrValue::Null => continue,
            AttrValue::Bool(_) => ColumnKind::Bool,
            AttrValue::Int(_) => ColumnKind::Integer,
            AttrValue::Float(_) => ColumnKind::Real,
            AttrValue::Text(_) => return ColumnKind::Text,
        };
        kind = Some(match (kind, k) {
            (None, k) => k,
            (Some(a), b) if a == b => a,
            (Some(ColumnKind::Integer), ColumnKind::Real)
            | (Some(ColumnKind::Real), ColumnKind::Integer) => ColumnKind::Real,
            _ => return ColumnKind::Text,
        });
    }
    kind.unwrap_or(ColumnKind::Text)
}

/// Writes the given features of a layer (with their attributes and computed area
/// columns) as a GeoPackage, Shapefile, FlatGeobuf or KML file, chosen by the
/// extension of `path`. Never writes over `inputs`.
pub fn export_features(
    layer: &Layer,
    features: &[usize],
    path: &Path,
    options: &ExportOptions,
    inputs: &[&Path],
) -> Result<ExportSummary, ExportError> {
    let shown = path.display().to_string();
    let format = ExportFormat::of_path(path).ok_or_else(|| ExportError::UnknownFormat {
        path: shown.clone(),
        ext: path
            .extension()
            .map(|e| e.to_string_lossy().to_string())
            .unwrap_or_default(),
    })?;
    crate::io::write::refuse_input_overwrite(path, inputs)?;
    match format {
        ExportFormat::GeoPackage => gpkg::export(layer, features, path, options),
        ExportFormat::Shapefile => {
            for ext in ["dbf", "shx"] {
                crate::io::write::refuse_input_overwrite(&path.with_extension(ext), inputs)?;
            }
            shapefile::export(layer, features, path, options)
        }
        ExportFormat::FlatGeobuf => fgb::export(layer, features, path, options),
        ExportFormat::Kml => kml::export(layer, features, path, options),
    }
}
