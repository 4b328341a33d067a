//! Do the 95 % parameter intervals hold what they promise? Simulates 200
//! customer bases from known BG/NBD parameters (CDNOW's: r 0.243, α 4.414,
//! a 0.793, b 2.426; 2,500 customers whose first purchase falls in the
//! first 12 of 39 weeks), fits each and counts how often each parameter's
//! interval covers the true value; 90–99 % is the goal.
//!
//!     cargo run --release --example interval_coverage [LOGS] [SEED]

use kohorte::analysis::cancel::Cancel;
use kohorte::analysis::clv::fit::{WeightedRow, fit_purchase_model};
use kohorte::analysis::clv::{BgNbd, Fitted, PurchaseModel, Rft};
use rand::{Rng, SeedableRng};
use rand_distr::{Beta, Distribution, Exp, Gamma};

const TRUE: [f64; 4] = [0.243, 4.414, 0.793, 2.426];
const CUSTOMERS: usize = 2500;
const WEEKS: f64 = 39.0;
const FIRST_PURCHASE_WEEKS: f64 = 12.0;

/// One customer's (x, t_x, T) under BG/NBD, times in weeks.
fn customer(rng: &mut impl Rng, rate: &Gamma<f64>, dropout: &Beta<f64>) -> Rft {
    let lambda = rate.sample(rng);
    let p = dropout.sample(rng);
    let age = WEEKS - rng.random_range(0.0..FIRST_PURCHASE_WEEKS);
    let gap = Exp::new(lambda).expect("a positive rate");
    let (mut x, mut t_x, mut now) = (0.0, 0.0, 0.0);
    loop {
        now += gap.sample(rng);
        if now > age {
            break;
        }
        x += 1.0;
        t_x = now;
        if rng.random::<f64>() < p {
            break;
        }
    }
    Rft { x, t_x, t: age }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let logs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2026);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    // λ ~ Gamma(r, rate α), i.e. scale 1/α; p ~ Beta(a, b).
    let rate = Gamma::new(TRUE[0], 1.0 / TRUE[1]).expect("valid gamma");
    let dropout = Beta::new(TRUE[2], TRUE[3]).expect("valid beta");
    let mut covered = [0usize; 4];
    let mut fitted = 0;
    for _ in 0..logs {
        let rows: Vec<WeightedRow> = (0..CUSTOMERS)
            .map(|_| {
                let rft = customer(&mut rng, &rate, &dropout);
                let days = |weeks: f64| (weeks * 7.0).round() as i32;
                WeightedRow {
                    rft,
                    weight: 1.0,
                    key: (rft.x as u32, days(rft.t_x), days(rft.t)),
                }
            })
            .collect();
        let Some((model, _)) = fit_purchase_model::<BgNbd>(&rows, &Cancel::never()) else {
            continue;
        };
        fitted += 1;
        let intervals = Fitted::BgNbd(model).intervals(&rows);
        for (i, interval) in intervals.iter().enumerate() {
            if let (Some(low), Some(high)) = (interval.low, interval.high)
                && low <= TRUE[i]
                && TRUE[i] <= high
            {
                covered[i] += 1;
            }
        }
    }
    println!("{fitted} of {logs} simulated logs fitted ({CUSTOMERS} customers each, seed {seed})");
    for (i, name) in BgNbd::NAMES.iter().enumerate() {
        println!(
            "{name:>5}: true {:.3}, 95 % interval covered it in {} logs ({:.1} %)",
            TRUE[i],
            covered[i],
            100.0 * covered[i] as f64 / fitted.max(1) as f64
        );
    }
}
