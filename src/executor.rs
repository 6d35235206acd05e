//! Runs a plan for real: exactly k workers pull chunks of c items from one shared counter.

use crate::cancel::CancelToken;
use crate::clock;
use crate::error::{Error, Result};
use crate::options::{Start, Transfer, TIMELINE_LIMIT};
use crate::plan::{Plan, Strategy};
use crate::pool::WorkerPool;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::mem::MaybeUninit;
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// When one chunk ran, and on which worker. Times are seconds since the run started.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChunkTiming {
    pub worker: usize,
    pub first: usize,
    pub count: usize,
    pub start: f64,
    pub end: f64,
}

/// The outcome of a run: results in input order, how long it took, and its chunk timeline.
#[derive(Debug, Clone)]
pub struct Execution<R> {
    pub results: Vec<R>,
    pub elapsed: Duration,
    pub workers: usize,
    pub chunk_size: usize,
    pub transfer: Transfer,
    pub chunks: Vec<ChunkTiming>,
    /// More chunks ran than `TIMELINE_LIMIT`; `chunks` holds the earliest of them.
    pub timeline_truncated: bool,
}

/// An execution without its results: what the CLI and the web front end show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub elapsed_s: f64,
    pub items: usize,
    pub workers: usize,
    pub chunk_size: usize,
    pub serial: bool,
    pub transfer: Transfer,
    pub chunks: Vec<ChunkTiming>,
    pub timeline_truncated: bool,
}

impl<R> Execution<R> {
    fn new(results: Vec<R>, run: RunSummary) -> Self {
        Self {
            results,
            elapsed: Duration::from_secs_f64(run.elapsed_s.max(0.0)),
            workers: run.workers,
            chunk_size: run.chunk_size,
            transfer: run.transfer,
            chunks: run.chunks,
            timeline_truncated: run.timeline_truncated,
        }
    }

    pub fn summary(&self, serial: bool) -> RunSummary {
        RunSummary {
            elapsed_s: self.elapsed.as_secs_f64(),
            items: self.results.len(),
            workers: self.workers,
            chunk_size: self.chunk_size,
            serial,
            transfer: self.transfer,
            chunks: self.chunks.clone(),
            timeline_truncated: self.timeline_truncated,
        }
    }
}

/// What a run needs besides items and function.
#[derive(Clone, Copy)]
pub(crate) struct RunSpec<'a> {
    pub pool: &'a dyn WorkerPool,
    pub start: Start,
    pub timeline: bool,
    pub cancel: Option<&'a CancelToken>,
}

pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}

/// Checks a plan against the input and the pool before anything runs.
pub(crate) fn validate(n: usize, plan: &Plan, pool: &dyn WorkerPool) -> Result<()> {
    if n == 0 {
        return Err(Error::EmptyInput);
    }
    if plan.strategy == Strategy::Serial {
        return Ok(());
    }
    if plan.workers == 0 {
        return Err(Error::ZeroWorkers);
    }
    if plan.chunk_size == 0 {
        return Err(Error::ZeroChunkSize);
    }
    if plan.workers > pool.threads() {
        return Err(Error::TooManyWorkers {
            requested: plan.workers,
            available: pool.threads(),
        });
    }
    Ok(())
}

/// Calls `f` on every item of `range`, writing each result through `write`; a panic is
/// reported with the index of the item that raised it.
pub(crate) fn map_range<T, R>(
    items: &[T],
    range: Range<usize>,
    f: &(impl Fn(&T) -> R + Sync),
    mut write: impl FnMut(usize, R),
) -> Result<()> {
    let mut current = range.start;
    catch_unwind(AssertUnwindSafe(|| {
        for index in range {
            current = index;
            write(index, f(&items[index]));
        }
    }))
    .map_err(|payload| Error::Panicked {
        index: current,
        message: panic_message(payload.as_ref()),
    })
}

/// Aim for a cancel check about this often inside a chunk.
const CHECK_EVERY_S: f64 = 0.002;
const LONGEST_STRIDE: usize = 1 << 16;

