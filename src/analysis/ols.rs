//! The obstacle limitation surfaces (障碍物限制面, 净空) of a code 4 precision
//! approach runway, as ICAO Annex 14 Volume I gives them (Table 4-1 for approach
//! runways, precision approach category I, code number 3 or 4; Table 4-2 for
//! runways meant for take-off, code number 3 or 4; the strip from Chapter 3,
//! §3.4). China's MH 5001-2021 《民用机场飞行区技术标准》 uses the same figures.
//! Both runway directions are used: each end has an approach surface and a
//! take-off climb surface.
//!
//! Heights are metres above the aerodrome elevation. The limit at a point is the
//! lowest surface that covers it; a point no surface covers has no limit.
//!
//! The surfaces are laid out on the runway's plane ([`super::runway::Runway`]):
//! `u` along the centreline, `v` across it. With `L` the runway's length, the
//! strip ends at `|u| = L/2 + 60`; `d` is the distance beyond a strip end
//! (`d = ±u − (L/2 + 60)`) and `s = |v|` the distance from the centreline.
//!
//! - Strip (升降带): `|u| ≤ L/2 + 60`, `s ≤ 140`: 0 m.
//! - Transitional (过渡面), 14.3 % measured at right angles to the centreline up to
//!   the inner horizontal surface (45 m): beside the strip (between its ends), from
//!   its edge, `0.143 (s − 140)`; and, as Annex 14 has it, beside each approach
//!   surface up to where that reaches 45 m (`d ≤ 2 250`), from the approach
//!   surface's edge, `0.02 d + 0.143 (s − (150 + 0.15 d))`.
//! - Inner horizontal (内水平面): 45 m within 4 000 m of the segment between the
//!   strip ends (two 4 000 m circles about the strip ends and the band between).
//! - Conical (锥形面): 5 % from the inner horizontal's edge, up to 100 m above it:
//!   `45 + 0.05 (r − 4 000)` for `4 000 < r ≤ 6 000`, `r` the distance from that
//!   segment.
//! - Approach (进近面), off each strip end: `s ≤ 150 + 0.15 d` for `0 ≤ d ≤ 15 000`;
//!   2 % for the first 3 000 m, 2.5 % for the next 3 600 m, then level at 150 m.
//! - Take-off climb (起飞爬升面), off each strip end: `s ≤ min(90 + 0.125 d, 600)`
//!   for `0 ≤ d ≤ 15 000`, at 2 %.
//!
//! A geometry's limit is the lowest over all of it. Every surface rises, or stays
//! level, as a point moves towards the centreline at the same `u`, and, on the
//! centreline beyond a strip end, towards the strip, and each surface keeps
//! covering the point on the way; so from any covered point a path of
//! non-increasing height leads to the strip. A polygon's lowest limit is therefore
//! 0 if it meets the strip, and otherwise the lowest along its boundary (exterior
//! and holes), which is computed exactly edge by edge: each surface is a convex
//! region whose height is linear, or (inner horizontal and conical together) a
//! rising function of the distance from the segment between the strip ends.

use geo::{Contains, Coord, Geometry, LineString, Point, Polygon};
use serde::Serialize;

use super::runway::Runway;

// The strip, Annex 14 §3.4.2 (60 m before the threshold and beyond the end) and
// §3.4.3 (140 m each side of the centreline for a code 3 or 4 precision approach
// runway).
/// How far the strip extends beyond each threshold, m.
pub const STRIP_END_M: f64 = 60.0;
/// The strip's half-width, m.
pub const STRIP_HALF_WIDTH_M: f64 = 140.0;

// Table 4-1, precision approach category I, code 3 or 4.
/// Transitional surface slope.
pub const TRANSITIONAL_SLOPE: f64 = 0.143;
/// Inner horizontal surface height, m.
pub const INNER_HORIZONTAL_HEIGHT_M: f64 = 45.0;
/// Inner horizontal surface radius, m.
pub const INNER_HORIZONTAL_RADIUS_M: f64 = 4000.0;
/// Conical surface slope.
pub const CONICAL_SLOPE: f64 = 0.05;
/// Conical surface height above the inner horizontal surface, m.
pub const CONICAL_HEIGHT_M: f64 = 100.0;
/// Approach surface inner edge length, m (at the strip end, 60 m from the
/// threshold).
pub const APPROACH_INNER_EDGE_M: f64 = 300.0;
/// Approach surface divergence, each side.
pub const APPROACH_DIVERGENCE: f64 = 0.15;
/// Approach surface first section: length, m, and slope.
pub const APPROACH_FIRST_LENGTH_M: f64 = 3000.0;
pub const APPROACH_FIRST_SLOPE: f64 = 0.02;
/// Approach surface second section: length, m, and slope.
pub const APPROACH_SECOND_LENGTH_M: f64 = 3600.0;
pub const APPROACH_SECOND_SLOPE: f64 = 0.025;
/// Approach surface total length, m (the level section makes up the rest, 8 400 m).
pub const APPROACH_TOTAL_LENGTH_M: f64 = 15000.0;

