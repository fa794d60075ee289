//! Planning indicators (规划指标) that agree with the balance table: gross figures
//! over the table's total area (毛), net figures over the parcels that carry the
//! value (净), and how many parcels lack it.
//!
//! The indicators count development parcels only. Transport land (交通运输用地: the
//! airport, roads), green and open space (绿地与开敞空间用地: parks keep most of their
//! own area green) and water are left out whatever values they carry, so the
//! floor area is that of buildings on plots, 地块内绿地 is green space inside plots
//! and not the parks themselves, and the net denominators are a defined set of land
//! rather than "whichever parcels happen to have a value".
//!
//! Units: areas in m²; ratios as fractions (0–1); GFA printed in 万m².

use serde::Serialize;

use super::tree::Part;
use crate::landuse::{ClassId, LanduseTable};
use crate::model::FieldRole;

/// Level-1 classes whose parcels the indicators leave out: transport, green and
/// open space, water (the 2023 codes and their GB 50137 counterparts).
const EXCLUDED_LEVEL1: &[&str] = &["12", "14", "17", "S", "G", "E"];

/// Whether each class (by id) is left out of the indicators.
fn excluded_classes() -> &'static [bool] {
    static CELL: std::sync::OnceLock<Vec<bool>> = std::sync::OnceLock::new();
    CELL.get_or_init(|| {
        let t = LanduseTable::global();
        (0..t.classes.len())
            .map(|id| {
                let top = t.at_level(id as ClassId, 1);
                t.class(top)
                    .is_some_and(|c| EXCLUDED_LEVEL1.contains(&c.code.as_str()))
                    // GB 50137's H2 holds the airport and the expressway.
                    || t.class(t.at_level(id as ClassId, 2)).is_some_and(|c| c.code == "H2")
            })
            .collect()
    })
}

/// Whether a parcel of `class` is development land, whose 容积率, 建筑密度, 绿地率 and
/// 限高 are control values: not transport (the airport, roads), green and open
/// space or water, which the indicators leave out too. A parcel without a class
/// counts as development land, so nothing it carries is hidden.
pub fn is_development_class(class: Option<ClassId>) -> bool {
    class.is_none_or(|c| {
        !excluded_classes()
            .get(usize::from(c))
            .copied()
            .unwrap_or(false)
    })
}

/// Ratios given as percentages (35) are read as fractions (0.35).
fn as_fraction(v: f64) -> f64 {
    if v > 1.0 { v / 100.0 } else { v }
}

/// One indicator summed over the parcels: Σ area × value, and the area and
/// number of the parcels that carry a value, and of those in layers that have the
/// field but no value for them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Weighted {
    /// Σ area × value (m²).
    pub sum_m2: f64,
    /// Area of the parcels with a value (m²): the net denominator.
    pub base_area_m2: f64,
    pub with_value: usize,
    /// Parcels of layers that have the field but no (valid) value.
    pub missing: usize,
}

impl Weighted {
    fn add(&mut self, area_m2: f64, value: Option<f64>) {
        match value {
            Some(v) => {
                self.sum_m2 += area_m2 * v;
                self.base_area_m2 += area_m2;
                self.with_value += 1;
            }
            None => self.missing += 1,
        }
    }

    /// Σ area × value ÷ the area of the parcels with a value.
    pub fn net(&self) -> Option<f64> {
        (self.base_area_m2 > 0.0).then(|| self.sum_m2 / self.base_area_m2)
    }

    /// Σ area × value ÷ `total_m2`.
    pub fn gross(&self, total_m2: f64) -> Option<f64> {
        (self.with_value > 0 && total_m2 > 0.0).then(|| self.sum_m2 / total_m2)
    }
}

