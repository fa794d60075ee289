//! Parcel report cards read back: the 界址点成果表's order and orientation
//! (clockwise from the north-west corner, J1 repeated, sides adding up to the
//! perimeter) in the model, the workbook and the PDF; multi-part parcels numbered
//! 第1块 and 第2块; Y with the zone number; the 规划条件 with their units, stated
//! as control values (容积率 ≤, 绿地率 ≥, the other way round on industrial land);
//! facilities judged by their own service radius and the one on the parcel
//! marked 本地块; continuation pages naming their parcel; a long boundary set in
//! column groups side by side, reading down each, on two pages; one bookmark a
//! card; and the location marker, red, clear of the scale bar.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::documents::{outline_titles, pages_of};
use calamine::{Data, Reader, Xlsx, open_workbook};
use parcelview::crs::GaussKruger;
use parcelview::io::{LoadOptions, load_bytes};
use parcelview::model::Layer;
use parcelview::report::{
    self, BoundaryPoint, CARD_CM_DEG, Card, Progress, ReportKind, ReportLang, ReportRequest,
};

/// A quadrilateral given counter-clockwise from its south-east corner, with a
/// repeated vertex (0.1 mm apart) and a hole given clockwise from its south-east
/// corner; a two-part parcel; a round parcel of 120 vertices, long enough to run
/// its 界址点 table onto more pages; and a small parcel 4 km west, at the
/// south-west corner of a district wider than the location map, where the map's
/// scale bar is.
fn parcels_json() -> String {
    let circle: Vec<String> = (0..=120)
        .map(|k| {
            let a = f64::from(k % 120) / 120.0 * std::f64::consts::TAU;
            // About 150 m: 1° of latitude is 110.9 km, of longitude 95.3 km here.
            let (lon, lat) = (
                120.7010 + 150.0 / 95_300.0 * a.cos(),
                30.7700 + 150.0 / 110_900.0 * a.sin(),
            );
            format!("[{lon:.9},{lat:.9}]")
        })
        .collect();
    format!(
        r#"{{"type":"FeatureCollection","features":[
{{"type":"Feature","properties":{{"地块编号":"KG-T-0001","用地代码":"070102/090101","兼容比例":"70/30","容积率":2.0,"建筑密度":35,"绿地率":0.3,"限高":24,"配套设施":"幼儿园1处","状态":"规划"}},
 "geometry":{{"type":"Polygon","coordinates":[
  [[120.7020,30.7502],[120.7021,30.7521],[120.702100001,30.7521],[120.7000,30.7520],[120.6999,30.7501],[120.7020,30.7502]],
  [[120.7013,30.7509],[120.7008,30.7509],[120.7008,30.7514],[120.7013,30.7514],[120.7013,30.7509]]]}}}},
{{"type":"Feature","properties":{{"地块编号":"KG-T-0002","用地代码":"100101","限高":30}},
 "geometry":{{"type":"MultiPolygon","coordinates":[
  [[[120.6980,30.7560],[120.6990,30.7560],[120.6990,30.7550],[120.6980,30.7550],[120.6980,30.7560]]],
  [[[120.6960,30.7545],[120.6970,30.7545],[120.6970,30.7535],[120.6960,30.7535],[120.6960,30.7545]]]]}}}},
{{"type":"Feature","properties":{{"地块编号":"KG-T-0003","用地代码":"0901","容积率":1.5}},
 "geometry":{{"type":"Polygon","coordinates":[[{}]]}}}},
{{"type":"Feature","properties":{{"地块编号":"KG-T-0004","用地代码":"100101"}},
 "geometry":{{"type":"Polygon","coordinates":[[[120.6600,30.7450],[120.6603,30.7450],[120.6603,30.7453],[120.6600,30.7453],[120.6600,30.7450]]]}}}}
]}}"#,
        circle.join(",")
    )
}

/// Facilities around KG-T-0001 (whose east edge is near 120.70205°E): a
/// kindergarten on it, a hospital 1.5 km east serving 2 km, a health station
/// 700 m east serving 500 m, a police station 1.5 km east serving 800 m, and a
/// park 400 m east with no radius.
const FACILITIES: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"名称":"测试幼儿园","类型":"幼儿园","服务半径_m":300,"规模":12,"规模单位":"班"},"geometry":{"type":"Point","coordinates":[120.7010,30.7516]}},
{"type":"Feature","properties":{"名称":"测试医院","类型":"医院","服务半径_m":2000,"规模":500,"规模单位":"床"},"geometry":{"type":"Point","coordinates":[120.7178,30.7511]}},
{"type":"Feature","properties":{"名称":"测试卫生站","类型":"社区卫生服务站","服务半径_m":500,"规模":"60","规模单位":"m²"},"geometry":{"type":"Point","coordinates":[120.7094,30.7511]}},
{"type":"Feature","properties":{"名称":"测试派出所","类型":"派出所","服务半径_m":800},"geometry":{"type":"Point","coordinates":[120.7178,30.7505]}},
{"type":"Feature","properties":{"名称":"测试公园","类型":"公园"},"geometry":{"type":"Point","coordinates":[120.7063,30.7511]}}
]}"#;

