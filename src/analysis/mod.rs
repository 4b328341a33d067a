//! Pure analyses: the canonical frame and settings in, tables and chart
//! specs out. No I/O, no egui, no global state, so that the window and the
//! headless report always agree.

pub mod activity;
pub mod cancel;
pub mod clv;
pub mod cohort_charts;
pub mod cohort_scan;
pub mod cohorts;
pub mod engagement;
pub mod extra_charts;
pub mod filter;
pub mod groups;
pub mod history;
pub mod kpis;
pub mod lifecycle;
pub mod loyalty;
pub mod loyalty_charts;
pub mod metrics;
pub mod mrr;
pub mod order_log;
pub mod period;
pub mod pipeline;
pub mod results;
pub mod rfm_scoring;
pub mod segment_charts;
pub mod segments;
pub mod side_sources;
pub mod subscription;
pub mod survey;
pub mod view;

use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use filter::Filters;
pub use groups::{LOYALTY_TIER, NPS_GROUP, RFM_SEGMENT, STATUS};
pub use pipeline::{Data, Engine, Stop};
pub use results::{FALLING_P_ALIVE, Part, Results};

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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SegmentSettings {
    pub grid: segments::SegmentGrid,
    /// How the R, F and M scores the grid is read by are given.
    pub scoring: rfm_scoring::RfmScoring,
    pub lifecycle_period: period::Granularity,
    /// An attribute column whose values are shown as segments too.
    pub attribute: Option<String>,
    pub status_rule: segments::StatusRule,
}

impl Default for SegmentSettings {
    fn default() -> Self {
        SegmentSettings {
            grid: segments::SegmentGrid::default(),
            scoring: rfm_scoring::RfmScoring::default(),
            lifecycle_period: period::Granularity::Month,
            attribute: None,
            status_rule: segments::StatusRule::default(),
        }
    }
}
