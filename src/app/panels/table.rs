//! The attribute table of the active layer: virtual scrolling (only the rows on
//! screen are laid out, so a million rows scroll like ten), sorting by any column,
//! all or only selected rows, computed area and land-use columns, and copying rows
//! as tab-separated text.

use std::cmp::Ordering;

use egui::RichText;
use egui_extras::{Column, TableBuilder};
use rayon::prelude::*;

use crate::app::{Command, Lang, ParcelApp};
use crate::landuse::LanduseTable;
use crate::model::{AttrValue, Layer};
use crate::selection::SelectOp;
use crate::stats::{M2_PER_HA, M2_PER_MU};

/// A column of the table: a field of the layer or a computed value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableColumn {
    Field(usize),
    AreaHa,
    AreaMu,
    ClassName,
}

#[derive(Debug, Default)]
pub struct TableState {
    pub only_selected: bool,
    /// The sort column and whether it ascends.
    pub sort: Option<(TableColumn, bool)>,
    /// Rows in display order, and what they were computed from.
    order: Vec<usize>,
    order_key: Option<OrderKey>,
}

/// What a row order was computed from: layer, selection version, selected only,
/// sort, layer length.
type OrderKey = (usize, u64, bool, Option<(TableColumn, bool)>, usize);

/// The columns shown: the fields in file order, then the computed ones.
pub fn columns(layer: &Layer) -> Vec<TableColumn> {
    let mut cols: Vec<TableColumn> = (0..layer.fields.len()).map(TableColumn::Field).collect();
    cols.push(TableColumn::AreaHa);
    cols.push(TableColumn::AreaMu);
    if layer.roles.landuse.is_some() {
        cols.push(TableColumn::ClassName);
    }
    cols
}

fn header(layer: &Layer, c: TableColumn, lang: Lang) -> String {
    match (c, lang) {
        (TableColumn::Field(k), _) => layer.fields.get(k).cloned().unwrap_or_default(),
        (TableColumn::AreaHa, Lang::Zh) => "面积（公顷）".into(),
        (TableColumn::AreaMu, Lang::Zh) => "面积（亩）".into(),
        (TableColumn::ClassName, Lang::Zh) => "用地类别".into(),
        (TableColumn::AreaHa, Lang::En) => "Area (ha)".into(),
        (TableColumn::AreaMu, Lang::En) => "Area (mu)".into(),
        (TableColumn::ClassName, Lang::En) => "Land use".into(),
    }
}

/// The text of a cell.
pub fn cell_text(layer: &Layer, row: usize, c: TableColumn, lang: Lang) -> String {
    match c {
        TableColumn::Field(k) => layer.value(row, k).to_text().unwrap_or_default(),
        TableColumn::AreaHa => format!(
            "{:.4}",
            layer.area_m2.get(row).copied().unwrap_or(0.0) / M2_PER_HA
        ),
        TableColumn::AreaMu => format!(
            "{:.2}",
            layer.area_m2.get(row).copied().unwrap_or(0.0) / M2_PER_MU
        ),
        TableColumn::ClassName => layer
            .class
            .get(row)
            .copied()
            .flatten()
            .and_then(|c| LanduseTable::global().class(c))
            .map(|c| match lang {
                Lang::Zh => c.name_zh.clone(),
                Lang::En => c.name_en.clone(),
            })
            .unwrap_or_default(),
    }
}

/// Orders two attribute values: numbers numerically before texts, texts as text,
/// nulls last.
fn compare_values(a: &AttrValue, b: &AttrValue) -> Ordering {
    match (a.is_null(), b.is_null()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    match (a, b) {
        (AttrValue::Text(x), AttrValue::Text(y)) => x.cmp(y),
        _ => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => a.to_text().cmp(&b.to_text()),
        },
    }
}

/// The rows to show in order (stable: ties keep feature order).
pub fn row_order(
    layer: &Layer,
    selected: Option<&[usize]>,
    sort: Option<(TableColumn, bool)>,
) -> Vec<usize> {
    let mut rows: Vec<usize> = match selected {
        Some(s) => s.to_vec(),
        None => (0..layer.len()).collect(),
    };
    let Some((col, ascending)) = sort else {
        return rows;
    };
    let table = LanduseTable::global();
    let cmp = |a: &usize, b: &usize| {
        let o = match col {
            TableColumn::Field(k) => compare_values(layer.value(*a, k), layer.value(*b, k)),
            TableColumn::AreaHa | TableColumn::AreaMu => {
                let area = |i: &usize| layer.area_m2.get(*i).copied().unwrap_or(0.0);
                area(a).total_cmp(&area(b))
            }
            TableColumn::ClassName => {
                let code = |i: &usize| {
                    layer
                        .class
                        .get(*i)
                        .copied()
                        .flatten()
                        .and_then(|c| table.class(c))
                        .map(|c| c.code.as_str())
                };
                code(a).cmp(&code(b))
            }
        };
        let o = if ascending { o } else { o.reverse() };
        o.then(a.cmp(b))
    };
    rows.par_sort_by(cmp);
    rows
}

