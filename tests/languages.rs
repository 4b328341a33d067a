//! The window in English, German and Dutch, as a user who picked the
//! language would see it. The language is one for the whole process, so the
//! three windows are opened one after another in a single test.

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use kohorte::analysis::Part;
use kohorte::i18n::Language;
use kohorte::ui::{KohorteApp, Startup};

mod common;
use common::{Parts, settle_until};

fn open(language: Language) -> Harness<'static, KohorteApp> {
    let mut harness = Harness::builder()
        .with_size(eframe::egui::vec2(1400.0, 1800.0))
        .build_eframe(move |cc| {
            KohorteApp::new(
                cc,
                Startup {
                    file: None,
                    language: Some(language),
                },
            )
        });
    settle_until(&mut harness, |app| {
        let parts = [Part::Overview, Part::Cohorts, Part::Clv];
        app.error().is_some() || parts.iter().all(|p| app.is_fresh(*p))
    });
    assert_eq!(harness.state().error(), None);
    harness
}

/// `14000` as the language groups it.
fn grouped(n: u64, separator: char) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

struct Expected {
    language: Language,
    tabs: [&'static str; 4],
    retention: &'static str,
    customers: &'static str,
    as_of: &'static str,
    decimal: char,
    thousands: char,
}

#[test]
fn the_window_speaks_english_german_and_dutch_with_their_numbers() {
    for expected in [
        Expected {
            language: Language::De,
            tabs: ["Übersicht", "Kohorten", "Segmente", "Kundenwert (CLV)"],
            retention: "Kundenbindungsrate",
            customers: "Kunden",
            as_of: "%d.%m.%Y",
            decimal: ',',
            thousands: '.',
        },
        Expected {
            language: Language::Nl,
            tabs: ["Overzicht", "Cohorten", "Segmenten", "Klantwaarde (CLV)"],
            retention: "Retentiepercentage",
            customers: "klanten",
            as_of: "%d.%m.%Y",
            decimal: ',',
            thousands: '.',
        },
        Expected {
            language: Language::En,
            tabs: ["Overview", "Cohorts", "Segments", "CLV"],
            retention: "Retention rate",
            customers: "customers",
            as_of: "%Y-%m-%d",
            decimal: '.',
            thousands: ',',
        },
    ] {
        let mut harness = open(expected.language);
        for tab in expected.tabs {
            harness.get_by_label(tab);
        }
        // The retention card's name and its value with the local decimal mark.
        harness.get_by_label(expected.retention);
        let retention = harness
            .state()
            .results()
            .overview()
            .unwrap()
            .current
            .product_retention_rate
            .unwrap();
        let shown =
            format!("{:.1} %", retention * 100.0).replace('.', &expected.decimal.to_string());
        harness.get_by_label(&shown);

        harness.get_by_label(expected.tabs[1]).click();
        harness.run_steps(3);
        let cohorts = &harness.state().results().cohorts().overall;
        let customers = format!(
            "{} {}",
            grouped(cohorts.customers(), expected.thousands),
            expected.customers
        );
        let as_of = cohorts.as_of.format(expected.as_of).to_string();
        let summary = harness.get_by_label_contains(&customers);
        let text = summary
            .value()
            .or_else(|| summary.accesskit_node().label())
            .unwrap_or_default();
        assert!(text.contains(&as_of), "{text} has no {as_of}");
        assert!(!text.contains("de.") && !text.contains("nl."), "{text}");
    }
}
