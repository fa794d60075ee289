//! Well-known binary geometry, as GeoPackage blobs carry it, read and written.
//!
//! Written here rather than taken from a crate because it is a page of code that
//! must never panic on hostile bytes (every count is checked against the bytes
//! that remain before anything is allocated) and must say what is wrong with a
//! blob, for the warning that skips its feature. ISO WKB (Z, M and ZM as type +
//! 1000, 2000, 3000) and PostGIS's EWKB flags are both read; Z and M are dropped.

use geo::{
    Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon,
    Point, Polygon,
};

/// Nesting deeper than this (collections of collections) is refused.
const MAX_DEPTH: usize = 32;

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self.at.checked_add(n).ok_or("length overflow")?;
        let s = self.bytes.get(self.at..end).ok_or_else(|| {
            format!(
                "the geometry ends early (byte {} of {} needed)",
                end,
                self.bytes.len()
            )
        })?;
        self.at = end;
        Ok(s)
    }

    fn u32(&mut self, little: bool) -> Result<u32, String> {
        let b: [u8; 4] = self.take(4)?.try_into().map_err(|_| "short read")?;
        Ok(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn f64(&mut self, little: bool) -> Result<f64, String> {
        let b: [u8; 8] = self.take(8)?.try_into().map_err(|_| "short read")?;
        Ok(if little {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    }

    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.at)
    }
}

/// Decodes one WKB geometry; `Ok(None)` for an empty one (a point of NaNs, a
/// collection with no members). Returns the geometry and the bytes it used.
pub fn read(bytes: &[u8]) -> Result<(Option<Geometry<f64>>, usize), String> {
    let mut c = Cursor { bytes, at: 0 };
    let g = read_one(&mut c, 0)?;
    Ok((g, c.at))
}

fn read_one(c: &mut Cursor, depth: usize) -> Result<Option<Geometry<f64>>, String> {
    if depth > MAX_DEPTH {
        return Err("geometry collections nested too deep".into());
    }
    let order = *c.take(1)?.first().ok_or("empty")?;
    let little = match order {
        0 => false,
        1 => true,
        b => return Err(format!("byte order {b} is neither 0 nor 1 (not WKB)")),
    };
    let raw = c.u32(little)?;
    // EWKB: flags in the high bits, an SRID after the type.
    let ewkb_z = raw & 0x8000_0000 != 0;
    let ewkb_m = raw & 0x4000_0000 != 0;
    if raw & 0x2000_0000 != 0 {
        c.take(4)?;
    }
    let code = raw & 0x0FFF_FFFF;
    let (base, iso_dims) = (code % 1000, code / 1000);
    let dims = match iso_dims {
        0 => 2 + usize::from(ewkb_z) + usize::from(ewkb_m),
        1 | 2 => 3,
        3 => 4,
        _ => return Err(format!("geometry type {code} is not a WKB type")),
    };
    let coord = |c: &mut Cursor| -> Result<Coord<f64>, String> {
        let x = c.f64(little)?;
        let y = c.f64(little)?;
        for _ in 2..dims {
            c.f64(little)?;
        }
        Ok(Coord { x, y })
    };
    // A count is checked against the bytes left before anything is allocated.
    let count = |c: &mut Cursor, each: usize| -> Result<usize, String> {
        let n = c.u32(little)? as usize;
        if n.saturating_mul(each) > c.remaining() {
            return Err(format!(
                "the geometry ends early: a count of {n} is more than the {} bytes left can hold",
                c.remaining()
            ));
        }
        Ok(n)
    };
    let points = |c: &mut Cursor| -> Result<Vec<Coord<f64>>, String> {
        let n = count(c, 8 * dims)?;
        (0..n).map(|_| coord(c)).collect()
    };
    let finite = |pts: &[Coord<f64>]| pts.iter().all(|p| p.x.is_finite() && p.y.is_finite());
    Ok(match base {
        1 => {
            let p = coord(c)?;
            if p.x.is_nan() && p.y.is_nan() {
                None
            } else if !finite(&[p]) {
                return Err("a coordinate is not a finite number".into());
            } else {
                Some(Geometry::Point(Point(p)))
            }
        }
        2 => {
            let pts = points(c)?;
            if pts.is_empty() {
                return Ok(None);
            }
            if !finite(&pts) {
                return Err("a coordinate is not a finite number".into());
            }
            if pts.len() < 2 {
                return Err("a line has 1 point; it needs at least 2".into());
            }
            Some(Geometry::LineString(LineString(pts)))
        }
        3 => {
            let n = count(c, 4)?;
            let mut rings = Vec::with_capacity(n);
            for _ in 0..n {
                let r = points(c)?;
                if !finite(&r) {
                    return Err("a coordinate is not a finite number".into());
                }
                rings.push(LineString(r));
            }
            if rings.is_empty() {
                return Ok(None);
            }
            let exterior = rings.remove(0);
            if exterior.0.len() < 3 {
                return Err(format!(
                    "the outer ring has {} point(s); a ring needs at least 3",
                    exterior.0.len()
                ));
            }
            Some(Geometry::Polygon(Polygon::new(exterior, rings)))
        }
        4..=7 => {
            let n = count(c, 5)?;
            let mut parts = Vec::with_capacity(n);
            for _ in 0..n {
                if let Some(g) = read_one(c, depth + 1)? {
                    parts.push(g);
                }
            }
            if parts.is_empty() {
                return Ok(None);
            }
            let wrong = || format!("a member of a WKB type {base} collection is of another type");
            Some(match base {
                4 => Geometry::MultiPoint(MultiPoint(
                    parts
                        .into_iter()
                        .map(|g| match g {
                            Geometry::Point(p) => Ok(p),
                            _ => Err(wrong()),
                        })
                        .collect::<Result<_, _>>()?,
                )),
                5 => Geometry::MultiLineString(MultiLineString(
                    parts
                        .into_iter()
                        .map(|g| match g {
                            Geometry::LineString(l) => Ok(l),
                            _ => Err(wrong()),
                        })
                        .collect::<Result<_, _>>()?,
                )),
                6 => Geometry::MultiPolygon(MultiPolygon(
                    parts
                        .into_iter()
                        .map(|g| match g {
                            Geometry::Polygon(p) => Ok(p),
                            _ => Err(wrong()),
                        })
                        .collect::<Result<_, _>>()?,
                )),
                _ => Geometry::GeometryCollection(GeometryCollection(parts)),
            })
        }
        other => {
            return Err(format!(
                "geometry type {other} (curves, surfaces) is not read; only points, lines, polygons and their collections"
            ));
        }
    })
}

/// Encodes a geometry as little-endian 2D WKB.
pub fn write(g: &Geometry<f64>, out: &mut Vec<u8>) {
    let head = |out: &mut Vec<u8>, code: u32| {
        out.push(1);
        out.extend_from_slice(&code.to_le_bytes());
    };
    let coord = |out: &mut Vec<u8>, c: &Coord<f64>| {
        out.extend_from_slice(&c.x.to_le_bytes());
        out.extend_from_slice(&c.y.to_le_bytes());
    };
    let line = |out: &mut Vec<u8>, l: &LineString<f64>| {
        out.extend_from_slice(&(l.0.len() as u32).to_le_bytes());
        for c in &l.0 {
            coord(out, c);
        }
    };
    let polygon = |out: &mut Vec<u8>, p: &Polygon<f64>| {
        head(out, 3);
        out.extend_from_slice(&((1 + p.interiors().len()) as u32).to_le_bytes());
        line(out, p.exterior());
        for r in p.interiors() {
            line(out, r);
        }
    };
    match g {
        Geometry::Point(p) => {
            head(out, 1);
            coord(out, &p.0);
        }
        Geometry::Line(l) => {
            head(out, 2);
            line(out, &LineString(vec![l.start, l.end]));
        }
        Geometry::LineString(l) => {
            head(out, 2);
            line(out, l);
        }
        Geometry::Polygon(p) => polygon(out, p),
        Geometry::Rect(r) => polygon(out, &r.to_polygon()),
        Geometry::Triangle(t) => polygon(out, &t.to_polygon()),
        Geometry::MultiPoint(m) => {
            head(out, 4);
            out.extend_from_slice(&(m.0.len() as u32).to_le_bytes());
            for p in &m.0 {
                head(out, 1);
                coord(out, &p.0);
            }
        }
        Geometry::MultiLineString(m) => {
            head(out, 5);
            out.extend_from_slice(&(m.0.len() as u32).to_le_bytes());
            for l in &m.0 {
                head(out, 2);
                line(out, l);
            }
        }
        Geometry::MultiPolygon(m) => {
            head(out, 6);
            out.extend_from_slice(&(m.0.len() as u32).to_le_bytes());
            for p in &m.0 {
                polygon(out, p);
            }
        }
        Geometry::GeometryCollection(gc) => {
            head(out, 7);
            out.extend_from_slice(&(gc.0.len() as u32).to_le_bytes());
            for g in &gc.0 {
                write(g, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_bad_bytes() {
        let poly = Geometry::Polygon(Polygon::new(
            LineString::from(vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]),
            vec![],
        ));
        let mut out = Vec::new();
        write(&poly, &mut out);
        assert_eq!(read(&out).unwrap(), (Some(poly), out.len()));
        assert!(
            read(&out[..out.len() - 3])
                .unwrap_err()
                .contains("ends early")
        );
        // A count of four billion rings in a 13-byte blob.
        let bomb = [1, 3, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0];
        assert!(read(&bomb).unwrap_err().contains("count"));
        assert!(read(&[7, 1, 0, 0, 0]).is_err());
    }
}
