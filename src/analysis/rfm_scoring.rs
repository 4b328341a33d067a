//! How customers get their R, F and M scores of 1 to 5: quintiles with
//! ties kept together (equal values, equal scores), or breakpoints per
//! score. With many one-time buyers the quintile rule must leave a score
//! empty (60 % of customers with one order all get F 1, the next value
//! starts at F 4), which users read as a bug; breakpoints chosen from the
//! data fill every score the values allow (on a shop log, F from 1, 2, 3, 4
//! and 5+ orders, or 4–5 and 6+).

use rust_i18n::t;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

use crate::format::format_number;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum RfmScoring {
    /// 1 + ⌊5 × (customers with a strictly lower value) ÷ (all customers)⌋.
    #[default]
    Quintiles,
    /// Breakpoints the user set, or `None` for the ones chosen from the
    /// data (see [`balanced_breakpoints`]).
    Breakpoints(Option<RfmBreakpoints>),
}

/// Where each score starts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RfmBreakpoints {
    /// Days since the last order at most for R 2, 3, 4 and 5 (decreasing:
    /// the more recent, the higher); more days than the first is R 1.
    pub recency_days: [i64; 4],
    /// Orders at least for F 2, 3, 4 and 5 (increasing).
    pub orders: [u64; 4],
    /// Revenue at least for M 2, 3, 4 and 5 (increasing).
    pub revenue: [f64; 4],
}

impl RfmBreakpoints {
    pub fn r(&self, recency_days: i64) -> u8 {
        1 + self
            .recency_days
            .iter()
            .filter(|d| recency_days <= **d)
            .count() as u8
    }

    pub fn f(&self, orders: u64) -> u8 {
        1 + self.orders.iter().filter(|o| orders >= **o).count() as u8
    }

    pub fn m(&self, revenue: f64) -> u8 {
        1 + self.revenue.iter().filter(|m| revenue >= **m).count() as u8
    }

    /// Whether every score starts after the one below it.
    pub fn in_order(&self) -> bool {
        self.recency_days.windows(2).all(|w| w[0] > w[1])
            && self.orders.windows(2).all(|w| w[0] < w[1])
            && self.revenue.windows(2).all(|w| w[0] < w[1])
    }

    /// The breakpoints in words, for the grid's caption.
    pub fn describe(&self) -> String {
        let [r2, r3, r4, r5] = self.recency_days;
        let f = self.orders.map(|o| o.to_string()).join(", ");
        let m = self.revenue.map(|v| format_number(v, 2)).join("; ");
        t!(
            "Scores by breakpoints: R 5 up to %{r5} days since the last order, R 4 up to %{r4}, R 3 up to %{r3}, R 2 up to %{r2}; F 2, 3, 4, 5 from %{f} orders; M 2, 3, 4, 5 from a revenue of %{m}.",
            r5 = r5,
            r4 = r4,
            r3 = r3,
            r2 = r2,
            f = f,
            m = m
        )
        .into()
    }
}

pub fn quintile_rule() -> Cow<'static, str> {
    t!(
        "Scores by quintiles: R, F and M run from 1 to 5, 1 + ⌊5 × (customers with a strictly lower value) ÷ all customers⌋, so equal values always share a score (and a score stays empty when many customers share a value). Recency is scored reversed: the most recent customers score 5. F counts orders, M sums revenue."
    )
}

/// Breakpoints that split the customers into five groups per score of
/// about equal size, each holding at least one distinct value when there
/// are five or more; with fewer distinct values each gets a score of its
/// own and the top scores stay empty.
pub fn balanced_breakpoints(
    recency_days: &[i64],
    orders: &[u64],
    revenue: &[f64],
) -> RfmBreakpoints {
    let negative_days: Vec<f64> = recency_days.iter().map(|d| -(*d as f64)).collect();
    let orders_f: Vec<f64> = orders.iter().map(|o| *o as f64).collect();
    RfmBreakpoints {
        recency_days: balanced_thresholds(&negative_days, 1.0).map(|t| -(t as i64)),
        orders: balanced_thresholds(&orders_f, 1.0).map(|t| t.max(0.0) as u64),
        revenue: balanced_thresholds(revenue, 0.01),
    }
}

/// The lowest values of scores 2 to 5 (higher values score higher); past
/// the largest value the thresholds step on by `unit`, unreachable.
fn balanced_thresholds(values: &[f64], unit: f64) -> [f64; 4] {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    // Each distinct value and how many customers have a lower one.
    let mut distinct: Vec<(f64, usize)> = Vec::new();
    for (i, v) in sorted.iter().enumerate() {
        if distinct.last().is_none_or(|(last, _)| last != v) {
            distinct.push((*v, i));
        }
    }
    let n = sorted.len();
    let k = distinct.len();
    let mut thresholds = [0.0; 4];
    let mut previous = 0;
    for (i, slot) in thresholds.iter_mut().enumerate() {
        let score = i + 1;
        if k < 5 {
            *slot = match distinct.get(score) {
                Some((v, _)) => *v,
                None => sorted.last().copied().unwrap_or(0.0) + unit * (score + 1 - k) as f64,
            };
            continue;
        }
        // Leave one distinct value for this group and each one above.
        let allowed = previous + 1..=k - (5 - score);
        let target = n * score / 5;
        let cut = allowed
            .min_by_key(|c| distinct[*c].1.abs_diff(target))
            .unwrap_or(previous + 1);
        *slot = distinct[cut].0;
        previous = cut;
    }
    thresholds
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shop log: most customers buy once, a few often.
    #[test]
    fn frequency_of_a_shop_log_fills_every_score() {
        let mut orders = vec![1u64; 600];
        orders.extend(vec![2; 180]);
        orders.extend(vec![3; 90]);
        orders.extend(vec![4; 50]);
        orders.extend(vec![5; 30]);
        orders.extend((0..50).map(|i| 6 + i % 7));
        let points = balanced_breakpoints(&[1], &orders, &[1.0]);
        // F 1 to 4 from 1, 2, 3 and 4 orders, F 5 from 5: the closest to
        // fifths that the ties allow.
        assert_eq!(points.orders, [2, 3, 4, 5]);
        let mut seen = [0; 5];
        for o in &orders {
            seen[points.f(*o) as usize - 1] += 1;
        }
        assert!(seen.iter().all(|n| *n > 0), "{seen:?}");
    }

    #[test]
    fn few_distinct_values_get_a_score_each() {
        let points = balanced_breakpoints(&[10, 10, 40], &[1, 1, 2], &[5.0, 7.0, 9.0]);
        assert_eq!(points.orders, [2, 3, 4, 5]);
        assert_eq!(points.f(1), 1);
        assert_eq!(points.f(2), 2);
        assert_eq!(points.recency_days, [10, 9, 8, 7]);
        assert_eq!(points.r(40), 1);
        assert_eq!(points.r(10), 2);
        assert!(points.in_order());
    }

    #[test]
    fn continuous_values_split_into_fifths() {
        let revenue: Vec<f64> = (1..=100).map(f64::from).collect();
        let points = balanced_breakpoints(&[1], &[1], &revenue);
        assert_eq!(points.revenue, [21.0, 41.0, 61.0, 81.0]);
        assert_eq!(points.m(20.0), 1);
        assert_eq!(points.m(100.0), 5);
    }

    #[test]
    fn recency_scores_the_most_recent_highest() {
        let days: Vec<i64> = (0..100).collect();
        let points = balanced_breakpoints(&days, &[1], &[1.0]);
        assert_eq!(points.r(0), 5);
        assert_eq!(points.r(99), 1);
        assert!(points.in_order(), "{points:?}");
    }
}
