//! Reading and writing files: the GeoJSON reader (one source among those of
//! [`crate::sources`]), GeoJSON export, atomic writes.

mod fast;
pub mod geojson;
pub mod parse;
pub mod scan;
pub mod write;

pub use crate::sources::{LoadControl, LoadError, LoadOptions, load_path};
pub use geojson::load_bytes;
pub use write::{atomic_write, write_geojson_features};
