//! PDF reports: the selection summary and the parcel report cards, laid out on A4 or
//! A3 pages, portrait or landscape, and written with krilla.
//!
//! Text is real PDF text in the bundled CJK font, which krilla subsets and embeds
//! with a ToUnicode map, so every word can be selected, searched and copied. Maps
//! are raster images from the project's own renderer ([`crate::render::map_image`]),
//! the same drawing as the PNG export; the legend, the parcel marks on the location
//! map and all tables are vector.
//!
//! Layout is done first into a list of drawing operations per page, and only then
//! written with krilla. That keeps page breaking (tables that continue on the next
//! page with their header repeated, "page k of n" footers) free of krilla's
//! borrowing rules, and lets tests inspect the layout without parsing a PDF.

use ab_glyph::{Font as _, FontRef};
use geo::{BoundingRect, Geometry, Rect};
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::text::{Font, TextDirection};
use rayon::prelude::*;

use super::{Card, MapContext, Progress, ReportError, ReportLang, Summary, parcel_headings};
use crate::model::Layer;
use crate::render::map_image::{self, Fit, ImageLayer, ImageStyle, MapImage};
use crate::render::text::CJK_FONT;
use crate::selection::LocalPlane;

/// Points per millimetre.
const MM: f32 = 72.0 / 25.4;
/// The resolution maps are rendered at for print.
const MAP_DPI: f32 = 200.0;
const INK: [u8; 3] = [25, 25, 25];
const GREY: [u8; 3] = [110, 110, 110];
const RULE: [u8; 3] = [170, 170, 170];
const HEAD_FILL: [u8; 3] = [228, 232, 238];
const STRIPE_FILL: [u8; 3] = [246, 247, 249];
/// The colour that marks the parcel on a card's location map: a strong blue, which
/// no land-use class or facility symbol uses.
const MARK: [u8; 3] = [0, 60, 220];

/// Paper sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paper {
    #[default]
    A4,
    A3,
}

/// A paper size and orientation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageSetup {
    pub paper: Paper,
    pub landscape: bool,
}

impl PageSetup {
    /// Width and height in points (ISO 216: A4 is 210 × 297 mm, A3 297 × 420 mm).
    pub fn size_pt(self) -> (f32, f32) {
        let (w, h) = match self.paper {
            Paper::A4 => (210.0 * MM, 297.0 * MM),
            Paper::A3 => (297.0 * MM, 420.0 * MM),
        };
        if self.landscape { (h, w) } else { (w, h) }
    }

    /// `a4`, `a3`, `a4-landscape`, `a3-portrait`, … (case-insensitive).
    pub fn parse(text: &str) -> Option<PageSetup> {
        let t = text.trim().to_ascii_lowercase();
        let (paper, orient) = t.split_once(['-', ' ', '_']).unwrap_or((t.as_str(), ""));
        let paper = match paper {
            "a4" => Paper::A4,
            "a3" => Paper::A3,
            _ => return None,
        };
        let landscape = match orient {
            "" | "portrait" | "p" => false,
            "landscape" | "l" => true,
            _ => return None,
        };
        Some(PageSetup { paper, landscape })
    }

    pub fn name(self) -> String {
        let paper = match self.paper {
            Paper::A4 => "A4",
            Paper::A3 => "A3",
        };
        let orient = if self.landscape {
            "landscape"
        } else {
            "portrait"
        };
        format!("{paper} {orient}")
    }
}

/// One drawing operation on a page, in points from the page's top-left corner.
#[derive(Clone)]
pub enum Op {
    /// One line of text; `y` is the baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        rgb: [u8; 3],
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<[u8; 3]>,
        stroke: Option<([u8; 3], f32)>,
    },
    /// A polyline or polygon.
    Path {
        points: Vec<(f32, f32)>,
        close: bool,
        fill: Option<[u8; 3]>,
        stroke: Option<([u8; 3], f32)>,
    },
    Image {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        image: Image,
    },
}

/// How a table column's text is aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

struct Column {
    heading: String,
    align: Align,
    /// The widest the column may grow, in points.
    max_w: f32,
}

fn col(heading: &str, align: Align, max_w: f32) -> Column {
    Column {
        heading: heading.to_string(),
        align,
        max_w,
    }
}

/// A table: rows of cells, an optional colour swatch before the first cell of each
/// row, and an optional emphasised total row.
struct Table {
    columns: Vec<Column>,
    rows: Vec<Vec<String>>,
    swatches: Vec<Option<[u8; 3]>>,
    total: Option<Vec<String>>,
    size: f32,
    /// What the table is, repeated as "…（续）" above the header when the table
    /// continues on a new page.
    continues: Option<String>,
}

