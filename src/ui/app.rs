//! The App: persisted settings, the current dataset and results, and the
//! worker that computes them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use eframe::egui::{self, Key, KeyboardShortcut, Modifiers, RichText};
use serde::{Deserialize, Serialize};

use super::worker::{Reply, Request, Worker};
use super::{
    clv_tab, cohorts_tab, data_tab, engagement_tab, loyalty_tab, overview_tab, segments_tab,
    source_panel, survey_tab, theme,
};
use crate::analysis::cohort_charts::CellValue;
use crate::analysis::cohorts::CohortTable;
use crate::analysis::filter::FilterChoices;
use crate::analysis::period::Granularity;
use crate::analysis::side_sources::SideResults;
use crate::analysis::{Results, Settings};
use crate::chart::ChartSpec;
use crate::chart::render::{ImageFormat, write_chart};
use crate::data::{Dataset, ImportOptions, Source};

const RECENT_FILES: usize = 10;
const STORAGE_KEY: &str = "kohorte-state";

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

    pub fn label(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Cohorts => "Cohorts",
            Tab::Segments => "Segments",
            Tab::Clv => "CLV",
            Tab::Loyalty => "Loyalty",
            Tab::Engagement => "Engagement",
            Tab::Survey => "Survey",
            Tab::Data => "Data",
        }
    }
}

/// How the tabs show their results; changing these recomputes nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ViewPrefs {
    pub cell_value: CellValue,
    /// The breakdown group whose cohort table is shown; `None` is everyone.
    pub cohort_group: Option<String>,
    pub log_scale: bool,
    pub segment_view: segments_tab::SegmentView,
    /// RFM segments ticked for the side-by-side comparison.
    pub compared: Vec<String>,
    pub clv_sort: clv_tab::ClvSort,
}

/// What survives a restart.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Persisted {
    pub recent_files: Vec<PathBuf>,
    /// The import choices (dialect, mapping) the user made, per file path.
    pub import_options: BTreeMap<String, ImportOptions>,
    pub settings: Settings,
    /// What the Engagement and Survey tabs are computed with.
    pub side: crate::analysis::side_sources::SideSettings,
    pub view: ViewPrefs,
    pub tab: Tab,
}

/// How the app was started.
#[derive(Clone, Debug, Default)]
pub struct Startup {
    /// A file given on the command line; without one the demo opens.
    pub file: Option<PathBuf>,
}

pub struct KohorteApp {
    pub(crate) persisted: Persisted,
    worker: Worker,
    /// Reads the event log and the survey, apart from the orders' worker so
    /// that neither supersedes the other's requests.
    side_worker: Worker,
    /// The event log and the survey beside the orders.
    pub(crate) side_sources: (Option<Source>, Option<Source>),
    pub(crate) side: Option<Arc<SideResults>>,
    /// The source being opened or shown.
    pub(crate) source: Option<Source>,
    pub(crate) options: ImportOptions,
    pub(crate) dataset: Option<Arc<Dataset>>,
    pub(crate) results: Option<Arc<Results>>,
    /// The cohort table of the file being opened, read straight from its
    /// columns, with how long that took; shown until the results arrive.
    pub(crate) first_table: Option<(Arc<CohortTable>, u128)>,
    /// A file is being opened: a recompute would replace that request, and
    /// the opened file is analysed with the settings of that moment anyway;
    /// `recompute_waiting` says one was asked for meanwhile, for the
    /// current data in case the file cannot be opened.
    opening: bool,
    recompute_waiting: bool,
    /// Per attribute column, its values and row counts, for the filters;
    /// `None` for columns with too many values to filter on.
    pub(crate) filter_choices: FilterChoices,
    pub(crate) error: Option<String>,
    pub(crate) notice: Option<String>,
    pub(crate) show_about: bool,
    pub(crate) last_compute_ms: Option<u128>,
    pub(crate) date_inputs: source_panel::DateInputs,
    pub(crate) kpi_inputs: source_panel::DateInputs,
    pub(crate) heatmap_cache: Option<cohorts_tab::HeatmapCache>,
    pub(crate) clv_inputs: clv_tab::ClvInputs,
    pub(crate) clv_table_order: Option<clv_tab::TableOrder>,
    pub(crate) programme_editor: loyalty_tab::ProgrammeEditor,
    pub(crate) migration_inputs: source_panel::DateInputs,
    /// A file that was read but whose columns could not be mapped, with its
    /// columns, so the user can map them by hand.
    pub(crate) unmapped: Option<(Source, Vec<String>)>,
}

