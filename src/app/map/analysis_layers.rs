//! The map's analysis layers: the airport's obstacle limitation surfaces (净空:
//! outlines, 10 m height contours, labels, and the parcels whose 限高 goes above
//! them) and one facility type's life circles (生活圈: service circles, and the
//! residential land outside them hatched).
//!
//! Both are worked out once on a worker thread, from the layers of the moment, and
//! kept in Web Mercator world coordinates with a box for each path; a frame only
//! culls the paths against the view, transforms what is left and paints it. They
//! are worked out again only when the layers they come from change.

use std::collections::BTreeMap;
use std::sync::Arc;

use egui::{Color32, FontId, Pos2, Rect, Shape, Stroke, pos2, vec2};
use geo::{Coord, LineString, MultiPolygon};

use crate::analysis::clearance::{self, ClearanceResult};
use crate::analysis::command::{LifeCircles, TypeMap};
use crate::analysis::ols::{SurfaceKind, Surfaces};
// Rings are stroked as open lines from the middle of their longest edge: a
// closed line's unlimited miters would draw a sliver's corner as a spike across
// the map (see the drawing module's notes).
use crate::app::map::draw::{facility_symbol, loop_as_line};
use crate::app::map::view::View;
use crate::app::{Lang, MapLayer};
use crate::model::Layer;
use crate::render::world_from_lon_lat;

/// The name bookmarks give the 净空 layer in their list of shown layers, so a
/// slide can show the surfaces.
pub const CLEARANCE_LAYER: &str = crate::analysis::CLEARANCE_LAYER;

/// The contours' interval and grid, shared with printed maps.
pub use crate::analysis::clearance::{CONTOUR_CELL_M, CONTOUR_RGB, CONTOUR_STEP_M};

/// The colour conflicting parcels are outlined in: a strong red-orange that no
/// land-use class and not the selection's magenta has.
pub const CONFLICT_RGB: [u8; 3] = [235, 60, 0];

/// The hatching of residential land outside the service circles.
pub const OUTSIDE_RGB: [u8; 3] = [200, 20, 40];

/// A line or ring in world coordinates, with its world box.
pub struct WorldPath {
    pub points: Vec<[f64; 2]>,
    pub bbox: [f64; 4],
}

impl WorldPath {
    fn of(line: &LineString<f64>) -> Option<WorldPath> {
        let points: Vec<[f64; 2]> = line
            .0
            .iter()
            .map(|&c| {
                let w = world_from_lon_lat(c);
                [w.x, w.y]
            })
            .collect();
        let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        for p in &points {
            bbox = [
                bbox[0].min(p[0]),
                bbox[1].min(p[1]),
                bbox[2].max(p[0]),
                bbox[3].max(p[1]),
            ];
        }
        (points.len() >= 2).then_some(WorldPath { points, bbox })
    }

    fn screen(&self, view: &View) -> Vec<Pos2> {
        self.points.iter().map(|w| view.screen(*w)).collect()
    }
}

fn world(c: Coord<f64>) -> [f64; 2] {
    let w = world_from_lon_lat(c);
    [w.x, w.y]
}

/// Polygons as world rings (exterior and holes alike), for outlining and hatching.
fn rings_of(mp: &MultiPolygon<f64>) -> Vec<WorldPath> {
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .filter_map(WorldPath::of)
        .collect()
}

/// The 净空 layer, ready to draw.
pub struct ClearanceDrawing {
    /// Each surface's outline rings.
    pub surfaces: Vec<(SurfaceKind, Option<usize>, Vec<WorldPath>)>,
    /// Each contour's height, lines and label place.
    pub contours: Vec<(f64, Vec<WorldPath>, Option<[f64; 2]>)>,
    /// Where the surfaces' names go.
    pub labels: Vec<(SurfaceKind, Option<usize>, [f64; 2])>,
    /// The parcel layer checked (by its serial) and the check.
    pub parcels_serial: u64,
    pub result: ClearanceResult,
    /// The conflicting parcels, worst first.
    pub conflicts: Vec<usize>,
    /// The runway's two ends' names (the runway designators), for the legend.
    pub runway: String,
    /// The surfaces drawn: the same ones the identify panel reads.
    pub ols: Arc<Surfaces>,
}

