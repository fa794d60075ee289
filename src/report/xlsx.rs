//! Excel workbooks (rust_xlsxwriter), laid out as a planning institute prints its
//! tables. Every sheet has its title in row 1 above the table, then a unit or basis
//! line (except on the parcel lists, whose headings carry their units, see
//! [`parcel_sheet`]), a bold heading row that stays in view and is repeated on
//! every printed page, thin borders, numbers stored as numbers with display
//! formats, codes and ids stored as text, and columns sized by display width, a
//! Chinese character counting two. Every sheet prints on A4, one page wide, in
//! landscape when its table is wider than a portrait page, with the sheet's title
//! in the page header and the page number in the footer.

use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
    XlsxError,
};

use super::{BoundaryPoint, Card, NearbyFacility, ParcelRow, ReportLang, Summary, parcel_headings};

/// The width of `text` in Excel's column unit, the width of a digit in the default
/// font: a CJK character or full-width sign counts two, anything else one; text of
/// several lines is as wide as its widest line.
///
/// rust_xlsxwriter's own `autofit()` is not used for the sheets: it measures every
/// non-ASCII character as 8 pixels, about one digit, where Excel and WPS draw a
/// Chinese character about twice as wide as a digit, so autofitted Chinese columns
/// come out about half as wide as their text. It also measures a number by its
/// stored value rather than by its display format.
pub fn display_width(text: &str) -> usize {
    text.lines()
        .map(|line| line.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum())
        .max()
        .unwrap_or(0)
}

/// Whether a character is drawn two columns wide (East Asian Wide or Fullwidth):
/// Hangul Jamo, CJK radicals, punctuation, kana and ideographs, Hangul syllables,
/// compatibility ideographs and forms, and the full-width forms (，：（） among them).
fn is_wide(c: char) -> bool {
    matches!(
        u32::from(c),
        0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xA000..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x20000..=0x3FFFD
    )
}

/// The widest a column is made, in digit widths; longer text wraps in its cell
/// (every text cell wraps), so nothing is cut on screen or on paper.
const MAX_COLUMN_WIDTH: usize = 40;
/// The narrowest a column is made.
const MIN_COLUMN_WIDTH: usize = 6;
/// Room around a cell's text (Excel's cell padding and the bold of headings).
const COLUMN_PADDING: usize = 2;
/// Room for the autofilter's drop-down button on a heading.
const FILTER_BUTTON: usize = 2;
/// The width of an A4 portrait page between 0.6-inch margins, in digit widths
/// (about 7 pixels at 96 dpi): a wider table is printed in landscape.
const PORTRAIT_WIDTH: f64 = 95.0;

/// The cell formats of a workbook, made once.
struct Styles {
    title: Format,
    line: Format,
    head: Format,
    text: Format,
    /// Numbers with 0 to 6 decimals.
    num: Vec<Format>,
    total_text: Format,
    total_num: Vec<Format>,
    /// A count of parcels, shown as 23块 or 23 parcels and stored as a number.
    count: Format,
    /// Control values, shown as ≤ 2.0 or ≥ 30 and stored as numbers, so the
    /// column still sorts and filters; 0 to 6 decimals.
    at_most: Vec<Format>,
    at_least: Vec<Format>,
}

impl Styles {
    fn new(zh: bool) -> Styles {
        let cell = || {
            Format::new()
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::VerticalCenter)
        };
        let decimals = |d: usize| {
            if d == 0 {
                "0".to_string()
            } else {
                format!("0.{}", "0".repeat(d))
            }
        };
        Styles {
            title: Format::new()
                .set_bold()
                .set_font_size(14)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap(),
            line: Format::new()
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap(),
            head: cell()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_text_wrap()
                .set_background_color(Color::RGB(0xF2F2F2)),
            text: cell().set_text_wrap(),
            num: (0..=6)
                .map(|d| cell().set_num_format(decimals(d)))
                .collect(),
            total_text: cell().set_bold().set_text_wrap(),
            total_num: (0..=6)
                .map(|d| cell().set_bold().set_num_format(decimals(d)))
                .collect(),
            count: cell()
                .set_bold()
                .set_num_format(if zh { "0\"块\"" } else { "0\" parcels\"" }),
            at_most: (0..=6)
                .map(|d| cell().set_num_format(format!("\"≤ \"{}", decimals(d))))
                .collect(),
            at_least: (0..=6)
                .map(|d| cell().set_num_format(format!("\"≥ \"{}", decimals(d))))
                .collect(),
        }
    }

    fn num(&self, decimals: usize) -> &Format {
        self.num.get(decimals.min(6)).unwrap_or(&self.text)
    }

    fn total_num(&self, decimals: usize) -> &Format {
        self.total_num
            .get(decimals.min(6))
            .unwrap_or(&self.total_text)
    }
}

