//! The cohort table straight from an order log's columns, without building
//! every customer's history first: the quick way to the first table of a
//! large file, which the app shows while the whole file is analysed.
//!
//! Same definitions as [`super::cohorts::cohort_table`] and the same
//! grouping of rows into orders as [`super::history::build`] (an order is a
//! customer's order id, or a row; its day is its earliest row's, its amount
//! the sum of its rows; a negative order is a refund, not a purchase).
//!
//! Why it is fast: rows come split by a hash of their customer into buckets
//! ([`crate::data::order_rows`]) whose customers and orders are found in
//! maps that stay in the processor's cache; buckets are independent, so
//! they run on all cores, and no per-customer allocation is made.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rayon::prelude::*;

use super::cohorts::{CohortTable, RowAcc, assemble};
use super::period::Granularity;
use crate::calendar::{day_from_number, day_number};
use crate::data::cohort_read::{ScannedFile, scan_for_cohorts};
use crate::data::load::{UsedRows, import_report};
use crate::data::order_rows::{BUCKETS, Row, ScannedRows, mix};
use crate::data::{ImportOptions, ImportReport};
use crate::format::round_to;

/// Buckets are summed in this many fixed groups, in order, so that a
/// revenue sum never depends on how many cores there are.
const GROUPS: usize = 8;
/// Tables wider than this are summed in two groups only.
const WIDE_PERIODS: usize = 400;

/// Hashes the maps' integer keys with [`mix`]: the keys are short and
/// fixed-width, so a general-purpose string hasher only costs time.
#[derive(Clone, Copy, Default)]
struct MixState;

#[derive(Default)]
struct MixHasher(u64);

impl std::hash::BuildHasher for MixState {
    type Hasher = MixHasher;
    fn build_hasher(&self) -> MixHasher {
        MixHasher::default()
    }
}

impl std::hash::Hasher for MixHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(16) {
            let mut packed = [0u8; 16];
            packed[..chunk.len()].copy_from_slice(chunk);
            self.write_u128(u128::from_le_bytes(packed));
        }
    }
    fn write_u32(&mut self, value: u32) {
        self.0 = mix(u128::from(value) ^ (u128::from(self.0) << 64));
    }
    fn write_u128(&mut self, value: u128) {
        self.0 = mix(value ^ u128::from(self.0));
    }
}

type MixMap<K, V> = std::collections::HashMap<K, V, MixState>;

/// Days in the log mapped to period indices, relative to the first period.
struct Calendar {
    first_day: i32,
    base_index: i32,
    relative: Vec<u32>,
}

impl Calendar {
    fn new(granularity: Granularity, first_day: i32, last_day: i32) -> Calendar {
        let base_index = granularity.index_of(first_day);
        Calendar {
            first_day,
            base_index,
            relative: (first_day..=last_day)
                .map(|d| (granularity.index_of(d) - base_index) as u32)
                .collect(),
        }
    }

    fn period(&self, day: i32) -> u32 {
        self.relative[(day - self.first_day) as usize]
    }
}

/// What the rows hold besides the table: the import report's counts.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ScanTotals {
    pub customers: usize,
    /// A customer's distinct order ids (or rows).
    pub orders: usize,
    /// Rows with a negative amount, and their sum.
    pub refunds: usize,
    pub refund_amount: f64,
    pub total_amount: f64,
}

impl ScanTotals {
    fn add(&mut self, other: &ScanTotals) {
        self.customers += other.customers;
        self.orders += other.orders;
        self.refunds += other.refunds;
        self.refund_amount += other.refund_amount;
        self.total_amount += other.total_amount;
    }
}

/// Builds the cohort table of `rows`, counting orders before `as_of`.
pub fn cohort_table(rows: &ScannedRows, granularity: Granularity, as_of: NaiveDate) -> CohortTable {
    scan(rows, granularity, as_of).0
}

