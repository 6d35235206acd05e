//! Times the per-item function on a stratified random sample of the items.
//!
//! Items are timed in short consecutive batches, long enough for the clock's resolution, taken
//! at random offsets inside equal strata of the index range, so that a cost that grows with the
//! index is seen. The first batch only warms caches and is dropped.

use crate::clock::{self, Stopwatch};
use crate::error::{Error, Result};
use crate::pool::WorkerPool;
use crate::provenance::Source;
use crate::runtime::slots::{ChunkMap, Results};
use crate::stats;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::hint::black_box;
use std::sync::Mutex;

/// What crossing a process or worker boundary costs per item, measured on sampled items.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TransferProfile {
    pub encode_in_s: f64,
    pub decode_in_s: f64,
    pub encode_out_s: f64,
    pub decode_out_s: f64,
}

/// The measured cost of one item, and how it varies over the input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub items: usize,
    /// Items the sampler timed (warm-up excluded).
    pub sampled_items: usize,
    pub batches: usize,
    /// Consecutive items per timed batch; above 1, per-item figures are batch averages.
    pub batch_len: usize,
    pub mean_s: f64,
    /// Item-level coefficient of variation, from the spread within and between strata.
    pub cv: f64,
    pub p10_s: f64,
    pub p50_s: f64,
    pub p90_s: f64,
    pub max_s: f64,
    /// Mean per-item time in each equal slice of the index range, first slice first.
    pub stratum_means_s: Vec<f64>,
    /// Item-level standard deviation inside a stratum: the part of the spread that is random.
    pub within_sd_s: f64,
    /// Standard error of `mean_s`, relative to it.
    pub relative_error: f64,
    /// How much slower items run with one worker per core than alone (shared memory bandwidth,
    /// caches, clock boost); 1 means no interference.
    pub contention: f64,
    pub contention_source: Source,
    /// Share of an item's time that needs a CPU (the rest waits). 1 means CPU-bound.
    pub cpu_fraction: f64,
    pub cpu_fraction_source: Source,
    pub bytes_in: f64,
    pub bytes_out: f64,
    /// Bytes one result takes in the result vector (its in-memory size).
    pub result_slot_bytes: usize,
    /// True when bytes are serialized sizes; false when they are in-memory sizes only.
    pub bytes_serialized: bool,
    pub transfer: Option<TransferProfile>,
    pub warmup_items: usize,
    pub sampling_time_s: f64,
}

impl Profile {
    /// Estimated serial time of the whole input.
    pub fn serial_time_s(&self) -> f64 {
        self.mean_s * self.items as f64
    }

    /// Ratio of the costliest stratum to the cheapest: how strongly cost depends on the index.
    pub fn index_skew(&self) -> f64 {
        let max = self.stratum_means_s.iter().cloned().fold(0.0, f64::max);
        let min = self
            .stratum_means_s
            .iter()
            .cloned()
            .fold(f64::INFINITY, f64::min);
        if min > 0.0 {
            max / min
        } else {
            1.0
        }
    }
}

/// What the sampler needs from a map, with the item and result types hidden, so that the
/// sampler is compiled once rather than once per item and result type.
pub(crate) trait Batches: Sync {
    fn len(&self) -> usize;
    /// Times items `first..first + len` the way the executor runs them. With `keep`, the last
    /// result is kept for measuring transfer costs.
    fn time(&self, first: usize, len: usize, keep: bool) -> Result<f64>;
    /// In-memory bytes of one item and of one result.
    fn sizes(&self) -> (usize, usize);
}

/// `Batches` over typed items and function; it keeps a few results for transfer probes.
pub(crate) struct TypedBatches<'a, T, R, F> {
    items: &'a [T],
    f: &'a F,
    kept: Mutex<SampledResults<R>>,
    /// Checked before each batch: items of a second would otherwise keep a cancelled decision
    /// running for as many seconds as it samples items.
    cancel: Option<&'a crate::cancel::CancelToken>,
}

