//! The 生活圈 panel: the coverage of every facility type (GB 50180-2018 service
//! radii, in a straight line and along the roads), a type picked to show its
//! service circles on the map with the residential land outside them hatched,
//! and the report (PDF page or XLSX sheet) for a 民生 briefing. Also the 净空
//! layer's switch and state in the layers panel.

use std::path::PathBuf;
use std::sync::Arc;

use egui::{Color32, RichText};

use crate::app::map::widget::analysis_layers::{CLEARANCE_LAYER, OUTSIDE_RGB};
use crate::app::{Command, Lang, Level, ParcelApp};
use crate::render::map_image;
use crate::report::{self, ReportLang};

/// The panel's report file and the report being written.
#[derive(Default)]
pub struct LifeCircleExport {
    /// The file typed or proposed, .pdf or .xlsx.
    pub path: String,
    running: Option<(PathBuf, std::thread::JoinHandle<Result<(), String>>)>,
}

impl LifeCircleExport {
    pub fn running(&self) -> bool {
        self.running.is_some()
    }
}

fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

impl ParcelApp {
    /// The 净空 layer's row in the layers panel: its switch and what it found.
    pub(crate) fn clearance_layer_ui(&mut self, ui: &mut egui::Ui) {
        let lang = self.settings.lang;
        let mut on = self.analysis.clearance_on;
        let label = match lang {
            Lang::Zh => CLEARANCE_LAYER,
            Lang::En => "Obstacle limitation surfaces",
        };
        if ui
            .checkbox(&mut on, RichText::new(label).strong())
            .on_hover_text(t(
                lang,
                "机场障碍物限制面（ICAO 附件14，4 类精密进近跑道）：轮廓、10 m 等高线，限高超出净空的地块以橙红色勾出",
                "The airport's obstacle limitation surfaces (ICAO Annex 14, code 4 precision approach): outlines, 10 m contours; parcels whose height limit is above them outlined in red-orange",
            ))
            .changed()
        {
            self.push(Command::SetClearanceLayer(on));
        }
        if !self.analysis.clearance_on {
            return;
        }
        let text = if self.analysis.clearance.running() {
            t(lang, "正在计算限制面…", "Working out the surfaces…").to_string()
        } else if let Some(e) = self.analysis.clearance.failed() {
            format!("{}: {e}", t(lang, "无法计算", "Cannot work out"))
        } else if let Some(d) = self.analysis.clearance.ready() {
            match lang {
                Lang::Zh => format!(
                    "跑道 {} · 限制面覆盖 {} 块 · 限高超出 {} 块",
                    d.runway, d.result.covered, d.result.conflicts
                ),
                Lang::En => format!(
                    "Runway {} · {} parcels under the surfaces · {} above them",
                    d.runway, d.result.covered, d.result.conflicts
                ),
            }
        } else {
            String::new()
        };
        let conflicts = self
            .analysis
            .clearance
            .ready()
            .is_some_and(|d| d.result.conflicts > 0);
        let colour = if conflicts {
            Color32::from_rgb(200, 60, 0)
        } else {
            ui.visuals().weak_text_color()
        };
        ui.label(RichText::new(text).small().color(colour));
    }

    /// The 生活圈 window.
    pub(crate) fn life_circle_ui(&mut self, ctx: &egui::Context) {
        let lang = self.settings.lang;
        let mut open = self.analysis.coverage_open;
        // It opens at the bottom right, over the side panel and the south-east
        // of the map: the plan's residential land, which the circles are about,
        // lies in the north, and the airport and logistics land it covers
        // instead are not what a 民生 briefing looks at.
        let screen = ctx.content_rect();
        egui::Window::new(t(lang, "生活圈服务覆盖", "Life-circle coverage"))
            .open(&mut open)
            .pivot(egui::Align2::RIGHT_BOTTOM)
            .default_pos(egui::pos2(screen.right() - 8.0, screen.bottom() - 32.0))
            .default_width(660.0)
            .resizable(true)
            .show(ctx, |ui| self.life_circle_contents_ui(ui));
        if !open {
            self.push(Command::ShowLifeCircles(false));
        }
    }

