//! Reading single values the way shop systems and spreadsheets write them:
//! numbers with either decimal mark and thousands separators, and the date
//! formats seen in European and American exports.
//!
//! These parsers work on one cell at a time; the file itself is split into
//! cells by polars' CSV reader.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use rust_i18n::t;
use serde::{Deserialize, Serialize};

/// Which character separates the integer part from the fraction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DecimalMark {
    /// `1,234.56`: English-speaking countries.
    Dot,
    /// `1.234,56`: Germany, the Netherlands, France and most of Europe.
    Comma,
}

impl DecimalMark {
    pub fn label(self) -> &'static str {
        match self {
            DecimalMark::Dot => "1,234.56 (decimal point)",
            DecimalMark::Comma => "1.234,56 (decimal comma)",
        }
    }

    /// The label in the chosen language, for the import panel.
    pub fn display_name(self) -> Cow<'static, str> {
        match self {
            DecimalMark::Dot => t!("1,234.56 (decimal point)"),
            DecimalMark::Comma => t!("1.234,56 (decimal comma)"),
        }
    }
}

/// A date or date-time layout found in order exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DateFormat {
    /// `2024-03-31` or `2024-03-31 14:05[:09]`, `2024-03-31T14:05:09Z`, with an
    /// optional offset that is ignored (the wall-clock time is kept).
    Iso,
    /// `31.03.2024` (German), optionally followed by a time.
    DayMonthYearDot,
    /// `31/03/2024` (British, French, Dutch), optionally followed by a time.
    DayMonthYearSlash,
    /// `03/31/2024` (American), optionally followed by a time.
    MonthDayYearSlash,
    /// `31-03-2024` (Dutch), optionally followed by a time.
    DayMonthYearDash,
    /// `20240331`.
    YearMonthDayCompact,
    /// Seconds since 1970-01-01 UTC.
    UnixSeconds,
    /// Milliseconds since 1970-01-01 UTC.
    UnixMillis,
    /// `01-Jan-2024`, `01-Mär-2024`, `1 mrt 2024`: a month's name or its
    /// abbreviation in English, German or Dutch.
    DayMonthNameYear,
    /// `Jan 5, 2024`, `January 5 2024`.
    MonthNameDayYear,
    /// `05.01.24`: a two-digit year, 1970–2069.
    DayMonthShortYearDot,
    /// Excel's day numbers (45292 = 2024-01-01), a fraction being the time.
    ExcelSerial,
}

impl DateFormat {
    pub const ALL: [DateFormat; 12] = [
        DateFormat::Iso,
        DateFormat::DayMonthYearDot,
        DateFormat::DayMonthYearSlash,
        DateFormat::MonthDayYearSlash,
        DateFormat::DayMonthYearDash,
        DateFormat::YearMonthDayCompact,
        DateFormat::UnixSeconds,
        DateFormat::UnixMillis,
        DateFormat::DayMonthNameYear,
        DateFormat::MonthNameDayYear,
        DateFormat::DayMonthShortYearDot,
        DateFormat::ExcelSerial,
    ];

