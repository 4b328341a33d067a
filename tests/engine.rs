//! The engine keeps each analysis until its inputs change. Walking one
//! engine through a grid of settings changes must give, at every step, the
//! same results as computing everything at once for those settings, by a
//! reference written here straight from the analyses, with no cache and its
//! own way of applying the filters.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::NaiveDate;
use common::Parts;
use kohorte::analysis::cancel::Cancel;
use kohorte::analysis::clv::by_segment::ClvSegmentRow;
use kohorte::analysis::clv::{self, ClvRow, ModelFit};
use kohorte::analysis::cohorts::{self, CohortTable};
use kohorte::analysis::groups::{CustomerLabels, GroupColumn, GroupSources};
use kohorte::analysis::history::History;
use kohorte::analysis::kpis::{self, Overview};
use kohorte::analysis::loyalty::{self, LoyaltyResults, Programme};
use kohorte::analysis::order_log::OrderLog;
use kohorte::analysis::period::Granularity;
use kohorte::analysis::segments::{self, Customers, StatusRule};
use kohorte::analysis::{Data, Engine, Filters, RFM_SEGMENT, Results, STATUS, Settings};
use kohorte::calendar::day_number;
use kohorte::data::{CUSTOMER_ID, Dataset, ImportOptions, Source};
use polars::prelude::*;

/// What the reference computes, part by part.
struct Reference {
    overall: CohortTable,
    groups: Vec<(String, CohortTable)>,
    overview: Option<Overview>,
    customers: Customers,
    lifecycle: Vec<kohorte::analysis::lifecycle::LifecycleRow>,
    fit: Result<ModelFit, String>,
    kept: Vec<String>,
    clv_by: Vec<ClvSegmentRow>,
    loyalty: Option<LoyaltyResults>,
    what_if: Option<LoyaltyResults>,
    rows_in_view: usize,
    /// Per RFM segment with customers in view: its KPIs in the Overview's
    /// period and its simple CLV forms.
    segment_kpis: Vec<(String, kpis::PeriodKpis)>,
    simple: Vec<(String, kpis::SimpleClv)>,
}

/// Each customer's label in `column`, from the named customers and the
/// replayed programme, by log index.
fn labels(
    column: &GroupColumn,
    log: &OrderLog,
    named: &Customers,
    loyalty: Option<&LoyaltyResults>,
    settings: &Settings,
) -> CustomerLabels {
    let n = log.customers();
    match column {
        GroupColumn::RfmSegment => CustomerLabels::new(
            n,
            settings.segments.grid.segment_names(),
            named.rows.iter().map(|r| (r.customer, &*r.rfm_segment)),
        ),
        GroupColumn::Status => CustomerLabels::new(
            n,
            ["active", "at risk", "lapsed"].map(String::from).to_vec(),
            named.rows.iter().map(|r| (r.customer, r.status.label())),
        ),
        GroupColumn::LoyaltyTier => {
            let replayed = loyalty.expect("a programme");
            let index: BTreeMap<&str, u32> = (0..n as u32).map(|i| (log.ids().get(i), i)).collect();
            CustomerLabels::new(
                n,
                replayed
                    .programme
                    .tiers
                    .iter()
                    .map(|t| t.name.clone())
                    .collect(),
                replayed.customers.iter().filter_map(|member| {
                    Some((
                        *index.get(replayed.member_id(member))?,
                        replayed.programme.tiers[member.points.tier?].name.as_str(),
                    ))
                }),
            )
        }
        other => panic!("no labels for {other:?} in this test"),
    }
}

