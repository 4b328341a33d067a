//! CSV and Parquet files into the canonical order frame, with the import
//! report that says what was read, what was dropped and why.

use std::borrow::Cow;

use rust_i18n::t;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Cursor;
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use polars::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::dialect::{self, CsvDialect, DialectOverrides};
use super::order_index::OrderIndex;
use super::roles::{self, ColumnMapping, ColumnProfile, Role};
use super::values::{DateFormat, DecimalEvidence, DecimalMark, parse_number};
use crate::format::{group_thousands, round_to};

use super::{
    AMOUNT, CANONICAL_COLUMNS, CUSTOMER_ID, ORDER_ID, ORDER_TS, POINTS_REDEEMED, QUANTITY, Source,
};

/// How a file is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    Csv,
    Parquet,
}

/// What the user chose for a file; remembered per file and saved with analyses.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImportOptions {
    pub dialect: DialectOverrides,
    /// Roles the user set by hand; `None` means "this role has no column".
    pub roles: BTreeMap<Role, Option<String>>,
    pub date_format: Option<DateFormat>,
}

/// Why a row could not be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    MissingCustomerId,
    MissingDate,
    UnreadableDate,
    ImplausibleDate,
    MissingAmount,
    UnreadableAmount,
    ImpossibleAmount,
    SummaryRow,
}

impl DropReason {
    pub fn label(self) -> Cow<'static, str> {
        match self {
            DropReason::MissingCustomerId => t!("no customer id"),
            DropReason::MissingDate => t!("no order date"),
            DropReason::UnreadableDate => t!("date not understood"),
            DropReason::ImplausibleDate => {
                t!(
                    "date before 1950 or more than a year from today (a placeholder such as 1900-01-01, or a typo such as 2999)"
                )
            }
            DropReason::MissingAmount => t!("no amount"),
            DropReason::UnreadableAmount => t!("amount is not a number"),
            DropReason::ImpossibleAmount => {
                t!(
                    "amount is not a finite number or beyond ±1,000,000,000,000 (NaN, infinity, overflow)"
                )
            }
            DropReason::SummaryRow => {
                t!("a summary row (Total, Summe, Gesamt, Totaal…), not an order")
            }
        }
    }
}

/// A row of the input, numbered from 1 for the first data row (the header
/// is not counted), with the value that was the problem.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RowExample {
    pub row: usize,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DroppedRows {
    pub reason: DropReason,
    pub message: String,
    pub count: usize,
    pub examples: Vec<RowExample>,
}

/// Everything a user needs to trust (or question) an import.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImportReport {
    pub source: String,
    pub format: FileFormat,
    pub dialect: Option<CsvDialect>,
    /// Role key to the column that plays it (`null` when none does).
    pub roles: BTreeMap<String, Option<String>>,
    pub date_format: Option<String>,
    pub attributes: Vec<String>,
    pub rows_read: usize,
    pub rows_used: usize,
    pub rows_dropped: usize,
    pub dropped: Vec<DroppedRows>,
    pub refunds: usize,
    pub refund_amount: Option<f64>,
    pub customers: usize,
    pub orders: usize,
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
    pub total_amount: Option<f64>,
    /// Guesses the user should check: ambiguous dates, delimiters, marks.
    pub warnings: Vec<String>,
}

/// A file, read, understood and cleaned.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub source: Source,
    /// The canonical frame: `customer_id`, `order_ts`, `amount`, `order_id`,
    /// (`quantity`), then the attribute columns as text.
    pub orders: DataFrame,
    pub has_amount: bool,
    /// The rows grouped by customer and order.
    pub index: std::sync::Arc<OrderIndex>,
    pub attributes: Vec<String>,
    /// The input's own column names, for the mapping panel.
    pub input_columns: Vec<String>,
    pub mapping: ColumnMapping,
    pub report: ImportReport,
}

impl Dataset {
    /// Every row is its own order (no order id column, or unique ids).
    pub fn orders_are_rows(&self) -> bool {
        self.index.orders_are_rows()
    }

    /// The as-of date by default: the day after the last order.
    pub fn default_as_of(&self) -> Option<NaiveDate> {
        self.report.last_date.and_then(|d| d.succ_opt())
    }
}

/// Why a file cannot be used, in the chosen language (the window's banner,
/// the report's one line on stderr).
#[derive(Debug)]
pub enum ImportError {
    Unreadable {
        name: String,
        reason: String,
    },
    Empty {
        name: String,
    },
    HeaderOnly {
        name: String,
    },
    Binary {
        name: String,
    },
    Malformed {
        name: String,
        format: Cow<'static, str>,
        reason: String,
    },
    MissingRole {
        name: String,
        role: Cow<'static, str>,
        hint: String,
        /// The file's columns, for a mapping panel to offer.
        columns: Vec<String>,
    },
    UnknownColumn {
        name: String,
        role: Cow<'static, str>,
        column: String,
        available: String,
        columns: Vec<String>,
    },
    NoPurchases {
        name: String,
        rows: usize,
        column: String,
    },
    NoUsableRows {
        name: String,
        rows: usize,
        why: String,
    },
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            ImportError::Unreadable { name, reason } => {
                t!(
                    "could not read '%{name}': %{reason}",
                    name = name,
                    reason = reason
                )
            }
            ImportError::Empty { name } => t!(
                "'%{name}' is empty: export the orders again and make sure the file has a header and rows",
                name = name
            ),
            ImportError::HeaderOnly { name } => {
                t!("'%{name}' has a header but no data rows", name = name)
            }
            ImportError::Binary { name } => t!(
                "'%{name}' is not a CSV or Parquet file (it holds binary data; an Excel workbook must first be saved as CSV)",
                name = name
            ),
            ImportError::Malformed {
                name,
                format,
                reason,
            } => t!(
                "'%{name}' could not be read as %{format}: %{reason}",
                name = name,
                format = format,
                reason = reason
            ),
            ImportError::MissingRole {
                name, role, hint, ..
            } => t!(
                "'%{name}' has no %{role} column: %{hint}",
                name = name,
                role = role,
                hint = hint
            ),
            ImportError::UnknownColumn {
                name,
                role,
                column,
                available,
                ..
            } => t!(
                "the column '%{column}' chosen as %{role} is not in '%{name}' (its columns: %{available})",
                column = column,
                role = role,
                name = name,
                available = available
            ),
            ImportError::NoPurchases { name, rows, column } => t!(
                "'%{name}' holds no purchases, only refunds: all %{rows} amounts in '%{column}' are negative. Check that the column holds order amounts (and their sign)",
                name = name,
                rows = rows,
                column = column
            ),
            ImportError::NoUsableRows { name, rows, why } => t!(
                "none of the %{rows} rows of '%{name}' could be used: %{why}",
                rows = rows,
                name = name,
                why = why
            ),
        };
        f.write_str(&text)
    }
}

