//! What the reports say of the airport analyses: the 净空限高 line on the parcel
//! cards (PDF and XLSX), in agreement with the clearance check and marked where
//! the 限高 goes above the surfaces, and the 生活圈 report (PDF page and XLSX
//! sheet) with the table of every type and a map a chosen type, read back.

use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use parcelview::analysis::clearance::{self, ParcelClearance};
use parcelview::analysis::command;
use parcelview::io::{LoadOptions, load_bytes};
use parcelview::model::Layer;
use parcelview::project::Project;
use parcelview::render::map_image;
use parcelview::report::coverage::{CoverageReport, write_coverage_report};
use parcelview::report::{self, MapContext, Progress, ReportKind, ReportLang, ReportRequest};

fn bundled() -> Project {
    Project::open(&Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/airport-city.json")).unwrap()
}

/// The project's visible layers in their report styles, as the window's
/// exports draw them.
fn context(project: &Project) -> MapContext<'_> {
    let sources = &project.file.basemap.sources;
    MapContext {
        layers: project
            .layers
            .iter()
            .filter(|l| l.spec.visible)
            .filter_map(|l| {
                let style = map_image::project_image_style(&l.spec, &l.path, sources)?;
                Some((l.data.as_ref().ok()?, style))
            })
            .collect(),
        basemap: None,
        sheet: project.file.sheet_info(true),
    }
}

