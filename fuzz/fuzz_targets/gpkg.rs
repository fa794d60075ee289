//! GeoPackage import: the geometry blob decoder on any bytes, and whole
//! GeoPackages made from a seed file with bytes of it changed, load or fail with
//! an error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parcelview::io::{LoadControl, LoadOptions, load_path};
use parcelview::sources::gpkg::decode_blob;

fuzz_target!(|data: &[u8]| {
    let _ = decode_blob(data);
    if data.starts_with(b"SQLite format 3\0") {
        let path = std::env::temp_dir().join(format!("fuzz-{}.gpkg", std::process::id()));
        if std::fs::write(&path, data).is_ok() {
            if let Ok(layer) = load_path(&path, &LoadOptions::default(), LoadControl::default()) {
                assert!(layer.area_m2.iter().all(|a| a.is_finite()));
            }
            let _ = parcelview::sources::list_layers(&path);
            let _ = std::fs::remove_file(&path);
        }
    }
});
