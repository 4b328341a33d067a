//! Predicted value summed up per segment, and the customers worth a call.

use serde::Serialize;

use super::ClvRow;
use super::bootstrap::TotalRanges;

/// One row of "CLV by segment".
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClvSegmentRow {
    pub segment: String,
    pub customers: u64,
    pub total_clv: Option<f64>,
    pub average_clv: Option<f64>,
    pub average_p_alive: f64,
    pub expected_purchases: f64,
    /// 95 % ranges of the totals, from the bootstrap; `None` without one.
    pub clv_low: Option<f64>,
    pub clv_high: Option<f64>,
    pub expected_purchases_low: Option<f64>,
    pub expected_purchases_high: Option<f64>,
}

impl ClvSegmentRow {
    /// The sums and means of `members`, and the ranges of their totals.
    pub fn of(segment: String, members: &[&ClvRow], ranges: Option<TotalRanges>) -> ClvSegmentRow {
        // An empty group (no fit) has totals of 0 and no averages.
        let n = members.len().max(1) as f64;
        let total_clv: Option<f64> = members.iter().map(|r| r.clv).sum();
        let clv_range = ranges.and_then(|r| r.clv).filter(|_| total_clv.is_some());
        ClvSegmentRow {
            customers: members.len() as u64,
            total_clv,
            average_clv: total_clv.filter(|_| !members.is_empty()).map(|t| t / n),
            average_p_alive: members.iter().map(|r| r.p_alive).sum::<f64>() / n,
            expected_purchases: members.iter().map(|r| r.expected_purchases).sum(),
            clv_low: clv_range.map(|r| r.low),
            clv_high: clv_range.map(|r| r.high),
            expected_purchases_low: ranges.map(|r| r.expected_purchases.low),
            expected_purchases_high: ranges.map(|r| r.expected_purchases.high),
            segment,
        }
    }

    /// The range of the average CLV: the total's divided by the customers.
    pub fn average_clv_range(&self) -> Option<(f64, f64)> {
        let n = self.customers.max(1) as f64;
        Some((self.clv_low? / n, self.clv_high? / n))
    }
}

/// Customers among the most valuable fifth (by `value_of`, usually their
/// revenue so far) whose P(alive) fell by at least `min_fall` over the last
/// 30 days, the largest falls first.
pub fn falling_high_value<'a>(
    rows: &[&'a ClvRow],
    value_of: impl Fn(&ClvRow) -> f64,
    min_fall: f64,
) -> Vec<&'a ClvRow> {
    if rows.is_empty() {
        return Vec::new();
    }
    let mut values: Vec<f64> = rows.iter().map(|r| value_of(r)).collect();
    values.sort_by(f64::total_cmp);
    let threshold = values[(values.len() * 4) / 5];
    let mut picked: Vec<&ClvRow> = rows
        .iter()
        .copied()
        .filter(|r| value_of(r) >= threshold && r.p_alive_fall().is_some_and(|f| f >= min_fall))
        .collect();
    picked.sort_by(|a, b| {
        b.p_alive_fall()
            .unwrap_or(0.0)
            .total_cmp(&a.p_alive_fall().unwrap_or(0.0))
    });
    picked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, clv: f64, p_alive: f64, before: Option<f64>) -> ClvRow {
        ClvRow {
            customer_id: id.into(),
            customer: 0,
            frequency: 1,
            recency_weeks: 1.0,
            t_weeks: 2.0,
            monetary_value: Some(10.0),
            p_alive,
            expected_purchases: 0.5,
            expected_avg_spend: Some(10.0),
            clv: Some(clv),
            p_alive_30_days_earlier: before,
        }
    }

    #[test]
    fn sums_and_means_per_segment() {
        let rows = [
            row("a", 10.0, 0.5, None),
            row("b", 30.0, 1.0, None),
            row("c", 5.0, 0.2, None),
        ];
        let x = ClvSegmentRow::of("X".into(), &[&rows[0], &rows[1]], None);
        let y = ClvSegmentRow::of("Y".into(), &[&rows[2]], None);
        let table = [x, y];
        assert_eq!(table[0].segment, "X");
        assert_eq!(table[0].customers, 2);
        assert_eq!(table[0].total_clv, Some(40.0));
        assert_eq!(table[0].average_clv, Some(20.0));
        assert!((table[0].average_p_alive - 0.75).abs() < 1e-12);
        assert_eq!(table[1].expected_purchases, 0.5);
    }

    #[test]
    fn picks_top_fifth_with_falling_p_alive() {
        let rows: Vec<ClvRow> = (0..10)
            .map(|i| {
                row(
                    &i.to_string(),
                    i as f64,
                    0.4,
                    Some(if i == 9 { 0.9 } else { 0.41 }),
                )
            })
            .collect();
        let refs: Vec<&ClvRow> = rows.iter().collect();
        let picked = falling_high_value(&refs, |r| r.clv.unwrap_or(0.0), 0.05);
        assert_eq!(picked.len(), 1);
        assert_eq!(picked[0].customer_id, "9");
    }
}
