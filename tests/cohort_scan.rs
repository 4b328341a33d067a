//! The quick cohort table (reading only the needed columns) must equal the
//! full import's table cell for cell, and must step aside for every file
//! the full import has to repair.

mod common;

use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;
use common::fixture;
use kohorte::analysis::cohort_scan::{self, quick_cohort_table};
use kohorte::analysis::cohorts::{CohortTable, cohort_table};
use kohorte::analysis::period::Granularity;
use kohorte::data::ImportOptions;
use kohorte::data::cohort_read::scan_for_cohorts;
use kohorte::data::load::load_path;
use kohorte::data::order_rows::ScannedRows;
use polars::prelude::*;

fn full_table(path: &Path, granularity: Granularity, as_of: Option<NaiveDate>) -> CohortTable {
    let dataset = load_path(path, &ImportOptions::default()).unwrap();
    let as_of = as_of.or(dataset.default_as_of()).unwrap();
    let history = common::history(&dataset);
    cohort_table(
        &history,
        granularity,
        as_of,
        &kohorte::analysis::cancel::Cancel::never(),
    )
    .unwrap()
}

fn quick_table(
    path: &Path,
    granularity: Granularity,
    as_of: Option<NaiveDate>,
) -> Option<CohortTable> {
    quick_cohort_table(path, &ImportOptions::default(), granularity, as_of)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Counts equal exactly; sums of money up to the order of addition.
fn assert_same(quick: &CohortTable, full: &CohortTable, what: &str) {
    assert_eq!(quick.as_of, full.as_of, "{what}: as-of");
    assert_eq!(quick.rows.len(), full.rows.len(), "{what}: cohorts");
    for (q, f) in quick.rows.iter().zip(&full.rows) {
        assert_eq!(
            (q.index, &q.label, q.size),
            (f.index, &f.label, f.size),
            "{what}"
        );
        assert_eq!(q.cells.len(), f.cells.len(), "{what}: {}", f.label);
        for (qc, fc) in q.cells.iter().zip(&f.cells) {
            let cell = format!("{what}: {} period {}", f.label, fc.period);
            assert_eq!(
                (qc.period, qc.active, qc.complete),
                (fc.period, fc.active, fc.complete),
                "{cell}"
            );
            assert_eq!(qc.retention, fc.retention, "{cell}");
            assert_eq!(qc.retention_unbounded, fc.retention_unbounded, "{cell}");
            assert!(
                close(qc.revenue, fc.revenue),
                "{cell}: {} vs {}",
                qc.revenue,
                fc.revenue
            );
            assert!(
                close(
                    qc.cumulative_revenue_per_customer,
                    fc.cumulative_revenue_per_customer
                ),
                "{cell}"
            );
        }
    }
    assert_eq!(quick.average.len(), full.average.len(), "{what}: average");
    for (q, f) in quick.average.iter().zip(&full.average) {
        assert_eq!(
            (q.period, q.customers, q.active),
            (f.period, f.customers, f.active),
            "{what}"
        );
        assert!(close(
            q.cumulative_revenue_per_customer,
            f.cumulative_revenue_per_customer
        ));
    }
}

/// Every granularity, at the default as-of date and at one mid-log; and the
/// same import report as the full import's.
fn assert_quick_equals_full(path: &Path, mid: NaiveDate) {
    let options = ImportOptions::default();
    let quick = cohort_scan::quick_cohorts(path, &options, Granularity::Month, None)
        .unwrap_or_else(|| panic!("{}: the quick scan stepped aside", path.display()));
    let full = load_path(path, &options).unwrap();
    assert_eq!(
        quick.report,
        full.report,
        "{}: import report",
        path.display()
    );
    for granularity in Granularity::ALL {
        for as_of in [None, Some(mid)] {
            let what = format!(
                "{} by {} as of {as_of:?}",
                path.display(),
                granularity.label()
            );
            let quick = quick_table(path, granularity, as_of)
                .unwrap_or_else(|| panic!("{what}: the quick scan stepped aside"));
            assert!(!quick.rows.is_empty(), "{what}: empty");
            assert_same(&quick, &full_table(path, granularity, as_of), &what);
        }
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn equals_the_full_import_on_real_logs() {
    // CDNOW: compact dates, ids with leading zeros, one row per order.
    assert_quick_equals_full(&fixture("cdnow/cdnow_sample.csv"), day(1997, 11, 15));
    // The demo shop: order ids, refunds, channels.
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/orders.csv");
    assert_quick_equals_full(&demo, day(2024, 6, 1));
}

#[test]
fn equals_the_full_import_on_every_dialect() {
    for (name, mid) in [
        ("tab_iso.tsv", day(2024, 5, 20)),
        ("bom_us_dates.csv", day(2024, 2, 20)),
        ("pipe_quoted.txt", day(2024, 2, 20)),
        ("single_quotes.csv", day(2024, 2, 20)),
        ("unix_seconds.csv", day(2024, 1, 20)),
        ("unix_millis.csv", day(2024, 1, 20)),
        ("compact_dates.csv", day(2024, 2, 1)),
    ] {
        assert_quick_equals_full(&fixture(name), mid);
    }
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    path
}

/// Orders spread over several lines (some on later days, one refunded in
/// total), one order id shared by two customers, refunds before a first
/// purchase, rows out of order: grouped into orders as the full import does.
#[test]
fn groups_lines_into_orders_like_the_full_import() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("order_id,customer_id,order_date,amount\n");
    for (i, customer) in ["c1", "c2", "c3", "c4", "c5", "c6", "c7"]
        .iter()
        .enumerate()
    {
        for month in 1..=9u32 {
            if (month as usize + i).is_multiple_of(3) {
                continue;
            }
            let order = format!("o{}-{month}", i % 4);
            csv += &format!(
                "{order},{customer},2024-{month:02}-{:02} 10:00:00,{}.25\n",
                3 + i,
                10 + i
            );
            // A second line of the same order, a month later.
            csv += &format!("{order},{customer},2024-{:02}-02,{}.5\n", month + 1, i);
        }
    }
    csv += "r1,c8,2024-01-03,-40\n"; // a refund before c8's first purchase
    csv += "p1,c8,2024-03-03,25\n";
    csv += "x1,c9,2024-02-03,30\n"; // an order that refunds itself in total
    csv += "x1,c9,2024-02-04,-45\n";
    csv += "x2,c9,2024-04-01,20\n";
    let path = write_file(dir.path(), "lines.csv", csv.as_bytes());
    assert_quick_equals_full(&path, day(2024, 5, 10));
}

#[test]
fn equals_the_full_import_on_parquet_with_integer_ids() {
    let dir = tempfile::tempdir().unwrap();
    let n = 5000;
    let customers: Vec<i64> = (0..n).map(|i| (i * 7919) % 613).collect();
    let ms: Vec<i64> = (0..n)
        .map(|i| 1_704_067_200_000 + ((i * 104_729) % 400) * 86_400_000 + i * 1000)
        .collect();
    let amounts: Vec<f64> = (0..n)
        .map(|i| {
            if i % 37 == 0 {
                -12.5
            } else {
                5.0 + (i % 50) as f64
            }
        })
        .collect();
    let mut frame = DataFrame::new(
        n as usize,
        vec![
            Column::new("customer_id".into(), customers),
            Column::new("order_ts".into(), ms)
                .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
                .unwrap(),
            Column::new("amount".into(), amounts),
        ],
    )
    .unwrap();
    let path = dir.path().join("orders.parquet");
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut frame)
        .unwrap();
    assert_quick_equals_full(&path, day(2024, 8, 1));
}

/// A Windows-1252 export (the German Excel default) is decoded first, as
/// the full import does it.
#[test]
fn decodes_windows_1252_like_the_full_import() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"Kunde;Datum;Betrag;Stadt\n".to_vec();
    for i in 0..40 {
        bytes.extend(
            format!(
                "K{};{:02}.0{}.2024;{},50;",
                i % 9,
                13 + i % 15,
                1 + i % 6,
                10 + i
            )
            .as_bytes(),
        );
        bytes.extend(b"D\xfcsseldorf\n");
    }
    let path = write_file(dir.path(), "export.csv", &bytes);
    assert_quick_equals_full(&path, day(2024, 4, 1));
}

