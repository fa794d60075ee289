//! Undo and redo, from the command history.
//!
//! Before a command that changes the document (selections, layers' order,
//! visibility, opacity, style, names and removal, bookmarks, kept selections) is
//! applied, the parts it can change are kept as a [`Snapshot`]. Snapshots are
//! cheap: layers' data, drawings and selections are shared `Arc`s (selections are
//! changed copy-on-write), so a removed layer of a million parcels is kept by a
//! pointer, not a copy. Undo puts the state of before back and keeps the state of
//! after for redo.
//!
//! Showing and hiding layers are steps of their own kind. Undoing one puts back
//! only which layers were shown; undoing any other step (a selection, a style)
//! leaves the layers shown as they are now, so looking at the map with a layer
//! switched off never comes back when a selection is undone. Toggles one after
//! another are one step, and a layer switched off and on again to peek under it
//! leaves no step at all between two selections.
//!
//! Views are not in this history: panning is not an edit. They have their own,
//! the previous and next extent ([`ExtentHistory`]). So an undone step does not
//! bring back the identify panel of a feature the view no longer shows.

use std::sync::Arc;

use crate::app::draw::DrawLayer;
use crate::app::{Command, MapLayer, ParcelApp};
use crate::landuse::{ClassId, Palette};
use crate::model::Layer;
use crate::project::{Bookmark, LayerSpec, NamedSelection};
use crate::selection::Selection;

/// At most this many steps are kept; older ones are forgotten.
pub const MAX_STEPS: usize = 100;

/// One layer as the history keeps it.
#[derive(Clone)]
struct LayerState {
    spec: LayerSpec,
    path: std::path::PathBuf,
    data: Result<Arc<Layer>, String>,
    draw: Option<Arc<DrawLayer>>,
    opacity: f32,
    classes: Vec<ClassId>,
    selection: Arc<Selection>,
    /// When the layer was added (see [`ParcelApp::next_layer_serial`]).
    serial: u64,
    /// A live layer's worker: a removed live layer brought back by undo keeps
    /// its session.
    live: Option<Arc<std::sync::Mutex<crate::app::map::live::LiveLayer>>>,
}

impl LayerState {
    fn of(l: &MapLayer) -> LayerState {
        LayerState {
            spec: l.spec.clone(),
            path: l.path.clone(),
            data: l.data.clone(),
            draw: l.draw.clone(),
            opacity: l.opacity,
            classes: l.classes.clone(),
            selection: l.selection.clone(),
            serial: l.serial,
            live: l.live.clone(),
        }
    }

    /// Whether two states of a layer are the same for the user: the same layer,
    /// with the same look and the same features selected.
    fn same_as(&self, other: &LayerState) -> bool {
        self.serial == other.serial
            && self.spec == other.spec
            && self.opacity == other.opacity
            && (Arc::ptr_eq(&self.selection, &other.selection)
                || self.selection.ids() == other.selection.ids())
    }
}

/// The document's undoable parts at one moment.
#[derive(Clone)]
pub struct Snapshot {
    layers: Vec<LayerState>,
    bookmarks: Vec<Bookmark>,
    kept_selections: Vec<NamedSelection>,
    active: Option<usize>,
    selected: Option<(usize, usize)>,
    /// The palette the drawings were made in.
    palette: Palette,
    /// Layers added after this serial were not there when the snapshot was taken.
    serial_at: u64,
}

impl Snapshot {
    /// Which layers are shown, by layer.
    fn shown(&self) -> Vec<(u64, bool)> {
        self.layers
            .iter()
            .map(|l| (l.serial, l.spec.visible))
            .collect()
    }

    fn same_as(&self, other: &Snapshot) -> bool {
        self.layers.len() == other.layers.len()
            && self
                .layers
                .iter()
                .zip(&other.layers)
                .all(|(a, b)| a.same_as(b))
            && self.bookmarks == other.bookmarks
            && self.kept_selections == other.kept_selections
    }
}

/// What of a snapshot undo or redo puts back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Everything but which layers are shown (every step but showing and hiding).
    Document,
    /// Only which layers are shown.
    Visibility,
    /// Everything (leaving a briefing).
    All,
}

/// The menu key of showing and hiding layers, whose steps are of their own kind.
const VISIBILITY: &str = "undo_visibility";

