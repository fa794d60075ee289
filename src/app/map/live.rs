//! Live PostGIS layers in the window: a worker thread per layer owns the
//! server session and answers the map's questions (the rows of a view, a
//! selection with its balance, the balance of the view or the whole table).
//!
//! The interface never waits on the network. The map keeps drawing the rows of
//! the last answered view while the next view is asked for; a burst of pans
//! leaves only the newest question, because the worker drops the views that were
//! overtaken before it reaches them.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::sync::{Arc, Mutex, MutexGuard};

use geo::Rect;

use crate::app::{FitRequest, Level, LoadFailure, MapLayer, ParcelApp};
use crate::landuse::Palette;
use crate::selection::{SelectOp, Selection};
use crate::sources::postgis::Address;
use crate::sources::postgis::live::{LiveGrouping, LiveTable, Region, ServerStats, ViewRows};
use crate::sources::{LoadError, LoadOptions};

use super::draw::DrawLayer;
use crate::project::StyleSpec;

/// Rows a view may hold before the map shows the first ones and says how many
/// more there are. 30 000 parcels draw in a frame budget on this class of machine.
pub const VIEW_ROW_CAP: usize = 30_000;

/// How much wider than the view its rows are asked for, on each side, as a share of
/// the view's size, so that a short pan stays inside rows already here.
const VIEW_MARGIN: f64 = 0.25;

/// A question for the worker.
enum Ask {
    View {
        rect: Rect<f64>,
        tolerance_deg: f64,
        serial: u64,
        style: Box<StyleSpec>,
        palette: Palette,
    },
    Select {
        steps: Vec<(Region, SelectOp)>,
        serial: u64,
    },
    ViewStats {
        rect: Rect<f64>,
    },
}

/// The worker's answers.
enum Answer {
    Opened {
        extent: Option<Rect<f64>>,
        empty: Box<crate::model::Layer>,
        rows_estimate: Option<u64>,
    },
    Whole(Box<ServerStats>),
    View(Box<ViewAnswer>),
    Selected {
        serial: u64,
        ids: Vec<(String, f64)>,
        stats: Box<ServerStats>,
    },
    ViewStats {
        rect: Rect<f64>,
        stats: Box<ServerStats>,
    },
    Failed(LoadError),
    /// Questions overtaken by newer ones of their kind, left unanswered.
    Dropped(usize),
}

/// The rows of a view, ready to draw.
pub struct ViewAnswer {
    pub rect: Rect<f64>,
    pub serial: u64,
    pub layer: crate::model::Layer,
    pub draw: DrawLayer,
    /// Whether the view held more rows than [`VIEW_ROW_CAP`].
    pub more: bool,
    /// Rows whose geometry could not be decoded.
    pub bad: usize,
}

/// A selection the server made: the ids of its rows (sorted) and its balance.
pub struct LiveSelection {
    pub ids: Vec<String>,
    pub stats: Arc<ServerStats>,
}

/// What changed when the worker's answers were taken in.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Taken {
    /// The table opened (its extent and fields are known).
    pub opened: bool,
    /// The whole table's balance arrived.
    pub whole: bool,
    /// New rows for the map.
    pub view: bool,
    /// A new server selection.
    pub selection: bool,
    /// A new balance of the view.
    pub view_stats: bool,
    /// A failure to report.
    pub failed: bool,
}