fn parcels() -> Layer {
    load_bytes(
        parcels_json().as_bytes(),
        "parcels.geojson",
        &LoadOptions::default(),
    )
    .unwrap()
}

fn facilities() -> Layer {
    load_bytes(
        FACILITIES.as_bytes(),
        "facilities.geojson",
        &LoadOptions::default(),
    )
    .unwrap()
}

fn all(layer: &Layer) -> Vec<usize> {
    (0..layer.len()).collect()
}

fn cards_of(layer: &Layer, lang: ReportLang) -> Vec<Card> {
    report::cards(layer, &all(layer), Some(&facilities()), lang).unwrap()
}

fn card<'a>(cards: &'a [Card], id: &str) -> &'a Card {
    cards.iter().find(|c| c.parcel.id == id).unwrap()
}

/// Writes the cards of every parcel to `out` (its extension chooses the format).
fn write(layer: &Layer, out: &Path, lang: ReportLang, zone_prefix: bool) {
    let fac = facilities();
    let features = all(layer);
    report::write_report(
        &ReportRequest {
            layer,
            facilities: Some(&fac),
            features: &features,
            kind: ReportKind::Cards,
            lang,
            title: "测试卡片",
            method: parcelview::stats::AreaMethod::Ellipsoidal,
            page: Default::default(),
            map: Default::default(),
            options: Default::default(),
            balance: None,
            zone_prefix,
        },
        out,
        &[],
        &Progress::new(),
    )
    .unwrap();
}

/// Twice the signed area of a ring of points (x east, y north): positive when
/// it runs counter-clockwise.
fn twice_signed_area(points: &[&BoundaryPoint]) -> f64 {
    let o = points[0];
    let n = points.len();
    (0..n)
        .map(|k| {
            let (a, b) = (points[k], points[(k + 1) % n]);
            (a.y_east_m - o.y_east_m) * (b.x_north_m - o.x_north_m)
                - (b.y_east_m - o.y_east_m) * (a.x_north_m - o.x_north_m)
        })
        .sum()
}

/// The points of one ring of a card, closing repeat included.
fn ring(c: &Card, part: usize, ring: usize) -> Vec<&BoundaryPoint> {
    c.boundary
        .iter()
        .filter(|b| b.part == part && b.ring == ring)
        .collect()
}

/// A lon/lat vertex in the card's plane, (X north, Y east).
fn plane(lon: f64, lat: f64) -> (f64, f64) {
    let gk = GaussKruger::new(CARD_CM_DEG).unwrap();
    let p = gk.forward(geo::coord! { x: lon, y: lat }).unwrap();
    (p.y, p.x)
}

fn near(b: &BoundaryPoint, (x, y): (f64, f64)) -> bool {
    (b.x_north_m - x).abs() < 1e-3 && (b.y_east_m - y).abs() < 1e-3
}

