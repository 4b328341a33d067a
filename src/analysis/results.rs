//! What the window shows and the report writes, tab by tab, and the pure
//! steps that build each part from the analyses' outputs.

use rust_i18n::t;
use std::sync::Arc;

use chrono::NaiveDate;
use polars::prelude::*;

use super::activity::MonthlyActivity;
use super::cancel::Cancelled;
use super::clv::bootstrap::TotalRanges;
use super::clv::by_segment::{ClvSegmentRow, falling_high_value};
use super::clv::{ClvRow, ModelFit};
use super::cohorts::CohortTable;
use super::groups::{CustomerLabels, GroupColumn};
use super::history::History;
use super::kpis::{Overview, PeriodKpis, SimpleClv};
use super::lifecycle::LifecycleRow;
use super::loyalty::LoyaltyResults;
use super::mrr::MrrMonth;
use super::segment_charts;
use super::segments::{self, CustomerRow, Customers, SegmentGrid, SegmentSummary};
use crate::chart::ChartSpec;
use crate::data::CUSTOMER_ID;

/// Status labels in the order tables show them.
pub const STATUS_ORDER: [&str; 3] = ["active", "at risk", "lapsed"];
/// NPS groups in the order tables show them; customers of the order log
/// without an answer are "no answer".
pub const NPS_ORDER: [&str; 4] = ["promoter", "passive", "detractor", "no answer"];
/// A fall in P(alive) over 30 days from which a valuable customer is listed.
pub const FALLING_P_ALIVE: f64 = 0.05;

/// The parts of the results, one per tab (the Data tab's is the view).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Part {
    Overview,
    Cohorts,
    Segments,
    Clv,
    Loyalty,
    Data,
    /// The CLV tab again, with the 95 % ranges of its totals: the refits
    /// take longer than everything else, so the tab is shown without them
    /// first.
    ClvRanges,
}

impl Part {
    pub const ALL: [Part; 7] = [
        Part::Overview,
        Part::Cohorts,
        Part::Segments,
        Part::Clv,
        Part::Loyalty,
        Part::Data,
        Part::ClvRanges,
    ];
}

/// Everything computed for one set of settings, part by part; a part not
/// (yet) computed is `None`.
#[derive(Clone, Debug, Default)]
pub struct Results {
    pub as_of: Option<NaiveDate>,
    pub view: Option<Arc<ViewResults>>,
    pub overview: Option<Arc<OverviewResults>>,
    pub cohorts: Option<Arc<CohortResults>>,
    pub segments: Option<Arc<SegmentResults>>,
    pub clv: Option<Arc<ClvResults>>,
    pub loyalty: Option<Arc<LoyaltyPart>>,
}

impl Results {
    pub fn has(&self, part: Part) -> bool {
        match part {
            Part::Overview => self.overview.is_some(),
            Part::Cohorts => self.cohorts.is_some(),
            Part::Segments => self.segments.is_some(),
            Part::Clv => self.clv.is_some(),
            Part::ClvRanges => self
                .clv
                .as_ref()
                .is_some_and(|c| c.by_segment.ranges != RangeSource::Pending),
            Part::Loyalty => self.loyalty.is_some(),
            Part::Data => self.view.is_some(),
        }
    }
}

/// The rows in view and what they hold per month (the Data tab).
#[derive(Debug)]
pub struct ViewResults {
    /// Rows of the canonical frame in view, in file order.
    pub rows: Vec<u32>,
    pub activity: MonthlyActivity,
    /// The filters in words.
    pub window: String,
}

/// MRR per month when the orders are recurring payments.
#[derive(Clone, Debug)]
pub struct Mrr {
    /// Why the orders count as recurring.
    pub reason: String,
    pub months: Vec<MrrMonth>,
    pub chart: ChartSpec,
    /// Contractual churn: the sBG fits and today's subscribers' value.
    pub subscriptions: super::subscription::Subscriptions,
    pub retention_chart: ChartSpec,
}

#[derive(Debug)]
pub struct OverviewResults {
    /// `None` when no complete period lies before the as-of date.
    pub overview: Option<Overview>,
    pub mrr: Option<Mrr>,
}

/// The cohort tables and curves, overall and per breakdown group.
#[derive(Clone, Debug)]
pub struct CohortResults {
    pub overall: Arc<CohortTable>,
    pub breakdown: Option<String>,
    pub groups: Arc<Vec<(String, CohortTable)>>,
    pub curves: ChartSpec,
    /// The filters in words.
    pub window: String,
    /// Which computation made the tables, for views that cache what they
    /// draw from them.
    pub stamp: u64,
}

