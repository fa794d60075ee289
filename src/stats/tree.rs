//! The grouping engine behind every statistics table: features of one or more
//! layers are summed into leaves (a land-use class, a field value, a mixed-use
//! combination), the leaves are arranged into the class hierarchy (level 1, 2, 3),
//! and the tree is rounded from the top so that every printed subtotal is the sum
//! of its printed rows.
//!
//! Areas are m² unless a name says otherwise.

use std::collections::BTreeMap;

use serde::Serialize;

use super::rounding::{balance_round, round2};
use super::{M2_PER_HA, M2_PER_MU};
use crate::landuse::{ClassId, LanduseTable, Palette, parse_shares};
use crate::model::Layer;

/// Part of a statistic: some features of one layer, with their areas (m²).
#[derive(Clone, Copy)]
pub struct Part<'a> {
    pub layer: &'a Layer,
    /// Indices into the layer; every feature when `None`.
    pub features: Option<&'a [usize]>,
    /// Each feature's area (m²), indexed like the layer.
    pub areas_m2: &'a [f64],
}

/// How mixed-use parcels (混合用地) are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MixedMode {
    /// Under the dominant (first) use; the table says how much is mixed.
    #[default]
    Dominant,
    /// Each combination as its own row, named 混合用地.
    Separate,
    /// The area divided among the uses by the shares a field gives (兼容比例).
    Split,
}

impl MixedMode {
    pub fn key(self) -> &'static str {
        match self {
            MixedMode::Dominant => "dominant",
            MixedMode::Separate => "separate",
            MixedMode::Split => "split",
        }
    }

    pub fn parse(text: &str) -> Option<MixedMode> {
        match text.trim().to_ascii_lowercase().as_str() {
            "dominant" => Some(MixedMode::Dominant),
            "separate" => Some(MixedMode::Separate),
            "split" => Some(MixedMode::Split),
            _ => None,
        }
    }
}

/// Field names that give the shares of a mixed parcel's uses, in the order tried.
pub const SHARE_FIELDS: &[&str] = &["兼容比例", "混合比例", "用地比例", "mix_ratio", "JRBL"];

/// What features are grouped by.
#[derive(Debug, Clone, PartialEq)]
pub enum Grouping {
    /// The raw values of the field of this name (layers without it group under "").
    Field(String),
    /// The land-use class in this palette (the 2023 classes or their GB 50137
    /// counterparts).
    Class(Palette),
}

/// How a node came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    /// A land-use class.
    Class,
    /// The part of a class coded no finer than the class itself (未细分), below it.
    Rest,
    /// A field value, or a land-use value that is not in the standard table.
    Value,
    /// A mixed-use combination listed on its own.
    Mixed,
    /// Features without a value.
    Empty,
}

/// One row of the tree, with its exact and rounded figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupNode {
    pub key: String,
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    #[serde(skip)]
    pub rgb: Option<[u8; 3]>,
    pub kind: NodeKind,
    /// The class, for class rows and the rest below them.
    #[serde(skip)]
    pub class: Option<ClassId>,
    pub count: usize,
    pub area_m2: f64,
    /// How much of `area_m2` is mixed-use land counted here by its dominant use
    /// or its share.
    pub mixed_area_m2: f64,
    pub area_ha_rounded: f64,
    pub area_mu_rounded: f64,
    pub share_pct_rounded: f64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<GroupNode>,
}

/// Sums of one leaf.
#[derive(Debug, Clone, Copy, Default)]
struct Acc {
    count: usize,
    area_m2: f64,
    mixed_area_m2: f64,
}

impl Acc {
    fn add(&mut self, count: usize, area_m2: f64, mixed_m2: f64) {
        self.count += count;
        self.area_m2 += area_m2;
        self.mixed_area_m2 += mixed_m2;
    }
}

/// A leaf that is not a class: a value, a mixed combination, or nothing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum OtherKey {
    Value(String),
    Mixed(String),
    Empty,
}

/// What summing the features found besides the sums.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub features: usize,
    /// Mixed-use area counted under dominant uses or split (m²).
    pub mixed_area_m2: f64,
    /// Mixed-use features and their distinct combinations.
    pub mixed_features: usize,
    pub mixed_codes: Vec<String>,
    /// Mixed features that `split` could not divide (no or bad shares) and that
    /// were counted under their dominant use instead.
    pub split_fallbacks: usize,
    /// Land-use values not in the standard table, with their feature counts.
    pub unknown_codes: Vec<(String, usize)>,
}

