//! Only the columns the cohort table needs, read straight into rows for
//! the quick cohort engine ([`crate::analysis::cohort_scan`]): the fast way
//! from a large file to its cohort table.
//!
//! The file is understood exactly as the full import understands it (same
//! dialect sniffing, decoding, column roles, date format and number
//! reading); what is skipped is everything the cohort table does not need.
//! A file that needs any of the full import's repairs (an empty or
//! unreadable cell, an id longer than 15 bytes, a date format that only
//! the whole column can settle, amounts from price × quantity) gets `None`:
//! the caller then uses the full import, which explains every dropped row.

use std::io::Cursor;
use std::ops::Range;
use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;

use super::dialect::CsvDialect;
use super::dialect::{self, TextEncoding};
use super::load::{
    CsvLayout, FileFormat, ImportOptions, ReadHead, attribute_columns, column_names, decimal_mark,
    is_parquet, is_sum_of_the_others, is_summary_id, map_columns, possible_amount,
};
use super::order_rows::{RowSplitter, ScannedRows, text_key};
use super::roles::{self, ColumnMapping};
use super::values::{DateFormat, DecimalMark, order_days, parse_number};
use crate::calendar::day_number;

/// Rows read to detect the columns' roles, as the full import's profiles do.
const HEAD_ROWS: usize = 4000;
const MS_PER_DAY: i64 = 86_400_000;

/// A file's rows for the cohort engine, and how the file was read: what
/// its import report says besides the counts.
pub struct ScannedFile {
    pub rows: ScannedRows,
    pub head: ReadHead,
}

/// What reading a file's first rows settled.
struct HeadRead {
    format: FileFormat,
    dialect: Option<CsvDialect>,
    mapping: ColumnMapping,
    mark: DecimalMark,
    input_columns: Vec<String>,
    warnings: Vec<String>,
}

/// The rows of the file at `path` for the cohort engine, or `None` when the
/// file needs the full import.
pub fn scan_for_cohorts(path: &Path, options: &ImportOptions) -> Option<ScannedFile> {
    let name = super::load::file_name(path);
    // Anything but a regular file is the full import's to refuse.
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let (frame, read) = if is_parquet(path) {
        let head = ParquetReader::new(std::fs::File::open(path).ok()?)
            .with_slice(Some((0, HEAD_ROWS)))
            .finish()
            .ok()?;
        // Decimals, time zones and dates outside the calendar are the full
        // import's to convert.
        let converted = head.columns().iter().any(|c| {
            matches!(
                c.dtype(),
                DataType::Decimal(_, _) | DataType::Datetime(_, Some(_))
            )
        });
        let (head, doubts) = super::parquet_types::normalise(head).ok()?;
        if converted || !doubts.is_empty() {
            return None;
        }
        let (mapping, _, doubts) = map_columns(&name, &head, DecimalMark::Dot, options).ok()?;
        if !doubts.is_empty() {
            return None;
        }
        let frame = ParquetReader::new(std::fs::File::open(path).ok()?)
            .with_columns(Some(needed_columns(&mapping)?))
            .finish()
            .ok()?;
        let read = HeadRead {
            format: FileFormat::Parquet,
            dialect: None,
            mapping,
            mark: DecimalMark::Dot,
            input_columns: column_names(&head),
            warnings: Vec::new(),
        };
        (frame, read)
    } else if needs_tidying(path)? {
        return None;
    } else if let Some(read) = read_plain_csv(&name, options, path) {
        read?
    } else {
        let bytes = std::fs::read(path).ok()?;
        let (text, encoding) = dialect::decode(bytes, options.dialect.encoding);
        let layout = CsvLayout::sniff(&text, &options.dialect);
        let quote = layout.quote.and_then(|q| u8::try_from(q).ok());
        if quote.is_some_and(|q| dialect::unclosed_quote_line(&text, q).is_some()) {
            return None;
        }
        let reader = layout.reader_options(&name).ok()?;
        let head = reader
            .clone()
            .with_n_rows(Some(HEAD_ROWS))
            .into_reader_with_file_handle(Cursor::new(&text))
            .finish()
            .ok()?;
        let read = read_csv_head(&name, &head, options, layout, encoding)?;
        (read_needed(reader, &read.mapping, Cursor::new(text))?, read)
    };
    let rows_read = frame.height();
    let (rows, date_format) = scan_frame(frame, &read.mapping, read.mark, options.date_format)?;
    // A placeholder or far-future date is the full import's to drop: the
    // rows' first and last day tell, without a look at every row.
    let (first_day, last_day) = rows.day_range()?;
    let allowed = order_days();
    if !(allowed.contains(&first_day) && allowed.contains(&last_day)) {
        return None;
    }
    let mut mapping = read.mapping;
    mapping.date_format = date_format;
    Some(ScannedFile {
        rows,
        head: ReadHead {
            source: name,
            format: read.format,
            dialect: read.dialect,
            attributes: attribute_columns(&read.input_columns, &mapping),
            mapping,
            rows_read,
            warnings: read.warnings,
        },
    })
}