impl std::error::Error for ImportError {}

impl ImportError {
    /// The file's columns when the file was read but its columns could not
    /// be mapped, so the user can map them by hand.
    pub fn input_columns(&self) -> Option<&[String]> {
        match self {
            ImportError::MissingRole { columns, .. }
            | ImportError::UnknownColumn { columns, .. } => Some(columns),
            _ => None,
        }
    }
}

/// Opens the file at `path` (read-only).
pub fn load_path(path: &Path, options: &ImportOptions) -> Result<Dataset, ImportError> {
    let name = file_name(path);
    let unreadable = |e: std::io::Error| ImportError::Unreadable {
        name: name.clone(),
        reason: e.to_string(),
    };
    // A pipe or a device would be waited on forever, a folder not read.
    if !std::fs::metadata(path).map_err(unreadable)?.is_file() {
        return Err(ImportError::Unreadable {
            name,
            reason: t!(
                "it is not a regular file (a folder, pipe or device); choose a CSV or Parquet file"
            )
            .into(),
        });
    }
    // Parquet is read straight from the file (memory-mapped by polars);
    // text files are read whole, since they must be decoded first.
    if is_parquet(path) {
        let file = std::fs::File::open(path).map_err(unreadable)?;
        let raw = read_parquet(&name, file)?;
        if raw.frame.height() == 0 {
            return Err(ImportError::HeaderOnly { name });
        }
        return build_dataset(Source::File(path.to_path_buf()), raw, options);
    }
    let bytes = std::fs::read(path).map_err(unreadable)?;
    load_bytes(Source::File(path.to_path_buf()), bytes, options)
}

pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Reads a file's bytes; the format comes from the content, not the name.
pub fn load_bytes(
    source: Source,
    bytes: Vec<u8>,
    options: &ImportOptions,
) -> Result<Dataset, ImportError> {
    let name = source.display_name();
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ImportError::Empty { name });
    }
    let raw = if bytes.starts_with(PARQUET_MAGIC) {
        read_parquet(&name, Cursor::new(bytes))?
    } else if dialect::utf16_bom(&bytes).is_none() && bytes.iter().take(8192).any(|&b| b == 0) {
        return Err(ImportError::Binary { name });
    } else {
        read_csv(&name, bytes, &options.dialect)?
    };
    if raw.frame.height() == 0 {
        return Err(ImportError::HeaderOnly { name });
    }
    build_dataset(source, raw, options)
}

struct RawTable {
    frame: DataFrame,
    format: FileFormat,
    dialect: Option<CsvDialect>,
    warnings: Vec<String>,
}

const PARQUET_MAGIC: &[u8] = b"PAR1";

/// Whether the file is Parquet, from its first bytes rather than its name.
pub(super) fn is_parquet(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .is_ok()
        && magic == PARQUET_MAGIC
}

fn read_parquet(
    name: &str,
    reader: impl polars::io::mmap::MmapBytesReader,
) -> Result<RawTable, ImportError> {
    let malformed = |e: PolarsError| ImportError::Malformed {
        name: name.to_string(),
        format: "Parquet".into(),
        reason: first_line(&e.to_string()),
    };
    let frame = ParquetReader::new(reader).finish().map_err(malformed)?;
    let (frame, warnings) = super::parquet_types::normalise(frame).map_err(malformed)?;
    Ok(RawTable {
        frame,
        format: FileFormat::Parquet,
        dialect: None,
        warnings,
    })
}

/// How a decoded text file is split into cells: the sniffed layout with
/// the user's choices on top, and the doubts worth a warning.
pub(super) struct CsvLayout {
    pub delimiter: char,
    pub quote: Option<char>,
    pub has_header: bool,
    pub warnings: Vec<String>,
}

impl CsvLayout {
    pub fn sniff(text: &[u8], overrides: &DialectOverrides) -> CsvLayout {
        let layout = dialect::sniff_layout(&dialect::head(text));
        let mut warnings = Vec::new();
        if let (Some(doubt), None) = (layout.delimiter_doubt, overrides.delimiter) {
            warnings.push(doubt);
        }
        CsvLayout {
            delimiter: overrides.delimiter.unwrap_or(layout.delimiter),
            quote: overrides.quote.unwrap_or(layout.quote),
            has_header: overrides.has_header.unwrap_or(layout.has_header),
            warnings,
        }
    }

    /// Polars' reader for this layout, every cell read as text.
    pub fn reader_options(&self, name: &str) -> Result<CsvReadOptions, ImportError> {
        let parse = CsvParseOptions::default()
            .with_separator(ascii_byte(self.delimiter, name)?)
            .with_quote_char(self.quote.map(|q| ascii_byte(q, name)).transpose()?)
            .with_missing_is_null(true)
            .with_truncate_ragged_lines(true);
        Ok(CsvReadOptions::default()
            .with_has_header(self.has_header)
            .with_infer_schema_length(Some(0))
            .with_parse_options(parse))
    }
}

/// The decimal mark from the first values of every text column (the
/// user's choice wins), and whether it was a guess worth a warning.
pub(super) fn decimal_mark(
    frame: &DataFrame,
    overrides: &DialectOverrides,
) -> (DecimalMark, Option<String>) {
    let mut evidence = DecimalEvidence::default();
    for column in frame.columns() {
        if let Ok(values) = column.str() {
            for v in values.iter().take(2000).flatten() {
                evidence.observe(v);
            }
        }
    }
    let (sniffed_mark, decided) = evidence.decide();
    let warning = (!decided && overrides.decimal_mark.is_none()).then(|| {
        t!("Numbers such as '1,234' could use either decimal mark; a decimal point was assumed. Check the amounts.")
            .into_owned()
    });
    (overrides.decimal_mark.unwrap_or(sniffed_mark), warning)
}

