//! Getting a user's file into the canonical frame. Only this module knows
//! about delimiters, encodings, header languages and date formats.

pub mod cohort_read;
pub mod dialect;
pub mod load;
pub mod order_index;
pub mod order_rows;
mod parquet_types;
pub mod roles;
pub mod values;

use rust_i18n::t;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use load::{Dataset, ImportError, ImportOptions, ImportReport};

/// Canonical column names every analysis reads.
pub const CUSTOMER_ID: &str = "customer_id";
pub const ORDER_TS: &str = "order_ts";
pub const AMOUNT: &str = "amount";
pub const ORDER_ID: &str = "order_id";
pub const QUANTITY: &str = "quantity";
/// Loyalty points spent on the order, when a column is mapped to them.
pub const POINTS_REDEEMED: &str = "points_redeemed";
pub const CANONICAL_COLUMNS: [&str; 6] = [
    CUSTOMER_ID,
    ORDER_TS,
    AMOUNT,
    ORDER_ID,
    QUANTITY,
    POINTS_REDEEMED,
];

/// The demo order log, built into the binary so the app has something to
/// show on first start, wherever it was copied to.
pub const DEMO_ORDERS_CSV: &[u8] = include_bytes!("../../assets/demo/orders.csv");
/// The demo shop's app event log and NPS survey, opened beside its orders.
pub const DEMO_EVENTS_CSV: &[u8] = include_bytes!("../../assets/demo/events.csv");
pub const DEMO_SURVEY_CSV: &[u8] = include_bytes!("../../assets/demo/survey.csv");

/// Where a dataset comes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Source {
    /// The built-in demo shop.
    Demo,
    /// The demo shop's built-in app event log.
    DemoEvents,
    /// The demo shop's built-in NPS survey.
    DemoSurvey,
    File(PathBuf),
}

impl Source {
    pub fn display_name(&self) -> String {
        match self {
            Source::Demo => t!("Demo shop (built-in demo data)").into_owned(),
            Source::DemoEvents => t!("Demo app events (built-in)").into_owned(),
            Source::DemoSurvey => t!("Demo NPS survey (built-in)").into_owned(),
            Source::File(path) => load::file_name(path),
        }
    }

    pub fn is_demo(&self) -> bool {
        matches!(self, Source::Demo)
    }

    /// Reads the source. Files are only ever read, never written.
    pub fn load(&self, options: &ImportOptions) -> Result<Dataset, ImportError> {
        match self {
            Source::Demo => load::load_bytes(Source::Demo, DEMO_ORDERS_CSV.to_vec(), options),
            Source::DemoEvents => {
                load::load_bytes(Source::DemoEvents, DEMO_EVENTS_CSV.to_vec(), options)
            }
            Source::DemoSurvey => {
                load::load_bytes(Source::DemoSurvey, DEMO_SURVEY_CSV.to_vec(), options)
            }
            Source::File(path) => load::load_path(path, options),
        }
    }
}