/// The segment table's rows and charts for the customers in view.
#[derive(Debug)]
pub struct SegmentTables {
    /// Scored on all orders before the as-of date, then narrowed to the
    /// customers the filters keep.
    pub customers: Arc<Customers>,
    pub rfm_table: Vec<SegmentSummary>,
    pub status_table: Vec<SegmentSummary>,
    pub rfm_grid: ChartSpec,
    pub rfm_sizes: ChartSpec,
}

/// Customers, their segments and the charts of the Segments tab.
#[derive(Clone, Debug)]
pub struct SegmentResults {
    pub tables: Arc<SegmentTables>,
    /// `customer_id` and the attribute values of each customer's first purchase.
    pub first_attributes: Arc<DataFrame>,
    pub attribute_table: Option<Arc<AttributeSegments>>,
    pub lifecycle: Arc<Lifecycle>,
    /// The Overview period's KPIs per RFM segment.
    pub segment_kpis: Arc<Vec<SegmentKpis>>,
    /// Retention curves, one line per RFM segment.
    pub segment_curves: Arc<ChartSpec>,
}

impl SegmentResults {
    pub fn customers(&self) -> &Customers {
        &self.tables.customers
    }
}

/// The segment table by an attribute column.
#[derive(Debug)]
pub struct AttributeSegments {
    pub column: String,
    pub table: Vec<SegmentSummary>,
    pub chart: ChartSpec,
}

#[derive(Debug)]
pub struct Lifecycle {
    pub rows: Vec<LifecycleRow>,
    pub chart: ChartSpec,
}

/// One RFM segment's KPIs for the Overview's period.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentKpis {
    pub segment: String,
    pub kpis: PeriodKpis,
}

/// The simple CLV forms of a group of customers.
#[derive(Clone, Debug, PartialEq)]
pub struct SimpleClvRow {
    pub segment: String,
    pub forms: SimpleClv,
}

/// The CLV tab: the fitted models and their predictions, narrowed to the
/// customers the filters keep and summed up per segment.
#[derive(Clone, Debug)]
pub struct ClvResults {
    /// Fitted on every customer before the as-of date, like the segments;
    /// the message says why there is no fit.
    pub fit: Result<Arc<ModelFit>, String>,
    pub kept: Arc<ClvKept>,
    pub by_segment: Arc<ClvBySegment>,
    /// The simple CLV forms for all kept customers, then per RFM segment.
    pub simple: Arc<Vec<SimpleClvRow>>,
    pub p_alive_map: Option<Arc<ChartSpec>>,
    /// Every model against the holdout, cumulative and week by week.
    pub tracking_cumulative: Option<Arc<ChartSpec>>,
    pub tracking_weekly: Option<Arc<ChartSpec>>,
    pub holdout_by_frequency: Option<Arc<ChartSpec>>,
}

impl ClvResults {
    /// The charts of the fitted model, in the order the tab shows them:
    /// how CLV is spread, the P(alive) map and the holdout check's three.
    pub fn model_charts(&self) -> impl Iterator<Item = &ChartSpec> {
        std::iter::once(&self.kept.distribution).chain(
            [
                &self.p_alive_map,
                &self.tracking_cumulative,
                &self.tracking_weekly,
                &self.holdout_by_frequency,
            ]
            .into_iter()
            .flatten()
            .map(|chart| chart.as_ref()),
        )
    }
}

/// The fit's customers the filters keep.
#[derive(Debug)]
pub struct ClvKept {
    /// Indices into the fit's rows.
    pub rows: Vec<usize>,
    /// Indices into the fit's rows: valuable customers whose P(alive) fell,
    /// the largest falls first.
    pub falling: Vec<usize>,
    pub distribution: ChartSpec,
    /// Which computation chose these customers, for views that cache an
    /// order of them.
    pub stamp: u64,
}

/// "CLV by segment" for one grouping.
#[derive(Debug)]
pub struct ClvBySegment {
    pub segment_by: String,
    pub table: Vec<ClvSegmentRow>,
    /// Every kept customer, with the ranges of their totals.
    pub total: ClvSegmentRow,
    pub ranges: RangeSource,
    pub chart: ChartSpec,
}