fn read_csv(
    name: &str,
    bytes: Vec<u8>,
    overrides: &DialectOverrides,
) -> Result<RawTable, ImportError> {
    let (text, encoding) = dialect::decode(bytes, overrides.encoding);
    let (text, sep_line) = dialect::tidy(text);
    let overrides = &DialectOverrides {
        delimiter: overrides.delimiter.or(sep_line),
        ..overrides.clone()
    };
    let layout = CsvLayout::sniff(&text, overrides);
    if let Some(quote) = layout.quote
        && let Ok(byte) = u8::try_from(quote)
        && let Some(line) = dialect::unclosed_quote_line(&text, byte)
    {
        return Err(ImportError::Malformed {
            name: name.to_string(),
            format: "CSV".into(),
            reason: t!(
                "row %{line} opens a quote (%{quote}) that is never closed, so every row after it would be read as one value; fix that row, or choose “no quoting” in the mapping panel",
                line = line,
                quote = quote
            )
            .into(),
        });
    }
    let frame = layout
        .reader_options(name)?
        .into_reader_with_file_handle(Cursor::new(text))
        .finish()
        .map_err(|e| ImportError::Malformed {
            name: name.to_string(),
            format: "CSV".into(),
            reason: first_line(&e.to_string()),
        })?;
    // One chunk per column: the cleaning below reads rows by index.
    let mut frame = without_empty_rows(frame).map_err(|e| ImportError::Malformed {
        name: name.to_string(),
        format: "CSV".into(),
        reason: first_line(&e.to_string()),
    })?;
    frame.rechunk_mut();
    let (decimal_mark, mark_warning) = decimal_mark(&frame, overrides);
    let mut warnings = layout.warnings;
    warnings.extend(mark_warning);
    Ok(RawTable {
        frame,
        format: FileFormat::Csv,
        dialect: Some(CsvDialect {
            delimiter: layout.delimiter,
            quote: layout.quote,
            has_header: layout.has_header,
            encoding,
            decimal_mark,
        }),
        warnings,
    })
}

/// The frame without rows whose every cell is empty (blank lines at the
/// end of an export): they are no rows of the file's table, so they are
/// neither used nor counted as dropped.
fn without_empty_rows(frame: DataFrame) -> PolarsResult<DataFrame> {
    if frame.width() == 0 || frame.columns().iter().any(|c| c.null_count() == 0) {
        return Ok(frame);
    }
    let mut empty = BooleanChunked::full("empty".into(), true, frame.height());
    for column in frame.columns() {
        empty = &empty & &column.is_null();
    }
    if !empty.any() {
        return Ok(frame);
    }
    frame.filter(&!&empty)
}

fn ascii_byte(c: char, name: &str) -> Result<u8, ImportError> {
    u8::try_from(c)
        .ok()
        .filter(u8::is_ascii)
        .ok_or_else(|| ImportError::Malformed {
            name: name.to_string(),
            format: "CSV".into(),
            reason: t!(
                "the delimiter or quote '%{character}' must be a single plain character",
                character = c
            )
            .into(),
        })
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_string()
}

const PROFILE_SAMPLE: usize = 2000;

