//! GeoJSON import: good files, broken files, CRS handling.

use std::path::PathBuf;

use geo::GeodesicArea;
use parcelview::crs::Crs;
use parcelview::io::{LoadControl, LoadError, LoadOptions, load_bytes, load_path};
use parcelview::model::{FieldRole, Layer};

pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn load(name: &str) -> Result<Layer, LoadError> {
    load_path(&data(name), &LoadOptions::default(), LoadControl::default())
}

fn feature(layer: &Layer, id: &str) -> usize {
    (0..layer.len())
        .find(|&i| layer.feature_id(i) == id)
        .unwrap_or_else(|| panic!("no feature {id}"))
}

#[test]
fn small_file_loads_with_roles_classes_and_warnings() {
    let layer = load("small.geojson").unwrap();
    // 8 features: two skipped (NaN, two-point ring), one null geometry kept.
    assert_eq!(layer.len(), 6);
    assert_eq!(layer.skipped, 2);
    assert_eq!(layer.geometries.iter().filter(|g| g.is_none()).count(), 1);
    let field = |r: FieldRole| layer.roles.get(r).map(|i| layer.fields[i].as_str());
    assert_eq!(field(FieldRole::Id), Some("地块编号"));
    assert_eq!(field(FieldRole::Landuse), Some("用地代码"));
    assert_eq!(field(FieldRole::Far), Some("容积率"));
    assert_eq!(field(FieldRole::BuildingDensity), Some("建筑密度"));
    assert_eq!(field(FieldRole::GreenRatio), Some("绿地率"));
    assert_eq!(field(FieldRole::HeightLimit), Some("限高"));
    assert_eq!(field(FieldRole::Name), Some("名称"));
    // Numbers given as strings are numbers.
    assert_eq!(
        layer.role_f64(feature(&layer, "A-01"), FieldRole::Far),
        Some(1.5)
    );
    assert_eq!(
        layer.role_f64(feature(&layer, "A-01"), FieldRole::GreenRatio),
        Some(15.0)
    );

    let text: Vec<String> = layer.warnings.iter().map(|w| w.to_string()).collect();
    let all = text.join("\n");
    assert!(
        all.contains("feature #4 (id") || all.contains("feature #4:"),
        "{all}"
    );
    assert!(
        all.contains("feature #5") && all.contains("ring 0 has 2"),
        "{all}"
    );
    assert!(all.contains("closed 1 unclosed ring"), "{all}");
    assert!(all.contains("'ZZ99' is not in the standard table"), "{all}");
    let nan = layer
        .warnings
        .iter()
        .find(|w| w.feature_index == Some(4))
        .unwrap();
    assert!(nan.message.contains("line 7"), "{}", nan.message);
}

#[test]
fn areas_match_geographiclib_reference_values() {
    // Reference values from pyproj.Geod(ellps="WGS84").geometry_area_perimeter.
    let layer = load("small.geojson").unwrap();
    for (id, want) in [
        ("A-01", 42483.63583958149),
        ("A-02", 42483.63583958149),
        ("A-03", 15931.148075699806),
        ("A-04", 31862.72687983513),
        ("D-01", 0.0),
    ] {
        let got = layer.area_m2[feature(&layer, id)];
        // GeographicLib's own result carries an absolute error of order 1e-4 m².
        let tol = 1e-8 * want + 1e-4;
        assert!((got - want).abs() <= tol, "{id}: {got} vs {want}");
    }
}

#[test]
fn land_use_values_resolve_by_code_name_and_parent() {
    let layer = load("small.geojson").unwrap();
    let table = parcelview::landuse::LanduseTable::global();
    let code =
        |id: &str| layer.class[feature(&layer, id)].map(|c| table.class(c).unwrap().code.clone());
    assert_eq!(code("A-01").as_deref(), Some("100101"));
    assert_eq!(code("A-02").as_deref(), Some("070102"));
    assert_eq!(code("A-03").as_deref(), Some("R2"));
    assert_eq!(code("A-04"), None);
}

