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
    let mut h = harness(Settings::default());
    let before = h.state().layers.len();
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    // Through the File menu's path field: two files separated by a semicolon.
    h.get_by_label("文件").click();
    h.run_steps(2);
    let paths = format!(
        "{};{}",
        data.join("small.geojson").display(),
        data.join("truncated.geojson").display()
    );
    type_into(&mut h, "打开 GeoJSON 文件（多个用分号分隔）", &paths);
    h.get_by_role_and_label(egui::accesskit::Role::Button, "打开")
        .click();
    h.run_steps(1);
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
    // Shift adds a second rectangle; Escape clears everything.
    let before = want.len();
    h.event(Event::Key {
        key: egui::Key::Escape,
        physical_key: None,
        pressed: true,
        repeat: false,
        modifiers: Modifiers::NONE,
    });
    h.run_steps(2);
    assert!(h.state().layers[parcels].selection.is_empty());
    assert!(before > 0);
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

/// Overlay tiles paint a parcel in its class colour where it lies, in the selection
/// colour once it is selected, and nothing outside the parcels.
#[test]
fn overlay_tiles_paint_parcels_in_their_colours() {
    use parcelview::app::overlay_tiles::OverlaySource;
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
    let chosen = pixel(parcelview::selection::Selection::of(data.len(), &[i]));
    let sel = parcelview::app::map_view::selected_fill(want);
    assert!(close(chosen[0], sel.r()) && close(chosen[1], sel.g()) && close(chosen[2], sel.b()));
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
    h.run_steps(2);
    assert!(h.state().export.open);
    let xlsx = dir.path().join("物流园.xlsx");
    type_into(&mut h, "保存到", xlsx.to_str().unwrap());
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
