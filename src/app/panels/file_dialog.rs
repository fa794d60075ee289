//! The file dialog: choosing files to open and a file to save to.
//!
//! Where the desktop offers a dialog of its own (GNOME's or KDE's, found as
//! `zenity` or `kdialog` in a desktop session), that one is used, run on a worker
//! thread so the window keeps drawing. Everywhere else, and always in headless
//! tests and under Xvfb, the dialog is drawn in the window: a folder's listing with
//! folders first, a path bar, the file name, a type filter, and the last folder
//! remembered per purpose. Both return the same [`Chosen`] paths.
//!
//! The desktop's dialogs are run as programs rather than through a binding crate:
//! the portal or GTK bindings would add a large dependency tree for two calls, and
//! a missing program simply falls back to the in-window dialog.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use egui::{Color32, RichText};

use crate::app::{Lang, tr};

/// What a dialog is choosing a file for; it decides the title, the filters and
/// which last folder is remembered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Data layers, a project or a tile file (Ctrl+O).
    Open,
    /// A project file to save to (Ctrl+Shift+S).
    SaveProjectAs,
    /// The file an export writes.
    Export,
    /// The briefing's PDF handout.
    Handout,
    /// A PMTiles or MBTiles basemap.
    TileFile,
}

impl Purpose {
    /// Whether the dialog chooses a file to write.
    pub fn saves(self) -> bool {
        matches!(
            self,
            Purpose::SaveProjectAs | Purpose::Export | Purpose::Handout
        )
    }

    /// The key of the last folder in the settings.
    pub fn key(self) -> &'static str {
        match self {
            Purpose::Open => "open",
            Purpose::SaveProjectAs => "project",
            Purpose::Export => "export",
            Purpose::Handout => "handout",
            Purpose::TileFile => "tiles",
        }
    }

    fn title_key(self) -> &'static str {
        match self {
            Purpose::Open => "fd_title_open",
            Purpose::SaveProjectAs => "fd_title_save_project",
            Purpose::Export => "fd_title_export",
            Purpose::Handout => "fd_title_handout",
            Purpose::TileFile => "fd_title_tiles",
        }
    }
}

/// A type filter: its name (an interface key) and the file extensions it shows,
/// lower case without the dot; no extensions shows every file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub name_key: &'static str,
    /// The name in Chinese and English when it is not an interface key (a
    /// format's own name from the readers).
    pub names: Option<(&'static str, &'static str)>,
    pub extensions: Vec<String>,
}

impl Filter {
    pub fn new(name_key: &'static str, extensions: &[&str]) -> Filter {
        Filter {
            name_key,
            names: None,
            extensions: extensions.iter().map(|e| e.to_string()).collect(),
        }
    }

    /// A filter named in both languages.
    pub fn named(zh: &'static str, en: &'static str, extensions: &[&str]) -> Filter {
        Filter {
            names: Some((zh, en)),
            ..Filter::new("", extensions)
        }
    }

    fn name(&self, lang: Lang) -> &'static str {
        match (self.names, lang) {
            (Some((zh, _)), Lang::Zh) => zh,
            (Some((_, en)), Lang::En) => en,
            (None, _) => tr(lang, self.name_key),
        }
    }

    /// Every file.
    pub fn all() -> Filter {
        Filter::new("fd_all_files", &[])
    }

    /// Whether a file of this name is shown.
    pub fn matches(&self, name: &str) -> bool {
        self.extensions.is_empty() || {
            let lower = name.to_lowercase();
            self.extensions
                .iter()
                .any(|e| lower.ends_with(&format!(".{e}")))
        }
    }

    /// The filter as its name and a pattern list, e.g. `GIS 数据 (*.geojson *.shp)`.
    fn label(&self, lang: Lang) -> String {
        if self.extensions.is_empty() {
            return self.name(lang).to_string();
        }
        let patterns: Vec<String> = self.extensions.iter().map(|e| format!("*.{e}")).collect();
        format!("{} ({})", self.name(lang), patterns.join(" "))
    }
}

/// What the user chose: the files (one when saving), and the folder to remember.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    pub purpose: Purpose,
    pub paths: Vec<PathBuf>,
}

/// How a frame of the dialog ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Still open.
    Open,
    Cancelled,
    Chosen(Chosen),
}