/// Planning indicators over a set of parcels, from the fields that carry them.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Indicators {
    /// The denominator of the gross figures: the table's total area (m²).
    pub total_area_m2: f64,
    /// Floor area: Σ area × FAR.
    pub far: Weighted,
    /// Building footprint: Σ area × building density.
    pub density: Weighted,
    /// Green space inside parcels (地块内绿地): Σ area × green ratio.
    pub green: Weighted,
    pub height_limit_max_m: Option<f64>,
    pub parcels_with_height: usize,
    /// Parcels left out because of their class (transport, green space, water).
    pub parcels_excluded: usize,
    // The figures below are the ones above, named as earlier versions of the JSON
    // named them, so scripts reading `stats --format json` keep working.
    pub parcels_with_far: usize,
    pub gfa_m2: f64,
    /// Net FAR: GFA ÷ the area of the parcels that have a FAR.
    pub far_weighted: Option<f64>,
    pub far_gross: Option<f64>,
    pub parcels_with_density: usize,
    pub footprint_m2: f64,
    pub density_weighted: Option<f64>,
    pub density_gross: Option<f64>,
    pub parcels_with_green: usize,
    pub green_area_m2: f64,
    pub green_ratio_weighted: Option<f64>,
    pub green_ratio_gross: Option<f64>,
}

/// Planning indicators over the features of `parts`; `total_area_m2` is the
/// table's total, the base of the gross figures.
pub fn indicators_of(parts: &[Part<'_>], total_area_m2: f64) -> Indicators {
    let mut ind = Indicators {
        total_area_m2,
        ..Default::default()
    };
    for part in parts {
        let layer = part.layer;
        let has = |role: FieldRole| layer.roles.get(role).is_some();
        let (far, density, green, height) = (
            has(FieldRole::Far),
            has(FieldRole::BuildingDensity),
            has(FieldRole::GreenRatio),
            has(FieldRole::HeightLimit),
        );
        if !(far || density || green || height) {
            continue;
        }
        let excluded = excluded_classes();
        let mut visit = |i: usize| {
            let left_out = layer
                .class
                .get(i)
                .copied()
                .flatten()
                .is_some_and(|c| excluded.get(c as usize).copied().unwrap_or(false));
            if left_out {
                ind.parcels_excluded += 1;
                return;
            }
            let a = part.areas_m2.get(i).copied().unwrap_or(0.0);
            let value = |role| layer.role_f64(i, role).filter(|v: &f64| *v >= 0.0);
            if far {
                ind.far.add(a, value(FieldRole::Far));
            }
            if density {
                ind.density
                    .add(a, value(FieldRole::BuildingDensity).map(as_fraction));
            }
            if green {
                ind.green
                    .add(a, value(FieldRole::GreenRatio).map(as_fraction));
            }
            if let Some(h) = layer.role_f64(i, FieldRole::HeightLimit) {
                ind.parcels_with_height += 1;
                ind.height_limit_max_m = Some(ind.height_limit_max_m.map_or(h, |m: f64| m.max(h)));
            }
        };
        match part.features {
            Some(f) => f.iter().for_each(|&i| visit(i)),
            None => (0..layer.len()).for_each(visit),
        }
    }
    ind.parcels_with_far = ind.far.with_value;
    ind.gfa_m2 = ind.far.sum_m2;
    ind.far_weighted = ind.far.net();
    ind.far_gross = ind.far.gross(total_area_m2);
    ind.parcels_with_density = ind.density.with_value;
    ind.footprint_m2 = ind.density.sum_m2;
    ind.density_weighted = ind.density.net();
    ind.density_gross = ind.density.gross(total_area_m2);
    ind.parcels_with_green = ind.green.with_value;
    ind.green_area_m2 = ind.green.sum_m2;
    ind.green_ratio_weighted = ind.green.net();
    ind.green_ratio_gross = ind.green.gross(total_area_m2);
    ind
}

/// One line of the planning indicators, as every table prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorRow {
    pub label: &'static str,
    pub value: f64,
    pub unit: &'static str,
    /// Decimals to show.
    pub decimals: usize,
    /// How the figure is obtained (口径): its formula and denominator, and how
    /// many parcels lack a value.
    pub basis: String,
}

/// Formats a count as the tables print it: plain digits, like their areas
/// (3647.43), so that a table does not mix two ways of writing numbers.
pub fn grouped(n: usize) -> String {
    n.to_string()
}

