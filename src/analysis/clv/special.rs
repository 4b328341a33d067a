//! The special functions the purchase models need: log-gamma and Gauss's
//! hypergeometric series.
//!
//! Log-gamma comes from `libm` (the Rust port of musl's libm). For 2F1 no
//! well-kept pure-Rust implementation exists; the C ones (Cephes through
//! `special-fun`, GSL) print to stdout or need a system library on every
//! laptop. The models only ever need 2F1 for 0 ≤ z < 1, and each caller first
//! applies Euler's transformation so that the series it sums here has
//! bounded terms; this function then sums it with an explicit bound on the
//! remainder and says when it could not reach full precision.

/// ln Γ(x) for x > 0.
pub fn ln_gamma(x: f64) -> f64 {
    libm::lgamma(x)
}

/// The most terms summed before giving up; at z = 0.999 the slowest
/// transformed series the models use needs about 40,000.
const MAX_TERMS: usize = 200_000;
/// Far below what any prediction needs (they are compared to 1e-9).
const RELATIVE_TOLERANCE: f64 = 1e-14;

/// Σ (a)ₙ (b)ₙ / ((c)ₙ n!) zⁿ for 0 ≤ z < 1, or `None` when the series does
/// not settle within the term budget (or c is a pole).
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Option<f64> {
    if !(0.0..1.0).contains(&z) || !a.is_finite() || !b.is_finite() || !c.is_finite() {
        return None;
    }
    if z == 0.0 {
        return Some(1.0);
    }
    let mut term = 1.0_f64;
    let mut sum = 1.0_f64;
    for n in 0..MAX_TERMS {
        let k = n as f64;
        let denominator = (c + k) * (k + 1.0);
        if denominator == 0.0 {
            return None;
        }
        let ratio = (a + k) * (b + k) / denominator * z;
        if ratio == 0.0 {
            return Some(sum);
        }
        term *= ratio;
        sum += term;
        if !sum.is_finite() {
            return None;
        }
        // Once the ratio of consecutive terms is below one and falling
        // towards z, the remainder is at most |term| × q / (1 − q).
        let q = ratio.abs().max(z);
        if q < 1.0 && term.abs() * q <= RELATIVE_TOLERANCE * sum.abs() * (1.0 - q) {
            return Some(sum);
        }
    }
    None
}

/// ln 2F1(a, b; a + 1; z) for a > 0, b > 0 and 0 ≤ z < 1, through Euler's
/// transformation (1 − z)^(1 − b) · 2F1(1, a + 1 − b; a + 1; z), whose terms
/// are all positive and shrink at least as fast as zⁿ.
pub fn ln_hyp2f1_a_b_a1(a: f64, b: f64, z: f64) -> Option<f64> {
    let series = hyp2f1(1.0, a + 1.0 - b, a + 1.0, z)?;
    (series > 0.0).then(|| (1.0 - b) * (-z).ln_1p() + series.ln())
}

/// ln(e^x − e^y) for x ≥ y; −∞ when they are equal.
pub fn ln_sub_exp(x: f64, y: f64) -> f64 {
    if y == f64::NEG_INFINITY {
        return x;
    }
    let d = y - x;
    if d >= 0.0 {
        return f64::NEG_INFINITY;
    }
    x + (-d.exp()).ln_1p()
}

/// ln(e^x + e^y).
pub fn ln_add_exp(x: f64, y: f64) -> f64 {
    let (hi, lo) = if x >= y { (x, y) } else { (y, x) };
    if lo == f64::NEG_INFINITY {
        return hi;
    }
    hi + (lo - hi).exp().ln_1p()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    /// Values from scipy.special.hyp2f1 1.17 (its Cephes-derived real 2F1).
    #[test]
    fn series_matches_reference_values() {
        let cases = [
            (0.5, 1.5, 2.5, 0.3, 1.108_062_551_056_932_4),
            (1.0, 1.0, 2.0, 0.5, 1.386_294_361_119_890_6),
            (2.3, 0.7, 5.1, 0.9, 1.545_124_581_534_471),
            (1.0, 10.5, 12.5, 0.99, 9.152_003_166_234_04),
        ];
        for (a, b, c, z, expected) in cases {
            let got = hyp2f1(a, b, c, z).expect("converges");
            assert!(
                close(got, expected, 1e-12),
                "2F1({a},{b};{c};{z}) = {got}, want {expected}"
            );
        }
    }

    #[test]
    fn closed_form_log() {
        // 2F1(1, 1; 2; z) = −ln(1 − z) / z.
        for z in [0.1, 0.5, 0.9, 0.999] {
            let expected = -(1.0_f64 - z).ln() / z;
            let got = hyp2f1(1.0, 1.0, 2.0, z).expect("converges");
            assert!(close(got, expected, 1e-10), "z {z}: {got} vs {expected}");
        }
    }

    #[test]
    fn euler_form_equals_direct_series() {
        for (a, b, z) in [(1.5, 0.6, 0.2), (20.0, 1.6, 0.7), (0.8, 3.0, 0.5)] {
            let direct = hyp2f1(a, b, a + 1.0, z).expect("converges").ln();
            let euler = ln_hyp2f1_a_b_a1(a, b, z).expect("converges");
            assert!(
                close(euler, direct, 1e-12),
                "{a} {b} {z}: {euler} vs {direct}"
            );
        }
    }

    #[test]
    fn refuses_outside_the_unit_interval() {
        assert_eq!(hyp2f1(1.0, 1.0, 2.0, 1.0), None);
        assert_eq!(hyp2f1(1.0, 1.0, 2.0, -0.5), None);
        assert_eq!(hyp2f1(1.0, 1.0, 0.0, 0.5), None);
    }

    #[test]
    fn log_exp_helpers() {
        assert!(close(
            ln_add_exp(1.0_f64.ln(), 2.0_f64.ln()),
            3.0_f64.ln(),
            1e-15
        ));
        assert!(ln_sub_exp(3.0_f64.ln(), 2.0_f64.ln()).abs() < 1e-15);
        assert_eq!(ln_sub_exp(1.0, 1.0), f64::NEG_INFINITY);
        assert_eq!(ln_add_exp(f64::NEG_INFINITY, 2.0), 2.0);
    }
}
