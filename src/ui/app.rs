//! The App: persisted settings, the current dataset and results, the
//! workers that compute them, and the commands the tabs push.

mod saving;

use rust_i18n::t;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use eframe::egui::{self, Key, KeyboardShortcut, Modifiers, RichText};
use serde::{Deserialize, Serialize};

use super::context::{Command, Freshness, Tab, TabContext};
use super::worker::{
    OrdersReply, OrdersRequest, SideReply, SideRequest, Worker, orders_worker, set_visible_part,
    side_worker,
};
use super::{
    clv_tab, cohorts_tab, data_tab, dialogs, engagement_tab, loyalty_tab, overview_tab,
    segments_tab, source_panel, survey_tab, theme,
};
use crate::analysis::cohorts::CohortTable;
use crate::analysis::filter::FilterChoices;
use crate::analysis::loyalty::Programme;
use crate::analysis::period::Granularity;
use crate::analysis::side_sources::{SideResults, SideSettings};
use crate::analysis::{Part, Results, Settings};
use crate::chart::ChartSpec;
use crate::chart::render::{ImageFormat, write_chart};
use crate::data::{Dataset, ImportOptions, Source};
use crate::i18n::{Language, language as language_now, set_language};

const RECENT_FILES: usize = 10;

/// The tabs' read-only context, borrowing the app field by field so that
/// the tab states can be borrowed mutably beside it.
macro_rules! tab_context {
    ($app:ident) => {
        TabContext {
            dataset: $app.dataset.as_ref(),
            results: &$app.results,
            freshness: &$app.freshness,
            settings: &$app.persisted.settings,
            side_settings: &$app.persisted.side,
            side: $app.side.as_deref(),
            side_sources: ($app.side_sources.0.as_ref(), $app.side_sources.1.as_ref()),
            busy: $app.worker.busy().is_some(),
            side_busy: $app.side_worker.busy().is_some(),
            filter_choices: &$app.filter_choices,
            first_table: $app.first_table.as_ref().map(|(t, ms)| (t.as_ref(), *ms)),
            last_compute_ms: $app.last_compute_ms,
        }
    };
}
const STORAGE_KEY: &str = "kohorte-state";

/// How the tabs show their results; changing these recomputes nothing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ViewPrefs {
    pub cohorts: cohorts_tab::CohortPrefs,
    pub segments: segments_tab::SegmentPrefs,
    pub clv: clv_tab::ClvPrefs,
    pub loyalty: loyalty_tab::LoyaltyPrefs,
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
    /// Chosen in the Language menu; until then the system's.
    pub language: Option<Language>,
}

/// How the app was started.
#[derive(Clone, Debug, Default)]
pub struct Startup {
    /// A file given on the command line; without one the demo opens.
    pub file: Option<PathBuf>,
    /// `--lang`: the language for this run, before the one remembered.
    pub language: Option<Language>,
}

impl Startup {
    /// The window on `file`, in the remembered or the system's language.
    pub fn file(file: PathBuf) -> Startup {
        Startup {
            file: Some(file),
            language: None,
        }
    }
}

/// The tabs' own state.
#[derive(Default)]
struct Tabs {
    source: source_panel::SourcePanel,
    overview: overview_tab::OverviewTab,
    cohorts: cohorts_tab::CohortsTab,
    segments: segments_tab::SegmentsTab,
    clv: clv_tab::ClvTab,
    loyalty: loyalty_tab::LoyaltyTab,
}

