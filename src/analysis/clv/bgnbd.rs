//! The BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the
//! easy way"): while alive a customer buys at a Poisson rate λ ~ Gamma(r, α);
//! after every purchase they drop out with probability p ~ Beta(a, b).

use serde::Serialize;

use super::special::{hyp2f1, ln_add_exp, ln_gamma};
use super::{PurchaseModel, Rft};

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BgNbd {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
}

impl PurchaseModel for BgNbd {
    const NAMES: &'static [&'static str] = &["r", "alpha", "a", "b"];

    fn from_params(p: &[f64]) -> Option<Self> {
        let [r, alpha, a, b] = family_params(p)?;
        Some(BgNbd { r, alpha, a, b })
    }

    fn params(&self) -> Vec<f64> {
        vec![self.r, self.alpha, self.a, self.b]
    }

    /// A1 + A2 of the likelihood: the parts that depend on x only.
    fn frequency_term(&self, x: f64) -> f64 {
        let BgNbd { r, alpha, a, b } = *self;
        ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + ln_gamma(a + b) + ln_gamma(b + x)
            - ln_gamma(b)
            - ln_gamma(a + b + x)
    }

    fn log_likelihood_given(&self, c: Rft, frequency_term: f64) -> f64 {
        let BgNbd { r, alpha, a, b } = *self;
        let a3 = -(r + c.x) * (alpha + c.t).ln();
        if c.x == 0.0 {
            return frequency_term + a3;
        }
        let a4 = a.ln() - (b + c.x - 1.0).ln() - (r + c.x) * (alpha + c.t_x).ln();
        frequency_term + ln_add_exp(a3, a4)
    }

    fn log_likelihood_and_gradient(
        &self,
        rows: &[super::fit::WeightedRow],
    ) -> Option<(f64, Vec<f64>)> {
        let (ll, gradient) = log_likelihood_and_gradient(self, rows);
        Some((ll, gradient.to_vec()))
    }

    /// 1 for customers who never came back: under BG/NBD a customer can
    /// only drop out right after a purchase.
    fn p_alive(&self, c: Rft) -> f64 {
        if c.x == 0.0 {
            return 1.0;
        }
        let BgNbd { r, alpha, a, b } = *self;
        let ln_odds =
            a.ln() - (b + c.x - 1.0).ln() + (r + c.x) * ((alpha + c.t) / (alpha + c.t_x)).ln();
        1.0 / (1.0 + ln_odds.exp())
    }

    /// E[X(t) | x, t_x, T] (their equation 10) without its division by
    /// 1 + a/(b+x−1)·((α+T)/(α+t_x))^(r+x), which is multiplying by P(alive).
    fn purchases_if_alive(&self, c: Rft, t: f64) -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        let BgNbd { r, alpha, a, b } = *self;
        purchases_while_alive(r, a, c.x, a + b + c.x - 1.0, t / (alpha + c.t + t))
    }
}

/// The largest beta shape (a, b) the BG/NBD family is fitted with. Beyond
/// it the dropout chance hardly varies between customers and the
/// likelihood is flat along a/(a + b) fixed, so an unbounded fit can drift
/// to shapes in the millions, where each prediction's hypergeometric series
/// needs as many terms (seen on the demo's holdout with the modified model:
/// a 609,666, b 1,962,348 and a minute of scoring).
const MAX_DROPOUT_SHAPE: f64 = 1000.0;

/// (r, α, a, b) when all are positive and finite and the beta shapes lie
/// within the bound: the parameters BG/NBD and the modified BG/NBD accept.
pub(super) fn family_params(p: &[f64]) -> Option<[f64; 4]> {
    let &[r, alpha, a, b] = p else { return None };
    ([r, alpha, a, b].iter().all(|v| v.is_finite() && *v > 0.0)
        && a <= MAX_DROPOUT_SHAPE
        && b <= MAX_DROPOUT_SHAPE)
        .then_some([r, alpha, a, b])
}

