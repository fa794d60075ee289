//! What the map draws for each layer, prepared once: vertices in Web Mercator world
//! coordinates, triangles (egui fills only convex shapes, so every polygon is
//! triangulated once with earcut), outline rings, per-feature colours and label
//! anchors. A frame then only culls, scales and translates.

use std::ops::Range;

use egui::Color32;
use geo::{Geometry, InteriorPoint, Polygon, TriangulateEarcut};

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
}

pub struct DrawLayer {
    pub paint: Paint,
    pub verts: Vec<[f64; 2]>,
    pub tris: Vec<u32>,
    /// Vertex ranges of outline rings (closed) and lines (open, flagged).
    pub rings: Vec<(Range<u32>, bool)>,
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
            out.features.push(FeatureDraw {
                tris: tri_start..out.tris.len() as u32,
                rings: ring_start..out.rings.len() as u32,
                bbox: bbox.unwrap_or([f64::NAN; 4]),
                color,
                anchor,
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

    fn push_ring(&mut self, coords: &[geo::Coord<f64>], closed: bool) -> Range<u32> {
        let start = self.verts.len() as u32;
        let n = if closed && coords.len() > 1 {
            coords.len() - 1
        } else {
            coords.len()
        };
        for c in coords.iter().take(n) {
            let w = world_from_lon_lat(*c);
            self.verts.push([w.x, w.y]);
        }
        start..self.verts.len() as u32
    }

    fn add_polygon(&mut self, p: &Polygon<f64>, anchor: &mut Option<[f64; 2]>) {
        let start = self.verts.len() as u32;
        for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
            let r = self.push_ring(&ring.0, true);
            self.rings.push((r, false));
        }
        // earcut's vertex list is the rings without their closing points, in order:
        // the same as ours, so its indices map straight onto our vertices.
        let raw = p.earcut_triangles_raw();
        let ours = self.verts.len() as u32 - start;
        if raw.vertices.len() == ours as usize {
            self.tris
                .extend(raw.triangle_indices.iter().map(|&k| start + k as u32));
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
            Geometry::LineString(ls) => {
                let r = self.push_ring(&ls.0, false);
                self.rings.push((r, true));
            }
            Geometry::MultiLineString(mls) => {
                for ls in &mls.0 {
                    let r = self.push_ring(&ls.0, false);
                    self.rings.push((r, true));
                }
            }
            Geometry::GeometryCollection(gc) => {
                gc.0.iter().for_each(|g| self.add_geometry(g, anchor))
            }
            Geometry::Rect(r) => self.add_polygon(&r.to_polygon(), anchor),
            Geometry::Triangle(t) => self.add_polygon(&t.to_polygon(), anchor),
            Geometry::Line(l) => {
                let r = self.push_ring(&[l.start, l.end], false);
                self.rings.push((r, true));
            }
        }
    }
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
