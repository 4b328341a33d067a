//! The headless run: reads a file, runs the analyses and writes their tables
//! and charts to a folder. The window and this report use the same analysis
//! code, so they never disagree.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

use serde_json::json;

use crate::analysis::clv::{ClvRow, ClvSettings, by_segment, charts, frames};
use crate::analysis::cohort_charts::{CellValue, heatmap_spec};
use crate::analysis::cohorts::{CohortSettings, table_frame};
use crate::analysis::kpis::{KpiSettings, Overview, period_name};
use crate::analysis::lifecycle::lifecycle_frame;
use crate::analysis::loyalty::Programme;
use crate::analysis::loyalty_charts;
use crate::analysis::period::Granularity;
use crate::analysis::segments::{CustomerRow, customer_list, summary_frame};
use crate::analysis::{RFM_SEGMENT, STATUS, SegmentSettings};
use crate::analysis::{Results, Settings};
use crate::chart::ChartSpec;
use crate::chart::render::{ImageFormat, write_chart};
use crate::data::{ImportOptions, Source};
use crate::export::{write_csv, write_json};

/// The analyses the report can run, by the name `--only` takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Analysis {
    /// Orders, customers and revenue per month.
    Activity,
    /// The cohort table, heatmap and retention curves.
    Cohorts,
    /// The Overview KPIs of the last complete period.
    Kpis,
    /// Customers with RFM scores, segments, status; segment table; lifecycle.
    Segments,
    /// The CLV models: per-customer predictions, the model, CLV by segment.
    Clv,
    /// The loyalty programme given with `--loyalty`, replayed.
    Loyalty,
    /// NPS per month from the survey given with `--survey`.
    Survey,
    /// DAU, WAU, MAU and engagement from the event log given with `--events`.
    Engagement,
    /// MRR and its movements, when the order log is a subscription log.
    Mrr,
}

impl Analysis {
    pub const ALL: [Analysis; 9] = [
        Analysis::Activity,
        Analysis::Cohorts,
        Analysis::Kpis,
        Analysis::Segments,
        Analysis::Clv,
        Analysis::Loyalty,
        Analysis::Survey,
        Analysis::Engagement,
        Analysis::Mrr,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Analysis::Activity => "activity",
            Analysis::Cohorts => "cohorts",
            Analysis::Kpis => "kpis",
            Analysis::Segments => "segments",
            Analysis::Clv => "clv",
            Analysis::Loyalty => "loyalty",
            Analysis::Survey => "survey",
            Analysis::Engagement => "engagement",
            Analysis::Mrr => "mrr",
        }
    }

    /// Reads one `--only` name; names of analyses this version does not
    /// have yet get a message that says so.
    pub fn parse(name: &str) -> Result<Analysis, String> {
        let name = name.trim().to_lowercase();
        if let Some(found) = Analysis::ALL.into_iter().find(|a| a.name() == name) {
            return Ok(found);
        }
        let available: Vec<&str> = Analysis::ALL.iter().map(|a| a.name()).collect();
        Err(format!(
            "unknown analysis '{name}' in --only; this version has: {}",
            available.join(", ")
        ))
    }
}

