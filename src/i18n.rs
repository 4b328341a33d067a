//! The language of the window, the charts and the deck: English, German or
//! Dutch. The report's CSV and JSON files stay English and machine-readable
//! whatever is chosen.
//!
//! Strings are looked up by their English text (`t!("Cohorts")`) in
//! `assets/locales/app.yml`, where every entry carries all three languages side by
//! side; a test checks that no entry misses one.

use std::sync::atomic::{AtomicU8, Ordering};

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate};
use rust_i18n::t;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Language {
    #[default]
    En,
    De,
    Nl,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::En, Language::De, Language::Nl];

    /// The code the translations file uses.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::De => "de",
            Language::Nl => "nl",
        }
    }

    /// The language's name in itself, as a language menu shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Language::En => "English",
            Language::De => "Deutsch",
            Language::Nl => "Nederlands",
        }
    }

    /// `de`, `de-AT`, `nl_BE.UTF-8`, `EN`: the language a locale tag names,
    /// if it is one Kohorte speaks.
    pub fn from_tag(tag: &str) -> Option<Language> {
        let lang = tag
            .split(['-', '_', '.', '@'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Language::ALL.into_iter().find(|l| l.code() == lang)
    }

    /// The operating system's language, English when it is none of ours.
    pub fn of_system() -> Language {
        sys_locale::get_locale()
            .and_then(|tag| Language::from_tag(&tag))
            .unwrap_or_default()
    }

    /// The decimal mark and the thousands separator.
    fn marks(self) -> (char, char) {
        match self {
            Language::En => ('.', ','),
            Language::De | Language::Nl => (',', '.'),
        }
    }
}

static CURRENT: AtomicU8 = AtomicU8::new(0);

/// Sets the language for every thread: the window's, and the worker's that
/// builds the charts.
pub fn set_language(language: Language) {
    CURRENT.store(language as u8, Ordering::Relaxed);
    rust_i18n::set_locale(language.code());
}

pub fn language() -> Language {
    match CURRENT.load(Ordering::Relaxed) {
        1 => Language::De,
        2 => Language::Nl,
        _ => Language::En,
    }
}

pub fn decimal_mark() -> char {
    language().marks().0
}

pub fn thousands_separator() -> char {
    language().marks().1
}

/// A day as the language writes it: `2025-12-31` or `31.12.2025`.
pub fn format_day(day: NaiveDate) -> String {
    match language() {
        Language::En => day.format("%Y-%m-%d").to_string(),
        Language::De | Language::Nl => day.format("%d.%m.%Y").to_string(),
    }
}

/// A month as the language names it: `December 2025`, `Dezember 2025`.
pub fn format_month(day: NaiveDate) -> String {
    format!("{} {}", month_name(day.month()), day.year())
}

fn month_name(month: u32) -> Cow<'static, str> {
    match month {
        1 => t!("January"),
        2 => t!("February"),
        3 => t!("March"),
        4 => t!("April"),
        5 => t!("May"),
        6 => t!("June"),
        7 => t!("July"),
        8 => t!("August"),
        9 => t!("September"),
        10 => t!("October"),
        11 => t!("November"),
        _ => t!("December"),
    }
}

/// A month's short name for axis ticks: `Mar`, `Mär`, `mrt`.
pub fn month_abbreviation(month: u32) -> Cow<'static, str> {
    match month {
        1 => t!("Jan"),
        2 => t!("Feb"),
        3 => t!("Mar"),
        4 => t!("Apr"),
        5 => t!("May"),
        6 => t!("Jun"),
        7 => t!("Jul"),
        8 => t!("Aug"),
        9 => t!("Sep"),
        10 => t!("Oct"),
        11 => t!("Nov"),
        _ => t!("Dec"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    /// The keys of every `t!("…")` in the sources: the English texts.
    fn keys_in_sources(dir: &Path, keys: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                keys_in_sources(&path, keys);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                // Tests are not shown to anyone.
                let shipped = text.split("#[cfg(test)]").next().unwrap_or_default();
                keys.extend(literal_keys(shipped));
            }
        }
    }

    fn literal_keys(text: &str) -> Vec<String> {
        let mut keys = Vec::new();
        let mut rest = text;
        while let Some(at) = rest.find("t!(") {
            let before = rest[..at].chars().next_back();
            rest = &rest[at + 3..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let Some(literal) = rest.trim_start().strip_prefix('"') else {
                continue;
            };
            let mut key = String::new();
            let mut chars = literal.chars();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => key.extend(chars.next().map(|c| match c {
                        'n' => '\n',
                        't' => '\t',
                        c => c,
                    })),
                    c => key.push(c),
                }
            }
            keys.push(key);
        }
        keys
    }

    fn placeholders(text: &str) -> BTreeSet<&str> {
        text.split("%{")
            .skip(1)
            .filter_map(|part| part.split_once('}').map(|(name, _)| name))
            .collect()
    }

    #[test]
    fn every_text_is_in_all_three_languages_with_its_placeholders() {
        let mut keys = BTreeSet::new();
        keys_in_sources(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut keys,
        );
        assert!(keys.len() > 300, "only {} texts found", keys.len());
        let mut missing = Vec::new();
        for key in &keys {
            for language in Language::ALL {
                match crate::_rust_i18n_try_translate(language.code(), key) {
                    None => missing.push(format!("{}: {key}", language.code())),
                    Some(text) if placeholders(&text) != placeholders(key) => missing.push(
                        format!("{} (placeholders differ): {key} → {text}", language.code()),
                    ),
                    Some(_) => {}
                }
            }
        }
        assert!(
            missing.is_empty(),
            "not translated:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn the_translations_file_has_no_text_in_one_language_only() {
        let backend = crate::_rust_i18n_backend();
        let keys = |language: Language| -> BTreeSet<String> {
            backend
                .messages_for_locale(language.code())
                .unwrap_or_default()
                .into_iter()
                .map(|(key, _)| key.into_owned())
                .collect()
        };
        let english = keys(Language::En);
        assert_eq!(keys(Language::De), english);
        assert_eq!(keys(Language::Nl), english);
    }

    #[test]
    fn keys_are_read_from_sources_as_written() {
        let text = r#"t!("A \"b\"\n%{n}", n = 1); format!("no"); t!( "two" )"#;
        assert_eq!(literal_keys(text), ["A \"b\"\n%{n}", "two"]);
    }

    #[test]
    fn locale_tags_name_our_languages() {
        assert_eq!(Language::from_tag("de-AT"), Some(Language::De));
        assert_eq!(Language::from_tag("nl_BE.UTF-8"), Some(Language::Nl));
        assert_eq!(Language::from_tag("EN"), Some(Language::En));
        assert_eq!(Language::from_tag("fr-FR"), None);
        assert_eq!(Language::from_tag(""), None);
    }
}
