//! The retention KPIs of a period, with their inputs, the previous period
//! and a trend, as the Overview tab and `kpis.json` show them.
//!
//! Definitions: the active customer base at a date d is the customers with
//! an order in [d − W, d), W = 12 calendar months by default. For a period
//! [start, end): CS = active base at start, CE = active base at end. CN =
//! the customers won in the period: every customer in CE who was not in CS,
//! split into new (first order ever in the period) and won back (their
//! previous order lies before the window W). Lost = customers in CS not in
//! CE, so CE = CS − lost + CN, (CE − CN) ÷ CS = (CS − lost) ÷ CS, and the
//! retention rate can never exceed 100 % (retention + churn = 100 %).

use crate::i18n::{format_day, format_month};
use chrono::{Datelike, Months, NaiveDate};
use rust_i18n::t;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

use rayon::prelude::*;

use super::cancel::{Cancel, Cancelled};
use super::history::{Customer, History};
use super::metrics::{
    arpu_clv, churn_rate, lifetime_years, product_retention_rate, purchase_clv,
    repeat_purchase_rate, subscription_clv,
};
use super::period::{Granularity, PeriodTable};
use crate::calendar::day_number;
use crate::chart::Unit;
use crate::chart::spec::days_since_epoch;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PeriodKind {
    #[default]
    Month,
    Quarter,
    Year,
    Custom,
}

impl PeriodKind {
    pub const ALL: [PeriodKind; 4] = [
        PeriodKind::Month,
        PeriodKind::Quarter,
        PeriodKind::Year,
        PeriodKind::Custom,
    ];

    pub fn label(self) -> Cow<'static, str> {
        match self {
            PeriodKind::Month => t!("Month"),
            PeriodKind::Quarter => t!("Quarter"),
            PeriodKind::Year => t!("Year"),
            PeriodKind::Custom => t!("Custom"),
        }
    }

    fn index_of(self, day: NaiveDate) -> i32 {
        match self {
            PeriodKind::Month | PeriodKind::Custom => Granularity::Month.index_of_day(day),
            PeriodKind::Quarter => Granularity::Quarter.index_of_day(day),
            PeriodKind::Year => day.year(),
        }
    }

    fn window(self, index: i32) -> Window {
        match self {
            PeriodKind::Month | PeriodKind::Custom => Window::of(Granularity::Month, index),
            PeriodKind::Quarter => Window::of(Granularity::Quarter, index),
            PeriodKind::Year => Window {
                start: NaiveDate::from_ymd_opt(index, 1, 1).unwrap_or_default(),
                end: NaiveDate::from_ymd_opt(index + 1, 1, 1).unwrap_or_default(),
            },
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct KpiSettings {
    pub period: PeriodKind,
    /// First day of the chosen month, quarter or year; `None` is the last
    /// complete one before the as-of date.
    pub period_start: Option<NaiveDate>,
    /// Custom period, first and last day (inclusive).
    pub custom_from: Option<NaiveDate>,
    pub custom_until: Option<NaiveDate>,
    /// W: how far back an order keeps a customer in the active base.
    pub active_window_months: u32,
}

impl Default for KpiSettings {
    fn default() -> Self {
        KpiSettings {
            period: PeriodKind::Month,
            period_start: None,
            custom_from: None,
            custom_until: None,
            active_window_months: 12,
        }
    }
}

/// A half-open span of days, [start, end).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Window {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Window {
    fn of(granularity: Granularity, index: i32) -> Window {
        Window {
            start: granularity.start(index),
            end: granularity.end(index),
        }
    }

    pub fn label(&self) -> String {
        let last = self.end.pred_opt().unwrap_or(self.end);
        t!(
            "%{from} to %{until}",
            from = format_day(self.start),
            until = format_day(last)
        )
        .into()
    }

    fn before(&self) -> Window {
        let length = self.end - self.start;
        Window {
            start: self.start - length,
            end: self.start,
        }
    }
}

/// The KPIs of one period, every input kept.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeriodKpis {
    pub window: Window,
    pub customers_at_start: u64,
    pub customers_at_end: u64,
    /// CN: customers in CE who were not in CS, `new_customers + won_back`.
    #[serde(rename = "cn")]
    pub customers_won: u64,
    /// Won customers whose first order ever falls in the period.
    #[serde(rename = "new")]
    pub new_customers: u64,
    /// Won customers who had ordered before, more than W before the period.
    pub won_back: u64,
    pub retained: u64,
    pub lost: u64,
    pub product_retention_rate: Option<f64>,
    pub churn_rate: Option<f64>,
    pub active_customers: u64,
    pub repeat_customers: u64,
    pub repeat_purchase_rate: Option<f64>,
    pub orders: u64,
    pub revenue: f64,
    pub average_order_value: Option<f64>,
    pub purchase_frequency: Option<f64>,
    pub arpu: Option<f64>,
}

