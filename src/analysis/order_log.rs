//! The canonical frame indexed once for the analyses: every row's day and
//! amount, its rows grouped customer by customer and order by order. Any
//! customer history (all orders before an as-of date, or the rows a filter
//! keeps) is then one pass over these arrays instead of a group-by over the
//! frame, so a changed filter or date costs milliseconds, not seconds.

use std::sync::Arc;

use polars::prelude::*;
use rayon::prelude::*;

use super::cancel::{Cancel, Cancelled};
use super::history::{CustomerIds, History, HistoryBuilder, Order};
use crate::data::{AMOUNT, CUSTOMER_ID, ORDER_ID, ORDER_TS, POINTS_REDEEMED};

const MS_PER_DAY: i64 = 86_400_000;
/// Customers handled as one piece of parallel work.
const CHUNK_CUSTOMERS: usize = 4096;

/// Rows of the canonical frame a view keeps, by row number.
pub type RowMask = [bool];

#[derive(Debug)]
pub struct OrderLog {
    pub has_amount: bool,
    /// Rows in the canonical frame.
    pub rows: usize,
    ids: Arc<CustomerIds>,
    /// The frame's rows grouped: customer by customer in order of first
    /// appearance, within a customer order by order in order of first
    /// appearance, within an order in file order. `day`, `amount` and
    /// `redeemed` follow the same layout, so a pass reads them in order.
    row: Vec<u32>,
    day: Vec<i32>,
    amount: Vec<f64>,
    redeemed: Option<Vec<f64>>,
    /// Where each customer's rows start in the layout, then the end.
    customer_starts: Vec<usize>,
    /// Where each order's rows start, then the end; `None` when every row
    /// is its own order.
    order_starts: Option<Vec<usize>>,
}

impl OrderLog {
    /// Indexes a canonical frame. `orders_are_rows` skips grouping rows into
    /// orders when every row is its own order.
    pub fn build(
        frame: &DataFrame,
        has_amount: bool,
        orders_are_rows: bool,
    ) -> PolarsResult<OrderLog> {
        let height = frame.height();
        if u32::try_from(height).is_err() {
            polars_bail!(ComputeError: "{height} rows are more than Kohorte can index (at most 4,294,967,295)");
        }
        let customers = frame.column(CUSTOMER_ID)?.str()?.clone();
        let (ids, customer_rows) = customer_groups(frame, &customers)?;
        let order_ids = if orders_are_rows {
            None
        } else {
            Some(
                frame
                    .column(ORDER_ID)?
                    .cast(&DataType::String)?
                    .str()?
                    .rechunk()
                    .into_owned(),
            )
        };
        let pieces: Vec<(Vec<u32>, Vec<usize>)> = customer_rows
            .par_chunks(CHUNK_CUSTOMERS)
            .map(|chunk| group_orders(chunk, order_ids.as_ref()))
            .collect();
        let mut row = Vec::with_capacity(height);
        let mut customer_starts = Vec::with_capacity(customer_rows.len() + 1);
        let mut order_starts = order_ids.as_ref().map(|_| Vec::with_capacity(height + 1));
        for (chunk, (rows, starts)) in customer_rows.chunks(CHUNK_CUSTOMERS).zip(pieces) {
            let offset = row.len();
            let mut at = offset;
            for customer in chunk {
                customer_starts.push(at);
                at += customer.len();
            }
            if let Some(order_starts) = &mut order_starts {
                order_starts.extend(starts.iter().map(|s| s + offset));
            }
            row.extend(rows);
        }
        customer_starts.push(row.len());
        if let Some(order_starts) = &mut order_starts {
            order_starts.push(row.len());
        }
        let ms = frame
            .column(ORDER_TS)?
            .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?
            .to_physical_repr()
            .i64()?
            .rechunk()
            .into_owned();
        let day: Vec<i32> = row
            .par_iter()
            .map(|&r| {
                ms.get(r as usize)
                    .map_or(i32::MAX, |ms| ms.div_euclid(MS_PER_DAY) as i32)
            })
            .collect();
        let numbers = |name: &str| -> PolarsResult<Option<Vec<f64>>> {
            let Ok(column) = frame.column(name) else {
                return Ok(None);
            };
            let values = column
                .cast(&DataType::Float64)?
                .f64()?
                .rechunk()
                .into_owned();
            Ok(Some(
                row.par_iter()
                    .map(|&r| values.get(r as usize).unwrap_or(0.0))
                    .collect(),
            ))
        };
        let amount = match has_amount {
            true => numbers(AMOUNT)?.unwrap_or_else(|| vec![0.0; row.len()]),
            false => vec![0.0; row.len()],
        };
        let redeemed = numbers(POINTS_REDEEMED)?;
        Ok(OrderLog {
            has_amount,
            rows: height,
            ids: Arc::new(ids),
            row,
            day,
            amount,
            redeemed,
            customer_starts,
            order_starts,
        })
    }

