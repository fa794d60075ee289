//! The desktop app: a thin egui shell over the core. Panels and the map read the
//! state and push [`Command`]s; [`ParcelApp::apply`] changes the state after the
//! frame is drawn.
//!
//! The app is split into rooms: the state (this module, with [`Command`] and the
//! helpers in `state/`), `map/` (the view, the prepared drawing, overlay tiles,
//! basemap tiles, tools), `panels/` (menu, layers, identify, statistics, table,
//! export and the file dialog) and `briefing/`. Panels and the briefing use the
//! map; the map uses only the state.

mod briefing;
pub mod map;
mod panels;
pub mod state;

use map::{draw, overlay_tiles, tiles, tools};
use panels::{export, stats as stats_panel, table};
use state::{i18n, project_io};

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::io::{LoadControl, LoadOptions, load_path};
use crate::landuse::Palette;
use crate::model::Layer;
use crate::project::{Bookmark, LayerSpec, Project, ProjectFile, ProjectLayer, StyleSpec};
use crate::render::Basemap;
use crate::selection::{AreaMode, SelectOp, Selection};
pub use crate::tiles::BasemapChoice;
use crate::tiles::{SourceContext, open_source};
pub use briefing::{Briefing, Compare};
use draw::DrawLayer;
pub use export::ExportKind;
pub use i18n::{Lang, tr};
pub use map::flight::Flight;
pub use panels::file_dialog::{Chosen, Purpose};
pub use stats_panel::{StatsGroup, StatsScope};
pub use tools::{AreaQuery, Tool};

/// The bundled CJK font (a GB 2312 subset of Noto Sans SC, OFL).
pub use crate::render::text::CJK_FONT;

/// Installs the CJK font as a fallback after egui's own fonts, so Latin text keeps
/// its look and every Chinese label renders.
pub fn install_fonts(ctx: &egui::Context) {
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert(
        "noto_sans_sc".into(),
        Arc::new(egui::FontData::from_static(CJK_FONT)),
    );
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts
            .families
            .entry(family)
            .or_default()
            .push("noto_sans_sc".into());
    }
    ctx.set_fonts(fonts);
}

/// What persists between runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub lang: Lang,
    pub basemap: BasemapChoice,
    /// The user's 天地图 key. It lives in these settings only, never in a project file.
    pub tianditu_token: String,
    /// The last XYZ template typed in.
    pub xyz_template: String,
    /// Last view: lon, lat, zoom.
    pub view: Option<(f64, f64, f64)>,
    /// The land-use palette of the map and legend.
    pub palette: Palette,
    /// Projects opened or saved lately, newest first.
    pub recent_projects: Vec<PathBuf>,
    /// The colour of the selection's outline on the map (视图 → 选择集颜色). Settings
    /// saved before it existed get the default, which no land-use class uses.
    pub selection_rgb: [u8; 3],
    /// The folder each kind of file dialog last chose in (by [`Purpose::key`]).
    pub last_folders: std::collections::BTreeMap<String, PathBuf>,
    /// Whether to use the desktop's own file dialogs where it has them.
    pub native_dialogs: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            lang: Lang::default(),
            basemap: BasemapChoice::default(),
            tianditu_token: String::new(),
            xyz_template: String::new(),
            view: None,
            palette: Palette::default(),
            recent_projects: Vec::new(),
            selection_rgb: draw::DEFAULT_SELECTION_RGB,
            last_folders: std::collections::BTreeMap::new(),
            native_dialogs: true,
        }
    }
}

/// How much a message in the message bar matters: successes and information fade
/// by themselves, warnings and errors stay until they are closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Success,
    Info,
    Warning,
    Error,
}

impl Level {
    /// Whether a message of this level leaves the bar by itself after [`FADE_AFTER_S`].
    pub fn fades(self) -> bool {
        matches!(self, Level::Success | Level::Info)
    }
}

/// Seconds a success or information message stays in the message bar; it fades out
/// over the last second of them.
pub const FADE_AFTER_S: f64 = 6.0;

/// At most this many messages show in the bar at once, the newest on top; the
/// others are in the message log.
pub const BAR_MAX: usize = 3;

/// One message of the session: what the bar shows and the log keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Unique in the session; it keeps the bar's widgets apart.
    pub id: u64,
    pub level: Level,
    /// The headline, in the interface language of the moment it was made.
    pub text: String,
    /// Lines under the headline in the log (import warnings, the system's own words
    /// for an error), shown in full only there.
    pub details: Vec<String>,
    /// A file the message is about, for 打开文件 / 打开文件夹.
    pub path: Option<PathBuf>,
    /// When it was made, in seconds of the window's clock (`egui::InputState::time`).
    pub created_s: f64,
    /// Closed in the bar with its × (it stays in the log).
    pub dismissed: bool,
}

impl Message {
    /// Whether the bar shows it at `now_s`: not closed, and for a fading level not
    /// yet past its time.
    pub fn in_bar(&self, now_s: f64) -> bool {
        !self.dismissed && (!self.level.fades() || now_s - self.created_s < FADE_AFTER_S)
    }
}

/// One search hit: a feature of a visible layer, with the text its button shows.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub layer: usize,
    pub feature: usize,
    /// The feature's id, and its name when it has one.
    pub label: String,
    /// Whether the id or the name equals the searched text (not only contains it).
    pub exact: bool,
}

/// Every user action, applied after drawing.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    SetVisible(usize, bool),
    SetOpacity(usize, f32),
    MoveLayer(usize, i32),
    RemoveLayer(usize),
    ZoomToLayer(usize),
    Home,
    /// Shows a feature in the identify panel (and outlines it), or nothing.
    Select(Option<(usize, usize)>),
    /// A click on the map: identify the top-most feature under the pointer
    /// (`identified`) and select the active layer's feature there (`in_active`)
    /// with the modifiers' op. The active layer never changes.
    ClickFeature {
        identified: Option<(usize, usize)>,
        in_active: Option<(usize, usize)>,
        op: SelectOp,
    },
    /// Selects in the active layer what a drawn area meets.
    SelectArea(AreaQuery, SelectOp),
    /// Selects in the active layer by an attribute expression.
    SelectWhere(String, SelectOp),
    /// Selects these features of a layer (rows of the table, search results).
    SelectFeatures(usize, Vec<usize>, SelectOp),
    ClearSelection,
    InvertSelection,
    SelectAll,
    ZoomToSelection,
    ZoomToFeature(usize, usize),
    SetActive(usize),
    SetTool(Tool),
    SetAreaMode(AreaMode),
    Search(String),
    /// Goes to a search hit: zooms to it and identifies it, and selects it when it is
    /// in the active layer.
    GoToHit(usize, usize),
    /// Closes the list of search hits.
    ClearSearch,
    /// The colour selections are outlined in.
    SetSelectionColor([u8; 3]),
    /// Restyles a layer (land use, a field's categories, one colour); the drawing is
    /// rebuilt in the background.
    SetStyle(usize, StyleSpec),
    SetPalette(Palette),
    SetLang(Lang),
    SetBasemap(BasemapChoice),
    SetTiandituToken(String),
    OpenFiles(Vec<PathBuf>),
    CancelLoading,
    /// Saves the project to its file, or to this path (Save As).
    SaveProject(Option<PathBuf>),
    /// Opens a project file in place of the current one (in the background).
    OpenProject(PathBuf),
    /// Brings back the state the recovery file holds, or throws it away.
    RestoreRecovery,
    DiscardRecovery,
    /// Saves the current view as a new bookmark.
    AddBookmark,
    /// Replaces a bookmark's view, layers and selection with the current ones.
    UpdateBookmark(usize),
    /// Sets a bookmark's title and caption.
    EditBookmark(usize, String, String),
    DeleteBookmark(usize),
    MoveBookmark(usize, i32),
    /// Shows a bookmark: its view, layers, selection and comparison.
    GoToBookmark(usize),
    /// Briefing mode: full screen, one bookmark a slide, from the first (F5) or
    /// from the bookmark last shown (Shift+F5).
    StartBriefing,
    StartBriefingHere,
    StopBriefing,
    NextSlide,
    PrevSlide,
    ToggleSpotlight,
    TogglePointer,
    /// Compares two layers with a swipe line, or stops comparing.
    SetCompare(Option<(usize, usize)>),
    /// Writes the slides as a PDF handout.
    ExportHandout(PathBuf),
    /// Keeps the active layer's selection in the project under a name.
    SaveSelection(String),
    RestoreSelection(usize),
    DeleteSelection(usize),
    /// Closes a message in the message bar (by its id); the log keeps it.
    DismissMessage(u64),
    /// Opens a file or folder with the desktop's own program for it.
    OpenPath(PathBuf),
    /// Opens or closes the message log window.
    ToggleLog,
    /// Shows a message in the bar again (from the log), for a fresh time.
    ReshowMessage(u64),
    /// Takes back the last change (Ctrl+Z), or does again the last one taken back
    /// (Ctrl+Y).
    Undo,
    Redo,
    /// The previous and next view the map settled on.
    PrevExtent,
    NextExtent,
    /// Renames a layer; a name another layer has is refused.
    RenameLayer(usize, String),
    /// Opens a file dialog (Ctrl+O, Save As, the handout, a tile file, an export).
    OpenDialog(Purpose),
    /// What a file dialog chose.
    FileChosen(Chosen),
    /// Opens the Export window with a proposed file beside the project.
    ShowExport,
    /// Opens these layers (tables) of a multi-layer file.
    OpenLayers(PathBuf, Vec<String>),
    /// Opens the Export window for the report card (图则) of one feature.
    CardFor(usize, usize),
    /// Shows a short success message (e.g. what was copied).
    Notify(String),
    /// Shows or hides the 净空 layer (the obstacle limitation surfaces).
    SetClearanceLayer(bool),
    /// Opens or closes the 生活圈 panel.
    ShowLifeCircles(bool),
    /// The facility type whose service circles the map shows, or none.
    SetLifeCircleType(Option<String>),
    /// Writes the 生活圈 report (PDF or XLSX, by the extension).
    ExportLifeCircles(PathBuf),
}

