//! Every customer's orders, grouped and sorted once, so the cohort table and
//! the KPIs are exact counts over one compact structure.
//!
//! An order is a distinct order id (or a row, when no order id is mapped);
//! its day is its earliest row's day and its amount the sum of its rows. An
//! order whose amount is negative is a refund: it reduces revenue but is no
//! purchase, so it never makes a customer active or defines a cohort.
//!
//! The orders of all customers sit in one array, customer after customer
//! (a compressed row layout): a million customers cost three arrays, not a
//! million allocations, and narrowing to some customers is a copy of their
//! slices.

use std::sync::Arc;

use polars::prelude::*;
use rayon::prelude::*;

use crate::data::{CUSTOMER_ID, ORDER_TS};

const MS_PER_DAY: i64 = 86_400_000;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Order {
    /// Days since 1970-01-01.
    pub day: i32,
    /// The order's first row in the canonical frame, where its attribute
    /// values are read.
    pub row: u32,
    /// 0 for every order of a log without amounts.
    pub amount: f64,
}

impl Order {
    /// A purchase, not a refund: every order of a log without amounts.
    pub fn purchase(&self) -> bool {
        self.amount >= 0.0
    }
}

pub use crate::data::order_index::CustomerIds;

/// One customer of a history: their index in the order log, their id and
/// their orders, sorted by day (orders of one day in file order).
#[derive(Clone, Copy, Debug)]
pub struct Customer<'a> {
    pub index: u32,
    pub id: &'a str,
    pub orders: &'a [Order],
    redeemed: Option<&'a [f64]>,
}

impl<'a> Customer<'a> {
    pub fn purchases(&self) -> impl Iterator<Item = &'a Order> + 'a {
        self.orders.iter().filter(|o| o.purchase())
    }

    pub fn first_purchase_day(&self) -> Option<i32> {
        self.purchases().next().map(|o| o.day)
    }

    /// The first purchase, where a customer's first-purchase attributes are read.
    pub fn first_purchase(&self) -> Option<&'a Order> {
        self.purchases().next()
    }

    /// Loyalty points spent on the customer's `i`-th order (0 without such
    /// a column).
    pub fn points_redeemed(&self, i: usize) -> f64 {
        self.redeemed.and_then(|r| r.get(i)).copied().unwrap_or(0.0)
    }
}

/// Customers and their orders.
#[derive(Clone, Debug)]
pub struct History {
    pub has_amount: bool,
    ids: Arc<CustomerIds>,
    /// Each customer's index in the order log.
    index: Vec<u32>,
    /// Where each customer's orders start in `orders`, then the end.
    starts: Vec<usize>,
    orders: Vec<Order>,
    /// Points redeemed per order, when the log has such a column.
    redeemed: Option<Vec<f64>>,
}

impl PartialEq for History {
    fn eq(&self, other: &History) -> bool {
        self.len() == other.len()
            && self.has_amount == other.has_amount
            && self.customers().zip(other.customers()).all(|(a, b)| {
                a.index == b.index
                    && a.id == b.id
                    && a.orders == b.orders
                    && (0..a.orders.len()).all(|i| a.points_redeemed(i) == b.points_redeemed(i))
            })
    }
}

impl History {
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    pub fn order_count(&self) -> usize {
        self.orders.len()
    }

    pub fn ids(&self) -> &Arc<CustomerIds> {
        &self.ids
    }

    /// The first and last day of any order, `None` without orders.
    pub fn day_range(&self) -> Option<(i32, i32)> {
        self.orders
            .par_iter()
            .map(|o| (o.day, o.day))
            .reduce_with(|a, b| (a.0.min(b.0), a.1.max(b.1)))
    }

