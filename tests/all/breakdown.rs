//! Breakdowns by a field: only category fields are offered, and statuses come in
//! the order land passes through them.

use std::path::Path;

use parcelview::io::{LoadControl, LoadOptions, load_path};
use parcelview::stats::{self, AreaMethod, Grouping, Part, StatsOptions};

fn parcels() -> parcelview::model::Layer {
    load_path(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/parcels.geojson"),
        &LoadOptions::default(),
        LoadControl::default(),
    )
    .unwrap()
}

#[test]
fn only_category_fields_are_offered_for_a_breakdown() {
    let layer = parcels();
    let offered: Vec<&str> = stats::groupable_fields(&layer)
        .into_iter()
        .map(|k| layer.fields[k].as_str())
        .collect();
    for name in ["状态", "所属园区"] {
        assert!(offered.contains(&name), "{name} not offered: {offered:?}");
    }
    for name in [
        "地块编号",
        "容积率",
        "建筑密度",
        "绿地率",
        "限高",
        "企业名称",
    ] {
        if layer.field_index(name).is_some() {
            assert!(!offered.contains(&name), "{name} offered: {offered:?}");
        }
    }
}

#[test]
fn statuses_come_in_lifecycle_order() {
    let layer = parcels();
    let areas = stats::feature_areas(&layer, AreaMethod::Ellipsoidal).unwrap();
    let part = Part {
        layer: &layer,
        features: None,
        areas_m2: &areas,
    };
    let table = stats::stats_of(
        &[part],
        &Grouping::Field("状态".into()),
        1,
        AreaMethod::Ellipsoidal,
        &StatsOptions::default(),
    );
    let keys: Vec<&str> = table.groups.iter().map(|g| g.key.as_str()).collect();
    let order = ["现状", "已出让", "规划", "储备"];
    let present: Vec<&str> = order.iter().copied().filter(|k| keys.contains(k)).collect();
    assert!(present.len() >= 3, "{keys:?}");
    let positions: Vec<usize> = present
        .iter()
        .map(|k| keys.iter().position(|x| x == k).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    assert_eq!(stats::tree::lifecycle_rank("规划"), 5);
    assert!(stats::tree::lifecycle_rank("其他") > stats::tree::lifecycle_rank("储备"));
}
