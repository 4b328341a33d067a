//! `kohorte [FILE]` opens the window; `kohorte report FILE --out DIR` runs
//! the analyses headless.

// A double-clicked app opens no console window beside it on Windows; run
// from a terminal, it attaches to that terminal's console instead.
#![cfg_attr(windows, windows_subsystem = "windows")]

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use kohorte::analysis::clv::{ClvSettings, ModelKind};
use kohorte::analysis::cohorts::CohortSettings;
use kohorte::analysis::kpis::KpiSettings;
use kohorte::analysis::period::Granularity;
use kohorte::analysis::rfm_scoring::RfmScoring;
use kohorte::analysis::{SegmentSettings, Settings};
use kohorte::data::ImportOptions;
use kohorte::data::roles::Role;
use kohorte::data::values::{DateFormat, DecimalMark};
use kohorte::i18n::{Language, set_language};
use kohorte::report::{Analysis, ReportRequest};

#[derive(Parser)]
#[command(
    name = "kohorte",
    version,
    about = "Offline customer-retention analytics"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// An order log (CSV, TSV, TXT or Parquet) to open; without it the demo opens.
    file: Option<PathBuf>,
    /// The window's language: en, de or nl (default: the one chosen in the
    /// Language menu, else the system's).
    #[arg(long, value_parser = parse_language)]
    lang: Option<Language>,
}

#[derive(Subcommand)]
enum Command {
    /// Read FILE and write the import report, tables and charts to --out.
    Report(ReportArgs),
}

#[derive(clap::Args)]
struct ReportArgs {
    /// The order log to read (never written to).
    file: PathBuf,
    /// The folder to write into (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Column holding the customer id.
    #[arg(long)]
    customer: Option<String>,
    /// Column holding the order date.
    #[arg(long)]
    date: Option<String>,
    /// Column holding the amount.
    #[arg(long)]
    amount: Option<String>,
    /// Column holding the order id.
    #[arg(long)]
    order: Option<String>,
    /// Field delimiter: , ; | or tab.
    #[arg(long, value_parser = parse_delimiter)]
    delimiter: Option<char>,
    /// Numbers use a decimal comma (1.234,56).
    #[arg(long)]
    decimal_comma: bool,
    /// Date format: yyyy-mm-dd, dd.mm.yyyy, dd/mm/yyyy, mm/dd/yyyy, dd-mm-yyyy,
    /// yyyymmdd, unix seconds, unix milliseconds, dd-mon-yyyy (01-Jan-2024,
    /// 01-Mär-2024, 01-mrt-2024), "mon d, yyyy" (Jan 5, 2024), dd.mm.yy, excel
    /// serial (or strftime such as %d.%m.%Y).
    #[arg(long, value_parser = parse_date_format)]
    date_format: Option<DateFormat>,
    /// First day not covered by the analysis (default: the day after the last order).
    #[arg(long, value_parser = parse_day)]
    as_of: Option<NaiveDate>,
    /// Cohort granularity: day, week, month or quarter.
    #[arg(long, default_value = "month", value_parser = parse_granularity)]
    cohort: Granularity,
    /// W: months an order keeps a customer in the active base.
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=120))]
    active_window_months: u32,
    /// Attribute column to split the cohorts by (value on each customer's
    /// first order), or "RFM segment" or "Status".
    #[arg(long)]
    breakdown: Option<String>,
    /// How RFM scores are given: quintiles (equal values kept together) or
    /// breakpoints (chosen from the data so that no score stays empty when
    /// the values allow it).
    #[arg(long, default_value = "quintiles", value_parser = parse_rfm_scoring)]
    rfm_scoring: RfmScoring,
    /// Lifecycle period for lifecycle.csv: day, week, month or quarter.
    #[arg(long, default_value = "month", value_parser = parse_granularity)]
    lifecycle_period: Granularity,
    /// CLV purchase model: best (the one that predicted the --holdout-weeks
    /// best; bgnbd without a holdout), bgnbd, paretonbd or mbgnbd (modified
    /// BG/NBD: one-time buyers can be gone).
    #[arg(long, default_value = "best", value_parser = parse_model)]
    clv_model: ModelChoice,
    /// Last day the CLV models learn from (default: the day before the as-of date).
    #[arg(long, value_parser = parse_day)]
    calibration_end: Option<NaiveDate>,
    /// Weeks ahead for "expected purchases" in clv.csv.
    #[arg(long, default_value_t = 39, value_parser = clap::value_parser!(u32).range(1..=520))]
    horizon_weeks: u32,
    /// Months of 30 days the CLV sums over.
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=120))]
    clv_months: u32,
    /// Monthly discount rate for the CLV, as a fraction (0.01 = 1 % a month).
    #[arg(long, default_value_t = 0.01, value_parser = parse_discount_rate)]
    discount_rate: f64,
    /// Weeks before the calibration end held out to check the model (0 = no check).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=520))]
    holdout_weeks: u32,
    /// Refits on resampled customers for the 95 % ranges of expected
    /// purchases and CLV per segment (clv_by_segment.csv); 0 = no ranges.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(0..=1000))]
    clv_resamples: u32,
    /// What clv_by_segment.csv adds besides RFM segment and Status: an attribute column.
    #[arg(long)]
    clv_segment_by: Option<String>,
    /// A loyalty programme (TOML) to replay from the orders: adds loyalty_*.csv,
    /// loyalty_summary.json and charts.
    #[arg(long)]
    loyalty: Option<PathBuf>,
    /// A survey export (NPS answers): adds nps.csv, NPS per calendar month.
    #[arg(long)]
    survey: Option<PathBuf>,
    /// The survey column holding the 0-10 scores (default: detected from its name).
    #[arg(long)]
    survey_score: Option<String>,
    /// An event log (user, time, event name): adds activity.csv (DAU, WAU,
    /// MAU, stickiness per day) and engagement.csv.
    #[arg(long)]
    events: Option<PathBuf>,
    /// The event log's event-name column (default: detected from its name).
    #[arg(long)]
    event_column: Option<String>,
    /// Comma-separated analyses to run (default: all).
    #[arg(long, value_delimiter = ',', value_parser = Analysis::parse)]
    only: Option<Vec<Analysis>>,
    /// The language of the charts and the deck: en, de or nl. The CSV and
    /// JSON files keep English column names and plain numbers.
    #[arg(long, default_value = "en", value_parser = parse_language)]
    lang: Language,
    /// Also write kohorte-deck.pptx (one slide per chart, the key tables)
    /// and kohorte-report.html (self-contained) to --out.
    #[arg(long)]
    deck: bool,
    /// Write this run's choices to a saved analysis (NAME.kohorte), which
    /// `kohorte report NAME.kohorte --out DIR` and the window open again.
    #[arg(long)]
    save_analysis: Option<PathBuf>,
}

