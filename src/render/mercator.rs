//! Web Mercator "world" coordinates: the unit square, x east from 180°W, y south
//! from 85.0511°N, as slippy-map tiles use them. A pixel at zoom `z` with 256-pixel
//! tiles is `world × 256 × 2^z`.

use geo::Coord;

/// The latitude where Web Mercator's square ends (degrees).
pub const MAX_LAT: f64 = 85.051_128_779_806_59;

/// The equator's length on the WGS84 sphere of Web Mercator, in metres.
pub const EQUATOR_M: f64 = 40_075_016.686;

/// Ground metres per pixel (or screen point) at a latitude (degrees), when the world
/// square is `world_px` pixels wide (256 × 2^zoom for walkers' zoom).
pub fn metres_per_pixel(lat_deg: f64, world_px: f64) -> f64 {
    EQUATOR_M * lat_deg.to_radians().cos() / world_px
}

/// World coordinates of a lon/lat point (degrees); latitudes are clamped.
pub fn world_from_lon_lat(lon_lat: Coord<f64>) -> Coord<f64> {
    let lat = lon_lat.y.clamp(-MAX_LAT, MAX_LAT).to_radians();
    Coord {
        x: (lon_lat.x + 180.0) / 360.0,
        y: (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0,
    }
}

/// Lon/lat degrees of a world point.
pub fn lon_lat_from_world(world: Coord<f64>) -> Coord<f64> {
    let n = std::f64::consts::PI * (1.0 - 2.0 * world.y);
    Coord {
        x: world.x * 360.0 - 180.0,
        y: n.sinh().atan().to_degrees(),
    }
}

/// A round length (1, 2 or 5 × a power of ten metres) no longer than `target_m`,
/// for scale bars.
pub fn scale_bar_length_m(target_m: f64) -> f64 {
    let magnitude = 10f64.powf(target_m.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|k| k * magnitude)
        .rfind(|len| *len <= target_m)
        .unwrap_or(magnitude)
}

/// A scale bar's label: metres below a kilometre, else kilometres.
pub fn scale_bar_label(length_m: f64) -> String {
    if length_m >= 1000.0 {
        format!("{} km", length_m / 1000.0)
    } else {
        format!("{length_m} m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_known_tile() {
        let p = Coord {
            x: 120.6806,
            y: 30.7067,
        };
        let w = world_from_lon_lat(p);
        let back = lon_lat_from_world(w);
        assert!((back.x - p.x).abs() < 1e-12 && (back.y - p.y).abs() < 1e-12);
        // The airport lies in OSM tile 14/13684/6722 (standard slippy-map formula).
        assert_eq!(
            ((w.x * 16384.0) as u32, (w.y * 16384.0) as u32),
            (13684, 6722)
        );
    }
}