/// Sums the features of `parts` into leaves and returns the rounded tree (three
/// levels deep for classes, one for field values).
pub fn build_tree(
    parts: &[Part<'_>],
    grouping: &Grouping,
    mixed: MixedMode,
    shares_field: Option<&str>,
) -> (Vec<GroupNode>, Tally) {
    let table = LanduseTable::global();
    // Classes go into a dense array indexed by class id (a few hundred entries),
    // which keeps 100k-feature tables in a millisecond; everything else into an
    // ordered map.
    let mut by_class: Vec<Acc> = vec![Acc::default(); table.classes.len()];
    let mut other: BTreeMap<OtherKey, Acc> = BTreeMap::new();
    let mut tally = Tally::default();
    let mut mixed_codes: std::collections::BTreeSet<String> = Default::default();
    let mut unknown: BTreeMap<String, usize> = BTreeMap::new();

    for part in parts {
        let layer = part.layer;
        let all: Vec<usize>;
        let features: &[usize] = match part.features {
            Some(f) => f,
            None => {
                all = (0..layer.len()).collect();
                &all
            }
        };
        tally.features += features.len();
        let area = |i: usize| part.areas_m2.get(i).copied().unwrap_or(0.0);
        match grouping {
            Grouping::Field(name) => {
                let field = layer.field_index(name);
                // Each distinct value is looked up in the ordered map once, and a
                // text value is read without copying it: a million features hold a
                // few hundred values. Each sum still adds its features one by one
                // in feature order, so it comes out the same to the last bit.
                let mut slots: std::collections::HashMap<std::borrow::Cow<'_, str>, usize> =
                    std::collections::HashMap::new();
                let mut sums: Vec<(OtherKey, Acc)> = Vec::new();
                for &i in features {
                    let text: std::borrow::Cow<'_, str> = match field.map(|f| layer.value(i, f)) {
                        Some(crate::model::AttrValue::Text(t)) => {
                            std::borrow::Cow::Borrowed(t.as_str())
                        }
                        Some(v) => std::borrow::Cow::Owned(v.to_text().unwrap_or_default()),
                        None => std::borrow::Cow::Borrowed(""),
                    };
                    let slot = match slots.get(text.as_ref()) {
                        Some(&slot) => slot,
                        None => {
                            let k = if text.is_empty() {
                                OtherKey::Empty
                            } else {
                                OtherKey::Value(text.to_string())
                            };
                            let sum = other.remove(&k).unwrap_or_default();
                            sums.push((k, sum));
                            slots.insert(text, sums.len() - 1);
                            sums.len() - 1
                        }
                    };
                    if let Some((_, sum)) = sums.get_mut(slot) {
                        sum.add(1, area(i), 0.0);
                    }
                }
                other.extend(sums);
            }
            Grouping::Class(palette) => {
                let shares_col = if mixed == MixedMode::Split && !layer.mixed.is_empty() {
                    match shares_field {
                        Some(f) => layer.field_index(f),
                        None => SHARE_FIELDS.iter().find_map(|f| layer.field_index(f)),
                    }
                } else {
                    None
                };
                let shown = |c: ClassId| table.shown_as(c, *palette) as usize;
                for &i in features {
                    let a = area(i);
                    if let Some(m) = layer.mixed.of(i) {
                        tally.mixed_features += 1;
                        mixed_codes.insert(m.key.clone());
                        for u in m.unknown_parts() {
                            *unknown.entry(u.to_string()).or_default() += 1;
                        }
                        if mixed == MixedMode::Separate {
                            other
                                .entry(OtherKey::Mixed(m.key.clone()))
                                .or_default()
                                .add(1, a, 0.0);
                            continue;
                        }
                        if mixed == MixedMode::Split {
                            let shares = shares_col
                                .and_then(|f| layer.value(i, f).to_text())
                                .and_then(|t| parse_shares(&t, m.parts.len()));
                            let known: Option<Vec<ClassId>> = m.parts.iter().map(|p| p.1).collect();
                            if let (Some(shares), Some(known)) = (shares, known) {
                                for (k, (class, share)) in known.iter().zip(&shares).enumerate() {
                                    if let Some(slot) = by_class.get_mut(shown(*class)) {
                                        slot.add(usize::from(k == 0), a * share, a * share);
                                    }
                                }
                                tally.mixed_area_m2 += a;
                                continue;
                            }
                            tally.split_fallbacks += 1;
                        }
                        match m.dominant() {
                            Some(c) => {
                                if let Some(slot) = by_class.get_mut(shown(c)) {
                                    slot.add(1, a, a);
                                }
                                tally.mixed_area_m2 += a;
                            }
                            None => other
                                .entry(OtherKey::Value(m.key.clone()))
                                .or_default()
                                .add(1, a, 0.0),
                        }
                        continue;
                    }
                    match layer.class.get(i).copied().flatten() {
                        Some(c) => {
                            if let Some(slot) = by_class.get_mut(shown(c)) {
                                slot.add(1, a, 0.0);
                            }
                        }
                        None => {
                            let key = layer
                                .roles
                                .landuse
                                .and_then(|f| layer.value(i, f).to_text())
                                .map(|t| t.trim().to_string())
                                .unwrap_or_default();
                            let k = if key.is_empty() {
                                OtherKey::Empty
                            } else {
                                *unknown.entry(key.clone()).or_default() += 1;
                                OtherKey::Value(key)
                            };
                            other.entry(k).or_default().add(1, a, 0.0);
                        }
                    }
                }
            }
        }
    }
    tally.mixed_codes = mixed_codes.into_iter().collect();
    tally.unknown_codes = unknown.into_iter().collect();

    let deep = matches!(grouping, Grouping::Class(_));
    let mut nodes: Vec<GroupNode> = Vec::new();
    if deep {
        nodes = class_nodes(table, &by_class);
    }
    for (key, acc) in other {
        let (kind, key, name) = match key {
            OtherKey::Value(v) => (NodeKind::Value, v, None),
            OtherKey::Mixed(m) => (NodeKind::Mixed, m, Some("混合用地".to_string())),
            OtherKey::Empty => (NodeKind::Empty, String::new(), None),
        };
        let mut n = node(key, name, None, None, kind, None, acc);
        if deep {
            n.children = vec![rest_of(&n, 2)];
        }
        if kind == NodeKind::Mixed {
            n.name_en = Some("Mixed use".into());
        }
        nodes.push(n);
    }
    // Statuses in the order land passes through them, not the alphabet's.
    // The sort is stable: classes keep their table order before the values, and
    // mixed and empty values stay last.
    nodes.sort_by_key(|n| match n.kind {
        NodeKind::Class | NodeKind::Rest => (0, 0),
        NodeKind::Value => (1, lifecycle_rank(&n.key)),
        NodeKind::Mixed => (2, 0),
        NodeKind::Empty => (3, 0),
    });
    let total: f64 = nodes.iter().map(|n| n.area_m2).sum::<f64>() + 0.0;
    round_tree(&mut nodes, total);
    (nodes, tally)
}

