//! The headless `clearance` and `coverage` commands, as plain functions the CLI
//! calls: each opens a project, finds its layers, runs the analysis and prints it
//! as a table, CSV or JSON, and writes an Excel workbook when asked.
//!
//! Layers are found in the project as the reports find them: the parcels are the
//! first shown, non-basemap layer styled by land use; the facilities the first
//! layer drawn as symbols (typed by its style's field); the roads the offline
//! basemap's `roads` source (else a layer named 道路 or roads); the runway in the
//! layer the project's `airport.layer` names, else in any layer with a feature
//! 类型 = 跑道.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
};
use serde_json::json;

use super::clearance::{self, ClearanceResult};
use super::coverage::{self, CoverageResult, Residential};
use super::network::{self, RoadGraph};
use super::ols::{self, Surfaces};
use super::runway::Runway;
use crate::model::Layer;
use crate::project::Project;

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Csv,
    Json,
}

fn loaded(project: &Project) -> impl Iterator<Item = (&crate::project::ProjectLayer, &Layer)> {
    project
        .layers
        .iter()
        .filter_map(|l| l.data.as_ref().ok().map(|d| (l, d)))
}

/// The project's parcels: the first shown, non-basemap layer styled by land use.
pub fn project_parcels(project: &Project) -> Option<&Layer> {
    loaded(project)
        .find(|(l, d)| {
            l.spec.visible
                && l.spec.role.as_deref() != Some("basemap")
                && l.spec.style.kind == "landuse"
                && d.roles.landuse.is_some()
        })
        .map(|(_, d)| d)
}

/// The project's facilities and the field its symbols are typed by.
pub fn project_facilities(project: &Project) -> Option<(&Layer, Option<&str>)> {
    loaded(project)
        .find(|(l, _)| l.spec.style.kind == "symbols")
        .map(|(l, d)| (d, l.spec.style.field.as_deref()))
}

/// The project's roads: the offline basemap's `roads` source, else a layer named
/// 道路 or roads.
pub fn project_roads(project: &Project) -> Option<&Layer> {
    let stem = |l: &crate::project::ProjectLayer| {
        l.path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default()
    };
    loaded(project)
        .find(|(l, _)| {
            stem(l) == "roads" && project.file.basemap.sources.iter().any(|s| s == "roads")
        })
        .or_else(|| {
            loaded(project)
                .find(|(l, _)| l.spec.name == "道路" || l.spec.name.eq_ignore_ascii_case("roads"))
        })
        .map(|(_, d)| d)
}

/// The surfaces of the project's runway.
pub fn project_surfaces(project: &Project) -> anyhow::Result<Surfaces> {
    let spec = &project.file.airport;
    let field = spec.runway_field.as_deref();
    let value = spec.runway_value.as_deref();
    let runway = match &spec.layer {
        Some(name) => {
            let layer = loaded(project)
                .find(|(l, _)| &l.spec.name == name)
                .map(|(_, d)| d)
                .with_context(|| format!("the project's airport layer '{name}' is not loaded"))?;
            Runway::from_layer(layer, field, value)?
        }
        None => {
            let mut found = None;
            let mut last_err = None;
            for (_, d) in loaded(project) {
                match Runway::from_layer(d, field, value) {
                    Ok(r) => {
                        found = Some(r);
                        break;
                    }
                    Err(e @ super::AnalysisError::BadRunway(_)) => last_err = Some(e),
                    Err(_) => {}
                }
            }
            match (found, last_err) {
                (Some(r), _) => r,
                (None, Some(e)) => return Err(e.into()),
                (None, None) => anyhow::bail!(
                    "no runway: no layer of the project has a feature {} = {}",
                    field.unwrap_or(super::runway::DEFAULT_RUNWAY_FIELD),
                    value.unwrap_or(super::runway::DEFAULT_RUNWAY_VALUE)
                ),
            }
        }
    };
    Ok(Surfaces::new(runway))
}

/// Runs the clearance check of a project.
pub fn project_clearance(project: &Project) -> anyhow::Result<(Surfaces, &Layer, ClearanceResult)> {
    let surfaces = project_surfaces(project)?;
    let parcels =
        project_parcels(project).context("the project has no layer styled by land use")?;
    let elevation = project.file.airport.elevation_m.unwrap_or(0.0);
    let result = clearance::check_layer(parcels, &surfaces, elevation);
    Ok((surfaces, parcels, result))
}

