//! Selecting features: by point, rectangle, polygon, circle, line and distance, and
//! the per-layer [`Selection`] set that the tools add to, toggle and invert.
//!
//! Each query narrows candidates with the layer's R*-tree and then applies the exact
//! `geo` predicate, so results equal a brute-force scan (a test checks that). Results
//! are feature indices in ascending order.

mod prepared;
mod set;

use geo::{Contains, Coord, Geometry, Intersects, LineString, MultiPolygon, Point, Polygon, Rect};
use rayon::prelude::*;

use crate::model::Layer;
pub use prepared::{PreparedArea, Verdict};
pub use set::{SelectOp, Selection};

/// Every feature whose geometry intersects the point (lon/lat degrees); a point on a
/// shared boundary belongs to both neighbours.
pub fn at_point(layer: &Layer, lon_lat: Coord<f64>) -> Vec<usize> {
    let mut out: Vec<usize> = layer
        .index
        .at_point([lon_lat.x, lon_lat.y])
        .filter(|&i| matches!(layer.geometries.get(i), Some(Some(g)) if point_hits(g, lon_lat)))
        .collect();
    out.sort_unstable();
    out
}

/// The top-most feature under the point: the last one in drawing order whose
/// geometry contains the point (or touches it, for points and lines).
pub fn pick(layer: &Layer, lon_lat: Coord<f64>) -> Option<usize> {
    layer
        .index
        .at_point([lon_lat.x, lon_lat.y])
        .filter(|&i| matches!(layer.geometries.get(i), Some(Some(g)) if point_hits(g, lon_lat)))
        .max()
}

/// Whether a geometry intersects a point (boundary included), as `geo`'s
/// `Intersects` decides it.
///
/// Polygons, the common case under a cursor, take a plain crossing-number test,
/// several times faster than the general predicate. Where the point lies on or
/// within rounding distance of an edge, the answer depends on exact arithmetic, so
/// those cases go to `geo`'s robust predicate.
pub fn point_hits(g: &Geometry<f64>, p: Coord<f64>) -> bool {
    let fast = match g {
        Geometry::Polygon(poly) => polygon_hit(poly, p),
        Geometry::MultiPolygon(mp) => {
            let mut any = Some(false);
            for poly in &mp.0 {
                match polygon_hit(poly, p) {
                    Some(true) => {
                        any = Some(true);
                        break;
                    }
                    Some(false) => {}
                    None => any = None,
                }
            }
            any
        }
        _ => None,
    };
    fast.unwrap_or_else(|| g.intersects(&Point(p)))
}

/// `Some(inside)` when the crossing-number test is unambiguous, `None` when the point
/// is too close to an edge to decide in plain floating point.
fn polygon_hit(poly: &Polygon<f64>, p: Coord<f64>) -> Option<bool> {
    match ring_crossing(poly.exterior(), p)? {
        false => Some(false),
        true => {
            for hole in poly.interiors() {
                if ring_crossing(hole, p)? {
                    return Some(false);
                }
            }
            Some(true)
        }
    }
}

fn ring_crossing(ring: &LineString<f64>, p: Coord<f64>) -> Option<bool> {
    let mut inside = false;
    for w in ring.lines() {
        let (a, b) = (w.start, w.end);
        // The edge's side of the point, with a bound on its rounding error: if the
        // cross product is within that bound and the point lies in the edge's box,
        // the point may be on the edge.
        let cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
        // The subtractions carry rounding of order ε·|coordinate|, hence the scale.
        let bound = 1e-14 * ((b.x - a.x).abs() + (b.y - a.y).abs()) * (p.x.abs() + p.y.abs() + 1.0);
        if cross.abs() <= bound
            && p.x >= a.x.min(b.x)
            && p.x <= a.x.max(b.x)
            && p.y >= a.y.min(b.y)
            && p.y <= a.y.max(b.y)
        {
            return None;
        }
        if (a.y > p.y) != (b.y > p.y) {
            // The edge crosses the point's horizontal line; count it if the crossing
            // is to the right of the point. The sign of `cross` tells which side.
            if (cross > 0.0) == (b.y > a.y) {
                inside = !inside;
            }
        }
    }
    Some(inside)
}

/// Every feature whose geometry intersects the rectangle (lon/lat degrees).
pub fn in_rect(layer: &Layer, rect: Rect<f64>) -> Vec<usize> {
    let mut out: Vec<usize> = layer
        .index
        .in_rect(rect)
        .filter(|&(i, inside)| {
            inside || matches!(layer.geometries.get(i), Some(Some(g)) if g.intersects(&rect))
        })
        .map(|(i, _)| i)
        .collect();
    out.sort_unstable();
    out
}

/// How an area selection treats features on its edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AreaMode {
    /// Features that touch or cross the area are selected.
    #[default]
    Intersects,
    /// Only features wholly inside the area are selected.
    Within,
}

