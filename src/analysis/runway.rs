//! The runway, read from the airport layer: its centre, long axis, length, width
//! and thresholds, and a plane along it in which the obstacle limitation surfaces
//! are laid out.
//!
//! A runway polygon's axis is the long side of its minimum-area bounding rectangle
//! (on the local plane), so a runway drawn with a few extra vertices or slightly
//! out of square still gives its centreline; the thresholds are the midpoints of
//! the rectangle's short sides. A runway drawn as a line is its centreline, from
//! threshold to threshold.

use geo::{Coord, Geometry, MinimumRotatedRect, Polygon};

use super::{AnalysisError, LocalFrame};
use crate::model::Layer;

/// The field and value that mark the runway in the airport layer by default.
pub const DEFAULT_RUNWAY_FIELD: &str = "类型";
pub const DEFAULT_RUNWAY_VALUE: &str = "跑道";

/// A runway and the plane along it: `u` metres along the centreline from the
/// runway's centre towards threshold 1, `v` metres to the left of it.
pub struct Runway {
    /// The runway's length between thresholds, m.
    pub length_m: f64,
    /// Its width, m (0 for a runway drawn as a line).
    pub width_m: f64,
    /// Its centre, lon/lat.
    pub centre_lon_lat: Coord<f64>,
    /// Threshold 0 (at `u = −length/2`) and threshold 1 (at `u = +length/2`), lon/lat.
    pub thresholds_lon_lat: [Coord<f64>; 2],
    /// The true bearing of the centreline from threshold 0 to threshold 1,
    /// degrees clockwise from north, in [0, 180) (threshold 1 is the one to the
    /// east, or to the north for a north–south runway).
    pub bearing_deg: f64,
    /// Which layer and feature it came from, for messages.
    pub source: String,
    pub frame: LocalFrame,
}

impl Runway {
    /// The runway from a lon/lat polygon (or a centreline).
    pub fn from_geometry(g: &Geometry<f64>, source: &str) -> Result<Runway, AnalysisError> {
        let bad = |why: &str| AnalysisError::BadRunway(format!("{source}: {why}"));
        let (a, b, width_m) = match g {
            Geometry::Polygon(p) => {
                axis_of_polygon(p).ok_or_else(|| bad("its polygon has no area"))?
            }
            Geometry::MultiPolygon(mp) if mp.0.len() == 1 => {
                mp.0.first()
                    .and_then(axis_of_polygon)
                    .ok_or_else(|| bad("its polygon has no area"))?
            }
            Geometry::LineString(ls) => match (ls.0.first(), ls.0.last()) {
                (Some(&a), Some(&b)) if a != b => (a, b, 0.0),
                _ => return Err(bad("its centreline has no length")),
            },
            _ => return Err(bad("it is neither one polygon nor a centreline")),
        };
        // Order the thresholds so that threshold 1 lies east (or north): the same
        // runway always gets the same frame, whichever way it was digitised.
        let (a, b) = if (b.x, b.y) < (a.x, a.y) {
            (b, a)
        } else {
            (a, b)
        };
        // The centre is the thresholds' midpoint on a plane (the mean of their
        // lon/lat would be some centimetres off it).
        let near = LocalFrame::new(a)?;
        let centre = match (near.to_local(a), near.to_local(b)) {
            (Some(pa), Some(pb)) => near.to_lon_lat(Coord {
                x: (pa.x + pb.x) / 2.0,
                y: (pa.y + pb.y) / 2.0,
            }),
            _ => None,
        }
        .ok_or_else(|| bad("its thresholds cannot be projected"))?;
        // The axis in the plane about the centre; the frame then turns by it.
        let plane = LocalFrame::new(centre)?;
        let (pa, pb) = match (plane.to_local(a), plane.to_local(b)) {
            (Some(pa), Some(pb)) => (pa, pb),
            _ => return Err(bad("its thresholds cannot be projected")),
        };
        let axis = pb - pa;
        let length_m = axis.x.hypot(axis.y);
        if !(length_m.is_finite() && length_m > 1.0) {
            return Err(bad("it is shorter than a metre"));
        }
        let frame = LocalFrame::along(centre, axis)?;
        // The true bearing from the geodesic between the thresholds, so that it
        // reads as a runway's heading does (not the plane's grid bearing).
        let geodesic = geographiclib_rs::Geodesic::wgs84();
        let (azimuth_deg, _, _): (f64, f64, f64) =
            geographiclib_rs::InverseGeodesic::inverse(&geodesic, a.y, a.x, b.y, b.x);
        Ok(Runway {
            length_m,
            width_m,
            centre_lon_lat: centre,
            thresholds_lon_lat: [a, b],
            bearing_deg: azimuth_deg.rem_euclid(180.0),
            source: source.to_string(),
            frame,
        })
    }

