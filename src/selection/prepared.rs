//! A query polygon prepared for many tests: a grid over its box whose cells are
//! known to lie wholly inside, wholly outside, or on the boundary.
//!
//! A lasso over a district holds thousands of parcels, and the exact polygon-polygon
//! predicate costs microseconds each. Most parcels lie well inside or well outside
//! the lasso, where their envelope alone decides the answer; only those whose
//! envelope meets a boundary cell take the exact test. The answer is always the exact
//! one: the grid only skips tests whose outcome it knows.

use geo::{BoundingRect, Coord, LineString, MultiPolygon, Rect};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    Outside,
    Inside,
    Boundary,
}

/// What the grid knows about an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The envelope lies in the polygon's interior.
    Inside,
    /// The envelope lies in the polygon's exterior, away from its boundary.
    Outside,
    /// Only the exact test can tell.
    Unknown,
}

/// A prepared query polygon (see the module docs).
#[derive(Debug, Clone)]
pub struct PreparedArea {
    bbox: Rect<f64>,
    n: usize,
    cell_w: f64,
    cell_h: f64,
    cells: Vec<Cell>,
}

impl PreparedArea {
    /// Prepares an area; the grid's side grows with the number of edges, so cost
    /// stays proportional to the polygon's size.
    pub fn new(area: &MultiPolygon<f64>) -> Option<PreparedArea> {
        let bbox = area.bounding_rect()?;
        let rings: Vec<&LineString<f64>> = area
            .0
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .collect();
        let edges: usize = rings.iter().map(|r| r.0.len()).sum();
        // A fine grid leaves fewer features on boundary cells; preparing it costs a
        // scanline per row, far less than the exact tests it saves.
        let n = ((edges as f64).sqrt() * 16.0).clamp(256.0, 1024.0) as usize;
        let cell_w = bbox.width() / n as f64;
        let cell_h = bbox.height() / n as f64;
        if !(cell_w > 0.0 && cell_h > 0.0) {
            return None;
        }
        let mut grid = PreparedArea {
            bbox,
            n,
            cell_w,
            cell_h,
            cells: vec![Cell::Outside; n * n],
        };
        // Interior by scanlines through each row's centre, polygon by polygon, so
        // overlapping polygons of a multipolygon count as their union.
        let mut xs: Vec<f64> = Vec::new();
        for poly in &area.0 {
            for row in 0..n {
                let y = bbox.min().y + (row as f64 + 0.5) * cell_h;
                xs.clear();
                for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                    for w in ring.lines() {
                        let (a, b) = (w.start, w.end);
                        if (a.y > y) != (b.y > y) {
                            xs.push(a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x));
                        }
                    }
                }
                xs.sort_by(f64::total_cmp);
                for pair in xs.chunks_exact(2) {
                    let &[x0, x1] = pair else { continue };
                    let (c0, c1) = (grid.col_of(x0), grid.col_of(x1));
                    for col in c0..=c1 {
                        let cx = bbox.min().x + (col as f64 + 0.5) * cell_w;
                        if cx > x0
                            && cx < x1
                            && let Some(cell) = grid.cells.get_mut(row * n + col)
                        {
                            *cell = Cell::Inside;
                        }
                    }
                }
            }
        }
        // Cells any edge passes through, or comes within rounding distance of, are
        // boundary cells.
        for ring in &rings {
            for w in ring.lines() {
                grid.mark_edge(w.start, w.end);
            }
        }
        Some(grid)
    }

    fn col_of(&self, x: f64) -> usize {
        (((x - self.bbox.min().x) / self.cell_w).floor().max(0.0) as usize).min(self.n - 1)
    }

    fn row_of(&self, y: f64) -> usize {
        (((y - self.bbox.min().y) / self.cell_h).floor().max(0.0) as usize).min(self.n - 1)
    }

    fn mark_edge(&mut self, a: Coord<f64>, b: Coord<f64>) {
        let eps_x = self.cell_w * 1e-6;
        let eps_y = self.cell_h * 1e-6;
        let (y_lo, y_hi) = (a.y.min(b.y) - eps_y, a.y.max(b.y) + eps_y);
        for row in self.row_of(y_lo)..=self.row_of(y_hi) {
            // The part of the edge within this row's band (widened by eps).
            let band_lo = (self.bbox.min().y + row as f64 * self.cell_h - eps_y).max(y_lo);
            let band_hi = (self.bbox.min().y + (row + 1) as f64 * self.cell_h + eps_y).min(y_hi);
            let x_at = |y: f64| {
                if (b.y - a.y).abs() < f64::MIN_POSITIVE {
                    None
                } else {
                    Some(a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x))
                }
            };
            let (x0, x1) = match (x_at(band_lo), x_at(band_hi)) {
                (Some(p), Some(q)) => {
                    let (lo, hi) = (a.x.min(b.x), a.x.max(b.x));
                    (
                        p.clamp(lo, hi).min(q.clamp(lo, hi)),
                        p.clamp(lo, hi).max(q.clamp(lo, hi)),
                    )
                }
                _ => (a.x.min(b.x), a.x.max(b.x)),
            };
            for col in self.col_of(x0 - eps_x)..=self.col_of(x1 + eps_x) {
                if let Some(c) = self.cells.get_mut(row * self.n + col) {
                    *c = Cell::Boundary;
                }
            }
        }
    }

    /// What the grid knows about a geometry with this envelope.
    pub fn classify(&self, env: &Rect<f64>) -> Verdict {
        let (min, max) = (self.bbox.min(), self.bbox.max());
        let outside_box = env.max().x < min.x
            || env.min().x > max.x
            || env.max().y < min.y
            || env.min().y > max.y;
        if outside_box {
            return Verdict::Outside;
        }
        // An envelope reaching beyond the grid has a part outside the polygon, so it
        // can be neither wholly inside nor known to miss.
        let sticks_out = env.min().x < min.x
            || env.max().x > max.x
            || env.min().y < min.y
            || env.max().y > max.y;
        let (c0, c1) = (self.col_of(env.min().x), self.col_of(env.max().x));
        let (r0, r1) = (self.row_of(env.min().y), self.row_of(env.max().y));
        let (mut inside, mut outside) = (!sticks_out, true);
        for row in r0..=r1 {
            for col in c0..=c1 {
                match self.cells.get(row * self.n + col) {
                    Some(Cell::Inside) => outside = false,
                    Some(Cell::Outside) => inside = false,
                    _ => return Verdict::Unknown,
                }
                if !inside && !outside {
                    return Verdict::Unknown;
                }
            }
        }
        if inside {
            Verdict::Inside
        } else if outside {
            Verdict::Outside
        } else {
            Verdict::Unknown
        }
    }
}
