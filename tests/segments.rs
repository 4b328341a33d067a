//! Customers, RFM scores, named segments, lifecycle and customer lists.

use std::collections::HashSet;

use calamine::{Reader, Xlsx, open_workbook};
use chrono::NaiveDate;
use kohorte::analysis::lifecycle::lifecycle_frame;
use kohorte::analysis::segments::{SegmentGrid, Status, customer_list};
use kohorte::analysis::{STATUS, Settings};

mod common;
use common::{Parts, compute};
use kohorte::data::load::{load_bytes, load_path};
use kohorte::data::{Dataset, ImportOptions, Source};
use polars::prelude::SerWriter;

use common::fixture;

fn cdnow() -> Dataset {
    load_path(
        &fixture("cdnow/cdnow_sample.csv"),
        &ImportOptions::default(),
    )
    .unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The written rule, computed the slow and obvious way.
fn score(value: f64, all: &[f64]) -> u8 {
    let below = all.iter().filter(|v| **v < value).count();
    (1 + 5 * below / all.len()).min(5) as u8
}

#[test]
fn cdnow_customers_follow_the_written_rules() {
    let data = cdnow();
    let results = compute(&data, &Settings::default());
    let customers = results.segments().customers();
    assert_eq!(customers.as_of, day(1998, 7, 1));
    let rows = &customers.rows;
    assert_eq!(rows.len(), 2357, "one row per customer");
    let input_ids: HashSet<String> = std::fs::read_to_string(fixture("cdnow/cdnow_sample.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    let ids: HashSet<String> = rows.iter().map(|r| r.customer_id.to_string()).collect();
    assert_eq!(
        ids, input_ids,
        "ids exactly as in the input, leading zeros kept"
    );

    let recency: Vec<f64> = rows.iter().map(|r| -(r.recency_days as f64)).collect();
    let frequency: Vec<f64> = rows.iter().map(|r| r.orders as f64).collect();
    let monetary: Vec<f64> = rows.iter().map(|r| r.revenue).collect();
    let grid = SegmentGrid::default();
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.r, score(recency[i], &recency), "{}", row.customer_id);
        assert_eq!(
            row.f,
            score(frequency[i], &frequency),
            "{}",
            row.customer_id
        );
        assert_eq!(row.m, score(monetary[i], &monetary), "{}", row.customer_id);
        assert_eq!(&*row.rfm_segment, grid.name(row.r, row.f));
        assert_eq!(
            row.recency_days,
            (customers.as_of - row.last_order).num_days()
        );
        assert_eq!(
            row.tenure_days,
            (customers.as_of - row.first_order).num_days()
        );
    }
    // The most recent buyers score 5 on recency.
    let freshest = rows.iter().min_by_key(|r| r.recency_days).unwrap();
    assert_eq!(freshest.r, 5);
}

#[test]
fn cdnow_lifecycle_equals_independent_sql() {
    let results = compute(&cdnow(), &Settings::default());
    let mut frame = lifecycle_frame(&results.segments().lifecycle.rows).unwrap();
    let mut written = Vec::new();
    polars::prelude::CsvWriter::new(&mut written)
        .with_date_format(Some("%Y-%m-%d".into()))
        .finish(&mut frame)
        .unwrap();
    let expected = std::fs::read_to_string(fixture("cdnow/expected_lifecycle_month.csv")).unwrap();
    assert_eq!(String::from_utf8(written).unwrap(), expected);
}

const LOG: &str = "customer,date,amount
A,2024-01-10,10
A,2024-02-10,10
A,2024-04-10,10
B,2024-02-05,10
C,2024-03-01,10
C,2024-03-20,10
";

#[test]
fn lifecycle_by_hand() {
    let data = load_bytes(
        Source::File("t.csv".into()),
        LOG.as_bytes().to_vec(),
        &ImportOptions::default(),
    )
    .unwrap();
    let settings = Settings {
        as_of: Some(day(2024, 5, 1)),
        ..Default::default()
    };
    let results = compute(&data, &settings);
    let rows: Vec<(NaiveDate, u64, u64, u64, u64)> = results
        .segments()
        .lifecycle
        .rows
        .iter()
        .map(|r| (r.start, r.new, r.returning, r.resurrected, r.dormant))
        .collect();
    assert_eq!(
        rows,
        vec![
            // A new.
            (day(2024, 1, 1), 1, 0, 0, 0),
            // A returning, B new.
            (day(2024, 2, 1), 1, 1, 0, 0),
            // C new; A and B dormant.
            (day(2024, 3, 1), 1, 0, 0, 2),
            // A resurrected; C dormant.
            (day(2024, 4, 1), 0, 0, 1, 1),
        ]
    );
    let statuses: Vec<Status> = results
        .segments()
        .customers()
        .rows
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses.len(), 3);
}

