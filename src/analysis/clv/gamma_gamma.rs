//! The Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"):
//! a customer's spend per purchase varies around their own mean, which
//! varies across customers; spend and purchase frequency are independent.

use serde::Serialize;

use rayon::prelude::*;
use statrs::function::gamma::digamma;

use super::fit::{minimise, minimise_smooth};
use super::special::ln_gamma;
use crate::analysis::cancel::Cancel;

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct GammaGamma {
    pub p: f64,
    pub q: f64,
    pub gamma: f64,
}

impl GammaGamma {
    fn from_params(params: &[f64]) -> Option<GammaGamma> {
        let &[p, q, gamma] = params else { return None };
        [p, q, gamma]
            .iter()
            .all(|v| v.is_finite() && *v > 0.0)
            .then_some(GammaGamma { p, q, gamma })
    }

    /// ln f(m̄ | x) for a customer with x repeat purchases of mean spend m̄.
    pub fn log_likelihood(&self, x: f64, mean_spend: f64) -> f64 {
        let GammaGamma { p, q, gamma } = *self;
        let px = p * x;
        ln_gamma(px + q) - ln_gamma(px) - ln_gamma(q)
            + q * gamma.ln()
            + (px - 1.0) * mean_spend.ln()
            + px * x.ln()
            - (px + q) * (x * mean_spend + gamma).ln()
    }

    /// E[M] of the population: γ p / (q − 1); infinite when q ≤ 1.
    pub fn population_mean(&self) -> f64 {
        if self.q <= 1.0 {
            return f64::INFINITY;
        }
        self.gamma * self.p / (self.q - 1.0)
    }

    /// E[M | x, m̄]: a weighted mean of the population's mean and the
    /// customer's own, the weight growing with their purchases.
    pub fn expected_spend(&self, x: f64, mean_spend: Option<f64>) -> f64 {
        let population = self.population_mean();
        match mean_spend {
            Some(m) if x > 0.0 => {
                let weight = self.p * x / (self.p * x + self.q - 1.0);
                (1.0 - weight) * population + weight * m
            }
            _ => population,
        }
    }

    /// Fits on the customers with x > 0 and a positive mean spend; returns
    /// the model, its log-likelihood and how many customers it was fitted on.
    pub fn fit(customers: &[(f64, f64)], cancel: &Cancel) -> Option<(GammaGamma, f64, usize)> {
        GammaGamma::fit_from(customers, &[0.0; 3], cancel)
    }

    /// As [`GammaGamma::fit`], searching from `start` (the logarithms of p,
    /// q and γ): L-BFGS, which needs no smaller first step when close.
    pub fn fit_from(
        customers: &[(f64, f64)],
        start: &[f64],
        cancel: &Cancel,
    ) -> Option<(GammaGamma, f64, usize)> {
        let rows = SpendRows::new(customers);
        if rows.customers < 2.0 {
            return None;
        }
        let n = rows.customers;
        let smooth = |log_params: &[f64]| -> Option<(f64, Vec<f64>)> {
            let params: Vec<f64> = log_params.iter().map(|p| p.exp()).collect();
            let (ll, gradient) =
                rows.log_likelihood_and_gradient(&GammaGamma::from_params(&params)?);
            Some((-ll / n, gradient.iter().map(|g| -g / n).collect()))
        };
        let cost = |log_params: &[f64]| smooth(log_params).map_or(f64::INFINITY, |(c, _)| c);
        let best = match minimise_smooth(&smooth, start, cancel) {
            Some(best) => best,
            None => minimise(&cost, start.to_vec(), cancel)?.0,
        };
        let model = GammaGamma::from_params(&best.iter().map(|p| p.exp()).collect::<Vec<_>>())?;
        let (ll, _) = rows.log_likelihood_and_gradient(&model);
        ll.is_finite()
            .then_some((model, ll, rows.customers as usize))
    }
}

/// The spend rows, grouped: customers with the same x and mean spend count
/// once with a weight, and everything that depends on x alone is
/// computed once per x.
struct SpendRows {
    /// (x, mean spend, ln mean spend, customers)
    rows: Vec<(u32, f64, f64, f64)>,
    max_x: usize,
    customers: f64,
}

