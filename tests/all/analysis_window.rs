//! The window's analysis layers driven with egui_kittest through their real
//! widgets: the 净空 layer's switch in the layers panel (the bundled plan, and a
//! plan whose 限高 goes above the surfaces), a bookmark and a briefing slide that
//! show it, and the 生活圈 panel (a type picked, its figures, its report).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::Modifiers;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use parcelview::analysis::command;
use parcelview::app::map::widget::analysis_layers::CLEARANCE_LAYER;
use parcelview::app::{ParcelApp, Settings};
use parcelview::project::Project;

fn bundled_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/airport-city.json")
}

fn harness_of(project: Project) -> Harness<'static, ParcelApp> {
    let settings = Settings {
        native_dialogs: false,
        ..Settings::default()
    };
    let app = ParcelApp::new(project, settings);
    let mut h = Harness::builder()
        .with_size([1440.0, 900.0])
        .with_max_steps(20)
        .with_step_dt(0.25)
        .build_ui_state(|ui, app: &mut ParcelApp| app.frame_ui(ui), app);
    h.run_steps(4);
    h
}

/// Runs frames until `done`: the analyses and reports run on worker threads.
/// Gives up after 1 200 frames (a minute of waiting between them), so a test
/// that never gets there fails rather than hangs.
fn run_until(h: &mut Harness<'static, ParcelApp>, done: impl Fn(&ParcelApp) -> bool) -> bool {
    for _ in 0..1200 {
        if done(h.state()) {
            return true;
        }
        h.run_steps(1);
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    done(h.state())
}

fn clearance_ready(app: &ParcelApp) -> bool {
    app.analysis.clearance.ready().is_some()
}

#[test]
fn the_clearance_switch_draws_the_surfaces_once_and_the_bundled_plan_has_no_conflict() {
    let mut h = harness_of(Project::open(&bundled_path()).unwrap());
    assert!(!h.state().analysis.clearance_on);
    h.get_by_label(CLEARANCE_LAYER).click();
    h.run_steps(2);
    assert!(
        h.state().analysis.clearance_on,
        "the switch turns the layer on"
    );
    assert!(
        run_until(&mut h, clearance_ready),
        "the surfaces are worked out"
    );
    let d = h.state().analysis.clearance.ready().unwrap().clone();
    // Every surface of both runway directions has its outline.
    let kinds: std::collections::BTreeSet<_> = d.surfaces.iter().map(|(k, _, _)| *k).collect();
    assert_eq!(kinds.len(), 6, "{kinds:?}");
    // Contours every 10 m, from 10 m up to the approach surface's 150 m.
    let heights: Vec<f64> = d.contours.iter().map(|(h, _, _)| *h).collect();
    let expected: Vec<f64> = (1..=15).map(|k| k as f64 * 10.0).collect();
    assert_eq!(heights, expected);
    assert!(d.contours.iter().all(|(_, lines, _)| !lines.is_empty()));
    // The bundled plan respects its airport, as the CLI says too.
    let project = Project::open(&bundled_path()).unwrap();
    let (_, _, cli) = command::project_clearance(&project).unwrap();
    assert_eq!(d.result.conflicts, 0);
    assert_eq!(d.result.covered, cli.covered);
    assert!(d.conflicts.is_empty());
    h.get_by_label_contains("限高超出 0 块");
    // Frames only draw what was worked out: the drawing stays the same one.
    h.run_steps(5);
    let again = h.state().analysis.clearance.ready().unwrap().clone();
    assert!(
        Arc::ptr_eq(&d, &again),
        "the geometry is cached, not rebuilt"
    );
    h.get_by_label(CLEARANCE_LAYER).click();
    h.run_steps(2);
    assert!(!h.state().analysis.clearance_on);
    assert!(h.query_by_label_contains("限高超出").is_none());
}

/// The bundled project in a temporary folder with one development parcel's 限高
/// raised 30 m above the lowest surface over it; returns the project file and
/// the parcel's id.
fn project_with_a_conflict(dir: &Path) -> (PathBuf, String) {
    let maps = Path::new(env!("CARGO_MANIFEST_DIR")).join("maps");
    for e in std::fs::read_dir(&maps).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    let project = Project::open(&bundled_path()).unwrap();
    let (_, _, result) = command::project_clearance(&project).unwrap();
    // The parcel nearest its surface (least room left under it) among those
    // with a 限高.
    let p = result
        .parcels
        .iter()
        .filter(|p| p.ols_min_m.is_some() && p.height_limit_m.is_some())
        .min_by(|a, b| {
            let room = |p: &&parcelview::analysis::clearance::ParcelClearance| {
                p.ols_min_m.unwrap() - p.height_limit_m.unwrap()
            };
            room(a).total_cmp(&room(b))
        })
        .unwrap();
    let raised = p.ols_min_m.unwrap() + 30.0;
    let path = dir.join("parcels.geojson");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut changed = 0;
    for f in json["features"].as_array_mut().unwrap() {
        if f["properties"]["地块编号"] == serde_json::Value::String(p.id.clone()) {
            f["properties"]["限高"] = serde_json::json!(raised);
            changed += 1;
        }
    }
    assert_eq!(changed, 1);
    std::fs::write(&path, json.to_string()).unwrap();
    (dir.join("airport-city.json"), p.id.clone())
}

#[test]
fn a_parcel_above_the_surfaces_is_outlined_kept_by_a_bookmark_and_shown_on_its_slide() {
    let dir = tempfile::tempdir().unwrap();
    let (path, id) = project_with_a_conflict(dir.path());
    let mut h = harness_of(Project::open(&path).unwrap());
    h.get_by_label(CLEARANCE_LAYER).click();
    assert!(run_until(&mut h, clearance_ready));
    let d = h.state().analysis.clearance.ready().unwrap().clone();
    assert_eq!(d.result.conflicts, 1);
    let parcels = h
        .state()
        .layers
        .iter()
        .find(|l| l.serial == d.parcels_serial)
        .unwrap();
    let data = parcels.data.as_ref().unwrap();
    assert_eq!(d.conflicts.len(), 1);
    assert_eq!(data.feature_id(d.conflicts[0]), id);
    assert!(d.result.parcels[d.conflicts[0]].excess_m.unwrap() > 29.9);
    h.get_by_label_contains("限高超出 1 块");

    // A bookmark saved while the layer shows lists it among its layers; one
    // saved without it does not.
    h.get_by_label("+ 保存当前视图").click();
    h.run_steps(2);
    let with = h.state().bookmarks.len() - 1;
    let b = h.state().bookmarks[with].clone();
    assert!(
        b.layers.iter().any(|n| n == CLEARANCE_LAYER),
        "{:?}",
        b.layers
    );
    assert!(b.layers.iter().any(|n| n == "地块"), "{:?}", b.layers);
    h.get_by_label(CLEARANCE_LAYER).click();
    h.run_steps(2);
    assert!(!h.state().analysis.clearance_on);
    h.get_by_label("+ 保存当前视图").click();
    h.run_steps(2);
    let without = h.state().bookmarks.len() - 1;
    assert_eq!(without, with + 1);
    let b = h.state().bookmarks[without].clone();
    assert!(
        !b.layers.iter().any(|n| n == CLEARANCE_LAYER),
        "{:?}",
        b.layers
    );
    // Going to the first turns the layer back on.
    h.get_by_label_contains(&format!("{}. ", with + 1)).click();
    h.run_steps(2);
    assert!(
        h.state().analysis.clearance_on,
        "the bookmark shows the layer"
    );
    h.get_by_label(CLEARANCE_LAYER).click();
    h.run_steps(2);
    assert!(!h.state().analysis.clearance_on);
    // Shift+F5 presents from the bookmark last shown: its slide shows the
    // surfaces, the next one not, and back again.
    h.key_press_modifiers(Modifiers::SHIFT, egui::Key::F5);
    h.run_steps(3);
    assert!(h.state().briefing.active);
    assert_eq!(h.state().briefing.slide, with);
    assert!(
        h.state().analysis.clearance_on,
        "the slide shows the surfaces"
    );
    h.key_press(egui::Key::ArrowRight);
    h.run_steps(3);
    assert_eq!(h.state().briefing.slide, without);
    assert!(!h.state().analysis.clearance_on);
    h.key_press(egui::Key::ArrowLeft);
    h.run_steps(3);
    assert!(h.state().analysis.clearance_on);
    // Leaving the briefing brings the work state back: the layer was off.
    h.key_press(egui::Key::Escape);
    h.run_steps(3);
    assert!(!h.state().briefing.active);
    assert!(!h.state().analysis.clearance_on);
}

#[test]
fn the_life_circle_panel_shows_a_types_circles_its_figures_and_writes_its_report() {
    let mut h = harness_of(Project::open(&bundled_path()).unwrap());
    h.get_by_label("生活圈覆盖").click();
    h.run_steps(2);
    assert!(h.state().analysis.coverage_open);
    assert!(run_until(&mut h, |a| a.analysis.coverage.ready().is_some()));
    h.run_steps(2);
    // The window's table gives every type the CLI gives, with the same shares.
    let project = Project::open(&bundled_path()).unwrap();
    let (cli, _) = command::project_coverage(&project).unwrap();
    let d = h.state().analysis.coverage.ready().unwrap().clone();
    let kinds: Vec<&str> = d
        .analysis
        .result
        .types
        .iter()
        .map(|t| t.kind.as_str())
        .collect();
    let cli_kinds: Vec<&str> = cli.types.iter().map(|t| t.kind.as_str()).collect();
    assert_eq!(kinds, cli_kinds);
    let kg = cli.types.iter().find(|t| t.kind == "幼儿园").unwrap();
    assert_eq!(kg.facilities, 4);
    assert!(h.state().analysis.coverage_kind.is_none());
    h.get_by_label("● 幼儿园").click();
    h.run_steps(2);
    assert_eq!(h.state().analysis.coverage_kind.as_deref(), Some("幼儿园"));
    // The map has the type's four circles and hatches what lies outside them:
    // as many parcels as the table counts wholly and partly outside.
    let drawn = &d.types["幼儿园"];
    assert_eq!(drawn.circles.len(), 4);
    assert_eq!(drawn.outside.len(), kg.wholly_outside + kg.partly_outside);
    assert_eq!(
        drawn
            .outside
            .iter()
            .filter(|(_, _, wholly)| *wholly)
            .count(),
        kg.wholly_outside
    );
    let share = format!(
        "{} %",
        parcelview::model::format_fixed(kg.covered_share * 100.0, 1)
    );
    let heading = format!("幼儿园（五分钟生活圈，服务半径 300 m）覆盖率 {share}");
    h.get_by_label(&heading);
    h.get_by_label_contains("服务半径外：完全未覆盖");
    // The report: the PDF page and the Excel sheet, into a folder of the test's.
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("民生.pdf");
    h.state_mut().life_circle_export.path = pdf.display().to_string();
    h.run_steps(1);
    h.get_by_label("导出 PDF 报告").click();
    h.run_steps(1);
    assert!(run_until(&mut h, |a| !a.life_circle_export.running()));
    h.run_steps(1);
    assert!(pdf.exists(), "the PDF is written");
    let text = pdf_extract::extract_text_from_mem(&std::fs::read(&pdf).unwrap()).unwrap();
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(compact.contains("生活圈服务覆盖分析"), "{compact}");
    assert!(
        compact.contains(&heading.replace(' ', "")),
        "the chosen type's map: {compact}"
    );
    h.get_by_label("导出 Excel 表").click();
    h.run_steps(1);
    assert!(run_until(&mut h, |a| !a.life_circle_export.running()));
    let xlsx = pdf.with_extension("xlsx");
    assert!(xlsx.exists());
    // Clicking the type again hides its circles; closing the panel too.
    h.get_by_label("● 幼儿园").click();
    h.run_steps(2);
    assert!(h.state().analysis.coverage_kind.is_none());
    h.get_by_label("生活圈覆盖").click();
    h.run_steps(2);
    assert!(!h.state().analysis.coverage_open);
}

#[test]
fn the_identify_panel_reads_the_surfaces_the_clearance_layer_draws() {
    let mut h = harness_of(Project::open(&bundled_path()).unwrap());
    // A parcel under the eastern approach, whose limit the CLI gives too.
    let project = Project::open(&bundled_path()).unwrap();
    let (_, _, cli) = command::project_clearance(&project).unwrap();
    let li = h
        .state()
        .layers
        .iter()
        .position(|l| l.spec.name == "地块")
        .unwrap();
    let fi = {
        let data = h.state().layers[li].data.as_ref().unwrap().clone();
        (0..data.len())
            .find(|&i| data.feature_id(i) == "KG-B-0050")
            .unwrap()
    };
    let expected = cli.parcels[fi].ols_min_m.unwrap();
    // The identify panel first: it builds the surfaces, and the layer turned on
    // afterwards draws those same ones rather than building its own.
    h.state_mut().selected = Some((li, fi));
    h.run_steps(2);
    let line = format!(
        "净空限高 {} m（东端进近面）",
        parcelview::model::format_fixed(expected, 1)
    );
    h.get_by_label(&line);
    h.get_by_label(CLEARANCE_LAYER).click();
    assert!(run_until(&mut h, clearance_ready));
    let d = h.state().analysis.clearance.ready().unwrap().clone();
    assert!(
        h.state().analysis.shares_surfaces(&d.ols),
        "the layer draws the surfaces the identify panel read"
    );
    // Another parcel shown: its line comes from the same surfaces, still one
    // computation.
    h.state_mut().selected = Some((li, fi + 1));
    h.run_steps(2);
    assert!(h.state().analysis.shares_surfaces(&d.ols));
    h.get_by_label_contains("净空限高");
}

#[test]
fn the_bundled_logistics_slide_shows_the_clearance_layer_and_the_next_does_not() {
    let mut h = harness_of(Project::open(&bundled_path()).unwrap());
    let slides = h.state().bookmarks.clone();
    let with: Vec<usize> = slides
        .iter()
        .enumerate()
        .filter(|(_, b)| b.layers.iter().any(|n| n == CLEARANCE_LAYER))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(with.len(), 1, "one bundled slide shows the 净空 layer");
    let k = with[0];
    assert_eq!(slides[k].title, "空港物流园");
    assert!(
        slides[k].caption.contains("净空限制面"),
        "{}",
        slides[k].caption
    );
    // Every other layer the slide names is one of the project's.
    for n in slides[k].layers.iter().filter(|n| *n != CLEARANCE_LAYER) {
        assert!(
            h.state().layers.iter().any(|l| &l.spec.name == n),
            "{n} is a layer of the project"
        );
    }
    assert!(!h.state().analysis.clearance_on);
    h.key_press(egui::Key::F5);
    h.run_steps(3);
    assert!(h.state().briefing.active);
    for _ in 0..k {
        h.key_press(egui::Key::ArrowRight);
        h.run_steps(2);
    }
    assert_eq!(h.state().briefing.slide, k);
    assert!(
        h.state().analysis.clearance_on,
        "the slide shows the surfaces"
    );
    assert!(run_until(&mut h, clearance_ready));
    assert_eq!(
        h.state()
            .analysis
            .clearance
            .ready()
            .unwrap()
            .result
            .conflicts,
        0
    );
    h.key_press(egui::Key::ArrowRight);
    h.run_steps(3);
    assert_eq!(h.state().briefing.slide, k + 1);
    assert!(!h.state().analysis.clearance_on);
    h.key_press(egui::Key::Escape);
    h.run_steps(3);
    assert!(!h.state().briefing.active);
    assert!(
        !h.state().analysis.clearance_on,
        "the work state comes back"
    );
}
