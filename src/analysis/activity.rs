//! Orders, customers and revenue per calendar month: the first look at a
//! file, and the check that the import understood its dates.

use chrono::NaiveDate;
use polars::prelude::*;
use rust_i18n::t;

use super::history::History;
use super::period::{Granularity, PeriodTable};
use crate::calendar::month_start;
use crate::chart::spec::{days_since_epoch, palette};
use crate::chart::{Axis, ChartSpec, Series, SeriesStyle, Unit};

#[derive(Clone, Debug)]
pub struct MonthlyActivity {
    /// `month` (first day), `orders`, `customers`, `revenue`; every month from
    /// the first to the last order, months without orders as zeros.
    pub table: DataFrame,
    pub orders_chart: ChartSpec,
    pub revenue_chart: Option<ChartSpec>,
}

struct Month {
    first_day: NaiveDate,
    orders: u64,
    customers: u64,
    revenue: f64,
}

/// Orders (refunds included), distinct customers with an order and
/// revenue per calendar month of the orders' days.
pub fn monthly_activity(history: &History, window: &str) -> PolarsResult<MonthlyActivity> {
    let has_amount = history.has_amount;
    /// Orders, customers and revenue of one month.
    #[derive(Clone, Copy, Default)]
    struct Counts {
        orders: u64,
        customers: u64,
        revenue: f64,
    }
    let mut found: std::collections::BTreeMap<i32, Counts> = std::collections::BTreeMap::new();
    let table = PeriodTable::for_history(Granularity::Month, history);
    for customer in history.customers() {
        let mut last_month = None;
        for order in customer.orders {
            let month = table.index_of(order.day);
            let counts = found.entry(month).or_default();
            counts.orders += 1;
            counts.revenue += order.amount;
            // Orders come sorted by day, so a month's orders are together.
            if last_month != Some(month) {
                counts.customers += 1;
                last_month = Some(month);
            }
        }
    }
    let mut months = Vec::new();
    if let (Some(first), Some(last)) = (found.keys().next().copied(), found.keys().last().copied())
    {
        for index in first..=last {
            let counts = found.get(&index).copied().unwrap_or_default();
            if let Some(day) = month_start(index) {
                months.push(Month {
                    first_day: day,
                    orders: counts.orders,
                    customers: counts.customers,
                    revenue: counts.revenue,
                });
            }
        }
    }
    let table = DataFrame::new(
        months.len(),
        vec![
            Column::new(
                "month".into(),
                months.iter().map(|m| m.first_day).collect::<Vec<_>>(),
            ),
            Column::new(
                "orders".into(),
                months.iter().map(|m| m.orders).collect::<Vec<_>>(),
            ),
            Column::new(
                "customers".into(),
                months.iter().map(|m| m.customers).collect::<Vec<_>>(),
            ),
            Column::new(
                "revenue".into(),
                months.iter().map(|m| m.revenue).collect::<Vec<_>>(),
            ),
        ],
    )?;
    let x = |m: &Month| days_since_epoch(m.first_day);
    let orders_chart = ChartSpec {
        id: "orders_per_month".into(),
        title: t!("Orders and active customers per month").into(),
        caption: t!(
            "Orders: distinct order ids (or rows, without an order id column) per calendar month. Active customers: distinct customers with at least one order in the month. Data: %{window}.",
            window = window
        )
        .into(),
        x: Axis::date(&t!("Month")),
        y: Axis::value(&t!("Count"), Unit::Count),
        series: vec![
            Series {
                name: t!("Orders").into(),
                style: SeriesStyle::Line,
                color: palette(0),
                points: months.iter().map(|m| [x(m), m.orders as f64]).collect(),
            },
            Series {
                name: t!("Active customers").into(),
                style: SeriesStyle::Line,
                color: palette(1),
                points: months.iter().map(|m| [x(m), m.customers as f64]).collect(),
            },
        ],
        heatmap: None,
    };
    let revenue_chart = has_amount.then(|| ChartSpec {
        id: "revenue_per_month".into(),
        title: t!("Revenue per month").into(),
        caption: t!(
            "Sum of order amounts per calendar month, refunds subtracted. Data: %{window}.",
            window = window
        )
        .into(),
        x: Axis::date(&t!("Month")),
        y: Axis::value(&t!("Revenue"), Unit::Money),
        series: vec![Series {
            name: t!("Revenue").into(),
            style: SeriesStyle::Line,
            color: palette(2),
            points: months.iter().map(|m| [x(m), m.revenue]).collect(),
        }],
        heatmap: None,
    });
    Ok(MonthlyActivity {
        table,
        orders_chart,
        revenue_chart,
    })
}
