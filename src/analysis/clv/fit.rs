//! Maximum likelihood: Nelder–Mead (argmin) on the logarithms of the
//! parameters, as the `lifetimes` library does, restarted from its own
//! optimum until a restart no longer improves it.
//!
//! Customers with the same (x, t_x, T) in whole days contribute the same
//! likelihood, so they are counted once with a weight; on a million
//! customers this leaves a fraction of the rows, and each likelihood
//! evaluation runs over them on all cores.

use std::sync::Mutex;

use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::neldermead::NelderMead;
use argmin::solver::quasinewton::{BFGS, LBFGS};
use rayon::prelude::*;

use super::summary::{CustomerSummary, DAYS_PER_WEEK};
use super::{PurchaseModel, Rft};
use crate::analysis::cancel::Cancel;

const MAX_ITERATIONS: u64 = 4_000;
/// Iterations of L-BFGS: well-posed fits converge in a few dozen; a log the
/// model does not describe leads it along a flat ridge of the likelihood
/// (parameters running off to extremes while the likelihood changes in the
/// ninth digit), which more iterations would only follow further.
const MAX_SMOOTH_ITERATIONS: u64 = 150;
const MAX_RESTARTS: usize = 6;
/// A restart that improves the mean log-likelihood by less than this ends the search.
const IMPROVEMENT_TOLERANCE: f64 = 1e-10;

/// One distinct calibration summary and how many customers share it.
#[derive(Clone, Copy, Debug)]
pub struct WeightedRow {
    pub rft: Rft,
    pub weight: f64,
    /// (x, t_x in days, T in days).
    pub key: (u32, i32, i32),
}

/// Distinct (x, t_x, T) rows with their customer counts, sorted by key.
pub fn compress(customers: &[CustomerSummary]) -> Vec<WeightedRow> {
    compress_indexed(customers).0
}

/// As `compress`, with the row of each customer. Grouping sorts packed
/// keys instead of hashing them: a million customers take a few
/// milliseconds on all cores.
pub fn compress_indexed(customers: &[CustomerSummary]) -> (Vec<WeightedRow>, Vec<u32>) {
    let mut keyed: Vec<((u32, i32, i32), u32)> = customers
        .iter()
        .enumerate()
        .map(|(i, c)| ((c.frequency, c.recency_days, c.age_days), i as u32))
        .collect();
    keyed.par_sort_unstable();
    let mut rows: Vec<WeightedRow> = Vec::new();
    let mut row_of = vec![0u32; customers.len()];
    for &(key, customer) in &keyed {
        if rows.last().is_none_or(|row| row.key != key) {
            let (x, recency, age) = key;
            rows.push(WeightedRow {
                key,
                rft: Rft {
                    x: x as f64,
                    t_x: recency as f64 / DAYS_PER_WEEK,
                    t: age as f64 / DAYS_PER_WEEK,
                },
                weight: 0.0,
            });
        }
        if let Some(row) = rows.last_mut() {
            row.weight += 1.0;
        }
        row_of[customer as usize] = (rows.len() - 1) as u32;
    }
    (rows, row_of)
}

/// Every distinct (x, days) that the rows' recency or age take, and for
/// each row the slots of its (x, t_x) and (x, T): parts of a likelihood
/// that depend on one of those pairs are computed once per pair.
pub struct DayPairs {
    pub pairs: Vec<(u32, i32)>,
    /// Per row: (slot of (x, recency days), slot of (x, age days)).
    pub slots: Vec<(u32, u32)>,
}

impl DayPairs {
    pub fn of(rows: &[WeightedRow]) -> DayPairs {
        let mut pairs: Vec<(u32, i32)> = rows
            .iter()
            .flat_map(|r| [(r.key.0, r.key.1), (r.key.0, r.key.2)])
            .collect();
        pairs.par_sort_unstable();
        pairs.dedup();
        let slot = |pair: (u32, i32)| pairs.binary_search(&pair).unwrap_or(0) as u32;
        let slots = rows
            .iter()
            .map(|r| (slot((r.key.0, r.key.1)), slot((r.key.0, r.key.2))))
            .collect();
        DayPairs { pairs, slots }
    }
}

