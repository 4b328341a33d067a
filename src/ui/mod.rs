//! The window: egui only. It draws results and edits settings; the worker
//! computes.

pub mod app;
mod background;
mod chart_view;
mod clv_tab;
mod cohorts_tab;
pub mod context;
mod data_tab;
mod dialogs;
mod engagement_tab;
mod heatmap_view;
mod loyalty_tab;
mod overview_tab;
mod segments_tab;
mod source_panel;
mod survey_tab;
mod theme;
mod widgets;
mod worker;

pub use app::{KohorteApp, Startup, ViewPrefs};
pub use context::Tab;

/// Opens the main window and blocks until it is closed.
pub fn run(startup: Startup) -> eframe::Result {
    // Our own asset; a broken icon would only mean the default one.
    let icon = eframe::icon_data::from_png_bytes(include_bytes!("../../assets/icon.png"))
        .unwrap_or_default();
    let options = eframe::NativeOptions {
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title("Kohorte")
            // Matches the desktop entry (kohorte.desktop), so desktops show
            // its icon and group its windows.
            .with_app_id("kohorte")
            .with_icon(icon)
            .with_inner_size([1400.0, 900.0])
            .with_min_inner_size([900.0, 600.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "Kohorte",
        options,
        Box::new(move |cc| Ok(Box::new(KohorteApp::new(cc, startup)))),
    )
}
