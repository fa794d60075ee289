//! Project files and briefing mode: save and reopen, migration of an old version, a
//! missing layer, autosave and recovery after a crash, the handout, and briefings
//! driven headlessly with egui_kittest.

use std::path::{Path, PathBuf};

use egui::{Event, Modifiers, PointerButton, Pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use parcelview::app::{Command, ParcelApp, Settings};
use parcelview::project::{Project, ProjectFile, VERSION};

use super::app::run_until;

fn maps() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("maps")
}

fn bundled() -> Project {
    Project::open(&maps().join("airport-city.json")).unwrap()
}

fn harness_of(app: ParcelApp) -> Harness<'static, ParcelApp> {
    let mut h = Harness::builder()
        .with_size([1440.0, 900.0])
        .with_max_steps(40)
        .build_ui_state(|ui, app: &mut ParcelApp| app.frame_ui(ui), app);
    h.run_steps(4);
    h
}

fn harness() -> Harness<'static, ParcelApp> {
    harness_of(ParcelApp::new(bundled(), Settings::default()))
}

fn layer_index(app: &ParcelApp, name: &str) -> usize {
    app.layers.iter().position(|l| l.spec.name == name).unwrap()
}

fn key(h: &mut Harness<'static, ParcelApp>, k: egui::Key) {
    h.key_press(k);
    h.run_steps(1);
}

#[test]
fn the_bundled_project_round_trips_and_keeps_unknown_keys() {
    let bytes = std::fs::read(maps().join("airport-city.json")).unwrap();
    let (file, notes) = ProjectFile::from_json(&bytes, "airport-city.json").unwrap();
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(file.version, VERSION);
    assert!(file.extra.contains_key("generator"), "{:?}", file.extra);
    let again = file.to_json().unwrap();
    let (back, _) = ProjectFile::from_json(&again, "again").unwrap();
    assert_eq!(back, file);
    // The bundled file is already in the writer's form.
    assert_eq!(again, bytes);
}

#[test]
fn numbers_survive_a_save_exactly() {
    // Found by fuzzing: without serde_json's exact float parsing, 3 followed by 37
    // digits read as 2.9999999999999997e37, which was written back and then read as
    // 3e37: the file changed on every save.
    let text = r#"{"format":"parcelview-project","version":2,"title":"t","layers":[],
        "bookmarks":[{"title":"b","bbox":[120.66006,30.69088,120.71907,30000000000000000000000000000000000000.72]}]}"#;
    let (file, _) = ProjectFile::from_json(text.as_bytes(), "t.json").unwrap();
    assert_eq!(file.bookmarks[0].bbox[3], 3e37);
    let (again, _) = ProjectFile::from_json(&file.to_json().unwrap(), "again").unwrap();
    assert_eq!(again, file);
}