/// The total log-likelihood of the rows under `model`, row by row. Sums
/// over threads are added up in a fixed order (chunks of fixed size, then
/// the chunks in turn): rayon's own reduction pairs them as the threads
/// happen to split the work, and the last digits then differ from run to
/// run, enough to move a refit's optimum and a range's printed digits.
pub fn total_log_likelihood<M: PurchaseModel>(model: &M, rows: &[WeightedRow]) -> f64 {
    let max_x = rows.iter().map(|r| r.rft.x as usize).max().unwrap_or(0);
    let frequency_terms: Vec<f64> = (0..=max_x)
        .map(|x| model.frequency_term(x as f64))
        .collect();
    rows.par_chunks(2048)
        .map(|chunk| {
            chunk
                .iter()
                .map(|row| {
                    let term = frequency_terms
                        .get(row.rft.x as usize)
                        .copied()
                        .unwrap_or(f64::NAN);
                    row.weight * model.log_likelihood_given(row.rft, term)
                })
                .sum::<f64>()
        })
        .collect::<Vec<f64>>()
        .iter()
        .sum()
}

/// The parameters that maximise the likelihood, and that likelihood.
///
/// Stops early, with `None`, once `cancel` says the fit is no longer wanted.
pub fn fit_purchase_model<M: PurchaseModel>(
    rows: &[WeightedRow],
    cancel: &Cancel,
) -> Option<(M, f64)> {
    fit_purchase_model_from(rows, &vec![0.0; M::NAMES.len()], Search::Wide, None, cancel)
}

/// As [`fit_purchase_model`] with a bounded search (see [`Search::Bounded`]).
pub fn fit_purchase_model_bounded<M: PurchaseModel>(
    rows: &[WeightedRow],
    cancel: &Cancel,
) -> Option<(M, f64)> {
    fit_purchase_model_from(
        rows,
        &vec![0.0; M::NAMES.len()],
        Search::Bounded,
        None,
        cancel,
    )
}

/// As [`fit_purchase_model`], searching near `start` (the logarithms of
/// the parameters): a refit on resampled customers starts from the fit on
/// all of them, a few small steps from its optimum, so Nelder–Mead starts
/// with a small simplex and is not restarted.
pub fn fit_purchase_model_near<M: PurchaseModel>(
    rows: &[WeightedRow],
    start: &[f64],
    cancel: &Cancel,
) -> Option<(M, f64)> {
    fit_purchase_model_from(rows, start, Search::Near, None, cancel)
}

/// Refits from `start` (the log-parameters of a fit on similar customers)
/// by BFGS whose first curvature is `inverse_hessian`, the inverse Hessian
/// of the mean negative log-likelihood at `start`: the first step is then
/// close to Newton's, and a handful of evaluations of the likelihood and
/// its gradient (the model's own, or central differences) reach the
/// optimum where Nelder–Mead from a small simplex takes hundreds. Falls
/// back to Nelder–Mead near `start` when BFGS fails.
pub fn refit_purchase_model<M: PurchaseModel>(
    rows: &[WeightedRow],
    start: &[f64],
    inverse_hessian: &[Vec<f64>],
    cancel: &Cancel,
) -> Option<(M, f64)> {
    fit_purchase_model_from(rows, start, Search::Near, Some(inverse_hessian), cancel)
}

/// The gradient of `cost` at `point` by central differences.
fn central_differences(cost: &dyn Fn(&[f64]) -> f64, point: &[f64]) -> Vec<f64> {
    const STEP: f64 = 1e-5;
    (0..point.len())
        .map(|i| {
            let mut shifted = point.to_vec();
            shifted[i] = point[i] + STEP;
            let up = cost(&shifted);
            shifted[i] = point[i] - STEP;
            (up - cost(&shifted)) / (2.0 * STEP)
        })
        .collect()
}

