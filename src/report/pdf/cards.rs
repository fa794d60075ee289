//! Parcel report cards: one card a parcel, laid out close to a 控规图则 — the
//! location and close-up maps, the planning conditions (规划条件), the boundary
//! points (界址点成果表) and the public facilities around it. A card that runs
//! longer than its page continues on the next under 「地块报告卡 KG-…（续）」, with
//! the header of the table it continues repeated, and every card has its own
//! bookmark in the PDF's outline.

use geo::{BoundingRect, Geometry, InteriorPoint, Rect, coord};
use krilla::image::Image;
use rayon::prelude::*;

use super::layout::{Align, Layout, Table, col};
use super::{
    GREY, HEAD_FILL, INK, MAP_DPI, Op, PageSetup, RULE, STRIPE_FILL, num, opt_num, pdf_image, px,
    render_map,
};
use crate::model::Layer;
use crate::render::canvas::{self, Bounds, Shape};
use crate::render::labels::Label;
use crate::render::map_image::{self, Fit, MapImage};
use crate::report::card::NEARBY_M;
use crate::report::xlsx::{CardsOptions, crs_line, part_label, point_headings, printed_y};
use crate::report::{Card, MapContext, Progress, ReportError, ReportLang};
use crate::selection::LocalPlane;

/// The height of the scale bar's panel above a map's foot, points, used only when
/// the map lays out no scale bar to measure.
const SCALE_BAR_PANEL_PT: f32 = 36.0;
/// The radius of the location marker's ring and its halo, points.
const MARKER_R_PT: f32 = 8.0;
const MARKER_HALO_PT: f32 = 1.8;
/// The red that marks the card's parcel on the location map: "you are here", as
/// location maps mark their subject, and set off from every land-use colour
/// (commercial red included) by the white halo drawn under it.
const SUBJECT_RED: [u8; 3] = [230, 0, 18];
/// The subject parcel's label on the close-up, points: larger than the 6.5 pt
/// of the map's own labels, and drawn bold.
const SUBJECT_LABEL_PT: f32 = 10.0;
/// The neighbours' labels on the close-up: scaled down and set in grey, so the
/// parcel the card is about reads first.
const NEIGHBOUR_LABEL_SCALE: f32 = 0.85;
const NEIGHBOUR_LABEL_RGB: [u8; 3] = [105, 105, 105];
/// What a heading needs below it to be kept with its table (`Layout::heading`
/// keeps 13 × 1.6 + 60 pt).
const HEADING_KEEP_PT: f32 = 82.0;
/// The space `Layout::table` leaves under a table, in ems of its type size (a
/// little less than it is, to err on the side of breaking early).
const TABLE_GAP_EM: f32 = 1.0;
/// Type sizes of the card's tables: 8 pt or more, as issue #15 asks of tables.
const CONDITION_SIZE: f32 = 9.0;
const POINT_SIZE: f32 = 8.5;
const FACILITY_SIZE: f32 = 8.5;
/// The padding above and below a facility row's text, in ems.
const FACILITY_PAD_EM: f32 = 0.3;

/// The box a card's close-up shows: the parcel with its neighbours, at least 400 m
/// across. The parcel is at its centre, clear of the scale bar in the corner.
fn close_up_box(bbox: Rect<f64>) -> Rect<f64> {
    let c = bbox.center();
    let plane = LocalPlane::new(c);
    let (min_dx, min_dy) = plane.degrees_for(200.0);
    let hx = (bbox.width() * 0.9).max(min_dx);
    let hy = (bbox.height() * 0.9).max(min_dy);
    crate::model::rect_grown(Rect::new(c, c), hx, hy)
}

/// The parcel's label on its close-up: its id centred on `centre` (kept inside
/// the image), bold and haloed. The font has no bold face, so the glyphs are
/// overprinted a fraction of an em apart, the halos first so that no halo covers
/// a neighbouring copy's ink.
fn subject_label(
    id: &str,
    centre: (f32, f32),
    pt: f32,
    (w, h): (f32, f32),
) -> (Bounds, Vec<Shape>) {
    let size = SUBJECT_LABEL_PT * pt;
    let bold = 0.035 * size;
    let text_w = canvas::text_advance(id, size);
    let half_h = size * (canvas::ASCENT_EM + canvas::DESCENT_EM) / 2.0;
    let edge = 2.0 * pt + size * canvas::HALO_EM;
    let cx = centre.0.clamp(
        edge + text_w / 2.0,
        (w - edge - text_w / 2.0 - bold).max(edge + text_w / 2.0),
    );
    let cy = centre
        .1
        .clamp(edge + half_h, (h - edge - half_h - bold).max(edge + half_h));
    let x = cx - text_w / 2.0;
    let y = cy + size * (canvas::ASCENT_EM - canvas::DESCENT_EM) / 2.0;
    let offsets = [
        (0.0, 0.0),
        (bold, 0.0),
        (0.0, bold * 0.6),
        (bold, bold * 0.6),
    ];
    let copy = |(dx, dy): (f32, f32), rgb: [u8; 3], halo: Option<[u8; 3]>| Shape::Text {
        x: x + dx,
        y: y + dy,
        size,
        rgb,
        text: id.to_string(),
        halo,
    };
    let white = [255, 255, 255];
    let mut shapes: Vec<Shape> = offsets
        .iter()
        .map(|o| copy(*o, white, Some(white)))
        .collect();
    shapes.extend(offsets.iter().map(|o| copy(*o, INK, None)));
    let b = canvas::text_bounds(x, y, size, id, true);
    let bounds = Bounds::new(b.x, b.y, b.w + bold, b.h + bold * 0.6);
    (bounds, shapes)
}

/// A label scaled by `k` about its box's centre and recoloured: a neighbour's
/// label, set back behind the parcel's.
fn set_back(label: &Label, k: f32, rgb: [u8; 3]) -> Label {
    let (cx, cy) = (
        label.bounds.x + label.bounds.w / 2.0,
        label.bounds.y + label.bounds.h / 2.0,
    );
    let shapes = label
        .shapes
        .iter()
        .map(|s| match s {
            Shape::Text {
                x,
                y,
                size,
                text,
                halo,
                ..
            } => Shape::Text {
                x: cx + (x - cx) * k,
                y: cy + (y - cy) * k,
                size: size * k,
                rgb,
                text: text.clone(),
                halo: *halo,
            },
            other => other.clone(),
        })
        .collect();
    let b = label.bounds;
    Label {
        bounds: Bounds::new(cx - b.w * k / 2.0, cy - b.h * k / 2.0, b.w * k, b.h * k),
        lines: label.lines.clone(),
        shapes,
    }
}

/// A card's close-up: the raster, and the labels drawn on it (image pixels), the
/// parcel's own first when it has one.
type CloseUp = (tiny_skia::Pixmap, Vec<Label>);

