//! Predicts how long a run takes, from a measured profile and measured costs.
//!
//! The makespan comes from replaying the executor's schedule: chunks in index order, each taken
//! by whichever worker frees up first, with each chunk's cost read off the sampled cost per
//! stratum. Random per-item variation adds the Kruskal-Weiss tail, `sd * sqrt(2 c ln k)`, the
//! expected lead of the slowest of k workers when each chunk sums c random item costs.

use crate::calibrate::Costs;
use crate::options::{Start, Transfer};
use crate::provenance::Source;
use crate::sample::Profile;
use crate::stats;
use serde::{Deserialize, Serialize};

/// Where a run's time goes, in seconds of makespan. The parts add up to the predicted time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    /// The work itself, spread evenly over the workers.
    pub compute_s: f64,
    /// Starting and joining the run and waking workers (plus thread start-up when cold).
    pub startup_s: f64,
    /// Handing out chunks from the shared counter.
    pub dispatch_s: f64,
    /// Encoding and decoding items and results (copy transfer only).
    pub transfer_s: f64,
    /// Time some workers sit idle while others finish: uneven chunks and random variation.
    pub imbalance_s: f64,
}

impl Breakdown {
    pub fn total(&self) -> f64 {
        self.compute_s + self.startup_s + self.dispatch_s + self.transfer_s + self.imbalance_s
    }

    pub fn overhead(&self) -> f64 {
        self.total() - self.compute_s
    }
}

/// The predicted time of one (k, c), or of serial when `serial` is set.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub serial: bool,
    pub workers: usize,
    pub chunk_size: usize,
    pub time_s: f64,
    /// Bounds from the sample's standard error (twice it) and overheads halved or doubled.
    pub low_s: f64,
    pub high_s: f64,
    pub breakdown: Breakdown,
}

/// Chunk counts up to this are scheduled chunk by chunk; above it each worker gets so many
/// chunks that the schedule's tail is at most one chunk.
const SIMULATED_CHUNKS: usize = 4096;
const TIE_CHUNKS_PER_WORKER: f64 = 8.0;
/// A long run aims at chunks this long, at most `MOST_TIE_CHUNKS_PER_WORKER` per worker: a
/// worker the OS set aside for a few milliseconds then leaves a tail of one short chunk. In the
/// browser, inference's 200 ms per worker on 8 chunks each ran 1.06-1.09x its best sweep shape
/// (chunks of 0.2 ms) in three bench runs, and rayon's splitting beat it by 1.14x twice.
const LONG_RUN_CHUNK_S: f64 = 2e-3;
const MOST_TIE_CHUNKS_PER_WORKER: f64 = 64.0;
/// The shortest chunk worth a hedge beyond `HEDGE_CHUNKS_PER_WORKER`: shorter chunks only add
/// per-chunk costs the calibration reads too low at this scale (natively a 0.1 ms job ran
/// 1.27x slower on ten chunks per worker than on one). At 0.5 ms, transactions x 100,000 (a
/// 2 ms share per worker) took 4 chunks per worker in the browser, which ran 2.37-2.40 ms where
/// 8-16 ran 2.20-2.22 (medians of 20 alternating runs): a woken worker's first stretch runs
/// slow by more than the calibration reads there.
const HEDGE_CHUNK_S: f64 = 0.1e-3;
/// The fewest chunks per worker a run aims at, however short: with two, one slow chunk (a
/// stalled core, a run of costly items) holds a quarter of a worker's share
/// (docs/decisions.md: four chunks per worker).
const HEDGE_CHUNKS_PER_WORKER: f64 = 4.0;
/// Chunk sizes predicted within this share of the fastest tie, or within the sample's own
/// relative error of its mean up to `MOST_CHUNK_TIE`: a difference the sample cannot tell
/// from its noise. On 0.1 ms of even 1 µs items whose last stratum read 10-90% cheaper (a
/// clock tick on a 25-item browser batch), the fastest prediction took chunks of 2 to 16 items
/// by turns, and a browser small bench ran 2 x 32 (64 items on one worker, 36 on the other)
/// at 1.26x the time of an even split.
const LEAST_CHUNK_TIE: f64 = 0.005;
const MOST_CHUNK_TIE: f64 = 0.1;
/// Result vectors at least this large are taken to land on fresh memory: glibc's largest
/// dynamic mmap threshold.
const FRESH_OUTPUT_BYTES: usize = 32 << 20;

