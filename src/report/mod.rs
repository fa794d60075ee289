//! Reports: one model of what a report says, written to several formats.
//!
//! A [`Summary`] is the land-use balance table, the planning indicators and the list
//! of selected parcels; [`Card`]s are one parcel each, with its regulatory attributes,
//! its boundary points (界址点) in CGCS2000 Gauss-Krüger coordinates and the public
//! facilities within 500 m and 1,000 m. The writers ([`csv`], [`xlsx`], [`pdf`]) only
//! lay out what the model holds, so every format says the same numbers.

mod card;
pub mod coverage;
pub mod csv;
pub mod pdf;
pub mod xlsx;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

pub use card::{
    BoundaryPoint, CARD_CM_DEG, Card, Condition, NearbyFacility, boundary_points, cards,
    cards_with_clearance, facilities_near,
};
use geo::Rect;

use crate::landuse::LanduseTable;
use crate::model::{FieldRole, Layer};
use crate::stats::{
    self, AreaMethod, BalanceTable, Grouping, M2_PER_HA, M2_PER_MU, StatsOptions, StatsTable,
};

/// What kind of report to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    Summary,
    Cards,
}

/// The language of a report's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportLang {
    #[default]
    Zh,
    En,
}

/// One parcel's key attributes, as the list and the cards show them.
#[derive(Debug, Clone, PartialEq)]
pub struct ParcelRow {
    pub feature: usize,
    pub id: String,
    pub code: String,
    pub class_name: String,
    pub area_m2: f64,
    pub far: Option<f64>,
    pub density: Option<f64>,
    pub green: Option<f64>,
    pub height_m: Option<f64>,
    pub status: String,
    pub park: String,
    pub enterprise: String,
}

impl ParcelRow {
    pub fn area_ha(&self) -> f64 {
        self.area_m2 / M2_PER_HA
    }

    pub fn area_mu(&self) -> f64 {
        self.area_m2 / M2_PER_MU
    }
}

/// A selection summary.
#[derive(Debug, Clone)]
pub struct Summary {
    pub title: String,
    /// The date the report was made (YYYY-MM-DD, UTC).
    pub date: String,
    /// The data the report was made from (file or project).
    pub source: String,
    pub lang: ReportLang,
    /// The reported parcels' statistics (level 2), whose classes the map's legend
    /// lists.
    pub table: StatsTable,
    /// The balance table the report prints: the project's plan (and present
    /// state) when the whole plan is reported, else the reported parcels'.
    pub balance: BalanceTable,
    /// Parcels in id order.
    pub parcels: Vec<ParcelRow>,
    /// The park the parcels all lie in, with its planned extent, when a layer of
    /// the report's maps outlines it.
    pub extent: Option<Extent>,
}

/// Today's date (UTC) as YYYY-MM-DD, from the system clock.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The (year, month, day) of a day counted from 1970-01-01 (Howard Hinnant's
/// civil-from-days, so no date crate is needed for a date line).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    (y, m, d)
}

fn text_of(layer: &Layer, i: usize, names: &[&str]) -> String {
    names
        .iter()
        .find_map(|n| layer.field_index(n))
        .and_then(|k| layer.value(i, k).to_text())
        .unwrap_or_default()
}

/// A report's title when none is given: the plan's own (`plan_title`) for the
/// whole plan; for parcels that all lie in one park, the park's, so that a park's
/// summary does not pass for the whole plan's; else the plan's marked as a
/// selection.
pub fn default_title(
    layer: &Layer,
    features: &[usize],
    plan_title: &str,
    kind: ReportKind,
    lang: ReportLang,
) -> String {
    if features.len() >= layer.len() {
        return plan_title.to_string();
    }
    let park = park_of(layer, features);
    let one_park = park.is_some();
    let first = park.unwrap_or_default();
    match (one_park, kind, lang) {
        (true, ReportKind::Summary, ReportLang::Zh) => format!("{first}用地汇总"),
        (true, ReportKind::Cards, ReportLang::Zh) => format!("{first}地块报告卡"),
        (true, ReportKind::Summary, ReportLang::En) => format!("{first}: land-use summary"),
        (true, ReportKind::Cards, ReportLang::En) => format!("{first}: parcel report cards"),
        (false, _, ReportLang::Zh) => format!("{plan_title}（选定地块）"),
        (false, _, ReportLang::En) => format!("{plan_title} (selected parcels)"),
    }
}