#[test]
fn points_run_clockwise_from_the_north_west_corner_and_close_on_j1() {
    let cards = cards_of(&parcels(), ReportLang::Zh);
    let c = card(&cards, "KG-T-0001");
    let outer = ring(c, 1, 0);
    // Four corners (the repeated vertex collapsed) and J1 again.
    let labels: Vec<&str> = outer.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["J1", "J2", "J3", "J4", "J1"]);
    // From the north-west corner, clockwise: NW, NE, SE, SW, back to NW.
    let corners = [
        plane(120.7000, 30.7520),
        plane(120.7021, 30.7521),
        plane(120.7020, 30.7502),
        plane(120.6999, 30.7501),
        plane(120.7000, 30.7520),
    ];
    for (b, corner) in outer.iter().zip(corners) {
        assert!(near(b, corner), "{} at {b:?}, not {corner:?}", b.label);
    }
    let distinct: Vec<&BoundaryPoint> = outer[..4].to_vec();
    assert!(
        twice_signed_area(&distinct) < 0.0,
        "the outer ring runs clockwise"
    );
    // Each side is the distance to the next point; the closing repeat has none; the
    // sides add up to the ring's perimeter.
    assert_eq!(outer[4].side_m, None);
    let mut perimeter = 0.0;
    for w in outer.windows(2) {
        let d = (w[1].x_north_m - w[0].x_north_m).hypot(w[1].y_east_m - w[0].y_east_m);
        assert!((w[0].side_m.unwrap() - d).abs() < 1e-6);
        perimeter += d;
    }
    let sides: f64 = outer.iter().filter_map(|b| b.side_m).sum();
    assert!((sides - perimeter).abs() < 1e-6);
    // The perimeter of the input ring, projected independently: the collapsed
    // vertex adds nothing.
    let input: Vec<(f64, f64)> = [
        (120.7020, 30.7502),
        (120.7021, 30.7521),
        (120.702100001, 30.7521),
        (120.7000, 30.7520),
        (120.6999, 30.7501),
        (120.7020, 30.7502),
    ]
    .iter()
    .map(|(lon, lat)| plane(*lon, *lat))
    .collect();
    let want: f64 = input
        .windows(2)
        .map(|w| (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1))
        .sum();
    assert!((sides - want).abs() < 1e-3, "{sides} vs {want}");

    // The hole follows, numbered on (J5…), counter-clockwise from its own
    // north-west corner, and closes on its first point.
    let hole = ring(c, 1, 1);
    let labels: Vec<&str> = hole.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["J5", "J6", "J7", "J8", "J5"]);
    for (b, corner) in hole.iter().zip([
        plane(120.7008, 30.7514),
        plane(120.7008, 30.7509),
        plane(120.7013, 30.7509),
        plane(120.7013, 30.7514),
        plane(120.7008, 30.7514),
    ]) {
        assert!(near(b, corner), "{} at {b:?}", b.label);
    }
    assert!(
        twice_signed_area(&hole[..4]) > 0.0,
        "holes run counter-clockwise"
    );
    assert_eq!(c.boundary.len(), 10);
    assert_eq!((c.cm_deg, c.zone), (120.0, 40));

    // The round parcel: 120 points, clockwise, starting at the one nearest the
    // north-west corner of its box.
    let round = card(&cards, "KG-T-0003");
    let pts = ring(round, 1, 0);
    assert_eq!(pts.len(), 121);
    assert_eq!(pts[120].label, "J1");
    assert!(twice_signed_area(&pts[..120]) < 0.0);
    let west = pts.iter().map(|b| b.y_east_m).fold(f64::INFINITY, f64::min);
    let north = pts
        .iter()
        .map(|b| b.x_north_m)
        .fold(f64::NEG_INFINITY, f64::max);
    let d = |b: &BoundaryPoint| (b.y_east_m - west).hypot(b.x_north_m - north);
    assert!(pts[..120].iter().all(|b| d(pts[0]) <= d(b) + 1e-9));
    // 135° on the circle is its north-west point.
    assert!(near(
        pts[0],
        plane(
            120.7010 - 150.0 / 95_300.0 * 0.5f64.sqrt(),
            30.7700 + 150.0 / 110_900.0 * 0.5f64.sqrt()
        )
    ));
}

#[test]
fn each_part_of_a_multi_part_parcel_is_numbered_on_its_own() {
    let cards = cards_of(&parcels(), ReportLang::Zh);
    let c = card(&cards, "KG-T-0002");
    let parts: Vec<(usize, usize, &str)> = c
        .boundary
        .iter()
        .map(|b| (b.part, b.ring, b.label.as_str()))
        .collect();
    assert_eq!(
        parts,
        [
            (1, 0, "J1"),
            (1, 0, "J2"),
            (1, 0, "J3"),
            (1, 0, "J4"),
            (1, 0, "J1"),
            (2, 0, "J5"),
            (2, 0, "J6"),
            (2, 0, "J7"),
            (2, 0, "J8"),
            (2, 0, "J5"),
        ]
    );
    // Each part from its own north-west corner.
    assert!(near(&c.boundary[0], plane(120.6980, 30.7560)));
    assert!(near(&c.boundary[5], plane(120.6960, 30.7545)));
    assert!(
        near(&c.boundary[6], plane(120.6970, 30.7545)),
        "clockwise: NE next"
    );
}

#[test]
fn conditions_have_units_the_floor_area_and_the_compatible_use() {
    let layer = parcels();
    let cards = cards_of(&layer, ReportLang::Zh);
    let c = card(&cards, "KG-T-0001");
    let get = |label: &str, unit: &str| {
        c.conditions
            .iter()
            .find(|k| k.label == label && k.unit == unit)
            .map(|k| k.value.clone())
    };
    assert_eq!(
        get("用地性质", "").as_deref(),
        Some("070102 二类城镇住宅用地")
    );
    let area = c.parcel.area_m2;
    assert_eq!(get("用地面积", "m²"), Some(format!("{area:.2}")));
    assert_eq!(get("用地面积", "公顷"), Some(format!("{:.4}", area / 1e4)));
    assert_eq!(get("容积率", "").as_deref(), Some("2.0"));
    assert_eq!(
        get("计容建筑面积", "m²"),
        Some(format!("{:.0}", area * 2.0))
    );
    // 35 and 0.3 are both ratios, printed as percentages.
    assert_eq!(get("建筑密度", "%").as_deref(), Some("35"));
    assert_eq!(get("绿地率", "%").as_deref(), Some("30"));
    assert_eq!(get("建筑限高", "m").as_deref(), Some("24"));
    assert_eq!(
        get("兼容用地", "").as_deref(),
        Some("090101 零售商业用地 30%")
    );
    assert_eq!(get("配套设施", "").as_deref(), Some("幼儿园1处"));
    // Missing values are left out, not printed as 0.
    let two = card(&cards, "KG-T-0002");
    let labels: Vec<&str> = two.conditions.iter().map(|k| k.label.as_str()).collect();
    for absent in ["容积率", "计容建筑面积", "建筑密度", "绿地率", "兼容用地"] {
        assert!(!labels.contains(&absent), "{absent} in {labels:?}");
    }
    assert!(labels.contains(&"建筑限高"));
    // English names in English.
    let en = cards_of(&layer, ReportLang::En);
    let c = card(&en, "KG-T-0001");
    let k = c
        .conditions
        .iter()
        .find(|k| k.label == "Compatible uses")
        .unwrap();
    assert_eq!(k.value, "090101 Retail land 30%");
    assert!(
        c.conditions
            .iter()
            .any(|k| k.label == "Site area" && k.unit == "ha")
    );
}