/// Reads a CSV file that is UTF-8 as it is on disk, which polars maps
/// instead of a copy: the first rows to map the columns, as the full import
/// does, then only the columns the cohort table needs. `None` when the file
/// must be decoded first (or may have to be: a failure before the whole
/// file is known to be UTF-8 lets the decoding path try); `Some(None)` when
/// it needs the full import.
fn read_plain_csv(
    name: &str,
    options: &ImportOptions,
    path: &Path,
) -> Option<Option<(DataFrame, HeadRead)>> {
    if matches!(options.dialect.encoding, Some(TextEncoding::Windows1252)) {
        return None;
    }
    let start = file_start(path, dialect::SNIFF_BYTES).ok()?;
    if start.starts_with(b"\xEF\xBB\xBF") {
        return None;
    }
    let layout = CsvLayout::sniff(&start, &options.dialect);
    let quote = layout.quote;
    let reader = layout.reader_options(name).ok()?;
    // The first rows come from the file's first megabytes (polars would
    // otherwise look through the whole file to find them): one row more
    // than needed proves that the rows kept were not cut off.
    let mut start_bytes = 4 << 20;
    let head = loop {
        let start = file_start(path, start_bytes).ok()?;
        let whole = start.len() < start_bytes;
        let head = reader
            .clone()
            .with_n_rows(Some(HEAD_ROWS + 1))
            .into_reader_with_file_handle(Cursor::new(start))
            .finish()
            .ok()?;
        if whole || head.height() > HEAD_ROWS {
            break head.head(Some(HEAD_ROWS));
        }
        start_bytes *= 4;
    };
    let encoding = options.dialect.encoding.unwrap_or(TextEncoding::Utf8);
    let read = read_csv_head(name, &head, options, layout, encoding)?;
    // Polars finds the rows on one core first; the other checks meanwhile
    // that the whole file is UTF-8 (else it is decoded like the full
    // import does, and read again).
    let (utf8, frame) = rayon::join(
        || plain_utf8(path, quote).unwrap_or(false),
        || read_needed(reader, &read.mapping, std::fs::File::open(path).ok()?),
    );
    utf8.then_some(frame.map(|frame| (frame, read)))
}

/// The dialect, decimal mark and column mapping a CSV's first rows give,
/// as the full import settles them, with its warnings.
fn read_csv_head(
    name: &str,
    head: &DataFrame,
    options: &ImportOptions,
    layout: CsvLayout,
    encoding: TextEncoding,
) -> Option<HeadRead> {
    let (mark, mark_warning) = decimal_mark(head, &options.dialect);
    let (mapping, _, doubts) = map_columns(name, head, mark, options).ok()?;
    if !doubts.is_empty() {
        return None;
    }
    let mut warnings = layout.warnings;
    warnings.extend(mark_warning);
    Some(HeadRead {
        format: FileFormat::Csv,
        dialect: Some(CsvDialect {
            delimiter: layout.delimiter,
            quote: layout.quote,
            has_header: layout.has_header,
            encoding,
            decimal_mark: mark,
        }),
        mapping,
        mark,
        input_columns: column_names(head),
        warnings,
    })
}

