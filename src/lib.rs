//! parcelview: a desktop GIS planning viewer for the airport new town (空港新城) of
//! Jiaxing High-tech Zone, and the headless core it is built on.
//!
//! The core has no UI dependency; the CLI and the app call the same functions.
//!
//! | module | what it does |
//! | --- | --- |
//! | [`model`] | layers, features, columnar attributes, field roles |
//! | [`io`] | streaming GeoJSON import, GeoJSON export, atomic writes |
//! | [`sources`] | the file formats behind one reader: GeoJSON, Shapefile, GeoPackage, FlatGeobuf, KML/KMZ, CSV; GIS exports |
//! | [`crs`] | CRS names, projected-coordinate detection, reprojection, Gauss-Krüger |
//! | [`area`] | ellipsoidal and plane areas |
//! | [`validity`] | self-intersecting and empty polygons, whose areas are unreliable |
//! | [`landuse`] | land-use classes of the 2023 national standard and GB 50137; mixed-use codes |
//! | [`measure`] | geodesic lengths and areas of drawn lines and polygons |
//! | [`index`] | R*-tree over feature envelopes |
//! | [`expr`] | attribute expressions (`"YDDM" LIKE '1001%' AND "RJL" >= 1.5`) |
//! | [`selection`] | point, rectangle, polygon and distance queries with exact predicates |
//! | [`stats`] | land-use balance tables (levels, 现状/规划, GB 50137 view), indicators |
//! | [`analysis`] | airport obstacle limitation surfaces against 限高, life-circle (生活圈) coverage |
//! | [`generate`] | synthetic parcel layers and the bundled airport-city district |
//! | [`project`] | project files: layers, styles, bookmarks, the balance's layers, recovery |
//! | [`render`] | Web Mercator coordinates, the offline basemap's raster tiles, report maps |
//! | [`tiles`] | tile sources: the offline basemap, XYZ/天地图 with a disk cache, PMTiles, MBTiles |
//! | [`report`] | report model (summary, parcel cards) and its PDF, Excel and CSV writers |
//! | [`cli`] | the headless commands |
//! | [`app`] | the desktop app (egui, eframe, walkers): the only module that uses egui |

// Library code never unwraps or indexes out of bounds: errors are returned, and a
// value that cannot be there is handled as absent. Tests may unwrap. The generator
// (synthetic data, never user input) indexes its own arrays and is exempt.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod analysis;
pub mod app;
pub mod area;
pub mod cli;
pub mod crs;
pub mod expr;
#[allow(clippy::indexing_slicing)]
pub mod generate;
pub mod index;
pub mod io;
pub mod landuse;
pub mod measure;
pub mod model;
pub mod project;
pub mod render;
pub mod report;
pub mod selection;
pub mod sources;
pub mod stats;
pub mod tiles;
pub mod validity;