fn opt_num(v: Option<f64>, decimals: usize) -> String {
    v.map(|x| crate::model::format_fixed(x, decimals))
        .unwrap_or_default()
}

fn display_width(s: &str) -> usize {
    crate::report::xlsx::display_width(s)
}

fn pad(s: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(display_width(s)));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

/// Prints rows as an aligned table (numbers right-aligned from the second
/// column on, where `right` says so).
fn write_table(
    out: &mut dyn Write,
    head: &[&str],
    rows: &[Vec<String>],
    right: &[bool],
) -> std::io::Result<()> {
    let mut widths: Vec<usize> = head.iter().map(|h| display_width(h)).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(display_width(c));
        }
    }
    let line = |cells: Vec<String>| -> String {
        cells
            .iter()
            .enumerate()
            .map(|(k, c)| {
                pad(
                    c,
                    widths.get(k).copied().unwrap_or(0),
                    right.get(k).copied().unwrap_or(false),
                )
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    writeln!(
        out,
        "{}",
        line(head.iter().map(|h| h.to_string()).collect())
    )?;
    for r in rows {
        writeln!(out, "{}", line(r.clone()))?;
    }
    Ok(())
}

fn verdict(p: &clearance::ParcelClearance) -> &'static str {
    match (p.ols_min_m, p.height_limit_m, p.conflict) {
        (None, _, _) => "不在净空面内",
        (Some(_), None, _) => "无限高",
        (Some(_), Some(_), true) => "超限",
        (Some(_), Some(_), false) => "符合",
    }
}

fn surface_label(s: &Surfaces, p: &clearance::ParcelClearance) -> String {
    clearance::surface_label(&s.runway, p, true)
}

/// Refuses a workbook path that is not `.xlsx` or that would overwrite the project.
fn check_workbook_path(project: &Path, xlsx: Option<&Path>) -> anyhow::Result<()> {
    let Some(x) = xlsx else {
        return Ok(());
    };
    let ext = x
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if ext.as_deref() != Some("xlsx") {
        anyhow::bail!("{}: the workbook must be a .xlsx file", x.display());
    }
    crate::io::write::refuse_input_overwrite(x, &[project])?;
    Ok(())
}

/// `parcelview clearance PROJECT`: every parcel's lowest obstacle limitation
/// surface against its 限高, printed in `format`; with `xlsx`, also written as a
/// workbook (净空核查, 净空面参数).
pub fn clearance_command(
    project: &Path,
    format: OutputFormat,
    xlsx: Option<&Path>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    check_workbook_path(project, xlsx)?;
    let project = Project::open(project)?;
    let (surfaces, parcels, result) = project_clearance(&project)?;
    let r = &surfaces.runway;
    match format {
        OutputFormat::Json => {
            let rows: Vec<serde_json::Value> = result
                .parcels
                .iter()
                .map(|p| {
                    json!({
                        "id": p.id,
                        "height_limit_m": p.height_limit_m,
                        "ols_min_m": p.ols_min_m,
                        "surface": p.surface.map(|s| s.key()),
                        "runway_end": p.end,
                        "conflict": p.conflict,
                        "excess_m": p.excess_m,
                    })
                })
                .collect();
            let v = json!({
                "runway": {
                    "source": r.source,
                    "length_m": r.length_m,
                    "width_m": r.width_m,
                    "bearing_deg": r.bearing_deg,
                    "thresholds": r.thresholds_lon_lat.iter().map(|c| [c.x, c.y]).collect::<Vec<_>>(),
                    "centre": [r.centre_lon_lat.x, r.centre_lon_lat.y],
                },
                "aerodrome_elevation_m": result.aerodrome_elevation_m,
                "layer": parcels.name,
                "parcels": rows,
                "covered": result.covered,
                "covered_without_height": result.covered_without_height,
                "conflicts": result.conflicts,
            });
            serde_json::to_writer_pretty(&mut *out, &v)?;
            writeln!(out)?;
        }
        OutputFormat::Csv => {
            writeln!(
                out,
                "id,height_limit_m,ols_min_m,surface,runway_end,conflict,excess_m"
            )?;
            for p in &result.parcels {
                writeln!(
                    out,
                    "{},{},{},{},{},{},{}",
                    crate::report::csv::field(&p.id),
                    opt_num(p.height_limit_m, 2),
                    opt_num(p.ols_min_m, 2),
                    p.surface.map(|s| s.key()).unwrap_or(""),
                    p.end.map(|e| e.to_string()).unwrap_or_default(),
                    p.conflict,
                    opt_num(p.excess_m, 2),
                )?;
            }
        }
        OutputFormat::Table => {
            writeln!(out, "净空限高核查（ICAO 附件14，代码4 精密进近跑道）")?;
            writeln!(
                out,
                "跑道：{}（量得 {:.0} m × {:.0} m，真方位 {:.1}°，两端 {}/{}）；机场标高 {} m，高度自机场标高起算",
                r.source,
                r.length_m,
                r.width_m,
                r.bearing_deg,
                r.end_name(0, true),
                r.end_name(1, true),
                crate::model::format_fixed(result.aerodrome_elevation_m, 1)
            )?;
            writeln!(
                out,
                "{}：{} 个地块，净空面覆盖 {} 个（其中无限高 {} 个），限高超出净空面 {} 个",
                parcels.name,
                result.parcels.len(),
                result.covered,
                result.covered_without_height,
                result.conflicts
            )?;
            let mut covered: Vec<&clearance::ParcelClearance> = result
                .parcels
                .iter()
                .filter(|p| p.ols_min_m.is_some())
                .collect();
            covered.sort_by(|a, b| b.conflict.cmp(&a.conflict).then_with(|| a.id.cmp(&b.id)));
            let rows: Vec<Vec<String>> = covered
                .iter()
                .map(|p| {
                    vec![
                        p.id.clone(),
                        opt_num(p.height_limit_m, 1),
                        opt_num(p.ols_min_m, 1),
                        surface_label(&surfaces, p),
                        opt_num(p.excess_m, 1),
                        verdict(p).to_string(),
                    ]
                })
                .collect();
            write_table(
                out,
                &[
                    "地块编号",
                    "限高(m)",
                    "净空限高(m)",
                    "控制面",
                    "超出(m)",
                    "结论",
                ],
                &rows,
                &[false, true, true, false, true, false],
            )?;
        }
    }
    if let Some(path) = xlsx {
        let bytes = clearance_workbook(&surfaces, parcels, &result, &project.file.title)?;
        crate::io::atomic_write(path, |w| w.write_all(&bytes))?;
    }
    Ok(())
}

/// The formats of the analysis workbooks.
struct Styles {
    title: Format,
    head: Format,
    text: Format,
    num1: Format,
    num2: Format,
    pct: Format,
    int: Format,
}

impl Styles {
    fn new() -> Styles {
        let cell = || {
            Format::new()
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::VerticalCenter)
        };
        Styles {
            title: Format::new().set_bold().set_font_size(14),
            head: cell()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center),
            text: cell(),
            num1: cell().set_num_format("0.0"),
            num2: cell().set_num_format("#,##0.00"),
            pct: cell().set_num_format("0.00%"),
            int: cell().set_num_format("0"),
        }
    }
}

