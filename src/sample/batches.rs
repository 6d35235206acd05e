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
    /// Heap bytes one result owns (what its slot points to), as far as the batches timed with
    /// `keep` showed it; 0 where the heap cannot be read.
    fn result_heap_bytes(&self) -> f64 {
        0.0
    }
}

/// `Batches` over typed items and function; it keeps a few results for transfer probes.
pub(crate) struct TypedBatches<'a, T, R, F> {
    items: &'a [T],
    f: &'a F,
    kept: Mutex<SampledResults<R>>,
    /// Heap bytes the results of batches timed with `keep` held, and how many results.
    held: Mutex<(usize, usize)>,
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
            held: Mutex::new((0, 0)),
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
        // Only batches timed with `keep` read the heap: they run one at a time, on the
        // sampler's thread, where the probe's side-by-side batches would count each other's.
        let heap_before = keep.then(memory::heap_in_use).flatten();
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
        if let (Some(before), Some(after)) = (heap_before, memory::heap_in_use()) {
            let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
            held.0 += after.saturating_sub(before);
            held.1 += len;
        }
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

    fn result_heap_bytes(&self) -> f64 {
        let (bytes, results) = *self.held.lock().unwrap_or_else(|e| e.into_inner());
        if results > 0 {
            bytes as f64 / results as f64
        } else {
            0.0
        }
    }
}
