//! Where file dialogs start and what their choices do: Ctrl+O opens data layers,
//! projects and tile files; Save As, Export and the handout choose where to write.
//! Each dialog proposes a name, filters by type and starts in the folder last used
//! for the same purpose (else the project's folder).

use std::path::{Path, PathBuf};

use super::file_dialog::{Chosen, FileDialog, Filter, NativeDialog, Outcome, Purpose};
use crate::app::{BasemapChoice, Command, ExportKind, Level, ParcelApp};

/// Basemap tile files.
pub const TILE_EXTENSIONS: &[&str] = &["pmtiles", "mbtiles"];

/// Whether a file is a basemap tile file rather than a data layer.
pub fn is_tile_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| TILE_EXTENSIONS.iter().any(|t| e.eq_ignore_ascii_case(t)))
}

impl ParcelApp {
    /// The filters a dialog offers, the most likely first.
    pub(crate) fn dialog_filters(&self, purpose: Purpose) -> Vec<Filter> {
        let data = crate::sources::openable_extensions();
        let mut supported = data.clone();
        supported.extend(TILE_EXTENSIONS);
        let gis_exports = || {
            crate::sources::EXPORTS
                .iter()
                .map(|e| Filter::named(e.name_zh, e.name, &[e.extension]))
        };
        match purpose {
            Purpose::Open => {
                let mut filters = vec![
                    Filter::new("fd_supported", &supported),
                    Filter::new("fd_data", &data),
                ];
                filters.extend(
                    crate::sources::OPENABLE
                        .iter()
                        .map(|f| Filter::named(f.name_zh, f.name, f.extensions)),
                );
                filters.extend([
                    Filter::new("fd_project", &["json"]),
                    Filter::new("fd_tiles", TILE_EXTENSIONS),
                    Filter::all(),
                ]);
                filters
            }
            Purpose::SaveProjectAs => vec![Filter::new("fd_project", &["json"])],
            Purpose::Handout => vec![Filter::new("fd_pdf", &["pdf"])],
            Purpose::TileFile => vec![Filter::new("fd_tiles", TILE_EXTENSIONS), Filter::all()],
            Purpose::Export => match self.export.kind {
                ExportKind::MapImage => vec![Filter::new("fd_png", &["png"])],
                ExportKind::Cards => vec![
                    Filter::new("fd_pdf", &["pdf"]),
                    Filter::new("fd_xlsx", &["xlsx"]),
                ],
                ExportKind::Summary => [
                    Filter::new("fd_pdf", &["pdf"]),
                    Filter::new("fd_xlsx", &["xlsx"]),
                    Filter::new("fd_csv", &["csv"]),
                    Filter::new("fd_geojson", &["geojson"]),
                ]
                .into_iter()
                .chain(gis_exports())
                .collect(),
            },
        }
    }

    /// The project's folder, when the project has a file.
    pub(crate) fn project_dir(&self) -> Option<PathBuf> {
        self.project_path
            .as_ref()
            .and_then(|p| std::path::absolute(p).ok())
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .filter(|d| d.is_dir())
    }

