//! The legend of a map image: what is actually drawn, in the order it is drawn
//! (the offline basemap's water and roads, each named layer, the land-use classes
//! present in view by code, the facility types present by their symbols), as data
//! a PDF can lay out as vectors, and as a box of vector shapes placed on the map.
//! A layer that is drawn in several classes or types has its entries grouped under
//! its name, as 水系 and 道路 list their classes (1701 河流水面, 1207 城镇村道路用地).

use geo::{Geometry, Intersects, Rect};

use super::canvas::{ASCENT_EM, Bounds, Line, Shape, text_advance};
use super::map_image::{ImageLayer, ImagePaint, SELECTED_EDGE};
use super::symbols;
use crate::landuse::{ClassId, LanduseTable};
use crate::render::{Basemap, BasemapKind, BasemapVariant};

/// What a legend line shows before its label.
#[derive(Debug, Clone, PartialEq)]
pub enum Swatch {
    /// A filled box, edged.
    Fill { rgb: [u8; 3], edge: [u8; 3] },
    /// A line across the box, `width_pt` points wide, dashed or solid.
    Line {
        rgb: [u8; 3],
        width_pt: f32,
        dash: bool,
    },
    /// A facility symbol: a disc with its glyph (none for a plain dot).
    Symbol { rgb: [u8; 3], glyph: String },
}

/// One legend line.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    pub swatch: Swatch,
    pub label: String,
    /// The layer the entry belongs to when the layer is listed by its classes or
    /// types (水系, 道路, 地块, 公共服务设施): the legend box heads each group with
    /// the name and indents its entries.
    pub group: Option<String>,
}

/// The grey of a parcel's edge and of a fill swatch's frame.
pub const EDGE: [u8; 3] = [110, 110, 110];

/// The fill of parcels without a known class.
pub const UNCLASSIFIED: [u8; 3] = [210, 210, 210];

/// The dash and gap of a dashed line `width` wide (any unit): long enough to read
/// as a dash at print sizes, as 规划范围 lines are drawn.
pub fn dash_pattern(width: f32) -> [f32; 2] {
    let on = (width * 4.0).max(1.0);
    [on, on * 0.6]
}

/// The name the legend gives the basemap's water or roads when no layer of the
/// image says what they are.
fn basemap_name(kind: BasemapKind, chinese: bool) -> Option<&'static str> {
    Some(match (kind, chinese) {
        (BasemapKind::Water, true) => "水系",
        (BasemapKind::Water, false) => "Water",
        (BasemapKind::Road, true) => "道路",
        (BasemapKind::Road, false) => "Roads",
        _ => return None,
    })
}

/// The legend lines of what the offline basemap draws in `view` (lon/lat): its
/// water (水系) and roads (道路), in the light variant's colours that printed maps
/// use. The land and the district outline are not listed: the outline is the
/// project's 范围 layer, listed with the layers. [`map_legend`] lists the classes
/// of the water and roads instead where the image has their layers.
pub fn basemap_entries(
    basemap: Option<&Basemap>,
    view: Rect<f64>,
    chinese: bool,
) -> Vec<LegendEntry> {
    let Some(basemap) = basemap else {
        return Vec::new();
    };
    basemap
        .kinds_in(view)
        .into_iter()
        .filter_map(|kind| {
            let label = basemap_name(kind, chinese)?;
            let (rgb, edge) = BasemapVariant::Light.colours(kind);
            Some(LegendEntry {
                swatch: Swatch::Fill { rgb, edge },
                label: label.to_string(),
                group: None,
            })
        })
        .collect()
}

