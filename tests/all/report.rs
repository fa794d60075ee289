//! Reports and map images, read back: XLSX cells (calamine), CSV bytes, GeoJSON
//! round trip, PNG size, resolution and colours, PDF text (pdf-extract) and pages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use calamine::{Data, Reader, Xlsx, open_workbook};
use parcelview::io::{LoadControl, LoadOptions, load_path};
use parcelview::model::Layer;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_parcelview"))
        .args(args)
        .output()
        .expect("run parcelview")
}

fn project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/airport-city.json")
}

fn parcels() -> Layer {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/parcels.geojson");
    load_path(&p, &LoadOptions::default(), LoadControl::default()).unwrap()
}

const WHERE: &str = "\"所属园区\" = '光电信息产业园'";

fn selected(layer: &Layer) -> Vec<usize> {
    parcelview::expr::select_where(layer, WHERE).unwrap()
}

/// Runs `report` on the bundled project over the park's parcels into `name`.
fn report_of(dir: &Path, name: &str) -> PathBuf {
    let out = dir.join(name);
    let p = project();
    ok(&run(&[
        "report",
        p.to_str().unwrap(),
        "--where",
        WHERE,
        "--out",
        out.to_str().unwrap(),
    ]));
    out
}

/// Runs `report --kind cards` on the bundled project for these parcels into `out`.
fn cards_of(ids: &[String], out: &Path, extra: &[&str]) {
    let p = project();
    let joined = ids.join(",");
    let mut args = vec![
        "report",
        p.to_str().unwrap(),
        "--ids",
        &joined,
        "--kind",
        "cards",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    ok(&run(&args));
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn summary_xlsx_has_the_balance_indicators_and_parcels() {
    let dir = tempfile::tempdir().unwrap();
    let out = report_of(dir.path(), "summary.xlsx");
    let layer = parcels();
    let sel = selected(&layer);
    assert!(sel.len() > 20);
    let mut wb: Xlsx<_> = open_workbook(&out).unwrap();
    assert_eq!(wb.sheet_names(), vec!["用地平衡表", "规划指标", "地块清单"]);
    let balance = wb.worksheet_range("用地平衡表").unwrap();
    let rows: Vec<Vec<Data>> = balance.rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows[0][0], Data::String("用地平衡表".into()));
    assert_eq!(rows[1][0], Data::String("单位：公顷".into()));
    assert_eq!(rows[2][0], Data::String("代码".into()));
    let total = rows
        .iter()
        .find(|r| r[0] == Data::String("合计".into()))
        .expect("a total row");
    assert_eq!(total[2], Data::Float(sel.len() as f64));
    let want_ha: f64 = sel.iter().map(|&i| layer.area_m2[i]).sum::<f64>() / 1e4;
    let Data::Float(ha) = total[3] else {
        panic!("area is a number: {:?}", total[3])
    };
    assert!((ha - want_ha).abs() < 0.006, "{ha} vs {want_ha}");
    // The level-1 rows (two-digit codes) add up to the total exactly (balanced
    // rounding).
    let class_rows = || {
        rows[3..]
            .iter()
            .take_while(|r| r[0] != Data::String("合计".into()))
    };
    let level = |r: &&Vec<Data>, n: usize| matches!(&r[0], Data::String(c) if c.len() == n);
    let sum: f64 = class_rows()
        .filter(|r| level(r, 2))
        .map(|r| match r[3] {
            Data::Float(v) => v,
            _ => 0.0,
        })
        .sum();
    assert!((sum - ha).abs() < 1e-9, "{sum} vs {ha}");
    // The list: its title, the headings, a row a parcel and the 合计 row.
    let list = wb.worksheet_range("地块清单").unwrap();
    assert_eq!(list.height(), sel.len() + 3);
    assert!(matches!(list.get((0, 0)), Some(Data::String(t)) if t.contains("地块清单")));
    assert_eq!(list.get((1, 0)), Some(&Data::String("地块编号".into())));
    let mut ids: Vec<String> = sel.iter().map(|&i| layer.feature_id(i)).collect();
    ids.sort();
    assert_eq!(list.get((2, 0)), Some(&Data::String(ids[0].clone())));
    assert!(matches!(list.get((2, 3)), Some(Data::Float(_))));
    assert_eq!(
        list.get((sel.len() + 2, 0)),
        Some(&Data::String("合计".into()))
    );
    let ind = wb.worksheet_range("规划指标").unwrap();
    assert!(ind.rows().any(|r| r[0] == Data::String("净容积率".into())));
}

#[test]
fn csv_is_utf8_with_bom_and_one_line_a_parcel() {
    let dir = tempfile::tempdir().unwrap();
    let out = report_of(dir.path(), "list.csv");
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("地块编号,用地代码,用地性质,用地面积（m²）"));
    // The headings, a line a parcel and the 合计 line.
    let n = selected(&parcels()).len();
    assert_eq!(lines.len(), n + 2);
    assert!(lines[1..=n].iter().all(|l| l.contains("光电信息产业园")));
    assert!(lines[n + 1].starts_with("合计,"), "{}", lines[n + 1]);
}

