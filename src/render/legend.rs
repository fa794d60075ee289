//! The legend of a map image: what is actually drawn, in the order it is drawn
//! (each named layer, the land-use classes present in view by code, the facility
//! types present by their symbols), as data a PDF can lay out as vectors, and as a
//! box of vector shapes placed on the map.

use geo::Rect;

use super::canvas::{Bounds, Line, Shape, text_advance};
use super::map_image::{ImageLayer, ImagePaint, SELECTED_EDGE};
use super::symbols;
use crate::landuse::{ClassId, LanduseTable};

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

/// The legend lines of what the offline basemap draws in `view` (lon/lat): its
/// water (水系) and roads (道路), in the light variant's colours that printed maps
/// use. The land and the district outline are not listed: the outline is the
/// project's 范围 layer, listed with the layers.
pub fn basemap_entries(
    basemap: Option<&crate::render::Basemap>,
    view: Rect<f64>,
    chinese: bool,
) -> Vec<LegendEntry> {
    use crate::render::{BasemapKind, BasemapVariant};
    let Some(basemap) = basemap else {
        return Vec::new();
    };
    basemap
        .kinds_in(view)
        .into_iter()
        .filter_map(|kind| {
            let label = match (kind, chinese) {
                (BasemapKind::Water, true) => "水系",
                (BasemapKind::Water, false) => "Water",
                (BasemapKind::Road, true) => "道路",
                (BasemapKind::Road, false) => "Roads",
                _ => return None,
            };
            let (rgb, edge) = BasemapVariant::Light.colours(kind);
            Some(LegendEntry {
                swatch: Swatch::Fill { rgb, edge },
                label: label.to_string(),
            })
        })
        .collect()
}

/// The legend of the layers as drawn in `view` (lon/lat): a layer with nothing in
/// view is left out, and so is a class or type no feature in view has.
pub fn legend_entries(layers: &[ImageLayer], view: Rect<f64>, chinese: bool) -> Vec<LegendEntry> {
    let table = LanduseTable::global();
    let mut out = Vec::new();
    let mut any_selected = false;
    for l in layers {
        let layer = l.layer;
        let mut in_view: Vec<usize> = layer
            .index
            .in_rect(view)
            .map(|(i, _)| i)
            .filter(|i| matches!(layer.geometries.get(*i), Some(Some(_))))
            .collect();
        if in_view.is_empty() {
            continue;
        }
        in_view.sort_unstable();
        if !l.selected.is_empty() && l.selected.len() < layer.len() {
            any_selected |= l.selected.iter().any(|i| in_view.binary_search(i).is_ok());
        }
        let name = l.style.name.clone();
        match l.style.paint {
            ImagePaint::Landuse => {
                let mut classes: Vec<ClassId> = Vec::new();
                let mut unclassified = false;
                for &i in &in_view {
                    match layer.class.get(i).copied().flatten() {
                        Some(c) => classes.push(c),
                        None => unclassified = true,
                    }
                }
                classes.sort_unstable();
                classes.dedup();
                let mut rows: Vec<(String, LegendEntry)> = classes
                    .into_iter()
                    .filter_map(|c| {
                        let k = table.class(c)?;
                        let label = if chinese { &k.name_zh } else { &k.name_en };
                        Some((
                            k.code.clone(),
                            LegendEntry {
                                swatch: Swatch::Fill {
                                    rgb: table.rgb(c),
                                    edge: EDGE,
                                },
                                label: format!("{} {label}", k.code),
                            },
                        ))
                    })
                    .collect();
                rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.label.cmp(&b.1.label)));
                out.extend(rows.into_iter().map(|(_, e)| e));
                if unclassified {
                    out.push(LegendEntry {
                        swatch: Swatch::Fill {
                            rgb: UNCLASSIFIED,
                            edge: EDGE,
                        },
                        label: if chinese {
                            "未分类用地"
                        } else {
                            "Unclassified"
                        }
                        .to_string(),
                    });
                }
            }
            ImagePaint::Fill(rgb) if !name.is_empty() => out.push(LegendEntry {
                swatch: Swatch::Fill { rgb, edge: EDGE },
                label: name,
            }),
            ImagePaint::Outline(rgb, width) if !name.is_empty() => out.push(LegendEntry {
                swatch: Swatch::Line {
                    rgb,
                    width_pt: width * 0.75,
                    dash: l.style.dash,
                },
                label: name,
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
        });
    }
    out
}

