//! The cohort table as charts: the heatmap (any of its values) and the
//! retention curves, split by a breakdown when there is one.

use super::groups::display_name;
use crate::i18n::format_day;
use rust_i18n::t;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

use super::cohorts::{CohortCell, CohortTable};
use crate::chart::spec::{HeatCell, Heatmap, compact, palette};
use crate::chart::{Axis, ChartSpec, Series, SeriesStyle, Unit};
use crate::format::{format_number, group_thousands};

/// What the heatmap's cells show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CellValue {
    #[default]
    Retention,
    Active,
    RetentionUnbounded,
    Revenue,
    CumulativeRevenuePerCustomer,
}

impl CellValue {
    pub const ALL: [CellValue; 5] = [
        CellValue::Retention,
        CellValue::Active,
        CellValue::RetentionUnbounded,
        CellValue::Revenue,
        CellValue::CumulativeRevenuePerCustomer,
    ];

    pub fn label(self) -> Cow<'static, str> {
        match self {
            CellValue::Retention => t!("Retention %"),
            CellValue::Active => t!("Active customers"),
            CellValue::RetentionUnbounded => t!("Retention on or after %"),
            CellValue::Revenue => t!("Revenue"),
            CellValue::CumulativeRevenuePerCustomer => t!("Cumulative revenue per customer"),
        }
    }

    pub fn definition(self) -> Cow<'static, str> {
        match self {
            CellValue::Retention => retention_definition(),
            CellValue::Active => {
                t!(
                    "Active customers(k): customers of the cohort with at least one order in period k."
                )
            }
            CellValue::RetentionUnbounded => {
                t!(
                    "Retention on or after (unbounded), period k: customers of the cohort with an order in period k or any later period ÷ cohort size."
                )
            }
            CellValue::Revenue => {
                t!("Revenue(k): the cohort's order amounts in period k; refunds subtract.")
            }
            CellValue::CumulativeRevenuePerCustomer => {
                t!(
                    "Cumulative revenue per customer(k): the cohort's revenue in periods 0 to k ÷ cohort size."
                )
            }
        }
    }

    fn value(self, cell: &CohortCell) -> f64 {
        match self {
            CellValue::Retention => cell.retention,
            CellValue::Active => cell.active as f64,
            CellValue::RetentionUnbounded => cell.retention_unbounded,
            CellValue::Revenue => cell.revenue,
            CellValue::CumulativeRevenuePerCustomer => cell.cumulative_revenue_per_customer,
        }
    }

    fn text(self, value: f64) -> String {
        match self {
            CellValue::Retention | CellValue::RetentionUnbounded => {
                format!("{} %", format_number(value * 100.0, 0))
            }
            CellValue::Active => format_number(value, 0),
            CellValue::Revenue => compact(value),
            CellValue::CumulativeRevenuePerCustomer => format_number(value, 2),
        }
    }
}

pub fn retention_definition() -> Cow<'static, str> {
    t!(
        "Customer retention rate, period k: customers of the cohort with at least one order in period k ÷ customers in the cohort. A cohort is the customers whose first order fell in the same period; period 0 is that period. Incomplete periods (ending after the as-of date) are greyed, never shown as a drop."
    )
}

/// Day cohorts over years would make a table no one can read.
const HEATMAP_COHORTS: usize = 60;
const HEATMAP_PERIODS: usize = 60;

