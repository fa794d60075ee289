//! Workbooks and CSV files read back as a planner's Excel reads them: column widths,
//! print setup, frozen panes and defined names from the sheets' XML (the XLSX is
//! unzipped here), cell values through calamine, CSV bytes through a small RFC 4180
//! reader. The inputs are made with the library: the bundled parcels and
//! facilities, and a small layer of our own with long Chinese names, a quoted
//! enterprise name and a multi-part parcel.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use parcelview::io::{LoadControl, LoadOptions, load_path};
use parcelview::model::Layer;
use parcelview::report::{self, Card, Condition, ReportLang, Summary, csv, xlsx};
use parcelview::stats::{AreaMethod, StatsOptions};

// ---------------------------------------------------------------------------
// Inputs

fn bundled(name: &str) -> Layer {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("maps")
        .join(name);
    load_path(&p, &LoadOptions::default(), LoadControl::default()).unwrap()
}

/// The enterprise of the first test parcel: 17 Chinese characters, 34 digit widths.
const LONG_NAME: &str = "嘉兴市空港新城光电信息科技有限公司";
/// The enterprise of the second: a comma and quotes, which CSV must quote.
const QUOTED_NAME: &str = "Acme \"Optics\", Ltd.";

/// A small square ring at (lon, lat) of `d` degrees, closed.
fn square(lon: f64, lat: f64, d: f64) -> serde_json::Value {
    serde_json::json!([
        [lon, lat],
        [lon + d, lat],
        [lon + d, lat + d],
        [lon, lat + d],
        [lon, lat]
    ])
}

/// Three parcels near Jiaxing: KG-T-0001 (070102, a long Chinese enterprise name),
/// KG-T-0002 (0802, a quoted name), KG-T-0003 (090101, two parts, the first with a
/// hole).
fn test_layer(dir: &Path) -> Layer {
    let props = |id: &str, code: &str, name: &str, enterprise: &str| {
        serde_json::json!({
            "地块编号": id, "用地代码": code, "用地名称": name, "容积率": 2.5,
            "建筑密度": 35.0, "绿地率": 20.0, "限高": 45.0, "状态": "规划",
            "所属园区": "光电信息产业园", "企业名称": enterprise,
        })
    };
    let outer = square(120.700, 30.700, 0.002);
    let hole = serde_json::json!([
        [120.7005, 30.7005],
        [120.7005, 30.7010],
        [120.7010, 30.7010],
        [120.7010, 30.7005],
        [120.7005, 30.7005]
    ]);
    let fc = serde_json::json!({
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props("KG-T-0001", "070102", "二类城镇住宅用地", LONG_NAME),
             "geometry": {"type": "Polygon", "coordinates": [square(120.710, 30.710, 0.001)]}},
            {"type": "Feature", "properties": props("KG-T-0002", "0802", "教育用地", QUOTED_NAME),
             "geometry": {"type": "Polygon", "coordinates": [square(120.713, 30.710, 0.001)]}},
            {"type": "Feature", "properties": props("KG-T-0003", "090101", "零售商业用地", ""),
             "geometry": {"type": "MultiPolygon", "coordinates": [
                 [outer, hole],
                 [square(120.705, 30.700, 0.001)]
             ]}}
        ]
    });
    let path = dir.join("test.geojson");
    std::fs::write(&path, serde_json::to_vec(&fc).unwrap()).unwrap();
    load_path(&path, &LoadOptions::default(), LoadControl::default()).unwrap()
}

fn summary_of(layer: &Layer, features: &[usize], title: &str, lang: ReportLang) -> Summary {
    report::summary_with(
        layer,
        features,
        AreaMethod::Ellipsoidal,
        title,
        lang,
        &StatsOptions::default(),
        None,
    )
    .unwrap()
}

/// The summary of the bundled parcels of one park, and the parcels.
fn park_summary(lang: ReportLang) -> (Layer, Vec<usize>, Summary) {
    let layer = bundled("parcels.geojson");
    let sel = parcelview::expr::select_where(&layer, "\"所属园区\" = '光电信息产业园'").unwrap();
    assert!(sel.len() > 20);
    let s = summary_of(&layer, &sel, "空港新城光电信息产业园", lang);
    (layer, sel, s)
}

/// Cards of a few bundled parcels of the park, with the bundled facilities.
fn park_cards(lang: ReportLang) -> Vec<Card> {
    let layer = bundled("parcels.geojson");
    let facilities = bundled("facilities.geojson");
    let sel = parcelview::expr::select_where(&layer, "\"所属园区\" = '光电信息产业园'").unwrap();
    let few: Vec<usize> = sel.iter().copied().take(4).collect();
    report::cards(&layer, &few, Some(&facilities), lang).unwrap()
}

fn options(y_with_zone: bool) -> xlsx::CardsOptions {
    xlsx::CardsOptions {
        title: "空港新城".to_string(),
        date: "2026-05-01".to_string(),
        y_with_zone,
    }
}

// ---------------------------------------------------------------------------
// Reading an XLSX back