fn scope_of(what: &str) -> Scope {
    if what == VISIBILITY {
        Scope::Visibility
    } else {
        Scope::Document
    }
}

/// One undoable step: the state before it and what it was (for the menu's
/// 撤销 … label).
struct Step {
    before: Snapshot,
    what: &'static str,
    /// Steps of the same kind on the same thing made one after another (an
    /// opacity slider's drag) are one step.
    merge_key: Option<(&'static str, usize)>,
}

/// The undo and redo stacks.
#[derive(Default)]
pub struct History {
    undo: Vec<Step>,
    redo: Vec<(Snapshot, &'static str)>,
}

impl History {
    /// What undo would take back, as an interface key.
    pub fn undo_label(&self) -> Option<&'static str> {
        self.undo.last().map(|s| s.what)
    }

    pub fn redo_label(&self) -> Option<&'static str> {
        self.redo.last().map(|s| s.1)
    }

    pub fn clear(&mut self) {
        self.undo.clear();
        self.redo.clear();
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }
}

/// What a command is called in 撤销 … / 重做 …, when it can be undone, and the key
/// under which repeated steps merge.
pub fn undoable(c: &Command) -> Option<(&'static str, Option<(&'static str, usize)>)> {
    let step = |what| Some((what, None));
    match c {
        // Every layer's toggles merge into one step: a planner clicking through
        // the layers to look is making one change of what the map shows.
        Command::SetVisible(..) => Some((VISIBILITY, Some(("visibility", usize::MAX)))),
        Command::SetOpacity(i, _) => Some(("undo_opacity", Some(("opacity", *i)))),
        Command::MoveLayer(..) => step("undo_move_layer"),
        Command::RemoveLayer(..) => step("undo_remove_layer"),
        Command::RenameLayer(..) => step("undo_rename_layer"),
        Command::SetStyle(..) => step("undo_style"),
        Command::ClickFeature { .. }
        | Command::SelectArea(..)
        | Command::SelectWhere(..)
        | Command::SelectFeatures(..)
        | Command::GoToHit(..)
        | Command::InvertSelection
        | Command::SelectAll
        | Command::RestoreSelection(..) => step("undo_selection"),
        Command::ClearSelection => step("undo_clear_selection"),
        Command::AddBookmark
        | Command::UpdateBookmark(..)
        | Command::EditBookmark(..)
        | Command::DeleteBookmark(..)
        | Command::MoveBookmark(..) => step("undo_bookmark"),
        Command::SaveSelection(..) | Command::DeleteSelection(..) => step("undo_kept_selection"),
        _ => None,
    }
}

