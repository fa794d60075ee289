//! The land-use balance (用地平衡表): a project's whole planning area, 现状 and 规划,
//! hierarchical rounding, mixed uses, the GB 50137 view and the indicators.

use std::path::PathBuf;
use std::process::Command;

use parcelview::io::{LoadControl, LoadOptions, load_bytes, load_path};
use parcelview::landuse::Palette;
use parcelview::project::{Project, bundled_project_path, project_balance};
use parcelview::stats::{
    self, AreaMethod, BalanceTable, GroupNode, Grouping, MixedMode, NodeKind, Part, RowKind,
    StatsOptions,
};
use proptest::prelude::*;

fn cents(v: f64) -> i64 {
    (v * 100.0).round() as i64
}

/// Every node's children add up, in rounded 公顷, 亩 and %, to the node itself.
fn assert_tree_adds_up(nodes: &[GroupNode], ha: f64, mu: f64, pct: f64) {
    if nodes.is_empty() {
        return;
    }
    let sum = |f: &dyn Fn(&GroupNode) -> f64| nodes.iter().map(|n| cents(f(n))).sum::<i64>();
    assert_eq!(sum(&|n| n.area_ha_rounded), cents(ha), "公顷");
    assert_eq!(sum(&|n| n.area_mu_rounded), cents(mu), "亩");
    assert_eq!(sum(&|n| n.share_pct_rounded), cents(pct), "%");
    for n in nodes {
        assert_tree_adds_up(
            &n.children,
            n.area_ha_rounded,
            n.area_mu_rounded,
            n.share_pct_rounded,
        );
    }
}

fn bundled() -> Project {
    Project::open(&bundled_project_path()).unwrap()
}

fn whole_plan(p: &Project, palette: Palette, level: u8) -> parcelview::project::ProjectBalance {
    project_balance(
        &p.balance_layers(),
        &Grouping::Class(palette),
        level,
        AreaMethod::Ellipsoidal,
        &StatsOptions::default(),
        &|_| None,
    )
    .unwrap()
}

#[test]
fn the_bundled_plan_and_present_state_cover_the_planning_area() {
    let p = bundled();
    let sets = p.balance_layers();
    assert!(sets.missing.is_empty(), "{:?}", sets.missing);
    assert_eq!(sets.plan.len(), 3, "parcels, roads and water");
    assert!(!sets.present.is_empty());
    let boundary: f64 = sets.boundary.unwrap().area_m2.iter().sum();
    let b = whole_plan(&p, Palette::Gtkj2023, 1);
    let plan = b.plan.total_area_m2;
    let present = b.present.as_ref().unwrap().total_area_m2;
    assert!(
        ((plan - boundary) / boundary).abs() < 5e-4,
        "plan {plan} boundary {boundary}"
    );
    assert!(
        ((present - boundary) / boundary).abs() < 5e-4,
        "present {present} boundary {boundary}"
    );
    let keys: Vec<&str> = b.plan.groups.iter().map(|g| g.key.as_str()).collect();
    for k in ["07", "10", "12", "14", "17"] {
        assert!(keys.contains(&k), "{k} in {keys:?}");
    }
    // Industry is a share of the whole planning area, not of the parcels alone.
    let industry = b.plan.groups.iter().find(|g| g.key == "10").unwrap();
    assert!(
        industry.share_pct < 22.0 && industry.share_pct > 15.0,
        "{}",
        industry.share_pct
    );
    assert_tree_adds_up(
        &b.plan.tree,
        b.plan.total_area_ha_rounded,
        b.plan.total_area_mu_rounded,
        100.0,
    );
    // The printed table: 现状 and 规划 side by side, 增减 their difference.
    let t = &b.table;
    assert!(t.has_present);
    assert_eq!(t.unit, "单位：公顷");
    for r in t.all_rows() {
        let plan = r.plan.map_or(0.0, |c| c.area_ha_rounded);
        let now = r.present.map_or(0.0, |c| c.area_ha_rounded);
        assert_eq!(
            cents(r.change_ha.unwrap()),
            cents(plan) - cents(now),
            "{}",
            r.key
        );
    }
    assert!(
        t.notes.iter().any(|n| n.contains("规划范围面积")),
        "{:?}",
        t.notes
    );
}

