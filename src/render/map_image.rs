//! Map images without a window: the offline basemap, layers in their styles and
//! the selection highlighted, drawn with tiny-skia in the same colours as the
//! screen, then the overlay: facility symbols by type, labels placed without
//! overlaps, the legend of what is drawn, a scale bar with its 1:N figure, a north
//! arrow and the title block. The overlay is laid out once as vector shapes
//! ([`overlay`]) and either painted into the image or left to a PDF to draw as
//! real text and paths, so the PNG and the PDF are one layout. Images are written
//! as PNG with the DPI recorded.

use geo::{Geometry, LineString, Rect};
use tiny_skia::{FillRule, Paint, PathBuilder, Pixmap, Stroke, Transform};

use super::canvas::{self, Bounds, Line, Shape};
use super::labels::{self, Label};
use super::legend::{self, LegendEntry};
use super::scale::{self, ScaleBar};
use super::{Basemap, BasemapVariant, lon_lat_from_world, metres_per_pixel, world_from_lon_lat};
use super::{symbols, title_block};
use crate::landuse::LanduseTable;
use crate::model::Layer;

/// How a layer's features are painted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ImagePaint {
    /// Filled by land-use class.
    Landuse,
    /// Filled in one colour.
    Fill([u8; 3]),
    /// Outlines of a width in points.
    Outline([u8; 3], f32),
    /// Points as dots.
    Points([u8; 3]),
}

/// How a layer is drawn in an image, and how the legend names it.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageStyle {
    pub paint: ImagePaint,
    /// The layer's name, as the legend lists it (规划范围, 产业园区 …).
    pub name: String,
    /// Lines drawn dashed (a planning boundary, say).
    pub dash: bool,
    /// The fields whose values label the features (地块编号, 容积率 …).
    pub labels: Vec<String>,
}

impl ImageStyle {
    /// A style that paints only, with no name, labels or dashes.
    pub fn plain(paint: ImagePaint) -> ImageStyle {
        ImageStyle {
            paint,
            name: String::new(),
            dash: false,
            labels: Vec::new(),
        }
    }

    /// Filled by land-use class, unnamed.
    pub fn landuse() -> ImageStyle {
        ImageStyle::plain(ImagePaint::Landuse)
    }
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
    /// Everything but the selection is veiled, as the briefing's spotlight does:
    /// other layers and the basemap too, not only the selection's own layer.
    pub spotlight: bool,
    /// The title block's other lines, and whether the furniture is left to the
    /// caller to draw as vectors.
    pub sheet: SheetInfo,
}

/// What a map sheet says around the map besides its title (图名): the lines of the
/// title block, and whether labels and furniture are drawn into the raster (PNG)
/// or left out for the caller to draw as vectors (PDF).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SheetInfo {
    /// 编制单位.
    pub organisation: String,
    /// 日期, YYYY-MM-DD.
    pub date: String,
    /// 图号.
    pub number: String,
    /// 数据来源.
    pub source: String,
    /// How areas are measured (面积口径).
    pub method: String,
    /// The project's disclaimer, printed in the title block when it has one.
    pub disclaimer: Option<String>,
    /// Leave the overlay (facility symbols, labels, legend, scale bar, north arrow,
    /// title and title block) out of the raster, for the caller to draw as vector
    /// shapes from [`overlay`].
    pub vector_overlay: bool,
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

/// The image style of a project layer named `name`.
pub fn image_style(name: &str, style: &crate::project::StyleSpec) -> ImageStyle {
    ImageStyle {
        paint: image_paint(style),
        name: name.to_string(),
        dash: style.dash,
        labels: style.labels.clone(),
    }
}

