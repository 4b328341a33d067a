//! The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987), with the
//! likelihood of Fader & Hardie's note "A note on deriving the Pareto/NBD
//! model and related expressions" (2005): purchases at a Poisson rate
//! λ ~ Gamma(r, α) until an exponential lifetime with rate μ ~ Gamma(s, β)
//! ends.

use serde::Serialize;

use super::special::{ln_add_exp, ln_gamma, ln_hyp2f1_a_b_a1, ln_sub_exp};
use rayon::prelude::*;

use super::fit::{DayPairs, WeightedRow};
use super::summary::DAYS_PER_WEEK;
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
        ln_sub_exp(self.a0_term(c.x, c.t_x), self.a0_term(c.x, c.t))
    }

    /// ln of one of A₀'s two terms, 2F1(r+s+x, b; r+s+x+1; |α−β|/(m+t)) ÷
    /// (m+t)^(r+s+x) with m = max(α, β): at t = t_x and at t = T. NaN when
    /// the series does not settle.
    fn a0_term(&self, x: f64, t: f64) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let (max, b) = if alpha < beta {
            (beta, r + x)
        } else {
            (alpha, s + 1.0)
        };
        let rsx = r + s + x;
        let q = max + t;
        ln_hyp2f1_a_b_a1(rsx, b, (alpha - beta).abs() / q).map_or(f64::NAN, |f| f - rsx * q.ln())
    }

    fn log_likelihood_from(&self, c: Rft, frequency_term: f64, ln_a0: f64) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let alive = -(r + c.x) * (alpha + c.t).ln() - s * (beta + c.t).ln();
        let died = s.ln() + ln_a0 - (r + s + c.x).ln();
        frequency_term + ln_add_exp(alive, died)
    }

    fn ln_p_alive_odds(&self, c: Rft) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *self;
        s.ln() - (r + s + c.x).ln()
            + (r + c.x) * (alpha + c.t).ln()
            + s * (beta + c.t).ln()
            + self.ln_a0(c)
    }
}

/// The largest ratio of the two scales, α and β, the model is fitted with.
/// A₀'s series at z = |α − β| / (max(α, β) + t) needs about 30 ÷ (1 − z)
/// terms, that is 30 × max ÷ min at t = 0: a log where customers hardly
/// drop out (yearly renewals) sends β towards infinity along a flat ridge,
/// each evaluation summing hundreds of thousands of terms per history
/// (minutes for 2,000 subscribers). Published fits lie far inside it
/// (CDNOW: 10.6 and 11.7).
const MAX_SCALE_RATIO: f64 = 1000.0;

impl PurchaseModel for ParetoNbd {
    const NAMES: &'static [&'static str] = &["r", "alpha", "s", "beta"];

    fn from_params(p: &[f64]) -> Option<Self> {
        let &[r, alpha, s, beta] = p else { return None };
        ([r, alpha, s, beta]
            .iter()
            .all(|v| v.is_finite() && *v > 0.0)
            && alpha.max(beta) <= MAX_SCALE_RATIO * alpha.min(beta))
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
        self.log_likelihood_from(c, frequency_term, self.ln_a0(c))
    }

    /// A₀'s terms depend on (x, t_x) and (x, T) only; each distinct pair's
    /// series is summed once per evaluation instead of once per row.
    fn log_likelihood_of_rows(&self, rows: &[WeightedRow], pairs: &DayPairs) -> f64 {
        let terms: Vec<f64> = pairs
            .pairs
            .par_iter()
            .map(|&(x, days)| self.a0_term(x as f64, days as f64 / DAYS_PER_WEEK))
            .collect();
        let max_x = rows.iter().map(|r| r.key.0).max().unwrap_or(0);
        let frequency_terms: Vec<f64> =
            (0..=max_x).map(|x| self.frequency_term(x as f64)).collect();
        rows.par_iter()
            .zip(&pairs.slots)
            .map(|(row, (at_last, at_end))| {
                let (Some(frequency), Some(last), Some(end)) = (
                    frequency_terms.get(row.key.0 as usize),
                    terms.get(*at_last as usize),
                    terms.get(*at_end as usize),
                ) else {
                    return f64::NAN;
                };
                row.weight * self.log_likelihood_from(row.rft, *frequency, ln_sub_exp(*last, *end))
            })
            .collect::<Vec<f64>>()
            .iter()
            .sum()
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