/// A cell: text or a number with a format, or blank.
enum Cell<'a> {
    Text(String),
    Num(f64, &'a Format),
    Blank,
}

/// Writes a titled table from row 0: title, a note, the headings (row 2) and the
/// rows, with column widths by display width, frozen headings and a filter.
fn write_sheet(
    ws: &mut Worksheet,
    st: &Styles,
    title: &str,
    note: &str,
    head: &[&str],
    rows: &[Vec<Cell>],
) -> Result<(), rust_xlsxwriter::XlsxError> {
    ws.write_string_with_format(0, 0, title, &st.title)?;
    ws.write_string(1, 0, note)?;
    let mut widths: Vec<usize> = head.iter().map(|h| display_width(h) + 2).collect();
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &st.head)?;
    }
    for (k, row) in rows.iter().enumerate() {
        let r = 3 + k as u32;
        for (c, cell) in row.iter().enumerate() {
            let c16 = c as u16;
            let w = match cell {
                Cell::Text(t) => {
                    ws.write_string_with_format(r, c16, t, &st.text)?;
                    display_width(t)
                }
                Cell::Num(v, f) => {
                    ws.write_number_with_format(r, c16, *v, f)?;
                    format!("{v:.2}").len()
                }
                Cell::Blank => {
                    ws.write_blank(r, c16, &st.text)?;
                    0
                }
            };
            if let Some(x) = widths.get_mut(c) {
                *x = (*x).max(w + 2);
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, (*w).clamp(6, 40) as f64)?;
    }
    let last_row = 2 + rows.len() as u32;
    if !head.is_empty() {
        ws.autofilter(2, 0, last_row, head.len() as u16 - 1)?;
    }
    ws.set_freeze_panes(3, 1)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(2, 2)?;
    Ok(())
}

