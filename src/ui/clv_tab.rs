//! The CLV tab: the simple CLV forms per segment, the fitted "buy till you
//! die" models with their settings, CLV by segment, the CLV spread, the
//! P(alive) map, the holdout check, valuable customers slipping away, and
//! every customer's prediction in a sortable, searchable table.

use rust_i18n::t;
use std::sync::Arc;

use eframe::egui::{self, RichText};
use egui_extras::{Column as TableColumn, TableBuilder};
use serde::{Deserialize, Serialize};

use super::chart_view::{Export, chart_header_ui, chart_ui};
use super::context::{Command, TabContext};
use super::heatmap_view::heatmap_ui;
use super::theme;
use super::widgets::{DateField, Draft, controls_row, date_field_ui, maybe_stale_ui, settled};
use crate::analysis::clv::by_segment::ClvSegmentRow;
use crate::analysis::clv::charts::clv_definition;
use crate::analysis::clv::{
    ClvRow, ClvSettings, ModelComparison, ModelFit, ModelKind, SpendModel, frames,
};
use crate::analysis::groups::display_name;
use crate::analysis::kpis::SimpleClv;
use crate::analysis::results::RangeSource;
use crate::analysis::results::{ClvResults, SimpleClvRow};
use crate::analysis::{FALLING_P_ALIVE, Part, Settings};
use crate::chart::Unit;
use crate::format::{format_number, group_thousands, parse_local_number};
use crate::i18n::format_day;
use std::borrow::Cow;

/// A column of the customer table, for sorting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClvColumn {
    Customer,
    Frequency,
    Recency,
    Age,
    Monetary,
    PAlive,
    Expected,
    Spend,
    #[default]
    Clv,
}

impl ClvColumn {
    const ALL: [ClvColumn; 9] = [
        ClvColumn::Customer,
        ClvColumn::Frequency,
        ClvColumn::Recency,
        ClvColumn::Age,
        ClvColumn::Monetary,
        ClvColumn::PAlive,
        ClvColumn::Expected,
        ClvColumn::Spend,
        ClvColumn::Clv,
    ];

    fn title(self) -> Cow<'static, str> {
        match self {
            ClvColumn::Customer => t!("Customer"),
            ClvColumn::Frequency => t!("Repeat purchases"),
            ClvColumn::Recency => t!("Recency (weeks)"),
            ClvColumn::Age => t!("Age T (weeks)"),
            ClvColumn::Monetary => t!("Avg repeat spend"),
            ClvColumn::PAlive => t!("P(alive)"),
            ClvColumn::Expected => t!("Expected purchases"),
            ClvColumn::Spend => t!("Expected spend"),
            ClvColumn::Clv => t!("CLV"),
        }
    }

    fn hint(self) -> Cow<'static, str> {
        match self {
            ClvColumn::Customer => t!("Customer id"),
            ClvColumn::Frequency => {
                t!("x: purchase days after the first, up to the calibration end")
            }
            ClvColumn::Recency => t!("t_x: weeks from the first to the last purchase day"),
            ClvColumn::Age => t!("T: weeks from the first purchase day to the calibration end"),
            ClvColumn::Monetary => t!("Mean spend of the repeat purchase days"),
            ClvColumn::PAlive => t!("The model's probability that the customer still buys"),
            ClvColumn::Expected => t!("Purchases the model expects in the horizon"),
            ClvColumn::Spend => t!("Gamma-Gamma expected spend per purchase"),
            ClvColumn::Clv => clv_definition(),
        }
    }

    fn key(self, r: &ClvRow) -> f64 {
        match self {
            ClvColumn::Customer => 0.0,
            ClvColumn::Frequency => r.frequency as f64,
            ClvColumn::Recency => r.recency_weeks,
            ClvColumn::Age => r.t_weeks,
            ClvColumn::Monetary => r.monetary_value.unwrap_or(f64::NEG_INFINITY),
            ClvColumn::PAlive => r.p_alive,
            ClvColumn::Expected => r.expected_purchases,
            ClvColumn::Spend => r.expected_avg_spend.unwrap_or(f64::NEG_INFINITY),
            ClvColumn::Clv => r.clv.unwrap_or(f64::NEG_INFINITY),
        }
    }

    fn text(self, r: &ClvRow) -> String {
        let money = |v: Option<f64>| v.map_or("–".into(), |v| format_number(v, 2));
        match self {
            ClvColumn::Customer => r.customer_id.clone(),
            ClvColumn::Frequency => r.frequency.to_string(),
            ClvColumn::Recency => format_number(r.recency_weeks, 1),
            ClvColumn::Age => format_number(r.t_weeks, 1),
            ClvColumn::Monetary => money(r.monetary_value),
            ClvColumn::PAlive => Unit::Percent.format(r.p_alive),
            ClvColumn::Expected => format_number(r.expected_purchases, 2),
            ClvColumn::Spend => money(r.expected_avg_spend),
            ClvColumn::Clv => money(r.clv),
        }
    }
}