pub struct Model<'a> {
    profile: &'a Profile,
    costs: &'a Costs,
    transfer: Transfer,
    start: Start,
    /// Index where each stratum starts, and the cumulative cost up to it.
    bounds: Vec<usize>,
    cumulative: Vec<f64>,
}

impl<'a> Model<'a> {
    pub fn new(profile: &'a Profile, costs: &'a Costs, transfer: Transfer, start: Start) -> Self {
        let n = profile.items;
        let strata = profile.stratum_means_s.len().max(1);
        let bounds: Vec<usize> = (0..=strata).map(|s| s * n / strata).collect();
        let mut cumulative = vec![0.0];
        for (s, window) in bounds.windows(2).enumerate() {
            let mean = profile
                .stratum_means_s
                .get(s)
                .copied()
                .unwrap_or(profile.mean_s);
            cumulative.push(cumulative[s] + mean * (window[1] - window[0]) as f64);
        }
        Self {
            profile,
            costs,
            transfer,
            start,
            bounds,
            cumulative,
        }
    }

    pub fn items(&self) -> usize {
        self.profile.items
    }

    /// Expected compute time of items `0..index`.
    fn work_before(&self, index: usize) -> f64 {
        let s = self
            .bounds
            .partition_point(|&b| b <= index)
            .saturating_sub(1);
        let s = s.min(self.bounds.len() - 2);
        let mean = self
            .profile
            .stratum_means_s
            .get(s)
            .copied()
            .unwrap_or(self.profile.mean_s);
        self.cumulative[s] + mean * (index - self.bounds[s]) as f64
    }

    /// Bytes of results a run writes to memory it must map first, which the sample's short
    /// batches never see: they reuse the memory the batch before freed. Natively, results this
    /// large map fresh pages on every run (glibc serves the result vector with mmap at any
    /// threshold setting, and returns a run's freed heap to the system): payload's 16 KiB per
    /// item ran 350-370 ms serial where its sample said 240-264. In wasm, only what does not
    /// fit in the memory the page already has: a page's first run of payload took 427 ms
    /// serial, and the next ones 180-240.
    pub fn fresh_output_bytes(&self) -> f64 {
        let bytes = self.profile.result_memory_bytes();
        match self.profile.memory_headroom_bytes {
            Some(headroom) => (bytes - headroom).max(0.0),
            None if bytes >= FRESH_OUTPUT_BYTES as f64 => bytes,
            None => 0.0,
        }
    }

    /// What writing `fresh_output_bytes` costs beyond writing reused memory, serially.
    pub fn fresh_output_s(&self) -> f64 {
        let per_byte = if self.profile.memory_headroom_bytes.is_some() {
            self.costs.grown_memory_s_per_byte.value
        } else {
            self.costs.fresh_memory_s_per_byte.value
        };
        self.fresh_output_bytes() * per_byte
    }

    /// How much slower fresh memory is written with `workers` writing at once.
    fn fresh_slowdown(&self, workers: usize) -> f64 {
        let cores = self.costs.cores.max(1);
        let contention = self.costs.fresh_memory_contention.value.max(1.0);
        let busy = workers.min(cores);
        1.0 + (contention - 1.0) * (busy - 1) as f64 / (cores - 1).max(1) as f64
    }

    fn total_work(&self) -> f64 {
        self.work_before(self.profile.items)
    }

    /// Copy costs per item paid on a worker: decoding its items and encoding its results.
    fn worker_copy_per_item(&self) -> f64 {
        match (self.transfer, self.profile.transfer) {
            (Transfer::Copy, Some(t)) => t.encode_in_s + t.decode_in_s + t.encode_out_s,
            _ => 0.0,
        }
    }

