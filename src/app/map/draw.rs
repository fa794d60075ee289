//! What the map draws for each layer, prepared once: vertices in Web Mercator world
//! coordinates, triangles (egui fills only convex shapes, so every polygon is
//! triangulated once with earcut), outline rings, per-feature colours and label
//! anchors. A frame then only culls, scales and translates.
//!
//! A polygon's ring is kept for stroking as an open line that starts and ends at the
//! middle of its longest edge, never as a closed loop: egui joins the corners of a
//! closed path with unlimited miters, so a corner that turns almost all the way
//! back (a sliver part of a multipolygon, a spike digitised into a parcel) becomes a
//! straight line hundreds of points long across the map. An open path's sharp
//! corners are cut off instead, and with the ends in the middle of a straight edge
//! the line reads as closed.

use std::ops::Range;

use egui::{Color32, Pos2};
use geo::{Coord, Geometry, InteriorPoint, LineString, Polygon, TriangulateEarcut};

use crate::landuse::{ClassId, LanduseTable, Palette};
use crate::model::Layer;
use crate::project::StyleSpec;
use crate::render::world_from_lon_lat;

/// How a layer is painted, resolved from its style.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Paint {
    /// Fill each feature with its own colour (land use or category).
    Fill,
    /// Outlines only, bold (industrial parks, the district).
    Outline { color: Color32, width: f32 },
    /// One fill colour and an edge colour.
    Single { fill: Color32, edge: Color32 },
    /// Points as symbols by type.
    Symbols,
}

pub struct FeatureDraw {
    pub tris: Range<u32>,
    pub rings: Range<u32>,
    /// World bounding box: min x, min y, max x, max y.
    pub bbox: [f64; 4],
    pub color: Color32,
    /// Label anchor (world), inside the feature.
    pub anchor: Option<[f64; 2]>,
    /// Whether the fill is hatched (reserved land, 留白用地, white like the roads;
    /// see [`crate::render::hatch`]).
    pub hatched: bool,
}

pub struct DrawLayer {
    pub paint: Paint,
    pub verts: Vec<[f64; 2]>,
    pub tris: Vec<u32>,
    /// Vertex ranges of strokes, each with whether it is drawn as an open line
    /// (`true`) or a closed loop. Every stroke is open: a polygon's ring starts and
    /// ends at the middle of its longest edge (see the module's notes).
    pub rings: Vec<(Range<u32>, bool)>,
    /// For each of `rings`, whether it bounds an area (a polygon's ring, which the
    /// overlay tiles fill) rather than being a line.
    pub ring_bounds_area: Vec<bool>,
    pub features: Vec<FeatureDraw>,
    /// Field whose value labels each feature (when zoomed in), if any.
    pub label_field: Option<usize>,
    /// A second label line (e.g. FAR), if any.
    pub label_field2: Option<usize>,
    /// For symbols: the field with the type.
    pub symbol_field: Option<usize>,
    /// Feature indices, largest (world box) first: the features big enough to mesh
    /// at a zoom are a prefix of this list.
    pub by_size: Vec<u32>,
    /// The layer's lon/lat box, kept so a frame need not fold a million envelopes.
    pub bbox: Option<geo::Rect<f64>>,
}

impl FeatureDraw {
    /// The larger side of the feature's world box.
    pub fn world_size(&self) -> f64 {
        (self.bbox[2] - self.bbox[0]).max(self.bbox[3] - self.bbox[1])
    }
}

pub fn parse_hex(text: Option<&str>, fallback: Color32) -> Color32 {
    let Some(t) = text.map(|t| t.trim_start_matches('#')) else {
        return fallback;
    };
    if t.len() != 6 {
        return fallback;
    }
    match u32::from_str_radix(t, 16) {
        Ok(v) => Color32::from_rgb((v >> 16) as u8, (v >> 8) as u8, v as u8),
        Err(_) => fallback,
    }
}

/// A colour for a category value, stable across runs (hashed), for layers styled
/// by a field without a standard palette.
fn category_color(text: &str) -> Color32 {
    let mut h: u32 = 2166136261;
    for b in text.bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(16777619);
    }
    let hue = (h % 360) as f32 / 360.0;
    egui::ecolor::Hsva::new(hue, 0.45, 0.85, 1.0).into()
}