#[test]
fn bom_single_feature_and_bare_geometry() {
    let layer = load("bom.geojson").unwrap();
    assert_eq!(layer.len(), 1);
    assert_eq!(layer.feature_id(0), "f1");
    assert_eq!(layer.roles.landuse, Some(0));
    let bare = load("bare.geojson").unwrap();
    assert_eq!(bare.len(), 1);
    assert_eq!(bare.feature_id(0), "0");
    let g = bare.geometries[0].clone().unwrap();
    let geo::Geometry::Polygon(p) = g else {
        panic!()
    };
    assert!((bare.area_m2[0] - p.geodesic_area_unsigned()).abs() < 1e-4);
}

#[test]
fn broken_files_are_one_line_errors_with_positions() {
    let err = load("truncated.geojson").unwrap_err().to_string();
    assert!(
        err.contains("truncated.geojson") && err.contains("line 3") && err.contains("truncated"),
        "{err}"
    );
    let err = load("notjson.geojson").unwrap_err().to_string();
    assert!(
        err.contains("notjson.geojson")
            && err.contains("line 1, column 1")
            && err.contains("not GeoJSON"),
        "{err}"
    );
    let err = load("empty.geojson").unwrap_err().to_string();
    assert!(err.contains("empty"), "{err}");
    let err = load_path(&data(""), &LoadOptions::default(), LoadControl::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("is a directory"), "{err}");
    let err = load("no-such-file.geojson").unwrap_err().to_string();
    assert!(err.contains("no-such-file.geojson"), "{err}");
    assert!(!err.contains('\n'));
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("{}".encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    let err = load_bytes(&utf16, "u16.geojson", &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("UTF-16"), "{err}");
    let err = load_bytes(
        br#"{"type":"Topology","objects":{}}"#,
        "topo.json",
        &LoadOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("'Topology'"), "{err}");
    let err = load_bytes(
        br#"{"type":"FeatureCollection","features":[{"type":"Feature"} {"#,
        "x.json",
        &LoadOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("column 60") && err.contains("expected ',' or ']'"),
        "{err}"
    );
}

#[test]
fn features_in_any_member_order_and_crs_after_features() {
    let text = br#"{"features":[{"geometry":{"coordinates":[500000.0,3320113.398],"type":"Point"},"properties":{"n":1},"type":"Feature"}],
        "crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4549"}},"type":"FeatureCollection"}"#;
    let layer = load_bytes(text, "late-crs.geojson", &LoadOptions::default()).unwrap();
    assert_eq!(layer.source_crs.label, "EPSG:4549");
    let geo::Geometry::Point(p) = layer.geometries[0].clone().unwrap() else {
        panic!()
    };
    assert!(
        (p.x() - 120.0).abs() < 1e-9 && (p.y() - 30.0).abs() < 1e-7,
        "{p:?}"
    );
}

#[test]
fn projected_without_crs_is_refused_with_a_hint_and_override_works() {
    let text = br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[565000,3397000],[565100,3397000],[565100,3397100],[565000,3397100],[565000,3397000]]]}}]}"#;
    let err = load_bytes(text, "gk.geojson", &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("gk.geojson") && err.contains("--crs") && err.contains("EPSG:4549"),
        "{err}"
    );
    let options = LoadOptions {
        crs_override: Some(Crs::parse("EPSG:4549").unwrap()),
        ..Default::default()
    };
    let layer = load_bytes(text, "gk.geojson", &options).unwrap();
    // A 100 m × 100 m square on the Gauss-Krüger plane 65 km from the central
    // meridian: its ellipsoidal area is smaller by the squared scale factor,
    // 1 + x²/(2R²) ≈ 1.000052, so about 9 998.96 m².
    let a = layer.area_m2[0];
    assert!((a - 9_998.96).abs() < 0.05, "{a}");
    // The south-west corner as PROJ (pyproj 3, EPSG:4549 → 4326) puts it.
    let geo::Geometry::Polygon(p) = layer.geometries[0].clone().unwrap() else {
        panic!()
    };
    let sw = p.exterior().0[0];
    assert!((sw.x - 120.67841804286223).abs() < 1e-10, "{sw:?}");
    assert!((sw.y - 30.691785614289007).abs() < 1e-10, "{sw:?}");
}

