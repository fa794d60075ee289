//! Labels of a map image placed by scale and without overlaps: a greedy placement
//! over an occupied-box grid. Candidates are ranked (park names, facility names,
//! road and other names, then parcels) and, within a rank, by size, largest first;
//! each tries its variants (more lines first, or positions around a symbol) and
//! takes the first whose box is free. A label is only made for a feature in view
//! that is large enough on the image to hold it, so the work grows with what is
//! shown, not with the layer.

use std::collections::HashMap;

use geo::{BoundingRect, Coord, Geometry, InteriorPoint};

use super::canvas::{ASCENT_EM, Bounds, DESCENT_EM, Shape, text_advance};
use super::map_image::{Fit, ImageLayer, ImagePaint};
use crate::model::Layer;

/// The boxes already taken on the image, in a uniform grid of cells so a test for
/// overlap looks only at the boxes near it.
pub struct Placer {
    area: Bounds,
    cell: f32,
    grid: HashMap<(i32, i32), Vec<usize>>,
    rects: Vec<Bounds>,
}

impl Placer {
    /// A placer over `area` (labels must lie inside it) with cells `cell` wide.
    pub fn new(area: Bounds, cell: f32) -> Placer {
        Placer {
            area,
            cell: cell.max(4.0),
            grid: HashMap::new(),
            rects: Vec::new(),
        }
    }

    fn cells(&self, r: &Bounds) -> impl Iterator<Item = (i32, i32)> + use<> {
        let c = self.cell;
        let (x0, y0) = ((r.x / c).floor() as i32, (r.y / c).floor() as i32);
        let (x1, y1) = (
            (r.right() / c).floor() as i32,
            (r.bottom() / c).floor() as i32,
        );
        (x0..=x1).flat_map(move |x| (y0..=y1).map(move |y| (x, y)))
    }

    /// Marks a box as taken whether or not it is free: symbols, the legend and
    /// the scale bar, which labels must keep clear of.
    pub fn block(&mut self, r: Bounds) {
        let k = self.rects.len();
        self.rects.push(r);
        for cell in self.cells(&r) {
            self.grid.entry(cell).or_default().push(k);
        }
    }

    /// Whether a box lies inside the area and clear of every taken box.
    pub fn is_free(&self, r: &Bounds) -> bool {
        self.area.contains(r)
            && !self.cells(r).any(|cell| {
                self.grid.get(&cell).is_some_and(|ks| {
                    ks.iter()
                        .any(|k| self.rects.get(*k).is_some_and(|o| o.intersects(r)))
                })
            })
    }

    /// Takes the box if it is free.
    pub fn place(&mut self, r: Bounds) -> bool {
        let free = self.is_free(&r);
        if free {
            self.block(r);
        }
        free
    }
}

/// A placed label: its box (halo included) and its lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub bounds: Bounds,
    pub lines: Vec<String>,
    pub shapes: Vec<Shape>,
}

/// Lines of text centred on a point, each line `(text, size)`.
fn block(lines: &[(String, f32)], (cx, cy): (f32, f32), rgb: [u8; 3]) -> (Bounds, Vec<Shape>) {
    let gap = 0.2;
    let heights: Vec<f32> = lines
        .iter()
        .map(|(_, s)| s * (ASCENT_EM + DESCENT_EM + gap))
        .collect();
    let total_h = heights.iter().sum::<f32>() - lines.last().map_or(0.0, |(_, s)| s * gap);
    let halo = lines.iter().map(|(_, s)| s * 0.09).fold(0.0, f32::max);
    let width = lines
        .iter()
        .map(|(t, s)| text_advance(t, *s))
        .fold(0.0, f32::max);
    let mut y = cy - total_h / 2.0;
    let mut shapes = Vec::with_capacity(lines.len());
    for ((text, size), h) in lines.iter().zip(&heights) {
        let w = text_advance(text, *size);
        shapes.push(Shape::Text {
            x: cx - w / 2.0,
            y: y + size * ASCENT_EM,
            size: *size,
            rgb,
            text: text.clone(),
            halo: Some([255, 255, 255]),
        });
        y += h;
    }
    let bounds = Bounds::new(cx - width / 2.0, cy - total_h / 2.0, width, total_h).grown(halo);
    (bounds, shapes)
}