/// One entry of the listed folder.
#[derive(Debug, Clone)]
struct Entry {
    name: String,
    is_dir: bool,
    size_bytes: u64,
    modified: Option<SystemTime>,
}

/// The in-window dialog's state.
pub struct FileDialog {
    pub purpose: Purpose,
    /// The folder listed.
    pub dir: PathBuf,
    /// The path bar's text, which may be edited and entered.
    pub dir_text: String,
    /// The file name field (when opening, the chosen file's name).
    pub name: String,
    pub filters: Vec<Filter>,
    pub filter: usize,
    /// Files chosen in the listing when opening several (with Ctrl).
    picked: Vec<String>,
    entries: Vec<Entry>,
    /// Why the folder could not be listed, or what is wrong with the name.
    error: Option<String>,
    /// A file that exists, waiting for 替换 before it is overwritten.
    confirm_overwrite: Option<PathBuf>,
    /// Shortcut folders: the project's, the home folder and the file system's root.
    places: Vec<(&'static str, PathBuf)>,
}

impl FileDialog {
    /// A dialog listing `dir` (or the nearest folder above it that exists), with
    /// `name` as the proposed file name when saving.
    pub fn new(
        purpose: Purpose,
        dir: &Path,
        name: &str,
        filters: Vec<Filter>,
        project_dir: Option<&Path>,
    ) -> FileDialog {
        let mut places = Vec::new();
        if let Some(p) = project_dir {
            places.push(("fd_project_folder", p.to_path_buf()));
        }
        if let Some(h) = home_dir() {
            places.push(("fd_home", h));
        }
        places.push(("fd_root", root_of(dir)));
        let filters = if filters.is_empty() {
            vec![Filter::all()]
        } else {
            filters
        };
        let mut d = FileDialog {
            purpose,
            dir: PathBuf::new(),
            dir_text: String::new(),
            name: name.to_string(),
            filters,
            filter: 0,
            picked: Vec::new(),
            entries: Vec::new(),
            error: None,
            confirm_overwrite: None,
            places,
        };
        d.go_to(&existing_ancestor(dir));
        d
    }

    /// Lists another folder.
    pub fn go_to(&mut self, dir: &Path) {
        self.dir = dir.to_path_buf();
        self.dir_text = dir.display().to_string();
        self.picked.clear();
        self.confirm_overwrite = None;
        match list(dir) {
            Ok(entries) => {
                self.entries = entries;
                self.error = None;
            }
            Err(e) => {
                self.entries.clear();
                self.error = Some(format!("{}: {e}", dir.display()));
            }
        }
    }

    /// The entries the current filter shows: every folder, and the files it matches.
    fn shown(&self) -> Vec<&Entry> {
        let filter = self.filters.get(self.filter);
        self.entries
            .iter()
            .filter(|e| e.is_dir || filter.is_none_or(|f| f.matches(&e.name)))
            .collect()
    }

    /// The names the listing shows, folders first (for tests and the smoke check).
    pub fn shown_names(&self) -> Vec<String> {
        self.shown().iter().map(|e| e.name.clone()).collect()
    }

    /// What the confirm button would choose now, or why nothing yet (a folder to
    /// enter, an overwrite to confirm, an empty name).
    fn confirm(&mut self, lang: Lang) -> Option<Outcome> {
        let typed = self.name.trim().to_string();
        if self.purpose.saves() {
            if typed.is_empty() {
                self.error = Some(tr(lang, "fd_need_name").to_string());
                return None;
            }
            let mut path = self.dir.join(&typed);
            if path.is_dir() {
                self.go_to(&path);
                self.name.clear();
                return None;
            }
            // A name without an extension gets the filter's first one, so a report
            // named 物流园 becomes 物流园.pdf when PDF is the chosen type.
            if path.extension().is_none()
                && let Some(ext) = self
                    .filters
                    .get(self.filter)
                    .and_then(|f| f.extensions.first())
            {
                path.set_extension(ext);
            }
            if !path.parent().is_some_and(Path::is_dir) {
                self.error = Some(format!(
                    "{}: {}",
                    path.display(),
                    tr(lang, "fd_no_such_folder")
                ));
                return None;
            }
            if path.exists() && self.confirm_overwrite.as_ref() != Some(&path) {
                self.confirm_overwrite = Some(path);
                return None;
            }
            return Some(Outcome::Chosen(Chosen {
                purpose: self.purpose,
                paths: vec![path],
            }));
        }
        let mut names = self.picked.clone();
        if names.is_empty() && !typed.is_empty() {
            names.push(typed);
        }
        let Some(first) = names.first() else {
            self.error = Some(tr(lang, "fd_need_file").to_string());
            return None;
        };
        let first = self.dir.join(first);
        if names.len() == 1 && first.is_dir() {
            self.go_to(&first);
            self.name.clear();
            return None;
        }
        let paths: Vec<PathBuf> = names.iter().map(|n| self.dir.join(n)).collect();
        if let Some(missing) = paths.iter().find(|p| !p.is_file()) {
            self.error = Some(format!(
                "{}: {}",
                missing.display(),
                tr(lang, "fd_no_such_file")
            ));
            return None;
        }
        Some(Outcome::Chosen(Chosen {
            purpose: self.purpose,
            paths,
        }))
    }

