//! PostGIS layers against a real server: the bundled parcels written to tables
//! (by the tests, with the project's WKB writer and SQL; parcelview itself never
//! writes), then loaded, queried live and compared with the file.
//!
//! The tests need a PostgreSQL server with PostGIS: `.ci/run` starts a
//! throw-away cluster and sets `PARCELVIEW_PG_TEST` to a database on it, e.g.
//! `postgresql://postgres@127.0.0.1:55432/parcelview_test`. Without the
//! variable they return at once (and say so), unless `PARCELVIEW_PG_REQUIRED` is
//! set, as CI sets it, when they fail.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use parcelview::io::{LoadControl, LoadOptions, load_path};
use parcelview::model::{AttrValue, Layer};
use parcelview::sources::LoadError;
use parcelview::sources::postgis::{Address, ServerFault};

const PARCELS: &str = "pv_parcels";
const PROJECTED: &str = "pv_parcels_gk";

/// The test database's address, or `None` when no server is configured.
fn server() -> Option<String> {
    match std::env::var("PARCELVIEW_PG_TEST") {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            assert!(
                std::env::var_os("PARCELVIEW_PG_REQUIRED").is_none(),
                "PARCELVIEW_PG_REQUIRED is set but PARCELVIEW_PG_TEST is not"
            );
            eprintln!("skipped: set PARCELVIEW_PG_TEST=postgresql://USER@HOST:PORT/DB to run");
            None
        }
    }
}

fn bundled_parcels() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("maps/parcels.geojson")
}

fn file_layer() -> &'static Layer {
    static FILE: OnceLock<Layer> = OnceLock::new();
    FILE.get_or_init(|| {
        load_path(
            &bundled_parcels(),
            &LoadOptions::default(),
            LoadControl::default(),
        )
        .unwrap()
    })
}

fn client(base: &str) -> postgres::Client {
    let a = Address::parse(base).unwrap();
    let mut c = postgres::Config::new();
    c.host(&a.host)
        .port(a.port)
        .dbname(&a.database)
        .user(&a.effective_user());
    c.connect(postgres::NoTls).unwrap()
}

/// The SQL type of a layer's field, from its values.
fn sql_type(layer: &Layer, f: usize) -> &'static str {
    let mut ty = "int8";
    let mut any = false;
    for i in 0..layer.len() {
        match layer.value(i, f) {
            AttrValue::Null => {}
            AttrValue::Int(_) => any = true,
            AttrValue::Float(_) => {
                any = true;
                if ty == "int8" {
                    ty = "float8";
                }
            }
            AttrValue::Bool(_) if !any || ty == "bool" => {
                any = true;
                ty = "bool";
            }
            _ => return "text",
        }
    }
    if any { ty } else { "text" }
}

