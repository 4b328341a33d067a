//! The window, driven as a person would: no display, no GPU, no dialogs.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use kohorte::analysis::Part;
use kohorte::format::format_number;
use kohorte::i18n::Language;
use kohorte::ui::{KohorteApp, Startup};

mod common;
use common::{Parts, settle_until};

/// The tests read the English window, whatever the machine's language.
fn start(mut startup: Startup) -> Harness<'static, KohorteApp> {
    startup.language = Some(Language::En);
    let mut harness = Harness::builder()
        .with_size(eframe::egui::vec2(1400.0, 1800.0))
        .build_eframe(move |cc| KohorteApp::new(cc, startup));
    settle(&mut harness);
    harness
}

/// Steps the UI until the worker has answered; a spinner never settles, so
/// `run()` cannot be used while the worker is busy.
fn settle(harness: &mut Harness<'_, KohorteApp>) {
    settle_until(harness, all_fresh);
}

/// As `settle`, and the CLV ranges too, which follow every other part.
fn settle_with_ranges(harness: &mut Harness<'_, KohorteApp>) {
    settle_until(harness, |app| {
        all_fresh(app) && (app.error().is_some() || app.is_fresh(Part::ClvRanges))
    });
}

/// Every part of the results answers the settings, or there is an error;
/// the CLV ranges, which follow every other part, may still be computing.
fn all_fresh(app: &KohorteApp) -> bool {
    if app.error().is_some() {
        return !app.is_busy();
    }
    let mut parts = Part::ALL.iter().filter(|p| **p != Part::ClvRanges);
    let parts_done = app.dataset().is_some() && parts.all(|p| app.is_fresh(*p));
    let only_ranges_left = !app.is_opening() && !app.is_fresh(Part::ClvRanges);
    parts_done && (!app.is_busy() || only_ranges_left)
}

fn open_tab(harness: &mut Harness<'_, KohorteApp>, tab: &str) {
    harness.get_by_label(tab).click();
    harness.run_steps(2);
}

/// The text of the one label containing `part`.
fn label_text(harness: &Harness<'_, KohorteApp>, part: &str) -> String {
    let node = harness.get_by_label_contains(part);
    node.value()
        .or_else(|| node.accesskit_node().label())
        .unwrap_or_default()
}

fn rows_shown(harness: &Harness<'_, KohorteApp>) -> String {
    label_text(harness, "Showing ")
}

#[test]
fn starts_on_the_demo_with_report_and_mapping() {
    let mut harness = start(Startup::default());
    harness.get_by_label_contains("Retention rate");
    // CN is shown split into its two parts, which add up to it.
    harness.get_by_label("Customers won (CN)");
    let overview = harness
        .state()
        .results()
        .overview()
        .unwrap()
        .current
        .clone();
    harness.get_by_label(&format!(
        "new {} + won back {}",
        format_number(overview.new_customers as f64, 0),
        format_number(overview.won_back as f64, 0)
    ));
    assert_eq!(
        overview.customers_won,
        overview.new_customers + overview.won_back
    );
    open_tab(&mut harness, "Data");
    let app = harness.state();
    assert!(app.dataset().unwrap().source.is_demo());
    assert!(app.error().is_none());
    harness.get_by_label_contains("DEMO DATA");
    harness.get_by_label("Import report");
    harness.get_by_label("Column mapping");
    harness.get_by_label("Orders and active customers per month");
    assert!(rows_shown(&harness).contains("of"));
}

#[test]
fn changing_a_role_in_the_mapping_panel_recomputes() {
    let mut harness = start(Startup::default());
    open_tab(&mut harness, "Data");
    assert!(harness.state().dataset().unwrap().has_amount);
    harness.get_by_label("Revenue per month");
    harness.get_by_label("Amount").click();
    harness.run_steps(2);
    harness.get_by_label("(none)").click();
    harness.run_steps(1);
    settle(&mut harness);
    let app = harness.state();
    let dataset = app.dataset().unwrap();
    assert!(!dataset.has_amount);
    assert_eq!(dataset.mapping.amount, None);
    assert!(app.results().view().activity.revenue_chart.is_none());
    assert!(harness.query_by_label("Revenue per month").is_none());
}

#[test]
fn a_country_filter_narrows_the_data_tab() {
    let mut harness = start(Startup::default());
    open_tab(&mut harness, "Data");
    let before = harness.state().results().view().rows.len();
    harness.get_by_label("country: all").click();
    harness.run_steps(2);
    harness.get_by_label_contains("NL (").click();
    harness.run_steps(1);
    settle(&mut harness);
    let after = harness.state().results().view().rows.len();
    assert!(after < before && after > 0, "{after} of {before}");
    let shown = rows_shown(&harness);
    assert!(
        shown.starts_with(&format!(
            "Showing {}",
            kohorte::format::group_thousands(after)
        )),
        "{shown}"
    );
    assert!(harness.get_all_by_label_contains("country = NL").count() >= 1);
}