/// `map_range` that checks `cancel` between blocks of items. Blocks double while they take
/// under half of `CHECK_EVERY_S` and halve above it, so that checking costs nothing beside the
/// work and a cancel lands within milliseconds even when one chunk runs for seconds.
pub(crate) fn map_range_cancellable<T, R>(
    items: &[T],
    range: Range<usize>,
    f: &(impl Fn(&T) -> R + Sync),
    mut write: impl FnMut(usize, R),
    cancel: Option<&CancelToken>,
) -> Result<()> {
    let Some(cancel) = cancel else {
        return map_range(items, range, f, write);
    };
    let mut stride = 1;
    let mut first = range.start;
    while first < range.end {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let end = first.saturating_add(stride).min(range.end);
        let began = clock::now();
        map_range(items, first..end, f, &mut write)?;
        let took = clock::now() - began;
        if took < CHECK_EVERY_S / 2.0 && stride < LONGEST_STRIDE {
            stride *= 2;
        } else if took > CHECK_EVERY_S && stride > 1 {
            stride /= 2;
        }
        first = end;
    }
    Ok(())
}

/// The chunks one run executed, per worker, and whether some were left out of the record.
pub(crate) struct Timeline {
    pub chunks: Vec<ChunkTiming>,
    pub truncated: bool,
}

/// The shared-counter loop: `workers` tasks each take the next `chunk` items until none are
/// left, a chunk fails, or the run is cancelled. `body` does the work of one chunk.
pub(crate) fn schedule(
    n: usize,
    workers: usize,
    chunk: usize,
    spec: RunSpec<'_>,
    started_at: f64,
    body: &(dyn Fn(usize, Range<usize>) -> Result<()> + Sync),
) -> Result<Timeline> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    let logs: Vec<Mutex<Vec<ChunkTiming>>> = (0..workers).map(|_| Mutex::default()).collect();
    let truncated = AtomicBool::new(false);
    let per_worker_limit = TIMELINE_LIMIT / workers;

    let task = |worker: usize| {
        let mut log = Vec::new();
        loop {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            if spec.cancel.is_some_and(|c| c.is_cancelled()) {
                stop.store(true, Ordering::Relaxed);
                failure.lock().unwrap().get_or_insert(Error::Cancelled);
                break;
            }
            let first = next.fetch_add(chunk, Ordering::Relaxed);
            if first >= n {
                break;
            }
            let end = first.saturating_add(chunk).min(n);
            let began = if spec.timeline { clock::now() } else { 0.0 };
            if let Err(error) = body(worker, first..end) {
                stop.store(true, Ordering::Relaxed);
                failure.lock().unwrap().get_or_insert(error);
                break;
            }
            if spec.timeline {
                if log.len() < per_worker_limit {
                    log.push(ChunkTiming {
                        worker,
                        first,
                        count: end - first,
                        start: began - started_at,
                        end: clock::now() - started_at,
                    });
                } else {
                    truncated.store(true, Ordering::Relaxed);
                }
            }
        }
        *logs[worker].lock().unwrap() = log;
    };

    match spec.start {
        Start::Warm => spec.pool.run(workers, &task),
        Start::Cold => spec.pool.run_cold(workers, &task)?,
    }
    if let Some(error) = failure.into_inner().unwrap() {
        return Err(error);
    }
    let mut chunks: Vec<ChunkTiming> = logs
        .into_iter()
        .flat_map(|log| log.into_inner().unwrap())
        .collect();
    chunks.sort_by_key(|c| c.first);
    Ok(Timeline {
        chunks,
        truncated: truncated.into_inner(),
    })
}

/// Result slots that workers fill at disjoint indices.
struct Slots<R> {
    base: *mut MaybeUninit<R>,
}

// SAFETY: each index is written by exactly one worker (the shared counter hands every item to
// one chunk), and the vector outlives the run.
unsafe impl<R: Send> Sync for Slots<R> {}