/// A worksheet being filled, with the widest content seen in each column, so that
/// the columns are sized once the table is written. Titles, unit lines and notes
/// are not measured: they span the table's width instead of widening its columns.
struct Sheet<'a> {
    ws: &'a mut Worksheet,
    widths: Vec<usize>,
    /// The column widths as set by [`Sheet::fit_columns`].
    fitted: Vec<f64>,
}

impl<'a> Sheet<'a> {
    fn new(ws: &'a mut Worksheet) -> Sheet<'a> {
        Sheet {
            ws,
            widths: Vec::new(),
            fitted: Vec::new(),
        }
    }

    fn measure(&mut self, c: u16, width: usize) {
        let c = usize::from(c);
        if self.widths.len() <= c {
            self.widths.resize(c + 1, 0);
        }
        if let Some(w) = self.widths.get_mut(c) {
            *w = (*w).max(width);
        }
    }

    fn text(&mut self, r: u32, c: u16, text: &str, f: &Format) -> Result<(), XlsxError> {
        self.measure(c, display_width(text));
        self.ws.write_string_with_format(r, c, text, f)?;
        Ok(())
    }

    /// A heading, which wraps: a long English heading is measured by its longest
    /// word (it wraps between words), a Chinese one, which has no spaces to wrap
    /// at, by its whole width.
    fn heading(
        &mut self,
        r: u32,
        c: u16,
        text: &str,
        f: &Format,
        filtered: bool,
    ) -> Result<(), XlsxError> {
        let whole = display_width(text);
        let longest_word = text.split(' ').map(display_width).max().unwrap_or(0);
        let width = if whole <= 12 {
            whole
        } else {
            longest_word.max(12)
        };
        self.measure(c, width + if filtered { FILTER_BUTTON } else { 0 });
        self.ws.write_string_with_format(r, c, text, f)?;
        Ok(())
    }

    fn number(
        &mut self,
        r: u32,
        c: u16,
        v: f64,
        decimals: usize,
        f: &Format,
    ) -> Result<(), XlsxError> {
        self.measure(c, format!("{v:.decimals$}").len());
        self.ws.write_number_with_format(r, c, v, f)?;
        Ok(())
    }

    /// A number, or a bordered empty cell when there is none.
    fn opt_number(
        &mut self,
        r: u32,
        c: u16,
        v: Option<f64>,
        decimals: usize,
        st: &Styles,
    ) -> Result<(), XlsxError> {
        match v {
            Some(v) => self.number(r, c, v, decimals, st.num(decimals)),
            None => self.blank(r, c, &st.text),
        }
    }

    fn blank(&mut self, r: u32, c: u16, f: &Format) -> Result<(), XlsxError> {
        self.ws.write_blank(r, c, f)?;
        Ok(())
    }

    /// Sizes every measured column to its widest content and a margin, within
    /// [`MIN_COLUMN_WIDTH`] and [`MAX_COLUMN_WIDTH`]; returns the table's width.
    fn fit_columns(&mut self) -> Result<f64, XlsxError> {
        self.fitted = self
            .widths
            .iter()
            .map(|w| (w + COLUMN_PADDING).clamp(MIN_COLUMN_WIDTH, MAX_COLUMN_WIDTH) as f64)
            .collect();
        for (c, w) in self.fitted.iter().enumerate() {
            self.ws.set_column_width(c as u16, *w)?;
        }
        Ok(self.fitted.iter().sum())
    }

    /// A line of text across the table's `columns` (a title, a unit line, a note),
    /// merged and wrapped, its row made tall enough for the lines it wraps into
    /// (Excel does not grow merged rows by itself).
    fn banner(
        &mut self,
        r: u32,
        columns: u16,
        text: &str,
        f: &Format,
        line_height_pt: f64,
    ) -> Result<(), XlsxError> {
        let span: f64 = self.fitted.iter().take(usize::from(columns)).sum();
        if columns > 1 {
            self.ws.merge_range(r, 0, r, columns - 1, text, f)?;
        } else {
            self.ws.write_string_with_format(r, 0, text, f)?;
        }
        let lines = (display_width(text) as f64 / (span - 1.0).max(1.0)).ceil();
        if lines > 1.0 {
            self.ws.set_row_height(r, lines * line_height_pt)?;
        } else if line_height_pt > 15.0 {
            self.ws.set_row_height(r, line_height_pt)?;
        }
        Ok(())
    }
}

/// What a sheet prints in its page header and footer: the sheet's title above, the
/// report's title and date at the left of the footer, the page number at its right.
struct Page<'a> {
    sheet_title: &'a str,
    report_title: &'a str,
    date: &'a str,
    zh: bool,
}

