//! The bundled airport-city project: an illustrative plan of the airport new town
//! (空港新城) of Jiaxing High-tech Zone around Jiaxing Nanhu Airport.
//!
//! The plan is made here, not surveyed: a district outline of about 33 km², the
//! airport with its 3 400 m × 50 m runway, a road hierarchy, the canals and ponds of
//! the Jiaxing plain, parcels that partition every block between roads and water,
//! the industrial parks of the "1+2+X" tracks and the public facilities of the 七优
//! programme. It is seeded and deterministic: the same seed writes the same bytes.
//!
//! The plan is laid out in a local plane (metres): `u` along the runway, `v` across
//! it, the runway's centre at the origin. The plane is turned by [`RUNWAY_BEARING`]
//! and placed on the CGCS2000 Gauss-Krüger zone of 120°E (EPSG:4549) at the
//! airport, then written as lon/lat.

use std::path::{Path, PathBuf};

use geo::{
    Area, BooleanOps, BoundingRect, Coord, Geometry, InteriorPoint, MultiPolygon, Point, Polygon,
};
use serde_json::{Value, json};

use super::rng::Rng;
use super::shapes::{band, c, conform, ellipse, minus, mp, parts, rect, smooth};
use crate::analysis::ols::Surfaces;
use crate::analysis::runway::Runway;
use crate::area::ellipsoidal_area_m2;
use crate::crs::{GaussKruger, for_each_coord_mut};
use crate::io::atomic_write;
use crate::io::write::{OutFeature, write_geojson_features};
use crate::landuse::LanduseTable;

/// The seed of the bundled project.
pub const DEFAULT_SEED: u64 = 2025;

/// Jiaxing Nanhu Airport, lon/lat degrees (the runway's centre here).
pub const AIRPORT_LON_LAT: (f64, f64) = (120.6806, 30.7067);

/// The plan's `u` axis (the runway) points this many degrees north of east.
pub const RUNWAY_BEARING: f64 = 20.0;

/// Coordinates are written with 9 decimals (about 0.1 mm), so that rounding leaves no
/// visible gaps or overlaps between neighbouring parcels.
const DECIMALS: usize = 9;

const NOTE_ZH: &str = "示意性规划数据：由 parcelview 的生成器（parcelview generate district）生成，用于演示，不是官方规划，不代表任何法定规划成果。";
const NOTE_EN: &str = "Illustrative planning data made by parcelview's generator (parcelview generate district) for demonstration; not an official plan.";

/// The plan's zones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Zone {
    Airport,
    Logistics,
    Pv,
    Opto,
    Valley,
    Auto,
    Residential,
    Core,
}

impl Zone {
    fn letter(self) -> char {
        match self {
            Zone::Airport => 'A',
            Zone::Logistics => 'B',
            Zone::Pv => 'C',
            Zone::Opto => 'D',
            Zone::Valley => 'E',
            Zone::Auto => 'F',
            Zone::Residential => 'G',
            Zone::Core => 'H',
        }
    }

    fn park(self) -> Option<&'static str> {
        match self {
            Zone::Logistics => Some("空港物流园"),
            Zone::Pv => Some("光伏新能源产业园"),
            Zone::Opto => Some("光电信息产业园"),
            Zone::Valley => Some("空港秀水创新绿谷"),
            Zone::Auto => Some("高端汽车零部件产业园"),
            _ => None,
        }
    }

    /// Target parcel size (width along u, depth along v), metres.
    fn cell(self) -> (f64, f64) {
        match self {
            Zone::Airport => (5000.0, 5000.0),
            Zone::Logistics => (135.0, 105.0),
            Zone::Pv => (125.0, 95.0),
            Zone::Opto => (105.0, 85.0),
            Zone::Valley => (95.0, 80.0),
            Zone::Auto => (115.0, 95.0),
            Zone::Residential => (115.0, 95.0),
            Zone::Core => (85.0, 72.0),
        }
    }

    /// Land-use codes (2023 standard) with weights for ordinary parcels.
    fn mix(self) -> &'static [(&'static str, f64)] {
        match self {
            Zone::Airport => &[("1203", 1.0)],
            Zone::Logistics => &[
                ("110101", 0.36),
                ("110102", 0.30),
                ("120803", 0.05),
                ("0902", 0.08),
                ("090105", 0.04),
                ("1402", 0.06),
                ("16", 0.06),
                ("1303", 0.02),
                ("100101", 0.03),
            ],
            Zone::Pv => &[
                ("100102", 0.56),
                ("100101", 0.24),
                ("110101", 0.06),
                ("1402", 0.04),
                ("16", 0.07),
                ("1303", 0.03),
            ],
            Zone::Opto => &[
                ("100101", 0.62),
                ("0802", 0.10),
                ("0902", 0.08),
                ("090101", 0.06),
                ("1401", 0.06),
                ("16", 0.08),
            ],
            Zone::Valley => &[
                ("0802", 0.30),
                ("0902", 0.20),
                ("1401", 0.24),
                ("090101", 0.06),
                ("070102", 0.10),
                ("0702", 0.04),
                ("080302", 0.03),
                ("16", 0.03),
            ],
            Zone::Auto => &[
                ("100102", 0.55),
                ("100101", 0.20),
                ("110101", 0.10),
                ("1402", 0.04),
                ("16", 0.11),
            ],
            Zone::Residential => &[
                ("070102", 0.66),
                ("070101", 0.04),
                ("0702", 0.05),
                ("1401", 0.10),
                ("090101", 0.09),
                ("16", 0.03),
                ("080404", 0.02),
                ("1402", 0.01),
            ],
            Zone::Core => &[
                ("0902", 0.30),
                ("090101", 0.28),
                ("090104", 0.06),
                ("070102", 0.15),
                ("1401", 0.12),
                ("120803", 0.05),
                ("080302", 0.04),
            ],
        }
    }

    /// Status shares: 现状, 规划, 已出让, 储备.
    fn status_weights(self) -> [f64; 4] {
        match self {
            Zone::Airport => [1.0, 0.0, 0.0, 0.0],
            Zone::Logistics => [0.20, 0.30, 0.30, 0.20],
            Zone::Pv => [0.40, 0.15, 0.35, 0.10],
            Zone::Opto => [0.10, 0.30, 0.40, 0.20],
            Zone::Valley => [0.05, 0.50, 0.25, 0.20],
            Zone::Auto => [0.30, 0.25, 0.30, 0.15],
            Zone::Residential => [0.20, 0.40, 0.20, 0.20],
            Zone::Core => [0.05, 0.55, 0.20, 0.20],
        }
    }
}

const STATUS: [&str; 4] = ["现状", "规划", "已出让", "储备"];

/// Which zone a point of the plan (u, v) lies in.
fn zone_at(u: f64, v: f64) -> Zone {
    if v > -450.0 && v < 800.0 && u.abs() < 2250.0 {
        Zone::Airport
    } else if v < 800.0 {
        if u < -2250.0 {
            Zone::Pv
        } else {
            Zone::Logistics
        }
    } else if u < -1500.0 {
        if v < 3000.0 {
            Zone::Pv
        } else {
            Zone::Residential
        }
    } else if u < -750.0 {
        if v < 1900.0 {
            Zone::Opto
        } else {
            Zone::Residential
        }
    } else if u < 750.0 {
        Zone::Valley
    } else if v < 1900.0 {
        Zone::Auto
    } else if u < 2250.0 && v < 3000.0 {
        Zone::Core
    } else {
        Zone::Residential
    }
}

/// The plan's rectangle of each park, for the parks layer (clipped to the outline).
fn park_rects() -> Vec<(Zone, Vec<Polygon<f64>>)> {
    vec![
        (
            Zone::Pv,
            vec![
                rect(-5000.0, 800.0, -1500.0, 3000.0),
                rect(-5000.0, -2000.0, -2250.0, 800.0),
            ],
        ),
        (Zone::Auto, vec![rect(750.0, 800.0, 5000.0, 1900.0)]),
        (Zone::Opto, vec![rect(-1500.0, 800.0, -750.0, 1900.0)]),
        (
            Zone::Logistics,
            vec![
                rect(2250.0, -2000.0, 5000.0, 800.0),
                rect(-2250.0, -2000.0, 2250.0, -450.0),
            ],
        ),
        (Zone::Valley, vec![rect(-750.0, 800.0, 750.0, 5000.0)]),
    ]
}

/// A road of the plan.
struct Road {
    name: &'static str,
    level: &'static str,
    level_en: &'static str,
    width_m: f64,
    code: &'static str,
    line: Vec<Coord<f64>>,
}

/// Roads as (name, level index, fixed axis value, along-from, along-to, along u?).
/// Level: 0 expressway, 1 arterial, 2 secondary, 3 branch.
const ROADS: &[(&str, usize, f64, f64, f64, bool)] = &[
    ("空港高速", 0, -3420.0, -1600.0, 4700.0, false),
    ("空港大道", 1, 800.0, -3600.0, 4000.0, true),
    ("秀水大道", 1, 1900.0, -3600.0, 4000.0, true),
    ("高照路", 1, 3000.0, -3600.0, 4000.0, true),
    ("机场南路", 2, -450.0, -3600.0, 4000.0, true),
    ("光伏路", 2, 1350.0, -3600.0, 4000.0, true),
    ("新城路", 2, 2450.0, -3600.0, 4000.0, true),
    ("凌公塘路", 3, 3500.0, -3600.0, 4000.0, true),
    ("洪合大道", 1, -2250.0, -1600.0, 4700.0, false),
    ("桃园路", 1, -1500.0, 800.0, 4700.0, false),
    ("航空大道", 1, 0.0, 800.0, 4700.0, false),
    ("航空大道南段", 2, 0.0, -1600.0, -450.0, false),
    ("亚太路", 1, 1500.0, 800.0, 4700.0, false),
    ("昌盛路", 1, 2250.0, -1600.0, 4700.0, false),
    ("秀园路", 2, -750.0, 800.0, 4700.0, false),
    ("科创路", 2, 750.0, 800.0, 4700.0, false),
    ("云海路", 2, 3000.0, -1600.0, 4700.0, false),
    ("金穗路", 2, -3000.0, -1600.0, 4700.0, false),
    ("桃源一路", 3, -1875.0, 3000.0, 4700.0, false),
    ("桃源二路", 3, -1125.0, 1900.0, 4700.0, false),
    ("云栖路", 3, 1125.0, 1900.0, 4700.0, false),
    ("亚太一路", 3, 1875.0, 1900.0, 4700.0, false),
    ("昌盛一路", 3, 2625.0, 1900.0, 4700.0, false),
    ("光伏一路", 3, 2400.0, -3600.0, -1500.0, true),
];

