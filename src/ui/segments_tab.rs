//! The Segments tab: the RFM grid, the segment table with customer-list
//! exports and a filter button per segment, the lifecycle chart, and a
//! side-by-side comparison of chosen segments.

use crate::analysis::groups::display_name;
use crate::i18n::format_day;
use eframe::egui::{self, RichText};
use rust_i18n::t;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

use super::chart_view::{Export, chart_header_ui, chart_ui};
use super::context::{Command, TabContext};
use super::heatmap_view::heatmap_ui;
use super::theme;
use super::widgets::{Draft, controls_row, maybe_stale_ui, settled};
use crate::analysis::period::Granularity;
use crate::analysis::results::SegmentResults;
use crate::analysis::rfm_scoring::{RfmBreakpoints, RfmScoring};
use crate::analysis::segments::{
    CustomerRow, SegmentGrid, SegmentSummary, StatusRule, customer_list, summary_frame,
};
use crate::analysis::{Part, RFM_SEGMENT, STATUS, Settings};
use crate::chart::Unit;
use crate::chart::spec::ChartSpec;
use crate::format::{format_number, group_thousands};

/// What the segment table groups customers by.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SegmentView {
    #[default]
    Rfm,
    Status,
    Attribute,
}

/// How the tab shows the segments; saved with the app.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SegmentPrefs {
    pub view: SegmentView,
    /// RFM segments ticked for the side-by-side comparison.
    pub compared: Vec<String>,
}

/// The grid's names and the score breakpoints while the user types them.
#[derive(Default)]
pub struct SegmentsTab {
    grid: Draft<SegmentGrid>,
    breakpoints: Draft<RfmBreakpoints>,
}

impl SegmentsTab {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        ctx: &TabContext<'_>,
        prefs: &mut SegmentPrefs,
        commands: &mut Vec<Command>,
    ) {
        let Some(results) = ctx.results.segments.clone() else {
            ui.spinner();
            return;
        };
        controls_ui(ui, ctx, &results, prefs, commands);
        if results.customers().rows.is_empty() {
            ui.label(t!(
                "No customers with a purchase before the as-of date in view: clear filters."
            ));
            return;
        }
        egui::ScrollArea::vertical().show(ui, |ui| {
            maybe_stale_ui(ui, ctx.is_fresh(Part::Segments), |ui| {
                segments_ui(ui, ctx, &results, prefs, commands)
            });
            // The scoring and the names right under the grid they make.
            self.scoring_ui(ui, ctx.settings, &results, commands);
            self.grid_editor_ui(ui, ctx.settings, commands);
            ui.add_space(8.0);
            maybe_stale_ui(ui, ctx.is_fresh(Part::Segments), |ui| {
                table_ui(ui, &results, prefs, commands)
            });
            ui.add_space(8.0);
            maybe_stale_ui(ui, ctx.is_fresh(Part::Segments), |ui| {
                lifecycle_and_comparison_ui(ui, &results, prefs, commands)
            });
        });
    }
}

fn segments_ui(
    ui: &mut egui::Ui,
    ctx: &TabContext<'_>,
    results: &SegmentResults,
    prefs: &SegmentPrefs,
    commands: &mut Vec<Command>,
) {
    let customers = results.customers();
    ui.label(
        RichText::new(t!(
            "%{customers} customers as of %{as_of} · typical time between orders G = %{days} days",
            customers = group_thousands(customers.rows.len()),
            as_of = format_day(customers.as_of),
            days = format_number(customers.typical_gap_days, 0)
        ))
        .strong(),
    )
    .on_hover_text(format!(
        "{}\n\n{}: {}",
        customers.scoring_rule(),
        t!("Status"),
        ctx.settings.segments.status_rule.explanation()
    ));
    ui.columns(2, |columns| {
        let grid = &results.tables.rfm_grid;
        if let Some(Export::Image(format)) = chart_header_ui(&mut columns[0], grid, None) {
            commands.push(Command::export_chart(grid, format));
        }
        if let Some(heatmap) = &grid.heatmap {
            heatmap_ui(&mut columns[0], heatmap, 160.0);
        }
        columns[0].label(RichText::new(customers.scoring_rule()).small().weak());
        let sizes = match prefs.view {
            SegmentView::Attribute => results
                .attribute_table
                .as_ref()
                .map_or(&results.tables.rfm_sizes, |a| &a.chart),
            _ => &results.tables.rfm_sizes,
        };
        if let Some(format) = chart_ui(&mut columns[1], sizes, 200.0) {
            commands.push(Command::export_chart(sizes, format));
        }
    });
}