/// The park (所属园区) every one of `features` lies in, if they all lie in one.
pub fn park_of(layer: &Layer, features: &[usize]) -> Option<String> {
    let mut parks = features
        .iter()
        .map(|&i| text_of(layer, i, &["所属园区", "park"]));
    let first = parks.next()?;
    (!first.is_empty() && parks.all(|p| p == first)).then_some(first)
}

/// A named area the reported parcels lie in (a park), with its own planned extent:
/// a park's outline holds its roads and green as well as its parcels, so a reader
/// of a park's summary needs both figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Extent {
    pub name: String,
    /// The area inside the named outline, in m², by the report's area method.
    pub area_m2: f64,
}

/// The planned extent of the park the parcels all lie in: the polygons named as the
/// park in any of `layers` other than the parcels' own, by `method`. None when the
/// parcels lie in no single park, or no layer outlines it.
pub fn extent_of(
    parcels: &Layer,
    features: &[usize],
    layers: &[&Layer],
    method: AreaMethod,
) -> Option<Extent> {
    let name = park_of(parcels, features)?;
    layers
        .iter()
        .filter(|l| !std::ptr::eq(**l, parcels))
        .find_map(|l| {
            let k = l.roles.name?;
            let named: Vec<usize> = (0..l.len())
                .filter(|&i| l.value(i, k).to_text().as_deref() == Some(name.as_str()))
                .filter(|&i| {
                    matches!(
                        l.geometries.get(i),
                        Some(Some(
                            geo::Geometry::Polygon(_) | geo::Geometry::MultiPolygon(_)
                        ))
                    )
                })
                .collect();
            if named.is_empty() {
                return None;
            }
            let areas = stats::feature_areas(l, method).ok()?;
            let area_m2: f64 = named.iter().filter_map(|&i| areas.get(i)).sum();
            Some(Extent {
                name: name.clone(),
                area_m2,
            })
        })
}

/// The row of one parcel.
pub fn parcel_row(layer: &Layer, i: usize, areas_m2: &[f64], lang: ReportLang) -> ParcelRow {
    let table = LanduseTable::global();
    let class = layer
        .class
        .get(i)
        .copied()
        .flatten()
        .and_then(|c| table.class(c));
    ParcelRow {
        feature: i,
        id: layer.feature_id(i),
        code: class.map(|c| c.code.clone()).unwrap_or_else(|| {
            layer
                .roles
                .landuse
                .and_then(|k| layer.value(i, k).to_text())
                .unwrap_or_default()
        }),
        class_name: class
            .map(|c| match lang {
                ReportLang::Zh => c.name_zh.clone(),
                ReportLang::En => c.name_en.clone(),
            })
            .unwrap_or_default(),
        area_m2: areas_m2.get(i).copied().unwrap_or(0.0),
        far: layer.role_f64(i, FieldRole::Far),
        density: layer.role_f64(i, FieldRole::BuildingDensity),
        green: layer.role_f64(i, FieldRole::GreenRatio),
        height_m: layer.role_f64(i, FieldRole::HeightLimit),
        status: text_of(layer, i, &["状态", "status", "现状"]),
        park: text_of(layer, i, &["所属园区", "park"]),
        enterprise: text_of(layer, i, &["企业名称", "enterprise", "company"]),
    }
}

/// Builds a selection summary over `features` (all when empty is not meant: pass the
/// whole layer's indices for that), counting mixed uses under their dominant use.
pub fn summary(
    layer: &Layer,
    features: &[usize],
    method: AreaMethod,
    title: &str,
    lang: ReportLang,
) -> Result<Summary, crate::crs::CrsError> {
    summary_with(
        layer,
        features,
        method,
        title,
        lang,
        &StatsOptions::default(),
        None,
    )
}