/// A live table as the window holds it.
pub struct LiveLayer {
    pub address: Address,
    /// The map's worker (view rows) and the sums' worker (selections and
    /// balances).
    asks_map: Sender<Ask>,
    asks_sums: Sender<Ask>,
    answers: Receiver<Answer>,
    /// The view rows were last asked for, with the tolerance they were simplified to.
    asked: Option<(Rect<f64>, f64)>,
    /// Rows that arrived and wait to be taken by the layer.
    pub fresh_view: Option<Box<ViewAnswer>>,
    /// The box the drawn rows cover, and whether the view had more rows than shown.
    pub shown: Option<(Rect<f64>, bool)>,
    pub extent: Option<Rect<f64>>,
    /// The server's estimate of the table's rows.
    pub rows_estimate: Option<u64>,
    pub whole: Option<Arc<ServerStats>>,
    /// The project's entry for the layer, when a project opened it.
    pub spec: Option<crate::project::LayerSpec>,
    /// The table's layer with no rows (its fields and roles), until the window
    /// takes it as the layer's first data.
    pub empty: Option<Box<crate::model::Layer>>,
    /// The selection as steps: the server evaluates them as one predicate.
    pub steps: Vec<(Region, SelectOp)>,
    pub selection: Option<LiveSelection>,
    /// The balance of a view (asked for when the statistics show the view).
    pub view_stats: Option<(Rect<f64>, Arc<ServerStats>)>,
    view_stats_asked: Option<Rect<f64>>,
    /// The newest question of each kind; older answers are dropped.
    serial: u64,
    select_serial: u64,
    /// Questions asked and not yet answered.
    pending: usize,
    /// The last failure, in the loader's words.
    pub failure: Option<LoadError>,
    /// The worker stopped (its session is gone); asking again restarts nothing,
    /// the layer must be opened again.
    pub stopped: bool,
}

impl LiveLayer {
    /// Starts the worker: it connects, reads the catalogue, the extent and the
    /// whole table's balance, then answers questions until the layer is dropped.
    pub fn open(
        address: Address,
        options: LoadOptions,
        repaint: Arc<dyn Fn() + Send + Sync>,
    ) -> LiveLayer {
        let (asks_map, asked_map) = channel::<Ask>();
        let (asks_sums, asked_sums) = channel::<Ask>();
        let (answer, answers) = channel::<Answer>();
        // Two sessions: the map's rows never wait behind a balance of millions
        // of rows, and a selection's sums never wait behind a pan.
        let (a, o, r, tx) = (
            address.clone(),
            options.clone(),
            repaint.clone(),
            answer.clone(),
        );
        std::thread::spawn(move || {
            let send = Sender::clone(&tx);
            serve(
                &a,
                &o,
                asked_map,
                &move |x| {
                    let ok = send.send(x).is_ok();
                    r();
                    ok
                },
                true,
            )
        });
        let a = address.clone();
        std::thread::spawn(move || {
            serve(
                &a,
                &options,
                asked_sums,
                &move |x| {
                    let ok = answer.send(x).is_ok();
                    repaint();
                    ok
                },
                false,
            )
        });
        LiveLayer {
            address,
            asks_map,
            asks_sums,
            answers,
            asked: None,
            fresh_view: None,
            shown: None,
            extent: None,
            rows_estimate: None,
            whole: None,
            empty: None,
            spec: None,
            steps: Vec::new(),
            selection: None,
            view_stats: None,
            view_stats_asked: None,
            serial: 0,
            select_serial: 0,
            pending: 2,
            failure: None,
            stopped: false,
        }
    }

    /// Whether an answer is awaited.
    pub fn busy(&self) -> bool {
        self.pending > 0
    }

    /// Asks for the rows of a view when the rows here do not cover it, or were
    /// simplified for a much coarser zoom. `degrees_per_point` is the view's
    /// size of a screen point in degrees of longitude.
    pub fn want_view(
        &mut self,
        view: Rect<f64>,
        degrees_per_point: f64,
        style: &StyleSpec,
        palette: Palette,
    ) {
        if self.stopped {
            return;
        }
        let tolerance_deg = degrees_per_point * 0.5;
        if let Some((r, tol)) = self.asked
            && covers(&r, &view)
            && tolerance_deg >= tol * 0.5
            && tolerance_deg <= tol * 2.0
        {
            return;
        }
        let (w, h) = (view.width() * VIEW_MARGIN, view.height() * VIEW_MARGIN);
        let rect = Rect::new(
            (view.min().x - w, view.min().y - h),
            (view.max().x + w, view.max().y + h),
        );
        self.serial += 1;
        self.asked = Some((rect, tolerance_deg));
        self.ask(Ask::View {
            rect,
            tolerance_deg,
            serial: self.serial,
            style: Box::new(style.clone()),
            palette,
        });
    }