/// Results kept while sampling, with the index of the item each came from.
pub(crate) struct SampledResults<R> {
    indices: Vec<usize>,
    results: Vec<R>,
}

impl<'a, T: Sync, R: Send, F: Fn(&T) -> R + Sync> TypedBatches<'a, T, R, F> {
    pub fn new(items: &'a [T], f: &'a F, cancel: Option<&'a crate::cancel::CancelToken>) -> Self {
        Self {
            items,
            f,
            cancel,
            kept: Mutex::new(SampledResults {
                indices: Vec::new(),
                results: Vec::new(),
            }),
        }
    }

    pub fn into_sampled_results(self) -> SampledResults<R> {
        self.kept.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

impl<T: Sync, R: Send, F: Fn(&T) -> R + Sync> Batches for TypedBatches<'_, T, R, F> {
    fn len(&self) -> usize {
        self.items.len()
    }

    /// Results are written into slots allocated beforehand, as the executor writes them, so
    /// that storing them is timed too.
    fn time(&self, first: usize, len: usize, keep: bool) -> Result<f64> {
        if self.cancel.is_some_and(|c| c.is_cancelled()) {
            return Err(Error::Cancelled);
        }
        let batch = &self.items[first..first + len];
        let mut results = Results::new(len);
        let watch = Stopwatch::start();
        // SAFETY: one call maps the fresh storage's every index once.
        let mapped = unsafe { results.map(batch, self.f).map(0..len, None) };
        let elapsed = watch.elapsed();
        mapped.map_err(|e| e.offset_items(first))?;
        // SAFETY: the whole batch was mapped.
        let mut results = unsafe { results.assume_filled() };
        if keep {
            let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
            if kept.results.len() < KEEP_RESULTS {
                if let Some(result) = results.pop() {
                    kept.indices.push(first + len - 1);
                    kept.results.push(result);
                }
            }
        }
        drop(black_box(results));
        Ok(elapsed)
    }

    fn sizes(&self) -> (usize, usize) {
        (std::mem::size_of::<T>(), std::mem::size_of::<R>())
    }
}

/// What the sampler may spend.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SampleLimits {
    pub budget_s: f64,
    pub seed: u64,
}

use crate::tuning::{CONTENTION_NOISE, SAMPLE_BUDGET_SHARE as BUDGET_SHARE, WAITING_SHARE};
const MIN_BUDGET_S: f64 = 0.005;
/// Warm-up may take this share of the estimated serial time, within the bounds below.
const WARMUP_SHARE: f64 = 0.01;
const MAX_WARMUP_S: f64 = 0.05;
/// A batch this much faster than the one before means the function is still warming up.
const STILL_WARMING: f64 = 1.1;
const MAX_STRATA: usize = 16;
const MIN_STRATA: usize = 4;
const MAX_ROUNDS: usize = 32;
const KEEP_RESULTS: usize = 16;
/// Batches last at least this many clock ticks, so that resolution adds under 1% error.
const TICKS_PER_BATCH: f64 = 100.0;
const MIN_BATCH_S: f64 = 20e-6;
/// Batches are shrunk to at most this many times the minimum once the cost per item is known.
const BATCH_MARGIN: f64 = 2.0;
/// Batches of this many items or more average item costs out below the jitter of their
/// timing, so that their spread tells nothing about items unless it exceeds `BATCH_JITTER`.
const LONG_BATCH: usize = 64;
/// The first item and the length of each batch, per stratum.
type Positions = Vec<Vec<(usize, usize)>>;

/// A long batch this many times slower per item than the median batch is timed again.
const SLOW_BATCH: f64 = 1.5;
/// Relative spread of batch means that jitter alone produces (docs/decisions.md: batch jitter).
const BATCH_JITTER: f64 = 0.25;
/// The concurrency probe runs at least this long per worker, so that waking workers is small
/// beside it.
const PROBE_MIN_S: f64 = 0.001;
const PROBE_REPEATS: usize = 2;
/// Share of the estimated serial time the concurrency probe may take beyond the budget.
const PROBE_SHARE: f64 = 0.15;

