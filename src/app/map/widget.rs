//! The map: walkers draws the basemap tiles and handles pan and zoom; the overlay
//! (parcels, parks, facilities, highlights, labels, scale bar, north arrow) is
//! painted from the prepared [`DrawLayer`]s, culled to the view.

use egui::{Align2, Color32, FontId, Pos2, Rect, Shape, Stroke, pos2, vec2};
use walkers::{Map, Tiles, lon_lat};

use crate::app::map::draw::{DrawLayer, FeatureDraw, Paint, facility_symbol};
use crate::app::map::overlay_tiles::{OverlaySource, OverlayTiles, SMALL_BELOW};
use crate::app::map::view::View;
use crate::app::{Command, MapLayer, ParcelApp};
use crate::render::{lon_lat_from_world, world_from_lon_lat};
use crate::selection;

// The analysis layers live beside the map's other drawing; declared here so the
// map room's module list stays as it is.
#[path = "analysis_layers.rs"]
pub mod analysis_layers;

/// A colour made more transparent. `Color32` is premultiplied, so scaling all four
/// components is exact, and it is cheap enough to call per feature per frame.
fn with_opacity(c: Color32, opacity: f32) -> Color32 {
    if opacity >= 1.0 {
        c
    } else {
        c.gamma_multiply(opacity.max(0.0))
    }
}

/// What the overlay reports back to the app after drawing.
#[derive(Default)]
struct Interaction {
    view: Option<View>,
    hovered: Option<(usize, usize)>,
    command: Option<Command>,
    cursor: Option<geo::Coord<f64>>,
}

impl ParcelApp {
    pub(crate) fn map_ui(&mut self, ui: &mut egui::Ui) {
        let rect = ui.available_rect_before_wrap();
        if let Some(fit) = self.fit.take() {
            let (centre, zoom) = fit_target(fit.bbox, rect);
            let centre = lon_lat_from_world(geo::coord! { x: centre[0], y: centre[1] });
            self.map_memory.center_at(lon_lat(centre.x, centre.y));
            let _ = self.map_memory.set_zoom(zoom);
        }
        self.fly(ui, rect);
        if !self.briefing.active {
            self.keyboard_navigation(ui);
        }
        let briefing = self.briefing.active;
        let spotlight = briefing && self.briefing.spotlight;
        let compare = self
            .compare
            .map(|c| (c.left, c.right, rect.left() + c.split * rect.width()));
        let active = self.active;
        let home_centre = lon_lat(
            (self.home[0] + self.home[2]) / 2.0,
            (self.home[1] + self.home[3]) / 2.0,
        );
        let selected = self.selected;
        let selection_rgb = self.settings.selection_rgb;
        let lang = self.settings.lang;
        let tool = self.tool;
        // The offline basemap draws the project's roads and water, which the map
        // names; other basemaps letter their own.
        let names = match self.settings.basemap {
            crate::tiles::BasemapChoice::OfflineLight => Some(BasemapInk::Light),
            crate::tiles::BasemapChoice::OfflineDark => Some(BasemapInk::Dark),
            _ => None,
        }
        .filter(|_| self.basemap_tiles.is_some());
        let layers = &self.layers;
        let analysis = &self.analysis;
        let sketch = &mut self.sketch;
        let tiles: Option<&mut dyn Tiles> =
            self.basemap_tiles.as_mut().map(|t| t as &mut dyn Tiles);
        // The wheel zooms, about a level for every two notches, as in desktop GIS.
        // With the pan tool the primary button drags the map and a double click zooms
        // in; drawing tools keep the primary button and pan with the others.
        let pan_buttons = if tool.drags() || tool.clicks_vertices() {
            egui::DragPanButtons::SECONDARY | egui::DragPanButtons::MIDDLE
        } else {
            egui::DragPanButtons::PRIMARY | egui::DragPanButtons::MIDDLE
        };
        let map = Map::new(tiles, &mut self.map_memory, home_centre)
            .zoom_with_ctrl(false)
            .zoom_speed(1.0)
            .drag_pan_buttons(pan_buttons)
            .double_click_to_zoom(!tool.clicks_vertices());
        let result = map.show(ui, |ui, response, projector, _memory| {
            let view = View::new(projector);
            let painter = ui.painter().with_clip_rect(projector.clip_rect());
            let frame = Frame {
                view: &view,
                li: 0,
                selected,
                lang,
                selection_rgb,
            };
            let clip = projector.clip_rect();
            let chrome = if briefing {
                crate::app::map::flight::map_area(clip)
            } else {
                clip
            };
            let k = if briefing { 1.8 } else { 1.0 };
            // Labels keep clear of the scale bar and the north arrow.
            let reserved = vec![
                scale_bar_rect(&view, chrome, k),
                north_arrow_rect(chrome, k),
            ];
            let mut labels = paint_layers(&painter, &frame, layers, compare, names, reserved);
            paint_analysis(
                &painter,
                &view,
                layers,
                analysis,
                lang,
                briefing,
                &mut labels.rects,
            );
            // The labels over every fill, the analysis layers' included, and under
            // the spotlight's veil.
            labels.paint(&painter);
            if spotlight && let Some(layer) = active.and_then(|a| layers.get(a)) {
                paint_spotlight(&painter, &view, layer, selection_rgb);
            }
            if let Some((left, right, x)) = compare {
                swipe_line(&painter, projector.clip_rect(), x, layers, left, right);
            }
            let mut out = Interaction {
                view: Some(view),
                ..Default::default()
            };
            if let Some(p) = response.hover_pos() {
                let ll = view.lon_lat(p);
                out.cursor = Some(ll);
                out.hovered = pick(layers, &view, p, ll, compare);
                if let Some((li, fi)) = out.hovered {
                    highlight(
                        &painter,
                        &view,
                        layers,
                        li,
                        fi,
                        Stroke::new(2.0, Color32::from_rgb(0, 170, 255)),
                    );
                    if tool == crate::app::Tool::Pan && !briefing {
                        tooltip(&painter, p, layers, li, fi, lang);
                    }
                }
            }
            if tool == crate::app::Tool::Pan {
                if response.clicked()
                    && let Some(p) = response.interact_pointer_pos().or(response.hover_pos())
                {
                    let op = crate::app::map::tools::op_from(response.ctx.input(|i| i.modifiers));
                    let ll = view.lon_lat(p);
                    // The click identifies what lies on top, but selects in the
                    // active layer only, so the area tools keep their layer.
                    let in_active = active.and_then(|a| pick_in(layers, a, &view, p, ll, compare));
                    out.command = Some(Command::ClickFeature {
                        identified: pick(layers, &view, p, ll, compare),
                        in_active,
                        op,
                    });
                }
            } else {
                out.command = crate::app::map::tools::tool_input(
                    tool, sketch, response, &view, &painter, lang,
                );
            }
            scale_bar(&painter, &view, chrome, k);
            north_arrow(&painter, chrome, k);
            out
        });
        // The swipe line is dragged by a strip registered after the map, so it takes
        // the pointer before the map's own panning.
        if let Some(c) = &mut self.compare {
            let x = rect.left() + c.split * rect.width();
            let strip = Rect::from_center_size(pos2(x, rect.center().y), vec2(28.0, rect.height()));
            let handle = ui.interact(
                strip,
                egui::Id::unique("compare-swipe"),
                egui::Sense::drag(),
            );
            if handle.hovered() || handle.dragged() {
                ui.ctx().set_cursor_icon(egui::CursorIcon::ResizeHorizontal);
            }
            if handle.dragged()
                && let Some(p) = handle.interact_pointer_pos()
            {
                c.split = ((p.x - rect.left()) / rect.width().max(1.0)).clamp(0.02, 0.98);
            }
        }
        // Deeper than zoom 21 (about 1:250 on screen) shows nothing a plan holds.
        if self.map_memory.zoom() > MAX_ZOOM {
            let _ = self.map_memory.set_zoom(MAX_ZOOM);
        }
        let out = result.inner;
        self.hovered = out.hovered;
        self.cursor = out.cursor;
        self.last_view = out.view;
        if let Some(c) = out.command {
            self.push(c);
        }
    }
}

