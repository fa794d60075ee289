//! The map's labels and hatching as the window paints them, and the briefing's
//! balance slide, key hints and legend, read from the shapes egui is given.

use egui::epaint::{ClippedShape, Shape};
use egui::{Color32, LayerId, Pos2, Rect, pos2, vec2};
use egui_kittest::Harness;
use geo::InteriorPoint;
use parcelview::app::map::view::View;
use parcelview::app::map::widget::paint_overlay;
use parcelview::app::{Command, Lang, MapLayer, ParcelApp, Settings, StatsGroup, StatsScope};
use parcelview::io::{LoadOptions, load_bytes};
use parcelview::project::{Project, StyleSpec};

fn bundled() -> Project {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/airport-city.json");
    Project::open(&path).unwrap()
}

fn harness(size: [f32; 2]) -> Harness<'static, ParcelApp> {
    let settings = Settings {
        native_dialogs: false,
        ..Settings::default()
    };
    let app = ParcelApp::new(bundled(), settings);
    let mut h = Harness::builder()
        .with_size(size)
        .with_max_steps(20)
        .build_ui_state(|ui, app: &mut ParcelApp| app.frame_ui(ui), app);
    h.run_steps(4);
    h
}

/// Every shape of a frame in paint order, nested lists flattened.
fn flatten(shapes: &[ClippedShape]) -> Vec<Shape> {
    fn walk(s: &Shape, out: &mut Vec<Shape>) {
        match s {
            Shape::Vec(v) => v.iter().for_each(|s| walk(s, out)),
            other => out.push(other.clone()),
        }
    }
    let mut out = Vec::new();
    for c in shapes {
        walk(&c.shape, &mut out);
    }
    out
}

/// The texts of a frame with their boxes and colours, in paint order.
fn texts(shapes: &[Shape]) -> Vec<(usize, String, Rect, Color32)> {
    shapes
        .iter()
        .enumerate()
        .filter_map(|(k, s)| match s {
            Shape::Text(t) => {
                let rect = t.visual_bounding_rect();
                let colour = t.override_text_color.unwrap_or(t.fallback_color);
                let colour = t
                    .galley
                    .job
                    .sections
                    .first()
                    .map_or(colour, |s| s.format.color);
                Some((k, t.galley.text().to_string(), rect, colour))
            }
            _ => None,
        })
        .collect()
}

/// One frame of the overlay alone, headless, in a map area of 1100 × 800 points.
fn overlay_shapes(layers: &[MapLayer], centre: geo::Coord<f64>, zoom: f64) -> Vec<Shape> {
    let clip = Rect::from_min_size(Pos2::ZERO, vec2(1100.0, 800.0));
    let view = View::at(centre, zoom, clip);
    let ctx = egui::Context::default();
    parcelview::app::install_fonts(&ctx);
    let input = egui::RawInput {
        screen_rect: Some(clip),
        ..Default::default()
    };
    let mut out = ctx.run_ui(input, |ui| {
        let painter = ui
            .ctx()
            .layer_painter(LayerId::background())
            .with_clip_rect(clip);
        paint_overlay(&painter, &view, layers, None, Lang::Zh);
    });
    // The fonts' texture is not uploaded anywhere here.
    out.textures_delta.clear();
    flatten(&out.shapes)
}

fn layer<'a>(app: &'a ParcelApp, name: &str) -> &'a MapLayer {
    app.layers.iter().find(|l| l.spec.name == name).unwrap()
}

fn feature_by_id(l: &MapLayer, id: &str) -> usize {
    let data = l.data.as_ref().unwrap();
    (0..data.len()).find(|&i| data.feature_id(i) == id).unwrap()
}

