//! The global filters: a date window and attribute values (or customer
//! labels such as the RFM segment), which [`super::view`] applies before any
//! analysis sees the orders.

use rust_i18n::t;
use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use crate::i18n::format_day;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Filters {
    /// First day kept (inclusive).
    pub from: Option<NaiveDate>,
    /// Last day kept (inclusive).
    pub until: Option<NaiveDate>,
    /// Attribute column to the values kept; a column with no values is not filtered.
    pub attributes: BTreeMap<String, BTreeSet<String>>,
}

impl Filters {
    pub fn is_active(&self) -> bool {
        self.from.is_some()
            || self.until.is_some()
            || self.attributes.values().any(|v| !v.is_empty())
    }

    /// One line for chart captions and report headers.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        match (self.from, self.until) {
            (Some(f), Some(u)) => parts.push(
                t!(
                    "orders %{from} to %{until}",
                    from = format_day(f),
                    until = format_day(u)
                )
                .into(),
            ),
            (Some(f), None) => parts.push(t!("orders from %{from}", from = format_day(f)).into()),
            (None, Some(u)) => {
                parts.push(t!("orders until %{until}", until = format_day(u)).into())
            }
            (None, None) => {}
        }
        for (column, values) in &self.attributes {
            if !values.is_empty() {
                let list: Vec<&str> = values.iter().map(String::as_str).collect();
                parts.push(format!(
                    "{column} = {}",
                    list.join(&format!(" {} ", t!("or")))
                ));
            }
        }
        if parts.is_empty() {
            t!("all orders").into_owned()
        } else {
            parts.join(", ")
        }
    }
}

/// Per attribute column, its values with row counts, or `None` when the
/// column has too many distinct values to be a useful filter.
pub type FilterChoices = Vec<(String, Option<Vec<(String, usize)>>)>;

/// The values of an attribute column with their row counts, most frequent
/// first; `None` when the column has more than `max_values` distinct values
/// (an id or a free-text column is no useful filter).
pub fn attribute_values(
    orders: &DataFrame,
    column: &str,
    max_values: usize,
) -> PolarsResult<Option<Vec<(String, usize)>>> {
    let counts = orders
        .clone()
        .lazy()
        .select([col(column).cast(DataType::String)])
        .drop_nulls(None)
        .group_by([col(column)])
        .agg([len().alias("rows")])
        .sort(
            ["rows"],
            SortMultipleOptions::default().with_order_descending(true),
        )
        .collect()?;
    if counts.height() > max_values {
        return Ok(None);
    }
    let names = counts.column(column)?.str()?.clone();
    let rows = counts.column("rows")?.cast(&DataType::UInt64)?;
    let rows = rows.u64()?;
    Ok(Some(
        names
            .iter()
            .zip(rows.iter())
            .filter_map(|(n, r)| Some((n?.to_string(), r? as usize)))
            .collect(),
    ))
}
