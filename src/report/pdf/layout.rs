//! Pages laid out as drawing operations: text lines, wrapped paragraphs, headings
//! kept with what follows, and tables that continue on the next page with their
//! header repeated.

use krilla::image::Image;

use super::{GREY, HEAD_FILL, INK, MM, Op, PageSetup, RULE, STRIPE_FILL};
use crate::report::ReportLang;

/// How a table column's text is aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

pub(crate) struct Column {
    pub(crate) heading: String,
    pub(crate) align: Align,
    /// The widest the column may grow, in points.
    pub(crate) max_w: f32,
    /// The narrowest its cells may be set, in points, when they are wider than
    /// their longest word: 0 lets them wrap down to the word (a CJK character),
    /// infinity keeps every cell on one line. Headings wrap regardless.
    pub(crate) min_w: f32,
}

pub(crate) fn col(heading: &str, align: Align, max_w: f32) -> Column {
    Column {
        heading: heading.to_string(),
        align,
        max_w,
        min_w: 0.0,
    }
}

/// A table: rows of cells, an optional colour swatch before the first cell of each
/// row, and an optional emphasised total row.
pub(crate) struct Table {
    pub(crate) columns: Vec<Column>,
    pub(crate) rows: Vec<Vec<String>>,
    pub(crate) swatches: Vec<Option<[u8; 3]>>,
    pub(crate) total: Option<Vec<String>>,
    pub(crate) size: f32,
    /// What the table is, repeated as "…（续）" above the header when the table
    /// continues on a new page.
    pub(crate) continues: Option<String>,
}

/// Whether cell `k` of a total row may run on over the empty cells after it: a
/// 合计（2410 个） label need not widen the id column it starts in.
fn spills(total: &[String], k: usize) -> bool {
    total.get(k).is_some_and(|c| !c.is_empty()) && total.get(k + 1).is_some_and(|c| c.is_empty())
}

/// The width cell `k` of a total row may take: its column's and those of the
/// empty cells after it.
fn spill_width(total: &[String], widths: &[f32], k: usize) -> f32 {
    let own = widths.get(k).copied().unwrap_or(0.0);
    if !spills(total, k) {
        return own;
    }
    own + (k + 1..widths.len())
        .take_while(|&j| total.get(j).is_some_and(|c| c.is_empty()))
        .filter_map(|j| widths.get(j))
        .sum::<f32>()
}

/// Pages being laid out.
pub struct Layout {
    pub(crate) page_w: f32,
    pub(crate) page_h: f32,
    pub(crate) margin: f32,
    pub pages: Vec<Vec<Op>>,
    pub(crate) y: f32,
    /// The document outline: (page index, y in points, title), in page order.
    pub bookmarks: Vec<(usize, f32, String)>,
    /// The column the flow fills: its left edge and width in points. A new page
    /// starts with the full width between the margins.
    pub(crate) col_x: f32,
    pub(crate) col_w: f32,
    /// The padding above and below a table cell's text, in ems of the table's
    /// type: 0.45 by default, less where a table must keep to one page.
    pub(crate) cell_pad_em: f32,
    /// A line every page prints above its footer: the project's disclaimer on
    /// documents that have no title block to carry it (cards, handouts).
    pub(crate) footnote: Option<String>,
}

impl Layout {
    pub fn new(setup: PageSetup) -> Layout {
        let (page_w, page_h) = setup.size_pt();
        Layout {
            page_w,
            page_h,
            margin: 15.0 * MM,
            pages: vec![Vec::new()],
            y: 15.0 * MM,
            bookmarks: Vec::new(),
            col_x: 15.0 * MM,
            col_w: page_w - 30.0 * MM,
            cell_pad_em: 0.45,
            footnote: None,
        }
    }

    /// The width of the column the flow fills.
    pub(crate) fn content_w(&self) -> f32 {
        self.col_w
    }

    /// The full width between the margins.
    pub(crate) fn page_content_w(&self) -> f32 {
        self.page_w - 2.0 * self.margin
    }

