//! GCJ-02 (the "Mars coordinates" of AMap, Tencent and DataV boundaries) and BD-09
//! (Baidu), converted to WGS84 at load.
//!
//! Both are published forward transforms from WGS84 with no closed inverse. The
//! inverse here is a fixed-point iteration of the forward transform: starting
//! from the offset point, each step moves the estimate by the forward error, and
//! it stops when the forward image is within 1e-9° (about 0.1 mm) of the input,
//! far inside the 0.1 m the issue asks. The offset changes slowly with position
//! (its derivative is about 1e-5), so the iteration converges in two or three steps.

use std::f64::consts::PI;

/// Krasovsky 1940's semi-major axis and eccentricity squared, as the GCJ-02
/// algorithm uses them.
const A: f64 = 6_378_245.0;
const EE: f64 = 0.006_693_421_622_965_943;
/// Baidu's constant: π · 3000 / 180.
const X_PI: f64 = PI * 3000.0 / 180.0;

/// Whether a point is outside China's mainland box, where GCJ-02 adds no offset.
fn out_of_china(lon: f64, lat: f64) -> bool {
    !(72.004..=137.8347).contains(&lon) || !(0.8293..=55.8271).contains(&lat)
}

fn transform_lat(x: f64, y: f64) -> f64 {
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn transform_lon(x: f64, y: f64) -> f64 {
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// WGS84 lon/lat to GCJ-02.
pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    if out_of_china(lon, lat) {
        return (lon, lat);
    }
    let d_lat = transform_lat(lon - 105.0, lat - 35.0);
    let d_lon = transform_lon(lon - 105.0, lat - 35.0);
    let rad_lat = lat / 180.0 * PI;
    let magic = 1.0 - EE * rad_lat.sin() * rad_lat.sin();
    let sqrt_magic = magic.sqrt();
    let d_lat = (d_lat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
    let d_lon = (d_lon * 180.0) / (A / sqrt_magic * rad_lat.cos() * PI);
    (lon + d_lon, lat + d_lat)
}

/// GCJ-02 to BD-09.
pub fn gcj02_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let z = (lon * lon + lat * lat).sqrt() + 0.00002 * (lat * X_PI).sin();
    let theta = lat.atan2(lon) + 0.000003 * (lon * X_PI).cos();
    (z * theta.cos() + 0.0065, z * theta.sin() + 0.006)
}

/// WGS84 to BD-09.
pub fn wgs84_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let (x, y) = wgs84_to_gcj02(lon, lat);
    gcj02_to_bd09(x, y)
}

/// Inverts `forward` at (`lon`, `lat`) by fixed-point iteration (see the module
/// comment); returns `None` if it does not settle, which only happens for input
/// that is not a coordinate (NaN).
fn invert(forward: fn(f64, f64) -> (f64, f64), lon: f64, lat: f64) -> Option<(f64, f64)> {
    let (mut x, mut y) = (lon, lat);
    for _ in 0..30 {
        let (fx, fy) = forward(x, y);
        let (dx, dy) = (fx - lon, fy - lat);
        if dx.abs() < 1e-9 && dy.abs() < 1e-9 {
            return Some((x, y));
        }
        x -= dx;
        y -= dy;
    }
    None
}

/// GCJ-02 to WGS84, to better than 0.1 mm.
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> Option<(f64, f64)> {
    invert(wgs84_to_gcj02, lon, lat)
}

/// BD-09 to WGS84, to better than 0.1 mm.
pub fn bd09_to_wgs84(lon: f64, lat: f64) -> Option<(f64, f64)> {
    invert(wgs84_to_bd09, lon, lat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_round_trips() {
        // Jiaxing: GCJ-02 lies some hundreds of metres off WGS84, BD-09 further.
        let (lon, lat) = (120.75, 30.75);
        let (gx, gy) = wgs84_to_gcj02(lon, lat);
        let metres = ((gx - lon) * 95_000.0).hypot((gy - lat) * 111_000.0);
        assert!((200.0..800.0).contains(&metres), "{metres}");
        let (wx, wy) = gcj02_to_wgs84(gx, gy).unwrap();
        assert!((wx - lon).abs() < 1e-8 && (wy - lat).abs() < 1e-8);
        let (bx, by) = wgs84_to_bd09(lon, lat);
        let (wx, wy) = bd09_to_wgs84(bx, by).unwrap();
        assert!((wx - lon).abs() < 1e-8 && (wy - lat).abs() < 1e-8);
        // Outside China there is no offset.
        assert_eq!(wgs84_to_gcj02(2.35, 48.85), (2.35, 48.85));
    }
}
