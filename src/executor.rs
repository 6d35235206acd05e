//! Runs a shape for real: exactly k workers pull chunks of c items from one shared counter
//! (or a plain loop, for serial), with shared or copied transfer, cancellable, with a per-chunk
//! timeline.

use crate::cancel::CancelToken;
use crate::clock;
use crate::error::{Error, Result};
use crate::options::Transfer;
use crate::pool::WorkerPool;
use crate::runtime::copy::{schedule_copied, CopyMap};
use crate::runtime::schedule::{schedule, CancelCheck, RunSettings};
use crate::runtime::slots::{ChunkMap, Results};
use crate::shape::Shape;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::time::Duration;

pub use crate::runtime::schedule::ChunkTiming;

/// The outcome of a run: results in input order, and the run's record.
#[derive(Debug, Clone)]
pub struct Execution<R> {
    pub results: Vec<R>,
    pub run: RunSummary,
}

/// A run without its results: how long it took, its shape, and its chunk timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub elapsed_s: f64,
    pub items: usize,
    pub workers: usize,
    pub chunk_size: usize,
    pub serial: bool,
    pub transfer: Transfer,
    pub chunks: Vec<ChunkTiming>,
    /// More chunks ran than `TIMELINE_LIMIT`; `chunks` holds the earliest of them.
    pub timeline_truncated: bool,
    /// Seconds from the run's start until its last worker began (0 for serial): how long a
    /// parked pool thread took to wake.
    #[serde(default)]
    pub latest_start_s: f64,
}

impl<R> Execution<R> {
    fn new(results: Vec<R>, run: RunSummary) -> Self {
        Self { results, run }
    }

    /// How long the run took.
    pub fn elapsed(&self) -> Duration {
        Duration::from_secs_f64(self.run.elapsed_s.max(0.0))
    }
}

/// Checks a shape against the input and the pool before anything runs.
pub(crate) fn validate(n: usize, shape: Shape, pool: &dyn WorkerPool) -> Result<()> {
    if n == 0 {
        return Err(Error::EmptyInput);
    }
    let Shape::Parallel(p) = shape else {
        return Ok(());
    };
    if p.workers == 0 {
        return Err(Error::ZeroWorkers);
    }
    if p.chunk_size == 0 {
        return Err(Error::ZeroChunkSize);
    }
    if p.workers > pool.threads() {
        return Err(Error::TooManyWorkers {
            requested: p.workers,
            available: pool.threads(),
        });
    }
    Ok(())
}

/// Runs `shape` over `items`, sharing memory or copying as `transfer` says. Only this wrapper is
/// compiled per item and result type; the run itself goes through `run`.
pub(crate) fn execute<T, R>(
    items: &[T],
    f: &(impl Fn(&T) -> R + Sync),
    shape: Shape,
    settings: RunSettings<'_>,
    transfer: Transfer,
) -> Result<Execution<R>>
where
    T: Sync + Serialize + DeserializeOwned,
    R: Send + Serialize + DeserializeOwned,
{
    let mut results = Results::new(items.len());
    let map = results.map(items, f);
    let transferred = match transfer {
        Transfer::Shared => TransferMap::Shared(&map),
        Transfer::Copy => TransferMap::Copied(&map),
    };
    let run = run(transferred, shape, settings)?;
    // SAFETY: the run succeeded, so every index in 0..n was written exactly once.
    Ok(Execution::new(unsafe { results.assume_filled() }, run))
}

/// `execute` with zero-copy transfer, for items and results that need not be serde types.
pub(crate) fn execute_shared<T: Sync, R: Send>(
    items: &[T],
    f: &(impl Fn(&T) -> R + Sync),
    shape: Shape,
    settings: RunSettings<'_>,
) -> Result<Execution<R>> {
    let mut results = Results::new(items.len());
    let run = run(TransferMap::Shared(&results.map(items, f)), shape, settings)?;
    // SAFETY: the run succeeded, so every index in 0..n was written exactly once.
    Ok(Execution::new(unsafe { results.assume_filled() }, run))
}

/// The serial baseline: a plain loop on the calling thread, no pool and no copies.
fn run_serial(map: &dyn ChunkMap, cancel: Option<&CancelToken>) -> Result<RunSummary> {
    let n = map.len();
    let watch = clock::Stopwatch::start();
    // SAFETY: one call maps every index once.
    unsafe { map.map(0..n, &CancelCheck::new(cancel)) }?;
    let elapsed = watch.elapsed();
    Ok(RunSummary {
        elapsed_s: elapsed,
        items: n,
        workers: 1,
        chunk_size: n,
        serial: true,
        transfer: Transfer::Shared,
        chunks: vec![ChunkTiming {
            worker: 0,
            first: 0,
            count: n,
            start: 0.0,
            end: elapsed,
        }],
        timeline_truncated: false,
        latest_start_s: 0.0,
    })
}

/// A map as a run moves its data: shared memory, or copies both ways.
#[derive(Clone, Copy)]
pub(crate) enum TransferMap<'a> {
    Shared(&'a dyn ChunkMap),
    Copied(&'a dyn CopyMap),
}

/// Runs `shape`. Serial runs on the calling thread, with nothing shared or copied.
pub(crate) fn run(
    map: TransferMap<'_>,
    shape: Shape,
    settings: RunSettings<'_>,
) -> Result<RunSummary> {
    let items: &dyn ChunkMap = match map {
        TransferMap::Shared(map) => map,
        TransferMap::Copied(map) => map,
    };
    let n = items.len();
    validate(n, shape, settings.pool)?;
    let Shape::Parallel(parallel) = shape else {
        return run_serial(items, settings.cancel);
    };
    let started_at = clock::now();
    let (timeline, transfer) = match map {
        TransferMap::Shared(map) => {
            // SAFETY: the schedule hands every index to exactly one chunk.
            let body = |_worker: usize, range: Range<usize>, check: &CancelCheck<'_>| unsafe {
                map.map(range, check)
            };
            let timeline = schedule(n, parallel, settings, started_at, &body)?;
            (timeline, Transfer::Shared)
        }
        TransferMap::Copied(map) => (
            schedule_copied(map, parallel, settings, started_at)?,
            Transfer::Copy,
        ),
    };
    let elapsed = clock::now() - started_at;
    Ok(RunSummary {
        elapsed_s: elapsed.max(0.0),
        items: n,
        workers: parallel.workers,
        chunk_size: parallel.chunk_size,
        serial: false,
        transfer,
        chunks: timeline.chunks,
        timeline_truncated: timeline.truncated,
        latest_start_s: timeline.latest_start_s,
    })
}