    /// The runway in a layer: the first feature whose `field` is `value`
    /// (类型 = 跑道 by default).
    pub fn from_layer(
        layer: &Layer,
        field: Option<&str>,
        value: Option<&str>,
    ) -> Result<Runway, AnalysisError> {
        let field = field.unwrap_or(DEFAULT_RUNWAY_FIELD);
        let value = value.unwrap_or(DEFAULT_RUNWAY_VALUE);
        let column = layer.field_index(field).ok_or_else(|| {
            AnalysisError::NoRunway(format!("{}: there is no field '{field}'", layer.name))
        })?;
        let feature = (0..layer.len())
            .find(|&i| layer.value(i, column).to_text().as_deref() == Some(value))
            .ok_or_else(|| {
                AnalysisError::NoRunway(format!("{}: no feature has {field} = {value}", layer.name))
            })?;
        let g = layer
            .geometries
            .get(feature)
            .and_then(|g| g.as_ref())
            .ok_or_else(|| {
                AnalysisError::NoRunway(format!("{}: the runway has no geometry", layer.name))
            })?;
        // Named as a planner would look it up: by its name where it has one.
        let label = layer
            .roles
            .name
            .and_then(|f| layer.value(feature, f).to_text())
            .unwrap_or_else(|| format!("#{}", layer.feature_id(feature)));
        let source = format!("{} {label}", layer.name);
        Runway::from_geometry(g, &source)
    }

    /// The runway's threshold `end` (0 or 1) as a compass name of the runway's end
    /// (东北端, 西南端, …), for labelling its approach and take-off surfaces.
    pub fn end_name(&self, end: usize, chinese: bool) -> &'static str {
        // Threshold 1 lies along the bearing, threshold 0 opposite it.
        let bearing = if end == 1 {
            self.bearing_deg
        } else {
            self.bearing_deg + 180.0
        };
        let sector = ((bearing.rem_euclid(360.0) + 22.5) / 45.0).floor() as usize % 8;
        const ZH: [&str; 8] = [
            "北端",
            "东北端",
            "东端",
            "东南端",
            "南端",
            "西南端",
            "西端",
            "西北端",
        ];
        const EN: [&str; 8] = [
            "north end",
            "north-east end",
            "east end",
            "south-east end",
            "south end",
            "south-west end",
            "west end",
            "north-west end",
        ];
        let names = if chinese { ZH } else { EN };
        names.get(sector).copied().unwrap_or("")
    }
}

/// The two ends of a polygon's long axis (lon/lat) and its width in metres: the
/// midpoints of the short sides of its minimum-area bounding rectangle, found on a
/// plane about the polygon.
fn axis_of_polygon(p: &Polygon<f64>) -> Option<(Coord<f64>, Coord<f64>, f64)> {
    let first = *p.exterior().0.first()?;
    let plane = LocalFrame::new(first).ok()?;
    let local = plane.geometry_to_local(&Geometry::Polygon(p.clone()))?;
    let Geometry::Polygon(local) = local else {
        return None;
    };
    let rect = local.minimum_rotated_rect()?;
    let corners: Vec<Coord<f64>> = rect.exterior().0.iter().take(4).copied().collect();
    let [c0, c1, c2, c3] = <[Coord<f64>; 4]>::try_from(corners).ok()?;
    let side = |a: Coord<f64>, b: Coord<f64>| (b - a).x.hypot((b - a).y);
    let mid = |a: Coord<f64>, b: Coord<f64>| Coord {
        x: (a.x + b.x) / 2.0,
        y: (a.y + b.y) / 2.0,
    };
    let (s01, s12) = (side(c0, c1), side(c1, c2));
    if !(s01 > 0.0 && s12 > 0.0) {
        return None;
    }
    // The thresholds are the midpoints of the two short sides.
    let (a, b, width) = if s01 >= s12 {
        (mid(c1, c2), mid(c3, c0), s12)
    } else {
        (mid(c0, c1), mid(c2, c3), s01)
    };
    Some((plane.to_lon_lat(a)?, plane.to_lon_lat(b)?, width))
}
