//! The side-by-side probe: stretches of items run alone, one per core at once, and on more
//! workers than cores, to measure contention and the share of an item's time that waits.

use super::batches::Batches;
use crate::clock::Stopwatch;
use crate::error::{Error, Result};
use crate::pool::WorkerPool;
use crate::provenance::Source;
use crate::tuning::{CONTENTION_NOISE, OVERSUBSCRIBED_GAIN, WAITING_SHARE};
use std::sync::Mutex;

/// The probe runs at least this long per worker, so that waking workers is small beside it.
pub(super) const PROBE_MIN_S: f64 = 0.001;
const PROBE_REPEATS: usize = 2;
/// Share of the items the probe may run beyond the sampling budget. Throughput past the
/// cores is measured for every workload that affords it, and a 2,000-item map of 20 µs items
/// needs a third of its items (docs/decisions.md: oversubscription is measured).
const PROBE_SHARE: f64 = 0.35;

/// Times `f` over each region `starts[w]..starts[w] + len` on its own worker, all at once.
/// Returns each worker's own time and the wall time of the whole run.
fn run_regions(
    batches: &dyn Batches,
    starts: &[usize],
    len: usize,
    pool: &dyn WorkerPool,
) -> Result<(Vec<f64>, f64)> {
    let times: Mutex<Vec<f64>> = Mutex::new(vec![0.0; starts.len()]);
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    let watch = Stopwatch::start();
    pool.run(
        starts.len(),
        &|w| match batches.time(starts[w], len, false) {
            Ok(t) => times.lock().unwrap()[w] = t,
            Err(e) => {
                failure.lock().unwrap().get_or_insert(e);
            }
        },
    );
    let wall = watch.elapsed();
    match failure.into_inner().unwrap() {
        Some(e) => Err(e),
        None => Ok((times.into_inner().unwrap(), wall)),
    }
}

/// What running items side by side showed: how much slower each computes with one worker per
/// core than alone, and which share of an item's time needs a CPU.
pub(super) struct SideBySide {
    pub contention: (f64, Source),
    pub cpu_fraction: (f64, Source),
    /// Throughput on more workers than cores over throughput on one worker per core.
    pub oversubscribed_gain: (f64, Source),
    /// The worker count that gain was measured at.
    pub oversubscribed_workers: usize,
}