    pub fn customers(&self) -> usize {
        self.customer_starts.len().saturating_sub(1)
    }

    /// Orders: distinct order ids of a customer (or rows).
    pub fn orders(&self) -> usize {
        self.order_starts
            .as_ref()
            .map_or(self.row.len(), |s| s.len().saturating_sub(1))
    }

    pub fn ids(&self) -> &Arc<CustomerIds> {
        &self.ids
    }

    /// Clears `mask` for the rows of every customer `keep` says no to (by
    /// the customer's log index).
    pub fn keep_customers(&self, mask: &mut [bool], keep: impl Fn(u32) -> bool) {
        for customer in 0..self.customers() {
            if keep(customer as u32) {
                continue;
            }
            let rows =
                &self.row[self.customer_starts[customer]..self.customer_starts[customer + 1]];
            for &row in rows {
                if let Some(slot) = mask.get_mut(row as usize) {
                    *slot = false;
                }
            }
        }
    }

    /// The rows (in file order) that `keep` keeps (all without a mask) and
    /// whose own day is before `before_day`.
    pub fn rows_before(&self, keep: Option<&RowMask>, before_day: i32) -> Vec<u32> {
        let mut in_view = vec![false; self.rows];
        for (&row, &day) in self.row.iter().zip(&self.day) {
            if day < before_day
                && keep.is_none_or(|k| k.get(row as usize).copied().unwrap_or(false))
            {
                in_view[row as usize] = true;
            }
        }
        (0..self.rows as u32)
            .filter(|r| in_view[*r as usize])
            .collect()
    }

    /// Every customer's orders made of the rows `keep` keeps (all rows
    /// without a mask), those before `before_day` (days since 1970-01-01).
    /// An order's day is its earliest kept row's, its amount the sum of its
    /// kept rows; a line after `before_day` of an order that started before
    /// still belongs to it, as in the quick cohort table.
    pub fn history(
        &self,
        keep: Option<&RowMask>,
        before_day: i32,
        cancel: &Cancel,
    ) -> Result<History, Cancelled> {
        let customers = self.customers();
        let pieces: Vec<Result<History, Cancelled>> = (0..customers.div_ceil(CHUNK_CUSTOMERS))
            .into_par_iter()
            .map(|chunk| {
                cancel.check()?;
                let first = chunk * CHUNK_CUSTOMERS;
                let last = (first + CHUNK_CUSTOMERS).min(customers);
                Ok(self.history_of(first..last, keep, before_day))
            })
            .collect();
        let mut builder = HistoryBuilder::new(self.ids.clone(), self.has_amount);
        for piece in pieces {
            builder.append(piece?);
        }
        Ok(builder.finish())
    }

