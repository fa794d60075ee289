//! An R*-tree over feature envelopes (lon/lat degrees), bulk-loaded once per layer.
//!
//! The tree only narrows candidates by bounding box; the exact tests with `geo`
//! predicates live in [`crate::selection`].

use geo::Rect;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

type Entry = GeomWithData<Rectangle<[f64; 2]>, u32>;

#[derive(Debug, Clone, Default)]
pub struct SpatialIndex {
    tree: RTree<Entry>,
}

impl SpatialIndex {
    /// Bulk-loads the envelopes; features without geometry are left out.
    pub fn build(envelopes: &[Option<Rect<f64>>]) -> SpatialIndex {
        let entries: Vec<Entry> = envelopes
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let r = r.as_ref()?;
                let rect = Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
                Some(GeomWithData::new(rect, i as u32))
            })
            .collect();
        SpatialIndex {
            tree: RTree::bulk_load(entries),
        }
    }

    pub fn len(&self) -> usize {
        self.tree.size()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }

    /// Features whose envelope contains the point (lon, lat).
    pub fn at_point(&self, lon_lat: [f64; 2]) -> impl Iterator<Item = usize> + '_ {
        self.tree
            .locate_all_at_point(&lon_lat)
            .map(|e| e.data as usize)
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
