//! Map images without a window: the offline basemap, layers in their styles and
//! the selection highlighted, drawn with tiny-skia in the same colours as the
//! screen, then the overlay: facility symbols by type, labels placed without
//! overlaps, the legend of what is drawn, a scale bar with its 1:N figure, a north
//! arrow and the title block. The legend and the scale bar go in the corners
//! where they hide the least of the map's data, or, when no corner holds the
//! legend clear of it, in a panel beside or under the map's frame. The overlay is laid out once as vector shapes
//! ([`overlay`]) and either painted into the image or left to a PDF to draw as
//! real text and paths, so the PNG and the PDF are one layout. Images are written
//! as PNG with the DPI recorded.

use geo::{Geometry, LineString, Rect};
use tiny_skia::{FillRule, Paint, PathBuilder, Pixmap, Stroke, Transform};

use super::canvas::{self, Bounds, Line, Shape};
use super::labels::{self, Label};
use super::legend::{self, Corner, LegendBox, LegendEntry};
use super::scale::{self, ScaleBar};
use super::{
    Basemap, BasemapKind, BasemapVariant, lon_lat_from_world, metres_per_pixel, world_from_lon_lat,
};
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
    /// Painted by the offline basemap, as its water or roads: the image does not
    /// paint the layer again, but names its features (road and canal names) and
    /// lists its land-use classes in the colours the basemap paints them. Without
    /// a basemap the layer is not drawn, so it is neither labelled nor listed.
    Basemap(BasemapKind),
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

/// What the offline basemap paints a project layer as, by its file's stem among
/// the project's basemap sources: its water (`water`) or its roads (`roads`), the
/// rule [`crate::project::Project::offline_basemap`] builds the basemap by.
pub fn basemap_source_kind(path: &std::path::Path, sources: &[String]) -> Option<BasemapKind> {
    let stem = path.file_stem()?.to_string_lossy();
    if !sources.iter().any(|s| *s == stem) {
        return None;
    }
    match stem.as_ref() {
        "water" => Some(BasemapKind::Water),
        "roads" => Some(BasemapKind::Road),
        _ => None,
    }
}

