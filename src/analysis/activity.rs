//! Orders, customers and revenue per calendar month: the first look at a
//! file, and the check that the import understood its dates.

use chrono::NaiveDate;
use polars::prelude::*;

use crate::calendar::month_start;
use crate::chart::spec::{days_since_epoch, palette};
use crate::chart::{Axis, ChartSpec, Series, SeriesStyle, Unit};
use crate::data::{AMOUNT, CUSTOMER_ID, ORDER_ID, ORDER_TS};

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

pub fn monthly_activity(
    orders: &DataFrame,
    has_amount: bool,
    window: &str,
) -> PolarsResult<MonthlyActivity> {
    let grouped = orders
        .clone()
        .lazy()
        .group_by([
            col(ORDER_TS).dt().year().alias("year"),
            col(ORDER_TS).dt().month().alias("month"),
        ])
        .agg([
            col(ORDER_ID).n_unique().alias("orders"),
            col(CUSTOMER_ID).n_unique().alias("customers"),
            col(AMOUNT).sum().alias("revenue"),
        ])
        .collect()?;
    let years = grouped.column("year")?.cast(&DataType::Int32)?;
    let month_numbers = grouped.column("month")?.cast(&DataType::UInt32)?;
    let order_counts = grouped.column("orders")?.cast(&DataType::UInt64)?;
    let customer_counts = grouped.column("customers")?.cast(&DataType::UInt64)?;
    let revenue = grouped.column("revenue")?.cast(&DataType::Float64)?;
    let mut found = std::collections::BTreeMap::new();
    for i in 0..grouped.height() {
        let (Some(y), Some(m)) = (years.i32()?.get(i), month_numbers.u32()?.get(i)) else {
            continue;
        };
        let index = y * 12 + m as i32 - 1;
        found.insert(
            index,
            (
                order_counts.u64()?.get(i).unwrap_or(0),
                customer_counts.u64()?.get(i).unwrap_or(0),
                revenue.f64()?.get(i).unwrap_or(0.0),
            ),
        );
    }
    let mut months = Vec::new();
    if let (Some(first), Some(last)) = (found.keys().next().copied(), found.keys().last().copied())
    {
        for index in first..=last {
            let (o, c, r) = found.get(&index).copied().unwrap_or((0, 0, 0.0));
            if let Some(day) = month_start(index) {
                months.push(Month {
                    first_day: day,
                    orders: o,
                    customers: c,
                    revenue: r,
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
        title: "Orders and active customers per month".into(),
        caption: format!(
            "Orders: distinct order ids (or rows, without an order id column) per calendar month. Active customers: distinct customers with at least one order in the month. Data: {window}."
        ),
        x: Axis::date("Month"),
        y: Axis::value("Count", Unit::Count),
        series: vec![
            Series {
                name: "Orders".into(),
                style: SeriesStyle::Line,
                color: palette(0),
                points: months.iter().map(|m| [x(m), m.orders as f64]).collect(),
            },
            Series {
                name: "Active customers".into(),
                style: SeriesStyle::Line,
                color: palette(1),
                points: months.iter().map(|m| [x(m), m.customers as f64]).collect(),
            },
        ],
        heatmap: None,
    };
    let revenue_chart = has_amount.then(|| ChartSpec {
        id: "revenue_per_month".into(),
        title: "Revenue per month".into(),
        caption: format!(
            "Sum of order amounts per calendar month, refunds subtracted. Data: {window}."
        ),
        x: Axis::date("Month"),
        y: Axis::value("Revenue", Unit::Money),
        series: vec![Series {
            name: "Revenue".into(),
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
