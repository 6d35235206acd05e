//! The threads that run workers.
//!
//! Every run uses one pool that was started once at its largest size, because the browser's
//! pool (wasm-bindgen-rayon's global rayon pool) cannot be resized. A run with k workers spawns
//! k tasks into that pool; each task is one worker that pulls chunks until none are left.

use crate::error::{Error, Result};
use std::sync::OnceLock;

/// A fixed set of threads that can host up to `threads()` concurrent workers.
pub trait WorkerPool: Send + Sync {
    /// Most workers one run may have.
    fn threads(&self) -> usize;
    /// CPUs that can run workers at once; CPU-bound work gains nothing past this.
    fn cores(&self) -> usize;
    /// Runs `task(worker)` for worker in `0..workers`, concurrently, and returns when all end.
    fn run(&self, workers: usize, task: &(dyn Fn(usize) + Sync));
    /// Like `run`, but on threads started for this run alone, paying their start-up.
    fn run_cold(&self, workers: usize, task: &(dyn Fn(usize) + Sync)) -> Result<()>;
}

/// A rayon pool owned by the engine (native; the browser's pool is rayon's global one).
#[cfg(not(target_arch = "wasm32"))]
pub struct OwnedPool {
    pool: rayon::ThreadPool,
    cores: usize,
}

#[cfg(not(target_arch = "wasm32"))]
impl OwnedPool {
    pub fn new(threads: usize, cores: usize) -> Self {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("amorsize-worker-{i}"))
            .build()
            .expect("the operating system refused to start worker threads");
        Self { pool, cores }
    }

    /// Runs `op` inside this pool, as rayon's own parallel iterators would run.
    pub fn install<R: Send>(&self, op: impl FnOnce() -> R + Send) -> R {
        self.pool.install(op)
    }
}

fn spawn_workers(workers: usize, task: &(dyn Fn(usize) + Sync)) {
    rayon::scope(|scope| {
        for worker in 0..workers {
            scope.spawn(move |_| task(worker));
        }
    });
}

#[cfg(not(target_arch = "wasm32"))]
impl WorkerPool for OwnedPool {
    fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    fn cores(&self) -> usize {
        self.cores
    }

    fn run(&self, workers: usize, task: &(dyn Fn(usize) + Sync)) {
        self.pool.install(|| spawn_workers(workers, task));
    }

    fn run_cold(&self, workers: usize, task: &(dyn Fn(usize) + Sync)) -> Result<()> {
        std::thread::scope(|scope| {
            for worker in 0..workers {
                scope.spawn(move || task(worker));
            }
        });
        Ok(())
    }
}

/// rayon's global pool, as wasm-bindgen-rayon builds it in the browser.
pub struct GlobalPool {
    pub cores: usize,
}

impl WorkerPool for GlobalPool {
    fn threads(&self) -> usize {
        rayon::current_num_threads()
    }

    fn cores(&self) -> usize {
        self.cores.min(self.threads()).max(1)
    }

    fn run(&self, workers: usize, task: &(dyn Fn(usize) + Sync)) {
        spawn_workers(workers, task);
    }

    fn run_cold(&self, _workers: usize, _task: &(dyn Fn(usize) + Sync)) -> Result<()> {
        Err(Error::ColdStartUnsupported)
    }
}

/// No threads at all: the single-threaded browser build. One worker runs on the caller.
pub struct InlinePool;

impl WorkerPool for InlinePool {
    fn threads(&self) -> usize {
        1
    }

    fn cores(&self) -> usize {
        1
    }

    fn run(&self, workers: usize, task: &(dyn Fn(usize) + Sync)) {
        for worker in 0..workers {
            task(worker);
        }
    }

    fn run_cold(&self, _workers: usize, _task: &(dyn Fn(usize) + Sync)) -> Result<()> {
        Err(Error::ColdStartUnsupported)
    }
}

static POOL: OnceLock<Box<dyn WorkerPool>> = OnceLock::new();

/// Installs the process's pool. Returns false if one was already installed or used.
pub fn install(pool: Box<dyn WorkerPool>) -> bool {
    POOL.set(pool).is_ok()
}

pub use crate::tuning::THREADS_PER_CORE;

/// The process's pool; natively, an owned pool of `THREADS_PER_CORE` threads per core.
#[cfg(not(target_arch = "wasm32"))]
pub fn current() -> &'static dyn WorkerPool {
    POOL.get_or_init(|| {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        Box::new(OwnedPool::new(cores * THREADS_PER_CORE, cores))
    })
    .as_ref()
}

/// The process's pool; in the browser, the one `web::start` installed.
#[cfg(target_arch = "wasm32")]
pub fn current() -> &'static dyn WorkerPool {
    POOL.get()
        .expect("web::start installs the pool before any request")
        .as_ref()
}