impl ParcelApp {
    pub(crate) fn table_ui(&mut self, ui: &mut egui::Ui) {
        let lang = self.settings.lang;
        let Some(li) = self.active else {
            ui.label(crate::app::tr(lang, "no_active_layer"));
            return;
        };
        let version = self.selection_version;
        // The layers are read and the table's own state written while drawing.
        let (layers, state) = (&self.layers, &mut self.table);
        let Some(layer) = layers.get(li) else {
            return;
        };
        let Ok(data) = &layer.data else {
            return;
        };
        let key = (li, version, state.only_selected, state.sort, data.len());
        if state.order_key != Some(key) {
            let selected = state.only_selected.then(|| layer.selection.ids());
            state.order = row_order(data, selected, state.sort);
            state.order_key = Some(key);
        }
        let cols = columns(data);
        let mut commands = Vec::new();
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(format!(
                    "{} · {}",
                    crate::app::tr(lang, "attribute_table"),
                    layer.spec.name
                ))
                .strong(),
            );
            ui.label(format!(
                "{} {} / {} {}",
                layer.selection.len(),
                crate::app::tr(lang, "selected"),
                data.len(),
                crate::app::tr(lang, "features")
            ));
            ui.checkbox(
                &mut state.only_selected,
                crate::app::tr(lang, "only_selected"),
            );
            if ui.button(crate::app::tr(lang, "copy_rows")).clicked() {
                let rows: Vec<usize> = if layer.selection.is_empty() {
                    state.order.clone()
                } else {
                    state
                        .order
                        .iter()
                        .copied()
                        .filter(|&i| layer.selection.contains(i))
                        .collect()
                };
                ui.ctx().copy_text(rows_tsv(data, &rows, &cols, lang));
            }
        });
        let order = &state.order;
        let sort = state.sort;
        let mut new_sort = None;
        TableBuilder::new(ui)
            .id_salt(("attribute_table", li))
            .striped(true)
            .resizable(true)
            .sense(egui::Sense::click())
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::auto().at_least(40.0))
            .columns(Column::initial(96.0).at_least(30.0).clip(true), cols.len())
            .header(22.0, |mut header_row| {
                header_row.col(|ui| {
                    ui.label("#");
                });
                for &c in &cols {
                    header_row.col(|ui| {
                        let mut text = header(data, c, lang);
                        if let Some((sc, asc)) = sort
                            && sc == c
                        {
                            text.push_str(if asc { " ↑" } else { " ↓" });
                        }
                        if ui.button(RichText::new(text).strong()).clicked() {
                            new_sort = Some(match sort {
                                Some((sc, true)) if sc == c => (c, false),
                                _ => (c, true),
                            });
                        }
                    });
                }
            })
            .body(|body| {
                body.rows(20.0, order.len(), |mut row| {
                    let Some(&fi) = order.get(row.index()) else {
                        return;
                    };
                    row.set_selected(layer.selection.contains(fi));
                    // Cells are not selectable text, so a click reaches the row.
                    row.col(|ui| {
                        let n = data.source_index.get(fi).map_or(0, |s| *s + 1);
                        ui.add(egui::Label::new(n.to_string()).selectable(false));
                    });
                    for &c in &cols {
                        row.col(|ui| {
                            ui.add(
                                egui::Label::new(cell_text(data, fi, c, lang)).selectable(false),
                            );
                        });
                    }
                    if row.response().clicked() {
                        let op = crate::app::map::tools::op_from(
                            row.response().ctx.input(|i| i.modifiers),
                        );
                        commands.push(Command::SelectFeatures(li, vec![fi], op));
                        commands.push(Command::Select(Some((li, fi))));
                        if op == SelectOp::Replace {
                            commands.push(Command::ZoomToFeature(li, fi));
                        }
                    }
                });
            });
        if let Some(s) = new_sort {
            state.sort = Some(s);
        }
        for c in commands {
            self.push(c);
        }
    }
}

/// Rows as tab-separated text with a header line, for pasting into Excel.
pub fn rows_tsv(layer: &Layer, rows: &[usize], cols: &[TableColumn], lang: Lang) -> String {
    let clean = |s: String| s.replace(['\t', '\n', '\r'], " ");
    let mut out = cols
        .iter()
        .map(|&c| clean(header(layer, c, lang)))
        .collect::<Vec<_>>()
        .join("\t");
    out.push('\n');
    for &r in rows {
        let line: Vec<String> = cols
            .iter()
            .map(|&c| clean(cell_text(layer, r, c, lang)))
            .collect();
        out.push_str(&line.join("\t"));
        out.push('\n');
    }
    out
}