/// The legend of a map image: the basemap's water and roads first (drawn first),
/// each listed by the land-use classes of its layer's features in view (its
/// 用地代码: 1701 河流水面, 1202 公路用地 …) in the colour the basemap paints them,
/// grouped under the layer's name, or as one line where the image has no layer of
/// them; then the layers' own entries ([`legend_entries`]).
pub fn map_legend(
    basemap: Option<&Basemap>,
    layers: &[ImageLayer],
    view: Rect<f64>,
    chinese: bool,
) -> Vec<LegendEntry> {
    let mut out = Vec::new();
    if let Some(basemap) = basemap {
        for kind in basemap.kinds_in(view) {
            let Some(default_name) = basemap_name(kind, chinese) else {
                continue;
            };
            let (rgb, edge) = BasemapVariant::Light.colours(kind);
            let mut listed = false;
            for l in layers
                .iter()
                .filter(|l| l.style.paint == ImagePaint::Basemap(kind))
            {
                let in_view = drawn_in_view(l, view);
                if in_view.is_empty() {
                    continue;
                }
                let name = if l.style.name.is_empty() {
                    default_name.to_string()
                } else {
                    l.style.name.clone()
                };
                out.extend(class_entries(l, &in_view, &name, chinese, &|_| rgb, edge));
                listed = true;
            }
            if !listed {
                out.push(LegendEntry {
                    swatch: Swatch::Fill { rgb, edge },
                    label: default_name.to_string(),
                    group: None,
                });
            }
        }
    }
    out.extend(legend_entries(layers, view, chinese));
    out
}

/// The features of a layer that the image draws in `view` (lon/lat), ascending:
/// those whose geometry reaches into the view, not merely their boxes; for an
/// outline, those whose line does, so a boundary around the whole view is not
/// listed as if it were drawn.
pub fn drawn_in_view(l: &ImageLayer, view: Rect<f64>) -> Vec<usize> {
    let layer = l.layer;
    let outline = matches!(l.style.paint, ImagePaint::Outline(..));
    let mut out: Vec<usize> = layer
        .index
        .in_rect(view)
        .map(|(i, _)| i)
        .filter(|i| match layer.geometries.get(*i) {
            Some(Some(g)) if outline => outline_meets(g, view),
            Some(Some(g)) => g.intersects(&view),
            _ => false,
        })
        .collect();
    out.sort_unstable();
    out
}

/// Whether the rings (or lines) of a geometry cross the view.
fn outline_meets(g: &Geometry<f64>, view: Rect<f64>) -> bool {
    let poly = |p: &geo::Polygon<f64>| {
        p.exterior().intersects(&view) || p.interiors().iter().any(|r| r.intersects(&view))
    };
    match g {
        Geometry::Polygon(p) => poly(p),
        Geometry::MultiPolygon(mp) => mp.0.iter().any(poly),
        Geometry::GeometryCollection(gc) => gc.0.iter().any(|g| outline_meets(g, view)),
        other => other.intersects(&view),
    }
}

/// The entries of a layer drawn by land-use class or listed by it: one per class
/// of its features in `in_view`, by code, in the colour `rgb` gives the class,
/// grouped under `group`; features without a class are summed up in one last
/// line ("未分类用地" when each class has its own colour, "其他…" when the layer
/// is drawn in one colour). A layer with no class at all is one line, its name.
fn class_entries(
    l: &ImageLayer,
    in_view: &[usize],
    group: &str,
    chinese: bool,
    rgb: &dyn Fn(Option<ClassId>) -> [u8; 3],
    edge: [u8; 3],
) -> Vec<LegendEntry> {
    let table = LanduseTable::global();
    let layer = l.layer;
    let mut classes: Vec<ClassId> = Vec::new();
    let mut unclassified = false;
    for &i in in_view {
        match layer.class.get(i).copied().flatten() {
            Some(c) => classes.push(c),
            None => unclassified = true,
        }
    }
    classes.sort_unstable();
    classes.dedup();
    let group_name = (!group.is_empty()).then(|| group.to_string());
    if classes.is_empty() {
        if group.is_empty() && l.style.paint != ImagePaint::Landuse {
            return Vec::new();
        }
        let label = if l.style.paint == ImagePaint::Landuse {
            if chinese {
                "未分类用地"
            } else {
                "Unclassified"
            }
            .to_string()
        } else {
            group.to_string()
        };
        return vec![LegendEntry {
            swatch: Swatch::Fill {
                rgb: rgb(None),
                edge,
            },
            label,
            group: None,
        }];
    }
    let mut rows: Vec<(String, LegendEntry)> = classes
        .into_iter()
        .filter_map(|c| {
            let k = table.class(c)?;
            let label = if chinese { &k.name_zh } else { &k.name_en };
            Some((
                k.code.clone(),
                LegendEntry {
                    swatch: Swatch::Fill {
                        rgb: rgb(Some(c)),
                        edge,
                    },
                    label: format!("{} {label}", k.code),
                    group: group_name.clone(),
                },
            ))
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.label.cmp(&b.1.label)));
    let mut out: Vec<LegendEntry> = rows.into_iter().map(|(_, e)| e).collect();
    if unclassified {
        let label = match (l.style.paint == ImagePaint::Landuse, chinese) {
            (true, true) => "未分类用地".to_string(),
            (true, false) => "Unclassified".to_string(),
            (false, true) => format!("其他{group}"),
            (false, false) => format!("Other {}", group.to_lowercase()),
        };
        out.push(LegendEntry {
            swatch: Swatch::Fill {
                rgb: rgb(None),
                edge,
            },
            label,
            group: group_name,
        });
    }
    out
}