fn months_before(day: NaiveDate, months: u32) -> NaiveDate {
    day.checked_sub_months(Months::new(months)).unwrap_or(day)
}

/// Whether the customer has a purchase on a day in [from, to).
fn purchased_between(customer: &Customer<'_>, from: i32, to: i32) -> bool {
    let orders = customer.orders;
    let first = orders.partition_point(|o| o.day < from);
    orders[first..]
        .iter()
        .take_while(|o| o.day < to)
        .any(|o| o.purchase())
}

pub fn period_kpis(history: &History, window: Window, active_window_months: u32) -> PeriodKpis {
    period_kpis_of(history.customers(), window, active_window_months)
}

/// A period's days: [start, end), and the first days of the active base's
/// windows at its start and its end.
struct Bounds {
    start: i32,
    end: i32,
    base_from_start: i32,
    base_from_end: i32,
}

impl Bounds {
    fn of(window: Window, active_window_months: u32) -> Bounds {
        Bounds {
            start: day_number(window.start),
            end: day_number(window.end),
            base_from_start: day_number(months_before(window.start, active_window_months)),
            base_from_end: day_number(months_before(window.end, active_window_months)),
        }
    }
}

fn no_customers(window: Window) -> PeriodKpis {
    PeriodKpis {
        window,
        customers_at_start: 0,
        customers_at_end: 0,
        customers_won: 0,
        new_customers: 0,
        won_back: 0,
        retained: 0,
        lost: 0,
        product_retention_rate: None,
        churn_rate: None,
        active_customers: 0,
        repeat_customers: 0,
        repeat_purchase_rate: None,
        orders: 0,
        revenue: 0.0,
        average_order_value: None,
        purchase_frequency: None,
        arpu: None,
    }
}

/// Adds one customer (whose first purchase is on `first`) to a period's counts.
fn add_customer(k: &mut PeriodKpis, b: &Bounds, customer: &Customer<'_>, first: i32) {
    if first >= b.end {
        return;
    }
    let at_start = purchased_between(customer, b.base_from_start, b.start);
    let at_end = purchased_between(customer, b.base_from_end, b.end);
    let new = first >= b.start;
    k.customers_at_start += at_start as u64;
    k.customers_at_end += at_end as u64;
    let won = at_end && !at_start;
    k.customers_won += won as u64;
    k.new_customers += (won && new) as u64;
    k.won_back += (won && !new) as u64;
    k.retained += (at_start && at_end) as u64;
    k.lost += (at_start && !at_end) as u64;
    let from = customer.orders.partition_point(|o| o.day < b.start);
    let mut purchases = 0u64;
    for order in customer.orders[from..].iter().take_while(|o| o.day < b.end) {
        k.revenue += order.amount;
        purchases += order.purchase() as u64;
    }
    k.orders += purchases;
    k.active_customers += (purchases > 0) as u64;
    k.repeat_customers += (purchases > 1) as u64;
}

/// Adds the counts of another group of customers in the same period.
fn add_counts(k: &mut PeriodKpis, other: &PeriodKpis) {
    k.customers_at_start += other.customers_at_start;
    k.customers_at_end += other.customers_at_end;
    k.customers_won += other.customers_won;
    k.new_customers += other.new_customers;
    k.won_back += other.won_back;
    k.retained += other.retained;
    k.lost += other.lost;
    k.active_customers += other.active_customers;
    k.repeat_customers += other.repeat_customers;
    k.orders += other.orders;
    k.revenue += other.revenue;
}

