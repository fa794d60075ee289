//! Map images without a window: the offline basemap, layers in their styles, the
//! selection highlighted, a legend, a scale bar and a north arrow, drawn with
//! tiny-skia in the same colours as the screen, and written as PNG with the DPI
//! recorded.

use geo::{Geometry, LineString, Rect};
use tiny_skia::{FillRule, Paint, PathBuilder, Pixmap, Stroke, Transform};

use super::text::{draw_text, font, text_width};
use super::{Basemap, BasemapVariant, lon_lat_from_world, metres_per_pixel, world_from_lon_lat};
use crate::landuse::{ClassId, LanduseTable};
use crate::model::Layer;

/// How a layer is drawn in an image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ImageStyle {
    /// Filled by land-use class.
    Landuse,
    /// Filled in one colour.
    Fill([u8; 3]),
    /// Outlines of a width in points.
    Outline([u8; 3], f32),
    /// Points as dots.
    Points([u8; 3]),
}

/// One layer of an image, with its selected features (ascending).
pub struct ImageLayer<'a> {
    pub layer: &'a Layer,
    pub style: ImageStyle,
    pub selected: &'a [usize],
}

/// What to draw.
pub struct MapImage<'a> {
    pub layers: Vec<ImageLayer<'a>>,
    pub basemap: Option<&'a Basemap>,
    /// The lon/lat box to show (fitted, centred, with a margin).
    pub bbox: Rect<f64>,
    pub width_px: u32,
    pub height_px: u32,
    /// Dots per inch: lines and text are sized in points (1/72 in), so a 300-dpi
    /// image has the same proportions as a 96-dpi one at a larger size.
    pub dpi: f32,
    pub title: Option<String>,
    pub chinese: bool,
    pub legend: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("image size {0}×{1} px is out of range (1 to 20000 px a side)")]
    Size(u32, u32),
    #[error("cannot encode the PNG: {0}")]
    Png(String),
}

/// The window's highlight fill of selected features: the class colour pulled
/// towards yellow. Printed maps keep the class colour and outline the selection.
pub fn selected_rgb([r, g, b]: [u8; 3]) -> [u8; 3] {
    let mix = |a: u8, t: u8| (f32::from(a) * 0.4 + f32::from(t) * 0.6).round() as u8;
    [mix(r, 255), mix(g, 236), mix(b, 0)]
}

/// A class colour dimmed toward white, for the parcels around a selection: still
/// recognisable, but quieter than the selected ones.
pub fn dimmed_rgb([r, g, b]: [u8; 3]) -> [u8; 3] {
    let mix = |a: u8| (f32::from(a) * 0.45 + 255.0 * 0.55).round() as u8;
    [mix(r), mix(g), mix(b)]
}

/// `#rrggbb` as RGB.
pub fn parse_rgb(text: &str) -> Option<[u8; 3]> {
    let t = text.trim().trim_start_matches('#');
    if t.len() != 6 {
        return None;
    }
    let v = u32::from_str_radix(t, 16).ok()?;
    Some([(v >> 16) as u8, (v >> 8) as u8, v as u8])
}

/// The image style of a project layer's style.
pub fn image_style(style: &crate::project::StyleSpec) -> ImageStyle {
    let fill = style.fill.as_deref().and_then(parse_rgb);
    let stroke = style.stroke.as_deref().and_then(parse_rgb);
    match style.kind.as_str() {
        "landuse" => ImageStyle::Landuse,
        "outline" => {
            ImageStyle::Outline(stroke.unwrap_or([108, 52, 131]), style.width.unwrap_or(2.5))
        }
        "symbols" => ImageStyle::Points(fill.unwrap_or([200, 60, 60])),
        _ => ImageStyle::Fill(fill.unwrap_or([200, 200, 200])),
    }
}

/// The colour of the selection's outline.
pub const SELECTED_EDGE: [u8; 3] = [230, 120, 0];

fn color([r, g, b]: [u8; 3]) -> tiny_skia::Color {
    tiny_skia::Color::from_rgba8(r, g, b, 255)
}

/// Adds a ring or line to a path, in pixels.
fn add_line(
    pb: &mut PathBuilder,
    ls: &LineString<f64>,
    close: bool,
    to_px: &dyn Fn(geo::Coord<f64>) -> (f32, f32),
) {
    let mut it = ls.0.iter();
    if let Some(first) = it.next() {
        let (x, y) = to_px(*first);
        pb.move_to(x, y);
        for c in it {
            let (x, y) = to_px(*c);
            pb.line_to(x, y);
        }
        if close {
            pb.close();
        }
    }
}

