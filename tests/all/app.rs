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
    harness_stepping(settings, 0.25)
}

/// A harness whose frames are `step_s` seconds apart (kittest's default is 0.25 s,
/// slower than a double click's 0.3 s allows between its clicks in two frames).
fn harness_stepping(mut settings: Settings, step_s: f32) -> Harness<'static, ParcelApp> {
    // The in-window dialogs, never the desktop's, even on a developer's desktop.
    settings.native_dialogs = false;
    let app = ParcelApp::new(bundled(), settings);
    let mut h = Harness::builder()
        .with_size([1440.0, 900.0])
        .with_max_steps(20)
        .with_step_dt(step_s)
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
    use parcelview::app::map::tiles::TileLayer;
    use parcelview::tiles::http::HttpSource;
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
/// Clicks a text field with the pointer, selects what it holds and types `text`.
fn click_and_type(h: &mut Harness<'static, ParcelApp>, label: &str, text: &str) {
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, label)
        .click();
    h.run_steps(1);
    h.key_press_modifiers(Modifiers::COMMAND, egui::Key::A);
    h.run_steps(1);
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, label)
        .type_text(text);
    h.run_steps(1);
}

/// Opens the in-window file dialog with Ctrl+O and goes to `dir` through its
/// folder field.
fn open_dialog_at(h: &mut Harness<'static, ParcelApp>, dir: &std::path::Path) {
    h.key_press_modifiers(Modifiers::COMMAND, egui::Key::O);
    h.run_steps(2);
    assert!(h.state().file_dialog().is_some(), "Ctrl+O opens the dialog");
    click_and_type(h, "文件夹", dir.to_str().unwrap());
    h.key_press(egui::Key::Enter);
    h.run_steps(2);
    assert_eq!(h.state().file_dialog().unwrap().dir, dir);
}

#[test]
fn opening_files_adds_layers_in_the_background() {
    let mut h = harness(Settings::default());
    let before = h.state().layers.len();
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    open_dialog_at(&mut h, &data);
    let shown = h.state().file_dialog().unwrap().shown_names();
    assert!(shown.contains(&"small.geojson".to_string()), "{shown:?}");
    assert!(
        shown.contains(&"tiles.pmtiles".to_string()),
        "tile files are among the supported files"
    );
    assert!(
        !shown.contains(&"make_tiles.py".to_string()),
        "the filter hides what cannot be opened"
    );
    // Two files, picked with the pointer (the second with Ctrl), opened together.
    h.get_by_label("small.geojson").click();
    h.run_steps(1);
    h.get_by_label("truncated.geojson")
        .click_modifiers(Modifiers::COMMAND);
    h.run_steps(1);
    h.get_by_role_and_label(egui::accesskit::Role::Button, "打开")
        .click();
    h.run_steps(1);
    assert!(!h.state().file_dialog_open(), "the dialog closes");
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
    // The layers panel lists it (the message bar names it too).
    h.get_by_role_and_label(egui::accesskit::Role::CheckBox, "small");
    // The dialog remembers the folder for next time.
    assert_eq!(app.settings.last_folders.get("open"), Some(&data));
}

#[test]
fn the_file_dialog_enters_folders_by_double_click_and_cancels_with_esc() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("子文件夹")).unwrap();
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/small.geojson"),
        dir.path().join("子文件夹").join("地块.geojson"),
    )
    .unwrap();
    let mut h = harness_stepping(Settings::default(), 0.05);
    open_dialog_at(&mut h, dir.path());
    let folder = h.get_by_label("子文件夹/").rect().center();
    double_click_at(&mut h, folder, false);
    assert_eq!(
        h.state().file_dialog().unwrap().dir,
        dir.path().join("子文件夹")
    );
    assert_eq!(
        h.state().file_dialog().unwrap().shown_names(),
        ["地块.geojson"]
    );
    // ⬆ goes back up; Esc closes the dialog and opens nothing.
    h.get_by_label("↑ 上一级").click();
    h.run_steps(2);
    assert_eq!(h.state().file_dialog().unwrap().dir, dir.path());
    let layers = h.state().layers.len();
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    assert!(!h.state().file_dialog_open());
    assert_eq!(h.state().layers.len(), layers);
}

#[test]
fn save_as_proposes_a_name_and_asks_before_replacing() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(Settings::default());
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, egui::Key::S);
    h.run_steps(2);
    let d = h.state().file_dialog().expect("Ctrl+Shift+S opens Save As");
    assert_eq!(d.name, "airport-city.json", "the project's own name");
    click_and_type(&mut h, "文件夹", dir.path().to_str().unwrap());
    h.key_press(egui::Key::Enter);
    h.run_steps(2);
    click_and_type(&mut h, "文件名", "方案一");
    h.get_by_role_and_label(egui::accesskit::Role::Button, "保存")
        .click();
    h.run_steps(2);
    let saved = dir.path().join("方案一.json");
    assert!(saved.is_file(), "the type's extension is added");
    assert!(parcelview::project::is_project_file(&saved));
    assert_eq!(h.state().project_path.as_deref(), Some(saved.as_path()));
    // Saving again over it asks first.
    std::fs::write(&saved, "keep me").unwrap();
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, egui::Key::S);
    h.run_steps(2);
    assert_eq!(h.state().file_dialog().unwrap().name, "方案一.json");
    h.get_by_role_and_label(egui::accesskit::Role::Button, "保存")
        .click();
    h.run_steps(2);
    assert!(h.state().file_dialog_open(), "waits for 替换");
    // The dialog grows by the question's line and centres itself again.
    h.run_steps(3);
    assert_eq!(std::fs::read_to_string(&saved).unwrap(), "keep me");
    h.get_by_label("替换").click();
    h.run_steps(2);
    assert!(!h.state().file_dialog_open(), "{:?}", h.state().log);
    assert!(parcelview::project::is_project_file(&saved));
}

#[test]
fn settings_keep_their_window_open_while_a_key_is_typed() {
    let mut h = harness(Settings::default());
    h.get_by_label("文件").click();
    h.run_steps(2);
    h.get_by_label("设置…").click();
    h.run_steps(2);
    assert!(h.state().settings_open);
    click_and_type(
        &mut h,
        "自定义 XYZ 瓦片",
        "http://127.0.0.1:9/{z}/{x}/{y}.png",
    );
    assert!(h.state().settings_open, "typing does not close it");
    let apply: Vec<_> = h
        .query_all_by_role_and_label(egui::accesskit::Role::Button, "应用")
        .collect();
    apply[1].click();
    h.run_steps(2);
    assert_eq!(
        h.state().settings.basemap,
        BasemapChoice::Xyz("http://127.0.0.1:9/{z}/{x}/{y}.png".into())
    );
}

#[test]
fn undo_and_redo_round_trip_every_kind_of_step() {
    use parcelview::app::Command;
    let mut h = harness(Settings::default());
    let parcels = layer_index(h.state(), "地块");
    let before_layers: Vec<String> = h
        .state()
        .layers
        .iter()
        .map(|l| l.spec.name.clone())
        .collect();
    let n = h.state().layers[parcels].data.as_ref().unwrap().len();
    let steps = [
        Command::SelectFeatures(
            parcels,
            vec![1, 2, 3],
            parcelview::selection::SelectOp::Replace,
        ),
        Command::SelectAll,
        Command::InvertSelection,
        Command::SetVisible(parcels, false),
        Command::SetOpacity(parcels, 0.4),
        Command::MoveLayer(parcels, -1),
        Command::RenameLayer(parcels, "地块（方案一）".into()),
        Command::AddBookmark,
        Command::RemoveLayer(parcels),
    ];
    let mut states = vec![undo_view(h.state())];
    for c in steps.iter().cloned() {
        h.state_mut().apply(c);
        h.run_steps(1);
        states.push(undo_view(h.state()));
    }
    assert_ne!(states.first(), states.last());
    // Ctrl+Z walks back through every state, Ctrl+Y forward again.
    for k in (0..steps.len()).rev() {
        h.key_press_modifiers(Modifiers::COMMAND, egui::Key::Z);
        h.run_steps(1);
        assert_eq!(undo_view(h.state()), states[k], "undo to state {k}");
    }
    assert!(!h.state().history.can_undo());
    let names: Vec<String> = h
        .state()
        .layers
        .iter()
        .map(|l| l.spec.name.clone())
        .collect();
    assert_eq!(
        names, before_layers,
        "the removed layer is back in its place"
    );
    assert_eq!(h.state().layers[parcels].data.as_ref().unwrap().len(), n);
    for (k, state) in states.iter().enumerate().skip(1) {
        h.key_press_modifiers(Modifiers::COMMAND, egui::Key::Y);
        h.run_steps(1);
        assert_eq!(&undo_view(h.state()), state, "redo to state {k}");
    }
}

