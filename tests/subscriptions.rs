//! The sBG model on a subscription log through the normal import and
//! report, against Fader & Hardie (2007, "How to project customer
//! retention"): 1,000 "regular" and 1,000 "high end" subscribers, yearly.

use std::process::Command;

use serde_json::Value;

/// Survivors after 0..7 yearly renewals, from the paper.
const REGULAR: [usize; 8] = [1000, 631, 468, 382, 326, 289, 262, 241];
const HIGH_END: [usize; 8] = [1000, 869, 743, 653, 593, 551, 517, 491];

/// A yearly subscription log with a plan column: the regular cohort starts
/// in January 2015, the high-end one in February; each subscriber pays
/// every year until they cancel.
fn subscription_log() -> String {
    let mut csv = String::from("customer_id,paid_on,amount,plan\n");
    for (cohort, (survivors, month, price)) in [(REGULAR, 1, 120.0), (HIGH_END, 2, 480.0)]
        .into_iter()
        .enumerate()
    {
        for customer in 0..survivors[0] {
            let years = survivors.iter().filter(|alive| customer < **alive).count();
            for year in 0..years {
                csv.push_str(&format!(
                    "S{cohort}-{customer:04},{}-{month:02}-{:02},{price:.2},{}\n",
                    2015 + year,
                    1 + customer % 28,
                    if cohort == 0 { "Regular" } else { "Premium" },
                ));
            }
        }
    }
    csv
}

#[test]
fn the_report_fits_the_papers_cohorts() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("subscriptions.csv");
    std::fs::write(&log, subscription_log()).unwrap();
    let out = dir.path().join("out");
    let run = Command::new(env!("CARGO_BIN_EXE_kohorte"))
        .args([
            "report",
            log.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--only",
            "mrr",
            "--as-of",
            "2022-03-01",
        ])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let model: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("subscription_model.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(model["billing_period"], "year");
    let cohorts = model["cohorts"].as_array().unwrap();
    assert_eq!(cohorts.len(), 2);
    for (cohort, (survivors, alpha, beta, log_likelihood)) in cohorts.iter().zip([
        (REGULAR, 0.704, 1.182, -1680.27),
        (HIGH_END, 0.668, 3.806, -1611.16),
    ]) {
        let got: Vec<usize> = cohort["survivors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(got, survivors);
        let value = |v: &Value| v.as_f64().unwrap();
        assert!(
            (value(&cohort["model"]["alpha"]) - alpha).abs() < 0.0005,
            "{cohort}"
        );
        assert!(
            (value(&cohort["model"]["beta"]) - beta).abs() < 0.0005,
            "{cohort}"
        );
        assert!(
            (value(&cohort["log_likelihood"]) - log_likelihood).abs() < 0.005,
            "{cohort}"
        );
        for interval in cohort["intervals"].as_array().unwrap() {
            let (low, high) = (value(&interval["low"]), value(&interval["high"]));
            assert!(low < value(&interval["value"]) && value(&interval["value"]) < high);
            assert!(value(&interval["standard_error"]) > 0.0);
        }
        assert_eq!(cohort["intervals"].as_array().unwrap().len(), 2);
    }
    // Today's subscribers: everyone who paid for the seventh renewal.
    assert_eq!(model["subscribers"], 241 + 491);
    let remaining = model["expected_remaining_periods"].as_f64().unwrap();
    assert!(remaining > 1.0 && remaining < 10.0, "{remaining}");
    let retention = std::fs::read_to_string(out.join("subscription_retention.csv")).unwrap();
    assert!(retention.starts_with("cohort,period,actual,predicted\n"));
    // Year 7 of the regular cohort: 241 of 1,000 actual.
    assert!(retention.contains("2015-01-01,7,0.241,"), "{retention}");
    assert!(out.join("subscription_retention.png").is_file());
}