/// The entries of a point layer: one per facility type in view, in the symbol
/// table's order and then the unknown types by name; the layer's own name and a
/// plain dot when it has no type field.
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
        }];
    };
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
        })
        .collect();
    for kind in unknown {
        let label = if kind.is_empty() {
            if l.style.name.is_empty() {
                if chinese { "其他设施" } else { "Other" }.to_string()
            } else {
                l.style.name.clone()
            }
        } else {
            kind
        };
        out.push(LegendEntry {
            swatch: Swatch::Symbol {
                rgb: symbols::OTHER_RGB,
                glyph: String::new(),
            },
            label,
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

/// A legend box placed on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendBox {
    pub bounds: Bounds,
    /// How many entries it shows: all of them unless the room ran out.
    pub shown: usize,
    pub shapes: Vec<Shape>,
}

/// Lays out a legend box in `room` (pixels), against its bottom-right corner (or
/// bottom-left, when `left`), in
/// as many columns as its height needs; `None` when not even the heading and one
/// line fit. Entries that do not fit are summed up in a last line ("另 N 项"), so a
/// legend never claims to be complete when it is not.
pub fn legend_box(
    entries: &[LegendEntry],
    room: Bounds,
    left: bool,
    pt: f32,
    chinese: bool,
) -> Option<LegendBox> {
    if entries.is_empty() {
        return None;
    }
    let size = 7.5 * pt;
    let heading_size = 9.0 * pt;
    let pad = 4.0 * pt;
    let row_h = size * 1.45;
    let (sw_w, sw_h) = (size * 1.6, size * 0.95);
    let gap = size * 0.5;
    let heading = if chinese { "图例" } else { "Legend" };
    let heading_h = heading_size * 1.4;
    let rows_fit = ((room.h - 2.0 * pad - heading_h) / row_h).floor();
    if rows_fit < 1.0 {
        return None;
    }
    let rows = (rows_fit as usize).min(entries.len()).max(1);
    let cols_needed = entries.len().div_ceil(rows);
    let col_w = entries
        .iter()
        .map(|e| text_advance(&e.label, size))
        .fold(0.0, f32::max)
        .min((room.w - 2.0 * pad - sw_w - gap - size).max(size * 4.0))
        + sw_w
        + gap
        + size;
    let cols_fit = (((room.w - 2.0 * pad) / col_w).floor() as usize).max(1);
    let cols = cols_needed.min(cols_fit);
    let capacity = rows * cols;
    // With more entries than room, the last cell says how many are left out.
    let shown = if entries.len() > capacity {
        capacity.saturating_sub(1)
    } else {
        entries.len()
    };
    // Columns of equal length, as short as the cells allow.
    let cells = shown + usize::from(shown < entries.len());
    let rows = cells.div_ceil(cols).max(1);
    let w = (cols as f32 * col_w + 2.0 * pad - size)
        .max(text_advance(heading, heading_size) + 2.0 * pad);
    let h = 2.0 * pad + heading_h + rows as f32 * row_h;
    let x = if left { room.x } else { room.right() - w };
    let y = room.bottom() - h;
    let bounds = Bounds::new(x, y, w, h);
    let mut shapes = vec![Shape::Rect {
        x,
        y,
        w,
        h,
        fill: Some([255, 255, 255]),
        stroke: Some(Line::solid([150, 150, 150], 0.5 * pt)),
    }];
    shapes.push(Shape::Text {
        x: x + pad,
        y: y + pad + heading_size * super::canvas::ASCENT_EM,
        size: heading_size,
        rgb: [0, 0, 0],
        text: heading.to_string(),
        halo: None,
    });
    let top = y + pad + heading_h;
    let max_label_w = col_w - sw_w - gap - size;
    for (k, e) in entries.iter().take(shown).enumerate() {
        let (col, row) = (k / rows, k % rows);
        let cx = x + pad + col as f32 * col_w;
        let cy = top + row as f32 * row_h;
        shapes.extend(swatch_shapes(
            &e.swatch,
            (cx, cy + (row_h - sw_h) / 2.0 - size * 0.1, sw_w, sw_h),
            pt,
        ));
        shapes.push(Shape::Text {
            x: cx + sw_w + gap,
            y: cy + row_h / 2.0 + size * 0.34,
            size,
            rgb: [20, 20, 20],
            text: fit(&e.label, size, max_label_w),
            halo: None,
        });
    }
    if shown < entries.len() {
        let k = shown;
        let (col, row) = (k / rows, k % rows);
        let rest = entries.len() - shown;
        shapes.push(Shape::Text {
            x: x + pad + col as f32 * col_w,
            y: top + row as f32 * row_h + row_h / 2.0 + size * 0.34,
            size,
            rgb: [90, 90, 90],
            text: if chinese {
                format!("另 {rest} 项")
            } else {
                format!("{rest} more")
            },
            halo: None,
        });
    }
    Some(LegendBox {
        bounds,
        shown,
        shapes,
    })
}

/// A label cut to `max_w`, with an ellipsis, for a legend squeezed into a small
/// map; the PDF's flow legend has the room to print labels whole.
fn fit(text: &str, size: f32, max_w: f32) -> String {
    if text_advance(text, size) <= max_w {
        return text.to_string();
    }
    let mut out = String::new();
    let limit = max_w - text_advance("…", size);
    for c in text.chars() {
        out.push(c);
        if text_advance(&out, size) > limit {
            out.pop();
            break;
        }
    }
    out.push('…');
    out
}
