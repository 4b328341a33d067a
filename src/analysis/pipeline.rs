//! The analyses as cached computations. Each step is computed from its own
//! inputs only (the dataset, the as-of date, the filters where they apply,
//! the slice of the settings it reads, and the steps before it) and kept
//! until one of them changes: changing the granularity recomputes the
//! cohort tables and their charts, editing the RFM grid the segment names
//! and what shows them, moving a loyalty slider the what-if replay.
//!
//! A step's result carries a stamp, unique to the computation that made it;
//! the steps after it are keyed on that stamp, never on an address or a
//! length. The engine keeps the latest result of each step.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use polars::prelude::PolarsError;
use rayon::prelude::*;

use super::cancel::{Cancel, Cancelled};
use super::clv::bootstrap::{RefitScores, Replicates};
use super::clv::by_segment::ClvSegmentRow;
use super::clv::{self, FitSettings, FittedModels, ModelFit, ScoreSettings};
use super::cohorts::{self, CohortTable};
use super::groups::{CustomerLabels, GroupColumn, GroupSources};
use super::history::History;
use super::kpis::{self, KpiSettings, Overview, Window};
use super::loyalty::{self, LoyaltyResults, Programme};
use super::order_log::OrderLog;
use super::period::Granularity;
use super::results::*;
use super::rfm_scoring::RfmScoring;
use super::segments::{self, Customers, SegmentGrid, StatusRule};
use super::view::{self, View};
use super::{
    Filters, Settings, activity, cohort_charts, extra_charts, lifecycle, mrr, subscription,
};
use crate::calendar::{day_from_number, day_number};
use crate::chart::ChartSpec;
use crate::data::Dataset;
use crate::i18n::{Language, language};

/// A file read and indexed for the analyses.
#[derive(Debug)]
pub struct Data {
    pub dataset: Arc<Dataset>,
    pub log: OrderLog,
    /// Customer id to log index, built the first time a label keyed on ids
    /// (loyalty tiers, NPS groups) is asked for.
    id_index: OnceLock<HashMap<String, u32>>,
}

impl Data {
    pub fn new(dataset: Arc<Dataset>) -> Result<Data, PolarsError> {
        let log = OrderLog::build(&dataset)?;
        Ok(Data {
            dataset,
            log,
            id_index: OnceLock::new(),
        })
    }

    fn index_of(&self, id: &str) -> Option<u32> {
        self.id_index
            .get_or_init(|| {
                let ids = self.log.ids();
                (0..ids.len() as u32)
                    .map(|i| (ids.get(i).to_string(), i))
                    .collect()
            })
            .get(id)
            .copied()
    }

    /// The as-of date the settings mean: theirs, or the day after the last
    /// order; never more than a few years after the last order, so that no
    /// table per day or week grows with the calendar (the report refuses
    /// such a date with a message before it gets here).
    pub fn as_of(&self, settings: &Settings) -> NaiveDate {
        let as_of = settings
            .as_of
            .or_else(|| self.dataset.default_as_of())
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        match self.dataset.report.last_date {
            Some(last) => as_of.min(crate::calendar::latest_as_of(last)),
            None => as_of,
        }
    }

    fn sources(&self, settings: &Settings) -> GroupSources {
        GroupSources {
            loyalty: settings.loyalty.is_some(),
            nps: settings.nps_groups.is_some(),
        }
    }
}

/// Why a step did not finish.
#[derive(Clone, Debug, PartialEq)]
pub enum Stop {
    /// A newer request replaced this one.
    Cancelled,
    Failed(String),
}

impl From<Cancelled> for Stop {
    fn from(_: Cancelled) -> Stop {
        Stop::Cancelled
    }
}

impl From<PolarsError> for Stop {
    fn from(e: PolarsError) -> Stop {
        Stop::Failed(format!("the analysis failed: {e}"))
    }
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::Cancelled => f.write_str("replaced by a newer request"),
            Stop::Failed(message) => f.write_str(message),
        }
    }
}

static NEXT_STAMP: AtomicU64 = AtomicU64::new(1);

/// The positions in `history` of each label's customers, for the labels
/// in `names` that have any, in that order: figures per segment then visit
/// each customer once, not once per segment.
fn members_by_label(
    history: &History,
    labels: &CustomerLabels,
    names: &[String],
) -> Vec<(String, Vec<usize>)> {
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
    let position: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    for (i, customer) in history.customers().enumerate() {
        if let Some(slot) = labels
            .get(customer.index)
            .and_then(|label| position.get(label))
        {
            members[*slot].push(i);
        }
    }
    names
        .iter()
        .cloned()
        .zip(members)
        .filter(|(_, m)| !m.is_empty())
        .collect()
}

/// A step's result and the stamp of the computation that made it.
#[derive(Debug)]
pub struct Node<V> {
    pub stamp: u64,
    pub value: Arc<V>,
}

impl<V> Clone for Node<V> {
    fn clone(&self) -> Self {
        Node {
            stamp: self.stamp,
            value: self.value.clone(),
        }
    }
}

/// The latest result of a step and the key it was computed for.
struct Memo<K, V> {
    slot: Option<(K, Node<V>)>,
}

impl<K, V> Default for Memo<K, V> {
    fn default() -> Self {
        Memo { slot: None }
    }
}

impl<K: PartialEq, V> Memo<K, V> {
    /// The node for `key` when it is already computed.
    fn peek(&self, key: &K) -> Option<Node<V>> {
        self.slot
            .as_ref()
            .filter(|(known, _)| known == key)
            .map(|(_, node)| node.clone())
    }

