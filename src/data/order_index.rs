//! The canonical frame's rows grouped once: customer by customer in order
//! of first appearance, within a customer order by order (a customer's
//! order id) in order of first appearance, within an order in file order.
//! The import report counts customers and orders from it, and the analyses
//! build every customer history from it in one pass over arrays.

use std::collections::HashMap;

use polars::prelude::*;
use rayon::prelude::*;

use super::order_rows::{mix, text_key};
use super::{CUSTOMER_ID, ORDER_ID};

/// Customers handled as one piece of parallel work.
const CHUNK_CUSTOMERS: usize = 4096;

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
        let (ids, mut layout, customer_starts) =
            by_customer(&Texts::of(frame.column(CUSTOMER_ID)?)?);
        let order_starts = if by_order_id {
            let orders = Texts::of(&frame.column(ORDER_ID)?.cast(&DataType::String)?)?;
            group_orders(&mut layout, &customer_starts, &orders)
        } else {
            None
        };
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

/// A text column with each row's text as an exact key ([`text_key`]) when
/// it is at most 15 bytes long: ids are then compared and hashed as
/// numbers, and only longer ones as text.
struct Texts {
    values: StringChunked,
    keys: Vec<u128>,
}

/// The key of a text too long for an exact key (no exact key ends in 0xFF).
const LONG: u128 = u128::MAX;

impl Texts {
    fn of(column: &Column) -> PolarsResult<Texts> {
        let values = column.str()?.clone();
        let arrays: Vec<_> = values.downcast_iter().collect();
        let pieces: Vec<Vec<u128>> = arrays
            .par_iter()
            .map(|array| {
                array
                    .values_iter()
                    .map(|text| text_key(text).unwrap_or(LONG))
                    .collect()
            })
            .collect();
        Ok(Texts {
            keys: pieces.concat(),
            values,
        })
    }

    fn get(&self, row: u32) -> &str {
        self.values.get(row as usize).unwrap_or_default()
    }

    fn hash(&self, row: u32) -> u64 {
        match self.keys[row as usize] {
            LONG => long_text_hash(self.get(row)),
            key => mix(key),
        }
    }

    /// Whether two rows hold the same text.
    fn same(&self, a: u32, b: u32) -> bool {
        match (self.keys[a as usize], self.keys[b as usize]) {
            (LONG, LONG) => self.get(a) == self.get(b),
            (x, y) => x == y,
        }
    }
}

/// A well-mixed hash of a text longer than an exact key: its 16-byte words
/// folded.
fn long_text_hash(text: &str) -> u64 {
    let mut hash = text.len() as u64;
    for word in text.as_bytes().chunks(16) {
        let mut packed = [0u8; 16];
        packed[..word.len()].copy_from_slice(word);
        hash = mix(u128::from_le_bytes(packed) ^ u128::from(hash));
    }
    hash
}

/// Hashes are split into this many buckets by their top bits.
const BUCKET_BITS: u32 = 10;