fn profile(column: &Column) -> ColumnProfile {
    let dtype = column.dtype();
    let native_temporal = matches!(dtype, DataType::Date | DataType::Datetime(_, _));
    let native_numeric = dtype.is_primitive_numeric();
    let head = column.head(Some(PROFILE_SAMPLE * 2));
    let as_text = head.cast(&DataType::String).ok();
    let sample = as_text
        .as_ref()
        .and_then(|c| c.str().ok())
        .map(|s| {
            s.iter()
                .flatten()
                .filter(|v| !v.trim().is_empty())
                .take(PROFILE_SAMPLE)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    ColumnProfile {
        name: column.name().to_string(),
        sample,
        native_numeric,
        native_temporal,
    }
}

/// The detected mapping with the user's choices on top.
fn effective_mapping(detected: ColumnMapping, options: &ImportOptions) -> ColumnMapping {
    let mut mapping = detected;
    for (role, column) in &options.roles {
        mapping.set(*role, column.clone());
    }
    if options.date_format.is_some() {
        mapping.date_format = options.date_format;
    }
    mapping
}

pub(super) fn column_names(frame: &DataFrame) -> Vec<String> {
    frame
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect()
}

/// Which column plays which role (detected from the first rows, with the
/// user's choices on top), and the date column; an error names what is
/// missing and lists the columns to choose from.
pub(super) fn map_columns(
    name: &str,
    frame: &DataFrame,
    mark: DecimalMark,
    options: &ImportOptions,
) -> Result<(ColumnMapping, String, Vec<String>), ImportError> {
    let name = name.to_string();
    let input_columns = column_names(frame);
    let profiles: Vec<ColumnProfile> = frame.columns().iter().map(profile).collect();
    let mapping = effective_mapping(roles::detect(&profiles, mark), options);
    let warnings = doubtful_number_columns(&mapping, &profiles, mark);
    for role in Role::ALL {
        if let Some(column) = mapping.get(role)
            && !input_columns.iter().any(|c| c == column)
        {
            return Err(ImportError::UnknownColumn {
                name,
                role: role.display_name(),
                column: column.to_string(),
                available: input_columns.join(", "),
                columns: input_columns.clone(),
            });
        }
    }
    mapping.customer_id.as_ref().ok_or_else(|| ImportError::MissingRole {
        name: name.clone(),
        role: t!("customer id"),
        hint: t!(
            "no column is named like one (customer, Kunde, klant, client, e-mail…). Columns: %{columns}. Choose one in the mapping panel or with --customer COLUMN",
            columns = input_columns.join(", ")
        )
        .into(),
        columns: input_columns.clone(),
    })?;
    let date_col = mapping.timestamp.clone().ok_or_else(|| ImportError::MissingRole {
        name: name.clone(),
        role: t!("order date"),
        hint: t!(
            "none of the columns (%{columns}) holds dates Kohorte can read. Choose one in the mapping panel or with --date COLUMN (and --date-format)",
            columns = input_columns.join(", ")
        )
        .into(),
        columns: input_columns.clone(),
    })?;
    Ok((mapping, date_col, warnings))
}

/// A warning for every number role whose column's first values mostly do
/// not read as numbers: the role is kept (never silently dropped) and the
/// rows it cannot read are counted, so the user learns why.
fn doubtful_number_columns(
    mapping: &ColumnMapping,
    profiles: &[ColumnProfile],
    mark: DecimalMark,
) -> Vec<String> {
    [Role::Amount, Role::Quantity, Role::UnitPrice, Role::PointsRedeemed]
        .into_iter()
        .filter_map(|role| {
            let column = mapping.get(role)?;
            let profile = profiles.iter().find(|p| p.name == column)?;
            if roles::content_fits(role, profile, mark) {
                return None;
            }
            let unreadable: Vec<&String> = profile
                .sample
                .iter()
                .filter(|v| parse_number(v, mark).is_none())
                .collect();
            let example = unreadable
                .first()
                .map(|v| format!(" ({})", t!("e.g. '%{value}'", value = v)))
                .unwrap_or_default();
            let role = role.display_name();
            let text = match mark {
                DecimalMark::Dot => t!(
                    "%{unreadable} of the first %{sample} values of '%{column}' (%{role}) are not numbers with a decimal point%{example}; rows whose value cannot be read are dropped and counted below. Check the decimal mark or choose another column in the mapping panel.",
                    unreadable = unreadable.len(),
                    sample = profile.sample.len(),
                    column = column,
                    role = role,
                    example = example
                ),
                DecimalMark::Comma => t!(
                    "%{unreadable} of the first %{sample} values of '%{column}' (%{role}) are not numbers with a decimal comma%{example}; rows whose value cannot be read are dropped and counted below. Check the decimal mark or choose another column in the mapping panel.",
                    unreadable = unreadable.len(),
                    sample = profile.sample.len(),
                    column = column,
                    role = role,
                    example = example
                ),
            };
            Some(text.into_owned())
        })
        .collect()
}

fn build_dataset(
    source: Source,
    raw: RawTable,
    options: &ImportOptions,
) -> Result<Dataset, ImportError> {
    let name = source.display_name();
    let input_columns = column_names(&raw.frame);
    let mark = raw
        .dialect
        .as_ref()
        .map_or(DecimalMark::Dot, |d| d.decimal_mark);
    let (mapping, date_col, mapping_warnings) = map_columns(&name, &raw.frame, mark, options)?;
    let mut warnings = raw.warnings.clone();
    warnings.extend(mapping_warnings);
    let mut mapping = mapping;
    let cleaned = {
        let cleaner = Cleaner::new(&raw.frame, &mapping, mark, &name)?;
        let (date_format, date_warning) =
            cleaner.settle_date_format(&date_col, options.date_format)?;
        warnings.extend(date_warning);
        let cleaned = cleaner.clean(date_format);
        mapping.date_format = date_format;
        cleaned
    };

    let attributes: Vec<String> = input_columns
        .iter()
        .filter(|c| mapping.role_of(c).is_none())
        .cloned()
        .collect();
    let rows_read = raw.frame.height();
    let dropped = cleaned.dropped_rows();
    let rows_used = cleaned.keep.iter().filter(|k| **k).count();
    if rows_used == 0 {
        let why = dropped
            .iter()
            .map(|d| {
                let first = d
                    .examples
                    .first()
                    .map(|e| {
                        format!(
                            " ({})",
                            t!(
                                "first: '%{value}' in row %{row}",
                                value = e.value,
                                row = group_thousands(e.row)
                            )
                        )
                    })
                    .unwrap_or_default();
                format!("{} {}{first}", group_thousands(d.count), d.message)
            })
            .collect::<Vec<_>>()
            .join("; ");
        return Err(ImportError::NoUsableRows {
            name,
            rows: rows_read,
            why,
        });
    }
    let has_amount = cleaned.amounts.is_some();
    if let Some(amounts) = &cleaned.amounts {
        let purchases =
            (0..rows_read).any(|r| cleaned.keep[r] && amounts[r].is_some_and(|a| a >= 0.0));
        if !purchases {
            return Err(ImportError::NoPurchases {
                name,
                rows: rows_used,
                column: mapping
                    .amount
                    .clone()
                    .unwrap_or_else(|| t!("unit price × quantity").into()),
            });
        }
    }
    let orders = canonical_frame(
        &raw.frame,
        &cleaned,
        &attributes,
        mapping.quantity.as_deref(),
        mapping.points_redeemed.as_deref(),
        mark,
    )
    .map_err(|e| ImportError::Malformed {
        name: name.clone(),
        format: t!("a table"),
        reason: e.to_string(),
    })?;
    let canonical_attributes: Vec<String> = orders
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .filter(|c| !CANONICAL_COLUMNS.contains(&c.as_str()))
        .collect();
    let index = OrderIndex::build(&orders, mapping.order_id.is_some()).map_err(|e| {
        ImportError::Malformed {
            name: name.clone(),
            format: t!("a table"),
            reason: e.to_string(),
        }
    })?;
    let report = summarise(
        &orders,
        &index,
        ReadHead {
            source: name,
            format: raw.format,
            dialect: raw.dialect.clone(),
            mapping: mapping.clone(),
            attributes: canonical_attributes.clone(),
            rows_read,
            warnings,
        },
        dropped,
        has_amount,
    );
    Ok(Dataset {
        source,
        index: std::sync::Arc::new(index),
        orders,
        has_amount,
        attributes: canonical_attributes,
        input_columns,
        mapping,
        report,
    })
}

/// Rows of the input reduced to the canonical values, with drop reasons.
struct Cleaned {
    customers: StringChunked,
    timestamps_ms: Vec<Option<i64>>,
    amounts: Option<Vec<Option<f64>>>,
    order_ids: StringChunked,
    keep: Vec<bool>,
    drops: BTreeMap<DropReason, (usize, Vec<RowExample>)>,
}

const EXAMPLES_PER_REASON: usize = 3;

impl Cleaned {
    fn drop_row(&mut self, row: usize, reason: DropReason, value: &str) {
        self.keep[row] = false;
        let entry = self.drops.entry(reason).or_insert((0, Vec::new()));
        entry.0 += 1;
        if entry.1.len() < EXAMPLES_PER_REASON {
            entry.1.push(RowExample {
                row: row + 1,
                value: value.to_string(),
            });
        }
    }

    /// Drops the rows a spreadsheet adds under (or above) the orders: an id
    /// that names a total, or a first or last row whose amount is the sum of
    /// all the others. Counted as orders they would double the revenue.
    fn drop_summary_rows(&mut self) {
        let height = self.keep.len();
        for row in 0..height {
            if let Some(id) = self.customers.get(row)
                && is_summary_id(id)
                && self.keep[row]
            {
                let id = id.to_string();
                self.drop_row(row, DropReason::SummaryRow, &id);
            }
        }
        let Some(amounts) = &self.amounts else {
            return;
        };
        // At least ten orders, so that a real order is hardly ever the exact
        // sum of all the others.
        let kept = self.keep.iter().filter(|k| **k).count();
        let (Some(first), Some(last)) = (
            self.keep.iter().position(|k| *k),
            self.keep.iter().rposition(|k| *k),
        ) else {
            return;
        };
        if kept < 10 {
            return;
        }
        let total: f64 = (0..height)
            .filter(|r| self.keep[*r])
            .filter_map(|r| amounts[r])
            .sum();
        for row in [first, last] {
            let Some(amount) = amounts[row] else { continue };
            if is_sum_of_the_others(amount, total) {
                let id = self.customers.get(row).unwrap_or_default().to_string();
                self.drop_row(row, DropReason::SummaryRow, &id);
                return;
            }
        }
    }

    fn dropped_rows(&self) -> Vec<DroppedRows> {
        self.drops
            .iter()
            .map(|(reason, (count, examples))| DroppedRows {
                reason: *reason,
                message: reason.label().into_owned(),
                count: *count,
                examples: examples.clone(),
            })
            .collect()
    }
}

/// The input columns a role reads from, as text or natively typed.
struct Cleaner<'a> {
    frame: &'a DataFrame,
    mapping: &'a ColumnMapping,
    mark: DecimalMark,
    name: String,
    /// For each order id, the first row that carries each order-level field,
    /// so that exports writing them on an order's first line only still work.
    order_first_rows: Option<OrderFirstRows>,
}

struct OrderFirstRows {
    customer: HashMap<String, usize>,
    date: HashMap<String, usize>,
    amount: HashMap<String, usize>,
}

fn text_values(column: &Column) -> PolarsResult<StringChunked> {
    Ok(column.cast(&DataType::String)?.str()?.clone())
}

impl<'a> Cleaner<'a> {
    fn new(
        frame: &'a DataFrame,
        mapping: &'a ColumnMapping,
        mark: DecimalMark,
        name: &str,
    ) -> Result<Self, ImportError> {
        let mut cleaner = Cleaner {
            frame,
            mapping,
            mark,
            name: name.to_string(),
            order_first_rows: None,
        };
        if let Some(order_col) = &mapping.order_id {
            let orders = cleaner.text(order_col)?;
            // Only orders with an empty field need a first row to fill it
            // from, so a clean file costs one pass and no map.
            let first_rows = |role: Role| -> Result<HashMap<String, usize>, ImportError> {
                let mut first = HashMap::new();
                let Some(col) = mapping.get(role) else {
                    return Ok(first);
                };
                if cleaner.column(col)?.null_count() == 0 {
                    return Ok(first);
                }
                let values = cleaner.text(col)?;
                let empty = |v: Option<&str>| v.is_none_or(|v| v.trim().is_empty());
                let needy: HashSet<&str> = orders
                    .iter()
                    .zip(values.iter())
                    .filter(|(_, value)| empty(*value))
                    .filter_map(|(order, _)| order)
                    .collect();
                if needy.is_empty() {
                    return Ok(first);
                }
                for (row, (order, value)) in orders.iter().zip(values.iter()).enumerate() {
                    if let Some(order) = order
                        && !empty(value)
                        && needy.contains(order)
                        && !first.contains_key(order)
                    {
                        first.insert(order.to_string(), row);
                    }
                }
                Ok(first)
            };
            cleaner.order_first_rows = Some(OrderFirstRows {
                customer: first_rows(Role::CustomerId)?,
                date: first_rows(Role::Timestamp)?,
                amount: first_rows(Role::Amount)?,
            });
        }
        Ok(cleaner)
    }

    fn column(&self, name: &str) -> Result<&'a Column, ImportError> {
        self.frame.column(name).map_err(|e| self.malformed(e))
    }

    fn text(&self, name: &str) -> Result<StringChunked, ImportError> {
        text_values(self.column(name)?).map_err(|e| self.malformed(e))
    }

    fn malformed(&self, e: PolarsError) -> ImportError {
        ImportError::Malformed {
            name: self.name.clone(),
            format: t!("a table"),
            reason: first_line(&e.to_string()),
        }
    }

    /// Decides the date format from the whole column; reports a tie.
    fn settle_date_format(
        &self,
        date_col: &str,
        user_format: Option<DateFormat>,
    ) -> Result<(Option<DateFormat>, Option<String>), ImportError> {
        let column = self.column(date_col)?;
        if matches!(column.dtype(), DataType::Date | DataType::Datetime(_, _)) {
            return Ok((None, None));
        }
        if let Some(format) = user_format {
            return Ok((Some(format), None));
        }
        let text = self.text(date_col)?;
        let distinct = text.unique().map_err(|e| self.malformed(e))?;
        let values: Vec<&str> = distinct.iter().flatten().collect();
        // The column already is the date column, so digit-only formats count.
        let Some(guess) = roles::guess_date_format(values.iter().copied(), true) else {
            let example = values
                .first()
                .map(|v| format!(" ({})", t!("e.g. '%{value}'", value = v)))
                .unwrap_or_default();
            return Err(ImportError::MissingRole {
                name: self.name.clone(),
                role: t!("readable order date"),
                hint: t!(
                    "the values of '%{column}'%{example} match no known date format. Choose the date column and its format in the mapping panel or with --date and --date-format",
                    column = date_col,
                    example = example
                )
                .into(),
                columns: self
                    .frame
                    .get_column_names()
                    .iter()
                    .map(|c| c.to_string())
                    .collect(),
            });
        };
        let warning = guess.rival.map(|rival| {
            t!(
                "Dates in '%{column}' read as %{used} and as %{rival} (no day is above 12). Kohorte used %{used}; change the date format in the mapping panel if that is wrong.",
                column = date_col,
                used = guess.format.label(),
                rival = rival.label()
            )
            .into_owned()
        });
        Ok((Some(guess.format), warning))
    }

    fn clean(&self, date_format: Option<DateFormat>) -> Cleaned {
        let height = self.frame.height();
        let order_text = self
            .mapping
            .order_id
            .as_deref()
            .and_then(|c| self.text(c).ok());
        let order_of = |row: usize| order_text.as_ref().and_then(|o| o.get(row));
        let order_ids = match &order_text {
            Some(ids) if ids.null_count() == 0 => ids.clone(),
            _ => {
                let mut builder = StringChunkedBuilder::new(ORDER_ID.into(), height);
                let mut synthetic = String::new();
                for row in 0..height {
                    match order_of(row).filter(|id| !id.trim().is_empty()) {
                        Some(id) => builder.append_value(id),
                        None => {
                            synthetic.clear();
                            synthetic.push_str("row-");
                            synthetic.push_str(&(row + 1).to_string());
                            builder.append_value(&synthetic);
                        }
                    }
                }
                builder.finish()
            }
        };
        let mut cleaned = Cleaned {
            customers: StringChunked::full_null(CUSTOMER_ID.into(), height),
            timestamps_ms: Vec::new(),
            amounts: None,
            order_ids,
            keep: vec![true; height],
            drops: BTreeMap::new(),
        };
        let filled =
            |map: fn(&OrderFirstRows) -> &HashMap<String, usize>, row: usize| -> Option<usize> {
                let first = self.order_first_rows.as_ref()?;
                map(first).get(order_of(row)?).copied()
            };

        // Customer ids: text exactly as written.
        if let Some(col) = &self.mapping.customer_id
            && let Ok(ids) = self.text(col)
        {
            let complete = ids.null_count() == 0
                && !ids.iter().any(|v| v.is_some_and(|v| v.trim().is_empty()));
            if complete {
                cleaned.customers = ids.clone();
            }
            let mut values: Vec<Option<&str>> =
                Vec::with_capacity(if complete { 0 } else { height });
            for row in (0..height).filter(|_| !complete) {
                let own = ids.get(row).filter(|v| !v.trim().is_empty());
                let value = own.or_else(|| filled(|f| &f.customer, row).and_then(|r| ids.get(r)));
                if value.is_none() {
                    cleaned.drop_row(row, DropReason::MissingCustomerId, "");
                }
                values.push(value);
            }
            if !complete {
                cleaned.customers =
                    StringChunked::from_iter_options(CUSTOMER_ID.into(), values.into_iter());
            }
        }

        // Timestamps: native, or parsed with the settled format.
        if let Some(col) = &self.mapping.timestamp
            && let Ok(column) = self.column(col)
        {
            let native = native_millis(column);
            let text = if native.is_none() {
                self.text(col).ok()
            } else {
                None
            };
            // Parsing is the costly part of a large text file: done on all
            // cores first; the loop below only handles gaps and failures.
            let mut stamps: Vec<Option<i64>> = match (native, &text, date_format) {
                (Some(ms), _, _) => ms,
                (None, Some(text), Some(format)) => (0..height)
                    .into_par_iter()
                    .map(|row| text.get(row).and_then(|v| format.parse(v)).map(millis))
                    .collect(),
                _ => vec![None; height],
            };
            for (row, stamp) in stamps.iter_mut().enumerate() {
                if stamp.is_some() {
                    continue;
                }
                let parsed = match (&text, date_format) {
                    (Some(text), Some(format)) => {
                        let own = text.get(row).filter(|v| !v.trim().is_empty());
                        let raw =
                            own.or_else(|| filled(|f| &f.date, row).and_then(|r| text.get(r)));
                        match raw {
                            None => Ok(None),
                            Some(v) => format.parse(v).map(|d| Some(millis(d))).ok_or(v),
                        }
                    }
                    _ => Ok(None),
                };
                match parsed {
                    Ok(Some(ms)) => *stamp = Some(ms),
                    Ok(None) => {
                        if cleaned.keep[row] {
                            cleaned.drop_row(row, DropReason::MissingDate, "");
                        }
                    }
                    Err(value) => {
                        if cleaned.keep[row] {
                            cleaned.drop_row(row, DropReason::UnreadableDate, value);
                        }
                    }
                }
            }
            let days = super::values::order_days();
            for (row, stamp) in stamps.iter().enumerate() {
                if let Some(ms) = stamp
                    && !days.contains(&(ms.div_euclid(86_400_000) as i32))
                    && cleaned.keep[row]
                {
                    let day = DateTime::from_timestamp_millis(*ms)
                        .map_or_else(|| ms.to_string(), |d| d.date_naive().to_string());
                    cleaned.drop_row(row, DropReason::ImplausibleDate, &day);
                }
            }
            cleaned.timestamps_ms = stamps;
        }

        cleaned.amounts = self.amounts(&mut cleaned, filled);
        cleaned.drop_summary_rows();
        cleaned
    }

    fn number_column(&self, name: &str) -> Option<NumberColumn> {
        let column = self.column(name).ok()?;
        if column.dtype().is_primitive_numeric() {
            let values = column.cast(&DataType::Float64).ok()?;
            return Some(NumberColumn::Native(values.f64().ok()?.clone()));
        }
        Some(NumberColumn::Text(self.text(name).ok()?, self.mark))
    }

    fn amounts(
        &self,
        cleaned: &mut Cleaned,
        filled: impl Fn(fn(&OrderFirstRows) -> &HashMap<String, usize>, usize) -> Option<usize>,
    ) -> Option<Vec<Option<f64>>> {
        let height = self.frame.height();
        let mut out = vec![None; height];
        if let Some(col) = &self.mapping.amount {
            let numbers = self.number_column(col)?;
            for (row, slot) in out.iter_mut().enumerate() {
                match numbers.get(row) {
                    Ok(Some(v)) => *slot = Some(v),
                    Ok(None) => {
                        // An order whose total sits on another of its rows.
                        if filled(|f| &f.amount, row).is_some_and(|r| r != row) {
                            *slot = Some(0.0);
                        } else if cleaned.keep[row] {
                            cleaned.drop_row(row, DropReason::MissingAmount, "");
                        }
                    }
                    Err((reason, v)) => {
                        if cleaned.keep[row] {
                            cleaned.drop_row(row, reason, &v);
                        }
                    }
                }
            }
            return Some(out);
        }
        let (Some(price_col), Some(qty_col)) = (&self.mapping.unit_price, &self.mapping.quantity)
        else {
            return None;
        };
        let prices = self.number_column(price_col)?;
        let quantities = self.number_column(qty_col)?;
        for (row, slot) in out.iter_mut().enumerate() {
            match (prices.get(row), quantities.get(row)) {
                (Ok(Some(p)), Ok(Some(q))) if (p * q).abs() <= LARGEST_AMOUNT => {
                    *slot = Some(p * q)
                }
                (Ok(Some(p)), Ok(Some(q))) => {
                    if cleaned.keep[row] {
                        cleaned.drop_row(row, DropReason::ImpossibleAmount, &format!("{p} × {q}"));
                    }
                }
                (Ok(None), _) | (_, Ok(None)) => {
                    if cleaned.keep[row] {
                        cleaned.drop_row(row, DropReason::MissingAmount, "");
                    }
                }
                (Err((reason, v)), _) | (_, Err((reason, v))) => {
                    if cleaned.keep[row] {
                        cleaned.drop_row(row, reason, &v);
                    }
                }
            }
        }
        Some(out)
    }
}

