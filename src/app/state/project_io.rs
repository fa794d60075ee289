//! Project files in the app: save and save as, open (in the background), recent
//! projects, autosave to a recovery file and the offer to restore it after a crash,
//! a panic hook that writes the recovery file on the way down, and the bookmark
//! commands.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use egui::RichText;

use crate::app::{Command, FitRequest, Level, ParcelApp, default_active};
use crate::project::{
    Bookmark, CompareSpec, FORMAT, Project, ProjectFile, Recovery, SelectionSpec, VERSION,
    relative_path,
};
use crate::selection::SelectOp;

/// What the panic hook writes: the recovery file's path and its latest contents.
type Snapshot = Mutex<Option<(PathBuf, Vec<u8>)>>;

/// The state the panic hook saves. A hook cannot reach the app, so the app keeps
/// this copy current while there are unsaved changes.
static SNAPSHOT: Snapshot = Mutex::new(None);

/// Installs, once, a panic hook that writes the latest recovery snapshot before the
/// default hook reports the panic.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if let Ok(guard) = SNAPSHOT.try_lock()
                && let Some((path, bytes)) = guard.as_ref()
            {
                let _ = crate::io::atomic_write(path, |w| w.write_all(bytes));
            }
            previous(info);
        }));
    });
}

/// When and where unsaved changes are kept.
pub struct Autosave {
    /// The recovery file; `None` turns autosave off (tests, read-only sessions).
    pub path: Option<PathBuf>,
    /// How often unsaved changes are written to it.
    pub every: Duration,
    last_write: Option<Instant>,
    last_snapshot: Option<Instant>,
}