/// How a project layer's style paints its features.
pub fn image_paint(style: &crate::project::StyleSpec) -> ImagePaint {
    let fill = style.fill.as_deref().and_then(parse_rgb);
    let stroke = style.stroke.as_deref().and_then(parse_rgb);
    match style.kind.as_str() {
        "landuse" => ImagePaint::Landuse,
        "outline" => {
            ImagePaint::Outline(stroke.unwrap_or([108, 52, 131]), style.width.unwrap_or(2.5))
        }
        "symbols" => ImagePaint::Points(fill.unwrap_or([200, 60, 60])),
        _ => ImagePaint::Fill(fill.unwrap_or([200, 200, 200])),
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

/// Where an image's map lies: its fit, the lon/lat box it shows, its size and
/// how many pixels a point is.
struct Frame {
    fit: Fit,
    view: Rect<f64>,
    width_px: f32,
    height_px: f32,
    /// Pixels per point.
    pt: f32,
    /// Ground metres per pixel at the view's centre.
    metres_per_px: f64,
}

fn frame(img: &MapImage) -> Result<Frame, RenderError> {
    let (w, h) = (img.width_px, img.height_px);
    if w == 0 || h == 0 || w > 20_000 || h > 20_000 {
        return Err(RenderError::Size(w, h));
    }
    let fit = Fit::new(img.bbox, w, h);
    let (origin, scale) = (fit.origin, fit.scale);
    let tl = lon_lat_from_world(geo::coord! { x: origin[0], y: origin[1] + f64::from(h) / scale });
    let br = lon_lat_from_world(geo::coord! { x: origin[0] + f64::from(w) / scale, y: origin[1] });
    let view = Rect::new(tl, br);
    Ok(Frame {
        fit,
        view,
        width_px: w as f32,
        height_px: h as f32,
        pt: img.dpi.max(10.0) / 72.0,
        metres_per_px: metres_per_pixel(view.center().y, scale),
    })
}

/// What is drawn over the map: facility symbols, labels, the legend, the scale
/// bar, the north arrow, the title and the title block, as vector shapes in the
/// image's pixels (y down), with the boxes each part occupies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overlay {
    /// Everything, in painting order.
    pub shapes: Vec<Shape>,
    /// The legend of what is drawn, in drawing order, for a legend laid out
    /// elsewhere (a PDF's flow legend); the same entries as the legend box.
    pub legend: Vec<LegendEntry>,
    /// The placed labels, pairwise disjoint.
    pub labels: Vec<Label>,
    /// The facility symbols' boxes.
    pub symbols: Vec<Bounds>,
    pub legend_box: Option<Bounds>,
    pub north_arrow: Option<Bounds>,
    pub scale_bar: Option<ScaleBar>,
    pub title: Option<Bounds>,
    pub title_block: Option<Bounds>,
    /// Ground metres per pixel at the view's centre.
    pub metres_per_px: f64,
}

/// Draws the image. With [`SheetInfo::vector_overlay`] the overlay (symbols,
/// labels and furniture) is left out, for the caller to draw from [`overlay`].
pub fn render(img: &MapImage) -> Result<Pixmap, RenderError> {
    render_with_overlay(img).map(|(pixmap, _)| pixmap)
}

/// What is drawn over the map, as vectors in the image's pixels: what [`render`]
/// paints into the raster unless [`SheetInfo::vector_overlay`] is set. An image of
/// impossible size has an empty overlay.
pub fn overlay(img: &MapImage) -> Overlay {
    frame(img).map(|f| furniture(img, &f)).unwrap_or_default()
}

/// [`render`] and [`overlay`] at once, laying the overlay out only once.
pub fn render_with_overlay(img: &MapImage) -> Result<(Pixmap, Overlay), RenderError> {
    let f = frame(img)?;
    let (w, h) = (img.width_px, img.height_px);
    let mut pixmap = Pixmap::new(w, h).ok_or(RenderError::Size(w, h))?;
    draw_map(&mut pixmap, img, &f);
    let ov = furniture(img, &f);
    if !img.sheet.vector_overlay {
        canvas::paint(&mut pixmap, (0.0, 0.0, 1.0), &ov.shapes);
    }
    Ok((pixmap, ov))
}

/// The basemap and the layers' fills and lines, with the selection highlighted.
fn draw_map(pixmap: &mut Pixmap, img: &MapImage, f: &Frame) {
    let pt = f.pt;
    let fit = f.fit;
    match img.basemap {
        Some(bm) => bm.render_view(pixmap, fit.origin, fit.scale, BasemapVariant::Light),
        None => pixmap.fill(tiny_skia::Color::WHITE),
    }
    let to_px = |c: geo::Coord<f64>| fit.to_px(c);
    let table = LanduseTable::global();
    let mut paint = Paint {
        anti_alias: true,
        ..Paint::default()
    };
    for l in &img.layers {
        let layer = l.layer;
        // Points are symbols, drawn with the overlay so that they stay above every
        // layer and their names can keep clear of them.
        if matches!(l.style.paint, ImagePaint::Points(_)) {
            continue;
        }
        let mut candidates: Vec<usize> = layer.index.in_rect(f.view).map(|(i, _)| i).collect();
        candidates.sort_unstable();
        let highlight = highlighted(l);
        let dim = !highlight.is_empty();
        let dash = |width: f32| {
            if l.style.dash {
                let [on, off] = legend::dash_pattern(width);
                tiny_skia::StrokeDash::new(vec![on, off], 0.0)
            } else {
                None
            }
        };
        let mut outlines: Vec<tiny_skia::Path> = Vec::new();
        for i in candidates {
            let Some(Some(g)) = layer.geometries.get(i) else {
                continue;
            };
            let selected = highlight.binary_search(&i).is_ok();
            let Some(path) = geometry_path(g, &to_px) else {
                continue;
            };
            match l.style.paint {
                ImagePaint::Landuse | ImagePaint::Fill(_) => {
                    let rgb = match (l.style.paint, layer.class.get(i).copied().flatten()) {
                        (ImagePaint::Fill(c), _) => c,
                        (_, Some(c)) => table.rgb(c),
                        _ => legend::UNCLASSIFIED,
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
                    let width = 0.35 * pt;
                    let stroke = Stroke {
                        width,
                        dash: dash(width),
                        ..Stroke::default()
                    };
                    pixmap.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
                    if selected {
                        outlines.push(path);
                    }
                }
                ImagePaint::Outline(rgb, width) => {
                    paint.set_color(color(rgb));
                    let width = width * pt * 0.75;
                    let stroke = Stroke {
                        width,
                        line_join: tiny_skia::LineJoin::Round,
                        dash: dash(width),
                        ..Stroke::default()
                    };
                    pixmap.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
                }
                ImagePaint::Points(_) => {}
            }
        }
        // Over the whole layer, so neighbours drawn later do not cover them: a white
        // halo, then the selection's edge.
        // A large selection (a whole park) is drawn with a fine edge, so that its
        // parcels' class colours still read between the outlines.
        let fine = if outlines.len() > 40 { 0.4 } else { 1.0 };
        for (rgb, width) in [([255, 255, 255], 3.0), (SELECTED_EDGE, 1.5)] {
            paint.set_color(color(rgb));
            let stroke = Stroke {
                width: width * pt * fine,
                line_join: tiny_skia::LineJoin::Round,
                ..Stroke::default()
            };
            for path in &outlines {
                pixmap.stroke_path(path, &paint, &stroke, Transform::identity(), None);
            }
        }
    }
    if img.spotlight {
        spotlight_veil(pixmap, img, f);
    }
}

/// Veils the whole image but the selected features: one path of the image's
/// rectangle and the selected geometries, filled even-odd, so the selection is a
/// hole in the veil and shows in its own colours.
fn spotlight_veil(pixmap: &mut Pixmap, img: &MapImage, f: &Frame) {
    let mut pb = tiny_skia::PathBuilder::new();
    let (w, h) = (f.width_px, f.height_px);
    let mut any = false;
    for l in &img.layers {
        for &i in highlighted(l) {
            let Some(Some(g)) = l.layer.geometries.get(i) else {
                continue;
            };
            if let Some(path) = geometry_path(g, &|c| f.fit.to_px(c)) {
                pb.push_path(&path);
                any = true;
            }
        }
    }
    if !any {
        return;
    }
    if let Some(r) = tiny_skia::Rect::from_xywh(0.0, 0.0, w, h) {
        pb.push_rect(r);
    }
    if let Some(path) = pb.finish() {
        let paint = Paint {
            anti_alias: true,
            shader: tiny_skia::Shader::SolidColor(tiny_skia::Color::from_rgba8(20, 24, 32, 150)),
            ..Paint::default()
        };
        pixmap.fill_path(
            &path,
            &paint,
            FillRule::EvenOdd,
            Transform::identity(),
            None,
        );
    }
}

/// The features of a layer singled out, ascending. A selection keeps every
/// parcel's class colour: the selected parcels stand out by a haloed outline drawn
/// over the layer, and the rest of the layer is dimmed. When the whole layer is
/// "selected" (a report of every parcel) nothing is singled out and the plan is
/// drawn in its standard colours.
fn highlighted<'a>(l: &ImageLayer<'a>) -> &'a [usize] {
    if l.selected.len() >= l.layer.len() {
        &[]
    } else {
        l.selected
    }
}

