//! Measures what this machine's pool charges for running work, once per process.
//!
//! Each figure is fitted over several probe sizes with a no-op body, so that it holds only the
//! engine's own overhead: starting and joining a run, waking each worker, handing out a chunk,
//! starting threads for a cold run, and one copied message.

use crate::cancel::CancelToken;
use crate::clock::{self, Stopwatch};
use crate::error::Result;
use crate::options::Start;
use crate::pool::WorkerPool;
use crate::provenance::Source;
use crate::runtime::schedule::{schedule, RunSettings};
use crate::shape::Parallel;
use crate::stats;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// A cost in seconds, and whether it was measured here.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    pub value: f64,
    pub source: Source,
}

/// A cost older figures lack: taken as none.
fn unmeasured() -> Cost {
    Cost::assumed(0.0)
}

impl Cost {
    pub fn measured(value: f64) -> Self {
        Self {
            value: value.max(0.0),
            source: Source::Measured,
        }
    }

    pub fn assumed(value: f64) -> Self {
        Self {
            value,
            source: Source::Assumed,
        }
    }
}

/// What the platform charges, in seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Costs {
    pub cores: usize,
    pub threads: usize,
    /// Starting and joining one parallel run, whatever its worker count.
    pub run_fixed_s: Cost,
    /// Added per worker in a run: waking it and waiting for it to finish.
    pub wake_per_worker_s: Cost,
    /// Handing out one chunk when one worker takes them all.
    pub dispatch_solo_s: Cost,
    /// Handing out one chunk when several workers contend for the shared counter.
    pub dispatch_shared_s: Cost,
    /// Starting one worker thread, paid by cold runs only.
    pub startup_per_worker_s: Cost,
    /// Fixed cost of one copied message (encode and decode of an empty chunk).
    pub message_s: Cost,
    /// Writing freshly allocated memory, per byte: what the first run into a large result
    /// vector pays in page faults (natively) or memory growth (wasm).
    pub fresh_memory_s_per_byte: Cost,
    /// How much slower that is with one writer per core than with one alone.
    pub fresh_memory_contention: Cost,
    /// Growing wasm memory and touching the new pages, per byte: what a run pays for results
    /// that do not fit in the memory the page already has (wasm memory never shrinks, so a
    /// page's first run of a large job pays it and later ones reuse the memory). Natively the
    /// same as `fresh_memory_s_per_byte`.
    #[serde(default = "unmeasured")]
    pub grown_memory_s_per_byte: Cost,
    pub clock_resolution_s: f64,
    /// How a run on parked workers starts and ends (one worker per core), measured: a
    /// visitor's run nearly always finds the pool asleep, which warm no-op runs (`run_fixed_s`)
    /// never see.
    #[serde(default)]
    pub parked: ParkedRun,
    pub calibration_time_s: f64,
}

/// When each worker of a run on parked threads took its first chunk, and what the run cost
/// after its last, over `PARKED_REPEATS` runs. Empty when the pool has one thread.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ParkedRun {
    /// Seconds from the run's start to each worker's first chunk, earliest first. A worker
    /// that woke after the others had taken every chunk counts as starting when the run ended.
    pub starts_s: Vec<f64>,
    /// Seconds from the last chunk's end until the run returned.
    pub join_s: f64,
    /// Seconds of work a woken worker loses while its core comes back from idle: its first
    /// chunks run slower than the caller's, on a core that was not. On this VM a core idle for
    /// 2 ms ran its first 0.7 ms of work 30-45% slower (the hypervisor halts an idle virtual
    /// CPU). Counted as a later start for every worker but the first.
    #[serde(default)]
    pub cold_core_s: f64,
    /// The share of a woken worker's time lost while its core is slow, over the probe's run:
    /// a shorter run loses this share of its length.
    #[serde(default)]
    pub cold_core_share: f64,
    /// True when `starts_s` were read off the latest runs rather than calibrated.
    #[serde(default)]
    pub starts_observed: bool,
    /// True when the threads kept up for the run were off their cores as it was decided
    /// (`WorkerPool::threads_starved`): `starts_s` are then the calibrated parked starts, in
    /// full.
    #[serde(default)]
    pub threads_starved: bool,
}

impl Costs {
    pub fn dispatch_s(&self, workers: usize) -> f64 {
        if workers > 1 {
            self.dispatch_shared_s.value
        } else {
            self.dispatch_solo_s.value
        }
    }

    pub fn run_overhead_s(&self, workers: usize) -> f64 {
        self.run_fixed_s.value + workers as f64 * self.wake_per_worker_s.value
    }

    /// When each of a run's `workers` takes its first chunk, earliest first, on a parked pool:
    /// measured ranks, the last one repeated for workers past them; all zero when unmeasured.
    pub fn worker_starts_s(&self, workers: usize) -> Vec<f64> {
        (0..workers)
            .map(|rank| self.worker_start_s(rank, workers))
            .collect()
    }