const LEVELS: [(&str, &str, f64, &str); 4] = [
    ("高速公路", "expressway", 60.0, "1202"),
    ("主干路", "arterial", 40.0, "1207"),
    ("次干路", "secondary", 30.0, "1207"),
    ("支路", "branch", 20.0, "1207"),
];

/// A water body of the plan.
struct Water {
    name: &'static str,
    kind: &'static str,
    code: &'static str,
    shape: Polygon<f64>,
    /// The centre line of rivers and canals, for their green banks.
    line: Option<(Vec<Coord<f64>>, f64)>,
}

/// One parcel while the plan is made.
#[derive(Clone)]
struct Parcel {
    shape: Polygon<f64>,
    zone: Zone,
    code: &'static str,
    name: Option<String>,
    status: &'static str,
    enterprise: Option<String>,
    /// Fixed by a facility or an anchor; not reassigned.
    fixed: bool,
    /// A green strip along a canal or the expressway.
    strip: bool,
}

/// A public facility placed on a parcel.
struct Facility {
    name: String,
    kind: &'static str,
    kind_en: &'static str,
    capacity: f64,
    capacity_unit: &'static str,
    service_radius_m: f64,
    parcel: usize,
}

/// Where the plan sits on the Earth.
struct Frame {
    gk: GaussKruger,
    origin: Coord<f64>,
    cos: f64,
    sin: f64,
}

impl Frame {
    fn new() -> anyhow::Result<Frame> {
        let gk = GaussKruger::new(120.0)?;
        let origin = gk
            .forward(c(AIRPORT_LON_LAT.0, AIRPORT_LON_LAT.1))
            .ok_or_else(|| anyhow::anyhow!("airport cannot be projected"))?;
        let a = RUNWAY_BEARING.to_radians();
        Ok(Frame {
            gk,
            origin,
            cos: a.cos(),
            sin: a.sin(),
        })
    }

    /// Plan metres to lon/lat degrees, rounded as written.
    fn lon_lat(&self, uv: Coord<f64>) -> Coord<f64> {
        let en = c(
            self.origin.x + uv.x * self.cos - uv.y * self.sin,
            self.origin.y + uv.x * self.sin + uv.y * self.cos,
        );
        let ll = self.gk.inverse(en).unwrap_or(en);
        let scale = 10f64.powi(DECIMALS as i32);
        c(
            (ll.x * scale).round() / scale,
            (ll.y * scale).round() / scale,
        )
    }

    /// A plan geometry in lon/lat, rounded as written, and valid. Rounding to
    /// 1e-9° can make a ring that passes within a tenth of a millimetre of itself (where green
    /// banks, canals and the outline meet) cross itself; such a polygon is rebuilt
    /// by a boolean union computed exactly on the 1e-9° grid itself, so the repaired
    /// coordinates need no further rounding.
    fn geometry(&self, g: &Geometry<f64>) -> Geometry<f64> {
        use geo::Validation;
        let mut out = g.clone();
        for_each_coord_mut(&mut out, &mut |p| *p = self.lon_lat(*p));
        if out.is_valid() {
            return out;
        }
        match crate::selection::polygonal(&out).and_then(|mp| union_on_grid(&mp)) {
            Some(fixed) if fixed.is_valid() => match fixed {
                mut mp if mp.0.len() == 1 => Geometry::Polygon(mp.0.remove(0)),
                mp => Geometry::MultiPolygon(mp),
            },
            _ => out,
        }
    }
}

/// The union of a multipolygon's rings computed in integers on the grid of the
/// written coordinates (1e-9°), relative to the whole degree below its corner.
fn union_on_grid(mp: &MultiPolygon<f64>) -> Option<MultiPolygon<f64>> {
    use i_overlay::core::fill_rule::FillRule;
    use i_overlay::core::overlay::{IntOverlayOptions, Overlay};
    use i_overlay::core::overlay_rule::OverlayRule;
    use i_overlay::i_float::int::point::IntPoint;
    let bb = mp.bounding_rect()?;
    let origin = c(bb.min().x.floor(), bb.min().y.floor());
    let scale = 10f64.powi(DECIMALS as i32);
    let to_int = |p: &Coord<f64>| -> Option<IntPoint> {
        let x = ((p.x - origin.x) * scale).round();
        let y = ((p.y - origin.y) * scale).round();
        (x.abs() < i32::MAX as f64 && y.abs() < i32::MAX as f64)
            .then(|| IntPoint::new(x as i32, y as i32))
    };
    let mut contours = Vec::new();
    for poly in &mp.0 {
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            let mut pts: Vec<IntPoint> = ring.0.iter().map(to_int).collect::<Option<_>>()?;
            pts.pop();
            contours.push(pts);
        }
    }
    let shapes =
        Overlay::with_contours_custom(&contours, &[], IntOverlayOptions::ogc(), Default::default())
            .overlay(OverlayRule::Subject, FillRule::EvenOdd);
    let back = |p: &IntPoint| c(origin.x + p.x as f64 / scale, origin.y + p.y as f64 / scale);
    let polys = shapes
        .iter()
        .filter_map(|shape| {
            let mut rings = shape.iter().map(|contour| {
                let mut ls: geo::LineString<f64> = contour.iter().map(back).collect();
                ls.close();
                ls
            });
            let exterior = rings.next()?;
            Some(Polygon::new(exterior, rings.collect()))
        })
        .collect();
    Some(MultiPolygon(polys))
}

fn bbox_centre(p: &Polygon<f64>) -> Coord<f64> {
    p.bounding_rect().map(|r| r.center()).unwrap_or(c(0.0, 0.0))
}

fn inside_point(p: &Polygon<f64>) -> Coord<f64> {
    p.interior_point()
        .map(|pt| pt.0)
        .unwrap_or_else(|| bbox_centre(p))
}

/// The district outline: a smooth loop following canals and field edges.
fn outline(rng: &mut Rng) -> Polygon<f64> {
    let ctrl: Vec<Coord<f64>> = [
        (-3600.0, -950.0),
        (-1800.0, -1020.0),
        (0.0, -960.0),
        (1900.0, -1050.0),
        (3550.0, -930.0),
        (3700.0, 400.0),
        (3580.0, 1700.0),
        (3680.0, 3000.0),
        (3450.0, 3900.0),
        (1800.0, 4020.0),
        (0.0, 3930.0),
        (-1700.0, 4050.0),
        (-3050.0, 3880.0),
        (-3640.0, 3100.0),
        (-3720.0, 1500.0),
        (-3650.0, 200.0),
    ]
    .iter()
    .map(|&(x, y)| c(x + rng.range(-40.0, 40.0), y + rng.range(-40.0, 40.0)))
    .collect();
    let mut ring = smooth(&ctrl, 120.0, true);
    ring.push(ring[0]);
    Polygon::new(geo::LineString(ring), vec![])
}

fn make_roads(rng: &mut Rng) -> Vec<Road> {
    ROADS
        .iter()
        .filter(|r| r.3 < r.4)
        .map(|&(name, level, fixed, from, to, along_u)| {
            let (level_zh, level_en, width, code) = LEVELS[level];
            // Gentle bends: roads of the plain follow old field and canal lines.
            let amp = match level {
                0 => rng.range(-25.0, 25.0),
                1 => rng.range(-18.0, 18.0),
                _ => rng.range(-35.0, 35.0),
            };
            let n = (((to - from) / 100.0).ceil() as usize).max(2);
            let line = (0..=n)
                .map(|i| {
                    let t = i as f64 / n as f64;
                    let along = from + (to - from) * t;
                    let off = fixed + amp * (std::f64::consts::PI * t).sin();
                    if along_u {
                        c(along, off)
                    } else {
                        c(off, along)
                    }
                })
                .collect();
            Road {
                name,
                level: level_zh,
                level_en,
                width_m: width,
                code,
                line,
            }
        })
        .collect()
}

/// A river or canal: name, kind, land-use code, width (m) and control points.
type River = (
    &'static str,
    &'static str,
    &'static str,
    f64,
    &'static [(f64, f64)],
);

fn make_water(rng: &mut Rng) -> Vec<Water> {
    let mut out = Vec::new();
    let rivers: [River; 4] = [
        (
            "新塍塘",
            "河流",
            "1701",
            55.0,
            &[
                (-4200.0, 3350.0),
                (-2650.0, 2700.0),
                (-1250.0, 2300.0),
                (0.0, 2180.0),
                (1300.0, 2380.0),
                (2650.0, 1980.0),
                (4200.0, 1520.0),
            ],
        ),
        (
            "秀水河",
            "河流",
            "1701",
            34.0,
            &[
                (-120.0, 4400.0),
                (120.0, 3500.0),
                (-220.0, 2750.0),
                (180.0, 1950.0),
                (-140.0, 1300.0),
                (60.0, 760.0),
            ],
        ),
        (
            "洪合港",
            "河流",
            "1701",
            36.0,
            &[
                (-4200.0, -780.0),
                (-1600.0, -690.0),
                (0.0, -760.0),
                (1600.0, -680.0),
                (4200.0, -800.0),
            ],
        ),
        (
            "光伏港",
            "沟渠",
            "1705",
            18.0,
            &[
                (-3800.0, 1650.0),
                (-3000.0, 1580.0),
                (-2200.0, 1700.0),
                (-1550.0, 1620.0),
            ],
        ),
    ];
    for (name, kind, code, width, ctrl) in rivers {
        let ctrl: Vec<Coord<f64>> = ctrl
            .iter()
            .map(|&(x, y)| c(x + rng.range(-30.0, 30.0), y + rng.range(-30.0, 30.0)))
            .collect();
        let line = smooth(&ctrl, 40.0, false);
        out.push(Water {
            name,
            kind,
            code,
            shape: band(&line, width),
            line: Some((line, width)),
        });
    }
    // Ponds (坑塘) of the plain, kept in parks and green land.
    let ponds: [(&str, f64, f64, f64, f64); 9] = [
        ("秀水湖", 60.0, 2900.0, 190.0, 110.0),
        ("中央公园湖", 1450.0, 3480.0, 140.0, 85.0),
        ("绿谷湖", -350.0, 1600.0, 120.0, 70.0),
        ("光伏园塘", -2700.0, 2300.0, 90.0, 55.0),
        ("西塘漾", -3150.0, 3450.0, 110.0, 70.0),
        ("东荡", 3250.0, 2600.0, 85.0, 60.0),
        ("物流园塘", 3150.0, -250.0, 75.0, 50.0),
        ("南荡", -1200.0, -880.0, 70.0, 40.0),
        ("汽配园塘", 2600.0, 1150.0, 60.0, 40.0),
    ];
    for (name, x, y, a, b) in ponds {
        let rot = rng.range(-0.6, 0.6);
        out.push(Water {
            name,
            kind: "坑塘",
            code: "1704",
            shape: ellipse(c(x, y), a, b, rot, 40),
            line: None,
        });
    }
    out
}