    /// Draws the dialog as a modal window over the app.
    pub fn ui(&mut self, ctx: &egui::Context, lang: Lang) -> Outcome {
        let mut outcome = Outcome::Open;
        let modal = egui::Modal::new(egui::Id::unique("file_dialog")).show(ctx, |ui| {
            ui.set_width(640.0);
            ui.heading(tr(lang, self.purpose.title_key()));
            ui.add_space(4.0);
            self.path_bar_ui(ui, lang);
            ui.add_space(4.0);
            if let Some(o) = self.listing_ui(ui, lang) {
                outcome = o;
            }
            ui.add_space(6.0);
            if let Some(o) = self.name_row_ui(ui, lang) {
                outcome = o;
            }
            if let Some(e) = &self.error {
                ui.colored_label(Color32::from_rgb(200, 40, 40), e);
            }
            if let Some(o) = self.buttons_ui(ui, lang) {
                outcome = o;
            }
        });
        // Esc cancels; a click beside the dialog does not, as it is often a slip.
        if outcome == Outcome::Open && !modal.backdrop_response.clicked() && modal.should_close() {
            outcome = Outcome::Cancelled;
        }
        outcome
    }

    fn path_bar_ui(&mut self, ui: &mut egui::Ui, lang: Lang) {
        ui.horizontal(|ui| {
            let up = self.dir.parent().map(Path::to_path_buf);
            if ui
                .add_enabled(up.is_some(), egui::Button::new(tr(lang, "fd_up")))
                .clicked()
                && let Some(up) = up
            {
                self.go_to(&up);
            }
            for (key, place) in self.places.clone() {
                if ui.button(tr(lang, key)).clicked() {
                    self.go_to(&place);
                }
            }
        });
        ui.horizontal(|ui| {
            let label = ui.label(tr(lang, "fd_folder"));
            let edit = ui
                .add(egui::TextEdit::singleline(&mut self.dir_text).desired_width(560.0))
                .labelled_by(label.id);
            if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                let typed = PathBuf::from(self.dir_text.trim());
                if typed.is_dir() {
                    self.go_to(&typed);
                } else {
                    self.error = Some(format!(
                        "{}: {}",
                        typed.display(),
                        tr(lang, "fd_no_such_folder")
                    ));
                }
            }
        });
    }