/// How the customer table is sorted; persisted with the view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClvSort {
    pub column: ClvColumn,
    pub descending: bool,
}

impl Default for ClvSort {
    fn default() -> Self {
        ClvSort {
            column: ClvColumn::Clv,
            descending: true,
        }
    }
}

/// How the tab shows the customers; saved with the app.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClvPrefs {
    pub sort: ClvSort,
}

/// The customer table's row order for one choice of customers (the stamp
/// of the computation that chose them), sort and search, so that a million
/// rows are sorted once, not every frame.
struct TableOrder {
    key: (u64, ClvSort, String),
    rows: Arc<[usize]>,
}

/// The tab's text fields, settings being dragged and the table's order.
#[derive(Default)]
pub struct ClvTab {
    calibration_end: String,
    search: String,
    draft: Draft<ClvSettings>,
    table_order: Option<TableOrder>,
}

impl ClvTab {
    pub fn new(settings: &ClvSettings) -> ClvTab {
        ClvTab {
            calibration_end: settings
                .calibration_end
                .map(|d| d.to_string())
                .unwrap_or_default(),
            ..ClvTab::default()
        }
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        ctx: &TabContext<'_>,
        prefs: &mut ClvPrefs,
        commands: &mut Vec<Command>,
    ) {
        let Some(results) = ctx.results.clv.clone() else {
            ui.spinner();
            return;
        };
        self.controls_ui(ui, ctx.settings, &ctx.groupable_columns(), commands);
        egui::ScrollArea::vertical().show(ui, |ui| {
            maybe_stale_ui(ui, ctx.is_fresh(Part::Clv), |ui| {
                self.results_ui(ui, &results, prefs, commands)
            })
        });
    }

    fn results_ui(
        &mut self,
        ui: &mut egui::Ui,
        results: &ClvResults,
        prefs: &mut ClvPrefs,
        commands: &mut Vec<Command>,
    ) {
        simple_forms_ui(ui, &results.simple, commands);
        ui.add_space(8.0);
        let fit = match &results.fit {
            Ok(fit) => fit.clone(),
            Err(reason) => {
                ui.heading(t!("Predicted CLV"));
                ui.label(RichText::new(reason).color(theme::WARNING_TEXT));
                return;
            }
        };
        model_summary_ui(ui, &fit);
        ui.add_space(8.0);
        by_segment_ui(ui, results, commands);
        ui.add_space(8.0);
        let distribution = &results.kept.distribution;
        if let Some(format) = chart_ui(ui, distribution, 220.0) {
            commands.push(Command::export_chart(distribution, format));
        }
        ui.add_space(8.0);
        if let Some(map) = &results.p_alive_map {
            if let Some(Export::Image(format)) = chart_header_ui(ui, map, None) {
                commands.push(Command::export_chart(map, format));
            }
            if let Some(heatmap) = &map.heatmap {
                heatmap_ui(ui, heatmap, 340.0);
            }
            ui.label(RichText::new(&map.caption).small().weak());
        }
        ui.add_space(8.0);
        holdout_ui(ui, results, &fit, commands);
        ui.add_space(8.0);
        watch_list_ui(ui, results, commands);
        ui.add_space(8.0);
        self.customers_ui(ui, results, &fit, prefs, commands);
    }

