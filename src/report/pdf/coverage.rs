//! The 生活圈 report: a page for a 民生 briefing with the coverage of every
//! facility type (设施数, 服务半径, 覆盖率 in a straight line and along the roads,
//! the residential parcels left outside), its basis, the title block, and a map
//! of each chosen type's service circles over the plan with the residential land
//! outside them marked.

use super::layout::{Align, Layout, Table, col};
use super::sheet::{Entry, legend, map_figure, title_block, title_block_height};
use super::{GREY, INK, PageSetup};
use crate::model::Layer;
use crate::render::map_image::{ImagePaint, ImageStyle, SheetInfo};
use crate::report::coverage::{CoverageReport, circles_layer, outside_layer, residential_layer};
use crate::report::{MapContext, Progress, ReportError, ReportLang};

/// The red the residential land outside the circles is filled with on the map.
pub(crate) const OUTSIDE_FILL: [u8; 3] = [214, 48, 49];

/// The residential land within the circles: the yellow of 居住用地.
const HOMES_FILL: [u8; 3] = [255, 224, 102];

/// The rest of the plan, under the residential land.
const PLAN_GREY: [u8; 3] = [228, 228, 224];

/// Lays out the 生活圈 report.
pub fn coverage_layout(
    r: &CoverageReport,
    ctx: &MapContext,
    setup: PageSetup,
    progress: &Progress,
) -> Result<Layout, ReportError> {
    let zh = r.lang == ReportLang::Zh;
    let mut l = Layout::new(setup);
    progress.set_total(1 + r.map_types.len());
    l.bookmark(&r.title);
    l.paragraph(&r.title, 18.0, INK);
    l.paragraph(&crate::report::coverage::headline(r), 10.0, INK);
    l.gap(4.0);
    l.heading(if zh {
        "各类设施生活圈覆盖"
    } else {
        "Coverage by facility type"
    });
    l.table(&type_table(r, zh));
    for note in crate::report::coverage::notes(r) {
        l.line(&note, 8.5, GREY);
    }
    l.gap(6.0);
    let sheet = SheetInfo {
        date: r.date.clone(),
        number: "01".to_string(),
        method: if zh {
            "椭球面积（CGCS2000）；距离在以分析区中心为中央子午线的横轴墨卡托平面上量算".into()
        } else {
            "Ellipsoidal areas (CGCS2000); distances on a transverse Mercator plane centred on the area"
                .into()
        },
        ..ctx.sheet.clone()
    };
    l.ensure(title_block_height(&l, &r.title, &sheet, zh));
    title_block(&mut l, &r.title, &sheet, zh);
    progress.step()?;
    let bbox = r.bbox;
    for kind in &r.map_types {
        let (Some(t), Some(map), Some(bbox)) = (
            r.result.types.iter().find(|t| &t.kind == kind),
            r.maps.get(kind),
            bbox,
        ) else {
            progress.step()?;
            continue;
        };
        let w = l.content_w();
        // A type to a page, its map as tall as the plan's shape asks (its box
        // on the ground, east-west shortened by the cosine of the latitude),
        // within a half and three fifths of the page, so the plan fills the
        // frame rather than a strip of it.
        let ground =
            (bbox.height() / (bbox.width() * bbox.center().y.to_radians().cos()).max(1e-9)) as f32;
        let page = l.bottom() - l.margin;
        let h = (w * ground).clamp(w * 0.5, page * 0.6).round();
        l.ensure(h + 110.0);
        let head = crate::report::coverage::map_heading(t, zh);
        l.bookmark(&head);
        l.heading(&head);
        // The plan in a quiet grey, the residential land in its colour over it,
        // the part outside the circles in red, and the circles on top: what the
        // map is about reads first, the rest of the plan only places it.
        let circles = circles_layer(map, kind);
        let outside = outside_layer(map);
        let homes = residential_layer(r.parcels);
        let circle_rgb = crate::render::symbols::facility_symbol(kind).1;
        let named = |paint: ImagePaint, name: &str| ImageStyle {
            name: name.to_string(),
            ..ImageStyle::plain(paint)
        };
        let other = if zh {
            "其他规划用地"
        } else {
            "Other planned land"
        };
        // The facility layers show this type's facilities only: the others'
        // symbols and names would crowd the map and its legend and say nothing
        // about these circles.
        let of_kind: Vec<(usize, Layer)> = ctx
            .layers
            .iter()
            .enumerate()
            .filter(|(_, (_, s))| matches!(s.paint, ImagePaint::Points(_)))
            .map(|(k, (l, _))| (k, facilities_of_kind(l, kind)))
            .collect();
        let mut with = MapContext {
            layers: ctx
                .layers
                .iter()
                .enumerate()
                .map(|(k, (l, s))| {
                    if std::ptr::eq(*l, r.parcels) {
                        (*l, named(ImagePaint::Fill(PLAN_GREY), other))
                    } else if let Some((_, only)) = of_kind.iter().find(|(j, _)| *j == k) {
                        (only, s.clone())
                    } else {
                        (*l, s.clone())
                    }
                })
                .collect(),
            basemap: ctx.basemap,
            sheet: ctx.sheet.clone(),
        };
        if !with.layers.iter().any(|(l, _)| std::ptr::eq(*l, r.parcels)) {
            with.layers
                .insert(0, (r.parcels, named(ImagePaint::Fill(PLAN_GREY), other)));
        }
        let (homes_name, outside_name, circles_name) = if zh {
            (
                "服务半径内的居住用地".to_string(),
                "服务半径外的居住用地".to_string(),
                format!("{kind}服务半径"),
            )
        } else {
            (
                "Residential land within the radius".to_string(),
                "Residential land outside the radius".to_string(),
                format!("{kind} service radius"),
            )
        };
        with.layers
            .push((&homes, named(ImagePaint::Fill(HOMES_FILL), &homes_name)));
        with.layers.push((
            &outside,
            named(ImagePaint::Fill(OUTSIDE_FILL), &outside_name),
        ));
        with.layers.push((
            &circles,
            named(ImagePaint::Outline(circle_rgb, 2.2), &circles_name),
        ));
        let (x, y) = (l.col_x, l.y);
        let entries = map_figure(&mut l, &with, r.parcels, &[], bbox, (x, y, w, h), r.lang)?;
        l.y += h + 6.0;
        legend(&mut l, &short_legend(entries), zh);
        l.line(&crate::report::coverage::map_caption(t, zh), 8.5, GREY);
        progress.step()?;
    }
    l.footers(&r.title, r.lang);
    Ok(l)
}

