//! Area statistics: the land-use balance table (用地平衡表) of one layer or of a
//! project's plan and present state, breakdowns by any field, and the planning
//! indicators (GFA, FAR, building density, green ratio).
//!
//! Units: areas in m² unless a name says otherwise; 1 公顷 (ha) = 10 000 m²;
//! 1 亩 = 10 000/15 m². Tables round to 2 decimals and balance the rounding (largest
//! remainder) from the top of the class hierarchy down, so every printed subtotal
//! is the sum of its printed rows and the rows add up to the printed total.
//!
//! | file | what |
//! | --- | --- |
//! | `tree.rs` | summing features into the class hierarchy; mixed uses |
//! | `rounding.rs` | balanced rounding |
//! | `indicators.rs` | gross and net FAR, density, green ratio |
//! | `balance.rs` | the printed table: levels, 现状/规划, the GB 50137 view |

pub mod balance;
pub mod indicators;
pub mod rounding;
pub mod tree;

pub use balance::{BalanceCell, BalanceRow, BalanceTable, RowKind};
pub use indicators::{IndicatorRow, Indicators, grouped, indicator_rows, indicators_of};
pub use rounding::{balance_round, round2};
pub use tree::{GroupNode, Grouping, MixedMode, NodeKind, Part, Tally};

use std::borrow::Cow;

use rayon::prelude::*;
use serde::Serialize;

use crate::area::gauss_kruger_area_m2;
use crate::crs::{CrsError, GaussKruger};
use crate::landuse::Palette;
use crate::model::Layer;

pub const M2_PER_HA: f64 = 10_000.0;
pub const M2_PER_MU: f64 = 10_000.0 / 15.0;

/// How feature areas are measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AreaMethod {
    /// Geodesic area on the WGS84 ellipsoid (the default).
    Ellipsoidal,
    /// Plane area in the CGCS2000 3° Gauss-Krüger zone with this central meridian.
    GaussKruger { central_meridian_deg: f64 },
}

impl AreaMethod {
    pub fn key(&self) -> &'static str {
        match self {
            AreaMethod::Ellipsoidal => "ellipsoidal",
            AreaMethod::GaussKruger { .. } => "gauss-kruger",
        }
    }

    /// How the method is named under a table.
    pub fn describe_zh(&self) -> String {
        match self {
            AreaMethod::Ellipsoidal => "面积算法：WGS84/CGCS2000 椭球面积".into(),
            AreaMethod::GaussKruger {
                central_meridian_deg,
            } => format!(
                "面积算法：CGCS2000 高斯-克吕格 3° 带平面面积（中央经线 {central_meridian_deg}°E）"
            ),
        }
    }

    pub fn describe_en(&self) -> String {
        match self {
            AreaMethod::Ellipsoidal => "Area method: ellipsoidal (WGS84/CGCS2000)".into(),
            AreaMethod::GaussKruger {
                central_meridian_deg,
            } => {
                format!("Area method: Gauss-Krüger 3° plane, CGCS2000, CM {central_meridian_deg}°E")
            }
        }
    }

    /// The Gauss-Krüger method for a layer: the source projection's central meridian
    /// when the file was in a transverse Mercator CRS, else the 3° zone of the
    /// layer's centre, unless `override_deg` is given.
    pub fn gauss_kruger_for(layer: &Layer, override_deg: Option<f64>) -> AreaMethod {
        let cm = override_deg
            .or_else(|| layer.source_crs.central_meridian_deg())
            .unwrap_or_else(|| {
                let lon = layer.bbox().map(|r| r.center().x).unwrap_or(120.0);
                GaussKruger::zone_meridian_for(lon)
            });
        AreaMethod::GaussKruger {
            central_meridian_deg: cm,
        }
    }
}

/// Each feature's area by `method` (m²); borrowed when it is the precomputed one.
pub fn feature_areas<'a>(layer: &'a Layer, method: AreaMethod) -> Result<Cow<'a, [f64]>, CrsError> {
    match method {
        AreaMethod::Ellipsoidal => Ok(Cow::Borrowed(&layer.area_m2)),
        AreaMethod::GaussKruger {
            central_meridian_deg,
        } => {
            let plane = GaussKruger::new(central_meridian_deg)?;
            Ok(Cow::Owned(
                layer
                    .geometries
                    .par_iter()
                    .map(|g| {
                        g.as_ref()
                            .and_then(|g| gauss_kruger_area_m2(g, &plane))
                            .unwrap_or(0.0)
                    })
                    .collect(),
            ))
        }
    }
}

/// What to group by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GroupBy {
    /// The raw value of a field (by index).
    Field(usize),
    /// The land-use class at level 1, 2 or 3.
    Class(u8),
    /// The land-use class shown as its GB 50137-2011 counterpart (see
    /// [`crate::landuse::LanduseTable::shown_as`]), at level 1 or 2.
    ClassGb50137(u8),
}