#[test]
fn geojson_round_trips_with_area_columns() {
    let dir = tempfile::tempdir().unwrap();
    let out = report_of(dir.path(), "sel.geojson");
    let back = load_path(&out, &LoadOptions::default(), LoadControl::default()).unwrap();
    let layer = parcels();
    let sel = selected(&layer);
    assert_eq!(back.len(), sel.len());
    let area = back.field_index("area_m2").unwrap();
    let total: f64 = (0..back.len())
        .map(|i| back.value(i, area).as_f64().unwrap())
        .sum();
    let want: f64 = sel.iter().map(|&i| layer.area_m2[i]).sum();
    assert!((total - want).abs() < 0.01 * sel.len() as f64);
    // The geometry came back too: the areas recomputed from it agree.
    let recomputed: f64 = back.area_m2.iter().sum();
    assert!((recomputed - want).abs() < 1e-6 * want);
}

#[test]
fn cards_have_boundary_points_and_nearby_facilities() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cards.xlsx");
    let layer = parcels();
    let ids: Vec<String> = selected(&layer)
        .iter()
        .take(3)
        .map(|&i| layer.feature_id(i))
        .collect();
    cards_of(&ids, &out, &[]);
    let mut wb: Xlsx<_> = open_workbook(&out).unwrap();
    assert_eq!(
        wb.sheet_names(),
        vec!["地块", "规划条件", "界址点成果表", "周边设施"]
    );
    let pts = wb.worksheet_range("界址点成果表").unwrap();
    let want_pts: usize = ids
        .iter()
        .map(|id| {
            let i = (0..layer.len())
                .find(|&i| &layer.feature_id(i) == id)
                .unwrap();
            match layer.geometries[i].as_ref().unwrap() {
                geo::Geometry::Polygon(p) => std::iter::once(p.exterior())
                    .chain(p.interiors())
                    .map(|r| r.0.len())
                    .sum::<usize>(),
                geo::Geometry::MultiPolygon(mp) => {
                    mp.0.iter()
                        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                        .map(|r| r.0.len())
                        .sum()
                }
                _ => 0,
            }
        })
        .sum();
    // Its title, the coordinate system, the headings, then every ring's points with
    // its first point repeated to close it (the rings' vertex counts as stored).
    assert_eq!(pts.height(), want_pts + 3);
    assert_eq!(pts.get((3, 2)), Some(&Data::String("J1".into())));
    // Jiaxing in CGCS2000 3° zone 40: X (north) about 3.40e6 m, Y (east) about 5.6e5 m.
    let (Some(Data::Float(x)), Some(Data::Float(y))) = (pts.get((3, 3)), pts.get((3, 4))) else {
        panic!("coordinates are numbers")
    };
    assert!(
        (3.38e6..3.42e6).contains(x) && (5.4e5..5.9e5).contains(y),
        "{x} {y}"
    );
    let fac = wb.worksheet_range("周边设施").unwrap();
    assert!(fac.height() > 1, "facilities within 1 km of park parcels");
    // Facilities within 1 km, and farther ones whose own service radius reaches
    // the parcel.
    let dists: Vec<(String, f64)> = fac
        .rows()
        .skip(3)
        .map(|r| {
            let Data::Float(d) = r[3] else {
                panic!("distance is a number")
            };
            let radius = match r[4] {
                Data::Float(v) => v,
                _ => 0.0,
            };
            assert!(
                d <= 1000.0 || d <= radius,
                "{d} m with a radius of {radius} m"
            );
            (r[0].to_string(), d)
        })
        .collect();
    assert!(dists.iter().all(|(_, d)| *d >= 0.0));
    for w in dists.windows(2) {
        if w[0].0 == w[1].0 {
            assert!(w[0].1 <= w[1].1, "nearest first");
        }
    }
}

