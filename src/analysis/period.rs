//! Calendar periods as integer indices: days, ISO weeks (Monday start),
//! calendar months and quarters. Period k of a cohort is simply
//! `index − cohort index`, so months count calendar months.

use chrono::{Datelike, NaiveDate};
use rust_i18n::t;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

use crate::calendar::{day_from_number, day_number, month_index, month_start};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    Day,
    Week,
    #[default]
    Month,
    Quarter,
}

impl Granularity {
    pub const ALL: [Granularity; 4] = [
        Granularity::Day,
        Granularity::Week,
        Granularity::Month,
        Granularity::Quarter,
    ];

    pub fn label(self) -> Cow<'static, str> {
        match self {
            Granularity::Day => t!("Day"),
            Granularity::Week => t!("Week"),
            Granularity::Month => t!("Month"),
            Granularity::Quarter => t!("Quarter"),
        }
    }

    /// The noun inside a sentence: "by month".
    pub fn noun(self) -> Cow<'static, str> {
        match self {
            Granularity::Day => t!("day"),
            Granularity::Week => t!("week"),
            Granularity::Month => t!("month"),
            Granularity::Quarter => t!("quarter"),
        }
    }

    /// The plural inside a sentence: "12 months".
    pub fn nouns(self) -> Cow<'static, str> {
        match self {
            Granularity::Day => t!("days"),
            Granularity::Week => t!("weeks"),
            Granularity::Month => t!("months"),
            Granularity::Quarter => t!("quarters"),
        }
    }

    /// The x axis title of cohort charts.
    pub fn since_first_order(self) -> Cow<'static, str> {
        match self {
            Granularity::Day => t!("Days since first order"),
            Granularity::Week => t!("Weeks since first order"),
            Granularity::Month => t!("Months since first order"),
            Granularity::Quarter => t!("Quarters since first order"),
        }
    }

    pub fn parse(text: &str) -> Option<Granularity> {
        match text.trim().to_lowercase().as_str() {
            "day" | "daily" => Some(Granularity::Day),
            "week" | "weekly" => Some(Granularity::Week),
            "month" | "monthly" => Some(Granularity::Month),
            "quarter" | "quarterly" => Some(Granularity::Quarter),
            _ => None,
        }
    }

    /// The index of the period holding `day`.
    pub fn index_of_day(self, day: NaiveDate) -> i32 {
        match self {
            Granularity::Day => day_number(day),
            // 1970-01-01 was a Thursday: shifting by 3 puts Mondays on multiples of 7.
            Granularity::Week => (day_number(day) + 3).div_euclid(7),
            Granularity::Month => month_index(day),
            Granularity::Quarter => day.year() * 4 + day.month0() as i32 / 3,
        }
    }

    pub fn index_of(self, day_number: i32) -> i32 {
        match self {
            Granularity::Day => day_number,
            Granularity::Week => (day_number + 3).div_euclid(7),
            _ => self.index_of_day(day_from_number(day_number)),
        }
    }

    /// The first day of period `index`.
    pub fn start(self, index: i32) -> NaiveDate {
        match self {
            Granularity::Day => day_from_number(index),
            Granularity::Week => day_from_number(index * 7 - 3),
            Granularity::Month => month_start(index).unwrap_or_default(),
            Granularity::Quarter => {
                month_start(index.div_euclid(4) * 12 + index.rem_euclid(4) * 3).unwrap_or_default()
            }
        }
    }

    /// The first day after period `index`.
    pub fn end(self, index: i32) -> NaiveDate {
        self.start(index + 1)
    }

    /// How a period is named in tables: `2024-03-05`, `2024-W10`, `2024-03`, `2024-Q1`.
    pub fn label_of(self, index: i32) -> String {
        let start = self.start(index);
        match self {
            Granularity::Day => start.format("%Y-%m-%d").to_string(),
            Granularity::Week => {
                let week = start.iso_week();
                format!("{}-W{:02}", week.year(), week.week())
            }
            Granularity::Month => start.format("%Y-%m").to_string(),
            Granularity::Quarter => format!("{}-Q{}", start.year(), start.month0() / 3 + 1),
        }
    }
}

/// Period indices of a span of days, looked up instead of computed: the
/// analyses ask for the period of millions of orders, and a calendar
/// computation per order would cost more than the rest of their work.
pub struct PeriodTable {
    granularity: Granularity,
    first_day: i32,
    index: Vec<i32>,
}

impl PeriodTable {
    /// Days from `first_day` to `last_day` (inclusive) are looked up; other
    /// days are computed.
    pub fn new(granularity: Granularity, first_day: i32, last_day: i32) -> PeriodTable {
        let index = match granularity {
            Granularity::Day | Granularity::Week => Vec::new(),
            _ => (first_day..=last_day.max(first_day - 1))
                .map(|d| granularity.index_of(d))
                .collect(),
        };
        PeriodTable {
            granularity,
            first_day,
            index,
        }
    }

    /// The table for the days of `history`'s orders.
    pub fn for_history(granularity: Granularity, history: &super::history::History) -> PeriodTable {
        match history.day_range() {
            Some((first, last)) => PeriodTable::new(granularity, first, last),
            None => PeriodTable::new(granularity, 0, -1),
        }
    }

    #[inline]
    pub fn index_of(&self, day: i32) -> i32 {
        let found = usize::try_from(day.wrapping_sub(self.first_day))
            .ok()
            .and_then(|i| self.index.get(i));
        match found {
            Some(index) => *index,
            None => self.granularity.index_of(day),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn weeks_start_on_monday() {
        let g = Granularity::Week;
        let monday = d(2024, 3, 4);
        let sunday = d(2024, 3, 10);
        assert_eq!(g.index_of_day(monday), g.index_of_day(sunday));
        assert_eq!(g.index_of_day(sunday) + 1, g.index_of_day(d(2024, 3, 11)));
        assert_eq!(g.start(g.index_of_day(sunday)), monday);
        assert_eq!(g.label_of(g.index_of_day(monday)), "2024-W10");
        assert_eq!(g.label_of(g.index_of_day(d(2021, 1, 3))), "2020-W53");
    }

    #[test]
    fn months_and_quarters() {
        let m = Granularity::Month;
        assert_eq!(
            m.index_of_day(d(2024, 2, 1)) - m.index_of_day(d(2024, 1, 31)),
            1
        );
        assert_eq!(m.end(m.index_of_day(d(2024, 2, 10))), d(2024, 3, 1));
        let q = Granularity::Quarter;
        assert_eq!(q.start(q.index_of_day(d(2024, 8, 15))), d(2024, 7, 1));
        assert_eq!(q.label_of(q.index_of_day(d(2024, 12, 31))), "2024-Q4");
        assert_eq!(q.end(q.index_of_day(d(2024, 12, 31))), d(2025, 1, 1));
        assert_eq!(
            Granularity::Day.index_of(day_number(d(2024, 1, 1))),
            day_number(d(2024, 1, 1))
        );
    }

    #[test]
    fn tables_agree_with_the_calendar_inside_and_outside_their_span() {
        for g in Granularity::ALL {
            let first = day_number(d(2023, 12, 20));
            let table = PeriodTable::new(g, first, first + 100);
            for day in first - 50..first + 200 {
                assert_eq!(table.index_of(day), g.index_of(day), "{g:?} {day}");
            }
        }
    }
}