    /// The start of the worker of `rank` in a run of `workers` (`worker_starts_s`).
    fn worker_start_s(&self, rank: usize, workers: usize) -> f64 {
        let starts = &self.parked.starts_s;
        if workers < 2 || starts.is_empty() {
            0.0
        } else {
            starts[rank.min(starts.len() - 1)]
        }
    }

    /// These costs for a run that starts `since_wake_s` after its decision woke the pool.
    /// Calibrated starts were read `DECISION_LEAD_S` after a wake, and a worker still waking
    /// then has had the difference since: the browser's first decision on a page, 0.9 ms long,
    /// kept a 0.1 ms job serial on a second worker's calibrated 0.14 ms start, and two workers
    /// ran it 1.8x. Starts read off the latest runs already are what such runs see.
    pub fn after_wake(mut self, since_wake_s: f64) -> Self {
        if !self.parked.starts_observed {
            let waited = (since_wake_s - DECISION_LEAD_S).max(0.0);
            for start in &mut self.parked.starts_s {
                *start = (*start - waited).max(0.0);
            }
        }
        self
    }

    /// These costs for a run whose threads were up but off their cores when its decision
    /// ended: they start as parked threads do (`calibrated`'s starts), whenever the OS gives
    /// their cores back, and no wake the decision began has had time to work. The latest runs'
    /// starts were read while the threads had their cores.
    pub fn with_threads_starved(mut self, calibrated: &Costs) -> Self {
        self.parked.starts_s = calibrated.parked.starts_s.clone();
        self.parked.starts_observed = false;
        self.parked.threads_starved = true;
        self
    }

    /// Work a woken worker loses to its core's slow start in a run where it works `span_s`.
    /// Charged on threads that were up too: natively on this VM a spinning worker's core ran
    /// as slow (transactions x 1,000, 34 µs serially, took 46 µs on two workers that were up,
    /// once the loss was dropped for them).
    pub fn cold_core_loss_s(&self, span_s: f64) -> f64 {
        (self.parked.cold_core_share * span_s.max(0.0)).min(self.parked.cold_core_s)
    }

    /// What a run costs besides its workers' late starts: the join, and never less than a
    /// warm run's start and join. When the starts were read off the latest runs, on threads
    /// that were up, the join is a warm run's too: what a warm no-op run (timed as a block)
    /// takes past its last worker's start. The parked join is the lower quartile of a few
    /// readings of the browser's 5 µs clock (7.6 µs where a whole warm run, start and join,
    /// took 4.9 µs), and it kept jobs of 15-40 µs serial that ran 1.2-1.7x on two workers.
    pub fn run_join_s(&self, workers: usize) -> f64 {
        let warm = self.run_overhead_s(workers);
        if workers < 2 || self.parked.starts_s.is_empty() {
            warm
        } else if self.parked.starts_observed {
            (warm - self.worker_start_s(workers - 1, workers)).max(0.0)
        } else {
            self.parked.join_s.max(warm - self.parked.starts_s[0])
        }
    }
}

const REPEATS: usize = 5;
const DISPATCH_CHUNKS: usize = 4096;
/// A thread start when it cannot be measured: typical for Linux and for Web Workers.
const ASSUMED_STARTUP_S: f64 = 100e-6;

/// Seconds one run of `items` chunks of one item each takes on `workers` workers, each item
/// calling `item`.
fn timed_run(
    settings: RunSettings<'_>,
    workers: usize,
    items: usize,
    item: &(dyn Fn() + Sync),
) -> Result<f64> {
    let watch = Stopwatch::start();
    schedule(
        items,
        Parallel {
            workers,
            chunk_size: 1,
        },
        settings,
        watch.started_at(),
        &|_, _, _| {
            item();
            Ok(())
        },
    )?;
    Ok(watch.elapsed())
}

/// Median time of `repeats` no-op runs of `n` chunks of one item on `workers` workers.
fn noop_run(pool: &dyn WorkerPool, workers: usize, n: usize, start: Start) -> Result<f64> {
    let cancel = CancelToken::new();
    let settings = RunSettings {
        pool,
        start,
        timeline: false,
        cancel: Some(&cancel),
    };
    let run_once = || timed_run(settings, workers, n, &|| {});
    // Read as the runs it predicts are read (`clock::readable_run`): single readings of a
    // 5 µs warm run on the browser's 5 µs clock are mostly 0 or one tick, and a median of
    // zeros once calibrated a page's runs as free (tiny x 1,000, 3.7 µs serial, was then
    // predicted 1.77x on two workers and ran 0.66x).
    let mut times = Vec::with_capacity(REPEATS);
    for _ in 0..REPEATS {
        times.push(clock::readable_run(&run_once)?);
    }
    Ok(stats::median(&times))
}

