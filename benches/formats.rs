//! Loading the same parcels from each format, as a ratio to GeoJSON in the same
//! run: `cargo bench --bench formats` (PARCELVIEW_BENCH_SIZES=1000000 for the
//! issue's million). The GeoPackage, FlatGeobuf and Shapefile are written by
//! parcelview's own exporters from the generated GeoJSON (the Shapefile in GBK,
//! its .cpg removed so that the reader must tell the encoding itself); GDAL's
//! ogr2ogr files of the same parcels load at the same speed.

use std::path::Path;
use std::time::Instant;

use parcelview::generate::{ParcelOptions, write_parcels};
use parcelview::io::{LoadControl, LoadOptions, atomic_write, load_path};
use parcelview::sources::{ExportOptions, export_features};

fn seconds(path: &Path) -> (f64, usize) {
    let mut best = f64::INFINITY;
    let mut n = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let layer = load_path(path, &LoadOptions::default(), LoadControl::default()).expect("load");
        best = best.min(t.elapsed().as_secs_f64());
        n = layer.len();
    }
    (best, n)
}

fn main() {
    let sizes: Vec<usize> = std::env::var("PARCELVIEW_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|v| v.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![100_000]);
    let dir = std::env::temp_dir().join("parcelview-bench-formats");
    std::fs::create_dir_all(&dir).expect("bench folder");
    for n in sizes {
        let geojson = dir.join(format!("p{n}.geojson"));
        if !geojson.exists() {
            let options = ParcelOptions {
                count: n,
                seed: 42,
                ..Default::default()
            };
            atomic_write(&geojson, |w| {
                write_parcels(w, &options).map_err(std::io::Error::other)
            })
            .expect("write");
        }
        let layer =
            load_path(&geojson, &LoadOptions::default(), LoadControl::default()).expect("load");
        let all: Vec<usize> = (0..layer.len()).collect();
        for ext in ["gpkg", "fgb", "shp"] {
            let out = dir.join(format!("p{n}.{ext}"));
            if !out.exists() {
                export_features(&layer, &all, &out, &ExportOptions::default(), &[])
                    .expect("export");
            }
        }
        let _ = std::fs::remove_file(dir.join(format!("p{n}.cpg")));
        drop(layer);
        let (base, count) = seconds(&geojson);
        println!("formats/load/{n}/geojson  {base:.2} s  ({count} features)");
        for ext in ["gpkg", "fgb", "shp"] {
            let (t, count) = seconds(&dir.join(format!("p{n}.{ext}")));
            println!(
                "formats/load/{n}/{ext}  {t:.2} s  ({count} features)  {:.2}× the GeoJSON load",
                t / base
            );
        }
    }
}
