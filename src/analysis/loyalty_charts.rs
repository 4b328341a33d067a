//! The loyalty programme's charts and tables as specs and frames.

use crate::format::format_number;
use crate::i18n::format_day;
use polars::prelude::*;
use rust_i18n::t;
use std::borrow::Cow;

use super::loyalty::LoyaltyResults;
use crate::chart::spec::{days_since_epoch, palette};
use crate::chart::{Axis, ChartSpec, Series, SeriesStyle, Unit};

/// How the members-per-tier chart counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MembersView {
    /// Members per tier, stacked.
    #[default]
    Count,
    /// The share of all members in each tier above the entry tier, one
    /// line each: the small tiers that matter, which are slivers on top of
    /// the entry tier in the stacked counts, fill the chart.
    Share,
}

/// Members per tier on the first day of every month (and the as-of date).
pub fn members_per_tier_spec(results: &LoyaltyResults, view: MembersView) -> ChartSpec {
    let tiers = &results.programme.tiers;
    let over_time = &results.tiers_over_time;
    let day = |d: &chrono::NaiveDate| days_since_epoch(*d);
    let (id, title, y, caption, series) = match view {
        MembersView::Count => (
            "loyalty_members_per_tier",
            t!("members per tier"),
            Axis::value(&t!("Members"), Unit::Count),
            t!("Customers with a first purchase before the first day of each month").into_owned(),
            tiers
                .iter()
                .enumerate()
                .map(|(i, tier)| Series {
                    name: tier.name.clone(),
                    style: SeriesStyle::StackedArea,
                    color: palette(i),
                    points: over_time
                        .iter()
                        .map(|(d, counts)| [day(d), counts.get(i).copied().unwrap_or(0) as f64])
                        .collect(),
                })
                .collect::<Vec<_>>(),
        ),
        MembersView::Share => {
            let entry = tiers
                .first()
                .map_or_else(|| t!("the entry tier"), |t| Cow::Borrowed(t.name.as_str()));
            let entry_now = over_time
                .last()
                .map(|(_, counts)| share(counts, 0))
                .unwrap_or(0.0);
            (
                "loyalty_members_share",
                t!("share of members in the upper tiers"),
                Axis::value(&t!("Share of all members"), Unit::Percent),
                t!(
                    "Share of all members (customers with a first purchase before the first day of each month) holding each tier above %{entry}; %{entry} holds the rest (%{share} on the as-of date)",
                    entry = entry,
                    share = Unit::Percent.format(entry_now)
                )
                .into_owned(),
                tiers
                    .iter()
                    .enumerate()
                    .skip(1)
                    .map(|(i, tier)| Series {
                        name: tier.name.clone(),
                        style: SeriesStyle::Line,
                        color: palette(i),
                        points: over_time
                            .iter()
                            .filter(|(_, counts)| counts.iter().sum::<u64>() > 0)
                            .map(|(d, counts)| [day(d), share(counts, i)])
                            .collect(),
                    })
                    .collect::<Vec<_>>(),
            )
        }
    };
    ChartSpec {
        id: id.into(),
        title: format!("{}: {title}", results.programme.name),
        caption: t!(
            "%{caption}, by the tier they hold on that day; the last point is the as-of date %{day} (the programme replayed from the order log).",
            caption = caption,
            day = format_day(results.as_of)
        )
        .into(),
        x: Axis::date(&t!("Month (members on its first day)")),
        y,
        series,
        heatmap: None,
    }
}

/// Tier `tier`'s share of all members; 0 before there are any.
fn share(counts: &[u64], tier: usize) -> f64 {
    let all: u64 = counts.iter().sum();
    if all == 0 {
        return 0.0;
    }
    counts.get(tier).copied().unwrap_or(0) as f64 / all as f64
}

/// Points earned and expired per month.
pub fn points_spec(results: &LoyaltyResults) -> ChartSpec {
    let points = |f: fn(&super::loyalty::MonthRow) -> f64| -> Vec<[f64; 2]> {
        results
            .months
            .iter()
            .map(|m| [days_since_epoch(m.month), f(m)])
            .collect()
    };
    ChartSpec {
        id: "loyalty_points".into(),
        title: format!("{}: {}", results.programme.name, t!("points per month")),
        caption: t!("Points credited (refunds subtracted), redeemed (oldest points first) and expired in each month.").into(),
        x: Axis::date(&t!("Month")),
        y: Axis::value(&t!("Points"), Unit::Count),
        series: vec![
            Series {
                name: t!("Earned").into(),
                style: SeriesStyle::Bars,
                color: palette(0),
                points: points(|m| m.earned),
            },
            Series {
                name: t!("Redeemed").into(),
                style: SeriesStyle::Bars,
                color: palette(2),
                points: points(|m| m.redeemed),
            },
            Series {
                name: t!("Expired").into(),
                style: SeriesStyle::Bars,
                color: palette(3),
                points: points(|m| m.expired),
            },
        ],
        heatmap: None,
    }
}

