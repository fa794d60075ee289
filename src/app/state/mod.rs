//! The state room's helpers: the interface language, opening and saving projects
//! (with the recovery file), the undo history and the short feature descriptions
//! both the map and the briefing print. The state itself, [`crate::app::ParcelApp`],
//! and its [`crate::app::Command`]s live at the app's root.

pub mod describe;
pub mod history;
pub mod i18n;
pub mod project_io;
