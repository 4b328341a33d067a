//! Where axis ticks go: month starts on date axes, round numbers elsewhere.
//! Both renderers use these so the window and the slide show the same grid.

use chrono::Datelike;

use crate::calendar::{month_index, month_start};

use super::spec::{Axis, AxisKind, Unit, day_from_epoch, days_since_epoch};

/// At most about `max_ticks` positions between `lo` and `hi` (positions
/// are log10 values on a log axis).
pub fn axis_ticks(axis: &Axis, lo: f64, hi: f64, max_ticks: usize) -> Vec<f64> {
    if axis.log {
        return log_ticks(lo, hi);
    }
    ticks(axis.kind, lo, hi, max_ticks)
}

/// 1, 2 and 5 times powers of ten between the log10 positions `lo` and `hi`.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi < lo {
        return Vec::new();
    }
    let mut out = Vec::new();
    for decade in (lo.floor() as i32)..=(hi.ceil() as i32) {
        for m in [1.0, 2.0, 5.0] {
            let position = (m * 10f64.powi(decade)).log10();
            if position >= lo - 1e-9 && position <= hi + 1e-9 {
                out.push(position);
            }
        }
    }
    out
}

/// At most about `max_ticks` positions between `lo` and `hi`.
pub fn ticks(kind: AxisKind, lo: f64, hi: f64, max_ticks: usize) -> Vec<f64> {
    match kind {
        AxisKind::Date => month_ticks(lo, hi, max_ticks),
        AxisKind::Category => {
            let first = lo.max(0.0).ceil() as i64;
            let last = hi.floor() as i64;
            let step = (((last - first + 1) as f64 / max_ticks.max(1) as f64).ceil() as i64).max(1);
            (first..=last)
                .step_by(step as usize)
                .map(|v| v as f64)
                .collect()
        }
        AxisKind::Value(Unit::Count) => nice_ticks(lo, hi, max_ticks, true),
        AxisKind::Value(_) => nice_ticks(lo, hi, max_ticks, false),
    }
}

/// Round-number ticks (1, 2, 2.5 or 5 times a power of ten); counts get
/// whole-number steps only.
pub fn nice_ticks(lo: f64, hi: f64, max_ticks: usize, whole: bool) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo || max_ticks == 0 {
        return vec![lo];
    }
    let raw_step = (hi - lo) / max_ticks as f64;
    let magnitude = 10f64.powf(raw_step.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .filter(|s| !whole || (*s >= 1.0 && s.fract() == 0.0))
        .find(|s| (hi - lo) / s <= max_ticks as f64)
        .unwrap_or(if whole {
            (10.0 * magnitude).max(1.0)
        } else {
            10.0 * magnitude
        });
    let start = (lo / step).ceil() as i64;
    let end = (hi / step).floor() as i64;
    (start..=end).map(|i| i as f64 * step).collect()
}

fn month_ticks(lo: f64, hi: f64, max_ticks: usize) -> Vec<f64> {
    let (Some(first), Some(last)) = (day_from_epoch(lo), day_from_epoch(hi)) else {
        return Vec::new();
    };
    let months = (last.year() - first.year()) * 12 + last.month() as i32 - first.month() as i32 + 1;
    let step = [1, 2, 3, 6, 12, 24]
        .into_iter()
        .find(|s| months / s <= max_ticks as i32)
        .unwrap_or(24);
    let mut out = Vec::new();
    let mut index = month_index(first);
    index += (step - index.rem_euclid(step)) % step;
    while let Some(day) = month_start(index) {
        if day > last {
            break;
        }
        if day >= first {
            out.push(days_since_epoch(day));
        }
        index += step;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn round_numbers() {
        assert_eq!(
            nice_ticks(0.0, 100.0, 5, false),
            vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
        );
        assert_eq!(
            nice_ticks(0.0, 1.0, 4, false),
            vec![0.0, 0.25, 0.5, 0.75, 1.0]
        );
        assert_eq!(
            nice_ticks(0.0, 26.0, 12, true),
            vec![0.0, 5.0, 10.0, 15.0, 20.0, 25.0]
        );
        assert_eq!(nice_ticks(0.0, 3.0, 12, true), vec![0.0, 1.0, 2.0, 3.0]);
    }

    #[test]
    fn log_ticks_at_one_two_five() {
        let ticks = log_ticks(0.01f64.log10(), 1.0f64.log10());
        let values: Vec<f64> = ticks
            .iter()
            .map(|t| (10f64.powf(*t) * 100.0).round() / 100.0)
            .collect();
        assert_eq!(values, vec![0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]);
    }

    #[test]
    fn quarterly_month_starts() {
        let lo = days_since_epoch(NaiveDate::from_ymd_opt(2023, 1, 15).unwrap());
        let hi = days_since_epoch(NaiveDate::from_ymd_opt(2024, 12, 31).unwrap());
        let ticks = month_ticks(lo, hi, 8);
        let first = day_from_epoch(ticks[0]).unwrap();
        assert_eq!(first, NaiveDate::from_ymd_opt(2023, 4, 1).unwrap());
        assert!(ticks.len() <= 8);
    }
}