/// Where the ranges of the totals come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeSource {
    /// None asked for (no refits in the settings, or no fit).
    Off,
    /// Asked for and still being computed.
    Pending,
    Refits {
        succeeded: usize,
        asked: u32,
    },
}

impl ClvResults {
    pub fn kept_rows(&self) -> Vec<&ClvRow> {
        self.rows_at(&self.kept.rows)
    }

    pub fn falling_rows(&self) -> Vec<&ClvRow> {
        self.rows_at(&self.kept.falling)
    }

    fn rows_at(&self, indices: &[usize]) -> Vec<&ClvRow> {
        match &self.fit {
            Ok(fit) => indices.iter().filter_map(|i| fit.rows.get(*i)).collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// The loyalty programme replayed, and a changed copy beside it.
#[derive(Clone, Debug, Default)]
pub struct LoyaltyPart {
    pub current: Option<Arc<LoyaltyResults>>,
    pub what_if: Option<Arc<LoyaltyResults>>,
}

/// The segment tables of the named customers in view (`in_view` by log
/// index; `None` keeps everyone).
pub fn segment_tables(
    named: &Arc<Customers>,
    in_view: Option<&[bool]>,
    grid: &SegmentGrid,
    window: &str,
) -> SegmentTables {
    let customers = match in_view {
        None => named.clone(),
        Some(kept) => Arc::new(Customers {
            as_of: named.as_of,
            typical_gap_days: named.typical_gap_days,
            breakpoints: named.breakpoints,
            rows: named
                .rows
                .iter()
                .filter(|r| kept.get(r.customer as usize).copied().unwrap_or(false))
                .cloned()
                .collect(),
        }),
    };
    let rows: Vec<&CustomerRow> = customers.rows.iter().collect();
    let rfm_table = segments::summarise(&rows, |r| &*r.rfm_segment, &grid.segment_names());
    let status_order: Vec<String> = STATUS_ORDER.map(String::from).to_vec();
    let status_table = segments::summarise(&rows, |r| r.status.label(), &status_order);
    SegmentTables {
        rfm_grid: segment_charts::rfm_grid_spec(&rows, grid, &customers.scoring_rule(), window),
        rfm_sizes: segment_charts::sizes_spec(
            "rfm_segments",
            &t!(
                "Customers and revenue by %{group}",
                group = t!("RFM segment")
            ),
            &rfm_table,
            window,
        ),
        rfm_table,
        status_table,
        customers,
    }
}

/// Each of `history`'s customers' value of every attribute on their first
/// purchase, with `customer_id`: the attribute columns of customer lists.
pub fn first_attributes(
    frame: &DataFrame,
    attributes: &[String],
    history: &History,
) -> PolarsResult<DataFrame> {
    let (ids, rows): (Vec<&str>, Vec<IdxSize>) = history
        .customers()
        .filter_map(|c| Some((c.id, c.first_purchase()?.row as IdxSize)))
        .unzip();
    let mut columns = vec![Column::new(CUSTOMER_ID.into(), ids)];
    if !attributes.is_empty() {
        let picked = frame
            .select(attributes.iter().map(String::as_str))?
            .take(&IdxCa::from_vec("rows".into(), rows))?;
        for column in picked.columns() {
            columns.push(column.cast(&DataType::String)?);
        }
    }
    DataFrame::new(columns[0].len(), columns)
}

/// Each of `history`'s customers' value of the attribute `column` on their
/// first purchase, by log index; customers without one have no label.
pub fn attribute_labels(
    frame: &DataFrame,
    column: &str,
    history: &History,
) -> PolarsResult<CustomerLabels> {
    let values = frame.column(column)?.cast(&DataType::String)?;
    let values = values.str()?;
    let labelled = history.customers().filter_map(|c| {
        let value = values.get(c.first_purchase()?.row as usize)?;
        (!value.trim().is_empty()).then_some((c.index, value))
    });
    Ok(CustomerLabels::new(
        history.ids().len(),
        Vec::new(),
        labelled,
    ))
}

/// The segment table of the customers in `tables` by their label.
pub fn attribute_segments(
    tables: &SegmentTables,
    column: &str,
    labels: &CustomerLabels,
    window: &str,
) -> AttributeSegments {
    let rows: Vec<&CustomerRow> = tables.customers.rows.iter().collect();
    let table = segments::summarise(&rows, |r| labels.get(r.customer).unwrap_or("(empty)"), &[]);
    AttributeSegments {
        chart: segment_charts::sizes_spec(
            "attribute_segments",
            &t!(
                "Customers and revenue by %{group}",
                group = super::groups::display_name(column)
            ),
            &table,
            window,
        ),
        column: column.to_string(),
        table,
    }
}

/// The fit's rows of the customers in view (by log index; `None`: all),
/// the valuable ones slipping away, and the CLV spread.
pub fn clv_kept(
    fit: &ModelFit,
    in_view: Option<&[bool]>,
    revenue_by_customer: &[f64],
    window: &str,
    stamp: u64,
) -> ClvKept {
    let kept: Vec<usize> = fit
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            in_view.is_none_or(|k| k.get(r.customer as usize).copied().unwrap_or(false))
        })
        .map(|(i, _)| i)
        .collect();
    let rows: Vec<&ClvRow> = kept.iter().filter_map(|i| fit.rows.get(*i)).collect();
    let revenue_of = |r: &ClvRow| {
        revenue_by_customer
            .get(r.customer as usize)
            .copied()
            .unwrap_or(0.0)
    };
    let falling_customers: std::collections::HashSet<u32> =
        falling_high_value(&rows, revenue_of, FALLING_P_ALIVE)
            .into_iter()
            .map(|r| r.customer)
            .collect();
    let mut falling: Vec<usize> = kept
        .iter()
        .copied()
        .filter(|i| {
            fit.rows
                .get(*i)
                .is_some_and(|r| falling_customers.contains(&r.customer))
        })
        .collect();
    let fall = |i: &usize| {
        fit.rows
            .get(*i)
            .and_then(ClvRow::p_alive_fall)
            .unwrap_or(0.0)
    };
    falling.sort_by(|a, b| fall(b).total_cmp(&fall(a)));
    ClvKept {
        distribution: super::clv::charts::distribution_spec(&rows, window),
        rows: kept,
        falling,
        stamp,
    }
}

/// "CLV by segment" of the kept customers by `column`'s labels; `order`
/// names the groups shown first, `missing` is the group of customers
/// without a label.
pub fn clv_by_segment(
    fit: &ModelFit,
    kept: &ClvKept,
    grouping: (&GroupColumn, &CustomerLabels, &[String]),
    ranges: &mut RangesOfGroups<'_>,
    window: &str,
) -> Result<ClvBySegment, Cancelled> {
    let (column, labels, order) = grouping;
    let missing = match column {
        GroupColumn::RfmSegment | GroupColumn::Status => "(not scored)",
        GroupColumn::LoyaltyTier => "(not a member)",
        GroupColumn::NpsGroup => "no answer",
        GroupColumn::Attribute(_) => "(empty)",
    };
    let kept_rows: Vec<&usize> = kept.rows.iter().collect();
    let groups = segments::grouped(
        &kept_rows,
        |i: &usize| {
            fit.rows
                .get(*i)
                .and_then(|r| labels.get(r.customer))
                .unwrap_or(missing)
        },
        order,
    );
    let mut members: Vec<Vec<usize>> = groups
        .iter()
        .map(|(_, m)| m.iter().map(|i| **i).collect())
        .collect();
    members.push(kept.rows.clone());
    let (mut group_ranges, source) = ranges(&members)?;
    let total_ranges = group_ranges.pop().flatten();
    let rows_of = |indices: &[usize]| -> Vec<&ClvRow> {
        indices.iter().filter_map(|i| fit.rows.get(*i)).collect()
    };
    let table: Vec<ClvSegmentRow> = groups
        .into_iter()
        .zip(&members)
        .zip(group_ranges)
        .map(|(((name, _), indices), range)| ClvSegmentRow::of(name, &rows_of(indices), range))
        .collect();
    Ok(ClvBySegment {
        chart: super::clv::charts::by_segment_spec(column.name(), &table, window),
        segment_by: column.name().to_string(),
        total: ClvSegmentRow::of(
            super::groups::ALL_CUSTOMERS.into(),
            &rows_of(&kept.rows),
            total_ranges,
        ),
        ranges: source,
        table,
    })
}

/// What gives the ranges of groups of the fitted customers.
pub type RangesOfGroups<'a> = dyn FnMut(&[Vec<usize>]) -> Result<BootstrapRanges, Cancelled> + 'a;

/// Per group, the ranges of its totals (one `None` per group without
/// them), and where they come from.
pub type BootstrapRanges = (Vec<Option<TotalRanges>>, RangeSource);