    fn get(&mut self, key: K, compute: impl FnOnce() -> Result<V, Stop>) -> Result<Node<V>, Stop> {
        if let Some((known, node)) = &self.slot
            && *known == key
        {
            return Ok(node.clone());
        }
        let node = Node {
            value: Arc::new(compute()?),
            stamp: NEXT_STAMP.fetch_add(1, Ordering::Relaxed),
        };
        self.slot = Some((key, node.clone()));
        Ok(node)
    }
}

#[derive(PartialEq)]
struct NamedKey {
    scores: u64,
    grid: SegmentGrid,
    /// The CLV predictions' stamp when the status comes from P(alive).
    p_alive: Option<u64>,
}

#[derive(PartialEq)]
struct LoyaltyKey {
    base: u64,
    programme: Programme,
    window: (NaiveDate, NaiveDate),
}

#[derive(PartialEq)]
struct ViewKey {
    base: u64,
    filters: Filters,
    /// The labels the filters read, by their stamps.
    labels: Vec<u64>,
}

/// The breakdown tables: of the customers in a view, by their labels.
#[derive(PartialEq)]
struct GroupsKey {
    view: u64,
    labels: u64,
    granularity: Granularity,
    max_groups: usize,
}

/// The KPIs per RFM segment for the Overview's period.
#[derive(PartialEq)]
struct SegmentKpisKey {
    segments: u64,
    view: u64,
    window: Option<Window>,
    active_window_months: u32,
}

/// Steps that read the customers in a view and two other steps' results.
#[derive(PartialEq)]
struct ViewAndTwo {
    view: u64,
    first: u64,
    second: u64,
}

/// "CLV by segment": the kept customers by one grouping's labels, and the
/// ranges from the refits.
#[derive(PartialEq)]
struct ClvByKey {
    kept: u64,
    labels: u64,
    column: String,
    replicates: Option<u64>,
}

/// The simple CLV forms of the customers in view, all and per segment.
#[derive(PartialEq)]
struct SimpleClvKey {
    view: u64,
    segments: u64,
    active_window_months: u32,
}

/// The fitted models, and their refits on resampled customers when known.
type FitAndRefits = (
    Node<Result<FittedModels, String>>,
    Option<Node<Option<Replicates>>>,
);

/// The analyses of one dataset, each kept until its inputs change.
pub struct Engine {
    data: Arc<Data>,
    /// The language the kept charts and labels were written in.
    language: Language,
    base: Memo<i32, History>,
    scores: Memo<(u64, RfmScoring), Customers>,
    fitted: Memo<(u64, FitSettings), Result<FittedModels, String>>,
    predictions: Memo<(u64, ScoreSettings), Result<Arc<ModelFit>, String>>,
    replicates: Memo<(u64, u32), Option<Replicates>>,
    refit_scores: Memo<(u64, ScoreSettings), Option<RefitScores>>,
    named: Memo<NamedKey, Customers>,
    loyalty: Memo<LoyaltyKey, LoyaltyResults>,
    what_if: Memo<LoyaltyKey, LoyaltyResults>,
    rfm_labels: Memo<u64, CustomerLabels>,
    status_labels: Memo<u64, CustomerLabels>,
    tier_labels: Memo<u64, CustomerLabels>,
    nps_labels: Memo<Arc<std::collections::BTreeMap<String, String>>, CustomerLabels>,
    attribute_labels: Memo<(u64, String), CustomerLabels>,
    view: Memo<ViewKey, View>,
    view_part: Memo<u64, ViewResults>,
    overview: Memo<(u64, KpiSettings), Option<Overview>>,
    mrr: Memo<(u64, u64), Option<Mrr>>,
    overview_part: Memo<(u64, u64), OverviewResults>,
    cohort_table: Memo<(u64, Granularity), CohortTable>,
    cohort_groups: Memo<GroupsKey, Vec<(String, CohortTable)>>,
    cohorts_part: Memo<(u64, Option<(String, u64)>), CohortResults>,
    segment_tables: Memo<(u64, u64), SegmentTables>,
    first_attributes: Memo<u64, polars::prelude::DataFrame>,
    attribute_segments: Memo<(u64, u64), AttributeSegments>,
    lifecycle: Memo<(u64, Granularity), Lifecycle>,
    segment_kpis: Memo<SegmentKpisKey, Vec<SegmentKpis>>,
    segment_curves: Memo<ViewAndTwo, ChartSpec>,
    segments_part: Memo<Vec<u64>, SegmentResults>,
    clv_kept: Memo<ViewAndTwo, ClvKept>,
    clv_by: Memo<ClvByKey, ClvBySegment>,
    simple_clv: Memo<SimpleClvKey, Vec<SimpleClvRow>>,
    clv_charts: Memo<(u64, String), ClvCharts>,
    clv_part: Memo<Vec<u64>, ClvResults>,
    loyalty_part: Memo<(Option<u64>, Option<u64>), LoyaltyPart>,
}

/// The charts that depend on the fit alone.
struct ClvCharts {
    p_alive_map: Option<Arc<ChartSpec>>,
    tracking_cumulative: Option<Arc<ChartSpec>>,
    tracking_weekly: Option<Arc<ChartSpec>>,
    holdout_by_frequency: Option<Arc<ChartSpec>>,
}