/// The rows the filters keep, by joining each row's customer labels onto
/// the frame and filtering it with polars: another way than the engine's.
fn filter_mask(
    data: &Dataset,
    log: &OrderLog,
    named: &Customers,
    loyalty: Option<&LoyaltyResults>,
    settings: &Settings,
) -> Vec<bool> {
    let mut frame = data.orders.clone();
    let ids: Vec<&str> = (0..log.customers() as u32)
        .map(|i| log.ids().get(i))
        .collect();
    for (column, _) in settings.filters.attributes.iter() {
        if frame.column(column).is_ok() {
            continue;
        }
        let group = GroupColumn::parse(
            column,
            &data.attributes,
            GroupSources {
                loyalty: loyalty.is_some(),
                nps: false,
            },
        )
        .expect("a label column");
        let labels = labels(&group, log, named, loyalty, settings);
        let values: Vec<Option<&str>> = (0..ids.len() as u32).map(|i| labels.get(i)).collect();
        let map = DataFrame::new(
            ids.len(),
            vec![
                Column::new(CUSTOMER_ID.into(), ids.clone()),
                Column::new(column.as_str().into(), values),
            ],
        )
        .unwrap();
        frame = frame
            .lazy()
            .join(
                map.lazy(),
                [col(CUSTOMER_ID)],
                [col(CUSTOMER_ID)],
                JoinArgs::new(JoinType::Left).with_coalesce(JoinCoalesce::CoalesceColumns),
            )
            .collect()
            .unwrap();
    }
    let ms = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_millis();
    let ts = col(kohorte::data::ORDER_TS).cast(DataType::Int64);
    let mut keep = lit(true);
    if let Some(from) = settings.filters.from {
        keep = keep.and(ts.clone().gt_eq(lit(ms(from))));
    }
    if let Some(until) = settings.filters.until {
        keep = keep.and(ts.lt(lit(ms(until.succ_opt().unwrap()))));
    }
    for (column, values) in &settings.filters.attributes {
        let any = values.iter().fold(lit(false), |acc, v| {
            acc.or(col(column.as_str()).eq(lit(v.as_str())))
        });
        keep = keep.and(any);
    }
    let kept = frame
        .lazy()
        .select([keep.fill_null(lit(false)).alias("keep")])
        .collect()
        .unwrap();
    let flags: Vec<bool> = kept
        .column("keep")
        .unwrap()
        .bool()
        .unwrap()
        .iter()
        .map(|k| k.unwrap_or(false))
        .collect();
    if flags.len() == 1 {
        vec![flags[0]; data.orders.height()]
    } else {
        flags
    }
}

