//! The Survey tab: NPS with its groups, CSAT, NPS per month and NPS by
//! any attribute of the answers.

use eframe::egui::{self, RichText};
use rust_i18n::t;
use std::borrow::Cow;

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
            ui.label(t!("No survey open. File → Open survey… reads an NPS or CSAT export (respondent, date, score)."));
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
            ui.label(t!("No survey open. File → Open survey… reads an NPS or CSAT export (respondent, date, score)."));
            return;
        }
    };
    egui::ScrollArea::vertical().show(ui, |ui| {
        let o = &survey.overall;
        let share = |n: u64| Unit::Percent.format(n as f64 / o.responses.max(1) as f64);
        ui.label(
            RichText::new(t!(
                "%{source}: %{answers} answers · NPS %{nps} · promoters %{promoters} (%{promoters_share}), passives %{passives} (%{passives_share}), detractors %{detractors} (%{detractors_share})",
                source = survey.source,
                answers = group_thousands(o.responses as usize),
                nps = o.nps.map_or("–".into(), |n| format_number(n, 1)),
                promoters = group_thousands(o.promoters as usize),
                promoters_share = share(o.promoters),
                passives = group_thousands(o.passives as usize),
                passives_share = share(o.passives),
                detractors = group_thousands(o.detractors as usize),
                detractors_share = share(o.detractors),
            ))
            .strong(),
        )
        .on_hover_text(t!("NPS = % promoters (9–10) − % detractors (0–6), from −100 to 100."));
        ui.label(RichText::new(t!("Read: %{summary}", summary = survey.import)).weak());
        super::source_panel::side_columns_ui(ui, ctx, false, &survey.columns, commands);
        let mut changed = false;
        let mut settings = ctx.side_settings.clone();
        ui.horizontal(|ui| {
            ui.label(t!(
                "CSAT %{csat} · scores from the column '%{column}' ·",
                csat = survey.csat.map_or("–".into(), |c| Unit::Percent.format(c)),
                column = survey.score_column
            ))
            .on_hover_text(t!("Satisfied answers ÷ all answers."));
            let label = ui.label(t!("satisfied from"));
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
            ui.label(t!(
                "%{n} respondents are customers of the order log:",
                n = group_thousands(customers)
            ));
            if ui
                .button(t!("Retention curves by NPS group"))
                .on_hover_text(t!("Cohorts tab, broken down by promoters, passives, detractors and customers without an answer"))
                .clicked()
            {
                let mut settings = ctx.settings.clone();
                settings.cohorts.breakdown = Some(crate::analysis::NPS_GROUP.into());
                commands.push(Command::Apply(Box::new(settings)));
                commands.push(Command::ShowTab(Tab::Cohorts));
            }
            if ui
                .button(t!("CLV by NPS group"))
                .on_hover_text(t!("CLV tab, grouped by NPS group"))
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
        egui::CollapsingHeader::new(t!("Answers and NPS per month")).show(ui, |ui| {
            let months = survey
                .months
                .iter()
                .map(|(month, c)| (month.format("%Y-%m").to_string(), c));
            nps_grid(ui, "nps_months", &t!("Month"), months);
        });
        ui.add_space(8.0);
        for (column, table) in &survey.by_attribute {
            ui.heading(t!("NPS by %{column}", column = column));
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
            Cow::Borrowed(first_title),
            t!("Answers"),
            Cow::Borrowed("NPS"),
            t!("Promoters"),
            t!("Passives"),
            t!("Detractors"),
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
