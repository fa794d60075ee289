//! Reports and map images on the bundled district (2,410 parcels): a summary of
//! 1,000 parcels as Excel and as PDF (map, tables, 1,000-row list), report cards of
//! 100 parcels as Excel and as PDF (two maps a card), and an A4 map image at 300
//! dpi (2480 × 3508 px) drawn and encoded as PNG.
//!
//! `cargo bench --bench report`.

mod common;

use common::{median, ms};

use std::time::Instant;

use parcelview::project::Project;
use parcelview::render::map_image::{self, ImageLayer, MapImage};
use parcelview::report::{self, ReportLang};
use parcelview::stats::AreaMethod;

fn main() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/airport-city.json");
    let project = Project::open(&path).expect("bundled project");
    let parcels = project
        .layers
        .iter()
        .find(|l| l.spec.visible && l.spec.style.kind == "landuse")
        .and_then(|l| l.data.as_ref().ok())
        .expect("parcels");
    let facilities = project
        .layers
        .iter()
        .find(|l| l.spec.style.kind == "symbols")
        .and_then(|l| l.data.as_ref().ok());
    let thousand: Vec<usize> = (0..parcels.len()).step_by(2).take(1000).collect();
    let hundred: Vec<usize> = (0..parcels.len()).step_by(24).take(100).collect();

    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..7 {
        let t = Instant::now();
        let s = report::summary(
            parcels,
            &thousand,
            AreaMethod::Ellipsoidal,
            "bench",
            ReportLang::Zh,
        )
        .expect("summary");
        size = report::xlsx::summary_bytes(&s).expect("xlsx").len();
        times.push(t.elapsed());
    }
    println!(
        "report: summary of {} parcels as XLSX {:.1} ms ({size} bytes)",
        thousand.len(),
        ms(median(times))
    );

    let mut times = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        let cards = report::cards(parcels, &hundred, facilities, ReportLang::Zh).expect("cards");
        size = report::xlsx::cards_bytes(&cards, ReportLang::Zh)
            .expect("xlsx")
            .len();
        times.push(t.elapsed());
    }
    println!(
        "report: cards of {} parcels (boundary points, facilities within 1 km) as XLSX {:.1} ms ({size} bytes)",
        hundred.len(),
        ms(median(times))
    );

    // PDF, through the same call as `parcelview report`, with the project's layers
    // and basemap on the maps.
    let basemap = project.offline_basemap();
    let context = report::MapContext {
        layers: project
            .layers
            .iter()
            .filter(|l| l.spec.visible && l.spec.role.as_deref() != Some("basemap"))
            .filter_map(|l| {
                Some((
                    l.data.as_ref().ok()?,
                    map_image::image_style(&l.spec.name, &l.spec.style),
                ))
            })
            .collect(),
        basemap: Some(&basemap),
        sheet: project.file.sheet_info(true),
    };
    let dir = std::env::temp_dir().join(format!("parcelview-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (kind, features, name, runs) in [
        (
            report::ReportKind::Summary,
            &thousand,
            "summary of 1000 parcels",
            5,
        ),
        (
            report::ReportKind::Cards,
            &hundred,
            "cards of 100 parcels",
            3,
        ),
    ] {
        let out = dir.join("bench.pdf");
        let mut times = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            report::write_report(
                &report::ReportRequest {
                    layer: parcels,
                    facilities,
                    features,
                    kind,
                    lang: ReportLang::Zh,
                    title: "嘉兴高新区空港新城",
                    method: AreaMethod::Ellipsoidal,
                    page: Default::default(),
                    map: context.clone(),
                    options: Default::default(),
                    balance: None,
                    zone_prefix: false,
                },
                &out,
                &[],
                &report::Progress::new(),
            )
            .expect("pdf");
            times.push(t.elapsed());
        }
        size = std::fs::metadata(&out)
            .map(|m| m.len() as usize)
            .unwrap_or(0);
        println!(
            "report: {name} as A4 PDF {:.0} ms ({size} bytes)",
            ms(median(times))
        );
    }
    let _ = std::fs::remove_dir_all(&dir);

    let bbox = parcels.bbox().expect("bbox");
    let mut draw = Vec::new();
    let mut encode = Vec::new();
    for _ in 0..5 {
        let image = MapImage {
            layers: vec![ImageLayer {
                layer: parcels,
                style: map_image::ImageStyle::landuse(),
                selected: &thousand,
            }],
            basemap: Some(&basemap),
            bbox,
            width_px: 2480,
            height_px: 3508,
            dpi: 300.0,
            title: Some("嘉兴高新区空港新城".into()),
            chinese: true,
            legend: true,
            spotlight: false,
            sheet: Default::default(),
        };
        let t = Instant::now();
        let pixmap = map_image::render(&image).expect("render");
        draw.push(t.elapsed());
        let t = Instant::now();
        size = map_image::encode_png(&pixmap, 300.0).expect("png").len();
        encode.push(t.elapsed());
    }
    let (d, e) = (median(draw), median(encode));
    println!(
        "report: A4 300-dpi map image (2480×3508): draw {:.0} ms + PNG {:.0} ms = {:.0} ms ({size} bytes)",
        ms(d),
        ms(e),
        ms(d + e)
    );
    map_sheet_bench(&project, &basemap);
    documents_bench(&path);
}