// Table 4-2, runways meant for take-off, code 3 or 4.
/// Take-off climb surface inner edge length, m (at the strip end).
pub const TAKE_OFF_INNER_EDGE_M: f64 = 180.0;
/// Take-off climb surface divergence, each side.
pub const TAKE_OFF_DIVERGENCE: f64 = 0.125;
/// Take-off climb surface final width, m.
pub const TAKE_OFF_FINAL_WIDTH_M: f64 = 1200.0;
/// Take-off climb surface length, m.
pub const TAKE_OFF_LENGTH_M: f64 = 15000.0;
/// Take-off climb surface slope.
pub const TAKE_OFF_SLOPE: f64 = 0.02;

/// A point within a micrometre of a surface's edge is on it: the edges are closed,
/// and a point computed onto an edge stays on it through rounding.
const EDGE_TOLERANCE_M: f64 = 1e-6;

/// The approach surface's height where it is level, m (60 + 90 = 150).
pub fn approach_level_height_m() -> f64 {
    APPROACH_FIRST_LENGTH_M * APPROACH_FIRST_SLOPE
        + APPROACH_SECOND_LENGTH_M * APPROACH_SECOND_SLOPE
}

/// The approach surface's height at `d` metres beyond the strip end.
pub fn approach_height_m(d: f64) -> f64 {
    let first = APPROACH_FIRST_LENGTH_M * APPROACH_FIRST_SLOPE;
    if d <= APPROACH_FIRST_LENGTH_M {
        d.max(0.0) * APPROACH_FIRST_SLOPE
    } else if d <= APPROACH_FIRST_LENGTH_M + APPROACH_SECOND_LENGTH_M {
        first + (d - APPROACH_FIRST_LENGTH_M) * APPROACH_SECOND_SLOPE
    } else {
        approach_level_height_m()
    }
}

/// The approach surface's half-width at `d`.
fn approach_half_width_m(d: f64) -> f64 {
    APPROACH_INNER_EDGE_M / 2.0 + APPROACH_DIVERGENCE * d
}

/// Where the transitional surface meets the inner horizontal, beside the strip.
fn transitional_top_m() -> f64 {
    STRIP_HALF_WIDTH_M + INNER_HORIZONTAL_HEIGHT_M / TRANSITIONAL_SLOPE
}

/// The approach distance at which the approach surface reaches the inner
/// horizontal surface's height (2 250 m), where the transitional surface beside
/// it ends.
fn transitional_approach_end_m() -> f64 {
    INNER_HORIZONTAL_HEIGHT_M / APPROACH_FIRST_SLOPE
}

/// The surfaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SurfaceKind {
    Strip,
    Transitional,
    InnerHorizontal,
    Conical,
    Approach,
    TakeOffClimb,
}

impl SurfaceKind {
    pub const ALL: [SurfaceKind; 6] = [
        SurfaceKind::Strip,
        SurfaceKind::Transitional,
        SurfaceKind::InnerHorizontal,
        SurfaceKind::Conical,
        SurfaceKind::Approach,
        SurfaceKind::TakeOffClimb,
    ];

    pub fn key(self) -> &'static str {
        match self {
            SurfaceKind::Strip => "strip",
            SurfaceKind::Transitional => "transitional",
            SurfaceKind::InnerHorizontal => "inner_horizontal",
            SurfaceKind::Conical => "conical",
            SurfaceKind::Approach => "approach",
            SurfaceKind::TakeOffClimb => "take_off_climb",
        }
    }

    pub fn name(self, chinese: bool) -> &'static str {
        match (self, chinese) {
            (SurfaceKind::Strip, true) => "升降带",
            (SurfaceKind::Transitional, true) => "过渡面",
            (SurfaceKind::InnerHorizontal, true) => "内水平面",
            (SurfaceKind::Conical, true) => "锥形面",
            (SurfaceKind::Approach, true) => "进近面",
            (SurfaceKind::TakeOffClimb, true) => "起飞爬升面",
            (SurfaceKind::Strip, false) => "runway strip",
            (SurfaceKind::Transitional, false) => "transitional surface",
            (SurfaceKind::InnerHorizontal, false) => "inner horizontal surface",
            (SurfaceKind::Conical, false) => "conical surface",
            (SurfaceKind::Approach, false) => "approach surface",
            (SurfaceKind::TakeOffClimb, false) => "take-off climb surface",
        }
    }
}

/// The limit at a point or over a geometry: the height and the surface that sets
/// it (with the runway end, 0 or 1, for approach, take-off climb and the
/// transitional surface beside an approach).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Limit {
    pub height_m: f64,
    pub surface: SurfaceKind,
    pub end: Option<usize>,
}

impl Limit {
    fn new(height_m: f64, surface: SurfaceKind, end: Option<usize>) -> Limit {
        Limit {
            height_m,
            surface,
            end,
        }
    }

    /// The lower of two limits; at equal heights the one first in
    /// [`SurfaceKind::ALL`] order, so results do not depend on evaluation order.
    fn lower(a: Option<Limit>, b: Option<Limit>) -> Option<Limit> {
        match (a, b) {
            (Some(a), Some(b)) => {
                let key = |l: &Limit| (l.surface, l.end);
                if b.height_m < a.height_m || (b.height_m == a.height_m && key(&b) < key(&a)) {
                    Some(b)
                } else {
                    Some(a)
                }
            }
            (a, None) => a,
            (None, b) => b,
        }
    }
}