/// The liability at every month end.
pub fn liability_spec(results: &LoyaltyResults) -> ChartSpec {
    ChartSpec {
        id: "loyalty_liability".into(),
        title: format!("{}: {}", results.programme.name, t!("liability")),
        caption: if results.redemptions_from_data {
            t!(
                "Points outstanding at each month end × %{value} per point.",
                value = format_number(results.programme.point_value, 3)
            )
            .into()
        } else {
            t!(
                "Points outstanding at each month end × %{rate} expected redemption × %{value} per point (no redemptions in the data).",
                rate = Unit::Percent.format(results.programme.expected_redemption_rate),
                value = format_number(results.programme.point_value, 3)
            )
            .into()
        },
        x: Axis::date(&t!("Month end")),
        y: Axis::value(&t!("Liability"), Unit::Money),
        series: vec![Series {
            name: t!("Liability").into(),
            style: SeriesStyle::BoldLine,
            color: palette(1),
            points: results
                .months
                .iter()
                .map(|m| {
                    let end = m
                        .month
                        .checked_add_months(chrono::Months::new(1))
                        .unwrap_or(m.month);
                    [days_since_epoch(end), m.liability_at_end]
                })
                .collect(),
        }],
        heatmap: None,
    }
}

fn tier_name(results: &LoyaltyResults, tier: Option<usize>) -> String {
    tier.and_then(|t| results.programme.tiers.get(t))
        .map_or_else(|| "(not a member)".to_string(), |t| t.name.clone())
}

/// `loyalty_customers.csv`.
pub fn customers_frame(results: &LoyaltyResults) -> PolarsResult<DataFrame> {
    let mut rows: Vec<&super::loyalty::MemberPoints> = results.customers.iter().collect();
    rows.sort_unstable_by_key(|m| results.member_id(m));
    let floats = |f: fn(&super::loyalty::CustomerPoints) -> f64| {
        rows.iter().map(|m| f(&m.points)).collect::<Vec<_>>()
    };
    DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                crate::data::CUSTOMER_ID.into(),
                rows.iter()
                    .map(|m| results.member_id(m))
                    .collect::<Vec<_>>(),
            ),
            Column::new("points_earned".into(), floats(|p| p.earned)),
            Column::new("points_redeemed".into(), floats(|p| p.redeemed)),
            Column::new("points_expired".into(), floats(|p| p.expired)),
            Column::new("points_balance".into(), floats(|p| p.balance)),
            Column::new("qualifying_points".into(), floats(|p| p.qualifying)),
            Column::new(
                "tier".into(),
                rows.iter()
                    .map(|m| tier_name(results, m.points.tier))
                    .collect::<Vec<_>>(),
            ),
        ],
    )
}

/// `loyalty_tiers.csv`: one row per day and tier.
pub fn tiers_frame(results: &LoyaltyResults) -> PolarsResult<DataFrame> {
    let mut days = Vec::new();
    let mut tiers = Vec::new();
    let mut customers = Vec::new();
    for (day, counts) in &results.tiers_over_time {
        for (tier, count) in results.programme.tiers.iter().zip(counts) {
            days.push(day.format("%Y-%m-%d").to_string());
            tiers.push(tier.name.clone());
            customers.push(*count);
        }
    }
    DataFrame::new(
        days.len(),
        vec![
            Column::new("as_of".into(), days),
            Column::new("tier".into(), tiers),
            Column::new("customers".into(), customers),
        ],
    )
}

/// `loyalty_migration.csv`.
pub fn migration_frame(results: &LoyaltyResults) -> PolarsResult<DataFrame> {
    let m = &results.migration;
    DataFrame::new(
        m.len(),
        vec![
            Column::new(
                "from_tier".into(),
                m.iter()
                    .map(|cell| tier_name(results, cell.from))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "to_tier".into(),
                m.iter()
                    .map(|cell| tier_name(results, Some(cell.to)))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "customers".into(),
                m.iter().map(|cell| cell.members).collect::<Vec<_>>(),
            ),
        ],
    )
}
