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
