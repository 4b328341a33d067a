//! Customers as of the as-of date: their metrics, RFM scores, named RFM
//! segment and status, and the segment table marketers compare.
//!
//! RFM scoring rule by default (also in the app's help and the README):
//! every customer's score for a value is 1 + ⌊5 × (customers with a
//! strictly lower value) ÷ (all customers)⌋, so equal values always get
//! equal scores and the scores are quintiles when there are no ties.
//! Recency is scored on the negative number of days since the last order,
//! so the most recent customers score 5. Frequency is orders; monetary is
//! revenue. Breakpoints per score are the other choice (`rfm_scoring`).
//!
//! Status rule: with G the median number of days between two consecutive
//! purchases of the same customer (over all customers), a customer is
//! active when their last purchase is at most 2G days before the as-of
//! date, at risk up to 4G days, and lapsed beyond.

use rust_i18n::t;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use rayon::prelude::*;

use super::cancel::{Cancel, Cancelled};
use super::history::{Customer, History};
use super::rfm_scoring::{RfmBreakpoints, RfmScoring, balanced_breakpoints, quintile_rule};
use crate::calendar::{day_from_number, day_number};
use crate::format::round_to;

/// Segment names by R score (rows, 1–5) and F score (columns, 1–5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentGrid {
    pub names: [[String; 5]; 5],
}

impl Default for SegmentGrid {
    /// The grid most marketers use.
    fn default() -> Self {
        let cell = |r: u8, f: u8| -> &'static str {
            match (r, f) {
                (1..=2, 1..=2) => "Hibernating",
                (1..=2, 3..=4) => "At risk",
                (1..=2, _) => "Can't lose them",
                (3, 1..=2) => "About to sleep",
                (3, 3) => "Need attention",
                (3..=4, 4..=5) => "Loyal customers",
                (4, 1) => "Promising",
                (5, 1) => "New customers",
                (4..=5, 2..=3) => "Potential loyalists",
                _ => "Champions",
            }
        };
        SegmentGrid {
            names: std::array::from_fn(|r| {
                std::array::from_fn(|f| cell(r as u8 + 1, f as u8 + 1).to_string())
            }),
        }
    }
}

/// The grid cell of R and F scores (1 to 5).
fn cell(r: u8, f: u8) -> (usize, usize) {
    (r.clamp(1, 5) as usize - 1, f.clamp(1, 5) as usize - 1)
}

impl SegmentGrid {
    pub fn name(&self, r: u8, f: u8) -> &str {
        let (r, f) = cell(r, f);
        &self.names[r][f]
    }

    /// Distinct names in grid order, best (R 5, F 5) first.
    pub fn segment_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        for r in (0..5).rev() {
            for f in (0..5).rev() {
                let name = &self.names[r][f];
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
        }
        names
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Status {
    Active,
    AtRisk,
    Lapsed,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::AtRisk => "at risk",
            Status::Lapsed => "lapsed",
        }
    }
}

/// One scored customer. The texts are shared, not copied: a million
/// customers are scored once and named again for every grid edit.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomerRow {
    pub customer_id: Arc<str>,
    /// The customer's index in the order log.
    pub customer: u32,
    pub first_order: NaiveDate,
    pub last_order: NaiveDate,
    pub orders: u64,
    pub revenue: f64,
    pub average_order_value: f64,
    pub tenure_days: i64,
    pub recency_days: i64,
    pub r: u8,
    pub f: u8,
    pub m: u8,
    pub rfm_segment: Arc<str>,
    pub status: Status,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Customers {
    pub as_of: NaiveDate,
    pub rows: Vec<CustomerRow>,
    /// G of the status rule, in days.
    pub typical_gap_days: f64,
    /// The breakpoints the scores came from; `None` for quintiles.
    pub breakpoints: Option<RfmBreakpoints>,
}

impl Customers {
    /// The rule that gave the R, F and M scores, in words.
    pub fn scoring_rule(&self) -> String {
        match &self.breakpoints {
            Some(points) => points.describe(),
            None => quintile_rule().into_owned(),
        }
    }
}