/// What undo restores, as comparable values: each layer's name, visibility,
/// opacity and selection, and the bookmarks' titles.
type UndoView = (Vec<(String, bool, u32, Vec<usize>)>, Vec<String>);

fn undo_view(app: &ParcelApp) -> UndoView {
    (
        app.layers
            .iter()
            .map(|l| {
                (
                    l.spec.name.clone(),
                    l.spec.visible,
                    (l.opacity * 1000.0) as u32,
                    l.selection.ids().to_vec(),
                )
            })
            .collect(),
        app.bookmarks.iter().map(|b| b.title.clone()).collect(),
    )
}

#[test]
fn a_duplicate_layer_name_is_refused() {
    use parcelview::app::Command;
    let mut h = harness(Settings::default());
    let parcels = layer_index(h.state(), "地块");
    let other = h.state().layers[(parcels + 1) % h.state().layers.len()]
        .spec
        .name
        .clone();
    h.state_mut()
        .apply(Command::RenameLayer(parcels, other.clone()));
    h.run_steps(1);
    assert_eq!(h.state().layers[parcels].spec.name, "地块");
    assert!(
        !h.state().history.can_undo(),
        "nothing changed, nothing to undo"
    );
}

#[test]
fn previous_extent_returns_to_the_view_before_zooming() {
    use parcelview::app::Command;
    let mut h = harness_stepping(Settings::default(), 0.25);
    h.run_steps(4);
    let start = h.state().last_view.unwrap().centre_lon_lat();
    let zoom0 = h.state().last_view.unwrap().zoom();
    h.state_mut().apply(Command::ZoomToSelection);
    let parcels = layer_index(h.state(), "地块");
    h.state_mut().apply(Command::ZoomToFeature(parcels, 5));
    h.run_steps(6);
    let zoomed = h.state().last_view.unwrap().zoom();
    assert!(zoomed > zoom0 + 1.0);
    h.get_by_label("←").click();
    h.run_steps(4);
    let back = h.state().last_view.unwrap();
    assert!(
        (back.zoom() - zoom0).abs() < 0.01,
        "{} vs {zoom0}",
        back.zoom()
    );
    assert!((back.centre_lon_lat().x - start.x).abs() < 1e-6);
    h.get_by_label("→").click();
    h.run_steps(4);
    assert!((h.state().last_view.unwrap().zoom() - zoomed).abs() < 0.01);
}

fn drag(h: &mut Harness<'static, ParcelApp>, from: Pos2, to: Pos2) {
    h.event(Event::PointerMoved(from));
    h.run_steps(1);
    h.event(Event::PointerButton {
        pos: from,
        button: PointerButton::Primary,
        pressed: true,
        modifiers: Modifiers::NONE,
    });
    h.run_steps(1);
    for k in 1..=8 {
        let t = k as f32 / 8.0;
        h.event(Event::PointerMoved(from + (to - from) * t));
        h.run_steps(1);
    }
    h.event(Event::PointerButton {
        pos: to,
        button: PointerButton::Primary,
        pressed: false,
        modifiers: Modifiers::NONE,
    });
    h.run_steps(2);
}

fn type_into(h: &mut Harness<'static, ParcelApp>, label: &str, text: &str) {
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, label)
        .focus();
    h.run_steps(1);
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, label)
        .type_text(text);
    h.run_steps(2);
}

/// The balance table's total row: count and hectares, as the panel prints them.
fn stats_totals(h: &mut Harness<'static, ParcelApp>) -> (usize, f64) {
    let table = h.state_mut().current_stats().expect("statistics");
    (table.features, table.total_area_ha_rounded)
}

#[test]
fn rectangle_selection_fills_the_statistics_panel() {
    let mut h = harness(Settings::default());
    let parcels = layer_index(h.state(), "地块");
    assert_eq!(
        h.state().active,
        Some(parcels),
        "parcels are the active layer"
    );
    h.get_by_label("框选").click();
    h.run_steps(2);
    assert_eq!(h.state().tool, parcelview::app::Tool::Rect);
    let view = h.state().last_view.expect("drawn");
    let (a, b) = (Pos2::new(600.0, 350.0), Pos2::new(800.0, 500.0));
    drag(&mut h, a, b);
    // The same rectangle through the core selects the same parcels.
    let rect = geo::Rect::new(view.lon_lat(a), view.lon_lat(b));
    let layer = h.state().layers[parcels].data.as_ref().unwrap();
    let want = selection::in_rect(layer, rect);
    assert!(want.len() > 5, "{}", want.len());
    assert_eq!(h.state().layers[parcels].selection.ids(), want.as_slice());
    let want_ha: f64 = want.iter().map(|&i| layer.area_m2[i]).sum::<f64>() / 1e4;
    // Open the statistics tab and read the total row.
    h.get_by_label("统计").click();
    h.run_steps(3);
    h.get_by_label("合计");
    let (count, ha) = stats_totals(&mut h);
    assert_eq!(count, want.len());
    assert!((ha - want_ha).abs() < 0.006, "{ha} vs {want_ha}");
    h.get_by_label(&format!("{ha:.2}"));
    h.get_by_label(&want.len().to_string());
    // Escape never clears a selection; 清除选择 does.
    let before = want.len();
    assert!(before > 0);
    h.event(Event::Key {
        key: egui::Key::Escape,
        physical_key: None,
        pressed: true,
        repeat: false,
        modifiers: Modifiers::NONE,
    });
    h.run_steps(2);
    assert_eq!(h.state().layers[parcels].selection.len(), before);
    h.get_by_label("清除选择").click();
    h.run_steps(2);
    assert!(h.state().layers[parcels].selection.is_empty());
}

#[test]
fn expression_selection_fills_the_statistics_panel() {
    let mut h = harness(Settings::default());
    let parcels = layer_index(h.state(), "地块");
    let text = "\"用地代码\" LIKE '1001%' AND \"容积率\" >= 1.5";
    type_into(&mut h, "表达式", text);
    assert_eq!(h.state().expr_text, text);
    h.get_by_label("按表达式选择").click();
    h.run_steps(3);
    let layer = h.state().layers[parcels].data.as_ref().unwrap();
    let want = parcelview::expr::select_where(layer, text).unwrap();
    assert!(!want.is_empty());
    assert_eq!(h.state().layers[parcels].selection.ids(), want.as_slice());
    let want_ha: f64 = want.iter().map(|&i| layer.area_m2[i]).sum::<f64>() / 1e4;
    // The layers panel shows the selected count.
    h.get_by_label_contains(&format!("已选 {}", want.len()));
    h.get_by_label("统计").click();
    h.run_steps(3);
    let (count, ha) = stats_totals(&mut h);
    assert_eq!(count, want.len());
    assert!((ha - want_ha).abs() < 0.006);
    assert!(h.query_all_by_label(&format!("{ha:.2}")).count() >= 1);
    // Every class row of the table is 1001 (industrial) at level 2.
    let table = h.state_mut().current_stats().unwrap();
    assert!(
        table.groups.iter().all(|g| g.key.starts_with("1001")),
        "{:?}",
        table.groups
    );
    // A broken expression shows its column and selects nothing new.
    type_into(&mut h, "表达式", " AND");
    h.get_by_label("按表达式选择").click();
    h.run_steps(3);
    let err = h.state().expr_error.clone().expect("an error");
    assert!(err.contains("column"), "{err}");
    assert_eq!(h.state().layers[parcels].selection.len(), want.len());
    // Invert selects the rest of the layer.
    h.get_by_label("反选").click();
    h.run_steps(2);
    let n = h.state().layers[parcels].data.as_ref().unwrap().len();
    assert_eq!(h.state().layers[parcels].selection.len(), n - want.len());
}