/// The settings window's text fields while they are being edited.
#[derive(Debug, Default)]
struct BasemapEdits {
    token: String,
    xyz: String,
}

/// The identify panel's 净空限高 line for (layer serial, feature, language): the
/// text and whether the parcel's 限高 exceeds the surfaces.
pub(crate) type ClearanceLine = ((u64, usize, Lang), Option<(String, bool)>);

/// What leaving a briefing brings back: the work state before it.
pub(crate) struct BriefingReturn {
    pub state: state::history::Snapshot,
    pub view: Option<state::history::ViewPos>,
    pub dirty: bool,
    pub tool: Tool,
    pub compare: Option<Compare>,
}

/// A layer of the map with what drawing it needs.
pub struct MapLayer {
    pub spec: LayerSpec,
    /// The layer's file (absolute, or as given); empty for layers made in memory.
    pub path: PathBuf,
    pub data: Result<Arc<Layer>, String>,
    pub draw: Option<Arc<DrawLayer>>,
    pub opacity: f32,
    /// The land-use classes the layer holds, each once (for the legend).
    pub classes: Vec<crate::landuse::ClassId>,
    /// The layer's selected features (shared with the overlay tiles that show them;
    /// changed copy-on-write).
    pub selection: Arc<Selection>,
    /// Tiles of the layer's small features, made when first drawn.
    pub overlay: std::cell::RefCell<Option<overlay_tiles::OverlayTiles>>,
    /// Unique in the process and increasing: which layer this is, through moves,
    /// removal and undo, and whether it was added after an undo step was taken.
    pub serial: u64,
    /// A live PostGIS table's worker, when the layer is one: `data` then holds
    /// the rows of the last view the server answered.
    pub live: Option<Arc<std::sync::Mutex<map::live::LiveLayer>>>,
}

static LAYER_SERIAL: AtomicU64 = AtomicU64::new(1);

fn next_layer_serial() -> u64 {
    LAYER_SERIAL.fetch_add(1, Ordering::Relaxed)
}

/// The serial the next layer will get: every layer made so far has a smaller one.
pub(crate) fn current_layer_serial() -> u64 {
    LAYER_SERIAL.load(Ordering::Relaxed)
}

impl MapLayer {
    /// A map layer over loaded data with a style, prepared for drawing.
    pub fn from_layer(name: &str, data: Layer, style: StyleSpec) -> MapLayer {
        MapLayer::new(
            ProjectLayer {
                spec: LayerSpec {
                    name: name.to_string(),
                    path: String::new(),
                    visible: true,
                    opacity: None,
                    role: None,
                    style,
                    layer: None,
                    encoding: None,
                    crs: None,
                },
                path: PathBuf::new(),
                data: Ok(data),
            },
            Palette::Gtkj2023,
        )
    }

    fn new(pl: ProjectLayer, palette: Palette) -> MapLayer {
        let draw = pl
            .data
            .as_ref()
            .ok()
            .map(|l| Arc::new(DrawLayer::build(l, &pl.spec.style, palette)));
        let mut classes: Vec<crate::landuse::ClassId> = pl
            .data
            .as_ref()
            .map(|l| l.class.iter().flatten().copied().collect())
            .unwrap_or_default();
        classes.sort_unstable();
        classes.dedup();
        let len = pl.data.as_ref().map_or(0, |l| l.len());
        MapLayer {
            classes,
            path: pl.path,
            selection: Arc::new(Selection::new(len)),
            overlay: std::cell::RefCell::new(None),
            opacity: pl.spec.opacity.unwrap_or(1.0),
            spec: pl.spec,
            data: pl.data.map(Arc::new),
            draw,
            serial: next_layer_serial(),
            live: None,
        }
    }

    /// A layer brought back by undo, with its drawing as it was.
    pub(crate) fn restored(
        spec: LayerSpec,
        path: PathBuf,
        data: Result<Arc<Layer>, String>,
        draw: Option<Arc<DrawLayer>>,
        classes: Vec<crate::landuse::ClassId>,
        serial: u64,
        live: Option<Arc<std::sync::Mutex<map::live::LiveLayer>>>,
    ) -> MapLayer {
        let len = data.as_ref().map_or(0, |l| l.len());
        MapLayer {
            opacity: spec.opacity.unwrap_or(1.0),
            spec,
            path,
            data,
            draw,
            classes,
            selection: Arc::new(Selection::new(len)),
            overlay: std::cell::RefCell::new(None),
            serial,
            live,
        }
    }
}

/// A project ready to show: its layers prepared for drawing (projection, triangles,
/// colours, the slow part of opening it), and what is derived from the loaded
/// layers before they are taken out of the project (the offline basemap, the box).
pub(crate) struct Prepared {
    /// The project, without its layers.
    project: Project,
    layers: Vec<MapLayer>,
    basemap: Basemap,
    bbox: Option<geo::Rect<f64>>,
}

fn prepare(mut project: Project, palette: Palette) -> Prepared {
    let basemap = project.offline_basemap();
    let bbox = project.bbox();
    let layers = std::mem::take(&mut project.layers)
        .into_iter()
        .map(|l| MapLayer::new(l, palette))
        .collect();
    Prepared {
        project,
        layers,
        basemap,
        bbox,
    }
}

/// A project opened in the background and prepared, or why not.
type Opened = Result<Prepared, String>;

/// A file loading in the background.
struct Loading {
    path: PathBuf,
    bytes_read: Arc<AtomicU64>,
    total: u64,
    cancel: Arc<AtomicBool>,
    /// Loads the file and prepares it for drawing, both off the UI thread.
    handle: std::thread::JoinHandle<Result<MapLayer, LoadFailure>>,
}

/// Why a file did not load: the kind of problem, as the key of a headline in the
/// interface language, and the loader's own words for the details.
struct LoadFailure {
    problem: &'static str,
    detail: String,
}

impl LoadFailure {
    fn of(e: &crate::io::LoadError) -> LoadFailure {
        use crate::io::LoadError as E;
        let problem = match e {
            E::Io { source, .. } => match source.kind() {
                std::io::ErrorKind::NotFound => "load_not_found",
                std::io::ErrorKind::PermissionDenied => "load_denied",
                _ => "load_unreadable",
            },
            E::IsDirectory { .. } => "load_directory",
            E::Syntax { .. } => "load_syntax",
            E::NotGeoJson { .. } => "load_not_geojson",
            E::ProjectedWithoutCrs { .. } => "load_no_crs",
            E::Crs { .. } => "load_crs",
            E::Cancelled { .. } => "load_cancelled",
            E::NotFormat { .. } => "load_not_format",
            E::MissingSidecar { .. } => "load_missing_sidecar",
            E::Truncated { .. } => "load_truncated",
            E::NoSuchLayer { .. } => "load_no_such_layer",
            E::NoLayers { .. } => "load_no_layers",
            E::UnknownEncoding { .. } => "load_unknown_encoding",
            E::Database { .. } => "load_database",
            E::NoGeometryColumns { .. } => "load_no_geometry_columns",
            E::Server { fault, .. } => fault.key(),
        };
        LoadFailure {
            problem,
            detail: e.to_string(),
        }
    }
}

/// Which panel the right side shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RightTab {
    #[default]
    Identify,
    Statistics,
}

/// A view request: fit this lon/lat box once the map knows its size.
#[derive(Debug, Clone, Copy)]
pub struct FitRequest {
    pub bbox: [f64; 4],
}

impl FitRequest {
    /// A request to fit a lon/lat rectangle.
    pub fn of_rect(r: geo::Rect<f64>) -> FitRequest {
        FitRequest {
            bbox: [r.min().x, r.min().y, r.max().x, r.max().y],
        }
    }
}

