//! The panels around the map: menu, layers with legend, identify, status bar.

pub mod database;
pub mod export;
pub mod file_dialog;
pub mod files;
pub mod identify;
pub mod layer_choice;
pub mod life_circle;
pub mod settings;
pub mod stats;
pub mod table;

use std::sync::atomic::Ordering;

use egui::{Color32, RichText};

use file_dialog::Purpose;

use crate::app::{BasemapChoice, Command, FADE_AFTER_S, Lang, Level, Message, ParcelApp};
use crate::landuse::Palette;
use crate::landuse::{ClassId, LanduseTable};
use crate::selection::AreaMode;

impl ParcelApp {
    pub(crate) fn menu_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.menu_button(self.tr("file"), |ui| {
                if ui
                    .add(egui::Button::new(self.tr("open_menu")).shortcut_text("Ctrl+O"))
                    .clicked()
                {
                    self.push(Command::OpenDialog(Purpose::Open));
                    ui.close();
                }
                if ui.button(self.tr("connect_database_menu")).clicked() {
                    self.database_dialog = Some(Default::default());
                    ui.close();
                }
                ui.label(RichText::new(self.tr("drop_hint")).small().weak());
                let recent = self.settings.recent_projects.clone();
                if !recent.is_empty() {
                    ui.menu_button(self.tr("recent_projects"), |ui| {
                        for p in recent {
                            if ui.button(p.display().to_string()).clicked() {
                                self.push(Command::OpenProject(p));
                                ui.close();
                            }
                        }
                    });
                }
                ui.separator();
                let save_label = match &self.project_path {
                    Some(p) => format!("{} ({})", self.tr("save_project"), p.display()),
                    None => self.tr("save_project").to_string(),
                };
                if ui
                    .add(egui::Button::new(save_label).shortcut_text("Ctrl+S"))
                    .clicked()
                {
                    self.push(Command::SaveProject(None));
                    ui.close();
                }
                if ui
                    .add(egui::Button::new(self.tr("save_as_menu")).shortcut_text("Ctrl+Shift+S"))
                    .clicked()
                {
                    self.push(Command::OpenDialog(Purpose::SaveProjectAs));
                    ui.close();
                }
                ui.separator();
                if ui.button(self.tr("export_menu")).clicked() {
                    self.push(Command::ShowExport);
                    ui.close();
                }
                if ui
                    .add_enabled(
                        !self.bookmarks.is_empty() && !self.is_exporting(),
                        egui::Button::new(self.tr("handout_menu")),
                    )
                    .clicked()
                {
                    self.push(Command::OpenDialog(Purpose::Handout));
                    ui.close();
                }
                ui.separator();
                if ui.button(self.tr("settings_menu")).clicked() {
                    self.settings_open = true;
                    ui.close();
                }
            });
            ui.menu_button(self.tr("edit"), |ui| self.edit_menu_ui(ui));
            ui.menu_button(self.tr("view"), |ui| {
                if ui.button(self.tr("home")).clicked() {
                    self.push(Command::Home);
                    ui.close();
                }
                ui.separator();
                ui.label(self.tr("palette"));
                for (palette, key) in [
                    (Palette::Gtkj2023, "palette_2023"),
                    (Palette::Gb50137, "palette_gb50137"),
                ] {
                    if ui
                        .radio(self.settings.palette == palette, self.tr(key))
                        .clicked()
                    {
                        self.push(Command::SetPalette(palette));
                        ui.close();
                    }
                }
                ui.separator();
                // A window, not the menu itself: a menu closes at the first click
                // inside it, so a colour could not be adjusted there.
                if ui.button(self.tr("selection_colour_menu")).clicked() {
                    self.selection_colour_open = true;
                    ui.close();
                }
                if ui.button(self.tr("message_log_menu")).clicked() {
                    self.log_open = true;
                    ui.close();
                }
                ui.separator();
                let mut clearance = self.analysis.clearance_on;
                if ui
                    .checkbox(&mut clearance, self.tr("clearance_layer_menu"))
                    .clicked()
                {
                    self.push(Command::SetClearanceLayer(clearance));
                    ui.close();
                }
                if ui.button(self.tr("life_circles_menu")).clicked() {
                    self.push(Command::ShowLifeCircles(true));
                    ui.close();
                }
                ui.separator();
                self.compare_menu_ui(ui);
                ui.separator();
                for (i, b) in self.bookmarks.clone().iter().enumerate() {
                    if ui
                        .button(b.title_in(self.settings.lang == Lang::Zh))
                        .clicked()
                    {
                        self.push(Command::GoToBookmark(i));
                        ui.close();
                    }
                }
            });
            ui.menu_button(self.tr("basemap"), |ui| self.basemap_menu_ui(ui));
            ui.menu_button(self.tr("language"), |ui| {
                for (lang, name) in [(Lang::Zh, "中文"), (Lang::En, "English")] {
                    if ui.radio(self.settings.lang == lang, name).clicked() {
                        self.push(Command::SetLang(lang));
                        ui.close();
                    }
                }
            });
            ui.separator();
            ui.label(RichText::new(self.report_title(self.settings.lang)).strong());
            // The project says whether its data is illustrative (its disclaimer);
            // a planner's own files carry no such note.
            if let Some(disclaimer) = self
                .project_base
                .sheet_info(self.settings.lang == Lang::Zh)
                .disclaimer
            {
                ui.label(RichText::new(self.tr("illustrative")).weak())
                    .on_hover_text(disclaimer);
            }
        });
    }

    /// 撤销 and 重做, each naming the step, and the previous and next extent.
    fn edit_menu_ui(&mut self, ui: &mut egui::Ui) {
        let lang = self.settings.lang;
        let undo = match self.history.undo_label() {
            Some(what) => format!("{} {}", tr(lang, "undo"), tr(lang, what)),
            None => tr(lang, "undo").to_string(),
        };
        if ui
            .add_enabled(
                self.history.can_undo(),
                egui::Button::new(undo).shortcut_text("Ctrl+Z"),
            )
            .clicked()
        {
            self.push(Command::Undo);
            ui.close();
        }
        let redo = match self.history.redo_label() {
            Some(what) => format!("{} {}", tr(lang, "redo"), tr(lang, what)),
            None => tr(lang, "redo").to_string(),
        };
        if ui
            .add_enabled(
                self.history.can_redo(),
                egui::Button::new(redo).shortcut_text("Ctrl+Y"),
            )
            .clicked()
        {
            self.push(Command::Redo);
            ui.close();
        }
        ui.separator();
        if ui
            .add_enabled(
                self.extents.can_go_back(),
                egui::Button::new(tr(lang, "prev_extent")).shortcut_text("Alt+←"),
            )
            .clicked()
        {
            self.push(Command::PrevExtent);
            ui.close();
        }
        if ui
            .add_enabled(
                self.extents.can_go_forward(),
                egui::Button::new(tr(lang, "next_extent")).shortcut_text("Alt+→"),
            )
            .clicked()
        {
            self.push(Command::NextExtent);
            ui.close();
        }
    }

    /// The basemap chooser: offline light/dark, none, OpenStreetMap, Tianditu with a
    /// key, a custom XYZ template and a PMTiles/MBTiles file.
    fn basemap_menu_ui(&mut self, ui: &mut egui::Ui) {
        let current = self.settings.basemap.clone();
        for (choice, key) in [
            (BasemapChoice::OfflineLight, "offline_light"),
            (BasemapChoice::OfflineDark, "offline_dark"),
            (BasemapChoice::None, "no_basemap"),
            (BasemapChoice::OpenStreetMap, "osm"),
            (BasemapChoice::TiandituVector, "tianditu_vec"),
            (BasemapChoice::TiandituImagery, "tianditu_img"),
        ] {
            if ui.radio(current == choice, self.tr(key)).clicked() {
                self.push(Command::SetBasemap(choice));
                ui.close();
            }
        }
        ui.separator();
        let xyz = self.settings.xyz_template.clone();
        if !xyz.is_empty()
            && ui
                .radio(matches!(current, BasemapChoice::Xyz(_)), self.tr("xyz"))
                .clicked()
        {
            self.push(Command::SetBasemap(BasemapChoice::Xyz(xyz)));
            ui.close();
        }
        if ui.button(self.tr("tile_file_menu")).clicked() {
            self.push(Command::OpenDialog(Purpose::TileFile));
            ui.close();
        }
        if ui.button(self.tr("basemap_settings_menu")).clicked() {
            self.settings_open = true;
            ui.close();
        }
        ui.separator();
        ui.label(RichText::new(self.tr("online_note")).small().weak());
    }

    pub(crate) fn status_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            match self.cursor {
                Some(c) => {
                    ui.monospace(format!("{}: {:.6}°E {:.6}°N", self.tr("cursor"), c.x, c.y));
                    if let Some(en) = self.gauss_kruger.as_ref().and_then(|gk| gk.forward(c)) {
                        ui.separator();
                        ui.monospace(format!("CGCS2000 GK CM120°E  X={:.2}  Y={:.2}", en.y, en.x));
                    }
                }
                None => {
                    ui.monospace("—");
                }
            }
            ui.separator();
            let zoom = self.map_memory.zoom();
            ui.monospace(format!("{} {zoom:.1}", self.tr("zoom")));
            if let Some(c) = self.cursor {
                // Metres per screen point at the cursor's latitude, and the scale on a
                // 96-dpi screen (0.264 583 mm a pixel).
                let m_per_px = crate::render::metres_per_pixel(c.y, 256.0 * 2f64.powf(zoom));
                ui.separator();
                ui.monospace(format!(
                    "{} 1:{:.0}",
                    self.tr("scale"),
                    m_per_px / 0.000_264_583
                ));
            }
            if let Some(t) = &self.basemap_tiles
                && t.loading() > 0
            {
                ui.separator();
                ui.label(format!(
                    "{} {} {}",
                    self.tr("loading"),
                    t.loading(),
                    self.tr("tiles")
                ));
            }
            for l in &self.loading {
                ui.separator();
                let done = l.bytes_read.load(Ordering::Relaxed) as f32 / l.total.max(1) as f32;
                ui.label(format!("{} {}", self.tr("loading"), l.path.display()));
                ui.add(
                    egui::ProgressBar::new(done.clamp(0.0, 1.0))
                        .desired_width(160.0)
                        .show_percentage(),
                );
            }
            // Live tables: connecting, waiting for the server, or a view with more
            // rows than the map shows.
            let connecting = self.live_connecting();
            let (mut busy, mut capped) = (0usize, false);
            for l in self.layers.iter().filter(|l| l.spec.visible) {
                if let Some(h) = &l.live {
                    let live = crate::app::map::live::lock(h);
                    busy += usize::from(live.busy());
                    capped |= live.shown.is_some_and(|(_, more)| more);
                }
            }
            if connecting + busy > 0 {
                ui.separator();
                ui.spinner();
                ui.label(self.tr("live_waiting"));
            }
            if capped {
                ui.separator();
                ui.label(
                    RichText::new(self.tr("live_capped_short"))
                        .color(Color32::from_rgb(176, 112, 0)),
                )
                .on_hover_text(self.tr("live_capped"));
            }
            if !self.loading.is_empty() && ui.button(self.tr("cancel")).clicked() {
                self.push(Command::CancelLoading);
            }
            self.export_status_ui(ui);
            // The message log's button sits at the far right, where it does not move
            // as the read-outs change width.
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let open_errors = self
                    .log
                    .iter()
                    .filter(|m| m.level == Level::Error && !m.dismissed)
                    .count();
                let text = format!("{} ({})", self.tr("messages_button"), self.log.len());
                let text = if open_errors > 0 {
                    RichText::new(text).color(ERROR_RGB)
                } else {
                    RichText::new(text)
                };
                if ui
                    .selectable_label(self.log_open, text)
                    .on_hover_text(self.tr("message_log"))
                    .clicked()
                {
                    self.push(Command::ToggleLog);
                }
                if let Some(t) = &self.basemap_tiles
                    && t.offline()
                {
                    ui.separator();
                    let reason = t
                        .last_error
                        .as_ref()
                        .map(|e| e.to_string())
                        .unwrap_or_default();
                    ui.label(
                        RichText::new(self.tr("offline_note"))
                            .strong()
                            .color(ERROR_RGB),
                    )
                    .on_hover_text(format!("{}\n{reason}", self.tr("network_failed")));
                }
            });
        });
    }

    /// The message bar over the top of the map, as in QGIS: the newest messages
    /// first, each with its level, text, the file's 打开文件 / 打开文件夹 and a close
    /// ×. Drawn in an area of its own, so the panels and the tool bar never move.
    pub(crate) fn message_bar_ui(&mut self, ctx: &egui::Context, map_rect: egui::Rect) {
        let shown: Vec<Message> = self.bar_messages().into_iter().cloned().collect();
        if shown.is_empty() {
            return;
        }
        let now_s = self.now_s();
        let width = (map_rect.width() - 16.0).clamp(160.0, 880.0);
        egui::Area::new(egui::Id::unique("message_bar"))
            .order(egui::Order::Foreground)
            .fixed_pos(map_rect.left_top() + egui::vec2(8.0, 8.0))
            .show(ctx, |ui| {
                ui.set_width(width);
                for m in &shown {
                    // A fading message goes transparent over its last second.
                    let left_s = FADE_AFTER_S - (now_s - m.created_s);
                    let opacity = if m.level.fades() {
                        left_s.clamp(0.0, 1.0) as f32
                    } else {
                        1.0
                    };
                    ui.scope(|ui| {
                        ui.multiply_opacity(opacity);
                        self.message_row_ui(ui, m, width);
                    });
                    ui.add_space(4.0);
                }
            });
        // Repaint when the next fading message should start to fade or go.
        let next_s = shown
            .iter()
            .filter(|m| m.level.fades())
            .map(|m| (m.created_s + FADE_AFTER_S - 1.0 - now_s).max(0.05))
            .fold(f64::INFINITY, f64::min);
        if next_s.is_finite() {
            ctx.request_repaint_after(std::time::Duration::from_secs_f64(next_s.min(1.0)));
        }
    }

    /// One message of the bar.
    fn message_row_ui(&mut self, ui: &mut egui::Ui, m: &Message, width: f32) {
        let lang = self.settings.lang;
        let (fill, accent) = level_colours(m.level);
        egui::Frame::new()
            .fill(fill)
            .stroke(egui::Stroke::new(1.0, accent))
            .corner_radius(4.0)
            .inner_margin(egui::Margin::symmetric(8, 5))
            .show(ui, |ui| {
                ui.set_width(width - 18.0);
                ui.horizontal(|ui| {
                    ui.label(
                        RichText::new(tr(lang, level_key(m.level)))
                            .strong()
                            .color(accent),
                    );
                    let buttons_w = 250.0;
                    ui.scope(|ui| {
                        ui.set_max_width((width - 18.0 - buttons_w - 50.0).max(80.0));
                        ui.add(
                            egui::Label::new(RichText::new(&m.text).color(MESSAGE_TEXT_RGB)).wrap(),
                        );
                    });
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        let close = ui.small_button("×");
                        // The × is labelled for screen readers (and tests) by what it does.
                        let label = tr(lang, "dismiss_message");
                        close.widget_info(|| {
                            egui::WidgetInfo::labeled(egui::Role::Button, true, label)
                        });
                        if close.on_hover_text(label).clicked() {
                            self.push(Command::DismissMessage(m.id));
                        }
                        self.path_buttons_ui(ui, m);
                        if !m.details.is_empty() && ui.small_button(tr(lang, "details")).clicked() {
                            self.push(Command::ToggleLog);
                        }
                    });
                });
            });
    }

    /// 打开文件 and 打开文件夹 for a message about a file that is there.
    fn path_buttons_ui(&mut self, ui: &mut egui::Ui, m: &Message) {
        let lang = self.settings.lang;
        let Some(path) = &m.path else { return };
        // Right to left: the folder button comes first so it ends up on the right.
        if let Some(dir) = path.parent().filter(|d| d.is_dir())
            && ui.small_button(tr(lang, "open_folder")).clicked()
        {
            self.push(Command::OpenPath(dir.to_path_buf()));
        }
        if path.is_file() && ui.small_button(tr(lang, "open_file")).clicked() {
            self.push(Command::OpenPath(path.clone()));
        }
    }

    /// The message log: every message of the session, newest first, with its
    /// details; a message closed in the bar or faded can be shown there again.
    pub(crate) fn message_log_ui(&mut self, ctx: &egui::Context) {
        let lang = self.settings.lang;
        let mut open = self.log_open;
        let now_s = self.now_s();
        let log: Vec<Message> = self.log.iter().rev().cloned().collect();
        egui::Window::new(tr(lang, "message_log"))
            // Dialogs open in the middle of the window, never over the menu.
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(ctx.content_rect().center())
            .open(&mut open)
            .default_size([560.0, 360.0])
            .resizable(true)
            .show(ctx, |ui| {
                if log.is_empty() {
                    ui.label(RichText::new(tr(lang, "no_messages")).weak());
                }
                egui::ScrollArea::vertical().show(ui, |ui| {
                    for m in &log {
                        let (_, accent) = level_colours(m.level);
                        let age_min = ((now_s - m.created_s).max(0.0) / 60.0).floor();
                        let when = if age_min < 1.0 {
                            tr(lang, "just_now").to_string()
                        } else {
                            format!("{age_min:.0} {}", tr(lang, "minutes_ago"))
                        };
                        ui.horizontal_wrapped(|ui| {
                            ui.label(
                                RichText::new(tr(lang, level_key(m.level)))
                                    .strong()
                                    .color(accent),
                            );
                            ui.label(RichText::new(when).weak().small());
                            ui.label(&m.text);
                        });
                        ui.horizontal(|ui| {
                            self.path_buttons_ui(ui, m);
                            if !m.in_bar(now_s)
                                && ui.small_button(tr(lang, "show_in_bar")).clicked()
                            {
                                self.push(Command::ReshowMessage(m.id));
                            }
                        });
                        if !m.details.is_empty() {
                            egui::CollapsingHeader::new(format!(
                                "{} ({})",
                                tr(lang, "details"),
                                m.details.len()
                            ))
                            .id_salt(("message_details", m.id))
                            .show(ui, |ui| {
                                for d in &m.details {
                                    ui.label(RichText::new(d).small().monospace());
                                }
                            });
                        }
                        ui.separator();
                    }
                });
            });
        self.log_open = open;
    }

    /// The tool bar: selection and measuring tools, the area mode, selection by
    /// expression, selection actions, search, and the attribute table switch.
    pub(crate) fn toolbar_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            if ui
                .add_enabled(self.extents.can_go_back(), egui::Button::new("←"))
                .on_hover_text(self.tr("prev_extent"))
                .clicked()
            {
                self.push(Command::PrevExtent);
            }
            if ui
                .add_enabled(self.extents.can_go_forward(), egui::Button::new("→"))
                .on_hover_text(self.tr("next_extent"))
                .clicked()
            {
                self.push(Command::NextExtent);
            }
            ui.separator();
            if ui
                .add_enabled(
                    !self.bookmarks.is_empty(),
                    egui::Button::new(RichText::new(self.tr("present")).strong()),
                )
                .on_hover_text(self.tr("present_hint"))
                .clicked()
            {
                self.push(Command::StartBriefing);
            }
            ui.separator();
            for tool in crate::app::Tool::ALL {
                if ui
                    .selectable_label(self.tool == tool, self.tr(tool.key()))
                    .on_hover_text(self.tr("tools_hint"))
                    .clicked()
                {
                    self.push(Command::SetTool(tool));
                }
            }
            ui.separator();
            for (mode, key) in [
                (AreaMode::Intersects, "mode_intersects"),
                (AreaMode::Within, "mode_within"),
            ] {
                if ui.radio(self.area_mode == mode, self.tr(key)).clicked() {
                    self.push(Command::SetAreaMode(mode));
                }
            }
            ui.separator();
            if ui.button(self.tr("clear")).clicked() {
                self.push(Command::ClearSelection);
            }
            if ui.button(self.tr("invert")).clicked() {
                self.push(Command::InvertSelection);
            }
            if ui.button(self.tr("select_all")).clicked() {
                self.push(Command::SelectAll);
            }
            if ui.button(self.tr("zoom_selection")).clicked() {
                self.push(Command::ZoomToSelection);
            }
            ui.menu_button(self.tr("named_selections"), |ui| {
                self.named_selections_ui(ui)
            });
            ui.separator();
            let label = self.tr("table");
            ui.toggle_value(&mut self.show_table, label);
        });
        ui.horizontal(|ui| {
            let label = ui.label(self.tr("expression"));
            let edit = ui
                .add(
                    egui::TextEdit::singleline(&mut self.expr_text)
                        .hint_text("\"用地代码\" LIKE '1001%' AND \"容积率\" >= 1.5")
                        .desired_width(380.0),
                )
                .labelled_by(label.id);
            let entered = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button(self.tr("select_by_expr")).clicked() || entered {
                let op = crate::app::map::tools::op_from(ui.input(|i| i.modifiers));
                self.push(Command::SelectWhere(self.expr_text.clone(), op));
            }
            if let Some(e) = &self.expr_error {
                ui.colored_label(Color32::from_rgb(200, 60, 60), e);
            }
            ui.separator();
            let label = ui.label(self.tr("search_label"));
            let hint = self.tr("search");
            let search = ui
                .add(
                    egui::TextEdit::singleline(&mut self.search_text)
                        .hint_text(hint)
                        .desired_width(200.0),
                )
                .labelled_by(label.id);
            if search.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                self.push(Command::Search(self.search_text.clone()));
            }
            self.search_anchor = Some(search.rect.left_bottom());
        });
        // The hits float over the map under the search field, so the toolbar and
        // the map never move when they appear.
        if let Some(anchor) = self.search_anchor
            && self.searched.is_some()
        {
            egui::Area::new(egui::Id::unique("search_hits"))
                .order(egui::Order::Foreground)
                .fixed_pos(anchor + egui::vec2(0.0, 4.0))
                .show(ui.ctx(), |ui| {
                    egui::Frame::popup(ui.style()).show(ui, |ui| {
                        ui.set_max_width(560.0);
                        self.search_results_ui(ui);
                    });
                });
        }
    }

    /// The search hits, a line a layer (the active layer's first), each a button
    /// that goes to the feature; or what found nothing.
    fn search_results_ui(&mut self, ui: &mut egui::Ui) {
        const SHOWN_PER_LAYER: usize = 10;
        let lang = self.settings.lang;
        let Some(searched) = self.searched.clone() else {
            return;
        };
        if self.search_results.is_empty() {
            ui.horizontal(|ui| {
                ui.label(
                    RichText::new(format!("{} “{searched}”", tr(lang, "search_none")))
                        .color(Color32::from_rgb(200, 60, 60)),
                );
                ui.label(RichText::new(tr(lang, "search_scope")).small().weak());
                if ui.small_button(tr(lang, "close")).clicked() {
                    self.push(Command::ClearSearch);
                }
            });
            return;
        }
        let hits = self.search_results.clone();
        let mut groups: Vec<&[crate::app::SearchHit]> = Vec::new();
        let mut rest = hits.as_slice();
        while let Some(first) = rest.first() {
            let n = rest
                .iter()
                .position(|h| h.layer != first.layer)
                .unwrap_or(rest.len());
            let (group, tail) = rest.split_at(n);
            groups.push(group);
            rest = tail;
        }
        for (k, group) in groups.iter().enumerate() {
            let Some(li) = group.first().map(|h| h.layer) else {
                continue;
            };
            let name = self
                .layers
                .get(li)
                .map(|l| l.spec.name.clone())
                .unwrap_or_default();
            ui.horizontal_wrapped(|ui| {
                let mut heading = format!("{name} ({})", group.len());
                if self.active == Some(li) {
                    heading = format!("{heading} · {}", tr(lang, "active_layer"));
                }
                ui.label(RichText::new(heading).strong());
                for hit in group.iter().take(SHOWN_PER_LAYER) {
                    if ui.small_button(&hit.label).on_hover_text(&name).clicked() {
                        self.push(Command::GoToHit(hit.layer, hit.feature));
                    }
                }
                if group.len() > SHOWN_PER_LAYER {
                    ui.label(
                        RichText::new(format!(
                            "{} {}",
                            tr(lang, "search_more"),
                            group.len() - SHOWN_PER_LAYER
                        ))
                        .weak(),
                    );
                }
                if k == 0 {
                    ui.label(RichText::new(tr(lang, "search_scope")).small().weak());
                    if ui.small_button(tr(lang, "close")).clicked() {
                        self.push(Command::ClearSearch);
                    }
                }
            });
        }
    }

    /// The window choosing the selection's outline colour: suggested colours (none
    /// like a land-use class), R G B values for any other, a preview on the class
    /// colours the map shows most, and a warning when the colour is close to a
    /// class's. It stays open while the colour is adjusted.
    pub(crate) fn selection_colour_ui(&mut self, ctx: &egui::Context) {
        let lang = self.settings.lang;
        let mut open = self.selection_colour_open;
        let mut rgb = self.settings.selection_rgb;
        egui::Window::new(tr(lang, "selection_colour"))
            // Dialogs open in the middle of the window, never over the menu.
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(ctx.content_rect().center())
            .id(egui::Id::unique("selection-colour"))
            .open(&mut open)
            .resizable(false)
            .collapsible(false)
            // Over the map's top left corner, clear of the tool bar.
            .default_pos([360.0, 140.0])
            .show(ctx, |ui| {
                ui.label(
                    RichText::new(tr(lang, "selection_colour_hint"))
                        .small()
                        .weak(),
                );
                ui.horizontal(|ui| {
                    for (preset, key) in crate::app::map::draw::SELECTION_PRESETS {
                        if colour_swatch_button(ui, preset, rgb == preset, tr(lang, key)).clicked()
                        {
                            rgb = preset;
                        }
                    }
                });
                ui.horizontal(|ui| {
                    for (k, name) in ["R", "G", "B"].into_iter().enumerate() {
                        let label = ui.label(name);
                        if let Some(v) = rgb.get_mut(k) {
                            ui.add(egui::DragValue::new(v).range(0..=255).speed(1.0))
                                .labelled_by(label.id);
                        }
                    }
                    let default = crate::app::map::draw::DEFAULT_SELECTION_RGB;
                    if ui
                        .add_enabled(
                            rgb != default,
                            egui::Button::new(tr(lang, "default_colour")),
                        )
                        .clicked()
                    {
                        rgb = default;
                    }
                });
                selection_preview(ui, rgb);
                // Below about ΔE 20 an outline can be taken for a class's fill.
                let table = LanduseTable::global();
                if let Some((class, de)) = crate::app::map::draw::nearest_class_colour(rgb)
                    && de < 20.0
                    && let Some(c) = table.class(class)
                {
                    ui.label(
                        RichText::new(format!(
                            "{} {} {}",
                            tr(lang, "colour_like_class"),
                            c.code,
                            class_name(c, lang)
                        ))
                        .color(Color32::from_rgb(200, 60, 60)),
                    );
                }
            });
        self.selection_colour_open = open;
        if rgb != self.settings.selection_rgb {
            self.push(Command::SetSelectionColor(rgb));
        }
    }

    pub(crate) fn layers_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading(self.tr("layers"));
        let count = self.layers.len();
        let lang = self.settings.lang;
        egui::ScrollArea::vertical()
            .id_salt("layers-scroll")
            .show(ui, |ui| {
                // Top of the list is the top of the drawing order.
                for i in (0..count).rev() {
                    let Some(l) = self.layers.get(i) else {
                        continue;
                    };
                    let mut visible = l.spec.visible;
                    let mut opacity = l.opacity;
                    let name = l.spec.name.clone();
                    let info = match &l.data {
                        Ok(d) => {
                            let sel = if l.selection.is_empty() {
                                String::new()
                            } else {
                                format!(" · {} {}", tr(lang, "selected"), l.selection.len())
                            };
                            format!("{} {}{sel}", d.len(), tr(lang, "features"))
                        }
                        Err(_) => tr(lang, "failed").to_string(),
                    };
                    let error = l.data.as_ref().err().cloned();
                    let loaded = l.data.is_ok();
                    let restylable = loaded
                        && matches!(
                            l.spec.style.kind.as_str(),
                            "landuse" | "category" | "single" | ""
                        );
                    let active = self.active == Some(i);
                    let row = ui.horizontal(|ui| {
                        if ui
                            .checkbox(&mut visible, RichText::new(&name).strong())
                            .changed()
                        {
                            self.push(Command::SetVisible(i, visible));
                        }
                        if active {
                            // Said in words, not only by a radio dot: the area
                            // tools, the table and the statistics work on it.
                            ui.label(
                                RichText::new(tr(lang, "active_layer_badge"))
                                    .color(Color32::WHITE)
                                    .background_color(Color32::from_rgb(40, 110, 200)),
                            );
                        }
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                            ui.menu_button("≡", |ui| {
                                self.layer_menu_ui(ui, i, loaded, restylable, active)
                            })
                            .response
                            .on_hover_text(tr(lang, "layer_menu"));
                        });
                    });
                    row.response
                        .context_menu(|ui| self.layer_menu_ui(ui, i, loaded, restylable, active));
                    ui.horizontal(|ui| {
                        ui.label(RichText::new(info).weak().small());
                        // The label names the slider for screen readers too.
                        let label = ui.label(RichText::new(tr(lang, "opacity")).weak().small());
                        if ui
                            .add(egui::Slider::new(&mut opacity, 0.0..=1.0).show_value(false))
                            .labelled_by(label.id)
                            .changed()
                        {
                            self.push(Command::SetOpacity(i, opacity));
                        }
                    });
                    if let Some(e) = error {
                        ui.colored_label(Color32::from_rgb(200, 60, 60), e);
                    }
                    ui.separator();
                }
                // The analysis layers, drawn over the data layers.
                ui.label(RichText::new(tr(lang, "analysis_layers")).weak().small());
                self.clearance_layer_ui(ui);
                let mut circles = self.analysis.coverage_open;
                if ui
                    .checkbox(
                        &mut circles,
                        RichText::new(tr(lang, "life_circles")).strong(),
                    )
                    .on_hover_text(tr(lang, "life_circles_hint"))
                    .changed()
                {
                    self.push(Command::ShowLifeCircles(circles));
                }
                ui.separator();
                self.bookmarks_ui(ui);
                ui.separator();
                ui.heading(tr(lang, "legend"));
                self.legend_ui(ui);
            });
    }

    /// A layer's rarely used actions, from its ⋯ button or a right click on it.
    /// Removing is last, apart from the others, and can be undone.
    fn layer_menu_ui(
        &mut self,
        ui: &mut egui::Ui,
        i: usize,
        loaded: bool,
        restylable: bool,
        active: bool,
    ) {
        let lang = self.settings.lang;
        if loaded && !active && ui.button(tr(lang, "make_active")).clicked() {
            self.push(Command::SetActive(i));
            ui.close();
        }
        if ui.button(tr(lang, "zoom_to")).clicked() {
            self.push(Command::ZoomToLayer(i));
            ui.close();
        }
        if i + 1 < self.layers.len() && ui.button(tr(lang, "up")).clicked() {
            self.push(Command::MoveLayer(i, 1));
            ui.close();
        }
        if i > 0 && ui.button(tr(lang, "down")).clicked() {
            self.push(Command::MoveLayer(i, -1));
            ui.close();
        }
        if restylable {
            ui.menu_button(tr(lang, "style"), |ui| self.style_menu_ui(ui, i));
        }
        if ui.button(tr(lang, "rename_menu")).clicked() {
            self.rename = Some((
                i,
                self.layers
                    .get(i)
                    .map(|l| l.spec.name.clone())
                    .unwrap_or_default(),
            ));
            ui.close();
        }
        ui.separator();
        if ui
            .button(RichText::new(tr(lang, "remove")).color(Color32::from_rgb(190, 40, 40)))
            .clicked()
        {
            self.push(Command::RemoveLayer(i));
            ui.close();
        }
    }

    /// The window renaming a layer; a name another layer has is refused there.
    pub(crate) fn rename_ui(&mut self, ctx: &egui::Context) {
        let lang = self.settings.lang;
        let Some((i, mut text)) = self.rename.take() else {
            return;
        };
        let mut open = true;
        let mut done = false;
        let taken = self
            .layers
            .iter()
            .enumerate()
            .any(|(k, l)| k != i && l.spec.name == text.trim());
        egui::Window::new(tr(lang, "rename_title"))
            // Dialogs open in the middle of the window, never over the menu.
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(ctx.content_rect().center())
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                let label = ui.label(tr(lang, "layer_name"));
                let edit = ui
                    .add(egui::TextEdit::singleline(&mut text).desired_width(260.0))
                    .labelled_by(label.id);
                let entered = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if taken {
                    ui.colored_label(Color32::from_rgb(200, 40, 40), tr(lang, "name_taken"));
                }
                let ok = !taken && !text.trim().is_empty();
                if (ui
                    .add_enabled(ok, egui::Button::new(tr(lang, "apply")))
                    .clicked()
                    || entered)
                    && ok
                {
                    done = true;
                }
            });
        if done {
            self.push(Command::RenameLayer(i, text.trim().to_string()));
        } else if open {
            self.rename = Some((i, text));
        }
    }

    /// Selections kept under a name in the project: save the active layer's, bring
    /// one back, or remove it.
    fn named_selections_ui(&mut self, ui: &mut egui::Ui) {
        let lang = self.settings.lang;
        let label = ui.label(tr(lang, "selection_name"));
        ui.horizontal(|ui| {
            ui.add(egui::TextEdit::singleline(&mut self.selection_name).desired_width(180.0))
                .labelled_by(label.id);
            let has = self
                .active
                .and_then(|a| self.layers.get(a))
                .is_some_and(|l| !l.selection.is_empty());
            if ui
                .add_enabled(has, egui::Button::new(tr(lang, "save")))
                .clicked()
                && !self.selection_name.trim().is_empty()
            {
                self.push(Command::SaveSelection(
                    self.selection_name.trim().to_string(),
                ));
                ui.close();
            }
        });
        let saved: Vec<(usize, String)> = self
            .project_base
            .selections
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    i,
                    format!(
                        "{} · {} ({})",
                        s.name,
                        s.selection.layer,
                        s.selection.ids.len()
                    ),
                )
            })
            .collect();
        for (i, text) in saved {
            ui.horizontal(|ui| {
                if ui.button(text).clicked() {
                    self.push(Command::RestoreSelection(i));
                    ui.close();
                }
                if ui
                    .small_button("×")
                    .on_hover_text(tr(lang, "remove"))
                    .clicked()
                {
                    self.push(Command::DeleteSelection(i));
                }
            });
        }
    }

    /// Compare two layers with a swipe line: pick the left and the right layer.
    fn compare_menu_ui(&mut self, ui: &mut egui::Ui) {
        let lang = self.settings.lang;
        ui.label(tr(lang, "compare"));
        let names: Vec<(usize, String)> = self
            .layers
            .iter()
            .enumerate()
            .filter(|(_, l)| l.data.is_ok() && l.spec.role.as_deref() != Some("basemap"))
            .map(|(i, l)| (i, l.spec.name.clone()))
            .collect();
        let (mut left, mut right) = match self.compare {
            Some(c) => (c.left, c.right),
            None => (
                names.first().map_or(0, |n| n.0),
                self.active.unwrap_or(names.last().map_or(0, |n| n.0)),
            ),
        };
        let name_of = |i: usize| {
            names
                .iter()
                .find(|n| n.0 == i)
                .map(|n| n.1.clone())
                .unwrap_or_default()
        };
        ui.horizontal(|ui| {
            egui::ComboBox::from_id_salt("compare-left")
                .selected_text(name_of(left))
                .show_ui(ui, |ui| {
                    for (i, n) in &names {
                        ui.selectable_value(&mut left, *i, n);
                    }
                });
            ui.label("|");
            egui::ComboBox::from_id_salt("compare-right")
                .selected_text(name_of(right))
                .show_ui(ui, |ui| {
                    for (i, n) in &names {
                        ui.selectable_value(&mut right, *i, n);
                    }
                });
        });
        ui.horizontal(|ui| {
            if ui.button(tr(lang, "compare_start")).clicked() && left != right {
                self.push(Command::SetCompare(Some((left, right))));
                ui.close();
            }
            if self.compare.is_some() && ui.button(tr(lang, "compare_stop")).clicked() {
                self.push(Command::SetCompare(None));
                ui.close();
            }
        });
        if let Some(c) = &mut self.compare
            && (c.left != left || c.right != right)
            && left != right
        {
            c.left = left;
            c.right = right;
        }
    }

    /// Bookmarks (the briefing's slides): go to, add, update, rename, caption,
    /// reorder and delete.
    fn bookmarks_ui(&mut self, ui: &mut egui::Ui) {
        let lang = self.settings.lang;
        ui.horizontal(|ui| {
            ui.heading(tr(lang, "bookmarks"));
            if ui.button(tr(lang, "add_bookmark")).clicked() {
                self.push(Command::AddBookmark);
            }
        });
        let chinese = lang == Lang::Zh;
        for i in 0..self.bookmarks.len() {
            let Some(b) = self.bookmarks.get(i) else {
                continue;
            };
            let title = b.title_in(chinese).to_string();
            let editing = self.bookmark_edit == Some(i);
            ui.horizontal(|ui| {
                if ui
                    .selectable_label(editing, format!("{}. {title}", i + 1))
                    .clicked()
                {
                    self.bookmark_edit = Some(i);
                    self.load_bookmark_fields();
                    self.push(Command::GoToBookmark(i));
                }
            });
            if editing {
                ui.indent(("bookmark", i), |ui| {
                    let label = ui.label(tr(lang, "bookmark_title"));
                    ui.text_edit_singleline(&mut self.bookmark_title)
                        .labelled_by(label.id);
                    let label = ui.label(tr(lang, "bookmark_caption"));
                    ui.add(
                        egui::TextEdit::multiline(&mut self.bookmark_caption)
                            .desired_rows(2)
                            .desired_width(f32::INFINITY),
                    )
                    .labelled_by(label.id);
                    ui.horizontal_wrapped(|ui| {
                        if ui.small_button(tr(lang, "apply")).clicked() {
                            self.push(Command::EditBookmark(
                                i,
                                self.bookmark_title.clone(),
                                self.bookmark_caption.clone(),
                            ));
                        }
                        if ui
                            .small_button(tr(lang, "update_view"))
                            .on_hover_text(tr(lang, "update_view_hint"))
                            .clicked()
                        {
                            self.push(Command::UpdateBookmark(i));
                        }
                        if ui.small_button("↑").clicked() {
                            self.push(Command::MoveBookmark(i, -1));
                        }
                        if ui.small_button("↓").clicked() {
                            self.push(Command::MoveBookmark(i, 1));
                        }
                        if ui.small_button(tr(lang, "remove")).clicked() {
                            self.push(Command::DeleteBookmark(i));
                        }
                    });
                });
            }
        }
    }

    /// A layer's style choices: by land-use class, by a field's categories, or one
    /// colour.
    fn style_menu_ui(&mut self, ui: &mut egui::Ui, i: usize) {
        let lang = self.settings.lang;
        let Some(l) = self.layers.get(i) else { return };
        let Ok(data) = &l.data else { return };
        let current = l.spec.style.clone();
        let fields = data.fields.clone();
        let has_landuse = data.roles.landuse.is_some();
        if has_landuse
            && ui
                .radio(current.kind == "landuse", tr(lang, "style_landuse"))
                .clicked()
        {
            self.push(Command::SetStyle(
                i,
                crate::project::StyleSpec {
                    kind: "landuse".into(),
                    ..current.clone()
                },
            ));
            ui.close();
        }
        ui.menu_button(tr(lang, "style_category"), |ui| {
            for f in &fields {
                let on = current.kind == "category" && current.field.as_deref() == Some(f);
                if ui.radio(on, f).clicked() {
                    self.push(Command::SetStyle(
                        i,
                        crate::project::StyleSpec {
                            kind: "category".into(),
                            field: Some(f.clone()),
                            ..current.clone()
                        },
                    ));
                    ui.close();
                }
            }
        });
        ui.horizontal(|ui| {
            let c = crate::app::map::draw::parse_hex(
                current.fill.as_deref(),
                Color32::from_rgb(200, 200, 200),
            );
            let mut rgb = [c.r(), c.g(), c.b()];
            let picked = ui.color_edit_button_srgb(&mut rgb).changed();
            let chosen = ui
                .radio(current.kind == "single", tr(lang, "style_single"))
                .clicked();
            if picked || chosen {
                self.push(Command::SetStyle(
                    i,
                    crate::project::StyleSpec {
                        kind: "single".into(),
                        fill: Some(format!("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2])),
                        ..current.clone()
                    },
                ));
            }
        });
    }

    /// The land-use classes of the visible land-use layers, with codes and colours.
    fn legend_ui(&self, ui: &mut egui::Ui) {
        let table = LanduseTable::global();
        // Each layer knows its classes from load time; the legend only merges them.
        let mut classes: Vec<ClassId> = self
            .layers
            .iter()
            .filter(|l| l.spec.visible && l.spec.style.kind == "landuse")
            .flat_map(|l| l.classes.iter().copied())
            .map(|c| table.shown_as(c, self.settings.palette))
            .collect();
        classes.sort_unstable_by(|a, b| {
            let code = |c: &ClassId| table.class(*c).map(|k| k.code.as_str());
            code(a).cmp(&code(b))
        });
        classes.dedup();
        for class in classes.iter().filter_map(|c| table.class(*c)) {
            ui.horizontal(|ui| {
                swatch_ui(ui, class.rgb);
                ui.monospace(&class.code);
                ui.label(class_name(class, self.settings.lang));
            });
        }
    }
}

use crate::app::tr;

/// A class's name in the interface language.
fn class_name(class: &crate::landuse::LanduseClass, lang: Lang) -> &str {
    match lang {
        Lang::Zh => &class.name_zh,
        Lang::En => &class.name_en,
    }
}

/// A clickable colour patch named `name` (for screen readers and tests), framed
/// when it is the current colour.
fn colour_swatch_button(
    ui: &mut egui::Ui,
    [r, g, b]: [u8; 3],
    current: bool,
    name: &str,
) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(egui::vec2(26.0, 18.0), egui::Sense::click());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, name));
    ui.painter()
        .rect_filled(rect, 2.0, Color32::from_rgb(r, g, b));
    let frame = if current {
        egui::Stroke::new(2.0, ui.visuals().strong_text_color())
    } else {
        egui::Stroke::new(0.5, Color32::DARK_GRAY)
    };
    ui.painter()
        .rect_stroke(rect, 2.0, frame, egui::StrokeKind::Outside);
    response.on_hover_text(name)
}

