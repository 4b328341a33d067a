//! The per-customer summary the "buy till you die" models are fitted on,
//! with the conventions of the reference literature (Fader, Hardie & Lee):
//! purchases on the same day count once, frequency counts the purchase days
//! after the first, recency and age are in weeks of 7 days, and monetary
//! value is the mean spend of the repeat purchase days.

use rayon::prelude::*;

use crate::analysis::history::{Customer, History};

pub const DAYS_PER_WEEK: f64 = 7.0;

/// One customer as the models see them at the calibration end.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomerSummary {
    pub customer_id: String,
    /// The customer's index in the order log.
    pub customer: u32,
    /// Purchase days after the first (x).
    pub frequency: u32,
    /// Days from the first to the last purchase day (t_x × 7).
    pub recency_days: i32,
    /// Days from the first purchase day to the calibration end (T × 7).
    pub age_days: i32,
    /// Mean spend of the repeat purchase days; `None` when x = 0.
    pub monetary_value: Option<f64>,
    /// Purchase days after the calibration end, before the holdout end.
    pub holdout_purchases: u32,
    /// (x, t_x, T) in days as they were 30 days before the calibration
    /// end; `None` for customers who had not bought yet then.
    pub month_earlier: Option<(u32, i32, i32)>,
}

impl CustomerSummary {
    pub fn recency_weeks(&self) -> f64 {
        self.recency_days as f64 / DAYS_PER_WEEK
    }

    pub fn t_weeks(&self) -> f64 {
        self.age_days as f64 / DAYS_PER_WEEK
    }
}

/// Every customer whose first purchase is on or before the calibration end
/// (inclusive, days since 1970-01-01). Purchases after it and before
/// `holdout_end_day` (exclusive) are counted as holdout purchases.
pub fn summarise(
    history: &History,
    calibration_end_day: i32,
    holdout_end_day: i32,
) -> Vec<CustomerSummary> {
    let chunks = history.len().div_ceil(4096);
    (0..chunks)
        .into_par_iter()
        .flat_map_iter(|chunk| {
            let mut days = Vec::new();
            let customers = chunk * 4096..((chunk + 1) * 4096).min(history.len());
            customers.filter_map(move |i| {
                summarise_one(
                    &history.customer(i),
                    &mut days,
                    calibration_end_day,
                    holdout_end_day,
                )
            })
        })
        .collect()
}

/// `days` is scratch space for the (day, spend) of each purchase day,
/// reused between customers.
fn summarise_one(
    customer: &Customer<'_>,
    days: &mut Vec<(i32, f64)>,
    calibration_end_day: i32,
    holdout_end_day: i32,
) -> Option<CustomerSummary> {
    days.clear();
    let mut holdout_purchases = 0;
    let mut last_holdout_day = None;
    for order in customer.purchases() {
        if order.day <= calibration_end_day {
            match days.last_mut() {
                Some((day, spend)) if *day == order.day => *spend += order.amount,
                _ => days.push((order.day, order.amount)),
            }
        } else if order.day < holdout_end_day && last_holdout_day != Some(order.day) {
            holdout_purchases += 1;
            last_holdout_day = Some(order.day);
        }
    }
    let (&(first, _), &(last, _)) = (days.first()?, days.last()?);
    let earlier_end = calibration_end_day - 30;
    let earlier_days = days.partition_point(|(day, _)| *day <= earlier_end);
    let month_earlier = (earlier_days > 0).then(|| {
        let earlier_last = days[earlier_days - 1].0;
        (
            (earlier_days - 1) as u32,
            earlier_last - first,
            earlier_end - first,
        )
    });
    let repeat = &days[1..];
    let monetary_value = (!repeat.is_empty())
        .then(|| repeat.iter().map(|(_, spend)| spend).sum::<f64>() / repeat.len() as f64);
    Some(CustomerSummary {
        customer_id: customer.id.to_string(),
        customer: customer.index,
        frequency: repeat.len() as u32,
        recency_days: last - first,
        age_days: calibration_end_day - first,
        monetary_value,
        holdout_purchases,
        month_earlier,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::analysis::history::test_history;

    #[test]
    fn conventions_on_a_hand_made_log() {
        let end = 100;
        let customers = test_history(&[
            // Two orders on day 10 are one purchase of 30; repeats on 24 and 38.
            (
                "same-day",
                &[(10, 10.0), (10, 20.0), (24, 40.0), (38, 60.0)],
            ),
            ("one-time", &[(50, 25.0)]),
            // Bought on the calibration end itself, and once after it.
            ("on-the-end", &[(86, 5.0), (100, 15.0), (103, 7.0)]),
            ("refund-only-repeat", &[(0, 12.0), (40, -12.0)]),
            ("after-the-end", &[(101, 9.0)]),
        ]);
        let summary = summarise(&customers, end, 110);
        assert_eq!(
            summary.len(),
            4,
            "the customer first seen after the end is left out"
        );

        let same_day = &summary[0];
        assert_eq!(same_day.frequency, 2);
        assert_eq!(same_day.recency_days, 28);
        assert!((same_day.recency_weeks() - 4.0).abs() < 1e-12);
        assert_eq!(same_day.age_days, 90);
        assert_eq!(
            same_day.monetary_value,
            Some(50.0),
            "mean of 40 and 60; the first day excluded"
        );

        let one_time = &summary[1];
        assert_eq!((one_time.frequency, one_time.recency_days), (0, 0));
        assert_eq!(one_time.age_days, 50);
        assert_eq!(one_time.monetary_value, None);

        let on_the_end = &summary[2];
        assert_eq!(on_the_end.frequency, 1);
        assert_eq!(on_the_end.recency_days, 14);
        assert_eq!(on_the_end.age_days, 14, "recency equals age");
        assert_eq!(on_the_end.monetary_value, Some(15.0));
        assert_eq!(on_the_end.holdout_purchases, 1);
        // 30 days before the end, on day 70:
        assert_eq!(on_the_end.month_earlier, None, "first bought on day 86");
        assert_eq!(same_day.month_earlier, Some((2, 28, 60)));
        assert_eq!(one_time.month_earlier, Some((0, 0, 20)));

        assert_eq!(summary[3].frequency, 0, "a refund is no purchase");
    }
}