pub struct ParcelApp {
    pub title: String,
    pub layers: Vec<MapLayer>,
    /// Saved views; in order, the briefing's slides.
    pub bookmarks: Vec<Bookmark>,
    /// The project file the state was opened from or last saved to.
    pub project_path: Option<PathBuf>,
    /// What the project file holds besides the layers, bookmarks and title (basemap,
    /// description, keys of newer versions), written back on save.
    pub project_base: ProjectFile,
    /// Whether there are changes not saved to the project file.
    pub dirty: bool,
    /// The window title last sent to the desktop, so it is sent again only when
    /// it changes.
    window_title: String,
    pub autosave: project_io::Autosave,
    /// A recovery file found at start, offered for restoring.
    pub recovery_offer: Option<crate::project::Recovery>,
    /// Whether the project being opened is a restored recovery file.
    restoring: bool,
    /// A project being opened in the background.
    opening: Option<std::thread::JoinHandle<Opened>>,
    pub briefing: Briefing,
    /// Two layers compared with a swipe line.
    pub compare: Option<Compare>,
    /// The feature under the pointer in the last frame.
    pub hovered: Option<(usize, usize)>,
    /// The bookmark the bookmarks panel edits, and its text fields.
    pub bookmark_edit: Option<usize>,
    pub bookmark_title: String,
    pub bookmark_caption: String,
    /// The in-window file dialog, when one is open.
    file_dialog: Option<panels::file_dialog::FileDialog>,
    /// The desktop's file dialog, when one is open.
    native_dialog: Option<panels::file_dialog::NativeDialog>,
    /// Whether the settings window is open.
    pub settings_open: bool,
    /// Where the search field's bottom left is, for the hits' list under it.
    search_anchor: Option<egui::Pos2>,
    /// The identify panel's 净空限高 line, worked out once per parcel shown.
    pub(crate) clearance_line: Option<ClearanceLine>,
    /// The analysis layers (净空, 生活圈) and what they have worked out.
    pub analysis: map::widget::analysis_layers::AnalysisLayers,
    /// The 生活圈 panel's report file and the report being written.
    pub life_circle_export: panels::life_circle::LifeCircleExport,
    /// A GeoPackage's layers waiting to be chosen.
    pub layer_choice: Option<panels::layer_choice::LayerChoice>,
    /// The 连接数据库 dialog, when open.
    pub database_dialog: Option<panels::database::DatabaseDialog>,
    /// The layer being renamed and the name typed so far.
    pub rename: Option<(usize, String)>,
    /// The name typed for a selection to keep.
    pub selection_name: String,
    /// Whether the window choosing the selection colour is open.
    pub selection_colour_open: bool,
    pub settings: Settings,
    /// The feature the identify panel shows.
    pub selected: Option<(usize, usize)>,
    /// The layer the selection tools, the table and the statistics work on.
    pub active: Option<usize>,
    pub tool: Tool,
    pub area_mode: AreaMode,
    sketch: tools::Sketch,
    /// Counts selection changes, so cached statistics and table orders know when
    /// they are stale.
    pub selection_version: u64,
    /// The expression box's text and the last error it gave.
    pub expr_text: String,
    pub expr_error: Option<String>,
    pub search_text: String,
    /// Search hits in visible layers, grouped by layer: the active layer's first,
    /// then the others from the top of the drawing order down.
    pub search_results: Vec<SearchHit>,
    /// The text last searched for, so an empty result can say what found nothing.
    pub searched: Option<String>,
    pub right_tab: RightTab,
    pub show_table: bool,
    pub table: table::TableState,
    pub stats: stats_panel::StatsState,
    pub export: export::ExportDialog,
    exporting: Option<export::Exporting>,
    pub map_memory: walkers::MapMemory,
    pub home: [f64; 4],
    pub fit: Option<FitRequest>,
    pub cursor: Option<geo::Coord<f64>>,
    /// The map's transform in the last frame drawn.
    pub last_view: Option<map::view::View>,
    /// Live PostGIS tables still connecting (they become layers when opened).
    live_opening: Vec<map::live::LiveLayer>,
    /// The window's context, for workers that wake it when they answer.
    egui_ctx: Option<egui::Context>,
    basemap: Arc<Basemap>,
    basemap_tiles: Option<tiles::TileLayer>,
    /// Text being typed into the basemap menu's fields, applied by a button.
    basemap_edits: BasemapEdits,
    /// Whether the network failure of an online basemap has been reported.
    network_reported: bool,
    /// Whether the first frame has installed fonts and started the tile workers.
    started: bool,
    /// Whether the basemap's tile source must be (re)opened before the next frame.
    basemap_stale: bool,
    loading: Vec<Loading>,
    /// Drawings being rebuilt for a new style or palette.
    restyling: Vec<(Arc<Layer>, std::thread::JoinHandle<DrawLayer>)>,
    /// Every message's text (with its detail lines), oldest first; the export code
    /// adds its results here, and [`ParcelApp::route_messages`] turns texts added
    /// that way into [`Message`]s.
    messages: Vec<String>,
    /// How many of `messages` have a [`Message`] already.
    messages_routed: usize,
    /// The session's messages, oldest first: the bar shows the newest, the message
    /// log all of them.
    pub log: Vec<Message>,
    /// Whether the message log window is open.
    pub log_open: bool,
    /// The window clock of the frame being drawn, in seconds.
    now_s: f64,
    commands: Vec<Command>,
    /// Undo and redo.
    pub history: state::history::History,
    /// The work state to return to when the briefing ends.
    briefing_return: Option<BriefingReturn>,
    /// The bookmark last gone to, where Shift+F5 starts the briefing.
    pub last_bookmark: Option<usize>,
    /// Previous and next extent.
    pub extents: state::history::ExtentHistory,
    gauss_kruger: Option<crate::crs::GaussKruger>,
}

impl ParcelApp {
    /// Builds the state from an opened project. Nothing here needs a window: fonts
    /// and tile workers start on the first frame (see [`ParcelApp::frame_ui`]).
    pub fn new(project: Project, settings: Settings) -> ParcelApp {
        let prepared = prepare(project, settings.palette);
        // The basemap menu's fields start from the saved settings, once, so a planner
        // can also clear them.
        let basemap_edits = BasemapEdits {
            token: settings.tianditu_token.clone(),
            xyz: settings.xyz_template.clone(),
        };
        let mut app = ParcelApp {
            title: String::new(),
            layers: Vec::new(),
            bookmarks: Vec::new(),
            project_path: None,
            project_base: ProjectFile::new(""),
            dirty: false,
            window_title: String::new(),
            autosave: project_io::Autosave::default(),
            recovery_offer: None,
            restoring: false,
            opening: None,
            briefing: Briefing::default(),
            compare: None,
            hovered: None,
            bookmark_edit: None,
            bookmark_title: String::new(),
            bookmark_caption: String::new(),
            file_dialog: None,
            native_dialog: None,
            settings_open: false,
            rename: None,
            layer_choice: None,
            database_dialog: None,
            clearance_line: None,
            analysis: Default::default(),
            life_circle_export: Default::default(),
            search_anchor: None,
            selection_name: String::new(),
            selection_colour_open: false,
            settings,
            selected: None,
            active: None,
            tool: Tool::Pan,
            area_mode: AreaMode::Intersects,
            sketch: tools::Sketch::default(),
            selection_version: 0,
            expr_text: String::new(),
            expr_error: None,
            search_text: String::new(),
            search_results: Vec::new(),
            searched: None,
            right_tab: RightTab::Identify,
            show_table: false,
            table: table::TableState::default(),
            stats: stats_panel::StatsState::default(),
            export: export::ExportDialog::default(),
            exporting: None,
            map_memory: walkers::MapMemory::default(),
            home: [120.63, 30.68, 120.72, 30.75],
            fit: None,
            cursor: None,
            last_view: None,
            live_opening: Vec::new(),
            egui_ctx: None,
            basemap: Arc::new(Basemap::from_layers(&[])),
            basemap_tiles: None,
            network_reported: false,
            basemap_edits,
            started: false,
            basemap_stale: true,
            loading: Vec::new(),
            restyling: Vec::new(),
            messages: Vec::new(),
            messages_routed: 0,
            log: Vec::new(),
            log_open: false,
            now_s: 0.0,
            commands: Vec::new(),
            history: state::history::History::default(),
            briefing_return: None,
            last_bookmark: None,
            extents: state::history::ExtentHistory::default(),
            gauss_kruger: crate::crs::GaussKruger::new(120.0).ok(),
        };
        app.install(prepared);
        // The last session's view, if any, rather than the whole project.
        if let Some((lon, lat, zoom)) = app.settings.view {
            app.map_memory.center_at(walkers::lon_lat(lon, lat));
            let _ = app.map_memory.set_zoom(zoom);
            app.fit = None;
        }
        app
    }