impl Engine {
    pub fn new(data: Arc<Data>) -> Engine {
        Engine {
            data,
            language: language(),
            base: Memo::default(),
            scores: Memo::default(),
            fitted: Memo::default(),
            predictions: Memo::default(),
            replicates: Memo::default(),
            refit_scores: Memo::default(),
            named: Memo::default(),
            loyalty: Memo::default(),
            what_if: Memo::default(),
            rfm_labels: Memo::default(),
            status_labels: Memo::default(),
            tier_labels: Memo::default(),
            nps_labels: Memo::default(),
            attribute_labels: Memo::default(),
            view: Memo::default(),
            view_part: Memo::default(),
            overview: Memo::default(),
            mrr: Memo::default(),
            overview_part: Memo::default(),
            cohort_table: Memo::default(),
            cohort_groups: Memo::default(),
            cohorts_part: Memo::default(),
            segment_tables: Memo::default(),
            first_attributes: Memo::default(),
            attribute_segments: Memo::default(),
            lifecycle: Memo::default(),
            segment_kpis: Memo::default(),
            segment_curves: Memo::default(),
            segments_part: Memo::default(),
            clv_kept: Memo::default(),
            clv_by: Memo::default(),
            simple_clv: Memo::default(),
            clv_charts: Memo::default(),
            clv_part: Memo::default(),
            loyalty_part: Memo::default(),
        }
    }

    pub fn data(&self) -> &Arc<Data> {
        &self.data
    }

    /// Computes `part` for `settings` and puts it into `results`.
    pub fn compute(
        &mut self,
        part: Part,
        settings: &Settings,
        results: &mut Results,
        cancel: &Cancel,
    ) -> Result<(), Stop> {
        if self.language != language() {
            self.forget_texts();
        }
        results.as_of = Some(self.data.as_of(settings));
        match part {
            Part::Overview => results.overview = Some(self.overview_part(settings, cancel)?.value),
            Part::Cohorts => results.cohorts = Some(self.cohorts(settings, cancel)?.value),
            Part::Segments => results.segments = Some(self.segments(settings, cancel)?.value),
            Part::Clv => results.clv = Some(self.clv_with(settings, false, cancel)?.value),
            Part::ClvRanges => results.clv = Some(self.clv(settings, cancel)?.value),
            Part::Loyalty => results.loyalty = Some(self.loyalty_part(settings, cancel)?.value),
            Part::Data => results.view = Some(self.view_part(settings, cancel)?.value),
        }
        Ok(())
    }

    /// Drops every kept result that holds words (charts, labels, tables'
    /// captions) after a change of language; the histories, scores and
    /// fitted models are numbers and stay.
    fn forget_texts(&mut self) {
        let mut fresh = Engine::new(self.data.clone());
        fresh.base = std::mem::take(&mut self.base);
        fresh.scores = std::mem::take(&mut self.scores);
        fresh.fitted = std::mem::take(&mut self.fitted);
        fresh.predictions = std::mem::take(&mut self.predictions);
        fresh.replicates = std::mem::take(&mut self.replicates);
        fresh.refit_scores = std::mem::take(&mut self.refit_scores);
        *self = fresh;
    }

    /// Every part for `settings`.
    pub fn compute_all(&mut self, settings: &Settings, cancel: &Cancel) -> Result<Results, Stop> {
        let mut results = Results::default();
        for part in Part::ALL {
            self.compute(part, settings, &mut results, cancel)?;
        }
        Ok(results)
    }

    fn base(&mut self, settings: &Settings, cancel: &Cancel) -> Result<Node<History>, Stop> {
        let as_of_day = day_number(self.data.as_of(settings));
        let data = self.data.clone();
        self.base.get(as_of_day, || {
            Ok(data.log.history(None, as_of_day, cancel)?)
        })
    }

    fn scores(&mut self, settings: &Settings, cancel: &Cancel) -> Result<Node<Customers>, Stop> {
        let base = self.base(settings, cancel)?;
        let as_of = self.data.as_of(settings);
        let scoring = settings.segments.scoring.clone();
        self.scores.get((base.stamp, scoring.clone()), || {
            Ok(segments::score(&base.value, as_of, &scoring, cancel)?)
        })
    }

    fn fitted(
        &mut self,
        settings: &Settings,
        cancel: &Cancel,
    ) -> Result<Node<Result<FittedModels, String>>, Stop> {
        let base = self.base(settings, cancel)?;
        let as_of = self.data.as_of(settings);
        let fit = settings.clv.fit_part();
        let has_amount = self.data.dataset.has_amount;
        self.fitted.get((base.stamp, fit.clone()), || {
            Ok(clv::fit(&base.value, has_amount, &fit, as_of, cancel)?)
        })
    }

    /// Every customer's CLV prediction, or why there is none.
    pub fn predictions(
        &mut self,
        settings: &Settings,
        cancel: &Cancel,
    ) -> Result<Node<Result<Arc<ModelFit>, String>>, Stop> {
        let fitted = self.fitted(settings, cancel)?;
        let scoring = settings.clv.score_part();
        self.predictions.get((fitted.stamp, scoring.clone()), || {
            Ok(match fitted.value.as_ref() {
                Ok(models) => Ok(Arc::new(clv::score(models, &scoring, cancel)?)),
                Err(reason) => Err(reason.clone()),
            })
        })
    }

