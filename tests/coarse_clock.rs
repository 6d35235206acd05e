//! Calibration on a clock as coarse as a page's: this file's process runs on a clock that steps
//! every 100 µs, as `performance.now()` does on a page that is not cross-origin isolated (5 µs on
//! one that is).

use amorsize::calibrate;
use amorsize::clock::{self, Clock};
use amorsize::pool::OwnedPool;

const TICK_S: f64 = 100e-6;

fn coarse_now() -> f64 {
    static EPOCH: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let exact = EPOCH
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_secs_f64();
    (exact / TICK_S).floor() * TICK_S
}

#[test]
fn warm_runs_shorter_than_a_tick_are_not_calibrated_as_free() {
    assert!(clock::install(Clock {
        now: coarse_now,
        sleep: std::thread::sleep,
    }));
    assert!((clock::resolution() - TICK_S).abs() < TICK_S / 2.0);
    let pool = OwnedPool::new(8, 2);
    let costs = calibrate::measure(&pool);
    // A warm no-op run on two workers takes a few microseconds natively: each single reading
    // of it on this clock is 0 or one tick, but it is never free, nor anywhere near a tick.
    let two_workers = costs.run_overhead_s(2);
    assert!(
        (0.2e-6..TICK_S / 2.0).contains(&two_workers),
        "a warm two-worker run calibrated at {two_workers} s"
    );
}