pub struct ReportRequest {
    pub file: PathBuf,
    pub out: PathBuf,
    pub options: ImportOptions,
    pub as_of: Option<NaiveDate>,
    pub cohorts: CohortSettings,
    pub active_window_months: u32,
    pub lifecycle_period: Granularity,
    pub clv: ClvSettings,
    /// A loyalty programme file to replay (`--loyalty`).
    pub loyalty: Option<PathBuf>,
    /// A survey export (`--survey`) and the column holding its scores
    /// (`--survey-score`, detected when `None`).
    pub survey: Option<PathBuf>,
    pub survey_score: Option<String>,
    /// An event log (`--events`) and its event-name column (`--event-column`,
    /// detected when `None`).
    pub events: Option<PathBuf>,
    pub event_column: Option<String>,
    /// `None` runs every analysis.
    pub only: Option<Vec<Analysis>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{0}")]
    Import(#[from] crate::data::ImportError),
    #[error("{0}")]
    Export(#[from] crate::export::ExportError),
    #[error("could not create the output folder '{path}': {reason}")]
    OutDir { path: String, reason: String },
    #[error("the output folder would overwrite the input file '{0}'; choose another --out folder")]
    WouldOverwriteInput(String),
    #[error("{0}")]
    Analysis(String),
}

/// What a report run wrote.
#[derive(Debug, Serialize)]
pub struct ReportSummary {
    pub files: Vec<PathBuf>,
    pub rows_used: usize,
    pub customers: usize,
}

pub fn run(request: &ReportRequest) -> Result<ReportSummary, ReportError> {
    let dataset = Source::File(request.file.clone()).load(&request.options)?;
    std::fs::create_dir_all(&request.out).map_err(|e| ReportError::OutDir {
        path: request.out.display().to_string(),
        reason: e.to_string(),
    })?;
    let mut writer = Writer {
        out: &request.out,
        input: request.file.canonicalize().ok(),
        files: Vec::new(),
    };
    writer.json("import.json", &dataset.report)?;
    if let Some(column) = &request.cohorts.breakdown
        && !dataset.attributes.contains(column)
        && !crate::analysis::SEGMENT_COLUMNS.contains(&column.as_str())
    {
        return Err(ReportError::Analysis(format!(
            "--breakdown '{column}' is not an attribute column of '{}' (attributes: {})",
            dataset.report.source,
            dataset.attributes.join(", ")
        )));
    }
    let wanted = |a: Analysis| request.only.as_ref().is_none_or(|only| only.contains(&a));
    // The programme is replayed by the analyses themselves, like in the app.
    let loyalty = match &request.loyalty {
        Some(path) if wanted(Analysis::Loyalty) => Some(read_programme(path)?),
        _ => None,
    };
    let settings = Settings {
        as_of: request.as_of,
        loyalty,
        cohorts: request.cohorts.clone(),
        kpis: KpiSettings {
            active_window_months: request.active_window_months,
            ..Default::default()
        },
        segments: SegmentSettings {
            lifecycle_period: request.lifecycle_period,
            ..Default::default()
        },
        clv: request.clv.clone(),
        ..Default::default()
    };
    let results =
        Results::compute(&dataset, &settings).map_err(|e| ReportError::Analysis(e.to_string()))?;
    if wanted(Analysis::Activity) {
        // `activity.csv` is the event log's DAU/WAU/MAU (--events).
        writer.csv("orders_per_month.csv", &results.activity.table)?;
        writer.chart(&results.activity.orders_chart)?;
        if let Some(revenue) = &results.activity.revenue_chart {
            writer.chart(revenue)?;
        }
    }
    let window = settings.filters.describe();
    if wanted(Analysis::Cohorts) {
        let cohorts = &results.cohorts;
        writer.csv(
            "cohorts.csv",
            &table_frame(&cohorts.overall, None).map_err(analysis_error)?,
        )?;
        if let Some(column) = &cohorts.breakdown {
            let mut frames = Vec::new();
            for (group, table) in &cohorts.groups {
                frames.push(table_frame(table, Some((column, group))).map_err(analysis_error)?);
            }
            if let Some(first) = frames.first().cloned() {
                let mut all = first;
                for frame in frames.iter().skip(1) {
                    all.vstack_mut(frame).map_err(analysis_error)?;
                }
                writer.csv(&format!("cohorts_by_{}.csv", file_safe(column)), &all)?;
            }
        }
        writer.chart(&cohorts.curves)?;
        writer.chart(&heatmap_spec(
            &cohorts.overall,
            CellValue::Retention,
            "",
            &window,
        ))?;
    }
    if wanted(Analysis::Kpis) {
        let overview = results.overview.as_ref().ok_or_else(|| {
            ReportError::Analysis(format!(
                "no complete month lies before the as-of date {}; choose a later --as-of",
                results.as_of
            ))
        })?;
        writer.json("kpis.json", &kpis_json(overview, results.as_of))?;
    }
    if wanted(Analysis::Segments) {
        let s = &results.segments;
        let rows: Vec<&CustomerRow> = s.customers.rows.iter().collect();
        writer.csv(
            "customers.csv",
            &customer_list(&rows, &s.first_attributes).map_err(analysis_error)?,
        )?;
        let mut table = summary_frame("rfm", &s.rfm_table).map_err(analysis_error)?;
        table
            .vstack_mut(&summary_frame("status", &s.status_table).map_err(analysis_error)?)
            .map_err(analysis_error)?;
        writer.csv("segments.csv", &table)?;
        writer.csv(
            "lifecycle.csv",
            &lifecycle_frame(&s.lifecycle).map_err(analysis_error)?,
        )?;
        writer.chart(&s.rfm_grid)?;
        writer.chart(&s.rfm_sizes)?;
        writer.chart(&s.lifecycle_chart)?;
    }
    // The loyalty replay runs when a programme is given, unless --only
    // leaves it out; asking for it without a programme is an error.
    match &request.loyalty {
        Some(_) if wanted(Analysis::Loyalty) => write_loyalty(&mut writer, &results)?,
        None if request
            .only
            .as_ref()
            .is_some_and(|only| only.contains(&Analysis::Loyalty)) =>
        {
            return Err(ReportError::Analysis(
                "--only loyalty needs the programme: add --loyalty PROGRAM.toml".into(),
            ));
        }
        _ => {}
    }
    match &request.survey {
        Some(path) if wanted(Analysis::Survey) => {
            write_survey(&mut writer, path, request.survey_score.as_deref())?
        }
        None if request
            .only
            .as_ref()
            .is_some_and(|only| only.contains(&Analysis::Survey)) =>
        {
            return Err(ReportError::Analysis(
                "--only survey needs the survey export: add --survey FILE".into(),
            ));
        }
        _ => {}
    }
    match &request.events {
        Some(path) if wanted(Analysis::Engagement) => {
            write_engagement(&mut writer, path, request.event_column.as_deref())?
        }
        None if request
            .only
            .as_ref()
            .is_some_and(|only| only.contains(&Analysis::Engagement)) =>
        {
            return Err(ReportError::Analysis(
                "--only engagement needs the event log: add --events FILE".into(),
            ));
        }
        _ => {}
    }
    if wanted(Analysis::Mrr) {
        let asked = request
            .only
            .as_ref()
            .is_some_and(|only| only.contains(&Analysis::Mrr));
        write_mrr(&mut writer, &results, &dataset, asked)?;
    }
    if wanted(Analysis::Clv) {
        write_clv(&mut writer, &results, &settings, &window)?;
    }
    Ok(ReportSummary {
        files: writer.files,
        rows_used: dataset.report.rows_used,
        customers: dataset.report.customers,
    })
}

/// `mrr.csv` when the orders are recurring payments; asking for it on a
/// log that is not is an error, running everything just leaves it out.
fn write_mrr(
    writer: &mut Writer,
    results: &Results,
    dataset: &crate::data::Dataset,
    asked: bool,
) -> Result<(), ReportError> {
    let Some((_, months, chart)) = &results.mrr else {
        return if asked {
            Err(ReportError::Analysis(format!(
                "--only mrr: '{}' does not look like a subscription log (no plan column, and customers do not pay about monthly)",
                dataset.report.source
            )))
        } else {
            Ok(())
        };
    };
    writer.csv(
        "mrr.csv",
        &crate::analysis::mrr::mrr_frame(months).map_err(analysis_error)?,
    )?;
    writer.chart(chart)
}

/// `activity.csv` (DAU, WAU, MAU, stickiness per day) and `engagement.csv`
/// (score and event counts per user, every event weighing 1) from an event
/// log read with the same importer as orders.
fn write_engagement(
    writer: &mut Writer,
    path: &Path,
    event_column: Option<&str>,
) -> Result<(), ReportError> {
    use crate::analysis::engagement;
    let dataset = Source::File(path.to_path_buf()).load(&ImportOptions::default())?;
    let events = engagement::read(&dataset, event_column)
        .map_err(|e| ReportError::Analysis(format!("events: {e}")))?;
    let days = engagement::daily_activity(&events);
    writer.csv(
        "activity.csv",
        &engagement::activity_frame(&days).map_err(analysis_error)?,
    )?;
    let scores = engagement::engagement(&events, &Default::default(), None);
    writer.csv(
        "engagement.csv",
        &engagement::engagement_frame(&scores).map_err(analysis_error)?,
    )?;
    let source = &dataset.report.source;
    writer.chart(&crate::analysis::extra_charts::activity_spec(&days, source))?;
    writer.chart(&crate::analysis::extra_charts::stickiness_spec(
        &days, source,
    ))
}

/// `nps.csv` from a survey export read with the same importer as orders.
fn write_survey(
    writer: &mut Writer,
    path: &Path,
    score_column: Option<&str>,
) -> Result<(), ReportError> {
    let dataset = Source::File(path.to_path_buf()).load(&ImportOptions::default())?;
    let answers = crate::analysis::survey::read(&dataset, score_column)
        .map_err(|e| ReportError::Analysis(format!("survey: {e}")))?;
    let months = crate::analysis::survey::nps_by_month(&answers);
    writer.csv(
        "nps.csv",
        &crate::analysis::survey::nps_frame(&months).map_err(analysis_error)?,
    )?;
    writer.chart(&crate::analysis::extra_charts::nps_spec(
        &months,
        &dataset.report.source,
    ))
}

fn read_programme(path: &Path) -> Result<Programme, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ReportError::Analysis(format!(
            "could not read the loyalty programme '{}': {e}",
            path.display()
        ))
    })?;
    Programme::parse(&text).map_err(|e| ReportError::Analysis(format!("'{}': {e}", path.display())))
}