fn lifecycle_and_comparison_ui(
    ui: &mut egui::Ui,
    results: &SegmentResults,
    prefs: &mut SegmentPrefs,
    commands: &mut Vec<Command>,
) {
    let lifecycle = &results.lifecycle.chart;
    if let Some(format) = chart_ui(ui, lifecycle, 240.0) {
        commands.push(Command::export_chart(lifecycle, format));
    }
    ui.add_space(8.0);
    compare_ui(ui, results, prefs, commands);
}

fn controls_ui(
    ui: &mut egui::Ui,
    ctx: &TabContext<'_>,
    results: &SegmentResults,
    prefs: &mut SegmentPrefs,
    commands: &mut Vec<Command>,
) {
    let attributes = ctx
        .dataset
        .map(|d| d.attributes.clone())
        .unwrap_or_default();
    let mut changed = false;
    let mut all: Settings = ctx.settings.clone();
    controls_row(ui, |ui| {
        ui.label(t!("Segments by"));
        ui.selectable_value(&mut prefs.view, SegmentView::Rfm, t!("RFM segment"));
        let status_rule = all.segments.status_rule;
        ui.selectable_value(&mut prefs.view, SegmentView::Status, t!("Status"))
            .on_hover_text(status_rule.explanation());
        if ui
            .selectable_label(prefs.view == SegmentView::Attribute, t!("Attribute"))
            .clicked()
        {
            prefs.view = SegmentView::Attribute;
        }
        let settings = &mut all.segments;
        if prefs.view == SegmentView::Attribute {
            let label = ui.label(t!("Column"));
            let current = settings.attribute.clone();
            egui::ComboBox::from_id_salt("segment_attribute")
                .selected_text(current.clone().unwrap_or_else(|| t!("choose…").into()))
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
        let label = ui.label(t!("Status rule"));
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
        let label = ui.label(t!("Lifecycle per"));
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
        if results.attribute_table.is_none() && prefs.view == SegmentView::Attribute {
            ui.label(RichText::new(t!("Choose an attribute column")).weak());
        }
    });
    if changed {
        commands.push(Command::Apply(Box::new(all)));
    }
}

/// The rows and the column a segment filter would use, for the current view.
fn current_table<'a>(
    results: &'a SegmentResults,
    prefs: &SegmentPrefs,
) -> Option<(&'a [SegmentSummary], String)> {
    let tables = &results.tables;
    match prefs.view {
        SegmentView::Rfm => Some((&tables.rfm_table, RFM_SEGMENT.to_string())),
        SegmentView::Status => Some((&tables.status_table, STATUS.to_string())),
        SegmentView::Attribute => results
            .attribute_table
            .as_ref()
            .map(|a| (a.table.as_slice(), a.column.clone())),
    }
}

fn members<'a>(
    results: &'a SegmentResults,
    prefs: &SegmentPrefs,
    column: &str,
    segment: &str,
) -> Vec<&'a CustomerRow> {
    let rows = results.customers().rows.iter();
    match prefs.view {
        SegmentView::Rfm => rows.filter(|r| &*r.rfm_segment == segment).collect(),
        SegmentView::Status => rows.filter(|r| r.status.label() == segment).collect(),
        SegmentView::Attribute => {
            let first = &results.first_attributes;
            let (Ok(ids), Ok(values)) = (
                first
                    .column(crate::data::CUSTOMER_ID)
                    .and_then(|c| c.str().cloned()),
                first.column(column).and_then(|c| c.str().cloned()),
            ) else {
                return Vec::new();
            };
            let wanted: std::collections::HashSet<&str> = ids
                .iter()
                .zip(values.iter())
                .filter(|(_, v)| v.unwrap_or("(empty)") == segment)
                .filter_map(|(id, _)| id)
                .collect();
            rows.filter(|r| wanted.contains(&*r.customer_id)).collect()
        }
    }
}

enum Action {
    Export(String, bool),
    ExportTable,
    Focus(String),
}

