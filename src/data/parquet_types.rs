//! Parquet columns turned into the types the import reads.
//!
//! Databases write money as `decimal(18,2)` and timestamps with a time
//! zone; a marketer's day is the local one. Decimals become numbers, and
//! every date or timestamp becomes the wall-clock time of its stored zone in
//! milliseconds (an order at 00:30 in Berlin is on that day, as the CSV
//! path keeps the written time). Values outside the calendar (a date32 of
//! year five million) become empty, with a warning, instead of panicking
//! in a later cast.

use chrono::{DateTime, FixedOffset, Offset, TimeZone};
use polars::prelude::*;

/// The first and last millisecond of years 1 to 9999.
const FIRST_MS: i64 = -62_135_596_800_000;
const LAST_MS: i64 = 253_402_300_799_999;

/// A stored time zone: a name from the tz database or a fixed offset.
enum Zone {
    Named(chrono_tz::Tz),
    Fixed(FixedOffset),
}

impl Zone {
    fn parse(name: &str) -> Option<Zone> {
        if let Ok(tz) = name.parse::<chrono_tz::Tz>() {
            return Some(Zone::Named(tz));
        }
        let (sign, rest) = match name.as_bytes().first()? {
            b'+' => (1, &name[1..]),
            b'-' => (-1, &name[1..]),
            _ => return None,
        };
        let (hours, minutes) = rest.split_once(':').unwrap_or((rest, "0"));
        let seconds = hours.parse::<i32>().ok()? * 3600 + minutes.parse::<i32>().ok()? * 60;
        FixedOffset::east_opt(sign * seconds).map(Zone::Fixed)
    }

    /// The offset of local time from UTC at a UTC instant, in milliseconds.
    fn offset_ms(&self, utc_ms: i64) -> Option<i64> {
        let instant = DateTime::from_timestamp_millis(utc_ms)?;
        let seconds = match self {
            Zone::Named(tz) => tz
                .offset_from_utc_datetime(&instant.naive_utc())
                .fix()
                .local_minus_utc(),
            Zone::Fixed(offset) => offset.local_minus_utc(),
        };
        Some(i64::from(seconds) * 1000)
    }
}

/// The frame with decimals as numbers and temporal columns as local
/// milliseconds, and a warning per column that had values it could not use.
pub fn normalise(frame: DataFrame) -> PolarsResult<(DataFrame, Vec<String>)> {
    let mut warnings = Vec::new();
    let mut columns = Vec::with_capacity(frame.width());
    for column in frame.columns() {
        let name = column.name().to_string();
        let normalised = match column.dtype() {
            DataType::Decimal(_, _) => column.cast(&DataType::Float64)?,
            DataType::Date | DataType::Datetime(_, _) => {
                local_column(column, &name, &mut warnings)?
            }
            _ => column.clone(),
        };
        columns.push(normalised);
    }
    Ok((DataFrame::new(frame.height(), columns)?, warnings))
}

/// A date or timestamp column as local milliseconds: cast as a whole when
/// it has no zone and every value lies in the calendar (the common case,
/// millions of rows), else converted value by value.
fn local_column(column: &Column, name: &str, warnings: &mut Vec<String>) -> PolarsResult<Column> {
    let (per_ms, zone) = match column.dtype() {
        DataType::Datetime(unit, zone) => {
            let per_ms = match unit {
                TimeUnit::Nanoseconds => 1_000_000,
                TimeUnit::Microseconds => 1_000,
                TimeUnit::Milliseconds => 1,
            };
            (per_ms, zone.clone())
        }
        _ => (0, None),
    };
    // Days (a date) or the timestamp's unit, to milliseconds.
    let to_ms = |v: i64| {
        if per_ms == 0 {
            v * 86_400_000
        } else {
            v.div_euclid(per_ms)
        }
    };
    let zone = match zone {
        Some(zone) => {
            let parsed = Zone::parse(&zone.to_string());
            if parsed.is_none() {
                warnings.push(format!(
                    "'{name}' is stored in the time zone '{zone}', which Kohorte does not know; its times were read in UTC."
                ));
            }
            parsed
        }
        None => None,
    };
    let physical = column.to_physical_repr().cast(&DataType::Int64)?;
    let values = physical.i64()?;
    let in_calendar = |v: Option<i64>| v.is_none_or(|v| (FIRST_MS..=LAST_MS).contains(&to_ms(v)));
    if zone.is_none() && in_calendar(values.min()) && in_calendar(values.max()) {
        return column.cast(&DataType::Datetime(TimeUnit::Milliseconds, None));
    }
    local_millis(
        name,
        values.iter().map(|v| v.map(to_ms)),
        zone.as_ref(),
        warnings,
    )
}

/// A `Datetime(ms)` column of local wall-clock times; instants outside
/// years 1 to 9999 become empty and are counted in a warning.
fn local_millis(
    name: &str,
    utc_ms: impl Iterator<Item = Option<i64>>,
    zone: Option<&Zone>,
    warnings: &mut Vec<String>,
) -> PolarsResult<Column> {
    let mut outside = 0usize;
    let values: Vec<Option<i64>> = utc_ms
        .map(|v| {
            let v = v?;
            let local = match zone {
                Some(zone) => zone.offset_ms(v).and_then(|o| v.checked_add(o)),
                None => Some(v),
            };
            let inside = local.filter(|l| (FIRST_MS..=LAST_MS).contains(l));
            outside += usize::from(inside.is_none());
            inside
        })
        .collect();
    if outside > 0 {
        warnings.push(format!(
            "{outside} values of '{name}' lie outside the calendar (before year 1 or after 9999) and were read as empty."
        ));
    }
    Int64Chunked::from_iter_options(name.into(), values.into_iter())
        .into_series()
        .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
        .map(Column::from)
}
