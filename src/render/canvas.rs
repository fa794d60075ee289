//! Vector drawing shared by every output: the map's labels, symbols, legend,
//! scale bar, north arrow and title block are described once as [`Shape`]s, then
//! painted into a PNG by tiny-skia or written into a PDF as real vector paths and
//! selectable text. That is what keeps the PNG, the PDF and the handout one layout.
//!
//! Coordinates are in an abstract unit chosen by the producer (pixels of a map
//! image, say) with y down; the painter is told how many of its own units (pixels,
//! points) one unit is, and where the origin sits.

/// How a line is stroked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    pub rgb: [u8; 3],
    /// Width in the shapes' unit.
    pub width: f32,
    /// Dash and gap lengths in the shapes' unit; `None` for a solid line.
    pub dash: Option<[f32; 2]>,
}

impl Line {
    pub fn solid(rgb: [u8; 3], width: f32) -> Line {
        Line {
            rgb,
            width,
            dash: None,
        }
    }
}

/// One drawing primitive.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// One line of text in the bundled CJK font, left-aligned at `x` with its
    /// baseline at `y`; `halo` is drawn under it as an outline, so the text reads
    /// over a busy map.
    Text {
        x: f32,
        y: f32,
        size: f32,
        rgb: [u8; 3],
        text: String,
        halo: Option<[u8; 3]>,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<[u8; 3]>,
        stroke: Option<Line>,
    },
    /// A polyline, or a polygon when `close`.
    Path {
        points: Vec<(f32, f32)>,
        close: bool,
        fill: Option<[u8; 3]>,
        stroke: Option<Line>,
    },
}

/// An axis-aligned box in the shapes' unit, y down: what labels, the legend and
/// the scale bar occupy, so placement can keep them apart and tests can check it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Bounds {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Bounds {
    pub fn new(x: f32, y: f32, w: f32, h: f32) -> Bounds {
        Bounds { x, y, w, h }
    }

    pub fn right(&self) -> f32 {
        self.x + self.w
    }

    pub fn bottom(&self) -> f32 {
        self.y + self.h
    }

    /// Whether the two boxes share any area (touching edges do not count, so
    /// boxes placed side by side are disjoint).
    pub fn intersects(&self, o: &Bounds) -> bool {
        self.x < o.right() && o.x < self.right() && self.y < o.bottom() && o.y < self.bottom()
    }

    /// Whether `o` lies wholly inside this box.
    pub fn contains(&self, o: &Bounds) -> bool {
        o.x >= self.x && o.y >= self.y && o.right() <= self.right() && o.bottom() <= self.bottom()
    }

    /// The box grown by `d` on every side.
    pub fn grown(&self, d: f32) -> Bounds {
        Bounds::new(self.x - d, self.y - d, self.w + 2.0 * d, self.h + 2.0 * d)
    }
}

/// The bundled font, parsed once for the whole process: labels are measured
/// thousands of times a map.
fn shared_font() -> Option<&'static ab_glyph::FontRef<'static>> {
    static FONT: std::sync::OnceLock<Option<ab_glyph::FontRef<'static>>> =
        std::sync::OnceLock::new();
    FONT.get_or_init(super::text::font).as_ref()
}

/// How far the glyphs of CJK text reach above the baseline, in ems; the PDF
/// layout places text tops by the same figure.
pub const ASCENT_EM: f32 = 0.88;
/// How far they reach below it, in ems.
pub const DESCENT_EM: f32 = 0.14;
/// The width of a text halo's stroke, in ems (half of it lies outside the
/// glyphs); the PDF writer strokes halos at the same width.
pub const HALO_EM: f32 = 0.18;

/// The advance width of `text` at `size` (an em in the shapes' unit), as the PDF
/// viewer places the glyphs: the font's advances in em units.
pub fn text_advance(text: &str, size: f32) -> f32 {
    use ab_glyph::Font as _;
    let Some(f) = shared_font() else {
        return text.chars().count() as f32 * size;
    };
    let upem = f.units_per_em().unwrap_or(1000.0);
    text.chars()
        .map(|c| f.h_advance_unscaled(f.glyph_id(c)))
        .sum::<f32>()
        * size
        / upem
}

/// The box a line of text occupies with its halo, left-aligned at `x` with its
/// baseline at `y`.
pub fn text_bounds(x: f32, y: f32, size: f32, text: &str, halo: bool) -> Bounds {
    let pad = if halo { size * HALO_EM / 2.0 } else { 0.0 };
    Bounds::new(
        x - pad,
        y - size * ASCENT_EM - pad,
        text_advance(text, size) + 2.0 * pad,
        size * (ASCENT_EM + DESCENT_EM) + 2.0 * pad,
    )
}