#[test]
fn level_two_rows_add_up_to_their_level_one_class() {
    let p = bundled();
    let l1 = whole_plan(&p, Palette::Gtkj2023, 1).plan;
    let l2 = whole_plan(&p, Palette::Gtkj2023, 2).plan;
    let l3 = whole_plan(&p, Palette::Gtkj2023, 3).plan;
    let table = parcelview::landuse::LanduseTable::global();
    let parent = |key: &str| {
        table
            .by_code(key)
            .map(|c| table.class(table.at_level(c, 1)).unwrap().code.clone())
            .unwrap_or_else(|| key.to_string())
    };
    for g1 in &l1.groups {
        for finer in [&l2, &l3] {
            let sum: i64 = finer
                .groups
                .iter()
                .filter(|g| parent(&g.key) == g1.key)
                .map(|g| cents(g.area_ha_rounded))
                .sum();
            assert_eq!(sum, cents(g1.area_ha_rounded), "{}", g1.key);
            let sum: i64 = finer
                .groups
                .iter()
                .filter(|g| parent(&g.key) == g1.key)
                .map(|g| cents(g.area_mu_rounded))
                .sum();
            assert_eq!(sum, cents(g1.area_mu_rounded), "{} 亩", g1.key);
        }
    }
}

#[test]
fn stats_of_a_project_on_the_command_line() {
    let project = bundled_project_path();
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_parcelview"))
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let p = project.to_str().unwrap();
    let json = |level: &str| -> serde_json::Value {
        serde_json::from_str(&run(&["stats", p, "--by-class", level, "--format", "json"])).unwrap()
    };
    let (v1, v2) = (json("1"), json("2"));
    let boundary: f64 = bundled()
        .balance_layers()
        .boundary
        .unwrap()
        .area_m2
        .iter()
        .sum();
    let total = v1["total_area_m2"].as_f64().unwrap();
    assert!(((total - boundary) / boundary).abs() < 5e-4);
    let keys: Vec<&str> = v1["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    assert!(keys.contains(&"12") && keys.contains(&"17"), "{keys:?}");
    for g1 in v1["groups"].as_array().unwrap() {
        let k1 = g1["key"].as_str().unwrap();
        let sum: i64 = v2["groups"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["key"].as_str().unwrap().starts_with(k1))
            .map(|g| cents(g["area_ha_rounded"].as_f64().unwrap()))
            .sum();
        assert_eq!(sum, cents(g1["area_ha_rounded"].as_f64().unwrap()), "{k1}");
    }
    assert!(v1["present"]["total_area_m2"].as_f64().unwrap() > 0.0);
    assert!(v1["balance"]["rows"].as_array().unwrap().len() >= keys.len());
    let text = run(&["stats", p, "--by-class", "1"]);
    assert!(text.contains("规划用地平衡表"), "{text}");
    assert!(text.contains("单位：公顷"), "{text}");
    assert!(text.contains("现状面积") && text.contains("增减"), "{text}");
    assert!(
        text.contains("毛容积率") && text.contains("净容积率"),
        "{text}"
    );
    assert!(!text.contains("-0.00"), "{text}");
    // The GB 50137 view has the 城市建设用地 subtotal.
    let gb = run(&["stats", p, "--standard", "gb50137", "--by-class", "1"]);
    assert!(gb.contains("H11") && gb.contains("城市建设用地"), "{gb}");
}

/// A layer of the given (code, side in metres) squares along a row.
fn squares(features: &[(&str, f64)], extra: &str) -> parcelview::model::Layer {
    let mut x = 120.70;
    let fs: Vec<String> = features
        .iter()
        .enumerate()
        .map(|(i, (code, side_m))| {
            let d = side_m / 111_000.0;
            let f = format!(
                r#"{{"type":"Feature","properties":{{"id":"P{i}","用地代码":"{code}"{extra}}},"geometry":{{"type":"Polygon","coordinates":[[[{x},30.7],[{x2},30.7],[{x2},{y2}],[{x},{y2}],[{x},30.7]]]}}}}"#,
                x2 = x + d,
                y2 = 30.7 + d
            );
            x += d + 0.001;
            f
        })
        .collect();
    let text = format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        fs.join(",")
    );
    load_bytes(text.as_bytes(), "squares.geojson", &LoadOptions::default()).unwrap()
}

fn table_of(layer: &parcelview::model::Layer, mixed: MixedMode, level: u8) -> stats::StatsTable {
    let part = Part {
        layer,
        features: None,
        areas_m2: &layer.area_m2,
    };
    stats::stats_of(
        &[part],
        &Grouping::Class(Palette::Gtkj2023),
        level,
        AreaMethod::Ellipsoidal,
        &StatsOptions {
            mixed,
            shares_field: None,
        },
    )
}

