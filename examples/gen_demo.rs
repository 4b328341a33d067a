//! Generates the built-in demo data: a fictional online shop selling in
//! Germany, the Netherlands, Austria and Belgium, with an NPS survey and an
//! app event log. Seeded and deterministic: the same run writes the same
//! bytes.
//!
//! ```text
//! cargo run --example gen_demo            # writes assets/demo/
//! cargo run --example gen_demo -- OUT_DIR
//! ```
//!
//! The structure is chosen to look like a real shop: buyers follow a
//! "buy till you die" process (purchases at a personal rate, a chance to
//! lapse after every order) whose parameters differ by acquisition channel;
//! paid social grows as a share of later cohorts, so later cohorts retain
//! worse; November and December bring more first and repeat orders and
//! larger baskets; about 1.5 % of orders are refunded; some lapsed customers
//! come back after a pause of 10 to 16 months.

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp, Gamma, LogNormal};

const SEED: u64 = 20_231_001;
const CUSTOMERS: usize = 14_000;

struct Channel {
    name: &'static str,
    /// Share of new customers in the first and in the last month.
    share_start: f64,
    share_end: f64,
    /// Mean purchases per year while active (Gamma scale × shape 2).
    rate_scale: f64,
    /// Chance of lapsing after each order.
    lapse: f64,
}

const CHANNELS: [Channel; 5] = [
    Channel {
        name: "Organic search",
        share_start: 0.34,
        share_end: 0.26,
        rate_scale: 1.9,
        lapse: 0.26,
    },
    Channel {
        name: "Paid social",
        share_start: 0.14,
        share_end: 0.32,
        rate_scale: 1.2,
        lapse: 0.46,
    },
    Channel {
        name: "Newsletter",
        share_start: 0.16,
        share_end: 0.12,
        rate_scale: 2.6,
        lapse: 0.17,
    },
    Channel {
        name: "Affiliate",
        share_start: 0.16,
        share_end: 0.14,
        rate_scale: 1.4,
        lapse: 0.40,
    },
    Channel {
        name: "Direct",
        share_start: 0.20,
        share_end: 0.16,
        rate_scale: 2.2,
        lapse: 0.22,
    },
];

const COUNTRIES: [(&str, f64); 4] = [("DE", 0.50), ("NL", 0.25), ("AT", 0.13), ("BE", 0.12)];
const DEVICES: [(&str, f64); 3] = [("Mobile", 0.58), ("Desktop", 0.35), ("Tablet", 0.07)];

fn start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 10, 1).expect("valid date")
}

fn end() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid date")
}

/// Orders (and new customers) per day relative to an ordinary month.
fn season(day: NaiveDate) -> f64 {
    match day.month() {
        11 => 1.7,
        12 => 1.9,
        1 => 0.8,
        7 | 8 => 0.85,
        _ => 1.0,
    }
}