enum NumberColumn {
    Native(Float64Chunked),
    Text(StringChunked, DecimalMark),
}

/// Whether a customer id names a spreadsheet's total row instead of a
/// customer: `Total`, `Summe`, `Gesamt:`, `Totaal`…
pub(super) fn is_summary_id(id: &str) -> bool {
    const SUMMARY_IDS: [&str; 14] = [
        "total",
        "totals",
        "grand total",
        "subtotal",
        "sum",
        "summe",
        "gesamt",
        "gesamtsumme",
        "insgesamt",
        "zwischensumme",
        "totaal",
        "totaal generaal",
        "summary",
        "somme",
    ];
    // Most ids are rejected by their first letter (10 M ids are checked
    // when a large file is scanned).
    let starts_like_one = id.as_bytes().first().is_some_and(|b| {
        matches!(
            b.to_ascii_lowercase(),
            b't' | b's' | b'g' | b'i' | b'z' | b' ' | b'\t'
        )
    });
    if !starts_like_one || id.len() > 24 {
        return false;
    }
    let id = id.trim().trim_end_matches(':');
    SUMMARY_IDS.iter().any(|s| id.eq_ignore_ascii_case(s))
}

/// Whether `amount` is the sum of all the other amounts of a file whose
/// amounts add up to `total`: a spreadsheet's total row.
pub(super) fn is_sum_of_the_others(amount: f64, total: f64) -> bool {
    let others = total - amount;
    amount > 0.0 && (amount - others).abs() < 0.005_f64.max(others.abs() * 1e-12)
}

