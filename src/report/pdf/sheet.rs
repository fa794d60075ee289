//! The map sheet of a report page: the map itself, its legend and its title block
//! (图名, 编制单位, 日期, 图号, 数据来源, 面积口径 and the disclaimer).

use geo::Rect;

use super::layout::Layout;
use super::{GREY, INK, Op, RULE, pdf_image, px};
use crate::model::Layer;
use crate::render::legend::{LegendEntry, Swatch, swatch_shapes};
use crate::render::map_image::{self, SheetInfo};
use crate::report::{MapContext, ReportError, ReportLang};

/// One legend line: a swatch (a fill, a dashed or solid line, or a facility
/// symbol) and its label.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub swatch: Swatch,
    pub label: String,
    /// The layer the entry belongs to when it is one of a layer's classes (水系,
    /// 道路, 地块): the legend heads each group with it.
    pub group: Option<String>,
}

impl From<LegendEntry> for Entry {
    fn from(e: LegendEntry) -> Entry {
        Entry {
            swatch: e.swatch,
            label: e.label,
            group: e.group,
        }
    }
}

/// Draws a report map into (`x`, `y`, `w`, `h`) points, framed, and returns the
/// legend of what it shows: every drawn layer, the land-use classes and facility
/// types in view, in drawing order. The map is a raster; its symbols, labels,
/// scale bar and north arrow are drawn over it as vectors (real text and paths),
/// laid out by the same code that paints them into a PNG.
pub(crate) fn map_figure(
    l: &mut Layout,
    ctx: &MapContext,
    layer: &Layer,
    selected: &[usize],
    bbox: Rect<f64>,
    (x, y, w, h): (f32, f32, f32, f32),
    lang: ReportLang,
) -> Result<Vec<Entry>, ReportError> {
    let width_px = px(w);
    // The legend is laid out in the page's flow, beside or under the map.
    let image = super::report_map(ctx, layer, selected, bbox, (w, h), lang, true);
    let (pixmap, overlay) =
        map_image::render_with_overlay(&image).map_err(|e| ReportError::Render(e.to_string()))?;
    place_map(
        l,
        pdf_image(&pixmap),
        overlay.shapes,
        width_px,
        (x, y, w, h),
    );
    Ok(overlay.legend.into_iter().map(Entry::from).collect())
}

/// Places a map rendered with [`SheetInfo::vector_overlay`] at (`x`, `y`, `w`,
/// `h`) points: the raster, its overlay (symbols, labels, legend, scale bar,
/// north arrow) over it as vectors, `width_px` being the raster's width, and a
/// thin frame.
pub(crate) fn place_map(
    l: &mut Layout,
    image: krilla::image::Image,
    shapes: Vec<crate::render::canvas::Shape>,
    width_px: u32,
    (x, y, w, h): (f32, f32, f32, f32),
) {
    l.image(x, y, w, h, image);
    l.push(Op::Shapes {
        x,
        y,
        k: w / width_px.max(1) as f32,
        shapes,
    });
    l.push(Op::Rect {
        x,
        y,
        w,
        h,
        fill: None,
        stroke: Some((GREY, 0.5)),
    });
}

/// The legend's entries in runs of one group each, in order.
fn groups(entries: &[Entry]) -> Vec<(Option<&str>, &[Entry])> {
    let mut out: Vec<(Option<&str>, &[Entry])> = Vec::new();
    let mut start = 0;
    for k in 1..=entries.len() {
        let same = match (entries.get(k), entries.get(start)) {
            (Some(a), Some(b)) => a.group == b.group,
            _ => false,
        };
        if !same {
            if let Some(run) = entries.get(start..k) {
                let name = run.first().and_then(|e| e.group.as_deref());
                out.push((name, run));
            }
            start = k;
        }
    }
    out
}

/// The width of one legend cell and how many fit a row of the column.
fn legend_cells(l: &Layout, entries: &[Entry], size: f32) -> (f32, usize) {
    let cell_w = entries
        .iter()
        .map(|e| l.text_w(&e.label, size) + size * 2.4)
        .fold(0.0, f32::max)
        .min(l.content_w());
    let per_row = ((l.content_w() / cell_w.max(1.0)).floor() as usize).max(1);
    (cell_w, per_row)
}

/// The height [`legend`] takes in the column, in points.
pub(crate) fn legend_height(l: &Layout, entries: &[Entry]) -> f32 {
    if entries.is_empty() {
        return 0.0;
    }
    let size = 8.0;
    let (_, per_row) = legend_cells(l, entries, size);
    let rows: usize = groups(entries)
        .iter()
        .map(|(name, run)| run.len().div_ceil(per_row) + usize::from(name.is_some()))
        .sum();
    size * 1.6 * (rows + 1) as f32 + 4.0
}

