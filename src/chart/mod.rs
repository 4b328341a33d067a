//! Charts described once (`spec`), exported to SVG and PNG (`render`).

pub mod render;
pub mod spec;
pub mod ticks;

pub use spec::{Axis, AxisKind, ChartSpec, Series, SeriesStyle, Unit};
