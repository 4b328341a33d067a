//! The left panel: the data source and its dialect, the import report, the
//! column mapping and the global filters.

use chrono::NaiveDate;
use eframe::egui::{self, RichText};

use super::app::KohorteApp;
use super::theme;
use crate::analysis::Settings;
use crate::analysis::kpis::KpiSettings;
use crate::data::dialect::{DELIMITERS, TextEncoding, delimiter_label};
use crate::data::load::FileFormat;
use crate::data::roles::Role;
use crate::data::values::{DateFormat, DecimalMark};
use crate::data::{Dataset, ImportOptions};
use crate::format::{format_number, group_thousands};

/// The text of the date filter fields while the user types.
#[derive(Clone, Debug, Default)]
pub struct DateInputs {
    pub from: String,
    pub until: String,
}

fn day_text(day: Option<NaiveDate>) -> String {
    day.map(|d| d.to_string()).unwrap_or_default()
}

impl DateInputs {
    pub fn from_settings(settings: &Settings) -> DateInputs {
        DateInputs {
            from: day_text(settings.filters.from),
            until: day_text(settings.filters.until),
        }
    }

    pub fn from_kpis(settings: &KpiSettings) -> DateInputs {
        DateInputs {
            from: day_text(settings.custom_from),
            until: day_text(settings.custom_until),
        }
    }
}

pub fn ui(app: &mut KohorteApp, ui: &mut egui::Ui) {
    if let Some((source, columns)) = app.unmapped.clone() {
        unmapped_ui(app, ui, &source.display_name(), &columns);
        ui.separator();
    }
    let Some(dataset) = app.dataset.clone() else {
        ui.heading("Data source");
        match (&app.source, app.is_busy()) {
            (Some(source), true) => ui.label(format!("Opening {}…", source.display_name())),
            _ => ui.label("Nothing open yet."),
        };
        return;
    };
    egui::CollapsingHeader::new(RichText::new("Data source").strong())
        .default_open(true)
        .show(ui, |ui| source_ui(app, ui, &dataset));
    egui::CollapsingHeader::new(RichText::new("Import report").strong())
        .default_open(true)
        .show(ui, |ui| report_ui(ui, &dataset));
    egui::CollapsingHeader::new(RichText::new("Column mapping").strong())
        .default_open(true)
        .show(ui, |ui| mapping_ui(app, ui, &dataset));
    egui::CollapsingHeader::new(RichText::new("Filters").strong())
        .default_open(true)
        .show(ui, |ui| filters_ui(app, ui));
    egui::CollapsingHeader::new(RichText::new("Other sources").strong())
        .default_open(true)
        .show(ui, |ui| side_sources_ui(app, ui));
}

/// The event log and the survey beside the orders, and which tabs use them.
fn side_sources_ui(app: &mut KohorteApp, ui: &mut egui::Ui) {
    let (events, survey) = app.side_sources.clone();
    egui::Grid::new("side_sources")
        .num_columns(2)
        .show(ui, |ui| {
            for (name, source, used_by, events_kind) in [
                ("Event log", events, "Engagement tab", true),
                ("Survey file", survey, "Survey tab", false),
            ] {
                ui.label(name)
                    .on_hover_text(format!("Used by the {used_by}"));
                match source {
                    Some(source) => ui.label(source.display_name()),
                    None => ui.label(RichText::new("none").weak()),
                };
                if ui
                    .small_button("Open…")
                    .on_hover_text(format!("Open a file for the {used_by}"))
                    .clicked()
                {
                    app.open_side_dialog(events_kind);
                }
                ui.end_row();
            }
        });
    ui.label(RichText::new("The orders above feed every other tab.").weak());
}