/// Items per batch for a batch of about `BATCH_MARGIN` times the clock's minimum.
fn batch_len_for(min_batch_s: f64, per_item_s: f64) -> usize {
    ((BATCH_MARGIN * min_batch_s / per_item_s.max(1e-12)).ceil() as usize).max(1)
}

/// Samples the map behind `batches` within `limits`, then probes whether items compute or wait.
pub(crate) fn sample(
    batches: &dyn Batches,
    limits: SampleLimits,
    pool: &dyn WorkerPool,
) -> Result<Profile> {
    let n = batches.len();
    if n == 0 {
        return Err(Error::EmptyInput);
    }
    let watch = Stopwatch::start();
    let mut rng = fastrand::Rng::with_seed(limits.seed);
    let max_sampled = (n / 10).max(n.min(8));
    let min_batch_s = (TICKS_PER_BATCH * clock::resolution()).max(MIN_BATCH_S);

    // Warm-up, and a first guess at the batch length from how long the warm-up took.
    let mut batch_len = 1usize;
    let mut warmup_items = 0;
    let mut per_item_guess;
    let mut last_warmup;
    loop {
        let first = rng.usize(..=n - batch_len);
        let t = batches.time(first, batch_len, false)?;
        last_warmup = (first, t);
        warmup_items += batch_len;
        per_item_guess = t / batch_len as f64;
        if t >= min_batch_s || batch_len * 2 > max_sampled / MIN_STRATA.min(n) {
            break;
        }
        let wanted = (min_batch_s / per_item_guess.max(1e-12)).ceil() as usize;
        batch_len = wanted
            .clamp(batch_len * 2, batch_len * 8)
            .min((max_sampled / MIN_STRATA).max(1));
    }

    // Keep warming up while batches still get faster: caches filling, and in the browser the
    // JIT swapping baseline code for optimized code after the first calls.
    let warmup_cap = (WARMUP_SHARE * per_item_guess * n as f64).clamp(MIN_BUDGET_S, MAX_WARMUP_S);
    // An item of a millisecond or more warms itself up (caches fill, V8 swaps in optimized
    // code for its hot loop); another one would only add to the decision's time.
    let self_warming = per_item_guess >= PROBE_MIN_S;
    let warmup = Stopwatch::start();
    while !self_warming && warmup.elapsed() < warmup_cap && warmup_items + batch_len <= n {
        let first = rng.usize(..=n - batch_len);
        let t = batches.time(first, batch_len, false)? / batch_len as f64;
        warmup_items += batch_len;
        let settled = t > per_item_guess / STILL_WARMING;
        per_item_guess = t;
        batch_len = batch_len.min(batch_len_for(min_batch_s, per_item_guess));
        if settled {
            break;
        }
    }
    // Size batches on the settled estimate, not on the first items, whose cost may depend on
    // their position (docs/decisions.md: batch size).
    batch_len = batch_len.min(batch_len_for(min_batch_s, per_item_guess));

    let estimated_serial = per_item_guess * n as f64;
    let budget = (BUDGET_SHARE * estimated_serial)
        .max(MIN_BUDGET_S)
        .min(limits.budget_s);
    let batch_cost = per_item_guess * batch_len as f64;
    let strata = ((budget / batch_cost.max(1e-12)) as usize)
        .clamp(MIN_STRATA, MAX_STRATA)
        .min((max_sampled / batch_len).max(1))
        .min(n);

    // per_stratum[s] holds the per-item time of each batch taken from stratum s, and
    // positions[s] the first item and length of each.
    let mut per_stratum: Vec<Vec<f64>> = vec![Vec::new(); strata];
    let mut positions: Positions = vec![Vec::new(); strata];
    let mut sampled = 0;
    // A self-warming item's warm-up run is a sample like any other (io-wait's items wait 5 ms
    // each, and the decision's time is counted in items).
    if self_warming && batch_len == 1 {
        let (first, t) = last_warmup;
        per_stratum[first * strata / n].push(t);
        positions[first * strata / n].push((first, 1));
        sampled += 1;
    }
    for round in 0..MAX_ROUNDS {
        for (s, times) in per_stratum.iter_mut().enumerate() {
            if round == 0 && !times.is_empty() {
                continue;
            }
            let lo = s * n / strata;
            let hi = (s + 1) * n / strata;
            let len = batch_len.min(hi - lo).max(1);
            let first = lo + rng.usize(..=(hi - lo).saturating_sub(len));
            let t = batches.time(first, len, true)?;
            times.push(t / len as f64);
            positions[s].push((first, len));
            sampled += len;
        }
        let spent = watch.elapsed();
        let next_round_fits = spent * (round + 2) as f64 / (round + 1) as f64 <= budget;
        let room = sampled + strata * batch_len <= max_sampled;
        if !next_round_fits || !room {
            break;
        }
        if round >= 2 && relative_error(&per_stratum) < 0.01 {
            break;
        }
    }

    if batch_len >= LONG_BATCH {
        sampled += retime_slow_batches(batches, &mut per_stratum, &positions)?;
    }

    let stratum_means_s: Vec<f64> = per_stratum.iter().map(|t| stats::mean(t)).collect();
    let mean_s = stats::mean(&stratum_means_s);
    // Long batches differ by jitter more than by item cost, so a spread within the jitter is no
    // evidence of uneven items (docs/decisions.md: batch jitter).
    let batch_sd = within_sd(&per_stratum, &stratum_means_s);
    let within_sd_s = if batch_len >= LONG_BATCH && batch_sd < BATCH_JITTER * mean_s {
        0.0
    } else {
        batch_sd * (batch_len as f64).sqrt()
    };
    let between_var = stats::std_dev(&stratum_means_s).powi(2);
    let cv = if mean_s > 0.0 {
        (within_sd_s.powi(2) + between_var).sqrt() / mean_s
    } else {
        0.0
    };
    let all: Vec<f64> = per_stratum.iter().flatten().copied().collect();

    let side_by_side = probe_side_by_side(batches, mean_s, &mut rng, pool, budget)?;
    let (contention, contention_source) = side_by_side.contention;
    let (cpu_fraction, cpu_fraction_source) = side_by_side.cpu_fraction;

    let (item_bytes, result_bytes) = batches.sizes();
    Ok(Profile {
        items: n,
        sampled_items: sampled,
        batches: all.len(),
        batch_len,
        mean_s,
        cv,
        p10_s: stats::quantile(&all, 0.1),
        p50_s: stats::quantile(&all, 0.5),
        p90_s: stats::quantile(&all, 0.9),
        max_s: stats::quantile(&all, 1.0),
        stratum_means_s,
        within_sd_s,
        relative_error: relative_error(&per_stratum),
        contention,
        contention_source,
        cpu_fraction,
        cpu_fraction_source,
        bytes_in: item_bytes as f64,
        bytes_out: result_bytes as f64,
        result_slot_bytes: result_bytes,
        bytes_serialized: false,
        transfer: None,
        warmup_items,
        sampling_time_s: watch.elapsed(),
    })
}