/// One way of labelling a feature: lines at a centre, and the box the lines
/// must fit in (a parcel's extent on the image), if any.
struct Variant {
    centre: (f32, f32),
    lines: Vec<(String, f32)>,
    within: Option<(f32, f32)>,
}

struct Candidate {
    rank: u8,
    /// Larger first within a rank.
    priority: f64,
    order: (usize, usize),
    rgb: [u8; 3],
    variants: Vec<Variant>,
}

/// What the labels are placed on.
pub struct LabelContext<'a, 'b> {
    pub layers: &'b [ImageLayer<'a>],
    pub view: geo::Rect<f64>,
    pub fit: Fit,
    /// Pixels per point.
    pub pt: f32,
    pub chinese: bool,
    /// The radius of a facility symbol in pixels, so names sit beside the disc.
    pub symbol_r: f32,
    /// The image's width and height in pixels.
    pub size_px: (f32, f32),
}

/// A colour darkened for text on a light map: a water fill's blue as the water's
/// name, say.
fn darker([r, g, b]: [u8; 3]) -> [u8; 3] {
    let d = |c: u8| (f32::from(c) * 0.45).round() as u8;
    [d(r), d(g), d(b)]
}

/// The text of a field's value for a label line: the first line plain, FAR and the
/// height limit with their names (and the unit), other fields with theirs.
fn line_text(layer: &Layer, i: usize, field: usize, first: bool, chinese: bool) -> Option<String> {
    let value = layer.value(i, field).to_text()?;
    if value.trim().is_empty() {
        return None;
    }
    if first {
        return Some(value);
    }
    Some(if Some(field) == layer.roles.far {
        if chinese {
            format!("容积率 {value}")
        } else {
            format!("FAR {value}")
        }
    } else if Some(field) == layer.roles.height {
        if chinese {
            format!("限高 {value} m")
        } else {
            format!("H {value} m")
        }
    } else {
        let name = layer.fields.get(field).map_or("", String::as_str);
        format!("{name} {value}")
    })
}

/// The fields that label a layer's features: the style's, or for parcels styled
/// without any, the id, FAR and height limit, as the window labels them.
fn label_fields(l: &ImageLayer) -> Vec<usize> {
    let layer = l.layer;
    let from_style: Vec<usize> = l
        .style
        .labels
        .iter()
        .filter_map(|n| layer.field_index(n))
        .collect();
    if l.style.paint != ImagePaint::Landuse {
        return from_style;
    }
    let mut fields = if from_style.is_empty() {
        [layer.roles.id, layer.roles.far]
            .into_iter()
            .flatten()
            .collect()
    } else {
        from_style
    };
    // 限高 goes on a third line where there is room, unless the style names it.
    if fields.len() >= 2
        && let Some(h) = layer.roles.height
        && !fields.contains(&h)
    {
        fields.push(h);
    }
    fields
}

/// The point a polygon's label goes on, and the length or area that ranks it: the
/// interior point of the largest part; for lines, the middle of the longest part.
fn anchor(g: &Geometry<f64>, fit: &Fit) -> Option<((f32, f32), f64)> {
    let px = |c: Coord<f64>| fit.to_px(c);
    let longest_middle = |lines: &[&geo::LineString<f64>]| -> Option<((f32, f32), f64)> {
        let mut best: Option<(Vec<(f32, f32)>, f64)> = None;
        for ls in lines {
            let pts: Vec<(f32, f32)> = ls.0.iter().map(|c| px(*c)).collect();
            let len: f64 = pts
                .windows(2)
                .map(|w| match w {
                    [a, b] => f64::from((b.0 - a.0).hypot(b.1 - a.1)),
                    _ => 0.0,
                })
                .sum();
            if best.as_ref().is_none_or(|(_, l)| len > *l) {
                best = Some((pts, len));
            }
        }
        let (pts, len) = best?;
        // Walk half the length along the line.
        let mut left = len / 2.0;
        for w in pts.windows(2) {
            if let [a, b] = w {
                let seg = f64::from((b.0 - a.0).hypot(b.1 - a.1));
                if seg >= left && seg > 0.0 {
                    let t = (left / seg) as f32;
                    return Some(((a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t), len));
                }
                left -= seg;
            }
        }
        pts.first().map(|p| (*p, len))
    };
    match g {
        Geometry::LineString(ls) => longest_middle(&[ls]),
        Geometry::MultiLineString(ml) => longest_middle(&ml.0.iter().collect::<Vec<_>>()),
        Geometry::Point(p) => Some((px(p.0), 0.0)),
        _ => {
            let p = g.interior_point()?;
            let r = g.bounding_rect()?;
            let (a, b) = (px(r.min()), px(r.max()));
            Some((px(p.0), f64::from(((b.0 - a.0) * (b.1 - a.1)).abs())))
        }
    }
}

