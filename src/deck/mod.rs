//! The deck: every chart of an analysis as a slide (`kohorte-deck.pptx`)
//! and as one self-contained web page (`kohorte-report.html`), for the
//! meeting the analysis ends in. The window and the report fill the same
//! `Deck`, so both write the same slides.

mod from_results;
mod html;
mod pptx;

pub use from_results::{ShownAs, deck_of};

use crate::analysis::groups::display_name;
use crate::i18n::format_day;
use rust_i18n::t;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::analysis::clv::by_segment::ClvSegmentRow;
use crate::analysis::kpis::{Overview, period_name};
use crate::analysis::segments::SegmentSummary;
use crate::chart::{ChartSpec, Unit};
use crate::export::{ExportError, write_bytes};
use crate::format::{format_number, group_thousands};

pub const DECK_FILE: &str = "kohorte-deck.pptx";
pub const HTML_FILE: &str = "kohorte-report.html";

/// A table shown as a native slide table and an HTML table.
#[derive(Clone, Debug, PartialEq)]
pub struct DeckTable {
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Printed under the table: what the numbers are.
    pub note: String,
}

/// What the deck shows, in order: a title slide, the tables, the charts.
#[derive(Clone, Debug, Default)]
pub struct Deck {
    /// The data file's name.
    pub title: String,
    /// Data window, as-of date, filters: one line each on the title slide.
    pub facts: Vec<String>,
    pub tables: Vec<DeckTable>,
    pub charts: Vec<ChartSpec>,
}

impl Deck {
    /// A deck titled with the data file's name and the facts every slide
    /// depends on.
    pub fn new(source: &str, as_of: chrono::NaiveDate, window: &str) -> Deck {
        Deck {
            title: t!("Customer retention: %{source}", source = source).into(),
            facts: vec![
                t!("Data: %{window}", window = window).into(),
                t!(
                    "As of %{day} (the first day not covered)",
                    day = format_day(as_of)
                )
                .into(),
                t!(
                    "Made with Kohorte %{version} on %{day}",
                    version = env!("CARGO_PKG_VERSION"),
                    day = format_day(chrono::Local::now().date_naive())
                )
                .into(),
            ],
            tables: Vec::new(),
            charts: Vec::new(),
        }
    }

    /// Adds a chart unless it has no data (an empty chart makes an empty slide).
    pub fn add_chart(&mut self, spec: &ChartSpec) {
        if !spec.is_empty() && !self.charts.iter().any(|c| c.id == spec.id) {
            self.charts.push(spec.clone());
        }
    }

    /// Writes `DIR/kohorte-deck.pptx` and `DIR/kohorte-report.html`, each
    /// atomically; the paths written.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
        std::fs::create_dir_all(dir).map_err(|e| ExportError::new(dir, e))?;
        let deck = dir.join(DECK_FILE);
        let bytes = pptx::presentation(self).map_err(|e| ExportError::new(&deck, e))?;
        write_bytes(&deck, &bytes)?;
        let page = dir.join(HTML_FILE);
        let text = html::page(self).map_err(|e| ExportError::new(&page, e))?;
        write_bytes(&page, text.as_bytes())?;
        Ok(vec![deck, page])
    }
}

/// The Overview's KPIs as a table: value, previous period, formula.
pub fn kpi_table(overview: &Overview) -> DeckTable {
    let period = period_name(overview.period, overview.current.window);
    let format = |kpi: &crate::analysis::kpis::Kpi, value: Option<f64>| {
        value.map_or_else(|| "–".to_string(), |v| kpi.unit.format(v))
    };
    DeckTable {
        title: t!("Key figures: %{period}", period = period).into(),
        header: vec![
            t!("KPI").into(),
            period.clone(),
            t!("Period before").into(),
            t!("Formula").into(),
        ],
        rows: overview
            .kpis
            .iter()
            .map(|kpi| {
                vec![
                    kpi.name.to_string(),
                    format(kpi, kpi.value),
                    format(kpi, kpi.previous),
                    kpi.formula.clone(),
                ]
            })
            .collect(),
        note: t!(
            "The last complete period before the as-of date; a customer is active while their last order is less than %{months} months old.",
            months = overview.active_window_months
        )
        .into(),
    }
}

/// The segments with their size, revenue share and averages.
pub fn segment_table(title: &str, summaries: &[SegmentSummary]) -> DeckTable {
    DeckTable {
        title: title.to_string(),
        header: [
            t!("Segment"),
            t!("Customers"),
            t!("Share"),
            t!("Share of revenue"),
            t!("Avg recency (days)"),
            t!("Avg orders"),
            t!("Avg revenue"),
        ]
        .map(Cow::into_owned)
        .to_vec(),
        rows: summaries
            .iter()
            .map(|s| {
                vec![
                    display_name(&s.segment).into_owned(),
                    group_thousands(s.customers as usize),
                    Unit::Percent.format(s.share),
                    Unit::Percent.format(s.share_of_revenue),
                    format_number(s.average_recency_days, 0),
                    format_number(s.average_frequency, 1),
                    Unit::Money.format(s.average_monetary),
                ]
            })
            .collect(),
        note: t!("Customers as of the as-of date; revenue with refunds subtracted.").into(),
    }
}

/// Predicted CLV, P(alive) and purchases per segment.
pub fn clv_table(segment_by: &str, rows: &[ClvSegmentRow], definition: &str) -> DeckTable {
    let money = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |v| Unit::Money.format(v));
    DeckTable {
        title: t!(
            "Customer lifetime value by %{segment_by}",
            segment_by = segment_by
        )
        .into(),
        header: [
            Cow::Borrowed(segment_by),
            t!("Customers"),
            t!("Total CLV"),
            t!("Average CLV"),
            t!("Avg P(alive)"),
            t!("Expected purchases"),
        ]
        .map(Cow::into_owned)
        .to_vec(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    display_name(&r.segment).into_owned(),
                    group_thousands(r.customers as usize),
                    money(r.total_clv),
                    money(r.average_clv),
                    Unit::Percent.format(r.average_p_alive),
                    format_number(r.expected_purchases, 0),
                ]
            })
            .collect(),
        note: definition.to_string(),
    }
}

/// Whether a table cell is a figure (a number, an amount, or "–" for none),
/// which both the slides and the page right-align.
fn is_figure(cell: &str) -> bool {
    cell.chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '–' | '−' | '€'))
}

/// Text safe inside XML and HTML elements and attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 has no place for other control characters.
            c if c.is_control() && !matches!(c, '\n' | '\t') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