impl ClearanceDrawing {
    /// Builds the drawing of `surfaces` (the shared ones, see
    /// [`AnalysisLayers::surfaces`]): their outlines and contours, and the check
    /// of `parcels`.
    pub fn build(
        surfaces: Arc<Surfaces>,
        elevation_m: f64,
        parcels: &Layer,
        parcels_serial: u64,
    ) -> ClearanceDrawing {
        let runway = &surfaces.runway;
        let name = format!("{}/{}", runway.end_name(0, true), runway.end_name(1, true));
        let mut by_surface: BTreeMap<(SurfaceKind, Option<usize>), Vec<WorldPath>> =
            BTreeMap::new();
        for o in surfaces.outlines() {
            let rings = rings_of(&MultiPolygon(vec![o.polygon_lon_lat]));
            by_surface
                .entry((o.surface, o.end))
                .or_default()
                .extend(rings);
        }
        let contours = surfaces
            .contours(CONTOUR_STEP_M, CONTOUR_CELL_M)
            .into_iter()
            .map(|c| {
                let lines = c.lines_lon_lat.iter().filter_map(WorldPath::of).collect();
                (c.height_m, lines, c.label_lon_lat.map(world))
            })
            .collect();
        let labels = surfaces
            .label_points()
            .into_iter()
            .map(|(k, e, p)| (k, e, world(p)))
            .collect();
        let result = clearance::check_layer(parcels, &surfaces, elevation_m);
        let conflicts = result.conflicting().iter().map(|p| p.feature).collect();
        ClearanceDrawing {
            surfaces: by_surface
                .into_iter()
                .map(|((k, e), rings)| (k, e, rings))
                .collect(),
            contours,
            labels,
            parcels_serial,
            result,
            conflicts,
            runway: name,
            ols: surfaces,
        }
    }
}

/// One facility type's life circles, ready to draw.
pub struct TypeDrawing {
    pub circles: Vec<WorldPath>,
    /// The residential land outside the circles: each part's rings, its box and
    /// whether the whole parcel is outside.
    pub outside: Vec<(Vec<WorldPath>, [f64; 4], bool)>,
}

impl TypeDrawing {
    fn of(map: &TypeMap) -> TypeDrawing {
        let circles = map
            .circles_lon_lat
            .iter()
            .filter_map(|(_, p)| WorldPath::of(p.exterior()))
            .collect();
        let outside = map
            .outside
            .iter()
            .filter_map(|o| {
                let rings = rings_of(&o.outside_lon_lat);
                let bbox = rings.iter().fold(None, |acc: Option<[f64; 4]>, r| {
                    Some(match acc {
                        None => r.bbox,
                        Some(b) => [
                            b[0].min(r.bbox[0]),
                            b[1].min(r.bbox[1]),
                            b[2].max(r.bbox[2]),
                            b[3].max(r.bbox[3]),
                        ],
                    })
                })?;
                Some((rings, bbox, o.wholly))
            })
            .collect();
        TypeDrawing { circles, outside }
    }
}

/// The 生活圈 analysis with each type's drawing.
pub struct CoverageDrawing {
    pub analysis: LifeCircles,
    pub types: BTreeMap<String, TypeDrawing>,
    /// The layers it came from, by name, for the panel's notes.
    pub parcels_name: String,
    pub facilities_name: String,
    pub roads_name: Option<String>,
}

/// A layer handed to a worker thread: its name and data.
pub struct NamedLayer {
    pub name: String,
    pub data: Arc<Layer>,
}

impl NamedLayer {
    fn of(l: &MapLayer) -> Option<NamedLayer> {
        Some(NamedLayer {
            name: l.spec.name.clone(),
            data: l.data.as_ref().ok()?.clone(),
        })
    }
}

impl CoverageDrawing {
    /// Works out the coverage of the residential parcels of `parcels` by the
    /// facilities (typed by `type_field`), along `roads` too where given, with
    /// each type's drawing.
    pub fn build(
        parcels: &NamedLayer,
        facilities: &NamedLayer,
        type_field: Option<&str>,
        roads: Option<&NamedLayer>,
    ) -> Result<CoverageDrawing, String> {
        let analysis = crate::analysis::command::life_circles(
            &parcels.data,
            &facilities.data,
            type_field,
            roads.map(|r| r.data.as_ref()),
            true,
        )
        .map_err(|e| format!("{e:#}"))?;
        let types = analysis
            .maps
            .iter()
            .map(|(k, m)| (k.clone(), TypeDrawing::of(m)))
            .collect();
        Ok(CoverageDrawing {
            analysis,
            types,
            parcels_name: parcels.name.clone(),
            facilities_name: facilities.name.clone(),
            roads_name: roads.map(|r| r.name.clone()),
        })
    }
}