/// Whether a number can be an order line's amount (not NaN, ±inf or an
/// overflow such as 1e308).
pub(super) fn possible_amount(value: f64) -> bool {
    value.is_finite() && value.abs() <= LARGEST_AMOUNT
}

/// No order line is worth more than this; larger values are overflows or
/// export errors, and summing them would swamp every total.
const LARGEST_AMOUNT: f64 = 1e12;

impl NumberColumn {
    /// `Ok(None)` for an empty cell, `Err((reason, text))` for a cell that
    /// is no number, or no possible amount (NaN, ±inf, 1e308).
    fn get(&self, row: usize) -> Result<Option<f64>, (DropReason, String)> {
        let possible = |v: f64, text: &dyn Fn() -> String| {
            if possible_amount(v) {
                Ok(Some(v))
            } else {
                Err((DropReason::ImpossibleAmount, text()))
            }
        };
        match self {
            NumberColumn::Native(values) => match values.get(row) {
                None => Ok(None),
                Some(v) => possible(v, &|| v.to_string()),
            },
            NumberColumn::Text(values, mark) => match values.get(row).map(str::trim) {
                None | Some("") => Ok(None),
                Some(v) => match parse_number(v, *mark) {
                    Some(n) => possible(n, &|| v.to_string()),
                    None => Err((DropReason::UnreadableAmount, v.to_string())),
                },
            },
        }
    }
}

