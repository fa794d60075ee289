//! Parcel report cards (一地块一卡): a parcel's planning conditions (规划条件), its
//! boundary points (界址点成果表) in CGCS2000 Gauss-Krüger coordinates and the
//! public facilities around it, judged each by its own service radius.

use geo::{BoundingRect, Coord, Geometry, LineString, Rect};

use super::{ParcelRow, ReportLang, parcel_row};
use crate::crs::GaussKruger;
use crate::landuse::{LanduseTable, Standard, parse_shares};
use crate::model::{FieldRole, Layer, format_float};
use crate::selection::{LocalPlane, distance_m};
use crate::stats::tree::SHARE_FIELDS;

/// A boundary point (界址点): its number and Gauss-Krüger coordinates, X north and Y
/// east in metres, as Chinese cadastral tables write them.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundaryPoint {
    /// The part of a multi-part parcel the point bounds, from 1 (第1块, 第2块).
    pub part: usize,
    /// The ring within its part: 0 the outer boundary, 1… the holes.
    pub ring: usize,
    pub label: String,
    pub x_north_m: f64,
    pub y_east_m: f64,
    /// The length of the side from this point to the next one of its ring, metres;
    /// `None` on the point that closes a ring.
    pub side_m: Option<f64>,
}

/// A public facility near a parcel.
#[derive(Debug, Clone, PartialEq)]
pub struct NearbyFacility {
    pub name: String,
    pub kind: String,
    /// Distance from the facility to the parcel (0 inside), metres.
    pub distance_m: f64,
    /// The facility's own service radius (its `服务半径_m`), metres.
    pub service_radius_m: Option<f64>,
    /// The facility's size as its data give it (`规模`), with its unit.
    pub scale: String,
    /// The facility stands on the parcel itself (本地块).
    pub on_parcel: bool,
}

impl NearbyFacility {
    /// Whether the parcel is within the facility's own service radius; `None`
    /// when the facility's data give no radius.
    pub fn within_radius(&self) -> Option<bool> {
        self.service_radius_m.map(|r| self.distance_m <= r)
    }
}

/// One line of a card's 规划条件: a label, its value and its unit (empty when the
/// value has none), in the order a 控规图则 prints them.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub label: String,
    pub value: String,
    pub unit: String,
}

/// The sense of a control value (控制指标): an upper limit the parcel's building
/// may not exceed (容积率 ≤ 2.0, 建筑限高 ≤ 24 m), or a lower limit it must reach
/// (绿地率 ≥ 30%).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    AtMost,
    AtLeast,
}

impl Limit {
    /// The sign a 控规 writes before the value: ≤ or ≥.
    pub fn sign(self) -> &'static str {
        match self {
            Limit::AtMost => "≤",
            Limit::AtLeast => "≥",
        }
    }

    fn reversed(self) -> Limit {
        match self {
            Limit::AtMost => Limit::AtLeast,
            Limit::AtLeast => Limit::AtMost,
        }
    }
}

/// A condition's sense on a card: the condition named by its label and unit (as
/// the card's [`Condition`] gives them) and whether its value is an upper or a
/// lower limit.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionLimit {
    pub label: String,
    pub unit: String,
    pub limit: Limit,
}

/// One parcel's report card.
#[derive(Debug, Clone)]
pub struct Card {
    pub parcel: ParcelRow,
    /// Every attribute of the parcel as (field, value) in file order.
    pub attributes: Vec<(String, String)>,
    /// The regulatory conditions (规划条件), with 计容建筑面积 and the compatible
    /// (mixed) uses.
    pub conditions: Vec<Condition>,
    /// The sense of each condition that is a control value (容积率 ≤, 绿地率 ≥ …);
    /// a condition not listed (用地性质, 用地面积, a value the data already give as
    /// a range or with its own sign) is stated as it is.
    pub limits: Vec<ConditionLimit>,
    pub boundary: Vec<BoundaryPoint>,
    /// The Gauss-Krüger zone of the boundary points: central meridian (degrees
    /// east) and 3° zone number (40 at 120°E).
    pub cm_deg: f64,
    pub zone: u32,
    /// Facilities within [`NEARBY_M`] of the parcel or within their own service
    /// radius of it, nearest first.
    pub facilities: Vec<NearbyFacility>,
    /// The parcel's lon/lat box.
    pub bbox: Option<Rect<f64>>,
    /// The airport's obstacle limitation surfaces over the parcel (净空限高) and
    /// whether its 限高 goes above them: development land only, where the report
    /// knows the runway and a surface covers the parcel.
    pub clearance: Option<crate::analysis::clearance::ParcelClearance>,
}

