//! The Data tab: what is in view after the filters, orders and revenue per
//! month, and a virtual-scrolling preview of the canonical table.

use eframe::egui::{self, RichText};
use egui_extras::{Column as TableColumn, TableBuilder};
use polars::prelude::{AnyValue, DataFrame, IdxCa, IdxSize};
use rust_i18n::t;

use super::chart_view::chart_ui;
use super::context::{Command, TabContext};
use super::widgets::maybe_stale_ui;
use crate::analysis::Part;
use crate::analysis::results::ViewResults;
use crate::format::{format_number, group_thousands};

const ROW_HEIGHT: f32 = 20.0;

pub fn ui(ui: &mut egui::Ui, ctx: &TabContext<'_>, commands: &mut Vec<Command>) {
    let (Some(dataset), Some(view)) = (ctx.dataset, ctx.results.view.clone()) else {
        ui.spinner();
        ui.label(t!("Computing…"));
        return;
    };
    maybe_stale_ui(ui, ctx.is_fresh(Part::Data), |ui| {
        view_ui(ui, &dataset.orders, &view, commands)
    });
}

fn view_ui(ui: &mut egui::Ui, orders: &DataFrame, view: &ViewResults, commands: &mut Vec<Command>) {
    let shown = view.rows.len();
    let total = orders.height();
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(t!(
                "Showing %{shown} of %{all} rows",
                shown = group_thousands(shown),
                all = group_thousands(total)
            ))
            .strong(),
        );
        ui.label(RichText::new(format!("· {}", view.window)).weak());
    });
    ui.add_space(4.0);

    let charts: Vec<_> = std::iter::once(&view.activity.orders_chart)
        .chain(view.activity.revenue_chart.as_ref())
        .collect();
    ui.columns(charts.len(), |columns| {
        for (column, spec) in columns.iter_mut().zip(&charts) {
            if let Some(format) = chart_ui(column, spec, 200.0) {
                commands.push(Command::export_chart(spec, format));
            }
        }
    });

    ui.add_space(8.0);
    ui.horizontal(|ui| {
        ui.heading(t!("Orders"));
        ui.label(RichText::new(t!("the canonical table every analysis reads")).weak());
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .button(t!("Export CSV"))
                .on_hover_text(t!("Save the rows in view (after filters) as CSV"))
                .clicked()
            {
                let rows = IdxCa::from_vec(
                    "rows".into(),
                    view.rows.iter().map(|r| *r as IdxSize).collect(),
                );
                commands.push(Command::export_table("orders", orders.take(&rows)));
            }
        });
    });
    table_ui(ui, orders, &view.rows);
}

/// The rows `rows` of `frame`, drawn as they scroll into view.
fn table_ui(ui: &mut egui::Ui, frame: &DataFrame, rows: &[u32]) {
    let names: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    egui::ScrollArea::horizontal().show(ui, |ui| {
        TableBuilder::new(ui)
            .striped(true)
            .resizable(true)
            .vscroll(true)
            .auto_shrink([false, false])
            .columns(
                TableColumn::initial(130.0).at_least(60.0).clip(true),
                names.len(),
            )
            .header(ROW_HEIGHT + 4.0, |mut header| {
                for name in &names {
                    header.col(|ui| {
                        ui.strong(name);
                    });
                }
            })
            .body(|body| {
                body.rows(ROW_HEIGHT, rows.len(), |mut row| {
                    let Some(index) = rows.get(row.index()).map(|r| *r as usize) else {
                        return;
                    };
                    for column in frame.columns() {
                        let text = column.get(index).map(cell_text).unwrap_or_default();
                        row.col(|ui| {
                            ui.label(text);
                        });
                    }
                });
            });
    });
}

fn cell_text(value: AnyValue<'_>) -> String {
    match value {
        AnyValue::Null => String::new(),
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Float64(v) => format_number(v, 2),
        other => other.to_string(),
    }
}