impl DrawLayer {
    /// Prepares a layer for drawing; land-use colours follow `palette`.
    pub fn build(layer: &Layer, style: &StyleSpec, palette: Palette) -> DrawLayer {
        let table = LanduseTable::global();
        let paint = match style.kind.as_str() {
            "landuse" | "category" => Paint::Fill,
            "outline" => Paint::Outline {
                color: parse_hex(style.stroke.as_deref(), Color32::from_rgb(108, 52, 131)),
                width: style.width.unwrap_or(2.5),
            },
            "symbols" => Paint::Symbols,
            _ => Paint::Single {
                fill: parse_hex(style.fill.as_deref(), Color32::from_rgb(200, 200, 200)),
                edge: parse_hex(style.stroke.as_deref(), Color32::from_rgb(90, 90, 90)),
            },
        };
        let field = |name: Option<&String>| name.and_then(|n| layer.field_index(n));
        let category = if style.kind == "category" {
            field(style.field.as_ref())
        } else {
            None
        };
        let mut out = DrawLayer {
            paint,
            verts: Vec::new(),
            tris: Vec::new(),
            rings: Vec::new(),
            ring_bounds_area: Vec::new(),
            features: Vec::with_capacity(layer.len()),
            label_field: field(style.labels.first()).or(if style.kind == "landuse" {
                layer.roles.id
            } else {
                None
            }),
            label_field2: field(style.labels.get(1)),
            symbol_field: field(style.field.as_ref()),
            by_size: Vec::new(),
            bbox: layer.bbox(),
        };
        for (i, g) in layer.geometries.iter().enumerate() {
            let color = match (style.kind.as_str(), layer.class.get(i).copied().flatten()) {
                ("landuse", Some(c)) => {
                    let [r, g, b] = table.rgb(table.shown_as(c, palette));
                    Color32::from_rgb(r, g, b)
                }
                ("landuse", None) => Color32::from_rgb(210, 210, 210),
                _ => match category.and_then(|f| layer.value(i, f).to_text()) {
                    Some(t) => category_color(&t),
                    None => match paint {
                        Paint::Single { fill, .. } => fill,
                        _ => Color32::from_rgb(200, 200, 200),
                    },
                },
            };
            let tri_start = out.tris.len() as u32;
            let ring_start = out.rings.len() as u32;
            let mut anchor = None;
            if let Some(g) = g {
                out.add_geometry(g, &mut anchor);
            }
            let bbox = layer.envelopes.get(i).copied().flatten().map(|r| {
                let a = world_from_lon_lat(geo::coord! { x: r.min().x, y: r.max().y });
                let b = world_from_lon_lat(geo::coord! { x: r.max().x, y: r.min().y });
                [a.x, a.y, b.x, b.y]
            });
            let hatched = style.kind == "landuse"
                && crate::render::hatch::is_hatched(layer.class.get(i).copied().flatten());
            out.features.push(FeatureDraw {
                tris: tri_start..out.tris.len() as u32,
                rings: ring_start..out.rings.len() as u32,
                bbox: bbox.unwrap_or([f64::NAN; 4]),
                color,
                anchor,
                hatched,
            });
        }
        let mut by_size: Vec<u32> = (0..out.features.len() as u32).collect();
        let size = |i: &u32| {
            let w = out
                .features
                .get(*i as usize)
                .map_or(0.0, FeatureDraw::world_size);
            if w.is_nan() { 0.0 } else { w }
        };
        by_size.sort_by(|a, b| size(b).total_cmp(&size(a)).then(a.cmp(b)));
        out.by_size = by_size;
        out
    }

    /// Adds a line's vertices (finite, none repeated next to itself) as an open
    /// stroke.
    fn push_line(&mut self, coords: &[Coord<f64>]) {
        let start = self.verts.len() as u32;
        for c in coords {
            let w = world_from_lon_lat(*c);
            if w.x.is_finite() && w.y.is_finite() && self.verts.last() != Some(&[w.x, w.y]) {
                self.verts.push([w.x, w.y]);
            }
        }
        if self.verts.len() as u32 - start < 2 {
            self.verts.truncate(start as usize);
            return;
        }
        self.rings.push((start..self.verts.len() as u32, true));
        self.ring_bounds_area.push(false);
    }