impl Customers {
    /// Each of `history`'s customers' RFM segment, by position: looked up
    /// once, so that figures per segment pick their members by position
    /// instead of looking every customer up again for every segment.
    pub fn rfm_segments_of(&self, history: &History) -> Vec<Option<&str>> {
        let mut by_index: Vec<Option<&str>> = vec![None; history.ids().len()];
        for row in &self.rows {
            if let Some(slot) = by_index.get_mut(row.customer as usize) {
                *slot = Some(&*row.rfm_segment);
            }
        }
        history
            .customers()
            .map(|c| by_index.get(c.index as usize).copied().flatten())
            .collect()
    }
}

/// 1 + ⌊5 × (values strictly below) ÷ n⌋ for each value.
pub fn quintile_scores(values: &[f64]) -> Vec<u8> {
    let n = values.len();
    let mut sorted: Vec<f64> = values.to_vec();
    sorted.par_sort_unstable_by(f64::total_cmp);
    values
        .par_iter()
        .map(|v| {
            let below = sorted.partition_point(|x| x < v);
            (1 + (5 * below) / n.max(1)).min(5) as u8
        })
        .collect()
}

/// The median gap in days between consecutive purchase days of a customer.
fn typical_gap_days(customers: &[Customer<'_>], as_of_day: i32) -> f64 {
    let mut gaps: Vec<i32> = customers
        .par_iter()
        .flat_map_iter(|c| {
            let mut last: Option<i32> = None;
            c.purchases()
                .map(|o| o.day)
                .filter(move |day| *day < as_of_day)
                .filter_map(move |day| {
                    let gap = last.filter(|previous| day > *previous).map(|p| day - p);
                    last = Some(day);
                    gap
                })
        })
        .collect();
    if gaps.is_empty() {
        return 90.0;
    }
    // The median by selection, not by sorting millions of gaps.
    let (count, mid) = (gaps.len(), gaps.len() / 2);
    let (below, &mut upper, _) = gaps.select_nth_unstable(mid);
    if count % 2 == 1 {
        upper as f64
    } else {
        let lower = below.iter().copied().max().unwrap_or(upper);
        (lower + upper) as f64 / 2.0
    }
}

pub fn status_of(recency_days: i64, typical_gap_days: f64) -> Status {
    let r = recency_days as f64;
    if r <= 2.0 * typical_gap_days {
        Status::Active
    } else if r <= 4.0 * typical_gap_days {
        Status::AtRisk
    } else {
        Status::Lapsed
    }
}

/// How a customer's status is decided.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatusRule {
    /// Days since the last purchase against the typical gap G.
    #[default]
    RecencyGap,
    /// The CLV model's P(alive): active from 70 %, at risk from 30 %.
    PAlive,
}

impl StatusRule {
    pub fn label(self) -> Cow<'static, str> {
        match self {
            StatusRule::RecencyGap => t!("Days since last order"),
            StatusRule::PAlive => t!("P(alive) from the CLV model"),
        }
    }

    pub fn explanation(self) -> Cow<'static, str> {
        match self {
            StatusRule::RecencyGap => {
                t!(
                    "With G the median number of days between two purchases of the same customer: active up to 2G days since the last purchase, at risk up to 4G, lapsed beyond."
                )
            }
            StatusRule::PAlive => {
                t!(
                    "From the CLV tab's model: active when P(alive) is at least 70 %, at risk from 30 %, lapsed below. Customers the model has not seen keep the rule by days since last order."
                )
            }
        }
    }
}

pub const P_ALIVE_ACTIVE: f64 = 0.7;
pub const P_ALIVE_AT_RISK: f64 = 0.3;

pub fn status_from_p_alive(p_alive: f64) -> Status {
    if p_alive >= P_ALIVE_ACTIVE {
        Status::Active
    } else if p_alive >= P_ALIVE_AT_RISK {
        Status::AtRisk
    } else {
        Status::Lapsed
    }
}

/// Every customer with a purchase before `as_of`, scored and named with
/// the status by days since the last order.
pub fn customers(history: &History, as_of: NaiveDate, grid: &SegmentGrid) -> Customers {
    match score(history, as_of, &RfmScoring::Quintiles, &Cancel::never()) {
        Ok(scored) => name(&scored, grid, None),
        Err(Cancelled) => Customers {
            as_of,
            rows: Vec::new(),
            typical_gap_days: 90.0,
            breakpoints: None,
        },
    }
}

