//! The scale of a map image: the representative fraction (1:N) from the ground
//! size of a pixel and the image's resolution, and a scale bar with a zero, ticks
//! at round intermediate lengths, their labels and the unit, as vector shapes.

use super::canvas::{Bounds, Line, Shape, text_advance};

/// Metres in an inch.
const INCH_M: f64 = 0.0254;

/// The representative fraction's denominator N of a map printed at `dpi` whose
/// pixels are `metres_per_px` on the ground: one printed metre is N ground metres.
pub fn scale_denominator(metres_per_px: f64, dpi: f32) -> f64 {
    metres_per_px * f64::from(dpi.max(1.0)) / INCH_M
}

/// N rounded to three significant figures, as plans state a scale (1:23 400 rather
/// than 1:23 417): the figure is exact to well under one per cent, which is finer
/// than the variation of Mercator's scale over a district.
pub fn rounded_denominator(n: f64) -> u64 {
    if !n.is_finite() || n < 1.0 {
        return 1;
    }
    let magnitude = 10f64.powf(n.log10().floor() - 2.0).max(1.0);
    ((n / magnitude).round() * magnitude) as u64
}

/// The 1:N figure as printed.
pub fn scale_text(n: u64, chinese: bool) -> String {
    if chinese {
        format!("比例尺 1:{n}")
    } else {
        format!("Scale 1:{n}")
    }
}

/// How many equal parts a scale bar `total_m` long may be divided into, the
/// finest first, so that every tick falls on a round figure: 0, 250, 500, 750,
/// 1000 m or 0, 500, 1000 m; 0, 100, …, 500 m or 0, 250, 500 m.
pub fn parts(total_m: f64) -> [u32; 2] {
    if !total_m.is_finite() || total_m <= 0.0 {
        return [1, 1];
    }
    let leading = (total_m / 10f64.powf(total_m.log10().floor())).round();
    if leading == 5.0 { [5, 2] } else { [4, 2] }
}

/// The tick positions of a scale bar `total_m` long in `parts` equal parts, in
/// metres from zero.
pub fn ticks_m(total_m: f64, parts: u32) -> Vec<f64> {
    if !total_m.is_finite() || total_m <= 0.0 {
        return vec![0.0];
    }
    let parts = parts.max(1);
    (0..=parts)
        .map(|k| total_m * f64::from(k) / f64::from(parts))
        .collect()
}

