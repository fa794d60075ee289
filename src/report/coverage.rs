//! The 生活圈 report: what the PDF page and the workbook of a life-circle analysis
//! say, from one [`CoverageReport`], so both give the same figures.

use std::collections::BTreeMap;

use geo::{Geometry, Rect};

use super::{MapContext, Progress, ReportError, ReportLang, pdf};
use crate::analysis::command::TypeMap;
use crate::analysis::coverage::{CoverageResult, TypeCoverage};
use crate::crs::Crs;
use crate::model::{Layer, format_fixed, format_float};

/// A life-circle report.
pub struct CoverageReport<'a> {
    /// The report's title (项目 生活圈服务覆盖分析).
    pub title: String,
    pub result: &'a CoverageResult,
    /// Each type's circles and uncovered land.
    pub maps: &'a BTreeMap<String, TypeMap>,
    /// The types that get a map, in order.
    pub map_types: Vec<String>,
    /// The parcel layer the residential land came from.
    pub parcels: &'a Layer,
    /// Where the maps look: the plan's box.
    pub bbox: Option<Rect<f64>>,
    /// The layers the analysis used, named in the notes.
    pub parcels_name: String,
    pub facilities_name: String,
    pub roads_name: Option<String>,
    pub lang: ReportLang,
    pub date: String,
}

/// The report's default title.
pub fn coverage_title(project_title: &str, lang: ReportLang) -> String {
    match lang {
        ReportLang::Zh => format!("{project_title} 生活圈服务覆盖分析"),
        ReportLang::En => format!("{project_title}: life-circle coverage"),
    }
}

/// The line under the title: the residential land analysed and the types.
pub fn headline(r: &CoverageReport) -> String {
    let ha = format_fixed(r.result.residential_area_m2 / 1e4, 2);
    let n = r.result.residential_parcels;
    let types = r.result.types.len();
    match r.lang {
        ReportLang::Zh => format!(
            "居住用地（07）{n} 块，共 {ha} 公顷；{types} 类设施。覆盖率 = 设施服务半径内的居住用地面积 ÷ 居住用地总面积。"
        ),
        ReportLang::En => format!(
            "{n} residential parcels (07), {ha} ha; {types} facility types. Share = residential land within the facilities' service radius ÷ all residential land."
        ),
    }
}

fn pct(v: f64) -> String {
    format!("{} %", format_fixed(v * 100.0, 1))
}

/// The type's radius as the table prints it: one radius, or the range of them.
pub fn radius_text(t: &TypeCoverage) -> String {
    match t.radii_m.as_slice() {
        [] => String::new(),
        [one] => format_float(*one),
        [first, .., last] => format!("{}–{}", format_float(*first), format_float(*last)),
    }
}

/// One row of the table: type, life circle, facilities, radius, covered 公顷,
/// straight-line share, network share, parcels wholly and partly outside.
pub fn type_row(t: &TypeCoverage, zh: bool) -> Vec<String> {
    vec![
        t.kind.clone(),
        t.life_circle
            .map(|c| c.name(zh).to_string())
            .unwrap_or_else(|| "—".into()),
        t.facilities.to_string(),
        radius_text(t),
        format_fixed(t.covered_area_m2 / 1e4, 2),
        pct(t.covered_share),
        t.network
            .as_ref()
            .map(|n| pct(n.covered_share))
            .unwrap_or_else(|| "—".into()),
        t.wholly_outside.to_string(),
        t.partly_outside.to_string(),
    ]
}

/// The notes under the table: how radii and shares are found, and the types
/// left out.
pub fn notes(r: &CoverageReport) -> Vec<String> {
    let zh = r.lang == ReportLang::Zh;
    let mut out = Vec::new();
    let roads = r.roads_name.clone();
    if zh {
        out.push(format!(
            "注：1. 服务半径取设施的“服务半径_m”，缺省时按 GB 50180-2018《城市居住区规划设计标准》（五分钟生活圈 300 m、十分钟 500 m、十五分钟 1 000 m）。数据：{}（居住用地）、{}（设施）。",
            r.parcels_name, r.facilities_name
        ));
        out.push("2. 覆盖率（直线）按服务半径圆与居住地块相交的面积计；部分在圆内的地块按其圆内部分计入。".into());
        out.push(match roads {
            Some(n) => format!(
                "3. 覆盖率（路网）按地块内一点沿{n}的步行距离是否在服务半径内计，整块计入或不计。"
            ),
            None => "3. 项目无道路图层，未计路网覆盖率。".into(),
        });
        if !r.result.without_radius.is_empty() {
            let list: Vec<String> = r
                .result
                .without_radius
                .iter()
                .map(|(t, n)| format!("{t}（{n} 处）"))
                .collect();
            out.push(format!("4. {}无服务半径，未计覆盖。", list.join("、")));
        }
    } else {
        out.push(format!(
            "Notes: 1. A facility's radius is its 服务半径_m, else the GB 50180-2018 default (5-minute circle 300 m, 10-minute 500 m, 15-minute 1 000 m). Data: {} (residential land), {} (facilities).",
            r.parcels_name, r.facilities_name
        ));
        out.push("2. The straight-line share counts the area of residential parcels inside the circles; a parcel partly inside counts with its part inside.".into());
        out.push(match roads {
            Some(n) => format!(
                "3. The share along the roads counts a parcel whole when a point inside it is within the radius walking along {n}."
            ),
            None => "3. The project has no roads layer: no share along the roads.".into(),
        });
        if !r.result.without_radius.is_empty() {
            let list: Vec<String> = r
                .result
                .without_radius
                .iter()
                .map(|(t, n)| format!("{t} ({n})"))
                .collect();
            out.push(format!(
                "4. {} have no service radius and are not counted.",
                list.join(", ")
            ));
        }
    }
    out
}