/// The facilities of one type in a facility layer (typed by its 类型 field), as
/// a layer of their own with the layer's fields, so a type's map draws and
/// names those alone. A layer without a type field is kept whole.
pub(crate) fn facilities_of_kind(layer: &Layer, kind: &str) -> Layer {
    let keep: Vec<usize> = match crate::render::symbols::type_field(layer) {
        Some(f) => (0..layer.len())
            .filter(|&i| layer.value(i, f).to_text().as_deref() == Some(kind))
            .collect(),
        None => (0..layer.len()).collect(),
    };
    let columns = layer
        .columns
        .iter()
        .map(|c| keep.iter().filter_map(|&i| c.get(i).cloned()).collect())
        .collect();
    Layer::build(
        layer.name.clone(),
        layer.source.clone(),
        layer.source_crs.clone(),
        layer.fields.clone(),
        columns,
        keep.iter()
            .map(|&i| layer.geometries.get(i).cloned().flatten())
            .collect(),
        keep.iter()
            .map(|&i| layer.source_index.get(i).copied().unwrap_or(0))
            .collect(),
        keep.iter()
            .map(|&i| layer.feature_ids.get(i).cloned().flatten())
            .collect(),
        &[],
        Vec::new(),
        0,
    )
}

/// A type map's legend, one line a thing drawn: a layer listed by its classes
/// or types (水系, 道路, the grey 其他规划用地, the facilities) becomes one line
/// under its own name (or, with one entry, that entry's own), so the legend
/// says what the map is about in a few lines instead of every class of the plan.
pub(crate) fn short_legend(entries: Vec<Entry>) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    let mut k = 0;
    while let Some(e) = entries.get(k) {
        let Some(group) = e.group.clone() else {
            out.push(e.clone());
            k += 1;
            continue;
        };
        let run = entries
            .iter()
            .skip(k)
            .take_while(|x| x.group.as_deref() == Some(group.as_str()))
            .count();
        out.push(Entry {
            swatch: e.swatch.clone(),
            label: if run == 1 { e.label.clone() } else { group },
            group: None,
        });
        k += run.max(1);
    }
    out
}

/// The table of every type: one row a type, in the facility's symbol colour.
fn type_table(r: &CoverageReport, zh: bool) -> Table {
    let heads: [&str; 9] = if zh {
        [
            "设施类型",
            "生活圈",
            "设施数",
            "服务半径（m）",
            "覆盖居住用地（公顷）",
            "覆盖率（直线）",
            "覆盖率（路网）",
            "完全未覆盖（块）",
            "部分未覆盖（块）",
        ]
    } else {
        [
            "Facility type",
            "Life circle",
            "Facilities",
            "Radius (m)",
            "Residential land covered (ha)",
            "Share (straight line)",
            "Share (along roads)",
            "Wholly outside (parcels)",
            "Partly outside (parcels)",
        ]
    };
    let columns = heads
        .iter()
        .enumerate()
        .map(|(k, h)| {
            let align = if k < 2 { Align::Left } else { Align::Right };
            col(h, align, if k == 0 { 110.0 } else { 70.0 })
        })
        .collect();
    let rows: Vec<Vec<String>> = r
        .result
        .types
        .iter()
        .map(|t| crate::report::coverage::type_row(t, zh))
        .collect();
    let swatches = r
        .result
        .types
        .iter()
        .map(|t| Some(crate::render::symbols::facility_symbol(&t.kind).1))
        .collect();
    Table {
        columns,
        rows,
        swatches,
        total: None,
        size: 8.5,
        continues: Some(if zh {
            "各类设施生活圈覆盖".into()
        } else {
            "Coverage by facility type".into()
        }),
    }
}
