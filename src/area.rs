//! Areas of lon/lat geometries on the WGS84 ellipsoid (m²), and Gauss-Krüger plane
//! areas.
//!
//! # Ellipsoidal area
//! GeographicLib's polygon area solves a geodesic problem per edge; at ten vertices a
//! parcel that is about a microsecond per edge, 10 s for a million parcels. Parcels are
//! small, so we use an exact equal-area route that is an order of magnitude cheaper:
//! map each vertex to the authalic sphere (authalic latitude β, same longitude; the
//! map preserves area exactly) and sum the exact spherical excess of the great-circle
//! edges there. The only approximation is that an ellipsoidal geodesic does not map
//! exactly onto a great circle; the deviation grows with the cube of edge length and
//! is below 1e-9 of the area for edges under a kilometre. Rings with longer edges
//! (district outlines, large water bodies) go through GeographicLib itself
//! (geographiclib-rs), so every result agrees with `pyproj.Geod(ellps="WGS84")` to far
//! better than 1e-6 relative.
//!
//! Points and lines have zero area. A polygon's area is its exterior minus its holes,
//! whatever the rings' orientation.

use geo::{Coord, GeodesicArea, Geometry, LineString, Polygon};

use crate::crs::GaussKruger;

/// WGS84 semi-major axis (m) and flattening.
const WGS84_A: f64 = 6_378_137.0;
const WGS84_F: f64 = 1.0 / 298.257_223_563;

/// Edges longer than this (in degrees of latitude or longitude) send the ring to
/// GeographicLib; about 1 km.
const FAST_MAX_EDGE_DEG: f64 = 0.01;

struct Authalic {
    e: f64,
    e2: f64,
    /// q at the pole.
    qp: f64,
    /// Radius² of the authalic sphere (m²).
    r2: f64,
}

fn authalic_constants() -> &'static Authalic {
    static CELL: std::sync::OnceLock<Authalic> = std::sync::OnceLock::new();
    CELL.get_or_init(|| {
        let e2 = WGS84_F * (2.0 - WGS84_F);
        let mut a = Authalic {
            e: e2.sqrt(),
            e2,
            qp: 0.0,
            r2: 0.0,
        };
        a.qp = q_of_sin(&a, 1.0);
        a.r2 = WGS84_A * WGS84_A * a.qp / 2.0;
        a
    })
}

/// Snyder's q(φ) from sin φ (Map Projections – A Working Manual, eq. 3-12).
fn q_of_sin(a: &Authalic, sin_phi: f64) -> f64 {
    let es = a.e * sin_phi;
    (1.0 - a.e2) * (sin_phi / (1.0 - es * es) + es.atanh() / a.e)
}

/// tan(β/2) for geodetic latitude φ in degrees, where β is the authalic latitude.
fn tan_half_authalic(a: &Authalic, lat_deg: f64) -> f64 {
    let sin_beta = (q_of_sin(a, lat_deg.to_radians().sin()) / a.qp).clamp(-1.0, 1.0);
    let cos_beta = (1.0 - sin_beta * sin_beta).max(0.0).sqrt();
    // tan(β/2) = sin β / (1 + cos β), with no inverse trigonometry.
    sin_beta / (1.0 + cos_beta)
}

