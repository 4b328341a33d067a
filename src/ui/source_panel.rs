//! The left panel: the data source and its dialect, the import report, the
//! column mapping and the global filters.

use chrono::NaiveDate;
use eframe::egui::{self, RichText};
use rust_i18n::t;

use super::context::{Command, TabContext};
use super::theme;
use super::widgets::{DateField, DateInputs, controls_row, date_field_ui};
use crate::analysis::Settings;
use crate::analysis::groups::display_name;
use crate::data::dialect::{DELIMITERS, TextEncoding, delimiter_label};
use crate::data::load::FileFormat;
use crate::data::roles::Role;
use crate::data::values::{DateFormat, DecimalMark};
use crate::data::{Dataset, ImportOptions, Source};
use crate::format::{format_number, group_thousands};
use crate::i18n::format_day;

/// The panel's own state: the text of the date filter fields while the
/// user types, and the mapping being chosen for a file that needs one.
#[derive(Default)]
pub struct SourcePanel {
    date_inputs: DateInputs,
    /// Roles chosen by hand for the file in `unmapped`, before it is read again.
    mapping_draft: Option<ImportOptions>,
}

/// What the panel shows of the file being opened.
pub struct SourceState<'a> {
    /// The import choices of the current file.
    pub options: &'a ImportOptions,
    /// A file that was read but whose columns could not be mapped.
    pub unmapped: Option<&'a (Source, Vec<String>)>,
    /// The file being opened, while it is.
    pub opening: Option<&'a Source>,
}

impl SourcePanel {
    pub fn new(settings: &Settings) -> SourcePanel {
        SourcePanel {
            date_inputs: DateInputs::of(settings.filters.from, settings.filters.until),
            mapping_draft: None,
        }
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        ctx: &TabContext<'_>,
        state: SourceState<'_>,
        commands: &mut Vec<Command>,
    ) {
        match state.unmapped {
            Some((source, columns)) => {
                let draft = self
                    .mapping_draft
                    .get_or_insert_with(|| state.options.clone());
                unmapped_ui(ui, &source.display_name(), columns, draft, commands);
                ui.separator();
            }
            None => self.mapping_draft = None,
        }
        let Some(dataset) = ctx.dataset else {
            ui.heading(t!("Data source"));
            match state.opening {
                Some(source) => ui.label(t!("Opening %{file}…", file = source.display_name())),
                None => ui.label(t!("Nothing open yet.")),
            };
            return;
        };
        egui::CollapsingHeader::new(RichText::new(t!("Data source")).strong())
            .default_open(true)
            .show(ui, |ui| source_ui(ui, dataset, state.options, commands));
        egui::CollapsingHeader::new(RichText::new(t!("Import report")).strong())
            .default_open(true)
            .show(ui, |ui| report_ui(ui, dataset));
        egui::CollapsingHeader::new(RichText::new(t!("Column mapping")).strong())
            .default_open(true)
            .show(ui, |ui| mapping_ui(ui, dataset, state.options, commands));
        egui::CollapsingHeader::new(RichText::new(t!("Filters")).strong())
            .default_open(true)
            .show(ui, |ui| {
                filters_ui(ui, ctx, &mut self.date_inputs, commands)
            });
        egui::CollapsingHeader::new(RichText::new(t!("Other sources")).strong())
            .default_open(true)
            .show(ui, |ui| side_sources_ui(ui, ctx, commands));
    }
}

/// The event log and the survey beside the orders, and which tabs use them.
fn side_sources_ui(ui: &mut egui::Ui, ctx: &TabContext<'_>, commands: &mut Vec<Command>) {
    let (events, survey) = ctx.side_sources;
    egui::Grid::new("side_sources")
        .num_columns(2)
        .show(ui, |ui| {
            for (name, source, used_by, events_kind) in [
                (t!("Event log"), events, t!("Engagement"), true),
                (t!("Survey file"), survey, t!("Survey"), false),
            ] {
                ui.label(name)
                    .on_hover_text(t!("Used by the %{tab} tab", tab = used_by));
                match source {
                    Some(source) => ui.label(source.display_name()),
                    None => ui.label(RichText::new(t!("none")).weak()),
                };
                if ui
                    .small_button(t!("Open…"))
                    .on_hover_text(t!("Open a file for the %{tab} tab", tab = used_by))
                    .clicked()
                {
                    commands.push(Command::OpenSide {
                        events: events_kind,
                    });
                }
                ui.end_row();
            }
        });
    ui.label(RichText::new(t!("The orders above feed every other tab.")).weak());
}

