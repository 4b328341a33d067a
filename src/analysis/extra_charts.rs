//! Charts of the event log, the survey and the subscription analyses.

use super::engagement::DayActivity;
use super::mrr::MrrMonth;
use super::survey::NpsCounts;
use crate::chart::spec::{days_since_epoch, palette};
use crate::chart::{Axis, ChartSpec, Series, SeriesStyle, Unit};
use chrono::NaiveDate;
use rust_i18n::t;

/// DAU, WAU and MAU per day.
pub fn activity_spec(days: &[DayActivity], source: &str) -> ChartSpec {
    let line = |name: &str, style, color, f: fn(&DayActivity) -> u64| Series {
        name: name.into(),
        style,
        color,
        points: days
            .iter()
            .map(|d| [days_since_epoch(d.date), f(d) as f64])
            .collect(),
    };
    ChartSpec {
        id: "active_users".into(),
        title: t!("Active users: DAU, WAU, MAU").into(),
        caption: t!(
            "Distinct users with an event on the day (DAU), in the 7 days (WAU) and in the 30 days (MAU) ending on it. Data: %{source}.",
            source = source
        )
        .into(),
        x: Axis::date(&t!("Day")),
        y: Axis::value(&t!("Users"), Unit::Count),
        series: vec![
            line("MAU", SeriesStyle::Line, palette(2), |d| d.mau),
            line("WAU", SeriesStyle::Line, palette(1), |d| d.wau),
            line("DAU", SeriesStyle::BoldLine, palette(0), |d| d.dau),
        ],
        heatmap: None,
    }
}

/// DAU ÷ MAU per day, with the 0.2 line of the metric catalogue.
pub fn stickiness_spec(days: &[DayActivity], source: &str) -> ChartSpec {
    let first = days
        .get(29)
        .or(days.first())
        .map_or(0.0, |d| days_since_epoch(d.date));
    let last = days.last().map_or(0.0, |d| days_since_epoch(d.date));
    ChartSpec {
        id: "stickiness".into(),
        title: t!("Stickiness: DAU ÷ MAU").into(),
        caption: t!(
            "Above 20 % counts as good engagement (metric catalogue). Shown from the 30th day on, once a month of events is in the MAU. Data: %{source}.",
            source = source
        )
        .into(),
        x: Axis::date(&t!("Day")),
        y: Axis::value("DAU ÷ MAU", Unit::Percent),
        series: vec![
            Series {
                name: t!("Stickiness").into(),
                style: SeriesStyle::BoldLine,
                color: palette(0),
                points: days
                    .iter()
                    .skip(29)
                    .filter_map(|d| Some([days_since_epoch(d.date), d.stickiness?]))
                    .collect(),
            },
            Series {
                name: t!("Good engagement (20 %)").into(),
                style: SeriesStyle::Line,
                color: palette(7),
                points: vec![[first, 0.2], [last, 0.2]],
            },
        ],
        heatmap: None,
    }
}

/// NPS per month (line) and the answers behind it (bars).
pub fn nps_spec(months: &[(NaiveDate, NpsCounts)], source: &str) -> ChartSpec {
    ChartSpec {
        id: "nps_per_month".into(),
        title: t!("Net Promoter Score per month").into(),
        caption: t!(
            "NPS = % promoters (9–10) − % detractors (0–6), from −100 to 100, per calendar month of the answers. Data: %{source}.",
            source = source
        )
        .into(),
        x: Axis::date(&t!("Month")),
        y: Axis::value("NPS", Unit::Decimal),
        series: vec![Series {
            name: "NPS".into(),
            style: SeriesStyle::BoldLine,
            color: palette(0),
            points: months
                .iter()
                .filter_map(|(m, c)| Some([days_since_epoch(*m), c.nps?]))
                .collect(),
        }],
        heatmap: None,
    }
}

/// MRR movements per month, stacked: gains up, losses down.
pub fn mrr_spec(months: &[MrrMonth], source: &str) -> ChartSpec {
    let bars = |name: &str, color, f: fn(&MrrMonth) -> f64| Series {
        name: name.into(),
        style: SeriesStyle::StackedBars,
        color,
        points: months
            .iter()
            .map(|m| [days_since_epoch(m.month), f(m)])
            .collect(),
    };
    ChartSpec {
        id: "mrr_movements".into(),
        title: t!("MRR movements per month").into(),
        caption: t!(
            "New, reactivated and expansion MRR upwards, contraction and churned MRR downwards; a customer's MRR in a month is what they paid in it. Data: %{source}.",
            source = source
        )
        .into(),
        x: Axis::date(&t!("Month")),
        y: Axis::value(&t!("MRR change"), Unit::Money),
        series: vec![
            bars(&t!("New"), palette(2), |m| m.new),
            bars(&t!("Reactivated"), palette(4), |m| m.reactivated),
            bars(&t!("Expansion"), palette(0), |m| m.expansion),
            bars(&t!("Contraction"), palette(1), |m| -m.contraction),
            bars(&t!("Churned"), palette(3), |m| -m.churned),
        ],
        heatmap: None,
    }
}

/// Users per range of engagement score (20 equal ranges).
pub fn score_distribution_spec(scores: &[(String, f64)], source: &str) -> ChartSpec {
    let high = scores.iter().map(|s| s.1).fold(0.0, f64::max);
    const BINS: usize = 20;
    let width = (high / BINS as f64).max(1e-9);
    let mut counts = [0u64; BINS];
    for (_, score) in scores {
        counts[((score / width) as usize).min(BINS - 1)] += 1;
    }
    ChartSpec {
        id: "engagement_scores".into(),
        title: t!("How engagement is spread over users").into(),
        caption: t!(
            "Users per range of engagement score (Σ of their events' weights). Data: %{source}.",
            source = source
        )
        .into(),
        x: Axis::value(&t!("Engagement score"), Unit::Count),
        y: Axis::value(&t!("Users"), Unit::Count),
        series: vec![Series {
            name: t!("Users").into(),
            style: SeriesStyle::Bars,
            color: palette(4),
            points: counts
                .iter()
                .enumerate()
                .map(|(i, n)| [(i as f64 + 0.5) * width, *n as f64])
                .collect(),
        }],
        heatmap: None,
    }
}