fn new_workbook(title: &str) -> Workbook {
    let mut wb = Workbook::new();
    let mut properties = DocProperties::new().set_title(title);
    // Dated by the day it is made, as the reports are: the same check on the same
    // day gives the same bytes.
    if let Ok(when) = ExcelDateTime::parse_from_str(&crate::report::today()) {
        properties = properties.set_creation_datetime(&when);
    }
    wb.set_properties(&properties);
    wb
}

/// The clearance check as a workbook: 净空核查 (every parcel) and 净空面参数 (the
/// surfaces' figures and their source).
pub fn clearance_workbook(
    surfaces: &Surfaces,
    parcels: &Layer,
    result: &ClearanceResult,
    project_title: &str,
) -> anyhow::Result<Vec<u8>> {
    let st = Styles::new();
    let title = format!("{project_title} 净空限高核查");
    let mut wb = new_workbook(&title);
    let landuse = parcels.roles.landuse;
    let table = crate::landuse::LanduseTable::global();
    let rows: Vec<Vec<Cell>> = result
        .parcels
        .iter()
        .map(|p| {
            let code = landuse
                .and_then(|f| parcels.value(p.feature, f).to_text())
                .unwrap_or_default();
            let class = parcels
                .class
                .get(p.feature)
                .copied()
                .flatten()
                .and_then(|c| table.class(c))
                .map(|c| c.name_zh.clone())
                .unwrap_or_default();
            let num = |v: Option<f64>, f| v.map_or(Cell::Blank, |x| Cell::Num(x, f));
            vec![
                Cell::Text(p.id.clone()),
                Cell::Text(code),
                Cell::Text(class),
                num(p.height_limit_m, &st.num1),
                num(p.ols_min_m, &st.num1),
                num(
                    p.ols_min_m.map(|h| h + result.aerodrome_elevation_m),
                    &st.num1,
                ),
                Cell::Text(surface_label(surfaces, p)),
                num(p.excess_m, &st.num1),
                Cell::Text(verdict(p).to_string()),
            ]
        })
        .collect();
    let r = &surfaces.runway;
    let note = format!(
        "跑道 {}：{:.0} m × {:.0} m，真方位 {:.1}°。净空限高为地块范围内最低的障碍物限制面高度，自机场标高（{} m）起算；限高超出即为超限。共 {} 个地块，净空面覆盖 {} 个，超限 {} 个。",
        r.source,
        r.length_m,
        r.width_m,
        r.bearing_deg,
        crate::model::format_fixed(result.aerodrome_elevation_m, 1),
        result.parcels.len(),
        result.covered,
        result.conflicts
    );
    {
        let ws = wb.add_worksheet();
        ws.set_name("净空核查")?;
        write_sheet(
            ws,
            &st,
            &title,
            &note,
            &[
                "地块编号",
                "用地代码",
                "用地名称",
                "限高（m）",
                "净空限高（m）",
                "净空限制标高（m）",
                "控制面",
                "超出（m）",
                "结论",
            ],
            &rows,
        )?;
    }
    {
        let source = "ICAO 附件14 第I卷 表4-1（精密进近 I 类，代码3、4）、表4-2（起飞跑道，代码3、4）、第3章 升降带；MH 5001-2021 同";
        let p = |name: &str, param: &str, v: f64, unit: &str| {
            vec![
                Cell::Text(name.into()),
                Cell::Text(param.into()),
                Cell::Num(v, &st.num2),
                Cell::Text(unit.into()),
            ]
        };
        let rows = vec![
            p("升降带", "跑道端外延长", ols::STRIP_END_M, "m"),
            p("升降带", "中线每侧宽度", ols::STRIP_HALF_WIDTH_M, "m"),
            p("过渡面", "坡度", ols::TRANSITIONAL_SLOPE * 100.0, "%"),
            p("内水平面", "高度", ols::INNER_HORIZONTAL_HEIGHT_M, "m"),
            p(
                "内水平面",
                "半径（自升降带端）",
                ols::INNER_HORIZONTAL_RADIUS_M,
                "m",
            ),
            p("锥形面", "坡度", ols::CONICAL_SLOPE * 100.0, "%"),
            p("锥形面", "高出内水平面", ols::CONICAL_HEIGHT_M, "m"),
            p("进近面", "内边长度", ols::APPROACH_INNER_EDGE_M, "m"),
            p(
                "进近面",
                "每侧散开率",
                ols::APPROACH_DIVERGENCE * 100.0,
                "%",
            ),
            p("进近面", "第一段长度", ols::APPROACH_FIRST_LENGTH_M, "m"),
            p(
                "进近面",
                "第一段坡度",
                ols::APPROACH_FIRST_SLOPE * 100.0,
                "%",
            ),
            p("进近面", "第二段长度", ols::APPROACH_SECOND_LENGTH_M, "m"),
            p(
                "进近面",
                "第二段坡度",
                ols::APPROACH_SECOND_SLOPE * 100.0,
                "%",
            ),
            p("进近面", "水平段高度", ols::approach_level_height_m(), "m"),
            p("进近面", "总长度", ols::APPROACH_TOTAL_LENGTH_M, "m"),
            p("起飞爬升面", "内边长度", ols::TAKE_OFF_INNER_EDGE_M, "m"),
            p(
                "起飞爬升面",
                "每侧散开率",
                ols::TAKE_OFF_DIVERGENCE * 100.0,
                "%",
            ),
            p("起飞爬升面", "最终宽度", ols::TAKE_OFF_FINAL_WIDTH_M, "m"),
            p("起飞爬升面", "长度", ols::TAKE_OFF_LENGTH_M, "m"),
            p("起飞爬升面", "坡度", ols::TAKE_OFF_SLOPE * 100.0, "%"),
        ];
        let ws = wb.add_worksheet();
        ws.set_name("净空面参数")?;
        write_sheet(
            ws,
            &st,
            "障碍物限制面参数",
            source,
            &["限制面", "参数", "数值", "单位"],
            &rows,
        )?;
    }
    Ok(wb.save_to_buffer()?)
}