fn source_ui(
    ui: &mut egui::Ui,
    dataset: &Dataset,
    current: &ImportOptions,
    commands: &mut Vec<Command>,
) {
    if dataset.source.is_demo() {
        ui.label(
            RichText::new(t!("Demo data: a fictional online shop in DE, NL, AT and BE. Open your own file with File → Open or drop it here."))
                .color(theme::DEMO_BADGE),
        );
    }
    ui.label(RichText::new(dataset.source.display_name()).strong());
    let report = &dataset.report;
    let Some(dialect) = report.dialect.clone() else {
        ui.label(match report.format {
            FileFormat::Parquet => t!("Parquet file: types are taken from the file."),
            FileFormat::Csv => t!("CSV file"),
        });
        return;
    };
    let mut options = current.clone();
    let before = options.clone();
    egui::Grid::new("dialect_grid")
        .num_columns(2)
        .show(ui, |ui| {
            ui.label(t!("Delimiter"));
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
            ui.label(t!("Quote"));
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
            ui.label(t!("Encoding"));
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
            ui.label(t!("Numbers"));
            egui::ComboBox::from_id_salt("decimal_mark")
                .selected_text(dialect.decimal_mark.display_name())
                .show_ui(ui, |ui| {
                    for m in [DecimalMark::Dot, DecimalMark::Comma] {
                        if ui
                            .selectable_label(dialect.decimal_mark == m, m.display_name())
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
        .checkbox(&mut header, t!("First row holds column names"))
        .changed()
    {
        options.dialect.has_header = Some(header);
    }
    if options != before {
        commands.push(Command::Reimport(options));
    }
}

fn quote_label(quote: Option<char>) -> String {
    match quote {
        Some(q) => format!("{q}{}{q}", t!("text")),
        None => t!("no quoting").into_owned(),
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
            row(ui, &t!("Rows read"), group_thousands(r.rows_read));
            row(ui, &t!("Rows used"), group_thousands(r.rows_used));
            row(ui, &t!("Rows dropped"), group_thousands(r.rows_dropped));
            row(ui, &t!("Customers"), group_thousands(r.customers));
            row(ui, &t!("Orders"), group_thousands(r.orders));
            let day = |d: Option<NaiveDate>| d.map_or("–".to_string(), format_day);
            row(ui, &t!("First order"), day(r.first_date));
            row(ui, &t!("Last order"), day(r.last_date));
            if let Some(total) = r.total_amount {
                row(ui, &t!("Total amount"), format_number(total, 2));
                row(
                    ui,
                    &t!("Refunds"),
                    t!(
                        "%{n} rows, %{amount}",
                        n = group_thousands(r.refunds),
                        amount = format_number(r.refund_amount.unwrap_or(0.0), 2)
                    )
                    .into(),
                );
            }
        });
    for dropped in &r.dropped {
        let examples: Vec<String> = dropped
            .examples
            .iter()
            .map(|e| {
                if e.value.is_empty() {
                    t!("row %{row}", row = group_thousands(e.row)).into_owned()
                } else {
                    t!(
                        "'%{value}' in row %{row}",
                        value = e.value,
                        row = group_thousands(e.row)
                    )
                    .into_owned()
                }
            })
            .collect();
        ui.label(
            RichText::new(if dropped.count == 1 {
                t!(
                    "Dropped 1 row: %{reason} (e.g. %{examples})",
                    reason = dropped.message,
                    examples = examples.join("; ")
                )
            } else {
                t!(
                    "Dropped %{rows} rows: %{reason} (e.g. %{examples})",
                    rows = group_thousands(dropped.count),
                    reason = dropped.message,
                    examples = examples.join("; ")
                )
            })
            .color(theme::WARNING_TEXT),
        );
    }
    for warning in &r.warnings {
        ui.label(RichText::new(format!("⚠ {warning}")).color(theme::WARNING_TEXT));
    }
    if r.dropped.is_empty() && r.warnings.is_empty() {
        ui.label(RichText::new(t!("✔ Every row was used.")).color(theme::OK_TEXT));
    }
}

fn mapping_ui(
    ui: &mut egui::Ui,
    dataset: &Dataset,
    current: &ImportOptions,
    commands: &mut Vec<Command>,
) {
    ui.label(
        RichText::new(t!(
            "Which column is what. Change any of them; the analyses recompute."
        ))
        .weak(),
    );
    let mut options: ImportOptions = current.clone();
    let before = options.clone();
    egui::Grid::new("mapping_grid").num_columns(2).show(ui, |ui| {
        for role in Role::ALL {
            let current = dataset.mapping.get(role).map(str::to_string);
            let name = if role.required() {
                format!("{} *", role.display_name())
            } else {
                role.display_name().into_owned()
            };
            let label = ui.label(name).on_hover_text(role.help());
            let text = current.clone().unwrap_or_else(|| t!("(none)").into_owned());
            egui::ComboBox::from_id_salt(("role", role.key()))
                .selected_text(text)
                .width(170.0)
                .show_ui(ui, |ui| {
                    if !role.required() && ui.selectable_label(current.is_none(), t!("(none)")).clicked() {
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
                .label(t!("Date format"))
                .on_hover_text(t!("How the order date column is written. Kohorte decides it from the whole column."));
            let current = dataset.mapping.date_format;
            egui::ComboBox::from_id_salt("date_format")
                .selected_text(current.map_or_else(|| t!("native").into_owned(), |f| f.label().to_string()))
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
            RichText::new(t!(
                "Kept as attributes: %{columns}",
                columns = dataset.attributes.join(", ")
            ))
            .weak(),
        );
    }
    if options != before {
        commands.push(Command::Reimport(options));
    }
}

/// Maps the columns of a file that could not be read with the detected
/// mapping: the two required roles and the optional ones, then reads again.
fn unmapped_ui(
    ui: &mut egui::Ui,
    name: &str,
    columns: &[String],
    options: &mut ImportOptions,
    commands: &mut Vec<Command>,
) {
    ui.heading(t!("Map the columns"));
    ui.label(t!("Kohorte could not tell which columns of '%{file}' hold what. Choose them, then read the file again.", file = name));
    egui::Grid::new("unmapped_grid")
        .num_columns(2)
        .show(ui, |ui| {
            for role in [
                Role::CustomerId,
                Role::Timestamp,
                Role::Amount,
                Role::OrderId,
            ] {
                let label = ui.label(role.display_name()).on_hover_text(role.help());
                let current = options.roles.get(&role).cloned().flatten();
                egui::ComboBox::from_id_salt(("unmapped", role.key()))
                    .selected_text(current.clone().unwrap_or_else(|| t!("(detect)").into()))
                    .width(170.0)
                    .show_ui(ui, |ui| {
                        if !role.required() && ui.selectable_label(false, t!("(none)")).clicked() {
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
            let label = ui.label(t!("Date format"));
            egui::ComboBox::from_id_salt("unmapped_date_format")
                .selected_text(
                    options
                        .date_format
                        .map_or_else(|| t!("(detect)").into_owned(), |f| f.label().to_string()),
                )
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
    if ui.button(t!("Read the file with these columns")).clicked() {
        commands.push(Command::Reimport(options.clone()));
    }
}

fn filters_ui(
    ui: &mut egui::Ui,
    ctx: &TabContext<'_>,
    date_inputs: &mut DateInputs,
    commands: &mut Vec<Command>,
) {
    let mut changed = false;
    let mut settings = ctx.settings.clone();
    let filters = &mut settings.filters;
    egui::Grid::new("date_filter_grid")
        .num_columns(2)
        .show(ui, |ui| {
            for (name, text, slot) in [
                (t!("From"), &mut date_inputs.from, &mut filters.from),
                (t!("Until"), &mut date_inputs.until, &mut filters.until),
            ] {
                match date_field_ui(ui, &name, text, slot, true) {
                    DateField::Changed => changed = true,
                    DateField::Invalid => {
                        ui.end_row();
                        ui.label("");
                        ui.label(
                            RichText::new(t!("Write the date as YYYY-MM-DD"))
                                .color(theme::WARNING_TEXT),
                        );
                    }
                    DateField::Unchanged => {}
                }
                ui.end_row();
            }
        });
    let mut choices = label_filter_choices(ctx);
    choices.extend(ctx.filter_choices.iter().map(|(column, values)| {
        let counted = values.as_ref().map(|v| {
            v.iter()
                .map(|(value, rows)| (value.clone(), Some(*rows)))
                .collect()
        });
        (column.clone(), counted)
    }));
    for (column, choices) in &choices {
        let Some(values) = choices else { continue };
        let selected = filters.attributes.entry(column.clone()).or_default();
        let title = if selected.is_empty() {
            t!("%{column}: all", column = display_name(column)).into_owned()
        } else {
            t!(
                "%{column}: %{n} selected",
                column = display_name(column),
                n = selected.len()
            )
            .into_owned()
        };
        egui::CollapsingHeader::new(title)
            .id_salt(("filter", column))
            .show(ui, |ui| {
                for (value, count) in values {
                    let mut on = selected.contains(value);
                    let text = match count {
                        Some(count) => {
                            format!("{} ({})", display_name(value), group_thousands(*count))
                        }
                        None => value.clone(),
                    };
                    if ui.checkbox(&mut on, text).changed() {
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
    if filters.is_active() && ui.button(t!("Clear all filters")).clicked() {
        *filters = Default::default();
        *date_inputs = DateInputs::default();
        changed = true;
    }
    if changed {
        commands.push(Command::Apply(Box::new(settings)));
    }
}

/// Values of a filter column, each with how many rows or customers have it
/// when that is known.
type LabelChoices = Vec<(String, Option<Vec<(String, Option<usize>)>>)>;

/// The customer labels that filter like attribute columns (the groupable
/// columns that are not in the file), with the customers holding each value
/// where the results know them.
fn label_filter_choices(ctx: &TabContext<'_>) -> LabelChoices {
    use crate::analysis::results::NPS_ORDER;
    use crate::analysis::{LOYALTY_TIER, NPS_GROUP, RFM_SEGMENT, STATUS};
    let attributes = ctx
        .dataset
        .map(|d| d.attributes.clone())
        .unwrap_or_default();
    let counted = |table: &[crate::analysis::segments::SegmentSummary]| {
        Some(
            table
                .iter()
                .map(|s| (s.segment.clone(), Some(s.customers as usize)))
                .collect(),
        )
    };
    ctx.groupable_columns()
        .into_iter()
        .filter(|column| !attributes.contains(column))
        .map(|column| {
            let segments = ctx.results.segments.as_ref();
            let values = match column.as_str() {
                RFM_SEGMENT => segments.and_then(|s| counted(&s.tables.rfm_table)),
                STATUS => segments.and_then(|s| counted(&s.tables.status_table)),
                LOYALTY_TIER => ctx
                    .results
                    .loyalty
                    .as_ref()
                    .and_then(|l| l.current.as_ref())
                    .map(|l| {
                        l.summary
                            .members_per_tier
                            .iter()
                            .map(|(name, n)| (name.clone(), Some(*n as usize)))
                            .collect()
                    }),
                NPS_GROUP => Some(NPS_ORDER.iter().map(|g| (g.to_string(), None)).collect()),
                _ => None,
            };
            (column, values)
        })
        .collect()
}

/// "Who" and "when" of an event log (`events`) or a survey, chosen by hand
/// among `columns`; a change reads the file again.
pub(super) fn side_columns_ui(
    ui: &mut egui::Ui,
    ctx: &TabContext<'_>,
    events: bool,
    columns: &[String],
    commands: &mut Vec<Command>,
) {
    if columns.is_empty() {
        return;
    }
    let mut changed = false;
    let mut settings = ctx.side_settings.clone();
    controls_row(ui, |ui| {
        let options = if events {
            &mut settings.events_import
        } else {
            &mut settings.survey_import
        };
        let who = if events {
            t!("User column")
        } else {
            t!("Respondent column")
        };
        for (name, role) in [
            (who, Role::CustomerId),
            (t!("Time column"), Role::Timestamp),
        ] {
            let label = ui.label(name);
            let current = options.roles.get(&role).cloned().flatten();
            egui::ComboBox::from_id_salt(format!("side_{events}_{}", role.key()))
                .selected_text(current.clone().unwrap_or_else(|| t!("detected").into()))
                .show_ui(ui, |ui| {
                    if ui
                        .selectable_label(current.is_none(), t!("detected"))
                        .clicked()
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
        commands.push(Command::ApplySide(Box::new(settings)));
    }
}