/// The cohort table of `rows` (orders before `as_of`) and their totals.
fn scan(
    rows: &ScannedRows,
    granularity: Granularity,
    as_of: NaiveDate,
) -> (CohortTable, ScanTotals) {
    let as_of_day = day_number(as_of);
    let Some((first_day, last_day)) = rows.day_range() else {
        return (
            assemble(BTreeMap::new(), granularity, as_of),
            ScanTotals::default(),
        );
    };
    // Orders on or after the as-of date are never counted.
    let last_day = last_day.min(as_of_day - 1);
    let calendar = Calendar::new(granularity, first_day, last_day);
    let periods = match last_day < first_day {
        true => 0,
        false => (granularity.index_of(as_of_day - 1) - calendar.base_index + 1) as usize,
    };
    // Each group keeps a whole table of sums: a wide one (days over years)
    // is kept twice only, not once per group.
    let groups = if periods > WIDE_PERIODS { 2 } else { GROUPS };
    let per_group = BUCKETS / groups;
    let sums: Vec<(Vec<Option<RowAcc>>, ScanTotals)> = (0..groups)
        .into_par_iter()
        .map(|group| {
            let mut sums: Vec<Option<RowAcc>> = vec![None; periods];
            let mut totals = ScanTotals::default();
            let mut scratch = Scratch::default();
            for bucket in group * per_group..(group + 1) * per_group {
                let rows_of_bucket = rows.bucket(bucket);
                scratch.count(
                    rows_of_bucket,
                    rows,
                    as_of_day,
                    &calendar,
                    periods,
                    &mut sums,
                );
                totals.add(&scratch.totals);
            }
            (sums, totals)
        })
        .collect();
    let mut total: Vec<Option<RowAcc>> = vec![None; periods];
    let mut totals = ScanTotals::default();
    for (group, group_totals) in sums {
        totals.add(&group_totals);
        for (sum, part) in total.iter_mut().zip(group) {
            match (sum.as_mut(), part) {
                (Some(sum), Some(part)) => sum.add(&part),
                (None, part) => *sum = part,
                (_, None) => {}
            }
        }
    }
    let rows = total
        .into_iter()
        .enumerate()
        .filter_map(|(r, acc)| Some((calendar.base_index + r as i32, acc?)));
    (assemble(rows, granularity, as_of), totals)
}

/// The cohort table of a file read in part, and its import report.
pub struct QuickCohorts {
    pub table: CohortTable,
    pub report: ImportReport,
}

/// The cohort table of the file at `path`, counting orders before `as_of`
/// (by default the day after the last order), and the file's import
/// report, as the full import and the cohort engine would give them;
/// `None` when the file needs the full import.
pub fn quick_cohorts(
    path: &std::path::Path,
    options: &ImportOptions,
    granularity: Granularity,
    as_of: Option<NaiveDate>,
) -> Option<QuickCohorts> {
    let ScannedFile { rows, head } = scan_for_cohorts(path, options)?;
    let (first_day, last_day) = rows.day_range()?;
    let as_of = as_of.unwrap_or_else(|| day_from_number(last_day + 1));
    // The full import refuses an as-of date far beyond the data.
    if as_of > crate::calendar::latest_as_of(day_from_number(last_day)) {
        return None;
    }
    let (table, totals) = scan(&rows, granularity, as_of);
    let money = |sum: f64| rows.has_amount.then(|| round_to(sum, 2));
    let used = UsedRows {
        rows: head.rows_read,
        dropped: Vec::new(),
        refunds: totals.refunds,
        refund_amount: money(totals.refund_amount),
        total_amount: money(totals.total_amount),
        customers: totals.customers,
        orders: totals.orders,
        first_date: Some(day_from_number(first_day)),
        last_date: Some(day_from_number(last_day)),
    };
    Some(QuickCohorts {
        table,
        report: import_report(head, used),
    })
}

/// As [`quick_cohorts`], the table only: the window's first look at a file.
pub fn quick_cohort_table(
    path: &std::path::Path,
    options: &ImportOptions,
    granularity: Granularity,
    as_of: Option<NaiveDate>,
) -> Option<CohortTable> {
    quick_cohorts(path, options, granularity, as_of).map(|quick| quick.table)
}

/// Maps and lists reused from bucket to bucket, and the bucket's totals.
#[derive(Default)]
struct Scratch {
    totals: ScanTotals,
    customers: MixMap<u128, u32>,
    orders: MixMap<(u32, u128), u32>,
    order_customer: Vec<u32>,
    order_day: Vec<i32>,
    order_amount: Vec<f64>,
    first_day: Vec<i32>,
    cohort: Vec<u32>,
    /// (customer, period) of every purchase, as one sortable number.
    purchases: Vec<u64>,
    /// Each customer's purchase periods as bits, for tables up to 64 wide.
    masks: Vec<u64>,
}