/// The radius of a facility symbol, in points.
const SYMBOL_R_PT: f32 = 5.5;

/// The facility symbols of the point layers in view, in layer order.
fn symbol_shapes(img: &MapImage, f: &Frame, shapes: &mut Vec<Shape>, boxes: &mut Vec<Bounds>) {
    let r = SYMBOL_R_PT * f.pt;
    let image = Bounds::new(0.0, 0.0, f.width_px, f.height_px).grown(r);
    for l in &img.layers {
        let ImagePaint::Points(layer_rgb) = l.style.paint else {
            continue;
        };
        let layer = l.layer;
        let type_field = symbols::type_field(layer);
        let highlight = highlighted(l);
        let dim = !highlight.is_empty();
        let mut in_view: Vec<usize> = layer.index.in_rect(f.view).map(|(i, _)| i).collect();
        in_view.sort_unstable();
        for i in in_view {
            use geo::BoundingRect;
            let Some(Some(g)) = layer.geometries.get(i) else {
                continue;
            };
            let Some(c) = g.bounding_rect().map(|b| b.center()) else {
                continue;
            };
            let (x, y) = f.fit.to_px(c);
            let b = Bounds::new(x - r, y - r, 2.0 * r, 2.0 * r);
            if !image.contains(&b) {
                continue;
            }
            let (glyph, rgb) = match type_field {
                Some(k) => {
                    let kind = layer.value(i, k).to_text().unwrap_or_default();
                    symbols::facility_symbol(&kind)
                }
                None => ("", layer_rgb),
            };
            let selected = highlight.binary_search(&i).is_ok();
            let rgb = if dim && !selected {
                dimmed_rgb(rgb)
            } else {
                rgb
            };
            if selected {
                shapes.push(Shape::Path {
                    points: canvas::circle(x, y, r + 1.5 * f.pt),
                    close: true,
                    fill: None,
                    stroke: Some(Line::solid(SELECTED_EDGE, 1.5 * f.pt)),
                });
            }
            shapes.extend(symbols::symbol_shapes((x, y), r, rgb, glyph, f.pt));
            boxes.push(b);
        }
    }
}