    /// The models refitted on resampled customers, for the ranges of the
    /// totals: `None` without a fit or when no ranges are asked for; when
    /// `wait` is false, also `None` while they have not been computed.
    fn replicates(
        &mut self,
        settings: &Settings,
        wait: bool,
        cancel: &Cancel,
    ) -> Result<FitAndRefits, Stop> {
        let fitted = self.fitted(settings, cancel)?;
        let key = (fitted.stamp, settings.clv.resamples);
        if !wait {
            let known = self.replicates.peek(&key);
            return Ok((fitted, known));
        }
        let replicates = self.replicates.get(key, || {
            Ok(match fitted.value.as_ref() {
                Ok(models) if key.1 > 0 => Some(clv::bootstrap::resample(models, key.1, cancel)?),
                _ => None,
            })
        })?;
        Ok((fitted, Some(replicates)))
    }

    /// The scored customers with their segment names and status.
    fn named(&mut self, settings: &Settings, cancel: &Cancel) -> Result<Node<Customers>, Stop> {
        let scores = self.scores(settings, cancel)?;
        let predictions = match settings.segments.status_rule {
            StatusRule::PAlive => Some(self.predictions(settings, cancel)?),
            StatusRule::RecencyGap => None,
        };
        let key = NamedKey {
            scores: scores.stamp,
            grid: settings.segments.grid.clone(),
            p_alive: predictions.as_ref().map(|p| p.stamp),
        };
        let customers = self.data.log.customers();
        self.named.get(key, || {
            let p_alive: Option<Vec<Option<f64>>> =
                match predictions.as_ref().map(|p| p.value.as_ref()) {
                    Some(Ok(fit)) => {
                        let mut by_customer = vec![None; customers];
                        for row in &fit.rows {
                            if let Some(slot) = by_customer.get_mut(row.customer as usize) {
                                *slot = Some(row.p_alive);
                            }
                        }
                        Some(by_customer)
                    }
                    _ => None,
                };
            Ok(segments::name(
                &scores.value,
                &settings.segments.grid,
                p_alive.as_deref(),
            ))
        })
    }

    fn replay(
        &mut self,
        settings: &Settings,
        what_if: bool,
        cancel: &Cancel,
    ) -> Result<Option<Node<LoyaltyResults>>, Stop> {
        let programme = match (what_if, &settings.loyalty, &settings.loyalty_what_if) {
            (false, Some(programme), _) => programme.clone(),
            (true, Some(_), Some(changed)) => changed.clone(),
            _ => return Ok(None),
        };
        let base = self.base(settings, cancel)?;
        let as_of = self.data.as_of(settings);
        let default_window = loyalty::default_migration_window(as_of);
        let window = (
            settings.loyalty_migration_from.unwrap_or(default_window.0),
            settings
                .loyalty_migration_to
                .unwrap_or(default_window.1)
                .min(as_of),
        );
        let redemptions = self.data.dataset.mapping.points_redeemed.is_some();
        let key = LoyaltyKey {
            base: base.stamp,
            programme: programme.clone(),
            window,
        };
        let memo = if what_if {
            &mut self.what_if
        } else {
            &mut self.loyalty
        };
        let node = memo.get(key, || {
            Ok(loyalty::replay(
                &programme,
                &base.value,
                as_of,
                redemptions,
                window,
                cancel,
            )?)
        })?;
        Ok(Some(node))
    }

    /// The programme replayed, and the what-if copy.
    pub fn loyalty_part(
        &mut self,
        settings: &Settings,
        cancel: &Cancel,
    ) -> Result<Node<LoyaltyPart>, Stop> {
        let current = self.replay(settings, false, cancel)?;
        let what_if = self.replay(settings, true, cancel)?;
        let key = (
            current.as_ref().map(|n| n.stamp),
            what_if.as_ref().map(|n| n.stamp),
        );
        self.loyalty_part.get(key, || {
            Ok(LoyaltyPart {
                current: current.map(|n| n.value),
                what_if: what_if.map(|n| n.value),
            })
        })
    }

    /// Each customer's label in a grouping that is not an attribute column.
    fn labels(
        &mut self,
        column: &GroupColumn,
        settings: &Settings,
        cancel: &Cancel,
    ) -> Result<Option<Node<CustomerLabels>>, Stop> {
        let customers = self.data.log.customers();
        match column {
            GroupColumn::RfmSegment | GroupColumn::Status => {
                let named = self.named(settings, cancel)?;
                let rfm = *column == GroupColumn::RfmSegment;
                let grid = settings.segments.grid.clone();
                let memo = if rfm {
                    &mut self.rfm_labels
                } else {
                    &mut self.status_labels
                };
                let node = memo.get(named.stamp, || {
                    let names: Vec<String> = if rfm {
                        grid.segment_names()
                    } else {
                        STATUS_ORDER.map(String::from).to_vec()
                    };
                    Ok(CustomerLabels::new(
                        customers,
                        names,
                        named.value.rows.iter().map(|r| {
                            let label = if rfm {
                                &*r.rfm_segment
                            } else {
                                r.status.label()
                            };
                            (r.customer, label)
                        }),
                    ))
                })?;
                Ok(Some(node))
            }
            GroupColumn::LoyaltyTier => {
                let Some(replayed) = self.replay(settings, false, cancel)? else {
                    return Ok(None);
                };
                let node = self.tier_labels.get(replayed.stamp, || {
                    let results = &replayed.value;
                    let names = results
                        .programme
                        .tiers
                        .iter()
                        .map(|t| t.name.clone())
                        .collect();
                    let labelled = results.customers.iter().filter_map(|member| {
                        let tier = results.programme.tiers.get(member.points.tier?)?;
                        Some((member.customer, tier.name.as_str()))
                    });
                    Ok(CustomerLabels::new(customers, names, labelled))
                })?;
                Ok(Some(node))
            }
            GroupColumn::NpsGroup => {
                let Some(groups) = settings.nps_groups.clone() else {
                    return Ok(None);
                };
                let data = self.data.clone();
                let node = self.nps_labels.get(groups.clone(), || {
                    let mut group_of: Vec<&str> = vec!["no answer"; customers];
                    for (id, group) in groups.iter() {
                        if let Some(slot) =
                            data.index_of(id).and_then(|i| group_of.get_mut(i as usize))
                        {
                            *slot = group.as_str();
                        }
                    }
                    Ok(CustomerLabels::new(
                        customers,
                        NPS_ORDER.map(String::from).to_vec(),
                        group_of.into_iter().enumerate().map(|(i, g)| (i as u32, g)),
                    ))
                })?;
                Ok(Some(node))
            }
            GroupColumn::Attribute(name) => {
                let view = self.view(settings, cancel)?;
                let data = self.data.clone();
                let node = self.attribute_labels.get((view.stamp, name.clone()), || {
                    Ok(attribute_labels(
                        &data.dataset.orders,
                        name,
                        &view.value.history,
                    )?)
                })?;
                Ok(Some(node))
            }
        }
    }