impl Scratch {
    fn count<'a>(
        &mut self,
        bucket: impl Iterator<Item = &'a Row>,
        rows: &ScannedRows,
        as_of_day: i32,
        calendar: &Calendar,
        periods: usize,
        sums: &mut [Option<RowAcc>],
    ) {
        self.customers.clear();
        self.orders.clear();
        self.order_customer.clear();
        self.order_day.clear();
        self.order_amount.clear();
        self.totals = ScanTotals::default();
        let has_amount = rows.has_amount;
        // Lines on or after the as-of date still belong to their order,
        // as in the customers' histories; the orders themselves are cut below.
        for &Row {
            customer,
            order,
            amount,
            day,
        } in bucket
        {
            let next = self.customers.len() as u32;
            let customer = *self.customers.entry(customer).or_insert(next);
            let next = self.order_customer.len() as u32;
            let order = if rows.has_orders {
                *self.orders.entry((customer, order)).or_insert(next)
            } else {
                next
            };
            self.totals.total_amount += amount;
            if amount < 0.0 {
                self.totals.refunds += 1;
                self.totals.refund_amount += amount;
            }
            if order == next {
                self.order_customer.push(customer);
                self.order_day.push(day);
                self.order_amount.push(amount);
            } else {
                let o = order as usize;
                self.order_day[o] = self.order_day[o].min(day);
                self.order_amount[o] += amount;
            }
        }
        self.totals.customers = self.customers.len();
        self.totals.orders = self.order_customer.len();
        let purchase = |amount: f64| !has_amount || amount >= 0.0;

        self.first_day.clear();
        self.first_day.resize(self.customers.len(), i32::MAX);
        for ((&customer, &day), &amount) in self
            .order_customer
            .iter()
            .zip(&self.order_day)
            .zip(&self.order_amount)
        {
            if day < as_of_day && purchase(amount) {
                let first = &mut self.first_day[customer as usize];
                *first = (*first).min(day);
            }
        }
        self.cohort.clear();
        self.cohort.extend(self.first_day.iter().map(|&d| {
            if d == i32::MAX {
                u32::MAX
            } else {
                calendar.period(d)
            }
        }));
        for &cohort in self.cohort.iter().filter(|c| **c != u32::MAX) {
            let c = cohort as usize;
            sums[c].get_or_insert_with(|| RowAcc::new(periods - c)).size += 1;
        }

        // Each customer's purchase periods: as bits when the table is at
        // most 64 periods wide (months over five years), else as a sorted list.
        let as_bits = periods <= 64;
        self.purchases.clear();
        self.masks.clear();
        if as_bits {
            self.masks.resize(self.cohort.len(), 0);
        }
        for ((&customer, &day), &amount) in self
            .order_customer
            .iter()
            .zip(&self.order_day)
            .zip(&self.order_amount)
        {
            let cohort = self.cohort[customer as usize];
            if cohort == u32::MAX || day >= as_of_day {
                continue;
            }
            let period = calendar.period(day);
            let Some(k) = period.checked_sub(cohort) else {
                continue;
            };
            if let Some(acc) = sums[cohort as usize].as_mut() {
                acc.revenue[k as usize] += amount;
            }
            if !purchase(amount) {
                continue;
            }
            if as_bits {
                self.masks[customer as usize] |= 1 << period;
            } else {
                self.purchases
                    .push(((customer as u64) << 32) | period as u64);
            }
        }
        for (&mask, &cohort) in self.masks.iter().zip(&self.cohort) {
            let Some(acc) = sums.get_mut(cohort as usize).and_then(Option::as_mut) else {
                continue;
            };
            let mut bits = mask;
            while bits != 0 {
                let k = bits.trailing_zeros() as usize - cohort as usize;
                acc.active[k] += 1;
                bits &= bits - 1;
                if bits == 0 {
                    acc.last[k] += 1;
                }
            }
        }
        self.purchases.sort_unstable();
        self.purchases.dedup();
        for (i, &pair) in self.purchases.iter().enumerate() {
            let customer = (pair >> 32) as usize;
            let cohort = self.cohort[customer] as usize;
            let k = (pair as u32 as usize) - cohort;
            let Some(acc) = sums[cohort].as_mut() else {
                continue;
            };
            acc.active[k] += 1;
            let last_of_customer = self
                .purchases
                .get(i + 1)
                .is_none_or(|next| (next >> 32) as usize != customer);
            if last_of_customer {
                acc.last[k] += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_after_the_as_of_date_still_count_in_their_order() {
        // The order is 10 on 1 January and -15 on 1 February: a refund in
        // total, so with the as-of date in between the customer never bought.
        let rows = ScannedRows::from_rows([
            ("a", Some("1"), 19_723, Some(10.0)),
            ("a", Some("1"), 19_754, Some(-15.0)),
        ])
        .unwrap();
        let table = cohort_table(
            &rows,
            Granularity::Month,
            NaiveDate::from_ymd_opt(2024, 1, 15).unwrap(),
        );
        assert_eq!(table.customers(), 0);
    }
}
