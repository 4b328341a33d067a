//! Draws a `ChartSpec` with egui_plot, with its title, caption and export
//! buttons beside it.

use eframe::egui::{self, Color32, RichText, Stroke};
use egui_plot::{
    Bar, BarChart, Corner, GridInput, GridMark, HoverPosition, Legend, Line, Plot, PlotPoints,
    Polygon,
};
use rust_i18n::t;

use crate::chart::render::ImageFormat;
use crate::chart::ticks::ticks;
use crate::chart::{AxisKind, ChartSpec, SeriesStyle};

/// What a chart's header buttons ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    Image(ImageFormat),
    /// The table behind the chart.
    Csv,
}

/// The chart's title (caption on hover) and its export buttons; `csv_hint`
/// adds an Export CSV button for the table behind the chart.
pub fn chart_header_ui(
    ui: &mut egui::Ui,
    spec: &ChartSpec,
    csv_hint: Option<&str>,
) -> Option<Export> {
    let mut export = None;
    // The buttons go under a title too long to leave them room beside it
    // (a half-width chart, a German title), instead of over its end.
    let title_width = ui
        .painter()
        .layout_no_wrap(
            spec.title.clone(),
            egui::TextStyle::Heading.resolve(ui.style()),
            egui::Color32::PLACEHOLDER,
        )
        .size()
        .x;
    let buttons_width = if csv_hint.is_some() { 420.0 } else { 290.0 };
    if ui.available_width() < title_width + buttons_width {
        ui.heading(&spec.title).on_hover_text(&spec.caption);
    }
    ui.horizontal(|ui| {
        if ui.available_width() >= title_width + buttons_width {
            ui.heading(&spec.title).on_hover_text(&spec.caption);
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if let Some(hint) = csv_hint
                && ui.button(t!("Export CSV")).on_hover_text(hint).clicked()
            {
                export = Some(Export::Csv);
            }
            if ui
                .button(t!("Export SVG"))
                .on_hover_text(t!("Save this chart as a scalable SVG, 1920×1080"))
                .clicked()
            {
                export = Some(Export::Image(ImageFormat::Svg));
            }
            if ui
                .button(t!("Export PNG"))
                .on_hover_text(t!("Save this chart as a 1920×1080 PNG for slides (Ctrl+E)"))
                .clicked()
            {
                export = Some(Export::Image(ImageFormat::Png));
            }
        });
    });
    export
}

/// Shows the chart; returns the export the user asked for, if any.
pub fn chart_ui(ui: &mut egui::Ui, spec: &ChartSpec, height: f32) -> Option<ImageFormat> {
    let export = match chart_header_ui(ui, spec, None) {
        Some(Export::Image(format)) => Some(format),
        _ => None,
    };
    plot_ui(ui, spec, height);
    export
}

