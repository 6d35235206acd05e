//! The caller's settings, one type for every `_with` and `_copied` entry point.

use crate::cancel::CancelToken;
use crate::shape::Shape;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// How items and results cross the boundary between the caller and a worker. Callers pick it by
/// the function they call (`execute_with` shares, `execute_copied` copies); plans and runs
/// record it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transfer {
    /// Workers read items and write results in place (threads sharing memory): no copy.
    #[default]
    Shared,
    /// Each chunk's items and results are serialized and deserialized, as a process pool or
    /// `postMessage` must; results are decoded by the caller, one chunk after another.
    Copy,
}

/// Whether a run finds its workers already started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Start {
    /// The pool is running before the clock starts, as in a long-lived service.
    #[default]
    Warm,
    /// The run starts its own workers and pays for it, as `with Pool() as p:` does.
    Cold,
}

/// Settings for the `_with` and `_copied` functions; `Options::default()` is what the plain
/// functions use. Each function reads the fields that concern it and ignores the rest.
#[derive(Clone)]
pub struct Options<'a> {
    /// Upper bound on workers when optimizing; `None` lets it consider the whole pool.
    pub max_workers: Option<usize>,
    /// Most time the sampler may spend. It stops earlier once the job is well measured, and
    /// never spends more than about 2% of the job's estimated serial time.
    pub time_budget: Duration,
    pub start: Start,
    /// Checked at every chunk boundary; a set token ends the call with `Error::Cancelled`.
    pub cancel: Option<CancelToken>,
    /// Called after each measured run of a sweep or a tune.
    pub progress: Option<&'a dyn Fn(&Progress)>,
    /// Record when each chunk of an execution ran on which worker (kept to `TIMELINE_LIMIT`
    /// chunks). Sweeps and tunes never record one.
    pub timeline: bool,
    /// Seeds the sampler's choice of items, so that repeated decisions are reproducible.
    pub seed: u64,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Self {
            max_workers: None,
            time_budget: Duration::from_millis(200),
            start: Start::Warm,
            cancel: None,
            progress: None,
            timeline: true,
            seed: 0x5eed,
        }
    }
}

impl fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("max_workers", &self.max_workers)
            .field("time_budget", &self.time_budget)
            .field("start", &self.start)
            .field("cancel", &self.cancel)
            .field("progress", &self.progress.map(|_| "Fn(&Progress)"))
            .field("timeline", &self.timeline)
            .field("seed", &self.seed)
            .finish()
    }
}

/// How far a sweep or tune has got, and the shape it runs now (one worker and every item for
/// the serial baseline).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub serial: bool,
    pub workers: usize,
    pub chunk_size: usize,
}

impl Progress {
    /// `done` of `total` runs, running `shape` on `items` items now.
    pub fn new(done: usize, total: usize, shape: Shape, items: usize) -> Self {
        Self {
            done,
            total,
            serial: shape.is_serial(),
            workers: shape.workers(),
            chunk_size: shape.chunk_size(items),
        }
    }

    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.done as f64 / self.total as f64
        }
    }
}

/// Most chunk timings one execution keeps; past it `Execution::timeline_truncated` is set.
pub const TIMELINE_LIMIT: usize = 20_000;