#[test]
fn the_app_saves_a_project_that_reopens_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness();
    let current = layer_index(h.state(), "现状用地");
    let parks = layer_index(h.state(), "产业园区");
    let parcels = layer_index(h.state(), "地块");
    h.state_mut().push(Command::SetVisible(current, true));
    h.state_mut().push(Command::SetOpacity(parks, 0.5));
    h.state_mut().push(Command::MoveLayer(parcels, 1));
    h.state_mut().push(Command::AddBookmark);
    h.state_mut().push(Command::SelectWhere(
        "\"所属园区\" = '光电信息产业园'".into(),
        parcelview::selection::SelectOp::Replace,
    ));
    h.state_mut().push(Command::SaveSelection("光电园".into()));
    h.run_steps(2);
    let kept: Vec<usize> = h.state().layers[layer_index(h.state(), "地块")]
        .selection
        .ids()
        .to_vec();
    assert_eq!(kept.len(), 70);
    h.state_mut().push(Command::ClearSelection);
    h.state_mut().push(Command::RestoreSelection(0));
    h.run_steps(2);
    let parcels_now = layer_index(h.state(), "地块");
    assert_eq!(
        h.state().layers[parcels_now].selection.ids(),
        kept.as_slice()
    );
    let bookmarks = h.state().bookmarks.clone();
    assert_eq!(bookmarks.len(), 9, "8 bundled slides and the new one");
    assert!(h.state().dirty);
    // Saved into another folder: the layer paths are rewritten relative to it.
    let path = dir.path().join("nested").join("my.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    h.state_mut().push(Command::SaveProject(Some(path.clone())));
    h.run_steps(2);
    assert!(!h.state().dirty, "{:?}", h.state().messages());
    assert_eq!(h.state().project_path.as_deref(), Some(path.as_path()));
    let reopened = Project::open(&path).unwrap();
    assert!(reopened.notes.iter().all(|n| n.contains("outside")));
    for l in &reopened.layers {
        assert!(
            l.data.is_ok(),
            "{}: {:?}",
            l.spec.name,
            l.data.as_ref().err()
        );
        assert!(l.spec.path.starts_with(".."), "{}", l.spec.path);
    }
    let names: Vec<&str> = reopened
        .layers
        .iter()
        .map(|l| l.spec.name.as_str())
        .collect();
    let app_names: Vec<String> = h
        .state()
        .layers
        .iter()
        .map(|l| l.spec.name.clone())
        .collect();
    assert_eq!(names, app_names);
    let by_name = |n: &str| reopened.layers.iter().find(|l| l.spec.name == n).unwrap();
    assert!(by_name("现状用地").spec.visible);
    assert_eq!(by_name("产业园区").spec.opacity, Some(0.5));
    assert_eq!(reopened.file.bookmarks, bookmarks);
    assert_eq!(reopened.file.title, h.state().title);
    assert!(reopened.file.extra.contains_key("generator"));
    let named = &reopened.file.selections;
    assert_eq!(named.len(), 1);
    assert_eq!(named[0].name, "光电园");
    assert_eq!(named[0].selection.layer, "地块");
    assert_eq!(named[0].selection.ids.len(), 70);
    // Saving again in place goes to the same file and says so.
    h.state_mut().push(Command::SaveProject(None));
    h.run_steps(2);
    assert!(h.state().messages().iter().any(|m| m.contains("my.json")));
    // A project is never saved over one of its layers' files.
    let layer_file = maps().join("parcels.geojson");
    let before = std::fs::read(&layer_file).unwrap();
    h.state_mut()
        .push(Command::SaveProject(Some(layer_file.clone())));
    h.run_steps(2);
    assert_eq!(std::fs::read(&layer_file).unwrap(), before);
}

#[test]
fn a_version_1_project_is_migrated_and_a_missing_layer_is_marked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        maps().join("parks.geojson"),
        dir.path().join("parks.geojson"),
    )
    .unwrap();
    let path = dir.path().join("old.json");
    std::fs::write(
        &path,
        r#"{
  "format": "parcelview-project",
  "version": 1,
  "title": "旧项目",
  "layers": [
    {"name": "园区", "path": "parks.geojson", "style": {"kind": "outline"}},
    {"name": "丢失", "path": "gone.geojson"}
  ],
  "views": [
    {"name": "全区", "name_en": "All", "bbox": [120.63, 30.68, 120.72, 30.75]},
    {"name": "机场", "bbox": [120.65, 30.69, 120.70, 30.72]}
  ]
}"#,
    )
    .unwrap();
    let p = Project::open(&path).unwrap();
    assert_eq!(p.file.version, VERSION);
    assert!(
        p.notes.iter().any(|n| n.contains("version 1 → 2")),
        "{:?}",
        p.notes
    );
    let titles: Vec<&str> = p.file.bookmarks.iter().map(|b| b.title.as_str()).collect();
    assert_eq!(titles, ["全区", "机场"]);
    assert_eq!(p.file.bookmarks[0].title_en.as_deref(), Some("All"));
    assert_eq!(p.file.bookmarks[1].bbox, [120.65, 30.69, 120.70, 30.72]);
    let gone = p.layers.iter().find(|l| l.spec.name == "丢失").unwrap();
    assert!(gone.data.as_ref().unwrap_err().contains("gone.geojson"));
    // The app opens it, says why the layer is missing, and saving keeps the layer
    // (its file may come back) in the new version.
    let mut h = harness_of(ParcelApp::new(p, Settings::default()));
    assert!(
        h.state()
            .messages()
            .iter()
            .any(|m| m.contains("gone.geojson"))
    );
    h.get_by_label_contains("丢失");
    let out = dir.path().join("new.json");
    h.state_mut().push(Command::SaveProject(Some(out.clone())));
    h.run_steps(2);
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(saved["version"], VERSION);
    assert!(saved.get("views").is_none());
    assert_eq!(saved["bookmarks"].as_array().unwrap().len(), 2);
    assert_eq!(saved["layers"][1]["path"], "gone.geojson");
    // A newer version than this build knows is refused with a clear reason.
    std::fs::write(
        &path,
        r#"{"format":"parcelview-project","version":99,"title":"t","layers":[]}"#,
    )
    .unwrap();
    let e = Project::open(&path).err().unwrap().to_string();
    assert!(e.contains("newer") && e.contains("old.json"), "{e}");
}

