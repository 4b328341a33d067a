//! The headless run: reads a file, runs the analyses and writes their tables
//! and charts to a folder. The window and this report use the same analysis
//! code, so they never disagree.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use serde_json::json;

use crate::analysis::cancel::Cancel;
use crate::analysis::clv::{ClvRow, by_segment, frames};
use crate::analysis::cohort_charts::{CellValue, curves_as_shown, heatmap_spec};
use crate::analysis::cohorts::table_frame;
use crate::analysis::groups::{GroupColumn, GroupSources, groupable_columns};
use crate::analysis::kpis::{Overview, period_name};
use crate::analysis::lifecycle::lifecycle_frame;
use crate::analysis::loyalty::{LoyaltyResults, Programme};
use crate::analysis::loyalty_charts;
use crate::analysis::results::{ClvBySegment, CohortResults};
use crate::analysis::segments::{CustomerRow, customer_list, summary_frame};
use crate::analysis::side_sources::SideSettings;
use crate::analysis::{Data, Engine, RFM_SEGMENT, STATUS, Settings, Stop};
use crate::chart::ChartSpec;
use crate::chart::render::{ImageFormat, write_chart};
use crate::data::{ImportOptions, Source};
use crate::deck::Deck;
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
    /// What the analyses compute with (the flags, or a saved analysis).
    pub settings: Settings,
    /// A loyalty programme file to replay (`--loyalty`); it replaces the
    /// settings' programme.
    pub loyalty: Option<PathBuf>,
    /// A survey export (`--survey`) and the column holding its scores
    /// (`--survey-score`, detected when `None`).
    pub survey: Option<PathBuf>,
    pub survey_score: Option<String>,
    /// An event log (`--events`) and its event-name column (`--event-column`,
    /// detected when `None`).
    pub events: Option<PathBuf>,
    pub event_column: Option<String>,
    /// How the event log and the survey are read and weighed.
    pub side: SideSettings,
    /// `None` runs every analysis.
    pub only: Option<Vec<Analysis>>,
    /// Also write `kohorte-deck.pptx` and `kohorte-report.html` (`--deck`).
    pub deck: bool,
    /// Write the run's choices as a saved analysis here (`--save-analysis`).
    pub save_analysis: Option<PathBuf>,
    /// The data as a saved analysis recorded it: a changed file is said in
    /// a warning with what changed.
    pub saved_data: Option<crate::saved::DataFile>,
}

/// The request that reruns the saved analysis `analysis` into `out`.
pub fn saved_request(
    analysis: &Path,
    out: PathBuf,
    only: Option<Vec<Analysis>>,
    deck: bool,
) -> Result<ReportRequest, ReportError> {
    use crate::saved::SavedAnalysis;
    let saved = SavedAnalysis::read(analysis).map_err(|e| ReportError::Analysis(e.to_string()))?;
    let file = saved
        .data_path(analysis)
        .map_err(ReportError::Analysis)?
        .ok_or_else(|| {
            ReportError::Analysis(
                "this analysis was saved on the demo shop; open it in the window".into(),
            )
        })?;
    let side_file = |reference: &Option<crate::saved::FileRef>, what: &str| {
        reference
            .as_ref()
            .map(|r| r.find(analysis, what).map_err(ReportError::Analysis))
            .transpose()
    };
    Ok(ReportRequest {
        file,
        out,
        options: saved.import.clone(),
        settings: saved.settings.clone(),
        loyalty: None,
        survey: side_file(&saved.survey, "survey")?,
        survey_score: None,
        events: side_file(&saved.events, "event log")?,
        event_column: None,
        side: saved.side.clone(),
        only,
        deck,
        save_analysis: None,
        saved_data: Some(saved.data),
    })
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
    /// What the import could not read or had to guess, one line each, as
    /// the import report shows them.
    pub warnings: Vec<String>,
}

/// Refuses an as-of date far beyond the data, with the latest it accepts.
fn check_as_of(
    as_of: Option<NaiveDate>,
    report: &crate::data::ImportReport,
) -> Result<(), ReportError> {
    let (Some(as_of), Some(last)) = (as_of, report.last_date) else {
        return Ok(());
    };
    let latest = crate::calendar::latest_as_of(last);
    if as_of > latest {
        return Err(ReportError::Analysis(format!(
            "--as-of {as_of} lies more than {} years after the last order ({last}); choose a date up to {latest}",
            crate::calendar::AS_OF_YEARS_AFTER_DATA
        )));
    }
    Ok(())
}

