//! Short descriptions of features, shared by the map's tooltip and the briefing's
//! hover card.

use crate::landuse::LanduseTable;

/// A feature's heading (id and name) and its lines: land-use class and area, as
/// the tooltip and the briefing's hover card show them.
pub fn feature_summary(
    data: &crate::model::Layer,
    fi: usize,
    chinese: bool,
) -> (String, Vec<String>) {
    let table = LanduseTable::global();
    let mut head = data.feature_id(fi);
    if let Some(name) = data.roles.name.and_then(|n| data.value(fi, n).to_text()) {
        head = format!("{head}  {name}");
    }
    let mut lines = Vec::new();
    if let Some(c) = data
        .class
        .get(fi)
        .copied()
        .flatten()
        .and_then(|c| table.class(c))
    {
        let name = if chinese { &c.name_zh } else { &c.name_en };
        lines.push(format!("{} {}", c.code, name));
    }
    let area = data.area_m2.get(fi).copied().unwrap_or(0.0);
    if area > 0.0 {
        lines.push(format!(
            "{:.2} 公顷 / {:.2} 亩",
            area / crate::stats::M2_PER_HA,
            area / crate::stats::M2_PER_MU
        ));
    }
    (head, lines)
}