    /// Asks for the balance of a view, once per view.
    pub fn want_view_stats(&mut self, view: Rect<f64>) {
        if self.stopped || self.view_stats_asked == Some(view) {
            return;
        }
        self.view_stats_asked = Some(view);
        self.ask(Ask::ViewStats { rect: view });
    }

    /// Applies a step to the selection and asks the server for its rows and
    /// balance. An empty selection asks nothing.
    pub fn select(&mut self, region: Region, op: SelectOp) {
        match op {
            SelectOp::Replace => self.steps = vec![(region, op)],
            _ if self.steps.is_empty() && op == SelectOp::Subtract => {}
            _ if self.steps.is_empty() => self.steps = vec![(region, SelectOp::Replace)],
            _ => self.steps.push((region, op)),
        }
        self.ask_selection();
    }

    /// Sets the selection's steps (undo, a kept selection) and asks again.
    pub fn set_steps(&mut self, steps: Vec<(Region, SelectOp)>) {
        if steps != self.steps {
            self.steps = steps;
            self.ask_selection();
        }
    }

    fn ask_selection(&mut self) {
        self.select_serial += 1;
        if self.steps.is_empty() {
            self.selection = None;
            return;
        }
        self.ask(Ask::Select {
            steps: self.steps.clone(),
            serial: self.select_serial,
        });
    }

    /// Empties the selection.
    pub fn clear_selection(&mut self) {
        self.steps.clear();
        self.select_serial += 1;
        self.selection = None;
    }

    fn ask(&mut self, x: Ask) {
        let worker = match x {
            Ask::View { .. } => &self.asks_map,
            Ask::Select { .. } | Ask::ViewStats { .. } => &self.asks_sums,
        };
        if worker.send(x).is_ok() {
            self.pending += 1;
        } else {
            self.stopped = true;
        }
    }

    /// Takes in the worker's answers.
    pub fn take_answers(&mut self) -> Taken {
        let mut taken = Taken::default();
        loop {
            match self.answers.try_recv() {
                Ok(a) => {
                    let answered = match &a {
                        Answer::Dropped(n) => *n,
                        _ => 1,
                    };
                    self.pending = self.pending.saturating_sub(answered);
                    match a {
                        Answer::Dropped(_) => {}
                        Answer::Opened {
                            extent,
                            empty,
                            rows_estimate,
                        } => {
                            self.extent = extent;
                            self.rows_estimate = rows_estimate;
                            self.empty = Some(empty);
                            taken.opened = true;
                        }
                        Answer::Whole(whole) => {
                            self.whole = Some(Arc::new(*whole));
                            taken.whole = true;
                        }
                        Answer::View(v) => {
                            if v.serial >= self.latest_view_serial() {
                                self.shown = Some((v.rect, v.more));
                                self.fresh_view = Some(v);
                                taken.view = true;
                            }
                        }
                        Answer::Selected { serial, ids, stats } => {
                            if serial == self.select_serial {
                                self.selection = Some(LiveSelection {
                                    ids: ids.into_iter().map(|(id, _)| id).collect(),
                                    stats: Arc::new(*stats),
                                });
                                taken.selection = true;
                            }
                        }
                        Answer::ViewStats { rect, stats } => {
                            if self.view_stats_asked == Some(rect) {
                                self.view_stats = Some((rect, Arc::new(*stats)));
                                taken.view_stats = true;
                            }
                        }
                        Answer::Failed(e) => {
                            self.failure = Some(e);
                            taken.failed = true;
                        }
                    }
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.stopped = true;
                    self.pending = 0;
                    break;
                }
            }
        }
        taken
    }

