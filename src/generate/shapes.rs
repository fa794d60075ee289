//! Plane geometry helpers for the district generator: curves, buffers, rectangles.
//! All coordinates are metres in a local plane.

use geo::{Area, BooleanOps, Coord, LineString, MultiPolygon, Polygon};

pub fn c(x: f64, y: f64) -> Coord<f64> {
    Coord { x, y }
}

/// An axis-aligned rectangle.
pub fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
    Polygon::new(
        LineString(vec![c(x0, y0), c(x1, y0), c(x1, y1), c(x0, y1), c(x0, y0)]),
        vec![],
    )
}

/// A Catmull-Rom spline through the control points, sampled about every `step` m.
pub fn smooth(ctrl: &[Coord<f64>], step: f64, closed: bool) -> Vec<Coord<f64>> {
    let n = ctrl.len();
    if n < 3 {
        return ctrl.to_vec();
    }
    let get = |i: isize| -> Coord<f64> {
        if closed {
            ctrl[i.rem_euclid(n as isize) as usize]
        } else {
            ctrl[i.clamp(0, n as isize - 1) as usize]
        }
    };
    let segments = if closed { n } else { n - 1 };
    let mut out = Vec::new();
    for s in 0..segments as isize {
        let (p0, p1, p2, p3) = (get(s - 1), get(s), get(s + 1), get(s + 2));
        let len = ((p2.x - p1.x).powi(2) + (p2.y - p1.y).powi(2)).sqrt();
        let k = (len / step).ceil().max(1.0) as usize;
        for j in 0..k {
            let t = j as f64 / k as f64;
            let (t2, t3) = (t * t, t * t * t);
            let f = |a: f64, b: f64, c: f64, d: f64| {
                0.5 * (2.0 * b
                    + (-a + c) * t
                    + (2.0 * a - 5.0 * b + 4.0 * c - d) * t2
                    + (-a + 3.0 * b - 3.0 * c + d) * t3)
            };
            out.push(c(f(p0.x, p1.x, p2.x, p3.x), f(p0.y, p1.y, p2.y, p3.y)));
        }
    }
    if !closed {
        out.push(ctrl[n - 1]);
    }
    out
}

/// A polyline widened to a band of `width` metres with square ends, by offsetting
/// each vertex along the mean normal of its two edges (a miter join, fine for the
/// gentle curves of roads and canals).
pub fn band(line: &[Coord<f64>], width: f64) -> Polygon<f64> {
    let h = width / 2.0;
    let n = line.len();
    let normal = |a: Coord<f64>, b: Coord<f64>| {
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let l = (dx * dx + dy * dy).sqrt().max(1e-9);
        c(-dy / l, dx / l)
    };
    let mut left = Vec::with_capacity(n);
    let mut right = Vec::with_capacity(n);
    for i in 0..n {
        let nrm = if i == 0 {
            normal(line[0], line[1])
        } else if i == n - 1 {
            normal(line[n - 2], line[n - 1])
        } else {
            let (a, b) = (normal(line[i - 1], line[i]), normal(line[i], line[i + 1]));
            let m = c(a.x + b.x, a.y + b.y);
            let l = (m.x * m.x + m.y * m.y).sqrt().max(1e-9);
            // Scale the miter so the band keeps its width at bends.
            let cos_half = ((a.x * m.x + a.y * m.y) / l).max(0.5);
            c(m.x / l / cos_half, m.y / l / cos_half)
        };
        left.push(c(line[i].x + nrm.x * h, line[i].y + nrm.y * h));
        right.push(c(line[i].x - nrm.x * h, line[i].y - nrm.y * h));
    }
    right.reverse();
    left.extend(right);
    let mut ring = LineString(left);
    ring.close();
    Polygon::new(ring, vec![])
}

/// An ellipse with semi-axes `a`, `b` rotated by `rot` radians.
pub fn ellipse(centre: Coord<f64>, a: f64, b: f64, rot: f64, n: usize) -> Polygon<f64> {
    let mut pts: Vec<Coord<f64>> = (0..n)
        .map(|i| {
            let t = i as f64 / n as f64 * std::f64::consts::TAU;
            let (x, y) = (a * t.cos(), b * t.sin());
            c(
                centre.x + x * rot.cos() - y * rot.sin(),
                centre.y + x * rot.sin() + y * rot.cos(),
            )
        })
        .collect();
    pts.push(pts[0]);
    Polygon::new(LineString(pts), vec![])
}

/// The polygons of a multipolygon, dropping specks below `min_area` m² that boolean
/// operations leave where edges almost meet.
pub fn parts(mp: MultiPolygon<f64>, min_area: f64) -> Vec<Polygon<f64>> {
    mp.0.into_iter()
        .filter(|p| p.unsigned_area() >= min_area)
        .collect()
}

pub fn mp(p: &Polygon<f64>) -> MultiPolygon<f64> {
    MultiPolygon(vec![p.clone()])
}

/// `a` minus `b`.
pub fn minus(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    a.difference(b)
}

/// Makes a set of rings conforming: wherever a vertex of one ring lies on an edge of
/// another (within `eps` metres), that vertex is inserted into the edge.
///
/// Neighbouring parcels cut from one block meet in T-junctions: a corner of one lies
/// on a straight edge of the other. In the plane that is exact, but the map from the
/// plane to lon/lat bends straight lines slightly (about 0.5 mm over 200 m here), so
/// after projection the corner would sit off the edge and the two parcels would
/// overlap or part by a sliver. With the vertex shared, both edges bend alike.
pub fn conform(rings: &mut [&mut geo::LineString<f64>], eps: f64) {
    use rstar::{AABB, RTree};
    let points: Vec<[f64; 2]> = rings
        .iter()
        .flat_map(|r| r.0.iter().map(|c| [c.x, c.y]))
        .collect();
    let tree = RTree::bulk_load(points);
    for ring in rings.iter_mut() {
        let old = std::mem::take(&mut ring.0);
        let mut out = Vec::with_capacity(old.len());
        for w in old.windows(2) {
            let (a, b) = (w[0], w[1]);
            out.push(a);
            let (dx, dy) = (b.x - a.x, b.y - a.y);
            let len2 = dx * dx + dy * dy;
            if len2 <= eps * eps {
                continue;
            }
            let query = AABB::from_corners(
                [a.x.min(b.x) - eps, a.y.min(b.y) - eps],
                [a.x.max(b.x) + eps, a.y.max(b.y) + eps],
            );
            let mut on_edge: Vec<(f64, Coord<f64>)> = tree
                .locate_in_envelope(&query)
                .filter_map(|p| {
                    let q = c(p[0], p[1]);
                    let t = ((q.x - a.x) * dx + (q.y - a.y) * dy) / len2;
                    let (px, py) = (a.x + t * dx - q.x, a.y + t * dy - q.y);
                    let from_ends = ((q.x - a.x).powi(2) + (q.y - a.y).powi(2))
                        .min((q.x - b.x).powi(2) + (q.y - b.y).powi(2));
                    (t > 0.0 && t < 1.0 && px * px + py * py <= eps * eps && from_ends > eps * eps)
                        .then_some((t, q))
                })
                .collect();
            on_edge.sort_by(|x, y| x.0.total_cmp(&y.0));
            on_edge.dedup_by(|x, y| (x.1.x - y.1.x).abs() <= eps && (x.1.y - y.1.y).abs() <= eps);
            out.extend(on_edge.into_iter().map(|(_, q)| q));
        }
        if let Some(last) = old.last() {
            out.push(*last);
        }
        ring.0 = out;
    }
}