#[test]
fn mixed_codes_are_named_counted_and_never_filed_silently() {
    let layer = squares(
        &[
            ("070102/090101", 100.0),
            ("R2/B1", 80.0),
            ("0701/0901", 60.0),
            ("B1B2", 50.0),
            ("B1、B2", 40.0),
            ("R2+B1", 30.0),
            ("Ｒ２", 20.0),
            ("1001", 90.0),
        ],
        r#","兼容比例":"70/30""#,
    );
    let warnings: Vec<String> = layer.warnings.iter().map(|w| w.to_string()).collect();
    for key in ["070102/090101", "R2/B1", "0701/0901", "B1/B2"] {
        assert!(
            warnings
                .iter()
                .any(|w| w.contains(key) && w.contains("混合用地")),
            "{key}: {warnings:?}"
        );
    }
    // Full-width Ｒ２ is plain R2, not mixed and not unknown.
    assert!(!warnings.iter().any(|w| w.contains("Ｒ２")), "{warnings:?}");

    let dominant = table_of(&layer, MixedMode::Dominant, 2);
    let mixed_total: f64 = dominant.groups.iter().map(|g| g.mixed_area_m2).sum();
    let mixed_area: f64 = (0..6).map(|i| layer.area_m2[i]).sum();
    assert!((mixed_total - mixed_area).abs() < 1e-6 * mixed_area);
    let g = dominant.groups.iter().find(|g| g.key == "0701").unwrap();
    assert!((g.mixed_area_m2 - layer.area_m2[0] - layer.area_m2[2]).abs() < 1e-6);
    assert!(
        dominant.notes.iter().any(|n| n.contains("含混合用地")),
        "{:?}",
        dominant.notes
    );

    let separate = table_of(&layer, MixedMode::Separate, 2);
    let row = separate
        .groups
        .iter()
        .find(|g| g.key == "070102/090101")
        .unwrap();
    assert_eq!(row.name.as_deref(), Some("混合用地"));
    assert!((row.area_m2 - layer.area_m2[0]).abs() < 1e-9);
    assert!(
        separate
            .groups
            .iter()
            .any(|g| g.key == "B1/B2" && g.count == 2)
    );

    // Split by 兼容比例 70/30: the first parcel gives 70 % to 070102 and 30 % to
    // 090101; the total is unchanged.
    let split = table_of(&layer, MixedMode::Split, 3);
    let get = |k: &str| {
        split
            .groups
            .iter()
            .find(|g| g.key == k)
            .map_or(0.0, |g| g.area_m2)
    };
    let a0 = layer.area_m2[0];
    assert!(
        (get("090101") - 0.3 * a0).abs() < 1e-6 * a0,
        "{}",
        get("090101")
    );
    assert!((split.total_area_m2 - dominant.total_area_m2).abs() < 1e-6);
}

#[test]
fn unknown_parts_of_a_mixed_code_are_reported() {
    let layer = squares(&[("R2/ZZ9", 50.0), ("ZZ9/R2", 40.0), ("070101", 30.0)], "");
    let warnings: Vec<String> = layer.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("R2/ZZ9") && w.contains("ZZ9")),
        "{warnings:?}"
    );
    let t = table_of(&layer, MixedMode::Dominant, 2);
    // A mixed code whose dominant use is unknown keeps its own row.
    assert!(t.groups.iter().any(|g| g.key == "ZZ9/R2"), "{:?}", t.groups);
    assert!(t.notes.iter().any(|n| n.contains("ZZ9")), "{:?}", t.notes);
}