    fn controls_ui(
        &mut self,
        ui: &mut egui::Ui,
        current: &Settings,
        groupable: &[String],
        commands: &mut Vec<Command>,
    ) {
        let (mut changed, mut held) = (false, false);
        let settings = self.draft.edit(&current.clv);
        controls_row(ui, |ui| {
            let label = ui.label(t!("CLV by"));
            egui::ComboBox::from_id_salt("clv_segment_by")
                .selected_text(display_name(&settings.segment_by))
                .show_ui(ui, |ui| {
                    for choice in groupable {
                        if ui
                            .selectable_label(settings.segment_by == *choice, display_name(choice))
                            .clicked()
                            && settings.segment_by != *choice
                        {
                            settings.segment_by = choice.clone();
                            changed = true;
                        }
                    }
                })
                .response
                .labelled_by(label.id)
                .on_hover_text(t!("What “CLV by segment” groups the customers by"));
            ui.separator();
            ui.label(t!("Model"));
            if ui
                .selectable_label(settings.pick_best_model, t!("Best on holdout"))
                .on_hover_text(t!("Fits every model on the purchases before the holdout weeks and uses the one whose predictions came closest to what each customer did in them (BG/NBD when Holdout is 0)"))
                .clicked()
                && !settings.pick_best_model
            {
                settings.pick_best_model = true;
                changed = true;
            }
            for kind in ModelKind::ALL {
                let chosen = !settings.pick_best_model && settings.model == kind;
                if ui
                    .selectable_label(chosen, kind.label())
                    .on_hover_text(kind.explanation())
                    .clicked()
                    && !chosen
                {
                    settings.model = kind;
                    settings.pick_best_model = false;
                    changed = true;
                }
            }
            ui.separator();
            match date_field_ui(
                ui,
                &t!("Calibration end"),
                &mut self.calibration_end,
                &mut settings.calibration_end,
                true,
            ) {
                DateField::Changed => changed = true,
                DateField::Invalid => {
                    ui.label(
                        RichText::new(t!("YYYY-MM-DD, or empty for the last day"))
                            .color(theme::WARNING_TEXT),
                    );
                }
                DateField::Unchanged => {}
            }
            ui.separator();
            let mut number = |ui: &mut egui::Ui,
                              name: &str,
                              value: &mut u32,
                              range,
                              suffix: &str,
                              hint: &str| {
                let label = ui.label(name);
                let response = ui
                    .add(egui::DragValue::new(value).range(range).suffix(suffix))
                    .labelled_by(label.id)
                    .on_hover_text(hint);
                held |= response.dragged() || response.has_focus();
                settled(&response)
            };
            changed |= number(
                ui,
                &t!("Horizon"),
                &mut settings.horizon_weeks,
                1..=520,
                &format!(" {}", t!("weeks")),
                &t!("Weeks ahead for the expected purchases"),
            );
            changed |= number(
                ui,
                &t!("CLV over"),
                &mut settings.clv_months,
                1..=120,
                &format!(" {}", t!("months")),
                &t!("Months of 30 days the CLV adds up"),
            );
            changed |= number(
                ui,
                &t!("Ranges"),
                &mut settings.resamples,
                0..=1000,
                &format!(" {}", t!("refits")),
                &t!(
                    "Refits on resampled customers for the 95 % ranges of the totals (0 = no ranges; more take longer and vary less)"
                ),
            );
            changed |= number(
                ui,
                &t!("Holdout"),
                &mut settings.holdout_weeks,
                0..=520,
                &format!(" {}", t!("weeks")),
                &t!("Weeks before the calibration end used to check the model (0 = no check)"),
            );
            let mut percent = settings.discount_rate_monthly * 100.0;
            let label = ui.label(t!("Discount"));
            let response = ui
                .add(
                    egui::DragValue::new(&mut percent)
                        .range(0.0..=20.0)
                        .speed(0.05)
                        .fixed_decimals(2)
                        .suffix(format!(" {}", t!("% / month")))
                        .custom_formatter(|value, _| format_number(value, 2))
                        .custom_parser(parse_local_number),
                )
                .labelled_by(label.id)
                .on_hover_text(t!(
                    "Monthly discount rate: money next year is worth less than money today"
                ));
            if response.changed() {
                settings.discount_rate_monthly = percent / 100.0;
            }
            held |= response.dragged() || response.has_focus();
            changed |= settled(&response);
        });
        if let Some(clv) = self.draft.finish(changed, held) {
            let mut all = current.clone();
            all.clv = clv;
            commands.push(Command::Apply(Box::new(all)));
        }
    }
}