/// The signed ellipsoidal area of one ring (m²), or `None` when the ring has edges
/// too long for the fast method.
fn ring_area_fast(ring: &[Coord<f64>]) -> Option<f64> {
    let a = authalic_constants();
    let n = ring.len();
    if n < 3 {
        return Some(0.0);
    }
    // Sum of exact per-edge spherical excess terms (Chamberlain & Duquette 2007, eq. 2):
    // E = 2 atan( tan(Δλ/2)·(t1 + t2) / (1 + t1·t2) ), t = tan(β/2).
    let mut sum = 0.0;
    let (Some(&first), Some(&last), Some(rest)) = (ring.first(), ring.last(), ring.get(1..)) else {
        return Some(0.0);
    };
    // A closed ring repeats its first vertex at the end. Its closing edge, from the
    // last vertex back to the first, then has no length and adds an exact zero, so
    // the sum starts at the first vertex instead: the same sum, a vertex's worth of
    // trigonometry less (a fifth of a four-cornered parcel's).
    let (mut prev, edges) = if first == last {
        (first, rest)
    } else {
        (last, ring)
    };
    let mut t_prev = tan_half_authalic(a, prev.y);
    for &c in edges {
        let dlon = c.x - prev.x;
        if dlon.abs() > FAST_MAX_EDGE_DEG || (c.y - prev.y).abs() > FAST_MAX_EDGE_DEG {
            return None;
        }
        let t = tan_half_authalic(a, c.y);
        let num = (dlon.to_radians() / 2.0).tan() * (t_prev + t);
        sum += 2.0 * num.atan2(1.0 + t_prev * t);
        prev = c;
        t_prev = t;
    }
    Some(sum * a.r2)
}

/// The unsigned area of one ring by GeographicLib (m²).
///
/// GeographicLib reads a clockwise ring as enclosing the rest of the Earth, so the
/// ring is turned counter-clockwise first (by its signed area in lon/lat, which has
/// the right sign for any ring smaller than a hemisphere).
fn ring_area_exact(ring: &LineString<f64>) -> f64 {
    use geo::{Area, Winding};
    let mut ring = ring.clone();
    if Polygon::new(ring.clone(), vec![]).signed_area() < 0.0 {
        ring.make_ccw_winding();
    }
    Polygon::new(ring, vec![]).geodesic_area_unsigned()
}

/// The unsigned ellipsoidal area of one ring (m²).
pub fn ring_area_m2(ring: &LineString<f64>) -> f64 {
    match ring_area_fast(&ring.0) {
        Some(a) => a.abs(),
        None => ring_area_exact(ring),
    }
}

/// The ellipsoidal area of a polygon: exterior minus holes (m²).
pub fn polygon_area_m2(p: &Polygon<f64>) -> f64 {
    let holes: f64 = p.interiors().iter().map(ring_area_m2).sum();
    (ring_area_m2(p.exterior()) - holes).max(0.0)
}

/// The ellipsoidal (WGS84) area of a lon/lat geometry in m²; 0 for points and lines.
pub fn ellipsoidal_area_m2(g: &Geometry<f64>) -> f64 {
    match g {
        Geometry::Polygon(p) => polygon_area_m2(p),
        Geometry::MultiPolygon(mp) => mp.0.iter().map(polygon_area_m2).sum(),
        Geometry::GeometryCollection(gc) => gc.0.iter().map(ellipsoidal_area_m2).sum(),
        Geometry::Rect(r) => polygon_area_m2(&r.to_polygon()),
        Geometry::Triangle(t) => polygon_area_m2(&t.to_polygon()),
        _ => 0.0,
    }
}

/// Planar shoelace area of a ring (unsigned, in the ring's units²).
fn ring_area_plane(ring: &LineString<f64>) -> f64 {
    let pts = &ring.0;
    let n = pts.len();
    if n < 3 {
        return 0.0;
    }
    // Coordinates are taken relative to the first vertex so that the products stay
    // small and the sum keeps its precision at Gauss-Krüger magnitudes (10⁶ m).
    let Some(&o) = pts.first() else {
        return 0.0;
    };
    let mut sum = 0.0;
    for w in ring.lines() {
        let (a, b) = (w.start - o, w.end - o);
        sum += a.x * b.y - b.x * a.y;
    }
    // The closing edge, last vertex back to the first, adds nothing: relative to the
    // first vertex, its end is the origin.
    (sum / 2.0).abs()
}

fn polygon_area_plane(p: &Polygon<f64>) -> f64 {
    let holes: f64 = p.interiors().iter().map(ring_area_plane).sum();
    (ring_area_plane(p.exterior()) - holes).max(0.0)
}

