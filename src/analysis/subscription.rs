//! Contractual churn for subscription logs: the shifted-beta-geometric
//! (sBG) model of Fader & Hardie (2007, "How to project customer
//! retention"). Every subscriber has a constant chance θ to cancel at each
//! renewal, θ ~ Beta(α, β) across subscribers, so the cohort's retention
//! rises over time as the likely cancellers leave. Fitted on each cohort's
//! survivors per billing period, it projects the retention curve, the
//! periods today's subscribers still have, and their value.

use chrono::NaiveDate;
use polars::prelude::*;
use rust_i18n::t;
use serde::Serialize;
use std::borrow::Cow;

use super::cancel::Cancel;
use super::clv::fit::minimise;
use super::clv::intervals::{ParameterInterval, intervals};
use super::history::History;
use crate::calendar::{day_number, month_index, month_start};
use crate::chart::spec::{lighter, palette};
use crate::chart::{Axis, ChartSpec, Series, SeriesStyle, Unit};
use crate::format::group_thousands;

/// How often subscribers pay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingPeriod {
    Month,
    Year,
}

impl BillingPeriod {
    pub fn months(self) -> i32 {
        match self {
            BillingPeriod::Month => 1,
            BillingPeriod::Year => 12,
        }
    }

    pub fn label(self) -> Cow<'static, str> {
        match self {
            BillingPeriod::Month => t!("month"),
            BillingPeriod::Year => t!("year"),
        }
    }

    pub fn plural(self) -> Cow<'static, str> {
        match self {
            BillingPeriod::Month => t!("months"),
            BillingPeriod::Year => t!("years"),
        }
    }

    /// Yearly when consecutive payments lie a median of ten months or more
    /// apart, else monthly.
    pub fn of(history: &History) -> BillingPeriod {
        let mut gaps: Vec<i32> = history
            .customers()
            .flat_map(|c| {
                let months: Vec<i32> = c
                    .purchases()
                    .map(|o| month_index(crate::calendar::day_from_number(o.day)))
                    .collect();
                months
                    .windows(2)
                    .map(|w| w[1] - w[0])
                    .filter(|gap| *gap > 0)
                    .collect::<Vec<_>>()
            })
            .collect();
        gaps.sort_unstable();
        match gaps.get(gaps.len() / 2) {
            Some(median) if *median >= 10 => BillingPeriod::Year,
            _ => BillingPeriod::Month,
        }
    }
}

/// A cohort (the subscribers whose first payment fell in one calendar
/// month) and how many of them still paid at each renewal.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CohortSurvival {
    pub cohort: NaiveDate,
    /// `survivors[k]`: subscribers who paid for period k (0 = the first
    /// payment, so `survivors[0]` is the cohort's size); only periods whose
    /// renewal date lies before the as-of date.
    pub survivors: Vec<u64>,
}

/// A subscriber as the model sees them: the month of their first payment,
/// the periods they paid for and the periods observed since, their last
/// price.
struct Subscriber {
    first_month: i32,
    /// The last period paid for (0 = only the first payment).
    paid_through: usize,
    /// Periods whose renewal month has passed for the whole cohort.
    observed: usize,
    last_price: f64,
}

impl Subscriber {
    /// Paid for the latest observed period: a subscriber today.
    fn is_current(&self) -> bool {
        self.paid_through >= self.observed
    }
}

/// Every customer with a payment before `as_of`, read once for the
/// cohorts' survivors and for scoring today's subscribers.
fn subscribers(history: &History, period: BillingPeriod, as_of: NaiveDate) -> Vec<Subscriber> {
    let as_of_day = day_number(as_of);
    let last_month = month_index(as_of.pred_opt().unwrap_or(as_of));
    let step = period.months();
    history
        .customers()
        .filter_map(|customer| {
            let mut payments = customer.purchases().filter(|o| o.day < as_of_day);
            let first = payments.next()?;
            let last = payments.last().unwrap_or(first);
            let month = |day| month_index(crate::calendar::day_from_number(day));
            let first_month = month(first.day);
            Some(Subscriber {
                first_month,
                paid_through: ((month(last.day) - first_month) / step) as usize,
                observed: ((last_month - first_month) / step) as usize,
                last_price: last.amount,
            })
        })
        .collect()
}

/// Every cohort's survivors: a subscriber is counted at every period up to
/// their last payment (contractual: a subscriber who stopped paying does
/// not come back as the same subscription).
fn survival_of(subscribers: &[Subscriber]) -> Vec<CohortSurvival> {
    let mut cohorts: std::collections::BTreeMap<i32, Vec<u64>> = Default::default();
    for s in subscribers {
        let survivors = cohorts
            .entry(s.first_month)
            .or_insert_with(|| vec![0; s.observed + 1]);
        for count in survivors
            .iter_mut()
            .take(s.paid_through.min(s.observed) + 1)
        {
            *count += 1;
        }
    }
    cohorts
        .into_iter()
        .filter_map(|(month, survivors)| {
            Some(CohortSurvival {
                cohort: month_start(month)?,
                survivors,
            })
        })
        .collect()
}