/// Paints the analysis layers that are shown (净空, and the 生活圈 of the type
/// chosen) over the layers, with their legend card outside a briefing (whose
/// own legend says it).
fn paint_analysis(
    painter: &egui::Painter,
    view: &View,
    layers: &[MapLayer],
    analysis: &analysis_layers::AnalysisLayers,
    lang: crate::app::Lang,
    briefing: bool,
    labels: &mut Vec<Rect>,
) {
    let coverage = analysis.coverage_kind.as_ref().and_then(|k| {
        let d = analysis.coverage.ready()?;
        Some((k.as_str(), d.types.get(k)?))
    });
    if let Some((kind, d)) = coverage {
        analysis_layers::paint_coverage(painter, view, d, kind);
    }
    let clearance = analysis
        .clearance
        .ready()
        .filter(|_| analysis.clearance_on)
        .map(|d| d.as_ref());
    if let Some(d) = clearance {
        analysis_layers::paint_clearance(painter, view, layers, d, lang, labels);
    }
    if !briefing {
        analysis_layers::paint_legend(
            painter,
            painter.clip_rect(),
            clearance,
            coverage,
            lang,
            12.0,
        );
    }
}

/// The centre (world coordinates) and zoom that fit a lon/lat box into a map area.
pub fn fit_target(bbox: [f64; 4], rect: Rect) -> ([f64; 2], f64) {
    let a = world_from_lon_lat(geo::coord! { x: bbox[0], y: bbox[3] });
    let b = world_from_lon_lat(geo::coord! { x: bbox[2], y: bbox[1] });
    let (dx, dy) = ((b.x - a.x).max(1e-9), (b.y - a.y).max(1e-9));
    let zoom = (f64::from(rect.width()) / (dx * 256.0))
        .min(f64::from(rect.height()) / (dy * 256.0))
        .log2()
        - 0.1;
    (
        [(a.x + b.x) / 2.0, (a.y + b.y) / 2.0],
        zoom.clamp(2.0, MAX_ZOOM),
    )
}

impl ParcelApp {
    /// Starts a requested flight and moves the map along the one under way.
    fn fly(&mut self, ui: &egui::Ui, rect: Rect) {
        let now = ui.input(|i| i.time);
        if let Some(bbox) = self.briefing.flight_to.take() {
            // In a briefing the bars cover the map's top and bottom: fit the box into
            // what stays visible, then move the centre down to the map's middle.
            let inner = crate::app::map::flight::map_area(rect);
            let (mut centre, zoom) = fit_target(bbox, inner);
            let scale = 256.0 * 2f64.powf(zoom);
            centre[0] += f64::from(rect.center().x - inner.center().x) / scale;
            centre[1] += f64::from(rect.center().y - inner.center().y) / scale;
            let from = match self.last_view {
                Some(v) => {
                    let c = v.world_at(rect.center());
                    (c, v.zoom())
                }
                None => (centre, zoom),
            };
            self.briefing.flight = Some(crate::app::map::flight::Flight::new(
                from,
                (centre, zoom),
                f64::from(rect.width()),
                now,
            ));
        }
        if let Some(f) = self.briefing.flight {
            let ((centre, zoom), done) = f.at(now);
            let ll = lon_lat_from_world(geo::coord! { x: centre[0], y: centre[1] });
            self.map_memory.center_at(lon_lat(ll.x, ll.y));
            let _ = self.map_memory.set_zoom(zoom.clamp(2.0, MAX_ZOOM));
            if done {
                self.briefing.flight = None;
            } else {
                ui.ctx().request_repaint();
            }
        }
    }

    /// Arrow keys pan by a quarter of the map, + and − zoom by one level, unless a
    /// text field has the keyboard.
    fn keyboard_navigation(&mut self, ui: &egui::Ui) {
        if ui.ctx().egui_wants_keyboard_input() {
            return;
        }
        let Some(view) = self.last_view else { return };
        let (pan, zoom) = ui.input(|i| {
            let step = 0.25 * i.viewport_rect().width().min(i.viewport_rect().height());
            let mut pan = egui::Vec2::ZERO;
            for (key, d) in [
                (egui::Key::ArrowLeft, vec2(-step, 0.0)),
                (egui::Key::ArrowRight, vec2(step, 0.0)),
                (egui::Key::ArrowUp, vec2(0.0, -step)),
                (egui::Key::ArrowDown, vec2(0.0, step)),
            ] {
                if i.key_pressed(key) {
                    pan += d;
                }
            }
            let mut zoom = 0.0;
            if i.key_pressed(egui::Key::Plus) || i.key_pressed(egui::Key::Equals) {
                zoom += 1.0;
            }
            if i.key_pressed(egui::Key::Minus) {
                zoom -= 1.0;
            }
            (pan, zoom)
        });
        if pan != egui::Vec2::ZERO {
            let c = view.lon_lat_from_centre(pan);
            self.map_memory.center_at(lon_lat(c.x, c.y));
        }
        if zoom != 0.0 {
            let z = (self.map_memory.zoom() + zoom).clamp(2.0, MAX_ZOOM);
            let _ = self.map_memory.set_zoom(z);
        }
    }
}

/// Paints every visible layer of the map, bottom to top, with labels that do not
/// overlap. Small features of filled layers come from each layer's overlay tiles
/// (see [`crate::app::map::overlay_tiles`]), made on first use with the painter's context.
pub fn paint_overlay(
    painter: &egui::Painter,
    view: &View,
    layers: &[MapLayer],
    selected: Option<(usize, usize)>,
    lang: crate::app::Lang,
) {
    paint_overlay_compared(
        painter,
        view,
        layers,
        selected,
        lang,
        None,
        crate::app::map::draw::DEFAULT_SELECTION_RGB,
    );
}

/// [`paint_overlay`] with two layers compared: `(left, right, x)` shows the left
/// layer only left of the screen position `x` and the right one only right of it,
/// whether or not they are switched on. Selections are outlined in `selection_rgb`.
pub fn paint_overlay_compared(
    painter: &egui::Painter,
    view: &View,
    layers: &[MapLayer],
    selected: Option<(usize, usize)>,
    lang: crate::app::Lang,
    compare: Option<(usize, usize, f32)>,
    selection_rgb: [u8; 3],
) {
    let frame = Frame {
        view,
        li: 0,
        selected,
        lang,
        selection_rgb,
    };
    paint_layers(painter, &frame, layers, compare, None, Vec::new()).paint(painter);
}

