//! The selection summary: title, map with legend, the balance table, the
//! indicators and the parcel list.

use super::layout::{Align, Layout, Table, col};
use super::sheet::{legend, map_figure, title_block, title_block_height};
use super::{GREY, INK, MM, PageSetup, num, opt_num};
use crate::model::Layer;
use crate::render::map_image::SheetInfo;
use crate::report::{MapContext, Progress, ReportError, ReportLang, Summary, parcel_headings};

/// A balance table as a laid-out table: rows with finer levels indented, each
/// with its class colour, and the total.
pub(super) fn balance_table_of(bt: &crate::stats::BalanceTable, zh: bool, size: f32) -> Table {
    let title = if zh { &bt.title } else { &bt.title_en };
    let heads = bt.headings(zh);
    Table {
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
                typeset_minus(&mut cells);
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
            typeset_minus(&mut cells);
            cells
        }),
        size,
    }
}

/// Prints a decrease (增减) with a dash as wide as the plus rather than the hyphen
/// the figures carry for the spreadsheets, which parse them. The bundled font has
/// no minus sign (U+2212), so the en dash stands in for it, as typesetters do.
fn typeset_minus(cells: &mut [String]) {
    for c in cells.iter_mut().skip(2) {
        if let Some(rest) = c.strip_prefix('-') {
            *c = format!("\u{2013}{rest}");
        }
    }
}

/// The height a balance table takes with its heading, unit line and notes.
fn balance_height(l: &Layout, bt: &crate::stats::BalanceTable, zh: bool, size: f32) -> f32 {
    let notes = if zh { &bt.notes } else { &bt.notes_en };
    let note_lines: usize = notes
        .iter()
        .map(|n| l.wrap(&format!("注：{n}"), 8.0, l.content_w()).len())
        .sum();
    12.0 * 1.6
        + 4.0
        + 8.0 * 1.45
        + l.table_height(&balance_table_of(bt, zh, size))
        + note_lines as f32 * 8.0 * 1.45
}

/// Lays out a balance table: its title, unit line, rows with finer levels
/// indented, the total and the notes. The whole table goes on one page: a balance
/// table split across pages is hard to read and to paste into a plan text. When
/// the page cannot hold it at `size` points, the rows are set closer and then the
/// type smaller, down to 6.5 points (a plan text's 小六号), before it is allowed to
/// continue on the next page under its 「（续）」 heading.
pub(super) fn balance_table(l: &mut Layout, bt: &crate::stats::BalanceTable, zh: bool, size: f32) {
    let page_h = l.bottom() - l.margin;
    let chosen = balance_fit(l, bt, zh, size, page_h).unwrap_or((size.min(6.5), 0.12));
    draw_balance(l, bt, zh, chosen);
}

/// The type size and cell padding at which a balance table fits `room_h` points,
/// its natural setting first, then closer rows, then smaller type.
fn balance_fit(
    l: &mut Layout,
    bt: &crate::stats::BalanceTable,
    zh: bool,
    size: f32,
    room_h: f32,
) -> Option<(f32, f32)> {
    let saved_pad = l.cell_pad_em;
    let mut found = None;
    for (s, pad) in [
        (size, saved_pad),
        (size, 0.25),
        (size.min(8.0), 0.2),
        (size.min(7.5), 0.18),
        (size.min(7.0), 0.15),
        (size.min(6.5), 0.12),
    ] {
        l.cell_pad_em = pad;
        if balance_height(l, bt, zh, s) < room_h {
            found = Some((s, pad));
            break;
        }
    }
    l.cell_pad_em = saved_pad;
    found
}