/// The rings of a polygonal geometry (closed) or the lines of a linear one (open)
/// as a path in pixels.
fn geometry_path(
    g: &Geometry<f64>,
    to_px: &dyn Fn(geo::Coord<f64>) -> (f32, f32),
) -> Option<tiny_skia::Path> {
    let mut pb = PathBuilder::new();
    let polygon = |pb: &mut PathBuilder, p: &geo::Polygon<f64>| {
        add_line(pb, p.exterior(), true, to_px);
        for r in p.interiors() {
            add_line(pb, r, true, to_px);
        }
    };
    match g {
        Geometry::Polygon(p) => polygon(&mut pb, p),
        Geometry::MultiPolygon(mp) => mp.0.iter().for_each(|p| polygon(&mut pb, p)),
        Geometry::LineString(l) => add_line(&mut pb, l, false, to_px),
        Geometry::MultiLineString(ml) => {
            ml.0.iter().for_each(|l| add_line(&mut pb, l, false, to_px))
        }
        _ => {}
    }
    pb.finish()
}

/// Where a lon/lat box lands in an image: the box fitted with a 4 % margin and
/// centred, in Web Mercator, so other drawings (a PDF's vector marks) can be placed
/// on the image exactly.
#[derive(Debug, Clone, Copy)]
pub struct Fit {
    /// The world (Mercator unit square) coordinates of the image's top-left corner.
    pub origin: [f64; 2],
    /// Pixels per world unit.
    pub scale: f64,
}

impl Fit {
    pub fn new(bbox: Rect<f64>, width_px: u32, height_px: u32) -> Fit {
        let a = world_from_lon_lat(geo::coord! { x: bbox.min().x, y: bbox.max().y });
        let b = world_from_lon_lat(geo::coord! { x: bbox.max().x, y: bbox.min().y });
        let (dx, dy) = ((b.x - a.x).max(1e-12), (b.y - a.y).max(1e-12));
        let (w, h) = (f64::from(width_px), f64::from(height_px));
        let scale = (w / dx).min(h / dy) * 0.92;
        Fit {
            origin: [
                (a.x + b.x) / 2.0 - w / 2.0 / scale,
                (a.y + b.y) / 2.0 - h / 2.0 / scale,
            ],
            scale,
        }
    }

    /// A lon/lat position in image pixels from the top-left corner.
    pub fn to_px(&self, lon_lat: geo::Coord<f64>) -> (f32, f32) {
        let w = world_from_lon_lat(lon_lat);
        (
            ((w.x - self.origin[0]) * self.scale) as f32,
            ((w.y - self.origin[1]) * self.scale) as f32,
        )
    }
}