fn simple_forms_ui(ui: &mut egui::Ui, simple: &[SimpleClvRow], commands: &mut Vec<Command>) {
    let Some(all) = simple.first().map(|row| &row.forms) else {
        return;
    };
    ui.horizontal(|ui| {
        ui.heading(t!("Simple CLV forms")).on_hover_text(
            t!("Purchase form: APV × APF × ACL. ARPU form: ARPU × ACL. Subscription form: monthly price × months subscribed. ACL = 1 ÷ annual churn, capped at 10 years."),
        );
        ui.label(RichText::new(t!("12 months to %{day}", day = format_day(all.window.end.pred_opt().unwrap_or(all.window.end)))).weak());
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.button(t!("Export CSV")).on_hover_text(t!("These forms per segment as CSV")).clicked() {
                commands.push(Command::export_table("clv_simple_forms", simple_frame(simple)));
            }
        });
    });
    ui.label(
        RichText::new(
            t!("Per RFM segment, churn is measured on customers picked for their recent behaviour (Champions bought recently, so few of them churned), which inflates the lifetime of the best segments; the predicted CLV below has no such bias."),
        )
        .small()
        .weak(),
    );
    let money = |v: Option<f64>| v.map_or("–".into(), |v| format_number(v, 2));
    egui::Grid::new("clv_simple").striped(true).show(ui, |ui| {
        for (title, hint) in [
            (t!("Segment"), None),
            (
                t!("APV"),
                Some(t!("Average purchase value: revenue ÷ purchases")),
            ),
            (
                t!("APF / year"),
                Some(t!(
                    "Average purchase frequency: purchases ÷ active customers"
                )),
            ),
            (
                t!("Annual churn"),
                Some(t!("Lost ÷ active base at the start of the 12 months")),
            ),
            (
                t!("ACL (years)"),
                Some(t!(
                    "Average customer lifetime: 1 ÷ annual churn, at most 10"
                )),
            ),
            (t!("Purchase form"), Some(t!("APV × APF × ACL"))),
            (t!("ARPU / year"), Some(t!("Revenue ÷ active customers"))),
            (t!("ARPU form"), Some(t!("ARPU × ACL"))),
            (
                t!("Monthly price"),
                Some(t!("Revenue ÷ customer-months with a purchase")),
            ),
            (
                t!("Subscription form"),
                Some(t!("Monthly price × ACL in months")),
            ),
        ] {
            let label = ui.label(RichText::new(title).strong());
            if let Some(hint) = hint {
                label.on_hover_text(hint);
            }
        }
        ui.end_row();
        for row in simple {
            ui.label(display_name(&row.segment));
            simple_row_ui(ui, &row.forms, &money);
            ui.end_row();
        }
    });
}

fn simple_row_ui(ui: &mut egui::Ui, f: &SimpleClv, money: &dyn Fn(Option<f64>) -> String) {
    ui.label(money(f.average_purchase_value));
    ui.label(
        f.purchases_per_year
            .map_or("–".into(), |v| format_number(v, 2)),
    );
    ui.label(
        f.annual_churn
            .map_or("–".into(), |v| Unit::Percent.format(v)),
    );
    ui.label(format_number(f.lifetime_years, 1));
    ui.label(RichText::new(money(f.clv)).strong());
    ui.label(money(f.arpu_per_year));
    ui.label(RichText::new(money(f.arpu_clv)).strong());
    ui.label(money(f.monthly_price));
    ui.label(RichText::new(money(f.subscription_clv)).strong());
}

fn simple_frame(
    simple: &[SimpleClvRow],
) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
    use polars::prelude::*;
    let col = |name: &str, f: fn(&SimpleClv) -> Option<f64>| {
        Column::new(
            name.into(),
            simple.iter().map(|r| f(&r.forms)).collect::<Vec<_>>(),
        )
    };
    DataFrame::new(
        simple.len(),
        vec![
            Column::new(
                "segment".into(),
                simple
                    .iter()
                    .map(|r| r.segment.as_str())
                    .collect::<Vec<_>>(),
            ),
            col("average_purchase_value", |s| s.average_purchase_value),
            col("purchases_per_year", |s| s.purchases_per_year),
            col("annual_churn", |s| s.annual_churn),
            col("lifetime_years", |s| Some(s.lifetime_years)),
            col("purchase_form_clv", |s| s.clv),
            col("arpu_per_year", |s| s.arpu_per_year),
            col("arpu_form_clv", |s| s.arpu_clv),
            col("monthly_price", |s| s.monthly_price),
            col("subscription_form_clv", |s| s.subscription_clv),
        ],
    )
}