    fn history_of(
        &self,
        customers: std::ops::Range<usize>,
        keep: Option<&RowMask>,
        before_day: i32,
    ) -> History {
        let mut builder = HistoryBuilder::new(self.ids.clone(), self.has_amount);
        let mut orders: Vec<(Order, f64)> = Vec::new();
        let mut sorted: Vec<Order> = Vec::new();
        let mut points: Vec<f64> = Vec::new();
        for customer in customers {
            let (start, end) = (
                self.customer_starts[customer],
                self.customer_starts[customer + 1],
            );
            orders.clear();
            match &self.order_starts {
                None => {
                    for at in start..end {
                        if let Some(order) = self.order_of(at..at + 1, keep, before_day) {
                            orders.push(order);
                        }
                    }
                }
                Some(order_starts) => {
                    let first = order_starts.partition_point(|s| *s < start);
                    for pair in order_starts[first..].windows(2) {
                        if pair[0] >= end {
                            break;
                        }
                        if let Some(order) = self.order_of(pair[0]..pair[1], keep, before_day) {
                            orders.push(order);
                        }
                    }
                }
            }
            if orders.is_empty() {
                continue;
            }
            // Stable: orders of one day stay in file order.
            orders.sort_by_key(|(o, _)| o.day);
            sorted.clear();
            sorted.extend(orders.iter().map(|(o, _)| *o));
            let redeemed = self.redeemed.as_ref().map(|_| {
                points.clear();
                points.extend(orders.iter().map(|(_, p)| *p));
                points.as_slice()
            });
            builder.push(customer as u32, &sorted, redeemed);
        }
        builder.finish()
    }

    /// The order made of the layout positions `at`, from the rows kept.
    #[inline]
    fn order_of(
        &self,
        at: std::ops::Range<usize>,
        keep: Option<&RowMask>,
        before_day: i32,
    ) -> Option<(Order, f64)> {
        let mut order: Option<(Order, f64)> = None;
        for p in at {
            let (day, row) = (self.day[p], self.row[p]);
            if keep.is_some_and(|k| !k.get(row as usize).copied().unwrap_or(false)) {
                continue;
            }
            let redeemed = self.redeemed.as_ref().map_or(0.0, |r| r[p]);
            match &mut order {
                None => {
                    order = Some((
                        Order {
                            day,
                            row,
                            amount: self.amount[p],
                            purchase: true,
                        },
                        redeemed,
                    ))
                }
                Some((o, points)) => {
                    o.day = o.day.min(day);
                    o.amount += self.amount[p];
                    *points += redeemed;
                }
            }
        }
        let (mut order, points) = order.filter(|(o, _)| o.day < before_day)?;
        order.purchase = !self.has_amount || order.amount >= 0.0;
        Some((order, points))
    }
}

/// Every customer's orders in `dataset`, for callers that analyse a file
/// once (benchmarks, tests) rather than through the engine.
pub fn history_of(dataset: &crate::data::Dataset) -> PolarsResult<History> {
    let log = OrderLog::build(&dataset.orders, dataset.has_amount, dataset.orders_are_rows)?;
    log.history(None, i32::MAX, &Cancel::never())
        .map_err(|c| polars_err!(ComputeError: "{c}"))
}

/// Customer ids in order of first appearance, and each customer's rows in
/// file order.
fn customer_groups(
    frame: &DataFrame,
    customers: &StringChunked,
) -> PolarsResult<(CustomerIds, Vec<Vec<u32>>)> {
    // Polars finds each customer's rows (a parallel hash group-by); they
    // are then put in file order, since the grouping's order varies from
    // run to run, and so would sums of money.
    let ids = frame.select([CUSTOMER_ID])?;
    let by_customer = ids.group_by([CUSTOMER_ID])?;
    let groups = by_customer.get_groups();
    let mut rows: Vec<Vec<u32>> = groups
        .par_iter()
        .map(|indicator| {
            let mut rows: Vec<u32> = match indicator {
                GroupsIndicator::Idx((_, idx)) => idx.iter().copied().collect(),
                GroupsIndicator::Slice([first, len]) => (first..first + len).collect(),
            };
            rows.sort_unstable();
            rows
        })
        .collect();
    rows.retain(|r| !r.is_empty());
    rows.par_sort_unstable_by_key(|r| r[0]);
    let ids = CustomerIds::from_texts(
        rows.iter()
            .map(|r| customers.get(r[0] as usize).unwrap_or_default()),
    );
    Ok((ids, rows))
}