/// Draws the image.
pub fn render(img: &MapImage) -> Result<Pixmap, RenderError> {
    let (w, h) = (img.width_px, img.height_px);
    if w == 0 || h == 0 || w > 20_000 || h > 20_000 {
        return Err(RenderError::Size(w, h));
    }
    let mut pixmap = Pixmap::new(w, h).ok_or(RenderError::Size(w, h))?;
    // Points to pixels.
    let pt = img.dpi.max(10.0) / 72.0;
    let fit = Fit::new(img.bbox, w, h);
    let (origin, scale) = (fit.origin, fit.scale);
    match img.basemap {
        Some(bm) => bm.render_view(&mut pixmap, origin, scale, BasemapVariant::Light),
        None => pixmap.fill(tiny_skia::Color::WHITE),
    }
    let to_px = |c: geo::Coord<f64>| fit.to_px(c);
    let view = {
        let tl =
            lon_lat_from_world(geo::coord! { x: origin[0], y: origin[1] + f64::from(h) / scale });
        let br =
            lon_lat_from_world(geo::coord! { x: origin[0] + f64::from(w) / scale, y: origin[1] });
        Rect::new(tl, br)
    };
    let table = LanduseTable::global();
    let mut paint = Paint {
        anti_alias: true,
        ..Paint::default()
    };
    let mut legend_classes: Vec<ClassId> = Vec::new();
    for l in &img.layers {
        let layer = l.layer;
        let mut candidates: Vec<usize> = layer.index.in_rect(view).map(|(i, _)| i).collect();
        candidates.sort_unstable();
        // A selection keeps every parcel's class colour: the selected parcels stand
        // out by a haloed outline drawn over the layer, and the rest of the layer is
        // dimmed. When the whole layer is "selected" (a report of every parcel)
        // nothing is singled out and the plan is drawn in its standard colours.
        let highlight: &[usize] = if l.selected.len() >= layer.len() {
            &[]
        } else {
            l.selected
        };
        let dim = !highlight.is_empty();
        let mut outlines: Vec<tiny_skia::Path> = Vec::new();
        for i in candidates {
            let Some(Some(g)) = layer.geometries.get(i) else {
                continue;
            };
            let selected = highlight.binary_search(&i).is_ok();
            match l.style {
                ImageStyle::Landuse | ImageStyle::Fill(_) => {
                    let rgb = match (l.style, layer.class.get(i).copied().flatten()) {
                        (ImageStyle::Fill(c), _) => c,
                        (_, Some(c)) => {
                            legend_classes.push(c);
                            table.rgb(c)
                        }
                        _ => [210, 210, 210],
                    };
                    let Some(path) = geometry_path(g, &to_px) else {
                        continue;
                    };
                    paint.set_color(color(if dim && !selected {
                        dimmed_rgb(rgb)
                    } else {
                        rgb
                    }));
                    pixmap.fill_path(
                        &path,
                        &paint,
                        FillRule::EvenOdd,
                        Transform::identity(),
                        None,
                    );
                    paint.set_color(tiny_skia::Color::from_rgba8(60, 60, 60, 150));
                    let stroke = Stroke {
                        width: 0.35 * pt,
                        ..Stroke::default()
                    };
                    pixmap.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
                    if selected {
                        outlines.push(path);
                    }
                }
                ImageStyle::Outline(rgb, width) => {
                    if let Some(path) = geometry_path(g, &to_px) {
                        paint.set_color(color(rgb));
                        let stroke = Stroke {
                            width: width * pt * 0.75,
                            ..Stroke::default()
                        };
                        pixmap.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
                    }
                }
                ImageStyle::Points(rgb) => {
                    use geo::BoundingRect;
                    let Some(c) = g.bounding_rect().map(|r| r.center()) else {
                        continue;
                    };
                    let (x, y) = to_px(c);
                    if let Some(circle) = PathBuilder::from_circle(x, y, 3.5 * pt) {
                        paint.set_color(color(if selected {
                            SELECTED_EDGE
                        } else if dim {
                            dimmed_rgb(rgb)
                        } else {
                            rgb
                        }));
                        pixmap.fill_path(
                            &circle,
                            &paint,
                            FillRule::Winding,
                            Transform::identity(),
                            None,
                        );
                        paint.set_color(tiny_skia::Color::WHITE);
                        let stroke = Stroke {
                            width: 0.8 * pt,
                            ..Stroke::default()
                        };
                        pixmap.stroke_path(&circle, &paint, &stroke, Transform::identity(), None);
                    }
                }
            }
        }
        // Over the whole layer, so neighbours drawn later do not cover them: a white
        // halo, then the selection's edge.
        for (rgb, width) in [([255, 255, 255], 3.0), (SELECTED_EDGE, 1.5)] {
            paint.set_color(color(rgb));
            let stroke = Stroke {
                width: width * pt,
                line_join: tiny_skia::LineJoin::Round,
                ..Stroke::default()
            };
            for path in &outlines {
                pixmap.stroke_path(path, &paint, &stroke, Transform::identity(), None);
            }
        }
    }
    furniture(&mut pixmap, img, view, scale, pt, legend_classes);
    Ok(pixmap)
}

