//! A points programme with tiers, replayed order by order from the order
//! log: who holds which tier when, what they earned, what expired, what is
//! still owed.
//!
//! Replay rules (also in the README):
//! - Base points of an order = rounding(amount × points per currency unit);
//!   a refund removes base points the same way.
//! - Qualifying points at day d: base points earned in [d − 12 calendar
//!   months, d) (`rolling_12_months`); for `calendar_year` the tier at d is
//!   the higher of the tiers reached by the current year's points before d
//!   and by the whole previous year's points.
//! - Members at d: customers whose first purchase is before d.
//! - Tier at d: the highest tier whose minimum is at most the qualifying
//!   points. An order earns its base points × the multiplier of the tier held
//!   on the order's day, so an upgrade counts from the next order on.
//! - Points are kept in lots by the day they were earned; redemptions (from
//!   a column mapped to "points redeemed"), refunds and expiry take from the
//!   oldest lot first; a lot expires `expiry_months` calendar months after
//!   it was earned (0 = never). An order's redemption is taken before its
//!   own points are credited, and never more than the balance.

use rust_i18n::t;
use std::sync::Arc;

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::cancel::{Cancel, Cancelled};
use super::history::{Customer, CustomerIds, History};
use crate::calendar::{day_from_number, day_number};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    #[default]
    Floor,
    Round,
    None,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualification {
    #[default]
    #[serde(rename = "rolling_12_months")]
    Rolling12Months,
    CalendarYear,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub name: String,
    pub min_points: f64,
    #[serde(default = "one")]
    pub multiplier: f64,
}

fn one() -> f64 {
    1.0
}

/// A programme as written in its TOML file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Programme {
    pub name: String,
    pub points_per_currency: f64,
    #[serde(default)]
    pub rounding: Rounding,
    #[serde(default)]
    pub qualification: Qualification,
    /// Currency value of one redeemed point.
    pub point_value: f64,
    /// Points expire this many calendar months after being earned; 0 = never.
    #[serde(default)]
    pub expiry_months: u32,
    /// Share of outstanding points expected to be redeemed, for the liability.
    #[serde(default = "one")]
    pub expected_redemption_rate: f64,
    pub tiers: Vec<Tier>,
}

impl Default for Programme {
    /// The demo shop's programme.
    fn default() -> Self {
        Programme {
            name: "Demo Rewards".into(),
            points_per_currency: 1.0,
            rounding: Rounding::Floor,
            qualification: Qualification::Rolling12Months,
            point_value: 0.02,
            expiry_months: 24,
            expected_redemption_rate: 1.0,
            tiers: vec![
                Tier {
                    name: "Member".into(),
                    min_points: 0.0,
                    multiplier: 1.0,
                },
                Tier {
                    name: "Silver".into(),
                    min_points: 500.0,
                    multiplier: 1.25,
                },
                Tier {
                    name: "Gold".into(),
                    min_points: 1500.0,
                    multiplier: 1.5,
                },
            ],
        }
    }
}

/// Why a programme file cannot be used, with where to look.
#[derive(Debug, PartialEq)]
pub enum ProgrammeError {
    Syntax { line: usize, message: String },
    Invalid { field: String, problem: String },
}

impl std::fmt::Display for ProgrammeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&match self {
            ProgrammeError::Syntax { line, message } => t!(
                "the programme file is not valid TOML at line %{line}: %{message}",
                line = line,
                message = message
            ),
            ProgrammeError::Invalid { field, problem } => t!(
                "the programme's '%{field}' %{problem}",
                field = field,
                problem = problem
            ),
        })
    }
}

impl std::error::Error for ProgrammeError {}

impl Programme {
    pub fn parse(text: &str) -> Result<Programme, ProgrammeError> {
        let programme: Programme = toml::from_str(text).map_err(|e| ProgrammeError::Syntax {
            // Counted on bytes: a span never needs to fall on a character
            // boundary for this to be safe.
            line: e.span().map_or(0, |span| {
                let before = text.as_bytes().get(..span.start).unwrap_or(text.as_bytes());
                before.iter().filter(|b| **b == b'\n').count() + 1
            }),
            message: e.message().to_string(),
        })?;
        programme.validate()?;
        Ok(programme)
    }

    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    pub fn validate(&self) -> Result<(), ProgrammeError> {
        let invalid = |field: &str, problem: &str| ProgrammeError::Invalid {
            field: field.to_string(),
            problem: problem.to_string(),
        };
        for (field, value) in [
            ("points_per_currency", self.points_per_currency),
            ("point_value", self.point_value),
            ("expected_redemption_rate", self.expected_redemption_rate),
        ] {
            if !value.is_finite() || value < 0.0 {
                return Err(invalid(field, &t!("must be a number of 0 or more")));
            }
        }
        if self.expected_redemption_rate > 1.0 {
            return Err(invalid(
                "expected_redemption_rate",
                &t!("must be at most 1 (100 %)"),
            ));
        }
        let Some(first) = self.tiers.first() else {
            return Err(invalid("tiers", &t!("needs at least one [[tiers]] entry")));
        };
        if first.min_points != 0.0 {
            return Err(invalid(
                "tiers",
                &t!("must start with a tier from 0 points, so that every member has a tier"),
            ));
        }
        for (i, tier) in self.tiers.iter().enumerate() {
            let field = format!("tiers[{}] ({})", i + 1, tier.name);
            if !tier.min_points.is_finite() || tier.min_points < 0.0 {
                return Err(invalid(&field, &t!("needs a min_points of 0 or more")));
            }
            if !tier.multiplier.is_finite() || tier.multiplier < 0.0 {
                return Err(invalid(&field, &t!("needs a multiplier of 0 or more")));
            }
            if i > 0 && tier.min_points <= self.tiers[i - 1].min_points {
                return Err(invalid(
                    &field,
                    &t!(
                        "must have a higher min_points than the tier before it (tiers go from lowest to highest)"
                    ),
                ));
            }
        }
        Ok(())
    }