    pub fn push(&mut self, c: Command) {
        self.commands.push(c);
    }

    /// Applies one command to the state.
    /// Applies a command: undo and redo, views back and forward, or a change kept
    /// in the history (see [`state::history`]).
    pub fn apply(&mut self, c: Command) {
        match c {
            Command::Undo => self.undo(),
            Command::Redo => self.redo(),
            Command::PrevExtent => {
                if let Some(v) = self.extents.back() {
                    self.go_to_view(v);
                }
            }
            Command::NextExtent => {
                if let Some(v) = self.extents.forward() {
                    self.go_to_view(v);
                }
            }
            other => self.apply_recorded(other),
        }
    }

    fn go_to_view(&mut self, v: state::history::ViewPos) {
        self.map_memory.center_at(walkers::lon_lat(v[0], v[1]));
        let _ = self.map_memory.set_zoom(v[2]);
    }

    /// Applies a command without the history.
    pub(crate) fn apply_now(&mut self, c: Command) {
        match c {
            Command::SetVisible(i, v) => {
                if let Some(l) = self.layers.get_mut(i) {
                    l.spec.visible = v;
                    self.dirty = true;
                }
            }
            Command::SetOpacity(i, o) => {
                if let Some(l) = self.layers.get_mut(i) {
                    l.opacity = o.clamp(0.0, 1.0);
                    self.dirty = true;
                }
            }
            Command::MoveLayer(i, delta) => {
                let j = i as i64 + i64::from(delta);
                if j >= 0 && (j as usize) < self.layers.len() && i < self.layers.len() {
                    let j = j as usize;
                    self.layers.swap(i, j);
                    self.dirty = true;
                    self.compare = None;
                    self.selected = None;
                    // The active layer keeps being the same layer.
                    self.active = self.active.map(|a| {
                        if a == i {
                            j
                        } else if a == j {
                            i
                        } else {
                            a
                        }
                    });
                    self.selection_changed();
                }
            }
            Command::RemoveLayer(i) => {
                if i < self.layers.len() {
                    self.layers.remove(i);
                    self.dirty = true;
                    self.compare = None;
                    self.selected = None;
                    self.active = match self.active {
                        Some(a) if a == i => default_active(&self.layers),
                        Some(a) if a > i => Some(a - 1),
                        other => other,
                    };
                    self.search_results.clear();
                    self.selection_changed();
                }
            }
            Command::ZoomToLayer(i) => {
                if let Some(r) = self
                    .layers
                    .get(i)
                    .and_then(|l| l.data.as_ref().ok())
                    .and_then(|d| d.bbox())
                {
                    self.fit = Some(FitRequest::of_rect(r));
                }
            }
            Command::Home => self.fit = Some(FitRequest { bbox: self.home }),
            Command::Select(s) => self.selected = s,
            Command::ClickFeature {
                identified,
                in_active,
                op,
            } => {
                match (in_active, identified) {
                    // The active layer's feature is selected, whatever lies on top.
                    (Some((li, fi)), _) => {
                        self.select_in(li, &[fi], op);
                        let point = self
                            .cursor
                            .map(crate::sources::postgis::live::Region::Point);
                        if point.is_some() {
                            self.live_select(li, point, op);
                        }
                    }
                    // A plain click on empty map clears; with modifiers it keeps.
                    (None, None) if op == SelectOp::Replace => self.clear_selection(),
                    // Another layer's feature (a facility, the airport) is only
                    // identified: clicking to see what it is keeps the selection.
                    (None, _) => {}
                }
                self.selected = identified.or(in_active);
            }
            Command::SelectArea(query, op) => {
                if let Some(li) = self.active {
                    let hits = self.query_hits(li, &query);
                    self.select_in(li, &hits, op);
                    let region = self.live_region(&query);
                    self.live_select(li, Some(region), op);
                }
            }
            Command::SelectWhere(text, op) => self.select_where(&text, op),
            Command::SelectFeatures(li, hits, op) => self.select_in(li, &hits, op),
            Command::ClearSelection => {
                self.clear_selection();
                self.sketch.clear();
            }
            Command::InvertSelection => {
                if let Some(li) = self.active {
                    self.live_select(
                        li,
                        Some(crate::sources::postgis::live::Region::Whole),
                        SelectOp::Toggle,
                    );
                }
                if let Some(l) = self.active.and_then(|a| self.layers.get_mut(a)) {
                    Arc::make_mut(&mut l.selection).invert();
                    self.selection_changed();
                }
            }
            Command::SelectAll => {
                if let Some(li) = self.active {
                    self.live_select(
                        li,
                        Some(crate::sources::postgis::live::Region::Whole),
                        SelectOp::Replace,
                    );
                }
                if let Some(l) = self.active.and_then(|a| self.layers.get_mut(a)) {
                    Arc::make_mut(&mut l.selection).select_all();
                    self.selection_changed();
                }
            }
            Command::ZoomToSelection => {
                if let Some(r) = self.active.and_then(|a| self.selection_bbox(a)) {
                    self.fit = Some(FitRequest::of_rect(r));
                }
            }
            Command::ZoomToFeature(li, fi) => {
                let env = self
                    .layers
                    .get(li)
                    .and_then(|l| l.data.as_ref().ok())
                    .and_then(|d| d.envelopes.get(fi).copied().flatten());
                if let Some(r) = env {
                    self.fit = Some(FitRequest::of_rect(padded(r, 1.5, 0.002)));
                }
            }
            Command::SetActive(i) => {
                if i < self.layers.len() {
                    self.active = Some(i);
                    self.selection_changed();
                }
            }
            Command::SetTool(t) => {
                self.tool = t;
                self.sketch.clear();
            }
            Command::SetAreaMode(m) => self.area_mode = m,
            Command::Search(text) => self.search(&text),
            Command::GoToHit(li, fi) => self.go_to_hit(li, fi),
            Command::ClearSearch => {
                self.search_results.clear();
                self.searched = None;
            }
            Command::SetSelectionColor(rgb) => self.settings.selection_rgb = rgb,
            Command::SetStyle(i, style) => {
                if let Some(l) = self.layers.get_mut(i) {
                    l.spec.style = style;
                    self.dirty = true;
                    self.restyle(i);
                }
            }
            Command::SetPalette(p) => {
                if self.settings.palette != p {
                    self.settings.palette = p;
                    for i in 0..self.layers.len() {
                        if self
                            .layers
                            .get(i)
                            .is_some_and(|l| l.spec.style.kind == "landuse")
                        {
                            self.restyle(i);
                        }
                    }
                }
            }
            Command::SetLang(l) => self.settings.lang = l,
            Command::SetBasemap(b) => {
                self.settings.basemap = b;
                self.basemap_stale = true;
            }
            Command::SetTiandituToken(t) => {
                self.settings.tianditu_token = t;
                if matches!(
                    self.settings.basemap,
                    BasemapChoice::TiandituVector | BasemapChoice::TiandituImagery
                ) {
                    self.basemap_stale = true;
                }
            }
            Command::OpenFiles(paths) => {
                for path in paths {
                    // A GeoPackage of several layers asks which to open.
                    let layers = match crate::sources::detect(&path) {
                        crate::sources::Format::GeoPackage => {
                            crate::sources::list_layers(&path).unwrap_or_default()
                        }
                        _ => Vec::new(),
                    };
                    if layers.len() > 1 {
                        let picked = vec![true; layers.len()];
                        self.layer_choice = Some(panels::layer_choice::LayerChoice {
                            path,
                            layers,
                            picked,
                            live: None,
                        });
                    } else {
                        self.start_loading(path);
                    }
                }
            }
            Command::OpenLayers(path, tables) => {
                for t in tables {
                    self.start_loading_layer(path.clone(), Some(t));
                }
            }
            Command::CancelLoading => {
                for l in &self.loading {
                    l.cancel.store(true, Ordering::Relaxed);
                }
            }
            Command::DismissMessage(id) => {
                if let Some(m) = self.log.iter_mut().find(|m| m.id == id) {
                    m.dismissed = true;
                }
            }
            Command::OpenPath(path) => self.open_with_desktop(&path),
            Command::ToggleLog => self.log_open = !self.log_open,
            Command::ReshowMessage(id) => {
                let now_s = self.now_s;
                if let Some(m) = self.log.iter_mut().find(|m| m.id == id) {
                    m.dismissed = false;
                    m.created_s = now_s;
                }
            }
            Command::RenameLayer(i, name) => {
                let taken = self
                    .layers
                    .iter()
                    .enumerate()
                    .any(|(k, l)| k != i && l.spec.name == name);
                if taken || name.trim().is_empty() {
                    let text = format!("{} {name}", self.tr("name_taken"));
                    self.notify(Level::Warning, text);
                } else if let Some(l) = self.layers.get_mut(i)
                    && l.spec.name != name
                {
                    l.spec.name = name;
                    self.dirty = true;
                }
            }
            Command::OpenDialog(purpose) => self.open_dialog(purpose),
            Command::FileChosen(chosen) => self.apply_chosen(chosen),
            Command::Notify(text) => self.notify(Level::Success, text),
            Command::CardFor(li, fi) => {
                let id = self
                    .layers
                    .get(li)
                    .and_then(|l| l.data.as_ref().ok())
                    .map(|l| l.feature_id(fi));
                if let Some(id) = id {
                    self.export.kind = ExportKind::Cards;
                    self.export.only = Some((li, fi));
                    let zh = self.settings.lang == Lang::Zh;
                    let name = format!("{id}_{}.pdf", if zh { "图则" } else { "card" });
                    self.export.path = self.export_path_for(&name);
                    self.export.open = true;
                }
            }
            Command::SetClearanceLayer(on) => self.analysis.clearance_on = on,
            Command::ShowLifeCircles(open) => {
                self.analysis.coverage_open = open;
                if !open {
                    self.analysis.coverage_kind = None;
                }
            }
            Command::SetLifeCircleType(kind) => self.analysis.coverage_kind = kind,
            Command::ExportLifeCircles(path) => self.export_life_circles(path),
            Command::ShowExport => {
                // A card's file named after one parcel is not the selection's.
                let was_card = self.export.only.take().is_some();
                if self.export.path.trim().is_empty() || was_card {
                    let name = self.default_file_name(Purpose::Export);
                    self.export.path = self.export_path_for(&name);
                }
                self.export.open = true;
            }
            other => self.apply_project_command_with_layers(other),
        }
    }