/// The legend of the layers as drawn in `view` (lon/lat): a layer with nothing in
/// view is left out, and so is a class or type no feature in view has. The layers
/// the offline basemap paints ([`ImagePaint::Basemap`]) are listed by
/// [`map_legend`], with the basemap.
pub fn legend_entries(layers: &[ImageLayer], view: Rect<f64>, chinese: bool) -> Vec<LegendEntry> {
    let table = LanduseTable::global();
    let mut out = Vec::new();
    let mut any_selected = false;
    for l in layers {
        let layer = l.layer;
        if matches!(l.style.paint, ImagePaint::Basemap(_)) {
            continue;
        }
        let in_view = drawn_in_view(l, view);
        if in_view.is_empty() {
            continue;
        }
        if !l.selected.is_empty() && l.selected.len() < layer.len() {
            any_selected |= l.selected.iter().any(|i| in_view.binary_search(i).is_ok());
        }
        let name = l.style.name.clone();
        match l.style.paint {
            ImagePaint::Landuse => out.extend(class_entries(
                l,
                &in_view,
                &name,
                chinese,
                &|c| c.map_or(UNCLASSIFIED, |c| table.rgb(c)),
                EDGE,
            )),
            // A layer in one colour whose features carry land-use codes (water or
            // roads drawn as a layer) lists its classes, all in that colour.
            ImagePaint::Fill(rgb) if layer.roles.landuse.is_some() => {
                out.extend(class_entries(l, &in_view, &name, chinese, &|_| rgb, EDGE))
            }
            ImagePaint::Fill(rgb) if !name.is_empty() => out.push(LegendEntry {
                swatch: Swatch::Fill { rgb, edge: EDGE },
                label: name,
                group: None,
            }),
            ImagePaint::Outline(rgb, width) if !name.is_empty() => out.push(LegendEntry {
                swatch: Swatch::Line {
                    rgb,
                    width_pt: width * 0.75,
                    dash: l.style.dash,
                },
                label: name,
                group: None,
            }),
            ImagePaint::Points(rgb) => out.extend(symbol_entries(l, &in_view, rgb, chinese)),
            _ => {}
        }
    }
    if any_selected {
        out.push(LegendEntry {
            swatch: Swatch::Line {
                rgb: SELECTED_EDGE,
                width_pt: 1.5,
                dash: false,
            },
            label: if chinese { "选中范围" } else { "Selection" }.to_string(),
            group: None,
        });
    }
    out
}