    fn base_points(&self, amount: f64) -> f64 {
        let raw = amount.abs() * self.points_per_currency;
        let rounded = match self.rounding {
            Rounding::Floor => raw.floor(),
            Rounding::Round => raw.round(),
            Rounding::None => raw,
        };
        rounded.copysign(amount)
    }

    /// The index of the highest tier reached with `points`.
    pub fn tier_for(&self, points: f64) -> usize {
        self.tiers
            .iter()
            .rposition(|t| t.min_points <= points)
            .unwrap_or(0)
    }
}

/// One customer's points at a day.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CustomerPoints {
    pub earned: f64,
    pub redeemed: f64,
    pub expired: f64,
    pub balance: f64,
    pub qualifying: f64,
    /// Index into the programme's tiers; `None` for non-members.
    pub tier: Option<usize>,
}

/// A customer's replayed programme: every order's points, ready to be
/// asked about any day.
pub struct Replay<'a> {
    programme: &'a Programme,
    /// By day.
    orders: Vec<ReplayedOrder>,
    /// Base points of the orders before each order (and of all of them
    /// last), so that any window's sum is two binary searches.
    base_before: Vec<f64>,
    first_purchase_day: Option<i32>,
    days: Option<&'a DayTable>,
}

/// One order's points in a replay.
#[derive(Clone, Copy, Debug)]
struct ReplayedOrder {
    day: i32,
    /// Points before the tier's multiplier: what qualifies for tiers.
    base: f64,
    /// Points credited: base × the multiplier of the tier held that day.
    credited: f64,
    redeemed: f64,
}

/// The orders that qualify on a day, for days asked in ascending order:
/// both ends only move forward, so a replay's qualifying points cost one
/// pass over its orders instead of two binary searches a day.
#[derive(Default)]
struct QualifyingWindow {
    /// The first order on or after the window's first day.
    start: usize,
    /// The first order on or after the day asked about.
    end: usize,
}

impl QualifyingWindow {
    /// `replay.qualifying_points(day)`, for `day` at or after the last one asked.
    fn points(&mut self, replay: &Replay<'_>, day: i32) -> f64 {
        let from = replay.qualifying_from(day);
        let orders = &replay.orders;
        while orders.get(self.end).is_some_and(|o| o.day < day) {
            self.end += 1;
        }
        while orders.get(self.start).is_some_and(|o| o.day < from) {
            self.start += 1;
        }
        replay.base_points_of_orders(self.start, self.end)
    }
}

/// Calendar arithmetic done once per day of the data instead of once per
/// customer: the day 12 months before, and the day a lot earned then
/// expires.
pub struct DayTable {
    first: i32,
    twelve_months_back: Vec<i32>,
    expires_on: Vec<i32>,
}

impl DayTable {
    pub fn new(first: i32, last: i32, expiry_months: u32) -> DayTable {
        let days = first..=last.max(first);
        DayTable {
            first,
            twelve_months_back: days.clone().map(|d| months_back(d, 12)).collect(),
            expires_on: days
                .map(|d| {
                    if expiry_months == 0 {
                        i32::MAX
                    } else {
                        months_ahead(d, expiry_months)
                    }
                })
                .collect(),
        }
    }

    fn lookup(table: &[i32], first: i32, day: i32) -> Option<i32> {
        usize::try_from(day - first)
            .ok()
            .and_then(|i| table.get(i).copied())
    }
}

/// The first day whose orders count towards the qualifying points on `day`.
fn qualifying_from(programme: &Programme, days: Option<&DayTable>, day: i32) -> i32 {
    match programme.qualification {
        Qualification::Rolling12Months => days
            .and_then(|t| DayTable::lookup(&t.twelve_months_back, t.first, day))
            .unwrap_or_else(|| months_back(day, 12)),
        Qualification::CalendarYear => year_start(day, 0),
    }
}

fn months_back(day: i32, months: u32) -> i32 {
    let date = day_from_number(day);
    day_number(date.checked_sub_months(Months::new(months)).unwrap_or(date))
}

fn months_ahead(day: i32, months: u32) -> i32 {
    let date = day_from_number(day);
    day_number(date.checked_add_months(Months::new(months)).unwrap_or(date))
}

fn year_start(day: i32, years_back: i32) -> i32 {
    let year = day_from_number(day).year() - years_back;
    NaiveDate::from_ymd_opt(year, 1, 1).map_or(day, day_number)
}