/// The scored customers with their RFM segment from `grid`, and their
/// status from the CLV model's P(alive) where `p_alive` has one (the
/// customer's P(alive) by log index), else by days since the last order.
pub fn name(scored: &Customers, grid: &SegmentGrid, p_alive: Option<&[Option<f64>]>) -> Customers {
    let names: Vec<Vec<Arc<str>>> = grid
        .names
        .iter()
        .map(|row| row.iter().map(|name| Arc::from(name.as_str())).collect())
        .collect();
    let rows = scored
        .rows
        .par_iter()
        .map(|row| {
            let p = p_alive.and_then(|p| p.get(row.customer as usize).copied().flatten());
            CustomerRow {
                rfm_segment: {
                    let (r, f) = cell(row.r, row.f);
                    names[r][f].clone()
                },
                status: p.map_or(
                    status_of(row.recency_days, scored.typical_gap_days),
                    status_from_p_alive,
                ),
                ..row.clone()
            }
        })
        .collect();
    Customers {
        as_of: scored.as_of,
        rows,
        typical_gap_days: scored.typical_gap_days,
        breakpoints: scored.breakpoints,
    }
}

/// Every customer with a purchase before `as_of`: their metrics and RFM
/// scores by `scoring`, not yet named (see [`name`]).
pub fn score(
    history: &History,
    as_of: NaiveDate,
    scoring: &RfmScoring,
    cancel: &Cancel,
) -> Result<Customers, Cancelled> {
    let as_of_day = day_number(as_of);
    let buyers: Vec<Customer<'_>> = history
        .customers()
        .filter(|c| c.first_purchase_day().is_some_and(|d| d < as_of_day))
        .collect();
    cancel.check()?;
    let gap = typical_gap_days(&buyers, as_of_day);
    struct Raw {
        first: i32,
        last: i32,
        orders: u64,
        revenue: f64,
    }
    let raw: Vec<Raw> = buyers
        .par_iter()
        .map(|c| {
            let mut r = Raw {
                first: i32::MAX,
                last: i32::MIN,
                orders: 0,
                revenue: 0.0,
            };
            for o in c.orders.iter().filter(|o| o.day < as_of_day) {
                r.revenue += o.amount;
                if o.purchase() {
                    r.orders += 1;
                    r.first = r.first.min(o.day);
                    r.last = r.last.max(o.day);
                }
            }
            r
        })
        .collect();
    let recency: Vec<f64> = raw.iter().map(|r| -((as_of_day - r.last) as f64)).collect();
    let frequency: Vec<f64> = raw.iter().map(|r| r.orders as f64).collect();
    let monetary: Vec<f64> = raw.iter().map(|r| r.revenue).collect();
    cancel.check()?;
    let breakpoints = match scoring {
        RfmScoring::Quintiles => None,
        RfmScoring::Breakpoints(Some(chosen)) => Some(*chosen),
        RfmScoring::Breakpoints(None) => {
            let days: Vec<i64> = raw.iter().map(|r| (as_of_day - r.last) as i64).collect();
            let orders: Vec<u64> = raw.iter().map(|r| r.orders).collect();
            Some(balanced_breakpoints(&days, &orders, &monetary))
        }
    };
    let (rs, (fs, ms)) = match &breakpoints {
        None => rayon::join(
            || quintile_scores(&recency),
            || {
                rayon::join(
                    || quintile_scores(&frequency),
                    || quintile_scores(&monetary),
                )
            },
        ),
        Some(points) => (
            raw.iter()
                .map(|r| points.r((as_of_day - r.last) as i64))
                .collect(),
            (
                raw.iter().map(|r| points.f(r.orders)).collect(),
                raw.iter().map(|r| points.m(r.revenue)).collect(),
            ),
        ),
    };
    cancel.check()?;
    let unnamed: Arc<str> = Arc::from("");
    let rows = buyers
        .par_iter()
        .zip(raw)
        .enumerate()
        .map(|(i, (c, r))| {
            let recency_days = (as_of_day - r.last) as i64;
            CustomerRow {
                customer_id: Arc::from(c.id),
                customer: c.index,
                first_order: day_from_number(r.first),
                last_order: day_from_number(r.last),
                orders: r.orders,
                revenue: r.revenue,
                average_order_value: r.revenue / r.orders.max(1) as f64,
                tenure_days: (as_of_day - r.first) as i64,
                recency_days,
                r: rs[i],
                f: fs[i],
                m: ms[i],
                rfm_segment: unnamed.clone(),
                status: status_of(recency_days, gap),
            }
        })
        .collect();
    Ok(Customers {
        as_of,
        rows,
        typical_gap_days: gap,
        breakpoints,
    })
}