/// Cuts a buildable piece into parcels of about `cell` size: a jittered grid over
/// its bounding box, some 2×2 groups joined into L-shapes, each cell clipped to the
/// piece. Slivers are joined to a neighbour so no parcel is smaller than a plot.
fn subdivide(piece: &Polygon<f64>, cell: (f64, f64), rng: &mut Rng) -> Vec<Polygon<f64>> {
    let Some(bb) = piece.bounding_rect() else {
        return Vec::new();
    };
    let nx = ((bb.width() / cell.0).round() as usize).max(1);
    let ny = ((bb.height() / cell.1).round() as usize).max(1);
    // A cut that passes within millimetres of one of the piece's vertices (a pond's
    // or a canal bank's) would leave a ring that nearly touches itself and crosses
    // itself once rounded for writing; such cuts are nudged aside.
    let vertices: Vec<Coord<f64>> = piece
        .exterior()
        .0
        .iter()
        .chain(piece.interiors().iter().flat_map(|r| r.0.iter()))
        .copied()
        .collect();
    let clear = |mut at: f64, along_x: bool| -> f64 {
        for _ in 0..20 {
            let near = vertices
                .iter()
                .any(|v| ((if along_x { v.x } else { v.y }) - at).abs() < 0.05);
            if !near {
                break;
            }
            at += 0.13;
        }
        at
    };
    let cuts = |lo: f64, hi: f64, n: usize, along_x: bool, rng: &mut Rng| -> Vec<f64> {
        let step = (hi - lo) / n as f64;
        (0..=n)
            .map(|i| {
                if i == 0 {
                    lo - 1.0
                } else if i == n {
                    hi + 1.0
                } else {
                    clear(
                        lo + step * i as f64 + rng.range(-0.18, 0.18) * step,
                        along_x,
                    )
                }
            })
            .collect()
    };
    let xs = cuts(bb.min().x, bb.max().x, nx, true, rng);
    let ys = cuts(bb.min().y, bb.max().y, ny, false, rng);
    let mut cells: Vec<Polygon<f64>> = Vec::new();
    let mut used = vec![false; nx * ny];
    for j in 0..ny {
        for i in 0..nx {
            if used[j * nx + i] {
                continue;
            }
            let l_shape = i + 1 < nx && j + 1 < ny && !used[j * nx + i + 1] && rng.chance(0.12);
            if l_shape {
                let (x0, x1, x2) = (xs[i], xs[i + 1], xs[i + 2]);
                let (y0, y1, y2) = (ys[j], ys[j + 1], ys[j + 2]);
                // Three cells as an L, the fourth (top right) on its own.
                cells.push(Polygon::new(
                    geo::LineString(vec![
                        c(x0, y0),
                        c(x2, y0),
                        c(x2, y1),
                        c(x1, y1),
                        c(x1, y2),
                        c(x0, y2),
                        c(x0, y0),
                    ]),
                    vec![],
                ));
                cells.push(rect(x1, y1, x2, y2));
                used[j * nx + i] = true;
                used[j * nx + i + 1] = true;
                used[(j + 1) * nx + i] = true;
                used[(j + 1) * nx + i + 1] = true;
            } else {
                cells.push(rect(xs[i], ys[j], xs[i + 1], ys[j + 1]));
                used[j * nx + i] = true;
            }
        }
    }
    let piece_mp = mp(piece);
    let mut out: Vec<Polygon<f64>> = Vec::new();
    for cell in &cells {
        out.extend(parts(piece_mp.intersection(&mp(cell)), 0.5));
    }
    merge_slivers(out, cell.0 * cell.1 * 0.18)
}

/// Joins parcels smaller than `min_area` m² to the neighbour they share the longest
/// boundary with; a sliver without a neighbour stays as it is.
fn merge_slivers(mut polys: Vec<Polygon<f64>>, min_area: f64) -> Vec<Polygon<f64>> {
    loop {
        let Some(small) = (0..polys.len())
            .filter(|&i| polys[i].unsigned_area() < min_area)
            .min_by(|&a, &b| {
                polys[a]
                    .unsigned_area()
                    .total_cmp(&polys[b].unsigned_area())
            })
        else {
            return polys;
        };
        let mut best: Option<(usize, Polygon<f64>, f64)> = None;
        for k in 0..polys.len() {
            if k == small {
                continue;
            }
            let joined = mp(&polys[small]).union(&mp(&polys[k]));
            if joined.0.len() != 1 {
                continue;
            }
            // A shorter joined outline means a longer shared edge.
            use geo::{Euclidean, Length};
            let outline = Euclidean.length(joined.0[0].exterior());
            if best.as_ref().is_none_or(|b| outline < b.2) {
                best = Some((k, joined.0[0].clone(), outline));
            }
        }
        match best {
            Some((k, joined, _)) => {
                polys[k] = joined;
                polys.remove(small);
            }
            None => {
                // Keep it, but stop looking at it again by accepting the rest.
                let rest: Vec<Polygon<f64>> = polys
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != small)
                    .map(|(_, p)| p.clone())
                    .collect();
                let mut merged = merge_slivers(rest, min_area);
                merged.push(polys[small].clone());
                return merged;
            }
        }
    }
}

/// Indicators (FAR, density %, green %, height m) for a class; `None` where a
/// regulatory plan leaves them blank.
fn indicators(code: &str, rng: &mut Rng) -> (Option<f64>, Option<f64>, Option<f64>, Option<f64>) {
    let r = |rng: &mut Rng, lo: f64, hi: f64, step: f64| {
        // Dividing by the reciprocal keeps decimal steps exact in the output
        // (1.9, not 1.9000000000000001).
        let k = (rng.range(lo, hi) / step).round();
        Some(if step < 1.0 {
            k / (1.0 / step).round()
        } else {
            k * step
        })
    };
    match code {
        c if c.starts_with("1001") => (
            r(rng, 1.2, 2.6, 0.1),
            r(rng, 40.0, 55.0, 1.0),
            r(rng, 10.0, 15.0, 1.0),
            r(rng, 24.0, 40.0, 3.0),
        ),
        c if c.starts_with("1101") => (
            r(rng, 1.0, 2.0, 0.1),
            r(rng, 40.0, 55.0, 1.0),
            r(rng, 10.0, 15.0, 1.0),
            r(rng, 21.0, 30.0, 3.0),
        ),
        c if c.starts_with("0701") => (
            r(rng, 1.8, 2.8, 0.1),
            r(rng, 20.0, 28.0, 1.0),
            r(rng, 30.0, 35.0, 1.0),
            r(rng, 45.0, 80.0, 3.0),
        ),
        "0702" => (
            r(rng, 1.0, 1.6, 0.1),
            r(rng, 35.0, 45.0, 1.0),
            r(rng, 25.0, 30.0, 1.0),
            Some(24.0),
        ),
        "080403" => (
            r(rng, 0.8, 1.2, 0.1),
            r(rng, 25.0, 30.0, 1.0),
            Some(35.0),
            Some(24.0),
        ),
        "080404" => (r(rng, 0.6, 0.9, 0.1), Some(30.0), Some(35.0), Some(15.0)),
        c if c.starts_with("0901") => (
            r(rng, 2.0, 4.0, 0.1),
            r(rng, 35.0, 45.0, 1.0),
            r(rng, 20.0, 25.0, 1.0),
            r(rng, 60.0, 100.0, 5.0),
        ),
        "0902" => (
            r(rng, 2.5, 4.5, 0.1),
            r(rng, 35.0, 40.0, 1.0),
            r(rng, 20.0, 25.0, 1.0),
            r(rng, 80.0, 120.0, 5.0),
        ),
        "0802" => (
            r(rng, 1.5, 2.5, 0.1),
            r(rng, 30.0, 40.0, 1.0),
            r(rng, 25.0, 30.0, 1.0),
            r(rng, 40.0, 60.0, 5.0),
        ),
        "080601" | "080602" => (
            r(rng, 1.5, 2.0, 0.1),
            r(rng, 30.0, 35.0, 1.0),
            Some(35.0),
            Some(60.0),
        ),
        "080501" => (
            r(rng, 0.5, 0.8, 0.1),
            r(rng, 25.0, 35.0, 1.0),
            Some(30.0),
            Some(40.0),
        ),
        c if c.starts_with("0803") => (
            r(rng, 1.0, 1.8, 0.1),
            r(rng, 30.0, 40.0, 1.0),
            Some(30.0),
            Some(40.0),
        ),
        "0801" => (
            r(rng, 1.0, 1.5, 0.1),
            r(rng, 30.0, 35.0, 1.0),
            Some(30.0),
            Some(30.0),
        ),
        "1401" => (Some(0.02), Some(2.0), r(rng, 70.0, 85.0, 1.0), Some(12.0)),
        c if c.starts_with("13") || c.starts_with("12") || c == "090105" => (
            r(rng, 0.6, 1.2, 0.1),
            r(rng, 30.0, 40.0, 1.0),
            r(rng, 15.0, 25.0, 1.0),
            Some(24.0),
        ),
        _ => (None, None, None, None),
    }
}

/// The runway, 3 400 m × 50 m along the plan's `u` axis about the origin.
fn runway_rect() -> Polygon<f64> {
    rect(-1700.0, -25.0, 1700.0, 25.0)
}

fn enterprise_name(zone: Zone, rng: &mut Rng) -> String {
    const HEAD: [&str; 24] = [
        "晶耀", "睿光", "华澜", "恒泰", "伟创", "拓远", "嘉禾", "瑞丰", "汇川", "宏晟", "中科",
        "科瀚", "鼎盛", "昱辉", "越航", "星途", "捷驰", "联拓", "凯越", "博远", "金桥", "盛源",
        "天衡", "启明",
    ];
    let tail: &[&str] = match zone {
        Zone::Pv => &[
            "光伏材料科技有限公司",
            "新能源科技有限公司",
            "光伏玻璃有限公司",
            "储能科技有限公司",
            "逆变器科技有限公司",
        ],
        Zone::Auto => &[
            "汽车零部件有限公司",
            "精密机械有限公司",
            "智能装备有限公司",
            "汽车电子有限公司",
        ],
        Zone::Opto => &[
            "光电科技有限公司",
            "电子信息有限公司",
            "光学器件有限公司",
            "半导体科技有限公司",
        ],
        Zone::Logistics => &[
            "供应链管理有限公司",
            "航空物流有限公司",
            "国际货运代理有限公司",
            "仓储服务有限公司",
        ],
        _ => &["科技有限公司"],
    };
    format!(
        "嘉兴{}{}（示意）",
        HEAD[rng.below(HEAD.len())],
        tail[rng.below(tail.len())]
    )
}

