//! The Engagement tab: the event log beside the orders. Active users per
//! day, week and month, stickiness against the catalogue's 0.2, and the
//! most and least engaged users.

use crate::i18n::format_day;
use eframe::egui::{self, RichText};
use rust_i18n::t;

use super::chart_view::chart_ui;
use super::context::{Command, TabContext};
use super::theme;
use super::widgets::settled;
use crate::format::{format_number, group_thousands};

pub fn ui(ui: &mut egui::Ui, ctx: &TabContext<'_>, commands: &mut Vec<Command>) {
    let Some(side) = ctx.side else {
        if ctx.side_busy {
            ui.spinner();
        } else {
            ui.label(t!("No event log open. File → Open event log… reads app or web events (user, time, event name) with the same importer as orders."));
        }
        return;
    };
    let events = match &side.events {
        Some(Ok(events)) => events,
        Some(Err(error)) => {
            ui.label(RichText::new(&error.message).color(theme::WARNING_TEXT));
            super::source_panel::side_columns_ui(ui, ctx, true, &error.columns, commands);
            return;
        }
        None => {
            ui.label(t!("No event log open. File → Open event log… reads app or web events (user, time, event name)."));
            return;
        }
    };
    egui::ScrollArea::vertical().show(ui, |ui| {
        let last = events.days.last();
        ui.label(
            RichText::new(format!(
                "{}{}",
                t!(
                    "%{source}: %{events} events of %{users} users",
                    source = events.source,
                    events = group_thousands(events.events),
                    users = group_thousands(events.users)
                ),
                last.map_or(String::new(), |d| format!(
                    " · {}",
                    t!(
                        "on %{day}: DAU %{dau}, WAU %{wau}, MAU %{mau}, stickiness %{stickiness}",
                        day = format_day(d.date),
                        dau = group_thousands(d.dau as usize),
                        wau = group_thousands(d.wau as usize),
                        mau = group_thousands(d.mau as usize),
                        stickiness = d.stickiness.map_or("–".into(), |s| format_number(s, 2))
                    )
                ))
            ))
            .strong(),
        )
        .on_hover_text(t!("DAU: distinct users with an event on the day; WAU: in the 7 days ending on it; MAU: in the 30 days ending on it; stickiness = DAU ÷ MAU."));
        ui.label(RichText::new(t!("Read: %{summary}", summary = events.import)).weak());
        super::source_panel::side_columns_ui(ui, ctx, true, &events.columns, commands);
        for chart in [&events.activity_chart, &events.stickiness_chart] {
            if let Some(format) = chart_ui(ui, chart, 220.0) {
                commands.push(Command::export_chart(chart, format));
            }
            ui.add_space(8.0);
        }
        let mut changed = false;
        let mut settings = ctx.side_settings.clone();
        ui.horizontal(|ui| {
            let label = ui.label(t!("Coming back means"));
            let current = settings.return_event.clone();
            egui::ComboBox::from_id_salt("return_event")
                .selected_text(current.clone().unwrap_or_else(|| t!("any event").into()))
                .show_ui(ui, |ui| {
                    for choice in std::iter::once(None).chain(events.event_names.iter().cloned().map(Some)) {
                        let text = choice.clone().unwrap_or_else(|| t!("any event").into());
                        if ui.selectable_label(current == choice, text).clicked() && current != choice {
                            settings.return_event = choice;
                            changed = true;
                        }
                    }
                })
                .response
                .labelled_by(label.id);
        });
        ui.columns(2, |columns| {
            for (column, chart) in columns.iter_mut().zip([&events.retention_curves, &events.lifecycle_chart]) {
                if let Some(format) = chart_ui(column, chart, 220.0) {
                    commands.push(Command::export_chart(chart, format));
                }
            }
        });
        ui.add_space(8.0);
        ui.heading(t!("Engagement score")).on_hover_text(
            t!("Σ over a user's events of the event's weight (1 unless set below)."),
        );
        ui.label(
            RichText::new(match events.event_column.as_deref() {
                Some(column) => t!(
                    "Event names from the column '%{column}'. Weights are saved with the app.",
                    column = column
                ),
                None => t!("No event name column found: every row is one event."),
            })
            .weak(),
        );
        egui::Grid::new("engagement_weights").show(ui, |ui| {
            for name in &events.event_names {
                let label = ui.label(name);
                let mut weight = settings.weights.get(name).copied().unwrap_or(1.0);
                let response = ui
                    .add(egui::DragValue::new(&mut weight).range(0.0..=100.0).speed(0.1))
                    .labelled_by(label.id);
                if response.changed() {
                    settings.weights.insert(name.clone(), weight);
                }
                changed |= settled(&response);
                ui.end_row();
            }
            let label = ui.label(t!("Score over the last (days, 0 = all)"));
            let mut days = settings.score_window_days.unwrap_or(0);
            let response = ui
                .add(egui::DragValue::new(&mut days).range(0..=3650))
                .labelled_by(label.id);
            if response.changed() {
                settings.score_window_days = (days > 0).then_some(days);
            }
            changed |= settled(&response);
            ui.end_row();
        });
        if let Some(format) = chart_ui(ui, &events.score_distribution, 200.0) {
            commands.push(Command::export_chart(&events.score_distribution, format));
        }
        ui.columns(2, |columns| {
            for (column, (title, rows)) in columns
                .iter_mut()
                .zip([(t!("Most engaged users"), &events.top), (t!("Least engaged users"), &events.bottom)])
            {
                column.label(RichText::new(title.as_ref()).strong());
                egui::Grid::new(title.as_ref()).striped(true).show(column, |ui| {
                    ui.label(RichText::new(t!("User")).strong());
                    ui.label(RichText::new(t!("Score")).strong());
                    ui.end_row();
                    for (user, score) in rows.iter() {
                        ui.label(user);
                        ui.label(format_number(*score, 1));
                        ui.end_row();
                    }
                });
            }
        });
        if changed {
            commands.push(Command::ApplySide(Box::new(settings)));
        }
    });
}