/// A linear function of a segment's parameter `t` in [0, 1], by its values at the
/// ends.
#[derive(Clone, Copy)]
struct Lin(f64, f64);

impl Lin {
    fn at(self, t: f64) -> f64 {
        self.0 + (self.1 - self.0) * t
    }
    fn add(self, o: Lin) -> Lin {
        Lin(self.0 + o.0, self.1 + o.1)
    }
    fn scale(self, k: f64) -> Lin {
        Lin(self.0 * k, self.1 * k)
    }
    fn plus(self, c: f64) -> Lin {
        Lin(self.0 + c, self.1 + c)
    }
}

/// The part of the interval where a linear function is at most 0 (within the
/// edge tolerance).
fn clip(iv: Option<(f64, f64)>, f: Lin) -> Option<(f64, f64)> {
    let (lo, hi) = iv?;
    let (f0, df) = (f.0 - EDGE_TOLERANCE_M, f.1 - f.0);
    if df == 0.0 {
        return (f0 <= 0.0).then_some((lo, hi));
    }
    let t = -f0 / df;
    let (lo, hi) = if df > 0.0 {
        (lo, hi.min(t))
    } else {
        (lo.max(t), hi)
    };
    (lo <= hi).then_some((lo, hi))
}

/// The lowest of a linear height over an interval, at one of its ends.
fn lowest_linear(iv: Option<(f64, f64)>, h: Lin) -> Option<f64> {
    let (lo, hi) = iv?;
    Some(h.at(lo).min(h.at(hi)))
}

/// The distance between two segments in the plane.
fn segment_distance(a0: Coord<f64>, a1: Coord<f64>, b0: Coord<f64>, b1: Coord<f64>) -> f64 {
    let cross = |o: Coord<f64>, p: Coord<f64>, q: Coord<f64>| {
        (p.x - o.x) * (q.y - o.y) - (p.y - o.y) * (q.x - o.x)
    };
    let (d1, d2) = (cross(b0, b1, a0), cross(b0, b1, a1));
    let (d3, d4) = (cross(a0, a1, b0), cross(a0, a1, b1));
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        return 0.0;
    }
    point_segment_distance(a0, b0, b1)
        .min(point_segment_distance(a1, b0, b1))
        .min(point_segment_distance(b0, a0, a1))
        .min(point_segment_distance(b1, a0, a1))
}

