//! The event log and the survey opened beside the orders: each read with
//! the same importer, then summarised for the Engagement and Survey tabs.

use chrono::NaiveDate;
use rust_i18n::t;

use super::engagement::{self, DayActivity};
use super::extra_charts;
use super::survey::{self, NpsCounts};
use crate::chart::ChartSpec;
use crate::data::{Dataset, ImportOptions, Source};

/// Survey columns holding free text, normalised; never grouped by.
const FREE_TEXT_HEADERS: [&str; 9] = [
    "comment",
    "comments",
    "kommentar",
    "opmerking",
    "commentaire",
    "feedback",
    "text",
    "remarks",
    "anmerkung",
];

/// How many users the Engagement tab lists at the top and the bottom.
pub const LISTED_USERS: usize = 10;

/// How a side file was read, in one line a marketer can check: rows, the
/// columns taken for who and when, dropped rows and warnings.
pub fn import_summary(report: &crate::data::ImportReport) -> String {
    let role = |key: &str| {
        report
            .roles
            .get(key)
            .cloned()
            .flatten()
            .unwrap_or_else(|| "none".into())
    };
    let mut line = format!(
        "{} rows read, {} used, {} dropped · who: '{}' · when: '{}'",
        report.rows_read,
        report.rows_used,
        report.rows_dropped,
        role("customer_id"),
        role("timestamp")
    );
    for warning in &report.warnings {
        line.push_str(" · ");
        line.push_str(warning);
    }
    line
}

#[derive(Clone, Debug)]
pub struct EventResults {
    pub source: String,
    /// `import_summary` of the file.
    pub import: String,
    /// The file's columns, to choose who and when by hand.
    pub columns: Vec<String>,
    pub events: usize,
    pub users: usize,
    pub event_column: Option<String>,
    pub days: Vec<DayActivity>,
    /// (user, score), highest first.
    pub top: Vec<(String, f64)>,
    /// (user, score), lowest first.
    pub bottom: Vec<(String, f64)>,
    pub activity_chart: ChartSpec,
    pub stickiness_chart: ChartSpec,
    /// Every event name, for the weights table and the return-event choice.
    pub event_names: Vec<String>,
    /// Monthly retention cohorts on activity (an event, or the return event).
    pub retention_curves: ChartSpec,
    /// New, returning, resurrected and dormant users per month.
    pub lifecycle_chart: ChartSpec,
    /// How engagement scores are spread over users.
    pub score_distribution: ChartSpec,
}

/// What the Engagement and Survey tabs are computed with; saved with the app.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SideSettings {
    /// Weight per event name; names not listed weigh 1.
    pub weights: std::collections::BTreeMap<String, f64>,
    /// Days before the last event the engagement score covers; `None` = all.
    pub score_window_days: Option<u32>,
    /// The event that counts as coming back in the activity cohorts; `None`
    /// means any event.
    pub return_event: Option<String>,
    /// The lowest satisfied score for CSAT; `None` = 4 on 1–5, 8 otherwise.
    pub satisfied_from: Option<f64>,
    /// Columns chosen by hand for the event log and the survey (who, when),
    /// as for an order log.
    pub events_import: ImportOptions,
    pub survey_import: ImportOptions,
}

/// Why a side file could not be used, with its columns when choosing them
/// by hand could help.
#[derive(Clone, Debug, PartialEq)]
pub struct SideError {
    pub message: String,
    pub columns: Vec<String>,
}

/// The columns of a dataset, in the file's order as far as the report knows it.
fn columns_of(dataset: &Dataset) -> Vec<String> {
    let mut columns: Vec<String> = dataset.report.roles.values().flatten().cloned().collect();
    columns.extend(dataset.attributes.iter().cloned());
    columns.sort();
    columns.dedup();
    columns
}

#[derive(Clone, Debug)]
pub struct SurveyResults {
    pub source: String,
    /// `import_summary` of the file.
    pub import: String,
    /// The file's columns, to choose who and when by hand.
    pub columns: Vec<String>,
    pub score_column: String,
    pub overall: NpsCounts,
    pub csat: Option<f64>,
    pub max_score: f64,
    pub months: Vec<(NaiveDate, NpsCounts)>,
    /// Per attribute column with few values: NPS per value.
    pub by_attribute: Vec<(String, Vec<(String, NpsCounts)>)>,
    pub chart: ChartSpec,
    /// Each respondent's NPS group, from their latest answer.
    pub groups: std::collections::BTreeMap<String, String>,
}

/// What the side sources gave: results, or why a source could not be used.
#[derive(Clone, Debug, Default)]
pub struct SideResults {
    pub events: Option<Result<EventResults, SideError>>,
    pub survey: Option<Result<SurveyResults, SideError>>,
}

pub fn compute(
    events: Option<&Source>,
    survey: Option<&Source>,
    settings: &SideSettings,
) -> SideResults {
    let load = |source: &Source, options: &ImportOptions| {
        source.load(options).map_err(|e| SideError {
            message: e.to_string(),
            columns: e
                .input_columns()
                .map(<[String]>::to_vec)
                .unwrap_or_default(),
        })
    };
    SideResults {
        events: events.map(|source| {
            let dataset = load(source, &settings.events_import)?;
            event_results(&dataset, settings).map_err(|message| SideError {
                message,
                columns: columns_of(&dataset),
            })
        }),
        survey: survey.map(|source| {
            let dataset = load(source, &settings.survey_import)?;
            survey_results(&dataset, settings).map_err(|message| SideError {
                message,
                columns: columns_of(&dataset),
            })
        }),
    }
}