#[test]
fn a_bad_file_on_the_command_line_shows_why() {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/no_dates.csv");
    let harness = start(Startup::file(file));
    let message = harness.state().error().unwrap().to_string();
    assert!(message.contains("no order date column"), "{message}");
    harness.get_by_label_contains("no order date column");
    harness.get_by_label("No data open");
}

fn cohort_summary(harness: &Harness<'_, KohorteApp>) -> String {
    label_text(harness, " cohorts · ")
}

#[test]
fn granularity_and_breakdown_change_the_cohort_table() {
    let mut harness = start(Startup::default());
    open_tab(&mut harness, "Cohorts");
    let monthly = cohort_summary(&harness);
    assert!(monthly.starts_with("27 cohorts"), "{monthly}");
    harness.get_by_label("Week").click();
    harness.run_steps(1);
    settle(&mut harness);
    let weekly = cohort_summary(&harness);
    assert_ne!(weekly, monthly);
    let table = &harness.state().results().cohorts().overall;
    assert_eq!(
        table.granularity,
        kohorte::analysis::period::Granularity::Week
    );
    assert!(table.rows.len() > 100, "{}", table.rows.len());

    harness.get_by_label("Breakdown").click();
    harness.run_steps(2);
    harness.get_by_label("channel").click();
    harness.run_steps(1);
    settle(&mut harness);
    let cohorts = harness.state().results().cohorts();
    assert_eq!(cohorts.breakdown.as_deref(), Some("channel"));
    assert_eq!(cohorts.groups.len(), 5);
    harness.get_by_label("Retention curves by channel");
    harness.get_by_label("Table for").click();
    harness.run_steps(2);
    harness.get_by_label("Newsletter").click();
    harness.run_steps(3);
    let newsletter = cohort_summary(&harness);
    assert_ne!(newsletter, weekly);
}

/// The cohort table on screen must always be labelled with what it is: its
/// own granularity and group, and "Updating" while it is not yet the table
/// of the current settings.
fn assert_table_labelled(harness: &Harness<'_, KohorteApp>) {
    let app = harness.state();
    let Some(cohorts) = app.results().cohorts.as_ref() else {
        return;
    };
    let summary = cohort_summary(harness);
    let by = format!("by {}", cohorts.overall.granularity.label().to_lowercase());
    assert!(summary.contains(&by), "{summary} shows a table {by}");
    if !app.is_fresh(Part::Cohorts) {
        harness.get_by_label_contains("Updating:");
    }
}