/// The files of a zip archive by name. A reader of the central directory just
/// large enough for the workbooks rust_xlsxwriter writes: stored or deflated
/// entries, no zip64.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let u16_at = |i: usize| usize::from(u16::from_le_bytes([bytes[i], bytes[i + 1]]));
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap()) as usize;
    let eocd = (0..=bytes.len() - 22)
        .rev()
        .find(|&i| bytes[i..i + 4] == [0x50, 0x4b, 5, 6])
        .expect("end of central directory");
    let mut at = u32_at(eocd + 16);
    let mut out = BTreeMap::new();
    for _ in 0..u16_at(eocd + 10) {
        assert_eq!(
            bytes[at..at + 4],
            [0x50, 0x4b, 1, 2],
            "central directory entry"
        );
        let method = u16_at(at + 10);
        let size = u32_at(at + 20);
        let (name_len, extra_len, comment_len) =
            (u16_at(at + 28), u16_at(at + 30), u16_at(at + 32));
        let local = u32_at(at + 42);
        let name = String::from_utf8(bytes[at + 46..at + 46 + name_len].to_vec()).unwrap();
        let start = local + 30 + u16_at(local + 26) + u16_at(local + 28);
        let data = &bytes[start..start + size];
        let content = match method {
            0 => data.to_vec(),
            8 => {
                let mut v = Vec::new();
                flate2::read::DeflateDecoder::new(data)
                    .read_to_end(&mut v)
                    .unwrap();
                v
            }
            m => panic!("{name}: compression method {m}"),
        };
        out.insert(name, content);
        at += 46 + name_len + extra_len + comment_len;
    }
    out
}

/// The opening tags `<name …>` in `xml`, each without its `<` and `>`.
fn tags<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}");
    xml.match_indices(&open)
        .filter_map(|(i, _)| {
            let rest = &xml[i + open.len()..];
            if !rest.starts_with([' ', '>', '/']) {
                return None;
            }
            let end = rest.find('>')?;
            Some(xml[i + 1..i + open.len() + end].trim_end_matches('/'))
        })
        .collect()
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(
        tag[start..start + len]
            .replace("&amp;", "&")
            .replace("&quot;", "\""),
    )
}

