//! The land-use balance table as Chinese planning practice prints it (规划用地平衡表):
//! level-1 rows with their level-2 (and level-3) rows beneath them, 现状 and 规划
//! side by side with 增减, a 合计 row equal to the planning area, a unit line, and
//! in the GB 50137-2011 view (table A.0.2 style) a 城市建设用地 (H11) subtotal
//! with the R/A/B/M/W/S/U/G shares taken of it.
//!
//! The numbers are the rounded tree of [`super::tree`]; this module only arranges
//! them, so the CLI, the statistics panel, the PDF, the workbook and the handout
//! print the same figures.

use serde::Serialize;

use super::rounding::{balance_round, round2};
use super::tree::{GroupNode, NodeKind};
use super::{Indicators, M2_PER_HA, StatsTable};
use crate::landuse::{LanduseTable, Palette, Standard};

/// GB 50137-2011's classes of urban development land (城市建设用地, H11), in the
/// order its table A.0.2 lists them.
pub const URBAN_CLASSES: [&str; 8] = ["R", "A", "B", "M", "W", "S", "U", "G"];

/// How a printed row came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RowKind {
    Class,
    /// Land coded no finer than the class above (未细分).
    Rest,
    /// A land-use value not in the standard table, or a field value.
    Value,
    Mixed,
    Empty,
    /// The 城市建设用地 (H11) subtotal of the GB 50137 view.
    Subtotal,
}

/// One column group's figures in a row (规划 or 现状).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct BalanceCell {
    pub count: usize,
    pub area_m2: f64,
    pub area_ha_rounded: f64,
    pub area_mu_rounded: f64,
    /// Share of the table's total (%), balanced.
    pub share_pct_rounded: f64,
    /// In the GB 50137 view: share of 城市建设用地 (%), balanced, for the urban
    /// classes and their subtotal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_of_urban_pct_rounded: Option<f64>,
    pub mixed_area_m2: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BalanceRow {
    /// 1, 2 or 3; the subtotal and the total are 1.
    pub level: u8,
    pub key: String,
    pub name: String,
    pub name_en: String,
    #[serde(skip)]
    pub rgb: Option<[u8; 3]>,
    pub kind: RowKind,
    pub plan: Option<BalanceCell>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub present: Option<BalanceCell>,
    /// 规划 − 现状 (公顷), of the rounded figures, so the printed columns agree.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_ha: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BalanceTable {
    pub title: String,
    pub title_en: String,
    /// 单位：公顷.
    pub unit: String,
    pub unit_en: String,
    /// `gtkj2023` or `gb50137`.
    pub standard: &'static str,
    /// The deepest level printed (1–3).
    pub depth: u8,
    pub has_present: bool,
    pub rows: Vec<BalanceRow>,
    pub total: BalanceRow,
    /// The planning area (规划范围) the totals are checked against (m²).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planning_area_m2: Option<f64>,
    /// Notes printed under the table (Chinese): the area method, mixed uses,
    /// unknown codes, the check against the planning area.
    pub notes: Vec<String>,
    pub notes_en: Vec<String>,
    /// The plan's indicators, gross figures over the plan's total.
    pub indicators: Indicators,
}

/// A row of one tree, flattened for printing.
struct Flat<'a> {
    path: Vec<Order>,
    level: u8,
    node: &'a GroupNode,
    urban_share: Option<f64>,
}

/// Sort key of a node among its siblings: classes of the palette's standard first
/// in table order, then classes without a counterpart, the rest of a class, values,
/// mixed combinations and the empty value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Order(u8, u32, String);

fn order_of(n: &GroupNode, palette: Option<Palette>) -> Order {
    let table = LanduseTable::global();
    let rank = match n.kind {
        NodeKind::Class => {
            let standard = n.class.and_then(|c| table.class(c)).map(|c| c.standard);
            match (palette, standard) {
                (Some(Palette::Gb50137), Some(Standard::Gtkj2023)) => 1,
                _ => 0,
            }
        }
        NodeKind::Rest => 2,
        NodeKind::Value => 3,
        NodeKind::Mixed => 4,
        NodeKind::Empty => 5,
    };
    let within = match n.kind {
        NodeKind::Value => super::tree::lifecycle_rank(&n.key),
        _ => n.class.map_or(u32::MAX, u32::from),
    };
    Order(rank, within, n.key.clone())
}

fn is_urban(n: &GroupNode) -> bool {
    n.kind == NodeKind::Class && URBAN_CLASSES.contains(&n.key.as_str())
}