    fn life_circle_contents_ui(&mut self, ui: &mut egui::Ui) {
        let lang = self.settings.lang;
        let zh = lang == Lang::Zh;
        if self.analysis.coverage.running() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(t(lang, "正在计算生活圈覆盖…", "Working out the coverage…"));
            });
            return;
        }
        if let Some(e) = self.analysis.coverage.failed() {
            ui.colored_label(
                Color32::from_rgb(200, 60, 60),
                format!("{}: {e}", t(lang, "无法计算", "Cannot work out")),
            );
            return;
        }
        let Some(d) = self.analysis.coverage.ready().cloned() else {
            return;
        };
        let r = &d.analysis.result;
        ui.label(match lang {
            Lang::Zh => format!(
                "居住用地（07）{} 块，{} 公顷 · 设施：{} · 道路：{}",
                r.residential_parcels,
                crate::model::format_fixed(r.residential_area_m2 / 1e4, 2),
                d.facilities_name,
                d.roads_name.as_deref().unwrap_or("无")
            ),
            Lang::En => format!(
                "{} residential parcels (07), {} ha · facilities: {} · roads: {}",
                r.residential_parcels,
                crate::model::format_fixed(r.residential_area_m2 / 1e4, 2),
                d.facilities_name,
                d.roads_name.as_deref().unwrap_or("none")
            ),
        });
        ui.label(
            RichText::new(t(
                lang,
                "点击设施类型，在地图上显示其服务半径；半径外的居住用地以红色斜线表示。",
                "Click a facility type to show its service circles; residential land outside them is hatched in red.",
            ))
            .small()
            .weak(),
        );
        ui.separator();
        // The residential land is the same for every type: the line above
        // gives it once, and the table keeps to what differs.
        let heads: [&str; 8] = if zh {
            [
                "设施类型",
                "生活圈",
                "设施数",
                "服务半径(m)",
                "覆盖(公顷)",
                "覆盖率(直线)",
                "覆盖率(路网)",
                "未覆盖(块) 全部/部分",
            ]
        } else {
            [
                "Type",
                "Life circle",
                "Facilities",
                "Radius (m)",
                "Covered (ha)",
                "Share (straight)",
                "Share (roads)",
                "Outside (parcels) whole/part",
            ]
        };
        let chosen = self.analysis.coverage_kind.clone();
        egui::ScrollArea::vertical()
            .max_height(320.0)
            .show(ui, |ui| {
                egui::Grid::new("life-circle-table")
                    .striped(true)
                    .num_columns(heads.len())
                    .show(ui, |ui| {
                        for h in heads {
                            ui.label(RichText::new(h).strong());
                        }
                        ui.end_row();
                        for ty in &r.types {
                            let picked = chosen.as_deref() == Some(ty.kind.as_str());
                            let (_, colour) = crate::app::map::draw::facility_symbol(&ty.kind);
                            let text = RichText::new(format!("● {}", ty.kind)).color(colour);
                            if ui.selectable_label(picked, text).clicked() {
                                let next = (!picked).then(|| ty.kind.clone());
                                self.push(Command::SetLifeCircleType(next));
                            }
                            let row = report::coverage::type_row(ty, zh);
                            ui.label(row.get(1).cloned().unwrap_or_default());
                            ui.label(ty.facilities.to_string());
                            ui.label(report::coverage::radius_text(ty));
                            ui.label(row.get(4).cloned().unwrap_or_default());
                            ui.label(row.get(5).cloned().unwrap_or_default());
                            ui.label(row.get(6).cloned().unwrap_or_default());
                            ui.label(format!("{} / {}", ty.wholly_outside, ty.partly_outside));
                            ui.end_row();
                        }
                    });
            });
        for (kind, n) in &r.without_radius {
            ui.label(
                RichText::new(match lang {
                    Lang::Zh => format!("注：{kind}（{n} 处）无服务半径，未计覆盖"),
                    Lang::En => format!("Note: {kind} ({n}) has no service radius"),
                })
                .small()
                .weak(),
            );
        }
        if let Some(kind) = &chosen
            && let Some(ty) = r.types.iter().find(|t| &t.kind == kind)
        {
            ui.separator();
            ui.label(RichText::new(report::coverage::map_heading(ty, zh)).strong());
            let [cr, cg, cb] = OUTSIDE_RGB;
            ui.label(
                RichText::new(report::coverage::map_caption(ty, zh))
                    .small()
                    .color(Color32::from_rgb(cr, cg, cb)),
            );
        }
        ui.separator();
        self.life_circle_export_ui(ui);
    }

    fn life_circle_export_ui(&mut self, ui: &mut egui::Ui) {
        let lang = self.settings.lang;
        if self.life_circle_export.path.trim().is_empty() {
            let name = match lang {
                Lang::Zh => "生活圈覆盖分析.pdf",
                Lang::En => "life-circles.pdf",
            };
            self.life_circle_export.path = self.export_path_for(name);
        }
        ui.horizontal(|ui| {
            let label = ui.label(t(lang, "报告文件", "Report file"));
            ui.add(
                egui::TextEdit::singleline(&mut self.life_circle_export.path).desired_width(380.0),
            )
            .labelled_by(label.id);
        });
        ui.horizontal(|ui| {
            let busy = self.life_circle_export.running();
            for (ext, zh, en) in [
                ("pdf", "导出 PDF 报告", "Export PDF report"),
                ("xlsx", "导出 Excel 表", "Export Excel sheet"),
            ] {
                if ui
                    .add_enabled(!busy, egui::Button::new(t(lang, zh, en)))
                    .clicked()
                {
                    let path =
                        PathBuf::from(self.life_circle_export.path.trim()).with_extension(ext);
                    self.life_circle_export.path = path.display().to_string();
                    self.push(Command::ExportLifeCircles(path));
                }
            }
            if busy {
                ui.spinner();
            }
        });
        ui.label(
            RichText::new(t(
                lang,
                "PDF：覆盖表、说明、图签，并附所选类型（未选时为全部类型）的服务半径图。",
                "PDF: the table, notes and title block, with a map of the chosen type (of every type when none is chosen).",
            ))
            .small()
            .weak(),
        );
    }

    /// Writes the 生活圈 report in the background: the analysis as the panel has
    /// it, maps of the chosen type (else of every type) over the visible layers.
    pub(crate) fn export_life_circles(&mut self, path: PathBuf) {
        let lang = self.settings.lang;
        let Some(d) = self.analysis.coverage.ready().cloned() else {
            let text = t(
                lang,
                "生活圈覆盖尚未算出",
                "The coverage is not worked out yet",
            );
            self.notify(Level::Warning, text.to_string());
            return;
        };
        if self.life_circle_export.running() {
            return;
        }
        let path = self.resolve_in_project(&path);
        let Some(parcels) =
            crate::app::map::widget::analysis_layers::parcels_layer(&self.layers, self.active)
                .and_then(|k| self.layers.get(k))
                .and_then(|l| l.data.as_ref().ok().cloned())
        else {
            return;
        };
        let report_lang = match lang {
            Lang::Zh => ReportLang::Zh,
            Lang::En => ReportLang::En,
        };
        let title = report::coverage::coverage_title(&self.report_title(lang), report_lang);
        let sheet = self.project_base.sheet_info(lang == Lang::Zh);
        let sources = self.project_base.basemap.sources.clone();
        let layers: Vec<(Arc<crate::model::Layer>, map_image::ImageStyle)> = self
            .layers
            .iter()
            .filter(|l| l.spec.visible)
            .filter_map(|l| {
                let style = map_image::project_image_style(&l.spec, &l.path, &sources)?;
                Some((l.data.as_ref().ok()?.clone(), style))
            })
            .collect();
        let inputs: Vec<PathBuf> = self
            .layers
            .iter()
            .filter_map(|l| l.data.as_ref().ok().map(|d| PathBuf::from(&d.source)))
            .collect();
        let basemap = self.basemap.clone();
        let map_types: Vec<String> = match &self.analysis.coverage_kind {
            Some(k) => vec![k.clone()],
            None => d
                .analysis
                .result
                .types
                .iter()
                .map(|t| t.kind.clone())
                .collect(),
        };
        let out = path.clone();
        let handle = std::thread::spawn(move || -> Result<(), String> {
            let r = report::coverage::CoverageReport {
                title,
                result: &d.analysis.result,
                maps: &d.analysis.maps,
                map_types,
                parcels: &parcels,
                bbox: parcels.bbox(),
                parcels_name: d.parcels_name.clone(),
                facilities_name: d.facilities_name.clone(),
                roads_name: d.roads_name.clone(),
                lang: report_lang,
                date: report::today(),
            };
            let ctx = report::MapContext {
                layers: layers
                    .iter()
                    .map(|(l, s)| (l.as_ref(), s.clone()))
                    .collect(),
                basemap: Some(&basemap),
                sheet,
            };
            let inputs: Vec<&std::path::Path> = inputs.iter().map(PathBuf::as_path).collect();
            report::coverage::write_coverage_report(
                &r,
                &ctx,
                Default::default(),
                &out,
                &inputs,
                &report::Progress::new(),
            )
            .map_err(|e| e.to_string())
        });
        self.life_circle_export.running = Some((path, handle));
    }

    /// Takes in a finished 生活圈 report; whether one is still being written.
    pub(crate) fn poll_life_circle_export(&mut self) -> bool {
        let done = self
            .life_circle_export
            .running
            .as_ref()
            .is_some_and(|(_, h)| h.is_finished());
        if done && let Some((path, h)) = self.life_circle_export.running.take() {
            let full = std::path::absolute(&path).unwrap_or_else(|_| path.clone());
            match h.join() {
                Ok(Ok(())) => {
                    let text = format!("{} {}", self.tr("exported"), full.display());
                    self.notify_with(Level::Success, text, Vec::new(), Some(full));
                }
                Ok(Err(e)) => {
                    let text = format!("{} {}", self.tr("export_failed"), full.display());
                    self.notify_with(Level::Error, text, vec![e], None);
                }
                Err(_) => {
                    let text = format!("{} {}", self.tr("export_failed"), full.display());
                    self.notify_with(Level::Error, text, Vec::new(), None);
                }
            }
        }
        self.life_circle_export.running()
    }
}
