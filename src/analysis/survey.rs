//! NPS and CSAT from a survey export read through the same importer as an
//! order log: the respondent is the customer id, the answer date the
//! timestamp, and the score one of the other columns.
//!
//! NPS (0–10 scale): promoters answer 9–10, passives 7–8, detractors 0–6;
//! NPS = % promoters − % detractors. CSAT: satisfied answers ÷ all answers,
//! satisfied meaning 4–5 on a 1–5 scale and 8–10 on larger scales unless
//! set otherwise.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::*;
use serde::Serialize;

use super::metrics;
use crate::calendar::{day_from_number, month_index, month_start};
use crate::data::Dataset;
use crate::data::roles::normalise_header;
use crate::data::values::{DecimalMark, parse_number};

/// Header names that say "this is the score", normalised.
const SCORE_HEADERS: [&str; 12] = [
    "score",
    "nps",
    "npsscore",
    "rating",
    "answer",
    "bewertung",
    "punktzahl",
    "note",
    "cijfer",
    "score010",
    "likelihoodtorecommend",
    "recommend",
];

/// One answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// The answer's row in the survey's frame, to look up its attributes.
    pub row: usize,
    pub respondent: String,
    pub day: i32,
    pub score: f64,
}

/// The answers of a survey file and which column held the scores.
#[derive(Clone, Debug, PartialEq)]
pub struct Survey {
    pub score_column: String,
    pub answers: Vec<Answer>,
    /// The highest score seen: 5 means a 1–5 (CSAT) scale.
    pub max_score: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct NpsCounts {
    pub responses: u64,
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    pub nps: Option<f64>,
}

/// NPS group of a 0–10 answer.
pub fn nps_group(score: f64) -> &'static str {
    if score >= 9.0 {
        "promoter"
    } else if score >= 7.0 {
        "passive"
    } else {
        "detractor"
    }
}

pub fn nps_of(scores: impl IntoIterator<Item = f64>) -> NpsCounts {
    let mut c = NpsCounts {
        responses: 0,
        promoters: 0,
        passives: 0,
        detractors: 0,
        nps: None,
    };
    for score in scores {
        c.responses += 1;
        match nps_group(score) {
            "promoter" => c.promoters += 1,
            "passive" => c.passives += 1,
            _ => c.detractors += 1,
        }
    }
    c.nps = metrics::nps(c.promoters, c.detractors, c.responses);
    c
}

/// Satisfied ÷ all answers; `satisfied_from` defaults to 4 on a 1–5 scale
/// and 8 otherwise.
pub fn csat_of(survey: &Survey, satisfied_from: Option<f64>) -> Option<f64> {
    let threshold = satisfied_from.unwrap_or(if survey.max_score <= 5.0 { 4.0 } else { 8.0 });
    let satisfied = survey
        .answers
        .iter()
        .filter(|a| a.score >= threshold)
        .count();
    metrics::csat(satisfied as u64, survey.answers.len() as u64)
}

/// Each respondent's NPS group, from their latest answer.
pub fn groups_of(survey: &Survey) -> BTreeMap<String, String> {
    let mut latest: BTreeMap<&str, (i32, f64)> = BTreeMap::new();
    for a in &survey.answers {
        let entry = latest.entry(&a.respondent).or_insert((a.day, a.score));
        if a.day >= entry.0 {
            *entry = (a.day, a.score);
        }
    }
    latest
        .into_iter()
        .map(|(respondent, (_, score))| (respondent.to_string(), nps_group(score).to_string()))
        .collect()
}

/// NPS per calendar month of the answers, oldest first, every month from
/// the first to the last answer (months without answers have none).
pub fn nps_by_month(survey: &Survey) -> Vec<(NaiveDate, NpsCounts)> {
    let months: Vec<i32> = survey
        .answers
        .iter()
        .map(|a| month_index(day_from_number(a.day)))
        .collect();
    let (Some(&first), Some(&last)) = (months.iter().min(), months.iter().max()) else {
        return Vec::new();
    };
    (first..=last)
        .filter_map(|m| {
            let scores = survey
                .answers
                .iter()
                .zip(&months)
                .filter(|(_, month)| **month == m)
                .map(|(a, _)| a.score);
            Some((month_start(m)?, nps_of(scores)))
        })
        .collect()
}

