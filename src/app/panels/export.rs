//! The Export dialog: a summary or report cards of the active layer's selection (the
//! whole layer when nothing is selected) as PDF, XLSX, CSV or GeoJSON, or a PNG of
//! the current view, written in the background with a progress bar by the same
//! functions as `parcelview report` and `parcelview render`.

use std::path::PathBuf;
use std::sync::Arc;

use egui::RichText;

use super::file_dialog::Purpose;
use crate::app::{Lang, ParcelApp, tr};
use crate::render::map_image::{self, ImageLayer, MapImage};
use crate::report::pdf::{PageSetup, Paper};
use crate::report::{self, Progress, ReportKind, ReportLang};
use crate::stats::AreaMethod;

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExportKind {
    #[default]
    Summary,
    Cards,
    MapImage,
}

pub struct ExportDialog {
    pub open: bool,
    pub kind: ExportKind,
    pub path: String,
    pub size: [u32; 2],
    pub dpi: f32,
    pub page: PageSetup,
    /// One feature to report instead of the active layer's selection (the identify
    /// panel's 图则 button): layer and feature.
    pub only: Option<(usize, usize)>,
}

impl Default for ExportDialog {
    fn default() -> ExportDialog {
        ExportDialog {
            open: false,
            kind: ExportKind::Summary,
            path: String::new(),
            size: [2480, 1754],
            dpi: 300.0,
            page: PageSetup::default(),
            only: None,
        }
    }
}

/// The export's file with the extension of a new kind: `.png` for a map image,
/// `.pdf` when a map image's file becomes a report's. Other report files keep
/// theirs (a summary may be a workbook).
fn retyped(path: &str, before: ExportKind, after: ExportKind) -> String {
    let p = PathBuf::from(path.trim());
    if p.as_os_str().is_empty() {
        return String::new();
    }
    let ext = match (before, after) {
        (_, ExportKind::MapImage) => "png",
        (ExportKind::MapImage, _) => "pdf",
        (_, ExportKind::Cards)
            if !p.extension().is_some_and(|e| {
                e.eq_ignore_ascii_case("pdf") || e.eq_ignore_ascii_case("xlsx")
            }) =>
        {
            "pdf"
        }
        _ => return path.to_string(),
    };
    p.with_extension(ext).display().to_string()
}

/// An export running in the background.
pub struct Exporting {
    pub path: PathBuf,
    progress: Arc<Progress>,
    handle: std::thread::JoinHandle<Result<String, String>>,
}