/// Writes a layer to `table` (dropped first) with a serial primary key, the
/// layer's fields and its geometry in `srid` (4326, or a projected SRID the
/// server transforms to).
fn put_layer(db: &mut postgres::Client, table: &str, layer: &Layer, srid: i32) {
    let q = |n: &str| format!("\"{}\"", n.replace('"', "\"\""));
    let types: Vec<&str> = (0..layer.fields.len())
        .map(|f| sql_type(layer, f))
        .collect();
    let cols: Vec<String> = layer
        .fields
        .iter()
        .zip(&types)
        .map(|(n, t)| format!("{} {t}", q(n)))
        .collect();
    db.batch_execute(&format!(
        "DROP TABLE IF EXISTS {t}; CREATE TABLE {t} (fid serial PRIMARY KEY, {}, geom geometry(Geometry, {srid}))",
        cols.join(", "),
        t = q(table)
    ))
    .unwrap();
    let names: Vec<String> = layer.fields.iter().map(|n| q(n)).collect();
    let placeholders: Vec<String> = types
        .iter()
        .enumerate()
        .map(|(k, t)| format!("${}::{t}", k + 1))
        .collect();
    let geom = if srid == 4326 {
        format!("ST_GeomFromWKB(${}, 4326)", types.len() + 1)
    } else {
        format!(
            "ST_Transform(ST_GeomFromWKB(${}, 4326), {srid})",
            types.len() + 1
        )
    };
    let sql = format!(
        "INSERT INTO {} ({}, geom) VALUES ({}, {geom})",
        q(table),
        names.join(", "),
        placeholders.join(", ")
    );
    let mut tx = db.transaction().unwrap();
    let st = tx.prepare(&sql).unwrap();
    for i in 0..layer.len() {
        let mut values: Vec<Box<dyn postgres::types::ToSql + Sync>> = Vec::new();
        for (f, t) in types.iter().enumerate() {
            let v = layer.value(i, f);
            values.push(match (*t, v) {
                (_, AttrValue::Null) => match *t {
                    "int8" => Box::new(None::<i64>),
                    "float8" => Box::new(None::<f64>),
                    "bool" => Box::new(None::<bool>),
                    _ => Box::new(None::<String>),
                },
                ("int8", AttrValue::Int(x)) => Box::new(*x),
                ("float8", AttrValue::Int(x)) => Box::new(*x as f64),
                ("float8", AttrValue::Float(x)) => Box::new(*x),
                ("bool", AttrValue::Bool(b)) => Box::new(*b),
                (_, v) => Box::new(v.to_text()),
            });
        }
        let mut wkb = Vec::new();
        if let Some(g) = &layer.geometries[i] {
            parcelview::sources::wkb::write(g, &mut wkb);
        }
        values.push(Box::new(wkb));
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            values.iter().map(|b| b.as_ref()).collect();
        tx.execute(&st, &refs).unwrap();
    }
    tx.batch_execute(&format!(
        "CREATE INDEX ON {t} USING gist (geom); ANALYZE {t}",
        t = q(table)
    ))
    .unwrap();
    tx.commit().unwrap();
}

/// Writes the bundled parcels once per test run, in lon/lat and in
/// CGCS2000 3-degree Gauss-Krüger (EPSG:4549).
fn setup(base: &str) {
    static DONE: Mutex<bool> = Mutex::new(false);
    let mut done = DONE.lock().unwrap_or_else(|e| e.into_inner());
    if *done {
        return;
    }
    let mut db = client(base);
    put_layer(&mut db, PARCELS, file_layer(), 4326);
    put_layer(&mut db, PROJECTED, file_layer(), 4549);
    *done = true;
}

fn address(base: &str, params: &str) -> String {
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{params}")
}

fn load(addr: &str) -> Result<Layer, LoadError> {
    load_path(
        Path::new(addr),
        &LoadOptions::default(),
        LoadControl::default(),
    )
}

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_parcelview"))
        .args(args)
        .output()
        .expect("run parcelview")
}