/// UTF-16, Excel's `sep=` line and CR-only line endings are for the full
/// import, which decodes and tidies the whole text.
fn needs_tidying(path: &Path) -> Option<bool> {
    let start = file_start(path, 64 << 10).ok()?;
    Some(
        dialect::utf16_bom(&start).is_some()
            || start
                .get(..4)
                .is_some_and(|s| s.eq_ignore_ascii_case(b"sep="))
            || (!start.contains(&b'\n') && start.contains(&b'\r')),
    )
}

fn read_needed(
    reader: CsvReadOptions,
    mapping: &ColumnMapping,
    source: impl polars::io::mmap::MmapBytesReader,
) -> Option<DataFrame> {
    let columns: Vec<PlSmallStr> = needed_columns(mapping)?
        .into_iter()
        .map(PlSmallStr::from)
        .collect();
    reader
        .with_columns(Some(columns.into()))
        .into_reader_with_file_handle(source)
        .finish()
        .ok()
}

/// The first `bytes` bytes of a file (all of a shorter one).
fn file_start(path: &Path, bytes: usize) -> std::io::Result<Vec<u8>> {
    let mut start = Vec::with_capacity(bytes);
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::fs::File::open(path)?, bytes as u64),
        &mut start,
    )?;
    Ok(start)
}

/// Whether the whole file is UTF-8, which the full import reads as it is;
/// checked piece by piece, so no copy is kept.
fn plain_utf8(path: &Path, quote: Option<char>) -> std::io::Result<bool> {
    let mut file = std::fs::File::open(path)?;
    let mut buffer = vec![0u8; 4 << 20];
    let mut carried = 0;
    // An odd number of quotes leaves one unclosed: the full import says
    // on which row.
    let quote = quote.and_then(|q| u8::try_from(q).ok());
    let mut quotes = 0usize;
    loop {
        let read = std::io::Read::read(&mut file, &mut buffer[carried..])?;
        if read == 0 {
            return Ok(carried == 0 && quotes.is_multiple_of(2));
        }
        let filled = carried + read;
        if let Some(q) = quote {
            quotes += buffer[carried..filled].iter().filter(|b| **b == q).count();
        }
        match std::str::from_utf8(&buffer[..filled]) {
            Ok(_) => carried = 0,
            // A character cut at the end of this piece continues in the next.
            Err(e) if e.error_len().is_none() => {
                let valid = e.valid_up_to();
                buffer.copy_within(valid..filled, 0);
                carried = filled - valid;
            }
            Err(_) => return Ok(false),
        }
    }
}