/// Paints every layer's fills, outlines, selection and symbols, bottom to top, and
/// returns their labels placed but not yet painted, so the caller paints them
/// over whatever else goes over the layers (the analysis layers). `names` names
/// the basemap's roads and water (when the offline basemap draws them) in its ink.
fn paint_layers(
    painter: &egui::Painter,
    frame: &Frame,
    layers: &[MapLayer],
    compare: Option<(usize, usize, f32)>,
    names: Option<BasemapInk>,
    reserved: Vec<Rect>,
) -> MapLabels {
    let view = frame.view;
    // Symbols are drawn on top of everything, so labels of the layers beneath keep
    // clear of them: their discs are taken first, after the boxes the caller keeps.
    let mut labels = MapLabels {
        rects: reserved,
        ..Default::default()
    };
    let clip = painter.clip_rect();
    for layer in layers.iter().filter(|l| l.spec.visible) {
        let Some(d) = layer.draw.as_ref().filter(|d| d.paint == Paint::Symbols) else {
            continue;
        };
        for f in &d.features {
            if let Some(a) = f.anchor {
                let p = view.screen(a);
                if clip.contains(p) {
                    labels
                        .rects
                        .push(Rect::from_center_size(p, vec2(20.0, 20.0)));
                }
            }
        }
    }
    for (li, layer) in layers.iter().enumerate() {
        if layer.spec.role.as_deref() == Some("basemap") {
            if let Some(ink) = names
                && layer.spec.visible
            {
                name_basemap_layer(view, li, layer, ink, clip, &mut labels);
            }
            continue;
        }
        // A compared layer shows on its side of the line, switched on or not.
        let side = match compare {
            Some((left, _, x)) if li == left => Some(Rect::from_min_max(
                clip.min,
                pos2(x.min(clip.max.x), clip.max.y),
            )),
            Some((_, right, x)) if li == right => Some(Rect::from_min_max(
                pos2(x.max(clip.min.x), clip.min.y),
                clip.max,
            )),
            _ => None,
        };
        let frame = Frame { li, ..*frame };
        match side {
            Some(r) => draw_layer(&painter.with_clip_rect(r), &frame, layer, &mut labels),
            None if layer.spec.visible => draw_layer(painter, &frame, layer, &mut labels),
            None => {}
        }
    }
    labels.place(painter);
    labels
}

/// Dims the map except the layer's selection, which is drawn again on top in its
/// own fill colours and outlined in the selection colour.
fn paint_spotlight(painter: &egui::Painter, view: &View, layer: &MapLayer, selection_rgb: [u8; 3]) {
    if layer.selection.is_empty() {
        return;
    }
    let clip = painter.clip_rect();
    painter.rect_filled(clip, 0.0, Color32::from_rgba_unmultiplied(0, 0, 0, 150));
    let Some(d) = &layer.draw else { return };
    let mut mesh = egui::Mesh::default();
    let [r, g, b] = selection_rgb;
    let edge = Color32::from_rgb(r, g, b);
    for &i in layer.selection.ids() {
        let Some(f) = d.features.get(i) else { continue };
        if !view.visible(&f.bbox) {
            continue;
        }
        if d.paint == Paint::Symbols {
            if let Some(a) = f.anchor {
                painter.circle_filled(view.screen(a), 9.0, edge);
            }
            continue;
        }
        fill_feature(&mut mesh, view, d, f, f.color);
        if mesh.vertices.len() > 60_000 {
            painter.add(Shape::mesh(std::mem::take(&mut mesh)));
        }
    }
    painter.add(Shape::mesh(mesh));
    let shown = selected_in_view(layer, d, view);
    paint_selection(painter, view, d, &shown, selection_rgb);
}

/// The compare swipe line, with the two layers' names beside it.
fn swipe_line(
    painter: &egui::Painter,
    clip: Rect,
    x: f32,
    layers: &[MapLayer],
    left: usize,
    right: usize,
) {
    painter.line_segment(
        [pos2(x, clip.top()), pos2(x, clip.bottom())],
        Stroke::new(3.0, Color32::WHITE),
    );
    painter.line_segment(
        [pos2(x, clip.top()), pos2(x, clip.bottom())],
        Stroke::new(1.0, Color32::from_gray(40)),
    );
    let c = pos2(x, clip.center().y);
    painter.circle_filled(c, 14.0, Color32::WHITE);
    painter.circle_stroke(c, 14.0, Stroke::new(1.5, Color32::from_gray(40)));
    painter.text(
        c,
        Align2::CENTER_CENTER,
        "< >",
        FontId::proportional(14.0),
        Color32::BLACK,
    );
    let name = |i: usize| {
        layers
            .get(i)
            .map(|l| l.spec.name.clone())
            .unwrap_or_default()
    };
    let y = clip.center().y + 34.0;
    for (text, align, dx) in [
        (name(left), Align2::RIGHT_TOP, -10.0),
        (name(right), Align2::LEFT_TOP, 10.0),
    ] {
        let galley = painter.layout_no_wrap(text, FontId::proportional(16.0), Color32::BLACK);
        let size = galley.size() + vec2(12.0, 6.0);
        let min = match align {
            Align2::RIGHT_TOP => pos2(x + dx - size.x, y),
            _ => pos2(x + dx, y),
        };
        let r = Rect::from_min_size(min, size);
        painter.rect_filled(r, 4.0, Color32::from_rgba_unmultiplied(255, 255, 255, 230));
        painter.galley(r.min + vec2(6.0, 3.0), galley, Color32::BLACK);
    }
}

/// Whether any layer's overlay tiles are still being drawn.
pub fn overlay_loading(layers: &[MapLayer]) -> usize {
    layers
        .iter()
        .filter_map(|l| l.overlay.try_borrow().ok())
        .filter_map(|o| o.as_ref().map(|t| t.loading()))
        .sum()
}

/// The share of the layer's box that the view shows (0 to 1).
fn shown_share(d: &DrawLayer, view: &View) -> f64 {
    let rect = view.lon_lat_rect();
    d.bbox.map_or(1.0, |b| {
        let w = (rect.max().x.min(b.max().x) - rect.min().x.max(b.min().x)).max(0.0);
        let h = (rect.max().y.min(b.max().y) - rect.min().y.max(b.min().y)).max(0.0);
        w * h / (b.width() * b.height()).max(f64::MIN_POSITIVE)
    })
}

