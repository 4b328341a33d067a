//! The look: a light theme suited to screenshots and slides, and the few
//! colours that carry meaning (demo, error, warning, fine).

use eframe::egui::{self, Color32};

pub const DEMO_BADGE: Color32 = Color32::from_rgb(180, 95, 6);
pub const ERROR_FILL: Color32 = Color32::from_rgb(253, 236, 234);
pub const ERROR_TEXT: Color32 = Color32::from_rgb(160, 30, 20);
/// Behind news the user should read before the tabs (what changed).
pub const NOTICE_FILL: Color32 = Color32::from_rgb(255, 244, 214);
pub const WARNING_TEXT: Color32 = Color32::from_rgb(150, 90, 0);
pub const OK_TEXT: Color32 = Color32::from_rgb(30, 120, 50);

pub fn apply(ctx: &egui::Context) {
    ctx.set_theme(egui::ThemePreference::Light);
    // Fallback for symbols the default font lacks (⚠ ✔ →), so nothing
    // shows as an empty box.
    let fallback = |family| egui::epaint::text::InsertFontFamily {
        family,
        priority: egui::epaint::text::FontPriority::Lowest,
    };
    ctx.add_font(egui::epaint::text::FontInsert::new(
        "DejaVuSans",
        egui::FontData::from_static(crate::chart::render::DEJAVU_SANS),
        vec![
            fallback(egui::FontFamily::Proportional),
            fallback(egui::FontFamily::Monospace),
        ],
    ));
    ctx.all_styles_mut(|style| {
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(8.0, 3.0);
    });
}
