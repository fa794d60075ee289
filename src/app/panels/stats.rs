//! The statistics panel: the land-use balance table (用地平衡表) or a breakdown by
//! field, for the selection, the view, the whole layer or the project's whole plan
//! (all its plan layers, with the present state beside it), with the planning
//! indicators and a chart in the standard colours.

use std::sync::Arc;

use egui::{Color32, FontId, Pos2, RichText, Sense, Shape, Stroke, vec2};

use crate::app::{Lang, ParcelApp};
use crate::stats::{self, AreaMethod, BalanceTable, Grouping, MixedMode, StatsOptions, StatsTable};

/// Which features the table counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatsScope {
    #[default]
    Selection,
    View,
    Layer,
    /// Every layer of the project's plan (parcels, roads, water) over the planning
    /// area, with the present state beside it.
    Plan,
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
    mixed: MixedMode,
    view: Option<[i64; 4]>,
    layers: usize,
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
    /// How mixed-use parcels are counted.
    pub mixed: MixedMode,
    cache: Option<(StatsKey, Arc<StatsTable>, Arc<BalanceTable>)>,
    /// The view key of the previous frame: while the map moves, the view's table is
    /// recomputed only once it holds still (a whole-layer query each frame of a pan
    /// would cost as much as the frame).
    last_view: Option<[i64; 4]>,
    /// Whether the table shown is the last view's, waiting for the map to settle.
    stale: bool,
    /// Plane areas of one layer (by its source and length), computed on demand.
    plane_areas: Option<(String, usize, Arc<Vec<f64>>)>,
    /// The fields the active layer may be grouped by, for the layer data they were
    /// judged on (by address): judged once, not each frame.
    groupable: Option<(usize, Vec<usize>)>,
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
        self.tables_for(scope, group).map(|t| t.0)
    }

    /// The balance table as the panel prints it, for a scope and grouping.
    pub fn balance_for(
        &mut self,
        scope: StatsScope,
        group: StatsGroup,
    ) -> Option<Arc<BalanceTable>> {
        self.tables_for(scope, group).map(|t| t.1)
    }

    fn tables_for(
        &mut self,
        scope: StatsScope,
        group: StatsGroup,
    ) -> Option<(Arc<StatsTable>, Arc<BalanceTable>)> {
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
            mixed: self.stats.mixed,
            view,
            layers: self.layers.len(),
        };
        if let Some((k, t, b)) = &self.stats.cache
            && *k == key
        {
            return Some((t.clone(), b.clone()));
        }
        let moving = view.is_some() && std::mem::replace(&mut self.stats.last_view, view) != view;
        self.stats.stale = false;
        if moving
            && let Some((k, t, b)) = &self.stats.cache
            && k.scope == StatsScope::View
        {
            // Still moving: show the last view's table and look again next frame.
            self.stats.stale = true;
            return Some((t.clone(), b.clone()));
        }
        let layer = self.layers.get(li)?;
        let data = layer.data.as_ref().ok()?;
        let palette = if self.stats.gb50137 {
            crate::landuse::Palette::Gb50137
        } else {
            crate::landuse::Palette::Gtkj2023
        };
        let (grouping, level) = match group {
            StatsGroup::Field(k) => match data.fields.get(k) {
                Some(f) => (Grouping::Field(f.clone()), 1),
                None => (Grouping::Class(palette), 2),
            },
            StatsGroup::Class(level) => (Grouping::Class(palette), level),
        };
        let options = StatsOptions {
            mixed: self.stats.mixed,
            shares_field: None,
        };
        // A live table's statistics are the server's: the rows here are only
        // the view's, capped and simplified.
        if let Some(handle) = layer.live.clone()
            && scope != StatsScope::Plan
        {
            let view_rect = self.last_view.map(|v| v.lon_lat_rect());
            let server = {
                let mut live = crate::app::map::live::lock(&handle);
                match scope {
                    StatsScope::Selection => live.selection.as_ref().map(|s| s.stats.clone()),
                    StatsScope::View => {
                        let r = view_rect?;
                        live.want_view_stats(r);
                        live.view_stats
                            .as_ref()
                            .filter(|(v, _)| *v == r)
                            .map(|(_, s)| s.clone())
                    }
                    StatsScope::Layer | StatsScope::Plan => live.whole.clone(),
                }
            }?;
            // The server sums by land use only; a breakdown by another field
            // falls back to the classes.
            let grouping = match grouping {
                Grouping::Field(f) if server.layer.field_index(&f).is_none() => {
                    Grouping::Class(palette)
                }
                g => g,
            };
            let part = stats::Part {
                layer: &server.layer,
                features: Some(&server.features),
                areas_m2: &server.areas_m2,
            };
            let table =
                stats::stats_of(&[part], &grouping, level, AreaMethod::Ellipsoidal, &options);
            let balance = Arc::new(BalanceTable::new(&table, None, level, None));
            let table = Arc::new(table);
            self.stats.cache = Some((key, table.clone(), balance.clone()));
            return Some((table, balance));
        }
        if scope == StatsScope::Plan {
            let tables = self.plan_tables(&grouping, level, &options)?;
            self.stats.cache = Some((key, tables.0.clone(), tables.1.clone()));
            return Some(tables);
        }
        let features: Option<Vec<usize>> = match scope {
            StatsScope::Selection => Some(layer.selection.ids().to_vec()),
            StatsScope::View => Some(crate::selection::in_rect(
                data,
                self.last_view?.lon_lat_rect(),
            )),
            StatsScope::Layer | StatsScope::Plan => None,
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
        let part = stats::Part {
            layer: data,
            features: features.as_deref(),
            areas_m2: areas_ref,
        };
        let table = stats::stats_of(&[part], &grouping, level, method, &options);
        let balance = Arc::new(BalanceTable::new(&table, None, level, None));
        let table = Arc::new(table);
        self.stats.cache = Some((key, table.clone(), balance.clone()));
        Some((table, balance))
    }

    /// Whether layer `li` is one of the project's plan layers, by the same rule as
    /// the balance itself.
    pub fn is_plan_layer(&self, li: usize) -> bool {
        let Some(Ok(data)) = self.layers.get(li).map(|l| l.data.as_ref()) else {
            return false;
        };
        self.plan_layers()
            .plan
            .iter()
            .any(|l| std::ptr::eq(*l, data.as_ref()))
    }

    /// The layers of the project's balance among the open layers.
    fn plan_layers(&self) -> crate::project::BalanceLayers<'_> {
        let layers: Vec<(&str, &str, Option<&crate::model::Layer>)> = self
            .layers
            .iter()
            .map(|l| {
                (
                    l.spec.name.as_str(),
                    l.spec.style.kind.as_str(),
                    l.data.as_ref().ok().map(|d| d.as_ref()),
                )
            })
            .collect();
        crate::project::balance_layers(&self.project_base.balance, &layers)
    }

    /// The project's whole-plan tables: the plan's statistics and the printed
    /// balance with the present state beside it.
    fn plan_tables(
        &self,
        grouping: &Grouping,
        level: u8,
        options: &StatsOptions,
    ) -> Option<(Arc<StatsTable>, Arc<BalanceTable>)> {
        let sets = self.plan_layers();
        let method = match sets.plan.first() {
            Some(first) if self.stats.gauss_kruger => AreaMethod::gauss_kruger_for(first, None),
            _ => AreaMethod::Ellipsoidal,
        };
        let b = crate::project::project_balance(&sets, grouping, level, method, options, &|_| None)
            .ok()?;
        Some((Arc::new(b.plan), Arc::new(b.table)))
    }

    pub(crate) fn stats_ui(&mut self, ui: &mut egui::Ui) {
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
        // Only category fields are offered: a breakdown by an id or an area would
        // be a row a feature.
        let data_key = layer.data.as_ref().map_or(0, |d| Arc::as_ptr(d) as usize);
        let groupable: Vec<usize> = match &self.stats.groupable {
            Some((key, fields)) if *key == data_key => fields.clone(),
            _ => {
                let fields = layer
                    .data
                    .as_ref()
                    .map(|d| stats::groupable_fields(d))
                    .unwrap_or_default();
                self.stats.groupable = Some((data_key, fields.clone()));
                fields
            }
        };
        // The whole plan spans several layers: the heading names the scope, not
        // the active layer alone.
        let heading = if self.stats.scope == StatsScope::Plan {
            self.tr("scope_plan").to_string()
        } else {
            format!("{} · {}", self.tr("active_layer"), layer.spec.name)
        };
        ui.label(RichText::new(heading).strong());
        ui.horizontal(|ui| {
            for (scope, key) in [
                (StatsScope::Selection, "scope_selection"),
                (StatsScope::View, "scope_view"),
                (StatsScope::Layer, "scope_layer"),
                (StatsScope::Plan, "scope_plan"),
            ] {
                ui.radio_value(&mut self.stats.scope, scope, crate::app::tr(lang, key));
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
                        if groupable.contains(&k) {
                            ui.selectable_value(&mut self.stats.group, StatsGroup::Field(k), f);
                        }
                    }
                });
            ui.checkbox(
                &mut self.stats.gauss_kruger,
                crate::app::tr(lang, "plane_area"),
            );
        });
        if has_landuse && matches!(self.stats.group, StatsGroup::Class(_)) {
            ui.horizontal(|ui| {
                ui.checkbox(
                    &mut self.stats.gb50137,
                    crate::app::tr(lang, "palette_gb50137"),
                );
                let name = |m: MixedMode| {
                    crate::app::tr(
                        lang,
                        match m {
                            MixedMode::Dominant => "mixed_dominant",
                            MixedMode::Separate => "mixed_separate",
                            MixedMode::Split => "mixed_split",
                        },
                    )
                };
                egui::ComboBox::from_id_salt("stats_mixed")
                    .selected_text(name(self.stats.mixed))
                    .show_ui(ui, |ui| {
                        for m in [MixedMode::Dominant, MixedMode::Separate, MixedMode::Split] {
                            ui.selectable_value(&mut self.stats.mixed, m, name(m));
                        }
                    });
            });
        }
        if !has_landuse && matches!(self.stats.group, StatsGroup::Class(_)) {
            ui.label(RichText::new(self.tr("no_landuse_field")).weak());
            return;
        }
        let live = self.layers.get(li).is_some_and(|l| l.live.is_some())
            && self.stats.scope != StatsScope::Plan;
        let Some((table, balance)) = self.tables_for(self.stats.scope, self.stats.group) else {
            // A live table's numbers are on their way from the server (or the
            // selection is empty).
            if live {
                let empty = self.stats.scope == StatsScope::Selection
                    && self.layers.get(li).is_some_and(|l| l.selection.is_empty());
                let key = if empty { "empty_scope" } else { "live_waiting" };
                ui.label(RichText::new(self.tr(key)).weak());
            }
            return;
        };
        if live {
            ui.label(RichText::new(self.tr("live_server_stats")).small().weak());
        }
        if self.stats.stale {
            ui.ctx().request_repaint();
        }
        if table.features == 0 {
            ui.label(RichText::new(self.tr("empty_scope")).weak());
            return;
        }
        ui.horizontal(|ui| {
            if ui.button(self.tr("copy_table")).clicked() {
                let text = if matches!(self.stats.group, StatsGroup::Class(_)) {
                    balance.to_tsv(lang == Lang::Zh)
                } else {
                    table.to_tsv(lang == Lang::Zh)
                };
                ui.ctx().copy_text(text);
            }
            ui.checkbox(&mut self.stats.pie, crate::app::tr(lang, "pie_chart"));
        });
        // Both ways: a wide table (GB 50137, 现状 and 规划) scrolls inside the panel
        // instead of widening it and squeezing the map.
        egui::ScrollArea::both()
            .id_salt("stats_scroll")
            .show(ui, |ui| {
                if matches!(self.stats.group, StatsGroup::Class(_)) {
                    balance_table_ui(ui, &balance, lang);
                } else {
                    let field = match self.stats.group {
                        StatsGroup::Field(k) => fields.get(k).cloned().unwrap_or_default(),
                        StatsGroup::Class(_) => String::new(),
                    };
                    field_table_ui(ui, &table, &field, lang);
                    let method = match lang {
                        Lang::Zh => table.method.describe_zh(),
                        Lang::En => table.method.describe_en(),
                    };
                    ui.label(RichText::new(method).small().weak());
                }
                ui.separator();
                indicators_ui(ui, &table.indicators, lang);
                ui.separator();
                if self.stats.pie {
                    pie_ui(ui, &table, lang);
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

/// The balance table as plan texts print it: title and unit line, level-1 rows in
/// bold with finer levels indented beneath, 现状/规划 side by side when the scope
/// has a present state, the total, and the notes.
fn balance_table_ui(ui: &mut egui::Ui, b: &BalanceTable, lang: Lang) {
    let zh = lang == Lang::Zh;
    ui.label(RichText::new(if zh { &b.title } else { &b.title_en }).strong());
    ui.label(RichText::new(if zh { &b.unit } else { &b.unit_en }).weak());
    let heads = b.headings(zh);
    egui::Grid::new("balance_table")
        .striped(true)
        .num_columns(heads.len())
        .min_col_width(24.0)
        .show(ui, |ui| {
            for h in &heads {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            for r in b.all_rows() {
                let strong = r.level == 1 || r.kind == stats::RowKind::Subtotal;
                let text = |t: &str| {
                    let t = RichText::new(t);
                    if strong { t.strong() } else { t }
                };
                let cells = b.cells(r);
                let indent = 12.0 * f32::from(r.level.saturating_sub(1));
                ui.horizontal(|ui| {
                    ui.add_space(indent);
                    if let Some(rgb) = r.rgb {
                        crate::app::panels::swatch_ui(ui, rgb);
                    }
                    let key = cells.first().map(String::as_str).unwrap_or("");
                    ui.label(text(if key.is_empty() && std::ptr::eq(r, &b.total) {
                        if zh { "合计" } else { "Total" }
                    } else {
                        key
                    }));
                });
                let is_total = std::ptr::eq(r, &b.total);
                ui.horizontal(|ui| {
                    ui.add_space(indent);
                    // The total's name stands in the code column already.
                    if !is_total {
                        ui.label(text(if zh { &r.name } else { &r.name_en }));
                    }
                });
                // Figures right-aligned, so magnitudes compare down a column.
                for c in cells.iter().skip(2) {
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        ui.label(text(c));
                    });
                }
                ui.end_row();
            }
        });
    for n in if zh { &b.notes } else { &b.notes_en } {
        ui.label(RichText::new(format!("{}{n}", if zh { "注：" } else { "Note: " })).weak());
    }
}

/// A breakdown by the values of a field: each value with the swatch its bar or
/// slice has, its count, area and share, then the total.
fn field_table_ui(ui: &mut egui::Ui, table: &StatsTable, field: &str, lang: Lang) {
    let zh = lang == Lang::Zh;
    let heads = if zh {
        [field, "数量", "面积（公顷）", "面积（亩）", "比例（%）"]
    } else {
        [field, "Count", "Area (ha)", "Area (mu)", "Share (%)"]
    };
    egui::Grid::new("field_table")
        .striped(true)
        .num_columns(5)
        .min_col_width(30.0)
        .show(ui, |ui| {
            for h in heads {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            for (k, r) in table.groups.iter().enumerate() {
                ui.horizontal(|ui| {
                    let c = row_color(r, k);
                    crate::app::panels::swatch_ui(ui, [c.r(), c.g(), c.b()]);
                    let name = row_name(r, lang);
                    let label = match (r.key.is_empty(), name.is_empty()) {
                        (true, _) => "（空）".to_string(),
                        (false, true) => r.key.clone(),
                        (false, false) if name == r.key => name,
                        (false, false) => format!("{} {name}", r.key),
                    };
                    ui.label(label);
                });
                ui.label(thousands(r.count as f64, 0));
                ui.label(thousands(r.area_ha_rounded, 2));
                ui.label(thousands(r.area_mu_rounded, 2));
                ui.label(format!("{:.2}", r.share_pct_rounded));
                ui.end_row();
            }
            ui.label(RichText::new(if zh { "合计" } else { "Total" }).strong());
            ui.label(RichText::new(thousands(table.features as f64, 0)).strong());
            ui.label(RichText::new(thousands(table.total_area_ha_rounded, 2)).strong());
            ui.label(RichText::new(thousands(table.total_area_mu_rounded, 2)).strong());
            ui.label(RichText::new("100.00").strong());
            ui.end_row();
        });
}

/// A figure with its thousands separated by commas, as tables print large areas
/// (12,345.67).
pub(crate) fn thousands(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, frac) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let digits: Vec<char> = whole.chars().collect();
    let mut out = String::new();
    if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.push('-');
    }
    for (k, c) in digits.iter().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(*c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// The indicators, each with how it is obtained (口径) on hover and in small type.
fn indicators_ui(ui: &mut egui::Ui, ind: &stats::Indicators, lang: Lang) {
    egui::Grid::new("indicators").num_columns(3).show(ui, |ui| {
        for row in stats::indicator_rows(ind, lang == Lang::Zh) {
            ui.label(row.label).on_hover_text(&row.basis);
            let value = format!("{} {}", thousands(row.value, row.decimals), row.unit);
            ui.label(RichText::new(value.trim_end()).strong());
            ui.label(RichText::new(&row.basis).weak());
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

/// Horizontal bars of each row's share, in the rows' colours, largest first. The
/// label column is as wide as the longest label (up to 45 % of the panel); a longer
/// label is shortened with "…" and shown whole on hover, so no label runs into its
/// bar.
fn bars_ui(ui: &mut egui::Ui, table: &StatsTable, lang: Lang) {
    let mut rows: Vec<(usize, &stats::GroupRow)> = table.groups.iter().enumerate().collect();
    rows.sort_by(|a, b| b.1.area_m2.total_cmp(&a.1.area_m2));
    let row_h = 20.0;
    // Inside the panel's two-way scroll area the room is as wide as the widest
    // row of the tables above; the chart keeps to the part of it on screen.
    let on_screen = ui.clip_rect().right() - ui.cursor().left();
    let width = ui.available_width().min(on_screen).max(200.0);
    let (rect, response) =
        ui.allocate_exact_size(vec2(width, row_h * rows.len() as f32), Sense::hover());
    let painter = ui.painter_at(rect);
    let font = FontId::proportional(12.0);
    let text = ui.visuals().text_color();
    let labels: Vec<String> = rows
        .iter()
        .map(|(_, r)| {
            if r.key.is_empty() {
                row_name(r, lang)
            } else {
                format!("{} {}", r.key, row_name(r, lang))
            }
        })
        .collect();
    let text_w = |t: &str| {
        painter
            .layout_no_wrap(t.to_string(), font.clone(), text)
            .size()
            .x
    };
    let widest = labels.iter().map(|l| text_w(l)).fold(0.0, f32::max);
    let label_w = (widest + 8.0).min(width * 0.45);
    let value_w = text_w("100.0%") + 8.0;
    let max = rows.first().map_or(1.0, |r| r.1.share_pct.max(1e-9));
    for (n, ((k, r), label)) in rows.iter().zip(&labels).enumerate() {
        let y = rect.top() + n as f32 * row_h;
        let mut shown = label.clone();
        while text_w(&shown) > label_w - 8.0 && shown.chars().count() > 1 {
            shown.pop();
            shown.pop();
            shown.push('…');
        }
        painter.text(
            Pos2::new(rect.left(), y + row_h / 2.0),
            egui::Align2::LEFT_CENTER,
            shown,
            font.clone(),
            text,
        );
        let bar_w =
            ((rect.width() - label_w - value_w).max(20.0) * (r.share_pct / max) as f32).max(1.0);
        let bar = egui::Rect::from_min_size(
            Pos2::new(rect.left() + label_w, y + 3.0),
            vec2(bar_w, row_h - 6.0),
        );
        painter.rect_filled(bar, 2.0, row_color(r, *k));
        painter.text(
            Pos2::new(bar.right() + 4.0, y + row_h / 2.0),
            egui::Align2::LEFT_CENTER,
            format!("{:.1}%", r.share_pct),
            font.clone(),
            text,
        );
    }
    if let Some(pos) = response.hover_pos() {
        let n = ((pos.y - rect.top()) / row_h).floor();
        if let Some(label) = labels.get(n as usize).filter(|_| n >= 0.0) {
            response.on_hover_text(label.as_str());
        }
    }
}

/// A pie of the rows' shares. egui fills convex shapes only, so each slice is a fan
/// of thin triangles.
fn pie_ui(ui: &mut egui::Ui, table: &StatsTable, lang: Lang) {
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
    // The legend: each slice's colour, name and share, as the bars would label them.
    egui::Grid::new("pie_legend").num_columns(2).show(ui, |ui| {
        for (k, r) in table.groups.iter().enumerate() {
            if r.share_pct <= 0.0 {
                continue;
            }
            let c = row_color(r, k);
            ui.horizontal(|ui| {
                crate::app::panels::swatch_ui(ui, [c.r(), c.g(), c.b()]);
                let name = row_name(r, lang);
                ui.label(if r.key.is_empty() || name == r.key {
                    name
                } else {
                    format!("{} {name}", r.key)
                });
            });
            ui.label(format!("{:.1}%", r.share_pct));
            ui.end_row();
        }
    });
}
