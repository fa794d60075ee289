//! Life-circle coverage against exact planar computations on small fixtures
//! (circle–square intersections, the union of two overlapping circles), the
//! GB 50180-2018 default radii, network distance along road surfaces with an
//! expressway barrier, and the bundled project (an independent polygon union,
//! JSON, table and XLSX read back).

use std::f64::consts::PI;
use std::path::PathBuf;

use geo::{Area, BooleanOps, Coord, MultiPolygon};
use parcelview::analysis::LocalFrame;
use parcelview::analysis::command::{self, OutputFormat};
use parcelview::analysis::coverage::{self, Circle, Residential};
use parcelview::analysis::network::{self, RoadGraph};
use parcelview::io::{LoadOptions, load_bytes};
use parcelview::model::Layer;
use parcelview::project::Project;
use serde_json::{Value, json};

/// The fixtures' plane: metres about a point of the district.
fn frame() -> LocalFrame {
    LocalFrame::new(Coord {
        x: 120.70,
        y: 30.75,
    })
    .unwrap()
}

fn ll(f: &LocalFrame, x: f64, y: f64) -> [f64; 2] {
    let p = f.to_lon_lat(Coord { x, y }).unwrap();
    [p.x, p.y]
}

/// A rectangle in plane metres as a GeoJSON polygon in lon/lat.
fn rect(f: &LocalFrame, x0: f64, y0: f64, x1: f64, y1: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[ll(f, x0, y0), ll(f, x1, y0), ll(f, x1, y1), ll(f, x0, y1), ll(f, x0, y0)]]})
}

fn layer(features: Vec<(Value, Value)>) -> Layer {
    let features: Vec<Value> = features
        .into_iter()
        .map(|(properties, geometry)| json!({"type": "Feature", "properties": properties, "geometry": geometry}))
        .collect();
    let text = json!({"type": "FeatureCollection", "features": features}).to_string();
    load_bytes(text.as_bytes(), "fixture", &LoadOptions::default()).unwrap()
}

fn point(f: &LocalFrame, x: f64, y: f64) -> Value {
    json!({"type": "Point", "coordinates": ll(f, x, y)})
}

/// The area of a circular segment of height `h` of a circle of radius `r`.
fn segment(r: f64, h: f64) -> f64 {
    r * r * ((r - h) / r).acos() - (r - h) * (2.0 * r * h - h * h).sqrt()
}

