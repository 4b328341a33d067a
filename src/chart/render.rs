//! Draws a `ChartSpec` with plotters, at slide size, for SVG and PNG export.
//! Text uses the embedded DejaVu Sans, so no system font is needed.

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::spec::{ChartSpec, Heatmap, SeriesStyle};
use super::ticks::axis_ticks;
use crate::export::{ExportError, write_atomically};

/// 1920×1080: a full-HD slide.
pub const SLIDE_SIZE: (u32, u32) = (1920, 1080);

const FONT: &str = "sans-serif";
/// DejaVu Sans (free licence, in assets/fonts): wide glyph coverage for
/// chart text and the window's symbols (⚠ ✔ → €).
pub static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static DEJAVU_SANS_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    Svg,
    Png,
}

impl ImageFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Svg => "svg",
            ImageFormat::Png => "png",
        }
    }
}

fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Both fonts are valid TrueType files shipped in assets/; a failure
        // here would only mean text is missing from exported charts.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, DEJAVU_SANS);
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, DEJAVU_SANS_BOLD);
    });
}

/// Renders `spec` into an SVG document.
pub fn svg_string(spec: &ChartSpec) -> Result<String, String> {
    register_fonts();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SLIDE_SIZE).into_drawing_area();
        draw(spec, &root, Text::TitleAndCaption)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// Writes `spec` to `path` as SVG or PNG, atomically.
pub fn write_chart(spec: &ChartSpec, format: ImageFormat, path: &Path) -> Result<(), ExportError> {
    register_fonts();
    match format {
        ImageFormat::Svg => {
            let svg = svg_string(spec).map_err(|e| ExportError::new(path, e))?;
            crate::export::write_bytes(path, svg.as_bytes())
        }
        ImageFormat::Png => write_atomically(path, ".png", |temp_path, _| {
            let root = BitMapBackend::new(temp_path, SLIDE_SIZE).into_drawing_area();
            draw(spec, &root, Text::TitleAndCaption)?;
            root.present().map_err(|e| e.to_string())
        }),
    }
}

fn rgb(c: [u8; 3]) -> RGBColor {
    RGBColor(c[0], c[1], c[2])
}

/// Whether the image carries the chart's title and caption, or leaves them
/// to the slide it is placed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Text {
    TitleAndCaption,
    None,
}

/// The chart without its title and caption, as PNG bytes at slide size: a
/// slide carries those as text of its own.
pub fn slide_png(spec: &ChartSpec) -> Result<Vec<u8>, String> {
    register_fonts();
    let temp = tempfile::Builder::new()
        .prefix(".kohorte-slide-")
        .suffix(".png")
        .tempfile()
        .map_err(|e| e.to_string())?;
    {
        let root = BitMapBackend::new(temp.path(), SLIDE_SIZE).into_drawing_area();
        draw(spec, &root, Text::None)?;
        root.present().map_err(|e| e.to_string())?;
    }
    std::fs::read(temp.path()).map_err(|e| e.to_string())
}