/// The image style of a project layer, or `None` when images leave it out. A
/// layer of the basemap role is drawn by the offline basemap where the basemap is
/// made from it (its water and roads): it stays in the image to name its features
/// by their name field (名称) and to list its classes ([`ImagePaint::Basemap`]).
/// One the basemap is not made from is not drawn at all, as the window does not
/// draw it.
pub fn project_image_style(
    spec: &crate::project::LayerSpec,
    path: &std::path::Path,
    basemap_sources: &[String],
) -> Option<ImageStyle> {
    if spec.role.as_deref() != Some("basemap") {
        return Some(image_style(&spec.name, &spec.style));
    }
    let kind = basemap_source_kind(path, basemap_sources)?;
    Some(ImageStyle {
        paint: ImagePaint::Basemap(kind),
        ..image_style(&spec.name, &spec.style)
    })
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

/// The colour of the selection's outline: the window's default selection colour,
/// a deep magenta. No class of either palette (2023 national classes, GB 50137)
/// is within ΔE 39 of it (CIE76), while the usual choices are taken: yellow is
/// residential, pure magenta (#ff00ff) is 公共管理与公共服务用地, orange is
/// commercial, and cyan is close to GB 50137's water (E1, ΔE 13). A selection in a
/// report therefore looks as it does on the screen.
pub const SELECTED_EDGE: [u8; 3] = [190, 0, 160];

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

/// Hatches a polygonal geometry's area with thin grey diagonals (reserved land),
/// a line every 3.5 points.
fn hatch(
    pixmap: &mut Pixmap,
    g: &Geometry<f64>,
    to_px: &dyn Fn(geo::Coord<f64>) -> (f32, f32),
    pt: f32,
) {
    let mut rings: Vec<Vec<(f32, f32)>> = Vec::new();
    let mut polygon = |p: &geo::Polygon<f64>| {
        for r in std::iter::once(p.exterior()).chain(p.interiors()) {
            rings.push(r.0.iter().map(|c| to_px(*c)).collect());
        }
    };
    match g {
        Geometry::Polygon(p) => polygon(p),
        Geometry::MultiPolygon(mp) => mp.0.iter().for_each(polygon),
        _ => return,
    }
    let segments = super::hatch::hatch_segments(&rings, 3.5 * pt);
    if segments.is_empty() {
        return;
    }
    let mut pb = PathBuilder::new();
    for [a, b] in segments {
        pb.move_to(a.0, a.1);
        pb.line_to(b.0, b.1);
    }
    let Some(path) = pb.finish() else { return };
    let mut paint = Paint {
        anti_alias: true,
        ..Paint::default()
    };
    paint.set_color(color(super::hatch::HATCH_RGB));
    let stroke = Stroke {
        width: 0.3 * pt,
        ..Stroke::default()
    };
    pixmap.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
}

/// Where a lon/lat box lands in an image: the box fitted with a 4 % margin and
/// centred, in Web Mercator, so other drawings (a PDF's vector marks) can be placed
/// on the image exactly.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
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

/// Where an image's map lies: its fit, the lon/lat box it shows, the image's
/// size, the map's frame in it and how many pixels a point is.
#[derive(Clone, Copy)]
struct Frame {
    fit: Fit,
    /// The lon/lat box the map's frame shows.
    view: Rect<f64>,
    width_px: f32,
    height_px: f32,
    /// The map's frame, from the image's top-left corner: the whole image, or the
    /// image less the panel beside or under it that holds the legend.
    map: Bounds,
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
    Ok(frame_of(img, w, h))
}

/// The frame of a map `map_w` × `map_h` pixels at the image's top-left corner,
/// the box fitted into it.
fn frame_of(img: &MapImage, map_w: u32, map_h: u32) -> Frame {
    let fit = Fit::new(img.bbox, map_w, map_h);
    let (origin, scale) = (fit.origin, fit.scale);
    let tl =
        lon_lat_from_world(geo::coord! { x: origin[0], y: origin[1] + f64::from(map_h) / scale });
    let br =
        lon_lat_from_world(geo::coord! { x: origin[0] + f64::from(map_w) / scale, y: origin[1] });
    let view = Rect::new(tl, br);
    Frame {
        fit,
        view,
        width_px: img.width_px as f32,
        height_px: img.height_px as f32,
        map: Bounds::new(0.0, 0.0, map_w as f32, map_h as f32),
        pt: img.dpi.max(10.0) / 72.0,
        metres_per_px: metres_per_pixel(view.center().y, scale),
    }
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
    /// The map's frame in the image: the whole image, or less the panel.
    pub map_frame: Bounds,
    /// The panel beside or under the map that holds the legend (and the scale bar
    /// where it has room) when no corner of the map has room for the legend
    /// without hiding the map's data; `None` when the map fills the image.
    pub panel: Option<Bounds>,
    /// Where the box lands in the map's frame.
    pub fit: Fit,
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
    frame(img).map(|f| furniture(img, f).0).unwrap_or_default()
}

/// [`render`] and [`overlay`] at once, laying the overlay out only once.
pub fn render_with_overlay(img: &MapImage) -> Result<(Pixmap, Overlay), RenderError> {
    let (w, h) = (img.width_px, img.height_px);
    let (ov, f) = furniture(img, frame(img)?);
    let mut pixmap = Pixmap::new(w, h).ok_or(RenderError::Size(w, h))?;
    draw_map(&mut pixmap, img, &f);
    // The panel is the sheet's paper, in the raster too, so that a vector overlay
    // drawn over it (a PDF's) has nothing of the map beneath.
    if let Some(p) = ov.panel
        && let Some(r) = tiny_skia::Rect::from_xywh(p.x, p.y, p.w, p.h)
    {
        let paint = Paint {
            shader: tiny_skia::Shader::SolidColor(tiny_skia::Color::WHITE),
            ..Paint::default()
        };
        pixmap.fill_rect(r, &paint, Transform::identity(), None);
    }
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
        // layer and their names can keep clear of them; the basemap has painted its
        // own layers already.
        if matches!(
            l.style.paint,
            ImagePaint::Points(_) | ImagePaint::Basemap(_)
        ) {
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
                    // Reserved land is white like the roads: hatched, it reads as
                    // land kept blank.
                    if matches!(l.style.paint, ImagePaint::Landuse)
                        && super::hatch::is_hatched(layer.class.get(i).copied().flatten())
                    {
                        hatch(pixmap, g, &to_px, pt);
                    }
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
                ImagePaint::Points(_) | ImagePaint::Basemap(_) => {}
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
    let image = f.map.grown(r);
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

/// How much of the map lies under each part of its frame: a coarse grid drawn
/// from the layers (polygons filled, the district's and the parks' outlines as the
/// areas they enclose, lines stroked, facilities as their discs), a cell weighing
/// 1 where anything is drawn and 5 where a selected feature or a facility symbol
/// is, summed so that the weight under a box is four look-ups. The furniture goes
/// where it weighs least.
struct Coverage {
    map: Bounds,
    cell: f32,
    cols: usize,
    rows: usize,
    /// Sums over the cells above and left of each grid corner, `cols + 1` a row.
    sums: Vec<u32>,
}

/// What a cell over drawn data weighs, and one over what must stay in sight (the
/// selection, facility symbols).
const DRAWN_WEIGHT: u32 = 1;
const KEEP_WEIGHT: u32 = 4;

impl Coverage {
    fn new(img: &MapImage, f: &Frame) -> Coverage {
        let map = f.map;
        // About 400 cells across the longer side: finer than any furniture.
        let cell = (map.w.max(map.h) / 400.0).ceil().max(1.0);
        let cols = (map.w / cell).ceil().max(1.0) as u32;
        let rows = (map.h / cell).ceil().max(1.0) as u32;
        let empty = Coverage {
            map,
            cell,
            cols: 0,
            rows: 0,
            sums: Vec::new(),
        };
        let (Some(mut drawn), Some(mut keep)) = (Pixmap::new(cols, rows), Pixmap::new(cols, rows))
        else {
            return empty;
        };
        let to_cell = |c: geo::Coord<f64>| {
            let (x, y) = f.fit.to_px(c);
            ((x - map.x) / cell, (y - map.y) / cell)
        };
        let mut paint = Paint::default();
        paint.set_color(tiny_skia::Color::BLACK);
        paint.anti_alias = false;
        let line = Stroke {
            width: (2.0 * f.pt / cell).max(1.0),
            ..Stroke::default()
        };
        let r = (SYMBOL_R_PT * f.pt / cell).max(1.0);
        for l in &img.layers {
            // A layer of the basemap is drawn only where there is a basemap.
            if matches!(l.style.paint, ImagePaint::Basemap(_)) && img.basemap.is_none() {
                continue;
            }
            let layer = l.layer;
            let highlight = highlighted(l);
            let points = matches!(l.style.paint, ImagePaint::Points(_));
            for (i, _) in layer.index.in_rect(f.view) {
                let Some(Some(g)) = layer.geometries.get(i) else {
                    continue;
                };
                let kept = points || highlight.binary_search(&i).is_ok();
                let mut targets: Vec<&mut Pixmap> = vec![&mut drawn];
                if kept {
                    targets.push(&mut keep);
                }
                // A point or each point of a multipoint is a dot of the cell's size.
                let dots: &[geo::Point<f64>] = match g {
                    Geometry::Point(p) => std::slice::from_ref(p),
                    Geometry::MultiPoint(mp) => &mp.0,
                    _ => &[],
                };
                match g {
                    Geometry::Point(_) | Geometry::MultiPoint(_) => {
                        for p in dots {
                            let (x, y) = to_cell(p.0);
                            if let Some(path) = PathBuilder::from_circle(x, y, r) {
                                for t in targets.iter_mut() {
                                    t.fill_path(
                                        &path,
                                        &paint,
                                        FillRule::Winding,
                                        Transform::identity(),
                                        None,
                                    );
                                }
                            }
                        }
                    }
                    _ => {
                        let Some(path) = geometry_path(g, &to_cell) else {
                            continue;
                        };
                        let area = matches!(g, Geometry::Polygon(_) | Geometry::MultiPolygon(_));
                        for t in targets {
                            if area {
                                t.fill_path(
                                    &path,
                                    &paint,
                                    FillRule::EvenOdd,
                                    Transform::identity(),
                                    None,
                                );
                            }
                            t.stroke_path(&path, &paint, &line, Transform::identity(), None);
                        }
                    }
                }
            }
        }
        let (cols, rows) = (cols as usize, rows as usize);
        let stride = cols + 1;
        let mut sums = vec![0u32; stride * (rows + 1)];
        let weight = |k: usize| {
            let on = |p: &Pixmap| p.pixels().get(k).is_some_and(|c| c.alpha() > 0);
            u32::from(on(&drawn)) * DRAWN_WEIGHT + u32::from(on(&keep)) * KEEP_WEIGHT
        };
        for y in 0..rows {
            let mut run = 0u32;
            for x in 0..cols {
                run += weight(y * cols + x);
                let above = sums.get(y * stride + x + 1).copied().unwrap_or(0);
                if let Some(s) = sums.get_mut((y + 1) * stride + x + 1) {
                    *s = above + run;
                }
            }
        }
        Coverage {
            map,
            cell,
            cols,
            rows,
            sums,
        }
    }

    /// The weight under a box, and the number of cells of the map it covers (a
    /// box outside the map's frame, on the panel, covers none).
    fn under(&self, b: &Bounds) -> (u64, u64) {
        let span = |a: f32, origin: f32, n: usize| {
            (((a - origin) / self.cell).floor().max(0.0) as usize).min(n)
        };
        let span_end = |a: f32, origin: f32, n: usize| {
            (((a - origin) / self.cell).ceil().max(0.0) as usize).min(n)
        };
        let (x0, x1) = (
            span(b.x, self.map.x, self.cols),
            span_end(b.right(), self.map.x, self.cols),
        );
        let (y0, y1) = (
            span(b.y, self.map.y, self.rows),
            span_end(b.bottom(), self.map.y, self.rows),
        );
        if x1 <= x0 || y1 <= y0 {
            return (0, 0);
        }
        let stride = self.cols + 1;
        let s = |x: usize, y: usize| i64::from(self.sums.get(y * stride + x).copied().unwrap_or(0));
        let total = s(x1, y1) - s(x0, y1) - s(x1, y0) + s(x0, y0);
        (total.max(0) as u64, ((x1 - x0) * (y1 - y0)) as u64)
    }
}

/// The north arrow at the top-right corner of the map's frame: its box and
/// shapes.
fn north_arrow(f: &Frame, pad: f32) -> (Bounds, Vec<Shape>) {
    let pt = f.pt;
    let (bw, bh) = (18.0 * pt, 27.0 * pt);
    let b = Bounds::new(f.map.right() - pad - bw, f.map.y + pad, bw, bh);
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

/// The title (图名) at the top-left corner of the map's frame: its box and
/// shapes.
fn title_box(title: &str, f: &Frame, pad: f32) -> (Bounds, Vec<Shape>) {
    let size = 14.0 * f.pt;
    let lines = super::wrap::wrap(title, size, f.map.w * 0.6);
    let tw = lines
        .iter()
        .map(|l| canvas::text_advance(l, size))
        .fold(0.0, f32::max);
    let line_h = size * 1.3;
    let (x, y) = (f.map.x + pad, f.map.y + pad);
    let b = Bounds::new(x, y, tw + 2.0 * pad, lines.len() as f32 * line_h + pad);
    let mut shapes = vec![Shape::Rect {
        x: b.x,
        y: b.y,
        w: b.w,
        h: b.h,
        fill: Some([255, 255, 255]),
        stroke: None,
    }];
    for (k, line) in lines.iter().enumerate() {
        shapes.push(Shape::Text {
            x: x + pad,
            y: y + pad / 2.0 + k as f32 * line_h + size * canvas::ASCENT_EM,
            size,
            rgb: [20, 20, 20],
            text: line.clone(),
            halo: None,
        });
    }
    (b, shapes)
}

/// The most of a legend box, as a share of its cells, that may lie over drawn
/// data before the legend leaves the map for a panel beside or under it.
const LEGEND_MAX_COVER: f64 = 0.04;

/// The furniture of one frame, placed.
struct Arrangement {
    title: Option<(Bounds, Vec<Shape>)>,
    arrow: (Bounds, Vec<Shape>),
    block: Option<(Bounds, Vec<Shape>)>,
    legend: Option<LegendBox>,
    /// The share of the legend box's cells that lie over drawn data.
    legend_cover: f64,
    bar: ScaleBar,
}

/// Places the furniture of frame `f`: the title at the top left, the north arrow
/// at the top right, the title block at the bottom right, and the legend and the
/// scale bar in the corners where together they hide the least of the map (the
/// weight of [`Coverage`]: empty ground and the outside of the district weigh
/// nothing, the selection and facility symbols most), or in `panel`, outside the
/// map's frame. On a tie the legend goes bottom right and the scale bar bottom
/// left, where plans put them.
fn arrange(
    img: &MapImage,
    f: &Frame,
    entries: &[LegendEntry],
    panel: Option<Bounds>,
) -> Arrangement {
    let pt = f.pt;
    let pad = 6.0 * pt;
    let map = f.map;
    let coverage = Coverage::new(img, f);
    let title = img
        .title
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(|t| title_box(t, f, pad));
    let arrow = north_arrow(f, pad);
    let bar_at = |(x, y): (f32, f32)| {
        scale::scale_bar(
            (x, y),
            // A fifth of the width, and no shorter than an inch where there is room.
            (map.w / 5.0).max((72.0 * pt).min(map.w * 0.4)),
            f.metres_per_px,
            img.dpi,
            pt,
            img.chinese,
        )
    };
    let probe = bar_at((0.0, 0.0)).bounds;
    // The title block sits at the image's bottom right; a title block that would
    // say no more than the title above, or that is taller than the room under the
    // north arrow, is left out rather than drawn over it.
    let block = img
        .title
        .as_deref()
        .filter(|t| !t.is_empty())
        .and_then(|title| {
            let default_w = (f.width_px * 0.42)
                .min(220.0 * pt)
                .max((f.width_px - probe.w - 3.0 * pad).min(120.0 * pt));
            let block_w = match panel {
                Some(p) if p.x > 0.0 => (p.w - 2.0 * pad).max(default_w.min(120.0 * pt)),
                _ => default_w,
            };
            let (b, shapes) = title_block::title_block(
                title,
                &img.sheet,
                img.chinese,
                (f.width_px - pad, f.height_px - pad),
                block_w,
                pt,
            );
            let informative = title_block::rows(title, &img.sheet, img.chinese).len() > 1
                || img
                    .sheet
                    .disclaimer
                    .as_deref()
                    .is_some_and(|d| !d.trim().is_empty());
            (informative && b.y > arrow.0.bottom() + pad).then_some((b, shapes))
        });
    let fixed: Vec<Bounds> = [
        title.as_ref().map(|t| t.0),
        Some(arrow.0),
        block.as_ref().map(|b| b.0),
    ]
    .into_iter()
    .flatten()
    .collect();
    let clear = |b: &Bounds| !fixed.iter().any(|o| o.intersects(b));
    let inner = Bounds::new(
        map.x + pad,
        map.y + pad,
        map.w - 2.0 * pad,
        map.h - 2.0 * pad,
    );
    // The room of a corner of the map: under the title or the north arrow at the
    // top, above the title block at the bottom right.
    let corner_room = |c: Corner| -> Bounds {
        let top = match c {
            Corner::TopLeft => title.as_ref().map_or(inner.y, |t| t.0.bottom() + pad),
            Corner::TopRight => arrow.0.bottom() + pad,
            _ => inner.y,
        };
        let bottom = match (c, &block) {
            (Corner::BottomRight, Some((b, _))) if b.x < map.right() => b.y - pad,
            _ => inner.bottom(),
        };
        Bounds::new(inner.x, top, inner.w, (bottom - top).max(0.0))
    };

    // The legend's places: the panel's top, or each corner of the map with room
    // for it in one, two or three heights (a tall narrow box or a low wide one).
    let mut legends: Vec<LegendBox> = Vec::new();
    if img.legend && !entries.is_empty() {
        match panel {
            Some(p) => {
                let mut room = p.grown(-pad);
                if let Some((b, _)) = &block
                    && b.intersects(&p)
                {
                    if p.x > 0.0 {
                        room.h = (b.y - pad - room.y).max(0.0);
                    } else {
                        room.w = (b.x - pad - room.x).max(0.0);
                    }
                }
                // The scale bar goes in the panel too: under the legend beside
                // the map, right of it under the map.
                if p.x > 0.0 {
                    room.h = (room.h - probe.h - pad).max(0.0);
                } else {
                    room.w = (room.w - probe.w - 2.0 * pad).max(0.0);
                }
                legends.extend(legend::legend_box(
                    entries,
                    room,
                    Corner::TopLeft,
                    pt,
                    img.chinese,
                ));
            }
            None => {
                for c in Corner::ALL {
                    let room = corner_room(c);
                    for share in [1.0, 0.6, 0.35] {
                        let mut r = room;
                        r.h *= share;
                        if !c.top() {
                            r.y = room.bottom() - r.h;
                        }
                        if let Some(lb) = legend::legend_box(entries, r, c, pt, img.chinese)
                            && inner.contains(&lb.bounds)
                            && clear(&lb.bounds)
                            && !legends.iter().any(|o| o.bounds == lb.bounds)
                        {
                            legends.push(lb);
                        }
                    }
                }
            }
        }
    }
    // The scale bar's places: in the panel under (or beside) the legend when it
    // has room there, else each corner of the map.
    let bars = |legend: Option<&LegendBox>| -> Vec<Bounds> {
        let mut out = Vec::new();
        if let (Some(p), Some(lb)) = (panel, legend) {
            let room = if p.x > 0.0 {
                let top = lb.bounds.bottom() + pad;
                let bottom = block
                    .as_ref()
                    .filter(|(b, _)| b.intersects(&p))
                    .map_or(p.bottom() - pad, |(b, _)| b.y - pad);
                Bounds::new(p.x + pad, top, p.w - 2.0 * pad, bottom - top)
            } else {
                let left = lb.bounds.right() + 2.0 * pad;
                let right = block
                    .as_ref()
                    .filter(|(b, _)| b.intersects(&p))
                    .map_or(p.right() - pad, |(b, _)| b.x - pad);
                Bounds::new(left, p.y + pad, right - left, p.h - 2.0 * pad)
            };
            if room.w >= probe.w && room.h >= probe.h {
                let (x, y) = Corner::BottomLeft.place(room, probe.w, probe.h);
                return vec![Bounds::new(x, y, probe.w, probe.h)];
            }
        }
        for c in [
            Corner::BottomLeft,
            Corner::BottomRight,
            Corner::TopLeft,
            Corner::TopRight,
        ] {
            let room = corner_room(c);
            if room.w < probe.w || room.h < probe.h {
                continue;
            }
            let (x, y) = c.place(room, probe.w, probe.h);
            let b = Bounds::new(x, y, probe.w, probe.h);
            if clear(&b) && legend.is_none_or(|l| !l.bounds.intersects(&b)) {
                out.push(b);
            }
        }
        out
    };
    // The pair that hides the least; a legend short of entries only when no
    // complete one has a place.
    let weight = |b: &Bounds| coverage.under(b).0;
    type Key = (usize, u64, usize, usize);
    let pairs =
        |li: Option<usize>, legend: Option<&LegendBox>| -> Vec<(Key, Option<usize>, Bounds)> {
            let missing = legend.map_or(0, |l| entries.len() - l.shown);
            let legend_weight = legend.map_or(0, |l| weight(&l.bounds));
            bars(legend)
                .into_iter()
                .enumerate()
                .map(|(bi, b)| {
                    (
                        (missing, legend_weight + weight(&b), li.unwrap_or(0), bi),
                        li,
                        b,
                    )
                })
                .collect()
        };
    let best = legends
        .iter()
        .enumerate()
        .flat_map(|(li, lb)| pairs(Some(li), Some(lb)))
        .min_by_key(|(key, _, _)| *key)
        .or_else(|| pairs(None, None).into_iter().min_by_key(|(key, _, _)| *key));
    let (legend, bar_box) = match best {
        Some((_, li, b)) => (li.and_then(|k| legends.get(k).cloned()), b),
        // No corner has room: the bar goes bottom left as it can.
        None => (
            None,
            Bounds::new(inner.x, inner.bottom() - probe.h, probe.w, probe.h),
        ),
    };
    let bar = bar_at((bar_box.x, bar_box.bottom()));
    let legend_cover = legend.as_ref().map_or(0.0, |l| {
        let (w, cells) = coverage.under(&l.bounds);
        if cells == 0 {
            0.0
        } else {
            w as f64 / cells as f64
        }
    });
    Arrangement {
        title,
        arrow,
        block,
        legend,
        legend_cover,
        bar,
    }
}

/// A panel for the legend beside the map (right) or under it, for when no corner
/// of the map holds the legend clear of its data: the side that leaves the map
/// the larger scale, as long as the map keeps most of the image. The map's frame
/// shrinks to the rest of the image and the box is fitted into it again.
fn panel_frame(img: &MapImage, full: &Frame, entries: &[LegendEntry]) -> Option<(Frame, Bounds)> {
    let pt = full.pt;
    let pad = 6.0 * pt;
    let (w, h) = (full.width_px, full.height_px);
    // The panel holds the scale bar too, under or beside the legend.
    let bar = scale::scale_bar(
        (0.0, 0.0),
        (w / 5.0).max((72.0 * pt).min(w * 0.4)),
        full.metres_per_px,
        img.dpi,
        pt,
        img.chinese,
    )
    .bounds;
    let mut options: Vec<(usize, f64, Frame, Bounds)> = Vec::new();
    let right_room = Bounds::new(0.0, 0.0, w * 0.4 - 2.0 * pad, h - 3.0 * pad - bar.h);
    if let Some(lb) = legend::legend_box(entries, right_room, Corner::TopLeft, pt, img.chinese) {
        let panel_w = (lb.bounds.w + 2.0 * pad).ceil();
        let map_w = (w - panel_w).floor();
        if map_w >= w * 0.55 {
            let f = frame_of(img, map_w as u32, h as u32);
            let panel = Bounds::new(map_w, 0.0, w - map_w, h);
            options.push((lb.shown, f.fit.scale, f, panel));
        }
    }
    // Under the map, the legend in as many columns as the width takes: the lower
    // the panel, the more of the height the map keeps.
    for share in [0.4, 0.32, 0.25, 0.18, 0.12] {
        let bottom_room = Bounds::new(0.0, 0.0, w - 4.0 * pad - bar.w, h * share - 2.0 * pad);
        let Some(lb) = legend::legend_box(entries, bottom_room, Corner::TopLeft, pt, img.chinese)
        else {
            continue;
        };
        let panel_h = (lb.bounds.h + 2.0 * pad).ceil();
        let map_h = (h - panel_h).floor();
        if map_h >= h * 0.55 {
            let f = frame_of(img, w as u32, map_h as u32);
            let panel = Bounds::new(0.0, map_h, w, h - map_h);
            options.push((lb.shown, f.fit.scale, f, panel));
        }
    }
    options
        .into_iter()
        .max_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
        .map(|(_, _, f, p)| (f, p))
}

/// Lays out everything drawn over the map, and says in which frame: the legend
/// and the scale bar go where they hide the least of the map ([`arrange`]), and
/// when no corner holds the legend clear of the map's data, the map gives up a
/// panel beside or under it for the legend ([`panel_frame`]). Then the symbols,
/// and the labels around all of them.
fn furniture(img: &MapImage, full: Frame) -> (Overlay, Frame) {
    let entries = legend::map_legend(img.basemap, &img.layers, full.view, img.chinese);
    let inset = arrange(img, &full, &entries, None);
    let crowded = img.legend
        && !entries.is_empty()
        && inset
            .legend
            .as_ref()
            .is_none_or(|l| l.shown < entries.len() || inset.legend_cover > LEGEND_MAX_COVER);
    let paneled = if crowded {
        panel_frame(img, &full, &entries).map(|(f, panel)| {
            // The smaller map shows a little more around the box: its legend is
            // of that view.
            let entries = legend::map_legend(img.basemap, &img.layers, f.view, img.chinese);
            let a = arrange(img, &f, &entries, Some(panel));
            (f, a, entries, panel)
        })
    } else {
        None
    };
    let (f, a, entries, panel) = match paneled {
        Some((f, a, entries, panel)) => (f, a, entries, Some(panel)),
        None => (full, inset, entries, None),
    };
    let pt = f.pt;
    let mut ov = Overlay {
        legend: entries,
        metres_per_px: f.metres_per_px,
        map_frame: f.map,
        panel,
        fit: f.fit,
        ..Overlay::default()
    };
    let mut chrome: Vec<Shape> = Vec::new();
    let mut placer = labels::Placer::new(f.map.grown(-pt), (24.0 * pt).max(16.0));
    if let Some(p) = panel {
        // The sheet: the panel's paper and a frame line around the map.
        chrome.push(Shape::Rect {
            x: p.x,
            y: p.y,
            w: p.w,
            h: p.h,
            fill: Some([255, 255, 255]),
            stroke: None,
        });
        let line = 0.6 * pt;
        chrome.push(Shape::Rect {
            x: f.map.x + line / 2.0,
            y: f.map.y + line / 2.0,
            w: f.map.w - line,
            h: f.map.h - line,
            fill: None,
            stroke: Some(Line::solid([90, 90, 90], line)),
        });
    }
    if let Some((b, shapes)) = a.title {
        chrome.extend(shapes);
        placer.block(b);
        ov.title = Some(b);
    }
    let (arrow, arrow_shapes) = a.arrow;
    chrome.extend(arrow_shapes);
    placer.block(arrow);
    ov.north_arrow = Some(arrow);
    chrome.extend(a.bar.shapes.iter().cloned());
    placer.block(a.bar.bounds);
    ov.scale_bar = Some(a.bar);
    if let Some((b, shapes)) = a.block {
        chrome.extend(shapes);
        placer.block(b);
        ov.title_block = Some(b);
    }
    if let Some(lb) = a.legend {
        chrome.extend(lb.shapes);
        placer.block(lb.bounds);
        ov.legend_box = Some(lb.bounds);
    }
    let mut shapes = Vec::new();
    symbol_shapes(img, &f, &mut shapes, &mut ov.symbols);
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
        size_px: (f.map.w, f.map.h),
        basemap: img.basemap.is_some(),
    };
    ov.labels = labels::place_labels(&ctx, &mut placer);
    shapes.extend(ov.labels.iter().flat_map(|l| l.shapes.iter().cloned()));
    shapes.extend(chrome);
    ov.shapes = shapes;
    (ov, f)
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
