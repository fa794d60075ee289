//! Spatial indexes over feature envelopes (lon/lat degrees), built once per layer.
//!
//! Two structures share the work. A packed R-tree (boxes sorted along a Hilbert
//! curve, sixteen to a node, in flat arrays) answers rectangle and polygon queries. Point picks, the hot path of hovering and clicking, go
//! through a uniform grid instead: one cell lookup and a short contiguous list, about
//! three cache misses where a tree descent costs a dozen. Features whose envelope
//! spans many cells (district outlines, long roads) stay out of the grid and are
//! found through a small tree of their own.
//!
//! The indexes only narrow candidates by bounding box; the exact tests with `geo`
//! predicates live in [`crate::selection`].

use geo::Rect;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RStarInsertionStrategy, RTree, RTreeParams};

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
    tree: PackedTree,
    grid: PointGrid,
}

/// Entries a node of the packed tree holds.
const NODE: usize = 16;

/// A static R-tree packed from sorted boxes: the features' boxes in Hilbert order
/// of their centres, then each level's node boxes, sixteen children to a node, up
/// to the root.
///
/// Built once and never changed, it needs no node objects: a level is a run of
/// boxes and node `j`'s children are boxes `j * 16 .. j * 16 + 16` of the level
/// below. That is some 36 bytes a feature, where a tree of node objects (rstar's)
/// takes over 60 and a further 40 while it is built; and the sort that builds it
/// runs in parallel.
#[derive(Debug, Clone, Default)]
struct PackedTree {
    /// `[min x, min y, max x, max y]` of every level, the features' own first.
    boxes: Vec<[f64; 4]>,
    /// The feature of each leaf box.
    ids: Vec<u32>,
    /// Where each level starts in `boxes`, and the end of the last (the root's).
    levels: Vec<usize>,
}

/// The distance along a Hilbert curve over a 65 536 × 65 536 grid of the cell
/// (x, y): cells near each other on the map are mostly near each other along it.
fn hilbert(mut x: u32, mut y: u32) -> u64 {
    const N: u32 = 1 << 16;
    let mut d = 0u64;
    let mut s = N / 2;
    while s > 0 {
        let rx = u32::from(x & s > 0);
        let ry = u32::from(y & s > 0);
        d += u64::from(s) * u64::from(s) * u64::from((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                x = N - 1 - x;
                y = N - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    d
}

fn union(a: [f64; 4], b: [f64; 4]) -> [f64; 4] {
    [
        a[0].min(b[0]),
        a[1].min(b[1]),
        a[2].max(b[2]),
        a[3].max(b[3]),
    ]
}

impl PackedTree {
    fn build(envelopes: &[Option<Rect<f64>>]) -> PackedTree {
        use rayon::prelude::*;
        let boxes: Vec<(u32, [f64; 4])> = envelopes
            .par_iter()
            .enumerate()
            .filter_map(|(i, r)| {
                r.map(|r| (i as u32, [r.min().x, r.min().y, r.max().x, r.max().y]))
            })
            .collect();
        let Some(extent) = boxes.par_iter().map(|b| b.1).reduce_with(union) else {
            return PackedTree::default();
        };
        let scale = |v: f64, lo: f64, hi: f64| -> u32 {
            let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.0 };
            (t * 65_535.0).clamp(0.0, 65_535.0) as u32
        };
        let mut keyed: Vec<(u64, u32)> = boxes
            .par_iter()
            .enumerate()
            .map(|(k, (_, b))| {
                let cx = scale((b[0] + b[2]) / 2.0, extent[0], extent[2]);
                let cy = scale((b[1] + b[3]) / 2.0, extent[1], extent[3]);
                (hilbert(cx, cy), k as u32)
            })
            .collect();
        keyed.par_sort_unstable();
        let (ids, mut all): (Vec<u32>, Vec<[f64; 4]>) = keyed
            .par_iter()
            .filter_map(|&(_, k)| boxes.get(k as usize).copied())
            .unzip();
        drop(boxes);
        drop(keyed);
        let mut levels = vec![0, all.len()];
        let mut start = 0;
        while all.len() - start > 1 {
            let end = all.len();
            let parents: Vec<[f64; 4]> = all
                .get(start..end)
                .unwrap_or_default()
                .par_chunks(NODE)
                .filter_map(|c| c.iter().copied().reduce(union))
                .collect();
            all.extend(parents);
            levels.push(all.len());
            start = end;
        }
        PackedTree {
            boxes: all,
            ids,
            levels,
        }
    }

    fn len(&self) -> usize {
        self.ids.len()
    }

    /// The features whose box meets `q` (`[min x, min y, max x, max y]`, edges
    /// included), with their boxes.
    fn query(&self, q: [f64; 4]) -> PackedQuery<'_> {
        let mut stack = Vec::new();
        // The top level, whatever its size: one root, or the one leaf of a layer
        // of one feature.
        if let [.., start, end] = self.levels.as_slice() {
            let top = self.levels.len() - 2;
            stack.extend((0..end - start).map(|j| (top, j)));
        }
        PackedQuery {
            tree: self,
            q,
            stack,
        }
    }
}

struct PackedQuery<'t> {
    tree: &'t PackedTree,
    q: [f64; 4],
    /// (level, index within the level) of boxes still to look at.
    stack: Vec<(usize, usize)>,
}

