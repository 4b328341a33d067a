//! Event logs (app or web usage) read through the same importer as an
//! order log: the user is the customer id, the event time the timestamp,
//! the event name one of the other columns.
//!
//! DAU on day d: distinct users with an event on d; WAU: in the 7 days
//! ending on d; MAU: in the 30 days ending on d; stickiness = DAU ÷ MAU.
//! Engagement score of a user: Σ over their events of the event name's
//! weight (1 unless set).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::*;
use serde::Serialize;

use super::metrics;
use crate::calendar::day_from_number;
use crate::data::Dataset;
use crate::data::roles::normalise_header;

const EVENT_HEADERS: [&str; 9] = [
    "event",
    "eventname",
    "eventtype",
    "action",
    "name",
    "ereignis",
    "aktion",
    "gebeurtenis",
    "evenement",
];

/// Every user's event days and event names.
#[derive(Clone, Debug, PartialEq)]
pub struct Events {
    pub event_column: Option<String>,
    /// Per user: (day, event name), by day.
    pub users: BTreeMap<String, Vec<(i32, String)>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct DayActivity {
    pub date: NaiveDate,
    pub dau: u64,
    pub wau: u64,
    pub mau: u64,
    pub stickiness: Option<f64>,
}

/// Reads an event log opened as a dataset; `event_column` overrides the
/// detection of the event-name column (events without one all count as
/// "event").
pub fn read(dataset: &Dataset, event_column: Option<&str>) -> Result<Events, String> {
    let frame = &dataset.orders;
    let column = match event_column {
        Some(c) if dataset.attributes.iter().any(|a| a == c) => Some(c.to_string()),
        Some(c) => {
            return Err(format!(
                "'{c}' is not a column of '{}'; columns: {}",
                dataset.report.source,
                dataset.attributes.join(", ")
            ));
        }
        None => dataset
            .attributes
            .iter()
            .find(|a| EVENT_HEADERS.contains(&normalise_header(a).as_str()))
            .cloned(),
    };
    let rows = super::history::row_customers_and_days(frame).map_err(|e| e.to_string())?;
    let names = match &column {
        Some(c) => Some(
            frame
                .column(c)
                .and_then(|c| c.cast(&DataType::String))
                .map_err(|e| e.to_string())?,
        ),
        None => None,
    };
    let names = match &names {
        Some(n) => Some(n.str().map_err(|e| e.to_string())?),
        None => None,
    };
    let mut users: BTreeMap<String, Vec<(i32, String)>> = BTreeMap::new();
    for (row, who_when) in rows.into_iter().enumerate() {
        let Some((id, day)) = who_when else {
            continue;
        };
        let name = names
            .and_then(|n| n.get(row))
            .unwrap_or("event")
            .to_string();
        users.entry(id.to_string()).or_default().push((day, name));
    }
    for events in users.values_mut() {
        events.sort();
    }
    Ok(Events {
        event_column: column,
        users,
    })
}

/// Users active in the `window_days` days ending on each day, for every
/// day from the first to the last event: each user adds one to the days
/// their active days' windows cover, overlapping windows merged.
fn active_in_window(events: &Events, first: i32, last: i32, window_days: i32) -> Vec<u64> {
    let span = (last - first + 1).max(0) as usize;
    let mut change = vec![0i64; span + 1];
    for days in events.users.values() {
        let mut covered_until: Option<i32> = None;
        let mut start: Option<i32> = None;
        for &(day, _) in days {
            let end = day + window_days - 1;
            match (start, covered_until) {
                (Some(_), Some(until)) if day <= until + 1 => covered_until = Some(until.max(end)),
                _ => {
                    if let (Some(s), Some(u)) = (start, covered_until) {
                        add_range(&mut change, first, last, s, u);
                    }
                    start = Some(day);
                    covered_until = Some(end);
                }
            }
        }
        if let (Some(s), Some(u)) = (start, covered_until) {
            add_range(&mut change, first, last, s, u);
        }
    }
    let mut running = 0i64;
    change[..span]
        .iter()
        .map(|c| {
            running += c;
            running.max(0) as u64
        })
        .collect()
}

fn add_range(change: &mut [i64], first: i32, last: i32, from: i32, until: i32) {
    let (from, until) = (from.max(first), until.min(last));
    if from > until {
        return;
    }
    if let Some(c) = change.get_mut((from - first) as usize) {
        *c += 1;
    }
    if let Some(c) = change.get_mut((until - first + 1) as usize) {
        *c -= 1;
    }
}

/// DAU, WAU, MAU and stickiness for every day from the first to the last event.
pub fn daily_activity(events: &Events) -> Vec<DayActivity> {
    let days = events
        .users
        .values()
        .flat_map(|d| d.iter().map(|(day, _)| *day));
    let (Some(first), Some(last)) = (days.clone().min(), days.max()) else {
        return Vec::new();
    };
    let dau = active_in_window(events, first, last, 1);
    let wau = active_in_window(events, first, last, 7);
    let mau = active_in_window(events, first, last, 30);
    (first..=last)
        .enumerate()
        .map(|(i, day)| DayActivity {
            date: day_from_number(day),
            dau: dau[i],
            wau: wau[i],
            mau: mau[i],
            stickiness: metrics::stickiness(dau[i], mau[i]),
        })
        .collect()
}

/// Per user: their events counted by name and the engagement score, for
/// events in [from, until) (all when `None`).
pub fn engagement(
    events: &Events,
    weights: &BTreeMap<String, f64>,
    window: Option<(i32, i32)>,
) -> Vec<(String, f64, BTreeMap<String, u64>)> {
    events
        .users
        .iter()
        .map(|(user, list)| {
            let mut counts: BTreeMap<String, u64> = BTreeMap::new();
            for (day, name) in list {
                if window.is_none_or(|(from, until)| *day >= from && *day < until) {
                    *counts.entry(name.clone()).or_default() += 1;
                }
            }
            let score = metrics::engagement_score(
                counts
                    .iter()
                    .map(|(name, n)| (*n, weights.get(name).copied().unwrap_or(1.0))),
            );
            (user.clone(), score, counts)
        })
        .collect()
}

/// `activity.csv`: one row per day.
pub fn activity_frame(rows: &[DayActivity]) -> PolarsResult<DataFrame> {
    DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                "date".into(),
                rows.iter()
                    .map(|r| r.date.format("%Y-%m-%d").to_string())
                    .collect::<Vec<_>>(),
            ),
            Column::new("dau".into(), rows.iter().map(|r| r.dau).collect::<Vec<_>>()),
            Column::new("wau".into(), rows.iter().map(|r| r.wau).collect::<Vec<_>>()),
            Column::new("mau".into(), rows.iter().map(|r| r.mau).collect::<Vec<_>>()),
            Column::new(
                "stickiness".into(),
                rows.iter().map(|r| r.stickiness).collect::<Vec<_>>(),
            ),
        ],
    )
}