/// The customers' ids in order of first appearance, the rows customer by
/// customer (in file order within a customer), and where each customer's
/// rows start, then the end. Rows are split by the hash of their id into
/// buckets, whose maps stay small, and the buckets run on all cores.
fn by_customer(customers: &Texts) -> (CustomerIds, Vec<u32>, Vec<usize>) {
    let rows = customers.keys.len();
    let buckets = 1usize << BUCKET_BITS;
    let hashes: Vec<u64> = (0..rows as u32)
        .into_par_iter()
        .with_min_len(1 << 14)
        .map(|row| customers.hash(row))
        .collect();
    let bucket_of = |hash: u64| (hash >> (64 - BUCKET_BITS)) as usize;
    // Rows and their hashes by bucket, in file order within a bucket.
    let mut starts = vec![0usize; buckets + 1];
    for &hash in &hashes {
        starts[bucket_of(hash) + 1] += 1;
    }
    for b in 0..buckets {
        starts[b + 1] += starts[b];
    }
    let mut next = starts.clone();
    let mut bucket_rows = vec![0u32; rows];
    let mut bucket_hashes = vec![0u64; rows];
    for (row, &hash) in hashes.iter().enumerate() {
        let slot = &mut next[bucket_of(hash)];
        bucket_rows[*slot] = row as u32;
        bucket_hashes[*slot] = hash;
        *slot += 1;
    }
    drop(hashes);
    /// A bucket's customers: each one's first row and rows, and each of
    /// the bucket's rows' customer there.
    struct Found {
        first_rows: Vec<u32>,
        counts: Vec<u32>,
        local: Vec<u32>,
    }
    let found: Vec<Found> = (0..buckets)
        .into_par_iter()
        .map(|b| {
            let range = starts[b]..starts[b + 1];
            let mut first_rows: Vec<u32> = Vec::new();
            let mut first_keys: Vec<u128> = Vec::new();
            let mut counts: Vec<u32> = Vec::new();
            let mut local: Vec<u32> = Vec::with_capacity(range.len());
            let mut by_hash: HashMap<u64, u32, KeyState> = HashMap::default();
            // Customers whose ids share a hash: a chain through `collided`.
            let mut collided: Vec<u32> = Vec::new();
            for (&row, &hash) in bucket_rows[range.clone()].iter().zip(&bucket_hashes[range]) {
                let key = customers.keys[row as usize];
                let same = |at: u32| {
                    first_keys[at as usize] == key
                        && (key != LONG || customers.same(first_rows[at as usize], row))
                };
                let mut at = by_hash.get(&hash).copied();
                while let Some(candidate) = at.filter(|c| !same(*c)) {
                    at = Some(collided[candidate as usize]).filter(|n| *n != u32::MAX);
                    if at.is_none() {
                        // A new customer chained behind the last one seen.
                        collided[candidate as usize] = first_rows.len() as u32;
                    }
                }
                let customer = match at {
                    Some(customer) => customer,
                    None => {
                        let new = first_rows.len() as u32;
                        by_hash.entry(hash).or_insert(new);
                        first_rows.push(row);
                        first_keys.push(key);
                        counts.push(0);
                        collided.push(u32::MAX);
                        new
                    }
                };
                counts[customer as usize] += 1;
                local.push(customer);
            }
            Found {
                first_rows,
                counts,
                local,
            }
        })
        .collect();
    // Customers numbered by their first row in the file.
    let mut firsts: Vec<(u32, u32, u32)> = found
        .iter()
        .enumerate()
        .flat_map(|(b, f)| {
            f.first_rows
                .iter()
                .enumerate()
                .map(move |(local, row)| (*row, b as u32, local as u32))
        })
        .collect();
    firsts.par_sort_unstable();
    let ids = CustomerIds::from_texts(firsts.iter().map(|(row, _, _)| customers.get(*row)));
    let mut number: Vec<Vec<u32>> = found.iter().map(|f| vec![0; f.first_rows.len()]).collect();
    let mut customer_starts = Vec::with_capacity(firsts.len() + 1);
    let mut at = 0usize;
    for (n, (_, b, local)) in firsts.iter().enumerate() {
        number[*b as usize][*local as usize] = n as u32;
        customer_starts.push(at);
        at += found[*b as usize].counts[*local as usize] as usize;
    }
    customer_starts.push(at);
    // A customer's rows are all in one bucket, in file order there.
    let mut next = customer_starts.clone();
    let mut layout = vec![0u32; rows];
    for (b, f) in found.iter().enumerate() {
        for (row, customer) in bucket_rows[starts[b]..starts[b + 1]].iter().zip(&f.local) {
            let slot = &mut next[number[b][*customer as usize] as usize];
            layout[*slot] = *row;
            *slot += 1;
        }
    }
    (ids, layout, customer_starts)
}

/// Puts each customer's rows order by order (orders in order of first
/// appearance, rows in file order) and says where each order starts, then
/// the end; `None` when every row is its own order.
fn group_orders(
    layout: &mut [u32],
    customer_starts: &[usize],
    orders: &Texts,
) -> Option<Vec<usize>> {
    // Chunks of whole customers, each reordered on its own.
    let mut pieces: Vec<(usize, &mut [u32])> = Vec::new();
    let mut rest = layout;
    let mut offset = 0;
    for chunk in customer_starts
        .windows(CHUNK_CUSTOMERS + 1)
        .step_by(CHUNK_CUSTOMERS)
    {
        let end = chunk[CHUNK_CUSTOMERS];
        let (piece, tail) = rest.split_at_mut(end - offset);
        pieces.push((offset, piece));
        rest = tail;
        offset = end;
    }
    pieces.push((offset, rest));
    let starts: Vec<Vec<usize>> = pieces
        .into_par_iter()
        .map(|(offset, piece)| {
            let first = customer_starts.partition_point(|s| *s < offset);
            let mut starts = Vec::new();
            let mut scratch = OrderScratch::default();
            for pair in customer_starts[first..].windows(2) {
                if pair[0] >= offset + piece.len() {
                    break;
                }
                let rows = &mut piece[pair[0] - offset..pair[1] - offset];
                group_customer_orders(rows, orders, &mut scratch, pair[0], &mut starts);
            }
            starts
        })
        .collect();
    let mut all: Vec<usize> = Vec::with_capacity(starts.iter().map(Vec::len).sum::<usize>() + 1);
    for piece in starts {
        all.extend(piece);
    }
    if all.len() == layout_len(customer_starts) {
        return None;
    }
    all.push(layout_len(customer_starts));
    Some(all)
}

fn layout_len(customer_starts: &[usize]) -> usize {
    customer_starts.last().copied().unwrap_or(0)
}