#[test]
fn the_gb50137_view_has_an_urban_subtotal_with_shares_of_it() {
    let p = bundled();
    let b = whole_plan(&p, Palette::Gb50137, 2);
    let t = &b.table;
    assert!(t.has_urban_share());
    let sub = t.rows.iter().find(|r| r.kind == RowKind::Subtotal).unwrap();
    assert_eq!(sub.key, "H11");
    let urban: Vec<_> = t
        .rows
        .iter()
        .filter(|r| r.level == 2 && stats::balance::URBAN_CLASSES.contains(&r.key.as_str()))
        .collect();
    assert!(urban.len() >= 6, "{urban:?}");
    let plan = sub.plan.unwrap();
    assert_eq!(
        urban
            .iter()
            .map(|r| cents(r.plan.unwrap().area_ha_rounded))
            .sum::<i64>(),
        cents(plan.area_ha_rounded)
    );
    assert_eq!(
        urban
            .iter()
            .map(|r| cents(r.plan.unwrap().share_of_urban_pct_rounded.unwrap()))
            .sum::<i64>(),
        10_000
    );
    // R–G stand one level under H11; the top rows (H11, other development land,
    // non-development land, …) add up to the total.
    assert_eq!(
        t.rows
            .iter()
            .filter(|r| r.level == 1)
            .map(|r| cents(r.plan.map_or(0.0, |c| c.area_ha_rounded)))
            .sum::<i64>(),
        cents(t.total.plan.unwrap().area_ha_rounded)
    );
    assert!(
        t.rows
            .iter()
            .any(|r| r.key == "H14" && r.name == "村庄建设用地")
    );
    // Non-construction rows (water) stand apart and carry no share of H11.
    let water = t
        .rows
        .iter()
        .find(|r| r.key == "E1" || r.key == "E")
        .unwrap();
    assert!(water.plan.unwrap().share_of_urban_pct_rounded.is_none());
}

#[test]
fn indicators_name_their_denominators_and_agree() {
    let p = bundled();
    let b = whole_plan(&p, Palette::Gtkj2023, 1);
    let ind = &b.plan.indicators;
    assert!((ind.far_gross.unwrap() - ind.gfa_m2 / b.plan.total_area_m2).abs() < 1e-12);
    assert!((ind.far_weighted.unwrap() - ind.gfa_m2 / ind.far.base_area_m2).abs() < 1e-12);
    let rows = stats::indicator_rows(ind, true);
    let labels: Vec<&str> = rows.iter().map(|r| r.label).collect();
    for l in [
        "总建筑面积",
        "毛容积率",
        "净容积率",
        "毛建筑密度",
        "净建筑密度",
        "地块内绿地面积",
        "毛绿地率",
        "净绿地率",
    ] {
        assert!(labels.contains(&l), "{l} in {labels:?}");
    }
    // Each figure once.
    let mut unique = labels.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), labels.len());
    let gfa = rows.iter().find(|r| r.label == "总建筑面积").unwrap();
    assert_eq!(gfa.unit, "万m²");
    assert!((gfa.value - ind.gfa_m2 / 10_000.0).abs() < 1e-9);
    assert!(gfa.basis.contains("缺值"), "{}", gfa.basis);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Random tables of codes at every level: every subtotal's rounded value is the
    /// sum of its rounded rows, and the top rows add up to the rounded total.
    #[test]
    fn hierarchical_rounding_balances_at_every_level(
        rows in proptest::collection::vec((0usize..14, 1.0f64..400.0), 1..40)
    ) {
        const CODES: [&str; 14] = [
            "07", "0701", "070101", "070102", "0702", "09", "0901", "090101",
            "1001", "100101", "100102", "12", "1207", "ZZ",
        ];
        let features: Vec<(&str, f64)> = rows.iter().map(|&(c, s)| (CODES[c], s)).collect();
        let layer = squares(&features, "");
        for level in 1..=3 {
            let t = table_of(&layer, MixedMode::Dominant, level);
            assert_tree_adds_up(&t.tree, t.total_area_ha_rounded, t.total_area_mu_rounded, 100.0);
            prop_assert_eq!(
                t.groups.iter().map(|g| cents(g.area_ha_rounded)).sum::<i64>(),
                cents(t.total_area_ha_rounded)
            );
            prop_assert_eq!(
                t.groups.iter().map(|g| cents(g.share_pct_rounded)).sum::<i64>(),
                10_000
            );
            // The printed table's rows at each level add up to their parents too.
            let b = BalanceTable::new(&t, None, level, None);
            let top: i64 = b
                .rows
                .iter()
                .filter(|r| r.level == 1 && r.kind != RowKind::Subtotal)
                .map(|r| cents(r.plan.unwrap().area_ha_rounded))
                .sum();
            prop_assert_eq!(top, cents(t.total_area_ha_rounded));
        }
        // Rows at each level are the same features grouped coarser: level-2 rows add
        // up to level-1 rows in 亩 as well as in 公顷.
        let l1 = table_of(&layer, MixedMode::Dominant, 1);
        let l2 = table_of(&layer, MixedMode::Dominant, 2);
        for g in &l1.groups {
            let sum: i64 = l2
                .groups
                .iter()
                .filter(|h| h.key.starts_with(&g.key) || (g.key == "ZZ" && h.key == "ZZ"))
                .map(|h| cents(h.area_mu_rounded))
                .sum();
            prop_assert_eq!(sum, cents(g.area_mu_rounded), "{}", g.key);
        }
        prop_assert!(l1.tree.iter().all(|n| n.kind != NodeKind::Rest));
    }
}

