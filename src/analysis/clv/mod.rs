//! Customer lifetime value from the "buy till you die" models: a purchase
//! model (BG/NBD or Pareto/NBD) for how often and how long customers buy,
//! the Gamma-Gamma model for how much, and CLV as their discounted product.
//!
//! Everything here follows the conventions of the reference literature and
//! of the `lifetimes` library, so that numbers can be checked against both:
//! time is in weeks, and CLV sums months of 30 days.

pub mod bgnbd;
pub mod bootstrap;
pub mod by_segment;
pub mod charts;
pub mod comparison;
pub mod fit;
pub mod frames;
pub mod gamma_gamma;
pub mod intervals;
pub mod mbgnbd;
pub mod pareto_nbd;
pub mod special;
pub mod summary;

use crate::i18n::format_day;
use rust_i18n::t;
use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::cancel::{Cancel, Cancelled};
use super::history::History;
use crate::calendar::day_number;
pub use bgnbd::BgNbd;
pub use comparison::{HoldoutCheck, HoldoutFrequency, HoldoutWeek, ModelComparison};
pub use gamma_gamma::GammaGamma;
pub use mbgnbd::ModifiedBgNbd;
pub use pareto_nbd::ParetoNbd;
use summary::{CustomerSummary, DAYS_PER_WEEK, summarise};

/// A customer's calibration summary in model units: x repeat purchase days,
/// the last at t_x weeks and the calibration end at T weeks after the first.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rft {
    pub x: f64,
    pub t_x: f64,
    pub t: f64,
}

impl Rft {
    pub fn of(summary: &CustomerSummary) -> Rft {
        Rft {
            x: summary.frequency as f64,
            t_x: summary.recency_weeks(),
            t: summary.t_weeks(),
        }
    }
}

/// What a purchase model offers: its likelihood for fitting, and per
/// customer the chance of being alive and the purchases to expect.
pub trait PurchaseModel: Sized + Sync + Copy {
    const NAMES: &'static [&'static str];
    fn from_params(params: &[f64]) -> Option<Self>;
    fn params(&self) -> Vec<f64>;
    /// The part of a customer's log-likelihood that depends on x only,
    /// computed once per distinct x while fitting.
    fn frequency_term(&self, x: f64) -> f64;
    fn log_likelihood_given(&self, c: Rft, frequency_term: f64) -> f64;
    fn log_likelihood(&self, c: Rft) -> f64 {
        self.log_likelihood_given(c, self.frequency_term(c.x))
    }
    fn p_alive(&self, c: Rft) -> f64;
    /// The purchases expected in the next `t_weeks` if the customer is
    /// still alive; both models' E[X(t) | x, t_x, T] is this × P(alive).
    /// In both it depends on x and T only, not on t_x, which scoring uses
    /// to sum each series once per (x, T).
    fn purchases_if_alive(&self, c: Rft, t_weeks: f64) -> f64;
    /// The total log-likelihood of `rows` and its gradient with respect to
    /// the logarithms of the parameters, for models that have one; fitting
    /// then uses L-BFGS instead of Nelder–Mead.
    /// The total log-likelihood of weighted rows; `pairs` lets a model
    /// compute per (x, days) what depends on no more.
    fn log_likelihood_of_rows(&self, rows: &[fit::WeightedRow], _pairs: &fit::DayPairs) -> f64 {
        fit::total_log_likelihood(self, rows)
    }
    fn log_likelihood_and_gradient(&self, _rows: &[fit::WeightedRow]) -> Option<(f64, Vec<f64>)> {
        None
    }
    /// E[X(t) | x, t_x, T]: purchases expected in the next `t_weeks`.
    fn expected_purchases(&self, c: Rft, t_weeks: f64) -> f64 {
        if t_weeks <= 0.0 {
            return 0.0;
        }
        self.purchases_if_alive(c, t_weeks) * self.p_alive(c)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModelKind {
    #[default]
    BgNbd,
    ParetoNbd,
    ModifiedBgNbd,
}

impl ModelKind {
    pub const ALL: [ModelKind; 3] = [
        ModelKind::BgNbd,
        ModelKind::ParetoNbd,
        ModelKind::ModifiedBgNbd,
    ];

    pub fn label(self) -> Cow<'static, str> {
        match self {
            ModelKind::BgNbd => Cow::Borrowed("BG/NBD"),
            ModelKind::ParetoNbd => Cow::Borrowed("Pareto/NBD"),
            ModelKind::ModifiedBgNbd => t!("Modified BG/NBD"),
        }
    }

    /// The name on the command line and in clv_model.json.
    pub fn key(self) -> &'static str {
        match self {
            ModelKind::BgNbd => "bgnbd",
            ModelKind::ParetoNbd => "paretonbd",
            ModelKind::ModifiedBgNbd => "mbgnbd",
        }
    }

    pub fn explanation(self) -> Cow<'static, str> {
        match self {
            ModelKind::BgNbd => {
                t!(
                    "BG/NBD (Fader, Hardie & Lee 2005): while alive a customer buys at their own steady rate; after each purchase they may drop out for good. A customer who never bought again is assumed alive."
                )
            }
            ModelKind::ParetoNbd => {
                t!(
                    "Pareto/NBD (Schmittlein, Morrison & Colombo 1987): while alive a customer buys at their own steady rate; their lifetime ends at a random moment, purchase or not."
                )
            }
            ModelKind::ModifiedBgNbd => {
                t!(
                    "Modified BG/NBD (Batislam, Denizel & Filiztekin 2007): as BG/NBD, but a customer may also drop out right after their first purchase, so one-time buyers are not assumed alive; their P(alive) falls with the time since they bought."
                )
            }
        }
    }
}

