//! Shapefile import: any bytes, split into a .shp, a .shx and a .dbf, load or fail
//! with an error, never panic; a layer that loads has finite areas.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parcelview::io::{LoadControl, LoadOptions};
use parcelview::sources::{LayerBuilder, shapefile};

fuzz_target!(|data: &[u8]| {
    // The first two bytes say where the .shx and the .dbf start (in sixteenths).
    let (Some(&a), Some(&b)) = (data.first(), data.get(1)) else {
        return;
    };
    let rest = data.get(2..).unwrap_or_default();
    let cut = |k: u8| rest.len() * usize::from(k % 16) / 16;
    let (x, y) = (cut(a).min(cut(b)), cut(a).max(cut(b)));
    let (shp, shx, dbf) = (&rest[..x], &rest[x..y], &rest[y..]);
    let mut builder = LayerBuilder::new(Some(rest.len() as u64));
    let shx = (!shx.is_empty()).then_some(shx);
    if let Ok(crs) = shapefile::read_parts(
        shp,
        shx,
        dbf,
        None,
        None,
        None,
        "fuzz.shp",
        LoadControl::default(),
        &mut builder,
    ) {
        if let Ok(layer) = builder.finish(
            crs,
            "fuzz.shp",
            "fuzz",
            &LoadOptions::default(),
            LoadControl::default(),
        ) {
            assert!(layer.area_m2.iter().all(|a| a.is_finite()));
        }
    }
});
