//! Pure analyses: the canonical frame and settings in, tables and chart
//! specs out. No I/O, no egui, no global state, so that the window and the
//! headless report always agree.

pub mod activity;
pub mod clv;
pub mod cohort_charts;
pub mod cohort_scan;
pub mod cohorts;
pub mod engagement;
pub mod extra_charts;
pub mod filter;
pub mod history;
pub mod kpis;
pub mod lifecycle;
pub mod loyalty;
pub mod loyalty_charts;
pub mod metrics;
pub mod mrr;
pub mod period;
pub mod segment_charts;
pub mod segments;
pub mod side_sources;
pub mod survey;

use std::sync::Arc;

use chrono::NaiveDate;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::{Dataset, ORDER_TS};
pub use filter::Filters;

/// Everything that decides what the analyses compute.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub filters: Filters,
    /// The first day not covered; `None` means the day after the last order.
    pub as_of: Option<NaiveDate>,
    pub cohorts: cohorts::CohortSettings,
    pub kpis: kpis::KpiSettings,
    pub segments: SegmentSettings,
    pub clv: clv::ClvSettings,
    /// The loyalty programme to replay; `None` until one is opened or the
    /// example is chosen.
    pub loyalty: Option<loyalty::Programme>,
    /// A changed copy of the programme, replayed beside it for comparison.
    pub loyalty_what_if: Option<loyalty::Programme>,
    /// The tier migration's two dates; `None` means 12 months before the
    /// as-of date and the as-of date.
    pub loyalty_migration_from: Option<NaiveDate>,
    pub loyalty_migration_to: Option<NaiveDate>,
    /// Each survey respondent's NPS group (their latest answer), from the
    /// survey opened beside the orders; not saved, it comes with the file.
    #[serde(skip)]
    pub nps_groups: Option<Arc<std::collections::BTreeMap<String, String>>>,
}

/// The names of the per-customer columns that filters and breakdowns can use
/// like attribute columns.
pub const RFM_SEGMENT: &str = "RFM segment";
pub const STATUS: &str = "Status";
pub const SEGMENT_COLUMNS: [&str; 2] = [RFM_SEGMENT, STATUS];
/// CLV can also be grouped by the loyalty tier held at the as-of date.
pub const LOYALTY_TIER: &str = "Loyalty tier";
/// Customers who answered the survey, by their NPS group.
pub const NPS_GROUP: &str = "NPS group";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SegmentSettings {
    pub grid: segments::SegmentGrid,
    pub lifecycle_period: period::Granularity,
    /// An attribute column whose values are shown as segments too.
    pub attribute: Option<String>,
    pub status_rule: segments::StatusRule,
}

impl Default for SegmentSettings {
    fn default() -> Self {
        SegmentSettings {
            grid: segments::SegmentGrid::default(),
            lifecycle_period: period::Granularity::Month,
            attribute: None,
            status_rule: segments::StatusRule::default(),
        }
    }
}

/// Customers, their segments and the charts of the Segments tab.
#[derive(Clone, Debug)]
pub struct SegmentResults {
    /// Scored on all orders before the as-of date, then narrowed to the
    /// customers the filters keep.
    pub customers: segments::Customers,
    /// `customer_id` and the attribute values of each customer's first purchase.
    pub first_attributes: DataFrame,
    pub rfm_table: Vec<segments::SegmentSummary>,
    pub status_table: Vec<segments::SegmentSummary>,
    pub attribute_table: Option<(String, Vec<segments::SegmentSummary>)>,
    pub rfm_grid: crate::chart::ChartSpec,
    pub rfm_sizes: crate::chart::ChartSpec,
    pub attribute_sizes: Option<crate::chart::ChartSpec>,
    pub lifecycle: Vec<lifecycle::LifecycleRow>,
    pub lifecycle_chart: crate::chart::ChartSpec,
    /// The Overview period's KPIs per RFM segment.
    pub segment_kpis: Vec<(String, kpis::PeriodKpis)>,
    /// Retention curves, one line per RFM segment.
    pub segment_curves: crate::chart::ChartSpec,
}

/// The cohort tables and curves, overall and per breakdown group.
#[derive(Clone, Debug)]
pub struct CohortResults {
    pub overall: cohorts::CohortTable,
    pub breakdown: Option<String>,
    pub groups: Vec<(String, cohorts::CohortTable)>,
    pub curves: crate::chart::ChartSpec,
}

