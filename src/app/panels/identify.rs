//! The identify panel: the feature clicked, its class and area, and its attributes
//! under readable names with their units, with 复制, 缩放至 and 图则 for it.

use egui::RichText;

use crate::app::{Command, Lang, ParcelApp, tr};
use crate::landuse::LanduseTable;
use crate::model::{FieldRole, Layer};
use crate::stats::{M2_PER_HA, M2_PER_MU};

/// Readable names for the field names planning data arrives with: the pinyin
/// abbreviations ArcGIS templates use, the English ones of other tools, and the
/// bundled data's own names with their English.
///
/// (field name, Chinese name, English name)
const ALIASES: &[(&str, &str, &str)] = &[
    ("DKBH", "地块编号", "Parcel id"),
    ("地块编号", "地块编号", "Parcel id"),
    ("YDDM", "用地代码", "Land-use code"),
    ("用地代码", "用地代码", "Land-use code"),
    ("YDXZ", "用地性质", "Land use"),
    ("YDMC", "用地名称", "Land-use name"),
    ("用地名称", "用地名称", "Land-use name"),
    ("YDMJ", "用地面积", "Site area"),
    ("用地面积", "用地面积", "Site area"),
    ("MJ", "面积", "Area"),
    ("RJL", "容积率", "Floor area ratio"),
    ("容积率", "容积率", "Floor area ratio"),
    ("JZMD", "建筑密度", "Building density"),
    ("建筑密度", "建筑密度", "Building density"),
    ("LDL", "绿地率", "Green ratio"),
    ("绿地率", "绿地率", "Green ratio"),
    ("JZXG", "建筑限高", "Height limit"),
    ("XG", "建筑限高", "Height limit"),
    ("限高", "建筑限高", "Height limit"),
    ("ZT", "状态", "Status"),
    ("状态", "状态", "Status"),
    ("所属园区", "所属园区", "Park"),
    ("企业名称", "企业名称", "Company"),
    ("名称", "名称", "Name"),
    ("类型", "类型", "Type"),
    ("规模", "规模", "Size"),
    ("服务半径_m", "服务半径", "Service radius"),
    ("landuse", "用地代码", "Land-use code"),
    ("far", "容积率", "Floor area ratio"),
    ("name", "名称", "Name"),
];

/// The name a field is shown under, in the interface language.
pub fn field_alias(field: &str, lang: Lang) -> String {
    let found = ALIASES
        .iter()
        .find(|(raw, _, _)| raw.eq_ignore_ascii_case(field));
    match (found, lang) {
        (Some((_, zh, _)), Lang::Zh) => zh.to_string(),
        (Some((_, _, en)), Lang::En) => en.to_string(),
        (None, _) => field.to_string(),
    }
}

/// A value with its unit, from the field's role or name: ratios in percent, heights
/// and radii in metres, areas in square metres; a facility's size with the unit
/// its 规模单位 field gives.
fn value_with_unit(layer: &Layer, fi: usize, f: usize) -> String {
    let value = layer.value(fi, f);
    let Some(text) = value.to_text() else {
        return "—".into();
    };
    let Some(x) = value.as_f64() else {
        return text;
    };
    let name = layer.fields.get(f).map(String::as_str).unwrap_or_default();
    let roles = &layer.roles;
    let is = |role: FieldRole| roles.get(role) == Some(f);
    if is(FieldRole::BuildingDensity) || is(FieldRole::GreenRatio) {
        // 35 and 0.35 both mean 35 %, as the statistics read them.
        let pct = if x <= 1.0 { x * 100.0 } else { x };
        return format!("{} %", trim(pct, 1));
    }
    if is(FieldRole::HeightLimit) || name.ends_with("_m") || name.contains("半径") {
        return format!("{} m", crate::app::panels::stats::thousands(x, 0));
    }
    if name.contains("面积") || name.eq_ignore_ascii_case("MJ") || name.eq_ignore_ascii_case("YDMJ")
    {
        return format!("{} m²", crate::app::panels::stats::thousands(x, 2));
    }
    if name == "规模"
        && let Some(unit) = layer
            .fields
            .iter()
            .position(|n| n == "规模单位")
            .and_then(|u| layer.value(fi, u).to_text())
    {
        return format!("{} {unit}", trim(x, 1));
    }
    text
}