/// Customers with more rows find their orders by sorting hashes rather
/// than comparing every row with every earlier one.
const FEW_ROWS: usize = 32;

/// Lists reused from customer to customer while orders are grouped.
#[derive(Default)]
struct OrderScratch {
    /// Each row's order as the position of the order's first row.
    first_of: Vec<u32>,
    /// Orders numbered by first appearance, by the position of their first row.
    number: Vec<u32>,
    keyed: Vec<(u64, u32)>,
    /// (order number, row) of each row.
    numbered: Vec<(u32, u32)>,
    keys: Vec<u128>,
}

/// One customer's rows (at layout position `at`) grouped into orders,
/// pushing where each order starts.
fn group_customer_orders(
    rows: &mut [u32],
    orders: &Texts,
    scratch: &mut OrderScratch,
    at: usize,
    starts: &mut Vec<usize>,
) {
    let same = |a: u32, b: u32| orders.same(a, b);
    let OrderScratch {
        first_of,
        number,
        keyed,
        numbered,
        keys,
    } = scratch;
    first_of.clear();
    if rows.len() <= FEW_ROWS {
        // The rows' keys gathered once, then compared among themselves.
        keys.clear();
        keys.extend(rows.iter().map(|r| orders.keys[*r as usize]));
        for i in 0..rows.len() {
            let earlier =
                (0..i).find(|&j| keys[j] == keys[i] && (keys[i] != LONG || same(rows[j], rows[i])));
            first_of.push(earlier.map_or(i as u32, |j| first_of[j]));
        }
    } else {
        first_of.extend(0..rows.len() as u32);
        keyed.clear();
        keyed.extend(
            rows.iter()
                .enumerate()
                .map(|(i, r)| (orders.hash(*r), i as u32)),
        );
        keyed.sort_unstable();
        for run in keyed.chunk_by(|a, b| a.0 == b.0) {
            for (k, &(_, p)) in run.iter().enumerate() {
                if let Some(&(_, q)) = run[..k]
                    .iter()
                    .find(|(_, q)| same(rows[*q as usize], rows[p as usize]))
                {
                    first_of[p as usize] = first_of[q as usize];
                }
            }
        }
    }
    // Orders numbered by first appearance.
    numbered.clear();
    number.clear();
    number.resize(rows.len(), u32::MAX);
    let mut distinct = 0u32;
    for (i, &row) in rows.iter().enumerate() {
        let first = first_of[i] as usize;
        if number[first] == u32::MAX {
            number[first] = distinct;
            distinct += 1;
        }
        numbered.push((number[first], row));
    }
    if distinct as usize != rows.len() {
        // Stable: rows of an order stay in file order.
        numbered.sort_by_key(|(order, _)| *order);
        for (slot, (_, row)) in rows.iter_mut().zip(numbered.iter()) {
            *slot = *row;
        }
    }
    let mut previous = u32::MAX;
    for (i, (order, _)) in numbered.iter().enumerate() {
        if *order != previous {
            starts.push(at + i);
            previous = *order;
        }
    }
}

/// A hasher for keys that are already well-mixed hashes. The buckets'
/// maps hold hashes whose top bits are all the same (they chose the
/// bucket), and hash maps tell entries apart by their top bits: the hash is
/// rotated so that other bits take that place.
#[derive(Clone, Copy, Default)]
struct KeyState;

#[derive(Default)]
struct KeyHasher(u64);

impl std::hash::BuildHasher for KeyState {
    type Hasher = KeyHasher;
    fn build_hasher(&self) -> KeyHasher {
        KeyHasher::default()
    }
}

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }
    fn write_u64(&mut self, value: u64) {
        self.0 = value.rotate_left(32);
    }
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

    /// A customer with many rows: orders found by sorting hashes, in order
    /// of first appearance, rows of an order in file order.
    #[test]
    fn a_customer_with_many_rows() {
        let orders: Vec<String> = (0..100).map(|i| format!("o{}", (i * 7) % 5)).collect();
        let frame = DataFrame::new(
            orders.len(),
            vec![
                Column::new(CUSTOMER_ID.into(), vec!["big"; orders.len()]),
                Column::new(ORDER_ID.into(), orders.clone()),
            ],
        )
        .unwrap();
        let index = OrderIndex::build(&frame, true).unwrap();
        assert_eq!(index.orders(), 5);
        let starts = index.order_starts.clone().unwrap();
        for pair in starts.windows(2) {
            let rows = &index.layout[pair[0]..pair[1]];
            assert!(rows.windows(2).all(|w| w[0] < w[1]), "file order");
            let first = &orders[rows[0] as usize];
            assert!(rows.iter().all(|r| &orders[*r as usize] == first));
        }
        let firsts: Vec<u32> = starts[..5].iter().map(|s| index.layout[*s]).collect();
        assert_eq!(
            firsts,
            [0, 1, 2, 3, 4],
            "orders in order of first appearance"
        );
    }
}