/// Times again the slowest batches that ran over `SLOW_BATCH` times the median batch (at most a
/// quarter of them), keeping the faster of each batch's two timings; returns the items re-run.
/// Noise only ever adds time, so such a batch was most likely interrupted; a batch of truly
/// costly items is as slow the second time and keeps its reading (docs/decisions.md).
fn retime_slow_batches(
    batches: &dyn Batches,
    per_stratum: &mut [Vec<f64>],
    positions: &Positions,
) -> Result<usize> {
    let all: Vec<f64> = per_stratum.iter().flatten().copied().collect();
    let limit = SLOW_BATCH * stats::median(&all);
    let mut slow: Vec<(usize, usize)> = per_stratum
        .iter()
        .enumerate()
        .flat_map(|(s, times)| (0..times.len()).map(move |b| (s, b)))
        .filter(|&(s, b)| per_stratum[s][b] > limit)
        .collect();
    slow.sort_by(|&(s1, b1), &(s2, b2)| per_stratum[s2][b2].total_cmp(&per_stratum[s1][b1]));
    slow.truncate(all.len().div_ceil(4));
    let mut rerun = 0;
    for (s, b) in slow {
        let (first, len) = positions[s][b];
        let again = batches.time(first, len, false)? / len as f64;
        per_stratum[s][b] = per_stratum[s][b].min(again);
        rerun += len;
    }
    Ok(rerun)
}