/// The CLV tab: the fitted models and their predictions, narrowed to the
/// customers the filters keep and summed up per segment.
#[derive(Clone, Debug)]
pub struct ClvResults {
    /// Fitted on every customer before the as-of date, like the segments;
    /// the message says why there is no fit.
    pub fit: Result<Arc<clv::ModelFit>, String>,
    /// Indices into the fit's rows of the customers the filters keep.
    pub kept: Vec<usize>,
    /// What `by_segment` groups by.
    pub segment_by: String,
    pub by_segment: Vec<clv::by_segment::ClvSegmentRow>,
    /// The simple CLV forms for all kept customers, then per RFM segment.
    pub simple: Vec<(String, kpis::SimpleClv)>,
    /// Indices into the fit's rows: valuable customers whose P(alive) fell.
    pub falling: Vec<usize>,
    pub by_segment_chart: crate::chart::ChartSpec,
    pub distribution: crate::chart::ChartSpec,
    pub p_alive_map: Option<crate::chart::ChartSpec>,
    pub holdout_weekly: Option<crate::chart::ChartSpec>,
    pub holdout_by_frequency: Option<crate::chart::ChartSpec>,
}

impl ClvResults {
    pub fn kept_rows(&self) -> Vec<&clv::ClvRow> {
        match &self.fit {
            Ok(fit) => self.kept.iter().filter_map(|i| fit.rows.get(*i)).collect(),
            Err(_) => Vec::new(),
        }
    }

    pub fn falling_rows(&self) -> Vec<&clv::ClvRow> {
        match &self.fit {
            Ok(fit) => self
                .falling
                .iter()
                .filter_map(|i| fit.rows.get(*i))
                .collect(),
            Err(_) => Vec::new(),
        }
    }
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
    pub segments: SegmentResults,
    pub clv: ClvResults,
    /// The programme replayed over every customer before the as-of date.
    pub loyalty: Option<loyalty::LoyaltyResults>,
    /// The what-if programme replayed the same way.
    pub loyalty_what_if: Option<loyalty::LoyaltyResults>,
    /// The survey's NPS group per respondent, when a survey is open.
    pub nps_groups: Option<Arc<std::collections::BTreeMap<String, String>>>,
    /// MRR per month when the orders are recurring payments: why they
    /// count as recurring, the months and their chart.
    pub mrr: Option<(String, Vec<mrr::MrrMonth>, crate::chart::ChartSpec)>,
}

impl Results {
    pub fn compute(dataset: &Dataset, settings: &Settings) -> PolarsResult<Results> {
        Results::compute_reusing(dataset, settings, None)
    }