fn table_ui(
    ui: &mut egui::Ui,
    results: &SegmentResults,
    prefs: &SegmentPrefs,
    commands: &mut Vec<Command>,
) {
    let Some((table, column)) = current_table(results, prefs) else {
        return;
    };
    let mut action = None;
    ui.horizontal(|ui| {
        ui.heading(t!("Segments"));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .button(t!("Export CSV"))
                .on_hover_text(t!("The segment table as CSV"))
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
                t!("Segment"),
                t!("Customers"),
                t!("Share"),
                t!("Revenue"),
                t!("Share of revenue"),
                t!("Avg recency (days)"),
                t!("Avg orders"),
                t!("Avg revenue"),
                t!("Repeat rate"),
                t!("Customer list"),
                Cow::Borrowed(""),
            ] {
                ui.label(RichText::new(title).strong());
            }
            ui.end_row();
            for s in table {
                ui.label(display_name(&s.segment));
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
                        .on_hover_text(t!(
                            "Export the %{n} customers of %{segment} as CSV",
                            n = group_thousands(s.customers as usize),
                            segment = display_name(&s.segment)
                        ))
                        .clicked()
                    {
                        action = Some(Action::Export(s.segment.clone(), false));
                    }
                    if ui
                        .small_button("Excel")
                        .on_hover_text(t!("Export as an Excel workbook (.xlsx)"))
                        .clicked()
                    {
                        action = Some(Action::Export(s.segment.clone(), true));
                    }
                });
                if ui
                    .small_button(t!("Filter to this"))
                    .on_hover_text(t!(
                        "Show only %{segment} in every tab (a global filter on %{column})",
                        segment = display_name(&s.segment),
                        column = column
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
            let rows = members(results, prefs, &column, &segment);
            commands.push(match customer_list(&rows, &results.first_attributes) {
                Ok(frame) => Command::ExportCustomers {
                    name: segment,
                    frame,
                    excel,
                },
                Err(e) => Command::ShowError(
                    t!("could not build the customer list: %{error}", error = e).into(),
                ),
            });
        }
        Some(Action::Focus(segment)) => commands.push(Command::FilterTo {
            column,
            value: segment,
        }),
        Some(Action::ExportTable) => commands.push(Command::export_table(
            "segments",
            summary_frame(&column, table),
        )),
        None => {}
    }
}

impl SegmentsTab {
    /// How the scores are given: quintiles, or breakpoints per score that
    /// start from the data's and can be edited.
    fn scoring_ui(
        &mut self,
        ui: &mut egui::Ui,
        settings: &Settings,
        results: &SegmentResults,
        commands: &mut Vec<Command>,
    ) {
        let current = &settings.segments.scoring;
        let mut chosen = None;
        controls_row(ui, |ui| {
            ui.label(t!("RFM scores by"));
            let quintiles = matches!(current, RfmScoring::Quintiles);
            if ui
                .selectable_label(quintiles, t!("Quintiles"))
                .on_hover_text(t!("Fifths of the customers, equal values kept together: with many one-time buyers a score can stay empty"))
                .clicked()
                && !quintiles
            {
                chosen = Some(RfmScoring::Quintiles);
            }
            if ui
                .selectable_label(!quintiles, t!("Breakpoints"))
                .on_hover_text(t!("Where each score starts, chosen from the data so that every score has customers when the values allow it; editable"))
                .clicked()
                && quintiles
            {
                chosen = Some(RfmScoring::Breakpoints(None));
            }
            if matches!(current, RfmScoring::Breakpoints(Some(_)))
                && ui.button(t!("Reset to the data's breakpoints")).clicked()
            {
                chosen = Some(RfmScoring::Breakpoints(None));
            }
        });
        let shown = results.customers().breakpoints;
        if let (RfmScoring::Breakpoints(_), Some(shown)) = (current, shown) {
            let (mut changed, mut held) = (false, false);
            let points = self.breakpoints.edit(&shown);
            egui::Grid::new("rfm_breakpoints")
                .num_columns(5)
                .show(ui, |ui| {
                    ui.label("");
                    for score in 2..=5 {
                        ui.label(RichText::new(t!("Score %{score}", score = score)).strong());
                    }
                    ui.end_row();
                    let mut field = |response: egui::Response| {
                        changed |= settled(&response);
                        held |= response.dragged() || response.has_focus();
                    };
                    let label = ui.label(t!("R: days since the last order, at most"));
                    for i in 0..4 {
                        let response = ui
                            .add(
                                egui::DragValue::new(&mut points.recency_days[i]).range(0..=36_500),
                            )
                            .labelled_by(label.id);
                        field(response);
                    }
                    ui.end_row();
                    let label = ui.label(t!("F: orders, at least"));
                    for i in 0..4 {
                        let response = ui
                            .add(egui::DragValue::new(&mut points.orders[i]).range(1..=100_000))
                            .labelled_by(label.id);
                        field(response);
                    }
                    ui.end_row();
                    let label = ui.label(t!("M: revenue, at least"));
                    for i in 0..4 {
                        let response = ui
                            .add(
                                egui::DragValue::new(&mut points.revenue[i])
                                    .range(0.0..=f64::MAX)
                                    .fixed_decimals(2),
                            )
                            .labelled_by(label.id);
                        field(response);
                    }
                    ui.end_row();
                });
            if !points.in_order() {
                ui.label(
                    RichText::new(t!("Each score should start after the one below it (R: fewer days, F and M: more)."))
                        .color(theme::WARNING_TEXT),
                );
            }
            if let Some(points) = self.breakpoints.finish(changed, held)
                && points != shown
            {
                chosen = Some(RfmScoring::Breakpoints(Some(points)));
            }
        }
        if let Some(scoring) = chosen {
            let mut all = settings.clone();
            all.segments.scoring = scoring;
            commands.push(Command::Apply(Box::new(all)));
        }
    }

