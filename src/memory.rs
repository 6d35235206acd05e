//! Memory a run will need, checked before anything is allocated, against the memory there is.
//!
//! wasm memory cannot grow past the module's maximum, and an allocation that fails there traps
//! the whole instance ("unreachable"), so a job that cannot fit is refused up front with its
//! estimate. Natively the cap is a setting (`AMORSIZE_MAX_MEMORY`, in bytes, or `set_limit`).

use crate::error::{Error, Result};
use crate::options::Transfer;
use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// The threaded wasm build's `--max-memory` (`.cargo/config.toml`; `tests/memory.rs` checks
/// that the two agree). The single-threaded build is held to the same limit.
pub const WASM_MAX_MEMORY: u64 = 1 << 30;

/// The native cap when `AMORSIZE_MAX_MEMORY` is not set.
pub const DEFAULT_NATIVE_LIMIT: u64 = 8 << 30;

/// What a heap allocation costs beside its bytes: the allocator's header and rounding.
const ALLOCATION_OVERHEAD: usize = 16;

/// The sampler holds one batch's results at a time, and a batch is at most a tenth of the items
/// (at least 8): `sample::sample`'s `max_sampled`.
const SAMPLED_SHARE: usize = 10;
const SAMPLED_FLOOR: usize = 8;

/// Bytes one item and one output take, their heap data included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Footprint {
    pub item: usize,
    pub output: usize,
}

impl Footprint {
    /// Types whose values hold no heap data.
    pub fn inline<T, R>() -> Self {
        Self {
            item: size_of::<T>(),
            output: size_of::<R>(),
        }
    }

    /// `bytes` of heap data in one allocation behind a value of type `T`.
    pub fn heap<T>(bytes: usize) -> usize {
        size_of::<T>()
            + if bytes > 0 {
                bytes + ALLOCATION_OVERHEAD
            } else {
                0
            }
    }
}

/// A run's memory, by what holds it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Estimate {
    pub items: u64,
    pub results: u64,
    /// Copy transfer: each chunk's items and results, encoded and decoded, with the encoded
    /// results kept until the run ends.
    pub copies: u64,
    /// The sampler's results and, in copy mode, its encoded items and results.
    pub sampler: u64,
}

impl Estimate {
    /// `n` items of `footprint`, run with `transfer`; `items_held` when they already exist.
    pub fn of(footprint: Footprint, n: usize, transfer: Transfer, items_held: bool) -> Self {
        let (item, output) = (footprint.item as u64, footprint.output as u64);
        let n64 = n as u64;
        let sampled = (n / SAMPLED_SHARE).max(SAMPLED_FLOOR).min(n) as u64;
        let copied = transfer == Transfer::Copy;
        Self {
            items: if items_held {
                0
            } else {
                n64.saturating_mul(item)
            },
            results: n64.saturating_mul(output),
            // One chunk per worker copies every item twice (encoded, decoded) and every result
            // twice (encoded in the worker's outbox, decoded in the chunk's result vector).
            copies: if copied {
                n64.saturating_mul(item.saturating_add(output))
                    .saturating_mul(2)
            } else {
                0
            },
            sampler: sampled.saturating_mul(if copied {
                output.saturating_mul(2).saturating_add(item)
            } else {
                output
            }),
        }
    }

    pub fn total(&self) -> u64 {
        self.items
            .saturating_add(self.results)
            .saturating_add(self.copies)
            .saturating_add(self.sampler)
    }

    /// Refuses the run when it needs more than the memory left under `limit()`.
    pub fn check(&self) -> Result<()> {
        self.check_within(limit())
    }

    /// Refuses the run when it needs more than the memory left under `limit`.
    pub fn check_within(&self, limit: u64) -> Result<()> {
        let used = in_use() as u64;
        let available = limit.saturating_sub(used);
        if self.total() <= available {
            return Ok(());
        }
        Err(Error::TooBig {
            needed: self.total(),
            available,
            limit,
            detail: self.describe(),
        })
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (bytes, what) in [
            (self.items, "items"),
            (self.results, "results"),
            (self.copies, "copies for copy transfer"),
            (self.sampler, "sampler"),
        ] {
            if bytes > 0 {
                parts.push(format!("{} {what}", crate::units::bytes(bytes as f64)));
            }
        }
        parts.join(" + ")
    }
}

static LIMIT: AtomicU64 = AtomicU64::new(0);

