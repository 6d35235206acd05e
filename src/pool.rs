//! The threads that run workers.
//!
//! Every run uses one pool that was started once at its largest size, because the browser's
//! pool (wasm-bindgen-rayon's global rayon pool) cannot be resized. A run with k workers spawns
//! k tasks into that pool; each task is one worker that pulls chunks until none are left.

use crate::error::{Error, Result};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

mod linger;

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
    /// Starts at least `workers` calls of `task` as soon as the pool can, for a run whose
    /// calls return at once once `workers` of them have started (`runtime::schedule`). A pool
    /// may start extra calls to wake threads sooner, or start one on the calling thread.
    fn run_eager(&self, workers: usize, task: &(dyn Fn(usize) + Sync)) {
        self.run(workers, task);
    }
    /// Wakes parked threads now for a run expected soon (a decision's), so that it does not
    /// wait for their wake. Pools whose threads wake fast do nothing.
    fn wake_ahead(&self) {}
    /// Whether a run of `workers` would start now on threads already up: kept awake since the
    /// last run, or woken ahead by a decision and up by now. The runs that follow a decision
    /// and each other are such runs; a pool that wakes its threads alike for every run has
    /// only such runs.
    fn awake_for(&self, _workers: usize) -> bool {
        true
    }
    /// Whether threads kept up for the next run are off their cores now (the OS gave them to
    /// other threads), so that a run would wait for them as for parked ones.
    fn threads_starved(&self) -> bool {
        false
    }
}

/// Lets a task borrowed by one run be called from pool threads that may start after the run
/// returned: every call enters first, and `close` waits for the calls inside and turns away
/// every later one, so the borrow is never used after `close` returns.
struct Gate {
    /// Calls inside, with `CLOSED` set once the run has returned.
    state: AtomicUsize,
    left: Mutex<()>,
    last_left: Condvar,
}

const CLOSED: usize = 1 << (usize::BITS - 1);
/// How long the caller spins for the last worker before it sleeps: waking a sleeping thread
/// costs up to milliseconds in the browser, longer than many runs' last chunk.
const CLOSE_SPIN_S: f64 = 0.002;

impl Gate {
    fn new() -> Self {
        Self {
            state: AtomicUsize::new(0),
            left: Mutex::new(()),
            last_left: Condvar::new(),
        }
    }

