//! The app driven headlessly with egui_kittest: real state, real panels, simulated
//! pointer and clicks.

use egui::{Event, Modifiers, PointerButton, Pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use geo::{Area, InteriorPoint};
use parcelview::app::{BasemapChoice, Lang, ParcelApp, Settings};
use parcelview::project::Project;
use parcelview::selection;

fn bundled() -> Project {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/airport-city.json");
    Project::open(&path).unwrap()
}

fn harness(settings: Settings) -> Harness<'static, ParcelApp> {
    let app = ParcelApp::new(bundled(), settings);
    let mut h = Harness::builder()
        .with_size([1440.0, 900.0])
        .with_max_steps(20)
        .build_ui_state(|ui, app: &mut ParcelApp| app.frame_ui(ui), app);
    // Basemap tiles keep arriving from the worker, so a fixed number of frames is
    // enough rather than waiting for the app to go idle.
    h.run_steps(4);
    h
}

fn layer_index(app: &ParcelApp, name: &str) -> usize {
    app.layers.iter().position(|l| l.spec.name == name).unwrap()
}

fn click_at(h: &mut Harness<'static, ParcelApp>, pos: Pos2) {
    h.event(Event::PointerMoved(pos));
    h.run_steps(1);
    for pressed in [true, false] {
        h.event(Event::PointerButton {
            pos,
            button: PointerButton::Primary,
            pressed,
            modifiers: Modifiers::NONE,
        });
        h.run_steps(1);
    }
    h.run_steps(1);
}

#[test]
fn toggling_a_layer_hides_it() {
    let mut h = harness(Settings::default());
    let parcels = layer_index(h.state(), "地块");
    assert!(h.state().layers[parcels].spec.visible);
    h.get_by_label("地块").click();
    h.run_steps(2);
    assert!(
        !h.state().layers[parcels].spec.visible,
        "the checkbox hides the layer"
    );
    h.get_by_label("地块").click();
    h.run_steps(2);
    assert!(h.state().layers[parcels].spec.visible);
}

#[test]
fn clicking_a_parcel_shows_its_id_in_the_identify_panel() {
    let mut h = harness(Settings::default());
    let app = h.state();
    let parcels = layer_index(app, "地块");
    let airport = layer_index(app, "机场");
    let facilities = layer_index(app, "公共服务设施");
    let view = app.last_view.expect("the map was drawn");
    let parcel_layer = app.layers[parcels].data.as_ref().unwrap();
    let airport_layer = app.layers[airport].data.as_ref().unwrap();
    let facility_layer = app.layers[facilities].data.as_ref().unwrap();
    // A large parcel whose inside is not covered by the airport layer or near a
    // facility symbol, so the click can only mean this parcel.
    let mut order: Vec<usize> = (0..parcel_layer.len()).collect();
    order.sort_by(|&a, &b| parcel_layer.area_m2[b].total_cmp(&parcel_layer.area_m2[a]));
    let (target, pos) = order
        .into_iter()
        .find_map(|i| {
            let g = parcel_layer.geometries[i].as_ref()?;
            let inside = g.interior_point()?.0;
            if selection::pick(airport_layer, inside).is_some()
                || selection::pick(parcel_layer, inside) != Some(i)
            {
                return None;
            }
            let pos = view.pos_on_screen(inside);
            let near_symbol = facility_layer.geometries.iter().flatten().any(|f| {
                f.interior_point()
                    .is_some_and(|p| view.pos_on_screen(p.0).distance(pos) < 30.0)
            });
            (!near_symbol
                && g.unsigned_area() > 0.0
                && pos.x > 400.0
                && pos.x < 1000.0
                && pos.y > 100.0
                && pos.y < 800.0)
                .then_some((i, pos))
        })
        .expect("a clickable parcel");
    let id = parcel_layer.feature_id(target);
    assert!(
        h.query_by_label_contains(&id).is_none(),
        "{id} is not shown before the click"
    );
    click_at(&mut h, pos);
    assert_eq!(h.state().selected, Some((parcels, target)));
    // The identify panel shows the parcel's id and its area in 公顷.
    h.get_by_label_contains(&format!("地块 · {id}"));
    h.get_by_label_contains("公顷");
    // Escape clears the selection.
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    assert_eq!(h.state().selected, None);
}