    fn latest_view_serial(&self) -> u64 {
        self.fresh_view.as_ref().map_or(0, |v| v.serial)
    }
}

/// A worker's life: connect, say what the table is (the map's worker: its
/// extent and fields; the sums' worker: the whole table's balance), then answer
/// questions until the layer is dropped. Only the newest question of each kind
/// is answered: the others were overtaken while the worker was busy.
fn serve(
    address: &Address,
    options: &LoadOptions,
    asked: Receiver<Ask>,
    send: &dyn Fn(Answer) -> bool,
    map: bool,
) {
    let mut table = match LiveTable::open(address, options) {
        Ok(t) => t,
        Err(e) => {
            send(Answer::Failed(e));
            return;
        }
    };
    let first = if map {
        table.extent_fast().and_then(|extent| {
            let empty = ViewRows::default().into_layer(&table, options)?;
            Ok(Answer::Opened {
                extent,
                empty: Box::new(empty),
                rows_estimate: table.meta.estimated_rows,
            })
        })
    } else {
        table
            .stats(&Region::Whole, None, &LiveGrouping::Classes, options)
            .map(|w| Answer::Whole(Box::new(w)))
    };
    match first {
        Ok(x) => {
            if !send(x) {
                return;
            }
        }
        Err(e) => {
            send(Answer::Failed(e));
            return;
        }
    }
    while let Ok(first) = asked.recv() {
        let mut queue = vec![first];
        loop {
            match asked.try_recv() {
                Ok(x) => queue.push(x),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return,
            }
        }
        let asked_now = queue.len();
        let (mut view, mut select, mut view_stats) = (None, None, None);
        for x in queue {
            match x {
                Ask::View { .. } => view = Some(x),
                Ask::Select { .. } => select = Some(x),
                Ask::ViewStats { .. } => view_stats = Some(x),
            }
        }
        let kept = [&view, &select, &view_stats]
            .iter()
            .filter(|x| x.is_some())
            .count();
        if asked_now > kept && !send(Answer::Dropped(asked_now - kept)) {
            return;
        }
        // A selection first: it is what the user just did.
        for x in [select, view, view_stats].into_iter().flatten() {
            let reply = answer_one(&mut table, x, options);
            let failed = matches!(reply, Answer::Failed(_));
            if !send(reply) || failed && !table_alive(&mut table) {
                return;
            }
        }
    }
}

/// Whether box `outer` holds box `inner`.
fn covers(outer: &Rect<f64>, inner: &Rect<f64>) -> bool {
    outer.min().x <= inner.min().x
        && outer.min().y <= inner.min().y
        && outer.max().x >= inner.max().x
        && outer.max().y >= inner.max().y
}

/// Whether the session still answers after a failed query (a timeout leaves it
/// usable; a dropped connection does not).
fn table_alive(table: &mut LiveTable) -> bool {
    table.extent().is_ok()
}

fn answer_one(table: &mut LiveTable, x: Ask, options: &LoadOptions) -> Answer {
    let result = match x {
        Ask::View {
            rect,
            tolerance_deg,
            serial,
            style,
            palette,
        } => table
            .view_rows(rect, tolerance_deg, VIEW_ROW_CAP)
            .and_then(|rows| {
                let (more, bad) = (rows.more, rows.bad);
                let layer = rows.into_layer(table, options)?;
                let draw = DrawLayer::build(&layer, &style, palette);
                Ok(Answer::View(Box::new(ViewAnswer {
                    rect,
                    serial,
                    layer,
                    draw,
                    more,
                    bad,
                })))
            }),
        Ask::Select { steps, serial } => table
            .select_with_stats(
                &Region::Combined(steps),
                None,
                &LiveGrouping::Classes,
                options,
            )
            .map(|(ids, stats)| Answer::Selected {
                serial,
                ids,
                stats: Box::new(stats),
            }),
        Ask::ViewStats { rect } => table
            .stats(&Region::Rect(rect), None, &LiveGrouping::Classes, options)
            .map(|stats| Answer::ViewStats {
                rect,
                stats: Box::new(stats),
            }),
    };
    result.unwrap_or_else(Answer::Failed)
}

