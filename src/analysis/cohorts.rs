//! The cohort table: customers grouped by the period of their first
//! purchase, followed period by period.
//!
//! Definitions (shown in the app on hover):
//! - a customer's cohort is the period of their first purchase;
//! - period k of a cohort is the k-th calendar period after the cohort's own;
//! - active_customers(k): cohort customers with a purchase in period k;
//!   retention(k) = active_customers(k) / cohort size;
//! - retention_unbounded(k): cohort customers with a purchase in period k or
//!   later, / cohort size;
//! - revenue(k): the cohort's order amounts in period k (refunds subtract);
//!   cumulative_revenue_per_customer(k) = revenue(0..=k) / cohort size;
//! - a period is complete when it ends on or before the as-of date (the first
//!   day not covered); every period that starts before the as-of date has a
//!   cell, zeros included.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use rayon::prelude::*;

use super::cancel::{Cancel, Cancelled};
use super::history::History;
use super::period::{Granularity, PeriodTable};
use crate::calendar::day_number;
use crate::format::round_to;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CohortSettings {
    pub granularity: Granularity,
    /// Attribute column to split by (its value on each customer's first purchase).
    pub breakdown: Option<String>,
    /// Groups shown by name; the rest are pooled as "Other".
    pub max_groups: usize,
}