/// Every feature whose geometry intersects (or lies within) the polygon.
///
/// Candidates come from the index; a [`PreparedArea`] grid settles those well inside
/// or outside from their envelopes, and the rest take the exact predicate, in
/// parallel.
pub fn in_polygon(layer: &Layer, area: &MultiPolygon<f64>, mode: AreaMode) -> Vec<usize> {
    use geo::BoundingRect;
    let Some(bbox) = area.bounding_rect() else {
        return Vec::new();
    };
    let prepared = PreparedArea::new(area);
    let candidates: Vec<usize> = layer.index.in_rect(bbox).map(|(i, _)| i).collect();
    let exact = |i: usize| {
        let Some(Some(g)) = layer.geometries.get(i) else {
            return false;
        };
        match mode {
            AreaMode::Intersects => area.intersects(g),
            AreaMode::Within => area.contains(g),
        }
    };
    let test = |i: usize| {
        let verdict = match (&prepared, layer.envelopes.get(i)) {
            (Some(p), Some(Some(env))) => p.classify(env),
            _ => Verdict::Unknown,
        };
        match verdict {
            Verdict::Inside => matches!(layer.geometries.get(i), Some(Some(_))),
            Verdict::Outside => false,
            Verdict::Unknown => match (layer.geometries.get(i), layer.envelopes.get(i)) {
                (Some(Some(g)), Some(Some(env))) => {
                    near_boundary(area, g, env, mode).unwrap_or_else(|| exact(i))
                }
                _ => false,
            },
        }
    };
    // Small queries are not worth waking the thread pool for.
    let mut out: Vec<usize> = if candidates.len() < 2_000 {
        candidates.into_iter().filter(|&i| test(i)).collect()
    } else {
        candidates.into_par_iter().filter(|&i| test(i)).collect()
    };
    out.sort_unstable();
    out
}

/// Where a point lies against a union of polygons: `Some(true)` inside one,
/// `Some(false)` outside all, `None` too close to an edge to say in floating point.
fn area_hit(area: &MultiPolygon<f64>, p: Coord<f64>) -> Option<bool> {
    let mut unsure = false;
    for poly in &area.0 {
        match polygon_hit(poly, p) {
            Some(true) => return Some(true),
            Some(false) => {}
            None => unsure = true,
        }
    }
    if unsure { None } else { Some(false) }
}

/// Quick exact answers for a feature near the area's edge, from its vertices and
/// edges; `None` where only `geo`'s general predicate can tell.
///
/// Intersects: a vertex strictly inside settles it. Within: a vertex strictly
/// outside rules it out; all vertices strictly inside one polygon, no edge of that
/// polygon meeting an edge of the feature and no vertex of the polygon inside the
/// feature settle it the other way (the feature's boundary then never leaves the
/// polygon's interior, and no hole or outside part can lie within it).
fn near_boundary(
    area: &MultiPolygon<f64>,
    g: &Geometry<f64>,
    env: &Rect<f64>,
    mode: AreaMode,
) -> Option<bool> {
    use geo::{CoordsIter, LinesIter};
    match mode {
        AreaMode::Intersects => {
            // A vertex inside decides it; with every vertex strictly outside, the two
            // meet exactly when their edges meet or the area has a vertex inside the
            // feature (a hole or an island of the area within the parcel).
            let mut all_outside = true;
            for v in g.coords_iter() {
                match area_hit(area, v) {
                    Some(true) => return Some(true),
                    Some(false) => {}
                    None => all_outside = false,
                }
            }
            if !all_outside {
                return None;
            }
            for poly in &area.0 {
                for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                    for w in ring.lines() {
                        if !Rect::new(w.start, w.end).intersects(env) {
                            continue;
                        }
                        let edge = geo::Line::new(w.start, w.end);
                        let meets = match g {
                            Geometry::Polygon(p) => p.lines_iter().any(|l| l.intersects(&edge)),
                            Geometry::MultiPolygon(mp) => {
                                mp.lines_iter().any(|l| l.intersects(&edge))
                            }
                            _ => return None,
                        };
                        if meets || (env.intersects(&Point(w.start)) && point_hits(g, w.start)) {
                            return Some(true);
                        }
                    }
                }
            }
            Some(false)
        }
        AreaMode::Within => {
            let first = g.coords_iter().next()?;
            let poly = area.0.iter().find(|p| polygon_hit(p, first) == Some(true));
            let Some(poly) = poly else {
                return (area_hit(area, first) == Some(false)).then_some(false);
            };
            for v in g.coords_iter() {
                match polygon_hit(poly, v) {
                    Some(true) => {}
                    Some(false) => {
                        return (area_hit(area, v) == Some(false)).then_some(false);
                    }
                    None => return None,
                }
            }
            let rings = std::iter::once(poly.exterior()).chain(poly.interiors());
            for ring in rings {
                for w in ring.lines() {
                    let edge = geo::Line::new(w.start, w.end);
                    let edge_box = Rect::new(w.start, w.end);
                    if !edge_box.intersects(env) {
                        continue;
                    }
                    let crosses = match g {
                        Geometry::Polygon(p) => p.lines_iter().any(|l| l.intersects(&edge)),
                        Geometry::MultiPolygon(mp) => mp.lines_iter().any(|l| l.intersects(&edge)),
                        _ => return None,
                    };
                    if crosses {
                        return None;
                    }
                    if env.intersects(&Point(w.start)) && point_hits(g, w.start) {
                        return None;
                    }
                }
            }
            Some(true)
        }
    }
}