/// Text for a page header or footer: `&` doubled (it starts Excel's codes there)
/// and cut to `max` UTF-16 units with an ellipsis, since Excel refuses a header or
/// footer longer than 255 and rust_xlsxwriter would then drop it.
fn header_text(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let piece = if c == '&' { 2 } else { c.len_utf16() };
        if used + piece > max.saturating_sub(1) {
            out.push('…');
            return out;
        }
        if c == '&' {
            out.push_str("&&");
        } else {
            out.push(c);
        }
        used += piece;
    }
    out
}

/// Print setup, the same on every sheet: A4 (paper 9), one page wide and as many
/// pages long as needed, landscape when the table is wider than a portrait page,
/// the heading rows `headings` repeated on every page, margins of 1.5 cm at the
/// sides and 2 cm at top and bottom, centred across the page, and the header and
/// footer of `page`.
fn print_setup(
    ws: &mut Worksheet,
    page: &Page,
    headings: (u32, u32),
    width: f64,
) -> Result<(), XlsxError> {
    ws.set_paper_size(9);
    if width > PORTRAIT_WIDTH {
        ws.set_landscape();
    } else {
        ws.set_portrait();
    }
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(headings.0, headings.1)?;
    ws.set_margins(0.6, 0.6, 0.8, 0.8, 0.3, 0.3);
    ws.set_print_center_horizontally(true);
    ws.set_header(format!(
        "&C&\"-,Bold\"{}",
        header_text(page.sheet_title, 120)
    ));
    let sep = if page.zh { "　" } else { ", " };
    let left: Vec<&str> = [page.report_title, page.date]
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect();
    let number = if page.zh {
        "第 &P 页，共 &N 页"
    } else {
        "Page &P of &N"
    };
    ws.set_footer(format!("&L{}&R{number}", header_text(&left.join(sep), 200)));
    Ok(())
}

/// The layout of a parcel list: its title in row 0 across the table, headings in
/// row 1, the parcels from row 2. The list has no unit line: its headings carry
/// their units.
const LIST_HEADING_ROW: u32 = 1;
const LIST_FIRST_ROW: u32 = 2;

/// A list of parcels under its `title`, one row each and a 合计 row (count and
/// areas) under them.
///
/// Issue #15 asks for the panes frozen at B2, which meant the id column and the
/// heading row staying in view while the rest scrolls. With the title above the
/// table the heading row is row 2, so the panes are frozen at B3: the title, the
/// headings and the id column stay. The autofilter covers the parcels but not the
/// 合计 row, so filtering or sorting leaves the total in place (its figures are
/// those of the whole list).
fn parcel_sheet(
    ws: &mut Worksheet,
    st: &Styles,
    rows: &[&ParcelRow],
    lang: ReportLang,
    title: &str,
    page: &Page,
) -> Result<(), XlsxError> {
    let zh = lang == ReportLang::Zh;
    let heads = parcel_headings(lang);
    let columns = heads.len() as u16;
    let last_col = columns.saturating_sub(1);
    let mut sh = Sheet::new(ws);
    for (c, h) in heads.iter().enumerate() {
        sh.heading(LIST_HEADING_ROW, c as u16, h, &st.head, true)?;
    }
    for (k, p) in rows.iter().enumerate() {
        let r = LIST_FIRST_ROW + k as u32;
        sh.text(r, 0, &p.id, &st.text)?;
        sh.text(r, 1, &p.code, &st.text)?;
        sh.text(r, 2, &p.class_name, &st.text)?;
        sh.number(r, 3, p.area_m2, 2, st.num(2))?;
        sh.number(r, 4, p.area_ha(), 4, st.num(4))?;
        sh.number(r, 5, p.area_mu(), 2, st.num(2))?;
        sh.opt_number(r, 6, p.far, 2, st)?;
        sh.opt_number(r, 7, p.density, 1, st)?;
        sh.opt_number(r, 8, p.green, 1, st)?;
        sh.opt_number(r, 9, p.height_m, 0, st)?;
        sh.text(r, 10, &p.status, &st.text)?;
        sh.text(r, 11, &p.park, &st.text)?;
        sh.text(r, 12, &p.enterprise, &st.text)?;
    }
    let total = LIST_FIRST_ROW + rows.len() as u32;
    sh.text(total, 0, if zh { "合计" } else { "Total" }, &st.total_text)?;
    sh.ws
        .write_number_with_format(total, 1, rows.len() as f64, &st.count)?;
    let count = rows.len().to_string().len() + if zh { 2 } else { 8 };
    sh.measure(1, count);
    let sum = |f: fn(&ParcelRow) -> f64| rows.iter().map(|p| f(p)).sum::<f64>();
    sh.number(total, 3, sum(|p| p.area_m2), 2, st.total_num(2))?;
    sh.number(total, 4, sum(ParcelRow::area_ha), 4, st.total_num(4))?;
    sh.number(total, 5, sum(ParcelRow::area_mu), 2, st.total_num(2))?;
    for c in (2..=last_col).filter(|c| !(3..=5).contains(c)) {
        sh.blank(total, c, &st.total_text)?;
    }
    // An empty list filters its heading row alone.
    let last_parcel = (total - 1).max(LIST_HEADING_ROW);
    sh.ws
        .autofilter(LIST_HEADING_ROW, 0, last_parcel, last_col)?;
    sh.ws.set_freeze_panes(LIST_FIRST_ROW, 1)?;
    let width = sh.fit_columns()?;
    sh.banner(0, columns, title, &st.title, 22.0)?;
    print_setup(sh.ws, page, (LIST_HEADING_ROW, LIST_HEADING_ROW), width)
}

