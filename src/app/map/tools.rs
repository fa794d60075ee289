//! Map tools: selecting by rectangle, polygon, lasso, circle and line, and measuring
//! distances and areas. A tool turns pointer input into a sketch in lon/lat and,
//! when the sketch is finished, into a [`Command`].

use egui::{Align2, Color32, FontId, Pos2, Rect, Shape, Stroke, vec2};
use geo::{Coord, LineString, Polygon};

use crate::app::map::view::View;
use crate::app::{Command, Lang, tr};
use crate::measure::{format_area, format_length, path_length_m, polygon_area_from_vertices_m2};
use crate::selection::{self, SelectOp};

/// What a drag or click on the map does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tool {
    /// Drag pans; a click selects the top-most feature.
    #[default]
    Pan,
    Rect,
    Polygon,
    Lasso,
    Circle,
    Line,
    MeasureDistance,
    MeasureArea,
}

impl Tool {
    pub const ALL: [Tool; 8] = [
        Tool::Pan,
        Tool::Rect,
        Tool::Polygon,
        Tool::Lasso,
        Tool::Circle,
        Tool::Line,
        Tool::MeasureDistance,
        Tool::MeasureArea,
    ];

    /// The key of the tool's name in the translations.
    pub fn key(self) -> &'static str {
        match self {
            Tool::Pan => "tool_pan",
            Tool::Rect => "tool_rect",
            Tool::Polygon => "tool_polygon",
            Tool::Lasso => "tool_lasso",
            Tool::Circle => "tool_circle",
            Tool::Line => "tool_line",
            Tool::MeasureDistance => "tool_distance",
            Tool::MeasureArea => "tool_area",
        }
    }

    /// Tools that drag with the primary button, so the map pans with the others.
    pub fn drags(self) -> bool {
        matches!(self, Tool::Rect | Tool::Lasso | Tool::Circle)
    }

    /// Tools built from clicked vertices and closed by a double click.
    pub fn clicks_vertices(self) -> bool {
        matches!(
            self,
            Tool::Polygon | Tool::Line | Tool::MeasureDistance | Tool::MeasureArea
        )
    }
}

/// An area drawn to select with, in lon/lat.
#[derive(Debug, Clone, PartialEq)]
pub enum AreaQuery {
    Rect(geo::Rect<f64>),
    Polygon(Polygon<f64>),
    Line(LineString<f64>),
}

/// The sketch being drawn with the current tool.
#[derive(Debug, Default, Clone)]
pub struct Sketch {
    pub points: Vec<Coord<f64>>,
    /// Whether the sketch is finished (a measurement stays on screen until the next
    /// click starts a new one).
    pub done: bool,
}

impl Sketch {
    pub fn clear(&mut self) {
        self.points.clear();
        self.done = false;
    }
}

/// The select operation the modifier keys ask for: Shift adds, Ctrl (⌘) toggles,
/// both remove.
pub fn op_from(modifiers: egui::Modifiers) -> SelectOp {
    match (modifiers.shift, modifiers.command || modifiers.ctrl) {
        (true, true) => SelectOp::Subtract,
        (true, false) => SelectOp::Add,
        (false, true) => SelectOp::Toggle,
        (false, false) => SelectOp::Replace,
    }
}

/// Handles the pointer for a drawing tool and paints the sketch. Returns the command
/// a finished sketch makes.
pub fn tool_input(
    tool: Tool,
    sketch: &mut Sketch,
    response: &egui::Response,
    view: &View,
    painter: &egui::Painter,
    lang: Lang,
) -> Option<Command> {
    let modifiers = response.ctx.input(|i| i.modifiers);
    let op = op_from(modifiers);
    let hover = response.hover_pos().map(|p| view.lon_lat(p));
    let mut out = None;
    if tool.drags() {
        // A drag is recognised after the pointer has moved a little; it starts where
        // the button went down.
        let origin = response.ctx.input(|i| i.pointer.press_origin());
        if response.drag_started_by(egui::PointerButton::Primary)
            && let Some(p) = origin.or(response.interact_pointer_pos())
        {
            sketch.clear();
            sketch.points.push(view.lon_lat(p));
        }
        if response.dragged_by(egui::PointerButton::Primary)
            && let Some(p) = response.interact_pointer_pos()
        {
            let ll = view.lon_lat(p);
            match tool {
                Tool::Lasso => {
                    // A vertex every few points keeps the lasso smooth and small.
                    let far = sketch
                        .points
                        .last()
                        .is_none_or(|q| view.pos_on_screen(*q).distance(p) > 3.0);
                    if far {
                        sketch.points.push(ll);
                    }
                }
                _ => {
                    sketch.points.truncate(1);
                    sketch.points.push(ll);
                }
            }
        }
        if response.drag_stopped_by(egui::PointerButton::Primary) {
            out = finish_drag(tool, sketch, op);
            sketch.clear();
        }
    } else if tool.clicks_vertices() {
        let at = response.interact_pointer_pos().or(response.hover_pos());
        // egui counts a click as the third of a triple click when the vertex before
        // was clicked less than 0.3 s earlier, wherever it was; such a "triple" ends
        // a sketch like a double click. One on a finished sketch is the third
        // click of a real triple click, and is ignored.
        let finishing = response.double_clicked() || (response.triple_clicked() && !sketch.done);
        if finishing {
            // The double click's place is the last vertex. Its first click has
            // placed it already when the two clicks came in separate frames; when a
            // slow frame takes in both, that first click is seen only as part of
            // this double click, and the vertex is added here.
            if let Some(p) = at {
                let near = response.ctx.options(|o| o.input_options.max_click_dist);
                close_at(sketch, view, p, near);
            }
            out = finish_vertices(tool, sketch, op);
            sketch.done = true;
        } else if response.clicked()
            && !response.triple_clicked()
            && let Some(p) = at
        {
            if sketch.done {
                sketch.clear();
            }
            sketch.points.push(view.lon_lat(p));
        }
    }
    paint_sketch(tool, sketch, hover, view, painter, lang);
    out
}