    /// Project and briefing commands, and the 净空 layer they show or keep: a
    /// bookmark lists it among its layers as [`CLEARANCE_LAYER`], so a slide shows
    /// the surfaces, and leaving the briefing brings the layer back as it was.
    ///
    /// [`CLEARANCE_LAYER`]: map::widget::analysis_layers::CLEARANCE_LAYER
    fn apply_project_command_with_layers(&mut self, c: Command) {
        use map::widget::analysis_layers::CLEARANCE_LAYER;
        let was_briefing = self.briefing.active;
        let shown_bookmark = match &c {
            Command::GoToBookmark(i) => Some(*i),
            _ => None,
        };
        let captured = match &c {
            Command::AddBookmark => Some(self.bookmarks.len()),
            Command::UpdateBookmark(i) => Some(*i),
            _ => None,
        };
        let slides = matches!(
            c,
            Command::StartBriefing
                | Command::StartBriefingHere
                | Command::NextSlide
                | Command::PrevSlide
        );
        let stops = c == Command::StopBriefing;
        let bookmarks_before = self.bookmarks.len();
        self.apply_project_command(c);
        if !was_briefing && self.briefing.active {
            self.analysis.clearance_before_briefing = Some(self.analysis.clearance_on);
        }
        let shown =
            shown_bookmark.or((slides && self.briefing.active).then_some(self.briefing.slide));
        if let Some(b) = shown.and_then(|i| self.bookmarks.get(i))
            && !b.layers.is_empty()
        {
            self.analysis.clearance_on = b.layers.iter().any(|n| n == CLEARANCE_LAYER);
        }
        if stops
            && !self.briefing.active
            && let Some(on) = self.analysis.clearance_before_briefing.take()
        {
            self.analysis.clearance_on = on;
        }
        // A bookmark taken while the 净空 layer shows keeps it among its layers.
        let taken =
            captured.filter(|&i| i < bookmarks_before || self.bookmarks.len() > bookmarks_before);
        if let Some(b) = taken.and_then(|i| self.bookmarks.get_mut(i)) {
            b.layers.retain(|n| n != CLEARANCE_LAYER);
            if self.analysis.clearance_on && !b.layers.is_empty() {
                b.layers.push(CLEARANCE_LAYER.to_string());
            }
        }
    }

    /// Rebuilds a layer's drawing off the UI thread (a million parcels take seconds);
    /// the old drawing shows until the new one is ready.
    fn restyle(&mut self, i: usize) {
        let Some(l) = self.layers.get(i) else { return };
        let Ok(data) = &l.data else { return };
        let (data, style, palette) = (data.clone(), l.spec.style.clone(), self.settings.palette);
        let target = data.clone();
        let handle = std::thread::spawn(move || DrawLayer::build(&data, &style, palette));
        self.restyling.push((target, handle));
    }

    /// Takes in rebuilt drawings, matching layers by their data (they may have moved).
    fn poll_restyling(&mut self) {
        let mut still = Vec::new();
        for (target, handle) in self.restyling.drain(..) {
            if !handle.is_finished() {
                still.push((target, handle));
                continue;
            }
            let Ok(draw) = handle.join() else { continue };
            if let Some(l) = self
                .layers
                .iter_mut()
                .find(|l| l.data.as_ref().is_ok_and(|d| Arc::ptr_eq(d, &target)))
            {
                l.draw = Some(Arc::new(draw));
                l.overlay.replace(None);
            }
        }
        self.restyling = still;
    }

    /// Tiles of the basemap and of the layers still being drawn or fetched, and files
    /// still loading: zero once the map shows everything.
    pub fn map_loading(&self) -> usize {
        let basemap = self.basemap_tiles.as_ref().map_or(0, |t| t.loading());
        basemap
            + map::widget::overlay_loading(&self.layers)
            + self.loading.len()
            + self.restyling.len()
    }

    /// Combines hits with a layer's selection.
    fn select_in(&mut self, li: usize, hits: &[usize], op: SelectOp) {
        if let Some(l) = self.layers.get_mut(li) {
            Arc::make_mut(&mut l.selection).apply(op, hits);
            self.selection_changed();
        }
    }

    fn clear_selection(&mut self) {
        for li in 0..self.layers.len() {
            self.live_select(li, None, SelectOp::Replace);
        }
        for l in &mut self.layers {
            if !l.selection.is_empty() {
                Arc::make_mut(&mut l.selection).clear();
            }
        }
        self.selected = None;
        self.selection_changed();
    }

    fn selection_changed(&mut self) {
        self.selection_version += 1;
    }

    /// A drawn area as the server tests it, by the area mode.
    fn live_region(&self, query: &AreaQuery) -> crate::sources::postgis::live::Region {
        use crate::sources::postgis::live::Region;
        let within = self.area_mode != AreaMode::Intersects;
        match query {
            AreaQuery::Rect(r) if !within => Region::Rect(*r),
            AreaQuery::Rect(r) => Region::Polygon {
                area: geo::MultiPolygon(vec![r.to_polygon()]),
                within,
            },
            AreaQuery::Polygon(p) => Region::Polygon {
                area: geo::MultiPolygon(vec![p.clone()]),
                within,
            },
            AreaQuery::Line(l) => Region::Line(l.clone()),
        }
    }

    /// The features of layer `li` a drawn area meets, by the area mode.
    fn query_hits(&self, li: usize, query: &AreaQuery) -> Vec<usize> {
        let Some(Ok(data)) = self.layers.get(li).map(|l| &l.data) else {
            return Vec::new();
        };
        match query {
            AreaQuery::Rect(r) if self.area_mode == AreaMode::Intersects => {
                crate::selection::in_rect(data, *r)
            }
            AreaQuery::Rect(r) => crate::selection::in_polygon(
                data,
                &geo::MultiPolygon(vec![r.to_polygon()]),
                self.area_mode,
            ),
            AreaQuery::Polygon(p) => crate::selection::in_polygon(
                data,
                &geo::MultiPolygon(vec![p.clone()]),
                self.area_mode,
            ),
            AreaQuery::Line(l) => crate::selection::along_line(data, l),
        }
    }

    fn select_where(&mut self, text: &str, op: SelectOp) {
        let Some(li) = self.active else {
            self.expr_error = Some(self.tr("no_active_layer").to_string());
            return;
        };
        let Some(Ok(data)) = self.layers.get(li).map(|l| &l.data) else {
            return;
        };
        match crate::expr::Expr::parse(text).and_then(|e| e.bind(data)) {
            Ok(bound) => {
                let hits = bound.filter(data, None);
                self.expr_error = None;
                self.select_in(li, &hits, op);
            }
            Err(e) => self.expr_error = Some(e.to_string()),
        }
    }

    /// The lon/lat box of a layer's selection.
    pub fn selection_bbox(&self, li: usize) -> Option<geo::Rect<f64>> {
        let l = self.layers.get(li)?;
        l.data.as_ref().ok()?.bbox_of(l.selection.ids())
    }