/// θ ~ Beta(α, β): the chance to cancel at each renewal.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ShiftedBetaGeometric {
    pub alpha: f64,
    pub beta: f64,
}

impl ShiftedBetaGeometric {
    /// P(T = t), t ≥ 1: cancelling at renewal t, by the recursion
    /// P(1) = α/(α+β), P(t) = (β+t−2)/(α+β+t−1) · P(t−1).
    pub fn churn_probabilities(&self, periods: usize) -> Vec<f64> {
        let ShiftedBetaGeometric { alpha, beta } = *self;
        let mut out = Vec::with_capacity(periods);
        let mut p = alpha / (alpha + beta);
        for t in 1..=periods {
            if t > 1 {
                let t = t as f64;
                p *= (beta + t - 2.0) / (alpha + beta + t - 1.0);
            }
            out.push(p);
        }
        out
    }

    /// S(t) for t = 0..=periods: the share still subscribed after t renewals.
    pub fn survival(&self, periods: usize) -> Vec<f64> {
        let mut survival = vec![1.0];
        let mut s = 1.0;
        for p in self.churn_probabilities(periods) {
            s -= p;
            survival.push(s.max(0.0));
        }
        survival
    }

    /// Σ over cohorts: lost at renewal t × ln P(t), plus still subscribed
    /// at the last observed renewal × ln S(t).
    pub fn log_likelihood(&self, cohorts: &[&CohortSurvival]) -> f64 {
        let longest = cohorts.iter().map(|c| c.survivors.len()).max().unwrap_or(1);
        let churn = self.churn_probabilities(longest);
        let survival = self.survival(longest);
        cohorts
            .iter()
            .map(|c| {
                let lost: f64 = c
                    .survivors
                    .windows(2)
                    .enumerate()
                    .map(|(t, w)| (w[0] - w[1]) as f64 * churn[t].ln())
                    .sum();
                let last = c.survivors.len() - 1;
                lost + c.survivors[last] as f64 * survival[last].ln()
            })
            .sum()
    }

    /// Renewals a subscriber who has paid for `paid_periods` periods is
    /// expected to pay for still, each discounted by `discount` per period
    /// (0 for none): Σₖ S(n + k)/S(n) ÷ (1 + d)^k over the next `horizon`.
    pub fn expected_remaining(&self, paid_periods: usize, discount: f64, horizon: usize) -> f64 {
        let survival = self.survival(paid_periods + horizon);
        let now = survival[paid_periods];
        if now <= 0.0 {
            return 0.0;
        }
        (1..=horizon)
            .map(|k| survival[paid_periods + k] / now / (1.0 + discount).powi(k as i32))
            .sum()
    }
}

/// The sBG model fitted to `cohorts` together, with its log-likelihood;
/// `None` without a renewal to learn from.
pub fn fit(cohorts: &[&CohortSurvival], cancel: &Cancel) -> Option<(ShiftedBetaGeometric, f64)> {
    if cohorts.iter().all(|c| c.survivors.len() < 2) {
        return None;
    }
    let cost = |log: &[f64]| {
        let model = ShiftedBetaGeometric {
            alpha: log[0].exp(),
            beta: log[1].exp(),
        };
        -model.log_likelihood(cohorts)
    };
    let (best, cost) = minimise(&cost, vec![0.0, 0.0], cancel)?;
    let model = ShiftedBetaGeometric {
        alpha: best[0].exp(),
        beta: best[1].exp(),
    };
    Some((model, -cost))
}

/// Renewals counted ahead for lifetimes and value: ten years, as the
/// simple CLV caps its lifetime (with α ≤ 1 the sBG lifetime has no finite
/// mean).
const HORIZON_YEARS: i32 = 10;

/// A cohort with its own fit, when it has renewals to learn from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CohortFit {
    #[serde(flatten)]
    pub survival: CohortSurvival,
    pub model: Option<ShiftedBetaGeometric>,
    pub log_likelihood: Option<f64>,
    /// α and β with their standard errors and 95 % intervals.
    pub intervals: Vec<ParameterInterval>,
}