/// Runs the coverage analysis of a project: straight line for every type, and
/// along the roads where the project has a roads layer.
pub fn project_coverage(project: &Project) -> anyhow::Result<(CoverageResult, Option<RoadGraph>)> {
    let parcels =
        project_parcels(project).context("the project has no layer styled by land use")?;
    let (facility_layer, type_field) = project_facilities(project)
        .context("the project has no layer of facilities drawn as symbols")?;
    let a = life_circles(
        parcels,
        facility_layer,
        type_field,
        project_roads(project),
        false,
    )?;
    Ok((a.result, a.graph))
}

/// One facility type's service circles and the residential land outside them,
/// in lon/lat, for maps.
#[derive(Debug, Clone, Default)]
pub struct TypeMap {
    /// Each facility's circle: the facility's position in its layer and the
    /// circle as a polygon.
    pub circles_lon_lat: Vec<(usize, geo::Polygon<f64>)>,
    /// The residential parcels outside the circles, wholly or in part.
    pub outside: Vec<coverage::OutsidePart>,
}

/// The life-circle analysis of some layers: the coverage of every type (along
/// the roads too where there are roads), the road graph, and each type's map.
pub struct LifeCircles {
    pub result: CoverageResult,
    pub graph: Option<RoadGraph>,
    /// By type, in the order of `result.types`.
    pub maps: std::collections::BTreeMap<String, TypeMap>,
}