    /// As `compute`, reusing a model fit of the same dataset when it
    /// answers the same CLV settings, so that changing a cohort option
    /// does not refit the models.
    pub fn compute_reusing(
        dataset: &Dataset,
        settings: &Settings,
        previous_fit: Option<Arc<clv::ModelFit>>,
    ) -> PolarsResult<Results> {
        let as_of = settings
            .as_of
            .or_else(|| dataset.default_as_of())
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        let orders_are_rows = dataset.orders_are_rows;
        let all_orders = before(&dataset.orders, as_of)?;
        // Segments are scored on every order before the as-of date, so a
        // customer's segment does not change with the filters.
        let everyone = history::build(&all_orders, dataset.has_amount, orders_are_rows, None)?;
        let mut scored = segments::customers(&everyone, as_of, &settings.segments.grid);
        let fit = match previous_fit.filter(|f| f.answers(&settings.clv, as_of)) {
            Some(fit) => Ok(fit),
            None => clv::fit_and_score(
                &everyone.customers,
                dataset.has_amount,
                &settings.clv,
                as_of,
            )
            .map(Arc::new),
        };
        let redemptions_from_data = dataset.mapping.points_redeemed.is_some();
        let default_window = loyalty::default_migration_window(as_of);
        let migration_window = (
            settings.loyalty_migration_from.unwrap_or(default_window.0),
            settings
                .loyalty_migration_to
                .unwrap_or(default_window.1)
                .min(as_of),
        );
        let loyalty = settings.loyalty.as_ref().map(|programme| {
            loyalty::replay(
                programme,
                &everyone.customers,
                as_of,
                redemptions_from_data,
                migration_window,
            )
        });
        let loyalty_what_if = settings
            .loyalty_what_if
            .as_ref()
            .filter(|_| settings.loyalty.is_some())
            .map(|programme| {
                loyalty::replay(
                    programme,
                    &everyone.customers,
                    as_of,
                    redemptions_from_data,
                    migration_window,
                )
            });
        if settings.segments.status_rule == segments::StatusRule::PAlive
            && let Ok(fit) = &fit
        {
            segments::apply_p_alive_status(&mut scored, &fit.rows);
        }
        // RFM segment, status and (with a programme) loyalty tier work
        // like attribute columns in breakdowns and filters.
        let mut virtual_columns: Vec<&str> = SEGMENT_COLUMNS.to_vec();
        if loyalty.is_some() {
            virtual_columns.push(LOYALTY_TIER);
        }
        let nps_groups = settings.nps_groups.as_deref();
        if nps_groups.is_some() {
            virtual_columns.push(NPS_GROUP);
        }
        let breakdown =
            settings.cohorts.breakdown.clone().filter(|b| {
                dataset.attributes.contains(b) || virtual_columns.contains(&b.as_str())
            });
        let uses_segments = breakdown
            .as_deref()
            .is_some_and(|b| virtual_columns.contains(&b))
            || settings
                .filters
                .attributes
                .keys()
                .any(|k| virtual_columns.contains(&k.as_str()));
        let mut orders = if uses_segments {
            with_segment_columns(&all_orders, &scored, loyalty.as_ref(), nps_groups)?
        } else {
            all_orders
        };
        orders = filter::apply(&orders, &settings.filters)?;
        orders.rechunk_mut();
        let window = settings.filters.describe();
        let activity = activity::monthly_activity(&orders, dataset.has_amount, &window)?;
        let history = if settings.filters.is_active() || breakdown.is_some() {
            history::build(
                &orders,
                dataset.has_amount,
                orders_are_rows,
                breakdown.as_deref(),
            )?
        } else {
            everyone
        };
        let granularity = settings.cohorts.granularity;
        let overall = cohorts::cohort_table(&history.customers, granularity, as_of);
        let groups = match &breakdown {
            Some(_) => cohorts::group_tables(
                &history.customers,
                &history
                    .customers
                    .iter()
                    .map(|c| c.group.as_deref())
                    .collect::<Vec<_>>(),
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
            .map(crate::calendar::day_from_number);
        let overview =
            first_day.and_then(|first| kpis::overview(&history, &settings.kpis, as_of, first));
        let segments = segment_results(
            dataset,
            settings,
            &orders,
            &history,
            scored,
            overview.as_ref(),
            &overall,
            &window,
        )?;
        let mrr = if dataset.has_amount {
            mrr::recurring_reason(&history, &dataset.attributes).map(|reason| {
                let months = mrr::mrr_by_month(&history, as_of);
                let chart = extra_charts::mrr_spec(&months, &window);
                (reason, months, chart)
            })
        } else {
            None
        };
        let clv = clv_results(
            fit,
            settings,
            &history,
            &segments,
            loyalty.as_ref(),
            as_of,
            &window,
        )?;
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
            segments,
            clv,
            loyalty,
            loyalty_what_if,
            nps_groups: settings.nps_groups.clone(),
            mrr,
        })
    }
}

