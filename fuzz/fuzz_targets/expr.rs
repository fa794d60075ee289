//! Expressions: any text parses or fails with a positioned error, never panics, and
//! a parsed expression binds to and filters a small layer without panicking.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use parcelview::io::{LoadOptions, load_bytes};
use parcelview::model::Layer;

fn layer() -> &'static Layer {
    static LAYER: OnceLock<Layer> = OnceLock::new();
    LAYER.get_or_init(|| {
        let text = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"地块编号":"A-1","用地代码":"1001","容积率":1.5,"状态":"规划"},
             "geometry":{"type":"Polygon","coordinates":[[[120,30],[120.01,30],[120.01,30.01],[120,30]]]}},
            {"type":"Feature","properties":{"地块编号":"A-2","用地代码":"0701","容积率":null,"状态":"储备"},
             "geometry":{"type":"Polygon","coordinates":[[[120.02,30],[120.03,30],[120.03,30.01],[120.02,30]]]}}]}"#;
        match load_bytes(text.as_bytes(), "fuzz.geojson", &LoadOptions::default()) {
            Ok(l) => l,
            Err(e) => panic!("the fuzz layer does not load: {e}"),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parcelview::expr::Expr::parse(text) {
        Ok(e) => {
            if let Ok(bound) = e.bind(layer()) {
                let _ = bound.filter(layer(), None);
            }
        }
        Err(e) => {
            let _ = e.pointer(text);
            let _ = e.to_string();
        }
    }
});
