//! The Segments tab: the RFM grid, the segment table with customer-list
//! exports and a filter button per segment, the lifecycle chart, and a
//! side-by-side comparison of chosen segments.

use eframe::egui::{self, RichText};

use super::app::KohorteApp;
use super::chart_view::{Export, chart_header_ui, chart_ui};
use super::heatmap_view::heatmap_ui;
use crate::analysis::period::Granularity;
use crate::analysis::segment_charts::{LIFECYCLE_DEFINITION, RFM_RULE};
use crate::analysis::segments::{
    CustomerRow, SegmentGrid, SegmentSummary, StatusRule, customer_list, summary_frame,
};
use crate::analysis::{RFM_SEGMENT, Results, STATUS};
use crate::chart::Unit;
use crate::chart::spec::ChartSpec;
use crate::format::{format_number, group_thousands};

/// What the segment table groups customers by.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SegmentView {
    #[default]
    Rfm,
    Status,
    Attribute,
}

pub fn ui(app: &mut KohorteApp, ui: &mut egui::Ui) {
    let Some(results) = app.results.clone() else {
        ui.spinner();
        return;
    };
    let segments = &results.segments;
    controls_ui(app, ui, &results);
    if segments.customers.rows.is_empty() {
        ui.label("No customers with a purchase before the as-of date in view: clear filters.");
        return;
    }
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.label(
            RichText::new(format!(
                "{} customers as of {} · typical time between orders G = {} days",
                group_thousands(segments.customers.rows.len()),
                segments.customers.as_of,
                format_number(segments.customers.typical_gap_days, 0)
            ))
            .strong(),
        )
        .on_hover_text(format!(
            "{RFM_RULE}\n\nStatus: {}",
            app.persisted.settings.segments.status_rule.explanation()
        ));
        ui.columns(2, |columns| {
            let grid = &segments.rfm_grid;
            if let Some(Export::Image(format)) = chart_header_ui(&mut columns[0], grid, None) {
                app.export_chart_dialog(grid, format);
            }
            if let Some(heatmap) = &grid.heatmap {
                heatmap_ui(&mut columns[0], heatmap, 160.0);
            }
            columns[0].label(RichText::new(RFM_RULE).small().weak());
            let sizes = match app.persisted.view.segment_view {
                SegmentView::Attribute => segments
                    .attribute_sizes
                    .as_ref()
                    .unwrap_or(&segments.rfm_sizes),
                _ => &segments.rfm_sizes,
            };
            if let Some(format) = chart_ui(&mut columns[1], sizes, 200.0) {
                app.export_chart_dialog(sizes, format);
            }
        });
        ui.add_space(8.0);
        table_ui(app, ui, &results);
        ui.add_space(4.0);
        grid_editor_ui(app, ui);
        ui.add_space(8.0);
        let lifecycle = &segments.lifecycle_chart;
        if let Some(format) = chart_ui(ui, lifecycle, 240.0) {
            app.export_chart_dialog(lifecycle, format);
        }
        ui.label(RichText::new(LIFECYCLE_DEFINITION).small().weak());
        ui.add_space(8.0);
        compare_ui(app, ui, &results);
    });
}