/// Locks a live layer. A worker never holds the lock, so a poisoned lock can
/// only come from a panic on the interface thread; its state is still whole.
pub fn lock(live: &Mutex<LiveLayer>) -> MutexGuard<'_, LiveLayer> {
    live.lock().unwrap_or_else(|e| e.into_inner())
}

/// The land-use classes a server balance holds, each once (for the legend).
fn classes_of(stats: &ServerStats) -> Vec<crate::landuse::ClassId> {
    let mut c: Vec<_> = stats.layer.class.iter().flatten().copied().collect();
    c.sort_unstable();
    c.dedup();
    c
}

/// The shown rows that the server's selection holds.
fn shown_selection(layer: &crate::model::Layer, live: &LiveLayer) -> Selection {
    let mut sel = Selection::new(layer.len());
    if let Some(s) = &live.selection {
        let hits: Vec<usize> = layer
            .feature_ids
            .iter()
            .enumerate()
            .filter(|(_, id)| {
                id.as_ref()
                    .is_some_and(|id| s.ids.binary_search_by(|x| x.as_str().cmp(id)).is_ok())
            })
            .map(|(k, _)| k)
            .collect();
        sel.apply(SelectOp::Replace, &hits);
    }
    sel
}

impl ParcelApp {
    /// Opens a table in live mode. The layer joins the map when its worker has
    /// read the catalogue, the extent and the whole table's balance.
    pub(crate) fn open_live(&mut self, address: Address) {
        self.open_live_with(address, None);
    }

    /// Opens a project's live table, keeping its name, style and visibility.
    pub(crate) fn open_live_as(&mut self, spec: crate::project::LayerSpec) {
        match Address::parse(spec.path.trim()) {
            Ok(mut address) => {
                if address.table.is_none()
                    && let Some((schema, t)) = spec
                        .layer
                        .as_deref()
                        .and_then(crate::sources::postgis::address::split_qualified)
                {
                    address.schema = schema;
                    address.table = Some(t);
                }
                self.open_live_with(address, Some(spec));
            }
            Err(e) => {
                let text = format!("{} {}: {}", self.tr("load_failed"), spec.name, e);
                self.notify(Level::Error, text);
            }
        }
    }

    fn open_live_with(&mut self, address: Address, spec: Option<crate::project::LayerSpec>) {
        let repaint: Arc<dyn Fn() + Send + Sync> = match &self.egui_ctx {
            Some(c) => {
                let c = c.clone();
                Arc::new(move || c.request_repaint())
            }
            None => Arc::new(|| {}),
        };
        let options = spec
            .as_ref()
            .and_then(|s| s.load_options().ok())
            .unwrap_or_default();
        let mut live = LiveLayer::open(address, options, repaint);
        live.spec = spec;
        self.live_opening.push(live);
    }

    /// Live layers still connecting, for the status bar.
    pub fn live_connecting(&self) -> usize {
        self.live_opening.len()
    }