/// Measures `pool`'s costs. Takes a few milliseconds natively.
pub fn measure(pool: &dyn WorkerPool) -> Costs {
    let _unrecorded = crate::runtime::wakes::Unrecorded::new();
    let watch = Stopwatch::start();
    let cores = pool.cores();
    let threads = pool.threads();
    // One worker runs on the caller alone and costs next to nothing: it is left out of the
    // line unless there are too few other points, or its near-zero time would pull the fixed
    // cost of every real run towards the cost of waking `threads` workers (70-100 µs in the
    // browser, where two warm workers cost under 10 µs) by giving the line a negative slope.
    let mut worker_counts: Vec<usize> = (2..=cores.min(threads)).collect();
    if threads > cores {
        worker_counts.push(threads);
    }
    if worker_counts.len() < 2 {
        worker_counts.insert(0, 1);
    }
    let _ = noop_run(pool, threads, threads, Start::Warm);
    // Four chunks a worker, so that a late worker's chunk does not decide the run's length:
    // what a late worker costs is the parked starts' to tell (`measure_parked_run`), not this
    // line's.
    let run_points: Vec<(f64, f64)> = worker_counts
        .iter()
        .filter_map(|&k| {
            noop_run(pool, k, 4 * k, Start::Warm)
                .ok()
                .map(|t| (k as f64, t))
        })
        .collect();
    let (fixed, per_worker) = stats::fit_line(&run_points);
    let (run_fixed, wake) = if per_worker < 0.0 || run_points.len() < 2 {
        (
            stats::mean(&run_points.iter().map(|p| p.1).collect::<Vec<_>>()),
            0.0,
        )
    } else {
        (fixed, per_worker)
    };
    let overhead = |k: usize| run_fixed.max(0.0) + k as f64 * wake;

    let solo = noop_run(pool, 1, DISPATCH_CHUNKS, Start::Warm)
        .map(|t| ((t - overhead(1)) / DISPATCH_CHUNKS as f64).max(0.0))
        .unwrap_or(0.0);
    let shared_workers = cores.min(threads);
    let shared = if shared_workers > 1 {
        let n = DISPATCH_CHUNKS * shared_workers;
        noop_run(pool, shared_workers, n, Start::Warm)
            .map(|t| ((t - overhead(shared_workers)) * shared_workers as f64 / n as f64).max(0.0))
            .unwrap_or(solo)
    } else {
        solo
    };

    let parked = measure_parked_run(pool);
    let startup = measure_startup(pool);
    let fresh = measure_fresh_memory(pool);
    let message = clock::time_per_call(1e-3, &mut || {
        let bytes = postcard::to_allocvec::<[u64]>(&[]).unwrap_or_default();
        drop(std::hint::black_box(postcard::from_bytes::<Vec<u64>>(
            &bytes,
        )));
    });

    Costs {
        cores,
        threads,
        run_fixed_s: Cost::measured(run_fixed),
        wake_per_worker_s: Cost::measured(wake),
        dispatch_solo_s: Cost::measured(solo),
        dispatch_shared_s: Cost::measured(shared),
        startup_per_worker_s: startup,
        message_s: Cost::measured(message),
        fresh_memory_s_per_byte: fresh.0,
        fresh_memory_contention: fresh.1,
        grown_memory_s_per_byte: measure_memory_growth().unwrap_or(fresh.0),
        clock_resolution_s: clock::resolution(),
        parked,
        calibration_time_s: watch.elapsed(),
    }
}

/// Idle time before each parked run: rayon's threads go to sleep after a few dozen rounds of
/// looking for work, well within it.
const PARK_S: f64 = 0.002;
/// How long before its run a decision wakes the pool (`WorkerPool::wake_ahead`): the least a
/// browser decision took in the small-job benchmark, which bounds what a visitor's first run
/// can gain from it.
const DECISION_LEAD_S: f64 = 0.3e-3;
const PARKED_REPEATS: usize = 7;
/// The parked-run probe's items: short enough that a late worker still finds chunks, enough
/// of them (per worker) that the run lasts about a millisecond and a half.
const PROBE_ITEM_S: f64 = 20e-6;
const PROBE_ITEMS_PER_WORKER: usize = 64;

/// How much of the machine's parallel throughput is there right now: one worker per core runs
/// a fixed amount of arithmetic each, against the caller alone running one share. On this
/// 2-core VM the second worker sometimes shares the first's core for a second or more, and a
/// benchmark that measures through such a spell blames the plan for the machine; this reads
/// the spell directly (`playground::benchmark`), where inferring it from other runs misses the
/// spells that cover those runs too.
pub struct CapacityProbe {
    rounds: u32,
}

/// The capacity probe's items and how many each worker runs: about a millisecond per worker,
/// long beside a parked worker's wake (0.03-0.1 ms), short beside a spell.
const CAPACITY_ITEM_S: f64 = 20e-6;
const CAPACITY_ITEMS_PER_WORKER: usize = 50;
/// Longest `CapacityProbe::until_quiet` waits.
const QUIET_WAIT_S: f64 = 0.15;
/// Pause between its readings, which leaves the cores to whatever holds them.
const QUIET_PAUSE_S: f64 = 0.005;

