//! What the filters keep: the rows of the canonical frame in view and the
//! customers' histories made of them. Every tab but the loyalty replay and
//! the model fit (which learn from every customer) reads a view.

use std::sync::Arc;

use polars::prelude::*;

use super::cancel::{Cancel, Cancelled};
use super::filter::Filters;
use super::groups::CustomerLabels;
use super::history::History;
use super::order_log::OrderLog;
use crate::calendar::day_start_ms;
use crate::data::ORDER_TS;

/// The customers and rows the filters keep.
#[derive(Debug)]
pub struct View {
    pub history: Arc<History>,
    /// Rows of the canonical frame the filters keep; `None` keeps all.
    pub mask: Option<Vec<bool>>,
    /// The filters in words, for captions: "all orders" without any.
    pub window: String,
}

impl View {
    /// The view of every order: the history itself.
    pub fn everything(history: Arc<History>) -> View {
        View {
            history,
            mask: None,
            window: Filters::default().describe(),
        }
    }

    /// Each customer of the log in view, by log index.
    pub fn customers_in_view(&self) -> Vec<bool> {
        let mut kept = vec![false; self.history.ids().len()];
        for c in self.history.customers() {
            if let Some(slot) = kept.get_mut(c.index as usize) {
                *slot = true;
            }
        }
        kept
    }
}

/// The view `filters` give of the log's orders before `before_day`.
/// `labels(column)` gives the labels of a column that is not in the frame
/// (RFM segment, status, tier, NPS group); filters on columns that are
/// neither are ignored, as after a remapping.
pub fn filtered(
    frame: &DataFrame,
    log: &OrderLog,
    everyone: &Arc<History>,
    filters: &Filters,
    before_day: i32,
    labels: &dyn Fn(&str) -> Option<Arc<CustomerLabels>>,
    cancel: &Cancel,
) -> PolarsResult<Result<View, Cancelled>> {
    if !filters.is_active() {
        return Ok(Ok(View::everything(everyone.clone())));
    }
    let mut keep = row_conditions(frame, filters)?;
    for (column, values) in &filters.attributes {
        if values.is_empty() || frame.column(column).is_ok() {
            continue;
        }
        if let Some(labels) = labels(column) {
            log.keep_customers(&mut keep, |customer| {
                labels.get(customer).is_some_and(|l| values.contains(l))
            });
        }
    }
    if cancel.is_cancelled() {
        return Ok(Err(Cancelled));
    }
    Ok(log
        .history(Some(&keep), before_day, cancel)
        .map(|history| View {
            history: Arc::new(history),
            mask: Some(keep),
            window: filters.describe(),
        }))
}

/// The rows that pass the date window and the filters on the frame's own
/// attribute columns.
fn row_conditions(frame: &DataFrame, filters: &Filters) -> PolarsResult<Vec<bool>> {
    let ts_ms = col(ORDER_TS).cast(DataType::Int64);
    let mut keep = lit(true);
    if let Some(from) = filters.from {
        keep = keep.and(ts_ms.clone().gt_eq(lit(day_start_ms(from))));
    }
    if let Some(until) = filters.until.and_then(|u| u.succ_opt()) {
        keep = keep.and(ts_ms.lt(lit(day_start_ms(until))));
    }
    for (column, values) in &filters.attributes {
        if values.is_empty() || frame.column(column).is_err() {
            continue;
        }
        let any_of = values.iter().fold(lit(false), |acc, v| {
            acc.or(col(column.as_str()).eq(lit(v.as_str())))
        });
        keep = keep.and(any_of);
    }
    let kept = frame
        .clone()
        .lazy()
        .select([keep.fill_null(lit(false)).alias("keep")])
        .collect()?;
    let flags = kept.column("keep")?.bool()?;
    Ok(flags
        .iter()
        .map(|k| k.unwrap_or(false))
        .chain(std::iter::repeat(true))
        .take(frame.height())
        .collect())
}