#[test]
fn facilities_are_judged_by_their_own_radius_and_the_one_on_the_parcel_is_marked() {
    let cards = cards_of(&parcels(), ReportLang::Zh);
    let c = card(&cards, "KG-T-0001");
    let names: Vec<&str> = c.facilities.iter().map(|f| f.name.as_str()).collect();
    // Nearest first; the police station 1.5 km away serves 800 m and is left out,
    // the hospital as far away serves 2 km and is listed.
    assert_eq!(names, ["测试幼儿园", "测试公园", "测试卫生站", "测试医院"]);
    let f = |name: &str| c.facilities.iter().find(|f| f.name == name).unwrap();
    let kg = f("测试幼儿园");
    assert!(kg.on_parcel && kg.distance_m == 0.0);
    assert_eq!(kg.scale, "12班");
    assert_eq!(kg.within_radius(), Some(true));
    let hospital = f("测试医院");
    assert!(
        (1300.0..1700.0).contains(&hospital.distance_m),
        "{}",
        hospital.distance_m
    );
    assert_eq!(hospital.service_radius_m, Some(2000.0));
    assert_eq!(hospital.within_radius(), Some(true));
    assert!(!hospital.on_parcel);
    assert_eq!(hospital.scale, "500床");
    let station = f("测试卫生站");
    assert!((500.0..1000.0).contains(&station.distance_m));
    assert_eq!(station.within_radius(), Some(false));
    assert_eq!(station.scale, "60 m²");
    assert_eq!(f("测试公园").within_radius(), None);
}

/// The rows of a workbook sheet under the heading row whose third cell is
/// `marker`.
fn rows_under(path: &Path, sheet: &str, col: usize, marker: &str) -> Vec<Vec<Data>> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let range = wb.worksheet_range(sheet).unwrap();
    let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    let at = rows
        .iter()
        .position(|r| r.get(col) == Some(&Data::String(marker.into())))
        .unwrap_or_else(|| panic!("no heading {marker} in {sheet}"));
    rows[at + 1..].to_vec()
}

fn float(d: &Data) -> f64 {
    match d {
        Data::Float(v) => *v,
        other => panic!("not a number: {other:?}"),
    }
}

#[test]
fn the_workbook_lists_the_points_in_the_same_order_with_parts_and_zone() {
    let dir = tempfile::tempdir().unwrap();
    let layer = parcels();
    let cards = cards_of(&layer, ReportLang::Zh);
    for zone_prefix in [false, true] {
        let out = dir.path().join(format!("cards-{zone_prefix}.xlsx"));
        write(&layer, &out, ReportLang::Zh, zone_prefix);
        let rows = rows_under(&out, "界址点成果表", 2, "点号");
        let want: Vec<(&Card, &BoundaryPoint)> = cards
            .iter()
            .flat_map(|c| c.boundary.iter().map(move |b| (c, b)))
            .collect();
        assert_eq!(rows.len(), want.len());
        for (row, (c, b)) in rows.iter().zip(&want) {
            assert_eq!(row[0], Data::String(c.parcel.id.clone()));
            assert_eq!(row[2], Data::String(b.label.clone()));
            assert!((float(&row[3]) - b.x_north_m).abs() < 1e-6);
            let y = float(&row[4]);
            if zone_prefix {
                assert!((y - (40_000_000.0 + b.y_east_m)).abs() < 1e-6, "{y}");
            } else {
                assert!((y - b.y_east_m).abs() < 1e-6 && y < 1e6, "{y}");
            }
            match b.side_m {
                Some(s) => assert!((float(&row[5]) - s).abs() < 1e-6),
                None => assert!(matches!(row[5], Data::Empty | Data::String(_))),
            }
        }
        let parts: Vec<String> = rows
            .iter()
            .filter(|r| r[0] == Data::String("KG-T-0002".into()))
            .map(|r| r[1].to_string())
            .collect();
        assert_eq!(parts[0], "第1块");
        assert_eq!(parts[9], "第2块");
        let hole: Vec<String> = rows
            .iter()
            .filter(|r| r[0] == Data::String("KG-T-0001".into()))
            .map(|r| r[1].to_string())
            .collect();
        assert_eq!(hole[5], "第1块（内圈1）");
    }
    // The facilities sheet marks the one on the parcel.
    let out = dir.path().join("cards-false.xlsx");
    let rows = rows_under(&out, "周边设施", 1, "设施名称");
    let kg = rows
        .iter()
        .find(|r| {
            r[0] == Data::String("KG-T-0001".into()) && r[1] == Data::String("测试幼儿园".into())
        })
        .unwrap();
    assert_eq!(kg[7], Data::String("本地块".into()));
}

