//! The Overview tab: the retention KPIs of a period, each with its change
//! against the previous period, a 12-period trend, and its formula and
//! inputs on hover; the simple CLV beside them.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{Line, Plot, PlotPoints};
use rust_i18n::t;

use super::context::{Command, TabContext};
use super::theme;
use super::widgets::{DateField, DateInputs, controls_row, date_field_ui, maybe_stale_ui};
use crate::analysis::Part;
use crate::analysis::kpis::{Kpi, KpiSettings, Overview, PeriodKind, overview_frame, period_name};
use crate::analysis::results::OverviewResults;
use crate::chart::Unit;
use crate::format::{format_number, group_thousands};
use crate::i18n::format_month;

const CARD_WIDTH: f32 = 240.0;
const CARD_MARGIN: f32 = 8.0;

/// The text of the custom period's fields while the user types.
#[derive(Default)]
pub struct OverviewTab {
    kpi_inputs: DateInputs,
}

impl OverviewTab {
    pub fn new(settings: &KpiSettings) -> OverviewTab {
        OverviewTab {
            kpi_inputs: DateInputs::of(settings.custom_from, settings.custom_until),
        }
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, ctx: &TabContext<'_>, commands: &mut Vec<Command>) {
        let Some(results) = ctx.results.overview.clone() else {
            ui.spinner();
            return;
        };
        let overview = results.overview.as_ref();
        self.controls_ui(ui, ctx, overview, commands);
        maybe_stale_ui(ui, ctx.is_fresh(Part::Overview), |ui| {
            kpis_ui(ui, &results, commands)
        });
    }

    fn controls_ui(
        &mut self,
        ui: &mut egui::Ui,
        ctx: &TabContext<'_>,
        overview: Option<&Overview>,
        commands: &mut Vec<Command>,
    ) {
        let mut changed = false;
        let mut all = ctx.settings.clone();
        let settings = &mut all.kpis;
        controls_row(ui, |ui| {
            ui.label(t!("Period"));
            for kind in PeriodKind::ALL {
                if ui
                    .selectable_label(settings.period == kind, kind.label())
                    .clicked()
                    && settings.period != kind
                {
                    settings.period = kind;
                    settings.period_start = None;
                    changed = true;
                }
            }
            ui.separator();
            if settings.period == PeriodKind::Custom {
                for (name, text, slot) in [
                    (
                        t!("From"),
                        &mut self.kpi_inputs.from,
                        &mut settings.custom_from,
                    ),
                    (
                        t!("Until"),
                        &mut self.kpi_inputs.until,
                        &mut settings.custom_until,
                    ),
                ] {
                    if let DateField::Changed = date_field_ui(ui, &name, text, slot, false) {
                        changed = true;
                    }
                }
                if settings.custom_from.is_none() || settings.custom_until.is_none() {
                    ui.label(
                        RichText::new(t!("Enter both days as YYYY-MM-DD"))
                            .color(theme::WARNING_TEXT),
                    );
                }
            } else if let Some(overview) = overview.filter(|o| !o.choices.is_empty()) {
                let current = overview.current.window.start;
                let label = ui.label(t!("Which"));
                egui::ComboBox::from_id_salt("kpi_period")
                    .selected_text(period_name(overview.period, overview.current.window))
                    .show_ui(ui, |ui| {
                        for (start, name) in &overview.choices {
                            if ui.selectable_label(*start == current, name).clicked()
                                && *start != current
                            {
                                settings.period_start = Some(*start);
                                changed = true;
                            }
                        }
                    })
                    .response
                    .labelled_by(label.id);
            }
            ui.separator();
            let label = ui.label(t!("Active window (months)"));
            let response = ui
                .add(egui::DragValue::new(&mut settings.active_window_months).range(1..=36))
                .labelled_by(label.id)
                .on_hover_text(t!("W: a customer belongs to the active base at a date when they ordered in the W months before it."));
            changed |= response.changed();
        });
        if changed {
            commands.push(Command::Apply(Box::new(all)));
        }
    }
}

