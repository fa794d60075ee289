//! Area statistics: the land-use balance table (用地平衡表), breakdowns by any field,
//! and the planning indicators (GFA, FAR, building density, green ratio).
//!
//! Units: areas in m² unless a name says otherwise; 1 公顷 (ha) = 10 000 m²;
//! 1 亩 = 10 000/15 m². Tables round to 2 decimals and balance the rounding (largest
//! remainder) so the rounded rows add up exactly to the rounded total.

use std::borrow::Cow;
use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::area::gauss_kruger_area_m2;
use crate::crs::{CrsError, GaussKruger};
use crate::landuse::{ClassId, LanduseTable, Palette};
use crate::model::{FieldRole, Layer};

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
            AreaMethod::Ellipsoidal => "面积算法:WGS84/CGCS2000 椭球面积".into(),
            AreaMethod::GaussKruger {
                central_meridian_deg,
            } => format!(
                "面积算法:CGCS2000 高斯-克吕格 3° 带平面面积(中央经线 {central_meridian_deg}°E)"
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
    /// [`LanduseTable::shown_as`]), at level 1 or 2.
    ClassGb50137(u8),
}

/// One row of a statistics table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRow {
    /// The class code or field value; "" for features with no value.
    pub key: String,
    /// The class's Chinese name; `None` for field values and unknown codes.
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
    /// Rounded to 2 decimals, balanced so the column sums to the rounded total.
    pub area_ha_rounded: f64,
    pub area_mu_rounded: f64,
    pub share_pct_rounded: f64,
}

/// Planning indicators over a set of parcels, from the fields that carry them.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Indicators {
    pub parcels_with_far: usize,
    /// Σ area × FAR (m²).
    pub gfa_m2: f64,
    /// GFA / area of the parcels that have a FAR.
    pub far_weighted: Option<f64>,
    pub parcels_with_density: usize,
    /// Σ area × building density (m²).
    pub footprint_m2: f64,
    /// Footprint / area of the parcels that have a density (0–1).
    pub density_weighted: Option<f64>,
    pub parcels_with_green: usize,
    /// Σ area × green ratio (m²).
    pub green_area_m2: f64,
    /// Green area / area of the parcels that have a green ratio (0–1).
    pub green_ratio_weighted: Option<f64>,
    pub height_limit_max_m: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatsTable {
    pub features: usize,
    pub area_method: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub central_meridian_deg: Option<f64>,
    pub total_area_m2: f64,
    pub total_area_ha: f64,
    pub total_area_mu: f64,
    pub total_area_ha_rounded: f64,
    pub total_area_mu_rounded: f64,
    pub groups: Vec<GroupRow>,
    pub indicators: Indicators,
    #[serde(skip)]
    pub method: AreaMethod,
}

/// Ratios given as percentages (35) are read as fractions (0.35).
fn as_fraction(v: f64) -> f64 {
    if v > 1.0 { v / 100.0 } else { v }
}