/// Options of a statistic besides its grouping.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsOptions {
    pub mixed: MixedMode,
    /// The field that gives mixed parcels' shares (for [`MixedMode::Split`]); the
    /// first of [`tree::SHARE_FIELDS`] a layer has when `None`.
    pub shares_field: Option<String>,
}

/// One row of a flat statistics table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRow {
    /// The class code, field value or mixed combination; "" for features with no
    /// value.
    pub key: String,
    /// The class's Chinese name (混合用地 for a mixed combination); `None` for field
    /// values and unknown codes.
    pub name: Option<String>,
    /// The class's English name where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    #[serde(skip)]
    pub rgb: Option<[u8; 3]>,
    pub count: usize,
    pub area_m2: f64,
    pub area_ha: f64,
    pub area_mu: f64,
    pub share_pct: f64,
    /// Rounded to 2 decimals, balanced so the column sums to the rounded total and
    /// each class's rows sum to the class at the level above.
    pub area_ha_rounded: f64,
    pub area_mu_rounded: f64,
    pub share_pct_rounded: f64,
    /// Mixed-use land counted in this row by its dominant use or share (m²).
    pub mixed_area_m2: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatsTable {
    pub features: usize,
    pub area_method: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub central_meridian_deg: Option<f64>,
    /// How mixed uses are counted: `dominant`, `separate` or `split`.
    pub mixed: MixedMode,
    pub total_area_m2: f64,
    pub total_area_ha: f64,
    pub total_area_mu: f64,
    pub total_area_ha_rounded: f64,
    pub total_area_mu_rounded: f64,
    /// The rows at the level asked for.
    pub groups: Vec<GroupRow>,
    pub indicators: Indicators,
    /// What a reader of the table must know: mixed uses and how they are counted,
    /// codes not in the standard table.
    pub notes: Vec<String>,
    /// The whole hierarchy (three levels for classes), rounded from the top.
    #[serde(skip)]
    pub tree: Vec<GroupNode>,
    #[serde(skip)]
    pub tally: Tally,
    #[serde(skip)]
    pub method: AreaMethod,
    #[serde(skip)]
    pub palette: Option<Palette>,
    #[serde(skip)]
    pub level: u8,
}

/// Computes the table over `features` of one layer (all when `None`), counting
/// mixed uses under their dominant use.
pub fn group_stats(
    layer: &Layer,
    features: Option<&[usize]>,
    by: GroupBy,
    method: AreaMethod,
    areas_m2: &[f64],
) -> StatsTable {
    let part = Part {
        layer,
        features,
        areas_m2,
    };
    let (grouping, level) = match by {
        GroupBy::Field(k) => (
            Grouping::Field(layer.fields.get(k).cloned().unwrap_or_default()),
            1,
        ),
        GroupBy::Class(level) => (Grouping::Class(Palette::Gtkj2023), level),
        GroupBy::ClassGb50137(level) => (Grouping::Class(Palette::Gb50137), level),
    };
    stats_of(&[part], &grouping, level, method, &StatsOptions::default())
}

