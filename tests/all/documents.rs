//! Reports read back as a reviewer reads them: the balance and indicator tables
//! each on one page with their totals, continued tables headed 「…（续）」, a
//! parcel list with nothing cut short and a 合计 row, the landscape layout (map
//! left, tables right), long titles wrapped, the title block, one bookmark a card
//! or slide, and the handout's compare slide with its two maps.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use parcelview::io::{LoadControl, LoadOptions, load_path};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_parcelview"))
        .args(args)
        .output()
        .expect("run parcelview")
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/airport-city.json")
}

/// Each page's text with white space removed.
pub(crate) fn pages_of(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap();
    pdf_extract::extract_text_from_mem_by_pages(&bytes)
        .unwrap()
        .into_iter()
        .map(|t| t.chars().filter(|c| !c.is_whitespace()).collect())
        .collect()
}

/// The titles of a PDF's outline (bookmarks), in order.
pub(crate) fn outline_titles(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap();
    let doc = pdf_extract::Document::load_mem(&bytes).unwrap();
    let catalog = doc.catalog().unwrap();
    let Ok(outlines) = catalog.get(b"Outlines") else {
        return Vec::new();
    };
    let outlines = doc
        .get_dictionary(outlines.as_reference().unwrap())
        .unwrap();
    let mut out = Vec::new();
    let mut next = outlines
        .get(b"First")
        .ok()
        .map(|r| r.as_reference().unwrap());
    while let Some(id) = next {
        let item = doc.get_dictionary(id).unwrap();
        let title = item.get(b"Title").unwrap();
        let text = match title {
            pdf_extract::Object::String(bytes, _) => {
                if bytes.starts_with(&[0xFE, 0xFF]) {
                    let units: Vec<u16> = bytes[2..]
                        .chunks(2)
                        .map(|c| u16::from_be_bytes([c[0], c[1]]))
                        .collect();
                    String::from_utf16_lossy(&units)
                } else {
                    String::from_utf8_lossy(bytes).to_string()
                }
            }
            other => panic!("title is {other:?}"),
        };
        out.push(text);
        next = item.get(b"Next").ok().map(|r| r.as_reference().unwrap());
    }
    out
}