/// The boxes on the image, in pixels, of the selected features in view.
fn selection_boxes(img: &MapImage, f: &Frame) -> Vec<Bounds> {
    use geo::Intersects;
    let mut out = Vec::new();
    for l in &img.layers {
        for &i in highlighted(l) {
            let Some(r) = l.layer.envelopes.get(i).copied().flatten() else {
                continue;
            };
            if !r.intersects(&f.view) {
                continue;
            }
            let (a, b) = (f.fit.to_px(r.min()), f.fit.to_px(r.max()));
            let (x0, x1) = (a.0.min(b.0), a.0.max(b.0));
            let (y0, y1) = (a.1.min(b.1), a.1.max(b.1));
            out.push(Bounds::new(x0, y0, x1 - x0, y1 - y0));
        }
    }
    out
}

/// The north arrow at the top-right corner: its box and shapes.
fn north_arrow(f: &Frame, pad: f32) -> (Bounds, Vec<Shape>) {
    let pt = f.pt;
    let (bw, bh) = (18.0 * pt, 27.0 * pt);
    let b = Bounds::new(f.width_px - pad - bw, pad, bw, bh);
    let (nx, ny) = (b.x + bw / 2.0, b.y + 3.0 * pt);
    let size = 9.0 * pt;
    let n_w = canvas::text_advance("N", size);
    let shapes = vec![
        Shape::Rect {
            x: b.x,
            y: b.y,
            w: b.w,
            h: b.h,
            fill: Some([255, 255, 255]),
            stroke: None,
        },
        // The left half filled and the right half open, as a north arrow is drawn.
        Shape::Path {
            points: vec![
                (nx, ny),
                (nx - 5.0 * pt, ny + 15.0 * pt),
                (nx, ny + 11.5 * pt),
            ],
            close: true,
            fill: Some([0, 0, 0]),
            stroke: Some(Line::solid([0, 0, 0], 0.5 * pt)),
        },
        Shape::Path {
            points: vec![
                (nx, ny),
                (nx + 5.0 * pt, ny + 15.0 * pt),
                (nx, ny + 11.5 * pt),
            ],
            close: true,
            fill: Some([255, 255, 255]),
            stroke: Some(Line::solid([0, 0, 0], 0.5 * pt)),
        },
        Shape::Text {
            x: nx - n_w / 2.0,
            y: ny + 15.0 * pt + size * 0.95,
            size,
            rgb: [0, 0, 0],
            text: "N".to_string(),
            halo: None,
        },
    ];
    (b, shapes)
}