fn draw<DB: DrawingBackend>(
    spec: &ChartSpec,
    root: &DrawingArea<DB, Shift>,
    text: Text,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let (width, height) = root.dim_in_pixel();
    let caption_height = if text == Text::None { 0 } else { 110 };
    let (plot_area, caption_area) = root.split_vertically(height.saturating_sub(caption_height));

    let title_style =
        TextStyle::from((FONT, 46).into_font().style(FontStyle::Bold)).color(&RGBColor(30, 30, 30));
    let title = if text == Text::None {
        ""
    } else {
        spec.title.as_str()
    };
    if let Some(heatmap) = &spec.heatmap {
        draw_heatmap(title, heatmap, &plot_area, title_style).map_err(err)?;
        return draw_caption(spec, &caption_area, width).map_err(err);
    }
    if spec.horizontal_bars() {
        draw_horizontal_bars(spec, title, &plot_area, title_style).map_err(err)?;
        return draw_caption(spec, &caption_area, width).map_err(err);
    }
    let (mut x_range, mut y_range) = spec.bounds().unwrap_or(([0.0, 1.0], [0.0, 1.0]));
    let bars = spec.bar_rects();
    if !bars.is_empty() {
        let pad = (x_range[1] - x_range[0]).max(1.0) * 0.02;
        x_range = [x_range[0] - pad, x_range[1] + pad];
    }
    if x_range[1] <= x_range[0] {
        x_range = [x_range[0] - 1.0, x_range[0] + 1.0];
    }
    if y_range[1] <= y_range[0] {
        y_range[1] = y_range[0] + 1.0;
    }
    let headroom = (y_range[1] - y_range[0]) * 0.05;
    y_range[1] += headroom;
    if spec.y.log || spec.y.fit_to_data {
        y_range[0] -= headroom;
    }
    let x_ticks = axis_ticks(&spec.x, x_range[0], x_range[1], 12);
    let y_ticks = axis_ticks(&spec.y, y_range[0], y_range[1], 8);

    let mut chart = ChartBuilder::on(&plot_area)
        .caption(title, title_style)
        .margin_top(30)
        .margin_left(40)
        .margin_right(60)
        .x_label_area_size(110)
        .y_label_area_size(170)
        .build_cartesian_2d(Ticked::new(x_range, x_ticks), Ticked::new(y_range, y_ticks))
        .map_err(err)?;
    draw_mesh(
        &mut chart,
        [&spec.x.label, &spec.y.label],
        &|v| spec.x.tick(*v),
        &|v| spec.y.tick(*v),
    )
    .map_err(err)?;

    let bands = spec.stacked_bands();
    for (index, series) in spec.series.iter().enumerate() {
        let color = rgb(series.color);
        let points = spec.plotted(series).into_iter().map(|p| (p[0], p[1]));
        let drawn =
            match series.style {
                SeriesStyle::StackedArea => {
                    let band: &[[f64; 3]] = bands
                        .iter()
                        .find(|(i, _)| *i == index)
                        .map_or(&[], |(_, b)| b.as_slice());
                    // One quadrilateral per step, so any shape fills right.
                    let quads = band.windows(2).map(|w| {
                        Polygon::new(
                            vec![
                                (w[0][0], w[0][1]),
                                (w[1][0], w[1][1]),
                                (w[1][0], w[1][2]),
                                (w[0][0], w[0][2]),
                            ],
                            color.mix(0.85).filled(),
                        )
                    });
                    chart.draw_series(quads).map_err(err)?;
                    chart
                        .draw_series(LineSeries::new(
                            band.iter().map(|p| (p[0], p[2])),
                            color.stroke_width(2),
                        ))
                        .map_err(err)?
                }
                SeriesStyle::Bars | SeriesStyle::StackedBars => chart
                    .draw_series(bars.iter().filter(|b| b.series == index).map(|b| {
                        Rectangle::new([(b.x[0], b.y[0]), (b.x[1], b.y[1])], color.filled())
                    }))
                    .map_err(err)?,
                SeriesStyle::Ranges => {
                    chart
                        .draw_series(spec.whiskers(series).into_iter().flat_map(
                            |[x, low, high]| {
                                whisker([(x, low), (x, high)], (WHISKER_CAP, 0.0), color)
                            },
                        ))
                        .map_err(err)?
                }
                style => {
                    let stroke = match style {
                        SeriesStyle::BoldLine => 6,
                        SeriesStyle::ThinLine => 2,
                        _ => 4,
                    };
                    let line_color = if style == SeriesStyle::ThinLine {
                        color.mix(0.55)
                    } else {
                        color.mix(1.0)
                    };
                    chart
                        .draw_series(LineSeries::new(points, line_color.stroke_width(stroke)))
                        .map_err(err)?
                }
            };
        // One thin line per cohort would flood the legend; the caption says
        // what they are.
        if series.style != SeriesStyle::ThinLine {
            legend_entry(drawn, series, color);
        }
    }
    if spec.needs_legend() {
        let corner = if spec.legend_on_left() {
            SeriesLabelPosition::UpperLeft
        } else {
            SeriesLabelPosition::UpperRight
        };
        draw_legend(&mut chart, corner).map_err(err)?;
    }

    draw_caption(spec, &caption_area, width).map_err(err)
}