#[test]
fn single_circles_against_exact_areas() {
    let f = frame();
    let parcels = layer(vec![
        (
            json!({"地块编号": "P1", "用地代码": "070102", "容积率": 2.0}),
            rect(&f, -100.0, -100.0, 100.0, 100.0),
        ),
        (
            json!({"地块编号": "P2", "用地代码": "070102"}),
            rect(&f, 900.0, -100.0, 1100.0, 100.0),
        ),
        (
            json!({"地块编号": "P3", "用地代码": "0702", "容积率": 1.5}),
            rect(&f, -1100.0, -100.0, -900.0, 100.0),
        ),
        (
            json!({"地块编号": "P4", "用地代码": "070101", "容积率": 1.0}),
            rect(&f, -100.0, 2900.0, 100.0, 3100.0),
        ),
        (
            json!({"地块编号": "P5", "用地代码": "070102", "容积率": 2.5}),
            rect(&f, 490.0, 490.0, 510.0, 510.0),
        ),
        // Not residential: never counted.
        (
            json!({"地块编号": "X1", "用地代码": "100101", "容积率": 1.0}),
            rect(&f, 400.0, -100.0, 600.0, 100.0),
        ),
    ]);
    let facilities = layer(vec![
        (
            json!({"名称": "F1", "类型": "幼儿园", "服务半径_m": 100.0}),
            point(&f, 100.0, 0.0),
        ),
        (
            json!({"名称": "F2", "类型": "幼儿园", "服务半径_m": 50.0}),
            point(&f, 1100.0, 100.0),
        ),
        (
            json!({"名称": "F3", "类型": "幼儿园", "服务半径_m": 100.0}),
            point(&f, -1000.0, 150.0),
        ),
        (
            json!({"名称": "F4", "类型": "幼儿园", "服务半径_m": 100.0}),
            point(&f, 505.0, 505.0),
        ),
    ]);
    let residential = Residential::of_layer(&parcels).unwrap();
    let ids: Vec<&str> = residential.parcels.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["P1", "P2", "P3", "P4", "P5"]);
    let fs = coverage::read_facilities(&facilities, None);
    assert_eq!(fs.len(), 4);
    let refs: Vec<&coverage::Facility> = fs.iter().collect();
    let circles = coverage::circles_on(&residential.frame, &refs);
    let covers = coverage::cover_parcels(&residential.parcels, &circles);
    let square = 200.0 * 200.0;
    // Half a disk, a quarter of one, a segment 50 m high, nothing, everything.
    let expected = [
        PI * 100.0 * 100.0 / 2.0 / square,
        PI * 50.0 * 50.0 / 4.0 / square,
        segment(100.0, 50.0) / square,
        0.0,
        1.0,
    ];
    for ((p, c), e) in residential.parcels.iter().zip(&covers).zip(expected) {
        assert!(
            (c.share - e).abs() < 1e-6 * e.max(1e-3),
            "{}: {} vs {e}",
            p.id,
            c.share
        );
    }
    let t = coverage::summarise("幼儿园", &refs, &residential, &covers);
    assert_eq!(t.outside_ids, ["P4"]);
    assert_eq!(t.partly_outside_ids, ["P1", "P2", "P3"]);
    assert_eq!(
        (t.wholly_outside, t.partly_outside, t.residential_parcels),
        (1, 3, 5)
    );
    let areas: Vec<f64> = residential.parcels.iter().map(|p| p.area_m2).collect();
    let total: f64 = areas.iter().sum();
    let covered: f64 = areas.iter().zip(expected).map(|(a, e)| a * e).sum();
    assert!((t.residential_area_m2 - total).abs() < 1e-6);
    assert!(
        (t.covered_area_m2 - covered).abs() < 1e-3,
        "{} vs {covered}",
        t.covered_area_m2
    );
    assert!((t.covered_share - covered / total).abs() < 1e-9);
    // Floor area: area × FAR of the parcels with a FAR; P2 has none.
    let fars = [Some(2.0), None, Some(1.5), Some(1.0), Some(2.5)];
    let floor: f64 = areas
        .iter()
        .zip(fars)
        .filter_map(|(a, f)| f.map(|f| a * f))
        .sum();
    let covered_floor: f64 = areas
        .iter()
        .zip(fars)
        .zip(expected)
        .filter_map(|((a, f), e)| f.map(|f| a * f * e))
        .sum();
    assert!((t.floor_area_m2 - floor).abs() < 1e-3);
    assert!((t.covered_floor_area_m2 - covered_floor).abs() < 1e-3);
    assert_eq!(t.parcels_without_far, 1);
    assert_eq!(t.radius_m, 100.0);
    assert_eq!(t.radii_m, [50.0, 100.0]);
    // The circles for the map are round on the ground.
    for (_, poly) in coverage::circles_lon_lat(&residential.frame, &refs) {
        let a = parcelview::area::polygon_area_m2(&poly);
        assert!(a > PI * 50.0 * 50.0 * 0.999, "{a}");
    }
}

