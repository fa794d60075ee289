//! Data generators: synthetic parcel layers (tests, benchmarks) and the bundled
//! airport-city district in `maps/`.

pub mod parcels;
pub mod rng;

pub use parcels::{ParcelOptions, write_parcels};