impl KohorteApp {
    pub fn new(cc: &eframe::CreationContext<'_>, startup: Startup) -> KohorteApp {
        theme::apply(&cc.egui_ctx);
        let persisted: Persisted = cc
            .storage
            .and_then(|s| eframe::get_value(s, STORAGE_KEY))
            .unwrap_or_default();
        let mut app = KohorteApp {
            date_inputs: source_panel::DateInputs::from_settings(&persisted.settings),
            kpi_inputs: source_panel::DateInputs::from_kpis(&persisted.settings.kpis),
            heatmap_cache: None,
            clv_inputs: clv_tab::ClvInputs {
                calibration_end: persisted
                    .settings
                    .clv
                    .calibration_end
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                search: String::new(),
            },
            clv_table_order: None,
            programme_editor: loyalty_tab::ProgrammeEditor::default(),
            migration_inputs: source_panel::DateInputs::default(),
            unmapped: None,
            persisted,
            worker: Worker::spawn(cc.egui_ctx.clone()),
            side_worker: Worker::spawn(cc.egui_ctx.clone()),
            side_sources: (None, None),
            side: None,
            source: None,
            options: ImportOptions::default(),
            dataset: None,
            results: None,
            filter_choices: Vec::new(),
            error: None,
            notice: None,
            show_about: false,
            last_compute_ms: None,
            first_table: None,
            opening: false,
            recompute_waiting: false,
        };
        app.open(startup.file.map_or(Source::Demo, Source::File));
        app
    }

    /// The one way in: the Open dialog, drag and drop, the command line and
    /// the recent-files list all end here.
    pub fn open(&mut self, source: Source) {
        self.options = match &source {
            Source::File(path) => self
                .persisted
                .import_options
                .get(&path_key(path))
                .cloned()
                .unwrap_or_default(),
            Source::Demo | Source::DemoEvents | Source::DemoSurvey => ImportOptions::default(),
        };
        self.error = None;
        self.notice = None;
        self.source = Some(source.clone());
        self.first_table = None;
        self.opening = true;
        self.worker.submit(Request::Open {
            source,
            options: self.options.clone(),
            first_table: self.first_table_period(),
        });
    }

    /// The period of the cohort table to read first, when the Cohorts tab
    /// will show the whole file's table at the default as-of date.
    fn first_table_period(&self) -> Option<Granularity> {
        let settings = &self.persisted.settings;
        (!settings.filters.is_active() && settings.as_of.is_none())
            .then_some(settings.cohorts.granularity)
    }

    /// Re-reads the current source with changed import choices, and
    /// remembers them for this file.
    pub(crate) fn reimport(&mut self, options: ImportOptions) {
        let source = match (&self.unmapped, &self.dataset) {
            (Some((source, _)), _) => source.clone(),
            (None, Some(dataset)) => dataset.source.clone(),
            (None, None) => return,
        };
        if let Source::File(path) = &source {
            self.persisted
                .import_options
                .insert(path_key(path), options.clone());
        }
        self.options = options.clone();
        self.error = None;
        self.source = Some(source.clone());
        self.first_table = None;
        self.opening = true;
        self.worker.submit(Request::Open {
            source,
            options,
            first_table: self.first_table_period(),
        });
    }

    /// Recomputes the analyses after a change of settings.
    pub(crate) fn recompute(&mut self) {
        if self.opening {
            self.recompute_waiting = true;
            return;
        }
        if let Some(dataset) = &self.dataset {
            // Results always belong to the current dataset (opening clears
            // them), so their model fit may be reused.
            let previous_fit = self
                .results
                .as_ref()
                .and_then(|r| r.clv.fit.as_ref().ok().cloned());
            self.worker.submit(Request::Analyse {
                dataset: dataset.clone(),
                settings: Box::new(self.persisted.settings.clone()),
                previous_fit,
            });
        }
    }

    /// True while the worker has a request of the UI's in hand.
    pub fn is_busy(&self) -> bool {
        self.worker.busy().is_some()
    }

    /// True while the event log or survey is being read.
    pub fn side_busy(&self) -> bool {
        self.side_worker.busy().is_some()
    }