/// Draws a card's close-up: the parcel with its neighbours (see [`close_up_box`]),
/// the parcel outlined by the map's selection edge and labelled with its 地块编号
/// in bold; the neighbours' labels, which the map places as it does on every map,
/// are drawn smaller and in grey, and left out where they would crowd the
/// parcel's label.
fn close_up_map(
    ctx: &MapContext,
    layer: &Layer,
    c: &Card,
    (w_pt, h_pt): (f32, f32),
    lang: ReportLang,
) -> Result<Option<CloseUp>, ReportError> {
    let Some(parcel_box) = c.bbox else {
        return Ok(None);
    };
    let bbox = close_up_box(parcel_box);
    let selected = [c.parcel.feature];
    // The labels and furniture are painted below, once restyled.
    let image = super::report_map(ctx, layer, &selected, bbox, (w_pt, h_pt), lang, true);
    let (mut pixmap, overlay) =
        map_image::render_with_overlay(&image).map_err(|e| ReportError::Render(e.to_string()))?;
    let pt = MAP_DPI / 72.0;
    let size_px = (image.width_px as f32, image.height_px as f32);
    let fit = Fit::new(bbox, image.width_px, image.height_px);
    let id = c.parcel.id.as_str();
    let subject = layer
        .geometries
        .get(c.parcel.feature)
        .and_then(|g| g.as_ref())
        .and_then(|g| g.interior_point())
        .filter(|_| !id.is_empty())
        .map(|p| subject_label(id, fit.to_px(p.0), pt, size_px));
    let clear = subject.as_ref().map(|(b, _)| b.grown(2.0 * pt));
    let neighbours: Vec<Label> = overlay
        .labels
        .iter()
        // The map's own label of the parcel gives way to the bold one.
        .filter(|l| l.lines.first().map(String::as_str) != Some(id))
        .filter(|l| clear.is_none_or(|b| !l.bounds.intersects(&b)))
        .map(|l| set_back(l, NEIGHBOUR_LABEL_SCALE, NEIGHBOUR_LABEL_RGB))
        .collect();
    // The symbols and the furniture, as the map draws them; then the labels.
    let label_shapes: Vec<&Shape> = overlay.labels.iter().flat_map(|l| &l.shapes).collect();
    let mut shapes: Vec<Shape> = overlay
        .shapes
        .iter()
        .filter(|s| !label_shapes.contains(s))
        .cloned()
        .collect();
    shapes.extend(neighbours.iter().flat_map(|l| l.shapes.iter().cloned()));
    if let Some((_, subject_shapes)) = &subject {
        shapes.extend(subject_shapes.iter().cloned());
    }
    canvas::paint(&mut pixmap, (0.0, 0.0, 1.0), &shapes);
    let drawn = subject
        .map(|(bounds, shapes)| Label {
            bounds,
            lines: vec![id.to_string()],
            shapes,
        })
        .into_iter()
        .chain(neighbours)
        .collect();
    Ok(Some((pixmap, drawn)))
}

/// The top of the scale bar's panel on a report map of `bbox`, pixels from the
/// image's top: where the map's own furniture puts it (bottom left), measured from
/// its overlay, which places the scale bar by the frame alone, not by the layers.
fn scale_bar_top_px(bbox: Rect<f64>, w_px: u32, h_px: u32, lang: ReportLang) -> f32 {
    let img = MapImage {
        layers: Vec::new(),
        basemap: None,
        bbox,
        width_px: w_px,
        height_px: h_px,
        dpi: MAP_DPI,
        title: None,
        chinese: lang == ReportLang::Zh,
        legend: false,
        spotlight: false,
        sheet: Default::default(),
    };
    map_image::overlay(&img)
        .scale_bar
        .map_or(h_px as f32 - px(SCALE_BAR_PANEL_PT) as f32, |b| b.bounds.y)
}

/// The box the location map shows, and the top of its scale bar (pixels): the
/// district, grown southwards just enough that its southern edge lies a marker's
/// radius above the scale bar's panel. Every parcel's marker then stays clear of
/// the scale bar, which a shared map (one image for every card) cannot move out of
/// a marker's way.
fn overview_box(district: Rect<f64>, w_px: u32, h_px: u32, lang: ReportLang) -> (Rect<f64>, f32) {
    let clearance = px(MARKER_R_PT + 2.0 * MARKER_HALO_PT + 2.0) as f32;
    let grown = |grow: f64| {
        Rect::new(
            coord! { x: district.min().x, y: district.min().y - grow },
            district.max(),
        )
    };
    // Whether the district clears the scale bar in the box grown by `grow` degrees,
    // and that box's scale bar top.
    let clears = |grow: f64| {
        let b = grown(grow);
        let bar_top = scale_bar_top_px(b, w_px, h_px, lang);
        let (_, south) = Fit::new(b, w_px, h_px).to_px(district.min());
        (south <= bar_top - clearance, bar_top)
    };
    let (ok, bar_top) = clears(0.0);
    if ok {
        return (district, bar_top);
    }
    // The least growth that clears, to a hundredth of a per cent of the district:
    // doubled until it clears, then halved in between.
    let mut hi = district.height().max(district.width()).max(1e-6) * 0.25;
    for _ in 0..12 {
        if clears(hi).0 {
            break;
        }
        hi *= 2.0;
    }
    let mut lo = 0.0;
    for _ in 0..14 {
        let mid = (lo + hi) / 2.0;
        if clears(mid).0 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    (grown(hi), clears(hi).1)
}

/// The outline of a parcel's rings in page points, through a map's fit.
fn outline_on_page(g: &Geometry<f64>, fit: &Fit, x0: f32, y0: f32, k: f32) -> Vec<Vec<(f32, f32)>> {
    let mut out = Vec::new();
    let mut ring = |ls: &geo::LineString<f64>| {
        out.push(
            ls.0.iter()
                .map(|c| {
                    let (px, py) = fit.to_px(*c);
                    (x0 + px * k, y0 + py * k)
                })
                .collect(),
        );
    };
    match g {
        Geometry::Polygon(p) => ring(p.exterior()),
        Geometry::MultiPolygon(mp) => mp.0.iter().for_each(|p| ring(p.exterior())),
        _ => {}
    }
    out
}

/// Lays out the cards, each from a new page, continuing onto more pages when its
/// tables run long; `options` gives the footers' title and date and whether Y is
/// printed with the zone number (40xxxxxx.xxx).
pub fn cards_layout(
    cards: &[Card],
    layer: &Layer,
    ctx: &MapContext,
    setup: PageSetup,
    lang: ReportLang,
    options: &CardsOptions,
    progress: &Progress,
) -> Result<Layout, ReportError> {
    let mut l = Layout::new(setup);
    progress.set_total(cards.len() + 1);
    let gap = 10.0;
    // Portrait: the two maps side by side above the tables. Landscape has its own
    // layout: the maps one above the other on the left, the tables on the right
    // beside them, as the landscape summary has it.
    let stacked = setup.landscape;
    let (map_w, map_h) = if stacked {
        let map_w = l.content_w() * 0.46;
        let room = l.bottom() - l.margin - TITLE_H_PT - 2.0 * CAPTION_H_PT - gap;
        (map_w, (room / 2.0).min(map_w * 0.7))
    } else {
        let map_w = (l.content_w() - gap) / 2.0;
        (map_w, map_w * 0.8)
    };
    // The location map is the same for every card: drawn once, shared by every page
    // (krilla writes one image object for equal images), with each card's parcel
    // marked on it in vector.
    let mut bar_top_pt = map_h - SCALE_BAR_PANEL_PT;
    let overview = match layer.bbox() {
        Some(district) => {
            let (b, bar_top) = overview_box(district, px(map_w), px(map_h), lang);
            bar_top_pt = bar_top * map_w / px(map_w) as f32;
            Some((
                pdf_image(&render_map(ctx, layer, &[], b, map_w, map_h, lang)?),
                Fit::new(b, px(map_w), px(map_h)),
            ))
        }
        None => None,
    };
    let maps = Maps {
        overview: overview.as_ref(),
        bar_top_pt,
        stacked,
        w: map_w,
        h: map_h,
        gap,
    };
    // Close-ups are drawn in parallel, a batch at a time to bound memory.
    const BATCH: usize = 16;
    let mut first = true;
    for batch in cards.chunks(BATCH) {
        let close_ups: Vec<Option<Image>> = batch
            .par_iter()
            .map(|c| {
                let close_up = close_up_map(ctx, layer, c, (map_w, map_h), lang)?;
                Ok(close_up.map(|(pixmap, _)| pdf_image(&pixmap)))
            })
            .collect::<Result<_, ReportError>>()?;
        for (c, close_up) in batch.iter().zip(close_ups) {
            if !first {
                l.new_page();
            }
            first = false;
            card_page(&mut l, c, layer, &maps, close_up, options, lang);
            progress.step()?;
        }
    }
    l.footnote = ctx.sheet.disclaimer.clone();
    l.footers(&options.title, lang);
    Ok(l)
}

/// The maps of a card: the shared location map with its fit, and the size of
/// each map and the gap between them, points.
struct Maps<'a> {
    overview: Option<&'a (Image, Fit)>,
    /// The top of the location map's scale bar, points below the map's top.
    bar_top_pt: f32,
    /// One above the other at the left (landscape), else side by side.
    stacked: bool,
    w: f32,
    h: f32,
    gap: f32,
}