/// The heatmap of one value: cohorts as rows (label and size), periods as
/// columns, the weighted average on top.
pub fn heatmap_spec(table: &CohortTable, value: CellValue, scope: &str, window: &str) -> ChartSpec {
    let g = table.granularity;
    let width = (table.max_period() + 1).min(HEATMAP_PERIODS);
    let shown = &table.rows[table.rows.len().saturating_sub(HEATMAP_COHORTS)..];
    let cut = if shown.len() < table.rows.len() || width <= table.max_period() {
        format!(
            " {}",
            t!(
                "Showing the latest %{cohorts} cohorts and the first %{periods} periods; the CSV export has all.",
                cohorts = HEATMAP_COHORTS,
                periods = HEATMAP_PERIODS
            )
        )
    } else {
        String::new()
    };
    // Colour against the largest value past period 0: period-0 retention is
    // 100 % by definition and would wash out every other cell.
    let scale = table
        .rows
        .iter()
        .flat_map(|r| {
            r.cells
                .iter()
                .filter(|c| c.complete && (c.period > 0 || width == 1))
        })
        .map(|c| value.value(c).abs())
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let mut row_labels = vec![t!("Weighted average").into_owned()];
    let mut cells: Vec<Vec<Option<HeatCell>>> = Vec::new();
    let average: Vec<Option<HeatCell>> = (0..width)
        .map(|k| {
            let avg = table.average.iter().find(|a| a.period == k)?;
            let v = match value {
                CellValue::Retention => avg.retention,
                CellValue::Active => avg.active as f64,
                CellValue::RetentionUnbounded => avg.retention_unbounded,
                CellValue::Revenue => return None,
                CellValue::CumulativeRevenuePerCustomer => avg.cumulative_revenue_per_customer,
            };
            Some(HeatCell {
                text: value.text(v),
                shade: if value == CellValue::Active { 0.0 } else { (v.abs() / scale).min(1.0) as f32 },
                complete: true,
                tooltip: t!(
                    "Weighted average, period %{k}: %{value} over the %{customers} customers of cohorts that completed period %{k} (%{active} active)",
                    k = k,
                    value = value.text(v),
                    customers = group_thousands(avg.customers as usize),
                    active = group_thousands(avg.active as usize)
                )
                .into(),
            })
        })
        .collect();
    cells.push(average);
    for row in shown {
        row_labels.push(format!(
            "{} · {}",
            row.label,
            group_thousands(row.size as usize)
        ));
        cells.push(
            (0..width)
                .map(|k| {
                    let cell = row.cells.get(k)?;
                    let v = value.value(cell);
                    let period_label = g.label_of(row.index + k as i32);
                    let status = if cell.complete {
                        String::new()
                    } else {
                        format!(" {}", t!("(incomplete: the period ends after the as-of date)"))
                    };
                    Some(HeatCell {
                        text: value.text(v),
                        shade: (v.abs() / scale).min(1.0) as f32,
                        complete: cell.complete,
                        tooltip: format!(
                            "{}{status}\n{}: {}\n{}: {} %\n{}: {} %\n{}: {}\n{}: {}",
                            t!(
                                "Cohort %{cohort} (%{customers} customers), period %{k} = %{period}",
                                cohort = row.label,
                                customers = group_thousands(row.size as usize),
                                k = k,
                                period = period_label
                            ),
                            t!("Active customers"),
                            group_thousands(cell.active as usize),
                            t!("Retention"),
                            format_number(cell.retention * 100.0, 1),
                            t!("On or after"),
                            format_number(cell.retention_unbounded * 100.0, 1),
                            t!("Revenue"),
                            format_number(cell.revenue, 2),
                            t!("Cumulative revenue per customer"),
                            format_number(cell.cumulative_revenue_per_customer, 2),
                        ),
                    })
                })
                .collect(),
        );
    }
    ChartSpec {
        id: "cohort_heatmap".into(),
        title: format!(
            "{}{scope}",
            t!("Cohort table: %{value}", value = value.label())
        ),
        caption: format!(
            "{} {}{cut}",
            value.definition(),
            t!(
                "Rows: cohorts by the %{period} of their first order, with size. Columns: %{periods} since the first order. As of %{as_of}. Data: %{window}.",
                period = g.noun(),
                periods = g.nouns(),
                as_of = format_day(table.as_of),
                window = window
            )
        ),
        x: Axis::value(&g.since_first_order(), Unit::Count),
        y: Axis::value(&t!("Cohort"), Unit::Count),
        series: Vec::new(),
        heatmap: Some(Heatmap {
            row_labels,
            column_labels: (0..width).map(|k| k.to_string()).collect(),
            cells,
            summary_rows: 1,
            corner_label: t!("Cohort · customers").into(),
        }),
    }
}

/// Most recent cohorts drawn as thin lines; older ones stay in the average.
const CURVE_COHORTS: usize = 36;

