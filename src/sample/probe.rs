//! The side-by-side probe: stretches of items run alone, one per core at once, and on more
//! workers than cores, to measure contention and the share of an item's time that waits.

use super::batches::Batches;
use crate::clock::Stopwatch;
use crate::error::{Error, Result};
use crate::pool::WorkerPool;
use crate::provenance::Source;
use crate::stats;
use crate::tuning::{CONTENTION_NOISE, OVERSUBSCRIBED_GAIN, WAITING_SHARE};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The probe runs at least this long per worker, so that waking workers is small beside it.
pub(super) const PROBE_MIN_S: f64 = 0.001;
const PROBE_REPEATS: usize = 2;
/// Rounds a gain past the cores must show in each: tiny, which loses 6% on 4 workers of 2
/// cores, read a gain of 1.25-1.35 in both of two rounds in 3 of 120 browser decisions. The
/// third round runs only when two found a gain, and is not counted in what the probe may
/// afford: a workload that gains pays one more shared-out round.
const GAIN_ROUNDS: usize = 3;
/// A shared-out run that got through fewer items per second than this share of one worker per
/// core is timed again, as a disturbed one is: in the browser, CPU-bound items of 20-100 µs
/// read 0.13-0.95 in single rounds (threads woken for the run took the cores for a while)
/// where runs of 50-100 ms on 4 workers take what they take on 2 (docs/decisions.md: a loss
/// past the cores).
const LOSS_READING: f64 = 1.0 / OVERSUBSCRIBED_GAIN;
/// Times a disturbed shared-out run may be timed again (`least_wall`).
const RETIMES: usize = 2;
/// Times a shared-out run that read a loss (`LOSS_READING`) is timed again: one more timing
/// brought the browser's CPU-bound readings under 0.65 from 7 in 60 to 4 in 60, and two cost
/// decisions up to 15 ms more.
const LOSS_RETIMES: usize = 1;
/// A worker that began later than this share of the fastest worker's time per item came late.
const LATE_ENTRY_SHARE: f64 = 0.25;
/// Items whose typical worker took under this share of a time-shared core's pace wait.
const WAITING_SLICE: f64 = 0.75;
/// How long a worker of a side-by-side run waits for the others before it starts alone.
const TOGETHER_WAIT_S: f64 = 0.005;
/// A stretch shorter than this many clock ticks is too short to read a slowdown from.
const READABLE_TICKS: f64 = 20.0;
/// A worker slower per item than this many times the fastest ran slow.
const SLOW_WORKER_RATIO: f64 = 1.2;
/// Share of the items the probe may run beyond the sampling budget. Throughput past the
/// cores is measured for every workload that affords it, and a 2,000-item map of 20 µs items
/// needs a third of its items (docs/decisions.md: oversubscription is measured).
const PROBE_SHARE: f64 = 0.35;
/// Longest the probe may run beyond the sampling budget, on `PROBE_SHARE`: the decision's own
/// limit. A share of the items alone let 30 items of 100 ms spend 0.8 s of a 3 s job probing.
const PROBE_SHARE_MOST_S: f64 = 0.05;

/// Items `first..first + len`, timed as one batch.
type Segment = (usize, usize);

/// What the probe's rounds found: the least of each figure over the rounds.
struct Rounds {
    alone: Vec<f64>,
    side_by_side: Vec<f64>,
    idle_wall: f64,
    busy_wall: f64,
    /// The least and the greatest throughput ratio past the cores.
    gains: (f64, f64),
}

/// One run of the probe: each worker's own time, and when the run's workers came and left.
struct Reading {
    /// Each worker's time for its own segments.
    own: Vec<f64>,
    /// Each worker's entry and exit, since the run's start; `(0, 0)` for a worker that never
    /// came, as in a failed run.
    spans: Vec<(f64, f64)>,
}

/// The entries of `per_worker` (one per worker of a run) for the workers that had items.
fn of_busy_workers<'a, T: Copy>(
    per_worker: &'a [T],
    work: &'a [Vec<Segment>],
) -> impl Iterator<Item = T> + 'a {
    per_worker
        .iter()
        .zip(work)
        .filter(|(_, segments)| !segments.is_empty())
        .map(|(value, _)| *value)
}