    /// The column called `name` customers can be grouped by, if any.
    fn group_column(&self, name: &str, settings: &Settings) -> Option<GroupColumn> {
        GroupColumn::parse(
            name,
            &self.data.dataset.attributes,
            self.data.sources(settings),
        )
    }

    fn view(&mut self, settings: &Settings, cancel: &Cancel) -> Result<Node<View>, Stop> {
        let base = self.base(settings, cancel)?;
        let filters = &settings.filters;
        let mut labels: Vec<(String, Node<CustomerLabels>)> = Vec::new();
        for (column, values) in &filters.attributes {
            if values.is_empty() || self.data.dataset.orders.column(column).is_ok() {
                continue;
            }
            if let Some(group) = self
                .group_column(column, settings)
                .filter(GroupColumn::is_label)
                && let Some(node) = self.labels(&group, settings, cancel)?
            {
                labels.push((column.clone(), node));
            }
        }
        let key = ViewKey {
            base: base.stamp,
            filters: filters.clone(),
            labels: labels.iter().map(|(_, n)| n.stamp).collect(),
        };
        let data = self.data.clone();
        let before_day = day_number(self.data.as_of(settings));
        self.view.get(key, || {
            let label_of = |column: &str| {
                labels
                    .iter()
                    .find(|(c, _)| c == column)
                    .map(|(_, n)| n.value.clone())
            };
            Ok(view::filtered(
                &data.dataset.orders,
                &data.log,
                &base.value,
                filters,
                before_day,
                &label_of,
                cancel,
            )??)
        })
    }

    /// The rows in view and orders per month.
    pub fn view_part(
        &mut self,
        settings: &Settings,
        cancel: &Cancel,
    ) -> Result<Node<ViewResults>, Stop> {
        let view = self.view(settings, cancel)?;
        let data = self.data.clone();
        let before_day = day_number(self.data.as_of(settings));
        self.view_part.get(view.stamp, || {
            let v = &view.value;
            Ok(ViewResults {
                rows: data.log.rows_before(v.mask.as_deref(), before_day),
                activity: activity::monthly_activity(&v.history, &v.window)?,
                window: v.window.clone(),
            })
        })
    }

    /// The Overview's KPIs, `None` without a complete period.
    pub fn overview(
        &mut self,
        settings: &Settings,
        cancel: &Cancel,
    ) -> Result<Node<Option<Overview>>, Stop> {
        let view = self.view(settings, cancel)?;
        let as_of = self.data.as_of(settings);
        let kpi = settings.kpis.clone();
        self.overview.get((view.stamp, kpi.clone()), || {
            let history = &view.value.history;
            let first_day = history
                .customers()
                .filter_map(|c| c.first_purchase_day())
                .min()
                .map(day_from_number);
            Ok(match first_day {
                Some(first) => kpis::overview(history, &kpi, as_of, first, cancel)?,
                None => None,
            })
        })
    }

    fn overview_part(
        &mut self,
        settings: &Settings,
        cancel: &Cancel,
    ) -> Result<Node<OverviewResults>, Stop> {
        let overview = self.overview(settings, cancel)?;
        let mrr = self.mrr(settings, cancel)?;
        self.overview_part.get((overview.stamp, mrr.stamp), || {
            Ok(OverviewResults {
                overview: (*overview.value).clone(),
                mrr: (*mrr.value).clone(),
            })
        })
    }

    /// MRR per month, when the orders are recurring payments.
    pub fn mrr(&mut self, settings: &Settings, cancel: &Cancel) -> Result<Node<Option<Mrr>>, Stop> {
        let view = self.view(settings, cancel)?;
        let as_of = self.data.as_of(settings);
        let data = self.data.clone();
        let discount = settings.clv.discount_rate_monthly;
        self.mrr.get((view.stamp, discount.to_bits()), || {
            let history = &view.value.history;
            if !data.dataset.has_amount {
                return Ok(None);
            }
            let Some(reason) = mrr::recurring_reason(history, &data.dataset.attributes) else {
                return Ok(None);
            };
            let months = mrr::mrr_by_month(history, as_of);
            let chart = extra_charts::mrr_spec(&months, &view.value.window);
            let subscriptions = subscription::subscriptions(history, as_of, discount, cancel);
            cancel.check()?;
            let retention_chart = subscription::retention_spec(&subscriptions, &view.value.window);
            Ok(Some(Mrr {
                reason,
                months,
                chart,
                subscriptions,
                retention_chart,
            }))
        })
    }