/// BFGS (argmin, Moré–Thuente line search) from `start` with a given
/// first inverse Hessian; `None` when the search fails.
fn minimise_bfgs(
    objective: &SmoothObjective<'_>,
    start: &[f64],
    inverse_hessian: &[Vec<f64>],
    cancel: &Cancel,
) -> Option<Vec<f64>> {
    let progress = Mutex::new(Progress::default());
    let problem = Smooth::starting(objective, start, cancel, &progress)?;
    let solver = BFGS::new(MoreThuenteLineSearch::new())
        .with_tolerance_grad(1e-7)
        .ok()?
        .with_tolerance_cost(1e-14)
        .ok()?;
    let result = Executor::new(problem, solver)
        .configure(|state| {
            state
                .param(start.to_vec())
                .inv_hessian(inverse_hessian.to_vec())
                .max_iters(MAX_SMOOTH_ITERATIONS)
        })
        .run()
        .ok()?;
    let state = result.state();
    let best = state.get_best_param()?.clone();
    state.get_best_cost().is_finite().then_some(best)
}

/// How far from its optimum a search starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Search {
    /// Anywhere: a wide first simplex, restarted until no better.
    Wide,
    /// Close by: one run from a small simplex.
    Near,
    /// Anywhere, one run of at most `BOUNDED_ITERATIONS`: for the models
    /// compared on a holdout, where a log one of them does not describe
    /// (everyone buying at the same even pace) sends Nelder–Mead along a
    /// ridge for minutes; well-posed fits converge long before.
    Bounded,
}

const BOUNDED_ITERATIONS: u64 = 1_500;

/// The fit from `start`: L-BFGS where the model has an analytic gradient,
/// BFGS from `curvature` (an inverse Hessian) when given, with central
/// differences where it has none; Nelder–Mead as `search` says otherwise or
/// when those fail.
fn fit_purchase_model_from<M: PurchaseModel>(
    rows: &[WeightedRow],
    start: &[f64],
    search: Search,
    curvature: Option<&[Vec<f64>]>,
    cancel: &Cancel,
) -> Option<(M, f64)> {
    let customers: f64 = rows.iter().map(|r| r.weight).sum();
    if customers == 0.0 {
        return None;
    }
    let pairs = DayPairs::of(rows);
    let cost = |log_params: &[f64]| -> f64 {
        let params: Vec<f64> = log_params.iter().map(|p| p.exp()).collect();
        match M::from_params(&params) {
            Some(model) => -model.log_likelihood_of_rows(rows, &pairs) / customers,
            None => f64::INFINITY,
        }
    };
    let smooth = |log_params: &[f64]| -> Option<(f64, Vec<f64>)> {
        let params: Vec<f64> = log_params.iter().map(|p| p.exp()).collect();
        let model = M::from_params(&params)?;
        if let Some((ll, gradient)) = model.log_likelihood_and_gradient(rows) {
            return Some((
                -ll / customers,
                gradient.iter().map(|g| -g / customers).collect(),
            ));
        }
        curvature?;
        Some((cost(log_params), central_differences(&cost, log_params)))
    };
    let smoothly = match curvature {
        Some(inverse_hessian) => minimise_bfgs(&smooth, start, inverse_hessian, cancel),
        None => minimise_smooth(&smooth, start, cancel),
    };
    let best = match smoothly {
        Some(best) => best,
        None => minimise_from(&cost, start.to_vec(), search, cancel)?.0,
    };
    let model = M::from_params(&best.iter().map(|p| p.exp()).collect::<Vec<_>>())?;
    let log_likelihood = model.log_likelihood_of_rows(rows, &pairs);
    log_likelihood
        .is_finite()
        .then_some((model, log_likelihood))
}

/// A mean negative log-likelihood and its gradient in log-parameters, or
/// `None` where they cannot be evaluated.
pub type SmoothObjective<'a> = dyn Fn(&[f64]) -> Option<(f64, Vec<f64>)> + Sync + 'a;

/// Evaluates the objective once per point although argmin asks for the
/// cost and the gradient separately.
struct Smooth<'a, 'b> {
    objective: &'a SmoothObjective<'b>,
    last: Mutex<Option<Evaluated>>,
    cancel: &'a Cancel,
    progress: &'a Mutex<Progress>,
}