    fn add_polygon(&mut self, p: &Polygon<f64>, anchor: &mut Option<[f64; 2]>) {
        // A polygon without three distinct points has no area to draw; holes
        // without them are left out.
        let Some(exterior) = drawable_ring(p.exterior()) else {
            return;
        };
        let holes: Vec<Vec<[f64; 2]>> = p.interiors().iter().filter_map(drawable_ring).collect();
        // Each ring goes in as its stroke: the middle of the longest edge, the
        // vertices from the end of that edge round, and the middle again. Earcut's
        // vertex k (the rings in order, without closing points) is our `corner[k]`.
        let mut corner: Vec<u32> = Vec::new();
        for ring in std::iter::once(&exterior).chain(&holes) {
            let (Some(first), Some(last)) = (ring.first(), ring.last()) else {
                continue;
            };
            let middle = [(first[0] + last[0]) / 2.0, (first[1] + last[1]) / 2.0];
            let start = self.verts.len() as u32;
            self.verts.push(middle);
            for w in ring {
                corner.push(self.verts.len() as u32);
                self.verts.push(*w);
            }
            self.verts.push(middle);
            self.rings.push((start..self.verts.len() as u32, true));
            self.ring_bounds_area.push(true);
        }
        // Triangulated in world coordinates, so the indices need no projection.
        let world_ring = |r: &Vec<[f64; 2]>| {
            LineString::from(
                r.iter()
                    .map(|w| Coord { x: w[0], y: w[1] })
                    .collect::<Vec<_>>(),
            )
        };
        let cleaned = Polygon::new(
            world_ring(&exterior),
            holes.iter().map(world_ring).collect(),
        );
        let raw = cleaned.earcut_triangles_raw();
        if raw.vertices.len() == corner.len() {
            let tris: Option<Vec<u32>> = raw
                .triangle_indices
                .iter()
                .map(|&k| corner.get(k).copied())
                .collect();
            self.tris.extend(tris.unwrap_or_default());
        }
        if anchor.is_none()
            && let Some(pt) = p.interior_point()
        {
            let w = world_from_lon_lat(pt.0);
            *anchor = Some([w.x, w.y]);
        }
    }

    fn add_geometry(&mut self, g: &Geometry<f64>, anchor: &mut Option<[f64; 2]>) {
        match g {
            Geometry::Polygon(p) => self.add_polygon(p, anchor),
            Geometry::MultiPolygon(mp) => {
                // The label goes in the largest part.
                use geo::Area;
                let mut parts: Vec<&Polygon<f64>> = mp.0.iter().collect();
                parts.sort_by(|a, b| b.unsigned_area().total_cmp(&a.unsigned_area()));
                for p in parts {
                    self.add_polygon(p, anchor);
                }
            }
            Geometry::Point(p) => {
                let w = world_from_lon_lat(p.0);
                *anchor = Some([w.x, w.y]);
            }
            Geometry::MultiPoint(mp) => {
                if let Some(p) = mp.0.first() {
                    let w = world_from_lon_lat(p.0);
                    *anchor = Some([w.x, w.y]);
                }
            }
            Geometry::LineString(ls) => self.push_line(&ls.0),
            Geometry::MultiLineString(mls) => {
                for ls in &mls.0 {
                    self.push_line(&ls.0);
                }
            }
            Geometry::GeometryCollection(gc) => {
                gc.0.iter().for_each(|g| self.add_geometry(g, anchor))
            }
            Geometry::Rect(r) => self.add_polygon(&r.to_polygon(), anchor),
            Geometry::Triangle(t) => self.add_polygon(&t.to_polygon(), anchor),
            Geometry::Line(l) => self.push_line(&[l.start, l.end]),
        }
    }
}

/// A polygon ring's world vertices as they are drawn: finite, none repeated next to
/// itself, without the closing point, and turned to begin where the longest edge
/// ends (so the stroke's ends lie in the middle of that edge, which is never
/// shorter on screen than any other); `None` without three distinct points.
fn drawable_ring(ring: &LineString<f64>) -> Option<Vec<[f64; 2]>> {
    let mut out: Vec<[f64; 2]> = Vec::with_capacity(ring.0.len());
    for c in &ring.0 {
        let w = world_from_lon_lat(*c);
        if w.x.is_finite() && w.y.is_finite() && out.last() != Some(&[w.x, w.y]) {
            out.push([w.x, w.y]);
        }
    }
    while out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    if out.len() < 3 {
        return None;
    }
    let n = out.len();
    let edge = |k: usize| match (out.get(k), out.get((k + 1) % n)) {
        (Some(a), Some(b)) => (b[0] - a[0]).hypot(b[1] - a[1]),
        _ => 0.0,
    };
    let longest = (0..n)
        .max_by(|&a, &b| edge(a).total_cmp(&edge(b)))
        .unwrap_or(0);
    out.rotate_left((longest + 1) % n);
    Some(out)
}