#[test]
fn the_attribute_table_sorts_and_selects_rows() {
    let mut h = harness(Settings::default());
    let parcels = layer_index(h.state(), "地块");
    h.get_by_label("属性表").click();
    h.run_steps(3);
    assert!(h.state().show_table);
    // The first row of a table sorted by area descending is the largest parcel.
    let layer = h.state().layers[parcels].data.as_ref().unwrap();
    let biggest = (0..layer.len())
        .max_by(|&a, &b| layer.area_m2[a].total_cmp(&layer.area_m2[b]))
        .unwrap();
    let id = layer.feature_id(biggest);
    h.get_by_label("面积（公顷）").click();
    h.run_steps(2);
    h.get_by_label("面积（公顷） ↑").click();
    h.run_steps(3);
    let cell = h.get_by_label(&id).rect().center();
    click_at(&mut h, cell);
    assert_eq!(h.state().layers[parcels].selection.ids(), &[biggest]);
    assert_eq!(h.state().selected, Some((parcels, biggest)));
}

#[test]
fn arrow_keys_pan_and_plus_minus_zoom() {
    let mut h = harness(Settings::default());
    let before = h
        .state()
        .last_view
        .unwrap()
        .lon_lat_from_centre(egui::Vec2::ZERO);
    let zoom = h.state().map_memory.zoom();
    h.key_press(egui::Key::ArrowRight);
    h.run_steps(3);
    let after = h
        .state()
        .last_view
        .unwrap()
        .lon_lat_from_centre(egui::Vec2::ZERO);
    assert!(after.x > before.x + 1e-4, "{before:?} → {after:?}");
    assert!((after.y - before.y).abs() < 1e-6);
    h.key_press(egui::Key::Plus);
    h.run_steps(2);
    assert!((h.state().map_memory.zoom() - (zoom + 1.0)).abs() < 1e-9);
    h.key_press(egui::Key::Minus);
    h.run_steps(2);
    assert!((h.state().map_memory.zoom() - zoom).abs() < 1e-9);
}

/// Overlay tiles paint a parcel in its class colour where it lies, selected or not,
/// and nothing outside the parcels.
#[test]
fn overlay_tiles_paint_parcels_in_their_colours() {
    use parcelview::app::map::overlay_tiles::OverlaySource;
    use parcelview::render::world_from_lon_lat;
    use std::sync::Arc;
    let app = ParcelApp::new(bundled(), Settings::default());
    let parcels = layer_index(&app, "地块");
    let layer = &app.layers[parcels];
    let data = layer.data.as_ref().unwrap().clone();
    let draw = layer.draw.as_ref().unwrap().clone();
    // A mid-sized parcel, whose inside point is a few pixels from its edges at zoom 13.
    let i = (0..data.len())
        .find(|&i| data.area_m2[i] > 20_000.0 && data.area_m2[i] < 60_000.0)
        .unwrap();
    let inside = data.geometries[i]
        .as_ref()
        .unwrap()
        .interior_point()
        .unwrap()
        .0;
    let zoom = 13u8;
    let n = f64::from(1u32 << zoom);
    let w = world_from_lon_lat(inside);
    let (tx, ty) = ((w.x * n).floor() as u32, (w.y * n).floor() as u32);
    let (px, py) = (
        ((w.x * n - f64::from(tx)) * 256.0) as usize,
        ((w.y * n - f64::from(ty)) * 256.0) as usize,
    );
    let pixel = |selection: parcelview::selection::Selection| {
        let source = OverlaySource {
            data: data.clone(),
            draw: draw.clone(),
            selection: Arc::new(selection),
            edge: egui::Color32::GRAY,
        };
        let tile = source.render(zoom, tx, ty).expect("parcels in the tile");
        let k = (py * 256 + px) * 4;
        [
            tile.rgba[k],
            tile.rgba[k + 1],
            tile.rgba[k + 2],
            tile.rgba[k + 3],
        ]
    };
    let want = draw.features[i].color;
    let plain = pixel(parcelview::selection::Selection::new(data.len()));
    let close = |a: u8, b: u8| (i32::from(a) - i32::from(b)).abs() <= 3;
    assert!(
        close(plain[0], want.r()) && close(plain[1], want.g()) && close(plain[2], want.b()),
        "{plain:?} vs {want:?}"
    );
    assert_eq!(plain[3], 255);
    // A selected parcel keeps its class colour in the tiles: the selection is an
    // outline drawn over them, not a tint.
    let chosen = pixel(parcelview::selection::Selection::of(data.len(), &[i]));
    assert_eq!(chosen, plain, "selection changed the tile's fill");
    // Far outside the district, the tile has nothing to draw.
    let empty = OverlaySource {
        data,
        draw,
        selection: Arc::new(parcelview::selection::Selection::new(0)),
        edge: egui::Color32::GRAY,
    };
    assert!(empty.render(zoom, 0, 0).is_none());
}

/// Runs frames until `done` holds (background work finishing), at most ~10 s.
pub(crate) fn run_until(h: &mut Harness<'static, ParcelApp>, done: impl Fn(&ParcelApp) -> bool) {
    for _ in 0..200 {
        if done(h.state()) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        h.run_steps(1);
    }
    panic!("background work did not finish");
}

#[test]
fn the_gb50137_palette_and_a_field_style_recolour_the_parcels() {
    use parcelview::app::Command;
    use parcelview::landuse::{LanduseTable, Palette};
    use parcelview::project::StyleSpec;
    let mut h = harness(Settings::default());
    let parcels = layer_index(h.state(), "地块");
    let data = h.state().layers[parcels].data.as_ref().unwrap().clone();
    let code = data.field_index("用地代码").unwrap();
    let i = (0..data.len())
        .find(|&i| data.value(i, code).to_text().as_deref() == Some("100101"))
        .unwrap();
    let color = |app: &ParcelApp| app.layers[parcels].draw.as_ref().unwrap().features[i].color;
    let table = LanduseTable::global();
    let rgb = |c: &str| {
        let [r, g, b] = table.rgb(table.by_code(c).unwrap());
        egui::Color32::from_rgb(r, g, b)
    };
    assert_eq!(color(h.state()), rgb("100101"));
    h.get_by_label("视图").click();
    h.run_steps(2);
    h.get_by_label("城市用地分类 GB 50137").click();
    h.run_steps(2);
    assert_eq!(h.state().settings.palette, Palette::Gb50137);
    // 一类工业用地 shows as M1 once the drawing is rebuilt in the background.
    run_until(&mut h, |app| color(app) == rgb("M1"));
    // The legend lists the GB 50137 class.
    h.get_by_label("M1");
    // Styling by a field's values colours parcels by status instead.
    let style = StyleSpec {
        kind: "category".into(),
        field: Some("状态".into()),
        ..Default::default()
    };
    h.state_mut().push(Command::SetStyle(parcels, style));
    h.run_steps(1);
    run_until(&mut h, |app| color(app) != rgb("M1"));
    let status = data.field_index("状态").unwrap();
    let same_status: Vec<usize> = (0..data.len())
        .filter(|&j| data.value(j, status) == data.value(i, status))
        .collect();
    let d = h.state().layers[parcels].draw.as_ref().unwrap().clone();
    assert!(
        same_status
            .iter()
            .all(|&j| d.features[j].color == d.features[i].color)
    );
}