/// Lays out a balance table at a type size and cell padding.
fn draw_balance(l: &mut Layout, bt: &crate::stats::BalanceTable, zh: bool, chosen: (f32, f32)) {
    let saved_pad = l.cell_pad_em;
    let page_h = l.bottom() - l.margin;
    let (size, pad) = chosen;
    l.cell_pad_em = pad;
    let needed = balance_height(l, bt, zh, size);
    if needed < page_h {
        l.ensure(needed);
    }
    let title = if zh { &bt.title } else { &bt.title_en };
    l.heading(title);
    l.line(if zh { &bt.unit } else { &bt.unit_en }, 8.0, GREY);
    l.table(&balance_table_of(bt, zh, size));
    l.cell_pad_em = saved_pad;
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

/// The indicators table, each indicator with how it is obtained.
fn indicator_table(bt: &crate::stats::BalanceTable, zh: bool) -> Option<Table> {
    let rows = crate::stats::indicator_rows(&bt.indicators, zh);
    if rows.is_empty() {
        return None;
    }
    let (a, b, c, d) = if zh {
        ("指标", "数值", "单位", "口径")
    } else {
        ("Indicator", "Value", "Unit", "Basis")
    };
    Some(Table {
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
    })
}

/// Lays out the indicators on one page, under their heading.
fn indicators(l: &mut Layout, bt: &crate::stats::BalanceTable, zh: bool) {
    if let Some(t) = indicator_table(bt, zh) {
        l.ensure(12.0 * 1.6 + 4.0 + l.table_height(&t));
        l.heading(if zh { "规划指标" } else { "Indicators" });
        l.table(&t);
    }
}

/// The parcel list's columns, widest first: every column, then without 面积(m²)
/// (the hectares carry four decimals, to the square metre), then without 亩 too.
/// The narrowest set whose words all fit is the one printed, so no code, status
/// or heading is cut.
fn parcel_table(l: &Layout, s: &Summary) -> (Table, Vec<String>) {
    let zh = s.lang == ReportLang::Zh;
    let heads = parcel_headings(s.lang);
    let widths = [
        70.0, 44.0, 90.0, 64.0, 50.0, 56.0, 36.0, 40.0, 36.0, 36.0, 40.0, 80.0, 110.0,
    ];
    let numeric = [
        false, false, false, true, true, true, true, true, true, true, false, false, false,
    ];
    let total_m2: f64 = s.parcels.iter().map(|p| p.area_m2).sum();
    let all_rows: Vec<Vec<String>> = s
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
        .collect();
    let total_row: Vec<String> = vec![
        if zh {
            format!("合计（{} 个）", s.parcels.len())
        } else {
            format!("Total ({})", s.parcels.len())
        },
        String::new(),
        String::new(),
        num(total_m2, 1),
        num(total_m2 / crate::stats::M2_PER_HA, 4),
        num(total_m2 / crate::stats::M2_PER_MU, 2),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    ];
    let size = 8.0;
    // How narrow each column's cells may be set before a row grows a line: ids,
    // codes and statuses stay whole (a status broken into one character a line is
    // unreadable), class and enterprise names wrap, but no narrower than a few
    // characters, so a row takes two lines at most.
    let min_w = |k: usize| match k {
        0 | 1 | 10 => f32::INFINITY,
        2 | 11 => 4.0 * size,
        12 => 6.0 * size,
        _ => 0.0,
    };
    let table_of = |drop: &[usize]| {
        let keep = |k: &usize| !drop.contains(k);
        let pick = |row: &Vec<String>| -> Vec<String> {
            row.iter()
                .enumerate()
                .filter(|(k, _)| keep(k))
                .map(|(_, c)| c.clone())
                .collect()
        };
        Table {
            columns: heads
                .iter()
                .zip(widths)
                .zip(numeric)
                .enumerate()
                .filter(|(k, _)| keep(k))
                .map(|(k, ((h, w), n))| {
                    let mut c = col(h, if n { Align::Right } else { Align::Left }, w);
                    c.min_w = min_w(k);
                    c
                })
                .collect(),
            rows: all_rows.iter().map(pick).collect(),
            swatches: Vec::new(),
            continues: Some(if zh {
                "地块清单".into()
            } else {
                "Parcels".into()
            }),
            total: Some(pick(&total_row)),
            size,
        }
    };
    // A text column with one value on every row (the park of a park's summary) is
    // said once above the list instead of on every row, giving its width to the
    // columns that differ.
    let constant: Vec<usize> = (10..13)
        .filter(|&k| {
            let mut values = all_rows.iter().map(|r| r.get(k));
            let first = values.next().flatten();
            all_rows.len() > 1 && values.all(|v| v == first)
        })
        .collect();
    let notes: Vec<String> = constant
        .iter()
        .filter_map(|&k| {
            let value = all_rows.first()?.get(k)?;
            let head = heads.get(k)?;
            (!value.is_empty()).then(|| {
                if zh {
                    format!("{head}：{value}")
                } else {
                    format!("{head}: {value}")
                }
            })
        })
        .collect();
    let with_constant =
        |drop: &[usize]| -> Vec<usize> { drop.iter().chain(&constant).copied().collect() };
    // The most columns that fit without breaking a word, unless giving up a column
    // shortens the list by more than a tenth (rows wrapped onto more lines).
    let choices: [&[usize]; 3] = [&[], &[3], &[3, 5]];
    let fitting: Vec<(Table, u64)> = choices
        .iter()
        .map(|drop| table_of(&with_constant(drop)))
        .filter(|t| l.table_fits(t))
        .map(|t| {
            let lines = l.table_lines(&t);
            (t, lines)
        })
        .collect();
    let fewest = fitting.iter().map(|(_, n)| *n).min().unwrap_or(0);
    let chosen = fitting
        .into_iter()
        .find(|(_, n)| *n as f64 <= fewest as f64 * 1.1)
        .map(|(t, _)| t)
        .unwrap_or_else(|| table_of(&with_constant(&[3, 5])));
    (chosen, notes)
}

/// Lays out a selection summary. On a portrait page the map comes first with its
/// legend and title block below it, then the balance table, the indicators and
/// the parcel list. A landscape page has its own layout: the map on the left, the
/// title, legend, balance table and title block on the right, and the other tables
/// on the pages after it.
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
    l.bookmark(&s.title);
    let t = &s.table;
    let sheet = SheetInfo {
        date: s.date.clone(),
        number: "01".to_string(),
        // Without a source from the project, the file's name: a reader of the
        // printed sheet has no use for the path on the machine that made it.
        source: if ctx.sheet.source.is_empty() {
            std::path::Path::new(&s.source)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| s.source.clone())
        } else {
            ctx.sheet.source.clone()
        },
        method: if zh {
            t.method.describe_zh()
        } else {
            t.method.describe_en()
        },
        ..ctx.sheet.clone()
    };
    // The map: the selection's box, or the layer's when nothing has a geometry.
    let mut sorted: Vec<usize> = features.to_vec();
    sorted.sort_unstable();
    let bbox = layer.bbox_of(&sorted).or_else(|| layer.bbox());
    let balance_size = 8.5;
    let mut balance_placed = false;
    if setup.landscape {
        // The map fills the left of the page, the right column holds the rest.
        let gap = 8.0 * MM;
        let (x0, y0) = (l.margin, l.margin);
        let map_w = (l.page_content_w() * 0.6).round();
        let map_h = l.bottom() - y0;
        let x1 = x0 + map_w + gap;
        let w1 = l.page_content_w() - map_w - gap;
        let mut entries = Vec::new();
        if let Some(bbox) = bbox {
            entries = map_figure(
                &mut l,
                ctx,
                layer,
                &sorted,
                bbox,
                (x0, y0, map_w, map_h),
                s.lang,
            )?;
        }
        l.set_column(x1, w1, y0);
        l.paragraph(&s.title, 16.0, INK);
        l.paragraph(&crate::report::headline(s), 9.5, INK);
        l.gap(4.0);
        legend(&mut l, &entries, zh);
        let block_h = title_block_height(&l, &s.title, &sheet, zh);
        // The balance table beside the map when the column holds it above the
        // title block.
        let room_h = l.bottom() - block_h - 8.0 - l.y;
        if let Some(chosen) = balance_fit(&mut l, &s.balance, zh, balance_size, room_h) {
            draw_balance(&mut l, &s.balance, zh, chosen);
            balance_placed = true;
        }
        let y = l.bottom() - block_h;
        l.y = l.y.max(y);
        title_block(&mut l, &s.title, &sheet, zh);
        l.new_page();
    } else {
        l.paragraph(&s.title, 18.0, INK);
        l.paragraph(&crate::report::headline(s), 10.0, INK);
        l.gap(4.0);
        if let Some(bbox) = bbox {
            let w = l.content_w();
            let h = (w * 0.62).min((l.bottom() - l.y) * 0.62);
            let (x, y) = (l.margin, l.y);
            let entries = map_figure(&mut l, ctx, layer, &sorted, bbox, (x, y, w, h), s.lang)?;
            l.y += h + 6.0;
            legend(&mut l, &entries, zh);
        }
        l.ensure(title_block_height(&l, &s.title, &sheet, zh));
        title_block(&mut l, &s.title, &sheet, zh);
    }
    progress.step()?;
    if !balance_placed {
        balance_table(&mut l, &s.balance, zh, balance_size);
    }
    indicators(&mut l, &s.balance, zh);
    progress.step()?;
    // The parcel list, on a page of its own when little room is left.
    l.ensure(120.0);
    l.heading(&if zh {
        format!("地块清单（{} 个）", s.parcels.len())
    } else {
        format!("Parcels ({})", s.parcels.len())
    });
    let (list, notes) = parcel_table(&l, s);
    for note in &notes {
        l.line(note, 9.0, INK);
    }
    // A long list is read row by row along the stripes; closer rows halve its pages.
    l.cell_pad_em = 0.25;
    l.table(&list);
    l.cell_pad_em = 0.45;
    l.footers(&s.title, s.lang);
    progress.step()?;
    Ok(l)
}