/// Steps until every part is computed, checking the cohort table's label on
/// every frame on the way.
fn settle_checking_labels(harness: &mut Harness<'_, KohorteApp>) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !all_fresh(harness.state()) {
        harness.run_steps(1);
        assert_table_labelled(harness);
        assert!(
            Instant::now() < deadline,
            "the worker did not answer in time"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    harness.run_steps(3);
    assert_table_labelled(harness);
}

#[test]
fn changes_in_a_row_each_show_their_table_and_the_last_one_wins() {
    use kohorte::analysis::period::Granularity;
    let mut harness = start(Startup::default());
    open_tab(&mut harness, "Cohorts");
    // Week, and Quarter while Week may still be computing: Quarter wins.
    // A click takes effect after the frame it was made in.
    harness.get_by_label("Week").click();
    harness.run_steps(2);
    assert_table_labelled(&harness);
    harness.get_by_label("Quarter").click();
    harness.run_steps(2);
    settle_checking_labels(&mut harness);
    let table = &harness.state().results().cohorts().overall;
    assert_eq!(table.granularity, Granularity::Quarter);
    assert!(cohort_summary(&harness).contains("by quarter"));
    let quarterly = table.rows.len();

    // A breakdown: the same table overall, and one per channel.
    harness.get_by_label("Breakdown").click();
    harness.run_steps(2);
    harness.get_by_label("channel").click();
    harness.run_steps(2);
    settle_checking_labels(&mut harness);
    let cohorts = harness.state().results().cohorts();
    assert_eq!(cohorts.breakdown.as_deref(), Some("channel"));
    assert_eq!(cohorts.overall.rows.len(), quarterly);
    harness.get_by_label("Retention curves by channel");

    // A filter: fewer customers, still by quarter and channel.
    let everyone = cohorts.overall.customers();
    harness.get_by_label("country: all").click();
    harness.run_steps(2);
    harness.get_by_label_contains("NL (").click();
    harness.run_steps(2);
    settle_checking_labels(&mut harness);
    let cohorts = harness.state().results().cohorts();
    assert!(cohorts.overall.customers() < everyone);
    assert_eq!(cohorts.overall.granularity, Granularity::Quarter);
    assert_eq!(cohorts.breakdown.as_deref(), Some("channel"));
    let summary = cohort_summary(&harness);
    assert!(
        summary.contains(&format!(
            "{} customers",
            kohorte::format::group_thousands(cohorts.overall.customers() as usize)
        )),
        "{summary}"
    );
}

/// The Segments tab's scoring choice: breakpoints from the data fill the
/// F column quintiles leave empty, the grid says which rule made it, and an
/// edited breakpoint is used.
#[test]
fn rfm_scores_by_breakpoints_fill_every_column() {
    let mut harness = start(Startup::default());
    open_tab(&mut harness, "Segments");
    harness.get_by_label_contains("Scores by quintiles");
    harness.get_by_label("Breakpoints").click();
    harness.run_steps(1);
    settle(&mut harness);
    harness.get_by_label_contains("Scores by breakpoints");
    let orders = {
        let customers = harness.state().results().segments().customers().clone();
        let mut per_f = [0usize; 5];
        for row in &customers.rows {
            per_f[row.f as usize - 1] += 1;
        }
        assert!(per_f.iter().all(|n| *n > 0), "{per_f:?}");
        customers.breakpoints.unwrap().orders
    };
    // F 5 from one order more than the data's breakpoint.
    harness
        .get_all_by_role_and_label(
            eframe::egui::accesskit::Role::SpinButton,
            "F: orders, at least",
        )
        .nth(3)
        .unwrap()
        .set_value_accesskit((orders[3] + 1) as f64);
    harness.run_steps(2);
    settle(&mut harness);
    let app = harness.state();
    let chosen = match &app.settings().segments.scoring {
        kohorte::analysis::rfm_scoring::RfmScoring::Breakpoints(Some(points)) => *points,
        other => panic!("{other:?}"),
    };
    assert_eq!(chosen.orders[3], orders[3] + 1);
    assert_eq!(
        app.results().segments().customers().breakpoints,
        Some(chosen)
    );
    harness.get_by_label("Reset to the data's breakpoints");
}

#[test]
fn filtering_the_app_to_at_risk_changes_the_cohort_table() {
    let mut harness = start(Startup::default());
    open_tab(&mut harness, "Segments");
    let (before, at_risk, index) = {
        let results = harness.state().results();
        let table = &results.segments().tables.rfm_table;
        let index = table.iter().position(|s| s.segment == "At risk").unwrap();
        (
            results.cohorts().overall.customers(),
            table[index].customers,
            index,
        )
    };
    let buttons: Vec<_> = harness.get_all_by_label("Filter to this").collect();
    buttons[index].click();
    harness.run_steps(1);
    settle(&mut harness);
    let results = harness.state().results();
    assert_eq!(results.cohorts().overall.customers(), at_risk);
    assert!(at_risk < before);
    open_tab(&mut harness, "Cohorts");
    let summary = cohort_summary(&harness);
    assert!(
        summary.contains(&format!(
            "{} customers",
            kohorte::format::group_thousands(at_risk as usize)
        )),
        "{summary}"
    );
}

#[test]
fn unmappable_columns_can_be_mapped_by_hand() {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/unnamed_compact_dates.csv");
    let mut harness = start(Startup::file(file));
    assert!(harness.state().dataset().is_none());
    harness.get_by_label("Map the columns");
    harness.get_by_label("Order date").click();
    harness.run_steps(2);
    harness.get_by_label("Zeit").click();
    harness.run_steps(2);
    harness
        .get_by_label("Read the file with these columns")
        .click();
    harness.run_steps(1);
    settle(&mut harness);
    let app = harness.state();
    assert!(app.error().is_none(), "{:?}", app.error());
    let dataset = app.dataset().unwrap();
    assert_eq!(dataset.mapping.timestamp.as_deref(), Some("Zeit"));
    assert_eq!(dataset.report.rows_used, 3);
}

#[test]
fn the_clv_tab_fits_switches_model_and_searches() {
    let mut harness = start(Startup::default());
    open_tab(&mut harness, "CLV");
    // Every model compared on the holdout; the best one is used.
    let comparison = {
        let fit = harness.state().results().clv().fit.clone().unwrap();
        assert!(fit.settings.pick_best_model);
        let comparison = fit.comparison.clone().unwrap().unwrap();
        assert_eq!(Some(fit.model.kind()), comparison.best);
        comparison
    };
    let best = comparison.best.unwrap().label();
    harness.get_by_label(&format!("Predicted CLV: {best}"));
    harness.get_by_label("best on the holdout, see below");
    harness.get_by_label(&comparison.recommendation());
    harness.get_by_label("Simple CLV forms");
    harness.get_by_label("Average CLV by RFM segment");
    harness.get_by_label("Holdout: cumulative repeat purchases");
    harness.get_by_label("Holdout: repeat purchases per week");
    harness.get_by_label("Mean error per customer");
    // The totals' ranges, from the refits that follow the tab.
    settle_with_ranges(&mut harness);
    let by = harness.state().results().clv().by_segment.clone();
    let total = &by.total;
    let (low, high) = (total.clv_low.unwrap(), total.clv_high.unwrap());
    assert!(low < total.total_clv.unwrap() && total.total_clv.unwrap() < high);
    // Beside the simple CLV forms' row of the same name.
    assert_eq!(harness.query_all_by_label("All customers").count(), 2);
    harness.get_by_label_contains("95 % ranges from 100 refits");
    harness.get_by_label(&format!(
        "{} – {}",
        kohorte::format::format_number(low, 0),
        kohorte::format::format_number(high, 0)
    ));
    let (customers, some_id) = {
        let clv = harness.state().results().clv();
        let rows = clv.kept_rows();
        (rows.len(), rows[0].customer_id.clone())
    };
    assert_eq!(customers, 14_000);
    harness.get_by_label_contains(&format!(
        "{} of {} customers",
        kohorte::format::group_thousands(customers),
        kohorte::format::group_thousands(customers)
    ));

    harness.get_by_label("Search").focus();
    harness.run_steps(1);
    harness.get_by_label("Search").type_text(&some_id);
    harness.run_steps(3);
    harness.get_by_label_contains(&format!(
        "1 of {} customers",
        kohorte::format::group_thousands(customers)
    ));

    // The model buttons' "Pareto/NBD", not the comparison table's.
    harness
        .get_all_by_label("Pareto/NBD")
        .next()
        .unwrap()
        .click();
    harness.run_steps(1);
    settle(&mut harness);
    harness.get_by_label("Predicted CLV: Pareto/NBD");
    assert!(!harness.state().settings().clv.pick_best_model);
    let fit = harness.state().results().clv().fit.clone().unwrap();
    assert_eq!(
        fit.model.kind(),
        kohorte::analysis::clv::ModelKind::ParetoNbd
    );
    assert!(
        fit.rows
            .iter()
            .all(|r| r.p_alive.is_finite() && r.clv.is_some_and(f64::is_finite))
    );
}

#[test]
fn p_alive_can_decide_the_status() {
    let mut harness = start(Startup::default());
    open_tab(&mut harness, "Segments");
    let by_gap = harness
        .state()
        .results()
        .segments()
        .tables
        .status_table
        .clone();
    harness.get_by_label("Status rule").click();
    harness.run_steps(2);
    harness.get_by_label("P(alive) from the CLV model").click();
    harness.run_steps(1);
    settle(&mut harness);
    let results = harness.state().results();
    assert_ne!(results.segments().tables.status_table, by_gap);
    let fit = results.clv().fit.as_ref().unwrap();
    let p_alive: std::collections::HashMap<&str, f64> = fit
        .rows
        .iter()
        .map(|r| (r.customer_id.as_str(), r.p_alive))
        .collect();
    for row in &results.segments().customers().rows {
        let p = p_alive[&*row.customer_id];
        assert_eq!(
            row.status,
            kohorte::analysis::segments::status_from_p_alive(p)
        );
    }
}

#[test]
fn the_example_programme_replays_in_the_loyalty_tab() {
    let mut harness = start(Startup::default());
    open_tab(&mut harness, "Loyalty");
    let loyalty = harness.state().results().loyalty().unwrap().clone();
    assert_eq!(
        loyalty.summary.members, 14_000,
        "the demo opens with its example programme"
    );
    harness.get_by_label_contains("14,000 members on");
    harness.get_by_label("Tier migration");
    assert_eq!(
        loyalty.migration_window,
        (
            chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
        )
    );
    harness.get_by_label("Demo Rewards: members per tier");
    harness.get_by_label("Demo Rewards: liability");
    // The liability weighed by the CLV model's P(alive), beside the nominal one.
    harness.get_by_label("Expected liability");
    let results = harness.state().results();
    let fit = results.clv().fit.as_ref().unwrap();
    let expected =
        kohorte::analysis::loyalty::expected_liability_with(results.loyalty().unwrap(), fit);
    assert!(expected < loyalty.summary.liability);
    harness.get_by_label(&format_number(expected, 2));

    // What if every 1.00 earned two points?
    harness
        .get_by_role_and_label(eframe::egui::accesskit::Role::Slider, "Points per 1.00")
        .set_value_accesskit(2.0);
    harness.run_steps(2);
    settle(&mut harness);
    let results = harness.state().results();
    let (now, then) = (
        &results.loyalty().unwrap().summary,
        &results.what_if().unwrap().summary,
    );
    assert!(
        then.points_earned > 1.9 * now.points_earned,
        "{} vs {}",
        then.points_earned,
        now.points_earned
    );
    assert!(
        then.members_per_tier[0].1 < now.members_per_tier[0].1,
        "more members reach Silver"
    );
    harness.get_by_label("Adopt the changes");

    open_tab(&mut harness, "CLV");
    harness.get_by_label("CLV by").click();
    harness.run_steps(2);
    harness.get_by_label("Loyalty tier").click();
    harness.run_steps(1);
    settle(&mut harness);
    let clv = harness.state().results().clv();
    assert_eq!(clv.by_segment.segment_by, "Loyalty tier");
    let names: Vec<&str> = clv
        .by_segment
        .table
        .iter()
        .map(|r| r.segment.as_str())
        .collect();
    assert_eq!(names, ["Gold", "Silver", "Member"]);
    harness.get_by_label("Average CLV by Loyalty tier");

    // Tiers are segments everywhere: retention curves by tier.
    open_tab(&mut harness, "Cohorts");
    harness.get_by_label("Breakdown").click();
    harness.run_steps(2);
    harness.get_by_label("Loyalty tier").click();
    harness.run_steps(1);
    settle(&mut harness);
    let cohorts = harness.state().results().cohorts();
    assert_eq!(cohorts.breakdown.as_deref(), Some("Loyalty tier"));
    let groups: Vec<&str> = cohorts.groups.iter().map(|(g, _)| g.as_str()).collect();
    assert!(
        groups.contains(&"Member") && groups.contains(&"Silver"),
        "{groups:?}"
    );
}

/// Waits for the event log and survey the demo opens beside its orders.
fn settle_side(harness: &mut Harness<'_, KohorteApp>) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while harness.state().side().is_none() || harness.state().side_busy() {
        harness.run_steps(2);
        assert!(Instant::now() < deadline, "the side worker did not answer");
        std::thread::sleep(Duration::from_millis(20));
    }
    harness.run_steps(3);
}