#[test]
fn overlapping_circles_against_the_exact_union() {
    let f = frame();
    let parcels = layer(vec![
        (
            json!({"地块编号": "BIG", "用地代码": "070102"}),
            rect(&f, -500.0, -500.0, 500.0, 500.0),
        ),
        (
            json!({"地块编号": "WAIST", "用地代码": "070102"}),
            rect(&f, 2990.0, -10.0, 3010.0, 10.0),
        ),
    ]);
    let residential = Residential::of_layer(&parcels).unwrap();
    let to = |x: f64, y: f64| {
        residential
            .frame
            .to_local(f.to_lon_lat(Coord { x, y }).unwrap())
            .unwrap()
    };
    let circles = [
        Circle {
            centre: to(-30.0, 0.0),
            radius_m: 100.0,
        },
        Circle {
            centre: to(30.0, 0.0),
            radius_m: 100.0,
        },
        // Two circles that together cover the small square, neither alone.
        Circle {
            centre: to(2992.0, 0.0),
            radius_m: 15.0,
        },
        Circle {
            centre: to(3008.0, 0.0),
            radius_m: 15.0,
        },
    ];
    let covers = coverage::cover_parcels(&residential.parcels, &circles);
    // Two circles of 100 m, 60 m apart: 2πr² less the lens between them.
    let (r, d): (f64, f64) = (100.0, 60.0);
    let lens = 2.0 * r * r * (d / (2.0 * r)).acos() - d / 2.0 * (4.0 * r * r - d * d).sqrt();
    let union = 2.0 * PI * r * r - lens;
    let share = union / 1e6;
    assert!(
        (covers[0].share - share).abs() < 1e-4 * share,
        "{} vs {share}",
        covers[0].share
    );
    assert_eq!(covers[1].share, 1.0);
}

#[test]
fn radii_come_from_the_field_else_from_gb_50180() {
    let f = frame();
    let facilities = layer(vec![
        (json!({"名称": "A", "类型": "幼儿园"}), point(&f, 0.0, 0.0)),
        (
            json!({"名称": "B", "类型": "小学", "服务半径_m": null}),
            point(&f, 10.0, 0.0),
        ),
        (json!({"名称": "C", "类型": "初中"}), point(&f, 20.0, 0.0)),
        (
            json!({"名称": "D", "类型": "社区卫生服务站", "服务半径_m": 800.0}),
            point(&f, 30.0, 0.0),
        ),
        (json!({"名称": "E", "类型": "研究院"}), point(&f, 40.0, 0.0)),
    ]);
    let fs = coverage::read_facilities(&facilities, Some("类型"));
    let radius: Vec<(String, Option<f64>, Option<coverage::RadiusSource>)> = fs
        .iter()
        .map(|x| (x.name.clone(), x.radius_m, x.radius_source))
        .collect();
    use coverage::RadiusSource::*;
    assert_eq!(
        radius,
        [
            ("A".to_string(), Some(300.0), Some(Standard)),
            ("B".to_string(), Some(500.0), Some(Standard)),
            ("C".to_string(), Some(1000.0), Some(Standard)),
            ("D".to_string(), Some(800.0), Some(Field)),
            ("E".to_string(), None, None),
        ]
    );
    let (types, without) = coverage::by_type(&fs);
    assert_eq!(
        types.keys().cloned().collect::<Vec<_>>(),
        ["初中", "小学", "幼儿园", "社区卫生服务站"]
    );
    assert_eq!(without, [("研究院".to_string(), 1)]);
    assert_eq!(
        coverage::life_circle_of("一老一小服务中心"),
        Some(coverage::LifeCircle::FiveMinute)
    );
}

/// Roads along x (20 m wide), optionally an expressway across them at x = 0, 60 m
/// wide, and the one residential parcel east of it.
fn network_fixture(gap_m: f64) -> (Residential, RoadGraph, Vec<coverage::Facility>) {
    let f = frame();
    let roads = layer(vec![
        (
            json!({"名称": "西路", "等级": "主干路"}),
            rect(&f, -1000.0, -10.0, -30.0, 10.0),
        ),
        (
            json!({"名称": "东路", "等级": "主干路"}),
            rect(&f, 30.0 + gap_m, -10.0, 1000.0, 10.0),
        ),
        (
            json!({"名称": "高速", "等级": "高速公路"}),
            rect(&f, -30.0, -2000.0, 30.0, 2000.0),
        ),
    ]);
    let parcels = layer(vec![(
        json!({"地块编号": "R1", "用地代码": "070102"}),
        rect(&f, 600.0, 20.0, 700.0, 120.0),
    )]);
    let facilities = layer(vec![(
        json!({"名称": "S", "类型": "小学", "服务半径_m": 1600.0}),
        point(&f, -900.0, 30.0),
    )]);
    let residential = Residential::of_layer(&parcels).unwrap();
    let graph = RoadGraph::from_layer(&roads, &residential.frame).unwrap();
    (
        residential,
        graph,
        coverage::read_facilities(&facilities, None),
    )
}

