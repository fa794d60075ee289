//! A live PostGIS layer of five million parcels, against the bare SQL in the
//! same run: `PARCELVIEW_PG_TEST=postgresql://USER@HOST:PORT/DB cargo bench
//! --bench postgis` (PARCELVIEW_PG_BENCH_ROWS to change the size). Without the
//! variable it says so and does nothing.
//!
//! The table is made in the server with SQL: a grid of 50 m parcels over
//! 1.25° × 1° with eight land-use codes, a GiST index and fresh statistics. The
//! figures:
//! - the whole-table balance through parcelview (server sums, then the same
//!   hierarchical, balanced-rounding table as files) against the bare
//!   `SELECT code, count(*), sum(ST_Area(geom::geography)) … GROUP BY 1`;
//! - a drawn polygon of about 50 000 parcels: its selection (ids and areas)
//!   and its balance;
//! - the client's peak memory (VmHWM).

use std::time::Instant;

use parcelview::io::LoadOptions;
use parcelview::sources::postgis::Address;
use parcelview::sources::postgis::live::{LiveGrouping, LiveTable, Region, ServerStats};
use parcelview::stats::{self, AreaMethod, BalanceTable, Grouping};

const TABLE: &str = "pv_bench_parcels";
const COLUMNS: usize = 2500;
const CELL_DEG: f64 = 0.0005;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// The land-use balance of server sums, as the window and `stats` arrange it.
fn balance_of(s: &ServerStats) -> (stats::StatsTable, BalanceTable) {
    let part = stats::Part {
        layer: &s.layer,
        features: Some(&s.features),
        areas_m2: &s.areas_m2,
    };
    let table = stats::stats_of(
        &[part],
        &Grouping::Class(parcelview::landuse::Palette::Gtkj2023),
        2,
        AreaMethod::Ellipsoidal,
        &Default::default(),
    );
    let balance = BalanceTable::new(&table, None, 2, None);
    (table, balance)
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(v);
    }
    (best, out.expect("at least one run"))
}

fn main() {
    let Ok(base) = std::env::var("PARCELVIEW_PG_TEST") else {
        eprintln!("postgis bench skipped: set PARCELVIEW_PG_TEST=postgresql://USER@HOST:PORT/DB");
        return;
    };
    let rows: usize = std::env::var("PARCELVIEW_PG_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000_000);
    let a = Address::parse(&base).expect("address");
    let mut config = postgres::Config::new();
    config
        .host(&a.host)
        .port(a.port)
        .dbname(&a.database)
        .user(&a.effective_user());
    let mut db = config.connect(postgres::NoTls).expect("connect");
    let have: i64 = db
        .query_one(
            "SELECT COALESCE((SELECT reltuples::int8 FROM pg_class WHERE relname = $1), -1)",
            &[&TABLE],
        )
        .expect("catalogue")
        .get(0);
    if have != rows as i64 {
        let t = Instant::now();
        db.batch_execute(&format!(
            "DROP TABLE IF EXISTS {TABLE};
             CREATE TABLE {TABLE} AS
               SELECT g AS fid,
                      (ARRAY['0701','0702','1001','1002','1101','1202','1401','0801'])[1 + (g::int8 * 7919) % 8] AS landuse,
                      ST_MakeEnvelope(x, y, x + {w}, y + {w}, 4326) AS geom
               FROM generate_series(0, {last}) g,
                    LATERAL (SELECT 120.0 + (g % {COLUMNS}) * {CELL_DEG} AS x,
                                    30.0 + (g / {COLUMNS}) * {CELL_DEG} AS y) s;
             ALTER TABLE {TABLE} ADD PRIMARY KEY (fid);
             CREATE INDEX ON {TABLE} USING gist (geom);",
            w = CELL_DEG * 0.9,
            last = rows - 1,
        ))
        .expect("make the table");
        // VACUUM cannot run in the batch's implicit transaction.
        db.batch_execute(&format!("VACUUM ANALYZE {TABLE}"))
            .expect("analyse the table");
        eprintln!(
            "made {rows} parcels in the server in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }

    // The bare SQL, as a DBA would run it.
    let (bare_s, bare_rows) = best_of(3, || {
        db.query(
            &format!(
                "SELECT landuse, count(*), sum(ST_Area(geom::geography)) FROM {TABLE} GROUP BY 1"
            ),
            &[],
        )
        .expect("bare sql")
        .len()
    });

    let address =
        Address::parse(&format!("{base}?layer={TABLE}&mode=live&timeout=600")).expect("address");
    let options = LoadOptions::default();
    let mut live = LiveTable::open(&address, &options).expect("open live table");
    let (ours_s, (groups, total_ha)) = best_of(3, || {
        let s = live
            .stats(&Region::Whole, None, &LiveGrouping::Classes, &options)
            .expect("server stats");
        let (table, balance) = balance_of(&s);
        (balance.all_rows().count(), table.total_area_ha_rounded)
    });
    println!(
        "whole-table balance of {rows} parcels: parcelview {ours_s:.2} s, bare SQL {bare_s:.2} s ({bare_rows} groups), ratio {:.2} (target <= 2); {groups} table rows, {total_ha} ha",
        ours_s / bare_s
    );

    // A drawn polygon of about 50 000 parcels (a square of 224 × 224 cells, tilted).
    let side = 224.0 * CELL_DEG;
    let (x0, y0) = (120.3, 30.3);
    let polygon = geo::MultiPolygon(vec![geo::Polygon::new(
        geo::LineString::from(vec![
            (x0, y0),
            (x0 + side, y0 + side * 0.05),
            (x0 + side * 0.95, y0 + side),
            (x0 - side * 0.05, y0 + side * 0.95),
            (x0, y0),
        ]),
        vec![],
    )]);
    let region = Region::Polygon {
        area: polygon,
        within: false,
    };
    let (together_s, hits) = best_of(3, || {
        let (ids, s) = live
            .select_with_stats(&region, None, &LiveGrouping::Classes, &options)
            .expect("select with stats");
        let _ = balance_of(&s);
        ids.len()
    });
    println!(
        "drawn polygon: {hits} parcels selected with their balance in {together_s:.3} s (target <= 1 s)"
    );
    println!(
        "client peak memory: {:.0} MiB (target <= 300)",
        peak_rss_mib()
    );
}