#[test]
fn the_demo_event_log_and_survey_open_beside_the_orders() {
    let mut harness = start(Startup::default());
    settle_side(&mut harness);
    open_tab(&mut harness, "Engagement");
    harness.get_by_label("Active users: DAU, WAU, MAU");
    harness.get_by_label("Stickiness: DAU ÷ MAU");
    harness.get_by_label("Most engaged users");
    let side = harness.state().side().unwrap();
    let events = side.events.as_ref().unwrap().as_ref().unwrap();
    assert_eq!(events.users, 2_071);
    assert_eq!(events.days.len(), 823);
    harness.get_by_label("Retention on activity");
    harness.get_by_label("User lifecycle per month");
    harness.get_by_label("How engagement is spread over users");
    let top_before = events.top[0].1;

    // A purchase intent counts five times: the scores change on the worker.
    harness
        .get_by_role_and_label(eframe::egui::accesskit::Role::SpinButton, "add_to_cart")
        .set_value_accesskit(5.0);
    harness.run_steps(3);
    settle_side(&mut harness);
    let side = harness.state().side().unwrap();
    let events = side.events.as_ref().unwrap().as_ref().unwrap();
    assert!(
        events.top[0].1 > top_before,
        "{} vs {top_before}",
        events.top[0].1
    );

    open_tab(&mut harness, "Survey");
    harness.get_by_label("Net Promoter Score per month");
    harness.get_by_label("NPS by country");
    assert!(
        harness.query_by_label("NPS by comment").is_none(),
        "free text is no segment"
    );

    // Promoters against detractors, one click away.
    settle(&mut harness);
    harness
        .get_by_label("Retention curves by NPS group")
        .click();
    harness.run_steps(1);
    settle(&mut harness);
    let cohorts = harness.state().results().cohorts();
    assert_eq!(cohorts.breakdown.as_deref(), Some("NPS group"));
    let groups: Vec<&str> = cohorts.groups.iter().map(|(g, _)| g.as_str()).collect();
    assert!(
        groups.contains(&"promoter") && groups.contains(&"detractor"),
        "{groups:?}"
    );
    open_tab(&mut harness, "Survey");
    harness.get_by_label("CLV by NPS group").click();
    harness.run_steps(1);
    settle(&mut harness);
    let clv = harness.state().results().clv();
    assert_eq!(clv.by_segment.segment_by, "NPS group");
    let names: Vec<&str> = clv
        .by_segment
        .table
        .iter()
        .map(|r| r.segment.as_str())
        .collect();
    assert_eq!(names, ["promoter", "passive", "detractor", "no answer"]);
    let side = harness.state().side().unwrap();
    let survey = side.survey.as_ref().unwrap().as_ref().unwrap();
    assert_eq!(survey.overall.responses, 3_790);
    open_tab(&mut harness, "Survey");
    harness.get_by_label_contains("3,790 answers · NPS");
}

