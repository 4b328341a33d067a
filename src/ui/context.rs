//! What a tab sees and what it can ask for. Tabs draw from a read-only
//! context and push commands; the app applies them after the frame, so no
//! tab changes the app's state while drawing and no tab depends on the app.

use rust_i18n::t;
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

use crate::analysis::cohorts::CohortTable;
use crate::analysis::filter::FilterChoices;
use crate::analysis::groups::{GroupSources, groupable_columns};
use crate::analysis::loyalty::Programme;
use crate::analysis::side_sources::{SideResults, SideSettings};
use crate::analysis::{Part, Results, Settings};
use crate::chart::ChartSpec;
use crate::chart::render::ImageFormat;
use crate::data::{Dataset, ImportOptions, Source};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tab {
    #[default]
    Overview,
    Cohorts,
    Segments,
    Clv,
    Loyalty,
    Engagement,
    Survey,
    Data,
}

impl Tab {
    pub const ALL: [Tab; 8] = [
        Tab::Overview,
        Tab::Cohorts,
        Tab::Segments,
        Tab::Clv,
        Tab::Loyalty,
        Tab::Engagement,
        Tab::Survey,
        Tab::Data,
    ];

    pub fn label(self) -> Cow<'static, str> {
        match self {
            Tab::Overview => t!("Overview"),
            Tab::Cohorts => t!("Cohorts"),
            Tab::Segments => t!("Segments"),
            Tab::Clv => t!("CLV"),
            Tab::Loyalty => t!("Loyalty"),
            Tab::Engagement => t!("Engagement"),
            Tab::Survey => t!("Survey"),
            Tab::Data => t!("Data"),
        }
    }

    /// The part of the order analyses the tab shows; the Engagement and
    /// Survey tabs show the side files instead.
    pub fn part(self) -> Option<Part> {
        match self {
            Tab::Overview => Some(Part::Overview),
            Tab::Cohorts => Some(Part::Cohorts),
            Tab::Segments => Some(Part::Segments),
            Tab::Clv => Some(Part::Clv),
            Tab::Loyalty => Some(Part::Loyalty),
            Tab::Data => Some(Part::Data),
            Tab::Engagement | Tab::Survey => None,
        }
    }
}

/// What tabs may ask the app to do.
pub enum Command {
    /// Recompute with these settings.
    Apply(Box<Settings>),
    /// Read the event log and survey again with these settings.
    ApplySide(Box<SideSettings>),
    /// Read the order file again with other import choices.
    Reimport(ImportOptions),
    Open(Source),
    /// Ask for an order log to open.
    OpenDialog,
    /// Ask for an event log (`events`) or a survey to open beside the orders.
    OpenSide {
        events: bool,
    },
    ExportChart(Box<ChartSpec>, ImageFormat),
    ExportTable {
        name: String,
        frame: DataFrame,
    },
    ExportCustomers {
        name: String,
        frame: DataFrame,
        excel: bool,
    },
    /// Narrow every tab to one value of a column.
    FilterTo {
        column: String,
        value: String,
    },
    SetProgramme(Programme),
    OpenProgramme,
    SaveProgramme,
    ShowTab(Tab),
    ShowError(String),
    /// The Language menu's choice.
    SetLanguage(crate::i18n::Language),
    /// Ask where to save the analysis (after saying what the file holds).
    SaveAnalysisDialog,
    /// Ask for a folder to write the deck into.
    ExportDeckDialog,
    /// Ask where the data file of the analysis being opened is now.
    LocateDataDialog,
}

impl Command {
    pub fn export_chart(spec: &ChartSpec, format: ImageFormat) -> Command {
        Command::ExportChart(Box::new(spec.clone()), format)
    }

    /// Export a table that may have failed to build.
    pub fn export_table(name: &str, frame: polars::prelude::PolarsResult<DataFrame>) -> Command {
        match frame {
            Ok(frame) => Command::ExportTable {
                name: name.to_string(),
                frame,
            },
            Err(e) => Command::ShowError(format!("could not build the table: {e}")),
        }
    }
}

/// Which parts of the results answer the latest settings.
#[derive(Clone, Debug, Default)]
pub struct Freshness {
    pub fresh: HashSet<Part>,
}

/// What a tab reads while drawing.
pub struct TabContext<'a> {
    pub dataset: Option<&'a Arc<Dataset>>,
    pub results: &'a Results,
    pub freshness: &'a Freshness,
    pub settings: &'a Settings,
    pub side_settings: &'a SideSettings,
    pub side: Option<&'a SideResults>,
    pub side_sources: (Option<&'a Source>, Option<&'a Source>),
    /// The orders' worker has a request in hand.
    pub busy: bool,
    /// The event log or survey is being read.
    pub side_busy: bool,
    pub filter_choices: &'a FilterChoices,
    /// The cohort table of a file being opened, read straight from its
    /// columns, with how long that took in ms.
    pub first_table: Option<(&'a CohortTable, u128)>,
    /// How long the last computation took, in ms.
    pub last_compute_ms: Option<u128>,
}

impl TabContext<'_> {
    /// Whether `part` of the results answers the current settings.
    pub fn is_fresh(&self, part: Part) -> bool {
        self.freshness.fresh.contains(&part)
    }

    /// The columns customers can be grouped by, the same rule everywhere.
    pub fn groupable_columns(&self) -> Vec<String> {
        let attributes = self
            .dataset
            .map(|d| d.attributes.clone())
            .unwrap_or_default();
        groupable_columns(&attributes, self.group_sources())
    }

    pub fn group_sources(&self) -> GroupSources {
        GroupSources {
            loyalty: self.settings.loyalty.is_some(),
            nps: self.settings.nps_groups.is_some(),
        }
    }
}