fn controls_ui(app: &mut KohorteApp, ui: &mut egui::Ui, results: &Results) {
    let attributes = app
        .dataset
        .as_ref()
        .map(|d| d.attributes.clone())
        .unwrap_or_default();
    let mut changed = false;
    ui.horizontal_wrapped(|ui| {
        let view = &mut app.persisted.view;
        ui.label("Segments by");
        ui.selectable_value(&mut view.segment_view, SegmentView::Rfm, "RFM segment");
        let status_rule = app.persisted.settings.segments.status_rule;
        ui.selectable_value(&mut view.segment_view, SegmentView::Status, "Status")
            .on_hover_text(status_rule.explanation());
        if ui
            .selectable_label(view.segment_view == SegmentView::Attribute, "Attribute")
            .clicked()
        {
            view.segment_view = SegmentView::Attribute;
        }
        let settings = &mut app.persisted.settings.segments;
        if view.segment_view == SegmentView::Attribute {
            let label = ui.label("Column");
            let current = settings.attribute.clone();
            egui::ComboBox::from_id_salt("segment_attribute")
                .selected_text(current.clone().unwrap_or_else(|| "choose…".into()))
                .show_ui(ui, |ui| {
                    for a in &attributes {
                        if ui
                            .selectable_label(current.as_deref() == Some(a), a)
                            .clicked()
                            && current.as_deref() != Some(a)
                        {
                            settings.attribute = Some(a.clone());
                            changed = true;
                        }
                    }
                })
                .response
                .labelled_by(label.id);
        }
        ui.separator();
        let label = ui.label("Status rule");
        egui::ComboBox::from_id_salt("status_rule")
            .selected_text(settings.status_rule.label())
            .show_ui(ui, |ui| {
                for rule in [StatusRule::RecencyGap, StatusRule::PAlive] {
                    if ui
                        .selectable_label(settings.status_rule == rule, rule.label())
                        .on_hover_text(rule.explanation())
                        .clicked()
                        && settings.status_rule != rule
                    {
                        settings.status_rule = rule;
                        changed = true;
                    }
                }
            })
            .response
            .labelled_by(label.id);
        ui.separator();
        let label = ui.label("Lifecycle per");
        egui::ComboBox::from_id_salt("lifecycle_period")
            .selected_text(settings.lifecycle_period.label())
            .show_ui(ui, |ui| {
                for g in Granularity::ALL {
                    if ui
                        .selectable_label(settings.lifecycle_period == g, g.label())
                        .clicked()
                        && settings.lifecycle_period != g
                    {
                        settings.lifecycle_period = g;
                        changed = true;
                    }
                }
            })
            .response
            .labelled_by(label.id);
        if results.segments.attribute_table.is_none()
            && app.persisted.view.segment_view == SegmentView::Attribute
        {
            ui.label(RichText::new("Choose an attribute column").weak());
        }
    });
    if changed {
        app.recompute();
    }
}

/// The rows and the column a segment filter would use, for the current view.
fn current_table<'a>(
    app: &KohorteApp,
    results: &'a Results,
) -> Option<(&'a [SegmentSummary], String)> {
    let segments = &results.segments;
    match app.persisted.view.segment_view {
        SegmentView::Rfm => Some((&segments.rfm_table, RFM_SEGMENT.to_string())),
        SegmentView::Status => Some((&segments.status_table, STATUS.to_string())),
        SegmentView::Attribute => segments
            .attribute_table
            .as_ref()
            .map(|(c, t)| (t.as_slice(), c.clone())),
    }
}

fn members<'a>(
    app: &KohorteApp,
    results: &'a Results,
    column: &str,
    segment: &str,
) -> Vec<&'a CustomerRow> {
    let segments = &results.segments;
    let rows = segments.customers.rows.iter();
    match app.persisted.view.segment_view {
        SegmentView::Rfm => rows.filter(|r| r.rfm_segment == segment).collect(),
        SegmentView::Status => rows.filter(|r| r.status.label() == segment).collect(),
        SegmentView::Attribute => {
            let Ok(values) = segments
                .first_attributes
                .column(column)
                .and_then(|c| c.cast(&polars::prelude::DataType::String))
            else {
                return Vec::new();
            };
            let Ok(ids) = segments
                .first_attributes
                .column(crate::data::CUSTOMER_ID)
                .and_then(|c| c.str().cloned())
            else {
                return Vec::new();
            };
            let Ok(values) = values.str() else {
                return Vec::new();
            };
            let wanted: std::collections::HashSet<&str> = ids
                .iter()
                .zip(values.iter())
                .filter(|(_, v)| v.unwrap_or("(empty)") == segment)
                .filter_map(|(id, _)| id)
                .collect();
            rows.filter(|r| wanted.contains(r.customer_id.as_str()))
                .collect()
        }
    }
}