fn pick<'a>(rng: &mut StdRng, options: &'a [(&'a str, f64)]) -> &'a str {
    let total: f64 = options.iter().map(|o| o.1).sum();
    let mut x = rng.random::<f64>() * total;
    for (name, weight) in options {
        if x < *weight {
            return name;
        }
        x -= weight;
    }
    options[options.len() - 1].0
}

fn at_daytime(rng: &mut StdRng, day: NaiveDate) -> NaiveDateTime {
    // Evenings are busier than mornings.
    let hour = *[7, 9, 10, 11, 12, 13, 14, 16, 18, 19, 20, 20, 21, 21, 22]
        .get(rng.random_range(0..15))
        .unwrap_or(&20);
    day.and_hms_opt(hour, rng.random_range(0..60), rng.random_range(0..60))
        .expect("valid time")
}

struct Order {
    ts: NaiveDateTime,
    customer: usize,
    amount: f64,
    refund: bool,
}

struct Customer {
    id: String,
    country: &'static str,
    channel: usize,
    device: &'static str,
}

fn acquisition_days(rng: &mut StdRng) -> Vec<NaiveDate> {
    let days: Vec<NaiveDate> = start().iter_days().take_while(|d| *d < end()).collect();
    let n = days.len() as f64;
    // Growth: the shop wins 60 % more customers a day at the end than at the start.
    let weights: Vec<f64> = days
        .iter()
        .enumerate()
        .map(|(i, d)| season(*d) * (1.0 + 0.6 * i as f64 / n))
        .collect();
    let total: f64 = weights.iter().sum();
    let mut out = Vec::with_capacity(CUSTOMERS);
    for _ in 0..CUSTOMERS {
        let mut x = rng.random::<f64>() * total;
        let mut chosen = days[days.len() - 1];
        for (d, w) in days.iter().zip(&weights) {
            if x < *w {
                chosen = *d;
                break;
            }
            x -= w;
        }
        out.push(chosen);
    }
    out.sort();
    out
}

fn main() {
    let out_dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo"));
    std::fs::create_dir_all(&out_dir).expect("create output folder");
    let mut rng = StdRng::seed_from_u64(SEED);
    let span_days = (end() - start()).num_days() as f64;

    let mut customers = Vec::with_capacity(CUSTOMERS);
    let mut orders: Vec<Order> = Vec::new();
    for (index, first_day) in acquisition_days(&mut rng).into_iter().enumerate() {
        let progress = (first_day - start()).num_days() as f64 / span_days;
        let channel_weights: Vec<(&str, f64)> = CHANNELS
            .iter()
            .map(|c| {
                (
                    c.name,
                    c.share_start + (c.share_end - c.share_start) * progress,
                )
            })
            .collect();
        let channel_name = pick(&mut rng, &channel_weights);
        let channel = CHANNELS
            .iter()
            .position(|c| c.name == channel_name)
            .unwrap_or(0);
        let customer = Customer {
            id: format!("{:08}", 10_000 + index * 7 + rng.random_range(0..7)),
            country: pick(&mut rng, &COUNTRIES),
            channel,
            device: pick(&mut rng, &DEVICES),
        };
        let params = &CHANNELS[channel];
        let rate_per_day = Gamma::new(2.0, params.rate_scale)
            .expect("valid gamma")
            .sample(&mut rng)
            .max(0.3)
            / 365.0;
        let basket_mean = 18.0 + Gamma::new(5.0, 11.0).expect("valid gamma").sample(&mut rng);
        let basket = LogNormal::new(0.0, 0.35).expect("valid lognormal");
        let mut day_ts = at_daytime(&mut rng, first_day);
        let mut came_back = false;
        loop {
            let q4: f64 = if matches!(day_ts.month(), 11 | 12) {
                1.15
            } else {
                1.0
            };
            let amount = (basket_mean * basket.sample(&mut rng) * q4 * 100.0).round() / 100.0;
            orders.push(Order {
                ts: day_ts,
                customer: index,
                amount,
                refund: false,
            });
            if rng.random::<f64>() < 0.015 {
                let refund_day = day_ts + Duration::days(rng.random_range(3..21));
                if refund_day.date() < end() {
                    let share = if rng.random::<f64>() < 0.6 { 1.0 } else { 0.5 };
                    let refund_amount = -(amount * share * 100.0).round() / 100.0;
                    orders.push(Order {
                        ts: refund_day,
                        customer: index,
                        amount: refund_amount,
                        refund: true,
                    });
                }
            }
            if rng.random::<f64>() < params.lapse {
                // A few lapsed customers return after a long pause.
                if !came_back && rng.random::<f64>() < 0.12 {
                    came_back = true;
                    day_ts += Duration::days(rng.random_range(300..480));
                    if day_ts.date() >= end() {
                        break;
                    }
                    continue;
                }
                break;
            }
            // Thinning: candidate gaps at the peak rate, kept by season.
            let peak = Exp::new(rate_per_day * 1.9).expect("valid rate");
            let mut next = day_ts;
            loop {
                next += Duration::minutes((peak.sample(&mut rng) * 1440.0) as i64 + 60);
                if next.date() >= end() || rng.random::<f64>() < season(next.date()) / 1.9 {
                    break;
                }
            }
            if next.date() >= end() {
                break;
            }
            day_ts = at_daytime(&mut rng, next.date());
        }
        customers.push(customer);
    }
    orders.sort_by(|a, b| a.ts.cmp(&b.ts).then(a.customer.cmp(&b.customer)));

    // Order numbers in time order; a refund carries the number of its
    // customer's latest earlier order.
    let mut number_of = vec![0usize; orders.len()];
    let mut last_order_of = std::collections::HashMap::new();
    let mut next_number = 100_001;
    for (i, o) in orders.iter().enumerate() {
        if o.refund {
            number_of[i] = last_order_of.get(&o.customer).copied().unwrap_or(0);
        } else {
            number_of[i] = next_number;
            last_order_of.insert(o.customer, next_number);
            next_number += 1;
        }
    }

    let mut csv = String::from(
        "order_id,customer_id,order_date,amount,currency,country,channel,device,points_earned,points_redeemed\n",
    );
    let mut balance = vec![0i64; customers.len()];
    for (i, o) in orders.iter().enumerate() {
        let c = &customers[o.customer];
        let earned = o.amount.floor() as i64;
        let mut redeemed = 0;
        if o.amount > 0.0 && balance[o.customer] >= 500 && rng.random::<f64>() < 0.35 {
            redeemed = 500;
        }
        balance[o.customer] += earned - redeemed;
        let prefix = if o.refund { "R" } else { "SO" };
        let _ = writeln!(
            csv,
            "{prefix}{},{},{},{:.2},EUR,{},{},{},{},{}",
            number_of[i],
            c.id,
            o.ts.format("%Y-%m-%d %H:%M:%S"),
            o.amount,
            c.country,
            CHANNELS[c.channel].name,
            c.device,
            earned,
            redeemed
        );
    }
    std::fs::write(out_dir.join("orders.csv"), csv).expect("write orders.csv");

    let survey = survey(&mut rng, &orders, &customers);
    std::fs::write(out_dir.join("survey.csv"), survey).expect("write survey.csv");
    let events = events(&mut rng, &orders, &customers);
    std::fs::write(out_dir.join("events.csv"), events).expect("write events.csv");
    println!(
        "wrote {} customers, {} order rows to {}",
        customers.len(),
        orders.len(),
        out_dir.display()
    );
}

/// About one order in ten is followed by an NPS question. Customers who
/// keep buying answer more kindly.
fn survey(rng: &mut StdRng, orders: &[Order], customers: &[Customer]) -> String {
    let mut future_orders = vec![0usize; customers.len()];
    for o in orders.iter().filter(|o| !o.refund) {
        future_orders[o.customer] += 1;
    }
    let comments = [
        "",
        "",
        "",
        "Schnelle Lieferung, gerne wieder",
        "Snelle levering!",
        "Great quality",
        "Verpackung war beschädigt",
        "Te duur voor wat je krijgt",
        "Kundenservice sehr hilfsbereit",
        "Delivery took too long",
    ];
    let mut out = String::from("response_id,respondent_id,submitted_at,score,comment,country\n");
    let mut seen = vec![0usize; customers.len()];
    let mut response = 1;
    for o in orders.iter().filter(|o| !o.refund) {
        seen[o.customer] += 1;
        if rng.random::<f64>() >= 0.11 {
            continue;
        }
        let day = o.ts.date() + Duration::days(rng.random_range(2..10));
        if day >= end() {
            continue;
        }
        let loyal = future_orders[o.customer] > seen[o.customer];
        let weights: [f64; 11] = if loyal {
            [1.0, 0.5, 0.5, 1.0, 1.0, 2.0, 3.0, 8.0, 14.0, 22.0, 24.0]
        } else {
            [3.0, 2.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 14.0, 12.0, 10.0]
        };
        let total: f64 = weights.iter().sum();
        let mut x = rng.random::<f64>() * total;
        let mut score = 10;
        for (s, w) in weights.iter().enumerate() {
            if x < *w {
                score = s;
                break;
            }
            x -= w;
        }
        let comment = comments[rng.random_range(0..comments.len())];
        let c = &customers[o.customer];
        let _ = writeln!(
            out,
            "{response},{},{},{score},\"{comment}\",{}",
            c.id,
            day.format("%Y-%m-%d"),
            c.country
        );
        response += 1;
    }
    out
}

/// Mobile customers of the shop's app: sessions from their first order
/// until a few weeks after their last, more often for frequent buyers.
fn events(rng: &mut StdRng, orders: &[Order], customers: &[Customer]) -> String {
    let mut span: Vec<Option<(NaiveDate, NaiveDate, usize)>> = vec![None; customers.len()];
    for o in orders.iter().filter(|o| !o.refund) {
        let entry = span[o.customer].get_or_insert((o.ts.date(), o.ts.date(), 0));
        entry.1 = o.ts.date();
        entry.2 += 1;
    }
    let mut out = String::from("user_id,event_time,event,platform\n");
    let mut rows = Vec::new();
    for (index, c) in customers.iter().enumerate() {
        if c.device != "Mobile" || rng.random::<f64>() > 0.25 {
            continue;
        }
        let Some((first, last, n)) = span[index] else {
            continue;
        };
        let platform = if rng.random::<f64>() < 0.55 {
            "ios"
        } else {
            "android"
        };
        let active_until =
            (last + Duration::days(rng.random_range(14..70))).min(end() - Duration::days(1));
        let sessions_per_week = (0.25 + 0.1 * n as f64).min(1.5);
        let gap = Exp::new(sessions_per_week / 7.0).expect("valid rate");
        let mut day = first;
        while day <= active_until {
            let ts = at_daytime(rng, day);
            rows.push((ts, c.id.clone(), "app_open", platform));
            for k in 0..rng.random_range(1..6) {
                rows.push((
                    ts + Duration::seconds(30 + 45 * k),
                    c.id.clone(),
                    "view_product",
                    platform,
                ));
            }
            if rng.random::<f64>() < 0.3 {
                rows.push((
                    ts + Duration::seconds(320),
                    c.id.clone(),
                    "add_to_cart",
                    platform,
                ));
            }
            if rng.random::<f64>() < 0.2 {
                rows.push((ts + Duration::seconds(20), c.id.clone(), "search", platform));
            }
            day += Duration::days(gap.sample(rng).ceil().max(1.0) as i64);
        }
    }
    rows.sort();
    for (ts, id, event, platform) in rows {
        let _ = writeln!(
            out,
            "{id},{},{event},{platform}",
            ts.format("%Y-%m-%dT%H:%M:%S")
        );
    }
    out
}