/// The indicators the data has, in the order planners list them, each printed
/// once: floor area with gross and net FAR, footprint with gross and net density,
/// green space inside parcels with gross and net green ratio, the highest height
/// limit. The total area itself is the balance table's 合计 and is not repeated.
pub fn indicator_rows(ind: &Indicators, chinese: bool) -> Vec<IndicatorRow> {
    let l = |zh: &'static str, en: &'static str| if chinese { zh } else { en };
    let coverage = |w: &Weighted| {
        if chinese {
            format!("{} 个地块有值，{} 个缺值", w.with_value, w.missing)
        } else {
            format!(
                "{} parcels with a value, {} without",
                w.with_value, w.missing
            )
        }
    };
    let net_base = |w: &Weighted, zh: &str, en: &str| {
        if chinese {
            format!(
                "÷ 有{zh}地块面积（{:.2} 公顷）",
                w.base_area_m2 / super::M2_PER_HA
            )
        } else {
            format!(
                "÷ area of parcels with a {en} ({:.2} ha)",
                w.base_area_m2 / super::M2_PER_HA
            )
        }
    };
    let gross_base = l("÷ 表中合计用地面积", "÷ the table's total area");
    let mut rows = Vec::new();
    let mut push = |label, value: Option<f64>, unit, decimals, basis: String| {
        if let Some(value) = value {
            rows.push(IndicatorRow {
                label,
                value,
                unit,
                decimals,
                basis,
            });
        }
    };
    let total = ind.total_area_m2;
    let sep = l("；", "; ");
    let groups: [(&Weighted, [&'static str; 4], [&'static str; 2], f64); 3] = [
        (
            &ind.far,
            [
                l("总建筑面积", "Gross floor area"),
                l("毛容积率", "Gross FAR"),
                l("净容积率", "Net FAR"),
                l(
                    "Σ 地块面积 × 容积率（不含交通运输、绿地与开敞空间、水域用地）",
                    "Σ parcel area × FAR (without transport, green space and water)",
                ),
            ],
            ["容积率", "FAR"],
            1.0,
        ),
        (
            &ind.density,
            [
                l("建筑基底面积", "Building footprint"),
                l("毛建筑密度", "Gross building density"),
                l("净建筑密度", "Net building density"),
                l("Σ 地块面积 × 建筑密度", "Σ parcel area × density"),
            ],
            ["建筑密度", "building density"],
            100.0,
        ),
        (
            &ind.green,
            [
                l("地块内绿地面积", "Green space inside parcels"),
                l("毛绿地率", "Gross green ratio"),
                l("净绿地率", "Net green ratio"),
                l("Σ 地块面积 × 绿地率", "Σ parcel area × green ratio"),
            ],
            ["绿地率", "green ratio"],
            100.0,
        ),
    ];
    for (w, [sum_label, gross_label, net_label, formula], [zh, en], scale) in groups {
        if w.with_value == 0 {
            continue;
        }
        let (unit, decimals) = if scale == 1.0 { ("", 2) } else { ("%", 1) };
        // Floor area is counted in 万m², as plan texts count it; footprint and
        // green space are land, in 公顷 (the same figure, 10,000 m²).
        let sum_unit = if scale == 1.0 {
            l("万m²", "10⁴ m²")
        } else {
            l("公顷", "ha")
        };
        push(
            sum_label,
            Some(w.sum_m2 / 10_000.0),
            sum_unit,
            2,
            format!("{formula}{sep}{}", coverage(w)),
        );
        push(
            gross_label,
            w.gross(total).map(|v| v * scale),
            unit,
            decimals,
            format!("{sum_label} {gross_base}"),
        );
        push(
            net_label,
            w.net().map(|v| v * scale),
            unit,
            decimals,
            format!("{sum_label} {}", net_base(w, zh, en)),
        );
    }
    if let Some(h) = ind.height_limit_max_m {
        let basis = if chinese {
            format!("{} 个地块有限高", grouped(ind.parcels_with_height))
        } else {
            format!(
                "{} parcels with a height limit",
                grouped(ind.parcels_with_height)
            )
        };
        push(
            l("建筑限高（最高）", "Highest height limit"),
            Some(h),
            "m",
            0,
            basis,
        );
    }
    rows
}
