//! The land-use structure chart (用地结构图): one bar a level-1 class, as long as
//! the class's share of the total, with the present state's share above it when the
//! balance has one. Handouts print it beside the balance table, where a briefing's
//! audience reads proportions faster than figures.

use super::layout::Layout;
use super::{GREY, INK, Op};
use crate::stats::{BalanceRow, BalanceTable, RowKind};

/// A class's colour halfway to white: the present state's bar, so the plan's bar
/// keeps the full colour the map paints.
fn faded([r, g, b]: [u8; 3]) -> [u8; 3] {
    let mix = |c: u8| ((u16::from(c) + 255) / 2) as u8;
    [mix(r), mix(g), mix(b)]
}

/// The rows the chart draws: the level-1 classes with an area, without the GB 50137
/// subtotal (城市建设用地), which would count its classes twice.
fn chart_rows(bt: &BalanceTable) -> Vec<&BalanceRow> {
    bt.rows
        .iter()
        .filter(|r| r.level == 1 && r.kind != RowKind::Subtotal)
        .filter(|r| {
            let share =
                |c: Option<crate::stats::BalanceCell>| c.map_or(0.0, |c| c.share_pct_rounded);
            share(r.plan) > 0.0 || share(r.present) > 0.0
        })
        .collect()
}

/// Draws the chart in the box at (`x`, `y`), `w` by `h` points, and returns the
/// height it took. Nothing is drawn when the box is too small to read.
pub(super) fn structure_chart(
    l: &mut Layout,
    bt: &BalanceTable,
    zh: bool,
    (x, y, w, h): (f32, f32, f32, f32),
) -> f32 {
    let rows = chart_rows(bt);
    let heading_h = 12.0 * 1.6;
    let key_h = if bt.has_present { 9.0 * 1.8 } else { 0.0 };
    if rows.is_empty() || w < 160.0 || h < heading_h + key_h + 60.0 {
        return 0.0;
    }
    let row_h =
        ((h - heading_h - key_h) / rows.len() as f32).min(if bt.has_present { 30.0 } else { 22.0 });
    // The type follows the row's height, so a short chart stays legible and a tall
    // one does not print captions larger than its bars.
    let size = (row_h * 0.42).clamp(7.0, 10.5);
    if row_h < size * 1.3 {
        return 0.0;
    }
    l.text_at(
        x,
        y,
        12.0,
        INK,
        if zh {
            "用地结构（占总用地比例）"
        } else {
            "Land-use structure (share of the total)"
        },
    );
    let name_of = |r: &BalanceRow| {
        if zh {
            r.name.clone()
        } else {
            r.name_en.clone()
        }
    };
    let label_w = rows
        .iter()
        .map(|r| l.text_w(&name_of(r), size))
        .fold(0.0, f32::max)
        .min(w * 0.4)
        + size;
    let value_w = l.text_w("100.00%", size) + size * 0.6;
    let bar_w = (w - label_w - value_w).max(20.0);
    let most = rows
        .iter()
        .flat_map(|r| [r.plan, r.present])
        .flatten()
        .map(|c| c.share_pct_rounded)
        .fold(0.0, f64::max)
        .max(1e-9);
    let mut top = y + heading_h;
    for r in &rows {
        let rgb = r.rgb.unwrap_or(GREY);
        let name = name_of(r);
        // The name is wrapped to the label column and set against the row's middle.
        let lines = l.wrap(&name, size, label_w - size);
        let text_h = lines.len() as f32 * size * 1.2;
        let mut ty = top + (row_h - text_h) / 2.0;
        for line in &lines {
            l.text_at(x, ty, size, INK, line);
            ty += size * 1.2;
        }
        let bars: Vec<(Option<crate::stats::BalanceCell>, [u8; 3], [u8; 3])> = if bt.has_present {
            vec![(r.present, faded(rgb), GREY), (r.plan, rgb, INK)]
        } else {
            vec![(r.plan, rgb, INK)]
        };
        let bar_h = (row_h * 0.8) / bars.len() as f32;
        let mut by = top + row_h * 0.1;
        for (cell, fill, ink) in bars {
            let share = cell.map_or(0.0, |c| c.share_pct_rounded);
            let len = (share / most) as f32 * bar_w;
            if len > 0.0 {
                l.push(Op::Rect {
                    x: x + label_w,
                    y: by,
                    w: len.max(0.6),
                    h: bar_h * 0.86,
                    fill: Some(fill),
                    stroke: Some((GREY, 0.3)),
                });
            }
            let text_size = size.min(bar_h * 0.95);
            l.text_at(
                x + label_w + len + size * 0.4,
                by + (bar_h * 0.86 - text_size) / 2.0,
                text_size,
                ink,
                &format!("{share:.2}%"),
            );
            by += bar_h;
        }
        top += row_h;
    }
    if bt.has_present {
        // The key: which bar is which.
        let k = 9.0;
        let mut kx = x + label_w;
        let ky = top + k * 0.5;
        for (fill, text) in [
            (
                faded(INK),
                if zh {
                    "浅色：现状"
                } else {
                    "Pale: present"
                },
            ),
            (INK, if zh { "深色：规划" } else { "Full: plan" }),
        ] {
            l.push(Op::Rect {
                x: kx,
                y: ky,
                w: k * 1.6,
                h: k * 0.8,
                fill: Some(fill),
                stroke: None,
            });
            l.text_at(kx + k * 2.0, ky - k * 0.1, k, GREY, text);
            kx += k * 2.0 + l.text_w(text, k) + k * 1.5;
        }
        top += key_h;
    }
    top - y
}