/// The central meridian of the Gauss-Krüger zone the cards use (CGCS2000 3° zone 40,
/// EPSG:4549, which holds Jiaxing).
pub const CARD_CM_DEG: f64 = 120.0;

/// How far around a parcel the cards list facilities, metres; a facility whose own
/// service radius is larger is listed as far as that radius reaches.
pub const NEARBY_M: f64 = 1000.0;

/// Points closer together than this are one boundary point (1 mm, the precision
/// the table prints).
const SAME_POINT_M: f64 = 0.001;

/// The boundary points of a parcel as a 界址点成果表 (TD/T 1001) lists them.
///
/// - Each part of a multi-part parcel is numbered on its own (`part` 1, 2, … in
///   the order the data give the parts; a part without an outer ring of three
///   distinct points is left out and not counted).
/// - Within a part the outer boundary comes first (`ring` 0), then its holes
///   (`ring` 1, 2, … in the data's order).
/// - The outer boundary runs clockwise. A hole runs counter-clockwise: the parcel
///   then lies on the right of every boundary walked in point order, the
///   convention of cadastral software and of the shapefile format, so a reader
///   tracing the points always has the land on the same side.
/// - Every ring starts at its north-west point: the vertex nearest the north-west
///   corner (least easting, greatest northing) of that ring's bounding box in the
///   Gauss-Krüger plane; a tie goes to the more northerly, then the more westerly
///   vertex. A corner rule, rather than the vertex furthest north-west along a
///   diagonal, picks the corner a surveyor would call 西北角 on a long parcel too.
/// - Consecutive points within 1 mm of each other are one point.
/// - Labels J1, J2, … run on across rings and parts, and each ring ends with its
///   first point repeated (same label, same coordinates) to close it.
/// - `side_m` is the side to the next point of the ring, in plane metres computed
///   from the coordinates (坐标反算), as the table's 边长 is; the closing repeat
///   has none, so a ring's sides add up to its perimeter.
///
/// Coordinates are X north and Y east, metres, without the zone number.
pub fn boundary_points(g: &Geometry<f64>, gk: &GaussKruger) -> Vec<BoundaryPoint> {
    let polygons: Vec<&geo::Polygon<f64>> = match g {
        Geometry::Polygon(p) => vec![p],
        Geometry::MultiPolygon(mp) => mp.0.iter().collect(),
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    let mut next_number = 1;
    let mut part = 0;
    for p in polygons {
        let outer = plane_ring(p.exterior(), gk, true);
        if outer.len() < 3 {
            continue;
        }
        part += 1;
        let holes = p
            .interiors()
            .iter()
            .map(|r| plane_ring(r, gk, false))
            .filter(|r| r.len() >= 3);
        for (ring, points) in std::iter::once(outer).chain(holes).enumerate() {
            push_ring(&mut out, &points, part, ring, &mut next_number);
        }
    }
    out
}

/// A ring's distinct vertices in the Gauss-Krüger plane (x east, y north), without
/// the closing vertex, running clockwise or counter-clockwise as asked and
/// starting at its north-west point.
fn plane_ring(ring: &LineString<f64>, gk: &GaussKruger, clockwise: bool) -> Vec<Coord<f64>> {
    let close = |a: Coord<f64>, b: Coord<f64>| (a.x - b.x).hypot(a.y - b.y) <= SAME_POINT_M;
    let mut points: Vec<Coord<f64>> = Vec::with_capacity(ring.0.len());
    for c in &ring.0 {
        let Some(p) = gk.forward(*c) else { continue };
        if points.last().is_some_and(|last| close(*last, p)) {
            continue;
        }
        points.push(p);
    }
    // The closing vertex, and any run of repeats at the end, is the first point.
    while points.len() > 1 {
        match (points.first(), points.last()) {
            (Some(first), Some(last)) if close(*first, *last) => {
                points.pop();
            }
            _ => break,
        }
    }
    if points.len() < 3 {
        return points;
    }
    // The shoelace sum, taken relative to the first point so that coordinates in
    // the millions keep their precision: positive when the ring runs
    // counter-clockwise (x east, y north).
    let o = points.first().copied().unwrap_or(Coord { x: 0.0, y: 0.0 });
    let twice_area: f64 = points
        .iter()
        .zip(points.iter().cycle().skip(1))
        .map(|(a, b)| (a.x - o.x) * (b.y - o.y) - (b.x - o.x) * (a.y - o.y))
        .sum();
    if (clockwise && twice_area > 0.0) || (!clockwise && twice_area < 0.0) {
        points.reverse();
    }
    let (west, north) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(w, n), p| {
            (w.min(p.x), n.max(p.y))
        });
    let corner_d = |p: &Coord<f64>| (p.x - west).hypot(p.y - north);
    let start = points
        .iter()
        .enumerate()
        .min_by(|(_, a), (_, b)| {
            corner_d(a)
                .total_cmp(&corner_d(b))
                .then(b.y.total_cmp(&a.y))
                .then(a.x.total_cmp(&b.x))
        })
        .map_or(0, |(k, _)| k);
    points.rotate_left(start);
    points
}