/// Runs the life-circle analysis on a parcel layer (its residential parcels,
/// 07…), a facility layer typed by `type_field` and, where given, a road layer;
/// with `with_maps`, each type's circles and uncovered land too.
pub fn life_circles(
    parcels: &Layer,
    facility_layer: &Layer,
    type_field: Option<&str>,
    roads: Option<&Layer>,
    with_maps: bool,
) -> anyhow::Result<LifeCircles> {
    let facilities = coverage::read_facilities(facility_layer, type_field);
    let residential = Residential::of_layer(parcels)?;
    let (by_type, without_radius) = coverage::by_type(&facilities);
    let graph = match roads {
        Some(roads) => Some(RoadGraph::from_layer(roads, &residential.frame)?),
        None => None,
    };
    let mut types = Vec::new();
    let mut maps = std::collections::BTreeMap::new();
    for (kind, fs) in &by_type {
        let circles = coverage::circles_on(&residential.frame, fs);
        let covers = coverage::cover_parcels(&residential.parcels, &circles);
        let mut t = coverage::summarise(kind, fs, &residential, &covers);
        if let Some(g) = &graph {
            t.network = Some(network::network_coverage(g, &residential, fs));
        }
        types.push(t);
        if !with_maps {
            continue;
        }
        maps.insert(
            kind.clone(),
            TypeMap {
                circles_lon_lat: coverage::circles_lon_lat(&residential.frame, fs),
                outside: coverage::outside_parts(&residential, &circles, &covers),
            },
        );
    }
    // A 民生 briefing reads the 5-, then the 10-, then the 15-minute circle's
    // services, in the standard's order within each; facility types that are
    // no life-circle service (a substation, a police station) come last.
    types.sort_by_cached_key(|t| {
        let place = coverage::GB50180_TYPES
            .iter()
            .position(|(name, _)| *name == t.kind.trim());
        (
            t.life_circle.is_none(),
            t.life_circle,
            place,
            t.kind.clone(),
        )
    });
    let result = CoverageResult {
        residential_parcels: residential.parcels.len(),
        residential_area_m2: residential.total_area_m2(),
        types,
        without_radius,
    };
    Ok(LifeCircles {
        result,
        graph,
        maps,
    })
}

/// `parcelview coverage PROJECT`: life-circle coverage of residential land per
/// facility type, in a straight line and along the roads, printed in `format`;
/// with `xlsx`, also written as a workbook (生活圈覆盖, 未覆盖地块), or with a
/// `.pdf` path as the 生活圈 report with a map of every type.
pub fn coverage_command(
    project: &Path,
    format: OutputFormat,
    xlsx: Option<&Path>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let pdf = xlsx.filter(|p| {
        p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("pdf"))
    });
    match pdf {
        Some(p) => crate::io::write::refuse_input_overwrite(p, &[project])?,
        None => check_workbook_path(project, xlsx)?,
    }
    let project = Project::open(project)?;
    let (result, graph) = project_coverage(&project)?;
    match format {
        OutputFormat::Json => {
            let mut v = serde_json::to_value(&result)?;
            if let Some(obj) = v.as_object_mut() {
                obj.insert(
                    "without_radius".into(),
                    json!(
                        result
                            .without_radius
                            .iter()
                            .map(|(t, n)| json!({"type": t, "facilities": n}))
                            .collect::<Vec<_>>()
                    ),
                );
                obj.insert(
                    "network".into(),
                    match &graph {
                        Some(g) => json!({
                            "cell_m": network::GRID_CELL_M,
                            "nodes": g.graph.node_count(),
                            "edges": g.graph.edge_count(),
                        }),
                        None => serde_json::Value::Null,
                    },
                );
            }
            serde_json::to_writer_pretty(&mut *out, &v)?;
            writeln!(out)?;
        }
        OutputFormat::Csv => {
            writeln!(
                out,
                "type,life_circle,facilities,radius_m,residential_area_m2,covered_area_m2,covered_share,wholly_outside,partly_outside,covered_floor_area_m2,network_covered_area_m2,network_covered_share"
            )?;
            for t in &result.types {
                writeln!(
                    out,
                    "{},{},{},{},{:.2},{:.2},{:.6},{},{},{:.2},{},{}",
                    crate::report::csv::field(&t.kind),
                    t.life_circle.map(|c| c.name(true)).unwrap_or(""),
                    t.facilities,
                    crate::model::format_float(t.radius_m),
                    t.residential_area_m2,
                    t.covered_area_m2,
                    t.covered_share,
                    t.wholly_outside,
                    t.partly_outside,
                    t.covered_floor_area_m2,
                    t.network
                        .as_ref()
                        .map(|n| format!("{:.2}", n.covered_area_m2))
                        .unwrap_or_default(),
                    t.network
                        .as_ref()
                        .map(|n| format!("{:.6}", n.covered_share))
                        .unwrap_or_default(),
                )?;
            }
        }
        OutputFormat::Table => {
            writeln!(out, "生活圈覆盖（GB 50180-2018）")?;
            writeln!(
                out,
                "居住用地 {} 块，{} 公顷；覆盖率 = 服务半径内的居住用地面积 ÷ 居住用地总面积（直线距离）；路网覆盖率按地块内一点沿道路的步行距离计",
                result.residential_parcels,
                crate::model::format_fixed(result.residential_area_m2 / 1e4, 2)
            )?;
            let rows: Vec<Vec<String>> = result
                .types
                .iter()
                .map(|t| {
                    vec![
                        t.kind.clone(),
                        t.life_circle
                            .map(|c| c.name(true))
                            .unwrap_or("")
                            .to_string(),
                        t.facilities.to_string(),
                        radius_text(t),
                        crate::model::format_fixed(t.covered_area_m2 / 1e4, 2),
                        crate::model::format_fixed(t.covered_share * 100.0, 1),
                        t.network
                            .as_ref()
                            .map(|n| crate::model::format_fixed(n.covered_share * 100.0, 1))
                            .unwrap_or_default(),
                        t.wholly_outside.to_string(),
                        t.partly_outside.to_string(),
                        crate::model::format_fixed(t.covered_floor_area_m2 / 1e4, 2),
                    ]
                })
                .collect();
            write_table(
                out,
                &[
                    "设施类型",
                    "生活圈",
                    "设施数",
                    "服务半径(m)",
                    "覆盖居住用地(公顷)",
                    "覆盖率(%)",
                    "路网覆盖率(%)",
                    "完全未覆盖(块)",
                    "部分未覆盖(块)",
                    "覆盖住宅建筑面积(万m²)",
                ],
                &rows,
                &[false, false, true, true, true, true, true, true, true, true],
            )?;
            for (t, n) in &result.without_radius {
                writeln!(out, "注：{t}（{n} 处）无服务半径，未计覆盖")?;
            }
        }
    }
    match (pdf, xlsx) {
        (Some(path), _) => coverage_pdf(&project, path)?,
        (None, Some(path)) => {
            let bytes = coverage_workbook(&result, &project.file.title)?;
            crate::io::atomic_write(path, |w| w.write_all(&bytes))?;
        }
        (None, None) => {}
    }
    Ok(())
}