fn json_of(o: &std::process::Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// Compares two layers feature by feature (by id): same fields, values and
/// areas within 1e-6 relative.
fn assert_same_layer(db: &Layer, file: &Layer) {
    assert_eq!(db.len(), file.len());
    assert_eq!(db.skipped, 0, "{:?}", db.warnings);
    let mut fields = db.fields.clone();
    fields.sort();
    let mut want = file.fields.clone();
    want.sort();
    assert_eq!(fields, want);
    assert_eq!(
        db.roles.landuse.map(|f| &db.fields[f]),
        file.roles.landuse.map(|f| &file.fields[f])
    );
    for i in 0..file.len() {
        assert_eq!(db.feature_id(i), file.feature_id(i), "row {i}");
        assert!(
            close(db.area_m2[i], file.area_m2[i]),
            "{}: {} vs {}",
            file.feature_id(i),
            db.area_m2[i],
            file.area_m2[i]
        );
        for (f, name) in file.fields.iter().enumerate() {
            let g = db.field_index(name).unwrap();
            let (a, b) = (db.value(i, g), file.value(i, f));
            let same = match (a, b) {
                (AttrValue::Float(x), AttrValue::Float(y)) => close(*x, *y),
                (AttrValue::Float(x), AttrValue::Int(y))
                | (AttrValue::Int(y), AttrValue::Float(x)) => close(*x, *y as f64),
                _ => a == b,
            };
            assert!(same, "{} {name}: {a:?} vs {b:?}", file.feature_id(i));
        }
    }
}

#[test]
fn a_loaded_table_equals_its_file() {
    let Some(base) = server() else { return };
    setup(&base);
    let db = load(&address(&base, &format!("layer=public.{PARCELS}"))).unwrap();
    assert_same_layer(&db, file_layer());
    assert_eq!(db.name, PARCELS);
    assert!(!db.source.contains("password"));
    // Selections over the loaded table are the file's.
    let file = file_layer();
    let r = geo::Rect::new((120.69, 30.70), (120.72, 30.73));
    let ids = |l: &Layer, hits: Vec<usize>| {
        let mut v: Vec<String> = hits.into_iter().map(|i| l.feature_id(i)).collect();
        v.sort();
        v
    };
    let a = ids(&db, parcelview::selection::in_rect(&db, r));
    assert!(a.len() > 10);
    assert_eq!(a, ids(file, parcelview::selection::in_rect(file, r)));
    let e = "\"用地代码\" LIKE '07%' AND \"容积率\" >= 1.5";
    assert_eq!(
        ids(&db, parcelview::expr::select_where(&db, e).unwrap()),
        ids(file, parcelview::expr::select_where(file, e).unwrap())
    );
}

#[test]
fn a_projected_table_equals_its_file() {
    let Some(base) = server() else { return };
    setup(&base);
    let db = load(&address(&base, &format!("layer={PROJECTED}"))).unwrap();
    assert_eq!(db.source_crs.label, "EPSG:4549");
    assert_same_layer(&db, file_layer());
}

/// The groups of a `stats --format json` as (key, count, area).
fn groups(v: &serde_json::Value) -> Vec<(String, u64, f64)> {
    v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["key"].as_str().unwrap().to_string(),
                g["count"].as_u64().unwrap(),
                g["area_m2"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn assert_same_stats(live: &serde_json::Value, file: &serde_json::Value) {
    assert_eq!(live["features"], file["features"]);
    assert!(close(
        live["total_area_m2"].as_f64().unwrap(),
        file["total_area_m2"].as_f64().unwrap()
    ));
    let (l, f) = (groups(live), groups(file));
    assert_eq!(l.len(), f.len(), "{l:?}\n{f:?}");
    for (a, b) in l.iter().zip(&f) {
        assert_eq!((&a.0, a.1), (&b.0, b.1));
        assert!(close(a.2, b.2), "{}: {} vs {}", a.0, a.2, b.2);
    }
    // The rounded table is the same table.
    assert_eq!(live["total_area_ha_rounded"], file["total_area_ha_rounded"]);
}

#[test]
fn live_statistics_run_in_the_server_and_equal_the_files() {
    let Some(base) = server() else { return };
    setup(&base);
    let file = bundled_parcels();
    let file = file.to_str().unwrap();
    for table in [PARCELS, PROJECTED] {
        let live = address(&base, &format!("layer={table}&mode=live"));
        for extra in [
            vec!["--by-class", "2"],
            vec!["--by-class", "1", "--bbox", "120.69,30.70,120.72,30.73"],
            vec!["--by-field", "状态"],
            // Translated into SQL with bound parameters.
            vec!["--where", "\"用地代码\" LIKE '07%' AND \"容积率\" >= 1.5"],
            vec!["--where", "$area > 50000 AND \"状态\" IN ('规划', '储备')"],
            // Not translatable ($id): evaluated on the client over the rows.
            vec!["--where", "$id LIKE 'KG-B%'"],
        ] {
            let mut a = vec!["stats", live.as_str(), "--format", "json"];
            a.extend(&extra);
            let mut b = vec!["stats", file, "--format", "json"];
            b.extend(&extra);
            assert_same_stats(&json_of(&run(&a)), &json_of(&run(&b)));
        }
    }
}

#[test]
fn live_selections_equal_the_files() {
    let Some(base) = server() else { return };
    setup(&base);
    let file = bundled_parcels();
    let file = file.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let polygon = dir.path().join("drawn.geojson");
    std::fs::write(
        &polygon,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[120.6913,30.7012],[120.7237,30.6981],[120.7311,30.7244],[120.7052,30.7318],[120.6913,30.7012]]]}}]}"#,
    )
    .unwrap();
    let polygon = polygon.to_str().unwrap();
    let live = address(&base, &format!("layer={PARCELS}&mode=live&id=地块编号"));
    for extra in [
        vec!["--bbox", "120.69,30.70,120.72,30.73"],
        vec!["--within", polygon],
        vec!["--within", polygon, "--fully-within"],
        vec!["--point", "120.705,30.715"],
        vec!["--where", "\"状态\" = '储备'"],
        vec![
            "--bbox",
            "120.69,30.70,120.72,30.73",
            "--where",
            "$id LIKE '%1'",
        ],
    ] {
        let mut a = vec!["select", live.as_str(), "--format", "json"];
        a.extend(&extra);
        let mut b = vec!["select", file, "--format", "json"];
        b.extend(&extra);
        let (l, f) = (json_of(&run(&a)), json_of(&run(&b)));
        assert_eq!(l["ids"], f["ids"], "{extra:?}");
        assert!(close(
            l["area_m2"].as_f64().unwrap(),
            f["area_m2"].as_f64().unwrap()
        ));
        assert!(l["count"].as_u64().unwrap() > 0, "{extra:?}");
    }
}

