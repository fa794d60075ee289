//! Geometry problems that make an area unreliable: a polygon ring that crosses
//! itself (a bow-tie), and a polygon that encloses no area.
//!
//! Such features still load, draw, select and measure; the loader warns about them
//! so an area computed from them is never presented as right without a word. Only
//! each ring against itself is checked: rings of one polygon crossing each other are
//! rarer and cost a pairwise test.
//!
//! A ring that only touches itself is not a problem: two loops that meet at a
//! shared vertex (a figure-8 of two squares touching at a corner), a boundary that
//! passes through the same vertex twice to pinch off a courtyard (how Esri and
//! many CAD exports draw a hole that touches the outline), or a vertex that rests
//! on another edge. Their loops run the same way round, so the signed area adds
//! up to the area enclosed. Only a crossing makes loops run opposite ways and
//! cancel: edges that cross at interior points, or a boundary that passes through
//! a shared point from one side of itself to the other.

use geo::{Coord, Geometry, LineString};

use crate::model::format_fixed;

/// What is wrong with a feature's geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// A ring crosses itself; the signed area sums opposite loops.
    SelfIntersection,
    /// A polygon whose rings enclose no area.
    ZeroArea,
}

impl Problem {
    pub fn message(self, area_m2: f64) -> String {
        match self {
            Problem::SelfIntersection => format!(
                "a polygon ring crosses itself (self-intersecting or bow-tie); its area ({} m²) is not reliable",
                format_fixed(area_m2, 2)
            ),
            Problem::ZeroArea => {
                "the polygon encloses no area (its points lie on a line)".to_string()
            }
        }
    }
}

/// The problem of a geometry with ellipsoidal area `area_m2`, if any.
pub fn problem(g: &Geometry<f64>, area_m2: f64) -> Option<Problem> {
    let polygons: Vec<&geo::Polygon<f64>> = match g {
        Geometry::Polygon(p) => vec![p],
        Geometry::MultiPolygon(mp) => mp.0.iter().collect(),
        _ => return None,
    };
    let crosses = polygons.iter().any(|p| {
        std::iter::once(p.exterior())
            .chain(p.interiors())
            .any(ring_self_intersects)
    });
    // Flat in the plane of lon/lat: geodesic edges between points on one parallel
    // enclose a sliver, so the ellipsoidal area alone would not tell.
    let flat = || {
        use geo::Area;
        polygons.iter().all(|p| p.unsigned_area() == 0.0) || area_m2 <= 1e-9
    };
    if crosses {
        Some(Problem::SelfIntersection)
    } else if flat() {
        Some(Problem::ZeroArea)
    } else {
        None
    }
}

/// The sign of the turn a → b → c: positive left, negative right, zero straight.
fn orient(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>) -> f64 {
    (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
}

/// Whether `p`, known to be collinear with segment a–b, lies within its box.
fn on_segment(a: Coord<f64>, b: Coord<f64>, p: Coord<f64>) -> bool {
    p.x >= a.x.min(b.x) && p.x <= a.x.max(b.x) && p.y >= a.y.min(b.y) && p.y <= a.y.max(b.y)
}

/// How two segments p1–p2 and q1–q2 meet.
enum Meeting {
    Apart,
    /// Their interiors cross at one point.
    Cross,
    /// They touch or overlap at these points, each an end of one segment lying on
    /// the other.
    Touch(Vec<Coord<f64>>),
}

fn meeting(p1: Coord<f64>, p2: Coord<f64>, q1: Coord<f64>, q2: Coord<f64>) -> Meeting {
    let (d1, d2) = (orient(q1, q2, p1), orient(q1, q2, p2));
    let (d3, d4) = (orient(p1, p2, q1), orient(p1, p2, q2));
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        return Meeting::Cross;
    }
    let mut at = Vec::new();
    for (d, a, b, p) in [
        (d1, q1, q2, p1),
        (d2, q1, q2, p2),
        (d3, p1, p2, q1),
        (d4, p1, p2, q2),
    ] {
        if d == 0.0 && on_segment(a, b, p) && !at.contains(&p) {
            at.push(p);
        }
    }
    if at.is_empty() {
        Meeting::Apart
    } else {
        Meeting::Touch(at)
    }
}

fn cross(a: Coord<f64>, b: Coord<f64>) -> f64 {
    a.x * b.y - a.y * b.x
}

/// Whether direction `x` points along direction `r` (same line, same way).
fn along(r: Coord<f64>, x: Coord<f64>) -> bool {
    cross(r, x) == 0.0 && r.x * x.x + r.y * x.y > 0.0
}