/// A fitted purchase model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fitted {
    BgNbd(BgNbd),
    ParetoNbd(ParetoNbd),
    ModifiedBgNbd(ModifiedBgNbd),
}

impl Fitted {
    pub fn kind(&self) -> ModelKind {
        match self {
            Fitted::BgNbd(_) => ModelKind::BgNbd,
            Fitted::ParetoNbd(_) => ModelKind::ParetoNbd,
            Fitted::ModifiedBgNbd(_) => ModelKind::ModifiedBgNbd,
        }
    }

    pub fn parameters(&self) -> Vec<(&'static str, f64)> {
        let (names, values) = match self {
            Fitted::BgNbd(m) => (BgNbd::NAMES, m.params()),
            Fitted::ParetoNbd(m) => (ParetoNbd::NAMES, m.params()),
            Fitted::ModifiedBgNbd(m) => (ModifiedBgNbd::NAMES, m.params()),
        };
        names.iter().copied().zip(values).collect()
    }

    pub fn p_alive(&self, c: Rft) -> f64 {
        match self {
            Fitted::BgNbd(m) => m.p_alive(c),
            Fitted::ParetoNbd(m) => m.p_alive(c),
            Fitted::ModifiedBgNbd(m) => m.p_alive(c),
        }
    }

    pub fn expected_purchases(&self, c: Rft, t_weeks: f64) -> f64 {
        match self {
            Fitted::BgNbd(m) => m.expected_purchases(c, t_weeks),
            Fitted::ParetoNbd(m) => m.expected_purchases(c, t_weeks),
            Fitted::ModifiedBgNbd(m) => m.expected_purchases(c, t_weeks),
        }
    }

