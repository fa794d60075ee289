//! Start-up time of the app on the bundled project, headless: opening the project
//! (reading and indexing its layers, preparing them for drawing), building the app
//! state, and running frames until the map is drawn: the first frame (fonts, basemap
//! workers), then frames until the basemap's and the parcels' tiles for the home
//! view have arrived.
//!
//! `cargo bench --bench startup`. A window adds the platform's own start (creating
//! the window and the GPU surface), which this machine cannot measure without a
//! display; the README's smoke test shows it under Xvfb.

mod common;

use common::ms;

use std::time::{Duration, Instant};

use parcelview::app::{ParcelApp, Settings};
use parcelview::project::Project;

fn main() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/airport-city.json");
    let mut runs = Vec::new();
    for run in 0..5 {
        let t0 = Instant::now();
        let project = Project::open(&path).expect("bundled project");
        let opened = t0.elapsed();
        let mut app = ParcelApp::new(project, Settings::default());
        let built = t0.elapsed();
        let ctx = egui::Context::default();
        let input = || egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(1440.0, 900.0),
            )),
            ..Default::default()
        };
        let _ = ctx.run_ui(input(), |ui| app.frame_ui(ui));
        let first_frame = t0.elapsed();
        let mut frames = 1;
        loop {
            let _ = ctx.run_ui(input(), |ui| app.frame_ui(ui));
            frames += 1;
            if (frames > 2 && app.map_loading() == 0) || t0.elapsed().as_secs() > 30 {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let drawn = t0.elapsed();
        println!(
            "startup run {run}: project opened {:.0} ms, app state {:.0} ms, first frame {:.0} ms, map drawn (tiles in) {:.0} ms after {frames} frames",
            ms(opened),
            ms(built),
            ms(first_frame),
            ms(drawn)
        );
        runs.push(drawn);
    }
    runs.sort();
    println!(
        "startup: median {:.0} ms to the drawn map",
        ms(runs[runs.len() / 2])
    );
}