impl CapacityProbe {
    pub fn new() -> Self {
        Self {
            rounds: fixed_work_rounds(CAPACITY_ITEM_S),
        }
    }

    /// Cores' worth of throughput: the core count when every worker kept pace with the caller
    /// alone, 1 when the workers got one core between them. Slightly under the core count
    /// at best, for the workers' wake.
    pub fn read(&self, pool: &dyn WorkerPool) -> Result<f64> {
        let workers = pool.cores().min(pool.threads());
        if workers < 2 {
            return Ok(1.0);
        }
        let alone = Stopwatch::start();
        for _ in 0..CAPACITY_ITEMS_PER_WORKER {
            fixed_work(self.rounds);
        }
        let alone_s = alone.elapsed();
        let settings = RunSettings {
            pool,
            start: Start::Warm,
            timeline: false,
            cancel: None,
        };
        let together_s = timed_run(
            settings,
            workers,
            workers * CAPACITY_ITEMS_PER_WORKER,
            &|| {
                fixed_work(self.rounds);
            },
        )?;
        Ok(if together_s > 0.0 {
            workers as f64 * alone_s / together_s
        } else {
            workers as f64
        })
    }

    /// Whether the machine has less than `SPELL_CAPACITY` of its cores right now.
    pub fn in_a_spell(&self, pool: &dyn WorkerPool) -> Result<bool> {
        Ok(short_of_cores(self.read(pool)?, pool))
    }

    /// Waits, for at most `QUIET_WAIT_S`, until the machine has its cores; returns the
    /// seconds it waited. Past the wait the machine is busy with work of its own, and runs
    /// measure that.
    pub fn until_quiet(&self, pool: &dyn WorkerPool) -> Result<f64> {
        let waited = Stopwatch::start();
        while self.in_a_spell(pool)? && waited.elapsed() < QUIET_WAIT_S {
            std::thread::sleep(std::time::Duration::from_secs_f64(QUIET_PAUSE_S));
        }
        Ok(waited.elapsed())
    }
}

/// Whether `capacity`, in cores' worth (`CapacityProbe::read`), is under `SPELL_CAPACITY` of
/// the cores `pool` can use: the machine was in a spell.
pub fn short_of_cores(capacity: f64, pool: &dyn WorkerPool) -> bool {
    let cores = pool.cores().min(pool.threads()) as f64;
    capacity < crate::tuning::SPELL_CAPACITY * cores
}

impl Default for CapacityProbe {
    fn default() -> Self {
        Self::new()
    }
}

/// A fixed amount of arithmetic, `rounds` steps of a xorshift: unlike a wait by the clock, it
/// takes longer on a core that runs slow.
fn fixed_work(rounds: u32) -> u64 {
    let mut state = std::hint::black_box(0x9E37_79B9_7F4A_7C15u64);
    for _ in 0..rounds {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
    }
    std::hint::black_box(state)
}

/// Rounds of `fixed_work` that take about `seconds` on the calling thread.
fn fixed_work_rounds(seconds: f64) -> u32 {
    const TRIAL: u32 = 10_000;
    let per_round = clock::time_per_call(1e-3, &mut || {
        fixed_work(TRIAL);
    }) / f64::from(TRIAL);
    (seconds / per_round.max(1e-12)).clamp(1.0, 1e9) as u32
}

/// Busy-waits `seconds` on the calling thread by the clock.
fn spin_for(seconds: f64) {
    let until = clock::now() + seconds;
    while clock::now() < until {
        std::hint::spin_loop();
    }
}

/// What one parked run showed.
struct ParkedReading {
    /// When each worker took its first chunk, earliest first (a worker that took none: when
    /// the run ended).
    starts_s: Vec<f64>,
    /// From the last chunk's end to the run's return.
    join_s: f64,
    /// The work the other workers lost against the earliest one's pace, each on average.
    cold_core_s: f64,
    /// How long the other workers worked, on average.
    woken_span_s: f64,
}

