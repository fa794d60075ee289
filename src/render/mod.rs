//! Rendering without a window: Web Mercator world coordinates and the offline
//! basemap's raster tiles.

pub mod basemap;
pub mod mercator;
pub mod tiles;

pub use basemap::{Basemap, BasemapKind, BasemapVariant, TILE_SIZE};
pub use mercator::{lon_lat_from_world, metres_per_pixel, world_from_lon_lat};
