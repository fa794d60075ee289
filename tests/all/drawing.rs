//! What the map window draws, checked on the triangles the renderer gets: every
//! stroked path of a frame is tessellated as egui tessellates it for the screen, so
//! a corner mitred into a line across the map shows here as it does in the window
//! (the shapes' own points lie where they should; only the tessellated stroke
//! runs off). Also the history's treatment of showing and hiding layers and of the
//! identify panel, and the GeoPackage layer chooser's geometry names.

use egui::epaint::{TessellationOptions, Tessellator};
use egui::{Mesh, Rect, Shape};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use parcelview::app::{Command, Lang, ParcelApp, Settings};
use parcelview::project::Project;
use parcelview::selection::SelectOp;

fn harness(settings: Settings) -> Harness<'static, ParcelApp> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/airport-city.json");
    let mut settings = settings;
    settings.native_dialogs = false;
    let app = ParcelApp::new(Project::open(&path).unwrap(), settings);
    let mut h = Harness::builder()
        .with_size([1440.0, 900.0])
        .with_max_steps(20)
        .build_ui_state(|ui, app: &mut ParcelApp| app.frame_ui(ui), app);
    h.run_steps(4);
    h
}

fn layer_index(app: &ParcelApp, name: &str) -> usize {
    app.layers
        .iter()
        .position(|l| l.spec.name == name)
        .unwrap_or_else(|| panic!("no layer {name}"))
}

/// The feature of a layer whose field `field` reads `value`.
fn feature(app: &ParcelApp, layer: usize, field: &str, value: &str) -> usize {
    let data = app.layers[layer].data.as_ref().unwrap();
    let f = data.field_index(field).unwrap();
    (0..data.len())
        .find(|&i| data.value(i, f).to_text().as_deref() == Some(value))
        .unwrap_or_else(|| panic!("no {field} = {value}"))
}

/// Runs frames until `done` holds (files loading, drawings being made).
fn run_until(h: &mut Harness<'static, ParcelApp>, done: impl Fn(&ParcelApp) -> bool) {
    for _ in 0..400 {
        if done(h.state()) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
        h.run_steps(1);
    }
    panic!("background work did not finish");
}

