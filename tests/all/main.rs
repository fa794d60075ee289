//! Integration tests, one binary: import, selection, statistics, CLI.

mod cli;
mod import;
mod selection;