impl Default for CohortSettings {
    fn default() -> Self {
        CohortSettings {
            granularity: Granularity::Month,
            breakdown: None,
            max_groups: 6,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CohortCell {
    /// k: periods since the cohort's own.
    pub period: usize,
    pub active: u64,
    pub retention: f64,
    pub retention_unbounded: f64,
    pub revenue: f64,
    pub cumulative_revenue_per_customer: f64,
    pub complete: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CohortRow {
    pub index: i32,
    pub start: NaiveDate,
    pub label: String,
    pub size: u64,
    pub cells: Vec<CohortCell>,
}

/// Period k averaged over the cohorts whose period k is complete, each
/// weighted by its size.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AverageCell {
    pub period: usize,
    /// Customers of the cohorts that reached period k.
    pub customers: u64,
    pub active: u64,
    pub retention: f64,
    pub retention_unbounded: f64,
    pub cumulative_revenue_per_customer: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CohortTable {
    pub granularity: Granularity,
    pub as_of: NaiveDate,
    pub rows: Vec<CohortRow>,
    pub average: Vec<AverageCell>,
}

impl CohortTable {
    pub fn customers(&self) -> u64 {
        self.rows.iter().map(|r| r.size).sum()
    }

    pub fn max_period(&self) -> usize {
        self.rows
            .iter()
            .map(|r| r.cells.len())
            .max()
            .unwrap_or(0)
            .saturating_sub(1)
    }
}

/// One cohort's counts while customers are being added.
#[derive(Clone, Default)]
pub(super) struct RowAcc {
    pub size: u64,
    pub active: Vec<u64>,
    pub revenue: Vec<f64>,
    /// Customers whose last purchase is in period k.
    pub last: Vec<u64>,
}

impl RowAcc {
    pub fn new(width: usize) -> RowAcc {
        RowAcc {
            size: 0,
            active: vec![0; width],
            revenue: vec![0.0; width],
            last: vec![0; width],
        }
    }

    pub fn add(&mut self, other: &RowAcc) {
        self.size += other.size;
        for (a, b) in self.active.iter_mut().zip(&other.active) {
            *a += b;
        }
        for (a, b) in self.revenue.iter_mut().zip(&other.revenue) {
            *a += b;
        }
        for (a, b) in self.last.iter_mut().zip(&other.last) {
            *a += b;
        }
    }
}

/// Customers are counted in this many fixed parts of the history, one
/// after the other within a part, and the parts' sums added in order: a
/// revenue sum never depends on how many cores there are.
const PARTS: usize = 8;
/// Tables wider than this are counted in two parts only, to bound memory.
const WIDE_PERIODS: usize = 400;

/// Builds the cohort table of `history`, counting orders before `as_of`.
pub fn cohort_table(
    history: &History,
    granularity: Granularity,
    as_of: NaiveDate,
    cancel: &Cancel,
) -> Result<CohortTable, Cancelled> {
    let mut tables = grouped_counts(history, |_| Some(0), 1, granularity, as_of, cancel)?;
    Ok(assemble(
        tables.pop().unwrap_or_default(),
        granularity,
        as_of,
    ))
}

/// Each group's cohorts and their counts; `group_of(i)` is the group of the
/// history's i-th customer (`None`: counted nowhere).
fn grouped_counts(
    history: &History,
    group_of: impl Fn(usize) -> Option<usize> + Sync,
    groups: usize,
    granularity: Granularity,
    as_of: NaiveDate,
    cancel: &Cancel,
) -> Result<Vec<BTreeMap<i32, RowAcc>>, Cancelled> {
    let as_of_day = day_number(as_of);
    let last_index = granularity.index_of(as_of_day - 1);
    let first_index = history
        .customers()
        .filter_map(|c| c.first_purchase_day())
        .min()
        .map_or(last_index, |d| granularity.index_of(d));
    let wide = (last_index - first_index).max(0) as usize > WIDE_PERIODS;
    let table = PeriodTable::for_history(granularity, history);
    let parts = if wide { 2 } else { PARTS };
    let per_part = history.len().div_ceil(parts).max(1);
    let counted: Vec<Result<Vec<BTreeMap<i32, RowAcc>>, Cancelled>> = (0..parts)
        .into_par_iter()
        .map(|part| {
            let mut rows: Vec<BTreeMap<i32, RowAcc>> = vec![BTreeMap::new(); groups];
            let mut periods: Vec<i32> = Vec::new();
            let first = (part * per_part).min(history.len());
            let last = (first + per_part).min(history.len());
            for i in first..last {
                if i % 4096 == 0 {
                    cancel.check()?;
                }
                let Some(group) = group_of(i).and_then(|g| rows.get_mut(g)) else {
                    continue;
                };
                let customer = history.customer(i);
                let Some(first_day) = customer.first_purchase_day().filter(|d| *d < as_of_day)
                else {
                    continue;
                };
                let cohort = table.index_of(first_day);
                let width = (last_index - cohort + 1).max(1) as usize;
                let acc = group.entry(cohort).or_insert_with(|| RowAcc::new(width));
                acc.size += 1;
                periods.clear();
                for order in customer.orders.iter().filter(|o| o.day < as_of_day) {
                    let k = table.index_of(order.day) - cohort;
                    if k < 0 {
                        continue;
                    }
                    let k = k as usize;
                    if let Some(revenue) = acc.revenue.get_mut(k) {
                        *revenue += order.amount;
                    }
                    if order.purchase() && periods.last() != Some(&(k as i32)) {
                        periods.push(k as i32);
                    }
                }
                for k in &periods {
                    if let Some(active) = acc.active.get_mut(*k as usize) {
                        *active += 1;
                    }
                }
                if let Some(last) = periods.last().and_then(|k| acc.last.get_mut(*k as usize)) {
                    *last += 1;
                }
            }
            Ok(rows)
        })
        .collect();
    let mut total: Vec<BTreeMap<i32, RowAcc>> = vec![BTreeMap::new(); groups];
    for part in counted {
        for (sums, more) in total.iter_mut().zip(part?) {
            for (cohort, acc) in more {
                match sums.get_mut(&cohort) {
                    Some(existing) => existing.add(&acc),
                    None => {
                        sums.insert(cohort, acc);
                    }
                }
            }
        }
    }
    Ok(total)
}

/// The table from each cohort's counts, cohorts in index order.
pub(super) fn assemble(
    rows: impl IntoIterator<Item = (i32, RowAcc)>,
    granularity: Granularity,
    as_of: NaiveDate,
) -> CohortTable {
    let rows: Vec<CohortRow> = rows
        .into_iter()
        .map(|(index, acc)| finish_row(index, acc, granularity, as_of))
        .collect();
    let average = weighted_average(&rows);
    CohortTable {
        granularity,
        as_of,
        rows,
        average,
    }
}

fn finish_row(index: i32, acc: RowAcc, granularity: Granularity, as_of: NaiveDate) -> CohortRow {
    let size = acc.size as f64;
    let mut still_to_come: u64 = acc.last.iter().sum();
    let mut cumulative = 0.0;
    let cells = (0..acc.active.len())
        .map(|k| {
            cumulative += acc.revenue[k];
            let cell = CohortCell {
                period: k,
                active: acc.active[k],
                retention: acc.active[k] as f64 / size,
                retention_unbounded: still_to_come as f64 / size,
                revenue: acc.revenue[k],
                cumulative_revenue_per_customer: cumulative / size,
                complete: granularity.end(index + k as i32) <= as_of,
            };
            still_to_come -= acc.last[k];
            cell
        })
        .collect();
    CohortRow {
        index,
        start: granularity.start(index),
        label: granularity.label_of(index),
        size: acc.size,
        cells,
    }
}

fn weighted_average(rows: &[CohortRow]) -> Vec<AverageCell> {
    let width = rows.iter().map(|r| r.cells.len()).max().unwrap_or(0);
    (0..width)
        .filter_map(|k| {
            let complete: Vec<(&CohortRow, &CohortCell)> = rows
                .iter()
                .filter_map(|r| r.cells.get(k).filter(|c| c.complete).map(|c| (r, c)))
                .collect();
            let customers: u64 = complete.iter().map(|(r, _)| r.size).sum();
            if customers == 0 {
                return None;
            }
            let n = customers as f64;
            let active: u64 = complete.iter().map(|(_, c)| c.active).sum();
            let weighted = |f: fn(&CohortCell) -> f64| {
                complete
                    .iter()
                    .map(|(r, c)| f(c) * r.size as f64)
                    .sum::<f64>()
                    / n
            };
            Some(AverageCell {
                period: k,
                customers,
                active,
                retention: active as f64 / n,
                retention_unbounded: weighted(|c| c.retention_unbounded),
                cumulative_revenue_per_customer: weighted(|c| c.cumulative_revenue_per_customer),
            })
        })
        .collect()
}

/// One cohort table per breakdown value (`groups[i]` is the history's i-th
/// customer's): the most common values by name, the rest pooled as
/// "Other", customers without a value as "(empty)".
pub fn group_tables(
    history: &History,
    groups: &[Option<&str>],
    granularity: Granularity,
    as_of: NaiveDate,
    max_groups: usize,
    cancel: &Cancel,
) -> Result<Vec<(String, CohortTable)>, Cancelled> {
    const OTHER: &str = "Other";
    const EMPTY: &str = "(empty)";
    let names: Vec<&str> = groups
        .iter()
        .map(|g| g.filter(|g| !g.trim().is_empty()).unwrap_or(EMPTY))
        .collect();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, name) in history
        .customers()
        .zip(&names)
        .filter(|(c, _)| c.first_purchase_day().is_some())
    {
        *counts.entry(name).or_insert(0) += 1;
    }
    let mut ranked: Vec<(&str, usize)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let pooled = ranked.len() > max_groups;
    let mut order: Vec<&str> = ranked
        .iter()
        .take(if pooled {
            max_groups.saturating_sub(1)
        } else {
            max_groups
        })
        .map(|(g, _)| *g)
        .collect();
    if pooled {
        order.push(OTHER);
    }
    let position: std::collections::HashMap<&str, usize> =
        order.iter().enumerate().map(|(i, g)| (*g, i)).collect();
    let other = position.get(OTHER).copied();
    let group_of = |i: usize| {
        names
            .get(i)
            .and_then(|name| position.get(name).copied())
            .or(other)
    };
    let counted = grouped_counts(history, group_of, order.len(), granularity, as_of, cancel)?;
    Ok(order
        .into_iter()
        .zip(counted)
        .filter(|(_, rows)| !rows.is_empty())
        .map(|(group, rows)| (group.to_string(), assemble(rows, granularity, as_of)))
        .collect())
}

/// `cohorts.csv`: one row per cohort and period, cohorts as their first day.
pub fn table_frame(table: &CohortTable, group: Option<(&str, &str)>) -> PolarsResult<DataFrame> {
    let cells: Vec<(&CohortRow, &CohortCell)> = table
        .rows
        .iter()
        .flat_map(|r| r.cells.iter().map(move |c| (r, c)))
        .collect();
    let mut columns = Vec::new();
    if let Some((column, value)) = group {
        columns.push(Column::new(column.into(), vec![value; cells.len()]));
    }
    columns.extend([
        Column::new(
            "cohort".into(),
            cells.iter().map(|(r, _)| r.start).collect::<Vec<_>>(),
        ),
        Column::new(
            "cohort_size".into(),
            cells.iter().map(|(r, _)| r.size).collect::<Vec<_>>(),
        ),
        Column::new(
            "period".into(),
            cells
                .iter()
                .map(|(_, c)| c.period as u32)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "active_customers".into(),
            cells.iter().map(|(_, c)| c.active).collect::<Vec<_>>(),
        ),
        Column::new(
            "retention".into(),
            cells.iter().map(|(_, c)| c.retention).collect::<Vec<_>>(),
        ),
        Column::new(
            "retention_unbounded".into(),
            cells
                .iter()
                .map(|(_, c)| c.retention_unbounded)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "revenue".into(),
            cells
                .iter()
                .map(|(_, c)| round_to(c.revenue, 2))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "cumulative_revenue_per_customer".into(),
            cells
                .iter()
                .map(|(_, c)| round_to(c.cumulative_revenue_per_customer, 4))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "complete".into(),
            cells.iter().map(|(_, c)| c.complete).collect::<Vec<_>>(),
        ),
    ]);
    DataFrame::new(cells.len(), columns)
}