/// One run with one worker per core after the pool has gone idle and a decision's
/// `wake_ahead` has had `DECISION_LEAD_S` to wake it. Its items are a fixed amount of work
/// (`rounds` of `fixed_work`), so that a worker on a slow core does fewer of them.
fn parked_run_once(pool: &dyn WorkerPool, workers: usize, rounds: u32) -> Result<ParkedReading> {
    let settings = RunSettings {
        pool,
        start: Start::Warm,
        timeline: true,
        cancel: None,
    };
    let shape = Parallel {
        workers,
        chunk_size: 1,
    };
    // Spinning, not sleeping: on this VM a core left idle halts, and waking it added 1-3 ms
    // to the first run after it (natively and in the browser) that a run following its
    // decision, which keeps the cores busy, does not pay.
    crate::pool::stop_lingering();
    spin_for(PARK_S);
    pool.wake_ahead();
    spin_for(DECISION_LEAD_S);
    let watch = Stopwatch::start();
    let timeline = schedule(
        workers * PROBE_ITEMS_PER_WORKER,
        shape,
        settings,
        watch.started_at(),
        &|_, _, _| {
            fixed_work(rounds);
            Ok(())
        },
    )?;
    let elapsed = watch.elapsed();
    // Each worker's chunks (one item each) in the order it ran them.
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new(); workers];
    for chunk in &timeline.chunks {
        runs[chunk.worker].push((chunk.start, chunk.end));
    }
    for chunks in &mut runs {
        chunks.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let mut starts: Vec<f64> = runs
        .iter()
        .map(|chunks| chunks.first().map_or(elapsed, |c| c.0))
        .collect();
    let last_end = stats::max(runs.iter().filter_map(|chunks| chunks.last().map(|c| c.1)));
    // The earliest worker is the caller, whose core never went idle: its pace is the work's.
    let earliest = (0..workers)
        .min_by(|&a, &b| starts[a].total_cmp(&starts[b]))
        .unwrap_or(0);
    let span = |chunks: &[(f64, f64)]| chunks.last().map_or(0.0, |c| c.1) - chunks[0].0;
    let pace = if runs[earliest].is_empty() {
        0.0
    } else {
        span(&runs[earliest]) / runs[earliest].len() as f64
    };
    let others: Vec<&Vec<(f64, f64)>> = (0..workers)
        .filter(|&w| w != earliest && !runs[w].is_empty())
        .map(|w| &runs[w])
        .collect();
    // Not clamped at zero here: a reading a clock tick short must offset one a tick long, or
    // the browser's 5 µs clock alone reads a loss of 20 µs.
    let lost = |chunks: &[(f64, f64)]| span(chunks) - chunks.len() as f64 * pace;
    let average = |values: Vec<f64>| {
        if values.is_empty() {
            0.0
        } else {
            stats::mean(&values)
        }
    };
    let cold_core_s = average(others.iter().map(|chunks| lost(chunks)).collect());
    let woken_span_s = average(others.iter().map(|chunks| span(chunks)).collect());
    starts.sort_by(f64::total_cmp);
    Ok(ParkedReading {
        starts_s: starts,
        join_s: (elapsed - last_end).max(0.0),
        cold_core_s,
        woken_span_s,
    })
}

/// The parked run's figures, each the lower quartile of `PARKED_REPEATS` runs: a browser
/// thread's wake is bimodal (0.1-0.2 ms, or 1-3 ms when the engine's own threads crowd the
/// cores), and one spell of outside load at calibration would make every short job serial.
fn measure_parked_run(pool: &dyn WorkerPool) -> ParkedRun {
    let workers = pool.cores().min(pool.threads());
    if workers < 2 {
        return ParkedRun::default();
    }
    let rounds = fixed_work_rounds(PROBE_ITEM_S);
    let runs: Vec<ParkedReading> = (0..PARKED_REPEATS)
        .filter_map(|_| parked_run_once(pool, workers, rounds).ok())
        .collect();
    if runs.is_empty() {
        return ParkedRun::default();
    }
    let lower_quartile = |of: &dyn Fn(&ParkedReading) -> f64| {
        stats::quantile(&runs.iter().map(of).collect::<Vec<_>>(), 0.25)
    };
    let starts_s = (0..workers)
        .map(|rank| lower_quartile(&|r| r.starts_s[rank]))
        .collect();
    // The lower quartile too: in the browser, a thread of its own (V8 compiling hot code)
    // sometimes takes a core from a worker that has entered the run, and the join then waits
    // a scheduler slice for it (2.7-2.8 ms in 1 page load out of 3); charged to every run, that
    // kept 10 ms jobs serial.
    let join_s = lower_quartile(&|r| r.join_s);
    // The mean, not the lower quartile: a woken core ran slow (by 0.25-0.4 ms) in about half
    // the runs and not at all in the others, so that a quantile read either. The loss is taken
    // to build up evenly over the probe's run; it builds up faster (the core runs about a third
    // slow, then at full speed), so a short run is charged somewhat less than it loses.
    let mean_of =
        |of: &dyn Fn(&ParkedReading) -> f64| stats::mean(&runs.iter().map(of).collect::<Vec<_>>());
    let cold_core_s = mean_of(&|r| r.cold_core_s).max(0.0);
    let woken_span_s = mean_of(&|r| r.woken_span_s);
    ParkedRun {
        starts_s,
        join_s,
        cold_core_s,
        cold_core_share: (cold_core_s / woken_span_s.max(f64::MIN_POSITIVE)).min(1.0),
        starts_observed: false,
        threads_starved: false,
    }
}

fn measure_startup(pool: &dyn WorkerPool) -> Cost {
    let counts = [1usize, 2, 4];
    let mut points = Vec::new();
    for k in counts {
        match noop_run(pool, k, k, Start::Cold) {
            Ok(t) => points.push((k as f64, t)),
            Err(_) => return Cost::assumed(ASSUMED_STARTUP_S),
        }
    }
    let (_, slope) = stats::fit_line(&points);
    Cost::measured(slope)
}

