//! The headless report, run as a user would run it.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::fixture;
use serde_json::Value;

fn kohorte(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kohorte"))
        .args(args)
        .output()
        .expect("run kohorte")
}

fn report(file: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "report",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    kohorte(&args)
}

/// Runs the report, which must succeed (else its error line is shown).
fn report_ok(file: &Path, out: &Path, extra: &[&str]) {
    let run = report(file, out, extra);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

fn import_json(out: &Path) -> Value {
    let text = std::fs::read_to_string(out.join("import.json")).expect("import.json written");
    serde_json::from_str(&text).expect("valid JSON")
}

#[test]
fn writes_import_json_and_charts() {
    let out = tempfile::tempdir().unwrap();
    report_ok(&fixture("orders_plain.csv"), out.path(), &[]);
    let json = import_json(out.path());
    assert_eq!(json["rows_read"], 10);
    assert_eq!(json["rows_used"], 8);
    assert_eq!(json["rows_dropped"], 2);
    assert_eq!(json["customers"], 5);
    assert_eq!(json["orders"], 8);
    assert_eq!(json["first_date"], "2024-01-05");
    assert_eq!(json["last_date"], "2024-04-01");
    assert_eq!(json["total_amount"], 1619.31);
    assert_eq!(json["roles"]["customer_id"], "customer_id");
    assert_eq!(json["dialect"]["delimiter"], ",");
    assert_eq!(json["dropped"][1]["reason"], "unreadable_date");
    assert_eq!(json["dropped"][1]["examples"][0]["row"], 7);
    for file in [
        "orders_per_month.csv",
        "orders_per_month.svg",
        "orders_per_month.png",
        "revenue_per_month.png",
    ] {
        let meta =
            std::fs::metadata(out.path().join(file)).unwrap_or_else(|_| panic!("{file} missing"));
        assert!(meta.len() > 100, "{file} is too small");
    }
    let png = std::fs::read(out.path().join("orders_per_month.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let activity = std::fs::read_to_string(out.path().join("orders_per_month.csv")).unwrap();
    assert_eq!(
        activity.lines().next(),
        Some("month,orders,customers,revenue")
    );
    assert_eq!(activity.lines().nth(1), Some("2024-01-01,3,3,1400.96"));
}

#[test]
fn german_export_gives_the_same_counts_without_flags() {
    let plain = tempfile::tempdir().unwrap();
    let german = tempfile::tempdir().unwrap();
    assert!(
        report(&fixture("orders_plain.csv"), plain.path(), &[])
            .status
            .success()
    );
    assert!(
        report(&fixture("orders_german.csv"), german.path(), &[])
            .status
            .success()
    );
    let (a, b) = (import_json(plain.path()), import_json(german.path()));
    for key in [
        "rows_read",
        "rows_used",
        "rows_dropped",
        "customers",
        "orders",
        "refunds",
        "first_date",
        "last_date",
        "total_amount",
    ] {
        assert_eq!(a[key], b[key], "{key}");
    }
    assert_eq!(b["roles"]["amount"], "Umsatz (€)");
    assert_eq!(b["dialect"]["decimal_mark"], "Comma");
    assert_eq!(b["dialect"]["encoding"], "Windows1252");
}

#[test]
fn flags_override_detection() {
    let out = tempfile::tempdir().unwrap();
    report_ok(
        &fixture("ambiguous_dates.csv"),
        out.path(),
        &[
            "--date-format",
            "mm/dd/yyyy",
            "--customer",
            "customer",
            "--only",
            "activity",
        ],
    );
    let json = import_json(out.path());
    assert_eq!(json["date_format"], "mm/dd/yyyy");
    assert_eq!(json["first_date"], "2024-01-02");
    assert_eq!(json["warnings"].as_array().map(Vec::len), Some(0));
}

fn assert_fails_cleanly(file: &Path, expected: &str) {
    assert_fails_cleanly_with(file, &[], expected);
}

fn assert_fails_cleanly_with(file: &Path, extra: &[&str], expected: &str) {
    let out = tempfile::tempdir().unwrap();
    let before = std::fs::read(file).ok();
    let run = report(file, out.path(), extra);
    assert_eq!(run.status.code(), Some(2), "{}", file.display());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one line expected: {stderr}"
    );
    assert!(stderr.contains(expected), "'{expected}' not in: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(std::fs::read(file).ok(), before, "input changed");
}

/// `--lang de` and `--lang nl` say what is wrong in German and Dutch.
#[test]
fn bad_files_are_explained_in_the_chosen_language() {
    let de = ["--lang", "de"];
    let nl = ["--lang", "nl"];
    assert_fails_cleanly_with(&fixture("empty.csv"), &de, "ist leer");
    assert_fails_cleanly_with(&fixture("header_only.csv"), &nl, "geen gegevensregels");
    assert_fails_cleanly_with(
        &fixture("no_dates.csv"),
        &de,
        "hat keine Spalte für das Bestelldatum",
    );
    assert_fails_cleanly_with(
        &fixture("does_not_exist.csv"),
        &nl,
        "kon niet worden gelezen",
    );
}

#[test]
fn bad_files_exit_2_with_one_line() {
    assert_fails_cleanly(&fixture("empty.csv"), "is empty");
    assert_fails_cleanly(&fixture("header_only.csv"), "no data rows");
    assert_fails_cleanly(&fixture("binary.csv"), "not a CSV or Parquet file");
    assert_fails_cleanly(&fixture("no_dates.csv"), "no order date column");
    assert_fails_cleanly(&fixture("does_not_exist.csv"), "could not read");
}

#[test]
fn bad_flags_exit_2() {
    let out = tempfile::tempdir().unwrap();
    let run = report(&fixture("orders_plain.csv"), out.path(), &["--only", "nps"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains(
        "this version has: activity, cohorts, kpis, segments, clv, loyalty, survey, engagement, mrr"
    ));
    let run = report(
        &fixture("orders_plain.csv"),
        out.path(),
        &["--only", "loyalty"],
    );
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("add --loyalty PROGRAM.toml"));
    for flags in [
        ["--discount-rate", "5"],
        ["--clv-model", "lifetimes"],
        ["--calibration-end", "30.09.1997"],
    ] {
        let run = report(&fixture("orders_plain.csv"), out.path(), &flags);
        assert_eq!(run.status.code(), Some(2), "{flags:?}");
        assert_eq!(
            String::from_utf8_lossy(&run.stderr)
                .trim_end()
                .lines()
                .count(),
            1
        );
    }
    let run = report(
        &fixture("orders_plain.csv"),
        out.path(),
        &["--as-of", "31.12.2024"],
    );
    assert_eq!(run.status.code(), Some(2));
}

#[test]
fn input_files_are_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("orders.csv");
    std::fs::copy(fixture("orders_plain.csv"), &input).unwrap();
    let before = std::fs::read(&input).unwrap();
    let run = report(&input, dir.path(), &[]);
    assert!(run.status.success());
    assert_eq!(std::fs::read(&input).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".kohorte-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

#[test]
fn clv_report_writes_the_issue_columns() {
    let out = tempfile::tempdir().unwrap();
    let cdnow = fixture("cdnow/cdnow_sample.csv");
    report_ok(
        &cdnow,
        out.path(),
        &[
            "--only",
            "clv",
            "--clv-model",
            "paretonbd",
            "--calibration-end",
            "1997-09-30",
            "--holdout-weeks",
            "13",
        ],
    );
    let csv = std::fs::read_to_string(out.path().join("clv.csv")).unwrap();
    assert_eq!(
        csv.lines().next().unwrap(),
        "customer_id,frequency,recency_weeks,t_weeks,monetary_value,p_alive,expected_purchases,expected_avg_spend,clv"
    );
    assert_eq!(csv.lines().count(), 2358);
    let model: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("clv_model.json")).unwrap()).unwrap();
    assert_eq!(model["model"], "paretonbd");
    assert_eq!(model["calibration_end"], "1997-09-30");
    assert_eq!(model["customers"], 2357);
    assert_eq!(model["horizon_weeks"], 39);
    assert!((model["log_likelihood"].as_f64().unwrap() + 9595.0).abs() < 0.1);
    let by_segment = std::fs::read_to_string(out.path().join("clv_by_segment.csv")).unwrap();
    assert!(by_segment.starts_with(
        "dimension,segment,customers,total_clv,average_clv,average_p_alive,expected_purchases,clv_low,clv_high,expected_purchases_low,expected_purchases_high\n"
    ));
    assert!(by_segment.lines().any(|l| l.starts_with("Status,active,")));
    // The totals once, with their 95 % ranges from the default 100 refits.
    let total: Vec<f64> = by_segment
        .lines()
        .find(|l| l.starts_with("All customers,All customers,2357,"))
        .unwrap()
        .split(',')
        .skip(3)
        .map(|v| v.parse().unwrap())
        .collect();
    let (clv, purchases) = (total[0], total[3]);
    let (clv_low, clv_high, low, high) = (total[4], total[5], total[6], total[7]);
    assert!(clv_low < clv && clv < clv_high, "{total:?}");
    assert!(low < purchases && purchases < high, "{total:?}");
    for chart in [
        "clv_distribution.svg",
        "p_alive_heatmap.png",
        "clv_tracking_cumulative.svg",
        "clv_tracking_weekly.svg",
        "clv_holdout_by_frequency.svg",
    ] {
        assert!(out.path().join(chart).exists(), "{chart}");
    }
    // The chosen model is used; all three are compared on the holdout.
    assert_eq!(model["model_chosen_by"], "chosen");
    let comparison = std::fs::read_to_string(out.path().join("clv_model_comparison.csv")).unwrap();
    let lines: Vec<&str> = comparison.lines().collect();
    assert_eq!(
        lines[0],
        "model,calibration_end,holdout_weeks,customers,actual_repeat_purchases,predicted_repeat_purchases,total_error,mae_per_customer,log_likelihood,best,not_fitted_because"
    );
    assert_eq!(lines.len(), 4);
    assert_eq!(lines.iter().filter(|l| l.contains(",true,")).count(), 1);
}

#[test]
fn clv_without_repeat_purchases_fails_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("one_time_buyers.csv");
    std::fs::write(
        &input,
        "customer,date,amount\nA,2024-01-05,10\nB,2024-02-05,20\nC,2024-03-05,30\n",
    )
    .unwrap();
    let run = report(&input, &dir.path().join("out"), &["--only", "clv"]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no repeat purchases"), "{stderr}");
}

#[test]
fn loyalty_programme_replays_into_the_report() {
    let out = tempfile::tempdir().unwrap();
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
    report_ok(
        &demo.join("orders.csv"),
        out.path(),
        &[
            "--only",
            "loyalty",
            "--loyalty",
            demo.join("programme.toml").to_str().unwrap(),
        ],
    );
    let customers = std::fs::read_to_string(out.path().join("loyalty_customers.csv")).unwrap();
    assert_eq!(
        customers.lines().next().unwrap(),
        "customer_id,points_earned,points_redeemed,points_expired,points_balance,qualifying_points,tier"
    );
    assert_eq!(customers.lines().count(), 14_001);
    let tiers = std::fs::read_to_string(out.path().join("loyalty_tiers.csv")).unwrap();
    assert!(
        tiers.starts_with("as_of,tier,customers\n2023-10-01,Member,0"),
        "{tiers}"
    );
    assert!(tiers.contains("2026-01-01,Gold,"));
    let migration = std::fs::read_to_string(out.path().join("loyalty_migration.csv")).unwrap();
    assert!(migration.starts_with("from_tier,to_tier,customers\n"));
    let summary: Value =
        serde_json::from_slice(&std::fs::read(out.path().join("loyalty_summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["summary"]["members"], 14_000);
    assert!(
        summary["expected_liability"].is_null(),
        "no CLV model was run"
    );

    // With a purchase model, the liability weighed by P(alive) beside it:
    // below the nominal one, as not every member comes back.
    let with_clv = out.path().join("with_clv");
    report_ok(
        &demo.join("orders.csv"),
        &with_clv,
        &[
            "--only",
            "loyalty,clv",
            "--clv-model",
            "mbgnbd",
            "--loyalty",
            demo.join("programme.toml").to_str().unwrap(),
        ],
    );
    let summary: Value =
        serde_json::from_slice(&std::fs::read(with_clv.join("loyalty_summary.json")).unwrap())
            .unwrap();
    let nominal = summary["summary"]["liability"].as_f64().unwrap();
    let expected = summary["expected_liability"]["value"].as_f64().unwrap();
    assert_eq!(summary["expected_liability"]["model"], "mbgnbd");
    assert!(
        expected > 0.2 * nominal && expected < nominal,
        "{expected} of {nominal}"
    );

    let bad = out.path().join("bad.toml");
    std::fs::write(&bad, "name = \"X\"\npoints_per_currency = 1\npoint_value = 0.01\n[[tiers]]\nname = \"A\"\nmin_points = 100\n").unwrap();
    let run = report(
        &demo.join("orders.csv"),
        &out.path().join("again"),
        &["--only", "loyalty", "--loyalty", bad.to_str().unwrap()],
    );
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("must start with a tier from 0 points"),
        "{stderr}"
    );
}

/// `--only cohorts` reads only the columns the table needs when the file
/// allows it; every file it writes equals the full import's (here forced by
/// asking for the KPIs too), the import report included.
#[test]
fn only_cohorts_reads_less_and_writes_the_same_files() {
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/orders.csv");
    for (file, flags) in [
        (fixture("cdnow/cdnow_sample.csv"), vec!["--cohort", "week"]),
        (demo, vec!["--as-of", "2025-06-01"]),
    ] {
        let (quick, full) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let mut args = flags.clone();
        args.extend(["--only", "cohorts"]);
        report_ok(&file, quick.path(), &args);
        let mut args = flags.clone();
        args.extend(["--only", "cohorts,kpis"]);
        report_ok(&file, full.path(), &args);
        let mut written: Vec<String> = std::fs::read_dir(quick.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        written.sort();
        assert!(written.contains(&"cohorts.csv".to_string()), "{written:?}");
        for name in written {
            let a = std::fs::read(quick.path().join(&name)).unwrap();
            let b = std::fs::read(full.path().join(&name)).unwrap();
            assert!(
                a == b,
                "{} differs from the full import's ({})",
                name,
                file.display()
            );
        }
    }
}

/// The report offers the same groupings as the window: with a programme,
/// cohorts can be broken down by loyalty tier; without one they cannot,
/// and the error lists what can.
#[test]
fn cohorts_break_down_by_loyalty_tier_with_a_programme() {
    let out = tempfile::tempdir().unwrap();
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
    let programme = demo.join("programme.toml");
    report_ok(
        &demo.join("orders.csv"),
        out.path(),
        &[
            "--only",
            "cohorts",
            "--loyalty",
            programme.to_str().unwrap(),
            "--breakdown",
            "Loyalty tier",
        ],
    );
    let table = std::fs::read_to_string(out.path().join("cohorts_by_Loyalty_tier.csv")).unwrap();
    assert!(table.starts_with("Loyalty tier,cohort,"), "{table}");
    for tier in ["Member", "Silver", "Gold"] {
        assert!(
            table.lines().any(|l| l.starts_with(&format!("{tier},"))),
            "{tier}"
        );
    }
    assert!(
        !out.path().join("loyalty_customers.csv").exists(),
        "--only cohorts writes no loyalty files"
    );
    let run = report(
        &demo.join("orders.csv"),
        &out.path().join("again"),
        &["--only", "cohorts", "--breakdown", "Loyalty tier"],
    );
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("choose one of: RFM segment, Status, ") && stderr.contains("country"),
        "{stderr}"
    );
}

/// NPS per month of the demo survey against DuckDB's independent SQL
/// (tests/fixtures/demo/make_expected.py).
#[test]
fn survey_nps_per_month_equals_independent_sql() {
    let out = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    report_ok(
        &root.join("assets/demo/orders.csv"),
        out.path(),
        &[
            "--only",
            "survey",
            "--survey",
            root.join("assets/demo/survey.csv").to_str().unwrap(),
        ],
    );
    let ours = std::fs::read_to_string(out.path().join("nps.csv")).unwrap();
    let expected =
        std::fs::read_to_string(root.join("tests/fixtures/demo/expected_nps_month.csv")).unwrap();
    assert_eq!(ours.lines().count(), expected.lines().count());
    for (a, b) in ours.lines().zip(expected.lines()).skip(1) {
        let (a, b): (Vec<&str>, Vec<&str>) = (a.split(',').collect(), b.split(',').collect());
        assert_eq!(a[..5], b[..5], "{a:?} vs {b:?}");
        let (x, y): (f64, f64) = (a[5].parse().unwrap(), b[5].parse().unwrap());
        assert!((x - y).abs() < 1e-5, "{a:?} vs {b:?}");
    }
    assert_eq!(
        ours.lines().next().unwrap(),
        "period,responses,promoters,passives,detractors,nps"
    );
    assert!(out.path().join("nps_per_month.png").exists());

    let run = report(
        &root.join("assets/demo/orders.csv"),
        out.path(),
        &["--only", "survey"],
    );
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("add --survey FILE"));
    let run = report(
        &root.join("assets/demo/orders.csv"),
        out.path(),
        &[
            "--only",
            "survey",
            "--survey",
            root.join("assets/demo/events.csv").to_str().unwrap(),
        ],
    );
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("named like a survey score"), "{stderr}");
}

/// DAU, WAU and MAU of the demo event log against DuckDB's independent SQL
/// (tests/fixtures/demo/make_expected.py), every day.
#[test]
fn event_activity_equals_independent_sql() {
    let out = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    report_ok(
        &root.join("assets/demo/orders.csv"),
        out.path(),
        &[
            "--only",
            "engagement",
            "--events",
            root.join("assets/demo/events.csv").to_str().unwrap(),
        ],
    );
    let ours = std::fs::read_to_string(out.path().join("activity.csv")).unwrap();
    let expected =
        std::fs::read_to_string(root.join("tests/fixtures/demo/expected_activity_day.csv"))
            .unwrap();
    assert_eq!(ours.lines().next(), Some("date,dau,wau,mau,stickiness"));
    let ours: Vec<String> = ours
        .lines()
        .skip(1)
        .map(|l| l.rsplit_once(',').unwrap().0.to_string())
        .collect();
    let expected: Vec<&str> = expected.lines().skip(1).collect();
    assert_eq!(ours.len(), 823);
    assert_eq!(ours, expected);
    let engagement = std::fs::read_to_string(out.path().join("engagement.csv")).unwrap();
    assert!(engagement.starts_with("user_id,score,add_to_cart,app_open,search,view_product\n"));
    assert_eq!(engagement.lines().count(), 2072);
    for chart in ["active_users.png", "stickiness.svg"] {
        assert!(out.path().join(chart).exists(), "{chart}");
    }
}

#[test]
fn mrr_for_a_subscription_log() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("subscriptions.csv");
    let mut csv = String::from("customer,date,amount,plan\n");
    for month in 1..=4 {
        csv.push_str(&format!("A,2024-0{month}-05,10,Basic\n"));
        if month <= 2 {
            csv.push_str(&format!("B,2024-0{month}-09,30,Pro\n"));
        }
    }
    std::fs::write(&input, csv).unwrap();
    let out = dir.path().join("out");
    report_ok(&input, &out, &["--only", "mrr"]);
    let mrr = std::fs::read_to_string(out.join("mrr.csv")).unwrap();
    let lines: Vec<&str> = mrr.lines().collect();
    assert_eq!(
        lines[0],
        "month,customers,mrr,new,expansion,contraction,churned,reactivated,revenue_churn"
    );
    assert_eq!(lines[1], "2024-01-01,2,40.0,40.0,0.0,0.0,0.0,0.0,");
    assert_eq!(lines[3], "2024-03-01,1,10.0,0.0,0.0,0.0,30.0,0.0,0.75");
    assert!(out.join("mrr_movements.svg").exists());

    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/orders.csv");
    let run = report(&demo, &dir.path().join("demo"), &["--only", "mrr"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("does not look like a subscription log"));
}

/// A run that fails leaves the previous run's complete set untouched: its
/// files are written to a staging folder and moved into place only at the
/// end (before, a failed run left a new import.json beside old files).
#[test]
fn a_failed_run_leaves_the_previous_files_as_they_were() {
    let out = tempfile::tempdir().unwrap();
    report_ok(&fixture("orders_plain.csv"), out.path(), &[]);
    let before = std::fs::read(out.path().join("import.json")).unwrap();
    let files_before = std::fs::read_dir(out.path()).unwrap().count();
    let failed = report(
        &fixture("orders_german.csv"),
        out.path(),
        &["--only", "loyalty"],
    );
    assert_eq!(failed.status.code(), Some(2));
    assert_eq!(
        std::fs::read(out.path().join("import.json")).unwrap(),
        before
    );
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), files_before);
}

