//! Pure analyses: the canonical frame and settings in, tables and chart
//! specs out. No I/O, no egui, no global state, so that the window and the
//! headless report always agree.

pub mod activity;
pub mod cohort_charts;
pub mod cohorts;
pub mod filter;
pub mod history;
pub mod kpis;
pub mod metrics;
pub mod period;

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
    pub cohorts: cohorts::CohortSettings,
    pub kpis: kpis::KpiSettings,
}

/// The cohort tables and curves, overall and per breakdown group.
#[derive(Clone, Debug)]
pub struct CohortResults {
    pub overall: cohorts::CohortTable,
    pub breakdown: Option<String>,
    pub groups: Vec<(String, cohorts::CohortTable)>,
    pub curves: crate::chart::ChartSpec,
}

/// The filtered orders and what was computed from them.
#[derive(Clone, Debug)]
pub struct Results {
    pub orders: DataFrame,
    pub as_of: NaiveDate,
    pub activity: activity::MonthlyActivity,
    pub cohorts: CohortResults,
    /// `None` when no complete period lies before the as-of date.
    pub overview: Option<kpis::Overview>,
}

impl Results {
    pub fn compute(dataset: &Dataset, settings: &Settings) -> PolarsResult<Results> {
        let as_of = settings
            .as_of
            .or_else(|| dataset.default_as_of())
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        let mut orders = before(&filter::apply(&dataset.orders, &settings.filters)?, as_of)?;
        orders.rechunk_mut();
        let window = settings.filters.describe();
        let activity = activity::monthly_activity(&orders, dataset.has_amount, &window)?;
        let breakdown = settings
            .cohorts
            .breakdown
            .clone()
            .filter(|b| dataset.attributes.contains(b));
        let history = history::build(
            &orders,
            dataset.has_amount,
            dataset.mapping.order_id.is_none(),
            breakdown.as_deref(),
        )?;
        let granularity = settings.cohorts.granularity;
        let overall = cohorts::cohort_table(&history.customers, granularity, as_of);
        let groups = match &breakdown {
            Some(_) => cohorts::group_tables(
                &history.customers,
                granularity,
                as_of,
                settings.cohorts.max_groups,
            ),
            None => Vec::new(),
        };
        let curves = cohort_charts::curves_spec(&overall, &groups, breakdown.as_deref(), &window);
        let first_day = history
            .customers
            .iter()
            .filter_map(|c| c.first_purchase_day())
            .min()
            .map(period::day_from_number);
        let overview =
            first_day.and_then(|first| kpis::overview(&history, &settings.kpis, as_of, first));
        Ok(Results {
            orders,
            as_of,
            activity,
            cohorts: CohortResults {
                overall,
                breakdown,
                groups,
                curves,
            },
            overview,
        })
    }
}

/// Orders strictly before `day`: the as-of date is the first day not covered.
fn before(orders: &DataFrame, day: NaiveDate) -> PolarsResult<DataFrame> {
    let limit_ms = crate::calendar::day_start_ms(day);
    let latest_ms = orders.column(ORDER_TS)?.to_physical_repr().i64()?.max();
    if latest_ms.is_none_or(|latest| latest < limit_ms) {
        return Ok(orders.clone());
    }
    orders
        .clone()
        .lazy()
        .filter(col(ORDER_TS).cast(DataType::Int64).lt(lit(limit_ms)))
        .collect()
}
