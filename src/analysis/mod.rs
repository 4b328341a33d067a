//! Pure analyses: the canonical frame and settings in, tables and chart
//! specs out. No I/O, no egui, no global state, so that the window and the
//! headless report always agree.

pub mod activity;
pub mod filter;

use chrono::NaiveDate;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::{Dataset, ORDER_TS};
pub use filter::Filters;

/// Everything that decides what the analyses compute.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub filters: Filters,
    /// The first day not covered; `None` means the day after the last order.
    pub as_of: Option<NaiveDate>,
}

/// The filtered orders and what was computed from them.
#[derive(Clone, Debug)]
pub struct Results {
    pub orders: DataFrame,
    pub as_of: Option<NaiveDate>,
    pub activity: activity::MonthlyActivity,
}

impl Results {
    pub fn compute(dataset: &Dataset, settings: &Settings) -> PolarsResult<Results> {
        let mut orders = filter::apply(&dataset.orders, &settings.filters)?;
        let as_of = settings.as_of.or_else(|| dataset.default_as_of());
        if let Some(day) = settings.as_of {
            orders = before(&orders, day)?;
        }
        let window = settings.filters.describe();
        let activity = activity::monthly_activity(&orders, dataset.has_amount, &window)?;
        Ok(Results {
            orders,
            as_of,
            activity,
        })
    }
}

/// Orders strictly before `day`: the as-of date is the first day not covered.
fn before(orders: &DataFrame, day: NaiveDate) -> PolarsResult<DataFrame> {
    let limit_ms = crate::calendar::day_start_ms(day);
    orders
        .clone()
        .lazy()
        .filter(col(ORDER_TS).cast(DataType::Int64).lt(lit(limit_ms)))
        .collect()
}