/// The rates and averages from the counts.
fn finish(mut k: PeriodKpis) -> PeriodKpis {
    k.product_retention_rate =
        product_retention_rate(k.customers_at_start, k.customers_at_end, k.customers_won);
    k.churn_rate = churn_rate(k.lost, k.customers_at_start);
    k.repeat_purchase_rate = repeat_purchase_rate(k.repeat_customers, k.active_customers);
    let per = |n: f64, d: u64| (d > 0).then(|| n / d as f64);
    k.average_order_value = per(k.revenue, k.orders);
    k.purchase_frequency = per(k.orders as f64, k.active_customers);
    k.arpu = per(k.revenue, k.active_customers);
    k
}

/// The KPIs of some customers only (a segment).
pub fn period_kpis_of<'a>(
    customers: impl IntoIterator<Item = Customer<'a>>,
    window: Window,
    active_window_months: u32,
) -> PeriodKpis {
    let bounds = Bounds::of(window, active_window_months);
    let mut k = no_customers(window);
    for customer in customers {
        if let Some(first) = customer.first_purchase_day() {
            add_customer(&mut k, &bounds, &customer, first);
        }
    }
    finish(k)
}

/// Customers are counted in this many fixed parts, one after the other
/// within a part, and the parts added in order: a revenue sum never depends
/// on how many cores there are.
const PARTS: usize = 8;

/// The KPIs of several periods, each customer visited once for all of them
/// (their orders stay in the processor's cache), on all cores.
pub fn periods_kpis(
    history: &History,
    windows: &[Window],
    active_window_months: u32,
    cancel: &Cancel,
) -> Result<Vec<PeriodKpis>, Cancelled> {
    let bounds: Vec<Bounds> = windows
        .iter()
        .map(|w| Bounds::of(*w, active_window_months))
        .collect();
    let per_part = history.len().div_ceil(PARTS).max(1);
    let parts: Vec<Result<Vec<PeriodKpis>, Cancelled>> = (0..PARTS)
        .into_par_iter()
        .map(|part| {
            let mut kpis: Vec<PeriodKpis> = windows.iter().map(|w| no_customers(*w)).collect();
            let first = (part * per_part).min(history.len());
            let last = (first + per_part).min(history.len());
            for i in first..last {
                if i % 4096 == 0 {
                    cancel.check()?;
                }
                let customer = history.customer(i);
                let Some(first_day) = customer.first_purchase_day() else {
                    continue;
                };
                for (k, b) in kpis.iter_mut().zip(&bounds) {
                    add_customer(k, b, &customer, first_day);
                }
            }
            Ok(kpis)
        })
        .collect();
    let mut total: Vec<PeriodKpis> = windows.iter().map(|w| no_customers(*w)).collect();
    for part in parts {
        for (k, other) in total.iter_mut().zip(part?) {
            add_counts(k, &other);
        }
    }
    Ok(total.into_iter().map(finish).collect())
}

/// The three simple CLV forms of the metric catalogue over the 12 months
/// before the as-of date, with their inputs. They share one lifetime:
/// ACL = 1 ÷ annual churn, capped at ten years.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SimpleClv {
    pub window: Window,
    pub average_purchase_value: Option<f64>,
    pub purchases_per_year: Option<f64>,
    pub annual_churn: Option<f64>,
    pub lifetime_years: f64,
    /// Purchase form: APV × APF × ACL.
    pub clv: Option<f64>,
    /// Revenue per active customer over the year.
    pub arpu_per_year: Option<f64>,
    /// ARPU form: ARPU × ACL.
    pub arpu_clv: Option<f64>,
    /// Revenue per customer and month with a purchase: a subscription's
    /// monthly price when orders are monthly payments.
    pub monthly_price: Option<f64>,
    /// ACL in months.
    pub months_subscribed: f64,
    /// Subscription form: monthly price × months subscribed.
    pub subscription_clv: Option<f64>,
}

pub const LIFETIME_CAP_YEARS: f64 = 10.0;

pub fn simple_clv(history: &History, as_of: NaiveDate, active_window_months: u32) -> SimpleClv {
    simple_clv_of(history.customers(), as_of, active_window_months)
}