pub struct KohorteApp {
    persisted: Persisted,
    worker: Worker<OrdersRequest, OrdersReply>,
    side_worker: Worker<SideRequest, SideReply>,
    /// The part on screen, which the worker computes first.
    visible: Arc<AtomicUsize>,
    /// The event log and the survey beside the orders.
    side_sources: (Option<Source>, Option<Source>),
    side: Option<Arc<SideResults>>,
    /// The source being opened or shown.
    source: Option<Source>,
    options: ImportOptions,
    dataset: Option<Arc<Dataset>>,
    results: Results,
    freshness: Freshness,
    /// The cohort table of the file being opened, read straight from its
    /// columns, with how long that took; shown until the results arrive.
    first_table: Option<(Arc<CohortTable>, u128)>,
    /// A file is being opened: a recompute would replace that request, and
    /// the opened file is analysed with the settings of that moment anyway;
    /// `recompute_waiting` says one was asked for meanwhile, for the
    /// current data in case the file cannot be opened.
    opening: bool,
    recompute_waiting: bool,
    /// Per attribute column, its values and row counts, for the filters;
    /// `None` for columns with too many values to filter on.
    filter_choices: FilterChoices,
    error: Option<String>,
    notice: Option<String>,
    show_about: bool,
    last_compute_ms: Option<u128>,
    /// A file that was read but whose columns could not be mapped, with its
    /// columns, so the user can map them by hand.
    unmapped: Option<(Source, Vec<String>)>,
    tabs: Tabs,
    /// For the background jobs to wake the window when they finish.
    ctx: egui::Context,
    /// The saved analysis last opened, while its data is on screen.
    analysis: Option<saving::OpenedAnalysis>,
    saving: saving::SavingJobs,
}

impl KohorteApp {
    pub fn new(cc: &eframe::CreationContext<'_>, startup: Startup) -> KohorteApp {
        theme::apply(&cc.egui_ctx);
        let persisted: Persisted = cc
            .storage
            .and_then(|s| eframe::get_value(s, STORAGE_KEY))
            .unwrap_or_default();
        set_language(
            startup
                .language
                .or(persisted.language)
                .unwrap_or_else(Language::of_system),
        );
        let visible = Arc::new(AtomicUsize::new(usize::MAX));
        let tabs = Tabs {
            source: source_panel::SourcePanel::new(&persisted.settings),
            overview: overview_tab::OverviewTab::new(&persisted.settings.kpis),
            clv: clv_tab::ClvTab::new(&persisted.settings.clv),
            ..Tabs::default()
        };
        let mut app = KohorteApp {
            worker: orders_worker(cc.egui_ctx.clone(), visible.clone()),
            side_worker: side_worker(cc.egui_ctx.clone()),
            visible,
            persisted,
            side_sources: (None, None),
            side: None,
            source: None,
            options: ImportOptions::default(),
            dataset: None,
            results: Results::default(),
            freshness: Freshness::default(),
            filter_choices: Vec::new(),
            error: None,
            notice: None,
            show_about: false,
            last_compute_ms: None,
            first_table: None,
            opening: false,
            recompute_waiting: false,
            unmapped: None,
            tabs,
            ctx: cc.egui_ctx.clone(),
            analysis: None,
            saving: saving::SavingJobs::default(),
        };
        app.open(startup.file.map_or(Source::Demo, Source::File));
        app
    }

    /// The one way in: the Open dialog, drag and drop, the command line and
    /// the recent-files list all end here, for order logs and saved
    /// analyses alike.
    pub fn open(&mut self, source: Source) {
        if let Source::File(path) = &source
            && crate::saved::is_saved_analysis(path)
        {
            let path = path.clone();
            self.error = None;
            self.notice = None;
            self.open_analysis(&path);
            return;
        }
        self.analysis = None;
        self.open_data(source);
    }

    /// Reads an order log with the import choices remembered for it.
    fn open_data(&mut self, source: Source) {
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
        self.read(source, self.options.clone());
    }