/// The hatching of a hatched feature (reserved land) as the map draws it over the
/// fill: grey diagonals [`crate::app::map::overlay_tiles::HATCH_SPACING`] points
/// apart across its area, faded with the layer; `None` for a feature not hatched
/// or too small on screen to show it. The lines are fixed to the world, as the
/// tiles' are, so they move with the map when it pans instead of sliding across
/// the parcel.
pub fn hatch_shape(
    view: &crate::app::map::view::View,
    d: &DrawLayer,
    f: &FeatureDraw,
    opacity: f32,
) -> Option<egui::Shape> {
    if !f.hatched || view.size(&f.bbox) < 8.0 {
        return None;
    }
    let rings = f.rings.start as usize..f.rings.end as usize;
    let ranges = d.rings.get(rings.clone())?;
    let areas = d.ring_bounds_area.get(rings)?;
    let spacing = crate::app::map::overlay_tiles::HATCH_SPACING;
    // The lines lie on x + y = k · spacing in world points; on the screen that is
    // shifted by where the world's origin falls, worked out in f64 (the origin is
    // far off the screen at a close zoom) and taken modulo the spacing.
    let origin = view.world_at(egui::Pos2::ZERO);
    let phase = ((-(origin[0] + origin[1]) * view.points_per_world())
        .rem_euclid(f64::from(spacing))) as f32;
    let screen: Vec<Vec<(f32, f32)>> = ranges
        .iter()
        .zip(areas)
        .filter(|(_, area)| **area)
        .filter_map(|((r, _), _)| d.verts.get(r.start as usize..r.end as usize))
        .map(|v| {
            v.iter()
                .map(|w| {
                    let p = view.screen(*w);
                    (p.x - phase, p.y)
                })
                .collect()
        })
        .collect();
    let [r, g, b] = crate::render::hatch::HATCH_RGB;
    let alpha = (opacity.clamp(0.0, 1.0) * 255.0) as u8;
    let stroke = egui::Stroke::new(0.6, Color32::from_rgba_unmultiplied(r, g, b, alpha));
    let clip = view.screen_rect();
    let lines: Vec<egui::Shape> = crate::render::hatch::hatch_segments_within(
        &screen,
        spacing,
        Some([
            clip.min.x - phase,
            clip.min.y,
            clip.max.x - phase,
            clip.max.y,
        ]),
    )
    .into_iter()
    .map(|[a, b]| {
        egui::Shape::line_segment(
            [egui::pos2(a.0 + phase, a.1), egui::pos2(b.0 + phase, b.1)],
            stroke,
        )
    })
    .collect();
    if lines.is_empty() {
        None
    } else {
        Some(egui::Shape::Vec(lines))
    }
}

/// A closed loop of screen points (a sketch's polygon) as an open line that starts
/// and ends in the middle of its longest edge, without points repeated next to each
/// other: drawn with `Shape::line`, its sharp corners are cut off, where
/// `Shape::closed_line` would draw them as spikes across the map (see the module's
/// notes). Fewer than two distinct points give what there is.
pub fn loop_as_line(points: &[Pos2]) -> Vec<Pos2> {
    let mut pts: Vec<Pos2> = Vec::with_capacity(points.len() + 2);
    for p in points.iter().filter(|p| p.x.is_finite() && p.y.is_finite()) {
        if pts.last().is_none_or(|q| q.distance(*p) > 1e-3) {
            pts.push(*p);
        }
    }
    while pts.len() > 1
        && pts
            .first()
            .zip(pts.last())
            .is_some_and(|(a, b)| a.distance(*b) <= 1e-3)
    {
        pts.pop();
    }
    let n = pts.len();
    if n < 2 {
        return pts;
    }
    let edge = |k: usize| match (pts.get(k), pts.get((k + 1) % n)) {
        (Some(a), Some(b)) => a.distance(*b),
        _ => 0.0,
    };
    let longest = (0..n)
        .max_by(|&a, &b| edge(a).total_cmp(&edge(b)))
        .unwrap_or(0);
    pts.rotate_left((longest + 1) % n);
    if let (Some(&first), Some(&last)) = (pts.first(), pts.last()) {
        let middle = first.lerp(last, 0.5);
        pts.insert(0, middle);
        pts.push(middle);
    }
    pts
}