/// Writes the project's 生活圈 report as a PDF: the table of every type and a map
/// of each type's circles over the project's visible layers and offline basemap.
fn coverage_pdf(project: &Project, path: &Path) -> anyhow::Result<()> {
    use crate::render::map_image;
    use crate::report::{self, ReportLang};
    let parcels =
        project_parcels(project).context("the project has no layer styled by land use")?;
    let (facilities, field) = project_facilities(project)
        .context("the project has no layer of facilities drawn as symbols")?;
    let roads = project_roads(project);
    let a = life_circles(parcels, facilities, field, roads, true)?;
    let name_of = |layer: &Layer| {
        project
            .layers
            .iter()
            .find(|l| l.data.as_ref().is_ok_and(|d| std::ptr::eq(d, layer)))
            .map(|l| l.spec.name.clone())
            .unwrap_or_else(|| layer.name.clone())
    };
    let basemap = project.offline_basemap();
    let sources = &project.file.basemap.sources;
    let ctx = report::MapContext {
        layers: project
            .layers
            .iter()
            .filter(|l| l.spec.visible)
            .filter_map(|l| {
                let style = map_image::project_image_style(&l.spec, &l.path, sources)?;
                Some((l.data.as_ref().ok()?, style))
            })
            .collect(),
        basemap: Some(&basemap),
        sheet: project.file.sheet_info(true),
    };
    let r = report::coverage::CoverageReport {
        title: report::coverage::coverage_title(&project.file.title, ReportLang::Zh),
        result: &a.result,
        maps: &a.maps,
        map_types: a.result.types.iter().map(|t| t.kind.clone()).collect(),
        parcels,
        bbox: parcels.bbox(),
        parcels_name: name_of(parcels),
        facilities_name: name_of(facilities),
        roads_name: roads.map(name_of),
        lang: ReportLang::Zh,
        date: report::today(),
    };
    let inputs: Vec<&Path> = project.layers.iter().map(|l| l.path.as_path()).collect();
    report::coverage::write_coverage_report(
        &r,
        &ctx,
        Default::default(),
        path,
        &inputs,
        &report::Progress::new(),
    )?;
    Ok(())
}

