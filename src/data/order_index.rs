//! The canonical frame's rows grouped once: customer by customer in order
//! of first appearance, within a customer order by order (a customer's
//! order id) in order of first appearance, within an order in file order.
//! The import report counts customers and orders from it, and the analyses
//! build every customer history from it in one pass over arrays.

use std::collections::HashMap;

use polars::prelude::*;
use rayon::prelude::*;

use super::{CUSTOMER_ID, ORDER_ID};

/// Customers handled as one piece of parallel work.
const CHUNK_CUSTOMERS: usize = 4096;
/// Customers with at most this many rows find their orders by comparing
/// ids instead of hashing them.
const FEW_ROWS: usize = 16;

/// The text of every customer id, by the customer's index (the order in
/// which customers first appear in the file).
#[derive(Debug, Default, PartialEq)]
pub struct CustomerIds {
    text: String,
    ends: Vec<usize>,
}

impl CustomerIds {
    pub fn from_texts<'a>(ids: impl IntoIterator<Item = &'a str>) -> CustomerIds {
        let mut out = CustomerIds::default();
        for id in ids {
            out.text.push_str(id);
            out.ends.push(out.text.len());
        }
        out
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The id of customer `index`; empty for an index out of range.
    pub fn get(&self, index: u32) -> &str {
        let index = index as usize;
        let end = self.ends.get(index).copied().unwrap_or(0);
        let start = match index.checked_sub(1) {
            Some(before) => self.ends.get(before).copied().unwrap_or(end),
            None => 0,
        };
        self.text.get(start..end).unwrap_or_default()
    }
}

#[derive(Debug, Default)]
pub struct OrderIndex {
    /// Rows of the canonical frame.
    pub rows: usize,
    pub ids: std::sync::Arc<CustomerIds>,
    /// Row numbers in the grouped layout.
    pub layout: Vec<u32>,
    /// Where each customer's rows start in the layout, then the end.
    pub customer_starts: Vec<usize>,
    /// Where each order's rows start in the layout, then the end; `None`
    /// when every row is its own order.
    pub order_starts: Option<Vec<usize>>,
}

impl OrderIndex {
    /// Groups a canonical frame's rows; `by_order_id` groups a customer's
    /// rows with the same order id (else every row is an order).
    pub fn build(frame: &DataFrame, by_order_id: bool) -> PolarsResult<OrderIndex> {
        let height = frame.height();
        if u32::try_from(height).is_err() {
            polars_bail!(ComputeError: "{height} rows are more than Kohorte can index (at most 4,294,967,295)");
        }
        let customers = frame.column(CUSTOMER_ID)?.str()?.clone();
        let (ids, customer_rows) = customer_groups(frame, &customers)?;
        let order_ids = if by_order_id {
            Some(
                frame
                    .column(ORDER_ID)?
                    .cast(&DataType::String)?
                    .str()?
                    .rechunk()
                    .into_owned(),
            )
        } else {
            None
        };
        let pieces: Vec<(Vec<u32>, Vec<usize>)> = customer_rows
            .par_chunks(CHUNK_CUSTOMERS)
            .map(|chunk| group_orders(chunk, order_ids.as_ref()))
            .collect();
        let mut layout = Vec::with_capacity(height);
        let mut customer_starts = Vec::with_capacity(customer_rows.len() + 1);
        let mut order_starts = order_ids.as_ref().map(|_| Vec::with_capacity(height + 1));
        for (chunk, (rows, starts)) in customer_rows.chunks(CHUNK_CUSTOMERS).zip(pieces) {
            let offset = layout.len();
            let mut at = offset;
            for customer in chunk {
                customer_starts.push(at);
                at += customer.len();
            }
            if let Some(order_starts) = &mut order_starts {
                order_starts.extend(starts.iter().map(|s| s + offset));
            }
            layout.extend(rows);
        }
        customer_starts.push(layout.len());
        // Orders that are all single rows need no order layout.
        let order_starts = order_starts.filter(|starts| starts.len() != layout.len());
        let order_starts = order_starts.map(|mut starts| {
            starts.push(layout.len());
            starts
        });
        Ok(OrderIndex {
            rows: height,
            ids: std::sync::Arc::new(ids),
            layout,
            customer_starts,
            order_starts,
        })
    }

    pub fn customers(&self) -> usize {
        self.customer_starts.len().saturating_sub(1)
    }

    /// Orders: the distinct order ids of each customer (or rows).
    pub fn orders(&self) -> usize {
        self.order_starts
            .as_ref()
            .map_or(self.layout.len(), |s| s.len().saturating_sub(1))
    }

    /// Every row is its own order.
    pub fn orders_are_rows(&self) -> bool {
        self.orders() == self.layout.len()
    }

    /// The rows of customer `customer`, as a range of the layout.
    pub fn customer_range(&self, customer: usize) -> std::ops::Range<usize> {
        self.customer_starts[customer]..self.customer_starts[customer + 1]
    }
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

/// A chunk of customers' rows in the layout, and where each order starts
/// (relative to the chunk) when rows are grouped into orders.
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
    let id = |row: u32| order_ids.get(row as usize).unwrap_or_default();
    let mut position: HashMap<&str, usize> = HashMap::new();
    let mut by_order: Vec<Vec<u32>> = Vec::new();
    let mut firsts: Vec<&str> = Vec::new();
    for customer in customers {
        by_order.clear();
        if customer.len() <= FEW_ROWS {
            firsts.clear();
            for &row in customer {
                let order = id(row);
                match firsts.iter().position(|f| *f == order) {
                    Some(slot) => by_order[slot].push(row),
                    None => {
                        firsts.push(order);
                        by_order.push(vec![row]);
                    }
                }
            }
        } else {
            position.clear();
            for &row in customer {
                let next = by_order.len();
                let slot = *position.entry(id(row)).or_insert(next);
                if slot == next {
                    by_order.push(Vec::new());
                }
                by_order[slot].push(row);
            }
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

    #[test]
    fn ids_are_found_by_index() {
        let ids = CustomerIds::from_texts(["a", "", "ccc"]);
        assert_eq!((ids.get(0), ids.get(1), ids.get(2)), ("a", "", "ccc"));
        assert_eq!(ids.get(3), "");
    }

    #[test]
    fn customers_and_their_orders_in_order_of_appearance() {
        let many: Vec<String> = (0..20).map(|i| format!("o{}", i % 3)).collect();
        let mut customers = vec!["b", "a", "b", "a"];
        let mut orders: Vec<&str> = vec!["x", "y", "x", "z"];
        customers.extend(std::iter::repeat_n("c", many.len()));
        orders.extend(many.iter().map(String::as_str));
        let frame = DataFrame::new(
            customers.len(),
            vec![
                Column::new(CUSTOMER_ID.into(), customers),
                Column::new(ORDER_ID.into(), orders),
            ],
        )
        .unwrap();
        let index = OrderIndex::build(&frame, true).unwrap();
        assert_eq!(index.customers(), 3);
        assert_eq!((index.ids.get(0), index.ids.get(1)), ("b", "a"));
        // b: x (rows 0, 2); a: y, z; c (hashed): o0, o1, o2.
        assert_eq!(index.orders(), 1 + 2 + 3);
        assert_eq!(&index.layout[..4], &[0, 2, 1, 3]);
        assert!(!index.orders_are_rows());
        let by_row = OrderIndex::build(&frame, false).unwrap();
        assert!(by_row.orders_are_rows());
        assert_eq!(by_row.order_starts, None);
    }
}