/// Computes the table over `features` (indices into the layer; all when `None`).
pub fn group_stats(
    layer: &Layer,
    features: Option<&[usize]>,
    by: GroupBy,
    method: AreaMethod,
    areas_m2: &[f64],
) -> StatsTable {
    let table = LanduseTable::global();
    let all: Vec<usize>;
    let features: &[usize] = match features {
        Some(f) => f,
        None => {
            all = (0..layer.len()).collect();
            &all
        }
    };
    let area = |i: usize| areas_m2.get(i).copied().unwrap_or(0.0);

    // Accumulate (count, area) per key. Classes go into a dense array indexed by
    // class id (a few hundred entries), which keeps 100k-feature tables in a
    // millisecond; everything else into an ordered map.
    let mut by_class: Vec<(usize, f64)> = vec![(0, 0.0); table.classes.len()];
    let mut by_text: BTreeMap<String, (usize, f64)> = BTreeMap::new();
    match by {
        GroupBy::Class(level) | GroupBy::ClassGb50137(level) => {
            let palette = match by {
                GroupBy::ClassGb50137(_) => Palette::Gb50137,
                _ => Palette::Gtkj2023,
            };
            let raw_col = layer.roles.landuse;
            for &i in features {
                match layer.class.get(i).copied().flatten() {
                    Some(c) => {
                        let k = table.at_level(table.shown_as(c, palette), level) as usize;
                        if let Some(slot) = by_class.get_mut(k) {
                            slot.0 += 1;
                            slot.1 += area(i);
                        }
                    }
                    None => {
                        let key = raw_col
                            .and_then(|f| layer.value(i, f).to_text())
                            .map(|t| t.trim().to_string())
                            .unwrap_or_default();
                        let e = by_text.entry(key).or_default();
                        e.0 += 1;
                        e.1 += area(i);
                    }
                }
            }
        }
        GroupBy::Field(field) => {
            for &i in features {
                let key = layer.value(i, field).to_text().unwrap_or_default();
                let e = by_text.entry(key).or_default();
                e.0 += 1;
                e.1 += area(i);
            }
        }
    }

    let mut rows: Vec<GroupRow> = Vec::new();
    for (id, &(count, a)) in by_class.iter().enumerate() {
        if count == 0 {
            continue;
        }
        let class = table.class(id as ClassId);
        rows.push(row(
            class.map(|c| c.code.clone()).unwrap_or_default(),
            class.map(|c| c.name_zh.clone()),
            class.map(|c| c.name_en.clone()),
            class.map(|c| c.rgb),
            count,
            a,
        ));
    }
    for (key, (count, a)) in by_text {
        rows.push(row(key, None, None, None, count, a));
    }
    // Codes sort as text ("07" < "0701" < "08" < "R"); rows without a value go last.
    rows.sort_by(|a, b| (a.key.is_empty(), &a.key).cmp(&(b.key.is_empty(), &b.key)));

    let total: f64 = rows.iter().map(|r| r.area_m2).sum();
    for r in &mut rows {
        r.share_pct = if total > 0.0 {
            r.area_m2 / total * 100.0
        } else {
            0.0
        };
    }
    let total_ha_rounded = round2(total / M2_PER_HA);
    let total_mu_rounded = round2(total / M2_PER_MU);
    let ha = balance_round(
        &rows.iter().map(|r| r.area_ha).collect::<Vec<_>>(),
        total_ha_rounded,
    );
    let mu = balance_round(
        &rows.iter().map(|r| r.area_mu).collect::<Vec<_>>(),
        total_mu_rounded,
    );
    let pct_total = if total > 0.0 { 100.0 } else { 0.0 };
    let pct = balance_round(
        &rows.iter().map(|r| r.share_pct).collect::<Vec<_>>(),
        pct_total,
    );
    for (i, r) in rows.iter_mut().enumerate() {
        r.area_ha_rounded = ha.get(i).copied().unwrap_or(0.0);
        r.area_mu_rounded = mu.get(i).copied().unwrap_or(0.0);
        r.share_pct_rounded = pct.get(i).copied().unwrap_or(0.0);
    }

    StatsTable {
        features: features.len(),
        area_method: method.key(),
        central_meridian_deg: match method {
            AreaMethod::GaussKruger {
                central_meridian_deg,
            } => Some(central_meridian_deg),
            AreaMethod::Ellipsoidal => None,
        },
        total_area_m2: total,
        total_area_ha: total / M2_PER_HA,
        total_area_mu: total / M2_PER_MU,
        total_area_ha_rounded: total_ha_rounded,
        total_area_mu_rounded: total_mu_rounded,
        groups: rows,
        indicators: indicators(layer, features, areas_m2),
        method,
    }
}

/// One line of the planning indicators, as tables show it.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorRow {
    pub label: &'static str,
    pub value: f64,
    pub unit: &'static str,
    /// Decimals to show.
    pub decimals: usize,
}

/// The indicators the data has, in the order planners list them: total area (公顷
/// and 亩), GFA and weighted FAR, footprint and building density, green area and
/// ratio, highest height limit.
pub fn indicator_rows(t: &StatsTable, chinese: bool) -> Vec<IndicatorRow> {
    let l = |zh: &'static str, en: &'static str| if chinese { zh } else { en };
    let row = |label, value, unit, decimals| IndicatorRow {
        label,
        value,
        unit,
        decimals,
    };
    let ind = &t.indicators;
    let mut rows = vec![
        row(
            l("总用地面积", "Total area"),
            t.total_area_ha_rounded,
            l("公顷", "ha"),
            2,
        ),
        row(
            l("总用地面积", "Total area"),
            t.total_area_mu_rounded,
            l("亩", "mu"),
            2,
        ),
    ];
    if let Some(far) = ind.far_weighted {
        rows.push(row(
            l("总建筑面积", "Gross floor area"),
            ind.gfa_m2,
            "m²",
            0,
        ));
        rows.push(row(l("平均容积率", "Weighted FAR"), far, "", 2));
    }
    if let Some(d) = ind.density_weighted {
        rows.push(row(
            l("建筑基底面积", "Building footprint"),
            ind.footprint_m2,
            "m²",
            0,
        ));
        rows.push(row(l("建筑密度", "Building density"), d * 100.0, "%", 1));
    }
    if let Some(g) = ind.green_ratio_weighted {
        rows.push(row(l("绿地面积", "Green area"), ind.green_area_m2, "m²", 0));
        rows.push(row(l("绿地率", "Green ratio"), g * 100.0, "%", 1));
    }
    if let Some(h) = ind.height_limit_max_m {
        rows.push(row(l("最高限高", "Highest height limit"), h, "m", 0));
    }
    rows
}