/// Area of a geometry already projected to a plane (units² of the plane).
pub fn plane_area(g: &Geometry<f64>) -> f64 {
    match g {
        Geometry::Polygon(p) => polygon_area_plane(p),
        Geometry::MultiPolygon(mp) => mp.0.iter().map(polygon_area_plane).sum(),
        Geometry::GeometryCollection(gc) => gc.0.iter().map(plane_area).sum(),
        Geometry::Rect(r) => polygon_area_plane(&r.to_polygon()),
        Geometry::Triangle(t) => polygon_area_plane(&t.to_polygon()),
        _ => 0.0,
    }
}

/// The Gauss-Krüger plane area (m²) of a lon/lat geometry on the given zone plane.
/// `None` if a vertex cannot be projected.
pub fn gauss_kruger_area_m2(g: &Geometry<f64>, plane: &GaussKruger) -> Option<f64> {
    if !matches!(
        g,
        Geometry::Polygon(_)
            | Geometry::MultiPolygon(_)
            | Geometry::GeometryCollection(_)
            | Geometry::Rect(_)
            | Geometry::Triangle(_)
    ) {
        return Some(0.0);
    }
    let mut projected = g.clone();
    plane
        .forward_geometry(&mut projected)
        .then(|| plane_area(&projected))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{coord, polygon};

    /// The per-edge sum over every edge of the ring, the closing one included, as
    /// it was summed before closed rings skipped their closing edge.
    fn every_edge_sum(ring: &[Coord<f64>]) -> f64 {
        let a = authalic_constants();
        let mut sum = 0.0;
        let mut prev = *ring.last().unwrap();
        let mut t_prev = tan_half_authalic(a, prev.y);
        for &c in ring {
            let t = tan_half_authalic(a, c.y);
            let num = ((c.x - prev.x).to_radians() / 2.0).tan() * (t_prev + t);
            sum += 2.0 * num.atan2(1.0 + t_prev * t);
            prev = c;
            t_prev = t;
        }
        sum * a.r2
    }

    #[test]
    fn skipping_the_closing_edge_changes_no_bit_of_an_area() {
        let mut s = 5u64;
        let mut next = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        for k in 0..2000 {
            // Parcels north and south of the equator, some of them wound clockwise.
            let (x0, y0) = (
                120.0 + next(),
                if k % 3 == 0 { -30.0 } else { 30.0 } + next(),
            );
            let mut ring: Vec<Coord<f64>> = (0..3 + k % 9)
                .map(|i| {
                    let angle = i as f64 * std::f64::consts::TAU / (3 + k % 9) as f64;
                    let r = 0.001 * (0.5 + next());
                    coord! { x: x0 + r * angle.cos(), y: y0 + r * angle.sin() }
                })
                .collect();
            if k % 2 == 0 {
                ring.reverse();
            }
            ring.push(ring[0]);
            let fast = ring_area_fast(&ring).unwrap();
            assert_eq!(fast.to_bits(), every_edge_sum(&ring).to_bits(), "ring {k}");
        }
    }

    fn exact(p: &Polygon<f64>) -> f64 {
        p.geodesic_area_unsigned()
    }

    /// Deterministic pseudo-random numbers for test shapes.
    fn lcg(state: &mut u64) -> f64 {
        *state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((*state >> 11) as f64) / ((1u64 << 53) as f64)
    }

    #[test]
    fn fast_area_agrees_with_geographiclib() {
        let mut s = 7u64;
        let mut worst = 0.0f64;
        for size_deg in [1e-5, 1e-4, 1e-3, 5e-3, 9e-3] {
            for _ in 0..200 {
                let cx = 73.0 + 60.0 * lcg(&mut s);
                let cy = -60.0 + 130.0 * lcg(&mut s);
                let n = 3 + (lcg(&mut s) * 10.0) as usize;
                // A star-shaped (simple) polygon with random radii.
                let mut pts: Vec<Coord<f64>> = (0..n)
                    .map(|i| {
                        let ang = i as f64 / n as f64 * std::f64::consts::TAU;
                        let r = size_deg * (0.3 + 0.7 * lcg(&mut s)) / 2.0;
                        coord! { x: cx + r * ang.cos(), y: cy + r * ang.sin() }
                    })
                    .collect();
                pts.push(pts[0]);
                let p = Polygon::new(LineString(pts), vec![]);
                let fast = ring_area_fast(&p.exterior().0).unwrap().abs();
                // GeographicLib's own area carries an absolute error of order 1e-5 m²
                // (it sums per-edge terms scaled to the whole ellipsoid), which
                // dominates for metre-sized test shapes; it is allowed for here.
                let rel = ((fast - exact(&p)).abs() - 1e-4).max(0.0) / exact(&p);
                worst = worst.max(rel);
            }
        }
        assert!(worst < 1e-7, "worst relative error {worst:e}");
    }

    #[test]
    fn clockwise_rings_with_long_edges_have_their_own_area() {
        let ccw = LineString::from(vec![
            (120.6, 30.6),
            (120.7, 30.6),
            (120.7, 30.7),
            (120.6, 30.7),
            (120.6, 30.6),
        ]);
        let mut cw = ccw.clone();
        cw.0.reverse();
        let (a, b) = (ring_area_m2(&ccw), ring_area_m2(&cw));
        assert!(a > 1.0e8 && a < 1.1e8, "{a}");
        assert!((a - b).abs() < 1e-6 * a, "{a} vs {b}");
    }

    #[test]
    fn large_rings_use_geographiclib_and_holes_subtract() {
        // A 1°×1° square near Jiaxing: far beyond the fast path's edge limit.
        let big = polygon![(x: 120.0, y: 30.0), (x: 121.0, y: 30.0), (x: 121.0, y: 31.0), (x: 120.0, y: 31.0)];
        let g = Geometry::Polygon(big.clone());
        let a = ellipsoidal_area_m2(&g);
        assert!((a - exact(&big)).abs() / a < 1e-12);
        // Independent check: about 96.4 km × 110.9 km (a 1° cell at 30.5°N).
        // Independent check: the cell between parallels 30° and 31°N is
        // 2πR_q²(sin β₂ − sin β₁)/360 ≈ 10 642.3 km²; geodesic top and bottom edges
        // bulge towards the pole and change that by a few km².
        assert!((a / 1e6 - 10_642.3).abs() < 5.0, "{}", a / 1e6);

        let with_hole = Polygon::new(
            LineString::from(vec![
                (120.0, 30.0),
                (120.002, 30.0),
                (120.002, 30.002),
                (120.0, 30.002),
                (120.0, 30.0),
            ]),
            vec![LineString::from(vec![
                (120.0005, 30.0005),
                (120.0005, 30.0015),
                (120.0015, 30.0015),
                (120.0015, 30.0005),
                (120.0005, 30.0005),
            ])],
        );
        let outer = Polygon::new(with_hole.exterior().clone(), vec![]);
        let hole = Polygon::new(with_hole.interiors()[0].clone(), vec![]);
        let a = polygon_area_m2(&with_hole);
        let want = exact(&outer) - exact(&hole);
        assert!((a - want).abs() / want < 1e-9, "{a} vs {want}");
    }

    #[test]
    fn plane_area_of_a_square_in_metres() {
        let plane = GaussKruger::new(120.0).unwrap();
        // A 100 m × 100 m square built on the plane, taken back to lon/lat.
        let corners = [
            (500_000.0, 3_400_000.0),
            (500_100.0, 3_400_000.0),
            (500_100.0, 3_400_100.0),
            (500_000.0, 3_400_100.0),
        ];
        let mut ring: Vec<Coord<f64>> = corners
            .iter()
            .map(|&(x, y)| plane.inverse(coord! { x: x, y: y }).unwrap())
            .collect();
        ring.push(ring[0]);
        let g = Geometry::Polygon(Polygon::new(LineString(ring), vec![]));
        let a = gauss_kruger_area_m2(&g, &plane).unwrap();
        assert!((a - 10_000.0).abs() < 1e-4, "{a}");
        // The ellipsoidal area is smaller by the square of the scale factor, which is
        // 1 on the central meridian: the two agree within a part in 10⁶ here.
        let e = ellipsoidal_area_m2(&g);
        assert!((e - 10_000.0).abs() < 0.01, "{e}");
    }
}