/// Pages being laid out.
pub struct Layout {
    page_w: f32,
    page_h: f32,
    margin: f32,
    pub pages: Vec<Vec<Op>>,
    y: f32,
    metrics: Option<FontRef<'static>>,
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
            metrics: crate::render::text::font(),
        }
    }

    fn content_w(&self) -> f32 {
        self.page_w - 2.0 * self.margin
    }

    /// The lowest y content may reach; the footer sits below it.
    fn bottom(&self) -> f32 {
        self.page_h - self.margin - 6.0 * MM
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = self.margin;
    }

    /// Starts a new page unless `h` points still fit on this one.
    fn ensure(&mut self, h: f32) {
        if self.y + h > self.bottom() && self.y > self.margin + 1.0 {
            self.new_page();
        }
    }

    fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    /// The advance width of `text` at `size` points: the font's advances in em
    /// units, which is what the PDF viewer uses to place the glyphs.
    fn text_w(&self, text: &str, size: f32) -> f32 {
        let Some(f) = &self.metrics else {
            return text.chars().count() as f32 * size;
        };
        let upem = f.units_per_em().unwrap_or(1000.0);
        text.chars()
            .map(|c| f.h_advance_unscaled(f.glyph_id(c)))
            .sum::<f32>()
            * size
            / upem
    }

    /// `text`, shortened with an ellipsis to fit `max_w` points.
    fn fit_text(&self, text: &str, size: f32, max_w: f32) -> String {
        if self.text_w(text, size) <= max_w {
            return text.to_string();
        }
        let mut out: String = String::new();
        let ell = self.text_w("…", size);
        let mut w = 0.0;
        for c in text.chars() {
            let cw = self.text_w(c.encode_utf8(&mut [0; 4]), size);
            if w + cw + ell > max_w {
                break;
            }
            w += cw;
            out.push(c);
        }
        out.push('…');
        out
    }

    /// Text with its top at `y_top`.
    fn text_at(&mut self, x: f32, y_top: f32, size: f32, rgb: [u8; 3], text: &str) {
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

    /// A line of text in the flow, shortened to the content width.
    fn line(&mut self, text: &str, size: f32, rgb: [u8; 3]) {
        let h = size * 1.45;
        self.ensure(h);
        let t = self.fit_text(text, size, self.content_w());
        let (x, y) = (self.margin, self.y);
        self.text_at(x, y, size, rgb, &t);
        self.y += h;
    }

    /// A section heading, kept with at least a few lines of what follows.
    fn heading(&mut self, text: &str) {
        self.ensure(13.0 * 1.6 + 60.0);
        self.y += 4.0;
        let (x, y) = (self.margin, self.y);
        self.text_at(x, y, 12.0, INK, text);
        self.y += 12.0 * 1.6;
    }

    fn gap(&mut self, h: f32) {
        self.y += h;
    }

    /// Lays out a table in the flow; it continues on following pages with its header
    /// row repeated.
    fn table(&mut self, t: &Table) {
        let pad = t.size * 0.5;
        let swatch_w = if t.swatches.is_empty() {
            0.0
        } else {
            t.size * 1.6
        };
        // Natural widths, capped, then scaled down together if the page is narrower.
        let mut widths: Vec<f32> = t
            .columns
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let cells = t.rows.iter().chain(t.total.iter()).filter_map(|r| r.get(k));
                let natural = cells
                    .map(|s| self.text_w(s, t.size))
                    .fold(self.text_w(&c.heading, t.size), f32::max)
                    + 2.0 * pad;
                natural.min(c.max_w)
            })
            .collect();
        if let Some(first) = widths.first_mut() {
            *first += swatch_w;
        }
        // Too wide for the page: the text columns after the first (names, parks,
        // enterprises) give up room first, since ids and numbers must stay whole;
        // only if that is not enough does every column shrink.
        let total_w: f32 = widths.iter().sum();
        let avail = self.content_w();
        if total_w > avail {
            let shrinkable =
                |k: usize| k > 0 && t.columns.get(k).is_some_and(|c| c.align == Align::Left);
            let flexible: f32 = widths
                .iter()
                .enumerate()
                .filter(|(k, _)| shrinkable(*k))
                .map(|(_, w)| w)
                .sum();
            let fixed = total_w - flexible;
            let k = (avail - fixed) / flexible.max(1e-3);
            if k >= 0.35 {
                for (i, w) in widths.iter_mut().enumerate() {
                    if shrinkable(i) {
                        *w *= k;
                    }
                }
            } else {
                let k = avail / total_w;
                widths.iter_mut().for_each(|w| *w *= k);
            }
        }
        let table_w: f32 = widths.iter().sum();
        let row_h = t.size * 1.7;
        let x0 = self.margin;
        let header = |me: &mut Layout| {
            let y = me.y;
            me.push(Op::Rect {
                x: x0,
                y,
                w: table_w,
                h: row_h,
                fill: Some(HEAD_FILL),
                stroke: None,
            });
            let mut x = x0;
            for (c, w) in t.columns.iter().zip(&widths) {
                let text = me.fit_text(&c.heading, t.size, w - 2.0 * pad);
                let tx = match c.align {
                    Align::Left => x + pad,
                    Align::Right => x + w - pad - me.text_w(&text, t.size),
                };
                me.text_at(tx, y + (row_h - t.size) / 2.0, t.size, INK, &text);
                x += w;
            }
            me.y += row_h;
        };
        self.ensure(row_h * 3.0);
        header(self);
        let n = t.rows.len();
        for (r, cells) in t.rows.iter().chain(t.total.iter()).enumerate() {
            if self.y + row_h > self.bottom() {
                self.new_page();
                if let Some(what) = &t.continues {
                    let line = format!("{what}（续）");
                    self.line(&line, t.size + 1.5, GREY);
                }
                header(self);
            }
            let is_total = r >= n;
            let y = self.y;
            if is_total || r % 2 == 1 {
                self.push(Op::Rect {
                    x: x0,
                    y,
                    w: table_w,
                    h: row_h,
                    fill: Some(if is_total { HEAD_FILL } else { STRIPE_FILL }),
                    stroke: None,
                });
            }
            let mut x = x0;
            for (k, (c, w)) in t.columns.iter().zip(&widths).enumerate() {
                let mut cx = x;
                let mut cw = *w;
                if k == 0 && swatch_w > 0.0 {
                    if let Some(Some(rgb)) = t.swatches.get(r) {
                        self.push(Op::Rect {
                            x: x + pad,
                            y: y + row_h * 0.22,
                            w: t.size * 1.1,
                            h: row_h * 0.56,
                            fill: Some(*rgb),
                            stroke: Some((GREY, 0.3)),
                        });
                    }
                    cx += swatch_w;
                    cw -= swatch_w;
                }
                let cell = cells.get(k).map(String::as_str).unwrap_or("");
                let text = self.fit_text(cell, t.size, cw - 2.0 * pad);
                let tx = match c.align {
                    Align::Left => cx + pad,
                    Align::Right => cx + cw - pad - self.text_w(&text, t.size),
                };
                self.text_at(tx, y + (row_h - t.size) / 2.0, t.size, INK, &text);
                x += w;
            }
            self.y += row_h;
        }
        self.push(Op::Rect {
            x: x0,
            y: self.y,
            w: table_w,
            h: 0.0,
            fill: None,
            stroke: Some((RULE, 0.6)),
        });
        self.y += row_h * 0.6;
    }

    /// An image in a box, framed, at (x, y) with size (w, h) in points.
    fn image(&mut self, x: f32, y: f32, w: f32, h: f32, image: Image) {
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

    /// Adds "title · page k / n" footers once the page count is known.
    fn footers(&mut self, title: &str, lang: ReportLang) {
        let n = self.pages.len();
        let size = 8.0;
        let y = self.page_h - self.margin + 2.0;
        for k in 0..n {
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

/// A rendered map as a PDF image: opaque RGB (krilla drops the all-opaque alpha).
fn pdf_image(pixmap: &tiny_skia::Pixmap) -> Image {
    Image::from_rgba8(
        map_image::straight_rgba(pixmap),
        pixmap.width(),
        pixmap.height(),
    )
}

/// Pixels for `pt` points at the print resolution.
fn px(pt: f32) -> u32 {
    ((pt / 72.0 * MAP_DPI).round() as u32).clamp(16, 20_000)
}

/// The layers a report map draws, with the report's layer marked: the map context's
/// layers, or the report layer alone in its land-use colours.
fn map_layers<'a>(
    ctx: &MapContext<'a>,
    layer: &'a Layer,
    selected: &'a [usize],
) -> Vec<ImageLayer<'a>> {
    let empty: &'a [usize] = &[];
    let mut out: Vec<ImageLayer<'a>> = ctx
        .layers
        .iter()
        .map(|(l, style)| ImageLayer {
            layer: l,
            style: *style,
            selected: if std::ptr::eq(*l, layer) {
                selected
            } else {
                empty
            },
        })
        .collect();
    if !ctx.layers.iter().any(|(l, _)| std::ptr::eq(*l, layer)) {
        out.push(ImageLayer {
            layer,
            style: ImageStyle::Landuse,
            selected,
        });
    }
    out
}

fn render_map(
    ctx: &MapContext,
    layer: &Layer,
    selected: &[usize],
    bbox: Rect<f64>,
    w_pt: f32,
    h_pt: f32,
    lang: ReportLang,
) -> Result<tiny_skia::Pixmap, ReportError> {
    let image = MapImage {
        layers: map_layers(ctx, layer, selected),
        basemap: ctx.basemap,
        bbox,
        width_px: px(w_pt),
        height_px: px(h_pt),
        dpi: MAP_DPI,
        title: None,
        chinese: lang == ReportLang::Zh,
        legend: false,
    };
    map_image::render(&image).map_err(|e| ReportError::Render(e.to_string()))
}

fn num(v: f64, decimals: usize) -> String {
    format!("{v:.decimals$}")
}

fn opt_num(v: Option<f64>, decimals: usize) -> String {
    v.map(|v| num(v, decimals)).unwrap_or_default()
}

fn cents(v: f64) -> i64 {
    (v * 100.0).round() as i64
}

/// Lays out a balance table: its title, unit line, rows with finer levels
/// indented, the total and the notes.
fn balance_table(l: &mut Layout, bt: &crate::stats::BalanceTable, zh: bool, size: f32) {
    // The whole table on one page when a page can hold it: a balance table split
    // across pages is hard to read and to paste into a plan text.
    let notes = if zh {
        bt.notes.len()
    } else {
        bt.notes_en.len()
    };
    let needed = 13.0 * 1.6
        + 4.0
        + 8.0 * 1.45
        + (bt.rows.len() as f32 + 2.0) * size * 1.7
        + notes as f32 * 8.0 * 1.45
        + 8.0;
    if needed < l.bottom() - l.margin {
        l.ensure(needed);
    }
    let title = if zh { &bt.title } else { &bt.title_en };
    l.heading(title);
    l.line(if zh { &bt.unit } else { &bt.unit_en }, 8.0, GREY);
    let heads = bt.headings(zh);
    let balance = Table {
        columns: heads
            .iter()
            .enumerate()
            .map(|(k, h)| match k {
                0 => col(h, Align::Left, 70.0 * size / 8.5),
                1 => col(h, Align::Left, 190.0 * size / 8.5),
                _ => col(h, Align::Right, 80.0 * size / 8.5),
            })
            .collect(),
        rows: bt
            .rows
            .iter()
            .map(|r| {
                let mut cells = bt.cells(r);
                // Finer levels are indented under their class, as plan texts print them.
                let indent = "\u{3000}".repeat(usize::from(r.level.saturating_sub(1)));
                if let Some(name) = cells.get_mut(1) {
                    *name = format!("{indent}{}", if zh { &r.name } else { &r.name_en });
                }
                if let Some(code) = cells.get_mut(0) {
                    *code = format!("{indent}{code}");
                }
                cells
            })
            .collect(),
        swatches: bt.rows.iter().map(|r| r.rgb).collect(),
        continues: Some(title.clone()),
        total: Some({
            // 合计 stands in the name column, which is wide enough for it.
            let mut cells = bt.cells(&bt.total);
            if let Some(code) = cells.get_mut(0) {
                code.clear();
            }
            if let Some(name) = cells.get_mut(1) {
                *name = if zh { "合计" } else { "Total" }.to_string();
            }
            cells
        }),
        size,
    };
    l.table(&balance);
    for note in if zh { &bt.notes } else { &bt.notes_en } {
        l.line(
            &if zh {
                format!("注：{note}")
            } else {
                format!("Note: {note}")
            },
            8.0,
            GREY,
        );
    }
}

/// Lays out a selection summary: title, map with legend, balance table,
/// indicators and the parcel list.
pub fn summary_layout(
    s: &Summary,
    layer: &Layer,
    features: &[usize],
    ctx: &MapContext,
    setup: PageSetup,
    progress: &Progress,
) -> Result<Layout, ReportError> {
    let zh = s.lang == ReportLang::Zh;
    let mut l = Layout::new(setup);
    progress.set_total(4);
    l.line(&s.title, 18.0, INK);
    let t = &s.table;
    let method = if zh {
        t.method.describe_zh()
    } else {
        t.method.describe_en()
    };
    l.line(
        &if zh {
            format!("{} · 数据：{} · {method}", s.date, s.source)
        } else {
            format!("{} · Data: {} · {method}", s.date, s.source)
        },
        9.0,
        GREY,
    );
    // When the balance covers more than the parcels (the whole plan, with roads and
    // water), the headline gives its total first, so the two figures are not
    // mistaken for one another.
    let plan_total = s
        .balance
        .total
        .plan
        .filter(|c| cents(c.area_ha_rounded) != cents(t.total_area_ha_rounded));
    l.line(
        &match (zh, plan_total) {
            (true, Some(p)) => format!(
                "规划总用地 {:.2} 公顷（{:.2} 亩），其中地块 {} 个、{:.2} 公顷",
                p.area_ha_rounded, p.area_mu_rounded, t.features, t.total_area_ha_rounded
            ),
            (true, None) => format!(
                "共 {} 个地块，用地面积 {:.2} 公顷（{:.2} 亩）",
                t.features, t.total_area_ha_rounded, t.total_area_mu_rounded
            ),
            (false, Some(p)) => format!(
                "Planning area {:.2} ha ({:.2} mu), of which {} parcels, {:.2} ha",
                p.area_ha_rounded, p.area_mu_rounded, t.features, t.total_area_ha_rounded
            ),
            (false, None) => format!(
                "{} parcels, {:.2} ha ({:.2} mu)",
                t.features, t.total_area_ha_rounded, t.total_area_mu_rounded
            ),
        },
        10.0,
        INK,
    );
    l.gap(4.0);
    // The map: the selection's box, or the layer's when nothing has a geometry.
    let mut sorted: Vec<usize> = features.to_vec();
    sorted.sort_unstable();
    if let Some(bbox) = layer.bbox_of(&sorted).or_else(|| layer.bbox()) {
        let w = l.content_w();
        let h = (w * 0.62).min((l.bottom() - l.y) * 0.62);
        let pixmap = render_map(ctx, layer, &sorted, bbox, w, h, s.lang)?;
        let (x, y) = (l.margin, l.y);
        l.image(x, y, w, h, pdf_image(&pixmap));
        l.y += h + 6.0;
        // The legend: the classes of the balance table, in their colours.
        let size = 8.0;
        let entries: Vec<([u8; 3], String)> = t
            .groups
            .iter()
            .filter_map(|g| {
                let name = if zh { &g.name } else { &g.name_en };
                Some((
                    g.rgb?,
                    format!("{} {}", g.key, name.as_deref().unwrap_or("")),
                ))
            })
            .collect();
        if !entries.is_empty() {
            let cell_w = entries
                .iter()
                .map(|(_, t)| l.text_w(t, size) + size * 2.4)
                .fold(0.0, f32::max)
                .min(l.content_w() / 2.0);
            let per_row = ((l.content_w() / cell_w).floor() as usize).max(1);
            let row_h = size * 1.6;
            l.ensure(row_h * 2.0);
            let (x, y) = (l.margin, l.y);
            l.text_at(x, y, size + 1.0, INK, if zh { "图例" } else { "Legend" });
            l.y += row_h;
            for chunk in entries.chunks(per_row) {
                l.ensure(row_h);
                for (k, (rgb, text)) in chunk.iter().enumerate() {
                    let x = l.margin + k as f32 * cell_w;
                    let y = l.y;
                    l.push(Op::Rect {
                        x,
                        y: y + 1.0,
                        w: size * 1.4,
                        h: size * 0.9,
                        fill: Some(*rgb),
                        stroke: Some((GREY, 0.3)),
                    });
                    let t = l.fit_text(text, size, cell_w - size * 2.2);
                    l.text_at(x + size * 1.8, y, size, INK, &t);
                }
                l.y += row_h;
            }
        }
    }
    progress.step()?;
    // The balance table: the plan's (over the whole planning area when the
    // report covers a project's plan), with its levels, subtotals and notes.
    balance_table(&mut l, &s.balance, zh, 8.5);
    let bt = &s.balance;
    // The indicators, each with how it is obtained.
    let rows = crate::stats::indicator_rows(&bt.indicators, zh);
    if !rows.is_empty() {
        // On one page, like the balance table.
        l.ensure(13.0 * 1.6 + 4.0 + (rows.len() as f32 + 1.0) * 8.5 * 1.7 + 8.0);
        l.heading(if zh { "规划指标" } else { "Indicators" });
        let (a, b, c, d) = if zh {
            ("指标", "数值", "单位", "口径")
        } else {
            ("Indicator", "Value", "Unit", "Basis")
        };
        l.table(&Table {
            columns: vec![
                col(a, Align::Left, 110.0),
                col(b, Align::Right, 70.0),
                col(c, Align::Left, 40.0),
                col(d, Align::Left, 300.0),
            ],
            rows: rows
                .iter()
                .map(|r| {
                    vec![
                        r.label.to_string(),
                        num(r.value, r.decimals),
                        r.unit.to_string(),
                        r.basis.clone(),
                    ]
                })
                .collect(),
            swatches: Vec::new(),
            continues: None,
            total: None,
            size: 8.5,
        });
    }
    progress.step()?;
    // The parcel list.
    l.heading(&if zh {
        format!("地块清单（{} 个）", s.parcels.len())
    } else {
        format!("Parcels ({})", s.parcels.len())
    });
    let heads = parcel_headings(s.lang);
    let widths = [
        70.0, 44.0, 90.0, 64.0, 50.0, 56.0, 36.0, 40.0, 36.0, 36.0, 40.0, 80.0, 110.0,
    ];
    let numeric = [
        false, false, false, true, true, true, true, true, true, true, false, false, false,
    ];
    l.table(&Table {
        columns: heads
            .iter()
            .zip(widths)
            .zip(numeric)
            .map(|((h, w), n)| col(h, if n { Align::Right } else { Align::Left }, w))
            .collect(),
        rows: s
            .parcels
            .iter()
            .map(|p| {
                vec![
                    p.id.clone(),
                    p.code.clone(),
                    p.class_name.clone(),
                    num(p.area_m2, 1),
                    num(p.area_ha(), 4),
                    num(p.area_mu(), 2),
                    opt_num(p.far, 2),
                    opt_num(p.density, 1),
                    opt_num(p.green, 1),
                    opt_num(p.height_m, 0),
                    p.status.clone(),
                    p.park.clone(),
                    p.enterprise.clone(),
                ]
            })
            .collect(),
        swatches: Vec::new(),
        continues: Some(if zh {
            "地块清单".into()
        } else {
            "Parcels".into()
        }),
        total: None,
        size: if setup.landscape || setup.paper == Paper::A3 {
            8.0
        } else {
            6.5
        },
    });
    l.footers(&s.title, s.lang);
    progress.step()?;
    Ok(l)
}

/// The box a card's close-up shows: the parcel with its neighbours, at least 400 m
/// across.
fn close_up_box(bbox: Rect<f64>) -> Rect<f64> {
    let c = bbox.center();
    let plane = LocalPlane::new(c);
    let (min_dx, min_dy) = plane.degrees_for(200.0);
    let hx = (bbox.width() * 0.9).max(min_dx);
    let hy = (bbox.height() * 0.9).max(min_dy);
    crate::model::rect_grown(Rect::new(c, c), hx, hy)
}

/// The outline of a parcel's rings in page points, through a map's fit.
fn outline_on_page(g: &Geometry<f64>, fit: &Fit, x0: f32, y0: f32, k: f32) -> Vec<Vec<(f32, f32)>> {
    let mut out = Vec::new();
    let mut ring = |ls: &geo::LineString<f64>| {
        out.push(
            ls.0.iter()
                .map(|c| {
                    let (px, py) = fit.to_px(*c);
                    (x0 + px * k, y0 + py * k)
                })
                .collect(),
        );
    };
    match g {
        Geometry::Polygon(p) => ring(p.exterior()),
        Geometry::MultiPolygon(mp) => mp.0.iter().for_each(|p| ring(p.exterior())),
        _ => {}
    }
    out
}

/// Lays out one page (or more, when its tables run long) per card.
#[allow(clippy::too_many_arguments)]
pub fn cards_layout(
    cards: &[Card],
    layer: &Layer,
    ctx: &MapContext,
    setup: PageSetup,
    title: &str,
    date: &str,
    lang: ReportLang,
    progress: &Progress,
) -> Result<Layout, ReportError> {
    let zh = lang == ReportLang::Zh;
    let mut l = Layout::new(setup);
    progress.set_total(cards.len() + 1);
    let gap = 10.0;
    let map_w = (l.content_w() - gap) / 2.0;
    let map_h = if setup.landscape {
        map_w * 0.55
    } else {
        map_w * 0.8
    };
    // The location map is the same for every card: drawn once, shared by every page
    // (krilla writes one image object for equal images), with each card's parcel
    // marked on it in vector.
    let district = layer.bbox();
    let overview = match district {
        Some(b) => Some((
            pdf_image(&render_map(ctx, layer, &[], b, map_w, map_h, lang)?),
            Fit::new(b, px(map_w), px(map_h)),
        )),
        None => None,
    };
    // Close-ups are drawn in parallel, a batch at a time to bound memory.
    const BATCH: usize = 16;
    let mut first = true;
    for batch in cards.chunks(BATCH) {
        let close_ups: Vec<Option<Image>> = batch
            .par_iter()
            .map(|c| {
                let Some(b) = c.bbox else { return Ok(None) };
                let selected = [c.parcel.feature];
                let pm = render_map(ctx, layer, &selected, close_up_box(b), map_w, map_h, lang)?;
                Ok(Some(pdf_image(&pm)))
            })
            .collect::<Result<_, ReportError>>()?;
        for (c, close_up) in batch.iter().zip(close_ups) {
            if !first {
                l.new_page();
            }
            first = false;
            card_page(
                &mut l,
                c,
                layer,
                overview.as_ref(),
                close_up,
                (map_w, map_h, gap),
                title,
                date,
                zh,
            );
            progress.step()?;
        }
    }
    l.footers(title, lang);
    Ok(l)
}

#[allow(clippy::too_many_arguments)]
fn card_page(
    l: &mut Layout,
    c: &Card,
    layer: &Layer,
    overview: Option<&(Image, Fit)>,
    close_up: Option<Image>,
    (map_w, map_h, gap): (f32, f32, f32),
    title: &str,
    date: &str,
    zh: bool,
) {
    let p = &c.parcel;
    l.line(
        &if zh {
            format!("地块报告卡　{}", p.id)
        } else {
            format!("Parcel report card: {}", p.id)
        },
        16.0,
        INK,
    );
    l.line(
        &format!("{} {} · {title} · {date}", p.code, p.class_name),
        9.0,
        GREY,
    );
    l.gap(4.0);
    // The two maps, captioned.
    let (x0, y0) = (l.margin, l.y);
    let x1 = x0 + map_w + gap;
    l.text_at(x0, y0, 9.0, INK, if zh { "区位图" } else { "Location" });
    l.text_at(x1, y0, 9.0, INK, if zh { "地块详图" } else { "Close-up" });
    let ym = y0 + 9.0 * 1.6;
    if let Some((image, fit)) = overview {
        l.image(x0, ym, map_w, map_h, image.clone());
        // The parcel's outline, and a ring around it so a small parcel shows.
        let k = map_w / px(map_w) as f32;
        if let Some(Some(g)) = layer.geometries.get(p.feature) {
            for ring in outline_on_page(g, fit, x0, ym, k) {
                l.push(Op::Path {
                    points: ring,
                    close: true,
                    fill: Some(MARK),
                    stroke: Some((MARK, 0.8)),
                });
            }
            if let Some(b) = g.bounding_rect() {
                let (cx, cy) = fit.to_px(b.center());
                let (cx, cy) = (x0 + cx * k, ym + cy * k);
                // Cross hairs across the map and a haloed ring: a locator that reads
                // at a glance among the map's own symbols.
                for points in [
                    vec![(x0, cy), (x0 + map_w, cy)],
                    vec![(cx, ym), (cx, ym + map_h)],
                ] {
                    l.push(Op::Path {
                        points,
                        close: false,
                        fill: None,
                        stroke: Some((MARK, 0.6)),
                    });
                }
                let r = 8.0;
                let ring: Vec<(f32, f32)> = (0..32)
                    .map(|i| {
                        let a = i as f32 / 32.0 * std::f32::consts::TAU;
                        (cx + r * a.cos(), cy + r * a.sin())
                    })
                    .collect();
                for stroke in [([255, 255, 255], 3.6), (MARK, 1.8)] {
                    l.push(Op::Path {
                        points: ring.clone(),
                        close: true,
                        fill: None,
                        stroke: Some(stroke),
                    });
                }
            }
        }
    }
    if let Some(image) = close_up {
        l.image(x1, ym, map_w, map_h, image);
    }
    l.y = ym + map_h + 8.0;
    // Regulatory attributes, two pairs to a row.
    l.heading(if zh {
        "规划控制指标"
    } else {
        "Regulatory attributes"
    });
    let pairs: Vec<(&str, String)> = if zh {
        vec![
            ("地块编号", p.id.clone()),
            ("用地性质", format!("{} {}", p.code, p.class_name)),
            ("用地面积(m²)", num(p.area_m2, 2)),
            ("用地面积(公顷)", num(p.area_ha(), 4)),
            ("用地面积(亩)", num(p.area_mu(), 2)),
            ("容积率", opt_num(p.far, 2)),
            ("建筑密度(%)", opt_num(p.density, 1)),
            ("绿地率(%)", opt_num(p.green, 1)),
            ("限高(m)", opt_num(p.height_m, 0)),
            ("状态", p.status.clone()),
            ("所属园区", p.park.clone()),
            ("企业名称", p.enterprise.clone()),
        ]
    } else {
        vec![
            ("Parcel", p.id.clone()),
            ("Land use", format!("{} {}", p.code, p.class_name)),
            ("Area (m²)", num(p.area_m2, 2)),
            ("Area (ha)", num(p.area_ha(), 4)),
            ("Area (mu)", num(p.area_mu(), 2)),
            ("FAR", opt_num(p.far, 2)),
            ("Building density (%)", opt_num(p.density, 1)),
            ("Green ratio (%)", opt_num(p.green, 1)),
            ("Height limit (m)", opt_num(p.height_m, 0)),
            ("Status", p.status.clone()),
            ("Park", p.park.clone()),
            ("Enterprise", p.enterprise.clone()),
        ]
    };
    let half = l.content_w() / 2.0;
    l.table(&Table {
        columns: vec![
            col(if zh { "项目" } else { "Item" }, Align::Left, half * 0.4),
            col(if zh { "数值" } else { "Value" }, Align::Left, half * 0.6),
            col(if zh { "项目" } else { "Item" }, Align::Left, half * 0.4),
            col(if zh { "数值" } else { "Value" }, Align::Left, half * 0.6),
        ],
        rows: pairs
            .chunks(2)
            .map(|ch| {
                ch.iter()
                    .flat_map(|(k, v)| [k.to_string(), v.clone()])
                    .collect()
            })
            .collect(),
        swatches: Vec::new(),
        continues: None,
        total: None,
        size: 9.0,
    });
    // Boundary points, in as many column groups as fit (three on a portrait A4).
    l.heading(&if zh {
        format!(
            "界址点（{} 个；CGCS2000 高斯-克吕格 3° 带，中央经线 {}°E，X 北 Y 东，单位 m）",
            c.boundary.len(),
            super::CARD_CM_DEG
        )
    } else {
        format!(
            "Boundary points ({}; CGCS2000 Gauss-Krüger 3° zone, CM {}°E, X north, Y east, metres)",
            c.boundary.len(),
            super::CARD_CM_DEG
        )
    });
    let groups = ((l.content_w() / 170.0).floor() as usize).clamp(1, 4);
    let per = c.boundary.len().div_ceil(groups).max(1);
    let mut columns = Vec::new();
    for _ in 0..groups {
        columns.push(col(if zh { "点号" } else { "Point" }, Align::Left, 34.0));
        columns.push(col("X", Align::Right, 68.0));
        columns.push(col("Y", Align::Right, 68.0));
    }
    let rows: Vec<Vec<String>> = (0..per)
        .map(|r| {
            (0..groups)
                .flat_map(|g| match c.boundary.get(g * per + r) {
                    Some(b) => [b.label.clone(), num(b.x_north_m, 3), num(b.y_east_m, 3)],
                    None => [String::new(), String::new(), String::new()],
                })
                .collect()
        })
        .collect();
    l.table(&Table {
        columns,
        rows,
        swatches: Vec::new(),
        continues: None,
        total: None,
        size: 7.5,
    });
    // Facilities within 1,000 m.
    l.heading(if zh {
        "周边公共设施（1000 m 内）"
    } else {
        "Public facilities within 1,000 m"
    });
    if c.facilities.is_empty() {
        l.line(
            if zh {
                "1000 m 内没有公共设施。"
            } else {
                "No public facility within 1,000 m."
            },
            9.0,
            GREY,
        );
    } else {
        let (a, b, d, e) = if zh {
            ("名称", "类型", "距离(m)", "500 m 内")
        } else {
            ("Name", "Kind", "Distance (m)", "Within 500 m")
        };
        l.table(&Table {
            columns: vec![
                col(a, Align::Left, 220.0),
                col(b, Align::Left, 120.0),
                col(d, Align::Right, 70.0),
                col(e, Align::Left, 60.0),
            ],
            rows: c
                .facilities
                .iter()
                .map(|f| {
                    vec![
                        f.name.clone(),
                        f.kind.clone(),
                        num(f.distance_m, 0),
                        if f.distance_m <= 500.0 {
                            if zh { "是" } else { "yes" }
                        } else {
                            ""
                        }
                        .to_string(),
                    ]
                })
                .collect(),
            swatches: Vec::new(),
            continues: None,
            total: None,
            size: 8.5,
        });
    }
}

/// One slide of a handout: a title, a caption and the map as the slide shows it.
pub struct HandoutSlide<'a> {
    pub title: String,
    pub caption: String,
    pub bbox: Rect<f64>,
    /// The layers shown, bottom to top, with their highlighted features.
    pub layers: Vec<ImageLayer<'a>>,
    /// The balance a slide that shows statistics prints on a page after it.
    pub balance: Option<crate::stats::BalanceTable>,
}

