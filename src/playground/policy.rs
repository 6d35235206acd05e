//! The rules the pages used to hold in JavaScript: how large a pool to start, which grid a sweep
//! measures by default, and how a speedup reads ("1.85x faster", "no gain", "120x slower").
//! The service hands them to the page, so that the page computes no figure of its own.

use crate::sweep::Grid;
use serde::{Deserialize, Serialize};

/// Pool threads per core: workloads that wait (I/O) gain from more workers than cores.
pub const WAITING_HEADROOM: usize = 4;
/// Most threads a browser pool starts with: each is a Worker with its own stack and heap.
pub const MAX_POOL_THREADS: usize = 16;
/// What one pool thread is budgeted in memory: its stack, thread-local storage and Worker.
pub const BYTES_PER_POOL_THREAD: f64 = 16.0 * 1024.0 * 1024.0;
/// Share of the device's memory the pool's threads may take.
pub const POOL_MEMORY_SHARE: f64 = 1.0 / 8.0;
/// A speedup below this reads as slower than serial.
pub const SLOWER_BELOW: f64 = 0.95;
/// A speedup below this (and at least `SLOWER_BELOW`) reads as no gain: within run-to-run noise.
pub const NO_GAIN_BELOW: f64 = 1.05;
/// Below this speedup, "0.01x" says nothing; "120x slower" does.
pub const SAY_TIMES_SLOWER_BELOW: f64 = 0.1;
/// A run measured faster than its workers' ideal (k workers: kx) by more than this factor is
/// flagged: far more often the serial readings were slowed by other load than the work really
/// ran superlinearly.
pub const ABOVE_IDEAL_BY: f64 = 1.1;
/// A parallel run measured slower than serial where its plan was predicted to gain, at least
/// this many times its measured speedup, is flagged: on 2 cores such a run far more often lost
/// a core to other work (on a page, its own drawing too) than the plan really loses.
/// Performance cell 2 showed 0.84-1.03x for plans predicted 1.96x that ran 1.9-2.0x when
/// measured again. A run predicted to lose is not: blind chunks of one on tiny items lose
/// more than the model's dispatch cost says (162x slower against 24x predicted), and that is
/// the model's error, not a lost core.
pub const BELOW_PREDICTION_BY: f64 = 1.5;
/// Runs of each configuration a study or sweep takes by default.
pub const DEFAULT_REPEATS: usize = 3;
/// Most runs of each configuration a request may ask for.
pub const MAX_REPEATS: usize = 100;
/// Most pool threads a visitor may ask for (`?threads=N`): each is a Worker.
pub const MAX_ASKED_THREADS: usize = 64;
/// A job predicted to run longer than this many seconds is refused unless the request says
/// `allow_long: true`: a visitor should not wait minutes for a run they did not mean to start.
pub const LONG_JOB_S: f64 = 60.0;

/// A refused job predicted to run longer than this is not offered "Run anyway": nobody means
/// to leave a tab computing for hours (a 104-day job was offered it).
pub const CONFIRMABLE_JOB_S: f64 = 3600.0;

/// A pool size the visitor asked for, checked: a whole number of threads from 1 to
/// `MAX_ASKED_THREADS`.
pub fn asked_threads(threads: usize) -> crate::error::Result<usize> {
    if (1..=MAX_ASKED_THREADS).contains(&threads) {
        return Ok(threads);
    }
    Err(crate::error::Error::InvalidParameter {
        name: "threads".into(),
        message: format!("{threads} threads: the pool takes 1 to {MAX_ASKED_THREADS}"),
    })
}

/// `?threads=` as written in a link: decimal digits only (no sign, hex, exponent or spaces),
/// then checked by `asked_threads`.
pub fn parse_threads(text: &str) -> crate::error::Result<usize> {
    let digits = !text.is_empty() && text.len() <= 6 && text.bytes().all(|b| b.is_ascii_digit());
    let threads = digits
        .then(|| text.parse::<usize>().ok())
        .flatten()
        .ok_or_else(|| crate::error::Error::InvalidParameter {
            name: "threads".into(),
            message: format!(
                "`{text}` is not a whole number of threads (1 to {MAX_ASKED_THREADS})"
            ),
        })?;
    asked_threads(threads)
}