/// Robust spread of batch times around their own stratum's mean: 1.4826 times the median
/// absolute residual, so that a batch hit by an interrupt does not pass for heterogeneity.
/// With one batch per stratum it falls back to successive differences between strata, which a
/// smooth trend over the index does not inflate.
fn within_sd(per_stratum: &[Vec<f64>], means: &[f64]) -> f64 {
    const MAD_TO_SD: f64 = 1.4826;
    let residuals: Vec<f64> = per_stratum
        .iter()
        .zip(means)
        .filter(|(times, _)| times.len() > 1)
        .flat_map(|(times, mean)| times.iter().map(move |t| (t - mean).abs()))
        .collect();
    if !residuals.is_empty() {
        let batches_per_stratum = residuals.len() as f64 / per_stratum.len() as f64;
        // Residuals from a stratum's own mean shrink by sqrt((m - 1) / m) for m batches.
        let correction = (batches_per_stratum / (batches_per_stratum - 1.0).max(1.0)).sqrt();
        return MAD_TO_SD * stats::median(&residuals) * correction;
    }
    if means.len() < 2 {
        return 0.0;
    }
    let diffs: Vec<f64> = means.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    MAD_TO_SD * stats::median(&diffs) / std::f64::consts::SQRT_2
}

/// Standard error of the stratified mean, relative to it.
fn relative_error(per_stratum: &[Vec<f64>]) -> f64 {
    let means: Vec<f64> = per_stratum.iter().map(|t| stats::mean(t)).collect();
    let mean = stats::mean(&means);
    let sd = within_sd(per_stratum, &means);
    let batches: usize = per_stratum.iter().map(Vec::len).sum();
    if mean > 0.0 && batches > 0 {
        sd / (batches as f64).sqrt() / mean
    } else {
        0.0
    }
}

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
struct SideBySide {
    contention: (f64, Source),
    cpu_fraction: (f64, Source),
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
fn probe_side_by_side(
    batches: &dyn Batches,
    mean_s: f64,
    rng: &mut fastrand::Rng,
    pool: &dyn WorkerPool,
    budget: f64,
) -> Result<SideBySide> {
    let assumed = SideBySide {
        contention: (1.0, Source::Assumed),
        cpu_fraction: (1.0, Source::Assumed),
    };
    let cores = pool.cores().min(pool.threads());
    let oversubscribed = pool.threads().min(2 * cores);
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
    let mut wall = f64::INFINITY;
    for _ in 0..PROBE_REPEATS {
        if !long_items {
            for (best, &start) in alone.iter_mut().zip(&starts[..cores]) {
                *best = best.min(run_regions(batches, &[start], len, pool)?.0[0]);
            }
        }
        // One stretch per core; it also wakes the pool threads the oversubscribed run needs,
        // which a pool hands work to lazily.
        let (times, _) = run_regions(batches, &starts[..cores], len, pool)?;
        for (best, t) in side_by_side.iter_mut().zip(times) {
            *best = best.min(t);
        }
        if waits_probed {
            // Less the time to start and join that many workers with nothing to do.
            let idle = run_regions(batches, &starts, 0, pool)?.1;
            let busy = run_regions(batches, &starts, len, pool)?.1;
            wall = wall.min((busy - idle).max(0.0));
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
    let cpu_fraction = if waits_probed {
        let per_stretch = alone_sum / cores as f64;
        let factor = oversubscribed as f64 / cores as f64;
        let share = ((wall / per_stretch - 1.0) / (factor - 1.0)).clamp(0.0, 1.0);
        // Only clearly waiting work is trusted with more workers than cores; a mixed reading
        // is within the probe's noise and is taken as CPU-bound.
        let fraction = if share <= WAITING_SHARE { share } else { 1.0 };
        (fraction, Source::Measured)
    } else {
        assumed.cpu_fraction
    };
    Ok(SideBySide {
        contention,
        cpu_fraction,
    })
}

/// Times encoding and decoding of the sampled items and their results, as copy transfer does
/// (and with the same encoded types, so that the encoders are compiled once).
pub(crate) fn measure_transfer<T, R>(
    items: &[T],
    kept: SampledResults<R>,
    profile: &mut Profile,
) -> Result<()>
where
    T: serde::Serialize + DeserializeOwned,
    R: serde::Serialize + DeserializeOwned,
{
    let Some(&first) = kept.indices.first() else {
        return Ok(());
    };
    let inputs: Vec<&T> = kept.indices.iter().map(|&i| &items[i]).collect();
    let outputs = kept.results;
    let count = outputs.len() as f64;
    let encode_error = |e: postcard::Error| Error::Transfer {
        index: first,
        message: e.to_string(),
    };
    let in_bytes = postcard::to_allocvec(&inputs).map_err(encode_error)?;
    let out_bytes = postcard::to_allocvec(&outputs).map_err(encode_error)?;
    let min_time = (TICKS_PER_BATCH * clock::resolution()).max(MIN_BATCH_S);
    // Results go through black_box, so that the timed work is not optimized away.
    let time = |op: &mut dyn FnMut()| clock::time_per_call(min_time, op) / count;
    let encode_in_s = time(&mut || drop(black_box(postcard::to_allocvec(&inputs))));
    let decode_in_s = time(&mut || drop(black_box(postcard::from_bytes::<Vec<T>>(&in_bytes))));
    let encode_out_s = time(&mut || drop(black_box(postcard::to_allocvec(&outputs))));
    let decode_out_s = time(&mut || drop(black_box(postcard::from_bytes::<Vec<R>>(&out_bytes))));
    profile.bytes_in = in_bytes.len() as f64 / count;
    profile.bytes_out = out_bytes.len() as f64 / count;
    profile.bytes_serialized = true;
    profile.transfer = Some(TransferProfile {
        encode_in_s,
        decode_in_s,
        encode_out_s,
        decode_out_s,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Batches whose items cost one microsecond each, except items from `costly` on, which
    /// cost five.
    struct Priced {
        costly: usize,
    }

    impl Batches for Priced {
        fn len(&self) -> usize {
            1_000_000
        }

        fn time(&self, first: usize, len: usize, _keep: bool) -> Result<f64> {
            let per_item = if first >= self.costly { 5e-6 } else { 1e-6 };
            Ok(per_item * len as f64)
        }

        fn sizes(&self) -> (usize, usize) {
            (8, 8)
        }
    }

    /// Sixteen strata of one batch of 100 items each; the batch of stratum 5 read 5 us per item.
    fn readings() -> (Vec<Vec<f64>>, Positions) {
        let mut per_stratum = vec![vec![1e-6]; 16];
        per_stratum[5][0] = 5e-6;
        let positions = (0..16).map(|s| vec![(s * 62_500, 100)]).collect();
        (per_stratum, positions)
    }

    #[test]
    fn an_interrupted_batch_is_replaced_by_its_second_timing() {
        let (mut per_stratum, positions) = readings();
        let rerun =
            retime_slow_batches(&Priced { costly: usize::MAX }, &mut per_stratum, &positions)
                .unwrap();
        assert_eq!(rerun, 100);
        assert!(per_stratum.iter().flatten().all(|&t| t == 1e-6));
    }

    #[test]
    fn a_batch_of_costly_items_keeps_its_reading() {
        let (mut per_stratum, positions) = readings();
        let costly = Priced { costly: 5 * 62_500 };
        // Strata 6 to 15 hold costly items too, but they read 1 us: only stratum 5 is re-run.
        retime_slow_batches(&costly, &mut per_stratum, &positions).unwrap();
        assert_eq!(per_stratum[5][0], 5e-6);
    }
}
