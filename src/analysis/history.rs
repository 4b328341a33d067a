//! Every customer's orders, grouped and sorted once, so the cohort table and
//! the KPIs are exact counts over one compact structure.
//!
//! An order is a distinct order id (or a row, when no order id is mapped);
//! its day is its earliest row's day and its amount the sum of its rows. An
//! order whose amount is negative is a refund: it reduces revenue but is no
//! purchase, so it never makes a customer active or defines a cohort.

use polars::prelude::*;

use crate::data::{AMOUNT, CUSTOMER_ID, ORDER_ID, ORDER_TS, POINTS_REDEEMED};

const MS_PER_DAY: i64 = 86_400_000;
/// Each order's first row in the file, while orders are grouped.
const FIRST_ROW: &str = "__kohorte_first_row";

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Order {
    /// Days since 1970-01-01.
    pub day: i32,
    pub amount: f64,
    pub purchase: bool,
    /// Loyalty points spent on the order (0 without such a column).
    pub points_redeemed: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CustomerHistory {
    pub id: String,
    /// Sorted by day.
    pub orders: Vec<Order>,
    /// The breakdown attribute's value on the customer's first purchase.
    pub group: Option<String>,
}

impl CustomerHistory {
    pub fn purchases(&self) -> impl Iterator<Item = &Order> {
        self.orders.iter().filter(|o| o.purchase)
    }

    pub fn first_purchase_day(&self) -> Option<i32> {
        self.purchases().next().map(|o| o.day)
    }
}

/// Each row's customer id and day (days since 1970-01-01) of the canonical
/// frame, for files read as a plain log of who did something when (event
/// logs, surveys); `None` where either is missing.
pub fn row_customers_and_days(frame: &DataFrame) -> PolarsResult<Vec<Option<(&str, i32)>>> {
    let ids = frame.column(CUSTOMER_ID)?.str()?;
    let ts = frame.column(ORDER_TS)?.to_physical_repr();
    let ts = ts.i64()?;
    Ok(ids
        .iter()
        .zip(ts.iter())
        .map(|(id, ms)| Some((id?, ms?.div_euclid(MS_PER_DAY) as i32)))
        .collect())
}

/// A customer with orders given as (day, amount), for the tests of the
/// analyses built on histories; a negative amount is a refund.
#[cfg(test)]
pub fn test_customer(id: &str, orders: &[(i32, f64)]) -> CustomerHistory {
    CustomerHistory {
        id: id.into(),
        orders: orders
            .iter()
            .map(|&(day, amount)| Order {
                day,
                amount,
                purchase: amount >= 0.0,
                points_redeemed: 0.0,
            })
            .collect(),
        group: None,
    }
}

#[derive(Clone, Debug, Default)]
pub struct History {
    pub customers: Vec<CustomerHistory>,
    pub has_amount: bool,
}

/// Groups the canonical frame into customers and orders. `group_by` names
/// the attribute whose first-purchase value each customer gets;
/// `orders_are_rows` skips grouping when there is no order id column.
pub fn build(
    orders: &DataFrame,
    has_amount: bool,
    orders_are_rows: bool,
    group_by: Option<&str>,
) -> PolarsResult<History> {
    let has_redemptions = orders.column(POINTS_REDEEMED).is_ok();
    let mut aggregated = if orders_are_rows {
        let mut columns = vec![
            col(CUSTOMER_ID),
            col(ORDER_TS).alias("ts"),
            col(AMOUNT).alias("amount"),
        ];
        if has_redemptions {
            columns.push(col(POINTS_REDEEMED).alias("redeemed"));
        }
        if let Some(column) = group_by {
            columns.push(col(column).cast(DataType::String).alias("group"));
        }
        orders.clone().lazy().select(columns).collect()?
    } else {
        let mut aggs = vec![
            col(ORDER_TS).min().alias("ts"),
            col(AMOUNT).sum().alias("amount"),
        ];
        if has_redemptions {
            aggs.push(col(POINTS_REDEEMED).sum().alias("redeemed"));
        }
        if let Some(column) = group_by {
            aggs.push(col(column).cast(DataType::String).first().alias("group"));
        }
        aggs.push(col(FIRST_ROW).min());
        orders
            .clone()
            .lazy()
            .with_row_index(FIRST_ROW, None)
            .group_by([col(CUSTOMER_ID), col(ORDER_ID)])
            .agg(aggs)
            .collect()?
    };
    aggregated.rechunk_mut();
    let ids = aggregated.column(CUSTOMER_ID)?.str()?.clone();
    let ts = aggregated.column("ts")?.to_physical_repr();
    let ts = ts.i64()?;
    let amounts = aggregated.column("amount")?.cast(&DataType::Float64)?;
    let amounts = amounts.f64()?;
    let redeemed: Option<Vec<f64>> = match aggregated.column("redeemed") {
        Ok(c) => Some(
            c.cast(&DataType::Float64)?
                .f64()?
                .iter()
                .map(|v| v.unwrap_or(0.0))
                .collect(),
        ),
        Err(_) => None,
    };
    let groups = match aggregated.column("group") {
        Ok(c) => Some(c.str()?.clone()),
        Err(_) => None,
    };
    // Where each order starts in the file: customers and their orders are
    // put in file order, since polars' parallel grouping returns them in
    // an order that varies from run to run, and so would sums of money.
    let first_rows: Option<Vec<IdxSize>> = match aggregated.column(FIRST_ROW) {
        Ok(c) => Some(c.idx()?.iter().map(|r| r.unwrap_or(IdxSize::MAX)).collect()),
        Err(_) => None,
    };
    let file_position = |row: usize| first_rows.as_ref().map_or(row, |f| f[row] as usize);

    // Polars finds each customer's rows (a parallel hash group-by); the
    // loops below only put them in order and gather them.
    let by_customer = aggregated.group_by([CUSTOMER_ID])?;
    let ms: Vec<Option<i64>> = ts.iter().collect();
    let amounts: Vec<f64> = amounts.iter().map(|a| a.unwrap_or(0.0)).collect();
    let mut customers: Vec<CustomerHistory> = Vec::with_capacity(by_customer.get_groups().len());
    let mut first_group: Vec<Option<(i32, Option<String>)>> =
        Vec::with_capacity(customers.capacity());
    let rows_of = |indicator: GroupsIndicator<'_>, rows: &mut Vec<usize>| {
        rows.clear();
        match indicator {
            GroupsIndicator::Idx((_, idx)) => rows.extend(idx.iter().map(|i| *i as usize)),
            GroupsIndicator::Slice([first, len]) => {
                rows.extend(first as usize..(first + len) as usize)
            }
        }
    };
    // Customers are built in the order they first appear in the file (and
    // kept in the memory order they are read in later).
    let mut rows: Vec<usize> = Vec::new();
    let all_groups = by_customer.get_groups();
    let mut in_file_order: Vec<(usize, usize)> = all_groups
        .iter()
        .enumerate()
        .map(|(group, indicator)| {
            rows_of(indicator, &mut rows);
            let start = rows.iter().map(|&r| file_position(r)).min();
            (start.unwrap_or(usize::MAX), group)
        })
        .collect();
    in_file_order.sort_unstable();
    for (_, group) in in_file_order {
        rows_of(all_groups.get(group), &mut rows);
        rows.sort_unstable_by_key(|&row| file_position(row));
        let Some(id) = rows.first().and_then(|r| ids.get(*r)) else {
            continue;
        };
        let mut orders = Vec::with_capacity(rows.len());
        let mut first: Option<(i32, Option<String>)> = None;
        for &row in &rows {
            let Some(ms) = ms[row] else { continue };
            let amount = amounts[row];
            let order = Order {
                day: ms.div_euclid(MS_PER_DAY) as i32,
                amount,
                purchase: !has_amount || amount >= 0.0,
                points_redeemed: redeemed
                    .as_ref()
                    .and_then(|r| r.get(row).copied())
                    .unwrap_or(0.0),
            };
            orders.push(order);
            if order.purchase
                && let Some(groups) = &groups
                && first.as_ref().is_none_or(|(day, _)| order.day < *day)
            {
                first = Some((order.day, groups.get(row).map(str::to_string)));
            }
        }
        customers.push(CustomerHistory {
            id: id.to_string(),
            orders,
            group: None,
        });
        first_group.push(first);
    }
    for (customer, group) in customers.iter_mut().zip(first_group) {
        customer.orders.sort_by_key(|o| o.day);
        customer.group = group.and_then(|(_, g)| g);
    }
    Ok(History {
        customers,
        has_amount,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A canonical frame of (customer, order id, day, amount) rows.
    fn frame(rows: &[(&str, &str, i64, f64)]) -> DataFrame {
        let column = |name: &str, values: Vec<&str>| Column::new(name.into(), values);
        DataFrame::new(
            rows.len(),
            vec![
                column(CUSTOMER_ID, rows.iter().map(|r| r.0).collect()),
                column(ORDER_ID, rows.iter().map(|r| r.1).collect()),
                Column::new(
                    ORDER_TS.into(),
                    rows.iter().map(|r| r.2 * MS_PER_DAY).collect::<Vec<_>>(),
                )
                .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
                .unwrap(),
                Column::new(AMOUNT.into(), rows.iter().map(|r| r.3).collect::<Vec<_>>()),
            ],
        )
        .unwrap()
    }

    #[test]
    fn customers_and_orders_come_in_file_order() {
        let mut rows = Vec::new();
        let names: Vec<String> = (0..300).map(|i| format!("c{}", (i * 37) % 300)).collect();
        for (i, name) in names.iter().enumerate() {
            rows.push((name.as_str(), "o1", 100 + i as i64 % 7, 10.0));
            rows.push((name.as_str(), "o2", 100 + i as i64 % 7, 2.5));
        }
        let frame = frame(&rows);
        for orders_are_rows in [true, false] {
            let history = build(&frame, true, orders_are_rows, None).unwrap();
            let order: Vec<&str> = history.customers.iter().map(|c| c.id.as_str()).collect();
            assert_eq!(order, names, "orders are rows: {orders_are_rows}");
            // Two orders on one day keep their order in the file.
            let amounts: Vec<f64> = history.customers[0]
                .orders
                .iter()
                .map(|o| o.amount)
                .collect();
            assert_eq!(amounts, [10.0, 2.5]);
        }
    }
}