/// The chart itself and its caption, without the header.
pub fn plot_ui(ui: &mut egui::Ui, spec: &ChartSpec, height: f32) {
    if spec.is_empty() {
        ui.label(t!(
            "No data in this window: widen the date range or clear filters."
        ));
        return;
    }
    if spec.horizontal_bars() {
        horizontal_bars_ui(ui, spec, height);
        ui.label(RichText::new(&spec.caption).small().weak());
        return;
    }
    let x_axis = spec.x.clone();
    let y_axis = spec.y.clone();
    let hover_x = spec.x.clone();
    let hover_y = spec.y.clone();
    let corner = if spec.legend_on_left() {
        Corner::LeftTop
    } else {
        Corner::RightTop
    };
    let mut plot = Plot::new(format!("plot-{}", spec.id))
        .height(height)
        .allow_scroll(false)
        .x_axis_label(spec.x.label.clone())
        .y_axis_label(spec.y.label.clone())
        .x_axis_formatter(move |mark, _| x_axis.tick(mark.value))
        .y_axis_formatter(move |mark, _| y_axis.tick(mark.value));
    if !spec.y.fit_to_data {
        plot = plot.include_y(0.0);
    }
    if spec.needs_legend() {
        plot = plot.legend(
            Legend::default()
                .position(corner)
                .follow_insertion_order(true),
        );
    }
    let mut plot = plot.label_formatter(move |hover: &HoverPosition<'_>| match hover {
        HoverPosition::NearDataPoint {
            plot_name,
            position,
            ..
        } => Some(format!(
            "{plot_name}\n{}: {}\n{}: {}",
            hover_x.label,
            hover_x.format(position.x),
            hover_y.label,
            hover_y.format(position.y)
        )),
        HoverPosition::Elsewhere { .. } => None,
    });
    // egui_plot hides tick labels closer than 60 points, so place no more
    // ticks than the width holds.
    let x_kind = spec.x.kind;
    let max_x_ticks = if x_kind == AxisKind::Category {
        // Every category named: their names fit, or the bars lie down.
        spec.x.categories.len().max(2)
    } else {
        ((ui.available_width() / 90.0) as usize).clamp(2, 12)
    };
    if !matches!(x_kind, AxisKind::Value(_)) {
        plot = plot.x_grid_spacer(move |input: GridInput| grid_marks(x_kind, input, max_x_ticks));
    }
    if spec.y.log {
        let y_axis = spec.y.clone();
        plot = plot.y_grid_spacer(move |input: GridInput| {
            let (lo, hi) = input.bounds;
            let positions = crate::chart::ticks::axis_ticks(&y_axis, lo, hi, 8);
            positions
                .into_iter()
                .map(|value| GridMark {
                    value,
                    step_size: 1.0,
                })
                .collect()
        });
    }
    let bars = spec.bar_rects();
    let bands = spec.stacked_bands();
    plot.show(ui, |plot_ui| {
        for (index, series) in spec.series.iter().enumerate() {
            let [r, g, b] = series.color;
            let color = Color32::from_rgb(r, g, b);
            match series.style {
                SeriesStyle::StackedArea => {
                    let band: &[[f64; 3]] = bands
                        .iter()
                        .find(|(i, _)| *i == index)
                        .map_or(&[], |(_, b)| b.as_slice());
                    let fill = color.gamma_multiply(0.85);
                    // One convex quadrilateral per step, so any shape fills right.
                    for step in band.windows(2) {
                        let quad = vec![
                            [step[0][0], step[0][1]],
                            [step[1][0], step[1][1]],
                            [step[1][0], step[1][2]],
                            [step[0][0], step[0][2]],
                        ];
                        // The legend's swatch takes the stroke's colour:
                        // an invisible stroke of the series' colour.
                        plot_ui.polygon(
                            Polygon::new(series.name.clone(), PlotPoints::from(quad))
                                .fill_color(fill)
                                .stroke(Stroke::new(0.0, color)),
                        );
                    }
                    let upper: Vec<[f64; 2]> = band.iter().map(|p| [p[0], p[2]]).collect();
                    plot_ui.line(
                        Line::new(series.name.clone(), PlotPoints::from(upper))
                            .color(color)
                            .width(1.5),
                    );
                }
                SeriesStyle::Bars | SeriesStyle::StackedBars => {
                    let mine = bars
                        .iter()
                        .filter(|b| b.series == index)
                        .map(|b| {
                            Bar::new((b.x[0] + b.x[1]) / 2.0, b.y[1] - b.y[0])
                                .width(b.x[1] - b.x[0])
                                .base_offset(b.y[0])
                        })
                        .collect();
                    plot_ui.bar_chart(BarChart::new(series.name.clone(), mine).color(color));
                }
                SeriesStyle::Ranges => {
                    for [x, low, high] in spec.whiskers(series) {
                        whisker_ui(
                            plot_ui,
                            &series.name,
                            color,
                            [[x, low], [x, high]],
                            [WHISKER_CAP, 0.0],
                        );
                    }
                }
                style => {
                    let (width, color) = match style {
                        SeriesStyle::BoldLine => (3.5, color),
                        SeriesStyle::ThinLine => (1.0, color.gamma_multiply(0.6)),
                        _ => (2.0, color),
                    };
                    // Thin lines (one per cohort) share one legend entry,
                    // which toggles them together.
                    let name = if style == SeriesStyle::ThinLine {
                        t!("Cohorts (one line each)").into_owned()
                    } else {
                        series.name.clone()
                    };
                    let points = PlotPoints::from(spec.plotted(series));
                    plot_ui.line(Line::new(name, points).color(color).width(width));
                }
            }
        }
    });
    ui.label(RichText::new(&spec.caption).small().weak());
}