/// The airport layer is drawn over the parcels, and its terminal covers the
/// terminal parcel KG-A-0001: the parcel's label is painted after the airport's
/// fill all the same, and goes by the parcel's name (航站区), not its figures.
#[test]
fn a_parcel_label_is_painted_after_a_later_layers_fill() {
    let h = harness([1440.0, 900.0]);
    let app = h.state();
    let parcels = layer(app, "地块");
    let data = parcels.data.as_ref().unwrap();
    let i = feature_by_id(parcels, "KG-A-0001");
    let at = data.geometries[i]
        .as_ref()
        .unwrap()
        .interior_point()
        .unwrap()
        .0;
    let shapes = overlay_shapes(&app.layers, at, 16.0);
    let airport_grey = Color32::from_rgb(213, 213, 213);
    let last_airport_fill = shapes
        .iter()
        .rposition(
            |s| matches!(s, Shape::Mesh(m) if m.vertices.iter().any(|v| v.color == airport_grey)),
        )
        .expect("the airport is filled");
    let label = texts(&shapes)
        .into_iter()
        .find(|(_, t, _, _)| t.contains("KG-A-0001"))
        .expect("the terminal parcel is labelled");
    assert!(
        label.0 > last_airport_fill,
        "label at {} before the airport's fill at {last_airport_fill}",
        label.0
    );
    assert!(label.1.starts_with("航站区"), "{:?}", label.1);
}

/// Reserved land (留白用地) meshed on the map, not only in the small features'
/// tiles, is hatched with grey diagonals across its area.
#[test]
fn reserved_land_is_hatched_in_the_window() {
    let h = harness([1440.0, 900.0]);
    let app = h.state();
    let parcels = layer(app, "地块");
    let data = parcels.data.as_ref().unwrap();
    let i = feature_by_id(parcels, "KG-F-0139");
    assert_eq!(
        data.value(i, data.field_index("用地代码").unwrap())
            .to_text()
            .as_deref(),
        Some("16")
    );
    let at = data.geometries[i]
        .as_ref()
        .unwrap()
        .interior_point()
        .unwrap()
        .0;
    let shapes = overlay_shapes(&app.layers, at, 17.0);
    let [r, g, b] = parcelview::render::hatch::HATCH_RGB;
    // The hatching fades with the layer: its colour, whatever its alpha.
    let grey = |c: Color32| {
        let [cr, cg, cb, _] = c.to_srgba_unmultiplied();
        [cr, cg, cb]
            .iter()
            .zip([r, g, b])
            .all(|(x, y)| x.abs_diff(y) <= 2)
    };
    let centre = pos2(550.0, 400.0);
    let near: Vec<[Pos2; 2]> = shapes
        .iter()
        .filter_map(|s| match s {
            Shape::LineSegment { points, stroke } if grey(stroke.color) => Some(*points),
            _ => None,
        })
        .filter(|p| p[0].distance(centre) < 200.0 || p[1].distance(centre) < 200.0)
        .collect();
    assert!(
        near.len() >= 10,
        "{} hatch lines near the parcel",
        near.len()
    );
    // Diagonals rising to the right: x + y constant along each.
    for [a, b] in &near {
        assert!(((a.x + a.y) - (b.x + b.y)).abs() < 0.5, "{a:?} {b:?}");
    }
}

/// A park goes by its name, never by its 容积率, and its id beneath where there
/// is room.
#[test]
fn a_park_is_labelled_by_its_name() {
    let text = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"地块编号":"P-1","用地代码":"1401","名称":"湖滨公园","容积率":0.02},"geometry":{"type":"Polygon","coordinates":[[[120.0,30.0],[120.01,30.0],[120.01,30.008],[120.0,30.008],[120.0,30.0]]]}},
      {"type":"Feature","properties":{"地块编号":"M-1","用地代码":"100101","名称":"某工厂","容积率":1.6},"geometry":{"type":"Polygon","coordinates":[[[120.011,30.0],[120.021,30.0],[120.021,30.008],[120.011,30.008],[120.011,30.0]]]}}
    ]}"#;
    let data = load_bytes(text.as_bytes(), "parks.geojson", &LoadOptions::default()).unwrap();
    assert_eq!(
        parcelview::render::labels::place_name(&data, 0).as_deref(),
        Some("湖滨公园")
    );
    assert_eq!(parcelview::render::labels::place_name(&data, 1), None);
    let style = StyleSpec {
        kind: "landuse".into(),
        field: Some("用地代码".into()),
        labels: vec!["地块编号".into(), "容积率".into()],
        ..Default::default()
    };
    let layers = vec![MapLayer::from_layer("地块", data, style)];
    let shapes = overlay_shapes(&layers, geo::coord! { x: 120.0105, y: 30.004 }, 16.0);
    let all: Vec<String> = texts(&shapes).into_iter().map(|t| t.1).collect();
    assert!(all.iter().any(|t| t == "湖滨公园\nP-1"), "{all:?}");
    assert!(all.iter().any(|t| t == "M-1\n容积率 1.6"), "{all:?}");
    assert!(!all.iter().any(|t| t.contains("0.02")), "{all:?}");
}