    /// Standard errors and 95 % intervals of the parameters, from the
    /// log-likelihood of the rows they were fitted on.
    pub fn intervals(&self, rows: &[fit::WeightedRow]) -> Vec<intervals::ParameterInterval> {
        fn of<M: PurchaseModel>(
            model: &M,
            rows: &[fit::WeightedRow],
        ) -> Vec<intervals::ParameterInterval> {
            intervals::intervals(M::NAMES, &model.params(), |p| {
                M::from_params(p).map_or(f64::NEG_INFINITY, |m| fit::total_log_likelihood(&m, rows))
            })
        }
        match self {
            Fitted::BgNbd(m) => of(m, rows),
            Fitted::ParetoNbd(m) => of(m, rows),
            Fitted::ModifiedBgNbd(m) => of(m, rows),
        }
    }

    pub fn purchases_if_alive(&self, c: Rft, t_weeks: f64) -> f64 {
        match self {
            Fitted::BgNbd(m) => m.purchases_if_alive(c, t_weeks),
            Fitted::ParetoNbd(m) => m.purchases_if_alive(c, t_weeks),
            Fitted::ModifiedBgNbd(m) => m.purchases_if_alive(c, t_weeks),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClvSettings {
    pub model: ModelKind,
    /// Use the model that predicted the holdout best, and `model` only
    /// when there is no holdout. Absent from analyses saved before the
    /// comparison existed, which keep the model they were saved with.
    #[serde(default)]
    pub pick_best_model: bool,
    /// The last day the models learn from (inclusive); `None` means the
    /// day before the as-of date.
    pub calibration_end: Option<NaiveDate>,
    /// For "expected purchases".
    pub horizon_weeks: u32,
    pub clv_months: u32,
    /// Per month, as a fraction (0.01 = 1 %).
    pub discount_rate_monthly: f64,
    /// Weeks before the calibration end held out to check the model; 0 = no check.
    pub holdout_weeks: u32,
    /// What "CLV by segment" groups by: RFM segment, Status or an attribute
    /// column. Not part of the fit.
    pub segment_by: String,
    /// Refits on resampled customers for the ranges of the totals; 0 = no
    /// ranges.
    pub resamples: u32,
}

impl Default for ClvSettings {
    fn default() -> Self {
        ClvSettings {
            model: ModelKind::BgNbd,
            pick_best_model: true,
            calibration_end: None,
            horizon_weeks: 39,
            clv_months: 12,
            discount_rate_monthly: 0.01,
            holdout_weeks: 26,
            segment_by: crate::analysis::RFM_SEGMENT.to_string(),
            resamples: 100,
        }
    }
}

/// The part of the settings the models learn from; the rest only scores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FitSettings {
    pub model: ModelKind,
    pub pick_best_model: bool,
    pub calibration_end: Option<NaiveDate>,
    pub holdout_weeks: u32,
}

/// The part of the settings that turns a fit into predictions.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreSettings {
    pub horizon_weeks: u32,
    pub clv_months: u32,
    pub discount_rate_monthly: f64,
}

impl ClvSettings {
    pub fn fit_part(&self) -> FitSettings {
        FitSettings {
            model: self.model,
            pick_best_model: self.pick_best_model,
            calibration_end: self.calibration_end,
            holdout_weeks: self.holdout_weeks,
        }
    }

    pub fn score_part(&self) -> ScoreSettings {
        ScoreSettings {
            horizon_weeks: self.horizon_weeks,
            clv_months: self.clv_months,
            discount_rate_monthly: self.discount_rate_monthly,
        }
    }
}

/// One customer's prediction.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClvRow {
    pub customer_id: String,
    /// The customer's index in the order log.
    #[serde(skip)]
    pub customer: u32,
    pub frequency: u32,
    pub recency_weeks: f64,
    pub t_weeks: f64,
    pub monetary_value: Option<f64>,
    pub p_alive: f64,
    pub expected_purchases: f64,
    pub expected_avg_spend: Option<f64>,
    pub clv: Option<f64>,
    /// P(alive) as it was 30 days before the calibration end; `None` for
    /// customers who had not bought yet then.
    pub p_alive_30_days_earlier: Option<f64>,
}