impl Reading {
    /// Each worker's time per item, for workers that had items.
    fn per_item(&self, work: &[Vec<Segment>]) -> Vec<f64> {
        self.own
            .iter()
            .zip(work)
            .filter_map(|(t, segments)| {
                let items: usize = segments.iter().map(|s| s.1).sum();
                (items > 0).then(|| t / items as f64)
            })
            .collect()
    }

    /// From the run's start until the last worker finished, as that worker read it. The
    /// caller's own return is left out: past the cores it sleeps until the last worker leaves,
    /// and in the browser that wake took up to 3.5 ms, which made io-wait's four 5 ms items on
    /// 4 workers read 7.6-8.6 ms in 3 of 30 decisions (1.2-1.3x throughput for 2x).
    fn wall(&self) -> f64 {
        stats::max(self.spans.iter().map(|s| s.1))
    }

    /// `wall`, less a late start: where every worker with items came before the first of them
    /// left, so that all ran at once, the longest stay. The model charges waking workers apart
    /// (`Costs::worker_starts_s`), and a run of one item per worker cannot average a wake
    /// away: two of four threads that came 0.8-0.9 ms late to 5 ms items read io-wait's gain
    /// of 2 as 1.72, and its plan at 5.2x where 7.7x ran. Workers that came when another left
    /// took their turn at a core, and the run keeps its wall.
    fn wall_at_once(&self, work: &[Vec<Segment>]) -> f64 {
        let stays: Vec<(f64, f64)> = of_busy_workers(&self.spans, work).collect();
        let latest_entry = stats::max(stays.iter().map(|s| s.0));
        let first_exit = stats::min(stays.iter().map(|s| s.1));
        if stays.is_empty() || latest_entry >= first_exit {
            return self.wall();
        }
        stats::max(stays.iter().map(|(entry, exit)| exit - entry))
    }

    /// When the last worker began, since the run's start.
    fn latest_entry(&self) -> f64 {
        stats::max(self.spans.iter().map(|s| s.0))
    }

    /// Whether worker `w` spent at least half its stay beside another worker.
    fn ran_beside_another(&self, w: usize) -> bool {
        let (entry, exit) = self.spans[w];
        let beside = stats::max(
            self.spans
                .iter()
                .enumerate()
                .filter(|&(other, _)| other != w)
                .map(|(_, &(e, x))| (exit.min(x) - entry.max(e)).max(0.0)),
        );
        beside >= 0.5 * (exit - entry)
    }

    /// How long more than `cores` workers were inside the run at once.
    fn time_past_cores(&self, cores: usize) -> f64 {
        let mut events: Vec<(f64, i32)> = self
            .spans
            .iter()
            .filter(|(entry, exit)| exit > entry)
            .flat_map(|&(entry, exit)| [(entry, 1), (exit, -1)])
            .collect();
        events.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let (mut inside, mut since, mut past) = (0usize, 0.0, 0.0);
        for (at, step) in events {
            if inside > cores {
                past += at - since;
            }
            inside = inside.saturating_add_signed(step as isize);
            since = at;
        }
        past
    }

    /// Whether the run measured a hiccup of the machine rather than its items: workers that
    /// all ran slower per item than sharing the cores could make them (every wait overran at
    /// once), or, where the items wait, a worker that began late (a thread woke milliseconds
    /// late) or ran slow beside the others (an item's wait overran by as much). All three were
    /// seen in the browser on items of 5 ms. Items wait when the typical worker ran them nearly
    /// as fast as alone while more workers than cores ran at once. Items that keep a core busy
    /// share the cores in uneven slices, or run by turns (a worker comes when another leaves,
    /// as the browser's mandelbrot did), which is no hiccup: timed again, they made decisions
    /// 20-40 ms longer. `alone_per_item_s` is the items' time per item with a core each.
    fn disturbed(&self, work: &[Vec<Segment>], alone_per_item_s: f64, cores: usize) -> bool {
        let per_item = self.per_item(work);
        if per_item.is_empty() {
            return false;
        }
        let fastest = stats::min(per_item.iter().copied());
        let slowest = stats::max(per_item.iter().copied());
        let shortest_stay = stats::min(of_busy_workers(&self.own, work));
        let shared_slice = work.len() as f64 / cores as f64 * alone_per_item_s;
        let waits = stats::median(&per_item) < WAITING_SLICE * shared_slice
            && self.time_past_cores(cores) > LATE_ENTRY_SHARE * shortest_stay;
        fastest > SLOW_WORKER_RATIO * shared_slice
            || (waits
                && (self.latest_entry() > LATE_ENTRY_SHARE * fastest
                    || slowest > SLOW_WORKER_RATIO * fastest))
    }
}