/// The whole plan's summary PDF, on a paper.
fn whole_plan_summary(dir: &Path, page: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(format!("plan-{page}.pdf"));
    let p = project();
    let mut args = vec![
        "report",
        p.to_str().unwrap(),
        "--page",
        page,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    ok(&run(&args));
    out
}

#[test]
fn balance_and_indicators_each_stay_on_one_page_with_their_totals() {
    let dir = tempfile::tempdir().unwrap();
    for page in ["a4", "a4-landscape", "a3", "a3-landscape"] {
        let pages = pages_of(&whole_plan_summary(dir.path(), page, &[]));
        let at = pages
            .iter()
            .position(|p| p.contains("规划用地平衡表"))
            .unwrap_or_else(|| panic!("{page}: no balance table"));
        let bal = &pages[at];
        // The unit line, the present state beside the plan, the level-1 classes,
        // the 城市建设用地 subtotal is in the GB view only; here the total.
        for word in ["单位：公顷", "现状面积", "规划面积", "合计", "陆地水域"] {
            assert!(bal.contains(word), "{page}: the balance page lacks {word}");
        }
        assert!(
            !bal.contains("规划用地平衡表（续）"),
            "{page}: the balance continues"
        );
        let ind = pages
            .iter()
            .find(|p| p.contains("规划指标"))
            .unwrap_or_else(|| panic!("{page}: no indicators"));
        for word in ["容积率", "建筑密度", "绿地率"] {
            assert!(
                ind.contains(word),
                "{page}: the indicators page lacks {word}"
            );
        }
    }
}

#[test]
fn the_parcel_list_is_never_cut_and_ends_with_its_total() {
    let dir = tempfile::tempdir().unwrap();
    let layer = load_path(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/parcels.geojson"),
        &LoadOptions::default(),
        LoadControl::default(),
    )
    .unwrap();
    for page in ["a4", "a4-landscape"] {
        let pages = pages_of(&whole_plan_summary(dir.path(), page, &[]));
        let all: String = pages.concat();
        assert!(!all.contains('…'), "{page}: something is cut short");
        // The list continues with its header under a heading naming it.
        let list: Vec<&String> = pages.iter().filter(|p| p.contains("地块清单")).collect();
        assert!(list.len() > 2, "{page}: the list is short");
        for p in list.iter().skip(1) {
            assert!(p.contains("地块清单（续）"), "{page}: {p}");
            assert!(
                p.contains("地块编号"),
                "{page}: no header on a continued page"
            );
        }
        // Every parcel's id, its status and its enterprise whole, and a 合计 row
        // with the parcel count at the end.
        let status = layer.field_index("状态").unwrap();
        let firm = layer.field_index("企业名称").unwrap();
        for i in 0..layer.len() {
            let id = layer.feature_id(i);
            assert!(all.contains(&id), "{page}: {id} missing");
            for k in [status, firm] {
                if let Some(v) = layer.value(i, k).to_text() {
                    let v: String = v.chars().filter(|c| !c.is_whitespace()).collect();
                    assert!(all.contains(&v), "{page}: {id}'s {v} missing");
                }
            }
        }
        let last = list.last().unwrap();
        assert!(
            last.contains(&format!("合计（{}个）", layer.len())),
            "{page}: no total row: {last}"
        );
    }
}

#[test]
fn landscape_pages_put_the_map_left_and_the_tables_right() {
    use parcelview::report::pdf::{Op, PageSetup, summary_layout};
    use parcelview::report::{MapContext, Progress, ReportLang, summary};
    let layer = load_path(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/parcels.geojson"),
        &LoadOptions::default(),
        LoadControl::default(),
    )
    .unwrap();
    let all: Vec<usize> = (0..layer.len()).collect();
    let s = summary(
        &layer,
        &all,
        parcelview::stats::AreaMethod::Ellipsoidal,
        "空港新城用地汇总",
        ReportLang::Zh,
    )
    .unwrap();
    let setup = PageSetup::parse("a3-landscape").unwrap();
    let (page_w, _) = setup.size_pt();
    let l = summary_layout(
        &s,
        &layer,
        &all,
        &MapContext::default(),
        setup,
        &Progress::new(),
    )
    .unwrap();
    let first = &l.pages[0];
    let (map_x, map_right) = first
        .iter()
        .find_map(|op| match op {
            Op::Image { x, w, .. } => Some((*x, x + w)),
            _ => None,
        })
        .expect("a map on page 1");
    assert!(map_x < page_w * 0.1, "the map starts at {map_x}");
    assert!(map_right > page_w * 0.5 && map_right < page_w * 0.7);
    // The title, the legend and the balance table are right of the map.
    let texts: Vec<(f32, &str)> = first
        .iter()
        .filter_map(|op| match op {
            Op::Text { x, text, .. } => Some((*x, text.as_str())),
            _ => None,
        })
        .collect();
    for word in ["空港新城用地汇总", "图例", "用地平衡表", "合计"] {
        let (x, _) = texts
            .iter()
            .find(|(_, t)| t.contains(word))
            .unwrap_or_else(|| panic!("page 1 lacks {word}"));
        assert!(*x > map_right, "{word} at {x} is not right of the map");
    }
}

#[test]
fn a_long_title_wraps_and_the_title_block_says_who_when_and_what() {
    let dir = tempfile::tempdir().unwrap();
    let title = "嘉兴高新区空港新城光电信息产业园与高端汽车零部件产业园用地规划调整论证报告附图（征求意见稿第二轮修改）";
    let pages = pages_of(&whole_plan_summary(
        dir.path(),
        "a4",
        &[
            "--where",
            "\"所属园区\" = '光电信息产业园'",
            "--title",
            title,
        ],
    ));
    let first = &pages[0];
    assert!(first.contains(title), "the title is cut: {first}");
    assert!(!first.contains('…'));
    for word in ["图名", "编制单位", "日期", "图号", "数据来源", "面积口径"] {
        assert!(first.contains(word), "the title block lacks {word}");
    }
}

#[test]
fn cards_and_slides_have_one_bookmark_each() {
    let dir = tempfile::tempdir().unwrap();
    let p = project();
    let out = dir.path().join("cards.pdf");
    ok(&run(&[
        "report",
        p.to_str().unwrap(),
        "--where",
        "\"所属园区\" = '光电信息产业园'",
        "--kind",
        "cards",
        "--out",
        out.to_str().unwrap(),
    ]));
    let titles = outline_titles(&out);
    let cards = pages_of(&out)
        .iter()
        .filter(|p| p.contains("地块报告卡") && !p.contains("（续）"))
        .count();
    assert_eq!(titles.len(), cards, "{titles:?}");
    assert!(titles.iter().all(|t| t.contains("KG-")), "{titles:?}");

    let deck = dir.path().join("deck.pdf");
    ok(&run(&[
        "handout",
        p.to_str().unwrap(),
        "--out",
        deck.to_str().unwrap(),
    ]));
    let project = parcelview::project::Project::open(&p).unwrap();
    let slides: Vec<String> = project
        .file
        .bookmarks
        .iter()
        .map(|b| b.title.clone())
        .collect();
    assert_eq!(outline_titles(&deck), slides);
    // Cards and handouts have no title block: every page carries the project's
    // disclaimer above its footer.
    let disclaimer: String = project
        .file
        .disclaimer
        .clone()
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    for (name, pdf) in [("cards", &out), ("handout", &deck)] {
        let pages = pages_of(pdf);
        assert!(
            pages.iter().all(|p| p.contains(&disclaimer)),
            "{name}: a page without the disclaimer"
        );
    }
}

#[test]
fn the_compare_slide_shows_present_and_plan_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let p = project();
    let deck = dir.path().join("deck.pdf");
    ok(&run(&[
        "handout",
        p.to_str().unwrap(),
        "--out",
        deck.to_str().unwrap(),
    ]));
    let project = parcelview::project::Project::open(&p).unwrap();
    let compare = project
        .file
        .bookmarks
        .iter()
        .find_map(|b| Some((b.title.clone(), b.compare.clone()?)))
        .expect("the bundled project has a compare slide");
    let bytes = std::fs::read(&deck).unwrap();
    let doc = pdf_extract::Document::load_mem(&bytes).unwrap();
    let texts = pages_of(&deck);
    let (k, _) = texts
        .iter()
        .enumerate()
        .find(|(_, t)| t.contains(&compare.0))
        .expect("the compare slide");
    let t = &texts[k];
    assert!(
        t.contains(&compare.1.left) && t.contains(&compare.1.right),
        "{t}"
    );
    // Two map images on its page.
    let page_id = *doc.get_pages().get(&(k as u32 + 1)).unwrap();
    let images = doc
        .get_page_images(page_id)
        .map(|v| v.len())
        .unwrap_or_else(|_| 0);
    assert_eq!(images, 2, "the compare slide has {images} maps");
}