    fn message_s(&self) -> f64 {
        match self.transfer {
            Transfer::Copy => self.costs.message_s.value,
            Transfer::Shared => 0.0,
        }
    }

    /// Copy costs paid by the caller after the workers finish: decoding every chunk's results.
    fn caller_copy(&self, chunks: usize) -> f64 {
        match (self.transfer, self.profile.transfer) {
            (Transfer::Copy, Some(t)) => {
                chunks as f64 * self.message_s() + self.profile.items as f64 * t.decode_out_s
            }
            _ => 0.0,
        }
    }

    /// How much slower each worker computes with `workers` running: measured contention grows
    /// from none at one worker to its full value at one worker per core; past the cores, the
    /// CPU-bound share of each item also waits its turn for a core.
    fn slowdown(&self, workers: usize) -> f64 {
        let cores = self.costs.cores.max(1);
        let contention = self.profile.contention.max(1.0);
        if workers <= 1 {
            1.0
        } else if workers <= cores {
            1.0 + (contention - 1.0) * (workers - 1) as f64 / (cores - 1).max(1) as f64
        } else {
            let by_cpu_share = |k: usize| {
                let cpu = self.profile.cpu_fraction;
                (1.0 - cpu) + cpu * contention * k as f64 / cores as f64
            };
            let over = self.profile.oversubscribed_workers;
            if self.profile.oversubscribed_gain_source != Source::Measured || over <= cores {
                return by_cpu_share(workers);
            }
            // Throughput rises linearly from one worker per core to the gain measured at the
            // probe's worker count; past it, it follows the waiting share from there.
            let gain = self.profile.oversubscribed_gain.max(f64::MIN_POSITIVE);
            let reach = ((workers.min(over) - cores) as f64 / (over - cores) as f64).min(1.0);
            let throughput = 1.0 + (gain - 1.0) * reach;
            let measured = contention * workers.min(over) as f64 / (cores as f64 * throughput);
            measured * by_cpu_share(workers) / by_cpu_share(workers.min(over))
        }
    }

    pub fn serial(&self) -> Prediction {
        let work = self.total_work() + self.fresh_output_s();
        let spread = 2.0 * self.profile.relative_error * work;
        Prediction {
            serial: true,
            workers: 1,
            chunk_size: self.profile.items,
            time_s: work,
            low_s: work - spread,
            high_s: work + spread,
            breakdown: Breakdown {
                compute_s: work,
                ..Breakdown::default()
            },
        }
    }