fn millis(d: NaiveDateTime) -> i64 {
    d.and_utc().timestamp_millis()
}

/// Milliseconds of a natively temporal column (Parquet), else `None`.
fn native_millis(column: &Column) -> Option<Vec<Option<i64>>> {
    let target = DataType::Datetime(TimeUnit::Milliseconds, None);
    match column.dtype() {
        DataType::Date | DataType::Datetime(_, _) => {
            let cast = column.cast(&target).ok()?;
            let physical = cast.to_physical_repr();
            let values = physical.i64().ok()?;
            Some(values.iter().collect())
        }
        _ => None,
    }
}

fn canonical_frame(
    raw: &DataFrame,
    cleaned: &Cleaned,
    attributes: &[String],
    quantity: Option<&str>,
    points_redeemed: Option<&str>,
    mark: DecimalMark,
) -> PolarsResult<DataFrame> {
    let customers = cleaned.customers.clone();
    let timestamps =
        Int64Chunked::from_iter_options("t".into(), cleaned.timestamps_ms.iter().copied())
            .into_series()
            .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?;
    let amounts = match &cleaned.amounts {
        Some(values) => Float64Chunked::from_iter_options(AMOUNT.into(), values.iter().copied()),
        None => Float64Chunked::full_null(AMOUNT.into(), raw.height()),
    };
    let order_ids = cleaned.order_ids.clone().with_name(ORDER_ID.into());
    let mut columns = vec![
        customers
            .into_series()
            .with_name(CUSTOMER_ID.into())
            .into_column(),
        timestamps.with_name(ORDER_TS.into()).into_column(),
        amounts.into_series().into_column(),
        order_ids.into_series().into_column(),
    ];
    for (source, canonical) in [(quantity, QUANTITY), (points_redeemed, POINTS_REDEEMED)] {
        let Some(source) = source else { continue };
        let numbers = match raw.column(source)?.dtype() {
            dt if dt.is_primitive_numeric() => raw.column(source)?.cast(&DataType::Float64)?,
            _ => {
                let text = text_values(raw.column(source)?)?;
                Float64Chunked::from_iter_options(
                    canonical.into(),
                    text.iter().map(|v| v.and_then(|v| parse_number(v, mark))),
                )
                .into_series()
                .into_column()
            }
        };
        columns.push(numbers.with_name(canonical.into()));
    }
    let taken: Vec<String> = columns.iter().map(|c| c.name().to_string()).collect();
    for (attribute, name) in attributes.iter().zip(attribute_names(attributes, taken)) {
        let values = raw.column(attribute)?.cast(&DataType::String)?;
        columns.push(values.with_name(name.into()));
    }
    let frame = DataFrame::new(raw.height(), columns)?;
    if cleaned.keep.iter().all(|k| *k) {
        return Ok(frame);
    }
    frame.filter(&BooleanChunked::from_slice("keep".into(), &cleaned.keep))
}