/// The simple forms for some customers only (a segment).
pub fn simple_clv_of<'a>(
    customers: impl IntoIterator<Item = Customer<'a>> + Clone,
    as_of: NaiveDate,
    active_window_months: u32,
) -> SimpleClv {
    let window = Window {
        start: months_before(as_of, 12),
        end: as_of,
    };
    let year = period_kpis_of(customers.clone(), window, active_window_months);
    let (start, end) = (day_number(window.start), day_number(window.end));
    let mut paying_months = 0u64;
    let table = PeriodTable::new(Granularity::Month, start, end);
    for customer in customers {
        let mut last_month = None;
        for order in customer
            .purchases()
            .filter(|o| o.day >= start && o.day < end)
        {
            let month = table.index_of(order.day);
            if last_month != Some(month) {
                paying_months += 1;
                last_month = Some(month);
            }
        }
    }
    let lifetime = lifetime_years(year.churn_rate, LIFETIME_CAP_YEARS);
    let clv = match (year.average_order_value, year.purchase_frequency) {
        (Some(apv), Some(apf)) => Some(purchase_clv(apv, apf, lifetime)),
        _ => None,
    };
    let monthly_price = (paying_months > 0).then(|| year.revenue / paying_months as f64);
    let months_subscribed = lifetime * 12.0;
    SimpleClv {
        window,
        average_purchase_value: year.average_order_value,
        purchases_per_year: year.purchase_frequency,
        annual_churn: year.churn_rate,
        lifetime_years: lifetime,
        clv,
        arpu_per_year: year.arpu,
        arpu_clv: year.arpu.map(|arpu| arpu_clv(arpu, lifetime)),
        monthly_price,
        months_subscribed,
        subscription_clv: monthly_price.map(|price| subscription_clv(price, months_subscribed)),
    }
}

/// A KPI as shown on a card and written to kpis.json.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Kpi {
    pub key: &'static str,
    pub name: Cow<'static, str>,
    pub value: Option<f64>,
    pub unit: Unit,
    pub formula: String,
    pub inputs: Vec<(String, f64)>,
    pub previous: Option<f64>,
    /// Period start (days since 1970) and value, oldest first.
    #[serde(skip)]
    pub trend: Vec<[f64; 2]>,
    pub context: Option<Cow<'static, str>>,
}

impl Kpi {
    pub fn is_rate(&self) -> bool {
        self.unit == Unit::Percent
    }

    /// The parts a count is the sum of, shown under it: CN as "new 1,053 +
    /// won back 79".
    pub fn parts(&self) -> Option<&[(String, f64)]> {
        (self.key == "customers_won").then_some(self.inputs.as_slice())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Overview {
    pub period: PeriodKind,
    pub current: PeriodKpis,
    pub previous: Option<PeriodKpis>,
    #[serde(skip)]
    pub trend: Vec<PeriodKpis>,
    pub active_window_months: u32,
    pub simple_clv: SimpleClv,
    pub kpis: Vec<Kpi>,
    /// Periods the user can pick (first day, label), newest first.
    #[serde(skip)]
    pub choices: Vec<(NaiveDate, String)>,
}

const TREND_PERIODS: i32 = 12;

/// The Overview for the chosen period; `None` when no period fits before
/// the as-of date.
pub fn overview(
    history: &History,
    settings: &KpiSettings,
    as_of: NaiveDate,
    first_day: NaiveDate,
    cancel: &Cancel,
) -> Result<Option<Overview>, Cancelled> {
    let w = settings.active_window_months.max(1);
    let kind = settings.period;
    let (current, previous_windows, choices) = if kind == PeriodKind::Custom {
        let (Some(start), Some(end)) = (
            settings.custom_from,
            settings.custom_until.and_then(|d| d.succ_opt()),
        ) else {
            return Ok(None);
        };
        if end <= start {
            return Ok(None);
        }
        let window = Window { start, end };
        (window, vec![window.before()], Vec::new())
    } else {
        let last_complete = kind.index_of(as_of) - 1;
        let first = kind.index_of(first_day);
        let chosen = settings
            .period_start
            .map(|d| kind.index_of(d))
            .filter(|i| (first..=last_complete).contains(i))
            .unwrap_or(last_complete);
        if chosen < first {
            return Ok(None);
        }
        let previous: Vec<Window> = (1..TREND_PERIODS)
            .rev()
            .map(|back| chosen - back)
            .filter(|i| *i >= first)
            .map(|i| kind.window(i))
            .collect();
        let choices = (first..=last_complete)
            .rev()
            .map(|i| {
                let window = kind.window(i);
                (window.start, period_name(kind, window))
            })
            .collect();
        (kind.window(chosen), previous, choices)
    };
    let mut windows = previous_windows;
    windows.push(current);
    let trend = periods_kpis(history, &windows, w, cancel)?;
    let Some(current_kpis) = trend.last().cloned() else {
        return Ok(None);
    };
    let previous = trend
        .len()
        .checked_sub(2)
        .and_then(|i| trend.get(i))
        .cloned();
    let simple_clv = simple_clv(history, as_of, w);
    let kpis = cards(&current_kpis, previous.as_ref(), &trend, w);
    Ok(Some(Overview {
        period: kind,
        current: current_kpis,
        previous,
        trend,
        active_window_months: w,
        simple_clv,
        kpis,
        choices,
    }))
}

pub fn period_name(kind: PeriodKind, window: Window) -> String {
    match kind {
        PeriodKind::Month => format_month(window.start),
        PeriodKind::Quarter => {
            format!("Q{} {}", window.start.month0() / 3 + 1, window.start.year())
        }
        PeriodKind::Year => window.start.year().to_string(),
        PeriodKind::Custom => window.label(),
    }
}

fn retention_context() -> Cow<'static, str> {
    t!(
        "Context, not truth: 85 % or more is strong for SaaS; 40–60 % is good for e-commerce, depending on the purchase cycle."
    )
}

fn churn_context() -> Cow<'static, str> {
    t!("A churn rate of 25 % means a quarter of the customer base is gone.")
}