impl Layout {
    /// A paragraph wrapped to the content width: at spaces for Latin text and
    /// between any two characters for Chinese, which has no spaces.
    fn paragraph(&mut self, text: &str, size: f32, rgb: [u8; 3]) {
        let max_w = self.content_w();
        let mut line = String::new();
        let mut word = String::new();
        let flush = |me: &mut Layout, line: &mut String| {
            me.line(line.trim_end(), size, rgb);
            line.clear();
        };
        for c in text.chars() {
            word.push(c);
            // A word ends at a space or at any CJK character.
            if c == ' ' || !c.is_ascii() {
                if self.text_w(&format!("{line}{word}"), size) > max_w && !line.is_empty() {
                    flush(self, &mut line);
                }
                line.push_str(&word);
                word.clear();
            }
        }
        if self.text_w(&format!("{line}{word}"), size) > max_w && !line.is_empty() {
            flush(self, &mut line);
        }
        line.push_str(&word);
        if !line.trim().is_empty() {
            flush(self, &mut line);
        }
    }
}

/// Lays out a handout: one page a slide, with its title, its map (legend, scale bar
/// and north arrow drawn on it) and its caption. The maps are drawn in parallel.
pub fn handout_layout(
    slides: &[HandoutSlide],
    basemap: Option<&crate::render::Basemap>,
    setup: PageSetup,
    title: &str,
    lang: ReportLang,
    progress: &Progress,
) -> Result<Layout, ReportError> {
    let mut l = Layout::new(setup);
    progress.set_total(slides.len() + 1);
    let w = l.content_w();
    // Room for the title above and three lines of caption below.
    let h =
        (l.bottom() - l.margin - 20.0 * 1.45 - 9.0 * 1.45 - 11.0 * 1.45 * 3.0 - 16.0).max(100.0);
    let images: Vec<Image> = slides
        .par_iter()
        .map(|s| {
            let image = MapImage {
                layers: s
                    .layers
                    .iter()
                    .map(|il| ImageLayer {
                        layer: il.layer,
                        style: il.style,
                        selected: il.selected,
                    })
                    .collect(),
                basemap,
                bbox: s.bbox,
                width_px: px(w),
                height_px: px(h),
                dpi: MAP_DPI,
                title: None,
                chinese: lang == ReportLang::Zh,
                legend: true,
            };
            map_image::render(&image)
                .map(|pm| pdf_image(&pm))
                .map_err(|e| ReportError::Render(e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    for (k, (s, image)) in slides.iter().zip(images).enumerate() {
        if k > 0 {
            l.new_page();
        }
        l.line(&s.title, 20.0, INK);
        l.line(
            &match lang {
                ReportLang::Zh => format!("{title} · 第 {} 张,共 {} 张", k + 1, slides.len()),
                ReportLang::En => format!("{title} · slide {} of {}", k + 1, slides.len()),
            },
            9.0,
            GREY,
        );
        l.gap(4.0);
        let (x, y) = (l.margin, l.y);
        l.image(x, y, w, h, image);
        l.y += h + 8.0;
        l.paragraph(&s.caption, 11.0, INK);
        if let Some(bt) = &s.balance {
            l.new_page();
            l.line(&s.title, 16.0, INK);
            // Handed out at a briefing: larger type than the report's.
            balance_table(&mut l, bt, lang == ReportLang::Zh, 11.0);
        }
        progress.step()?;
    }
    l.footers(title, lang);
    Ok(l)
}

fn fill_of(rgb: [u8; 3]) -> Fill {
    Fill {
        paint: rgb::Color::new(rgb[0], rgb[1], rgb[2]).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

fn stroke_of((rgb, width): ([u8; 3], f32)) -> Stroke {
    Stroke {
        paint: rgb::Color::new(rgb[0], rgb[1], rgb[2]).into(),
        width,
        ..Stroke::default()
    }
}

/// Fills and strokes a path (either may be absent).
fn paint(
    surface: &mut krilla::surface::Surface,
    pb: PathBuilder,
    fill: Option<[u8; 3]>,
    stroke: Option<([u8; 3], f32)>,
) {
    if let Some(path) = pb.finish() {
        surface.set_fill(fill.map(fill_of));
        surface.set_stroke(stroke.map(stroke_of));
        surface.draw_path(&path);
    }
}

/// Writes laid-out pages as a PDF document.
pub fn write_pdf(layout: &Layout, title: &str, lang: ReportLang) -> Result<Vec<u8>, ReportError> {
    let font = Font::new(CJK_FONT.into(), 0)
        .ok_or_else(|| ReportError::Pdf("the bundled font cannot be read".to_string()))?;
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(title.to_string())
            .creator("parcelview".to_string())
            .language(match lang {
                ReportLang::Zh => "zh-CN".to_string(),
                ReportLang::En => "en".to_string(),
            }),
    );
    let size_err = || ReportError::Pdf("page size out of range".to_string());
    for ops in &layout.pages {
        let settings = PageSettings::from_wh(layout.page_w, layout.page_h).ok_or_else(size_err)?;
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    rgb,
                    text,
                } => {
                    surface.set_stroke(None);
                    surface.set_fill(Some(fill_of(*rgb)));
                    surface.draw_text(
                        Point::from_xy(*x, *y),
                        font.clone(),
                        *size,
                        text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Rect {
                    x,
                    y,
                    w,
                    h,
                    fill,
                    stroke,
                } => {
                    let mut pb = PathBuilder::new();
                    if *h == 0.0 {
                        pb.move_to(*x, *y);
                        pb.line_to(x + w, *y);
                    } else if let Some(r) = krilla::geom::Rect::from_xywh(*x, *y, *w, *h) {
                        pb.push_rect(r);
                    }
                    paint(&mut surface, pb, *fill, *stroke);
                }
                Op::Path {
                    points,
                    close,
                    fill,
                    stroke,
                } => {
                    let mut pb = PathBuilder::new();
                    for (k, (px, py)) in points.iter().enumerate() {
                        if k == 0 {
                            pb.move_to(*px, *py);
                        } else {
                            pb.line_to(*px, *py);
                        }
                    }
                    if *close {
                        pb.close();
                    }
                    paint(&mut surface, pb, *fill, *stroke);
                }
                Op::Image { x, y, w, h, image } => {
                    if let Some(size) = Size::from_wh(*w, *h) {
                        surface.push_transform(&Transform::from_translate(*x, *y));
                        surface.draw_image(image.clone(), size);
                        surface.pop();
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| ReportError::Pdf(format!("{e:?}")))
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

    #[test]
    fn long_text_is_shortened_to_fit() {
        let l = Layout::new(PageSetup::default());
        let t = l.fit_text("嘉兴市秀洲区空港新城光电产业园", 10.0, 60.0);
        assert!(t.ends_with('…'), "{t}");
        assert!(l.text_w(&t, 10.0) <= 60.0 + 1e-3);
        assert_eq!(l.fit_text("J1", 10.0, 60.0), "J1");
    }
}
