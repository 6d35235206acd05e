//! Caller choices shared by `optimize_with`, `execute_with`, `sweep_with` and `tune_with`.

use crate::cancel::CancelToken;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How items and results cross the boundary between the caller and a worker.
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

/// Options for the `_with` functions. `Options::default()` is what the plain functions use.
#[derive(Clone, Debug)]
pub struct Options {
    /// Upper bound on workers; `None` lets the optimizer consider the whole pool.
    pub max_workers: Option<usize>,
    /// Most time the sampler may spend. It stops earlier once the job is well measured, and
    /// never spends more than about 2% of the job's estimated serial time.
    pub time_budget: Duration,
    pub transfer: Transfer,
    pub start: Start,
    /// Checked at every chunk boundary; a set token ends the call with `Error::Cancelled`.
    pub cancel: Option<CancelToken>,
    /// Record when each chunk ran on which worker (kept to `TIMELINE_LIMIT` chunks).
    pub timeline: bool,
    /// Seeds the sampler's choice of items, so that repeated decisions are reproducible.
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_workers: None,
            time_budget: Duration::from_millis(200),
            transfer: Transfer::Shared,
            start: Start::Warm,
            cancel: None,
            timeline: true,
            seed: 0x5eed,
        }
    }
}

/// Most chunk timings one execution keeps; past it `Execution::timeline_truncated` is set.
pub const TIMELINE_LIMIT: usize = 20_000;
