//! The 连接数据库 dialog: a PostGIS server's address fields and a password,
//! then the tables and views it holds (from `geometry_columns`, with SRID, type
//! and row estimate) in the layer chooser, which opens the ticked ones as
//! layers. The password stays in this process's memory
//! ([`crate::sources::postgis::remember_password`]); the project keeps only the
//! address.

use std::path::PathBuf;
use std::thread::JoinHandle;

use egui::RichText;

use crate::app::{Lang, ParcelApp};
use crate::sources::postgis::{Address, ServerFault, remember_password};
use crate::sources::{LayerInfo, LoadError};

/// A database's tables being listed on a worker thread.
type Listing = JoinHandle<Result<Vec<LayerInfo>, LoadError>>;

/// The dialog's fields and the listing under way.
pub struct DatabaseDialog {
    pub host: String,
    pub port: String,
    pub database: String,
    pub user: String,
    pub password: String,
    /// The last error, in the interface language.
    pub error: Option<String>,
    listing: Option<(Address, Listing)>,
}

impl Default for DatabaseDialog {
    fn default() -> DatabaseDialog {
        DatabaseDialog {
            host: "localhost".into(),
            port: "5432".into(),
            database: String::new(),
            user: std::env::var("PGUSER")
                .or_else(|_| std::env::var("USER"))
                .unwrap_or_default(),
            password: String::new(),
            error: None,
            listing: None,
        }
    }
}

fn text(lang: Lang, key: &str) -> &'static str {
    let (zh, en) = match key {
        "title" => ("连接数据库", "Connect to a database"),
        "host" => ("主机", "Host"),
        "port" => ("端口", "Port"),
        "database" => ("数据库", "Database"),
        "user" => ("用户名", "User"),
        "password" => ("密码", "Password"),
        "password_hint" => (
            "密码只保存在本次运行的内存中，不写入项目文件；也可用 PGPASSWORD 或 ~/.pgpass。",
            "The password is kept in memory for this session only, never in the project file; PGPASSWORD or ~/.pgpass also work.",
        ),
        "connect" => ("连接并列出图层", "Connect and list layers"),
        "connecting" => ("正在连接…", "Connecting…"),
        "no_tables" => (
            "数据库中没有带几何字段的表或视图（geometry_columns 为空）。",
            "The database has no table or view with a geometry column (geometry_columns is empty).",
        ),
        _ => ("", ""),
    };
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// The headline of a server fault in the interface language.
pub fn fault_headline(lang: Lang, fault: ServerFault) -> &'static str {
    crate::app::tr(lang, fault.key())
}

/// An error of the dialog in the interface language: the headline, then the
/// server's own words.
fn describe(lang: Lang, e: &LoadError) -> String {
    match e {
        LoadError::Server { fault, detail, .. } => {
            format!("{}：{detail}", fault_headline(lang, *fault))
        }
        other => other.to_string(),
    }
}

impl DatabaseDialog {
    /// The address the fields give (without the password), or why not.
    fn address(&self) -> Result<Address, String> {
        let host = self.host.trim();
        let host = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        let user = self.user.trim();
        let user = if user.is_empty() {
            String::new()
        } else {
            format!("{}@", user.replace('@', "%40").replace(':', "%3A"))
        };
        let text = format!(
            "postgresql://{user}{host}:{}/{}",
            self.port.trim(),
            self.database.trim().replace('/', "%2F").replace('?', "%3F")
        );
        Address::parse(&text).map_err(|e| e.to_string())
    }
}

impl ParcelApp {
    /// Draws the dialog while it is open; a finished listing opens the layer
    /// chooser on the database's tables.
    pub(crate) fn database_ui(&mut self, ctx: &egui::Context) {
        let lang = self.settings.lang;
        let Some(mut d) = self.database_dialog.take() else {
            return;
        };
        // A finished listing: the chooser, or the error in the dialog.
        if d.listing.as_ref().is_some_and(|(_, h)| h.is_finished())
            && let Some((address, handle)) = d.listing.take()
        {
            match handle.join() {
                Ok(Ok(layers)) if layers.is_empty() => {
                    d.error = Some(text(lang, "no_tables").to_string())
                }
                Ok(Ok(layers)) => {
                    let picked = vec![false; layers.len()];
                    let large = layers.iter().any(|l| {
                        l.features >= crate::app::panels::layer_choice::LIVE_PROPOSED_ROWS
                    });
                    self.layer_choice = Some(crate::app::panels::layer_choice::LayerChoice {
                        path: PathBuf::from(address.to_string()),
                        layers,
                        picked,
                        live: Some(large),
                    });
                    return;
                }
                Ok(Err(e)) => d.error = Some(describe(lang, &e)),
                Err(_) => d.error = Some(fault_headline(lang, ServerFault::Query).to_string()),
            }
        }
        let mut open = true;
        let mut connect = false;
        let busy = d.listing.is_some();
        egui::Window::new(text(lang, "title"))
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(ctx.content_rect().center())
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                egui::Grid::new("database_fields")
                    .num_columns(2)
                    .show(ui, |ui| {
                        ui.label(text(lang, "host"));
                        ui.add(egui::TextEdit::singleline(&mut d.host).desired_width(220.0));
                        ui.end_row();
                        ui.label(text(lang, "port"));
                        ui.add(egui::TextEdit::singleline(&mut d.port).desired_width(80.0));
                        ui.end_row();
                        ui.label(text(lang, "database"));
                        ui.add(egui::TextEdit::singleline(&mut d.database).desired_width(220.0));
                        ui.end_row();
                        ui.label(text(lang, "user"));
                        ui.add(egui::TextEdit::singleline(&mut d.user).desired_width(220.0));
                        ui.end_row();
                        ui.label(text(lang, "password"));
                        let r = ui.add(
                            egui::TextEdit::singleline(&mut d.password)
                                .password(true)
                                .desired_width(220.0),
                        );
                        if r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                            connect = true;
                        }
                        ui.end_row();
                    });
                ui.label(RichText::new(text(lang, "password_hint")).small().weak());
                if let Some(e) = &d.error {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(
                            !busy && !d.database.trim().is_empty(),
                            egui::Button::new(text(lang, "connect")),
                        )
                        .clicked()
                    {
                        connect = true;
                    }
                    if busy {
                        ui.spinner();
                        ui.label(text(lang, "connecting"));
                    }
                });
            });
        if connect && !busy {
            match d.address() {
                Ok(address) => {
                    remember_password(&address, &d.password);
                    d.error = None;
                    let a = address.clone();
                    let handle =
                        std::thread::spawn(move || crate::sources::postgis::list_layers(&a));
                    d.listing = Some((address, handle));
                }
                Err(e) => {
                    d.error = Some(format!(
                        "{}：{e}",
                        fault_headline(lang, ServerFault::Address)
                    ))
                }
            }
        }
        if d.listing.is_some() {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
        if open {
            self.database_dialog = Some(d);
        }
    }
}