/// The import report's warnings and dropped rows, one line each.
fn import_warnings(report: &crate::data::ImportReport) -> Vec<String> {
    let dropped = report.dropped.iter().map(|d| {
        let example = d
            .examples
            .first()
            .map(|e| format!(" (e.g. '{}' in row {})", e.value, e.row))
            .unwrap_or_default();
        format!(
            "{} dropped: {}{example}",
            crate::format::count_of(d.count, "row"),
            d.message
        )
    });
    report.warnings.iter().cloned().chain(dropped).collect()
}

pub fn run(request: &ReportRequest) -> Result<ReportSummary, ReportError> {
    if let Some(summary) = quick_cohorts(request)? {
        return Ok(summary);
    }
    let dataset = Source::File(request.file.clone()).load(&request.options)?;
    check_as_of(request.settings.as_of, &dataset.report)?;
    let mut writer = Writer::new(request)?;
    writer.json("import.json", &dataset.report)?;
    let asked = |a: Analysis| request.only.as_ref().is_some_and(|only| only.contains(&a));
    let wanted = |a: Analysis| request.only.as_ref().is_none_or(|only| only.contains(&a));
    for (analysis, given, what) in [
        (
            Analysis::Loyalty,
            request.loyalty.is_some() || request.settings.loyalty.is_some(),
            "the programme: add --loyalty PROGRAM.toml",
        ),
        (
            Analysis::Survey,
            request.survey.is_some(),
            "the survey export: add --survey FILE",
        ),
        (
            Analysis::Engagement,
            request.events.is_some(),
            "the event log: add --events FILE",
        ),
    ] {
        if asked(analysis) && !given {
            return Err(ReportError::Analysis(format!(
                "--only {} needs {what}",
                analysis.name()
            )));
        }
    }
    // The programme and the survey's NPS groups are settings of the order
    // analyses, as in the app: tiers and groups work as segments anywhere.
    let loyalty = request.loyalty.as_deref().map(read_programme).transpose()?;
    let survey = request
        .survey
        .as_deref()
        .map(|path| {
            read_survey(
                path,
                &request.side.survey_import,
                request.survey_score.as_deref(),
            )
        })
        .transpose()?;
    let nps_groups = survey
        .as_ref()
        .map(|(_, answers)| Arc::new(crate::analysis::survey::groups_of(answers)));
    let mut settings = request.settings.clone();
    if loyalty.is_some() {
        settings.loyalty = loyalty;
    }
    settings.nps_groups = nps_groups;
    let sources = GroupSources {
        loyalty: settings.loyalty.is_some(),
        nps: settings.nps_groups.is_some(),
    };
    for (flag, column) in [
        ("--breakdown", settings.cohorts.breakdown.as_deref()),
        ("--clv-segment-by", Some(settings.clv.segment_by.as_str())),
    ] {
        if let Some(column) = column
            && GroupColumn::parse(column, &dataset.attributes, sources).is_none()
        {
            return Err(ReportError::Analysis(format!(
                "{flag} '{column}' is not a column customers can be grouped by in '{}' (choose one of: {})",
                dataset.report.source,
                groupable_columns(&dataset.attributes, sources).join(", ")
            )));
        }
    }
    let (rows_used, customers) = (dataset.report.rows_used, dataset.report.customers);
    let warnings = import_warnings(&dataset.report);
    let data = Data::new(Arc::new(dataset)).map_err(|e| ReportError::Analysis(e.to_string()))?;
    let mut engine = Engine::new(Arc::new(data));
    let never = Cancel::never();
    let stopped = |stop: Stop| ReportError::Analysis(stop.to_string());
    if request.deck {
        let as_of = engine.data().as_of(&settings);
        let window = engine
            .view_part(&settings, &never)
            .map_err(stopped)?
            .value
            .window
            .clone();
        let mut deck = Deck::new(&engine.data().dataset.report.source, as_of, &window);
        if let Some(overview) = engine
            .overview(&settings, &never)
            .map_err(stopped)?
            .value
            .as_ref()
        {
            deck.tables.push(crate::deck::kpi_table(overview));
        }
        writer.deck = Some(deck);
    }
    if wanted(Analysis::Activity) {
        // `activity.csv` is the event log's DAU/WAU/MAU (--events).
        let view = engine.view_part(&settings, &never).map_err(stopped)?.value;
        writer.csv("orders_per_month.csv", &view.activity.table)?;
        writer.chart(&view.activity.orders_chart)?;
        if let Some(revenue) = &view.activity.revenue_chart {
            writer.chart(revenue)?;
        }
    }
    if wanted(Analysis::Cohorts) {
        let cohorts = engine.cohorts(&settings, &never).map_err(stopped)?.value;
        write_cohorts(&mut writer, &cohorts)?;
    }
    if wanted(Analysis::Kpis) {
        let overview = engine.overview(&settings, &never).map_err(stopped)?.value;
        let as_of = engine.data().as_of(&settings);
        let overview = overview.as_ref().as_ref().ok_or_else(|| {
            ReportError::Analysis(format!(
                "no complete month lies before the as-of date {as_of}; choose a later --as-of"
            ))
        })?;
        writer.json("kpis.json", &kpis_json(overview, as_of))?;
    }
    if wanted(Analysis::Segments) {
        let s = engine.segments(&settings, &never).map_err(stopped)?.value;
        let rows: Vec<&CustomerRow> = s.customers().rows.iter().collect();
        writer.csv(
            "customers.csv",
            &customer_list(&rows, &s.first_attributes).map_err(analysis_error)?,
        )?;
        let mut table = summary_frame("rfm", &s.tables.rfm_table).map_err(analysis_error)?;
        table
            .vstack_mut(&summary_frame("status", &s.tables.status_table).map_err(analysis_error)?)
            .map_err(analysis_error)?;
        writer.csv("segments.csv", &table)?;
        writer.table(|| crate::deck::segment_table("RFM segments", &s.tables.rfm_table));
        writer.csv(
            "lifecycle.csv",
            &lifecycle_frame(&s.lifecycle.rows).map_err(analysis_error)?,
        )?;
        writer.chart(&s.tables.rfm_grid)?;
        writer.chart(&s.tables.rfm_sizes)?;
        writer.chart(&s.lifecycle.chart)?;
    }
    if settings.loyalty.is_some() && wanted(Analysis::Loyalty) {
        let part = engine
            .loyalty_part(&settings, &never)
            .map_err(stopped)?
            .value;
        if let Some(replayed) = &part.current {
            // Weighed by P(alive) when the CLV models run too.
            let expected = if wanted(Analysis::Clv) {
                let clv = engine.clv(&settings, &never).map_err(stopped)?.value;
                clv.fit.as_ref().ok().map(|fit| {
                    json!({
                        "value": crate::analysis::loyalty::expected_liability_with(replayed, fit),
                        "model": fit.model.kind().key(),
                    })
                })
            } else {
                None
            };
            write_loyalty(&mut writer, replayed, expected)?;
        }
    }
    if let Some((source, answers)) = &survey
        && wanted(Analysis::Survey)
    {
        write_survey(&mut writer, source, answers)?;
    }
    if let Some(path) = &request.events
        && wanted(Analysis::Engagement)
    {
        write_engagement(
            &mut writer,
            path,
            &request.side,
            request.event_column.as_deref(),
        )?;
    }
    if wanted(Analysis::Mrr) {
        let mrr = engine.mrr(&settings, &never).map_err(stopped)?.value;
        match mrr.as_ref() {
            Some(mrr) => {
                writer.csv(
                    "mrr.csv",
                    &crate::analysis::mrr::mrr_frame(&mrr.months).map_err(analysis_error)?,
                )?;
                writer.chart(&mrr.chart)?;
                let subscriptions = &mrr.subscriptions;
                writer.json("subscription_model.json", subscriptions)?;
                writer.csv(
                    "subscription_retention.csv",
                    &crate::analysis::subscription::retention_frame(subscriptions)
                        .map_err(analysis_error)?,
                )?;
                writer.chart(&mrr.retention_chart)?;
            }
            None if asked(Analysis::Mrr) => {
                return Err(ReportError::Analysis(format!(
                    "--only mrr: '{}' does not look like a subscription log (no plan column, and customers do not pay about monthly)",
                    engine.data().dataset.report.source
                )));
            }
            None => {}
        }
    }
    if wanted(Analysis::Clv) {
        write_clv(&mut writer, &mut engine, &settings)?;
    }
    let mut warnings = warnings;
    if request.save_analysis.is_some() || request.saved_data.is_some() {
        let as_of = engine.data().as_of(&settings);
        let overview = engine.overview(&settings, &never).map_err(stopped)?.value;
        let summary = crate::saved::DataSummary::of(
            &engine.data().dataset,
            as_of,
            overview.as_ref().as_ref(),
        );
        if let Some(saved) = &request.saved_data {
            warnings.extend(data_changed(request, saved, &summary));
        }
        if let Some(path) = &request.save_analysis {
            save_analysis(request, &settings, summary, path)?;
        }
    }
    Ok(ReportSummary {
        files: writer.finish()?,
        rows_used,
        customers,
        warnings,
    })
}

