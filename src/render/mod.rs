//! Rendering without a window: Web Mercator world coordinates, the offline
//! basemap's raster tiles (served as a tile source by [`crate::tiles`]), and map
//! images for reports.

pub mod basemap;
pub mod canvas;
pub mod hatch;
pub mod labels;
pub mod legend;
pub mod map_image;
pub mod mercator;
pub mod scale;
pub mod symbols;
pub mod text;
pub mod title_block;
pub mod wrap;

pub use basemap::{Basemap, BasemapKind, BasemapVariant, TILE_SIZE};
pub use mercator::{lon_lat_from_world, metres_per_pixel, world_from_lon_lat};
