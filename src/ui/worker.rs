//! The background workers: every polars query and analysis runs here, never
//! on the UI thread. The UI sends a request and keeps drawing; the worker
//! answers (once or in several replies) and asks for a repaint. A newer
//! request supersedes older ones: those not started are skipped, the one
//! under way stops at its next cancel check, and replies to either are
//! ignored.

use rust_i18n::t;
use std::borrow::Cow;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use eframe::egui;

use crate::analysis::cancel::Cancel;
use crate::analysis::cohort_scan::quick_cohort_table;
use crate::analysis::cohorts::CohortTable;
use crate::analysis::filter::{FilterChoices, attribute_values};
use crate::analysis::period::Granularity;
use crate::analysis::side_sources::{SideResults, SideSettings};
use crate::analysis::{Data, Engine, Part, Results, Settings, Stop};
use crate::data::{Dataset, ImportOptions, Source};

/// Attribute columns with more distinct values are not offered as filters.
const MAX_FILTER_VALUES: usize = 60;

/// A reply tagged with the id of the request that produced it.
pub struct Tagged<R> {
    pub id: u64,
    pub reply: R,
    pub elapsed_ms: u128,
    /// The request's last reply.
    pub last: bool,
}

/// How a request under way answers and learns it is no longer wanted.
pub struct Job<'a, R> {
    pub cancel: Cancel,
    stage: &'a Mutex<String>,
    send: &'a dyn Fn(R, bool) -> bool,
}

impl<R> Job<'_, R> {
    /// An answer before the last one.
    pub fn reply(&self, reply: R) {
        (self.send)(reply, false);
    }

    pub fn finish(&self, reply: R) {
        (self.send)(reply, true);
    }

    /// What the status bar says the worker is doing.
    pub fn stage(&self, text: impl Into<String>) {
        if let Ok(mut stage) = self.stage.lock() {
            *stage = text.into();
        }
    }
}

struct Pending {
    id: u64,
    since: Instant,
}

/// A background thread taking requests of type `Q` and answering with `R`.
pub struct Worker<Q, R> {
    requests: Sender<(u64, Q)>,
    replies: Receiver<Tagged<R>>,
    latest: Arc<AtomicU64>,
    stage: Arc<Mutex<String>>,
    next_id: u64,
    pending: Option<Pending>,
}

impl<Q: Send + 'static, R: Send + 'static> Worker<Q, R> {
    /// Starts the thread; `handle` runs each request that is still wanted.
    pub fn spawn(
        name: &str,
        ctx: egui::Context,
        mut handle: impl FnMut(Q, &Job<'_, R>) + Send + 'static,
    ) -> Worker<Q, R> {
        let (requests, inbox) = channel::<(u64, Q)>();
        let (outbox, replies) = channel::<Tagged<R>>();
        let latest = Arc::new(AtomicU64::new(0));
        let stage = Arc::new(Mutex::new(String::new()));
        let (latest_seen, stage_shared) = (latest.clone(), stage.clone());
        let spawned = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                while let Ok((id, request)) = inbox.recv() {
                    // Skip requests that a newer one has replaced.
                    if id < latest_seen.load(Ordering::SeqCst) {
                        continue;
                    }
                    let started = Instant::now();
                    let send = |reply, last| {
                        let sent = outbox.send(Tagged {
                            id,
                            reply,
                            elapsed_ms: started.elapsed().as_millis(),
                            last,
                        });
                        ctx.request_repaint();
                        sent.is_ok()
                    };
                    let job = Job {
                        cancel: Cancel::new(latest_seen.clone(), id),
                        stage: &stage_shared,
                        send: &send,
                    };
                    handle(request, &job);
                }
            });
        if let Err(e) = spawned {
            eprintln!("kohorte: could not start the background worker: {e}");
        }
        Worker {
            requests,
            replies,
            latest,
            stage,
            next_id: 1,
            pending: None,
        }
    }

    /// Sends a request, superseding every earlier one; returns its id.
    pub fn submit(&mut self, request: Q, stage: &str) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        if let Ok(mut current) = self.stage.lock() {
            *current = stage.to_string();
        }
        self.latest.store(id, Ordering::SeqCst);
        self.pending = Some(Pending {
            id,
            since: Instant::now(),
        });
        // A closed channel means the worker thread is gone; `busy` stays set
        // and the UI shows the stage, which is the honest state.
        let _ = self.requests.send((id, request));
        id
    }

    /// The next reply to the latest request, if one has arrived; replies
    /// to requests replaced since are dropped.
    pub fn poll(&mut self) -> Option<Tagged<R>> {
        while let Ok(tagged) = self.replies.try_recv() {
            if self.pending.as_ref().is_some_and(|p| p.id == tagged.id) {
                if tagged.last {
                    self.pending = None;
                }
                return Some(tagged);
            }
        }
        None
    }

    /// What the worker is doing for the UI, and for how many seconds.
    pub fn busy(&self) -> Option<(String, f32)> {
        let pending = self.pending.as_ref()?;
        let stage = self.stage.lock().map(|s| s.clone()).unwrap_or_default();
        Some((stage, pending.since.elapsed().as_secs_f32()))
    }
}