#[test]
fn a_subscription_log_shows_its_mrr() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("subscriptions.csv");
    let mut csv = String::from("customer,date,amount,plan\n");
    for month in 1..=9 {
        for customer in 0..6 {
            if month <= 3 + customer {
                csv.push_str(&format!(
                    "C{customer},2024-0{month}-0{},{},Basic\n",
                    customer + 1,
                    10 + customer
                ));
            }
        }
    }
    std::fs::write(&file, csv).unwrap();
    let mut harness = start(Startup::file(file));
    open_tab(&mut harness, "Overview");
    let mrr = harness.state().results().mrr().unwrap();
    assert!(mrr.reason.contains("plan"), "{}", mrr.reason);
    assert_eq!(
        mrr.months.len(),
        8,
        "January to August, the last payment month"
    );
    harness.get_by_label("Subscriptions: MRR");
}

#[test]
fn a_survey_whose_respondent_column_is_not_detected_can_be_mapped() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("answers.csv");
    // Numeric respondent numbers under an unknown header: not taken for ids.
    std::fs::write(
        &file,
        "nr,answered,score\n1001,2024-01-05,10\n1002,2024-01-09,3\n1003,2024-02-01,8\n",
    )
    .unwrap();
    let mut harness = start(Startup::default());
    settle_side(&mut harness);
    harness
        .state_mut()
        .open_side(false, kohorte::data::Source::File(file));
    harness.run_steps(2);
    settle_side(&mut harness);
    let error = match &harness.state().side().unwrap().survey {
        Some(Err(error)) => error.clone(),
        other => panic!("expected an error, got {other:?}"),
    };
    assert!(
        error.message.contains("no customer id column"),
        "{}",
        error.message
    );
    assert!(
        error.columns.contains(&"nr".to_string()),
        "{:?}",
        error.columns
    );
    open_tab(&mut harness, "Survey");
    harness.get_by_label("Respondent column").click();
    harness.run_steps(2);
    harness.get_by_label("nr").click();
    harness.run_steps(2);
    settle_side(&mut harness);
    let side = harness.state().side().unwrap();
    let survey = side.survey.as_ref().unwrap().as_ref().unwrap();
    assert_eq!(survey.overall.responses, 3);
    assert_eq!(survey.overall.nps, Some(0.0));
}

