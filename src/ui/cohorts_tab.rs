//! The Cohorts tab: the cohort table as a heatmap and the retention curves,
//! with granularity, value, breakdown and scale beside them.

use rust_i18n::t;
use std::sync::Arc;

use eframe::egui::{self, RichText};
use serde::{Deserialize, Serialize};

use super::chart_view::{Export, chart_header_ui, chart_ui};
use super::context::{Command, TabContext};
use super::heatmap_view::heatmap_ui;
use super::widgets::{controls_row, maybe_stale_ui};
use crate::analysis::Part;
use crate::analysis::cohort_charts::{self, CellValue, heatmap_spec, retention_definition};
use crate::analysis::cohorts::{CohortTable, table_frame};
use crate::analysis::groups::display_name;
use crate::analysis::period::Granularity;
use crate::analysis::results::CohortResults;
use crate::chart::ChartSpec;
use crate::format::{format_number, group_thousands};
use crate::i18n::format_day;

/// How the tab shows the tables; saved with the app.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CohortPrefs {
    pub cell_value: CellValue,
    /// The breakdown group whose cohort table is shown; `None` is everyone.
    pub group: Option<String>,
    pub log_scale: bool,
    /// Retention curves from period 1, the y axis fitted to the data.
    pub from_period_one: bool,
}

/// The heatmap spec last built, and what it was built from: the tables'
/// stamp, the group and the value shown.
struct HeatmapCache {
    key: (u64, Option<String>, CellValue),
    spec: Arc<ChartSpec>,
}

#[derive(Default)]
pub struct CohortsTab {
    heatmap: Option<HeatmapCache>,
}

impl CohortsTab {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        ctx: &TabContext<'_>,
        prefs: &mut CohortPrefs,
        commands: &mut Vec<Command>,
    ) {
        let Some(cohorts) = ctx.results.cohorts.clone() else {
            match ctx.first_table {
                Some((table, ms)) => first_table_ui(ui, table, ms, prefs.cell_value),
                None => {
                    ui.spinner();
                }
            }
            return;
        };
        controls_ui(ui, ctx, &cohorts, prefs, commands);
        maybe_stale_ui(ui, ctx.is_fresh(Part::Cohorts), |ui| {
            self.tables_ui(ui, &cohorts, prefs, commands)
        });
    }

    fn tables_ui(
        &mut self,
        ui: &mut egui::Ui,
        cohorts: &CohortResults,
        prefs: &CohortPrefs,
        commands: &mut Vec<Command>,
    ) {
        let group = prefs
            .group
            .clone()
            .filter(|g| cohorts.groups.iter().any(|(name, _)| name == g));
        let table: &CohortTable = match &group {
            Some(g) => cohorts
                .groups
                .iter()
                .find(|(n, _)| n == g)
                .map_or(&cohorts.overall, |(_, t)| t),
            None => &cohorts.overall,
        };
        if table.rows.is_empty() {
            ui.add_space(30.0);
            ui.label(t!("No customers with a purchase before the as-of date: widen the date range or clear filters."));
            return;
        }
        // The label describes the table drawn below it, not the settings,
        // so that a table still being replaced is never mislabelled.
        ui.label(RichText::new(summary(table, group.as_deref())).strong())
            .on_hover_text(retention_definition());
        let value = prefs.cell_value;
        let spec = self.heatmap(cohorts, table, group.clone(), value);
        let export = chart_header_ui(
            ui,
            &spec,
            Some(&t!("The whole cohort table as cohorts.csv")),
        );
        if let Some(heatmap) = &spec.heatmap {
            heatmap_ui(ui, heatmap, (ui.available_height() * 0.5).max(200.0));
        }
        ui.label(RichText::new(&spec.caption).small().weak());
        match export {
            Some(Export::Csv) => {
                let scope = group
                    .as_deref()
                    .zip(cohorts.breakdown.as_deref())
                    .map(|(g, b)| (b, g));
                commands.push(Command::export_table("cohorts", table_frame(table, scope)));
            }
            Some(Export::Image(format)) => commands.push(Command::export_chart(&spec, format)),
            None => {}
        }
        ui.add_space(8.0);
        let curves =
            cohort_charts::curves_as_shown(&cohorts.curves, prefs.log_scale, prefs.from_period_one);
        if let Some(format) = chart_ui(ui, &curves, (ui.available_height() - 40.0).max(220.0)) {
            commands.push(Command::export_chart(&curves, format));
        }
    }

    fn heatmap(
        &mut self,
        cohorts: &CohortResults,
        table: &CohortTable,
        group: Option<String>,
        value: CellValue,
    ) -> Arc<ChartSpec> {
        let key = (cohorts.stamp, group.clone(), value);
        if let Some(cache) = &self.heatmap
            && cache.key == key
        {
            return cache.spec.clone();
        }
        let scope = group.map(|g| format!(" ({g})")).unwrap_or_default();
        let spec = Arc::new(heatmap_spec(table, value, &scope, &cohorts.window));
        self.heatmap = Some(HeatmapCache {
            key,
            spec: spec.clone(),
        });
        spec
    }
}