    fn enter(&self) -> bool {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            if state & CLOSED != 0 {
                return false;
            }
            match self.state.compare_exchange_weak(
                state,
                state + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(now) => state = now,
            }
        }
    }

    fn leave(&self) {
        if self.state.fetch_sub(1, Ordering::AcqRel) == CLOSED | 1 {
            let _left = self.left.lock().unwrap_or_else(|e| e.into_inner());
            self.last_left.notify_all();
        }
    }

    /// Closes the gate and waits until no call is inside. `spin` spins for a while first.
    fn close(&self, spin: bool) {
        self.state.fetch_or(CLOSED, Ordering::AcqRel);
        if spin {
            let until = crate::clock::now() + CLOSE_SPIN_S;
            let mut spins = 0u32;
            while self.state.load(Ordering::Acquire) != CLOSED {
                std::hint::spin_loop();
                spins = spins.wrapping_add(1);
                if spins.is_multiple_of(64) && crate::clock::now() > until {
                    break;
                }
            }
        }
        let mut left = self.left.lock().unwrap_or_else(|e| e.into_inner());
        while self.state.load(Ordering::Acquire) != CLOSED {
            left = self.last_left.wait(left).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// A run's borrowed task, carried into `'static` pool jobs. Only dereferenced between a
/// successful `Gate::enter` and the matching `leave`, which `Gate::close` outlives.
#[derive(Clone, Copy)]
struct BorrowedTask(*const (dyn Fn(usize) + Sync + 'static));

// SAFETY: the task is `Sync`, and the gate keeps every call within the borrow (see above).
unsafe impl Send for BorrowedTask {}

/// A pool job: one worker call of a run, carried to a pool thread.
type Call = Box<dyn FnOnce() + Send + 'static>;

/// `WorkerPool::run_eager` on a pool whose `launch` runs `'static` jobs on its threads: the
/// calls for workers 1 and up go to `launch` at once, and the caller runs worker 0.
fn run_eager_with(
    launch: impl FnOnce(Vec<Call>),
    workers: usize,
    spin: bool,
    task: &(dyn Fn(usize) + Sync),
) {
    let gate = Arc::new(Gate::new());
    // SAFETY: erases the borrow's lifetime; `gate.close` below returns only when no call can
    // reach the task any more.
    let borrowed = BorrowedTask(unsafe {
        std::mem::transmute::<
            *const (dyn Fn(usize) + Sync + '_),
            *const (dyn Fn(usize) + Sync + 'static),
        >(task)
    });
    let calls = (1..workers)
        .map(|worker| {
            let gate = Arc::clone(&gate);
            Box::new(move || {
                let task = borrowed;
                if gate.enter() {
                    struct Leave<'a>(&'a Gate);
                    impl Drop for Leave<'_> {
                        fn drop(&mut self) {
                            // Free before the run can return: its caller may start the next run
                            // at once, and a call that finds no free lingering thread goes to a
                            // parked one.
                            linger::call_finishing();
                            self.0.leave();
                        }
                    }
                    let _leave = Leave(&gate);
                    // SAFETY: entered, so the run has not returned and the borrow is live.
                    unsafe { (*task.0)(worker) };
                }
            }) as Call
        })
        .collect();
    launch(calls);
    task(0);
    gate.close(spin);
}

/// Wakes every thread of rayon's global pool and lets the first to come take the calls. rayon
/// wakes sleeping threads lazily: calls spawned one after another wake one sleeper while the
/// last one woken still looks idle, so that two calls ran one after the other on one thread.
/// A broadcast wakes each thread by name.
fn broadcast_calls(calls: Vec<Call>) {
    if calls.is_empty() {
        return;
    }
    let calls = Arc::new(Mutex::new(calls));
    rayon::spawn_broadcast(move |_| {
        let call = calls.lock().unwrap_or_else(|e| e.into_inner()).pop();
        if let Some(call) = call {
            call();
        }
    });
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

#[cfg(not(target_arch = "wasm32"))]
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

    /// Twice as many calls as workers wake twice as many parked threads, and the first
    /// `workers` to start do the work: rayon wakes no second sleeper while a just-woken thread
    /// looks idle, and both workers would otherwise run on one thread.
    fn run_eager(&self, workers: usize, task: &(dyn Fn(usize) + Sync)) {
        let calls = if workers > 1 && workers <= self.cores {
            (2 * workers).min(self.threads())
        } else {
            workers
        };
        self.run(calls, task);
    }

    /// rayon parks its threads within microseconds of running out of work, and nothing here
    /// keeps them up: a run after anything but another run finds them parked (on this VM the
    /// second worker of 2 x 16,384 tiny items, run after a 40 µs serial pass, started 31 µs
    /// late, median of 300). Starts read off back-to-back runs (a sweep's) came to 2-10 µs,
    /// and sent 30-70 µs jobs to two workers that ran them 0.63-0.98x: the model keeps the
    /// parked starts it calibrated.
    fn awake_for(&self, _workers: usize) -> bool {
        false
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

/// Sends the engine's lingering threads back to rayon (`pool::linger`): rayon's own
/// scheduling is about to run, or the pool is to go idle.
pub fn stop_lingering() {
    linger::release();
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

    /// Every call runs, started the way `run_eager` starts a run: the caller takes calls too,
    /// and whichever pool thread is up takes the rest. `rayon::scope` from the engine's thread
    /// first woke a parked thread to run the scope, which cost the side-by-side probe's ten
    /// short runs milliseconds each (mandelbrot's browser decision: 78 ms, 27 natively).
    fn run(&self, workers: usize, task: &(dyn Fn(usize) + Sync)) {
        let next = AtomicUsize::new(0);
        let claim = |_: usize| loop {
            let worker = next.fetch_add(1, Ordering::AcqRel);
            if worker >= workers {
                break;
            }
            task(worker);
        };
        self.run_then_linger(workers, &claim);
    }

    /// The caller runs one call itself, so a run starts at once instead of after a parked
    /// thread wakes (1-3 ms in the browser, twice over when a pool thread must first wake to
    /// spawn the rest). Only `workers - 1` threads are woken: each woken thread that finds no
    /// work still takes a core for a while on a machine with few.
    fn run_eager(&self, workers: usize, task: &(dyn Fn(usize) + Sync)) {
        self.run_then_linger(workers, task);
    }

    fn run_cold(&self, _workers: usize, _task: &(dyn Fn(usize) + Sync)) -> Result<()> {
        Err(Error::ColdStartUnsupported)
    }

    fn wake_ahead(&self) {
        linger::keep(self.cores().saturating_sub(1));
    }

    fn awake_for(&self, workers: usize) -> bool {
        linger::spinning() + 1 >= workers
    }

    fn threads_starved(&self) -> bool {
        linger::starved()
    }
}

impl GlobalPool {
    /// A run as `run_eager` starts it, its calls handed to lingering threads where there are
    /// some, after which as many threads as it used beside the caller (at most one fewer than
    /// the cores, which leaves the caller its own) linger for the next (`pool::linger`).
    fn run_then_linger(&self, workers: usize, task: &(dyn Fn(usize) + Sync)) {
        let cores = self.cores();
        if workers <= cores {
            run_eager_with(
                |calls| calls.into_iter().for_each(linger::hand_off),
                workers,
                true,
                task,
            );
        } else {
            // More workers than cores need rayon's threads: the lingering ones, awake, go back
            // to rayon, and a broadcast wakes every thread. Handing one call to a lingering
            // thread and spawning the others left them waiting on rayon's lazy wakes, and so
            // did spawning them all: io-wait's probe read 1.16-1.41x more throughput on 4
            // workers in 3 decisions of 12, where its items wait 100% of the time (2x).
            linger::release();
            run_eager_with(broadcast_calls, workers, false, task);
        }
        linger::keep(workers.min(cores).saturating_sub(1));
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    #[test]
    fn a_run_makes_every_call_once() {
        let pool = GlobalPool { cores: 2 };
        for workers in 1..=6 {
            let calls: Vec<AtomicUsize> = (0..workers).map(|_| AtomicUsize::new(0)).collect();
            pool.run(workers, &|w| {
                calls[w].fetch_add(1, Ordering::AcqRel);
            });
            assert!(calls.iter().all(|c| c.load(Ordering::Acquire) == 1));
        }
    }

    #[test]
    fn an_eager_run_returns_only_after_every_started_call_ended() {
        let pool = GlobalPool { cores: 2 };
        for round in 0..200 {
            let started = AtomicUsize::new(0);
            let ended = AtomicUsize::new(0);
            let caller_ran = AtomicBool::new(false);
            let caller = std::thread::current().id();
            pool.run_eager(4, &|_| {
                started.fetch_add(1, Ordering::AcqRel);
                if std::thread::current().id() == caller {
                    caller_ran.store(true, Ordering::Release);
                }
                let until = crate::clock::now() + 20e-6 * (round % 5) as f64;
                while crate::clock::now() < until {
                    std::hint::spin_loop();
                }
                ended.fetch_add(1, Ordering::AcqRel);
            });
            let (started, ended) = (started.into_inner(), ended.into_inner());
            assert!(caller_ran.into_inner(), "the caller runs one call itself");
            assert!((1..=4).contains(&started), "{started} calls");
            assert_eq!(started, ended, "round {round}: a call was still running");
        }
    }
}
