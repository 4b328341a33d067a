//! Stopping work that nobody waits for any more: a newer request from the
//! window supersedes an older one, and the long loops of the analyses look
//! at this flag so that the older one stops within milliseconds instead of
//! finishing first.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Work was stopped because a newer request replaced it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cancelled;

impl std::fmt::Display for Cancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("replaced by a newer request")
    }
}

/// Whether the request `id` is still the latest one.
#[derive(Clone, Debug)]
pub struct Cancel {
    latest: Option<Arc<AtomicU64>>,
    id: u64,
}

impl Cancel {
    /// For work that is never cancelled (the report, tests).
    pub fn never() -> Cancel {
        Cancel {
            latest: None,
            id: 0,
        }
    }

    /// For request `id`, cancelled as soon as `latest` holds another id.
    pub fn new(latest: Arc<AtomicU64>, id: u64) -> Cancel {
        Cancel {
            latest: Some(latest),
            id,
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.latest
            .as_ref()
            .is_some_and(|latest| latest.load(Ordering::Relaxed) != self.id)
    }

    /// `Err` once the work is no longer wanted, for `?` in loops.
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }
}