/// The layout of a titled table: its title in row 0 and a unit or basis line in row
/// 1, both across the table, headings in row 2 (frozen, and repeated on printed
/// pages), the rows from row 3.
const HEADING_ROW: u32 = 2;
const FIRST_ROW: u32 = 3;

/// Writes the title and unit line of a titled table whose columns are sized, and
/// its print setup.
fn finish_titled(
    sh: &mut Sheet,
    st: &Styles,
    columns: u16,
    title: &str,
    line: &str,
    page: &Page,
) -> Result<(), XlsxError> {
    let width = sh.fit_columns()?;
    sh.banner(0, columns, title, &st.title, 22.0)?;
    sh.banner(1, columns, line, &st.line, 15.0)?;
    print_setup(sh.ws, page, (HEADING_ROW, HEADING_ROW), width)
}

/// The title of a parcel list: the report's title and 地块清单, or 地块清单 alone
/// when the report has no title.
fn list_title(report_title: &str, zh: bool) -> String {
    match (report_title.trim(), zh) {
        ("", true) => "地块清单".to_string(),
        ("", false) => "Parcels".to_string(),
        (t, true) => format!("{t}　地块清单"),
        (t, false) => format!("{t}: parcels"),
    }
}

/// Names the workbook by the report's title and dates it by the report's date
/// (midnight UTC) rather than the moment it is written, which rust_xlsxwriter would
/// store to the second, so that the same report makes the same bytes. A date that
/// does not read as YYYY-MM-DD is replaced by today's.
fn set_properties(wb: &mut Workbook, title: &str, date: &str) {
    let mut properties = DocProperties::new().set_title(title);
    let when = ExcelDateTime::parse_from_str(date)
        .or_else(|_| ExcelDateTime::parse_from_str(&super::today()));
    if let Ok(when) = when {
        properties = properties.set_creation_datetime(&when);
    }
    wb.set_properties(&properties);
}

