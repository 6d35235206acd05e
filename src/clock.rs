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

/// A run shorter than this many clock ticks is timed as a block of runs (`readable_run`).
const READABLE_RUN_TICKS: f64 = 20.0;

/// The shortest run the clock reads well enough: `READABLE_RUN_TICKS` of its ticks.
fn readable_s() -> f64 {
    READABLE_RUN_TICKS * resolution()
}
const MOST_RUNS_PER_BLOCK: f64 = 1000.0;

/// The seconds one call of `run` takes, by its own reading. A call too short for the clock to
/// read is timed again as a block of calls back to back, over their count: the browser's 5 µs
/// clock read tiny x 10,000 as 15 µs on two workers and 25 µs serially, three ticks against
/// five, and the next page read 15 and 20.
pub fn readable_run<E>(mut run: impl FnMut() -> Result<f64, E>) -> Result<f64, E> {
    Ok(reading(&mut run, None)?.0)
}

/// One `readable_run` reading, and the runs per block it settled on (`None` when one run was
/// readable). Given a block size from an earlier reading of the same run, it starts there: a
/// block sized on a single run's coarse reading falls short and grows, which made each
/// reading of a 3 µs run on the browser's 5 µs clock take about 185 µs for a 100 µs block.
fn reading<E>(
    run: &mut impl FnMut() -> Result<f64, E>,
    block: Option<f64>,
) -> Result<(f64, Option<f64>), E> {
    let readable = readable_s();
    let mut runs = match block {
        Some(runs) => runs,
        None => {
            let once = run()?;
            if once >= readable {
                return Ok((once, None));
            }
            (readable / once.max(resolution()))
                .ceil()
                .clamp(2.0, MOST_RUNS_PER_BLOCK)
        }
    };
    // A reading of a tick or none says little about a run's length, so a block sized on it
    // can read a tick or none again (a one-item job read 250 ns in one decision and 501 ns in
    // the next, 0 ns on the 100 µs clock): a block the clock still cannot read grows until it
    // can, or until it holds `MOST_RUNS_PER_BLOCK` runs.
    loop {
        let block = Stopwatch::start();
        for _ in 0..runs as usize {
            run()?;
        }
        let elapsed = block.elapsed();
        if elapsed >= readable || runs >= MOST_RUNS_PER_BLOCK {
            return Ok((elapsed / runs, Some(runs)));
        }
        let per_run = elapsed / runs;
        runs = if per_run > 0.0 {
            (readable / per_run).ceil()
        } else {
            runs * 10.0
        }
        .max(runs * 2.0)
        .min(MOST_RUNS_PER_BLOCK);
    }
}

/// A run shorter than this is read as the median of back-to-back readings lasting about this
/// long in all (`steady_run`).
pub const STEADY_RUN_S: f64 = 1e-3;
const MOST_STEADY_READINGS: f64 = 25.0;

/// The seconds one run takes in the run of the mill, for measurements a page shows or a
/// benchmark compares: a run under `STEADY_RUN_S` is read several times back to back and the
/// median kept. One reading of a 0.1 ms job is mostly noise: on this 2-core VM, tiny x
/// 100,000's serial run read 0.115-0.4 ms in twelve comparisons a few seconds apart, and its
/// speedup on two workers 0.87-3.2x. Each reading is a `readable_run`.
pub fn steady_run<E>(mut run: impl FnMut() -> Result<f64, E>) -> Result<f64, E> {
    let (first, block) = reading(&mut run, None)?;
    if first >= STEADY_RUN_S {
        return Ok(first);
    }
    let readings = steady_readings(first, readable_s());
    let mut times = Vec::with_capacity(readings);
    times.push(first);
    for _ in 1..readings {
        times.push(reading(&mut run, block)?.0);
    }
    Ok(crate::stats::median(&times))
}

