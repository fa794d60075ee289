//! Small features of a filled layer drawn into raster tiles off the UI thread.
//!
//! Seen from afar, a district of a hundred thousand parcels is a mosaic of patches a
//! few pixels wide. Building a mesh of every one each frame costs more than the frame
//! has, so features smaller than [`SMALL_BELOW`] points at a tile's zoom are painted
//! once into 256-pixel tiles (tiny-skia, on worker threads, like the offline
//! basemap) and each frame draws a few textured squares. Larger features are still
//! meshed every frame, so close up the map stays sharp and reacts at once.
//!
//! A feature belongs to the tiles or to the meshes by its size at the tile's zoom
//! (the view's zoom rounded down), so at any zoom each feature is drawn exactly once.
//! Tiles show the selection as it was when they were asked for; a change of
//! selection starts a new set, and the old one stands in until the new tiles arrive.

use std::sync::Arc;

use egui::{Color32, Rect, pos2};
use tiny_skia::{FillRule, Paint, PathBuilder, Pixmap, Stroke, Transform};
use walkers::TileId;

use crate::app::map::draw::DrawLayer;
use crate::app::map::tiles::TileLayer;
use crate::model::Layer;
use crate::render::lon_lat_from_world;
use crate::selection::Selection;
use crate::tiles::{TileError, TileImage, TileSource};

/// Features smaller than this many points at the tile zoom go into tiles.
pub const SMALL_BELOW: f32 = 24.0;
/// Features at least this large (points) get an outline in the tiles too.
const OUTLINE_FROM: f32 = 12.0;
/// Hatched features (reserved land) at least this large (points) show their
/// hatching in the tiles; smaller ones would only grey.
const HATCH_FROM: f32 = 8.0;
/// Points between hatch lines, in the tiles as on the map: a divisor of the tile's
/// 256 pixels, so a feature across two tiles is hatched on the same lines in both.
pub const HATCH_SPACING: f32 = 6.4;
/// Features smaller than this many pixels are filled as their box: at that size
/// the box and the shape cover the same pixels.
const BOX_BELOW: f64 = 2.0;

/// A tile source over one layer's prepared drawing and a snapshot of its selection.
pub struct OverlaySource {
    pub data: Arc<Layer>,
    pub draw: Arc<DrawLayer>,
    pub selection: Arc<Selection>,
    /// The edge colour of outlined features.
    pub edge: Color32,
}

impl TileSource for OverlaySource {
    fn tile(&self, zoom: u8, x: u32, y: u32) -> Result<Option<TileImage>, TileError> {
        Ok(self.render(zoom, x, y))
    }

    fn max_zoom(&self) -> u8 {
        22
    }

    fn attribution(&self) -> String {
        String::new()
    }
}