/// One row of the segment table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SegmentSummary {
    pub segment: String,
    pub customers: u64,
    pub share: f64,
    pub revenue: f64,
    pub share_of_revenue: f64,
    pub average_recency_days: f64,
    pub average_frequency: f64,
    pub average_monetary: f64,
    pub repeat_rate: f64,
}

/// `rows` grouped by `segment_of`: the names in `order` first (those that
/// occur), then the rest, largest first.
pub fn grouped<'a, 'k, T>(
    rows: &[&'a T],
    segment_of: impl Fn(&'a T) -> &'k str,
    order: &[String],
) -> Vec<(String, Vec<&'a T>)> {
    let mut groups: HashMap<&'k str, Vec<&T>> = HashMap::new();
    for row in rows {
        groups.entry(segment_of(row)).or_default().push(row);
    }
    let mut out: Vec<(String, Vec<&T>)> = order
        .iter()
        .filter_map(|name| Some((name.clone(), groups.remove(name.as_str())?)))
        .collect();
    let mut rest: Vec<(&str, Vec<&T>)> = groups.into_iter().collect();
    rest.sort_by(|(a, x), (b, y)| y.len().cmp(&x.len()).then(a.cmp(b)));
    out.extend(
        rest.into_iter()
            .map(|(name, members)| (name.to_string(), members)),
    );
    out
}

/// The segment table, one row per value of `segment_of`, in `order` first.
pub fn summarise<'a, 'k>(
    rows: &[&'a CustomerRow],
    segment_of: impl Fn(&'a CustomerRow) -> &'k str,
    order: &[String],
) -> Vec<SegmentSummary> {
    let total_customers = rows.len() as f64;
    let total_revenue: f64 = rows.iter().map(|r| r.revenue).sum();
    grouped(rows, segment_of, order)
        .into_iter()
        .map(|(name, members)| {
            let n = members.len() as f64;
            let revenue: f64 = members.iter().map(|r| r.revenue).sum();
            let mean = |f: fn(&CustomerRow) -> f64| members.iter().map(|r| f(r)).sum::<f64>() / n;
            SegmentSummary {
                customers: members.len() as u64,
                share: n / total_customers.max(1.0),
                revenue,
                share_of_revenue: if total_revenue != 0.0 {
                    revenue / total_revenue
                } else {
                    0.0
                },
                average_recency_days: mean(|r| r.recency_days as f64),
                average_frequency: mean(|r| r.orders as f64),
                average_monetary: mean(|r| r.revenue),
                repeat_rate: members.iter().filter(|r| r.orders > 1).count() as f64 / n,
                segment: name,
            }
        })
        .collect()
}

/// `customers.csv` without the attribute columns.
pub fn customers_frame(rows: &[&CustomerRow]) -> PolarsResult<DataFrame> {
    let col = |name: &str, values: Column| values.with_name(name.into());
    let strings = |f: fn(&CustomerRow) -> &str| {
        Column::new("".into(), rows.iter().map(|r| f(r)).collect::<Vec<_>>())
    };
    let dates = |f: fn(&CustomerRow) -> NaiveDate| {
        Column::new("".into(), rows.iter().map(|r| f(r)).collect::<Vec<_>>())
    };
    let ints = |f: fn(&CustomerRow) -> i64| {
        Column::new("".into(), rows.iter().map(|r| f(r)).collect::<Vec<_>>())
    };
    let floats = |f: fn(&CustomerRow) -> f64| {
        Column::new("".into(), rows.iter().map(|r| f(r)).collect::<Vec<_>>())
    };
    DataFrame::new(
        rows.len(),
        vec![
            col("customer_id", strings(|r| &r.customer_id)),
            col("first_order", dates(|r| r.first_order)),
            col("last_order", dates(|r| r.last_order)),
            col("orders", ints(|r| r.orders as i64)),
            col("revenue", floats(|r| round_to(r.revenue, 2))),
            col("recency_days", ints(|r| r.recency_days)),
            col("frequency", ints(|r| r.orders as i64)),
            col("monetary", floats(|r| round_to(r.revenue, 2))),
            col("r", ints(|r| r.r as i64)),
            col("f", ints(|r| r.f as i64)),
            col("m", ints(|r| r.m as i64)),
            col("rfm_segment", strings(|r| &r.rfm_segment)),
            col("status", strings(|r| r.status.label())),
            col(
                "average_order_value",
                floats(|r| round_to(r.average_order_value, 2)),
            ),
            col("tenure_days", ints(|r| r.tenure_days)),
        ],
    )
}

/// A customer list for campaign tools: the metrics and scores of `rows`
/// plus the attribute values of each customer's first purchase.
pub fn customer_list(
    rows: &[&CustomerRow],
    first_attributes: &DataFrame,
) -> PolarsResult<DataFrame> {
    let ids = crate::data::CUSTOMER_ID;
    let mut list = customers_frame(rows)?
        .lazy()
        .join(
            first_attributes.clone().lazy(),
            [col(ids)],
            [col(ids)],
            JoinArgs::new(JoinType::Left),
        )
        .collect()?;
    list.rechunk_mut();
    Ok(list)
}

/// `segments.csv`.
pub fn summary_frame(kind: &str, summaries: &[SegmentSummary]) -> PolarsResult<DataFrame> {
    let floats = |f: fn(&SegmentSummary) -> f64| summaries.iter().map(f).collect::<Vec<_>>();
    DataFrame::new(
        summaries.len(),
        vec![
            Column::new("kind".into(), vec![kind; summaries.len()]),
            Column::new(
                "segment".into(),
                summaries
                    .iter()
                    .map(|s| s.segment.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "customers".into(),
                summaries.iter().map(|s| s.customers).collect::<Vec<_>>(),
            ),
            Column::new("share".into(), floats(|s| s.share)),
            Column::new("revenue".into(), floats(|s| round_to(s.revenue, 2))),
            Column::new("share_of_revenue".into(), floats(|s| s.share_of_revenue)),
            Column::new(
                "average_recency_days".into(),
                floats(|s| s.average_recency_days),
            ),
            Column::new("average_frequency".into(), floats(|s| s.average_frequency)),
            Column::new("average_monetary".into(), floats(|s| s.average_monetary)),
            Column::new("repeat_rate".into(), floats(|s| s.repeat_rate)),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quintiles_with_ties() {
        let values: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(quintile_scores(&values), vec![1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
        // Six one-time buyers tie at the bottom; the next value jumps past them.
        let tied = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 9.0];
        assert_eq!(quintile_scores(&tied), vec![1, 1, 1, 1, 1, 1, 4, 4, 5, 5]);
        assert_eq!(quintile_scores(&[7.0, 7.0, 7.0]), vec![1, 1, 1]);
    }

    #[test]
    fn every_grid_cell_is_named() {
        let grid = SegmentGrid::default();
        let expected = [
            [
                "Hibernating",
                "Hibernating",
                "At risk",
                "At risk",
                "Can't lose them",
            ],
            [
                "Hibernating",
                "Hibernating",
                "At risk",
                "At risk",
                "Can't lose them",
            ],
            [
                "About to sleep",
                "About to sleep",
                "Need attention",
                "Loyal customers",
                "Loyal customers",
            ],
            [
                "Promising",
                "Potential loyalists",
                "Potential loyalists",
                "Loyal customers",
                "Loyal customers",
            ],
            [
                "New customers",
                "Potential loyalists",
                "Potential loyalists",
                "Champions",
                "Champions",
            ],
        ];
        for r in 1..=5u8 {
            for f in 1..=5u8 {
                assert_eq!(
                    grid.name(r, f),
                    expected[r as usize - 1][f as usize - 1],
                    "R{r} F{f}"
                );
            }
        }
        assert_eq!(grid.segment_names().len(), 10);
    }

    #[test]
    fn status_thresholds() {
        assert_eq!(status_of(60, 30.0), Status::Active);
        assert_eq!(status_of(61, 30.0), Status::AtRisk);
        assert_eq!(status_of(120, 30.0), Status::AtRisk);
        assert_eq!(status_of(121, 30.0), Status::Lapsed);
    }
}