/// Shares of 城市建设用地 for the urban nodes of a GB 50137 tree and their
/// children, balanced to 100.00 and then down the tree.
fn urban_shares(nodes: &[GroupNode]) -> Vec<(Vec<Order>, f64)> {
    let urban: Vec<&GroupNode> = nodes.iter().filter(|n| is_urban(n)).collect();
    let total: f64 = urban.iter().map(|n| n.area_m2).sum();
    let mut out = Vec::new();
    if total <= 0.0 {
        return out;
    }
    fn walk(
        nodes: &[&GroupNode],
        rounded_total: f64,
        urban_m2: f64,
        prefix: &[Order],
        out: &mut Vec<(Vec<Order>, f64)>,
    ) {
        let exact: Vec<f64> = nodes.iter().map(|n| n.area_m2 / urban_m2 * 100.0).collect();
        for (n, r) in nodes.iter().zip(balance_round(&exact, rounded_total)) {
            let mut path = prefix.to_vec();
            path.push(order_of(n, Some(Palette::Gb50137)));
            let children: Vec<&GroupNode> = n.children.iter().collect();
            walk(&children, r, urban_m2, &path, out);
            out.push((path, r));
        }
    }
    walk(&urban, 100.0, total, &[], &mut out);
    out
}

/// Flattens a tree into the rows printed at `depth`: every level-1 node, and
/// below it its children unless the only child is the node's own rest.
fn flatten<'a>(nodes: &'a [GroupNode], depth: u8, palette: Option<Palette>) -> Vec<Flat<'a>> {
    let shares = if palette == Some(Palette::Gb50137) {
        urban_shares(nodes)
    } else {
        Vec::new()
    };
    let mut out = Vec::new();
    fn walk<'a>(
        nodes: &'a [GroupNode],
        level: u8,
        depth: u8,
        palette: Option<Palette>,
        prefix: &[Order],
        shares: &[(Vec<Order>, f64)],
        out: &mut Vec<Flat<'a>>,
    ) {
        for n in nodes {
            let mut path = prefix.to_vec();
            path.push(order_of(n, palette));
            let urban_share = shares.iter().find(|(p, _)| *p == path).map(|(_, s)| *s);
            out.push(Flat {
                path: path.clone(),
                level,
                node: n,
                urban_share,
            });
            let only_rest = n.children.len() == 1
                && n.children
                    .first()
                    .is_some_and(|c| c.key == n.key && c.kind != NodeKind::Class);
            if level < depth && !only_rest {
                walk(&n.children, level + 1, depth, palette, &path, shares, out);
            }
        }
    }
    walk(nodes, 1, depth, palette, &[], &shares, &mut out);
    out
}

fn cell(n: &GroupNode, urban_share: Option<f64>) -> BalanceCell {
    BalanceCell {
        count: n.count,
        area_m2: n.area_m2,
        area_ha_rounded: n.area_ha_rounded,
        area_mu_rounded: n.area_mu_rounded,
        share_pct_rounded: n.share_pct_rounded,
        share_of_urban_pct_rounded: urban_share,
        mixed_area_m2: n.mixed_area_m2,
    }
}

fn sum_cells(cells: &[BalanceCell], urban: bool) -> BalanceCell {
    let mut s = BalanceCell::default();
    for c in cells {
        s.count += c.count;
        s.area_m2 += c.area_m2;
        s.area_ha_rounded += c.area_ha_rounded;
        s.area_mu_rounded += c.area_mu_rounded;
        s.share_pct_rounded += c.share_pct_rounded;
        s.mixed_area_m2 += c.mixed_area_m2;
    }
    s.area_ha_rounded = round2(s.area_ha_rounded);
    s.area_mu_rounded = round2(s.area_mu_rounded);
    s.share_pct_rounded = round2(s.share_pct_rounded);
    if urban && s.area_m2 > 0.0 {
        s.share_of_urban_pct_rounded = Some(100.0);
    }
    s
}

fn change(plan: Option<&BalanceCell>, present: Option<&BalanceCell>) -> f64 {
    round2(plan.map_or(0.0, |c| c.area_ha_rounded) - present.map_or(0.0, |c| c.area_ha_rounded))
}

