//! Paints a heatmap `ChartSpec` (the cohort table) as a scrollable grid of
//! coloured cells with a tooltip per cell.

use eframe::egui::{self, Align2, Color32, FontId, Rect, Sense, Stroke, StrokeKind, pos2, vec2};

use crate::chart::render::{heat_color, heat_text_color};
use crate::chart::spec::Heatmap;

const LABEL_WIDTH: f32 = 150.0;
/// The narrowest a cell is drawn.
const CELL_WIDTH: f32 = 52.0;
const CELL_HEIGHT: f32 = 22.0;

fn color([r, g, b]: [u8; 3]) -> Color32 {
    Color32::from_rgb(r, g, b)
}

pub fn heatmap_ui(ui: &mut egui::Ui, heatmap: &Heatmap, max_height: f32) {
    let columns = heatmap.column_labels.len();
    let rows = heatmap.cells.len();
    // Wide enough for the widest figure ("1,616 · 79" in the RFM grid).
    let cell_width = heatmap
        .cells
        .iter()
        .flatten()
        .flatten()
        .map(|cell| {
            ui.painter()
                .layout_no_wrap(
                    cell.text.clone(),
                    FontId::proportional(12.5),
                    Color32::BLACK,
                )
                .size()
                .x
                + 10.0
        })
        .fold(CELL_WIDTH, f32::max);
    let size = vec2(
        LABEL_WIDTH + cell_width * columns as f32,
        CELL_HEIGHT * (rows + 1) as f32,
    );
    egui::ScrollArea::both()
        .id_salt("heatmap_scroll")
        .max_height(max_height)
        .auto_shrink([false, true])
        .show(ui, |ui| {
            let (rect, response) = ui.allocate_exact_size(size, Sense::hover());
            let painter = ui.painter_at(rect);
            let origin = rect.min;
            let font = FontId::proportional(12.0);
            let strong = FontId::proportional(12.5);
            let header = Color32::from_gray(70);
            painter.text(
                origin + vec2(4.0, CELL_HEIGHT / 2.0),
                Align2::LEFT_CENTER,
                &heatmap.corner_label,
                font.clone(),
                header,
            );
            for (j, label) in heatmap.column_labels.iter().enumerate() {
                let center = origin
                    + vec2(
                        LABEL_WIDTH + cell_width * (j as f32 + 0.5),
                        CELL_HEIGHT / 2.0,
                    );
                painter.text(center, Align2::CENTER_CENTER, label, strong.clone(), header);
            }
            for (i, row) in heatmap.cells.iter().enumerate() {
                let top = CELL_HEIGHT * (i + 1) as f32;
                let summary = i < heatmap.summary_rows;
                let row_font = if summary {
                    strong.clone()
                } else {
                    font.clone()
                };
                if let Some(label) = heatmap.row_labels.get(i) {
                    painter.text(
                        origin + vec2(4.0, top + CELL_HEIGHT / 2.0),
                        Align2::LEFT_CENTER,
                        label,
                        row_font.clone(),
                        Color32::from_gray(40),
                    );
                }
                for (j, cell) in row.iter().enumerate() {
                    let Some(cell) = cell else { continue };
                    let min = origin + vec2(LABEL_WIDTH + cell_width * j as f32, top);
                    let cell_rect =
                        Rect::from_min_size(min, vec2(cell_width, CELL_HEIGHT)).shrink(1.0);
                    painter.rect_filled(
                        cell_rect,
                        2.0,
                        color(heat_color(cell.shade, cell.complete)),
                    );
                    if !cell.complete {
                        painter.rect_stroke(
                            cell_rect,
                            2.0,
                            Stroke::new(1.0, Color32::from_gray(200)),
                            StrokeKind::Inside,
                        );
                    }
                    painter.text(
                        cell_rect.center(),
                        Align2::CENTER_CENTER,
                        &cell.text,
                        row_font.clone(),
                        color(heat_text_color(cell.shade, cell.complete)),
                    );
                }
                if summary {
                    let y = origin.y + top + CELL_HEIGHT;
                    painter.line_segment(
                        [pos2(origin.x, y), pos2(rect.max.x, y)],
                        Stroke::new(1.0, Color32::from_gray(160)),
                    );
                }
            }
            if let Some(pointer) = response.hover_pos() {
                let local = pointer - origin;
                let row = (local.y / CELL_HEIGHT).floor() as i64 - 1;
                let column = ((local.x - LABEL_WIDTH) / cell_width).floor() as i64;
                let cell = (row >= 0 && column >= 0)
                    .then(|| {
                        heatmap
                            .cells
                            .get(row as usize)?
                            .get(column as usize)?
                            .as_ref()
                    })
                    .flatten();
                if let Some(cell) = cell {
                    response.on_hover_text_at_pointer(&cell.tooltip);
                }
            }
        });
}
