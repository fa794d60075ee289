//! The title block (图签) of a map image: a ruled grid of 图名, 编制单位, 日期, 图号,
//! 数据来源 and 面积口径, the empty ones left out, with the project's disclaimer in
//! small type under it, set against the image's bottom-right corner.

use super::canvas::{ASCENT_EM, Bounds, Line, Shape, text_advance};
use super::map_image::SheetInfo;
use super::wrap::wrap;

/// The title block's rows: (label, value), the empty ones left out.
pub fn rows<'a>(
    title: &'a str,
    sheet: &'a SheetInfo,
    chinese: bool,
) -> Vec<(&'static str, &'a str)> {
    let labels = if chinese {
        ["图名", "编制单位", "日期", "图号", "数据来源", "面积口径"]
    } else {
        ["Title", "Prepared by", "Date", "Sheet", "Data", "Areas"]
    };
    // The method is described as "面积口径：…"; the row's label already says so.
    let method = sheet
        .method
        .split_once(['：', ':'])
        .map_or(sheet.method.as_str(), |(_, m)| m.trim());
    let values = [
        title,
        sheet.organisation.as_str(),
        sheet.date.as_str(),
        sheet.number.as_str(),
        sheet.source.as_str(),
        method,
    ];
    labels
        .into_iter()
        .zip(values)
        .filter(|(_, v)| !v.trim().is_empty())
        .collect()
}

/// A title block set against the bottom-right corner (`right`, `bottom`) of the
/// image, `width` pixels wide, `pt` pixels to the point; its box and shapes.
pub fn title_block(
    title: &str,
    sheet: &SheetInfo,
    chinese: bool,
    (right, bottom): (f32, f32),
    width: f32,
    pt: f32,
) -> (Bounds, Vec<Shape>) {
    let size = 7.0 * pt;
    let line_h = size * 1.35;
    let pad = size * 0.5;
    let label_w = rows(title, sheet, chinese)
        .iter()
        .map(|(k, _)| text_advance(k, size))
        .fold(0.0, f32::max)
        + 2.0 * pad;
    let value_w = (width - label_w - 2.0 * pad).max(size * 4.0);
    let cells: Vec<(&str, Vec<String>)> = rows(title, sheet, chinese)
        .into_iter()
        .map(|(k, v)| (k, wrap(v, size, value_w)))
        .collect();
    let small = size * 0.9;
    let disclaimer: Vec<String> = sheet
        .disclaimer
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .map(|d| wrap(d, small, width - 2.0 * pad))
        .unwrap_or_default();
    let row_h = |n: usize| n.max(1) as f32 * line_h + size * 0.4;
    let grid_h: f32 = cells.iter().map(|(_, v)| row_h(v.len())).sum();
    let disclaimer_h = if disclaimer.is_empty() {
        0.0
    } else {
        disclaimer.len() as f32 * small * 1.35 + size * 0.6
    };
    let h = grid_h + disclaimer_h;
    let (x, y) = (right - width, bottom - h);
    let mut shapes = vec![Shape::Rect {
        x,
        y,
        w: width,
        h,
        fill: Some([255, 255, 255]),
        stroke: None,
    }];
    let mut top = y;
    let baseline = |t: f32, n: usize| {
        t + size * 0.2 + n as f32 * line_h + (line_h - size) / 2.0 + size * ASCENT_EM
    };
    for (label, lines) in &cells {
        let rh = row_h(lines.len());
        shapes.push(Shape::Rect {
            x,
            y: top,
            w: label_w,
            h: rh,
            fill: Some([236, 239, 243]),
            stroke: None,
        });
        shapes.push(Shape::Text {
            x: x + pad,
            y: baseline(top, 0),
            size,
            rgb: [110, 110, 110],
            text: (*label).to_string(),
            halo: None,
        });
        for (n, line) in lines.iter().enumerate() {
            shapes.push(Shape::Text {
                x: x + label_w + pad,
                y: baseline(top, n),
                size,
                rgb: [25, 25, 25],
                text: line.clone(),
                halo: None,
            });
        }
        top += rh;
        shapes.push(Shape::Rect {
            x,
            y: top,
            w: width,
            h: 0.0,
            fill: None,
            stroke: Some(Line::solid([170, 170, 170], 0.4 * pt)),
        });
    }
    for (n, line) in disclaimer.iter().enumerate() {
        shapes.push(Shape::Text {
            x: x + pad,
            y: top + size * 0.3 + n as f32 * small * 1.35 + small * ASCENT_EM,
            size: small,
            rgb: [110, 110, 110],
            text: line.clone(),
            halo: None,
        });
    }
    shapes.push(Shape::Rect {
        x,
        y,
        w: width,
        h,
        fill: None,
        stroke: Some(Line::solid([110, 110, 110], 0.7 * pt)),
    });
    (Bounds::new(x, y, width, h), shapes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_wraps_within_the_width() {
        let text = "示意性规划数据，由生成器生成，用于演示，不代表任何法定规划成果。";
        let lines = wrap(text, 10.0, 80.0);
        assert!(lines.len() > 2);
        assert_eq!(lines.concat(), text);
        assert!(lines.iter().all(|l| text_advance(l, 10.0) <= 80.0));
        let en = wrap("Prepared by the planning bureau", 10.0, 60.0);
        assert!(en.iter().all(|l| !l.starts_with(' ') && !l.ends_with(' ')));
        assert_eq!(en.join(" "), "Prepared by the planning bureau");
        // A closing bracket never starts a line.
        let title = "嘉兴高新区空港新城规划（示意）";
        for max_w in [60.0, 80.0, 100.0, 130.0, 145.0] {
            let lines = wrap(title, 10.0, max_w);
            assert_eq!(lines.concat(), title);
            assert!(lines.iter().all(|l| !l.starts_with('）')), "{lines:?}");
            assert!(lines.iter().all(|l| !l.ends_with('（')), "{lines:?}");
        }
    }
}