/// Category bars as horizontal bars, the first category on top, with every
/// name written in full at the left.
fn draw_horizontal_bars<DB: DrawingBackend>(
    spec: &ChartSpec,
    title: &str,
    area: &DrawingArea<DB, Shift>,
    title_style: TextStyle,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let count = spec.x.categories.len().max(1) as f64;
    let (_, mut value_range) = spec.bounds().unwrap_or(([0.0, 1.0], [0.0, 1.0]));
    if value_range[1] <= value_range[0] {
        value_range[1] = value_range[0] + 1.0;
    }
    // Room at the right for the legend, which then never covers a bar.
    let room = if spec.needs_legend() { 0.3 } else { 0.05 };
    value_range[1] += (value_range[1] - value_range[0]) * room;
    let category_range = [-0.6, count - 0.4];
    let value_ticks = axis_ticks(&spec.y, value_range[0], value_range[1], 10);
    let category_ticks: Vec<f64> = (0..spec.x.categories.len()).map(|i| i as f64).collect();
    let longest = spec
        .x
        .categories
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0) as u32;
    let mut chart = ChartBuilder::on(area)
        .caption(title, title_style)
        .margin_top(30)
        .margin_left(40)
        .margin_right(60)
        .x_label_area_size(110)
        .y_label_area_size((longest * 15 + 110).clamp(170, 640))
        .build_cartesian_2d(
            Ticked::new(value_range, value_ticks),
            Ticked::new(category_range, category_ticks),
        )?;
    draw_mesh(
        &mut chart,
        [&spec.y.label, &spec.x.label],
        &|v| spec.y.tick(*v),
        &|v| spec.x.tick(spec.flipped(*v)),
    )?;
    let bars = spec.bar_rects();
    for (index, series) in spec.series.iter().enumerate() {
        let color = rgb(series.color);
        let drawn =
            if series.style == SeriesStyle::Ranges {
                chart.draw_series(spec.whiskers(series).into_iter().flat_map(
                    |[x, low, high]| {
                        let y = spec.flipped(x);
                        whisker([(low, y), (high, y)], (0.0, WHISKER_CAP), color)
                    },
                ))?
            } else {
                chart.draw_series(bars.iter().filter(|b| b.series == index).map(|b| {
                    Rectangle::new(
                        [
                            (b.y[0], spec.flipped(b.x[0])),
                            (b.y[1], spec.flipped(b.x[1])),
                        ],
                        color.filled(),
                    )
                }))?
            };
        legend_entry(drawn, series, color);
    }
    if spec.needs_legend() {
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    }
    Ok(())
}

/// Half the width of a whisker's end caps, in categories.
const WHISKER_CAP: f64 = 0.12;

/// A whisker from `ends[0]` to `ends[1]` with a cap across each end;
/// `(cap_x, cap_y)` is half a cap: across an upright whisker or a lying one.
fn whisker(
    ends: [(f64, f64); 2],
    (cap_x, cap_y): (f64, f64),
    color: RGBColor,
) -> Vec<PathElement<(f64, f64)>> {
    let style = color.stroke_width(4);
    let cap = |(x, y): (f64, f64)| {
        PathElement::new(vec![(x - cap_x, y - cap_y), (x + cap_x, y + cap_y)], style)
    };
    vec![
        PathElement::new(ends.to_vec(), style),
        cap(ends[0]),
        cap(ends[1]),
    ]
}

/// The series' name and swatch in the legend: a block for bars and areas,
/// a stroke for lines and whiskers.
fn legend_entry<DB: DrawingBackend>(
    drawn: &mut plotters::chart::SeriesAnno<'_, DB>,
    series: &crate::chart::Series,
    color: RGBColor,
) {
    let drawn = drawn.label(series.name.as_str());
    if series.style == SeriesStyle::Ranges {
        drawn.legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(4))
        });
    } else {
        drawn.legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 18, y + 6)], color.filled()));
    }
}

/// A chart on a slide, its axes ticked as `chart::ticks` chose.
type SlideChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Ticked, Ticked>>;

/// The grid, tick labels and axis titles, in the slide style of every chart.
fn draw_mesh<'a, DB: DrawingBackend + 'a>(
    chart: &mut SlideChart<'a, DB>,
    [x_desc, y_desc]: [&str; 2],
    x_fmt: &dyn Fn(&f64) -> String,
    y_fmt: &dyn Fn(&f64) -> String,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(x_fmt)
        .y_label_formatter(y_fmt)
        .label_style((FONT, 26).into_font().color(&RGBColor(70, 70, 70)))
        .axis_desc_style((FONT, 30).into_font().color(&RGBColor(40, 40, 40)))
        .bold_line_style(RGBColor(225, 225, 225))
        .light_line_style(TRANSPARENT)
        .axis_style(RGBColor(150, 150, 150))
        .draw()
}

/// The series' names and swatches in a box at `corner`.
fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut SlideChart<'a, DB>,
    corner: SeriesLabelPosition,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .configure_series_labels()
        .position(corner)
        .label_font((FONT, 26))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .draw()
}