/// How many readings of a run that read `first` seconds make about `STEADY_RUN_S` in all. A
/// run under `readable_s` is read as a block at least that long (`readable_run`), so the block,
/// not the run, sets the count: counted by the run, tiny x 1,000 (3 µs) took 25 blocks of
/// 100 µs on the browser's 5 µs clock, 2.5 ms a reading, and its trial's 14 readings 31-35 ms.
fn steady_readings(first: f64, readable_s: f64) -> usize {
    (STEADY_RUN_S / first.max(readable_s).max(f64::MIN_POSITIVE))
        .ceil()
        .clamp(3.0, MOST_STEADY_READINGS) as usize
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_the_clock_cannot_read_is_timed_as_a_block() {
        let mut calls = 0;
        let long = readable_run(|| -> Result<f64, ()> {
            calls += 1;
            Ok(1.0)
        });
        assert_eq!((long, calls), (Ok(1.0), 1));
        // A run that read zero ticks is run again, back to back, and timed as a whole.
        let mut calls = 0;
        let short = readable_run(|| -> Result<f64, ()> {
            calls += 1;
            Ok(0.0)
        })
        .unwrap();
        assert!(calls > 2, "{calls} calls");
        // A block that the clock still cannot read grows, up to the cap and no further.
        let mut calls = 0usize;
        let clock_tick = resolution();
        let grown = readable_run(|| -> Result<f64, ()> {
            calls += 1;
            Ok(if calls == 1 { clock_tick / 2.0 } else { 0.0 })
        })
        .unwrap();
        assert!(grown >= 0.0, "{grown}");
        assert!(
            calls > 2 && calls <= 1 + 2 * MOST_RUNS_PER_BLOCK as usize,
            "{calls} calls"
        );
        assert!(short.is_finite() && short >= 0.0, "{short} s a run");
        // A failing run stops the block.
        let mut calls = 0;
        let failed = readable_run(|| {
            calls += 1;
            if calls > 1 {
                Err("second run failed")
            } else {
                Ok(0.0)
            }
        });
        assert_eq!((failed, calls), (Err("second run failed"), 2));
    }

    #[test]
    fn a_short_run_is_read_as_the_median_of_several() {
        // A 0.2 ms run is read five times, and one interrupted reading does not move it.
        let readings = [2e-4, 9e-3, 2.1e-4, 1.9e-4, 2e-4, 7e-3];
        let mut calls = 0;
        let steady = steady_run(|| -> Result<f64, ()> {
            calls += 1;
            Ok(readings[calls - 1])
        });
        assert_eq!((steady, calls), (Ok(2e-4), 5));
        // A run of a millisecond or more is read once.
        let mut calls = 0;
        let long = steady_run(|| -> Result<f64, ()> {
            calls += 1;
            Ok(2e-3)
        });
        assert_eq!((long, calls), (Ok(2e-3), 1));
    }

    #[test]
    fn a_later_reading_starts_from_the_block_the_first_settled_on() {
        // Each call sleeps, so a block of five is readable on any clock finer than 250 ns.
        let mut calls = 0;
        let mut sleepy = || -> Result<f64, ()> {
            calls += 1;
            std::thread::sleep(std::time::Duration::from_micros(1));
            Ok(0.0)
        };
        let (per_run, block) = reading(&mut sleepy, Some(5.0)).unwrap();
        assert_eq!((block, calls), (Some(5.0), 5));
        assert!(per_run >= 1e-6, "{per_run}");
        // A run the clock can read once is read once, and gives no block.
        let mut calls = 0;
        let readable = reading(
            &mut || -> Result<f64, ()> {
                calls += 1;
                Ok(1.0)
            },
            None,
        );
        assert_eq!((readable, calls), (Ok((1.0, None)), 1));
    }

    #[test]
    fn a_short_run_read_as_blocks_is_read_for_about_a_millisecond() {
        // A 3 µs run on a 5 µs clock is read in blocks of 100 µs: ten of them, not 25.
        assert_eq!(steady_readings(3e-6, 100e-6), 10);
        // On a fine clock the run sets the count, within 3 to 25 readings.
        assert_eq!(steady_readings(2e-4, 1e-6), 5);
        assert_eq!(steady_readings(1e-6, 1e-6), 25);
        assert_eq!(steady_readings(9e-4, 1e-6), 3);
        assert_eq!(steady_readings(0.0, 0.0), 25);
    }
}
