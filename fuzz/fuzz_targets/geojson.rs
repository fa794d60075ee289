//! GeoJSON import: any bytes load or fail with an error, never panic, and a layer
//! that loads can be measured, selected and summarised.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parcelview::io::{LoadOptions, load_bytes};

fuzz_target!(|data: &[u8]| {
    if let Ok(layer) = load_bytes(data, "fuzz.geojson", &LoadOptions::default()) {
        assert!(layer.area_m2.iter().all(|a| a.is_finite()));
        if let Some(bbox) = layer.bbox() {
            let hits = parcelview::selection::in_rect(&layer, bbox);
            let _ = parcelview::stats::group_stats(
                &layer,
                Some(&hits),
                parcelview::stats::GroupBy::Class(2),
                parcelview::stats::AreaMethod::Ellipsoidal,
                &layer.area_m2,
            );
        }
    }
});