/// The features at least `min_world` across (world units; 0 for all) whose boxes
/// meet the view, in drawing order (feature order, as in the file).
///
/// A close view asks the spatial index, so a street-level frame costs what it
/// shows. A view that holds a good part of the layer walks the features instead,
/// which is faster than an index that pays per result: all of them in order, or,
/// with a size floor, only the prefix of the size-sorted list that is big enough, so
/// far out, where every feature is in the tiles, a frame visits none.
fn visible_features(layer: &MapLayer, d: &DrawLayer, view: &View, min_world: f64) -> Vec<usize> {
    let Ok(data) = &layer.data else {
        return Vec::new();
    };
    let rect = view.lon_lat_rect();
    let shown_share = shown_share(d, view);
    let wanted = |i: usize| {
        d.features.get(i).is_some_and(|f| {
            (min_world <= 0.0 || f.world_size() >= min_world) && view.visible(&f.bbox)
        })
    };
    let mut v: Vec<usize> = if shown_share < 0.05 && data.index.len() == d.features.len() {
        data.index
            .in_rect(rect)
            .map(|(i, _)| i)
            .filter(|&i| wanted(i))
            .collect()
    } else if min_world <= 0.0 {
        return (0..d.features.len()).filter(|&i| wanted(i)).collect();
    } else {
        d.by_size
            .iter()
            .map(|&i| i as usize)
            .take_while(|&i| {
                d.features
                    .get(i)
                    .is_some_and(|f| f.world_size() >= min_world)
            })
            .filter(|&i| wanted(i))
            .collect()
    };
    v.sort_unstable();
    v
}

/// The deepest zoom the map goes to.
const MAX_ZOOM: f64 = 21.0;

/// Features at least this large (points) get an outline; smaller ones read as
/// patches of colour, and their outlines would only grey the map.
const OUTLINE_FROM: f32 = 12.0;
/// At most this many selected features are outlined in a frame, so a selection of a
/// whole million-parcel layer costs no more to draw than the layer.
const MAX_SELECTED_OUTLINES: usize = 20_000;
/// Features smaller than this many points get their box outlined when selected:
/// at that size the box and the shape cover the same pixels.
const SELECTED_BOX_BELOW: f32 = 4.0;

/// The selected features of a layer whose boxes meet the view, in feature order,
/// at most [`MAX_SELECTED_OUTLINES`].
///
/// Walking the selection costs its size, asking the spatial index what the view
/// holds: a large selection seen close up takes the index, the rest the selection.
pub fn selected_in_view(layer: &MapLayer, d: &DrawLayer, view: &View) -> Vec<usize> {
    let sel = &layer.selection;
    if sel.is_empty() {
        return Vec::new();
    }
    let in_view = |i: &usize| d.features.get(*i).is_some_and(|f| view.visible(&f.bbox));
    let indexed = layer
        .data
        .as_ref()
        .ok()
        .filter(|data| data.index.len() == d.features.len());
    match indexed {
        Some(data) if sel.len() > 2_000 && shown_share(d, view) < 0.05 => {
            let mut v: Vec<usize> = data
                .index
                .in_rect(view.lon_lat_rect())
                .map(|(i, _)| i)
                .filter(|&i| sel.contains(i))
                .filter(in_view)
                .collect();
            v.sort_unstable();
            v.truncate(MAX_SELECTED_OUTLINES);
            v
        }
        _ => sel
            .ids()
            .iter()
            .copied()
            .filter(in_view)
            .take(MAX_SELECTED_OUTLINES)
            .collect(),
    }
}

/// Outlines features as selected: a halo (white under a dark colour, near-black
/// under a light one) and over it a line in `rgb`, both above the fills, which
/// keep their own colours. Every halo goes down before any line, so a neighbour's
/// halo never covers a selected edge. Many selected features at once get finer
/// lines, so their class colours still read between the outlines.
pub fn paint_selection(
    painter: &egui::Painter,
    view: &View,
    d: &DrawLayer,
    ids: &[usize],
    rgb: [u8; 3],
) {
    let fine = match ids.len() {
        0..=400 => 1.0,
        401..=2_000 => 0.5,
        _ => 0.35,
    };
    paint_outlines(painter, view, d, ids, rgb, fine);
}

/// How much bolder than a selection's the identified feature's outline is.
const IDENTIFIED_WIDTH: f32 = 1.6;

/// The halo and line of [`paint_selection`], their widths times `fine`.
fn paint_outlines(
    painter: &egui::Painter,
    view: &View,
    d: &DrawLayer,
    ids: &[usize],
    rgb: [u8; 3],
    fine: f32,
) {
    if ids.is_empty() {
        return;
    }
    let [r, g, b] = rgb;
    let line = Color32::from_rgb(r, g, b);
    let halo = crate::app::map::draw::selection_halo(rgb);
    // Each mark once in screen points: rings and lines, boxes of tiny features, and
    // circles round symbols.
    let mut paths: Vec<(Vec<Pos2>, bool, f32)> = Vec::new();
    let mut boxes: Vec<Rect> = Vec::new();
    let mut circles: Vec<Pos2> = Vec::new();
    for f in ids.iter().filter_map(|&i| d.features.get(i)) {
        if d.paint == Paint::Symbols {
            if let Some(a) = f.anchor {
                circles.push(view.screen(a));
            }
            continue;
        }
        let size = view.size(&f.bbox);
        if size < SELECTED_BOX_BELOW {
            let a = view.screen([f.bbox[0], f.bbox[1]]);
            let b = view.screen([f.bbox[2], f.bbox[3]]);
            boxes.push(Rect::from_two_pos(a, b).expand(1.0));
            continue;
        }
        let k = if size >= OUTLINE_FROM { 1.0 } else { 0.6 };
        for (range, open) in d
            .rings
            .get(f.rings.start as usize..f.rings.end as usize)
            .unwrap_or(&[])
        {
            if let Some(verts) = d.verts.get(range.start as usize..range.end as usize) {
                paths.push((verts.iter().map(|w| view.screen(*w)).collect(), *open, k));
            }
        }
    }
    for (color, width) in [(halo, 6.0 * fine), (line, 3.0 * fine)] {
        for (points, open, k) in &paths {
            let stroke = Stroke::new(width * k, color);
            if *open {
                painter.add(Shape::line(points.clone(), stroke));
            } else {
                painter.add(Shape::closed_line(points.clone(), stroke));
            }
        }
        for r in &boxes {
            painter.rect_stroke(
                *r,
                0.0,
                Stroke::new(width * 0.5, color),
                egui::StrokeKind::Middle,
            );
        }
        for c in &circles {
            painter.circle_stroke(*c, 11.5, Stroke::new(width, color));
        }
    }
}

/// Draws a filled layer's overlay tiles for the view, starting the tile set when it
/// is missing. The tiles hold fills only, which a selection does not change (it is
/// outlined over them), so selecting never redraws them.
fn paint_tiles(
    painter: &egui::Painter,
    view: &View,
    layer: &MapLayer,
    d: &std::sync::Arc<DrawLayer>,
    zoom: u8,
    opacity: f32,
) {
    let Ok(data) = &layer.data else { return };
    let Ok(mut slot) = layer.overlay.try_borrow_mut() else {
        return;
    };
    let edge = match d.paint {
        Paint::Single { edge, .. } => edge,
        _ => Color32::from_rgba_unmultiplied(60, 60, 60, 150),
    };
    if slot.is_none() {
        let source = OverlaySource {
            data: data.clone(),
            draw: d.clone(),
            selection: std::sync::Arc::new(crate::selection::Selection::new(data.len())),
            edge,
        };
        *slot = Some(OverlayTiles::new(painter.ctx(), source));
    }
    if let Some(t) = slot.as_mut() {
        t.receive();
        t.paint(painter, view, zoom, opacity);
    }
}