fn model_summary_ui(ui: &mut egui::Ui, fit: &ModelFit) {
    let kind = fit.model.kind();
    ui.horizontal(|ui| {
        ui.heading(t!("Predicted CLV: %{model}", model = kind.label()))
            .on_hover_text(kind.explanation());
        if fit.settings.pick_best_model
            && let Some(Ok(comparison)) = &fit.comparison
            && comparison.best == Some(kind)
        {
            ui.label(RichText::new(t!("best on the holdout, see below")).weak());
        }
    });
    let parameters: Vec<String> = fit.parameter_intervals.iter().map(with_interval).collect();
    ui.label(t!(
        "Fitted on %{customers} customers' purchases up to %{day} (%{histories} distinct histories) in %{ms} ms: %{parameters} · log-likelihood %{log_likelihood}",
        customers = group_thousands(fit.customers),
        day = format_day(fit.calibration_end),
        histories = group_thousands(fit.distinct_rows),
        ms = fit.fit_ms,
        parameters = parameters.join("; "),
        log_likelihood = format_number(fit.log_likelihood, 1)
    ))
    .on_hover_text(t!("Maximum likelihood (Nelder–Mead on the log-parameters). In brackets each parameter's 95 % interval: ± 1.96 standard errors from the observed information (the curvature of the log-likelihood at the optimum), on the log scale so that it stays positive. Purchases on the same day count once; time is in weeks."));
    match &fit.spend {
        SpendModel::Fitted {
            model,
            customers,
            intervals,
            ..
        } => {
            let parameters: Vec<String> = intervals.iter().map(with_interval).collect();
            ui.label(t!(
                "Spend: Gamma-Gamma on %{customers} repeat customers: %{parameters} · average spend per purchase %{spend}",
                customers = group_thousands(*customers),
                parameters = parameters.join("; "),
                spend = format_number(model.population_mean(), 2)
            ))
            .on_hover_text(t!("Each customer's expected spend is a weighted mean of their own average and everyone's; the weight grows with their repeat purchases."));
        }
        SpendModel::Unavailable(reason) => {
            ui.label(RichText::new(reason).color(theme::WARNING_TEXT));
        }
    }
    ui.label(RichText::new(format!(
        "{} {}",
        clv_definition(),
        t!(
            "Horizon for expected purchases: %{weeks} weeks; CLV over %{months} months at %{discount} % a month.",
            weeks = fit.settings.horizon_weeks,
            months = fit.settings.clv_months,
            discount = format_number(fit.settings.discount_rate_monthly * 100.0, 2)
        )
    )).small().weak());
}

fn by_segment_ui(ui: &mut egui::Ui, results: &ClvResults, commands: &mut Vec<Command>) {
    let by = &results.by_segment;
    let chart = &by.chart;
    match chart_header_ui(ui, chart, Some(&t!("The CLV by segment table as CSV"))) {
        Some(Export::Image(format)) => commands.push(Command::export_chart(chart, format)),
        Some(Export::Csv) => commands.push(Command::export_table(
            "clv_by_segment",
            frames::segments_frame(&[(by.segment_by.as_str(), by.table.as_slice())]),
        )),
        None => {}
    }
    super::chart_view::plot_ui(ui, chart, 220.0);
    ui.add_space(4.0);
    // Figures and their ranges on one line each: a wrapped amount reads
    // as two numbers.
    ui.scope(|ui| {
        ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
        egui::Grid::new("clv_by_segment")
            .striped(true)
            .spacing([16.0, 4.0])
            .show(ui, |ui| {
                for title in [
                    t!("Segment"),
                    t!("Customers"),
                    t!("Average CLV"),
                    t!("Total CLV"),
                    t!("Avg P(alive)"),
                    t!("Expected purchases"),
                ] {
                    ui.label(RichText::new(title).strong());
                }
                ui.end_row();
                for row in &by.table {
                    segment_row_ui(ui, row, false);
                }
                segment_row_ui(ui, &by.total, true);
            });
    });
    ui.label(RichText::new(ranges_note(by.ranges)).small().weak());
}

/// One row of the CLV by segment table, the totals' 95 % ranges under them.
fn segment_row_ui(ui: &mut egui::Ui, row: &ClvSegmentRow, bold: bool) {
    let text = |text: String| {
        if bold {
            RichText::new(text).strong()
        } else {
            RichText::new(text)
        }
    };
    let money = |v: Option<f64>| v.map_or("–".into(), |v| format_number(v, 2));
    let with_range = |ui: &mut egui::Ui, value: String, range: Option<(f64, f64)>, decimals| {
        ui.vertical(|ui| {
            ui.label(text(value));
            if let Some((low, high)) = range {
                ui.label(
                    RichText::new(format!(
                        "{} – {}",
                        format_number(low, decimals),
                        format_number(high, decimals)
                    ))
                    .small()
                    .weak(),
                )
                .on_hover_text(t!(
                    "95 % range from refitting the models on resampled customers"
                ));
            }
        });
    };
    ui.label(text(display_name(&row.segment).into_owned()));
    ui.label(text(group_thousands(row.customers as usize)));
    with_range(ui, money(row.average_clv), row.average_clv_range(), 2);
    let total_range = row.clv_low.zip(row.clv_high);
    with_range(ui, money(row.total_clv), total_range, 0);
    ui.label(text(Unit::Percent.format(row.average_p_alive)));
    let purchases_range = row.expected_purchases_low.zip(row.expected_purchases_high);
    with_range(
        ui,
        format_number(row.expected_purchases, 1),
        purchases_range,
        0,
    );
    ui.end_row();
}