/// The selection's default outline colour, the same as in exports (see
/// [`crate::render::map_image::SELECTED_EDGE`] for why this colour).
pub const DEFAULT_SELECTION_RGB: [u8; 3] = crate::render::map_image::SELECTED_EDGE;

/// The suggested selection colours, each at least ΔE 30 from every land-use class
/// of both standards (checked by a test), with the keys of their names.
pub const SELECTION_PRESETS: [([u8; 3], &str); 5] = [
    (DEFAULT_SELECTION_RGB, "colour_magenta"),
    ([133, 0, 204], "colour_violet"),
    ([0, 60, 220], "colour_blue"),
    ([0, 255, 191], "colour_aquamarine"),
    ([0, 0, 0], "colour_black"),
];

/// The halo drawn under a selection outline of colour `rgb`: white under a dark
/// colour, near-black under a light one, so the outline stands out on pale and on
/// saturated fills alike.
pub fn selection_halo([r, g, b]: [u8; 3]) -> Color32 {
    let [l, _, _] = lab([r, g, b]);
    if l > 60.0 {
        Color32::from_rgba_unmultiplied(20, 20, 20, 220)
    } else {
        Color32::from_rgba_unmultiplied(255, 255, 255, 230)
    }
}

/// CIE L*a*b* (D65) of an sRGB colour.
pub fn lab(rgb: [u8; 3]) -> [f64; 3] {
    let linear = |u: u8| {
        let u = f64::from(u) / 255.0;
        if u > 0.04045 {
            ((u + 0.055) / 1.055).powf(2.4)
        } else {
            u / 12.92
        }
    };
    let [r, g, b] = rgb.map(linear);
    let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
    let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
    let f = |t: f64| {
        if t > 0.008856 {
            t.cbrt()
        } else {
            7.787 * t + 16.0 / 116.0
        }
    };
    let (fx, fy, fz) = (f(x), f(y), f(z));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// The CIE76 colour difference ΔE*ab of two sRGB colours: about 2 is the least a
/// viewer notices side by side; below about 20 two map colours are easily taken
/// for each other.
pub fn delta_e(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (a, b) = (lab(a), lab(b));
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

/// The land-use class (of either standard: the GB 50137 palette keeps some 2023
/// colours) whose colour is nearest to `rgb`, with the difference (ΔE), so the
/// menu can warn when a selection colour looks like a class.
pub fn nearest_class_colour(rgb: [u8; 3]) -> Option<(ClassId, f64)> {
    LanduseTable::global()
        .classes
        .iter()
        .enumerate()
        .map(|(id, c)| (id as ClassId, delta_e(rgb, c.rgb)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

/// The symbol glyph and colour of a facility type, from the core's table so the
/// window, the PNG and the PDF draw the same symbol.
pub fn facility_symbol(kind: &str) -> (&'static str, Color32) {
    let (glyph, [r, g, b]) = crate::render::symbols::facility_symbol(kind);
    (glyph, Color32::from_rgb(r, g, b))
}

/// A selected feature's fill: its own colour. A selection is shown by an outline
/// with a halo drawn over the fills (see `paint_selection` in the map widget), never by a tint, so
/// selected industrial land still reads as industrial and a whole-layer selection
/// keeps the plan's colours. (The overlay tiles ask this for their features too.)
pub fn selected_fill(c: Color32) -> Color32 {
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{LoadOptions, load_bytes};
    use egui::{Shape, Stroke};

    /// How far (points) the tessellated stroke of a path reaches beyond the box of
    /// the path's own points; infinite for a vertex that is not a number.
    fn overshoot(shape: Shape) -> f32 {
        let points = match &shape {
            Shape::Path(p) => p.points.clone(),
            _ => return 0.0,
        };
        let bounds = egui::Rect::from_points(&points);
        let mut tess = egui::epaint::Tessellator::new(
            1.0,
            egui::epaint::TessellationOptions::default(),
            [1, 1],
            Vec::new(),
        );
        let mut mesh = egui::Mesh::default();
        tess.tessellate_shape(shape, &mut mesh);
        mesh.vertices
            .iter()
            .map(|v| {
                if v.pos.x.is_finite() && v.pos.y.is_finite() {
                    bounds.distance_to_pos(v.pos)
                } else {
                    f32::INFINITY
                }
            })
            .fold(0.0, f32::max)
    }

    fn bundled_parcels() -> Layer {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/maps/parcels.geojson");
        let bytes = std::fs::read(path).unwrap();
        load_bytes(&bytes, path, &LoadOptions::default()).unwrap()
    }

    /// Every ring of the bundled parcels, stroked as the map strokes a selection's
    /// halo with each parcel about 300 points across, stays within a stroke's width
    /// of its points. The bundled plan has sliver parts (three points nearly on a
    /// line, in 防护绿地 KG-C-0480 of the 光伏 park among others) whose corners, as
    /// closed loops, egui mitres into lines of thousands of points: the test checks
    /// that the same data does that when closed, so it keeps testing what it should.
    #[test]
    fn strokes_of_every_parcel_stay_near_the_parcel() {
        let layer = bundled_parcels();
        let style = StyleSpec {
            kind: "landuse".into(),
            ..Default::default()
        };
        let d = DrawLayer::build(&layer, &style, Palette::Gtkj2023);
        let width = 6.0;
        let clip = egui::Rect::from_min_size(egui::pos2(0.0, 0.0), egui::vec2(1200.0, 900.0));
        let (mut worst, mut worst_closed) = ((0.0f32, 0usize), 0.0f32);
        for (i, f) in d.features.iter().enumerate() {
            if !f.bbox[0].is_finite() {
                continue;
            }
            let zoom = (300.0 / (256.0 * f.world_size())).log2();
            let centre = crate::render::lon_lat_from_world(geo::coord! {
                x: (f.bbox[0] + f.bbox[2]) / 2.0,
                y: (f.bbox[1] + f.bbox[3]) / 2.0,
            });
            let view = crate::app::map::view::View::at(centre, zoom, clip);
            for (k, (range, open)) in d.rings[f.rings.start as usize..f.rings.end as usize]
                .iter()
                .enumerate()
            {
                assert!(*open, "feature {i}: every stroke is an open line");
                let points: Vec<Pos2> = d.verts[range.start as usize..range.end as usize]
                    .iter()
                    .map(|w| view.screen(*w))
                    .collect();
                let o = overshoot(Shape::line(
                    points.clone(),
                    Stroke::new(width, Color32::RED),
                ));
                if o > worst.0 {
                    worst = (o, i);
                }
                if d.ring_bounds_area[f.rings.start as usize + k] {
                    // The same ring as a closed loop, without the repeated middle.
                    let mut ring = points;
                    ring.pop();
                    ring.remove(0);
                    let o = overshoot(Shape::closed_line(ring, Stroke::new(width, Color32::RED)));
                    worst_closed = worst_closed.max(o);
                }
            }
        }
        assert!(
            worst.0 <= width + 2.0,
            "feature {} ({:?}): its stroke reaches {} points beyond its points",
            worst.1,
            layer.value(worst.1, 0),
            worst.0
        );
        assert!(
            worst_closed > 100.0,
            "the closed loops of the same rings overshoot by {worst_closed} points"
        );
    }

    /// A ring's stroke is its polygon: it begins and ends at the middle of the
    /// longest edge, visits every corner once, and repeats no point next to itself
    /// (a repeated corner, which some files carry, is dropped).
    #[test]
    fn a_ring_is_stroked_from_the_middle_of_its_longest_edge() {
        let text = br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"id":"A","landuse":"1001"},"geometry":{"type":"Polygon","coordinates":[[[120.0,30.0],[120.0,30.0],[120.01,30.0],[120.01,30.03],[120.0,30.01],[120.0,30.0],[120.0,30.0]]]}}
        ]}"#;
        let layer = load_bytes(text, "t.geojson", &LoadOptions::default()).unwrap();
        let d = DrawLayer::build(&layer, &StyleSpec::default(), Palette::Gtkj2023);
        let (range, open) = d.rings[0].clone();
        assert!(open);
        let v = &d.verts[range.start as usize..range.end as usize];
        let w = |x: f64, y: f64| {
            let c = world_from_lon_lat(geo::coord! { x: x, y: y });
            [c.x, c.y]
        };
        // The longest edge is (120.01, 30.0) → (120.01, 30.03).
        let (a, b) = (w(120.01, 30.03), w(120.01, 30.0));
        let mid = [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0];
        assert_eq!(v.len(), 6, "{v:?}");
        assert_eq!(v[0], mid);
        assert_eq!(v[0], v[5]);
        assert_eq!(
            &v[1..5],
            &[
                w(120.01, 30.03),
                w(120.0, 30.01),
                w(120.0, 30.0),
                w(120.01, 30.0)
            ]
        );
        // The fill is two triangles over the four corners, never the middle points.
        let tris = &d.tris[d.features[0].tris.start as usize..d.features[0].tris.end as usize];
        assert_eq!(tris.len(), 6);
        assert!(
            tris.iter()
                .all(|&k| (range.start + 1..range.end - 1).contains(&k))
        );
    }

    /// A sketch's loop as drawn: from the middle of its longest edge round to it,
    /// without repeated points, and its stroke keeps near it even where the lasso
    /// doubles back.
    #[test]
    fn a_sketched_loop_is_drawn_without_spikes() {
        use egui::pos2;
        let lasso = [
            pos2(100.0, 100.0),
            pos2(100.0, 100.0),
            pos2(400.0, 100.0),
            pos2(100.0, 100.5),
            pos2(100.0, 100.5),
            pos2(100.0, 300.0),
        ];
        let line = loop_as_line(&lasso);
        assert_eq!(line.first(), line.last());
        assert_eq!(line.len(), 6, "{line:?}");
        assert!(line.windows(2).all(|w| w[0] != w[1]));
        let stroke = Stroke::new(5.0, Color32::WHITE);
        assert!(overshoot(Shape::line(line, stroke)) <= 7.0);
        assert!(overshoot(Shape::closed_line(lasso.to_vec(), stroke)) > 100.0);
    }

    /// The triangles of every polygon cover exactly its area (in world units), so
    /// fills have no holes or overlaps.
    #[test]
    fn triangles_cover_each_polygon() {
        let text = br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"id":"L","landuse":"1001"},"geometry":{"type":"Polygon","coordinates":[[[120.0,30.0],[120.02,30.0],[120.02,30.01],[120.01,30.01],[120.01,30.02],[120.0,30.02],[120.0,30.0]]]}},
          {"type":"Feature","properties":{"id":"H","landuse":"0701"},"geometry":{"type":"Polygon","coordinates":[[[120.1,30.0],[120.13,30.0],[120.13,30.03],[120.1,30.03],[120.1,30.0]],[[120.11,30.01],[120.12,30.01],[120.12,30.02],[120.11,30.02],[120.11,30.01]]]}}
        ]}"#;
        let layer = load_bytes(text, "t.geojson", &LoadOptions::default()).unwrap();
        let style = StyleSpec {
            kind: "landuse".into(),
            ..Default::default()
        };
        let d = DrawLayer::build(&layer, &style, Palette::Gtkj2023);
        assert_eq!(d.features.len(), 2);
        for (i, f) in d.features.iter().enumerate() {
            let tris = &d.tris[f.tris.start as usize..f.tris.end as usize];
            assert!(!tris.is_empty(), "feature {i} has no triangles");
            let tri_area: f64 = tris
                .chunks_exact(3)
                .map(|t| {
                    let [a, b, c] = [
                        d.verts[t[0] as usize],
                        d.verts[t[1] as usize],
                        d.verts[t[2] as usize],
                    ];
                    ((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1])).abs() / 2.0
                })
                .sum();
            // The shoelace area of the rings, outer minus holes, in world units.
            let mut ring_area = 0.0;
            for (k, (r, _)) in d.rings[f.rings.start as usize..f.rings.end as usize]
                .iter()
                .enumerate()
            {
                let v = &d.verts[r.start as usize..r.end as usize];
                let a: f64 = (0..v.len())
                    .map(|j| {
                        let (p, q) = (v[j], v[(j + 1) % v.len()]);
                        p[0] * q[1] - q[0] * p[1]
                    })
                    .sum::<f64>()
                    .abs()
                    / 2.0;
                ring_area += if k == 0 { a } else { -a };
            }
            assert!(
                (tri_area - ring_area).abs() < 1e-6 * ring_area,
                "feature {i}: {tri_area} vs {ring_area}"
            );
        }
        // The land-use colours come from the standard table.
        assert_ne!(d.features[0].color, d.features[1].color);
    }
}
