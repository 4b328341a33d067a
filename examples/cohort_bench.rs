//! Times Kohorte from file to monthly cohort table, the way the app does it
//! (import with sniffing and the import report, then the cohort engine).
//! Run by `benches/cohort_vs_duckdb.py`; prints one JSON line.
//!
//! ```text
//! cargo run --release --example cohort_bench -- FILE
//! ```

use std::path::PathBuf;
use std::time::Instant;

use kohorte::analysis::cohorts::cohort_table;
use kohorte::analysis::history;
use kohorte::analysis::period::Granularity;
use kohorte::data::ImportOptions;
use kohorte::data::load::load_path;

fn main() {
    let Some(file) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: cohort_bench FILE");
        std::process::exit(2);
    };
    let started = Instant::now();
    let dataset = match load_path(&file, &ImportOptions::default()) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cohort_bench: {e}");
            std::process::exit(2);
        }
    };
    let loaded_s = started.elapsed().as_secs_f64();
    let as_of = dataset.default_as_of().unwrap_or_default();
    let orders_are_rows = dataset.orders_are_rows;
    let history = history::build(&dataset.orders, dataset.has_amount, orders_are_rows, None)
        .unwrap_or_else(|e| {
            eprintln!("cohort_bench: {e}");
            std::process::exit(2);
        });
    let table = cohort_table(&history.customers, Granularity::Month, as_of);
    let total_s = started.elapsed().as_secs_f64();
    let cells: usize = table.rows.iter().map(|r| r.cells.len()).sum();
    let active: u64 = table
        .rows
        .iter()
        .flat_map(|r| r.cells.iter())
        .map(|c| c.active)
        .sum();
    println!(
        "{{\"seconds\": {total_s:.3}, \"load_seconds\": {loaded_s:.3}, \"rows\": {}, \"customers\": {}, \"cohorts\": {}, \"cells\": {cells}, \"active_sum\": {active}}}",
        dataset.report.rows_used,
        table.customers(),
        table.rows.len()
    );
}