struct FacilitySpec {
    kind: &'static str,
    kind_en: &'static str,
    name: &'static str,
    code: &'static str,
    area_ha: (f64, f64),
    near: (f64, f64),
    zones: &'static [Zone],
    capacity: f64,
    unit: &'static str,
    radius_m: f64,
}

const RESID: &[Zone] = &[Zone::Residential, Zone::Core];
const SPECS: &[FacilitySpec] = &[
    FacilitySpec {
        kind: "中小学",
        kind_en: "school",
        name: "上海外国语大学秀洲外国语学校高新区实验学区",
        code: "080403",
        area_ha: (4.0, 9.0),
        near: (-1150.0, 3350.0),
        zones: RESID,
        capacity: 54.0,
        unit: "班",
        radius_m: 1000.0,
    },
    FacilitySpec {
        kind: "中小学",
        kind_en: "school",
        name: "空港新城第一小学",
        code: "080403",
        area_ha: (2.0, 4.5),
        near: (1900.0, 3550.0),
        zones: RESID,
        capacity: 36.0,
        unit: "班",
        radius_m: 500.0,
    },
    FacilitySpec {
        kind: "中小学",
        kind_en: "school",
        name: "空港新城实验初级中学",
        code: "080403",
        area_ha: (2.5, 5.0),
        near: (3000.0, 2250.0),
        zones: RESID,
        capacity: 36.0,
        unit: "班",
        radius_m: 1000.0,
    },
    FacilitySpec {
        kind: "中小学",
        kind_en: "school",
        name: "秀水小学",
        code: "080403",
        area_ha: (2.0, 4.5),
        near: (-2500.0, 3550.0),
        zones: RESID,
        capacity: 30.0,
        unit: "班",
        radius_m: 500.0,
    },
    FacilitySpec {
        kind: "幼儿园",
        kind_en: "kindergarten",
        name: "桃园幼儿园",
        code: "080404",
        area_ha: (0.5, 1.2),
        near: (-1900.0, 3400.0),
        zones: RESID,
        capacity: 12.0,
        unit: "班",
        radius_m: 300.0,
    },
    FacilitySpec {
        kind: "幼儿园",
        kind_en: "kindergarten",
        name: "云栖幼儿园",
        code: "080404",
        area_ha: (0.5, 1.2),
        near: (1150.0, 3700.0),
        zones: RESID,
        capacity: 12.0,
        unit: "班",
        radius_m: 300.0,
    },
    FacilitySpec {
        kind: "幼儿园",
        kind_en: "kindergarten",
        name: "昌盛幼儿园",
        code: "080404",
        area_ha: (0.5, 1.2),
        near: (2850.0, 3300.0),
        zones: RESID,
        capacity: 12.0,
        unit: "班",
        radius_m: 300.0,
    },
    FacilitySpec {
        kind: "幼儿园",
        kind_en: "kindergarten",
        name: "新城幼儿园",
        code: "080404",
        area_ha: (0.5, 1.2),
        near: (1300.0, 2250.0),
        zones: RESID,
        capacity: 9.0,
        unit: "班",
        radius_m: 300.0,
    },
    FacilitySpec {
        kind: "医院",
        kind_en: "hospital",
        name: "秀洲区人民医院高照院区",
        code: "080601",
        area_ha: (4.0, 9.0),
        near: (2500.0, 2700.0),
        zones: RESID,
        capacity: 600.0,
        unit: "床",
        radius_m: 5000.0,
    },
    FacilitySpec {
        kind: "一老一小服务中心",
        kind_en: "elderly and child care centre",
        name: "桃园社区一老一小服务中心",
        code: "0702",
        area_ha: (0.3, 1.4),
        near: (-1500.0, 3650.0),
        zones: RESID,
        capacity: 100.0,
        unit: "人",
        radius_m: 500.0,
    },
    FacilitySpec {
        kind: "一老一小服务中心",
        kind_en: "elderly and child care centre",
        name: "秀水社区一老一小服务中心",
        code: "0702",
        area_ha: (0.3, 1.4),
        near: (2000.0, 3250.0),
        zones: RESID,
        capacity: 100.0,
        unit: "人",
        radius_m: 500.0,
    },
    FacilitySpec {
        kind: "一老一小服务中心",
        kind_en: "elderly and child care centre",
        name: "空港社区一老一小服务中心",
        code: "0702",
        area_ha: (0.3, 1.4),
        near: (3100.0, 2800.0),
        zones: RESID,
        capacity: 100.0,
        unit: "人",
        radius_m: 500.0,
    },
    FacilitySpec {
        kind: "一老一小服务中心",
        kind_en: "elderly and child care centre",
        name: "西苑社区一老一小服务中心",
        code: "0702",
        area_ha: (0.3, 1.4),
        near: (-2800.0, 3300.0),
        zones: RESID,
        capacity: 80.0,
        unit: "人",
        radius_m: 500.0,
    },
    FacilitySpec {
        kind: "社区卫生服务站",
        kind_en: "community health station",
        name: "桃园社区卫生服务站",
        code: "080602",
        area_ha: (0.2, 1.0),
        near: (-1200.0, 2300.0),
        zones: RESID,
        capacity: 10.0,
        unit: "床",
        radius_m: 1000.0,
    },
    FacilitySpec {
        kind: "社区卫生服务站",
        kind_en: "community health station",
        name: "云栖社区卫生服务站",
        code: "080602",
        area_ha: (0.2, 1.0),
        near: (1200.0, 3300.0),
        zones: RESID,
        capacity: 10.0,
        unit: "床",
        radius_m: 1000.0,
    },
    FacilitySpec {
        kind: "社区卫生服务站",
        kind_en: "community health station",
        name: "昌盛社区卫生服务站",
        code: "080602",
        area_ha: (0.2, 1.0),
        near: (3100.0, 3700.0),
        zones: RESID,
        capacity: 10.0,
        unit: "床",
        radius_m: 1000.0,
    },
    FacilitySpec {
        kind: "公园",
        kind_en: "park",
        name: "秀水公园",
        code: "1401",
        area_ha: (3.0, 20.0),
        near: (150.0, 3150.0),
        zones: &[Zone::Valley],
        capacity: 0.0,
        unit: "",
        radius_m: 1000.0,
    },
    FacilitySpec {
        kind: "公园",
        kind_en: "park",
        name: "空港中央公园",
        code: "1401",
        area_ha: (2.0, 15.0),
        near: (1450.0, 3300.0),
        zones: RESID,
        capacity: 0.0,
        unit: "",
        radius_m: 1000.0,
    },
    FacilitySpec {
        kind: "公园",
        kind_en: "park",
        name: "光伏主题公园",
        code: "1401",
        area_ha: (1.0, 8.0),
        near: (-2650.0, 2150.0),
        zones: &[Zone::Pv],
        capacity: 0.0,
        unit: "",
        radius_m: 500.0,
    },
    FacilitySpec {
        kind: "体育中心",
        kind_en: "sports centre",
        name: "空港新城体育中心",
        code: "080501",
        area_ha: (4.0, 12.0),
        near: (3000.0, 3450.0),
        zones: RESID,
        capacity: 8000.0,
        unit: "座",
        radius_m: 1500.0,
    },
    FacilitySpec {
        kind: "文化中心",
        kind_en: "cultural centre",
        name: "空港新城文化中心",
        code: "080302",
        area_ha: (1.0, 4.0),
        near: (1000.0, 2650.0),
        zones: RESID,
        capacity: 1200.0,
        unit: "座",
        radius_m: 1500.0,
    },
    FacilitySpec {
        kind: "消防站",
        kind_en: "fire station",
        name: "光伏园消防站",
        code: "1310",
        area_ha: (0.4, 1.3),
        near: (-2650.0, 1700.0),
        zones: &[Zone::Pv],
        capacity: 7.0,
        unit: "辆",
        radius_m: 1500.0,
    },
    FacilitySpec {
        kind: "消防站",
        kind_en: "fire station",
        name: "空港消防站",
        code: "1310",
        area_ha: (0.4, 1.3),
        near: (1300.0, 1450.0),
        zones: &[Zone::Auto],
        capacity: 7.0,
        unit: "辆",
        radius_m: 1500.0,
    },
    FacilitySpec {
        kind: "消防站",
        kind_en: "fire station",
        name: "新城消防站",
        code: "1310",
        area_ha: (0.4, 1.3),
        near: (2000.0, 3700.0),
        zones: RESID,
        capacity: 5.0,
        unit: "辆",
        radius_m: 1500.0,
    },
    FacilitySpec {
        kind: "派出所",
        kind_en: "police station",
        name: "空港派出所",
        code: "0801",
        area_ha: (0.3, 1.5),
        near: (-1100.0, 2700.0),
        zones: RESID,
        capacity: 60.0,
        unit: "人",
        radius_m: 2000.0,
    },
    FacilitySpec {
        kind: "派出所",
        kind_en: "police station",
        name: "高照派出所",
        code: "0801",
        area_ha: (0.3, 1.5),
        near: (2400.0, 2050.0),
        zones: RESID,
        capacity: 60.0,
        unit: "人",
        radius_m: 2000.0,
    },
    FacilitySpec {
        kind: "变电站",
        kind_en: "substation",
        name: "光伏110kV变电站",
        code: "1303",
        area_ha: (0.3, 1.2),
        near: (-2900.0, 450.0),
        zones: &[Zone::Pv],
        capacity: 100.0,
        unit: "MVA",
        radius_m: 2000.0,
    },
    FacilitySpec {
        kind: "变电站",
        kind_en: "substation",
        name: "光电110kV变电站",
        code: "1303",
        area_ha: (0.3, 1.2),
        near: (-1150.0, 1300.0),
        zones: &[Zone::Opto],
        capacity: 100.0,
        unit: "MVA",
        radius_m: 2000.0,
    },
    FacilitySpec {
        kind: "变电站",
        kind_en: "substation",
        name: "汽配110kV变电站",
        code: "1303",
        area_ha: (0.3, 1.2),
        near: (2750.0, 1250.0),
        zones: &[Zone::Auto],
        capacity: 100.0,
        unit: "MVA",
        radius_m: 2000.0,
    },
    FacilitySpec {
        kind: "变电站",
        kind_en: "substation",
        name: "新城110kV变电站",
        code: "1303",
        area_ha: (0.3, 1.2),
        near: (1800.0, 3750.0),
        zones: RESID,
        capacity: 100.0,
        unit: "MVA",
        radius_m: 2000.0,
    },
    FacilitySpec {
        kind: "公交枢纽",
        kind_en: "bus hub",
        name: "空港公交枢纽",
        code: "120802",
        area_ha: (0.5, 2.5),
        near: (350.0, 1000.0),
        zones: &[Zone::Valley],
        capacity: 30.0,
        unit: "泊位",
        radius_m: 800.0,
    },
    FacilitySpec {
        kind: "公交枢纽",
        kind_en: "bus hub",
        name: "新城公交首末站",
        code: "120802",
        area_ha: (0.4, 2.0),
        near: (1100.0, 2000.0),
        zones: RESID,
        capacity: 20.0,
        unit: "泊位",
        radius_m: 800.0,
    },
    FacilitySpec {
        kind: "研究院",
        kind_en: "research institute",
        name: "北京理工大学长三角研究院（嘉兴）",
        code: "0802",
        area_ha: (3.0, 10.0),
        near: (-400.0, 1350.0),
        zones: &[Zone::Valley],
        capacity: 1000.0,
        unit: "人",
        radius_m: 0.0,
    },
    FacilitySpec {
        kind: "研究院",
        kind_en: "research institute",
        name: "浙江大学嘉兴研究院",
        code: "0802",
        area_ha: (3.0, 10.0),
        near: (400.0, 1750.0),
        zones: &[Zone::Valley],
        capacity: 1000.0,
        unit: "人",
        radius_m: 0.0,
    },
    FacilitySpec {
        kind: "孵化器",
        kind_en: "incubator",
        name: "空港秀水创新绿谷孵化加速器",
        code: "0902",
        area_ha: (1.0, 5.0),
        near: (-300.0, 2450.0),
        zones: &[Zone::Valley],
        capacity: 120.0,
        unit: "家企业",
        radius_m: 0.0,
    },
    FacilitySpec {
        kind: "人才社区",
        kind_en: "talent community",
        name: "空港人才社区",
        code: "070102",
        area_ha: (2.0, 8.0),
        near: (-400.0, 3600.0),
        zones: &[Zone::Valley],
        capacity: 1200.0,
        unit: "套",
        radius_m: 0.0,
    },
    FacilitySpec {
        kind: "人才社区",
        kind_en: "talent community",
        name: "秀水人才公寓",
        code: "070102",
        area_ha: (1.5, 6.0),
        near: (450.0, 3350.0),
        zones: &[Zone::Valley],
        capacity: 800.0,
        unit: "套",
        radius_m: 0.0,
    },
];