impl ClvRow {
    /// How much P(alive) fell over the last 30 days (positive = falling).
    pub fn p_alive_fall(&self) -> Option<f64> {
        self.p_alive_30_days_earlier
            .map(|before| before - self.p_alive)
    }
}

/// The spend model, or why there is none.
#[derive(Clone, Debug, PartialEq)]
pub enum SpendModel {
    Fitted {
        model: GammaGamma,
        log_likelihood: f64,
        customers: usize,
        intervals: Vec<intervals::ParameterInterval>,
    },
    Unavailable(String),
}

/// The fitted models and every customer's prediction.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelFit {
    pub settings: ClvSettings,
    pub as_of: NaiveDate,
    pub calibration_end: NaiveDate,
    pub model: Fitted,
    pub log_likelihood: f64,
    /// Customers the purchase model was fitted on, and their distinct
    /// (x, t_x, T) rows.
    pub customers: usize,
    pub distinct_rows: usize,
    pub spend: SpendModel,
    pub rows: Vec<ClvRow>,
    /// Every model on the holdout: `None` when no holdout was asked for;
    /// an explanation when it could not run.
    pub comparison: Option<Result<Arc<ModelComparison>, String>>,
    pub fit_ms: u128,
    /// Standard errors and 95 % intervals of the purchase model's parameters.
    pub parameter_intervals: Vec<intervals::ParameterInterval>,
}

impl ModelFit {
    /// The holdout check of the model in use.
    pub fn holdout(&self) -> Option<Result<&HoldoutCheck, &str>> {
        match self.comparison.as_ref()? {
            Ok(comparison) => comparison.check(self.model.kind()),
            Err(reason) => Some(Err(reason)),
        }
    }

    pub fn spend_model(&self) -> Option<&GammaGamma> {
        match &self.spend {
            SpendModel::Fitted { model, .. } => Some(model),
            SpendModel::Unavailable(_) => None,
        }
    }
}

/// The calibration end that `settings` mean at `as_of` (inclusive).
pub fn calibration_end(chosen: Option<NaiveDate>, as_of: NaiveDate) -> NaiveDate {
    let last = as_of.pred_opt().unwrap_or(as_of);
    chosen.map_or(last, |d| d.min(last))
}

fn fit_purchases(
    kind: ModelKind,
    rows: &[fit::WeightedRow],
    cancel: &Cancel,
) -> Result<Result<(Fitted, f64), String>, Cancelled> {
    fit_purchases_with(kind, rows, fit::Search::Wide, cancel)
}

/// Fits `kind` searching as `search` says (bounded for the comparison).
fn fit_purchases_with(
    kind: ModelKind,
    rows: &[fit::WeightedRow],
    search: fit::Search,
    cancel: &Cancel,
) -> Result<Result<(Fitted, f64), String>, Cancelled> {
    fn one<M: PurchaseModel>(
        rows: &[fit::WeightedRow],
        search: fit::Search,
        cancel: &Cancel,
    ) -> Option<(M, f64)> {
        match search {
            fit::Search::Bounded => fit::fit_purchase_model_bounded::<M>(rows, cancel),
            _ => fit::fit_purchase_model::<M>(rows, cancel),
        }
    }
    let fitted = match kind {
        ModelKind::BgNbd => {
            one::<BgNbd>(rows, search, cancel).map(|(m, ll)| (Fitted::BgNbd(m), ll))
        }
        ModelKind::ParetoNbd => {
            one::<ParetoNbd>(rows, search, cancel).map(|(m, ll)| (Fitted::ParetoNbd(m), ll))
        }
        ModelKind::ModifiedBgNbd => {
            one::<ModifiedBgNbd>(rows, search, cancel).map(|(m, ll)| (Fitted::ModifiedBgNbd(m), ll))
        }
    };
    cancel.check()?;
    Ok(fitted.ok_or_else(|| {
        t!(
            "the %{model} model could not be fitted to these customers",
            model = kind.label()
        )
        .into()
    }))
}