impl ParcelApp {
    pub(crate) fn export_ui(&mut self, ctx: &egui::Context) {
        let lang = self.settings.lang;
        let mut open = self.export.open;
        let mut start = false;
        let only_id = self.export.only.and_then(|(li, fi)| {
            let l = self.layers.get(li)?.data.as_ref().ok()?;
            Some(l.feature_id(fi))
        });
        egui::Window::new(tr(lang, "export"))
            // Dialogs open in the middle of the window, never over the menu.
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(ctx.content_rect().center())
            .open(&mut open)
            .resizable(false)
            .show(ctx, |ui| {
                let d = &mut self.export;
                let kind_before = d.kind;
                for (kind, key) in [
                    (ExportKind::Summary, "export_summary"),
                    (ExportKind::Cards, "export_cards"),
                    (ExportKind::MapImage, "export_map"),
                ] {
                    ui.radio_value(&mut d.kind, kind, tr(lang, key));
                }
                if d.kind == ExportKind::MapImage {
                    ui.horizontal(|ui| {
                        ui.label(tr(lang, "export_size"));
                        ui.add(egui::DragValue::new(&mut d.size[0]).range(16..=20_000));
                        ui.label("×");
                        ui.add(egui::DragValue::new(&mut d.size[1]).range(16..=20_000));
                        ui.label("DPI");
                        ui.add(egui::DragValue::new(&mut d.dpi).range(36.0..=1200.0));
                    });
                }
                if d.kind != ExportKind::MapImage {
                    ui.horizontal(|ui| {
                        ui.label(tr(lang, "export_page"));
                        ui.radio_value(&mut d.page.paper, Paper::A4, "A4");
                        ui.radio_value(&mut d.page.paper, Paper::A3, "A3");
                        ui.separator();
                        ui.radio_value(&mut d.page.landscape, false, tr(lang, "portrait"));
                        ui.radio_value(&mut d.page.landscape, true, tr(lang, "landscape"));
                    });
                }
                if let Some(id) = &only_id {
                    ui.horizontal(|ui| {
                        ui.label(format!("{} {id}", tr(lang, "export_only")));
                        if ui
                            .small_button(tr(lang, "export_selection_instead"))
                            .clicked()
                        {
                            d.only = None;
                        }
                    });
                }
                let mut browse = false;
                ui.horizontal(|ui| {
                    let label = ui.label(tr(lang, "export_path"));
                    let shown = if d.path.trim().is_empty() {
                        RichText::new(tr(lang, "export_no_path")).weak()
                    } else {
                        RichText::new(d.path.trim()).monospace()
                    };
                    ui.add(egui::Label::new(shown).truncate())
                        .labelled_by(label.id);
                });
                ui.horizontal(|ui| {
                    if ui.button(tr(lang, "browse")).clicked() {
                        browse = true;
                    }
                });
                if browse {
                    self.commands
                        .push(crate::app::Command::OpenDialog(Purpose::Export));
                }
                let d = &mut self.export;
                if d.kind != kind_before {
                    // A new kind keeps the folder and the name, with the kind's
                    // extension (a map image is a PNG, a report a PDF).
                    d.path = retyped(&d.path, kind_before, d.kind);
                }
                ui.label(RichText::new(tr(lang, "export_note")).small().weak());
                let busy = self.exporting.is_some();
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(!busy, egui::Button::new(tr(lang, "export_run")))
                        .clicked()
                    {
                        start = true;
                    }
                    if let Some(e) = &self.exporting {
                        ui.add(
                            egui::ProgressBar::new(e.progress.fraction())
                                .desired_width(180.0)
                                .show_percentage(),
                        );
                        if ui.button(tr(lang, "cancel")).clicked() {
                            e.progress.cancel();
                        }
                    }
                });
            });
        self.export.open = open;
        if start {
            self.start_export();
        }
    }

    /// Starts the export the dialog describes, on a worker thread.
    pub fn start_export(&mut self) {
        let lang = self.settings.lang;
        let typed = PathBuf::from(self.export.path.trim());
        if typed.as_os_str().is_empty() {
            self.messages.push(tr(lang, "export_no_path").to_string());
            return;
        }
        // A relative name is written beside the project, and the message names
        // the file in full.
        let path = self.resolve_in_project(&typed);
        let only = self
            .export
            .only
            .filter(|_| self.export.kind != ExportKind::MapImage);
        let Some(li) = only.map(|(li, _)| li).or(self.active) else {
            return;
        };
        let Some(layer) = self.layers.get(li) else {
            return;
        };
        let Ok(data) = layer.data.clone() else { return };
        let whole_layer = only.is_none() && layer.selection.is_empty();
        let features: Vec<usize> = match only {
            Some((_, fi)) => vec![fi],
            None if whole_layer => (0..data.len()).collect(),
            None => layer.selection.ids().to_vec(),
        };
        // A whole plan layer reported prints the balance of the whole plan (all its
        // layers over the planning area, with the present state), as the plan
        // text does; a selection prints its own.
        let plan_balance = if whole_layer && self.is_plan_layer(li) {
            self.balance_for(
                crate::app::panels::stats::StatsScope::Plan,
                crate::app::panels::stats::StatsGroup::Class(2),
            )
        } else {
            None
        };
        let options = crate::stats::StatsOptions {
            mixed: self.stats.mixed,
            shares_field: None,
        };
        let facilities = self
            .layers
            .iter()
            .find(|l| l.spec.style.kind == "symbols")
            .and_then(|l| l.data.as_ref().ok().cloned());
        let inputs: Vec<PathBuf> = self
            .layers
            .iter()
            .filter_map(|l| l.data.as_ref().ok().map(|d| PathBuf::from(&d.source)))
            .collect();
        let report_lang = match lang {
            Lang::Zh => ReportLang::Zh,
            Lang::En => ReportLang::En,
        };
        let title = self.report_title(lang);
        let sheet = self.project_base.sheet_info(lang == Lang::Zh);
        let progress = Arc::new(Progress::new());
        let watch = progress.clone();
        let out = path.clone();
        let kind = self.export.kind;
        // A map image takes the view and the visible layers as they are now. The
        // offline basemap paints the water and roads, whose layers stay in the
        // image to name the roads and canals and to list their classes.
        let view = self.last_view.map(|v| v.lon_lat_rect());
        let sources = &self.project_base.basemap.sources;
        let image_layers: Vec<(Arc<crate::model::Layer>, map_image::ImageStyle, bool)> = self
            .layers
            .iter()
            .enumerate()
            .filter(|(_, l)| l.spec.visible)
            .filter_map(|(k, l)| {
                let style = map_image::project_image_style(&l.spec, &l.path, sources)?;
                let d = l.data.as_ref().ok()?.clone();
                Some((d, style, k == li))
            })
            .collect();
        let basemap = self.basemap.clone();
        let (size, dpi, page) = (self.export.size, self.export.dpi, self.export.page);
        let handle = std::thread::spawn(move || -> Result<String, String> {
            let inputs: Vec<&std::path::Path> = inputs.iter().map(PathBuf::as_path).collect();
            if kind == ExportKind::MapImage {
                let bbox = view.ok_or("the map has not been drawn yet")?;
                let empty: Vec<usize> = Vec::new();
                let image = MapImage {
                    layers: image_layers
                        .iter()
                        .map(|(l, style, active)| ImageLayer {
                            layer: l,
                            style: style.clone(),
                            selected: if *active { &features } else { &empty },
                        })
                        .collect(),
                    basemap: Some(&basemap),
                    bbox,
                    width_px: size[0],
                    height_px: size[1],
                    dpi,
                    title: Some(title),
                    chinese: report_lang == ReportLang::Zh,
                    legend: true,
                    spotlight: false,
                    sheet: Default::default(),
                };
                let pixmap = map_image::render(&image).map_err(|e| e.to_string())?;
                let png = map_image::encode_png(&pixmap, dpi).map_err(|e| e.to_string())?;
                if watch.is_cancelled() {
                    return Err(format!("{}: cancelled", out.display()));
                }
                crate::io::write::refuse_input_overwrite(&out, &inputs)
                    .map_err(|e| e.to_string())?;
                crate::io::atomic_write(&out, |w| w.write_all(&png)).map_err(|e| e.to_string())?;
                return Ok(out.display().to_string());
            }
            // A GIS file (GeoPackage, Shapefile, FlatGeobuf, KML) takes the features
            // with their attributes and areas, for ArcGIS or QGIS.
            if crate::sources::ExportFormat::of_path(&out).is_some() {
                let options = crate::sources::ExportOptions::default();
                let summary =
                    crate::sources::export_features(&data, &features, &out, &options, &inputs)
                        .map_err(|e| e.to_string())?;
                let mut done = out.display().to_string();
                done.push_str(&renamed_note(lang, &summary.renamed));
                return Ok(done);
            }
            let kind = match kind {
                ExportKind::Cards => ReportKind::Cards,
                _ => ReportKind::Summary,
            };
            // The report's maps draw the visible layers as the map shows them; the
            // active layer is the same `Arc` as `data`, so it carries the highlight.
            let request = report::ReportRequest {
                layer: data.as_ref(),
                facilities: facilities.as_deref(),
                features: &features,
                kind,
                lang: report_lang,
                title: &title,
                method: AreaMethod::Ellipsoidal,
                page,
                map: report::MapContext {
                    layers: image_layers
                        .iter()
                        .map(|(l, style, _)| (l.as_ref(), style.clone()))
                        .collect(),
                    basemap: Some(&basemap),
                    sheet: sheet.clone(),
                },
                options,
                balance: plan_balance.as_deref(),
                zone_prefix: false,
            };
            report::write_report(&request, &out, &inputs, &watch).map_err(|e| match e {
                report::ReportError::Cancelled => format!("{}: cancelled", out.display()),
                e => e.to_string(),
            })?;
            Ok(out.display().to_string())
        });
        self.exporting = Some(Exporting {
            path,
            progress,
            handle,
        });
    }

    /// Writes the bookmarks as a PDF handout in the background, with the layers as
    /// the map shows them.
    pub(crate) fn start_handout(&mut self, path: PathBuf) {
        if self.exporting.is_some() || self.bookmarks.is_empty() {
            return;
        }
        let layers: Vec<(
            String,
            Arc<crate::model::Layer>,
            map_image::ImageStyle,
            bool,
        )> = self
            .layers
            .iter()
            .filter(|l| l.spec.role.as_deref() != Some("basemap"))
            .filter_map(|l| {
                Some((
                    l.spec.name.clone(),
                    l.data.as_ref().ok()?.clone(),
                    map_image::image_style(&l.spec.name, &l.spec.style),
                    l.spec.visible,
                ))
            })
            .collect();
        let mut layers = layers;
        // The 净空 layer is drawn on the slides that name it, as the map shows it.
        if let Some(s) = self
            .analysis
            .surfaces(&self.layers, &self.project_base.airport)
        {
            layers.push((
                crate::analysis::CLEARANCE_LAYER.to_string(),
                Arc::new(crate::analysis::clearance::surfaces_layer(&s)),
                crate::analysis::clearance::surfaces_image_style(self.settings.lang == Lang::Zh),
                false,
            ));
        }
        let inputs: Vec<PathBuf> = self
            .layers
            .iter()
            .map(|l| l.path.clone())
            .chain(self.project_path.clone())
            .collect();
        let bookmarks = self.bookmarks.clone();
        let basemap = self.basemap.clone();
        let plan_balance = self.balance_for(
            crate::app::panels::stats::StatsScope::Plan,
            crate::app::panels::stats::StatsGroup::Class(1),
        );
        let title = self.report_title(self.settings.lang);
        let disclaimer = self
            .project_base
            .sheet_info(self.settings.lang == Lang::Zh)
            .disclaimer;
        let lang = match self.settings.lang {
            Lang::Zh => ReportLang::Zh,
            Lang::En => ReportLang::En,
        };
        let progress = Arc::new(Progress::new());
        let watch = progress.clone();
        let out = path.clone();
        let handle = std::thread::spawn(move || -> Result<String, String> {
            let slide_layers: Vec<report::SlideLayer> = layers
                .iter()
                .map(|(name, layer, style, visible)| report::SlideLayer {
                    name,
                    layer,
                    style: style.clone(),
                    visible: *visible,
                })
                .collect();
            let inputs: Vec<&std::path::Path> = inputs.iter().map(PathBuf::as_path).collect();
            let page = PageSetup {
                paper: Paper::A4,
                landscape: true,
            };
            let warnings = report::write_handout(
                &bookmarks,
                &slide_layers,
                Some(&basemap),
                &title,
                disclaimer.as_deref(),
                lang,
                page,
                plan_balance.as_deref(),
                &out,
                &inputs,
                &watch,
            )
            .map_err(|e| match e {
                report::ReportError::Cancelled => format!("{}: cancelled", out.display()),
                e => format!("{}: {e}", out.display()),
            })?;
            let mut done = out.display().to_string();
            for w in warnings {
                done.push_str(&format!("; {w}"));
            }
            Ok(done)
        });
        self.exporting = Some(Exporting {
            path,
            progress,
            handle,
        });
    }

    /// A running export in the status bar: its file, a progress bar and cancel, so
    /// the handout (which has no dialog) and a closed Export dialog show progress.
    pub(crate) fn export_status_ui(&mut self, ui: &mut egui::Ui) {
        let lang = self.settings.lang;
        let Some(e) = &self.exporting else { return };
        ui.separator();
        ui.label(format!("{} {}", tr(lang, "exporting"), e.path.display()));
        ui.add(
            egui::ProgressBar::new(e.progress.fraction())
                .desired_width(160.0)
                .show_percentage(),
        );
        if ui.button(tr(lang, "cancel")).clicked() {
            e.progress.cancel();
        }
    }

    /// Reports a finished export.
    pub(crate) fn poll_export(&mut self) {
        let done = self
            .exporting
            .as_ref()
            .is_some_and(|e| e.handle.is_finished());
        if !done {
            return;
        }
        let Some(e) = self.exporting.take() else {
            return;
        };
        let lang = self.settings.lang;
        match e.handle.join() {
            Ok(Ok(path)) => self
                .messages
                .push(format!("{} {path}", tr(lang, "exported"))),
            Ok(Err(reason)) => self.messages.push(reason),
            Err(_) => self.messages.push(format!(
                "{}: the export stopped unexpectedly",
                e.path.display()
            )),
        }
    }

    /// Whether an export is running.
    pub fn is_exporting(&self) -> bool {
        self.exporting.is_some()
    }

    /// The messages shown under 警告 (warnings, errors, finished exports).
    pub fn messages(&self) -> &[String] {
        &self.messages
    }
}