#[test]
fn layer_paths_outside_the_project_folder_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.json");
    std::fs::write(
        &path,
        r#"{"format":"parcelview-project","version":2,"title":"t","layers":[
            {"name":"a","path":"/etc/passwd"},
            {"name":"b","path":"../../x.geojson"},
            {"name":"c","path":"sub/../c.geojson"}]}"#,
    )
    .unwrap();
    let p = Project::open(&path).unwrap();
    let outside: Vec<&String> = p.notes.iter().filter(|n| n.contains("outside")).collect();
    assert_eq!(outside.len(), 2, "{:?}", p.notes);
    assert!(outside[0].contains("/etc/passwd") && outside[1].contains("../../x.geojson"));
    // /etc/passwd is not GeoJSON: the layer fails with a reason, nothing else.
    assert!(p.layers[0].data.is_err());
}

#[test]
fn unsaved_changes_survive_a_crash_and_are_offered_back() {
    let dir = tempfile::tempdir().unwrap();
    let recovery = dir.path().join("state").join("recovery.json");
    let mut a = ParcelApp::new(bundled(), Settings::default());
    a.use_recovery_file(recovery.clone());
    a.autosave.every = std::time::Duration::ZERO;
    let mut h = harness_of(a);
    assert!(
        !recovery.exists(),
        "nothing to recover while nothing changed"
    );
    let parks = layer_index(h.state(), "产业园区");
    h.state_mut().push(Command::SetVisible(parks, false));
    h.state_mut().push(Command::AddBookmark);
    h.run_steps(3);
    assert!(recovery.exists(), "autosaved");
    // The panic hook writes the latest state even if the file is gone.
    std::fs::remove_file(&recovery).unwrap();
    let _ = std::panic::catch_unwind(|| panic!("simulated crash"));
    assert!(recovery.exists(), "the panic hook wrote the recovery file");
    // A new session finds it and offers it; restoring brings the changes back.
    drop(h);
    let mut b = ParcelApp::new(bundled(), Settings::default());
    b.use_recovery_file(recovery.clone());
    assert!(b.recovery_offer.is_some());
    let mut h = harness_of(b);
    h.get_by_label("恢复").click();
    h.run_steps(1);
    run_until(&mut h, |app| !app.is_opening());
    let app = h.state();
    assert!(!app.layers[layer_index(app, "产业园区")].spec.visible);
    assert_eq!(app.bookmarks.len(), 9);
    assert!(app.dirty, "restored work is unsaved work");
    assert!(app.recovery_offer.is_none());
    // Discarding keeps the file aside rather than deleting it.
    drop(h);
    let mut c = ParcelApp::new(bundled(), Settings::default());
    c.use_recovery_file(recovery.clone());
    let mut h = harness_of(c);
    h.get_by_label("放弃").click();
    h.run_steps(2);
    assert!(!recovery.exists());
    let kept = std::fs::read_dir(recovery.parent().unwrap())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("discarded")
        })
        .count();
    assert_eq!(kept, 1);
}