/// The column headings of a balance table.
pub fn balance_headings(chinese: bool) -> [&'static str; 6] {
    if chinese {
        ["代码", "名称", "数量", "面积(公顷)", "面积(亩)", "比例(%)"]
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
        out
    }
}

fn row(
    key: String,
    name: Option<String>,
    name_en: Option<String>,
    rgb: Option<[u8; 3]>,
    count: usize,
    area_m2: f64,
) -> GroupRow {
    GroupRow {
        key,
        name,
        name_en,
        rgb,
        count,
        area_m2,
        area_ha: area_m2 / M2_PER_HA,
        area_mu: area_m2 / M2_PER_MU,
        share_pct: 0.0,
        area_ha_rounded: 0.0,
        area_mu_rounded: 0.0,
        share_pct_rounded: 0.0,
    }
}

/// Planning indicators over the given features.
pub fn indicators(layer: &Layer, features: &[usize], areas_m2: &[f64]) -> Indicators {
    let mut ind = Indicators::default();
    let (mut far_area, mut density_area, mut green_area) = (0.0, 0.0, 0.0);
    for &i in features {
        let a = areas_m2.get(i).copied().unwrap_or(0.0);
        if let Some(far) = layer.role_f64(i, FieldRole::Far).filter(|v| *v >= 0.0) {
            ind.parcels_with_far += 1;
            ind.gfa_m2 += a * far;
            far_area += a;
        }
        if let Some(d) = layer
            .role_f64(i, FieldRole::BuildingDensity)
            .filter(|v| *v >= 0.0)
        {
            ind.parcels_with_density += 1;
            ind.footprint_m2 += a * as_fraction(d);
            density_area += a;
        }
        if let Some(g) = layer
            .role_f64(i, FieldRole::GreenRatio)
            .filter(|v| *v >= 0.0)
        {
            ind.parcels_with_green += 1;
            ind.green_area_m2 += a * as_fraction(g);
            green_area += a;
        }
        if let Some(h) = layer.role_f64(i, FieldRole::HeightLimit) {
            ind.height_limit_max_m = Some(ind.height_limit_max_m.map_or(h, |m: f64| m.max(h)));
        }
    }
    ind.far_weighted = (far_area > 0.0).then(|| ind.gfa_m2 / far_area);
    ind.density_weighted = (density_area > 0.0).then(|| ind.footprint_m2 / density_area);
    ind.green_ratio_weighted = (green_area > 0.0).then(|| ind.green_area_m2 / green_area);
    ind
}

pub fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Rounds non-negative `values` to 2 decimals so that they sum exactly to
/// `rounded_total` (itself a 2-decimal value): each value is floored to the cent,
/// and the missing cents go to the values with the largest remainders (ties to the
/// earlier row), the largest-remainder method of apportionment.
pub fn balance_round(values: &[f64], rounded_total: f64) -> Vec<f64> {
    let cents: Vec<f64> = values.iter().map(|v| v.max(0.0) * 100.0).collect();
    let mut floors: Vec<i64> = cents.iter().map(|c| c.floor() as i64).collect();
    let target = (rounded_total * 100.0).round() as i64;
    let mut missing = target - floors.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| {
        let rem = |i: usize| cents.get(i).map_or(0.0, |c| c - c.floor());
        rem(b).total_cmp(&rem(a)).then(a.cmp(&b))
    });
    // `missing` is between 0 and the number of rows when the total is the rounded
    // sum; a guard keeps odd inputs (a total from elsewhere) from looping.
    let mut k = 0;
    while missing > 0 && !order.is_empty() {
        if let Some(f) = order.get(k % order.len()).and_then(|&i| floors.get_mut(i)) {
            *f += 1;
        }
        missing -= 1;
        k += 1;
    }
    while missing < 0 && !order.is_empty() {
        let i = order
            .get(order.len() - 1 - (k % order.len()))
            .copied()
            .unwrap_or(0);
        if let Some(f) = floors.get_mut(i)
            && *f > 0
        {
            *f -= 1;
            missing += 1;
        }
        k += 1;
        if k > 4 * order.len() + 4 {
            break;
        }
    }
    floors.into_iter().map(|c| c as f64 / 100.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_rounding_sums_to_total() {
        let v = [33.333, 33.333, 33.334];
        let r = balance_round(&v, 100.0);
        assert_eq!(r, vec![33.33, 33.33, 33.34]);
        let v = [1.005, 2.005, 3.005, 0.004];
        let total = round2(v.iter().sum::<f64>());
        let r = balance_round(&v, total);
        assert!(
            (r.iter().sum::<f64>() - total).abs() < 1e-9,
            "{r:?} {total}"
        );
        for (a, b) in r.iter().zip(v) {
            assert!((a - b).abs() <= 0.01 + 1e-12);
        }
    }
}
