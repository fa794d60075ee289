//! Parcel report cards: one card a parcel, laid out close to a 控规图则 — the
//! location and close-up maps, the planning conditions (规划条件), the boundary
//! points (界址点成果表) and the public facilities around it. A card that runs
//! longer than its page continues on the next under 「地块报告卡 KG-…（续）」, with
//! the header of the table it continues repeated, and every card has its own
//! bookmark in the PDF's outline.

use geo::{BoundingRect, Geometry, Rect, coord};
use krilla::image::Image;
use rayon::prelude::*;

use super::layout::{Align, Layout, Table, col};
use super::{GREY, INK, MAP_DPI, MARK, Op, PageSetup, num, opt_num, pdf_image, px, render_map};
use crate::model::Layer;
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
                let Some(b) = c.bbox else { return Ok(None) };
                let selected = [c.parcel.feature];
                let pm = render_map(ctx, layer, &selected, close_up_box(b), map_w, map_h, lang)?;
                Ok(Some(pdf_image(&pm)))
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

/// The rows of a page's piece of a table; with `blank_repeats`, a first cell equal
/// to the one above it is left blank (the part label of a 界址点 table is printed
/// where a part starts and at the top of each page).
fn piece(rows: &[Vec<String>], blank_repeats: bool) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::with_capacity(rows.len());
    let mut above: Option<&String> = None;
    for r in rows {
        let mut row = r.clone();
        let first = r.first();
        if blank_repeats
            && first.is_some()
            && first == above
            && let Some(cell) = row.first_mut()
        {
            cell.clear();
        }
        above = first;
        out.push(row);
    }
    out
}

/// Lays out a table page by page: as many rows as fit on the page, then a
/// continuation page headed by `cont` (naming the card's parcel) with the table's
/// header repeated, and so on. Rows keep their order, down each page and on to
/// the next; a table never starts at the foot of a page with fewer than two rows.
fn paged_table(
    l: &mut Layout,
    columns: &Columns,
    rows: &[Vec<String>],
    size: f32,
    blank_repeats: bool,
    cont: &str,
) {
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
            l.table_height(&table_of(columns, piece(head, blank_repeats), size))
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
        l.table(&table_of(columns, piece(head, blank_repeats), size));
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
        // The parcel's outline, and a ring around it so a small parcel shows.
        let k = map_w / px(map_w) as f32;
        if let Some(Some(g)) = layer.geometries.get(c.parcel.feature) {
            for ring in outline_on_page(g, fit, x0, ym, k) {
                l.push(Op::Path {
                    points: ring,
                    close: true,
                    fill: Some(MARK),
                    stroke: Some((MARK, 0.8)),
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
                        stroke: Some((MARK, 0.6)),
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
                    (MARK, MARKER_HALO_PT),
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
            [label, k.value.clone()]
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
        return;
    }
    let start = start_height(l, &columns, &rows, CONDITION_SIZE);
    keep(l, HEADING_KEEP_PT.max(HEADING_H + start), cont);
    l.heading(&heading);
    paged_table(l, &columns, &rows, CONDITION_SIZE, false, cont);
}

/// The 界址点成果表's heading, its coordinate-system line, columns and rows.
fn boundary_table(
    c: &Card,
    lang: ReportLang,
    y_with_zone: bool,
) -> (String, String, Columns, Vec<Vec<String>>) {
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
    let heads = point_headings(lang, y_with_zone);
    let head = |k: usize| heads.get(k).copied().unwrap_or_default().to_string();
    let columns: Columns = vec![
        (head(1), Align::Left, 90.0),
        (head(2), Align::Left, 40.0),
        (head(3), Align::Right, 80.0),
        (head(4), Align::Right, 90.0),
        (head(5), Align::Right, 60.0),
    ];
    let rows: Vec<Vec<String>> = c
        .boundary
        .iter()
        .map(|b| {
            vec![
                part_label(b, lang),
                b.label.clone(),
                num(b.x_north_m, 3),
                num(printed_y(b, c.zone, y_with_zone), 3),
                opt_num(b.side_m, 2),
            ]
        })
        .collect();
    (heading, crs, columns, rows)
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
/// half, where they run down the page and on to continuation pages (at the full
/// width, which they do not need). When the conditions would not fit beside the
/// points on one page, the two follow each other at the full width.
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
    let left_w = (full_w - gap) / 2.0;
    let (right_x, right_w) = (x0 + left_w + gap, full_w - left_w - gap);
    let (b_heading, crs, b_columns, b_rows) = boundary_table(c, lang, y_with_zone);
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
        };
    l.set_column(x0, left_w, y);
    let b_h =
        HEADING_H + lines_h(l, &crs, 9.0) + 2.0 + start_height(l, &b_columns, &b_rows, POINT_SIZE);
    l.set_column(x0, full_w, y);
    let need = HEADING_KEEP_PT.max(k_h).max(b_h);
    if need > l.bottom() - l.margin - 30.0 {
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
    let (k_page, k_end) = (l.pages.len(), l.y);
    l.set_column(x0, left_w, y0);
    l.heading(&b_heading);
    l.line(&crs, 9.0, GREY);
    l.gap(2.0);
    paged_table(l, &b_columns, &b_rows, POINT_SIZE, true, cont);
    let end = if l.pages.len() == k_page {
        l.y.max(k_end)
    } else {
        l.y
    };
    l.set_column(x0, full_w, end);
}

/// What a card says when its parcel has no planning conditions.
fn no_conditions(zh: bool) -> &'static str {
    if zh {
        "地块数据中没有规划条件。"
    } else {
        "The parcel's data give no planning conditions."
    }
}

/// 界址点成果表 in the flow's column: the coordinate system line, then one point a
/// row, down the page.
fn boundary_section(l: &mut Layout, c: &Card, lang: ReportLang, y_with_zone: bool, cont: &str) {
    let (heading, crs, columns, rows) = boundary_table(c, lang, y_with_zone);
    let start = start_height(l, &columns, &rows, POINT_SIZE);
    keep(
        l,
        HEADING_KEEP_PT.max(HEADING_H + lines_h(l, &crs, 9.0) + 2.0 + start),
        cont,
    );
    l.heading(&heading);
    l.line(&crs, 9.0, GREY);
    l.gap(2.0);
    paged_table(l, &columns, &rows, POINT_SIZE, true, cont);
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
    let start = start_height(l, &columns, &rows, FACILITY_SIZE);
    keep(
        l,
        HEADING_KEEP_PT.max(4.0 + 12.0 * 1.6 + line_h + start),
        cont,
    );
    l.heading(&heading);
    l.line(note, 9.0, GREY);
    l.gap(2.0);
    paged_table(l, &columns, &rows, FACILITY_SIZE, false, cont);
}