type Getter = fn(&PeriodKpis) -> Option<f64>;

/// How one KPI card is made from a period's KPIs.
struct CardSpec {
    key: &'static str,
    name: Cow<'static, str>,
    unit: Unit,
    formula: String,
    value: Getter,
    inputs: Vec<(Cow<'static, str>, Getter)>,
    context: Option<Cow<'static, str>>,
}

fn cards(
    current: &PeriodKpis,
    previous: Option<&PeriodKpis>,
    trend: &[PeriodKpis],
    w: u32,
) -> Vec<Kpi> {
    let specs: Vec<CardSpec> = vec![
        CardSpec {
            key: "customers_at_start",
            name: t!("Customers at start (CS)"),
            unit: Unit::Count,
            formula: t!("Active base at the period start: customers with an order in the %{w} months before it", w = w).into(),
            value: |k| Some(k.customers_at_start as f64),
            inputs: vec![],
            context: None,
        },
        CardSpec {
            key: "customers_at_end",
            name: t!("Customers at end (CE)"),
            unit: Unit::Count,
            formula: t!("Active base at the period end: customers with an order in the %{w} months before it", w = w).into(),
            value: |k| Some(k.customers_at_end as f64),
            inputs: vec![],
            context: None,
        },
        CardSpec {
            key: "customers_won",
            name: t!("Customers won (CN)"),
            unit: Unit::Count,
            formula: t!(
                "Customers in CE who were not in CS: new (first order ever in the period) + won back (no order in the %{w} months before the period, ordered before that)", w = w
            ).into(),
            value: |k| Some(k.customers_won as f64),
            inputs: vec![
                (t!("new"), |k| Some(k.new_customers as f64)),
                (t!("won back"), |k| Some(k.won_back as f64)),
            ],
            context: None,
        },
        CardSpec {
            key: "product_retention_rate",
            name: t!("Retention rate"),
            unit: Unit::Percent,
            formula: t!("(CE − CN) ÷ CS, CN = new + won back; equals (CS − lost) ÷ CS").into(),
            value: |k| k.product_retention_rate,
            inputs: vec![
                (t!("CS"), |k| Some(k.customers_at_start as f64)),
                (t!("CE"), |k| Some(k.customers_at_end as f64)),
                (t!("CN"), |k| Some(k.customers_won as f64)),
                (t!("new"), |k| Some(k.new_customers as f64)),
                (t!("won back"), |k| Some(k.won_back as f64)),
            ],
            context: Some(retention_context()),
        },
        CardSpec {
            key: "churn_rate",
            name: t!("Churn rate"),
            unit: Unit::Percent,
            formula: t!("Lost ÷ CS, where lost = customers in CS who are not in CE").into(),
            value: |k| k.churn_rate,
            inputs: vec![(t!("lost"), |k| Some(k.lost as f64)), (t!("CS"), |k| Some(k.customers_at_start as f64))],
            context: Some(churn_context()),
        },
        CardSpec {
            key: "won_back",
            name: t!("Won back"),
            unit: Unit::Count,
            formula: t!(
                "Customers in CE who ordered before but not in the %{w} months before the period: part of CN. CE = CS − lost + new + won back", w = w
            ).into(),
            value: |k| Some(k.won_back as f64),
            inputs: vec![
                (t!("CS"), |k| Some(k.customers_at_start as f64)),
                (t!("lost"), |k| Some(k.lost as f64)),
                (t!("new"), |k| Some(k.new_customers as f64)),
                (t!("CE"), |k| Some(k.customers_at_end as f64)),
            ],
            context: None,
        },
        CardSpec {
            key: "repeat_purchase_rate",
            name: t!("Repeat purchase rate"),
            unit: Unit::Percent,
            formula: t!("Customers with more than one order in the period ÷ customers with at least one").into(),
            value: |k| k.repeat_purchase_rate,
            inputs: vec![
                (t!("repeat customers"), |k| Some(k.repeat_customers as f64)),
                (t!("customers"), |k| Some(k.active_customers as f64)),
            ],
            context: None,
        },
        CardSpec {
            key: "revenue",
            name: t!("Revenue"),
            unit: Unit::Money,
            formula: t!("Sum of order amounts in the period; refunds subtract").into(),
            value: |k| Some(k.revenue),
            inputs: vec![],
            context: None,
        },
        CardSpec {
            key: "orders",
            name: t!("Orders"),
            unit: Unit::Count,
            formula: t!("Distinct orders in the period (an order id, or a row without one); refunds are not orders").into(),
            value: |k| Some(k.orders as f64),
            inputs: vec![],
            context: None,
        },
        CardSpec {
            key: "average_order_value",
            name: t!("Average order value (APV)"),
            unit: Unit::Money,
            formula: t!("Revenue ÷ orders").into(),
            value: |k| k.average_order_value,
            inputs: vec![(t!("revenue"), |k| Some(k.revenue)), (t!("orders"), |k| Some(k.orders as f64))],
            context: None,
        },
        CardSpec {
            key: "purchase_frequency",
            name: t!("Purchase frequency"),
            unit: Unit::Decimal,
            formula: t!("Orders ÷ customers with an order in the period").into(),
            value: |k| k.purchase_frequency,
            inputs: vec![(t!("orders"), |k| Some(k.orders as f64)), (t!("customers"), |k| Some(k.active_customers as f64))],
            context: None,
        },
        CardSpec {
            key: "arpu",
            name: t!("Revenue per customer (ARPU)"),
            unit: Unit::Money,
            formula: t!("Revenue ÷ customers with an order in the period").into(),
            value: |k| k.arpu,
            inputs: vec![(t!("revenue"), |k| Some(k.revenue)), (t!("customers"), |k| Some(k.active_customers as f64))],
            context: None,
        },
    ];
    specs
        .into_iter()
        .map(
            |CardSpec {
                 key,
                 name,
                 unit,
                 formula,
                 value: get,
                 inputs,
                 context,
             }| Kpi {
                key,
                name,
                value: get(current),
                unit,
                formula,
                inputs: inputs
                    .into_iter()
                    .filter_map(|(n, f)| Some((n.into_owned(), f(current)?)))
                    .collect(),
                previous: previous.and_then(get),
                trend: trend
                    .iter()
                    .filter_map(|k| Some([days_since_epoch(k.window.start), get(k)?]))
                    .collect(),
                context,
            },
        )
        .collect()
}

/// One row of the Overview's table: a KPI or an input of the simple CLV.
struct OverviewRow {
    key: String,
    name: String,
    value: Option<f64>,
    previous: Option<f64>,
    /// The formula with its inputs.
    formula: String,
}

/// The Overview as a table: one row per KPI, then the simple CLV and its
/// inputs, for Export CSV.
pub fn overview_frame(
    overview: &Overview,
) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
    use polars::prelude::{Column, DataFrame};
    let clv = &overview.simple_clv;
    let mut rows: Vec<OverviewRow> = overview
        .kpis
        .iter()
        .map(|k| {
            let inputs: Vec<String> = k.inputs.iter().map(|(n, v)| format!("{n} = {v}")).collect();
            let formula = if inputs.is_empty() {
                k.formula.clone()
            } else {
                format!("{} ({})", k.formula, inputs.join(", "))
            };
            OverviewRow {
                key: k.key.to_string(),
                name: k.name.to_string(),
                value: k.value,
                previous: k.previous,
                formula,
            }
        })
        .collect();
    let window = clv.window.label();
    let clv_row = |key: &str, name: &str, value: Option<f64>, formula: String| OverviewRow {
        key: key.into(),
        name: name.into(),
        value,
        previous: None,
        formula,
    };
    rows.extend([
        clv_row(
            "simple_clv",
            &t!("Simple CLV"),
            clv.clv,
            t!("APV × APF × ACL over %{window}", window = window).into(),
        ),
        clv_row(
            "clv_average_purchase_value",
            "APV",
            clv.average_purchase_value,
            t!("Revenue ÷ orders").into(),
        ),
        clv_row(
            "clv_purchases_per_year",
            "APF",
            clv.purchases_per_year,
            t!("Orders ÷ customers").into(),
        ),
        clv_row(
            "clv_annual_churn",
            &t!("Annual churn"),
            clv.annual_churn,
            t!("Lost ÷ CS over the year").into(),
        ),
        clv_row(
            "clv_lifetime_years",
            "ACL",
            Some(clv.lifetime_years),
            t!("1 ÷ annual churn, at most 10 years").into(),
        ),
    ]);
    let period = period_name(overview.period, overview.current.window);
    let text = |f: fn(&OverviewRow) -> &str| rows.iter().map(f).collect::<Vec<_>>();
    let numbers = |f: fn(&OverviewRow) -> Option<f64>| rows.iter().map(f).collect::<Vec<_>>();
    DataFrame::new(
        rows.len(),
        vec![
            Column::new("period".into(), vec![period; rows.len()]),
            Column::new("key".into(), text(|r| &r.key)),
            Column::new("name".into(), text(|r| &r.name)),
            Column::new("value".into(), numbers(|r| r.value)),
            Column::new("previous".into(), numbers(|r| r.previous)),
            Column::new("formula".into(), text(|r| &r.formula)),
        ],
    )
}