/// A warning when the data file is not the one the analysis was saved on,
/// with the figures that changed.
fn data_changed(
    request: &ReportRequest,
    saved: &crate::saved::DataFile,
    now: &crate::saved::DataSummary,
) -> Option<String> {
    let (_, sha256) = crate::saved::fingerprint(&request.file).ok()?;
    if sha256 == saved.sha256 {
        return None;
    }
    let as_of = saved
        .summary
        .as_of
        .map(|d| format!(" as of {d}"))
        .unwrap_or_default();
    let changed: Vec<String> = crate::saved::what_changed(&saved.summary, now)
        .into_iter()
        .filter(|c| c.differs())
        .map(|c| {
            let at = if c.kpi { as_of.as_str() } else { "" };
            format!("{}{at} {} → {}", c.what, c.then, c.now)
        })
        .collect();
    Some(format!(
        "'{}' changed since the analysis was saved (late orders change history too): {}",
        request.file.display(),
        if changed.is_empty() {
            "same figures, different bytes".to_string()
        } else {
            changed.join("; ")
        }
    ))
}

/// Writes the run's choices to `path` as a saved analysis.
fn save_analysis(
    request: &ReportRequest,
    settings: &Settings,
    summary: crate::saved::DataSummary,
    path: &Path,
) -> Result<(), ReportError> {
    use crate::saved::{AnalysisParts, SavedAnalysis};
    let parts = AnalysisParts {
        data: Some(&request.file),
        summary,
        import: request.options.clone(),
        settings: settings.clone(),
        side: request.side.clone(),
        events: request.events.as_deref(),
        survey: request.survey.as_deref(),
        window: serde_json::Value::Null,
    };
    SavedAnalysis::new(path, parts)
        .save(path)
        .map_err(ReportError::Analysis)
}

