//! Synthetic parcel layers for tests and benchmarks: a grid of blocks between roads,
//! each block divided into parcels with land-use codes and planning indicators.
//! Shapes include non-convex (notched, L-shaped) parcels, parcels with courtyard
//! holes and two-part multipolygons. Deterministic for a given seed and count.

use std::io::Write;

use geo::{Coord, Geometry, LineString, MultiPolygon, Polygon};
use rayon::prelude::*;

use super::rng::Rng;
use crate::crs::GaussKruger;
use crate::io::write::{fmt_num, geometry_json};

/// Options for [`write_parcels`].
#[derive(Debug, Clone)]
pub struct ParcelOptions {
    pub count: usize,
    pub seed: u64,
    /// Write coordinates in CGCS2000 Gauss-Krüger CM 120°E (EPSG:4549) instead of
    /// lon/lat, with the legacy `crs` member.
    pub projected: bool,
    /// Centre of the generated area, lon/lat degrees.
    pub centre_lon_lat: Coord<f64>,
}

impl Default for ParcelOptions {
    fn default() -> Self {
        ParcelOptions {
            count: 1000,
            seed: 1,
            projected: false,
            centre_lon_lat: Coord {
                x: 120.6806,
                y: 30.7067,
            },
        }
    }
}

/// Land-use codes of the 2023 standard with rough shares for an industrial new town.
const CODES: [(&str, f64); 14] = [
    ("100101", 14.0),
    ("100102", 14.0),
    ("110101", 6.0),
    ("070102", 16.0),
    ("070101", 3.0),
    ("0702", 3.0),
    ("080403", 3.0),
    ("080404", 2.0),
    ("090101", 6.0),
    ("0902", 5.0),
    ("1401", 10.0),
    ("1402", 8.0),
    ("1303", 1.0),
    ("16", 2.0),
];
const STATUS: [&str; 4] = ["现状", "规划", "已出让", "储备"];

const PARCELS_X: usize = 4;
const PARCELS_Y: usize = 3;
const BLOCK_W_M: f64 = 260.0;
const BLOCK_H_M: f64 = 180.0;
const ROAD_M: f64 = 24.0;

/// One parcel before writing: geometry in plane metres and its attributes.
struct Parcel {
    geometry: Geometry<f64>,
    code: &'static str,
    far: f64,
    density: f64,
    green: f64,
    height: f64,
    status: &'static str,
}

/// Writes a FeatureCollection of `count` parcels to `out`.
pub fn write_parcels(out: &mut dyn Write, options: &ParcelOptions) -> anyhow::Result<()> {
    let per_block = PARCELS_X * PARCELS_Y;
    let blocks = options.count.div_ceil(per_block);
    let cols = (blocks as f64).sqrt().ceil().max(1.0) as usize;
    let plane = GaussKruger::new(120.0)?;
    let centre = plane
        .forward(options.centre_lon_lat)
        .ok_or_else(|| anyhow::anyhow!("centre cannot be projected"))?;
    let pitch_x = BLOCK_W_M + ROAD_M;
    let pitch_y = BLOCK_H_M + ROAD_M;
    let rows = blocks.div_ceil(cols);
    let origin = Coord {
        x: centre.x - cols as f64 * pitch_x / 2.0,
        y: centre.y - rows as f64 * pitch_y / 2.0,
    };

    out.write_all(b"{\"type\":\"FeatureCollection\",\n\"name\":\"synthetic parcels\",\n")?;
    if options.projected {
        out.write_all(
            b"\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::4549\"}},\n",
        )?;
    }
    out.write_all(b"\"features\":[\n")?;
    // Blocks are generated in parallel in groups and written in order; each block has
    // its own random stream so the output does not depend on the thread count.
    let group = 512;
    let mut written = 0usize;
    for start in (0..blocks).step_by(group) {
        let end = (start + group).min(blocks);
        let texts: Vec<String> = (start..end)
            .into_par_iter()
            .map(|b| {
                let mut rng = Rng::new(options.seed).fork(b as u64);
                let bx = origin.x + (b % cols) as f64 * pitch_x;
                let by = origin.y + (b / cols) as f64 * pitch_y;
                let mut text = String::new();
                for (k, mut p) in block_parcels(&mut rng, bx, by).into_iter().enumerate() {
                    let n = b * per_block + k;
                    if n >= options.count {
                        break;
                    }
                    if !options.projected {
                        plane.inverse_geometry(&mut p.geometry);
                    }
                    let decimals = if options.projected { 3 } else { 7 };
                    if n > 0 {
                        text.push_str(",\n");
                    }
                    text.push_str(&format!(
                        "{{\"type\":\"Feature\",\"properties\":{{\"parcel_id\":\"P{n:07}\",\"landuse\":\"{}\",\"far\":{},\"density\":{},\"green\":{},\"height_m\":{},\"status\":\"{}\"}},\"geometry\":{}}}",
                        p.code,
                        fmt_num(p.far, 2),
                        fmt_num(p.density, 2),
                        fmt_num(p.green, 2),
                        fmt_num(p.height, 0),
                        p.status,
                        geometry_json(&p.geometry, decimals)
                    ));
                }
                text
            })
            .collect();
        for t in texts {
            out.write_all(t.as_bytes())?;
        }
        written = end;
    }
    debug_assert!(written == blocks);
    out.write_all(b"\n]}\n")?;
    Ok(())
}

