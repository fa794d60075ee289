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