/// Why the models cannot learn from these summaries, if they cannot.
fn unfit_reason(summaries: &[CustomerSummary], calibration_end: NaiveDate) -> Option<String> {
    if summaries.is_empty() {
        return Some(
            t!(
                "No purchases on or before the calibration end %{day}: choose a later calibration end.",
                day = format_day(calibration_end)
            )
            .into(),
        );
    }
    if summaries.iter().all(|s| s.frequency == 0) {
        return Some(
            t!(
                "No customer bought on two different days up to %{day}, so the models have no repeat purchases to learn from. Choose a later calibration end or a longer data window.",
                day = format_day(calibration_end)
            )
            .into(),
        );
    }
    None
}

/// The fitted models and what scoring needs of the customers they were
/// fitted on; the predictions come from [`score`].
#[derive(Clone, Debug)]
pub struct FittedModels {
    pub settings: FitSettings,
    pub as_of: NaiveDate,
    pub calibration_end: NaiveDate,
    pub model: Fitted,
    pub log_likelihood: f64,
    pub spend: SpendModel,
    pub comparison: Option<Result<Arc<ModelComparison>, String>>,
    pub fit_ms: u128,
    pub parameter_intervals: Vec<intervals::ParameterInterval>,
    summaries: Vec<CustomerSummary>,
    distinct: Vec<fit::WeightedRow>,
    row_of: Vec<u32>,
}

/// Fits the models on every customer's purchases up to the calibration end;
/// the holdout check refits on an earlier end. The inner `Err` says why
/// there is no fit.
pub fn fit(
    history: &History,
    has_amount: bool,
    settings: &FitSettings,
    as_of: NaiveDate,
    cancel: &Cancel,
) -> Result<Result<FittedModels, String>, Cancelled> {
    let started = Instant::now();
    let end = calibration_end(settings.calibration_end, as_of);
    let end_day = day_number(end);
    let summaries = summarise(history, end_day, end_day + 1);
    if let Some(reason) = unfit_reason(&summaries, end) {
        return Ok(Err(reason));
    }
    cancel.check()?;
    let comparison = match settings.holdout_weeks {
        0 => None,
        weeks => Some(comparison::compare_models(history, weeks, end, cancel)?.map(Arc::new)),
    };
    let kind = match &comparison {
        Some(Ok(c)) if settings.pick_best_model => c.best.unwrap_or(settings.model),
        _ => settings.model,
    };
    let (distinct, row_of) = fit::compress_indexed(&summaries);
    let (model, log_likelihood) = match fit_purchases(kind, &distinct, cancel)? {
        Ok(fitted) => fitted,
        Err(reason) => return Ok(Err(reason)),
    };
    let spend = if !has_amount {
        SpendModel::Unavailable(t!("No amount column is mapped, so there is no spend to model; expected purchases are shown without CLV.").into())
    } else {
        let pairs: Vec<(f64, f64)> = summaries
            .iter()
            .filter_map(|s| Some((s.frequency as f64, s.monetary_value?)))
            .collect();
        let fitted = GammaGamma::fit(&pairs, cancel);
        cancel.check()?;
        match fitted {
            Some((model, log_likelihood, customers)) if model.q > 1.0 => SpendModel::Fitted {
                model,
                log_likelihood,
                customers,
                intervals: intervals::intervals(&["p", "q", "gamma"], &[model.p, model.q, model.gamma], |v| {
                    let candidate = GammaGamma { p: v[0], q: v[1], gamma: v[2] };
                    pairs.iter().map(|(x, m)| candidate.log_likelihood(*x, *m)).sum()
                }),
            },
            Some(_) => SpendModel::Unavailable(t!("The spend of repeat purchases varies so much that the Gamma-Gamma model has no finite average (q ≤ 1); CLV is not shown.").into()),
            None => SpendModel::Unavailable(t!("Fewer than two customers have repeat purchases with a positive amount, so the spend model cannot be fitted.").into()),
        }
    };
    Ok(Ok(FittedModels {
        settings: settings.clone(),
        as_of,
        calibration_end: end,
        model,
        log_likelihood,
        spend,
        comparison,
        parameter_intervals: model.intervals(&distinct),
        fit_ms: started.elapsed().as_millis(),
        summaries,
        distinct,
        row_of,
    }))
}