/// The columns the cohort table reads; `None` when amounts come from price
/// × quantity, which the full import computes.
fn needed_columns(mapping: &ColumnMapping) -> Option<Vec<String>> {
    if mapping.amount.is_none() && mapping.unit_price.is_some() && mapping.quantity.is_some() {
        return None;
    }
    Some(
        [
            &mapping.customer_id,
            &mapping.timestamp,
            &mapping.amount,
            &mapping.order_id,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect(),
    )
}

/// The values, unless a cast left a gap (a value out of the new type's range).
fn no_gaps<T: PolarsDataType>(values: ChunkedArray<T>) -> Option<ChunkedArray<T>> {
    (values.null_count() == 0).then_some(values)
}

/// A column of ids as exact keys.
#[derive(Clone)]
enum Keys {
    Text(StringChunked),
    Integer(Int64Chunked),
}

impl Keys {
    fn of(column: &Column) -> Option<Keys> {
        match column.dtype() {
            DataType::String => Some(Keys::Text(column.str().ok()?.clone())),
            dt if dt.is_integer() => Some(Keys::Integer(no_gaps(
                column.cast(&DataType::Int64).ok()?.i64().ok()?.clone(),
            )?)),
            _ => None,
        }
    }

    fn slice(&self, rows: &Range<usize>) -> Keys {
        let (offset, len) = (rows.start as i64, rows.len());
        match self {
            Keys::Text(v) => Keys::Text(v.slice(offset, len)),
            Keys::Integer(v) => Keys::Integer(v.slice(offset, len)),
        }
    }

    /// Each row's key into `out`; `None` at a cell the full import would
    /// have to repair (empty) or an id too long for a key.
    fn fill(&self, out: &mut Vec<u128>) -> Option<()> {
        out.clear();
        match self {
            Keys::Text(values) => {
                for array in values.downcast_iter() {
                    for v in array.values_iter() {
                        // Most ids start with a visible character; only
                        // the others need a full look for blankness.
                        let visible = v.as_bytes().first().is_some_and(|b| b.is_ascii_graphic());
                        if !visible && v.trim().is_empty() {
                            return None;
                        }
                        // A total row is the full import's to drop.
                        if is_summary_id(v) {
                            return None;
                        }
                        out.push(text_key(v)?);
                    }
                }
            }
            Keys::Integer(values) => {
                for array in values.downcast_iter() {
                    out.extend(array.values().iter().map(|v| *v as u64 as u128));
                }
            }
        }
        Some(())
    }
}

/// A column of dates as days since 1970-01-01.
#[derive(Clone)]
enum Days {
    Native(Int64Chunked),
    Text(StringChunked, DateFormat),
}

impl Days {
    fn of(column: &Column, user_format: Option<DateFormat>) -> Option<Days> {
        if matches!(column.dtype(), DataType::Date | DataType::Datetime(_, _)) {
            let ms = column
                .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
                .ok()?;
            return Some(Days::Native(no_gaps(
                ms.to_physical_repr().i64().ok()?.clone(),
            )?));
        }
        let text = column.str().ok()?.clone();
        let format = match user_format {
            Some(format) => format,
            None => {
                // The full import settles the format on the whole column.
                // A format that alone reads most of the first rows and
                // then reads every row is what it would settle on too.
                let head = text.head(Some(HEAD_ROWS));
                let values: Vec<&str> = head.iter().flatten().collect();
                let guess = roles::guess_date_format(values.iter().copied(), true)?;
                if guess.rival.is_some() {
                    return None;
                }
                guess.format
            }
        };
        Some(Days::Text(text, format))
    }

    fn slice(&self, rows: &Range<usize>) -> Days {
        let (offset, len) = (rows.start as i64, rows.len());
        match self {
            Days::Native(v) => Days::Native(v.slice(offset, len)),
            Days::Text(v, format) => Days::Text(v.slice(offset, len), *format),
        }
    }

    fn fill(&self, out: &mut Vec<i32>) -> Option<()> {
        out.clear();
        match self {
            Days::Native(ms) => {
                for array in ms.downcast_iter() {
                    out.extend(
                        array
                            .values()
                            .iter()
                            .map(|ms| ms.div_euclid(MS_PER_DAY) as i32),
                    );
                }
            }
            Days::Text(text, format) => {
                for array in text.downcast_iter() {
                    for v in array.values_iter() {
                        out.push(day_number(format.parse(v)?.date()));
                    }
                }
            }
        }
        Some(())
    }
}

/// A column of amounts.
#[derive(Clone)]
enum Amounts {
    Native(Float64Chunked),
    Text(StringChunked, DecimalMark),
}

impl Amounts {
    fn of(column: &Column, mark: DecimalMark) -> Option<Amounts> {
        if column.dtype().is_primitive_numeric() {
            let values = column.cast(&DataType::Float64).ok()?;
            return Some(Amounts::Native(values.f64().ok()?.clone()));
        }
        Some(Amounts::Text(column.str().ok()?.clone(), mark))
    }

    fn slice(&self, rows: &Range<usize>) -> Amounts {
        let (offset, len) = (rows.start as i64, rows.len());
        match self {
            Amounts::Native(v) => Amounts::Native(v.slice(offset, len)),
            Amounts::Text(v, mark) => Amounts::Text(v.slice(offset, len), *mark),
        }
    }

    fn fill(&self, out: &mut Vec<f64>) -> Option<()> {
        out.clear();
        match self {
            Amounts::Native(values) => {
                for array in values.downcast_iter() {
                    out.extend_from_slice(array.values());
                }
            }
            Amounts::Text(values, mark) => {
                for array in values.downcast_iter() {
                    for v in array.values_iter() {
                        out.push(parse_number(v.trim(), *mark)?);
                    }
                }
            }
        }
        // NaN, infinity or an overflow is the full import's to drop.
        out.iter().all(|v| possible_amount(*v)).then_some(())
    }
}

/// Whether the first or the last row's amount is the sum of all the others
/// (a spreadsheet's total row): the full import drops it with a reason, as
/// it does in `Cleaned::drop_summary_rows`.
fn ends_with_a_sum_row(amounts: &Amounts, height: usize, total: f64) -> Option<bool> {
    if height < 10 {
        return Some(false);
    }
    let mut value = Vec::new();
    for row in [0, height - 1] {
        amounts.slice(&(row..row + 1)).fill(&mut value)?;
        if is_sum_of_the_others(*value.first()?, total) {
            return Some(true);
        }
    }
    Some(false)
}

/// Rows are read in this many ranges, whatever the number of cores, so
/// that every run adds the same amounts in the same order.
const RANGES: usize = 64;
const BLOCK_ROWS: usize = 8192;

/// The rows, and the date format that read them (`None` for a natively
/// typed column).
fn scan_frame(
    frame: DataFrame,
    mapping: &ColumnMapping,
    mark: DecimalMark,
    user_format: Option<DateFormat>,
) -> Option<(ScannedRows, Option<DateFormat>)> {
    if frame.height() == 0 {
        return None;
    }
    // A gap is for the full import to fill or report.
    let column = |name: &Option<String>| match name {
        Some(n) => frame
            .column(n)
            .map(|c| (c.null_count() == 0).then_some(Some(c))),
        None => Ok(Some(None)),
    };
    let customers = Keys::of(column(&mapping.customer_id).ok()???)?;
    let days = Days::of(column(&mapping.timestamp).ok()???, user_format)?;
    let amounts = match column(&mapping.amount).ok()?? {
        Some(c) => Some(Amounts::of(c, mark)?),
        None => None,
    };
    let orders = match column(&mapping.order_id).ok()?? {
        Some(c) => Some(Keys::of(c)?),
        None => None,
    };
    let height = frame.height();
    let range_len = height.div_ceil(RANGES);
    let splitters: Option<Vec<(RowSplitter, f64)>> = (0..RANGES)
        .into_par_iter()
        .map(|index| {
            let rows = (index * range_len).min(height)..((index + 1) * range_len).min(height);
            let mut splitter = RowSplitter::new(rows.len());
            let mut range_sum = 0.0;
            // Values are read a block at a time, so that they are still in
            // the processor's cache when the rows are put together.
            let (mut customer_keys, mut order_keys) = (Vec::new(), Vec::new());
            let (mut day_values, mut amount_values) = (Vec::new(), Vec::new());
            for start in rows.clone().step_by(BLOCK_ROWS) {
                let block = start..(start + BLOCK_ROWS).min(rows.end);
                let n = block.len();
                customers.slice(&block).fill(&mut customer_keys)?;
                days.slice(&block).fill(&mut day_values)?;
                match &orders {
                    Some(orders) => orders.slice(&block).fill(&mut order_keys)?,
                    None => order_keys.resize(n, 0),
                }
                match &amounts {
                    Some(amounts) => amounts.slice(&block).fill(&mut amount_values)?,
                    None => amount_values.resize(n, 0.0),
                }
                range_sum += amount_values.iter().sum::<f64>();
                for (((&customer, &order), &day), &amount) in customer_keys
                    .iter()
                    .zip(&order_keys)
                    .zip(&day_values)
                    .zip(&amount_values)
                {
                    splitter.push(customer, order, day, amount);
                }
            }
            Some((splitter, range_sum))
        })
        .collect();
    let (splitters, sums): (Vec<RowSplitter>, Vec<f64>) = splitters?.into_iter().unzip();
    if let Some(amounts) = &amounts
        && ends_with_a_sum_row(amounts, height, sums.iter().sum())?
    {
        return None;
    }
    let date_format = match &days {
        Days::Native(_) => None,
        Days::Text(_, format) => Some(*format),
    };
    let rows = ScannedRows::new(splitters, orders.is_some(), amounts.is_some());
    Some((rows, date_format))
}