/// Times each worker's segments on its own worker, all at once.
fn run_segments(
    batches: &dyn Batches,
    work: &[Vec<Segment>],
    pool: &dyn WorkerPool,
) -> Result<Reading> {
    run_segments_from(batches, work, pool, false)
}

/// Times each worker's segments on its own worker, the workers starting together: each waits
/// (at most `TOGETHER_WAIT_S`) until all have come, and its clock starts after. In the browser
/// the second of two workers came 0.3-0.7 ms late in most runs, so that stretches of 1 ms ran
/// side by side for half their time or less.
fn run_segments_together(
    batches: &dyn Batches,
    work: &[Vec<Segment>],
    pool: &dyn WorkerPool,
) -> Result<Reading> {
    run_segments_from(batches, work, pool, true)
}

fn run_segments_from(
    batches: &dyn Batches,
    work: &[Vec<Segment>],
    pool: &dyn WorkerPool,
    together: bool,
) -> Result<Reading> {
    let arrived = AtomicUsize::new(0);
    let own: Mutex<Vec<f64>> = Mutex::new(vec![0.0; work.len()]);
    let spans: Mutex<Vec<(f64, f64)>> = Mutex::new(vec![(0.0, 0.0); work.len()]);
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    let watch = Stopwatch::start();
    pool.run(work.len(), &|w| {
        if together {
            arrived.fetch_add(1, Ordering::AcqRel);
            let came = watch.elapsed();
            while arrived.load(Ordering::Acquire) < work.len()
                && watch.elapsed() - came < TOGETHER_WAIT_S
            {
                std::hint::spin_loop();
            }
        }
        let entry = watch.elapsed();
        let timed: Result<f64> = work[w]
            .iter()
            .map(|&(first, len)| batches.time(first, len, false))
            .sum();
        match timed {
            Ok(t) => {
                own.lock().unwrap()[w] = t;
                spans.lock().unwrap()[w] = (entry, watch.elapsed());
            }
            Err(e) => {
                failure.lock().unwrap().get_or_insert(e);
            }
        }
    });
    match failure.into_inner().unwrap() {
        Some(e) => Err(e),
        None => Ok(Reading {
            own: own.into_inner().unwrap(),
            spans: spans.into_inner().unwrap(),
        }),
    }
}

/// The least wall time of `work`, timed again (at most `RETIMES` times) while a run was
/// disturbed (`Reading::disturbed`), and `LOSS_RETIMES` times while it took longer than
/// `expected_at_most`: with one item per worker, as for items of milliseconds, one late thread
/// halved the throughput read. With `single_round` (long items, whose one round decides), a
/// late start that cost the run nothing but the wake is left out (`Reading::wall_at_once`).
fn least_wall(
    batches: &dyn Batches,
    work: &[Vec<Segment>],
    pool: &dyn WorkerPool,
    alone_per_item_s: f64,
    cores: usize,
    expected_at_most: f64,
    single_round: bool,
) -> Result<f64> {
    let mut least = f64::INFINITY;
    for timing in 0..=RETIMES {
        let reading = run_segments(batches, work, pool)?;
        let wall = if single_round {
            reading.wall_at_once(work)
        } else {
            reading.wall()
        };
        least = least.min(wall);
        let slow = least > expected_at_most && timing < LOSS_RETIMES;
        if !slow && !reading.disturbed(work, alone_per_item_s, cores) {
            break;
        }
    }
    Ok(least)
}