    pub fn label(self) -> &'static str {
        match self {
            DateFormat::Iso => "yyyy-mm-dd",
            DateFormat::DayMonthYearDot => "dd.mm.yyyy",
            DateFormat::DayMonthYearSlash => "dd/mm/yyyy",
            DateFormat::MonthDayYearSlash => "mm/dd/yyyy",
            DateFormat::DayMonthYearDash => "dd-mm-yyyy",
            DateFormat::YearMonthDayCompact => "yyyymmdd",
            DateFormat::UnixSeconds => "unix seconds",
            DateFormat::UnixMillis => "unix milliseconds",
            DateFormat::DayMonthNameYear => "dd-mon-yyyy",
            DateFormat::MonthNameDayYear => "mon d, yyyy",
            DateFormat::DayMonthShortYearDot => "dd.mm.yy",
            DateFormat::ExcelSerial => "excel serial",
        }
    }

    /// Accepts the labels above and the usual strftime spellings, so that
    /// `--date-format %d.%m.%Y` and `--date-format dd.mm.yyyy` both work.
    pub fn from_user_text(text: &str) -> Option<DateFormat> {
        let t = text.trim().to_lowercase();
        let by_label = DateFormat::ALL.into_iter().find(|f| f.label() == t);
        by_label.or(match t.as_str() {
            "iso" | "%y-%m-%d" | "%y-%m-%d %h:%m:%s" => Some(DateFormat::Iso),
            "%d.%m.%y" => Some(DateFormat::DayMonthYearDot),
            "%d/%m/%y" => Some(DateFormat::DayMonthYearSlash),
            "%m/%d/%y" => Some(DateFormat::MonthDayYearSlash),
            "%d-%m-%y" => Some(DateFormat::DayMonthYearDash),
            "%y%m%d" => Some(DateFormat::YearMonthDayCompact),
            "unix" | "unix_seconds" | "seconds" => Some(DateFormat::UnixSeconds),
            "unix_ms" | "unix_millis" | "milliseconds" => Some(DateFormat::UnixMillis),
            "%d-%b-%y" | "%d %b %y" | "dd mon yyyy" => Some(DateFormat::DayMonthNameYear),
            "%b %d, %y" | "%b %d %y" => Some(DateFormat::MonthNameDayYear),
            "excel" | "serial" => Some(DateFormat::ExcelSerial),
            _ => None,
        })
    }

    /// Formats that only digits can satisfy; a column of plain numbers (an id,
    /// a quantity) would match them by accident, so they are only considered
    /// for a column whose header already says it holds dates.
    pub fn needs_header_hint(self) -> bool {
        matches!(
            self,
            DateFormat::YearMonthDayCompact
                | DateFormat::UnixSeconds
                | DateFormat::UnixMillis
                | DateFormat::ExcelSerial
        )
    }

    pub fn parse(self, raw: &str) -> Option<NaiveDateTime> {
        let text = raw.trim();
        if text.is_empty() {
            return None;
        }
        match self {
            DateFormat::Iso => {
                fixed_iso(text).unwrap_or_else(|| parse_with_time(text, |d| ymd(d, '-')))
            }
            DateFormat::DayMonthYearDot => parse_with_time(text, |d| dmy(d, '.')),
            DateFormat::DayMonthYearSlash => parse_with_time(text, |d| dmy(d, '/')),
            DateFormat::MonthDayYearSlash => parse_with_time(text, |d| mdy(d, '/')),
            DateFormat::DayMonthYearDash => parse_with_time(text, |d| dmy(d, '-')),
            DateFormat::YearMonthDayCompact => {
                if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let year = text.get(0..4)?.parse().ok()?;
                let month = text.get(4..6)?.parse().ok()?;
                let day = text.get(6..8)?.parse().ok()?;
                plausible(NaiveDate::from_ymd_opt(year, month, day)?)
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
            }
            DateFormat::UnixSeconds => {
                let secs: i64 = integer(text)?;
                // 1973 to 2286: keeps small ids and amounts out.
                if !(100_000_000..=9_999_999_999).contains(&secs) {
                    return None;
                }
                DateTime::from_timestamp(secs, 0).map(|d| d.naive_utc())
            }
            DateFormat::UnixMillis => {
                let millis: i64 = integer(text)?;
                if !(100_000_000_000..=9_999_999_999_999).contains(&millis) {
                    return None;
                }
                DateTime::from_timestamp_millis(millis).map(|d| d.naive_utc())
            }
            DateFormat::DayMonthNameYear => match day_month_name_year(text) {
                Some(date) => date.and_hms_opt(0, 0, 0),
                None => {
                    let (date, time) = text.rsplit_once([' ', 'T'])?;
                    Some(day_month_name_year(date)?.and_time(parse_time(time)?))
                }
            },
            DateFormat::MonthNameDayYear => month_name_day_year(text),
            DateFormat::DayMonthShortYearDot => parse_with_time(text, |d| {
                let (day, month, year, year_len) = three_numbers(d, '.')?;
                if year_len != 2 {
                    return None;
                }
                let year = if year < 70 { 2000 + year } else { 1900 + year };
                NaiveDate::from_ymd_opt(year as i32, month, day)
            }),
            DateFormat::ExcelSerial => {
                if !text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                    return None;
                }
                let serial: f64 = text.parse().ok()?;
                // 1970 to 2100: keeps ids, quantities and amounts out.
                if !(25_569.0..=73_051.0).contains(&serial) {
                    return None;
                }
                let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_hms_opt(0, 0, 0)?;
                let millis = (serial * 86_400_000.0).round() as i64;
                epoch.checked_add_signed(chrono::TimeDelta::milliseconds(millis))
            }
        }
    }
}

