//! The event log and the survey opened beside the orders: each read with
//! the same importer, then summarised for the Engagement and Survey tabs.

use chrono::NaiveDate;

use super::engagement::{self, DayActivity};
use super::extra_charts;
use super::survey::{self, NpsCounts};
use crate::chart::ChartSpec;
use crate::data::{Dataset, ImportOptions, Source};

/// How many users the Engagement tab lists at the top and the bottom.
pub const LISTED_USERS: usize = 10;

#[derive(Clone, Debug)]
pub struct EventResults {
    pub source: String,
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
}

#[derive(Clone, Debug)]
pub struct SurveyResults {
    pub source: String,
    pub score_column: String,
    pub overall: NpsCounts,
    pub csat: Option<f64>,
    pub max_score: f64,
    pub months: Vec<(NaiveDate, NpsCounts)>,
    /// Per attribute column with few values: NPS per value.
    pub by_attribute: Vec<(String, Vec<(String, NpsCounts)>)>,
    pub chart: ChartSpec,
}

/// What the side sources gave: results, or why a source could not be used.
#[derive(Clone, Debug, Default)]
pub struct SideResults {
    pub events: Option<Result<EventResults, String>>,
    pub survey: Option<Result<SurveyResults, String>>,
}

pub fn compute(events: Option<&Source>, survey: Option<&Source>) -> SideResults {
    let options = ImportOptions::default();
    SideResults {
        events: events.map(|source| {
            let dataset = source.load(&options).map_err(|e| e.to_string())?;
            event_results(&dataset)
        }),
        survey: survey.map(|source| {
            let dataset = source.load(&options).map_err(|e| e.to_string())?;
            survey_results(&dataset)
        }),
    }
}

fn event_results(dataset: &Dataset) -> Result<EventResults, String> {
    let events = engagement::read(dataset, None)?;
    let days = engagement::daily_activity(&events);
    let mut scores: Vec<(String, f64)> = engagement::engagement(&events, &Default::default(), None)
        .into_iter()
        .map(|(user, score, _)| (user, score))
        .collect();
    scores.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let top = scores.iter().take(LISTED_USERS).cloned().collect();
    let bottom = scores.iter().rev().take(LISTED_USERS).cloned().collect();
    let source = dataset.report.source.clone();
    Ok(EventResults {
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

fn survey_results(dataset: &Dataset) -> Result<SurveyResults, String> {
    let answers = survey::read(dataset, None)?;
    let months = survey::nps_by_month(&answers);
    let source = dataset.report.source.clone();
    let by_attribute = dataset
        .attributes
        .iter()
        .filter(|a| **a != answers.score_column)
        .filter_map(|column| {
            let values = dataset
                .orders
                .column(column)
                .ok()?
                .cast(&polars::prelude::DataType::String)
                .ok()?;
            let values = values.str().ok()?.clone();
            let mut groups: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
            // The answers were read in row order, skipping unreadable rows,
            // so they are matched to rows by respondent and day.
            let ids = dataset
                .orders
                .column(crate::data::CUSTOMER_ID)
                .ok()?
                .str()
                .ok()?
                .clone();
            let ts = dataset
                .orders
                .column(crate::data::ORDER_TS)
                .ok()?
                .to_physical_repr();
            let ts = ts.i64().ok()?.clone();
            let scores = dataset
                .orders
                .column(&answers.score_column)
                .ok()?
                .cast(&polars::prelude::DataType::String)
                .ok()?;
            let scores = scores.str().ok()?.clone();
            for (((value, id), ms), score) in values
                .iter()
                .zip(ids.iter())
                .zip(ts.iter())
                .zip(scores.iter())
            {
                let (Some(_), Some(_), Some(score)) = (id, ms, score) else {
                    continue;
                };
                let Ok(score) = score.trim().replace(',', ".").parse::<f64>() else {
                    continue;
                };
                if !(0.0..=10.0).contains(&score) {
                    continue;
                }
                groups
                    .entry(value.unwrap_or("(empty)").to_string())
                    .or_default()
                    .push(score);
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
    Ok(SurveyResults {
        chart: extra_charts::nps_spec(&months, &source),
        overall: survey::nps_of(answers.answers.iter().map(|a| a.score)),
        csat: survey::csat_of(&answers, None),
        max_score: answers.max_score,
        score_column: answers.score_column.clone(),
        months,
        by_attribute,
        source,
    })
}
