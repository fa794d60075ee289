//! The layer chooser of a multi-layer file (a GeoPackage): its layers with their
//! geometry type, feature count and CRS, each ticked to open.

use egui::RichText;

use crate::app::{Command, ParcelApp, tr};
use crate::sources::LayerInfo;

/// A file's layers waiting to be chosen.
pub struct LayerChoice {
    pub path: std::path::PathBuf,
    pub layers: Vec<LayerInfo>,
    /// Whether each layer is ticked.
    pub picked: Vec<bool>,
}

impl ParcelApp {
    pub(crate) fn layer_choice_ui(&mut self, ctx: &egui::Context) {
        let lang = self.settings.lang;
        let Some(mut choice) = self.layer_choice.take() else {
            return;
        };
        let mut open = true;
        let mut done = false;
        let file = choice
            .path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        egui::Window::new(tr(lang, "choose_layers"))
            // Dialogs open in the middle of the window, never over the menu.
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(ctx.content_rect().center())
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                ui.label(RichText::new(&file).strong());
                egui::Grid::new("layer_choice")
                    .striped(true)
                    .num_columns(4)
                    .show(ui, |ui| {
                        for (info, picked) in choice.layers.iter().zip(choice.picked.iter_mut()) {
                            ui.checkbox(picked, &info.name);
                            ui.label(&info.geometry_type);
                            ui.label(format!("{} {}", info.features, tr(lang, "features")));
                            ui.label(&info.srs);
                            ui.end_row();
                        }
                    });
                ui.separator();
                let any = choice.picked.iter().any(|p| *p);
                if ui
                    .add_enabled(any, egui::Button::new(tr(lang, "open_chosen_layers")))
                    .clicked()
                {
                    done = true;
                }
            });
        if done {
            let tables: Vec<String> = choice
                .layers
                .iter()
                .zip(&choice.picked)
                .filter(|(_, p)| **p)
                .map(|(l, _)| l.name.clone())
                .collect();
            self.push(Command::OpenLayers(choice.path, tables));
        } else if open {
            self.layer_choice = Some(choice);
        }
    }
}