/// Computes the table over the features of several layers (a plan's parcels,
/// roads and water), with the rows at `level` (1–3) for class groupings.
pub fn stats_of(
    parts: &[Part<'_>],
    grouping: &Grouping,
    level: u8,
    method: AreaMethod,
    options: &StatsOptions,
) -> StatsTable {
    let (tree, tally) = tree::build_tree(
        parts,
        grouping,
        options.mixed,
        options.shares_field.as_deref(),
    );
    // An empty sum of floats is -0.0, which would print as "-0.00"; adding 0.0
    // makes it 0.0 and leaves every other value as it is.
    let total: f64 = tree.iter().map(|n| n.area_m2).sum::<f64>() + 0.0;
    let groups = tree::nodes_at_level(&tree, level.clamp(1, 3))
        .into_iter()
        .map(|n| GroupRow {
            key: n.key.clone(),
            name: n.name.clone(),
            name_en: n.name_en.clone(),
            rgb: n.rgb,
            count: n.count,
            area_m2: n.area_m2,
            area_ha: n.area_m2 / M2_PER_HA,
            area_mu: n.area_m2 / M2_PER_MU,
            share_pct: if total > 0.0 {
                n.area_m2 / total * 100.0
            } else {
                0.0
            },
            area_ha_rounded: n.area_ha_rounded,
            area_mu_rounded: n.area_mu_rounded,
            share_pct_rounded: n.share_pct_rounded,
            mixed_area_m2: n.mixed_area_m2,
        })
        .collect();
    let notes = notes_of(&tally, options.mixed);
    StatsTable {
        features: tally.features,
        area_method: method.key(),
        central_meridian_deg: match method {
            AreaMethod::GaussKruger {
                central_meridian_deg,
            } => Some(central_meridian_deg),
            AreaMethod::Ellipsoidal => None,
        },
        mixed: options.mixed,
        total_area_m2: total,
        total_area_ha: total / M2_PER_HA,
        total_area_mu: total / M2_PER_MU,
        total_area_ha_rounded: round2(total / M2_PER_HA),
        total_area_mu_rounded: round2(total / M2_PER_MU),
        groups,
        indicators: indicators_of(parts, total),
        notes,
        tree,
        tally,
        method,
        palette: match grouping {
            Grouping::Class(p) => Some(*p),
            Grouping::Field(_) => None,
        },
        level: level.clamp(1, 3),
    }
}

/// The notes a table carries about mixed uses and unknown codes, in Chinese (the
/// language of the plan texts the tables go into).
fn notes_of(tally: &Tally, mixed: MixedMode) -> Vec<String> {
    let mut notes = Vec::new();
    if tally.mixed_features > 0 {
        let ha = tally.mixed_area_m2 / M2_PER_HA;
        let codes = tally.mixed_codes.join("、");
        notes.push(match mixed {
            MixedMode::Dominant => format!(
                "含混合用地 {ha:.2} 公顷（{} 个地块：{codes}），按主导用途（首位代码）计入",
                grouped(tally.mixed_features)
            ),
            MixedMode::Separate => format!(
                "混合用地 {} 个地块按用途组合单列（{codes}）",
                grouped(tally.mixed_features)
            ),
            MixedMode::Split => format!(
                "含混合用地 {ha:.2} 公顷（{} 个地块：{codes}），按兼容比例分摊，地块数计入主导用途",
                grouped(tally.mixed_features)
            ),
        });
        if tally.split_fallbacks > 0 {
            notes.push(format!(
                "{} 个混合用地地块缺少有效的兼容比例，按主导用途计入",
                grouped(tally.split_fallbacks)
            ));
        }
    }
    if !tally.unknown_codes.is_empty() {
        let list = tally
            .unknown_codes
            .iter()
            .map(|(c, n)| format!("{c}（{n}）"))
            .collect::<Vec<_>>()
            .join("、");
        notes.push(format!("标准分类中没有的代码按原值单列：{list}"));
    }
    notes
}

/// The column headings of a flat balance table.
pub fn balance_headings(chinese: bool) -> [&'static str; 6] {
    if chinese {
        [
            "代码",
            "名称",
            "数量",
            "面积（公顷）",
            "面积（亩）",
            "比例（%）",
        ]
    } else {
        [
            "Code",
            "Name",
            "Count",
            "Area (ha)",
            "Area (mu)",
            "Share (%)",
        ]
    }
}

/// The fields a breakdown may group by: those whose values are categories (text,
/// with fewer distinct values than a tenth of the features, or 200 at most),
/// leaving out the id field and numbers such as areas or FAR, whose breakdown would
/// be a row a feature. Judged on the first 5,000 features, so it is cheap to ask
/// each frame.
pub fn groupable_fields(layer: &crate::model::Layer) -> Vec<usize> {
    use crate::model::AttrValue;
    let sample = layer.len().min(5_000);
    let most_distinct = (sample / 10).clamp(12, 200);
    (0..layer.fields.len())
        .filter(|&k| Some(k) != layer.roles.id)
        .filter(|&k| {
            let mut texts = 0usize;
            let mut numbers = 0usize;
            let mut distinct: std::collections::HashSet<&str> = Default::default();
            for i in 0..sample {
                match layer.value(i, k) {
                    AttrValue::Text(t) => {
                        texts += 1;
                        if distinct.len() <= most_distinct {
                            distinct.insert(t.as_str());
                        }
                    }
                    AttrValue::Int(_) | AttrValue::Float(_) => numbers += 1,
                    AttrValue::Bool(_) => texts += 1,
                    AttrValue::Null => {}
                }
            }
            texts > 0 && texts >= 9 * numbers && distinct.len() <= most_distinct
        })
        .collect()
}

impl StatsTable {
    /// The table as tab-separated text for pasting into a spreadsheet: a header, one
    /// line per row, the total, and the area method, in Chinese or English. Numbers
    /// are the balanced, rounded ones, so the pasted column sums to the total.
    pub fn to_tsv(&self, chinese: bool) -> String {
        let (total, method) = if chinese {
            ("合计", self.method.describe_zh())
        } else {
            ("Total", self.method.describe_en())
        };
        let mut out = balance_headings(chinese).join("\t");
        out.push('\n');
        for r in &self.groups {
            let name = if chinese { &r.name } else { &r.name_en };
            out.push_str(&format!(
                "{}\t{}\t{}\t{:.2}\t{:.2}\t{:.2}\n",
                r.key,
                name.as_deref().unwrap_or(""),
                r.count,
                r.area_ha_rounded,
                r.area_mu_rounded,
                r.share_pct_rounded
            ));
        }
        let pct = if self.total_area_m2 > 0.0 { 100.0 } else { 0.0 };
        out.push_str(&format!(
            "{total}\t\t{}\t{:.2}\t{:.2}\t{pct:.2}\n{method}\n",
            self.features, self.total_area_ha_rounded, self.total_area_mu_rounded
        ));
        for n in &self.notes {
            out.push_str(n);
            out.push('\n');
        }
        out
    }
}