/// The letters of a 0-based column: 0 → A, 12 → M.
fn col_letters(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

/// A workbook read back: its parts and its cells.
struct Book {
    bytes: Vec<u8>,
    files: BTreeMap<String, Vec<u8>>,
}

/// What one sheet says about its layout.
struct SheetInfo {
    name: String,
    xml: String,
    /// Cells by absolute (row, column), from 0.
    cells: Vec<Vec<Data>>,
    /// The printed heading rows, `$3:$3` → (3, 3), from 1.
    print_titles: Option<(u32, u32)>,
}

impl Book {
    fn new(bytes: Vec<u8>) -> Book {
        assert!(bytes.starts_with(b"PK"), "an XLSX is a zip archive");
        let files = unzip(&bytes);
        Book { bytes, files }
    }

    fn part(&self, name: &str) -> String {
        String::from_utf8(
            self.files
                .get(name)
                .unwrap_or_else(|| panic!("no {name}"))
                .clone(),
        )
        .unwrap()
    }

    /// Every sheet in order, with its XML, cells and print titles.
    fn sheets(&self) -> Vec<SheetInfo> {
        let wb = self.part("xl/workbook.xml");
        let rels = self.part("xl/_rels/workbook.xml.rels");
        let targets: BTreeMap<String, String> = tags(&rels, "Relationship")
            .iter()
            .map(|t| (attr(t, "Id").unwrap(), attr(t, "Target").unwrap()))
            .collect();
        let mut titles: BTreeMap<usize, (u32, u32)> = BTreeMap::new();
        for (i, _) in wb.match_indices("<definedName ") {
            let rest = &wb[i..];
            let end = rest.find("</definedName>").unwrap();
            let (tag, formula) = rest[..end].split_once('>').unwrap();
            if attr(tag, "name").as_deref() == Some("_xlnm.Print_Titles") {
                let sheet: usize = attr(tag, "localSheetId").unwrap().parse().unwrap();
                let rows = formula.rsplit('!').next().unwrap();
                let (a, b) = rows.split_once(':').unwrap();
                let row = |s: &str| s.trim_start_matches('$').parse::<u32>().unwrap();
                assert!(
                    titles.insert(sheet, (row(a), row(b))).is_none(),
                    "one per sheet"
                );
            }
        }
        let mut reader = Xlsx::new(Cursor::new(self.bytes.clone())).unwrap();
        tags(&wb, "sheet")
            .iter()
            .enumerate()
            .map(|(k, t)| {
                let name = attr(t, "name").unwrap();
                let target = &targets[&attr(t, "r:id").unwrap()];
                let xml = self.part(&format!("xl/{}", target.trim_start_matches("/xl/")));
                let range = reader.worksheet_range(&name).unwrap();
                let (rows, cols) = range.end().map_or((0, 0), |(r, c)| (r + 1, c + 1));
                let cells = (0..rows)
                    .map(|r| {
                        (0..cols)
                            .map(|c| range.get_value((r, c)).cloned().unwrap_or(Data::Empty))
                            .collect()
                    })
                    .collect();
                SheetInfo {
                    name,
                    xml,
                    cells,
                    print_titles: titles.get(&k).copied(),
                }
            })
            .collect()
    }
}

impl SheetInfo {
    /// The 0-based heading row: the printed title row.
    fn heading_row(&self) -> usize {
        let (a, b) = self
            .print_titles
            .unwrap_or_else(|| panic!("{}: no print titles", self.name));
        assert_eq!(a, b, "{}: one heading row", self.name);
        a as usize - 1
    }

    fn text(&self, r: usize, c: usize) -> String {
        match self.cells.get(r).and_then(|row| row.get(c)) {
            Some(Data::String(s)) => s.clone(),
            _ => String::new(),
        }
    }

    fn headings(&self) -> Vec<String> {
        let r = self.heading_row();
        let n = self.cells[r].len();
        (0..n)
            .map(|c| self.text(r, c))
            .take_while(|h| !h.is_empty())
            .collect()
    }

    /// The rows of the table: those after the headings up to the first empty row.
    fn body(&self) -> &[Vec<Data>] {
        let first = self.heading_row() + 1;
        let rows = self.cells.get(first..).unwrap_or(&[]);
        let n = rows
            .iter()
            .position(|r| r.iter().all(|d| *d == Data::Empty))
            .unwrap_or(rows.len());
        &rows[..n]
    }

    /// The width of each column as set in the sheet's XML, in digit widths (the
    /// unit of `set_column_width`: the XML stores it plus 5 pixels of padding over
    /// a 7-pixel digit).
    fn widths(&self) -> BTreeMap<usize, f64> {
        let mut out = BTreeMap::new();
        for t in tags(&self.xml, "col") {
            let min: usize = attr(t, "min").unwrap().parse().unwrap();
            let max: usize = attr(t, "max").unwrap().parse().unwrap();
            let w: f64 = attr(t, "width").unwrap().parse().unwrap();
            for c in min..=max {
                out.insert(c - 1, ((w * 7.0 - 5.0) / 7.0 * 4.0).round() / 4.0);
            }
        }
        out
    }

    fn width(&self, c: usize) -> f64 {
        *self
            .widths()
            .get(&c)
            .unwrap_or_else(|| panic!("{}: column {c} has no width", self.name))
    }

    fn merges(&self) -> Vec<String> {
        tags(&self.xml, "mergeCell")
            .iter()
            .filter_map(|t| attr(t, "ref"))
            .collect()
    }
}

/// A display width computed independently of the library: East Asian wide and
/// full-width characters count two.
fn wide_width(text: &str) -> usize {
    text.lines()
        .map(|l| {
            l.chars()
                .map(|c| match c {
                    '\u{1100}'..='\u{115F}'
                    | '\u{2E80}'..='\u{A4CF}'
                    | '\u{AC00}'..='\u{D7A3}'
                    | '\u{F900}'..='\u{FAFF}'
                    | '\u{FE30}'..='\u{FE4F}'
                    | '\u{FF00}'..='\u{FF60}'
                    | '\u{FFE0}'..='\u{FFE6}' => 2,
                    _ => 1,
                })
                .sum()
        })
        .max()
        .unwrap_or(0)
}

fn number(d: &Data) -> f64 {
    match d {
        Data::Float(v) => *v,
        Data::Int(v) => *v as f64,
        other => panic!("not a number: {other:?}"),
    }
}

fn summary_book(s: &Summary) -> Book {
    Book::new(xlsx::summary_bytes(s).unwrap())
}

fn cards_book(cards: &[Card], lang: ReportLang, y_with_zone: bool) -> Book {
    Book::new(xlsx::cards_bytes_with(cards, lang, &options(y_with_zone)).unwrap())
}

/// The four workbooks the tests look at: summary and cards, Chinese and English.
fn all_books() -> Vec<(&'static str, Book)> {
    vec![
        ("summary zh", summary_book(&park_summary(ReportLang::Zh).2)),
        ("summary en", summary_book(&park_summary(ReportLang::En).2)),
        (
            "cards zh",
            cards_book(&park_cards(ReportLang::Zh), ReportLang::Zh, false),
        ),
        (
            "cards en",
            cards_book(&park_cards(ReportLang::En), ReportLang::En, true),
        ),
    ]
}

// ---------------------------------------------------------------------------
// XLSX

#[test]
fn display_width_counts_a_chinese_character_as_two() {
    assert_eq!(xlsx::display_width("070102"), 6);
    assert_eq!(xlsx::display_width("光电信息产业园"), 14);
    assert_eq!(xlsx::display_width("用地面积（m²）"), 14);
    assert_eq!(xlsx::display_width("KG-A-0001\n二类城镇住宅用地"), 16);
    assert_eq!(xlsx::display_width(LONG_NAME), wide_width(LONG_NAME));
}

#[test]
fn every_sheet_has_its_title_above_its_headings() {
    let first_heading = |sheet: &str| match sheet {
        "用地平衡表" => "代码",
        "规划指标" => "指标",
        "Land-use balance" => "Code",
        "Indicators" => "Indicator",
        "Parcels" | "Planning conditions" | "Boundary points" | "Nearby facilities" => "Parcel",
        _ => "地块编号",
    };
    for (what, book) in all_books() {
        let sheets = book.sheets();
        assert!(sheets.len() >= 3, "{what}");
        for sh in &sheets {
            let title = sh.text(0, 0);
            assert!(!title.is_empty(), "{what} {}: no title in A1", sh.name);
            let h = sh.heading_row();
            assert!(
                h >= 1,
                "{what} {}: the headings are below the title",
                sh.name
            );
            assert_eq!(sh.text(h, 0), first_heading(&sh.name), "{what} {}", sh.name);
            // Nothing between the title and the headings but the title's own
            // lines, and the title is nowhere else: not repeated under the table.
            for r in 1..sh.cells.len() {
                assert_ne!(sh.text(r, 0), title, "{what} {}: row {}", sh.name, r + 1);
            }
            // The title spans the table's columns.
            let n = sh.headings().len();
            if n > 1 {
                let span = format!("A1:{}1", col_letters(n - 1));
                assert!(sh.merges().contains(&span), "{what} {}: {span}", sh.name);
            }
        }
    }
    // The parcel list's title says what it lists.
    let book = summary_book(&park_summary(ReportLang::Zh).2);
    let list = book
        .sheets()
        .into_iter()
        .find(|s| s.name == "地块清单")
        .unwrap();
    assert_eq!(list.text(0, 0), "空港新城光电信息产业园　地块清单");
    assert_eq!(list.heading_row(), 1);
}

#[test]
fn every_sheet_prints_on_a4_one_page_wide_repeating_its_headings() {
    for (what, book) in all_books() {
        for sh in book.sheets() {
            let at = format!("{what} {}", sh.name);
            let fit = tags(&sh.xml, "pageSetUpPr");
            assert_eq!(fit.len(), 1, "{at}");
            assert_eq!(attr(fit[0], "fitToPage").as_deref(), Some("1"), "{at}");
            let setup = tags(&sh.xml, "pageSetup");
            assert_eq!(setup.len(), 1, "{at}");
            let setup = setup[0];
            assert_eq!(attr(setup, "paperSize").as_deref(), Some("9"), "{at}: A4");
            // One page wide (1 is the default, which Excel leaves out), as many
            // pages long as it takes.
            assert_eq!(
                attr(setup, "fitToWidth").unwrap_or_else(|| "1".into()),
                "1",
                "{at}"
            );
            assert_eq!(attr(setup, "fitToHeight").as_deref(), Some("0"), "{at}");
            // The heading row is repeated on every page (the defined name
            // _xlnm.Print_Titles), and it is the row of the headings.
            let h = sh.heading_row();
            assert!(!sh.headings().is_empty(), "{at}");
            assert!(
                sh.headings().iter().all(|t| !t.is_empty()),
                "{at}: {:?}",
                sh.headings()
            );
            assert!(h >= 1, "{at}");
        }
    }
}

#[test]
fn the_parcel_lists_freeze_the_id_column_and_the_rows_down_to_the_headings() {
    for (what, book) in all_books() {
        for sh in book.sheets() {
            if !["地块清单", "地块", "Parcels"].contains(&sh.name.as_str()) {
                continue;
            }
            let at = format!("{what} {}", sh.name);
            let panes = tags(&sh.xml, "pane");
            assert_eq!(panes.len(), 1, "{at}");
            let pane = panes[0];
            assert_eq!(attr(pane, "state").as_deref(), Some("frozen"), "{at}");
            // Title in row 1, headings in row 2: frozen at B3, which keeps the id
            // column and both rows in view (B2 of issue #15, moved down by the
            // title).
            assert_eq!(attr(pane, "xSplit").as_deref(), Some("1"), "{at}");
            assert_eq!(attr(pane, "ySplit").as_deref(), Some("2"), "{at}");
            assert_eq!(attr(pane, "topLeftCell").as_deref(), Some("B3"), "{at}");
            assert_eq!(sh.heading_row() + 1, 2, "{at}");
            assert!(
                sh.text(1, 0) == "地块编号" || sh.text(1, 0) == "Parcel",
                "{at}"
            );
            // The autofilter is on the headings and the parcels, not the total.
            let filter = tags(&sh.xml, "autoFilter");
            let last = sh.cells.len();
            assert_eq!(
                attr(filter[0], "ref").unwrap(),
                format!("A2:M{}", last - 1),
                "{at}"
            );
        }
    }
}

#[test]
fn columns_are_as_wide_as_their_text_with_chinese_counting_two() {
    let dir = tempfile::tempdir().unwrap();
    let layer = test_layer(dir.path());
    let all: Vec<usize> = (0..layer.len()).collect();
    let s = summary_of(&layer, &all, "测试", ReportLang::Zh);
    let book = summary_book(&s);
    let list = book
        .sheets()
        .into_iter()
        .find(|s| s.name == "地块清单")
        .unwrap();
    let enterprise = list
        .headings()
        .iter()
        .position(|h| h == "企业名称")
        .unwrap();
    // 17 Chinese characters are 34 digits wide; counted as one each the column
    // would be 19 or so.
    let w = list.width(enterprise);
    assert!((34.0..=40.0).contains(&w), "企业名称 is {w} wide");
    // The ids are ASCII: 9 wide, and the column is not made twice that.
    let id = list.width(0);
    assert!((9.0..=14.0).contains(&id), "地块编号 is {id} wide");
    // The area column holds its largest number as displayed, 2 decimals.
    let area = list
        .headings()
        .iter()
        .position(|h| h == "用地面积（m²）")
        .unwrap();
    let widest = s
        .parcels
        .iter()
        .map(|p| format!("{:.2}", p.area_m2).len())
        .max()
        .unwrap() as f64;
    assert!(list.width(area) >= widest);

    // On every sheet, every column of text is at least as wide as its widest
    // cell (up to 40, beyond which text wraps) and not much wider than that or
    // its heading.
    let mut books = all_books();
    books.push(("test summary", book));
    for (what, book) in books {
        for sh in book.sheets() {
            let heads = sh.headings();
            for (c, head) in heads.iter().enumerate() {
                let column: Vec<&Data> = sh
                    .body()
                    .iter()
                    .filter_map(|r| r.get(c))
                    .filter(|d| **d != Data::Empty)
                    .collect();
                if column.is_empty() || !column.iter().all(|d| matches!(d, Data::String(_))) {
                    continue;
                }
                let widest = column
                    .iter()
                    .map(|d| wide_width(&d.to_string()))
                    .max()
                    .unwrap_or(0);
                let w = sh.width(c);
                let at = format!("{what} {} column {head}", sh.name);
                assert!(w >= widest.min(40) as f64, "{at}: {w} < {widest}");
                let most = (widest.max(wide_width(head)) + 6).min(40);
                assert!(w <= most as f64, "{at}: {w} > {most}");
            }
        }
    }
}

#[test]
fn the_parcel_lists_end_with_one_total_that_adds_up() {
    let (_, sel, s) = park_summary(ReportLang::Zh);
    let cards = park_cards(ReportLang::Zh);
    let books = [
        ("summary", summary_book(&s), "地块清单", sel.len()),
        (
            "cards",
            cards_book(&cards, ReportLang::Zh, false),
            "地块",
            cards.len(),
        ),
    ];
    for (what, book, sheet, n) in books {
        let sh = book.sheets().into_iter().find(|x| x.name == sheet).unwrap();
        let body = sh.body();
        let totals: Vec<usize> = (0..body.len())
            .filter(|&r| body[r][0] == Data::String("合计".into()))
            .collect();
        assert_eq!(totals, vec![n], "{what}: one 合计, after the {n} parcels");
        let total = &body[n];
        assert_eq!(number(&total[1]), n as f64, "{what}: the count");
        for c in 3..=5 {
            let sum: f64 = body[..n].iter().map(|r| number(&r[c])).sum();
            let t = number(&total[c]);
            assert!(
                (sum - t).abs() <= 1e-9 * t.max(1.0),
                "{what} column {c}: {sum} vs {t}"
            );
        }
        // And the areas are the parcels' areas.
        let m2: f64 = s.parcels.iter().map(|p| p.area_m2).sum();
        if what == "summary" {
            assert!((number(&total[3]) - m2).abs() < 1e-6);
        }
        // Nothing is under the total.
        assert_eq!(sh.cells.len(), sh.heading_row() + 2 + n, "{what}");
    }
}

#[test]
fn the_boundary_sheet_has_the_cards_points_and_their_coordinate_system() {
    let mut cards = park_cards(ReportLang::Zh);
    // A second part and a hole, as a multi-part parcel has them.
    let first = cards[0].boundary[0].clone();
    cards[0].boundary.push(report::BoundaryPoint {
        part: 2,
        ring: 0,
        label: "J1".into(),
        side_m: Some(12.345),
        ..first.clone()
    });
    cards[0].boundary.push(report::BoundaryPoint {
        part: 1,
        ring: 1,
        label: "J1".into(),
        side_m: None,
        ..first
    });
    for y_with_zone in [false, true] {
        let book = cards_book(&cards, ReportLang::Zh, y_with_zone);
        let sh = book
            .sheets()
            .into_iter()
            .find(|x| x.name == "界址点成果表")
            .unwrap();
        let y_head = if y_with_zone {
            "Y（m，含带号）"
        } else {
            "Y（m）"
        };
        assert_eq!(
            sh.headings(),
            ["地块编号", "块号", "点号", "X（m）", y_head, "边长（m）"]
        );
        let line = sh.text(1, 0);
        assert!(
            line.contains("CGCS2000")
                && line.contains("中央子午线 120°E")
                && line.contains("带号 40"),
            "{line}"
        );
        assert!(
            line.ends_with(if y_with_zone {
                "含带号"
            } else {
                "不含带号"
            }),
            "{line}"
        );
        let body = sh.body();
        let points: Vec<(&Card, &report::BoundaryPoint)> = cards
            .iter()
            .flat_map(|c| c.boundary.iter().map(move |b| (c, b)))
            .collect();
        assert_eq!(body.len(), points.len());
        for (row, (card, b)) in body.iter().zip(&points) {
            assert_eq!(row[0], Data::String(card.parcel.id.clone()));
            let part = match b.ring {
                0 => format!("第{}块", b.part),
                r => format!("第{}块（内圈{r}）", b.part),
            };
            assert_eq!(row[1], Data::String(part));
            assert_eq!(row[2], Data::String(b.label.clone()));
            assert!((number(&row[3]) - b.x_north_m).abs() < 1e-6);
            let y = b.y_east_m + if y_with_zone { 40_000_000.0 } else { 0.0 };
            assert!((number(&row[4]) - y).abs() < 1e-6, "{:?} vs {y}", row[4]);
            match b.side_m {
                Some(s) => assert!((number(&row[5]) - s).abs() < 1e-9),
                None => assert_eq!(row[5], Data::Empty),
            }
        }
        let labels: Vec<String> = body.iter().map(|r| r[1].to_string()).collect();
        assert!(labels.contains(&"第2块".to_string()));
        assert!(labels.contains(&"第1块（内圈1）".to_string()));
        // Jiaxing in zone 40: X about 3.40e6 m; Y about 5.6e5 m, 4.056e7 with
        // the zone.
        let y = number(&body[0][4]);
        let want = if y_with_zone {
            4.054e7..4.059e7
        } else {
            5.4e5..5.9e5
        };
        assert!(want.contains(&y), "{y}");
    }
}

#[test]
fn the_conditions_and_facilities_sheets_keep_codes_as_text_and_judge_each_radius() {
    let mut cards = park_cards(ReportLang::Zh);
    cards[0].conditions.push(Condition {
        label: "测试代码".into(),
        value: "070102".into(),
        unit: String::new(),
    });
    cards[0].conditions.push(Condition {
        label: "测试高度".into(),
        value: "45.5".into(),
        unit: "m".into(),
    });
    let base = cards
        .iter()
        .flat_map(|c| c.facilities.first())
        .next()
        .expect("a facility near the park's parcels")
        .clone();
    let with =
        |radius: Option<f64>, distance: f64, on_parcel: bool, name: &str| report::NearbyFacility {
            name: name.into(),
            distance_m: distance,
            service_radius_m: radius,
            on_parcel,
            ..base.clone()
        };
    cards[0].facilities = vec![
        with(Some(300.0), 0.0, true, "本地块幼儿园"),
        with(Some(300.0), 250.0, false, "近处幼儿园"),
        with(Some(300.0), 400.0, false, "远处幼儿园"),
        with(None, 500.0, false, "无半径设施"),
    ];
    let book = cards_book(&cards, ReportLang::Zh, false);
    let sheets = book.sheets();
    let cond = sheets.iter().find(|x| x.name == "规划条件").unwrap();
    let heads = cond.headings();
    let compat = heads.iter().position(|h| h == "测试代码").unwrap();
    let height = heads.iter().position(|h| h == "测试高度（m）").unwrap();
    let row = cond
        .body()
        .iter()
        .find(|r| r[0] == Data::String(cards[0].parcel.id.clone()))
        .unwrap();
    assert_eq!(
        row[compat],
        Data::String("070102".into()),
        "a code stays text"
    );
    assert_eq!(row[height], Data::Float(45.5), "a plain number is a number");

    let fac = sheets.iter().find(|x| x.name == "周边设施").unwrap();
    assert_eq!(
        fac.headings(),
        [
            "地块编号",
            "设施名称",
            "类型",
            "距离（m）",
            "服务半径（m）",
            "在服务半径内",
            "规模",
            "备注"
        ]
    );
    let rows: Vec<&Vec<Data>> = fac
        .body()
        .iter()
        .filter(|r| r[0] == Data::String(cards[0].parcel.id.clone()))
        .collect();
    let judged: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| (r[1].to_string(), r[5].to_string(), r[7].to_string()))
        .collect();
    let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        judged,
        vec![
            s("本地块幼儿园", "是", "本地块"),
            s("近处幼儿园", "是", ""),
            s("远处幼儿园", "否", ""),
            s("无半径设施", "", ""),
        ]
    );
    assert_eq!(number(&rows[1][4]), 300.0);
}

