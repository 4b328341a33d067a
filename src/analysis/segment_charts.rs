//! Segments as charts: the R × F grid, segment sizes against revenue, and
//! the lifecycle bars.

use super::groups::display_name;
use super::lifecycle::LifecycleRow;
use super::period::Granularity;
use super::segments::{CustomerRow, SegmentGrid, SegmentSummary};
use crate::chart::spec::{HeatCell, Heatmap, days_since_epoch, palette};
use crate::chart::{Axis, ChartSpec, Series, SeriesStyle, Unit};
use crate::format::{format_number, group_thousands};
use rust_i18n::t;
use std::borrow::Cow;

/// The R × F grid: customers and average revenue per cell, R 5 on top.
/// `rule` says how the scores were given.
pub fn rfm_grid_spec(
    rows: &[&CustomerRow],
    grid: &SegmentGrid,
    rule: &str,
    window: &str,
) -> ChartSpec {
    let mut customers = [[0u64; 5]; 5];
    let mut revenue = [[0f64; 5]; 5];
    for row in rows {
        let (r, f) = (
            row.r.clamp(1, 5) as usize - 1,
            row.f.clamp(1, 5) as usize - 1,
        );
        customers[r][f] += 1;
        revenue[r][f] += row.revenue;
    }
    let largest = customers
        .iter()
        .flatten()
        .copied()
        .max()
        .unwrap_or(1)
        .max(1) as f32;
    let cells = (0..5)
        .rev()
        .map(|r| {
            (0..5)
                .map(|f| {
                    let n = customers[r][f];
                    let average = if n > 0 { revenue[r][f] / n as f64 } else { 0.0 };
                    Some(HeatCell {
                        text: format!(
                            "{} · {}",
                            group_thousands(n as usize),
                            format_number(average, 0)
                        ),
                        shade: n as f32 / largest,
                        complete: true,
                        tooltip: t!(
                            "%{segment}: R %{r} and F %{f}\n%{customers} customers, average revenue %{revenue}",
                            segment = display_name(&grid.names[r][f]),
                            r = r + 1,
                            f = f + 1,
                            customers = group_thousands(n as usize),
                            revenue = format_number(average, 2)
                        )
                        .into(),
                    })
                })
                .collect()
        })
        .collect();
    ChartSpec {
        id: "rfm_grid".into(),
        title: t!("RFM grid: customers · average revenue").into(),
        caption: format!(
            "{rule} {}",
            t!(
                "Rows: recency score, columns: frequency score. Data: %{window}.",
                window = window
            )
        ),
        x: Axis::value(&t!("Frequency score"), Unit::Count),
        y: Axis::value(&t!("Recency score"), Unit::Count),
        series: Vec::new(),
        heatmap: Some(Heatmap {
            row_labels: (1..=5).rev().map(|r| format!("R {r}")).collect(),
            column_labels: (1..=5).map(|f| format!("F {f}")).collect(),
            cells,
            summary_rows: 0,
            corner_label: t!("Recency / frequency").into(),
        }),
    }
}

/// Share of customers against share of revenue, per segment.
pub fn sizes_spec(id: &str, title: &str, summaries: &[SegmentSummary], window: &str) -> ChartSpec {
    let bars = |f: fn(&SegmentSummary) -> f64| -> Vec<[f64; 2]> {
        summaries
            .iter()
            .enumerate()
            .map(|(i, s)| [i as f64, f(s)])
            .collect()
    };
    ChartSpec {
        id: id.into(),
        title: title.into(),
        caption: t!(
            "Share of all customers and share of all revenue (refunds subtracted) per segment, as of the as-of date. Data: %{window}.",
            window = window
        )
        .into(),
        x: Axis::categories(
            &t!("Segment"),
            summaries
                .iter()
                .map(|s| display_name(&s.segment).into_owned())
                .collect(),
        ),
        y: Axis::value(&t!("Share"), Unit::Percent),
        series: vec![
            Series {
                name: t!("Customers").into(),
                style: SeriesStyle::Bars,
                color: palette(0),
                points: bars(|s| s.share),
            },
            Series {
                name: t!("Revenue").into(),
                style: SeriesStyle::Bars,
                color: palette(2),
                points: bars(|s| s.share_of_revenue),
            },
        ],
        heatmap: None,
    }
}

pub fn lifecycle_definition() -> Cow<'static, str> {
    t!(
        "New: first order ever in the period. Returning: ordered in the period and the one before. Resurrected: ordered in the period, not in the one before, but earlier. Dormant (below zero): ordered in the period before, not in this one."
    )
}

pub fn lifecycle_spec(rows: &[LifecycleRow], period: Granularity, window: &str) -> ChartSpec {
    let series = |name: &str, color: [u8; 3], f: fn(&LifecycleRow) -> f64| Series {
        name: name.into(),
        style: SeriesStyle::StackedBars,
        color,
        points: rows
            .iter()
            .map(|r| [days_since_epoch(r.start), f(r)])
            .collect(),
    };
    ChartSpec {
        id: "lifecycle".into(),
        title: t!("Customer lifecycle per %{period}", period = period.noun()).into(),
        caption: format!(
            "{} {}",
            lifecycle_definition(),
            t!("Data: %{window}.", window = window)
        ),
        x: Axis::date(&period.label()),
        y: Axis::value(&t!("Customers"), Unit::Count),
        series: vec![
            series(&t!("New"), [44, 160, 44], |r| r.new as f64),
            series(&t!("Returning"), [31, 119, 180], |r| r.returning as f64),
            series(&t!("Resurrected"), [255, 127, 14], |r| r.resurrected as f64),
            series(&t!("Dormant"), [150, 150, 150], |r| -(r.dormant as f64)),
        ],
        heatmap: None,
    }
}