    /// The segment names of the R × F grid, one field per cell; renaming a
    /// cell moves its customers to the named segment.
    fn grid_editor_ui(
        &mut self,
        ui: &mut egui::Ui,
        settings: &Settings,
        commands: &mut Vec<Command>,
    ) {
        let (mut changed, mut held) = (false, false);
        let grid = self.grid.edit(&settings.segments.grid);
        egui::CollapsingHeader::new(t!("Edit segment names and grid")).show(ui, |ui| {
        ui.label(
            RichText::new(
                t!("Each cell names the segment of the customers with that recency (row) and frequency (column) score. Cells with the same name form one segment. Press Enter to apply."),
            )
            .weak(),
        );
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
                    held |= response.has_focus();
                }
                ui.end_row();
            }
        });
        if ui.button(t!("Reset to the standard grid")).clicked() {
            *grid = SegmentGrid::default();
            changed = true;
        }
    });
        if let Some(grid) = self.grid.finish(changed, held) {
            let mut all = settings.clone();
            all.segments.grid = grid;
            commands.push(Command::Apply(Box::new(all)));
        }
    }
}

fn compare_ui(
    ui: &mut egui::Ui,
    segments: &SegmentResults,
    prefs: &mut SegmentPrefs,
    commands: &mut Vec<Command>,
) {
    ui.heading(t!("Compare RFM segments"));
    ui.label(
        RichText::new(t!(
            "Tick two or more segments to see their retention curves and KPIs side by side."
        ))
        .weak(),
    );
    ui.horizontal_wrapped(|ui| {
        for s in &segments.tables.rfm_table {
            let mut on = prefs.compared.contains(&s.segment);
            if ui.checkbox(&mut on, display_name(&s.segment)).changed() {
                if on {
                    prefs.compared.push(s.segment.clone());
                } else {
                    prefs.compared.retain(|c| c != &s.segment);
                }
            }
        }
    });
    let chosen = prefs.compared.clone();
    if chosen.len() < 2 {
        return;
    }
    let mut curves: ChartSpec = (*segments.segment_curves).clone();
    curves.title = t!("Retention curves of the chosen segments").into();
    curves.series.retain(|s| {
        chosen
            .iter()
            .any(|c| s.name.starts_with(&format!("{} (", display_name(c))))
            || s.name == t!("Weighted average")
    });
    if let Some(format) = chart_ui(ui, &curves, 240.0) {
        commands.push(Command::export_chart(&curves, format));
    }
    let Some(window) = segments.segment_kpis.first().map(|s| s.kpis.window) else {
        return;
    };
    let compared: Vec<(String, crate::analysis::kpis::PeriodKpis)> = segments
        .segment_kpis
        .iter()
        .filter(|s| chosen.contains(&s.segment))
        .map(|s| (s.segment.clone(), s.kpis.clone()))
        .collect();
    ui.horizontal(|ui| {
        ui.label(RichText::new(t!("KPIs for %{window}", window = window.label())).strong());
        if ui
            .small_button(t!("Export CSV"))
            .on_hover_text(t!("This comparison as CSV"))
            .clicked()
        {
            commands.push(Command::export_table(
                "segment_kpis",
                crate::analysis::kpis::compared_frame(&compared),
            ));
        }
    });
    egui::Grid::new("segment_kpis")
        .striped(true)
        .show(ui, |ui| {
            for title in [
                t!("Segment"),
                t!("CS"),
                t!("CE"),
                t!("CN (new + won back)"),
                t!("Retention rate"),
                t!("Churn rate"),
                t!("Repeat rate"),
                t!("Revenue"),
                t!("APV"),
                t!("ARPU"),
            ] {
                ui.label(RichText::new(title).strong());
            }
            ui.end_row();
            for (name, k) in &compared {
                let rate = |v: Option<f64>| v.map_or("–".into(), |v| Unit::Percent.format(v));
                let money = |v: Option<f64>| v.map_or("–".into(), |v| format_number(v, 2));
                ui.label(display_name(name));
                ui.label(group_thousands(k.customers_at_start as usize));
                ui.label(group_thousands(k.customers_at_end as usize));
                ui.label(format!(
                    "{} ({} + {})",
                    group_thousands(k.customers_won as usize),
                    group_thousands(k.new_customers as usize),
                    group_thousands(k.won_back as usize)
                ));
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