/// The glyph outlines of a line of text as one path, in pixels: `(x, y)` is the
/// left end of the baseline, `size` the em in pixels.
fn text_path(text: &str, x: f32, y: f32, size: f32) -> Option<tiny_skia::Path> {
    use ab_glyph::{Font as _, OutlineCurve};
    let f = shared_font()?;
    let upem = f.units_per_em().unwrap_or(1000.0);
    let s = size / upem;
    let mut pb = tiny_skia::PathBuilder::new();
    let mut pen = x;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(outline) = f.outline(id) {
            // Font units have y up; a new contour starts wherever a curve does not
            // begin where the previous one ended.
            let at = |p: ab_glyph::Point| (pen + p.x * s, y - p.y * s);
            let mut last: Option<ab_glyph::Point> = None;
            for curve in &outline.curves {
                let start = match curve {
                    OutlineCurve::Line(a, _)
                    | OutlineCurve::Quad(a, _, _)
                    | OutlineCurve::Cubic(a, _, _, _) => *a,
                };
                if last != Some(start) {
                    if last.is_some() {
                        pb.close();
                    }
                    let (px, py) = at(start);
                    pb.move_to(px, py);
                }
                let end = match curve {
                    OutlineCurve::Line(_, b) => {
                        let (bx, by) = at(*b);
                        pb.line_to(bx, by);
                        *b
                    }
                    OutlineCurve::Quad(_, b, e) => {
                        let ((bx, by), (ex, ey)) = (at(*b), at(*e));
                        pb.quad_to(bx, by, ex, ey);
                        *e
                    }
                    OutlineCurve::Cubic(_, b, c2, e) => {
                        let ((bx, by), (cx, cy), (ex, ey)) = (at(*b), at(*c2), at(*e));
                        pb.cubic_to(bx, by, cx, cy, ex, ey);
                        *e
                    }
                };
                last = Some(end);
            }
            if last.is_some() {
                pb.close();
            }
        }
        pen += f.h_advance_unscaled(id) * s;
    }
    pb.finish()
}

fn skia_color([r, g, b]: [u8; 3]) -> tiny_skia::Color {
    tiny_skia::Color::from_rgba8(r, g, b, 255)
}

/// A canvas line as a tiny-skia stroke, `k` pixels to the unit.
fn skia_stroke(line: &Line, k: f32) -> tiny_skia::Stroke {
    tiny_skia::Stroke {
        width: (line.width * k).max(0.1),
        line_join: tiny_skia::LineJoin::Round,
        dash: line
            .dash
            .and_then(|[on, off]| tiny_skia::StrokeDash::new(vec![on * k, off * k], 0.0)),
        ..tiny_skia::Stroke::default()
    }
}

/// Fills and strokes a path in a pixmap (either may be absent).
fn fill_and_stroke(
    pixmap: &mut tiny_skia::Pixmap,
    path: &tiny_skia::Path,
    fill: Option<[u8; 3]>,
    stroke: Option<&Line>,
    k: f32,
) {
    let mut paint = tiny_skia::Paint {
        anti_alias: true,
        ..tiny_skia::Paint::default()
    };
    let id = tiny_skia::Transform::identity();
    if let Some(rgb) = fill {
        paint.set_color(skia_color(rgb));
        pixmap.fill_path(path, &paint, tiny_skia::FillRule::Winding, id, None);
    }
    if let Some(line) = stroke {
        paint.set_color(skia_color(line.rgb));
        pixmap.stroke_path(path, &paint, &skia_stroke(line, k), id, None);
    }
}