fn clv_results(
    fit: Result<Arc<clv::ModelFit>, String>,
    settings: &Settings,
    history: &history::History,
    segments: &SegmentResults,
    tiers: Option<&loyalty::LoyaltyResults>,
    as_of: NaiveDate,
    window: &str,
) -> PolarsResult<ClvResults> {
    use std::collections::HashMap;
    let scored: HashMap<&str, &segments::CustomerRow> = segments
        .customers
        .rows
        .iter()
        .map(|r| (r.customer_id.as_str(), r))
        .collect();
    let mut simple = vec![(
        "All customers".to_string(),
        kpis::simple_clv_of(
            &history.customers,
            as_of,
            settings.kpis.active_window_months,
        ),
    )];
    let segment_of = segments.customers.rfm_segments_of(&history.customers);
    for name in settings.segments.grid.segment_names() {
        let members = history
            .customers
            .iter()
            .zip(&segment_of)
            .filter(|(_, s)| **s == Some(name.as_str()))
            .map(|(c, _)| c);
        if members.clone().next().is_some() {
            let forms = kpis::simple_clv_of(members, as_of, settings.kpis.active_window_months);
            simple.push((name, forms));
        }
    }
    let (kept, falling, p_alive_map, holdout) = match &fit {
        Ok(fit) => {
            let kept_ids: std::collections::HashSet<&str> =
                history.customers.iter().map(|c| c.id.as_str()).collect();
            let kept: Vec<usize> = fit
                .rows
                .iter()
                .enumerate()
                .filter(|(_, r)| kept_ids.contains(r.customer_id.as_str()))
                .map(|(i, _)| i)
                .collect();
            let max_t = fit.rows.iter().map(|r| r.t_weeks).fold(0.0, f64::max);
            let max_x = fit.rows.iter().map(|r| r.frequency).max().unwrap_or(0);
            let p_alive_map = clv::charts::p_alive_heatmap_spec(&fit.model, max_t, max_x, window);
            (kept, Vec::new(), Some(p_alive_map), fit.holdout.clone())
        }
        Err(_) => (Vec::new(), Vec::new(), None, None),
    };
    let mut results = ClvResults {
        fit,
        kept,
        segment_by: String::new(),
        by_segment: Vec::new(),
        simple,
        falling,
        by_segment_chart: clv::charts::by_segment_spec("", &[], window),
        distribution: clv::charts::distribution_spec(&[], window),
        p_alive_map,
        holdout_weekly: None,
        holdout_by_frequency: None,
    };
    if let Some(Ok(check)) = &holdout {
        results.holdout_weekly = Some(clv::charts::holdout_weekly_spec(check));
        results.holdout_by_frequency = Some(clv::charts::holdout_frequency_spec(check));
    }
    let rows = results.kept_rows();
    let (segment_by, by_segment) = clv_table(
        segments,
        tiers,
        settings.nps_groups.as_deref(),
        &rows,
        &settings.clv.segment_by,
        &settings.segments.grid,
    )?;
    let revenue_of = |r: &clv::ClvRow| {
        scored
            .get(r.customer_id.as_str())
            .map_or(0.0, |s| s.revenue)
    };
    let falling_ids: std::collections::HashSet<&str> =
        clv::by_segment::falling_high_value(&rows, revenue_of, FALLING_P_ALIVE)
            .into_iter()
            .map(|r| r.customer_id.as_str())
            .collect();
    let distribution = clv::charts::distribution_spec(&rows, window);
    let by_segment_chart = clv::charts::by_segment_spec(&segment_by, &by_segment, window);
    let falling: Vec<usize> = match &results.fit {
        Ok(fit) => {
            let mut picked: Vec<usize> = results
                .kept
                .iter()
                .copied()
                .filter(|i| {
                    fit.rows
                        .get(*i)
                        .is_some_and(|r| falling_ids.contains(r.customer_id.as_str()))
                })
                .collect();
            picked.sort_by(|a, b| {
                let fall = |i: &usize| fit.rows[*i].p_alive_fall().unwrap_or(0.0);
                fall(b).total_cmp(&fall(a))
            });
            picked
        }
        Err(_) => Vec::new(),
    };
    results.segment_by = segment_by;
    results.by_segment = by_segment;
    results.falling = falling;
    results.distribution = distribution;
    results.by_segment_chart = by_segment_chart;
    Ok(results)
}

impl Results {
    /// "CLV by segment" of the kept customers for another grouping than
    /// the one computed; returns the grouping used and the table.
    pub fn clv_by(
        &self,
        segment_by: &str,
        grid: &segments::SegmentGrid,
    ) -> PolarsResult<(String, Vec<clv::by_segment::ClvSegmentRow>)> {
        clv_table(
            &self.segments,
            self.loyalty.as_ref(),
            self.nps_groups.as_deref(),
            &self.clv.kept_rows(),
            segment_by,
            grid,
        )
    }
}