/// Makes the screen position `p` of a finishing double click the sketch's last
/// vertex: added, unless the last vertex already lies within `near` points of it
/// (placed by the double click's first click), so it is never doubled. A double
/// click on a finished sketch starts a new one there.
pub fn close_at(sketch: &mut Sketch, view: &View, p: Pos2, near: f32) {
    if sketch.done {
        sketch.clear();
    }
    let placed = sketch
        .points
        .last()
        .is_some_and(|q| view.pos_on_screen(*q).distance(p) <= near);
    if !placed {
        sketch.points.push(view.lon_lat(p));
    }
}

fn finish_drag(tool: Tool, sketch: &Sketch, op: SelectOp) -> Option<Command> {
    let (&a, &b) = (sketch.points.first()?, sketch.points.last()?);
    let query = match tool {
        Tool::Rect => AreaQuery::Rect(geo::Rect::new(a, b)),
        Tool::Circle => {
            let r = path_length_m(&[a, b]);
            AreaQuery::Polygon(selection::circle(a, r))
        }
        Tool::Lasso if sketch.points.len() >= 3 => {
            AreaQuery::Polygon(Polygon::new(selection::ring(&sketch.points), vec![]))
        }
        _ => return None,
    };
    Some(Command::SelectArea(query, op))
}

fn finish_vertices(tool: Tool, sketch: &Sketch, op: SelectOp) -> Option<Command> {
    // A double click can leave the same vertex twice at the end.
    let mut pts = sketch.points.clone();
    pts.dedup();
    match tool {
        Tool::Polygon if pts.len() >= 3 => Some(Command::SelectArea(
            AreaQuery::Polygon(Polygon::new(selection::ring(&pts), vec![])),
            op,
        )),
        Tool::Line if pts.len() >= 2 => {
            Some(Command::SelectArea(AreaQuery::Line(LineString(pts)), op))
        }
        _ => None,
    }
}

/// The measurement the sketch shows, with the cursor as a last vertex while drawing.
pub fn measurement(tool: Tool, sketch: &Sketch, hover: Option<Coord<f64>>) -> Option<String> {
    let mut pts = sketch.points.clone();
    if !sketch.done
        && let Some(h) = hover
        && !pts.is_empty()
    {
        pts.push(h);
    }
    pts.dedup();
    match tool {
        Tool::MeasureDistance if pts.len() >= 2 => Some(format_length(path_length_m(&pts))),
        Tool::MeasureArea if pts.len() >= 3 => {
            let mut ring = pts.clone();
            if let Some(&first) = pts.first() {
                ring.push(first);
            }
            Some(format!(
                "{}\n{}",
                format_area(polygon_area_from_vertices_m2(&pts)),
                format_length(path_length_m(&ring))
            ))
        }
        _ => None,
    }
}

/// The translucent fill of the area a sketch takes.
const SKETCH_FILL: Color32 = Color32::from_rgba_premultiplied(36, 9, 3, 40);

/// The three strokes every sketch line is drawn with, bottom to top: a dark
/// shadow, a white halo and the line itself, so a rubber band or a measuring line
/// reads on every land-use colour: the halo on saturated and dark fills (the
/// line's own colour is close to commercial red), the shadow on white ones
/// (reserved land, roads) and on pale ones.
pub fn sketch_strokes() -> (Stroke, Stroke, Stroke) {
    (
        Stroke::new(7.0, Color32::from_rgba_unmultiplied(0, 0, 0, 130)),
        Stroke::new(5.0, Color32::from_rgba_unmultiplied(255, 255, 255, 235)),
        Stroke::new(2.0, Color32::from_rgb(230, 60, 20)),
    )
}

