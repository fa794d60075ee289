//! Every parcel's lowest obstacle limitation surface against its 限高: which parcels
//! a surface covers, how high it lets them build, and whether the plan's height
//! limit goes above it (a conflict).
//!
//! Heights count from the aerodrome elevation, as the parcels' 限高 do, so the two
//! compare directly; [`ClearanceResult::aerodrome_elevation_m`] is kept to state
//! the surfaces' elevations (净空限制标高) alongside.

use rayon::prelude::*;
use serde::Serialize;

use super::ols::{Limit, SurfaceKind, Surfaces};
use crate::model::{FieldRole, Layer};

/// A height limit is in conflict only when it is above the surface by more than
/// this: plans state heights to the centimetre at most, and a surface computed as
/// 44.999 999 9 m is 45 m.
pub const HEIGHT_TOLERANCE_M: f64 = 0.005;

/// The interval of the 净空 layer's height contours, m.
pub const CONTOUR_STEP_M: f64 = 10.0;

/// The grid the contours are traced on, m: a contour cuts a corner where two
/// surfaces meet by at most this.
pub const CONTOUR_CELL_M: f64 = 25.0;

/// The blue the 净空 layer's contours are drawn in, on screen and on paper.
pub const CONTOUR_RGB: [u8; 3] = [40, 90, 160];

/// One parcel's result.
#[derive(Debug, Clone, Serialize)]
pub struct ParcelClearance {
    /// The feature's position in the layer.
    #[serde(skip)]
    pub feature: usize,
    pub id: String,
    /// The parcel's 限高, m.
    pub height_limit_m: Option<f64>,
    /// The lowest surface over the parcel, m above the aerodrome elevation; `None`
    /// where no surface covers it.
    pub ols_min_m: Option<f64>,
    /// The surface that sets it.
    pub surface: Option<SurfaceKind>,
    /// The runway end (0 or 1) of that surface, where it has one.
    pub end: Option<usize>,
    /// 限高 above the surface.
    pub conflict: bool,
    /// By how much the 限高 exceeds the surface, m (conflicts only).
    pub excess_m: Option<f64>,
}

/// The check of a whole layer.
#[derive(Debug, Clone, Serialize)]
pub struct ClearanceResult {
    pub aerodrome_elevation_m: f64,
    /// Every feature of the layer, in layer order.
    pub parcels: Vec<ParcelClearance>,
    /// How many parcels' 限高 exceed their surface.
    pub conflicts: usize,
    /// How many parcels a surface covers.
    pub covered: usize,
    /// How many covered parcels have no 限高 to check.
    pub covered_without_height: usize,
}

impl ClearanceResult {
    /// The conflicting parcels, worst first (then by id).
    pub fn conflicting(&self) -> Vec<&ParcelClearance> {
        let mut v: Vec<&ParcelClearance> = self.parcels.iter().filter(|p| p.conflict).collect();
        v.sort_by(|a, b| {
            b.excess_m
                .unwrap_or(0.0)
                .total_cmp(&a.excess_m.unwrap_or(0.0))
                .then_with(|| a.id.cmp(&b.id))
        });
        v
    }

    /// The result of a feature, by its position in the layer.
    pub fn of_feature(&self, feature: usize) -> Option<&ParcelClearance> {
        self.parcels.get(feature).filter(|p| p.feature == feature)
    }
}

/// The lowest surface over every feature of `layer`, against its 限高 (the
/// layer's height role), in parallel.
pub fn check_layer(
    layer: &Layer,
    surfaces: &Surfaces,
    aerodrome_elevation_m: f64,
) -> ClearanceResult {
    let parcels: Vec<ParcelClearance> = (0..layer.len())
        .into_par_iter()
        .map(|i| {
            let limit: Option<Limit> = layer
                .geometries
                .get(i)
                .and_then(|g| g.as_ref())
                .and_then(|g| surfaces.lowest_over(g));
            let height = layer.role_f64(i, FieldRole::HeightLimit);
            parcel_result(i, layer.feature_id(i), height, limit)
        })
        .collect();
    let conflicts = parcels.iter().filter(|p| p.conflict).count();
    let covered = parcels.iter().filter(|p| p.ols_min_m.is_some()).count();
    let covered_without_height = parcels
        .iter()
        .filter(|p| p.ols_min_m.is_some() && p.height_limit_m.is_none())
        .count();
    ClearanceResult {
        aerodrome_elevation_m,
        parcels,
        conflicts,
        covered,
        covered_without_height,
    }
}

/// One parcel's result from its 限高 and its lowest surface.
pub fn parcel_result(
    feature: usize,
    id: String,
    height_limit_m: Option<f64>,
    limit: Option<Limit>,
) -> ParcelClearance {
    let excess = match (height_limit_m, limit) {
        (Some(h), Some(l)) if h > l.height_m + HEIGHT_TOLERANCE_M => Some(h - l.height_m),
        _ => None,
    };
    ParcelClearance {
        feature,
        id,
        height_limit_m,
        ols_min_m: limit.map(|l| l.height_m),
        surface: limit.map(|l| l.surface),
        end: limit.and_then(|l| l.end),
        conflict: excess.is_some(),
        excess_m: excess,
    }
}