fn kpis_ui(ui: &mut egui::Ui, results: &OverviewResults, commands: &mut Vec<Command>) {
    let Some(overview) = &results.overview else {
        ui.add_space(30.0);
        ui.label(t!("No complete period before the as-of date yet: choose a shorter period or a custom range."));
        return;
    };
    ui.add_space(4.0);
    let k = &overview.current;
    ui.label(
        RichText::new(t!(
            "%{period} (%{dates}) · active base: customers with an order in the previous %{months} months",
            period = period_name(overview.period, k.window),
            dates = k.window.label(),
            months = overview.active_window_months
        ))
        .strong(),
    );
    ui.label(
        RichText::new(t!(
            "Reconciliation: CS %{cs} − lost %{lost} + CN %{cn} (new %{new} + won back %{won_back}) = CE %{ce}",
            cs = group_thousands(k.customers_at_start as usize),
            lost = group_thousands(k.lost as usize),
            cn = group_thousands(k.customers_won as usize),
            new = group_thousands(k.new_customers as usize),
            won_back = group_thousands(k.won_back as usize),
            ce = group_thousands(k.customers_at_end as usize),
        ))
        .weak(),
    );
    if ui
        .button(t!("Export CSV"))
        .on_hover_text(t!("These KPIs with their inputs and the simple CLV as CSV"))
        .clicked()
    {
        commands.push(Command::export_table("kpis", overview_frame(overview)));
    }
    ui.add_space(6.0);
    egui::ScrollArea::vertical().show(ui, |ui| {
        // A card takes its width, its frame's margins and stroke on both
        // sides and the spacing to the next; counting less let a row run
        // past the panel, and everything below then wrapped at that width.
        let footprint = CARD_WIDTH + 2.0 * (CARD_MARGIN + 1.0) + ui.spacing().item_spacing.x;
        let per_row = ((ui.available_width() / footprint) as usize).max(1);
        for chunk in overview.kpis.chunks(per_row) {
            ui.horizontal(|ui| {
                for kpi in chunk {
                    card_ui(ui, kpi);
                }
            });
            ui.add_space(6.0);
        }
        clv_ui(ui, overview);
        if let Some(mrr) = &results.mrr {
            ui.add_space(10.0);
            ui.heading(t!("Subscriptions: MRR")).on_hover_text(
                t!("A customer's MRR in a month is what they paid in it. New: first payment ever; reactivated: paid, not the month before but earlier; expansion and contraction: change for those who paid both months; churned: paid the month before, not now. Revenue churn = (churned + contraction) ÷ last month's MRR."),
            );
            if let Some(last) = mrr.months.last() {
                ui.label(t!(
                    "The orders look recurring: %{reason}. %{month}: MRR %{mrr} from %{customers} customers · new %{new} · expansion %{expansion} · contraction %{contraction} · churned %{churned} · reactivated %{reactivated} · revenue churn %{revenue_churn}",
                    reason = mrr.reason,
                    month = format_month(last.month),
                    mrr = format_number(last.mrr, 2),
                    customers = group_thousands(last.customers as usize),
                    new = format_number(last.new, 2),
                    expansion = format_number(last.expansion, 2),
                    contraction = format_number(last.contraction, 2),
                    churned = format_number(last.churned, 2),
                    reactivated = format_number(last.reactivated, 2),
                    revenue_churn = last.revenue_churn.map_or("–".into(), |c| Unit::Percent.format(c)),
                ));
            }
            if let Some(format) = super::chart_view::chart_ui(ui, &mrr.chart, 220.0) {
                commands.push(Command::export_chart(&mrr.chart, format));
            }
            subscriptions_ui(ui, mrr, commands);
        }
    });
}

/// The sBG view: how long subscribers stay, and what today's are worth.
fn subscriptions_ui(
    ui: &mut egui::Ui,
    mrr: &crate::analysis::results::Mrr,
    commands: &mut Vec<Command>,
) {
    let s = &mrr.subscriptions;
    ui.add_space(10.0);
    ui.heading(t!("Subscriptions: how long subscribers stay")).on_hover_text(
        t!("Shifted-beta-geometric model (Fader & Hardie 2007): every subscriber has a constant chance to cancel at each renewal, and that chance differs between subscribers (a beta distribution), so a cohort's retention rises as the likely cancellers leave."),
    );
    let unit = s.billing_period.label();
    match (s.pooled, s.expected_remaining_periods, s.clv_total) {
        (Some(model), Some(remaining), Some(value)) => {
            ui.label(t!(
                "Billed per %{unit}. Fitted on %{cohorts} cohorts' renewals: α %{alpha}, β %{beta} (mean chance to cancel at a renewal %{cancel}). Today's %{subscribers} subscribers are expected to pay for %{remaining} more %{units} each within %{years} years; at their last price, discounted by %{discount} a %{unit}, they are worth %{value} (subscription CLV).",
                unit = unit,
                units = s.billing_period.plural(),
                cohorts = s.cohorts.len(),
                alpha = format_number(model.alpha, 3),
                beta = format_number(model.beta, 3),
                cancel = Unit::Percent.format(model.alpha / (model.alpha + model.beta)),
                subscribers = group_thousands(s.subscribers as usize),
                remaining = format_number(remaining, 1),
                years = s.horizon_years,
                discount = Unit::Percent.format(s.discount_per_period),
                value = format_number(value, 2),
            ));
        }
        _ => {
            ui.label(t!("No renewal observed yet: the retention model needs subscribers whose second payment is due before the as-of date."));
        }
    }
    if let Some(format) = super::chart_view::chart_ui(ui, &mrr.retention_chart, 240.0) {
        commands.push(Command::export_chart(&mrr.retention_chart, format));
    }
}

