//! An order log's rows reduced to what the quick cohort table needs, and
//! split by a hash of their customer into buckets small enough that a
//! bucket's customers and orders are found in maps that stay in the
//! processor's cache ([`crate::analysis::cohort_scan`] counts them;
//! [`super::cohort_read`] fills them from a file).

/// An order log's rows, split by customer into buckets: the input of the
/// quick cohort engine. Built chunk by chunk with a [`RowSplitter`] per
/// chunk of the file (on any number of threads), or from plain rows.
pub struct ScannedRows {
    /// One list of buckets per chunk, chunks in file order.
    chunks: Vec<Vec<Vec<Row>>>,
    pub has_orders: bool,
    pub has_amount: bool,
    days: Option<(i32, i32)>,
}

/// One chunk's rows as they are read.
pub struct RowSplitter {
    buckets: Vec<Vec<Row>>,
    days: Option<(i32, i32)>,
}

impl RowSplitter {
    pub fn new(expected_rows: usize) -> RowSplitter {
        let per_bucket = expected_rows / BUCKETS + expected_rows / (BUCKETS * 8);
        RowSplitter {
            buckets: (0..BUCKETS)
                .map(|_| Vec::with_capacity(per_bucket))
                .collect(),
            days: None,
        }
    }

    /// Adds a row: its customer and order keys (see [`text_key`]; the
    /// order key is ignored when the log has no order ids), its day
    /// (days since 1970-01-01) and amount (0 when the log has none).
    #[inline]
    pub fn push(&mut self, customer: u128, order: u128, day: i32, amount: f64) {
        self.days = Some(
            self.days
                .map_or((day, day), |(a, b)| (a.min(day), b.max(day))),
        );
        self.buckets[bucket_of(customer)].push(Row {
            customer,
            order,
            amount,
            day,
        });
    }
}

impl ScannedRows {
    pub fn new(chunks: Vec<RowSplitter>, has_orders: bool, has_amount: bool) -> ScannedRows {
        let days = chunks
            .iter()
            .filter_map(|c| c.days)
            .reduce(|(a0, a1), (b0, b1)| (a0.min(b0), a1.max(b1)));
        ScannedRows {
            chunks: chunks.into_iter().map(|c| c.buckets).collect(),
            has_orders,
            has_amount,
            days,
        }
    }

    /// Rows given as (customer, order id or `None`, day, amount or `None`).
    pub fn from_rows<'a>(
        rows: impl IntoIterator<Item = (&'a str, Option<&'a str>, i32, Option<f64>)>,
    ) -> Option<ScannedRows> {
        let mut splitter = RowSplitter::new(0);
        let (mut has_orders, mut has_amount) = (false, false);
        for (customer, order, day, amount) in rows {
            has_orders |= order.is_some();
            has_amount |= amount.is_some();
            let order = order.map_or(Some(0), text_key)?;
            splitter.push(text_key(customer)?, order, day, amount.unwrap_or(0.0));
        }
        Some(ScannedRows::new(vec![splitter], has_orders, has_amount))
    }

    /// The first and last day of any row, `None` without rows.
    pub fn day_range(&self) -> Option<(i32, i32)> {
        self.days
    }

    /// The rows of bucket `bucket` (below [`BUCKETS`]), in file order.
    pub fn bucket(&self, bucket: usize) -> impl Iterator<Item = &Row> {
        self.chunks
            .iter()
            .flat_map(move |chunk| chunk[bucket].iter())
    }
}

/// Text as an exact key when it is at most 15 bytes long: the bytes, then
/// the length in the last byte, so that no two texts share a key.
#[inline]
pub fn text_key(text: &str) -> Option<u128> {
    let bytes = text.as_bytes();
    if bytes.len() > 15 {
        return None;
    }
    let mut packed = [0u8; 16];
    packed[..bytes.len()].copy_from_slice(bytes);
    packed[15] = bytes.len() as u8;
    Some(u128::from_le_bytes(packed))
}

/// Buckets per log: each holds a 512th of the customers.
const BUCKET_BITS: u32 = 9;
pub const BUCKETS: usize = 1 << BUCKET_BITS;

/// One row: customer and order keys, amount, days since 1970-01-01.
#[derive(Clone, Copy)]
pub struct Row {
    pub customer: u128,
    pub order: u128,
    pub amount: f64,
    pub day: i32,
}

/// A well-mixed 64-bit hash of a key (MurmurHash3's finaliser).
#[inline]
pub fn mix(key: u128) -> u64 {
    let mut x = (key as u64) ^ ((key >> 64) as u64).rotate_left(29);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// A bucket from a key: the top bits of its hash.
#[inline]
fn bucket_of(key: u128) -> usize {
    (mix(key) >> (64 - BUCKET_BITS)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keys_differ_exactly_when_texts_do() {
        let texts = [
            "",
            "a",
            "a\0",
            "\0a",
            "ab",
            "ba",
            "000123",
            "00123",
            "123456789012345",
        ];
        for a in texts {
            for b in texts {
                assert_eq!(text_key(a) == text_key(b), a == b, "{a:?} {b:?}");
            }
        }
        assert_eq!(text_key("1234567890123456"), None);
    }
}