    /// The folder's listing; a double click enters a folder or chooses a file.
    fn listing_ui(&mut self, ui: &mut egui::Ui, lang: Lang) -> Option<Outcome> {
        let mut enter: Option<PathBuf> = None;
        let mut choose = false;
        let shown: Vec<Entry> = self.shown().into_iter().cloned().collect();
        let multiple = self.purpose == Purpose::Open;
        egui::Frame::group(ui.style()).show(ui, |ui| {
            egui::ScrollArea::vertical()
                .max_height(300.0)
                .min_scrolled_height(300.0)
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    if shown.is_empty() {
                        ui.label(RichText::new(tr(lang, "fd_empty")).weak());
                    }
                    egui::Grid::new("fd_rows")
                        .num_columns(3)
                        .striped(true)
                        .min_col_width(60.0)
                        .max_col_width(440.0)
                        .show(ui, |ui| {
                            for e in &shown {
                                // Folders end in a slash, as file listings write them;
                                // the bundled fonts have no folder pictures.
                                let shown_name = if e.is_dir {
                                    format!("{}/", e.name)
                                } else {
                                    e.name.clone()
                                };
                                let picked = self.picked.contains(&e.name)
                                    || (!e.is_dir && self.name == e.name);
                                // At its own width in the grid's left-to-right
                                // layout (a minimum size would centre it), so the
                                // name sits at the left of its row as lists put it.
                                let row =
                                    ui.add(egui::Button::selectable(picked, shown_name).truncate());
                                ui.label(if e.is_dir {
                                    tr(lang, "fd_folder_kind").to_string()
                                } else {
                                    size_text(e.size_bytes)
                                });
                                ui.label(e.modified.map(date_text).unwrap_or_default());
                                ui.end_row();
                                if row.double_clicked() {
                                    if e.is_dir {
                                        enter = Some(self.dir.join(&e.name));
                                    } else {
                                        self.picked = vec![e.name.clone()];
                                        self.name = e.name.clone();
                                        choose = true;
                                    }
                                } else if row.clicked() && !e.is_dir {
                                    let ctrl = ui.input(|i| i.modifiers.command);
                                    if multiple && ctrl {
                                        if let Some(k) =
                                            self.picked.iter().position(|n| n == &e.name)
                                        {
                                            self.picked.remove(k);
                                        } else {
                                            self.picked.push(e.name.clone());
                                        }
                                    } else {
                                        self.picked = vec![e.name.clone()];
                                    }
                                    self.name = self.picked.join("; ");
                                    self.confirm_overwrite = None;
                                }
                            }
                        });
                });
        });
        if let Some(dir) = enter {
            self.go_to(&dir);
            return None;
        }
        if choose {
            return self.confirm(lang);
        }
        None
    }

    fn name_row_ui(&mut self, ui: &mut egui::Ui, lang: Lang) -> Option<Outcome> {
        let mut outcome = None;
        egui::Grid::new("fd_name").num_columns(2).show(ui, |ui| {
            let label = ui.label(tr(lang, "fd_name"));
            let edit = ui
                .add(egui::TextEdit::singleline(&mut self.name).desired_width(520.0))
                .labelled_by(label.id);
            if edit.changed() {
                // Typing replaces what was picked in the listing.
                self.picked.clear();
                self.confirm_overwrite = None;
                self.error = None;
            }
            if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                outcome = self.confirm(lang);
            }
            ui.end_row();
            ui.label(tr(lang, "fd_type"));
            let current = self
                .filters
                .get(self.filter)
                .map(|f| f.label(lang))
                .unwrap_or_default();
            let mut chosen = self.filter;
            egui::ComboBox::from_id_salt("fd_filter")
                .selected_text(current)
                .width(520.0)
                .show_ui(ui, |ui| {
                    for (k, f) in self.filters.iter().enumerate() {
                        ui.selectable_value(&mut chosen, k, f.label(lang));
                    }
                });
            if chosen != self.filter {
                self.filter = chosen;
                self.retype_name();
            }
            ui.end_row();
        });
        outcome
    }

    /// When saving, a new type gives the proposed name its extension.
    fn retype_name(&mut self) {
        if !self.purpose.saves() {
            return;
        }
        let Some(ext) = self
            .filters
            .get(self.filter)
            .and_then(|f| f.extensions.first())
        else {
            return;
        };
        let name = self.name.trim();
        if name.is_empty() {
            return;
        }
        let stem = Path::new(name)
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        self.name = format!("{stem}.{ext}");
    }

    fn buttons_ui(&mut self, ui: &mut egui::Ui, lang: Lang) -> Option<Outcome> {
        let mut outcome = None;
        if let Some(p) = self.confirm_overwrite.clone() {
            ui.horizontal(|ui| {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                ui.colored_label(
                    Color32::from_rgb(180, 110, 0),
                    format!("{name} {}", tr(lang, "fd_exists")),
                );
                if ui.button(tr(lang, "fd_replace")).clicked() {
                    outcome = self.confirm(lang);
                }
            });
        }
        ui.separator();
        ui.horizontal(|ui| {
            let ok = if self.purpose.saves() {
                "fd_save"
            } else {
                "fd_open"
            };
            if ui.button(tr(lang, "cancel")).clicked() {
                outcome = Some(Outcome::Cancelled);
            }
            if ui
                .add(egui::Button::new(RichText::new(tr(lang, ok)).strong()))
                .clicked()
                && self.confirm_overwrite.is_none()
            {
                outcome = self.confirm(lang);
            }
        });
        outcome
    }
}

