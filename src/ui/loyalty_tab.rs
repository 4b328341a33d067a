//! The Loyalty tab: a points programme replayed from the order log. Members
//! per tier over time, points earned and expired, the liability, the tier
//! migration of the last 12 months, and the programme's TOML file.

use crate::i18n::format_day;
use rust_i18n::t;
use std::borrow::Cow;
use std::sync::Arc;

use eframe::egui::{self, Color32, RichText};

use super::chart_view::chart_ui;
use super::context::{Command, TabContext};
use super::theme;
use super::widgets::{DateField, DateInputs, controls_row, date_field_ui, maybe_stale_ui, settled};
use crate::analysis::loyalty::{LoyaltyResults, Programme};
use crate::analysis::loyalty_charts::MembersView;
use crate::analysis::results::LoyaltyPart;
use crate::analysis::{Part, Settings, loyalty_charts};
use crate::chart::Unit;
use crate::format::{format_number, group_thousands};

pub fn replay_rules() -> Cow<'static, str> {
    t!(
        "Base points = rounding(amount × points per currency unit); a refund removes them. Qualifying points at a day: base points of the 12 months before it (or, by calendar year, the higher tier of this year's and last year's points). Tier: the highest whose minimum the qualifying points reach. An order earns base points × the multiplier of the tier held on its day. Points expire the set number of months after they were earned; refunds and expiry take from the oldest points first."
    )
}

/// How the Loyalty tab shows its results; changing it recomputes nothing.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct LoyaltyPrefs {
    pub members: MembersView,
}

/// The programme editor's text and last error, and the migration dates
/// while the user types them.
#[derive(Default)]
pub struct LoyaltyTab {
    editor_text: String,
    editor_error: Option<String>,
    migration_inputs: DateInputs,
    /// The P(alive)-weighted liability and the replay and model fit it was
    /// computed from (by address), so it is summed once per change.
    expected_liability: Option<((usize, usize), f64, Cow<'static, str>)>,
}

impl LoyaltyTab {
    /// The liability weighed by P(alive), with the model's name, once the
    /// CLV tab's purchase model is fitted.
    fn expected_liability(
        &mut self,
        ctx: &TabContext<'_>,
        loyalty: &Arc<LoyaltyResults>,
    ) -> Option<(f64, Cow<'static, str>)> {
        let fit = ctx.results.clv.as_ref()?.fit.as_ref().ok()?;
        let key = (Arc::as_ptr(loyalty) as usize, Arc::as_ptr(fit) as usize);
        match &self.expected_liability {
            Some((cached, value, model)) if *cached == key => Some((*value, model.clone())),
            _ => {
                let value = crate::analysis::loyalty::expected_liability_with(loyalty, fit);
                let model = fit.model.kind().label();
                self.expected_liability = Some((key, value, model.clone()));
                Some((value, model))
            }
        }
    }

    /// Shows `programme` in the editor, as the one now replayed.
    pub fn show_programme(&mut self, programme: &Programme) {
        self.editor_text = programme.to_toml();
        self.editor_error = None;
    }