/// `engagement.csv`: `user_id,score`, then one count column per event name.
pub fn engagement_frame(rows: &[(String, f64, BTreeMap<String, u64>)]) -> PolarsResult<DataFrame> {
    let names: std::collections::BTreeSet<&String> =
        rows.iter().flat_map(|(_, _, c)| c.keys()).collect();
    let mut columns = vec![
        Column::new(
            "user_id".into(),
            rows.iter().map(|(u, _, _)| u.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "score".into(),
            rows.iter().map(|(_, s, _)| *s).collect::<Vec<_>>(),
        ),
    ];
    for name in names {
        columns.push(Column::new(
            name.as_str().into(),
            rows.iter()
                .map(|(_, _, c)| c.get(name).copied().unwrap_or(0))
                .collect::<Vec<_>>(),
        ));
    }
    DataFrame::new(rows.len(), columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(log: &[(&str, i32, &str)]) -> Events {
        let mut users: BTreeMap<String, Vec<(i32, String)>> = BTreeMap::new();
        for (user, day, name) in log {
            users
                .entry(user.to_string())
                .or_default()
                .push((*day, name.to_string()));
        }
        Events {
            event_column: Some("event".into()),
            users,
        }
    }

    #[test]
    fn rolling_windows_count_each_user_once() {
        // A on days 0, 1 and 40; B on day 5 (twice); C on day 35.
        let e = events(&[
            ("A", 0, "open"),
            ("A", 1, "open"),
            ("B", 5, "buy"),
            ("B", 5, "open"),
            ("A", 40, "open"),
            ("C", 35, "open"),
        ]);
        let days = daily_activity(&e);
        assert_eq!(days.len(), 41);
        let at = |d: usize| (days[d].dau, days[d].wau, days[d].mau);
        assert_eq!(at(0), (1, 1, 1));
        assert_eq!(at(5), (1, 2, 2), "A's day 1 is within 7 days of day 5");
        assert_eq!(at(8), (0, 1, 2), "only B within days 2–8");
        assert_eq!(at(29), (0, 0, 2), "A's day 1 is 28 days back");
        assert_eq!(at(31), (0, 0, 1), "A left the 30-day window, B still in");
        assert_eq!(
            at(40),
            (1, 2, 2),
            "A and C (day 35) within 7 days; B's day 5 is 35 back"
        );
        assert_eq!(days[40].stickiness, Some(0.5));
    }

    #[test]
    fn engagement_weights_event_names() {
        let e = events(&[
            ("U", 0, "create project"),
            ("U", 1, "create project"),
            ("U", 2, "assign task"),
            ("U", 2, "assign task"),
            ("U", 3, "assign task"),
            ("U", 3, "complete task"),
            ("U", 4, "complete task"),
            ("U", 5, "complete task"),
            ("U", 6, "complete task"),
        ]);
        let weights: BTreeMap<String, f64> = [
            ("create project", 5.0),
            ("assign task", 4.0),
            ("complete task", 3.0),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let scores = engagement(&e, &weights, None);
        assert_eq!(scores[0].1, 34.0);
        let recent = engagement(&e, &weights, Some((3, 10)));
        assert_eq!(recent[0].1, 4.0 + 4.0 * 3.0);
    }
}
