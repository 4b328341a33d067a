//! The window's side of saved analyses and the deck: saving what is on
//! screen, opening it again (finding a moved data file, saying what changed
//! in a new export) and writing the deck, each heavy step in the
//! background.

use crate::i18n::format_day;
use rust_i18n::t;
use std::path::{Path, PathBuf};

use eframe::egui::{self, RichText};

use super::{KohorteApp, Tabs, path_key};
use crate::analysis::Settings;
use crate::data::Source;
use crate::deck::{ShownAs, deck_of};
use crate::saved::{
    AnalysisParts, Change, DataSummary, FileRef, SavedAnalysis, fingerprint, what_changed,
};
use crate::ui::background::Background;
use crate::ui::{clv_tab, overview_tab, source_panel, theme};

/// A saved analysis that was opened: where, what it recorded, and whether
/// its data file is still the same (`None` while that is being checked).
pub struct OpenedAnalysis {
    pub path: PathBuf,
    pub saved: SavedAnalysis,
    pub data_changed: Option<bool>,
    /// The user closed the "what changed" panel.
    pub dismissed: bool,
}

/// The jobs of this module under way.
#[derive(Default)]
pub struct SavingJobs {
    pub deck: Option<Background<Result<Vec<PathBuf>, String>>>,
    pub save: Option<Background<Result<PathBuf, String>>>,
    pub check: Option<Background<std::io::Result<(u64, String)>>>,
    /// The analysis whose data file could not be found, until the user
    /// says where it is.
    pub missing_data: Option<(PathBuf, SavedAnalysis)>,
    pub asking_to_save: bool,
}