/// The laid-out summary of the bundled parcels on `page`.
fn parcels_layout(page: &str) -> (parcelview::model::Layer, parcelview::report::pdf::Layout) {
    use parcelview::report::pdf::{PageSetup, summary_layout};
    use parcelview::report::{MapContext, Progress, ReportLang, summary};
    let layer = load_path(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/parcels.geojson"),
        &LoadOptions::default(),
        LoadControl::default(),
    )
    .unwrap();
    let all: Vec<usize> = (0..layer.len()).collect();
    let s = summary(
        &layer,
        &all,
        parcelview::stats::AreaMethod::Ellipsoidal,
        "空港新城用地汇总",
        ReportLang::Zh,
    )
    .unwrap();
    let l = summary_layout(
        &s,
        &layer,
        &all,
        &MapContext::default(),
        PageSetup::parse(page).unwrap(),
        &Progress::new(),
    )
    .unwrap();
    (layer, l)
}

#[test]
fn the_parcel_list_keeps_statuses_whole_and_rows_short_on_a4_portrait() {
    use parcelview::report::pdf::Op;
    let (layer, l) = parcels_layout("a4");
    let status = layer.field_index("状态").unwrap();
    let statuses: std::collections::BTreeSet<String> = (0..layer.len())
        .filter_map(|i| layer.value(i, status).to_text())
        .collect();
    assert!(statuses.len() >= 3, "{statuses:?}");
    // The list's pages: those whose ops set the parcel ids.
    let ids: std::collections::BTreeSet<String> =
        (0..layer.len()).map(|i| layer.feature_id(i)).collect();
    let mut rows_per_page = Vec::new();
    for page in &l.pages {
        let texts: Vec<&str> = page
            .iter()
            .filter_map(|op| match op {
                Op::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        let rows = texts.iter().filter(|t| ids.contains(**t)).count();
        if rows == 0 || !texts.iter().any(|t| t.contains("地块清单")) {
            continue;
        }
        rows_per_page.push(rows);
        // A status is set whole on one line, never broken into characters.
        for t in &texts {
            for s in &statuses {
                let broken = *t != s.as_str()
                    && !t.is_empty()
                    && s.starts_with(*t)
                    && t.chars().count() < s.chars().count();
                assert!(!broken, "the status {s} broken as {t:?}");
            }
        }
    }
    // Rows of one or two lines, three where an enterprise's name is long: a whole
    // A4 page of the list (neither the first, which starts under the indicators,
    // nor the last) holds at least 22 and on average 28.
    assert!(rows_per_page.len() >= 3, "{rows_per_page:?}");
    let inner = &rows_per_page[1..rows_per_page.len() - 1];
    assert!(inner.iter().all(|&n| n >= 22), "{rows_per_page:?}");
    let mean = inner.iter().sum::<usize>() as f64 / inner.len() as f64;
    assert!(mean >= 28.0, "{mean} rows a page: {rows_per_page:?}");
}

#[test]
fn a_park_summary_gives_the_parks_planned_area_beside_its_parcels() {
    use parcelview::stats::AreaMethod;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("park.pdf");
    let p = project();
    let park = "光伏新能源产业园";
    let filter = format!("\"所属园区\" = '{park}'");
    ok(&run(&[
        "report",
        p.to_str().unwrap(),
        "--where",
        &filter,
        "--out",
        out.to_str().unwrap(),
    ]));
    // The park's own outline, measured here from the parks layer.
    let parks = load_path(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/parks.geojson"),
        &LoadOptions::default(),
        LoadControl::default(),
    )
    .unwrap();
    let name = parks.field_index("名称").unwrap();
    let areas = parcelview::stats::feature_areas(&parks, AreaMethod::Ellipsoidal).unwrap();
    let park_m2: f64 = (0..parks.len())
        .filter(|&i| parks.value(i, name).to_text().as_deref() == Some(park))
        .map(|i| areas[i])
        .sum();
    assert!(park_m2 > 0.0);
    let first = &pages_of(&out)[0];
    let expected = format!("{park}规划面积{:.2}公顷", park_m2 / 10_000.0);
    assert!(first.contains(&expected), "{expected} not in {first}");
    assert!(first.contains("其中地块"), "{first}");
}

#[test]
fn a_handout_balance_page_has_its_structure_chart_and_prints_decreases_with_a_dash() {
    let dir = tempfile::tempdir().unwrap();
    let p = project();
    let deck = dir.path().join("deck.pdf");
    ok(&run(&[
        "handout",
        p.to_str().unwrap(),
        "--out",
        deck.to_str().unwrap(),
    ]));
    let pages = pages_of(&deck);
    let balance: Vec<&String> = pages.iter().filter(|t| t.contains("单位：公顷")).collect();
    assert!(!balance.is_empty(), "no balance page");
    for t in &balance {
        assert!(t.contains("用地结构"), "no chart beside the table: {t}");
        assert!(t.contains('%'), "{t}");
    }
    // A decrease is printed with the en dash, never with a hyphen before a figure.
    let with_present: Vec<&&String> = balance.iter().filter(|t| t.contains("增减")).collect();
    for t in &with_present {
        let hyphen_figure = t
            .as_bytes()
            .windows(2)
            .any(|w| w[0] == b'-' && w[1].is_ascii_digit());
        assert!(!hyphen_figure, "a hyphen minus in {t}");
    }
}