/// A large file shows its cohort table, read straight from the needed
/// columns, while the rest is still computed; the status bar leads there.
#[test]
fn a_large_file_shows_its_cohort_table_first() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("large.csv");
    let mut csv = String::from("order_id,customer_id,order_date,amount,channel\n");
    for i in 0..300_000u64 {
        let customer = (i * 7_919) % 40_000;
        let day = 1 + (i * 104_729) % 28;
        let month = 1 + (i * 31) % 12;
        csv += &format!(
            "O{i},C{customer},2024-{month:02}-{day:02} 12:00:00,{}.50,Newsletter\n",
            5 + i % 90
        );
    }
    std::fs::write(&file, csv).unwrap();
    let mut harness = Harness::builder()
        .with_size(eframe::egui::vec2(1400.0, 1800.0))
        .build_eframe(move |cc| {
            let startup = Startup {
                language: Some(Language::En),
                ..Startup::file(file)
            };
            KohorteApp::new(cc, startup)
        });
    let deadline = Instant::now() + Duration::from_secs(120);
    while harness
        .query_by_label("The cohort table is ready: show it")
        .is_none()
    {
        harness.run_steps(1);
        assert!(
            harness.state().results().cohorts.is_none(),
            "the analysis finished before the first table was shown"
        );
        assert!(Instant::now() < deadline, "no first table in time");
        std::thread::sleep(Duration::from_millis(5));
    }
    harness
        .get_by_label("The cohort table is ready: show it")
        .click();
    harness.run_steps(2);
    let first = harness.state().results().cohorts.is_none().then(|| {
        harness.get_by_label_contains("First look");
        label_text(&harness, "read in")
    });
    // The cohort table is what this test is about; the CLV models on this
    // evenly paced log take minutes when the tests share two cores.
    settle_until(&mut harness, |app| {
        app.error().is_some() || (app.dataset().is_some() && app.is_fresh(Part::Cohorts))
    });
    assert_eq!(harness.state().error(), None);
    let overall = &harness.state().results().cohorts().overall;
    let counts = format!("{} cohorts · 40,000 customers", overall.rows.len());
    assert_eq!(overall.customers(), 40_000);
    if let Some(first) = first {
        assert!(first.starts_with(&counts), "{first} vs {counts}");
    }
    harness.get_by_label_contains(&counts);
}

