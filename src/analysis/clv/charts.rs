//! The CLV tab's charts as specs: value by segment, the spread of CLV, the
//! P(alive) map over recency and frequency, and the holdout check.

use super::by_segment::ClvSegmentRow;
use super::{ClvRow, Fitted, HoldoutCheck, HoldoutFrequency, ModelComparison, Rft};
use crate::analysis::groups::display_name;
use crate::chart::spec::{HeatCell, Heatmap, palette};
use crate::chart::{Axis, ChartSpec, Series, SeriesStyle, Unit};
use crate::format::format_number;
use crate::i18n::format_day;
use rust_i18n::t;
use std::borrow::Cow;

/// Whiskers in dark grey, readable on every bar colour.
const RANGE_COLOR: [u8; 3] = [60, 60, 60];

pub fn clv_definition() -> Cow<'static, str> {
    t!(
        "CLV = Σ over the next M months of expected spend per purchase × expected purchases in that month ÷ (1 + monthly discount rate)^month, months of 30 days."
    )
}

/// Average predicted CLV per segment.
pub fn by_segment_spec(dimension: &str, table: &[ClvSegmentRow], window: &str) -> ChartSpec {
    let mut series = vec![Series {
        name: t!("Average CLV").into(),
        style: SeriesStyle::Bars,
        color: palette(0),
        points: table
            .iter()
            .enumerate()
            .filter_map(|(i, r)| Some([i as f64, r.average_clv?]))
            .collect(),
    }];
    let ranges: Vec<(f64, f64, f64)> = table
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let (low, high) = r.average_clv_range()?;
            Some((i as f64, low, high))
        })
        .collect();
    let ranges_note = if ranges.is_empty() {
        String::new()
    } else {
        series.push(Series::ranges(&t!("95 % range"), RANGE_COLOR, &ranges));
        format!(
            " {}",
            t!("Whiskers: the 95 % range from refitting the models on resampled customers.")
        )
    };
    let id = format!(
        "clv_by_{}",
        dimension
            .to_lowercase()
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '_' })
            .collect::<String>()
    );
    ChartSpec {
        id,
        title: t!(
            "Average CLV by %{dimension}",
            dimension = display_name(dimension)
        )
        .into(),
        caption: format!(
            "{}{ranges_note} {}",
            clv_definition(),
            t!("Data: %{window}.", window = window)
        ),
        x: Axis::categories(
            &display_name(dimension),
            table
                .iter()
                .map(|r| display_name(&r.segment).into_owned())
                .collect(),
        ),
        y: Axis::value(&t!("Average CLV per customer"), Unit::Money),
        series,
        heatmap: None,
    }
}

/// How many customers have a CLV in each of 20 equal ranges up to the
/// 99th percentile (the last range takes everyone above).
pub fn distribution_spec(rows: &[&ClvRow], window: &str) -> ChartSpec {
    let mut values: Vec<f64> = rows
        .iter()
        .filter_map(|r| r.clv)
        .filter(|v| v.is_finite())
        .collect();
    values.sort_by(f64::total_cmp);
    let mut points = Vec::new();
    if let (Some(&low), Some(&high)) = (
        values.first(),
        values.get(values.len().saturating_sub(1) * 99 / 100),
    ) {
        const BINS: usize = 20;
        let low = low.min(0.0);
        let width = ((high - low) / BINS as f64).max(1e-9);
        let mut counts = [0u64; BINS];
        for v in &values {
            let bin = (((v - low) / width) as usize).min(BINS - 1);
            counts[bin] += 1;
        }
        points = counts
            .iter()
            .enumerate()
            .map(|(i, n)| [low + (i as f64 + 0.5) * width, *n as f64])
            .collect();
    }
    ChartSpec {
        id: "clv_distribution".into(),
        title: t!("How CLV is spread over customers").into(),
        caption: format!(
            "{} {} {}",
            t!("Customers per range of predicted CLV; the last bar holds the top 1 %."),
            clv_definition(),
            t!("Data: %{window}.", window = window)
        ),
        x: Axis::value(&t!("Predicted CLV"), Unit::Money),
        y: Axis::value(&t!("Customers"), Unit::Count),
        series: vec![Series {
            name: t!("Customers").into(),
            style: SeriesStyle::Bars,
            color: palette(1),
            points,
        }],
        heatmap: None,
    }
}