#[test]
fn projected_and_lon_lat_files_give_the_same_layer() {
    use parcelview::generate::{ParcelOptions, write_parcels};
    let mut lon_lat = Vec::new();
    let mut projected = Vec::new();
    let options = ParcelOptions {
        count: 500,
        seed: 9,
        ..Default::default()
    };
    write_parcels(&mut lon_lat, &options).unwrap();
    write_parcels(
        &mut projected,
        &ParcelOptions {
            projected: true,
            ..options
        },
    )
    .unwrap();
    let a = load_bytes(&lon_lat, "ll.geojson", &LoadOptions::default()).unwrap();
    let b = load_bytes(&projected, "gk.geojson", &LoadOptions::default()).unwrap();
    assert_eq!(b.source_crs.label, "EPSG:4549");
    assert_eq!(a.len(), 500);
    assert_eq!(b.len(), 500);
    for i in 0..a.len() {
        // Coordinates are rounded to 1e-7° (about 1 cm) in one file and to 1 mm in
        // the other: every vertex must agree within those roundings, and areas
        // within what centimetre shifts of the vertices can change.
        use geo::CoordsIter;
        let (ga, gb) = (
            a.geometries[i].as_ref().unwrap(),
            b.geometries[i].as_ref().unwrap(),
        );
        assert_eq!(ga.coords_count(), gb.coords_count());
        for (p, q) in ga.coords_iter().zip(gb.coords_iter()) {
            assert!(
                (p.x - q.x).abs() < 7e-8 && (p.y - q.y).abs() < 7e-8,
                "feature {i}: {p:?} vs {q:?}"
            );
        }
        let rel = (a.area_m2[i] - b.area_m2[i]).abs() / a.area_m2[i];
        assert!(
            rel < 3e-4,
            "feature {i}: {} vs {}",
            a.area_m2[i],
            b.area_m2[i]
        );
    }
}

#[test]
fn progress_is_reported_and_cancel_stops_loading() {
    use parcelview::generate::{ParcelOptions, write_parcels};
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.geojson");
    let mut bytes = Vec::new();
    write_parcels(
        &mut bytes,
        &ParcelOptions {
            count: 20_000,
            ..Default::default()
        },
    )
    .unwrap();
    std::fs::write(&path, &bytes).unwrap();
    let calls = AtomicUsize::new(0);
    let last = AtomicUsize::new(0);
    let progress = |read: u64, total: Option<u64>, _features: usize| {
        calls.fetch_add(1, Ordering::Relaxed);
        assert_eq!(total, Some(bytes.len() as u64));
        last.store(read as usize, Ordering::Relaxed);
    };
    let layer = load_path(
        &path,
        &LoadOptions::default(),
        LoadControl {
            progress: Some(&progress),
            cancel: None,
        },
    )
    .unwrap();
    assert_eq!(layer.len(), 20_000);
    assert!(calls.load(Ordering::Relaxed) >= 3);
    assert_eq!(last.load(Ordering::Relaxed), bytes.len());
    let cancel = AtomicBool::new(true);
    let err = load_path(
        &path,
        &LoadOptions::default(),
        LoadControl {
            progress: None,
            cancel: Some(&cancel),
        },
    )
    .unwrap_err();
    assert!(matches!(err, LoadError::Cancelled { .. }), "{err}");
}

// Real files from elsewhere (issue 14, section 5). Each fixture is in
// tests/data/real/ and also listed in the corpus of hostile.rs.

fn warnings_text(layer: &Layer) -> String {
    layer.warnings.iter().map(|w| format!("{w}\n")).collect()
}