#[test]
fn chinese_headings_and_titles_use_full_width_punctuation() {
    let has_cjk = |s: &str| s.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c));
    let half_width = |s: &str| s.contains(['(', ')', ':', ',']);
    let mut cards = park_cards(ReportLang::Zh);
    cards[0].conditions.push(Condition {
        label: "建筑密度".into(),
        value: "35".into(),
        unit: "%".into(),
    });
    let books = [
        summary_book(&park_summary(ReportLang::Zh).2),
        cards_book(&cards, ReportLang::Zh, true),
    ];
    for book in books {
        for sh in book.sheets() {
            let h = sh.heading_row();
            let mut texts: Vec<String> = sh.headings();
            texts.extend((0..h).map(|r| sh.text(r, 0)));
            for t in texts.iter().filter(|t| has_cjk(t)) {
                assert!(!half_width(t), "{}: {t}", sh.name);
            }
        }
    }
    // The CSV headings too.
    let (_, _, s) = park_summary(ReportLang::Zh);
    for bytes in [summary_csv(&s), cards_csv(&cards, ReportLang::Zh, true)] {
        let records = parse_csv(&bytes);
        for h in records[0].iter().filter(|h| has_cjk(h)) {
            assert!(!half_width(h), "{h}");
        }
    }
}

#[test]
fn a_workbook_is_the_same_bytes_each_time_it_is_made() {
    let (_, _, s) = park_summary(ReportLang::Zh);
    let a = xlsx::summary_bytes(&s).unwrap();
    // rust_xlsxwriter would store the time to the second.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let b = xlsx::summary_bytes(&s).unwrap();
    assert!(a == b, "the summary workbook differs between runs");
    let core = Book::new(a).part("docProps/core.xml");
    assert!(core.contains(&format!("{}T00:00:00Z", s.date)), "{core}");
    let cards = park_cards(ReportLang::Zh);
    let a = xlsx::cards_bytes_with(&cards, ReportLang::Zh, &options(false)).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let b = xlsx::cards_bytes_with(&cards, ReportLang::Zh, &options(false)).unwrap();
    assert!(a == b, "the cards workbook differs between runs");
}