/// The line that heads a card's continuation page, naming its parcel.
fn continued(c: &Card, zh: bool) -> String {
    if zh {
        format!("地块报告卡 {}（续）", c.parcel.id)
    } else {
        format!("Report card {} (continued)", c.parcel.id)
    }
}

/// Starts a continuation page of the card.
fn continuation_page(l: &mut Layout, cont: &str) {
    l.new_page();
    l.line(cont, 11.0, INK);
    l.gap(3.0);
}

/// Keeps `h` points together: a continuation page first when they do not fit.
fn keep(l: &mut Layout, h: f32, cont: &str) {
    if l.y + h > l.bottom() {
        continuation_page(l, cont);
    }
}

/// A table's columns: heading, alignment and widest width in points.
type Columns = Vec<(String, Align, f32)>;

fn table_of(columns: &Columns, rows: Vec<Vec<String>>, size: f32) -> Table {
    Table {
        columns: columns.iter().map(|(h, a, w)| col(h, *a, *w)).collect(),
        rows,
        swatches: Vec::new(),
        continues: None,
        total: None,
        size,
    }
}

/// Lays out a table page by page: as many rows as fit on the page, then a
/// continuation page headed by `cont` (naming the card's parcel) with the table's
/// header repeated, and so on. Rows keep their order, down each page and on to
/// the next; a table never starts at the foot of a page with fewer than two rows.
fn paged_table(l: &mut Layout, columns: &Columns, rows: &[Vec<String>], size: f32, cont: &str) {
    let mut start = 0;
    let mut fresh = false;
    if rows.is_empty() {
        l.table(&table_of(columns, Vec::new(), size));
        return;
    }
    while let Some(rest) = rows.get(start..).filter(|r| !r.is_empty()) {
        let avail = l.bottom() - l.y;
        let height = |l: &Layout, k: usize| {
            let head = rest.get(..k).unwrap_or(rest);
            l.table_height(&table_of(columns, head.to_vec(), size))
        };
        // A piece fits when its last row ends above the page's foot (the space
        // `Layout::table` leaves under a table need not fit), and when the header
        // with twice the first row does, which `Layout::table` keeps together.
        let (bare, one) = (height(l, 0), height(l, 1));
        let keeps_start = 2.0 * one - bare - TABLE_GAP_EM * size <= avail;
        let fits = |l: &Layout, k: usize| {
            k == 0 || (keeps_start && height(l, k) - TABLE_GAP_EM * size <= avail)
        };
        let (mut lo, mut hi) = (0, rest.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if fits(l, mid) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        let mut k = lo;
        if k < rest.len().min(2) && !fresh {
            continuation_page(l, cont);
            fresh = true;
            continue;
        }
        // A row taller than a whole page still goes on a page of its own, and no
        // row (the closing J1, say) is left alone on a continuation page.
        k = k.max(1);
        if k + 1 == rest.len() && k >= 3 {
            k -= 1;
        }
        let head = rest.get(..k).unwrap_or(rest);
        l.table(&table_of(columns, head.to_vec(), size));
        start += k;
        if start < rows.len() {
            continuation_page(l, cont);
            fresh = true;
        }
    }
}

/// The height of a table's header and first two rows, points: what a heading is
/// kept with.
fn start_height(l: &Layout, columns: &Columns, rows: &[Vec<String>], size: f32) -> f32 {
    let head = rows.get(..rows.len().min(2)).unwrap_or(rows);
    l.table_height(&table_of(columns, head.to_vec(), size))
}

fn card_page(
    l: &mut Layout,
    c: &Card,
    layer: &Layer,
    maps: &Maps,
    close_up: Option<Image>,
    options: &CardsOptions,
    lang: ReportLang,
) {
    let zh = lang == ReportLang::Zh;
    let p = &c.parcel;
    let cont = continued(c, zh);
    let bookmark = format!("{} {} {}", p.id, p.code, p.class_name);
    l.bookmark(bookmark.trim());
    l.line(
        &if zh {
            format!("地块报告卡　{}", p.id)
        } else {
            format!("Report card {}", p.id)
        },
        16.0,
        INK,
    );
    let sep = if zh { "　" } else { " · " };
    let sub: Vec<String> = [
        format!("{} {}", p.code, p.class_name).trim().to_string(),
        options.title.clone(),
        options.date.clone(),
    ]
    .into_iter()
    .filter(|t| !t.is_empty())
    .collect();
    l.line(&sub.join(sep), 9.0, GREY);
    let about: Vec<String> = [
        (if zh { "状态" } else { "Status" }, &p.status),
        (if zh { "所属园区" } else { "Park" }, &p.park),
        (if zh { "企业名称" } else { "Enterprise" }, &p.enterprise),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| {
        if zh {
            format!("{k}：{v}")
        } else {
            format!("{k}: {v}")
        }
    })
    .collect();
    if !about.is_empty() {
        l.line(&about.join(if zh { "　" } else { "; " }), 9.0, GREY);
    }
    l.gap(4.0);
    draw_maps(l, c, layer, maps, close_up, zh);

    if maps.stacked {
        conditions_section(l, c, zh, &cont);
        boundary_section(l, c, lang, options.y_with_zone, &cont);
    } else {
        conditions_and_boundary(l, c, lang, options.y_with_zone, &cont);
    }
    facilities_section(l, c, zh, &cont);
    // The next card starts from the full width.
    let (x, w, y) = (l.margin, l.page_content_w(), l.y);
    l.set_column(x, w, y);
}

/// The two maps, captioned: the district with the parcel marked, and the close-up.
fn draw_maps(
    l: &mut Layout,
    c: &Card,
    layer: &Layer,
    maps: &Maps,
    close_up: Option<Image>,
    zh: bool,
) {
    let (map_w, map_h) = (maps.w, maps.h);
    let (x0, y0) = (l.margin, l.y);
    let ym = y0 + CAPTION_H_PT;
    // Where the close-up's caption goes: right of the location map, or under it.
    let (x1, y1) = if maps.stacked {
        (x0, ym + map_h + maps.gap)
    } else {
        (x0 + map_w + maps.gap, y0)
    };
    l.text_at(x0, y0, 9.0, INK, if zh { "区位图" } else { "Location" });
    l.text_at(x1, y1, 9.0, INK, if zh { "地块详图" } else { "Close-up" });
    if let Some((image, fit)) = maps.overview {
        l.image(x0, ym, map_w, map_h, image.clone());
        // The parcel filled red inside a white edge, and a red ring around it so a
        // small parcel shows: the red of "you are here", set off by white from
        // whatever land-use colour it lies on.
        let k = map_w / px(map_w) as f32;
        if let Some(Some(g)) = layer.geometries.get(c.parcel.feature) {
            for ring in outline_on_page(g, fit, x0, ym, k) {
                l.push(Op::Path {
                    points: ring,
                    close: true,
                    fill: Some(SUBJECT_RED),
                    stroke: Some(([255, 255, 255], 0.6)),
                });
            }
            if let Some(b) = g.bounding_rect() {
                let (cx, cy) = fit.to_px(b.center());
                let (cx, cy) = (x0 + cx * k, ym + cy * k);
                // Cross hairs across the map and a haloed ring: a locator that reads
                // at a glance among the map's own symbols. The vertical hair stops
                // above the scale bar's panel, and the map's box keeps every parcel
                // above it (see `overview_box`), so the marker never covers the bar.
                let foot = ym + maps.bar_top_pt;
                for points in [vec![(x0, cy), (x0 + map_w, cy)], vec![(cx, ym), (cx, foot)]] {
                    l.push(Op::Path {
                        points,
                        close: false,
                        fill: None,
                        stroke: Some((SUBJECT_RED, 0.5)),
                    });
                }
                let ring: Vec<(f32, f32)> = (0..32)
                    .map(|i| {
                        let a = i as f32 / 32.0 * std::f32::consts::TAU;
                        (cx + MARKER_R_PT * a.cos(), cy + MARKER_R_PT * a.sin())
                    })
                    .collect();
                for stroke in [
                    ([255, 255, 255], 2.0 * MARKER_HALO_PT),
                    (SUBJECT_RED, MARKER_HALO_PT),
                ] {
                    l.push(Op::Path {
                        points: ring.clone(),
                        close: true,
                        fill: None,
                        stroke: Some(stroke),
                    });
                }
            }
        }
    }
    if let Some(image) = close_up {
        l.image(x1, y1 + CAPTION_H_PT, map_w, map_h, image);
    }
    if maps.stacked {
        // The tables flow in the column right of the maps; a continuation page has
        // the full width again.
        let x = x0 + map_w + 2.0 * maps.gap;
        let w = l.page_content_w() - map_w - 2.0 * maps.gap;
        l.set_column(x, w, y0);
    } else {
        l.y = ym + map_h + 8.0;
    }
}

/// The 规划条件's heading, columns and rows, for a column `width` points wide:
/// every condition the parcel has, its unit with its label, one a row or, with
/// `pairs`, two a row.
fn condition_table(
    c: &Card,
    zh: bool,
    width: f32,
    pairs: bool,
) -> (String, Columns, Vec<Vec<String>>) {
    let heading = if zh {
        "规划条件（规划控制指标）"
    } else {
        "Planning conditions"
    };
    let items: Vec<[String; 2]> = c
        .conditions
        .iter()
        .map(|k| {
            let label = match (k.unit.is_empty(), zh) {
                (true, _) => k.label.clone(),
                (false, true) => format!("{}（{}）", k.label, k.unit),
                (false, false) => format!("{} ({})", k.label, k.unit),
            };
            [label, c.control_value(k)]
        })
        .collect();
    let (item, value) = if zh {
        ("项目", "指标")
    } else {
        ("Item", "Value")
    };
    let per_row = if pairs { 2 } else { 1 };
    let share = width / per_row as f32;
    let columns: Columns = (0..per_row)
        .flat_map(|_| {
            [
                (item.to_string(), Align::Left, share * 0.45),
                (value.to_string(), Align::Left, share * 0.55),
            ]
        })
        .collect();
    let rows: Vec<Vec<String>> = items
        .chunks(per_row)
        .map(|group| {
            let mut row: Vec<String> = group.iter().flatten().cloned().collect();
            row.resize(2 * per_row, String::new());
            row
        })
        .collect();
    (heading.to_string(), columns, rows)
}

/// 规划条件 in the flow's column: two to a row when the column is wide enough.
fn conditions_section(l: &mut Layout, c: &Card, zh: bool, cont: &str) {
    let pairs = l.content_w() > 460.0;
    let (heading, columns, rows) = condition_table(c, zh, l.content_w(), pairs);
    if rows.is_empty() {
        keep(l, HEADING_KEEP_PT, cont);
        l.heading(&heading);
        l.line(no_conditions(zh), 9.0, GREY);
        clearance_line(l, c, zh);
        return;
    }
    let start = start_height(l, &columns, &rows, CONDITION_SIZE);
    keep(l, HEADING_KEEP_PT.max(HEADING_H + start), cont);
    l.heading(&heading);
    paged_table(l, &columns, &rows, CONDITION_SIZE, cont);
    clearance_line(l, c, zh);
}

/// The parcel's 净空限高 under its conditions, in red where its 限高 goes above
/// the airport's obstacle limitation surfaces.
fn clearance_line(l: &mut Layout, c: &Card, zh: bool) {
    let Some(text) = clearance_text(c, zh) else {
        return;
    };
    let conflict = c.clearance.as_ref().is_some_and(|p| p.conflict);
    let rgb = if conflict { CONFLICT } else { INK };
    l.gap(2.0);
    l.line(&text, 9.0, rgb);
}

/// The card's 净空限高 line, if the report has one for the parcel.
fn clearance_text(c: &Card, zh: bool) -> Option<String> {
    crate::analysis::clearance::card_line(c.clearance.as_ref()?, zh)
}

/// The colour a 净空 conflict is printed in.
const CONFLICT: [u8; 3] = [200, 40, 0];

/// A row of the 界址点成果表: a boundary point (点号, X, Y, 边长), or, on a parcel
/// of several rings, the heading of a ring (第2块, 第1块（内圈1）) spanning the
/// row.
#[derive(Debug, Clone, PartialEq)]
enum PointRow {
    Ring(String),
    Point([String; 4]),
}

/// A card's 界址点成果表, measured for setting in column groups side by side:
/// every group has the same columns, widths and rows' height, so that the groups
/// of a page line up, and on every page of the card.
struct PointTable {
    heading: String,
    crs: String,
    rows: Vec<PointRow>,
    /// The parcel has more than one ring, so a group that starts within a ring
    /// names it again at its top.
    rings: bool,
    widths: [f32; 4],
    head_lines: Vec<Vec<String>>,
    head_h: f32,
    row_h: f32,
}

/// The type size of the 界址点成果表 and the padding above and below a row's
/// text, in ems: a denser table than the others, as cadastral tables are, so a
/// long boundary takes fewer pages; the type stays at 8.5 pt.
const POINT_PAD_EM: f32 = 0.28;
/// The least gap between two column groups, points.
const GROUP_GAP_PT: f32 = 14.0;
/// The most gap between two column groups, points: wider room is left at the
/// right rather than pulling the groups apart.
const GROUP_GAP_MAX_PT: f32 = 28.0;

impl PointTable {
    fn new(l: &Layout, c: &Card, lang: ReportLang, y_with_zone: bool) -> PointTable {
        let zh = lang == ReportLang::Zh;
        let points = c.boundary.iter().filter(|b| b.side_m.is_some()).count();
        let heading = if zh {
            format!("界址点成果表（{points} 个界址点）")
        } else {
            format!("Boundary points ({points})")
        };
        let crs = format!(
            "{}{}",
            crs_line(std::slice::from_ref(c), lang, y_with_zone),
            if zh {
                "；X 为纵坐标（北），Y 为横坐标（东），单位：m；点号自西北角起顺时针编列，内圈逆时针，末点闭合回 J1。"
            } else {
                "; X north, Y east, metres; points run clockwise from the north-west corner (holes counter-clockwise), closing on the first point."
            }
        );
        let all = point_headings(lang, y_with_zone);
        let head = |k: usize| all.get(k).copied().unwrap_or_default().to_string();
        let heads = [head(2), head(3), head(4), head(5)];
        let rings = c.boundary.iter().any(|b| b.part > 1 || b.ring > 0);
        let mut rows = Vec::with_capacity(c.boundary.len() + 4);
        let mut ring = None;
        for b in &c.boundary {
            if rings && ring != Some((b.part, b.ring)) {
                rows.push(PointRow::Ring(part_label(b, lang)));
            }
            ring = Some((b.part, b.ring));
            rows.push(PointRow::Point([
                b.label.clone(),
                num(b.x_north_m, 3),
                num(printed_y(b, c.zone, y_with_zone), 3),
                opt_num(b.side_m, 2),
            ]));
        }
        let size = POINT_SIZE;
        let pad = size * 0.5;
        // Each column as wide as its widest figure; a heading wider than that
        // wraps at its words.
        let mut widths = [0.0f32; 4];
        for (k, w) in widths.iter_mut().enumerate() {
            let cells = rows.iter().filter_map(|r| match r {
                PointRow::Point(cells) => cells.get(k),
                PointRow::Ring(_) => None,
            });
            let figure = cells.map(|t| l.text_w(t, size)).fold(0.0, f32::max);
            let word = heads
                .get(k)
                .map(|h| {
                    crate::render::wrap::words(h)
                        .iter()
                        .map(|w| l.text_w(w, size))
                        .fold(0.0, f32::max)
                })
                .unwrap_or(0.0);
            let whole = heads.get(k).map_or(0.0, |h| l.text_w(h, size));
            // The heading on one line when that costs no more than three ems.
            let text = if whole <= figure + 3.0 * size {
                whole.max(figure)
            } else {
                word.max(figure)
            };
            *w = text + 2.0 * pad;
        }
        let line_h = size * 1.25;
        let cell_pad = size * POINT_PAD_EM;
        let head_lines: Vec<Vec<String>> = heads
            .iter()
            .zip(widths)
            .map(|(h, w)| l.wrap(h, size, w - 2.0 * pad + 0.01))
            .collect();
        let head_n = head_lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
        PointTable {
            heading,
            crs,
            rows,
            rings,
            widths,
            head_lines,
            head_h: head_n as f32 * line_h + 2.0 * size * 0.4,
            row_h: line_h + 2.0 * cell_pad,
        }
    }

    /// The width of one column group, points.
    fn group_w(&self) -> f32 {
        self.widths.iter().sum()
    }

    /// How many groups a column `w` points wide holds (one at least), and the gap
    /// between them.
    fn groups_in(&self, w: f32) -> (usize, f32) {
        let gw = self.group_w();
        let n = ((w + GROUP_GAP_PT) / (gw + GROUP_GAP_PT)).floor().max(1.0) as usize;
        let gap = if n > 1 {
            ((w - n as f32 * gw) / (n - 1) as f32).clamp(GROUP_GAP_PT, GROUP_GAP_MAX_PT)
        } else {
            0.0
        };
        (n, gap)
    }

    /// The rows a group starting at `y` holds above the page's foot.
    fn rows_from(&self, l: &Layout, y: f32) -> usize {
        let room = l.bottom() - y - self.head_h;
        if room <= 0.0 {
            0
        } else {
            (room / self.row_h + 1e-3).floor() as usize
        }
    }

    /// The height of the section's heading, the coordinate line and the table's
    /// header with its first two rows in the current column, points: what must fit
    /// where the section starts.
    fn start_h(&self, l: &Layout) -> f32 {
        HEADING_H
            + lines_h(l, &self.crs, 9.0)
            + 2.0
            + self.head_h
            + self.row_h * self.rows.len().min(2) as f32
    }

    /// Whether the group starting at row `k` opens within a ring, and so names
    /// the ring again at its top.
    fn repeats_ring(&self, k: usize) -> Option<String> {
        if !self.rings || !matches!(self.rows.get(k), Some(PointRow::Point(_))) {
            return None;
        }
        self.rows.get(..k)?.iter().rev().find_map(|r| match r {
            PointRow::Ring(label) => Some(label.clone()),
            PointRow::Point(_) => None,
        })
    }

    /// The groups rows from `start` fill in slots holding `caps` rows each, as
    /// (slot, first row, end row): down each group, then on to the next. A slot
    /// that holds fewer than two rows is left empty; a group that opens within a
    /// ring gives a row to the ring's name; a ring's name never ends a group.
    fn fill(&self, start: usize, caps: &[usize]) -> Vec<(usize, usize, usize)> {
        let n = self.rows.len();
        let mut out = Vec::with_capacity(caps.len());
        let mut s = start;
        for (slot, &cap) in caps.iter().enumerate() {
            if s >= n {
                break;
            }
            let room = cap.saturating_sub(usize::from(self.repeats_ring(s).is_some()));
            if room < 2.min(n - s) || room == 0 {
                continue;
            }
            let mut end = (s + room).min(n);
            if end < n && end > s + 1 && matches!(self.rows.get(end - 1), Some(PointRow::Ring(_))) {
                end -= 1;
            }
            out.push((slot, s, end));
            s = end;
        }
        out
    }

    /// The groups of one page: as many rows as the slots hold, down the first group
    /// and then the next. When the rest of the table fits on a page of level slots,
    /// its groups are balanced (the same length, the last one shorter by what does
    /// not divide); and a page never leaves a single row (the closing J1, say) to
    /// a page of its own.
    fn plan(&self, start: usize, caps: &[usize], level: bool) -> Vec<(usize, usize, usize)> {
        let n = self.rows.len();
        let mut groups = self.fill(start, caps);
        let end = groups.last().map_or(start, |g| g.2);
        if end >= n && level && caps.len() > 1 {
            let most = caps.iter().copied().max().unwrap_or(0);
            let first = (n - start).div_ceil(caps.len().max(1));
            for per in first..=most {
                let even: Vec<usize> = caps.iter().map(|c| (*c).min(per)).collect();
                let balanced = self.fill(start, &even);
                if balanced.last().is_some_and(|g| g.2 >= n) {
                    groups = balanced;
                    break;
                }
            }
        } else if end + 1 == n
            && let Some(last) = groups.last_mut()
            && last.2 - last.1 >= 3
        {
            last.2 -= 1;
        }
        groups
    }

    /// Draws one group with its header at (`x`, `y`): the ring's name again at its
    /// top when it opens within a ring, then its rows. Returns the bottom of its
    /// closing rule.
    fn draw_group(
        &self,
        l: &mut Layout,
        (x, y): (f32, f32),
        rows: &[PointRow],
        ring: Option<&str>,
    ) -> f32 {
        let size = POINT_SIZE;
        let pad = size * 0.5;
        let line_h = size * 1.25;
        let w = self.group_w();
        let aligns = [Align::Left, Align::Right, Align::Right, Align::Right];
        l.push(Op::Rect {
            x,
            y,
            w,
            h: self.head_h,
            fill: Some(HEAD_FILL),
            stroke: None,
        });
        let mut cx = x;
        for ((lines, cw), align) in self.head_lines.iter().zip(self.widths).zip(aligns) {
            for (n, text) in lines.iter().enumerate() {
                let tx = match align {
                    Align::Left => cx + pad,
                    Align::Right => cx + cw - pad - l.text_w(text, size),
                };
                let ty = y + size * 0.4 + n as f32 * line_h + (line_h - size) / 2.0;
                l.text_at(tx, ty, size, INK, text);
            }
            cx += cw;
        }
        let mut y = y + self.head_h;
        let continued_ring = ring.map(|r| PointRow::Ring(r.to_string()));
        let text_dy = size * POINT_PAD_EM + (line_h - size) / 2.0;
        for (k, row) in continued_ring.iter().chain(rows).enumerate() {
            if k % 2 == 1 {
                l.push(Op::Rect {
                    x,
                    y,
                    w,
                    h: self.row_h,
                    fill: Some(STRIPE_FILL),
                    stroke: None,
                });
            }
            match row {
                PointRow::Ring(label) => l.text_at(x + pad, y + text_dy, size, GREY, label),
                PointRow::Point(cells) => {
                    let mut cx = x;
                    for ((text, cw), align) in cells.iter().zip(self.widths).zip(aligns) {
                        let tx = match align {
                            Align::Left => cx + pad,
                            Align::Right => cx + cw - pad - l.text_w(text, size),
                        };
                        l.text_at(tx, y + text_dy, size, INK, text);
                        cx += cw;
                    }
                }
            }
            y += self.row_h;
        }
        l.push(Op::Rect {
            x,
            y,
            w,
            h: 0.0,
            fill: None,
            stroke: Some((RULE, 0.6)),
        });
        y + TABLE_GAP_EM * size * 0.6
    }

    /// Sets the table's rows in column groups: first in `slots` (each a group's
    /// top-left corner on the current page, in reading order; `level` when they
    /// share their top), then on continuation pages headed by `cont`, at the full
    /// width with as many groups as fit. Leaves the flow below the lowest group of
    /// the last page.
    fn set(&self, l: &mut Layout, slots: &[(f32, f32)], level: bool, cont: &str) {
        let n = self.rows.len();
        let mut start = 0;
        let mut slots = slots.to_vec();
        let mut level = level;
        let mut fresh = false;
        loop {
            let caps: Vec<usize> = slots.iter().map(|(_, y)| self.rows_from(l, *y)).collect();
            let groups = self.plan(start, &caps, level);
            let mut bottom = l.y;
            for (slot, s, e) in &groups {
                let Some(xy) = slots.get(*slot) else { continue };
                let ring = self.repeats_ring(*s);
                let rows = self.rows.get(*s..*e).unwrap_or_default();
                bottom = bottom.max(self.draw_group(l, *xy, rows, ring.as_deref()));
            }
            start = groups.last().map_or(start, |g| g.2);
            // A page that takes no row even when fresh would take none on the next
            // either: the rest is left out rather than paged without end.
            if start >= n || (fresh && groups.is_empty()) {
                l.y = bottom;
                return;
            }
            continuation_page(l, cont);
            fresh = true;
            let (count, gap) = self.groups_in(l.page_content_w());
            let y = l.y;
            slots = (0..count)
                .map(|k| (l.margin + k as f32 * (self.group_w() + gap), y))
                .collect();
            level = true;
        }
    }

    /// The slots of the groups across the current column at the flow's height.
    fn slots_here(&self, l: &Layout) -> Vec<(f32, f32)> {
        let (count, gap) = self.groups_in(l.content_w());
        (0..count)
            .map(|k| (l.col_x + k as f32 * (self.group_w() + gap), l.y))
            .collect()
    }
}

/// The height of a card's title lines (title, subtitle, status), points, and of a
/// map's caption.
const TITLE_H_PT: f32 = 16.0 * 1.45 + 2.0 * 9.0 * 1.45 + 4.0;
const CAPTION_H_PT: f32 = 9.0 * 1.6;

/// The height of a heading, points (`Layout::heading`).
const HEADING_H: f32 = 4.0 + 12.0 * 1.6;

/// The height of a line of `size` points wrapped to the current column.
fn lines_h(l: &Layout, text: &str, size: f32) -> f32 {
    size * 1.45 * l.wrap(text, size, l.content_w()).len() as f32
}

/// The 规划条件 and the 界址点成果表 side by side, as a 控规图则 sets its tables: the
/// conditions, one a row, in the right half, and the boundary points in the left
/// half. A long boundary goes on in a second group of columns under the
/// conditions, then on continuation pages in as many groups side by side as the
/// page's width holds, each reading down before the next. When the conditions
/// would not fit beside the points on one page, the two follow each other at the
/// full width.
fn conditions_and_boundary(
    l: &mut Layout,
    c: &Card,
    lang: ReportLang,
    y_with_zone: bool,
    cont: &str,
) {
    let zh = lang == ReportLang::Zh;
    let (x0, full_w) = (l.margin, l.page_content_w());
    let gap = 12.0;
    let points = PointTable::new(l, c, lang, y_with_zone);
    // Halves, unless the page is wide enough (A3) for the points' half to take
    // one more group of columns and still leave the conditions room for theirs.
    let half = (full_w - gap) / 2.0;
    let groups = points.groups_in(half).0 + 1;
    let wider = groups as f32 * points.group_w() + (groups - 1) as f32 * GROUP_GAP_PT;
    let right_least = points.group_w().max(RIGHT_LEAST_PT).max(full_w * 0.3);
    let left_w = if full_w - gap - wider >= right_least {
        wider
    } else {
        half
    };
    let (right_x, right_w) = (x0 + left_w + gap, full_w - left_w - gap);
    let (k_heading, k_columns, k_rows) = condition_table(c, zh, right_w, false);
    let none = no_conditions(zh);
    // Measured in their columns.
    let y = l.y;
    l.set_column(right_x, right_w, y);
    let k_h = HEADING_H
        + if k_rows.is_empty() {
            lines_h(l, none, 9.0)
        } else {
            l.table_height(&table_of(&k_columns, k_rows.clone(), CONDITION_SIZE))
        }
        + clearance_text(c, zh).map_or(0.0, |t| lines_h(l, &t, 9.0) + 2.0);
    l.set_column(x0, left_w, y);
    let b_h = points.start_h(l);
    l.set_column(x0, full_w, y);
    let need = HEADING_KEEP_PT.max(k_h).max(b_h);
    if need > l.bottom() - l.margin - 30.0 || points.group_w() > left_w {
        conditions_section(l, c, zh, cont);
        boundary_section(l, c, lang, y_with_zone, cont);
        return;
    }
    keep(l, need, cont);
    let y0 = l.y;
    l.set_column(right_x, right_w, y0);
    l.heading(&k_heading);
    if k_rows.is_empty() {
        l.line(none, 9.0, GREY);
    } else {
        l.table(&table_of(&k_columns, k_rows, CONDITION_SIZE));
    }
    clearance_line(l, c, zh);
    let k_end = l.y;
    l.set_column(x0, left_w, y0);
    l.heading(&points.heading);
    l.line(&points.crs, 9.0, GREY);
    l.gap(2.0);
    // The next group starts under the conditions, a little apart from them.
    let mut slots = points.slots_here(l);
    slots.push((right_x, k_end + 4.0));
    let page = l.pages.len();
    points.set(l, &slots, false, cont);
    let end = if l.pages.len() == page {
        l.y.max(k_end)
    } else {
        l.y
    };
    l.set_column(x0, full_w, end);
}

/// The least width the conditions keep beside the points, points.
const RIGHT_LEAST_PT: f32 = 240.0;

/// What a card says when its parcel has no planning conditions.
fn no_conditions(zh: bool) -> &'static str {
    if zh {
        "地块数据中没有规划条件。"
    } else {
        "The parcel's data give no planning conditions."
    }
}

