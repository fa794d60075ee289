//! Benchmarks of the core on generated parcel layers (10k, 100k, 1M parcels).
//!
//! `cargo bench --bench core` prints one line per measurement. The 1M-parcel case
//! writes a ~430 MB file to the temporary directory; set `PARCELVIEW_BENCH_SIZES`
//! (e.g. `10000,100000`) to choose sizes. Peak memory is read from
//! `/proc/self/status` (VmHWM) in a child process per size so sizes do not mix.
//!
//! This is a plain bench binary rather than criterion: a load of 1M parcels takes
//! seconds and is measured a few times, and the micro-benchmarks report the median of
//! many repetitions, which is all criterion would add here.

mod common;

use common::median;

use std::path::Path;
use std::time::Instant;

use geo::{Coord, Rect};
use parcelview::area::ellipsoidal_area_m2;
use parcelview::generate::{ParcelOptions, write_parcels};
use parcelview::index::SpatialIndex;
use parcelview::io::{LoadControl, LoadOptions, atomic_write, load_path};
use parcelview::selection;
use parcelview::stats::{AreaMethod, GroupBy, group_stats};
use rayon::prelude::*;

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn bench_size(n: usize, dir: &Path) {
    let path = dir.join(format!("parcels-{n}.geojson"));
    if !path.exists() {
        let options = ParcelOptions {
            count: n,
            seed: 42,
            ..Default::default()
        };
        atomic_write(&path, |w| {
            write_parcels(w, &options).map_err(std::io::Error::other)
        })
        .expect("write bench file");
    }
    let size_mb = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;

    // Load + index + all areas (Layer::build does areas, envelopes, classes, index).
    let runs = if n >= 1_000_000 { 3 } else { 5 };
    let mut load_times = Vec::new();
    let mut layer = None;
    for _ in 0..runs {
        drop(layer.take());
        let t = Instant::now();
        let l = load_path(&path, &LoadOptions::default(), LoadControl::default()).expect("load");
        load_times.push(t.elapsed());
        layer = Some(l);
    }
    let layer = layer.expect("layer");
    println!(
        "{n:>8} parcels ({size_mb:.0} MB): load+index+areas {:>8.1} ms (median of {runs}), peak RSS {:.0} MB",
        median(load_times).as_secs_f64() * 1e3,
        peak_rss_mb()
    );

    // Parts of the build, measured alone.
    let t = Instant::now();
    let areas: f64 = layer
        .geometries
        .par_iter()
        .flatten()
        .map(ellipsoidal_area_m2)
        .sum();
    let areas_time = t.elapsed();
    let t = Instant::now();
    let index = SpatialIndex::build(&layer.envelopes);
    let index_time = t.elapsed();
    println!(
        "{n:>8} parcels: ellipsoidal areas {:>7.1} ms (Σ {:.0} ha), index build {:>7.1} ms ({} entries)",
        areas_time.as_secs_f64() * 1e3,
        areas / 1e4,
        index_time.as_secs_f64() * 1e3,
        index.len()
    );

    // Point picks at parcel centres spread over the layer.
    let bbox = layer.bbox().expect("bbox");
    let picks: Vec<Coord<f64>> = (0..10_000)
        .map(|i| {
            let f = (i * 7919) % layer.len();
            layer.envelopes[f].expect("env").center()
        })
        .collect();
    let mut hits = 0usize;
    let t = Instant::now();
    for p in &picks {
        hits += selection::pick(&layer, *p).is_some() as usize;
    }
    let per_pick = t.elapsed() / picks.len() as u32;
    println!(
        "{n:>8} parcels: point pick {:>7.3} µs ({hits} hits of {})",
        per_pick.as_secs_f64() * 1e6,
        picks.len()
    );
    let t = Instant::now();
    let mut cands = 0usize;
    for p in &picks {
        cands += layer.index.at_point([p.x, p.y]).count();
    }
    let per_pick = t.elapsed() / picks.len() as u32;
    // A cursor moving across the map: consecutive picks a few pixels apart, as when
    // hovering, which is what the pick serves in the app.
    let c = bbox.center();
    let step = bbox.width() / 20_000.0;
    let sweep: Vec<Coord<f64>> = (0..10_000)
        .map(|i| Coord {
            x: c.x - bbox.width() / 4.0 + step * i as f64,
            y: c.y + (i as f64 * 0.01).sin() * bbox.height() / 50.0,
        })
        .collect();
    let mut sweep_hits = 0usize;
    let t = Instant::now();
    for p in &sweep {
        sweep_hits += selection::pick(&layer, *p).is_some() as usize;
    }
    println!(
        "{n:>8} parcels: point pick along a cursor path {:>7.3} µs ({sweep_hits} hits of {})",
        (t.elapsed() / sweep.len() as u32).as_secs_f64() * 1e6,
        sweep.len()
    );
    let t = Instant::now();
    let mut exact = 0usize;
    for p in &picks {
        for i in layer.index.at_point([p.x, p.y]) {
            if let Some(Some(g)) = layer.geometries.get(i) {
                exact += selection::point_hits(g, *p) as usize;
            }
        }
    }
    println!(
        "{n:>8} parcels: candidates + exact test {:>7.3} µs ({exact})",
        (t.elapsed() / picks.len() as u32).as_secs_f64() * 1e6
    );
    println!(
        "{n:>8} parcels: envelope candidates only {:>7.3} µs ({cands} candidates)",
        per_pick.as_secs_f64() * 1e6
    );

    // Exact rectangle selection of about 11k parcels (or all, for smaller layers).
    let frac = (11_000.0 / n as f64).min(1.0).sqrt();
    let c = bbox.center();
    let (w, h) = (bbox.width() * frac / 2.0, bbox.height() * frac / 2.0);
    let rect = Rect::new(
        Coord {
            x: c.x - w,
            y: c.y - h,
        },
        Coord {
            x: c.x + w,
            y: c.y + h,
        },
    );
    let mut times = Vec::new();
    let mut count = 0;
    for _ in 0..21 {
        let t = Instant::now();
        count = selection::in_rect(&layer, rect).len();
        times.push(t.elapsed());
    }
    println!(
        "{n:>8} parcels: rectangle selection {:>7.3} ms ({count} parcels, exact intersects)",
        median(times).as_secs_f64() * 1e3
    );

    // A hand-drawn lasso (concave, 60 vertices) around about 10k parcels.
    let lasso_r = (10_000.0 / n as f64).min(1.0).sqrt() * bbox.width() * 0.6;
    let ring: Vec<Coord<f64>> = (0..60)
        .map(|k| {
            let a = f64::from(k) * std::f64::consts::TAU / 60.0;
            let r = lasso_r * if k % 2 == 0 { 1.0 } else { 0.8 };
            Coord {
                x: c.x + r * a.cos(),
                y: c.y + r * a.sin() * 0.86,
            }
        })
        .collect();
    let lasso = geo::MultiPolygon(vec![geo::Polygon::new(selection::ring(&ring), vec![])]);
    for mode in [selection::AreaMode::Intersects, selection::AreaMode::Within] {
        let mut times = Vec::new();
        let mut count = 0;
        for _ in 0..21 {
            let t = Instant::now();
            count = selection::in_polygon(&layer, &lasso, mode).len();
            times.push(t.elapsed());
        }
        println!(
            "{n:>8} parcels: lasso polygon selection ({mode:?}) {:>7.3} ms ({count} parcels)",
            median(times).as_secs_f64() * 1e3
        );
    }
    let disc = geo::MultiPolygon(vec![selection::circle(c, 500.0)]);
    let mut times = Vec::new();
    let mut count = 0;
    for _ in 0..21 {
        let t = Instant::now();
        count = selection::in_polygon(&layer, &disc, selection::AreaMode::Intersects).len();
        times.push(t.elapsed());
    }
    println!(
        "{n:>8} parcels: circle selection r=500 m {:>7.3} ms ({count} parcels)",
        median(times).as_secs_f64() * 1e3
    );

    // Attribute expressions over the whole layer.
    for text in [
        "\"landuse\" LIKE '10%' AND \"far\" >= 1.5",
        "\"status\" IN ('储备', '规划') OR \"far\" IS NULL",
    ] {
        let bound = parcelview::expr::Expr::parse(text)
            .and_then(|e| e.bind(&layer))
            .expect("expression");
        let mut times = Vec::new();
        let mut count = 0;
        for _ in 0..(if n >= 1_000_000 { 7 } else { 21 }) {
            let t = Instant::now();
            count = bound.filter(&layer, None).len();
            times.push(t.elapsed());
        }
        println!(
            "{n:>8} parcels: expression {text} {:>7.3} ms ({count} parcels)",
            median(times).as_secs_f64() * 1e3
        );
    }

    // Building the selection set of a whole layer (select all, invert).
    let all: Vec<usize> = (0..layer.len()).collect();
    let mut times = Vec::new();
    for _ in 0..11 {
        let t = Instant::now();
        let mut set = selection::Selection::new(layer.len());
        set.apply(selection::SelectOp::Replace, &all);
        set.invert();
        std::hint::black_box(&set);
        times.push(t.elapsed());
    }
    println!(
        "{n:>8} parcels: select all + invert {:>7.3} ms",
        median(times).as_secs_f64() * 1e3
    );

    // Class statistics over up to 100k selected parcels.
    let selected: Vec<usize> = (0..layer.len())
        .step_by((layer.len() / 100_000).max(1))
        .collect();
    let mut times = Vec::new();
    for _ in 0..21 {
        let t = Instant::now();
        let table = group_stats(
            &layer,
            Some(&selected),
            GroupBy::Class(2),
            AreaMethod::Ellipsoidal,
            &layer.area_m2,
        );
        std::hint::black_box(table);
        times.push(t.elapsed());
    }
    println!(
        "{n:>8} parcels: class statistics over {} selected {:>7.3} ms",
        selected.len(),
        median(times).as_secs_f64() * 1e3
    );
}

fn main() {
    // `cargo bench` passes `--bench`; a child run is asked for with `--size N`.
    let args: Vec<String> = std::env::args().collect();
    let dir = std::env::temp_dir().join("parcelview-bench");
    std::fs::create_dir_all(&dir).expect("bench dir");
    if let Some(i) = args.iter().position(|a| a == "--size") {
        let n: usize = args[i + 1].parse().expect("size");
        bench_size(n, &dir);
        return;
    }
    let sizes =
        std::env::var("PARCELVIEW_BENCH_SIZES").unwrap_or_else(|_| "10000,100000,1000000".into());
    let exe = std::env::current_exe().expect("exe");
    for s in sizes.split(',') {
        let status = std::process::Command::new(&exe)
            .args(["--size", s.trim()])
            .status()
            .expect("run child");
        assert!(status.success(), "bench for size {s} failed");
    }
}
