//! Reading real-world export dialects into the canonical frame, and the
//! import report that says what happened to every row.

mod common;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use common::fixture;
use kohorte::data::dialect::TextEncoding;
use kohorte::data::load::{DropReason, load_bytes, load_path};
use kohorte::data::roles::Role;
use kohorte::data::values::{DateFormat, DecimalMark};
use kohorte::data::{CUSTOMER_ID, Dataset, ImportError, ImportOptions, Source};
use polars::prelude::*;

fn load(name: &str) -> Dataset {
    load_path(&fixture(name), &ImportOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn customer_ids(dataset: &Dataset) -> Vec<String> {
    let ids = dataset
        .orders
        .column(CUSTOMER_ID)
        .unwrap()
        .str()
        .unwrap()
        .clone();
    ids.iter().flatten().map(str::to_string).collect()
}

/// The role each input column position plays, so files with different
/// header languages can be compared.
fn roles_by_position(dataset: &Dataset) -> BTreeMap<usize, Role> {
    Role::ALL
        .iter()
        .filter_map(|role| {
            let column = dataset.mapping.get(*role)?;
            let position = dataset.input_columns.iter().position(|c| c == column)?;
            Some((position, *role))
        })
        .collect()
}

#[test]
fn plain_csv_report_counts_every_row() {
    let d = load("orders_plain.csv");
    let r = &d.report;
    assert_eq!((r.rows_read, r.rows_used, r.rows_dropped), (10, 8, 2));
    assert_eq!(r.customers, 5);
    assert_eq!(r.orders, 8);
    assert_eq!(r.refunds, 1);
    assert_eq!(r.refund_amount, Some(-45.9));
    assert_eq!(r.total_amount, Some(1619.31));
    assert_eq!(
        (r.first_date, r.last_date),
        (day(2024, 1, 5), day(2024, 4, 1))
    );
    let reasons: Vec<(DropReason, usize, usize, &str)> = r
        .dropped
        .iter()
        .map(|d| {
            (
                d.reason,
                d.count,
                d.examples[0].row,
                d.examples[0].value.as_str(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        vec![
            (DropReason::MissingCustomerId, 1, 6, ""),
            (DropReason::UnreadableDate, 1, 7, "2024-02-31 08:00:00"),
        ]
    );
    assert_eq!(d.mapping.order_id.as_deref(), Some("order_id"));
    assert_eq!(d.attributes, vec!["country", "channel"]);
    let dialect = r.dialect.as_ref().unwrap();
    assert_eq!(
        (dialect.delimiter, dialect.decimal_mark),
        (',', DecimalMark::Dot)
    );
}

#[test]
fn customer_ids_stay_text_exactly_as_written() {
    let ids = customer_ids(&load("orders_plain.csv"));
    assert!(ids.contains(&"00042".to_string()));
    assert!(ids.contains(&"c.meyer@example.de".to_string()));
}

#[test]
fn german_excel_export_reads_like_the_plain_file() {
    let plain = load("orders_plain.csv");
    let german = load("orders_german.csv");
    let dialect = german.report.dialect.clone().unwrap();
    assert_eq!(dialect.delimiter, ';');
    assert_eq!(dialect.encoding, TextEncoding::Windows1252);
    assert_eq!(dialect.decimal_mark, DecimalMark::Comma);
    assert!(dialect.has_header);
    assert_eq!(german.mapping.amount.as_deref(), Some("Umsatz (€)"));
    assert_eq!(german.mapping.customer_id.as_deref(), Some("Kundennummer"));
    assert_eq!(german.mapping.timestamp.as_deref(), Some("Bestelldatum"));
    assert_eq!(german.mapping.order_id.as_deref(), Some("Bestellnummer"));
    assert_eq!(
        german.mapping.date_format,
        Some(DateFormat::DayMonthYearDot)
    );
    assert_same_counts(&plain, &german);
    assert_eq!(
        german.report.dropped[1].examples[0].value,
        "31.02.2024 08:00"
    );
}

fn assert_same_counts(a: &Dataset, b: &Dataset) {
    let (ra, rb) = (&a.report, &b.report);
    assert_eq!(
        (
            ra.rows_read,
            ra.rows_used,
            ra.rows_dropped,
            ra.customers,
            ra.orders,
            ra.refunds
        ),
        (
            rb.rows_read,
            rb.rows_used,
            rb.rows_dropped,
            rb.customers,
            rb.orders,
            rb.refunds
        )
    );
    assert_eq!((ra.first_date, ra.last_date), (rb.first_date, rb.last_date));
    assert_eq!(ra.total_amount, rb.total_amount);
    assert_eq!(roles_by_position(a), roles_by_position(b));
}

/// The plain fixture as a typed Parquet file: text ids, real timestamps
/// (the impossible 31 February becomes a missing date), float amounts.
fn plain_as_parquet() -> Vec<u8> {
    let text = CsvReadOptions::default()
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(fixture("orders_plain.csv")))
        .unwrap()
        .finish()
        .unwrap();
    let stamps: Vec<Option<i64>> = text
        .column("order_date")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| {
            v.and_then(|v| DateFormat::Iso.parse(v))
                .map(|d| d.and_utc().timestamp_millis())
        })
        .collect();
    let stamps = Int64Chunked::from_iter_options("order_date".into(), stamps.into_iter())
        .into_series()
        .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
        .unwrap();
    let mut typed = text
        .lazy()
        .with_columns([col("amount").cast(DataType::Float64)])
        .collect()
        .unwrap();
    typed.with_column(stamps.into_column()).unwrap();
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).finish(&mut typed).unwrap();
    bytes
}

#[test]
fn parquet_reads_like_the_plain_file() {
    let plain = load("orders_plain.csv");
    let parquet = load_bytes(
        Source::File("orders.parquet".into()),
        plain_as_parquet(),
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(parquet.report.dialect, None);
    assert_same_counts(&plain, &parquet);
    assert_eq!(parquet.report.dropped[1].reason, DropReason::MissingDate);
}

#[test]
fn tab_separated_iso_timestamps_with_zones() {
    let d = load("tab_iso.tsv");
    assert_eq!(d.report.dialect.as_ref().unwrap().delimiter, '\t');
    assert_eq!(d.mapping.customer_id.as_deref(), Some("user"));
    assert_eq!(d.mapping.timestamp.as_deref(), Some("created_at"));
    assert_eq!(d.mapping.amount.as_deref(), Some("revenue"));
    assert_eq!(d.report.total_amount, Some(35.75));
    assert_eq!(
        (d.report.first_date, d.report.last_date),
        (day(2024, 5, 1), day(2024, 6, 1))
    );
}

#[test]
fn pipe_with_quotes_and_dutch_headers() {
    let d = load("pipe_quoted.txt");
    let dialect = d.report.dialect.clone().unwrap();
    assert_eq!((dialect.delimiter, dialect.quote), ('|', Some('"')));
    assert_eq!(dialect.decimal_mark, DecimalMark::Comma);
    assert_eq!(d.mapping.date_format, Some(DateFormat::DayMonthYearSlash));
    assert_eq!(d.report.total_amount, Some(1269.5));
    assert!(d.report.warnings.is_empty(), "{:?}", d.report.warnings);
    let descriptions = d
        .orders
        .column("omschrijving")
        .unwrap()
        .str()
        .unwrap()
        .clone();
    assert_eq!(descriptions.get(0), Some("Boek | paperback"));
}

#[test]
fn american_dates_are_decided_from_the_whole_column() {
    let d = load("bom_us_dates.csv");
    let dialect = d.report.dialect.clone().unwrap();
    assert_eq!(dialect.encoding, TextEncoding::Utf8Bom);
    assert_eq!(dialect.delimiter, ';');
    assert_eq!(d.mapping.customer_id.as_deref(), Some("customer"));
    assert_eq!(d.mapping.date_format, Some(DateFormat::MonthDayYearSlash));
    assert_eq!(d.report.last_date, day(2024, 4, 5));
    assert!(d.report.warnings.is_empty());
}

#[test]
fn ambiguous_dates_are_shown_not_silently_guessed() {
    let d = load("ambiguous_dates.csv");
    assert_eq!(d.mapping.date_format, Some(DateFormat::DayMonthYearSlash));
    let warning = d.report.warnings.join(" ");
    assert!(
        warning.contains("dd/mm/yyyy") && warning.contains("mm/dd/yyyy"),
        "{warning}"
    );
    let american = ImportOptions {
        date_format: Some(DateFormat::MonthDayYearSlash),
        ..Default::default()
    };
    let d = load_path(&fixture("ambiguous_dates.csv"), &american).unwrap();
    assert_eq!(d.report.first_date, day(2024, 1, 2));
    assert!(d.report.warnings.is_empty());
}

#[test]
fn compact_and_unix_dates() {
    let d = load("compact_dates.csv");
    assert_eq!(d.mapping.date_format, Some(DateFormat::YearMonthDayCompact));
    assert_eq!(d.report.first_date, day(2024, 1, 5));
    let d = load("unix_seconds.csv");
    assert_eq!(d.mapping.date_format, Some(DateFormat::UnixSeconds));
    assert_eq!(
        (d.report.first_date, d.report.last_date),
        (day(2024, 1, 1), day(2024, 2, 1))
    );
    let d = load("unix_millis.csv");
    assert_eq!(d.mapping.date_format, Some(DateFormat::UnixMillis));
    assert_eq!(d.report.last_date, day(2024, 2, 1));
}

#[test]
fn headerless_file_is_mapped_by_content() {
    let d = load("headerless.csv");
    assert!(!d.report.dialect.as_ref().unwrap().has_header);
    assert_eq!(d.report.rows_used, 3);
    assert_eq!(d.report.customers, 2);
    assert_eq!(d.report.total_amount, Some(20.75));
}

#[test]
fn single_quoted_french_export() {
    let d = load("single_quotes.csv");
    let dialect = d.report.dialect.clone().unwrap();
    assert_eq!((dialect.delimiter, dialect.quote), (';', Some('\'')));
    assert_eq!(d.mapping.customer_id.as_deref(), Some("client"));
    assert_eq!(d.mapping.amount.as_deref(), Some("montant"));
    assert_eq!(d.report.total_amount, Some(15.5));
}

#[test]
fn invoice_lines_get_amount_from_price_times_quantity() {
    let d = load("invoice_lines.csv");
    assert_eq!(d.mapping.amount, None);
    assert_eq!(d.mapping.unit_price.as_deref(), Some("UnitPrice"));
    assert_eq!(d.mapping.quantity.as_deref(), Some("Quantity"));
    assert_eq!(d.mapping.order_id.as_deref(), Some("InvoiceNo"));
    assert_eq!(d.mapping.date_format, Some(DateFormat::MonthDayYearSlash));
    assert!(d.has_amount);
    assert_eq!(d.report.total_amount, Some(73.32));
    assert_eq!(
        (d.report.orders, d.report.customers, d.report.refunds),
        (4, 3, 1)
    );
    assert_eq!(d.report.dropped[0].reason, DropReason::MissingCustomerId);
}

#[test]
fn order_fields_on_the_first_line_only() {
    let d = load("shop_lines.csv");
    assert_eq!(d.mapping.customer_id.as_deref(), Some("Email"));
    assert_eq!(d.mapping.amount.as_deref(), Some("Total"));
    assert_eq!(d.report.rows_dropped, 0, "{:?}", d.report.dropped);
    assert_eq!(
        (d.report.rows_used, d.report.orders, d.report.customers),
        (5, 3, 2)
    );
    assert_eq!(d.report.total_amount, Some(118.8));
    assert_eq!(
        customer_ids(&d)
            .iter()
            .filter(|c| *c == "anna@example.de")
            .count(),
        4
    );
}

#[test]
fn unusable_files_say_why() {
    let err = |name: &str| load_path(&fixture(name), &ImportOptions::default()).unwrap_err();
    assert!(matches!(err("empty.csv"), ImportError::Empty { .. }));
    assert!(matches!(
        err("header_only.csv"),
        ImportError::HeaderOnly { .. }
    ));
    assert!(matches!(err("binary.csv"), ImportError::Binary { .. }));
    let no_dates = err("no_dates.csv");
    assert!(matches!(no_dates, ImportError::MissingRole { .. }));
    assert!(
        no_dates.to_string().contains("customer, city, amount"),
        "{no_dates}"
    );
}

#[test]
fn user_choices_override_detection() {
    let mut options = ImportOptions::default();
    options.roles.insert(Role::Amount, None);
    let d = load_path(&fixture("orders_plain.csv"), &options).unwrap();
    assert!(!d.has_amount);
    assert_eq!(d.report.total_amount, None);
    assert!(
        d.attributes.contains(&"amount (column)".to_string()),
        "{:?}",
        d.attributes
    );

    let mut options = ImportOptions::default();
    options.roles.insert(Role::CustomerId, Some("nope".into()));
    let err = load_path(&fixture("orders_plain.csv"), &options).unwrap_err();
    assert!(err.to_string().contains("'nope'"), "{err}");
}

#[test]
fn the_demo_is_big_and_clean() {
    let d = Source::Demo.load(&ImportOptions::default()).unwrap();
    assert!(d.report.customers >= 10_000, "{}", d.report.customers);
    assert!(d.report.refunds > 0);
    assert_eq!(d.report.rows_dropped, 0);
    let (first, last) = (d.report.first_date.unwrap(), d.report.last_date.unwrap());
    assert!((last - first).num_days() >= 730);
    for column in ["country", "channel", "device", "points_earned"] {
        assert!(d.attributes.contains(&column.to_string()), "{column}");
    }
    assert_eq!(
        d.mapping.points_redeemed.as_deref(),
        Some("points_redeemed"),
        "detected as the loyalty role, not kept as an attribute"
    );
}

#[test]
fn order_ts_and_typed_columns_are_recognised() {
    let csv = "order_id,customer_id,order_ts,amount\nO1,0001,2024-02-21 08:52:32,19.90\nO2,0002,2024-03-01 10:00:00,5.00\n";
    let d = load_bytes(
        Source::File("t.csv".into()),
        csv.as_bytes().to_vec(),
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(d.mapping.timestamp.as_deref(), Some("order_ts"));
    assert_eq!(d.mapping.order_id.as_deref(), Some("order_id"));
    assert_eq!(d.report.rows_used, 2);
}

#[test]
fn redeemed_points_are_recognised_in_german() {
    let csv = "Kundennummer;Bestelldatum;Umsatz;Eingelöste Punkte\nK1;05.01.2024;19,90;0\nK1;06.02.2024;25,00;500\nK2;07.02.2024;5,00;0\n";
    let d = load_bytes(
        Source::File("t.csv".into()),
        csv.as_bytes().to_vec(),
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(
        d.mapping.points_redeemed.as_deref(),
        Some("Eingelöste Punkte")
    );
    assert!(d.attributes.is_empty(), "{:?}", d.attributes);
    let history = common::history(&d);
    let redeemed: f64 = history
        .customers()
        .flat_map(|c| (0..c.orders.len()).map(move |i| c.points_redeemed(i)))
        .sum();
    assert_eq!(redeemed, 500.0);
}