/// Threads to start a pool with, given the device's cores (`navigator.hardwareConcurrency`)
/// and, when known, its memory in GB (`navigator.deviceMemory`).
///
/// A pool cannot be resized, so it starts at its largest useful size: `WAITING_HEADROOM` per
/// core up to `MAX_POOL_THREADS`, fewer when memory is short, never fewer than the cores.
pub fn pool_threads(cores: usize, device_memory_gb: Option<f64>) -> usize {
    let cores = cores.max(1);
    let wanted = (WAITING_HEADROOM * cores).min(MAX_POOL_THREADS);
    let by_memory = device_memory_gb
        .filter(|gb| gb.is_finite() && *gb > 0.0)
        .map_or(usize::MAX, |gb| {
            (gb * 1e9 * POOL_MEMORY_SHARE / BYTES_PER_POOL_THREAD) as usize
        });
    wanted.min(by_memory).max(cores)
}

/// How a speedup over serial reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictClass {
    Faster,
    NoGain,
    Slower,
}

/// A speedup with its class and its words, for tables and summaries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub speedup: f64,
    pub class: VerdictClass,
    /// The speedup alone: "1.85x", or "120x slower" when it is below `SAY_TIMES_SLOWER_BELOW`.
    pub short: String,
    /// The whole verdict: "1.85x faster", "1.01x: no gain", "0.50x: slower than serial".
    pub label: String,
    /// Why the figure should not be taken at its word, when it should not: a speedup above
    /// what its workers can give, or a parallel run slower than serial far under its
    /// prediction (`run_verdict`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doubt: Option<String>,
}

/// The speedup alone, as the pages print it.
pub fn speedup_label(speedup: f64) -> String {
    if !speedup.is_finite() || speedup <= 0.0 {
        "-".into()
    } else if speedup < SAY_TIMES_SLOWER_BELOW {
        format!("{:.0}x slower", 1.0 / speedup)
    } else {
        format!("{speedup:.2}x")
    }
}

/// Classifies a speedup over serial.
pub fn verdict(speedup: f64) -> Verdict {
    let short = speedup_label(speedup);
    let (class, label) = if speedup < SLOWER_BELOW {
        let label = if speedup < SAY_TIMES_SLOWER_BELOW {
            format!("{short} than serial")
        } else {
            format!("{short}: slower than serial")
        };
        (VerdictClass::Slower, label)
    } else if speedup < NO_GAIN_BELOW {
        (VerdictClass::NoGain, format!("{short}: no gain"))
    } else {
        (VerdictClass::Faster, format!("{short} faster"))
    };
    Verdict {
        speedup,
        class,
        short,
        label,
        doubt: None,
    }
}

/// Classifies the speedup of a run on `workers` busy workers whose plan was predicted at
/// `predicted` (NaN when nothing predicted it), and doubts it when it is more than
/// `ABOVE_IDEAL_BY` above the `workers`x that they can give at most, or when a parallel run
/// predicted to gain came out slower than serial, `BELOW_PREDICTION_BY` or more under its
/// prediction.
pub fn run_verdict(speedup: f64, workers: usize, predicted: f64) -> Verdict {
    let workers = workers.max(1);
    let ideal = workers as f64;
    let above_ideal = (speedup.is_finite() && speedup > ideal * ABOVE_IDEAL_BY).then(|| {
        let who = crate::units::count(workers, "worker", "workers");
        format!(
            "{} is more than {who} can give ({}): other load on the machine most likely slowed \
             the serial runs. Run it again to check.",
            speedup_label(speedup),
            speedup_label(ideal)
        )
    });
    let below_prediction = (workers > 1
        && speedup > 0.0
        && speedup < 1.0
        && predicted >= 1.0
        && predicted >= speedup * BELOW_PREDICTION_BY)
        .then(|| {
            format!(
                "{} against {} predicted: a parallel run this far under its prediction most \
                 likely lost a core to other work on the machine (on this page, drawing counts \
                 too). Run it again to check.",
                speedup_label(speedup),
                speedup_label(predicted)
            )
        });
    let doubt = above_ideal.or(below_prediction);
    Verdict {
        doubt,
        ..verdict(speedup)
    }
}

/// The default sweep grid for a job of `items` items on `cores` cores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepGrid {
    pub workers: Vec<usize>,
    pub chunk_sizes: Vec<usize>,
    pub repeats: usize,
}

pub fn sweep_grid(items: usize, cores: usize) -> SweepGrid {
    let grid = Grid::default_for(items, cores);
    SweepGrid {
        workers: grid.workers,
        chunk_sizes: grid.chunk_sizes,
        repeats: DEFAULT_REPEATS,
    }
}