impl<'a> Replay<'a> {
    pub fn new(programme: &'a Programme, customer: &Customer<'_>) -> Replay<'a> {
        Replay::with_days(programme, customer, None)
    }

    /// As `new`, with the calendar arithmetic looked up in `days`.
    pub fn with_days(
        programme: &'a Programme,
        customer: &Customer<'_>,
        days: Option<&'a DayTable>,
    ) -> Replay<'a> {
        // Base points do not depend on tiers, so they come first; each
        // order's multiplier then depends only on the orders before its day.
        let orders: Vec<ReplayedOrder> = customer
            .orders
            .iter()
            .enumerate()
            .map(|(i, o)| ReplayedOrder {
                day: o.day,
                base: programme.base_points(o.amount),
                credited: 0.0,
                redeemed: customer.points_redeemed(i).max(0.0),
            })
            .collect();
        let mut base_before = Vec::with_capacity(orders.len() + 1);
        let mut running = 0.0;
        base_before.push(running);
        for order in &orders {
            running += order.base;
            base_before.push(running);
        }
        let mut replay = Replay {
            programme,
            orders,
            base_before,
            first_purchase_day: customer.first_purchase_day(),
            days,
        };
        let mut window = QualifyingWindow::default();
        for i in 0..replay.orders.len() {
            let order = replay.orders[i];
            let qualifying = window.points(&replay, order.day);
            let multiplier = replay
                .tier_with(order.day, qualifying)
                .and_then(|t| programme.tiers.get(t))
                .map_or(1.0, |t| t.multiplier);
            replay.orders[i].credited = order.base * multiplier;
        }
        replay
    }

    fn qualifying_from(&self, day: i32) -> i32 {
        qualifying_from(self.programme, self.days, day)
    }

    fn base_points_between(&self, from: i32, until: i32) -> f64 {
        self.base_points_of_orders(
            self.orders.partition_point(|o| o.day < from),
            self.orders.partition_point(|o| o.day < until),
        )
    }

    /// Base points of the orders from position `start` up to `end`.
    fn base_points_of_orders(&self, start: usize, end: usize) -> f64 {
        match (
            self.base_before.get(end.max(start)),
            self.base_before.get(start),
        ) {
            // + 0.0 turns the −0 of equal sums into 0 for the CSV.
            (Some(to), Some(from)) => to - from + 0.0,
            _ => 0.0,
        }
    }

    /// Qualifying points at `day` under the rolling rule, or this year's
    /// points before `day` under the calendar-year rule.
    pub fn qualifying_points(&self, day: i32) -> f64 {
        self.base_points_between(self.qualifying_from(day), day)
    }

    /// The tier held on `day`; `None` before the first purchase.
    pub fn tier_at(&self, day: i32) -> Option<usize> {
        self.tier_with(day, self.qualifying_points(day))
    }

    /// The tier on `day` given its qualifying points.
    fn tier_with(&self, day: i32, qualifying: f64) -> Option<usize> {
        if self.first_purchase_day.is_none_or(|first| first >= day) {
            return None;
        }
        let current = self.programme.tier_for(qualifying);
        Some(match self.programme.qualification {
            Qualification::Rolling12Months => current,
            Qualification::CalendarYear => {
                let last_year = self.base_points_between(year_start(day, 1), year_start(day, 0));
                current.max(self.programme.tier_for(last_year))
            }
        })
    }

    /// Points earned, expired and still held before `day`.
    pub fn points_at(&self, day: i32) -> CustomerPoints {
        let mut total = PointTotals::default();
        let balance = self.changes(day, |_, change| total.add(&change));
        self.points_with(day, &total, balance)
    }

    /// The points at `day` given the changes before it and the balance.
    fn points_with(&self, day: i32, total: &PointTotals, balance: f64) -> CustomerPoints {
        let qualifying = self.qualifying_points(day);
        CustomerPoints {
            earned: total.earned,
            redeemed: total.redeemed,
            expired: total.expired,
            // An empty float sum is −0; + 0.0 writes it as 0.
            balance: balance + 0.0,
            qualifying,
            tier: self.tier_with(day, qualifying),
        }
    }

    /// Walks the points through the orders before `until` and the lots
    /// expiring on or before it, calling `change(shown_from, change)` for
    /// each change with the first day it shows in (an order's the day
    /// after it, an expiry's its own day), in the order they happen.
    /// Returns the points still held at `until`.
    fn changes(&self, until: i32, mut change: impl FnMut(i32, PointTotals)) -> f64 {
        let expiry = self.programme.expiry_months;
        // Lots: (first day they are expired, points left), oldest first.
        let mut lots: std::collections::VecDeque<(i32, f64)> = Default::default();
        fn expire_until(
            lots: &mut std::collections::VecDeque<(i32, f64)>,
            until: i32,
            change: &mut impl FnMut(i32, PointTotals),
        ) {
            while let Some(&(expires_on, left)) = lots.front() {
                if expires_on > until {
                    break;
                }
                change(
                    expires_on,
                    PointTotals {
                        expired: left,
                        outstanding: -left,
                        ..PointTotals::default()
                    },
                );
                lots.pop_front();
            }
        }
        // Takes up to `points` from the oldest lots; returns what it took.
        let take_oldest = |lots: &mut std::collections::VecDeque<(i32, f64)>, points: f64| {
            let mut owed = points;
            while owed > 0.0 {
                let Some(front) = lots.front_mut() else { break };
                let taken = front.1.min(owed);
                front.1 -= taken;
                owed -= taken;
                if front.1 <= 0.0 {
                    lots.pop_front();
                }
            }
            points - owed
        };
        for order in self.orders.iter().take_while(|o| o.day < until) {
            expire_until(&mut lots, order.day, &mut change);
            let mut effect = PointTotals::default();
            if order.redeemed > 0.0 {
                let taken = take_oldest(&mut lots, order.redeemed);
                effect.redeemed = taken;
                effect.outstanding -= taken;
            }
            effect.earned = order.credited;
            if order.credited >= 0.0 {
                let expires_on = if expiry == 0 {
                    i32::MAX
                } else {
                    self.days
                        .and_then(|t| DayTable::lookup(&t.expires_on, t.first, order.day))
                        .unwrap_or_else(|| months_ahead(order.day, expiry))
                };
                lots.push_back((expires_on, order.credited));
                effect.outstanding += order.credited;
            } else {
                // A refund takes its points back from the oldest lots.
                effect.outstanding -= take_oldest(&mut lots, -order.credited);
            }
            change(order.day + 1, effect);
        }
        expire_until(&mut lots, until, &mut change);
        lots.iter().map(|(_, p)| p).sum::<f64>()
    }
}