/// Lays the GB 50137 rows out as its tables do: R–G one level down under their
/// 城市建设用地 (H11) subtotal, and the village land that the crosswalk files
/// under H1 (only 0703 农村宅基地 and 0704 农村社区服务设施用地 map there) named
/// as what it is, H14 村庄建设用地, since H11 is listed on its own.
fn arrange_gb50137(rows: &mut [BalanceRow]) {
    let mut under_urban = false;
    for r in rows.iter_mut() {
        if r.level == 1 {
            under_urban = r.kind == RowKind::Subtotal
                || (under_urban
                    && r.kind == RowKind::Class
                    && URBAN_CLASSES.contains(&r.key.as_str()));
            if r.kind == RowKind::Subtotal {
                continue;
            }
        }
        if under_urban {
            r.level += 1;
        }
        if r.key == "H1" && r.kind == RowKind::Class {
            r.key = "H14".into();
            r.name = "村庄建设用地".into();
            r.name_en = "Village development land".into();
        }
    }
}

impl BalanceTable {
    /// Arranges the plan's table (and the present state's, when there is one) for
    /// printing down to `depth` (1–3). `planning_area_m2` is the area of the
    /// planning boundary, when the project names one, for the check under the table.
    pub fn new(
        plan: &StatsTable,
        present: Option<&StatsTable>,
        depth: u8,
        planning_area_m2: Option<f64>,
    ) -> BalanceTable {
        let depth = depth.clamp(1, 3);
        let palette = plan.palette;
        let gb = palette == Some(Palette::Gb50137);
        let plan_rows = flatten(&plan.tree, depth, palette);
        let present_rows = present.map(|p| flatten(&p.tree, depth, palette));

        // The union of both trees' rows, in tree order.
        let mut paths: Vec<(Vec<Order>, u8)> = plan_rows
            .iter()
            .map(|f| (f.path.clone(), f.level))
            .collect();
        for f in present_rows.iter().flatten() {
            if !paths.iter().any(|(p, _)| *p == f.path) {
                paths.push((f.path.clone(), f.level));
            }
        }
        paths.sort();
        let find = |rows: &[Flat<'_>], path: &[Order]| -> Option<(BalanceCell, usize)> {
            rows.iter()
                .position(|f| f.path == path)
                .and_then(|i| rows.get(i).map(|f| (cell(f.node, f.urban_share), i)))
        };
        let has_present = present_rows.is_some();
        let mut rows: Vec<BalanceRow> = Vec::new();
        let mut urban_at: Option<usize> = None;
        for (path, level) in &paths {
            let p = find(&plan_rows, path);
            let q = present_rows.as_ref().and_then(|r| find(r, path));
            let node = p
                .as_ref()
                .and_then(|(_, i)| plan_rows.get(*i))
                .or_else(|| {
                    q.as_ref()
                        .and_then(|(_, i)| present_rows.as_ref().and_then(|r| r.get(*i)))
                })
                .map(|f| f.node);
            let Some(node) = node else { continue };
            let kind = match node.kind {
                NodeKind::Class => RowKind::Class,
                NodeKind::Rest => RowKind::Rest,
                NodeKind::Value => RowKind::Value,
                NodeKind::Mixed => RowKind::Mixed,
                NodeKind::Empty => RowKind::Empty,
            };
            let (mut name, mut name_en) = (
                node.name.clone().unwrap_or_default(),
                node.name_en.clone().unwrap_or_default(),
            );
            match kind {
                // In the GB 50137 view a rest is land whose 2023 class maps to the
                // whole GB class (0702 城镇社区服务设施用地 to R), not unclassified land.
                RowKind::Rest if gb => {
                    name = format!("{name}（未对应小类）");
                    name_en = format!("{name_en} (no finer counterpart)");
                }
                RowKind::Rest => {
                    name = format!("{name}（未细分）");
                    name_en = format!("{name_en} (not subdivided)");
                }
                RowKind::Value if name.is_empty() => {
                    name = "（未识别代码）".into();
                    name_en = "(unknown code)".into();
                }
                RowKind::Empty => {
                    name = "（无用地代码）".into();
                    name_en = "(no land-use code)".into();
                }
                _ => {}
            }
            // In the GB 50137 view the urban classes stand under their subtotal, so
            // the H row holds only development land outside it.
            if gb && *level == 1 && kind == RowKind::Class && node.key == "H" {
                name = "其他建设用地（城市建设用地以外）".into();
                name_en = "Other development land (outside H11)".into();
            }
            if gb && *level == 1 && is_urban(node) && urban_at.is_none() {
                urban_at = Some(rows.len());
            }
            let (plan_cell, present_cell) = (p.map(|c| c.0), q.map(|c| c.0));
            rows.push(BalanceRow {
                level: *level,
                key: node.key.clone(),
                name,
                name_en,
                rgb: node.rgb,
                kind,
                plan: plan_cell,
                present: present_cell,
                change_ha: has_present.then(|| change(plan_cell.as_ref(), present_cell.as_ref())),
            });
        }
        if let Some(at) = urban_at {
            let urban_cells = |present: bool| -> Vec<BalanceCell> {
                rows.iter()
                    .filter(|r| r.level == 1 && r.kind == RowKind::Class)
                    .filter(|r| URBAN_CLASSES.contains(&r.key.as_str()))
                    .filter_map(|r| if present { r.present } else { r.plan })
                    .collect()
            };
            let plan_cell = sum_cells(&urban_cells(false), true);
            let present_cell = has_present.then(|| sum_cells(&urban_cells(true), true));
            rows.insert(
                at,
                BalanceRow {
                    level: 1,
                    key: "H11".into(),
                    name: "城市建设用地".into(),
                    name_en: "Urban development land".into(),
                    rgb: None,
                    kind: RowKind::Subtotal,
                    plan: Some(plan_cell),
                    present: present_cell,
                    change_ha: has_present.then(|| change(Some(&plan_cell), present_cell.as_ref())),
                },
            );
        }
        if gb {
            arrange_gb50137(&mut rows);
        }
        let total_cell = |t: &StatsTable| BalanceCell {
            count: t.features,
            area_m2: t.total_area_m2,
            area_ha_rounded: t.total_area_ha_rounded,
            area_mu_rounded: t.total_area_mu_rounded,
            share_pct_rounded: if t.total_area_m2 > 0.0 { 100.0 } else { 0.0 },
            share_of_urban_pct_rounded: None,
            mixed_area_m2: t.tally.mixed_area_m2,
        };
        let plan_total = total_cell(plan);
        let present_total = present.map(total_cell);
        let total = BalanceRow {
            level: 1,
            key: String::new(),
            name: "合计".into(),
            name_en: "Total".into(),
            rgb: None,
            kind: RowKind::Subtotal,
            plan: Some(plan_total),
            present: present_total,
            change_ha: has_present.then(|| change(Some(&plan_total), present_total.as_ref())),
        };

        let mut notes = vec![plan.method.describe_zh()];
        let mut notes_en = vec![plan.method.describe_en()];
        for n in &plan.notes {
            notes.push(if has_present {
                format!("规划：{n}")
            } else {
                n.clone()
            });
        }
        if let Some(p) = present {
            notes.extend(p.notes.iter().map(|n| format!("现状：{n}")));
        }
        if plan.tally.mixed_features > 0 || present.is_some_and(|p| p.tally.mixed_features > 0) {
            notes_en.push(format!(
                "Mixed-use land (混合用地) counted by {} (see the Chinese notes).",
                plan.mixed.key()
            ));
        }
        if gb {
            notes.push(
                "城市建设用地（H11）各类用地比例以城市建设用地为基数；GB 50137 分类由 2023 年分类对照转换，仅供参考".into(),
            );
            notes_en.push(
                "Shares of R–G are of urban development land (H11); classes converted from the 2023 classification, for reference.".into(),
            );
        }
        if gb {
            let own: Vec<String> = rows
                .iter()
                .filter(|r| {
                    r.kind == RowKind::Class && r.key.starts_with(|c: char| c.is_ascii_digit())
                })
                .map(|r| format!("{} {}", r.key, r.name))
                .collect();
            if !own.is_empty() {
                notes.push(format!(
                    "GB 50137 无对应类别的用地按 2023 年分类单列：{}",
                    own.join("、")
                ));
                notes_en.push(
                    "Land without a GB 50137 counterpart is listed by its 2023 class.".into(),
                );
            }
        }
        if planning_area_m2.is_none() {
            notes.push(
                "比例及毛指标以表中合计用地面积为基数；未列入表中的用地（如道路、水域）不在其内"
                    .into(),
            );
            notes_en.push(
                "Shares and gross indicators are of the table's total; land not in the table (roads, water) is not included.".into(),
            );
        }
        if let Some(area) = planning_area_m2.filter(|a| *a > 0.0) {
            let diff = (plan.total_area_m2 - area) / area * 100.0;
            let diff = if diff.abs() < 0.005 { 0.0 } else { diff };
            notes.push(format!(
                "规划范围面积 {:.2} 公顷；合计与之相差 {diff:.2}%",
                area / M2_PER_HA
            ));
            notes_en.push(format!(
                "Planning area {:.2} ha; the total differs from it by {diff:.2} %",
                area / M2_PER_HA
            ));
        }
        let (title, title_en) = if gb {
            (
                "城市建设用地平衡表（GB 50137-2011）",
                "Land-use balance (GB 50137-2011)",
            )
        } else {
            // A project's plan is titled as such by its caller; one layer or a
            // selection is simply a balance.
            ("用地平衡表", "Land-use balance")
        };
        BalanceTable {
            title: title.into(),
            title_en: title_en.into(),
            unit: "单位：公顷".into(),
            unit_en: "Unit: ha".into(),
            standard: if gb { "gb50137" } else { "gtkj2023" },
            depth,
            has_present,
            rows,
            total,
            planning_area_m2,
            notes,
            notes_en,
            indicators: plan.indicators.clone(),
        }
    }