/// The parcels of one block whose lower-left corner is (x0, y0), in plane metres.
fn block_parcels(rng: &mut Rng, x0: f64, y0: f64) -> Vec<Parcel> {
    // Jittered split lines shared by neighbours, so parcels tile the block.
    let xs: Vec<f64> = (0..=PARCELS_X)
        .map(|i| {
            let t = i as f64 / PARCELS_X as f64;
            let j = if i == 0 || i == PARCELS_X {
                0.0
            } else {
                rng.range(-12.0, 12.0)
            };
            x0 + t * BLOCK_W_M + j
        })
        .collect();
    let ys: Vec<f64> = (0..=PARCELS_Y)
        .map(|i| {
            let t = i as f64 / PARCELS_Y as f64;
            let j = if i == 0 || i == PARCELS_Y {
                0.0
            } else {
                rng.range(-10.0, 10.0)
            };
            y0 + t * BLOCK_H_M + j
        })
        .collect();
    let codes: Vec<f64> = CODES.iter().map(|c| c.1).collect();
    let block_code = CODES[rng.weighted(&codes)].0;
    let mut out = Vec::with_capacity(PARCELS_X * PARCELS_Y);
    for j in 0..PARCELS_Y {
        for i in 0..PARCELS_X {
            let (a, b, c, d) = (xs[i], xs[i + 1], ys[j], ys[j + 1]);
            // Edge midpoints with a small bend make 8-vertex outlines like surveyed
            // parcels rather than perfect rectangles.
            let bend = rng.range(-1.5, 1.5);
            let ring = |pts: &[(f64, f64)]| {
                let mut ls: LineString<f64> = pts.iter().map(|&(x, y)| Coord { x, y }).collect();
                ls.close();
                ls
            };
            let (mx, my) = ((a + b) / 2.0, (c + d) / 2.0);
            let kind = rng.f64();
            let geometry = if kind < 0.12 {
                // Notched (L-shaped) parcel.
                let (nx, ny) = (a + (b - a) * 0.55, c + (d - c) * 0.55);
                Geometry::Polygon(Polygon::new(
                    ring(&[
                        (a, c),
                        (mx, c + bend),
                        (b, c),
                        (b, ny),
                        (nx, ny),
                        (nx, d),
                        (a, d),
                        (a, my),
                    ]),
                    vec![],
                ))
            } else if kind < 0.16 {
                // Courtyard parcel with a hole.
                let (ix, iy) = ((b - a) * 0.3, (d - c) * 0.3);
                Geometry::Polygon(Polygon::new(
                    ring(&[
                        (a, c),
                        (mx, c + bend),
                        (b, c),
                        (b, my),
                        (b, d),
                        (mx, d),
                        (a, d),
                        (a, my),
                    ]),
                    vec![ring(&[
                        (a + ix, c + iy),
                        (a + ix, d - iy),
                        (b - ix, d - iy),
                        (b - ix, c + iy),
                    ])],
                ))
            } else if kind < 0.19 {
                // Two parts split by a drainage ditch.
                let gap = 3.0;
                Geometry::MultiPolygon(MultiPolygon(vec![
                    Polygon::new(
                        ring(&[(a, c), (mx - gap, c), (mx - gap, d), (a, d)]),
                        vec![],
                    ),
                    Polygon::new(
                        ring(&[(mx + gap, c), (b, c), (b, d), (mx + gap, d)]),
                        vec![],
                    ),
                ]))
            } else {
                Geometry::Polygon(Polygon::new(
                    ring(&[
                        (a, c),
                        (mx, c + bend),
                        (b, c),
                        (b, my),
                        (b, d),
                        (mx, d - bend),
                        (a, d),
                        (a, my),
                    ]),
                    vec![],
                ))
            };
            let code = if rng.chance(0.7) {
                block_code
            } else {
                CODES[rng.weighted(&codes)].0
            };
            let industrial = code.starts_with("10") || code.starts_with("11");
            out.push(Parcel {
                geometry,
                code,
                far: if industrial {
                    rng.range(1.0, 2.5)
                } else {
                    rng.range(0.5, 3.5)
                },
                density: if industrial {
                    rng.range(40.0, 60.0)
                } else {
                    rng.range(20.0, 40.0)
                },
                green: rng.range(10.0, 35.0),
                height: (rng.range(12.0, 100.0) / 3.0).round() * 3.0,
                status: STATUS[rng.below(STATUS.len())],
            });
        }
    }
    out
}