// ---------------------------------------------------------------------------
// CSV

fn summary_csv(s: &Summary) -> Vec<u8> {
    let mut out = Vec::new();
    csv::write_summary(s, &mut out).unwrap();
    out
}

fn cards_csv(cards: &[Card], lang: ReportLang, y_with_zone: bool) -> Vec<u8> {
    let mut out = Vec::new();
    csv::write_cards_with(cards, lang, y_with_zone, &mut out).unwrap();
    out
}

/// The records of a CSV file with its byte-order mark, read as RFC 4180 has it:
/// fields quoted when they start with a quote, a quote inside doubled, every line
/// ending in CRLF (a bare CR or LF outside quotes fails the test).
fn parse_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    assert!(bytes.starts_with(csv::BOM), "a byte-order mark");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(text.ends_with("\r\n"), "the last line ends in CRLF");
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "CR without LF");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                was_quoted = false;
            }
            '\n' => panic!("LF without CR"),
            _ => {
                assert!(!was_quoted, "text after a closing quote");
                field.push(c);
            }
        }
    }
    assert!(!quoted, "an unclosed quote");
    records
}

/// The value of a code field: `="070102"` → 070102.
fn unwrap_code(field: &str) -> String {
    field
        .strip_prefix("=\"")
        .and_then(|f| f.strip_suffix('"'))
        .unwrap_or_else(|| panic!("{field} is not in the =\"…\" form"))
        .replace("\"\"", "\"")
}