    /// Finds features of the visible layers by id or name (ignoring case): exact
    /// matches first, then those containing the text, at most [`SEARCH_PER_LAYER`] a
    /// layer. The hits are grouped by layer, the active layer's first and then the
    /// others from the top of the drawing order down, as the layers panel lists
    /// them. Hidden layers and the basemap's are not searched: a hit there could not
    /// be seen. The map goes to the first exact hit (else the first hit), which is
    /// identified, and selected only if it is in the active layer: searching never
    /// changes the layer the tools work on.
    fn search(&mut self, text: &str) {
        let needle = text.trim().to_lowercase();
        self.search_results.clear();
        self.searched = None;
        if needle.is_empty() {
            return;
        }
        self.searched = Some(text.trim().to_string());
        let active = self.active;
        let order: Vec<usize> = active
            .into_iter()
            .chain(
                (0..self.layers.len())
                    .rev()
                    .filter(|&li| Some(li) != active),
            )
            .collect();
        for li in order {
            let Some(l) = self.layers.get(li) else {
                continue;
            };
            if !l.spec.visible || l.spec.role.as_deref() == Some("basemap") {
                continue;
            }
            let Ok(data) = &l.data else { continue };
            let mut exact = Vec::new();
            let mut partial = Vec::new();
            for fi in 0..data.len() {
                let id = data.feature_id(fi);
                let name = data
                    .roles
                    .name
                    .and_then(|k| data.value(fi, k).to_text())
                    .unwrap_or_default();
                let (id_l, name_l) = (id.to_lowercase(), name.to_lowercase());
                let is_exact = id_l == needle || name_l == needle;
                if !is_exact && !id_l.contains(&needle) && !name_l.contains(&needle) {
                    continue;
                }
                let label = if name.is_empty() || name == id {
                    id
                } else {
                    format!("{id} {name}")
                };
                let hit = SearchHit {
                    layer: li,
                    feature: fi,
                    label,
                    exact: is_exact,
                };
                if is_exact {
                    exact.push(hit);
                } else {
                    partial.push(hit);
                }
            }
            exact.extend(partial);
            exact.truncate(SEARCH_PER_LAYER);
            self.search_results.extend(exact);
        }
        let first = self
            .search_results
            .iter()
            .find(|h| h.exact)
            .or(self.search_results.first())
            .map(|h| (h.layer, h.feature));
        if let Some((li, fi)) = first {
            self.go_to_hit(li, fi);
        }
    }

    /// Zooms to a feature and identifies it; selects it (replacing the selection)
    /// only when it belongs to the active layer, which stays the active layer.
    fn go_to_hit(&mut self, li: usize, fi: usize) {
        if self.layers.get(li).is_none() {
            return;
        }
        self.selected = Some((li, fi));
        if self.active == Some(li) {
            self.select_in(li, &[fi], SelectOp::Replace);
        }
        self.apply(Command::ZoomToFeature(li, fi));
    }

    /// The sketch of the current drawing or measuring tool, in lon/lat.
    pub fn sketch(&self) -> &tools::Sketch {
        &self.sketch
    }

    fn start_loading(&mut self, path: PathBuf) {
        self.start_loading_layer(path, None);
    }

    /// Loads one file, or one layer (table) of a multi-layer file, in the
    /// background. A layer read from a GeoPackage is named after it and keeps its
    /// table in the project.
    fn start_loading_layer(&mut self, path: PathBuf, table: Option<String>) {
        // A table in live mode is never loaded whole: a worker answers the map's
        // questions instead.
        if let Some(mut address) = path
            .to_str()
            .filter(|t| crate::sources::postgis::is_address(t))
            .and_then(|t| crate::sources::postgis::Address::parse(t).ok())
            && address.mode == crate::sources::postgis::Mode::Live
        {
            if address.table.is_none()
                && let Some((schema, t)) = table
                    .as_deref()
                    .and_then(crate::sources::postgis::address::split_qualified)
            {
                address.schema = schema;
                address.table = Some(t);
            }
            self.open_live(address);
            return;
        }
        let bytes_read = Arc::new(AtomicU64::new(0));
        let cancel = Arc::new(AtomicBool::new(false));
        let total = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let (b, c, p) = (bytes_read.clone(), cancel.clone(), path.clone());
        let palette = self.settings.palette;
        let handle = std::thread::spawn(move || {
            let progress =
                move |read: u64, _total: Option<u64>, _n: usize| b.store(read, Ordering::Relaxed);
            let control = LoadControl {
                progress: Some(&progress),
                cancel: Some(&c),
            };
            let options = LoadOptions {
                layer: table.clone(),
                name: table.clone(),
                ..LoadOptions::default()
            };
            let layer = load_path(&p, &options, control).map_err(|e| LoadFailure::of(&e))?;
            let mut pl = ProjectLayer::from_file(&p, Ok(layer));
            if let Some(t) = table {
                pl.spec.name = t.clone();
                pl.spec.layer = Some(t);
            }
            Ok(MapLayer::new(pl, palette))
        });
        self.loading.push(Loading {
            path,
            bytes_read,
            total,
            cancel,
            handle,
        });
    }

    /// Adds a layer to the map under a unique name (a second 地块, another
    /// file's or a GeoPackage's table, becomes 地块 (2)) and returns the name.
    fn add_layer(&mut self, mut map_layer: MapLayer) -> String {
        let base = map_layer.spec.name.clone();
        let mut k = 2;
        while self
            .layers
            .iter()
            .any(|l| l.spec.name == map_layer.spec.name)
        {
            map_layer.spec.name = format!("{base} ({k})");
            k += 1;
        }
        let name = map_layer.spec.name.clone();
        self.layers.push(map_layer);
        self.dirty = true;
        if self.active.is_none() {
            self.active = default_active(&self.layers);
        }
        name
    }

    /// Takes in layers that finished loading.
    fn poll_loading(&mut self) {
        let mut still = Vec::new();
        for l in std::mem::take(&mut self.loading) {
            if !l.handle.is_finished() {
                still.push(l);
                continue;
            }
            let file = file_name(&l.path);
            match l.handle.join() {
                Ok(Ok(map_layer)) => {
                    if let Ok(layer) = &map_layer.data {
                        let table = map_layer.spec.layer.clone();
                        self.report_loaded(&l.path, table.as_deref(), layer);
                        if let Some(r) = layer.bbox() {
                            self.fit = Some(FitRequest::of_rect(r));
                        }
                    }
                    self.add_layer(map_layer);
                }
                Ok(Err(f)) => {
                    let level = if f.problem == "load_cancelled" {
                        Level::Info
                    } else {
                        Level::Error
                    };
                    let text = format!("{} {file}: {}", self.tr("load_failed"), self.tr(f.problem));
                    self.notify_with(level, text, vec![f.detail], Some(l.path.clone()));
                }
                Err(_) => {
                    let text = format!(
                        "{} {file}: {}",
                        self.tr("load_failed"),
                        self.tr("load_crashed")
                    );
                    self.notify_with(Level::Error, text, Vec::new(), Some(l.path.clone()));
                }
            }
        }
        self.loading = still;
    }

    fn tr(&self, key: &'static str) -> &'static str {
        tr(self.settings.lang, key)
    }
}

impl ParcelApp {
    /// What the first frame sets up: the CJK font and the basemap's tile worker.
    fn start(&mut self, ctx: &egui::Context) {
        self.started = true;
        self.egui_ctx = Some(ctx.clone());
        install_fonts(ctx);
    }

    /// Opens the tile source of the chosen basemap. A source that cannot open (no
    /// key, a broken file) leaves the map without a basemap and says why.
    fn open_basemap(&mut self, ctx: &egui::Context) {
        self.basemap_stale = false;
        self.basemap_tiles = None;
        self.network_reported = false;
        let env_token = std::env::var("TIANDITU_TOKEN").ok();
        let token = Some(self.settings.tianditu_token.clone())
            .filter(|t| !t.trim().is_empty())
            .or(env_token);
        let source_ctx = SourceContext {
            offline: Some(self.basemap.clone()),
            cache_dir: eframe::storage_dir("parcelview").map(|d| d.join("tiles")),
            tianditu_token: token,
        };
        match open_source(&self.settings.basemap, &source_ctx) {
            Ok(Some(source)) => {
                // Network sources wait on servers, so more of them run at once; the
                // offline renderer is CPU-bound and gets one thread, leaving the other
                // core to the interface.
                let workers = if source.is_online() { 4 } else { 1 };
                self.basemap_tiles = Some(tiles::TileLayer::new(ctx.clone(), source, workers));
            }
            Ok(None) => {}
            // Nothing to draw an offline basemap from is a fact about the
            // project, not a failure: the map shows its layers on the plain
            // background and the menu offers the online basemaps.
            Err(crate::tiles::TileError::NoOfflineData) => {
                self.log_only(
                    Level::Info,
                    self.tr("basemap_no_offline_data").to_string(),
                    Vec::new(),
                    None,
                );
            }
            Err(e) => {
                // The source's own words (often English) go to the log's details.
                let text = format!(
                    "{}: {}",
                    self.tr("basemap_unavailable"),
                    self.tr("see_details")
                );
                self.notify_with(Level::Error, text, vec![e.to_string()], None);
            }
        }
    }