/// With the offline basemap the window names the project's roads and canals
/// along their middle lines: a road's name stands one character after another.
#[test]
fn roads_and_water_are_named_on_the_map() {
    let mut h = harness([1440.0, 900.0]);
    h.run_steps(2);
    let shapes = flatten(&h.output().shapes);
    let singles: Vec<(String, Rect)> = texts(&shapes)
        .into_iter()
        .filter(|t| t.1.chars().count() == 1)
        .map(|t| (t.1, t.2))
        .collect();
    let app = h.state();
    let named = |layer_name: &str| -> Vec<String> {
        let l = layer(app, layer_name);
        let data = l.data.as_ref().unwrap();
        let k = data.field_index("名称").unwrap();
        (0..data.len())
            .filter_map(|i| data.value(i, k).to_text())
            .filter(|name| {
                let chars: Vec<String> = name.chars().map(String::from).collect();
                // Every character, and the first and last no further apart than
                // a spaced name along a road.
                let firsts: Vec<&Rect> = chars
                    .iter()
                    .filter_map(|c| singles.iter().find(|s| &s.0 == c).map(|s| &s.1))
                    .collect();
                firsts.len() == chars.len()
            })
            .collect()
    };
    let roads = named("道路");
    let water = named("水系");
    assert!(roads.len() >= 3, "road names on the map: {roads:?}");
    assert!(!water.is_empty(), "water names on the map: {water:?}");
}

/// A figure with two decimals and its thousands separated (3,647.43).
fn thousands_2(v: f64) -> String {
    let text = format!("{v:.2}");
    let (whole, frac) = text.split_once('.').unwrap();
    let digits: Vec<char> = whole.chars().collect();
    let mut out = String::new();
    for (k, c) in digits.iter().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(*c);
    }
    format!("{out}.{frac}")
}

/// The index of the bookmark that shows the whole plan's balance over the map
/// (statistics without a selection).
fn stats_slide(app: &ParcelApp) -> usize {
    app.bookmarks
        .iter()
        .position(|b| b.show_stats && b.selection.is_none())
        .unwrap()
}

fn briefing_at(h: &mut Harness<'static, ParcelApp>, slide: usize) -> Vec<Shape> {
    h.state_mut().apply(Command::StartBriefing);
    h.run_steps(2);
    for _ in 0..slide {
        h.state_mut().apply(Command::NextSlide);
        h.run_steps(8);
    }
    h.run_steps(2);
    assert_eq!(h.state().briefing.slide, slide);
    flatten(&h.output().shapes)
}

