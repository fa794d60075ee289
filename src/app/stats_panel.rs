//! The statistics panel: the land-use balance table (用地平衡表) or a breakdown by
//! field, for the selection, the view or the whole layer, with the planning
//! indicators and a chart in the standard colours.

use std::sync::Arc;

use egui::{Color32, FontId, Pos2, RichText, Sense, Shape, Stroke, vec2};

use super::{Lang, ParcelApp};
use crate::stats::{self, AreaMethod, GroupBy, StatsTable};

/// Which features the table counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatsScope {
    #[default]
    Selection,
    View,
    Layer,
}

/// How the table groups features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsGroup {
    /// Land-use class at level 1, 2 or 3 of the codes' standard.
    Class(u8),
    /// The values of a field (by index in the active layer).
    Field(usize),
}

impl Default for StatsGroup {
    fn default() -> StatsGroup {
        StatsGroup::Class(2)
    }
}

/// What the cached table was computed from.
#[derive(Debug, Clone, PartialEq)]
struct StatsKey {
    layer: usize,
    selection_version: u64,
    scope: StatsScope,
    group: StatsGroup,
    gauss_kruger: bool,
    gb50137: bool,
    view: Option<[i64; 4]>,
}

#[derive(Default)]
pub struct StatsState {
    pub scope: StatsScope,
    pub group: StatsGroup,
    /// Gauss-Krüger plane areas instead of ellipsoidal ones.
    pub gauss_kruger: bool,
    /// Classes shown as their GB 50137 counterparts.
    pub gb50137: bool,
    pub pie: bool,
    cache: Option<(StatsKey, Arc<StatsTable>)>,
    /// The view key of the previous frame: while the map moves, the view's table is
    /// recomputed only once it holds still (a whole-layer query each frame of a pan
    /// would cost as much as the frame).
    last_view: Option<[i64; 4]>,
    /// Whether the table shown is the last view's, waiting for the map to settle.
    stale: bool,
    /// Plane areas of one layer (by its source and length), computed on demand.
    plane_areas: Option<(String, usize, Arc<Vec<f64>>)>,
}

impl ParcelApp {
    /// The statistics of the active layer as the panel's settings ask, computed when
    /// the selection, scope, grouping, method or (for the view scope) the view
    /// changes, and cached between frames.
    pub fn current_stats(&mut self) -> Option<Arc<StatsTable>> {
        self.stats_for(self.stats.scope, self.stats.group)
    }

    /// The active layer's statistics over a scope and grouping, with the panel's
    /// area method and standard, cached until any of them or the selection changes.
    pub fn stats_for(&mut self, scope: StatsScope, group: StatsGroup) -> Option<Arc<StatsTable>> {
        let li = self.active?;
        let view = match scope {
            StatsScope::View => {
                let r = self.last_view?.lon_lat_rect();
                // The key holds the view to about a metre, so a still map reuses it.
                let q = |v: f64| (v * 1e5).round() as i64;
                Some([q(r.min().x), q(r.min().y), q(r.max().x), q(r.max().y)])
            }
            _ => None,
        };
        let key = StatsKey {
            layer: li,
            selection_version: self.selection_version,
            scope,
            group,
            gauss_kruger: self.stats.gauss_kruger,
            gb50137: self.stats.gb50137,
            view,
        };
        if let Some((k, t)) = &self.stats.cache
            && *k == key
        {
            return Some(t.clone());
        }
        let moving = view.is_some() && std::mem::replace(&mut self.stats.last_view, view) != view;
        self.stats.stale = false;
        if moving
            && let Some((k, t)) = &self.stats.cache
            && k.scope == StatsScope::View
        {
            // Still moving: show the last view's table and look again next frame.
            self.stats.stale = true;
            return Some(t.clone());
        }
        let layer = self.layers.get(li)?;
        let data = layer.data.as_ref().ok()?;
        let features: Option<Vec<usize>> = match scope {
            StatsScope::Selection => Some(layer.selection.ids().to_vec()),
            StatsScope::View => Some(crate::selection::in_rect(
                data,
                self.last_view?.lon_lat_rect(),
            )),
            StatsScope::Layer => None,
        };
        let by = match group {
            StatsGroup::Class(level) if self.stats.gb50137 => GroupBy::ClassGb50137(level),
            StatsGroup::Class(level) => GroupBy::Class(level),
            StatsGroup::Field(k) if k < data.fields.len() => GroupBy::Field(k),
            StatsGroup::Field(_) => GroupBy::Class(2),
        };
        let (method, areas): (AreaMethod, Arc<Vec<f64>>) = if self.stats.gauss_kruger {
            let method = AreaMethod::gauss_kruger_for(data, None);
            let fresh = match &self.stats.plane_areas {
                Some((src, n, a)) if *src == data.source && *n == data.len() => a.clone(),
                _ => {
                    let a = Arc::new(
                        stats::feature_areas(data, method)
                            .map(|c| c.into_owned())
                            .unwrap_or_else(|_| data.area_m2.clone()),
                    );
                    self.stats.plane_areas = Some((data.source.clone(), data.len(), a.clone()));
                    a
                }
            };
            (method, fresh)
        } else {
            (AreaMethod::Ellipsoidal, Arc::new(Vec::new()))
        };
        let areas_ref: &[f64] = if self.stats.gauss_kruger {
            &areas
        } else {
            &data.area_m2
        };
        let table = Arc::new(stats::group_stats(
            data,
            features.as_deref(),
            by,
            method,
            areas_ref,
        ));
        self.stats.cache = Some((key, table.clone()));
        Some(table)
    }