impl<R> Slots<R> {
    /// # Safety
    /// `index` is in bounds and no other thread writes it.
    unsafe fn write(&self, index: usize, value: R) {
        unsafe { (*self.base.add(index)).write(value) };
    }
}

/// Maps chunks of a job's items into their result slots. Type-erased, so that everything that
/// runs a map (the serial loop, the shared-counter schedule, rayon's split, the sampler) is
/// compiled once rather than once per item and result type.
pub(crate) trait ChunkMap: Sync {
    /// How many items there are.
    fn len(&self) -> usize;
    /// Maps `range` of the items. Each index must be mapped at most once per run.
    fn map(&self, range: Range<usize>, cancel: Option<&CancelToken>) -> Result<()>;
}

/// A `ChunkMap` whose items and results are serde types, as copy transfer needs.
pub(crate) trait CopyMap: ChunkMap {
    /// A worker's part of a copied chunk: the items of `range` are encoded and decoded (their
    /// trip to the worker), mapped, and their results encoded for the trip back.
    fn map_copied(&self, range: Range<usize>, cancel: Option<&CancelToken>) -> Result<Vec<u8>>;
    /// The caller's part: decodes the results `map_copied` encoded for `range` into its slots.
    fn receive(&self, range: Range<usize>, bytes: &[u8]) -> Result<()>;
}

/// `f` over `items`, each result written into its own slot.
pub(crate) struct SlotMap<'a, T, R, F> {
    items: &'a [T],
    f: &'a F,
    slots: Slots<R>,
}

impl<T: Sync, R: Send, F: Fn(&T) -> R + Sync> ChunkMap for SlotMap<'_, T, R, F> {
    fn len(&self) -> usize {
        self.items.len()
    }

    fn map(&self, range: Range<usize>, cancel: Option<&CancelToken>) -> Result<()> {
        // SAFETY: callers hand every index to one chunk only, so no other worker writes it.
        let write = |index, r| unsafe { self.slots.write(index, r) };
        map_range_cancellable(self.items, range, self.f, write, cancel)
    }
}

impl<T, R, F> CopyMap for SlotMap<'_, T, R, F>
where
    T: Sync + Serialize + DeserializeOwned,
    R: Send + Serialize + DeserializeOwned,
    F: Fn(&T) -> R + Sync,
{
    fn map_copied(&self, range: Range<usize>, cancel: Option<&CancelToken>) -> Result<Vec<u8>> {
        let first = range.start;
        let sent: Vec<&T> = self.items[range].iter().collect();
        let message = encode(&sent, first)?;
        let received: Vec<T> = decode(&message, first)?;
        let mut results = Results::new(received.len());
        results
            .map(&received, self.f)
            .map(0..received.len(), cancel)
            .map_err(|e| e.offset_items(first))?;
        // SAFETY: the whole chunk was mapped.
        encode(&unsafe { results.assume_filled() }, first)
    }

    fn receive(&self, range: Range<usize>, bytes: &[u8]) -> Result<()> {
        let results: Vec<R> = decode(bytes, range.start)?;
        if results.len() != range.len() || range.end > self.items.len() {
            return Err(Error::Transfer {
                index: range.start,
                message: format!(
                    "{} results came back for the {} items of the chunk",
                    results.len(),
                    range.len()
                ),
            });
        }
        for (index, result) in range.zip(results) {
            // SAFETY: replies are received one at a time after the workers finished, and each
            // covers its own chunk.
            unsafe { self.slots.write(index, result) };
        }
        Ok(())
    }
}

/// Result storage for `n` items that a run fills through a `SlotMap`.
pub(crate) struct Results<R> {
    storage: Vec<MaybeUninit<R>>,
}

impl<R> Results<R> {
    pub fn new(n: usize) -> Self {
        let mut storage = Vec::with_capacity(n);
        // SAFETY: MaybeUninit needs no initialization.
        unsafe { storage.set_len(n) };
        Self { storage }
    }