/// Steps the UI until the deck, the saving or the data check is done.
fn settle_saving(harness: &mut Harness<'_, KohorteApp>) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while harness.state().saving_busy().is_some() {
        harness.run_steps(2);
        assert!(Instant::now() < deadline, "the background job did not end");
        std::thread::sleep(Duration::from_millis(20));
    }
    harness.run_steps(3);
}

/// The demo shop's files copied into `dir`, as a user's own exports.
fn demo_copies(dir: &std::path::Path) -> [std::path::PathBuf; 3] {
    ["orders.csv", "events.csv", "survey.csv"].map(|name| {
        let copy = dir.join(name);
        std::fs::copy(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("assets/demo")
                .join(name),
            &copy,
        )
        .unwrap();
        copy
    })
}

/// Changes a setting of every group away from its default, through the
/// app's controls (clicks where a test can find them by label).
fn change_everything(
    harness: &mut Harness<'_, KohorteApp>,
    events: &std::path::Path,
    survey: &std::path::Path,
) {
    use kohorte::analysis::clv::ModelKind;
    use kohorte::analysis::kpis::PeriodKind;
    use kohorte::analysis::loyalty::Programme;
    use kohorte::analysis::period::Granularity;
    use kohorte::analysis::segments::StatusRule;
    use kohorte::data::Source;
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    {
        let app = harness.state_mut();
        app.open_side(true, Source::File(events.to_path_buf()));
        app.open_side(false, Source::File(survey.to_path_buf()));
        let mut options = app.import_options().clone();
        options.dialect.delimiter = Some(',');
        options.dialect.quote = Some(Some('"'));
        app.reimport(options);
    }
    settle(harness);
    settle_side(harness);
    let app = harness.state_mut();
    let mut settings = app.settings().clone();
    settings.filters.attributes.insert(
        "country".into(),
        ["DE".to_string(), "NL".to_string()].into(),
    );
    settings.filters.from = Some(day(2024, 1, 1));
    settings.as_of = Some(day(2025, 11, 1));
    settings.cohorts.granularity = Granularity::Week;
    settings.cohorts.breakdown = Some("channel".into());
    settings.kpis.active_window_months = 6;
    settings.kpis.period = PeriodKind::Quarter;
    settings.segments.grid.names[4][4] = "Stars".into();
    settings.segments.lifecycle_period = Granularity::Week;
    settings.segments.status_rule = StatusRule::PAlive;
    settings.segments.attribute = Some("device".into());
    settings.segments.scoring = kohorte::analysis::rfm_scoring::RfmScoring::Breakpoints(Some(
        kohorte::analysis::rfm_scoring::RfmBreakpoints {
            recency_days: [400, 200, 90, 30],
            orders: [2, 3, 5, 8],
            revenue: [20.0, 60.0, 150.0, 400.0],
        },
    ));
    // Not the default, and quicker to refit than Pareto/NBD, whose 40
    // refits in the test build took three minutes per app.
    settings.clv.model = ModelKind::ModifiedBgNbd;
    settings.clv.pick_best_model = false;
    settings.clv.resamples = 40;
    settings.clv.horizon_weeks = 26;
    settings.clv.discount_rate_monthly = 0.02;
    settings.clv.segment_by = "channel".into();
    settings.loyalty = Some(Programme {
        name: "Club Nord".into(),
        points_per_currency: 2.0,
        ..Programme::default()
    });
    settings.loyalty_migration_from = Some(day(2025, 3, 1));
    app.apply_settings(settings);
    let mut side = app.side_settings().clone();
    side.weights.insert("purchase".into(), 5.0);
    side.score_window_days = Some(90);
    app.apply_side_settings(side);
    settle(harness);
    settle_side(harness);
    // The view: clicks, as a user makes them.
    open_tab(harness, "Loyalty");
    harness.get_by_label("Share of members").click();
    open_tab(harness, "Cohorts");
    harness.get_by_label("From period 1").click();
    harness.run_steps(2);
    settle(harness);
}