    fn cohort_table(
        &mut self,
        settings: &Settings,
        granularity: Granularity,
        cancel: &Cancel,
    ) -> Result<Node<CohortTable>, Stop> {
        let view = self.view(settings, cancel)?;
        let as_of = self.data.as_of(settings);
        self.cohort_table.get((view.stamp, granularity), || {
            Ok(cohorts::cohort_table(
                &view.value.history,
                granularity,
                as_of,
                cancel,
            )?)
        })
    }

    /// The cohort tables and curves.
    pub fn cohorts(
        &mut self,
        settings: &Settings,
        cancel: &Cancel,
    ) -> Result<Node<CohortResults>, Stop> {
        let granularity = settings.cohorts.granularity;
        let overall = self.cohort_table(settings, granularity, cancel)?;
        let view = self.view(settings, cancel)?;
        let as_of = self.data.as_of(settings);
        let breakdown = settings
            .cohorts
            .breakdown
            .as_deref()
            .and_then(|b| self.group_column(b, settings));
        let groups = match &breakdown {
            Some(column) => {
                let Some(labels) = self.labels(column, settings, cancel)? else {
                    return Err(Stop::Failed(format!(
                        "no values to break down by '{}'",
                        column.name()
                    )));
                };
                let max_groups = settings.cohorts.max_groups;
                let key = GroupsKey {
                    view: view.stamp,
                    labels: labels.stamp,
                    granularity,
                    max_groups,
                };
                let node = self.cohort_groups.get(key, || {
                    let history = &view.value.history;
                    let of = labels.value.of_history(history);
                    Ok(cohorts::group_tables(
                        history,
                        &of,
                        granularity,
                        as_of,
                        max_groups,
                        cancel,
                    )?)
                })?;
                Some((column.name().to_string(), node))
            }
            None => None,
        };
        let key = (
            overall.stamp,
            groups
                .as_ref()
                .map(|(name, node)| (name.clone(), node.stamp)),
        );
        self.cohorts_part.get(key, || {
            let window = view.value.window.clone();
            let (breakdown, tables) = match &groups {
                Some((name, node)) => (Some(name.clone()), node.value.clone()),
                None => (None, Arc::new(Vec::new())),
            };
            Ok(CohortResults {
                curves: cohort_charts::curves_spec(
                    &overall.value,
                    &tables,
                    breakdown.as_deref(),
                    &window,
                ),
                overall: overall.value.clone(),
                breakdown,
                groups: tables,
                window,
                stamp: overall.stamp,
            })
        })
    }

    fn first_attributes(
        &mut self,
        settings: &Settings,
        cancel: &Cancel,
    ) -> Result<Node<polars::prelude::DataFrame>, Stop> {
        let view = self.view(settings, cancel)?;
        let data = self.data.clone();
        self.first_attributes.get(view.stamp, || {
            Ok(first_attributes(
                &data.dataset.orders,
                &data.dataset.attributes,
                &view.value.history,
            )?)
        })
    }

    fn segment_tables(
        &mut self,
        settings: &Settings,
        cancel: &Cancel,
    ) -> Result<Node<SegmentTables>, Stop> {
        let named = self.named(settings, cancel)?;
        let view = self.view(settings, cancel)?;
        let grid = settings.segments.grid.clone();
        self.segment_tables.get((named.stamp, view.stamp), || {
            let v = &view.value;
            let in_view = v.mask.as_ref().map(|_| v.customers_in_view());
            Ok(segment_tables(
                &named.value,
                in_view.as_deref(),
                &grid,
                &v.window,
            ))
        })
    }