    /// Borrows the storage for as long as the map lives, so that it cannot be handed out as
    /// results while a run may still write into it.
    pub fn map<'a, T, F>(&'a mut self, items: &'a [T], f: &'a F) -> SlotMap<'a, T, R, F> {
        debug_assert_eq!(items.len(), self.storage.len());
        SlotMap {
            items,
            f,
            slots: Slots {
                base: self.storage.as_mut_ptr(),
            },
        }
    }

    /// # Safety
    /// Every slot was written. (On failure, written results leak rather than drop: the run is
    /// abandoned anyway.)
    pub unsafe fn assume_filled(self) -> Vec<R> {
        let mut storage = std::mem::ManuallyDrop::new(self.storage);
        let (len, capacity) = (storage.len(), storage.capacity());
        unsafe { Vec::from_raw_parts(storage.as_mut_ptr() as *mut R, len, capacity) }
    }
}

/// rayon's way of sharing out a map, as `items.par_iter().map(f).collect()` does it on the
/// global pool: halve the index range while the adaptive splitter asks for more pieces (one
/// per thread, and again whenever a piece is stolen), then map each piece in place.
pub(crate) fn map_rayon<T: Sync, R: Send>(
    items: &[T],
    f: &(impl Fn(&T) -> R + Sync),
) -> Result<Vec<R>> {
    let mut results = Results::new(items.len());
    split_like_rayon(&results.map(items, f))?;
    // SAFETY: the leaves of the split cover 0..n exactly once, and all of them succeeded.
    Ok(unsafe { results.assume_filled() })
}

fn split_like_rayon(map: &dyn ChunkMap) -> Result<()> {
    use rayon::iter::ParallelIterator;
    let halve = |range: Range<usize>| {
        if range.len() < 2 {
            return (range, None);
        }
        let middle = range.start + range.len() / 2;
        (range.start..middle, Some(middle..range.end))
    };
    rayon::iter::split(0..map.len(), halve).try_for_each(|range| map.map(range, None))
}

/// Runs `plan` over `items`, sharing memory or copying as `transfer` says. Only this wrapper is
/// compiled per item and result type; the run itself goes through `run`.
pub(crate) fn execute<T, R>(
    items: &[T],
    f: &(impl Fn(&T) -> R + Sync),
    plan: &Plan,
    spec: RunSpec<'_>,
    transfer: Transfer,
) -> Result<Execution<R>>
where
    T: Sync + Serialize + DeserializeOwned,
    R: Send + Serialize + DeserializeOwned,
{
    let mut results = Results::new(items.len());
    let map = results.map(items, f);
    let transferred = match transfer {
        Transfer::Shared => Transferred::Shared(&map),
        Transfer::Copy => Transferred::Copied(&map),
    };
    let run = run(transferred, plan, spec)?;
    // SAFETY: the run succeeded, so every index in 0..n was written exactly once.
    Ok(Execution::new(unsafe { results.assume_filled() }, run))
}

/// `execute` with zero-copy transfer, for items and results that need not be serde types.
pub(crate) fn execute_shared<T: Sync, R: Send>(
    items: &[T],
    f: &(impl Fn(&T) -> R + Sync),
    plan: &Plan,
    spec: RunSpec<'_>,
) -> Result<Execution<R>> {
    let mut results = Results::new(items.len());
    let run = run(Transferred::Shared(&results.map(items, f)), plan, spec)?;
    // SAFETY: the run succeeded, so every index in 0..n was written exactly once.
    Ok(Execution::new(unsafe { results.assume_filled() }, run))
}

/// The serial baseline: a plain loop on the calling thread, no pool and no copies.
fn run_serial(map: &dyn ChunkMap, cancel: Option<&CancelToken>) -> Result<RunSummary> {
    let n = map.len();
    let watch = clock::Stopwatch::start();
    map.map(0..n, cancel)?;
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
    })
}

