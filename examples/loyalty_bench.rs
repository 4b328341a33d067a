//! Times the loyalty replay on an order log: every customer's points and
//! tier at every month start, the migration and the summary, as the Loyalty
//! tab computes them. Run by `benches/loyalty_replay.py`; prints one JSON line.
//!
//! ```text
//! cargo run --release --example loyalty_bench -- FILE PROGRAMME.toml
//! ```

use std::path::PathBuf;
use std::time::Instant;

use kohorte::analysis::cancel::Cancel;
use kohorte::analysis::loyalty::{Programme, default_migration_window, replay};
use kohorte::analysis::order_log::history_of;
use kohorte::data::ImportOptions;
use kohorte::data::load::load_path;

fn fail(message: impl std::fmt::Display) -> ! {
    eprintln!("loyalty_bench: {message}");
    std::process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, programme] = args.as_slice() else {
        fail("usage: loyalty_bench FILE PROGRAMME.toml");
    };
    let programme = std::fs::read_to_string(programme).unwrap_or_else(|e| fail(e));
    let programme = Programme::parse(&programme).unwrap_or_else(|e| fail(e));
    let started = Instant::now();
    let dataset =
        load_path(&PathBuf::from(file), &ImportOptions::default()).unwrap_or_else(|e| fail(e));
    let history = history_of(&dataset).unwrap_or_else(|e| fail(e));
    let read_s = started.elapsed().as_secs_f64();
    let as_of = dataset.default_as_of().unwrap_or_default();
    let replaying = Instant::now();
    let results = replay(
        &programme,
        &history,
        as_of,
        dataset.mapping.points_redeemed.is_some(),
        default_migration_window(as_of),
        &Cancel::never(),
    )
    .unwrap_or_else(|e| fail(e));
    let replay_s = replaying.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "read_seconds": read_s,
            "replay_seconds": replay_s,
            "orders": dataset.report.rows_used,
            "members": results.summary.members,
            "checkpoints": results.tiers_over_time.len(),
            "members_per_tier": results.summary.members_per_tier,
            "liability": results.summary.liability,
        })
    );
}
