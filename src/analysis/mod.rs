//! Analyses an airport new town needs: the airport's obstacle limitation surfaces
//! (净空) against the parcels' 限高, and the life circles (生活圈) of GB 50180-2018.
//!
//! | file | what it does |
//! | --- | --- |
//! | [`runway`] | the runway from the airport layer: thresholds, centreline, a plane along it |
//! | [`ols`] | ICAO Annex 14 code 4 precision-approach surfaces: height at a point, lowest over a geometry, outlines and contours |
//! | [`clearance`] | every parcel's lowest surface against its 限高 |
//! | [`coverage`] | straight-line service-radius coverage of residential land per facility type |
//! | [`network`] | a walking graph from the roads layer (petgraph) and coverage by network distance |
//! | [`command`] | the headless `clearance` and `coverage` commands, as functions the CLI calls |
//!
//! Distances are measured in metres on a transverse Mercator plane (CGCS2000
//! ellipsoid, scale 1) whose central meridian passes through the analysed area, so
//! within 20 km the plane's scale differs from 1 by less than 5e-6: a centimetre in
//! 2 km. Areas are ellipsoidal (see [`crate::area`]); where a parcel is cut by a
//! service circle, its covered area is its ellipsoidal area times the covered
//! fraction of its plane area.

pub mod clearance;
pub mod command;
pub mod coverage;
pub mod network;
pub mod ols;
pub mod runway;

use geo::{Coord, Geometry};

/// The name bookmarks give the 净空 layer (the obstacle limitation surfaces)
/// among the layers a slide shows: a slide that lists it shows the surfaces.
pub const CLEARANCE_LAYER: &str = "净空限制面";

use crate::crs::{GaussKruger, for_each_coord_mut};

/// What can go wrong in an analysis.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error("no runway: {0}")]
    NoRunway(String),
    #[error("the runway cannot be used: {0}")]
    BadRunway(String),
    #[error("{0}")]
    MissingLayer(String),
    #[error("cannot set up the local plane: {0}")]
    Projection(String),
}

/// A plane in metres around a point: transverse Mercator on the CGCS2000 ellipsoid
/// with its central meridian through the point, shifted so the point is the
/// origin, and turned so that `x` runs along `axis` (a unit vector in the plane's
/// east/north), `y` 90° to its left.
pub struct LocalFrame {
    gk: GaussKruger,
    origin_en: Coord<f64>,
    cos: f64,
    sin: f64,
}

impl LocalFrame {
    /// A frame with east as `x` and north as `y`.
    pub fn new(origin_lon_lat: Coord<f64>) -> Result<LocalFrame, AnalysisError> {
        LocalFrame::along(origin_lon_lat, Coord { x: 1.0, y: 0.0 })
    }

    /// A frame with its `x` axis along `axis` (east, north components).
    pub fn along(
        origin_lon_lat: Coord<f64>,
        axis: Coord<f64>,
    ) -> Result<LocalFrame, AnalysisError> {
        let gk = GaussKruger::new(origin_lon_lat.x)
            .map_err(|e| AnalysisError::Projection(e.to_string()))?;
        let origin_en = gk.forward(origin_lon_lat).ok_or_else(|| {
            AnalysisError::Projection(format!(
                "{:.6}, {:.6} cannot be projected",
                origin_lon_lat.x, origin_lon_lat.y
            ))
        })?;
        let len = axis.x.hypot(axis.y);
        if !(len.is_finite() && len > 0.0) {
            return Err(AnalysisError::Projection(
                "the axis has no direction".into(),
            ));
        }
        Ok(LocalFrame {
            gk,
            origin_en,
            cos: axis.x / len,
            sin: axis.y / len,
        })
    }

    /// Plane metres (east, north) to the frame's turned coordinates.
    fn turn(&self, en: Coord<f64>) -> Coord<f64> {
        let (dx, dy) = (en.x - self.origin_en.x, en.y - self.origin_en.y);
        Coord {
            x: dx * self.cos + dy * self.sin,
            y: -dx * self.sin + dy * self.cos,
        }
    }

    /// A lon/lat point in the frame.
    pub fn to_local(&self, lon_lat: Coord<f64>) -> Option<Coord<f64>> {
        self.gk.forward(lon_lat).map(|en| self.turn(en))
    }

    /// A frame point back to lon/lat.
    pub fn to_lon_lat(&self, local: Coord<f64>) -> Option<Coord<f64>> {
        let en = Coord {
            x: self.origin_en.x + local.x * self.cos - local.y * self.sin,
            y: self.origin_en.y + local.x * self.sin + local.y * self.cos,
        };
        self.gk.inverse(en)
    }

    /// A lon/lat geometry in the frame (all its vertices projected in one call).
    pub fn geometry_to_local(&self, g: &Geometry<f64>) -> Option<Geometry<f64>> {
        let mut out = g.clone();
        if !self.gk.forward_geometry(&mut out) {
            return None;
        }
        for_each_coord_mut(&mut out, &mut |c| *c = self.turn(*c));
        Some(out)
    }

    /// Frame vertices back to lon/lat, in one call.
    pub fn geometry_to_lon_lat(&self, g: &Geometry<f64>) -> Option<Geometry<f64>> {
        let mut out = g.clone();
        for_each_coord_mut(&mut out, &mut |c| {
            *c = Coord {
                x: self.origin_en.x + c.x * self.cos - c.y * self.sin,
                y: self.origin_en.y + c.x * self.sin + c.y * self.cos,
            }
        });
        self.gk.inverse_geometry(&mut out).then_some(out)
    }
}
