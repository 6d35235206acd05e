//! Times the per-item function on a stratified random sample of the items.
//!
//! Items are timed in short consecutive batches, long enough for the clock's resolution, taken
//! at random offsets inside equal strata of the index range, so that a cost that grows with the
//! index is seen. The first batch only warms caches and is dropped.

mod batches;
mod probe;

pub(crate) use batches::{Batches, SampledResults, TypedBatches};
use probe::{probe_side_by_side, PROBE_MIN_S};

use crate::clock::{self, Stopwatch};
use crate::error::{Error, Result};
use crate::pool::WorkerPool;
use crate::provenance::Source;
use crate::stats;
use crate::tuning::{SKEWED_INDEX, UNEVEN_CV};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::hint::black_box;

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
    /// Items per second on `oversubscribed_workers` workers (more than cores) over items per
    /// second on one worker per core; 1 means no gain, above 1 means items wait for something
    /// other than a CPU often enough that extra workers fill the gaps.
    #[serde(default = "no_gain")]
    pub oversubscribed_gain: f64,
    #[serde(default = "assumed")]
    pub oversubscribed_gain_source: Source,
    #[serde(default)]
    pub oversubscribed_workers: usize,
    pub bytes_in: f64,
    pub bytes_out: f64,
    /// Bytes one result takes in the result vector (its in-memory size).
    pub result_slot_bytes: usize,
    /// Heap bytes one result owns beside its slot (a `Vec`'s elements), as sampled; 0 where
    /// the heap cannot be read.
    #[serde(default)]
    pub result_heap_bytes: f64,
    /// Bytes the process can allocate without growing its memory, as the sample ended: known
    /// in wasm, whose memory only grows; `None` natively.
    #[serde(default)]
    pub memory_headroom_bytes: Option<f64>,
    /// True when bytes are serialized sizes; false when they are in-memory sizes only.
    pub bytes_serialized: bool,
    pub transfer: Option<TransferProfile>,
    pub warmup_items: usize,
    pub sampling_time_s: f64,
    /// Where the sampling time went.
    #[serde(default)]
    pub sampling_phases: SamplingPhases,
}

/// The sampler's time by phase, in seconds; with the reading of the results' heap memory at
/// the end, they add up to `Profile::sampling_time_s`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SamplingPhases {
    /// Warming the function up and sizing batches.
    pub warmup_s: f64,
    /// One or more batches from every stratum.
    pub strata_s: f64,
    /// Slow batches timed again.
    pub retime_s: f64,
    /// Items run side by side and on more workers than cores (`probe`).
    pub probe_s: f64,
    /// Batches timed again after the probe: every batch of a one-round sample, and the others
    /// before work is called uneven.
    pub second_look_s: f64,
}

fn no_gain() -> f64 {
    1.0
}

fn assumed() -> Source {
    Source::Assumed
}

impl Profile {
    /// Estimated serial time of the whole input.
    pub fn serial_time_s(&self) -> f64 {
        self.mean_s * self.items as f64
    }

    /// Memory the whole input's results hold: their slots and the heap memory they own.
    pub fn result_memory_bytes(&self) -> f64 {
        (self.result_slot_bytes as f64 + self.result_heap_bytes) * self.items as f64
    }

    /// Ratio of the costliest stratum to the cheapest, each as its neighbours agree: how
    /// strongly cost depends on the index. One odd stratum alone is noise, not a trend.
    pub fn index_skew(&self) -> f64 {
        skew(&self.stratum_means_s)
    }
}

/// Ratio of the costliest of `stratum_means` to the cheapest, each as its neighbours agree.
fn skew(stratum_means: &[f64]) -> f64 {
    let means = agreed(stratum_means);
    let max = stats::max(means.iter().copied());
    let min = stats::min(means.iter().copied());
    if min > 0.0 {
        max / min
    } else {
        1.0
    }
}

/// Each stratum's mean as far as its neighbours agree: the median of it and the strata on
/// either side, one on each side below 8 strata and two from 8 on (at the ends, of the nearest
/// window). A step or a trend over the index survives; one or two strata that stand out do not.
pub fn agreed(means: &[f64]) -> Vec<f64> {
    let reach = if means.len() >= 8 { 2 } else { 1 };
    if means.len() < 2 * reach + 1 {
        return means.to_vec();
    }
    let last = means.len() - 1;
    (0..means.len())
        .map(|s| {
            let centre = s.clamp(reach, last - reach);
            stats::median(&means[centre - reach..=centre + reach])
        })
        .collect()
}

/// What the sampler may spend.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SampleLimits {
    pub budget_s: f64,
    pub seed: u64,
}

use crate::tuning::SAMPLE_BUDGET_SHARE as BUDGET_SHARE;
const MIN_BUDGET_S: f64 = 0.005;
/// Warm-up may take this share of the estimated serial time, within the bounds below.
const WARMUP_SHARE: f64 = 0.01;
const MAX_WARMUP_S: f64 = 0.05;
/// A batch this much faster than the one before means the function is still warming up.
const STILL_WARMING: f64 = 1.1;
const MAX_STRATA: usize = 16;
const MIN_STRATA: usize = 4;
const MAX_ROUNDS: usize = 32;
/// Batches last at least this many clock ticks, so that resolution adds at most 4% error (each
/// end may be a tick off), well inside the batch jitter allowed. 100 ticks of the browser's
/// 5 µs clock made batches of half a millisecond, and mandelbrot's browser sample three
/// times the native one.
const TICKS_PER_BATCH: f64 = 50.0;
/// Fewer clock ticks than this, and a batch's reading is mostly the clock's rounding.
const READABLE_TICKS: f64 = 8.0;
const MIN_BATCH_S: f64 = 20e-6;
/// Single items the warm-up reads before it sizes its first batches on the costliest.
const FIRST_LOOKS: usize = 4;
/// Batches are shrunk to at most this many times the minimum once the cost per item is known.
const BATCH_MARGIN: f64 = 2.0;
/// The first item and the length of each batch, per stratum.
type Positions = Vec<Vec<(usize, usize)>>;