#[test]
fn a_hole_that_encloses_no_area_is_dropped_and_the_parcel_kept() {
    let layer = load("real/empty-hole.geojson").unwrap();
    assert_eq!((layer.len(), layer.skipped), (5, 0));
    let all = warnings_text(&layer);
    for (index, id, why) in [
        (0, "HOLE-POINT", "its points are all the same"),
        (1, "HOLE-LINE", "its points lie on one line"),
        (2, "HOLE-EMPTY", "it has no points"),
        (3, "HOLE-MULTI", "its points lie on one line"),
    ] {
        let w = layer
            .warnings
            .iter()
            .find(|w| w.feature_index == Some(index))
            .unwrap_or_else(|| panic!("no warning for #{index}: {all}"));
        assert_eq!(w.feature_id.as_deref(), Some(id), "{all}");
        assert!(
            w.message.contains(why)
                && w.message.contains("the hole was dropped")
                && w.message.contains("kept with its outer ring"),
            "{w}"
        );
    }
    // Nothing else is said: no crossing, no empty polygon, no closed ring (the
    // dropped holes are not closed first), and the good hole is not named.
    assert_eq!(layer.warnings.len(), 4, "{all}");
    let polygons = |id: &str| -> Vec<geo::Polygon<f64>> {
        match layer.geometries[feature(&layer, id)].clone().unwrap() {
            geo::Geometry::Polygon(p) => vec![p],
            geo::Geometry::MultiPolygon(mp) => mp.0,
            g => panic!("{id}: {g:?}"),
        }
    };
    for id in ["HOLE-POINT", "HOLE-LINE", "HOLE-EMPTY"] {
        let p = polygons(id);
        assert_eq!((p.len(), p[0].interiors().len()), (1, 0), "{id}");
    }
    // In the MultiPolygon only the flat hole went; the real one stays.
    let multi = polygons("HOLE-MULTI");
    assert_eq!(multi.len(), 2);
    assert_eq!(multi[1].interiors().len(), 1);
    // The parcels keep the whole area of their outer ring: the squares are the
    // same size (they differ only in longitude), and the real hole takes a quarter.
    let whole = layer.area_m2[feature(&layer, "HOLE-POINT")];
    assert!((whole - 42_800.0).abs() < 500.0, "{whole}");
    for id in ["HOLE-LINE", "HOLE-EMPTY"] {
        let a = layer.area_m2[feature(&layer, id)];
        assert!((a - whole).abs() < 1e-6 * whole, "{id}: {a} vs {whole}");
    }
    let holed = layer.area_m2[feature(&layer, "HOLE-REAL")];
    assert!(
        (holed - 0.75 * whole).abs() < 1e-3 * whole,
        "{holed} vs {whole}"
    );
}

#[test]
fn a_ring_that_only_touches_itself_is_not_crossing_itself() {
    let layer = load("real/touching-rings.geojson").unwrap();
    assert_eq!((layer.len(), layer.skipped), (5, 0));
    let all = warnings_text(&layer);
    let flagged: Vec<&str> = layer
        .warnings
        .iter()
        .filter(|w| w.message.contains("crosses itself"))
        .filter_map(|w| w.feature_id.as_deref())
        .collect();
    // Two squares meeting at a corner, an outline pinched around a courtyard and
    // a vertex resting on an edge only touch; a bow-tie crosses, whether at an
    // edge's interior or through a vertex placed at the crossing.
    assert_eq!(flagged, ["CROSS-AT-VERTEX", "BOW-TIE"], "{all}");
    // The touching rings' areas are the area they enclose: the figure-8 is two
    // 0.001° squares, the pinched outline 16 − 2 = 14 quarter-squares.
    let square = layer.area_m2[feature(&layer, "FIG-8")] / 2.0;
    assert!((square - 10_700.0).abs() < 200.0, "{square}");
    let pinch = layer.area_m2[feature(&layer, "PINCH")];
    assert!((pinch - 14.0 * square).abs() < 1e-3 * pinch, "{pinch}");
}

