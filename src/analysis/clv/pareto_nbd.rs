//! The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987), with the
//! likelihood of Fader & Hardie's note "A note on deriving the Pareto/NBD
//! model and related expressions" (2005): purchases at a Poisson rate
//! λ ~ Gamma(r, α) until an exponential lifetime with rate μ ~ Gamma(s, β)
//! ends.

use serde::Serialize;

use super::special::{ln_add_exp, ln_gamma, ln_hyp2f1_a_b_a1, ln_sub_exp};
use super::{PurchaseModel, Rft};

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ParetoNbd {
    pub r: f64,
    pub alpha: f64,
    pub s: f64,
    pub beta: f64,
}

impl ParetoNbd {
    /// ln A₀ of the note: the chance of having died between t_x and T, as
    /// the difference of two 2F1 terms, taken with α and β ordered so that
    /// the argument lies in [0, 1).
    fn ln_a0(&self, c: Rft) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let (max, b) = if alpha < beta {
            (beta, r + c.x)
        } else {
            (alpha, s + 1.0)
        };
        let gap = (alpha - beta).abs();
        let rsx = r + s + c.x;
        let term = |age: f64| -> Option<f64> {
            let q = max + age;
            Some(ln_hyp2f1_a_b_a1(rsx, b, gap / q)? - rsx * q.ln())
        };
        match (term(c.t_x), term(c.t)) {
            (Some(at_last), Some(at_end)) => ln_sub_exp(at_last, at_end),
            _ => f64::NAN,
        }
    }

    fn ln_p_alive_odds(&self, c: Rft) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *self;
        s.ln() - (r + s + c.x).ln()
            + (r + c.x) * (alpha + c.t).ln()
            + s * (beta + c.t).ln()
            + self.ln_a0(c)
    }
}

impl PurchaseModel for ParetoNbd {
    const NAMES: &'static [&'static str] = &["r", "alpha", "s", "beta"];

    fn from_params(p: &[f64]) -> Option<Self> {
        let &[r, alpha, s, beta] = p else { return None };
        [r, alpha, s, beta]
            .iter()
            .all(|v| v.is_finite() && *v > 0.0)
            .then_some(ParetoNbd { r, alpha, s, beta })
    }

    fn params(&self) -> Vec<f64> {
        vec![self.r, self.alpha, self.s, self.beta]
    }

    fn frequency_term(&self, x: f64) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *self;
        ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + s * beta.ln()
    }

    fn log_likelihood_given(&self, c: Rft, frequency_term: f64) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let alive = -(r + c.x) * (alpha + c.t).ln() - s * (beta + c.t).ln();
        let died = s.ln() + self.ln_a0(c) - (r + s + c.x).ln();
        frequency_term + ln_add_exp(alive, died)
    }

    fn p_alive(&self, c: Rft) -> f64 {
        1.0 / (1.0 + self.ln_p_alive_odds(c).exp())
    }

    /// E[X(t) | x, t_x, T] (Fader & Hardie's note, eq. 23) without its
    /// factor P(alive).
    fn purchases_if_alive(&self, c: Rft, t: f64) -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        let ParetoNbd { r, alpha, s, beta } = *self;
        let x = c.x;
        // (r + x)(β + T) / ((α + T)(s − 1)) × (1 − ((β + T)/(β + T + t))^(s − 1)).
        let ln_ratio = ((beta + c.t) / (beta + c.t + t)).ln();
        let survival_part = if (s - 1.0).abs() < 1e-9 {
            (-ln_ratio).ln()
        } else {
            (-((s - 1.0) * ln_ratio).exp_m1() / (s - 1.0)).ln()
        };
        let ln_rate = (r + x).ln() + (beta + c.t).ln() - (alpha + c.t).ln();
        (ln_rate + survival_part).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CDNOW: ParetoNbd = ParetoNbd {
        r: 0.553,
        alpha: 10.578,
        s: 0.606,
        beta: 11.669,
    };

    /// lifetimes 0.11.3 ParetoNBDFitter with these parameters:
    /// (expected purchases in t weeks, P(alive), conditional log-likelihood).
    #[test]
    fn match_lifetimes() {
        let cases = [
            (
                Rft {
                    x: 2.0,
                    t_x: 30.43,
                    t: 38.86,
                },
                39.0,
                1.455_123_193_257_601_9,
                0.869_167_559_153_011_1,
                -9.554_283_245_150_407,
            ),
            (
                Rft {
                    x: 0.0,
                    t_x: 0.0,
                    t: 38.86,
                },
                39.0,
                0.107_081_468_215_308_92,
                0.295_286_604_616_894_43,
                -0.521_046_294_080_890_9,
            ),
            (
                Rft {
                    x: 7.0,
                    t_x: 35.0,
                    t: 38.0,
                },
                10.0,
                1.399_740_374_501_229_6,
                0.952_839_625_687_500_5,
                -21.691_734_150_854_224,
            ),
        ];
        for (c, t, purchases, alive, ll) in cases {
            let rel = |got: f64, want: f64| (got - want).abs() <= 1e-9 * want.abs();
            assert!(
                rel(CDNOW.expected_purchases(c, t), purchases),
                "{c:?}: {}",
                CDNOW.expected_purchases(c, t)
            );
            assert!(rel(CDNOW.p_alive(c), alive), "{c:?}: {}", CDNOW.p_alive(c));
            assert!(
                rel(CDNOW.log_likelihood(c), ll),
                "{c:?}: {}",
                CDNOW.log_likelihood(c)
            );
        }
    }

    #[test]
    fn bought_on_the_last_day_is_alive() {
        let c = Rft {
            x: 3.0,
            t_x: 20.0,
            t: 20.0,
        };
        assert_eq!(CDNOW.p_alive(c), 1.0);
        assert!(CDNOW.log_likelihood(c).is_finite());
    }

    #[test]
    fn hard_inputs_stay_finite() {
        let lopsided = ParetoNbd {
            r: 0.5,
            alpha: 0.05,
            s: 0.6,
            beta: 80.0,
        };
        for model in [CDNOW, lopsided] {
            for c in [
                Rft {
                    x: 5000.0,
                    t_x: 300.0,
                    t: 300.0,
                },
                Rft {
                    x: 0.0,
                    t_x: 0.0,
                    t: 5000.0,
                },
                Rft {
                    x: 1.0,
                    t_x: 0.1,
                    t: 5000.0,
                },
                Rft {
                    x: 300.0,
                    t_x: 1.0,
                    t: 2000.0,
                },
            ] {
                let p = model.p_alive(c);
                let e = model.expected_purchases(c, 52.0);
                let ll = model.log_likelihood(c);
                assert!(
                    p.is_finite() && (0.0..=1.0).contains(&p),
                    "{model:?} {c:?}: {p}"
                );
                assert!(e.is_finite() && e >= 0.0, "{model:?} {c:?}: {e}");
                assert!(ll.is_finite(), "{model:?} {c:?}: {ll}");
            }
        }
    }
}