/// Batches of this many items or more average item costs out below the jitter of their
/// timing, and are allowed `BATCH_JITTER`; shorter ones `SHORT_BATCH_JITTER`: uniform short
/// batches spread by up to 20% under a load average of 6-9 on 2 cores, and items of two costs
/// 40x apart (item CV 1.7) spread more in batches of up to about 70 items.
const LONG_BATCH: usize = 64;
const SHORT_BATCH_JITTER: f64 = 0.2;
/// Short batches timed twice (one per stratum) allow the jitter their two readings show, and
/// at least this much; from `MIN_PAIRS` pairs on (docs/decisions.md: measured jitter).
const JITTER_FLOOR: f64 = 0.05;
const MIN_PAIRS: usize = 4;
/// Passes of re-timing slow batches at most.
const RETIME_PASSES: usize = 3;
/// A long batch this many times slower per item than the median batch is timed again.
const SLOW_BATCH: f64 = 1.5;
/// Relative spread of batch means that jitter alone produces (docs/decisions.md: batch jitter).
const BATCH_JITTER: f64 = 0.25;
/// Clock ticks a batch's reading may be off by: one at its start and one at its end.
const CLOCK_ERROR_TICKS: f64 = 2.0;
/// A re-timed batch this close to its first reading (or slower) read right the first time.
const CONFIRMED: f64 = 1.1;
/// Once this many slow batches were timed again and at least `TRUSTED_SHARE` of them read slow
/// again, the remaining slow batches are taken as the workload's without a second timing.
const TRUSTED_AFTER: usize = 4;
const TRUSTED_SHARE: f64 = 0.75;
/// Confirmed slow batches, as a share of all batches, past which they are the workload's own
/// costly items rather than a batch preempted on both timings (and at least two of them).
const CONFIRMED_SHARE: f64 = 0.1;

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
    let mut max_sampled = (n / 10).max(n.min(8));
    // Batches may grow to a quarter of the input while they are too short for the clock to
    // read: in the browser's 5 µs ticks, tiny x 100,000 (0.14 ms), capped at a tenth of its
    // items, read batches of 0 and reported "0.00 ns of work".
    let batch_cap = |t: f64| {
        if t < READABLE_TICKS * clock::resolution() {
            (n / MIN_STRATA).max(1)
        } else {
            (max_sampled / MIN_STRATA).max(1)
        }
    };
    let min_batch_s = (TICKS_PER_BATCH * clock::resolution()).max(MIN_BATCH_S);

    // Warm-up, and a first guess at the batch length from how long the warm-up took.
    let mut batch_len = 1usize;
    let mut warmup_items = 0;
    let mut per_item_guess;
    let mut last_warmup;
    loop {
        let first = rng.usize(..=n - batch_len);
        let mut t = read_batch(batches, first, batch_len, false)?;
        last_warmup = (first, t);
        warmup_items += batch_len;
        // One cheap first item grew mandelbrot's warm-up batches from 1 row to 8 and then 32
        // of its costliest, 10-15 ms of a 30 ms browser decision: batches grow on the costliest
        // of a few items from across the input.
        if warmup_items == 1 && t < min_batch_s && n > FIRST_LOOKS {
            for _ in 1..FIRST_LOOKS {
                t = t.max(read_batch(batches, rng.usize(..n), 1, false)?);
                warmup_items += 1;
            }
        }
        per_item_guess = t / batch_len as f64;
        if t >= min_batch_s || batch_len * 2 > batch_cap(t) {
            break;
        }
        let wanted = (min_batch_s / per_item_guess.max(1e-12)).ceil() as usize;
        batch_len = wanted.clamp(batch_len * 2, batch_len * 8).min(batch_cap(t));
    }
    max_sampled = max_sampled.max((MIN_STRATA * batch_len).min(n));

    // Keep warming up while batches still get faster: caches filling, and in the browser the
    // JIT swapping baseline code for optimized code after the first calls.
    let warmup_cap = (WARMUP_SHARE * per_item_guess * n as f64).clamp(MIN_BUDGET_S, MAX_WARMUP_S);
    // An item of a millisecond or more warms itself up (caches fill, V8 swaps in optimized
    // code for its hot loop); another one would only add to the decision's time.
    let self_warming = per_item_guess >= PROBE_MIN_S;
    let warmup = Stopwatch::start();
    // Each phase's time: the sampler's clock since the last phase ended.
    let mut phase_end = 0.0;
    let mut lap = || {
        let now = watch.elapsed();
        let phase_s = now - phase_end;
        phase_end = now;
        phase_s
    };
    let mut phases = SamplingPhases::default();
    let mut costliest_warm = 0.0f64;
    while !self_warming && warmup.elapsed() < warmup_cap && warmup_items + batch_len <= n {
        let first = rng.usize(..=n - batch_len);
        let t = read_batch(batches, first, batch_len, false)? / batch_len as f64;
        costliest_warm = costliest_warm.max(t);
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
    // A first call that ran cold (inference's first item took 20 us, the rest 1.5) stopped the
    // batches at one item, and single items read 1.5-2x their cost in a run (each finds its
    // data out of cache): batches grow to what the costliest warm reading allows.
    if costliest_warm > 0.0 {
        let allowed =
            batch_len_for(min_batch_s, costliest_warm).min((max_sampled / MIN_STRATA).max(1));
        batch_len = batch_len.max(allowed);
    }

    phases.warmup_s = lap();
    let budget_for = |per_item_s: f64| {
        (BUDGET_SHARE * per_item_s * n as f64)
            .max(MIN_BUDGET_S)
            .min(limits.budget_s)
    };
    let mut budget = budget_for(per_item_guess);
    let batch_cost = per_item_guess * batch_len as f64;
    let affordable = (budget / batch_cost.max(1e-12)) as usize;
    // Self-warming items the budget cannot pay four of are sampled as few as it pays, one at
    // least (the warm-up's): three items of a second each took 6 s to decide, twice the job.
    let strata = if self_warming && affordable < MIN_STRATA {
        affordable.max(1)
    } else {
        affordable.clamp(MIN_STRATA, MAX_STRATA)
    }
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
    // Strata are visited in a fresh random order each round, so that outside load that comes
    // and goes (a slower stretch of 15 ms read as a step over the last three of nine strata,
    // in order) lands on scattered strata, which `agreed` sets aside, rather than on a run of
    // neighbours that reads as cost growing with the index.
    let mut order: Vec<usize> = (0..strata).collect();
    for round in 0..MAX_ROUNDS {
        rng.shuffle(&mut order);
        for &s in &order {
            let times = &mut per_stratum[s];
            if round == 0 && !times.is_empty() {
                continue;
            }
            let lo = s * n / strata;
            let hi = (s + 1) * n / strata;
            let len = batch_len.min(hi - lo).max(1);
            let first = lo + rng.usize(..=(hi - lo).saturating_sub(len));
            let t = read_batch(batches, first, len, true)?;
            times.push(t / len as f64);
            positions[s].push((first, len));
            sampled += len;
        }
        // The warm-up's one or two items guess the serial time, and mandelbrot's costliest
        // rows guessed it 3x high: the first round, one batch from every stratum, sets the
        // budget it was sized by.
        if round == 0 {
            let first_round: Vec<f64> = per_stratum.iter().map(|t| stats::mean(t)).collect();
            budget = budget_for(stats::mean(&first_round));
        }
        // At least the time its readings add up to: the same in a real run, and what a
        // sample of timings that took no time (a test's) has spent.
        let read_s = per_stratum.iter().flatten().sum::<f64>() * batch_len as f64;
        let spent = watch.elapsed().max(read_s);
        let next_round_fits = spent * (round + 2) as f64 / (round + 1) as f64 <= budget;
        let room = sampled + strata * batch_len <= max_sampled;
        if !next_round_fits || !room {
            break;
        }
        if round >= 2 && settled_error(&per_stratum) < 0.01 {
            break;
        }
    }

    phases.strata_s = lap();
    // Any batch may have been preempted or run before the JIT's optimized tier; short batches
    // of truly costly items read as slow again and keep their reading. A burst of outside load
    // can outlast one re-timing, so slow batches get a few passes; a batch whose second
    // reading confirmed its first is not timed a third time.
    let mut confirmed = Vec::new();
    for _ in 0..RETIME_PASSES {
        let rerun = retime_slow_batches(batches, &mut per_stratum, &positions, &mut confirmed)?;
        sampled += rerun;
        if rerun == 0 {
            break;
        }
    }
    let first_look = Readings {
        batch_len,
        confirmed: confirmed.len(),
        pair_gaps: &[],
    };
    let mut spread = first_look.spread(&per_stratum);
    phases.retime_s = lap();

    let mut in_a_spell = || crate::calibrate::CapacityProbe::new().in_a_spell(pool);
    let side_by_side = probe_side_by_side(
        batches,
        spread.mean_s,
        &mut rng,
        pool,
        budget,
        &mut in_a_spell,
    )?;
    phases.probe_s = lap();
    let (contention, contention_source) = side_by_side.contention;
    let (cpu_fraction, cpu_fraction_source) = side_by_side.cpu_fraction;

    // A second look: batches are timed again after the probe, in the reverse order, and keep
    // their faster reading. One look at the items can catch the machine busy for its whole
    // length: uniform cpu-loop read 9 batches of 5 items at 1.4-2.4x their cost, on two
    // back-to-back timings of each, and was reported as uneven. Costly items read costly
    // again; a busy spell seldom comes back for the same batches.
    // With one batch per stratum nothing inside a stratum tells noise from spread, and the
    // spread that is read instead (each stratum against its neighbours) is scaled by the batch
    // length: every batch is looked at twice (docs/decisions.md), and how far its two readings
    // part is the machine's jitter, measured rather than assumed. Other samples get a second
    // look before they are called uneven or skewed.
    // Batches the re-timing confirmed slow against a fast batch timed beside them are not
    // looked at again: once before the probe and once after, mandelbrot's costly rows were
    // read three times, and its browser decisions took 31-94 ms.
    // Self-warming items (a millisecond or more) are long beside the clock and most
    // interruptions, and a second look would double the decision (io-wait's strata are 5 ms
    // items); their slow batches were timed again above.
    let one_round = !self_warming && per_stratum.iter().all(|times| times.len() <= 1);
    let second_look_s = per_stratum.iter().flatten().sum::<f64>() * batch_len as f64;
    let uneven_to_check = !self_warming && spread.looks_uneven() && second_look_s <= budget;
    let mut pair_gaps = Vec::new();
    if one_round || uneven_to_check {
        for (s, (times, places)) in per_stratum.iter_mut().zip(&positions).enumerate().rev() {
            for (b, (t, &(first, len))) in times.iter_mut().zip(places).enumerate().rev() {
                if confirmed.contains(&(s, b)) {
                    continue;
                }
                let again = read_batch(batches, first, len, false)? / len as f64;
                let faster = t.min(again);
                if one_round && faster > 0.0 {
                    pair_gaps.push((*t - again).abs() / faster);
                }
                *t = faster;
                sampled += len;
            }
        }
        let both_looks = Readings {
            pair_gaps: &pair_gaps,
            ..first_look
        };
        spread = both_looks.spread(&per_stratum);
    }
    phases.second_look_s = lap();
    let Spread {
        stratum_means_s,
        mean_s,
        within_sd_s,
        cv,
        all,
    } = spread;

    // On the sampler's thread with the pool idle, so that no other thread's allocations count.
    // Not for items of a millisecond or more: one more would add its whole cost to the
    // decision, and beside it, writing what a result owns to fresh memory is small (16 KiB
    // takes about 8 µs).
    let result_heap_bytes = match positions.iter().flatten().next() {
        Some(&(first, len)) if !self_warming => batches.result_heap_bytes(first, len)?,
        _ => 0.0,
    };
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
        oversubscribed_gain: side_by_side.oversubscribed_gain.0,
        oversubscribed_gain_source: side_by_side.oversubscribed_gain.1,
        oversubscribed_workers: side_by_side.oversubscribed_workers,
        bytes_in: item_bytes as f64,
        bytes_out: result_bytes as f64,
        result_slot_bytes: result_bytes,
        result_heap_bytes,
        memory_headroom_bytes: crate::memory::headroom().map(|b| b as f64),
        bytes_serialized: false,
        transfer: None,
        warmup_items,
        sampling_time_s: watch.elapsed(),
        sampling_phases: phases,
    })
}