#[test]
fn a_briefing_steps_through_the_slides_with_their_views_and_captions() {
    let mut h = harness();
    let n = h.state().bookmarks.len();
    assert!((6..=10).contains(&n), "{n} slides");
    key(&mut h, egui::Key::F5);
    run_until(&mut h, |app| {
        app.briefing.active && app.briefing.flight.is_none()
    });
    assert_eq!(h.state().briefing.slide, 0);
    let first = h.state().bookmarks[0].caption.clone();
    assert!(first.contains("嘉兴南湖机场"));
    assert_eq!(h.state().slide_caption().as_deref(), Some(first.as_str()));
    // No panels in a briefing: the layer list is gone.
    assert!(h.query_by_label("图层").is_none());
    let parcels = layer_index(h.state(), "地块");
    for (k, press) in [
        (1, egui::Key::ArrowRight),
        (2, egui::Key::PageDown),
        (3, egui::Key::Space),
        (2, egui::Key::PageUp),
        (1, egui::Key::ArrowLeft),
    ] {
        key(&mut h, press);
        assert!(h.state().briefing.flight.is_some(), "flies to slide {k}");
        run_until(&mut h, |app| app.briefing.flight.is_none());
        let app = h.state();
        assert_eq!(app.briefing.slide, k);
        let b = &app.bookmarks[k];
        // The slide's box is in view, centred.
        let view = app.last_view.unwrap().lon_lat_rect();
        let c = [(b.bbox[0] + b.bbox[2]) / 2.0, (b.bbox[1] + b.bbox[3]) / 2.0];
        assert!(
            view.min().x <= b.bbox[0] && view.max().x >= b.bbox[2],
            "{k}: {view:?} {b:?}"
        );
        assert!(
            view.min().y <= b.bbox[1] && view.max().y >= b.bbox[3],
            "{k}: {view:?} {b:?}"
        );
        // …and fills a good part of it (the bars and the legend cover the rest).
        let fill =
            ((b.bbox[2] - b.bbox[0]) / view.width()).max((b.bbox[3] - b.bbox[1]) / view.height());
        assert!(fill > 0.4, "{k}: the slide fills {fill} of the view");
        let _ = c;
        // Its selection is the park's parcels.
        let sel = &app.layers[parcels].selection;
        let data = app.layers[parcels].data.as_ref().unwrap();
        let expr = b.selection.as_ref().unwrap().where_.clone().unwrap();
        let want = parcelview::expr::select_where(data, &expr).unwrap();
        assert_eq!(sel.ids(), want.as_slice(), "slide {k}");
        assert_eq!(app.slide_caption().as_deref(), Some(b.caption.as_str()));
    }
    // Spotlight and pointer toggle with S and P; Esc leaves.
    let spot = h.state().briefing.spotlight;
    key(&mut h, egui::Key::S);
    h.run_steps(1);
    assert_ne!(h.state().briefing.spotlight, spot);
    key(&mut h, egui::Key::Escape);
    h.run_steps(2);
    assert!(!h.state().briefing.active);
    h.get_by_label("图层");
}

#[test]
fn the_compare_slide_swipes_between_present_and_planned_land_use() {
    let mut h = harness();
    let k = h
        .state()
        .bookmarks
        .iter()
        .position(|b| b.compare.is_some())
        .expect("a compare slide");
    h.state_mut().push(Command::StartBriefing);
    h.run_steps(1);
    for _ in 0..k {
        key(&mut h, egui::Key::ArrowRight);
    }
    run_until(&mut h, |app| app.briefing.flight.is_none());
    let app = h.state();
    let c = app.compare.expect("comparing");
    assert_eq!(app.layers[c.left].spec.name, "现状用地");
    assert_eq!(app.layers[c.right].spec.name, "地块");
    // Drag the swipe line from the middle to a quarter of the way across.
    let view = app.last_view.unwrap();
    let _ = view;
    let (x0, x1, y) = (720.0, 360.0, 450.0);
    h.event(Event::PointerMoved(Pos2::new(x0, y)));
    h.run_steps(1);
    h.event(Event::PointerButton {
        pos: Pos2::new(x0, y),
        button: PointerButton::Primary,
        pressed: true,
        modifiers: Modifiers::NONE,
    });
    h.run_steps(1);
    for s in 1..=6 {
        let x = x0 + (x1 - x0) * s as f32 / 6.0;
        h.event(Event::PointerMoved(Pos2::new(x, y)));
        h.run_steps(1);
    }
    h.event(Event::PointerButton {
        pos: Pos2::new(x1, y),
        button: PointerButton::Primary,
        pressed: false,
        modifiers: Modifiers::NONE,
    });
    h.run_steps(2);
    let split = h.state().compare.unwrap().split;
    assert!((split - 0.25).abs() < 0.03, "split {split}");
    // Pointing either side of the line picks that side's layer.
    let c = h.state().compare.unwrap();
    let view = h.state().last_view.unwrap();
    let current = h.state().layers[c.left].data.clone().unwrap();
    let target = (0..current.len())
        .filter_map(|i| {
            let g = current.geometries[i].as_ref()?;
            let p = view.pos_on_screen(geo::InteriorPoint::interior_point(g)?.0);
            (p.x > 20.0 && p.x < 1000.0 && p.y > 150.0 && p.y < 700.0).then_some(p)
        })
        .collect::<Vec<_>>();
    let left_of = target.iter().find(|p| p.x < x1 - 40.0).copied();
    let right_of = target.iter().find(|p| p.x > x1 + 40.0).copied();
    let mut picked = Vec::new();
    for (p, other) in [(left_of, c.right), (right_of, c.left)] {
        let Some(p) = p else { continue };
        h.event(Event::PointerMoved(p));
        h.run_steps(2);
        let hovered = h.state().hovered.map(|(li, _)| li);
        assert_ne!(
            hovered,
            Some(other),
            "at {p:?} the other side's layer was picked"
        );
        picked.extend(hovered);
    }
    // The hidden present-land-use layer is picked somewhere left of the line.
    let found = target
        .iter()
        .filter(|p| p.x < x1 - 40.0)
        .take(40)
        .any(|&p| {
            h.event(Event::PointerMoved(p));
            h.run_steps(2);
            h.state().hovered.map(|(li, _)| li) == Some(c.left)
        });
    assert!(found, "{picked:?}");
}