fn everything_at_once(data: &Dataset, settings: &Settings) -> Reference {
    let never = Cancel::never();
    let log = OrderLog::build(data).unwrap();
    let as_of = settings.as_of.or(data.default_as_of()).unwrap();
    let as_of_day = day_number(as_of);
    let base = log.history(None, as_of_day, &never).unwrap();
    let scores = segments::score(&base, as_of, &settings.segments.scoring, &never).unwrap();
    let fitted = clv::fit(
        &base,
        data.has_amount,
        &settings.clv.fit_part(),
        as_of,
        &never,
    )
    .unwrap();
    let fit = fitted.map(|f| clv::score(&f, &settings.clv.score_part(), &never).unwrap());
    let p_alive: Option<Vec<Option<f64>>> = match (&fit, settings.segments.status_rule) {
        (Ok(fit), StatusRule::PAlive) => {
            let mut by = vec![None; log.customers()];
            for r in &fit.rows {
                by[r.customer as usize] = Some(r.p_alive);
            }
            Some(by)
        }
        _ => None,
    };
    let named = segments::name(&scores, &settings.segments.grid, p_alive.as_deref());
    let default_window = loyalty::default_migration_window(as_of);
    let window = (default_window.0, default_window.1.min(as_of));
    let redemptions = data.mapping.points_redeemed.is_some();
    let replay =
        |p: &Programme| loyalty::replay(p, &base, as_of, redemptions, window, &never).unwrap();
    let loyalty = settings.loyalty.as_ref().map(replay);
    let what_if = settings
        .loyalty_what_if
        .as_ref()
        .filter(|_| settings.loyalty.is_some())
        .map(replay);
    let (view, mask): (History, Option<Vec<bool>>) = if settings.filters.is_active() {
        let mask = filter_mask(data, &log, &named, loyalty.as_ref(), settings);
        (
            log.history(Some(&mask), as_of_day, &never).unwrap(),
            Some(mask),
        )
    } else {
        (base.clone(), None)
    };
    let granularity = settings.cohorts.granularity;
    let overall = cohorts::cohort_table(&view, granularity, as_of, &never).unwrap();
    let sources = GroupSources {
        loyalty: loyalty.is_some(),
        nps: false,
    };
    let groups = match settings
        .cohorts
        .breakdown
        .as_deref()
        .and_then(|b| GroupColumn::parse(b, &data.attributes, sources))
    {
        Some(GroupColumn::Attribute(column)) => {
            let values = data.orders.column(&column).unwrap().str().unwrap().clone();
            let of: Vec<Option<&str>> = view
                .customers()
                .map(|c| values.get(c.first_purchase()?.row as usize))
                .collect();
            cohorts::group_tables(
                &view,
                &of,
                granularity,
                as_of,
                settings.cohorts.max_groups,
                &never,
            )
            .unwrap()
        }
        Some(label) => {
            let labels = labels(&label, &log, &named, loyalty.as_ref(), settings);
            let of = labels.of_history(&view);
            cohorts::group_tables(
                &view,
                &of,
                granularity,
                as_of,
                settings.cohorts.max_groups,
                &never,
            )
            .unwrap()
        }
        None => Vec::new(),
    };
    let first_day = view
        .customers()
        .filter_map(|c| c.first_purchase_day())
        .min();
    let overview = first_day.and_then(|d| {
        kpis::overview(
            &view,
            &settings.kpis,
            as_of,
            kohorte::calendar::day_from_number(d),
            &never,
        )
        .unwrap()
    });
    let in_view: BTreeSet<u32> = view.customers().map(|c| c.index).collect();
    let customers = Customers {
        rows: named
            .rows
            .iter()
            .filter(|r| in_view.contains(&r.customer))
            .cloned()
            .collect(),
        ..named.clone()
    };
    let lifecycle =
        kohorte::analysis::lifecycle::lifecycle(&view, settings.segments.lifecycle_period, as_of);
    let kept_rows: Vec<&ClvRow> = match &fit {
        Ok(fit) => fit
            .rows
            .iter()
            .filter(|r| in_view.contains(&r.customer))
            .collect(),
        Err(_) => Vec::new(),
    };
    let rfm = labels(
        &GroupColumn::RfmSegment,
        &log,
        &named,
        loyalty.as_ref(),
        settings,
    );
    let clv_by = kohorte::analysis::segments::grouped(
        &kept_rows,
        |r| rfm.get(r.customer).unwrap_or("(not scored)"),
        &settings.segments.grid.segment_names(),
    )
    .into_iter()
    .map(|(name, members)| ClvSegmentRow::of(name, &members, None))
    .collect();
    let w = settings.kpis.active_window_months;
    let mut segment_kpis = Vec::new();
    let mut simple = vec![(
        "All customers".to_string(),
        kpis::simple_clv_of(view.customers(), as_of, w),
    )];
    for name in settings.segments.grid.segment_names() {
        let members = view
            .customers()
            .filter(|c| rfm.get(c.index) == Some(name.as_str()));
        if members.clone().next().is_none() {
            continue;
        }
        if let Some(overview) = &overview {
            segment_kpis.push((
                name.clone(),
                kpis::period_kpis_of(members.clone(), overview.current.window, w),
            ));
        }
        simple.push((name.clone(), kpis::simple_clv_of(members, as_of, w)));
    }
    Reference {
        segment_kpis,
        simple,
        overall,
        groups,
        overview,
        customers,
        lifecycle,
        kept: kept_rows.iter().map(|r| r.customer_id.clone()).collect(),
        clv_by,
        fit,
        loyalty,
        what_if,
        rows_in_view: log.rows_before(mask.as_deref(), as_of_day).len(),
    }
}

fn assert_same(engine: &Results, reference: &Reference, what: &str) {
    let cohorts = engine.cohorts();
    assert_eq!(*cohorts.overall, reference.overall, "cohort table, {what}");
    assert_eq!(
        *cohorts.groups, reference.groups,
        "breakdown tables, {what}"
    );
    assert_eq!(
        engine.overview(),
        reference.overview.as_ref(),
        "overview, {what}"
    );
    let segments = engine.segments();
    assert_eq!(
        *segments.customers(),
        reference.customers,
        "customers, {what}"
    );
    assert_eq!(
        segments.lifecycle.rows, reference.lifecycle,
        "lifecycle, {what}"
    );
    let segment_kpis: Vec<(String, kpis::PeriodKpis)> = segments
        .segment_kpis
        .iter()
        .map(|s| (s.segment.clone(), s.kpis.clone()))
        .collect();
    assert_eq!(segment_kpis, reference.segment_kpis, "segment KPIs, {what}");
    let clv = engine.clv();
    match (&clv.fit, &reference.fit) {
        (Ok(ours), Ok(theirs)) => assert_eq!(ours.rows, theirs.rows, "CLV rows, {what}"),
        (Err(ours), Err(theirs)) => assert_eq!(ours, theirs, "CLV, {what}"),
        _ => panic!("one side fitted the CLV models and the other did not, {what}"),
    }
    let simple: Vec<(String, kpis::SimpleClv)> = clv
        .simple
        .iter()
        .map(|s| (s.segment.clone(), s.forms.clone()))
        .collect();
    assert_eq!(simple, reference.simple, "simple CLV forms, {what}");
    let kept: Vec<String> = clv
        .kept_rows()
        .iter()
        .map(|r| r.customer_id.clone())
        .collect();
    assert_eq!(kept, reference.kept, "CLV customers kept, {what}");
    if clv.by_segment.segment_by == RFM_SEGMENT {
        assert_eq!(
            clv.by_segment.table, reference.clv_by,
            "CLV by segment, {what}"
        );
    }
    assert_eq!(
        engine.loyalty(),
        reference.loyalty.as_ref(),
        "loyalty, {what}"
    );
    assert_eq!(
        engine.what_if(),
        reference.what_if.as_ref(),
        "what-if, {what}"
    );
    assert_eq!(
        engine.view().rows.len(),
        reference.rows_in_view,
        "rows in view, {what}"
    );
}