/// A number with at most `decimals` decimals and no trailing zeros.
fn trim(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

impl ParcelApp {
    /// The 净空限高 line of a development parcel and whether its 限高 exceeds it;
    /// `None` for other land, or without a runway or a surface over the parcel.
    fn clearance_of(&mut self, layer: &Layer, fi: usize, lang: Lang) -> Option<(String, bool)> {
        let class_id = layer.class.get(fi).copied().flatten();
        if class_id.is_none() || !crate::stats::indicators::is_development_class(class_id) {
            return None;
        }
        // The surfaces the 净空 layer draws: one computation, kept by the
        // analysis layers, whether or not the layer is shown.
        let surfaces = self
            .analysis
            .surfaces(&self.layers, &self.project_base.airport)?;
        let g = layer.geometries.get(fi)?.as_ref()?;
        let limit = surfaces.lowest_over(g);
        let height = layer.role_f64(fi, FieldRole::HeightLimit);
        let p = crate::analysis::clearance::parcel_result(fi, layer.feature_id(fi), height, limit);
        let line =
            crate::analysis::clearance::card_line_at(&surfaces.runway, &p, lang == Lang::Zh)?;
        Some((line, p.conflict))
    }

    pub(crate) fn identify_ui(&mut self, ui: &mut egui::Ui) {
        let lang = self.settings.lang;
        ui.heading(self.tr("identify"));
        let Some((li, fi)) = self.selected else {
            ui.label(RichText::new(self.tr("nothing_selected")).weak());
            return;
        };
        let Some(layer) = self.layers.get(li).and_then(|l| l.data.clone().ok()) else {
            return;
        };
        let table = LanduseTable::global();
        let layer_name = self
            .layers
            .get(li)
            .map_or(String::new(), |l| l.spec.name.clone());
        ui.label(RichText::new(format!("{layer_name} · {}", layer.feature_id(fi))).strong());
        // Identifying another layer's feature leaves the tools on the active layer;
        // say so, so that the click not selecting it is no surprise.
        if self.active.is_some() && self.active != Some(li) {
            ui.label(RichText::new(self.tr("not_in_active")).weak());
        }
        let class = layer
            .class
            .get(fi)
            .copied()
            .flatten()
            .and_then(|c| table.class(c));
        if let Some(class) = class {
            ui.horizontal(|ui| {
                super::swatch_ui(ui, class.rgb);
                let name = match lang {
                    Lang::Zh => &class.name_zh,
                    Lang::En => &class.name_en,
                };
                ui.label(format!("{}: {} {name}", self.tr("class"), class.code));
            });
        }
        let area = layer.area_m2.get(fi).copied().unwrap_or(0.0);
        if area > 0.0 {
            ui.label(format!(
                "{}: {} m² = {:.4} 公顷 = {:.3} 亩",
                self.tr("area"),
                crate::app::panels::stats::thousands(area, 2),
                area / M2_PER_HA,
                area / M2_PER_MU
            ));
        }
        // The clearance limit (净空) over this parcel, from the project's runway:
        // worked out once per parcel shown, not every frame.
        let serial = self.layers.get(li).map_or(0, |l| l.serial);
        let key = (serial, fi, lang);
        if self.clearance_line.as_ref().is_none_or(|(k, _)| *k != key) {
            let line = self.clearance_of(&layer, fi, lang);
            self.clearance_line = Some((key, line));
        }
        if let Some((_, Some((line, conflict)))) = &self.clearance_line {
            let text = RichText::new(line);
            ui.label(if *conflict {
                text.color(egui::Color32::from_rgb(200, 40, 40)).strong()
            } else {
                text
            });
        }
        ui.horizontal(|ui| {
            if ui
                .button(tr(lang, "copy_attributes"))
                .on_hover_text(tr(lang, "copy_attributes_hint"))
                .clicked()
            {
                let text = attributes_text(&layer, fi, lang);
                ui.ctx().copy_text(text);
                self.push(Command::Notify(tr(lang, "copied").to_string()));
            }
            if ui.button(tr(lang, "zoom_to_feature")).clicked() {
                self.push(Command::ZoomToFeature(li, fi));
            }
            if class.is_some()
                && ui
                    .button(tr(lang, "card_for_feature"))
                    .on_hover_text(tr(lang, "card_for_feature_hint"))
                    .clicked()
            {
                self.push(Command::CardFor(li, fi));
            }
        });
        ui.separator();
        egui::ScrollArea::vertical()
            .id_salt("identify-scroll")
            .show(ui, |ui| {
                egui::Grid::new("attributes")
                    .striped(true)
                    .num_columns(2)
                    .show(ui, |ui| {
                        for (f, name) in layer.fields.iter().enumerate() {
                            if name == "规模单位" {
                                // Printed with the size it belongs to.
                                continue;
                            }
                            let alias = field_alias(name, lang);
                            let label = ui.label(RichText::new(&alias).strong());
                            if alias != *name {
                                label.on_hover_text(name);
                            }
                            ui.label(value_with_unit(&layer, fi, f));
                            ui.end_row();
                        }
                    });
            });
    }
}

/// A feature's attributes as lines of `name<TAB>value`, to paste into a table.
fn attributes_text(layer: &Layer, fi: usize, lang: Lang) -> String {
    let mut out = String::new();
    for (f, name) in layer.fields.iter().enumerate() {
        out.push_str(&field_alias(name, lang));
        out.push('\t');
        out.push_str(&layer.value(fi, f).to_text().unwrap_or_default());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_field_names_read_as_planners_call_them() {
        assert_eq!(field_alias("RJL", Lang::Zh), "容积率");
        assert_eq!(field_alias("rjl", Lang::En), "Floor area ratio");
        assert_eq!(field_alias("服务半径_m", Lang::Zh), "服务半径");
        assert_eq!(field_alias("备注", Lang::Zh), "备注");
    }

    #[test]
    fn numbers_lose_only_trailing_zeros() {
        assert_eq!(trim(32.0, 1), "32");
        assert_eq!(trim(37.5, 1), "37.5");
    }
}