/// Retention curves: a thin line per cohort and the bold weighted average,
/// or, with a breakdown, one line per group and the bold overall average.
pub fn curves_spec(
    table: &CohortTable,
    groups: &[(String, CohortTable)],
    breakdown: Option<&str>,
    window: &str,
) -> ChartSpec {
    let g = table.granularity;
    let average_points = |t: &CohortTable| -> Vec<[f64; 2]> {
        t.average
            .iter()
            .map(|a| [a.period as f64, a.retention])
            .collect()
    };
    let mut series = Vec::new();
    if groups.is_empty() {
        let skip = table.rows.len().saturating_sub(CURVE_COHORTS);
        for (i, row) in table.rows.iter().enumerate().skip(skip) {
            series.push(Series {
                name: row.label.clone(),
                style: SeriesStyle::ThinLine,
                color: palette(i),
                points: row
                    .cells
                    .iter()
                    .filter(|c| c.complete)
                    .map(|c| [c.period as f64, c.retention])
                    .collect(),
            });
        }
    } else {
        for (i, (name, group)) in groups.iter().enumerate() {
            series.push(Series {
                name: format!(
                    "{} ({})",
                    display_name(name),
                    group_thousands(group.customers() as usize)
                ),
                style: SeriesStyle::Line,
                color: palette(i + 1),
                points: average_points(group),
            });
        }
    }
    series.push(Series {
        name: t!("Weighted average").into(),
        style: SeriesStyle::BoldLine,
        color: [20, 20, 20],
        points: average_points(table),
    });
    let title = match breakdown {
        Some(b) => t!(
            "Retention curves by %{breakdown}",
            breakdown = display_name(b)
        ),
        None => t!("Retention curves"),
    };
    let lines = if groups.is_empty() {
        t!(
            "Thin lines: one per cohort (the latest 36); bold: the weighted average over the cohorts that completed each period."
        )
    } else {
        t!(
            "One line per group (its customers' value on their first order), each the weighted average of its cohorts; bold: all customers."
        )
    };
    ChartSpec {
        id: "retention_curves".into(),
        title: title.into(),
        caption: format!(
            "{lines} {} {}",
            retention_definition(),
            t!(
                "As of %{as_of}. Data: %{window}.",
                as_of = format_day(table.as_of),
                window = window
            )
        ),
        x: Axis::value(&g.since_first_order(), Unit::Count),
        y: Axis::value(&t!("Customers active"), Unit::Percent),
        series,
        heatmap: None,
    }
}

/// The retention curves as the user chose to see them: on a log scale,
/// and from period 1 with the y axis fitted to the data, because period 0
/// is 100 % by definition and squeezes the differences between cohorts
/// into the bottom of the chart.
pub fn curves_as_shown(curves: &ChartSpec, log_scale: bool, from_period_one: bool) -> ChartSpec {
    let mut shown = curves.clone();
    shown.y.log = log_scale;
    if from_period_one {
        for series in &mut shown.series {
            series.points.retain(|p| p[0] >= 1.0);
        }
        shown.y.fit_to_data = true;
        shown.id = format!("{}_from_period_1", shown.id);
        shown.title = t!("%{title} from period 1", title = shown.title).into();
        shown.caption = format!(
            "{} {}",
            shown.caption,
            t!("Period 0 (100 % by definition) is left out; the y axis spans the data.")
        );
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::{Axis, Series, SeriesStyle, Unit};

    #[test]
    fn curves_from_period_one_leave_out_period_zero() {
        let curves = ChartSpec {
            id: "retention_curves".into(),
            title: "Retention curves".into(),
            caption: "Definition.".into(),
            x: Axis::value("Months since first order", Unit::Count),
            y: Axis::value("Customers active", Unit::Percent),
            series: vec![Series {
                name: "Weighted average".into(),
                style: SeriesStyle::BoldLine,
                color: [20, 20, 20],
                points: vec![[0.0, 1.0], [1.0, 0.2], [2.0, 0.15]],
            }],
            heatmap: None,
        };
        let shown = curves_as_shown(&curves, false, true);
        assert_eq!(shown.series[0].points, vec![[1.0, 0.2], [2.0, 0.15]]);
        assert!(shown.y.fit_to_data);
        assert_eq!(shown.id, "retention_curves_from_period_1");
        assert!(
            shown
                .caption
                .contains("Period 0 (100 % by definition) is left out")
        );
        assert_eq!(shown.bounds().map(|b| b.1), Some([0.15, 0.2]));
        let log = curves_as_shown(&curves, true, false);
        assert!(log.y.log);
        assert_eq!(log.series, curves.series);
    }
}