    /// Takes in what the live layers' workers answered, and asks for the rows
    /// of the current view where the rows here do not cover it.
    pub(crate) fn poll_live(&mut self) {
        for mut live in std::mem::take(&mut self.live_opening) {
            let taken = live.take_answers();
            let shown = live.address.to_string();
            if let Some(empty) = live.empty.take() {
                let path = PathBuf::from(&shown);
                let mut pl = crate::project::ProjectLayer::from_file(&path, Ok(*empty));
                if let Some(spec) = live.spec.take() {
                    pl.path = PathBuf::from(spec.path.trim());
                    pl.spec = spec;
                }
                let mut layer = MapLayer::new(pl, self.settings.palette);
                if let Some(w) = &live.whole {
                    layer.classes = classes_of(w);
                }
                if let Some(e) = live.extent {
                    self.fit = Some(FitRequest::of_rect(e));
                }
                let rows = live.rows_estimate.unwrap_or(0);
                layer.live = Some(Arc::new(Mutex::new(live)));
                let name = self.add_layer(layer);
                let text = format!(
                    "{} {name}: {} {}",
                    self.tr("live_opened"),
                    rows,
                    self.tr("live_rows")
                );
                self.notify(Level::Success, text);
            } else if taken.failed || live.stopped {
                let failure = live.failure.take();
                let (problem, detail) = match &failure {
                    Some(e) => {
                        let f = LoadFailure::of(e);
                        (f.problem, f.detail)
                    }
                    None => ("load_crashed", String::new()),
                };
                let text = format!(
                    "{} {}: {}",
                    self.tr("load_failed"),
                    live.address.layer_name(),
                    self.tr(problem)
                );
                let details = if detail.is_empty() {
                    Vec::new()
                } else {
                    vec![detail]
                };
                self.notify_with(Level::Error, text, details, None);
            } else {
                self.live_opening.push(live);
            }
        }
        let view = self.last_view;
        let palette = self.settings.palette;
        let mut changed = false;
        let mut failures = Vec::new();
        for layer in &mut self.layers {
            let Some(handle) = layer.live.clone() else {
                continue;
            };
            let mut live = lock(&handle);
            let taken = live.take_answers();
            let mut fresh = false;
            if taken.whole
                && let Some(w) = &live.whole
            {
                layer.classes = classes_of(w);
            }
            if let Some(v) = live.fresh_view.take() {
                if v.bad > 0 {
                    failures.push((
                        layer.spec.name.clone(),
                        "live_bad_rows",
                        format!("{} rows", v.bad),
                    ));
                }
                layer.data = Ok(Arc::new(v.layer));
                layer.draw = Some(Arc::new(v.draw));
                layer.overlay.replace(None);
                fresh = true;
            }
            if (fresh || taken.selection)
                && let Ok(data) = &layer.data
            {
                layer.selection = Arc::new(shown_selection(data, &live));
            }
            changed |= fresh || taken.selection || taken.view_stats;
            if let Some(e) = live.failure.take() {
                let f = LoadFailure::of(&e);
                failures.push((layer.spec.name.clone(), f.problem, f.detail));
            }
            if layer.spec.visible
                && let Some(v) = view
            {
                live.want_view(
                    v.lon_lat_rect(),
                    360.0 / v.points_per_world(),
                    &layer.spec.style,
                    palette,
                );
            }
        }
        if changed {
            self.selection_changed();
        }
        for (name, problem, detail) in failures {
            let text = format!("{} {name}: {}", self.tr("live_failed"), self.tr(problem));
            self.notify_with(Level::Error, text, vec![detail], None);
        }
    }

    /// Sends a selection step to the server when layer `li` is live (the rows
    /// shown are selected at once on the client; the server's answer gives the
    /// rows outside the view and the exact balance).
    pub(crate) fn live_select(&mut self, li: usize, region: Option<Region>, op: SelectOp) {
        let Some(handle) = self.layers.get(li).and_then(|l| l.live.clone()) else {
            return;
        };
        let mut live = lock(&handle);
        match region {
            Some(r) => live.select(r, op),
            None => live.clear_selection(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_covers_the_boxes_inside_it_only() {
        let outer = Rect::new((0.0, 0.0), (10.0, 10.0));
        assert!(covers(&outer, &Rect::new((1.0, 1.0), (9.0, 9.0))));
        assert!(covers(&outer, &outer));
        assert!(!covers(&outer, &Rect::new((1.0, 1.0), (11.0, 9.0))));
        assert!(!covers(&outer, &Rect::new((-1.0, 1.0), (9.0, 9.0))));
    }
}
