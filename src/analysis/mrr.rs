//! Monthly recurring revenue when the order log is a subscription log:
//! a customer's MRR in a calendar month is what they paid in it.
//!
//! Movements from month m − 1 to m: new (first payment ever in m),
//! reactivated (paid in m, not in m − 1, but before), expansion and
//! contraction (paid in both, more or less than before), churned (paid in
//! m − 1, not in m). MRR(m) = MRR(m − 1) + new + reactivated + expansion −
//! contraction − churned. Revenue churn = (churned + contraction) ÷
//! MRR(m − 1).

use rust_i18n::t;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::*;
use serde::Serialize;

use super::history::History;
use super::period::{Granularity, PeriodTable};
use crate::calendar::{day_number, month_index, month_start};
use crate::data::roles::normalise_header;

const PLAN_HEADERS: [&str; 10] = [
    "plan",
    "subscription",
    "subscriptionplan",
    "tariff",
    "tarif",
    "abo",
    "abonnement",
    "package",
    "paket",
    "pakket",
];

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MrrMonth {
    pub month: NaiveDate,
    pub customers: u64,
    pub mrr: f64,
    pub new: f64,
    pub expansion: f64,
    pub contraction: f64,
    pub churned: f64,
    pub reactivated: f64,
    pub revenue_churn: Option<f64>,
}

/// Why the log counts as recurring, or `None`: a plan column, or customers
/// who pay about monthly (median gap between payments of 25 to 35 days,
/// and at most one payment a month for nine in ten customer-months).
pub fn recurring_reason(history: &History, attributes: &[String]) -> Option<String> {
    if let Some(plan) = attributes
        .iter()
        .find(|a| PLAN_HEADERS.contains(&normalise_header(a).as_str()))
    {
        return Some(t!("the column '%{column}' names a plan", column = plan).into());
    }
    let mut gaps: Vec<i32> = Vec::new();
    let (mut months, mut single) = (0u64, 0u64);
    let table = PeriodTable::for_history(Granularity::Month, history);
    // Purchases are sorted by day, so a customer's months come in runs:
    // counted without collecting them.
    for customer in history.customers() {
        let mut previous_day: Option<i32> = None;
        let mut run: Option<(i32, u32)> = None;
        for day in customer.purchases().map(|o| o.day) {
            if let Some(previous) = previous_day
                && day > previous
            {
                gaps.push(day - previous);
            }
            previous_day = Some(day);
            let month = table.index_of(day);
            run = match run {
                Some((m, n)) if m == month => Some((m, n + 1)),
                Some((_, n)) => {
                    months += 1;
                    single += (n == 1) as u64;
                    Some((month, 1))
                }
                None => Some((month, 1)),
            };
        }
        if let Some((_, n)) = run {
            months += 1;
            single += (n == 1) as u64;
        }
    }
    if gaps.len() < 10 {
        return None;
    }
    gaps.sort_unstable();
    let median = gaps[gaps.len() / 2];
    ((25..=35).contains(&median) && single as f64 >= 0.9 * months as f64).then(|| {
        t!(
            "customers pay about monthly (median %{days} days between payments)",
            days = median
        )
        .into()
    })
}

/// MRR and its movements for every calendar month before `as_of` from the
/// first payment on.
pub fn mrr_by_month(history: &History, as_of: NaiveDate) -> Vec<MrrMonth> {
    let last_month = month_index(as_of.pred_opt().unwrap_or(as_of));
    let as_of_day = day_number(as_of);
    let table = PeriodTable::for_history(Granularity::Month, history);
    // Per customer: revenue per month index.
    let paid: Vec<BTreeMap<i32, f64>> = history
        .customers()
        .map(|c| {
            let mut months: BTreeMap<i32, f64> = BTreeMap::new();
            for o in c.orders.iter().filter(|o| o.day < as_of_day) {
                *months.entry(table.index_of(o.day)).or_default() += o.amount;
            }
            months.retain(|_, v| *v > 0.0);
            months
        })
        .collect();
    let Some(first_month) = paid.iter().filter_map(|m| m.keys().next().copied()).min() else {
        return Vec::new();
    };
    (first_month..=last_month)
        .filter_map(|m| {
            let mut row = MrrMonth {
                month: month_start(m)?,
                customers: 0,
                mrr: 0.0,
                new: 0.0,
                expansion: 0.0,
                contraction: 0.0,
                churned: 0.0,
                reactivated: 0.0,
                revenue_churn: None,
            };
            let mut previous_mrr = 0.0;
            for months in &paid {
                let now = months.get(&m).copied();
                let before = months.get(&(m - 1)).copied();
                previous_mrr += before.unwrap_or(0.0);
                match (before, now) {
                    (None, Some(now)) => {
                        row.customers += 1;
                        row.mrr += now;
                        if months.range(..m).next().is_some() {
                            row.reactivated += now;
                        } else {
                            row.new += now;
                        }
                    }
                    (Some(before), Some(now)) => {
                        row.customers += 1;
                        row.mrr += now;
                        if now > before {
                            row.expansion += now - before;
                        } else {
                            row.contraction += before - now;
                        }
                    }
                    (Some(before), None) => row.churned += before,
                    (None, None) => {}
                }
            }
            row.revenue_churn =
                (previous_mrr > 0.0).then(|| (row.churned + row.contraction) / previous_mrr);
            Some(row)
        })
        .collect()
}

