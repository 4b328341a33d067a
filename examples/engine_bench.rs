//! Times what a user of the window waits for, on the engine the window
//! uses: a file opened until every tab is ready, then each setting change
//! until the changed tab's new table or chart (the visible part, which the
//! worker computes first) and until every tab is up to date again.
//! Run by `benches/window_engine.py`; prints one JSON line.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use kohorte::analysis::cancel::Cancel;
use kohorte::analysis::loyalty::Programme;
use kohorte::analysis::period::Granularity;
use kohorte::analysis::{Data, Engine, Part, Results, Settings};
use kohorte::data::{ImportOptions, Source};

/// The process's resident memory now, in MiB (Linux), for the breakdown.
fn resident_mib() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096 / (1 << 20))
}

fn fail(message: impl std::fmt::Display) -> ! {
    eprintln!("engine_bench: {message}");
    std::process::exit(2);
}

/// One change a user makes, the tab they look at and what it changes.
struct Change {
    name: &'static str,
    part: Part,
    apply: fn(&mut Settings, &[String]),
}

const CHANGES: [Change; 6] = [
    Change {
        name: "granularity month to week",
        part: Part::Cohorts,
        apply: |s, _| s.cohorts.granularity = Granularity::Week,
    },
    Change {
        name: "breakdown by an attribute",
        part: Part::Cohorts,
        apply: |s, attributes| s.cohorts.breakdown = attributes.first().cloned(),
    },
    Change {
        name: "one filter value",
        part: Part::Cohorts,
        apply: |s, attributes| {
            if let Some(column) = attributes.first() {
                s.filters.attributes.insert(
                    column.clone(),
                    std::iter::once(FILTER_VALUE.to_string()).collect(),
                );
            }
        },
    },
    Change {
        name: "RFM grid cell renamed",
        part: Part::Segments,
        apply: |s, _| s.segments.grid.names[4][4] = "VIP".into(),
    },
    Change {
        name: "loyalty threshold (what-if)",
        part: Part::Loyalty,
        apply: |s, _| {
            let mut changed = s.loyalty.clone().unwrap_or_default();
            if let Some(silver) = changed.tiers.get_mut(1) {
                silver.min_points = 400.0;
            }
            s.loyalty_what_if = Some(changed);
        },
    },
    Change {
        name: "CLV horizon",
        part: Part::Clv,
        apply: |s, _| s.clv.horizon_weeks = 52,
    },
];

/// The value the filter change keeps: the first channel of the benchmark
/// logs (and of the demo).
const FILTER_VALUE: &str = "Newsletter";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(file) = args.first() else {
        fail("usage: engine_bench FILE");
    };
    let never = Cancel::never();
    let started = Instant::now();
    let dataset = Source::File(PathBuf::from(file))
        .load(&ImportOptions::default())
        .unwrap_or_else(|e| fail(e));
    let read_s = started.elapsed().as_secs_f64();
    let read_mib = resident_mib();
    let indexing = Instant::now();
    let dataset = Arc::new(dataset);
    let data = Data::new(dataset.clone()).unwrap_or_else(|e| fail(e));
    let index_s = indexing.elapsed().as_secs_f64();
    let index_mib = resident_mib();
    let mut engine = Engine::new(Arc::new(data));
    let mut settings = Settings {
        loyalty: Some(Programme::default()),
        ..Settings::default()
    };
    // The window opens on the Overview and computes it first.
    let mut results = Results::default();
    let mut parts = Vec::new();
    let mut order = vec![Part::Overview];
    order.extend(Part::ALL.iter().copied().filter(|p| *p != Part::Overview));
    for part in order {
        let computing = Instant::now();
        engine
            .compute(part, &settings, &mut results, &never)
            .unwrap_or_else(|e| fail(e));
        parts.push(serde_json::json!({
            "part": format!("{part:?}"),
            "seconds": computing.elapsed().as_secs_f64(),
            "resident_mib": resident_mib(),
        }));
    }
    let opened_s = started.elapsed().as_secs_f64();
    let attributes = dataset.attributes.clone();
    let mut changes = Vec::new();
    for change in &CHANGES {
        (change.apply)(&mut settings, &attributes);
        let clicked = Instant::now();
        engine
            .compute(change.part, &settings, &mut results, &never)
            .unwrap_or_else(|e| fail(e));
        let shown_s = clicked.elapsed().as_secs_f64();
        for part in Part::ALL.iter().filter(|p| **p != change.part) {
            engine
                .compute(*part, &settings, &mut results, &never)
                .unwrap_or_else(|e| fail(e));
        }
        changes.push(serde_json::json!({
            "change": change.name,
            "tab": format!("{:?}", change.part),
            "shown_seconds": shown_s,
            "all_tabs_seconds": clicked.elapsed().as_secs_f64(),
        }));
    }
    println!(
        "{}",
        serde_json::json!({
            "rows": dataset.report.rows_used,
            "customers": dataset.report.customers,
            "read_seconds": read_s,
            "read_resident_mib": read_mib,
            "index_seconds": index_s,
            "index_resident_mib": index_mib,
            "opened_to_all_tabs_seconds": opened_s,
            "parts": parts,
            "changes": changes,
        })
    );
}