/// Everything but the readings themselves that turns them into a spread.
struct Readings<'a> {
    batch_len: usize,
    /// Slow batches that read slow again on a second timing.
    confirmed: usize,
    /// How far apart the two timings of each batch read, relative to the faster.
    pair_gaps: &'a [f64],
}

/// What the batches' readings say of the items' cost and how it varies.
struct Spread {
    stratum_means_s: Vec<f64>,
    mean_s: f64,
    within_sd_s: f64,
    cv: f64,
    /// Every batch's per-item reading.
    all: Vec<f64>,
}

impl Spread {
    /// Whether these readings would be reported as uneven work or as cost that follows the
    /// index.
    fn looks_uneven(&self) -> bool {
        self.cv > UNEVEN_CV || skew(&self.stratum_means_s) > SKEWED_INDEX
    }
}

impl Readings<'_> {
    /// The spread of item costs that `per_stratum`'s readings show beyond timing noise.
    fn spread(&self, per_stratum: &[Vec<f64>]) -> Spread {
        let batch_len = self.batch_len;
        let pair_gaps = self.pair_gaps;
        let stratum_means_s: Vec<f64> = per_stratum.iter().map(|t| stats::mean(t)).collect();
        let mean_s = stats::mean(&stratum_means_s);
        // Batches differ by timing jitter that does not shrink with their length, so only spread
        // beyond the jitter allowance is taken for item cost (docs/decisions.md: batch jitter).
        // Costly items that read slow on two timings are the workload's. When they are a
        // minority (one item in four costing 40 times the rest), a median spread reads them as
        // none, so enough confirmed slow batches of single items switch to the plain spread. Only
        // single items: a batch of many averages its costly items, and one that is slow twice
        // (cold memory, a slower core) says nothing of them; scaled up by the batch length, two
        // such batches of 25,000 tiny items read as a CV of 20 in the browser.
        let batch_count = per_stratum.iter().map(Vec::len).sum::<usize>();
        let costly_minority = batch_len == 1
            && self.confirmed >= 2
            && self.confirmed as f64 >= CONFIRMED_SHARE * batch_count as f64;
        let batch_sd = if costly_minority {
            plain_within_sd(per_stratum, &stratum_means_s)
        } else {
            within_sd(per_stratum, &stratum_means_s, batch_len < LONG_BATCH)
        };
        let allowance = if batch_len >= LONG_BATCH {
            BATCH_JITTER
        } else if pair_gaps.len() >= MIN_PAIRS {
            measured_jitter(pair_gaps)
        } else {
            SHORT_BATCH_JITTER
        };
        // A batch of a few clock ticks reads up to a tick long or short at each end (the browser's
        // worker clock steps by 5 us, and tiny's batches, capped by the sample's size, last 20-40
        // us): that error is the clock's, not the items' (docs/decisions.md: clock ticks).
        let ticks_error = CLOCK_ERROR_TICKS * clock::resolution() / (mean_s * batch_len as f64);
        let jitter = allowance.hypot(if ticks_error.is_finite() {
            ticks_error
        } else {
            0.0
        });
        // Scaled up by sqrt(batch_len), any excess over the jitter turns into a large item CV, so
        // long batches count only the spread that jitter would not reach by chance: tiny x
        // 1,000,000's four batches of 32,768 spread 0.37 against a jitter of 0.33 in the browser,
        // and read as a CV of 31 (docs/decisions.md: noise bound).
        let noise = if batch_len >= LONG_BATCH {
            jitter * noise_bound(batch_count)
        } else {
            jitter
        };
        let within_sd_s = if batch_len > 1 {
            (batch_sd.powi(2) - (noise * mean_s).powi(2))
                .max(0.0)
                .sqrt()
                * (batch_len as f64).sqrt()
        } else {
            batch_sd
        };
        // Only spread that neighbouring strata agree on is the workload's: one stratum that read
        // slow on both timings was most likely preempted twice (docs/decisions.md: agreement).
        let between_var = stats::std_dev(&agreed(&stratum_means_s)).powi(2);
        let all: Vec<f64> = per_stratum.iter().flatten().copied().collect();
        // Readings all within the clock's error of each other show no spread the clock could see,
        // however it scales up: the single-threaded page's 100 µs clock read batches of 50 constant
        // items as 48, 50, 54 and 54 µs per item (one to three ticks apart), and that read as a CV
        // of 1.03.
        let (within_sd_s, between_var) = if within_clock_error(&all, batch_len, clock::resolution())
        {
            (0.0, 0.0)
        } else {
            (within_sd_s, between_var)
        };
        let cv = if mean_s > 0.0 {
            (within_sd_s.powi(2) + between_var).sqrt() / mean_s
        } else {
            0.0
        };
        Spread {
            stratum_means_s,
            mean_s,
            within_sd_s,
            cv,
            all,
        }
    }
}

