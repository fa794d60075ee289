//! The map room: the view's transform, the prepared drawing of layers, the overlay
//! tiles of small features, the basemap's tile layer, the drawing tools and the
//! flights between views. It depends on the state (`crate::app`) and nothing else
//! of the app: panels and the briefing use it, never the other way round.

pub mod draw;
pub mod flight;
pub mod live;
pub mod overlay_tiles;
pub mod tiles;
pub mod tools;
pub mod view;
pub mod widget;