#[test]
fn steps_aside_for_files_the_full_import_repairs() {
    let dir = tempfile::tempdir().unwrap();
    // Enough good rows that the columns' roles are clear despite one bad cell.
    let good: String = (1..=12).fold("customer,date,amount\n".to_string(), |csv, month| {
        csv + &format!("c{},2024-{month:02}-05,{}\n", month % 4, 10 + month)
    });
    let cases = [
        ("no customer", format!("{good},2024-04-06,12\n")),
        ("unreadable amount", format!("{good}c2,2024-04-06,n/a\n")),
        ("no amount", format!("{good}c2,2024-04-06,\n")),
        ("unreadable date", format!("{good}c2,2024-02-31,12\n")),
        (
            "id longer than 15 bytes",
            format!("{good}someone@example.org,2024-01-05,10\n"),
        ),
    ];
    assert!(
        scan_for_cohorts(
            &write_file(dir.path(), "good.csv", good.as_bytes()),
            &ImportOptions::default()
        )
        .is_some()
    );
    for (what, csv) in cases {
        let path = write_file(dir.path(), "case.csv", csv.as_bytes());
        assert!(
            scan_for_cohorts(&path, &ImportOptions::default()).is_none(),
            "{what}"
        );
        // The full import still reads it (and says what it dropped).
        assert!(
            load_path(&path, &ImportOptions::default()).is_ok(),
            "{what}"
        );
    }
    for name in [
        "ambiguous_dates.csv", // only the whole column can settle the format
        "invoice_lines.csv",   // amounts are price × quantity
        "shop_lines.csv",      // order fields on the order's first line only
        "orders_german.csv",   // a row without a customer, 31 February
        "empty.csv",
        "header_only.csv",
        "binary.csv",
    ] {
        assert!(
            scan_for_cohorts(&fixture(name), &ImportOptions::default()).is_none(),
            "{name}"
        );
    }
}