fn pdf_of(dir: &Path, name: &str, lang: ReportLang, zone_prefix: bool) -> PathBuf {
    let out = dir.join(name);
    write(&parcels(), &out, lang, zone_prefix);
    out
}

/// The pages of one card: from the page that starts it to the next card's.
fn card_pages<'a>(pages: &'a [String], id: &str, start: &str) -> &'a [String] {
    let first = pages
        .iter()
        .position(|p| {
            p.contains(&format!("{start}{id}"))
                && !p.contains("（续）")
                && !p.contains("(continued)")
        })
        .unwrap_or_else(|| panic!("no card for {id}"));
    let end = pages[first + 1..]
        .iter()
        .position(|p| !p.contains(id))
        .map_or(pages.len(), |k| first + 1 + k);
    &pages[first..end]
}

#[test]
fn the_pdf_lists_the_points_down_the_page_and_continues_under_the_parcel_name() {
    let dir = tempfile::tempdir().unwrap();
    let cards = cards_of(&parcels(), ReportLang::Zh);
    let out = pdf_of(dir.path(), "cards.pdf", ReportLang::Zh, false);
    let pages = pages_of(&out);
    // One bookmark a card, naming its parcel, in id order.
    let titles = outline_titles(&out);
    assert_eq!(titles.len(), cards.len(), "{titles:?}");
    for (t, c) in titles.iter().zip(&cards) {
        assert!(t.starts_with(&c.parcel.id), "{t}");
    }
    let starts = pages
        .iter()
        .filter(|p| p.contains("地块报告卡") && !p.contains("（续）"))
        .count();
    assert_eq!(starts, cards.len());

    // The round parcel's 121 rows run onto more pages, each headed by the card's
    // name and the table's header.
    let round = card(&cards, "KG-T-0003");
    let own = card_pages(&pages, "KG-T-0003", "地块报告卡");
    assert!(own.len() >= 2, "{} pages", own.len());
    for p in &own[1..] {
        assert!(p.starts_with("地块报告卡KG-T-0003（续）"), "{p}");
        assert!(
            p.contains("点号") && p.contains("边长"),
            "the header is repeated: {p}"
        );
    }
    assert!(own[0].contains("坐标系：CGCS2000") && own[0].contains("中央子午线120°E，带号40"));
    // Down the page and on to the next: each point's X first appears after the
    // previous point's (a table in several columns across would put J2 after the
    // first point of the next column).
    let text: String = own.concat();
    let mut at = 0;
    for b in round.boundary.iter().filter(|b| b.side_m.is_some()) {
        let x = format!("{:.3}", b.x_north_m);
        let found = text
            .find(&x)
            .unwrap_or_else(|| panic!("{} missing", b.label));
        assert!(found >= at, "{} is out of order", b.label);
        at = found + x.len();
    }
    // J1 closes the ring: its coordinates again after the last point.
    let j1 = format!("{:.3}", round.boundary[0].x_north_m);
    assert!(text[at..].contains(&j1), "J1 is not repeated at the end");
    assert!(!text.contains('…'));

    // The multi-part parcel's parts, the facilities' radius and 本地块.
    let two = card_pages(&pages, "KG-T-0002", "地块报告卡").concat();
    assert!(two.contains("第1块") && two.contains("第2块"));
    let one = card_pages(&pages, "KG-T-0001", "地块报告卡").concat();
    for word in [
        "规划条件",
        "计容建筑面积（m²）",
        "兼容用地",
        "090101零售商业用地30%",
        "本地块",
        "服务半径（m）",
        "12班",
        "2000",
    ] {
        assert!(one.contains(word), "KG-T-0001's card lacks {word}: {one}");
    }
    assert!(
        !one.contains("测试派出所"),
        "the police station does not serve the parcel"
    );
}

#[test]
fn zone_prefix_and_english_continuation_in_the_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let cards = cards_of(&parcels(), ReportLang::En);
    let out = pdf_of(dir.path(), "en.pdf", ReportLang::En, true);
    let pages = pages_of(&out);
    let own = card_pages(&pages, "KG-T-0003", "Reportcard");
    assert!(own.len() >= 2);
    for p in &own[1..] {
        assert!(p.starts_with("ReportcardKG-T-0003(continued)"), "{p}");
    }
    let text = own.concat();
    let round = card(&cards, "KG-T-0003");
    for b in round.boundary.iter().take(5) {
        let y = format!("{:.3}", 40_000_000.0 + b.y_east_m);
        assert!(text.contains(&y), "Y {y} with the zone number");
    }
    assert!(text.contains("zone40"));
    assert_eq!(outline_titles(&out).len(), cards.len());
}

