//! Spatial indexes over feature envelopes (lon/lat degrees), built once per layer.
//!
//! Two structures share the work. An R*-tree (rstar, bulk-loaded) answers rectangle
//! and polygon queries. Point picks, the hot path of hovering and clicking, go
//! through a uniform grid instead: one cell lookup and a short contiguous list, about
//! three cache misses where a tree descent costs a dozen. Features whose envelope
//! spans many cells (district outlines, long roads) stay out of the grid and are
//! found through a small tree of their own.
//!
//! The indexes only narrow candidates by bounding box; the exact tests with `geo`
//! predicates live in [`crate::selection`].

use geo::Rect;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RStarInsertionStrategy, RTree, RTreeParams};

type Entry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// Wider nodes than rstar's default (6): parcels are small, evenly spread boxes, and
/// a shallower tree visits fewer nodes per query.
#[derive(Debug, Clone, Copy, Default)]
pub struct WideNodes;

impl RTreeParams for WideNodes {
    const MIN_SIZE: usize = 4;
    const MAX_SIZE: usize = 16;
    const REINSERTION_COUNT: usize = 3;
    type DefaultInsertionStrategy = RStarInsertionStrategy;
}

/// A feature whose envelope covers more grid cells than this goes to the tree of
/// large features instead of the grid.
const MAX_CELLS_PER_FEATURE: usize = 16;

#[derive(Debug, Clone, Default)]
pub struct SpatialIndex {
    tree: RTree<Entry, WideNodes>,
    grid: PointGrid,
}

/// A uniform grid over the layer's extent, stored as compressed rows: the features
/// of cell `c` are `items[offsets[c]..offsets[c + 1]]`.
#[derive(Debug, Clone, Default)]
struct PointGrid {
    min: [f64; 2],
    /// Cells per degree along x and y.
    scale: [f64; 2],
    nx: usize,
    ny: usize,
    offsets: Vec<u32>,
    items: Vec<GridItem>,
    large: RTree<Entry, WideNodes>,
}

/// A feature in a grid cell with its envelope inline, so the candidate test reads
/// the same cache lines as the cell list. The envelope is relative to the grid's
/// corner in `f32`, rounded outwards: a candidate filter may include a little more
/// than the exact envelope, never less.
#[derive(Debug, Clone, Copy, Default)]
struct GridItem {
    id: u32,
    rel_box: [f32; 4],
}

fn down(v: f64) -> f32 {
    let f = v as f32;
    if f as f64 > v { f.next_down() } else { f }
}

fn up(v: f64) -> f32 {
    let f = v as f32;
    if (f as f64) < v { f.next_up() } else { f }
}

fn entry(i: usize, r: &Rect<f64>) -> Entry {
    GeomWithData::new(
        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
        i as u32,
    )
}

impl PointGrid {
    fn build(envelopes: &[Option<Rect<f64>>]) -> PointGrid {
        let mut it = envelopes.iter().flatten();
        let Some(first) = it.next() else {
            return PointGrid::default();
        };
        let (mut lo, mut hi) = (
            [first.min().x, first.min().y],
            [first.max().x, first.max().y],
        );
        let mut count = 1usize;
        for r in it {
            lo = [lo[0].min(r.min().x), lo[1].min(r.min().y)];
            hi = [hi[0].max(r.max().x), hi[1].max(r.max().y)];
            count += 1;
        }
        // About one cell per three features, shaped like the extent, capped for
        // memory: cells a little larger than a parcel keep most parcels in one or
        // two cells and each cell's list within a cache line or two.
        let (w, h) = ((hi[0] - lo[0]).max(1e-9), (hi[1] - lo[1]).max(1e-9));
        let cells = (count / 3).clamp(1, 4_000_000) as f64;
        let nx = ((cells * w / h).sqrt().ceil() as usize).clamp(1, 4096);
        let ny = ((cells / nx as f64).ceil() as usize).clamp(1, 4096);
        let scale = [nx as f64 / w, ny as f64 / h];
        let mut grid = PointGrid {
            min: lo,
            scale,
            nx,
            ny,
            offsets: vec![0; nx * ny + 1],
            items: Vec::new(),
            large: RTree::default(),
        };
        // Two passes (count, then fill) keep the item lists contiguous; the cell span
        // of each feature is recomputed in the second pass rather than stored, which
        // would cost more memory than the grid itself.
        let span = |grid: &PointGrid, r: &Rect<f64>| -> Option<(usize, usize, usize, usize)> {
            let (x0, y0) = grid.cell_of(r.min().x, r.min().y);
            let (x1, y1) = grid.cell_of(r.max().x, r.max().y);
            ((x1 - x0 + 1) * (y1 - y0 + 1) <= MAX_CELLS_PER_FEATURE).then_some((x0, y0, x1, y1))
        };
        let mut large = Vec::new();
        for (i, r) in envelopes.iter().enumerate() {
            let Some(r) = r else { continue };
            let Some((x0, y0, x1, y1)) = span(&grid, r) else {
                large.push(entry(i, r));
                continue;
            };
            for y in y0..=y1 {
                for x in x0..=x1 {
                    if let Some(o) = grid.offsets.get_mut(y * nx + x + 1) {
                        *o += 1;
                    }
                }
            }
        }
        // Counts to running offsets.
        let mut running = 0;
        for o in &mut grid.offsets {
            running += *o;
            *o = running;
        }
        let mut fill: Vec<u32> = grid.offsets.clone();
        grid.items = vec![GridItem::default(); grid.offsets.last().copied().unwrap_or(0) as usize];
        for (i, r) in envelopes.iter().enumerate() {
            let Some(r) = r else { continue };
            let Some((x0, y0, x1, y1)) = span(&grid, r) else {
                continue;
            };
            let rel_box = [
                down(r.min().x - lo[0]),
                down(r.min().y - lo[1]),
                up(r.max().x - lo[0]),
                up(r.max().y - lo[1]),
            ];
            for y in y0..=y1 {
                for x in x0..=x1 {
                    if let Some(f) = fill.get_mut(y * nx + x) {
                        if let Some(slot) = grid.items.get_mut(*f as usize) {
                            *slot = GridItem {
                                id: i as u32,
                                rel_box,
                            };
                        }
                        *f += 1;
                    }
                }
            }
        }
        grid.large = RTree::bulk_load_with_params(large);
        grid
    }