/// Whether per-item readings of batches of `batch_len` items differ by no more than the clock's
/// error can make two readings differ: `CLOCK_ERROR_TICKS` each, of `resolution`.
fn within_clock_error(per_item: &[f64], batch_len: usize, resolution: f64) -> bool {
    let (least, most) = per_item
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), &t| {
            (lo.min(t), hi.max(t))
        });
    (most - least) * batch_len as f64 <= 2.0 * CLOCK_ERROR_TICKS * resolution
}

/// How far above its true value the spread of `count` readings may come out by chance: the
/// 99.9th percentile of a sample standard deviation over the true one, in the normal
/// approximation 1 + z / sqrt(2 df) (2.26 for 4 readings, where the exact figure is 2.33; 1.56
/// for 16, exact 1.58).
fn noise_bound(count: usize) -> f64 {
    const Z_999: f64 = 3.09;
    let degrees_of_freedom = count.max(2) as f64 - 1.0;
    1.0 + Z_999 / (2.0 * degrees_of_freedom).sqrt()
}

/// The relative spread of one batch reading that timing the same batch twice shows: 1.4826
/// times the median gap between the two readings, over sqrt(2) for the gap's two readings, and
/// no less than `JITTER_FLOOR`, for drift slower than two back-to-back timings.
fn measured_jitter(pair_gaps: &[f64]) -> f64 {
    (stats::robust_sd(pair_gaps) / std::f64::consts::SQRT_2).max(JITTER_FLOOR)
}