/// Paints shapes into a pixmap, as the PDF writer draws them on a page: the
/// shapes' origin at pixel (`x0`, `y0`) and `k` pixels to their unit. Text is
/// filled from the bundled font's outlines with its halo stroked beneath, so the
/// PNG and the PDF show the same lettering.
pub fn paint(pixmap: &mut tiny_skia::Pixmap, (x0, y0, k): (f32, f32, f32), shapes: &[Shape]) {
    let at = |x: f32, y: f32| (x0 + x * k, y0 + y * k);
    for shape in shapes {
        match shape {
            Shape::Text {
                x,
                y,
                size,
                rgb,
                text,
                halo,
            } => {
                let (px, py) = at(*x, *y);
                let Some(path) = text_path(text, px, py, size * k) else {
                    continue;
                };
                if let Some(h) = halo {
                    let line = Line::solid(*h, size * HALO_EM);
                    fill_and_stroke(pixmap, &path, None, Some(&line), k);
                }
                fill_and_stroke(pixmap, &path, Some(*rgb), None, k);
            }
            Shape::Rect {
                x,
                y,
                w,
                h,
                fill,
                stroke,
            } => {
                let (px, py) = at(*x, *y);
                let mut pb = tiny_skia::PathBuilder::new();
                // A rectangle of no height is a rule, as the PDF writer draws it.
                if *h == 0.0 {
                    pb.move_to(px, py);
                    pb.line_to(px + w * k, py);
                } else if let Some(r) = tiny_skia::Rect::from_xywh(px, py, w * k, h * k) {
                    pb.push_rect(r);
                }
                if let Some(path) = pb.finish() {
                    let fill = if *h == 0.0 { None } else { *fill };
                    fill_and_stroke(pixmap, &path, fill, stroke.as_ref(), k);
                }
            }
            Shape::Path {
                points,
                close,
                fill,
                stroke,
            } => {
                let mut pb = tiny_skia::PathBuilder::new();
                for (i, (x, y)) in points.iter().enumerate() {
                    let (px, py) = at(*x, *y);
                    if i == 0 {
                        pb.move_to(px, py);
                    } else {
                        pb.line_to(px, py);
                    }
                }
                if *close {
                    pb.close();
                }
                if let Some(path) = pb.finish() {
                    fill_and_stroke(pixmap, &path, *fill, stroke.as_ref(), k);
                }
            }
        }
    }
}

/// The box a shape covers (its stroke included), for checks of overlap.
pub fn shape_bounds(shape: &Shape) -> Bounds {
    match shape {
        Shape::Text {
            x,
            y,
            size,
            text,
            halo,
            ..
        } => text_bounds(*x, *y, *size, text, halo.is_some()),
        Shape::Rect {
            x, y, w, h, stroke, ..
        } => {
            let d = stroke.map_or(0.0, |s| s.width / 2.0);
            Bounds::new(*x, *y, *w, *h).grown(d)
        }
        Shape::Path { points, stroke, .. } => {
            let d = stroke.map_or(0.0, |s| s.width / 2.0);
            let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
            for (x, y) in points {
                x0 = x0.min(*x);
                y0 = y0.min(*y);
                x1 = x1.max(*x);
                y1 = y1.max(*y);
            }
            if x0 > x1 {
                return Bounds::default();
            }
            Bounds::new(x0, y0, x1 - x0, y1 - y0).grown(d)
        }
    }
}

/// A circle as a closed polygon of `n` points: the PDF's shapes have no arcs, and
/// at symbol sizes 24 sides are indistinguishable from a circle.
pub fn circle(cx: f32, cy: f32, r: f32) -> Vec<(f32, f32)> {
    let n = 24;
    (0..n)
        .map(|i| {
            let a = i as f32 / n as f32 * std::f32::consts::TAU;
            (cx + r * a.cos(), cy + r * a.sin())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_painted_with_a_halo() {
        let Some(mut pm) = tiny_skia::Pixmap::new(120, 40) else {
            panic!("pixmap");
        };
        pm.fill(tiny_skia::Color::from_rgba8(0, 0, 0, 255));
        let shapes = [Shape::Text {
            x: 4.0,
            y: 28.0,
            size: 24.0,
            rgb: [255, 0, 0],
            text: "地块".to_string(),
            halo: Some([255, 255, 255]),
        }];
        paint(&mut pm, (0.0, 0.0, 1.0), &shapes);
        let count = |f: &dyn Fn(&tiny_skia::PremultipliedColorU8) -> bool| {
            pm.pixels().iter().filter(|p| f(p)).count()
        };
        assert!(count(&|p| p.red() > 200 && p.green() < 50) > 50);
        assert!(count(&|p| p.red() > 200 && p.green() > 200 && p.blue() > 200) > 20);
        let b = text_bounds(4.0, 28.0, 24.0, "地块", true);
        assert!(b.w > 40.0 && b.w < 56.0, "{b:?}");
    }

    #[test]
    fn dashed_lines_have_gaps() {
        let Some(mut pm) = tiny_skia::Pixmap::new(200, 20) else {
            panic!("pixmap");
        };
        pm.fill(tiny_skia::Color::WHITE);
        let shapes = [Shape::Path {
            points: vec![(0.0, 10.0), (200.0, 10.0)],
            close: false,
            fill: None,
            stroke: Some(Line {
                rgb: [0, 0, 0],
                width: 3.0,
                dash: Some([10.0, 10.0]),
            }),
        }];
        paint(&mut pm, (0.0, 0.0, 1.0), &shapes);
        let row: Vec<bool> = (0..200)
            .map(|x| pm.pixel(x, 10).is_some_and(|p| p.red() < 128))
            .collect();
        let transitions = row.windows(2).filter(|w| w[0] != w[1]).count();
        assert!(transitions >= 15, "{transitions}");
    }
}