fn source_ui(app: &mut KohorteApp, ui: &mut egui::Ui, dataset: &Dataset) {
    if dataset.source.is_demo() {
        ui.label(
            RichText::new("Demo data: a fictional online shop in DE, NL, AT and BE. Open your own file with File → Open or drop it here.")
                .color(theme::DEMO_BADGE),
        );
    }
    ui.label(RichText::new(dataset.source.display_name()).strong());
    let report = &dataset.report;
    let Some(dialect) = report.dialect.clone() else {
        ui.label(match report.format {
            FileFormat::Parquet => "Parquet file: types are taken from the file.",
            FileFormat::Csv => "CSV file",
        });
        return;
    };
    let mut options = app.options.clone();
    let before = options.clone();
    egui::Grid::new("dialect_grid")
        .num_columns(2)
        .show(ui, |ui| {
            ui.label("Delimiter");
            egui::ComboBox::from_id_salt("delimiter")
                .selected_text(delimiter_label(dialect.delimiter))
                .show_ui(ui, |ui| {
                    for d in DELIMITERS {
                        if ui
                            .selectable_label(dialect.delimiter == d, delimiter_label(d))
                            .clicked()
                        {
                            options.dialect.delimiter = Some(d);
                        }
                    }
                });
            ui.end_row();
            ui.label("Quote");
            egui::ComboBox::from_id_salt("quote")
                .selected_text(quote_label(dialect.quote))
                .show_ui(ui, |ui| {
                    for q in [Some('"'), Some('\''), None] {
                        if ui
                            .selectable_label(dialect.quote == q, quote_label(q))
                            .clicked()
                        {
                            options.dialect.quote = Some(q);
                        }
                    }
                });
            ui.end_row();
            ui.label("Encoding");
            egui::ComboBox::from_id_salt("encoding")
                .selected_text(dialect.encoding.label())
                .show_ui(ui, |ui| {
                    for e in TextEncoding::ALL {
                        if ui
                            .selectable_label(dialect.encoding == e, e.label())
                            .clicked()
                        {
                            options.dialect.encoding = Some(e);
                        }
                    }
                });
            ui.end_row();
            ui.label("Numbers");
            egui::ComboBox::from_id_salt("decimal_mark")
                .selected_text(dialect.decimal_mark.label())
                .show_ui(ui, |ui| {
                    for m in [DecimalMark::Dot, DecimalMark::Comma] {
                        if ui
                            .selectable_label(dialect.decimal_mark == m, m.label())
                            .clicked()
                        {
                            options.dialect.decimal_mark = Some(m);
                        }
                    }
                });
            ui.end_row();
        });
    let mut header = dialect.has_header;
    if ui
        .checkbox(&mut header, "First row holds column names")
        .changed()
    {
        options.dialect.has_header = Some(header);
    }
    if options != before {
        app.reimport(options);
    }
}

fn quote_label(quote: Option<char>) -> String {
    match quote {
        Some(q) => format!("{q}text{q}"),
        None => "no quoting".to_string(),
    }
}

fn report_ui(ui: &mut egui::Ui, dataset: &Dataset) {
    let r = &dataset.report;
    egui::Grid::new("report_grid")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            let row = |ui: &mut egui::Ui, name: &str, value: String| {
                ui.label(name);
                ui.label(value);
                ui.end_row();
            };
            row(ui, "Rows read", group_thousands(r.rows_read));
            row(ui, "Rows used", group_thousands(r.rows_used));
            row(ui, "Rows dropped", group_thousands(r.rows_dropped));
            row(ui, "Customers", group_thousands(r.customers));
            row(ui, "Orders", group_thousands(r.orders));
            let day = |d: Option<NaiveDate>| d.map_or("–".to_string(), |d| d.to_string());
            row(ui, "First order", day(r.first_date));
            row(ui, "Last order", day(r.last_date));
            if let Some(total) = r.total_amount {
                row(ui, "Total amount", format_number(total, 2));
                row(
                    ui,
                    "Refunds",
                    format!(
                        "{} rows, {}",
                        group_thousands(r.refunds),
                        format_number(r.refund_amount.unwrap_or(0.0), 2)
                    ),
                );
            }
        });
    for dropped in &r.dropped {
        let examples: Vec<String> = dropped
            .examples
            .iter()
            .map(|e| {
                if e.value.is_empty() {
                    format!("row {}", group_thousands(e.row))
                } else {
                    format!("'{}' in row {}", e.value, group_thousands(e.row))
                }
            })
            .collect();
        ui.label(
            RichText::new(format!(
                "Dropped {} rows: {} (e.g. {})",
                group_thousands(dropped.count),
                dropped.message,
                examples.join(", ")
            ))
            .color(theme::WARNING_TEXT),
        );
    }
    for warning in &r.warnings {
        ui.label(RichText::new(format!("⚠ {warning}")).color(theme::WARNING_TEXT));
    }
    if r.dropped.is_empty() && r.warnings.is_empty() {
        ui.label(RichText::new("✔ Every row was used.").color(theme::OK_TEXT));
    }
}