/// Category bars lying down, the first category on top, each name in full
/// at the left (see `ChartSpec::horizontal_bars`).
fn horizontal_bars_ui(ui: &mut egui::Ui, spec: &ChartSpec, height: f32) {
    let value_axis = spec.y.clone();
    let category_axis = spec.x.clone();
    let count = spec.x.categories.len();
    let flip = move |position: f64| count as f64 - 1.0 - position;
    let hover_value = spec.y.clone();
    let hover_category = spec.x.clone();
    let mut plot = Plot::new(format!("plot-{}", spec.id))
        .height(height.max(28.0 * count as f32 + 60.0))
        .allow_scroll(false)
        .x_axis_label(spec.y.label.clone())
        .y_axis_label(spec.x.label.clone())
        .x_axis_formatter(move |mark, _| value_axis.tick(mark.value))
        .y_axis_formatter(move |mark, _| category_axis.tick(flip(mark.value)))
        .y_grid_spacer(move |_| {
            (0..count)
                .map(|i| GridMark {
                    value: i as f64,
                    step_size: 1.0,
                })
                .collect()
        })
        .include_x(0.0)
        .label_formatter(move |hover: &HoverPosition<'_>| match hover {
            HoverPosition::NearDataPoint {
                plot_name,
                position,
                ..
            } => Some(format!(
                "{plot_name}\n{}: {}",
                hover_category.format(flip(position.y.round())),
                hover_value.format(position.x)
            )),
            HoverPosition::Elsewhere { .. } => None,
        });
    if spec.needs_legend() {
        // The first categories, on top, hold the longest bars as a rule.
        plot = plot.legend(
            Legend::default()
                .position(Corner::RightBottom)
                .follow_insertion_order(true),
        );
    }
    let bars = spec.bar_rects();
    plot.show(ui, |plot_ui| {
        for (index, series) in spec.series.iter().enumerate() {
            let [r, g, b] = series.color;
            if series.style == SeriesStyle::Ranges {
                for [x, low, high] in spec.whiskers(series) {
                    let y = flip(x);
                    let color = Color32::from_rgb(r, g, b);
                    whisker_ui(
                        plot_ui,
                        &series.name,
                        color,
                        [[low, y], [high, y]],
                        [0.0, WHISKER_CAP],
                    );
                }
                continue;
            }
            let mine = bars
                .iter()
                .filter(|b| b.series == index)
                .map(|b| {
                    Bar::new(flip((b.x[0] + b.x[1]) / 2.0), b.y[1] - b.y[0])
                        .width(b.x[1] - b.x[0])
                        .base_offset(b.y[0])
                })
                .collect();
            plot_ui.bar_chart(
                BarChart::new(series.name.clone(), mine)
                    .color(Color32::from_rgb(r, g, b))
                    .horizontal(),
            );
        }
    });
}

/// Half the width of a whisker's end caps, in categories.
const WHISKER_CAP: f64 = 0.12;

/// A whisker between `ends` with a cap across each; `cap` is half a cap,
/// across an upright or a lying whisker. Its lines share the series' name,
/// so the legend shows it once.
fn whisker_ui(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    name: &str,
    color: Color32,
    ends: [[f64; 2]; 2],
    cap: [f64; 2],
) {
    let across = |[x, y]: [f64; 2]| vec![[x - cap[0], y - cap[1]], [x + cap[0], y + cap[1]]];
    for points in [ends.to_vec(), across(ends[0]), across(ends[1])] {
        plot_ui.line(
            Line::new(name.to_string(), PlotPoints::from(points))
                .color(color)
                .width(2.0),
        );
    }
}

fn grid_marks(kind: AxisKind, input: GridInput, max_ticks: usize) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    let positions = ticks(kind, lo, hi, max_ticks);
    let step = positions
        .windows(2)
        .map(|w| w[1] - w[0])
        .next()
        .unwrap_or(1.0);
    positions
        .into_iter()
        .map(|value| GridMark {
            value,
            step_size: step,
        })
        .collect()
}