/// A map as a run moves its data: shared memory, or copies both ways.
#[derive(Clone, Copy)]
pub(crate) enum Transferred<'a> {
    Shared(&'a dyn ChunkMap),
    Copied(&'a dyn CopyMap),
}

/// Runs `plan`. A serial plan runs on the calling thread, with nothing shared or copied.
pub(crate) fn run(map: Transferred<'_>, plan: &Plan, spec: RunSpec<'_>) -> Result<RunSummary> {
    let items: &dyn ChunkMap = match map {
        Transferred::Shared(map) => map,
        Transferred::Copied(map) => map,
    };
    let n = items.len();
    validate(n, plan, spec.pool)?;
    if plan.strategy == Strategy::Serial {
        return run_serial(items, spec.cancel);
    }
    let started_at = clock::now();
    let (timeline, transfer) = match map {
        Transferred::Shared(map) => {
            let body = |_worker: usize, range: Range<usize>| map.map(range, spec.cancel);
            let timeline = schedule(n, plan.workers, plan.chunk_size, spec, started_at, &body)?;
            (timeline, Transfer::Shared)
        }
        Transferred::Copied(map) => (
            schedule_copied(map, plan, spec, started_at)?,
            Transfer::Copy,
        ),
    };
    let elapsed = clock::now() - started_at;
    Ok(RunSummary {
        elapsed_s: elapsed.max(0.0),
        items: n,
        workers: plan.workers,
        chunk_size: plan.chunk_size,
        serial: false,
        transfer,
        chunks: timeline.chunks,
        timeline_truncated: timeline.truncated,
    })
}

fn encode<V: Serialize + ?Sized>(value: &V, index: usize) -> Result<Vec<u8>> {
    postcard::to_allocvec(value).map_err(|e| Error::Transfer {
        index,
        message: e.to_string(),
    })
}

fn decode<V: DeserializeOwned>(bytes: &[u8], index: usize) -> Result<V> {
    postcard::from_bytes(bytes).map_err(|e| Error::Transfer {
        index,
        message: e.to_string(),
    })
}

/// A chunk's encoded results, with the items they belong to.
type Reply = (Range<usize>, Vec<u8>);
/// The replies one worker produced.
type Outbox = Mutex<Vec<Reply>>;

/// `schedule` for copy transfer: each chunk's items are encoded and decoded on the way to its
/// worker, and its results are encoded there and decoded by the caller once all are done.
fn schedule_copied(
    map: &dyn CopyMap,
    plan: &Plan,
    spec: RunSpec<'_>,
    started_at: f64,
) -> Result<Timeline> {
    let outboxes: Vec<Outbox> = (0..plan.workers).map(|_| Mutex::default()).collect();
    let body = |worker: usize, range: Range<usize>| {
        let reply = map.map_copied(range.clone(), spec.cancel)?;
        outboxes[worker].lock().unwrap().push((range, reply));
        Ok(())
    };
    let n = map.len();
    let timeline = schedule(n, plan.workers, plan.chunk_size, spec, started_at, &body)?;
    for outbox in outboxes {
        for (range, reply) in outbox.into_inner().unwrap() {
            map.receive(range, &reply)?;
        }
    }
    Ok(timeline)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_rayon_keeps_input_order() {
        let items: Vec<u64> = (0..10_007).collect();
        let results = map_rayon(&items, &|x: &u64| x * x + 1).unwrap();
        let expected: Vec<u64> = items.iter().map(|x| x * x + 1).collect();
        assert_eq!(results, expected);
    }

    #[test]
    fn map_rayon_reports_the_item_that_panicked() {
        let items: Vec<u32> = (0..4096).collect();
        let error = map_rayon(&items, &|x: &u32| {
            assert!(*x != 3000, "item {x} is bad");
            x + 1
        })
        .unwrap_err();
        match error {
            Error::Panicked { index, message } => {
                assert_eq!(index, 3000);
                assert!(message.contains("item 3000 is bad"), "{message}");
            }
            other => panic!("expected a panic error, got {other:?}"),
        }
    }
}