#[test]
fn the_location_marker_stays_clear_of_the_scale_bar() {
    use parcelview::render::map_image::{MapImage, overlay};
    use parcelview::report::pdf::Op;
    let layer = parcels();
    let cards = cards_of(&layer, ReportLang::Zh);
    let options = parcelview::report::xlsx::CardsOptions::default();
    let l = parcelview::report::pdf::cards_layout(
        &cards,
        &layer,
        &Default::default(),
        Default::default(),
        ReportLang::Zh,
        &options,
        &Progress::new(),
    )
    .unwrap();
    // The south-west parcel's card: its first page's first image is the location
    // map, the ring the marker.
    let k = cards
        .iter()
        .position(|c| c.parcel.id == "KG-T-0004")
        .unwrap();
    let (page, _, _) = l.bookmarks[k];
    let ops = &l.pages[page];
    let (ix, iy, iw, ih) = ops
        .iter()
        .find_map(|op| match op {
            Op::Image { x, y, w, h, .. } => Some((*x, *y, *w, *h)),
            _ => None,
        })
        .unwrap();
    let ring_bottom = ops
        .iter()
        .filter_map(|op| match op {
            Op::Path {
                points,
                close: true,
                fill: None,
                ..
            } if points.len() == 32 => points.iter().map(|p| p.1).reduce(f32::max),
            _ => None,
        })
        .reduce(f32::max)
        .expect("a marker ring");
    let ring_left = ops
        .iter()
        .filter_map(|op| match op {
            Op::Path {
                points,
                close: true,
                fill: None,
                ..
            } if points.len() == 32 => points.iter().map(|p| p.0).reduce(f32::min),
            _ => None,
        })
        .reduce(f32::min)
        .unwrap();
    assert!(ring_left >= ix && ring_bottom <= iy + ih);
    // Red, over a white halo: "here" on any land-use colour.
    let red = |rgb: &[u8; 3]| rgb[0] >= 200 && rgb[1] <= 60 && rgb[2] <= 60;
    let rings: Vec<([u8; 3], f32)> = ops
        .iter()
        .filter_map(|op| match op {
            Op::Path {
                points,
                close: true,
                fill: None,
                stroke: Some(s),
            } if points.len() == 32 => Some(*s),
            _ => None,
        })
        .collect();
    assert!(
        rings.iter().any(|(rgb, _)| red(rgb)) && rings.iter().any(|(rgb, _)| *rgb == [255; 3]),
        "{rings:?}"
    );
    assert!(
        ops.iter()
            .any(|op| matches!(op, Op::Path { fill: Some(f), .. } if red(f))),
        "the parcel is filled red"
    );
    assert!(
        !ops.iter().any(|op| matches!(op,
            Op::Path { stroke: Some((rgb, _)), .. } | Op::Path { fill: Some(rgb), .. }
                if rgb[2] > 150 && rgb[0] < 60)),
        "no blue mark is left"
    );
    // The scale bar's panel at one pixel a point, in the map's bottom-left
    // corner: its top is at the same height whatever the map shows.
    let img = MapImage {
        layers: Vec::new(),
        basemap: None,
        bbox: layer.bbox().unwrap(),
        width_px: iw.round() as u32,
        height_px: ih.round() as u32,
        dpi: 72.0,
        title: None,
        chinese: true,
        legend: false,
        spotlight: false,
        sheet: Default::default(),
    };
    let bar = overlay(&img).scale_bar.expect("a scale bar").bounds;
    assert!(
        ring_bottom < iy + bar.y - 1.0,
        "the marker (down to {ring_bottom}) reaches the scale bar (from {})",
        iy + bar.y
    );
    // The parcel is at the district's south-west corner: the marker is where the
    // scale bar would be, left to right.
    assert!(
        ring_left < ix + bar.x + bar.w,
        "{ring_left} vs {}",
        ix + bar.x + bar.w
    );
}