/// `--only cohorts` without a breakdown or side files: the table read
/// straight from the file's needed columns, with the same import report,
/// when the file needs none of the full import's repairs (else `None`).
fn quick_cohorts(request: &ReportRequest) -> Result<Option<ReportSummary>, ReportError> {
    let only_cohorts = request
        .only
        .as_ref()
        .is_some_and(|only| only.iter().all(|a| *a == Analysis::Cohorts));
    let settings = &request.settings;
    let plain = settings.cohorts.breakdown.is_none()
        && settings.loyalty.is_none()
        && request.loyalty.is_none()
        && !settings.filters.is_active()
        && request.save_analysis.is_none()
        && request.saved_data.is_none()
        && request.survey.is_none()
        && request.events.is_none();
    if !(only_cohorts && plain) {
        return Ok(None);
    }
    let granularity = settings.cohorts.granularity;
    let Some(quick) = crate::analysis::cohort_scan::quick_cohorts(
        &request.file,
        &request.options,
        granularity,
        settings.as_of,
    ) else {
        return Ok(None);
    };
    check_as_of(settings.as_of, &quick.report)?;
    let mut writer = Writer::new(request)?;
    writer.json("import.json", &quick.report)?;
    let window = crate::analysis::Filters::default().describe();
    if request.deck {
        writer.deck = Some(Deck::new(&quick.report.source, quick.table.as_of, &window));
    }
    let cohorts = CohortResults {
        curves: crate::analysis::cohort_charts::curves_spec(&quick.table, &[], None, &window),
        overall: Arc::new(quick.table),
        breakdown: None,
        groups: Arc::new(Vec::new()),
        window,
        stamp: 0,
    };
    write_cohorts(&mut writer, &cohorts)?;
    Ok(Some(ReportSummary {
        files: writer.finish()?,
        rows_used: quick.report.rows_used,
        customers: quick.report.customers,
        warnings: import_warnings(&quick.report),
    }))
}