/// P(alive) for a customer first seen `t_weeks` ago, by the week of their
/// last purchase (rows, most recent on top) and repeat purchases (columns).
pub fn p_alive_heatmap_spec(
    model: &Fitted,
    t_weeks: f64,
    max_frequency: u32,
    window: &str,
) -> ChartSpec {
    const ROWS: usize = 12;
    let columns = max_frequency.clamp(1, 20);
    let step = t_weeks / (ROWS - 1) as f64;
    let recencies: Vec<f64> = (0..ROWS).rev().map(|i| i as f64 * step).collect();
    let cells = recencies
        .iter()
        .map(|&t_x| {
            (0..=columns)
                .map(|x| {
                    let c = Rft { x: x as f64, t_x: if x == 0 { 0.0 } else { t_x }, t: t_weeks };
                    let p = model.p_alive(c);
                    Some(HeatCell {
                        text: format!("{} %", format_number(p * 100.0, 0)),
                        shade: p as f32,
                        complete: true,
                        tooltip: t!(
                            "%{x} repeat purchases, the last %{recency} weeks after the first, first purchase %{age} weeks ago: P(alive) %{p} %",
                            x = x,
                            recency = format_number(t_x, 1),
                            age = format_number(t_weeks, 1),
                            p = format_number(p * 100.0, 1)
                        )
                        .into(),
                    })
                })
                .collect()
        })
        .collect();
    ChartSpec {
        id: "p_alive_heatmap".into(),
        title: t!("P(alive) by recency and frequency").into(),
        caption: t!(
            "The chance that a customer who first bought %{weeks} weeks before the calibration end is still a customer, by when they last bought and how often they came back (%{model}). Data: %{window}.",
            weeks = format_number(t_weeks, 0),
            model = model.kind().label(),
            window = window
        )
        .into(),
        x: Axis::value(&t!("Repeat purchases"), Unit::Count),
        y: Axis::value(&t!("Weeks from first to last purchase"), Unit::Count),
        series: Vec::new(),
        heatmap: Some(Heatmap {
            row_labels: recencies
                .iter()
                .map(|r| t!("%{n} wk", n = format_number(*r, 0)).into_owned())
                .collect(),
            column_labels: (0..=columns).map(|x| x.to_string()).collect(),
            cells,
            summary_rows: 0,
            corner_label: t!("Recency / repeat purchases").into(),
        }),
    }
}

/// The tracking plots: repeat purchases in each holdout week, cumulative
/// or week by week, actual against every model fitted before it; `None`
/// when no model could be fitted.
pub fn tracking_spec(comparison: &ModelComparison, cumulative: bool) -> Option<ChartSpec> {
    let first = comparison.fitted().next()?;
    let per_week = |values: Vec<f64>| -> Vec<[f64; 2]> {
        let mut previous = 0.0;
        values
            .into_iter()
            .enumerate()
            .map(|(i, value)| {
                let shown = if cumulative { value } else { value - previous };
                previous = value;
                [(i + 1) as f64, shown]
            })
            .collect()
    };
    let mut series = vec![Series {
        name: t!("Actual").into(),
        style: SeriesStyle::BoldLine,
        color: palette(0),
        points: per_week(first.weekly.iter().map(|w| w.actual).collect()),
    }];
    for (i, check) in comparison.fitted().enumerate() {
        series.push(Series {
            name: check.model.kind().label().into(),
            style: SeriesStyle::Line,
            color: palette(i + 1),
            points: per_week(check.weekly.iter().map(|w| w.predicted).collect()),
        });
    }
    let (id, title, y) = if cumulative {
        (
            "clv_tracking_cumulative",
            t!("Holdout: cumulative repeat purchases"),
            t!("Repeat purchases (cumulative)"),
        )
    } else {
        (
            "clv_tracking_weekly",
            t!("Holdout: repeat purchases per week"),
            t!("Repeat purchases in the week"),
        )
    };
    Some(ChartSpec {
        id: id.into(),
        title: title.into(),
        caption: t!(
            "Each model fitted on purchases up to %{day}, predicting the %{weeks} weeks after; actual purchase days of the same %{customers} customers. The model whose line stays closest can be trusted on this data.",
            day = format_day(comparison.calibration_end),
            weeks = comparison.weeks,
            customers = format_number(first.customers as f64, 0)
        )
        .into(),
        x: Axis::value(&t!("Week of the holdout"), Unit::Count),
        y: Axis::value(&y, Unit::Decimal),
        series,
        heatmap: None,
    })
}

pub fn holdout_frequency_spec(check: &HoldoutCheck) -> ChartSpec {
    let bars = |f: fn(&HoldoutFrequency) -> f64| -> Vec<[f64; 2]> {
        check
            .by_frequency
            .iter()
            .enumerate()
            .map(|(i, b)| [i as f64, f(b)])
            .collect()
    };
    ChartSpec {
        id: "clv_holdout_by_frequency".into(),
        title: t!("Holdout: purchases by frequency").into(),
        caption: t!(
            "Mean repeat purchases in the %{weeks} holdout weeks, actual and predicted, for customers grouped by their repeat purchases up to %{day}.",
            weeks = check.weekly.len(),
            day = format_day(check.calibration_end)
        )
        .into(),
        x: Axis::categories(
            &t!("Repeat purchases in the calibration period"),
            check.by_frequency.iter().map(|b| b.label.clone()).collect(),
        ),
        y: Axis::value(&t!("Purchases per customer in the holdout"), Unit::Decimal),
        series: vec![
            Series {
                name: t!("Actual").into(),
                style: SeriesStyle::Bars,
                color: palette(0),
                points: bars(|b| b.actual),
            },
            Series {
                name: t!("Predicted").into(),
                style: SeriesStyle::Bars,
                color: palette(1),
                points: bars(|b| b.predicted),
            },
        ],
        heatmap: None,
    }
}