/// The fields an export renamed (a Shapefile's dBASE names are at most 10 bytes),
/// in the interface language, to follow the exported file's name in the message
/// bar; empty when none was.
pub fn renamed_note(lang: Lang, renamed: &[(String, String)]) -> String {
    if renamed.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = renamed
        .iter()
        .map(|(from, to)| format!("{from} → {to}"))
        .collect();
    match lang {
        Lang::Zh => format!(
            "；字段名超过 dBASE 的 10 字节，已改为：{}",
            pairs.join("，")
        ),
        Lang::En => format!(
            "; fields renamed to fit dBASE's 10 bytes: {}",
            pairs.join(", ")
        ),
    }
}

impl ParcelApp {
    /// The project's title in a language: its English title in English when the
    /// project has one, else the title as shown.
    pub(crate) fn report_title(&self, lang: Lang) -> String {
        match (&self.project_base.title_en, lang) {
            (Some(t), Lang::En) if !t.is_empty() => t.clone(),
            _ => self.title.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renamed_fields_are_listed_in_the_interface_language() {
        let renamed = vec![
            ("用地名称".to_string(), "用地名".to_string()),
            ("landuse_name".to_string(), "landuse_na".to_string()),
        ];
        assert_eq!(
            renamed_note(Lang::Zh, &renamed),
            "；字段名超过 dBASE 的 10 字节，已改为：用地名称 → 用地名，landuse_name → landuse_na"
        );
        assert_eq!(
            renamed_note(Lang::En, &renamed),
            "; fields renamed to fit dBASE's 10 bytes: 用地名称 → 用地名, landuse_name → landuse_na"
        );
        assert_eq!(renamed_note(Lang::Zh, &[]), "");
    }
}