    pub fn side(&self) -> Option<&SideResults> {
        self.side.as_deref()
    }

    /// Opens an event log (`events`) or a survey beside the orders.
    pub fn open_side(&mut self, events: bool, source: Source) {
        if events {
            self.side_sources.0 = Some(source);
        } else {
            self.side_sources.1 = Some(source);
        }
        self.resubmit_side();
    }

    /// Reads and summarises the side sources again, with the current settings.
    pub(crate) fn resubmit_side(&mut self) {
        if self.side_sources == (None, None) {
            return;
        }
        self.side_worker.submit(Request::Side {
            events: self.side_sources.0.clone(),
            survey: self.side_sources.1.clone(),
            settings: Box::new(self.persisted.side.clone()),
        });
    }

    pub(crate) fn open_side_dialog(&mut self, events: bool) {
        let picked = rfd::FileDialog::new()
            .set_title(if events {
                "Open event log"
            } else {
                "Open survey"
            })
            .add_filter(
                "CSV, TSV, TXT or Parquet",
                &["csv", "tsv", "txt", "parquet"],
            )
            .pick_file();
        if let Some(path) = picked {
            self.open_side(events, Source::File(path));
        }
    }

    fn receive_side(&mut self) {
        if let Some(tagged) = self.side_worker.poll() {
            match tagged.reply {
                Reply::Side(Ok(side)) => {
                    // Respondents who are customers get their NPS group as a
                    // segment of the order analyses.
                    let groups = side
                        .survey
                        .as_ref()
                        .and_then(|s| s.as_ref().ok())
                        .map(|s| Arc::new(s.groups.clone()));
                    if self.persisted.settings.nps_groups != groups {
                        self.persisted.settings.nps_groups = groups;
                        self.recompute();
                    }
                    self.side = Some(side);
                }
                Reply::Side(Err(message)) => self.error = Some(message),
                _ => {}
            }
        }
    }

    pub fn dataset(&self) -> Option<&Dataset> {
        self.dataset.as_deref()
    }