#[test]
fn conditions_are_stated_as_control_values_with_their_sense() {
    let layer = parcels();
    let cards = cards_of(&layer, ReportLang::Zh);
    let c = card(&cards, "KG-T-0001");
    let stated = |label: &str, unit: &str| {
        let k = c
            .conditions
            .iter()
            .find(|k| k.label == label && k.unit == unit)
            .unwrap_or_else(|| panic!("no {label}"));
        (c.limit(k).map(|l| l.sign()), c.control_value(k))
    };
    let area = c.parcel.area_m2;
    // Residential land: the indicators are capped, the green ratio is a minimum.
    assert_eq!(stated("容积率", ""), (Some("≤"), "≤ 2.0".to_string()));
    assert_eq!(
        stated("计容建筑面积", "m²"),
        (Some("≤"), format!("≤ {:.0}", area * 2.0))
    );
    assert_eq!(stated("建筑密度", "%"), (Some("≤"), "≤ 35".to_string()));
    assert_eq!(stated("绿地率", "%"), (Some("≥"), "≥ 30".to_string()));
    assert_eq!(stated("建筑限高", "m"), (Some("≤"), "≤ 24".to_string()));
    // What is not a control value is stated as it is.
    for (label, unit) in [
        ("用地性质", ""),
        ("用地面积", "m²"),
        ("用地面积", "公顷"),
        ("兼容用地", ""),
        ("配套设施", ""),
    ] {
        let (sign, value) = stated(label, unit);
        assert_eq!(sign, None, "{label} has a sense");
        assert!(!value.contains('≤') && !value.contains('≥'), "{value}");
    }

    // Industrial land is held to a least FAR and density and a most green ratio;
    // a value the data give as a range keeps its own form; a setback is a
    // minimum.
    let industrial = load_bytes(
        r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"地块编号":"KG-T-0101","用地代码":"100101","容积率":1.5,"建筑密度":45,"绿地率":12,"限高":30,"建筑退线":10},
 "geometry":{"type":"Polygon","coordinates":[[[120.70,30.75],[120.701,30.75],[120.701,30.751],[120.70,30.751],[120.70,30.75]]]}},
{"type":"Feature","properties":{"地块编号":"KG-T-0102","用地代码":"070102","容积率":"1.2–2.0","绿地率":"≥35"},
 "geometry":{"type":"Polygon","coordinates":[[[120.702,30.75],[120.703,30.75],[120.703,30.751],[120.702,30.751],[120.702,30.75]]]}}
]}"#
        .as_bytes(),
        "industrial.geojson",
        &LoadOptions::default(),
    )
    .unwrap();
    let cards = report::cards(&industrial, &all(&industrial), None, ReportLang::Zh).unwrap();
    let values = |id: &str| -> Vec<(String, String)> {
        let c = card(&cards, id);
        c.conditions
            .iter()
            .map(|k| (k.label.clone(), c.control_value(k)))
            .collect()
    };
    let m = values("KG-T-0101");
    for (label, want) in [
        ("容积率", "≥ 1.5"),
        ("建筑密度", "≥ 45"),
        ("绿地率", "≤ 12"),
        ("建筑限高", "≤ 30"),
        ("建筑退线", "≥ 10"),
    ] {
        assert!(
            m.contains(&(label.to_string(), want.to_string())),
            "{label} {want} not in {m:?}"
        );
    }
    assert!(
        m.iter()
            .any(|(l, v)| l == "计容建筑面积" && v.starts_with("≥ "))
    );
    let r = values("KG-T-0102");
    assert!(
        r.contains(&("容积率".to_string(), "1.2–2.0".to_string())),
        "{r:?}"
    );
    assert!(
        r.contains(&("绿地率".to_string(), "≥35".to_string())),
        "{r:?}"
    );

    // The PDF prints the sign before the value, in both languages.
    let dir = tempfile::tempdir().unwrap();
    let pages = pages_of(&pdf_of(dir.path(), "limits.pdf", ReportLang::Zh, false));
    let one = card_pages(&pages, "KG-T-0001", "地块报告卡").concat();
    for word in [
        "容积率≤2.0".to_string(),
        format!("计容建筑面积（m²）≤{:.0}", area * 2.0),
        "建筑密度（%）≤35".to_string(),
        "绿地率（%）≥30".to_string(),
        "建筑限高（m）≤24".to_string(),
    ] {
        assert!(one.contains(&word), "the card lacks {word}: {one}");
    }
    let pages = pages_of(&pdf_of(dir.path(), "limits-en.pdf", ReportLang::En, false));
    let one = card_pages(&pages, "KG-T-0001", "Reportcard").concat();
    for word in [
        "Floorarearatio≤2.0",
        "Greenratio(%)≥30",
        "Heightlimit(m)≤24",
    ] {
        assert!(one.contains(word), "the card lacks {word}: {one}");
    }
}