enum Action {
    Export(String, bool),
    ExportTable,
    Focus(String),
}

fn table_ui(app: &mut KohorteApp, ui: &mut egui::Ui, results: &Results) {
    let Some((table, column)) = current_table(app, results) else {
        return;
    };
    let mut action = None;
    ui.horizontal(|ui| {
        ui.heading("Segments");
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .button("Export CSV")
                .on_hover_text("The segment table as CSV")
                .clicked()
            {
                action = Some(Action::ExportTable);
            }
        });
    });
    egui::Grid::new("segment_table")
        .striped(true)
        .num_columns(11)
        .show(ui, |ui| {
            for title in [
                "Segment",
                "Customers",
                "Share",
                "Revenue",
                "Share of revenue",
                "Avg recency (days)",
                "Avg orders",
                "Avg revenue",
                "Repeat rate",
                "Customer list",
                "",
            ] {
                ui.label(RichText::new(title).strong());
            }
            ui.end_row();
            for s in table {
                ui.label(&s.segment);
                ui.label(group_thousands(s.customers as usize));
                ui.label(Unit::Percent.format(s.share));
                ui.label(format_number(s.revenue, 2));
                ui.label(Unit::Percent.format(s.share_of_revenue));
                ui.label(format_number(s.average_recency_days, 0));
                ui.label(format_number(s.average_frequency, 2));
                ui.label(format_number(s.average_monetary, 2));
                ui.label(Unit::Percent.format(s.repeat_rate));
                ui.horizontal(|ui| {
                    if ui
                        .small_button("CSV")
                        .on_hover_text(format!(
                            "Export the {} customers of {} as CSV",
                            s.customers, s.segment
                        ))
                        .clicked()
                    {
                        action = Some(Action::Export(s.segment.clone(), false));
                    }
                    if ui
                        .small_button("Excel")
                        .on_hover_text("Export as an Excel workbook (.xlsx)")
                        .clicked()
                    {
                        action = Some(Action::Export(s.segment.clone(), true));
                    }
                });
                if ui
                    .small_button("Filter to this")
                    .on_hover_text(format!(
                        "Show only {} in every tab (a global filter on {column})",
                        s.segment
                    ))
                    .clicked()
                {
                    action = Some(Action::Focus(s.segment.clone()));
                }
                ui.end_row();
            }
        });
    match action {
        Some(Action::Export(segment, excel)) => {
            let rows = members(app, results, &column, &segment);
            match customer_list(&rows, &results.segments.first_attributes) {
                Ok(list) => app.export_customer_list_dialog(&segment, &list, excel),
                Err(e) => app.error = Some(format!("could not build the customer list: {e}")),
            }
        }
        Some(Action::Focus(segment)) => app.filter_to(&column, &segment),
        Some(Action::ExportTable) => match summary_frame(&column, table) {
            Ok(frame) => app.export_table_dialog("segments", &frame),
            Err(e) => app.error = Some(format!("could not build the table: {e}")),
        },
        None => {}
    }
}

/// The segment names of the R × F grid, one field per cell; renaming a cell
/// moves its customers to the named segment.
fn grid_editor_ui(app: &mut KohorteApp, ui: &mut egui::Ui) {
    let mut changed = false;
    egui::CollapsingHeader::new("Edit segment names and grid").show(ui, |ui| {
        ui.label(
            RichText::new(
                "Each cell names the segment of the customers with that recency (row) and frequency (column) score. Cells with the same name form one segment. Press Enter to apply.",
            )
            .weak(),
        );
        let grid = &mut app.persisted.settings.segments.grid;
        egui::Grid::new("segment_grid_editor").num_columns(6).show(ui, |ui| {
            ui.label("");
            for f in 1..=5 {
                ui.label(RichText::new(format!("F {f}")).strong());
            }
            ui.end_row();
            for r in (1..=5usize).rev() {
                let label = ui.label(RichText::new(format!("R {r}")).strong());
                for f in 1..=5usize {
                    let response = ui
                        .add(egui::TextEdit::singleline(&mut grid.names[r - 1][f - 1]).desired_width(120.0))
                        .labelled_by(label.id)
                        .on_hover_text(format!("R {r}, F {f}"));
                    changed |= response.lost_focus();
                }
                ui.end_row();
            }
        });
        if ui.button("Reset to the standard grid").clicked() {
            *grid = SegmentGrid::default();
            changed = true;
        }
    });
    if changed {
        app.recompute();
    }
}