    fn read(&mut self, source: Source, options: ImportOptions) {
        self.source = Some(source.clone());
        self.first_table = None;
        self.opening = true;
        let first_table = self.first_table_period();
        self.worker.submit(
            OrdersRequest::Open {
                source,
                options,
                first_table,
            },
            &t!("Reading the file"),
        );
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
    pub fn reimport(&mut self, options: ImportOptions) {
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
        self.read(source, options);
    }

    /// Computes the analyses for the current settings.
    fn recompute(&mut self) {
        if self.opening {
            self.recompute_waiting = true;
            return;
        }
        if self.dataset.is_some() {
            self.freshness = Freshness::default();
            self.worker.submit(
                OrdersRequest::Compute(Box::new(self.persisted.settings.clone())),
                &t!("Computing"),
            );
        }
    }

    /// Recomputes with `settings`, as the tabs' controls do.
    pub fn apply_settings(&mut self, settings: Settings) {
        if settings != self.persisted.settings {
            self.persisted.settings = settings;
            self.recompute();
        }
    }

    /// Reads the event log and survey again with `settings`, as the
    /// Engagement and Survey tabs' controls do.
    pub fn apply_side_settings(&mut self, settings: SideSettings) {
        if settings != self.persisted.side {
            self.persisted.side = settings;
            self.resubmit_side();
        }
    }

    pub fn side_settings(&self) -> &SideSettings {
        &self.persisted.side
    }

    /// How the tabs show their results.
    pub fn view_prefs(&self) -> &ViewPrefs {
        &self.persisted.view
    }

    pub fn tab(&self) -> Tab {
        self.persisted.tab
    }

    /// The import choices the current file is read with.
    pub fn import_options(&self) -> &ImportOptions {
        &self.options
    }

    /// True while the orders' worker has a request of the UI's in hand.
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

    pub fn dataset(&self) -> Option<&Dataset> {
        self.dataset.as_deref()
    }

    /// The results as far as they are computed; see `is_fresh`.
    pub fn results(&self) -> &Results {
        &self.results
    }

    /// Whether `part` of the results answers the current settings.
    /// Whether a file is being read (the results are the previous file's).
    pub fn is_opening(&self) -> bool {
        self.opening
    }

    pub fn is_fresh(&self, part: Part) -> bool {
        self.freshness.fresh.contains(&part)
    }

    pub fn settings(&self) -> &Settings {
        &self.persisted.settings
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
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
    fn resubmit_side(&mut self) {
        if self.side_sources == (None, None) {
            return;
        }
        self.side_worker.submit(
            SideRequest {
                events: self.side_sources.0.clone(),
                survey: self.side_sources.1.clone(),
                settings: Box::new(self.persisted.side.clone()),
            },
            &t!("Reading the event log and survey"),
        );
    }

    fn receive_side(&mut self) {
        let Some(tagged) = self.side_worker.poll() else {
            return;
        };
        match tagged.reply {
            Ok(side) => {
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
            Err(message) => self.error = Some(message),
        }
    }

    fn receive(&mut self) {
        while let Some(tagged) = self.worker.poll() {
            match tagged.reply {
                OrdersReply::FirstTable(table) => {
                    // The new file's table replaces the old file's results.
                    self.results = Results::default();
                    self.freshness = Freshness::default();
                    self.first_table = Some((table, tagged.elapsed_ms));
                }
                OrdersReply::Opened(Ok(opened)) => self.opened(opened),
                OrdersReply::Opened(Err(failure)) => {
                    self.opening = false;
                    self.source = self.dataset.as_ref().map(|d| d.source.clone());
                    if self.first_table.take().is_some() || self.recompute_waiting {
                        self.recompute_waiting = false;
                        self.recompute();
                    }
                    self.error = Some(failure.message);
                    self.unmapped = failure.columns.map(|columns| (failure.source, columns));
                }
                OrdersReply::Computed { results, part } => {
                    self.results = results;
                    self.freshness.fresh.insert(part);
                    if part == Part::Cohorts {
                        self.first_table = None;
                    }
                }
                OrdersReply::Done => self.last_compute_ms = Some(tagged.elapsed_ms),
                OrdersReply::Failed(message) => self.error = Some(message),
            }
        }
    }

    fn opened(&mut self, opened: super::worker::Opened) {
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
            .retain(|column, _| columns.contains(column) || is_label(column));
        self.filter_choices = opened.filter_choices;
        self.unmapped = None;
        // The demo shop comes with its app events, NPS survey and example
        // loyalty programme.
        if opened.dataset.source.is_demo() {
            if self.side_sources == (None, None) {
                self.side_sources = (Some(Source::DemoEvents), Some(Source::DemoSurvey));
                self.resubmit_side();
            }
            if self.persisted.settings.loyalty.is_none() {
                let programme = Programme::default();
                self.tabs.loyalty.show_programme(&programme);
                self.persisted.settings.loyalty = Some(programme);
            }
        }
        self.dataset = Some(opened.dataset);
        self.results = Results::default();
        self.freshness = Freshness::default();
        self.recompute();
    }

    fn handle_dropped_files(&mut self, ctx: &egui::Context) {
        let dropped = ctx.input(|i| i.raw.dropped_files.clone());
        if let Some(file) = dropped.first() {
            self.open(Source::File(file.path().to_path_buf()));
        }
    }

    fn handle_shortcuts(&mut self, ctx: &egui::Context) -> Vec<Command> {
        let open = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
        let export = KeyboardShortcut::new(Modifiers::COMMAND, Key::E);
        let save = KeyboardShortcut::new(Modifiers::COMMAND, Key::S);
        let mut commands = Vec::new();
        if self.dataset.is_some() && ctx.input_mut(|i| i.consume_shortcut(&save)) {
            commands.push(Command::SaveAnalysisDialog);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&open)) {
            commands.push(Command::OpenDialog);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&export))
            && let Some(spec) = self.main_chart()
        {
            commands.push(Command::ExportChart(Box::new(spec), ImageFormat::Png));
        }
        commands
    }

    /// The chart Ctrl+E exports: the first chart of the current tab.
    fn main_chart(&self) -> Option<ChartSpec> {
        let results = &self.results;
        match self.persisted.tab {
            Tab::Overview | Tab::Data => results
                .view
                .as_ref()
                .map(|v| v.activity.orders_chart.clone()),
            Tab::Cohorts => results.cohorts.as_ref().map(|c| {
                let prefs = &self.persisted.view.cohorts;
                crate::analysis::cohort_charts::curves_as_shown(
                    &c.curves,
                    prefs.log_scale,
                    prefs.from_period_one,
                )
            }),
            Tab::Segments => results
                .segments
                .as_ref()
                .map(|s| s.tables.rfm_sizes.clone()),
            Tab::Clv => results.clv.as_ref().map(|c| c.by_segment.chart.clone()),
            Tab::Loyalty => results
                .loyalty
                .as_ref()
                .and_then(|l| l.current.as_ref())
                .map(|l| {
                    crate::analysis::loyalty_charts::members_per_tier_spec(
                        l,
                        self.persisted.view.loyalty.members,
                    )
                }),
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

    /// Applies what the tabs asked for during the frame.
    fn apply(&mut self, commands: Vec<Command>) {
        for command in commands {
            match command {
                Command::Apply(settings) => self.apply_settings(*settings),
                Command::ApplySide(settings) => self.apply_side_settings(*settings),
                Command::Reimport(options) => self.reimport(options),
                Command::Open(source) => self.open(source),
                Command::OpenDialog => {
                    if let Some(path) = dialogs::order_log() {
                        self.open(Source::File(path));
                    }
                }
                Command::OpenSide { events } => {
                    if let Some(path) = dialogs::side_file(events) {
                        self.open_side(events, Source::File(path));
                    }
                }
                Command::ExportChart(spec, format) => {
                    let name = format!("{}.{}", spec.id, format.extension());
                    if let Some(path) =
                        dialogs::save_as(&t!("Export chart"), &name, format.extension())
                    {
                        self.finish_export(write_chart(&spec, format, &path), &path);
                    }
                }
                Command::ExportTable { name, frame } => {
                    if let Some(path) =
                        dialogs::save_as(&t!("Export table"), &format!("{name}.csv"), "csv")
                    {
                        self.finish_export(crate::export::write_csv(&path, &frame), &path);
                    }
                }
                Command::ExportCustomers { name, frame, excel } => {
                    let extension = if excel { "xlsx" } else { "csv" };
                    let file = format!("customers_{}.{extension}", file_stem(&name));
                    if let Some(path) =
                        dialogs::save_as(&t!("Export customer list"), &file, extension)
                    {
                        let outcome = if excel {
                            crate::export::write_xlsx(&path, &frame)
                        } else {
                            crate::export::write_csv(&path, &frame)
                        };
                        self.finish_export(outcome, &path);
                    }
                }
                Command::FilterTo { column, value } => {
                    let mut settings = self.persisted.settings.clone();
                    settings
                        .filters
                        .attributes
                        .insert(column.clone(), std::iter::once(value.clone()).collect());
                    self.notice = Some(
                        t!(
                            "Filtered to %{column} = %{value}; clear it under Filters",
                            column = column,
                            value = value
                        )
                        .into(),
                    );
                    self.apply_settings(settings);
                }
                Command::SetProgramme(programme) => self.set_programme(programme),
                Command::OpenProgramme => self.open_programme(),
                Command::SaveProgramme => self.save_programme(),
                Command::ShowTab(tab) => self.persisted.tab = tab,
                Command::SaveAnalysisDialog => self.saving.asking_to_save = true,
                Command::ExportDeckDialog => {
                    if let Some(dir) = dialogs::folder(&t!("Export deck into folder")) {
                        self.export_deck_to(dir);
                    }
                }
                Command::LocateDataDialog => {
                    let name = self
                        .saving
                        .missing_data
                        .as_ref()
                        .and_then(|(_, saved)| saved.data.file.as_ref())
                        .and_then(|f| f.absolute.file_name())
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default();
                    if let Some(path) = dialogs::data_file(&name) {
                        self.locate_data(path);
                    }
                }
                Command::ShowError(message) => self.error = Some(message),
                Command::SetLanguage(language) => self.set_language(language),
            }
        }
    }

    /// Speaks `language` from the next frame on; the charts and labels the
    /// worker made are made again in it.
    fn set_language(&mut self, language: Language) {
        self.persisted.language = Some(language);
        if language != language_now() {
            set_language(language);
            // Sizes measured in the old language would linger a frame.
            self.ctx.request_discard("language changed");
            self.recompute();
            self.resubmit_side();
        }
    }

    /// Makes `programme` the one replayed, from the editor, a file or the example.
    fn set_programme(&mut self, programme: Programme) {
        self.tabs.loyalty.show_programme(&programme);
        let mut settings = self.persisted.settings.clone();
        settings.loyalty = Some(programme);
        settings.loyalty_what_if = None;
        self.apply_settings(settings);
    }

    fn open_programme(&mut self) {
        let Some(path) = dialogs::programme() else {
            return;
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => match Programme::parse(&text) {
                Ok(programme) => self.set_programme(programme),
                Err(e) => self
                    .tabs
                    .loyalty
                    .show_error(text, format!("{}: {e}", path.display())),
            },
            Err(e) => {
                self.error = Some(
                    t!(
                        "could not read '%{file}': %{error}",
                        file = path.display(),
                        error = e
                    )
                    .into(),
                )
            }
        }
    }

    fn save_programme(&mut self) {
        let Some(programme) = &self.persisted.settings.loyalty else {
            return;
        };
        let text = programme.to_toml();
        if let Some(path) =
            dialogs::save_as(&t!("Save loyalty programme"), "programme.toml", "toml")
        {
            self.finish_export(crate::export::write_bytes(&path, text.as_bytes()), &path);
        }
    }

    fn finish_export(&mut self, outcome: Result<(), crate::export::ExportError>, path: &Path) {
        match outcome {
            Ok(()) => self.notice = Some(t!("Saved %{file}", file = path.display()).into()),
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    fn top_bar_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button(t!("File"), |ui| {
                if ui.button(t!("Open… (Ctrl+O)")).clicked() {
                    ui.close();
                    commands.push(Command::OpenDialog);
                }
                ui.menu_button(t!("Open recent"), |ui| {
                    if self.persisted.recent_files.is_empty() {
                        ui.label(t!("No recent files yet"));
                    }
                    for path in &self.persisted.recent_files {
                        if ui.button(path.display().to_string()).clicked() {
                            ui.close();
                            commands.push(Command::Open(Source::File(path.clone())));
                        }
                    }
                });
                if ui
                    .button(t!("Open event log…"))
                    .on_hover_text(
                        t!("App or web events (user, time, event name) for the Engagement tab"),
                    )
                    .clicked()
                {
                    ui.close();
                    commands.push(Command::OpenSide { events: true });
                }
                if ui
                    .button(t!("Open survey…"))
                    .on_hover_text(
                        t!("An NPS or CSAT export (respondent, date, score) for the Survey tab"),
                    )
                    .clicked()
                {
                    ui.close();
                    commands.push(Command::OpenSide { events: false });
                }
                if ui.button(t!("Open the demo shop")).clicked() {
                    ui.close();
                    commands.push(Command::Open(Source::Demo));
                }
                ui.separator();
                let has_data = self.dataset.is_some();
                if ui
                    .add_enabled(has_data, egui::Button::new(t!("Save analysis… (Ctrl+S)")))
                    .on_hover_text(t!("Save every setting and the data file's place, without customer data, to open again next month"))
                    .clicked()
                {
                    ui.close();
                    commands.push(Command::SaveAnalysisDialog);
                }
                if self.saving.missing_data.is_some() && ui.button(t!("Locate data file…")).clicked() {
                    ui.close();
                    commands.push(Command::LocateDataDialog);
                }
                let ready = has_data && !self.is_busy();
                if ui
                    .add_enabled(ready, egui::Button::new(t!("Export deck…")))
                    .on_hover_text(t!("Every chart as a slide (kohorte-deck.pptx) and a self-contained web page (kohorte-report.html), in a folder you choose; available when every tab is computed"))
                    .clicked()
                {
                    ui.close();
                    commands.push(Command::ExportDeckDialog);
                }
                ui.separator();
                let chart = self.main_chart();
                if ui
                    .add_enabled(
                        chart.is_some(),
                        egui::Button::new(t!("Export chart as PNG… (Ctrl+E)")),
                    )
                    .clicked()
                    && let Some(spec) = chart
                {
                    ui.close();
                    commands.push(Command::ExportChart(Box::new(spec), ImageFormat::Png));
                }
            });
            ui.menu_button(t!("Language"), |ui| {
                for language in Language::ALL {
                    if ui
                        .selectable_label(language == language_now(), language.native_name())
                        .clicked()
                    {
                        ui.close();
                        commands.push(Command::SetLanguage(language));
                    }
                }
            });
            ui.menu_button(t!("Help"), |ui| {
                if ui.button(t!("About Kohorte")).clicked() {
                    ui.close();
                    self.show_about = true;
                }
            });
            ui.separator();
            if ui
                .button(t!("Open…"))
                .on_hover_text(t!("Open a CSV or Parquet order log (Ctrl+O)"))
                .clicked()
            {
                commands.push(Command::OpenDialog);
            }
            if let Some(dataset) = &self.dataset {
                let label = if dataset.source.is_demo() {
                    RichText::new(t!("DEMO DATA: a fictional shop"))
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
            if let Some(what) = self.saving_busy() {
                ui.spinner();
                ui.label(format!("{what}…"));
                ui.separator();
            }
            if let Some((stage, secs)) = self.worker.busy() {
                ui.spinner();
                ui.label(format!("{stage}… {} s", crate::format::format_number(f64::from(secs), 1)));
                if self.first_table.is_some()
                    && self.persisted.tab != Tab::Cohorts
                    && ui
                        .link(t!("The cohort table is ready: show it"))
                        .on_hover_text(t!("Read straight from the file; the other tabs follow when the whole file is read"))
                        .clicked()
                {
                    self.persisted.tab = Tab::Cohorts;
                }
            } else if let Some(view) = &self.results.view {
                ui.label(t!(
                    "Ready · %{orders} orders in view",
                    orders = crate::format::group_thousands(view.rows.len())
                ));
                if let Some(ms) = self.last_compute_ms {
                    ui.label(RichText::new(t!("computed in %{ms} ms", ms = ms)).weak());
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
                    if ui.small_button(t!("Dismiss")).clicked() {
                        self.error = None;
                    }
                });
            });
        ui.add_space(6.0);
    }

    fn about_ui(&mut self, ctx: &egui::Context) {
        let mut open = self.show_about;
        egui::Window::new(t!("About Kohorte"))
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                ui.heading("Kohorte");
                ui.label(t!(
                    "Offline customer-retention analytics. Your data never leaves this computer."
                ));
                ui.add_space(6.0);
                ui.label(t!(
                    "Version %{version}",
                    version = env!("CARGO_PKG_VERSION")
                ));
                ui.label(t!("Commit %{commit}", commit = env!("KOHORTE_GIT_COMMIT")));
                ui.label(t!("MIT licence. Charts use the DejaVu Sans font."));
            });
        self.show_about = open;
    }

    fn side_panel_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let ctx = tab_context!(self);
        let opening = self.source.as_ref().filter(|_| ctx.busy);
        self.tabs.source.ui(
            ui,
            &ctx,
            source_panel::SourceState {
                options: &self.options,
                unmapped: self.unmapped.as_ref(),
                opening,
            },
            commands,
        );
    }

    fn central_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        self.error_banner_ui(ui);
        self.what_changed_ui(ui);
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
                    ui.label(t!("Reading the file…"));
                } else {
                    ui.heading(t!("No data open"));
                    ui.label(t!("Open a CSV or Parquet order log with File → Open (Ctrl+O), drop a file onto this window, or open the demo shop."));
                    if ui.button(t!("Open the demo shop")).clicked() {
                        commands.push(Command::Open(Source::Demo));
                    }
                }
            });
            return;
        }
        let ctx = tab_context!(self);
        let view = &mut self.persisted.view;
        let tabs = &mut self.tabs;
        match self.persisted.tab {
            Tab::Overview => tabs.overview.ui(ui, &ctx, commands),
            Tab::Cohorts => tabs.cohorts.ui(ui, &ctx, &mut view.cohorts, commands),
            Tab::Segments => tabs.segments.ui(ui, &ctx, &mut view.segments, commands),
            Tab::Clv => tabs.clv.ui(ui, &ctx, &mut view.clv, commands),
            Tab::Loyalty => tabs.loyalty.ui(ui, &ctx, &mut view.loyalty, commands),
            Tab::Engagement => engagement_tab::ui(ui, &ctx, commands),
            Tab::Survey => survey_tab::ui(ui, &ctx, commands),
            Tab::Data => data_tab::ui(ui, &ctx, commands),
        }
    }
}