/// What drawing one layer of a frame needs besides the layer.
#[derive(Clone, Copy)]
struct Frame<'a> {
    view: &'a View,
    /// The layer's index.
    li: usize,
    /// The feature the identify panel shows.
    selected: Option<(usize, usize)>,
    lang: crate::app::Lang,
    selection_rgb: [u8; 3],
}

fn draw_layer(painter: &egui::Painter, frame: &Frame, layer: &MapLayer, labels: &mut MapLabels) {
    let Frame {
        view,
        li,
        selected,
        lang,
        selection_rgb,
    } = *frame;
    let far_label = crate::app::tr(lang, "far");
    let Some(d) = &layer.draw else { return };
    let opacity = layer.opacity;
    let filled = matches!(d.paint, Paint::Fill | Paint::Single { .. });
    let visible = if filled {
        // Features smaller than SMALL_BELOW points at the tile zoom are in the tiles;
        // the rest are meshed here, so each is drawn once.
        let tile_zoom = view.zoom().floor().clamp(0.0, 22.0);
        let min_world = f64::from(SMALL_BELOW) / (256.0 * 2f64.powf(tile_zoom));
        paint_tiles(painter, view, layer, d, tile_zoom as u8, opacity);
        visible_features(layer, d, view, min_world)
    } else {
        visible_features(layer, d, view, 0.0)
    };
    match d.paint {
        Paint::Fill | Paint::Single { .. } => {
            let mut mesh = egui::Mesh::default();
            for &i in &visible {
                let Some(f) = d.features.get(i) else { continue };
                // Selected or not, a feature keeps its fill: the selection is
                // outlined over the layer below.
                fill_feature(&mut mesh, view, d, f, with_opacity(f.color, opacity));
                // Large meshes are split so no single shape grows without bound.
                if mesh.vertices.len() > 60_000 {
                    painter.add(Shape::mesh(std::mem::take(&mut mesh)));
                }
            }
            painter.add(Shape::mesh(mesh));
            // Reserved land (留白用地) is white like the roads: hatched over its
            // fill, as in the tiles (which hatch the small parcels) and on paper.
            for &i in &visible {
                if let Some(f) = d.features.get(i).filter(|f| f.hatched)
                    && let Some(h) = crate::app::map::draw::hatch_shape(view, d, f, opacity)
                {
                    painter.add(h);
                }
            }
            let edge = match d.paint {
                Paint::Single { edge, .. } => edge,
                _ => Color32::from_rgba_unmultiplied(60, 60, 60, 150),
            };
            for &i in &visible {
                let Some(f) = d.features.get(i) else { continue };
                if view.size(&f.bbox) >= OUTLINE_FROM {
                    outline_feature(
                        painter,
                        view,
                        d,
                        f,
                        Stroke::new(0.6, with_opacity(edge, opacity)),
                    );
                }
            }
        }
        Paint::Outline { color, width } => {
            for f in visible.iter().filter_map(|&i| d.features.get(i)) {
                outline_feature(
                    painter,
                    view,
                    d,
                    f,
                    Stroke::new(width, with_opacity(color, opacity)),
                );
            }
        }
        Paint::Symbols => {}
    }
    // The selection over the whole layer, small features (drawn in the tiles)
    // included, so neighbours drawn later do not cover its outlines.
    let shown = selected_in_view(layer, d, view);
    paint_selection(painter, view, d, &shown, selection_rgb);
    // The identified feature: the selection's outline, bolder, so it reads as the
    // one of the selection the panel shows (or, in another layer, as shown only),
    // in no colour of its own that a land-use class might have.
    if let Some((sl, sf)) = selected
        && sl == li
        && d.features.get(sf).is_some()
    {
        paint_outlines(painter, view, d, &[sf], selection_rgb, IDENTIFIED_WIDTH);
    }
    // Symbols now; labels wait for every layer's fill (see [`MapLabels`]).
    let Ok(data) = &layer.data else { return };
    let clip = painter.clip_rect();
    for &i in &visible {
        let Some(f) = d.features.get(i) else { continue };
        let Some(anchor) = f.anchor else { continue };
        let p = view.screen(anchor);
        if d.paint == Paint::Symbols {
            let kind = d
                .symbol_field
                .and_then(|k| data.value(i, k).to_text())
                .unwrap_or_default();
            let (glyph, color) = facility_symbol(&kind);
            painter.circle_filled(p, 9.0, with_opacity(color, opacity));
            painter.circle_stroke(p, 9.0, Stroke::new(1.5, Color32::WHITE));
            painter.text(
                p,
                Align2::CENTER_CENTER,
                glyph,
                FontId::proportional(11.0),
                Color32::WHITE,
            );
            if let Some(name) = d.label_field.and_then(|k| data.value(i, k).to_text()) {
                let ink = Color32::from_rgb(30, 30, 30);
                // Below the disc (placed beforehand, so never overlapped), else
                // beside it.
                let variants = [vec2(0.0, 20.0), vec2(0.0, -20.0)]
                    .into_iter()
                    .map(|d| LabelVariant::block(p + d, name.clone(), 11.0, ink))
                    .collect();
                labels.candidates.push(LabelCandidate {
                    rank: 1,
                    priority: 0.0,
                    order: (li, i),
                    clip,
                    variants,
                });
            }
            continue;
        }
        // Only features large enough for a label format one: formatting every
        // visible feature's value would cost more than drawing it.
        let size = view.size(&f.bbox);
        let outline = matches!(d.paint, Paint::Outline { .. });
        if !outline && size <= 70.0 {
            continue;
        }
        let Some(text) = d.label_field.and_then(|k| data.value(i, k).to_text()) else {
            continue;
        };
        if outline {
            labels.candidates.push(LabelCandidate {
                rank: 0,
                priority: size,
                order: (li, i),
                clip,
                variants: vec![LabelVariant::block(
                    p,
                    text,
                    15.0,
                    Color32::from_rgb(90, 30, 110),
                )],
            });
            continue;
        }
        let ink = Color32::from_rgb(20, 20, 20);
        let roomy = size > 110.0;
        // A park (or other land without control values: the airport, water) goes
        // by its name, its id beneath where there is room; by its id alone where
        // the same name is on the map nearby (a facility's).
        let named = (d.paint == Paint::Fill)
            .then(|| crate::render::labels::place_name(data, i))
            .flatten();
        let mut variants = Vec::new();
        if let Some(name) = named {
            if roomy {
                variants.push(LabelVariant::block(p, format!("{name}\n{text}"), 10.5, ink));
            }
            variants.push(LabelVariant::block(p, name, 10.5, ink));
        } else if roomy {
            // A control value only where one applies: not on the airport, roads,
            // parks or water, whatever their attributes carry.
            let develops = crate::stats::indicators::is_development_class(
                data.class.get(i).copied().flatten(),
            );
            let second = d
                .label_field2
                .filter(|_| develops)
                .and_then(|k| data.value(i, k).to_text());
            if let Some(s) = second {
                variants.push(LabelVariant::block(
                    p,
                    format!("{text}\n{far_label} {s}"),
                    10.5,
                    ink,
                ));
            }
        }
        variants.push(LabelVariant::block(p, text, 10.5, ink));
        labels.candidates.push(LabelCandidate {
            rank: 3,
            priority: size,
            order: (li, i),
            clip,
            variants,
        });
    }
}

