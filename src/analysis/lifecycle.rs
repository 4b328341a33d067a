//! Lifecycle per period: how the customers active in each period split
//! into new, returning and resurrected, and who went dormant.
//!
//! A customer with a purchase in period p is *new* (first purchase ever in
//! p), *returning* (also purchased in p − 1) or *resurrected* (no purchase
//! in p − 1, but one before). A customer with a purchase in p − 1 and none
//! in p is *dormant* in p.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::*;

use super::history::History;
use super::period::{Granularity, PeriodTable};
use crate::calendar::day_number;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LifecycleRow {
    pub start: NaiveDate,
    pub new: u64,
    pub returning: u64,
    pub resurrected: u64,
    pub dormant: u64,
}

/// One row per period from the first purchase to the last period that
/// starts before `as_of`.
pub fn lifecycle(
    history: &History,
    granularity: Granularity,
    as_of: NaiveDate,
) -> Vec<LifecycleRow> {
    let as_of_day = day_number(as_of);
    let last_index = granularity.index_of(as_of_day - 1);
    let mut counts: BTreeMap<i32, LifecycleRow> = BTreeMap::new();
    let mut periods: Vec<i32> = Vec::new();
    let table = PeriodTable::for_history(granularity, history);
    for customer in history.customers() {
        periods.clear();
        for order in customer.purchases().filter(|o| o.day < as_of_day) {
            let p = table.index_of(order.day);
            if periods.last() != Some(&p) {
                periods.push(p);
            }
        }
        for (i, p) in periods.iter().enumerate() {
            let row = counts.entry(*p).or_default();
            match i {
                0 => row.new += 1,
                _ if periods[i - 1] == p - 1 => row.returning += 1,
                _ => row.resurrected += 1,
            }
            let next = p + 1;
            if periods.get(i + 1) != Some(&next) && next <= last_index {
                counts.entry(next).or_default().dormant += 1;
            }
        }
    }
    let (Some(first), Some(_)) = (counts.keys().next().copied(), counts.keys().last()) else {
        return Vec::new();
    };
    (first..=last_index)
        .map(|p| {
            let row = counts.remove(&p).unwrap_or_default();
            LifecycleRow {
                start: granularity.start(p),
                ..row
            }
        })
        .collect()
}

/// `lifecycle.csv`: `period,new,returning,resurrected,dormant`.
pub fn lifecycle_frame(rows: &[LifecycleRow]) -> PolarsResult<DataFrame> {
    let counts = |f: fn(&LifecycleRow) -> u64| rows.iter().map(f).collect::<Vec<_>>();
    DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                "period".into(),
                rows.iter().map(|r| r.start).collect::<Vec<_>>(),
            ),
            Column::new("new".into(), counts(|r| r.new)),
            Column::new("returning".into(), counts(|r| r.returning)),
            Column::new("resurrected".into(), counts(|r| r.resurrected)),
            Column::new("dormant".into(), counts(|r| r.dormant)),
        ],
    )
}