    /// Whether the table has the 占城市建设用地 column (the GB 50137 view).
    pub fn has_urban_share(&self) -> bool {
        self.rows.iter().any(|r| r.kind == RowKind::Subtotal)
    }

    /// The column headings, in the order [`BalanceTable::cells`] gives the cells.
    pub fn headings(&self, chinese: bool) -> Vec<String> {
        let l = |zh: &str, en: &str| {
            if chinese {
                zh.to_string()
            } else {
                en.to_string()
            }
        };
        let mut h = vec![l("代码", "Code"), l("用地名称", "Land use")];
        let urban = self.has_urban_share();
        let group = |prefix_zh: &str, prefix_en: &str, h: &mut Vec<String>| {
            h.push(l(&format!("{prefix_zh}面积"), &format!("{prefix_en}area")));
            h.push(l(
                &format!("{prefix_zh}比例（%）"),
                &format!("{prefix_en}share (%)"),
            ));
            if urban {
                h.push(l(
                    &format!("{prefix_zh}占城市建设用地（%）"),
                    &format!("{prefix_en}of H11 (%)"),
                ));
            }
        };
        if self.has_present {
            group("现状", "Present ", &mut h);
            group("规划", "Plan ", &mut h);
            h.push(l("增减", "Change"));
        } else {
            h.push(l("地块数", "Count"));
            group("", "", &mut h);
        }
        h
    }