/// A chunk of customers' rows in the log's layout, and where each order
/// starts (relative to the chunk), when rows are grouped into orders.
fn group_orders(
    customers: &[Vec<u32>],
    order_ids: Option<&StringChunked>,
) -> (Vec<u32>, Vec<usize>) {
    let total: usize = customers.iter().map(Vec::len).sum();
    let mut rows = Vec::with_capacity(total);
    let mut starts = Vec::new();
    let Some(order_ids) = order_ids else {
        for customer in customers {
            rows.extend_from_slice(customer);
        }
        return (rows, starts);
    };
    let mut position: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut by_order: Vec<Vec<u32>> = Vec::new();
    for customer in customers {
        if let [only] = customer.as_slice() {
            starts.push(rows.len());
            rows.push(*only);
            continue;
        }
        position.clear();
        by_order.clear();
        for &row in customer {
            let id = order_ids.get(row as usize).unwrap_or_default();
            let next = by_order.len();
            let slot = *position.entry(id).or_insert(next);
            if slot == next {
                by_order.push(Vec::new());
            }
            by_order[slot].push(row);
        }
        for order in &by_order {
            starts.push(rows.len());
            rows.extend_from_slice(order);
        }
    }
    (rows, starts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(rows: &[(&str, &str, i64, f64)]) -> DataFrame {
        DataFrame::new(
            rows.len(),
            vec![
                Column::new(
                    CUSTOMER_ID.into(),
                    rows.iter().map(|r| r.0).collect::<Vec<_>>(),
                ),
                Column::new(
                    ORDER_ID.into(),
                    rows.iter().map(|r| r.1).collect::<Vec<_>>(),
                ),
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
            let log = OrderLog::build(&frame, true, orders_are_rows).unwrap();
            let history = log.history(None, i32::MAX, &Cancel::never()).unwrap();
            let order: Vec<&str> = history.customers().map(|c| c.id).collect();
            assert_eq!(order, names, "orders are rows: {orders_are_rows}");
            // Two orders on one day keep their order in the file.
            let amounts: Vec<f64> = history
                .customer(0)
                .orders
                .iter()
                .map(|o| o.amount)
                .collect();
            assert_eq!(amounts, [10.0, 2.5]);
        }
    }

    #[test]
    fn lines_make_orders_and_masks_narrow_them() {
        let frame = frame(&[
            ("a", "o1", 10, 5.0),
            ("b", "o9", 3, 1.0),
            ("a", "o2", 4, 7.0),
            ("a", "o1", 8, -20.0),
            ("a", "o1", 12, 1.0),
        ]);
        let log = OrderLog::build(&frame, true, false).unwrap();
        assert_eq!((log.customers(), log.orders()), (2, 3));
        let all = log.history(None, i32::MAX, &Cancel::never()).unwrap();
        let a = all.customer(0);
        assert_eq!(a.id, "a");
        // o2 on day 4, then o1 (days 8 to 12) on day 8: a refund of -14.
        assert_eq!(a.orders.len(), 2);
        assert_eq!((a.orders[0].day, a.orders[0].amount), (4, 7.0));
        assert_eq!(
            (a.orders[1].day, a.orders[1].amount, a.orders[1].purchase),
            (8, -14.0, false)
        );
        assert_eq!(a.orders[1].row, 0, "the order's first row");
        // Before day 9, o1 (from day 8) keeps its later lines; before day 8
        // it is left out.
        let early = log.history(None, 9, &Cancel::never()).unwrap();
        assert_eq!(early.customer(0).orders[1].amount, -14.0);
        let earlier = log.history(None, 8, &Cancel::never()).unwrap();
        assert_eq!(earlier.customer(0).orders.len(), 1);
        // A mask keeping rows 0 and 1 only: o1 is row 0 alone; o2 is gone.
        let mask = [true, true, false, false, false];
        let masked = log
            .history(Some(&mask), i32::MAX, &Cancel::never())
            .unwrap();
        assert_eq!(masked.customer(0).orders.len(), 1);
        assert_eq!(masked.customer(0).orders[0].amount, 5.0);
        assert_eq!(masked.customer(1).id, "b");
    }
}