    /// A path typed or stored relative to nothing in particular is taken as
    /// relative to the project's folder, so an export named 汇总.pdf goes beside the
    /// project rather than wherever the program was started from.
    pub(crate) fn resolve_in_project(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            return path.to_path_buf();
        }
        match self.project_dir() {
            Some(dir) => dir.join(path),
            None => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
        }
    }

    /// Where an export of this name goes when nothing else is chosen: the folder of
    /// the last export, else beside the project.
    pub(crate) fn export_path_for(&self, name: &str) -> String {
        let path = match self.settings.last_folders.get(Purpose::Export.key()) {
            Some(d) => d.join(name),
            None => self.resolve_in_project(Path::new(name)),
        };
        path.display().to_string()
    }

    /// The folder a dialog starts in: the last one used for the purpose, else the
    /// project's, else the home folder.
    fn dialog_dir(&self, purpose: Purpose) -> PathBuf {
        self.settings
            .last_folders
            .get(purpose.key())
            .filter(|d| d.is_dir())
            .cloned()
            .or_else(|| self.project_dir())
            .or_else(super::file_dialog::home_dir)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("."))
    }

    /// The name a save dialog proposes.
    pub(crate) fn default_file_name(&self, purpose: Purpose) -> String {
        let title = sanitize(&self.report_title(self.settings.lang));
        let layer = self
            .active
            .and_then(|a| self.layers.get(a))
            .map(|l| sanitize(&l.spec.name))
            .unwrap_or_else(|| title.clone());
        let zh = self.settings.lang == crate::app::Lang::Zh;
        match purpose {
            Purpose::Open | Purpose::TileFile => String::new(),
            Purpose::SaveProjectAs => match &self.project_path {
                Some(p) => p
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default(),
                None => format!("{title}.json"),
            },
            Purpose::Handout => format!("{title}_{}.pdf", if zh { "讲稿" } else { "handout" }),
            Purpose::Export => match self.export.kind {
                ExportKind::Summary => {
                    format!("{layer}_{}.pdf", if zh { "汇总" } else { "summary" })
                }
                ExportKind::Cards => format!("{layer}_{}.pdf", if zh { "图则" } else { "cards" }),
                ExportKind::MapImage => format!("{title}_{}.png", if zh { "地图" } else { "map" }),
            },
        }
    }

    /// Opens the dialog for a purpose: the desktop's own where it has one, else the
    /// in-window dialog.
    pub(crate) fn open_dialog(&mut self, purpose: Purpose) {
        if self.file_dialog.is_some() || self.native_dialog.is_some() {
            return;
        }
        let dir = self.dialog_dir(purpose);
        let mut name = self.default_file_name(purpose);
        if purpose == Purpose::Export && !self.export.path.trim().is_empty() {
            // The dialog starts from the file the export dialog already names.
            let current = self.resolve_in_project(Path::new(self.export.path.trim()));
            if let Some(n) = current.file_name() {
                name = n.to_string_lossy().to_string();
            }
        }
        let filters = self.dialog_filters(purpose);
        if self.settings.native_dialogs
            && let Some(native) =
                NativeDialog::start(purpose, &dir, &name, &filters, self.settings.lang)
        {
            self.native_dialog = Some(native);
            return;
        }
        let project_dir = self.project_dir();
        self.file_dialog = Some(FileDialog::new(
            purpose,
            &dir,
            &name,
            filters,
            project_dir.as_deref(),
        ));
    }

    /// Draws the open dialog, or collects what the desktop's dialog chose.
    pub(crate) fn file_dialog_ui(&mut self, ctx: &egui::Context) {
        if let Some(native) = self.native_dialog.take() {
            match native.poll() {
                Err(still_open) => {
                    self.native_dialog = Some(still_open);
                    ctx.request_repaint_after(std::time::Duration::from_millis(100));
                }
                Ok(Some(chosen)) => self.push(Command::FileChosen(chosen)),
                Ok(None) => {}
            }
        }
        let lang = self.settings.lang;
        let Some(dialog) = &mut self.file_dialog else {
            return;
        };
        match dialog.ui(ctx, lang) {
            Outcome::Open => {}
            Outcome::Cancelled => self.file_dialog = None,
            Outcome::Chosen(chosen) => {
                self.file_dialog = None;
                self.push(Command::FileChosen(chosen));
            }
        }
    }

    /// Whether a file dialog is open (in the window or the desktop's).
    pub fn file_dialog_open(&self) -> bool {
        self.file_dialog.is_some() || self.native_dialog.is_some()
    }

    /// The in-window dialog, when one is open (tests look at its listing).
    pub fn file_dialog(&self) -> Option<&FileDialog> {
        self.file_dialog.as_ref()
    }

    /// Acts on what a dialog chose.
    pub(crate) fn apply_chosen(&mut self, chosen: Chosen) {
        if let Some(dir) = chosen
            .paths
            .first()
            .and_then(|p| p.parent())
            .filter(|d| d.is_dir())
        {
            self.settings
                .last_folders
                .insert(chosen.purpose.key().to_string(), dir.to_path_buf());
        }
        let Some(first) = chosen.paths.first().cloned() else {
            return;
        };
        match chosen.purpose {
            Purpose::Open => self.open_chosen(chosen.paths),
            Purpose::TileFile => self.apply(Command::SetBasemap(BasemapChoice::File(first))),
            Purpose::SaveProjectAs => self.apply(Command::SaveProject(Some(first))),
            Purpose::Handout => self.apply(Command::ExportHandout(first)),
            // The file is chosen; 导出 in the Export window starts the export, so
            // the settings there can still be checked.
            Purpose::Export => {
                self.export.path = first.display().to_string();
                self.export.open = true;
            }
        }
    }

    /// Opens files chosen together: a project replaces the project, a tile file
    /// becomes the basemap, the rest are added as layers.
    fn open_chosen(&mut self, paths: Vec<PathBuf>) {
        let mut data = Vec::new();
        let mut projects = Vec::new();
        for p in paths {
            if is_tile_file(&p) {
                self.apply(Command::SetBasemap(BasemapChoice::File(p)));
            } else if crate::project::is_project_file(&p) {
                projects.push(p);
            } else {
                data.push(p);
            }
        }
        if !data.is_empty() {
            self.apply(Command::OpenFiles(data));
        }
        let mut projects = projects.into_iter();
        if let Some(p) = projects.next() {
            self.apply(Command::OpenProject(p));
        }
        let ignored: Vec<String> = projects.map(|p| p.display().to_string()).collect();
        if !ignored.is_empty() {
            let text = self.tr("one_project_at_a_time").to_string();
            self.notify_with(Level::Warning, text, ignored, None);
        }
    }
}

/// A title made safe as a file name: no path separators or characters Windows
/// refuses.
fn sanitize(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let trimmed = cleaned.trim().trim_matches('.').to_string();
    if trimmed.is_empty() {
        "parcelview".to_string()
    } else {
        trimmed
    }
}
