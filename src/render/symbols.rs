//! Facility symbols by type: the one-character glyph and the colour of the disc a
//! public facility is drawn as, shared by the window, map images and PDFs so every
//! output uses the same symbol for the same kind of facility.

use super::canvas::{ASCENT_EM, DESCENT_EM, Line, Shape, circle, text_advance};

/// A facility type's symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FacilitySymbol {
    /// The type as the data names it in Chinese (类型).
    pub kind_zh: &'static str,
    /// The type in English, as the bundled data's `type` field names it.
    pub kind_en: &'static str,
    /// The character drawn in the disc.
    pub glyph: &'static str,
    pub rgb: [u8; 3],
}

const EDU: [u8; 3] = [214, 74, 160];
const HEALTH: [u8; 3] = [220, 60, 60];
const CIVIC: [u8; 3] = [60, 110, 200];
const GREEN: [u8; 3] = [40, 150, 70];
const UTILITY: [u8; 3] = [0, 99, 128];
const INNOVATION: [u8; 3] = [150, 0, 60];

/// Every known facility type, in the order a legend lists them.
pub const FACILITY_SYMBOLS: [FacilitySymbol; 15] = [
    sym("中小学", "school", "学", EDU),
    sym("幼儿园", "kindergarten", "幼", EDU),
    sym("医院", "hospital", "医", HEALTH),
    sym("社区卫生服务站", "community health station", "卫", HEALTH),
    sym(
        "一老一小服务中心",
        "elderly and child care centre",
        "老",
        [230, 126, 34],
    ),
    sym("公园", "park", "园", GREEN),
    sym("体育中心", "sports centre", "体", GREEN),
    sym("文化中心", "cultural centre", "文", [200, 110, 0]),
    sym("消防站", "fire station", "消", [200, 30, 30]),
    sym("派出所", "police station", "警", CIVIC),
    sym("变电站", "substation", "电", UTILITY),
    sym("公交枢纽", "bus hub", "交", [90, 90, 90]),
    sym("研究院", "research institute", "研", INNOVATION),
    sym("孵化器", "incubator", "创", INNOVATION),
    sym("人才社区", "talent community", "才", [180, 150, 0]),
];

const fn sym(
    kind_zh: &'static str,
    kind_en: &'static str,
    glyph: &'static str,
    rgb: [u8; 3],
) -> FacilitySymbol {
    FacilitySymbol {
        kind_zh,
        kind_en,
        glyph,
        rgb,
    }
}

/// The glyph of a facility whose type is not in the table.
pub const OTHER_GLYPH: &str = "●";
/// The colour of a facility whose type is not in the table.
pub const OTHER_RGB: [u8; 3] = CIVIC;

/// The symbol of a facility type, by its Chinese or English name.
pub fn lookup(kind: &str) -> Option<&'static FacilitySymbol> {
    let kind = kind.trim();
    FACILITY_SYMBOLS
        .iter()
        .find(|s| s.kind_zh == kind || s.kind_en.eq_ignore_ascii_case(kind))
}

/// The glyph and colour of a facility type; an unknown type gets a plain dot in
/// the civic blue, so it is still drawn and still told apart from known ones.
pub fn facility_symbol(kind: &str) -> (&'static str, [u8; 3]) {
    lookup(kind).map_or((OTHER_GLYPH, OTHER_RGB), |s| (s.glyph, s.rgb))
}

/// The fields that may hold a facility's type, in the order they are tried: the
/// Chinese name first, so the legend and the glyph follow the data's own words.
pub const TYPE_FIELDS: [&str; 4] = ["类型", "type", "类别", "kind"];

/// The index of a layer's type field, if it has one.
pub fn type_field(layer: &crate::model::Layer) -> Option<usize> {
    TYPE_FIELDS.iter().find_map(|f| layer.field_index(f))
}

/// The shapes of a facility symbol centred at `(cx, cy)` with radius `r`: a disc
/// in the type's colour with a white rim, and the glyph in white (a plain disc for
/// an unknown type), `pt` units to the point.
pub fn symbol_shapes(
    (cx, cy): (f32, f32),
    r: f32,
    rgb: [u8; 3],
    glyph: &str,
    pt: f32,
) -> Vec<Shape> {
    let mut out = vec![Shape::Path {
        points: circle(cx, cy, r),
        close: true,
        fill: Some(rgb),
        stroke: Some(Line::solid([255, 255, 255], (0.12 * r).max(0.5 * pt))),
    }];
    if !glyph.is_empty() && glyph != OTHER_GLYPH {
        let size = r * 1.3;
        let w = text_advance(glyph, size);
        // A CJK glyph's ink spans from ASCENT_EM above the baseline to DESCENT_EM
        // below it; its middle goes on the disc's centre.
        out.push(Shape::Text {
            x: cx - w / 2.0,
            y: cy + size * (ASCENT_EM - DESCENT_EM) / 2.0,
            size,
            rgb: [255, 255, 255],
            text: glyph.to_string(),
            halo: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_types_have_their_glyphs() {
        assert_eq!(facility_symbol("中小学").0, "学");
        assert_eq!(facility_symbol("school").0, "学");
        assert_eq!(facility_symbol("幼儿园").0, "幼");
        assert_eq!(facility_symbol("医院").0, "医");
        assert_eq!(facility_symbol("未知").0, OTHER_GLYPH);
        // Every glyph is one character, and no two types share one unless they are
        // the same kind of place.
        for s in &FACILITY_SYMBOLS {
            assert_eq!(s.glyph.chars().count(), 1, "{}", s.kind_zh);
        }
    }
}