fn mapping_ui(app: &mut KohorteApp, ui: &mut egui::Ui, dataset: &Dataset) {
    ui.label(
        RichText::new("Which column is what. Change any of them; the analyses recompute.").weak(),
    );
    let mut options: ImportOptions = app.options.clone();
    let before = options.clone();
    egui::Grid::new("mapping_grid").num_columns(2).show(ui, |ui| {
        for role in Role::ALL {
            let current = dataset.mapping.get(role).map(str::to_string);
            let name = if role.required() {
                format!("{} *", role.label())
            } else {
                role.label().to_string()
            };
            let label = ui.label(name).on_hover_text(role.help());
            let text = current.clone().unwrap_or_else(|| "(none)".to_string());
            egui::ComboBox::from_id_salt(("role", role.key()))
                .selected_text(text)
                .width(170.0)
                .show_ui(ui, |ui| {
                    if !role.required() && ui.selectable_label(current.is_none(), "(none)").clicked() {
                        options.roles.insert(role, None);
                    }
                    for column in &dataset.input_columns {
                        let selected = current.as_deref() == Some(column.as_str());
                        if ui.selectable_label(selected, column).clicked() {
                            options.roles.insert(role, Some(column.clone()));
                        }
                    }
                })
                .response
                .labelled_by(label.id);
            ui.end_row();
        }
        if dataset.mapping.date_format.is_some() || options.date_format.is_some() {
            let label = ui
                .label("Date format")
                .on_hover_text("How the order date column is written. Kohorte decides it from the whole column.");
            let current = dataset.mapping.date_format;
            egui::ComboBox::from_id_salt("date_format")
                .selected_text(current.map_or("native", |f| f.label()))
                .width(170.0)
                .show_ui(ui, |ui| {
                    for format in DateFormat::ALL {
                        if ui.selectable_label(current == Some(format), format.label()).clicked() {
                            options.date_format = Some(format);
                        }
                    }
                })
                .response
                .labelled_by(label.id);
            ui.end_row();
        }
    });
    if !dataset.attributes.is_empty() {
        ui.label(
            RichText::new(format!(
                "Kept as attributes: {}",
                dataset.attributes.join(", ")
            ))
            .weak(),
        );
    }
    if options != before {
        app.reimport(options);
    }
}

/// Maps the columns of a file that could not be read with the detected
/// mapping: the two required roles and the optional ones, then reads again.
fn unmapped_ui(app: &mut KohorteApp, ui: &mut egui::Ui, name: &str, columns: &[String]) {
    ui.heading("Map the columns");
    ui.label(format!("Kohorte could not tell which columns of '{name}' hold what. Choose them, then read the file again."));
    let options = &mut app.options;
    egui::Grid::new("unmapped_grid")
        .num_columns(2)
        .show(ui, |ui| {
            for role in [
                Role::CustomerId,
                Role::Timestamp,
                Role::Amount,
                Role::OrderId,
            ] {
                let label = ui.label(role.label()).on_hover_text(role.help());
                let current = options.roles.get(&role).cloned().flatten();
                egui::ComboBox::from_id_salt(("unmapped", role.key()))
                    .selected_text(current.clone().unwrap_or_else(|| "(detect)".into()))
                    .width(170.0)
                    .show_ui(ui, |ui| {
                        if !role.required() && ui.selectable_label(false, "(none)").clicked() {
                            options.roles.insert(role, None);
                        }
                        for column in columns {
                            if ui
                                .selectable_label(
                                    current.as_deref() == Some(column.as_str()),
                                    column,
                                )
                                .clicked()
                            {
                                options.roles.insert(role, Some(column.clone()));
                            }
                        }
                    })
                    .response
                    .labelled_by(label.id);
                ui.end_row();
            }
            let label = ui.label("Date format");
            egui::ComboBox::from_id_salt("unmapped_date_format")
                .selected_text(options.date_format.map_or("(detect)", |f| f.label()))
                .width(170.0)
                .show_ui(ui, |ui| {
                    for format in DateFormat::ALL {
                        if ui
                            .selectable_label(options.date_format == Some(format), format.label())
                            .clicked()
                        {
                            options.date_format = Some(format);
                        }
                    }
                })
                .response
                .labelled_by(label.id);
            ui.end_row();
        });
    if ui.button("Read the file with these columns").clicked() {
        let options = app.options.clone();
        app.reimport(options);
    }
}

/// What a date field did this frame.
pub(super) enum DateField {
    Changed,
    Unchanged,
    /// The text is no YYYY-MM-DD date; the value was left as it was.
    Invalid,
}

/// A labelled YYYY-MM-DD field bound to `slot`. An empty field clears the
/// date when `clearable`, and is otherwise left unapplied.
pub(super) fn date_field_ui(
    ui: &mut egui::Ui,
    name: &str,
    text: &mut String,
    slot: &mut Option<NaiveDate>,
    clearable: bool,
) -> DateField {
    let label = ui.label(name);
    let response = ui
        .add(
            egui::TextEdit::singleline(text)
                .hint_text("YYYY-MM-DD")
                .desired_width(110.0),
        )
        .labelled_by(label.id);
    let trimmed = text.trim();
    let parsed = match NaiveDate::parse_from_str(trimmed, "%Y-%m-%d") {
        Ok(day) => Some(day),
        Err(_) if trimmed.is_empty() && clearable => None,
        Err(_) if trimmed.is_empty() => return DateField::Unchanged,
        Err(_) => return DateField::Invalid,
    };
    if response.changed() && *slot != parsed {
        *slot = parsed;
        DateField::Changed
    } else {
        DateField::Unchanged
    }
}

