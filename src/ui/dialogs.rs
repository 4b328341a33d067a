//! The operating system's file dialogs, each returning a path or `None`.
//! rfd answers `None` when the user cancels and also when there is no
//! desktop portal (a bare Linux session): drag and drop and the command
//! line then still work. Nothing else in the window opens a dialog, so no
//! test ever does.

use rust_i18n::t;
use std::path::PathBuf;

/// An order log or a saved analysis to open.
pub fn order_log() -> Option<PathBuf> {
    rfd::FileDialog::new()
        .set_title(t!("Open an order log"))
        .add_filter(
            t!("Order logs and saved analyses"),
            &["csv", "tsv", "txt", "parquet", "pq", "kohorte"],
        )
        .add_filter(t!("All files"), &["*"])
        .pick_file()
}

/// An event log (`events`) or a survey export to open beside the orders.
pub fn side_file(events: bool) -> Option<PathBuf> {
    rfd::FileDialog::new()
        .set_title(if events {
            t!("Open event log")
        } else {
            t!("Open survey")
        })
        .add_filter(
            t!("CSV, TSV, TXT or Parquet"),
            &["csv", "tsv", "txt", "parquet"],
        )
        .pick_file()
}

/// A loyalty programme file (TOML) to open.
pub fn programme() -> Option<PathBuf> {
    rfd::FileDialog::new()
        .set_title(t!("Open loyalty programme"))
        .add_filter("TOML", &["toml"])
        .pick_file()
}

/// Where to save a file, suggesting `file_name` with `extension`.
pub fn save_as(title: &str, file_name: &str, extension: &str) -> Option<PathBuf> {
    rfd::FileDialog::new()
        .set_title(title)
        .set_file_name(file_name)
        .add_filter(extension.to_uppercase(), &[extension])
        .save_file()
}

/// A folder to write into.
pub fn folder(title: &str) -> Option<PathBuf> {
    rfd::FileDialog::new().set_title(title).pick_folder()
}

/// The data file of a saved analysis that is not where it was.
pub fn data_file(name: &str) -> Option<PathBuf> {
    rfd::FileDialog::new()
        .set_title(t!("Where is '%{file}' now?", file = name))
        .add_filter(
            t!("Order logs (CSV, TSV, TXT, Parquet)"),
            &["csv", "tsv", "txt", "parquet", "pq"],
        )
        .pick_file()
}