    /// The Segments tab.
    pub fn segments(
        &mut self,
        settings: &Settings,
        cancel: &Cancel,
    ) -> Result<Node<SegmentResults>, Stop> {
        let tables = self.segment_tables(settings, cancel)?;
        let first = self.first_attributes(settings, cancel)?;
        let view = self.view(settings, cancel)?;
        let window = view.value.window.clone();
        let attribute = match settings
            .segments
            .attribute
            .clone()
            .filter(|a| self.data.dataset.attributes.contains(a))
        {
            Some(column) => {
                let group = GroupColumn::Attribute(column.clone());
                let labels = self.labels(&group, settings, cancel)?;
                match labels {
                    Some(labels) => Some(self.attribute_segments.get(
                        (tables.stamp, labels.stamp),
                        || {
                            Ok(attribute_segments(
                                &tables.value,
                                &column,
                                &labels.value,
                                &window,
                            ))
                        },
                    )?),
                    None => None,
                }
            }
            None => None,
        };
        let period = settings.segments.lifecycle_period;
        let as_of = self.data.as_of(settings);
        let life = self.lifecycle.get((view.stamp, period), || {
            let rows = lifecycle::lifecycle(&view.value.history, period, as_of);
            let chart = super::segment_charts::lifecycle_spec(&rows, period, &window);
            Ok(Lifecycle { rows, chart })
        })?;
        let rfm = self.labels(&GroupColumn::RfmSegment, settings, cancel)?;
        let Some(rfm) = rfm else {
            return Err(Stop::Failed("the RFM segments are missing".into()));
        };
        let overview = self.overview(settings, cancel)?;
        let period_window = overview.value.as_ref().as_ref().map(|o| o.current.window);
        let w = overview
            .value
            .as_ref()
            .as_ref()
            .map_or(settings.kpis.active_window_months, |o| {
                o.active_window_months
            });
        let grid_names = settings.segments.grid.segment_names();
        let key = SegmentKpisKey {
            segments: rfm.stamp,
            view: view.stamp,
            window: period_window,
            active_window_months: w,
        };
        let kpis_node = self.segment_kpis.get(key, || {
            let Some(window) = period_window else {
                return Ok(Vec::new());
            };
            let history = &view.value.history;
            Ok(members_by_label(history, &rfm.value, &grid_names)
                .into_par_iter()
                .map(|(segment, members)| SegmentKpis {
                    kpis: kpis::period_kpis_of(
                        members.iter().map(|&i| history.customer(i)),
                        window,
                        w,
                    ),
                    segment,
                })
                .collect())
        })?;
        let granularity = settings.cohorts.granularity;
        let overall = self.cohort_table(settings, granularity, cancel)?;
        let key = ViewAndTwo {
            view: view.stamp,
            first: rfm.stamp,
            second: overall.stamp,
        };
        let curves = self.segment_curves.get(key, || {
            let history = &view.value.history;
            let of = rfm.value.of_history(history);
            let groups =
                cohorts::group_tables(history, &of, granularity, as_of, usize::MAX, cancel)?;
            Ok(cohort_charts::curves_spec(
                &overall.value,
                &groups,
                Some(super::RFM_SEGMENT),
                &window,
            ))
        })?;
        let key = vec![
            tables.stamp,
            first.stamp,
            attribute.as_ref().map_or(0, |a| a.stamp),
            life.stamp,
            kpis_node.stamp,
            curves.stamp,
        ];
        self.segments_part.get(key, || {
            Ok(SegmentResults {
                tables: tables.value.clone(),
                first_attributes: first.value.clone(),
                attribute_table: attribute.map(|a| a.value),
                lifecycle: life.value.clone(),
                segment_kpis: kpis_node.value.clone(),
                segment_curves: curves.value.clone(),
            })
        })
    }

    /// The CLV tab, with the ranges of its totals.
    pub fn clv(&mut self, settings: &Settings, cancel: &Cancel) -> Result<Node<ClvResults>, Stop> {
        self.clv_with(settings, true, cancel)
    }