fn event_results(dataset: &Dataset, settings: &SideSettings) -> Result<EventResults, String> {
    use super::{cohort_charts, cohorts, history, lifecycle, period::Granularity, segment_charts};
    let events = engagement::read(dataset, None)?;
    let days = engagement::daily_activity(&events);
    let last_day = events
        .users
        .values()
        .filter_map(|d| d.last().map(|(day, _)| *day))
        .max()
        .unwrap_or(0);
    let window = settings
        .score_window_days
        .map(|n| (last_day + 1 - n as i32, last_day + 1));
    let mut scores: Vec<(String, f64)> = engagement::engagement(&events, &settings.weights, window)
        .into_iter()
        .map(|(user, score, _)| (user, score))
        .collect();
    let event_names: Vec<String> = events
        .users
        .values()
        .flat_map(|d| d.iter().map(|(_, name)| name.clone()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    // The cohort engine on activity: each user's active days as purchases;
    // with a return event, only that event counts after the first day.
    let as_of = crate::calendar::day_from_number(last_day + 1);
    let users = history::History::from_customers(
        events.users.iter().map(|(user, list)| {
            let first = list.first().map(|(day, _)| *day);
            let days = list
                .iter()
                .filter(|(day, name)| {
                    Some(*day) == first || settings.return_event.as_ref().is_none_or(|e| e == name)
                })
                .map(|(day, _)| history::Order {
                    day: *day,
                    row: 0,
                    amount: 0.0,
                })
                .collect();
            (user.as_str(), days)
        }),
        false,
    );
    let source = dataset.report.source.clone();
    let activity_source = match &settings.return_event {
        Some(event) => t!(
            "%{source}, coming back = '%{event}'",
            source = source,
            event = event
        )
        .into_owned(),
        None => t!("%{source}, any event", source = source).into_owned(),
    };
    let never = super::cancel::Cancel::never();
    let table = cohorts::cohort_table(&users, Granularity::Month, as_of, &never)
        .map_err(|c| c.to_string())?;
    let mut retention_curves = cohort_charts::curves_spec(&table, &[], None, &activity_source);
    retention_curves.id = "activity_retention".into();
    retention_curves.title = t!("Retention on activity").into();
    let mut lifecycle_chart = segment_charts::lifecycle_spec(
        &lifecycle::lifecycle(&users, Granularity::Month, as_of),
        Granularity::Month,
        &activity_source,
    );
    lifecycle_chart.id = "activity_lifecycle".into();
    lifecycle_chart.title = t!("User lifecycle per month").into();
    let score_distribution = extra_charts::score_distribution_spec(&scores, &source);
    scores.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let top = scores.iter().take(LISTED_USERS).cloned().collect();
    let bottom = scores.iter().rev().take(LISTED_USERS).cloned().collect();
    Ok(EventResults {
        import: import_summary(&dataset.report),
        columns: columns_of(dataset),
        event_names,
        retention_curves,
        lifecycle_chart,
        score_distribution,
        activity_chart: extra_charts::activity_spec(&days, &source),
        stickiness_chart: extra_charts::stickiness_spec(&days, &source),
        events: dataset.report.rows_used,
        users: events.users.len(),
        event_column: events.event_column.clone(),
        days,
        top,
        bottom,
        source,
    })
}

fn survey_results(dataset: &Dataset, settings: &SideSettings) -> Result<SurveyResults, String> {
    let answers = survey::read(dataset, None)?;
    let months = survey::nps_by_month(&answers);
    let source = dataset.report.source.clone();
    let by_attribute = dataset
        .attributes
        .iter()
        .filter(|a| **a != answers.score_column)
        // Free-text answers are no segments.
        .filter(|a| !FREE_TEXT_HEADERS.contains(&crate::data::roles::normalise_header(a).as_str()))
        .filter_map(|column| {
            let values = dataset
                .orders
                .column(column)
                .ok()?
                .cast(&polars::prelude::DataType::String)
                .ok()?;
            let values = values.str().ok()?;
            let mut groups: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
            for answer in &answers.answers {
                let value = values
                    .get(answer.row)
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .unwrap_or("(empty)");
                groups
                    .entry(value.to_string())
                    .or_default()
                    .push(answer.score);
            }
            (groups.len() <= 20).then(|| {
                let table = groups
                    .into_iter()
                    .map(|(value, scores)| (value, survey::nps_of(scores)))
                    .collect();
                (column.clone(), table)
            })
        })
        .collect();
    let groups = survey::groups_of(&answers);
    Ok(SurveyResults {
        import: import_summary(&dataset.report),
        columns: columns_of(dataset),
        groups,
        chart: extra_charts::nps_spec(&months, &source),
        overall: survey::nps_of(answers.answers.iter().map(|a| a.score)),
        csat: survey::csat_of(&answers, settings.satisfied_from),
        max_score: answers.max_score,
        score_column: answers.score_column.clone(),
        months,
        by_attribute,
        source,
    })
}