/// The names of a basemap layer's features (the roads and water the offline
/// basemap draws) as label candidates: along a road's or canal's middle line,
/// inside a pond, where the part in view holds the name (see
/// [`crate::render::labels::name_places`], which names them on map images too).
fn name_basemap_layer(
    view: &View,
    li: usize,
    layer: &MapLayer,
    ink: BasemapInk,
    clip: Rect,
    labels: &mut MapLabels,
) {
    use crate::render::labels::{NamePlace, ROAD_TEXT, WATER_TEXT, name_places};
    let (Some(d), Ok(data)) = (&layer.draw, &layer.data) else {
        return;
    };
    let Some(field) = d.label_field.or(data.roles.name) else {
        return;
    };
    let table = crate::landuse::LanduseTable::global();
    let is_water = |i: usize| match data.class.get(i).copied().flatten() {
        Some(c) => table.class(c).is_some_and(|k| k.code.starts_with("17")),
        None => layer
            .path
            .file_stem()
            .is_some_and(|s| s.to_string_lossy().contains("water")),
    };
    let size = BASEMAP_NAME_SIZE;
    let margin = size * 0.7;
    let keep_in = crate::render::canvas::Bounds::new(
        clip.left() + margin,
        clip.top() + margin,
        clip.width() - 2.0 * margin,
        clip.height() - 2.0 * margin,
    );
    let to_px = |c: geo::Coord<f64>| {
        let p = view.pos_on_screen(c);
        (p.x, p.y)
    };
    for (i, f) in d.features.iter().enumerate() {
        // A feature shorter on screen than a spaced three-character name is not
        // named, before its outline is followed.
        if !view.visible(&f.bbox) || view.size(&f.bbox) < 4.0 * size {
            continue;
        }
        let Some(Some(g)) = data.geometries.get(i) else {
            continue;
        };
        let Some(name) = data.value(i, field).to_text() else {
            continue;
        };
        let name = name.trim().to_string();
        if name.is_empty() {
            continue;
        }
        let Some((places, measure)) = name_places(g, &to_px, &name, size, keep_in) else {
            continue;
        };
        let rgb = if is_water(i) { WATER_TEXT } else { ROAD_TEXT };
        let color = ink.text(rgb);
        let variants = places
            .into_iter()
            .map(|place| match place {
                NamePlace::Centre((x, y)) => LabelVariant::Block {
                    at: pos2(x, y),
                    text: name.clone(),
                    size,
                    color,
                    halo: Some(ink.halo()),
                },
                NamePlace::Along(chars) => LabelVariant::Along {
                    name: name.clone(),
                    chars: chars
                        .into_iter()
                        .map(|(c, (x, y))| (c, pos2(x, y)))
                        .collect(),
                    size,
                    color,
                    halo: ink.halo(),
                },
            })
            .collect();
        labels.candidates.push(LabelCandidate {
            rank: 2,
            priority: measure as f32,
            order: (li, i),
            clip,
            variants,
        });
    }
}

/// The type size (points) of road and water names on the map.
const BASEMAP_NAME_SIZE: f32 = 12.5;

/// How the names of the offline basemap's roads and water are inked: dark with a
/// light halo on the light basemap, light with a dark halo on the dark one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BasemapInk {
    Light,
    Dark,
}

impl BasemapInk {
    fn text(self, [r, g, b]: [u8; 3]) -> Color32 {
        match self {
            BasemapInk::Light => Color32::from_rgb(r, g, b),
            // The same hue, lifted towards white so it reads on the dark ground.
            BasemapInk::Dark => {
                let up = |c: u8| (255.0 - (255.0 - f32::from(c)) * 0.3) as u8;
                Color32::from_rgb(up(r), up(g), up(b))
            }
        }
    }

    fn halo(self) -> Color32 {
        match self {
            BasemapInk::Light => Color32::from_rgba_unmultiplied(255, 255, 255, 235),
            BasemapInk::Dark => Color32::from_rgba_unmultiplied(16, 18, 22, 235),
        }
    }
}

/// One way of setting a label.
enum LabelVariant {
    /// Lines of text centred on a point, on a pale box, or with a halo round the
    /// letters.
    Block {
        at: Pos2,
        text: String,
        size: f32,
        color: Color32,
        halo: Option<Color32>,
    },
    /// A name's characters each upright on its own point along a line.
    Along {
        name: String,
        chars: Vec<(String, Pos2)>,
        size: f32,
        color: Color32,
        halo: Color32,
    },
}

impl LabelVariant {
    fn block(at: Pos2, text: String, size: f32, color: Color32) -> LabelVariant {
        LabelVariant::Block {
            at,
            text,
            size,
            color,
            halo: None,
        }
    }
}

/// A label waiting for its place.
struct LabelCandidate {
    /// Placed in rank order: park names, facility names, road and water names,
    /// parcels.
    rank: u8,
    /// Larger first within a rank (the feature's size on screen).
    priority: f32,
    /// Layer and feature, for a stable order.
    order: (usize, usize),
    /// The part of the map the label must lie in (a compared layer's side).
    clip: Rect,
    variants: Vec<LabelVariant>,
}

/// The labels of a frame: gathered while the layers are drawn, then placed by rank
/// without overlaps and painted after every layer's fill, so a layer drawn later
/// (the airport over the parcels) never covers an earlier layer's labels.
#[derive(Default)]
pub struct MapLabels {
    candidates: Vec<LabelCandidate>,
    /// The boxes taken: the symbols' discs, then each label placed.
    pub rects: Vec<Rect>,
    /// The first line of each placed label and its box, so a name is not set twice
    /// side by side (a park's and its facility's).
    names: Vec<(String, Rect)>,
    shapes: Vec<Shape>,
}

impl MapLabels {
    /// Places the candidates gathered so far: by rank, larger features first, each
    /// in its first variant that lies in its clip and clear of every box taken.
    pub fn place(&mut self, painter: &egui::Painter) {
        let mut all = std::mem::take(&mut self.candidates);
        all.sort_by(|a, b| {
            a.rank
                .cmp(&b.rank)
                .then(b.priority.total_cmp(&a.priority))
                .then(a.order.cmp(&b.order))
        });
        for c in all {
            for v in c.variants {
                if self.try_place(painter, c.clip, v) {
                    break;
                }
            }
        }
    }