/// Every customer's prediction from fitted models.
pub fn score(
    fitted: &FittedModels,
    settings: &ScoreSettings,
    cancel: &Cancel,
) -> Result<ModelFit, Cancelled> {
    let started = Instant::now();
    let rows = score_rows(fitted, settings, cancel)?;
    let fit_settings = &fitted.settings;
    Ok(ModelFit {
        settings: ClvSettings {
            model: fitted.model.kind(),
            pick_best_model: fit_settings.pick_best_model,
            calibration_end: fit_settings.calibration_end,
            holdout_weeks: fit_settings.holdout_weeks,
            horizon_weeks: settings.horizon_weeks,
            clv_months: settings.clv_months,
            discount_rate_monthly: settings.discount_rate_monthly,
            ..ClvSettings::default()
        },
        as_of: fitted.as_of,
        calibration_end: fitted.calibration_end,
        model: fitted.model,
        log_likelihood: fitted.log_likelihood,
        customers: fitted.summaries.len(),
        distinct_rows: fitted.distinct.len(),
        spend: fitted.spend.clone(),
        rows,
        comparison: fitted.comparison.clone(),
        fit_ms: fitted.fit_ms + started.elapsed().as_millis(),
        parameter_intervals: fitted.parameter_intervals.clone(),
    })
}

/// Fits and scores in one go, for callers that need no reuse (benchmarks).
pub fn fit_and_score(
    history: &History,
    has_amount: bool,
    settings: &ClvSettings,
    as_of: NaiveDate,
) -> Result<ModelFit, String> {
    let never = Cancel::never();
    let fitted = fit(history, has_amount, &settings.fit_part(), as_of, &never)
        .map_err(|c| c.to_string())??;
    score(&fitted, &settings.score_part(), &never).map_err(|c| c.to_string())
}

/// Σₖ₌₁..M (E[X(30k days)] − E[X(30(k−1) days)]) / (1 + d)^k: the
/// discounted purchases that, times the expected spend, make the CLV.
pub fn discounted_purchases(
    model: &Fitted,
    c: Rft,
    months: u32,
    discount_rate_monthly: f64,
) -> f64 {
    model.p_alive(c) * discounted_purchases_if_alive(model, c, months, discount_rate_monthly)
}

/// `discounted_purchases` ÷ P(alive), which depends on x and T only.
fn discounted_purchases_if_alive(
    model: &Fitted,
    c: Rft,
    months: u32,
    discount_rate_monthly: f64,
) -> f64 {
    let mut total = 0.0;
    let mut previous = 0.0;
    for k in 1..=months {
        let t_weeks = 30.0 * k as f64 / DAYS_PER_WEEK;
        let cumulative = model.purchases_if_alive(c, t_weeks);
        total += (cumulative - previous) / (1.0 + discount_rate_monthly).powi(k as i32);
        previous = cumulative;
    }
    total
}

/// The distinct (x, T) of `rows`, sorted, and the index of each row's.
fn frequency_and_age(rows: &[fit::WeightedRow]) -> (Vec<(u32, i32)>, Vec<u32>) {
    let mut pairs: Vec<(u32, i32)> = rows.iter().map(|r| (r.key.0, r.key.2)).collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    let index = rows
        .iter()
        .map(|r| pairs.binary_search(&(r.key.0, r.key.2)).unwrap_or(0) as u32)
        .collect();
    (pairs, index)
}