impl SpendRows {
    fn new(customers: &[(f64, f64)]) -> SpendRows {
        // Positive finite floats sort like their bit patterns.
        let mut keys: Vec<(u32, u64)> = customers
            .iter()
            .filter(|(x, m)| *x >= 1.0 && *m > 0.0 && m.is_finite())
            .map(|&(x, m)| (x as u32, m.to_bits()))
            .collect();
        keys.par_sort_unstable();
        let mut rows: Vec<(u32, f64, f64, f64)> = Vec::new();
        for (x, bits) in keys {
            match rows.last_mut() {
                Some(last) if last.0 == x && last.1.to_bits() == bits => last.3 += 1.0,
                _ => {
                    let m = f64::from_bits(bits);
                    rows.push((x, m, m.ln(), 1.0));
                }
            }
        }
        SpendRows {
            max_x: rows.iter().map(|r| r.0 as usize).max().unwrap_or(0),
            customers: rows.iter().map(|r| r.3).sum(),
            rows,
        }
    }

    /// The total log-likelihood and its gradient with respect to
    /// (ln p, ln q, ln γ).
    fn log_likelihood_and_gradient(&self, model: &GammaGamma) -> (f64, [f64; 3]) {
        let GammaGamma { p, q, gamma } = *model;
        let (ln_gamma_q, digamma_q, ln_v) = (ln_gamma(q), digamma(q), gamma.ln());
        // Per x: the terms of x alone and their derivatives.
        let per_x: Vec<(f64, f64, f64)> = (0..=self.max_x)
            .map(|x| {
                if x == 0 {
                    return (0.0, 0.0, 0.0);
                }
                let (x, px) = (x as f64, p * x as f64);
                let constant =
                    ln_gamma(px + q) - ln_gamma(px) - ln_gamma_q + q * ln_v + px * x.ln();
                let d_p = x * (digamma(px + q) - digamma(px)) + x * x.ln();
                let d_q = digamma(px + q) - digamma_q + ln_v;
                (constant, d_p, d_q)
            })
            .collect();
        let (ll, g) = self
            .rows
            .par_chunks(4096)
            .map(|chunk| {
                let mut ll = 0.0;
                let mut g = [0.0; 3];
                for &(x, m, ln_m, n) in chunk {
                    let (constant, d_p, d_q) = per_x[x as usize];
                    let x = x as f64;
                    let px = p * x;
                    let total = x * m + gamma;
                    let ln_total = total.ln();
                    ll += n * (constant + (px - 1.0) * ln_m - (px + q) * ln_total);
                    g[0] += n * (d_p + x * ln_m - x * ln_total);
                    g[1] += n * (d_q - ln_total);
                    g[2] += n * (q / gamma - (px + q) / total);
                }
                (ll, g)
            })
            .collect::<Vec<_>>()
            .into_iter()
            // In a fixed order: see `fit::total_log_likelihood`.
            .fold((0.0, [0.0; 3]), |(l1, g1), (l2, g2)| {
                (l1 + l2, std::array::from_fn(|i| g1[i] + g2[i]))
            });
        (ll, [g[0] * p, g[1] * q, g[2] * gamma])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        let data = [
            (1.0, 20.0),
            (2.0, 35.5),
            (2.0, 35.5),
            (5.0, 12.25),
            (1.0, 80.0),
        ];
        let rows = SpendRows::new(&data);
        let model = GammaGamma {
            p: 6.25,
            q: 3.74,
            gamma: 15.44,
        };
        let (ll, gradient) = rows.log_likelihood_and_gradient(&model);
        let direct: f64 = data.iter().map(|&(x, m)| model.log_likelihood(x, m)).sum();
        assert!((ll - direct).abs() < 1e-9, "{ll} vs {direct}");
        for i in 0..3 {
            let h = 1e-6;
            let at = |delta: f64| {
                let mut params = [model.p, model.q, model.gamma];
                params[i] *= delta.exp();
                let m = GammaGamma::from_params(&params).unwrap();
                rows.log_likelihood_and_gradient(&m).0
            };
            let numeric = (at(h) - at(-h)) / (2.0 * h);
            assert!(
                (gradient[i] - numeric).abs() < 1e-5 * numeric.abs().max(1.0),
                "{i}: {} vs {numeric}",
                gradient[i]
            );
        }
    }

    #[test]
    fn conditional_mean_weights_the_customer_by_frequency() {
        let model = GammaGamma {
            p: 6.25,
            q: 3.74,
            gamma: 15.44,
        };
        let population = 15.44 * 6.25 / 2.74;
        assert!((model.expected_spend(0.0, None) - population).abs() < 1e-12);
        // lifetimes 0.11.3 conditional_expected_average_profit(2, 22.35).
        let w = 6.25 * 2.0 / (6.25 * 2.0 + 2.74);
        let expected = (1.0 - w) * population + w * 22.35;
        assert!((model.expected_spend(2.0, Some(22.35)) - expected).abs() < 1e-12);
        assert!((expected - 24.663_713_910_761_157).abs() < 1e-9);
    }
}
