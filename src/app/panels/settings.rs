//! The settings window: the 天地图 key, a custom XYZ template, a tile file, the
//! dialogs and the language. It is a window rather than menu entries because a
//! menu closes at the first click inside it, so nothing could be typed there.

use egui::RichText;

use super::file_dialog::Purpose;
use crate::app::{BasemapChoice, Command, Lang, ParcelApp};

impl ParcelApp {
    pub(crate) fn settings_ui(&mut self, ctx: &egui::Context) {
        let mut open = self.settings_open;
        egui::Window::new(self.tr("settings"))
            // Dialogs open in the middle of the window, never over the menu.
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(ctx.content_rect().center())
            .open(&mut open)
            .resizable(false)
            .collapsible(false)
            .show(ctx, |ui| {
                egui::Grid::new("settings_grid")
                    .num_columns(3)
                    .spacing([8.0, 8.0])
                    .show(ui, |ui| {
                        let label = ui.label(self.tr("tianditu_key"));
                        ui.add(
                            egui::TextEdit::singleline(&mut self.basemap_edits.token)
                                .password(true)
                                .desired_width(300.0),
                        )
                        .labelled_by(label.id);
                        if ui.button(self.tr("apply")).clicked() {
                            let token = self.basemap_edits.token.trim().to_string();
                            self.push(Command::SetTiandituToken(token));
                        }
                        ui.end_row();

                        let label = ui.label(self.tr("xyz"));
                        ui.add(
                            egui::TextEdit::singleline(&mut self.basemap_edits.xyz)
                                .hint_text("https://…/{z}/{x}/{y}.png")
                                .desired_width(300.0),
                        )
                        .labelled_by(label.id);
                        if ui.button(self.tr("apply")).clicked() {
                            let t = self.basemap_edits.xyz.trim().to_string();
                            if !t.is_empty() {
                                self.settings.xyz_template = t.clone();
                                self.push(Command::SetBasemap(BasemapChoice::Xyz(t)));
                            }
                        }
                        ui.end_row();

                        ui.label(self.tr("tile_file"));
                        let current = match &self.settings.basemap {
                            BasemapChoice::File(p) => p.display().to_string(),
                            _ => String::new(),
                        };
                        ui.label(RichText::new(current).monospace());
                        if ui.button(self.tr("browse")).clicked() {
                            self.open_dialog(Purpose::TileFile);
                        }
                        ui.end_row();

                        ui.label(self.tr("language"));
                        ui.horizontal(|ui| {
                            for (lang, name) in [(Lang::Zh, "中文"), (Lang::En, "English")] {
                                if ui.radio(self.settings.lang == lang, name).clicked() {
                                    self.push(Command::SetLang(lang));
                                }
                            }
                        });
                        ui.end_row();

                        ui.label(self.tr("dialogs"));
                        let text = self.tr("native_dialogs");
                        ui.checkbox(&mut self.settings.native_dialogs, text);
                        ui.end_row();
                    });
                ui.separator();
                ui.label(RichText::new(self.tr("key_note")).small().weak());
                ui.label(RichText::new(self.tr("online_note")).small().weak());
            });
        self.settings_open = open;
    }
}