#[test]
fn a_live_view_is_capped_and_simplified() {
    let Some(base) = server() else { return };
    setup(&base);
    let a = Address::parse(&address(&base, &format!("layer={PROJECTED}&mode=live"))).unwrap();
    let mut t =
        parcelview::sources::postgis::live::LiveTable::open(&a, &LoadOptions::default()).unwrap();
    let extent = t.extent().unwrap().unwrap();
    let all = t.view_rows(extent, 0.0, 100_000).unwrap();
    assert_eq!(all.rows.len(), file_layer().len());
    assert!(!all.more);
    // Far more rows than the cap: a repeatable sample of the table's pages,
    // spread over the table rather than its first rows.
    let capped = t.view_rows(extent, 0.0, 100).unwrap();
    assert!(!capped.rows.is_empty() && capped.rows.len() <= 100);
    assert!(capped.more && capped.sampled);
    let again = t.view_rows(extent, 0.0, 100).unwrap();
    let ids = |v: &parcelview::sources::postgis::live::ViewRows| -> Vec<Option<String>> {
        v.rows.iter().map(|r| r.id.clone()).collect()
    };
    assert_eq!(ids(&capped), ids(&again));
    // Just over the cap: the first rows, not a sample.
    let near = t.view_rows(extent, 0.0, all.rows.len() - 1).unwrap();
    assert!(near.more && !near.sampled);
    assert_eq!(near.rows.len(), all.rows.len() - 1);
    let vertices = |rows: &[parcelview::sources::postgis::live::ViewRow]| -> usize {
        use geo::CoordsIter;
        rows.iter().map(|r| r.geometry.coords_count()).sum()
    };
    let coarse = t.view_rows(extent, 0.001, 100_000).unwrap();
    assert!(vertices(&coarse.rows) < vertices(&all.rows));
    // Every row is in lon/lat, whatever the table's SRID.
    for r in &all.rows {
        use geo::BoundingRect;
        let b = r.geometry.bounding_rect().unwrap();
        assert!(b.min().x > 120.0 && b.max().x < 121.5 && b.min().y > 30.0 && b.max().y < 31.5);
        assert!(r.landuse.is_some());
    }
}

fn fault_of(r: Result<Layer, LoadError>) -> (ServerFault, String) {
    match r {
        Err(LoadError::Server { fault, .. }) => {
            let text = r.err().map(|e| e.to_string()).unwrap_or_default();
            (fault, text)
        }
        Err(e) => panic!("expected a server fault, got {e}"),
        Ok(_) => panic!("expected a server fault, got a layer"),
    }
}