/// `batches.time`, taken again as a block of back-to-back timings of the same batch when it
/// is too short for the clock to read (`clock::readable_run`); only the first keeps results.
/// Capped at a quarter of the items, tiny x 10,000's batches lasted under one of the browser's
/// 5 µs ticks, and its serial time read 0-10 µs against 14-25 µs measured.
fn read_batch(batches: &dyn Batches, first: usize, len: usize, keep: bool) -> Result<f64> {
    let mut keeping = keep;
    clock::readable_run(|| {
        let t = batches.time(first, len, keeping);
        keeping = false;
        t
    })
}

/// Times again the slowest batches that ran over `SLOW_BATCH` times the fastest quarter's
/// reading (at most half of them), keeping the faster of each batch's timings; returns the
/// items re-run. Noise only ever adds time, so such a batch was most likely interrupted; a
/// batch of truly costly items is as slow the second time, keeps its reading, and joins
/// `confirmed`, which later passes skip. The reference is the lower quartile, not the median:
/// with four strata, two preempted batches moved the median and escaped (docs/decisions.md).
fn retime_slow_batches(
    batches: &dyn Batches,
    per_stratum: &mut [Vec<f64>],
    positions: &Positions,
    confirmed: &mut Vec<(usize, usize)>,
) -> Result<usize> {
    let all: Vec<f64> = per_stratum.iter().flatten().copied().collect();
    let limit = SLOW_BATCH * stats::quantile(&all, 0.25);
    let mut slow: Vec<(usize, usize)> = per_stratum
        .iter()
        .enumerate()
        .flat_map(|(s, times)| (0..times.len()).map(move |b| (s, b)))
        .filter(|&(s, b)| per_stratum[s][b] > limit && !confirmed.contains(&(s, b)))
        .collect();
    slow.sort_by(|&(s1, b1), &(s2, b2)| per_stratum[s2][b2].total_cmp(&per_stratum[s1][b1]));
    slow.truncate(all.len().div_ceil(2));
    let mut rerun = 0;
    let mut agreeing = 0;
    for (i, &(s, b)) in slow.iter().enumerate() {
        // Interruptions are rare, costly items are not: when most of the slowest batches read
        // slow again, the rest are the workload's too, and timing them again would add half the
        // sample to the decision (mandelbrot's costly rows, 32 ms of a 60 ms decision).
        if i >= TRUSTED_AFTER && agreeing as f64 >= TRUSTED_SHARE * i as f64 {
            confirmed.extend_from_slice(&slow[i..]);
            break;
        }
        let (first, len) = positions[s][b];
        let mut again = read_batch(batches, first, len, false)? / len as f64;
        rerun += len;
        if again * CONFIRMED >= per_stratum[s][b] {
            // A batch that reads slow again may only find the machine slower now: a typical
            // fast batch is timed again beside it, and what that one lost is the machine's.
            let (slowdown, reference_len) = machine_slowdown(batches, per_stratum, positions)?;
            rerun += reference_len;
            again /= slowdown;
            if again * CONFIRMED >= per_stratum[s][b] {
                confirmed.push((s, b));
                agreeing += 1;
            }
        }
        per_stratum[s][b] = per_stratum[s][b].min(again);
    }
    Ok(rerun)
}

