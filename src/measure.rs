//! Measuring on the ground: geodesic lengths of polylines and areas of drawn
//! polygons on the WGS84 ellipsoid (≈ CGCS2000), with planners' units.

use geo::{Coord, Distance, Geodesic, Point, Polygon};

use crate::area::polygon_area_m2;
use crate::selection::ring;
use crate::stats::{M2_PER_HA, M2_PER_MU};

/// The geodesic length of a polyline through lon/lat vertices, in metres.
pub fn path_length_m(vertices: &[Coord<f64>]) -> f64 {
    vertices
        .windows(2)
        .map(|w| match w {
            [a, b] => Geodesic.distance(Point(*a), Point(*b)),
            _ => 0.0,
        })
        .sum()
}

/// The ellipsoidal area of the polygon through lon/lat vertices (closed
/// automatically), in m². Fewer than three vertices enclose nothing.
pub fn polygon_area_from_vertices_m2(vertices: &[Coord<f64>]) -> f64 {
    if vertices.len() < 3 {
        return 0.0;
    }
    polygon_area_m2(&Polygon::new(ring(vertices), vec![]))
}

/// A length as planners write it: metres below 1 km (1 decimal), else km (3).
pub fn format_length(m: f64) -> String {
    if m < 1000.0 {
        format!("{m:.1} m")
    } else {
        format!("{:.3} km", m / 1000.0)
    }
}

/// An area in m², 公顷 and 亩.
pub fn format_area(m2: f64) -> String {
    format!(
        "{m2:.0} m² = {:.4} 公顷 = {:.2} 亩",
        m2 / M2_PER_HA,
        m2 / M2_PER_MU
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_areas() {
        // One minute of latitude at 30.7°N is about 1847.6 m on WGS84.
        let a = Coord {
            x: 120.68,
            y: 30.70,
        };
        let b = Coord {
            x: 120.68,
            y: 30.70 + 1.0 / 60.0,
        };
        let d = path_length_m(&[a, b]);
        assert!((d - 1847.6).abs() < 1.0, "{d}");
        assert_eq!(path_length_m(&[a]), 0.0);
        // A square of 0.01° has about 1.07e6 m² there; both orientations agree.
        let sq = [
            a,
            Coord {
                x: 120.69,
                y: 30.70,
            },
            Coord {
                x: 120.69,
                y: 30.71,
            },
            Coord {
                x: 120.68,
                y: 30.71,
            },
        ];
        let area = polygon_area_from_vertices_m2(&sq);
        let mut rev = sq;
        rev.reverse();
        assert!((area - polygon_area_from_vertices_m2(&rev)).abs() < 1e-9 * area);
        assert!((area - 1.0663e6).abs() < 0.01e6, "{area}");
        assert_eq!(polygon_area_from_vertices_m2(&sq[..2]), 0.0);
        assert_eq!(format_length(512.34), "512.3 m");
        assert_eq!(format_length(1512.3), "1.512 km");
        assert_eq!(format_area(6666.67), "6667 m² = 0.6667 公顷 = 10.00 亩");
    }
}
