//! PDF reports: the selection summary and the parcel report cards, laid out on A4 or
//! A3 pages, portrait or landscape, and written with krilla.
//!
//! Text is real PDF text in the bundled CJK font, which krilla subsets and embeds
//! with a ToUnicode map, so every word can be selected, searched and copied. Maps
//! are raster images from the project's own renderer ([`crate::render::map_image`]),
//! the same drawing as the PNG export; the legend, the parcel marks on the location
//! map and all tables are vector.
//!
//! Layout is done first into a list of drawing operations per page, and only then
//! written with krilla. That keeps page breaking (tables that continue on the next
//! page with their header repeated, "page k of n" footers) free of krilla's
//! borrowing rules, and lets tests inspect the layout without parsing a PDF.

mod cards;
mod chart;
mod coverage;
mod handout;
mod layout;
mod sheet;
mod summary;

pub use cards::cards_layout;
pub use coverage::coverage_layout;
pub use handout::{HandoutSlide, handout_layout};
pub use layout::Layout;
pub use summary::summary_layout;

use geo::Rect;
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::text::{Font, TextDirection};

use super::{MapContext, ReportError, ReportLang};
use crate::model::Layer;
use crate::render::map_image::{self, ImageLayer, ImageStyle, MapImage};
use crate::render::text::CJK_FONT;

/// Points per millimetre.
const MM: f32 = 72.0 / 25.4;
/// The resolution maps are rendered at for print.
const MAP_DPI: f32 = 200.0;
const INK: [u8; 3] = [25, 25, 25];
const GREY: [u8; 3] = [110, 110, 110];
const RULE: [u8; 3] = [170, 170, 170];
const HEAD_FILL: [u8; 3] = [228, 232, 238];
const STRIPE_FILL: [u8; 3] = [246, 247, 249];

/// Paper sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paper {
    #[default]
    A4,
    A3,
}

/// A paper size and orientation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageSetup {
    pub paper: Paper,
    pub landscape: bool,
}

impl PageSetup {
    /// Width and height in points (ISO 216: A4 is 210 × 297 mm, A3 297 × 420 mm).
    pub fn size_pt(self) -> (f32, f32) {
        let (w, h) = match self.paper {
            Paper::A4 => (210.0 * MM, 297.0 * MM),
            Paper::A3 => (297.0 * MM, 420.0 * MM),
        };
        if self.landscape { (h, w) } else { (w, h) }
    }

    /// `a4`, `a3`, `a4-landscape`, `a3-portrait`, … (case-insensitive).
    pub fn parse(text: &str) -> Option<PageSetup> {
        let t = text.trim().to_ascii_lowercase();
        let (paper, orient) = t.split_once(['-', ' ', '_']).unwrap_or((t.as_str(), ""));
        let paper = match paper {
            "a4" => Paper::A4,
            "a3" => Paper::A3,
            _ => return None,
        };
        let landscape = match orient {
            "" | "portrait" | "p" => false,
            "landscape" | "l" => true,
            _ => return None,
        };
        Some(PageSetup { paper, landscape })
    }

    pub fn name(self) -> String {
        let paper = match self.paper {
            Paper::A4 => "A4",
            Paper::A3 => "A3",
        };
        let orient = if self.landscape {
            "landscape"
        } else {
            "portrait"
        };
        format!("{paper} {orient}")
    }
}

/// One drawing operation on a page, in points from the page's top-left corner.
#[derive(Clone)]
pub enum Op {
    /// One line of text; `y` is the baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        rgb: [u8; 3],
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<[u8; 3]>,
        stroke: Option<([u8; 3], f32)>,
    },
    /// A polyline or polygon.
    Path {
        points: Vec<(f32, f32)>,
        close: bool,
        fill: Option<[u8; 3]>,
        stroke: Option<([u8; 3], f32)>,
    },
    Image {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        image: Image,
    },
    /// Vector shapes (a map's labels, legend, scale bar …) placed with their origin
    /// at (`x`, `y`) and `k` points to their unit.
    Shapes {
        x: f32,
        y: f32,
        k: f32,
        shapes: Vec<crate::render::canvas::Shape>,
    },
}

/// A rendered map as a PDF image: opaque RGB (krilla drops the all-opaque alpha).
pub(crate) fn pdf_image(pixmap: &tiny_skia::Pixmap) -> Image {
    Image::from_rgba8(
        map_image::straight_rgba(pixmap),
        pixmap.width(),
        pixmap.height(),
    )
}

/// Pixels for `pt` points at the print resolution.
pub(crate) fn px(pt: f32) -> u32 {
    ((pt / 72.0 * MAP_DPI).round() as u32).clamp(16, 20_000)
}