#[test]
fn server_faults_are_clear_errors_and_the_layer_can_be_retried() {
    let Some(base) = server() else { return };
    setup(&base);
    let a = Address::parse(&base).unwrap();
    // A port where nothing listens.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let stopped = format!(
        "postgresql://postgres@127.0.0.1:{port}/{}?layer={PARCELS}",
        a.database
    );
    assert_eq!(fault_of(load(&stopped)).0, ServerFault::Unreachable);

    let missing = address(&base, "layer=no_such_table");
    let (f, text) = fault_of(load(&missing));
    assert_eq!(f, ServerFault::NoSuchTable);
    assert!(text.contains("no_such_table"), "{text}");

    let no_db = format!(
        "postgresql://postgres@{}:{}/no_such_db?layer=x",
        a.host, a.port
    );
    assert_eq!(fault_of(load(&no_db)).0, ServerFault::NoDatabase);

    let slow = address(
        &base,
        &format!("layer={PARCELS}&timeout=1&where=(SELECT pg_sleep(3)) IS NOT NULL"),
    );
    assert_eq!(fault_of(load(&slow)).0, ServerFault::Timeout);

    // Wrong credentials, typed in the dialog: refused, and never repeated.
    let mut db = client(&base);
    db.batch_execute(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pv_reader') THEN CREATE ROLE pv_reader LOGIN; END IF; END $$; \
         ALTER ROLE pv_reader PASSWORD 'right-horse-battery'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO pv_reader",
    )
    .unwrap();
    let reader = format!(
        "postgresql://pv_reader@127.0.0.1:{}/{}?layer={PARCELS}",
        a.port, a.database
    );
    let ra = Address::parse(&reader).unwrap();
    parcelview::sources::postgis::remember_password(&ra, "wrong-staple");
    let (f, text) = fault_of(load(&reader));
    assert_eq!(f, ServerFault::Authentication);
    assert!(
        !text.contains("wrong-staple") && !text.contains("right-horse"),
        "{text}"
    );
    // Retried with the right password, the same layer loads.
    parcelview::sources::postgis::remember_password(&ra, "right-horse-battery");
    assert_eq!(load(&reader).unwrap().len(), file_layer().len());
    parcelview::sources::postgis::remember_password(&ra, "");

    // A password in the address is refused without being echoed.
    let with_pw = format!(
        "postgresql://pv_reader:right-horse-battery@127.0.0.1:{}/{}?layer={PARCELS}",
        a.port, a.database
    );
    let (f, text) = fault_of(load(&with_pw));
    assert_eq!(f, ServerFault::Address);
    assert!(!text.contains("right-horse"), "{text}");
}

#[test]
fn a_connection_dropped_mid_load_is_reported() {
    let Some(base) = server() else { return };
    setup(&base);
    // Each row waits a millisecond (the sleep names a column, so it runs per
    // row, not once), so the load takes seconds; the server ends
    // the session (as a restart or a dropped network would) meanwhile.
    let marker = "pv-drop-test-3141";
    let slow = address(
        &base,
        &format!(
            "layer={PARCELS}&where='{marker}' <> '' AND pg_sleep(0.001 %2B 0 * fid) IS NOT NULL"
        ),
    );
    let killer_base = base.clone();
    let killer = std::thread::spawn(move || {
        let mut db = client(&killer_base);
        for _ in 0..100 {
            std::thread::sleep(std::time::Duration::from_millis(200));
            let n = db
                .execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()",
                    &[&marker],
                )
                .unwrap();
            if n > 0 {
                return true;
            }
        }
        false
    });
    let r = load(&slow);
    assert!(killer.join().unwrap(), "the load was never seen running");
    assert_eq!(fault_of(r).0, ServerFault::ConnectionLost);
}