/// Work on a worker thread and what it gave.
pub enum Job<T> {
    Idle,
    Running(std::thread::JoinHandle<Result<T, String>>),
    Ready(Arc<T>),
    Failed(String),
}

impl<T> Job<T> {
    /// Takes in the thread's result once it is done; whether it is still running.
    fn poll(&mut self) -> bool {
        let done = matches!(self, Job::Running(h) if h.is_finished());
        if done && let Job::Running(h) = std::mem::replace(self, Job::Idle) {
            *self = match h.join() {
                Ok(Ok(v)) => Job::Ready(Arc::new(v)),
                Ok(Err(e)) => Job::Failed(e),
                Err(_) => Job::Failed("the analysis stopped unexpectedly".into()),
            };
        }
        matches!(self, Job::Running(_))
    }

    pub fn ready(&self) -> Option<&Arc<T>> {
        match self {
            Job::Ready(v) => Some(v),
            _ => None,
        }
    }

    pub fn failed(&self) -> Option<&str> {
        match self {
            Job::Failed(e) => Some(e),
            _ => None,
        }
    }

    pub fn running(&self) -> bool {
        matches!(self, Job::Running(_))
    }
}

/// The analysis layers' state: what is shown, and the worked-out drawings with
/// the layers they were worked out from (by serial).
pub struct AnalysisLayers {
    /// The 净空 layer is shown.
    pub clearance_on: bool,
    pub clearance: Job<ClearanceDrawing>,
    clearance_key: Vec<u64>,
    /// The 生活圈 panel is open.
    pub coverage_open: bool,
    /// The facility type whose circles the map shows.
    pub coverage_kind: Option<String>,
    pub coverage: Job<CoverageDrawing>,
    coverage_key: Vec<u64>,
    /// The 净空 layer's state before a briefing, brought back after it.
    pub clearance_before_briefing: Option<bool>,
    /// The airport's obstacle limitation surfaces, built once for the layers and
    /// airport they came from (see [`AnalysisLayers::surfaces`]).
    surfaces: Option<SurfacesCache>,
}

/// The surfaces of an airport and what they were built from: the serials of the
/// layers that may hold the runway and the project's airport.
struct SurfacesCache {
    layers: Vec<u64>,
    airport: crate::project::AirportSpec,
    built: Result<Arc<Surfaces>, String>,
}

impl Default for AnalysisLayers {
    fn default() -> AnalysisLayers {
        AnalysisLayers {
            clearance_on: false,
            clearance: Job::Idle,
            clearance_key: Vec::new(),
            coverage_open: false,
            coverage_kind: None,
            coverage: Job::Idle,
            coverage_key: Vec::new(),
            clearance_before_briefing: None,
            surfaces: None,
        }
    }
}

/// The parcel layer the analyses work on: the active layer when it is styled by
/// land use, else the first shown layer so styled, else any.
pub fn parcels_layer(layers: &[MapLayer], active: Option<usize>) -> Option<usize> {
    let landuse = |l: &MapLayer| {
        l.spec.style.kind == "landuse"
            && l.spec.role.as_deref() != Some("basemap")
            && l.data.as_ref().is_ok_and(|d| d.roles.landuse.is_some())
    };
    active
        .filter(|&a| layers.get(a).is_some_and(landuse))
        .or_else(|| layers.iter().position(|l| l.spec.visible && landuse(l)))
        .or_else(|| layers.iter().position(landuse))
}