#[test]
fn the_export_dialog_writes_a_summary_and_a_map_image_in_the_background() {
    use calamine::{Reader, Xlsx, open_workbook};
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(Settings::default());
    let parcels = layer_index(h.state(), "地块");
    // Select a park's parcels by expression, then export them.
    type_into(&mut h, "表达式", "\"所属园区\" = '空港物流园'");
    h.get_by_label("按表达式选择").click();
    h.run_steps(2);
    let n = h.state().layers[parcels].selection.len();
    assert!(n > 10);
    h.get_by_label("文件").click();
    h.run_steps(2);
    h.get_by_label("导出…").click();
    // The window sizes itself over its first frames, after the menu has closed.
    h.run_steps(5);
    assert!(h.state().export.open);
    assert!(
        h.state().export.path.ends_with("地块_汇总.pdf"),
        "a proposed file beside the project: {}",
        h.state().export.path
    );
    // 浏览… opens the save dialog; the name and type are chosen there.
    h.get_by_label("浏览…").click();
    h.run_steps(4);
    assert_eq!(h.state().file_dialog().unwrap().name, "地块_汇总.pdf");
    click_and_type(&mut h, "文件夹", dir.path().to_str().unwrap());
    h.key_press(egui::Key::Enter);
    h.run_steps(2);
    let xlsx = dir.path().join("物流园.xlsx");
    click_and_type(&mut h, "文件名", "物流园.xlsx");
    h.get_by_role_and_label(egui::accesskit::Role::Button, "保存")
        .click();
    h.run_steps(3);
    assert_eq!(h.state().export.path, xlsx.display().to_string());
    assert!(
        !h.state().is_exporting(),
        "choosing the file does not export yet"
    );
    h.get_by_role_and_label(egui::accesskit::Role::Button, "导出")
        .click();
    h.run_steps(2);
    run_until(&mut h, |app| !app.is_exporting());
    assert!(
        h.state().messages().iter().any(|m| m.contains("已导出")),
        "{:?}",
        h.state().messages()
    );
    let mut wb: Xlsx<_> = open_workbook(&xlsx).unwrap();
    let list = wb.worksheet_range("地块清单").unwrap();
    // The list's title, its headings, a row a parcel and the 合计 row.
    assert_eq!(list.height(), n + 3);
    // Now a PNG of the view.
    h.get_by_label("当前视图地图图片 (PNG)").click();
    h.run_steps(2);
    h.state_mut().export.size = [640, 480];
    let png = dir.path().join("view.png");
    h.state_mut().export.path = png.to_str().unwrap().to_string();
    h.get_by_role_and_label(egui::accesskit::Role::Button, "导出")
        .click();
    h.run_steps(2);
    run_until(&mut h, |app| !app.is_exporting());
    let img = image::open(&png).unwrap();
    assert_eq!((img.width(), img.height()), (640, 480));
}

