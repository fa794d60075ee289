//! The map overlay's per-frame CPU cost, headless: parcels of 10k, 100k and 1M
//! generated parcels painted into an egui frame (shape building) and tessellated
//! into triangles for the GPU, for a whole-area view and a street-level view.
//!
//! `cargo bench --bench overlay`; `PARCELVIEW_BENCH_SIZES` chooses the sizes.
//! The map area is 1100 × 800 points, about what the window leaves for the map.

mod common;

use common::{median, ms};

use std::time::{Duration, Instant};

use egui::{LayerId, Pos2, Rect, pos2, vec2};
use parcelview::app::map::view::View;
use parcelview::app::map::widget::{overlay_loading, paint_overlay};
use parcelview::app::{Lang, MapLayer};
use parcelview::generate::{ParcelOptions, write_parcels};
use parcelview::io::{LoadOptions, load_bytes};
use parcelview::project::StyleSpec;

/// One frame of the overlay alone, headless.
fn overlay_frame(
    ctx: &egui::Context,
    view: &View,
    layers: &[MapLayer],
    clip: Rect,
) -> egui::FullOutput {
    let input = egui::RawInput {
        screen_rect: Some(clip),
        ..Default::default()
    };
    ctx.run_ui(input, |ui| {
        let painter = ui
            .ctx()
            .layer_painter(LayerId::background())
            .with_clip_rect(clip);
        paint_overlay(&painter, view, layers, Some((0, 0)), Lang::Zh);
    })
}

fn main() {
    let sizes: Vec<usize> = std::env::var("PARCELVIEW_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|t| t.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000, 1_000_000]);
    for n in sizes {
        let mut bytes = Vec::new();
        let options = ParcelOptions {
            count: n,
            seed: 42,
            ..Default::default()
        };
        write_parcels(&mut bytes, &options).expect("generate");
        let layer = load_bytes(&bytes, "bench.geojson", &LoadOptions::default()).expect("load");
        drop(bytes);
        let bbox = layer.bbox().expect("a bbox");
        let style = StyleSpec {
            kind: "landuse".into(),
            ..Default::default()
        };
        let t = Instant::now();
        let map_layer = MapLayer::from_layer("parcels", layer, style);
        let prepare = t.elapsed();
        println!(
            "overlay n={n}: prepare for drawing (project, triangulate) {:.0} ms",
            ms(prepare)
        );
        let layers = vec![map_layer];
        let clip = Rect::from_min_size(Pos2::ZERO, vec2(1100.0, 800.0));
        let centre = bbox.center();
        // Whole area: the zoom that fits the layer's box in the map area.
        let world = |c: geo::Coord<f64>| parcelview::render::world_from_lon_lat(c);
        let (a, b) = (
            world(geo::coord! { x: bbox.min().x, y: bbox.max().y }),
            world(bbox.max()),
        );
        let fit = (1100.0 / ((b.x - a.x).abs() * 256.0))
            .min(800.0 / ((b.y - a.y).abs() * 256.0))
            .log2();
        for (name, zoom) in [("whole area", fit), ("street level (zoom 17)", 17.0)] {
            let view = View::at(centre, zoom, clip);
            let ctx = egui::Context::default();
            // Let the view's tiles arrive first (the workers draw them meanwhile).
            let t = Instant::now();
            let mut warm = 0;
            loop {
                let _ = overlay_frame(&ctx, &view, &layers, clip);
                warm += 1;
                if (warm > 2 && overlay_loading(&layers) == 0) || t.elapsed().as_secs() > 120 {
                    break;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            println!(
                "overlay n={n} {name}: the view's tiles drawn by the workers in {:.0} ms",
                ms(t.elapsed())
            );
            let mut paint = Vec::new();
            let mut tess = Vec::new();
            let mut prims = 0;
            for frame in 0..25 {
                // Each frame pans by a few points, as a drag would.
                let pan = frame as f64 * 3.0 / (256.0 * 2f64.powf(zoom));
                let view = View::at(
                    geo::coord! { x: centre.x + pan * 360.0, y: centre.y },
                    zoom,
                    clip,
                );
                let t = Instant::now();
                let output = overlay_frame(&ctx, &view, &layers, clip);
                let painted = t.elapsed();
                let t = Instant::now();
                let meshes = ctx.tessellate(output.shapes, output.pixels_per_point);
                let tessellated = t.elapsed();
                if frame >= 5 {
                    paint.push(painted);
                    tess.push(tessellated);
                }
                prims = meshes.len();
            }
            let _ = view;
            let (p, t) = (median(paint), median(tess));
            println!(
                "overlay n={n} {name}: paint {:.2} ms + tessellate {:.2} ms = {:.2} ms per frame ({prims} primitives)",
                ms(p),
                ms(t),
                ms(p + t)
            );
        }
    }
    let _ = pos2(0.0, 0.0);
}