/// Where the ranges under the totals come from, or how to get them.
fn ranges_note(source: RangeSource) -> String {
    match source {
        RangeSource::Off => t!("No ranges: set Ranges above to a number of refits.").into(),
        RangeSource::Pending => {
            t!("Computing the 95 % ranges: refitting the models on resampled customers…").into()
        }
        RangeSource::Refits { succeeded, .. }
            if succeeded < crate::analysis::clv::bootstrap::MIN_REFITS =>
        {
            t!(
                "No ranges: only %{succeeded} of the refits on resampled customers could be fitted.",
                succeeded = succeeded
            )
            .into()
        }
        RangeSource::Refits { succeeded, asked } if succeeded < asked as usize => t!(
            "95 % ranges from %{succeeded} refits on resampled customers (%{failed} could not be fitted).",
            succeeded = succeeded,
            failed = asked as usize - succeeded
        )
        .into(),
        RangeSource::Refits { succeeded, .. } => t!(
            "95 % ranges from %{succeeded} refits of the models on customers drawn with replacement.",
            succeeded = succeeded
        )
        .into(),
    }
}

fn holdout_ui(
    ui: &mut egui::Ui,
    results: &ClvResults,
    fit: &ModelFit,
    commands: &mut Vec<Command>,
) {
    ui.heading(t!("Which model to trust? The holdout check"));
    match &fit.comparison {
        None => {
            ui.label(RichText::new(t!("Set Holdout above to a number of weeks: every model is then fitted on the purchases before them and its predictions compared with what customers did in them.")).weak());
        }
        Some(Err(reason)) => {
            ui.label(RichText::new(reason).color(theme::WARNING_TEXT));
        }
        Some(Ok(comparison)) => {
            ui.label(comparison.recommendation());
            if !fit.settings.pick_best_model
                && let Some(best) = comparison.best
                && best != fit.model.kind()
            {
                ui.label(
                    RichText::new(t!(
                        "You chose %{chosen}; choose “Best on holdout” above to use %{best}.",
                        chosen = fit.model.kind().label(),
                        best = best.label()
                    ))
                    .weak(),
                );
            }
            comparison_table_ui(ui, comparison, fit.model.kind());
            ui.add_space(4.0);
            ui.columns(2, |columns| {
                for (column, chart) in columns
                    .iter_mut()
                    .zip([&results.tracking_cumulative, &results.tracking_weekly])
                {
                    if let Some(chart) = chart
                        && let Some(format) = chart_ui(column, chart, 220.0)
                    {
                        commands.push(Command::export_chart(chart, format));
                    }
                }
            });
            if let Some(chart) = &results.holdout_by_frequency
                && let Some(format) = chart_ui(ui, chart, 220.0)
            {
                commands.push(Command::export_chart(chart, format));
            }
        }
    }
}

/// Every model's holdout figures side by side, the one in use marked.
fn comparison_table_ui(ui: &mut egui::Ui, comparison: &ModelComparison, in_use: ModelKind) {
    egui::Grid::new("clv_model_comparison")
        .striped(true)
        .spacing([16.0, 4.0])
        .show(ui, |ui| {
            for heading in [
                t!("Model"),
                t!("Predicted repeat purchases"),
                t!("Actual"),
                t!("Difference"),
                t!("Mean error per customer"),
                Cow::Borrowed(""),
            ] {
                ui.label(RichText::new(heading).strong());
            }
            ui.end_row();
            for (kind, check) in &comparison.checks {
                ui.label(kind.label());
                match check {
                    Ok(check) => {
                        ui.label(format_number(check.predicted_total(), 0));
                        ui.label(format_number(check.actual_total(), 0));
                        ui.label(format!(
                            "{}{} %",
                            if check.total_error() >= 0.0 { "+" } else { "−" },
                            format_number(check.total_error().abs() * 100.0, 1)
                        ));
                        ui.label(format_number(check.mae_per_customer, 3))
                            .on_hover_text(t!("Mean over the customers of |predicted − actual| purchases in the holdout"));
                    }
                    Err(reason) => {
                        ui.label(RichText::new(reason).color(theme::WARNING_TEXT));
                        for _ in 0..3 {
                            ui.label("–");
                        }
                    }
                }
                let mut notes = Vec::new();
                if comparison.best == Some(*kind) {
                    notes.push(t!("best"));
                }
                if in_use == *kind {
                    notes.push(t!("in use"));
                }
                ui.label(RichText::new(notes.join(", ")).weak());
                ui.end_row();
            }
        });
}