/// Bytes written per fresh-memory probe: about a millisecond of page faults.
const FRESH_PROBE_BYTES: usize = 4 << 20;
/// Bytes reserved per probe. Natively, more than glibc's largest mmap threshold, so that every
/// probe gets new pages however earlier frees moved the threshold; only the first
/// `FRESH_PROBE_BYTES` are touched. In wasm, memory only grows, so nothing extra is reserved.
const FRESH_RESERVE_BYTES: usize = if cfg!(target_arch = "wasm32") {
    FRESH_PROBE_BYTES
} else {
    64 << 20
};
const PAGE_BYTES: usize = 4096;
/// A fresh-memory reading shorter than this many clock ticks is too coarse to divide by.
const FRESH_MIN_TICKS: f64 = 100.0;

/// wasm memory grown by the growth probe: a wasm page is 64 KiB.
#[cfg(target_arch = "wasm32")]
const GROWTH_PROBE_PAGES: usize = 64;

/// Seconds per byte to grow wasm memory and write one byte to each page of the new memory;
/// `None` natively, where memory does not grow this way. It grows a wasm page (64 KiB) at a
/// time, as the allocator does for results of a few KiB each. The 4 MiB stay with the page:
/// the allocator takes later growth after them, and wasm memory cannot shrink anyway.
#[cfg(target_arch = "wasm32")]
fn measure_memory_growth() -> Option<Cost> {
    use core::arch::wasm32::memory_grow;
    const WASM_PAGE_BYTES: usize = 64 << 10;
    let watch = Stopwatch::start();
    for _ in 0..GROWTH_PROBE_PAGES {
        let page = memory_grow(0, 1);
        if page == usize::MAX {
            return None;
        }
        let start = page * WASM_PAGE_BYTES;
        for offset in (0..WASM_PAGE_BYTES).step_by(PAGE_BYTES) {
            // SAFETY: the memory was grown just now and the allocator has never handed it out
            // (it grows memory for itself past the current end), so nothing refers to it.
            unsafe { ((start + offset) as *mut u8).write_volatile(1) };
        }
    }
    Some(Cost::measured(
        watch.elapsed() / (GROWTH_PROBE_PAGES * WASM_PAGE_BYTES) as f64,
    ))
}

#[cfg(not(target_arch = "wasm32"))]
fn measure_memory_growth() -> Option<Cost> {
    None
}

/// Seconds to allocate a fresh buffer and write one byte per page of its first
/// `FRESH_PROBE_BYTES`.
fn touch_fresh_buffer() -> f64 {
    let watch = Stopwatch::start();
    let mut buffer: Vec<u8> = Vec::with_capacity(FRESH_RESERVE_BYTES);
    let spare = &mut buffer.spare_capacity_mut()[..FRESH_PROBE_BYTES];
    for page in spare.chunks_mut(PAGE_BYTES) {
        page[0].write(1);
    }
    std::hint::black_box(&mut buffer);
    watch.elapsed()
}

/// Rounds of the fresh-memory probe, each one writer alone and then one per core.
const FRESH_ROUNDS: usize = 5;

/// Fresh-memory cost per byte alone, and its slowdown with one writer per core.
fn measure_fresh_memory(pool: &dyn WorkerPool) -> (Cost, Cost) {
    let cores = pool.cores().min(pool.threads());
    // The typical writer alone against the least-contended round of one writer per core: the
    // probe's writers fault in lockstep, real maps do not (docs/decisions.md: fresh memory).
    // Alternating spreads a slow spell of the machine over both sides.
    let mut alone_runs = Vec::with_capacity(FRESH_ROUNDS);
    let mut together = f64::INFINITY;
    for _ in 0..FRESH_ROUNDS {
        alone_runs.push(touch_fresh_buffer());
        if cores > 1 {
            let times = std::sync::Mutex::new(Vec::new());
            pool.run(cores, &|_| {
                let t = touch_fresh_buffer();
                times.lock().unwrap().push(t);
            });
            together = together.min(stats::median(&times.into_inner().unwrap()));
        }
    }
    let alone = stats::median(&alone_runs);
    // In wasm, freed memory is reused and never returned, so later probes touch pages that are
    // already there: microseconds, a tick or two of the browser's coarse clock. A ratio of such
    // readings once came out at 83x, which made a 2x job run serial.
    let readable = alone >= FRESH_MIN_TICKS * clock::resolution();
    let contention = if cores > 1 && readable {
        // Page faults serialized in the kernel are the worst case: every writer waits for all.
        Cost::measured((together / alone).clamp(1.0, cores as f64))
    } else {
        Cost::assumed(1.0)
    };
    (Cost::measured(alone / FRESH_PROBE_BYTES as f64), contention)
}

