//! Ranges for the totals a budget is planned with — expected purchases and
//! CLV per segment and for everyone — by refitting the models on customers
//! drawn with replacement (the bootstrap). The range says how far the
//! totals could move had a different sample of the same customers been
//! seen; it does not cover what no model of this data can know (a new
//! competitor, a price change).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use super::{
    Fitted, FittedModels, GammaGamma, PurchaseModel, ScoreSettings, SpendModel, fit, intervals,
    row_predictions,
};
use crate::analysis::cancel::{Cancel, Cancelled};

/// Resample `i` draws from a generator seeded with `SEED + i`, so that two
/// runs agree whatever order the threads take them in.
const SEED: u64 = 2026;

/// Below this many successful refits the 2.5 % and 97.5 % points would be
/// the extremes of a handful of draws, not a range.
pub const MIN_REFITS: usize = 20;

/// The models refitted on one resample of the customers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Replicate {
    pub model: Fitted,
    /// `None` when the fit on all customers has no spend model, or this
    /// resample's could not be fitted.
    pub spend: Option<GammaGamma>,
}

/// The refits of one bootstrap.
#[derive(Clone, Debug, PartialEq)]
pub struct Replicates {
    pub asked: u32,
    pub fits: Vec<Replicate>,
}

/// The 2.5 % and 97.5 % points of the resampled totals.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    pub low: f64,
    pub high: f64,
}

/// The ranges of one group's totals.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TotalRanges {
    pub expected_purchases: Range,
    pub clv: Option<Range>,
}

/// Refits the purchase and spend models `resamples` times, each on as many
/// customers as were fitted, drawn with replacement, starting from the fit
/// on all of them. A resample whose fit fails is left out.
pub fn resample(
    fitted: &FittedModels,
    resamples: u32,
    cancel: &Cancel,
) -> Result<Replicates, Cancelled> {
    let curvature = start_curvature(fitted);
    let fits: Vec<Option<Replicate>> = (0..resamples)
        .into_par_iter()
        .map(|i| {
            if cancel.is_cancelled() {
                return None;
            }
            refit(fitted, curvature.as_deref(), SEED + i as u64, cancel)
        })
        .collect();
    cancel.check()?;
    Ok(Replicates {
        asked: resamples,
        fits: fits.into_iter().flatten().collect(),
    })
}

/// The inverse Hessian of the mean negative log-likelihood of the fit on
/// all customers, in log-parameters: every resample's has about the same,
/// which lets its refit start with a Newton step.
fn start_curvature(fitted: &FittedModels) -> Option<Vec<Vec<f64>>> {
    fn of<M: PurchaseModel>(model: &M, rows: &[fit::WeightedRow]) -> Option<Vec<Vec<f64>>> {
        intervals::log_covariance(&model.params(), |p| {
            M::from_params(p).map_or(f64::NEG_INFINITY, |m| fit::total_log_likelihood(&m, rows))
        })
    }
    let rows = &fitted.distinct;
    let covariance = match &fitted.model {
        Fitted::BgNbd(m) => of(m, rows),
        Fitted::ParetoNbd(m) => of(m, rows),
        Fitted::ModifiedBgNbd(m) => of(m, rows),
    }?;
    // The covariance is the inverse of the summed information; the mean's
    // Hessian is that information over the customers.
    let customers = fitted.summaries.len() as f64;
    Some(
        covariance
            .into_iter()
            .map(|row| row.into_iter().map(|v| v * customers).collect())
            .collect(),
    )
}

fn refit(
    fitted: &FittedModels,
    curvature: Option<&[Vec<f64>]>,
    seed: u64,
    cancel: &Cancel,
) -> Option<Replicate> {
    let mut rng = StdRng::seed_from_u64(seed);
    let customers = fitted.summaries.len();
    let mut weights = vec![0.0; fitted.distinct.len()];
    let mut spends = Vec::new();
    for _ in 0..customers {
        let drawn = rng.random_range(0..customers);
        let row = *fitted.row_of.get(drawn)? as usize;
        *weights.get_mut(row)? += 1.0;
        let summary = fitted.summaries.get(drawn)?;
        if let Some(spend) = summary.monetary_value {
            spends.push((summary.frequency as f64, spend));
        }
    }
    let rows: Vec<fit::WeightedRow> = fitted
        .distinct
        .iter()
        .zip(&weights)
        .filter(|(_, weight)| **weight > 0.0)
        .map(|(row, weight)| fit::WeightedRow {
            weight: *weight,
            ..*row
        })
        .collect();
    let model = refit_purchases(&fitted.model, &rows, curvature, cancel)?;
    let spend = match &fitted.spend {
        SpendModel::Fitted { model, .. } => {
            let start = [model.p.ln(), model.q.ln(), model.gamma.ln()];
            GammaGamma::fit_from(&spends, &start, cancel)
                .map(|(m, _, _)| m)
                .filter(|m| m.q > 1.0)
        }
        SpendModel::Unavailable(_) => None,
    };
    Some(Replicate { model, spend })
}