/// Appends a ring's points, numbered from `next_number`, and its closing repeat.
fn push_ring(
    out: &mut Vec<BoundaryPoint>,
    points: &[Coord<f64>],
    part: usize,
    ring: usize,
    next_number: &mut usize,
) {
    let Some(first) = points.first() else { return };
    let first_label = format!("J{}", *next_number);
    for (k, (p, q)) in points.iter().zip(points.iter().cycle().skip(1)).enumerate() {
        out.push(BoundaryPoint {
            part,
            ring,
            label: format!("J{}", *next_number + k),
            x_north_m: p.y,
            y_east_m: p.x,
            side_m: Some((q.x - p.x).hypot(q.y - p.y)),
        });
    }
    *next_number += points.len();
    out.push(BoundaryPoint {
        part,
        ring,
        label: first_label,
        x_north_m: first.y,
        y_east_m: first.x,
        side_m: None,
    });
}

/// Fields that give a facility's service radius in metres, in the order tried.
const RADIUS_FIELDS: &[&str] = &["服务半径_m", "服务半径", "service_radius_m", "radius_m"];
/// Fields that give a facility's size, and the unit of that size.
const SCALE_FIELDS: &[&str] = &["规模", "scale", "capacity"];
const SCALE_UNIT_FIELDS: &[&str] = &["规模单位", "scale_unit", "unit"];

fn first_field(layer: &Layer, names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| layer.field_index(n))
}