/// The entries of a point layer: one per facility type in view, in the symbol
/// table's order and then the unknown types by name, grouped under the layer's
/// name; the layer's own name and a plain dot when it has no type field.
fn symbol_entries(
    l: &ImageLayer,
    in_view: &[usize],
    rgb: [u8; 3],
    chinese: bool,
) -> Vec<LegendEntry> {
    let layer = l.layer;
    let Some(field) = symbols::type_field(layer) else {
        if l.style.name.is_empty() {
            return Vec::new();
        }
        return vec![LegendEntry {
            swatch: Swatch::Symbol {
                rgb,
                glyph: String::new(),
            },
            label: l.style.name.clone(),
            group: None,
        }];
    };
    let group = (!l.style.name.is_empty()).then(|| l.style.name.clone());
    let mut known: Vec<usize> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    for &i in in_view {
        let kind = layer.value(i, field).to_text().unwrap_or_default();
        match symbols::FACILITY_SYMBOLS
            .iter()
            .position(|s| symbols::lookup(&kind).is_some_and(|k| k == s))
        {
            Some(k) => known.push(k),
            None => unknown.push(kind),
        }
    }
    known.sort_unstable();
    known.dedup();
    unknown.sort();
    unknown.dedup();
    let mut out: Vec<LegendEntry> = known
        .into_iter()
        .filter_map(|k| symbols::FACILITY_SYMBOLS.get(k))
        .map(|s| LegendEntry {
            swatch: Swatch::Symbol {
                rgb: s.rgb,
                glyph: s.glyph.to_string(),
            },
            label: if chinese { s.kind_zh } else { s.kind_en }.to_string(),
            group: group.clone(),
        })
        .collect();
    for kind in unknown {
        let label = if kind.is_empty() {
            if chinese { "其他设施" } else { "Other" }.to_string()
        } else {
            kind
        };
        out.push(LegendEntry {
            swatch: Swatch::Symbol {
                rgb: symbols::OTHER_RGB,
                glyph: String::new(),
            },
            label,
            group: group.clone(),
        });
    }
    out
}

/// The shapes of a swatch in the box (`x`, `y`, `w`, `h`), `pt` units to the
/// point.
pub fn swatch_shapes(swatch: &Swatch, (x, y, w, h): (f32, f32, f32, f32), pt: f32) -> Vec<Shape> {
    match swatch {
        Swatch::Fill { rgb, edge } => vec![Shape::Rect {
            x,
            y,
            w,
            h,
            fill: Some(*rgb),
            stroke: Some(Line::solid(*edge, 0.3 * pt)),
        }],
        Swatch::Line {
            rgb,
            width_pt,
            dash,
        } => {
            let width = (width_pt * pt).min(h);
            vec![Shape::Path {
                points: vec![(x, y + h / 2.0), (x + w, y + h / 2.0)],
                close: false,
                fill: None,
                stroke: Some(Line {
                    rgb: *rgb,
                    width,
                    // A dash short enough that the swatch shows at least two.
                    dash: dash.then(|| {
                        let [on, off] = dash_pattern(width);
                        let k = (w / (2.0 * (on + off))).min(1.0);
                        [on * k, off * k]
                    }),
                }),
            }]
        }
        Swatch::Symbol { rgb, glyph } => {
            let r = h.min(w) / 2.0 + 0.5 * pt;
            symbols::symbol_shapes((x + w / 2.0, y + h / 2.0), r, *rgb, glyph, pt)
        }
    }
}

/// The corner of its room a legend box (or any furniture) is set against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corner {
    TopLeft,
    TopRight,
    BottomLeft,
    BottomRight,
}

impl Corner {
    pub const ALL: [Corner; 4] = [
        Corner::BottomRight,
        Corner::BottomLeft,
        Corner::TopRight,
        Corner::TopLeft,
    ];

    pub fn left(self) -> bool {
        matches!(self, Corner::TopLeft | Corner::BottomLeft)
    }

    pub fn top(self) -> bool {
        matches!(self, Corner::TopLeft | Corner::TopRight)
    }