/// Whether direction `x` lies strictly inside the sector swept counter-clockwise
/// from direction `r1` to direction `r2` (which do not point the same way).
fn in_sector(r1: Coord<f64>, r2: Coord<f64>, x: Coord<f64>) -> bool {
    let turn = cross(r1, r2);
    if turn > 0.0 {
        cross(r1, x) > 0.0 && cross(x, r2) > 0.0
    } else if turn < 0.0 {
        // More than a half-turn: inside unless in the closed sector from r2 to r1.
        !(cross(r2, x) >= 0.0 && cross(x, r1) >= 0.0)
    } else {
        // r1 and r2 point opposite ways: the half-plane to the left of r1.
        cross(r1, x) > 0.0
    }
}

/// One passage of a ring through a point: the points it comes from and goes to.
type Pass = (Coord<f64>, Coord<f64>);

/// Whether two passages through `at` cross there, that is, the second comes from
/// one side of the first and leaves on the other. Passages that share a direction
/// (running along a common edge, or a spike that doubles back) are counted as
/// touching: telling those apart would mean following the shared stretch, and
/// they do not arise from the crossings this check is for.
fn passes_cross(at: Coord<f64>, first: Pass, second: Pass) -> bool {
    let dir = |p: Coord<f64>| Coord {
        x: p.x - at.x,
        y: p.y - at.y,
    };
    let (r1, r2) = (dir(first.0), dir(first.1));
    let (s1, s2) = (dir(second.0), dir(second.1));
    if along(r1, r2) || [s1, s2].iter().any(|&s| along(r1, s) || along(r2, s)) {
        return false;
    }
    in_sector(r1, r2, s1) != in_sector(r1, r2, s2)
}

/// Rings of up to this many points are checked without allocating, and pair by
/// pair rather than by a sorted sweep.
const SMALL: usize = 32;

/// Whether a closed ring crosses itself. Touching itself at a vertex, or with a
/// vertex on another edge, is not crossing (see the module's note). Only edges
/// whose x ranges overlap are tested: by a sweep over the edges sorted by their
/// left end, so typical rings cost O(n log n), or for small rings (most parcels
/// have four to ten corners) by looking at every pair, which tests the same pairs
/// in the same roles without the sort and its allocations.
pub fn ring_self_intersects(ring: &LineString<f64>) -> bool {
    // Repeated points would make neighbours look like crossings; drop them first.
    let mut small = [Coord { x: 0.0, y: 0.0 }; SMALL];
    let mut large: Vec<Coord<f64>> = Vec::new();
    let mut pts: &[Coord<f64>] = if ring.0.len() <= SMALL {
        let mut n = 0usize;
        for c in &ring.0 {
            if (n == 0 || small.get(n - 1) != Some(c))
                && let Some(slot) = small.get_mut(n)
            {
                *slot = *c;
                n += 1;
            }
        }
        small.get(..n).unwrap_or_default()
    } else {
        large.reserve(ring.0.len());
        for c in &ring.0 {
            if large.last() != Some(c) {
                large.push(*c);
            }
        }
        &large
    };
    if pts.len() > 1 && pts.first() == pts.last() {
        pts = pts.get(..pts.len() - 1).unwrap_or_default();
    }
    crosses(pts, pts.len() <= SMALL)
}