/// The layers a report map draws, with the report's layer marked: the map context's
/// layers, or the report layer alone in its land-use colours.
pub(crate) fn map_layers<'a>(
    ctx: &MapContext<'a>,
    layer: &'a Layer,
    selected: &'a [usize],
) -> Vec<ImageLayer<'a>> {
    let empty: &'a [usize] = &[];
    let mut out: Vec<ImageLayer<'a>> = ctx
        .layers
        .iter()
        .map(|(l, style)| ImageLayer {
            layer: l,
            style: style.clone(),
            selected: if std::ptr::eq(*l, layer) {
                selected
            } else {
                empty
            },
        })
        .collect();
    if !ctx.layers.iter().any(|(l, _)| std::ptr::eq(*l, layer)) {
        out.push(ImageLayer {
            layer,
            style: ImageStyle::landuse(),
            selected,
        });
    }
    out
}

/// A report map of `layer` with `selected` highlighted over the context's layers
/// and basemap, `w_pt` by `h_pt` points at the reports' resolution, without a
/// title or legend (the page lays those out). With `vector_overlay` its labels and
/// furniture come back as shapes for the PDF instead of being painted.
pub(crate) fn report_map<'a>(
    ctx: &MapContext<'a>,
    layer: &'a Layer,
    selected: &'a [usize],
    bbox: Rect<f64>,
    (w_pt, h_pt): (f32, f32),
    lang: ReportLang,
    vector_overlay: bool,
) -> MapImage<'a> {
    MapImage {
        layers: map_layers(ctx, layer, selected),
        basemap: ctx.basemap,
        bbox,
        width_px: px(w_pt),
        height_px: px(h_pt),
        dpi: MAP_DPI,
        title: None,
        chinese: lang == ReportLang::Zh,
        legend: false,
        spotlight: false,
        sheet: map_image::SheetInfo {
            vector_overlay,
            ..Default::default()
        },
    }
}

pub(crate) fn render_map(
    ctx: &MapContext,
    layer: &Layer,
    selected: &[usize],
    bbox: Rect<f64>,
    w_pt: f32,
    h_pt: f32,
    lang: ReportLang,
) -> Result<tiny_skia::Pixmap, ReportError> {
    let image = report_map(ctx, layer, selected, bbox, (w_pt, h_pt), lang, false);
    map_image::render(&image).map_err(|e| ReportError::Render(e.to_string()))
}

pub(crate) fn num(v: f64, decimals: usize) -> String {
    format!("{v:.decimals$}")
}

pub(crate) fn opt_num(v: Option<f64>, decimals: usize) -> String {
    v.map(|v| num(v, decimals)).unwrap_or_default()
}

pub(crate) fn cents(v: f64) -> i64 {
    (v * 100.0).round() as i64
}

fn fill_of(rgb: [u8; 3]) -> Fill {
    Fill {
        paint: rgb::Color::new(rgb[0], rgb[1], rgb[2]).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

fn stroke_of((rgb, width): ([u8; 3], f32)) -> Stroke {
    Stroke {
        paint: rgb::Color::new(rgb[0], rgb[1], rgb[2]).into(),
        width,
        ..Stroke::default()
    }
}

/// A canvas line as a krilla stroke, scaled by `k` points to the unit.
fn line_stroke(line: &crate::render::canvas::Line, k: f32) -> Stroke {
    Stroke {
        paint: rgb::Color::new(line.rgb[0], line.rgb[1], line.rgb[2]).into(),
        width: line.width * k,
        line_join: krilla::paint::LineJoin::Round,
        dash: line.dash.map(|[on, off]| krilla::paint::StrokeDash {
            array: vec![on * k, off * k],
            offset: 0.0,
        }),
        ..Stroke::default()
    }
}

/// Draws canvas shapes at (`x0`, `y0`), `k` points to their unit.
fn draw_shapes(
    surface: &mut krilla::surface::Surface,
    font: &Font,
    (x0, y0, k): (f32, f32, f32),
    shapes: &[crate::render::canvas::Shape],
) {
    use crate::render::canvas::Shape;
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
                if let Some(h) = halo {
                    // The halo: the glyphs stroked wide in the halo colour, under the
                    // filled glyphs. It is drawn as outlines, not as text, so that
                    // the page's text (search, copy, pdftotext) holds each label once.
                    surface.set_fill(None);
                    surface.set_stroke(Some(Stroke {
                        line_join: krilla::paint::LineJoin::Round,
                        ..stroke_of((*h, size * k * 0.18))
                    }));
                    surface.draw_text(
                        Point::from_xy(px, py),
                        font.clone(),
                        size * k,
                        text,
                        true,
                        TextDirection::Auto,
                    );
                }
                surface.set_stroke(None);
                surface.set_fill(Some(fill_of(*rgb)));
                surface.draw_text(
                    Point::from_xy(px, py),
                    font.clone(),
                    size * k,
                    text,
                    false,
                    TextDirection::Auto,
                );
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
                let mut pb = PathBuilder::new();
                if *h == 0.0 {
                    pb.move_to(px, py);
                    pb.line_to(px + w * k, py);
                } else if let Some(r) = krilla::geom::Rect::from_xywh(px, py, w * k, h * k) {
                    pb.push_rect(r);
                }
                if let Some(path) = pb.finish() {
                    surface.set_fill(fill.map(fill_of));
                    surface.set_stroke(stroke.as_ref().map(|l| line_stroke(l, k)));
                    surface.draw_path(&path);
                }
            }
            Shape::Path {
                points,
                close,
                fill,
                stroke,
            } => {
                let mut pb = PathBuilder::new();
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
                    surface.set_fill(fill.map(fill_of));
                    surface.set_stroke(stroke.as_ref().map(|l| line_stroke(l, k)));
                    surface.draw_path(&path);
                }
            }
        }
    }
}

