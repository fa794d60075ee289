//! Integration tests, one binary: import, selection, statistics, CLI.

mod analysis_reports;
mod analysis_window;
mod app;
mod balance;
mod breakdown;
mod cards;
mod clearance;
mod cli;
mod coverage;
mod district;
mod documents;
mod drawing;
mod expr;
mod faults;
mod formats;
mod hostile;
mod import;
mod labels_briefing;
mod postgis;
mod project;
mod props;
mod report;
mod selection;
mod sheet;
mod tiles;
mod workbook;