/// Anchor enterprises named in the article, placed on the largest industrial
/// parcels near these points.
const ANCHORS: &[(&str, Zone, (f64, f64))] = &[
    ("隆基绿能嘉兴基地", Zone::Pv, (-2750.0, 1150.0)),
    (
        "嘉兴阿特斯阳光能源科技有限公司",
        Zone::Pv,
        (-2000.0, 2500.0),
    ),
    ("欧菲新能源（一期项目）", Zone::Pv, (-1650.0, 2050.0)),
    ("嘉兴沃尔德金刚石工具有限公司", Zone::Auto, (1900.0, 1150.0)),
    (
        "毕威泰克（浙江）医疗器械有限公司",
        Zone::Auto,
        (3100.0, 1600.0),
    ),
];

/// The whole plan, in plan metres, before writing.
struct Plan {
    boundary: Polygon<f64>,
    roads: Vec<(Road, MultiPolygon<f64>)>,
    water: Vec<(Water, MultiPolygon<f64>)>,
    parcels: Vec<Parcel>,
    facilities: Vec<Facility>,
    parks: Vec<(Zone, MultiPolygon<f64>)>,
    airport: Vec<(String, &'static str, Geometry<f64>)>,
}

fn make_plan(seed: u64) -> Plan {
    let mut rng = Rng::new(seed);
    let boundary = outline(&mut rng.fork(1));
    let boundary_mp = mp(&boundary);

    // Roads, widest first, each without what earlier roads already cover.
    let mut road_rng = rng.fork(2);
    let mut roads_raw = make_roads(&mut road_rng);
    roads_raw.sort_by(|a, b| b.width_m.total_cmp(&a.width_m));
    let mut covered = MultiPolygon::<f64>(vec![]);
    let mut roads = Vec::new();
    for road in roads_raw {
        let shape = mp(&band(&road.line, road.width_m)).intersection(&boundary_mp);
        let own = minus(&shape, &covered);
        covered = covered.union(&shape);
        let own = MultiPolygon(parts(own, 1.0));
        if !own.0.is_empty() {
            roads.push((road, own));
        }
    }
    let road_union = covered;

    // Water, without the roads that bridge it.
    let mut water = Vec::new();
    let mut wet = MultiPolygon::<f64>(vec![]);
    for w in make_water(&mut rng.fork(3)) {
        let shape = mp(&w.shape).intersection(&boundary_mp);
        let own = minus(&minus(&shape, &road_union), &wet);
        wet = wet.union(&shape);
        let own = MultiPolygon(parts(own, 1.0));
        if !own.0.is_empty() {
            water.push((w, own));
        }
    }
    let water_union = minus(&wet, &road_union);

    // Green banks: 30 m along rivers and canals, 50 m beside the expressway.
    let mut banks = MultiPolygon::<f64>(vec![]);
    for (w, _) in &water {
        if let Some((line, width)) = &w.line {
            banks = banks.union(&mp(&band(line, width + 60.0)));
        }
    }
    for (r, _) in &roads {
        if r.level_en == "expressway" {
            banks = banks.union(&mp(&band(&r.line, r.width_m + 100.0)));
        }
    }

    let blocks = minus(&minus(&boundary_mp, &road_union), &water_union);
    let mut parcels: Vec<Parcel> = Vec::new();
    let mut parcel_rng = rng.fork(4);
    for block in parts(blocks, 1.0) {
        let zone = zone_at(inside_point(&block).x, inside_point(&block).y);
        let block_mp = mp(&block);
        if zone == Zone::Airport {
            for (piece, name) in airport_parcels(&block) {
                parcels.push(Parcel {
                    shape: piece,
                    zone,
                    code: "1203",
                    name: Some(name.into()),
                    status: "现状",
                    enterprise: None,
                    fixed: true,
                    strip: false,
                });
            }
            continue;
        }
        let green = block_mp.intersection(&banks);
        for strip in parts(green, 1.0) {
            let code = match zone {
                Zone::Valley | Zone::Residential | Zone::Core => "1401",
                _ => "1402",
            };
            let z = zone_at(inside_point(&strip).x, inside_point(&strip).y);
            parcels.push(Parcel {
                shape: strip,
                zone: z,
                code,
                name: None,
                status: "规划",
                enterprise: None,
                fixed: false,
                strip: true,
            });
        }
        let buildable = minus(&block_mp, &banks);
        for piece in parts(buildable, 1.0) {
            let z = zone_at(inside_point(&piece).x, inside_point(&piece).y);
            for shape in subdivide(&piece, z.cell(), &mut parcel_rng) {
                let zz = zone_at(inside_point(&shape).x, inside_point(&shape).y);
                parcels.push(Parcel {
                    shape,
                    zone: zz,
                    code: "",
                    name: None,
                    status: "规划",
                    enterprise: None,
                    fixed: false,
                    strip: false,
                });
            }
        }
    }

    assign_classes(&mut parcels, &mut rng.fork(5));
    let facilities = place_facilities(&mut parcels, &mut rng.fork(6));
    place_anchors(&mut parcels);
    assign_enterprises(&mut parcels, &mut rng.fork(7));

    let parks = park_rects()
        .into_iter()
        .map(|(zone, rects)| {
            let mut shape = MultiPolygon::<f64>(vec![]);
            for r in rects {
                shape = shape.union(&mp(&r));
            }
            (zone, shape.intersection(&boundary_mp))
        })
        .collect();

    // Share T-junction vertices between neighbours (see `conform`).
    let mut boundary = boundary;
    {
        let mut rings: Vec<&mut geo::LineString<f64>> = Vec::new();
        let mut polys: Vec<&mut Polygon<f64>> = Vec::new();
        polys.push(&mut boundary);
        for (_, m) in roads.iter_mut() {
            polys.extend(m.0.iter_mut());
        }
        for (_, m) in water.iter_mut() {
            polys.extend(m.0.iter_mut());
        }
        polys.extend(parcels.iter_mut().map(|p| &mut p.shape));
        let mut owned: Vec<(usize, Vec<geo::LineString<f64>>)> = Vec::new();
        for (k, p) in polys.iter_mut().enumerate() {
            let mut rs = vec![p.exterior().clone()];
            rs.extend(p.interiors().iter().cloned());
            owned.push((k, rs));
        }
        for (_, rs) in owned.iter_mut() {
            rings.extend(rs.iter_mut());
        }
        conform(&mut rings, 1e-4);
        drop(rings);
        for ((_, rs), p) in owned.into_iter().zip(polys.iter_mut()) {
            let mut it = rs.into_iter();
            if let Some(ext) = it.next() {
                **p = Polygon::new(ext, it.collect());
            }
        }
    }

    Plan {
        boundary,
        roads,
        water,
        parcels,
        facilities,
        parks,
        airport: airport_features(),
    }
}

/// The airport block divided into the airfield, the terminal area, the cargo area
/// and the rest of the airport land.
fn airport_parcels(block: &Polygon<f64>) -> Vec<(Polygon<f64>, &'static str)> {
    let block_mp = mp(block);
    let pieces = [
        (
            rect(-2100.0, -175.0, 2100.0, 175.0),
            "飞行区（跑道及升降带）",
        ),
        (rect(-700.0, 175.0, 700.0, 900.0), "航站区"),
        (rect(900.0, 175.0, 2000.0, 900.0), "货运区"),
    ];
    let mut rest = block_mp.clone();
    let mut out = Vec::new();
    for (r, name) in pieces {
        let part = block_mp.intersection(&mp(&r));
        rest = minus(&rest, &mp(&r));
        out.extend(parts(part, 1.0).into_iter().map(|p| (p, name)));
    }
    out.extend(parts(rest, 1.0).into_iter().map(|p| (p, "机场其他用地")));
    out
}

/// Runway, taxiway, apron, terminal, cargo area and tower.
fn airport_features() -> Vec<(String, &'static str, Geometry<f64>)> {
    vec![
        (
            "跑道 3400 m × 50 m".into(),
            "跑道",
            Geometry::Polygon(runway_rect()),
        ),
        (
            "平行滑行道".into(),
            "滑行道",
            Geometry::Polygon(rect(-1700.0, 160.0, 1700.0, 183.0)),
        ),
        (
            "站坪（28 个机位）".into(),
            "站坪",
            Geometry::Polygon(rect(-500.0, 230.0, 500.0, 420.0)),
        ),
        // 230 m × 112.6 m ≈ 25 900 m², the civil terminal's floor area.
        (
            "航站楼（约 25 900 m²）".into(),
            "航站楼",
            Geometry::Polygon(rect(-115.0, 440.0, 115.0, 552.6)),
        ),
        (
            "货运区".into(),
            "货运区",
            Geometry::Polygon(rect(1000.0, 230.0, 1900.0, 600.0)),
        ),
        (
            "塔台".into(),
            "塔台",
            Geometry::Point(Point::new(620.0, 480.0)),
        ),
    ]
}

fn assign_classes(parcels: &mut [Parcel], rng: &mut Rng) {
    // Parcels of one block tend to share a class: walk them in block order and keep
    // the previous parcel's class half of the time when it fits the zone.
    let mut last: Option<(Zone, &'static str)> = None;
    for p in parcels.iter_mut() {
        if p.fixed || p.strip {
            continue;
        }
        let mix = p.zone.mix();
        let weights: Vec<f64> = mix.iter().map(|m| m.1).collect();
        let code = match last {
            Some((z, code)) if z == p.zone && rng.chance(0.5) => code,
            _ => mix[rng.weighted(&weights)].0,
        };
        // Homes, schools and clinics stay out of the runway's noise band (about
        // 1.9 km either side of the axis); business land takes their place there.
        let code = if noise_sensitive(code) && inside_point(&p.shape).y.abs() < 1900.0 {
            "0902"
        } else {
            code
        };
        p.code = code;
        last = Some((p.zone, code));
        let sw = p.zone.status_weights();
        p.status = STATUS[rng.weighted(&sw)];
        if p.code == "16" {
            p.status = "储备";
        }
    }
}

fn noise_sensitive(code: &str) -> bool {
    code.starts_with("0701")
        || code == "080403"
        || code == "080404"
        || code.starts_with("0806")
        || code.starts_with("0807")
}

fn area_ha(p: &Polygon<f64>) -> f64 {
    p.unsigned_area() / 10_000.0
}

fn distance(a: Coord<f64>, b: (f64, f64)) -> f64 {
    ((a.x - b.0).powi(2) + (a.y - b.1).powi(2)).sqrt()
}

fn place_facilities(parcels: &mut [Parcel], rng: &mut Rng) -> Vec<Facility> {
    let mut out = Vec::new();
    for spec in SPECS {
        // The nearest free parcel of the right zone and size; sizes outside the range
        // cost distance, so a facility always finds land.
        let best = (0..parcels.len())
            .filter(|&i| {
                let p = &parcels[i];
                !p.fixed && !p.strip && spec.zones.contains(&p.zone)
            })
            .map(|i| {
                let a = area_ha(&parcels[i].shape);
                let (lo, hi) = spec.area_ha;
                let misfit = if a < lo {
                    (lo - a) / lo
                } else if a > hi {
                    (a - hi) / hi
                } else {
                    0.0
                };
                let d = distance(inside_point(&parcels[i].shape), spec.near);
                (i, d + misfit * 3000.0)
            })
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        let Some((i, _)) = best else { continue };
        let p = &mut parcels[i];
        p.code = spec.code;
        p.fixed = true;
        p.name = Some(spec.name.to_string());
        p.status = if rng.chance(0.4) { "现状" } else { "规划" };
        out.push(Facility {
            name: spec.name.to_string(),
            kind: spec.kind,
            kind_en: spec.kind_en,
            capacity: spec.capacity,
            capacity_unit: spec.unit,
            service_radius_m: spec.radius_m,
            parcel: i,
        });
    }
    out
}

fn place_anchors(parcels: &mut [Parcel]) {
    for &(name, zone, near) in ANCHORS {
        // The largest free industrial parcel within 600 m of the anchor's place.
        let best = (0..parcels.len())
            .filter(|&i| {
                let p = &parcels[i];
                !p.fixed
                    && !p.strip
                    && p.zone == zone
                    && distance(inside_point(&p.shape), near) < 600.0
            })
            .max_by(|&a, &b| {
                area_ha(&parcels[a].shape)
                    .total_cmp(&area_ha(&parcels[b].shape))
                    .then(b.cmp(&a))
            });
        if let Some(i) = best {
            let p = &mut parcels[i];
            p.code = "100102";
            p.fixed = true;
            p.status = "现状";
            p.enterprise = Some(name.to_string());
            p.name = Some(name.to_string());
        }
    }
}

fn assign_enterprises(parcels: &mut [Parcel], rng: &mut Rng) {
    for p in parcels.iter_mut() {
        let industrial = p.code.starts_with("10") || p.code.starts_with("11");
        if industrial && p.enterprise.is_none() && (p.status == "已出让" || p.status == "现状")
        {
            p.enterprise = Some(enterprise_name(p.zone, rng));
        }
    }
}

fn metadata(title: &str, seed: u64) -> Vec<(&'static str, Value)> {
    vec![
        ("name", json!(title)),
        ("description", json!(NOTE_ZH)),
        ("description_en", json!(NOTE_EN)),
        ("illustrative", json!(true)),
        (
            "generator",
            json!(format!("parcelview generate district --seed {seed}")),
        ),
    ]
}

fn round_to(v: f64, decimals: i32) -> f64 {
    let s = 10f64.powi(decimals);
    (v * s).round() / s
}

fn opt(v: Option<f64>) -> Value {
    v.map(|x| json!(x)).unwrap_or(Value::Null)
}

/// A feature to write: ordered properties and a plan geometry.
type LayerFeature<'a> = (Vec<(&'a str, Value)>, Geometry<f64>);