/// A length as a tick label in the bar's unit (metres or kilometres), without
/// trailing zeros.
fn tick_label(m: f64, km: bool) -> String {
    let v = if km { m / 1000.0 } else { m };
    let text = format!("{v:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text.is_empty() || text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// A laid-out scale bar.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleBar {
    /// The panel the bar, its labels and the 1:N figure occupy, in pixels.
    pub bounds: Bounds,
    /// The ticks, in metres from zero.
    pub ticks_m: Vec<f64>,
    /// The ticks' horizontal positions in pixels.
    pub ticks_px: Vec<f32>,
    /// The label of each tick; empty where labels would crowd each other.
    pub labels: Vec<String>,
    /// The unit after the bar: `m` or `km`.
    pub unit: String,
    /// N of the 1:N figure.
    pub denominator: u64,
    pub shapes: Vec<Shape>,
}

/// Lays out a scale bar with the bottom-left corner of its panel at (`x`, `y`)
/// pixels: about `target_px` long, `pt` pixels to the point, for an image of
/// `metres_per_px` at `dpi`.
pub fn scale_bar(
    (x, y): (f32, f32),
    target_px: f32,
    metres_per_px: f64,
    dpi: f32,
    pt: f32,
    chinese: bool,
) -> ScaleBar {
    let m_per_px = metres_per_px.max(1e-9);
    let total_m = super::mercator::scale_bar_length_m(m_per_px * f64::from(target_px.max(1.0)));
    // Kilometres from 2 km up: 0, 250, 500, 750, 1000 m reads better than
    // quarters of a kilometre.
    let km = total_m >= 1500.0;
    let pad = 4.0 * pt;
    let label_size = 7.0 * pt;
    let title_size = 8.0 * pt;
    let bar_h = 3.0 * pt;
    let denominator = rounded_denominator(scale_denominator(m_per_px, dpi));
    let title = scale_text(denominator, chinese);
    let unit = if km { "km" } else { "m" }.to_string();
    let bar_w = (total_m / m_per_px) as f32;
    // The finest division whose labels all fit between their neighbours; failing
    // that, the coarsest, with labels left out where they would touch.
    let label_w = |t: &String| text_advance(t, label_size);
    let division = |n: u32| {
        let ticks = ticks_m(total_m, n);
        let labels: Vec<String> = ticks.iter().map(|m| tick_label(*m, km)).collect();
        let widest = labels.iter().map(label_w).fold(0.0, f32::max);
        (ticks, labels, widest)
    };
    let [fine, coarse] = parts(total_m);
    let (ticks, all_labels, widest) = {
        let (t, l, w) = division(fine);
        if bar_w / fine as f32 >= w + 2.0 * pt {
            (t, l, w)
        } else {
            division(coarse)
        }
    };
    // Half the first label may stick out left of the bar, so the bar starts that
    // far in from the panel's edge.
    let first_w = all_labels.first().map_or(0.0, label_w);
    let bar_x = x + pad + first_w / 2.0;
    let ticks_px: Vec<f32> = ticks
        .iter()
        .map(|m| bar_x + (*m / m_per_px) as f32)
        .collect();
    // Labels every `step` ticks, so none touches its neighbour; zero and the end
    // are always labelled.
    let spacing = bar_w / (ticks.len().saturating_sub(1).max(1)) as f32;
    let step = (1..=ticks.len().max(1))
        .find(|s| spacing * *s as f32 >= widest + 2.0 * pt)
        .unwrap_or(ticks.len().max(1));
    let last = ticks.len().saturating_sub(1);
    let labels: Vec<String> = all_labels
        .iter()
        .enumerate()
        .map(|(k, t)| {
            let near_end = k != last && last.saturating_sub(k) < step;
            if k == last || (k % step == 0 && !near_end) {
                t.clone()
            } else {
                String::new()
            }
        })
        .collect();
    let unit_w = text_advance(&unit, label_size);
    let last_w = all_labels
        .last()
        .map_or(0.0, |t| text_advance(t, label_size));
    let title_w = text_advance(&title, title_size);
    let bars_right = bar_x + bar_w + last_w / 2.0 + 1.5 * pt + unit_w;
    let panel_w = (bars_right + pad - x).max(title_w + 2.0 * pad);
    let panel_h = pad + title_size * 1.25 + label_size * 1.2 + 1.5 * pt + bar_h + pad;
    let top = y - panel_h;
    let bounds = Bounds::new(x, top, panel_w, panel_h);
    let mut shapes = vec![Shape::Rect {
        x,
        y: top,
        w: panel_w,
        h: panel_h,
        fill: Some([255, 255, 255]),
        stroke: None,
    }];
    shapes.push(Shape::Text {
        x: x + pad,
        y: top + pad + title_size * super::canvas::ASCENT_EM,
        size: title_size,
        rgb: [0, 0, 0],
        text: title,
        halo: None,
    });
    let bar_y = y - pad - bar_h;
    let label_base = bar_y - 1.5 * pt - label_size * super::canvas::DESCENT_EM;
    // The bar: alternate black and white parts, outlined.
    for (k, pair) in ticks_px.windows(2).enumerate() {
        if let [a, b] = pair {
            shapes.push(Shape::Rect {
                x: *a,
                y: bar_y,
                w: b - a,
                h: bar_h,
                fill: Some(if k % 2 == 0 {
                    [0, 0, 0]
                } else {
                    [255, 255, 255]
                }),
                stroke: None,
            });
        }
    }
    shapes.push(Shape::Rect {
        x: bar_x,
        y: bar_y,
        w: bar_w,
        h: bar_h,
        fill: None,
        stroke: Some(Line::solid([0, 0, 0], 0.5 * pt)),
    });
    for (tx, label) in ticks_px.iter().zip(&labels) {
        shapes.push(Shape::Path {
            points: vec![(*tx, bar_y - 1.2 * pt), (*tx, bar_y + bar_h)],
            close: false,
            fill: None,
            stroke: Some(Line::solid([0, 0, 0], 0.5 * pt)),
        });
        if !label.is_empty() {
            let w = text_advance(label, label_size);
            shapes.push(Shape::Text {
                x: tx - w / 2.0,
                y: label_base,
                size: label_size,
                rgb: [0, 0, 0],
                text: label.clone(),
                halo: None,
            });
        }
    }
    // The unit follows the last label on the labels' line.
    shapes.push(Shape::Text {
        x: bar_x + bar_w + last_w / 2.0 + 1.5 * pt,
        y: label_base,
        size: label_size,
        rgb: [0, 0, 0],
        text: unit.clone(),
        halo: None,
    });
    ScaleBar {
        bounds,
        ticks_m: ticks,
        ticks_px,
        labels,
        unit,
        denominator,
        shapes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_fall_on_round_lengths() {
        assert_eq!(
            ticks_m(1000.0, parts(1000.0)[0]),
            vec![0.0, 250.0, 500.0, 750.0, 1000.0]
        );
        assert_eq!(
            ticks_m(500.0, parts(500.0)[0]),
            vec![0.0, 100.0, 200.0, 300.0, 400.0, 500.0]
        );
        assert_eq!(ticks_m(500.0, parts(500.0)[1]), vec![0.0, 250.0, 500.0]);
        assert_eq!(
            ticks_m(2000.0, parts(2000.0)[0]),
            vec![0.0, 500.0, 1000.0, 1500.0, 2000.0]
        );
        assert_eq!(tick_label(1500.0, true), "1.5");
        assert_eq!(tick_label(250.0, false), "250");
    }

    #[test]
    fn the_fraction_follows_pixel_size_and_resolution() {
        // 2 m pixels at 254 dpi: a printed pixel is 0.1 mm, so 1:20 000.
        let n = scale_denominator(2.0, 254.0);
        assert!((n - 20_000.0).abs() < 1e-6, "{n}");
        assert_eq!(rounded_denominator(23_417.0), 23_400);
        assert_eq!(rounded_denominator(987.4), 987);
    }

    #[test]
    fn the_bar_has_a_zero_and_its_end_labelled() {
        let bar = scale_bar((10.0, 300.0), 200.0, 5.0, 96.0, 96.0 / 72.0, true);
        assert_eq!(bar.labels.first().map(String::as_str), Some("0"));
        assert_eq!(bar.labels.last().map(String::as_str), Some("1000"));
        assert_eq!(bar.unit, "m");
        let span = bar.ticks_px.last().copied().unwrap_or(0.0) - bar.ticks_px[0];
        assert!((span - 200.0).abs() < 1e-3, "{span}");
        assert!(bar.bounds.bottom() <= 300.0 + 1e-3);
    }
}