/// Everything above that the page needs before it has run anything.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub pool_threads: usize,
    pub waiting_headroom: usize,
    pub max_pool_threads: usize,
    pub slower_below: f64,
    pub no_gain_below: f64,
    pub default_repeats: usize,
}

pub fn policy(cores: usize, device_memory_gb: Option<f64>) -> Policy {
    Policy {
        pool_threads: pool_threads(cores, device_memory_gb),
        waiting_headroom: WAITING_HEADROOM,
        max_pool_threads: MAX_POOL_THREADS,
        slower_below: SLOWER_BELOW,
        no_gain_below: NO_GAIN_BELOW,
        default_repeats: DEFAULT_REPEATS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_has_at_least_one_thread_per_core_and_headroom_when_memory_allows() {
        assert_eq!(pool_threads(2, None), 8);
        assert_eq!(pool_threads(8, Some(16.0)), MAX_POOL_THREADS);
        // More cores than the cap: still one thread per core.
        assert_eq!(pool_threads(32, None), 32);
        // Half a GB of memory: fewer threads than the headroom asks, but not fewer than cores.
        assert_eq!(pool_threads(2, Some(0.5)), 3);
        assert_eq!(pool_threads(4, Some(0.25)), 4);
        assert_eq!(pool_threads(0, None), WAITING_HEADROOM);
    }

    #[test]
    fn verdicts_name_the_class_and_never_print_zero() {
        assert_eq!(verdict(1.85).label, "1.85x faster");
        assert_eq!(verdict(1.0).class, VerdictClass::NoGain);
        assert_eq!(verdict(1.0).label, "1.00x: no gain");
        assert_eq!(verdict(0.5).label, "0.50x: slower than serial");
        let tiny = verdict(1.0 / 120.0);
        assert_eq!(tiny.class, VerdictClass::Slower);
        assert_eq!(tiny.label, "120x slower than serial");
        assert_eq!(verdict(SLOWER_BELOW).class, VerdictClass::NoGain);
        assert_eq!(verdict(NO_GAIN_BELOW).class, VerdictClass::Faster);
    }

    #[test]
    fn a_speedup_above_what_the_workers_can_give_is_doubted() {
        let nothing_predicted = f64::NAN;
        assert_eq!(run_verdict(1.9, 2, nothing_predicted).doubt, None);
        assert_eq!(run_verdict(2.2, 2, nothing_predicted).doubt, None);
        let doubted = run_verdict(2.39, 2, 2.0);
        assert_eq!(doubted.label, "2.39x faster");
        let doubt = doubted.doubt.expect("2.39x on 2 workers");
        assert!(doubt.contains("2.39x") && doubt.contains("2 workers") && doubt.contains("2.00x"));
        assert!(run_verdict(1.3, 1, nothing_predicted).doubt.is_some());
        assert_eq!(run_verdict(7.7, 8, 7.6).doubt, None);
        assert_eq!(run_verdict(f64::INFINITY, 2, 2.0).doubt, None);
    }

    #[test]
    fn a_parallel_run_slower_than_serial_far_under_its_prediction_is_doubted() {
        let doubted = run_verdict(0.93, 2, 1.96);
        assert_eq!(doubted.class, VerdictClass::Slower);
        let doubt = doubted.doubt.expect("0.93x against 1.96x predicted");
        assert!(
            doubt.contains("0.93x") && doubt.contains("1.96x"),
            "{doubt}"
        );
        // Slower than serial as predicted (by far more, too: blind chunks of one on tiny
        // items), near its prediction, or gaining: taken at its word.
        assert_eq!(run_verdict(0.02, 2, 0.025).doubt, None);
        assert_eq!(run_verdict(1.0 / 162.0, 2, 1.0 / 24.0).doubt, None);
        assert_eq!(run_verdict(0.8, 2, 1.1).doubt, None);
        assert_eq!(run_verdict(1.2, 2, 1.96).doubt, None);
        // One worker, a hand-built plan (nothing predicted), or no reading: nothing to doubt.
        assert_eq!(run_verdict(0.5, 1, 1.0).doubt, None);
        assert_eq!(run_verdict(0.5, 2, f64::NAN).doubt, None);
        assert_eq!(run_verdict(0.0, 2, 1.96).doubt, None);
    }
}
