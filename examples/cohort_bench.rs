//! Times Kohorte from file to monthly cohort table, the way the app gets
//! its first table: the quick column scan (`data::cohort_read`) when the
//! file needs none of the full import's repairs, else the full import and
//! the cohort engine on the customers' histories. Run by
//! `benches/cohort_vs_duckdb.py`; prints one JSON line.
//!
//! ```text
//! cargo run --release --example cohort_bench -- FILE [--full]
//! ```
//!
//! `--full` always takes the full import, for comparison.

use std::path::PathBuf;
use std::time::Instant;

use kohorte::analysis::cancel::Cancel;
use kohorte::analysis::cohort_scan::quick_cohort_table;
use kohorte::analysis::cohorts::{CohortTable, cohort_table};
use kohorte::analysis::order_log::history_of;
use kohorte::analysis::period::Granularity;
use kohorte::data::ImportOptions;
use kohorte::data::load::load_path;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(file) = args.next().map(PathBuf::from) else {
        eprintln!("usage: cohort_bench FILE [--full]");
        std::process::exit(2);
    };
    let full_only = args.next().as_deref() == Some("--full");
    let options = ImportOptions::default();
    let started = Instant::now();
    let quick = if full_only {
        None
    } else {
        quick_cohort_table(&file, &options, Granularity::Month, None)
    };
    let (table, path) = match quick {
        Some(table) => (table, "quick"),
        None => (full(&file, &options), "full"),
    };
    let total_s = started.elapsed().as_secs_f64();
    let cells: usize = table.rows.iter().map(|r| r.cells.len()).sum();
    let active: u64 = table
        .rows
        .iter()
        .flat_map(|r| r.cells.iter())
        .map(|c| c.active)
        .sum();
    println!(
        "{{\"seconds\": {total_s:.3}, \"path\": \"{path}\", \"customers\": {}, \"cohorts\": {}, \"cells\": {cells}, \"active_sum\": {active}}}",
        table.customers(),
        table.rows.len()
    );
}

fn full(file: &std::path::Path, options: &ImportOptions) -> CohortTable {
    let dataset = load_path(file, options).unwrap_or_else(|e| {
        eprintln!("cohort_bench: {e}");
        std::process::exit(2);
    });
    let as_of = dataset.default_as_of().unwrap_or_default();
    let history = history_of(&dataset).unwrap_or_else(|e| {
        eprintln!("cohort_bench: {e}");
        std::process::exit(2);
    });
    cohort_table(&history, Granularity::Month, as_of, &Cancel::never()).unwrap_or_else(|e| {
        eprintln!("cohort_bench: {e}");
        std::process::exit(2);
    })
}