fn write_loyalty(writer: &mut Writer, results: &Results) -> Result<(), ReportError> {
    let Some(replayed) = &results.loyalty else {
        return Ok(());
    };
    writer.csv(
        "loyalty_customers.csv",
        &loyalty_charts::customers_frame(replayed).map_err(analysis_error)?,
    )?;
    writer.csv(
        "loyalty_tiers.csv",
        &loyalty_charts::tiers_frame(replayed).map_err(analysis_error)?,
    )?;
    writer.csv(
        "loyalty_migration.csv",
        &loyalty_charts::migration_frame(replayed).map_err(analysis_error)?,
    )?;
    writer.json(
        "loyalty_summary.json",
        &json!({
            "programme": replayed.programme.name,
            "as_of": replayed.as_of,
            "summary": replayed.summary,
            "redemptions_from_data": replayed.redemptions_from_data,
        }),
    )?;
    writer.chart(&loyalty_charts::members_per_tier_spec(replayed))?;
    writer.chart(&loyalty_charts::points_spec(replayed))?;
    writer.chart(&loyalty_charts::liability_spec(replayed))?;
    Ok(())
}

fn write_clv(
    writer: &mut Writer,
    results: &Results,
    settings: &Settings,
    window: &str,
) -> Result<(), ReportError> {
    let clv = &results.clv;
    let fit = clv.fit.as_ref().map_err(|reason| {
        ReportError::Analysis(format!(
            "CLV: {reason} (the other analyses were written; leave out clv with --only)"
        ))
    })?;
    let rows: Vec<&ClvRow> = fit.rows.iter().collect();
    writer.csv(
        "clv.csv",
        &frames::customers_frame(&rows).map_err(analysis_error)?,
    )?;
    writer.json("clv_model.json", &frames::model_json(fit))?;
    // Every customer by RFM segment and by status; a breakdown by an
    // attribute is added when --clv-segment-by names one.
    let mut tables: Vec<(String, Vec<by_segment::ClvSegmentRow>)> = Vec::new();
    for dimension in [RFM_SEGMENT, STATUS] {
        let (_, table) = results
            .clv_by(dimension, &settings.segments.grid)
            .map_err(analysis_error)?;
        tables.push((dimension.to_string(), table));
    }
    if !tables.iter().any(|(d, _)| *d == clv.segment_by) {
        tables.push((clv.segment_by.clone(), clv.by_segment.clone()));
    }
    let borrowed: Vec<(&str, &[by_segment::ClvSegmentRow])> = tables
        .iter()
        .map(|(d, t)| (d.as_str(), t.as_slice()))
        .collect();
    writer.csv(
        "clv_by_segment.csv",
        &frames::segments_frame(&borrowed).map_err(analysis_error)?,
    )?;
    for (dimension, table) in &tables {
        writer.chart(&charts::by_segment_spec(dimension, table, window))?;
    }
    writer.chart(&clv.distribution)?;
    if let Some(map) = &clv.p_alive_map {
        writer.chart(map)?;
    }
    for chart in [&clv.holdout_weekly, &clv.holdout_by_frequency]
        .into_iter()
        .flatten()
    {
        writer.chart(chart)?;
    }
    Ok(())
}

