//! One-off jobs beside the workers (writing a deck, hashing a data file):
//! they run on a thread of their own so the window keeps drawing, and the
//! window picks up the answer when it comes.

use std::sync::mpsc::{Receiver, TryRecvError, channel};

use eframe::egui;

pub struct Background<T> {
    /// What the status bar says while it runs.
    pub what: String,
    answer: Receiver<T>,
}

impl<T: Send + 'static> Background<T> {
    pub fn spawn(
        what: &str,
        ctx: &egui::Context,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Background<T> {
        let (send, answer) = channel();
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            // The window may have closed meanwhile; nobody is left to tell.
            let _ = send.send(job());
            ctx.request_repaint();
        });
        Background {
            what: what.to_string(),
            answer,
        }
    }

    /// The answer once it is there; `Err(())` when the job died without
    /// one (a panic), so the window can say so rather than wait forever.
    pub fn poll(&self) -> Option<Result<T, ()>> {
        match self.answer.try_recv() {
            Ok(answer) => Some(Ok(answer)),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(())),
        }
    }
}