/// The facilities (the first layer drawn as symbols) and the roads (a layer named
/// 道路 or roads, else one read from roads.*).
fn facilities_and_roads(layers: &[MapLayer]) -> (Option<usize>, Option<usize>) {
    let loaded = |l: &MapLayer| l.data.is_ok();
    let facilities = layers
        .iter()
        .position(|l| loaded(l) && l.spec.style.kind == "symbols");
    let stem = |l: &MapLayer| {
        l.path
            .file_stem()
            .map(|s| s.to_string_lossy().to_lowercase())
            .unwrap_or_default()
    };
    let roads = layers
        .iter()
        .position(|l| {
            loaded(l) && (l.spec.name == "道路" || l.spec.name.eq_ignore_ascii_case("roads"))
        })
        .or_else(|| layers.iter().position(|l| loaded(l) && stem(l) == "roads"));
    (facilities, roads)
}

impl AnalysisLayers {
    /// Starts or takes in the analyses the shown layers need; whether one is still
    /// running (the caller repaints until it is done).
    pub fn poll(
        &mut self,
        layers: &[MapLayer],
        active: Option<usize>,
        airport: &crate::project::AirportSpec,
    ) -> bool {
        let parcels = parcels_layer(layers, active);
        if self.clearance_on {
            let key = clearance_key(layers, parcels);
            if key != self.clearance_key && !self.clearance.running() {
                self.clearance_key = key;
                let surfaces = self.surfaces_or_reason(layers, airport);
                self.clearance = start_clearance(layers, parcels, surfaces, airport);
            }
        }
        if self.coverage_open || self.coverage_kind.is_some() {
            let (facilities, roads) = facilities_and_roads(layers);
            let key: Vec<u64> = [parcels, facilities, roads]
                .iter()
                .map(|k| k.and_then(|k| layers.get(k)).map_or(0, |l| l.serial))
                .collect();
            if key != self.coverage_key && !self.coverage.running() {
                self.coverage_key = key;
                self.coverage = match (parcels, facilities) {
                    (Some(p), Some(f)) => {
                        let get = |k: usize| layers.get(k).and_then(NamedLayer::of);
                        let field = layers.get(f).and_then(|l| l.spec.style.field.clone());
                        let (p, f, r) = (get(p), get(f), roads.and_then(get));
                        match (p, f) {
                            (Some(p), Some(f)) => Job::Running(std::thread::spawn(move || {
                                CoverageDrawing::build(&p, &f, field.as_deref(), r.as_ref())
                            })),
                            _ => Job::Idle,
                        }
                    }
                    (None, _) => Job::Failed("no parcel layer styled by land use".into()),
                    (_, None) => Job::Failed("no facility layer drawn as symbols".into()),
                };
            }
        }
        let a = self.clearance.poll();
        let b = self.coverage.poll();
        a || b
    }
}

/// What the clearance drawing depends on: the parcel layer and every loaded layer
/// (the runway may be in any).
fn clearance_key(layers: &[MapLayer], parcels: Option<usize>) -> Vec<u64> {
    let mut key = vec![parcels.and_then(|k| layers.get(k)).map_or(0, |l| l.serial)];
    key.extend(layers.iter().filter(|l| l.data.is_ok()).map(|l| l.serial));
    key
}

fn start_clearance(
    layers: &[MapLayer],
    parcels: Option<usize>,
    surfaces: Result<Arc<Surfaces>, String>,
    airport: &crate::project::AirportSpec,
) -> Job<ClearanceDrawing> {
    let Some(p) = parcels.and_then(|k| layers.get(k)) else {
        return Job::Failed("no parcel layer styled by land use".into());
    };
    let Ok(parcel_data) = p.data.clone() else {
        return Job::Idle;
    };
    let surfaces = match surfaces {
        Ok(s) => s,
        Err(e) => return Job::Failed(e),
    };
    let serial = p.serial;
    let elevation_m = airport.elevation_m.unwrap_or(0.0);
    Job::Running(std::thread::spawn(move || {
        Ok(ClearanceDrawing::build(
            surfaces,
            elevation_m,
            &parcel_data,
            serial,
        ))
    }))
}

/// The layers the runway may be in: the one the project names, else every
/// loaded layer, in order.
fn runway_candidates<'a>(
    layers: &'a [MapLayer],
    airport: &'a crate::project::AirportSpec,
) -> impl Iterator<Item = &'a MapLayer> + 'a {
    layers
        .iter()
        .filter(|l| l.data.is_ok())
        .filter(|l| airport.layer.as_ref().is_none_or(|n| &l.spec.name == n))
}