/// The subscription view: the billing period, every cohort's fit, the fit
/// of all cohorts together, and what today's subscribers are worth.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Subscriptions {
    pub billing_period: BillingPeriod,
    pub cohorts: Vec<CohortFit>,
    pub pooled: Option<ShiftedBetaGeometric>,
    pub pooled_log_likelihood: Option<f64>,
    pub pooled_intervals: Vec<ParameterInterval>,
    /// Subscribers who paid for the latest period.
    pub subscribers: u64,
    /// Mean renewals today's subscribers are expected to pay for still,
    /// within the horizon.
    pub expected_remaining_periods: Option<f64>,
    /// Σ last price × discounted expected renewals within the horizon.
    pub clv_total: Option<f64>,
    pub horizon_years: i32,
    pub discount_per_period: f64,
}

impl Subscriptions {
    /// The model a cohort's subscribers are scored with: its own, or all
    /// cohorts' together when it has none.
    pub fn model_of(&self, cohort: &CohortFit) -> Option<ShiftedBetaGeometric> {
        cohort.model.or(self.pooled)
    }
}

/// Fits every cohort and all together, and scores today's subscribers:
/// each one's last payment × the discounted renewals they are expected to
/// pay for still (`discount_monthly` compounded to the billing period).
pub fn subscriptions(
    history: &History,
    as_of: NaiveDate,
    discount_monthly: f64,
    cancel: &Cancel,
) -> Subscriptions {
    let period = BillingPeriod::of(history);
    let paying = subscribers(history, period, as_of);
    let survival = survival_of(&paying);
    let all: Vec<&CohortSurvival> = survival.iter().collect();
    let pooled = fit(&all, cancel);
    let cohorts: Vec<CohortFit> = survival
        .iter()
        .map(|c| {
            let own = (c.survivors.len() >= MIN_PERIODS_TO_FIT
                && c.survivors[0] >= MIN_COHORT_SIZE)
                .then(|| fit(&[c], cancel))
                .flatten();
            CohortFit {
                survival: c.clone(),
                model: own.map(|f| f.0),
                log_likelihood: own.map(|f| f.1),
                intervals: own.map_or_else(Vec::new, |f| intervals_of(&f.0, &[c])),
            }
        })
        .collect();
    let discount = (1.0 + discount_monthly).powi(period.months()) - 1.0;
    let horizon = (HORIZON_YEARS * 12 / period.months()) as usize;
    let mut result = Subscriptions {
        billing_period: period,
        cohorts,
        pooled: pooled.map(|f| f.0),
        pooled_log_likelihood: pooled.map(|f| f.1),
        pooled_intervals: pooled.map_or_else(Vec::new, |f| intervals_of(&f.0, &all)),
        subscribers: 0,
        expected_remaining_periods: None,
        clv_total: None,
        horizon_years: HORIZON_YEARS,
        discount_per_period: discount,
    };
    let model_of_month: std::collections::BTreeMap<i32, ShiftedBetaGeometric> = result
        .cohorts
        .iter()
        .filter_map(|c| Some((month_index(c.survival.cohort), result.model_of(c)?)))
        .collect();
    let (mut subscribers, mut renewals, mut value) = (0u64, 0.0, 0.0);
    for s in paying.iter().filter(|s| s.is_current()) {
        let Some(model) = model_of_month.get(&s.first_month) else {
            continue;
        };
        subscribers += 1;
        renewals += model.expected_remaining(s.paid_through, 0.0, horizon);
        value += s.last_price * model.expected_remaining(s.paid_through, discount, horizon);
    }
    result.subscribers = subscribers;
    if subscribers > 0 {
        result.expected_remaining_periods = Some(renewals / subscribers as f64);
        result.clv_total = Some(value);
    }
    result
}

/// α's and β's standard errors and 95 % intervals under `cohorts`.
fn intervals_of(
    model: &ShiftedBetaGeometric,
    cohorts: &[&CohortSurvival],
) -> Vec<ParameterInterval> {
    intervals(&["alpha", "beta"], &[model.alpha, model.beta], |v| {
        ShiftedBetaGeometric {
            alpha: v[0],
            beta: v[1],
        }
        .log_likelihood(cohorts)
    })
}

/// A cohort is fitted on its own from this size and this many observed
/// periods (the first payment and two renewals); smaller ones use the fit
/// of all cohorts.
const MIN_COHORT_SIZE: u64 = 20;
const MIN_PERIODS_TO_FIT: usize = 3;

/// Periods projected beyond the longest observed one.
fn projected_periods(period: BillingPeriod) -> usize {
    match period {
        BillingPeriod::Month => 12,
        BillingPeriod::Year => 3,
    }
}