    pub fn predict(&self, workers: usize, chunk_size: usize) -> Prediction {
        let n = self.profile.items;
        let k = workers.max(1);
        let c = chunk_size.clamp(1, n.max(1));
        let chunks = n.div_ceil(c);
        // Only workers that get a chunk compete for cores.
        let slow = self.slowdown(k.min(chunks));
        let dispatch = self.costs.dispatch_s(k);
        let copy_item = self.worker_copy_per_item();
        let per_chunk = dispatch + self.message_s();
        let chunk_cost = |first: usize| {
            let end = (first + c).min(n);
            slow * (self.work_before(end) - self.work_before(first))
                + per_chunk
                + copy_item * (end - first) as f64
        };
        let work = self.total_work();
        let spread_total = slow * work + chunks as f64 * per_chunk + copy_item * n as f64;
        // The pool has nearly always gone idle since the last run, so workers take their first
        // chunk when they wake, as measured on parked threads; a late one finds fewer chunks
        // left, and one that wakes after the last finds none.
        let mut starts = self.costs.worker_starts_s(k);
        // A woken worker's core may run slow for its first stretch (`ParkedRun::cold_core_s`):
        // the work it loses counts as a later start.
        let cold = self.costs.cold_core_loss_s(spread_total / k as f64);
        for start in starts.iter_mut().skip(1) {
            *start += cold;
        }
        let makespan = if chunks <= SIMULATED_CHUNKS {
            let mut free = starts.clone();
            let mut took = vec![false; k];
            for j in 0..chunks {
                let (w, _) = free
                    .iter()
                    .enumerate()
                    .min_by(|a, b| a.1.total_cmp(b.1))
                    .expect("at least one worker");
                free[w] += chunk_cost(j * c);
                took[w] = true;
            }
            // The run returns without waiting for a worker that took nothing.
            free.iter()
                .zip(&took)
                .filter(|(_, took)| **took)
                .fold(0.0, |m, (f, _)| f64::max(m, *f))
        } else {
            filled_level(spread_total, &starts) + 0.5 * chunk_cost(n - c)
        };
        // A worker is late only until the run ends.
        let late_s: f64 = starts.iter().map(|s| s.min(makespan)).sum();
        let ideal = (spread_total + late_s) / k as f64;
        let busy = k.min(chunks);
        let noise = if busy >= 2 {
            slow * self.profile.within_sd_s * (2.0 * c as f64 * (busy as f64).ln()).sqrt()
        } else {
            0.0
        };
        let startup = late_s / k as f64
            + self.costs.run_join_s(k)
            + match self.start {
                Start::Cold => k as f64 * self.costs.startup_per_worker_s.value,
                Start::Warm => 0.0,
            };
        let busy_writers = k.min(chunks).min(self.costs.cores.max(1));
        // Growing wasm memory is one thread at a time (the allocator's lock, and the grow
        // itself): a page's first run of payload on 2 workers took 402 ms against 125-133 for
        // the next ones, as much more as serial pays.
        let fresh = if self.profile.memory_headroom_bytes.is_some() {
            self.fresh_output_s()
        } else {
            self.fresh_output_s() * self.fresh_slowdown(busy_writers) / busy_writers as f64
        };
        let breakdown = Breakdown {
            compute_s: slow * work / k as f64 + fresh,
            startup_s: startup,
            dispatch_s: chunks as f64 * dispatch / k as f64,
            transfer_s: (chunks as f64 * self.message_s() + copy_item * n as f64) / k as f64
                + self.caller_copy(chunks),
            imbalance_s: rounding_cleared(makespan - ideal, makespan) + noise,
        };
        let time = breakdown.total();
        let compute_spread = 2.0 * self.profile.relative_error * breakdown.compute_s;
        let overhead = breakdown.overhead();
        Prediction {
            serial: false,
            workers: k,
            chunk_size: c,
            time_s: time,
            low_s: breakdown.compute_s - compute_spread + 0.5 * overhead,
            high_s: breakdown.compute_s + compute_spread + 2.0 * overhead,
            breakdown,
        }
    }

    /// The prediction of every chunk candidate for `workers`, and the fastest of their times.
    fn candidates(&self, workers: usize) -> (Vec<Prediction>, f64) {
        let predictions: Vec<Prediction> = chunk_candidates(self.profile.items, workers)
            .into_iter()
            .map(|c| self.predict(workers, c))
            .collect();
        let fastest = stats::min(predictions.iter().map(|p| p.time_s));
        (predictions, fastest)
    }

    /// The smallest and largest chunk sizes for `workers` predicted within `factor` of the
    /// fastest: decisions on the same job pick different sizes from this range (the tie is
    /// broken on the sampled work, which varies), so the report names it.
    pub fn chunk_sizes_within(&self, workers: usize, factor: f64) -> (usize, usize) {
        let (predictions, fastest) = self.candidates(workers);
        let tied = predictions.iter().filter(|p| p.time_s <= fastest * factor);
        let smallest = tied.clone().map(|p| p.chunk_size).min();
        let largest = tied.map(|p| p.chunk_size).max();
        smallest
            .zip(largest)
            .unwrap_or((1, self.profile.items.max(1)))
    }