/// The purchases a customer alive now makes in the next t, shared by BG/NBD
/// (C = a + b + x − 1) and the modified BG/NBD (C = a + b + x), with
/// z = t/(α + T + t): C/(a − 1) · (1 − (1 − z)^(r+x) · 2F1(r + x, C − a + 1; C; z)).
pub(super) fn purchases_while_alive(r: f64, a: f64, x: f64, big_c: f64, z: f64) -> f64 {
    let ln_one_minus_z = (-z).ln_1p();
    if (a - 1.0).abs() < 1e-9 {
        // The limit a → 1 of C/(a − 1) · (1 − H).
        return big_c * (-ln_one_minus_z - derivative_of_g_at_a1(big_c, r, x, z));
    }
    // H = (1 − z)^(r + x) · 2F1(r + x, C − a + 1; C; z), summed directly
    // when C − (r + x) − (C − a + 1) = a − 1 − r − x ≥ 0 (terms shrink like
    // those of a convergent series at z = 1), otherwise after Euler's
    // transformation: (1 − z)^(a − 1) · 2F1(C − r − x, a − 1; C; z).
    let h = if a - 1.0 - r - x >= 0.0 {
        hyp2f1(r + x, big_c - a + 1.0, big_c, z).map(|f| ((r + x) * ln_one_minus_z).exp() * f)
    } else {
        hyp2f1(big_c - r - x, a - 1.0, big_c, z).map(|g| ((a - 1.0) * ln_one_minus_z).exp() * g)
    };
    match h {
        Some(h) => big_c / (a - 1.0) * (1.0 - h),
        None => f64::NAN,
    }
}

/// d/da of 2F1(C − r − x, a − 1; C; z) at a = 1, where every term but the
/// first carries the factor (a − 1): Σₙ≥₁ (C−r−x)ₙ (n−1)! / ((C)ₙ n!) zⁿ.
fn derivative_of_g_at_a1(big_c: f64, r: f64, x: f64, z: f64) -> f64 {
    let first = big_c - r - x;
    let mut sum = 0.0;
    let mut rising = 1.0;
    for n in 1..100_000 {
        let k = (n - 1) as f64;
        rising *= (first + k) / (big_c + k) * z;
        let term = rising / n as f64;
        sum += term;
        if term.abs() < 1e-16 * sum.abs().max(1e-300) {
            break;
        }
    }
    sum
}