/// Whether the ring through `pts` (not repeating its first point) crosses itself,
/// testing the pairs of edges one by one (`by_pairs`) or by the sweep.
fn crosses(pts: &[Coord<f64>], by_pairs: bool) -> bool {
    let n = pts.len();
    if n < 4 {
        return false;
    }
    let at = |i: usize| pts.get(i % n).copied().unwrap_or_default();
    let seg = |i: usize| (at(i), at(i + 1));
    // The passage of the ring through point `p` on edge `i`: through its start
    // vertex, its end vertex, or straight along the edge.
    let pass = |i: usize, p: Coord<f64>| -> Pass {
        let (a, b) = seg(i);
        if p == a {
            (at(i + n - 1), b)
        } else if p == b {
            (a, at(i + 2))
        } else {
            (a, b)
        }
    };
    let min_x = |i: usize| {
        let (a, b) = seg(i);
        a.x.min(b.x)
    };
    // Whether edges `i` and `j` (`i` first in the sweep's order) cross.
    let edges_cross = |i: usize, j: usize| -> bool {
        // Neighbouring edges share an end by construction.
        let d = i.abs_diff(j);
        if d == 1 || d == n - 1 {
            return false;
        }
        let (a, b) = seg(i);
        let (c, e) = seg(j);
        match meeting(a, b, c, e) {
            Meeting::Apart => false,
            Meeting::Cross => true,
            Meeting::Touch(points) => points
                .into_iter()
                .any(|p| passes_cross(p, pass(i, p), pass(j, p))),
        }
    };
    if by_pairs {
        for i in 0..n {
            for j in i + 1..n {
                // The pair in the sweep's order: by left end, and by index where
                // the left ends are equal (the sweep's sort is stable).
                let (first, second) = if min_x(j).total_cmp(&min_x(i)).is_lt() {
                    (j, i)
                } else {
                    (i, j)
                };
                let (a, b) = seg(first);
                if min_x(second) > a.x.max(b.x) {
                    continue;
                }
                if edges_cross(first, second) {
                    return true;
                }
            }
        }
        return false;
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| min_x(a).total_cmp(&min_x(b)));
    for (k, &i) in order.iter().enumerate() {
        let (a, b) = seg(i);
        let max_x = a.x.max(b.x);
        for &j in order.iter().skip(k + 1) {
            if min_x(j) > max_x {
                break;
            }
            if edges_cross(i, j) {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::line_string;

    #[test]
    fn bow_ties_are_found_and_plain_and_touching_rings_pass() {
        let square = line_string![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.), (x: 0., y: 0.)];
        assert!(!ring_self_intersects(&square));
        let bow = line_string![(x: 0., y: 0.), (x: 1., y: 1.), (x: 1., y: 0.), (x: 0., y: 1.), (x: 0., y: 0.)];
        assert!(ring_self_intersects(&bow));
        // A vertex that comes back to rest on one of the ring's own edges: two
        // loops, both counter-clockwise, so the area is right.
        let touch = line_string![(x: 0., y: 0.), (x: 2., y: 0.), (x: 2., y: 2.), (x: 1., y: 0.), (x: 0., y: 2.), (x: 0., y: 0.)];
        assert!(!ring_self_intersects(&touch));
        // Two squares meeting at one shared corner (a figure-8).
        let eight = line_string![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 2., y: 1.), (x: 2., y: 2.), (x: 1., y: 2.), (x: 1., y: 1.), (x: 0., y: 1.), (x: 0., y: 0.)];
        assert!(!ring_self_intersects(&eight));
        // An outline pinched at (2, 4) around a triangular courtyard.
        let pinch = line_string![(x: 0., y: 0.), (x: 4., y: 0.), (x: 4., y: 4.), (x: 2., y: 4.), (x: 3., y: 2.), (x: 1., y: 2.), (x: 2., y: 4.), (x: 0., y: 4.), (x: 0., y: 0.)];
        assert!(!ring_self_intersects(&pinch));
        // The same two triangles as the bow-tie, but with a vertex at the crossing:
        // the boundary passes through (1, 1) from one side of itself to the other.
        let through = line_string![(x: 0., y: 0.), (x: 1., y: 1.), (x: 2., y: 2.), (x: 2., y: 0.), (x: 1., y: 1.), (x: 0., y: 2.), (x: 0., y: 0.)];
        assert!(ring_self_intersects(&through));
        // A vertex on another edge where the ring crosses over: (1, 0) is reached
        // from above and left below.
        let over = line_string![(x: 0., y: 0.), (x: 2., y: 0.), (x: 2., y: 2.), (x: 1., y: 0.), (x: 1., y: -1.), (x: 0., y: -1.), (x: 0., y: 0.)];
        assert!(ring_self_intersects(&over));
        // Repeated points, a concave (L-shaped) ring and a spike are fine.
        let l = line_string![(x: 0., y: 0.), (x: 2., y: 0.), (x: 2., y: 0.), (x: 2., y: 1.), (x: 1., y: 1.), (x: 1., y: 2.), (x: 0., y: 2.), (x: 0., y: 0.)];
        assert!(!ring_self_intersects(&l));
        let spike = line_string![(x: 0., y: 0.), (x: 2., y: 0.), (x: 2., y: 1.), (x: 3., y: 1.), (x: 2., y: 1.), (x: 2., y: 2.), (x: 0., y: 2.), (x: 0., y: 0.)];
        assert!(!ring_self_intersects(&spike));
    }

    #[test]
    fn a_flat_polygon_has_zero_area() {
        let flat = Geometry::Polygon(geo::Polygon::new(
            line_string![(x: 0., y: 0.), (x: 1., y: 0.), (x: 2., y: 0.), (x: 0., y: 0.)],
            vec![],
        ));
        assert_eq!(problem(&flat, 0.0), Some(Problem::ZeroArea));
    }

    #[test]
    fn pairs_and_the_sweep_agree_on_every_ring() {
        let mut s = 3u64;
        let mut next = |k: u64| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 33) % k
        };
        let mut crossing = 0;
        for case in 0..20_000 {
            // Points on a small grid, so that rings touch, overlap and run along
            // themselves as often as they cross.
            let n = 4 + next(12) as usize;
            let grid = if case % 2 == 0 { 4 } else { 1000 };
            let pts: Vec<Coord<f64>> = (0..n)
                .map(|_| Coord {
                    x: next(grid) as f64,
                    y: next(grid) as f64,
                })
                .collect();
            let by_pairs = crosses(&pts, true);
            assert_eq!(by_pairs, crosses(&pts, false), "{pts:?}");
            crossing += usize::from(by_pairs);
        }
        assert!((1001..19_000).contains(&crossing), "{crossing}");
    }
}
