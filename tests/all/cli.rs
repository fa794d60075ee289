//! The binary, run as a user would.

use std::process::{Command, Output};

use super::import::data;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_parcelview"))
        .args(args)
        .output()
        .expect("run parcelview")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

#[test]
fn stats_json_has_the_contract_keys_and_values() {
    let file = data("small.geojson");
    let o = run(&[
        "stats",
        file.to_str().unwrap(),
        "--by-class",
        "1",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["features"], 6);
    assert_eq!(v["skipped"], 2);
    assert_eq!(v["area_method"], "ellipsoidal");
    let total = v["total_area_m2"].as_f64().unwrap();
    let want = 42483.63583958149 * 2.0 + 15931.148075699806 + 31862.72687983513;
    assert!((total - want).abs() < 1e-3, "{total}");
    let groups = v["groups"].as_array().unwrap();
    let keys: Vec<&str> = groups.iter().map(|g| g["key"].as_str().unwrap()).collect();
    // Classes at level 1 (07, 08, 10, 13), then GB 50137's R, then the unknown code.
    assert_eq!(keys, vec!["07", "08", "10", "13", "R", "ZZ99"]);
    let g10 = &groups[2];
    assert_eq!(g10["name"], "工矿用地");
    assert_eq!(g10["count"], 1);
    let a = g10["area_m2"].as_f64().unwrap();
    assert!((a - 42483.63583958149).abs() < 1e-3);
    assert!((g10["area_ha"].as_f64().unwrap() - a / 1e4).abs() < 1e-9);
    assert!((g10["area_mu"].as_f64().unwrap() - a * 15.0 / 1e4).abs() < 1e-9);
    assert!((g10["share_pct"].as_f64().unwrap() - a / total * 100.0).abs() < 1e-9);
    assert_eq!(groups[5]["name"], serde_json::Value::Null);
    assert!(!v["warnings"].as_array().unwrap().is_empty());
    assert!(stderr(&o).contains("warning:"));
}

#[test]
fn stats_table_by_field_and_gauss_kruger() {
    let file = data("small.geojson");
    let o = run(&[
        "stats",
        file.to_str().unwrap(),
        "--by-field",
        "用地代码",
        "--area",
        "gauss-kruger",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("合计") && out.contains("高斯-克吕格") && out.contains("中央经线 120°E"),
        "{out}"
    );
    let o = run(&[
        "stats",
        file.to_str().unwrap(),
        "--by-class",
        "2",
        "--format",
        "csv",
    ]);
    let csv = stdout(&o);
    assert!(
        csv.starts_with("key,name,count,area_m2,area_ha,area_mu,share_pct\n"),
        "{csv}"
    );
    // Two equal areas: the balanced 亩 column gives the odd cent to the first row.
    assert!(
        csv.contains("0701,城镇住宅用地,1,42483.636,4.25,63.73,32.00\n"),
        "{csv}"
    );
    assert!(
        csv.contains("1001,工业用地,1,42483.636,4.25,63.72,32.00\n"),
        "{csv}"
    );
}

#[test]
fn select_by_point_box_and_polygon() {
    let file = data("small.geojson");
    let f = file.to_str().unwrap();
    // On the shared edge of A-01 and A-02: both.
    let o = run(&["select", f, "--point", "120.682,30.701", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["count"], 2);
    assert_eq!(v["ids"], serde_json::json!(["A-01", "A-02"]));
    // Inside the hole of A-04: nothing.
    let o = run(&["select", f, "--point", "120.685,30.701"]);
    assert_eq!(stdout(&o), "");
    let o = run(&["select", f, "--bbox", "120.6805,30.7005,120.6834,30.7025"]);
    assert_eq!(stdout(&o), "A-01\nA-02\nA-03\n");
    let dir = tempfile::tempdir().unwrap();
    let poly = dir.path().join("area.geojson");
    std::fs::write(&poly, r#"{"type":"Polygon","coordinates":[[[120.6834,30.7014],[120.6836,30.7014],[120.6836,30.7016],[120.6834,30.7016],[120.6834,30.7014]]]}"#).unwrap();
    let o = run(&[
        "select",
        f,
        "--within",
        poly.to_str().unwrap(),
        "--format",
        "geojson",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let feats = v["features"].as_array().unwrap();
    assert_eq!(feats.len(), 2, "{v}");
    assert_eq!(feats[0]["properties"]["地块编号"], "A-02");
    assert!((feats[0]["properties"]["area_m2"].as_f64().unwrap() - 42483.64).abs() < 0.006);
    assert_eq!(feats[1]["properties"]["地块编号"], "D-01");
}

#[test]
fn info_text_and_json() {
    let file = data("small.geojson");
    let o = run(&["info", file.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["features"], 6);
    assert_eq!(v["crs"], "EPSG:4326");
    assert_eq!(v["roles"]["landuse"], "用地代码");
    assert_eq!(
        v["bbox"],
        serde_json::json!([120.68, 30.7, 120.686, 30.703])
    );
    let o = run(&["info", file.to_str().unwrap()]);
    let out = stdout(&o);
    assert!(
        out.contains("Polygon 3") && out.contains("MultiPolygon 1") && out.contains("null 1"),
        "{out}"
    );
}

#[test]
fn exit_codes_and_one_line_errors() {
    let o = run(&[
        "stats",
        data("truncated.geojson").to_str().unwrap(),
        "--by-class",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("truncated.geojson") && err.contains("line 3"),
        "{err}"
    );
    let o = run(&[
        "stats",
        data("small.geojson").to_str().unwrap(),
        "--by-class",
        "4",
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a level beyond 3 is a usage error"
    );
    // Without --by-*, stats gives the balance table at level 2.
    let o = run(&[
        "stats",
        data("small.geojson").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let level2 = run(&[
        "stats",
        data("small.geojson").to_str().unwrap(),
        "--by-class",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(
        v,
        serde_json::from_slice::<serde_json::Value>(&level2.stdout).unwrap()
    );
    let o = run(&[
        "select",
        data("small.geojson").to_str().unwrap(),
        "--point",
        "abc",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&[
        "stats",
        data("small.geojson").to_str().unwrap(),
        "--by-class",
        "1",
        "--crs",
        "EPSG:0",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("EPSG:0"), "{}", stderr(&o));
}

#[test]
fn generate_parcels_writes_a_loadable_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("g.geojson");
    let o = run(&[
        "generate",
        "parcels",
        "--count",
        "250",
        "--seed",
        "4",
        "--projected",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["info", out.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["features"], 250);
    assert_eq!(v["crs"], "EPSG:4549");
    let types = v["geometry_types"].as_array().unwrap();
    assert!(types.iter().any(|t| t["type"] == "MultiPolygon"));
}

#[test]
fn where_filters_select_and_stats_and_points_at_errors() {
    let parcels = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/parcels.geojson");
    let file = parcels.to_str().unwrap();
    let o = run(&[
        "select",
        file,
        "--where",
        "\"用地代码\" LIKE '1001%' AND \"容积率\" >= 1.5",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let count = v["count"].as_u64().unwrap();
    assert!(count > 0, "{v}");
    // The same count as a filter written by hand over the loaded layer.
    let layer = parcelview::io::load_path(
        &parcels,
        &parcelview::io::LoadOptions::default(),
        parcelview::io::LoadControl::default(),
    )
    .unwrap();
    let (code, far) = (
        layer.field_index("用地代码").unwrap(),
        layer.field_index("容积率").unwrap(),
    );
    let want = (0..layer.len())
        .filter(|&i| {
            layer
                .value(i, code)
                .to_text()
                .is_some_and(|c| c.starts_with("1001"))
                && layer.value(i, far).as_f64().is_some_and(|f| f >= 1.5)
        })
        .count();
    assert_eq!(count as usize, want);
    // With a box, both must hold.
    let boxed = run(&[
        "select",
        file,
        "--bbox",
        "120.60,30.60,120.68,30.80",
        "--where",
        "状态 = '储备'",
    ]);
    assert!(boxed.status.success(), "{}", stderr(&boxed));
    let boxed_n = stdout(&boxed).lines().count();
    let all_n = stdout(&run(&["select", file, "--where", "状态 = '储备'"]))
        .lines()
        .count();
    assert!(boxed_n > 0 && boxed_n < all_n, "{boxed_n} {all_n}");
    // Stats over the filter: the total is the selection's.
    let o = run(&[
        "stats",
        file,
        "--where",
        "状态 = '储备'",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["features"].as_u64().unwrap() as usize, all_n);
    // A bad expression is one error naming the file and the column, with a caret.
    let o = run(&["select", file, "--where", "状态 = '储备' AND"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("parcels.geojson") && e.contains("column 14"),
        "{e}"
    );
    assert!(e.contains("             ^ expected a value"), "{e}");
    let o = run(&["stats", file, "--where", "面积 > 1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no field named \"面积\""),
        "{}",
        stderr(&o)
    );
}

#[test]
fn stats_in_gb50137_classes() {
    let parcels = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/parcels.geojson");
    let file = parcels.to_str().unwrap();
    let json = |args: &[&str]| -> serde_json::Value {
        let o = run(args);
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let national = json(&["stats", file, "--by-class", "1", "--format", "json"]);
    let gb = json(&[
        "stats",
        file,
        "--by-class",
        "1",
        "--standard",
        "gb50137",
        "--format",
        "json",
    ]);
    let keys: Vec<&str> = gb["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    // Residential, public services, commerce, industry, logistics, roads and
    // transport, utilities, green space, the airport as regional transport (H), and
    // 留白 (no counterpart) under its own code.
    for k in ["A", "B", "G", "H", "M", "R", "S", "U", "W", "16"] {
        assert!(keys.contains(&k), "{k} missing from {keys:?}");
    }
    assert_eq!(gb["features"], national["features"]);
    let total = |v: &serde_json::Value| v["total_area_ha_rounded"].as_f64().unwrap();
    assert_eq!(total(&gb), total(&national));
    let g_area = |v: &serde_json::Value, k: &str| {
        v["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["key"] == k)
            .map(|g| g["area_m2"].as_f64().unwrap())
            .unwrap()
    };
    // Industry is the same land in both: 10 工矿用地 here is all 1001 工业用地.
    assert!((g_area(&gb, "M") - g_area(&national, "10")).abs() < 1e-6);
}