    /// The best chunk size for `workers`. Among near-ties (within `LEAST_CHUNK_TIE` or the sample's
    /// error, or within a tick of the clock the costs were measured with: a difference no
    /// reading could show) it takes the one
    /// nearest `TIE_CHUNKS_PER_WORKER` chunks per worker, or chunks of `LONG_RUN_CHUNK_S` where
    /// that is more: enough chunks to rebalance when a core stalls for reasons no model sees
    /// (another process, page faults), few enough that handing them out costs nothing. A short
    /// run aims lower, at chunks of `HEDGE_CHUNK_S` or `HEDGE_CHUNKS_PER_WORKER` chunks per
    /// worker: natively a 0.1 ms job ran 1.27x slower on ten chunks per worker than on one, and
    /// in the browser tiny x 100,000 ran 75-77 µs on 48 chunks against 60-65 µs on 2 to 8.
    /// Never one chunk per worker: a worker that picks up late then leaves its whole share to
    /// the others (browser tiny x 100,000 ran 90-98 µs on one per worker where 60-64 was usual).
    pub fn best_for(&self, workers: usize) -> Prediction {
        let (predictions, fastest) = self.candidates(workers);
        let n = self.profile.items as f64;
        let share_s = self.total_work() / workers.max(1) as f64;
        let target = (share_s / HEDGE_CHUNK_S)
            .clamp(HEDGE_CHUNKS_PER_WORKER, TIE_CHUNKS_PER_WORKER)
            .max((share_s / LONG_RUN_CHUNK_S).min(MOST_TIE_CHUNKS_PER_WORKER));
        let distance = |p: &Prediction| {
            let per_worker = n / (p.chunk_size as f64 * workers.max(1) as f64);
            (per_worker / target).ln().abs()
        };
        let sample_error = match self.profile.relative_error {
            e if e.is_finite() => e.clamp(LEAST_CHUNK_TIE, MOST_CHUNK_TIE),
            _ => LEAST_CHUNK_TIE,
        };
        let tie_s = (fastest * (1.0 + sample_error)).max(fastest + self.costs.clock_resolution_s);
        predictions
            .into_iter()
            .filter(|p| p.time_s <= tie_s)
            .min_by(|a, b| distance(a).total_cmp(&distance(b)))
            .expect("chunk candidates are never empty")
    }
}

/// Chunk sizes worth predicting for `workers` over `n` items: powers of two, and the sizes that
/// give each worker a whole number of equal chunks.
pub fn chunk_candidates(n: usize, workers: usize) -> Vec<usize> {
    let n = n.max(1);
    let k = workers.max(1);
    let mut sizes: Vec<usize> = std::iter::successors(Some(1usize), |c| c.checked_mul(2))
        .take_while(|&c| c <= n)
        .collect();
    for per_worker in [1usize, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64] {
        sizes.push(n.div_ceil(k * per_worker).max(1));
    }
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

/// A geometric ladder of chunk sizes from 1 to `n`, each `ratio` times the last, plus `n`.
pub fn chunk_ladder(n: usize, ratio: usize) -> Vec<usize> {
    let ratio = ratio.max(2);
    let mut sizes: Vec<usize> = std::iter::successors(Some(1usize), |c| c.checked_mul(ratio))
        .take_while(|&c| c < n)
        .collect();
    sizes.push(n.max(1));
    sizes
}

/// `gap`, or 0 when it is negative or only floating-point rounding beside `whole` (a lone
/// worker's makespan less its ideal read 5.6e-14 s, and pages printed it).
fn rounding_cleared(gap: f64, whole: f64) -> f64 {
    if gap <= 1e-9 * whole.abs() {
        0.0
    } else {
        gap
    }
}

/// When `work` seconds, shared out as it comes among workers that start at `starts_s`, is
/// done: each worker works from its start until that moment, and one that starts after it
/// does nothing.
fn filled_level(work: f64, starts_s: &[f64]) -> f64 {
    let mut sorted = starts_s.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut started_sum = 0.0;
    for (j, &start) in sorted.iter().enumerate() {
        started_sum += start;
        let level = (work + started_sum) / (j + 1) as f64;
        if sorted.get(j + 1).is_none_or(|&next| level <= next) {
            return level;
        }
    }
    work
}