/// The surface that sets a parcel's limit, named by its runway end where it has
/// one: 东端进近面, 过渡面（东端进近面侧） for the transitional surface beside an
/// approach, 内水平面; empty where no surface covers the parcel.
pub fn surface_label(runway: &super::runway::Runway, p: &ParcelClearance, chinese: bool) -> String {
    let Some(kind) = p.surface else {
        return String::new();
    };
    match (kind, p.end, chinese) {
        // The transitional surface beside an approach, named by that approach.
        (SurfaceKind::Transitional, Some(e), true) => {
            format!(
                "{}（{}进近面侧）",
                kind.name(true),
                runway.end_name(e, true)
            )
        }
        (SurfaceKind::Transitional, Some(e), false) => format!(
            "{} (beside the {} approach)",
            kind.name(false),
            runway.end_name(e, false)
        ),
        (_, Some(e), true) => format!("{}{}", runway.end_name(e, true), kind.name(true)),
        (_, Some(e), false) => format!("{}, {}", kind.name(false), runway.end_name(e, false)),
        (_, None, _) => kind.name(chinese).to_string(),
    }
}

/// [`card_line`] with the surface named by its runway end ([`surface_label`]),
/// as the identify panel and the `clearance` table give it.
pub fn card_line_at(
    runway: &super::runway::Runway,
    p: &ParcelClearance,
    chinese: bool,
) -> Option<String> {
    let h = crate::model::format_fixed(p.ols_min_m?, 1);
    let surface = surface_label(runway, p, chinese);
    let excess = p.excess_m.map(|x| crate::model::format_fixed(x, 1));
    Some(match (chinese, excess) {
        (true, None) => format!("净空限高 {h} m（{surface}）"),
        (true, Some(x)) => format!("净空限高 {h} m（{surface}），限高超出 {x} m"),
        (false, None) => format!("Clearance limit {h} m ({surface})"),
        (false, Some(x)) => {
            format!("Clearance limit {h} m ({surface}), height limit {x} m above it")
        }
    })
}

/// The card and identify-panel line for a parcel: "净空限高 38.5 m" (or
/// "Clearance limit 38.5 m"), with the surface that sets it; `None` where no
/// surface covers the parcel.
pub fn card_line(p: &ParcelClearance, chinese: bool) -> Option<String> {
    let h = p.ols_min_m?;
    let surface = p.surface.map(|s| s.name(chinese)).unwrap_or("");
    let h = crate::model::format_fixed(h, 1);
    Some(if chinese {
        let mut s = format!("净空限高 {h} m（{surface}）");
        if let Some(x) = p.excess_m {
            s.push_str(&format!(
                "，限高超出 {} m",
                crate::model::format_fixed(x, 1)
            ));
        }
        s
    } else {
        let mut s = format!("Clearance limit {h} m ({surface})");
        if let Some(x) = p.excess_m {
            s.push_str(&format!(
                ", height limit {} m above it",
                crate::model::format_fixed(x, 1)
            ));
        }
        s
    })
}

/// The 净空 layer as a layer of lines, for printed maps (a handout's slide that
/// shows it): each surface's outline (a polygon, named by its surface and
/// runway end) and the height contours every [`CONTOUR_STEP_M`] (named by
/// their height), with the fields 名称 and 高度_m. The window draws the same
/// surfaces from [`Surfaces::outlines`] and [`Surfaces::contours`].
pub fn surfaces_layer(surfaces: &Surfaces) -> Layer {
    let (step_m, cell_m) = (CONTOUR_STEP_M, CONTOUR_CELL_M);
    use crate::model::AttrValue;
    use geo::{Geometry, MultiLineString};
    let mut names: Vec<AttrValue> = Vec::new();
    let mut heights: Vec<AttrValue> = Vec::new();
    let mut geometries: Vec<Option<Geometry<f64>>> = Vec::new();
    for o in surfaces.outlines() {
        let name = match o.end {
            Some(e) => format!(
                "{}{}",
                surfaces.runway.end_name(e, true),
                o.surface.name(true)
            ),
            None => o.surface.name(true).to_string(),
        };
        names.push(AttrValue::Text(name.into()));
        heights.push(AttrValue::Null);
        geometries.push(Some(Geometry::Polygon(o.polygon_lon_lat)));
    }
    for c in surfaces.contours(step_m, cell_m) {
        let text = format!("{} m", crate::model::format_float(c.height_m));
        names.push(AttrValue::Text(text.into()));
        heights.push(AttrValue::Float(c.height_m));
        geometries.push(Some(Geometry::MultiLineString(MultiLineString(
            c.lines_lon_lat,
        ))));
    }
    let n = geometries.len();
    Layer::build(
        super::CLEARANCE_LAYER.to_string(),
        String::new(),
        crate::crs::Crs::wgs84(),
        vec!["名称".to_string(), "高度_m".to_string()],
        vec![names, heights],
        geometries,
        (0..n as u32).collect(),
        vec![None; n],
        &[],
        Vec::new(),
        0,
    )
}

/// How a printed map draws [`surfaces_layer`]: thin blue lines, listed in the
/// legend as the 净空 layer.
pub fn surfaces_image_style(chinese: bool) -> crate::render::map_image::ImageStyle {
    crate::render::map_image::ImageStyle {
        name: if chinese {
            super::CLEARANCE_LAYER.to_string()
        } else {
            "Obstacle limitation surfaces".to_string()
        },
        ..crate::render::map_image::ImageStyle::plain(
            crate::render::map_image::ImagePaint::Outline(CONTOUR_RGB, 1.0),
        )
    }
}