fn radius_text(t: &coverage::TypeCoverage) -> String {
    match t.radii_m.as_slice() {
        [] => String::new(),
        [one] => crate::model::format_float(*one),
        [first, .., last] => format!(
            "{}–{}",
            crate::model::format_float(*first),
            crate::model::format_float(*last)
        ),
    }
}

/// The coverage as a workbook: 生活圈覆盖 (one row a type) and 未覆盖地块 (the
/// residential parcels outside each type's circles, wholly or partly).
pub fn coverage_workbook(result: &CoverageResult, project_title: &str) -> anyhow::Result<Vec<u8>> {
    coverage_workbook_titled(result, &format!("{project_title} 生活圈覆盖分析"))
}

/// [`coverage_workbook`] under a title of its own (the window's 生活圈 report).
pub fn coverage_workbook_titled(result: &CoverageResult, title: &str) -> anyhow::Result<Vec<u8>> {
    let st = Styles::new();
    let title = title.to_string();
    let mut wb = new_workbook(&title);
    let rows: Vec<Vec<Cell>> = result
        .types
        .iter()
        .map(|t| {
            let net = |f: fn(&network::NetworkCoverage) -> f64, fmt| {
                t.network
                    .as_ref()
                    .map_or(Cell::Blank, |n| Cell::Num(f(n), fmt))
            };
            vec![
                Cell::Text(t.kind.clone()),
                Cell::Text(t.life_circle.map(|c| c.name(true)).unwrap_or("").into()),
                Cell::Num(t.facilities as f64, &st.int),
                Cell::Text(radius_text(t)),
                Cell::Num(t.residential_area_m2 / 1e4, &st.num2),
                Cell::Num(t.covered_area_m2 / 1e4, &st.num2),
                Cell::Num(t.covered_share, &st.pct),
                net(|n| n.covered_share, &st.pct),
                Cell::Num(t.wholly_outside as f64, &st.int),
                Cell::Num(t.partly_outside as f64, &st.int),
                Cell::Num(t.covered_floor_area_m2 / 1e4, &st.num2),
            ]
        })
        .collect();
    let note = format!(
        "居住用地（07）{} 块，{} 公顷。服务半径取设施的服务半径_m，缺省时按 GB 50180-2018（五分钟 300 m、十分钟 500 m、十五分钟 1 000 m）；覆盖率为服务半径圆内的居住用地面积占比（直线距离），路网覆盖率为沿道路步行可达的居住地块面积占比。示意数据，不作规划依据。",
        result.residential_parcels,
        crate::model::format_fixed(result.residential_area_m2 / 1e4, 2)
    );
    {
        let ws = wb.add_worksheet();
        ws.set_name("生活圈覆盖")?;
        write_sheet(
            ws,
            &st,
            &title,
            &note,
            &[
                "设施类型",
                "生活圈",
                "设施数",
                "服务半径（m）",
                "居住用地（公顷）",
                "覆盖居住用地（公顷）",
                "覆盖率",
                "路网覆盖率",
                "完全未覆盖（块）",
                "部分未覆盖（块）",
                "覆盖住宅建筑面积（万m²）",
            ],
            &rows,
        )?;
    }
    {
        let mut rows = Vec::new();
        for t in &result.types {
            for (ids, what) in [
                (&t.outside_ids, "完全未覆盖"),
                (&t.partly_outside_ids, "部分未覆盖"),
            ] {
                for id in ids {
                    rows.push(vec![
                        Cell::Text(t.kind.clone()),
                        Cell::Text(id.clone()),
                        Cell::Text(what.into()),
                    ]);
                }
            }
        }
        let ws = wb.add_worksheet();
        ws.set_name("未覆盖地块")?;
        write_sheet(
            ws,
            &st,
            "服务半径外的居住地块",
            "每个设施类型服务半径圆外（全部或部分）的居住地块",
            &["设施类型", "地块编号", "覆盖情况"],
            &rows,
        )?;
    }
    Ok(wb.save_to_buffer()?)
}