impl ParcelApp {
    /// The undoable parts of the state now.
    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot {
            layers: self.layers.iter().map(LayerState::of).collect(),
            bookmarks: self.bookmarks.clone(),
            kept_selections: self.project_base.selections.clone(),
            active: self.active,
            selected: self.selected,
            palette: self.settings.palette,
            serial_at: crate::app::current_layer_serial(),
        }
    }

    /// Applies a command, keeping what it changed for undo.
    pub(crate) fn apply_recorded(&mut self, c: Command) {
        let Some((what, merge_key)) = undoable(&c) else {
            self.apply_now(c);
            return;
        };
        let before = self.snapshot();
        self.apply_now(c);
        if before.same_as(&self.snapshot()) {
            return;
        }
        let merges = merge_key.is_some()
            && self
                .history
                .undo
                .last()
                .is_some_and(|s| s.merge_key == merge_key);
        if !merges {
            self.history.undo.push(Step {
                before,
                what,
                merge_key,
            });
            if self.history.undo.len() > MAX_STEPS {
                self.history.undo.remove(0);
            }
        } else if scope_of(what) == Scope::Visibility {
            // Toggles that end where they began (a layer off and on again) are no
            // step: undo would change nothing.
            let shown_now = self.snapshot().shown();
            if self
                .history
                .undo
                .last()
                .is_some_and(|s| s.before.shown() == shown_now)
            {
                self.history.undo.pop();
            }
        }
        self.history.redo.clear();
    }

    /// Takes back the last step.
    pub(crate) fn undo(&mut self) {
        let Some(step) = self.history.undo.pop() else {
            return;
        };
        let now = self.snapshot();
        self.restore(step.before, scope_of(step.what));
        self.history.redo.push((now, step.what));
    }

    /// Does again the last step undone.
    pub(crate) fn redo(&mut self) {
        let Some((after, what)) = self.history.redo.pop() else {
            return;
        };
        let now = self.snapshot();
        self.restore(after, scope_of(what));
        self.history.undo.push(Step {
            before: now,
            what,
            merge_key: None,
        });
    }

    /// Puts a snapshot's state back without marking the project changed (leaving
    /// a briefing).
    pub(crate) fn restore_quietly(&mut self, s: Snapshot) {
        let dirty = self.dirty;
        self.restore(s, Scope::All);
        self.dirty = dirty;
    }

    /// The map's view now, when the map has been drawn.
    pub(crate) fn current_view_pos(&self) -> Option<ViewPos> {
        self.last_view.map(|v| {
            let c = v.centre_lon_lat();
            [c.x, c.y, v.zoom()]
        })
    }

    /// Puts back which layers were shown, and nothing else.
    fn restore_shown(&mut self, s: &Snapshot) {
        for state in &s.layers {
            if let Some(l) = self.layers.iter_mut().find(|l| l.serial == state.serial) {
                l.spec.visible = state.spec.visible;
            }
        }
        self.dirty = true;
    }

    /// Whether the identify panel may show feature `fi` of layer `li` after an
    /// undo: the feature exists, its layer is shown and the view shows its box (the
    /// view is not undone, so a feature panned away from stays closed).
    fn shows_feature(&self, li: usize, fi: usize) -> bool {
        let Some(l) = self.layers.get(li) else {
            return false;
        };
        if !l.data.as_ref().is_ok_and(|d| fi < d.len()) || !l.spec.visible {
            return false;
        }
        let Some(view) = &self.last_view else {
            return true;
        };
        l.draw
            .as_ref()
            .and_then(|d| d.features.get(fi))
            .is_some_and(|f| view.visible(&f.bbox))
    }

    /// Puts a snapshot's state back, as much of it as `scope` says. Layers added
    /// since it was taken (a file that finished loading) stay, after the
    /// snapshot's layers.
    fn restore(&mut self, s: Snapshot, scope: Scope) {
        if scope == Scope::Visibility {
            self.restore_shown(&s);
            return;
        }
        let mut current: Vec<MapLayer> = std::mem::take(&mut self.layers);
        let mut restored = Vec::with_capacity(s.layers.len());
        for state in s.layers {
            let existing = current.iter().position(|l| l.serial == state.serial);
            let mut layer = match existing {
                Some(k) => current.remove(k),
                None => MapLayer::restored(
                    state.spec.clone(),
                    state.path.clone(),
                    state.data.clone(),
                    state.draw.clone(),
                    state.classes.clone(),
                    state.serial,
                    state.live.clone(),
                ),
            };
            let restyled = layer.spec.style != state.spec.style;
            // Outside a briefing, a layer that is here keeps being shown or hidden
            // as it is: that is a step of its own kind.
            let visible = match existing {
                Some(_) if scope == Scope::Document => layer.spec.visible,
                _ => state.spec.visible,
            };
            layer.spec = state.spec;
            layer.spec.visible = visible;
            layer.opacity = state.opacity;
            layer.selection = state.selection;
            if restyled {
                let drawn_for_it = s.palette == self.settings.palette
                    && match (&layer.draw, &state.draw) {
                        (Some(a), Some(b)) => !Arc::ptr_eq(a, b),
                        _ => false,
                    };
                // A drawing still being made for the style undone must not land.
                if let Ok(d) = &layer.data {
                    self.restyling.retain(|(t, _)| !Arc::ptr_eq(t, d));
                }
                if drawn_for_it {
                    layer.draw = state.draw;
                    layer.overlay.replace(None);
                    restored.push((layer, false));
                } else {
                    restored.push((layer, true));
                }
            } else {
                restored.push((layer, false));
            }
        }
        let mut rebuild = Vec::new();
        for (k, (layer, needs_drawing)) in restored.into_iter().enumerate() {
            if needs_drawing {
                rebuild.push(k);
            }
            self.layers.push(layer);
        }
        // Layers loaded after the snapshot was taken are kept; the rest of
        // `current` were removed by the step undone or redone.
        self.layers
            .extend(current.into_iter().filter(|l| l.serial > s.serial_at));
        for k in rebuild {
            self.restyle(k);
        }
        self.bookmarks = s.bookmarks;
        self.project_base.selections = s.kept_selections;
        self.active = s.active.filter(|a| *a < self.layers.len());
        self.selected = s.selected.filter(|&(li, fi)| match scope {
            Scope::All => self
                .layers
                .get(li)
                .is_some_and(|l| l.data.as_ref().is_ok_and(|d| fi < d.len())),
            _ => self.shows_feature(li, fi),
        });
        self.compare = None;
        self.search_results.clear();
        self.dirty = true;
        self.selection_changed();
    }
}