    pub(super) fn stats_ui(&mut self, ui: &mut egui::Ui) {
        let lang = self.settings.lang;
        let Some(li) = self.active else {
            ui.label(self.tr("no_active_layer"));
            return;
        };
        let Some(layer) = self.layers.get(li) else {
            return;
        };
        let fields: Vec<String> = layer
            .data
            .as_ref()
            .map(|d| d.fields.clone())
            .unwrap_or_default();
        let has_landuse = layer.data.as_ref().is_ok_and(|d| d.roles.landuse.is_some());
        ui.label(
            RichText::new(format!("{} · {}", self.tr("active_layer"), layer.spec.name)).strong(),
        );
        ui.horizontal(|ui| {
            for (scope, key) in [
                (StatsScope::Selection, "scope_selection"),
                (StatsScope::View, "scope_view"),
                (StatsScope::Layer, "scope_layer"),
            ] {
                ui.radio_value(&mut self.stats.scope, scope, super::tr(lang, key));
            }
        });
        ui.horizontal(|ui| {
            let current = match self.stats.group {
                StatsGroup::Class(l) => format!("{} {}", self.tr("by_class"), level_name(l, lang)),
                StatsGroup::Field(k) => fields.get(k).cloned().unwrap_or_default(),
            };
            egui::ComboBox::from_id_salt("stats_group")
                .selected_text(current)
                .show_ui(ui, |ui| {
                    if has_landuse {
                        for l in 1..=3 {
                            let label = format!("{} {}", self.tr("by_class"), level_name(l, lang));
                            ui.selectable_value(&mut self.stats.group, StatsGroup::Class(l), label);
                        }
                        ui.separator();
                    }
                    for (k, f) in fields.iter().enumerate() {
                        ui.selectable_value(&mut self.stats.group, StatsGroup::Field(k), f);
                    }
                });
            ui.checkbox(&mut self.stats.gauss_kruger, super::tr(lang, "plane_area"));
        });
        if has_landuse && matches!(self.stats.group, StatsGroup::Class(_)) {
            ui.checkbox(&mut self.stats.gb50137, super::tr(lang, "palette_gb50137"));
        }
        if !has_landuse && matches!(self.stats.group, StatsGroup::Class(_)) {
            ui.label(RichText::new(self.tr("no_landuse_field")).weak());
            return;
        }
        let Some(table) = self.current_stats() else {
            return;
        };
        if self.stats.stale {
            ui.ctx().request_repaint();
        }
        if table.features == 0 {
            ui.label(RichText::new(self.tr("empty_scope")).weak());
            return;
        }
        ui.horizontal(|ui| {
            if ui.button(self.tr("copy_table")).clicked() {
                ui.ctx().copy_text(table.to_tsv(lang == Lang::Zh));
            }
            ui.checkbox(&mut self.stats.pie, super::tr(lang, "pie_chart"));
        });
        egui::ScrollArea::vertical()
            .id_salt("stats_scroll")
            .show(ui, |ui| {
                balance_table_ui(ui, &table, lang);
                let method = match lang {
                    Lang::Zh => table.method.describe_zh(),
                    Lang::En => table.method.describe_en(),
                };
                ui.label(RichText::new(method).small().weak());
                ui.separator();
                indicators_ui(ui, &table, lang);
                ui.separator();
                if self.stats.pie {
                    pie_ui(ui, &table);
                } else {
                    bars_ui(ui, &table, lang);
                }
            });
    }
}

fn level_name(level: u8, lang: Lang) -> &'static str {
    match (level, lang) {
        (1, Lang::Zh) => "一级类",
        (2, Lang::Zh) => "二级类",
        (_, Lang::Zh) => "三级类",
        (1, Lang::En) => "level 1",
        (2, Lang::En) => "level 2",
        (_, Lang::En) => "level 3",
    }
}

fn row_name(r: &stats::GroupRow, lang: Lang) -> String {
    match lang {
        Lang::Zh => r.name.clone(),
        Lang::En => r.name_en.clone().or_else(|| r.name.clone()),
    }
    .unwrap_or_default()
}

