//! Kohorte: offline customer-retention analytics from a CSV or Parquet order log.

// Every user-visible string in English, German and Dutch, looked up by its
// English text; no fallback, so a missing translation shows as `de.<text>`
// instead of passing for German.
rust_i18n::i18n!("assets/locales");

/// Pure analyses: canonical frame and settings in, tables and chart specs out.
pub mod analysis;
/// Months as indices, days as epoch milliseconds.
pub mod calendar;
/// Chart descriptions and their SVG/PNG export.
pub mod chart;
/// Getting a user's file into the canonical frame, with the import report.
pub mod data;
/// Every chart as a slide deck and a self-contained web page.
pub mod deck;
/// Atomic file writing for every export.
pub mod export;
/// Numbers as people read them.
pub mod format;
/// The language of the window, the charts and the deck.
pub mod i18n;
/// The headless run: the same analyses written to files.
pub mod report;
/// Saved analyses: every choice of an analysis, to reopen and compare.
pub mod saved;
/// The egui window.
pub mod ui;
