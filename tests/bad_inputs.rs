//! Files shaped like real exports, and broken ones, through `kohorte report`
//! as a user runs it: each either reads exactly the numbers written beside
//! it (rows used, customers, total, first and last date, what was dropped)
//! or exits 2 with one line that names the problem. Never a panic, never a
//! silently wrong number.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The base log: four customers, six orders, 210.00 in all, 2024-01-05 to
/// 2024-03-20. Most cases write these rows in another shape.
const IDS: [&str; 6] = ["A", "A", "B", "C", "D", "B"];
const DAYS: [(i32, u32, u32); 6] = [
    (2024, 1, 5),
    (2024, 2, 10),
    (2024, 1, 20),
    (2024, 3, 1),
    (2024, 3, 15),
    (2024, 3, 20),
];
const AMOUNTS: [f64; 6] = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0];

/// What a case must give.
#[derive(Clone, Debug)]
enum Expect {
    /// Read: rows used, customers, total amount, first and last day, and
    /// the drop reasons with their counts.
    Read {
        rows_used: u64,
        customers: u64,
        total: f64,
        first: &'static str,
        last: &'static str,
        dropped: Vec<(&'static str, u64)>,
        /// A text every warning line on stderr together must contain.
        warning: Option<&'static str>,
    },
    /// Exit 2 with exactly one line on stderr containing this text.
    Refused(&'static str),
}

fn base() -> Expect {
    Expect::Read {
        rows_used: 6,
        customers: 4,
        total: 210.0,
        first: "2024-01-05",
        last: "2024-03-20",
        dropped: vec![],
        warning: None,
    }
}

/// The base numbers with some rows dropped for a reason.
fn base_dropping(reason: &'static str, count: u64) -> Expect {
    match base() {
        Expect::Read {
            rows_used,
            customers,
            total,
            first,
            last,
            ..
        } => Expect::Read {
            rows_used,
            customers,
            total,
            first,
            last,
            dropped: vec![(reason, count)],
            warning: None,
        },
        refused => refused,
    }
}

fn with_warning(expect: Expect, text: &'static str) -> Expect {
    match expect {
        Expect::Read {
            rows_used,
            customers,
            total,
            first,
            last,
            dropped,
            ..
        } => Expect::Read {
            rows_used,
            customers,
            total,
            first,
            last,
            dropped,
            warning: Some(text),
        },
        refused => refused,
    }
}

struct Case {
    name: &'static str,
    /// The file's name (its extension) and bytes; `None` for a fixture or
    /// a path made by the case itself.
    file: FileSpec,
    args: Vec<&'static str>,
    expect: Expect,
}

enum FileSpec {
    Bytes(&'static str, Vec<u8>),
    Fixture(&'static str),
    Path(PathBuf),
}

/// The base rows as lines: header, then `id sep date sep amount`.
fn lines(
    header: &str,
    sep: &str,
    date: impl Fn((i32, u32, u32)) -> String,
    amount: impl Fn(f64) -> String,
) -> Vec<String> {
    let mut out = vec![header.to_string()];
    for i in 0..6 {
        out.push(format!(
            "{}{sep}{}{sep}{}",
            IDS[i],
            date(DAYS[i]),
            amount(AMOUNTS[i])
        ));
    }
    out
}

fn iso((y, m, d): (i32, u32, u32)) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

/// Excel's day number of a date (45292 = 2024-01-01).
fn serial((y, m, d): (i32, u32, u32)) -> String {
    let day = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
    (day - epoch).num_days().to_string()
}

fn dot(a: f64) -> String {
    format!("{a:.2}")
}

fn comma(a: f64) -> String {
    format!("{a:.2}").replace('.', ",")
}

fn csv(lines: &[String]) -> Vec<u8> {
    (lines.join("\n") + "\n").into_bytes()
}

fn plain() -> Vec<String> {
    lines("customer_id,order_date,amount", ",", iso, dot)
}

/// The base log plus extra lines.
fn plain_with(extra: &[&str]) -> Vec<u8> {
    let mut all = plain();
    all.extend(extra.iter().map(|s| s.to_string()));
    csv(&all)
}

/// Twelve orders of 10.00 from 2024-01-01 to 2024-03-04, then a row that
/// holds their sum under an id that names no total.
fn sum_row_log() -> Vec<u8> {
    let mut rows = vec!["customer_id,order_date,amount".to_string()];
    for i in 0..12 {
        rows.push(format!("C{i},2024-{:02}-{:02},10.00", 1 + i / 4, 1 + i % 4));
    }
    rows.push("ALL,2024-03-31,120.00".into());
    csv(&rows)
}

/// What the sum-row log must read: the twelve orders, the sum row dropped.
fn sum_row_read() -> Expect {
    Expect::Read {
        rows_used: 12,
        customers: 12,
        total: 120.0,
        first: "2024-01-01",
        last: "2024-03-04",
        dropped: vec![("summary_row", 1)],
        warning: None,
    }
}

fn month_name(m: u32, names: [&str; 3]) -> String {
    names[(m - 1) as usize].to_string()
}

/// `05-Jan-2024` with the names given for January to March.
fn day_mon_year(names: [&'static str; 3]) -> impl Fn((i32, u32, u32)) -> String {
    move |(y, m, d)| format!("{d:02}-{}-{y}", month_name(m, names))
}

fn bytes(name: &'static str, file: &'static str, data: Vec<u8>, expect: Expect) -> Case {
    Case {
        name,
        file: FileSpec::Bytes(file, data),
        args: vec![],
        expect,
    }
}

fn cases() -> Vec<Case> {
    let utf16 = |le: bool| {
        let text = lines("customer_id\torder_date\tamount", "\t", iso, dot).join("\r\n") + "\r\n";
        let mut out = if le {
            vec![0xFF, 0xFE]
        } else {
            vec![0xFE, 0xFF]
        };
        for unit in text.encode_utf16() {
            out.extend(if le {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            });
        }
        out
    };
    let german = |sep: &str| lines("Kundennummer;Bestelldatum;Umsatz", sep, iso, comma);
    let mut cases = vec![
        // Encodings, delimiters, line endings.
        bytes("comma", "a.csv", csv(&plain()), base()),
        bytes(
            "semicolon and decimal comma",
            "a.csv",
            csv(&german(";")),
            base(),
        ),
        bytes(
            "tab",
            "a.tsv",
            csv(&lines("customer_id\torder_date\tamount", "\t", iso, dot)),
            base(),
        ),
        bytes(
            "pipe",
            "a.txt",
            csv(&lines("customer_id|order_date|amount", "|", iso, dot)),
            base(),
        ),
        bytes(
            "UTF-8 with BOM",
            "a.csv",
            [b"\xEF\xBB\xBF".to_vec(), csv(&plain())].concat(),
            base(),
        ),
        bytes(
            "Windows-1252 umlauts",
            "a.csv",
            csv(&plain()).iter().map(|b| if *b == b'D' { 0xDC } else { *b }).collect(),
            base(),
        ),
        bytes("UTF-16 LE tab (Excel Unicode Text)", "a.txt", utf16(true), base()),
        bytes("UTF-16 BE tab", "a.txt", utf16(false), base()),
        bytes(
            "Excel sep=; line",
            "a.csv",
            [b"sep=;\r\n".to_vec(), csv(&german(";"))].concat(),
            base(),
        ),
        bytes(
            "Excel sep=, line",
            "a.csv",
            [b"sep=,\n".to_vec(), csv(&plain())].concat(),
            base(),
        ),
        bytes(
            "CRLF",
            "a.csv",
            (plain().join("\r\n") + "\r\n").into_bytes(),
            base(),
        ),
        bytes(
            "CR only (old Mac)",
            "a.csv",
            (plain().join("\r") + "\r").into_bytes(),
            base(),
        ),
        bytes(
            "every field quoted",
            "a.csv",
            csv(&plain()
                .iter()
                .map(|l| l.split(',').map(|f| format!("\"{f}\"")).collect::<Vec<_>>().join(","))
                .collect::<Vec<_>>()),
            base(),
        ),
        bytes(
            "trailing empty lines",
            "a.csv",
            [csv(&plain()), b"\n\n\n".to_vec()].concat(),
            base(),
        ),
        bytes(
            "Dutch headers",
            "a.csv",
            csv(&lines("klantnummer;besteldatum;bedrag", ";", iso, comma)),
            base(),
        ),
        // Amounts.
        bytes(
            "euro sign after",
            "a.csv",
            csv(&lines("Kunde;Datum;Betrag", ";", iso, |a| format!("{} €", comma(a)))),
            base(),
        ),
        bytes(
            "euro sign before",
            "a.csv",
            csv(&lines("Kunde;Datum;Betrag", ";", iso, |a| format!("€ {}", comma(a)))),
            base(),
        ),
        bytes(
            "currency code after, decimal comma (ERP)",
            "a.csv",
            csv(&lines("Kunde;Datum;Betrag", ";", iso, |a| format!("{} EUR", comma(a)))),
            base(),
        ),
        bytes(
            "currency code with thousands, 2.135,62 EUR",
            "a.csv",
            // 1.000,62 EUR to 6.000,62 EUR.
            csv(&lines("Kunde;Datum;Betrag", ";", iso, |a| {
                format!("{}.000,62 EUR", a as u32 / 10)
            })),
            Expect::Read {
                rows_used: 6,
                customers: 4,
                total: 21_003.72,
                first: "2024-01-05",
                last: "2024-03-20",
                dropped: vec![],
                warning: None,
            },
        ),
        bytes(
            "thousands with a dot, no decimals: 1.500 EUR",
            "a.csv",
            b"Kunde;Datum;Betrag\nA;2024-01-05;1.500 EUR\nB;2024-01-20;2.135,62 EUR\nC;2024-03-01;12,50 EUR\n".to_vec(),
            Expect::Read {
                rows_used: 3,
                customers: 3,
                total: 3_648.12,
                first: "2024-01-05",
                last: "2024-03-01",
                dropped: vec![],
                warning: None,
            },
        ),
        bytes(
            "currency code before, decimal point",
            "a.csv",
            csv(&lines("customer_id,order_date,amount", ",", iso, |a| format!("USD {}", dot(a)))),
            base(),
        ),
        bytes(
            "refund -€ 12,50",
            "a.csv",
            [csv(&german(";")), b"A;2024-03-20;-\xE2\x82\xAC 12,50\n".to_vec()].concat(),
            Expect::Read {
                rows_used: 7,
                customers: 4,
                total: 197.5,
                first: "2024-01-05",
                last: "2024-03-20",
                dropped: vec![],
                warning: None,
            },
        ),
        bytes(
            "refund -$12.50",
            "a.csv",
            plain_with(&["A,2024-03-20,-$12.50"]),
            Expect::Read {
                rows_used: 7,
                customers: 4,
                total: 197.5,
                first: "2024-01-05",
                last: "2024-03-20",
                dropped: vec![],
                warning: None,
            },
        ),
        bytes(
            "refund in parentheses",
            "a.csv",
            plain_with(&["A,2024-03-20,(12.50)"]),
            Expect::Read {
                rows_used: 7,
                customers: 4,
                total: 197.5,
                first: "2024-01-05",
                last: "2024-03-20",
                dropped: vec![],
                warning: None,
            },
        ),
        bytes(
            "refund with a trailing minus (SAP)",
            "a.csv",
            [csv(&german(";")), b"A;2024-03-20;12,50-\n".to_vec()].concat(),
            Expect::Read {
                rows_used: 7,
                customers: 4,
                total: 197.5,
                first: "2024-01-05",
                last: "2024-03-20",
                dropped: vec![],
                warning: None,
            },
        ),
        bytes(
            "Swiss thousands 1'500.00",
            "a.csv",
            plain_with(&["E,2024-03-20,1'500.00"]),
            Expect::Read {
                rows_used: 7,
                customers: 5,
                total: 1710.0,
                first: "2024-01-05",
                last: "2024-03-20",
                dropped: vec![],
                warning: None,
            },
        ),
        bytes(
            "NaN written as text",
            "a.csv",
            plain_with(&["E,2024-03-20,NaN"]),
            base_dropping("unreadable_amount", 1),
        ),
        bytes(
            "an amount that overflows",
            "a.csv",
            plain_with(&["E,2024-03-20,99999999999999999999"]),
            base_dropping("impossible_amount", 1),
        ),
        bytes(
            "an amount beyond a trillion",
            "a.csv",
            plain_with(&["E,2024-03-20,5000000000000.00"]),
            base_dropping("impossible_amount", 1),
        ),
        Case {
            name: "--decimal-comma on a file with decimal points",
            file: FileSpec::Bytes("a.csv", csv(&plain())),
            args: vec!["--decimal-comma"],
            expect: Expect::Refused("amount is not a number"),
        },
        bytes(
            "an amount column of words keeps its role",
            "a.csv",
            csv(&lines("customer_id,order_date,amount", ",", iso, |_| "n/a".into())),
            Expect::Refused("amount is not a number (first: 'n/a' in row 1)"),
        ),
        bytes(
            "an amount column half unreadable warns and counts",
            "a.csv",
            b"customer_id,order_date,amount\nA,2024-01-05,10.00\nB,2024-01-20,ten\nC,2024-03-01,40.00\nD,2024-03-15,eleven\nE,2024-03-20,fifty\n".to_vec(),
            Expect::Read {
                rows_used: 2,
                customers: 2,
                total: 50.0,
                first: "2024-01-05",
                last: "2024-03-01",
                dropped: vec![("unreadable_amount", 3)],
                warning: Some("are not numbers with a decimal point (e.g. 'ten')"),
            },
        ),
        bytes(
            "only refunds",
            "a.csv",
            csv(&lines("customer_id,order_date,amount", ",", iso, |a| dot(-a))),
            Expect::Refused("holds no purchases, only refunds"),
        ),
        // Summary rows.
        bytes(
            "a Total row with a date",
            "a.csv",
            plain_with(&["Total,2024-06-30,210.00"]),
            base_dropping("summary_row", 1),
        ),
        bytes(
            "a Summe row",
            "a.csv",
            [csv(&german(";")), b"Summe;2024-03-31;210,00\n".to_vec()].concat(),
            base_dropping("summary_row", 1),
        ),
        bytes(
            "a Gesamt: row",
            "a.csv",
            [csv(&german(";")), b"Gesamt:;2024-03-31;210,00\n".to_vec()].concat(),
            base_dropping("summary_row", 1),
        ),
        bytes(
            "a Totaal row",
            "a.csv",
            [csv(&lines("klant;datum;bedrag", ";", iso, comma)), b"Totaal;2024-03-31;210,00\n".to_vec()].concat(),
            base_dropping("summary_row", 1),
        ),
        bytes(
            "a last row that is the sum of the others",
            "a.csv",
            sum_row_log(),
            sum_row_read(),
        ),
        Case {
            name: "a last row that is the sum of the others, cohorts only",
            file: FileSpec::Bytes("a.csv", sum_row_log()),
            args: vec!["--only", "cohorts"],
            expect: sum_row_read(),
        },
        Case {
            name: "a Total row, cohorts only",
            file: FileSpec::Bytes("a.csv", plain_with(&["Total,2024-03-20,210.00"])),
            args: vec!["--only", "cohorts"],
            expect: base_dropping("summary_row", 1),
        },
        // Dates.
        bytes(
            "dd.mm.yyyy",
            "a.csv",
            csv(&lines("Kunde;Datum;Betrag", ";", |(y, m, d)| format!("{d:02}.{m:02}.{y}"), comma)),
            base(),
        ),
        bytes(
            "dd/mm/yyyy",
            "a.csv",
            csv(&lines("klant;datum;bedrag", ";", |(y, m, d)| format!("{d:02}/{m:02}/{y}"), comma)),
            base(),
        ),
        bytes(
            "mm/dd/yyyy",
            "a.csv",
            csv(&lines("customer,date,amount", ",", |(y, m, d)| format!("{m:02}/{d:02}/{y}"), dot)),
            base(),
        ),
        bytes(
            "dd-mm-yyyy",
            "a.csv",
            csv(&lines("klant;datum;bedrag", ";", |(y, m, d)| format!("{d:02}-{m:02}-{y}"), comma)),
            base(),
        ),
        bytes(
            "yyyymmdd",
            "a.csv",
            csv(&lines("customer,date,amount", ",", |(y, m, d)| format!("{y}{m:02}{d:02}"), dot)),
            base(),
        ),
        bytes(
            "01-Jan-2024",
            "a.csv",
            csv(&lines("customer,date,amount", ",", day_mon_year(["Jan", "Feb", "Mar"]), dot)),
            base(),
        ),
        bytes(
            "01-Mär-2024",
            "a.csv",
            csv(&lines("Kunde;Datum;Betrag", ";", day_mon_year(["Jan", "Feb", "Mär"]), comma)),
            base(),
        ),
        bytes(
            "01-mrt-2024",
            "a.csv",
            csv(&lines("klant;datum;bedrag", ";", day_mon_year(["jan", "feb", "mrt"]), comma)),
            base(),
        ),
        bytes(
            "Jan 5, 2024",
            "a.csv",
            csv(&lines("customer,date,amount", ",", |(y, m, d)| {
                format!("\"{} {d}, {y}\"", month_name(m, ["Jan", "Feb", "Mar"]))
            }, dot)),
            base(),
        ),
        bytes(
            "two-digit years 05.01.24",
            "a.csv",
            csv(&lines("Kunde;Datum;Betrag", ";", |(y, m, d)| format!("{d:02}.{m:02}.{:02}", y % 100), comma)),
            base(),
        ),
        bytes(
            "Excel serial day numbers",
            "a.csv",
            csv(&lines("customer,order date,amount", ",", serial, dot)),
            base(),
        ),
        bytes(
            "ISO with time and Z",
            "a.csv",
            csv(&lines("customer,date,amount", ",", |d| format!("{}T10:15:00Z", iso(d)), dot)),
            base(),
        ),
        bytes(
            "ISO with an offset keeps the written day",
            "a.csv",
            csv(&lines("customer,date,amount", ",", |d| format!("{}T00:30:00+02:00", iso(d)), dot)),
            base(),
        ),
        bytes(
            "unix seconds",
            "a.csv",
            csv(&lines("customer,timestamp,amount", ",", |(y, m, d)| {
                chrono::NaiveDate::from_ymd_opt(y, m, d)
                    .unwrap()
                    .and_hms_opt(12, 0, 0)
                    .unwrap()
                    .and_utc()
                    .timestamp()
                    .to_string()
            }, dot)),
            base(),
        ),
        bytes(
            "Excel's empty date 1900-01-01",
            "a.csv",
            plain_with(&["E,1900-01-01,5.00"]),
            base_dropping("implausible_date", 1),
        ),
        bytes(
            "a far-future date in a CSV",
            "a.csv",
            plain_with(&["E,2999-01-05,5.00"]),
            base_dropping("implausible_date", 1),
        ),
        Case {
            name: "--date-format dd-mon-yyyy",
            file: FileSpec::Bytes(
                "a.csv",
                csv(&lines("customer,when,amount", ",", day_mon_year(["jan", "feb", "mar"]), dot)),
            ),
            args: vec!["--date", "when", "--date-format", "dd-mon-yyyy"],
            expect: base(),
        },
        Case {
            name: "--date-format excel",
            file: FileSpec::Bytes("a.csv", csv(&lines("customer,when,amount", ",", serial, dot))),
            args: vec!["--date", "when", "--date-format", "excel"],
            expect: base(),
        },
        // Broken files.
        bytes("an empty file", "a.csv", Vec::new(), Expect::Refused("empty")),
        bytes(
            "a header without rows",
            "a.csv",
            b"customer_id,order_date,amount\n".to_vec(),
            Expect::Refused("has a header but no data rows"),
        ),
        bytes(
            "a picture",
            "a.csv",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10".to_vec(),
            Expect::Refused("binary"),
        ),
        bytes(
            "no customer column",
            "a.csv",
            b"date,amount\n2024-01-05,10.00\n2024-01-20,20.00\n".to_vec(),
            Expect::Refused("no customer id column"),
        ),
        bytes(
            "no date column",
            "a.csv",
            b"customer,amount\nA,10.00\nB,20.00\n".to_vec(),
            Expect::Refused("no order date column"),
        ),
        bytes(
            "ragged rows",
            "a.csv",
            plain_with(&["E,2024-03-20,5.00,extra,fields"]),
            Expect::Read {
                rows_used: 7,
                customers: 5,
                total: 215.0,
                first: "2024-01-05",
                last: "2024-03-20",
                dropped: vec![],
                warning: None,
            },
        ),
        bytes(
            "an unbalanced quote",
            "a.csv",
            plain_with(&["\"E,2024-03-20,5.00", "F,2024-03-21,6.00"]),
            Expect::Refused("row 7 opens a quote"),
        ),
        Case {
            name: "an unbalanced quote, cohorts only",
            file: FileSpec::Bytes(
                "a.csv",
                plain_with(&["\"E,2024-03-20,5.00", "F,2024-03-21,6.00"]),
            ),
            args: vec!["--only", "cohorts"],
            expect: Expect::Refused("row 7 opens a quote"),
        },
        Case {
            name: "a folder",
            file: FileSpec::Path(std::env::temp_dir()),
            args: vec![],
            expect: Expect::Refused("not a regular file"),
        },
        Case {
            name: "a file that does not exist",
            file: FileSpec::Path(PathBuf::from("/nonexistent/orders.csv")),
            args: vec![],
            expect: Expect::Refused("could not read 'orders.csv'"),
        },
        Case {
            name: "an error naming a column with a newline is one line",
            file: FileSpec::Bytes(
                "a.csv",
                b"\"customer\nid\",order_date,amount\nA,2024-01-05,10.00\n".to_vec(),
            ),
            args: vec!["--customer", "nope"],
            expect: Expect::Refused("customer\\nid"),
        },
        // Flags.
        Case {
            name: "--as-of in year 9999 with day cohorts",
            file: FileSpec::Bytes("a.csv", csv(&plain())),
            args: vec!["--as-of", "9999-12-31", "--cohort", "day"],
            expect: Expect::Refused("more than 3 years after the last order (2024-03-20)"),
        },
        Case {
            name: "--as-of in year 9999, cohorts only",
            file: FileSpec::Bytes("a.csv", csv(&plain())),
            args: vec!["--as-of", "9999-12-31", "--only", "cohorts"],
            expect: Expect::Refused("choose a date up to 2027-03-20"),
        },
        Case {
            name: "--customer naming no column",
            file: FileSpec::Bytes("a.csv", csv(&plain())),
            args: vec!["--customer", "Kunde"],
            expect: Expect::Refused("'Kunde'"),
        },
        Case {
            name: "--date-format nobody knows",
            file: FileSpec::Bytes("a.csv", csv(&plain())),
            args: vec!["--date-format", "yyyy/dd/mm/hh"],
            expect: Expect::Refused("date-format"),
        },
        Case {
            name: "--only with an unknown analysis",
            file: FileSpec::Bytes("a.csv", csv(&plain())),
            args: vec!["--only", "everything"],
            expect: Expect::Refused("everything"),
        },
        Case {
            name: "--delimiter of two characters",
            file: FileSpec::Bytes("a.csv", csv(&plain())),
            args: vec!["--delimiter", ";;"],
            expect: Expect::Refused("delimiter"),
        },
        // Parquet types (tests/fixtures/bad/make_parquet.py).
        Case {
            name: "Parquet decimal(18,2) amounts",
            file: FileSpec::Fixture("decimal_amounts.parquet"),
            args: vec![],
            expect: base(),
        },
        Case {
            name: "Parquet decimal amounts, cohorts only",
            file: FileSpec::Fixture("decimal_amounts.parquet"),
            args: vec!["--only", "cohorts"],
            expect: base(),
        },
        Case {
            name: "Parquet timestamps in Europe/Berlin keep the local day",
            file: FileSpec::Fixture("berlin_timestamps.parquet"),
            args: vec![],
            expect: base(),
        },
        Case {
            name: "Parquet timestamps in Europe/Berlin, cohorts only",
            file: FileSpec::Fixture("berlin_timestamps.parquet"),
            args: vec!["--only", "cohorts"],
            expect: base(),
        },
        Case {
            name: "Parquet timestamps at a fixed offset",
            file: FileSpec::Fixture("utc_offset_timestamps.parquet"),
            args: vec![],
            expect: base(),
        },
        Case {
            name: "Parquet dates in 2999 and 1900",
            file: FileSpec::Fixture("far_dates.parquet"),
            args: vec![],
            expect: base_dropping("implausible_date", 2),
        },
        Case {
            name: "Parquet dates in 2999 and 1900, cohorts only",
            file: FileSpec::Fixture("far_dates.parquet"),
            args: vec!["--only", "cohorts"],
            expect: base_dropping("implausible_date", 2),
        },
        Case {
            name: "Parquet NaN, infinity and 1e308",
            file: FileSpec::Fixture("impossible_amounts.parquet"),
            args: vec![],
            expect: base_dropping("impossible_amount", 3),
        },
        Case {
            name: "Parquet NaN, infinity and 1e308, cohorts only",
            file: FileSpec::Fixture("impossible_amounts.parquet"),
            args: vec!["--only", "cohorts"],
            expect: base_dropping("impossible_amount", 3),
        },
        Case {
            name: "Parquet date32 beyond the calendar",
            file: FileSpec::Fixture("date32_beyond_the_calendar.parquet"),
            args: vec![],
            expect: with_warning(
                base_dropping("missing_date", 1),
                "lie outside the calendar",
            ),
        },
        Case {
            name: "Parquet integer ids, float32 amounts, ms timestamps",
            file: FileSpec::Fixture("integer_ids_float32_amounts.parquet"),
            args: vec![],
            expect: base(),
        },
        Case {
            name: "Parquet Total row",
            file: FileSpec::Fixture("total_row.parquet"),
            args: vec![],
            expect: base_dropping("summary_row", 1),
        },
    ];
    #[cfg(unix)]
    cases.push(Case {
        name: "a named pipe",
        file: FileSpec::Path(fifo()),
        args: vec![],
        expect: Expect::Refused("not a regular file"),
    });
    cases
}

/// A named pipe nobody writes to: reading it would wait forever.
#[cfg(unix)]
fn fifo() -> PathBuf {
    let dir = tempfile::tempdir().unwrap().keep();
    let path = dir.join("orders.csv");
    let made = Command::new("mkfifo").arg(&path).status().unwrap();
    assert!(made.success());
    path
}

fn kohorte(file: &Path, out: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kohorte"))
        .arg("report")
        .arg(file)
        .arg("--out")
        .arg(out)
        .args(args)
        .output()
        .expect("run kohorte")
}

/// What went wrong with one case, or `None`.
fn check(case: &Case) -> Option<String> {
    let folder = tempfile::tempdir().unwrap();
    let file = match &case.file {
        FileSpec::Bytes(name, data) => {
            let path = folder.path().join(name);
            std::fs::write(&path, data).unwrap();
            path
        }
        FileSpec::Fixture(name) => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/bad")
            .join(name),
        FileSpec::Path(path) => path.clone(),
    };
    // A pipe or a folder is not read here either.
    let before = file.is_file().then(|| std::fs::read(&file).ok());
    let out = folder.path().join("out");
    let mut args = case.args.clone();
    if !args.contains(&"--only") {
        args.extend(["--only", "kpis"]);
    }
    let run = kohorte(&file, &out, &args);
    let stderr = String::from_utf8_lossy(&run.stderr).to_string();
    if before.is_some() && Some(std::fs::read(&file).ok()) != before {
        return Some("the input file changed".into());
    }
    match &case.expect {
        Expect::Refused(text) => {
            if run.status.code() != Some(2) {
                return Some(format!(
                    "exit {:?}, want 2; stderr: {stderr}",
                    run.status.code()
                ));
            }
            if stderr.lines().count() != 1 || !stderr.contains(text) {
                return Some(format!("want one line containing {text:?}, got {stderr:?}"));
            }
            None
        }
        Expect::Read {
            rows_used,
            customers,
            total,
            first,
            last,
            dropped,
            warning,
        } => {
            if !run.status.success() {
                return Some(format!("exit {:?}: {stderr}", run.status.code()));
            }
            let text = std::fs::read_to_string(out.join("import.json")).unwrap();
            let json: Value = serde_json::from_str(&text).unwrap();
            let got_dropped: Vec<(String, u64)> = json["dropped"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| {
                    (
                        d["reason"].as_str().unwrap().to_string(),
                        d["count"].as_u64().unwrap(),
                    )
                })
                .collect();
            let want_dropped: Vec<(String, u64)> =
                dropped.iter().map(|(r, c)| (r.to_string(), *c)).collect();
            let got = (
                json["rows_used"].as_u64(),
                json["customers"].as_u64(),
                json["total_amount"]
                    .as_f64()
                    .map(|t| (t * 100.0).round() / 100.0),
                json["first_date"].as_str(),
                json["last_date"].as_str(),
                &got_dropped,
            );
            let want = (
                Some(*rows_used),
                Some(*customers),
                Some(*total),
                Some(*first),
                Some(*last),
                &want_dropped,
            );
            if got != want {
                return Some(format!("got {got:?}, want {want:?}; stderr: {stderr}"));
            }
            // Every dropped class is one warning line on stderr.
            let warnings = stderr
                .lines()
                .filter(|l| l.starts_with("kohorte: warning: "))
                .count();
            let want_warnings = json["warnings"].as_array().unwrap().len() + want_dropped.len();
            if warnings != want_warnings {
                return Some(format!(
                    "{warnings} warning lines, want {want_warnings}: {stderr}"
                ));
            }
            if let Some(text) = warning
                && !stderr.contains(text)
            {
                return Some(format!("no warning containing {text:?}: {stderr}"));
            }
            None
        }
    }
}

#[test]
fn every_export_shape_reads_exactly_or_is_refused_in_one_line() {
    let cases = cases();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = cases
            .chunks(cases.len().div_ceil(4))
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|case| check(case).map(|why| format!("{}: {why}", case.name)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
