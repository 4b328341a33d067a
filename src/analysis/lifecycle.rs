//! Lifecycle per period: how the customers active in each period split
//! into new, returning and resurrected, and who went dormant.
//!
//! A customer with a purchase in period p is *new* (first purchase ever in
//! p), *returning* (also purchased in p − 1) or *resurrected* (no purchase
//! in p − 1, but one before). A customer with a purchase in p − 1 and none
//! in p is *dormant* in p.

use chrono::NaiveDate;
use polars::prelude::*;
use rayon::prelude::*;

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

/// One period's counts while customers are added.
#[derive(Clone, Copy, Default)]
struct Counts {
    new: u64,
    returning: u64,
    resurrected: u64,
    dormant: u64,
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
    let table = PeriodTable::for_history(granularity, history);
    let Some(base) = history.day_range().map(|(first, _)| table.index_of(first)) else {
        return Vec::new();
    };
    let width = (last_index - base + 1).max(0) as usize;
    // Counts are whole numbers, so the customers may be added on all cores
    // in any order.
    let counts = (0..history.len())
        .into_par_iter()
        .fold(
            || (vec![Counts::default(); width], Vec::new()),
            |(mut counts, mut periods): (Vec<Counts>, Vec<usize>), i| {
                periods.clear();
                for order in history
                    .customer(i)
                    .purchases()
                    .filter(|o| o.day < as_of_day)
                {
                    let p = (table.index_of(order.day) - base) as usize;
                    if periods.last() != Some(&p) {
                        periods.push(p);
                    }
                }
                for (k, &p) in periods.iter().enumerate() {
                    let Some(row) = counts.get_mut(p) else {
                        continue;
                    };
                    match k {
                        0 => row.new += 1,
                        _ if periods[k - 1] + 1 == p => row.returning += 1,
                        _ => row.resurrected += 1,
                    }
                    if periods.get(k + 1) != Some(&(p + 1))
                        && let Some(next) = counts.get_mut(p + 1)
                    {
                        next.dormant += 1;
                    }
                }
                (counts, periods)
            },
        )
        .map(|(counts, _)| counts)
        .reduce(
            || vec![Counts::default(); width],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    x.new += y.new;
                    x.returning += y.returning;
                    x.resurrected += y.resurrected;
                    x.dormant += y.dormant;
                }
                a
            },
        );
    let Some(first) = counts.iter().position(|c| c.new > 0) else {
        return Vec::new();
    };
    counts
        .iter()
        .enumerate()
        .skip(first)
        .map(|(offset, c)| LifecycleRow {
            start: granularity.start(base + offset as i32),
            new: c.new,
            returning: c.returning,
            resurrected: c.resurrected,
            dormant: c.dormant,
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
