//! The Export dialog: a summary or report cards of the active layer's selection (the
//! whole layer when nothing is selected) as XLSX, CSV or GeoJSON, or a PNG of the
//! current view, written in the background by the same functions as
//! `parcelview report` and `parcelview render`.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use egui::RichText;

use super::{Lang, ParcelApp, tr};
use crate::render::map_image::{self, ImageLayer, MapImage};
use crate::report::{self, ReportKind, ReportLang};
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
}

impl Default for ExportDialog {
    fn default() -> ExportDialog {
        ExportDialog {
            open: false,
            kind: ExportKind::Summary,
            path: String::new(),
            size: [2480, 1754],
            dpi: 300.0,
        }
    }
}

/// An export running in the background.
pub struct Exporting {
    pub path: PathBuf,
    cancel: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<Result<String, String>>,
}

impl ParcelApp {
    pub(super) fn export_ui(&mut self, ctx: &egui::Context) {
        let lang = self.settings.lang;
        let mut open = self.export.open;
        let mut start = false;
        egui::Window::new(tr(lang, "export"))
            .open(&mut open)
            .resizable(false)
            .show(ctx, |ui| {
                let d = &mut self.export;
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
                ui.horizontal(|ui| {
                    let label = ui.label(tr(lang, "export_path"));
                    let hint = match d.kind {
                        ExportKind::MapImage => "地图.png",
                        _ => "报告.xlsx / .csv / .geojson",
                    };
                    ui.add(
                        egui::TextEdit::singleline(&mut d.path)
                            .hint_text(hint)
                            .desired_width(320.0),
                    )
                    .labelled_by(label.id);
                });
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
                        ui.spinner();
                        ui.label(e.path.display().to_string());
                        if ui.button(tr(lang, "cancel")).clicked() {
                            e.cancel.store(true, Ordering::Relaxed);
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
        let path = PathBuf::from(self.export.path.trim());
        if path.as_os_str().is_empty() {
            self.messages.push(tr(lang, "export_no_path").to_string());
            return;
        }
        let Some(li) = self.active else { return };
        let Some(layer) = self.layers.get(li) else {
            return;
        };
        let Ok(data) = layer.data.clone() else { return };
        let features: Vec<usize> = if layer.selection.is_empty() {
            (0..data.len()).collect()
        } else {
            layer.selection.ids().to_vec()
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
        let title = self.title.clone();
        let report_lang = match lang {
            Lang::Zh => ReportLang::Zh,
            Lang::En => ReportLang::En,
        };
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = cancel.clone();
        let out = path.clone();
        let kind = self.export.kind;
        // A map image takes the view and the visible layers as they are now.
        let view = self.last_view.map(|v| v.lon_lat_rect());
        let image_layers: Vec<(Arc<crate::model::Layer>, map_image::ImageStyle, bool)> = self
            .layers
            .iter()
            .enumerate()
            .filter(|(_, l)| l.spec.visible && l.spec.role.as_deref() != Some("basemap"))
            .filter_map(|(k, l)| {
                let d = l.data.as_ref().ok()?.clone();
                Some((d, map_image::image_style(&l.spec.style), k == li))
            })
            .collect();
        let basemap = self.basemap.clone();
        let (size, dpi) = (self.export.size, self.export.dpi);
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
                            style: *style,
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
                };
                let pixmap = map_image::render(&image).map_err(|e| e.to_string())?;
                let png = map_image::encode_png(&pixmap, dpi).map_err(|e| e.to_string())?;
                if stop.load(Ordering::Relaxed) {
                    return Err(format!("{}: cancelled", out.display()));
                }
                crate::io::write::refuse_input_overwrite(&out, &inputs)
                    .map_err(|e| e.to_string())?;
                crate::io::atomic_write(&out, |w| w.write_all(&png)).map_err(|e| e.to_string())?;
                return Ok(out.display().to_string());
            }
            if stop.load(Ordering::Relaxed) {
                return Err(format!("{}: cancelled", out.display()));
            }
            let kind = match kind {
                ExportKind::Cards => ReportKind::Cards,
                _ => ReportKind::Summary,
            };
            report::write_report(
                &data,
                facilities.as_deref(),
                &features,
                kind,
                report_lang,
                &title,
                AreaMethod::Ellipsoidal,
                &out,
                &inputs,
            )
            .map_err(|e| e.to_string())?;
            Ok(out.display().to_string())
        });
        self.exporting = Some(Exporting {
            path,
            cancel,
            handle,
        });
    }

    /// Reports a finished export.
    pub(super) fn poll_export(&mut self) {
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