/// The farthest (points) a stroked path of the last frame reaches beyond the box
/// of its own points once tessellated, less its width; with what it was. A sound
/// stroke stays within a width of its points (a cut-off corner reaches √2 half
/// widths, plus a pixel of anti-aliasing); a mitred spike goes on for hundreds.
fn worst_overshoot(h: &Harness<'static, ParcelApp>) -> (f32, String) {
    fn walk(shape: &Shape, tess: &mut Tessellator, worst: &mut (f32, String)) {
        match shape {
            Shape::Vec(v) => v.iter().for_each(|s| walk(s, tess, worst)),
            // Strokes only: a fill-only path (a widget's arrow) has no miters.
            Shape::Path(p) if p.points.len() >= 2 && p.stroke.width > 0.0 => {
                let bounds = Rect::from_points(&p.points);
                let mut mesh = Mesh::default();
                tess.tessellate_shape(shape.clone(), &mut mesh);
                for v in &mesh.vertices {
                    let past = if v.pos.x.is_finite() && v.pos.y.is_finite() {
                        bounds.distance_to_pos(v.pos) - p.stroke.width
                    } else {
                        f32::INFINITY
                    };
                    if past > worst.0 {
                        *worst = (
                            past,
                            format!(
                                "a path of {} points, width {}, closed {}, {:?}…",
                                p.points.len(),
                                p.stroke.width,
                                p.closed,
                                &p.points[..p.points.len().min(4)]
                            ),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    let ppp = h.ctx.pixels_per_point();
    let mut tess = Tessellator::new(
        ppp,
        TessellationOptions::default(),
        [1024, 1024],
        Vec::new(),
    );
    let mut worst = (0.0, String::new());
    for c in &h.output().shapes {
        tess.set_clip_rect(Rect::EVERYTHING);
        walk(&c.shape, &mut tess, &mut worst);
    }
    worst
}

fn assert_no_spikes(h: &Harness<'static, ParcelApp>, when: &str) {
    let (past, what) = worst_overshoot(h);
    assert!(
        past <= 3.0,
        "{when}: a stroke reaches {past:.0} points past its own points and width: {what}"
    );
}

/// The bundled plan with the same parcels from a Shapefile and a GeoPackage, the
/// 光伏 park selected (its 防护绿地 KG-C-0480 has a sliver part, three points nearly
/// on a line, whose corners egui mitred into magenta lines across the map), seen
/// whole, close up with the sliver's parcel identified and outlined in grey, and in
/// the briefing.
#[test]
fn no_stroke_of_the_map_runs_off_across_it() {
    let mut h = harness(Settings::default());
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/formats");
    let before = h.state().layers.len();
    h.state_mut()
        .apply(Command::OpenFiles(vec![data.join("parcels_gbk.shp")]));
    h.state_mut().apply(Command::OpenLayers(
        data.join("district.gpkg"),
        vec!["地块".into(), "parcels_4549".into()],
    ));
    run_until(&mut h, |app| app.layers.len() >= before + 3);
    let parcels = layer_index(h.state(), "地块");
    h.state_mut().apply(Command::SetActive(parcels));
    h.state_mut().apply(Command::SelectWhere(
        "\"所属园区\" = '光伏新能源产业园'".into(),
        SelectOp::Replace,
    ));
    h.run_steps(6);
    let sliver = feature(h.state(), parcels, "地块编号", "KG-C-0480");
    assert!(h.state().layers[parcels].selection.contains(sliver));
    assert_no_spikes(&h, "the whole district");
    h.state_mut().apply(Command::ZoomToFeature(parcels, sliver));
    h.state_mut()
        .apply(Command::Select(Some((parcels, sliver))));
    h.run_steps(12);
    assert_no_spikes(&h, "close up on KG-C-0480");
    // A parcel with a sliver part and no selection: its grey outline alone.
    h.state_mut().apply(Command::ClearSelection);
    let other = feature(h.state(), parcels, "地块编号", "KG-G-0318");
    h.state_mut().apply(Command::ZoomToFeature(parcels, other));
    h.run_steps(12);
    assert_no_spikes(&h, "close up on KG-G-0318");
    h.state_mut().apply(Command::StartBriefing);
    h.run_steps(12);
    assert_no_spikes(&h, "the briefing");
}

/// Showing and hiding layers are steps of their own: undoing a selection leaves
/// the layers shown as they are, a layer switched off and on again to look under
/// it leaves no step between two selections, and undoing a toggle changes nothing
/// but what is shown.
#[test]
fn showing_and_hiding_layers_stay_out_of_the_way_of_selection_undo() {
    let mut h = harness(Settings::default());
    let parcels = layer_index(h.state(), "地块");
    let airport = layer_index(h.state(), "机场");
    let select = |h: &mut Harness<'static, ParcelApp>, ids: Vec<usize>| {
        h.state_mut()
            .apply(Command::SelectFeatures(parcels, ids, SelectOp::Replace));
        h.run_steps(1);
    };
    let selected =
        |h: &Harness<'static, ParcelApp>| h.state().layers[parcels].selection.ids().to_vec();
    select(&mut h, vec![1, 2]);
    // A peek under the airport: off and on again.
    h.state_mut().apply(Command::SetVisible(airport, false));
    h.state_mut().apply(Command::SetVisible(airport, true));
    select(&mut h, vec![3]);
    assert_eq!(h.state().history.undo_label(), Some("undo_selection"));
    h.state_mut().apply(Command::Undo);
    assert_eq!(selected(&h), vec![1, 2]);
    assert_eq!(
        h.state().history.undo_label(),
        Some("undo_selection"),
        "no visibility step between the two selections"
    );
    // Hiding a layer for good, then selecting: undo takes the selection back
    // and leaves the layer hidden; the next undo shows it, and nothing else.
    h.state_mut().apply(Command::SetVisible(airport, false));
    h.state_mut().apply(Command::SetVisible(parcels, false));
    h.state_mut().apply(Command::SetVisible(parcels, true));
    select(&mut h, vec![4]);
    h.state_mut().apply(Command::Undo);
    assert_eq!(selected(&h), vec![1, 2]);
    assert!(!h.state().layers[airport].spec.visible, "still hidden");
    assert_eq!(h.state().history.undo_label(), Some("undo_visibility"));
    h.state_mut().apply(Command::Undo);
    assert!(h.state().layers[airport].spec.visible);
    assert!(h.state().layers[parcels].spec.visible);
    assert_eq!(
        selected(&h),
        vec![1, 2],
        "a toggle's undo leaves the selection"
    );
    // Redo hides it again, and redoing the selection keeps it hidden.
    h.state_mut().apply(Command::Redo);
    assert!(!h.state().layers[airport].spec.visible);
    h.state_mut().apply(Command::Redo);
    assert_eq!(selected(&h), vec![4]);
    assert!(!h.state().layers[airport].spec.visible);
}

/// Undo does not bring back the identify panel of a feature the view no longer
/// shows (views are not undone), and does bring back one still in view.
#[test]
fn undo_does_not_reopen_the_panel_of_a_feature_out_of_view() {
    let mut h = harness(Settings::default());
    let parcels = layer_index(h.state(), "地块");
    let a = feature(h.state(), parcels, "地块编号", "KG-C-0480");
    let b = feature(h.state(), parcels, "地块编号", "KG-G-0318");
    let click = |h: &mut Harness<'static, ParcelApp>, fi: usize| {
        h.state_mut().apply(Command::ClickFeature {
            identified: Some((parcels, fi)),
            in_active: Some((parcels, fi)),
            op: SelectOp::Replace,
        });
        h.run_steps(1);
    };
    h.state_mut().apply(Command::ZoomToFeature(parcels, a));
    h.run_steps(12);
    click(&mut h, a);
    assert_eq!(h.state().selected, Some((parcels, a)));
    // Over to b, several kilometres away, and a click there.
    h.state_mut().apply(Command::ZoomToFeature(parcels, b));
    h.run_steps(12);
    click(&mut h, b);
    h.state_mut().apply(Command::Undo);
    h.run_steps(1);
    assert_eq!(h.state().layers[parcels].selection.ids(), &[a]);
    assert_eq!(h.state().selected, None, "a is out of view");
    // Seen whole, both in view: undo shows a again.
    h.state_mut().apply(Command::Home);
    h.run_steps(12);
    click(&mut h, a);
    click(&mut h, b);
    h.state_mut().apply(Command::Undo);
    h.run_steps(1);
    assert_eq!(h.state().selected, Some((parcels, a)));
}

/// The chooser of a GeoPackage's layers names their geometry types in the
/// interface language.
#[test]
fn the_layer_chooser_names_geometry_types_in_chinese() {
    let mut h = harness(Settings::default());
    let gpkg =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/formats/district.gpkg");
    h.state_mut().apply(Command::OpenFiles(vec![gpkg.clone()]));
    run_until(&mut h, |app| app.layer_choice.is_some());
    h.run_steps(2);
    assert!(h.query_all_by_label("多面").count() >= 2);
    assert!(h.query_by_label("点").is_some());
    assert!(h.query_by_label("MULTIPOLYGON").is_none());
    h.state_mut().apply(Command::SetLang(Lang::En));
    h.run_steps(2);
    assert!(h.query_all_by_label("multipolygon").count() >= 2);
    assert!(h.query_by_label("point").is_some());
}