#[test]
fn customer_list_reads_back_from_excel() {
    let results = compute(&cdnow(), &Settings::default());
    let segments = results.segments();
    let at_risk: Vec<_> = segments
        .customers()
        .rows
        .iter()
        .filter(|r| &*r.rfm_segment == "At risk")
        .collect();
    assert!(!at_risk.is_empty());
    let list = customer_list(&at_risk, &segments.first_attributes).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("at_risk.xlsx");
    kohorte::export::write_xlsx(&path, &list).unwrap();
    let mut workbook: Xlsx<_> = open_workbook(&path).unwrap();
    let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(
        rows.len(),
        at_risk.len() + 1,
        "a header and one row per customer"
    );
    assert_eq!(rows[0][0], "customer_id");
    assert!(rows[0].contains(&"rfm_segment".to_string()));
    let ids: HashSet<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    for customer in &at_risk {
        assert!(
            ids.contains(&*customer.customer_id),
            "{}",
            customer.customer_id
        );
    }
    let segment_column = rows[0].iter().position(|c| c == "rfm_segment").unwrap();
    assert!(rows[1..].iter().all(|r| r[segment_column] == "At risk"));
}

#[test]
fn filtering_to_a_segment_narrows_the_cohort_table() {
    let data = cdnow();
    let all = compute(&data, &Settings::default());
    let lapsed = all
        .segments()
        .tables
        .status_table
        .iter()
        .find(|s| s.segment == "lapsed")
        .unwrap()
        .customers;
    let mut settings = Settings::default();
    settings.filters.attributes.insert(
        STATUS.to_string(),
        std::iter::once("lapsed".to_string()).collect(),
    );
    let narrowed = compute(&data, &settings);
    assert_eq!(narrowed.cohorts().overall.customers(), lapsed);
    assert!(narrowed.cohorts().overall.customers() < all.cohorts().overall.customers());
    assert!(
        narrowed
            .segments()
            .customers()
            .rows
            .iter()
            .all(|r| r.status == Status::Lapsed)
    );
}

#[test]
fn an_edited_grid_renames_its_cells() {
    let mut settings = Settings::default();
    settings.segments.grid.names[4][4] = "VIP".into();
    let results = compute(&cdnow(), &settings);
    let rows = &results.segments().customers().rows;
    assert!(
        rows.iter()
            .filter(|r| r.r == 5 && r.f == 5)
            .all(|r| &*r.rfm_segment == "VIP")
    );
    assert!(
        rows.iter()
            .filter(|r| r.r == 5 && r.f == 4)
            .all(|r| &*r.rfm_segment == "Champions")
    );
    assert!(
        results
            .segments()
            .tables
            .rfm_table
            .iter()
            .any(|s| s.segment == "VIP")
    );
}

/// The demo shop log: with its one-time buyers the quintile rule leaves F 2
/// empty (equal values share a score); breakpoints from the data fill every
/// F score, the grid's caption says which rule made it, and breakpoints the
/// user sets are used as set.
#[test]
fn breakpoints_fill_the_scores_quintiles_leave_empty() {
    use kohorte::analysis::rfm_scoring::{RfmBreakpoints, RfmScoring};
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/orders.csv");
    let data = load_path(&demo, &ImportOptions::default()).unwrap();
    let f_columns = |settings: &Settings| {
        let results = compute(&data, settings);
        let customers = results.segments().customers();
        let mut per_f = [0usize; 5];
        for row in &customers.rows {
            per_f[row.f as usize - 1] += 1;
        }
        (
            per_f,
            results.segments().tables.rfm_grid.caption.clone(),
            customers.breakpoints,
        )
    };
    // The CLV models' comparison and ranges play no part here.
    let mut settings = Settings::default();
    settings.clv.holdout_weeks = 0;
    settings.clv.resamples = 0;
    let (quintiles, caption, none) = f_columns(&settings);
    assert_eq!(quintiles[1], 0, "F 2 under quintiles: {quintiles:?}");
    assert!(caption.starts_with("Scores by quintiles"), "{caption}");
    assert_eq!(none, None);

    settings.segments.scoring = RfmScoring::Breakpoints(None);
    let (filled, caption, chosen) = f_columns(&settings);
    assert!(filled.iter().all(|n| *n > 0), "{filled:?}");
    assert_eq!(
        filled.iter().sum::<usize>(),
        quintiles.iter().sum::<usize>()
    );
    assert!(caption.starts_with("Scores by breakpoints"), "{caption}");
    let chosen = chosen.unwrap();
    assert!(chosen.in_order(), "{chosen:?}");
    assert_eq!(chosen.orders[0], 2, "F 2 from two orders: {chosen:?}");

    let mine = RfmBreakpoints {
        recency_days: [720, 360, 180, 30],
        orders: [2, 4, 8, 16],
        revenue: [10.0, 100.0, 1000.0, 10_000.0],
    };
    settings.segments.scoring = RfmScoring::Breakpoints(Some(mine));
    let results = compute(&data, &settings);
    let customers = results.segments().customers();
    assert_eq!(customers.breakpoints, Some(mine));
    for row in &customers.rows {
        assert_eq!(row.f, mine.f(row.orders));
        assert_eq!(row.r, mine.r(row.recency_days));
        assert_eq!(row.m, mine.m(row.revenue));
    }
    assert!(customers.rows.iter().any(|r| r.orders == 3 && r.f == 2));
}