/// Groups CLV rows by RFM segment, status or an attribute column (the value
/// on each customer's first purchase); unknown groupings fall back to RFM
/// segments.
fn clv_table(
    segments: &SegmentResults,
    tiers: Option<&loyalty::LoyaltyResults>,
    nps_groups: Option<&std::collections::BTreeMap<String, String>>,
    rows: &[&clv::ClvRow],
    segment_by: &str,
    grid: &segments::SegmentGrid,
) -> PolarsResult<(String, Vec<clv::by_segment::ClvSegmentRow>)> {
    use std::collections::HashMap;
    if segment_by == NPS_GROUP
        && let Some(groups) = nps_groups
    {
        let order: Vec<String> = ["promoter", "passive", "detractor", "no answer"]
            .map(String::from)
            .to_vec();
        let table = clv::by_segment::by_segment(
            rows,
            |r| {
                groups
                    .get(&r.customer_id)
                    .cloned()
                    .unwrap_or_else(|| "no answer".into())
            },
            &order,
        );
        return Ok((NPS_GROUP.to_string(), table));
    }
    if segment_by == LOYALTY_TIER
        && let Some(tiers) = tiers
    {
        let names: Vec<String> = tiers
            .programme
            .tiers
            .iter()
            .rev()
            .map(|t| t.name.clone())
            .collect();
        let tier_of = tiers.tier_names();
        let table = clv::by_segment::by_segment(
            rows,
            |r| {
                tier_of
                    .get(r.customer_id.as_str())
                    .unwrap_or(&"(not a member)")
                    .to_string()
            },
            &names,
        );
        return Ok((LOYALTY_TIER.to_string(), table));
    }
    let scored: HashMap<&str, &segments::CustomerRow> = segments
        .customers
        .rows
        .iter()
        .map(|r| (r.customer_id.as_str(), r))
        .collect();
    if !SEGMENT_COLUMNS.contains(&segment_by)
        && let Ok(values) = segments.first_attributes.column(segment_by)
    {
        let values = values.cast(&DataType::String)?;
        let value_of = first_values(&segments.first_attributes, &values)?;
        let table = clv::by_segment::by_segment(rows, |r| value_of(&r.customer_id), &[]);
        return Ok((segment_by.to_string(), table));
    }
    let by_status = segment_by == STATUS;
    let order: Vec<String> = if by_status {
        ["active", "at risk", "lapsed"].map(String::from).to_vec()
    } else {
        grid.segment_names()
    };
    let table = clv::by_segment::by_segment(
        rows,
        |r| match scored.get(r.customer_id.as_str()) {
            Some(s) if by_status => s.status.label().to_string(),
            Some(s) => s.rfm_segment.clone(),
            None => "(not scored)".to_string(),
        },
        &order,
    );
    let name = if by_status { STATUS } else { RFM_SEGMENT };
    Ok((name.to_string(), table))
}

/// A fall in P(alive) over 30 days from which a valuable customer is listed.
pub const FALLING_P_ALIVE: f64 = 0.05;

#[allow(clippy::too_many_arguments)]
fn segment_results(
    dataset: &Dataset,
    settings: &Settings,
    orders: &DataFrame,
    history: &history::History,
    mut scored: segments::Customers,
    overview: Option<&kpis::Overview>,
    overall: &cohorts::CohortTable,
    window: &str,
) -> PolarsResult<SegmentResults> {
    let kept: std::collections::HashSet<&str> =
        history.customers.iter().map(|c| c.id.as_str()).collect();
    scored
        .rows
        .retain(|r| kept.contains(r.customer_id.as_str()));
    let rows: Vec<&segments::CustomerRow> = scored.rows.iter().collect();
    let grid = &settings.segments.grid;
    let rfm_table = segments::summarise(&rows, |r| r.rfm_segment.clone(), &grid.segment_names());
    let status_order: Vec<String> = ["active", "at risk", "lapsed"].map(String::from).to_vec();
    let status_table = segments::summarise(&rows, |r| r.status.label().to_string(), &status_order);
    let first_attributes =
        first_purchase_attributes(orders, &dataset.attributes, dataset.has_amount)?;
    let attribute = settings
        .segments
        .attribute
        .clone()
        .filter(|a| dataset.attributes.contains(a));
    let attribute_table = match &attribute {
        Some(column) => {
            let values = first_attributes.column(column)?.cast(&DataType::String)?;
            let value_of = first_values(&first_attributes, &values)?;
            let table = segments::summarise(&rows, |r| value_of(&r.customer_id), &[]);
            Some((column.clone(), table))
        }
        None => None,
    };
    let attribute_sizes = attribute_table.as_ref().map(|(column, table)| {
        segment_charts::sizes_spec(
            "attribute_segments",
            &format!("Customers and revenue by {column}"),
            table,
            window,
        )
    });
    let lifecycle_rows =
        lifecycle::lifecycle(history, settings.segments.lifecycle_period, scored.as_of);
    let lifecycle_chart = segment_charts::lifecycle_spec(
        &lifecycle_rows,
        &settings.segments.lifecycle_period.label().to_lowercase(),
        window,
    );
    let segment_of = scored.rfm_segments_of(&history.customers);
    let segment_kpis = match overview {
        Some(o) => rfm_table
            .iter()
            .map(|s| {
                let members = history
                    .customers
                    .iter()
                    .zip(&segment_of)
                    .filter(|(_, g)| **g == Some(s.segment.as_str()))
                    .map(|(c, _)| c);
                (
                    s.segment.clone(),
                    kpis::period_kpis_of(members, o.current.window, o.active_window_months),
                )
            })
            .collect(),
        None => Vec::new(),
    };
    let groups = cohorts::group_tables(
        &history.customers,
        &segment_of,
        overall.granularity,
        overall.as_of,
        usize::MAX,
    );
    let segment_curves = cohort_charts::curves_spec(overall, &groups, Some(RFM_SEGMENT), window);
    Ok(SegmentResults {
        rfm_grid: segment_charts::rfm_grid_spec(&rows, grid, window),
        rfm_sizes: segment_charts::sizes_spec(
            "rfm_segments",
            "Customers and revenue by RFM segment",
            &rfm_table,
            window,
        ),
        customers: scored.clone(),
        first_attributes,
        rfm_table,
        status_table,
        attribute_table,
        attribute_sizes,
        lifecycle: lifecycle_rows,
        lifecycle_chart,
        segment_kpis,
        segment_curves,
    })
}

