//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kohorte::analysis::cancel::Cancel;
use kohorte::analysis::history::History;
use kohorte::analysis::kpis::Overview;
use kohorte::analysis::loyalty::LoyaltyResults;
use kohorte::analysis::results::{ClvResults, CohortResults, Mrr, SegmentResults, ViewResults};
use kohorte::analysis::{Data, Engine, Results, Settings};
use kohorte::data::Dataset;
use kohorte::ui::KohorteApp;
use std::time::{Duration, Instant};

use egui_kittest::Harness;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Every part of the results for `settings`, from a new engine.
pub fn compute(data: &Dataset, settings: &Settings) -> Results {
    let data = Data::new(Arc::new(data.clone())).unwrap();
    Engine::new(Arc::new(data))
        .compute_all(settings, &Cancel::never())
        .unwrap()
}

/// Every customer's orders in `data`, as the analyses see them.
pub fn history(data: &Dataset) -> History {
    kohorte::analysis::order_log::history_of(data).unwrap()
}

/// The parts of computed results, for tests that computed them all.
pub trait Parts {
    fn cohorts(&self) -> &CohortResults;
    fn overview(&self) -> Option<&Overview>;
    fn mrr(&self) -> Option<&Mrr>;
    fn segments(&self) -> &SegmentResults;
    fn clv(&self) -> &ClvResults;
    fn loyalty(&self) -> Option<&LoyaltyResults>;
    fn what_if(&self) -> Option<&LoyaltyResults>;
    fn view(&self) -> &ViewResults;
}

impl Parts for Results {
    fn cohorts(&self) -> &CohortResults {
        self.cohorts.as_deref().expect("cohorts computed")
    }

    fn overview(&self) -> Option<&Overview> {
        self.overview
            .as_deref()
            .expect("overview computed")
            .overview
            .as_ref()
    }

    fn mrr(&self) -> Option<&Mrr> {
        self.overview
            .as_deref()
            .expect("overview computed")
            .mrr
            .as_ref()
    }

    fn segments(&self) -> &SegmentResults {
        self.segments.as_deref().expect("segments computed")
    }

    fn clv(&self) -> &ClvResults {
        self.clv.as_deref().expect("CLV computed")
    }

    fn loyalty(&self) -> Option<&LoyaltyResults> {
        self.loyalty.as_deref()?.current.as_deref()
    }

    fn what_if(&self) -> Option<&LoyaltyResults> {
        self.loyalty.as_deref()?.what_if.as_deref()
    }

    fn view(&self) -> &ViewResults {
        self.view.as_deref().expect("view computed")
    }
}

/// Steps the window until `done` says the worker has answered (a spinner
/// never settles, so `run()` cannot be used while the worker is busy).
pub fn settle_until(harness: &mut Harness<'_, KohorteApp>, done: fn(&KohorteApp) -> bool) {
    // A guard against a worker that never answers, not a speed check: the
    // tests run side by side on two cores, where one settle with the CLV
    // ranges has taken minutes.
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        harness.run_steps(2);
        if done(harness.state()) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the worker did not answer in time"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    harness.run_steps(3);
}