/// "27 cohorts · 14,000 customers · as of 2026-01-01 · by month", from the
/// table itself.
fn summary(table: &CohortTable, group: Option<&str>) -> String {
    let mut text: String = t!(
        "%{cohorts} cohorts · %{customers} customers · as of %{as_of} · by %{period}",
        cohorts = group_thousands(table.rows.len()),
        customers = group_thousands(table.customers() as usize),
        as_of = format_day(table.as_of),
        period = table.granularity.noun()
    )
    .into();
    if let Some(group) = group {
        text.push_str(&format!(" · {group}"));
    }
    text
}

/// The table read straight from a file being opened, while the rest of
/// the analysis is computed: the heatmap only, for all customers.
fn first_table_ui(ui: &mut egui::Ui, table: &CohortTable, ms: u128, value: CellValue) {
    ui.horizontal(|ui| {
        ui.spinner();
        ui.label(
            RichText::new(t!(
                "%{summary} · read in %{seconds} s",
                summary = summary(table, None),
                seconds = format_number(ms as f64 / 1000.0, 1)
            ))
            .strong(),
        )
        .on_hover_text(retention_definition());
    });
    ui.label(
        t!("First look: the cohort table straight from the file, for all customers. Curves, breakdowns, exports and the other tabs follow when the whole file is read."),
    );
    if table.rows.is_empty() {
        return;
    }
    // The first table is only read without filters: all orders.
    let spec = heatmap_spec(
        table,
        value,
        "",
        &crate::analysis::Filters::default().describe(),
    );
    if let Some(heatmap) = &spec.heatmap {
        heatmap_ui(ui, heatmap, (ui.available_height() * 0.8).max(200.0));
    }
    ui.label(RichText::new(&spec.caption).small().weak());
}

fn controls_ui(
    ui: &mut egui::Ui,
    ctx: &TabContext<'_>,
    cohorts: &CohortResults,
    prefs: &mut CohortPrefs,
    commands: &mut Vec<Command>,
) {
    let mut changed = false;
    let mut all = ctx.settings.clone();
    let columns = ctx.groupable_columns();
    controls_row(ui, |ui| {
        let settings = &mut all.cohorts;
        ui.label(t!("Cohorts by"));
        for g in Granularity::ALL {
            if ui
                .selectable_label(settings.granularity == g, g.label())
                .clicked()
                && settings.granularity != g
            {
                settings.granularity = g;
                changed = true;
            }
        }
        ui.separator();
        let label = ui.label(t!("Show"));
        egui::ComboBox::from_id_salt("cell_value")
            .selected_text(prefs.cell_value.label())
            .show_ui(ui, |ui| {
                for v in CellValue::ALL {
                    ui.selectable_value(&mut prefs.cell_value, v, v.label())
                        .on_hover_text(v.definition());
                }
            })
            .response
            .labelled_by(label.id);
        ui.separator();
        let label = ui.label(t!("Breakdown"));
        let current = settings.breakdown.clone();
        egui::ComboBox::from_id_salt("breakdown")
            .selected_text(current.as_deref().map_or_else(|| t!("none"), display_name))
            .show_ui(ui, |ui| {
                if ui.selectable_label(current.is_none(), t!("none")).clicked() && current.is_some() {
                    settings.breakdown = None;
                    changed = true;
                }
                for a in &columns {
                    if ui.selectable_label(current.as_deref() == Some(a), display_name(a)).clicked() && current.as_deref() != Some(a) {
                        settings.breakdown = Some(a.clone());
                        changed = true;
                    }
                }
            })
            .response
            .labelled_by(label.id)
            .on_hover_text(t!("Split the curves and the table by an attribute: each customer counts under their value on their first order."));
        if !cohorts.groups.is_empty() {
            let label = ui.label(t!("Table for"));
            egui::ComboBox::from_id_salt("cohort_group")
                .selected_text(
                    prefs
                        .group
                        .clone()
                        .unwrap_or_else(|| t!("all customers").into()),
                )
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut prefs.group, None, t!("all customers"));
                    for (name, _) in cohorts.groups.iter() {
                        ui.selectable_value(&mut prefs.group, Some(name.clone()), name);
                    }
                })
                .response
                .labelled_by(label.id);
        }
        ui.separator();
        ui.checkbox(&mut prefs.log_scale, t!("Log scale"))
            .on_hover_text(t!(
                "Logarithmic y axis for the retention curves: shows the tail of small percentages."
            ));
        ui.checkbox(&mut prefs.from_period_one, t!("From period 1"))
            .on_hover_text(t!("Leave out period 0 (100 % by definition) and fit the y axis to the curves, so the differences between cohorts fill the chart."));
    });
    if changed {
        prefs.group = None;
        commands.push(Command::Apply(Box::new(all)));
    }
}