/// A summary as a workbook: 用地平衡表, 规划指标, 地块清单.
pub fn summary_bytes(s: &Summary) -> Result<Vec<u8>, XlsxError> {
    let zh = s.lang == ReportLang::Zh;
    let st = Styles::new(zh);
    let mut wb = Workbook::new();
    set_properties(&mut wb, &s.title, &s.date);
    let bt = &s.balance;
    {
        let ws = wb.add_worksheet();
        let name = if zh {
            "用地平衡表"
        } else {
            "Land-use balance"
        };
        ws.set_name(name)?;
        let title = if zh { &bt.title } else { &bt.title_en };
        let heads = bt.headings(zh);
        let columns = heads.len() as u16;
        let mut sh = Sheet::new(ws);
        // Without a present state the third column is the parcel count.
        let count_col = (!bt.has_present).then_some(2usize);
        for (c, h) in heads.iter().enumerate() {
            sh.heading(HEADING_ROW, c as u16, h, &st.head, false)?;
        }
        sh.ws.set_freeze_panes(FIRST_ROW, 0)?;
        let mut r = FIRST_ROW;
        for row in bt.all_rows() {
            let total = std::ptr::eq(row, &bt.total);
            let strong = total || row.level == 1;
            let indent = row.level.saturating_sub(1);
            let mut cells = bt.cells(row);
            if let Some(name) = cells.get_mut(1) {
                // The total says 合计 once, in the code column.
                *name = if total {
                    String::new()
                } else if zh {
                    row.name.clone()
                } else {
                    row.name_en.clone()
                };
            }
            let change_col = bt.has_present.then(|| cells.len().saturating_sub(1));
            for (c, text) in cells.iter().enumerate() {
                let decimals = if Some(c) == count_col { 0 } else { 2 };
                let mut f = if Some(c) == change_col {
                    // 增减 with its sign, as the other tables print it.
                    Format::new().set_num_format("+0.00;-0.00;0.00")
                } else if c >= 2 {
                    Format::new().set_num_format(if decimals == 0 { "0" } else { "0.00" })
                } else {
                    Format::new().set_text_wrap()
                };
                f = f
                    .set_border(FormatBorder::Thin)
                    .set_align(FormatAlign::VerticalCenter);
                if strong {
                    f = f.set_bold();
                }
                if c < 2 {
                    // Finer levels are indented under their class.
                    f = f.set_indent(indent);
                }
                let col = c as u16;
                match text.trim_start_matches('+').parse::<f64>() {
                    Ok(v) if c >= 2 => {
                        sh.number(r, col, v, decimals, &f)?;
                        if Some(c) == change_col {
                            // Room for the sign.
                            sh.measure(col, format!("{v:+.2}").len());
                        }
                    }
                    _ if total && c == 0 => {
                        sh.text(r, 0, if zh { "合计" } else { "Total" }, &f)?;
                    }
                    _ => {
                        sh.text(r, col, text, &f)?;
                        // An indent level is about a character and a half.
                        sh.measure(col, display_width(text) + 2 * usize::from(indent));
                    }
                }
            }
            r += 1;
        }
        r += 1;
        let width = sh.fit_columns()?;
        for note in if zh { &bt.notes } else { &bt.notes_en } {
            let prefix = if zh { "注：" } else { "Note: " };
            sh.banner(r, columns, &format!("{prefix}{note}"), &st.line, 15.0)?;
            r += 1;
        }
        if s.extent.is_some() {
            // A park's summary says the park's own planned area beside its parcels'.
            sh.banner(r, columns, &crate::report::headline(s), &st.line, 15.0)?;
            r += 1;
        }
        let source = if zh {
            format!("资料来源：{}，{}", s.source, s.date)
        } else {
            format!("Source: {}, {}", s.source, s.date)
        };
        sh.banner(r, columns, &source, &st.line, 15.0)?;
        sh.banner(0, columns, title, &st.title, 22.0)?;
        sh.banner(
            1,
            columns,
            if zh { &bt.unit } else { &bt.unit_en },
            &st.line,
            15.0,
        )?;
        let page = Page {
            sheet_title: title,
            report_title: &s.title,
            date: &s.date,
            zh,
        };
        print_setup(sh.ws, &page, (HEADING_ROW, HEADING_ROW), width)?;
    }
    {
        let ws = wb.add_worksheet();
        let name = if zh { "规划指标" } else { "Indicators" };
        ws.set_name(name)?;
        let heads = if zh {
            ["指标", "数值", "单位", "口径"]
        } else {
            ["Indicator", "Value", "Unit", "Basis"]
        };
        let mut sh = Sheet::new(ws);
        for (c, h) in heads.iter().enumerate() {
            sh.heading(HEADING_ROW, c as u16, h, &st.head, false)?;
        }
        let rows = crate::stats::indicator_rows(&bt.indicators, zh);
        for (k, row) in rows.iter().enumerate() {
            let r = FIRST_ROW + k as u32;
            sh.text(r, 0, row.label, &st.text)?;
            sh.number(r, 1, row.value, row.decimals, st.num(row.decimals))?;
            sh.text(r, 2, row.unit, &st.text)?;
            sh.text(r, 3, &row.basis, &st.text)?;
        }
        sh.ws.set_freeze_panes(FIRST_ROW, 0)?;
        let title = if zh {
            "规划指标"
        } else {
            "Planning indicators"
        };
        let page = Page {
            sheet_title: title,
            report_title: &s.title,
            date: &s.date,
            zh,
        };
        // The line under the title says what the indicators are of.
        finish_titled(&mut sh, &st, heads.len() as u16, title, &s.title, &page)?;
    }
    {
        let ws = wb.add_worksheet();
        let name = if zh { "地块清单" } else { "Parcels" };
        ws.set_name(name)?;
        let rows: Vec<&ParcelRow> = s.parcels.iter().collect();
        let title = list_title(&s.title, zh);
        let page = Page {
            sheet_title: &title,
            report_title: "",
            date: &s.date,
            zh,
        };
        parcel_sheet(ws, &st, &rows, s.lang, &title, &page)?;
    }
    wb.save_to_buffer()
}

/// What a cards workbook prints besides its cards.
#[derive(Debug, Clone, Default)]
pub struct CardsOptions {
    /// The report's title, printed in the page footers.
    pub title: String,
    /// The date printed in the page footers (YYYY-MM-DD).
    pub date: String,
    /// Print Y with its zone number in front (40 560 000.000 m rather than
    /// 560 000.000 m), as some cadastral submissions require.
    pub y_with_zone: bool,
}

/// Report cards as a workbook: 地块 (one row a parcel), 规划条件, 界址点成果表,
/// 周边设施, dated today, Y without the zone number.
pub fn cards_bytes(cards: &[Card], lang: ReportLang) -> Result<Vec<u8>, XlsxError> {
    let options = CardsOptions {
        date: super::today(),
        ..CardsOptions::default()
    };
    cards_bytes_with(cards, lang, &options)
}