/// The stages of land in a plan's life, in the order it passes through them:
/// what stands now, what has been sold, what is planned, what is held in reserve.
const LIFECYCLE: [&str; 8] = [
    "现状",
    "已建",
    "在建",
    "已出让",
    "已批",
    "规划",
    "待出让",
    "储备",
];

/// A field value's place among its siblings: a lifecycle stage by its stage, any
/// other value after them (in key order, which the caller keeps).
pub fn lifecycle_rank(value: &str) -> u32 {
    LIFECYCLE
        .iter()
        .position(|s| *s == value)
        .map_or(u32::MAX - 1, |k| k as u32)
}

fn node(
    key: String,
    name: Option<String>,
    name_en: Option<String>,
    rgb: Option<[u8; 3]>,
    kind: NodeKind,
    class: Option<ClassId>,
    acc: Acc,
) -> GroupNode {
    GroupNode {
        key,
        name,
        name_en,
        rgb,
        kind,
        class,
        count: acc.count,
        area_m2: acc.area_m2,
        mixed_area_m2: acc.mixed_area_m2,
        area_ha_rounded: 0.0,
        area_mu_rounded: 0.0,
        share_pct_rounded: 0.0,
        children: Vec::new(),
    }
}

/// The rest of a node one level down: the same key, its whole sums, and (above
/// level 3) its own rest below it, so that every branch reaches level 3.
fn rest_of(n: &GroupNode, level: u8) -> GroupNode {
    let mut r = GroupNode {
        kind: if n.kind == NodeKind::Class {
            NodeKind::Rest
        } else {
            n.kind
        },
        children: Vec::new(),
        ..n.clone()
    };
    if level < 3 {
        r.children = vec![rest_of(&r, level + 1)];
    }
    r
}

