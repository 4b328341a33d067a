//! The Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"):
//! a customer's spend per purchase varies around their own mean, which
//! varies across customers; spend and purchase frequency are independent.

use serde::Serialize;

use super::fit::minimise;
use super::special::ln_gamma;

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
    pub fn fit(customers: &[(f64, f64)]) -> Option<(GammaGamma, f64, usize)> {
        let rows: Vec<(f64, f64)> = customers
            .iter()
            .copied()
            .filter(|&(x, m)| x > 0.0 && m > 0.0 && m.is_finite())
            .collect();
        if rows.len() < 2 {
            return None;
        }
        let n = rows.len() as f64;
        let total = |model: &GammaGamma| -> f64 {
            rows.iter().map(|&(x, m)| model.log_likelihood(x, m)).sum()
        };
        let cost = |log_params: &[f64]| -> f64 {
            let params: Vec<f64> = log_params.iter().map(|p| p.exp()).collect();
            GammaGamma::from_params(&params).map_or(f64::INFINITY, |m| -total(&m) / n)
        };
        let (best, _) = minimise(&cost, vec![0.0; 3])?;
        let model = GammaGamma::from_params(&best.iter().map(|p| p.exp()).collect::<Vec<_>>())?;
        let ll = total(&model);
        ll.is_finite().then_some((model, ll, rows.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
