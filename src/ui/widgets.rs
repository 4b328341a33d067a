//! Small widgets several tabs share.

use chrono::NaiveDate;
use eframe::egui::{self, RichText};
use rust_i18n::t;

use super::theme;

/// The text of a pair of date fields while the user types.
#[derive(Clone, Debug, Default)]
pub struct DateInputs {
    pub from: String,
    pub until: String,
}

impl DateInputs {
    pub fn of(from: Option<NaiveDate>, until: Option<NaiveDate>) -> DateInputs {
        let text = |day: Option<NaiveDate>| day.map(|d| d.to_string()).unwrap_or_default();
        DateInputs {
            from: text(from),
            until: text(until),
        }
    }
}

/// What a date field did this frame.
pub enum DateField {
    Changed,
    Unchanged,
    /// The text is no YYYY-MM-DD date; the value was left as it was.
    Invalid,
}

/// A labelled date field bound to `slot`: YYYY-MM-DD, or DD.MM.YYYY as
/// German and Dutch users write it. An empty field clears the
/// date when `clearable`, and is otherwise left unapplied.
pub fn date_field_ui(
    ui: &mut egui::Ui,
    name: &str,
    text: &mut String,
    slot: &mut Option<NaiveDate>,
    clearable: bool,
) -> DateField {
    let label = ui.label(name);
    let response = ui
        .add(
            egui::TextEdit::singleline(text)
                .hint_text(t!("YYYY-MM-DD"))
                .desired_width(110.0),
        )
        .labelled_by(label.id);
    let trimmed = text.trim();
    let parsed = match NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(trimmed, "%d.%m.%Y"))
    {
        Ok(day) => Some(day),
        Err(_) if trimmed.is_empty() && clearable => None,
        Err(_) if trimmed.is_empty() => return DateField::Unchanged,
        Err(_) => return DateField::Invalid,
    };
    if response.changed() && *slot != parsed {
        *slot = parsed;
        DateField::Changed
    } else {
        DateField::Unchanged
    }
}

/// Draws `content` as it is when `fresh`, else dimmed under a note that it
/// is the result of the previous settings while the new one is computed.
pub fn maybe_stale_ui<R>(
    ui: &mut egui::Ui,
    fresh: bool,
    content: impl FnOnce(&mut egui::Ui) -> R,
) -> R {
    if fresh {
        return content(ui);
    }
    ui.horizontal(|ui| {
        ui.spinner();
        ui.label(
            RichText::new(t!("Updating: below is the result of the previous settings, until the new one is ready."))
                .color(theme::WARNING_TEXT),
        );
    });
    ui.scope(|ui| {
        ui.disable();
        content(ui)
    })
    .inner
}

/// A settled drag or a typed change: what should trigger a recompute.
pub fn settled(response: &egui::Response) -> bool {
    response.drag_stopped() || (response.changed() && !response.dragged())
}

/// A copy of some settings that widgets edit across frames and that is
/// applied only when an edit settles (a drag released, a number typed):
/// dragging a value then does not recompute on every frame, and the value
/// follows the pointer.
pub struct Draft<T> {
    value: Option<T>,
}

impl<T> Default for Draft<T> {
    fn default() -> Self {
        Draft { value: None }
    }
}

impl<T: Clone> Draft<T> {
    /// The copy to edit this frame: the one under way, or `current`.
    pub fn edit(&mut self, current: &T) -> &mut T {
        self.value.get_or_insert_with(|| current.clone())
    }

    /// Ends the frame: the edited copy when an edit settled; the copy is
    /// kept while a widget is still held, and dropped otherwise, so that
    /// changes from elsewhere show.
    pub fn finish(&mut self, settled: bool, held: bool) -> Option<T> {
        if settled {
            self.value.take()
        } else {
            if !held {
                self.value = None;
            }
            None
        }
    }
}

/// A row of controls that wraps between controls, never inside a label:
/// the longer German and Dutch labels move whole to the next line.
pub fn controls_row<R>(
    ui: &mut egui::Ui,
    add: impl FnOnce(&mut egui::Ui) -> R,
) -> egui::InnerResponse<R> {
    ui.horizontal_wrapped(|ui| {
        ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
        add(ui)
    })
}