/// Fills the area inside a sketch's loop (drawn as an open line round to its
/// start, see [`crate::app::map::draw::loop_as_line`]) with [`SKETCH_FILL`],
/// through the same triangulation as the layers, since egui fills only convex
/// shapes.
fn fill_sketch(painter: &egui::Painter, ring: &[Pos2]) {
    use geo::TriangulateEarcut;
    if ring.len() < 4 {
        return;
    }
    let poly = Polygon::new(
        LineString::from(
            ring.iter()
                .map(|p| Coord {
                    x: f64::from(p.x),
                    y: f64::from(p.y),
                })
                .collect::<Vec<_>>(),
        ),
        vec![],
    );
    let raw = poly.earcut_triangles_raw();
    let mut mesh = egui::Mesh::default();
    for &[x, y] in &raw.vertices {
        mesh.colored_vertex(egui::pos2(x as f32, y as f32), SKETCH_FILL);
    }
    for t in raw.triangle_indices.chunks_exact(3) {
        if let &[a, b, c] = t {
            mesh.add_triangle(a as u32, b as u32, c as u32);
        }
    }
    painter.add(Shape::mesh(mesh));
}

fn paint_sketch(
    tool: Tool,
    sketch: &Sketch,
    hover: Option<Coord<f64>>,
    view: &View,
    painter: &egui::Painter,
    lang: Lang,
) {
    let (shadow, halo, stroke) = sketch_strokes();
    // Closed sketches (a lasso doubles back on itself all the time) are drawn as
    // open lines round to their start, whose sharp corners egui cuts off: as closed
    // loops their corners would be mitred into spikes across the map.
    let line = |mut points: Vec<Pos2>, closed: bool| {
        if closed {
            points = crate::app::map::draw::loop_as_line(&points);
        } else {
            points.dedup();
        }
        for s in [shadow, halo, stroke] {
            painter.add(Shape::line(points.clone(), s));
        }
    };
    let fill = SKETCH_FILL;
    let screen: Vec<Pos2> = sketch
        .points
        .iter()
        .map(|c| view.pos_on_screen(*c))
        .collect();
    let (Some(&first), Some(&last)) = (screen.first(), screen.last()) else {
        return;
    };
    let mut readout = None;
    match tool {
        Tool::Rect => {
            let r = Rect::from_two_pos(first, last);
            painter.rect(r, 0.0, fill, shadow, egui::StrokeKind::Middle);
            painter.rect_stroke(r, 0.0, halo, egui::StrokeKind::Middle);
            painter.rect_stroke(r, 0.0, stroke, egui::StrokeKind::Middle);
        }
        Tool::Circle => {
            let (Some(&a), Some(&b)) = (sketch.points.first(), sketch.points.last()) else {
                return;
            };
            let r_m = path_length_m(&[a, b]);
            let ring: Vec<Pos2> = selection::circle(a, r_m)
                .exterior()
                .0
                .iter()
                .map(|c| view.pos_on_screen(*c))
                .collect();
            line(ring, true);
            line(vec![first, last], false);
            readout = Some(format!("{} {}", tr(lang, "radius"), format_length(r_m)));
        }
        Tool::Lasso => {
            fill_sketch(painter, &crate::app::map::draw::loop_as_line(&screen));
            line(screen.clone(), true);
        }
        _ => {
            let mut path = screen.clone();
            if !sketch.done
                && let Some(h) = hover
            {
                path.push(view.pos_on_screen(h));
            }
            let closed = matches!(tool, Tool::Polygon | Tool::MeasureArea);
            // A polygon being drawn shows the area it takes, as the rectangle does.
            if closed && path.len() >= 3 {
                let ring = crate::app::map::draw::loop_as_line(&path);
                fill_sketch(painter, &ring);
            }
            line(path, closed);
            for p in &screen {
                painter.circle_filled(*p, 3.5, Color32::WHITE);
                painter.circle_stroke(*p, 3.5, stroke);
            }
            readout = measurement(tool, sketch, hover);
        }
    }
    if let Some(text) = readout {
        let at = match hover {
            Some(h) if !sketch.done => view.pos_on_screen(h) + vec2(14.0, -14.0),
            _ => last + vec2(14.0, -14.0),
        };
        let galley = painter.layout_no_wrap(text, FontId::proportional(14.0), Color32::BLACK);
        let rect = Align2::LEFT_BOTTOM
            .anchor_size(at, galley.size())
            .expand(4.0);
        painter.rect_filled(
            rect,
            3.0,
            Color32::from_rgba_unmultiplied(255, 255, 240, 235),
        );
        painter.galley(rect.min + vec2(4.0, 4.0), galley, Color32::BLACK);
    }
}
