//! The sampler's view of a map: timed batches of consecutive items, with the item and result
//! types hidden so that the sampler is compiled once.

use crate::clock::Stopwatch;
use crate::error::{Error, Result};
use crate::memory;
use crate::runtime::schedule::CancelCheck;
use crate::runtime::slots::{ChunkMap, Results};
use std::hint::black_box;
use std::sync::Mutex;

/// Results kept for the transfer probes.
const KEEP_RESULTS: usize = 16;

/// What the sampler needs from a map, with the item and result types hidden, so that the
/// sampler is compiled once rather than once per item and result type.
pub(crate) trait Batches: Sync {
    fn len(&self) -> usize;
    /// Times items `first..first + len` the way the executor runs them. With `keep`, the last
    /// result is kept for measuring transfer costs.
    fn time(&self, first: usize, len: usize, keep: bool) -> Result<f64>;
    /// In-memory bytes of one item and of one result.
    fn sizes(&self) -> (usize, usize);
    /// Runs items `first..first + len` once more, untimed, for the heap bytes each result owns
    /// (what its slot points to); 0 where the heap cannot be read. Not part of `time`: reading
    /// the heap takes microseconds and a block of timed calls (`clock::readable_run`) would
    /// count them, as 1 ns items read 55-96 ns when it did.
    fn result_heap_bytes(&self, _first: usize, _len: usize) -> Result<f64> {
        Ok(0.0)
    }
}

/// `Batches` over typed items and function; it keeps a few results for transfer probes.
pub(crate) struct TypedBatches<'a, T, R, F> {
    items: &'a [T],
    f: &'a F,
    kept: Mutex<SampledResults<R>>,
    /// Checked before each batch: items of a second would otherwise keep a cancelled decision
    /// running for as many seconds as it samples items.
    cancel: Option<&'a crate::cancel::CancelToken>,
}

/// Results kept while sampling, with the index of the item each came from.
pub(crate) struct SampledResults<R> {
    pub(super) indices: Vec<usize>,
    pub(super) results: Vec<R>,
}

impl<'a, T: Sync, R: Send, F: Fn(&T) -> R + Sync> TypedBatches<'a, T, R, F> {
    pub fn new(items: &'a [T], f: &'a F, cancel: Option<&'a crate::cancel::CancelToken>) -> Self {
        Self {
            items,
            f,
            cancel,
            kept: Mutex::new(SampledResults {
                indices: Vec::new(),
                results: Vec::new(),
            }),
        }
    }

    pub fn into_sampled_results(self) -> SampledResults<R> {
        self.kept.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

impl<T: Sync, R: Send, F: Fn(&T) -> R + Sync> Batches for TypedBatches<'_, T, R, F> {
    fn len(&self) -> usize {
        self.items.len()
    }

    /// Results are written into slots allocated (and mapped) beforehand, as the executor
    /// writes them, so that storing them is timed too.
    fn time(&self, first: usize, len: usize, keep: bool) -> Result<f64> {
        if self.cancel.is_some_and(|c| c.is_cancelled()) {
            return Err(Error::Cancelled);
        }
        let batch = &self.items[first..first + len];
        let mut results = Results::prefaulted(len);
        let watch = Stopwatch::start();
        // SAFETY: one call maps the fresh storage's every index once.
        let mapped = unsafe {
            results
                .map(batch, self.f)
                .map(0..len, &CancelCheck::new(None))
        };
        let elapsed = watch.elapsed();
        mapped.map_err(|e| e.offset_items(first))?;
        // SAFETY: the whole batch was mapped.
        let mut results = unsafe { results.assume_filled() };
        if keep {
            let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
            if kept.results.len() < KEEP_RESULTS {
                if let Some(result) = results.pop() {
                    kept.indices.push(first + len - 1);
                    kept.results.push(result);
                }
            }
        }
        drop(black_box(results));
        Ok(elapsed)
    }

    fn sizes(&self) -> (usize, usize) {
        (std::mem::size_of::<T>(), std::mem::size_of::<R>())
    }

    fn result_heap_bytes(&self, first: usize, len: usize) -> Result<f64> {
        let mut results = Results::prefaulted(len);
        let Some(before) = memory::heap_in_use() else {
            return Ok(0.0);
        };
        // SAFETY: one call maps the fresh storage's every index once.
        let mapped = unsafe {
            results
                .map(&self.items[first..first + len], self.f)
                .map(0..len, &CancelCheck::new(None))
        };
        let after = memory::heap_in_use().unwrap_or(before);
        mapped.map_err(|e| e.offset_items(first))?;
        // SAFETY: the whole batch was mapped.
        drop(unsafe { results.assume_filled() });
        Ok(after.saturating_sub(before) as f64 / len.max(1) as f64)
    }
}