/// How much slower the stretches ran side by side than alone: the least slowdown of those that
/// did run beside another (`side_by_side` is infinite for a stretch that never did) and are
/// long enough for the clock to read; 1 if none are. Beside a stretch of cheap items
/// (mandelbrot's outer rows took 0.03 ms beside 3 ms) a stretch runs alone anyway, and its
/// noise read as 1.6-1.7x contention in the browser.
///
/// The least, not the total: contention (a shared lock, memory bandwidth) slows every worker,
/// while one worker slowed alone is that worker's trouble: preempted, or, for a visitor's
/// JavaScript function, running in a Worker whose JIT has not yet optimized it as the caller's
/// has. Summed over both stretches, such one-sided slowdowns read as contention of 1.14-1.70 in
/// 9 of 40 browser decisions on the Lab's cpu-loop function, which scales 1.99x.
fn slowdown(side_by_side: &[f64], alone: &[f64]) -> f64 {
    let readable = READABLE_TICKS * crate::clock::resolution();
    side_by_side
        .iter()
        .zip(alone)
        .filter(|&(s, &a)| s.is_finite() && a >= readable)
        .map(|(s, a)| s / a)
        .min_by(f64::total_cmp)
        .unwrap_or(1.0)
}

/// Whether stretches side by side read slower than alone by more than noise
/// (`CONTENTION_NOISE`).
fn reads_contention(side_by_side: &[f64], alone: &[f64]) -> bool {
    slowdown(side_by_side, alone) >= CONTENTION_NOISE
}

/// One stretch of `len` items from each start, each on its own worker.
fn one_each(starts: &[usize], len: usize) -> Vec<Vec<Segment>> {
    starts.iter().map(|&start| vec![(start, len)]).collect()
}

/// The same items as `one_each(starts, len)`, shared out in order over `workers` workers, as
/// even in count as whole items allow.
fn shared_out(starts: &[usize], len: usize, workers: usize) -> Vec<Vec<Segment>> {
    let total = starts.len() * len;
    (0..workers)
        .map(|w| {
            let (from, to) = (w * total / workers, (w + 1) * total / workers);
            let mut segments: Vec<Segment> = Vec::new();
            let mut i = from;
            while i < to {
                let (stretch, offset) = (i / len, i % len);
                let take = (len - offset).min(to - i);
                segments.push((starts[stretch] + offset, take));
                i += take;
            }
            segments
        })
        .collect()
}