impl KohorteApp {
    /// Opens a saved analysis: its settings, view and tab, then its data.
    pub fn open_analysis(&mut self, path: &Path) {
        match SavedAnalysis::read(path) {
            Ok(saved) => match saved.data_path(path) {
                Ok(data) => self.restore(path, saved, data),
                Err(message) => {
                    self.error = Some(
                        t!(
                            "%{message}: choose File → Locate data file…",
                            message = message
                        )
                        .into(),
                    );
                    self.saving.missing_data = Some((path.to_path_buf(), saved));
                }
            },
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    /// Opens the analysis waiting for its data with the data file at `data`.
    pub fn locate_data(&mut self, data: PathBuf) {
        if let Some((path, saved)) = self.saving.missing_data.take() {
            self.restore(&path, saved, Some(data));
        }
    }

    fn restore(&mut self, path: &Path, saved: SavedAnalysis, data: Option<PathBuf>) {
        let settings: Settings = saved.settings.clone();
        self.tabs = Tabs {
            source: source_panel::SourcePanel::new(&settings),
            overview: overview_tab::OverviewTab::new(&settings.kpis),
            clv: clv_tab::ClvTab::new(&settings.clv),
            ..Tabs::default()
        };
        if let Some(programme) = &settings.loyalty {
            self.tabs.loyalty.show_programme(programme);
        }
        self.persisted.settings = settings;
        self.persisted.side = saved.side.clone();
        if let Some(view) = saved.window.get("view") {
            self.persisted.view = serde_json::from_value(view.clone()).unwrap_or_default();
        }
        if let Some(tab) = saved.window.get("tab") {
            self.persisted.tab = serde_json::from_value(tab.clone()).unwrap_or_default();
        }
        let mut missing = Vec::new();
        let mut side = |reference: &Option<FileRef>, what: &str| {
            let reference = reference.as_ref()?;
            let found = reference.locate(path);
            if found.is_none() {
                missing.push(format!("{what} '{}'", reference.absolute.display()));
            }
            found.map(Source::File)
        };
        let side_sources = (
            side(&saved.events, &t!("the event log")),
            side(&saved.survey, &t!("the survey")),
        );
        let source = match &data {
            Some(data) => {
                self.persisted
                    .import_options
                    .insert(path_key(data), saved.import.clone());
                Source::File(data.clone())
            }
            None => Source::Demo,
        };
        self.side_sources = side_sources;
        self.side = None;
        self.resubmit_side();
        self.open_data(source);
        if !missing.is_empty() {
            self.notice =
                Some(t!("Not found, left out: %{files}", files = missing.join(", ")).into());
        }
        self.saving.check = data.map(|data| {
            Background::spawn(&t!("Checking the data file"), &self.ctx, move || {
                fingerprint(&data)
            })
        });
        let demo = saved.data.file.is_none();
        self.analysis = Some(OpenedAnalysis {
            path: path.to_path_buf(),
            saved,
            data_changed: demo.then_some(false),
            dismissed: false,
        });
        super::remember_recent(&mut self.persisted.recent_files, path);
    }

    /// Writes the analysis on screen to `path` (the data file is hashed in
    /// the background; the notice says when it is saved).
    pub fn save_analysis_to(&mut self, path: PathBuf) {
        let Some(dataset) = self.dataset.clone() else {
            self.error = Some(t!("Open a data file before saving an analysis").into());
            return;
        };
        let as_of = self
            .results
            .as_of
            .or_else(|| dataset.default_as_of())
            .unwrap_or_else(|| chrono::Local::now().date_naive());
        let overview = self
            .results
            .overview
            .as_ref()
            .and_then(|o| o.overview.as_ref());
        let summary = DataSummary::of(&dataset, as_of, overview);
        let data = file_of(Some(&dataset.source));
        let import = data
            .and_then(|d| self.persisted.import_options.get(&path_key(d)).cloned())
            .unwrap_or_default();
        let parts = AnalysisParts {
            data,
            summary,
            import,
            settings: self.persisted.settings.clone(),
            side: self.persisted.side.clone(),
            events: file_of(self.side_sources.0.as_ref()),
            survey: file_of(self.side_sources.1.as_ref()),
            window: serde_json::json!({
                "view": self.persisted.view,
                "tab": self.persisted.tab,
            }),
        };
        let saved = SavedAnalysis::new(&path, parts);
        self.saving.save = Some(Background::spawn(
            &t!("Saving the analysis"),
            &self.ctx,
            move || saved.save(&path).map(|()| path),
        ));
    }

    /// Writes the deck of every chart computed so far into `dir`.
    pub fn export_deck_to(&mut self, dir: PathBuf) {
        let source = self
            .dataset
            .as_ref()
            .map(|d| d.source.display_name())
            .unwrap_or_default();
        let prefs = &self.persisted.view;
        let shown = ShownAs {
            curves_log_scale: prefs.cohorts.log_scale,
            curves_from_period_one: prefs.cohorts.from_period_one,
            members: prefs.loyalty.members,
        };
        let Some(deck) = deck_of(&source, &self.results, self.side.as_deref(), shown) else {
            self.error = Some(t!("Nothing to put in a deck yet: open a file first").into());
            return;
        };
        self.saving.deck = Some(Background::spawn(
            &t!("Writing the deck"),
            &self.ctx,
            move || deck.write(&dir).map_err(|e| e.to_string()),
        ));
    }

    /// What the background jobs of this module are doing, if anything.
    pub fn saving_busy(&self) -> Option<&str> {
        let jobs = &self.saving;
        jobs.deck
            .as_ref()
            .map(|j| j.what.as_str())
            .or_else(|| jobs.save.as_ref().map(|j| j.what.as_str()))
            .or_else(|| jobs.check.as_ref().map(|j| j.what.as_str()))
    }

    /// Picks up the answers of the background jobs.
    pub(super) fn receive_saving(&mut self) {
        let died = t!("the job stopped unexpectedly; please try again");
        if let Some(answer) = self.saving.deck.as_ref().and_then(Background::poll) {
            self.saving.deck = None;
            match answer {
                Ok(Ok(files)) => {
                    let shown: Vec<String> =
                        files.iter().map(|f| f.display().to_string()).collect();
                    self.notice = Some(t!("Wrote %{files}", files = shown.join(", ")).into());
                }
                Ok(Err(message)) => self.error = Some(message),
                Err(()) => self.error = Some(t!("Writing the deck: %{error}", error = died).into()),
            }
        }
        if let Some(answer) = self.saving.save.as_ref().and_then(Background::poll) {
            self.saving.save = None;
            match answer {
                Ok(Ok(path)) => {
                    self.notice = Some(
                        t!(
                            "Saved the analysis to %{file} (settings only, no customer data)",
                            file = path.display()
                        )
                        .into(),
                    );
                    super::remember_recent(&mut self.persisted.recent_files, &path);
                }
                Ok(Err(message)) => self.error = Some(message),
                Err(()) => {
                    self.error = Some(t!("Saving the analysis: %{error}", error = died).into())
                }
            }
        }
        if let Some(answer) = self.saving.check.as_ref().and_then(Background::poll) {
            self.saving.check = None;
            if let Some(analysis) = &mut self.analysis {
                analysis.data_changed = Some(match answer {
                    Ok(Ok((_, sha256))) => sha256 != analysis.saved.data.sha256,
                    // Unreadable now: opening it says why.
                    _ => true,
                });
            }
        }
    }

    /// The figures that changed since the analysis was saved, once the
    /// data file is known to differ and its KPIs are computed.
    pub fn what_changed(&self) -> Option<Vec<Change>> {
        let analysis = self.analysis.as_ref()?;
        if analysis.data_changed != Some(true) {
            return None;
        }
        let dataset = self.dataset.as_ref()?;
        let overview = self.results.overview.as_ref()?;
        let as_of = self.results.as_of?;
        let now = DataSummary::of(dataset, as_of, overview.overview.as_ref());
        Some(what_changed(&analysis.saved.data.summary, &now))
    }

    /// The "what changed" panel over the tabs.
    pub(super) fn what_changed_ui(&mut self, ui: &mut egui::Ui) {
        if self.analysis.as_ref().is_none_or(|a| a.dismissed) {
            return;
        }
        let Some(changes) = self.what_changed() else {
            return;
        };
        let (name, as_of) = self
            .analysis
            .as_ref()
            .map(|a| {
                let name = a
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                (name, a.saved.data.summary.as_of)
            })
            .unwrap_or_default();
        let unchanged = changes.iter().filter(|c| !c.differs()).count();
        let mut dismiss = false;
        egui::Frame::new()
            .fill(theme::NOTICE_FILL)
            .inner_margin(8.0)
            .corner_radius(4.0)
            .show(ui, |ui| {
                ui.label(
                    RichText::new(t!(
                        "The data file changed since %{name} was saved: the analysis is shown with its saved settings on the new data.",
                        name = name
                    ))
                    .strong(),
                );
                ui.label(t!("Late orders change history too: figures of past periods can move, not only the newest."));
                egui::Grid::new("what_changed")
                    .striped(true)
                    .num_columns(3)
                    .show(ui, |ui| {
                        ui.strong(t!("What changed"));
                        ui.strong(t!("When saved"));
                        ui.strong(t!("Now"));
                        ui.end_row();
                        let mut kpis_started = false;
                        for change in changes.iter().filter(|c| c.differs()) {
                            if change.kpi && !kpis_started {
                                kpis_started = true;
                                let title = match as_of {
                                    Some(day) => t!("Overview KPIs as of %{day}", day = format_day(day)),
                                    None => t!("Overview KPIs"),
                                };
                                ui.label(RichText::new(title).italics());
                                ui.end_row();
                            }
                            ui.label(&change.what);
                            ui.label(&change.then);
                            ui.label(RichText::new(&change.now).strong());
                            ui.end_row();
                        }
                    });
                ui.horizontal(|ui| {
                    if unchanged > 0 {
                        ui.label(
                            RichText::new(if unchanged == 1 {
                                t!("Unchanged: 1 other figure.")
                            } else {
                                t!(
                                    "Unchanged: %{n} other figures.",
                                    n = crate::format::group_thousands(unchanged)
                                )
                            })
                            .weak(),
                        );
                    }
                    if ui.button(t!("Close")).clicked() {
                        dismiss = true;
                    }
                });
            });
        ui.add_space(6.0);
        if dismiss && let Some(analysis) = &mut self.analysis {
            analysis.dismissed = true;
        }
    }

    /// Says what a saved analysis holds before asking where to save it.
    pub(super) fn save_prompt_ui(&mut self, ctx: &egui::Context) -> bool {
        if !self.saving.asking_to_save {
            return false;
        }
        let mut choose = false;
        let mut open = true;
        egui::Window::new(t!("Save analysis"))
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .default_width(420.0)
            .show(ctx, |ui| {
                ui.label(t!("Saves every setting of this analysis (filters, as-of date, cohorts, segments, CLV, loyalty programme, engagement weights, the open tab) and where the data file is, with its fingerprint."));
                ui.label(RichText::new(t!("It holds no customer data: you can share it without personal data. Whoever opens it needs the data file too.")).strong());
                ui.label(t!("Open it next month on the new export: Kohorte shows the same view and what changed."));
                if ui.button(t!("Choose where to save…")).clicked() {
                    choose = true;
                }
            });
        if choose || !open {
            self.saving.asking_to_save = false;
        }
        choose
    }
}

/// The file a source reads; `None` for the built-in demo files.
fn file_of(source: Option<&Source>) -> Option<&Path> {
    match source {
        Some(Source::File(file)) => Some(file),
        _ => None,
    }
}