/// Lays out everything drawn over the map. The furniture is placed first, in
/// fixed corners (north arrow top right, scale bar bottom left, title block
/// bottom right, the legend in the room between them, which never reaches the
/// north arrow or the scale bar); then the symbols, and the labels around all of
/// them.
fn furniture(img: &MapImage, f: &Frame) -> Overlay {
    let pt = f.pt;
    let (w, h) = (f.width_px, f.height_px);
    let pad = 6.0 * pt;
    let mut ov = Overlay {
        // The basemap is drawn first, so its water and roads head the legend.
        legend: legend::basemap_entries(img.basemap, f.view, img.chinese)
            .into_iter()
            .chain(legend::legend_entries(&img.layers, f.view, img.chinese))
            .collect(),
        metres_per_px: f.metres_per_px,
        ..Overlay::default()
    };
    let mut chrome: Vec<Shape> = Vec::new();
    let mut placer = labels::Placer::new(
        Bounds::new(0.0, 0.0, w, h).grown(-pt),
        (24.0 * pt).max(16.0),
    );
    if let Some(title) = img.title.as_deref().filter(|t| !t.is_empty()) {
        let size = 14.0 * pt;
        let max_w = w * 0.6;
        let lines = super::wrap::wrap(title, size, max_w);
        let tw = lines
            .iter()
            .map(|l| canvas::text_advance(l, size))
            .fold(0.0, f32::max);
        let line_h = size * 1.3;
        let b = Bounds::new(pad, pad, tw + 2.0 * pad, lines.len() as f32 * line_h + pad);
        chrome.push(Shape::Rect {
            x: b.x,
            y: b.y,
            w: b.w,
            h: b.h,
            fill: Some([255, 255, 255]),
            stroke: None,
        });
        for (k, line) in lines.iter().enumerate() {
            chrome.push(Shape::Text {
                x: 2.0 * pad,
                y: pad + pad / 2.0 + k as f32 * line_h + size * canvas::ASCENT_EM,
                size,
                rgb: [20, 20, 20],
                text: line.clone(),
                halo: None,
            });
        }
        placer.block(b);
        ov.title = Some(b);
    }
    let (arrow, arrow_shapes) = north_arrow(f, pad);
    chrome.extend(arrow_shapes);
    placer.block(arrow);
    ov.north_arrow = Some(arrow);
    let bar = scale::scale_bar(
        (pad, h - pad),
        // A fifth of the width, and no shorter than an inch where there is room.
        (w / 5.0).max((72.0 * pt).min(w * 0.4)),
        f.metres_per_px,
        img.dpi,
        pt,
        img.chinese,
    );
    chrome.extend(bar.shapes.iter().cloned());
    placer.block(bar.bounds);
    let bar_right = bar.bounds.right();
    let bar_bounds = bar.bounds;
    ov.scale_bar = Some(bar);
    let mut bottom = h - pad;
    if let Some(title) = img.title.as_deref().filter(|t| !t.is_empty()) {
        let block_w = (w * 0.42)
            .min(220.0 * pt)
            .max((w - bar_right - 2.0 * pad).min(120.0 * pt));
        let (b, shapes) = title_block::title_block(
            title,
            &img.sheet,
            img.chinese,
            (w - pad, h - pad),
            block_w,
            pt,
        );
        // A title block that would say no more than the title above, or that is
        // taller than the room under the north arrow or reaches the scale bar, is
        // left out rather than drawn over them.
        let informative = title_block::rows(title, &img.sheet, img.chinese).len() > 1
            || img
                .sheet
                .disclaimer
                .as_deref()
                .is_some_and(|d| !d.trim().is_empty());
        if informative && b.y > arrow.bottom() + pad && !b.intersects(&bar_bounds) {
            chrome.extend(shapes);
            placer.block(b);
            bottom = b.y - pad;
            ov.title_block = Some(b);
        }
    }
    if img.legend {
        // Two places for the legend: the right side between the north arrow and
        // the title block, and the left side between the title and the scale bar.
        // It goes where it hides the least of the selection; on the right when
        // that is a tie.
        let furniture: Vec<Bounds> = [ov.title, Some(arrow), Some(bar_bounds), ov.title_block]
            .into_iter()
            .flatten()
            .collect();
        let right_x = (w * 0.35).max(bar_right + pad);
        let right = Bounds::new(
            right_x,
            arrow.bottom() + pad,
            w - pad - right_x,
            bottom - arrow.bottom() - pad,
        );
        let left_top = ov.title.map_or(pad, |t| t.bottom() + pad);
        let left_w = (w * 0.65).min(arrow.x - pad) - pad;
        let left = Bounds::new(pad, left_top, left_w, bar_bounds.y - pad - left_top);
        let selected = selection_boxes(img, f);
        let hidden = |b: &Bounds| -> f32 {
            selected
                .iter()
                .map(|s| {
                    let iw = (b.right().min(s.right()) - b.x.max(s.x)).max(0.0);
                    let ih = (b.bottom().min(s.bottom()) - b.y.max(s.y)).max(0.0);
                    iw * ih
                })
                .sum()
        };
        let mut best: Option<(f32, legend::LegendBox)> = None;
        for (room, on_left) in [(right, false), (left, true)] {
            if room.w <= 0.0 || room.h <= 0.0 {
                continue;
            }
            let Some(lb) = legend::legend_box(&ov.legend, room, on_left, pt, img.chinese) else {
                continue;
            };
            if furniture.iter().any(|b| b.intersects(&lb.bounds)) {
                continue;
            }
            let score = hidden(&lb.bounds);
            if best.as_ref().is_none_or(|(s, _)| score < *s) {
                best = Some((score, lb));
            }
        }
        if let Some((_, lb)) = best {
            chrome.extend(lb.shapes);
            placer.block(lb.bounds);
            ov.legend_box = Some(lb.bounds);
        }
    }
    let mut shapes = Vec::new();
    symbol_shapes(img, f, &mut shapes, &mut ov.symbols);
    for b in &ov.symbols {
        placer.block(*b);
    }
    let ctx = labels::LabelContext {
        layers: &img.layers,
        view: f.view,
        fit: f.fit,
        pt,
        chinese: img.chinese,
        symbol_r: SYMBOL_R_PT * pt,
        size_px: (w, h),
    };
    ov.labels = labels::place_labels(&ctx, &mut placer);
    shapes.extend(ov.labels.iter().flat_map(|l| l.shapes.iter().cloned()));
    shapes.extend(chrome);
    ov.shapes = shapes;
    ov
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