#[test]
fn hostile_names_and_filters_are_refused_or_quoted_never_run() {
    let Some(base) = server() else { return };
    setup(&base);
    let mut db = client(&base);
    let count = |db: &mut postgres::Client| -> i64 {
        db.query_one(&format!("SELECT count(*) FROM {PARCELS}"), &[])
            .unwrap()
            .get(0)
    };
    let before = count(&mut db);
    for layer in [
        format!("{PARCELS}; DROP TABLE {PARCELS}"),
        format!("{PARCELS}\" ; DROP TABLE {PARCELS}; --"),
    ] {
        let addr = address(&base, &format!("layer={}", layer.replace(' ', "%20")));
        let f = match load(&addr) {
            Err(LoadError::Server { fault, .. }) => fault,
            other => panic!("{layer}: {:?}", other.map(|l| l.len())),
        };
        assert!(
            matches!(f, ServerFault::NoSuchTable | ServerFault::Address),
            "{layer}: {f:?}"
        );
    }
    for filter in [
        format!("1=1; DROP TABLE {PARCELS}"),
        "1=1 -- ".to_string(),
        "1=1) OR (1=1".to_string(),
        format!("$$'$$ = '' ; DROP TABLE {PARCELS}"),
    ] {
        let addr = address(
            &base,
            &format!(
                "layer={PARCELS}&where={}",
                filter.replace(' ', "%20").replace(';', "%3B")
            ),
        );
        assert_eq!(fault_of(load(&addr)).0, ServerFault::Refused, "{filter}");
    }
    // A filter that would write runs in a read-only session and is refused by
    // the server.
    db.batch_execute("CREATE SEQUENCE IF NOT EXISTS pv_seq")
        .unwrap();
    let writes = address(
        &base,
        &format!("layer={PARCELS}&where=nextval('pv_seq') > 0"),
    );
    assert_eq!(fault_of(load(&writes)).0, ServerFault::Permission);
    // A hostile literal in an expression stays a bound parameter.
    let live = address(&base, &format!("layer={PARCELS}&mode=live"));
    let o = run(&[
        "stats",
        &live,
        "--format",
        "json",
        "--where",
        &format!("\"状态\" = ''' ; DROP TABLE {PARCELS}; --'"),
    ]);
    assert_eq!(json_of(&o)["features"], 0);
    // An odd but real table name is quoted and works.
    put_layer(&mut db, "pv \"odd\" name.x", file_layer(), 4326);
    let odd = load(&address(
        &base,
        "layer=public.%22pv%20%22%22odd%22%22%20name.x%22",
    ))
    .unwrap();
    assert_eq!(odd.len(), file_layer().len());
    assert_eq!(count(&mut db), before);
}

#[test]
fn info_lists_the_databases_tables() {
    let Some(base) = server() else { return };
    setup(&base);
    let v = json_of(&run(&["info", &base, "--format", "json"]));
    let layers = v["layers"].as_array().unwrap();
    let ours = layers
        .iter()
        .find(|l| l["name"] == format!("public.{PROJECTED}"))
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(ours["srs"], "EPSG:4549");
    assert_eq!(ours["features"].as_u64(), Some(file_layer().len() as u64));
    let live = json_of(&run(&[
        "info",
        &address(&base, &format!("layer={PROJECTED}&mode=live")),
        "--format",
        "json",
    ]));
    assert_eq!(live["srid"], 4549);
    assert_eq!(live["roles"]["landuse"], "用地代码");
}

#[test]
fn a_project_layer_can_be_a_table_and_saves_back_as_its_address() {
    let Some(base) = server() else { return };
    setup(&base);
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("city.json");
    // The database layer beside a file layer: the address is not a path in the
    // project's folder, and the chooser's table comes through `layer`.
    let spec = serde_json::json!({
        "format": "parcelview-project",
        "version": 1,
        "title": "城市库",
        "layers": [
            {"name": "地块", "path": base, "layer": format!("public.{PARCELS}"), "visible": true, "style": {"kind": "landuse"}},
            {"name": "文件", "path": bundled_parcels().to_str().unwrap(), "visible": true, "style": {"kind": "landuse"}}
        ]
    });
    std::fs::write(&project, serde_json::to_string_pretty(&spec).unwrap()).unwrap();
    let p = parcelview::project::Project::open(&project).unwrap();
    let db = p.layers[0].data.as_ref().unwrap();
    assert_same_layer(db, file_layer());
    assert!(
        p.notes
            .iter()
            .all(|n| !n.contains("outside the project's folder") || !n.contains("地块")),
        "{:?}",
        p.notes
    );
    assert_eq!(
        parcelview::project::relative_path(Path::new(&base), dir.path()),
        PathBuf::from(&base)
    );
}