    /// Shows a programme text that could not be read, and why.
    pub fn show_error(&mut self, text: String, error: String) {
        self.editor_text = text;
        self.editor_error = Some(error);
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        ctx: &TabContext<'_>,
        prefs: &mut LoyaltyPrefs,
        commands: &mut Vec<Command>,
    ) {
        let Some(results) = ctx.results.loyalty.clone() else {
            ui.spinner();
            return;
        };
        programme_bar_ui(ui, ctx.settings, commands);
        let Some(loyalty) = results.current.clone() else {
            ui.add_space(12.0);
            ui.label(t!("No loyalty programme yet. Open a programme file (TOML), or start from the example and edit it below: the programme is replayed over every order, so you see who would hold which tier, what the points cost and what is still owed."));
            self.editor_ui(ui, ctx.settings, commands);
            return;
        };
        let fresh = ctx.is_fresh(Part::Loyalty);
        egui::ScrollArea::vertical().show(ui, |ui| {
            maybe_stale_ui(ui, fresh, |ui| {
                let expected = self.expected_liability(ctx, &loyalty);
                summary_ui(
                    ui,
                    &loyalty,
                    expected.as_ref().map(|(v, m)| (*v, m.as_ref())),
                );
                ui.add_space(8.0);
                ui.horizontal(|ui| {
                    ui.label(t!("Members per tier as"));
                    ui.selectable_value(&mut prefs.members, MembersView::Count, t!("Counts"))
                        .on_hover_text(t!("How many members hold each tier"));
                    ui.selectable_value(
                        &mut prefs.members,
                        MembersView::Share,
                        t!("Share of members"),
                    )
                    .on_hover_text(t!(
                        "Each tier's share of all members, so the small top tiers can be read"
                    ));
                });
                let members = loyalty_charts::members_per_tier_spec(&loyalty, prefs.members);
                if let Some(format) = chart_ui(ui, &members, 240.0) {
                    commands.push(Command::export_chart(&members, format));
                }
                ui.add_space(8.0);
                ui.columns(2, |columns| {
                    for (column, spec) in columns.iter_mut().zip([
                        loyalty_charts::points_spec(&loyalty),
                        loyalty_charts::liability_spec(&loyalty),
                    ]) {
                        if let Some(format) = chart_ui(column, &spec, 220.0) {
                            commands.push(Command::export_chart(&spec, format));
                        }
                    }
                });
            });
            ui.add_space(8.0);
            self.migration_ui(ui, ctx.settings, &loyalty, fresh, commands);
            ui.add_space(8.0);
            what_if_ui(ui, ctx, &results, commands);
            ui.add_space(8.0);
            self.editor_ui(ui, ctx.settings, commands);
        });
    }
}

fn programme_bar_ui(ui: &mut egui::Ui, settings: &Settings, commands: &mut Vec<Command>) {
    controls_row(ui, |ui| {
        match &settings.loyalty {
            Some(programme) => {
                ui.heading(&programme.name).on_hover_text(replay_rules());
            }
            None => {
                ui.heading(t!("Loyalty programme"));
            }
        }
        if ui
            .button(t!("Open programme…"))
            .on_hover_text(t!("Read a programme file (TOML)"))
            .clicked()
        {
            commands.push(Command::OpenProgramme);
        }
        if settings.loyalty.is_some() {
            if ui
                .button(t!("Save programme…"))
                .on_hover_text(t!("Write this programme to a TOML file"))
                .clicked()
            {
                commands.push(Command::SaveProgramme);
            }
        } else if ui
            .button(t!("Use the example programme"))
            .on_hover_text(t!(
                "Member from 0, Silver from 500 and Gold from 1,500 points in 12 months"
            ))
            .clicked()
        {
            commands.push(Command::SetProgramme(Programme::default()));
        }
    });
}

fn summary_ui(ui: &mut egui::Ui, loyalty: &LoyaltyResults, expected: Option<(f64, &str)>) {
    let s = &loyalty.summary;
    let tiers: Vec<String> = s
        .members_per_tier
        .iter()
        .map(|(name, n)| format!("{name} {}", group_thousands(*n as usize)))
        .collect();
    ui.label(
        RichText::new(t!(
            "%{members} members on %{day}: %{tiers}",
            members = group_thousands(s.members as usize),
            day = format_day(loyalty.as_of),
            tiers = tiers.join(" · ")
        ))
        .strong(),
    )
    .on_hover_text(replay_rules());
    let percent = |v: Option<f64>| v.map_or("–".into(), |v| Unit::Percent.format(v));
    egui::Grid::new("loyalty_summary").show(ui, |ui| {
        let programme = &loyalty.programme;
        for (name, value, hint) in [
            (
                t!("Points earned"),
                format_number(s.points_earned, 0),
                t!("Credited points, refunds subtracted").into_owned(),
            ),
            (
                t!("Points redeemed"),
                format_number(s.points_redeemed, 0),
                t!("From the column mapped to “Points redeemed”, oldest points first").into_owned(),
            ),
            (
                t!("Points expired"),
                format_number(s.points_expired, 0),
                t!(
                    "Expire %{months} months after being earned (0 = never)",
                    months = programme.expiry_months
                )
                .into_owned(),
            ),
            (
                t!("Points outstanding"),
                format_number(s.points_outstanding, 0),
                t!("Earned, not expired, not redeemed").into_owned(),
            ),
            (
                t!("Liability"),
                format_number(s.liability, 2),
                if loyalty.redemptions_from_data {
                    t!(
                        "Outstanding points × %{value} per point",
                        value = format_number(programme.point_value, 3)
                    )
                    .into_owned()
                } else {
                    t!(
                        "Outstanding points × %{rate} expected redemption × %{value} per point",
                        rate = Unit::Percent.format(programme.expected_redemption_rate),
                        value = format_number(programme.point_value, 3)
                    )
                    .into_owned()
                },
            ),
            (
                t!("Expected liability"),
                expected.map_or_else(|| "–".to_string(), |(v, _)| format_number(v, 2)),
                match expected {
                    Some((_, model)) => t!(
                        "Each member's outstanding points weighed by their P(alive) from the CLV tab's %{model} model: what is owed to customers who will come back",
                        model = model
                    )
                    .into_owned(),
                    None => t!("Weighs each member's points by their P(alive) once the CLV tab's model is fitted").into_owned(),
                },
            ),
            (
                t!("Breakage"),
                percent(s.breakage),
                t!("Expired ÷ earned points").into_owned(),
            ),
            (
                t!("Reward cost"),
                percent(s.reward_cost_share),
                t!("Redeemed points × point value, as a share of revenue").into_owned(),
            ),
            (
                t!("Expected reward cost"),
                percent(s.expected_reward_cost_share),
                t!("Earned points × expected redemption × point value, as a share of revenue").into_owned(),
            ),
        ] {
            ui.label(name).on_hover_text(hint);
            ui.label(RichText::new(value).strong());
            ui.end_row();
        }
    });
    let source = if loyalty.redemptions_from_data {
        t!(
            "Redemptions come from the column mapped to “Points redeemed”; the liability counts every outstanding point."
        )
    } else {
        t!(
            "No column is mapped to “Points redeemed” (left panel, Column mapping): redeemed points count as 0 and the liability uses the programme's expected redemption rate."
        )
    };
    ui.label(RichText::new(source).small().weak());
}

/// Tier at the first date (rows) against the second (columns); upgrades, above
/// the diagonal, in green, downgrades in orange.
impl LoyaltyTab {
    fn migration_ui(
        &mut self,
        ui: &mut egui::Ui,
        current: &Settings,
        loyalty: &LoyaltyResults,
        fresh: bool,
        commands: &mut Vec<Command>,
    ) {
        let (from, to) = loyalty.migration_window;
        ui.heading(t!("Tier migration")).on_hover_text(
        t!("Members at the second date, by the tier they held at the first (rows) and at the second (columns). Share of the row in brackets."),
    );
        let mut changed = false;
        let mut settings = current.clone();
        ui.horizontal(|ui| {
            let inputs = &mut self.migration_inputs;
            if inputs.from.is_empty() {
                inputs.from = from.to_string();
            }
            if inputs.until.is_empty() {
                inputs.until = to.to_string();
            }
            for (name, text, slot) in [
                (
                    t!("From"),
                    &mut inputs.from,
                    &mut settings.loyalty_migration_from,
                ),
                (
                    t!("To"),
                    &mut inputs.until,
                    &mut settings.loyalty_migration_to,
                ),
            ] {
                match date_field_ui(ui, &name, text, slot, true) {
                    DateField::Changed => changed = true,
                    DateField::Invalid => {
                        ui.label(RichText::new(t!("YYYY-MM-DD")).color(theme::WARNING_TEXT));
                    }
                    DateField::Unchanged => {}
                }
            }
            ui.label(RichText::new(format!("{} → {}", format_day(from), format_day(to))).weak());
        });
        if changed {
            commands.push(Command::Apply(Box::new(settings)));
        }
        maybe_stale_ui(ui, fresh, |ui| migration_grid_ui(ui, loyalty));
    }
}

fn migration_grid_ui(ui: &mut egui::Ui, loyalty: &LoyaltyResults) {
    let tiers = &loyalty.programme.tiers;
    let (from, to) = loyalty.migration_window;
    let from_rows: Vec<Option<usize>> = std::iter::once(None)
        .chain((0..tiers.len()).map(Some))
        .collect();
    egui::Grid::new("loyalty_migration")
        .striped(true)
        .show(ui, |ui| {
            ui.label(RichText::new(format!("{} / {}", format_day(from), format_day(to))).strong());
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
                            .filter(|cell| cell.from == from && cell.to == to)
                            .map(|cell| cell.members)
                            .sum()
                    })
                    .collect();
                let total: u64 = row.iter().sum();
                if total == 0 {
                    continue;
                }
                let name = from
                    .and_then(|f| tiers.get(f))
                    .map_or_else(|| t!("Not a member"), |t| Cow::Borrowed(t.name.as_str()));
                ui.label(RichText::new(name.as_ref()).strong());
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

/// Sliders and fields for a changed copy of the programme, replayed on the
/// worker on every settled change and compared with the current one.
fn what_if_ui(
    ui: &mut egui::Ui,
    ctx: &TabContext<'_>,
    results: &LoyaltyPart,
    commands: &mut Vec<Command>,
) {
    ui.heading(t!("What if…")).on_hover_text(
        t!("Change thresholds, earn rate, multipliers or expiry: the changed programme is replayed over every order beside the current one."),
    );
    let Some(current) = ctx.settings.loyalty.clone() else {
        return;
    };
    let mut draft = ctx
        .settings
        .loyalty_what_if
        .clone()
        .filter(|d| d.tiers.len() == current.tiers.len())
        .unwrap_or_else(|| current.clone());
    let mut changed = false;
    let mut settle = |response: egui::Response| changed |= settled(&response);
    egui::Grid::new("loyalty_what_if_fields").show(ui, |ui| {
        let label = ui.label(t!("Points per 1.00"));
        settle(
            ui.add(egui::Slider::new(&mut draft.points_per_currency, 0.0..=5.0).step_by(0.05))
                .labelled_by(label.id),
        );
        ui.end_row();
        let label = ui.label(t!("Expiry (months, 0 = never)"));
        settle(
            ui.add(egui::Slider::new(&mut draft.expiry_months, 0..=60))
                .labelled_by(label.id),
        );
        ui.end_row();
        let label = ui.label(t!("Point value"));
        settle(
            ui.add(egui::Slider::new(&mut draft.point_value, 0.0..=0.2).step_by(0.001))
                .labelled_by(label.id),
        );
        ui.end_row();
        for (i, tier) in draft.tiers.iter_mut().enumerate() {
            ui.label(&tier.name);
            ui.horizontal(|ui| {
                if i == 0 {
                    ui.label(t!("from 0 points"));
                } else {
                    let label = ui.label(t!("from"));
                    settle(
                        ui.add(
                            egui::Slider::new(&mut tier.min_points, 1.0..=10_000.0)
                                .logarithmic(true)
                                .suffix(format!(" {}", t!("points"))),
                        )
                        .labelled_by(label.id),
                    );
                }
                let label = ui.label(t!("%{tier} multiplier", tier = tier.name));
                settle(
                    ui.add(egui::Slider::new(&mut tier.multiplier, 0.0..=5.0).step_by(0.05))
                        .labelled_by(label.id),
                );
            });
            ui.end_row();
        }
    });
    let valid = draft.validate();
    if let Err(e) = &valid {
        ui.label(RichText::new(e.to_string()).color(theme::WARNING_TEXT));
    }
    if changed && valid.is_ok() && ctx.settings.loyalty_what_if.as_ref() != Some(&draft) {
        let mut settings = ctx.settings.clone();
        settings.loyalty_what_if = Some(draft.clone());
        commands.push(Command::Apply(Box::new(settings)));
    }
    let (Some(now), Some(then)) = (&results.current, &results.what_if) else {
        ui.label(RichText::new(t!("Move a slider to replay a changed programme.")).weak());
        return;
    };
    ui.horizontal(|ui| {
        if ui
            .button(t!("Adopt the changes"))
            .on_hover_text(t!("Make the what-if programme the programme"))
            .clicked()
        {
            commands.push(Command::SetProgramme(then.programme.clone()));
        }
        if ui.button(t!("Discard")).clicked() {
            let mut settings = ctx.settings.clone();
            settings.loyalty_what_if = None;
            commands.push(Command::Apply(Box::new(settings)));
        }
        if let Some(ms) = ctx.last_compute_ms {
            ui.label(RichText::new(t!("replayed in %{ms} ms", ms = ms)).weak());
        }
    });
    maybe_stale_ui(ui, ctx.is_fresh(Part::Loyalty), |ui| {
        comparison_ui(ui, now, then)
    });
}

fn comparison_ui(ui: &mut egui::Ui, now: &LoyaltyResults, then: &LoyaltyResults) {
    let (a, b) = (&now.summary, &then.summary);
    let mut rows: Vec<(String, f64, f64, Unit)> = a
        .members_per_tier
        .iter()
        .zip(&b.members_per_tier)
        .map(|((name, n), (_, m))| {
            (
                t!("Members in %{tier}", tier = name).into_owned(),
                *n as f64,
                *m as f64,
                Unit::Count,
            )
        })
        .collect();
    rows.extend([
        (
            t!("Points earned").into_owned(),
            a.points_earned,
            b.points_earned,
            Unit::Count,
        ),
        (
            t!("Points outstanding").into_owned(),
            a.points_outstanding,
            b.points_outstanding,
            Unit::Count,
        ),
        (
            t!("Liability").into_owned(),
            a.liability,
            b.liability,
            Unit::Money,
        ),
        (
            t!("Breakage").into_owned(),
            a.breakage.unwrap_or(0.0),
            b.breakage.unwrap_or(0.0),
            Unit::Percent,
        ),
        (
            t!("Expected reward cost").into_owned(),
            a.expected_reward_cost_share.unwrap_or(0.0),
            b.expected_reward_cost_share.unwrap_or(0.0),
            Unit::Percent,
        ),
    ]);
    egui::Grid::new("loyalty_what_if")
        .striped(true)
        .show(ui, |ui| {
            for title in [
                Cow::Borrowed(""),
                t!("Current"),
                t!("What if"),
                t!("Difference"),
            ] {
                ui.label(RichText::new(title).strong());
            }
            ui.end_row();
            for (name, current, changed, unit) in rows {
                ui.label(name);
                ui.label(unit.format(current));
                ui.label(RichText::new(unit.format(changed)).strong());
                let delta = changed - current;
                let text = format!(
                    "{}{}",
                    if delta > 0.0 { "+" } else { "" },
                    unit.format(delta)
                );
                ui.label(if delta == 0.0 {
                    RichText::new(text).weak()
                } else {
                    RichText::new(text)
                });
                ui.end_row();
            }
        });
}

impl LoyaltyTab {
    fn editor_ui(&mut self, ui: &mut egui::Ui, settings: &Settings, commands: &mut Vec<Command>) {
        egui::CollapsingHeader::new(t!("Edit the programme (TOML)"))
            .default_open(settings.loyalty.is_none())
            .show(ui, |ui| {
                ui.label(RichText::new(t!("Thresholds, earn rate, multipliers and expiry; Apply replays every order with the changed rules.")).weak());
                if self.editor_text.is_empty() {
                    self.editor_text = settings.loyalty.clone().unwrap_or_default().to_toml();
                }
                let label = ui.label(t!("Programme"));
                ui.add(
                    egui::TextEdit::multiline(&mut self.editor_text)
                        .code_editor()
                        .desired_rows(18)
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(label.id);
                ui.horizontal(|ui| {
                    if ui.button(t!("Apply")).clicked() {
                        match Programme::parse(&self.editor_text) {
                            Ok(programme) => commands.push(Command::SetProgramme(programme)),
                            Err(e) => self.editor_error = Some(e.to_string()),
                        }
                    }
                    if let Some(error) = &self.editor_error {
                        ui.label(RichText::new(error).color(theme::WARNING_TEXT));
                    }
                });
            });
    }
}