/// Most bytes the engine may hold: `WASM_MAX_MEMORY` in wasm; natively `AMORSIZE_MAX_MEMORY`
/// or `DEFAULT_NATIVE_LIMIT`, unless `set_limit` was called.
pub fn limit() -> u64 {
    match LIMIT.load(Ordering::Relaxed) {
        0 => {
            let limit = default_limit();
            LIMIT.store(limit, Ordering::Relaxed);
            limit
        }
        set => set,
    }
}

fn default_limit() -> u64 {
    if cfg!(target_arch = "wasm32") {
        return WASM_MAX_MEMORY;
    }
    std::env::var("AMORSIZE_MAX_MEMORY")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&v| v > 0)
        .unwrap_or(DEFAULT_NATIVE_LIMIT)
}

/// Sets the cap every later estimate is checked against (0 restores the default).
pub fn set_limit(bytes: u64) {
    LIMIT.store(bytes, Ordering::Relaxed);
}

static LIVE: AtomicUsize = AtomicUsize::new(0);

/// Bytes allocated and not yet freed, when `Counting` is the global allocator (the browser
/// build); 0 otherwise.
pub fn in_use() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// Bytes the wasm memory holds beyond what is allocated now: what a run can allocate without
/// growing it (fragmentation aside). `None` natively, where freed memory goes back to the
/// system and a large run maps fresh pages whatever was freed before.
pub fn headroom() -> Option<usize> {
    #[cfg(target_arch = "wasm32")]
    {
        let size = core::arch::wasm32::memory_size(0) * (64 << 10);
        Some(size.saturating_sub(in_use()))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        None
    }
}

/// Bytes the process's heap has handed out and not had back, where that can be read: the
/// browser build counts them (`Counting`), and glibc reports them (`mallinfo2`). Chunks parked
/// in glibc's per-thread cache count as handed out, so small allocations served from it read as
/// none.
pub fn heap_in_use() -> Option<usize> {
    #[cfg(target_arch = "wasm32")]
    {
        Some(in_use())
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallinfo2 only reads the allocator's statistics, under its own locks.
        let info = unsafe { libc::mallinfo2() };
        Some(info.uordblks + info.hblkhd)
    }
    #[cfg(not(any(target_arch = "wasm32", all(target_os = "linux", target_env = "gnu"))))]
    {
        None
    }
}

/// An allocator that counts live bytes, so that an estimate is checked against what is really
/// left. Called when an allocation fails, `on_failure` records why before the process aborts.
pub struct Counting<A> {
    pub inner: A,
    pub on_failure: fn(usize),
}

// SAFETY: every call is forwarded to `inner`; only the counter is added.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { self.inner.alloc(layout) };
        self.counted(p, layout.size())
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { self.inner.alloc_zeroed(layout) };
        self.counted(p, layout.size())
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { self.inner.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { self.inner.realloc(ptr, layout, new_size) };
        if p.is_null() {
            (self.on_failure)(new_size);
        } else {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            LIVE.fetch_add(new_size, Ordering::Relaxed);
        }
        p
    }
}

impl<A> Counting<A> {
    fn counted(&self, p: *mut u8, size: usize) -> *mut u8 {
        if p.is_null() {
            (self.on_failure)(size);
        } else {
            LIVE.fetch_add(size, Ordering::Relaxed);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_transfer_needs_more_than_shared() {
        let f = Footprint {
            item: 100,
            output: 50,
        };
        let shared = Estimate::of(f, 1_000_000, Transfer::Shared, false);
        let copy = Estimate::of(f, 1_000_000, Transfer::Copy, false);
        assert_eq!(shared.items, 100_000_000);
        assert_eq!(shared.results, 50_000_000);
        assert_eq!(shared.copies, 0);
        assert_eq!(copy.copies, 300_000_000);
        assert!(copy.sampler > shared.sampler);
        let held = Estimate::of(f, 1_000_000, Transfer::Shared, true);
        assert_eq!(held.items, 0);
    }

    #[test]
    fn huge_jobs_saturate_rather_than_wrap() {
        let f = Footprint {
            item: usize::MAX / 2,
            output: usize::MAX / 2,
        };
        assert_eq!(
            Estimate::of(f, usize::MAX, Transfer::Copy, false).total(),
            u64::MAX
        );
    }

    #[test]
    fn heap_data_counts_its_allocation() {
        assert_eq!(Footprint::heap::<Vec<u8>>(0), 24);
        assert_eq!(
            Footprint::heap::<Vec<u8>>(100),
            24 + 100 + ALLOCATION_OVERHEAD
        );
    }
}