/// Arranges class leaves into level-1 nodes with level-2 and level-3 children.
fn class_nodes(table: &LanduseTable, by_class: &[Acc]) -> Vec<GroupNode> {
    // (level-1, level-2 or None for the rest, level-3 or None) → sums.
    type Level3 = BTreeMap<Option<ClassId>, Acc>;
    let mut paths: BTreeMap<ClassId, BTreeMap<Option<ClassId>, Level3>> = BTreeMap::new();
    for (id, acc) in by_class.iter().enumerate() {
        if acc.count == 0 && acc.area_m2 == 0.0 {
            continue;
        }
        let c = id as ClassId;
        let l1 = table.at_level(c, 1);
        let l2 = Some(table.at_level(c, 2)).filter(|&x| x != l1);
        let l3 = l2.and(Some(table.at_level(c, 3)).filter(|&x| Some(x) != l2));
        let slot = paths
            .entry(l1)
            .or_default()
            .entry(l2)
            .or_default()
            .entry(l3)
            .or_default();
        slot.add(acc.count, acc.area_m2, acc.mixed_area_m2);
    }
    let class_node = |c: ClassId, acc: Acc| {
        let k = table.class(c);
        node(
            k.map(|k| k.code.clone()).unwrap_or_default(),
            k.map(|k| k.name_zh.clone()),
            k.map(|k| k.name_en.clone()),
            k.map(|k| k.rgb),
            NodeKind::Class,
            Some(c),
            acc,
        )
    };
    let sum = |accs: &mut dyn Iterator<Item = Acc>| {
        accs.fold(Acc::default(), |mut s, a| {
            s.add(a.count, a.area_m2, a.mixed_area_m2);
            s
        })
    };
    let mut out = Vec::new();
    // Classes in table order (which is code order), the rest of a class after its
    // finer classes.
    for (l1, level2) in paths {
        let mut l1_acc = Acc::default();
        let mut children = Vec::new();
        let mut rest2: Option<GroupNode> = None;
        for (l2, level3) in level2 {
            let acc2 = sum(&mut level3.values().copied());
            l1_acc.add(acc2.count, acc2.area_m2, acc2.mixed_area_m2);
            match l2 {
                Some(l2) => {
                    let mut n2 = class_node(l2, acc2);
                    let mut rest3 = None;
                    for (l3, acc3) in level3 {
                        match l3 {
                            Some(l3) => n2.children.push(class_node(l3, acc3)),
                            None => {
                                let mut r = class_node(l2, acc3);
                                r.kind = NodeKind::Rest;
                                rest3 = Some(r);
                            }
                        }
                    }
                    n2.children.extend(rest3);
                    children.push(n2);
                }
                None => {
                    let mut r = class_node(l1, acc2);
                    r.kind = NodeKind::Rest;
                    r.children = vec![rest_of(&r, 3)];
                    rest2 = Some(r);
                }
            }
        }
        children.extend(rest2);
        let mut n1 = class_node(l1, l1_acc);
        n1.children = children;
        out.push(n1);
    }
    out
}

/// Rounds 公顷, 亩 and shares of the whole tree from the top; `total_m2` is the
/// sum of the top nodes.
pub fn round_tree(nodes: &mut [GroupNode], total_m2: f64) {
    let pct_total = if total_m2 > 0.0 { 100.0 } else { 0.0 };
    round_level(
        nodes,
        round2(total_m2 / M2_PER_HA),
        round2(total_m2 / M2_PER_MU),
        pct_total,
        total_m2,
    );
}

fn round_level(nodes: &mut [GroupNode], ha: f64, mu: f64, pct: f64, total_m2: f64) {
    let values = |f: &dyn Fn(&GroupNode) -> f64| nodes.iter().map(f).collect::<Vec<_>>();
    let has = balance_round(&values(&|n| n.area_m2 / M2_PER_HA), ha);
    let mus = balance_round(&values(&|n| n.area_m2 / M2_PER_MU), mu);
    let pcts = balance_round(
        &values(&|n| {
            if total_m2 > 0.0 {
                n.area_m2 / total_m2 * 100.0
            } else {
                0.0
            }
        }),
        pct,
    );
    for (i, n) in nodes.iter_mut().enumerate() {
        n.area_ha_rounded = has.get(i).copied().unwrap_or(0.0);
        n.area_mu_rounded = mus.get(i).copied().unwrap_or(0.0);
        n.share_pct_rounded = pcts.get(i).copied().unwrap_or(0.0);
        let (h, m, p) = (n.area_ha_rounded, n.area_mu_rounded, n.share_pct_rounded);
        round_level(&mut n.children, h, m, p, total_m2);
    }
}

/// The nodes at `level` (1–3), in order; the rest of a coarser class stands for
/// it at the finer levels.
pub fn nodes_at_level(nodes: &[GroupNode], level: u8) -> Vec<&GroupNode> {
    if level <= 1 || nodes.iter().all(|n| n.children.is_empty()) {
        return nodes.iter().collect();
    }
    nodes
        .iter()
        .flat_map(|n| {
            if n.children.is_empty() {
                vec![n]
            } else {
                nodes_at_level(&n.children, level - 1)
            }
        })
        .collect()
}