/// Evaluations in a row that may improve the cost by less than
/// `STALL_TOLERANCE` (relative, in all) before the search ends: a model
/// that does not describe a log sends L-BFGS along a flat ridge of the
/// likelihood, where it would spend hundreds of evaluations on the ninth
/// digit while the parameters run off to extremes. Well-posed fits end on
/// their gradient long before.
const STALL_EVALUATIONS: usize = 20;
const STALL_TOLERANCE: f64 = 1e-10;

/// The best point seen, and the evaluations since the cost last improved
/// by more than `STALL_TOLERANCE`.
#[derive(Default)]
struct Progress {
    best: Option<(Vec<f64>, f64)>,
    reference: f64,
    since: usize,
    stalled: bool,
}

impl Progress {
    fn record(&mut self, log_params: &[f64], cost: f64) {
        if !cost.is_finite() {
            self.since += 1;
        } else if self.best.is_none() {
            self.best = Some((log_params.to_vec(), cost));
            self.reference = cost;
        } else {
            if self.best.as_ref().is_some_and(|(_, best)| cost < *best) {
                self.best = Some((log_params.to_vec(), cost));
            }
            if cost < self.reference - STALL_TOLERANCE * self.reference.abs() {
                self.reference = cost;
                self.since = 0;
            } else {
                self.since += 1;
            }
        }
        self.stalled = self.since >= STALL_EVALUATIONS;
    }
}

/// A point, the cost there and the gradient there.
type Evaluated = (Vec<f64>, f64, Vec<f64>);

impl<'a, 'b> Smooth<'a, 'b> {
    /// The problem for argmin's quasi-Newton solvers; `None` when the
    /// objective cannot be evaluated at `start`.
    fn starting(
        objective: &'a SmoothObjective<'b>,
        start: &[f64],
        cancel: &'a Cancel,
        progress: &'a Mutex<Progress>,
    ) -> Option<Self> {
        let problem = Smooth {
            objective,
            last: Mutex::new(None),
            cancel,
            progress,
        };
        problem.evaluate(start).0.is_finite().then_some(problem)
    }

    fn evaluate(&self, log_params: &[f64]) -> (f64, Vec<f64>) {
        if let Ok(last) = self.last.lock()
            && let Some((at, cost, gradient)) = last.as_ref()
            && at.as_slice() == log_params
        {
            return (*cost, gradient.clone());
        }
        let (cost, gradient) = match (self.objective)(log_params) {
            Some((cost, g)) if cost.is_finite() && g.iter().all(|v| v.is_finite()) => (cost, g),
            _ => (f64::INFINITY, vec![0.0; log_params.len()]),
        };
        if let Ok(mut progress) = self.progress.lock() {
            progress.record(log_params, cost);
        }
        if let Ok(mut last) = self.last.lock() {
            *last = Some((log_params.to_vec(), cost, gradient.clone()));
        }
        (cost, gradient)
    }
}

impl CostFunction for Smooth<'_, '_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, param: &Self::Param) -> Result<f64, argmin::core::Error> {
        stop_if_cancelled(self.cancel)?;
        let cost = self.evaluate(param).0;
        if self.progress.lock().is_ok_and(|p| p.stalled) {
            return Err(argmin::core::Error::msg("no progress"));
        }
        Ok(cost)
    }
}

impl Gradient for Smooth<'_, '_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, param: &Self::Param) -> Result<Vec<f64>, argmin::core::Error> {
        stop_if_cancelled(self.cancel)?;
        Ok(self.evaluate(param).1)
    }
}

/// L-BFGS (argmin, Moré–Thuente line search) from `start`; `None` when the
/// search fails, so that Nelder–Mead can take over.
pub fn minimise_smooth(
    objective: &SmoothObjective<'_>,
    start: &[f64],
    cancel: &Cancel,
) -> Option<Vec<f64>> {
    let progress = Mutex::new(Progress::default());
    let problem = Smooth::starting(objective, start, cancel, &progress)?;
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
        .with_tolerance_grad(1e-9)
        .ok()?
        .with_tolerance_cost(1e-15)
        .ok()?;
    let run = Executor::new(problem, solver)
        .configure(|state| state.param(start.to_vec()).max_iters(MAX_SMOOTH_ITERATIONS))
        .run();
    match run {
        Ok(result) => {
            let state = result.state();
            let best = state.get_best_param()?.clone();
            state.get_best_cost().is_finite().then_some(best)
        }
        // Stopped on a flat ridge: the best point seen is as good as any.
        Err(_) => {
            let progress = progress.into_inner().ok()?;
            progress
                .best
                .filter(|_| progress.stalled)
                .map(|(best, _)| best)
        }
    }
}

