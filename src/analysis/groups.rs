//! The columns that can group customers, and each customer's value in one.
//!
//! Customers are grouped by an attribute of the orders (its value on the
//! customer's first purchase) or by a label the analyses give them: RFM
//! segment, status, loyalty tier (with a programme) and NPS group (with a
//! survey). Breakdowns, filters, CLV by segment and the report all take
//! their choices from [`groupable_columns`], so the window and the report
//! offer the same ones.

use std::borrow::Cow;
use std::collections::HashMap;

use rust_i18n::t;

use super::history::History;

pub const RFM_SEGMENT: &str = "RFM segment";
pub const STATUS: &str = "Status";
/// The loyalty tier held at the as-of date.
pub const LOYALTY_TIER: &str = "Loyalty tier";
/// Customers who answered the survey, by their NPS group.
pub const NPS_GROUP: &str = "NPS group";
/// The row of every customer under a table of groups.
pub const ALL_CUSTOMERS: &str = "All customers";

/// A built-in grouping's, the standard RFM segments', the statuses' or the
/// total row's name in the chosen language; the names of the user's own
/// columns and segments as they are. Settings, filters and files keep the
/// English names.
pub fn display_name(name: &str) -> Cow<'_, str> {
    match name {
        RFM_SEGMENT => t!("RFM segment"),
        STATUS => t!("Status"),
        LOYALTY_TIER => t!("Loyalty tier"),
        NPS_GROUP => t!("NPS group"),
        ALL_CUSTOMERS => t!("All customers"),
        "Champions" => t!("Champions"),
        "Loyal customers" => t!("Loyal customers"),
        "Potential loyalists" => t!("Potential loyalists"),
        "New customers" => t!("New customers"),
        "Promising" => t!("Promising"),
        "Need attention" => t!("Need attention"),
        "About to sleep" => t!("About to sleep"),
        "At risk" => t!("At risk"),
        "Can't lose them" => t!("Can't lose them"),
        "Hibernating" => t!("Hibernating"),
        "active" => t!("active"),
        "at risk" => t!("at risk"),
        "lapsed" => t!("lapsed"),
        other => Cow::Borrowed(other),
    }
}

/// A column customers can be grouped by.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum GroupColumn {
    Attribute(String),
    RfmSegment,
    Status,
    LoyaltyTier,
    NpsGroup,
}

/// What a grouping can draw on beyond the file's attribute columns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupSources {
    pub loyalty: bool,
    pub nps: bool,
}

impl GroupColumn {
    /// The column called `name`, if customers can be grouped by it here.
    pub fn parse(name: &str, attributes: &[String], sources: GroupSources) -> Option<GroupColumn> {
        let label = match name {
            RFM_SEGMENT => Some(GroupColumn::RfmSegment),
            STATUS => Some(GroupColumn::Status),
            LOYALTY_TIER if sources.loyalty => Some(GroupColumn::LoyaltyTier),
            NPS_GROUP if sources.nps => Some(GroupColumn::NpsGroup),
            _ => None,
        };
        label.or_else(|| {
            attributes
                .iter()
                .any(|a| a == name)
                .then(|| GroupColumn::Attribute(name.to_string()))
        })
    }

    pub fn name(&self) -> &str {
        match self {
            GroupColumn::Attribute(name) => name,
            GroupColumn::RfmSegment => RFM_SEGMENT,
            GroupColumn::Status => STATUS,
            GroupColumn::LoyaltyTier => LOYALTY_TIER,
            GroupColumn::NpsGroup => NPS_GROUP,
        }
    }

    /// A label the analyses give each customer, rather than an attribute.
    pub fn is_label(&self) -> bool {
        !matches!(self, GroupColumn::Attribute(_))
    }
}

/// The names of the columns customers can be grouped by: the labels first,
/// then the file's attribute columns.
pub fn groupable_columns(attributes: &[String], sources: GroupSources) -> Vec<String> {
    let mut columns: Vec<String> = vec![RFM_SEGMENT.into(), STATUS.into()];
    if sources.loyalty {
        columns.push(LOYALTY_TIER.into());
    }
    if sources.nps {
        columns.push(NPS_GROUP.into());
    }
    columns.extend(attributes.iter().cloned());
    columns
}

/// Each customer's value in one grouping, by the customer's index in the
/// order log, as an index into `names`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CustomerLabels {
    pub names: Vec<String>,
    of: Vec<u32>,
}

const NO_LABEL: u32 = u32::MAX;

impl CustomerLabels {
    /// Labels for `customers` log indices; `label_of` gives each one's name.
    pub fn new<'a>(
        customers: usize,
        names: Vec<String>,
        labelled: impl IntoIterator<Item = (u32, &'a str)>,
    ) -> CustomerLabels {
        let mut labels = CustomerLabels {
            of: vec![NO_LABEL; customers],
            names,
        };
        let mut position: HashMap<String, u32> = labels
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i as u32))
            .collect();
        for (customer, name) in labelled {
            let code = match position.get(name) {
                Some(code) => *code,
                None => {
                    let code = labels.names.len() as u32;
                    labels.names.push(name.to_string());
                    position.insert(name.to_string(), code);
                    code
                }
            };
            if let Some(slot) = labels.of.get_mut(customer as usize) {
                *slot = code;
            }
        }
        labels
    }

    /// The label of the customer with log index `customer`.
    pub fn get(&self, customer: u32) -> Option<&str> {
        let code = *self.of.get(customer as usize)?;
        self.names.get(code as usize).map(String::as_str)
    }

    /// Each of `history`'s customers' label, by position.
    pub fn of_history(&self, history: &History) -> Vec<Option<&str>> {
        history.customers().map(|c| self.get(c.index)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_come_first_and_only_where_they_exist() {
        let attributes = vec!["country".to_string()];
        let plain = groupable_columns(&attributes, GroupSources::default());
        assert_eq!(plain, [RFM_SEGMENT, STATUS, "country"]);
        let all = groupable_columns(
            &attributes,
            GroupSources {
                loyalty: true,
                nps: true,
            },
        );
        assert_eq!(
            all,
            [RFM_SEGMENT, STATUS, LOYALTY_TIER, NPS_GROUP, "country"]
        );
        assert_eq!(
            GroupColumn::parse(LOYALTY_TIER, &attributes, GroupSources::default()),
            None
        );
        assert_eq!(
            GroupColumn::parse("country", &attributes, GroupSources::default()),
            Some(GroupColumn::Attribute("country".into()))
        );
    }

    #[test]
    fn labels_by_log_index() {
        let labels = CustomerLabels::new(4, vec!["a".into()], [(2, "b"), (0, "a")]);
        assert_eq!(labels.get(0), Some("a"));
        assert_eq!(labels.get(1), None);
        assert_eq!(labels.get(2), Some("b"));
        assert_eq!(labels.get(9), None);
        assert_eq!(labels.names, ["a", "b"]);
    }
}