/// Month by month: points earned and expired in the month, and the points
/// outstanding and members per tier at its end.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MonthRow {
    /// First day of the month.
    pub month: NaiveDate,
    pub earned: f64,
    pub redeemed: f64,
    pub expired: f64,
    pub outstanding_at_end: f64,
    pub liability_at_end: f64,
}

/// Members who held tier `from` (`None`: not a member yet) at the start of
/// the migration window and tier `to` at its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MigrationCell {
    pub from: Option<usize>,
    pub to: usize,
    pub members: u64,
}

/// For ascending days, the position of the first one on or after any day:
/// a table lookup for the days of the data instead of a binary search for
/// each of millions of orders.
struct FirstOnOrAfter<'a> {
    days: &'a [i32],
    first_day: i32,
    positions: Vec<u32>,
}

impl<'a> FirstOnOrAfter<'a> {
    /// Looks up the days `range.0..=range.1`; others are searched.
    fn new(days: &'a [i32], range: (i32, i32)) -> FirstOnOrAfter<'a> {
        let mut position = 0;
        let positions = (range.0..=range.1)
            .map(|day| {
                while days.get(position).is_some_and(|&d| d < day) {
                    position += 1;
                }
                position as u32
            })
            .collect();
        FirstOnOrAfter {
            days,
            first_day: range.0,
            positions,
        }
    }

    fn position(&self, day: i32) -> usize {
        usize::try_from(day - self.first_day)
            .ok()
            .and_then(|i| self.positions.get(i))
            .map_or_else(|| self.days.partition_point(|&d| d < day), |&p| p as usize)
    }
}

/// Points of all members at one checkpoint.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct PointTotals {
    earned: f64,
    expired: f64,
    outstanding: f64,
    redeemed: f64,
}

impl PointTotals {
    fn add(&mut self, other: &PointTotals) {
        self.earned += other.earned;
        self.expired += other.expired;
        self.outstanding += other.outstanding;
        self.redeemed += other.redeemed;
    }
}

/// Customers are replayed in this many fixed parts, one after the other
/// within a part, and the parts' sums added in order, so that sums of
/// points never depend on how many cores there are.
const PARTS: usize = 8;

/// The programme replayed over every customer.
#[derive(Clone, Debug, PartialEq)]
pub struct LoyaltyResults {
    pub programme: Programme,
    pub as_of: NaiveDate,
    /// Points as of the as-of date, members only, in the log's order.
    pub customers: Vec<MemberPoints>,
    /// The log's customer ids, for the members'.
    pub ids: Arc<CustomerIds>,
    /// The first day of every month in the data, then the as-of date, with
    /// the members per tier on that day.
    pub tiers_over_time: Vec<(NaiveDate, Vec<u64>)>,
    /// Members at the window's end by their tier then and at its start.
    pub migration: Vec<MigrationCell>,
    pub migration_window: (NaiveDate, NaiveDate),
    pub months: Vec<MonthRow>,
    /// Whether redemptions came from the data; otherwise the liability
    /// uses the programme's expected redemption rate.
    pub redemptions_from_data: bool,
    pub summary: LoyaltySummary,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LoyaltySummary {
    pub members: u64,
    pub members_per_tier: Vec<(String, u64)>,
    pub points_earned: f64,
    pub points_redeemed: f64,
    pub points_expired: f64,
    pub points_outstanding: f64,
    /// Outstanding points × point value (× the expected redemption rate
    /// when redemptions are not in the data).
    pub liability: f64,
    /// Expired ÷ earned points.
    pub breakage: Option<f64>,
    /// Redeemed points × point value ÷ revenue.
    pub reward_cost_share: Option<f64>,
    /// Earned points × expected redemption rate × point value ÷ revenue:
    /// what the points cost once redeemed as expected.
    pub expected_reward_cost_share: Option<f64>,
    pub revenue: f64,
}

/// A member's points as of the as-of date.
#[derive(Clone, Debug, PartialEq)]
pub struct MemberPoints {
    /// The member's index in the order log.
    pub customer: u32,
    pub points: CustomerPoints,
}

impl LoyaltyResults {
    pub fn member_id(&self, member: &MemberPoints) -> &str {
        self.ids.get(member.customer)
    }