/// Report files are created like any other file (the umask decides), not
/// readable by their owner only.
#[cfg(unix)]
#[test]
fn report_files_are_readable_by_others_as_the_umask_allows() {
    use std::os::unix::fs::PermissionsExt;
    let umask = Command::new("sh").args(["-c", "umask"]).output().unwrap();
    let umask = u32::from_str_radix(String::from_utf8_lossy(&umask.stdout).trim(), 8).unwrap();
    let out = tempfile::tempdir().unwrap();
    report_ok(&fixture("orders_plain.csv"), out.path(), &[]);
    for name in ["import.json", "cohorts.csv", "cohort_heatmap.png"] {
        let mode = std::fs::metadata(out.path().join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o666 & !umask, "{name}: {mode:o}");
    }
}

/// `--lang de`: the charts in German with decimal commas, the CSV files
/// still English with plain numbers.
#[test]
fn german_charts_say_kundenbindungsrate_with_decimal_commas() {
    let out = tempfile::tempdir().unwrap();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/orders.csv");
    report_ok(
        &demo,
        out.path(),
        &[
            "--lang",
            "de",
            "--only",
            "cohorts,clv",
            "--clv-model",
            "bgnbd",
            "--holdout-weeks",
            "26",
            "--clv-resamples",
            "0",
        ],
    );
    let svg = |name: &str| std::fs::read_to_string(out.path().join(name)).unwrap();
    let heatmap = svg("cohort_heatmap.svg");
    assert!(heatmap.contains("Kohortentabelle: Kundenbindungsrate"));
    assert!(heatmap.contains("Stichtag"));
    let curves = svg("retention_curves.svg");
    assert!(curves.contains("Kundenbindungskurven"));
    assert!(curves.contains("Monate seit der ersten Bestellung"));
    // The holdout chart's axis counts purchases per customer in halves.
    let holdout = svg("clv_holdout_by_frequency.svg");
    let labels: Vec<&str> = holdout
        .split('>')
        .filter_map(|part| part.split_once("</text").map(|(text, _)| text.trim()))
        .collect();
    let decimal = |mark: char| {
        labels.iter().any(|l| {
            let b = l.as_bytes();
            (1..b.len().saturating_sub(1)).any(|i| {
                b[i] == mark as u8 && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_digit()
            })
        })
    };
    assert!(decimal(','), "no decimal comma in {labels:?}");
    let csv = std::fs::read_to_string(out.path().join("cohorts.csv")).unwrap();
    assert!(csv.lines().next().unwrap().starts_with("cohort,"), "{csv}");
    let clv = std::fs::read_to_string(out.path().join("clv_by_segment.csv")).unwrap();
    assert!(clv.lines().nth(1).unwrap().contains('.'), "{clv}");
}