impl OverlaySource {
    /// Renders one tile; `None` when no small feature touches it.
    pub fn render(&self, zoom: u8, x: u32, y: u32) -> Option<TileImage> {
        let tiles = f64::from(1u32 << zoom.min(30));
        let scale = tiles * 256.0;
        let (x0, y0) = (f64::from(x) / tiles, f64::from(y) / tiles);
        let (x1, y1) = (f64::from(x + 1) / tiles, f64::from(y + 1) / tiles);
        // A pixel of margin so features on the edge are not cut short.
        let m = 1.0 / scale;
        let a = lon_lat_from_world(geo::coord! { x: x0 - m, y: y1 + m });
        let b = lon_lat_from_world(geo::coord! { x: x1 + m, y: y0 - m });
        let rect = geo::Rect::new(a, b);
        let mut candidates: Vec<usize> = self.data.index.in_rect(rect).map(|(i, _)| i).collect();
        // Drawing order is feature order, as on screen.
        candidates.sort_unstable();
        let mut pixmap: Option<Pixmap> = None;
        let mut paint = Paint {
            anti_alias: true,
            ..Paint::default()
        };
        let edge = {
            let [r, g, b, a] = self.edge.to_srgba_unmultiplied();
            tiny_skia::Color::from_rgba8(r, g, b, a)
        };
        for i in candidates {
            let Some(f) = self.draw.features.get(i) else {
                continue;
            };
            let size_px = (f.bbox[2] - f.bbox[0]).max(f.bbox[3] - f.bbox[1]) * scale;
            if size_px >= f64::from(SMALL_BELOW) {
                continue;
            }
            let pm = match &mut pixmap {
                Some(p) => p,
                None => pixmap.insert(Pixmap::new(256, 256)?),
            };
            let color = if self.selection.contains(i) {
                crate::app::map::draw::selected_fill(f.color)
            } else {
                f.color
            };
            let [r, g, b, a] = color.to_srgba_unmultiplied();
            if size_px < BOX_BELOW {
                // At a pixel or two the box is the shape; every feature covers at
                // least one pixel so none vanishes.
                let px = |v: f64, o: f64| ((v - o) * scale).floor() as i64;
                let (bx0, by0) = (px(f.bbox[0], x0), px(f.bbox[1], y0));
                let (bx1, by1) = (
                    px(f.bbox[2], x0).max(bx0 + 1),
                    px(f.bbox[3], y0).max(by0 + 1),
                );
                fill_box(pm, bx0, by0, bx1, by1, [r, g, b, a]);
                continue;
            }
            let Some(path) = feature_path(&self.draw, f, x0, y0, scale) else {
                continue;
            };
            paint.set_color(tiny_skia::Color::from_rgba8(r, g, b, a));
            pm.fill_path(
                &path,
                &paint,
                FillRule::EvenOdd,
                Transform::identity(),
                None,
            );
            if f.hatched && size_px >= f64::from(HATCH_FROM) {
                hatch(pm, &self.draw, f, [x0, y0], scale);
            }
            if size_px >= f64::from(OUTLINE_FROM) {
                paint.set_color(edge);
                let stroke = Stroke {
                    width: 0.6,
                    ..Stroke::default()
                };
                pm.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
            }
        }
        let pm = pixmap?;
        let mut rgba = Vec::with_capacity(256 * 256 * 4);
        for p in pm.pixels() {
            let c = p.demultiply();
            rgba.extend_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
        }
        Some(TileImage {
            width: 256,
            height: 256,
            rgba,
        })
    }
}

/// Fills a pixel box (clipped to the tile) with an opaque or translucent colour.
fn fill_box(pm: &mut Pixmap, x0: i64, y0: i64, x1: i64, y1: i64, [r, g, b, a]: [u8; 4]) {
    let (w, h) = (i64::from(pm.width()), i64::from(pm.height()));
    let (x0, x1) = (x0.clamp(0, w), x1.clamp(0, w));
    let (y0, y1) = (y0.clamp(0, h), y1.clamp(0, h));
    let Some(c) = tiny_skia::ColorU8::from_rgba(r, g, b, a)
        .premultiply()
        .into()
    else {
        return;
    };
    let c: tiny_skia::PremultipliedColorU8 = c;
    let pixels = pm.pixels_mut();
    for y in y0..y1 {
        let start = (y * w + x0) as usize;
        let end = (y * w + x1) as usize;
        if let Some(run) = pixels.get_mut(start..end) {
            run.fill(c);
        }
    }
}

/// Hatches a feature's area in the tile with thin grey diagonals.
fn hatch(
    pm: &mut Pixmap,
    d: &DrawLayer,
    f: &crate::app::map::draw::FeatureDraw,
    [x0, y0]: [f64; 2],
    scale: f64,
) {
    let rings = f.rings.start as usize..f.rings.end as usize;
    let (Some(ranges), Some(areas)) = (d.rings.get(rings.clone()), d.ring_bounds_area.get(rings))
    else {
        return;
    };
    let px: Vec<Vec<(f32, f32)>> = ranges
        .iter()
        .zip(areas)
        .filter(|(_, area)| **area)
        .filter_map(|((r, _), _)| d.verts.get(r.start as usize..r.end as usize))
        .map(|v| {
            v.iter()
                .map(|w| (((w[0] - x0) * scale) as f32, ((w[1] - y0) * scale) as f32))
                .collect()
        })
        .collect();
    let mut pb = PathBuilder::new();
    for [a, b] in crate::render::hatch::hatch_segments(&px, HATCH_SPACING) {
        pb.move_to(a.0, a.1);
        pb.line_to(b.0, b.1);
    }
    let Some(path) = pb.finish() else { return };
    let [r, g, b] = crate::render::hatch::HATCH_RGB;
    let paint = Paint {
        anti_alias: true,
        shader: tiny_skia::Shader::SolidColor(tiny_skia::Color::from_rgba8(r, g, b, 255)),
        ..Paint::default()
    };
    let stroke = Stroke {
        width: 0.6,
        ..Stroke::default()
    };
    pm.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
}