    /// The customer at position `i` of this history.
    pub fn customer(&self, i: usize) -> Customer<'_> {
        let (start, end) = (self.starts[i], self.starts[i + 1]);
        Customer {
            index: self.index[i],
            id: self.ids.get(self.index[i]),
            orders: &self.orders[start..end],
            redeemed: self.redeemed.as_deref().map(|r| &r[start..end]),
        }
    }

    pub fn customers(&self) -> impl ExactSizeIterator<Item = Customer<'_>> + Clone + '_ {
        (0..self.len()).map(|i| self.customer(i))
    }

    pub fn par_customers(&self) -> impl IndexedParallelIterator<Item = Customer<'_>> + '_ {
        (0..self.len()).into_par_iter().map(|i| self.customer(i))
    }

    /// The customers `keep` says yes to, in the same order.
    pub fn subset(&self, keep: impl Fn(&Customer<'_>) -> bool) -> History {
        let mut builder = HistoryBuilder::new(self.ids.clone(), self.has_amount);
        for customer in self.customers().filter(|c| keep(c)) {
            builder.push_customer(&customer);
        }
        builder.finish()
    }

    /// A history from customers given with their orders, for files read as
    /// a plain log of who did something when (the event log) and for tests.
    pub fn from_customers<'a>(
        customers: impl IntoIterator<Item = (&'a str, Vec<Order>)>,
        has_amount: bool,
    ) -> History {
        let customers: Vec<(&str, Vec<Order>)> = customers.into_iter().collect();
        let ids = Arc::new(CustomerIds::from_texts(customers.iter().map(|(id, _)| *id)));
        let mut builder = HistoryBuilder::new(ids, has_amount);
        for (index, (_, mut orders)) in customers.into_iter().enumerate() {
            orders.sort_by_key(|o| o.day);
            builder.push(index as u32, &orders, None);
        }
        builder.finish()
    }
}

/// Appends customers to a history, in the order they are pushed.
pub struct HistoryBuilder {
    history: History,
}

impl HistoryBuilder {
    pub fn new(ids: Arc<CustomerIds>, has_amount: bool) -> HistoryBuilder {
        HistoryBuilder {
            history: History {
                has_amount,
                ids,
                index: Vec::new(),
                starts: vec![0],
                orders: Vec::new(),
                redeemed: None,
            },
        }
    }

    /// Adds a customer whose orders are sorted by day; `redeemed` holds the
    /// points redeemed per order when the log has them.
    pub fn push(&mut self, index: u32, orders: &[Order], redeemed: Option<&[f64]>) {
        let h = &mut self.history;
        if let Some(points) = redeemed {
            let filled = h.orders.len();
            h.redeemed
                .get_or_insert_with(|| vec![0.0; filled])
                .extend_from_slice(points);
        } else if let Some(points) = &mut h.redeemed {
            points.extend(std::iter::repeat_n(0.0, orders.len()));
        }
        h.index.push(index);
        h.orders.extend_from_slice(orders);
        h.starts.push(h.orders.len());
    }

    fn push_customer(&mut self, customer: &Customer<'_>) {
        self.push(customer.index, customer.orders, customer.redeemed);
    }

    /// Appends every customer of `other` (built on the same ids).
    pub fn append(&mut self, other: History) {
        let h = &mut self.history;
        let offset = h.orders.len();
        match (&mut h.redeemed, other.redeemed) {
            (Some(mine), Some(theirs)) => mine.extend(theirs),
            (Some(mine), None) => mine.extend(std::iter::repeat_n(0.0, other.orders.len())),
            (None, Some(theirs)) => {
                let mut points = vec![0.0; offset];
                points.extend(theirs);
                h.redeemed = Some(points);
            }
            (None, None) => {}
        }
        h.index.extend(other.index);
        h.orders.extend(other.orders);
        h.starts
            .extend(other.starts.iter().skip(1).map(|s| s + offset));
    }

    pub fn finish(self) -> History {
        self.history
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

/// Customers with orders given as (day, amount), for the tests of the
/// analyses built on histories; a negative amount is a refund.
#[cfg(test)]
pub fn test_history(customers: &[(&str, &[(i32, f64)])]) -> History {
    History::from_customers(
        customers.iter().map(|(id, orders)| {
            let orders = orders
                .iter()
                .map(|&(day, amount)| Order {
                    day,
                    row: 0,
                    amount,
                })
                .collect();
            (*id, orders)
        }),
        true,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsets_keep_order_and_points() {
        let history = test_history(&[("a", &[(3, 1.0), (1, 2.0)]), ("b", &[(2, 5.0)])]);
        assert_eq!(history.customer(0).orders[0].day, 1, "sorted by day");
        let only_b = history.subset(|c| c.id == "b");
        assert_eq!(only_b.len(), 1);
        assert_eq!(only_b.customer(0).id, "b");
        assert_eq!(only_b.customer(0).index, 1);
        assert_eq!(only_b.customer(0).orders[0].amount, 5.0);
    }
}