/// The targets, timed as a planner runs them: `parcelview report` of the
/// bundled project (the whole plan: map sheet, balance, indicators, 2,410-row
/// list), 100 report cards, and `parcelview handout` of its briefing, each from
/// opening the project to the written file.
fn documents_bench(project: &std::path::Path) {
    use clap::Parser;
    let dir = std::env::temp_dir().join(format!("parcelview-docs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = project.to_string_lossy().to_string();
    let out = |name: &str| dir.join(name).to_string_lossy().to_string();
    let hundred: Vec<String> = (1..=100).map(|k| format!("KG-B-{k:04}")).collect();
    let ids = hundred.join(",");
    let runs: [(&str, Vec<String>); 4] = [
        (
            "the bundled project's summary, A4 PDF",
            vec![
                "report".into(),
                p.clone(),
                "--out".into(),
                out("summary.pdf"),
            ],
        ),
        (
            "the bundled project's summary, A3 landscape PDF",
            vec![
                "report".into(),
                p.clone(),
                "--page".into(),
                "a3-landscape".into(),
                "--out".into(),
                out("summary-a3.pdf"),
            ],
        ),
        (
            "100 report cards, A4 PDF",
            vec![
                "report".into(),
                p.clone(),
                "--kind".into(),
                "cards".into(),
                "--ids".into(),
                ids,
                "--out".into(),
                out("cards.pdf"),
            ],
        ),
        (
            "the bundled project's handout, A4 landscape PDF",
            vec![
                "handout".into(),
                p.clone(),
                "--out".into(),
                out("handout.pdf"),
            ],
        ),
    ];
    for (name, args) in runs {
        let mut times = Vec::new();
        for _ in 0..3 {
            let cli = parcelview::cli::Cli::parse_from(
                std::iter::once("parcelview".to_string()).chain(args.iter().cloned()),
            );
            let (mut o, mut e) = (Vec::new(), Vec::new());
            let t = Instant::now();
            parcelview::cli::run(cli, &mut o, &mut e).expect(name);
            times.push(t.elapsed());
        }
        println!("documents: {name}: {:.0} ms", ms(median(times)));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The bundled project as a printed sheet: every visible layer in its project
/// style over the offline basemap, A4 portrait at 200 dpi (1654 × 2339 px), with
/// labels, symbols, legend, scale bar and north arrow, once for the whole plan and
/// once with one park's parcels selected.
fn map_sheet_bench(project: &Project, basemap: &parcelview::render::Basemap) {
    let shown: Vec<(&parcelview::model::Layer, map_image::ImageStyle)> = project
        .layers
        .iter()
        .filter(|l| l.spec.visible && l.spec.role.as_deref() != Some("basemap"))
        .filter_map(|l| {
            Some((
                l.data.as_ref().ok()?,
                map_image::image_style(&l.spec.name, &l.spec.style),
            ))
        })
        .collect();
    let Some(bbox) = project.bbox() else { return };
    let parcels = shown
        .iter()
        .position(|(_, s)| s.paint == map_image::ImagePaint::Landuse);
    let park: Vec<usize> = parcels
        .and_then(|k| shown.get(k))
        .and_then(|(l, _)| {
            let f = l.field_index("所属园区")?;
            Some(
                (0..l.len())
                    .filter(|&i| l.value(i, f).to_text().as_deref() == Some("光伏新能源产业园"))
                    .collect(),
            )
        })
        .unwrap_or_default();
    let empty: Vec<usize> = Vec::new();
    for (name, selected) in [("whole plan", &empty), ("one park selected", &park)] {
        let mut times = Vec::new();
        for _ in 0..5 {
            let image = MapImage {
                layers: shown
                    .iter()
                    .enumerate()
                    .map(|(k, (layer, style))| ImageLayer {
                        layer,
                        style: style.clone(),
                        selected: if Some(k) == parcels { selected } else { &empty },
                    })
                    .collect(),
                basemap: Some(basemap),
                bbox,
                width_px: 1654,
                height_px: 2339,
                dpi: 200.0,
                title: Some(project.file.title.clone()),
                chinese: true,
                legend: true,
                spotlight: false,
                sheet: Default::default(),
            };
            let t = Instant::now();
            let pixmap = map_image::render(&image).expect("render");
            times.push(t.elapsed());
            std::hint::black_box(pixmap);
        }
        println!(
            "report: bundled project as an A4 200-dpi sheet (1654×2339), {name}: draw {:.0} ms",
            ms(median(times))
        );
    }
}