/// The BG/NBD log-likelihood of weighted rows and its gradient with respect
/// to the logarithms of (r, α, a, b), for quasi-Newton fitting.
///
/// The digamma differences of the gradient are finite sums, since x is a
/// whole number: ψ(r + x) − ψ(r) = Σₖ₌₀..ₓ₋₁ 1/(r + k). Logarithms of α
/// plus a number of days are taken once per distinct day count.
pub fn log_likelihood_and_gradient(
    model: &BgNbd,
    rows: &[super::fit::WeightedRow],
) -> (f64, [f64; 4]) {
    use rayon::prelude::*;
    let BgNbd { r, alpha, a, b } = *model;
    let max_x = rows.iter().map(|row| row.key.0).max().unwrap_or(0) as usize;
    let max_day = rows
        .iter()
        .map(|row| row.key.2.max(row.key.1))
        .max()
        .unwrap_or(0)
        .max(0) as usize;
    let ln_alpha_plus: Vec<f64> = (0..=max_day)
        .map(|d| (alpha + d as f64 / super::summary::DAYS_PER_WEEK).ln())
        .collect();
    let inverse_alpha_plus: Vec<f64> = (0..=max_day)
        .map(|d| 1.0 / (alpha + d as f64 / super::summary::DAYS_PER_WEEK))
        .collect();
    // Per x: A1 + A2 − ln(b + x − 1) (its share of A4), and the
    // frequency parts of ∂/∂r, ∂/∂a, ∂/∂b.
    struct PerX {
        constant: f64,
        ln_b_x_1: f64,
        d_r: f64,
        d_a: f64,
        d_b: f64,
    }
    let mut per_x = Vec::with_capacity(max_x + 1);
    let (mut sum_r, mut sum_b, mut sum_ab) = (0.0, 0.0, 0.0);
    for x in 0..=max_x {
        if x > 0 {
            let k = (x - 1) as f64;
            sum_r += 1.0 / (r + k);
            sum_b += 1.0 / (b + k);
            sum_ab += 1.0 / (a + b + k);
        }
        per_x.push(PerX {
            constant: model.frequency_term(x as f64),
            ln_b_x_1: if x > 0 {
                (b + x as f64 - 1.0).ln()
            } else {
                0.0
            },
            d_r: sum_r + alpha.ln(),
            d_a: -sum_ab,
            d_b: sum_b - sum_ab,
        });
    }
    let ln_a = a.ln();
    let (ll, g) = rows
        .par_chunks(4096)
        .map(|chunk| {
            let mut ll = 0.0;
            let mut g = [0.0; 4];
            for row in chunk {
                let (x, recency, age) = row.key;
                let (Some(p), Some(&ln_t), Some(&ln_tx), Some(&inv_t), Some(&inv_tx)) = (
                    per_x.get(x as usize),
                    ln_alpha_plus.get(age as usize),
                    ln_alpha_plus.get(recency as usize),
                    inverse_alpha_plus.get(age as usize),
                    inverse_alpha_plus.get(recency as usize),
                ) else {
                    return (f64::NAN, g);
                };
                let rx = r + x as f64;
                let a3 = -rx * ln_t;
                let (value, w) = if x == 0 {
                    (a3, 0.0)
                } else {
                    let a4 = ln_a - p.ln_b_x_1 - rx * ln_tx;
                    let d = a4 - a3;
                    if d > 0.0 {
                        let e = (-d).exp();
                        (a4 + e.ln_1p(), 1.0 / (1.0 + e))
                    } else {
                        let e = d.exp();
                        (a3 + e.ln_1p(), e / (1.0 + e))
                    }
                };
                let weight = row.weight;
                ll += weight * (p.constant + value);
                g[0] += weight * (p.d_r - (1.0 - w) * ln_t - w * ln_tx);
                g[1] += weight * (r / alpha - rx * ((1.0 - w) * inv_t + w * inv_tx));
                g[2] += weight * (p.d_a + w / a);
                g[3] += weight * (p.d_b - if x > 0 { w / (b + x as f64 - 1.0) } else { 0.0 });
            }
            (ll, g)
        })
        .collect::<Vec<_>>()
        .into_iter()
        // In a fixed order: see `fit::total_log_likelihood`.
        .fold((0.0, [0.0; 4]), |(l1, g1), (l2, g2)| {
            (l1 + l2, std::array::from_fn(|i| g1[i] + g2[i]))
        });
    // Chain rule to the log-parameters: ∂/∂ln θ = θ ∂/∂θ.
    (ll, [g[0] * r, g[1] * alpha, g[2] * a, g[3] * b])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The CDNOW parameters of the paper.
    const CDNOW: BgNbd = BgNbd {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
    };

    #[test]
    fn p_alive_is_one_without_repeat_purchases() {
        let c = Rft {
            x: 0.0,
            t_x: 0.0,
            t: 38.86,
        };
        assert_eq!(CDNOW.p_alive(c), 1.0);
    }

    #[test]
    fn expected_purchases_match_lifetimes() {
        // lifetimes 0.11.3 BetaGeoFitter with these parameters:
        // conditional_expected_number_of_purchases_up_to_time(39, 2, 30.43, 38.86) etc.
        let cases = [
            (
                Rft {
                    x: 2.0,
                    t_x: 30.43,
                    t: 38.86,
                },
                39.0,
                1.226_028_174_767_135,
            ),
            (
                Rft {
                    x: 0.0,
                    t_x: 0.0,
                    t: 38.86,
                },
                39.0,
                0.195_098_052_011_253_96,
            ),
            (
                Rft {
                    x: 7.0,
                    t_x: 35.0,
                    t: 38.0,
                },
                10.0,
                1.372_355_297_840_043,
            ),
        ];
        for (c, t, expected) in cases {
            let got = CDNOW.expected_purchases(c, t);
            assert!(
                (got - expected).abs() < 1e-9 * expected,
                "{c:?}: {got} vs {expected}"
            );
        }
    }

    const HUGE_AB_EXPECTED: f64 = 0.511_786_893_878_721_2;

    /// A fit can run off to a point-mass dropout probability (a and b in
    /// the millions, a / (a + b) fixed); predictions must still be finite.
    /// Reference: lifetimes 0.11.3 with these parameters.
    #[test]
    fn huge_beta_parameters() {
        let model = BgNbd {
            r: 0.56,
            alpha: 9.95,
            a: 1_208_300.0,
            b: 4_097_325.0,
        };
        let c = Rft {
            x: 3.0,
            t_x: 20.0,
            t: 40.0,
        };
        let got = model.expected_purchases(c, 26.0);
        assert!(
            (got - HUGE_AB_EXPECTED).abs() < 1e-6 * HUGE_AB_EXPECTED,
            "{got}"
        );
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let rows: Vec<super::super::fit::WeightedRow> =
            [(0, 0, 200), (2, 150, 270), (5, 60, 90), (1, 10, 10)]
                .iter()
                .map(|&(x, recency, age)| super::super::fit::WeightedRow {
                    rft: Rft {
                        x: x as f64,
                        t_x: recency as f64 / 7.0,
                        t: age as f64 / 7.0,
                    },
                    weight: 1.0 + x as f64,
                    key: (x, recency, age),
                })
                .collect();
        let (ll, gradient) = log_likelihood_and_gradient(&CDNOW, &rows);
        let direct: f64 = rows
            .iter()
            .map(|row| row.weight * CDNOW.log_likelihood(row.rft))
            .sum();
        assert!((ll - direct).abs() < 1e-9, "{ll} vs {direct}");
        let params = CDNOW.params();
        for i in 0..4 {
            let h = 1e-6;
            let shifted = |delta: f64| {
                let mut p = params.clone();
                p[i] *= delta.exp();
                let m = BgNbd::from_params(&p).unwrap();
                rows.iter()
                    .map(|row| row.weight * m.log_likelihood(row.rft))
                    .sum::<f64>()
            };
            let numeric = (shifted(h) - shifted(-h)) / (2.0 * h);
            assert!(
                (gradient[i] - numeric).abs() < 1e-5 * numeric.abs().max(1.0),
                "{i}: {} vs {numeric}",
                gradient[i]
            );
        }
    }

    /// At a = 1 the formula is 0/0; its limit must join both sides.
    #[test]
    fn continuous_through_a_equal_one() {
        let c = Rft {
            x: 3.0,
            t_x: 20.0,
            t: 40.0,
        };
        let at = |a: f64| {
            BgNbd {
                r: 0.5,
                alpha: 5.0,
                a,
                b: 2.5,
            }
            .expected_purchases(c, 26.0)
        };
        let (below, exact, above) = (at(1.0 - 1e-6), at(1.0), at(1.0 + 1e-6));
        assert!(
            (below - exact).abs() < 1e-5 && (above - exact).abs() < 1e-5,
            "{below} {exact} {above}"
        );
    }

    #[test]
    fn hard_inputs_stay_finite() {
        for c in [
            Rft {
                x: 5000.0,
                t_x: 300.0,
                t: 300.0,
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
            let p = CDNOW.p_alive(c);
            let e = CDNOW.expected_purchases(c, 52.0);
            let ll = CDNOW.log_likelihood(c);
            assert!(p.is_finite() && (0.0..=1.0).contains(&p), "{c:?}: {p}");
            assert!(e.is_finite() && e >= 0.0, "{c:?}: {e}");
            assert!(ll.is_finite(), "{c:?}: {ll}");
        }
    }
}
