//! Reading and writing files: GeoJSON import, GeoJSON export, atomic writes.

pub mod geojson;
pub mod parse;
pub mod scan;
pub mod tile_files;
pub mod tiles_http;
pub mod write;

pub use geojson::{LoadControl, LoadError, LoadOptions, load_bytes, load_path};
pub use write::{atomic_write, write_geojson_features};
