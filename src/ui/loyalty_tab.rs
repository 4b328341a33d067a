//! The Loyalty tab: a points programme replayed from the order log. Members
//! per tier over time, points earned and expired, the liability, the tier
//! migration of the last 12 months, and the programme's TOML file.

use eframe::egui::{self, Color32, RichText};

use super::app::KohorteApp;
use super::chart_view::chart_ui;
use super::theme;
use crate::analysis::loyalty::{LoyaltyResults, Programme};
use crate::analysis::loyalty_charts;
use crate::chart::Unit;
use crate::format::{format_number, group_thousands};

pub const REPLAY_RULES: &str = "Base points = rounding(amount × points per currency unit); a refund removes them. Qualifying points at a day: base points of the 12 months before it (or, by calendar year, the higher tier of this year's and last year's points). Tier: the highest whose minimum the qualifying points reach. An order earns base points × the multiplier of the tier held on its day. Points expire the set number of months after they were earned; refunds and expiry take from the oldest points first.";

/// The programme editor's text and the last error, kept between frames.
#[derive(Clone, Debug, Default)]
pub struct ProgrammeEditor {
    pub text: String,
    pub error: Option<String>,
}

pub fn ui(app: &mut KohorteApp, ui: &mut egui::Ui) {
    let Some(results) = app.results.clone() else {
        ui.spinner();
        return;
    };
    programme_bar_ui(app, ui);
    let Some(loyalty) = &results.loyalty else {
        ui.add_space(12.0);
        ui.label("No loyalty programme yet. Open a programme file (TOML), or start from the example and edit it below: the programme is replayed over every order, so you see who would hold which tier, what the points cost and what is still owed.");
        editor_ui(app, ui);
        return;
    };
    egui::ScrollArea::vertical().show(ui, |ui| {
        summary_ui(ui, loyalty);
        ui.add_space(8.0);
        let members = loyalty_charts::members_per_tier_spec(loyalty);
        if let Some(format) = chart_ui(ui, &members, 240.0) {
            app.export_chart_dialog(&members, format);
        }
        ui.add_space(8.0);
        let points = loyalty_charts::points_spec(loyalty);
        if let Some(format) = chart_ui(ui, &points, 240.0) {
            app.export_chart_dialog(&points, format);
        }
        ui.add_space(8.0);
        migration_ui(ui, loyalty);
        ui.add_space(8.0);
        editor_ui(app, ui);
    });
}

fn programme_bar_ui(app: &mut KohorteApp, ui: &mut egui::Ui) {
    ui.horizontal_wrapped(|ui| {
        match &app.persisted.settings.loyalty {
            Some(programme) => {
                ui.heading(&programme.name).on_hover_text(REPLAY_RULES);
            }
            None => {
                ui.heading("Loyalty programme");
            }
        }
        if ui
            .button("Open programme…")
            .on_hover_text("Read a programme file (TOML)")
            .clicked()
        {
            app.open_programme_dialog();
        }
        if app.persisted.settings.loyalty.is_some() {
            if ui
                .button("Save programme…")
                .on_hover_text("Write this programme to a TOML file")
                .clicked()
            {
                app.save_programme_dialog();
            }
        } else if ui
            .button("Use the example programme")
            .on_hover_text("Member from 0, Silver from 500 and Gold from 1,500 points in 12 months")
            .clicked()
        {
            app.set_programme(Programme::default());
        }
    });
}

