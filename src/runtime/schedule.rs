//! The shared-counter loop that every parallel run goes through: `k` workers take the next
//! `c` items from one counter until none are left, recording when each chunk ran.

use crate::cancel::CancelToken;
use crate::clock;
use crate::error::{Error, Result};
use crate::options::{Start, TIMELINE_LIMIT};
use crate::pool::WorkerPool;
use crate::shape::Parallel;
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// When one chunk ran, and on which worker. Times are seconds since the run started.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChunkTiming {
    pub worker: usize,
    pub first: usize,
    pub count: usize,
    pub start: f64,
    pub end: f64,
}

/// What a run needs besides items and function.
#[derive(Clone, Copy)]
pub(crate) struct RunSettings<'a> {
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
            crate::trap::mapping(&items[index]);
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

/// What a run does with one chunk: the worker, the chunk's items, and the worker's cancel
/// checks.
pub(crate) type ChunkBody<'a> =
    dyn Fn(usize, Range<usize>, &CancelCheck<'_>) -> Result<()> + Sync + 'a;

/// One worker's checks of a run's cancel token, between blocks of items. Blocks double while
/// they take under half of `CHECK_EVERY_S` and halve above it, so that checking costs nothing
/// beside the work and a cancel lands within milliseconds even when one chunk runs for seconds.
/// The block length lasts the worker's whole run: started again at one item in every chunk,
/// tiny's chunks of 4,096 items read the clock 24 times each, 1.3 µs a chunk in the browser
/// that no calibration saw, and 2 x 4,096 ran 1.1x where 2 x 50,000 ran 2x.
pub(crate) struct CancelCheck<'a> {
    token: Option<&'a CancelToken>,
    stride: Cell<usize>,
}

impl<'a> CancelCheck<'a> {
    pub(crate) fn new(token: Option<&'a CancelToken>) -> Self {
        Self {
            token,
            stride: Cell::new(1),
        }
    }
}

/// `map_range` that checks for a cancel between blocks of items (`CancelCheck`).
pub(crate) fn map_range_cancellable<T, R>(
    items: &[T],
    range: Range<usize>,
    f: &(impl Fn(&T) -> R + Sync),
    mut write: impl FnMut(usize, R),
    check: &CancelCheck<'_>,
) -> Result<()> {
    let Some(cancel) = check.token else {
        return map_range(items, range, f, write);
    };
    let mut first = range.start;
    while first < range.end {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let stride = check.stride.get();
        let end = first.saturating_add(stride).min(range.end);
        if end - first < stride {
            // A chunk's short last block: a whole block was quick enough, so this one is too,
            // and it tells nothing about how long a whole one takes.
            map_range(items, first..end, f, &mut write)?;
        } else {
            let began = clock::now();
            map_range(items, first..end, f, &mut write)?;
            let took = clock::now() - began;
            if took < CHECK_EVERY_S / 2.0 && stride < LONGEST_STRIDE {
                check.stride.set(stride * 2);
            } else if took > CHECK_EVERY_S && stride > 1 {
                check.stride.set(stride / 2);
            }
        }
        first = end;
    }
    Ok(())
}

/// The chunks one run executed, per worker, and whether some were left out of the record.
pub(crate) struct Timeline {
    pub chunks: Vec<ChunkTiming>,
    pub truncated: bool,
    /// When the last worker began, in seconds since the run started: a parked thread that
    /// woke late shows here even when the others took all its chunks.
    pub latest_start_s: f64,
}