    /// The top-left corner of a `w` × `h` box set against this corner of `room`.
    pub fn place(self, room: Bounds, w: f32, h: f32) -> (f32, f32) {
        let x = if self.left() {
            room.x
        } else {
            room.right() - w
        };
        let y = if self.top() {
            room.y
        } else {
            room.bottom() - h
        };
        (x, y)
    }
}

/// A legend box placed on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendBox {
    pub bounds: Bounds,
    /// How many entries it shows: all of them unless the room ran out.
    pub shown: usize,
    pub shapes: Vec<Shape>,
}

/// The sizes of a legend box's parts, `pt` pixels to the point.
struct Metrics {
    size: f32,
    heading_size: f32,
    pad: f32,
    line_h: f32,
    row_h: f32,
    sw_w: f32,
    sw_h: f32,
    gap: f32,
    indent: f32,
    col_gap: f32,
    heading_h: f32,
}

impl Metrics {
    fn new(pt: f32) -> Metrics {
        let size = 7.5 * pt;
        let heading_size = 9.0 * pt;
        Metrics {
            size,
            heading_size,
            pad: 4.0 * pt,
            line_h: size * 1.25,
            row_h: size * 1.45,
            sw_w: size * 1.6,
            sw_h: size * 0.95,
            gap: size * 0.5,
            indent: size * 0.9,
            col_gap: size,
            heading_h: heading_size * 1.4,
        }
    }
}

/// One line of a legend box: a group's name, or an entry with its label broken
/// into lines.
#[derive(Debug, Clone)]
enum Item {
    Group { lines: Vec<String>, continued: bool },
    Entry { index: usize, lines: Vec<String> },
}

impl Item {
    fn height(&self, m: &Metrics) -> f32 {
        match self {
            Item::Group { lines, .. } => lines.len() as f32 * m.line_h + m.size * 0.3,
            Item::Entry { lines, .. } => m.row_h + lines.len().saturating_sub(1) as f32 * m.line_h,
        }
    }
}