fn watch_list_ui(ui: &mut egui::Ui, results: &ClvResults, commands: &mut Vec<Command>) {
    let rows = results.falling_rows();
    ui.horizontal(|ui| {
        ui.heading(t!("Valuable customers slipping away")).on_hover_text(t!(
            "Customers in the top fifth by revenue so far whose P(alive) fell by at least %{points} points over the last 30 days, the largest falls first.",
            points = format_number(FALLING_P_ALIVE * 100.0, 0)
        ));
        ui.label(RichText::new(t!("%{n} customers", n = group_thousands(rows.len()))).weak());
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            for (button, excel) in [("Excel", true), ("CSV", false)] {
                if ui.add_enabled(!rows.is_empty(), egui::Button::new(t!("Export %{format}", format = button))).clicked() {
                    commands.push(customer_export("slipping_away", frames::watch_list_frame(&rows), excel));
                }
            }
        });
    });
    if rows.is_empty() {
        ui.label(
            RichText::new(t!(
                "No valuable customer's P(alive) fell noticeably in the last 30 days."
            ))
            .weak(),
        );
        return;
    }
    egui::Grid::new("clv_watch_list")
        .striped(true)
        .show(ui, |ui| {
            for title in [
                t!("Customer"),
                t!("P(alive) 30 days ago"),
                t!("P(alive) now"),
                t!("Repeat purchases"),
                t!("CLV"),
            ] {
                ui.label(RichText::new(title).strong());
            }
            ui.end_row();
            for r in rows.iter().take(10) {
                ui.label(&r.customer_id);
                ui.label(
                    r.p_alive_30_days_earlier
                        .map_or("–".into(), |p| Unit::Percent.format(p)),
                );
                ui.label(Unit::Percent.format(r.p_alive));
                ui.label(r.frequency.to_string());
                ui.label(r.clv.map_or("–".into(), |v| format_number(v, 2)));
                ui.end_row();
            }
        });
    if rows.len() > 10 {
        ui.label(
            RichText::new(t!(
                "…and %{n} more in the export",
                n = group_thousands(rows.len() - 10)
            ))
            .weak(),
        );
    }
}

/// Export a customer list that may have failed to build.
fn customer_export(
    name: &str,
    frame: polars::prelude::PolarsResult<polars::prelude::DataFrame>,
    excel: bool,
) -> Command {
    match frame {
        Ok(frame) => Command::ExportCustomers {
            name: name.to_string(),
            frame,
            excel,
        },
        Err(e) => Command::ShowError(t!("could not build the list: %{error}", error = e).into()),
    }
}

