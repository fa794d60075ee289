//! The layer chooser of a multi-layer file (a GeoPackage): its layers with their
//! geometry type, feature count and CRS, each ticked to open.

use egui::RichText;

use crate::app::{Command, Lang, ParcelApp, tr};
use crate::sources::LayerInfo;

/// A GeoPackage geometry type name (`MULTIPOLYGON`, `POINT`, …) as the interface
/// language says it: in Chinese as GIS software there names them (多面, 点, 线), in
/// English as a word, not the file's upper-case token. A name the standard does not
/// list is shown as the file has it.
pub fn geometry_type_label(lang: Lang, name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    // A Z, M or ZM suffix (some writers add it to the name) is kept as it is.
    let (base, suffix) = match upper.split_once(' ') {
        Some((b, s)) => (b.to_string(), format!(" {}", s.trim())),
        None => ["ZM", "Z", "M"]
            .iter()
            .find_map(|s| {
                upper
                    .strip_suffix(s)
                    .filter(|b| words(b).is_some())
                    .map(|b| (b.to_string(), format!(" {s}")))
            })
            .unwrap_or((upper.clone(), String::new())),
    };
    let Some((zh, en)) = words(&base) else {
        return name.to_string();
    };
    match lang {
        Lang::Zh => format!("{zh}{suffix}"),
        Lang::En => format!("{en}{suffix}"),
    }
}

/// The Chinese and English names of a GeoPackage geometry type.
fn words(base: &str) -> Option<(&'static str, &'static str)> {
    Some(match base {
        "GEOMETRY" => ("几何（混合）", "geometry (mixed)"),
        "POINT" => ("点", "point"),
        "LINESTRING" => ("线", "line"),
        "POLYGON" => ("面", "polygon"),
        "MULTIPOINT" => ("多点", "multipoint"),
        "MULTILINESTRING" => ("多线", "multiline"),
        "MULTIPOLYGON" => ("多面", "multipolygon"),
        "GEOMETRYCOLLECTION" => ("几何集合", "geometry collection"),
        "CIRCULARSTRING" => ("圆弧线", "circular string"),
        "COMPOUNDCURVE" => ("复合曲线", "compound curve"),
        "CURVEPOLYGON" => ("曲线面", "curve polygon"),
        "MULTICURVE" => ("多曲线", "multicurve"),
        "MULTISURFACE" => ("多曲面", "multisurface"),
        "CURVE" => ("曲线", "curve"),
        "SURFACE" => ("曲面", "surface"),
        _ => return None,
    })
}

/// A file's layers waiting to be chosen.
pub struct LayerChoice {
    pub path: std::path::PathBuf,
    pub layers: Vec<LayerInfo>,
    /// Whether each layer is ticked.
    pub picked: Vec<bool>,
    /// For a database's tables: whether they open live (queried per view)
    /// rather than loaded whole. `None` for a file's layers.
    pub live: Option<bool>,
}

/// Tables with more rows than this are proposed for live mode: loading them
/// whole would take minutes and gigabytes.
pub const LIVE_PROPOSED_ROWS: u64 = 1_000_000;

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
                            ui.label(geometry_type_label(lang, &info.geometry_type))
                                .on_hover_text(&info.geometry_type);
                            ui.label(format!("{} {}", info.features, tr(lang, "features")));
                            ui.label(&info.srs);
                            ui.end_row();
                        }
                    });
                if let Some(live) = &mut choice.live {
                    ui.checkbox(live, tr(lang, "live_mode"));
                }
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
            let path = match choice.live {
                Some(true) => live_path(&choice.path),
                _ => choice.path,
            };
            self.push(Command::OpenLayers(path, tables));
        } else if open {
            self.layer_choice = Some(choice);
        }
    }
}

/// A database address asking for live mode.
fn live_path(path: &std::path::Path) -> std::path::PathBuf {
    match path
        .to_str()
        .and_then(|t| crate::sources::postgis::Address::parse(t).ok())
    {
        Some(mut a) => {
            a.mode = crate::sources::postgis::Mode::Live;
            std::path::PathBuf::from(a.to_string())
        }
        None => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_types_are_named_in_the_interface_language() {
        assert_eq!(geometry_type_label(Lang::Zh, "MULTIPOLYGON"), "多面");
        assert_eq!(geometry_type_label(Lang::Zh, "POINT"), "点");
        assert_eq!(geometry_type_label(Lang::Zh, "LineString"), "线");
        assert_eq!(geometry_type_label(Lang::Zh, "MULTILINESTRING"), "多线");
        assert_eq!(
            geometry_type_label(Lang::En, "MULTIPOLYGON"),
            "multipolygon"
        );
        assert_eq!(geometry_type_label(Lang::Zh, "POLYGONZ"), "面 Z");
        assert_eq!(geometry_type_label(Lang::Zh, "POINT ZM"), "点 ZM");
        // A name the standard does not have is shown as the file has it.
        assert_eq!(geometry_type_label(Lang::Zh, "TIN"), "TIN");
    }
}