/// A folder's entries, folders first, each group by name; hidden entries (dot
/// names) are left out, as desktop dialogs do.
fn list(dir: &Path) -> std::io::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for item in std::fs::read_dir(dir)? {
        let Ok(item) = item else { continue };
        let name = item.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        // Follow links, so a linked folder opens as a folder.
        let meta = std::fs::metadata(item.path()).ok();
        entries.push(Entry {
            is_dir: meta.as_ref().is_some_and(|m| m.is_dir()),
            size_bytes: meta.as_ref().map_or(0, |m| m.len()),
            modified: meta.and_then(|m| m.modified().ok()),
            name,
        });
    }
    entries.sort_by(|a, b| {
        b.is_dir
            .cmp(&a.is_dir)
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(entries)
}

/// `dir`, or the nearest folder above it that exists, or the working folder.
fn existing_ancestor(dir: &Path) -> PathBuf {
    let mut d = Some(dir);
    while let Some(p) = d {
        if p.is_dir() {
            return p.to_path_buf();
        }
        d = p.parent();
    }
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))
}

fn root_of(dir: &Path) -> PathBuf {
    dir.ancestors()
        .last()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// The user's home folder, from the environment as the desktop sets it.
pub fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
}

fn size_text(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KIB {
        format!("{bytes} B")
    } else if b < KIB * KIB {
        format!("{:.0} KB", b / KIB)
    } else if b < KIB * KIB * KIB {
        format!("{:.1} MB", b / KIB / KIB)
    } else {
        format!("{:.2} GB", b / KIB / KIB / KIB)
    }
}

/// A modification time as a UTC date, `2026-12-02 14:05`.
fn date_text(t: SystemTime) -> String {
    let Ok(d) = t.duration_since(SystemTime::UNIX_EPOCH) else {
        return String::new();
    };
    let secs = d.as_secs() as i64;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = crate::report::civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60
    )
}

/// A desktop dialog running as its own program on a worker thread.
pub struct NativeDialog {
    pub purpose: Purpose,
    handle: std::thread::JoinHandle<Option<Vec<PathBuf>>>,
}

impl NativeDialog {
    /// Starts the desktop's dialog, or `None` when the desktop has none (then the
    /// in-window dialog is used).
    pub fn start(
        purpose: Purpose,
        dir: &Path,
        name: &str,
        filters: &[Filter],
        lang: Lang,
    ) -> Option<NativeDialog> {
        let program = desktop_dialog_program()?;
        let args = match program {
            DialogProgram::Zenity => zenity_args(purpose, dir, name, filters, lang),
            DialogProgram::Kdialog => kdialog_args(purpose, dir, name, filters, lang),
        };
        let command = match program {
            DialogProgram::Zenity => "zenity",
            DialogProgram::Kdialog => "kdialog",
        };
        let handle = std::thread::spawn(move || {
            let out = std::process::Command::new(command)
                .args(&args)
                .output()
                .ok()?;
            if !out.status.success() {
                return None;
            }
            let text = String::from_utf8_lossy(&out.stdout);
            let paths: Vec<PathBuf> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(PathBuf::from)
                .collect();
            (!paths.is_empty()).then_some(paths)
        });
        Some(NativeDialog { purpose, handle })
    }

    /// The result once the dialog has closed: `Some(None)` when it was cancelled.
    pub fn poll(self) -> Result<Option<Chosen>, NativeDialog> {
        if !self.handle.is_finished() {
            return Err(self);
        }
        let purpose = self.purpose;
        Ok(self
            .handle
            .join()
            .ok()
            .flatten()
            .map(|paths| Chosen { purpose, paths }))
    }
}

#[derive(Debug, Clone, Copy)]
enum DialogProgram {
    Zenity,
    Kdialog,
}

/// The desktop's dialog program: only in a desktop session (a display and a named
/// desktop), KDE's own on KDE, else GNOME's.
fn desktop_dialog_program() -> Option<DialogProgram> {
    let display =
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    let desktop = std::env::var("XDG_CURRENT_DESKTOP").unwrap_or_default();
    if !display || desktop.trim().is_empty() || cfg!(not(target_os = "linux")) {
        return None;
    }
    let on_path = |name: &str| {
        std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
    };
    if desktop.to_uppercase().contains("KDE") && on_path("kdialog") {
        Some(DialogProgram::Kdialog)
    } else if on_path("zenity") {
        Some(DialogProgram::Zenity)
    } else if on_path("kdialog") {
        Some(DialogProgram::Kdialog)
    } else {
        None
    }
}