fn compare_ui(app: &mut KohorteApp, ui: &mut egui::Ui, results: &Results) {
    let segments = &results.segments;
    ui.heading("Compare RFM segments");
    ui.label(
        RichText::new(
            "Tick two or more segments to see their retention curves and KPIs side by side.",
        )
        .weak(),
    );
    ui.horizontal_wrapped(|ui| {
        for s in &segments.rfm_table {
            let mut on = app.persisted.view.compared.contains(&s.segment);
            if ui.checkbox(&mut on, &s.segment).changed() {
                if on {
                    app.persisted.view.compared.push(s.segment.clone());
                } else {
                    app.persisted.view.compared.retain(|c| c != &s.segment);
                }
            }
        }
    });
    let chosen = app.persisted.view.compared.clone();
    if chosen.len() < 2 {
        return;
    }
    let mut curves: ChartSpec = segments.segment_curves.clone();
    curves.title = "Retention curves of the chosen segments".into();
    curves.series.retain(|s| {
        chosen.iter().any(|c| s.name.starts_with(&format!("{c} ("))) || s.name == "Weighted average"
    });
    if let Some(format) = chart_ui(ui, &curves, 240.0) {
        app.export_chart_dialog(&curves, format);
    }
    let Some(overview) = &results.overview else {
        return;
    };
    let compared: Vec<(String, crate::analysis::kpis::PeriodKpis)> = segments
        .segment_kpis
        .iter()
        .filter(|(n, _)| chosen.contains(n))
        .cloned()
        .collect();
    ui.horizontal(|ui| {
        ui.label(RichText::new(format!("KPIs for {}", overview.current.window.label())).strong());
        if ui
            .small_button("Export CSV")
            .on_hover_text("This comparison as CSV")
            .clicked()
        {
            match crate::analysis::kpis::compared_frame(&compared) {
                Ok(frame) => app.export_table_dialog("segment_kpis", &frame),
                Err(e) => app.error = Some(format!("could not build the table: {e}")),
            }
        }
    });
    egui::Grid::new("segment_kpis")
        .striped(true)
        .show(ui, |ui| {
            for title in [
                "Segment",
                "CS",
                "CE",
                "New",
                "Retention rate",
                "Churn rate",
                "Repeat rate",
                "Revenue",
                "APV",
                "ARPU",
            ] {
                ui.label(RichText::new(title).strong());
            }
            ui.end_row();
            for (name, k) in segments
                .segment_kpis
                .iter()
                .filter(|(n, _)| chosen.contains(n))
            {
                let rate = |v: Option<f64>| v.map_or("–".into(), |v| Unit::Percent.format(v));
                let money = |v: Option<f64>| v.map_or("–".into(), |v| format_number(v, 2));
                ui.label(name);
                ui.label(group_thousands(k.customers_at_start as usize));
                ui.label(group_thousands(k.customers_at_end as usize));
                ui.label(group_thousands(k.new_customers as usize));
                ui.label(rate(k.product_retention_rate));
                ui.label(rate(k.churn_rate));
                ui.label(rate(k.repeat_purchase_rate));
                ui.label(format_number(k.revenue, 2));
                ui.label(money(k.average_order_value));
                ui.label(money(k.arpu));
                ui.end_row();
            }
        });
}