/// `spread`'s workers gathered onto `cores` workers, in order: each core runs, one after
/// another, the segments of the workers it stands for, which together are its stretch of
/// `one_each`.
fn grouped(spread: &[Vec<Segment>], cores: usize) -> Vec<Vec<Segment>> {
    let mut out = vec![Vec::new(); cores];
    for (w, segments) in spread.iter().enumerate() {
        out[w * cores / spread.len()].extend_from_slice(segments);
    }
    out
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
/// the pool has more threads than cores) the same items shared out over more workers than
/// cores.
///
/// Contention is measured for items shorter than a stretch: side by side, each stretch should
/// take what it took alone, and items that share an allocator lock or memory bandwidth take
/// longer (docs/decisions.md: contention is measured).
/// The waiting share and the throughput past the cores are measured when the pool can
/// oversubscribe: shared out over `factor` times as many workers, CPU-bound items take as long
/// as they took one per core, and items that wait take `factor` times less.
///
/// `in_a_spell` says whether the machine has less than its cores right now
/// (`calibrate::CapacityProbe`); contention found while it does is read again.
pub(super) fn probe_side_by_side(
    batches: &dyn Batches,
    mean_s: f64,
    rng: &mut fastrand::Rng,
    pool: &dyn WorkerPool,
    budget: f64,
    in_a_spell: &mut dyn FnMut() -> Result<bool>,
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
    let waits_probed = oversubscribed > cores;
    // Shared out over more workers, every worker needs an item of its own.
    let least_len = if waits_probed {
        oversubscribed.div_ceil(cores)
    } else {
        1
    };
    let len = ((PROBE_MIN_S / mean_s.max(1e-12)).ceil() as usize)
        .max(least_len)
        .min(n);
    let stretch_s = len as f64 * mean_s;
    let long_items = mean_s >= PROBE_MIN_S;
    // A stretch of long items is timed well enough by the sample already, and timing its
    // contention would cost a stretch per core per repeat.
    let contention_probed = !long_items;
    if cores < 2 || stretch_s < PROBE_MIN_S || !(waits_probed || contention_probed) {
        return Ok(assumed);
    }
    // The probe's cost in stretches of wall time: one side by side, one alone per core, and
    // the same items again shared out.
    let per_round = 1.0 + if long_items { 0.0 } else { cores as f64 } + f64::from(waits_probed);
    let stretches = if long_items {
        per_round
    } else {
        PROBE_REPEATS as f64 * per_round
    };
    // Counted in items, not seconds: both sides scale with the item time, and a tie in seconds
    // fell either way with its noise.
    let probe_s = stretches * stretch_s;
    let affordable = probe_s <= budget
        || stretches * len as f64 <= PROBE_SHARE * n as f64 && probe_s <= PROBE_SHARE_MOST_S;
    if !affordable {
        return Ok(assumed);
    }
    let starts: Vec<usize> = if n >= len * cores {
        let span = n / cores;
        (0..cores)
            .map(|w| w * span + rng.usize(..=span - len))
            .collect()
    } else {
        vec![rng.usize(..=n - len); cores]
    };
    let factor = oversubscribed as f64 / cores as f64;
    let spread = shared_out(&starts, len, oversubscribed);
    // Where the items are also shared out, each core's stretch is timed in the same pieces as
    // the shared-out run times them: a piece's cost depends on its length when its results
    // fill fresh memory, and tiny's 750,000-item stretches against half stretches past the
    // cores read a gain of 1.25-1.43 in 3 of 30 browser decisions, which sent it to 8 workers.
    let per_core = if waits_probed {
        grouped(&spread, cores)
    } else {
        one_each(&starts, len)
    };
    let nothing: Vec<Vec<Segment>> = vec![Vec::new(); oversubscribed];
    // Each figure is the least of a few repeats: the OS may briefly put two fresh busy threads
    // on one core, which only ever adds time. Alone runs on a pool worker too, so that both
    // sides run on the same kind of thread. Long items get one round, the cost `stretches`
    // counts.
    let rounds = || -> Result<Rounds> {
        let mut alone = vec![f64::INFINITY; cores];
        let mut side_by_side = vec![f64::INFINITY; cores];
        let mut idle_wall = f64::INFINITY;
        let mut busy_wall = f64::INFINITY;
        // The least and the greatest throughput ratio over the rounds.
        let mut gains = (f64::INFINITY, 0.0f64);
        for round in 0..GAIN_ROUNDS {
            // One stretch per core; it also wakes the pool threads the oversubscribed run needs,
            // which a pool hands work to lazily. It runs before the stretches alone: timed after
            // them, it found each stretch's items in the other core's cache, and inference read
            // 2x slower side by side (0.9 against 0.42 ms) where its runs scale 1.93x.
            let reading = run_segments_together(batches, &per_core, pool)?;
            let per_core_s = reading.own.iter().sum::<f64>() / cores as f64;
            for (w, (best, t)) in side_by_side.iter_mut().zip(&reading.own).enumerate() {
                if reading.ran_beside_another(w) {
                    *best = best.min(*t);
                }
            }
            if contention_probed && round < PROBE_REPEATS {
                for (best, stretch) in alone.iter_mut().zip(&per_core) {
                    *best = best
                        .min(run_segments(batches, std::slice::from_ref(stretch), pool)?.own[0]);
                }
            }
            if waits_probed {
                // Less the time to start and join that many workers with nothing to do.
                idle_wall = idle_wall.min(run_segments(batches, &nothing, pool)?.wall());
                let per_item_s = per_core_s / len as f64;
                let expected = per_core_s / LOSS_READING;
                let wall = least_wall(
                    batches, &spread, pool, per_item_s, cores, expected, long_items,
                )?;
                busy_wall = busy_wall.min(wall);
                // The same items on more workers against one per core, in the same round: a gain
                // or a loss that is real shows in each. Items of uneven cost read a gain as large as
                // their spread when the extra workers ran other items than the per-core run
                // (collatz: 0.46-1.26, and 4 workers on 2 cores).
                let ratio = per_core_s / wall;
                gains = (gains.0.min(ratio), gains.1.max(ratio));
            }
            // Later rounds confirm what the first found, and find nothing the first missed: a gain
            // is the least of the rounds (up to `GAIN_ROUNDS`), and contention read in a second
            // round only ever came from a stretch alone that ran fast once. Skipping them saved
            // mandelbrot's decisions 10-15 ms in the browser.
            let found_contention = contention_probed && reads_contention(&side_by_side, &alone);
            let found_gain = waits_probed && gains.0 >= OVERSUBSCRIBED_GAIN;
            let confirming = (found_contention && round + 1 < PROBE_REPEATS) || found_gain;
            if long_items || !confirming {
                break;
            }
        }
        Ok(Rounds {
            alone,
            side_by_side,
            idle_wall,
            busy_wall,
            gains,
        })
    };
    let mut found = rounds()?;
    // Two workers that share one core for a while (a spell of this VM, or the browser's own
    // threads taking a core) slow every stretch side by side and none alone: contention read
    // while the machine is short of its cores is the machine's, and the rounds are taken
    // again, the second reading deciding. In the browser mandelbrot and cpu-loop, which run
    // 1.95x, read contention of 1.12-1.29 in 4 of 60 decisions, and were predicted 1.48-1.79x.
    if contention_probed && reads_contention(&found.side_by_side, &found.alone) && in_a_spell()? {
        found = rounds()?;
    }
    let Rounds {
        alone,
        side_by_side,
        idle_wall,
        busy_wall,
        gains,
    } = found;
    let contention = if contention_probed {
        let slowdown = slowdown(&side_by_side, &alone);
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
    // Items per second shared out over more workers than cores against one per core: above 1
    // when items wait (for I/O, page faults, an allocator's lock) and another worker can use
    // the core meanwhile. The shared-out run is timed from its start, late starts included, so
    // that an idle run that met a slow wake cannot fake a gain. The reading nearest 1 over the
    // rounds: the least gain when every round gained, the least loss when every round lost,
    // and none when the rounds disagree.
    let gain = 1.0f64.clamp(gains.0, gains.1.max(gains.0));
    let oversubscribed_gain = if waits_probed && gain.is_finite() && gain > 0.0 {
        (gain.clamp(0.0, factor), Source::Measured)
    } else {
        assumed.oversubscribed_gain
    };
    let cpu_fraction = if waits_probed {
        let per_core_s = side_by_side.iter().sum::<f64>() / cores as f64;
        // The least busy run less the least idle one: the least of each difference took the
        // one round whose idle run met a slow wake, and collatz read as waiting (0%) and went
        // to 8 workers on 2 cores at a predicted 3.9x. CPU-bound items take `per_core_s`
        // shared out, and items that only wait take `factor` times less.
        let wall = (busy_wall - idle_wall).max(0.0);
        let share = ((wall * factor / per_core_s - 1.0) / (factor - 1.0)).clamp(0.0, 1.0);
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
        oversubscribed_workers: oversubscribed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two cores and two threads, each worker on a scoped thread of its own.
    struct TwoThreads;

    impl WorkerPool for TwoThreads {
        fn threads(&self) -> usize {
            2
        }
        fn cores(&self) -> usize {
            2
        }
        fn run(&self, workers: usize, task: &(dyn Fn(usize) + Sync)) {
            std::thread::scope(|s| {
                for w in 0..workers {
                    s.spawn(move || task(w));
                }
            });
        }
        fn run_cold(&self, workers: usize, task: &(dyn Fn(usize) + Sync)) -> Result<()> {
            self.run(workers, task);
            Ok(())
        }
    }

    /// Stretches that read 1 ms, except the `slow` calls (counted from 1), which read 1.5 ms.
    /// Each call sleeps a millisecond; the `side_by_side` calls, run two at once, also meet
    /// before and after it, so that the later of the two runs wholly beside the other however
    /// late a loaded machine starts it (sleeping alone, one CI run read no overlap at all).
    struct Stretches {
        calls: AtomicUsize,
        slow: &'static [usize],
        side_by_side: &'static [usize],
        pair: std::sync::Barrier,
    }

    impl Batches for Stretches {
        fn len(&self) -> usize {
            10_000
        }
        fn time(&self, _first: usize, _len: usize, _keep: bool) -> Result<f64> {
            let call = self.calls.fetch_add(1, Ordering::AcqRel) + 1;
            let paired = self.side_by_side.contains(&call);
            if paired {
                self.pair.wait();
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
            if paired {
                self.pair.wait();
            }
            Ok(if self.slow.contains(&call) {
                1.5e-3
            } else {
                1e-3
            })
        }
        fn sizes(&self) -> (usize, usize) {
            (8, 8)
        }
    }

    #[test]
    fn contention_found_in_a_spell_is_read_again() {
        // Each round runs two stretches side by side, then each alone: calls 1-2 and 5-6 are
        // the first rounds' side-by-side ones, slowed as a spell slows them, and 9-10 and
        // 13-14 the retaken rounds'.
        let probe = |spell: bool| {
            let batches = Stretches {
                calls: AtomicUsize::new(0),
                slow: &[1, 2, 5, 6],
                side_by_side: &[1, 2, 5, 6, 9, 10, 13, 14],
                pair: std::sync::Barrier::new(2),
            };
            let mut checked = 0;
            let mut in_a_spell = || {
                checked += 1;
                Ok(spell)
            };
            let mut rng = fastrand::Rng::with_seed(7);
            let found =
                probe_side_by_side(&batches, 1e-5, &mut rng, &TwoThreads, 1.0, &mut in_a_spell)
                    .unwrap();
            (found.contention, checked)
        };
        assert_eq!(probe(true), ((1.0, Source::Measured), 1));
        assert_eq!(probe(false), ((1.5, Source::Measured), 1));
    }

    /// Workers that came at `entries` and stayed their `own` time.
    fn reading(own: &[f64], entries: &[f64]) -> Reading {
        Reading {
            own: own.to_vec(),
            spans: own.iter().zip(entries).map(|(t, e)| (*e, e + t)).collect(),
        }
    }

    #[test]
    fn a_late_wake_is_left_out_of_a_run_all_at_once_and_a_turn_is_not() {
        // Four 5 ms items on four workers of two cores, two of the threads woken 0.9 ms late.
        let work = shared_out(&[0, 100], 2, 4);
        let late = reading(
            &[0.0051, 0.0051, 0.0051, 0.0051],
            &[0.0, 0.0009, 0.0008, 0.0],
        );
        assert!((late.wall() - 0.006).abs() < 1e-9);
        assert!((late.wall_at_once(&work) - 0.0051).abs() < 1e-9);
        // CPU-bound items by turns: the late two came as the first two left, and waited for
        // their cores, which is what the run costs.
        let turns = reading(
            &[0.0051, 0.0051, 0.0051, 0.0051],
            &[0.0, 0.0, 0.0051, 0.0051],
        );
        assert!((turns.wall_at_once(&work) - 0.0102).abs() < 1e-9);
        // A worker that had nothing to do neither came late nor left first.
        let idle = shared_out(&[0, 100], 1, 4);
        assert!(idle[0].is_empty() && idle[2].is_empty());
        let two_idle = reading(&[0.0, 0.0051, 0.0, 0.0051], &[0.0, 0.0009, 0.007, 0.0]);
        assert!((two_idle.wall_at_once(&idle) - 0.0051).abs() < 1e-9);
    }

    #[test]
    fn a_late_or_slow_worker_disturbs_a_run_and_uneven_shares_do_not() {
        // Six 5 ms items shared out over four workers on two cores: 1, 2, 1, 2 items.
        let work = shared_out(&[0, 100], 3, 4);
        let counts: Vec<usize> = work.iter().map(|w| w.iter().map(|s| s.1).sum()).collect();
        assert_eq!(counts, [1, 2, 1, 2]);
        let disturbed =
            |own: &[f64], entries: &[f64]| reading(own, entries).disturbed(&work, 0.005, 2);
        let together = [0.0001; 4];
        let waited = [0.005, 0.010, 0.0051, 0.0101];
        assert!(!disturbed(&waited, &together));
        // CPU-bound items sharing the cores take twice as long, and are not disturbed either,
        // nor when they shared them in uneven slices or one started late by its turn.
        let shared = waited.map(|t| 2.0 * t);
        assert!(!disturbed(&shared, &together));
        assert!(!disturbed(&shared, &[0.0, 0.0, 0.0, 0.004]));
        assert!(!disturbed(&[0.006, 0.020, 0.0101, 0.0202], &together));
        // Nor when they ran by turns at the pace of a core each, each worker coming when
        // another left.
        assert!(!disturbed(&waited, &[0.0, 0.0, 0.005, 0.010]));
        // One thread woke 4 ms late.
        assert!(disturbed(&waited, &[0.0, 0.0, 0.0, 0.004]));
        // One item's wait overran by 4.8 ms.
        assert!(disturbed(&[0.0098, 0.010, 0.0051, 0.0101], &together));
        // Every wait overran by 8 ms: slower than sharing the cores explains.
        assert!(disturbed(&[0.013, 0.026, 0.013, 0.026], &together));
        // A worker with nothing to do is no evidence either way.
        let idle = reading(&[0.0, 0.0], &[0.0, 0.0]).disturbed(&[Vec::new(), Vec::new()], 0.005, 2);
        assert!(!idle);
    }

    #[test]
    fn contention_counts_stretches_that_ran_beside_another() {
        let tick = crate::clock::resolution();
        assert!((slowdown(&[0.0013, 0.0026], &[0.001, 0.002]) - 1.3).abs() < 1e-9);
        // One worker slowed alone is not contention: the other ran at its own speed.
        assert!((slowdown(&[0.0017, 0.002], &[0.001, 0.002]) - 1.0).abs() < 1e-9);
        assert!((slowdown(&[0.0013, 0.0030], &[0.001, 0.002]) - 1.3).abs() < 1e-9);
        // A stretch that never ran beside another, or too short to read, has no say.
        assert!((slowdown(&[f64::INFINITY, 0.0026], &[0.001, 0.002]) - 1.3).abs() < 1e-9);
        assert!((slowdown(&[0.0017, tick], &[0.001, 2.0 * tick]) - 1.7).abs() < 1e-9);
        assert_eq!(
            slowdown(&[f64::INFINITY, 6.0 * tick], &[0.001, 2.0 * tick]),
            1.0
        );
        // A 3 ms stretch beside a 0.03 ms one ran alone; two 1 ms ones ran side by side.
        let lopsided = reading(&[0.003, 0.000_03], &[0.0, 0.0]);
        assert!(!lopsided.ran_beside_another(0));
        assert!(lopsided.ran_beside_another(1));
        let even = reading(&[0.001, 0.001], &[0.0, 0.0001]);
        assert!(even.ran_beside_another(0) && even.ran_beside_another(1));
    }

    #[test]
    fn time_past_the_cores_counts_only_crowded_stretches() {
        let run = reading(&[0.004, 0.004, 0.004], &[0.0, 0.001, 0.002]);
        assert!((run.time_past_cores(2) - 0.002).abs() < 1e-12);
        assert!((run.time_past_cores(1) - 0.004).abs() < 1e-12);
        assert_eq!(run.time_past_cores(3), 0.0);
        assert_eq!(
            reading(&[0.002, 0.002], &[0.0, 0.002]).time_past_cores(1),
            0.0
        );
    }

    /// Every item the segments cover, in order.
    fn covered<'a>(segments: impl IntoIterator<Item = &'a Segment>) -> Vec<usize> {
        segments
            .into_iter()
            .flat_map(|&(first, len)| first..first + len)
            .collect()
    }

    #[test]
    fn shared_out_covers_the_same_items_in_order() {
        let starts = [10, 50, 90];
        for workers in [3, 4, 5, 6, 7] {
            let spread = shared_out(&starts, 4, workers);
            assert_eq!(spread.len(), workers);
            let items = covered(spread.iter().flatten());
            let expected = covered(one_each(&starts, 4).iter().flatten());
            assert_eq!(items, expected, "{workers} workers");
            let counts: Vec<usize> = spread.iter().map(|w| w.iter().map(|s| s.1).sum()).collect();
            let (least, most) = (counts.iter().min(), counts.iter().max());
            assert!(most.unwrap() - least.unwrap() <= 1, "{counts:?}");
            assert!(*least.unwrap() >= 1, "{counts:?}");
        }
    }

    #[test]
    fn grouped_pieces_make_up_each_cores_stretch() {
        let starts = [10, 50];
        for workers in [4, 6] {
            let per_core = grouped(&shared_out(&starts, 8, workers), 2);
            assert_eq!(per_core.len(), 2);
            for (core, stretch) in per_core.iter().zip(one_each(&starts, 8)) {
                assert_eq!(covered(core), covered(&stretch), "{workers} workers");
                assert_eq!(
                    core.len(),
                    workers / 2,
                    "pieces as the shared-out run has them"
                );
            }
        }
    }
}