fn value_text(unit: Unit, value: Option<f64>) -> String {
    match value {
        None => "–".into(),
        Some(v) => match unit {
            Unit::Count if v.fract() != 0.0 => format_number(v, 2),
            unit => unit.format(v),
        },
    }
}

fn change_text(kpi: &Kpi) -> Option<(String, Color32)> {
    let (now, before) = (kpi.value?, kpi.previous?);
    let delta = now - before;
    let arrow = if delta > 0.0 {
        "▲"
    } else if delta < 0.0 {
        "▼"
    } else {
        "="
    };
    // Churn going up is bad news; everything else going up is good.
    let good = if kpi.key == "churn_rate" {
        delta < 0.0
    } else {
        delta > 0.0
    };
    let color = if delta == 0.0 {
        Color32::GRAY
    } else if good {
        theme::OK_TEXT
    } else {
        theme::ERROR_TEXT
    };
    let text = if kpi.is_rate() {
        format!(
            "{arrow} {}",
            t!(
                "%{delta} pp vs previous",
                delta = format_number(delta * 100.0, 1)
            )
        )
    } else if before != 0.0 {
        format!(
            "{arrow} {}",
            t!(
                "%{delta} % vs previous",
                delta = format_number(delta / before.abs() * 100.0, 1)
            )
        )
    } else {
        format!("{arrow} {}", t!("vs previous"))
    };
    Some((text, color))
}

fn card_ui(ui: &mut egui::Ui, kpi: &Kpi) {
    let frame = egui::Frame::group(ui.style())
        .inner_margin(CARD_MARGIN)
        .corner_radius(6.0);
    frame.show(ui, |ui| {
        ui.set_width(CARD_WIDTH);
        ui.vertical(|ui| {
            let mut hover = format!("{}\n= {}", kpi.name, kpi.formula);
            for (name, value) in &kpi.inputs {
                hover.push_str(&format!(
                    "\n{name}: {}",
                    format_number(*value, if value.fract() == 0.0 { 0 } else { 2 })
                ));
            }
            if let Some(context) = &kpi.context {
                hover.push_str(&format!("\n\n{context}"));
            }
            ui.label(RichText::new(kpi.name.as_ref()).weak())
                .on_hover_text(&hover);
            ui.label(
                RichText::new(value_text(kpi.unit, kpi.value))
                    .size(24.0)
                    .strong(),
            )
            .on_hover_text(&hover);
            if let Some(parts) = kpi.parts() {
                let parts: Vec<String> = parts
                    .iter()
                    .map(|(name, value)| format!("{name} {}", format_number(*value, 0)))
                    .collect();
                ui.label(RichText::new(parts.join(" + ")).small());
            }
            match change_text(kpi) {
                Some((text, color)) => ui.label(RichText::new(text).color(color).small()),
                None => ui.label(RichText::new(t!("no previous period")).weak().small()),
            };
            if kpi.trend.len() > 1 {
                Plot::new(("spark", kpi.key))
                    .height(36.0)
                    .show_axes(false)
                    .show_grid(false)
                    .allow_drag(false)
                    .allow_zoom(false)
                    .allow_scroll(false)
                    .allow_boxed_zoom(false)
                    .show_x(false)
                    .show_y(false)
                    .show(ui, |plot| {
                        plot.line(
                            Line::new(kpi.name.as_ref(), PlotPoints::from(kpi.trend.clone()))
                                .color(Color32::from_rgb(31, 119, 180))
                                .width(1.5),
                        );
                    });
            }
            if let Some(context) = &kpi.context {
                ui.label(RichText::new(context.as_ref()).small().weak());
            }
        });
    });
}

fn clv_ui(ui: &mut egui::Ui, overview: &Overview) {
    let clv = &overview.simple_clv;
    ui.add_space(6.0);
    ui.heading(t!("Simple customer lifetime value"));
    ui.label(t!(
        "CLV = average purchase value × purchases per year × expected lifetime, over %{window}",
        window = clv.window.label()
    ));
    egui::Grid::new("simple_clv")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            let money = |v: Option<f64>| v.map_or("–".into(), |v| format_number(v, 2));
            ui.label(t!("Average purchase value (APV)"));
            ui.label(money(clv.average_purchase_value));
            ui.end_row();
            ui.label(t!("Purchases per customer per year (APF)"));
            ui.label(
                clv.purchases_per_year
                    .map_or("–".into(), |v| format_number(v, 2)),
            );
            ui.end_row();
            ui.label(t!("Annual churn"));
            ui.label(
                clv.annual_churn
                    .map_or("–".into(), |v| Unit::Percent.format(v)),
            );
            ui.end_row();
            ui.label(t!(
                "Expected lifetime (ACL = 1 ÷ annual churn, at most 10 years)"
            ));
            ui.label(t!("%{n} years", n = format_number(clv.lifetime_years, 1)));
            ui.end_row();
            ui.label(RichText::new(t!("Simple CLV")).strong());
            ui.label(RichText::new(money(clv.clv)).strong());
            ui.end_row();
        });
}