#[test]
fn rows_given_directly_give_the_hand_computed_table() {
    // a: January and March; b: January, refund in February; c: February.
    let rows = ScannedRows::from_rows([
        ("a", Some("1"), 19_723, Some(10.0)), // 2024-01-01
        ("a", Some("2"), 19_783, Some(30.0)), // 2024-03-01
        ("b", Some("3"), 19_733, Some(20.0)), // 2024-01-11
        ("b", Some("4"), 19_754, Some(-5.0)), // 2024-02-01
        ("c", Some("5"), 19_760, Some(7.0)),  // 2024-02-07
    ])
    .unwrap();
    let table = cohort_scan::cohort_table(&rows, Granularity::Month, day(2024, 4, 1));
    let january = &table.rows[0];
    assert_eq!(january.size, 2);
    let active: Vec<u64> = january.cells.iter().map(|c| c.active).collect();
    assert_eq!(active, [2, 0, 1]);
    let revenue: Vec<f64> = january.cells.iter().map(|c| c.revenue).collect();
    assert_eq!(revenue, [30.0, -5.0, 30.0]);
    let unbounded: Vec<f64> = january
        .cells
        .iter()
        .map(|c| c.retention_unbounded)
        .collect();
    assert_eq!(unbounded, [1.0, 0.5, 0.5]);
    assert_eq!(table.rows[1].size, 1);
    assert_eq!(table.customers(), 3);
}