/// Minimises `cost` from `start` (in log-parameter space); returns the best
/// point and its cost.
pub fn minimise(
    cost: &(dyn Fn(&[f64]) -> f64 + Sync),
    start: Vec<f64>,
    cancel: &Cancel,
) -> Option<(Vec<f64>, f64)> {
    minimise_from(cost, start, Search::Wide, cancel)
}

pub fn minimise_from(
    cost: &(dyn Fn(&[f64]) -> f64 + Sync),
    start: Vec<f64>,
    search: Search,
    cancel: &Cancel,
) -> Option<(Vec<f64>, f64)> {
    let mut best = start;
    let mut best_cost = finite_or_infinite(cost(&best));
    let (mut step, runs, tolerance) = match search {
        Search::Wide => (0.5, MAX_RESTARTS, 1e-12),
        Search::Bounded => (0.5, 1, 1e-12),
        // A refit's parameters need a few digits, not twelve: at this
        // spread of the simplex they are within about 1e-4 of the optimum.
        Search::Near => (0.05, 1, 1e-9),
    };
    for _ in 0..runs {
        let iterations = if search == Search::Bounded {
            BOUNDED_ITERATIONS
        } else {
            MAX_ITERATIONS
        };
        let (point, value) = nelder_mead(cost, &best, step, tolerance, iterations, cancel)?;
        let improvement = best_cost - value;
        if value < best_cost {
            best = point;
            best_cost = value;
        }
        if improvement.is_finite() && improvement < IMPROVEMENT_TOLERANCE {
            break;
        }
        step = 0.1;
    }
    best_cost.is_finite().then_some((best, best_cost))
}

fn finite_or_infinite(v: f64) -> f64 {
    if v.is_finite() { v } else { f64::INFINITY }
}

struct Objective<'a> {
    cost: &'a (dyn Fn(&[f64]) -> f64 + Sync),
    cancel: &'a Cancel,
}

/// An optimiser run ends at its next evaluation once the fit is no longer
/// wanted; the caller then tells a cancelled fit from a failed one.
fn stop_if_cancelled(cancel: &Cancel) -> Result<(), argmin::core::Error> {
    match cancel.check() {
        Ok(()) => Ok(()),
        Err(cancelled) => Err(argmin::core::Error::msg(cancelled.to_string())),
    }
}

impl CostFunction for Objective<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, param: &Self::Param) -> Result<f64, argmin::core::Error> {
        // argmin's Nelder–Mead unwraps the costs of its first simplex, so
        // an error there would panic: a fit no longer wanted sees infinite
        // costs, ends within microseconds, and its caller checks the flag.
        if self.cancel.is_cancelled() {
            return Ok(f64::INFINITY);
        }
        Ok(finite_or_infinite((self.cost)(param)))
    }
}

fn nelder_mead(
    cost: &(dyn Fn(&[f64]) -> f64 + Sync),
    start: &[f64],
    step: f64,
    sd_tolerance: f64,
    max_iterations: u64,
    cancel: &Cancel,
) -> Option<(Vec<f64>, f64)> {
    let mut simplex = vec![start.to_vec()];
    for i in 0..start.len() {
        let mut vertex = start.to_vec();
        vertex[i] += step;
        simplex.push(vertex);
    }
    let solver = NelderMead::new(simplex)
        .with_sd_tolerance(sd_tolerance)
        .ok()?;
    let result = Executor::new(Objective { cost, cancel }, solver)
        .configure(|state| state.max_iters(max_iterations))
        .run()
        .ok()?;
    let state = result.state();
    let point = state.get_best_param()?.clone();
    Some((point, state.get_best_cost()))
}
