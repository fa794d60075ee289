//! The briefing handout: one page a slide with its title, map and caption, and
//! the balance of a slide that shows statistics.

use geo::Rect;
use krilla::image::Image;
use rayon::prelude::*;

use super::chart::structure_chart;
use super::layout::Layout;
use super::sheet::{Entry, legend, legend_height};
use super::summary::{balance_table, balance_table_of};
use super::{GREY, INK, MAP_DPI, PageSetup, pdf_image, px};
use crate::render::map_image::{self, ImageLayer, MapImage};
use crate::report::{Progress, ReportError, ReportLang};

/// One slide of a handout: a title, a caption and the map as the slide shows it.
pub struct HandoutSlide<'a> {
    pub title: String,
    pub caption: String,
    pub bbox: Rect<f64>,
    /// The maps of the slide, left to right: one, or two side by side when the
    /// slide compares two layers (现状 | 规划), each with its caption and its layers
    /// bottom to top with their highlighted features.
    pub panels: Vec<(Option<String>, Vec<ImageLayer<'a>>)>,
    /// Everything but the selection is dimmed, as the briefing's spotlight does.
    pub spotlight: bool,
    /// The balance a slide that shows statistics prints on a page after it.
    pub balance: Option<crate::stats::BalanceTable>,
}

/// Lays out a handout: one page a slide, with its title, its map (legend, scale bar
/// and north arrow drawn on it) and its caption. The maps are drawn in parallel.
pub fn handout_layout(
    slides: &[HandoutSlide],
    basemap: Option<&crate::render::Basemap>,
    setup: PageSetup,
    title: &str,
    footnote: Option<&str>,
    lang: ReportLang,
    progress: &Progress,
) -> Result<Layout, ReportError> {
    let mut l = Layout::new(setup);
    progress.set_total(slides.len() + 1);
    let full_w = l.content_w();
    let gap = 6.0 * super::MM;
    // Room for the title above and three lines of caption below.
    let h =
        (l.bottom() - l.margin - 20.0 * 1.45 - 9.0 * 1.45 - 11.0 * 1.45 * 3.0 - 16.0).max(100.0);
    let panel_w = |n: usize| (full_w - gap * n.saturating_sub(1) as f32) / n.max(1) as f32;
    // Each slide's legend, laid out under its maps in the flow (vector, never over
    // the map's north arrow or scale bar): what its panels draw in its view, each
    // entry once. The maps give up the legend's height.
    let zh = lang == ReportLang::Zh;
    let legends: Vec<Vec<Entry>> = slides
        .iter()
        .map(|s| {
            let mut seen: Vec<String> = Vec::new();
            let mut out = Vec::new();
            let base = crate::render::legend::basemap_entries(basemap, s.bbox, zh);
            let drawn = s
                .panels
                .iter()
                .flat_map(|(_, layers)| crate::render::legend::legend_entries(layers, s.bbox, zh));
            for e in base.into_iter().chain(drawn) {
                if !seen.contains(&e.label) {
                    seen.push(e.label.clone());
                    out.push(Entry::from(e));
                }
            }
            out
        })
        .collect();
    // A slide of one map keeps its legend in a column right of the map when the
    // column holds it, so the map keeps the page's height; otherwise, and for the
    // two maps of a compare slide, the legend runs under the maps.
    let side_w = (full_w * 0.3).round();
    let plans: Vec<(bool, f32)> = slides
        .iter()
        .zip(&legends)
        .map(|(s, entries)| {
            let mut probe = Layout::new(setup);
            let m = probe.margin;
            probe.set_column(m, side_w, m);
            let beside = s.panels.len() == 1 && legend_height(&probe, entries) <= h;
            if beside {
                (true, h)
            } else {
                (false, (h - legend_height(&l, entries)).max(150.0))
            }
        })
        .collect();
    let maps_w = |k: usize, n: usize| match plans.get(k) {
        Some((true, _)) => full_w - side_w - gap,
        _ => panel_w(n),
    };
    // Every panel of every slide, drawn in parallel.
    let jobs: Vec<(usize, usize)> = slides
        .iter()
        .enumerate()
        .flat_map(|(k, s)| (0..s.panels.len()).map(move |p| (k, p)))
        .collect();
    // Each map's raster, with its overlay (symbols, labels, legend, scale bar and
    // north arrow) as vector shapes and the points a pixel spans.
    type Drawn = (Image, Vec<crate::render::canvas::Shape>, f32);
    let images: Vec<Drawn> = jobs
        .par_iter()
        .map(|&(k, p)| {
            let (s, layers) = match slides.get(k).and_then(|s| Some((s, &s.panels.get(p)?.1))) {
                Some(x) => x,
                None => return Err(ReportError::Render("slide out of range".to_string())),
            };
            let h = plans.get(k).map_or(h, |p| p.1);
            let (w, h) = (
                maps_w(k, s.panels.len()),
                if s.panels.len() > 1 { h - 14.0 } else { h },
            );
            let image = MapImage {
                layers: layers
                    .iter()
                    .map(|il| ImageLayer {
                        layer: il.layer,
                        style: il.style.clone(),
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
                legend: false,
                spotlight: s.spotlight,
                sheet: map_image::SheetInfo {
                    vector_overlay: true,
                    ..Default::default()
                },
            };
            let k = w / image.width_px.max(1) as f32;
            map_image::render_with_overlay(&image)
                .map(|(pm, ov)| (pdf_image(&pm), ov.shapes, k))
                .map_err(|e| ReportError::Render(e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    let mut images = images.into_iter();
    for (k, s) in slides.iter().enumerate() {
        if k > 0 {
            l.new_page();
        }
        l.bookmark(&s.title);
        l.paragraph(&s.title, 20.0, INK);
        l.line(
            &match lang {
                ReportLang::Zh => format!("{title} · 第 {} 张，共 {} 张", k + 1, slides.len()),
                ReportLang::En => format!("{title} · slide {} of {}", k + 1, slides.len()),
            },
            9.0,
            GREY,
        );
        l.gap(4.0);
        let n = s.panels.len();
        let w = maps_w(k, n);
        let y = l.y;
        let (beside, h) = plans.get(k).copied().unwrap_or((false, h));
        for (p, (caption, _)) in s.panels.iter().enumerate() {
            let x = l.margin + p as f32 * (w + gap);
            let mut top = y;
            if n > 1 {
                l.text_at(x, y, 11.0, INK, caption.as_deref().unwrap_or(""));
                top += 14.0;
            }
            if let Some((image, shapes, k)) = images.next() {
                l.image(x, top, w, y + h - top, image);
                l.push(super::Op::Shapes {
                    x,
                    y: top,
                    k,
                    shapes,
                });
            }
        }
        if let Some(entries) = legends.get(k) {
            if beside {
                let m = l.margin;
                l.set_column(m + w + gap, side_w, y);
                legend(&mut l, entries, zh);
                l.set_column(m, full_w, y + h + 6.0);
            } else {
                l.y = y + h + 6.0;
                legend(&mut l, entries, zh);
            }
        }
        l.paragraph(&s.caption, 11.0, INK);
        if let Some(bt) = &s.balance {
            l.new_page();
            l.line(&s.title, 16.0, INK);
            balance_page(&mut l, bt, zh);
        }
        progress.step()?;
    }
    l.footnote = footnote.map(str::to_string);
    l.footers(title, lang);
    Ok(l)
}

/// A slide's balance page: the table on the left in a briefing's larger type, and
/// the structure chart in the room to its right (or under it, when the table takes
/// the page's width), so the page reads as a whole rather than half empty.
fn balance_page(l: &mut Layout, bt: &crate::stats::BalanceTable, zh: bool) {
    // Handed out at a briefing: larger type than the report's.
    let size = 11.0;
    let gap = 10.0 * super::MM;
    let (x0, y0) = (l.margin, l.y);
    let full_w = l.content_w();
    let table_w = l.table_width(&balance_table_of(bt, zh, size));
    let beside_w = full_w - table_w - gap;
    if beside_w >= 200.0 {
        l.set_column(x0, table_w, y0);
        balance_table(l, bt, zh, size);
        let table_h = l.y - y0;
        let chart_h = (l.bottom() - y0).min(table_h.max(0.5 * (l.bottom() - y0)));
        structure_chart(l, bt, zh, (x0 + table_w + gap, y0 + 4.0, beside_w, chart_h));
        l.set_column(x0, full_w, l.y);
    } else {
        balance_table(l, bt, zh, size);
        let (y, room) = (l.y + 8.0, l.bottom() - l.y - 8.0);
        let used = structure_chart(l, bt, zh, (x0, y, full_w.min(480.0), room.min(260.0)));
        l.y = y + used;
    }
}