    /// Reports, once, that an online basemap cannot be reached; the map goes on.
    fn check_network(&mut self) {
        let Some(t) = &self.basemap_tiles else { return };
        if t.is_online() && t.failures > 0 && !self.network_reported {
            self.network_reported = true;
            let reason = t
                .last_error
                .as_ref()
                .map(|e| e.to_string())
                .unwrap_or_default();
            let text = format!("{}: {}", self.tr("offline_note"), self.tr("network_failed"));
            self.notify_with(Level::Warning, text, vec![reason], None);
        }
    }

    /// Draws one frame of the whole window and then applies the commands it produced.
    pub fn frame_ui(&mut self, ui: &mut egui::Ui) {
        if !self.started {
            self.start(ui.ctx());
        }
        let title = self.window_title_text();
        if title != self.window_title {
            ui.ctx()
                .send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.window_title = title;
        }
        if self.basemap_stale {
            self.open_basemap(&ui.ctx().clone());
        }
        if let Some(t) = &mut self.basemap_tiles {
            t.receive();
        }
        self.now_s = ui.ctx().input(|i| i.time);
        self.check_network();
        self.poll_loading();
        self.poll_live();
        self.poll_restyling();
        // The export code reports its result as a text; knowing which file was
        // being written turns it into a message with the file to open.
        let exported = self.exporting.as_ref().map(|e| e.path.clone());
        self.poll_export();
        if let Some(path) = exported
            && self.exporting.is_none()
        {
            self.route_export_result(&path);
        }
        self.route_messages();
        self.poll_opening();
        let analysing = self
            .analysis
            .poll(&self.layers, self.active, &self.project_base.airport);
        let exporting_circles = self.poll_life_circle_export();
        if analysing || exporting_circles {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(100));
        }
        self.autosave_tick(ui.ctx());
        if self.briefing.active {
            self.briefing_frame_ui(ui);
            for c in std::mem::take(&mut self.commands) {
                self.apply(c);
            }
            return;
        }
        let (f5_here, f5) = ui.ctx().input_mut(|i| {
            (
                i.consume_key(egui::Modifiers::SHIFT, egui::Key::F5),
                i.consume_key(egui::Modifiers::NONE, egui::Key::F5),
            )
        });
        if !self.bookmarks.is_empty() {
            if f5_here {
                self.push(Command::StartBriefingHere);
            } else if f5 {
                self.push(Command::StartBriefing);
            }
        }
        // Shift+Ctrl+S is asked first: `consume_key` with Ctrl alone would take it.
        let command_shift = egui::Modifiers::COMMAND | egui::Modifiers::SHIFT;
        let (save_as, save, open) = ui.ctx().input_mut(|i| {
            (
                i.consume_key(command_shift, egui::Key::S),
                i.consume_key(egui::Modifiers::COMMAND, egui::Key::S),
                i.consume_key(egui::Modifiers::COMMAND, egui::Key::O),
            )
        });
        if save_as {
            self.push(Command::OpenDialog(Purpose::SaveProjectAs));
        } else if save {
            self.push(Command::SaveProject(None));
        }
        if open {
            self.push(Command::OpenDialog(Purpose::Open));
        }
        // Ctrl+Z in a text field undoes the typing there, not a map step.
        let typing = ui.ctx().memory(|m| m.focused().is_some());
        if !typing && !self.file_dialog_open() {
            let (redo_shift, undo, redo, back, forward) = ui.ctx().input_mut(|i| {
                (
                    i.consume_key(command_shift, egui::Key::Z),
                    i.consume_key(egui::Modifiers::COMMAND, egui::Key::Z),
                    i.consume_key(egui::Modifiers::COMMAND, egui::Key::Y),
                    i.consume_key(egui::Modifiers::ALT, egui::Key::ArrowLeft),
                    i.consume_key(egui::Modifiers::ALT, egui::Key::ArrowRight),
                )
            });
            if undo {
                self.push(Command::Undo);
            }
            if redo || redo_shift {
                self.push(Command::Redo);
            }
            if back {
                self.push(Command::PrevExtent);
            }
            if forward {
                self.push(Command::NextExtent);
            }
        }
        let dropped: Vec<PathBuf> = ui.ctx().input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        let (tile_files, layers): (Vec<PathBuf>, Vec<PathBuf>) =
            dropped.into_iter().partition(|p| {
                p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    e.eq_ignore_ascii_case("pmtiles") || e.eq_ignore_ascii_case("mbtiles")
                })
            });
        if let Some(file) = tile_files.into_iter().next() {
            self.push(Command::SetBasemap(BasemapChoice::File(file)));
        }
        if !layers.is_empty() {
            self.push(Command::OpenFiles(layers));
        }
        if ui.ctx().input(|i| i.key_pressed(egui::Key::Escape)) {
            // Esc cancels what is under way: the sketch being drawn, else the
            // identified feature's panel. It never clears a selection, which may
            // have taken many clicks to build (清除选择 does that).
            if self.sketch.points.is_empty() || self.sketch.done {
                self.push(Command::Select(None));
            }
            self.sketch.clear();
        }
        if ui.ctx().input(|i| i.key_pressed(egui::Key::Home)) {
            self.push(Command::Home);
        }

        egui::Panel::top("menu").show(ui, |ui| {
            self.menu_ui(ui);
            ui.separator();
            self.toolbar_ui(ui);
        });
        egui::Panel::bottom("status").show(ui, |ui| self.status_ui(ui));
        if self.show_table {
            egui::Panel::bottom("table")
                .resizable(true)
                .default_size(260.0)
                .show(ui, |ui| self.table_ui(ui));
        }
        egui::Panel::left("layers")
            .resizable(true)
            .default_size(290.0)
            .show(ui, |ui| self.layers_ui(ui));
        // Wide enough for the balance table's 比例 column and the identify panel's
        // buttons at the usual window sizes.
        egui::Panel::right("identify")
            .resizable(true)
            .default_size(420.0)
            .min_size(340.0)
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    for (tab, key) in [
                        (RightTab::Identify, "identify"),
                        (RightTab::Statistics, "statistics"),
                    ] {
                        if ui
                            .selectable_label(self.right_tab == tab, self.tr(key))
                            .clicked()
                        {
                            self.right_tab = tab;
                        }
                    }
                });
                ui.separator();
                match self.right_tab {
                    RightTab::Identify => self.identify_ui(ui),
                    RightTab::Statistics => self.stats_ui(ui),
                }
            });
        let map_rect = egui::CentralPanel::default()
            .show(ui, |ui| self.map_ui(ui))
            .response
            .rect;
        if let Some(v) = self.last_view {
            let c = v.centre_lon_lat();
            let dragging = ui.ctx().input(|i| i.pointer.any_down());
            if !dragging {
                self.extents.observe([c.x, c.y, v.zoom()], self.now_s);
            }
        }
        // Texts the export dialog added while it was drawn become messages before
        // the bar is drawn, so they show in this frame.
        self.route_messages();
        self.message_bar_ui(&ui.ctx().clone(), map_rect);
        if self.log_open {
            self.message_log_ui(&ui.ctx().clone());
        }
        if self.export.open {
            self.export_ui(&ui.ctx().clone());
        }
        if self.recovery_offer.is_some() {
            self.recovery_ui(&ui.ctx().clone());
        }
        if self.selection_colour_open {
            self.selection_colour_ui(&ui.ctx().clone());
        }
        if self.settings_open {
            self.settings_ui(&ui.ctx().clone());
        }
        if self.rename.is_some() {
            self.rename_ui(&ui.ctx().clone());
        }
        if self.database_dialog.is_some() {
            self.database_ui(&ui.ctx().clone());
        }
        if self.layer_choice.is_some() {
            self.layer_choice_ui(&ui.ctx().clone());
        }
        if self.analysis.coverage_open {
            self.life_circle_ui(&ui.ctx().clone());
        }
        self.file_dialog_ui(&ui.ctx().clone());

        if !self.loading.is_empty()
            || !self.restyling.is_empty()
            || self.exporting.is_some()
            || self.opening.is_some()
        {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(100));
        }
        for c in std::mem::take(&mut self.commands) {
            self.apply(c);
        }
    }
}

/// The messages of the session: made, routed from the export code, and acted on.
impl ParcelApp {
    /// Adds a message to the bar and the log.
    pub fn notify(&mut self, level: Level, text: String) {
        self.notify_with(level, text, Vec::new(), None);
    }

    /// Adds a message with detail lines for the log and a file to open.
    pub fn notify_with(
        &mut self,
        level: Level,
        text: String,
        details: Vec<String>,
        path: Option<PathBuf>,
    ) {
        // Texts the export code added before this one keep their order.
        self.route_messages();
        self.messages.push(text.clone());
        self.messages.extend(details.iter().cloned());
        self.messages_routed = self.messages.len();
        self.log_only(level, text, details, path);
    }