/// Runs stretches of about `PROBE_MIN_S` of items alone, one per core side by side, and (when
/// the pool has more threads than cores) more of them than cores.
///
/// Contention is measured for items shorter than a stretch: side by side, each stretch should
/// take what it took alone, and items that share an allocator lock or memory bandwidth take
/// longer (docs/decisions.md: contention is measured).
/// The waiting share is measured when the pool can oversubscribe: CPU-bound work takes
/// `oversubscribed / cores` times as long on more workers than cores, and waiting work no
/// longer.
pub(super) fn probe_side_by_side(
    batches: &dyn Batches,
    mean_s: f64,
    rng: &mut fastrand::Rng,
    pool: &dyn WorkerPool,
    budget: f64,
) -> Result<SideBySide> {
    let cores = pool.cores().min(pool.threads());
    let oversubscribed = pool.threads().min(2 * cores);
    let assumed = SideBySide {
        contention: (1.0, Source::Assumed),
        cpu_fraction: (1.0, Source::Assumed),
        oversubscribed_gain: (1.0, Source::Assumed),
        oversubscribed_workers: oversubscribed,
    };
    let n = batches.len();
    let len = ((PROBE_MIN_S / mean_s.max(1e-12)).ceil() as usize).clamp(1, n);
    let stretch_s = len as f64 * mean_s;
    let long_items = mean_s >= PROBE_MIN_S;
    let waits_probed = oversubscribed > cores;
    // A stretch of one long item is timed well enough by the sample already, and timing its
    // contention would cost a long item per core per repeat.
    let contention_probed = !long_items;
    if cores < 2 || stretch_s < PROBE_MIN_S || !(waits_probed || contention_probed) {
        return Ok(assumed);
    }
    // The probe's cost in stretches, each a stretch's worth of items run alone.
    let oversubscribed_stretches = if waits_probed {
        oversubscribed as f64 / cores as f64
    } else {
        0.0
    };
    let stretches = if long_items {
        1.0 + oversubscribed_stretches
    } else {
        PROBE_REPEATS as f64 * ((cores + 1) as f64 + oversubscribed_stretches)
    };
    // Counted in items, not seconds: both sides scale with the item time, and a tie in seconds
    // fell either way with its noise.
    let affordable =
        stretches * stretch_s <= budget || stretches * len as f64 <= PROBE_SHARE * n as f64;
    if !affordable {
        return Ok(assumed);
    }
    let regions = oversubscribed.max(cores);
    let starts: Vec<usize> = if n >= len * regions {
        let span = n / regions;
        (0..regions)
            .map(|w| w * span + rng.usize(..=span - len))
            .collect()
    } else {
        vec![rng.usize(..=n - len); regions]
    };
    // Each figure is the least of a few repeats: the OS may briefly put two fresh busy threads
    // on one core, which only ever adds time. Alone runs on a pool worker too, so that both
    // sides run on the same kind of thread. Long items get one round, the cost `stretches`
    // counts: a stretch is one item, so a round costs whole items, and only the waiting share is
    // read from it.
    let mut alone = vec![if long_items { stretch_s } else { f64::INFINITY }; cores];
    let mut side_by_side = vec![f64::INFINITY; cores];
    let mut idle_wall = f64::INFINITY;
    let mut busy_wall = f64::INFINITY;
    for _ in 0..PROBE_REPEATS {
        // One stretch per core; it also wakes the pool threads the oversubscribed run needs,
        // which a pool hands work to lazily. It runs before the stretches alone: timed after
        // them, it found each stretch's items in the other core's cache, and inference read
        // 2x slower side by side (0.9 against 0.42 ms) where its runs scale 1.93x.
        let (times, _) = run_regions(batches, &starts[..cores], len, pool)?;
        for (best, t) in side_by_side.iter_mut().zip(times) {
            *best = best.min(t);
        }
        if !long_items {
            for (best, &start) in alone.iter_mut().zip(&starts[..cores]) {
                *best = best.min(run_regions(batches, &[start], len, pool)?.0[0]);
            }
        }
        if waits_probed {
            // Less the time to start and join that many workers with nothing to do.
            idle_wall = idle_wall.min(run_regions(batches, &starts, 0, pool)?.1);
            busy_wall = busy_wall.min(run_regions(batches, &starts, len, pool)?.1);
        }
        if long_items {
            break;
        }
    }
    let alone_sum: f64 = alone.iter().sum();
    let contention = if contention_probed {
        let slowdown = side_by_side.iter().sum::<f64>() / alone_sum;
        // Fresh threads that briefly share a core read up to 5% slow on work that scales.
        let reading = if slowdown < CONTENTION_NOISE {
            1.0
        } else {
            slowdown.min(cores as f64)
        };
        (reading, Source::Measured)
    } else {
        assumed.contention
    };
    // Items per second with twice the workers against one per core: above 1 when items wait
    // (for I/O, page faults, an allocator's lock) and another worker can use the core meanwhile.
    // Both sides come from the robust readings: the least alone time and the contention for
    // one per core, and the least whole oversubscribed run, start and join included. A
    // per-core run or an idle run that met outside load cannot fake a gain: the browser's
    // mandelbrot read 2x that way and was put on 4 workers at a predicted 3.9x.
    let per_stretch = alone_sum / cores as f64;
    let oversubscribed_gain = if waits_probed && busy_wall.is_finite() && busy_wall > 0.0 {
        let per_core_throughput = cores as f64 / (per_stretch * contention.0);
        let gain = (regions as f64 / busy_wall) / per_core_throughput;
        (
            gain.clamp(0.0, regions as f64 / cores as f64),
            Source::Measured,
        )
    } else {
        assumed.oversubscribed_gain
    };
    let cpu_fraction = if waits_probed {
        let factor = oversubscribed as f64 / cores as f64;
        // The least busy run less the least idle one: the least of each difference took the
        // one round whose idle run met a slow wake, and collatz read as waiting (0%) and went
        // to 8 workers on 2 cores at a predicted 3.9x.
        let wall = (busy_wall - idle_wall).max(0.0);
        let share = ((wall / per_stretch - 1.0) / (factor - 1.0)).clamp(0.0, 1.0);
        // Only clearly waiting work is trusted with more workers than cores, and only when
        // running more of them did gain throughput; a mixed reading is within the probe's
        // noise and is taken as CPU-bound.
        let gained = oversubscribed_gain.0 >= OVERSUBSCRIBED_GAIN;
        let fraction = if share <= WAITING_SHARE && gained {
            share
        } else {
            1.0
        };
        (fraction, Source::Measured)
    } else {
        assumed.cpu_fraction
    };
    Ok(SideBySide {
        contention,
        cpu_fraction,
        oversubscribed_gain,
        oversubscribed_workers: regions,
    })
}