impl Default for Autosave {
    fn default() -> Autosave {
        Autosave {
            path: None,
            every: Duration::from_secs(5),
            last_write: None,
            last_snapshot: None,
        }
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl ParcelApp {
    /// The project as a file: layers (paths relative to `dir`, or absolute without
    /// one), their order, visibility, opacity and styles, the bookmarks, and the rest
    /// as it was opened.
    pub fn project_file(&self, dir: Option<&Path>) -> ProjectFile {
        let mut f = self.project_base.clone();
        f.format = FORMAT.into();
        f.version = VERSION;
        f.title = self.title.clone();
        f.bookmarks = self.bookmarks.clone();
        f.layers = self
            .layers
            .iter()
            .map(|l| {
                let mut spec = l.spec.clone();
                spec.opacity = (l.opacity < 1.0).then_some(l.opacity);
                if !l.path.as_os_str().is_empty()
                    && !crate::sources::postgis::is_address_path(&l.path)
                {
                    let p = match dir {
                        Some(d) => relative_path(&l.path, d),
                        None => std::path::absolute(&l.path).unwrap_or_else(|_| l.path.clone()),
                    };
                    spec.path = p.to_string_lossy().replace('\\', "/");
                }
                spec
            })
            .collect();
        f
    }

    /// Turns autosave on with this recovery file; if the file is there already, the
    /// last session did not end cleanly and its state is offered for restoring.
    pub fn use_recovery_file(&mut self, path: PathBuf) {
        install_panic_hook();
        if path.exists() {
            match Recovery::read(&path) {
                Ok(r) => self.recovery_offer = Some(r),
                Err(e) => {
                    // Never lose it: keep the unreadable file beside, under a new name.
                    let aside = path.with_extension(format!("broken-{}.json", now_secs()));
                    let _ = std::fs::rename(&path, &aside);
                    let text = format!("{} {}", self.tr("recovery_unreadable"), aside.display());
                    self.notify_with(Level::Error, text, vec![e.to_string()], Some(aside));
                }
            }
        }
        self.autosave.path = Some(path);
    }

    /// The recovery file's contents for the current state.
    fn recovery_bytes(&self) -> Option<Vec<u8>> {
        let dir = self
            .project_path
            .as_ref()
            .and_then(|p| p.parent().map(Path::to_path_buf));
        let r = Recovery {
            project_path: self.project_path.clone(),
            saved_at: now_secs(),
            project: self.project_file(dir.as_deref()),
        };
        serde_json::to_vec(&r).ok()
    }

    /// Keeps the panic snapshot current and writes the recovery file every few
    /// seconds while there are unsaved changes.
    pub(crate) fn autosave_tick(&mut self, ctx: &egui::Context) {
        if self.autosave.path.is_none() || !self.dirty || self.recovery_offer.is_some() {
            return;
        }
        let stale = |t: Option<Instant>, every: Duration| t.is_none_or(|t| t.elapsed() >= every);
        if stale(self.autosave.last_snapshot, Duration::from_secs(1)) {
            self.autosave.last_snapshot = Some(Instant::now());
            if let (Some(path), Some(bytes)) = (self.autosave.path.clone(), self.recovery_bytes())
                && let Ok(mut guard) = SNAPSHOT.lock()
            {
                *guard = Some((path, bytes));
            }
        }
        if stale(self.autosave.last_write, self.autosave.every) {
            self.autosave_now();
        }
        ctx.request_repaint_after(self.autosave.every);
    }

    /// Writes the recovery file now if there are unsaved changes, or removes it if
    /// there are none.
    pub fn autosave_now(&mut self) {
        let Some(path) = self.autosave.path.clone() else {
            return;
        };
        if self.recovery_offer.is_some() {
            // The offer is still open: the file on disk is the planner's last work.
            return;
        }
        self.autosave.last_write = Some(Instant::now());
        if !self.dirty {
            let _ = std::fs::remove_file(&path);
            if let Ok(mut guard) = SNAPSHOT.lock() {
                *guard = None;
            }
            return;
        }
        let Some(bytes) = self.recovery_bytes() else {
            return;
        };
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = crate::io::atomic_write(&path, |w| w.write_all(&bytes)) {
            // Autosave tries again every few seconds; one message says it fails.
            let text = format!("{} {}", self.tr("autosave_failed"), path.display());
            if self.log.last().is_none_or(|m| m.text != text) {
                self.notify_with(Level::Error, text, vec![e.to_string()], None);
            }
        }
    }

    /// The dialog offering to restore unsaved work after a crash.
    pub(crate) fn recovery_ui(&mut self, ctx: &egui::Context) {
        let Some(r) = &self.recovery_offer else {
            return;
        };
        let from = r
            .project_path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| self.tr("unsaved_project").to_string());
        let ago = now_secs().saturating_sub(r.saved_at) / 60;
        let text = format!(
            "{}\n{} · {from}\n{} {ago} {}",
            self.tr("recovery_found"),
            r.project.title,
            self.tr("autosaved"),
            self.tr("minutes_ago")
        );
        egui::Window::new(self.tr("recovery"))
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
            .show(ctx, |ui| {
                ui.label(text);
                ui.horizontal(|ui| {
                    if ui
                        .button(RichText::new(self.tr("restore")).strong())
                        .clicked()
                    {
                        self.push(Command::RestoreRecovery);
                    }
                    if ui.button(self.tr("discard")).clicked() {
                        self.push(Command::DiscardRecovery);
                    }
                });
            });
    }

    /// Replaces the open project with another, already loaded and prepared.
    pub(crate) fn install(&mut self, prepared: crate::app::Prepared) {
        let crate::app::Prepared {
            project,
            mut layers,
            basemap,
            bbox,
        } = prepared;
        // Live tables open through their workers and join the map when the
        // server answers.
        let (live, files): (Vec<_>, Vec<_>) = layers
            .drain(..)
            .partition(|l| crate::project::is_live_address(&l.spec.path));
        layers = files;
        self.live_opening.clear();
        for l in live {
            self.open_live_as(l.spec);
        }
        for n in &project.notes {
            self.notify(Level::Info, n.clone());
        }
        // One message a layer that did not load, naming its file; the layers panel
        // marks the layer too.
        for l in &layers {
            if let Err(e) = &l.data {
                let file = if l.path.as_os_str().is_empty() {
                    l.spec.name.clone()
                } else {
                    crate::app::file_name(&l.path)
                };
                // The layers panel marks the layer by name; the message names the file.
                let text = format!(
                    "{} {file}: {}",
                    self.tr("layer_failed"),
                    self.tr("layer_failed_why")
                );
                let path = (!l.path.as_os_str().is_empty()).then(|| l.path.clone());
                self.notify_with(Level::Error, text, vec![e.clone()], path);
            }
        }
        self.basemap = Arc::new(basemap);
        self.basemap_stale = true;
        self.home = bbox
            .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
            .unwrap_or(self.home);
        self.fit = Some(FitRequest { bbox: self.home });
        self.title = project.file.title.clone();
        self.bookmarks = project.file.bookmarks.clone();
        self.project_path = project.path.clone();
        let mut base = project.file;
        base.layers.clear();
        base.bookmarks.clear();
        self.project_base = base;
        self.layers = layers;
        // Another project's steps cannot be undone in this one.
        self.history.clear();
        self.clearance_line = None;
        self.active = default_active(&self.layers);
        self.selected = None;
        self.hovered = None;
        self.compare = None;
        self.search_results.clear();
        self.bookmark_edit = None;
        self.dirty = false;
        self.briefing = crate::app::Briefing::default();
        self.selection_changed();
        if let Some(p) = self.project_path.clone() {
            self.remember_recent(&p);
        }
    }

    fn remember_recent(&mut self, path: &Path) {
        let p = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let recent = &mut self.settings.recent_projects;
        recent.retain(|r| r != &p);
        recent.insert(0, p);
        recent.truncate(8);
    }

    /// Loads a project (and prepares its layers for drawing) off the UI thread.
    fn start_opening(&mut self, load: impl FnOnce() -> Result<Project, String> + Send + 'static) {
        let palette = self.settings.palette;
        self.opening = Some(std::thread::spawn(move || {
            Ok(crate::app::prepare(load()?, palette))
        }));
    }

    /// Takes in a project that finished opening.
    pub(crate) fn poll_opening(&mut self) {
        if !self.opening.as_ref().is_some_and(|h| h.is_finished()) {
            return;
        }
        let Some(handle) = self.opening.take() else {
            return;
        };
        match handle.join() {
            Ok(Ok(prepared)) => {
                let restored = self.restoring;
                self.install(prepared);
                if restored {
                    // The restored state is not what the project file holds.
                    self.dirty = true;
                    self.restoring = false;
                    self.autosave_now();
                }
            }
            Ok(Err(e)) => {
                self.restoring = false;
                let text = self.tr("project_open_failed").to_string();
                self.notify_with(Level::Error, text, vec![e], None);
            }
            Err(_) => {
                self.restoring = false;
                let text = self.tr("project_open_crashed").to_string();
                self.notify(Level::Error, text);
            }
        }
    }

    /// Whether the project gave an offline basemap to draw (its water, roads or
    /// outline layers).
    pub fn has_offline_basemap(&self) -> bool {
        !self.basemap.is_empty()
    }

    /// Whether a project is being opened or restored.
    pub fn is_opening(&self) -> bool {
        self.opening.is_some()
    }

    fn save_project(&mut self, path: Option<PathBuf>) {
        let Some(path) = path.or_else(|| self.project_path.clone()) else {
            // A project not yet saved is saved through Save As, as a new document is.
            self.open_dialog(crate::app::Purpose::SaveProjectAs);
            return;
        };
        let path = if path.extension().is_none() {
            path.with_extension("json")
        } else {
            path
        };
        let inputs: Vec<&Path> = self.layers.iter().map(|l| l.path.as_path()).collect();
        if let Err(e) = crate::io::write::refuse_input_overwrite(&path, &inputs) {
            let text = format!(
                "{} {}: {}",
                self.tr("save_failed"),
                path.display(),
                self.tr("would_overwrite_input")
            );
            self.notify_with(Level::Error, text, vec![e.to_string()], None);
            return;
        }
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let file = self.project_file(Some(&dir));
        match file.save(&path) {
            Ok(()) => {
                let full = std::path::absolute(&path).unwrap_or_else(|_| path.clone());
                let text = format!("{} {}", self.tr("saved"), full.display());
                self.notify_with(Level::Success, text, Vec::new(), Some(full));
                self.project_path = Some(path.clone());
                self.dirty = false;
                self.autosave_now();
                self.remember_recent(&path);
            }
            Err(e) => {
                let full = std::path::absolute(&path).unwrap_or_else(|_| path.clone());
                let why = self.tr(crate::app::write_problem(&full, &e.to_string()));
                let text = format!("{} {}: {why}", self.tr("save_failed"), full.display());
                self.notify_with(Level::Error, text, vec![e.to_string()], None);
            }
        }
    }

    /// The current view, visible layers, selection and comparison as a bookmark.
    fn capture_bookmark(&self, title: String, caption: String) -> Option<Bookmark> {
        let r = self.last_view?.lon_lat_rect();
        let round = |v: f64| (v * 1e6).round() / 1e6;
        let layers: Vec<String> = self
            .layers
            .iter()
            .filter(|l| l.spec.visible && l.spec.role.as_deref() != Some("basemap"))
            .map(|l| l.spec.name.clone())
            .collect();
        // The active layer's selection, else the first layer that has one.
        let with_selection = self
            .active
            .filter(|&a| self.layers.get(a).is_some_and(|l| !l.selection.is_empty()))
            .or_else(|| self.layers.iter().position(|l| !l.selection.is_empty()));
        let selection = with_selection.and_then(|li| self.selection_spec(li));
        let compare = self.compare.and_then(|c| {
            Some(CompareSpec {
                left: self.layers.get(c.left)?.spec.name.clone(),
                right: self.layers.get(c.right)?.spec.name.clone(),
            })
        });
        Some(Bookmark {
            title,
            caption,
            bbox: [
                round(r.min().x),
                round(r.min().y),
                round(r.max().x),
                round(r.max().y),
            ],
            layers,
            selection,
            compare,
            spotlight: self.briefing.spotlight,
            show_stats: self.briefing.show_stats,
            ..Default::default()
        })
    }

    /// A layer's selection as ids, for bookmarks and named selections.
    fn selection_spec(&self, li: usize) -> Option<SelectionSpec> {
        let l = self.layers.get(li)?;
        let data = l.data.as_ref().ok()?;
        if l.selection.is_empty() {
            return None;
        }
        let mut ids: Vec<String> = l
            .selection
            .ids()
            .iter()
            .map(|&i| data.feature_id(i))
            .collect();
        ids.sort();
        ids.dedup();
        Some(SelectionSpec {
            layer: l.spec.name.clone(),
            ids,
            where_: None,
        })
    }

    /// Selects what a saved selection names (replacing the layer's selection) and
    /// makes its layer active; ids no longer in the data are reported under `what`.
    fn apply_selection_spec(&mut self, what: &str, spec: &SelectionSpec) {
        let named: Vec<(&str, &crate::model::Layer)> = self
            .layers
            .iter()
            .filter_map(|l| Some((l.spec.name.as_str(), l.data.as_ref().ok()?.as_ref())))
            .collect();
        match crate::project::resolve_selection(spec, &named) {
            Ok((k, features, missing)) => {
                // `named` skips failed layers: map back to the layer's index.
                let name = named.get(k).map(|(n, _)| n.to_string());
                if let Some(li) =
                    name.and_then(|n| self.layers.iter().position(|l| l.spec.name == n))
                {
                    self.active = Some(li);
                    self.select_in(li, &features, SelectOp::Replace);
                }
                if !missing.is_empty() {
                    let text = format!("{what}: {} {}", self.tr("missing_ids"), missing.join(", "));
                    self.notify(Level::Warning, text);
                }
            }
            Err(e) => {
                let text = format!("{what}: {}", self.tr("selection_unresolved"));
                self.notify_with(Level::Warning, text, vec![e.to_string()], None);
            }
        }
    }

    /// Shows a bookmark: layers, selection, comparison, then the view (flown to in a
    /// briefing, jumped to otherwise).
    pub(crate) fn go_to_bookmark(&mut self, i: usize) {
        let Some(b) = self.bookmarks.get(i).cloned() else {
            return;
        };
        if !self.briefing.active {
            self.last_bookmark = Some(i);
        }
        if !b.layers.is_empty() {
            for l in &mut self.layers {
                if l.spec.role.as_deref() != Some("basemap") {
                    l.spec.visible = b.layers.iter().any(|n| n == &l.spec.name);
                }
            }
        }
        for l in &mut self.layers {
            if !l.selection.is_empty() {
                Arc::make_mut(&mut l.selection).clear();
            }
        }
        self.selected = None;
        self.selection_changed();
        if let Some(spec) = &b.selection {
            self.apply_selection_spec(&b.title, spec);
        }
        self.compare = b.compare.as_ref().and_then(|c| {
            let find = |n: &str| self.layers.iter().position(|l| l.spec.name == n);
            Some(crate::app::Compare {
                left: find(&c.left)?,
                right: find(&c.right)?,
                split: 0.5,
            })
        });
        self.briefing.spotlight = b.spotlight;
        self.briefing.show_stats = b.show_stats;
        if self.briefing.active {
            self.briefing.fly_to(b.bbox);
        } else {
            self.fit = Some(FitRequest { bbox: b.bbox });
        }
    }

    /// Project, bookmark and briefing commands (see [`Command`]).
    pub(crate) fn apply_project_command(&mut self, c: Command) {
        match c {
            Command::SaveProject(path) => {
                let path = path.map(|p| self.resolve_in_project(&p));
                self.save_project(path);
            }
            Command::OpenProject(path) => {
                self.start_opening(move || Project::open(&path).map_err(|e| e.to_string()));
            }
            Command::RestoreRecovery => {
                if let Some(r) = self.recovery_offer.take() {
                    let dir = r
                        .project_path
                        .as_ref()
                        .and_then(|p| p.parent().map(Path::to_path_buf))
                        .unwrap_or_default();
                    self.restoring = true;
                    self.start_opening(move || {
                        Ok(Project::load(r.project, &dir, r.project_path, Vec::new()))
                    });
                }
            }
            Command::DiscardRecovery => {
                self.recovery_offer = None;
                // Kept beside under another name rather than deleted: nothing is lost.
                if let Some(path) = &self.autosave.path {
                    let aside = path.with_extension(format!("discarded-{}.json", now_secs()));
                    let _ = std::fs::rename(path, aside);
                }
            }
            Command::AddBookmark => {
                let n = self.bookmarks.len() + 1;
                let title = format!("{} {n}", self.tr("bookmark"));
                if let Some(b) = self.capture_bookmark(title, String::new()) {
                    self.bookmarks.push(b);
                    self.bookmark_edit = Some(self.bookmarks.len() - 1);
                    self.load_bookmark_fields();
                    self.dirty = true;
                }
            }
            Command::UpdateBookmark(i) => {
                if let Some(old) = self.bookmarks.get(i).cloned()
                    && let Some(mut b) =
                        self.capture_bookmark(old.title.clone(), old.caption.clone())
                {
                    b.title_en = old.title_en;
                    b.caption_en = old.caption_en;
                    if let Some(slot) = self.bookmarks.get_mut(i) {
                        *slot = b;
                        self.dirty = true;
                    }
                }
            }
            Command::EditBookmark(i, title, caption) => {
                if let Some(b) = self.bookmarks.get_mut(i) {
                    b.title = title;
                    b.caption = caption;
                    self.dirty = true;
                }
            }
            Command::DeleteBookmark(i) if i < self.bookmarks.len() => {
                self.bookmarks.remove(i);
                self.bookmark_edit = None;
                self.dirty = true;
            }
            Command::MoveBookmark(i, delta) => {
                let j = i as i64 + i64::from(delta);
                if i < self.bookmarks.len() && j >= 0 && (j as usize) < self.bookmarks.len() {
                    self.bookmarks.swap(i, j as usize);
                    self.bookmark_edit = Some(j as usize);
                    self.dirty = true;
                }
            }
            Command::GoToBookmark(i) => self.go_to_bookmark(i),
            Command::StartBriefing | Command::StartBriefingHere
                if !self.bookmarks.is_empty() && !self.briefing.active =>
            {
                // F5 starts at the first slide, Shift+F5 at the bookmark last shown
                // or edited.
                let here = c == Command::StartBriefingHere;
                let slide = if here {
                    self.bookmark_edit.or(self.last_bookmark).unwrap_or(0)
                } else {
                    0
                };
                self.briefing_return = Some(crate::app::BriefingReturn {
                    state: self.snapshot(),
                    view: self.current_view_pos(),
                    dirty: self.dirty,
                    tool: self.tool,
                    compare: self.compare,
                });
                self.briefing.active = true;
                self.briefing.slide = slide.min(self.bookmarks.len() - 1);
                self.tool = crate::app::Tool::Pan;
                self.go_to_bookmark(self.briefing.slide);
            }
            Command::StopBriefing => {
                self.briefing.active = false;
                self.briefing.flight = None;
                // The work state comes back as it was: the slides' layers, views and
                // selections were for the audience.
                if let Some(r) = self.briefing_return.take() {
                    self.restore_quietly(r.state);
                    self.dirty = r.dirty;
                    self.tool = r.tool;
                    self.compare = r.compare;
                    if let Some(v) = r.view {
                        self.map_memory.center_at(walkers::lon_lat(v[0], v[1]));
                        let _ = self.map_memory.set_zoom(v[2]);
                    }
                }
            }
            Command::NextSlide | Command::PrevSlide => {
                let n = self.bookmarks.len();
                let s = self.briefing.slide;
                let next = if c == Command::NextSlide {
                    (s + 1).min(n.saturating_sub(1))
                } else {
                    s.saturating_sub(1)
                };
                if next != s || self.briefing.flight.is_none() {
                    self.briefing.slide = next;
                    self.go_to_bookmark(next);
                }
            }
            Command::ToggleSpotlight => self.briefing.spotlight = !self.briefing.spotlight,
            Command::TogglePointer => self.briefing.pointer = !self.briefing.pointer,
            Command::SetCompare(pair) => {
                self.compare = pair.map(|(left, right)| crate::app::Compare {
                    left,
                    right,
                    split: 0.5,
                });
            }
            Command::ExportHandout(path) => {
                let path = self.resolve_in_project(&path);
                self.start_handout(path);
            }
            Command::SaveSelection(name) => {
                if let Some(spec) = self.active.and_then(|a| self.selection_spec(a)) {
                    let kept = &mut self.project_base.selections;
                    kept.retain(|s| s.name != name);
                    kept.push(crate::project::NamedSelection {
                        name,
                        selection: spec,
                    });
                    self.dirty = true;
                }
            }
            Command::RestoreSelection(i) => {
                if let Some(s) = self.project_base.selections.get(i).cloned() {
                    self.apply_selection_spec(&s.name, &s.selection);
                }
            }
            Command::DeleteSelection(i) if i < self.project_base.selections.len() => {
                self.project_base.selections.remove(i);
                self.dirty = true;
            }
            _ => {}
        }
    }

    /// Copies the edited bookmark's title and caption into the panel's fields.
    pub(crate) fn load_bookmark_fields(&mut self) {
        if let Some(b) = self.bookmark_edit.and_then(|i| self.bookmarks.get(i)) {
            self.bookmark_title = b.title.clone();
            self.bookmark_caption = b.caption.clone();
        }
    }
}