impl AnalysisLayers {
    /// The airport's obstacle limitation surfaces: from the runway in the layer
    /// the project names (else the first feature 类型 = 跑道 of any layer). They
    /// are built once and shared by the 净空 layer, the identify panel's
    /// 净空限高 line and anything else in the window that asks, and built again
    /// only when those layers or the project's airport change. `None` without a
    /// runway.
    pub fn surfaces(
        &mut self,
        layers: &[MapLayer],
        airport: &crate::project::AirportSpec,
    ) -> Option<Arc<Surfaces>> {
        self.surfaces_or_reason(layers, airport).ok()
    }

    /// [`AnalysisLayers::surfaces`], or why there are none.
    fn surfaces_or_reason(
        &mut self,
        layers: &[MapLayer],
        airport: &crate::project::AirportSpec,
    ) -> Result<Arc<Surfaces>, String> {
        let key: Vec<u64> = runway_candidates(layers, airport)
            .map(|l| l.serial)
            .collect();
        if let Some(c) = &self.surfaces
            && c.layers == key
            && &c.airport == airport
        {
            return c.built.clone();
        }
        let field = airport.runway_field.as_deref();
        let value = airport.runway_value.as_deref();
        let mut built = Err(String::from("no layer has a runway"));
        for l in runway_candidates(layers, airport) {
            let Ok(data) = &l.data else { continue };
            match crate::analysis::runway::Runway::from_layer(data, field, value) {
                Ok(r) => {
                    built = Ok(Arc::new(Surfaces::new(r)));
                    break;
                }
                Err(e) => built = Err(e.to_string()),
            }
        }
        self.surfaces = Some(SurfacesCache {
            layers: key,
            airport: airport.clone(),
            built: built.clone(),
        });
        built
    }

    /// Whether `surfaces` are the very ones the cache holds (one allocation), so
    /// a test can check that the 净空 layer and the identify panel share them.
    pub fn shares_surfaces(&self, surfaces: &Arc<Surfaces>) -> bool {
        self.surfaces
            .as_ref()
            .and_then(|c| c.built.as_ref().ok())
            .is_some_and(|s| Arc::ptr_eq(s, surfaces))
    }
}

fn rgb(c: [u8; 3]) -> Color32 {
    Color32::from_rgb(c[0], c[1], c[2])
}

/// A surface's line colour.
pub fn surface_rgb(kind: SurfaceKind) -> [u8; 3] {
    match kind {
        SurfaceKind::Strip => [70, 70, 70],
        SurfaceKind::Transitional => [130, 70, 170],
        SurfaceKind::InnerHorizontal => [0, 105, 190],
        SurfaceKind::Conical => [0, 140, 140],
        SurfaceKind::Approach => [205, 120, 0],
        SurfaceKind::TakeOffClimb => [150, 95, 35],
    }
}