/// A month's number from its name or abbreviation in English, German or
/// Dutch (`Jan`, `März`, `Mrz`, `mrt`, `maart`, `Mai`, `mei`, `Okt`, `Dez.`).
fn month_number(word: &str) -> Option<u32> {
    let word = word.trim_end_matches('.').to_lowercase();
    if word.chars().count() < 3 || !word.chars().all(char::is_alphabetic) {
        return None;
    }
    let head: String = word.chars().take(3).collect();
    let month = match head.as_str() {
        "jan" => 1,
        "feb" => 2,
        "mar" | "mär" | "mrz" | "mrt" | "maa" => 3,
        "apr" => 4,
        "may" | "mai" | "mei" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" | "okt" => 10,
        "nov" => 11,
        "dec" | "dez" => 12,
        _ => return None,
    };
    Some(month)
}

/// `01-Jan-2024`, `1 Mär 2024`, `01.mrt.2024`.
fn day_month_name_year(text: &str) -> Option<NaiveDate> {
    let parts: Vec<&str> = text
        .split(['-', ' ', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    let [day, month, year] = parts.as_slice() else {
        return None;
    };
    if year.len() != 4 || day.len() > 2 {
        return None;
    }
    plausible(NaiveDate::from_ymd_opt(
        year.parse().ok()?,
        month_number(month)?,
        day.parse().ok()?,
    )?)
}

/// `Jan 5, 2024` or `January 5 2024`, optionally followed by a time.
fn month_name_day_year(text: &str) -> Option<NaiveDateTime> {
    let mut parts = text.splitn(4, ' ').filter(|p| !p.is_empty());
    let month = month_number(parts.next()?)?;
    let day: u32 = parts.next()?.trim_end_matches(',').parse().ok()?;
    let year_part = parts.next()?;
    if year_part.len() != 4 {
        return None;
    }
    let date = plausible(NaiveDate::from_ymd_opt(
        year_part.parse().ok()?,
        month,
        day,
    )?)?;
    match parts.next() {
        None => date.and_hms_opt(0, 0, 0),
        Some(time) => Some(date.and_time(parse_time(time.trim())?)),
    }
}

/// `YYYY-MM-DD` and `YYYY-MM-DD HH:MM:SS` (or with `T`), the layout of
/// most machine exports, read without splitting: `None` for any other
/// layout, else what [`parse_with_time`] reads (large files have millions).
fn fixed_iso(text: &str) -> Option<Option<NaiveDateTime>> {
    let b = text.as_bytes();
    let number = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    if !(b.len() == 10 || b.len() == 19) || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (year, month, day) = (number(0, 4)?, number(5, 7)?, number(8, 10)?);
    let time = if b.len() == 19 {
        if !matches!(b[10], b' ' | b'T') || b[13] != b':' || b[16] != b':' {
            return None;
        }
        (number(11, 13)?, number(14, 16)?, number(17, 19)?)
    } else {
        (0, 0, 0)
    };
    Some(
        NaiveDate::from_ymd_opt(year as i32, month, day)
            .and_then(plausible)
            .and_then(|d| {
                Some(d.and_time(NaiveTime::from_hms_nano_opt(time.0, time.1, time.2, 0)?))
            }),
    )
}

fn integer(text: &str) -> Option<i64> {
    let digits = text.strip_suffix(".0").unwrap_or(text);
    digits.parse().ok()
}

/// The days an order can lie on, as days since 1970-01-01: from 1950 to a
/// year after today. Earlier dates are placeholders (Excel's empty date
/// 1900-01-01) and later ones typos (2999); both readers drop them with
/// the same reason.
pub fn order_days() -> std::ops::RangeInclusive<i32> {
    use crate::calendar::day_number;
    let first = NaiveDate::from_ymd_opt(1950, 1, 1).map_or(-7305, day_number);
    first..=day_number(chrono::Local::now().date_naive()) + 366
}

/// Years outside this range are not dates (`01.01.0001`); within it, the
/// import drops the placeholders and typos (1900-01-01, 2999) with their
/// own reason (see [`order_days`]), so a column with a few of them is still
/// recognised as the date column.
fn plausible(date: NaiveDate) -> Option<NaiveDate> {
    use chrono::Datelike;
    (1000..=9999).contains(&date.year()).then_some(date)
}

fn three_numbers(text: &str, sep: char) -> Option<(u32, u32, u32, usize)> {
    let mut parts = text.split(sep);
    let a = parts.next()?;
    let b = parts.next()?;
    let c = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    let all_digits =
        |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
    if !(all_digits(a) && all_digits(b) && all_digits(c)) {
        return None;
    }
    Some((a.parse().ok()?, b.parse().ok()?, c.parse().ok()?, c.len()))
}

fn ymd(text: &str, sep: char) -> Option<NaiveDate> {
    let (y, m, d, _) = three_numbers(text, sep)?;
    if text.split(sep).next()?.len() != 4 {
        return None;
    }
    plausible(NaiveDate::from_ymd_opt(y as i32, m, d)?)
}

fn dmy(text: &str, sep: char) -> Option<NaiveDate> {
    let (d, m, y, year_len) = three_numbers(text, sep)?;
    if year_len != 4 {
        return None;
    }
    plausible(NaiveDate::from_ymd_opt(y as i32, m, d)?)
}

fn mdy(text: &str, sep: char) -> Option<NaiveDate> {
    let (m, d, y, year_len) = three_numbers(text, sep)?;
    if year_len != 4 {
        return None;
    }
    plausible(NaiveDate::from_ymd_opt(y as i32, m, d)?)
}

/// Splits `date[ T]time[offset]` and parses both halves; the time is optional.
fn parse_with_time(text: &str, date: impl Fn(&str) -> Option<NaiveDate>) -> Option<NaiveDateTime> {
    let split_at = text.find([' ', 'T']);
    let (date_part, time_part) = match split_at {
        Some(i) => (&text[..i], text[i + 1..].trim()),
        None => (text, ""),
    };
    let day = date(date_part)?;
    if time_part.is_empty() {
        return day.and_hms_opt(0, 0, 0);
    }
    Some(day.and_time(parse_time(time_part)?))
}

fn parse_time(text: &str) -> Option<NaiveTime> {
    // Drop a trailing zone: `Z`, `+01:00`, `+0100`, ` UTC`, ` CET`.
    let mut clock = text.trim_end_matches('Z').trim();
    if let Some(i) = clock.rfind(['+', '-']) {
        clock = clock[..i].trim();
    }
    if let Some((before, zone)) = clock.rsplit_once(' ')
        && zone.chars().all(|c| c.is_ascii_alphabetic())
    {
        clock = before;
    }
    let mut parts = clock.splitn(3, ':');
    let hour = small_number(parts.next()?)?;
    let minute = small_number(parts.next()?)?;
    let (second, nanos) = match parts.next() {
        None => (0, 0),
        Some(rest) => {
            let (whole, fraction) = rest.split_once(['.', ',']).unwrap_or((rest, ""));
            let digits = fraction.len().min(9);
            let nanos = if digits == 0 {
                0
            } else {
                fraction[..digits].parse::<u32>().ok()? * 10u32.pow(9 - digits as u32)
            };
            (small_number(whole)?, nanos)
        }
    };
    NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
}

/// One or two ASCII digits.
fn small_number(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 2 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Currency signs written beside amounts; ISO codes (`EUR`, `SEK`) are any
/// three capital letters.
const CURRENCY_SIGNS: [&str; 8] = ["€", "$", "£", "¥", "₹", "CHF", "Fr.", "kr"];

/// `text` without a currency sign or ISO code at its start.
fn without_currency_prefix(text: &str) -> &str {
    if let Some(rest) = CURRENCY_SIGNS.iter().find_map(|s| text.strip_prefix(s)) {
        return rest;
    }
    let bytes = text.as_bytes();
    if bytes.len() > 3 && bytes[..3].iter().all(u8::is_ascii_uppercase) {
        return &text[3..];
    }
    text
}

/// `text` without a currency sign or ISO code at its end.
fn without_currency_suffix(text: &str) -> &str {
    if let Some(rest) = CURRENCY_SIGNS.iter().find_map(|s| text.strip_suffix(s)) {
        return rest;
    }
    let bytes = text.as_bytes();
    let n = bytes.len();
    if n > 3 && bytes[n - 3..].iter().all(u8::is_ascii_uppercase) {
        return &text[..n - 3];
    }
    text
}

/// Parses an amount as written in an export: `1.234,56 €`, `2.135,62 EUR`,
/// `-12.50`, `-€ 12,50`, `(12.50)`, `EUR 99`, `1'234.00`. Returns `None` for
/// anything else.
pub fn parse_number(raw: &str, mark: DecimalMark) -> Option<f64> {
    if let Some(value) = plain_number(raw, mark) {
        return Some(value);
    }
    let compact: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}')
        .collect();
    // A sign may stand before the currency (`-€12,50`, `-EUR 5`).
    let (sign, unsigned) = match compact.strip_prefix('-') {
        Some(rest) if without_currency_prefix(rest).len() < rest.len() => ("-", rest),
        _ => ("", compact.as_str()),
    };
    let mut text = format!(
        "{sign}{}",
        without_currency_suffix(without_currency_prefix(unsigned))
    );
    let mut negative = false;
    if text.starts_with('(') && text.ends_with(')') && text.len() > 2 {
        negative = true;
        text = text[1..text.len() - 1].to_string();
    }
    if let Some(rest) = text.strip_suffix('-') {
        negative = !negative;
        text = rest.to_string();
    }
    let (thousands, decimal) = match mark {
        DecimalMark::Dot => (',', '.'),
        DecimalMark::Comma => ('.', ','),
    };
    let text = text.replace('\'', "");
    let (int_part, frac_part) = match text.split_once(decimal) {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    if !thousands_grouping_ok(int_part, thousands) {
        return None;
    }
    let mut plain: String = int_part.chars().filter(|c| *c != thousands).collect();
    if let Some(frac) = frac_part {
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        plain.push('.');
        plain.push_str(frac);
    }
    let body = plain.trim_start_matches(['+', '-']);
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let value: f64 = plain.parse().ok()?;
    value
        .is_finite()
        .then_some(if negative { -value } else { value })
}

/// The common case without allocating: `-1234.56` (or `-1234,56` with a
/// decimal comma), digits and at most one decimal mark.
fn plain_number(raw: &str, mark: DecimalMark) -> Option<f64> {
    let decimal = match mark {
        DecimalMark::Dot => b'.',
        DecimalMark::Comma => b',',
    };
    let bytes = raw.as_bytes();
    let body = bytes.strip_prefix(b"-").unwrap_or(bytes);
    if body.is_empty() || !body[0].is_ascii_digit() {
        return None;
    }
    let mut marks = 0;
    for &b in body {
        if b == decimal {
            marks += 1;
        } else if !b.is_ascii_digit() {
            return None;
        }
    }
    if marks > 1 || body.last() == Some(&decimal) {
        return None;
    }
    if decimal == b'.' {
        return raw.parse().ok();
    }
    let mut buffer = [0u8; 40];
    let target = buffer.get_mut(..bytes.len())?;
    target.copy_from_slice(bytes);
    for b in target.iter_mut() {
        if *b == b',' {
            *b = b'.';
        }
    }
    std::str::from_utf8(target).ok()?.parse().ok()
}

/// `1.234.567` is a number with thousands separators; `1.2.3` is not.
fn thousands_grouping_ok(int_part: &str, sep: char) -> bool {
    if !int_part.contains(sep) {
        return true;
    }
    let digits = int_part.trim_start_matches(['+', '-']);
    let mut groups = digits.split(sep);
    let first_ok = groups
        .next()
        .is_some_and(|g| (1..=3).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit()));
    first_ok && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
}

/// Evidence for one decimal mark, gathered from the values of a file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DecimalEvidence {
    pub comma: usize,
    pub dot: usize,
    /// Values such as `1,234` that read as a thousand with either mark.
    pub ambiguous: usize,
}

impl DecimalEvidence {
    /// Weighs one cell. Dates and plain integers say nothing.
    pub fn observe(&mut self, raw: &str) {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.len() > 24 {
            return;
        }
        let unsigned = trimmed.trim_start_matches(['-', '+']).trim();
        let text = without_currency_suffix(without_currency_prefix(unsigned).trim()).trim();
        let numeric_chars = text.chars().all(|c| {
            c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+' | ' ' | '€' | '$' | '£')
        });
        if !numeric_chars || !text.chars().any(|c| c.is_ascii_digit()) {
            return;
        }
        if DateFormat::ALL
            .iter()
            .filter(|f| !f.needs_header_hint())
            .any(|f| f.parse(text).is_some())
        {
            return;
        }
        let last_sep = text.rfind(['.', ',']);
        let Some(pos) = last_sep else { return };
        let sep = text.as_bytes()[pos];
        let digits_after = text[pos + 1..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .count();
        let seps = text.matches(['.', ',']).count();
        let other_sep_before = text[..pos].contains(if sep == b'.' { ',' } else { '.' });
        if digits_after == 3 && seps == 1 {
            self.ambiguous += 1;
        } else if sep == b',' && (digits_after != 3 || other_sep_before) {
            self.comma += 1;
        } else if sep == b'.' && (digits_after != 3 || other_sep_before) {
            self.dot += 1;
        }
    }

    /// The mark the evidence points to, and whether it is a real decision
    /// (`false` when no value could tell the marks apart).
    pub fn decide(&self) -> (DecimalMark, bool) {
        if self.comma > self.dot {
            (DecimalMark::Comma, true)
        } else if self.dot > 0 {
            (DecimalMark::Dot, true)
        } else {
            (DecimalMark::Dot, self.ambiguous == 0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_iso_reads_what_the_general_reader_reads() {
        for text in [
            "2024-02-29",
            "2024-02-29 23:59:59",
            "2024-02-29T00:00:00",
            "2023-02-29",
            "2024-13-01",
            "1899-12-31",
            "2201-01-01 10:00:00",
            "2024-01-01 24:00:00",
            "2024-01-01 23:60:00",
            "2024-01-01 23:59:60",
            "2024-01-01X10:00:00",
            "2024-01-01 10:00:0x",
        ] {
            let general = parse_with_time(text, |d| ymd(d, '-'));
            if let Some(fixed) = fixed_iso(text) {
                assert_eq!(fixed, general, "{text}");
            }
            assert_eq!(DateFormat::Iso.parse(text), general, "{text}");
        }
        assert!(fixed_iso("2024-1-01").is_none());
        assert!(fixed_iso("2024-01-01 10:00").is_none());
    }

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn numbers_in_both_marks() {
        assert_eq!(parse_number("1.234,56", DecimalMark::Comma), Some(1234.56));
        assert_eq!(parse_number("1,234.56", DecimalMark::Dot), Some(1234.56));
        assert_eq!(parse_number("-12,50 €", DecimalMark::Comma), Some(-12.5));
        assert_eq!(parse_number("(12.50)", DecimalMark::Dot), Some(-12.5));
        assert_eq!(parse_number("EUR 99", DecimalMark::Dot), Some(99.0));
        assert_eq!(parse_number("1'234.00", DecimalMark::Dot), Some(1234.0));
        assert_eq!(parse_number("12,5", DecimalMark::Dot), None);
        assert_eq!(parse_number("1.2.3", DecimalMark::Comma), None);
        assert_eq!(parse_number("abc", DecimalMark::Dot), None);
        assert_eq!(parse_number("", DecimalMark::Dot), None);
        assert_eq!(parse_number("-", DecimalMark::Dot), None);
    }

    #[test]
    fn month_names_two_digit_years_and_excel_serials() {
        let day = |s: &str| dt(&format!("{s} 00:00:00"));
        let name = DateFormat::DayMonthNameYear;
        assert_eq!(name.parse("01-Jan-2024"), Some(day("2024-01-01")));
        assert_eq!(name.parse("01-Mär-2024"), Some(day("2024-03-01")));
        assert_eq!(name.parse("01-mrt-2024"), Some(day("2024-03-01")));
        assert_eq!(name.parse("15 Okt 2024"), Some(day("2024-10-15")));
        assert_eq!(name.parse("3 mei 2024"), Some(day("2024-05-03")));
        assert_eq!(name.parse("01-Foo-2024"), None);
        let american = DateFormat::MonthNameDayYear;
        assert_eq!(american.parse("Jan 5, 2024"), Some(day("2024-01-05")));
        assert_eq!(american.parse("January 5 2024"), Some(day("2024-01-05")));
        assert_eq!(
            american.parse("Dec 31, 2024 14:05"),
            Some(dt("2024-12-31 14:05:00"))
        );
        let short = DateFormat::DayMonthShortYearDot;
        assert_eq!(short.parse("05.01.24"), Some(day("2024-01-05")));
        assert_eq!(short.parse("31.12.99"), Some(day("1999-12-31")));
        assert_eq!(short.parse("05.01.2024"), None);
        let excel = DateFormat::ExcelSerial;
        assert_eq!(excel.parse("45292"), Some(day("2024-01-01")));
        assert_eq!(excel.parse("45292.5"), Some(dt("2024-01-01 12:00:00")));
        assert_eq!(excel.parse("123"), None);
        for format in [name, american, short, excel] {
            assert_eq!(DateFormat::from_user_text(format.label()), Some(format));
        }
    }

    #[test]
    fn currency_codes_and_signs_before_the_currency() {
        let comma = DecimalMark::Comma;
        assert_eq!(parse_number("2.135,62 EUR", comma), Some(2135.62));
        assert_eq!(parse_number("1.500 EUR", comma), Some(1500.0));
        assert_eq!(parse_number("EUR 1.500,00", comma), Some(1500.0));
        assert_eq!(parse_number("-€ 12,50", comma), Some(-12.5));
        assert_eq!(parse_number("€ -12,50", comma), Some(-12.5));
        assert_eq!(parse_number("- 12,50 €", comma), Some(-12.5));
        assert_eq!(parse_number("-$12.50", DecimalMark::Dot), Some(-12.5));
        assert_eq!(parse_number("-12.50 USD", DecimalMark::Dot), Some(-12.5));
        assert_eq!(parse_number("SEK 99", DecimalMark::Dot), Some(99.0));
        assert_eq!(parse_number("-EUR", DecimalMark::Dot), None);
        assert_eq!(parse_number("EUR", DecimalMark::Dot), None);
        let mut evidence = DecimalEvidence::default();
        for value in ["2.135,62 EUR", "1.500 EUR", "-€ 12,50"] {
            evidence.observe(value);
        }
        assert_eq!(evidence.decide(), (DecimalMark::Comma, true));
    }

    #[test]
    fn dates_in_every_format() {
        let want = dt("2024-03-31 00:00:00");
        assert_eq!(DateFormat::Iso.parse("2024-03-31"), Some(want));
        assert_eq!(DateFormat::DayMonthYearDot.parse("31.03.2024"), Some(want));
        assert_eq!(
            DateFormat::DayMonthYearSlash.parse("31/03/2024"),
            Some(want)
        );
        assert_eq!(
            DateFormat::MonthDayYearSlash.parse("03/31/2024"),
            Some(want)
        );
        assert_eq!(DateFormat::DayMonthYearDash.parse("31-03-2024"), Some(want));
        assert_eq!(
            DateFormat::YearMonthDayCompact.parse("20240331"),
            Some(want)
        );
        assert_eq!(DateFormat::UnixSeconds.parse("1711843200"), Some(want));
        assert_eq!(DateFormat::UnixMillis.parse("1711843200000"), Some(want));
        assert_eq!(
            DateFormat::Iso.parse("2024-03-31T14:05:09Z"),
            Some(dt("2024-03-31 14:05:09"))
        );
        assert_eq!(
            DateFormat::Iso.parse("2024-03-31 14:05:09 +0100"),
            Some(dt("2024-03-31 14:05:09"))
        );
        assert_eq!(
            DateFormat::DayMonthYearDot.parse("31.03.2024 14:05"),
            Some(dt("2024-03-31 14:05:00"))
        );
        assert_eq!(DateFormat::DayMonthYearDot.parse("31.02.2024"), None);
        assert_eq!(DateFormat::UnixSeconds.parse("42"), None);
        assert_eq!(
            DateFormat::from_user_text("%d.%m.%Y"),
            Some(DateFormat::DayMonthYearDot)
        );
        assert_eq!(
            DateFormat::from_user_text("mm/dd/yyyy"),
            Some(DateFormat::MonthDayYearSlash)
        );
    }

    #[test]
    fn decimal_evidence() {
        let mut german = DecimalEvidence::default();
        for v in ["12,50", "1.234,56", "31.03.2024", "7"] {
            german.observe(v);
        }
        assert_eq!(german.decide(), (DecimalMark::Comma, true));
        let mut unclear = DecimalEvidence::default();
        unclear.observe("1,234");
        assert_eq!(unclear.decide(), (DecimalMark::Dot, false));
    }
}