/// A view of the map: its centre's lon/lat and the walkers zoom level.
pub type ViewPos = [f64; 3];

/// Previous and next extent: views the map settled on.
#[derive(Default)]
pub struct ExtentHistory {
    back: Vec<ViewPos>,
    forward: Vec<ViewPos>,
    /// The view the map last settled on.
    settled: Option<ViewPos>,
    /// A view seen this frame that differs from `settled`, and since when.
    moving: Option<(ViewPos, f64)>,
    /// Whether the view is on its way to one asked for by going back or forward,
    /// so settling there is not a new step.
    travelling: bool,
}

/// A view counts as settled when it has not changed for this long.
pub const SETTLE_S: f64 = 0.4;

impl ExtentHistory {
    /// Notes the view of a frame at `now_s`.
    pub fn observe(&mut self, view: ViewPos, now_s: f64) {
        let Some(settled) = self.settled else {
            self.settled = Some(view);
            return;
        };
        if same_view(settled, view) {
            self.moving = None;
            return;
        }
        match self.moving {
            Some((m, since)) if same_view(m, view) => {
                if now_s - since >= SETTLE_S {
                    if !self.travelling {
                        self.back.push(settled);
                        if self.back.len() > MAX_STEPS {
                            self.back.remove(0);
                        }
                        self.forward.clear();
                    }
                    self.travelling = false;
                    self.settled = Some(view);
                    self.moving = None;
                }
            }
            _ => self.moving = Some((view, now_s)),
        }
    }

    /// The view to go back to, if any; the current one becomes the next.
    pub fn back(&mut self) -> Option<ViewPos> {
        let to = self.back.pop()?;
        if let Some(s) = self.settled.replace(to) {
            self.forward.push(s);
        }
        self.moving = None;
        self.travelling = true;
        Some(to)
    }

    pub fn forward(&mut self) -> Option<ViewPos> {
        let to = self.forward.pop()?;
        if let Some(s) = self.settled.replace(to) {
            self.back.push(s);
        }
        self.moving = None;
        self.travelling = true;
        Some(to)
    }

    pub fn can_go_back(&self) -> bool {
        !self.back.is_empty()
    }

    pub fn can_go_forward(&self) -> bool {
        !self.forward.is_empty()
    }
}

/// Two views are the same when their zooms differ by less than a hundredth of a
/// level and their centres by less than half a screen point.
fn same_view(a: ViewPos, b: ViewPos) -> bool {
    let degrees_per_point = 360.0 / (256.0 * 2f64.powf(a[2]));
    (a[2] - b[2]).abs() < 0.01
        && (a[0] - b[0]).abs() < degrees_per_point * 0.5
        && (a[1] - b[1]).abs() < degrees_per_point * 0.5
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extents_settle_before_they_count() {
        let mut h = ExtentHistory::default();
        let a = [120.8, 30.7, 13.0];
        let b = [120.9, 30.7, 14.0];
        h.observe(a, 0.0);
        h.observe(b, 1.0);
        assert!(!h.can_go_back(), "not settled yet");
        h.observe(b, 1.5);
        assert!(h.can_go_back());
        assert_eq!(h.back(), Some(a));
        // Arriving back at a is not a new step.
        h.observe(b, 1.9);
        h.observe(a, 2.0);
        h.observe(a, 2.5);
        assert!(!h.can_go_back());
        assert!(h.can_go_forward());
        assert_eq!(h.forward(), Some(b));
    }
}