/// A worker nobody will ask again stops what it is doing: the running job's
/// next cancel check ends it, and the thread ends with the channel.
impl<Q, R> Drop for Worker<Q, R> {
    fn drop(&mut self) {
        self.latest.store(u64::MAX, Ordering::SeqCst);
    }
}

pub enum OrdersRequest {
    Open {
        source: Source,
        options: ImportOptions,
        /// The period of a cohort table to send first, read straight from
        /// the file's needed columns, so a large file shows its table long
        /// before every analysis is done; `None` when the tab would not
        /// show that table (filters, a fixed as-of date).
        first_table: Option<Granularity>,
    },
    /// Computes every part for these settings, the visible one first.
    Compute(Box<Settings>),
}

/// A file read, with the values its attribute columns can be filtered on.
pub struct Opened {
    pub dataset: Arc<Dataset>,
    pub filter_choices: FilterChoices,
}

/// A file that could not be opened: why, and its columns when mapping them
/// by hand could help.
pub struct OpenFailure {
    pub source: Source,
    pub message: String,
    pub columns: Option<Vec<String>>,
}

pub enum OrdersReply {
    /// The cohort table of a file being opened, before the file is read
    /// whole.
    FirstTable(Arc<CohortTable>),
    Opened(Result<Opened, OpenFailure>),
    /// The results with `part` computed for the request; the other parts
    /// are as they were.
    Computed {
        results: Results,
        part: Part,
    },
    /// Every part is computed.
    Done,
    Failed(String),
}

/// The worker of the order file: it keeps the file's analyses between
/// requests, so a request computes only what its settings changed.
pub fn orders_worker(
    ctx: egui::Context,
    visible: Arc<AtomicUsize>,
) -> Worker<OrdersRequest, OrdersReply> {
    let mut engine: Option<Engine> = None;
    let mut results = Results::default();
    Worker::spawn("kohorte-orders", ctx, move |request, job| match request {
        OrdersRequest::Open {
            source,
            options,
            first_table,
        } => {
            if let Some(opened) = open(source, &options, first_table, job) {
                engine = Some(opened);
                results = Results::default();
            }
        }
        OrdersRequest::Compute(settings) => {
            let Some(engine) = engine.as_mut() else {
                job.finish(OrdersReply::Failed("no file is open".into()));
                return;
            };
            compute(engine, &settings, &mut results, &visible, job);
        }
    })
}

/// The part shown on screen, for the worker to compute first; the app
/// stores its index in `Part::ALL` (anything else: none).
pub fn visible_part(visible: &AtomicUsize) -> Option<Part> {
    Part::ALL.get(visible.load(Ordering::Relaxed)).copied()
}

pub fn set_visible_part(visible: &AtomicUsize, part: Option<Part>) {
    let index = part
        .and_then(|p| Part::ALL.iter().position(|q| *q == p))
        .unwrap_or(usize::MAX);
    visible.store(index, Ordering::Relaxed);
}

fn compute(
    engine: &mut Engine,
    settings: &Settings,
    results: &mut Results,
    visible: &AtomicUsize,
    job: &Job<'_, OrdersReply>,
) {
    let mut remaining: Vec<Part> = Part::ALL.to_vec();
    while !remaining.is_empty() {
        // The visible part first, looked at again after every part so that
        // switching tabs moves the new one forward.
        // The CLV tab's ranges come right after the tab when it is shown.
        let wanted = match visible_part(visible) {
            Some(Part::Clv) if !remaining.contains(&Part::Clv) => Some(Part::ClvRanges),
            shown => shown,
        };
        let next = wanted
            .filter(|p| remaining.contains(p))
            .unwrap_or(remaining[0]);
        remaining.retain(|p| *p != next);
        job.stage(stage_of(next));
        let outcome = guarded(|| engine.compute(next, settings, results, &job.cancel));
        match outcome {
            Ok(()) => job.reply(OrdersReply::Computed {
                results: results.clone(),
                part: next,
            }),
            // A newer request took over; nobody waits for this one.
            Err(Stop::Cancelled) => return,
            Err(Stop::Failed(message)) => {
                job.finish(OrdersReply::Failed(message));
                return;
            }
        }
    }
    job.finish(OrdersReply::Done);
}

