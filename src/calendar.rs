//! Calendar arithmetic shared by the analyses and the charts: days as
//! numbers since 1970-01-01, months as plain indices (year × 12 + month − 1)
//! and day starts as epoch milliseconds.

use chrono::{Datelike, Duration, NaiveDate};

/// 1970-01-01, day 0 of the day numbers used throughout the analyses and
/// on date axes.
pub fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

/// Days since 1970-01-01 (which is day 719,163 counted from 0001-01-01).
pub fn day_number(day: NaiveDate) -> i32 {
    day.num_days_from_ce() - 719_163
}

pub fn day_from_number(number: i32) -> NaiveDate {
    epoch() + Duration::days(number as i64)
}

/// The month a day falls in, as `year × 12 + month − 1`.
pub fn month_index(day: NaiveDate) -> i32 {
    day.year() * 12 + day.month0() as i32
}

/// The first day of the month with index `index`.
pub fn month_start(index: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1)
}

/// Milliseconds since 1970 at the start of `day`, the unit of `order_ts`.
pub fn day_start_ms(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map_or(0, |d| d.and_utc().timestamp_millis())
}

/// An as-of date may lie at most this long after the last order: tables per
/// day, week or month are sized by the data, and an as-of date in year 9999
/// would make millions of empty periods.
pub const AS_OF_YEARS_AFTER_DATA: u32 = 3;

/// The latest as-of date a log whose last order is on `last_order` accepts.
pub fn latest_as_of(last_order: NaiveDate) -> NaiveDate {
    last_order
        .checked_add_months(chrono::Months::new(12 * AS_OF_YEARS_AFTER_DATA))
        .unwrap_or(last_order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_round_trip() {
        let d = NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
        assert_eq!(
            month_start(month_index(d)),
            NaiveDate::from_ymd_opt(2024, 12, 1)
        );
        assert_eq!(
            month_start(month_index(d) + 1),
            NaiveDate::from_ymd_opt(2025, 1, 1)
        );
        assert_eq!(
            day_start_ms(NaiveDate::from_ymd_opt(1970, 1, 2).unwrap()),
            86_400_000
        );
    }
}