/// Three parcels in the commonest class colours (residential, industrial, green),
/// the middle one outlined as the map outlines a selection.
fn selection_preview(ui: &mut egui::Ui, rgb: [u8; 3]) {
    let table = LanduseTable::global();
    let (rect, _) = ui.allocate_exact_size(egui::vec2(240.0, 54.0), egui::Sense::hover());
    let painter = ui.painter();
    let w = rect.width() / 3.0;
    for (k, code) in ["0701", "1001", "1401"].into_iter().enumerate() {
        let [r, g, b] = table
            .by_code(code)
            .map_or([200, 200, 200], |c| table.rgb(c));
        let cell = egui::Rect::from_min_size(
            rect.min + egui::vec2(w * k as f32, 0.0),
            egui::vec2(w, rect.height()),
        );
        painter.rect_filled(cell, 0.0, Color32::from_rgb(r, g, b));
        painter.rect_stroke(
            cell,
            0.0,
            egui::Stroke::new(0.6, Color32::from_rgba_unmultiplied(60, 60, 60, 150)),
            egui::StrokeKind::Inside,
        );
    }
    let [r, g, b] = rgb;
    let selected =
        egui::Rect::from_min_size(rect.min + egui::vec2(w, 0.0), egui::vec2(w, rect.height()))
            .shrink(4.0);
    for (color, width) in [
        (crate::app::map::draw::selection_halo(rgb), 6.0),
        (Color32::from_rgb(r, g, b), 3.0),
    ] {
        painter.rect_stroke(
            selected,
            0.0,
            egui::Stroke::new(width, color),
            egui::StrokeKind::Middle,
        );
    }
}

