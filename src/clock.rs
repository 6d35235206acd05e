//! The engine's only source of time and of waiting.
//!
//! `std::time::Instant` and `std::thread::sleep` do not exist on `wasm32-unknown-unknown`, so the
//! wasm glue installs a clock built on `performance.now()` before the engine runs. Natively the
//! default below is used.

use std::sync::OnceLock;
use std::time::Duration;

/// Where time comes from. `now` returns seconds since an arbitrary epoch shared by all threads.
#[derive(Clone, Copy)]
pub struct Clock {
    pub now: fn() -> f64,
    pub sleep: fn(Duration),
}

static CLOCK: OnceLock<Clock> = OnceLock::new();

/// Installs the clock for this process. Returns false if one was already installed or used.
pub fn install(clock: Clock) -> bool {
    CLOCK.set(clock).is_ok()
}

fn current() -> &'static Clock {
    CLOCK.get_or_init(|| Clock {
        now: std_now,
        sleep: std::thread::sleep,
    })
}

fn std_now() -> f64 {
    static EPOCH: OnceLock<std::time::Instant> = OnceLock::new();
    EPOCH
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_secs_f64()
}

/// Seconds since the clock's epoch.
pub fn now() -> f64 {
    (current().now)()
}

/// Blocks the calling thread; workloads that stand for I/O waits call this.
pub fn sleep(duration: Duration) {
    (current().sleep)(duration)
}

/// Measures elapsed seconds from its creation.
#[derive(Clone, Copy, Debug)]
pub struct Stopwatch {
    started: f64,
}

impl Stopwatch {
    pub fn start() -> Self {
        Self { started: now() }
    }

    pub fn started_at(&self) -> f64 {
        self.started
    }

    pub fn elapsed(&self) -> f64 {
        (now() - self.started).max(0.0)
    }
}

/// The smallest step the clock shows, found by reading it until it moves.
pub fn resolution() -> f64 {
    static RESOLUTION: OnceLock<f64> = OnceLock::new();
    *RESOLUTION.get_or_init(|| {
        let mut smallest = f64::INFINITY;
        for _ in 0..5 {
            let first = now();
            let mut next = now();
            let mut spins = 0;
            while next <= first && spins < 10_000_000 {
                next = now();
                spins += 1;
            }
            if next > first {
                smallest = smallest.min(next - first);
            }
        }
        if smallest.is_finite() {
            smallest
        } else {
            1e-3
        }
    })
}

/// Seconds per call of `op`, repeated until the total is at least `min_time`. Not generic, so
/// that the loop is compiled once however many item types have their copies timed.
pub fn time_per_call(min_time: f64, op: &mut dyn FnMut()) -> f64 {
    let watch = Stopwatch::start();
    let mut calls = 0u32;
    loop {
        op();
        calls += 1;
        if watch.elapsed() >= min_time || calls >= 1 << 20 {
            return watch.elapsed() / calls as f64;
        }
    }
}