/// [`summary`] with the statistics' options, printing `balance` (a project's
/// whole-plan table) instead of the parcels' own table when it is given.
pub fn summary_with(
    layer: &Layer,
    features: &[usize],
    method: AreaMethod,
    title: &str,
    lang: ReportLang,
    options: &StatsOptions,
    balance: Option<&BalanceTable>,
) -> Result<Summary, crate::crs::CrsError> {
    let areas = stats::feature_areas(layer, method)?;
    let grouping = if layer.roles.landuse.is_some() {
        Grouping::Class(crate::landuse::Palette::Gtkj2023)
    } else {
        Grouping::Field(
            layer
                .roles
                .id
                .and_then(|k| layer.fields.get(k))
                .cloned()
                .unwrap_or_default(),
        )
    };
    let part = stats::Part {
        layer,
        features: Some(features),
        areas_m2: &areas,
    };
    let table = stats::stats_of(&[part], &grouping, 2, method, options);
    let balance = balance
        .cloned()
        .unwrap_or_else(|| BalanceTable::new(&table, None, 2, None));
    let mut parcels: Vec<ParcelRow> = features
        .iter()
        .map(|&i| parcel_row(layer, i, &areas, lang))
        .collect();
    parcels.sort_by(|a, b| a.id.cmp(&b.id).then(a.feature.cmp(&b.feature)));
    Ok(Summary {
        title: title.to_string(),
        date: today(),
        source: layer.source.clone(),
        lang,
        table,
        balance,
        parcels,
        extent: None,
    })
}