/// The shared-counter loop: `shape.workers` tasks each take the next `shape.chunk_size` items until none are
/// left, a chunk fails, or the run is cancelled. `body` does the work of one chunk.
pub(crate) fn schedule(
    n: usize,
    shape: Parallel,
    settings: RunSettings<'_>,
    started_at: f64,
    body: &ChunkBody<'_>,
) -> Result<Timeline> {
    let Parallel {
        workers,
        chunk_size: chunk,
    } = shape;
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    let logs: Vec<Mutex<Vec<ChunkTiming>>> = (0..workers).map(|_| Mutex::default()).collect();
    let truncated = AtomicBool::new(false);
    let per_worker_limit = TIMELINE_LIMIT / workers;
    let threads_up = settings.pool.awake_for(workers);
    let began = clock::now();
    // Since `began`; a worker that never started keeps infinity until the run's end.
    let entered: Vec<Mutex<f64>> = (0..workers).map(|_| Mutex::new(f64::INFINITY)).collect();
    let slots = AtomicUsize::new(0);

    let task = |_: usize| {
        let worker = slots.fetch_add(1, Ordering::AcqRel);
        if worker >= workers {
            return;
        }
        *entered[worker].lock().unwrap() = clock::now() - began;
        let mut log = Vec::new();
        let check = CancelCheck::new(settings.cancel);
        loop {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            if settings.cancel.is_some_and(|c| c.is_cancelled()) {
                stop.store(true, Ordering::Relaxed);
                failure.lock().unwrap().get_or_insert(Error::Cancelled);
                break;
            }
            let first = next.fetch_add(chunk, Ordering::Relaxed);
            if first >= n {
                break;
            }
            let end = first.saturating_add(chunk).min(n);
            let began = if settings.timeline { clock::now() } else { 0.0 };
            if let Err(error) = body(worker, first..end, &check) {
                stop.store(true, Ordering::Relaxed);
                failure.lock().unwrap().get_or_insert(error);
                break;
            }
            if settings.timeline {
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

    match settings.start {
        Start::Warm => settings.pool.run_eager(workers, &task),
        Start::Cold => settings.pool.run_cold(workers, &task)?,
    }
    if let Some(error) = failure.into_inner().unwrap() {
        return Err(error);
    }
    let mut chunks: Vec<ChunkTiming> = logs
        .into_iter()
        .flat_map(|log| log.into_inner().unwrap())
        .collect();
    chunks.sort_by_key(|c| c.first);
    let ended = clock::now() - began;
    let mut starts: Vec<f64> = entered
        .into_iter()
        .map(|s| s.into_inner().unwrap().min(ended))
        .collect();
    starts.sort_by(f64::total_cmp);
    // Runs of one worker per core or fewer, started warm on threads that are up, are what the
    // model's parked starts stand for (`calibrate::Costs::worker_starts_s`): the runs after a
    // decision and after each other, which a plan's measurements are. A run after the threads
    // went back to sleep (a benchmark's parallel run after a 200 ms serial one), or before
    // the ones a decision woke were up, starts 0.1-1 ms later: counted in, such starts kept
    // 0.1-0.2 ms jobs serial that ran 1.7-1.8x on two workers.
    if workers > 1
        && workers <= settings.pool.cores()
        && settings.start == Start::Warm
        && threads_up
    {
        super::wakes::record(&starts);
    }
    let latest_start_s = starts.last().copied().unwrap_or(0.0) + (began - started_at);
    Ok(Timeline {
        chunks,
        truncated: truncated.into_inner(),
        latest_start_s,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workers_cancel_checks_stay_spaced_from_chunk_to_chunk() {
        let token = CancelToken::new();
        let check = CancelCheck::new(Some(&token));
        let items: Vec<u32> = (0..4096).collect();
        let mut seen = Vec::new();
        for chunk in items.chunks(512) {
            let first = chunk[0] as usize;
            map_range_cancellable(
                &items,
                first..first + 512,
                &|x| x + 1,
                |_, r| seen.push(r),
                &check,
            )
            .unwrap();
        }
        assert_eq!(seen, (1..=4096).collect::<Vec<u32>>());
        // Quick items grow the block past one chunk, and it is not started over in the next.
        assert!(check.stride.get() >= 512, "block of {}", check.stride.get());
        token.cancel();
        let cancelled = map_range_cancellable(&items, 0..512, &|x| x + 1, |_, _| {}, &check);
        assert!(matches!(cancelled, Err(Error::Cancelled)));
    }
}
