//! What a chart shows, in data terms. The window draws a spec with egui_plot
//! and the export draws the same spec with plotters, so a chart is never
//! built twice by hand.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::calendar::{day_from_number, day_number};
use crate::format::format_number;
use crate::i18n::{format_day, month_abbreviation};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum Unit {
    Count,
    /// Stored as a fraction, shown as percent.
    Percent,
    Money,
    /// A plain quantity with decimals (purchases per customer).
    Decimal,
}

impl Unit {
    pub fn format(self, value: f64) -> String {
        match self {
            Unit::Count => format_number(value, 0),
            Unit::Percent => format!("{} %", format_number(value * 100.0, 1)),
            Unit::Money | Unit::Decimal => format_number(value, 2),
        }
    }

    /// Short form for axis ticks.
    pub fn tick(self, value: f64) -> String {
        match self {
            Unit::Percent => format!("{} %", format_number(value * 100.0, 0)),
            _ => compact(value),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum AxisKind {
    /// Values are days since 1970-01-01; ticks show months.
    Date,
    Value(Unit),
    /// Values are 0, 1, 2… naming the categories in order.
    Category,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Axis {
    pub label: String,
    pub kind: AxisKind,
    pub categories: Vec<String>,
    /// Logarithmic scale: renderers plot log10 of the values.
    pub log: bool,
    /// The axis spans the data only; without it a linear value axis
    /// always shows zero.
    pub fit_to_data: bool,
}

impl Axis {
    pub fn date(label: &str) -> Axis {
        Axis {
            label: label.to_string(),
            kind: AxisKind::Date,
            categories: Vec::new(),
            log: false,
            fit_to_data: false,
        }
    }

    /// Categories at 0, 1, 2… in the order given.
    pub fn categories(label: &str, categories: Vec<String>) -> Axis {
        Axis {
            label: label.to_string(),
            kind: AxisKind::Category,
            categories,
            log: false,
            fit_to_data: false,
        }
    }

    pub fn value(label: &str, unit: Unit) -> Axis {
        Axis {
            label: label.to_string(),
            kind: AxisKind::Value(unit),
            categories: Vec::new(),
            log: false,
            fit_to_data: false,
        }
    }

    /// Where a value sits on this axis (log10 on a log axis); `None` for
    /// values a log axis cannot show.
    pub fn position(&self, value: f64) -> Option<f64> {
        if !self.log {
            return Some(value);
        }
        (value > 0.0).then(|| value.log10())
    }

    /// The value at a position: the inverse of `position`.
    pub fn value_at(&self, position: f64) -> f64 {
        if self.log {
            10f64.powf(position)
        } else {
            position
        }
    }

    /// Formats the value at plot position `position`.
    pub fn format(&self, position: f64) -> String {
        let value = self.value_at(position);
        match self.kind {
            AxisKind::Date => day_label(value),
            AxisKind::Value(unit) => unit.format(value),
            AxisKind::Category => self.category(value),
        }
    }

    pub fn tick(&self, position: f64) -> String {
        let value = self.value_at(position);
        match self.kind {
            AxisKind::Date => month_label(value),
            AxisKind::Value(unit) => unit.tick(value),
            AxisKind::Category => self.category(value),
        }
    }

    fn category(&self, value: f64) -> String {
        let index = value.round();
        if index < 0.0 || (index - value).abs() > 0.01 {
            return String::new();
        }
        self.categories
            .get(index as usize)
            .cloned()
            .unwrap_or_default()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SeriesStyle {
    Line,
    /// Drawn heavier: an average or the series the chart is about.
    BoldLine,
    /// Drawn lighter: one of many (a cohort among cohorts).
    ThinLine,
    /// Bars side by side with the other `Bars` series.
    Bars,
    /// Bars stacked on the other `StackedBars` series: positive values
    /// upwards, negative ones downwards from zero.
    StackedBars,
    /// Filled areas stacked on the other `StackedArea` series, the first at
    /// the bottom; all share the same x values.
    StackedArea,
    /// Whiskers from a low to a high value (a 95 % range over a bar): the
    /// points come in pairs, `[x, low]` then `[x, high]`.
    Ranges,
}

impl SeriesStyle {
    pub fn is_bars(self) -> bool {
        matches!(self, SeriesStyle::Bars | SeriesStyle::StackedBars)
    }
}

impl Series {
    /// Whiskers at each x from low to high.
    pub fn ranges(name: &str, color: [u8; 3], ranges: &[(f64, f64, f64)]) -> Series {
        Series {
            name: name.into(),
            style: SeriesStyle::Ranges,
            color,
            points: ranges
                .iter()
                .flat_map(|&(x, low, high)| [[x, low], [x, high]])
                .collect(),
        }
    }
}

/// A bar as both renderers draw it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BarRect {
    pub series: usize,
    pub x: [f64; 2],
    pub y: [f64; 2],
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    pub name: String,
    pub style: SeriesStyle,
    pub color: [u8; 3],
    pub points: Vec<[f64; 2]>,
}

/// A table of coloured cells, such as the cohort heatmap.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Heatmap {
    pub row_labels: Vec<String>,
    pub column_labels: Vec<String>,
    /// Row by row; `None` where a row has no such column.
    pub cells: Vec<Vec<Option<HeatCell>>>,
    /// The first rows are summaries (a weighted average) and drawn bold.
    pub summary_rows: usize,
    pub corner_label: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeatCell {
    pub text: String,
    /// Colour strength from 0 to 1.
    pub shade: f32,
    /// Incomplete periods are drawn hatched-light, never as a drop.
    pub complete: bool,
    pub tooltip: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChartSpec {
    /// File stem for exports, e.g. `orders_per_month`.
    pub id: String,
    pub title: String,
    /// The metric's definition and the data window, printed under the chart.
    pub caption: String,
    pub x: Axis,
    pub y: Axis,
    pub series: Vec<Series>,
    /// Set for heatmap charts, which have no series.
    pub heatmap: Option<Heatmap>,
}

impl ChartSpec {
    pub fn is_empty(&self) -> bool {
        match &self.heatmap {
            Some(h) => h.cells.is_empty(),
            None => self.series.iter().all(|s| s.points.is_empty()),
        }
    }

    /// A series' points where the renderers plot them (log10 on log axes).
    pub fn plotted(&self, series: &Series) -> Vec<[f64; 2]> {
        series
            .points
            .iter()
            .filter_map(|p| Some([p[0], self.y.position(p[1])?]))
            .filter(|p| p[0].is_finite() && p[1].is_finite())
            .collect()
    }

    /// Whether the chart is drawn with horizontal bars: category bars whose
    /// names would not fit side by side under the bars (they would run
    /// into each other on a slide), listed top to bottom instead.
    pub fn horizontal_bars(&self) -> bool {
        let bars_and_ranges = self
            .series
            .iter()
            .all(|s| s.style.is_bars() || s.style == SeriesStyle::Ranges);
        if self.x.kind != AxisKind::Category || !bars_and_ranges {
            return false;
        }
        let longest = self
            .x
            .categories
            .iter()
            .map(|c| c.chars().count())
            .max()
            .unwrap_or(0);
        longest > MAX_UPRIGHT_LABEL_CHARS
            || longest * self.x.categories.len() > MAX_UPRIGHT_LABELS_CHARS
    }

    /// A legend when more than one series is named, or when thin lines
    /// (one per cohort, named together) stand beside named ones.
    pub fn needs_legend(&self) -> bool {
        let labelled = self
            .series
            .iter()
            .filter(|s| s.style != SeriesStyle::ThinLine)
            .count();
        labelled > 1 || labelled < self.series.len()
    }

    /// Whether the legend goes in the upper left corner rather than the
    /// upper right: whichever top corner holds fewer points of the data
    /// (growth fills the right, a retention curve starts high on the left).
    pub fn legend_on_left(&self) -> bool {
        let Some((x, y)) = self.bounds() else {
            return true;
        };
        let (width, top_band) = (x[1] - x[0], y[0] + 0.75 * (y[1] - y[0]));
        let mut covered = [0usize, 0usize];
        let mut note = |px: f64, py: f64| {
            if py < top_band {
                return;
            }
            if px <= x[0] + 0.3 * width {
                covered[0] += 1;
            }
            if px >= x[1] - 0.3 * width {
                covered[1] += 1;
            }
        };
        for series in self.series.iter().filter(|s| !s.style.is_bars()) {
            for p in self.plotted(series) {
                note(p[0], p[1]);
            }
        }
        for (_, band) in self.stacked_bands() {
            for p in band {
                note(p[0], p[2]);
            }
        }
        for bar in self.bar_rects() {
            note((bar.x[0] + bar.x[1]) / 2.0, bar.y[1]);
        }
        covered[0] <= covered[1]
    }

    /// A `Ranges` series' whiskers where the renderers draw them: x, low
    /// and high (log10 on log axes).
    pub fn whiskers(&self, series: &Series) -> Vec<[f64; 3]> {
        series
            .points
            .chunks_exact(2)
            .filter_map(|pair| {
                let (low, high) = (self.y.position(pair[0][1])?, self.y.position(pair[1][1])?);
                [pair[0][0], low, high]
                    .iter()
                    .all(|v| v.is_finite())
                    .then_some([pair[0][0], low, high])
            })
            .collect()
    }

    /// A category's position when drawn as horizontal bars: the first at
    /// the top.
    pub fn flipped(&self, position: f64) -> f64 {
        self.x.categories.len() as f64 - 1.0 - position
    }

    /// The smallest box holding every plotted point and bar; a linear y
    /// axis always includes zero unless it fits the data.
    pub fn bounds(&self) -> Option<([f64; 2], [f64; 2])> {
        let mut x = [f64::INFINITY, f64::NEG_INFINITY];
        let mut y = if self.y.log || self.y.fit_to_data {
            [f64::INFINITY, f64::NEG_INFINITY]
        } else {
            [0.0, 0.0]
        };
        let mut any = false;
        let lines = self
            .series
            .iter()
            .filter(|s| !s.style.is_bars() && s.style != SeriesStyle::StackedArea);
        for p in lines.flat_map(|s| self.plotted(s)) {
            any = true;
            x = [x[0].min(p[0]), x[1].max(p[0])];
            y = [y[0].min(p[1]), y[1].max(p[1])];
        }
        for (_, band) in self.stacked_bands() {
            for [px, lower, upper] in band {
                any = true;
                x = [x[0].min(px), x[1].max(px)];
                y = [y[0].min(lower.min(upper)), y[1].max(lower.max(upper))];
            }
        }
        for bar in self.bar_rects() {
            any = true;
            x = [x[0].min(bar.x[0]), x[1].max(bar.x[1])];
            y = [y[0].min(bar.y[0]), y[1].max(bar.y[1])];
        }
        any.then_some((x, y))
    }

    /// Each `StackedArea` series' band: its index, and per x its lower and
    /// upper edge (the sum of the series below it, and that plus its value).
    pub fn stacked_bands(&self) -> Vec<(usize, Vec<[f64; 3]>)> {
        let mut tops: std::collections::HashMap<i64, f64> = std::collections::HashMap::new();
        self.series
            .iter()
            .enumerate()
            .filter(|(_, s)| s.style == SeriesStyle::StackedArea)
            .map(|(index, series)| {
                let band = series
                    .points
                    .iter()
                    .filter(|p| p[0].is_finite() && p[1].is_finite())
                    .map(|p| {
                        let base = tops.entry((p[0] * 1000.0).round() as i64).or_insert(0.0);
                        let lower = *base;
                        *base += p[1];
                        [p[0], lower, *base]
                    })
                    .collect();
                (index, band)
            })
            .collect()
    }

    /// Where every bar goes: 80 % of the smallest gap between x values,
    /// shared by side-by-side series, stacked for stacked series.
    pub fn bar_rects(&self) -> Vec<BarRect> {
        let mut xs: Vec<f64> = self
            .series
            .iter()
            .filter(|s| s.style.is_bars())
            .flat_map(|s| s.points.iter().map(|p| p[0]))
            .collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        let unit = xs
            .windows(2)
            .map(|w| w[1] - w[0])
            .fold(f64::INFINITY, f64::min);
        let unit = if unit.is_finite() && unit > 0.0 {
            unit
        } else {
            1.0
        };
        let grouped: Vec<usize> = (0..self.series.len())
            .filter(|i| self.series[*i].style == SeriesStyle::Bars)
            .collect();
        let slot = 0.8 * unit / grouped.len().max(1) as f64;
        let mut stack_up: std::collections::HashMap<i64, f64> = std::collections::HashMap::new();
        let mut stack_down: std::collections::HashMap<i64, f64> = std::collections::HashMap::new();
        let mut out = Vec::new();
        for (index, series) in self.series.iter().enumerate() {
            for p in series
                .points
                .iter()
                .filter(|p| p[0].is_finite() && p[1].is_finite())
            {
                match series.style {
                    SeriesStyle::Bars => {
                        let k = grouped.iter().position(|i| *i == index).unwrap_or(0) as f64;
                        let left = p[0] - 0.4 * unit + slot * k;
                        out.push(BarRect {
                            series: index,
                            x: [left, left + slot * 0.95],
                            y: [0.0, p[1]],
                        });
                    }
                    SeriesStyle::StackedBars => {
                        let key = (p[0] * 1000.0).round() as i64;
                        let stack = if p[1] >= 0.0 {
                            &mut stack_up
                        } else {
                            &mut stack_down
                        };
                        let base = stack.entry(key).or_insert(0.0);
                        let top = *base + p[1];
                        out.push(BarRect {
                            series: index,
                            x: [p[0] - 0.4 * unit, p[0] + 0.4 * unit],
                            y: [base.min(top), base.max(top)],
                        });
                        *base = top;
                    }
                    _ => {}
                }
            }
        }
        out
    }
}

/// Longest category name written under a bar, and the most characters all
/// names may take together: about what a 1920-pixel slide (or a window
/// 1000 points wide) holds at the label size without names touching.
const MAX_UPRIGHT_LABEL_CHARS: usize = 14;
const MAX_UPRIGHT_LABELS_CHARS: usize = 84;

/// Slide-friendly colours, distinguishable in print and for most colour-blind readers.
pub const PALETTE: [[u8; 3]; 10] = [
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [127, 127, 127],
    [188, 189, 34],
    [23, 190, 207],
];

pub fn palette(index: usize) -> [u8; 3] {
    PALETTE[index % PALETTE.len()]
}

/// `color` halfway to white: a model's line beside the data it was fitted to.
pub fn lighter(color: [u8; 3]) -> [u8; 3] {
    color.map(|c| c + ((255 - c) as f32 * 0.55) as u8)
}

/// A day as a position on a date axis.
pub fn days_since_epoch(day: NaiveDate) -> f64 {
    f64::from(day_number(day))
}

/// The day at a date-axis position; `None` off the calendar.
pub fn day_from_epoch(days: f64) -> Option<NaiveDate> {
    if !days.is_finite() || days.abs() > 1e6 {
        return None;
    }
    Some(day_from_number(days.round() as i32))
}

fn day_label(days: f64) -> String {
    day_from_epoch(days).map(format_day).unwrap_or_default()
}

fn month_label(days: f64) -> String {
    day_from_epoch(days)
        .map(|d| {
            let month = month_abbreviation(d.month());
            if d.month() == 1 {
                format!("{month} {}", d.year())
            } else {
                month.into_owned()
            }
        })
        .unwrap_or_default()
}

/// `12_500` as `12.5k`, for axis ticks.
pub fn compact(value: f64) -> String {
    let abs = value.abs();
    if abs >= 1e6 {
        format!("{}M", trim_zero(value / 1e6))
    } else if abs >= 1e4 {
        format!("{}k", trim_zero(value / 1e3))
    } else if abs >= 100.0 || value.fract() == 0.0 {
        format_number(value, 0)
    } else {
        format_number(value, 2)
    }
}

fn trim_zero(v: f64) -> String {
    if (v * 10.0).round() % 10.0 == 0.0 {
        format_number(v, 0)
    } else {
        format_number(v, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(Unit::Percent.format(0.75), "75.0 %");
        assert_eq!(compact(12_500.0), "12.5k");
        assert_eq!(compact(2_000_000.0), "2M");
    }

    #[test]
    fn dates_round_trip() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
        assert_eq!(day_from_epoch(days_since_epoch(d)), Some(d));
        assert_eq!(month_label(days_since_epoch(d)), "Mar");
    }

    fn bars(categories: &[&str], values: &[f64]) -> ChartSpec {
        ChartSpec {
            id: "b".into(),
            title: String::new(),
            caption: String::new(),
            x: Axis::categories(
                "Segment",
                categories.iter().map(|c| c.to_string()).collect(),
            ),
            y: Axis::value("Share", Unit::Percent),
            series: vec![Series {
                name: "Customers".into(),
                style: SeriesStyle::Bars,
                color: palette(0),
                points: values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| [i as f64, *v])
                    .collect(),
            }],
            heatmap: None,
        }
    }

    #[test]
    fn long_category_names_lie_down() {
        let rfm = [
            "Champions",
            "Potential loyalists",
            "New customers",
            "Loyal customers",
            "Promising",
            "Need attention",
            "About to sleep",
            "Can't lose them",
            "At risk",
            "Hibernating",
        ];
        assert!(bars(&rfm, &[1.0; 10]).horizontal_bars());
        // Ten short names still fit side by side, three statuses too.
        assert!(!bars(&["0", "1", "2", "3", "4", "5", "6", "7+"], &[1.0; 8]).horizontal_bars());
        assert!(!bars(&["active", "at risk", "lapsed"], &[1.0; 3]).horizontal_bars());
        // Ten names of nine characters (90 in all) do not.
        assert!(bars(&["Category1"; 10], &[1.0; 10]).horizontal_bars());
        let spec = bars(&rfm, &[1.0; 10]);
        assert_eq!(spec.flipped(0.0), 9.0, "the first category is drawn on top");
    }

    #[test]
    fn the_legend_takes_the_emptier_top_corner() {
        let falling = ChartSpec {
            series: vec![
                Series {
                    name: "a".into(),
                    style: SeriesStyle::Line,
                    color: palette(0),
                    points: vec![[0.0, 1.0], [5.0, 0.2], [10.0, 0.1]],
                },
                Series {
                    name: "b".into(),
                    style: SeriesStyle::Line,
                    color: palette(1),
                    points: vec![[0.0, 1.0], [10.0, 0.05]],
                },
            ],
            ..bars(&[], &[])
        };
        assert!(falling.needs_legend());
        assert!(!falling.legend_on_left());
        let mut growing = falling.clone();
        for series in &mut growing.series {
            for p in &mut series.points {
                p[0] = 10.0 - p[0];
            }
        }
        assert!(growing.legend_on_left());
        assert!(
            !bars(&["a"], &[1.0]).needs_legend(),
            "one series needs no legend"
        );
    }

    #[test]
    fn a_fitted_axis_leaves_out_zero() {
        let mut spec = bars(&[], &[]);
        spec.series[0].style = SeriesStyle::Line;
        spec.series[0].points = vec![[1.0, 0.2], [2.0, 0.1]];
        assert_eq!(spec.bounds(), Some(([1.0, 2.0], [0.0, 0.2])));
        spec.y.fit_to_data = true;
        assert_eq!(spec.bounds(), Some(([1.0, 2.0], [0.1, 0.2])));
    }

    #[test]
    fn stacked_areas_sit_on_each_other() {
        let series = |name: &str, ys: [f64; 2]| Series {
            name: name.into(),
            style: SeriesStyle::StackedArea,
            color: palette(0),
            points: vec![[0.0, ys[0]], [1.0, ys[1]]],
        };
        let spec = ChartSpec {
            id: "s".into(),
            title: String::new(),
            caption: String::new(),
            x: Axis::value("x", Unit::Count),
            y: Axis::value("y", Unit::Count),
            series: vec![series("low", [2.0, 3.0]), series("high", [1.0, 4.0])],
            heatmap: None,
        };
        let bands = spec.stacked_bands();
        assert_eq!(bands[1].1, vec![[0.0, 2.0, 3.0], [1.0, 3.0, 7.0]]);
        assert_eq!(spec.bounds(), Some(([0.0, 1.0], [0.0, 7.0])));
    }
}