/// Lays out a legend in the flow: swatches with their labels, as many to a row
/// as fit the column, a layer's classes under the layer's name.
pub(crate) fn legend(l: &mut Layout, entries: &[Entry], zh: bool) {
    if entries.is_empty() {
        return;
    }
    let size = 8.0;
    let (sw_w, sw_h) = (size * 1.4, size * 0.9);
    let (cell_w, per_row) = legend_cells(l, entries, size);
    let row_h = size * 1.6;
    l.ensure(row_h * 2.0);
    let (x, y) = (l.col_x, l.y);
    l.text_at(x, y, size + 1.0, INK, if zh { "图例" } else { "Legend" });
    l.y += row_h;
    for (name, run) in groups(entries) {
        if let Some(name) = name {
            l.ensure(row_h * 2.0);
            let (x, y) = (l.col_x, l.y);
            l.text_at(x, y, size, GREY, name);
            l.y += row_h;
        }
        for chunk in run.chunks(per_row) {
            l.ensure(row_h);
            for (k, e) in chunk.iter().enumerate() {
                let x = l.col_x + k as f32 * cell_w;
                let y = l.y;
                l.push(Op::Shapes {
                    x,
                    y: y + 1.0,
                    k: 1.0,
                    shapes: swatch_shapes(&e.swatch, (0.0, 0.0, sw_w, sw_h), 1.0),
                });
                l.text_at(x + size * 1.8, y, size, INK, &e.label);
            }
            l.y += row_h;
        }
    }
    l.gap(4.0);
}

const BLOCK_SIZE: f32 = 8.0;
const LABEL_W: f32 = 48.0;

/// The lines of each title-block row's value, at the column's width.
fn block_lines(
    l: &Layout,
    title: &str,
    sheet: &SheetInfo,
    zh: bool,
) -> Vec<(&'static str, Vec<String>)> {
    let value_w = l.content_w() - LABEL_W - 2.0 * BLOCK_SIZE * 0.5;
    crate::render::title_block::rows(title, sheet, zh)
        .into_iter()
        .map(|(k, v)| (k, l.wrap(v, BLOCK_SIZE, value_w)))
        .collect()
}

fn disclaimer_lines(l: &Layout, sheet: &SheetInfo) -> Vec<String> {
    sheet
        .disclaimer
        .as_deref()
        .map(|d| l.wrap(d, BLOCK_SIZE - 0.5, l.content_w() - BLOCK_SIZE))
        .unwrap_or_default()
}

/// The height of the title block at the column's width, in points.
pub(crate) fn title_block_height(l: &Layout, title: &str, sheet: &SheetInfo, zh: bool) -> f32 {
    let line_h = BLOCK_SIZE * 1.35;
    let rows: f32 = block_lines(l, title, sheet, zh)
        .iter()
        .map(|(_, v)| v.len().max(1) as f32 * line_h + BLOCK_SIZE * 0.6)
        .sum();
    let disclaimer = disclaimer_lines(l, sheet);
    let d = if disclaimer.is_empty() {
        0.0
    } else {
        disclaimer.len() as f32 * line_h + BLOCK_SIZE * 0.6
    };
    rows + d + 6.0
}

/// Lays out the title block in the flow: a ruled grid of label and value, the
/// disclaimer in small type under it.
pub(crate) fn title_block(l: &mut Layout, title: &str, sheet: &SheetInfo, zh: bool) {
    let line_h = BLOCK_SIZE * 1.35;
    let pad = BLOCK_SIZE * 0.5;
    let (x0, w) = (l.col_x, l.content_w());
    let top = l.y;
    for (label, lines) in block_lines(l, title, sheet, zh) {
        let h = lines.len().max(1) as f32 * line_h + BLOCK_SIZE * 0.6;
        let y = l.y;
        l.push(Op::Rect {
            x: x0,
            y,
            w: LABEL_W,
            h,
            fill: Some([236, 239, 243]),
            stroke: None,
        });
        l.text_at(
            x0 + pad,
            y + BLOCK_SIZE * 0.3 + (line_h - BLOCK_SIZE) / 2.0,
            BLOCK_SIZE,
            GREY,
            label,
        );
        for (n, line) in lines.iter().enumerate() {
            let ty = y + BLOCK_SIZE * 0.3 + n as f32 * line_h + (line_h - BLOCK_SIZE) / 2.0;
            l.text_at(x0 + LABEL_W + pad, ty, BLOCK_SIZE, INK, line);
        }
        l.push(Op::Rect {
            x: x0,
            y: y + h,
            w,
            h: 0.0,
            fill: None,
            stroke: Some((RULE, 0.5)),
        });
        l.y += h;
    }
    let disclaimer = disclaimer_lines(l, sheet);
    if !disclaimer.is_empty() {
        let y = l.y + BLOCK_SIZE * 0.3;
        for (n, line) in disclaimer.iter().enumerate() {
            l.text_at(
                x0 + pad,
                y + n as f32 * line_h,
                BLOCK_SIZE - 0.5,
                GREY,
                line,
            );
        }
        l.y += disclaimer.len() as f32 * line_h + BLOCK_SIZE * 0.6;
    }
    l.push(Op::Rect {
        x: x0,
        y: top,
        w,
        h: l.y - top,
        fill: None,
        stroke: Some((GREY, 0.8)),
    });
    l.gap(6.0);
}