fn summary_ui(ui: &mut egui::Ui, loyalty: &LoyaltyResults) {
    let s = &loyalty.summary;
    let tiers: Vec<String> = s
        .members_per_tier
        .iter()
        .map(|(name, n)| format!("{name} {}", group_thousands(*n as usize)))
        .collect();
    ui.label(
        RichText::new(format!(
            "{} members on {}: {}",
            group_thousands(s.members as usize),
            loyalty.as_of,
            tiers.join(" · ")
        ))
        .strong(),
    )
    .on_hover_text(REPLAY_RULES);
    let percent = |v: Option<f64>| v.map_or("–".into(), |v| Unit::Percent.format(v));
    egui::Grid::new("loyalty_summary").show(ui, |ui| {
        let programme = &loyalty.programme;
        for (name, value, hint) in [
            (
                "Points earned",
                format_number(s.points_earned, 0),
                "Credited points, refunds subtracted".to_string(),
            ),
            (
                "Points expired",
                format_number(s.points_expired, 0),
                format!(
                    "Expire {} months after being earned (0 = never)",
                    programme.expiry_months
                ),
            ),
            (
                "Points outstanding",
                format_number(s.points_outstanding, 0),
                "Earned, not expired, not redeemed".to_string(),
            ),
            (
                "Liability",
                format_number(s.liability, 2),
                format!(
                    "Outstanding points × {} expected redemption × {} per point",
                    Unit::Percent.format(programme.expected_redemption_rate),
                    programme.point_value
                ),
            ),
            (
                "Breakage",
                percent(s.breakage),
                "Expired ÷ earned points".to_string(),
            ),
            (
                "Expected reward cost",
                percent(s.expected_reward_cost_share),
                "Earned points × expected redemption × point value, as a share of revenue"
                    .to_string(),
            ),
        ] {
            ui.label(name).on_hover_text(hint);
            ui.label(RichText::new(value).strong());
            ui.end_row();
        }
    });
    ui.label(
        RichText::new("Redemptions are not read from the data yet: redeemed points count as 0 and the liability uses the expected redemption rate.")
            .small()
            .weak(),
    );
}

/// Tier 12 months ago (rows) against tier now (columns); upgrades, above
/// the diagonal, in green, downgrades in orange.
fn migration_ui(ui: &mut egui::Ui, loyalty: &LoyaltyResults) {
    let tiers = &loyalty.programme.tiers;
    ui.heading("Tier migration over the last 12 months").on_hover_text(
        "Members now, by the tier they held 12 months before the as-of date (rows) and now (columns). Share of the row in brackets.",
    );
    let from_rows: Vec<Option<usize>> = std::iter::once(None)
        .chain((0..tiers.len()).map(Some))
        .collect();
    egui::Grid::new("loyalty_migration")
        .striped(true)
        .show(ui, |ui| {
            ui.label(RichText::new("12 months ago \\ now").strong());
            for tier in tiers {
                ui.label(RichText::new(&tier.name).strong());
            }
            ui.end_row();
            for from in from_rows {
                let row: Vec<u64> = (0..tiers.len())
                    .map(|to| {
                        loyalty
                            .migration
                            .iter()
                            .filter(|(f, t, _)| *f == from && *t == to)
                            .map(|(_, _, n)| *n)
                            .sum()
                    })
                    .collect();
                let total: u64 = row.iter().sum();
                if total == 0 {
                    continue;
                }
                let name = from
                    .and_then(|f| tiers.get(f))
                    .map_or("Not a member", |t| t.name.as_str());
                ui.label(RichText::new(name).strong());
                for (to, n) in row.iter().enumerate() {
                    let text = format!(
                        "{} ({})",
                        group_thousands(*n as usize),
                        Unit::Percent.format(*n as f64 / total as f64)
                    );
                    let color = match from {
                        Some(f) if to > f => Some(Color32::from_rgb(44, 140, 44)),
                        Some(f) if to < f => Some(theme::WARNING_TEXT),
                        _ => None,
                    };
                    match color {
                        Some(color) if *n > 0 => ui.label(RichText::new(text).color(color)),
                        _ => ui.label(text),
                    };
                }
                ui.end_row();
            }
        });
}

fn editor_ui(app: &mut KohorteApp, ui: &mut egui::Ui) {
    egui::CollapsingHeader::new("Edit the programme (TOML)")
        .default_open(app.persisted.settings.loyalty.is_none())
        .show(ui, |ui| {
            ui.label(RichText::new("Thresholds, earn rate, multipliers and expiry; Apply replays every order with the changed rules.").weak());
            if app.programme_editor.text.is_empty() {
                app.programme_editor.text = app
                    .persisted
                    .settings
                    .loyalty
                    .clone()
                    .unwrap_or_default()
                    .to_toml();
            }
            let label = ui.label("Programme");
            ui.add(
                egui::TextEdit::multiline(&mut app.programme_editor.text)
                    .code_editor()
                    .desired_rows(18)
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
            ui.horizontal(|ui| {
                if ui.button("Apply").clicked() {
                    match Programme::parse(&app.programme_editor.text) {
                        Ok(programme) => app.set_programme(programme),
                        Err(e) => app.programme_editor.error = Some(e.to_string()),
                    }
                }
                if let Some(error) = &app.programme_editor.error {
                    ui.label(RichText::new(error).color(theme::WARNING_TEXT));
                }
            });
        });
}