/// Paints the 净空 layer: outlines, contours with their heights, the surfaces'
/// names and the conflicting parcels, all culled to the view.
pub(crate) fn paint_clearance(
    painter: &egui::Painter,
    view: &View,
    layers: &[MapLayer],
    d: &ClearanceDrawing,
    lang: Lang,
    labels: &mut Vec<Rect>,
) {
    let chinese = lang == Lang::Zh;
    for (height, lines, _) in &d.contours {
        // Every 50 m a bolder line, as on a topographic map.
        let major = (height / 50.0).fract().abs() < 1e-9;
        let stroke = Stroke::new(
            if major { 1.4 } else { 0.8 },
            Color32::from_rgba_unmultiplied(CONTOUR_RGB[0], CONTOUR_RGB[1], CONTOUR_RGB[2], 190),
        );
        for line in lines.iter().filter(|l| view.visible(&l.bbox)) {
            painter.add(Shape::line(line.screen(view), stroke));
        }
    }
    for (kind, _, rings) in &d.surfaces {
        let stroke = Stroke::new(1.8, rgb(surface_rgb(*kind)));
        for ring in rings.iter().filter(|r| view.visible(&r.bbox)) {
            painter.add(Shape::line(loop_as_line(&ring.screen(view)), stroke));
        }
    }
    // The conflicting parcels, over the surfaces, with a white halo so the
    // outline reads on every land-use colour.
    if let Some(layer) = layers.iter().find(|l| l.serial == d.parcels_serial)
        && let Some(draw) = &layer.draw
    {
        for &fi in &d.conflicts {
            let Some(f) = draw.features.get(fi) else {
                continue;
            };
            if !view.visible(&f.bbox) {
                continue;
            }
            super::outline_feature(painter, view, draw, f, Stroke::new(5.0, Color32::WHITE));
            super::outline_feature(painter, view, draw, f, Stroke::new(2.6, rgb(CONFLICT_RGB)));
        }
    }
    // Labels: each contour's height where its label place is in view, else at the
    // middle of its longest line's part in view; then the surfaces' names.
    let clip = painter.clip_rect();
    for (height, lines, at) in &d.contours {
        let text = format!("{} m", crate::model::format_float(*height));
        let place = at
            .map(|w| view.screen(w))
            .filter(|p| clip.shrink(20.0).contains(*p))
            .or_else(|| visible_middle(lines, view, clip.shrink(20.0)));
        if let Some(p) = place {
            super::place_label(painter, labels, p, &text, 10.5, rgb(CONTOUR_RGB));
        }
    }
    for (kind, end, w) in &d.labels {
        let p = view.screen(*w);
        if !clip.contains(p) {
            continue;
        }
        let name = kind.name(chinese);
        let heights = surface_heights(*kind);
        let text = match end {
            Some(e) if matches!(kind, SurfaceKind::Approach | SurfaceKind::TakeOffClimb) => {
                let runway_end = d.runway.split('/').nth(*e).unwrap_or("");
                format!("{name} {runway_end}\n{heights}")
            }
            _ => format!("{name}\n{heights}"),
        };
        super::place_label(painter, labels, p, &text, 12.0, rgb(surface_rgb(*kind)));
    }
}

/// The heights a surface spans, as its label gives them: "45 m", "0–150 m".
pub fn surface_heights(kind: SurfaceKind) -> String {
    use crate::analysis::ols as o;
    let (lo, hi) = match kind {
        SurfaceKind::Strip => (0.0, 0.0),
        SurfaceKind::Transitional => (0.0, o::INNER_HORIZONTAL_HEIGHT_M),
        SurfaceKind::InnerHorizontal => {
            (o::INNER_HORIZONTAL_HEIGHT_M, o::INNER_HORIZONTAL_HEIGHT_M)
        }
        SurfaceKind::Conical => (
            o::INNER_HORIZONTAL_HEIGHT_M,
            o::INNER_HORIZONTAL_HEIGHT_M + o::CONICAL_HEIGHT_M,
        ),
        SurfaceKind::Approach => (0.0, o::approach_level_height_m()),
        SurfaceKind::TakeOffClimb => (0.0, o::TAKE_OFF_LENGTH_M * o::TAKE_OFF_SLOPE),
    };
    let f = |v: f64| crate::model::format_fixed(v, 0);
    if lo == hi {
        format!("{} m", f(lo))
    } else {
        format!("{}–{} m", f(lo), f(hi))
    }
}

/// The middle vertex, among those in `area`, of the line with most vertices there.
fn visible_middle(lines: &[WorldPath], view: &View, area: Rect) -> Option<Pos2> {
    lines
        .iter()
        .filter(|l| view.visible(&l.bbox))
        .map(|l| {
            l.points
                .iter()
                .map(|w| view.screen(*w))
                .filter(|p| area.contains(*p))
                .collect::<Vec<Pos2>>()
        })
        .max_by_key(|v| v.len())
        .and_then(|v| v.get(v.len() / 2).copied())
}

/// Paints one type's life circles (filled lightly, outlined in the type's
/// colour) and hatches the residential land outside them.
pub(crate) fn paint_coverage(painter: &egui::Painter, view: &View, d: &TypeDrawing, kind: &str) {
    let (_, colour) = facility_symbol(kind);
    let fill = Color32::from_rgba_unmultiplied(colour.r(), colour.g(), colour.b(), 34);
    for c in d.circles.iter().filter(|c| view.visible(&c.bbox)) {
        let points = c.screen(view);
        painter.add(Shape::convex_polygon(points.clone(), fill, Stroke::NONE));
        painter.add(Shape::line(loop_as_line(&points), Stroke::new(1.6, colour)));
    }
    let clip = painter.clip_rect();
    let hatch = Stroke::new(1.2, rgb(OUTSIDE_RGB));
    for (rings, bbox, _) in &d.outside {
        if !view.visible(bbox) {
            continue;
        }
        let screen: Vec<Vec<Pos2>> = rings.iter().map(|r| r.screen(view)).collect();
        for seg in hatch_segments(&screen, HATCH_SPACING, clip) {
            painter.line_segment(seg, hatch);
        }
        for ring in screen {
            painter.add(Shape::line(
                loop_as_line(&ring),
                Stroke::new(1.0, rgb(OUTSIDE_RGB)),
            ));
        }
    }
}