fn inside((x, y): (f32, f32), (w, h): (f32, f32)) -> bool {
    x >= 0.0 && y >= 0.0 && x < w && y < h
}

/// For a feature whose own label point is off the image (a road crossing the
/// view, say): the middle of the part of its extent in view, when the feature
/// covers it.
fn visible_centre(
    layer: &Layer,
    i: usize,
    g: &Geometry<f64>,
    ctx: &LabelContext,
) -> Option<(f32, f32)> {
    use geo::Intersects;
    let r = layer.envelopes.get(i).copied().flatten()?;
    let v = ctx.view;
    let (x0, y0) = (r.min().x.max(v.min().x), r.min().y.max(v.min().y));
    let (x1, y1) = (r.max().x.min(v.max().x), r.max().y.min(v.max().y));
    if x0 > x1 || y0 > y1 {
        return None;
    }
    let c = Coord {
        x: (x0 + x1) / 2.0,
        y: (y0 + y1) / 2.0,
    };
    let on = match g {
        Geometry::LineString(_) | Geometry::MultiLineString(_) => false,
        _ => g.intersects(&geo::Point(c)),
    };
    on.then(|| ctx.fit.to_px(c))
}

/// A feature's extent on the image, width and height in pixels.
fn extent(layer: &Layer, i: usize, fit: &Fit) -> Option<(f32, f32)> {
    let r = layer.envelopes.get(i).copied().flatten()?;
    let (a, b) = (fit.to_px(r.min()), fit.to_px(r.max()));
    Some(((b.0 - a.0).abs(), (b.1 - a.1).abs()))
}