#[test]
fn network_distance_follows_the_roads_and_crosses_an_expressway_only_where_roads_meet_it() {
    let (residential, graph, mut fs) = network_fixture(0.0);
    let p = &residential.parcels[0];
    let straight = {
        let fp = residential.frame.to_local(fs[0].lon_lat).unwrap();
        (fp.x - p.inside_local.x).hypot(fp.y - p.inside_local.y)
    };
    // The walk: the facility's 20-odd metres to the road, along it, and the
    // parcel's inside point's 60-odd metres from it: about 90 m longer than the
    // straight line, which is within 1 600 m.
    assert!(straight < 1600.0 && straight > 1540.0, "{straight}");
    let refs: Vec<&coverage::Facility> = fs.iter().collect();
    let n = network::network_coverage(&graph, &residential, &refs);
    assert_eq!(n.reached_parcels, 0, "the walk is longer than 1 600 m");
    assert!((n.straight_point_share - 1.0).abs() < 1e-12);
    fs[0].radius_m = Some(1700.0);
    let refs: Vec<&coverage::Facility> = fs.iter().collect();
    let n = network::network_coverage(&graph, &residential, &refs);
    assert_eq!(
        n.reached_parcels, 1,
        "the crossing at the expressway is open"
    );
    assert!((n.covered_share - 1.0).abs() < 1e-12);
    // The walk's length: between 1 600 and 1 700 m, as the roads go.
    let fp = residential.frame.to_local(fs[0].lon_lat).unwrap();
    let (start, step) = graph.snap(fp).unwrap();
    let (end, back) = graph.snap(p.inside_local).unwrap();
    let along = graph.multi_source(&[(start, step)], f64::INFINITY)[end.index()] + back;
    assert!(along > 1600.0 && along < 1670.0, "{along}");

    // With the east road starting 150 m past the expressway, nothing crosses it.
    let (residential, graph, mut fs) = network_fixture(150.0);
    fs[0].radius_m = Some(5000.0);
    let refs: Vec<&coverage::Facility> = fs.iter().collect();
    let n = network::network_coverage(&graph, &residential, &refs);
    assert_eq!(
        n.reached_parcels, 0,
        "the expressway is a barrier between crossings"
    );
    assert_eq!(n.unreached_ids, ["R1"]);
}

fn bundled() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("maps/airport-city.json")
}

