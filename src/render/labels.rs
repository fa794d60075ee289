//! Labels of a map image placed by scale and without overlaps: a greedy placement
//! over an occupied-box grid. Candidates are ranked (park names, facility names,
//! road and water names and other names, then parcels) and, within a rank, by
//! size, largest first; each tries its variants (more lines first, positions
//! around a symbol, or places along a road) and takes the first whose boxes are
//! free. A label is only made for a feature in view that is large enough on the
//! image to hold it, so the work grows with what is shown, not with the layer.
//!
//! Roads, rivers and canals are named along their middle line, one upright
//! character after another as Chinese maps letter them, where the part in view is
//! long enough for the spaced name; ponds and lakes inside their outline where the
//! name fits in it. Zoomed out, short roads and small ponds go unnamed.

use std::collections::HashMap;

use geo::{BoundingRect, Coord, Geometry, InteriorPoint};

use super::BasemapKind;
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

/// A placed label: its box (halo included) and its lines. A name along a road is
/// one line whose characters are drawn apart; its box holds all of them, and
/// [`Label::boxes`] gives the boxes the characters themselves take.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub bounds: Bounds,
    pub lines: Vec<String>,
    pub shapes: Vec<Shape>,
}

impl Label {
    /// The boxes the label's text takes, halo included: one a line of a block, one
    /// a character of a name along a line. Labels never overlap by these.
    pub fn boxes(&self) -> Vec<Bounds> {
        self.shapes
            .iter()
            .filter(|s| matches!(s, Shape::Text { .. }))
            .map(super::canvas::shape_bounds)
            .collect()
    }
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
/// must fit in (a parcel's extent on the image), if any; or, for a name along a
/// line, its characters each at its own point.
enum Variant {
    Block {
        centre: (f32, f32),
        lines: Vec<(String, f32)>,
        within: Option<(f32, f32)>,
    },
    Along {
        name: String,
        size: f32,
        chars: Vec<(String, (f32, f32))>,
    },
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
    /// The map's width and height in pixels (its frame's top-left corner is the
    /// image's).
    pub size_px: (f32, f32),
    /// Whether the image has a basemap, which paints (and so lets this name) the
    /// layers of [`ImagePaint::Basemap`].
    pub basemap: bool,
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
    // The airport, parks and water carry no control values a map should print,
    // whatever figures their records hold.
    let control = [layer.roles.far, layer.roles.height].contains(&Some(field));
    let class = layer.class.get(i).copied().flatten();
    if control && !crate::stats::indicators::is_development_class(class) {
        return None;
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
/// without any, the id, FAR and height limit, as the window labels them; the
/// basemap's water and roads by their name field (名称, name …) when the style
/// names none.
fn label_fields(l: &ImageLayer) -> Vec<usize> {
    let layer = l.layer;
    let from_style: Vec<usize> = l
        .style
        .labels
        .iter()
        .filter_map(|n| layer.field_index(n))
        .collect();
    if matches!(l.style.paint, ImagePaint::Basemap(_)) && from_style.is_empty() {
        return layer.roles.name.into_iter().collect();
    }
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
                // A park (or other land without control values) goes by its name,
                // its id beneath; by its id alone where the name is already on
                // the map nearby (a facility of the same name).
                let named = place_name(layer, i);
                let mut lines = match &named {
                    Some(name) => vec![(name.clone(), size), (id.clone(), small)],
                    None => vec![(id.clone(), size)],
                };
                lines.extend(rest.into_iter().map(|t| (t, small)));
                let mut variants: Vec<Variant> = (1..=lines.len())
                    .rev()
                    .map(|n| Variant::Block {
                        centre,
                        lines: lines.iter().take(n).cloned().collect(),
                        within: Some((fw, fh)),
                    })
                    .collect();
                if named.is_some() {
                    variants.push(Variant::Block {
                        centre,
                        lines: vec![(id, size)],
                        within: Some((fw, fh)),
                    });
                }
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
                        .map(|centre| Variant::Block {
                            centre,
                            lines: lines.clone(),
                            within: None,
                        })
                        .collect(),
                });
            }
            ImagePaint::Basemap(_) if !ctx.basemap => return,
            ImagePaint::Fill(_) | ImagePaint::Basemap(_)
                if !matches!(g, Geometry::Point(_) | Geometry::MultiPoint(_)) =>
            {
                let Some(name) = line_text(layer, i, first, true, ctx.chinese) else {
                    continue;
                };
                let (size, rgb) = match l.style.paint {
                    ImagePaint::Basemap(BasemapKind::Water) => (7.0 * pt, WATER_TEXT),
                    ImagePaint::Basemap(_) => (7.0 * pt, ROAD_TEXT),
                    ImagePaint::Fill(rgb) => (7.0 * pt, darker(rgb)),
                    _ => (7.0 * pt, [60, 60, 60]),
                };
                if let Some((variants, measure)) = along_or_inside(g, &name, size, ctx) {
                    out.push(Candidate {
                        rank: 2,
                        priority: measure,
                        order: (li, i),
                        rgb,
                        variants,
                    });
                }
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
                    variants: vec![Variant::Block {
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
    let mut out: Vec<Label> = Vec::new();
    for c in all {
        for v in &c.variants {
            match v {
                Variant::Block {
                    centre,
                    lines,
                    within,
                } => {
                    let (bounds, shapes) = block(lines, *centre, c.rgb);
                    if let Some((fw, fh)) = within
                        && (bounds.w > fw * 0.95 || bounds.h > fh * 0.9)
                    {
                        continue;
                    }
                    let size = lines.first().map_or(0.0, |l| l.1);
                    let repeated = lines.first().is_some_and(|(text, _)| {
                        out.iter().any(|l| {
                            l.lines.first() == Some(text) && repeats_near(&l.bounds, *centre, size)
                        })
                    });
                    if repeated {
                        continue;
                    }
                    if placer.place(bounds) {
                        out.push(Label {
                            bounds,
                            lines: lines.iter().map(|(t, _)| t.clone()).collect(),
                            shapes,
                        });
                        break;
                    }
                }
                Variant::Along { name, size, chars } => {
                    let glyphs: Vec<(Bounds, Vec<Shape>)> = chars
                        .iter()
                        .map(|(ch, at)| block(&[(ch.clone(), *size)], *at, c.rgb))
                        .collect();
                    if !glyphs.iter().all(|(b, _)| placer.is_free(b)) {
                        continue;
                    }
                    let mut bounds: Option<Bounds> = None;
                    let mut shapes = Vec::new();
                    for (b, s) in glyphs {
                        placer.block(b);
                        bounds = Some(bounds.map_or(b, |u| union(u, b)));
                        shapes.extend(s);
                    }
                    if let Some(bounds) = bounds {
                        out.push(Label {
                            bounds,
                            lines: vec![name.clone()],
                            shapes,
                        });
                    }
                    break;
                }
            }
        }
    }
    out
}

/// Whether a name placed in `bounds` lies so near `centre` that the same name
/// there would only repeat it: within about twelve characters' height.
pub fn repeats_near(bounds: &Bounds, (x, y): (f32, f32), size: f32) -> bool {
    let (cx, cy) = (bounds.x + bounds.w / 2.0, bounds.y + bounds.h / 2.0);
    (cx - x).hypot(cy - y) < 12.0 * size.max(1.0)
}

/// The name a parcel goes by on a map when it is not development land (a park's
/// 秀水公园, the airport's 航站区): its name field's value, for transport, green and
/// open space and water, which carry no control values to print; `None` for
/// development land, labelled by its id, and for parcels without a name.
pub fn place_name(layer: &Layer, i: usize) -> Option<String> {
    let class = layer.class.get(i).copied().flatten();
    if class.is_none() || crate::stats::indicators::is_development_class(class) {
        return None;
    }
    let name = layer.value(i, layer.roles.name?).to_text()?;
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_string())
}

fn union(a: Bounds, b: Bounds) -> Bounds {
    let (x, y) = (a.x.min(b.x), a.y.min(b.y));
    Bounds::new(
        x,
        y,
        a.right().max(b.right()) - x,
        a.bottom().max(b.bottom()) - y,
    )
}

/// The ink of water names (a deep blue, as maps letter water) and road names.
pub const WATER_TEXT: [u8; 3] = [28, 92, 160];
pub const ROAD_TEXT: [u8; 3] = [64, 64, 64];

/// A polygon's rings on the image, in pixels.
type Rings = Vec<Vec<(f32, f32)>>;

/// A polygon's rings on the image, the exterior first.
fn rings_px(p: &geo::Polygon<f64>, to_px: &dyn Fn(Coord<f64>) -> (f32, f32)) -> Rings {
    std::iter::once(p.exterior())
        .chain(p.interiors())
        .map(|r| r.0.iter().map(|c| to_px(*c)).collect())
        .collect()
}

/// The area and perimeter of a ring, pixels.
fn ring_measures(ring: &[(f32, f32)]) -> (f32, f32) {
    let (mut twice_area, mut length) = (0.0f32, 0.0f32);
    for w in ring.windows(2) {
        if let [a, b] = w {
            twice_area += a.0 * b.1 - b.0 * a.1;
            length += (b.0 - a.0).hypot(b.1 - a.1);
        }
    }
    ((twice_area / 2.0).abs(), length)
}

/// Whether a point lies inside rings (even-odd).
fn inside_rings(rings: &[Vec<(f32, f32)>], (x, y): (f32, f32)) -> bool {
    let mut inside = false;
    for ring in rings {
        for w in ring.windows(2) {
            if let [a, b] = w
                && (a.1 > y) != (b.1 > y)
                && x < a.0 + (y - a.1) / (b.1 - a.1) * (b.0 - a.0)
            {
                inside = !inside;
            }
        }
    }
    inside
}

/// The main axis of a polygon's rings: the direction along which its outline
/// spreads most (the principal axis of the outline, each stretch weighted by its
/// length), as a unit vector.
fn main_axis(rings: &[Vec<(f32, f32)>]) -> Option<(f32, f32)> {
    let (mut sw, mut sx, mut sy) = (0.0f64, 0.0f64, 0.0f64);
    let mut segs: Vec<(f64, f64, f64)> = Vec::new();
    for ring in rings {
        for w in ring.windows(2) {
            if let [a, b] = w {
                let len = f64::from((b.0 - a.0).hypot(b.1 - a.1));
                let (mx, my) = (f64::from(a.0 + b.0) / 2.0, f64::from(a.1 + b.1) / 2.0);
                sw += len;
                sx += len * mx;
                sy += len * my;
                segs.push((len, mx, my));
            }
        }
    }
    if sw <= 0.0 {
        return None;
    }
    let (cx, cy) = (sx / sw, sy / sw);
    let (mut xx, mut yy, mut xy) = (0.0, 0.0, 0.0);
    for (len, x, y) in segs {
        xx += len * (x - cx) * (x - cx);
        yy += len * (y - cy) * (y - cy);
        xy += len * (x - cx) * (y - cy);
    }
    let angle = 0.5 * (2.0 * xy).atan2(xx - yy);
    Some((angle.cos() as f32, angle.sin() as f32))
}

/// The middle line of an elongated polygon on the image, as runs of points inside
/// the map: cross-sections across its main axis every `step` pixels, each
/// section's middle, a run broken where the polygon leaves the map or the middle
/// jumps (a fork, a bend past the axis).
fn middle_line(rings: &[Vec<(f32, f32)>], step: f32, keep_in: Bounds) -> Vec<Vec<(f32, f32)>> {
    let Some((ux, uy)) = main_axis(rings) else {
        return Vec::new();
    };
    let (vx, vy) = (-uy, ux);
    let along = |p: &(f32, f32)| p.0 * ux + p.1 * uy;
    let across = |p: &(f32, f32)| p.0 * vx + p.1 * vy;
    let (mut t0, mut t1) = (f32::MAX, f32::MIN);
    for p in rings.iter().flatten() {
        t0 = t0.min(along(p));
        t1 = t1.max(along(p));
    }
    let mut runs: Vec<Vec<(f32, f32)>> = Vec::new();
    let mut run: Vec<(f32, f32)> = Vec::new();
    let mut last: Option<(f32, f32)> = None;
    let mut t = t0 + step / 2.0;
    while t < t1 {
        let mut crossings: Vec<f32> = Vec::new();
        for ring in rings {
            for w in ring.windows(2) {
                if let [a, b] = w {
                    let (ta, tb) = (along(a), along(b));
                    if (ta > t) != (tb > t) {
                        let k = (t - ta) / (tb - ta);
                        crossings.push(across(a) + k * (across(b) - across(a)));
                    }
                }
            }
        }
        crossings.sort_by(f32::total_cmp);
        // The inside spans of the section; the one nearest the last middle.
        let spans: Vec<(f32, f32)> = crossings
            .chunks_exact(2)
            .filter_map(|c| match c {
                [a, b] => Some(((a + b) / 2.0, b - a)),
                _ => None,
            })
            .collect();
        let pick = match last {
            Some((s, _)) => spans
                .iter()
                .min_by(|a, b| (a.0 - s).abs().total_cmp(&(b.0 - s).abs()))
                .copied(),
            None => spans.iter().max_by(|a, b| a.1.total_cmp(&b.1)).copied(),
        };
        let point = pick.and_then(|(s, width)| {
            let jumped = last.is_some_and(|(prev, prev_w)| (s - prev).abs() > 2.0 * step + prev_w);
            let p = (t * ux + s * vx, t * uy + s * vy);
            (!jumped && keep_in.contains(&Bounds::new(p.0, p.1, 0.0, 0.0))).then_some((p, s, width))
        });
        match point {
            Some((p, s, width)) => {
                run.push(p);
                last = Some((s, width));
            }
            None => {
                if run.len() > 1 {
                    runs.push(std::mem::take(&mut run));
                }
                run.clear();
                last = pick;
            }
        }
        t += step;
    }
    if run.len() > 1 {
        runs.push(run);
    }
    runs
}

/// The length of a polyline.
fn polyline_length(points: &[(f32, f32)]) -> f32 {
    points
        .windows(2)
        .map(|w| match w {
            [a, b] => (b.0 - a.0).hypot(b.1 - a.1),
            _ => 0.0,
        })
        .sum()
}

/// The point `d` along a polyline.
fn point_at(points: &[(f32, f32)], d: f32) -> Option<(f32, f32)> {
    let mut left = d.max(0.0);
    for w in points.windows(2) {
        if let [a, b] = w {
            let seg = (b.0 - a.0).hypot(b.1 - a.1);
            if seg >= left && seg > 0.0 {
                let k = left / seg;
                return Some((a.0 + (b.0 - a.0) * k, a.1 + (b.1 - a.1) * k));
            }
            left -= seg;
        }
    }
    points.last().copied()
}

/// Whether a name reads as Chinese, whose characters can stand one by one along
/// a line; a Latin name is only ever set as a line of text.
fn spaced_script(name: &str) -> bool {
    let n = name.chars().count();
    n > 0 && name.chars().filter(|c| !c.is_ascii()).count() * 2 > n
}

/// Where a road's, river's, canal's or pond's name goes (see [`name_places`]).
#[derive(Debug, Clone, PartialEq)]
pub enum NamePlace {
    /// The name as one line centred on this point.
    Centre((f32, f32)),
    /// The name's characters, each upright and centred on its own point along the
    /// feature's middle line.
    Along(Vec<(String, (f32, f32))>),
}

/// How a road, river or pond is named at this scale: along its middle line where
/// it is long and thin and the part in view holds the spaced name, inside its
/// outline where it is compact and the name fits in it; with its length or area
/// on the image, which ranks it. `to_px` puts a lon/lat position on the image (or
/// the screen) and `keep_in` is the part of it the name must stay in. `None` when
/// the feature is too small here to be named. The window names the basemap's
/// roads and water through this too, so a map image and the screen agree.
pub fn name_places(
    g: &Geometry<f64>,
    to_px: &dyn Fn(Coord<f64>) -> (f32, f32),
    name: &str,
    size: f32,
    keep_in: Bounds,
) -> Option<(Vec<NamePlace>, f64)> {
    let polygons: Vec<&geo::Polygon<f64>> = match g {
        Geometry::Polygon(p) => vec![p],
        Geometry::MultiPolygon(mp) => mp.0.iter().collect(),
        Geometry::LineString(_) | Geometry::MultiLineString(_) => {
            return along_lines(g, to_px, name, size, keep_in);
        }
        _ => Vec::new(),
    };
    let mut best_run: Option<Vec<(f32, f32)>> = None;
    let mut best_len = 0.0f32;
    let mut inside: Vec<(Rings, f32)> = Vec::new();
    for p in polygons {
        let rings = rings_px(p, to_px);
        let Some(exterior) = rings.first() else {
            continue;
        };
        let (area, perimeter) = ring_measures(exterior);
        // A strip `length` long and `width` wide has this area and perimeter.
        let half = perimeter / 2.0;
        let disc = (half * half - 4.0 * area).max(0.0).sqrt();
        let width = (half - disc) / 2.0;
        let length = (half + disc) / 2.0;
        if width > 0.0 && length / width >= 4.0 {
            for run in middle_line(&rings, (size * 0.5).max(2.0), keep_in) {
                let len = polyline_length(&run);
                if len > best_len {
                    best_len = len;
                    best_run = Some(run);
                }
            }
        } else {
            inside.push((rings, area));
        }
    }
    if let Some(run) = best_run
        && let Some(places) = along_run(run, name, size)
    {
        return Some((places, f64::from(best_len)));
    }
    // Compact: inside the largest part where the name's box lies in its outline.
    let (rings, area) = inside.into_iter().max_by(|a, b| a.1.total_cmp(&b.1))?;
    let lines = vec![(name.to_string(), size)];
    let probe = block(&lines, (0.0, 0.0), [0, 0, 0]).0;
    let centre = match g.interior_point() {
        Some(p) => to_px(p.0),
        None => return None,
    };
    let fits = |(cx, cy): (f32, f32)| {
        let b = Bounds::new(cx + probe.x, cy + probe.y, probe.w, probe.h);
        keep_in.contains(&b)
            && [
                (b.x, b.y),
                (b.right(), b.y),
                (b.x, b.bottom()),
                (b.right(), b.bottom()),
                (cx, cy),
            ]
            .into_iter()
            .all(|q| inside_rings(&rings, q))
    };
    // The interior point, or the middle of the part's box when the name fits there
    // and not on the interior point (a crescent-shaped lake, say).
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for q in rings.iter().flatten() {
        x0 = x0.min(q.0);
        y0 = y0.min(q.1);
        x1 = x1.max(q.0);
        y1 = y1.max(q.1);
    }
    let places: Vec<NamePlace> = [centre, ((x0 + x1) / 2.0, (y0 + y1) / 2.0)]
        .into_iter()
        .filter(|c| fits(*c))
        .map(NamePlace::Centre)
        .collect();
    (!places.is_empty()).then_some((places, f64::from(area)))
}

/// [`name_places`] on a map image, as the label placer's variants.
fn along_or_inside(
    g: &Geometry<f64>,
    name: &str,
    size: f32,
    ctx: &LabelContext,
) -> Option<(Vec<Variant>, f64)> {
    let margin = size * 0.7;
    let keep_in = Bounds::new(
        margin,
        margin,
        ctx.size_px.0 - 2.0 * margin,
        ctx.size_px.1 - 2.0 * margin,
    );
    let (places, measure) = name_places(g, &|c| ctx.fit.to_px(c), name, size, keep_in)?;
    let variants = places
        .into_iter()
        .map(|p| match p {
            NamePlace::Centre(centre) => Variant::Block {
                centre,
                lines: vec![(name.to_string(), size)],
                within: None,
            },
            NamePlace::Along(chars) => Variant::Along {
                name: name.to_string(),
                size,
                chars,
            },
        })
        .collect();
    Some((variants, measure))
}

/// Names along a line feature (a road or canal drawn as a line): along its
/// longest part in view.
fn along_lines(
    g: &Geometry<f64>,
    to_px: &dyn Fn(Coord<f64>) -> (f32, f32),
    name: &str,
    size: f32,
    keep_in: Bounds,
) -> Option<(Vec<NamePlace>, f64)> {
    let lines: Vec<&geo::LineString<f64>> = match g {
        Geometry::LineString(l) => vec![l],
        Geometry::MultiLineString(ml) => ml.0.iter().collect(),
        _ => return None,
    };
    let mut best: Option<Vec<(f32, f32)>> = None;
    let mut best_len = 0.0f32;
    for l in lines {
        // The line's stretches inside the map, each a run.
        let mut run: Vec<(f32, f32)> = Vec::new();
        let mut runs = Vec::new();
        for c in &l.0 {
            let p = to_px(*c);
            if keep_in.contains(&Bounds::new(p.0, p.1, 0.0, 0.0)) {
                run.push(p);
            } else if run.len() > 1 {
                runs.push(std::mem::take(&mut run));
            } else {
                run.clear();
            }
        }
        if run.len() > 1 {
            runs.push(run);
        }
        for r in runs {
            let len = polyline_length(&r);
            if len > best_len {
                best_len = len;
                best = Some(r);
            }
        }
    }
    let places = along_run(best?, name, size)?;
    Some((places, f64::from(best_len)))
}

/// The ways of setting a name along a run of its feature's middle line: its
/// characters upright and spaced (a gap of most of a character, or closer where
/// the run is short), the whole name in the run's middle or a third or a sixth
/// of the way from either end, reading left to right (top to bottom on a line
/// that runs more up and down). A Latin name is set as one line, on a run that
/// runs more across than up and down. `None` when the run is too short for it.
fn along_run(mut run: Vec<(f32, f32)>, name: &str, size: f32) -> Option<Vec<NamePlace>> {
    let (first, last) = (*run.first()?, *run.last()?);
    let (dx, dy) = (last.0 - first.0, last.1 - first.1);
    let steep = dx.abs() < 0.3 * dy.abs();
    if (steep && dy < 0.0) || (!steep && dx < 0.0) {
        run.reverse();
    }
    let length = polyline_length(&run);
    let mids = [0.5, 0.33, 0.67, 0.17, 0.83];
    if !spaced_script(name) {
        let w = text_advance(name, size);
        if steep || w + size > length {
            return None;
        }
        let places: Vec<NamePlace> = mids
            .iter()
            .map(|k| k * length)
            .filter(|d| *d >= w / 2.0 && *d <= length - w / 2.0)
            .filter_map(|d| point_at(&run, d))
            .map(NamePlace::Centre)
            .collect();
        return (!places.is_empty()).then_some(places);
    }
    let chars: Vec<String> = name
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(String::from)
        .collect();
    let n = chars.len();
    if n == 0 {
        return None;
    }
    let mut variants = Vec::new();
    for spacing in [1.8, 1.2] {
        let span = (n - 1) as f32 * spacing * size;
        let half = span / 2.0 + size * 0.6;
        if 2.0 * half > length {
            continue;
        }
        for k in mids {
            let mid = k * length;
            if mid < half || mid > length - half {
                continue;
            }
            let at: Option<Vec<(String, (f32, f32))>> = chars
                .iter()
                .enumerate()
                .map(|(j, ch)| {
                    let d = mid - span / 2.0 + j as f32 * spacing * size;
                    point_at(&run, d).map(|p| (ch.clone(), p))
                })
                .collect();
            if let Some(chars) = at {
                variants.push(NamePlace::Along(chars));
            }
        }
    }
    (!variants.is_empty()).then_some(variants)
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