/// A customer with `x` repeat purchases and age T, for the parts of the
/// predictions that do not depend on recency.
fn rft_of_pair((x, age_days): (u32, i32)) -> Rft {
    Rft {
        x: x as f64,
        t_x: 0.0,
        t: age_days as f64 / DAYS_PER_WEEK,
    }
}

/// Per distinct (x, t_x, T): P(alive), the purchases expected over the
/// horizon and the discounted purchases that make the CLV. Customers with
/// the same history get the same predictions, so each is scored once, and
/// what depends on (x, T) alone once per pair.
fn row_predictions(
    model: &Fitted,
    distinct: &[fit::WeightedRow],
    settings: &ScoreSettings,
) -> Vec<(f64, f64, f64)> {
    let (pairs, pair_of_row) = frequency_and_age(distinct);
    let if_alive: Vec<(f64, f64)> = pairs
        .par_iter()
        .map(|&pair| {
            let c = rft_of_pair(pair);
            (
                model.purchases_if_alive(c, settings.horizon_weeks as f64),
                discounted_purchases_if_alive(
                    model,
                    c,
                    settings.clv_months,
                    settings.discount_rate_monthly,
                ),
            )
        })
        .collect();
    distinct
        .par_iter()
        .zip(&pair_of_row)
        .map(|(row, pair)| {
            let p_alive = model.p_alive(row.rft);
            let (expected, discounted) = if_alive
                .get(*pair as usize)
                .copied()
                .unwrap_or((f64::NAN, f64::NAN));
            (p_alive, p_alive * expected, p_alive * discounted)
        })
        .collect()
}

fn score_rows(
    fitted: &FittedModels,
    settings: &ScoreSettings,
    cancel: &Cancel,
) -> Result<Vec<ClvRow>, Cancelled> {
    let (summaries, distinct, row_of, model) = (
        &fitted.summaries,
        &fitted.distinct,
        &fitted.row_of,
        &fitted.model,
    );
    let spend_model = match &fitted.spend {
        SpendModel::Fitted { model, .. } => Some(*model),
        SpendModel::Unavailable(_) => None,
    };
    let earlier_p_alive: Vec<Option<f64>> = summaries
        .par_iter()
        .map(|s| {
            s.month_earlier.map(|(x, recency_days, age_days)| {
                model.p_alive(Rft {
                    x: x as f64,
                    t_x: recency_days as f64 / DAYS_PER_WEEK,
                    t: age_days as f64 / DAYS_PER_WEEK,
                })
            })
        })
        .collect();
    cancel.check()?;
    let predictions = row_predictions(model, distinct, settings);
    cancel.check()?;
    Ok(summaries
        .par_iter()
        .zip(row_of)
        .zip(earlier_p_alive)
        .map(|((s, row), before)| {
            let c = Rft::of(s);
            let (p_alive, expected_purchases, discounted) = predictions
                .get(*row as usize)
                .copied()
                .unwrap_or((f64::NAN, f64::NAN, f64::NAN));
            let expected_avg_spend = spend_model.map(|m| m.expected_spend(c.x, s.monetary_value));
            ClvRow {
                customer_id: s.customer_id.clone(),
                customer: s.customer,
                frequency: s.frequency,
                recency_weeks: c.t_x,
                t_weeks: c.t,
                monetary_value: s.monetary_value,
                p_alive,
                expected_purchases,
                expected_avg_spend,
                clv: expected_avg_spend.map(|spend| spend * discounted),
                p_alive_30_days_earlier: before,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// New analyses use the best model on the holdout; one saved before
    /// the comparison existed keeps the model it was saved with.
    #[test]
    fn saved_settings_without_the_choice_keep_their_model() {
        assert!(ClvSettings::default().pick_best_model);
        let old: ClvSettings =
            serde_json::from_str(r#"{"model": "ParetoNbd", "holdout_weeks": 26}"#).unwrap();
        assert_eq!(old.model, ModelKind::ParetoNbd);
        assert!(!old.pick_best_model);
    }
}
