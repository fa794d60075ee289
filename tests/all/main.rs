//! Integration tests, one binary: import, selection, statistics, CLI.

mod app;
mod cli;
mod district;
mod expr;
mod hostile;
mod import;
mod project;
mod report;
mod selection;
mod tiles;