/// Every vertex (position and colour) of the last frame's untextured meshes, in
/// drawing order: the map's fills (overlay tiles are textured and left out).
fn fill_vertices(h: &Harness<'static, ParcelApp>) -> Vec<(Pos2, egui::Color32)> {
    fn walk(shape: &egui::Shape, out: &mut Vec<(Pos2, egui::Color32)>) {
        match shape {
            egui::Shape::Vec(v) => v.iter().for_each(|s| walk(s, out)),
            egui::Shape::Mesh(m) if m.texture_id == egui::TextureId::default() => {
                out.extend(m.vertices.iter().map(|v| (v.pos, v.color)));
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for c in &h.output().shapes {
        walk(&c.shape, &mut out);
    }
    out
}

/// How many lines, rings, boxes and circles the last frame stroked in `color`.
fn strokes_in(h: &Harness<'static, ParcelApp>, color: egui::Color32) -> usize {
    fn walk(shape: &egui::Shape, color: egui::Color32) -> usize {
        match shape {
            egui::Shape::Vec(v) => v.iter().map(|s| walk(s, color)).sum(),
            egui::Shape::Path(p) => {
                usize::from(p.stroke.color == egui::epaint::ColorMode::Solid(color))
            }
            egui::Shape::Rect(r) => usize::from(r.stroke.color == color && r.fill != color),
            egui::Shape::Circle(c) => usize::from(c.stroke.color == color),
            _ => 0,
        }
    }
    h.output()
        .shapes
        .iter()
        .map(|c| walk(&c.shape, color))
        .sum()
}

fn selection_color(app: &ParcelApp) -> egui::Color32 {
    let [r, g, b] = app.settings.selection_rgb;
    egui::Color32::from_rgb(r, g, b)
}

/// Selecting changes no fill: the map's meshes are the same, vertex for vertex and
/// colour for colour, before and after 全选 and 反选; the selection shows as
/// outlines in the selection colour instead.
#[test]
fn selecting_never_changes_a_parcel_fill_colour() {
    let mut h = harness(Settings::default());
    let parcels = layer_index(h.state(), "地块");
    h.run_steps(2);
    let before = fill_vertices(&h);
    assert!(before.len() > 100, "the map meshes its larger parcels");
    let edge = selection_color(h.state());
    assert_eq!(
        strokes_in(&h, edge),
        0,
        "nothing selected, nothing outlined"
    );
    h.get_by_label("全选").click();
    h.run_steps(3);
    let n = h.state().layers[parcels].data.as_ref().unwrap().len();
    assert_eq!(h.state().layers[parcels].selection.len(), n);
    let after = fill_vertices(&h);
    assert_eq!(before.len(), after.len());
    let changed = before.iter().zip(&after).filter(|(a, b)| a != b).count();
    assert_eq!(
        changed, 0,
        "{changed} fill vertices changed colour or place"
    );
    assert!(
        strokes_in(&h, edge) > 100,
        "the selection is outlined in its colour"
    );
    // Inverting (nothing left selected) and selecting a few by expression: the
    // fills stay as they were.
    h.get_by_label("反选").click();
    h.run_steps(3);
    assert!(h.state().layers[parcels].selection.is_empty());
    type_into(&mut h, "表达式", "\"用地代码\" LIKE '1001%'");
    h.get_by_label("按表达式选择").click();
    h.run_steps(3);
    assert!(!h.state().layers[parcels].selection.is_empty());
    assert_eq!(fill_vertices(&h), before);
    // The class colours themselves are those of the land-use table.
    let d = h.state().layers[parcels].draw.as_ref().unwrap().clone();
    let data = h.state().layers[parcels].data.as_ref().unwrap().clone();
    let table = parcelview::landuse::LanduseTable::global();
    for &i in h.state().layers[parcels].selection.ids() {
        let [r, g, b] = table.rgb(data.class[i].unwrap());
        assert_eq!(d.features[i].color, egui::Color32::from_rgb(r, g, b));
    }
}

/// The default selection colour is no land-use colour: at least ΔE 30 from every
/// class of both standards, where yellow (the old tint) was residential.
#[test]
fn the_default_selection_colour_is_unlike_every_class_colour() {
    use parcelview::app::map::draw::{DEFAULT_SELECTION_RGB, delta_e};
    let table = parcelview::landuse::LanduseTable::global();
    assert!(table.classes.len() > 100);
    let (nearest, de) = table
        .classes
        .iter()
        .map(|c| (c, delta_e(DEFAULT_SELECTION_RGB, c.rgb)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    assert!(
        de >= 30.0,
        "ΔE {de:.1} from {} {}",
        nearest.code,
        nearest.name_zh
    );
    // So are the suggested colours of the colour window.
    for (rgb, _) in parcelview::app::map::draw::SELECTION_PRESETS {
        let near = table
            .classes
            .iter()
            .map(|c| delta_e(rgb, c.rgb))
            .fold(f64::INFINITY, f64::min);
        assert!(near >= 30.0, "{rgb:?}: ΔE {near:.1}");
    }
    // The measure itself: a residential yellow is far from blue and near itself.
    assert!(delta_e([255, 255, 0], [0, 0, 255]) > 100.0);
    assert!(delta_e([255, 255, 0], [255, 255, 45]) < 10.0);
    // Settings saved before the colour existed get the default; a chosen one is
    // kept.
    let old: Settings = serde_json::from_str(r#"{"lang":"En"}"#).unwrap();
    assert_eq!(old.selection_rgb, DEFAULT_SELECTION_RGB);
    let chosen = Settings {
        selection_rgb: [0, 200, 255],
        ..Settings::default()
    };
    let back: Settings = serde_json::from_str(&serde_json::to_string(&chosen).unwrap()).unwrap();
    assert_eq!(back.selection_rgb, [0, 200, 255]);
}

/// The selection colour is chosen in 视图 → 选择集颜色…: a window with suggested
/// colours and R G B values that stays open while the colour is adjusted; the map
/// outlines in the new colour, and a colour like a class's is warned about.
#[test]
fn the_selection_colour_is_chosen_in_a_window_from_the_view_menu() {
    use parcelview::app::map::draw::DEFAULT_SELECTION_RGB;
    let mut h = harness(Settings::default());
    h.get_by_label("全选").click();
    h.run_steps(3);
    h.get_by_label("视图").click();
    h.run_steps(2);
    h.get_by_label("选择集颜色…").click();
    h.run_steps(2);
    assert!(h.state().selection_colour_open);
    // A suggested colour.
    h.get_by_label("蓝").click();
    h.run_steps(3);
    assert_eq!(h.state().settings.selection_rgb, [0, 60, 220]);
    assert!(h.state().selection_colour_open, "the window stays open");
    assert!(strokes_in(&h, egui::Color32::from_rgb(0, 60, 220)) > 100);
    // Any colour, typed into R: a click makes the value editable.
    let r = h
        .get_by_role_and_label(egui::accesskit::Role::SpinButton, "R")
        .rect()
        .center();
    click_at(&mut h, r);
    h.key_press_modifiers(Modifiers::COMMAND, egui::Key::A);
    h.run_steps(1);
    h.event(Event::Text("200".into()));
    h.run_steps(1);
    h.key_press(egui::Key::Enter);
    h.run_steps(3);
    assert_eq!(h.state().settings.selection_rgb, [200, 60, 220]);
    assert!(strokes_in(&h, egui::Color32::from_rgb(200, 60, 220)) > 100);
    // A residential yellow is warned about.
    for (label, value) in [("R", "255"), ("G", "255"), ("B", "40")] {
        let at = h
            .get_by_role_and_label(egui::accesskit::Role::SpinButton, label)
            .rect()
            .center();
        click_at(&mut h, at);
        h.key_press_modifiers(Modifiers::COMMAND, egui::Key::A);
        h.run_steps(1);
        h.event(Event::Text(value.into()));
        h.run_steps(1);
        h.key_press(egui::Key::Enter);
        h.run_steps(2);
    }
    assert_eq!(h.state().settings.selection_rgb, [255, 255, 40]);
    h.get_by_label_contains("与此用地颜色相近：");
    // 恢复默认 brings the default back; closing the window keeps it.
    h.get_by_label("恢复默认").click();
    h.run_steps(3);
    assert_eq!(h.state().settings.selection_rgb, DEFAULT_SELECTION_RGB);
    assert!(h.query_by_label_contains("与此用地颜色相近：").is_none());
}

fn click_into(h: &mut Harness<'static, ParcelApp>, label: &str) {
    let at = h
        .get_by_role_and_label(egui::accesskit::Role::TextInput, label)
        .rect()
        .center();
    click_at(h, at);
}

/// Types into the search box as a user does: a click in it, the text, Enter.
fn search_for(h: &mut Harness<'static, ParcelApp>, text: &str) {
    click_into(h, "搜索");
    // Ctrl+A, so the new text replaces the last search.
    h.key_press_modifiers(Modifiers::COMMAND, egui::Key::A);
    h.run_steps(1);
    h.event(Event::Text(text.to_string()));
    h.run_steps(1);
    h.key_press(egui::Key::Enter);
    h.run_steps(3);
}

/// The layers (in order) that hold search hits, each once, checking that each
/// layer's hits are together.
fn hit_groups(app: &ParcelApp) -> Vec<usize> {
    let mut groups: Vec<usize> = Vec::new();
    for h in &app.search_results {
        if groups.last() != Some(&h.layer) {
            assert!(!groups.contains(&h.layer), "hits of a layer are together");
            groups.push(h.layer);
        }
    }
    groups
}

/// Search looks in the shown layers only, the active layer's hits first, grouped by
/// layer; going to a hit never changes the active layer.
#[test]
fn search_finds_in_shown_layers_active_first_and_keeps_the_active_layer() {
    let mut h = harness(Settings::default());
    let app = h.state();
    let parcels = layer_index(app, "地块");
    let present = layer_index(app, "现状用地");
    let facilities = layer_index(app, "公共服务设施");
    assert!(!app.layers[present].spec.visible, "现状用地 starts hidden");
    let pl = app.layers[parcels].data.as_ref().unwrap().clone();
    let cl = app.layers[present].data.as_ref().unwrap().clone();
    let fl = app.layers[facilities].data.as_ref().unwrap().clone();
    // A parcel id that the hidden present-state layer holds too.
    let (target, id) = (0..pl.len())
        .map(|i| (i, pl.feature_id(i)))
        .find(|(_, id)| id.starts_with("KG-") && (0..cl.len()).any(|j| cl.feature_id(j) == *id))
        .expect("an id in both layers");
    search_for(&mut h, &id);
    let app = h.state();
    assert_eq!(app.search_text, id);
    assert_eq!(
        app.active,
        Some(parcels),
        "searching keeps the active layer"
    );
    assert!(
        app.search_results.iter().all(|r| r.layer != present),
        "the hidden layer is not searched"
    );
    assert_eq!(hit_groups(app).first(), Some(&parcels));
    assert_eq!(app.selected, Some((parcels, target)));
    assert_eq!(app.layers[parcels].selection.ids(), &[target]);
    let n = app
        .search_results
        .iter()
        .filter(|r| r.layer == parcels)
        .count();
    h.get_by_label(&format!("地块 ({n}) · 当前图层"));
    // Shown, the present-state layer is searched too, after the active layer.
    h.get_by_label("现状用地").click();
    h.run_steps(2);
    assert!(h.state().layers[present].spec.visible);
    search_for(&mut h, &id);
    let app = h.state();
    let groups = hit_groups(app);
    assert_eq!(groups.first(), Some(&parcels), "{groups:?}");
    assert!(groups.contains(&present), "{groups:?}");
    assert_eq!(app.active, Some(parcels));
    assert_eq!(app.selected, Some((parcels, target)));
    h.get_by_label_contains("现状用地 (");
    // A facility's name: parcels are named after what stands on them, so the
    // active layer's parcel comes first and is gone to; the facility is listed in
    // its own group, and its button shows it without changing the active layer or
    // any selection.
    let name_field = fl.field_index("名称").unwrap();
    let (k, name) = (0..fl.len())
        .filter_map(|k| Some((k, fl.value(k, name_field).to_text()?)))
        .find(|(_, n)| {
            (0..fl.len())
                .filter(|&j| fl.value(j, name_field).to_text().as_deref() == Some(n))
                .count()
                == 1
        })
        .unwrap();
    search_for(&mut h, &name);
    let app = h.state();
    let groups = hit_groups(app);
    assert_eq!(groups.first(), Some(&parcels), "{groups:?}");
    assert!(groups.contains(&facilities), "{groups:?}");
    assert_eq!(app.active, Some(parcels));
    let (sl, sf) = app.selected.unwrap();
    assert_eq!(sl, parcels, "the active layer's hit is gone to first");
    assert_eq!(app.layers[parcels].selection.ids(), &[sf]);
    let button = app
        .search_results
        .iter()
        .find(|r| r.layer == facilities && r.feature == k)
        .unwrap()
        .label
        .clone();
    // The facility's id is its parcel's, so the parcel's button reads the same: the
    // facility's is the one in the lower line, its layer's.
    let at = h
        .query_all_by_role_and_label(egui::accesskit::Role::Button, &button)
        .map(|n| n.rect().center())
        .max_by(|a, b| a.y.total_cmp(&b.y))
        .unwrap();
    click_at(&mut h, at);
    let app = h.state();
    assert_eq!(app.active, Some(parcels));
    assert_eq!(app.selected, Some((facilities, k)));
    assert!(app.layers[facilities].selection.is_empty());
    assert_eq!(app.layers[parcels].selection.ids(), &[sf]);
    h.get_by_label_contains("不在当前图层");
    // Nothing found says so, and names the shown layers as the scope.
    search_for(&mut h, "没有这个地块");
    assert!(h.state().search_results.is_empty());
    h.get_by_label_contains("在显示的图层中未找到");
}

/// A screen position of a facility symbol in the map area, clear of the others.
fn facility_on_screen(app: &ParcelApp, facilities: usize) -> (usize, Pos2) {
    let view = app.last_view.unwrap();
    let fl = app.layers[facilities].data.as_ref().unwrap();
    let at: Vec<Pos2> = fl
        .geometries
        .iter()
        .map(|g| view.pos_on_screen(g.as_ref().unwrap().interior_point().unwrap().0))
        .collect();
    at.iter()
        .enumerate()
        .find(|(k, p)| {
            p.x > 450.0
                && p.x < 1000.0
                && p.y > 150.0
                && p.y < 750.0
                && at
                    .iter()
                    .enumerate()
                    .all(|(j, q)| j == *k || q.distance(**p) > 40.0)
        })
        .map(|(k, p)| (k, *p))
        .expect("a facility on screen")
}

/// Clicking a facility shows it, and the next 框选 still selects parcels.
#[test]
fn clicking_a_facility_keeps_the_active_layer() {
    let mut h = harness(Settings::default());
    let parcels = layer_index(h.state(), "地块");
    let facilities = layer_index(h.state(), "公共服务设施");
    let (k, pos) = facility_on_screen(h.state(), facilities);
    click_at(&mut h, pos);
    let app = h.state();
    assert_eq!(
        app.selected,
        Some((facilities, k)),
        "the facility is identified"
    );
    assert_eq!(
        app.active,
        Some(parcels),
        "the click keeps the active layer"
    );
    assert!(app.layers[facilities].selection.is_empty());
    h.get_by_label_contains("不在当前图层");
    // The click selects in the active layer: the parcel under the symbol, if any.
    let view = app.last_view.unwrap();
    let pl = app.layers[parcels].data.as_ref().unwrap();
    let under: Vec<usize> = selection::pick(pl, view.lon_lat(pos)).into_iter().collect();
    assert_eq!(app.layers[parcels].selection.ids(), under.as_slice());
    // 框选 around the facility takes parcels, not facilities.
    h.get_by_label("框选").click();
    h.run_steps(2);
    let (a, b) = (pos - egui::vec2(60.0, 50.0), pos + egui::vec2(60.0, 50.0));
    drag(&mut h, a, b);
    let app = h.state();
    let pl = app.layers[parcels].data.as_ref().unwrap();
    let want = selection::in_rect(pl, geo::Rect::new(view.lon_lat(a), view.lon_lat(b)));
    assert!(!want.is_empty());
    assert_eq!(app.layers[parcels].selection.ids(), want.as_slice());
    assert!(app.layers[facilities].selection.is_empty());
}

/// A double click at `pos`: in one frame (as a slow frame takes it in), or each
/// press and release in a frame of its own.
fn double_click_at(h: &mut Harness<'static, ParcelApp>, pos: Pos2, one_frame: bool) {
    h.event(Event::PointerMoved(pos));
    h.run_steps(1);
    let events: Vec<Event> = [true, false, true, false]
        .into_iter()
        .map(|pressed| Event::PointerButton {
            pos,
            button: PointerButton::Primary,
            pressed,
            modifiers: Modifiers::NONE,
        })
        .collect();
    if one_frame {
        h.input_mut().events.extend(events);
        h.step();
    } else {
        for e in events {
            h.event(e);
            h.run_steps(1);
        }
    }
    h.run_steps(2);
}

/// Four vertices in the map area whose polygon selects other parcels than the
/// triangle of its first three, with their lon/lat.
fn quad(app: &ParcelApp, parcels: usize) -> ([Pos2; 4], Vec<geo::Coord<f64>>) {
    let view = app.last_view.unwrap();
    let screen = [
        Pos2::new(560.0, 300.0),
        Pos2::new(860.0, 320.0),
        Pos2::new(880.0, 600.0),
        Pos2::new(540.0, 580.0),
    ];
    let ll: Vec<geo::Coord<f64>> = screen.iter().map(|p| view.lon_lat(*p)).collect();
    let pl = app.layers[parcels].data.as_ref().unwrap();
    assert_ne!(
        polygon_selection(pl, &ll),
        polygon_selection(pl, &ll[..3]),
        "the fourth vertex matters"
    );
    (screen, ll)
}

fn polygon_selection(layer: &parcelview::model::Layer, vertices: &[geo::Coord<f64>]) -> Vec<usize> {
    let poly = geo::Polygon::new(selection::ring(vertices), vec![]);
    selection::in_polygon(
        layer,
        &geo::MultiPolygon(vec![poly]),
        selection::AreaMode::Intersects,
    )
}

/// 多边形: three clicks and a double click select what the four-vertex polygon
/// meets, whether the double click comes in one frame or several.
#[test]
fn the_polygon_tool_keeps_the_double_clicked_vertex() {
    let mut h = harness_stepping(Settings::default(), 1.0 / 60.0);
    let parcels = layer_index(h.state(), "地块");
    h.get_by_label("多边形").click();
    h.run_steps(2);
    assert_eq!(h.state().tool, parcelview::app::Tool::Polygon);
    let (screen, ll) = quad(h.state(), parcels);
    let view = h.state().last_view.unwrap();
    let want = polygon_selection(h.state().layers[parcels].data.as_ref().unwrap(), &ll);
    assert!(want.len() > 5, "{}", want.len());
    for one_frame in [true, false] {
        for p in &screen[..3] {
            click_at(&mut h, *p);
        }
        double_click_at(&mut h, screen[3], one_frame);
        let app = h.state();
        assert_eq!(app.sketch().points.len(), 4, "one_frame {one_frame}");
        assert_eq!(
            app.layers[parcels].selection.ids(),
            want.as_slice(),
            "one_frame {one_frame}"
        );
        // The map did not move or zoom under the clicks.
        let now = app.last_view.unwrap();
        assert!(now.pos_on_screen(ll[0]).distance(screen[0]) < 0.01);
        assert!((now.zoom() - view.zoom()).abs() < 1e-9);
        h.get_by_label("清除选择").click();
        h.run_steps(2);
    }
}

/// 测面积: the measured area is that of the four vertices clicked, the last by the
/// double click, as the preview showed it.
#[test]
fn the_area_measure_keeps_the_double_clicked_vertex() {
    use parcelview::app::map::tools::{Tool, measurement};
    use parcelview::measure::{format_area, path_length_m, polygon_area_from_vertices_m2};
    let mut h = harness_stepping(Settings::default(), 1.0 / 60.0);
    let parcels = layer_index(h.state(), "地块");
    h.get_by_label("测面积").click();
    h.run_steps(2);
    assert_eq!(h.state().tool, Tool::MeasureArea);
    let (screen, ll) = quad(h.state(), parcels);
    let want_m2 = polygon_area_from_vertices_m2(&ll);
    let triangle_m2 = polygon_area_from_vertices_m2(&ll[..3]);
    assert!((want_m2 - triangle_m2).abs() > 0.05 * want_m2);
    for one_frame in [true, false] {
        for p in &screen[..3] {
            click_at(&mut h, *p);
        }
        // While the pointer rests on the fourth vertex the preview shows the area
        // of all four.
        h.event(Event::PointerMoved(screen[3]));
        h.run_steps(1);
        let view = h.state().last_view.unwrap();
        let preview = measurement(
            Tool::MeasureArea,
            h.state().sketch(),
            Some(view.lon_lat(screen[3])),
        )
        .unwrap();
        double_click_at(&mut h, screen[3], one_frame);
        let sketch = h.state().sketch();
        assert!(sketch.done);
        assert_eq!(sketch.points.len(), 4, "one_frame {one_frame}");
        let got_m2 = polygon_area_from_vertices_m2(&sketch.points);
        assert!(
            (got_m2 - want_m2).abs() < 1e-6 * want_m2,
            "{got_m2} vs {want_m2}"
        );
        let shown = measurement(Tool::MeasureArea, sketch, None).unwrap();
        assert!(shown.starts_with(&format_area(want_m2)), "{shown}");
        assert_eq!(shown, preview, "the result is what the preview showed");
        let mut ring = ll.clone();
        ring.push(ll[0]);
        assert!(shown.contains(&parcelview::measure::format_length(path_length_m(&ring))));
    }
}

/// The text of every label on screen that contains `part` (egui gives a label's
/// text as its accessible value, a button's as its name).
fn labels_containing(h: &Harness<'static, ParcelApp>, part: &str) -> Vec<String> {
    h.query_all_by(|n| {
        n.role() == egui::accesskit::Role::Label && n.value().is_some_and(|v| v.contains(part))
    })
    .filter_map(|n| egui_kittest::kittest::NodeT::accesskit_node(&n).value())
    .collect()
}

/// A broken file is reported in the message bar over the map, naming the file and
/// saying what is wrong in the interface language; its × closes it, and the message
/// log (opened from the status bar) still lists it with the loader's details. A file
/// that loads with warnings gets one message of its own, its warnings in the log.
#[test]
fn a_broken_file_is_reported_in_the_message_bar_and_kept_in_the_log() {
    use parcelview::app::{Command, Level};
    let mut h = harness(Settings::default());
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let before = h.state().layers.len();
    h.state_mut().push(Command::OpenFiles(vec![
        data.join("truncated.geojson"),
        data.join("small.geojson"),
    ]));
    h.run_steps(1);
    run_until(&mut h, |app| {
        app.log
            .iter()
            .filter(|m| m.text.contains("geojson"))
            .count()
            == 2
    });
    h.run_steps(2);
    assert_eq!(h.state().layers.len(), before + 1);
    let broken = labels_containing(&h, "truncated.geojson");
    assert_eq!(
        broken.len(),
        1,
        "one message names the broken file: {broken:?}"
    );
    assert!(
        broken[0].starts_with("无法打开 truncated.geojson：")
            || broken[0].starts_with("无法打开 truncated.geojson:"),
        "{broken:?}"
    );
    assert!(broken[0].contains("文件已损坏或不完整"), "{broken:?}");
    let warned = labels_containing(&h, "small.geojson");
    assert_eq!(warned.len(), 1, "{warned:?}");
    let n_warnings = h
        .state()
        .layers
        .last()
        .unwrap()
        .data
        .as_ref()
        .unwrap()
        .warnings
        .len();
    assert!(n_warnings >= 2, "the 2 skipped features at least");
    assert!(
        warned[0].contains("6 要素") && warned[0].contains(&format!("{n_warnings} 条导入警告")),
        "{warned:?}"
    );
    let levels: Vec<Level> = h.state().bar_messages().iter().map(|m| m.level).collect();
    assert_eq!(levels, [Level::Warning, Level::Error], "newest first");
    // Warnings and errors stay: 10 s later both are still there.
    h.run_steps(40);
    assert_eq!(labels_containing(&h, "truncated.geojson").len(), 1);
    // Close the error with its ×: the newest message (the warning) is on top, so
    // the error's × is the second.
    let closes: Vec<_> = h.query_all_by_label("关闭消息").collect();
    assert_eq!(closes.len(), 2);
    closes[1].click();
    h.run_steps(2);
    assert!(
        labels_containing(&h, "truncated.geojson").is_empty(),
        "closed"
    );
    assert_eq!(
        labels_containing(&h, "small.geojson").len(),
        1,
        "the other stays"
    );
    // The status bar's button opens the log, which still lists the closed error.
    h.get_by_label_contains("消息 (").click();
    h.run_steps(3);
    assert!(h.state().log_open);
    let logged = labels_containing(&h, "truncated.geojson");
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert!(logged[0].contains("文件已损坏或不完整"));
    // The log's details hold the loader's words and the import warnings.
    let error = h
        .state()
        .log
        .iter()
        .find(|m| m.level == Level::Error)
        .unwrap();
    assert!(
        error.details[0].contains("truncated.geojson"),
        "{:?}",
        error.details
    );
    let warning = h
        .state()
        .log
        .iter()
        .find(|m| m.level == Level::Warning)
        .unwrap();
    assert_eq!(warning.details.len(), n_warnings, "{:?}", warning.details);
    // 重新显示 brings the closed error back to the bar.
    h.get_by_label("重新显示").click();
    h.run_steps(2);
    assert!(
        h.state()
            .bar_messages()
            .iter()
            .any(|m| m.level == Level::Error)
    );
}

/// A success message (a saved project) shows the full path with 打开文件 and
/// 打开文件夹, and fades by itself after its time; the log keeps it.
#[test]
fn a_success_message_fades_after_its_time() {
    use parcelview::app::{Command, FADE_AFTER_S, Level};
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(Settings::default());
    let out = dir.path().join("我的项目.json");
    h.state_mut().push(Command::SaveProject(Some(out.clone())));
    // The bar's area measures itself in its first frame and shows in the next.
    h.run_steps(3);
    let shown = labels_containing(&h, "我的项目.json");
    assert_eq!(shown, [format!("已保存 {}", out.display())]);
    h.get_by_label("打开文件");
    h.get_by_label("打开文件夹");
    let m = h.state().bar_messages()[0].clone();
    assert_eq!(m.level, Level::Success);
    // Frames are 0.25 s apart: halfway through its time it is still there.
    h.run_steps((FADE_AFTER_S / 2.0 / 0.25) as usize);
    assert_eq!(labels_containing(&h, "我的项目.json").len(), 1);
    h.run_steps((FADE_AFTER_S / 2.0 / 0.25) as usize + 2);
    assert!(h.state().now_s() - m.created_s >= FADE_AFTER_S);
    assert!(labels_containing(&h, "我的项目.json").is_empty(), "faded");
    assert!(h.query_by_label("打开文件").is_none());
    assert!(
        h.state().log.iter().any(|l| l.id == m.id),
        "the log keeps it"
    );
}

/// An export into a folder that does not exist is an error in the bar, in the
/// interface language, with the full path; in English it is in English.
#[test]
fn an_export_into_a_missing_folder_is_an_error_in_the_ui_language() {
    use parcelview::app::Level;
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(Settings::default());
    let target = dir.path().join("没有这个文件夹").join("汇总.xlsx");
    h.state_mut().export.path = target.display().to_string();
    h.state_mut().export.open = true;
    h.run_steps(2);
    h.get_by_role_and_label(egui::accesskit::Role::Button, "导出")
        .click();
    h.run_steps(2);
    run_until(&mut h, |app| !app.is_exporting());
    h.run_steps(2);
    let shown = labels_containing(&h, "导出失败");
    assert_eq!(
        shown,
        [format!("导出失败 {}: 文件夹不存在", target.display())],
        "{:?}",
        h.state().log
    );
    assert_eq!(h.state().bar_messages()[0].level, Level::Error);
    assert!(h.query_by_label("打开文件").is_none(), "no file to open");
    // The same in English.
    h.state_mut().settings.lang = Lang::En;
    h.run_steps(2);
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Export")
        .click();
    h.run_steps(2);
    run_until(&mut h, |app| !app.is_exporting());
    h.run_steps(2);
    let shown = labels_containing(&h, "Export failed");
    assert_eq!(
        shown,
        [format!(
            "Export failed: {}: the folder does not exist",
            target.display()
        )]
    );
}

/// A basemap server that refuses connections: the status bar says 底图离线 and one
/// warning says the basemap is offline; the map goes on.
#[test]
fn an_unreachable_basemap_shows_offline_in_the_status_bar() {
    use parcelview::app::Level;
    // A port that was free a moment ago refuses connections at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let settings = Settings {
        basemap: BasemapChoice::Xyz(format!("http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png")),
        ..Settings::default()
    };
    let mut h = harness(settings);
    run_until(&mut h, |app| {
        app.log.iter().any(|m| m.level == Level::Warning)
    });
    h.run_steps(2);
    assert_eq!(
        labels_containing(&h, "底图离线")
            .first()
            .map(String::as_str),
        Some("底图离线")
    );
    let warned = labels_containing(&h, "在线底图暂时无法获取");
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].starts_with("底图离线"));
}

/// The title bar marks unsaved changes: hiding a layer by its checkbox makes the
/// project dirty, and the title gains its ●.
#[test]
fn the_title_marks_unsaved_changes() {
    let mut h = harness(Settings::default());
    h.run_steps(2);
    let clean = h.state().window_title_text();
    assert!(!clean.contains('●'), "{clean}");
    assert!(clean.contains("airport-city.json"), "{clean}");
    h.get_by_label("现状用地").click();
    h.run_steps(2);
    assert!(h.state().dirty);
    let title = h.state().window_title_text();
    assert!(title.starts_with("● "), "{title}");
}

#[test]
fn f5_starts_at_slide_one_shift_f5_here_and_esc_restores_the_work_state() {
    use parcelview::app::Command;
    let mut h = harness(Settings::default());
    let parcels = layer_index(h.state(), "地块");
    h.state_mut().apply(Command::SelectFeatures(
        parcels,
        vec![3, 4],
        parcelview::selection::SelectOp::Replace,
    ));
    h.state_mut().apply(Command::GoToBookmark(2));
    h.run_steps(3);
    let before = undo_view(h.state());
    let zoom = h.state().last_view.unwrap().zoom();
    h.key_press(egui::Key::F5);
    h.run_steps(2);
    assert!(h.state().briefing.active);
    assert_eq!(h.state().briefing.slide, 0, "F5 starts at slide 1");
    h.key_press(egui::Key::ArrowRight);
    h.run_steps(8);
    h.key_press(egui::Key::Escape);
    h.run_steps(3);
    assert!(!h.state().briefing.active);
    assert_eq!(
        undo_view(h.state()),
        before,
        "layers and selection as before"
    );
    assert!((h.state().last_view.unwrap().zoom() - zoom).abs() < 0.01);
    h.key_press_modifiers(Modifiers::SHIFT, egui::Key::F5);
    h.run_steps(2);
    assert!(h.state().briefing.active);
    assert_eq!(
        h.state().briefing.slide,
        2,
        "Shift+F5 starts at the bookmark shown"
    );
}

/// Planners' own files open through the same dialog: a GBK Shapefile (its .shx and
/// .dbf are not listed apart) and a GeoPackage, whose layers are chosen in a
/// window before they load.
#[test]
fn a_shapefile_and_chosen_geopackage_layers_open_from_the_dialog() {
    let mut h = harness(Settings::default());
    let before = h.state().layers.len();
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/formats");
    open_dialog_at(&mut h, &data);
    let shown = h.state().file_dialog().unwrap().shown_names();
    assert!(shown.contains(&"parcels_gbk.shp".to_string()), "{shown:?}");
    assert!(
        !shown
            .iter()
            .any(|n| n.ends_with(".dbf") || n.ends_with(".shx"))
    );
    // Typed names open too (the listing is long here).
    click_and_type(&mut h, "文件名", "parcels_gbk.shp");
    h.key_press(egui::Key::Enter);
    h.run_steps(2);
    assert!(!h.state().file_dialog_open());
    h.key_press_modifiers(Modifiers::COMMAND, egui::Key::O);
    h.run_steps(3);
    assert_eq!(
        h.state().file_dialog().unwrap().dir,
        data,
        "the folder is remembered"
    );
    click_and_type(&mut h, "文件名", "district.gpkg");
    h.get_by_role_and_label(egui::accesskit::Role::Button, "打开")
        .click();
    h.run_steps(4);
    let choice = h
        .state()
        .layer_choice
        .as_ref()
        .expect("the GeoPackage asks");
    let tables: Vec<String> = choice.layers.iter().map(|l| l.name.clone()).collect();
    assert!(tables.len() > 1, "{tables:?}");
    // Untick the last layer, open the rest.
    let last = tables.len() - 1;
    h.get_by_role_and_label(egui::accesskit::Role::CheckBox, &tables[last])
        .click();
    h.run_steps(1);
    h.get_by_label("打开所选图层").click();
    h.run_steps(1);
    let want = before + 1 + tables.len() - 1;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while h.state().layers.len() < want && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
        h.run_steps(1);
    }
    let app = h.state();
    assert_eq!(app.layers.len(), want, "{:?}", app.log);
    let names: Vec<&str> = app.layers.iter().map(|l| l.spec.name.as_str()).collect();
    assert!(names.contains(&"parcels_gbk"));
    for t in &tables[..last] {
        // A table named like a layer already open gets a number.
        let l = app.layers[before..]
            .iter()
            .find(|l| l.spec.layer.as_deref() == Some(t.as_str()))
            .unwrap();
        assert!(l.spec.name.starts_with(t.as_str()));
        assert!(!l.data.as_ref().unwrap().is_empty());
    }
    assert!(names.contains(&"地块 (2)"), "{names:?}");
    assert!(!names.contains(&tables[last].as_str()));
}

/// The longest straight piece of any stroked path or line segment in the last
/// frame's map area, in points.
fn longest_stroke_in(h: &Harness<'static, ParcelApp>, area: egui::Rect) -> (f32, String) {
    fn walk(shape: &egui::Shape, area: egui::Rect, best: &mut (f32, String)) {
        let mut seg = |a: Pos2, b: Pos2, what: String| {
            if !(a.x.is_finite() && a.y.is_finite() && b.x.is_finite() && b.y.is_finite()) {
                *best = (
                    f32::INFINITY,
                    format!("a point that is not a number: {what}"),
                );
                return;
            }
            if area.contains(a) || area.contains(b) {
                let d = a.distance(b);
                if d > best.0 {
                    *best = (d, what);
                }
            }
        };
        match shape {
            egui::Shape::Vec(v) => v.iter().for_each(|s| walk(s, area, best)),
            egui::Shape::Path(p) if p.stroke.width > 0.0 => {
                for w in p.points.windows(2) {
                    seg(w[0], w[1], format!("path {:?} {:?}", p.stroke.color, w));
                }
                if p.closed && p.points.len() > 2 {
                    seg(
                        *p.points.last().unwrap(),
                        p.points[0],
                        format!("closing {:?}", p.stroke.color),
                    );
                }
            }
            egui::Shape::LineSegment { points, stroke } => seg(
                points[0],
                points[1],
                format!("segment {:?} {:?} w {}", stroke.color, points, stroke.width),
            ),
            _ => {}
        }
    }
    // The map's own shapes are clipped to the map; panel borders and the menu are
    // clipped to the whole screen or to their panels, which hold no parcels.
    let screen_w = h.ctx.content_rect().width();
    let mut best = (0.0, String::new());
    for c in &h.output().shapes {
        if c.clip_rect.width() < screen_w - 10.0 && c.clip_rect.contains(area.center()) {
            walk(&c.shape, area, &mut best);
        }
    }
    best
}

#[test]
fn layers_of_the_same_parcels_from_other_files_draw_no_stray_lines() {
    use parcelview::app::Command;
    let mut h = harness(Settings::default());
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/formats");
    let before = h.state().layers.len();
    h.state_mut()
        .apply(Command::OpenFiles(vec![data.join("parcels_gbk.shp")]));
    h.state_mut().apply(Command::OpenLayers(
        data.join("district.gpkg"),
        vec!["地块".into(), "parcels_4549".into(), "facilities".into()],
    ));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while h.state().layers.len() < before + 4 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
        h.run_steps(1);
    }
    assert_eq!(h.state().layers.len(), before + 4);
    let parcels = layer_index(h.state(), "地块");
    h.state_mut().apply(Command::SelectWhere(
        "\"所属园区\" = '光伏新能源产业园'".into(),
        parcelview::selection::SelectOp::Replace,
    ));
    let gbk = layer_index(h.state(), "parcels_gbk");
    h.state_mut().apply(Command::Select(Some((gbk, 4))));
    h.run_steps(6);
    assert!(h.state().layers[parcels].selection.len() > 100);
    let view = h.state().last_view.unwrap();
    let district = h.state().home;
    let a = view.pos_on_screen(geo::coord! { x: district[0], y: district[1] });
    let b = view.pos_on_screen(geo::coord! { x: district[2], y: district[3] });
    let area = egui::Rect::from_two_pos(a, b);
    // Every filled vertex of the map lies near the district (a stray vertex makes a
    // sliver triangle across the map).
    let near = area.expand(area.width() * 0.1);
    let screen_w = h.ctx.content_rect().width();
    for c in &h.output().shapes {
        if c.clip_rect.width() < screen_w - 10.0 && c.clip_rect.contains(area.center()) {
            let mut far = Vec::new();
            fn meshes(shape: &egui::Shape, near: egui::Rect, far: &mut Vec<Pos2>) {
                match shape {
                    egui::Shape::Vec(v) => v.iter().for_each(|s| meshes(s, near, far)),
                    egui::Shape::Mesh(m) => far.extend(
                        m.vertices
                            .iter()
                            .map(|v| v.pos)
                            .filter(|p| !near.contains(*p)),
                    ),
                    _ => {}
                }
            }
            meshes(&c.shape, near, &mut far);
            assert!(
                far.len() < 8,
                "{} filled vertices far from the district: {:?}",
                far.len(),
                &far[..far.len().min(5)]
            );
        }
    }
    let (longest, what) = longest_stroke_in(&h, area);
    // No piece of an outline is longer than the district's own diagonal's half:
    // the longest real edges (the outline's, the runway's) are well under it.
    assert!(
        longest < area.size().length() * 0.5,
        "a {longest:.0}-point straight stroke over a {:.0}-point district: {what}",
        area.size().length()
    );
}