fn analysis_error(e: polars::prelude::PolarsError) -> ReportError {
    ReportError::Analysis(e.to_string())
}

/// A column name as part of a file name: letters, digits, `-` and `_`.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `kpis.json`: the period, then every KPI with its formula and inputs.
fn kpis_json(overview: &Overview, as_of: NaiveDate) -> serde_json::Value {
    let kpis: serde_json::Map<String, serde_json::Value> = overview
        .kpis
        .iter()
        .map(|k| {
            let inputs: serde_json::Map<String, serde_json::Value> = k
                .inputs
                .iter()
                .map(|(n, v)| (n.clone(), json!(v)))
                .collect();
            (
                k.key.to_string(),
                json!({
                    "name": k.name,
                    "value": k.value,
                    "unit": k.unit,
                    "formula": k.formula,
                    "inputs": inputs,
                    "previous": k.previous,
                    "context": k.context,
                }),
            )
        })
        .collect();
    let current = &overview.current;
    json!({
        "as_of": as_of,
        "period": {
            "kind": overview.period,
            "name": period_name(overview.period, current.window),
            "start": current.window.start,
            "end": current.window.end,
        },
        "active_window_months": overview.active_window_months,
        "kpis": kpis,
        "counts": current,
        "simple_clv": overview.simple_clv,
    })
}

