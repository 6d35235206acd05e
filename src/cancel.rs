//! Cooperative cancellation shared between the caller and the workers.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// A flag that stops a run, sweep or tune at the next chunk boundary.
///
/// Clones share one flag. The flag is a 32-bit word so that a browser page can set it through
/// shared memory while the engine's thread is blocked in a run (see [`CancelToken::as_ptr`]).
#[derive(Clone, Debug, Default)]
pub struct CancelToken(Arc<AtomicU32>);

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.store(1, Ordering::Relaxed);
    }

    pub fn reset(&self) {
        self.0.store(0, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed) != 0
    }

    /// Address of the flag word, for a host that writes it from outside Rust.
    pub fn as_ptr(&self) -> *const AtomicU32 {
        Arc::as_ptr(&self.0)
    }
}