fn filters_ui(app: &mut KohorteApp, ui: &mut egui::Ui) {
    let mut changed = false;
    let filters = &mut app.persisted.settings.filters;
    egui::Grid::new("date_filter_grid")
        .num_columns(2)
        .show(ui, |ui| {
            for (name, text, slot) in [
                ("From", &mut app.date_inputs.from, &mut filters.from),
                ("Until", &mut app.date_inputs.until, &mut filters.until),
            ] {
                match date_field_ui(ui, name, text, slot, true) {
                    DateField::Changed => changed = true,
                    DateField::Invalid => {
                        ui.end_row();
                        ui.label("");
                        ui.label(
                            RichText::new("Write the date as YYYY-MM-DD")
                                .color(theme::WARNING_TEXT),
                        );
                    }
                    DateField::Unchanged => {}
                }
                ui.end_row();
            }
        });
    let segment_choices: crate::analysis::filter::FilterChoices = app
        .results
        .as_ref()
        .map(|r| {
            let counts = |t: &[crate::analysis::segments::SegmentSummary]| {
                Some(
                    t.iter()
                        .map(|s| (s.segment.clone(), s.customers as usize))
                        .collect(),
                )
            };
            let mut choices = vec![
                (
                    crate::analysis::RFM_SEGMENT.to_string(),
                    counts(&r.segments.rfm_table),
                ),
                (
                    crate::analysis::STATUS.to_string(),
                    counts(&r.segments.status_table),
                ),
            ];
            if let Some(loyalty) = &r.loyalty {
                choices.push((
                    crate::analysis::LOYALTY_TIER.to_string(),
                    Some(
                        loyalty
                            .summary
                            .members_per_tier
                            .iter()
                            .map(|(name, n)| (name.clone(), *n as usize))
                            .collect(),
                    ),
                ));
            }
            choices
        })
        .unwrap_or_default();
    for (column, choices) in segment_choices.iter().chain(app.filter_choices.iter()) {
        let Some(values) = choices else { continue };
        let selected = filters.attributes.entry(column.clone()).or_default();
        let title = if selected.is_empty() {
            format!("{column}: all")
        } else {
            format!("{column}: {} selected", selected.len())
        };
        egui::CollapsingHeader::new(title)
            .id_salt(("filter", column))
            .show(ui, |ui| {
                for (value, rows) in values {
                    let mut on = selected.contains(value);
                    if ui
                        .checkbox(&mut on, format!("{value} ({})", group_thousands(*rows)))
                        .changed()
                    {
                        if on {
                            selected.insert(value.clone());
                        } else {
                            selected.remove(value);
                        }
                        changed = true;
                    }
                }
            });
    }
    filters.attributes.retain(|_, values| !values.is_empty());
    if filters.is_active() && ui.button("Clear all filters").clicked() {
        *filters = Default::default();
        app.date_inputs = DateInputs::default();
        changed = true;
    }
    if changed {
        app.recompute();
    }
}

/// "Who" and "when" of an event log (`events`) or a survey, chosen by hand
/// among `columns`; a change reads the file again.
pub(super) fn side_columns_ui(
    app: &mut KohorteApp,
    ui: &mut egui::Ui,
    events: bool,
    columns: &[String],
) {
    use crate::data::roles::Role;
    if columns.is_empty() {
        return;
    }
    let mut changed = false;
    ui.horizontal_wrapped(|ui| {
        let options = if events {
            &mut app.persisted.side.events_import
        } else {
            &mut app.persisted.side.survey_import
        };
        let who = if events {
            "User column"
        } else {
            "Respondent column"
        };
        for (name, role) in [(who, Role::CustomerId), ("Time column", Role::Timestamp)] {
            let label = ui.label(name);
            let current = options.roles.get(&role).cloned().flatten();
            egui::ComboBox::from_id_salt(format!("side_{events}_{}", role.key()))
                .selected_text(current.clone().unwrap_or_else(|| "detected".into()))
                .show_ui(ui, |ui| {
                    if ui.selectable_label(current.is_none(), "detected").clicked()
                        && current.is_some()
                    {
                        options.roles.remove(&role);
                        changed = true;
                    }
                    for column in columns {
                        if ui
                            .selectable_label(current.as_deref() == Some(column), column)
                            .clicked()
                            && current.as_deref() != Some(column)
                        {
                            options.roles.insert(role, Some(column.clone()));
                            changed = true;
                        }
                    }
                })
                .response
                .labelled_by(label.id);
        }
    });
    if changed {
        app.resubmit_side();
    }
}