/// `cohorts.csv`, the breakdown's tables, the curves and the heatmap.
fn write_cohorts(writer: &mut Writer, cohorts: &CohortResults) -> Result<(), ReportError> {
    writer.csv(
        "cohorts.csv",
        &table_frame(&cohorts.overall, None).map_err(analysis_error)?,
    )?;
    if let Some(column) = &cohorts.breakdown {
        let mut frames = Vec::new();
        for (group, table) in cohorts.groups.iter() {
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
    writer.chart(&curves_as_shown(&cohorts.curves, false, true))?;
    writer.chart(&heatmap_spec(
        &cohorts.overall,
        CellValue::Retention,
        "",
        &cohorts.window,
    ))
}

/// `activity.csv` (DAU, WAU, MAU, stickiness per day) and `engagement.csv`
/// (score and event counts per user, every event weighing 1) from an event
/// log read with the same importer as orders.
fn write_engagement(
    writer: &mut Writer,
    path: &Path,
    side: &SideSettings,
    event_column: Option<&str>,
) -> Result<(), ReportError> {
    use crate::analysis::engagement;
    let dataset = Source::File(path.to_path_buf()).load(&side.events_import)?;
    let events = engagement::read(&dataset, event_column)
        .map_err(|e| ReportError::Analysis(format!("events: {e}")))?;
    let days = engagement::daily_activity(&events);
    writer.csv(
        "activity.csv",
        &engagement::activity_frame(&days).map_err(analysis_error)?,
    )?;
    let scores = engagement::engagement(&events, &side.weights, None);
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

/// A survey export read with the same importer as orders: its name and answers.
fn read_survey(
    path: &Path,
    options: &ImportOptions,
    score_column: Option<&str>,
) -> Result<(String, crate::analysis::survey::Survey), ReportError> {
    let dataset = Source::File(path.to_path_buf()).load(options)?;
    let answers = crate::analysis::survey::read(&dataset, score_column)
        .map_err(|e| ReportError::Analysis(format!("survey: {e}")))?;
    Ok((dataset.report.source.clone(), answers))
}

/// `nps.csv`: NPS per calendar month of the survey's answers.
fn write_survey(
    writer: &mut Writer,
    source: &str,
    answers: &crate::analysis::survey::Survey,
) -> Result<(), ReportError> {
    let months = crate::analysis::survey::nps_by_month(answers);
    writer.csv(
        "nps.csv",
        &crate::analysis::survey::nps_frame(&months).map_err(analysis_error)?,
    )?;
    writer.chart(&crate::analysis::extra_charts::nps_spec(&months, source))
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

fn write_loyalty(
    writer: &mut Writer,
    replayed: &LoyaltyResults,
    expected_liability: Option<serde_json::Value>,
) -> Result<(), ReportError> {
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
            "expected_liability": expected_liability,
        }),
    )?;
    writer.chart(&loyalty_charts::members_per_tier_spec(
        replayed,
        loyalty_charts::MembersView::Count,
    ))?;
    writer.chart(&loyalty_charts::members_per_tier_spec(
        replayed,
        loyalty_charts::MembersView::Share,
    ))?;
    writer.chart(&loyalty_charts::points_spec(replayed))?;
    writer.chart(&loyalty_charts::liability_spec(replayed))?;
    Ok(())
}

fn write_clv(
    writer: &mut Writer,
    engine: &mut Engine,
    settings: &Settings,
) -> Result<(), ReportError> {
    let never = Cancel::never();
    let stopped = |stop: Stop| ReportError::Analysis(stop.to_string());
    let clv = engine.clv(settings, &never).map_err(stopped)?.value;
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
    if let Some(Ok(comparison)) = &fit.comparison {
        writer.csv(
            "clv_model_comparison.csv",
            &frames::comparison_frame(comparison).map_err(analysis_error)?,
        )?;
    }
    // Every customer by RFM segment and by status; a breakdown by another
    // grouping is added when --clv-segment-by names one.
    let mut tables: Vec<Arc<ClvBySegment>> = Vec::new();
    for dimension in [RFM_SEGMENT, STATUS] {
        tables.push(
            engine
                .clv_by(settings, dimension, &never)
                .map_err(stopped)?,
        );
    }
    if !tables
        .iter()
        .any(|t| t.segment_by == clv.by_segment.segment_by)
    {
        tables.push(clv.by_segment.clone());
    }
    let mut borrowed: Vec<(&str, &[by_segment::ClvSegmentRow])> = tables
        .iter()
        .map(|t| (t.segment_by.as_str(), t.table.as_slice()))
        .collect();
    // The totals users plan with, once: every grouping sums to them.
    borrowed.push((
        crate::analysis::groups::ALL_CUSTOMERS,
        std::slice::from_ref(&clv.by_segment.total),
    ));
    writer.csv(
        "clv_by_segment.csv",
        &frames::segments_frame(&borrowed).map_err(analysis_error)?,
    )?;
    for table in &tables {
        writer.chart(&table.chart)?;
    }
    if let Some(first) = tables.first() {
        writer.table(|| {
            crate::deck::clv_table(
                &first.segment_by,
                &first.table,
                &crate::analysis::clv::charts::clv_definition(),
            )
        });
    }
    for chart in clv.model_charts() {
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

/// Writes a run's files into a staging folder inside the output folder and
/// moves them into place only when the whole run succeeded: a failed run
/// leaves the previous run's complete set as it was (the staging folder is
/// removed when the writer is dropped).
struct Writer<'a> {
    out: &'a Path,
    staging: tempfile::TempDir,
    input: Option<PathBuf>,
    /// The names written, in order.
    names: Vec<String>,
    /// With `--deck`: every chart written and the key tables, for the slides.
    deck: Option<Deck>,
}

impl Writer<'_> {
    /// A writer into the request's output folder, created if missing.
    fn new(request: &ReportRequest) -> Result<Writer<'_>, ReportError> {
        let out_dir = |e: std::io::Error| ReportError::OutDir {
            path: request.out.display().to_string(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(&request.out).map_err(out_dir)?;
        let staging = tempfile::Builder::new()
            .prefix(".kohorte-run-")
            .tempdir_in(&request.out)
            .map_err(out_dir)?;
        Ok(Writer {
            out: &request.out,
            staging,
            input: request.file.canonicalize().ok(),
            names: Vec::new(),
            deck: None,
        })
    }

    /// Where to write `name` for now, refusing to ever replace the input.
    fn target(&mut self, name: &str) -> Result<PathBuf, ReportError> {
        let path = self.out.join(name);
        if let (Some(input), Ok(existing)) = (&self.input, path.canonicalize())
            && *input == existing
        {
            return Err(ReportError::WouldOverwriteInput(
                input.display().to_string(),
            ));
        }
        self.names.push(name.to_string());
        Ok(self.staging.path().join(name))
    }

    /// Moves every file of the run into the output folder; the paths.
    fn finish(mut self) -> Result<Vec<PathBuf>, ReportError> {
        if let Some(deck) = self.deck.take() {
            self.target(crate::deck::DECK_FILE)?;
            self.target(crate::deck::HTML_FILE)?;
            deck.write(self.staging.path())?;
        }
        let mut files = Vec::with_capacity(self.names.len());
        for name in &self.names {
            let path = self.out.join(name);
            std::fs::rename(self.staging.path().join(name), &path)
                .map_err(|e| crate::export::ExportError::new(&path, e))?;
            files.push(path);
        }
        Ok(files)
    }

    fn json(&mut self, name: &str, value: &impl Serialize) -> Result<(), ReportError> {
        let path = self.target(name)?;
        Ok(write_json(&path, value)?)
    }

    fn csv(&mut self, name: &str, frame: &polars::prelude::DataFrame) -> Result<(), ReportError> {
        let path = self.target(name)?;
        Ok(write_csv(&path, frame)?)
    }

    /// Adds a table to the deck, when one is written.
    fn table(&mut self, table: impl FnOnce() -> crate::deck::DeckTable) {
        if let Some(deck) = &mut self.deck {
            deck.tables.push(table());
        }
    }

    fn chart(&mut self, spec: &ChartSpec) -> Result<(), ReportError> {
        if let Some(deck) = &mut self.deck {
            deck.add_chart(spec);
        }
        for format in [ImageFormat::Svg, ImageFormat::Png] {
            let path = self.target(&format!("{}.{}", spec.id, format.extension()))?;
            write_chart(spec, format, &path)?;
        }
        Ok(())
    }
}