/// The candidates of one layer's features in view.
fn candidates(ctx: &LabelContext, li: usize, out: &mut Vec<Candidate>) {
    let Some(l) = ctx.layers.get(li) else { return };
    let layer = l.layer;
    let fields = label_fields(l);
    let Some(&first) = fields.first() else { return };
    let pt = ctx.pt;
    let mut in_view: Vec<usize> = layer.index.in_rect(ctx.view).map(|(i, _)| i).collect();
    in_view.sort_unstable();
    for i in in_view {
        let Some(Some(g)) = layer.geometries.get(i) else {
            continue;
        };
        match l.style.paint {
            ImagePaint::Landuse => {
                let size = 6.5 * pt;
                let small = 6.0 * pt;
                // A parcel too small on the image for even a short id is skipped
                // before any text is formatted.
                let Some((fw, fh)) = extent(layer, i, &ctx.fit) else {
                    continue;
                };
                if fw < 3.0 * size || fh < 1.3 * size {
                    continue;
                }
                let Some(id) = line_text(layer, i, first, true, ctx.chinese) else {
                    continue;
                };
                let Some((centre, _)) = anchor(g, &ctx.fit) else {
                    continue;
                };
                let rest: Vec<String> = fields
                    .iter()
                    .skip(1)
                    .filter_map(|f| line_text(layer, i, *f, false, ctx.chinese))
                    .collect();
                let mut lines = vec![(id, size)];
                lines.extend(rest.into_iter().map(|t| (t, small)));
                let variants = (1..=lines.len())
                    .rev()
                    .map(|n| Variant {
                        centre,
                        lines: lines.iter().take(n).cloned().collect(),
                        within: Some((fw, fh)),
                    })
                    .collect();
                out.push(Candidate {
                    rank: 3,
                    priority: layer.area_m2.get(i).copied().unwrap_or(0.0),
                    order: (li, i),
                    rgb: [20, 20, 20],
                    variants,
                });
            }
            ImagePaint::Points(_) => {
                let Some(name) = line_text(layer, i, first, true, ctx.chinese) else {
                    continue;
                };
                let Some((c, _)) = anchor(g, &ctx.fit) else {
                    continue;
                };
                let size = 6.5 * pt;
                let half_w = text_advance(&name, size) / 2.0 + size * 0.09;
                let lines = vec![(name, size)];
                let half_h = size * (ASCENT_EM + DESCENT_EM) / 2.0 + size * 0.09;
                let d = ctx.symbol_r + 1.0 * pt;
                // Below the disc, then right, above and left of it.
                let centres = [
                    (c.0, c.1 + d + half_h),
                    (c.0 + d + half_w, c.1),
                    (c.0, c.1 - d - half_h),
                    (c.0 - d - half_w, c.1),
                ];
                out.push(Candidate {
                    rank: 1,
                    priority: 0.0,
                    order: (li, i),
                    rgb: [40, 40, 40],
                    variants: centres
                        .into_iter()
                        .map(|centre| Variant {
                            centre,
                            lines: lines.clone(),
                            within: None,
                        })
                        .collect(),
                });
            }
            paint => {
                let Some((centre, measure)) = anchor(g, &ctx.fit) else {
                    continue;
                };
                let centre = if inside(centre, ctx.size_px) {
                    centre
                } else {
                    match visible_centre(layer, i, g, ctx) {
                        Some(c) => c,
                        None => continue,
                    }
                };
                let (rank, size, rgb) = match paint {
                    ImagePaint::Outline(rgb, _) => (0, 9.0 * pt, rgb),
                    ImagePaint::Fill(rgb) => (2, 7.0 * pt, darker(rgb)),
                    _ => (2, 7.0 * pt, [60, 60, 60]),
                };
                let Some(name) = line_text(layer, i, first, true, ctx.chinese) else {
                    continue;
                };
                out.push(Candidate {
                    rank,
                    priority: measure,
                    order: (li, i),
                    rgb,
                    variants: vec![Variant {
                        centre,
                        lines: vec![(name, size)],
                        within: None,
                    }],
                });
            }
        }
    }
}

/// Places the labels of every layer, keeping clear of what `placer` already holds
/// (symbols, the legend, the scale bar …), and returns them in placement order.
pub fn place_labels(ctx: &LabelContext, placer: &mut Placer) -> Vec<Label> {
    let mut all: Vec<Candidate> = Vec::new();
    for li in 0..ctx.layers.len() {
        candidates(ctx, li, &mut all);
    }
    all.sort_by(|a, b| {
        a.rank
            .cmp(&b.rank)
            .then(b.priority.total_cmp(&a.priority))
            .then(a.order.cmp(&b.order))
    });
    let mut out = Vec::new();
    for c in all {
        for v in &c.variants {
            let (bounds, shapes) = block(&v.lines, v.centre, c.rgb);
            if let Some((fw, fh)) = v.within
                && (bounds.w > fw * 0.95 || bounds.h > fh * 0.9)
            {
                continue;
            }
            if placer.place(bounds) {
                out.push(Label {
                    bounds,
                    lines: v.lines.iter().map(|(t, _)| t.clone()).collect(),
                    shapes,
                });
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_placer_refuses_overlaps_and_the_outside() {
        let mut p = Placer::new(Bounds::new(0.0, 0.0, 100.0, 100.0), 10.0);
        assert!(p.place(Bounds::new(10.0, 10.0, 30.0, 10.0)));
        assert!(!p.place(Bounds::new(35.0, 15.0, 30.0, 10.0)));
        assert!(p.place(Bounds::new(40.0, 10.0, 30.0, 10.0)));
        assert!(!p.place(Bounds::new(90.0, 90.0, 30.0, 10.0)));
        p.block(Bounds::new(0.0, 50.0, 100.0, 10.0));
        assert!(!p.is_free(&Bounds::new(50.0, 55.0, 1.0, 1.0)));
    }
}
