//! Maximum likelihood: Nelder–Mead (argmin) on the logarithms of the
//! parameters, as the `lifetimes` library does, restarted from its own
//! optimum until a restart no longer improves it.
//!
//! Customers with the same (x, t_x, T) in whole days contribute the same
//! likelihood, so they are counted once with a weight; on a million
//! customers this leaves a fraction of the rows, and each likelihood
//! evaluation runs over them on all cores.

use std::collections::HashMap;

use argmin::core::{CostFunction, Executor, State};
use argmin::solver::neldermead::NelderMead;
use rayon::prelude::*;

use super::summary::{CustomerSummary, DAYS_PER_WEEK};
use super::{PurchaseModel, Rft};

const MAX_ITERATIONS: u64 = 4_000;
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

/// Distinct (x, t_x, T) rows with their customer counts.
pub fn compress(customers: &[CustomerSummary]) -> Vec<WeightedRow> {
    let mut counts: HashMap<(u32, i32, i32), u32> = HashMap::new();
    for c in customers {
        *counts
            .entry((c.frequency, c.recency_days, c.age_days))
            .or_default() += 1;
    }
    let mut rows: Vec<WeightedRow> = counts
        .into_iter()
        .map(|((x, recency, age), n)| WeightedRow {
            key: (x, recency, age),
            rft: Rft {
                x: x as f64,
                t_x: recency as f64 / DAYS_PER_WEEK,
                t: age as f64 / DAYS_PER_WEEK,
            },
            weight: n as f64,
        })
        .collect();
    // A fixed order keeps the floating-point sums, and so the fit, repeatable.
    rows.sort_unstable_by_key(|r| r.key);
    rows
}

/// The total log-likelihood of the rows under `model`.
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
        .sum()
}

/// The parameters that maximise the likelihood, and that likelihood.
pub fn fit_purchase_model<M: PurchaseModel>(rows: &[WeightedRow]) -> Option<(M, f64)> {
    let customers: f64 = rows.iter().map(|r| r.weight).sum();
    if customers == 0.0 {
        return None;
    }
    let cost = |log_params: &[f64]| -> f64 {
        let params: Vec<f64> = log_params.iter().map(|p| p.exp()).collect();
        match M::from_params(&params) {
            Some(model) => -total_log_likelihood(&model, rows) / customers,
            None => f64::INFINITY,
        }
    };
    let (best, _) = minimise(&cost, vec![0.0; M::NAMES.len()])?;
    let model = M::from_params(&best.iter().map(|p| p.exp()).collect::<Vec<_>>())?;
    let log_likelihood = total_log_likelihood(&model, rows);
    log_likelihood
        .is_finite()
        .then_some((model, log_likelihood))
}

/// Minimises `cost` from `start` (in log-parameter space); returns the best
/// point and its cost.
pub fn minimise(cost: &(dyn Fn(&[f64]) -> f64 + Sync), start: Vec<f64>) -> Option<(Vec<f64>, f64)> {
    let mut best = start;
    let mut best_cost = finite_or_infinite(cost(&best));
    let mut step = 0.5;
    for _ in 0..MAX_RESTARTS {
        let (point, value) = nelder_mead(cost, &best, step)?;
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
}

impl CostFunction for Objective<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, param: &Self::Param) -> Result<f64, argmin::core::Error> {
        Ok(finite_or_infinite((self.cost)(param)))
    }
}

fn nelder_mead(
    cost: &(dyn Fn(&[f64]) -> f64 + Sync),
    start: &[f64],
    step: f64,
) -> Option<(Vec<f64>, f64)> {
    let mut simplex = vec![start.to_vec()];
    for i in 0..start.len() {
        let mut vertex = start.to_vec();
        vertex[i] += step;
        simplex.push(vertex);
    }
    let solver = NelderMead::new(simplex).with_sd_tolerance(1e-12).ok()?;
    let result = Executor::new(Objective { cost }, solver)
        .configure(|state| state.max_iters(MAX_ITERATIONS))
        .run()
        .ok()?;
    let state = result.state();
    let point = state.get_best_param()?.clone();
    Some((point, state.get_best_cost()))
}
