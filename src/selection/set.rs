//! The selected features of one layer.

/// How a new set of hits combines with the current selection, as the modifier keys
/// say: plain replaces, Shift adds, Ctrl toggles, Ctrl+Shift removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SelectOp {
    #[default]
    Replace,
    Add,
    Toggle,
    Subtract,
}

/// A selection over a layer of `len` features: the indices in ascending order and a
/// bitmap, so "is this one selected?" is one lookup while drawing a million parcels
/// and listing them costs only what is selected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    ids: Vec<usize>,
    bits: Vec<u64>,
    len: usize,
    /// Counts changes, so drawings of the selection know when they are stale.
    generation: u64,
}

/// Generations are unique in the process, not per selection: a selection brought
/// back by undo keeps the generation it had, which then differs from that of every
/// other state, so drawings made of another state are never taken for it.
fn next_generation() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Selection {
    /// An empty selection over a layer of `len` features.
    pub fn new(len: usize) -> Selection {
        Selection {
            ids: Vec::new(),
            bits: vec![0; len.div_ceil(64)],
            len,
            generation: 0,
        }
    }

    /// A selection of the given features (out-of-range indices are ignored).
    pub fn of(len: usize, ids: &[usize]) -> Selection {
        let mut s = Selection::new(len);
        s.apply(SelectOp::Replace, ids);
        s
    }

    /// The selected features in ascending order.
    pub fn ids(&self) -> &[usize] {
        &self.ids
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// How many times the selection has changed.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// How many features the layer has.
    pub fn layer_len(&self) -> usize {
        self.len
    }

    pub fn contains(&self, i: usize) -> bool {
        self.bits
            .get(i / 64)
            .is_some_and(|w| w & (1u64 << (i % 64)) != 0)
    }

    fn set_bit(&mut self, i: usize, on: bool) {
        if let Some(w) = self.bits.get_mut(i / 64) {
            if on {
                *w |= 1u64 << (i % 64);
            } else {
                *w &= !(1u64 << (i % 64));
            }
        }
    }

    /// Combines `hits` (any order, duplicates allowed) with the selection.
    pub fn apply(&mut self, op: SelectOp, hits: &[usize]) {
        if op == SelectOp::Replace {
            self.clear();
        }
        let len = self.len;
        if op == SelectOp::Toggle {
            // A feature listed twice in one toggle still toggles once.
            let mut unique = hits.to_vec();
            unique.sort_unstable();
            unique.dedup();
            for i in unique.into_iter().filter(|&i| i < len) {
                let now = self.contains(i);
                self.set_bit(i, !now);
            }
        } else {
            let on = op != SelectOp::Subtract;
            for &i in hits.iter().filter(|&&i| i < len) {
                self.set_bit(i, on);
            }
        }
        self.rebuild_ids();
    }

    /// Selects what was not selected.
    pub fn invert(&mut self) {
        for w in &mut self.bits {
            *w = !*w;
        }
        // Bits past the layer's end stay clear.
        let tail = self.len % 64;
        if tail != 0
            && let Some(last) = self.bits.last_mut()
        {
            *last &= (1u64 << tail) - 1;
        }
        self.rebuild_ids();
    }

    pub fn select_all(&mut self) {
        self.clear();
        self.invert();
    }

    pub fn clear(&mut self) {
        self.bits.iter_mut().for_each(|w| *w = 0);
        self.ids.clear();
        self.generation = next_generation();
    }

    fn rebuild_ids(&mut self) {
        self.generation = next_generation();
        self.ids.clear();
        for (k, &w) in self.bits.iter().enumerate() {
            let mut w = w;
            while w != 0 {
                let b = w.trailing_zeros() as usize;
                self.ids.push(k * 64 + b);
                w &= w - 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations() {
        let mut s = Selection::new(130);
        s.apply(SelectOp::Replace, &[5, 3, 129, 200]);
        assert_eq!(s.ids(), &[3, 5, 129]);
        s.apply(SelectOp::Add, &[64]);
        assert_eq!(s.ids(), &[3, 5, 64, 129]);
        s.apply(SelectOp::Toggle, &[5, 6]);
        assert_eq!(s.ids(), &[3, 6, 64, 129]);
        // A feature listed twice in one toggle toggles once.
        s.apply(SelectOp::Toggle, &[7, 7]);
        assert_eq!(s.ids(), &[3, 6, 7, 64, 129]);
        s.apply(SelectOp::Subtract, &[3, 4, 7]);
        assert_eq!(s.ids(), &[6, 64, 129]);
        s.invert();
        assert_eq!(s.len(), 127);
        assert!(!s.contains(6) && s.contains(0) && !s.contains(130));
        s.select_all();
        assert_eq!(s.len(), 130);
        s.clear();
        assert!(s.is_empty());
    }
}