#[test]
fn a_drawn_selection_and_its_sums_come_from_one_query_and_agree() {
    let Some(base) = server() else { return };
    setup(&base);
    use parcelview::sources::postgis::live::{LiveGrouping, LiveTable, Region};
    let a = Address::parse(&address(&base, &format!("layer={PARCELS}&mode=live"))).unwrap();
    let options = LoadOptions::default();
    let mut t = LiveTable::open(&a, &options).unwrap();
    let area = geo::MultiPolygon(vec![geo::Polygon::new(
        geo::LineString::from(vec![
            (120.6913, 30.7012),
            (120.7237, 30.6981),
            (120.7311, 30.7244),
            (120.7052, 30.7318),
            (120.6913, 30.7012),
        ]),
        vec![],
    )]);
    let region = Region::Polygon {
        area,
        within: false,
    };
    let (ids, sums) = t
        .select_with_stats(&region, None, &LiveGrouping::Classes, &options)
        .unwrap();
    assert!(ids.len() > 50);
    assert_eq!(ids, t.select_ids(&region, None, &options).unwrap());
    let apart = t
        .stats(&region, None, &LiveGrouping::Classes, &options)
        .unwrap();
    assert_eq!(sums.rows, ids.len() as u64);
    assert_eq!(sums.rows, apart.rows);
    let total = |s: &parcelview::sources::postgis::live::ServerStats| -> f64 {
        s.features.iter().map(|&i| s.areas_m2[i]).sum()
    };
    assert!(close(total(&sums), total(&apart)));
    assert!(close(total(&sums), ids.iter().map(|(_, a)| a).sum()));
}

/// The file's ids of a set of its features, sorted as the server sorts them.
fn file_ids(features: &[usize]) -> Vec<String> {
    let mut ids: Vec<String> = features
        .iter()
        .map(|&i| file_layer().feature_id(i))
        .collect();
    ids.sort();
    ids
}

#[test]
fn a_selection_built_up_by_steps_is_one_server_predicate_equal_to_the_files() {
    let Some(base) = server() else { return };
    setup(&base);
    use parcelview::selection::{AreaMode, SelectOp, Selection, in_polygon, in_rect};
    use parcelview::sources::postgis::live::{LiveGrouping, LiveTable, Region};
    let a = Address::parse(&address(
        &base,
        &format!("layer={PARCELS}&mode=live&id=地块编号"),
    ))
    .unwrap();
    let options = LoadOptions::default();
    let mut t = LiveTable::open(&a, &options).unwrap();
    let file = file_layer();
    let west = geo::Rect::new((120.690, 30.700), (120.710, 30.725));
    let east = geo::Rect::new((120.705, 30.705), (120.730, 30.730));
    let cut = geo::MultiPolygon(vec![geo::Polygon::new(
        geo::LineString::from(vec![
            (120.700, 30.705),
            (120.715, 30.705),
            (120.715, 30.720),
            (120.700, 30.705),
        ]),
        vec![],
    )]);
    // The client's selection, step by step, as the window's tools make it.
    let mut client = Selection::new(file.len());
    client.apply(SelectOp::Replace, &in_rect(file, west));
    client.apply(SelectOp::Add, &in_rect(file, east));
    client.apply(
        SelectOp::Subtract,
        &in_polygon(file, &cut, AreaMode::Within),
    );
    let after_subtract = file_ids(client.ids());
    client.apply(SelectOp::Toggle, &in_rect(file, west));
    let steps = vec![
        (Region::Rect(west), SelectOp::Replace),
        (Region::Rect(east), SelectOp::Add),
        (
            Region::Polygon {
                area: cut.clone(),
                within: true,
            },
            SelectOp::Subtract,
        ),
    ];
    let ids_of = |t: &mut LiveTable, steps: Vec<(Region, SelectOp)>| {
        let (ids, sums) = t
            .select_with_stats(
                &Region::Combined(steps),
                None,
                &LiveGrouping::Classes,
                &options,
            )
            .unwrap();
        assert_eq!(sums.rows, ids.len() as u64);
        ids.into_iter().map(|(id, _)| id).collect::<Vec<_>>()
    };
    let server_ids = ids_of(&mut t, steps.clone());
    assert!(server_ids.len() > 20);
    assert_eq!(server_ids, after_subtract);
    let mut toggled = steps;
    toggled.push((Region::Rect(west), SelectOp::Toggle));
    assert_eq!(ids_of(&mut t, toggled), file_ids(client.ids()));
    // Inverting (the whole table toggled) leaves the rest of the table.
    let inverted = ids_of(
        &mut t,
        vec![
            (Region::Rect(west), SelectOp::Replace),
            (Region::Whole, SelectOp::Toggle),
        ],
    );
    assert_eq!(inverted.len(), file.len() - in_rect(file, west).len());
}