/// The process's costs, and whether they were taken once the process had settled.
struct Calibration {
    costs: &'static Costs,
    measured_at: f64,
    settled: bool,
}

static COSTS: Mutex<Option<Calibration>> = Mutex::new(None);

/// Installed costs are provisional: the browser takes them while the page is still starting,
/// with V8 compiling the engine's code on the same two cores (parked runs read 1-2 ms where a
/// settled page takes 0.1-0.3 ms). The first call at least this long after them measures
/// again, once, and keeps the new figures; the page makes that call itself when it is idle
/// (`web::settle`), so that no visitor's decision pays for it.
const SETTLE_S: f64 = 2.0;

impl Calibration {
    /// `costs`, measured now, kept for the rest of the process.
    fn new(costs: Costs, settled: bool) -> Self {
        Self {
            costs: Box::leak(Box::new(costs)),
            measured_at: clock::now(),
            settled,
        }
    }
}

/// Installs costs measured elsewhere (the browser measures thread start-up at page load).
/// They are provisional (`SETTLE_S`).
pub fn install(costs: Costs) -> bool {
    let mut slot = COSTS.lock().unwrap_or_else(|e| e.into_inner());
    if slot.is_some() {
        return false;
    }
    *slot = Some(Calibration::new(costs, false));
    true
}

/// Seconds until provisional costs are due to be measured again (0 or less: due now), or
/// `None` when they are not provisional.
pub fn settles_in_s() -> Option<f64> {
    let slot = COSTS.lock().unwrap_or_else(|e| e.into_inner());
    let c = slot.as_ref()?;
    (!c.settled).then(|| c.measured_at + SETTLE_S - clock::now())
}

/// The process's costs: measured on first use (or installed, and then measured once more on
/// the first call `SETTLE_S` after that), with the parked starts read off the latest runs (the
/// probe's included). The flag tells whether this call measured them.
pub fn costs(pool: &dyn WorkerPool) -> (Costs, bool) {
    let (measured, measured_now) = measured_costs(pool);
    let mut costs = measured.clone();
    if let Some(starts_s) = observed_starts(costs.parked.starts_s.len()) {
        costs.parked.starts_s = starts_s;
        costs.parked.starts_observed = true;
    }
    (costs, measured_now)
}

/// The process's costs as calibrated, without the starts read off the latest runs.
pub fn calibrated(pool: &dyn WorkerPool) -> Costs {
    measured_costs(pool).0.clone()
}

/// Each rank's start, the median of the latest runs that had it, once every rank has at least
/// as many runs as the probe makes. The median, not the probe's lower quartile: the latest runs
/// are mostly back to back (a sweep's), which wake faster than a visitor's next click, and a
/// lower quartile of them sent a 0.4 ms job to 2 workers that ran it at 0.65x.
fn observed_starts(ranks: usize) -> Option<Vec<f64>> {
    let mut starts: Vec<f64> = (0..ranks)
        .map(|rank| {
            let seen = crate::runtime::wakes::recent(rank);
            (seen.len() >= PARKED_REPEATS).then(|| stats::median(&seen))
        })
        .collect::<Option<_>>()?;
    if starts.is_empty() {
        return None;
    }
    starts.sort_by(f64::total_cmp);
    // From the earliest worker's start: workers read clocks of their own, and in the browser
    // each thread's 5 µs clock is offset from the caller's by up to a tick (the earliest
    // worker's median read -5 µs, before the run began), which a warm run's overhead, timed
    // as a block on one thread, already covers.
    let earliest = starts[0];
    Some(starts.iter().map(|s| (s - earliest).max(0.0)).collect())
}