/// A small colour patch, as legends show classes.
pub(crate) fn swatch_ui(ui: &mut egui::Ui, [r, g, b]: [u8; 3]) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(18.0, 12.0), egui::Sense::hover());
    ui.painter()
        .rect_filled(rect, 1.0, Color32::from_rgb(r, g, b));
    ui.painter().rect_stroke(
        rect,
        1.0,
        egui::Stroke::new(0.5, Color32::DARK_GRAY),
        egui::StrokeKind::Inside,
    );
}

/// Red for errors: the status bar's 底图离线 and an unread error's message button.
const ERROR_RGB: Color32 = Color32::from_rgb(169, 48, 44);

/// The text of the message bar, dark on its light fills in either theme.
const MESSAGE_TEXT_RGB: Color32 = Color32::from_rgb(28, 28, 28);

/// A message's fill and its accent (border and level word), in the light tones of
/// QGIS's message bar.
fn level_colours(level: Level) -> (Color32, Color32) {
    match level {
        Level::Success => (
            Color32::from_rgb(223, 240, 216),
            Color32::from_rgb(46, 110, 48),
        ),
        Level::Info => (
            Color32::from_rgb(217, 234, 247),
            Color32::from_rgb(40, 96, 140),
        ),
        Level::Warning => (
            Color32::from_rgb(252, 244, 214),
            Color32::from_rgb(140, 100, 20),
        ),
        Level::Error => (Color32::from_rgb(246, 221, 219), ERROR_RGB),
    }
}

/// The text key naming a level.
fn level_key(level: Level) -> &'static str {
    match level {
        Level::Success => "level_success",
        Level::Info => "level_info",
        Level::Warning => "level_warning",
        Level::Error => "level_error",
    }
}