/// Points between hatch lines.
const HATCH_SPACING: f32 = 7.0;

/// Diagonal hatch lines (rising to the right) `spacing` points apart across the
/// polygon whose rings are `rings` (exterior and holes alike: the even-odd rule),
/// within `clip`.
pub fn hatch_segments(rings: &[Vec<Pos2>], spacing: f32, clip: Rect) -> Vec<[Pos2; 2]> {
    // Lines x + y = c. Each edge is crossed by the lines whose c lies in its
    // half-open range, so a vertex on a line counts once.
    let (lo, hi) = (clip.min.x + clip.min.y, clip.max.x + clip.max.y);
    let mut crossings: Vec<(i64, f32, Pos2)> = Vec::new();
    for ring in rings {
        let n = ring.len();
        for k in 0..n {
            let (Some(&a), Some(&b)) = (ring.get(k), ring.get((k + 1) % n)) else {
                continue;
            };
            let (ua, ub) = (a.x + a.y, b.x + b.y);
            if ua == ub {
                continue;
            }
            let (u0, u1) = (ua.min(ub).max(lo), ua.max(ub).min(hi));
            let first = (u0 / spacing).ceil() as i64;
            let last = (u1 / spacing).ceil() as i64;
            for line in first..last {
                let c = line as f32 * spacing;
                let t = (c - ua) / (ub - ua);
                let p = a + (b - a) * t;
                crossings.push((line, p.x, p));
            }
        }
    }
    crossings.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut out = Vec::new();
    for group in crossings.chunk_by(|a, b| a.0 == b.0) {
        for pair in group.chunks_exact(2) {
            // A line through a corner where the ring turns back meets it at a
            // point only; that is no hatch line.
            if let [(_, _, p), (_, _, q)] = pair
                && (*p - *q).length() > 1e-4
            {
                out.push([*p, *q]);
            }
        }
    }
    out
}