/// 界址点成果表 in the flow's column: the coordinate system line, then the points
/// in as many groups of columns side by side as the column holds, each reading
/// down before the next.
fn boundary_section(l: &mut Layout, c: &Card, lang: ReportLang, y_with_zone: bool, cont: &str) {
    let points = PointTable::new(l, c, lang, y_with_zone);
    keep(l, HEADING_KEEP_PT.max(points.start_h(l)), cont);
    l.heading(&points.heading);
    l.line(&points.crs, 9.0, GREY);
    l.gap(2.0);
    let slots = points.slots_here(l);
    points.set(l, &slots, true, cont);
    let (x, w) = (l.col_x, l.content_w());
    let y = l.y;
    l.set_column(x, w, y);
}

/// The facilities around the parcel, nearest first, each judged by its own
/// service radius, the one on the parcel marked 本地块.
fn facilities_section(l: &mut Layout, c: &Card, zh: bool, cont: &str) {
    let reach = crate::model::format_float(NEARBY_M);
    let heading = if zh {
        format!("周边公共设施（{reach} m 内，及服务半径覆盖本地块的设施）")
    } else {
        format!("Public facilities within {reach} m, or whose service radius reaches the parcel")
    };
    if c.facilities.is_empty() {
        keep(l, HEADING_KEEP_PT, cont);
        l.heading(&heading);
        let none = if zh {
            format!("{reach} m 内没有公共设施，也没有服务半径覆盖本地块的设施。")
        } else {
            format!(
                "No public facility within {reach} m or whose service radius reaches the parcel."
            )
        };
        l.line(&none, 9.0, GREY);
        return;
    }
    let heads: [&str; 7] = if zh {
        [
            "名称",
            "类型",
            "距离（m）",
            "服务半径（m）",
            "规模",
            "在服务半径内",
            "备注",
        ]
    } else {
        [
            "Name",
            "Type",
            "Distance (m)",
            "Service radius (m)",
            "Size",
            "Within its radius",
            "Note",
        ]
    };
    let widths = [170.0, 90.0, 50.0, 72.0, 60.0, 64.0, 45.0];
    let aligns = [
        Align::Left,
        Align::Left,
        Align::Right,
        Align::Right,
        Align::Left,
        Align::Left,
        Align::Left,
    ];
    let columns: Columns = heads
        .iter()
        .zip(aligns)
        .zip(widths)
        .map(|((h, a), w)| (h.to_string(), a, w))
        .collect();
    let rows: Vec<Vec<String>> = c
        .facilities
        .iter()
        .map(|f| {
            let within = match (f.within_radius(), zh) {
                (None, _) => "",
                (Some(true), true) => "是",
                (Some(false), true) => "否",
                (Some(true), false) => "yes",
                (Some(false), false) => "no",
            };
            let note = match (f.on_parcel, zh) {
                (false, _) => "",
                (true, true) => "本地块",
                (true, false) => "on the parcel",
            };
            vec![
                f.name.clone(),
                f.kind.clone(),
                num(f.distance_m, 0),
                opt_num(f.service_radius_m, 0),
                f.scale.clone(),
                within.to_string(),
                note.to_string(),
            ]
        })
        .collect();
    let note = if zh {
        "距离为设施至地块边界的最近距离（设施在地块内为 0）；是否在服务半径内按各设施自身的服务半径判断。"
    } else {
        "Distance from the facility to the parcel's boundary (0 inside it); within its radius by each facility's own service radius."
    };
    let line_h = 9.0 * 1.45 * l.wrap(note, 9.0, l.content_w()).len() as f32;
    // A list, set as densely as the 界址点成果表, so that a long one does not push
    // the card onto another page.
    let pad_em = l.cell_pad_em;
    l.cell_pad_em = FACILITY_PAD_EM;
    let start = start_height(l, &columns, &rows, FACILITY_SIZE);
    keep(
        l,
        HEADING_KEEP_PT.max(4.0 + 12.0 * 1.6 + line_h + start),
        cont,
    );
    l.heading(&heading);
    l.line(note, 9.0, GREY);
    l.gap(2.0);
    paged_table(l, &columns, &rows, FACILITY_SIZE, cont);
    l.cell_pad_em = pad_em;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{LoadOptions, load_bytes};

    /// Nine parcels of 200 m × 200 m in a 3 × 3 grid, KG-X-0011 … KG-X-0033.
    fn grid() -> Layer {
        let (dlon, dlat) = (200.0 / 95_300.0, 200.0 / 110_900.0);
        let mut features = Vec::new();
        for row in 1..=3 {
            for col in 1..=3 {
                let (x0, y0) = (
                    120.70 + f64::from(col - 1) * dlon,
                    30.75 - f64::from(row) * dlat,
                );
                let (x1, y1) = (x0 + dlon, y0 + dlat);
                features.push(format!(
                    r#"{{"type":"Feature","properties":{{"地块编号":"KG-X-00{row}{col}","用地代码":"070102","容积率":2.0}},
 "geometry":{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}}}"#
                ));
            }
        }
        let json = format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        );
        load_bytes(json.as_bytes(), "grid.geojson", &LoadOptions::default()).unwrap()
    }

    /// The pixels of a box darker than any land-use colour: the labels' ink.
    fn ink(p: &tiny_skia::Pixmap, b: &Bounds) -> usize {
        let mut n = 0;
        for y in b.y.max(0.0) as u32..(b.bottom() as u32).min(p.height()) {
            for x in b.x.max(0.0) as u32..(b.right() as u32).min(p.width()) {
                let c = p.pixel(x, y).unwrap();
                if c.red().max(c.green()).max(c.blue()) < 80 {
                    n += 1;
                }
            }
        }
        n
    }

    #[test]
    fn the_close_up_labels_its_parcel_in_bold_and_sets_the_neighbours_back() {
        let layer = grid();
        let centre = (0..layer.len())
            .find(|&i| layer.feature_id(i) == "KG-X-0022")
            .unwrap();
        let cards = crate::report::cards(&layer, &[centre], None, ReportLang::Zh).unwrap();
        let c = &cards[0];
        let (pixmap, labels) = close_up_map(
            &MapContext::default(),
            &layer,
            c,
            (250.0, 200.0),
            ReportLang::Zh,
        )
        .unwrap()
        .unwrap();
        let (subject, neighbours) = labels.split_first().unwrap();
        assert_eq!(subject.lines, ["KG-X-0022"]);
        // On the parcel: the middle of the image, where the close-up centres it.
        let (w, h) = (pixmap.width() as f32, pixmap.height() as f32);
        let (cx, cy) = (
            subject.bounds.x + subject.bounds.w / 2.0,
            subject.bounds.y + subject.bounds.h / 2.0,
        );
        assert!((cx - w / 2.0).abs() < w * 0.1 && (cy - h / 2.0).abs() < h * 0.1);
        // The neighbours are labelled, smaller and in grey, and none over it.
        let pt = MAP_DPI / 72.0;
        assert!(neighbours.len() >= 4, "{} neighbours", neighbours.len());
        for n in neighbours {
            assert_ne!(n.lines.first().map(String::as_str), Some("KG-X-0022"));
            assert!(!n.bounds.intersects(&subject.bounds), "{:?}", n.lines);
            for s in &n.shapes {
                if let Shape::Text { size, rgb, .. } = s {
                    assert_eq!(*rgb, NEIGHBOUR_LABEL_RGB);
                    assert!(*size <= 6.5 * pt * NEIGHBOUR_LABEL_SCALE + 0.01);
                }
            }
        }
        for s in &subject.shapes {
            if let Shape::Text { size, .. } = s {
                assert!((*size - SUBJECT_LABEL_PT * pt).abs() < 0.01);
            }
        }
        // Bold: more ink than the same text set once, on white.
        let fill = subject
            .shapes
            .iter()
            .find(|s| matches!(s, Shape::Text { rgb, .. } if *rgb == INK))
            .unwrap()
            .clone();
        let mut plain = tiny_skia::Pixmap::new(pixmap.width(), pixmap.height()).unwrap();
        plain.fill(tiny_skia::Color::WHITE);
        canvas::paint(&mut plain, (0.0, 0.0, 1.0), &[fill]);
        let (bold, regular) = (ink(&pixmap, &subject.bounds), ink(&plain, &subject.bounds));
        assert!(regular > 50, "{regular}");
        assert!(
            bold as f32 > regular as f32 * 1.2,
            "bold {bold} vs regular {regular}"
        );
    }
}