fn measured_costs(pool: &dyn WorkerPool) -> (&'static Costs, bool) {
    let mut slot = COSTS.lock().unwrap_or_else(|e| e.into_inner());
    let now = clock::now();
    match slot.as_ref() {
        Some(c) if c.settled || now - c.measured_at < SETTLE_S => (c.costs, false),
        previous => {
            let mut costs = measure(pool);
            if let Some(previous) = previous {
                // A start-up cost only the first measurement could take (the browser's pool
                // starts once, at page load) is kept.
                if costs.startup_per_worker_s.source != Source::Measured {
                    costs.startup_per_worker_s = previous.costs.startup_per_worker_s;
                }
            }
            // Natively the first measurement is taken on first use, in a process that has
            // nothing left to compile: only installed costs are provisional.
            let calibration = Calibration::new(costs, true);
            let costs = calibration.costs;
            *slot = Some(calibration);
            (costs, true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::{InlinePool, OwnedPool};

    #[test]
    fn a_threaded_pool_measures_every_figure() {
        let pool = OwnedPool::new(4, 2);
        let costs = measure(&pool);
        assert_eq!((costs.cores, costs.threads), (2, 4));
        for (name, figure) in [
            ("run_fixed", costs.run_fixed_s),
            ("wake", costs.wake_per_worker_s),
            ("dispatch solo", costs.dispatch_solo_s),
            ("dispatch shared", costs.dispatch_shared_s),
            ("startup", costs.startup_per_worker_s),
            ("message", costs.message_s),
        ] {
            assert_eq!(figure.source, Source::Measured, "{name}");
            assert!(
                figure.value.is_finite() && figure.value >= 0.0,
                "{name}: {figure:?}"
            );
        }
        // Any real run costs something to start and join.
        assert!(costs.run_overhead_s(2) > 0.0);
        assert_eq!(costs.parked.starts_s.len(), costs.cores.min(costs.threads));
        assert!(costs.parked.starts_s.windows(2).all(|w| w[0] <= w[1]));
        assert!(costs.run_overhead_s(2) >= costs.run_overhead_s(1));
        assert!(costs.calibration_time_s > 0.0);
    }

    #[test]
    fn a_pool_that_cannot_start_threads_assumes_their_cost() {
        let costs = measure(&InlinePool);
        assert_eq!(costs.startup_per_worker_s.source, Source::Assumed);
        assert_eq!(costs.startup_per_worker_s.value, ASSUMED_STARTUP_S);
        // One core: nothing shares the counter, so shared dispatch is solo dispatch.
        assert_eq!(costs.dispatch_shared_s.value, costs.dispatch_solo_s.value);
    }

    #[test]
    fn workers_past_the_measured_ones_start_with_the_last() {
        let mut costs = measure(&InlinePool);
        costs.run_fixed_s = Cost::measured(1e-6);
        costs.wake_per_worker_s = Cost::measured(0.0);
        costs.parked = ParkedRun {
            starts_s: vec![10e-6, 300e-6],
            join_s: 5e-6,
            cold_core_s: 200e-6,
            cold_core_share: 0.25,
            starts_observed: false,
            threads_starved: false,
        };
        assert_eq!(costs.worker_starts_s(3), vec![10e-6, 300e-6, 300e-6]);
        // A short run loses its share; a long one no more than the whole loss.
        assert_eq!(costs.cold_core_loss_s(400e-6), 100e-6);
        assert_eq!(costs.cold_core_loss_s(2e-3), 200e-6);
        assert_eq!(costs.run_join_s(3), 5e-6);
        // One worker wakes nobody.
        assert_eq!(costs.worker_starts_s(1), vec![0.0]);
        assert_eq!(costs.run_join_s(1), 1e-6);
        // Starts read off runs on threads that were up: a warm run's join, and the same loss.
        costs.parked.starts_observed = true;
        costs.run_fixed_s = Cost::measured(3e-6);
        costs.parked.starts_s = vec![0.0, 2e-6];
        assert_eq!(costs.cold_core_loss_s(400e-6), 100e-6);
        assert!((costs.run_join_s(2) - 1e-6).abs() < 1e-12);
    }

    #[test]
    fn a_run_long_after_its_wake_starts_its_workers_sooner_than_calibrated() {
        let mut costs = measure(&InlinePool);
        costs.parked.starts_s = vec![0.0, 150e-6, 400e-6];
        // Read right after the wake (as calibrated), the starts stand; 0.2 ms later each is
        // 0.2 ms sooner, and none is earlier than the run.
        let soon = costs.clone().after_wake(DECISION_LEAD_S);
        assert_eq!(soon.parked.starts_s, costs.parked.starts_s);
        let later = costs.clone().after_wake(DECISION_LEAD_S + 200e-6);
        assert_eq!(later.parked.starts_s[1], 0.0);
        assert!((later.parked.starts_s[2] - 200e-6).abs() < 1e-12);
        // Starts read off the latest runs are what such runs saw already.
        costs.parked.starts_observed = true;
        let observed = costs.clone().after_wake(1.0);
        assert_eq!(observed.parked.starts_s, costs.parked.starts_s);
    }

    #[test]
    fn threads_off_their_cores_start_as_calibrated_parked_ones() {
        let mut calibrated = measure(&InlinePool);
        calibrated.parked.starts_s = vec![0.0, 150e-6];
        let mut observed = calibrated.clone();
        observed.parked.starts_s = vec![0.0, 5e-6];
        observed.parked.starts_observed = true;
        let starved = observed.with_threads_starved(&calibrated);
        assert_eq!(starved.parked.starts_s, vec![0.0, 150e-6]);
        assert!(!starved.parked.starts_observed && starved.parked.threads_starved);
        // The parked join applies, as for any run on parked threads.
        assert_eq!(starved.run_join_s(2), calibrated.run_join_s(2));
    }

    #[test]
    fn dispatch_depends_on_whether_workers_share_the_counter() {
        let mut costs = measure(&InlinePool);
        costs.dispatch_solo_s = Cost::measured(1e-7);
        costs.dispatch_shared_s = Cost::measured(5e-7);
        assert_eq!(costs.dispatch_s(1), 1e-7);
        assert_eq!(costs.dispatch_s(3), 5e-7);
    }
}