fn feature_path(
    d: &DrawLayer,
    f: &crate::app::map::draw::FeatureDraw,
    x0: f64,
    y0: f64,
    scale: f64,
) -> Option<tiny_skia::Path> {
    let mut pb = PathBuilder::new();
    let rings = f.rings.start as usize..f.rings.end as usize;
    // A polygon's ring is kept as a line from the middle of an edge round to the
    // same point; closed here, it is the ring. Lines are not filled.
    for ((range, _), area) in d
        .rings
        .get(rings.clone())?
        .iter()
        .zip(d.ring_bounds_area.get(rings)?)
    {
        if !*area {
            continue;
        }
        let verts = d.verts.get(range.start as usize..range.end as usize)?;
        let mut it = verts.iter();
        let Some(first) = it.next() else { continue };
        pb.move_to(
            ((first[0] - x0) * scale) as f32,
            ((first[1] - y0) * scale) as f32,
        );
        for v in it {
            pb.line_to(((v[0] - x0) * scale) as f32, ((v[1] - y0) * scale) as f32);
        }
        pb.close();
    }
    pb.finish()
}

/// A layer's overlay tiles: the current set and, while it fills in, the previous one.
pub struct OverlayTiles {
    current: TileLayer,
    previous: Option<TileLayer>,
    /// The selection generation the current set shows.
    generation: u64,
}

impl OverlayTiles {
    pub fn new(ctx: &egui::Context, source: OverlaySource) -> OverlayTiles {
        let generation = source.selection.generation();
        OverlayTiles {
            current: TileLayer::new(ctx.clone(), Arc::new(source), 2),
            previous: None,
            generation,
        }
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Starts a new set for a changed selection; the old set stands in meanwhile.
    pub fn replace(&mut self, ctx: &egui::Context, source: OverlaySource) {
        self.generation = source.selection.generation();
        let old = std::mem::replace(
            &mut self.current,
            TileLayer::new(ctx.clone(), Arc::new(source), 2),
        );
        self.previous = Some(old);
    }

    /// Takes in finished tiles. Call once a frame.
    pub fn receive(&mut self) {
        self.current.receive();
        if let Some(p) = &mut self.previous {
            p.receive();
        }
    }

    /// Tiles still being drawn.
    pub fn loading(&self) -> usize {
        self.current.loading()
    }

    /// Paints the tiles that cover the view at zoom `zoom` (an integer level),
    /// tinted by the layer's opacity. Returns how many tiles were missing.
    pub fn paint(
        &mut self,
        painter: &egui::Painter,
        view: &crate::app::map::view::View,
        zoom: u8,
        opacity: f32,
    ) -> usize {
        let clip = painter.clip_rect();
        let n = f64::from(1u32 << zoom);
        let tl = view.world_at(clip.min);
        let br = view.world_at(clip.max);
        let tx0 = (tl[0] * n).floor().max(0.0) as u32;
        let ty0 = (tl[1] * n).floor().max(0.0) as u32;
        let tx1 = ((br[0] * n).floor().min(n - 1.0)).max(0.0) as u32;
        let ty1 = ((br[1] * n).floor().min(n - 1.0)).max(0.0) as u32;
        let tint = Color32::from_white_alpha((opacity.clamp(0.0, 1.0) * 255.0) as u8);
        let full = Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0));
        let mut missing = 0;
        let mut all_current = true;
        for ty in ty0..=ty1 {
            for tx in tx0..=tx1 {
                let id = TileId { x: tx, y: ty, zoom };
                let min = view.screen_of_world([f64::from(tx) / n, f64::from(ty) / n]);
                let max = view.screen_of_world([f64::from(tx + 1) / n, f64::from(ty + 1) / n]);
                let rect = Rect::from_min_max(min, max);
                let piece = if let Some(t) = self.current.texture(id, true) {
                    Some((t, full))
                } else if self.current.is_empty_tile(id) {
                    continue;
                } else {
                    all_current = false;
                    let old = self.previous.as_mut().and_then(|p| {
                        p.texture(id, false)
                            .map(|t| (t, full))
                            .or_else(|| (!p.is_empty_tile(id)).then(|| p.ancestor(id)).flatten())
                    });
                    old.or_else(|| self.current.ancestor(id))
                };
                match piece {
                    Some((t, uv)) => {
                        painter.image(t.id(), rect, uv, tint);
                    }
                    None => missing += 1,
                }
            }
        }
        if all_current {
            self.previous = None;
        }
        missing
    }
}