struct Writer<'a> {
    out: &'a Path,
    input: Option<PathBuf>,
    files: Vec<PathBuf>,
}

impl Writer<'_> {
    /// The path for `name`, refusing to ever replace the input file.
    fn target(&mut self, name: &str) -> Result<PathBuf, ReportError> {
        let path = self.out.join(name);
        if let (Some(input), Ok(existing)) = (&self.input, path.canonicalize())
            && *input == existing
        {
            return Err(ReportError::WouldOverwriteInput(
                input.display().to_string(),
            ));
        }
        self.files.push(path.clone());
        Ok(path)
    }

    fn json(&mut self, name: &str, value: &impl Serialize) -> Result<(), ReportError> {
        let path = self.target(name)?;
        Ok(write_json(&path, value)?)
    }

    fn csv(&mut self, name: &str, frame: &polars::prelude::DataFrame) -> Result<(), ReportError> {
        let path = self.target(name)?;
        Ok(write_csv(&path, frame)?)
    }

    fn chart(&mut self, spec: &ChartSpec) -> Result<(), ReportError> {
        for format in [ImageFormat::Svg, ImageFormat::Png] {
            let path = self.target(&format!("{}.{}", spec.id, format.extension()))?;
            write_chart(spec, format, &path)?;
        }
        Ok(())
    }
}
