//! Property tests: the spatial index and the selection queries agree with brute
//! force, statistics do not depend on feature order, and the parsers never panic on
//! arbitrary input.

use geo::{BoundingRect, Intersects};
use parcelview::io::{LoadOptions, load_bytes};
use parcelview::model::Layer;
use proptest::prelude::*;

/// A layer of small random quadrilaterals (some concave, some crossing
/// themselves) with random land-use codes.
fn layer_of(quads: &[([f64; 8], usize)]) -> Layer {
    const CODES: [&str; 6] = ["0701", "1001", "1101", "0802", "1401", "1208"];
    let features: Vec<String> = quads
        .iter()
        .enumerate()
        .map(|(i, (q, code))| {
            let pts: Vec<String> = (0..4)
                .chain(std::iter::once(0))
                .map(|k| format!("[{:.7},{:.7}]", 120.0 + q[2 * k] * 0.05, 30.0 + q[2 * k + 1] * 0.05))
                .collect();
            format!(
                r#"{{"type":"Feature","properties":{{"地块编号":"P{i}","用地代码":"{}"}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#,
                CODES[code % CODES.len()],
                pts.join(",")
            )
        })
        .collect();
    let text = format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    );
    load_bytes(text.as_bytes(), "prop.geojson", &LoadOptions::default()).unwrap()
}

fn quads() -> impl Strategy<Value = Vec<([f64; 8], usize)>> {
    let quad = (
        (0.0..1.0f64, 0.0..1.0f64),
        proptest::array::uniform6(-0.05..0.05f64),
        0usize..6,
    )
        .prop_map(|((x, y), d, code)| {
            (
                [
                    x,
                    y,
                    x + 0.04 + d[0],
                    y + d[1],
                    x + 0.04 + d[2],
                    y + 0.04 + d[3],
                    x + d[4],
                    y + 0.04 + d[5],
                ],
                code,
            )
        });
    proptest::collection::vec(quad, 1..60)
}

fn rect() -> impl Strategy<Value = geo::Rect<f64>> {
    (0.0..1.0f64, 0.0..1.0f64, 0.0..0.6f64, 0.0..0.6f64).prop_map(|(x, y, w, h)| {
        geo::Rect::new(
            geo::coord! { x: 120.0 + x * 0.05, y: 30.0 + y * 0.05 },
            geo::coord! { x: 120.0 + (x + w) * 0.05, y: 30.0 + (y + h) * 0.05 },
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_index_and_rectangle_selection_agree_with_brute_force(q in quads(), r in rect()) {
        let layer = layer_of(&q);
        let mut from_index: Vec<usize> = layer.index.in_rect(r).map(|(i, _)| i).collect();
        from_index.sort_unstable();
        let brute_env: Vec<usize> = (0..layer.len())
            .filter(|&i| layer.envelopes[i].is_some_and(|e| e.intersects(&r)))
            .collect();
        prop_assert_eq!(from_index, brute_env);
        let selected = parcelview::selection::in_rect(&layer, r);
        let brute: Vec<usize> = (0..layer.len())
            .filter(|&i| layer.geometries[i].as_ref().is_some_and(|g| g.intersects(&r)))
            .collect();
        prop_assert_eq!(selected, brute);
    }

    #[test]
    fn statistics_do_not_depend_on_feature_order(q in quads(), seed in any::<u64>()) {
        use parcelview::stats::{AreaMethod, GroupBy, group_stats};
        let layer = layer_of(&q);
        let mut shuffled = q.clone();
        // A deterministic shuffle from the seed.
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let other = layer_of(&shuffled);
        for by in [GroupBy::Class(1), GroupBy::Class(2)] {
            let a = group_stats(&layer, None, by, AreaMethod::Ellipsoidal, &layer.area_m2);
            let b = group_stats(&other, None, by, AreaMethod::Ellipsoidal, &other.area_m2);
            prop_assert_eq!(a.features, b.features);
            prop_assert_eq!(a.groups.len(), b.groups.len());
            prop_assert!((a.total_area_m2 - b.total_area_m2).abs() <= 1e-9 * a.total_area_m2.max(1.0));
            for (x, y) in a.groups.iter().zip(&b.groups) {
                prop_assert_eq!(&x.key, &y.key);
                prop_assert_eq!(x.count, y.count);
                prop_assert!((x.area_m2 - y.area_m2).abs() <= 1e-9 * x.area_m2.max(1.0));
                prop_assert_eq!(x.area_ha_rounded, y.area_ha_rounded);
            }
        }
    }

    #[test]
    fn polygon_selection_agrees_with_brute_force(q in quads(), r in rect()) {
        use parcelview::selection::{AreaMode, in_polygon};
        let layer = layer_of(&q);
        let area = geo::MultiPolygon(vec![r.to_polygon()]);
        let hits = in_polygon(&layer, &area, AreaMode::Intersects);
        let brute: Vec<usize> = (0..layer.len())
            .filter(|&i| layer.geometries[i].as_ref().is_some_and(|g| g.intersects(&area)))
            .collect();
        prop_assert_eq!(hits, brute);
        let _ = r.bounding_rect();
    }

    #[test]
    fn the_expression_parser_never_panics(text in "\\PC{0,60}") {
        let _ = parcelview::expr::Expr::parse(&text);
    }

    #[test]
    fn expressions_of_expression_tokens_never_panic(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("\"用地代码\""), Just("LIKE"), Just("'10%'"), Just("AND"), Just("OR"),
                Just("NOT"), Just("("), Just(")"), Just("IN"), Just(","), Just("BETWEEN"),
                Just("IS"), Just("NULL"), Just("1.5"), Just(">="), Just("="), Just("+"),
                Just("/"), Just("0"), Just("$area"), Just("\"容积率\""), Just("'"),
            ],
            0..14,
        )
    ) {
        let text = parts.join(" ");
        let layer = layer_of(&[([0.0, 0.0, 0.04, 0.0, 0.04, 0.04, 0.0, 0.04], 1)]);
        if let Ok(e) = parcelview::expr::Expr::parse(&text)
            && let Ok(bound) = e.bind(&layer)
        {
            let _ = bound.filter(&layer, None);
        }
    }

    #[test]
    fn the_geojson_loader_never_panics_on_mangled_files(
        cuts in proptest::collection::vec((0usize..400, any::<u8>()), 0..6),
        truncate in 0usize..400,
    ) {
        let mut bytes = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:4326"}},"features":[{"type":"Feature","id":7,"properties":{"地块编号":"A-1","用地代码":"1001","容积率":"1.5"},"geometry":{"type":"MultiPolygon","coordinates":[[[[120,30],[120.01,30],[120.01,30.01],[120,30]]]]}},{"type":"Feature","properties":null,"geometry":{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[120,30]}]}}]}"#.as_bytes().to_vec();
        for (at, b) in cuts {
            if let Some(x) = bytes.get_mut(at) {
                *x = b;
            }
        }
        bytes.truncate(bytes.len().min(truncate.max(1) * 2));
        let _ = load_bytes(&bytes, "mangled.geojson", &LoadOptions::default());
    }
}