/// Title, legend, scale bar and north arrow.
fn furniture(
    pixmap: &mut Pixmap,
    img: &MapImage,
    view: Rect<f64>,
    scale: f64,
    pt: f32,
    mut classes: Vec<ClassId>,
) {
    let Some(font) = font() else { return };
    let table = LanduseTable::global();
    let (w, h) = (pixmap.width() as f32, pixmap.height() as f32);
    let mut paint = Paint {
        anti_alias: true,
        ..Paint::default()
    };
    let panel = |pixmap: &mut Pixmap, x: f32, y: f32, pw: f32, ph: f32| {
        if let Some(r) = tiny_skia::Rect::from_xywh(x, y, pw, ph) {
            let mut p = Paint::default();
            p.set_color(tiny_skia::Color::from_rgba8(255, 255, 255, 225));
            pixmap.fill_rect(r, &p, Transform::identity(), None);
        }
    };
    let pad = 6.0 * pt;
    if let Some(title) = &img.title {
        let size = 14.0 * pt;
        let tw = text_width(&font, title, size);
        panel(pixmap, pad, pad, tw + 2.0 * pad, size * 1.5 + pad);
        draw_text(
            pixmap,
            &font,
            title,
            2.0 * pad,
            1.3 * pad,
            size,
            [20, 20, 20],
        );
    }
    // Scale bar: a round length near a fifth of the width.
    let centre_lat = view.center().y;
    let m_per_px = metres_per_pixel(centre_lat, scale);
    let nice = super::mercator::scale_bar_length_m(m_per_px * f64::from(w) / 5.0);
    let bar_w = (nice / m_per_px) as f32;
    let label = super::mercator::scale_bar_label(nice);
    let size = 10.0 * pt;
    let (bx, by) = (pad * 2.0, h - pad * 2.0 - 4.0 * pt);
    panel(
        pixmap,
        bx - pad,
        by - size - pad,
        bar_w + text_width(&font, &label, size) + 3.0 * pad,
        size + 4.0 * pt + 2.0 * pad,
    );
    for (k, fill) in [(0.0, true), (0.5, false)] {
        if let Some(r) = tiny_skia::Rect::from_xywh(bx + bar_w * k, by, bar_w / 2.0, 4.0 * pt) {
            paint.set_color(if fill {
                tiny_skia::Color::BLACK
            } else {
                tiny_skia::Color::WHITE
            });
            pixmap.fill_rect(r, &paint, Transform::identity(), None);
        }
    }
    if let Some(r) = tiny_skia::Rect::from_xywh(bx, by, bar_w, 4.0 * pt) {
        let path = PathBuilder::from_rect(r);
        paint.set_color(tiny_skia::Color::BLACK);
        let stroke = Stroke {
            width: 0.6 * pt,
            ..Stroke::default()
        };
        pixmap.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
    }
    draw_text(
        pixmap,
        &font,
        &label,
        bx + bar_w + pad,
        by - size * 0.55,
        size,
        [0, 0, 0],
    );
    // North arrow, top right.
    let (nx, ny) = (w - 16.0 * pt, 14.0 * pt);
    let mut pb = PathBuilder::new();
    pb.move_to(nx, ny);
    pb.line_to(nx + 5.0 * pt, ny + 16.0 * pt);
    pb.line_to(nx, ny + 12.0 * pt);
    pb.line_to(nx - 5.0 * pt, ny + 16.0 * pt);
    pb.close();
    if let Some(p) = pb.finish() {
        paint.set_color(tiny_skia::Color::BLACK);
        pixmap.fill_path(&p, &paint, FillRule::Winding, Transform::identity(), None);
    }
    draw_text(
        pixmap,
        &font,
        "N",
        nx - 3.5 * pt,
        ny + 17.0 * pt,
        10.0 * pt,
        [0, 0, 0],
    );
    // Legend of the classes drawn, bottom right.
    if !img.legend || classes.is_empty() {
        return;
    }
    classes.sort_unstable_by(|a, b| {
        let code = |c: &ClassId| table.class(*c).map(|k| k.code.clone());
        code(a).cmp(&code(b))
    });
    classes.dedup();
    let size = 9.0 * pt;
    let row = size * 1.45;
    let lines: Vec<(ClassId, String)> = classes
        .iter()
        .filter_map(|&c| {
            let k = table.class(c)?;
            let name = if img.chinese { &k.name_zh } else { &k.name_en };
            Some((c, format!("{} {name}", k.code)))
        })
        .collect();
    let heading = if img.chinese { "图例" } else { "Legend" };
    let text_w = lines
        .iter()
        .map(|(_, t)| text_width(&font, t, size))
        .fold(text_width(&font, heading, size), f32::max);
    let lw = text_w + size * 1.6 + 3.0 * pad;
    let lh = row * (lines.len() as f32 + 1.0) + 2.0 * pad;
    let (lx, ly) = (w - lw - pad, (h - lh - pad).max(pad));
    panel(pixmap, lx, ly, lw, lh);
    draw_text(pixmap, &font, heading, lx + pad, ly + pad, size, [0, 0, 0]);
    for (k, (c, text)) in lines.iter().enumerate() {
        let y = ly + pad + row * (k as f32 + 1.0);
        if y + row > h {
            break;
        }
        if let Some(r) =
            tiny_skia::Rect::from_xywh(lx + pad, y + size * 0.15, size * 1.2, size * 0.9)
        {
            paint.set_color(color(table.rgb(*c)));
            pixmap.fill_rect(r, &paint, Transform::identity(), None);
        }
        draw_text(
            pixmap,
            &font,
            text,
            lx + pad + size * 1.6,
            y,
            size,
            [20, 20, 20],
        );
    }
}

/// A pixmap's pixels as straight (not premultiplied) RGBA bytes, as PNG and PDF
/// images take them.
pub fn straight_rgba(pixmap: &Pixmap) -> Vec<u8> {
    let mut rgba = Vec::with_capacity(pixmap.data().len());
    for p in pixmap.pixels() {
        let c = p.demultiply();
        rgba.extend_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
    }
    rgba
}

/// Encodes a pixmap as PNG with its resolution recorded (pHYs), so page-layout
/// programs place it at the intended size.
pub fn encode_png(pixmap: &Pixmap, dpi: f32) -> Result<Vec<u8>, RenderError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let per_metre = (f64::from(dpi) / 0.0254).round() as u32;
        enc.set_pixel_dims(Some(png::PixelDimensions {
            xppu: per_metre,
            yppu: per_metre,
            unit: png::Unit::Meter,
        }));
        let mut writer = enc
            .write_header()
            .map_err(|e| RenderError::Png(e.to_string()))?;
        writer
            .write_image_data(&straight_rgba(pixmap))
            .map_err(|e| RenderError::Png(e.to_string()))?;
    }
    Ok(out)
}