/// The names the attribute columns get in the canonical frame: their own,
/// with " (column)" added while a name is `taken` by a canonical column or
/// an earlier attribute.
fn attribute_names(attributes: &[String], taken: Vec<String>) -> Vec<String> {
    let mut used: HashSet<String> = taken.into_iter().collect();
    attributes
        .iter()
        .map(|attribute| {
            let mut name = attribute.clone();
            while used.contains(&name) {
                name = format!("{name} (column)");
            }
            used.insert(name.clone());
            name
        })
        .collect()
}

/// The canonical frame's attribute names for a file's columns and mapping,
/// without building the frame: for a report of a file read in part.
pub(crate) fn attribute_columns(input_columns: &[String], mapping: &ColumnMapping) -> Vec<String> {
    let attributes: Vec<String> = input_columns
        .iter()
        .filter(|c| mapping.role_of(c).is_none())
        .cloned()
        .collect();
    let mut taken: Vec<String> = [CUSTOMER_ID, ORDER_TS, AMOUNT, ORDER_ID]
        .map(String::from)
        .to_vec();
    if mapping.quantity.is_some() {
        taken.push(QUANTITY.into());
    }
    if mapping.points_redeemed.is_some() {
        taken.push(POINTS_REDEEMED.into());
    }
    attribute_names(&attributes, taken)
}

/// How a file was read: what its import report says besides the counts.
pub struct ReadHead {
    pub source: String,
    pub format: FileFormat,
    pub dialect: Option<CsvDialect>,
    pub mapping: ColumnMapping,
    pub attributes: Vec<String>,
    pub rows_read: usize,
    pub warnings: Vec<String>,
}

/// What the import counted in the rows it used.
pub(crate) struct UsedRows {
    pub rows: usize,
    pub dropped: Vec<DroppedRows>,
    pub refunds: usize,
    pub refund_amount: Option<f64>,
    pub total_amount: Option<f64>,
    pub customers: usize,
    pub orders: usize,
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
}

pub(crate) fn import_report(head: ReadHead, used: UsedRows) -> ImportReport {
    ImportReport {
        source: head.source,
        format: head.format,
        dialect: head.dialect,
        roles: Role::ALL
            .iter()
            .map(|r| {
                (
                    r.key().to_string(),
                    head.mapping.get(*r).map(str::to_string),
                )
            })
            .collect(),
        date_format: head.mapping.date_format.map(|f| f.label().to_string()),
        attributes: head.attributes,
        rows_read: head.rows_read,
        rows_used: used.rows,
        rows_dropped: used.dropped.iter().map(|d| d.count).sum(),
        dropped: used.dropped,
        refunds: used.refunds,
        refund_amount: used.refund_amount,
        customers: used.customers,
        orders: used.orders,
        first_date: used.first_date,
        last_date: used.last_date,
        total_amount: used.total_amount,
        warnings: head.warnings,
    }
}

fn summarise(
    orders: &DataFrame,
    index: &OrderIndex,
    head: ReadHead,
    dropped: Vec<DroppedRows>,
    has_amount: bool,
) -> ImportReport {
    let (first_date, last_date) = date_range(orders);
    let amounts = orders
        .column(AMOUNT)
        .ok()
        .and_then(|c| c.f64().ok().cloned());
    let (refunds, refund_amount, total_amount) = match (&amounts, has_amount) {
        (Some(a), true) => {
            let refunds: Vec<f64> = a.iter().flatten().filter(|v| *v < 0.0).collect();
            (
                refunds.len(),
                // + 0.0: an empty sum is -0, which would be written as "-0.0".
                Some(round_to(refunds.iter().sum::<f64>() + 0.0, 2)),
                Some(round_to(a.sum().unwrap_or(0.0), 2)),
            )
        }
        _ => (0, None, None),
    };
    import_report(
        head,
        UsedRows {
            rows: orders.height(),
            dropped,
            refunds,
            refund_amount,
            total_amount,
            customers: index.customers(),
            orders: index.orders(),
            first_date,
            last_date,
        },
    )
}

pub fn date_range(orders: &DataFrame) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let Ok(ts) = orders.column(ORDER_TS) else {
        return (None, None);
    };
    let physical = ts.to_physical_repr();
    let Ok(ms) = physical.i64() else {
        return (None, None);
    };
    let day = |v: Option<i64>| {
        v.and_then(DateTime::from_timestamp_millis)
            .map(|d| d.date_naive())
    };
    (day(ms.min()), day(ms.max()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_do_not_change_counts() {
        use crate::data::dialect::TextEncoding;
        let utf8 = "Kunde;Datum;Umsatz (€)\n001;31.03.2024;1.234,56\n002;01.04.2024;-12,50\n";
        let cp1252 = encoding_rs::WINDOWS_1252.encode(utf8).0;
        let a = load_bytes(
            Source::Demo,
            utf8.as_bytes().to_vec(),
            &ImportOptions::default(),
        )
        .unwrap();
        let b = load_bytes(Source::Demo, cp1252.to_vec(), &ImportOptions::default()).unwrap();
        assert_eq!(a.report.rows_used, 2);
        assert_eq!(a.report.total_amount, Some(1222.06));
        assert_eq!(a.report.refunds, 1);
        assert_eq!(
            b.report.dialect.as_ref().unwrap().encoding,
            TextEncoding::Windows1252
        );
        assert_eq!(a.report.total_amount, b.report.total_amount);
        assert_eq!(b.report.roles["amount"].as_deref(), Some("Umsatz (€)"));
    }
}