/// Whether a filter column names a customer label rather than an attribute.
fn is_label(column: &str) -> bool {
    [
        crate::analysis::RFM_SEGMENT,
        crate::analysis::STATUS,
        crate::analysis::LOYALTY_TIER,
        crate::analysis::NPS_GROUP,
    ]
    .contains(&column)
}

impl eframe::App for KohorteApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.receive();
        self.receive_side();
        self.receive_saving();
        self.handle_dropped_files(&ctx);
        let mut commands = self.handle_shortcuts(&ctx);
        if self.is_busy() {
            // Keep the spinner turning; the worker also wakes us when done.
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
        egui::Panel::top("top_bar").show(ui, |ui| self.top_bar_ui(ui, &mut commands));
        egui::Panel::bottom("status_bar").show(ui, |ui| self.status_bar_ui(ui));
        egui::Panel::left("source_panel")
            .resizable(true)
            .default_size(360.0)
            .min_size(280.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| self.side_panel_ui(ui, &mut commands));
            });
        egui::CentralPanel::default().show(ui, |ui| self.central_ui(ui, &mut commands));
        self.about_ui(&ctx);
        if self.save_prompt_ui(&ctx) {
            let name = self
                .dataset
                .as_ref()
                .and_then(|d| {
                    let name = d.source.display_name();
                    Path::new(&name)
                        .file_stem()
                        .map(|stem| format!("{}.kohorte", stem.to_string_lossy()))
                })
                .unwrap_or_else(|| "analysis.kohorte".into());
            if let Some(path) = dialogs::save_as(&t!("Save analysis"), &name, "kohorte") {
                self.save_analysis_to(path);
            }
        }
        if !commands.is_empty() {
            // Show what the commands changed without waiting for input.
            ctx.request_repaint();
        }
        self.apply(commands);
        set_visible_part(&self.visible, self.persisted.tab.part());
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

/// A name as part of a file name: lower-case letters and digits, the rest `_`.
fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}