/// The 界址点 labels (J1, J2 …) a page of a laid-out document draws, with their
/// positions, in drawing order.
fn point_labels(ops: &[parcelview::report::pdf::Op]) -> Vec<(f32, f32, String)> {
    use parcelview::report::pdf::Op;
    ops.iter()
        .filter_map(|op| match op {
            Op::Text { x, y, text, .. }
                if text.len() > 1
                    && text.starts_with('J')
                    && text[1..].bytes().all(|b| b.is_ascii_digit()) =>
            {
                Some((*x, *y, text.clone()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_long_boundary_reads_down_two_column_groups_on_two_pages() {
    use parcelview::report::pdf::Op;
    let layer = parcels();
    let cards = cards_of(&layer, ReportLang::Zh);
    let l = parcelview::report::pdf::cards_layout(
        &cards,
        &layer,
        &Default::default(),
        Default::default(),
        ReportLang::Zh,
        &Default::default(),
        &Progress::new(),
    )
    .unwrap();
    let k = cards
        .iter()
        .position(|c| c.parcel.id == "KG-T-0003")
        .unwrap();
    let round = &cards[k];
    let first = l.bookmarks[k].0;
    let end = l.bookmarks.get(k + 1).map_or(l.pages.len(), |b| b.0);
    // 121 rows (120 points and J1 again) on an A4 portrait card of two pages,
    // where one narrow column took four.
    assert_eq!(end - first, 2, "the long card's pages");
    let mut read: Vec<String> = Vec::new();
    for (n, page) in l.pages[first..end].iter().enumerate() {
        let labels = point_labels(page);
        // The groups of the page, left to right: the labels' left edges.
        let mut xs: Vec<f32> = labels.iter().map(|(x, _, _)| *x).collect();
        xs.sort_by(f32::total_cmp);
        xs.dedup_by(|a, b| (*a - *b).abs() < 20.0);
        assert_eq!(xs.len(), 2, "page {n}: groups at {xs:?}");
        // Each group with the full header.
        let heads = page
            .iter()
            .filter(
                |op| matches!(op, Op::Text { text, .. } if text == "点号" || text == "边长（m）"),
            )
            .count();
        assert_eq!(heads, 4, "page {n}: a header over each group");
        // Reading order: down the first group, then down the second.
        let mut placed = labels.clone();
        placed.sort_by(|a, b| {
            let group = |x: f32| xs.iter().position(|g| (x - g).abs() < 20.0);
            group(a.0).cmp(&group(b.0)).then(a.1.total_cmp(&b.1))
        });
        let drawn: Vec<&String> = labels.iter().map(|(_, _, t)| t).collect();
        let reading: Vec<&String> = placed.iter().map(|(_, _, t)| t).collect();
        assert_eq!(drawn, reading, "page {n} is drawn in reading order");
        read.extend(placed.into_iter().map(|(_, _, t)| t));
    }
    let want: Vec<String> = round.boundary.iter().map(|b| b.label.clone()).collect();
    assert_eq!(read, want, "every point once, in order, J1 closing");

    // Read back from the PDF: two pages, each group headed, the points in order.
    let dir = tempfile::tempdir().unwrap();
    let pages = pages_of(&pdf_of(dir.path(), "groups.pdf", ReportLang::Zh, false));
    let own = card_pages(&pages, "KG-T-0003", "地块报告卡");
    assert_eq!(own.len(), 2);
    assert!(own[1].starts_with("地块报告卡KG-T-0003（续）"));
    assert_eq!(own[1].matches("点号").count(), 2, "{}", own[1]);
    let text = own.concat();
    let mut at = 0;
    for b in &round.boundary {
        let x = format!("{}{:.3}", b.label, b.x_north_m);
        let found = text[at..]
            .find(&x)
            .unwrap_or_else(|| panic!("{} missing or out of order", b.label));
        at += found + x.len();
    }
}

#[test]
fn a_ninety_point_parcel_of_the_bundled_plan_fits_two_pages() {
    let dir = tempfile::tempdir().unwrap();
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/airport-city.json");
    let out = dir.path().join("long.pdf");
    // KG-A-0004 has 98 boundary points, KG-C-0203 two parts of 91.
    for id in ["KG-A-0004", "KG-C-0203"] {
        let o = Command::new(env!("CARGO_BIN_EXE_parcelview"))
            .args(["report", project.to_str().unwrap(), "--kind", "cards"])
            .args(["--ids", id, "--out", out.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let pages = pages_of(&out);
        assert_eq!(pages.len(), 2, "{id}: {} pages", pages.len());
        assert!(pages[1].starts_with(&format!("地块报告卡{id}（续）")));
        let text = pages.concat();
        assert!(
            text.contains("周边公共设施"),
            "{id}: the facilities are on the card"
        );
        if id == "KG-C-0203" {
            assert!(text.contains("第1块") && text.contains("第2块"));
        }
    }
}

#[test]
fn airport_and_park_land_state_no_control_values() {
    let layer = parcelview::io::load_path(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/parcels.geojson"),
        &parcelview::io::LoadOptions::default(),
        parcelview::io::LoadControl::default(),
    )
    .unwrap();
    // The airport (1203) and a park (1401) of the bundled plan, whose records carry
    // figures, and a residential parcel, whose figures are control values.
    let code = layer.field_index("用地代码").unwrap();
    let first_of = |prefix: &str| {
        (0..layer.len())
            .find(|&i| {
                layer
                    .value(i, code)
                    .to_text()
                    .is_some_and(|c| c.starts_with(prefix))
                    && layer
                        .role_f64(i, parcelview::model::FieldRole::Far)
                        .is_some()
            })
            .unwrap_or_else(|| panic!("no {prefix} parcel with a FAR"))
    };
    let (airport, park, home) = (first_of("1203"), first_of("1401"), first_of("0701"));
    let cards =
        parcelview::report::cards(&layer, &[airport, park, home], None, ReportLang::Zh).unwrap();
    for c in &cards {
        let has = |label: &str| c.conditions.iter().any(|k| k.label == label);
        let development = c.parcel.feature == home;
        for label in ["容积率", "计容建筑面积", "建筑密度", "绿地率", "建筑限高"]
        {
            assert_eq!(has(label), development, "{}: {label}", c.parcel.id);
        }
        assert!(has("用地性质") && has("用地面积"), "{}", c.parcel.id);
    }
}