/// The headings of the boundary-point table, shared with the CSV.
pub(super) fn point_headings(lang: ReportLang, y_with_zone: bool) -> [&'static str; 6] {
    match (lang, y_with_zone) {
        (ReportLang::Zh, false) => ["地块编号", "块号", "点号", "X（m）", "Y（m）", "边长（m）"],
        (ReportLang::Zh, true) => [
            "地块编号",
            "块号",
            "点号",
            "X（m）",
            "Y（m，含带号）",
            "边长（m）",
        ],
        (ReportLang::En, false) => [
            "Parcel",
            "Part",
            "Point",
            "X north (m)",
            "Y east (m)",
            "Side (m)",
        ],
        (ReportLang::En, true) => [
            "Parcel",
            "Part",
            "Point",
            "X north (m)",
            "Y east with zone (m)",
            "Side (m)",
        ],
    }
}

/// The part a boundary point bounds, as the 界址点成果表 names it: 第1块, and for a
/// hole 第1块（内圈1）.
pub(super) fn part_label(b: &BoundaryPoint, lang: ReportLang) -> String {
    match (lang, b.ring) {
        (ReportLang::Zh, 0) => format!("第{}块", b.part),
        (ReportLang::Zh, ring) => format!("第{}块（内圈{ring}）", b.part),
        (ReportLang::En, 0) => format!("Part {}", b.part),
        (ReportLang::En, ring) => format!("Part {} hole {ring}", b.part),
    }
}

/// A point's Y as printed: with the zone number in front when asked.
pub(super) fn printed_y(b: &BoundaryPoint, zone: u32, y_with_zone: bool) -> f64 {
    if y_with_zone {
        f64::from(zone) * 1_000_000.0 + b.y_east_m
    } else {
        b.y_east_m
    }
}

/// The line under the 界址点成果表's title: the coordinate system, the central
/// meridian and the zone of the cards (each different zone once, in card order),
/// and whether Y carries the zone number.
pub(super) fn crs_line(cards: &[Card], lang: ReportLang, y_with_zone: bool) -> String {
    let zh = lang == ReportLang::Zh;
    let mut zones: Vec<(f64, u32)> = Vec::new();
    for c in cards {
        if !zones.contains(&(c.cm_deg, c.zone)) {
            zones.push((c.cm_deg, c.zone));
        }
    }
    if zones.is_empty() {
        let cm = super::CARD_CM_DEG;
        zones.push((cm, (cm / 3.0).round() as u32));
    }
    let zones: Vec<String> = zones
        .iter()
        .map(|(cm, zone)| {
            let cm = crate::model::format_float(*cm);
            if zh {
                format!("中央子午线 {cm}°E，带号 {zone}")
            } else {
                format!("central meridian {cm}°E, zone {zone}")
            }
        })
        .collect();
    if zh {
        format!(
            "坐标系：CGCS2000，高斯-克吕格投影（3°带）；{}；Y坐标{}带号",
            zones.join("；"),
            if y_with_zone { "含" } else { "不含" }
        )
    } else {
        format!(
            "Coordinate system: CGCS2000, Gauss-Krüger projection (3° zones); {}; Y {} the zone number",
            zones.join("; "),
            if y_with_zone { "with" } else { "without" }
        )
    }
}

/// Whether a facility is within its own service radius: 是, 否, or empty when its
/// data give no radius.
fn within_radius(f: &NearbyFacility, zh: bool) -> &'static str {
    match (f.service_radius_m.map(|r| f.distance_m <= r), zh) {
        (None, _) => "",
        (Some(true), true) => "是",
        (Some(false), true) => "否",
        (Some(true), false) => "yes",
        (Some(false), false) => "no",
    }
}