    pub fn results(&self) -> Option<&Results> {
        self.results.as_deref()
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    fn receive(&mut self) {
        let Some(tagged) = self.worker.poll() else {
            return;
        };
        if !matches!(tagged.reply, Reply::FirstTable(_)) {
            self.last_compute_ms = Some(tagged.elapsed_ms);
        }
        match tagged.reply {
            Reply::FirstTable(table) => {
                // The new file's table replaces the old file's results.
                self.results = None;
                self.first_table = Some((table, tagged.elapsed_ms));
            }
            Reply::Opened(Ok(opened)) => {
                self.opening = false;
                self.recompute_waiting = false;
                if let Source::File(path) = &opened.dataset.source {
                    remember_recent(&mut self.persisted.recent_files, path);
                }
                let columns = &opened.dataset.attributes;
                self.persisted
                    .settings
                    .filters
                    .attributes
                    .retain(|column, _| columns.contains(column));
                self.filter_choices = opened.filter_choices;
                self.unmapped = None;
                // The demo shop comes with its app events and NPS survey.
                if opened.dataset.source.is_demo() && self.side_sources == (None, None) {
                    self.side_sources = (Some(Source::DemoEvents), Some(Source::DemoSurvey));
                    self.resubmit_side();
                }
                // The demo shop comes with its example programme.
                if opened.dataset.source.is_demo() && self.persisted.settings.loyalty.is_none() {
                    let programme = crate::analysis::loyalty::Programme::default();
                    self.programme_editor.text = programme.to_toml();
                    self.persisted.settings.loyalty = Some(programme);
                }
                self.dataset = Some(opened.dataset);
                self.results = None;
                self.recompute();
            }
            Reply::Opened(Err(failure)) => {
                self.opening = false;
                self.source = self.dataset.as_ref().map(|d| d.source.clone());
                if self.first_table.take().is_some() || self.recompute_waiting {
                    self.recompute_waiting = false;
                    self.recompute();
                }
                self.error = Some(failure.message);
                self.unmapped = failure.columns.map(|columns| (failure.source, columns));
            }
            Reply::Analysed(Ok(results)) => {
                self.results = Some(results);
                self.first_table = None;
            }
            Reply::Analysed(Err(message)) => self.error = Some(message),
            Reply::Side(_) => {}
        }
    }

    fn handle_dropped_files(&mut self, ctx: &egui::Context) {
        let dropped = ctx.input(|i| i.raw.dropped_files.clone());
        if let Some(file) = dropped.first() {
            self.open(Source::File(file.path().to_path_buf()));
        }
    }

    fn handle_shortcuts(&mut self, ctx: &egui::Context) {
        let open = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
        let export = KeyboardShortcut::new(Modifiers::COMMAND, Key::E);
        if ctx.input_mut(|i| i.consume_shortcut(&open)) {
            self.open_dialog();
        }
        if ctx.input_mut(|i| i.consume_shortcut(&export))
            && let Some(spec) = self.main_chart()
        {
            self.export_chart_dialog(&spec, ImageFormat::Png);
        }
    }

    /// The chart Ctrl+E exports: the first chart of the current tab.
    fn main_chart(&self) -> Option<ChartSpec> {
        let results = self.results.as_ref()?;
        match self.persisted.tab {
            Tab::Overview | Tab::Data => Some(results.activity.orders_chart.clone()),
            Tab::Cohorts => Some(results.cohorts.curves.clone()),
            Tab::Segments => Some(results.segments.rfm_sizes.clone()),
            Tab::Clv => Some(results.clv.by_segment_chart.clone()),
            Tab::Loyalty => results
                .loyalty
                .as_ref()
                .map(crate::analysis::loyalty_charts::members_per_tier_spec),
            Tab::Engagement => self
                .side
                .as_ref()
                .and_then(|s| s.events.as_ref()?.as_ref().ok())
                .map(|e| e.activity_chart.clone()),
            Tab::Survey => self
                .side
                .as_ref()
                .and_then(|s| s.survey.as_ref()?.as_ref().ok())
                .map(|s| s.chart.clone()),
        }
    }

    pub(crate) fn open_dialog(&mut self) {
        let picked = rfd::FileDialog::new()
            .set_title("Open an order log")
            .add_filter(
                "Order logs (CSV, TSV, TXT, Parquet)",
                &["csv", "tsv", "txt", "parquet", "pq"],
            )
            .add_filter("All files", &["*"])
            .pick_file();
        // `None` is a cancelled dialog, or no dialog available: drag and
        // drop and the command line still work.
        if let Some(path) = picked {
            self.open(Source::File(path));
        }
    }

    pub(crate) fn export_chart_dialog(&mut self, spec: &ChartSpec, format: ImageFormat) {
        let picked = rfd::FileDialog::new()
            .set_title("Export chart")
            .set_file_name(format!("{}.{}", spec.id, format.extension()))
            .add_filter(format.extension().to_uppercase(), &[format.extension()])
            .save_file();
        if let Some(path) = picked {
            self.finish_export(write_chart(spec, format, &path), &path);
        }
    }

    pub(crate) fn export_table_dialog(&mut self, name: &str, frame: &polars::prelude::DataFrame) {
        let picked = rfd::FileDialog::new()
            .set_title("Export table")
            .set_file_name(format!("{name}.csv"))
            .add_filter("CSV", &["csv"])
            .save_file();
        if let Some(path) = picked {
            self.finish_export(crate::export::write_csv(&path, frame), &path);
        }
    }

    pub(crate) fn export_customer_list_dialog(
        &mut self,
        segment: &str,
        list: &polars::prelude::DataFrame,
        excel: bool,
    ) {
        let extension = if excel { "xlsx" } else { "csv" };
        let stem: String = segment
            .chars()
            .map(|c| {
                if c.is_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        let picked = rfd::FileDialog::new()
            .set_title("Export customer list")
            .set_file_name(format!("customers_{stem}.{extension}"))
            .add_filter(extension.to_uppercase(), &[extension])
            .save_file();
        if let Some(path) = picked {
            let outcome = if excel {
                crate::export::write_xlsx(&path, list)
            } else {
                crate::export::write_csv(&path, list)
            };
            self.finish_export(outcome, &path);
        }
    }

    /// Makes `programme` the one replayed, from the editor, a file or the example.
    pub(crate) fn set_programme(&mut self, programme: crate::analysis::loyalty::Programme) {
        self.programme_editor.text = programme.to_toml();
        self.programme_editor.error = None;
        self.persisted.settings.loyalty = Some(programme);
        self.persisted.settings.loyalty_what_if = None;
        self.recompute();
    }

    pub(crate) fn open_programme_dialog(&mut self) {
        let picked = rfd::FileDialog::new()
            .set_title("Open loyalty programme")
            .add_filter("TOML", &["toml"])
            .pick_file();
        if let Some(path) = picked {
            match std::fs::read_to_string(&path) {
                Ok(text) => match crate::analysis::loyalty::Programme::parse(&text) {
                    Ok(programme) => self.set_programme(programme),
                    Err(e) => {
                        self.programme_editor.text = text;
                        self.programme_editor.error = Some(format!("{}: {e}", path.display()));
                    }
                },
                Err(e) => self.error = Some(format!("could not read '{}': {e}", path.display())),
            }
        }
    }

    pub(crate) fn save_programme_dialog(&mut self) {
        let Some(programme) = &self.persisted.settings.loyalty else {
            return;
        };
        let text = programme.to_toml();
        let picked = rfd::FileDialog::new()
            .set_title("Save loyalty programme")
            .set_file_name("programme.toml")
            .add_filter("TOML", &["toml"])
            .save_file();
        if let Some(path) = picked {
            self.finish_export(crate::export::write_bytes(&path, text.as_bytes()), &path);
        }
    }

    /// Narrows every tab to one value of a column (an RFM segment, a status
    /// or an attribute value).
    pub(crate) fn filter_to(&mut self, column: &str, value: &str) {
        let values = std::iter::once(value.to_string()).collect();
        self.persisted
            .settings
            .filters
            .attributes
            .insert(column.to_string(), values);
        self.notice = Some(format!(
            "Filtered to {column} = {value}; clear it under Filters"
        ));
        self.recompute();
    }

    fn finish_export(&mut self, outcome: Result<(), crate::export::ExportError>, path: &Path) {
        match outcome {
            Ok(()) => self.notice = Some(format!("Saved {}", path.display())),
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    fn top_bar_ui(&mut self, ui: &mut egui::Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui.button("Open… (Ctrl+O)").clicked() {
                    ui.close();
                    self.open_dialog();
                }
                ui.menu_button("Open recent", |ui| {
                    if self.persisted.recent_files.is_empty() {
                        ui.label("No recent files yet");
                    }
                    let mut chosen = None;
                    for path in &self.persisted.recent_files {
                        if ui.button(path.display().to_string()).clicked() {
                            chosen = Some(path.clone());
                        }
                    }
                    if let Some(path) = chosen {
                        ui.close();
                        self.open(Source::File(path));
                    }
                });
                if ui
                    .button("Open event log…")
                    .on_hover_text(
                        "App or web events (user, time, event name) for the Engagement tab",
                    )
                    .clicked()
                {
                    ui.close();
                    self.open_side_dialog(true);
                }
                if ui
                    .button("Open survey…")
                    .on_hover_text(
                        "An NPS or CSAT export (respondent, date, score) for the Survey tab",
                    )
                    .clicked()
                {
                    ui.close();
                    self.open_side_dialog(false);
                }
                if ui.button("Open the demo shop").clicked() {
                    ui.close();
                    self.open(Source::Demo);
                }
                ui.separator();
                let chart = self.main_chart();
                if ui
                    .add_enabled(
                        chart.is_some(),
                        egui::Button::new("Export chart as PNG… (Ctrl+E)"),
                    )
                    .clicked()
                    && let Some(spec) = chart
                {
                    ui.close();
                    self.export_chart_dialog(&spec, ImageFormat::Png);
                }
            });
            ui.menu_button("Help", |ui| {
                if ui.button("About Kohorte").clicked() {
                    ui.close();
                    self.show_about = true;
                }
            });
            ui.separator();
            if ui
                .button("Open…")
                .on_hover_text("Open a CSV or Parquet order log (Ctrl+O)")
                .clicked()
            {
                self.open_dialog();
            }
            if let Some(dataset) = &self.dataset {
                let label = if dataset.source.is_demo() {
                    RichText::new("DEMO DATA: a fictional shop")
                        .color(theme::DEMO_BADGE)
                        .strong()
                } else {
                    RichText::new(dataset.source.display_name()).strong()
                };
                ui.label(label);
            }
        });
    }

    fn status_bar_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            if let Some((stage, secs)) = self.worker.busy() {
                ui.spinner();
                ui.label(format!("{stage}… {secs:.1} s"));
                if self.first_table.is_some()
                    && self.persisted.tab != Tab::Cohorts
                    && ui
                        .link("The cohort table is ready: show it")
                        .on_hover_text("Read straight from the file; the other tabs follow when the whole file is read")
                        .clicked()
                {
                    self.persisted.tab = Tab::Cohorts;
                }
            } else if let Some(results) = &self.results {
                ui.label(format!(
                    "Ready · {} orders in view",
                    crate::format::group_thousands(results.orders.height())
                ));
                if let Some(ms) = self.last_compute_ms {
                    ui.label(RichText::new(format!("computed in {ms} ms")).weak());
                }
            }
            if let Some(notice) = &self.notice {
                ui.separator();
                ui.label(notice);
            }
        });
    }

    fn error_banner_ui(&mut self, ui: &mut egui::Ui) {
        let Some(message) = self.error.clone() else {
            return;
        };
        egui::Frame::new()
            .fill(theme::ERROR_FILL)
            .inner_margin(8.0)
            .corner_radius(4.0)
            .show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    ui.label(RichText::new(format!("⚠ {message}")).color(theme::ERROR_TEXT));
                    if ui.small_button("Dismiss").clicked() {
                        self.error = None;
                    }
                });
            });
        ui.add_space(6.0);
    }

    fn about_ui(&mut self, ctx: &egui::Context) {
        let mut open = self.show_about;
        egui::Window::new("About Kohorte")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                ui.heading("Kohorte");
                ui.label(
                    "Offline customer-retention analytics. Your data never leaves this computer.",
                );
                ui.add_space(6.0);
                ui.label(format!("Version {}", env!("CARGO_PKG_VERSION")));
                ui.label(format!("Commit {}", env!("KOHORTE_GIT_COMMIT")));
                ui.label("MIT licence. Charts use the DejaVu Sans font.");
            });
        self.show_about = open;
    }

    fn central_ui(&mut self, ui: &mut egui::Ui) {
        self.error_banner_ui(ui);
        ui.horizontal(|ui| {
            for tab in Tab::ALL {
                ui.selectable_value(&mut self.persisted.tab, tab, tab.label());
            }
        });
        ui.separator();
        if self.dataset.is_none() && self.first_table.is_none() {
            ui.vertical_centered(|ui| {
                ui.add_space(80.0);
                if self.is_busy() || self.side_busy() {
                    ui.spinner();
                    ui.label("Reading the file…");
                } else {
                    ui.heading("No data open");
                    ui.label("Open a CSV or Parquet order log with File → Open (Ctrl+O), drop a file onto this window, or open the demo shop.");
                    if ui.button("Open the demo shop").clicked() {
                        self.open(Source::Demo);
                    }
                }
            });
            return;
        }
        match self.persisted.tab {
            Tab::Overview => overview_tab::ui(self, ui),
            Tab::Cohorts => cohorts_tab::ui(self, ui),
            Tab::Segments => segments_tab::ui(self, ui),
            Tab::Clv => clv_tab::ui(self, ui),
            Tab::Loyalty => loyalty_tab::ui(self, ui),
            Tab::Engagement => engagement_tab::ui(self, ui),
            Tab::Survey => survey_tab::ui(self, ui),
            Tab::Data => data_tab::ui(self, ui),
        }
    }
}

impl eframe::App for KohorteApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.receive();
        self.receive_side();
        self.handle_dropped_files(&ctx);
        self.handle_shortcuts(&ctx);
        if self.is_busy() {
            // Keep the spinner turning; the worker also wakes us when done.
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
        egui::Panel::top("top_bar").show(ui, |ui| self.top_bar_ui(ui));
        egui::Panel::bottom("status_bar").show(ui, |ui| self.status_bar_ui(ui));
        egui::Panel::left("source_panel")
            .resizable(true)
            .default_size(360.0)
            .min_size(280.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| source_panel::ui(self, ui));
            });
        egui::CentralPanel::default().show(ui, |ui| self.central_ui(ui));
        self.about_ui(&ctx);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, &self.persisted);
    }
}

fn path_key(path: &Path) -> String {
    path.canonicalize()
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

fn remember_recent(recent: &mut Vec<PathBuf>, path: &Path) {
    recent.retain(|p| p != path);
    recent.insert(0, path.to_path_buf());
    recent.truncate(RECENT_FILES);
}
