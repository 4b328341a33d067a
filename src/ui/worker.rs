//! The background worker: every polars query runs here, never on the UI
//! thread. The UI sends a request and keeps drawing; the worker sends the
//! result back and asks for a repaint. A newer request supersedes older ones
//! that have not started yet, and their results are ignored if they finish.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Instant;

use eframe::egui;

use crate::analysis::clv::ModelFit;
use crate::analysis::cohort_scan::quick_cohort_table;
use crate::analysis::cohorts::CohortTable;
use crate::analysis::filter::{FilterChoices, attribute_values};
use crate::analysis::period::Granularity;
use crate::analysis::side_sources::SideResults;
use crate::analysis::{Results, Settings};
use crate::data::{Dataset, ImportOptions, Source};

/// Attribute columns with more distinct values are not offered as filters.
const MAX_FILTER_VALUES: usize = 60;

pub enum Request {
    Open {
        source: Source,
        options: ImportOptions,
        /// The period of a cohort table to send first, read straight from
        /// the file's needed columns, so a large file shows its table long
        /// before every analysis is done; `None` when the tab would not
        /// show that table (filters, a fixed as-of date).
        first_table: Option<Granularity>,
    },
    Analyse {
        dataset: Arc<Dataset>,
        settings: Box<Settings>,
        previous_fit: Option<Arc<ModelFit>>,
    },
    /// Reads and summarises the event log and the survey beside the orders.
    Side {
        events: Option<Source>,
        survey: Option<Source>,
        settings: Box<crate::analysis::side_sources::SideSettings>,
    },
}

impl Request {
    fn stage(&self) -> &'static str {
        match self {
            Request::Open { .. } => "Reading the file",
            Request::Analyse { .. } => "Computing",
            Request::Side { .. } => "Reading the event log and survey",
        }
    }
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

pub enum Reply {
    /// The cohort table of a file being opened, before the file is read
    /// whole; the request is still under way.
    FirstTable(Arc<CohortTable>),
    Opened(Result<Opened, OpenFailure>),
    Analysed(Result<Arc<Results>, String>),
    Side(Result<Arc<SideResults>, String>),
}

/// A reply tagged with the id of the request that produced it.
pub struct Tagged {
    pub id: u64,
    pub reply: Reply,
    pub elapsed_ms: u128,
}

pub struct Worker {
    requests: Sender<(u64, Request)>,
    replies: Receiver<Tagged>,
    latest: Arc<AtomicU64>,
    next_id: u64,
    /// The request whose reply the UI is waiting for, and what it does.
    pending: Option<(u64, &'static str, Instant)>,
}

impl Worker {
    pub fn spawn(ctx: egui::Context) -> Worker {
        let (requests, inbox) = channel::<(u64, Request)>();
        let (outbox, replies) = channel::<Tagged>();
        let latest = Arc::new(AtomicU64::new(0));
        let latest_seen = latest.clone();
        let spawned = std::thread::Builder::new()
            .name("kohorte-worker".into())
            .spawn(move || {
                while let Ok((id, request)) = inbox.recv() {
                    // Skip requests that a newer one has replaced.
                    if id < latest_seen.load(Ordering::SeqCst) {
                        continue;
                    }
                    let started = Instant::now();
                    let send = |reply| {
                        let sent = outbox.send(Tagged {
                            id,
                            reply,
                            elapsed_ms: started.elapsed().as_millis(),
                        });
                        ctx.request_repaint();
                        sent.is_ok()
                    };
                    let reply = run(request, &send);
                    if !send(reply) {
                        break;
                    }
                }
            });
        if let Err(e) = spawned {
            eprintln!("kohorte: could not start the background worker: {e}");
        }
        Worker {
            requests,
            replies,
            latest,
            next_id: 1,
            pending: None,
        }
    }

    pub fn submit(&mut self, request: Request) {
        let id = self.next_id;
        self.next_id += 1;
        self.latest.store(id, Ordering::SeqCst);
        self.pending = Some((id, request.stage(), Instant::now()));
        // A closed channel means the worker thread is gone; `busy` stays set
        // and the UI shows the stage, which is the honest state.
        let _ = self.requests.send((id, request));
    }

    /// The next reply to the latest request, if one has arrived; replies
    /// to requests replaced since are dropped. An early reply (the first
    /// table) leaves the request pending.
    pub fn poll(&mut self) -> Option<Tagged> {
        while let Ok(tagged) = self.replies.try_recv() {
            if self.pending.is_some_and(|(id, _, _)| id == tagged.id) {
                if !matches!(tagged.reply, Reply::FirstTable(_)) {
                    self.pending = None;
                }
                return Some(tagged);
            }
        }
        None
    }

    /// What the worker is doing for the UI, and for how long.
    pub fn busy(&self) -> Option<(&'static str, f32)> {
        self.pending
            .map(|(_, stage, since)| (stage, since.elapsed().as_secs_f32()))
    }
}

/// Runs a request; `early` sends a reply before the final one.
fn run(request: Request, early: &dyn Fn(Reply) -> bool) -> Reply {
    match request {
        Request::Side {
            events,
            survey,
            settings,
        } => run_side(events, survey, &settings),
        Request::Open {
            source,
            options,
            first_table,
        } => {
            if let (Source::File(path), Some(granularity)) = (&source, first_table) {
                let table = guarded(
                    || Ok::<_, ()>(quick_cohort_table(path, &options, granularity, None)),
                    |_| (),
                );
                if let Ok(Some(table)) = table {
                    early(Reply::FirstTable(Arc::new(table)));
                }
            }
            let failed = source.clone();
            Reply::Opened(guarded(
                || {
                    let dataset = source.load(&options).map_err(|e| OpenFailure {
                        source: source.clone(),
                        message: e.to_string(),
                        columns: e.input_columns().map(<[String]>::to_vec),
                    })?;
                    let filter_choices = dataset
                        .attributes
                        .iter()
                        .map(|column| {
                            let values =
                                attribute_values(&dataset.orders, column, MAX_FILTER_VALUES)
                                    .ok()
                                    .flatten();
                            (column.clone(), values)
                        })
                        .collect();
                    Ok(Opened {
                        dataset: Arc::new(dataset),
                        filter_choices,
                    })
                },
                |message| OpenFailure {
                    source: failed,
                    message,
                    columns: None,
                },
            ))
        }
        Request::Analyse {
            dataset,
            settings,
            previous_fit,
        } => Reply::Analysed(guarded(
            || {
                Results::compute_reusing(&dataset, &settings, previous_fit)
                    .map(Arc::new)
                    .map_err(|e| format!("the analysis failed: {e}"))
            },
            |message| message,
        )),
    }
}

fn run_side(
    events: Option<Source>,
    survey: Option<Source>,
    settings: &crate::analysis::side_sources::SideSettings,
) -> Reply {
    Reply::Side(guarded(
        || {
            Ok::<_, String>(Arc::new(crate::analysis::side_sources::compute(
                events.as_ref(),
                survey.as_ref(),
                settings,
            )))
        },
        |message| message,
    ))
}

/// A panic inside a library must not take the worker down with it.
fn guarded<T, E>(
    job: impl FnOnce() -> Result<T, E>,
    on_panic: impl FnOnce(String) -> E,
) -> Result<T, E> {
    std::panic::catch_unwind(AssertUnwindSafe(job)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown error".to_string());
        Err(on_panic(format!(
            "internal error while working on the data: {what}"
        )))
    })
}