fn zenity_args(
    purpose: Purpose,
    dir: &Path,
    name: &str,
    filters: &[Filter],
    lang: Lang,
) -> Vec<String> {
    let mut args = vec![
        "--file-selection".to_string(),
        format!("--title={}", tr(lang, purpose.title_key())),
        format!("--filename={}", dir.join(name).display()),
    ];
    if purpose.saves() {
        args.push("--save".into());
        args.push("--confirm-overwrite".into());
    } else if purpose == Purpose::Open {
        args.push("--multiple".into());
        args.push("--separator=\n".into());
    }
    for f in filters {
        let patterns: Vec<String> = if f.extensions.is_empty() {
            vec!["*".into()]
        } else {
            f.extensions.iter().map(|e| format!("*.{e}")).collect()
        };
        args.push(format!(
            "--file-filter={} | {}",
            f.name(lang),
            patterns.join(" ")
        ));
    }
    args
}

fn kdialog_args(
    purpose: Purpose,
    dir: &Path,
    name: &str,
    filters: &[Filter],
    lang: Lang,
) -> Vec<String> {
    let mut args = vec![format!("--title={}", tr(lang, purpose.title_key()))];
    if purpose.saves() {
        args.push("--getsavefilename".into());
    } else {
        args.push("--getopenfilename".into());
        if purpose == Purpose::Open {
            args.push("--multiple".into());
            args.push("--separate-output".into());
        }
    }
    args.push(dir.join(name).display().to_string());
    let filter: Vec<String> = filters
        .iter()
        .map(|f| {
            let patterns: Vec<String> = if f.extensions.is_empty() {
                vec!["*".into()]
            } else {
                f.extensions.iter().map(|e| format!("*.{e}")).collect()
            };
            format!("{} ({})", f.name(lang), patterns.join(" "))
        })
        .collect();
    args.push(filter.join("\n"));
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil_utc() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_796_220_300);
        assert_eq!(date_text(t), "2026-12-02 14:05");
        assert_eq!(date_text(SystemTime::UNIX_EPOCH), "1970-01-01 00:00");
    }

    #[test]
    fn filters_match_extensions_in_any_case() {
        let f = Filter::new("fd_data", &["geojson", "shp"]);
        assert!(f.matches("a.GeoJSON"));
        assert!(f.matches("地块.shp"));
        assert!(!f.matches("a.shx"));
        assert!(Filter::all().matches("anything"));
    }

    #[test]
    fn listing_puts_folders_first_and_hides_dot_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.geojson"), "{}").unwrap();
        std::fs::write(dir.path().join("A.csv"), "x").unwrap();
        std::fs::write(dir.path().join(".hidden"), "x").unwrap();
        std::fs::create_dir(dir.path().join("z")).unwrap();
        let d = FileDialog::new(Purpose::Open, dir.path(), "", vec![], None);
        assert_eq!(d.shown_names(), ["z", "A.csv", "b.geojson"]);
        let d = FileDialog::new(
            Purpose::Open,
            dir.path(),
            "",
            vec![Filter::new("fd_data", &["geojson"])],
            None,
        );
        assert_eq!(d.shown_names(), ["z", "b.geojson"]);
    }

    #[test]
    fn saving_adds_the_extension_and_asks_before_replacing() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = FileDialog::new(
            Purpose::Export,
            dir.path(),
            "汇总",
            vec![Filter::new("fd_pdf", &["pdf"])],
            None,
        );
        let chosen = d.confirm(Lang::Zh);
        assert_eq!(
            chosen,
            Some(Outcome::Chosen(Chosen {
                purpose: Purpose::Export,
                paths: vec![dir.path().join("汇总.pdf")]
            }))
        );
        std::fs::write(dir.path().join("汇总.pdf"), "old").unwrap();
        assert_eq!(d.confirm(Lang::Zh), None, "an existing file waits for 替换");
        assert!(d.confirm_overwrite.is_some());
        assert!(matches!(d.confirm(Lang::Zh), Some(Outcome::Chosen(_))));
    }
}