fn draw_caption<DB: DrawingBackend>(
    spec: &ChartSpec,
    area: &DrawingArea<DB, Shift>,
    width: u32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    if area.dim_in_pixel().1 == 0 {
        // A slide's picture: the caption is the slide's text.
        return Ok(());
    }
    let caption_style = TextStyle::from((FONT, 21).into_font()).color(&RGBColor(90, 90, 90));
    let max_chars = (width as usize / 11).max(40);
    for (i, line) in wrap(&spec.caption, max_chars).iter().take(4).enumerate() {
        area.draw_text(line, &caption_style, (60, 6 + 26 * i as i32))?;
    }
    Ok(())
}

/// Shade from white to the palette's blue; incomplete cells stay grey.
pub fn heat_color(shade: f32, complete: bool) -> [u8; 3] {
    if !complete {
        return [238, 238, 238];
    }
    let t = shade.clamp(0.0, 1.0);
    let mix = |from: f32, to: f32| (from + (to - from) * t).round() as u8;
    [mix(247.0, 31.0), mix(251.0, 100.0), mix(255.0, 170.0)]
}

/// Text on a cell: white on dark shades, dark elsewhere.
pub fn heat_text_color(shade: f32, complete: bool) -> [u8; 3] {
    match (complete, shade > 0.55) {
        (false, _) => [140, 140, 140],
        (true, true) => [255, 255, 255],
        (true, false) => [30, 30, 30],
    }
}

fn draw_heatmap<DB: DrawingBackend>(
    title: &str,
    heatmap: &Heatmap,
    area: &DrawingArea<DB, Shift>,
    title_style: TextStyle,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (width, height) = area.dim_in_pixel();
    area.draw_text(title, &title_style, (60, 30))?;
    let rows = heatmap.cells.len().max(1) as i32;
    let columns = heatmap.column_labels.len().max(1) as i32;
    let label_width = 300;
    let top = if title.is_empty() { 60 } else { 130 };
    let cell_w = ((width as i32 - label_width - 80) / columns).max(8);
    // A small grid (the 5 × 5 RFM grid) fills the picture; a long cohort
    // table gets thin rows.
    let cell_h = ((height as i32 - top - 20) / (rows + 1)).clamp(8, 110);
    let font = ((cell_h as f64 * 0.5).min(cell_w as f64 * 0.28)).clamp(8.0, 30.0);
    let styled = |color: [u8; 3], bold: bool, h: HPos| TextStyle {
        font: (FONT, font).into_font().style(if bold {
            FontStyle::Bold
        } else {
            FontStyle::Normal
        }),
        color: rgb(color).to_backend_color(),
        pos: Pos::new(h, VPos::Center),
    };
    let text = |color, bold| styled(color, bold, HPos::Center);
    let left = |color, bold| styled(color, bold, HPos::Left);
    let header_y = top - cell_h / 2;
    area.draw_text(
        &heatmap.corner_label,
        &left([70, 70, 70], true),
        (60, header_y),
    )?;
    for (j, label) in heatmap.column_labels.iter().enumerate() {
        let x = label_width + cell_w * j as i32 + cell_w / 2;
        area.draw_text(label, &text([70, 70, 70], true), (x, header_y))?;
    }
    for (i, row) in heatmap.cells.iter().enumerate() {
        let y = top + cell_h * i as i32;
        let summary = i < heatmap.summary_rows;
        if let Some(label) = heatmap.row_labels.get(i) {
            area.draw_text(label, &left([40, 40, 40], summary), (60, y + cell_h / 2))?;
        }
        for (j, cell) in row.iter().enumerate() {
            let Some(cell) = cell else { continue };
            let x = label_width + cell_w * j as i32;
            area.draw(&Rectangle::new(
                [(x + 1, y + 1), (x + cell_w - 1, y + cell_h - 1)],
                rgb(heat_color(cell.shade, cell.complete)).filled(),
            ))?;
            let color = heat_text_color(cell.shade, cell.complete);
            area.draw_text(
                &cell.text,
                &text(color, summary),
                (x + cell_w / 2, y + cell_h / 2),
            )?;
        }
    }
    Ok(())
}

/// A linear axis whose ticks are the ones `chart::ticks` chose, so the
/// export shows the same grid as the window (month starts, round numbers).
struct Ticked {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ticked {
    fn new(range: [f64; 2], ticks: Vec<f64>) -> Ticked {
        Ticked {
            lo: range[0],
            hi: range[1],
            ticks,
        }
    }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let share = (value - self.lo) / (self.hi - self.lo);
        limit.0 + ((limit.1 - limit.0) as f64 * share).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        self.ticks.clone()
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// Breaks a caption into lines of at most `max_chars` characters at spaces.
fn wrap(text: &str, max_chars: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + word.chars().count() + 1 > max_chars {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
    }
}
