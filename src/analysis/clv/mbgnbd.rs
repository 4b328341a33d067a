//! The modified BG/NBD model (Batislam, Denizel & Filiztekin 2007,
//! "Empirical validation and comparison of models for customer base
//! analysis"): as BG/NBD, but a customer can also drop out right after the
//! first purchase, before any repeat one. One-time buyers then get a
//! P(alive) below 1 that falls with the time since their purchase, which
//! BG/NBD (where they are always alive) cannot give. The formulas are those
//! of the `lifetimes` library's ModifiedBetaGeoFitter.

use serde::Serialize;

use super::bgnbd::{family_params, purchases_while_alive};
use super::special::{ln_add_exp, ln_gamma};
use super::{PurchaseModel, Rft};

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ModifiedBgNbd {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
}

impl PurchaseModel for ModifiedBgNbd {
    const NAMES: &'static [&'static str] = &["r", "alpha", "a", "b"];

    fn from_params(p: &[f64]) -> Option<Self> {
        let [r, alpha, a, b] = family_params(p)?;
        Some(ModifiedBgNbd { r, alpha, a, b })
    }

    fn params(&self) -> Vec<f64> {
        vec![self.r, self.alpha, self.a, self.b]
    }

    /// The parts that depend on x only: the NBD counts and the beta terms
    /// of x + 1 chances to drop out.
    fn frequency_term(&self, x: f64) -> f64 {
        let ModifiedBgNbd { r, alpha, a, b } = *self;
        ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + ln_gamma(a + b) + ln_gamma(b + x + 1.0)
            - ln_gamma(b)
            - ln_gamma(a + b + x + 1.0)
    }

    /// Alive through T, or dropped out after the last purchase at t_x
    /// (possible at x = 0 too, unlike BG/NBD).
    fn log_likelihood_given(&self, c: Rft, frequency_term: f64) -> f64 {
        let ModifiedBgNbd { r, alpha, a, b } = *self;
        let alive = -(r + c.x) * (alpha + c.t).ln();
        let dropped = a.ln() - (b + c.x).ln() - (r + c.x) * (alpha + c.t_x).ln();
        frequency_term + ln_add_exp(alive, dropped)
    }

    fn p_alive(&self, c: Rft) -> f64 {
        let ModifiedBgNbd { r, alpha, a, b } = *self;
        let ln_odds = a.ln() - (b + c.x).ln() + (r + c.x) * ((alpha + c.t) / (alpha + c.t_x)).ln();
        1.0 / (1.0 + ln_odds.exp())
    }

    /// E[X(t) | x, t_x, T] before the factor P(alive): (a + b + x)/(a − 1)
    /// · (1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r + x, b + x + 1; a + b + x; z)).
    fn purchases_if_alive(&self, c: Rft, t: f64) -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        let ModifiedBgNbd { r, alpha, a, b } = *self;
        purchases_while_alive(r, a, c.x, a + b + c.x, t / (alpha + c.t + t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against the closed forms at a point computed by hand (lifetimes'
    /// formulas evaluated in Python with scipy).
    #[test]
    fn one_time_buyers_can_be_gone() {
        let model = ModifiedBgNbd {
            r: 0.5,
            alpha: 6.0,
            a: 0.9,
            b: 1.6,
        };
        let once = Rft {
            x: 0.0,
            t_x: 0.0,
            t: 38.0,
        };
        // 1 / (1 + a/b · ((α+T)/α)^r) = 1 / (1 + 0.5625 · (44/6)^0.5)
        let expected = 1.0 / (1.0 + 0.9 / 1.6 * (44.0_f64 / 6.0).sqrt());
        assert!((model.p_alive(once) - expected).abs() < 1e-12);
        assert!(model.p_alive(once) < 1.0);
        let later = Rft { t: 76.0, ..once };
        assert!(model.p_alive(later) < model.p_alive(once));
    }
}