fn parse_delimiter(text: &str) -> Result<char, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok('\t'),
        "," | ";" | "|" => text
            .chars()
            .next()
            .ok_or_else(|| "empty delimiter".to_string()),
        other => Err(format!(
            "'{other}' is not a delimiter Kohorte reads; use , ; | or tab"
        )),
    }
}

fn parse_date_format(text: &str) -> Result<DateFormat, String> {
    DateFormat::from_user_text(text).ok_or_else(|| {
        let known: Vec<&str> = DateFormat::ALL.iter().map(|f| f.label()).collect();
        format!(
            "unknown date format '{text}'; use one of: {}",
            known.join(", ")
        )
    })
}

fn parse_granularity(text: &str) -> Result<Granularity, String> {
    Granularity::parse(text).ok_or_else(|| {
        format!("'{text}' is not a cohort granularity; use day, week, month or quarter")
    })
}

/// `--lang`: a language Kohorte speaks.
fn parse_language(text: &str) -> Result<Language, String> {
    Language::from_tag(text)
        .ok_or_else(|| format!("'{text}' is not a language Kohorte speaks (en, de or nl)"))
}

/// `--clv-model`: a model, or `None` for the best on the holdout.
#[derive(Clone, Copy, Debug)]
struct ModelChoice(Option<ModelKind>);

fn parse_model(text: &str) -> Result<ModelChoice, String> {
    let key = text.trim().to_lowercase();
    if key == "best" {
        return Ok(ModelChoice(None));
    }
    ModelKind::ALL
        .into_iter()
        .find(|m| m.key() == key)
        .map(|m| ModelChoice(Some(m)))
        .ok_or_else(|| format!("'{text}' is not a CLV model; use best, bgnbd, paretonbd or mbgnbd"))
}

fn parse_rfm_scoring(text: &str) -> Result<RfmScoring, String> {
    match text.trim().to_lowercase().as_str() {
        "quintiles" => Ok(RfmScoring::Quintiles),
        "breakpoints" => Ok(RfmScoring::Breakpoints(None)),
        _ => Err(format!(
            "'{text}' is not an RFM scoring; use quintiles or breakpoints"
        )),
    }
}

fn parse_discount_rate(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(rate) if (0.0..1.0).contains(&rate) => Ok(rate),
        _ => Err(format!(
            "'{text}' is not a monthly discount rate; write it as a fraction from 0 to below 1, such as 0.01 for 1 %"
        )),
    }
}

