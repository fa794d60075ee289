//! Data generators: synthetic parcel layers (tests, benchmarks) and the bundled
//! airport-city district in `maps/`.

pub mod district;
pub mod parcels;
pub mod rng;
mod shapes;

pub use district::{DEFAULT_SEED, district_files, write_district};
pub use parcels::{ParcelOptions, write_parcels};