#[test]
fn switching_to_english_changes_the_panels() {
    let mut h = harness(Settings::default());
    h.get_by_label("图层");
    h.get_by_label("语言").click();
    h.run_steps(2);
    h.get_by_label("English").click();
    h.run_steps(3);
    assert_eq!(h.state().settings.lang, Lang::En);
    h.get_by_label("Layers");
    h.get_by_label("Legend");
    assert!(h.query_by_label("图层").is_none());
}

#[test]
fn switching_the_basemap_to_none() {
    let mut h = harness(Settings::default());
    assert_eq!(h.state().settings.basemap, BasemapChoice::OfflineLight);
    h.get_by_label("底图").click();
    h.run_steps(2);
    h.get_by_label("无底图").click();
    h.run_steps(3);
    assert_eq!(h.state().settings.basemap, BasemapChoice::None);
}

/// A stalled tile server never holds up a frame: asking for tiles returns at once,
/// the map shows nothing (or a scaled ancestor) meanwhile, and failures are counted
/// for the status bar rather than raised.
#[test]
fn a_stalled_tile_server_does_not_block_frames() {
    use parcelview::app::tiles::TileLayer;
    use parcelview::io::tiles_http::HttpSource;
    use std::io::Read;
    use std::time::{Duration, Instant};
    use walkers::{TileId, Tiles};

    // A server that accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for mut s in listener.incoming().flatten() {
            let mut b = [0u8; 1024];
            let _ = s.read(&mut b);
            held.push(s);
        }
    });
    let template = format!("http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png");
    let source = HttpSource::with_timeout(
        "stall",
        &[template.as_str()],
        "",
        19,
        None,
        Duration::from_millis(800),
    )
    .unwrap();
    let ctx = egui::Context::default();
    let mut layer = TileLayer::new(ctx, std::sync::Arc::new(source), 4);
    let started = Instant::now();
    for frame in 0..30 {
        layer.receive();
        for x in 0..8 {
            assert!(
                layer
                    .at(TileId {
                        x,
                        y: frame % 4,
                        zoom: 5
                    })
                    .is_none()
            );
        }
    }
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "frames waited: {:?}",
        started.elapsed()
    );
    assert!(layer.loading() > 0);
    // After the timeout the failures arrive and are counted, with the reason.
    let deadline = Instant::now() + Duration::from_secs(20);
    while layer.failures == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        layer.receive();
    }
    assert!(layer.failures > 0);
    let reason = layer.last_error.as_ref().unwrap().to_string();
    assert!(reason.contains(&format!("127.0.0.1:{port}")), "{reason}");
}

/// Opening a file loads it in the background and adds it as a layer, with its
/// warnings listed; a broken file is reported and nothing else changes.
#[test]
fn opening_files_adds_layers_in_the_background() {
    use parcelview::app::Command;
    let mut h = harness(Settings::default());
    let before = h.state().layers.len();
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    h.state_mut().push(Command::OpenFiles(vec![
        data.join("small.geojson"),
        data.join("truncated.geojson"),
    ]));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while h.state().layers.len() == before && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
        h.run_steps(1);
    }
    h.run_steps(3);
    let app = h.state();
    assert_eq!(
        app.layers.len(),
        before + 1,
        "the good file is added, the broken one is not"
    );
    let added = app.layers.last().unwrap();
    assert_eq!(added.spec.name, "small");
    assert_eq!(
        added.data.as_ref().unwrap().len(),
        6,
        "6 features load, 2 are skipped with warnings"
    );
    assert!(
        added.draw.is_some(),
        "prepared for drawing off the UI thread"
    );
    h.get_by_label_contains("small");
}