fn point_segment_distance(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
    let ab = b - a;
    let len2 = ab.x * ab.x + ab.y * ab.y;
    let t = if len2 > 0.0 {
        (((p.x - a.x) * ab.x + (p.y - a.y) * ab.y) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let q = Coord {
        x: a.x + ab.x * t,
        y: a.y + ab.y * t,
    };
    (p.x - q.x).hypot(p.y - q.y)
}

/// The surfaces of one runway.
pub struct Surfaces {
    pub runway: Runway,
    /// Half the distance between the strip ends along the centreline, m.
    half_strip_m: f64,
    /// The lon/lat box of everything the surfaces cover, slightly grown, for
    /// rejecting far geometries before projecting them.
    bbox_lon_lat: Option<geo::Rect<f64>>,
}

/// One surface's outline, for drawing: the surface, the runway end it belongs to
/// (approach, take-off climb and the transitional surface beside an approach) and
/// its polygon in lon/lat.
#[derive(Debug, Clone)]
pub struct SurfaceOutline {
    pub surface: SurfaceKind,
    pub end: Option<usize>,
    pub polygon_lon_lat: Polygon<f64>,
}

/// A height contour of the limit (the lowest surface), in lon/lat, with a place
/// for its label: the middle of its longest line.
#[derive(Debug, Clone)]
pub struct Contour {
    pub height_m: f64,
    pub lines_lon_lat: Vec<LineString<f64>>,
    pub label_lon_lat: Option<Coord<f64>>,
}

impl Surfaces {
    pub fn new(runway: Runway) -> Surfaces {
        let half_strip_m = runway.length_m / 2.0 + STRIP_END_M;
        let mut s = Surfaces {
            runway,
            half_strip_m,
            bbox_lon_lat: None,
        };
        s.bbox_lon_lat = s.covered_bbox_lon_lat();
        s
    }

    /// The extent of the surfaces on the runway's plane: (u, v) corners.
    fn extent_local(&self) -> (Coord<f64>, Coord<f64>) {
        let u = self.half_strip_m + APPROACH_TOTAL_LENGTH_M.max(TAKE_OFF_LENGTH_M);
        let conical_edge = INNER_HORIZONTAL_RADIUS_M + CONICAL_HEIGHT_M / CONICAL_SLOPE;
        let v = conical_edge
            .max(approach_half_width_m(APPROACH_TOTAL_LENGTH_M))
            .max(TAKE_OFF_FINAL_WIDTH_M / 2.0);
        (Coord { x: -u, y: -v }, Coord { x: u, y: v })
    }

    fn covered_bbox_lon_lat(&self) -> Option<geo::Rect<f64>> {
        let (lo, hi) = self.extent_local();
        let corners = [
            lo,
            Coord { x: hi.x, y: lo.y },
            hi,
            Coord { x: lo.x, y: hi.y },
        ];
        let ll: Vec<Coord<f64>> = corners
            .iter()
            .filter_map(|&c| self.runway.frame.to_lon_lat(c))
            .collect();
        if ll.len() < 4 {
            return None;
        }
        let (mut w, mut s, mut e, mut n) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for c in &ll {
            w = w.min(c.x);
            s = s.min(c.y);
            e = e.max(c.x);
            n = n.max(c.y);
        }
        // A hundredth of a degree (about a kilometre) covers the plane's curvature
        // between the corners.
        Some(geo::Rect::new(
            Coord {
                x: w - 0.01,
                y: s - 0.01,
            },
            Coord {
                x: e + 0.01,
                y: n + 0.01,
            },
        ))
    }

    /// The limit at a lon/lat point, or `None` where no surface covers it.
    pub fn limit_at(&self, lon_lat: Coord<f64>) -> Option<Limit> {
        let p = self.runway.frame.to_local(lon_lat)?;
        self.limit_at_local(p)
    }

    /// The limit at a point of the runway's plane.
    pub fn limit_at_local(&self, p: Coord<f64>) -> Option<Limit> {
        self.segment_lowest(p, p)
    }

    /// The lowest limit over a lon/lat geometry: polygons over their whole area,
    /// lines along their length, points where they are. `None` where no surface
    /// covers any of it.
    pub fn lowest_over(&self, g: &Geometry<f64>) -> Option<Limit> {
        if let (Some(bb), Some(env)) = (self.bbox_lon_lat, geo::BoundingRect::bounding_rect(g)) {
            let apart = env.max().x < bb.min().x
                || env.min().x > bb.max().x
                || env.max().y < bb.min().y
                || env.min().y > bb.max().y;
            if apart {
                return None;
            }
        }
        let local = self.runway.frame.geometry_to_local(g)?;
        self.lowest_over_local(&local)
    }

    /// [`Surfaces::lowest_over`] of a geometry already on the runway's plane.
    pub fn lowest_over_local(&self, g: &Geometry<f64>) -> Option<Limit> {
        match g {
            Geometry::Point(p) => self.limit_at_local(p.0),
            Geometry::MultiPoint(mp) => {
                mp.0.iter()
                    .fold(None, |acc, p| Limit::lower(acc, self.limit_at_local(p.0)))
            }
            Geometry::Line(l) => self.segment_lowest(l.start, l.end),
            Geometry::LineString(ls) => self.line_lowest(ls),
            Geometry::MultiLineString(mls) => mls
                .0
                .iter()
                .fold(None, |acc, ls| Limit::lower(acc, self.line_lowest(ls))),
            Geometry::Polygon(p) => self.polygon_lowest(p),
            Geometry::MultiPolygon(mp) => {
                mp.0.iter()
                    .fold(None, |acc, p| Limit::lower(acc, self.polygon_lowest(p)))
            }
            Geometry::GeometryCollection(gc) => {
                gc.0.iter()
                    .fold(None, |acc, g| Limit::lower(acc, self.lowest_over_local(g)))
            }
            Geometry::Rect(r) => self.polygon_lowest(&r.to_polygon()),
            Geometry::Triangle(t) => self.polygon_lowest(&t.to_polygon()),
        }
    }

    fn line_lowest(&self, ls: &LineString<f64>) -> Option<Limit> {
        if let [only] = ls.0.as_slice() {
            return self.limit_at_local(*only);
        }
        ls.lines().fold(None, |acc, l| {
            Limit::lower(acc, self.segment_lowest(l.start, l.end))
        })
    }

    fn polygon_lowest(&self, p: &Polygon<f64>) -> Option<Limit> {
        // The strip wholly inside the polygon: its centre is inside, and no edge of
        // the polygon touches the strip (an edge that does is found below).
        if p.contains(&Point::new(0.0, 0.0)) {
            return Some(Limit::new(0.0, SurfaceKind::Strip, None));
        }
        std::iter::once(p.exterior())
            .chain(p.interiors())
            .fold(None, |acc, ring| Limit::lower(acc, self.line_lowest(ring)))
    }

    /// The lowest limit along the segment from `a` to `b` (plane coordinates).
    fn segment_lowest(&self, a: Coord<f64>, b: Coord<f64>) -> Option<Limit> {
        let hs = self.half_strip_m;
        let u = Lin(a.x, b.x);
        let v = Lin(a.y, b.y);
        let all = Some((0.0, 1.0));
        // The strip.
        let strip = clip(
            clip(
                clip(clip(all, u.plus(-hs)), u.scale(-1.0).plus(-hs)),
                v.plus(-STRIP_HALF_WIDTH_M),
            ),
            v.scale(-1.0).plus(-STRIP_HALF_WIDTH_M),
        );
        if strip.is_some() {
            return Some(Limit::new(0.0, SurfaceKind::Strip, None));
        }
        // Inner horizontal and conical: a rising function of the distance from the
        // segment between the strip ends, lowest where the segment comes closest.
        let r = segment_distance(a, b, Coord { x: -hs, y: 0.0 }, Coord { x: hs, y: 0.0 });
        let conical_edge = INNER_HORIZONTAL_RADIUS_M + CONICAL_HEIGHT_M / CONICAL_SLOPE;
        let mut best = if r <= INNER_HORIZONTAL_RADIUS_M + EDGE_TOLERANCE_M {
            Some(Limit::new(
                INNER_HORIZONTAL_HEIGHT_M,
                SurfaceKind::InnerHorizontal,
                None,
            ))
        } else if r <= conical_edge + EDGE_TOLERANCE_M {
            let h = INNER_HORIZONTAL_HEIGHT_M + CONICAL_SLOPE * (r - INNER_HORIZONTAL_RADIUS_M);
            Some(Limit::new(
                h.min(INNER_HORIZONTAL_HEIGHT_M + CONICAL_HEIGHT_M),
                SurfaceKind::Conical,
                None,
            ))
        } else {
            None
        };
        // The rest are symmetric about the centreline: each side's part of the
        // segment, with s = |v| linear on it.
        let mut sides = Vec::with_capacity(2);
        if (a.y >= 0.0) == (b.y >= 0.0) || a.y == b.y {
            sides.push((a, b));
        } else {
            let t = a.y / (a.y - b.y);
            let m = Coord {
                x: a.x + (b.x - a.x) * t,
                y: 0.0,
            };
            sides.push((a, m));
            sides.push((m, b));
        }
        for (p, q) in sides {
            let s = Lin(p.y.abs(), q.y.abs());
            let u = Lin(p.x, q.x);
            best = Limit::lower(best, self.side_lowest(u, s));
        }
        best
    }

    /// The lowest of the transitional, approach and take-off climb surfaces along
    /// a segment on one side of the centreline, given `u` and `s = |v|` along it.
    fn side_lowest(&self, u: Lin, s: Lin) -> Option<Limit> {
        let hs = self.half_strip_m;
        let all = Some((0.0, 1.0));
        let mut best = None;
        // Transitional beside the strip: |u| ≤ hs, 140 ≤ s ≤ where it reaches 45 m.
        let beside = clip(
            clip(
                clip(clip(all, u.plus(-hs)), u.scale(-1.0).plus(-hs)),
                s.scale(-1.0).plus(STRIP_HALF_WIDTH_M),
            ),
            s.plus(-transitional_top_m()),
        );
        if let Some(h) = lowest_linear(
            beside,
            s.plus(-STRIP_HALF_WIDTH_M).scale(TRANSITIONAL_SLOPE),
        ) {
            best = Limit::lower(
                best,
                Some(Limit::new(h.max(0.0), SurfaceKind::Transitional, None)),
            );
        }
        for end in 0..2 {
            // Distance beyond this end's strip end.
            let d = if end == 1 {
                u.plus(-hs)
            } else {
                u.scale(-1.0).plus(-hs)
            };
            let ahead = clip(all, d.scale(-1.0));
            // Approach: s ≤ 150 + 0.15 d, d ≤ 15 000; its height rises with d, so
            // it is lowest where d is.
            let edge = d
                .scale(APPROACH_DIVERGENCE)
                .plus(APPROACH_INNER_EDGE_M / 2.0);
            let approach = clip(
                clip(ahead, d.plus(-APPROACH_TOTAL_LENGTH_M)),
                s.add(edge.scale(-1.0)),
            );
            if let Some(dmin) = lowest_linear(approach, d) {
                let l = Limit::new(approach_height_m(dmin), SurfaceKind::Approach, Some(end));
                best = Limit::lower(best, Some(l));
            }
            // Take-off climb: s ≤ 90 + 0.125 d and s ≤ 600, d ≤ 15 000, at 2 %.
            let climb = clip(
                clip(
                    clip(ahead, d.plus(-TAKE_OFF_LENGTH_M)),
                    s.add(
                        d.scale(-TAKE_OFF_DIVERGENCE)
                            .plus(-TAKE_OFF_INNER_EDGE_M / 2.0),
                    ),
                ),
                s.plus(-TAKE_OFF_FINAL_WIDTH_M / 2.0),
            );
            if let Some(dmin) = lowest_linear(climb, d) {
                let l = Limit::new(
                    dmin.max(0.0) * TAKE_OFF_SLOPE,
                    SurfaceKind::TakeOffClimb,
                    Some(end),
                );
                best = Limit::lower(best, Some(l));
            }
            // Transitional beside the approach: outside its edge, below 45 m, and
            // from the strip end to where the edge reaches 45 m (the triangle these
            // bound).
            let h = d
                .scale(APPROACH_FIRST_SLOPE)
                .add(s.add(edge.scale(-1.0)).scale(TRANSITIONAL_SLOPE));
            let wing = clip(
                clip(
                    clip(ahead, edge.add(s.scale(-1.0))),
                    h.plus(-INNER_HORIZONTAL_HEIGHT_M),
                ),
                d.plus(-transitional_approach_end_m()),
            );
            if let Some(hmin) = lowest_linear(wing, h) {
                let l = Limit::new(hmin.max(0.0), SurfaceKind::Transitional, Some(end));
                best = Limit::lower(best, Some(l));
            }
        }
        best
    }

    /// Every surface's outline in lon/lat, for drawing: the strip, the
    /// transitional surface's four parts beside the strip and the approaches, the
    /// inner horizontal surface, the conical surface (a ring), and each end's
    /// approach and take-off climb surfaces. Curves are drawn every 2°.
    pub fn outlines(&self) -> Vec<SurfaceOutline> {
        let hs = self.half_strip_m;
        let c = |x: f64, y: f64| Coord { x, y };
        let poly = |pts: Vec<Coord<f64>>| Polygon::new(LineString(pts), vec![]);
        let mut out: Vec<(SurfaceKind, Option<usize>, Polygon<f64>)> = Vec::new();
        out.push((
            SurfaceKind::Strip,
            None,
            poly(vec![
                c(-hs, -STRIP_HALF_WIDTH_M),
                c(hs, -STRIP_HALF_WIDTH_M),
                c(hs, STRIP_HALF_WIDTH_M),
                c(-hs, STRIP_HALF_WIDTH_M),
            ]),
        ));
        let top = transitional_top_m();
        for side in [1.0, -1.0] {
            out.push((
                SurfaceKind::Transitional,
                None,
                poly(vec![
                    c(-hs, side * STRIP_HALF_WIDTH_M),
                    c(hs, side * STRIP_HALF_WIDTH_M),
                    c(hs, side * top),
                    c(-hs, side * top),
                ]),
            ));
        }
        let racetrack = |r: f64| -> Vec<Coord<f64>> {
            let mut pts = Vec::new();
            for k in 0..=90 {
                let a = -std::f64::consts::FRAC_PI_2 + std::f64::consts::PI * k as f64 / 90.0;
                pts.push(c(hs + r * a.cos(), r * a.sin()));
            }
            for k in 0..=90 {
                let a = std::f64::consts::FRAC_PI_2 + std::f64::consts::PI * k as f64 / 90.0;
                pts.push(c(-hs + r * a.cos(), r * a.sin()));
            }
            pts
        };
        out.push((
            SurfaceKind::InnerHorizontal,
            None,
            poly(racetrack(INNER_HORIZONTAL_RADIUS_M)),
        ));
        let conical_edge = INNER_HORIZONTAL_RADIUS_M + CONICAL_HEIGHT_M / CONICAL_SLOPE;
        let mut inner = racetrack(INNER_HORIZONTAL_RADIUS_M);
        inner.reverse();
        out.push((
            SurfaceKind::Conical,
            None,
            Polygon::new(LineString(racetrack(conical_edge)), vec![LineString(inner)]),
        ));
        for end in 0..2 {
            let sign = if end == 1 { 1.0 } else { -1.0 };
            // (d, s) on this end's side of the plane.
            let at = |d: f64, s: f64| c(sign * (hs + d), s);
            let w = approach_half_width_m(APPROACH_TOTAL_LENGTH_M);
            out.push((
                SurfaceKind::Approach,
                Some(end),
                poly(vec![
                    at(0.0, -APPROACH_INNER_EDGE_M / 2.0),
                    at(APPROACH_TOTAL_LENGTH_M, -w),
                    at(APPROACH_TOTAL_LENGTH_M, w),
                    at(0.0, APPROACH_INNER_EDGE_M / 2.0),
                ]),
            ));
            let half = TAKE_OFF_FINAL_WIDTH_M / 2.0;
            let full = (half - TAKE_OFF_INNER_EDGE_M / 2.0) / TAKE_OFF_DIVERGENCE;
            out.push((
                SurfaceKind::TakeOffClimb,
                Some(end),
                poly(vec![
                    at(0.0, -TAKE_OFF_INNER_EDGE_M / 2.0),
                    at(full, -half),
                    at(TAKE_OFF_LENGTH_M, -half),
                    at(TAKE_OFF_LENGTH_M, half),
                    at(full, half),
                    at(0.0, TAKE_OFF_INNER_EDGE_M / 2.0),
                ]),
            ));
            let dt = transitional_approach_end_m();
            for side in [1.0, -1.0] {
                out.push((
                    SurfaceKind::Transitional,
                    Some(end),
                    poly(vec![
                        at(0.0, side * APPROACH_INNER_EDGE_M / 2.0),
                        at(dt, side * approach_half_width_m(dt)),
                        at(
                            0.0,
                            side * (APPROACH_INNER_EDGE_M / 2.0
                                + INNER_HORIZONTAL_HEIGHT_M / TRANSITIONAL_SLOPE),
                        ),
                    ]),
                ));
            }
        }
        out.into_iter()
            .filter_map(|(surface, end, p)| {
                let g = self
                    .runway
                    .frame
                    .geometry_to_lon_lat(&Geometry::Polygon(p))?;
                let Geometry::Polygon(mut polygon_lon_lat) = g else {
                    return None;
                };
                polygon_lon_lat.exterior_mut(|e| e.close());
                Some(SurfaceOutline {
                    surface,
                    end,
                    polygon_lon_lat,
                })
            })
            .collect()
    }

    /// Where each surface's name is written on a map, in lon/lat: the strip on
    /// the runway, the transitional surface beside the strip, the inner
    /// horizontal and conical surfaces abeam the runway's middle, and each end's
    /// approach near its inner edge and take-off climb far out, where it is the
    /// lower of the two. Sorted by surface, then end.
    pub fn label_points(&self) -> Vec<(SurfaceKind, Option<usize>, Coord<f64>)> {
        let hs = self.half_strip_m;
        let c = |x: f64, y: f64| Coord { x, y };
        let mut local: Vec<(SurfaceKind, Option<usize>, Coord<f64>)> = vec![
            (SurfaceKind::Strip, None, c(0.0, 0.0)),
            (
                SurfaceKind::Transitional,
                None,
                c(0.0, (STRIP_HALF_WIDTH_M + transitional_top_m()) / 2.0),
            ),
            (
                SurfaceKind::InnerHorizontal,
                None,
                c(0.0, INNER_HORIZONTAL_RADIUS_M * 0.6),
            ),
            (
                SurfaceKind::Conical,
                None,
                c(
                    0.0,
                    INNER_HORIZONTAL_RADIUS_M + CONICAL_HEIGHT_M / CONICAL_SLOPE / 2.0,
                ),
            ),
        ];
        for end in 0..2 {
            let sign = if end == 1 { 1.0 } else { -1.0 };
            local.push((
                SurfaceKind::Approach,
                Some(end),
                c(sign * (hs + transitional_approach_end_m() / 2.0), 0.0),
            ));
            local.push((
                SurfaceKind::TakeOffClimb,
                Some(end),
                c(sign * (hs + TAKE_OFF_LENGTH_M * 0.85), 0.0),
            ));
        }
        let mut out: Vec<(SurfaceKind, Option<usize>, Coord<f64>)> = local
            .into_iter()
            .filter_map(|(k, e, p)| Some((k, e, self.runway.frame.to_lon_lat(p)?)))
            .collect();
        out.sort_by_key(|a| (a.0, a.1));
        out
    }

    /// Contours of the limit (the lowest surface) every `step_m` metres, in
    /// lon/lat, traced by marching squares on a grid of `cell_m` metres on the
    /// runway's plane. The limit is linear within each surface, so a contour is
    /// exact within a surface and cuts the corner by at most a cell where two
    /// surfaces meet. Lines are joined end to end and thinned to 0.5 m.
    pub fn contours(&self, step_m: f64, cell_m: f64) -> Vec<Contour> {
        if !(step_m > 0.0 && cell_m > 0.0) {
            return Vec::new();
        }
        let (lo, hi) = self.extent_local();
        let nx = ((hi.x - lo.x) / cell_m).ceil() as usize + 1;
        let ny = ((hi.y - lo.y) / cell_m).ceil() as usize + 1;
        let at = |i: usize, j: usize| Coord {
            x: lo.x + i as f64 * cell_m,
            y: lo.y + j as f64 * cell_m,
        };
        let grid: Vec<f64> = {
            use rayon::prelude::*;
            (0..ny)
                .into_par_iter()
                .flat_map_iter(|j| (0..nx).map(move |i| (i, j)))
                .map(|(i, j)| {
                    self.limit_at_local(at(i, j))
                        .map(|l| l.height_m)
                        .unwrap_or(f64::NAN)
                })
                .collect()
        };
        let value = |i: usize, j: usize| grid.get(j * nx + i).copied().unwrap_or(f64::NAN);
        let top = INNER_HORIZONTAL_HEIGHT_M + CONICAL_HEIGHT_M;
        let levels: Vec<f64> = (1..)
            .map(|k| k as f64 * step_m)
            .take_while(|h| *h <= top.max(approach_level_height_m()))
            .collect();
        let mut out = Vec::new();
        for level in levels {
            let mut segments: Vec<(Coord<f64>, Coord<f64>)> = Vec::new();
            for j in 0..ny.saturating_sub(1) {
                for i in 0..nx.saturating_sub(1) {
                    let corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
                    let vals = corners.map(|(a, b)| value(a, b));
                    if vals.iter().any(|v| v.is_nan()) {
                        continue;
                    }
                    march(level, &corners.map(|(a, b)| at(a, b)), &vals, &mut segments);
                }
            }
            let lines = join_segments(segments, cell_m * 1e-6);
            let mut lines_lon_lat = Vec::new();
            let mut longest: Option<(f64, Coord<f64>)> = None;
            for line in lines {
                let thin = thin_line(&line, 0.5);
                if thin.0.len() < 2 {
                    continue;
                }
                let len = geo::Length::length(&geo::Euclidean, &thin);
                let mid = point_along(&thin, len / 2.0);
                let Some(Geometry::LineString(ll)) = self
                    .runway
                    .frame
                    .geometry_to_lon_lat(&Geometry::LineString(thin))
                else {
                    continue;
                };
                if longest.is_none_or(|(l, _)| len > l) {
                    longest = mid
                        .and_then(|m| self.runway.frame.to_lon_lat(m))
                        .map(|m| (len, m));
                }
                lines_lon_lat.push(ll);
            }
            if !lines_lon_lat.is_empty() {
                out.push(Contour {
                    height_m: level,
                    lines_lon_lat,
                    label_lon_lat: longest.map(|(_, m)| m),
                });
            }
        }
        out
    }
}

/// The contour segments of one grid square (corners counter-clockwise from the
/// lower left) at `level`; a saddle is resolved by the square's mean.
fn march(level: f64, p: &[Coord<f64>; 4], v: &[f64; 4], out: &mut Vec<(Coord<f64>, Coord<f64>)>) {
    let above = v.map(|x| x >= level);
    let edge_point = |a: usize, b: usize| -> Option<Coord<f64>> {
        let (pa, pb, va, vb) = (p.get(a)?, p.get(b)?, *v.get(a)?, *v.get(b)?);
        let t = if vb != va {
            (level - va) / (vb - va)
        } else {
            0.5
        };
        Some(Coord {
            x: pa.x + (pb.x - pa.x) * t,
            y: pa.y + (pb.y - pa.y) * t,
        })
    };
    // Edges of the square: 0 bottom (0–1), 1 right (1–2), 2 top (2–3), 3 left (3–0).
    let crossing: Vec<usize> = (0..4)
        .filter(|&e| above.get(e) != above.get((e + 1) % 4))
        .collect();
    let point_on = |e: usize| edge_point(e, (e + 1) % 4);
    match crossing.as_slice() {
        [a, b] => {
            if let (Some(x), Some(y)) = (point_on(*a), point_on(*b)) {
                out.push((x, y));
            }
        }
        [a, b, c, d] => {
            let mean = v.iter().sum::<f64>() / 4.0;
            // Pair the crossings so that the centre's side is kept connected.
            let centre_above = mean >= level;
            let first_above = above.first().copied().unwrap_or(false);
            let pairs = if centre_above == first_above {
                [(*a, *b), (*c, *d)]
            } else {
                [(*d, *a), (*b, *c)]
            };
            for (e1, e2) in pairs {
                if let (Some(x), Some(y)) = (point_on(e1), point_on(e2)) {
                    out.push((x, y));
                }
            }
        }
        _ => {}
    }
}

/// Joins segments sharing end points (within `tolerance`) into lines.
fn join_segments(segments: Vec<(Coord<f64>, Coord<f64>)>, tolerance: f64) -> Vec<LineString<f64>> {
    use std::collections::HashMap;
    let key = |c: Coord<f64>| {
        (
            (c.x / tolerance.max(1e-9)).round() as i64,
            (c.y / tolerance.max(1e-9)).round() as i64,
        )
    };
    let mut by_end: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
    for (k, (a, b)) in segments.iter().enumerate() {
        by_end.entry(key(*a)).or_default().push(k);
        by_end.entry(key(*b)).or_default().push(k);
    }
    let mut used = vec![false; segments.len()];
    let mut lines = Vec::new();
    for start in 0..segments.len() {
        if used.get(start).copied().unwrap_or(true) {
            continue;
        }
        let Some(&(a, b)) = segments.get(start) else {
            continue;
        };
        if let Some(u) = used.get_mut(start) {
            *u = true;
        }
        let mut line = std::collections::VecDeque::from([a, b]);
        // Grow at the back, then at the front.
        for front in [false, true] {
            loop {
                let end = if front { line.front() } else { line.back() };
                let Some(&end) = end else { break };
                let next = by_end.get(&key(end)).and_then(|ks| {
                    ks.iter()
                        .copied()
                        .find(|&k| !used.get(k).copied().unwrap_or(true))
                });
                let Some(k) = next else { break };
                if let Some(u) = used.get_mut(k) {
                    *u = true;
                }
                let Some(&(p, q)) = segments.get(k) else {
                    break;
                };
                let other = if key(p) == key(end) { q } else { p };
                if front {
                    line.push_front(other);
                } else {
                    line.push_back(other);
                }
            }
        }
        lines.push(LineString(line.into_iter().collect()));
    }
    // Longest first, then by first point: deterministic whatever the hash order.
    lines.sort_by(|a, b| {
        b.0.len().cmp(&a.0.len()).then_with(|| {
            let (pa, pb) = (a.0.first(), b.0.first());
            match (pa, pb) {
                (Some(x), Some(y)) => x.x.total_cmp(&y.x).then(x.y.total_cmp(&y.y)),
                _ => std::cmp::Ordering::Equal,
            }
        })
    });
    lines
}

/// Drops vertices that lie within `tolerance` of the line through their
/// neighbours (Douglas–Peucker).
fn thin_line(line: &LineString<f64>, tolerance: f64) -> LineString<f64> {
    use geo::Simplify;
    line.simplify(tolerance)
}

/// The point `at` metres along a line.
fn point_along(line: &LineString<f64>, at: f64) -> Option<Coord<f64>> {
    let mut left = at;
    for seg in line.lines() {
        let len = (seg.end.x - seg.start.x).hypot(seg.end.y - seg.start.y);
        if left <= len && len > 0.0 {
            let t = left / len;
            return Some(Coord {
                x: seg.start.x + (seg.end.x - seg.start.x) * t,
                y: seg.start.y + (seg.end.y - seg.start.y) * t,
            });
        }
        left -= len;
    }
    line.0.last().copied()
}