/// A circle as a polygon of 96 sides around a lon/lat centre with a radius in
/// metres, built on the local plane so it is round on the ground.
pub fn circle(centre: Coord<f64>, radius_m: f64) -> Polygon<f64> {
    let plane = LocalPlane::new(centre);
    let (dx, dy) = plane.degrees_for(radius_m.max(0.0));
    let ring: Vec<Coord<f64>> = (0..96)
        .map(|k| {
            let a = f64::from(k) * std::f64::consts::TAU / 96.0;
            Coord {
                x: centre.x + dx * a.cos(),
                y: centre.y + dy * a.sin(),
            }
        })
        .collect();
    Polygon::new(self::ring(&ring), vec![])
}

/// Every feature a polyline (lon/lat) crosses or touches, as when a planner draws a
/// new road and asks which parcels it takes land from.
pub fn along_line(layer: &Layer, line: &LineString<f64>) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for w in line.lines() {
        let seg = geo::Line::new(w.start, w.end);
        let seg_box = Rect::new(w.start, w.end);
        out.extend(
            layer
                .index
                .in_rect(seg_box)
                .filter(|&(i, _)| matches!(layer.geometries.get(i), Some(Some(g)) if g.intersects(&seg)))
                .map(|(i, _)| i),
        );
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// A polygon query from any polygonal geometry.
pub fn polygonal(g: &Geometry<f64>) -> Option<MultiPolygon<f64>> {
    match g {
        Geometry::Polygon(p) => Some(MultiPolygon(vec![p.clone()])),
        Geometry::MultiPolygon(mp) => Some(mp.clone()),
        Geometry::Rect(r) => Some(MultiPolygon(vec![r.to_polygon()])),
        Geometry::GeometryCollection(gc) => {
            let polys: Vec<Polygon<f64>> =
                gc.0.iter()
                    .filter_map(polygonal)
                    .flat_map(|mp| mp.0)
                    .collect();
            (!polys.is_empty()).then_some(MultiPolygon(polys))
        }
        _ => None,
    }
}

/// A local plane around a reference latitude: metres east and north of a point,
/// using the ellipsoid's radii of curvature there. Over a few kilometres it is
/// accurate to about 1e-4 of the distance, ample for "facilities within 500 m".
#[derive(Debug, Clone, Copy)]
pub struct LocalPlane {
    origin: Coord<f64>,
    m_per_deg_lon: f64,
    m_per_deg_lat: f64,
}

impl LocalPlane {
    pub fn new(origin: Coord<f64>) -> LocalPlane {
        let a = 6_378_137.0_f64;
        let e2 = 0.006_694_379_990_141_317_f64;
        let phi = origin.y.to_radians();
        let w = (1.0 - e2 * phi.sin().powi(2)).sqrt();
        let n = a / w;
        let m = a * (1.0 - e2) / (w * w * w);
        LocalPlane {
            origin,
            m_per_deg_lon: n * phi.cos() * std::f64::consts::PI / 180.0,
            m_per_deg_lat: m * std::f64::consts::PI / 180.0,
        }
    }

    pub fn to_plane(&self, lon_lat: Coord<f64>) -> Coord<f64> {
        Coord {
            x: (lon_lat.x - self.origin.x) * self.m_per_deg_lon,
            y: (lon_lat.y - self.origin.y) * self.m_per_deg_lat,
        }
    }

    /// Degrees of longitude and latitude that `metres` spans here.
    pub fn degrees_for(&self, metres: f64) -> (f64, f64) {
        (metres / self.m_per_deg_lon, metres / self.m_per_deg_lat)
    }
}

/// The distance in metres from a point to a geometry (0 inside polygons).
pub fn distance_m(plane: &LocalPlane, g: &Geometry<f64>) -> f64 {
    use geo::{Distance, Euclidean, MapCoords};
    let local: Geometry<f64> = g.map_coords(|c| plane.to_plane(c));
    Euclidean.distance(&Point::new(0.0, 0.0), &local)
}

/// Features within `radius_m` metres of the point, nearest first, with distances.
/// Ties are broken by feature index so the order is stable.
pub fn within_distance(layer: &Layer, lon_lat: Coord<f64>, radius_m: f64) -> Vec<(usize, f64)> {
    let plane = LocalPlane::new(lon_lat);
    let (dx, dy) = plane.degrees_for(radius_m);
    let rect = crate::model::rect_grown(Rect::new(lon_lat, lon_lat), dx, dy);
    let mut out: Vec<(usize, f64)> = layer
        .index
        .in_rect(rect)
        .filter_map(|(i, _)| {
            let g = layer.geometries.get(i)?.as_ref()?;
            let d = distance_m(&plane, g);
            (d <= radius_m).then_some((i, d))
        })
        .collect();
    out.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    out
}

/// A closed ring from lon/lat vertices (closing it if needed).
pub fn ring(vertices: &[Coord<f64>]) -> LineString<f64> {
    let mut ls = LineString(vertices.to_vec());
    ls.close();
    ls
}