/// `mrr.csv`.
pub fn mrr_frame(rows: &[MrrMonth]) -> PolarsResult<DataFrame> {
    let floats = |f: fn(&MrrMonth) -> f64| rows.iter().map(f).collect::<Vec<f64>>();
    DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                "month".into(),
                rows.iter()
                    .map(|r| r.month.format("%Y-%m-%d").to_string())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "customers".into(),
                rows.iter().map(|r| r.customers).collect::<Vec<_>>(),
            ),
            Column::new("mrr".into(), floats(|r| r.mrr)),
            Column::new("new".into(), floats(|r| r.new)),
            Column::new("expansion".into(), floats(|r| r.expansion)),
            Column::new("contraction".into(), floats(|r| r.contraction)),
            Column::new("churned".into(), floats(|r| r.churned)),
            Column::new("reactivated".into(), floats(|r| r.reactivated)),
            Column::new(
                "revenue_churn".into(),
                rows.iter().map(|r| r.revenue_churn).collect::<Vec<_>>(),
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> i32 {
        day_number(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    use crate::analysis::history::test_history;

    #[test]
    fn movements_reconcile() {
        let history = test_history(&[
            // Upgrades in February, pauses in March, comes back in April.
            (
                "A",
                &[
                    (day(2024, 1, 5), 10.0),
                    (day(2024, 2, 5), 30.0),
                    (day(2024, 4, 5), 30.0),
                ],
            ),
            // Downgrades in February, stops after.
            ("B", &[(day(2024, 1, 9), 50.0), (day(2024, 2, 9), 20.0)]),
            // Joins in March.
            ("C", &[(day(2024, 3, 1), 50.0), (day(2024, 4, 1), 50.0)]),
        ]);
        let rows = mrr_by_month(&history, NaiveDate::from_ymd_opt(2024, 5, 1).unwrap());
        assert_eq!(rows.len(), 4);
        let feb = rows[1];
        assert_eq!(
            (feb.mrr, feb.expansion, feb.contraction),
            (50.0, 20.0, 30.0)
        );
        assert_eq!(feb.revenue_churn, Some(30.0 / 60.0));
        let mar = rows[2];
        assert_eq!((mar.mrr, mar.new, mar.churned), (50.0, 50.0, 50.0));
        let apr = rows[3];
        assert_eq!((apr.mrr, apr.reactivated, apr.customers), (80.0, 30.0, 2));
        for w in rows.windows(2) {
            let (a, b) = (w[0], w[1]);
            let rebuilt = a.mrr + b.new + b.reactivated + b.expansion - b.contraction - b.churned;
            assert!((rebuilt - b.mrr).abs() < 1e-9, "{b:?}");
        }
    }

    #[test]
    fn the_catalogue_example() {
        // 100 customers paying 50 a month → MRR 5,000.
        let ids: Vec<String> = (0..100).map(|i| i.to_string()).collect();
        let orders = [(day(2024, 1, 3), 50.0), (day(2024, 2, 3), 50.0)];
        let customers: Vec<(&str, &[(i32, f64)])> =
            ids.iter().map(|id| (id.as_str(), &orders[..])).collect();
        let history = test_history(&customers);
        let rows = mrr_by_month(&history, NaiveDate::from_ymd_opt(2024, 3, 1).unwrap());
        assert_eq!(rows[1].mrr, 5_000.0);
        assert_eq!(rows[1].revenue_churn, Some(0.0));
        assert!(recurring_reason(&history, &[]).is_some());
        assert!(
            recurring_reason(&history, &["Tarif".into()])
                .unwrap()
                .contains("Tarif")
        );
    }
}