fn text_of(path: &Path) -> String {
    let text = pdf_extract::extract_text_from_mem(&std::fs::read(path).unwrap()).unwrap();
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Two development parcels under the surfaces, one of them (the one with least
/// room under its surface) with its 限高 raised 20 m above it, as a layer of
/// their own; with the bundled check of each.
fn two_parcels(project: &Project) -> (Layer, Vec<ParcelClearance>) {
    let (_, _, result) = command::project_clearance(project).unwrap();
    let mut under: Vec<&ParcelClearance> = result
        .parcels
        .iter()
        .filter(|p| p.ols_min_m.is_some() && p.height_limit_m.is_some())
        .collect();
    under.sort_by(|a, b| {
        let room = |p: &&ParcelClearance| p.ols_min_m.unwrap() - p.height_limit_m.unwrap();
        room(a).total_cmp(&room(b)).then(a.id.cmp(&b.id))
    });
    let picked = [under[0].clone(), under[under.len() / 2].clone()];
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/parcels.geojson");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut features = Vec::new();
    for f in json["features"].as_array().unwrap() {
        let id = f["properties"]["地块编号"].as_str().unwrap_or("");
        if id == picked[0].id {
            let mut f = f.clone();
            f["properties"]["限高"] = serde_json::json!(picked[0].ols_min_m.unwrap() + 20.0);
            features.push(f);
        } else if id == picked[1].id {
            features.push(f.clone());
        }
    }
    assert_eq!(features.len(), 2);
    let text = serde_json::json!({"type": "FeatureCollection", "features": features}).to_string();
    let layer = load_bytes(text.as_bytes(), "two", &LoadOptions::default()).unwrap();
    (layer, picked.to_vec())
}

fn write_cards(layer: &Layer, ctx: &MapContext, out: &Path) {
    let features: Vec<usize> = (0..layer.len()).collect();
    report::write_report(
        &ReportRequest {
            layer,
            facilities: None,
            features: &features,
            kind: ReportKind::Cards,
            lang: ReportLang::Zh,
            title: "净空测试",
            method: parcelview::stats::AreaMethod::Ellipsoidal,
            page: Default::default(),
            map: MapContext {
                layers: ctx.layers.iter().map(|(l, s)| (*l, s.clone())).collect(),
                basemap: None,
                sheet: ctx.sheet.clone(),
            },
            options: Default::default(),
            balance: None,
            zone_prefix: false,
        },
        out,
        &[],
        &Progress::new(),
    )
    .unwrap();
}

#[test]
fn cards_give_the_clearance_limit_and_mark_a_height_limit_above_it() {
    let project = bundled();
    let ctx = context(&project);
    let (layer, picked) = two_parcels(&project);
    let conflict = picked[0].id.clone();
    let dir = tempfile::tempdir().unwrap();

    // The card model: the same surface as the check, the raised one in conflict.
    let surfaces = command::project_surfaces(&project).unwrap();
    let features: Vec<usize> = (0..layer.len()).collect();
    let cards =
        report::cards_with_clearance(&layer, &features, None, ReportLang::Zh, Some(&surfaces))
            .unwrap();
    for c in &cards {
        let p = c.clearance.as_ref().expect("a surface covers the parcel");
        let bundled = picked.iter().find(|b| b.id == c.parcel.id).unwrap();
        assert!((p.ols_min_m.unwrap() - bundled.ols_min_m.unwrap()).abs() < 1e-9);
        assert_eq!(p.conflict, c.parcel.id == conflict, "{}", c.parcel.id);
    }

    // The PDF card prints the line, with the excess on the raised parcel.
    let pdf = dir.path().join("cards.pdf");
    write_cards(&layer, &ctx, &pdf);
    let text = text_of(&pdf);
    for c in &cards {
        let line = clearance::card_line(c.clearance.as_ref().unwrap(), true).unwrap();
        assert!(
            text.contains(&line.replace(' ', "")),
            "{line} is on the card: {text}"
        );
    }
    assert_eq!(text.matches("限高超出20.0m").count(), 1, "{text}");

    // The workbook's 规划条件 sheet: the limit as a number, the surface, the check.
    let xlsx = dir.path().join("cards.xlsx");
    write_cards(&layer, &ctx, &xlsx);
    let mut wb: Xlsx<_> = open_workbook(&xlsx).unwrap();
    let range = wb.worksheet_range("规划条件").unwrap();
    let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    let head_at = rows
        .iter()
        .position(|r| r.first() == Some(&Data::String("地块编号".into())))
        .unwrap();
    let head = &rows[head_at];
    let col = |name: &str| {
        head.iter()
            .position(|d| d == &Data::String(name.into()))
            .unwrap_or_else(|| panic!("no column {name}: {head:?}"))
    };
    let (limit, surface, check) = (col("净空限高（m）"), col("净空限制面"), col("净空核查"));
    for c in &cards {
        let row = rows[head_at + 1..]
            .iter()
            .find(|r| r[0] == Data::String(c.parcel.id.clone()))
            .unwrap();
        let p = c.clearance.as_ref().unwrap();
        match &row[limit] {
            Data::Float(v) => assert!((v - p.ols_min_m.unwrap()).abs() < 1e-9),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            row[surface],
            Data::String(p.surface.unwrap().name(true).into())
        );
        let expected = if c.parcel.id == conflict {
            "限高超出 20.0 m".to_string()
        } else {
            "符合".to_string()
        };
        assert_eq!(row[check], Data::String(expected));
    }
}

#[test]
fn cards_without_a_runway_in_the_report_have_no_clearance_line() {
    let project = bundled();
    let (layer, _) = two_parcels(&project);
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("plain.pdf");
    write_cards(&layer, &MapContext::default(), &pdf);
    assert!(!text_of(&pdf).contains("净空限高"));
    let xlsx = dir.path().join("plain.xlsx");
    write_cards(&layer, &MapContext::default(), &xlsx);
    let mut wb: Xlsx<_> = open_workbook(&xlsx).unwrap();
    let range = wb.worksheet_range("规划条件").unwrap();
    assert!(
        !range
            .rows()
            .flatten()
            .any(|d| d == &Data::String("净空限高（m）".into()))
    );
}

#[test]
fn the_life_circle_report_has_the_table_of_every_type_and_a_map_of_the_chosen_one() {
    let project = bundled();
    let ctx = context(&project);
    let parcels = command::project_parcels(&project).unwrap();
    let (facilities, field) = command::project_facilities(&project).unwrap();
    let roads = command::project_roads(&project);
    let a = command::life_circles(parcels, facilities, field, roads, true).unwrap();
    let (cli, _) = command::project_coverage(&project).unwrap();
    assert_eq!(a.result.types.len(), cli.types.len());
    let report = CoverageReport {
        title: "空港新城 生活圈服务覆盖分析".into(),
        result: &a.result,
        maps: &a.maps,
        map_types: vec!["幼儿园".into(), "社区卫生服务站".into()],
        parcels,
        bbox: parcels.bbox(),
        parcels_name: "地块".into(),
        facilities_name: "公共服务设施".into(),
        roads_name: Some("道路".into()),
        lang: ReportLang::Zh,
        date: "2026-12-02".into(),
    };
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("生活圈.pdf");
    write_coverage_report(
        &report,
        &ctx,
        Default::default(),
        &pdf,
        &[],
        &Progress::new(),
    )
    .unwrap();
    let pages = pdf_extract::extract_text_from_mem_by_pages(&std::fs::read(&pdf).unwrap()).unwrap();
    let pages: Vec<String> = pages
        .iter()
        .map(|p| p.chars().filter(|c| !c.is_whitespace()).collect())
        .collect();
    let all: String = pages.concat();
    assert!(
        pages[0].starts_with("空港新城生活圈服务覆盖分析"),
        "{}",
        pages[0]
    );
    // Every type's row, with its straight-line and network shares as the CLI
    // computes them.
    for t in &cli.types {
        let row = parcelview::report::coverage::type_row(t, true).concat();
        assert!(all.contains(&row.replace(' ', "")), "{row} in {all}");
    }
    assert!(all.contains("GB50180-2018"));
    // The two chosen types' maps, each with its heading and legend.
    for kind in ["幼儿园", "社区卫生服务站"] {
        let t = cli.types.iter().find(|t| t.kind == kind).unwrap();
        let head = parcelview::report::coverage::map_heading(t, true).replace(' ', "");
        assert!(all.contains(&head), "{head}");
        assert!(all.contains(&format!("{kind}服务半径")));
    }
    assert!(all.contains("服务半径外的居住用地"));
    assert!(
        !all.contains("中小学（十分钟"),
        "only the chosen types have maps"
    );

    // The sheet: the title, then one row a type under the heading.
    let xlsx = dir.path().join("生活圈.xlsx");
    write_coverage_report(
        &report,
        &ctx,
        Default::default(),
        &xlsx,
        &[],
        &Progress::new(),
    )
    .unwrap();
    let mut wb: Xlsx<_> = open_workbook(&xlsx).unwrap();
    let range = wb.worksheet_range("生活圈覆盖").unwrap();
    let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows[0][0], Data::String(report.title.clone()));
    let head_at = rows
        .iter()
        .position(|r| r.first() == Some(&Data::String("设施类型".into())))
        .unwrap();
    let body: Vec<&Vec<Data>> = rows[head_at + 1..]
        .iter()
        .filter(|r| matches!(r.first(), Some(Data::String(_))))
        .collect();
    assert_eq!(body.len(), cli.types.len());
    for (row, t) in body.iter().zip(&cli.types) {
        assert_eq!(row[0], Data::String(t.kind.clone()));
        match &row[6] {
            Data::Float(v) => assert!((v - t.covered_share).abs() < 1e-12),
            other => panic!("{other:?}"),
        }
    }
    // Any other extension is refused, naming the file.
    let bad = dir.path().join("生活圈.csv");
    let e = write_coverage_report(
        &report,
        &ctx,
        Default::default(),
        &bad,
        &[],
        &Progress::new(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("生活圈.csv"), "{e}");
}

#[test]
fn a_type_map_draws_and_lists_that_type_alone_in_a_short_legend() {
    let project = bundled();
    let ctx = context(&project);
    let parcels = command::project_parcels(&project).unwrap();
    let (facilities, field) = command::project_facilities(&project).unwrap();
    let roads = command::project_roads(&project);
    let a = command::life_circles(parcels, facilities, field, roads, true).unwrap();
    let report = CoverageReport {
        title: "空港新城 生活圈服务覆盖分析".into(),
        result: &a.result,
        maps: &a.maps,
        map_types: vec!["幼儿园".into()],
        parcels,
        bbox: parcels.bbox(),
        parcels_name: "地块".into(),
        facilities_name: "公共服务设施".into(),
        roads_name: Some("道路".into()),
        lang: ReportLang::Zh,
        date: "2026-12-02".into(),
    };
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("生活圈.pdf");
    write_coverage_report(
        &report,
        &ctx,
        Default::default(),
        &pdf,
        &[],
        &Progress::new(),
    )
    .unwrap();
    let pages = pdf_extract::extract_text_from_mem_by_pages(&std::fs::read(&pdf).unwrap()).unwrap();
    let t = a.result.types.iter().find(|t| t.kind == "幼儿园").unwrap();
    let head = parcelview::report::coverage::map_heading(t, true).replace(' ', "");
    let page: String = pages
        .iter()
        .map(|p| p.chars().filter(|c| !c.is_whitespace()).collect::<String>())
        .find(|p| p.contains(&head))
        .expect("the type's map page");
    // The legend: one line a thing drawn, the plan under it in one grey line.
    // (The test's maps have no basemap, so no water or roads are drawn.)
    for line in [
        "图例",
        "其他规划用地",
        "服务半径内的居住用地",
        "服务半径外的居住用地",
        "幼儿园服务半径",
        "产业园区",
    ] {
        assert!(page.contains(line), "{line} in {page}");
    }
    assert_eq!(page.matches("其他规划用地").count(), 1, "{page}");
    // Not every land-use class of the plan, nor of the water and roads.
    for class in ["070101", "0702", "1001", "1701", "1207"] {
        assert!(!page.contains(class), "{class} in {page}");
    }
    // Only this type's facilities are drawn and listed: the kindergartens by
    // name, no other type's symbol or name.
    let kg_field = facilities.field_index("类型").unwrap();
    let name_field = facilities.field_index("名称").unwrap();
    for i in 0..facilities.len() {
        let kind = facilities.value(i, kg_field).to_text().unwrap();
        let name = facilities.value(i, name_field).to_text().unwrap();
        if kind != "幼儿园" {
            assert!(!page.contains(&name), "{name} ({kind}) on the 幼儿园 map");
        }
    }
    for other in ["一老一小服务中心", "社区卫生服务站", "变电站", "派出所"] {
        assert!(!page.contains(other), "{other} on the 幼儿园 map");
    }
}

/// The bundled project's layers as a handout draws them (as `parcelview
/// handout` gives them), with the 净空 layer among them for the slides that
/// name it.
#[test]
fn a_handout_slide_that_names_the_clearance_layer_prints_the_surfaces() {
    use parcelview::analysis::{CLEARANCE_LAYER, clearance as c};
    use parcelview::report::SlideLayer;
    let project = bundled();
    let surfaces = command::project_surfaces(&project).unwrap();
    let ols = c::surfaces_layer(&surfaces);
    // The outlines of all six surfaces (the approaches and take-off climbs at
    // both ends), then the contours every 10 m up to 150 m.
    let names: Vec<String> = (0..ols.len())
        .map(|i| ols.value(i, 0).to_text().unwrap())
        .collect();
    for n in [
        "升降带",
        "过渡面",
        "内水平面",
        "锥形面",
        "西端进近面",
        "东端进近面",
        "西端起飞爬升面",
    ] {
        assert!(names.iter().any(|x| x == n), "{n} in {names:?}");
    }
    let contours: Vec<f64> = (0..ols.len())
        .filter_map(|i| ols.value(i, 1).as_f64())
        .collect();
    assert_eq!(
        contours,
        (1..=15).map(|k| k as f64 * 10.0).collect::<Vec<_>>()
    );
    let mut layers: Vec<SlideLayer> = project
        .layers
        .iter()
        .filter(|l| l.spec.role.as_deref() != Some("basemap"))
        .filter_map(|l| {
            Some(SlideLayer {
                name: &l.spec.name,
                layer: l.data.as_ref().ok()?,
                style: map_image::image_style(&l.spec.name, &l.spec.style),
                visible: l.spec.visible,
            })
        })
        .collect();
    layers.push(SlideLayer {
        name: CLEARANCE_LAYER,
        layer: &ols,
        style: c::surfaces_image_style(true),
        visible: false,
    });
    let basemap = project.offline_basemap();
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("讲稿.pdf");
    let bookmarks = &project.file.bookmarks;
    report::write_handout(
        bookmarks,
        &layers,
        Some(&basemap),
        &project.file.title,
        None,
        ReportLang::Zh,
        parcelview::report::pdf::PageSetup::default(),
        None,
        &pdf,
        &[],
        &Progress::new(),
    )
    .unwrap();
    let pages = pdf_extract::extract_text_from_mem_by_pages(&std::fs::read(&pdf).unwrap()).unwrap();
    let pages: Vec<String> = pages
        .iter()
        .map(|p| p.chars().filter(|c| !c.is_whitespace()).collect())
        .collect();
    let slide_page = |title: &str| {
        pages
            .iter()
            .find(|p| p.starts_with(title))
            .unwrap_or_else(|| panic!("a page for {title}: {pages:?}"))
    };
    // The logistics slide names the layer: its legend lists it beside the
    // caption that speaks of it; the opening slide neither draws nor lists it.
    let logistics = slide_page("空港物流园");
    assert!(
        logistics.matches(CLEARANCE_LAYER).count() >= 2,
        "{logistics}"
    );
    let opening = slide_page("空港新城全区与嘉兴南湖机场");
    assert!(!opening.contains(CLEARANCE_LAYER), "{opening}");
}

#[test]
fn life_circle_services_come_first_by_circle_and_other_facilities_last() {
    use parcelview::analysis::coverage::LifeCircle;
    let project = bundled();
    let (result, _) = command::project_coverage(&project).unwrap();
    let circles: Vec<Option<LifeCircle>> = result.types.iter().map(|t| t.life_circle).collect();
    // The services of the 5-, 10- and 15-minute circles, in that order, then
    // the types the standard does not list (a substation, a police station).
    let first_other = circles.iter().position(Option::is_none).unwrap();
    assert!(first_other > 0);
    assert!(circles[first_other..].iter().all(Option::is_none));
    assert!(circles[..first_other].windows(2).all(|w| w[0] <= w[1]));
    let kinds: Vec<&str> = result.types.iter().map(|t| t.kind.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"幼儿园"));
    assert!(kinds[first_other..].contains(&"变电站"));
}