/// The roads that exist today. The expressway was built before the new town was
/// planned, and 洪合大道 (along the airfield's west end) and 高照路 (across the
/// north) are the old county roads the plan widens into arterials; every other road
/// of the plan is still to be built.
const EXISTING_ROADS: [&str; 3] = ["空港高速", "洪合大道", "高照路"];

/// The water the plan adds: the new canal that drains the PV park, and the lakes
/// dug for the three planned parks. Everything else (the rivers 新塍塘, 秀水河 and
/// 洪合港 and the other ponds of the plain) is there today.
const NEW_WATER: [&str; 4] = ["光伏港", "秀水湖", "中央公园湖", "绿谷湖"];

/// Of the planned roads' stretches, the share that runs through a village today
/// rather than through paddy fields: a little less than the share of homesteads
/// among the undeveloped parcels (22 %), as the plan routes roads round villages
/// where it can.
const ROAD_VILLAGE_SHARE: f64 = 0.15;

/// The present state (现状) of the ground that the plan gives to roads and water,
/// as features of the present land-use layer, in lon/lat. With the parcels' present
/// state they cover the outline without overlaps.
///
/// - An existing road keeps its code and name, at its planned red-line width (the
///   widening strips are read as road land already). It also takes back its
///   crossings with planned roads, which in the plan belong to the wider or earlier
///   road: today the old road runs straight through them.
/// - A natural river or pond keeps its code and name, and takes back the surface of
///   the planned bridges over it, which is still water today.
/// - What is left of a planned road is paddy fields (0101), a stretch here and there
///   a village (0703), one feature a stretch; a planned canal or lake is paddy fields
///   where it is to be dug, one feature a water body.
///
/// Ids run `XZ-DL-001`… for roads and `XZ-SX-001`… for water, in the order of
/// roads.geojson and water.geojson, so they do not collide with the parcels' `KG-`.
///
/// The features are returned in lon/lat, already rounded and repaired by
/// [`Frame::geometry`], because the cuts made here pass within a hair of the plan's
/// own vertices: rounding can pinch a stretch into parts joined at a point, and
/// leave specks of less than a square metre. The parts become features of their
/// own, and the specks are dropped.
fn present_surfaces(plan: &Plan, frame: &Frame, seed: u64) -> Vec<LayerFeature<'static>> {
    let table = LanduseTable::global();
    let name_of = |code: &str| {
        table
            .by_code(code)
            .and_then(|c| table.class(c))
            .map(|c| c.name_zh.clone())
    };
    // Cut pieces smaller than this (m²) are slivers left where edges almost meet.
    const SPECK_M2: f64 = 1.0;
    let boundary_mp = mp(&plan.boundary);
    let existing = |r: &Road| EXISTING_ROADS.contains(&r.name);
    let natural = |w: &Water| !NEW_WATER.contains(&w.name);
    let mut planned_roads = MultiPolygon::<f64>(vec![]);
    for (_, own) in plan.roads.iter().filter(|(r, _)| !existing(r)) {
        planned_roads = planned_roads.union(own);
    }
    // Adds the pieces of `extra` that are more than slivers to `own`; an `own` with
    // nothing to add is kept exactly as the plan has it.
    let with = |own: &MultiPolygon<f64>, extra: MultiPolygon<f64>| -> MultiPolygon<f64> {
        let extra = MultiPolygon(parts(extra, SPECK_M2));
        if extra.0.is_empty() {
            own.clone()
        } else {
            MultiPolygon(parts(own.union(&extra), SPECK_M2))
        }
    };
    // Surfaces of planned roads that existing roads and water have taken back.
    let mut taken = MultiPolygon::<f64>(vec![]);
    let mut roads_now = Vec::new();
    for (r, own) in &plan.roads {
        if existing(r) {
            let band_now = mp(&band(&r.line, r.width_m)).intersection(&boundary_mp);
            let crossings = minus(&planned_roads.intersection(&band_now), &taken);
            taken = taken.union(&crossings);
            roads_now.push((r, with(own, crossings), true));
        } else {
            roads_now.push((r, own.clone(), false));
        }
    }
    let mut water_now = Vec::new();
    for (w, own) in &plan.water {
        if natural(w) {
            let raw = mp(&w.shape).intersection(&boundary_mp);
            let bridges = minus(&planned_roads.intersection(&raw), &taken);
            taken = taken.union(&bridges);
            water_now.push((w, with(own, bridges)));
        } else {
            water_now.push((w, own.clone()));
        }
    }

    // The lon/lat polygons of a plane shape, without specks.
    let lon_lat = |shape: &MultiPolygon<f64>| -> Vec<Polygon<f64>> {
        let polys = match frame.geometry(&Geometry::MultiPolygon(shape.clone())) {
            Geometry::Polygon(p) => vec![p],
            Geometry::MultiPolygon(m) => m.0,
            _ => Vec::new(),
        };
        polys
            .into_iter()
            .filter(|p| ellipsoidal_area_m2(&Geometry::Polygon(p.clone())) >= SPECK_M2)
            .collect()
    };
    let feature = |id: String,
                   code: &str,
                   plan_code: &str,
                   status: &str,
                   name: Option<&str>,
                   plan_name: &str,
                   mut polys: Vec<Polygon<f64>>|
     -> LayerFeature<'static> {
        let g = if polys.len() == 1 {
            Geometry::Polygon(polys.remove(0))
        } else {
            Geometry::MultiPolygon(MultiPolygon(polys))
        };
        (
            vec![
                ("地块编号", json!(id)),
                ("用地代码", json!(code)),
                ("用地名称", json!(name_of(code))),
                ("规划用地代码", json!(plan_code)),
                ("状态", json!(status)),
                ("名称", json!(name)),
                ("规划名称", json!(plan_name)),
            ],
            g,
        )
    };
    let mut rng = Rng::new(seed).fork(10);
    let mut out = Vec::new();
    let mut n = 0;
    for (r, shape, exists) in roads_now {
        if exists {
            n += 1;
            out.push(feature(
                format!("XZ-DL-{n:03}"),
                r.code,
                r.code,
                "现状",
                Some(r.name),
                r.name,
                lon_lat(&shape),
            ));
            continue;
        }
        let rest = MultiPolygon(parts(minus(&shape, &taken), SPECK_M2));
        for piece in lon_lat(&rest) {
            n += 1;
            let code = if rng.chance(ROAD_VILLAGE_SHARE) {
                "0703"
            } else {
                "0101"
            };
            out.push(feature(
                format!("XZ-DL-{n:03}"),
                code,
                r.code,
                "规划",
                None,
                r.name,
                vec![piece],
            ));
        }
    }
    for (k, (w, shape)) in water_now.into_iter().enumerate() {
        let id = format!("XZ-SX-{:03}", k + 1);
        let polys = lon_lat(&shape);
        out.push(if natural(w) {
            feature(id, w.code, w.code, "现状", Some(w.name), w.name, polys)
        } else {
            feature(id, "0101", w.code, "规划", None, w.name, polys)
        });
    }
    out
}