fn refit_purchases(
    model: &Fitted,
    rows: &[fit::WeightedRow],
    curvature: Option<&[Vec<f64>]>,
    cancel: &Cancel,
) -> Option<Fitted> {
    let from = |params: Vec<f64>| -> Vec<f64> { params.iter().map(|p| p.ln()).collect() };
    fn refit_one<M: PurchaseModel>(
        start: &[f64],
        rows: &[fit::WeightedRow],
        curvature: Option<&[Vec<f64>]>,
        cancel: &Cancel,
    ) -> Option<M> {
        match curvature {
            Some(inverse_hessian) => {
                fit::refit_purchase_model::<M>(rows, start, inverse_hessian, cancel)
            }
            None => fit::fit_purchase_model_near::<M>(rows, start, cancel),
        }
        .map(|(m, _)| m)
    }
    Some(match model {
        Fitted::BgNbd(m) => Fitted::BgNbd(refit_one(&from(m.params()), rows, curvature, cancel)?),
        Fitted::ParetoNbd(m) => {
            Fitted::ParetoNbd(refit_one(&from(m.params()), rows, curvature, cancel)?)
        }
        Fitted::ModifiedBgNbd(m) => {
            Fitted::ModifiedBgNbd(refit_one(&from(m.params()), rows, curvature, cancel)?)
        }
    })
}

/// Most predictions (distinct histories × refits) kept between groupings:
/// 64 MB. Beyond, each grouping scores the refits again.
const MAX_KEPT_PREDICTIONS: usize = 4_000_000;

/// Every refit's predictions per distinct history (expected purchases and
/// discounted purchases), kept when they are few enough, so that another
/// grouping of the same customers sums them instead of scoring again.
pub struct RefitScores {
    kept: Option<Vec<Vec<(f64, f64)>>>,
}

impl RefitScores {
    pub fn new(
        fitted: &FittedModels,
        replicates: &Replicates,
        settings: &ScoreSettings,
        cancel: &Cancel,
    ) -> Result<RefitScores, Cancelled> {
        if fitted.distinct.len() * replicates.fits.len() > MAX_KEPT_PREDICTIONS {
            return Ok(RefitScores { kept: None });
        }
        let kept = replicates
            .fits
            .par_iter()
            .map(|replicate| {
                if cancel.is_cancelled() {
                    return Vec::new();
                }
                scored(&replicate.model, fitted, settings)
            })
            .collect();
        cancel.check()?;
        Ok(RefitScores { kept: Some(kept) })
    }
}

fn scored(model: &Fitted, fitted: &FittedModels, settings: &ScoreSettings) -> Vec<(f64, f64)> {
    row_predictions(model, &fitted.distinct, settings)
        .into_iter()
        .map(|(_, expected, discounted)| (expected, discounted))
        .collect()
}

/// The 95 % ranges of each group's total expected purchases and CLV, the
/// groups given as indices of the fitted customers; `None` for every group
/// when too few refits succeeded.
pub fn group_ranges(
    fitted: &FittedModels,
    replicates: &Replicates,
    scores: &RefitScores,
    settings: &ScoreSettings,
    groups: &[Vec<usize>],
    cancel: &Cancel,
) -> Result<Vec<Option<TotalRanges>>, Cancelled> {
    if replicates.fits.len() < MIN_REFITS {
        return Ok(vec![None; groups.len()]);
    }
    let with_spend = matches!(fitted.spend, SpendModel::Fitted { .. });
    // Per replicate, per group: (expected purchases, CLV).
    let totals: Vec<Vec<(f64, Option<f64>)>> = replicates
        .fits
        .par_iter()
        .enumerate()
        .map(|(b, replicate)| {
            if cancel.is_cancelled() {
                return Vec::new();
            }
            let computed;
            let predictions = match scores.kept.as_ref().and_then(|kept| kept.get(b)) {
                Some(kept) => kept,
                None => {
                    computed = scored(&replicate.model, fitted, settings);
                    &computed
                }
            };
            groups
                .iter()
                .map(|members| {
                    let mut purchases = 0.0;
                    let mut clv = replicate.spend.map(|_| 0.0);
                    for &i in members {
                        let (Some(row), Some(summary)) =
                            (fitted.row_of.get(i), fitted.summaries.get(i))
                        else {
                            continue;
                        };
                        let (expected, discounted) = predictions
                            .get(*row as usize)
                            .copied()
                            .unwrap_or((f64::NAN, f64::NAN));
                        purchases += expected;
                        if let (Some(total), Some(spend)) = (clv.as_mut(), replicate.spend) {
                            *total += spend
                                .expected_spend(summary.frequency as f64, summary.monetary_value)
                                * discounted;
                        }
                    }
                    (purchases, clv)
                })
                .collect()
        })
        .collect();
    cancel.check()?;
    Ok((0..groups.len())
        .map(|g| {
            let purchases: Vec<f64> = totals.iter().map(|t| t[g].0).collect();
            let clv: Vec<f64> = totals.iter().filter_map(|t| t[g].1).collect();
            Some(TotalRanges {
                expected_purchases: range_of(purchases)?,
                clv: if with_spend && clv.len() >= MIN_REFITS {
                    range_of(clv)
                } else {
                    None
                },
            })
        })
        .collect())
}

/// The 2.5 % and 97.5 % points, interpolated between the sorted values.
fn range_of(mut values: Vec<f64>) -> Option<Range> {
    values.retain(|v| v.is_finite());
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let position = q * (values.len() - 1) as f64;
        let (below, above) = (position.floor() as usize, position.ceil() as usize);
        values[below] + (values[above] - values[below]) * (position - below as f64)
    };
    Some(Range {
        low: at(0.025),
        high: at(0.975),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_interpolates_the_percentiles() {
        let values: Vec<f64> = (0..=40).rev().map(f64::from).collect();
        let range = range_of(values).unwrap();
        assert!((range.low - 1.0).abs() < 1e-12);
        assert!((range.high - 39.0).abs() < 1e-12);
        assert_eq!(range_of(vec![f64::NAN]), None);
    }
}