/// Reads the answers of a survey opened as a dataset; `score_column`
/// overrides the detection. The message says what to do when no column
/// holds scores.
pub fn read(dataset: &Dataset, score_column: Option<&str>) -> Result<Survey, String> {
    let frame = &dataset.orders;
    let column = match score_column {
        Some(c) => c.to_string(),
        None => dataset
            .attributes
            .iter()
            .find(|a| SCORE_HEADERS.contains(&normalise_header(a).as_str()))
            .cloned()
            .ok_or_else(|| {
                format!(
                    "no column of '{}' is named like a survey score (score, NPS, rating, Bewertung, cijfer…); columns: {}. Name it with --survey-score COLUMN",
                    dataset.report.source,
                    dataset.attributes.join(", ")
                )
            })?,
    };
    let values = frame
        .column(&column)
        .map_err(|_| format!("'{column}' is not a column of '{}'", dataset.report.source))?
        .cast(&DataType::String)
        .map_err(|e| e.to_string())?;
    let values = values.str().map_err(|e| e.to_string())?;
    let rows = super::history::row_customers_and_days(frame).map_err(|e| e.to_string())?;
    let mut answers = Vec::with_capacity(frame.height());
    let mut unreadable = 0usize;
    for (row, (who_when, value)) in rows.into_iter().zip(values.iter()).enumerate() {
        let (Some((id, day)), Some(value)) = (who_when, value) else {
            continue;
        };
        // Scores have no thousands separators, so a comma is a decimal mark.
        match parse_number(&value.trim().replace(',', "."), DecimalMark::Dot) {
            Some(score) if (0.0..=10.0).contains(&score) => answers.push(Answer {
                row,
                respondent: id.to_string(),
                day,
                score,
            }),
            _ => unreadable += 1,
        }
    }
    if answers.is_empty() {
        return Err(format!(
            "column '{column}' of '{}' holds no scores from 0 to 10 ({unreadable} values could not be read)",
            dataset.report.source
        ));
    }
    let max_score = answers.iter().map(|a| a.score).fold(0.0, f64::max);
    Ok(Survey {
        score_column: column,
        answers,
        max_score,
    })
}

/// `nps.csv`: one row per calendar month.
pub fn nps_frame(rows: &[(NaiveDate, NpsCounts)]) -> PolarsResult<DataFrame> {
    DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                "period".into(),
                rows.iter()
                    .map(|(d, _)| d.format("%Y-%m-%d").to_string())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "responses".into(),
                rows.iter().map(|(_, c)| c.responses).collect::<Vec<_>>(),
            ),
            Column::new(
                "promoters".into(),
                rows.iter().map(|(_, c)| c.promoters).collect::<Vec<_>>(),
            ),
            Column::new(
                "passives".into(),
                rows.iter().map(|(_, c)| c.passives).collect::<Vec<_>>(),
            ),
            Column::new(
                "detractors".into(),
                rows.iter().map(|(_, c)| c.detractors).collect::<Vec<_>>(),
            ),
            Column::new(
                "nps".into(),
                rows.iter().map(|(_, c)| c.nps).collect::<Vec<_>>(),
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_score() {
        let c = nps_of([10.0, 9.0, 8.0, 7.0, 6.0, 0.0, 10.0, 10.0, 9.0, 3.0]);
        assert_eq!((c.promoters, c.passives, c.detractors), (5, 2, 3));
        assert_eq!(c.nps, Some(20.0));
    }

    #[test]
    fn csat_threshold_follows_the_scale() {
        let survey = |scores: &[f64]| Survey {
            score_column: "score".into(),
            answers: scores
                .iter()
                .map(|s| Answer {
                    row: 0,
                    respondent: "r".into(),
                    day: 0,
                    score: *s,
                })
                .collect(),
            max_score: scores.iter().copied().fold(0.0, f64::max),
        };
        assert_eq!(csat_of(&survey(&[5.0, 4.0, 3.0, 1.0]), None), Some(0.5));
        assert_eq!(csat_of(&survey(&[10.0, 8.0, 7.0, 2.0]), None), Some(0.5));
        assert_eq!(
            csat_of(&survey(&[5.0, 4.0, 3.0, 1.0]), Some(3.0)),
            Some(0.75)
        );
    }
}