    /// The liability weighed by who will come back: each member's
    /// outstanding points × their P(alive) from the purchase model (found
    /// by the customer's index in the log) × the value per point. Members
    /// the model does not know count in full.
    pub fn expected_liability(&self, p_alive_of: impl Fn(u32) -> Option<f64>) -> f64 {
        let per_point = liability_per_point(&self.programme, self.redemptions_from_data);
        self.customers
            .iter()
            .map(|m| m.points.balance * p_alive_of(m.customer).unwrap_or(1.0) * per_point)
            .sum()
    }
}

/// The expected liability with each member's P(alive) from the purchase
/// model's fit (`LoyaltyResults::expected_liability`).
pub fn expected_liability_with(loyalty: &LoyaltyResults, fit: &super::clv::ModelFit) -> f64 {
    let size = fit
        .rows
        .iter()
        .map(|r| r.customer as usize + 1)
        .max()
        .unwrap_or(0);
    let mut p_alive = vec![f64::NAN; size];
    for row in &fit.rows {
        p_alive[row.customer as usize] = row.p_alive;
    }
    loyalty.expected_liability(|c| p_alive.get(c as usize).copied().filter(|p| p.is_finite()))
}

/// What one outstanding point is owed: its value, times the expected
/// redemption rate when redemptions are not in the data.
fn liability_per_point(programme: &Programme, redemptions_from_data: bool) -> f64 {
    if redemptions_from_data {
        programme.point_value
    } else {
        programme.expected_redemption_rate * programme.point_value
    }
}

/// The migration window the report uses: the 12 months before the as-of date.
pub fn default_migration_window(as_of: NaiveDate) -> (NaiveDate, NaiveDate) {
    (
        as_of.checked_sub_months(Months::new(12)).unwrap_or(as_of),
        as_of,
    )
}

/// Replays `programme` over every customer's orders before `as_of`.
pub fn replay(
    programme: &Programme,
    history: &History,
    as_of: NaiveDate,
    redemptions_from_data: bool,
    migration_window: (NaiveDate, NaiveDate),
    cancel: &Cancel,
) -> Result<LoyaltyResults, Cancelled> {
    use rayon::prelude::*;
    let as_of_day = day_number(as_of);
    let first_day = history
        .customers()
        .filter_map(|c| c.first_purchase_day())
        .min()
        .unwrap_or(as_of_day);
    let mut month_starts: Vec<i32> = Vec::new();
    let mut month = day_from_number(first_day).with_day(1).unwrap_or(as_of);
    while day_number(month) < as_of_day {
        month_starts.push(day_number(month));
        month = month.checked_add_months(Months::new(1)).unwrap_or(as_of);
    }
    // Month ends are the next month's first day (or the as-of date).
    let mut checkpoints: Vec<i32> = month_starts.clone();
    checkpoints.push(as_of_day);
    let tiers = programme.tiers.len();
    let (migration_from, migration_to) = (
        day_number(migration_window.0),
        day_number(migration_window.1),
    );
    let last_day = history
        .customers()
        .filter_map(|c| c.orders.last().map(|o| o.day))
        .max()
        .unwrap_or(as_of_day)
        .max(as_of_day)
        .max(migration_to);
    let table = DayTable::new(
        first_day.min(migration_from),
        last_day,
        programme.expiry_months,
    );
    // Each customer's points and tier change at a few checkpoints only (an
    // order, an expiry, an order leaving the qualifying window), so the
    // parts add up changes per checkpoint, summed over time at the end,
    // instead of every customer's state at every checkpoint.
    let window_starts: Vec<i32> = checkpoints
        .iter()
        .map(|&day| qualifying_from(programme, Some(&table), day))
        .collect();
    let range = (first_day.min(migration_from), last_day + 1);
    let counted_from = FirstOnOrAfter::new(&checkpoints, range);
    let window_passed = FirstOnOrAfter::new(&window_starts, range);
    // Under the calendar-year rule last year's points count until a year ends.
    let year_ends: Vec<usize> = match programme.qualification {
        Qualification::Rolling12Months => Vec::new(),
        Qualification::CalendarYear => (1..checkpoints.len())
            .filter(|&k| year_start(checkpoints[k], 0) != year_start(checkpoints[k - 1], 0))
            .collect(),
    };
    /// What the customers of one part add up to.
    struct Sums {
        /// Members joining (+1) and leaving (−1) each tier, per checkpoint
        /// then tier.
        tier_changes: Vec<i64>,
        /// Changes of the points totals per checkpoint.
        changes: Vec<PointTotals>,
        migration: std::collections::BTreeMap<(Option<usize>, usize), u64>,
        revenue: f64,
        customers: Vec<MemberPoints>,
        /// The checkpoints where one customer's tier may change.
        candidates: Vec<usize>,
    }
    let empty = || Sums {
        tier_changes: vec![0; checkpoints.len() * tiers],
        changes: vec![PointTotals::default(); checkpoints.len()],
        migration: Default::default(),
        revenue: 0.0,
        customers: Vec::new(),
        candidates: Vec::new(),
    };
    let add_customer = |sums: &mut Sums, c: Customer<'_>| {
        let r = Replay::with_days(programme, &c, Some(&table));
        let mut own = PointTotals::default();
        let balance = r.changes(as_of_day, |shown_from, change| {
            own.add(&change);
            let k = counted_from.position(shown_from);
            if let Some(total) = sums.changes.get_mut(k) {
                total.add(&change);
            }
        });
        // A tier can change where an order enters or leaves the window.
        sums.candidates.clear();
        for order in &r.orders {
            sums.candidates.push(counted_from.position(order.day + 1));
            sums.candidates.push(window_passed.position(order.day + 1));
        }
        sums.candidates.extend(&year_ends);
        sums.candidates.sort_unstable();
        sums.candidates.dedup();
        let mut window = QualifyingWindow::default();
        let mut held: Option<usize> = None;
        for &k in &sums.candidates {
            let Some(&day) = checkpoints.get(k) else {
                break;
            };
            let tier = r.tier_with(day, window.points(&r, day));
            if tier != held {
                for (t, step) in [(held, -1), (tier, 1)] {
                    if let Some(slot) = t.and_then(|t| sums.tier_changes.get_mut(k * tiers + t)) {
                        *slot += step;
                    }
                }
                held = tier;
            }
        }
        if let (from, Some(to)) = (r.tier_at(migration_from), r.tier_at(migration_to)) {
            *sums.migration.entry((from, to)).or_default() += 1;
        }
        sums.revenue += c
            .orders
            .iter()
            .filter(|o| o.day < as_of_day)
            .map(|o| o.amount)
            .sum::<f64>();
        sums.customers.push(MemberPoints {
            customer: c.index,
            points: r.points_with(as_of_day, &own, balance),
        });
    };
    let per_part = history.len().div_ceil(PARTS).max(1);
    let parts: Vec<Result<Sums, Cancelled>> = (0..PARTS)
        .into_par_iter()
        .map(|part| {
            let mut sums = empty();
            let first = (part * per_part).min(history.len());
            let last = (first + per_part).min(history.len());
            for i in first..last {
                if i % 1024 == 0 {
                    cancel.check()?;
                }
                let c = history.customer(i);
                if c.first_purchase_day().is_some_and(|d| d < as_of_day) {
                    add_customer(&mut sums, c);
                }
            }
            Ok(sums)
        })
        .collect();
    let mut sums = empty();
    for part in parts {
        let b = part?;
        for (x, y) in sums.tier_changes.iter_mut().zip(b.tier_changes) {
            *x += y;
        }
        for (x, y) in sums.changes.iter_mut().zip(b.changes) {
            x.add(&y);
        }
        for (key, n) in b.migration {
            *sums.migration.entry(key).or_default() += n;
        }
        sums.revenue += b.revenue;
        sums.customers.extend(b.customers);
    }
    let mut members = vec![0i64; tiers];
    let tiers_over_time: Vec<(NaiveDate, Vec<u64>)> = checkpoints
        .iter()
        .zip(sums.tier_changes.chunks(tiers.max(1)))
        .map(|(d, changes)| {
            for (n, change) in members.iter_mut().zip(changes) {
                *n += change;
            }
            let counts = members.iter().map(|&n| n.max(0) as u64).collect();
            (day_from_number(*d), counts)
        })
        .collect();
    let mut running = PointTotals::default();
    let totals: Vec<PointTotals> = sums
        .changes
        .iter()
        .map(|change| {
            running.add(change);
            running
        })
        .collect();
    let migration = sums.migration;
    let rate_value = liability_per_point(programme, redemptions_from_data);
    let months: Vec<MonthRow> = month_starts
        .iter()
        .enumerate()
        .map(|(i, &start)| {
            let change = sums.changes[i + 1];
            let after = totals[i + 1];
            MonthRow {
                month: day_from_number(start),
                earned: change.earned,
                redeemed: change.redeemed,
                expired: change.expired,
                outstanding_at_end: after.outstanding,
                liability_at_end: after.outstanding * rate_value,
            }
        })
        .collect();
    let last = totals.last().copied().unwrap_or_default();
    let revenue = sums.revenue;
    let customers_now = sums.customers;
    let now = tiers_over_time
        .last()
        .map(|(_, counts)| counts.clone())
        .unwrap_or_default();
    let share = |value: f64| (revenue > 0.0).then(|| value / revenue);
    let summary = LoyaltySummary {
        members: customers_now.len() as u64,
        members_per_tier: programme
            .tiers
            .iter()
            .map(|t| t.name.clone())
            .zip(now)
            .collect(),
        points_earned: last.earned,
        points_redeemed: last.redeemed,
        points_expired: last.expired,
        points_outstanding: last.outstanding,
        liability: last.outstanding * rate_value,
        breakage: (last.earned > 0.0).then(|| last.expired / last.earned),
        reward_cost_share: share(last.redeemed * programme.point_value),
        expected_reward_cost_share: share(
            last.earned * programme.expected_redemption_rate * programme.point_value,
        ),
        revenue,
    };
    Ok(LoyaltyResults {
        programme: programme.clone(),
        as_of,
        customers: customers_now,
        ids: history.ids().clone(),
        tiers_over_time,
        migration: migration
            .into_iter()
            .map(|((from, to), members)| MigrationCell { from, to, members })
            .collect(),
        months,
        migration_window,
        redemptions_from_data,
        summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> i32 {
        day_number(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    /// An order given as (day, amount, points redeemed).
    type PointsOrder = (i32, f64, f64);

    /// Customers with their orders.
    fn history(customers: &[(&str, &[PointsOrder])]) -> History {
        use crate::analysis::history::{CustomerIds, HistoryBuilder, Order};
        let ids = CustomerIds::from_texts(customers.iter().map(|(id, _)| *id));
        let mut builder = HistoryBuilder::new(std::sync::Arc::new(ids), true);
        for (i, (_, orders)) in customers.iter().enumerate() {
            let list: Vec<Order> = orders
                .iter()
                .map(|&(day, amount, _)| Order {
                    day,
                    row: 0,
                    amount,
                })
                .collect();
            let points: Vec<f64> = orders.iter().map(|o| o.2).collect();
            builder.push(i as u32, &list, Some(&points));
        }
        builder.finish()
    }

    /// One customer with orders given as (day, amount).
    fn customer(orders: &[(i32, f64)]) -> History {
        let orders: Vec<(i32, f64, f64)> = orders.iter().map(|&(d, a)| (d, a, 0.0)).collect();
        history(&[("C", &orders)])
    }

    #[test]
    fn crossing_a_threshold_mid_window_upgrades_from_the_next_order() {
        let p = Programme::default();
        let c = customer(&[
            (day(2024, 1, 10), 300.99),
            (day(2024, 3, 5), 250.0),
            (day(2024, 4, 1), 100.0),
        ]);
        let r = Replay::new(&p, &c.customer(0));
        // 300 + 250 = 550 base points before 1 April: Silver from 6 March.
        assert_eq!(
            r.tier_at(day(2024, 3, 5)),
            Some(0),
            "the order's own points count from the next day"
        );
        assert_eq!(r.tier_at(day(2024, 3, 6)), Some(1));
        let at = r.points_at(day(2024, 4, 2));
        // 300 × 1 + 250 × 1 (Member on 5 March) + 100 × 1.25 (Silver).
        assert_eq!(at.earned, 675.0);
        assert_eq!(at.qualifying, 650.0);
        assert_eq!(at.tier, Some(1));
    }

    #[test]
    fn points_leave_the_rolling_window() {
        let p = Programme::default();
        let c = customer(&[(day(2024, 1, 10), 600.0)]);
        let r = Replay::new(&p, &c.customer(0));
        assert_eq!(
            r.tier_at(day(2025, 1, 10)),
            Some(1),
            "still in [d − 12 months, d)"
        );
        assert_eq!(r.tier_at(day(2025, 1, 11)), Some(0));
    }

    #[test]
    fn calendar_year_status_holds_through_the_next_year() {
        let p = Programme {
            qualification: Qualification::CalendarYear,
            ..Programme::default()
        };
        let c = customer(&[(day(2024, 11, 1), 1600.0), (day(2025, 6, 1), 10.0)]);
        let r = Replay::new(&p, &c.customer(0));
        assert_eq!(r.tier_at(day(2024, 12, 31)), Some(2));
        assert_eq!(
            r.tier_at(day(2025, 12, 31)),
            Some(2),
            "2024's points hold Gold through 2025"
        );
        assert_eq!(
            r.tier_at(day(2026, 1, 1)),
            Some(0),
            "2025's 10 points are Member"
        );
        // The June 2025 order earns with Gold's multiplier.
        assert_eq!(r.points_at(day(2025, 7, 1)).earned, 1600.0 + 15.0);
    }

    #[test]
    fn points_expire_and_refunds_take_from_the_oldest_lot() {
        let p = Programme {
            expiry_months: 6,
            ..Programme::default()
        };
        let c = customer(&[
            (day(2024, 1, 15), 100.0),
            (day(2024, 3, 1), 50.0),
            (day(2024, 4, 1), -30.0),
        ]);
        let r = Replay::new(&p, &c.customer(0));
        let april = r.points_at(day(2024, 4, 2));
        assert_eq!((april.earned, april.balance), (120.0, 120.0));
        // The January lot has 70 left after the refund and expires on 15 July.
        let july = r.points_at(day(2024, 7, 16));
        assert_eq!((july.expired, july.balance), (70.0, 50.0));
        let september = r.points_at(day(2024, 9, 2));
        assert_eq!((september.expired, september.balance), (120.0, 0.0));
        assert_eq!(
            april.qualifying, 120.0,
            "the refund's base points leave the qualifying sum too"
        );
    }

    #[test]
    fn redemptions_consume_the_oldest_points_first() {
        let p = Programme {
            expiry_months: 6,
            ..Programme::default()
        };
        let spending = |points: f64| {
            history(&[(
                "C",
                &[
                    (day(2024, 1, 15), 100.0, 0.0),
                    (day(2024, 3, 1), 50.0, 0.0),
                    (day(2024, 4, 1), 20.0, points),
                ],
            )])
        };
        // 80 points spent on the April order: all but 20 of January's lot.
        let c = spending(80.0);
        let r = Replay::new(&p, &c.customer(0));
        let april = r.points_at(day(2024, 4, 2));
        assert_eq!(
            (april.earned, april.redeemed, april.balance),
            (170.0, 80.0, 90.0)
        );
        // On 15 July only January's remaining 20 expire.
        let july = r.points_at(day(2024, 7, 16));
        assert_eq!((july.expired, july.balance), (20.0, 70.0));
        // A redemption never takes more than the balance.
        let c = spending(1_000.0);
        let r = Replay::new(&p, &c.customer(0));
        assert_eq!(r.points_at(day(2024, 4, 2)).redeemed, 150.0);
    }

    #[test]
    fn migration_between_two_dates_and_month_flows() {
        let p = Programme::default();
        let customers = history(&[
            (
                "up",
                &[(day(2024, 1, 5), 300.0, 0.0), (day(2024, 3, 5), 300.0, 0.0)],
            ),
            ("new", &[(day(2024, 4, 10), 50.0, 0.0)]),
        ]);
        let window = (
            NaiveDate::from_ymd_opt(2024, 2, 1).unwrap(),
            NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
        );
        let as_of = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
        let r = replay(&p, &customers, as_of, false, window, &Cancel::never()).unwrap();
        let cell = |from, to| MigrationCell {
            from,
            to,
            members: 1,
        };
        assert_eq!(r.migration, vec![cell(None, 0), cell(Some(0), 1)]);
        // Months from January to May; 300 earned in January, 300 in March.
        assert_eq!(r.months.len(), 5);
        assert_eq!(r.months[0].earned, 300.0);
        assert_eq!(r.months[2].earned, 300.0);
        assert_eq!(r.months[3].earned, 50.0);
        assert_eq!(r.tiers_over_time.last().unwrap().1, vec![1, 1, 0]);
        assert_eq!(r.summary.liability, 650.0 * 0.02);
        assert_eq!(r.summary.breakage, Some(0.0));
        // The share view: one line per tier above the entry tier, each the
        // tier's share of all members (one of two on the as-of date).
        use crate::analysis::loyalty_charts::{MembersView, members_per_tier_spec};
        let share = members_per_tier_spec(&r, MembersView::Share);
        let names: Vec<&str> = share.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            p.tiers[1..]
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
        );
        assert_eq!(share.series[0].points.last().unwrap()[1], 0.5);
        assert!(
            share
                .series
                .iter()
                .flat_map(|s| &s.points)
                .all(|p| (0.0..=1.0).contains(&p[1]))
        );
        // Weighed by P(alive): everyone certain to come back owes the
        // nominal liability, half the members at one half less.
        assert!((r.expected_liability(|_| Some(1.0)) - r.summary.liability).abs() < 1e-9);
        assert!((r.expected_liability(|_| None) - r.summary.liability).abs() < 1e-9);
        let first = r.customers[0].customer;
        let half_first = r.expected_liability(|c| Some(if c == first { 0.5 } else { 1.0 }));
        let first_owes = r.customers[0].points.balance * 0.02;
        assert!((half_first - (r.summary.liability - first_owes / 2.0)).abs() < 1e-9);
        let counts = members_per_tier_spec(&r, MembersView::Count);
        assert_eq!(counts.series.len(), p.tiers.len());
        assert_eq!(counts.x.label, "Month (members on its first day)");
    }

    /// The replay's sums over changes equal every customer's points asked
    /// at every checkpoint, for both qualification rules, with and without
    /// expiry, with refunds and redemptions.
    #[test]
    fn month_by_month_sums_equal_each_customers_points_at_each_month() {
        let mut customers: Vec<(String, Vec<PointsOrder>)> = Vec::new();
        for c in 0..40 {
            let orders = (0..(c % 9 + 1))
                .map(|i| {
                    let d = day(2022, 1, 3) + (c * 37 + i * (50 + c * 11)) % 1000;
                    let amount = if (c + i) % 7 == 3 {
                        -120.0
                    } else {
                        40.0 + ((c * 13 + i * 29) % 400) as f64
                    };
                    let redeemed = if (c * i) % 5 == 4 { 150.0 } else { 0.0 };
                    (d, amount, redeemed)
                })
                .collect::<Vec<_>>();
            let mut orders = orders;
            orders.sort_by_key(|o| o.0);
            customers.push((format!("c{c:02}"), orders));
        }
        let listed: Vec<(&str, &[PointsOrder])> = customers
            .iter()
            .map(|(id, orders)| (id.as_str(), orders.as_slice()))
            .collect();
        let h = history(&listed);
        let as_of = NaiveDate::from_ymd_opt(2024, 11, 15).unwrap();
        let window = default_migration_window(as_of);
        for (qualification, expiry_months) in [
            (Qualification::Rolling12Months, 24),
            (Qualification::Rolling12Months, 3),
            (Qualification::CalendarYear, 0),
            (Qualification::CalendarYear, 6),
        ] {
            let p = Programme {
                qualification,
                expiry_months,
                ..Programme::default()
            };
            let r = replay(&p, &h, as_of, true, window, &Cancel::never()).unwrap();
            let mut month_ends: Vec<i32> = r
                .months
                .iter()
                .skip(1)
                .map(|m| day_number(m.month))
                .collect();
            month_ends.push(day_number(as_of));
            for ((month, end), (checkpoint, counts)) in r
                .months
                .iter()
                .zip(&month_ends)
                .zip(r.tiers_over_time.iter().skip(1))
            {
                assert_eq!(day_number(*checkpoint), *end);
                let points: Vec<CustomerPoints> = h
                    .customers()
                    .map(|c| Replay::new(&p, &c).points_at(*end))
                    .collect();
                let mut expected = vec![0u64; p.tiers.len()];
                for t in points.iter().filter_map(|x| x.tier) {
                    expected[t] += 1;
                }
                assert_eq!(
                    counts, &expected,
                    "{qualification:?} {expiry_months} at {checkpoint}"
                );
                let outstanding: f64 = points.iter().map(|x| x.balance).sum();
                assert!(
                    (month.outstanding_at_end - outstanding).abs() < 1e-9,
                    "{month:?}"
                );
                let before: Vec<CustomerPoints> = h
                    .customers()
                    .map(|c| Replay::new(&p, &c).points_at(day_number(month.month)))
                    .collect();
                let earned: f64 = points
                    .iter()
                    .zip(&before)
                    .map(|(a, b)| a.earned - b.earned)
                    .sum();
                let expired: f64 = points
                    .iter()
                    .zip(&before)
                    .map(|(a, b)| a.expired - b.expired)
                    .sum();
                assert!((month.earned - earned).abs() < 1e-9, "{month:?}");
                assert!((month.expired - expired).abs() < 1e-9, "{month:?}");
            }
            assert!(r.months.iter().any(|m| m.expired > 0.0) == (expiry_months > 0));
            for member in &r.customers {
                let c = h.customers().find(|c| c.index == member.customer).unwrap();
                assert_eq!(
                    member.points,
                    Replay::new(&p, &c).points_at(day_number(as_of))
                );
            }
        }
    }

    #[test]
    fn rounding_applies_per_order() {
        let floor = Programme::default();
        assert_eq!(floor.base_points(10.99), 10.0);
        assert_eq!(floor.base_points(-10.99), -10.0);
        let round = Programme {
            rounding: Rounding::Round,
            ..Programme::default()
        };
        assert_eq!(round.base_points(10.5), 11.0);
    }

    #[test]
    fn the_demo_programme_file_is_the_issues_example() {
        let demo = Programme::parse(include_str!("../../assets/demo/programme.toml")).unwrap();
        assert_eq!(
            demo,
            Programme {
                expected_redemption_rate: 0.8,
                ..Programme::default()
            }
        );
    }

    #[test]
    fn malformed_files_say_where() {
        let error = Programme::parse("name = \"X\"\npoints_per_currency = \"one\"\n").unwrap_err();
        assert!(
            matches!(error, ProgrammeError::Syntax { line: 2, .. }),
            "{error}"
        );
        let error = Programme::parse("name = \"Ä\"\nrounding = \"up\"\n").unwrap_err();
        assert!(
            matches!(error, ProgrammeError::Syntax { line: 2, .. }),
            "{error}"
        );
        let text = Programme::default()
            .to_toml()
            .replace("min_points = 1500.0", "min_points = 400.0");
        let error = Programme::parse(&text).unwrap_err();
        assert!(error.to_string().contains("tiers[3] (Gold)"), "{error}");
        let text = Programme::default()
            .to_toml()
            .replace("point_value = 0.02", "point_value = -1.0");
        assert!(
            Programme::parse(&text)
                .unwrap_err()
                .to_string()
                .contains("point_value")
        );
        assert_eq!(
            Programme::parse(&Programme::default().to_toml()),
            Ok(Programme::default())
        );
    }
}
