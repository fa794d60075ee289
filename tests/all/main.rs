//! Integration tests, one binary: import, selection, statistics, CLI.

mod cli;
mod district;
mod import;
mod selection;