fn parse_day(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("'{text}' is not a date written as YYYY-MM-DD"))
}

impl ReportArgs {
    fn request(self) -> ReportRequest {
        let mut options = ImportOptions::default();
        for (role, column) in [
            (Role::CustomerId, self.customer),
            (Role::Timestamp, self.date),
            (Role::Amount, self.amount),
            (Role::OrderId, self.order),
        ] {
            if let Some(column) = column {
                options.roles.insert(role, Some(column));
            }
        }
        options.dialect.delimiter = self.delimiter;
        if self.decimal_comma {
            options.dialect.decimal_mark = Some(DecimalMark::Comma);
        }
        options.date_format = self.date_format;
        let settings = Settings {
            as_of: self.as_of,
            cohorts: CohortSettings {
                granularity: self.cohort,
                breakdown: self.breakdown,
                ..Default::default()
            },
            kpis: KpiSettings {
                active_window_months: self.active_window_months,
                ..Default::default()
            },
            segments: SegmentSettings {
                lifecycle_period: self.lifecycle_period,
                scoring: self.rfm_scoring,
                ..Default::default()
            },
            clv: ClvSettings {
                model: self.clv_model.0.unwrap_or_default(),
                pick_best_model: self.clv_model.0.is_none(),
                calibration_end: self.calibration_end,
                horizon_weeks: self.horizon_weeks,
                clv_months: self.clv_months,
                discount_rate_monthly: self.discount_rate,
                holdout_weeks: self.holdout_weeks,
                segment_by: self
                    .clv_segment_by
                    .unwrap_or_else(|| kohorte::analysis::RFM_SEGMENT.to_string()),
                resamples: self.clv_resamples,
            },
            ..Default::default()
        };
        ReportRequest {
            file: self.file,
            out: self.out,
            options,
            settings,
            loyalty: self.loyalty,
            survey: self.survey,
            survey_score: self.survey_score,
            events: self.events,
            event_column: self.event_column,
            side: Default::default(),
            only: self.only,
            deck: self.deck,
            save_analysis: self.save_analysis,
            saved_data: None,
        }
    }
}

/// Writes `kohorte report`'s lines and `--help` to the terminal Kohorte
/// was started from: a Windows GUI program has no console of its own.
#[cfg(windows)]
fn attach_to_parent_console() {
    #[link(name = "kernel32")]
    unsafe extern "system" {
        fn AttachConsole(process_id: u32) -> i32;
    }
    const ATTACH_PARENT_PROCESS: u32 = u32::MAX;
    // SAFETY: a Win32 call taking a plain number; when there is no parent
    // console (started from Explorer) it fails, and nothing is printed.
    unsafe {
        AttachConsole(ATTACH_PARENT_PROCESS);
    }
}

fn main() -> ExitCode {
    #[cfg(windows)]
    attach_to_parent_console();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            // One line, like every other failure: clap's first line names
            // the flag and the value; its usage hint is left out.
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            eprintln!("kohorte: {}", first.trim_start_matches("error: "));
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Some(Command::Report(args)) => report(args),
        None => match kohorte::ui::run(kohorte::ui::Startup {
            file: cli.file,
            language: cli.lang,
        }) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("kohorte: could not open the window: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

/// Runs the report; any failure is one line on stderr and exit code 2.
fn report(args: ReportArgs) -> ExitCode {
    std::panic::set_hook(Box::new(|_| {}));
    set_language(args.lang);
    let request = if kohorte::saved::is_saved_analysis(&args.file) {
        match kohorte::report::saved_request(&args.file, args.out, args.only, args.deck) {
            Ok(request) => request,
            Err(e) => {
                eprintln!("kohorte: {}", one_line(&e.to_string()));
                return ExitCode::from(2);
            }
        }
    } else {
        args.request()
    };
    match std::panic::catch_unwind(|| kohorte::report::run(&request)) {
        Ok(Ok(summary)) => {
            for warning in &summary.warnings {
                eprintln!("kohorte: warning: {}", one_line(warning));
            }
            println!(
                "kohorte: wrote {} files to {} ({} rows, {} customers)",
                summary.files.len(),
                request.out.display(),
                summary.rows_used,
                summary.customers
            );
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => {
            eprintln!("kohorte: {}", one_line(&e.to_string()));
            ExitCode::from(2)
        }
        Err(_) => {
            eprintln!(
                "kohorte: internal error while reading '{}'; please report this file's layout",
                request.file.display()
            );
            ExitCode::from(2)
        }
    }
}

/// A message as one line: control characters (a newline in a column name,
/// say) are written as escapes, so every failure is exactly one line.
fn one_line(message: &str) -> String {
    message
        .chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}
