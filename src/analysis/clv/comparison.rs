//! Which purchase model to trust: every model fitted on the purchases
//! before a holdout period and judged on what the same customers did in it
//! — the check the BTYD papers make, and the one a stakeholder believes.

use chrono::NaiveDate;
use rayon::prelude::*;
use rust_i18n::t;

use super::summary::{CustomerSummary, DAYS_PER_WEEK, summarise};
use super::{
    Fitted, ModelKind, fit, fit_purchases_with, frequency_and_age, rft_of_pair, unfit_reason,
};
use crate::analysis::cancel::{Cancel, Cancelled};
use crate::analysis::history::History;
use crate::calendar::{day_from_number, day_number};
use crate::format::format_number;

/// Cumulative repeat purchases of the calibration customers by a week of
/// the holdout (1, 2, …), actual and predicted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HoldoutWeek {
    pub week: u32,
    pub actual: f64,
    pub predicted: f64,
}

/// Customers by their repeat purchases in the calibration period ("7+"
/// for seven or more), and their mean purchases in the holdout.
#[derive(Clone, Debug, PartialEq)]
pub struct HoldoutFrequency {
    pub label: String,
    pub customers: usize,
    pub actual: f64,
    pub predicted: f64,
}

/// One model fitted on an earlier calibration end, its predictions against
/// what happened.
#[derive(Clone, Debug, PartialEq)]
pub struct HoldoutCheck {
    pub calibration_end: NaiveDate,
    /// The first day not in the holdout (the main calibration end + 1).
    pub holdout_end: NaiveDate,
    pub model: Fitted,
    pub log_likelihood: f64,
    pub customers: usize,
    pub weekly: Vec<HoldoutWeek>,
    pub by_frequency: Vec<HoldoutFrequency>,
    /// Mean over the calibration customers of |predicted − actual| holdout
    /// purchases: how well the model knows each customer, where the total
    /// can be right by errors cancelling out.
    pub mae_per_customer: f64,
}

impl HoldoutCheck {
    pub fn actual_total(&self) -> f64 {
        self.weekly.last().map_or(0.0, |w| w.actual)
    }

    pub fn predicted_total(&self) -> f64 {
        self.weekly.last().map_or(0.0, |w| w.predicted)
    }

    /// (predicted − actual) / actual; 0 when nobody bought.
    pub fn total_error(&self) -> f64 {
        let actual = self.actual_total();
        if actual > 0.0 {
            (self.predicted_total() - actual) / actual
        } else {
            0.0
        }
    }
}

/// Every purchase model on the same holdout.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelComparison {
    pub calibration_end: NaiveDate,
    pub weeks: u32,
    /// In the order of [`ModelKind::ALL`]; a model that could not be fitted
    /// says why.
    pub checks: Vec<(ModelKind, Result<HoldoutCheck, String>)>,
    /// The model with the smallest error per customer.
    pub best: Option<ModelKind>,
}

impl ModelComparison {
    pub fn check(&self, kind: ModelKind) -> Option<Result<&HoldoutCheck, &str>> {
        self.checks
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, check)| check.as_ref().map_err(String::as_str))
    }

    pub fn fitted(&self) -> impl Iterator<Item = &HoldoutCheck> {
        self.checks.iter().filter_map(|(_, c)| c.as_ref().ok())
    }

    /// What each model predicted, in words, and which one to use.
    pub fn recommendation(&self) -> String {
        let mut checks = self.fitted();
        let Some(first) = checks.next() else {
            return t!("No model could be fitted on the purchases before the holdout.").into();
        };
        let as_predicted = |check: &HoldoutCheck| {
            format!(
                "{} ({}{} %)",
                format_number(check.predicted_total(), 0),
                if check.total_error() >= 0.0 {
                    "+"
                } else {
                    "−"
                },
                format_number(check.total_error().abs() * 100.0, 1)
            )
        };
        let mut text: String = t!(
            "%{model} predicted the last %{weeks} weeks' %{actual} repeat purchases as %{predicted}",
            model = first.model.kind().label(),
            weeks = self.weeks,
            actual = format_number(first.actual_total(), 0),
            predicted = as_predicted(first)
        )
        .into();
        for check in checks {
            text.push_str(&t!(
                "; %{model} as %{predicted}",
                model = check.model.kind().label(),
                predicted = as_predicted(check)
            ));
        }
        text.push('.');
        if let Some(best) = self.best.and_then(|k| self.check(k)?.ok()) {
            text.push(' ');
            text.push_str(&t!(
                "%{model} is closest for the single customer (off by %{error} purchases on average) and the one to use here.",
                model = best.model.kind().label(),
                error = format_number(best.mae_per_customer, 2)
            ));
        }
        for (kind, check) in &self.checks {
            if let Err(reason) = check {
                text.push_str(&format!(" {}: {reason}.", kind.label()));
            }
        }
        text
    }
}

/// The customers' calibration summaries and what they did in the holdout,
/// shared by every model's check.
struct Holdout<'a> {
    calibration_end: NaiveDate,
    holdout_end: NaiveDate,
    weeks: u32,
    summaries: &'a [CustomerSummary],
    rows: Vec<fit::WeightedRow>,
    row_of: Vec<u32>,
    actual_weekly: Vec<f64>,
}