    /// Turns texts added straight to `messages` (by the export dialog: a missing
    /// path) into warnings, so nothing is reported only in the log's plain list.
    fn route_messages(&mut self) {
        let texts: Vec<String> = self
            .messages
            .get(self.messages_routed..)
            .unwrap_or_default()
            .to_vec();
        self.messages_routed = self.messages.len();
        for text in texts {
            self.log_only(Level::Warning, text, Vec::new(), None);
        }
    }

    /// A message for the log and bar whose text is in `messages` already.
    fn log_only(
        &mut self,
        level: Level,
        text: String,
        details: Vec<String>,
        path: Option<PathBuf>,
    ) {
        let id = self.log.last().map_or(0, |m| m.id + 1);
        self.log.push(Message {
            id,
            level,
            text,
            details,
            path,
            created_s: self.now_s,
            dismissed: false,
        });
    }

    /// Turns the text the export code left for a finished export of `path` into a
    /// message: a success naming the whole path with the file to open, a
    /// cancellation, or an error saying in the interface language what went wrong,
    /// with the system's words as the details.
    fn route_export_result(&mut self, path: &std::path::Path) {
        let texts: Vec<String> = self
            .messages
            .get(self.messages_routed..)
            .unwrap_or_default()
            .to_vec();
        self.messages_routed = self.messages.len();
        let full = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let file = file_name(path);
        let exported = self.tr("exported");
        for text in texts {
            if let Some(rest) = text.strip_prefix(exported) {
                // A handout appends its warnings after semicolons.
                let details: Vec<String> = rest.split("; ").skip(1).map(str::to_string).collect();
                let headline = format!("{exported} {}", full.display());
                let level = if details.is_empty() {
                    Level::Success
                } else {
                    Level::Warning
                };
                self.log_only(level, headline, details, Some(full.clone()));
            } else if text.ends_with(": cancelled") {
                let headline = format!("{} {file}", self.tr("export_cancelled"));
                self.log_only(Level::Info, headline, Vec::new(), None);
            } else {
                let why = self.tr(write_problem(&full, &text));
                let headline = format!("{} {}: {why}", self.tr("export_failed"), full.display());
                self.log_only(Level::Error, headline, vec![text], None);
            }
        }
    }

    /// One message for a file that loaded: its name and feature count, and the
    /// count of import warnings, which the log lists.
    fn report_loaded(&mut self, path: &std::path::Path, table: Option<&str>, layer: &Layer) {
        // A GeoPackage's table is named beside its file: district.gpkg（地块）.
        let file = match table {
            Some(t) => format!("{}（{t}）", file_name(path)),
            None => file_name(path),
        };
        let n = layer.len();
        if layer.warnings.is_empty() {
            let text = format!("{} {file}: {n} {}", self.tr("loaded"), self.tr("features"));
            self.notify_with(Level::Success, text, Vec::new(), Some(path.to_path_buf()));
        } else {
            let text = format!(
                "{} {file}: {n} {}, {} {}",
                self.tr("loaded"),
                self.tr("features"),
                layer.warnings.len(),
                self.tr("import_warnings")
            );
            let details = layer
                .warnings
                .iter()
                .take(MAX_DETAILS)
                .map(|w| w.to_string())
                .collect();
            self.notify_with(Level::Warning, text, details, Some(path.to_path_buf()));
        }
    }

    /// Opens a file or folder with the desktop's program for it, without waiting: the
    /// program is started and a thread collects it when it ends.
    fn open_with_desktop(&mut self, path: &std::path::Path) {
        let opener = if cfg!(target_os = "macos") {
            "open"
        } else if cfg!(target_os = "windows") {
            "explorer"
        } else {
            "xdg-open"
        };
        match std::process::Command::new(opener)
            .arg(path)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
        {
            Ok(mut child) => {
                std::thread::spawn(move || child.wait());
            }
            Err(e) => {
                let text = format!("{} {}", self.tr("cannot_open"), path.display());
                self.notify_with(Level::Error, text, vec![format!("{opener}: {e}")], None);
            }
        }
    }

    /// The messages the bar shows now: at most [`BAR_MAX`], newest first.
    pub fn bar_messages(&self) -> Vec<&Message> {
        self.log
            .iter()
            .rev()
            .filter(|m| m.in_bar(self.now_s))
            .take(BAR_MAX)
            .collect()
    }

    /// The window clock of the last frame, in seconds.
    pub fn now_s(&self) -> f64 {
        self.now_s
    }
}

/// At most this many import warnings of a file are kept as a message's details.
const MAX_DETAILS: usize = 200;

/// A path's last part, as a message names a file.
fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| path.display().to_string())
}

/// Why a file could not be written, as a text key: the folder is missing or is not
/// a folder, writing is not allowed, the format is unknown, or the target is one of
/// the inputs; else the reason is in the details.
fn write_problem(full: &std::path::Path, reason: &str) -> &'static str {
    let folder = full.parent();
    if folder.is_some_and(|d| !d.exists()) {
        "folder_missing"
    } else if folder.is_some_and(|d| !d.is_dir()) {
        "folder_not_folder"
    } else if reason.contains("ermission denied") {
        "write_denied"
    } else if reason.contains("unsupported report format") {
        "unsupported_format"
    } else if reason.contains("refusing to overwrite an input") {
        "would_overwrite_input"
    } else {
        "see_details"
    }
}

impl eframe::App for ParcelApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frame_ui(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        let center = self.map_memory.detached();
        if let Some(p) = center {
            self.settings.view = Some((p.x(), p.y(), self.map_memory.zoom()));
        }
        eframe::set_value(storage, "settings", &self.settings);
    }

    /// A clean exit: unsaved changes stay in the recovery file only if there are
    /// any, so the next start offers them; otherwise the file goes.
    fn on_exit(&mut self) {
        self.autosave_now();
    }
}

impl ParcelApp {
    /// The window's title: the project (its file's name, else 未保存的项目), marked
    /// with ● while it has unsaved changes, as desktop editors mark them.
    pub fn window_title_text(&self) -> String {
        let name = self
            .project_path
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.tr("unsaved_project").to_string());
        let mark = if self.dirty { "● " } else { "" };
        format!("{mark}{name} — parcelview")
    }
}

/// At most this many search hits are listed for each layer.
pub const SEARCH_PER_LAYER: usize = 50;

/// The layer tools act on by default: the first shown layer with a land-use field
/// (the parcels), else any with one, else the first filled layer, else the first.
fn default_active(layers: &[MapLayer]) -> Option<usize> {
    let filled = |l: &MapLayer| {
        l.draw
            .as_ref()
            .is_some_and(|d| matches!(d.paint, draw::Paint::Fill | draw::Paint::Single { .. }))
    };
    let landuse = |l: &MapLayer| {
        l.data.as_ref().is_ok_and(|d| d.roles.landuse.is_some())
            && l.spec.role.as_deref() != Some("basemap")
    };
    layers
        .iter()
        .position(|l| l.spec.visible && landuse(l))
        .or_else(|| layers.iter().position(landuse))
        .or_else(|| layers.iter().position(filled))
        .or_else(|| (!layers.is_empty()).then_some(0))
}

/// A box grown by `factor` around its centre, at least `min_deg` across.
fn padded(r: geo::Rect<f64>, factor: f64, min_deg: f64) -> geo::Rect<f64> {
    let c = r.center();
    let (hw, hh) = (
        (r.width() * factor).max(min_deg) / 2.0,
        (r.height() * factor).max(min_deg) / 2.0,
    );
    geo::Rect::new(
        geo::coord! { x: c.x - hw, y: c.y - hh },
        geo::coord! { x: c.x + hw, y: c.y + hh },
    )
}

/// Opens the window on a project, GeoJSON files, or the bundled project.
pub fn run(paths: Vec<PathBuf>) -> anyhow::Result<()> {
    let project = if paths.is_empty() {
        let bundled = crate::project::bundled_project_path();
        let local = PathBuf::from("maps").join("airport-city.json");
        let path = if local.exists() { local } else { bundled };
        Project::open(&path)?
    } else if let [one] = paths.as_slice()
        && crate::project::is_project_file(one)
    {
        Project::open(one)?
    } else {
        Project::from_files(&paths)
    };
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(format!("parcelview — {}", project.file.title))
            .with_inner_size([1440.0, 900.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "parcelview",
        options,
        Box::new(move |cc| {
            let settings: Settings = cc
                .storage
                .and_then(|s| eframe::get_value(s, "settings"))
                .unwrap_or_default();
            let mut app = ParcelApp::new(project, settings);
            if let Some(dir) = eframe::storage_dir("parcelview") {
                app.use_recovery_file(dir.join("recovery.json"));
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}