fn stage_of(part: Part) -> Cow<'static, str> {
    match part {
        Part::Overview => t!("Computing the KPIs"),
        Part::Cohorts => t!("Computing the cohort tables"),
        Part::Segments => t!("Computing the segments"),
        Part::Clv => t!("Computing the CLV models"),
        Part::ClvRanges => {
            t!("Computing the ranges of the CLV totals (refitting on resampled customers)")
        }
        Part::Loyalty => t!("Computing the loyalty programme"),
        Part::Data => t!("Computing the orders in view"),
    }
}

/// Reads the file (sending the quick cohort table first when asked) and
/// indexes it; the new engine, or `None` when the file could not be opened.
fn open(
    source: Source,
    options: &ImportOptions,
    first_table: Option<Granularity>,
    job: &Job<'_, OrdersReply>,
) -> Option<Engine> {
    if let (Source::File(path), Some(granularity)) = (&source, first_table) {
        job.stage(t!("Reading the cohort table"));
        let table = guarded(|| Ok::<_, Stop>(quick_cohort_table(path, options, granularity, None)));
        if let Ok(Some(table)) = table {
            job.reply(OrdersReply::FirstTable(Arc::new(table)));
        }
    }
    job.stage(t!("Reading the file"));
    let failed = source.clone();
    let opened = guarded(|| {
        let dataset = source.load(options).map_err(|e| OpenFailure {
            source: source.clone(),
            message: e.to_string(),
            columns: e.input_columns().map(<[String]>::to_vec),
        })?;
        job.stage(t!("Indexing the orders"));
        let dataset = Arc::new(dataset);
        let data = Data::new(dataset.clone()).map_err(|e| OpenFailure {
            source: source.clone(),
            message: t!("could not index the orders: %{error}", error = e).into(),
            columns: None,
        })?;
        let filter_choices = dataset
            .attributes
            .iter()
            .map(|column| {
                let values = attribute_values(&dataset.orders, column, MAX_FILTER_VALUES)
                    .ok()
                    .flatten();
                (column.clone(), values)
            })
            .collect();
        Ok((
            Engine::new(Arc::new(data)),
            Opened {
                dataset,
                filter_choices,
            },
        ))
    });
    let opened = opened.map_err(|e: Failure| match e {
        Failure::Open(failure) => failure,
        Failure::Panic(message) => OpenFailure {
            source: failed,
            message,
            columns: None,
        },
    });
    match opened {
        Ok((engine, opened)) => {
            job.finish(OrdersReply::Opened(Ok(opened)));
            Some(engine)
        }
        Err(failure) => {
            job.finish(OrdersReply::Opened(Err(failure)));
            None
        }
    }
}

/// Why opening failed: the file, or a panic inside a library.
enum Failure {
    Open(OpenFailure),
    Panic(String),
}

impl From<OpenFailure> for Failure {
    fn from(failure: OpenFailure) -> Failure {
        Failure::Open(failure)
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure::Panic(message)
    }
}

impl From<String> for Stop {
    fn from(message: String) -> Stop {
        Stop::Failed(message)
    }
}

/// Reads and summarises the event log and the survey beside the orders.
pub struct SideRequest {
    pub events: Option<Source>,
    pub survey: Option<Source>,
    pub settings: Box<SideSettings>,
}

pub type SideReply = Result<Arc<SideResults>, String>;

/// The worker of the event log and the survey, apart from the orders' so
/// that neither supersedes the other's requests.
pub fn side_worker(ctx: egui::Context) -> Worker<SideRequest, SideReply> {
    Worker::spawn("kohorte-side-files", ctx, |request: SideRequest, job| {
        let results = guarded(|| {
            Ok::<_, String>(Arc::new(crate::analysis::side_sources::compute(
                request.events.as_ref(),
                request.survey.as_ref(),
                &request.settings,
            )))
        });
        job.finish(results);
    })
}

/// A panic inside a library must not take the worker down with it.
fn guarded<T, E: From<String>>(job: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    std::panic::catch_unwind(AssertUnwindSafe(job)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown error".to_string());
        Err(E::from(format!(
            "internal error while working on the data: {what}"
        )))
    })
}