    /// A row's cells as printed, matching [`BalanceTable::headings`].
    pub fn cells(&self, row: &BalanceRow) -> Vec<String> {
        let urban = self.has_urban_share();
        let mut out = vec![row.key.clone(), row.name.clone()];
        let group = |c: Option<&BalanceCell>, out: &mut Vec<String>| {
            out.push(c.map_or(String::new(), |c| format!("{:.2}", c.area_ha_rounded)));
            out.push(c.map_or(String::new(), |c| format!("{:.2}", c.share_pct_rounded)));
            if urban {
                out.push(
                    c.and_then(|c| c.share_of_urban_pct_rounded)
                        .map_or(String::new(), |s| format!("{s:.2}")),
                );
            }
        };
        if self.has_present {
            group(row.present.as_ref(), &mut out);
            group(row.plan.as_ref(), &mut out);
            out.push(row.change_ha.map_or(String::new(), |d| {
                if d > 0.0 {
                    format!("+{d:.2}")
                } else {
                    format!("{:.2}", round2(d))
                }
            }));
        } else {
            out.push(row.plan.map_or(String::new(), |c| c.count.to_string()));
            group(row.plan.as_ref(), &mut out);
        }
        out
    }

    /// The rows and then the total.
    pub fn all_rows(&self) -> impl Iterator<Item = &BalanceRow> {
        self.rows.iter().chain(std::iter::once(&self.total))
    }

    /// The table as tab-separated text for a spreadsheet: title, unit line,
    /// headings, rows (names indented by level), the total and the notes.
    pub fn to_tsv(&self, chinese: bool) -> String {
        let mut out = String::new();
        out.push_str(if chinese { &self.title } else { &self.title_en });
        out.push('\n');
        out.push_str(if chinese { &self.unit } else { &self.unit_en });
        out.push('\n');
        out.push_str(&self.headings(chinese).join("\t"));
        out.push('\n');
        for r in self.all_rows() {
            let mut cells = self.cells(r);
            if let Some(name) = cells.get_mut(1) {
                let shown = if chinese { &r.name } else { &r.name_en };
                *name = format!(
                    "{}{shown}",
                    "  ".repeat(usize::from(r.level.saturating_sub(1)))
                );
            }
            out.push_str(&cells.join("\t"));
            out.push('\n');
        }
        for n in if chinese { &self.notes } else { &self.notes_en } {
            out.push_str(n);
            out.push('\n');
        }
        out
    }
}