/// The headline under a summary's title: the planning area when the balance
/// covers more than the parcels (the whole plan, with roads and water), or the
/// park's planned area when the parcels are one park's, so the two figures are not
/// mistaken for one another; else the parcels' count and area.
pub fn headline(s: &Summary) -> String {
    let zh = s.lang == ReportLang::Zh;
    let t = &s.table;
    let plan_total = s
        .balance
        .total
        .plan
        .filter(|c| pdf::cents(c.area_ha_rounded) != pdf::cents(t.total_area_ha_rounded));
    if let (None, Some(e)) = (plan_total, &s.extent) {
        let ha = e.area_m2 / crate::stats::M2_PER_HA;
        let mu = e.area_m2 / crate::stats::M2_PER_MU;
        let share = 100.0 * t.total_area_ha_rounded / ha.max(1e-9);
        return if zh {
            format!(
                "{}规划面积 {:.2} 公顷（{:.2} 亩），其中地块 {} 个、{:.2} 公顷，占 {:.1}%",
                e.name, ha, mu, t.features, t.total_area_ha_rounded, share
            )
        } else {
            format!(
                "{}: planned area {:.2} ha ({:.2} mu), of which {} parcels, {:.2} ha ({:.1}%)",
                e.name, ha, mu, t.features, t.total_area_ha_rounded, share
            )
        };
    }
    match (zh, plan_total) {
        (true, Some(p)) => format!(
            "规划总用地 {:.2} 公顷（{:.2} 亩），其中地块 {} 个、{:.2} 公顷",
            p.area_ha_rounded, p.area_mu_rounded, t.features, t.total_area_ha_rounded
        ),
        (true, None) => format!(
            "共 {} 个地块，用地面积 {:.2} 公顷（{:.2} 亩）",
            t.features, t.total_area_ha_rounded, t.total_area_mu_rounded
        ),
        (false, Some(p)) => format!(
            "Planning area {:.2} ha ({:.2} mu), of which {} parcels, {:.2} ha",
            p.area_ha_rounded, p.area_mu_rounded, t.features, t.total_area_ha_rounded
        ),
        (false, None) => format!(
            "{} parcels, {:.2} ha ({:.2} mu)",
            t.features, t.total_area_ha_rounded, t.total_area_mu_rounded
        ),
    }
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{path}: unsupported report format '.{ext}' (use .pdf, .xlsx, .csv or .geojson)")]
    Format { path: String, ext: String },
    #[error("{path}: this report is written as {allowed}, not '.{ext}'")]
    FormatOf {
        path: String,
        ext: String,
        allowed: &'static str,
    },
    #[error("cannot draw the report's map: {0}")]
    Render(String),
    #[error("cannot make the PDF: {0}")]
    Pdf(String),
    #[error("cancelled")]
    Cancelled,
    #[error(transparent)]
    Write(#[from] crate::io::write::WriteError),
    #[error("{path}: cannot make the workbook: {reason}")]
    Xlsx { path: String, reason: String },
    #[error(transparent)]
    Crs(#[from] crate::crs::CrsError),
}

/// How far a report has got, and a way to stop it. Shared between the thread
/// writing the report and whoever watches it (the app's progress bar and cancel
/// button).
#[derive(Debug, Default)]
pub struct Progress {
    done: AtomicUsize,
    total: AtomicUsize,
    cancel: AtomicBool,
}

impl Progress {
    pub fn new() -> Progress {
        Progress::default()
    }

    /// The share done, 0 to 1.
    pub fn fraction(&self) -> f32 {
        let total = self.total.load(Ordering::Relaxed);
        if total == 0 {
            return 0.0;
        }
        (self.done.load(Ordering::Relaxed) as f32 / total as f32).min(1.0)
    }

    /// Asks the report to stop at its next step.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    pub(crate) fn set_total(&self, total: usize) {
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
    }

    /// Counts one step done; an error once cancelled, so the writer stops there.
    pub(crate) fn step(&self) -> Result<(), ReportError> {
        self.done.fetch_add(1, Ordering::Relaxed);
        self.check()
    }

    /// Marks the whole report done.
    pub(crate) fn finish(&self) {
        self.done
            .store(self.total.load(Ordering::Relaxed), Ordering::Relaxed);
    }

    pub(crate) fn check(&self) -> Result<(), ReportError> {
        if self.is_cancelled() {
            Err(ReportError::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// What report maps draw besides the report's own layer: the project's visible
/// layers in their styles (the report layer among them, by identity, to carry the
/// highlight) and the offline basemap. Empty draws the report layer alone.
#[derive(Default, Clone)]
pub struct MapContext<'a> {
    pub layers: Vec<(&'a Layer, crate::render::map_image::ImageStyle)>,
    pub basemap: Option<&'a crate::render::Basemap>,
    /// The title block's lines the project gives: 编制单位, 数据来源, the
    /// disclaimer. The report adds the date, the number and the area method.
    pub sheet: crate::render::map_image::SheetInfo,
}

/// Everything a report needs.
pub struct ReportRequest<'a> {
    /// The parcels.
    pub layer: &'a Layer,
    /// Public facilities, for the cards' nearby facilities.
    pub facilities: Option<&'a Layer>,
    /// The parcels to report (indices into `layer`).
    pub features: &'a [usize],
    pub kind: ReportKind,
    pub lang: ReportLang,
    pub title: &'a str,
    pub method: AreaMethod,
    /// Paper for PDF output.
    pub page: pdf::PageSetup,
    pub map: MapContext<'a>,
    /// How the summary's statistics count mixed uses.
    pub options: StatsOptions,
    /// The project's whole-plan balance, printed instead of the parcels' own
    /// table when the report covers the whole plan.
    pub balance: Option<&'a BalanceTable>,
    /// Cards print Y with the Gauss-Krüger zone number in front (40xxxxxx.xxx).
    pub zone_prefix: bool,
}

/// The report formats, by file extension.
pub const FORMATS: [&str; 5] = ["pdf", "xlsx", "csv", "geojson", "json"];

/// The lower-case extension of `path`, if it names a report format.
pub fn format_of(path: &std::path::Path) -> Result<String, ReportError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if FORMATS.contains(&ext.as_str()) {
        Ok(ext)
    } else {
        Err(ReportError::Format {
            path: path.display().to_string(),
            ext,
        })
    }
}

/// Writes a report to `path`, whose extension chooses the format: `.pdf` (summary
/// or cards, with maps), `.xlsx` (summary or cards workbook), `.csv` (the parcel
/// list, or the boundary points of cards), `.geojson` (the features with area
/// columns). The file is written atomically and never over `inputs`; a cancelled
/// or failed report leaves no file.
pub fn write_report(
    req: &ReportRequest,
    path: &std::path::Path,
    inputs: &[&std::path::Path],
    progress: &Progress,
) -> Result<(), ReportError> {
    use crate::io::atomic_write;
    let ext = format_of(path)?;
    let shown = path.display().to_string();
    crate::io::write::refuse_input_overwrite(path, inputs)?;
    let xlsx_err = |e: rust_xlsxwriter::XlsxError| ReportError::Xlsx {
        path: shown.clone(),
        reason: e.to_string(),
    };
    let (layer, features, lang) = (req.layer, req.features, req.lang);
    progress.check()?;
    let make_summary = || {
        let mut s = summary_with(
            layer,
            features,
            req.method,
            req.title,
            lang,
            &req.options,
            req.balance,
        )?;
        let others: Vec<&Layer> = req.map.layers.iter().map(|(l, _)| *l).collect();
        s.extent = extent_of(layer, features, &others, req.method);
        Ok::<Summary, crate::crs::CrsError>(s)
    };
    match (req.kind, ext.as_str()) {
        (_, "geojson" | "json") => {
            atomic_write(path, |w| {
                crate::io::write::write_features_geojson(layer, features.iter().copied(), w)
            })?;
        }
        (ReportKind::Summary, "csv") => {
            let s = make_summary()?;
            atomic_write(path, |w| csv::write_summary(&s, w))?;
        }
        (ReportKind::Summary, "pdf") => {
            let s = make_summary()?;
            let layout = pdf::summary_layout(&s, layer, features, &req.map, req.page, progress)?;
            write_pdf_file(&layout, req.title, lang, path, progress)?;
        }
        (ReportKind::Summary, _) => {
            let s = make_summary()?;
            let bytes = xlsx::summary_bytes(&s).map_err(xlsx_err)?;
            atomic_write(path, |w| w.write_all(&bytes))?;
        }
        (ReportKind::Cards, "csv") => {
            let c = report_cards(req)?;
            atomic_write(path, |w| {
                csv::write_cards_with(&c, lang, req.zone_prefix, w)
            })?;
        }
        (ReportKind::Cards, "pdf") => {
            let c = report_cards(req)?;
            let options = xlsx::CardsOptions {
                title: req.title.to_string(),
                date: today(),
                y_with_zone: req.zone_prefix,
            };
            let layout =
                pdf::cards_layout(&c, layer, &req.map, req.page, lang, &options, progress)?;
            write_pdf_file(&layout, req.title, lang, path, progress)?;
        }
        (ReportKind::Cards, _) => {
            let c = report_cards(req)?;
            let options = xlsx::CardsOptions {
                title: req.title.to_string(),
                date: today(),
                y_with_zone: req.zone_prefix,
            };
            let bytes = xlsx::cards_bytes_with(&c, lang, &options).map_err(xlsx_err)?;
            atomic_write(path, |w| w.write_all(&bytes))?;
        }
    }
    Ok(())
}

/// The cards of a request, with the 净空限高 of the airport whose runway (a
/// feature 类型 = 跑道) is among the layers the report draws.
fn report_cards(req: &ReportRequest) -> Result<Vec<Card>, crate::crs::CrsError> {
    let surfaces = clearance_surfaces(req.map.layers.iter().map(|(l, _)| *l));
    cards_with_clearance(
        req.layer,
        req.features,
        req.facilities,
        req.lang,
        surfaces.as_ref(),
    )
}

/// The obstacle limitation surfaces of the first of `layers` that holds a
/// runway (a feature 类型 = 跑道), if any does.
pub fn clearance_surfaces<'a>(
    layers: impl IntoIterator<Item = &'a Layer>,
) -> Option<crate::analysis::ols::Surfaces> {
    layers
        .into_iter()
        .find_map(|l| crate::analysis::runway::Runway::from_layer(l, None, None).ok())
        .map(crate::analysis::ols::Surfaces::new)
}

/// A layer a handout may draw: its name (as bookmarks name it), data, image style
/// and whether it is shown when a bookmark does not say.
pub struct SlideLayer<'a> {
    pub name: &'a str,
    pub layer: &'a Layer,
    pub style: crate::render::map_image::ImageStyle,
    pub visible: bool,
}

/// Writes bookmarks as a PDF handout, one page a slide: the slide's layers (those
/// it names, else the visible ones), its highlighted selection, its title and
/// caption. A selection that cannot be resolved is left out with a warning in
/// the returned list; the handout is still written.
#[allow(clippy::too_many_arguments)]
pub fn write_handout(
    bookmarks: &[crate::project::Bookmark],
    layers: &[SlideLayer],
    basemap: Option<&crate::render::Basemap>,
    title: &str,
    disclaimer: Option<&str>,
    lang: ReportLang,
    page: pdf::PageSetup,
    plan_balance: Option<&BalanceTable>,
    path: &std::path::Path,
    inputs: &[&std::path::Path],
    progress: &Progress,
) -> Result<Vec<String>, ReportError> {
    use crate::render::map_image::ImageLayer;
    let ext = format_of(path)?;
    if ext != "pdf" {
        return Err(ReportError::Format {
            path: path.display().to_string(),
            ext,
        });
    }
    crate::io::write::refuse_input_overwrite(path, inputs)?;
    let chinese = lang == ReportLang::Zh;
    let named: Vec<(&str, &Layer)> = layers.iter().map(|l| (l.name, l.layer)).collect();
    let mut warnings = Vec::new();
    // Each slide's highlighted features, by layer.
    let selected: Vec<Option<(usize, Vec<usize>)>> = bookmarks
        .iter()
        .map(|b| {
            let spec = b.selection.as_ref()?;
            match crate::project::resolve_selection(spec, &named) {
                Ok((li, features, missing)) => {
                    if !missing.is_empty() {
                        warnings.push(format!(
                            "{}: no feature with id {}",
                            b.title,
                            missing.join(", ")
                        ));
                    }
                    Some((li, features))
                }
                Err(e) => {
                    warnings.push(format!("{}: {e}", b.title));
                    None
                }
            }
        })
        .collect();
    let empty: Vec<usize> = Vec::new();
    let slides: Vec<pdf::HandoutSlide> = bookmarks
        .iter()
        .zip(&selected)
        .map(|(b, sel)| {
            let shown = |l: &SlideLayer| {
                if b.layers.is_empty() {
                    l.visible
                } else {
                    b.layers.iter().any(|n| n == l.name)
                }
            };
            // A slide that shows statistics prints its selection's balance, or
            // without a selection the whole plan's, as the briefing shows it.
            let balance = if !b.show_stats {
                None
            } else {
                match sel {
                    Some((li, f)) => layers.get(*li).map(|l| {
                        let part = stats::Part {
                            layer: l.layer,
                            features: Some(f),
                            areas_m2: &l.layer.area_m2,
                        };
                        let t = stats::stats_of(
                            &[part],
                            &Grouping::Class(crate::landuse::Palette::Gtkj2023),
                            2,
                            AreaMethod::Ellipsoidal,
                            &StatsOptions::default(),
                        );
                        BalanceTable::new(&t, None, 2, None)
                    }),
                    None => plan_balance.cloned(),
                }
            };
            pdf::HandoutSlide {
                balance,
                title: b.title_in(chinese).to_string(),
                caption: b.caption_in(chinese).to_string(),
                bbox: Rect::new(
                    geo::coord! { x: b.bbox[0], y: b.bbox[1] },
                    geo::coord! { x: b.bbox[2], y: b.bbox[3] },
                ),
                panels: {
                    let panel = |show: &dyn Fn(&SlideLayer) -> bool| -> Vec<ImageLayer> {
                        layers
                            .iter()
                            .enumerate()
                            .filter(|(_, l)| show(l))
                            .map(|(k, l)| ImageLayer {
                                layer: l.layer,
                                style: l.style.clone(),
                                selected: match sel {
                                    Some((li, f)) if *li == k => f,
                                    _ => &empty,
                                },
                            })
                            .collect()
                    };
                    match &b.compare {
                        // 现状 and 规划 side by side: each side shows its own layer in
                        // place of the other, over the slide's other layers.
                        Some(c) => [(&c.left, &c.right), (&c.right, &c.left)]
                            .into_iter()
                            .map(|(this, other)| {
                                let side = panel(&|l: &SlideLayer| {
                                    l.name == this.as_str()
                                        || (l.name != other.as_str() && shown(l))
                                });
                                (Some(this.clone()), side)
                            })
                            .collect(),
                        None => vec![(None, panel(&|l: &SlideLayer| shown(l)))],
                    }
                },
                spotlight: b.spotlight,
            }
        })
        .collect();
    let layout = pdf::handout_layout(&slides, basemap, page, title, disclaimer, lang, progress)?;
    write_pdf_file(&layout, title, lang, path, progress)?;
    Ok(warnings)
}

/// Writes laid-out pages to `path` atomically, unless the report was cancelled
/// meanwhile, and marks the report done.
fn write_pdf_file(
    layout: &pdf::Layout,
    title: &str,
    lang: ReportLang,
    path: &std::path::Path,
    progress: &Progress,
) -> Result<(), ReportError> {
    let bytes = pdf::write_pdf(layout, title, lang)?;
    progress.check()?;
    crate::io::atomic_write(path, |w| w.write_all(&bytes))?;
    progress.finish();
    Ok(())
}

/// Column headings shared by the writers.
pub fn parcel_headings(lang: ReportLang) -> [&'static str; 13] {
    match lang {
        ReportLang::Zh => [
            "地块编号",
            "用地代码",
            "用地性质",
            "用地面积（m²）",
            "用地面积（公顷）",
            "用地面积（亩）",
            "容积率",
            "建筑密度（%）",
            "绿地率（%）",
            "限高（m）",
            "状态",
            "所属园区",
            "企业名称",
        ],
        ReportLang::En => [
            "Parcel",
            "Land-use code",
            "Land use",
            "Area (m²)",
            "Area (ha)",
            "Area (mu)",
            "FAR",
            "Building density (%)",
            "Green ratio (%)",
            "Height limit (m)",
            "Status",
            "Park",
            "Enterprise",
        ],
    }
}