    /// Places one variant if it fits; returns whether it did.
    fn try_place(&mut self, painter: &egui::Painter, clip: Rect, v: LabelVariant) -> bool {
        match v {
            LabelVariant::Block {
                at,
                text,
                size,
                color,
                halo,
            } => {
                let first = text.lines().next().unwrap_or_default().to_string();
                let near = |r: &Rect| r.center().distance(at) < 12.0 * size;
                if self.names.iter().any(|(t, r)| *t == first && near(r)) {
                    return false;
                }
                let galley = painter.layout_no_wrap(text, FontId::proportional(size), color);
                let rect = Rect::from_center_size(at, galley.size() + vec2(4.0, 2.0));
                if !self.is_free(clip, rect) {
                    return false;
                }
                match halo {
                    None => {
                        self.shapes.push(Shape::rect_filled(
                            rect,
                            2.0,
                            Color32::from_rgba_unmultiplied(255, 255, 255, 170),
                        ));
                        self.shapes
                            .push(Shape::galley(rect.min + vec2(2.0, 1.0), galley, color));
                    }
                    Some(h) => self.push_haloed(rect.min + vec2(2.0, 1.0), galley, color, h),
                }
                self.rects.push(rect);
                self.names.push((first, rect));
                true
            }
            LabelVariant::Along {
                name,
                chars,
                size,
                color,
                halo,
            } => {
                let glyphs: Vec<(Rect, std::sync::Arc<egui::Galley>)> = chars
                    .into_iter()
                    .map(|(ch, at)| {
                        let g = painter.layout_no_wrap(ch, FontId::proportional(size), color);
                        (Rect::from_center_size(at, g.size() + vec2(2.0, 0.0)), g)
                    })
                    .collect();
                if glyphs.is_empty() || !glyphs.iter().all(|(r, _)| self.is_free(clip, *r)) {
                    return false;
                }
                let mut all = Rect::NOTHING;
                for (r, g) in glyphs {
                    self.push_haloed(r.min + vec2(1.0, 0.0), g, color, halo);
                    self.rects.push(r);
                    all = all.union(r);
                }
                self.names.push((name, all));
                true
            }
        }
    }

    fn is_free(&self, clip: Rect, rect: Rect) -> bool {
        clip.contains_rect(rect) && !self.rects.iter().any(|r| r.intersects(rect))
    }

    /// Text with a halo: the letters in the halo's colour a point around, then
    /// in their own, so a name reads on a road, on water and on parcels alike.
    fn push_haloed(
        &mut self,
        at: Pos2,
        galley: std::sync::Arc<egui::Galley>,
        color: Color32,
        halo: Color32,
    ) {
        for d in [
            vec2(-1.0, 0.0),
            vec2(1.0, 0.0),
            vec2(0.0, -1.0),
            vec2(0.0, 1.0),
            vec2(-0.8, -0.8),
            vec2(0.8, -0.8),
            vec2(-0.8, 0.8),
            vec2(0.8, 0.8),
        ] {
            self.shapes.push(Shape::galley_with_override_text_color(
                at + d,
                galley.clone(),
                halo,
            ));
        }
        self.shapes.push(Shape::galley(at, galley, color));
    }

    /// Paints the labels placed, over everything painted before.
    pub fn paint(self, painter: &egui::Painter) {
        painter.extend(self.shapes);
    }
}

fn fill_feature(
    mesh: &mut egui::Mesh,
    view: &View,
    d: &DrawLayer,
    f: &FeatureDraw,
    color: Color32,
) {
    let Some(tris) = d.tris.get(f.tris.start as usize..f.tris.end as usize) else {
        return;
    };
    // Each triangle's vertices are transformed once per feature: a feature's
    // triangles index a contiguous run of its vertices.
    let (Some(&lo), Some(&hi)) = (tris.iter().min(), tris.iter().max()) else {
        return;
    };
    let base = mesh.vertices.len() as u32;
    for v in lo..=hi {
        if let Some(w) = d.verts.get(v as usize) {
            mesh.colored_vertex(view.screen(*w), color);
        }
    }
    for t in tris.chunks_exact(3) {
        if let &[a, b, c] = t {
            mesh.add_triangle(base + a - lo, base + b - lo, base + c - lo);
        }
    }
}

fn outline_feature(
    painter: &egui::Painter,
    view: &View,
    d: &DrawLayer,
    f: &FeatureDraw,
    stroke: Stroke,
) {
    for (range, open) in d
        .rings
        .get(f.rings.start as usize..f.rings.end as usize)
        .unwrap_or(&[])
    {
        let Some(verts) = d.verts.get(range.start as usize..range.end as usize) else {
            continue;
        };
        let points: Vec<Pos2> = verts.iter().map(|w| view.screen(*w)).collect();
        if *open {
            painter.add(Shape::line(points, stroke));
        } else {
            painter.add(Shape::closed_line(points, stroke));
        }
    }
}

fn highlight(
    painter: &egui::Painter,
    view: &View,
    layers: &[MapLayer],
    li: usize,
    fi: usize,
    stroke: Stroke,
) {
    let Some(d) = layers.get(li).and_then(|l| l.draw.as_ref()) else {
        return;
    };
    let Some(f) = d.features.get(fi) else { return };
    if d.paint == Paint::Symbols {
        if let Some(a) = f.anchor {
            painter.circle_stroke(view.screen(a), 12.0, stroke);
        }
    } else {
        outline_feature(painter, view, d, f, stroke);
    }
}

/// Paints a label at once where it fits clear of `placed` (for the analysis
/// layers, whose labels go over the layers' labels already placed).
fn place_label(
    painter: &egui::Painter,
    placed: &mut Vec<Rect>,
    at: Pos2,
    text: &str,
    size: f32,
    color: Color32,
) {
    let galley = painter.layout_no_wrap(text.to_string(), FontId::proportional(size), color);
    let rect = Rect::from_center_size(at, galley.size() + vec2(4.0, 2.0));
    if placed.iter().any(|r| r.intersects(rect)) || !painter.clip_rect().contains_rect(rect) {
        return;
    }
    painter.rect_filled(
        rect,
        2.0,
        Color32::from_rgba_unmultiplied(255, 255, 255, 170),
    );
    painter.galley(rect.min + vec2(2.0, 1.0), galley, color);
    placed.push(rect);
}

/// The top-most visible feature under the pointer: symbols within 10 points first,
/// then polygons from the top layer down.
/// With two layers compared, the one shown on the pointer's side of the swipe line
/// is the one picked there, switched on or not.
fn pick(
    layers: &[MapLayer],
    view: &View,
    p: Pos2,
    ll: geo::Coord<f64>,
    compare: Option<(usize, usize, f32)>,
) -> Option<(usize, usize)> {
    layers.iter().enumerate().rev().find_map(|(li, layer)| {
        if !shown_at(li, layer, p, compare) {
            return None;
        }
        // Outlines (parks, the district) are not picked from inside: they cover
        // the parcels a planner is pointing at.
        pick_layer(layer, view, p, ll, false).map(|fi| (li, fi))
    })
}

/// The feature of layer `li` under the pointer, if the layer is shown there: what a
/// click selects when `li` is the active layer. An outlined layer (the parks) is
/// picked from inside here, since a planner who made it active means its areas.
fn pick_in(
    layers: &[MapLayer],
    li: usize,
    view: &View,
    p: Pos2,
    ll: geo::Coord<f64>,
    compare: Option<(usize, usize, f32)>,
) -> Option<(usize, usize)> {
    let layer = layers.get(li)?;
    if !shown_at(li, layer, p, compare) {
        return None;
    }
    pick_layer(layer, view, p, ll, true).map(|fi| (li, fi))
}