/// `text` broken by the shared line breaker into as few lines as `max_w` allows,
/// and those lines as even as they can be, so that a long name does not leave
/// one character on a line of its own. A class's label that takes two lines
/// breaks after its code, so that the name reads whole (080602 / 基层医疗卫生设施用地).
fn balanced(text: &str, size: f32, max_w: f32) -> Vec<String> {
    let lines = super::wrap::wrap(text, size, max_w);
    if lines.len() < 2 {
        return lines;
    }
    if lines.len() == 2
        && let Some((code, name)) = text.split_once(' ')
        && !code.is_empty()
        && code.chars().all(|c| c.is_ascii_alphanumeric())
        && text_advance(name, size) <= max_w
    {
        return vec![code.to_string(), name.to_string()];
    }
    let n = lines.len();
    let (mut lo, mut hi) = (max_w / n as f32, max_w);
    for _ in 0..16 {
        let mid = (lo + hi) / 2.0;
        if super::wrap::wrap(text, size, mid).len() <= n {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    super::wrap::wrap(text, size, hi)
}

/// The legend's lines: each group's name before its first entry, then the
/// entries, labels broken at `label_w` by the shared line breaker (never cut).
fn items(entries: &[LegendEntry], m: &Metrics, label_w: f32) -> Vec<Item> {
    let mut out = Vec::new();
    let mut group: Option<&str> = None;
    for (index, e) in entries.iter().enumerate() {
        let g = e.group.as_deref();
        if g != group {
            if let Some(name) = g {
                out.push(Item::Group {
                    lines: super::wrap::wrap(name, m.size, label_w + m.indent),
                    continued: false,
                });
            }
            group = g;
        }
        let w = if g.is_some() {
            label_w
        } else {
            label_w + m.indent
        };
        out.push(Item::Entry {
            index,
            lines: balanced(&e.label, m.size, w),
        });
    }
    out
}

/// Items flowed into columns at most `col_h` tall: a group's name never ends a
/// column (it moves on with its first entry), and a column that starts inside a
/// group repeats its name, marked （续）. Columns of items, `None` when an item is
/// taller than a column.
fn flow(
    items: &[Item],
    entries: &[LegendEntry],
    m: &Metrics,
    col_h: f32,
    label_w: f32,
    chinese: bool,
) -> Option<Vec<Vec<Item>>> {
    let mut cols: Vec<Vec<Item>> = vec![Vec::new()];
    let mut used = 0.0f32;
    let mut k = 0;
    while let Some(item) = items.get(k) {
        let mut need = item.height(m);
        if let (Item::Group { .. }, Some(next)) = (item, items.get(k + 1)) {
            need += next.height(m);
        }
        if need > col_h {
            return None;
        }
        if used + need > col_h + 0.01 {
            cols.push(Vec::new());
            used = 0.0;
            // A column that opens inside a group says whose entries follow.
            if let Item::Entry { index, .. } = item
                && let Some(g) = entries.get(*index).and_then(|e| e.group.as_deref())
            {
                let name = if chinese {
                    format!("{g}（续）")
                } else {
                    format!("{g} (cont.)")
                };
                let head = Item::Group {
                    lines: super::wrap::wrap(&name, m.size, label_w + m.indent),
                    continued: true,
                };
                let h = head.height(m);
                if h + item.height(m) <= col_h
                    && let Some(col) = cols.last_mut()
                {
                    used += h;
                    col.push(head);
                }
            }
        }
        used += item.height(m);
        if let Some(col) = cols.last_mut() {
            col.push(item.clone());
        }
        k += 1;
    }
    Some(cols)
}

fn column_height(col: &[Item], m: &Metrics) -> f32 {
    col.iter().map(|i| i.height(m)).sum()
}

/// Lays out a legend box in `room` (pixels), against one of its corners, in as
/// many columns as its height needs, the columns as short and even as they can
/// be; `None` when not even the heading and one line fit. Long labels are broken
/// onto more lines, never cut. Entries that do not fit are summed up in a last
/// line ("另 N 项"), so a legend never claims to be complete when it is not.
pub fn legend_box(
    entries: &[LegendEntry],
    room: Bounds,
    corner: Corner,
    pt: f32,
    chinese: bool,
) -> Option<LegendBox> {
    if entries.is_empty() {
        return None;
    }
    let m = Metrics::new(pt);
    let heading = if chinese { "图例" } else { "Legend" };
    let col_h = room.h - 2.0 * m.pad - m.heading_h;
    if col_h < m.row_h {
        return None;
    }
    // Labels as wide as the widest, but broken past twelve ems (a class's code
    // and a name of eight characters fit), or past what a single column leaves
    // in a narrow room.
    let fixed = m.sw_w + m.gap + m.indent;
    let widest = entries
        .iter()
        .map(|e| text_advance(&e.label, m.size))
        .fold(0.0, f32::max);
    let label_w = widest
        .min(m.size * 12.0)
        .min(room.w - 2.0 * m.pad - fixed)
        .max(m.size * 4.0);
    let items = items(entries, &m, label_w);
    let col_w = fixed + label_w;
    let cols_fit =
        (((room.w - 2.0 * m.pad + m.col_gap) / (col_w + m.col_gap)).floor() as usize).max(1);
    let all = flow(&items, entries, &m, col_h, label_w, chinese)?;
    let (cols, shown) = if all.len() <= cols_fit {
        // The shortest columns that still fit in as many columns.
        let n = all.len();
        let tallest = items.iter().map(|i| i.height(&m)).fold(0.0, f32::max);
        let (mut lo, mut hi) = (tallest, col_h);
        for _ in 0..24 {
            let mid = (lo + hi) / 2.0;
            match flow(&items, entries, &m, mid, label_w, chinese) {
                Some(c) if c.len() <= n => hi = mid,
                _ => lo = mid,
            }
        }
        let cols = flow(&items, entries, &m, hi, label_w, chinese).unwrap_or(all);
        (cols, entries.len())
    } else {
        // As many whole columns as fit; the last gives up its last lines to a
        // line saying how many entries are left out.
        let mut cols: Vec<Vec<Item>> = all.into_iter().take(cols_fit).collect();
        if let Some(last) = cols.last_mut() {
            while !last.is_empty() && column_height(last, &m) + m.row_h > col_h + 0.01 {
                last.pop();
            }
            // A group's name does not end the column.
            while matches!(last.last(), Some(Item::Group { .. })) {
                last.pop();
            }
        }
        let shown = cols
            .iter()
            .flatten()
            .filter(|i| matches!(i, Item::Entry { .. }))
            .count();
        (cols, shown)
    };
    let rest = entries.len() - shown;
    let content_h = cols
        .iter()
        .enumerate()
        .map(|(k, c)| {
            column_height(c, &m)
                + if rest > 0 && k + 1 == cols.len() {
                    m.row_h
                } else {
                    0.0
                }
        })
        .fold(0.0, f32::max);
    let n = cols.len().max(1) as f32;
    let w = (2.0 * m.pad + n * col_w + (n - 1.0) * m.col_gap)
        .max(text_advance(heading, m.heading_size) + 2.0 * m.pad);
    let h = 2.0 * m.pad + m.heading_h + content_h;
    let (x, y) = corner.place(room, w, h);
    let mut shapes = vec![
        Shape::Rect {
            x,
            y,
            w,
            h,
            fill: Some([255, 255, 255]),
            stroke: Some(Line::solid([150, 150, 150], 0.5 * pt)),
        },
        Shape::Text {
            x: x + m.pad,
            y: y + m.pad + m.heading_size * ASCENT_EM,
            size: m.heading_size,
            rgb: [0, 0, 0],
            text: heading.to_string(),
            halo: None,
        },
    ];
    let top = y + m.pad + m.heading_h;
    // The baseline of a line of text in a row `row_h` tall starting at `cy`.
    let baseline = |cy: f32| cy + m.row_h / 2.0 + m.size * 0.34;
    for (k, col) in cols.iter().enumerate() {
        let cx = x + m.pad + k as f32 * (col_w + m.col_gap);
        let mut cy = top;
        for item in col {
            match item {
                Item::Group { lines, continued } => {
                    for (j, line) in lines.iter().enumerate() {
                        shapes.push(Shape::Text {
                            x: cx,
                            y: cy + j as f32 * m.line_h + m.size * ASCENT_EM + m.size * 0.15,
                            size: m.size,
                            rgb: if *continued {
                                [110, 110, 110]
                            } else {
                                [40, 40, 40]
                            },
                            text: line.clone(),
                            halo: None,
                        });
                    }
                }
                Item::Entry { index, lines } => {
                    let Some(e) = entries.get(*index) else {
                        continue;
                    };
                    let ex = if e.group.is_some() { cx + m.indent } else { cx };
                    shapes.extend(swatch_shapes(
                        &e.swatch,
                        (
                            ex,
                            cy + (m.row_h - m.sw_h) / 2.0 - m.size * 0.1,
                            m.sw_w,
                            m.sw_h,
                        ),
                        pt,
                    ));
                    for (j, line) in lines.iter().enumerate() {
                        shapes.push(Shape::Text {
                            x: ex + m.sw_w + m.gap,
                            y: baseline(cy) + j as f32 * m.line_h,
                            size: m.size,
                            rgb: [20, 20, 20],
                            text: line.clone(),
                            halo: None,
                        });
                    }
                }
            }
            cy += item.height(&m);
        }
        if rest > 0 && k + 1 == cols.len() {
            shapes.push(Shape::Text {
                x: cx,
                y: baseline(cy),
                size: m.size,
                rgb: [90, 90, 90],
                text: if chinese {
                    format!("另 {rest} 项")
                } else {
                    format!("{rest} more")
                },
                halo: None,
            });
        }
    }
    Some(LegendBox {
        bounds: Bounds::new(x, y, w, h),
        shown,
        shapes,
    })
}