#[test]
fn a_live_layer_in_the_window_draws_the_view_and_selects_and_sums_in_the_server() {
    let Some(base) = server() else { return };
    setup(&base);
    use egui_kittest::Harness;
    use parcelview::app::{
        AreaQuery, Command as AppCommand, ParcelApp, Settings, StatsGroup, StatsScope,
    };
    use parcelview::selection::{SelectOp, in_rect};
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("live.json");
    let live = address(&base, &format!("layer={PARCELS}&mode=live&id=地块编号"));
    let spec = serde_json::json!({
        "format": "parcelview-project",
        "version": 1,
        "title": "实时库",
        "layers": [{"name": "全市地块", "path": live, "visible": true, "style": {"kind": "landuse"}}]
    });
    std::fs::write(&project, serde_json::to_string_pretty(&spec).unwrap()).unwrap();
    // The project never loads the table: the window opens it live.
    let p = parcelview::project::Project::open(&project).unwrap();
    assert!(p.layers[0].data.is_err());
    let settings = Settings {
        native_dialogs: false,
        ..Settings::default()
    };
    let app = ParcelApp::new(p, settings);
    let mut h = Harness::builder()
        .with_size([1440.0, 900.0])
        .with_max_steps(20)
        .with_step_dt(0.25)
        .build_ui_state(|ui, app: &mut ParcelApp| app.frame_ui(ui), app);
    let run_until = |h: &mut Harness<'static, ParcelApp>, done: &dyn Fn(&ParcelApp) -> bool| {
        for _ in 0..600 {
            if done(h.state()) {
                return true;
            }
            h.run_steps(1);
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        done(h.state())
    };
    let file = file_layer();
    // The layer joins the map with its name, and the view's rows arrive.
    assert!(run_until(&mut h, &|a| a
        .layers
        .first()
        .and_then(|l| l.data.as_ref().ok())
        .is_some_and(|d| !d.is_empty())));
    assert_eq!(h.state().layers[0].spec.name, "全市地块");
    assert!(h.state().layers[0].live.is_some());
    // The whole table's balance is the server's and counts every row.
    let whole = h
        .state_mut()
        .stats_for(StatsScope::Layer, StatsGroup::Class(2))
        .unwrap();
    assert_eq!(whole.features, file.len());
    // A drawn box: shown rows are selected at once, and the server's answer
    // gives the exact selection and its balance.
    let r = geo::Rect::new((120.690, 30.700), (120.720, 30.730));
    let expected = in_rect(file, r);
    h.state_mut().active = Some(0);
    h.state_mut().push(AppCommand::SelectArea(
        AreaQuery::Rect(r),
        SelectOp::Replace,
    ));
    assert!(run_until(&mut h, &|a| {
        let l = &a.layers[0];
        l.live.as_ref().is_some_and(|live| {
            parcelview::app::map::live::lock(live)
                .selection
                .as_ref()
                .is_some_and(|s| s.ids.len() == expected.len())
        })
    }));
    let table = h
        .state_mut()
        .stats_for(StatsScope::Selection, StatsGroup::Class(2))
        .unwrap();
    assert_eq!(table.features, expected.len());
    let area: f64 = expected.iter().map(|&i| file.area_m2[i]).sum();
    assert!(
        close(table.total_area_m2, area),
        "{} {area}",
        table.total_area_m2
    );
    // Clearing empties both.
    h.state_mut().push(AppCommand::ClearSelection);
    h.run_steps(2);
    assert!(h.state().layers[0].selection.is_empty());
    let l = h.state().layers[0].live.clone().unwrap();
    assert!(parcelview::app::map::live::lock(&l).selection.is_none());
}