/// A condition's value as a number, with its decimals, when storing it as a number
/// loses nothing: a plain decimal without a leading zero (so 070102, a code, stays
/// text, and so do ≤2.0 or 30–45).
fn plain_number(text: &str) -> Option<(f64, usize)> {
    let t = text.trim();
    let unsigned = t.strip_prefix('-').unwrap_or(t);
    let (int, frac) = match unsigned.split_once('.') {
        Some((i, f)) if !f.is_empty() => (i, f),
        Some(_) => return None,
        None => (unsigned, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let plain = !int.is_empty()
        && int.len() <= 15
        && digits(int)
        && digits(frac)
        && !(int.len() > 1 && int.starts_with('0'));
    if !plain {
        return None;
    }
    t.parse::<f64>().ok().map(|v| (v, frac.len()))
}

/// Report cards as a workbook, with the options' footer and Y format.
pub fn cards_bytes_with(
    cards: &[Card],
    lang: ReportLang,
    options: &CardsOptions,
) -> Result<Vec<u8>, XlsxError> {
    let zh = lang == ReportLang::Zh;
    let st = Styles::new(zh);
    let mut wb = Workbook::new();
    set_properties(&mut wb, &options.title, &options.date);
    let page = |sheet_title| Page {
        sheet_title,
        report_title: &options.title,
        date: &options.date,
        zh,
    };
    {
        let ws = wb.add_worksheet();
        let name = if zh { "地块" } else { "Parcels" };
        ws.set_name(name)?;
        let rows: Vec<&ParcelRow> = cards.iter().map(|c| &c.parcel).collect();
        let title = list_title(&options.title, zh);
        // The report's title is in the sheet's title already, so the footer has
        // the date alone, as on the summary's list.
        let list_page = Page {
            sheet_title: &title,
            report_title: "",
            date: &options.date,
            zh,
        };
        parcel_sheet(ws, &st, &rows, lang, &title, &list_page)?;
    }
    {
        // One row a parcel and one column a condition, as a 控规 指标表 has it: a
        // planner filters and sorts a column (容积率 above 2, every parcel with a
        // 兼容用地) and compares parcels side by side, which one row a condition
        // would scatter over many rows of mixed values. A condition's column is its
        // label and unit, in the order the cards first give them.
        let ws = wb.add_worksheet();
        let name = if zh {
            "规划条件"
        } else {
            "Planning conditions"
        };
        ws.set_name(name)?;
        let mut columns: Vec<(&str, &str)> = Vec::new();
        for c in cards {
            for k in &c.conditions {
                let key = (k.label.as_str(), k.unit.as_str());
                if !columns.contains(&key) {
                    columns.push(key);
                }
            }
        }
        let mut sh = Sheet::new(ws);
        sh.heading(
            HEADING_ROW,
            0,
            if zh { "地块编号" } else { "Parcel" },
            &st.head,
            true,
        )?;
        for (k, (label, unit)) in columns.iter().enumerate() {
            let head = match (unit.is_empty(), zh) {
                (true, _) => label.to_string(),
                (false, true) => format!("{label}（{unit}）"),
                (false, false) => format!("{label} ({unit})"),
            };
            sh.heading(HEADING_ROW, k as u16 + 1, &head, &st.head, true)?;
        }
        // The 净空限高 after the conditions, where the report knows the runway: the
        // lowest surface (a number to sort and filter), the surface, and the check
        // against the 限高, as the PDF card's line says it.
        let with_clearance = cards.iter().any(|c| c.clearance.is_some());
        let clearance_col = columns.len() as u16 + 1;
        if with_clearance {
            let heads = if zh {
                ["净空限高（m）", "净空限制面", "净空核查"]
            } else {
                ["Clearance limit (m)", "Limiting surface", "Clearance check"]
            };
            for (k, h) in heads.iter().enumerate() {
                sh.heading(HEADING_ROW, clearance_col + k as u16, h, &st.head, true)?;
            }
        }
        for (i, c) in cards.iter().enumerate() {
            if with_clearance {
                let r = FIRST_ROW + i as u32;
                match &c.clearance {
                    Some(p) => {
                        sh.opt_number(r, clearance_col, p.ols_min_m, 1, &st)?;
                        let surface = p.surface.map(|k| k.name(zh)).unwrap_or("");
                        sh.text(r, clearance_col + 1, surface, &st.text)?;
                        let check = match (p.excess_m, p.height_limit_m, zh) {
                            (Some(x), _, true) => {
                                format!("限高超出 {} m", crate::model::format_fixed(x, 1))
                            }
                            (Some(x), _, false) => {
                                format!("{} m above", crate::model::format_fixed(x, 1))
                            }
                            (None, Some(_), true) => "符合".to_string(),
                            (None, Some(_), false) => "within".to_string(),
                            (None, None, true) => "无限高".to_string(),
                            (None, None, false) => "no height limit".to_string(),
                        };
                        sh.text(r, clearance_col + 2, &check, &st.text)?;
                    }
                    None => {
                        for k in 0..3 {
                            sh.blank(r, clearance_col + k, &st.text)?;
                        }
                    }
                }
            }
        }
        for (i, c) in cards.iter().enumerate() {
            let r = FIRST_ROW + i as u32;
            sh.text(r, 0, &c.parcel.id, &st.text)?;
            for (k, key) in columns.iter().enumerate() {
                let col = k as u16 + 1;
                let found = c
                    .conditions
                    .iter()
                    .find(|x| (x.label.as_str(), x.unit.as_str()) == *key);
                match found.map(|x| (x, plain_number(&x.value))) {
                    Some((x, Some((v, d)))) => {
                        let f = match c.limit(x) {
                            Some(super::card::Limit::AtMost) => st.at_most.get(d.min(6)),
                            Some(super::card::Limit::AtLeast) => st.at_least.get(d.min(6)),
                            None => None,
                        };
                        sh.number(r, col, v, d, f.unwrap_or(st.num(d)))?;
                        // Room for the sign and its space.
                        sh.measure(col, format!("{v:.d$}").len() + 2);
                    }
                    Some((x, None)) => sh.text(r, col, &x.value, &st.text)?,
                    None => sh.blank(r, col, &st.text)?,
                }
            }
        }
        let last_row = (FIRST_ROW + cards.len() as u32)
            .saturating_sub(1)
            .max(HEADING_ROW);
        let last_col = columns.len() as u16 + if with_clearance { 3 } else { 0 };
        sh.ws.autofilter(HEADING_ROW, 0, last_row, last_col)?;
        sh.ws.set_freeze_panes(FIRST_ROW, 1)?;
        let title = if zh {
            "规划条件"
        } else {
            "Planning conditions"
        };
        let line = if zh {
            "每行一个地块；单位见列名括号内；≤ 为上限，≥ 为下限。"
        } else {
            "One row a parcel; units in the headings; ≤ is an upper limit, ≥ a lower one."
        };
        finish_titled(&mut sh, &st, last_col + 1, title, line, &page(title))?;
    }
    {
        let ws = wb.add_worksheet();
        let name = if zh {
            "界址点成果表"
        } else {
            "Boundary points"
        };
        ws.set_name(name)?;
        let heads = point_headings(lang, options.y_with_zone);
        let mut sh = Sheet::new(ws);
        for (c, h) in heads.iter().enumerate() {
            sh.heading(HEADING_ROW, c as u16, h, &st.head, true)?;
        }
        let mut r = FIRST_ROW;
        for c in cards {
            for b in &c.boundary {
                sh.text(r, 0, &c.parcel.id, &st.text)?;
                sh.text(r, 1, &part_label(b, lang), &st.text)?;
                sh.text(r, 2, &b.label, &st.text)?;
                sh.number(r, 3, b.x_north_m, 3, st.num(3))?;
                let y = printed_y(b, c.zone, options.y_with_zone);
                sh.number(r, 4, y, 3, st.num(3))?;
                sh.opt_number(r, 5, b.side_m, 2, &st)?;
                r += 1;
            }
        }
        sh.ws
            .autofilter(HEADING_ROW, 0, (r - 1).max(HEADING_ROW), 5)?;
        sh.ws.set_freeze_panes(FIRST_ROW, 1)?;
        let title = if zh {
            "界址点成果表"
        } else {
            "Boundary points"
        };
        let line = crs_line(cards, lang, options.y_with_zone);
        finish_titled(&mut sh, &st, 6, title, &line, &page(title))?;
    }
    {
        let ws = wb.add_worksheet();
        let name = if zh {
            "周边设施"
        } else {
            "Nearby facilities"
        };
        ws.set_name(name)?;
        let heads = if zh {
            [
                "地块编号",
                "设施名称",
                "类型",
                "距离（m）",
                "服务半径（m）",
                "在服务半径内",
                "规模",
                "备注",
            ]
        } else {
            [
                "Parcel",
                "Facility",
                "Type",
                "Distance (m)",
                "Service radius (m)",
                "Within its radius",
                "Size",
                "Note",
            ]
        };
        let mut sh = Sheet::new(ws);
        for (c, h) in heads.iter().enumerate() {
            sh.heading(HEADING_ROW, c as u16, h, &st.head, true)?;
        }
        let mut r = FIRST_ROW;
        for c in cards {
            for f in &c.facilities {
                sh.text(r, 0, &c.parcel.id, &st.text)?;
                sh.text(r, 1, &f.name, &st.text)?;
                sh.text(r, 2, &f.kind, &st.text)?;
                sh.number(r, 3, f.distance_m, 0, st.num(0))?;
                sh.opt_number(r, 4, f.service_radius_m, 0, &st)?;
                sh.text(r, 5, within_radius(f, zh), &st.text)?;
                sh.text(r, 6, &f.scale, &st.text)?;
                let note = match (f.on_parcel, zh) {
                    (false, _) => "",
                    (true, true) => "本地块",
                    (true, false) => "on the parcel",
                };
                sh.text(r, 7, note, &st.text)?;
                r += 1;
            }
        }
        sh.ws
            .autofilter(HEADING_ROW, 0, (r - 1).max(HEADING_ROW), 7)?;
        sh.ws.set_freeze_panes(FIRST_ROW, 1)?;
        let title = if zh {
            "周边公共设施"
        } else {
            "Nearby public facilities"
        };
        let line = if zh {
            "距离为设施至地块的最近距离（设施在地块内为0），单位：m；是否在服务半径内按各设施自身的服务半径判断。"
        } else {
            "Distance from the facility to the parcel (0 inside it), metres; within its radius by each facility's own service radius."
        };
        finish_titled(&mut sh, &st, 8, title, line, &page(title))?;
    }
    wb.save_to_buffer()
}