/// A type's map heading: 幼儿园（五分钟生活圈，服务半径 300 m）覆盖率 92.4 %.
pub fn map_heading(t: &TypeCoverage, zh: bool) -> String {
    let circle = t.life_circle.map(|c| c.name(zh));
    match (zh, circle) {
        (true, Some(c)) => format!(
            "{}（{c}，服务半径 {} m）覆盖率 {}",
            t.kind,
            radius_text(t),
            pct(t.covered_share)
        ),
        (true, None) => format!(
            "{}（服务半径 {} m）覆盖率 {}",
            t.kind,
            radius_text(t),
            pct(t.covered_share)
        ),
        (false, Some(c)) => format!(
            "{} ({c}, radius {} m): {} covered",
            t.kind,
            radius_text(t),
            pct(t.covered_share)
        ),
        (false, None) => format!(
            "{} (radius {} m): {} covered",
            t.kind,
            radius_text(t),
            pct(t.covered_share)
        ),
    }
}

/// The line under a type's map: what is left outside, by id.
pub fn map_caption(t: &TypeCoverage, zh: bool) -> String {
    const SHOWN: usize = 12;
    let list = |ids: &[String]| {
        let mut s = ids
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join("、");
        if ids.len() > SHOWN {
            s.push_str(if zh { " 等" } else { " …" });
        }
        s
    };
    match (zh, t.wholly_outside + t.partly_outside) {
        (true, 0) => format!("{}个设施的服务半径覆盖全部居住用地。", t.facilities),
        (false, 0) => format!(
            "The {} facilities' radius covers all residential land.",
            t.facilities
        ),
        (true, _) => {
            let mut s = format!("服务半径外：完全未覆盖 {} 块", t.wholly_outside);
            if !t.outside_ids.is_empty() {
                s.push_str(&format!("（{}）", list(&t.outside_ids)));
            }
            s.push_str(&format!("，部分未覆盖 {} 块", t.partly_outside));
            if !t.partly_outside_ids.is_empty() {
                s.push_str(&format!("（{}）", list(&t.partly_outside_ids)));
            }
            s.push('。');
            s
        }
        (false, _) => {
            let mut s = format!("Outside the radius: {} parcels wholly", t.wholly_outside);
            if !t.outside_ids.is_empty() {
                s.push_str(&format!(" ({})", list(&t.outside_ids)));
            }
            s.push_str(&format!(", {} partly", t.partly_outside));
            if !t.partly_outside_ids.is_empty() {
                s.push_str(&format!(" ({})", list(&t.partly_outside_ids)));
            }
            s.push('.');
            s
        }
    }
}

/// A layer of polygons made in memory, for a report map to draw.
fn polygon_layer(name: &str, polygons: Vec<Geometry<f64>>) -> Layer {
    let n = polygons.len();
    Layer::build(
        name.to_string(),
        String::new(),
        Crs::wgs84(),
        Vec::new(),
        Vec::new(),
        polygons.into_iter().map(Some).collect(),
        (0..n as u32).collect(),
        vec![None; n],
        &[],
        Vec::new(),
        0,
    )
}

/// One type's service circles as a layer.
pub fn circles_layer(map: &TypeMap, kind: &str) -> Layer {
    polygon_layer(
        kind,
        map.circles_lon_lat
            .iter()
            .map(|(_, p)| Geometry::Polygon(p.clone()))
            .collect(),
    )
}

/// The residential parcels (07…) of a layer as a layer of their own.
pub fn residential_layer(parcels: &Layer) -> Layer {
    polygon_layer(
        "residential",
        (0..parcels.len())
            .filter(|&i| crate::analysis::coverage::is_residential(parcels, i))
            .filter_map(|i| parcels.geometries.get(i).cloned().flatten())
            .collect(),
    )
}

/// The residential land outside one type's circles as a layer.
pub fn outside_layer(map: &TypeMap) -> Layer {
    polygon_layer(
        "outside",
        map.outside
            .iter()
            .map(|o| Geometry::MultiPolygon(o.outside_lon_lat.clone()))
            .collect(),
    )
}

/// Writes the 生活圈 report to `path`: `.pdf` (the table and a map a chosen type)
/// or `.xlsx` (the table and the parcels outside each type's circles),
/// atomically and never over `inputs`.
pub fn write_coverage_report(
    r: &CoverageReport,
    ctx: &MapContext,
    page: pdf::PageSetup,
    path: &std::path::Path,
    inputs: &[&std::path::Path],
    progress: &Progress,
) -> Result<(), ReportError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if ext != "pdf" && ext != "xlsx" {
        return Err(ReportError::FormatOf {
            path: path.display().to_string(),
            ext,
            allowed: ".pdf or .xlsx",
        });
    }
    crate::io::write::refuse_input_overwrite(path, inputs)?;
    match ext.as_str() {
        "pdf" => {
            let layout = pdf::coverage_layout(r, ctx, page, progress)?;
            super::write_pdf_file(&layout, &r.title, r.lang, path, progress)
        }
        "xlsx" => {
            let bytes = crate::analysis::command::coverage_workbook_titled(r.result, &r.title)
                .map_err(|e| ReportError::Xlsx {
                    path: path.display().to_string(),
                    reason: format!("{e:#}"),
                })?;
            progress.check()?;
            crate::io::atomic_write(path, |w| w.write_all(&bytes))?;
            progress.finish();
            Ok(())
        }
        _ => Err(ReportError::FormatOf {
            path: path.display().to_string(),
            ext,
            allowed: ".pdf or .xlsx",
        }),
    }
}