/// `subscription_retention.csv`: per cohort and period, the share still
/// subscribed (empty where not observed yet) and the model's.
pub fn retention_frame(subscriptions: &Subscriptions) -> PolarsResult<DataFrame> {
    let (mut cohort, mut period, mut actual, mut predicted) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let extra = projected_periods(subscriptions.billing_period);
    for c in &subscriptions.cohorts {
        let observed = c.survival.survivors.len();
        let model = subscriptions.model_of(c);
        let curve = model.map(|m| m.survival(observed + extra));
        let size = c.survival.survivors[0] as f64;
        for k in 0..observed + extra {
            cohort.push(c.survival.cohort);
            period.push(k as u32);
            actual.push(c.survival.survivors.get(k).map(|n| *n as f64 / size));
            predicted.push(curve.as_ref().map(|s| s[k]));
        }
    }
    DataFrame::new(
        cohort.len(),
        vec![
            Column::new("cohort".into(), cohort),
            Column::new("period".into(), period),
            Column::new("actual".into(), actual),
            Column::new("predicted".into(), predicted),
        ],
    )
}

/// Actual against projected retention for the largest cohorts.
pub fn retention_spec(subscriptions: &Subscriptions, window: &str) -> ChartSpec {
    const SHOWN: usize = 4;
    let mut largest: Vec<&CohortFit> = subscriptions.cohorts.iter().collect();
    largest.sort_by_key(|c| std::cmp::Reverse(c.survival.survivors[0]));
    largest.truncate(SHOWN);
    largest.sort_by_key(|c| c.survival.cohort);
    let extra = projected_periods(subscriptions.billing_period);
    let mut series = Vec::new();
    for (i, c) in largest.iter().enumerate() {
        let size = c.survival.survivors[0] as f64;
        let label = c.survival.cohort.format("%Y-%m").to_string();
        series.push(Series {
            name: format!("{label} actual ({})", group_thousands(size as usize)),
            style: SeriesStyle::BoldLine,
            color: palette(i),
            points: c
                .survival
                .survivors
                .iter()
                .enumerate()
                .map(|(k, n)| [k as f64, *n as f64 / size])
                .collect(),
        });
        if let Some(model) = subscriptions.model_of(c) {
            let curve = model.survival(c.survival.survivors.len() + extra);
            series.push(Series {
                name: format!("{label} sBG model"),
                style: SeriesStyle::Line,
                color: lighter(palette(i)),
                points: curve
                    .iter()
                    .enumerate()
                    .map(|(k, s)| [k as f64, *s])
                    .collect(),
            });
        }
    }
    let units = subscriptions.billing_period.plural();
    ChartSpec {
        id: "subscription_retention".into(),
        title: t!("Subscribers still paying: actual and sBG projection").into(),
        caption: t!(
            "Share of each cohort (first payment in that month; the %{shown} largest shown) still paying after k renewals, and the shifted-beta-geometric model (Fader & Hardie 2007) fitted to its renewals, projected %{extra} %{units} ahead. Data: %{window}.",
            shown = SHOWN,
            extra = extra,
            units = units,
            window = window
        )
        .into(),
        x: Axis::value(
            &t!("Renewals (%{units} since the first payment)", units = units),
            Unit::Count,
        ),
        y: Axis::value(&t!("Still subscribed"), Unit::Percent),
        series,
        heatmap: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cohort(survivors: &[u64]) -> CohortSurvival {
        CohortSurvival {
            cohort: NaiveDate::from_ymd_opt(2015, 1, 1).unwrap(),
            survivors: survivors.to_vec(),
        }
    }

    /// Fader & Hardie (2007), the "regular" and "high end" customers.
    #[test]
    fn reproduces_the_papers_fits() {
        for (survivors, alpha, beta, ll) in [
            (
                [1000, 631, 468, 382, 326, 289, 262, 241],
                0.704,
                1.182,
                -1680.27,
            ),
            (
                [1000, 869, 743, 653, 593, 551, 517, 491],
                0.668,
                3.806,
                -1611.16,
            ),
        ] {
            let c = cohort(&survivors);
            let (model, log_likelihood) = fit(&[&c], &Cancel::never()).unwrap();
            assert!((model.alpha - alpha).abs() < 0.0005, "{model:?}");
            assert!((model.beta - beta).abs() < 0.0005, "{model:?}");
            assert!((log_likelihood - ll).abs() < 0.005, "{log_likelihood}");
        }
    }

    #[test]
    fn survival_is_one_minus_the_churn_so_far() {
        let model = ShiftedBetaGeometric {
            alpha: 0.704,
            beta: 1.182,
        };
        let s = model.survival(3);
        let p = model.churn_probabilities(3);
        assert_eq!(s[0], 1.0);
        assert!((s[1] - (1.0 - 0.704 / 1.886)).abs() < 1e-12);
        assert!((s[3] - (1.0 - p.iter().sum::<f64>())).abs() < 1e-12);
        // A subscriber who stayed longer is more likely to stay: the
        // expected remaining renewals grow with tenure.
        assert!(model.expected_remaining(5, 0.0, 200) > model.expected_remaining(1, 0.0, 200));
    }
}