/// Each customer's value of an attribute column of `first_attributes`
/// (already cast to text) by customer id, "(empty)" where they have none.
fn first_values<'a>(
    first_attributes: &'a DataFrame,
    values: &'a Column,
) -> PolarsResult<impl Fn(&str) -> String + 'a> {
    let ids = first_attributes.column(crate::data::CUSTOMER_ID)?.str()?;
    let by_id: std::collections::HashMap<&str, &str> = ids
        .iter()
        .zip(values.str()?.iter())
        .filter_map(|(i, v)| Some((i?, v.unwrap_or("(empty)"))))
        .collect();
    Ok(move |id: &str| by_id.get(id).unwrap_or(&"(empty)").to_string())
}

/// Adds each order's customer's RFM segment and status, and their loyalty
/// tier at the as-of date when a programme is replayed, as columns.
fn with_segment_columns(
    orders: &DataFrame,
    scored: &segments::Customers,
    tiers: Option<&loyalty::LoyaltyResults>,
    nps_groups: Option<&std::collections::BTreeMap<String, String>>,
) -> PolarsResult<DataFrame> {
    let ids: Vec<&str> = scored.rows.iter().map(|r| r.customer_id.as_str()).collect();
    let names: Vec<&str> = scored.rows.iter().map(|r| r.rfm_segment.as_str()).collect();
    let statuses: Vec<&str> = scored.rows.iter().map(|r| r.status.label()).collect();
    let mut columns = vec![
        Column::new(crate::data::CUSTOMER_ID.into(), ids.clone()),
        Column::new(RFM_SEGMENT.into(), names),
        Column::new(STATUS.into(), statuses),
    ];
    if let Some(tiers) = tiers {
        let tier_of = tiers.tier_names();
        let values: Vec<Option<&str>> = ids.iter().map(|id| tier_of.get(id).copied()).collect();
        columns.push(Column::new(LOYALTY_TIER.into(), values));
    }
    if let Some(groups) = nps_groups {
        let values: Vec<&str> = ids
            .iter()
            .map(|id| groups.get(*id).map_or("no answer", String::as_str))
            .collect();
        columns.push(Column::new(NPS_GROUP.into(), values));
    }
    let map = DataFrame::new(ids.len(), columns)?;
    orders
        .clone()
        .lazy()
        .join(
            map.lazy(),
            [col(crate::data::CUSTOMER_ID)],
            [col(crate::data::CUSTOMER_ID)],
            JoinArgs::new(JoinType::Left),
        )
        .collect()
}

/// Each customer's attribute values on their first purchase.
fn first_purchase_attributes(
    orders: &DataFrame,
    attributes: &[String],
    has_amount: bool,
) -> PolarsResult<DataFrame> {
    let purchase = if has_amount {
        col(crate::data::AMOUNT)
            .gt_eq(lit(0.0))
            .or(col(crate::data::AMOUNT).is_null())
    } else {
        lit(true)
    };
    let firsts: Vec<Expr> = attributes
        .iter()
        // The value on the row of the earliest purchase (the first such row
        // on a tie), found without sorting each customer's rows.
        .map(|a| {
            col(a.as_str())
                .get(col(ORDER_TS).arg_min(), true)
                .alias(a.as_str())
        })
        .collect();
    if firsts.is_empty() {
        return orders
            .clone()
            .lazy()
            .filter(purchase)
            .select([col(crate::data::CUSTOMER_ID)])
            .unique(None, UniqueKeepStrategy::First)
            .collect();
    }
    orders
        .clone()
        .lazy()
        .filter(purchase)
        .group_by([col(crate::data::CUSTOMER_ID)])
        .agg(firsts)
        .collect()
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