/// Fills and strokes a path (either may be absent).
fn paint(
    surface: &mut krilla::surface::Surface,
    pb: PathBuilder,
    fill: Option<[u8; 3]>,
    stroke: Option<([u8; 3], f32)>,
) {
    if let Some(path) = pb.finish() {
        surface.set_fill(fill.map(fill_of));
        surface.set_stroke(stroke.map(stroke_of));
        surface.draw_path(&path);
    }
}

/// Writes laid-out pages as a PDF document.
pub fn write_pdf(layout: &Layout, title: &str, lang: ReportLang) -> Result<Vec<u8>, ReportError> {
    let font = Font::new(CJK_FONT.into(), 0)
        .ok_or_else(|| ReportError::Pdf("the bundled font cannot be read".to_string()))?;
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(title.to_string())
            .creator("parcelview".to_string())
            .language(match lang {
                ReportLang::Zh => "zh-CN".to_string(),
                ReportLang::En => "en".to_string(),
            }),
    );
    let size_err = || ReportError::Pdf("page size out of range".to_string());
    for ops in &layout.pages {
        let settings = PageSettings::from_wh(layout.page_w, layout.page_h).ok_or_else(size_err)?;
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    rgb,
                    text,
                } => {
                    surface.set_stroke(None);
                    surface.set_fill(Some(fill_of(*rgb)));
                    surface.draw_text(
                        Point::from_xy(*x, *y),
                        font.clone(),
                        *size,
                        text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Rect {
                    x,
                    y,
                    w,
                    h,
                    fill,
                    stroke,
                } => {
                    let mut pb = PathBuilder::new();
                    if *h == 0.0 {
                        pb.move_to(*x, *y);
                        pb.line_to(x + w, *y);
                    } else if let Some(r) = krilla::geom::Rect::from_xywh(*x, *y, *w, *h) {
                        pb.push_rect(r);
                    }
                    paint(&mut surface, pb, *fill, *stroke);
                }
                Op::Path {
                    points,
                    close,
                    fill,
                    stroke,
                } => {
                    let mut pb = PathBuilder::new();
                    for (k, (px, py)) in points.iter().enumerate() {
                        if k == 0 {
                            pb.move_to(*px, *py);
                        } else {
                            pb.line_to(*px, *py);
                        }
                    }
                    if *close {
                        pb.close();
                    }
                    paint(&mut surface, pb, *fill, *stroke);
                }
                Op::Shapes { x, y, k, shapes } => {
                    draw_shapes(&mut surface, &font, (*x, *y, *k), shapes);
                }
                Op::Image { x, y, w, h, image } => {
                    if let Some(size) = Size::from_wh(*w, *h) {
                        surface.push_transform(&Transform::from_translate(*x, *y));
                        surface.draw_image(image.clone(), size);
                        surface.pop();
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    // The outline: one entry a bookmark, each pointing at its page and height.
    if !layout.bookmarks.is_empty() {
        let mut outline = krilla::outline::Outline::new();
        for (page, y, title) in &layout.bookmarks {
            if *page < layout.pages.len() {
                let dest = krilla::destination::XyzDestination::new(*page, Point::from_xy(0.0, *y));
                outline.push_child(krilla::outline::OutlineNode::new(title.clone(), dest));
            }
        }
        doc.set_outline(outline);
    }
    doc.finish().map_err(|e| ReportError::Pdf(format!("{e:?}")))
}