/// How many times slower than its own reading a typical fast batch (the one nearest the lower
/// quartile) runs now, and its length. A VM's core can slow down 2.3x partway through a
/// decision and stay slow through the re-timings: every batch timed since then reads slow
/// twice, and uniform work of 6 ns items read as a step in the index (docs/decisions.md:
/// machine slowdown). A slowdown short of `SLOW_BATCH` is the reference's own jitter and
/// counts as none: it would not have made a batch read slow.
fn machine_slowdown(
    batches: &dyn Batches,
    per_stratum: &[Vec<f64>],
    positions: &Positions,
) -> Result<(f64, usize)> {
    let all: Vec<f64> = per_stratum.iter().flatten().copied().collect();
    let typical = stats::quantile(&all, 0.25);
    let reference = per_stratum
        .iter()
        .enumerate()
        .flat_map(|(s, times)| times.iter().enumerate().map(move |(b, &t)| (t, s, b)))
        .min_by(|x, y| (x.0 - typical).abs().total_cmp(&(y.0 - typical).abs()));
    let Some((reading, s, b)) = reference else {
        return Ok((1.0, 0));
    };
    let (first, len) = positions[s][b];
    let now = read_batch(batches, first, len, false)? / len as f64;
    let slowdown = if reading > 0.0 { now / reading } else { 1.0 };
    Ok((
        if slowdown >= SLOW_BATCH {
            slowdown
        } else {
            1.0
        },
        len,
    ))
}

/// Each batch's distance from its own stratum's mean (strata of two batches or more), and the
/// factor that undoes their shrinking: residuals from a stratum's own mean shrink by
/// sqrt((m - 1) / m) for m batches. Empty when every stratum has one batch.
fn stratum_residuals(per_stratum: &[Vec<f64>], means: &[f64]) -> (Vec<f64>, f64) {
    let residuals: Vec<f64> = per_stratum
        .iter()
        .zip(means)
        .filter(|(times, _)| times.len() > 1)
        .flat_map(|(times, mean)| times.iter().map(move |t| (t - mean).abs()))
        .collect();
    let batches_per_stratum = residuals.len() as f64 / per_stratum.len().max(1) as f64;
    let correction = (batches_per_stratum / (batches_per_stratum - 1.0).max(1.0)).sqrt();
    (residuals, correction)
}

/// Robust spread of batch times around their own stratum's mean: 1.4826 times the median
/// absolute residual, so that a batch hit by an interrupt does not pass for heterogeneity.
/// With one batch per stratum it falls back to each stratum's distance from what its
/// neighbours agree on, which neither a smooth trend nor one odd stratum inflates.
fn within_sd(per_stratum: &[Vec<f64>], means: &[f64], short_batches: bool) -> f64 {
    let (residuals, correction) = stratum_residuals(per_stratum, means);
    if !residuals.is_empty() {
        return stats::robust_sd(&residuals) * correction;
    }
    if means.len() < 2 {
        return 0.0;
    }
    // Each stratum against what its neighbours agree on: robust to a stratum or two that read
    // slow, where differences between neighbours were not (two slow strata of 8 moved 4 of 7).
    let residuals: Vec<f64> = means
        .iter()
        .zip(agreed(means))
        .map(|(m, a)| (m - a).abs())
        .collect();
    // Only short batches are corrected: in them, items of uneven cost show as spread the
    // jitter allowance can hide, and scaled up by a short batch's length, outside load stays
    // small. Long batches of tiny items under a load average of 8 read CVs of 9 corrected.
    let shrink = if short_batches {
        agreed_shrink(means.len())
    } else {
        1.0
    };
    stats::robust_sd(&residuals) / shrink
}

/// How much smaller a stratum's distance from `agreed` reads than its spread: the median it is
/// measured from includes the stratum itself. For independent normal strata, 1.4826 times the
/// median distance has a median of 0.73 of the standard deviation with two neighbours each
/// side and 0.50 with one (simulated, 40,000 draws per count of strata). Uncorrected, items of
/// two costs 40x apart in batches of 27 (batch CV 0.31) read 0.18, inside the jitter allowance,
/// and were reported as even.
fn agreed_shrink(strata: usize) -> f64 {
    if strata >= 8 {
        0.73
    } else if strata >= 3 {
        0.5
    } else {
        1.0
    }
}

/// Root-mean-square spread of batch times around their own stratum's mean (or, with one batch
/// per stratum, of the stratum means): for batches known to be free of interruptions.
fn plain_within_sd(per_stratum: &[Vec<f64>], means: &[f64]) -> f64 {
    let (residuals, correction) = stratum_residuals(per_stratum, means);
    if residuals.is_empty() {
        return stats::std_dev(means);
    }
    let squares: Vec<f64> = residuals.iter().map(|r| r * r).collect();
    stats::mean(&squares).sqrt() * correction
}

/// The robust spread's standard error of the mean, relative to it: sampling stops early once
/// it is under 1%. It ignores a batch or two that read slow, as the decision's spread does, so
/// uniform work stops after three rounds; the plain error (`relative_error`) kept sampling
/// such work to the budget's end, and the longer samples of 0.1-0.4 ms jobs read spreads that
/// kept three of them serial where two workers ran 1.6-1.8x.
fn settled_error(per_stratum: &[Vec<f64>]) -> f64 {
    let means: Vec<f64> = per_stratum.iter().map(|t| stats::mean(t)).collect();
    let mean = stats::mean(&means);
    let sd = within_sd(per_stratum, &means, false);
    let batches: usize = per_stratum.iter().map(Vec::len).sum();
    if mean > 0.0 && batches > 0 {
        sd / (batches as f64).sqrt() / mean
    } else {
        0.0
    }
}

