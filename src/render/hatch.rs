//! Hatching of reserved land (留白用地): its standard colour is white, the colour of
//! the roads on the basemap and in the plan, so a planner took reserved parcels for
//! road. The map, its tiles and every map image hatch them with thin diagonal
//! lines, as printed plans do, so they read as land kept blank, not as a street.

use crate::landuse::{ClassId, LanduseTable};

/// The 2023 code of reserved land (留白用地).
const RESERVED_CODE: &str = "16";

/// The hatch lines' colour: a mid grey that reads on the white fill and is not a
/// class colour.
pub const HATCH_RGB: [u8; 3] = [150, 150, 150];

/// Whether a class is reserved land (留白用地), hatched wherever it is drawn.
pub fn is_hatched(class: Option<ClassId>) -> bool {
    let table = LanduseTable::global();
    class
        .and_then(|c| table.class(c))
        .is_some_and(|c| c.code == RESERVED_CODE)
}

/// Diagonal hatch lines (rising to the right on a y-down image) `spacing` apart
/// across the area the rings enclose (even-odd, so holes stay clear), as segments
/// from edge to edge. The lines lie on `x + y = k · spacing`, fixed to the image
/// and not to the feature, so neighbouring parcels' hatching lines up.
pub fn hatch_segments(rings: &[Vec<(f32, f32)>], spacing: f32) -> Vec<[(f32, f32); 2]> {
    hatch_segments_within(rings, spacing, None)
}

/// [`hatch_segments`], only the lines that cross the box `[x0, y0, x1, y1]` (the
/// part of a large feature a window shows).
pub fn hatch_segments_within(
    rings: &[Vec<(f32, f32)>],
    spacing: f32,
    within: Option<[f32; 4]>,
) -> Vec<[(f32, f32); 2]> {
    let mut out = Vec::new();
    if spacing.is_nan() || spacing <= 0.0 {
        return out;
    }
    let sums = rings.iter().flatten().map(|(x, y)| x + y);
    let (mut lo, mut hi) = sums.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), s| {
        (lo.min(s), hi.max(s))
    });
    if let Some([x0, y0, x1, y1]) = within {
        lo = lo.max(x0 + y0);
        hi = hi.min(x1 + y1);
    }
    if !(lo.is_finite() && hi.is_finite()) {
        return out;
    }
    let mut k = (lo / spacing).ceil();
    let mut crossings: Vec<f32> = Vec::new();
    while k * spacing <= hi {
        let c = k * spacing;
        crossings.clear();
        for ring in rings {
            let n = ring.len();
            for j in 0..n {
                let (Some(&(ax, ay)), Some(&(bx, by))) = (ring.get(j), ring.get((j + 1) % n))
                else {
                    continue;
                };
                let (sa, sb) = (ax + ay - c, bx + by - c);
                // A crossing where the edge goes from one side of the line to the
                // other (a vertex on the line counts for the edge that leaves it).
                if (sa < 0.0) != (sb < 0.0) {
                    let t = sa / (sa - sb);
                    crossings.push(ax + t * (bx - ax));
                }
            }
        }
        crossings.sort_by(f32::total_cmp);
        for pair in crossings.chunks_exact(2) {
            if let &[x0, x1] = pair
                && x1 - x0 > 0.0
            {
                out.push([(x0, c - x0), (x1, c - x1)]);
            }
        }
        k += 1.0;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 100-unit square hatched 10 apart: lines from side to side on x + y = 10k,
    /// each inside the square, their lengths those of the diagonals there.
    #[test]
    fn a_square_is_hatched_from_side_to_side() {
        let square = vec![(0.0, 0.0), (100.0, 0.0), (100.0, 100.0), (0.0, 100.0)];
        let segs = hatch_segments(&[square], 10.0);
        // x + y runs from 0 to 200: the lines 10, 20, … 190 cross it.
        assert_eq!(segs.len(), 19);
        for [a, b] in &segs {
            for (x, y) in [a, b] {
                assert!((-1e-3..=100.001).contains(x) && (-1e-3..=100.001).contains(y));
            }
            assert!((a.0 + a.1 - (b.0 + b.1)).abs() < 1e-3, "on one line");
        }
        let longest = segs
            .iter()
            .map(|[a, b]| ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt())
            .fold(0.0, f32::max);
        // The longest runs corner to corner, along x + y = 100.
        assert!((longest - 100.0 * 2f32.sqrt()).abs() < 1e-3, "{longest}");
    }

    /// A hole is left clear: no hatch point lies inside it.
    #[test]
    fn a_hole_is_not_hatched() {
        let outer = vec![(0.0, 0.0), (100.0, 0.0), (100.0, 100.0), (0.0, 100.0)];
        let hole = vec![(40.0, 40.0), (60.0, 40.0), (60.0, 60.0), (40.0, 60.0)];
        let segs = hatch_segments(&[outer, hole], 5.0);
        for [a, b] in &segs {
            for t in [0.25f32, 0.5, 0.75] {
                let (x, y) = (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1));
                let inside_hole = x > 40.5 && x < 59.5 && y > 40.5 && y < 59.5;
                // A segment ends on the hole's edge, never runs through it.
                let mid_inside = t == 0.5 && inside_hole;
                assert!(!mid_inside, "({x}, {y}) of {a:?}–{b:?}");
            }
        }
        // The line x + y = 100 crosses the hole: it is cut in two there.
        assert_eq!(
            segs.iter()
                .filter(|[a, _]| (a.0 + a.1 - 100.0).abs() < 1e-3)
                .count(),
            2
        );
    }

    #[test]
    fn only_reserved_land_is_hatched() {
        let table = LanduseTable::global();
        assert!(is_hatched(table.by_code(RESERVED_CODE)));
        assert!(!is_hatched(table.by_code("1001")));
        assert!(!is_hatched(None));
    }
}
