//! Geometry problems that make an area unreliable: a polygon ring that crosses or
//! touches itself (a bow-tie), and a polygon that encloses no area.
//!
//! Such features still load, draw, select and measure; the loader warns about them
//! so an area computed from them is never presented as right without a word. Only
//! each ring against itself is checked: rings of one polygon crossing each other are
//! rarer and cost a pairwise test.

use geo::{Coord, Geometry, LineString};

/// What is wrong with a feature's geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// A ring crosses or touches itself; the signed area sums opposite loops.
    SelfIntersection,
    /// A polygon whose rings enclose no area.
    ZeroArea,
}

impl Problem {
    pub fn message(self, area_m2: f64) -> String {
        match self {
            Problem::SelfIntersection => format!(
                "a polygon ring crosses itself (self-intersecting or bow-tie); its area ({area_m2:.2} m²) is not reliable"
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

/// Whether segments p1–p2 and q1–q2 meet (cross, touch or overlap).
fn segments_meet(p1: Coord<f64>, p2: Coord<f64>, q1: Coord<f64>, q2: Coord<f64>) -> bool {
    let (d1, d2) = (orient(q1, q2, p1), orient(q1, q2, p2));
    let (d3, d4) = (orient(p1, p2, q1), orient(p1, p2, q2));
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        return true;
    }
    (d1 == 0.0 && on_segment(q1, q2, p1))
        || (d2 == 0.0 && on_segment(q1, q2, p2))
        || (d3 == 0.0 && on_segment(p1, p2, q1))
        || (d4 == 0.0 && on_segment(p1, p2, q2))
}

/// Whether a closed ring crosses or touches itself anywhere but at the shared ends
/// of neighbouring edges. A sweep over the edges sorted by their left end tests
/// only edges whose x ranges overlap, so typical rings cost O(n log n).
pub fn ring_self_intersects(ring: &LineString<f64>) -> bool {
    // Repeated points would make neighbours look like crossings; drop them first.
    let mut pts: Vec<Coord<f64>> = Vec::with_capacity(ring.0.len());
    for c in &ring.0 {
        if pts.last() != Some(c) {
            pts.push(*c);
        }
    }
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    let n = pts.len();
    if n < 4 {
        return false;
    }
    let at = |i: usize| pts.get(i % n).copied().unwrap_or_default();
    let seg = |i: usize| (at(i), at(i + 1));
    let mut order: Vec<usize> = (0..n).collect();
    let min_x = |i: usize| {
        let (a, b) = seg(i);
        a.x.min(b.x)
    };
    order.sort_by(|&a, &b| min_x(a).total_cmp(&min_x(b)));
    for (k, &i) in order.iter().enumerate() {
        let (a, b) = seg(i);
        let max_x = a.x.max(b.x);
        for &j in order.iter().skip(k + 1) {
            if min_x(j) > max_x {
                break;
            }
            // Neighbouring edges share an end by construction.
            let d = i.abs_diff(j);
            if d == 1 || d == n - 1 {
                continue;
            }
            let (c, e) = seg(j);
            if segments_meet(a, b, c, e) {
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
    fn bow_ties_and_touching_rings_are_found_and_plain_rings_pass() {
        let square = line_string![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.), (x: 0., y: 0.)];
        assert!(!ring_self_intersects(&square));
        let bow = line_string![(x: 0., y: 0.), (x: 1., y: 1.), (x: 1., y: 0.), (x: 0., y: 1.), (x: 0., y: 0.)];
        assert!(ring_self_intersects(&bow));
        // A ring that comes back to touch one of its own vertices.
        let touch = line_string![(x: 0., y: 0.), (x: 2., y: 0.), (x: 2., y: 2.), (x: 1., y: 0.), (x: 0., y: 2.), (x: 0., y: 0.)];
        assert!(ring_self_intersects(&touch));
        // Repeated points and a concave (L-shaped) ring are fine.
        let l = line_string![(x: 0., y: 0.), (x: 2., y: 0.), (x: 2., y: 0.), (x: 2., y: 1.), (x: 1., y: 1.), (x: 1., y: 2.), (x: 0., y: 2.), (x: 0., y: 0.)];
        assert!(!ring_self_intersects(&l));
    }

    #[test]
    fn a_flat_polygon_has_zero_area() {
        let flat = Geometry::Polygon(geo::Polygon::new(
            line_string![(x: 0., y: 0.), (x: 1., y: 0.), (x: 2., y: 0.), (x: 0., y: 0.)],
            vec![],
        ));
        assert_eq!(problem(&flat, 0.0), Some(Problem::ZeroArea));
    }
}