/// Walks one engine through every granularity × breakdown × filter × as-of
/// date × programme, changing one setting at a time as a user would.
fn walk(
    data: Dataset,
    attribute: &str,
    filters: &[Filters],
    as_ofs: &[Option<NaiveDate>],
    programme: Programme,
) {
    let mut engine = Engine::new(Arc::new(Data::new(Arc::new(data.clone())).unwrap()));
    let never = Cancel::never();
    let mut steps = 0;
    for loyalty in [None, Some(programme)] {
        for as_of in as_ofs {
            for filter in filters {
                for breakdown in [
                    None,
                    Some(attribute.to_string()),
                    Some(RFM_SEGMENT.to_string()),
                ] {
                    for granularity in Granularity::ALL {
                        let mut settings = Settings {
                            as_of: *as_of,
                            loyalty: loyalty.clone(),
                            filters: filter.clone(),
                            ..Settings::default()
                        };
                        settings.cohorts.granularity = granularity;
                        settings.cohorts.breakdown = breakdown.clone();
                        // The model comparison and the ranges have tests of
                        // their own; without them the grid runs in a minute.
                        settings.clv.holdout_weeks = 0;
                        settings.clv.resamples = 0;
                        let results = engine.compute_all(&settings, &never).unwrap();
                        let what = format!(
                            "{granularity:?}, breakdown {breakdown:?}, {}, as of {as_of:?}, programme {}",
                            filter.describe(),
                            loyalty.is_some()
                        );
                        assert_same(&results, &everything_at_once(&data, &settings), &what);
                        steps += 1;
                    }
                }
            }
        }
    }
    assert_eq!(steps, 2 * as_ofs.len() * filters.len() * 3 * 4);
}

fn one_value(column: &str, value: &str) -> Filters {
    let mut filters = Filters::default();
    filters.attributes.insert(
        column.to_string(),
        std::iter::once(value.to_string()).collect(),
    );
    filters
}

#[test]
fn the_engine_equals_computing_everything_at_once_on_the_demo_shop() {
    let data = Source::Demo.load(&ImportOptions::default()).unwrap();
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
    walk(
        data,
        "channel",
        &[
            Filters::default(),
            one_value("country", "DE"),
            one_value(STATUS, "at risk"),
        ],
        &[None, day(2025, 6, 1)],
        Programme::default(),
    );
}

#[test]
fn the_engine_equals_computing_everything_at_once_on_cdnow() {
    let data = kohorte::data::load::load_path(
        &common::fixture("cdnow/cdnow_sample.csv"),
        &ImportOptions::default(),
    )
    .unwrap();
    let from_march = Filters {
        from: NaiveDate::from_ymd_opt(1997, 3, 1),
        ..Filters::default()
    };
    let programme = Programme::parse(
        &std::fs::read_to_string(common::fixture("cdnow/programme.toml")).unwrap(),
    )
    .unwrap();
    walk(
        data,
        "customer_index",
        &[
            Filters::default(),
            from_march,
            one_value(RFM_SEGMENT, "Champions"),
        ],
        &[None, NaiveDate::from_ymd_opt(1998, 1, 1)],
        programme,
    );
}