#[test]
fn invalid_json_in_a_single_feature_file_is_an_error_at_its_line_and_column() {
    let text = std::fs::read_to_string(data("real/single-feature-bad-json.geojson")).unwrap();
    let err = load("real/single-feature-bad-json.geojson")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("single-feature-bad-json.geojson: line 5, column 71 (byte ")
            && err.contains("feature #0: trailing comma"),
        "{err}"
    );
    assert!(!err.contains('\n'), "{err}");
    // The same feature inside a FeatureCollection, one line further down, is
    // reported at the same column.
    let collection = format!("{{\"type\": \"FeatureCollection\", \"features\": [\n{text}]}}");
    let layer = load_bytes(collection.as_bytes(), "fc.geojson", &LoadOptions::default()).unwrap();
    let all = warnings_text(&layer);
    assert!(
        all.contains("feature #0: skipped: trailing comma (line 6, column 71)"),
        "{all}"
    );
    // Valid JSON that is not a valid feature still loads as a skipped feature,
    // with its position in the file.
    let strings = "{\"type\": \"Feature\", \"properties\": {\"地块编号\": \"S-1\"},\n \"geometry\": {\"type\": \"Point\", \"coordinates\": [\"120\", \"30\"]}}";
    let layer = load_bytes(strings.as_bytes(), "s.geojson", &LoadOptions::default()).unwrap();
    assert_eq!((layer.len(), layer.skipped), (0, 1));
    let all = warnings_text(&layer);
    assert!(
        all.contains("feature #0 (id S-1): skipped: coordinate is a string")
            && all.contains("(line 2, column "),
        "{all}"
    );
    // A bare geometry file is treated the same way.
    let bare = "{\"type\": \"Point\",\n \"coordinates\": [120.0, 30.0,]}";
    let err = load_bytes(bare.as_bytes(), "bare.geojson", &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("bare.geojson: line 2, column 30") && err.contains("trailing comma"),
        "{err}"
    );
}

#[test]
fn the_hint_for_projected_data_says_where_it_would_land() {
    // Munich in UTM zone 32N: the values look like Gauss-Krüger without a zone
    // prefix, and the hint shows that as EPSG:4549 they would be in Inner
    // Mongolia, not where the planner's data is.
    let err = load("real/utm-without-crs.geojson")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("try --crs EPSG:4549 (the zone of Jiaxing, CM 120°E): as EPSG:4549 this lies at 48.1°N 122.6°E; if the data is not there"),
        "{err}"
    );
    // Jiaxing data in EPSG:4549 lands in Jiaxing.
    let text = br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[565000,3397000],[565100,3397000],[565100,3397100],[565000,3397100],[565000,3397000]]]}}]}"#;
    let err = load_bytes(text, "gk.geojson", &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("as EPSG:4549 this lies at 30.7°N 120.7°E"),
        "{err}"
    );
    // The centre is the median of the features, so one stray feature far away
    // does not move it; Web Mercator is reprojected as such.
    let mercator = br#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[-8238310,4970072]}},
        {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[-8238320,4970080]}},
        {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[15000000,-2000000]}}]}"#;
    let err = load_bytes(mercator, "nyc.geojson", &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("try --crs EPSG:3857: as EPSG:3857 this lies at 40.7°N 74.0°W"),
        "{err}"
    );
}