/// The legend card of the analysis layers shown, bottom right of the map.
pub(crate) fn paint_legend(
    painter: &egui::Painter,
    clip: Rect,
    clearance: Option<&ClearanceDrawing>,
    coverage: Option<(&str, &TypeDrawing)>,
    lang: Lang,
    size: f32,
) {
    let zh = lang == Lang::Zh;
    let mut rows: Vec<(Color32, bool, String)> = Vec::new();
    if let Some(d) = clearance {
        let head = if zh {
            format!("净空限制面（{}）", d.runway)
        } else {
            format!("Obstacle limitation surfaces ({})", d.runway)
        };
        rows.push((Color32::TRANSPARENT, false, head));
        let mut kinds: Vec<SurfaceKind> = d.surfaces.iter().map(|(k, _, _)| *k).collect();
        kinds.dedup();
        for k in kinds {
            rows.push((rgb(surface_rgb(k)), false, k.name(zh).to_string()));
        }
        rows.push((
            rgb(CONTOUR_RGB),
            false,
            if zh {
                format!("限制高度等高线（{} m）", CONTOUR_STEP_M)
            } else {
                format!("Height contours ({} m)", CONTOUR_STEP_M)
            },
        ));
        rows.push((
            rgb(CONFLICT_RGB),
            false,
            if zh {
                format!("限高超出净空（{} 块）", d.conflicts.len())
            } else {
                format!("Height limit above the surfaces ({})", d.conflicts.len())
            },
        ));
    }
    if let Some((kind, d)) = coverage {
        let (_, colour) = facility_symbol(kind);
        rows.push((
            colour,
            false,
            if zh {
                format!("{kind}服务半径（{} 处）", d.circles.len())
            } else {
                format!("{kind} service radius ({})", d.circles.len())
            },
        ));
        rows.push((
            rgb(OUTSIDE_RGB),
            true,
            if zh {
                format!("服务半径外的居住用地（{} 块）", d.outside.len())
            } else {
                format!("Residential land outside ({})", d.outside.len())
            },
        ));
    }
    if rows.is_empty() {
        return;
    }
    let row_h = size * 1.5;
    let galleys: Vec<_> = rows
        .iter()
        .map(|(_, _, t)| {
            painter.layout_no_wrap(t.clone(), FontId::proportional(size), Color32::BLACK)
        })
        .collect();
    let w = galleys.iter().map(|g| g.size().x).fold(0.0, f32::max) + size * 3.6;
    let h = row_h * rows.len() as f32 + 12.0;
    let card = Rect::from_min_size(
        pos2(clip.right() - w - 12.0, clip.bottom() - h - 5.0 * size),
        vec2(w, h),
    );
    painter.rect_filled(
        card,
        4.0,
        Color32::from_rgba_unmultiplied(255, 255, 255, 225),
    );
    for (k, ((colour, hatched, _), galley)) in rows.iter().zip(galleys).enumerate() {
        let y = card.top() + 6.0 + row_h * k as f32;
        let swatch = Rect::from_min_size(
            pos2(card.left() + 8.0, y + size * 0.25),
            vec2(size * 1.8, size - 2.0),
        );
        if *colour != Color32::TRANSPARENT {
            if *hatched {
                let ring = vec![
                    swatch.left_top(),
                    swatch.right_top(),
                    swatch.right_bottom(),
                    swatch.left_bottom(),
                ];
                for seg in hatch_segments(&[ring], 4.0, swatch) {
                    painter.line_segment(seg, Stroke::new(1.0, *colour));
                }
                painter.rect_stroke(
                    swatch,
                    0.0,
                    Stroke::new(1.0, *colour),
                    egui::StrokeKind::Inside,
                );
            } else {
                painter.line_segment(
                    [swatch.left_center(), swatch.right_center()],
                    Stroke::new(2.4, *colour),
                );
            }
        }
        painter.galley(pos2(card.left() + size * 3.0, y), galley, Color32::BLACK);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hatching_a_square_gives_diagonals_that_end_on_its_sides() {
        let ring = vec![
            pos2(0.0, 0.0),
            pos2(100.0, 0.0),
            pos2(100.0, 100.0),
            pos2(0.0, 100.0),
        ];
        let clip = Rect::from_min_max(pos2(-10.0, -10.0), pos2(200.0, 200.0));
        let segs = hatch_segments(&[ring], 10.0, clip);
        // x + y = c for c = 10, 20, … 190: 19 lines across the square.
        assert_eq!(segs.len(), 19);
        for [p, q] in &segs {
            assert!((p.x + p.y - (q.x + q.y)).abs() < 1e-3, "{p:?} {q:?}");
            for r in [p, q] {
                let on_side = r.x.abs() < 1e-3
                    || (r.x - 100.0).abs() < 1e-3
                    || r.y.abs() < 1e-3
                    || (r.y - 100.0).abs() < 1e-3;
                assert!(on_side, "{r:?}");
            }
        }
    }

    #[test]
    fn a_hole_is_left_unhatched() {
        let outer = vec![
            pos2(0.0, 0.0),
            pos2(100.0, 0.0),
            pos2(100.0, 100.0),
            pos2(0.0, 100.0),
        ];
        let hole = vec![
            pos2(40.0, 40.0),
            pos2(60.0, 40.0),
            pos2(60.0, 60.0),
            pos2(40.0, 60.0),
        ];
        let clip = Rect::from_min_max(pos2(-10.0, -10.0), pos2(200.0, 200.0));
        let segs = hatch_segments(&[outer, hole], 10.0, clip);
        // The line through the square's centre (c = 100) is cut in two by the hole.
        let through: Vec<_> = segs
            .iter()
            .filter(|[p, _]| (p.x + p.y - 100.0).abs() < 1e-3)
            .collect();
        assert_eq!(through.len(), 2);
        for [p, q] in &segs {
            let mid = pos2((p.x + q.x) / 2.0, (p.y + q.y) / 2.0);
            let in_hole = mid.x > 40.0 && mid.x < 60.0 && mid.y > 40.0 && mid.y < 60.0;
            assert!(!in_hole, "{mid:?}");
        }
    }
}