impl ClvTab {
    fn customers_ui(
        &mut self,
        ui: &mut egui::Ui,
        results: &ClvResults,
        fit: &ModelFit,
        prefs: &mut ClvPrefs,
        commands: &mut Vec<Command>,
    ) {
        let kept = results.kept.rows.len();
        ui.horizontal(|ui| {
            ui.heading(t!("Every customer"));
            let label = ui.label(t!("Search"));
            ui.add(
                egui::TextEdit::singleline(&mut self.search)
                    .hint_text(t!("customer id"))
                    .desired_width(160.0),
            )
            .labelled_by(label.id);
        });
        let order = self.table_order(
            &results.kept.rows,
            results.kept.stamp,
            &fit.rows,
            prefs.sort,
        );
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(t!(
                    "%{shown} of %{all} customers",
                    shown = group_thousands(order.len()),
                    all = group_thousands(kept)
                ))
                .weak(),
            );
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                for (button, excel) in [("Excel", true), ("CSV", false)] {
                    if ui
                        .button(t!("Export %{format}", format = button))
                        .on_hover_text(t!("The customers shown, in this order"))
                        .clicked()
                    {
                        let rows: Vec<&ClvRow> =
                            order.iter().filter_map(|i| fit.rows.get(*i)).collect();
                        commands.push(customer_export(
                            "clv",
                            frames::customers_frame(&rows),
                            excel,
                        ));
                    }
                }
            });
        });
        let sort = prefs.sort;
        let mut clicked = None;
        TableBuilder::new(ui)
            .id_salt("clv_customers")
            .striped(true)
            .max_scroll_height(360.0)
            .columns(
                TableColumn::initial(120.0).at_least(60.0).clip(true),
                ClvColumn::ALL.len(),
            )
            .header(22.0, |mut header| {
                for column in ClvColumn::ALL {
                    header.col(|ui| {
                        let arrow = if sort.column == column {
                            if sort.descending { " ▼" } else { " ▲" }
                        } else {
                            ""
                        };
                        if ui
                            .button(RichText::new(format!("{}{arrow}", column.title())).strong())
                            .on_hover_text(t!("%{hint} (click to sort)", hint = column.hint()))
                            .clicked()
                        {
                            clicked = Some(column);
                        }
                    });
                }
            })
            .body(|body| {
                body.rows(20.0, order.len(), |mut row| {
                    let Some(r) = order.get(row.index()).and_then(|i| fit.rows.get(*i)) else {
                        return;
                    };
                    for column in ClvColumn::ALL {
                        row.col(|ui| {
                            ui.label(column.text(r));
                        });
                    }
                });
            });
        if let Some(column) = clicked {
            let sort = &mut prefs.sort;
            if sort.column == column {
                sort.descending = !sort.descending;
            } else {
                *sort = ClvSort {
                    column,
                    descending: column != ClvColumn::Customer,
                };
            }
        }
    }

    /// The rows to show, sorted and searched, from the cache when it was
    /// made for the same customers (`stamp`), sort and search.
    fn table_order(
        &mut self,
        kept: &[usize],
        stamp: u64,
        rows: &[ClvRow],
        sort: ClvSort,
    ) -> Arc<[usize]> {
        let key = (stamp, sort, self.search.trim().to_lowercase());
        if let Some(cache) = &self.table_order
            && cache.key == key
        {
            return cache.rows.clone();
        }
        let order: Arc<[usize]> = sorted_rows(kept, rows, sort, &key.2).into();
        self.table_order = Some(TableOrder {
            key,
            rows: order.clone(),
        });
        order
    }
}

/// The kept rows whose id contains `search` (lower case), sorted.
fn sorted_rows(kept: &[usize], rows: &[ClvRow], sort: ClvSort, search: &str) -> Vec<usize> {
    let mut order: Vec<usize> = kept
        .iter()
        .copied()
        .filter(|i| {
            search.is_empty()
                || rows
                    .get(*i)
                    .is_some_and(|r| r.customer_id.to_lowercase().contains(search))
        })
        .collect();
    order.sort_by(|a, b| {
        let (Some(a), Some(b)) = (rows.get(*a), rows.get(*b)) else {
            return std::cmp::Ordering::Equal;
        };
        let order = if sort.column == ClvColumn::Customer {
            a.customer_id.cmp(&b.customer_id)
        } else {
            sort.column.key(a).total_cmp(&sort.column.key(b))
        };
        if sort.descending {
            order.reverse()
        } else {
            order
        }
    });
    order
}

/// `r = 0.243 (0.218–0.267)`: an estimate with its 95 % interval.
fn with_interval(interval: &crate::analysis::clv::intervals::ParameterInterval) -> String {
    let range = match (interval.low, interval.high) {
        (Some(low), Some(high)) => {
            format!(" ({}–{})", format_number(low, 3), format_number(high, 3))
        }
        _ => String::new(),
    };
    format!(
        "{} = {}{range}",
        interval.name,
        format_number(interval.value, 3)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, clv: f64) -> ClvRow {
        ClvRow {
            customer_id: id.into(),
            customer: 0,
            frequency: 1,
            recency_weeks: 1.0,
            t_weeks: 2.0,
            monetary_value: Some(10.0),
            p_alive: 0.5,
            expected_purchases: 1.0,
            expected_avg_spend: Some(10.0),
            clv: Some(clv),
            p_alive_30_days_earlier: None,
        }
    }

    /// Two filters keeping as many customers each: the second's customers
    /// are shown, not the first's (the order was once cached on the count).
    #[test]
    fn the_table_follows_the_customers_kept_not_their_number() {
        let rows = vec![row("a", 1.0), row("b", 2.0), row("c", 3.0), row("d", 4.0)];
        let mut tab = ClvTab::default();
        let sort = ClvSort::default();
        let first = tab.table_order(&[0, 1], 7, &rows, sort);
        assert_eq!(&*first, &[1, 0]);
        let second = tab.table_order(&[2, 3], 8, &rows, sort);
        assert_eq!(&*second, &[3, 2]);
        tab.search = "C".into();
        assert_eq!(&*tab.table_order(&[2, 3], 8, &rows, sort), &[2]);
    }
}
