//! The bundled airport-city project in maps/: reproducible, and sound as a plan.

use std::collections::BTreeMap;
use std::path::PathBuf;

use geo::{BooleanOps, Coord, Geometry, MultiPolygon, Validation};
use parcelview::area::ellipsoidal_area_m2;
use parcelview::crs::GaussKruger;
use parcelview::generate::{DEFAULT_SEED, district_files};
use parcelview::io::{LoadControl, LoadOptions, load_path};
use parcelview::landuse::LanduseTable;
use parcelview::model::Layer;
use parcelview::selection;
use parcelview::stats::{self, AreaMethod, GroupBy};

fn maps() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("maps")
}

fn layer(name: &str) -> Layer {
    load_path(
        &maps().join(name),
        &LoadOptions::default(),
        LoadControl::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn as_multi(g: &Geometry<f64>) -> MultiPolygon<f64> {
    selection::polygonal(g).expect("polygonal geometry")
}

fn text(layer: &Layer, i: usize, field: &str) -> Option<String> {
    layer
        .field_index(field)
        .and_then(|f| layer.value(i, f).to_text())
}

#[test]
fn generator_reproduces_the_committed_files_byte_for_byte() {
    let files = district_files(DEFAULT_SEED).unwrap();
    assert_eq!(files.len(), 9);
    for (name, bytes) in files {
        let committed =
            std::fs::read(maps().join(&name)).unwrap_or_else(|e| panic!("maps/{name}: {e}"));
        assert!(
            committed == bytes,
            "maps/{name} differs from the generator's output; run `cargo run --release -- generate district --out maps`"
        );
    }
}

#[test]
fn parcels_are_valid_coded_and_partition_the_district_with_roads_and_water() {
    let parcels = layer("parcels.geojson");
    let roads = layer("roads.geojson");
    let water = layer("water.geojson");
    let boundary = layer("boundary.geojson");
    assert!(parcels.len() >= 2000, "{} parcels", parcels.len());
    assert_eq!(parcels.skipped + roads.skipped + water.skipped, 0);
    assert!(parcels.warnings.is_empty(), "{:?}", parcels.warnings);

    let table = LanduseTable::global();
    let code_field = parcels.field_index("用地代码").unwrap();
    for i in 0..parcels.len() {
        let g = parcels.geometries[i].as_ref().unwrap();
        assert!(
            g.is_valid(),
            "parcel {} is not valid",
            parcels.feature_id(i)
        );
        let code = parcels.value(i, code_field).to_text().unwrap();
        let class = table
            .by_code(&code)
            .unwrap_or_else(|| panic!("code {code} not in the table"));
        // Third level where the standard has one.
        let has_children = table.classes.iter().any(|c| c.parent == Some(class));
        assert!(
            !has_children,
            "parcel {} uses {code}, which has finer classes",
            parcels.feature_id(i)
        );
        let stated: f64 = text(&parcels, i, "用地面积").unwrap().parse().unwrap();
        assert!(
            (stated - parcels.area_m2[i]).abs() < 0.006,
            "用地面积 of {}",
            parcels.feature_id(i)
        );
    }

    // Area bookkeeping: parcels, roads and water fill the outline.
    let sum = |l: &Layer| l.area_m2.iter().sum::<f64>();
    let total = sum(&boundary);
    let filled = sum(&parcels) + sum(&roads) + sum(&water);
    assert!((filled - total).abs() / total < 1e-6, "{filled} vs {total}");
    assert!((20e6..=40e6).contains(&total), "district is {total} m²");

    // No overlaps, and nothing outside the outline: the two together with the sums
    // above mean the layers partition the district.
    let outline = as_multi(boundary.geometries[0].as_ref().unwrap());
    let all: Vec<(&Layer, usize)> = [&parcels, &roads, &water]
        .iter()
        .flat_map(|l| (0..l.len()).map(move |i| (*l, i)))
        .collect();
    let mut overlap_total = 0.0;
    for (k, &(la, i)) in all.iter().enumerate() {
        let a = as_multi(la.geometries[i].as_ref().unwrap());
        let outside = ellipsoidal_area_m2(&Geometry::MultiPolygon(a.difference(&outline)));
        assert!(
            outside < 0.05,
            "{} sticks out of the district by {outside} m²",
            la.feature_id(i)
        );
        for &(lb, j) in &all[k + 1..] {
            let (ea, eb) = (la.envelopes[i].unwrap(), lb.envelopes[j].unwrap());
            if ea.max().x < eb.min().x
                || eb.max().x < ea.min().x
                || ea.max().y < eb.min().y
                || eb.max().y < ea.min().y
            {
                continue;
            }
            let b = as_multi(lb.geometries[j].as_ref().unwrap());
            let o = ellipsoidal_area_m2(&Geometry::MultiPolygon(a.intersection(&b)));
            // Coordinates are written to 1e-9° (about 0.1 mm), which can shift a
            // shared edge by 0.05 mm: a sliver of at most 0.05 mm × its length.
            assert!(
                o < 0.02,
                "{} and {} overlap by {o} m²",
                la.feature_id(i),
                lb.feature_id(j)
            );
            overlap_total += o;
        }
    }
    assert!(overlap_total < 1.0, "total overlap {overlap_total} m²");
}

#[test]
fn land_use_balance_adds_up_and_fits_an_airport_new_town() {
    let parcels = layer("parcels.geojson");
    let t = stats::group_stats(
        &parcels,
        None,
        GroupBy::Class(1),
        AreaMethod::Ellipsoidal,
        &parcels.area_m2,
    );
    let cents = |v: f64| (v * 100.0).round() as i64;
    assert_eq!(
        t.groups
            .iter()
            .map(|g| cents(g.area_ha_rounded))
            .sum::<i64>(),
        cents(t.total_area_ha_rounded)
    );
    assert_eq!(
        t.groups
            .iter()
            .map(|g| cents(g.share_pct_rounded))
            .sum::<i64>(),
        10_000
    );
    let share: BTreeMap<&str, f64> = t
        .groups
        .iter()
        .map(|g| (g.key.as_str(), g.share_pct))
        .collect();
    // Industry is the largest use, then housing; logistics, airport and green land
    // each take a real share.
    assert!(share["10"] > 15.0 && share["10"] > share["07"], "{share:?}");
    assert!(share["07"] > 10.0, "{share:?}");
    assert!(
        share["11"] > 5.0 && share["12"] > 8.0 && share["14"] > 8.0,
        "{share:?}"
    );
    assert!(
        t.groups.iter().all(|g| g.name.is_some()),
        "every class is known"
    );
}

/// The runway's centre line and its extended axis, in metres on the plane.
fn runway(plane: &GaussKruger) -> (Coord<f64>, Coord<f64>, f64, f64) {
    let airport = layer("airport.geojson");
    let i = (0..airport.len())
        .find(|&i| text(&airport, i, "类型").as_deref() == Some("跑道"))
        .unwrap();
    let Geometry::Polygon(p) = airport.geometries[i].as_ref().unwrap() else {
        panic!()
    };
    let en: Vec<Coord<f64>> = p
        .exterior()
        .0
        .iter()
        .map(|c| plane.forward(*c).unwrap())
        .collect();
    let d = |a: Coord<f64>, b: Coord<f64>| ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt();
    let (long, short) = (d(en[0], en[1]), d(en[1], en[2]));
    let centre = Coord {
        x: (en[0].x + en[2].x) / 2.0,
        y: (en[0].y + en[2].y) / 2.0,
    };
    let dir = Coord {
        x: (en[1].x - en[0].x) / long,
        y: (en[1].y - en[0].y) / long,
    };
    (centre, dir, long, short)
}

#[test]
fn airport_runway_and_noise_sensitive_uses() {
    let plane = GaussKruger::new(120.0).unwrap();
    let (centre, dir, long, short) = runway(&plane);
    // 3 400 m × 50 m on the Gauss-Krüger plane, whose scale here is 1 + 5e-5.
    assert!((long - 3400.0).abs() < 0.5, "runway length {long}");
    assert!((short - 50.0).abs() < 0.05, "runway width {short}");
    let ll = plane.inverse(centre).unwrap();
    assert!(
        (ll.x - 120.6806).abs() < 1e-4 && (ll.y - 30.7067).abs() < 1e-4,
        "{ll:?}"
    );

    // Distance across and along the runway axis of a point, metres.
    let axis = |c: Coord<f64>| {
        let en = plane.forward(c).unwrap();
        let (dx, dy) = (en.x - centre.x, en.y - centre.y);
        ((dx * dir.x + dy * dir.y), (-dx * dir.y + dy * dir.x))
    };
    let parcels = layer("parcels.geojson");
    let code = parcels.field_index("用地代码").unwrap();
    let mut housing = 0;
    let mut logistics = 0;
    for i in 0..parcels.len() {
        let c = parcels.value(i, code).to_text().unwrap();
        let Geometry::Polygon(p) = parcels.geometries[i].as_ref().unwrap() else {
            continue;
        };
        let nearest_across = p
            .exterior()
            .0
            .iter()
            .map(|v| axis(*v).1.abs())
            .fold(f64::INFINITY, f64::min);
        if c.starts_with("0701") || c == "080403" || c == "080404" || c.starts_with("0806") {
            // Homes, schools and clinics keep out of the noise band along the runway.
            assert!(
                nearest_across > 1500.0,
                "{} ({c}) is {nearest_across} m from the runway axis",
                parcels.feature_id(i)
            );
            housing += 1;
        }
        if c.starts_with("1101") {
            let (along, across) = axis(p.exterior().0[0]);
            assert!(
                (along * along + across * across).sqrt() < 6000.0,
                "logistics far from the airport"
            );
            logistics += 1;
        }
    }
    assert!(
        housing > 300 && logistics > 100,
        "{housing} homes/schools, {logistics} logistics"
    );
}

#[test]
fn facilities_sit_on_parcels_of_matching_class() {
    let parcels = layer("parcels.geojson");
    let facilities = layer("facilities.geojson");
    assert!(facilities.len() >= 30);
    let allowed = |kind: &str| -> &[&str] {
        match kind {
            "中小学" => &["080403"],
            "幼儿园" => &["080404"],
            "医院" => &["080601"],
            "社区卫生服务站" => &["080602", "0702"],
            "一老一小服务中心" => &["0702", "0807"],
            "公园" => &["1401"],
            "体育中心" => &["0805"],
            "文化中心" => &["0803"],
            "消防站" => &["1310"],
            "派出所" => &["0801"],
            "变电站" => &["1303"],
            "公交枢纽" => &["120802"],
            "研究院" => &["0802"],
            "孵化器" => &["0902", "0802"],
            "人才社区" => &["0701"],
            other => panic!("unknown facility type {other}"),
        }
    };
    let mut kinds = BTreeMap::<String, usize>::new();
    for i in 0..facilities.len() {
        let kind = text(&facilities, i, "类型").unwrap();
        *kinds.entry(kind.clone()).or_default() += 1;
        let Geometry::Point(p) = facilities.geometries[i].as_ref().unwrap() else {
            panic!()
        };
        let under = selection::at_point(&parcels, p.0);
        assert_eq!(
            under.len(),
            1,
            "{} is not inside exactly one parcel",
            text(&facilities, i, "名称").unwrap()
        );
        let parcel = under[0];
        assert_eq!(
            parcels.feature_id(parcel),
            text(&facilities, i, "地块编号").unwrap()
        );
        let code = text(&parcels, parcel, "用地代码").unwrap();
        assert!(
            allowed(&kind).iter().any(|a| code.starts_with(a)),
            "{kind} on {code}"
        );
        let radius = text(&facilities, i, "服务半径_m");
        assert!(
            kind == "研究院" || kind == "孵化器" || kind == "人才社区" || radius.is_some(),
            "{kind} has no service radius"
        );
    }
    for kind in [
        "中小学",
        "幼儿园",
        "医院",
        "一老一小服务中心",
        "社区卫生服务站",
        "公园",
        "体育中心",
        "文化中心",
        "消防站",
        "派出所",
        "变电站",
        "公交枢纽",
        "研究院",
        "人才社区",
    ] {
        assert!(kinds.contains_key(kind), "no {kind}");
    }
    let names: Vec<String> = (0..facilities.len())
        .map(|i| text(&facilities, i, "名称").unwrap())
        .collect();
    for must in [
        "上海外国语大学秀洲外国语学校高新区实验学区",
        "秀洲区人民医院高照院区",
        "北京理工大学长三角研究院（嘉兴）",
        "浙江大学嘉兴研究院",
    ] {
        assert!(names.iter().any(|n| n == must), "missing {must}");
    }
}

#[test]
fn parks_enterprises_metadata_and_project_file() {
    let parks = layer("parks.geojson");
    let names: Vec<String> = (0..parks.len())
        .map(|i| text(&parks, i, "名称").unwrap())
        .collect();
    for must in [
        "光伏新能源产业园",
        "高端汽车零部件产业园",
        "光电信息产业园",
        "空港物流园",
        "空港秀水创新绿谷",
    ] {
        assert!(names.iter().any(|n| n == must), "missing park {must}");
    }
    let pv = names.iter().position(|n| n == "光伏新能源产业园").unwrap();
    assert!(text(&parks, pv, "龙头企业").unwrap().contains("隆基绿能"));
    let stated: f64 = text(&parks, pv, "规划面积_公顷").unwrap().parse().unwrap();
    assert!((stated - parks.area_m2[pv] / 1e4).abs() < 0.006);

    // Sold industrial land names its enterprise; the article's anchors are there.
    let parcels = layer("parcels.geojson");
    let mut anchors = 0;
    for i in 0..parcels.len() {
        let code = text(&parcels, i, "用地代码").unwrap();
        let status = text(&parcels, i, "状态").unwrap();
        assert!(["现状", "规划", "已出让", "储备"].contains(&status.as_str()));
        let enterprise = text(&parcels, i, "企业名称");
        if (code.starts_with("1001") || code.starts_with("1101")) && status == "已出让" {
            assert!(
                enterprise.is_some(),
                "sold parcel {} without enterprise",
                parcels.feature_id(i)
            );
        }
        if enterprise
            .as_deref()
            .is_some_and(|e| e.contains("隆基") || e.contains("阿特斯") || e.contains("欧菲"))
        {
            assert_eq!(
                text(&parcels, i, "所属园区").as_deref(),
                Some("光伏新能源产业园")
            );
            anchors += 1;
        }
    }
    assert_eq!(anchors, 3);

    // Every layer says it is illustrative.
    for name in [
        "boundary",
        "airport",
        "roads",
        "water",
        "parcels",
        "parks",
        "facilities",
        "landuse-current",
    ] {
        let raw = std::fs::read_to_string(maps().join(format!("{name}.geojson"))).unwrap();
        let head: String = raw.lines().take(6).collect();
        assert!(
            head.contains("\"illustrative\":true") && head.contains("示意"),
            "{name}.geojson metadata"
        );
    }
    let project: serde_json::Value =
        serde_json::from_slice(&std::fs::read(maps().join("airport-city.json")).unwrap()).unwrap();
    assert_eq!(project["format"], "parcelview-project");
    for l in project["layers"].as_array().unwrap() {
        assert!(maps().join(l["path"].as_str().unwrap()).exists());
    }
    let slides = project["bookmarks"].as_array().unwrap();
    assert!((6..=10).contains(&slides.len()));
    for s in slides {
        assert!(!s["caption"].as_str().unwrap().is_empty(), "{s}");
    }
}

fn total_m2(l: &Layer) -> f64 {
    l.area_m2.iter().sum::<f64>()
}

#[test]
fn the_plan_and_the_present_state_each_cover_the_planning_area() {
    let boundary = total_m2(&layer("boundary.geojson"));
    let plan = total_m2(&layer("parcels.geojson"))
        + total_m2(&layer("roads.geojson"))
        + total_m2(&layer("water.geojson"));
    assert!(
        (plan - boundary).abs() / boundary < 5e-4,
        "plan {plan} m², boundary {boundary} m²"
    );
    let present = layer("landuse-current.geojson");
    assert_eq!(present.skipped, 0);
    assert!(present.warnings.is_empty(), "{:?}", present.warnings);
    let now = total_m2(&present);
    assert!(
        (now - boundary).abs() / boundary < 5e-4,
        "present {now} m², boundary {boundary} m²"
    );
}

#[test]
fn the_present_state_does_not_overlap_itself_or_leave_the_outline() {
    let present = layer("landuse-current.geojson");
    let parcels = layer("parcels.geojson");
    let boundary = layer("boundary.geojson");
    // The parcels' present state has the parcels' own geometry, each parcel once, so
    // it partitions what they partition (tested above).
    let by_id: BTreeMap<String, usize> = (0..parcels.len())
        .map(|i| (parcels.feature_id(i), i))
        .collect();
    let mut seen = 0;
    for i in 0..present.len() {
        assert!(
            present.geometries[i].as_ref().unwrap().is_valid(),
            "{} is not valid",
            present.feature_id(i)
        );
        let id = present.feature_id(i);
        if let Some(&j) = by_id.get(&id) {
            assert_eq!(present.geometries[i], parcels.geometries[j], "{id}");
            seen += 1;
        } else {
            assert!(
                id.starts_with("XZ-DL-") || id.starts_with("XZ-SX-"),
                "unexpected id {id}"
            );
        }
    }
    assert_eq!(seen, parcels.len());
    let ids: std::collections::BTreeSet<String> =
        (0..present.len()).map(|i| present.feature_id(i)).collect();
    assert_eq!(ids.len(), present.len(), "ids are unique");

    // The union of all present features has the area of their sum (so they do not
    // overlap) and of the outline, and nothing of it lies outside the outline.
    let polys: Vec<MultiPolygon<f64>> = present
        .geometries
        .iter()
        .map(|g| as_multi(g.as_ref().unwrap()))
        .collect();
    let union = geo::unary_union(&polys);
    let union_m2 = ellipsoidal_area_m2(&Geometry::MultiPolygon(union.clone()));
    let sum = total_m2(&present);
    assert!(
        (sum - union_m2).abs() < 10.0,
        "features overlap by {} m²",
        sum - union_m2
    );
    let outline = as_multi(boundary.geometries[0].as_ref().unwrap());
    let outside = ellipsoidal_area_m2(&Geometry::MultiPolygon(union.difference(&outline)));
    assert!(outside < 1.0, "{outside} m² outside the outline");
    let missing = ellipsoidal_area_m2(&Geometry::MultiPolygon(outline.difference(&union)));
    assert!(missing < 10.0, "{missing} m² of the outline uncovered");

    // Spot check: points on a grid over the outline each lie in exactly one feature.
    let env = boundary.envelopes[0].unwrap();
    let mut inside = 0;
    for a in 1..40 {
        for b in 1..40 {
            let p = Coord {
                x: env.min().x + env.width() * (a as f64 + 0.37) / 40.0,
                y: env.min().y + env.height() * (b as f64 + 0.61) / 40.0,
            };
            if selection::at_point(&boundary, p).is_empty() {
                continue;
            }
            inside += 1;
            let hits = selection::at_point(&present, p);
            assert_eq!(hits.len(), 1, "{p:?} lies in {hits:?}");
        }
    }
    assert!(inside > 1000, "{inside} points inside");
}

#[test]
fn the_present_state_has_fields_villages_old_roads_rivers_and_ponds() {
    let present = layer("landuse-current.geojson");
    let mut area_by_code = BTreeMap::<String, f64>::new();
    // The codes today of what each plan name covers (a planned road: its stretches).
    let mut named = BTreeMap::<String, std::collections::BTreeSet<String>>::new();
    for i in 0..present.len() {
        let code = text(&present, i, "用地代码").unwrap();
        *area_by_code.entry(code.clone()).or_default() += present.area_m2[i];
        let id = present.feature_id(i);
        if !id.starts_with("XZ-") {
            continue;
        }
        let status = text(&present, i, "状态").unwrap();
        let planned = text(&present, i, "规划用地代码").unwrap();
        let plan_name = text(&present, i, "规划名称").unwrap();
        let name = text(&present, i, "名称");
        assert!(
            text(&present, i, "用地名称").is_some(),
            "{id} has no 用地名称"
        );
        match status.as_str() {
            // What exists keeps its planned code and its name.
            "现状" => {
                assert_eq!(code, planned, "{id}");
                assert_eq!(name.as_deref(), Some(plan_name.as_str()), "{id}");
            }
            // What is still to be built is fields or villages, without a name.
            "规划" => {
                assert!(code == "0101" || code == "0703", "{id} is {code}");
                assert!(name.is_none(), "{id}");
            }
            other => panic!("{id} has 状态 {other}"),
        }
        if id.starts_with("XZ-DL-") {
            assert!(planned == "1202" || planned == "1207", "{id}: {planned}");
        } else {
            assert!(planned.starts_with("17"), "{id}: {planned}");
        }
        named.entry(plan_name).or_default().insert(code);
    }
    for code in ["0101", "0703", "1202", "1207", "1701", "1704"] {
        assert!(
            area_by_code.get(code).is_some_and(|&a| a > 1e4),
            "no {code} today: {area_by_code:?}"
        );
    }
    // The planned canal is not dug yet.
    assert!(!area_by_code.contains_key("1705"), "{area_by_code:?}");
    let is = |name: &str, code: &str| {
        let codes: Vec<&str> = named[name].iter().map(|c| c.as_str()).collect();
        assert_eq!(codes, [code], "{name} today");
    };
    is("空港高速", "1202");
    is("洪合大道", "1207");
    is("高照路", "1207");
    for river in ["新塍塘", "秀水河", "洪合港"] {
        is(river, "1701");
    }
    for pond in ["西塘漾", "东荡", "南荡"] {
        is(pond, "1704");
    }
    for new in ["光伏港", "秀水湖", "中央公园湖", "绿谷湖"] {
        is(new, "0101");
    }
    // A planned road runs through fields, here and there through a village.
    for road in ["桃园路", "航空大道", "空港大道"] {
        assert!(named[road].contains("0101"), "{road}: {:?}", named[road]);
    }
    // Most of the district is still paddy fields and villages today.
    let total: f64 = area_by_code.values().sum();
    let rural = area_by_code["0101"] + area_by_code["0703"];
    assert!(rural / total > 0.4, "{rural} of {total} m²");
}

#[test]
fn the_project_names_the_layers_of_its_land_use_balance() {
    let text = std::fs::read(maps().join("airport-city.json")).unwrap();
    let (file, _) =
        parcelview::project::ProjectFile::from_json(&text, "airport-city.json").unwrap();
    assert_eq!(file.balance.plan, ["地块", "道路", "水系"]);
    assert_eq!(file.balance.present, ["现状用地"]);
    assert_eq!(file.balance.boundary.as_deref(), Some("范围"));
    let names: Vec<&str> = file.layers.iter().map(|l| l.name.as_str()).collect();
    for name in file
        .balance
        .plan
        .iter()
        .chain(&file.balance.present)
        .chain(&file.balance.boundary)
    {
        assert!(names.contains(&name.as_str()), "no layer {name}");
    }
    // The last slide shows the whole plan's balance: statistics without a selection.
    let last = file.bookmarks.last().unwrap();
    assert_eq!(last.title, "全区用地平衡");
    assert!(last.show_stats && last.selection.is_none(), "{last:?}");
}