#[test]
fn bad_outputs_are_refused_and_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = project();
    let o = run(&[
        "report",
        p.to_str().unwrap(),
        "--out",
        dir.path().join("r.docx").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unsupported report format"));
    // The input is never overwritten.
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/parcels.geojson");
    let before = std::fs::read(&input).unwrap();
    let o = run(&[
        "report",
        input.to_str().unwrap(),
        "--out",
        input.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read(&input).unwrap(), before);
    // A folder that does not exist: a clear error and no file.
    let missing = dir.path().join("no/such/dir/r.xlsx");
    let o = run(&[
        "report",
        p.to_str().unwrap(),
        "--out",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!missing.exists());
    let o = run(&[
        "report",
        p.to_str().unwrap(),
        "--ids",
        "NOPE-1",
        "--out",
        dir.path().join("x.csv").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("NOPE-1"));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no stray files"
    );
}

#[test]
fn render_draws_the_selection_where_it_is_at_the_chosen_size_and_dpi() {
    use geo::InteriorPoint;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("map.png");
    let p = project();
    let layer = parcels();
    // A large parcel, highlighted, in a box around it.
    let i = (0..layer.len())
        .filter(|&i| layer.area_m2[i] > 40_000.0)
        .max_by(|&a, &b| layer.area_m2[a].total_cmp(&layer.area_m2[b]))
        .unwrap();
    let id = layer.feature_id(i);
    ok(&run(&[
        "render",
        p.to_str().unwrap(),
        "--ids",
        &id,
        "--size",
        "800x600",
        "--dpi",
        "200",
        "--out",
        out.to_str().unwrap(),
    ]));
    let bytes = std::fs::read(&out).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
    let reader = decoder.read_info().unwrap();
    let info = reader.info();
    assert_eq!((info.width, info.height), (800, 600));
    let dims = info.pixel_dims.unwrap();
    assert_eq!(dims.xppu, (200.0f64 / 0.0254).round() as u32);
    let img = image::load_from_memory(&bytes).unwrap().to_rgba8();
    // The view is the parcel's box fitted with a margin: find the parcel's inside
    // point on the image the same way the renderer does.
    let env = layer.envelopes[i].unwrap();
    let world = parcelview::render::world_from_lon_lat;
    let (a, b) = (
        world(geo::coord! { x: env.min().x, y: env.max().y }),
        world(geo::coord! { x: env.max().x, y: env.min().y }),
    );
    let scale = (800.0 / (b.x - a.x)).min(600.0 / (b.y - a.y)) * 0.92;
    let origin = [
        (a.x + b.x) / 2.0 - 400.0 / scale,
        (a.y + b.y) / 2.0 - 300.0 / scale,
    ];
    let inside = layer.geometries[i]
        .as_ref()
        .unwrap()
        .interior_point()
        .unwrap()
        .0;
    let w = world(inside);
    let (px, py) = (
        ((w.x - origin[0]) * scale) as u32,
        ((w.y - origin[1]) * scale) as u32,
    );
    let c = layer.class[i].unwrap();
    // A selected parcel keeps its class colour (it stands out by its outline).
    let want = parcelview::landuse::LanduseTable::global().rgb(c);
    // The parcel's label sits on its inside point, so the colour is counted over
    // the image: the parcel shows over a good part of its own view (the airport
    // layer covers the rest of it), in its undimmed class colour (a dimmed or
    // tinted parcel would match no pixel).
    let close = |a: u8, b: u8| (i32::from(a) - i32::from(b)).abs() <= 4;
    let matching = img
        .pixels()
        .filter(|got| close(got[0], want[0]) && close(got[1], want[1]) && close(got[2], want[2]))
        .count();
    assert!(
        matching > 800 * 600 / 50,
        "{matching} pixels have {want:?} (inside point {px},{py})"
    );
    // A size out of range is a usage error.
    let o = run(&[
        "render",
        p.to_str().unwrap(),
        "--size",
        "0x10",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

/// The text of each page of a PDF, with white space removed (text extraction puts
/// spaces where glyphs are spread apart), and the page sizes in points.
fn pdf_pages(path: &Path) -> (Vec<String>, Vec<(f32, f32)>) {
    let bytes = std::fs::read(path).unwrap();
    let pages: Vec<String> = pdf_extract::extract_text_from_mem_by_pages(&bytes)
        .unwrap()
        .into_iter()
        .map(|t| t.chars().filter(|c| !c.is_whitespace()).collect())
        .collect();
    let doc = pdf_extract::Document::load_mem(&bytes).unwrap();
    let sizes: Vec<(f32, f32)> = doc
        .get_pages()
        .values()
        .map(|&id| {
            let page = doc.get_dictionary(id).unwrap();
            let mb = page.get(b"MediaBox").unwrap().as_array().unwrap();
            let n = |k: usize| mb[k].as_float().unwrap();
            (n(2) - n(0), n(3) - n(1))
        })
        .collect();
    assert_eq!(pages.len(), sizes.len());
    (pages, sizes)
}

/// The fonts a PDF embeds: their base names.
fn pdf_embedded_fonts(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap();
    let doc = pdf_extract::Document::load_mem(&bytes).unwrap();
    let mut out = Vec::new();
    for obj in doc.objects.values() {
        if let Ok(d) = obj.as_dict()
            && d.get(b"Type").and_then(|t| t.as_name()).ok() == Some(b"FontDescriptor")
            && ["FontFile", "FontFile2", "FontFile3"]
                .iter()
                .any(|k| d.has(k.as_bytes()))
        {
            let name = d.get(b"FontName").unwrap().as_name().unwrap();
            out.push(String::from_utf8_lossy(name).to_string());
        }
    }
    out
}

#[test]
fn summary_pdf_has_selectable_chinese_text_the_tables_and_every_parcel() {
    let dir = tempfile::tempdir().unwrap();
    let out = report_of(dir.path(), "summary.pdf");
    let (pages, sizes) = pdf_pages(&out);
    let all: String = pages.concat();
    // A4 portrait by default.
    assert!(
        sizes
            .iter()
            .all(|(w, h)| (w - 595.28).abs() < 0.5 && (h - 841.89).abs() < 0.5)
    );
    // Page 1 is the map sheet: title, headline, map, legend and title block; the
    // balance table follows, whole on its page with its total.
    let first = &pages[0];
    // Without --title, a park's summary is titled by its park, not as the plan.
    for word in ["光电信息产业园用地汇总", "图例", "公顷", "图名", "编制单位"]
    {
        assert!(first.contains(word), "page 1 lacks {word}: {first}");
    }
    let balance = pages
        .iter()
        .find(|p| p.contains("用地平衡表"))
        .expect("a balance page");
    assert!(balance.contains("合计") && balance.contains("单位：公顷"));
    assert!(all.contains("地块清单"));
    assert!(all.contains(&format!("第1/{}页", pages.len())));
    // Every selected parcel is listed, with its area as the core measures it (in
    // hectares to four decimals, the square metre, on a portrait page, which
    // gives the m² column up for the names).
    let layer = parcels();
    let sel = selected(&layer);
    for &i in &sel {
        let id = layer.feature_id(i);
        assert!(all.contains(&id), "{id} missing");
        let area = format!("{:.4}", layer.area_m2[i] / 10_000.0);
        assert!(all.contains(&area), "{id}'s area {area} ha missing");
    }
    // The total hectares, as the core's statistics round them.
    let t = parcelview::stats::group_stats(
        &layer,
        Some(&sel),
        parcelview::stats::GroupBy::Class(2),
        parcelview::stats::AreaMethod::Ellipsoidal,
        &layer.area_m2,
    );
    assert!(first.contains(&format!("{:.2}公顷", t.total_area_ha_rounded)));
    // The CJK font is embedded as a subset (a six-letter tag before its name).
    let fonts = pdf_embedded_fonts(&out);
    assert!(!fonts.is_empty());
    assert!(
        fonts.iter().all(|f| f.len() > 7 && f.as_bytes()[6] == b'+'),
        "{fonts:?}"
    );
    // A subset, not the whole 1.5 MB font.
    assert!(std::fs::metadata(&out).unwrap().len() < 1_500_000);
}

#[test]
fn card_pdfs_have_one_card_per_parcel_on_the_chosen_paper() {
    let dir = tempfile::tempdir().unwrap();
    let layer = parcels();
    let sel = selected(&layer);
    let mut ids: Vec<String> = sel.iter().take(3).map(|&i| layer.feature_id(i)).collect();
    ids.sort();
    let out = dir.path().join("cards.pdf");
    cards_of(&ids, &out, &["--page", "a3-landscape"]);
    let (pages, sizes) = pdf_pages(&out);
    assert!(
        sizes
            .iter()
            .all(|(w, h)| (w - 1190.55).abs() < 0.5 && (h - 841.89).abs() < 0.5)
    );
    // One card starts a page per parcel, in id order.
    let starts: Vec<&String> = pages
        .iter()
        .filter(|t| t.contains("地块报告卡") && !t.contains("（续）"))
        .collect();
    assert_eq!(starts.len(), 3, "{pages:?}");
    for (page, id) in starts.iter().zip(&ids) {
        assert!(page.contains(&format!("地块报告卡{id}")), "{page}");
        for word in [
            "区位图",
            "地块详图",
            "规划控制指标",
            "界址点",
            "J1",
            "周边公共设施",
        ] {
            assert!(page.contains(word), "{id}'s card lacks {word}");
        }
    }
    // Boundary points and nearby facilities agree with the workbook's cards.
    let xlsx = dir.path().join("cards.xlsx");
    cards_of(&ids, &xlsx, &[]);
    let mut wb: Xlsx<_> = open_workbook(&xlsx).unwrap();
    let points = wb.worksheet_range("界址点成果表").unwrap();
    let all: String = pages.concat();
    for row in points.rows().skip(3).take(12) {
        let x = match &row[3] {
            Data::Float(v) => *v,
            other => panic!("X is {other:?}"),
        };
        assert!(all.contains(&format!("{x:.3}")), "X {x:.3} missing");
    }
}

#[test]
fn english_pdf_and_paper_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = project();
    let out = dir.path().join("en.pdf");
    ok(&run(&[
        "report",
        p.to_str().unwrap(),
        "--where",
        WHERE,
        "--lang",
        "en",
        "--page",
        "a4-landscape",
        "--out",
        out.to_str().unwrap(),
    ]));
    let (pages, sizes) = pdf_pages(&out);
    let all: String = pages.concat();
    assert!(all.contains("Land-usebalance"), "{all}");
    assert!(pages[0].contains("Legend"));
    assert!(sizes.iter().all(|(w, h)| w > h));
    let o = run(&[
        "report",
        p.to_str().unwrap(),
        "--page",
        "letter",
        "--out",
        dir.path().join("x.pdf").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a paper"));
    assert!(!dir.path().join("x.pdf").exists());
}

#[test]
fn a_cancelled_report_leaves_no_file() {
    use parcelview::report::{self, Progress, ReportKind, ReportLang, ReportRequest};
    let dir = tempfile::tempdir().unwrap();
    let layer = parcels();
    let features = selected(&layer);
    let progress = Progress::new();
    progress.cancel();
    let out = dir.path().join("c.pdf");
    let r = report::write_report(
        &ReportRequest {
            layer: &layer,
            facilities: None,
            features: &features,
            kind: ReportKind::Cards,
            lang: ReportLang::Zh,
            title: "t",
            method: parcelview::stats::AreaMethod::Ellipsoidal,
            page: Default::default(),
            map: Default::default(),
            options: Default::default(),
            balance: None,
            zone_prefix: false,
        },
        &out,
        &[],
        &progress,
    );
    assert!(matches!(r, Err(report::ReportError::Cancelled)), "{r:?}");
    assert!(!out.exists());
    // Without cancelling, the same request writes the cards and reports progress.
    let progress = Progress::new();
    report::write_report(
        &ReportRequest {
            layer: &layer,
            facilities: None,
            features: &features[..2],
            kind: ReportKind::Cards,
            lang: ReportLang::Zh,
            title: "t",
            method: parcelview::stats::AreaMethod::Ellipsoidal,
            page: Default::default(),
            map: Default::default(),
            options: Default::default(),
            balance: None,
            zone_prefix: false,
        },
        &out,
        &[],
        &progress,
    )
    .unwrap();
    assert_eq!(progress.fraction(), 1.0);
    assert!(std::fs::read(&out).unwrap().starts_with(b"%PDF-"));
}

#[test]
fn default_titles_name_the_park_the_selection_or_the_plan() {
    use parcelview::report::{ReportKind, ReportLang, default_title};
    let layer = parcels();
    let park = selected(&layer);
    let all: Vec<usize> = (0..layer.len()).collect();
    let plan = "嘉兴高新区空港新城规划（示意）";
    assert_eq!(
        default_title(&layer, &all, plan, ReportKind::Summary, ReportLang::Zh),
        plan
    );
    assert_eq!(
        default_title(&layer, &park, plan, ReportKind::Cards, ReportLang::Zh),
        "光电信息产业园地块报告卡"
    );
    // Parcels of two parks (or none) are the plan's selection.
    let mixed: Vec<usize> = all.iter().copied().step_by(97).collect();
    assert_eq!(
        default_title(&layer, &mixed, plan, ReportKind::Summary, ReportLang::En),
        format!("{plan} (selected parcels)")
    );
}
