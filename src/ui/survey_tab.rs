//! The Survey tab: NPS with its groups, CSAT, NPS per month and NPS by
//! any attribute of the answers.

use eframe::egui::{self, RichText};

use super::chart_view::chart_ui;
use super::context::{Command, Tab, TabContext};
use super::theme;
use super::widgets::settled;
use crate::analysis::survey::NpsCounts;
use crate::chart::Unit;
use crate::format::{format_number, group_thousands};

pub fn ui(ui: &mut egui::Ui, ctx: &TabContext<'_>, commands: &mut Vec<Command>) {
    let Some(side) = ctx.side else {
        if ctx.side_busy {
            ui.spinner();
        } else {
            ui.label("No survey open. File → Open survey… reads an NPS or CSAT export (respondent, date, score).");
        }
        return;
    };
    let survey = match &side.survey {
        Some(Ok(survey)) => survey,
        Some(Err(error)) => {
            ui.label(RichText::new(&error.message).color(theme::WARNING_TEXT));
            super::source_panel::side_columns_ui(ui, ctx, false, &error.columns, commands);
            return;
        }
        None => {
            ui.label("No survey open. File → Open survey… reads an NPS or CSAT export (respondent, date, score).");
            return;
        }
    };
    egui::ScrollArea::vertical().show(ui, |ui| {
        let o = &survey.overall;
        let share = |n: u64| Unit::Percent.format(n as f64 / o.responses.max(1) as f64);
        ui.label(
            RichText::new(format!(
                "{}: {} answers · NPS {} · promoters {} ({}), passives {} ({}), detractors {} ({})",
                survey.source,
                group_thousands(o.responses as usize),
                o.nps.map_or("–".into(), |n| format_number(n, 1)),
                group_thousands(o.promoters as usize),
                share(o.promoters),
                group_thousands(o.passives as usize),
                share(o.passives),
                group_thousands(o.detractors as usize),
                share(o.detractors),
            ))
            .strong(),
        )
        .on_hover_text("NPS = % promoters (9–10) − % detractors (0–6), from −100 to 100.");
        ui.label(RichText::new(format!("Read: {}", survey.import)).weak());
        super::source_panel::side_columns_ui(ui, ctx, false, &survey.columns, commands);
        let mut changed = false;
        let mut settings = ctx.side_settings.clone();
        ui.horizontal(|ui| {
            ui.label(format!(
                "CSAT {} · scores from the column '{}' ·",
                survey.csat.map_or("–".into(), |c| Unit::Percent.format(c)),
                survey.score_column
            ))
            .on_hover_text("Satisfied answers ÷ all answers.");
            let label = ui.label("satisfied from");
            let default = if survey.max_score <= 5.0 { 4.0 } else { 8.0 };
            let mut from = settings.satisfied_from.unwrap_or(default);
            let response = ui
                .add(egui::DragValue::new(&mut from).range(0.0..=10.0).speed(0.5))
                .labelled_by(label.id);
            if response.changed() {
                settings.satisfied_from = Some(from);
            }
            changed |= settled(&response);
        });
        if changed {
            commands.push(Command::ApplySide(Box::new(settings)));
        }
        let customers = ctx.results.segments.as_ref().map_or(0, |s| {
            s.customers()
                .rows
                .iter()
                .filter(|c| survey.groups.contains_key(&*c.customer_id))
                .count()
        });
        ui.horizontal(|ui| {
            ui.label(format!(
                "{} respondents are customers of the order log:",
                group_thousands(customers)
            ));
            if ui
                .button("Retention curves by NPS group")
                .on_hover_text("Cohorts tab, broken down by promoters, passives, detractors and customers without an answer")
                .clicked()
            {
                let mut settings = ctx.settings.clone();
                settings.cohorts.breakdown = Some(crate::analysis::NPS_GROUP.into());
                commands.push(Command::Apply(Box::new(settings)));
                commands.push(Command::ShowTab(Tab::Cohorts));
            }
            if ui
                .button("CLV by NPS group")
                .on_hover_text("CLV tab, grouped by NPS group")
                .clicked()
            {
                let mut settings = ctx.settings.clone();
                settings.clv.segment_by = crate::analysis::NPS_GROUP.into();
                commands.push(Command::Apply(Box::new(settings)));
                commands.push(Command::ShowTab(Tab::Clv));
            }
        });
        ui.add_space(8.0);
        if let Some(format) = chart_ui(ui, &survey.chart, 220.0) {
            commands.push(Command::export_chart(&survey.chart, format));
        }
        egui::CollapsingHeader::new("Answers and NPS per month").show(ui, |ui| {
            let months = survey
                .months
                .iter()
                .map(|(month, c)| (month.format("%Y-%m").to_string(), c));
            nps_grid(ui, "nps_months", "Month", months);
        });
        ui.add_space(8.0);
        for (column, table) in &survey.by_attribute {
            ui.heading(format!("NPS by {column}"));
            let values = table.iter().map(|(value, c)| (value.clone(), c));
            nps_grid(ui, &format!("nps_by_{column}"), column, values);
            ui.add_space(8.0);
        }
    });
}

/// Answers, NPS and the three groups, one row per month or attribute value.
fn nps_grid<'a>(
    ui: &mut egui::Ui,
    id: &str,
    first_title: &str,
    rows: impl Iterator<Item = (String, &'a NpsCounts)>,
) {
    egui::Grid::new(id).striped(true).show(ui, |ui| {
        for title in [
            first_title,
            "Answers",
            "NPS",
            "Promoters",
            "Passives",
            "Detractors",
        ] {
            ui.label(RichText::new(title).strong());
        }
        ui.end_row();
        for (name, c) in rows {
            ui.label(name);
            ui.label(group_thousands(c.responses as usize));
            ui.label(c.nps.map_or("–".into(), |n| format_number(n, 1)));
            ui.label(group_thousands(c.promoters as usize));
            ui.label(group_thousands(c.passives as usize));
            ui.label(group_thousands(c.detractors as usize));
            ui.end_row();
        }
    });
}