#[test]
fn a_top_level_array_of_features_loads_like_a_feature_collection() {
    let layer = load("real/array-of-features.geojson").unwrap();
    assert_eq!((layer.len(), layer.skipped), (3, 0));
    assert!(layer.warnings.is_empty(), "{:?}", layer.warnings);
    assert_eq!(
        layer.roles.name.map(|k| layer.fields[k].as_str()),
        Some("name")
    );
    assert_eq!(layer.source_crs.label, "EPSG:4326");
    // A large one is streamed in batches with progress, like a FeatureCollection,
    // and gives the same layer.
    use parcelview::generate::{ParcelOptions, write_parcels};
    let mut bytes = Vec::new();
    write_parcels(
        &mut bytes,
        &ParcelOptions {
            count: 20_000,
            ..Default::default()
        },
    )
    .unwrap();
    // The same bytes with the FeatureCollection's wrapper cut off, so that the
    // features and their member order are untouched.
    let text = std::str::from_utf8(&bytes).unwrap();
    let start = text.find("\"features\":").unwrap() + "\"features\":".len();
    let end = text.rfind('}').unwrap();
    let array = bytes[start..end].to_vec();
    assert!(array.starts_with(b"[") && array.trim_ascii_end().ends_with(b"]"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("array.geojson");
    std::fs::write(&path, &array).unwrap();
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let progress = |_read: u64, total: Option<u64>, _features: usize| {
        assert_eq!(total, Some(array.len() as u64));
        calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    };
    let from_array = load_path(
        &path,
        &LoadOptions::default(),
        LoadControl {
            progress: Some(&progress),
            cancel: None,
        },
    )
    .unwrap();
    assert!(calls.load(std::sync::atomic::Ordering::Relaxed) >= 3);
    let from_collection = load_bytes(&bytes, "fc.geojson", &LoadOptions::default()).unwrap();
    assert_eq!(from_array.len(), 20_000);
    assert_eq!(from_array.fields, from_collection.fields);
    assert_eq!(from_array.area_m2, from_collection.area_m2);
    assert_eq!(from_array.columns, from_collection.columns);
    // A broken element is skipped as in a FeatureCollection; a truncated array and
    // trailing text are errors.
    let err = load_bytes(
        br#"[{"type":"Feature","properties":{},"geometry":null},"#,
        "cut.geojson",
        &LoadOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("cut.geojson") && err.contains("top-level array") && err.contains("truncated"),
        "{err}"
    );
    let err = load_bytes(
        br#"[{"type":"Feature","properties":{},"geometry":null}] x"#,
        "tail.geojson",
        &LoadOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("column 54") && err.contains("after the end of the GeoJSON array"),
        "{err}"
    );
    let layer = load_bytes(
        br#"[{"type":"Feature","properties":{},"geometry":null}, 7]"#,
        "mixed.geojson",
        &LoadOptions::default(),
    )
    .unwrap();
    assert_eq!((layer.len(), layer.skipped), (1, 1));
    // An empty array is an empty layer, as an empty FeatureCollection is.
    let layer = load_bytes(b" [ ] ", "none.geojson", &LoadOptions::default()).unwrap();
    assert_eq!(layer.len(), 0);
}

#[test]
fn negative_zero_is_never_printed() {
    use parcelview::model::{AttrValue, format_fixed, format_float};
    assert_eq!(format_float(-0.0), "0");
    assert_eq!(format_float(0.0), "0");
    assert_eq!(format_float(-2.5), "-2.5");
    assert_eq!(format_float(-3.0), "-3");
    assert_eq!(format_fixed(-0.0, 2), "0.00");
    assert_eq!(format_fixed(-0.004, 2), "0.00");
    assert_eq!(format_fixed(-0.4, 0), "0");
    assert_eq!(format_fixed(-0.006, 2), "-0.01");
    assert_eq!(format_fixed(1.005, 1), "1.0");
    assert_eq!(AttrValue::Float(-0.0).to_text().as_deref(), Some("0"));
    let layer = load("real/negative-zero.geojson").unwrap();
    let far = layer.roles.far.unwrap();
    assert_eq!(layer.value(0, far).to_text().as_deref(), Some("0"));
    // The GeoJSON id member -0.0 is read as the text "0".
    assert_eq!(layer.feature_ids[0].as_deref(), Some("0"));
    let all = warnings_text(&layer);
    assert!(all.contains("coordinate (0, 95) is outside"), "{all}");
    assert!(!all.contains("-0"), "{all}");
    let e = parcelview::crs::CrsError::Point {
        label: "EPSG:4549".into(),
        x: -0.0,
        y: -0.0,
        reason: "r".into(),
    };
    assert!(e.to_string().contains("(0, 0)"), "{e}");
    // The crossing warning's area, rounded, has no sign either.
    let message = parcelview::validity::Problem::SelfIntersection.message(-0.0);
    assert!(message.contains("(0.00 m²)"), "{message}");
}