    /// Makes the flow fill a column from `x` (points from the page's left edge),
    /// `w` wide, from height `y`.
    pub(crate) fn set_column(&mut self, x: f32, w: f32, y: f32) {
        self.col_x = x;
        self.col_w = w;
        self.y = y;
    }

    /// The lowest y content may reach; the footer sits below it.
    pub(crate) fn bottom(&self) -> f32 {
        self.page_h - self.margin - 6.0 * MM
    }

    /// A bookmark in the PDF's outline pointing at the current position.
    pub(crate) fn bookmark(&mut self, title: &str) {
        let page = self.pages.len().saturating_sub(1);
        self.bookmarks.push((page, self.y, title.to_string()));
    }

    pub(crate) fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = self.margin;
        self.col_x = self.margin;
        self.col_w = self.page_content_w();
    }

    /// Starts a new page unless `h` points still fit on this one.
    pub(crate) fn ensure(&mut self, h: f32) {
        if self.y + h > self.bottom() && self.y > self.margin + 1.0 {
            self.new_page();
        }
    }

    pub(crate) fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    /// The advance width of `text` at `size` points: the font's advances in em
    /// units, which is what the PDF viewer uses to place the glyphs.
    pub(crate) fn text_w(&self, text: &str, size: f32) -> f32 {
        crate::render::canvas::text_advance(text, size)
    }

    /// Text with its top at `y_top`.
    pub(crate) fn text_at(&mut self, x: f32, y_top: f32, size: f32, rgb: [u8; 3], text: &str) {
        if text.is_empty() {
            return;
        }
        self.push(Op::Text {
            x,
            y: y_top + size * 0.88,
            size,
            rgb,
            text: text.to_string(),
        });
    }

    /// A line of text in the flow, wrapped onto more lines when it is wider than
    /// the column.
    pub(crate) fn line(&mut self, text: &str, size: f32, rgb: [u8; 3]) {
        let h = size * 1.45;
        for part in self.wrap(text, size, self.content_w()) {
            self.ensure(h);
            let (x, y) = (self.col_x, self.y);
            self.text_at(x, y, size, rgb, &part);
            self.y += h;
        }
    }

    /// A section heading, kept with at least a few lines of what follows.
    pub(crate) fn heading(&mut self, text: &str) {
        self.ensure(13.0 * 1.6 + 60.0);
        self.y += 4.0;
        let (x, y) = (self.col_x, self.y);
        self.text_at(x, y, 12.0, INK, text);
        self.y += 12.0 * 1.6;
    }

    pub(crate) fn gap(&mut self, h: f32) {
        self.y += h;
    }

    /// Each column's natural width (its longest cell on one line, capped at the
    /// column's most) and the least it can take without breaking a word or a
    /// figure, in points, padding and swatch included.
    fn column_widths(&self, t: &Table) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let pad = t.size * 0.5;
        let swatch_w = if t.swatches.is_empty() {
            0.0
        } else {
            t.size * 1.6
        };
        let mut widths = Vec::with_capacity(t.columns.len());
        let mut least = Vec::with_capacity(t.columns.len());
        let mut full = Vec::with_capacity(t.columns.len());
        for (k, c) in t.columns.iter().enumerate() {
            let total = t.total.iter().filter(|r| !spills(r, k));
            let cells = || t.rows.iter().chain(total.clone()).filter_map(|r| r.get(k));
            let longest = |texts: &mut dyn Iterator<Item = &String>| {
                texts.map(|s| self.text_w(s, t.size)).fold(0.0, f32::max)
            };
            let word_of = |texts: &mut dyn Iterator<Item = &String>| {
                texts
                    .flat_map(|s| crate::render::wrap::words(s))
                    .map(|w| self.text_w(&w, t.size))
                    .fold(0.0, f32::max)
            };
            let natural = longest(&mut cells().chain([&c.heading]));
            let heading_word = word_of(&mut [&c.heading].into_iter());
            let floor = c.min_w.min(longest(&mut cells()));
            let word = match c.align {
                Align::Left => word_of(&mut cells()).max(heading_word).max(floor),
                Align::Right => longest(&mut cells()).max(heading_word),
            };
            let extra = 2.0 * pad + if k == 0 { swatch_w } else { 0.0 };
            widths.push(natural.min(c.max_w.max(word)) + extra);
            least.push(word + extra);
            // Half a point more than the text, so that rounding in the line
            // breaker never wraps a cell set at exactly its width.
            full.push(natural + extra + 0.5);
        }
        (widths, least, full)
    }

    /// The columns' widths in the current column, and the lines the table's rows
    /// take at them (estimated as below). A table that fits on one line a cell gets
    /// its one-line widths. One that is too wide even at its least (every column
    /// down to its longest word) shrinks every column alike, and words break. In
    /// between, the columns start at their least and the room left goes, an em at a
    /// time or all a column lacks at once, to the column where it saves the most
    /// lines of the whole table per point, so a long list is as short as the page
    /// allows. It is a heuristic, not an optimum: a cell's lines are counted as its
    /// one-line width over the column's (a heading's as it wraps), and a row's as its tallest cell's, with a
    /// fifth of its cells' mean so that narrowing one of two tall cells counts too,
    /// and each line of a heading beyond two as a fifth of the rows (ten at least).
    fn allocate(
        &self,
        t: &Table,
        capped: Vec<f32>,
        least: &[f32],
        full: &[f32],
    ) -> (Vec<f32>, u64) {
        let avail = self.content_w();
        let sum = |v: &[f32]| v.iter().sum::<f32>();
        let n_rows = t.rows.len() + usize::from(t.total.is_some()) + 1;
        if sum(full) <= avail {
            return (full.to_vec(), n_rows as u64);
        }
        let pad = t.size * 0.5;
        let swatch_w = if t.swatches.is_empty() {
            0.0
        } else {
            t.size * 1.6
        };
        let extra = |k: usize| 2.0 * pad + if k == 0 { swatch_w } else { 0.0 };
        // Each cell's one-line width, the heading row first; figures never wrap.
        let rows: Vec<&Vec<String>> = t.rows.iter().chain(t.total.iter()).collect();
        let natural: Vec<Vec<f32>> = t
            .columns
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let mut v = vec![self.text_w(&c.heading, t.size)];
                v.extend(rows.iter().enumerate().map(|(i, r)| {
                    let spilt = i >= t.rows.len() && spills(r, k);
                    match (c.align, r.get(k)) {
                        (Align::Left, Some(text)) if !spilt => self.text_w(text, t.size),
                        _ => 0.0,
                    }
                }));
                v
            })
            .collect();
        let column_lines = |k: usize, w: f32| -> Vec<u32> {
            let inner = (w - extra(k)).max(1.0);
            let mut lines: Vec<u32> = natural
                .get(k)
                .map(|v| {
                    v.iter()
                        .map(|text_w| ((text_w / inner - 1e-3).ceil() as u32).max(1))
                        .collect()
                })
                .unwrap_or_default();
            // The heading is wrapped for real: it is one cell, and where its words
            // break decides whether it takes two lines or three.
            if let (Some(first), Some(c)) = (lines.first_mut(), t.columns.get(k)) {
                *first = self.wrap(&c.heading, t.size, inner).len().max(1) as u32;
            }
            lines
        };
        let n_cols = t.columns.len().max(1) as f32;
        let heading_weight = (n_rows as f32 / 5.0).max(10.0);
        // The rows' lines, and the score the allocation lowers.
        let measure = |cells: &[Vec<u32>]| -> (u64, f32) {
            let mut lines = 0u64;
            let mut score = 0.0f32;
            for r in 0..n_rows {
                let of_row = cells.iter().map(|c| c.get(r).copied().unwrap_or(1));
                let tallest = of_row.clone().max().unwrap_or(1);
                let all: u32 = of_row.sum();
                lines += u64::from(tallest);
                score += tallest as f32 + 0.2 * all as f32 / n_cols;
                // A heading of more than two lines counts as many rows: it is
                // printed on every page, and a heading set a character a line
                // reads badly.
                if r == 0 {
                    let over: u32 = cells
                        .iter()
                        .map(|c| c.first().copied().unwrap_or(1).saturating_sub(2))
                        .sum();
                    score += heading_weight * over as f32;
                }
            }
            (lines, score)
        };
        if sum(least) >= avail {
            let k = avail / sum(least).max(1e-3);
            let widths: Vec<f32> = least.iter().map(|w| w * k).collect();
            let cells: Vec<Vec<u32>> = widths
                .iter()
                .enumerate()
                .map(|(k, w)| column_lines(k, *w))
                .collect();
            return (widths, measure(&cells).0);
        }
        let mut widths = least.to_vec();
        let mut cells: Vec<Vec<u32>> = widths
            .iter()
            .enumerate()
            .map(|(k, w)| column_lines(k, *w))
            .collect();
        let (mut lines, mut score) = measure(&cells);
        let em = t.size;
        loop {
            let spare = avail - sum(&widths);
            if spare < 0.5 {
                break;
            }
            let mut best: Option<(f32, usize, f32, Vec<u32>, u64, f32)> = None;
            for (k, (w, f)) in widths.iter().zip(full).enumerate() {
                let lack = f - w;
                if lack <= 0.01 {
                    continue;
                }
                for step in [em.min(lack).min(spare), lack.min(spare)] {
                    let col = column_lines(k, w + step);
                    let mut trial = cells.clone();
                    if let Some(c) = trial.get_mut(k) {
                        *c = col.clone();
                    }
                    let (after_lines, after) = measure(&trial);
                    let gain = (score - after) / step.max(1e-3);
                    if gain > 1e-6 && best.as_ref().is_none_or(|b| gain > b.0) {
                        best = Some((gain, k, step, col, after_lines, after));
                    }
                }
            }
            let Some((_, k, step, col, after_lines, after)) = best else {
                break;
            };
            if let (Some(w), Some(c)) = (widths.get_mut(k), cells.get_mut(k)) {
                *w += step;
                *c = col;
            }
            (lines, score) = (after_lines, after);
        }
        // What no column can use to save a line goes, as before, to the columns
        // held below their cap, then to those below their one-line width.
        for target in [&capped[..], full] {
            let spare = avail - sum(&widths);
            let lack: Vec<f32> = widths
                .iter()
                .zip(target)
                .map(|(w, f)| (f - w).max(0.0))
                .collect();
            let lacking = sum(&lack);
            if spare > 0.01 && lacking > 0.0 {
                let k = (spare / lacking).min(1.0);
                for (w, g) in widths.iter_mut().zip(&lack) {
                    *w += g * k;
                }
            }
        }
        (widths, lines)
    }

    /// The lines a table's rows take in the current column (its heading row
    /// included), as its widths are chosen: a measure of how long it runs.
    pub(crate) fn table_lines(&self, t: &Table) -> u64 {
        let (capped, least, full) = self.column_widths(t);
        self.allocate(t, capped, &least, &full).1
    }

    /// The width a table takes in the current column: its columns' one-line
    /// widths, capped by the column.
    pub(crate) fn table_width(&self, t: &Table) -> f32 {
        self.column_widths(t)
            .2
            .iter()
            .sum::<f32>()
            .min(self.content_w())
    }

    /// Whether a table fits the column without breaking a word or a figure.
    pub(crate) fn table_fits(&self, t: &Table) -> bool {
        self.column_widths(t).1.iter().sum::<f32>() <= self.content_w() + 0.01
    }

    /// Lays out a table in the flow; it continues on following pages with its header
    /// row repeated under a 「…（续）」 line. Text that does not fit its column wraps
    /// onto more lines: a code, a status or a heading is never cut short.
    pub(crate) fn table(&mut self, t: &Table) {
        let pad = t.size * 0.5;
        let swatch_w = if t.swatches.is_empty() {
            0.0
        } else {
            t.size * 1.6
        };
        let all_rows = || t.rows.iter().chain(t.total.iter());
        let (widths, least, full) = self.column_widths(t);
        let (widths, _) = self.allocate(t, widths, &least, &full);
        let table_w: f32 = widths.iter().sum();
        let line_h = t.size * 1.25;
        let cell_pad = t.size * self.cell_pad_em;
        let x0 = self.col_x;
        // Every cell's lines, and each row's height.
        let lines_of = |me: &Layout, cells: &[String], heading: bool| -> Vec<Vec<String>> {
            let is_total = t.total.as_deref() == Some(cells);
            t.columns
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(k, (c, w))| {
                    let text = cells.get(k).map(String::as_str).unwrap_or("");
                    let w = if is_total && !heading {
                        spill_width(cells, &widths, k)
                    } else {
                        *w
                    };
                    let inner = w - 2.0 * pad - if k == 0 { swatch_w } else { 0.0 };
                    // Figures stay on one line; text and headings wrap.
                    if heading || c.align == Align::Left {
                        me.wrap(text, t.size, inner)
                    } else {
                        vec![text.to_string()]
                    }
                })
                .collect()
        };
        let height = |lines: &[Vec<String>]| {
            let n = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
            n as f32 * line_h + 2.0 * cell_pad
        };
        let headings: Vec<String> = t.columns.iter().map(|c| c.heading.clone()).collect();
        let head_lines = lines_of(self, &headings, true);
        let head_h = height(&head_lines);
        let draw_row = |me: &mut Layout,
                        lines: &[Vec<String>],
                        h: f32,
                        fill: Option<[u8; 3]>,
                        swatch: Option<[u8; 3]>| {
            let y = me.y;
            if let Some(fill) = fill {
                me.push(Op::Rect {
                    x: x0,
                    y,
                    w: table_w,
                    h,
                    fill: Some(fill),
                    stroke: None,
                });
            }
            let mut x = x0;
            for (k, ((c, w), cell)) in t.columns.iter().zip(&widths).zip(lines).enumerate() {
                let (mut cx, mut cw) = (x, *w);
                if k == 0 && swatch_w > 0.0 {
                    if let Some(rgb) = swatch {
                        me.push(Op::Rect {
                            x: x + pad,
                            y: y + cell_pad + (line_h - t.size * 0.95) / 2.0,
                            w: t.size * 1.1,
                            h: t.size * 0.95,
                            fill: Some(rgb),
                            stroke: Some((GREY, 0.3)),
                        });
                    }
                    cx += swatch_w;
                    cw -= swatch_w;
                }
                for (n, text) in cell.iter().enumerate() {
                    let tx = match c.align {
                        Align::Left => cx + pad,
                        Align::Right => cx + cw - pad - me.text_w(text, t.size),
                    };
                    let ty = y + cell_pad + n as f32 * line_h + (line_h - t.size) / 2.0;
                    me.text_at(tx, ty, t.size, INK, text);
                }
                x += w;
            }
            me.y += h;
        };
        let first_h = all_rows()
            .next()
            .map(|r| height(&lines_of(self, r, false)))
            .unwrap_or(0.0);
        self.ensure(head_h + first_h * 2.0);
        draw_row(self, &head_lines, head_h, Some(HEAD_FILL), None);
        let n = t.rows.len();
        for (r, cells) in all_rows().enumerate() {
            let lines = lines_of(self, cells, false);
            let h = height(&lines);
            if self.y + h > self.bottom() {
                self.new_page();
                if let Some(what) = &t.continues {
                    let line = format!("{what}（续）");
                    self.line(&line, t.size + 1.5, GREY);
                }
                draw_row(self, &head_lines, head_h, Some(HEAD_FILL), None);
            }
            let is_total = r >= n;
            let fill = if is_total {
                Some(HEAD_FILL)
            } else if r % 2 == 1 {
                Some(STRIPE_FILL)
            } else {
                None
            };
            let swatch = t.swatches.get(r).copied().flatten();
            draw_row(self, &lines, h, fill, swatch);
        }
        self.push(Op::Rect {
            x: x0,
            y: self.y,
            w: table_w,
            h: 0.0,
            fill: None,
            stroke: Some((RULE, 0.6)),
        });
        self.y += t.size * 1.7 * 0.6;
    }

    /// The height a table will take on one page, in points: what a caller needs to
    /// keep a table whole on a page.
    pub(crate) fn table_height(&self, t: &Table) -> f32 {
        let mut probe = Layout {
            page_w: self.page_w,
            page_h: f32::MAX / 4.0,
            margin: self.margin,
            pages: vec![Vec::new()],
            y: 0.0,
            bookmarks: Vec::new(),
            col_x: self.col_x,
            col_w: self.col_w,
            cell_pad_em: self.cell_pad_em,
            footnote: None,
        };
        probe.table(t);
        probe.y
    }

    /// `text` broken into lines no wider than `max_w` points, as
    /// [`crate::render::wrap::wrap`] breaks it.
    pub(crate) fn wrap(&self, text: &str, size: f32, max_w: f32) -> Vec<String> {
        crate::render::wrap::wrap(text, size, max_w)
    }

    /// An image in a box, framed, at (x, y) with size (w, h) in points.
    pub(crate) fn image(&mut self, x: f32, y: f32, w: f32, h: f32, image: Image) {
        self.push(Op::Image { x, y, w, h, image });
        self.push(Op::Rect {
            x,
            y,
            w,
            h,
            fill: None,
            stroke: Some((GREY, 0.6)),
        });
    }

    /// Adds "title · page k / n" footers once the page count is known, with the
    /// footnote, in small type, above each.
    pub(crate) fn footers(&mut self, title: &str, lang: ReportLang) {
        let n = self.pages.len();
        let size = 8.0;
        let y = self.page_h - self.margin + 2.0;
        // The footnote sits in the band between the content's bottom and the
        // footer, on one line: its type shrinks to fit the page's width.
        let note = self
            .footnote
            .clone()
            .filter(|t| !t.trim().is_empty())
            .map(|t| {
                let natural = self.text_w(&t, 1.0);
                let size = (self.page_content_w() / natural.max(1.0)).min(6.5);
                let x = (self.page_w - self.text_w(&t, size)) / 2.0;
                (t, size, x)
            });
        for k in 0..n {
            if let (Some((text, size, x)), Some(page)) = (&note, self.pages.get_mut(k)) {
                page.push(Op::Text {
                    x: *x,
                    y: y - 9.0,
                    size: *size,
                    rgb: GREY,
                    text: text.clone(),
                });
            }
            let label = match lang {
                ReportLang::Zh => format!("{title} · 第 {} / {n} 页", k + 1),
                ReportLang::En => format!("{title} · page {} of {n}", k + 1),
            };
            let w = self.text_w(&label, size);
            let x = (self.page_w - w) / 2.0;
            if let Some(page) = self.pages.get_mut(k) {
                page.push(Op::Text {
                    x,
                    y,
                    size,
                    rgb: GREY,
                    text: label,
                });
            }
        }
    }
}

impl Layout {
    /// A paragraph wrapped to the column: the same as [`Layout::line`], named for
    /// what callers mean.
    pub(crate) fn paragraph(&mut self, text: &str, size: f32, rgb: [u8; 3]) {
        self.line(text, size, rgb);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_setups_parse_and_measure() {
        let a4 = PageSetup::parse("A4").unwrap();
        let (w, h) = a4.size_pt();
        assert!((w - 595.28).abs() < 0.01 && (h - 841.89).abs() < 0.01);
        let a3l = PageSetup::parse("a3-landscape").unwrap();
        let (w, h) = a3l.size_pt();
        assert!((w - 1190.55).abs() < 0.01 && (h - 841.89).abs() < 0.01);
        assert_eq!(PageSetup::parse("letter"), None);
        assert_eq!(PageSetup::parse("a4-sideways"), None);
    }
}