/// The files of the bundled project, as (file name, bytes).
pub fn district_files(seed: u64) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let frame = Frame::new()?;
    let plan = make_plan(seed);
    let table = LanduseTable::global();
    let mut files = Vec::new();
    // Writes a layer of features already in lon/lat.
    let write_lon_lat = |title: &str, features: Vec<LayerFeature>| -> anyhow::Result<Vec<u8>> {
        let mut out = Vec::new();
        let feats = features.iter().map(|(props, g)| OutFeature {
            properties: props.clone(),
            geometry: Some(g),
        });
        write_geojson_features(&mut out, &metadata(title, seed), feats, DECIMALS)?;
        Ok(out)
    };
    // Writes a layer of features in plan metres.
    let write = |title: &str, features: Vec<LayerFeature>| -> anyhow::Result<Vec<u8>> {
        let lon_lat = features
            .into_iter()
            .map(|(props, g)| (props, frame.geometry(&g)))
            .collect();
        write_lon_lat(title, lon_lat)
    };
    let area_m2 = |g: &Geometry<f64>| round_to(ellipsoidal_area_m2(&frame.geometry(g)), 2);

    // Boundary.
    let b = Geometry::Polygon(plan.boundary.clone());
    let b_area = area_m2(&b);
    files.push((
        "boundary.geojson".into(),
        write(
            "空港新城范围",
            vec![(
                vec![
                    ("名称", json!("嘉兴高新区空港新城（示意范围）")),
                    ("面积_公顷", json!(round_to(b_area / 10_000.0, 2))),
                ],
                b,
            )],
        )?,
    ));

    // Airport.
    let feats = plan
        .airport
        .iter()
        .map(|(name, kind, g)| {
            (
                vec![("名称", json!(name)), ("类型", json!(kind))],
                g.clone(),
            )
        })
        .collect();
    files.push((
        "airport.geojson".into(),
        write("嘉兴南湖机场（示意）", feats)?,
    ));

    // Roads.
    let feats = plan
        .roads
        .iter()
        .map(|(r, shape)| {
            (
                vec![
                    ("名称", json!(r.name)),
                    ("等级", json!(r.level)),
                    ("level", json!(r.level_en)),
                    ("红线宽度_m", json!(r.width_m)),
                    ("用地代码", json!(r.code)),
                ],
                Geometry::MultiPolygon(shape.clone()),
            )
        })
        .collect();
    files.push(("roads.geojson".into(), write("道路", feats)?));

    // Water.
    let feats = plan
        .water
        .iter()
        .map(|(w, shape)| {
            (
                vec![
                    ("名称", json!(w.name)),
                    ("类型", json!(w.kind)),
                    ("用地代码", json!(w.code)),
                ],
                Geometry::MultiPolygon(shape.clone()),
            )
        })
        .collect();
    files.push(("water.geojson".into(), write("水系", feats)?));

    // Parcels, numbered by zone and then north to south, west to east.
    let mut order: Vec<usize> = (0..plan.parcels.len()).collect();
    let key = |i: usize| {
        let p = inside_point(&plan.parcels[i].shape);
        (
            plan.parcels[i].zone,
            (-p.y / 50.0).round() as i64,
            (p.x * 1000.0).round() as i64,
        )
    };
    order.sort_by_key(|&i| key(i));
    let mut ids = vec![String::new(); plan.parcels.len()];
    let mut counters = std::collections::BTreeMap::<char, usize>::new();
    let mut rng = Rng::new(seed).fork(8);
    let surfaces = Surfaces::new(Runway::from_geometry(
        &frame.geometry(&Geometry::Polygon(runway_rect())),
        "跑道",
    )?);
    // The present land use (现状) for comparing with the plan: parcels built or sold
    // keep their planned class; planned and reserve land is still paddy fields, with
    // village homesteads scattered among them, as on Jiaxing's plain.
    let mut now_rng = Rng::new(seed).fork(9);
    let mut feats = Vec::new();
    let mut current = Vec::new();
    for &i in &order {
        let p = &plan.parcels[i];
        let n = counters.entry(p.zone.letter()).or_insert(0);
        *n += 1;
        ids[i] = format!("KG-{}-{:04}", p.zone.letter(), n);
        let class = table.by_code(p.code).and_then(|c| table.class(c));
        let (far, density, green, height) = indicators(p.code, &mut rng);
        let g = Geometry::Polygon(p.shape.clone());
        // The plan respects its own airport: a height limit stays under the
        // lowest obstacle limitation surface over the whole parcel, computed as
        // `parcelview clearance` checks it, on the parcel as written (lon/lat),
        // and rounded down to the plan's 3 m steps. The airport's own land keeps
        // no 限高: its buildings are placed by the surfaces themselves (the strip
        // is 0 m), not by a regulatory plan's control value.
        let cap = surfaces
            .lowest_over(&frame.geometry(&g))
            .map(|l| (l.height_m / 3.0).floor() * 3.0);
        let height = match (p.code, height, cap) {
            ("1203", _, _) => None,
            (_, Some(h), Some(cap)) => Some(h.min(cap)),
            (_, h, _) => h,
        };
        feats.push((
            vec![
                ("地块编号", json!(ids[i])),
                ("用地代码", json!(p.code)),
                ("用地名称", json!(class.map(|c| c.name_zh.as_str()))),
                ("用地面积", json!(area_m2(&g))),
                ("容积率", opt(far)),
                ("建筑密度", opt(density)),
                ("绿地率", opt(green)),
                ("限高", opt(height)),
                ("状态", json!(p.status)),
                ("所属园区", json!(p.zone.park())),
                ("企业名称", json!(p.enterprise)),
                ("名称", json!(p.name)),
            ],
            g.clone(),
        ));
        let built = p.status == "现状" || p.status == "已出让";
        let now_code = if built {
            p.code
        } else if now_rng.chance(0.22) {
            "0703"
        } else {
            "0101"
        };
        let now_class = table.by_code(now_code).and_then(|c| table.class(c));
        current.push((
            vec![
                ("地块编号", json!(ids[i])),
                ("用地代码", json!(now_code)),
                ("用地名称", json!(now_class.map(|c| c.name_zh.as_str()))),
                ("规划用地代码", json!(p.code)),
                ("状态", json!(p.status)),
            ],
            g,
        ));
    }
    files.push(("parcels.geojson".into(), write("地块", feats)?));
    // The present state covers the whole outline, as the plan does: after the
    // parcels come today's road and water surfaces, which fill the rest.
    let mut current: Vec<LayerFeature> = current
        .into_iter()
        .map(|(props, g)| (props, frame.geometry(&g)))
        .collect();
    current.extend(present_surfaces(&plan, &frame, seed));
    files.push((
        "landuse-current.geojson".into(),
        write_lon_lat("现状用地", current)?,
    ));

    // Industrial parks.
    let feats = plan
        .parks
        .iter()
        .map(|(zone, shape)| {
            let g = Geometry::MultiPolygon(shape.clone());
            let (industry, anchors) = match zone {
                Zone::Pv => (
                    "光伏新能源（电池片、光伏玻璃、配套产品、组件全产业链）",
                    Some(
                        "隆基绿能嘉兴基地、嘉兴阿特斯阳光能源科技有限公司、欧菲新能源（一期项目）",
                    ),
                ),
                Zone::Auto => (
                    "高端汽车零部件、高端装备制造",
                    Some("嘉兴沃尔德金刚石工具有限公司、毕威泰克（浙江）医疗器械有限公司"),
                ),
                Zone::Opto => ("光电信息", None),
                Zone::Logistics => ("临空经济：航空货运、物流仓储、供应链服务", None),
                _ => (
                    "高端科技服务、研发孵化（X 赛道）；总投资 150 亿元以上",
                    Some("北京理工大学长三角研究院（嘉兴）、浙江大学嘉兴研究院"),
                ),
            };
            (
                vec![
                    ("名称", json!(zone.park())),
                    ("主导产业", json!(industry)),
                    ("规划面积_公顷", json!(round_to(area_m2(&g) / 10_000.0, 2))),
                    ("龙头企业", json!(anchors)),
                ],
                g,
            )
        })
        .collect();
    files.push(("parks.geojson".into(), write("产业园区", feats)?));

    // Public facilities as points on their parcels.
    let feats = plan
        .facilities
        .iter()
        .map(|f| {
            let at = inside_point(&plan.parcels[f.parcel].shape);
            (
                vec![
                    ("名称", json!(f.name)),
                    ("类型", json!(f.kind)),
                    ("type", json!(f.kind_en)),
                    (
                        "规模",
                        if f.capacity > 0.0 {
                            json!(f.capacity)
                        } else {
                            Value::Null
                        },
                    ),
                    (
                        "规模单位",
                        if f.capacity_unit.is_empty() {
                            Value::Null
                        } else {
                            json!(f.capacity_unit)
                        },
                    ),
                    (
                        "服务半径_m",
                        if f.service_radius_m > 0.0 {
                            json!(f.service_radius_m)
                        } else {
                            Value::Null
                        },
                    ),
                    ("地块编号", json!(ids[f.parcel])),
                    ("用地代码", json!(plan.parcels[f.parcel].code)),
                ],
                Geometry::Point(Point(at)),
            )
        })
        .collect();
    files.push(("facilities.geojson".into(), write("公共服务设施", feats)?));

    files.push((
        "airport-city.json".into(),
        project_file(&frame, &plan, seed)?,
    ));
    Ok(files)
}