/// Fits every purchase model on the purchases up to `weeks` before `end`
/// and compares what each predicts for the held-out weeks with what the
/// same customers did. The inner `Err` says why there is no comparison.
pub fn compare_models(
    history: &History,
    weeks: u32,
    end: NaiveDate,
    cancel: &Cancel,
) -> Result<Result<ModelComparison, String>, Cancelled> {
    let end_day = day_number(end);
    let calibration_end_day = end_day - weeks as i32 * 7;
    let calibration_end = day_from_number(calibration_end_day);
    let summaries = summarise(history, calibration_end_day, end_day + 1);
    if let Some(reason) = unfit_reason(&summaries, calibration_end) {
        return Ok(Err(t!(
            "The holdout check needs more history: %{reason}",
            reason = reason
        )
        .into()));
    }
    let (rows, row_of) = fit::compress_indexed(&summaries);
    let holdout = Holdout {
        calibration_end,
        holdout_end: day_from_number(end_day + 1),
        weeks,
        summaries: &summaries,
        rows,
        row_of,
        actual_weekly: actual_weekly(history, calibration_end_day, end_day, weeks),
    };
    let mut checks = Vec::new();
    for kind in ModelKind::ALL {
        let check = match fit_purchases_with(kind, &holdout.rows, fit::Search::Bounded, cancel)? {
            Ok((model, log_likelihood)) => Ok(holdout.check(model, log_likelihood)),
            Err(reason) => Err(reason),
        };
        cancel.check()?;
        checks.push((kind, check));
    }
    let best = checks
        .iter()
        .filter_map(|(kind, check)| Some((*kind, check.as_ref().ok()?.mae_per_customer)))
        .filter(|(_, error)| error.is_finite())
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(kind, _)| kind);
    Ok(Ok(ModelComparison {
        calibration_end,
        weeks,
        checks,
        best,
    }))
}

/// Repeat purchase days per holdout week of the customers who had bought by
/// the calibration end.
fn actual_weekly(
    history: &History,
    calibration_end_day: i32,
    end_day: i32,
    weeks: u32,
) -> Vec<f64> {
    let mut per_week = vec![0.0; weeks as usize];
    for c in history.customers() {
        if c.first_purchase_day()
            .is_none_or(|d| d > calibration_end_day)
        {
            continue;
        }
        let mut last_day = None;
        for o in c.purchases() {
            if o.day > calibration_end_day && o.day <= end_day && last_day != Some(o.day) {
                let week = ((o.day - calibration_end_day - 1) / 7) as usize;
                if let Some(slot) = per_week.get_mut(week) {
                    *slot += 1.0;
                }
                last_day = Some(o.day);
            }
        }
    }
    per_week
}

impl Holdout<'_> {
    fn check(&self, model: Fitted, log_likelihood: f64) -> HoldoutCheck {
        let rows = &self.rows;
        // Σ weight × P(alive) per (x, T), times purchases if alive per (x, T).
        let (pairs, pair_of_row) = frequency_and_age(rows);
        let p_alive: Vec<f64> = rows.par_iter().map(|row| model.p_alive(row.rft)).collect();
        let mut alive_weight = vec![0.0; pairs.len()];
        for ((row, pair), p) in rows.iter().zip(&pair_of_row).zip(&p_alive) {
            alive_weight[*pair as usize] += row.weight * p;
        }
        let predicted_weekly: Vec<f64> = (1..=self.weeks)
            .into_par_iter()
            .map(|w| {
                pairs
                    .iter()
                    .zip(&alive_weight)
                    .map(|(pair, weight)| {
                        weight * model.purchases_if_alive(rft_of_pair(*pair), w as f64)
                    })
                    .sum()
            })
            .collect();
        let mut cumulative = 0.0;
        let weekly = (1..=self.weeks)
            .zip(&self.actual_weekly)
            .zip(predicted_weekly)
            .map(|((week, actual), predicted)| {
                cumulative += actual;
                HoldoutWeek {
                    week,
                    actual: cumulative,
                    predicted,
                }
            })
            .collect();
        // Each distinct history's prediction for the whole holdout.
        let horizon = self.weeks as f64 * 7.0 / DAYS_PER_WEEK;
        let if_alive: Vec<f64> = pairs
            .par_iter()
            .map(|pair| model.purchases_if_alive(rft_of_pair(*pair), horizon))
            .collect();
        let predicted_of_row: Vec<f64> = pair_of_row
            .iter()
            .zip(&p_alive)
            .map(|(pair, p)| p * if_alive.get(*pair as usize).copied().unwrap_or(f64::NAN))
            .collect();
        let predicted_of = |customer: usize| {
            self.row_of
                .get(customer)
                .and_then(|row| predicted_of_row.get(*row as usize))
                .copied()
                .unwrap_or(f64::NAN)
        };
        let absolute_error: f64 = self
            .summaries
            .par_iter()
            .enumerate()
            .map(|(i, s)| (predicted_of(i) - s.holdout_purchases as f64).abs())
            .collect::<Vec<f64>>()
            .iter()
            .sum();
        const BUCKETS: u32 = 7;
        let mut buckets: Vec<(usize, f64, f64)> = vec![(0, 0.0, 0.0); BUCKETS as usize + 1];
        for (i, s) in self.summaries.iter().enumerate() {
            let bucket = &mut buckets[s.frequency.min(BUCKETS) as usize];
            bucket.0 += 1;
            bucket.1 += s.holdout_purchases as f64;
            bucket.2 += predicted_of(i);
        }
        let by_frequency = buckets
            .into_iter()
            .enumerate()
            .filter(|(_, (n, _, _))| *n > 0)
            .map(|(x, (n, actual, predicted))| HoldoutFrequency {
                label: if x as u32 == BUCKETS {
                    format!("{BUCKETS}+")
                } else {
                    x.to_string()
                },
                customers: n,
                actual: actual / n as f64,
                predicted: predicted / n as f64,
            })
            .collect();
        HoldoutCheck {
            calibration_end: self.calibration_end,
            holdout_end: self.holdout_end,
            model,
            log_likelihood,
            customers: self.summaries.len(),
            weekly,
            by_frequency,
            mae_per_customer: absolute_error / self.summaries.len().max(1) as f64,
        }
    }
}