/// The balance slide prints the whole table: every row of the plan's balance in
/// table order, 现状 and 规划, and the 合计 with the planning area.
#[test]
fn the_balance_slide_shows_the_whole_table_with_its_total() {
    let mut h = harness([1440.0, 900.0]);
    let slide = stats_slide(h.state());
    let shapes = briefing_at(&mut h, slide);
    let shown: Vec<(String, Rect)> = texts(&shapes).into_iter().map(|t| (t.1, t.2)).collect();
    let table = h
        .state_mut()
        .balance_for(StatsScope::Plan, StatsGroup::Class(1))
        .expect("the plan's balance");
    assert!(table.rows.len() > 8, "more rows than the old top eight");
    // The table stands at the left of the slide; the legend (which lists some of
    // the same classes) at the right.
    let shown: Vec<(String, Rect)> = shown.into_iter().filter(|t| t.1.left() < 700.0).collect();
    let mut last_y = f32::MIN;
    for r in &table.rows {
        let label = format!("{} {}", r.key, r.name);
        let (_, rect) = shown.iter().find(|(t, _)| *t == label).unwrap_or_else(|| {
            panic!(
                "{label} is not on the slide: {:?}",
                shown
                    .iter()
                    .filter(|t| t.0.chars().any(|c| c.is_ascii_digit()))
                    .map(|t| &t.0)
                    .collect::<Vec<_>>()
            )
        });
        assert!(rect.top() > last_y, "{label} out of table order");
        last_y = rect.top();
    }
    let total = shown
        .iter()
        .find(|(t, _)| t == "合计")
        .expect("the 合计 row");
    assert!(total.1.top() > last_y, "合计 comes last");
    let plan = table.total.plan.unwrap();
    let area = thousands_2(plan.area_ha_rounded);
    assert!(
        shown
            .iter()
            .any(|(t, r)| *t == area && (r.center().y - total.1.center().y).abs() < 2.0),
        "the 合计's area {area} on its row"
    );
    for head in ["现状", "规划", "增减"] {
        assert!(shown.iter().any(|(t, _)| t == head), "column {head}");
    }
}

/// The keys a presenter uses are set in light type on a dark bar, legible on any
/// basemap, and the legend keeps clear of the north arrow.
#[test]
fn key_hints_are_legible_and_the_legend_keeps_off_the_north_arrow() {
    for size in [[1440.0, 900.0], [1024.0, 700.0]] {
        let mut h = harness(size);
        let shapes = briefing_at(&mut h, 0);
        let all = texts(&shapes);
        let (k, _, hint, colour) = all
            .iter()
            .find(|t| t.1.contains("Esc 退出"))
            .cloned()
            .expect("the key hints");
        let luminance =
            |c: Color32| 0.3 * f32::from(c.r()) + 0.59 * f32::from(c.g()) + 0.11 * f32::from(c.b());
        assert!(luminance(colour) > 200.0, "hint ink {colour:?}");
        let ground = shapes[..k].iter().rev().find_map(|s| match s {
            Shape::Rect(r) if r.rect.contains_rect(hint) => Some(r.fill),
            _ => None,
        });
        let ground = ground.expect("a bar under the hints");
        assert!(luminance(ground) < 60.0 && ground.a() > 200, "{ground:?}");
        let (k, _, heading, _) = all
            .iter()
            .find(|t| t.1 == "图例")
            .cloned()
            .expect("the legend");
        let legend = shapes[..k]
            .iter()
            .rev()
            .find_map(|s| match s {
                Shape::Rect(r) if r.rect.contains_rect(heading) => Some(r.rect),
                _ => None,
            })
            .expect("the legend's panel");
        let north = all
            .iter()
            .find(|t| t.1 == "N")
            .map(|t| t.2)
            .expect("the north arrow's N");
        assert!(
            !legend.intersects(north),
            "{size:?}: {legend:?} covers {north:?}"
        );
        assert!(legend.left() > north.right(), "{size:?}");
    }
}

/// A rubber band or measuring line reads on every land-use colour of both
/// standards: its white halo or its dark shadow stands well apart from the fill.
#[test]
fn sketch_lines_stand_out_on_every_land_use_colour() {
    use parcelview::app::map::draw::delta_e;
    let (shadow, halo, line) = parcelview::app::map::tools::sketch_strokes();
    assert!(shadow.width > halo.width && halo.width > line.width);
    let rgb = |c: Color32| {
        let [r, g, b, _] = c.to_srgba_unmultiplied();
        [r, g, b]
    };
    for class in &parcelview::landuse::LanduseTable::global().classes {
        let best = delta_e(rgb(halo.color), class.rgb).max(delta_e(rgb(shadow.color), class.rgb));
        assert!(
            best >= 30.0,
            "{} {}: ΔE {best:.1}",
            class.code,
            class.name_zh
        );
    }
}