fn balance_table_ui(ui: &mut egui::Ui, table: &StatsTable, lang: Lang) {
    let heads = stats::balance_headings(lang == Lang::Zh);
    egui::Grid::new("balance_table")
        .striped(true)
        .num_columns(6)
        .min_col_width(30.0)
        .show(ui, |ui| {
            for h in heads {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            for r in &table.groups {
                ui.horizontal(|ui| {
                    if let Some(rgb) = r.rgb {
                        super::panels::swatch_ui(ui, rgb);
                    }
                    ui.label(if r.key.is_empty() { "—" } else { &r.key });
                });
                ui.label(row_name(r, lang));
                ui.label(r.count.to_string());
                ui.label(format!("{:.2}", r.area_ha_rounded));
                ui.label(format!("{:.2}", r.area_mu_rounded));
                ui.label(format!("{:.2}", r.share_pct_rounded));
                ui.end_row();
            }
            let total = match lang {
                Lang::Zh => "合计",
                Lang::En => "Total",
            };
            ui.label(RichText::new(total).strong());
            ui.label("");
            ui.label(RichText::new(table.features.to_string()).strong());
            ui.label(RichText::new(format!("{:.2}", table.total_area_ha_rounded)).strong());
            ui.label(RichText::new(format!("{:.2}", table.total_area_mu_rounded)).strong());
            ui.label(RichText::new("100.00").strong());
            ui.end_row();
        });
}

fn indicators_ui(ui: &mut egui::Ui, table: &StatsTable, lang: Lang) {
    egui::Grid::new("indicators").num_columns(2).show(ui, |ui| {
        for row in stats::indicator_rows(table, lang == Lang::Zh) {
            ui.label(row.label);
            let value = format!("{:.*} {}", row.decimals, row.value, row.unit);
            ui.label(RichText::new(value.trim_end()).strong());
            ui.end_row();
        }
    });
}

fn row_color(r: &stats::GroupRow, k: usize) -> Color32 {
    match r.rgb {
        Some([red, g, b]) => Color32::from_rgb(red, g, b),
        // Field categories without a standard colour take evenly spaced hues.
        None => {
            let hue = (k as f32 * 0.618_034) % 1.0;
            egui::ecolor::Hsva::new(hue, 0.55, 0.85, 1.0).into()
        }
    }
}

/// Horizontal bars of each row's share, in the rows' colours, largest first.
fn bars_ui(ui: &mut egui::Ui, table: &StatsTable, lang: Lang) {
    let mut rows: Vec<(usize, &stats::GroupRow)> = table.groups.iter().enumerate().collect();
    rows.sort_by(|a, b| b.1.area_m2.total_cmp(&a.1.area_m2));
    let row_h = 20.0;
    let width = ui.available_width().max(200.0);
    let (rect, _) = ui.allocate_exact_size(vec2(width, row_h * rows.len() as f32), Sense::hover());
    let painter = ui.painter_at(rect);
    let label_w = 120.0;
    let max = rows.first().map_or(1.0, |r| r.1.share_pct.max(1e-9));
    let text = ui.visuals().text_color();
    for (n, (k, r)) in rows.iter().enumerate() {
        let y = rect.top() + n as f32 * row_h;
        let label = if r.key.is_empty() {
            row_name(r, lang)
        } else {
            format!("{} {}", r.key, row_name(r, lang))
        };
        painter.text(
            Pos2::new(rect.left(), y + row_h / 2.0),
            egui::Align2::LEFT_CENTER,
            label,
            FontId::proportional(12.0),
            text,
        );
        let bar_w =
            ((rect.width() - label_w - 60.0).max(20.0) * (r.share_pct / max) as f32).max(1.0);
        let bar = egui::Rect::from_min_size(
            Pos2::new(rect.left() + label_w, y + 3.0),
            vec2(bar_w, row_h - 6.0),
        );
        painter.rect_filled(bar, 2.0, row_color(r, *k));
        painter.text(
            Pos2::new(bar.right() + 4.0, y + row_h / 2.0),
            egui::Align2::LEFT_CENTER,
            format!("{:.1}%", r.share_pct),
            FontId::proportional(12.0),
            text,
        );
    }
}

/// A pie of the rows' shares. egui fills convex shapes only, so each slice is a fan
/// of thin triangles.
fn pie_ui(ui: &mut egui::Ui, table: &StatsTable) {
    let size = ui.available_width().clamp(160.0, 320.0);
    let (rect, _) = ui.allocate_exact_size(vec2(size, size), Sense::hover());
    let painter = ui.painter_at(rect);
    let c = rect.center();
    let radius = size / 2.0 - 4.0;
    let mut start = -std::f32::consts::FRAC_PI_2;
    for (k, r) in table.groups.iter().enumerate() {
        let sweep = (r.share_pct / 100.0) as f32 * std::f32::consts::TAU;
        if sweep <= 0.0 {
            continue;
        }
        let steps = ((sweep / 0.05).ceil() as usize).max(1);
        let color = row_color(r, k);
        let mut mesh = egui::Mesh::default();
        mesh.colored_vertex(c, color);
        for s in 0..=steps {
            let a = start + sweep * s as f32 / steps as f32;
            mesh.colored_vertex(c + radius * vec2(a.cos(), a.sin()), color);
        }
        for s in 0..steps as u32 {
            mesh.add_triangle(0, s + 1, s + 2);
        }
        painter.add(Shape::mesh(mesh));
        painter.line_segment(
            [c, c + radius * vec2(start.cos(), start.sin())],
            Stroke::new(1.0, Color32::WHITE),
        );
        start += sweep;
    }
}