#[test]
fn a_saved_analysis_opens_in_a_fresh_app_with_the_same_settings_and_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let [orders, events, survey] = demo_copies(dir.path());
    let mut harness = start(Startup::file(orders.clone()));
    change_everything(&mut harness, &events, &survey);
    let analysis = dir.path().join("monday.kohorte");
    harness.state_mut().save_analysis_to(analysis.clone());
    settle_saving(&mut harness);
    assert!(
        harness.state().error().is_none(),
        "{:?}",
        harness.state().error()
    );
    harness.get_by_label_contains("no customer data");
    settle_with_ranges(&mut harness);
    let before = harness.state();
    let (settings, side, view, tab, import) = (
        before.settings().clone(),
        before.side_settings().clone(),
        before.view_prefs().clone(),
        before.tab(),
        before.import_options().clone(),
    );
    let results = before.results().clone();

    let mut fresh = start(Startup::file(analysis.clone()));
    settle_side(&mut fresh);
    settle_with_ranges(&mut fresh);
    settle_saving(&mut fresh);
    let after = fresh.state();
    assert!(after.error().is_none(), "{:?}", after.error());
    assert_eq!(after.dataset().unwrap().source.display_name(), "orders.csv");
    let mut expected = settings.clone();
    expected.nps_groups = None;
    let mut restored = after.settings().clone();
    restored.nps_groups = None;
    assert_eq!(restored, expected);
    assert_eq!(after.side_settings(), &side);
    assert_eq!(after.view_prefs(), &view);
    assert!(view.cohorts.from_period_one);
    assert_eq!(after.tab(), tab);
    assert_eq!(after.import_options(), &import);
    assert_eq!(after.import_options().dialect.delimiter, Some(','));
    // The same numbers, the side files' included.
    let now = after.results();
    assert_eq!(
        now.overview().unwrap().kpis,
        results.overview().unwrap().kpis
    );
    assert_eq!(now.cohorts().overall, results.cohorts().overall);
    assert_eq!(now.clv().by_segment.table, results.clv().by_segment.table);
    assert_eq!(
        now.loyalty().unwrap().summary,
        results.loyalty().unwrap().summary
    );
    assert!(after.side().unwrap().events.as_ref().unwrap().is_ok());
    assert!(after.side().unwrap().survey.as_ref().unwrap().is_ok());
    // The data is unchanged: no "what changed" panel.
    assert!(fresh.state().what_changed().is_none());
    assert!(fresh.query_by_label("What changed").is_none());
    fresh.get_by_label("Retention curves by channel from period 1");
}

#[test]
fn an_analysis_on_next_months_export_says_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let [orders, _, _] = demo_copies(dir.path());
    let mut harness = start(Startup::file(orders.clone()));
    let analysis = dir.path().join("december.kohorte");
    harness.state_mut().save_analysis_to(analysis.clone());
    settle_saving(&mut harness);
    // Next month's export: an order that came in late, for last June.
    let mut text = std::fs::read_to_string(&orders).unwrap();
    text.push_str("SO999999,00010083,2025-06-15 10:00:00,120.00,EUR,DE,Direct,Desktop,120,0\n");
    std::fs::write(&orders, text).unwrap();

    let mut fresh = start(Startup::file(analysis));
    settle_saving(&mut fresh);
    settle(&mut fresh);
    fresh.run_steps(3);
    let changes = fresh.state().what_changed().expect("the data changed");
    let rows = changes.iter().find(|c| c.what == "Rows used").unwrap();
    assert_eq!(
        (rows.then.as_str(), rows.now.as_str()),
        ("35,342", "35,343")
    );
    let last = changes.iter().find(|c| c.what == "Last order").unwrap();
    assert!(!last.differs(), "a late order changes history, not the end");
    fresh.get_by_label("What changed");
    fresh.get_by_label_contains("Late orders change history");
    // Rows and orders when saved: shown in the panel only, as the import
    // report shows today's.
    assert_eq!(fresh.query_all_by_label("35,342").count(), 2);
    fresh.get_by_label("Close").click();
    fresh.run_steps(2);
    assert!(fresh.query_by_label("What changed").is_none());
}

#[test]
fn the_window_exports_a_deck_of_its_charts() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = start(Startup::default());
    settle_side(&mut harness);
    harness.state_mut().export_deck_to(dir.path().to_path_buf());
    settle_saving(&mut harness);
    assert!(
        harness.state().error().is_none(),
        "{:?}",
        harness.state().error()
    );
    let deck = std::fs::read(dir.path().join("kohorte-deck.pptx")).unwrap();
    assert_eq!(&deck[..2], b"PK");
    let page = std::fs::read_to_string(dir.path().join("kohorte-report.html")).unwrap();
    assert!(page.matches("<svg").count() >= 20, "every tab's charts");
    assert!(page.contains("<h2>Retention curves</h2>"));
    assert!(page.contains("<h2>Active users: DAU, WAU, MAU</h2>"));
    harness.get_by_label_contains("kohorte-deck.pptx");
}
