//! Integration tests, one binary: import, selection, statistics, CLI.

mod app;
mod balance;
mod cli;
mod district;
mod expr;
mod faults;
mod hostile;
mod import;
mod project;
mod props;
mod report;
mod selection;
mod tiles;
mod cards;
mod workbook;
mod sheet;
mod documents;