/// Standard error of the stratified mean, relative to it: what the mean may be off by. It
/// takes the plain spread of each stratum's batches, or, for a stratum of one batch, half the
/// squared step to its neighbours (the collapsed-strata estimate, which a smooth trend over
/// the index barely moves). The robust spread that decides whether work is uneven is no
/// measure of it: heavy-tailed items (lognormal, CV 1) in nine batches of seven read a robust
/// spread of 0.8% of the mean, which was then 12% low (25% in the browser).
fn relative_error(per_stratum: &[Vec<f64>]) -> f64 {
    let means: Vec<f64> = per_stratum.iter().map(|t| stats::mean(t)).collect();
    let mean = stats::mean(&means);
    let strata = means.len();
    if mean <= 0.0 || strata == 0 {
        return 0.0;
    }
    let variance_of_mean = |s: usize| {
        let times = &per_stratum[s];
        if times.len() >= 2 {
            return stats::std_dev(times).powi(2) / times.len() as f64;
        }
        let steps: Vec<f64> = [s.checked_sub(1), (s + 1 < strata).then_some(s + 1)]
            .into_iter()
            .flatten()
            .map(|neighbour| (means[s] - means[neighbour]).powi(2) / 2.0)
            .collect();
        if steps.is_empty() {
            0.0
        } else {
            stats::mean(&steps)
        }
    };
    let variance: f64 = (0..strata).map(variance_of_mean).sum();
    variance.sqrt() / strata as f64 / mean
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
    use crate::pool::InlinePool;

    /// Batches whose items cost one microsecond each, except items from `costly` on, which
    /// cost five, all timed `slowdown` times slower on a machine that has slowed down since
    /// the first timings.
    struct Priced {
        costly: usize,
        slowdown: f64,
    }

    impl Batches for Priced {
        fn len(&self) -> usize {
            1_000_000
        }

        fn time(&self, first: usize, len: usize, _keep: bool) -> Result<f64> {
            let per_item = if first >= self.costly { 5e-6 } else { 1e-6 };
            Ok(self.slowdown * per_item * len as f64)
        }

        fn sizes(&self) -> (usize, usize) {
            (8, 8)
        }
    }

    /// A million items that cost a nanosecond or so each, at a cost per item that changes by
    /// quarter of the input: `per_quarter_ns`, as the browser's clock read tiny's quarters.
    struct Quarters {
        per_quarter_ns: [f64; 4],
    }

    impl Batches for Quarters {
        fn len(&self) -> usize {
            1_000_000
        }

        fn time(&self, first: usize, len: usize, _keep: bool) -> Result<f64> {
            Ok(self.per_quarter_ns[first * 4 / self.len()] * 1e-9 * len as f64)
        }

        fn sizes(&self) -> (usize, usize) {
            (8, 8)
        }
    }

    fn sampled_cv(per_quarter_ns: [f64; 4]) -> (f64, usize) {
        let limits = SampleLimits {
            budget_s: 1.0,
            seed: 7,
        };
        let profile = sample(&Quarters { per_quarter_ns }, limits, &InlinePool).unwrap();
        (profile.cv, profile.batch_len)
    }

    #[test]
    fn long_batches_that_part_by_what_jitter_can_reach_are_even_work() {
        let (cv, batch_len) = sampled_cv([1.07, 1.58, 1.76, 1.07]);
        assert!(batch_len >= LONG_BATCH, "batches of {batch_len}");
        assert_eq!(cv, 0.0);
        // Quarters ten times apart are past any jitter, and still read as uneven.
        let (cv, _) = sampled_cv([1.0, 10.0, 1.0, 10.0]);
        assert!(cv > UNEVEN_CV, "CV {cv}");
    }

    /// Sixteen strata of one batch of 100 items each; the batch of stratum 5 read 5 us per item.
    fn readings() -> (Vec<Vec<f64>>, Positions) {
        let mut per_stratum = vec![vec![1e-6]; 16];
        per_stratum[5][0] = 5e-6;
        let positions = (0..16).map(|s| vec![(s * 62_500, 100)]).collect();
        (per_stratum, positions)
    }

    #[test]
    fn one_odd_stratum_is_not_a_trend_but_a_step_is() {
        let mut spike = vec![1.0; 16];
        spike[5] = 17.7;
        assert!(agreed(&spike).iter().all(|&m| m == 1.0));
        spike[15] = 9.0;
        assert!(agreed(&spike).iter().all(|&m| m == 1.0));
        let step: Vec<f64> = (0..16).map(|s| if s < 8 { 1.0 } else { 5.0 }).collect();
        assert_eq!(agreed(&step), step);
        let trend: Vec<f64> = (1..=16).map(f64::from).collect();
        let smoothed = agreed(&trend);
        assert_eq!((smoothed[0], smoothed[15]), (3.0, 14.0));
        let mut two = vec![1.0; 8];
        (two[4], two[6]) = (9.0, 5.0);
        assert!(agreed(&two).iter().all(|&m| m == 1.0));
    }

    /// `len` items of `item_s` each, timed without running anything.
    struct Even {
        len: usize,
        item_s: f64,
    }

    impl Batches for Even {
        fn len(&self) -> usize {
            self.len
        }

        fn time(&self, _first: usize, len: usize, _keep: bool) -> Result<f64> {
            Ok(self.item_s * len as f64)
        }

        fn sizes(&self) -> (usize, usize) {
            (8, 8)
        }
    }

    #[test]
    fn items_longer_than_the_budget_are_sampled_once() {
        let limits = SampleLimits {
            budget_s: 0.2,
            seed: 7,
        };
        let three_seconds = Even {
            len: 3,
            item_s: 1.0,
        };
        let profile = sample(&three_seconds, limits, &InlinePool).unwrap();
        assert_eq!(profile.sampled_items, 1, "the warm-up's item only");
        assert_eq!(profile.mean_s, 1.0);
        // Items the budget pays four of still fill four strata.
        let milliseconds = Even {
            len: 10_000,
            item_s: 2e-3,
        };
        let profile = sample(&milliseconds, limits, &InlinePool).unwrap();
        assert!(profile.stratum_means_s.len() >= MIN_STRATA);
    }

    #[test]
    fn readings_the_clock_cannot_tell_apart_have_no_spread() {
        // The 100 µs clock, batches of 50: 2 µs per item is one tick.
        let ticks_apart = |ticks: f64| [48e-6, 50e-6, 48e-6 + ticks * 2e-6];
        assert!(within_clock_error(&ticks_apart(3.0), 50, 100e-6));
        assert!(within_clock_error(&ticks_apart(4.0), 50, 100e-6));
        assert!(!within_clock_error(&ticks_apart(5.0), 50, 100e-6));
        // A clock 100 times finer sees the same readings apart.
        assert!(!within_clock_error(&ticks_apart(3.0), 50, 1e-6));
    }

    #[test]
    fn the_standard_error_comes_from_each_strata_spread_or_its_steps_to_its_neighbours() {
        // Two strata of two batches each: (1 + 1) / 2 over two strata of mean 2 and 4.
        let twice = vec![vec![1.0, 3.0], vec![3.0, 5.0]];
        let expected = (2.0f64 / 2.0 + 2.0 / 2.0).sqrt() / 2.0 / 3.0;
        assert!((relative_error(&twice) - expected).abs() < 1e-12);
        // One batch per stratum on a steady climb: each step is the same, and the error is a
        // quarter of what the plain spread of the nine readings would say.
        let climb: Vec<Vec<f64>> = (1..=9).map(|i| vec![10.0 * i as f64]).collect();
        let plain = stats::std_dev(&climb.concat()) / 3.0 / 50.0;
        assert!(
            relative_error(&climb) < plain / 3.0,
            "{}",
            relative_error(&climb)
        );
        // Costs that jump between neighbours are spread, whatever the robust spread says.
        let jumpy: Vec<Vec<f64>> = (0..9)
            .map(|i| vec![if i % 3 == 0 { 90.0 } else { 30.0 }])
            .collect();
        assert!(relative_error(&jumpy) > 0.1, "{}", relative_error(&jumpy));
        assert_eq!(
            relative_error(&[vec![5.0]]),
            0.0,
            "one reading has no spread to read"
        );
    }

    /// 4,000 even items of 0.5 µs (one round of a batch in each stratum), on a machine
    /// busy for the first `busy_timings` timings of each batch: busy, a batch reads 1.4 to 2.4
    /// times its cost, the same on each of those timings.
    struct BusySpell {
        busy_timings: usize,
        timings: std::sync::Mutex<std::collections::HashMap<usize, usize>>,
    }

    impl Batches for BusySpell {
        fn len(&self) -> usize {
            4_000
        }

        fn time(&self, first: usize, len: usize, _keep: bool) -> Result<f64> {
            let mut timings = self.timings.lock().unwrap();
            let count = timings.entry(first).or_default();
            *count += 1;
            let busy = if *count <= self.busy_timings {
                1.4 + (first % 11) as f64 / 10.0
            } else {
                1.0
            };
            Ok(busy * 0.5e-6 * len as f64)
        }

        fn sizes(&self) -> (usize, usize) {
            (8, 8)
        }
    }

    #[test]
    fn a_busy_spell_over_the_first_look_is_not_uneven_work() {
        let limits = SampleLimits {
            budget_s: 1.0,
            seed: 7,
        };
        // Busy over the first look at every batch; the second comes after the probe.
        let busy = BusySpell {
            busy_timings: 1,
            timings: Default::default(),
        };
        let profile = sample(&busy, limits, &InlinePool).unwrap();
        assert!(profile.cv <= UNEVEN_CV, "CV {}", profile.cv);
        assert!(profile.index_skew() <= SKEWED_INDEX);
        assert!(
            (profile.mean_s - 0.5e-6).abs() < 0.05e-6,
            "{}",
            profile.mean_s
        );
    }

    #[test]
    fn an_interrupted_batch_is_replaced_by_its_second_timing() {
        let (mut per_stratum, positions) = readings();
        let rerun = retime_slow_batches(
            &Priced {
                costly: usize::MAX,
                slowdown: 1.0,
            },
            &mut per_stratum,
            &positions,
            &mut Vec::new(),
        )
        .unwrap();
        assert_eq!(rerun, 100);
        assert!(per_stratum.iter().flatten().all(|&t| t == 1e-6));
    }

    #[test]
    fn batches_slow_only_since_the_machine_slowed_are_not_the_workloads() {
        // The last six of sixteen strata were timed after the machine slowed 2.3x, and it is
        // still slow when they are timed again.
        let (mut per_stratum, positions) = readings();
        per_stratum[5][0] = 1e-6;
        for times in &mut per_stratum[10..] {
            times[0] = 2.3e-6;
        }
        let mut confirmed = Vec::new();
        let slowed = Priced {
            costly: usize::MAX,
            slowdown: 2.3,
        };
        retime_slow_batches(&slowed, &mut per_stratum, &positions, &mut confirmed).unwrap();
        assert!(confirmed.is_empty(), "{confirmed:?}");
        assert!(per_stratum
            .iter()
            .flatten()
            .all(|&t| (t - 1e-6).abs() < 1e-12));
    }

    #[test]
    fn a_batch_of_costly_items_keeps_its_reading() {
        let (mut per_stratum, positions) = readings();
        let costly = Priced {
            costly: 5 * 62_500,
            slowdown: 1.0,
        };
        // Strata 6 to 15 hold costly items too, but they read 1 us: only stratum 5 is re-run.
        let mut confirmed = Vec::new();
        retime_slow_batches(&costly, &mut per_stratum, &positions, &mut confirmed).unwrap();
        assert_eq!(confirmed, vec![(5, 0)]);
        assert_eq!(per_stratum[5][0], 5e-6);
    }
}
