//! Result slots that workers fill in place, and the type-erased chunk map that writes them.

use crate::error::Result;
use crate::runtime::schedule::{map_range_cancellable, CancelCheck};
use std::mem::MaybeUninit;
use std::ops::Range;

/// Result slots that workers fill at disjoint indices.
pub(crate) struct Slots<R> {
    base: *mut MaybeUninit<R>,
}

// SAFETY: each index is written by exactly one worker (the shared counter hands every item to
// one chunk), and the vector outlives the run.
unsafe impl<R: Send> Sync for Slots<R> {}

impl<R> Slots<R> {
    /// # Safety
    /// `index` is in bounds and no other thread writes it.
    pub(crate) unsafe fn write(&self, index: usize, value: R) {
        unsafe { (*self.base.add(index)).write(value) };
    }
}

/// Maps chunks of a job's items into their result slots. Type-erased, so that everything that
/// runs a map (the serial loop, the shared-counter schedule, rayon's split, the sampler) is
/// compiled once rather than once per item and result type.
pub(crate) trait ChunkMap: Sync {
    /// How many items there are.
    fn len(&self) -> usize;
    /// Maps `range` of the items into their slots.
    ///
    /// # Safety
    /// Each index is mapped at most once per run: two calls that overlap would write one slot
    /// from two threads.
    unsafe fn map(&self, range: Range<usize>, cancel: &CancelCheck<'_>) -> Result<()>;
}

/// `f` over `items`, each result written into its own slot.
pub(crate) struct SlotMap<'a, T, R, F> {
    pub(crate) items: &'a [T],
    pub(crate) f: &'a F,
    pub(crate) slots: Slots<R>,
}

impl<T: Sync, R: Send, F: Fn(&T) -> R + Sync> ChunkMap for SlotMap<'_, T, R, F> {
    fn len(&self) -> usize {
        self.items.len()
    }

    unsafe fn map(&self, range: Range<usize>, cancel: &CancelCheck<'_>) -> Result<()> {
        // SAFETY: the caller maps every index once, so no other worker writes it.
        let write = |index, r| unsafe { self.slots.write(index, r) };
        map_range_cancellable(self.items, range, self.f, write, cancel)
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

    /// Storage whose pages are already mapped: a batch timed into it measures the items, not
    /// the kernel mapping fresh pages, which depends on the allocator's history (a stretch of
    /// transactions read 1.0 or 1.75 ms by whether glibc reused memory). Runs that do land on
    /// fresh memory are costed from the calibration (`Model::fresh_output_s`).
    pub fn prefaulted(n: usize) -> Self {
        const PAGE: usize = 4096;
        let mut results = Self::new(n);
        let bytes = n * std::mem::size_of::<R>();
        let base = results.storage.as_mut_ptr().cast::<u8>();
        for offset in (0..bytes).step_by(PAGE) {
            // SAFETY: `offset` is inside the allocation, and its slots are uninitialized
            // memory, which any byte may occupy.
            unsafe { base.add(offset).write_volatile(0) };
        }
        results
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
