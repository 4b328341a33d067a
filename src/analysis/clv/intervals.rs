//! Standard errors and 95 % intervals of fitted parameters, from the
//! observed information matrix: the negative Hessian of the log-likelihood
//! at the optimum, by central differences on the logarithms of the
//! parameters (none of the models has an analytic Hessian here), turned
//! into the parameters' own scale by the delta method. The 95 % intervals
//! are ± 1.96 standard errors on the log scale, so they stay positive and
//! follow the skew of weakly identified parameters (β of BG/NBD): on 200
//! simulated logs they cover the true values in 90.5–95.5 % of the logs
//! (examples/interval_coverage.rs), where estimate ± 1.96 standard errors,
//! as `lifetimes` reports them, covered a and b in only 89.5 %.

use serde::Serialize;

/// One parameter's estimate, standard error and 95 % interval; the error
/// and interval are `None` when the information matrix is not positive
/// definite (a flat likelihood in some direction).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParameterInterval {
    pub name: &'static str,
    pub value: f64,
    pub standard_error: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// Relative step of the differences in log space.
const STEP: f64 = 1e-4;
const Z_95: f64 = 1.959_963_984_540_054;

/// The intervals of `values` (named `names`) under `log_likelihood`.
pub fn intervals(
    names: &[&'static str],
    values: &[f64],
    log_likelihood: impl Fn(&[f64]) -> f64,
) -> Vec<ParameterInterval> {
    let covariance = log_covariance(values, log_likelihood);
    names
        .iter()
        .zip(values)
        .enumerate()
        .map(|(i, (name, value))| {
            let log_error = covariance
                .as_ref()
                .map(|c| c[i][i])
                .filter(|v| v.is_finite() && *v > 0.0)
                .map(f64::sqrt);
            ParameterInterval {
                name,
                value: *value,
                standard_error: log_error.map(|e| value * e),
                low: log_error.map(|e| value * (-Z_95 * e).exp()),
                high: log_error.map(|e| value * (Z_95 * e).exp()),
            }
        })
        .collect()
}

/// The covariance of the logarithms of `values`: the inverse of the
/// observed information there; `None` when it is not invertible.
pub fn log_covariance(
    values: &[f64],
    log_likelihood: impl Fn(&[f64]) -> f64,
) -> Option<Vec<Vec<f64>>> {
    let n = values.len();
    let logs: Vec<f64> = values.iter().map(|v| v.ln()).collect();
    let at = |shift: &[(usize, f64)]| {
        let mut point = logs.clone();
        for (i, d) in shift {
            point[*i] += d;
        }
        let natural: Vec<f64> = point.iter().map(|l| l.exp()).collect();
        log_likelihood(&natural)
    };
    let centre = at(&[]);
    let second = |i: usize, j: usize| {
        if i == j {
            (at(&[(i, STEP)]) - 2.0 * centre + at(&[(i, -STEP)])) / (STEP * STEP)
        } else {
            (at(&[(i, STEP), (j, STEP)])
                - at(&[(i, STEP), (j, -STEP)])
                - at(&[(i, -STEP), (j, STEP)])
                + at(&[(i, -STEP), (j, -STEP)]))
                / (4.0 * STEP * STEP)
        }
    };
    // The upper triangle, mirrored: the information matrix is symmetric.
    let upper: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| if j >= i { -second(i, j) } else { 0.0 })
                .collect()
        })
        .collect();
    let information: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| upper[i.min(j)][i.max(j)]).collect())
        .collect();
    inverse(information)
}

/// The inverse of a small symmetric matrix by Gauss–Jordan elimination
/// with partial pivoting; `None` when it is singular.
fn inverse(mut a: Vec<Vec<f64>>) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut inv: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    for col in 0..n {
        let pivot = (col..n).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))?;
        if !a[pivot][col].is_finite() || a[pivot][col].abs() < 1e-300 {
            return None;
        }
        a.swap(col, pivot);
        inv.swap(col, pivot);
        let scale = a[col][col];
        for j in 0..n {
            a[col][j] /= scale;
            inv[col][j] /= scale;
        }
        for row in 0..n {
            if row != col {
                let factor = a[row][col];
                for j in 0..n {
                    a[row][j] -= factor * a[col][j];
                    inv[row][j] -= factor * inv[col][j];
                }
            }
        }
    }
    Some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A normal sample's mean: its standard error is σ/√n exactly, and the
    /// log-likelihood is quadratic, so the differences are exact too.
    #[test]
    fn a_normal_means_standard_error() {
        let (n, sigma) = (400.0, 2.0);
        let mean = 5.0;
        let ll = |p: &[f64]| -n * (p[0] - mean).powi(2) / (2.0 * sigma * sigma);
        let out = intervals(&["mean"], &[mean], ll);
        let se = out[0].standard_error.unwrap();
        assert!((se - sigma / n.sqrt()).abs() < 1e-6, "{se}");
        // On the log scale: mean × exp(±1.96 × se / mean).
        let low = mean * (-1.959964 * 0.1 / mean).exp();
        assert!((out[0].low.unwrap() - low).abs() < 1e-6);
        assert!(out[0].high.unwrap() - mean > mean - out[0].low.unwrap());
    }

    #[test]
    fn inverts_and_refuses_singular_matrices() {
        let inv = inverse(vec![vec![4.0, 2.0], vec![2.0, 3.0]]).unwrap();
        assert!((inv[0][0] - 0.375).abs() < 1e-12 && (inv[0][1] + 0.25).abs() < 1e-12);
        assert!(inverse(vec![vec![1.0, 2.0], vec![2.0, 4.0]]).is_none());
    }
}