/// The project file: layers in drawing order with styles, and named views.
fn project_file(frame: &Frame, plan: &Plan, seed: u64) -> anyhow::Result<Vec<u8>> {
    let view = |name: &str, name_en: &str, g: &Geometry<f64>| -> Value {
        let r = frame.geometry(g).bounding_rect();
        let bbox = r.map(|r| {
            vec![
                round_to(r.min().x, 5),
                round_to(r.min().y, 5),
                round_to(r.max().x, 5),
                round_to(r.max().y, 5),
            ]
        });
        json!({"name": name, "name_en": name_en, "bbox": bbox})
    };
    let park = |z: Zone| -> Geometry<f64> {
        plan.parks
            .iter()
            .find(|p| p.0 == z)
            .map(|p| Geometry::MultiPolygon(p.1.clone()))
            .unwrap_or(Geometry::Polygon(rect(0.0, 0.0, 1.0, 1.0)))
    };
    let schools: Vec<Polygon<f64>> = plan
        .facilities
        .iter()
        .filter(|f| f.kind == "中小学" || f.kind == "医院")
        .map(|f| plan.parcels[f.parcel].shape.clone())
        .collect();
    // The bundled briefing: one slide for each part of the district's story.
    // Every slide names the layers it shows (the project's visible ones unless
    // it says otherwise), as a bookmark saved in the window does: a slide that
    // left them unnamed would keep whatever the slide before it showed, such as
    // the 净空 layer of the logistics slide.
    let shown = [
        "范围",
        "水系",
        "道路",
        "地块",
        "机场",
        "产业园区",
        "公共服务设施",
    ];
    let slide = |v: Value, caption: &str, caption_en: &str, extra: Value| -> Value {
        let mut b = json!({
            "title": v["name"],
            "title_en": v["name_en"],
            "bbox": v["bbox"],
            "caption": caption,
            "caption_en": caption_en,
            "layers": shown,
        });
        if let (Some(map), Some(more)) = (b.as_object_mut(), extra.as_object()) {
            for (k, val) in more {
                map.insert(k.clone(), val.clone());
            }
        }
        b
    };
    let parcels_where = |expr: &str| json!({"layer": "地块", "where": expr});
    let whole = view(
        "空港新城全区与嘉兴南湖机场",
        "The district and Nanhu Airport",
        &Geometry::Polygon(plan.boundary.clone()),
    );
    let project = json!({
        "format": "parcelview-project",
        "version": 2,
        "title": "嘉兴高新区空港新城规划（示意）",
        "title_en": "Jiaxing High-tech Zone airport new town plan (illustrative)",
        "description": NOTE_ZH,
        "organisation": "parcelview 示例项目（非规划编制单位）",
        "organisation_en": "parcelview example project (not a planning institute)",
        "source": "parcelview 生成器（parcelview generate district）生成的示意数据",
        "source_en": "illustrative data from the parcelview generator (parcelview generate district)",
        "disclaimer": "本图数据为示意性规划数据，由 parcelview 生成器生成，仅用于演示，不是官方规划，不得作为规划管理依据。",
        "disclaimer_en": "Illustrative data made by the parcelview generator for demonstration; not an official plan and not a basis for planning decisions.",
        "generator": format!("parcelview generate district --seed {seed}"),
        "basemap": {"kind": "offline", "variant": "light", "sources": ["water", "roads", "boundary"]},
        "airport": {"layer": "机场", "runway_field": "类型", "runway_value": "跑道"},
        "layers": [
            {"name": "范围", "path": "boundary.geojson", "visible": true, "style": {"kind": "outline", "stroke": "#c0392b", "width": 2.5, "dash": true}},
            {"name": "水系", "path": "water.geojson", "visible": true, "role": "basemap", "style": {"kind": "single", "fill": "#9fcbe6", "stroke": "#6aa8d1"}},
            {"name": "道路", "path": "roads.geojson", "visible": true, "role": "basemap", "style": {"kind": "single", "fill": "#ffffff", "stroke": "#b5b5b5"}},
            {"name": "现状用地", "path": "landuse-current.geojson", "visible": false, "opacity": 0.9, "style": {"kind": "landuse", "standard": "GTKJ2023", "field": "用地代码"}},
            {"name": "地块", "path": "parcels.geojson", "visible": true, "opacity": 0.9, "style": {"kind": "landuse", "standard": "GTKJ2023", "field": "用地代码", "labels": ["地块编号", "容积率"]}},
            {"name": "机场", "path": "airport.geojson", "visible": true, "style": {"kind": "single", "fill": "#d5d5d5", "stroke": "#555555"}},
            {"name": "产业园区", "path": "parks.geojson", "visible": true, "style": {"kind": "outline", "stroke": "#6c3483", "width": 3.0, "labels": ["名称"]}},
            {"name": "公共服务设施", "path": "facilities.geojson", "visible": true, "style": {"kind": "symbols", "field": "类型", "labels": ["名称"]}}
        ],
        "bookmarks": [
            slide(whole.clone(),
                "空港新城位于嘉兴高新区西部、秀洲区，围绕军民合用的嘉兴南湖机场生长。机场新建 3400 m × 50 m 跑道和约 2.59 万 m² 航站楼，定位为长三角首个专业国际航空货运枢纽。",
                "The new town grows around Jiaxing Nanhu Airport, a military-civil airport in Xiuzhou: a new 3,400 m runway and a 25,900 m² terminal make it the Yangtze Delta's first dedicated air-cargo hub.",
                json!({})),
            slide(view("光伏新能源产业园", "Photovoltaic new energy park", &park(Zone::Pv)),
                "主赛道光伏新能源：电池片、光伏玻璃、配套产品到组件的全产业链，集聚光伏企业 200 余家，隆基绿能嘉兴基地建成行业首家“灯塔工厂”。",
                "The main track, photovoltaics: a full chain from cells and PV glass to modules, 200+ firms, and LONGi's Jiaxing base, the sector's first lighthouse factory.",
                json!({"selection": parcels_where("\"所属园区\" = '光伏新能源产业园'"), "show_stats": true})),
            slide(view("高端汽车零部件与光电信息", "Auto parts and optoelectronics", &Geometry::Polygon(rect(-1500.0, 800.0, 3700.0, 1900.0))),
                "“1+2+X”中的两条特色赛道：高端汽车零部件和光电信息，紧邻机场北侧布局。",
                "The two specialist tracks of \"1+2+X\": high-end auto parts and optoelectronic information, north of the airport.",
                json!({"selection": parcels_where("\"所属园区\" IN ('高端汽车零部件产业园', '光电信息产业园')"), "show_stats": true})),
            slide(view("空港物流园", "Airport logistics zone", &park(Zone::Logistics)),
                "临空经济：航空货运、物流仓储与供应链服务贴近跑道和货运区。图中叠加机场净空限制面及 10 m 限制高度等高线：跑道旁和进近方向的建筑限高随之收紧，所有地块限高均在净空限制面以下。",
                "Air-linked economy: cargo, warehousing and supply-chain services beside the runway and the cargo area. Over the map, the airport's obstacle limitation surfaces with 10 m contours: height limits tighten beside the runway and under the approach, and every parcel's stays below the surfaces.",
                // The 净空 layer is one of the slide's layers: the briefing shows
                // the surfaces over the plan.
                json!({
                    "selection": parcels_where("\"所属园区\" = '空港物流园'"),
                    "show_stats": true,
                    "layers": shown.iter().copied().chain([crate::analysis::CLEARANCE_LAYER]).collect::<Vec<_>>(),
                })),
            slide(view("空港秀水创新绿谷", "Xiushui innovation valley", &park(Zone::Valley)),
                "总投资 150 亿元以上的创新绿谷：北京理工大学长三角研究院（嘉兴）、浙江大学嘉兴研究院，以及孵化器、加速器和博士后工作站。",
                "An innovation valley of 15+ billion yuan: the BIT Yangtze Delta institute, Zhejiang University's Jiaxing institute, incubators and accelerators.",
                json!({"selection": parcels_where("\"所属园区\" = '空港秀水创新绿谷'"), "spotlight": true})),
            slide(view("公共服务：学校、医院、一老一小", "Public services: schools, hospital, elderly and children", &Geometry::MultiPolygon(MultiPolygon(schools))),
                "“七优”民生服务：上外秀洲外国语学校高新区实验学区等中小学、秀洲区人民医院高照院区，以及老人日托与儿童游乐结合的“一老一小”服务中心。",
                "Public services: schools, the Xiuzhou People's Hospital Gaozhao campus, and centres combining elderly day care with children's play.",
                json!({"selection": {"layer": "公共服务设施", "where": "\"类型\" IN ('中小学', '幼儿园', '医院', '一老一小服务中心')"}})),
            slide(whole.clone(),
                "现状与规划对比：左侧为现状用地（以水田和农村宅基地为主），右侧为规划用地。",
                "Today and the plan: drag the line; left is present land use (mostly paddy fields and villages), right is the plan.",
                json!({"title": "现状与规划", "title_en": "Today and the plan", "compare": {"left": "现状用地", "right": "地块"}})),
            // No selection: a slide that shows statistics without one shows the
            // balance of the whole plan (the layers named under `balance`).
            slide(whole,
                "全区用地平衡：整个规划范围（地块、道路和水域）各类用地的面积和占比，现状与规划对照，即规划文本中的用地平衡表。",
                "The land-use balance of the whole planning area (parcels, roads and water): area and share of each class, today and in the plan, as the plan's balance table gives them.",
                json!({"title": "全区用地平衡", "title_en": "Land-use balance of the district", "show_stats": true})),
        ],
        // The land-use balance covers the whole outline: the plan is the parcels,
        // roads and water, which partition it, and the present state is one layer
        // that covers it too.
        "balance": {"plan": ["地块", "道路", "水系"], "present": ["现状用地"], "boundary": "范围"}
    });
    // Through the project model, so the file is exactly what parcelview writes when
    // it saves a project.
    let file: crate::project::ProjectFile = serde_json::from_value(project)?;
    Ok(file.to_json()?)
}

/// Writes the bundled project into `dir` (atomically, file by file).
pub fn write_district(dir: &Path, seed: u64) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (name, bytes) in district_files(seed)? {
        let path = dir.join(&name);
        atomic_write(&path, |w| w.write_all(&bytes))?;
        written.push(path);
    }
    Ok(written)
}
