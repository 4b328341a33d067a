//! Numbers as people read them: thousands grouped, fixed decimals, in the
//! chosen language's marks (`1,234.56` or `1.234,56`).

use crate::i18n::{decimal_mark, thousands_separator};

/// `1234567.891` with 2 decimals as `1,234,567.89` (`1.234.567,89` in
/// German and Dutch).
pub fn format_number(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return "–".to_string();
    }
    let text = format!("{:.*}", decimals, value.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(thousands_separator());
        }
        grouped.push(c);
    }
    let nonzero = text.chars().any(|c| c.is_ascii_digit() && c != '0');
    let sign = if value < 0.0 && nonzero { "-" } else { "" };
    match frac {
        Some(f) => format!("{sign}{grouped}{}{f}", decimal_mark()),
        None => format!("{sign}{grouped}"),
    }
}

/// A number typed in a field the language's way (`1,5`) or the English
/// way (`1.5`); `None` when it is no number.
pub fn parse_local_number(text: &str) -> Option<f64> {
    let text = text.trim().trim_end_matches('%').trim();
    if text.contains(',') && decimal_mark() == ',' {
        text.replace('.', "").replace(',', ".").parse().ok()
    } else {
        text.replace(',', "").parse().ok()
    }
}

/// Rounds to `decimals` places: sums of many amounts carry float noise
/// (`28877.450000000008`), and files should show cents.
pub fn round_to(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

/// `12345` as `12,345`, for counts in messages and tables.
pub fn group_thousands(n: usize) -> String {
    format_number(n as f64, 0)
}

/// `1 row`, `3 rows`, `1,234 rows`: a count with its noun.
pub fn count_of(n: usize, noun: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{} {noun}{s}", group_thousands(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping() {
        assert_eq!(format_number(1234567.891, 2), "1,234,567.89");
        assert_eq!(format_number(-12.5, 1), "-12.5");
        assert_eq!(format_number(-0.001, 1), "0.0");
        assert_eq!(group_thousands(1877), "1,877");
        assert_eq!(group_thousands(12), "12");
        assert_eq!(group_thousands(1_000_000), "1,000,000");
    }
}