fn text_at(layer: &Layer, i: usize, field: Option<usize>) -> Option<String> {
    field
        .and_then(|k| layer.value(i, k).to_text())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// A facility's service radius, metres: a positive number, else none.
fn radius_of(layer: &Layer, i: usize, field: Option<usize>) -> Option<f64> {
    let v = layer.value(i, field?);
    let r = v
        .as_f64()
        .or_else(|| v.to_text().and_then(|t| t.trim().parse::<f64>().ok()))?;
    (r.is_finite() && r > 0.0).then_some(r)
}

/// A size and its unit as one text: `600床`, `40 MVA` (a space before a Latin
/// unit only, as Chinese typography has it).
fn scale_text(size: Option<String>, unit: Option<String>) -> String {
    match (size, unit) {
        (None, _) => String::new(),
        (Some(s), None) => s,
        (Some(s), Some(u)) if s.ends_with(u.as_str()) => s,
        (Some(s), Some(u)) => {
            if u.starts_with(|c: char| c.is_ascii_alphabetic()) {
                format!("{s} {u}")
            } else {
                format!("{s}{u}")
            }
        }
    }
}

/// The facilities near a parcel, nearest first (ties by name): those within
/// `min_radius_m` of it, and those farther whose own service radius (`服务半径_m`)
/// still reaches it. Each records its distance (0 when it stands on the parcel,
/// which marks it 本地块), its radius and its size (`规模` with `规模单位`). The
/// kind is read from `类型`, or in English from `type` when the layer has it.
pub fn facilities_near(
    parcel: &Geometry<f64>,
    facilities: &Layer,
    min_radius_m: f64,
    lang: ReportLang,
) -> Vec<NearbyFacility> {
    let Some(bbox) = parcel.bounding_rect() else {
        return Vec::new();
    };
    let radius_field = first_field(facilities, RADIUS_FIELDS);
    let scale_field = first_field(facilities, SCALE_FIELDS);
    let unit_field = first_field(facilities, SCALE_UNIT_FIELDS);
    let kind_field = match lang {
        ReportLang::Zh => first_field(facilities, &["类型", "type", "kind", "category"]),
        ReportLang::En => first_field(facilities, &["type", "kind", "category", "类型"]),
    };
    // The search box reaches as far as the largest radius of any facility, so that
    // a hospital serving 2 km is found from a parcel 1.5 km away.
    let reach_m = (0..facilities.len())
        .filter_map(|f| radius_of(facilities, f, radius_field))
        .fold(min_radius_m, f64::max);
    let plane = LocalPlane::new(bbox.center());
    let (dx, dy) = plane.degrees_for(reach_m * 1.01);
    let search = crate::model::rect_grown(bbox, dx, dy);
    let mut out: Vec<NearbyFacility> = facilities
        .index
        .in_rect(search)
        .filter_map(|(f, _)| {
            let g = facilities.geometries.get(f)?.as_ref()?;
            // The distance is measured on a plane centred on the facility, where it is
            // accurate to about 1e-4 of the distance.
            let at = g.bounding_rect()?.center();
            let d = distance_m(&LocalPlane::new(at), parcel);
            let radius = radius_of(facilities, f, radius_field);
            if d > radius.map_or(min_radius_m, |r| r.max(min_radius_m)) {
                return None;
            }
            Some(NearbyFacility {
                name: text_at(facilities, f, facilities.roles.name)
                    .unwrap_or_else(|| facilities.feature_id(f)),
                kind: text_at(facilities, f, kind_field).unwrap_or_default(),
                distance_m: d,
                service_radius_m: radius,
                scale: scale_text(
                    text_at(facilities, f, scale_field),
                    text_at(facilities, f, unit_field),
                ),
                on_parcel: d <= 0.0,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        a.distance_m
            .total_cmp(&b.distance_m)
            .then(a.name.cmp(&b.name))
    });
    out
}

/// `v` with at most `max` decimals and at least `min`, trailing zeros dropped:
/// 1.4, 3.0 (FAR, `min` 1), 35, 37.5 (percentages, `min` 0).
fn short_num(v: f64, min: usize, max: usize) -> String {
    let text = crate::model::format_fixed(v, max);
    let Some((int, frac)) = text.split_once('.') else {
        return text;
    };
    let mut frac = frac.trim_end_matches('0').to_string();
    while frac.len() < min {
        frac.push('0');
    }
    if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    }
}

/// A regulatory attribute printed when the layer has it, beyond the indicators
/// every 控规 gives.
struct ExtraField {
    /// The field names tried, in order.
    names: &'static [&'static str],
    zh_label: &'static str,
    en_label: &'static str,
    zh_unit: &'static str,
    en_unit: &'static str,
    /// The sense of a numeric value: a setback and the parking a parcel must
    /// provide (配建) are minimums; a count or a text is stated as it is.
    limit: Option<Limit>,
}

const EXTRA_FIELDS: &[ExtraField] = &[
    ExtraField {
        names: &["建筑退线", "退线", "建筑后退", "setback_m"],
        zh_label: "建筑退线",
        en_label: "Building setback",
        zh_unit: "m",
        en_unit: "m",
        limit: Some(Limit::AtLeast),
    },
    ExtraField {
        names: &["机动车停车位", "停车泊位", "停车位", "parking"],
        zh_label: "机动车停车位",
        en_label: "Parking spaces",
        zh_unit: "个",
        en_unit: "",
        limit: Some(Limit::AtLeast),
    },
    ExtraField {
        names: &["非机动车停车位", "bicycle_parking"],
        zh_label: "非机动车停车位",
        en_label: "Bicycle spaces",
        zh_unit: "个",
        en_unit: "",
        limit: Some(Limit::AtLeast),
    },
    ExtraField {
        names: &["配套设施", "公共配套", "配套"],
        zh_label: "配套设施",
        en_label: "Supporting facilities",
        zh_unit: "",
        en_unit: "",
        limit: None,
    },
    ExtraField {
        names: &["出入口方位", "出入口", "access"],
        zh_label: "出入口方位",
        en_label: "Access",
        zh_unit: "",
        en_unit: "",
        limit: None,
    },
    ExtraField {
        names: &["居住人口", "人口", "population"],
        zh_label: "居住人口",
        en_label: "Population",
        zh_unit: "人",
        en_unit: "",
        limit: None,
    },
    ExtraField {
        names: &["住宅户数", "户数", "dwellings"],
        zh_label: "住宅户数",
        en_label: "Dwellings",
        zh_unit: "户",
        en_unit: "",
        limit: None,
    },
    ExtraField {
        names: &["城市设计要求", "城市设计", "urban_design"],
        zh_label: "城市设计要求",
        en_label: "Urban design",
        zh_unit: "",
        en_unit: "",
        limit: None,
    },
];

/// A role's value as printed, and whether it is a number: the number, shortened
/// by `fmt`, or the field's text when it is not a number (≤2.0, 30–45 are
/// conditions too, and carry their own sense); `None` when absent.
fn role_value(
    layer: &Layer,
    i: usize,
    role: FieldRole,
    fmt: &dyn Fn(f64) -> String,
) -> Option<(String, bool)> {
    if let Some(v) = layer.role_f64(i, role) {
        return Some((fmt(v), true));
    }
    text_at(layer, i, layer.roles.get(role)).map(|t| (t, false))
}

/// A ratio as a percentage: 35 and 0.35 both read 35 %, as the statistics read
/// them (a value above 1 is a percentage).
fn percent(v: f64) -> String {
    short_num(if v > 1.0 { v } else { v * 100.0 }, 0, 1)
}

/// The compatible uses of a mixed parcel (兼容用地): every use after the dominant
/// one, as code and name, with its share when the layer gives the shares
/// (`兼容比例` and the other share fields the balance reads), e.g. `B1 商业用地
/// 30%`, joined by `；`.
fn compatible_uses(layer: &Layer, i: usize, zh: bool) -> Option<String> {
    let m = layer.mixed.of(i)?;
    let table = LanduseTable::global();
    let shares = SHARE_FIELDS
        .iter()
        .find_map(|f| layer.field_index(f))
        .and_then(|f| layer.value(i, f).to_text())
        .and_then(|t| parse_shares(&t, m.parts.len()));
    let parts: Vec<String> = m
        .parts
        .iter()
        .enumerate()
        .skip(1)
        .map(|(k, (text, class))| {
            let named = class
                .and_then(|c| table.class(c))
                .map(|c| format!("{} {}", c.code, if zh { &c.name_zh } else { &c.name_en }))
                .unwrap_or_else(|| text.clone());
            match shares.as_ref().and_then(|s| s.get(k)) {
                Some(s) => format!("{named} {}%", short_num(s * 100.0, 0, 1)),
                None => named,
            }
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(if zh { "；" } else { "; " }))
}

/// Whether a parcel's (dominant) use is industrial or warehousing land: 工业用地
/// (1001) and 物流仓储用地 (1101) of the 2023 classes, M and W of GB 50137.
fn industrial_land(layer: &Layer, i: usize) -> bool {
    let table = LanduseTable::global();
    let Some(class) = layer
        .class
        .get(i)
        .copied()
        .flatten()
        .and_then(|c| table.class(c))
    else {
        return false;
    };
    match class.standard {
        Standard::Gtkj2023 => class.code.starts_with("1001") || class.code.starts_with("1101"),
        Standard::Gb50137 => class.code.starts_with('M') || class.code.starts_with('W'),
    }
}

/// The sense of the four control indicators on a parcel: (容积率 and 计容建筑面积,
/// 建筑密度, 绿地率, 建筑限高).
///
/// A 控规 caps what is built on most land: 容积率, 建筑密度 and 建筑限高 are
/// upper limits, and 绿地率 is a lower limit. Industrial and warehousing land is
/// controlled the other way round for land use efficiency, as the national
/// 《工业项目建设用地控制指标》 has it and Zhejiang's plans state it: 容积率 and
/// 建筑密度 (建筑系数) are lower limits, and 绿地率 an upper limit (no more than
/// 20%); its height is still capped. The bundled plan agrees: its industrial
/// parcels have 建筑密度 40–55% and 绿地率 10–15%, where its residential parcels
/// have 20–28% and 30–35%.
fn indicator_limits(industrial: bool) -> (Limit, Limit, Limit, Limit) {
    let usual = (Limit::AtMost, Limit::AtMost, Limit::AtLeast, Limit::AtMost);
    if industrial {
        (
            usual.0.reversed(),
            usual.1.reversed(),
            usual.2.reversed(),
            usual.3,
        )
    } else {
        usual
    }
}

/// A parcel's planning conditions (规划条件) in the order a 控规图则 prints them:
/// 用地性质, 用地面积 (m² and 公顷), 容积率, 计容建筑面积 (area × FAR), 建筑密度,
/// 绿地率, 建筑限高, 兼容用地, then the other regulatory fields the layer has;
/// with the sense of those that are control values. A value the parcel lacks is
/// left out, never printed as 0.
fn conditions_of(
    layer: &Layer,
    i: usize,
    p: &ParcelRow,
    lang: ReportLang,
) -> (Vec<Condition>, Vec<ConditionLimit>) {
    let zh = lang == ReportLang::Zh;
    let mut out = Vec::new();
    let mut limits = Vec::new();
    let mut push = |zh_label: &str,
                    en_label: &str,
                    value: String,
                    (zh_unit, en_unit): (&str, &str),
                    limit: Option<Limit>| {
        let label = if zh { zh_label } else { en_label }.to_string();
        let unit = if zh { zh_unit } else { en_unit }.to_string();
        if let Some(limit) = limit {
            limits.push(ConditionLimit {
                label: label.clone(),
                unit: unit.clone(),
                limit,
            });
        }
        out.push(Condition { label, value, unit });
    };
    // A number is a control value with its sense; a text (a range, or a value
    // with its own sign) is stated as the data give it.
    let sense = |numeric: bool, limit: Limit| numeric.then_some(limit);
    let (far_limit, density_limit, green_limit, height_limit) =
        indicator_limits(industrial_land(layer, i));
    let land_use = format!("{} {}", p.code, p.class_name).trim().to_string();
    if !land_use.is_empty() {
        push("用地性质", "Land use", land_use, ("", ""), None);
    }
    if p.area_m2 > 0.0 {
        push(
            "用地面积",
            "Site area",
            crate::model::format_fixed(p.area_m2, 2),
            ("m²", "m²"),
            None,
        );
        push(
            "用地面积",
            "Site area",
            crate::model::format_fixed(p.area_ha(), 4),
            ("公顷", "ha"),
            None,
        );
    }
    // Transport, green and water land carry no control values (the indicators
    // leave them out too): their cards state the land use and area only.
    let development =
        crate::stats::indicators::is_development_class(layer.class.get(i).copied().flatten());
    let role_value = |layer: &Layer, i: usize, role: FieldRole, f: &dyn Fn(f64) -> String| {
        role_value(layer, i, role, f).filter(|_| development)
    };
    if let Some((far, numeric)) = role_value(layer, i, FieldRole::Far, &|v| short_num(v, 1, 2)) {
        push(
            "容积率",
            "Floor area ratio",
            far,
            ("", ""),
            sense(numeric, far_limit),
        );
    }
    if let Some(far) = p
        .far
        .filter(|f| development && *f >= 0.0 && p.area_m2 > 0.0)
    {
        // The floor area the FAR allows (or asks for), with the FAR's sense.
        push(
            "计容建筑面积",
            "Floor area (counted in FAR)",
            // To the square metre, as a 控规 states it.
            crate::model::format_fixed(p.area_m2 * far, 0),
            ("m²", "m²"),
            Some(far_limit),
        );
    }
    if let Some((d, numeric)) = role_value(layer, i, FieldRole::BuildingDensity, &percent) {
        push(
            "建筑密度",
            "Building density",
            d,
            ("%", "%"),
            sense(numeric, density_limit),
        );
    }
    if let Some((g, numeric)) = role_value(layer, i, FieldRole::GreenRatio, &percent) {
        push(
            "绿地率",
            "Green ratio",
            g,
            ("%", "%"),
            sense(numeric, green_limit),
        );
    }
    if let Some((h, numeric)) =
        role_value(layer, i, FieldRole::HeightLimit, &|v| short_num(v, 0, 1))
    {
        push(
            "建筑限高",
            "Height limit",
            h,
            ("m", "m"),
            sense(numeric, height_limit),
        );
    }
    if let Some(mixed) = compatible_uses(layer, i, zh) {
        push("兼容用地", "Compatible uses", mixed, ("", ""), None);
    }
    for extra in EXTRA_FIELDS {
        let field = first_field(layer, extra.names);
        let value = field.and_then(|k| match layer.value(i, k).as_f64() {
            Some(v) => Some((format_float(v), true)),
            None => text_at(layer, i, Some(k)).map(|t| (t, false)),
        });
        if let Some((v, numeric)) = value {
            push(
                extra.zh_label,
                extra.en_label,
                v,
                (extra.zh_unit, extra.en_unit),
                extra.limit.filter(|_| numeric),
            );
        }
    }
    (out, limits)
}

impl Card {
    /// The sense of one of the card's conditions, when it is a control value.
    pub fn limit(&self, k: &Condition) -> Option<Limit> {
        self.limits
            .iter()
            .find(|l| l.label == k.label && l.unit == k.unit)
            .map(|l| l.limit)
    }

    /// A condition's value as a 控规 states it: a control value with its sense
    /// (`≤ 2.0`, `≥ 30`), anything else as it is.
    pub fn control_value(&self, k: &Condition) -> String {
        match self.limit(k) {
            Some(l) => format!("{} {}", l.sign(), k.value),
            None => k.value.clone(),
        }
    }
}

/// Report cards for `features`, in id order.
pub fn cards(
    layer: &Layer,
    features: &[usize],
    facilities: Option<&Layer>,
    lang: ReportLang,
) -> Result<Vec<Card>, crate::crs::CrsError> {
    cards_with_clearance(layer, features, facilities, lang, None)
}

/// The card's 净空 line: the lowest surface over a development parcel against
/// its 限高; `None` for other land and where no surface covers it.
fn clearance_of(
    layer: &Layer,
    i: usize,
    surfaces: &crate::analysis::ols::Surfaces,
) -> Option<crate::analysis::clearance::ParcelClearance> {
    let class = layer.class.get(i).copied().flatten();
    if class.is_none() || !crate::stats::indicators::is_development_class(class) {
        return None;
    }
    let limit = surfaces.lowest_over(layer.geometries.get(i)?.as_ref()?)?;
    let height = layer.role_f64(i, FieldRole::HeightLimit);
    Some(crate::analysis::clearance::parcel_result(
        i,
        layer.feature_id(i),
        height,
        Some(limit),
    ))
}

/// [`cards`] with each development parcel's 净空限高 from the airport's
/// obstacle limitation surfaces.
pub fn cards_with_clearance(
    layer: &Layer,
    features: &[usize],
    facilities: Option<&Layer>,
    lang: ReportLang,
    surfaces: Option<&crate::analysis::ols::Surfaces>,
) -> Result<Vec<Card>, crate::crs::CrsError> {
    let gk = GaussKruger::new(CARD_CM_DEG)?;
    let mut out: Vec<Card> = features
        .iter()
        .map(|&i| {
            let g = layer.geometries.get(i).and_then(|g| g.as_ref());
            let parcel = parcel_row(layer, i, &layer.area_m2, lang);
            let (conditions, limits) = conditions_of(layer, i, &parcel, lang);
            Card {
                conditions,
                limits,
                parcel,
                attributes: layer
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(k, f)| (f.clone(), layer.value(i, k).to_text().unwrap_or_default()))
                    .collect(),
                cm_deg: CARD_CM_DEG,
                zone: (CARD_CM_DEG / 3.0).round() as u32,
                boundary: g.map(|g| boundary_points(g, &gk)).unwrap_or_default(),
                facilities: match (g, facilities) {
                    (Some(g), Some(f)) => facilities_near(g, f, NEARBY_M, lang),
                    _ => Vec::new(),
                },
                bbox: g.and_then(|g| g.bounding_rect()),
                clearance: surfaces.and_then(|s| clearance_of(layer, i, s)),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        a.parcel
            .id
            .cmp(&b.parcel.id)
            .then(a.parcel.feature.cmp(&b.parcel.feature))
    });
    Ok(out)
}