#[test]
fn code_fields_are_excel_text_formulas_quoted_only_when_needed() {
    assert_eq!(csv::code_field("070102"), "=\"070102\"");
    assert_eq!(csv::code_field("KG-A-0001"), "=\"KG-A-0001\"");
    assert_eq!(csv::code_field(""), "");
    // A comma in a code: the formula is quoted as a CSV field, its own quotes
    // doubled.
    assert_eq!(csv::code_field("A,B"), "\"=\"\"A,B\"\"\"");
    let records = parse_csv(format!("\u{FEFF}{}\r\n", csv::code_field("A,\"B\"")).as_bytes());
    assert_eq!(unwrap_code(&records[0][0]), "A,\"B\"");
    assert_eq!(csv::field("a,b"), "\"a,b\"");
    assert_eq!(csv::field("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(csv::field("plain"), "plain");
}

#[test]
fn the_summary_csv_keeps_codes_as_text_quotes_and_adds_up() {
    let dir = tempfile::tempdir().unwrap();
    let layer = test_layer(dir.path());
    let all: Vec<usize> = (0..layer.len()).collect();
    let s = summary_of(&layer, &all, "测试", ReportLang::Zh);
    let bytes = summary_csv(&s);
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    // Codes and ids in the formula-text form, so 070102 keeps its zero in Excel.
    assert!(text.contains(",=\"070102\","), "{text}");
    assert!(text.contains("\r\n=\"KG-T-0001\","), "{text}");
    // The quoted enterprise, as RFC 4180 has it.
    assert!(text.contains("\"Acme \"\"Optics\"\", Ltd.\""), "{text}");
    let records = parse_csv(&bytes);
    let heads = report::parcel_headings(ReportLang::Zh);
    assert_eq!(records[0], heads);
    assert_eq!(records.len(), 1 + s.parcels.len() + 1);
    assert!(records.iter().all(|r| r.len() == heads.len()));
    for (rec, p) in records[1..].iter().zip(&s.parcels) {
        assert_eq!(unwrap_code(&rec[0]), p.id);
        assert_eq!(unwrap_code(&rec[1]), p.code);
        assert_eq!(rec[12], p.enterprise);
    }
    assert_eq!(unwrap_code(&records[1][1]), "070102");
    assert_eq!(records[2][12], QUOTED_NAME);
    // One 合计 line, the last, whose areas are the column sums as printed.
    let totals: Vec<&Vec<String>> = records.iter().filter(|r| r[0] == "合计").collect();
    assert_eq!(totals.len(), 1);
    let total = records.last().unwrap();
    assert_eq!(total[0], "合计");
    assert_eq!(total[1], format!("{}块", s.parcels.len()));
    let parcels = &records[1..records.len() - 1];
    for (c, decimals) in [(3, 2), (4, 4), (5, 2)] {
        let units = |f: &str| (f.parse::<f64>().unwrap() * 10f64.powi(decimals)).round() as i64;
        let sum: i64 = parcels.iter().map(|r| units(&r[c])).sum();
        assert_eq!(sum, units(&total[c]), "column {}", heads[c]);
        assert_eq!(
            total[c].split('.').nth(1).map(str::len),
            Some(decimals as usize)
        );
    }
}

#[test]
fn the_bundled_summary_csv_has_a_line_a_parcel_and_the_total() {
    let (_, sel, s) = park_summary(ReportLang::En);
    let records = parse_csv(&summary_csv(&s));
    assert_eq!(records[0], report::parcel_headings(ReportLang::En));
    assert_eq!(records.len(), sel.len() + 2);
    assert!(
        records[1..=sel.len()]
            .iter()
            .all(|r| r[11] == "光电信息产业园")
    );
    // Every land-use code keeps its leading zero once the wrapper is removed.
    assert!(
        records[1..=sel.len()]
            .iter()
            .any(|r| unwrap_code(&r[1]).starts_with('0'))
    );
    assert_eq!(records.last().unwrap()[0], "Total");
    assert_eq!(records.last().unwrap()[1], format!("{} parcels", sel.len()));
}

#[test]
fn the_cards_csv_has_parts_points_sides_and_the_coordinate_system() {
    let mut cards = park_cards(ReportLang::Zh);
    let first = cards[0].boundary[0].clone();
    cards[0].boundary.push(report::BoundaryPoint {
        part: 2,
        ring: 0,
        label: "J1".into(),
        side_m: Some(7.5),
        ..first
    });
    let plain = parse_csv(&cards_csv(&cards, ReportLang::Zh, false));
    let zoned = parse_csv(&cards_csv(&cards, ReportLang::Zh, true));
    assert_eq!(
        plain[0],
        [
            "地块编号",
            "块号",
            "点号",
            "X（m）",
            "Y（m）",
            "边长（m）",
            "坐标系",
            "中央子午线（°E）",
            "带号"
        ]
    );
    assert_eq!(zoned[0][4], "Y（m，含带号）");
    let points: Vec<(&Card, &report::BoundaryPoint)> = cards
        .iter()
        .flat_map(|c| c.boundary.iter().map(move |b| (c, b)))
        .collect();
    assert_eq!(plain.len(), points.len() + 1);
    assert_eq!(zoned.len(), points.len() + 1);
    for ((p, z), (card, b)) in plain[1..].iter().zip(&zoned[1..]).zip(&points) {
        assert_eq!(unwrap_code(&p[0]), card.parcel.id);
        let part = match b.ring {
            0 => format!("第{}块", b.part),
            r => format!("第{}块（内圈{r}）", b.part),
        };
        assert_eq!(p[1], part);
        assert_eq!(p[2], b.label);
        assert_eq!(p[3], format!("{:.3}", b.x_north_m));
        assert_eq!(p[4], format!("{:.3}", b.y_east_m));
        assert_eq!(
            p[5],
            b.side_m.map(|s| format!("{s:.2}")).unwrap_or_default()
        );
        assert_eq!(p[6..], ["CGCS2000", "120", "40"]);
        // With the zone number: 40 in front of the same metres.
        assert_eq!(z[4], format!("{:.3}", b.y_east_m + 40_000_000.0));
        assert!(
            z[4].starts_with("40") && z[4].len() == p[4].len() + 2,
            "{}",
            z[4]
        );
        assert_eq!(z[..4], p[..4]);
    }
    assert!(plain.iter().any(|r| r[1] == "第2块" && r[5] == "7.50"));
    // English headings.
    let en = parse_csv(&cards_csv(&cards, ReportLang::En, false));
    assert_eq!(en[0][..3], ["Parcel", "Part", "Point"]);
    assert_eq!(
        en[0][6..],
        ["Coordinate system", "Central meridian (°E)", "Zone"]
    );
}

#[test]
fn the_conditions_sheet_shows_limits_with_their_sense_and_keeps_numbers() {
    let cards = park_cards(ReportLang::Zh);
    let book = cards_book(&cards, ReportLang::Zh, false);
    // The signs live in the number formats, so the cells stay numbers.
    let styles = book.part("xl/styles.xml");
    assert!(styles.contains("&quot;≤ &quot;"), "no ≤ format");
    assert!(styles.contains("&quot;≥ &quot;"), "no ≥ format");
    let sheets = book.sheets();
    let cond = sheets.iter().find(|x| x.name == "规划条件").unwrap();
    let heads = cond.headings();
    let far = heads.iter().position(|h| h.starts_with("容积率")).unwrap();
    let numbers = cond
        .body()
        .iter()
        .filter(|r| matches!(r[far], Data::Float(_)))
        .count();
    assert!(numbers > 0, "容积率 is not stored as numbers");
}