/// Several groups' KPIs side by side (segments), for Export CSV.
pub fn compared_frame(
    rows: &[(String, PeriodKpis)],
) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
    use polars::prelude::{Column, DataFrame};
    let counts = |f: fn(&PeriodKpis) -> u64| rows.iter().map(|(_, k)| f(k)).collect::<Vec<_>>();
    let rates =
        |f: fn(&PeriodKpis) -> Option<f64>| rows.iter().map(|(_, k)| f(k)).collect::<Vec<_>>();
    DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                "segment".into(),
                rows.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "period_start".into(),
                rows.iter().map(|(_, k)| k.window.start).collect::<Vec<_>>(),
            ),
            Column::new(
                "customers_at_start".into(),
                counts(|k| k.customers_at_start),
            ),
            Column::new("customers_at_end".into(), counts(|k| k.customers_at_end)),
            Column::new("cn".into(), counts(|k| k.customers_won)),
            Column::new("new".into(), counts(|k| k.new_customers)),
            Column::new("won_back".into(), counts(|k| k.won_back)),
            Column::new("lost".into(), counts(|k| k.lost)),
            Column::new(
                "product_retention_rate".into(),
                rates(|k| k.product_retention_rate),
            ),
            Column::new("churn_rate".into(), rates(|k| k.churn_rate)),
            Column::new(
                "repeat_purchase_rate".into(),
                rates(|k| k.repeat_purchase_rate),
            ),
            Column::new("revenue".into(), rates(|k| Some(k.revenue))),
            Column::new(
                "average_order_value".into(),
                rates(|k| k.average_order_value),
            ),
            Column::new("arpu".into(), rates(|k| k.arpu)),
        ],
    )
}
