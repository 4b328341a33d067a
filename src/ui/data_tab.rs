//! The Data tab: what is in view after the filters, orders and revenue per
//! month, and a virtual-scrolling preview of the canonical table.

use eframe::egui::{self, RichText};
use egui_extras::{Column as TableColumn, TableBuilder};
use polars::prelude::{AnyValue, DataFrame};

use super::app::KohorteApp;
use super::chart_view::chart_ui;
use crate::format::{format_number, group_thousands};

const ROW_HEIGHT: f32 = 20.0;

pub fn ui(app: &mut KohorteApp, ui: &mut egui::Ui) {
    let (Some(dataset), Some(results)) = (app.dataset.clone(), app.results.clone()) else {
        ui.spinner();
        ui.label("Computing…");
        return;
    };
    let shown = results.orders.height();
    let total = dataset.orders.height();
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(format!(
                "Showing {} of {} rows",
                group_thousands(shown),
                group_thousands(total)
            ))
            .strong(),
        );
        ui.label(RichText::new(format!("· {}", app.persisted.settings.filters.describe())).weak());
    });
    ui.add_space(4.0);

    let mut export = None;
    let charts: Vec<_> = std::iter::once(&results.activity.orders_chart)
        .chain(results.activity.revenue_chart.as_ref())
        .collect();
    ui.columns(charts.len(), |columns| {
        for (column, spec) in columns.iter_mut().zip(&charts) {
            if let Some(format) = chart_ui(column, spec, 200.0) {
                export = Some(((*spec).clone(), format));
            }
        }
    });
    if let Some((spec, format)) = export {
        app.export_chart_dialog(&spec, format);
    }

    ui.add_space(8.0);
    ui.horizontal(|ui| {
        ui.heading("Orders");
        ui.label(RichText::new("the canonical table every analysis reads").weak());
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .button("Export CSV")
                .on_hover_text("Save the rows in view (after filters) as CSV")
                .clicked()
            {
                app.export_table_dialog("orders", &results.orders);
            }
        });
    });
    table_ui(ui, &results.orders);
}

fn table_ui(ui: &mut egui::Ui, frame: &DataFrame) {
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
                body.rows(ROW_HEIGHT, frame.height(), |mut row| {
                    let index = row.index();
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