#[test]
fn a_project_without_a_balance_member_uses_its_land_use_layers() {
    let dir = tempfile::tempdir().unwrap();
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("maps");
    let path = dir.path().join("p.json");
    std::fs::write(
        &path,
        format!(
            r#"{{"format":"parcelview-project","version":2,"title":"t","layers":[
            {{"name":"规划","path":"{p}","style":{{"kind":"landuse"}}}},
            {{"name":"现状","path":"{c}","style":{{"kind":"landuse"}}}}]}}"#,
            p = src.join("parcels.geojson").display(),
            c = src.join("landuse-current.geojson").display()
        ),
    )
    .unwrap();
    let p = Project::open(&path).unwrap();
    let sets = p.balance_layers();
    assert_eq!(sets.plan.len(), 1);
    assert_eq!(sets.present.len(), 1);
    let parcels = load_path(
        &src.join("parcels.geojson"),
        &LoadOptions::default(),
        LoadControl::default(),
    )
    .unwrap();
    let b = whole_plan(&p, Palette::Gtkj2023, 1);
    let total: f64 = parcels.area_m2.iter().sum();
    assert!((b.plan.total_area_m2 - total).abs() < 1e-6 * total);
}

#[test]
fn a_report_of_the_whole_plan_prints_the_plan_balance_with_the_present_state() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan.xlsx");
    let o = Command::new(env!("CARGO_BIN_EXE_parcelview"))
        .args([
            "report",
            bundled_project_path().to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut wb: Xlsx<_> = open_workbook(&out).unwrap();
    let sheet = wb.worksheet_range("用地平衡表").unwrap();
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows[0][0], Data::String("规划用地平衡表".into()));
    let heads: Vec<String> = rows[2].iter().map(|d| d.to_string()).collect();
    assert!(heads.contains(&"现状面积".to_string()), "{heads:?}");
    assert!(heads.contains(&"增减".to_string()), "{heads:?}");
    // The 合计 is the planning area: the plan's total from the core.
    let b = whole_plan(&bundled(), Palette::Gtkj2023, 2);
    let total = rows
        .iter()
        .find(|r| r[0] == Data::String("合计".into()))
        .expect("a total row");
    let plan_col = heads.iter().position(|h| h == "规划面积").unwrap();
    assert_eq!(
        total[plan_col],
        Data::Float(b.plan.total_area_ha_rounded),
        "{total:?}"
    );
    assert!(rows.iter().any(|r| r[0] == Data::String("17".into())));
}

#[test]
fn the_plan_pdf_keeps_the_balance_on_one_page_and_marks_continued_tables() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan.pdf");
    let o = Command::new(env!("CARGO_BIN_EXE_parcelview"))
        .args([
            "report",
            bundled_project_path().to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pages: Vec<String> =
        pdf_extract::extract_text_from_mem_by_pages(&std::fs::read(&out).unwrap())
            .unwrap()
            .into_iter()
            .map(|t| t.chars().filter(|c| !c.is_whitespace()).collect())
            .collect();
    let first = pages
        .iter()
        .position(|p| p.contains("规划用地平衡表"))
        .unwrap();
    let page = &pages[first];
    // The first and last rows, the total and the notes on the same page.
    for word in [
        "耕地",
        "陆地水域",
        "合计",
        "规划范围面积",
        "现状面积",
        "增减",
    ] {
        assert!(page.contains(word), "{word} not on page {first}: {page}");
    }
    assert!(page.contains("规划总用地") || pages[0].contains("规划总用地"));
    // The indicators on one page too.
    let ind = pages.iter().position(|p| p.contains("规划指标")).unwrap();
    assert!(pages[ind].contains("毛容积率") && pages[ind].contains("建筑限高（最高）"));
    // The parcel list runs over many pages, each continuation named.
    assert!(
        pages
            .iter()
            .filter(|p| p.contains("地块清单（续）"))
            .count()
            > 10
    );
}
