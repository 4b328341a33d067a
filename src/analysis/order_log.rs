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
use crate::data::order_index::OrderIndex;
use crate::data::{AMOUNT, Dataset, ORDER_TS, POINTS_REDEEMED};

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
    index: Arc<OrderIndex>,
    /// Each row's day, amount and points redeemed, in the index's layout,
    /// so that a pass reads them in order.
    day: Vec<i32>,
    amount: Vec<f64>,
    redeemed: Option<Vec<f64>>,
}

impl OrderLog {
    /// The dataset's rows as the analyses read them.
    pub fn build(dataset: &Dataset) -> PolarsResult<OrderLog> {
        let frame = &dataset.orders;
        let index = dataset.index.clone();
        let row = &index.layout;
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
        let amount = match dataset.has_amount {
            true => numbers(AMOUNT)?.unwrap_or_else(|| vec![0.0; row.len()]),
            false => vec![0.0; row.len()],
        };
        let redeemed = numbers(POINTS_REDEEMED)?;
        Ok(OrderLog {
            has_amount: dataset.has_amount,
            rows: index.rows,
            day,
            amount,
            redeemed,
            index,
        })
    }

    pub fn customers(&self) -> usize {
        self.index.customers()
    }

    pub fn ids(&self) -> &Arc<CustomerIds> {
        &self.index.ids
    }

    /// Clears `mask` for the rows of every customer `keep` says no to (by
    /// the customer's log index).
    pub fn keep_customers(&self, mask: &mut [bool], keep: impl Fn(u32) -> bool) {
        for customer in 0..self.customers() {
            if keep(customer as u32) {
                continue;
            }
            for &row in &self.index.layout[self.index.customer_range(customer)] {
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
        for (&row, &day) in self.index.layout.iter().zip(&self.day) {
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
        let mut builder = HistoryBuilder::new(self.ids().clone(), self.has_amount);
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
        let mut builder = HistoryBuilder::new(self.ids().clone(), self.has_amount);
        let mut orders: Vec<(Order, f64)> = Vec::new();
        let mut sorted: Vec<Order> = Vec::new();
        let mut points: Vec<f64> = Vec::new();
        for customer in customers {
            let range = self.index.customer_range(customer);
            let (start, end) = (range.start, range.end);
            orders.clear();
            match &self.index.order_starts {
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
            let (day, row) = (self.day[p], self.index.layout[p]);
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
        order.filter(|(o, _)| o.day < before_day)
    }
}

/// Every customer's orders in `dataset`, for callers that analyse a file
/// once (benchmarks, tests) rather than through the engine.
pub fn history_of(dataset: &Dataset) -> PolarsResult<History> {
    OrderLog::build(dataset)?
        .history(None, i32::MAX, &Cancel::never())
        .map_err(|c| polars_err!(ComputeError: "{c}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::load::load_bytes;
    use crate::data::{ImportOptions, Source};

    fn dataset(csv: &str) -> Dataset {
        load_bytes(
            Source::File("t.csv".into()),
            csv.as_bytes().to_vec(),
            &ImportOptions::default(),
        )
        .unwrap()
    }

    #[test]
    fn customers_and_orders_come_in_file_order() {
        let names: Vec<String> = (0..300).map(|i| format!("c{}", (i * 37) % 300)).collect();
        for with_order_ids in [false, true] {
            let mut csv = String::from(if with_order_ids {
                "customer,order,date,amount\n"
            } else {
                "customer,date,amount\n"
            });
            for (i, name) in names.iter().enumerate() {
                for (order, amount) in [("o1", "10.0"), ("o2", "2.5")] {
                    let day = 10 + i % 7;
                    match with_order_ids {
                        true => csv += &format!("{name},{name}-{order},2024-01-{day},{amount}\n"),
                        false => csv += &format!("{name},2024-01-{day},{amount}\n"),
                    }
                }
            }
            let history = history_of(&dataset(&csv)).unwrap();
            let order: Vec<&str> = history.customers().map(|c| c.id).collect();
            assert_eq!(order, names, "order ids: {with_order_ids}");
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
        let data = dataset(
            "customer,order,date,amount\n\
             a,o1,2024-01-10,5\n\
             b,o9,2024-01-03,1\n\
             a,o2,2024-01-04,7\n\
             a,o1,2024-01-08,-20\n\
             a,o1,2024-01-12,1\n",
        );
        let log = OrderLog::build(&data).unwrap();
        assert_eq!((log.customers(), data.index.orders()), (2, 3));
        let day = |d: u32| {
            crate::calendar::day_number(chrono::NaiveDate::from_ymd_opt(2024, 1, d).unwrap())
        };
        let all = log.history(None, i32::MAX, &Cancel::never()).unwrap();
        let a = all.customer(0);
        assert_eq!(a.id, "a");
        // o2 on the 4th, then o1 (the 8th to the 12th) on the 8th: a refund of -14.
        assert_eq!(a.orders.len(), 2);
        assert_eq!((a.orders[0].day, a.orders[0].amount), (day(4), 7.0));
        assert_eq!(
            (a.orders[1].day, a.orders[1].amount, a.orders[1].purchase()),
            (day(8), -14.0, false)
        );
        assert_eq!(a.orders[1].row, 0, "the order's first row");
        // Before the 9th, o1 (from the 8th) keeps its later lines; before the
        // 8th it is left out.
        let early = log.history(None, day(9), &Cancel::never()).unwrap();
        assert_eq!(early.customer(0).orders[1].amount, -14.0);
        let earlier = log.history(None, day(8), &Cancel::never()).unwrap();
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
