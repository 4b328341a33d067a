//! The Cohorts tab: the cohort table as a heatmap and the retention curves,
//! with granularity, value, breakdown and scale beside them.

use std::sync::Arc;

use eframe::egui::{self, RichText};

use super::app::KohorteApp;
use super::chart_view::{Export, chart_header_ui, chart_ui};
use super::heatmap_view::heatmap_ui;
use crate::analysis::Results;
use crate::analysis::cohort_charts::{CellValue, RETENTION_DEFINITION, heatmap_spec};
use crate::analysis::cohorts::{CohortTable, table_frame};
use crate::analysis::period::Granularity;
use crate::chart::ChartSpec;
use crate::format::group_thousands;

/// The heatmap spec last built, and what it was built from.
pub struct HeatmapCache {
    key: (usize, Option<String>, CellValue),
    spec: Arc<ChartSpec>,
}

pub fn ui(app: &mut KohorteApp, ui: &mut egui::Ui) {
    let Some(results) = app.results.clone() else {
        match app.first_table.clone() {
            Some((table, ms)) => first_table_ui(app, ui, &table, ms),
            None => {
                ui.spinner();
            }
        }
        return;
    };
    controls_ui(app, ui, &results);
    let cohorts = &results.cohorts;
    let group = app
        .persisted
        .view
        .cohort_group
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
        ui.label("No customers with a purchase before the as-of date: widen the date range or clear filters.");
        return;
    }
    ui.label(
        RichText::new(format!(
            "{} cohorts · {} customers · as of {}",
            group_thousands(table.rows.len()),
            group_thousands(table.customers() as usize),
            table.as_of
        ))
        .strong(),
    )
    .on_hover_text(RETENTION_DEFINITION);
    let value = app.persisted.view.cell_value;
    let spec = heatmap(app, &results, table, group.clone(), value);
    let export = chart_header_ui(ui, &spec, Some("The whole cohort table as cohorts.csv"));
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
            match table_frame(table, scope) {
                Ok(frame) => app.export_table_dialog("cohorts", &frame),
                Err(e) => app.error = Some(format!("could not build the table: {e}")),
            }
        }
        Some(Export::Image(format)) => app.export_chart_dialog(&spec, format),
        None => {}
    }
    ui.add_space(8.0);
    let mut curves = cohorts.curves.clone();
    curves.y.log = app.persisted.view.log_scale;
    if let Some(format) = chart_ui(ui, &curves, (ui.available_height() - 40.0).max(220.0)) {
        app.export_chart_dialog(&curves, format);
    }
}

fn heatmap(
    app: &mut KohorteApp,
    results: &Arc<Results>,
    table: &CohortTable,
    group: Option<String>,
    value: CellValue,
) -> Arc<ChartSpec> {
    let key = (Arc::as_ptr(results) as usize, group.clone(), value);
    if let Some(cache) = &app.heatmap_cache
        && cache.key == key
    {
        return cache.spec.clone();
    }
    let scope = group.map(|g| format!(" ({g})")).unwrap_or_default();
    let spec = Arc::new(heatmap_spec(
        table,
        value,
        &scope,
        &app.persisted.settings.filters.describe(),
    ));
    app.heatmap_cache = Some(HeatmapCache {
        key,
        spec: spec.clone(),
    });
    spec
}

/// The table read straight from a file being opened, while the rest of
/// the analysis is computed: the heatmap only, for all customers.
fn first_table_ui(app: &KohorteApp, ui: &mut egui::Ui, table: &CohortTable, ms: u128) {
    ui.horizontal(|ui| {
        ui.spinner();
        ui.label(
            RichText::new(format!(
                "{} cohorts · {} customers · as of {} · read in {:.1} s",
                group_thousands(table.rows.len()),
                group_thousands(table.customers() as usize),
                table.as_of,
                ms as f64 / 1000.0
            ))
            .strong(),
        )
        .on_hover_text(RETENTION_DEFINITION);
    });
    ui.label(
        "First look: the cohort table straight from the file, for all customers. Curves, breakdowns, exports and the other tabs follow when the whole file is read.",
    );
    if table.rows.is_empty() {
        return;
    }
    // The first table is only read without filters: all orders.
    let window = app.persisted.settings.filters.describe();
    let spec = heatmap_spec(table, app.persisted.view.cell_value, "", &window);
    if let Some(heatmap) = &spec.heatmap {
        heatmap_ui(ui, heatmap, (ui.available_height() * 0.8).max(200.0));
    }
    ui.label(RichText::new(&spec.caption).small().weak());
}

fn controls_ui(app: &mut KohorteApp, ui: &mut egui::Ui, results: &Results) {
    let mut changed = false;
    let mut attributes: Vec<String> = crate::analysis::SEGMENT_COLUMNS
        .iter()
        .map(|c| c.to_string())
        .collect();
    if results.loyalty.is_some() {
        attributes.push(crate::analysis::LOYALTY_TIER.to_string());
    }
    if results.nps_groups.is_some() {
        attributes.push(crate::analysis::NPS_GROUP.to_string());
    }
    attributes.extend(
        app.dataset
            .as_ref()
            .map(|d| d.attributes.clone())
            .unwrap_or_default(),
    );
    ui.horizontal_wrapped(|ui| {
        let settings = &mut app.persisted.settings.cohorts;
        ui.label("Cohorts by");
        for g in Granularity::ALL {
            if ui.selectable_label(settings.granularity == g, g.label()).clicked() && settings.granularity != g {
                settings.granularity = g;
                changed = true;
            }
        }
        ui.separator();
        let label = ui.label("Show");
        let view = &mut app.persisted.view;
        egui::ComboBox::from_id_salt("cell_value")
            .selected_text(view.cell_value.label())
            .show_ui(ui, |ui| {
                for v in CellValue::ALL {
                    ui.selectable_value(&mut view.cell_value, v, v.label()).on_hover_text(v.definition());
                }
            })
            .response
            .labelled_by(label.id);
        ui.separator();
        let label = ui.label("Breakdown");
        let current = settings.breakdown.clone();
        egui::ComboBox::from_id_salt("breakdown")
            .selected_text(current.clone().unwrap_or_else(|| "none".into()))
            .show_ui(ui, |ui| {
                if ui.selectable_label(current.is_none(), "none").clicked() && current.is_some() {
                    settings.breakdown = None;
                    changed = true;
                }
                for a in &attributes {
                    if ui.selectable_label(current.as_deref() == Some(a), a).clicked() && current.as_deref() != Some(a) {
                        settings.breakdown = Some(a.clone());
                        changed = true;
                    }
                }
            })
            .response
            .labelled_by(label.id)
            .on_hover_text("Split the curves and the table by an attribute: each customer counts under their value on their first order.");
        if !results.cohorts.groups.is_empty() {
            let label = ui.label("Table for");
            egui::ComboBox::from_id_salt("cohort_group")
                .selected_text(view.cohort_group.clone().unwrap_or_else(|| "all customers".into()))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut view.cohort_group, None, "all customers");
                    for (name, _) in &results.cohorts.groups {
                        ui.selectable_value(&mut view.cohort_group, Some(name.clone()), name);
                    }
                })
                .response
                .labelled_by(label.id);
        }
        ui.separator();
        ui.checkbox(&mut view.log_scale, "Log scale")
            .on_hover_text("Logarithmic y axis for the retention curves: shows the tail of small percentages.");
    });
    if changed {
        app.persisted.view.cohort_group = None;
        app.recompute();
    }
}