#[test]
fn the_handout_has_a_page_a_slide_with_titles_and_captions() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("deck.pdf");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_parcelview"))
        .args([
            "handout",
            maps().join("airport-city.json").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(&out).unwrap();
    let pages = pdf_extract::extract_text_from_mem_by_pages(&bytes).unwrap();
    let project = bundled();
    // A slide that shows statistics is followed by a page with its balance table.
    let with_stats = project
        .file
        .bookmarks
        .iter()
        .filter(|b| b.show_stats)
        .count();
    assert!(with_stats >= 1);
    assert_eq!(pages.len(), project.file.bookmarks.len() + with_stats);
    let mut k = 0;
    for b in &project.file.bookmarks {
        let page = &pages[k];
        k += 1;
        if b.show_stats {
            let table: String = pages[k].chars().filter(|c| !c.is_whitespace()).collect();
            assert!(table.contains("用地平衡表"), "{table}");
            if b.selection.is_none() {
                // The whole plan, with the present state beside it.
                assert!(
                    table.contains("现状面积") && table.contains("增减"),
                    "{table}"
                );
                assert!(table.contains("陆地水域"), "{table}");
            }
            k += 1;
        }
        let text: String = page.chars().filter(|c| !c.is_whitespace()).collect();
        let title: String = b.title.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(text.contains(&title), "{title} not in {text}");
        let start: String = b
            .caption
            .chars()
            .filter(|c| !c.is_whitespace())
            .take(12)
            .collect();
        assert!(text.contains(&start), "caption {start} not in {text}");
    }
    // Landscape A4.
    let doc = pdf_extract::Document::load_mem(&bytes).unwrap();
    assert_eq!(doc.get_pages().len(), pages.len());
}

#[test]
fn the_app_writes_the_handout_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("讲稿.pdf");
    let mut h = harness();
    h.state_mut().push(Command::ExportHandout(out.clone()));
    h.run_steps(1);
    assert!(h.state().is_exporting());
    run_until(&mut h, |app| !app.is_exporting());
    assert!(
        h.state().messages().iter().any(|m| m.contains("讲稿.pdf")),
        "{:?}",
        h.state().messages()
    );
    let pages = pdf_extract::extract_text_from_mem_by_pages(&std::fs::read(&out).unwrap()).unwrap();
    let with_stats = h.state().bookmarks.iter().filter(|b| b.show_stats).count();
    assert_eq!(pages.len(), h.state().bookmarks.len() + with_stats);
}

#[test]
fn a_project_opened_at_start_or_from_the_menu_frames_its_layers_and_basemap() {
    let project = bundled();
    let want = project.bbox().unwrap();
    let want = [want.min().x, want.min().y, want.max().x, want.max().y];
    let mut h = harness();
    assert_eq!(h.state().home, want, "at start");
    assert!(h.state().has_offline_basemap(), "at start");
    // A project opened from the menu: its own box and basemap.
    let dir = tempfile::tempdir().unwrap();
    for f in ["parks.geojson", "water.geojson"] {
        std::fs::copy(maps().join(f), dir.path().join(f)).unwrap();
    }
    let path = dir.path().join("p.json");
    std::fs::write(
        &path,
        r#"{"format":"parcelview-project","version":2,"title":"园区","basemap":{"sources":["water"]},
            "layers":[{"name":"水","path":"water.geojson","role":"basemap"},{"name":"园区","path":"parks.geojson","style":{"kind":"outline"}}]}"#,
    )
    .unwrap();
    let other = Project::open(&path).unwrap();
    let b = other.bbox().unwrap();
    h.state_mut().push(Command::OpenProject(path));
    h.run_steps(1);
    run_until(&mut h, |app| !app.is_opening());
    assert_eq!(h.state().title, "园区");
    assert_eq!(h.state().home, [b.min().x, b.min().y, b.max().x, b.max().y]);
    assert!(h.state().has_offline_basemap(), "after opening");
}