impl Iterator for PackedQuery<'_> {
    type Item = (u32, [f64; 4]);

    fn next(&mut self) -> Option<(u32, [f64; 4])> {
        let q = self.q;
        let meets = |b: &[f64; 4]| b[0] <= q[2] && b[2] >= q[0] && b[1] <= q[3] && b[3] >= q[1];
        while let Some((level, j)) = self.stack.pop() {
            let start = self.tree.levels.get(level).copied().unwrap_or(0);
            let Some(b) = self.tree.boxes.get(start + j) else {
                continue;
            };
            if !meets(b) {
                continue;
            }
            if level == 0 {
                if let Some(&id) = self.tree.ids.get(j) {
                    return Some((id, *b));
                }
                continue;
            }
            let below = self.tree.levels.get(level - 1).copied().unwrap_or(0);
            let below_len = start - below;
            let first = j * NODE;
            let last = (first + NODE).min(below_len);
            // Pushed in reverse so that children come out in order.
            self.stack
                .extend((first..last).rev().map(|k| (level - 1, k)));
        }
        None
    }
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
    /// Builds both indexes over the envelopes; features without geometry are left
    /// out.
    pub fn build(envelopes: &[Option<Rect<f64>>]) -> SpatialIndex {
        let (tree, grid) = rayon::join(
            || PackedTree::build(envelopes),
            || PointGrid::build(envelopes),
        );
        SpatialIndex { tree, grid }
    }

    pub fn len(&self) -> usize {
        self.tree.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.len() == 0
    }

    /// Features whose envelope contains the point (lon, lat), in no particular order.
    pub fn at_point(&self, lon_lat: [f64; 2]) -> impl Iterator<Item = usize> + '_ {
        self.grid.at_point(lon_lat)
    }

    /// Features whose envelope intersects the rectangle, with a flag that says whether
    /// the envelope lies wholly inside it (so the feature needs no exact test).
    pub fn in_rect(&self, rect: Rect<f64>) -> impl Iterator<Item = (usize, bool)> + '_ {
        let q = [rect.min().x, rect.min().y, rect.max().x, rect.max().y];
        self.tree.query(q).map(move |(id, b)| {
            let inside = b[0] >= q[0] && b[1] >= q[1] && b[2] <= q[2] && b[3] <= q[3];
            (id as usize, inside)
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
        for k in 0..500 {
            let (x, y) = (119.9 + 1.7 * next(), 29.9 + 1.6 * next());
            // Degenerate boxes (a point, a line) too.
            let (w, h) = match k % 5 {
                0 => (0.0, 0.0),
                1 => (0.3 * next(), 0.0),
                _ => (0.3 * next(), 0.3 * next()),
            };
            let q = Rect::new(coord! { x: x, y: y }, coord! { x: x + w, y: y + h });
            let mut got: Vec<(usize, bool)> = index.in_rect(q).collect();
            got.sort();
            let want: Vec<(usize, bool)> = envelopes
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    let r = (*r)?;
                    let meets = r.min().x <= q.max().x
                        && r.max().x >= q.min().x
                        && r.min().y <= q.max().y
                        && r.max().y >= q.min().y;
                    let inside = r.min().x >= q.min().x
                        && r.min().y >= q.min().y
                        && r.max().x <= q.max().x
                        && r.max().y <= q.max().y;
                    meets.then_some((i, inside))
                })
                .collect();
            assert_eq!(got, want, "in {q:?}");
        }
        // The features' own boxes are found, each once.
        let all = Rect::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 200.0, y: 90.0 });
        assert_eq!(index.in_rect(all).count(), index.len());
        assert_eq!(index.len(), envelopes.iter().flatten().count());
    }

    #[test]
    fn layers_of_none_one_and_a_few_features_are_searched() {
        let b = |x: f64| {
            Some(Rect::new(
                coord! { x: x, y: 0.0 },
                coord! { x: x + 1.0, y: 1.0 },
            ))
        };
        let q = Rect::new(coord! { x: -10.0, y: -10.0 }, coord! { x: 100.0, y: 10.0 });
        for n in [0usize, 1, 2, 16, 17, 300] {
            let envelopes: Vec<Option<Rect<f64>>> = (0..n)
                .map(|i| if i % 7 == 3 { None } else { b(i as f64 / 4.0) })
                .collect();
            let index = SpatialIndex::build(&envelopes);
            let mut got: Vec<usize> = index.in_rect(q).map(|(i, _)| i).collect();
            got.sort();
            let want: Vec<usize> = (0..n).filter(|i| envelopes[*i].is_some()).collect();
            assert_eq!(got, want, "{n} features");
        }
    }
}