    fn cell_of(&self, x: f64, y: f64) -> (usize, usize) {
        let cx = ((x - self.min[0]) * self.scale[0]).floor();
        let cy = ((y - self.min[1]) * self.scale[1]).floor();
        (
            (cx.max(0.0) as usize).min(self.nx - 1),
            (cy.max(0.0) as usize).min(self.ny - 1),
        )
    }

    fn at_point(&self, p: [f64; 2]) -> impl Iterator<Item = usize> + '_ {
        let inside = self.nx > 0
            && p[0] >= self.min[0]
            && p[1] >= self.min[1]
            && p[0] <= self.min[0] + self.nx as f64 / self.scale[0]
            && p[1] <= self.min[1] + self.ny as f64 / self.scale[1];
        let items: &[GridItem] = if inside {
            let (x, y) = self.cell_of(p[0], p[1]);
            let c = y * self.nx + x;
            match (self.offsets.get(c), self.offsets.get(c + 1)) {
                (Some(&a), Some(&b)) => self.items.get(a as usize..b as usize).unwrap_or(&[]),
                _ => &[],
            }
        } else {
            &[]
        };
        let (rx, ry) = (p[0] - self.min[0], p[1] - self.min[1]);
        let small = items
            .iter()
            .filter(move |it| {
                let b = it.rel_box;
                rx >= b[0] as f64 && ry >= b[1] as f64 && rx <= b[2] as f64 && ry <= b[3] as f64
            })
            .map(|it| it.id as usize);
        let large = (self.large.size() > 0)
            .then(|| self.large.locate_all_at_point(&p).map(|e| e.data as usize))
            .into_iter()
            .flatten();
        small.chain(large)
    }
}

impl SpatialIndex {
    /// Bulk-loads the envelopes; features without geometry are left out.
    pub fn build(envelopes: &[Option<Rect<f64>>]) -> SpatialIndex {
        let entries: Vec<Entry> = envelopes
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.as_ref().map(|r| entry(i, r)))
            .collect();
        let (tree, grid) = rayon::join(
            || RTree::bulk_load_with_params(entries),
            || PointGrid::build(envelopes),
        );
        SpatialIndex { tree, grid }
    }

    pub fn len(&self) -> usize {
        self.tree.size()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }

    /// Features whose envelope contains the point (lon, lat), in no particular order.
    pub fn at_point(&self, lon_lat: [f64; 2]) -> impl Iterator<Item = usize> + '_ {
        self.grid.at_point(lon_lat)
    }

    /// Features whose envelope intersects the rectangle, with a flag that says whether
    /// the envelope lies wholly inside it (so the feature needs no exact test).
    pub fn in_rect(&self, rect: Rect<f64>) -> impl Iterator<Item = (usize, bool)> + '_ {
        let query = AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
        self.tree
            .locate_in_envelope_intersecting(&query)
            .map(move |e| {
                let (lo, hi) = (e.geom().lower(), e.geom().upper());
                let inside = lo[0] >= query.lower()[0]
                    && lo[1] >= query.lower()[1]
                    && hi[0] <= query.upper()[0]
                    && hi[1] <= query.upper()[1];
                (e.data as usize, inside)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::coord;

    #[test]
    fn grid_and_tree_agree_with_brute_force() {
        let mut envelopes = Vec::new();
        let mut s = 11u64;
        let mut next = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        for i in 0..2000 {
            if i % 97 == 0 {
                envelopes.push(None);
                continue;
            }
            let (x, y) = (120.0 + next(), 30.0 + next());
            // Mostly small boxes, some huge ones that go to the large-feature tree.
            let (w, h) = if i % 50 == 0 {
                (0.6, 0.5)
            } else {
                (0.01 * next(), 0.01 * next())
            };
            envelopes.push(Some(Rect::new(
                coord! { x: x, y: y },
                coord! { x: x + w, y: y + h },
            )));
        }
        let index = SpatialIndex::build(&envelopes);
        assert!(index.grid.large.size() > 0);
        for _ in 0..2000 {
            let p = [119.9 + 1.7 * next(), 29.9 + 1.6 * next()];
            let mut got: Vec<usize> = index.at_point(p).collect();
            got.sort();
            let want: Vec<usize> = envelopes
                .iter()
                .enumerate()
                .filter(|(_, r)| {
                    r.is_some_and(|r| {
                        p[0] >= r.min().x
                            && p[0] <= r.max().x
                            && p[1] >= r.min().y
                            && p[1] <= r.max().y
                    })
                })
                .map(|(i, _)| i)
                .collect();
            assert_eq!(got, want, "at {p:?}");
        }
    }
}