/// Whether a layer is shown at a screen position: a compared layer on its side of
/// the swipe line, any other when switched on; never the basemap's layers.
fn shown_at(li: usize, layer: &MapLayer, p: Pos2, compare: Option<(usize, usize, f32)>) -> bool {
    let shown = match compare {
        Some((left, _, x)) if li == left => p.x < x,
        Some((_, right, x)) if li == right => p.x >= x,
        _ => layer.spec.visible,
    };
    shown && layer.spec.role.as_deref() != Some("basemap")
}

/// The feature of one layer under the pointer: a symbol within 10 points (the
/// nearest), else the top-most polygon or line containing the point; outlines only
/// if `inside_outlines`.
fn pick_layer(
    layer: &MapLayer,
    view: &View,
    p: Pos2,
    ll: geo::Coord<f64>,
    inside_outlines: bool,
) -> Option<usize> {
    let (Some(d), Ok(data)) = (&layer.draw, &layer.data) else {
        return None;
    };
    match d.paint {
        Paint::Symbols => d
            .features
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.anchor.map(|a| (i, view.screen(a).distance(p))))
            .filter(|(_, dist)| *dist <= 10.0)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i),
        Paint::Outline { .. } if !inside_outlines => None,
        _ => selection::pick(data, ll),
    }
}

fn tooltip(
    painter: &egui::Painter,
    p: Pos2,
    layers: &[MapLayer],
    li: usize,
    fi: usize,
    lang: crate::app::Lang,
) {
    let Some(data) = layers.get(li).and_then(|l| l.data.as_ref().ok()) else {
        return;
    };
    let (head, lines) =
        crate::app::state::describe::feature_summary(data, fi, lang != crate::app::Lang::En);
    let text = std::iter::once(head)
        .chain(lines)
        .collect::<Vec<_>>()
        .join("\n");
    let galley = painter.layout_no_wrap(
        text,
        FontId::proportional(13.0),
        Color32::from_rgb(20, 20, 20),
    );
    let rect = Rect::from_min_size(p + vec2(16.0, 16.0), galley.size() + vec2(12.0, 8.0));
    painter.rect_filled(
        rect,
        4.0,
        Color32::from_rgba_unmultiplied(255, 255, 250, 235),
    );
    painter.rect_stroke(
        rect,
        4.0,
        Stroke::new(1.0, Color32::GRAY),
        egui::StrokeKind::Inside,
    );
    painter.galley(rect.min + vec2(6.0, 4.0), galley, Color32::BLACK);
}

/// The scale bar's round length (m) and its width on screen (points).
fn scale_bar_length(view: &View, k: f32) -> (f64, f32) {
    let centre = view.centre_lon_lat();
    let m_per_point = crate::render::metres_per_pixel(centre.y, view.points_per_world());
    let nice = crate::render::mercator::scale_bar_length_m(m_per_point * 120.0 * f64::from(k));
    (nice, (nice / m_per_point) as f32)
}

/// The box the scale bar and its label take, with a margin (its label is counted
/// at its widest, "1000 km").
fn scale_bar_rect(view: &View, clip: Rect, k: f32) -> Rect {
    let (_, width) = scale_bar_length(view, k);
    let origin = pos2(clip.left() + 20.0 * k, clip.bottom() - 24.0 * k);
    Rect::from_min_max(
        origin - vec2(6.0, 12.0 * k),
        origin + vec2(width + 80.0 * k, 18.0 * k),
    )
}

/// A scale bar of a round length near 120 points (times `k`), bottom left.
fn scale_bar(painter: &egui::Painter, view: &View, clip: Rect, k: f32) {
    let (nice, width) = scale_bar_length(view, k);
    let origin = pos2(clip.left() + 20.0 * k, clip.bottom() - 24.0 * k);
    let bar = Rect::from_min_size(origin, vec2(width, 6.0 * k));
    painter.rect_filled(
        bar.expand(3.0),
        2.0,
        Color32::from_rgba_unmultiplied(255, 255, 255, 200),
    );
    painter.rect_filled(
        Rect::from_min_size(origin, vec2(width / 2.0, 6.0 * k)),
        0.0,
        Color32::BLACK,
    );
    painter.rect_stroke(
        bar,
        0.0,
        Stroke::new(1.0, Color32::BLACK),
        egui::StrokeKind::Inside,
    );
    let label = crate::render::mercator::scale_bar_label(nice);
    let label_at = origin + vec2(width + 8.0 * k, 3.0 * k);
    let galley = painter.layout_no_wrap(label, FontId::proportional(13.0 * k), Color32::BLACK);
    painter.rect_filled(
        Rect::from_min_size(
            label_at - vec2(2.0, galley.size().y / 2.0 + 1.0),
            galley.size() + vec2(4.0, 2.0),
        ),
        2.0,
        Color32::from_rgba_unmultiplied(255, 255, 255, 200),
    );
    painter.galley(
        label_at - vec2(0.0, galley.size().y / 2.0),
        galley,
        Color32::BLACK,
    );
}

/// Where the north arrow's disc is centred in a map area, `k` times its size.
pub fn north_arrow_centre(clip: Rect, k: f32) -> Pos2 {
    pos2(clip.right() - 30.0 * k, clip.top() + 40.0 * k)
}

/// The box the north arrow takes, its N included.
pub fn north_arrow_rect(clip: Rect, k: f32) -> Rect {
    let c = north_arrow_centre(clip, k);
    Rect::from_min_max(c + vec2(-20.0, -36.0) * k, c + vec2(20.0, 20.0) * k)
}

/// A north arrow of 18 points radius (times `k`), top right, its N on a pale
/// ground so it reads on the dark basemap too.
fn north_arrow(painter: &egui::Painter, clip: Rect, k: f32) {
    let c = north_arrow_centre(clip, k);
    let n_at = c + vec2(0.0, -26.0) * k;
    painter.rect_filled(
        Rect::from_center_size(n_at, vec2(14.0, 14.0) * k),
        4.0 * k,
        Color32::from_rgba_unmultiplied(255, 255, 255, 200),
    );
    painter.circle_filled(
        c,
        18.0 * k,
        Color32::from_rgba_unmultiplied(255, 255, 255, 200),
    );
    painter.add(Shape::convex_polygon(
        vec![
            c + vec2(0.0, -14.0) * k,
            c + vec2(7.0, 8.0) * k,
            c + vec2(0.0, 3.0) * k,
        ],
        Color32::BLACK,
        Stroke::NONE,
    ));
    painter.add(Shape::convex_polygon(
        vec![
            c + vec2(0.0, -14.0) * k,
            c + vec2(0.0, 3.0) * k,
            c + vec2(-7.0, 8.0) * k,
        ],
        Color32::from_gray(150),
        Stroke::NONE,
    ));
    painter.text(
        n_at,
        Align2::CENTER_CENTER,
        "N",
        FontId::proportional(12.0 * k),
        Color32::BLACK,
    );
}
