//! Times Kohorte's CLV models on an order log: summarising, fitting and
//! scoring every customer, as the CLV tab does. Writes every customer's
//! summary and predictions (the clv.csv of the report) so that
//! `benches/clv_vs_lifetimes.py` can time the Python `lifetimes` library on
//! the same summary and compare the numbers. Prints one JSON line.
//!
//! ```text
//! cargo run --release --example clv_bench -- FILE OUT.csv bgnbd|paretonbd [CALIBRATION_END]
//! ```

use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use kohorte::analysis::clv::{ClvRow, ClvSettings, ModelKind, SpendModel, fit_and_score, frames};
use kohorte::analysis::order_log::history_of;
use kohorte::data::ImportOptions;
use kohorte::data::load::load_path;

fn fail(message: impl std::fmt::Display) -> ! {
    eprintln!("clv_bench: {message}");
    std::process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, out, model, rest @ ..] = args.as_slice() else {
        fail("usage: clv_bench FILE OUT.csv bgnbd|paretonbd [CALIBRATION_END]");
    };
    let model = ModelKind::ALL
        .into_iter()
        .find(|m| m.key() == model)
        .unwrap_or_else(|| fail(format!("unknown model {model}")));
    let calibration_end = rest.first().map(|d| {
        NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap_or_else(|e| fail(format!("{d}: {e}")))
    });
    let started = Instant::now();
    let dataset =
        load_path(&PathBuf::from(file), &ImportOptions::default()).unwrap_or_else(|e| fail(e));
    let history = history_of(&dataset).unwrap_or_else(|e| fail(e));
    let read_s = started.elapsed().as_secs_f64();
    let settings = ClvSettings {
        model,
        calibration_end,
        holdout_weeks: 0,
        ..ClvSettings::default()
    };
    let as_of = dataset.default_as_of().unwrap_or_default();
    let fitting = Instant::now();
    let fit =
        fit_and_score(&history, dataset.has_amount, &settings, as_of).unwrap_or_else(|e| fail(e));
    let fit_s = fitting.elapsed().as_secs_f64();
    let rows: Vec<&ClvRow> = fit.rows.iter().collect();
    let frame = frames::customers_frame(&rows).unwrap_or_else(|e| fail(e));
    kohorte::export::write_csv(&PathBuf::from(out), &frame).unwrap_or_else(|e| fail(e));
    let parameters: serde_json::Map<String, serde_json::Value> = fit
        .model
        .parameters()
        .into_iter()
        .map(|(n, v)| (n.to_string(), serde_json::json!(v)))
        .collect();
    let spend = match &fit.spend {
        SpendModel::Fitted { model, .. } => {
            serde_json::json!({"p": model.p, "q": model.q, "gamma": model.gamma})
        }
        SpendModel::Unavailable(reason) => serde_json::json!(reason),
    };
    println!(
        "{}",
        serde_json::json!({
            "read_seconds": read_s,
            "fit_and_score_seconds": fit_s,
            "customers": fit.customers,
            "distinct_rows": fit.distinct_rows,
            "calibration_end": fit.calibration_end,
            "parameters": parameters,
            "log_likelihood": fit.log_likelihood,
            "spend": spend,
        })
    );
}