    /// The CLV tab; without `ranges` the ranges are left pending unless
    /// their refits are already done.
    fn clv_with(
        &mut self,
        settings: &Settings,
        ranges: bool,
        cancel: &Cancel,
    ) -> Result<Node<ClvResults>, Stop> {
        let predictions = self.predictions(settings, cancel)?;
        let view = self.view(settings, cancel)?;
        let scores = self.scores(settings, cancel)?;
        let customers = self.data.log.customers();
        let window = view.value.window.clone();
        let key = ViewAndTwo {
            view: view.stamp,
            first: predictions.stamp,
            second: scores.stamp,
        };
        let kept = self.clv_kept.get(key, || {
            let v = &view.value;
            let in_view = v.mask.as_ref().map(|_| v.customers_in_view());
            let mut revenue = vec![0.0; customers];
            for row in &scores.value.rows {
                if let Some(slot) = revenue.get_mut(row.customer as usize) {
                    *slot = row.revenue;
                }
            }
            let stamp = NEXT_STAMP.fetch_add(1, Ordering::Relaxed);
            Ok(match predictions.value.as_ref() {
                Ok(fit) => clv_kept(fit, in_view.as_deref(), &revenue, &v.window, stamp),
                Err(_) => ClvKept {
                    rows: Vec::new(),
                    falling: Vec::new(),
                    distribution: super::clv::charts::distribution_spec(&[], &v.window),
                    stamp,
                },
            })
        })?;
        let column = self
            .group_column(&settings.clv.segment_by, settings)
            .unwrap_or(GroupColumn::RfmSegment);
        let Some(labels) = self.labels(&column, settings, cancel)? else {
            return Err(Stop::Failed(format!(
                "no values to group the CLV by '{}'",
                column.name()
            )));
        };
        let order: Vec<String> = match &column {
            GroupColumn::RfmSegment => settings.segments.grid.segment_names(),
            GroupColumn::Status => STATUS_ORDER.map(String::from).to_vec(),
            GroupColumn::LoyaltyTier => labels.value.names.iter().rev().cloned().collect(),
            GroupColumn::NpsGroup => NPS_ORDER.map(String::from).to_vec(),
            GroupColumn::Attribute(_) => Vec::new(),
        };
        let (fitted, replicates) = self.replicates(settings, ranges, cancel)?;
        let scoring = settings.clv.score_part();
        let wanted = settings.clv.resamples > 0 && fitted.value.is_ok();
        let refit_scores = match &replicates {
            Some(node) => Some(self.refit_scores.get((node.stamp, scoring.clone()), || {
                Ok(match (fitted.value.as_ref(), node.value.as_ref()) {
                    (Ok(models), Some(refits)) => {
                        Some(RefitScores::new(models, refits, &scoring, cancel)?)
                    }
                    _ => None,
                })
            })?),
            None => None,
        };
        let key = ClvByKey {
            kept: kept.stamp,
            labels: labels.stamp,
            column: column.name().to_string(),
            replicates: replicates.as_ref().map(|r| r.stamp),
        };
        let by = self.clv_by.get(key, || {
            let mut ranges = |groups: &[Vec<usize>]| {
                let refits = replicates.as_ref().map(|r| r.value.as_ref());
                let scores = refit_scores.as_ref().map(|s| s.value.as_ref());
                match (fitted.value.as_ref(), refits, scores) {
                    (Ok(models), Some(Some(refits)), Some(Some(scores))) => Ok((
                        clv::bootstrap::group_ranges(
                            models, refits, scores, &scoring, groups, cancel,
                        )?,
                        RangeSource::Refits {
                            succeeded: refits.fits.len(),
                            asked: refits.asked,
                        },
                    )),
                    (_, None, _) if wanted => Ok((vec![None; groups.len()], RangeSource::Pending)),
                    _ => Ok((vec![None; groups.len()], RangeSource::Off)),
                }
            };
            Ok(match predictions.value.as_ref() {
                Ok(fit) => clv_by_segment(
                    fit,
                    &kept.value,
                    (&column, &labels.value, &order),
                    &mut ranges,
                    &window,
                )?,
                Err(_) => ClvBySegment {
                    segment_by: column.name().to_string(),
                    table: Vec::new(),
                    total: ClvSegmentRow::of(super::groups::ALL_CUSTOMERS.into(), &[], None),
                    ranges: RangeSource::Off,
                    chart: super::clv::charts::by_segment_spec(column.name(), &[], &window),
                },
            })
        })?;
        let rfm = self.labels(&GroupColumn::RfmSegment, settings, cancel)?;
        let Some(rfm) = rfm else {
            return Err(Stop::Failed("the RFM segments are missing".into()));
        };
        let w = settings.kpis.active_window_months;
        let as_of = self.data.as_of(settings);
        let grid_names = settings.segments.grid.segment_names();
        let key = SimpleClvKey {
            view: view.stamp,
            segments: rfm.stamp,
            active_window_months: w,
        };
        let simple = self.simple_clv.get(key, || {
            let history = &view.value.history;
            let mut rows = vec![SimpleClvRow {
                segment: super::groups::ALL_CUSTOMERS.into(),
                forms: kpis::simple_clv_of(history.customers(), as_of, w),
            }];
            let segments = members_by_label(history, &rfm.value, &grid_names);
            rows.par_extend(
                segments
                    .into_par_iter()
                    .map(|(segment, members)| SimpleClvRow {
                        forms: kpis::simple_clv_of(
                            members.iter().map(|&i| history.customer(i)),
                            as_of,
                            w,
                        ),
                        segment,
                    }),
            );
            Ok(rows)
        })?;
        let charts = self
            .clv_charts
            .get((predictions.stamp, window.clone()), || {
                Ok(match predictions.value.as_ref() {
                    Ok(fit) => {
                        let max_t = fit.rows.iter().map(|r| r.t_weeks).fold(0.0, f64::max);
                        let max_x = fit.rows.iter().map(|r| r.frequency).max().unwrap_or(0);
                        let comparison = match &fit.comparison {
                            Some(Ok(comparison)) => Some(comparison),
                            _ => None,
                        };
                        let tracking = |cumulative| {
                            comparison
                                .and_then(|c| clv::charts::tracking_spec(c, cumulative))
                                .map(Arc::new)
                        };
                        ClvCharts {
                            p_alive_map: Some(Arc::new(clv::charts::p_alive_heatmap_spec(
                                &fit.model, max_t, max_x, &window,
                            ))),
                            tracking_cumulative: tracking(true),
                            tracking_weekly: tracking(false),
                            holdout_by_frequency: match fit.holdout() {
                                Some(Ok(check)) => {
                                    Some(Arc::new(clv::charts::holdout_frequency_spec(check)))
                                }
                                _ => None,
                            },
                        }
                    }
                    Err(_) => ClvCharts {
                        p_alive_map: None,
                        tracking_cumulative: None,
                        tracking_weekly: None,
                        holdout_by_frequency: None,
                    },
                })
            })?;
        let key = vec![
            predictions.stamp,
            kept.stamp,
            by.stamp,
            simple.stamp,
            charts.stamp,
        ];
        self.clv_part.get(key, || {
            Ok(ClvResults {
                fit: (*predictions.value).clone(),
                kept: kept.value.clone(),
                by_segment: by.value.clone(),
                simple: simple.value.clone(),
                p_alive_map: charts.value.p_alive_map.clone(),
                tracking_cumulative: charts.value.tracking_cumulative.clone(),
                tracking_weekly: charts.value.tracking_weekly.clone(),
                holdout_by_frequency: charts.value.holdout_by_frequency.clone(),
            })
        })
    }

    /// "CLV by segment" of the kept customers for `segment_by`, which may
    /// differ from the settings' (the report writes several).
    pub fn clv_by(
        &mut self,
        settings: &Settings,
        segment_by: &str,
        cancel: &Cancel,
    ) -> Result<Arc<ClvBySegment>, Stop> {
        let mut changed = settings.clone();
        changed.clv.segment_by = segment_by.to_string();
        Ok(self.clv(&changed, cancel)?.value.by_segment.clone())
    }
}