#[test]
fn the_bundled_project_against_an_independent_union_of_circles() {
    let project = Project::open(&bundled()).unwrap();
    let (result, graph) = command::project_coverage(&project).unwrap();
    let graph = graph.expect("the bundled project has roads");
    assert!(graph.cell_nodes > 10_000, "{} road cells", graph.cell_nodes);
    let parcels = command::project_parcels(&project).unwrap();
    // Residential land as the land-use table counts it.
    let table = parcelview::landuse::LanduseTable::global();
    let residential_m2: f64 = (0..parcels.len())
        .filter(|&i| {
            parcels.class[i]
                .and_then(|c| table.class(c))
                .is_some_and(|c| c.code.starts_with("07"))
        })
        .map(|i| parcels.area_m2[i])
        .sum();
    assert!((result.residential_area_m2 - residential_m2).abs() < 1e-3);
    let kinds: Vec<&str> = result.types.iter().map(|t| t.kind.as_str()).collect();
    for k in [
        "中小学",
        "幼儿园",
        "一老一小服务中心",
        "社区卫生服务站",
        "医院",
        "公园",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    assert!(result.without_radius.iter().any(|(t, _)| t == "研究院"));
    for t in &result.types {
        assert!((0.0..=1.0).contains(&t.covered_share), "{}", t.kind);
        assert!(t.wholly_outside + t.partly_outside <= t.residential_parcels);
        let n = t.network.as_ref().unwrap();
        // Along the roads never reaches more than the straight line does.
        assert!(
            n.covered_share <= n.straight_point_share + 1e-12,
            "{}: {n:?}",
            t.kind
        );
        assert!(n.reached_parcels + n.unreached_ids.len() == t.residential_parcels);
    }
    // The hospital's 5 km reaches most homes; the kindergartens' 300 m far fewer.
    let share = |k: &str| {
        result
            .types
            .iter()
            .find(|t| t.kind == k)
            .unwrap()
            .covered_share
    };
    assert!(share("医院") > 0.8, "{}", share("医院"));
    assert!(share("幼儿园") < 0.5, "{}", share("幼儿园"));

    // Kindergartens again, by an independent polygon union of every circle.
    let residential = Residential::of_layer(parcels).unwrap();
    let (facility_layer, field) = command::project_facilities(&project).unwrap();
    let fs = coverage::read_facilities(facility_layer, field);
    let kg: Vec<&coverage::Facility> = fs.iter().filter(|f| f.kind == "幼儿园").collect();
    let mut union = MultiPolygon::<f64>(vec![]);
    for c in coverage::circles_on(&residential.frame, &kg) {
        union = union.union(&MultiPolygon(vec![coverage::circle_polygon(c)]));
    }
    let mut covered = 0.0;
    for p in &residential.parcels {
        covered += p.area_m2 * p.local.intersection(&union).unsigned_area() / p.local_area_m2;
    }
    let t = result.types.iter().find(|t| t.kind == "幼儿园").unwrap();
    assert!(
        (t.covered_area_m2 - covered).abs() < 1e-4 * covered,
        "{} vs {covered}",
        t.covered_area_m2
    );
    assert_eq!(t.facilities, kg.len());
}

#[test]
fn the_coverage_command_prints_json_and_a_table_and_writes_a_workbook() {
    let mut out = Vec::new();
    command::coverage_command(&bundled(), OutputFormat::Json, None, &mut out).unwrap();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let types = v["types"].as_array().unwrap();
    for t in types {
        for key in [
            "type",
            "facilities",
            "radius_m",
            "residential_area_m2",
            "covered_area_m2",
            "covered_share",
        ] {
            assert!(t.get(key).is_some(), "{key} in {t}");
        }
        assert!(t["network"]["covered_share"].is_number());
    }
    assert!(v["network"]["nodes"].as_u64().unwrap() > 10_000);
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("生活圈.xlsx");
    let mut table = Vec::new();
    command::coverage_command(&bundled(), OutputFormat::Table, Some(&xlsx), &mut table).unwrap();
    let table = String::from_utf8(table).unwrap();
    assert!(
        table.contains("五分钟生活圈") && table.contains("路网覆盖率(%)"),
        "{table}"
    );
    let mut csv = Vec::new();
    command::coverage_command(&bundled(), OutputFormat::Csv, None, &mut csv).unwrap();
    assert_eq!(
        String::from_utf8(csv).unwrap().lines().count(),
        types.len() + 1
    );

    use calamine::{Data, Reader, Xlsx, open_workbook};
    let mut wb: Xlsx<_> = open_workbook(&xlsx).unwrap();
    assert_eq!(
        wb.sheet_names(),
        ["生活圈覆盖".to_string(), "未覆盖地块".to_string()]
    );
    let sheet = wb.worksheet_range("生活圈覆盖").unwrap();
    assert_eq!(sheet.height(), types.len() + 3);
    let kg = types.iter().find(|t| t["type"] == "幼儿园").unwrap();
    let row = sheet
        .rows()
        .find(|r| r[0] == Data::String("幼儿园".into()))
        .unwrap();
    let Data::Float(share) = row[6] else {
        panic!("{:?}", row[6])
    };
    assert!((share - kg["covered_share"].as_f64().unwrap()).abs() < 1e-12);
    let outside = wb.worksheet_range("未覆盖地块").unwrap();
    let listed = outside
        .rows()
        .skip(3)
        .filter(|r| r[0] == Data::String("幼儿园".into()))
        .count() as u64;
    assert_eq!(
        listed,
        kg["wholly_outside"].as_u64().unwrap() + kg["partly_outside"].as_u64().unwrap()
    );
}
