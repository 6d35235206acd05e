//! The recommendation: serial, or k workers taking chunks of c items, and why.

use crate::calibrate::Costs;
use crate::model::{Breakdown, Model, Prediction};
use crate::options::{Start, Transfer};
use crate::sample::{Profile, Source};
use crate::units::{bytes, count, percent, seconds, shape};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// A plain loop on the calling thread.
    Serial,
    /// `workers` workers on the pool, taking `chunk_size` items at a time.
    Parallel,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    TooLittleWork,
    Heterogeneous,
    IndexDependentCost,
    Memory,
    TransferBound,
    Oversubscribed,
    NoisySample,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    pub kind: WarningKind,
    pub message: String,
}

/// How long deciding took, and on what.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DecisionCost {
    pub sampling_s: f64,
    /// Calibration time if this decision paid for it (costs are cached per process), else 0.
    pub calibration_s: f64,
    pub model_s: f64,
    pub total_s: f64,
}

/// What to run. Build one with `optimize`, or by hand with `Plan::fixed` or `Plan::serial`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub strategy: Strategy,
    pub workers: usize,
    pub chunk_size: usize,
    /// Predicted serial time over predicted time of this plan; NaN for hand-built plans.
    pub predicted_speedup: f64,
    /// The speedup with overheads halved and doubled.
    pub speedup_interval: (f64, f64),
    pub predicted_time_s: f64,
    pub predicted_serial_s: f64,
    pub transfer: Transfer,
    pub start: Start,
    pub breakdown: Breakdown,
    pub reasons: Vec<String>,
    pub warnings: Vec<Warning>,
    pub profile: Option<Profile>,
    pub costs: Option<Costs>,
    /// The best predicted chunk size and time for each worker count considered.
    pub per_workers: Vec<Prediction>,
    pub decision: DecisionCost,
}

/// Parallel must be predicted this much faster than serial to be recommended: below it, the
/// gain is within what the measurements can tell apart.
pub const MIN_GAIN: f64 = 1.05;
/// Work this short is not worth sending to a pool at all.
const TINY_JOB_S: f64 = 1e-3;
/// Result memory that deserves a warning (the browser's wasm memory tops out at 1 GiB).
const LARGE_RESULTS_BYTES: f64 = 256.0 * 1024.0 * 1024.0;

impl Plan {
    fn manual(strategy: Strategy, workers: usize, chunk_size: usize) -> Self {
        Self {
            strategy,
            workers,
            chunk_size,
            predicted_speedup: f64::NAN,
            speedup_interval: (f64::NAN, f64::NAN),
            predicted_time_s: f64::NAN,
            predicted_serial_s: f64::NAN,
            transfer: Transfer::Shared,
            start: Start::Warm,
            breakdown: Breakdown::default(),
            reasons: vec!["chosen by hand".into()],
            warnings: Vec::new(),
            profile: None,
            costs: None,
            per_workers: Vec::new(),
            decision: DecisionCost::default(),
        }
    }

    /// `workers` workers taking `chunk_size` items at a time. Worker counts past the core
    /// count are allowed (up to the pool's size), since waiting workloads gain there.
    pub fn fixed(workers: usize, chunk_size: usize) -> Self {
        Self::manual(Strategy::Parallel, workers, chunk_size)
    }

    /// A plain loop on the calling thread.
    pub fn serial() -> Self {
        Self::manual(Strategy::Serial, 1, usize::MAX)
    }

    pub fn is_serial(&self) -> bool {
        self.strategy == Strategy::Serial
    }

    /// Short label such as `serial` or `2 workers x 500 items`.
    pub fn label(&self) -> String {
        match self.strategy {
            Strategy::Serial => "serial".into(),
            Strategy::Parallel => shape(self.workers, self.chunk_size, None),
        }
    }

    /// The model's prediction for this plan's (k, c), when the plan carries a profile.
    pub fn predict(&self) -> Option<Prediction> {
        let (profile, costs) = (self.profile.as_ref()?, self.costs.as_ref()?);
        let model = Model::new(profile, costs, self.transfer, self.start);
        Some(match self.strategy {
            Strategy::Serial => model.serial(),
            Strategy::Parallel => model.predict(self.workers, self.chunk_size),
        })
    }

    /// The same plan with another (k, c), predicted with this plan's profile and costs.
    pub fn with_shape(&self, workers: usize, chunk_size: usize) -> Plan {
        let mut plan = self.clone();
        plan.strategy = Strategy::Parallel;
        plan.workers = workers;
        plan.chunk_size = chunk_size;
        plan.fill_prediction();
        plan
    }

    /// The same profile and costs, run serially.
    pub fn as_serial(&self) -> Plan {
        let mut plan = self.clone();
        plan.strategy = Strategy::Serial;
        plan.workers = 1;
        plan.chunk_size = usize::MAX;
        plan.fill_prediction();
        plan
    }

    fn fill_prediction(&mut self) {
        let Some(prediction) = self.predict() else {
            return;
        };
        let serial = self.predicted_serial_s;
        self.predicted_time_s = prediction.time_s;
        self.breakdown = prediction.breakdown;
        self.predicted_speedup = serial / prediction.time_s;
        self.speedup_interval = speedup_interval(serial, &prediction);
    }
}

fn speedup_interval(serial_s: f64, p: &Prediction) -> (f64, f64) {
    if p.serial {
        return (1.0, 1.0);
    }
    let compute = p.breakdown.compute_s;
    let overhead = p.breakdown.overhead();
    (
        serial_s / (compute + 2.0 * overhead),
        serial_s / (compute + 0.5 * overhead),
    )
}

/// Chooses the plan with the least predicted time.
/// Useful on its own to ask "what if" of a profile and costs measured elsewhere.
pub fn choose(
    profile: Profile,
    costs: Costs,
    transfer: Transfer,
    start: Start,
    max_workers: Option<usize>,
) -> Plan {
    let model = Model::new(&profile, &costs, transfer, start);
    let serial = model.serial();
    let cpu_bound = profile.cpu_fraction >= 0.9;
    let mut limit = max_workers
        .unwrap_or(costs.threads)
        .min(costs.threads)
        .max(1);
    if cpu_bound && max_workers.is_none() {
        limit = limit.min(costs.cores.max(1));
    }
    let per_workers: Vec<Prediction> = (1..=limit).map(|k| model.best_for(k)).collect();
    let fastest = per_workers
        .iter()
        .map(|p| p.time_s)
        .fold(f64::INFINITY, f64::min);
    // Among near-ties the fewest workers: the same time for less of the machine.
    let best = *per_workers
        .iter()
        .find(|p| p.time_s <= fastest * 1.01)
        .expect("at least one worker count");
    let gain = serial.time_s / best.time_s;
    // Parallel must also win with its overheads doubled: a pool that might lose is not worth it.
    let pessimistic = speedup_interval(serial.time_s, &best).0;
    let parallel = gain >= MIN_GAIN && pessimistic >= 1.0 && best.workers > 1;
    let chosen = if parallel { best } else { serial };

    let mut plan = Plan {
        strategy: if parallel {
            Strategy::Parallel
        } else {
            Strategy::Serial
        },
        workers: chosen.workers,
        chunk_size: if parallel {
            chosen.chunk_size
        } else {
            usize::MAX
        },
        predicted_speedup: serial.time_s / chosen.time_s,
        speedup_interval: speedup_interval(serial.time_s, &chosen),
        predicted_time_s: chosen.time_s,
        predicted_serial_s: serial.time_s,
        transfer,
        start,
        breakdown: chosen.breakdown,
        reasons: Vec::new(),
        warnings: Vec::new(),
        profile: None,
        costs: None,
        per_workers,
        decision: DecisionCost::default(),
    };
    plan.reasons = reasons(&profile, &costs, &plan, &best, gain);
    plan.warnings = warnings(&profile, &plan, &best);
    plan.profile = Some(profile);
    plan.costs = Some(costs);
    plan
}

fn reasons(
    profile: &Profile,
    costs: &Costs,
    plan: &Plan,
    best: &Prediction,
    gain: f64,
) -> Vec<String> {
    let mut out = vec![format!(
        "Each item takes {} on average (timed on {} in {}; CV {:.2}), so {} are about {} of work.",
        seconds(profile.mean_s),
        count(profile.sampled_items, "item", "items"),
        count(profile.batches, "batch", "batches"),
        profile.cv,
        if profile.items == 1 {
            "the 1 item".to_string()
        } else {
            format!("all {}", count(profile.items, "item", "items"))
        },
        seconds(profile.serial_time_s()),
    )];
    out.push(format!(
        "On this machine a parallel run costs {} to start plus {} per worker, and {} per chunk handed out.",
        seconds(costs.run_fixed_s.value),
        seconds(costs.wake_per_worker_s.value),
        seconds(costs.dispatch_shared_s.value),
    ));
    if profile.contention > 1.1 {
        out.push(format!(
            "With one worker per core, items ran {:.2}x slower than alone (shared memory bandwidth, caches, a shared allocator or clock boost), which caps the speedup near {:.2}x.",
            profile.contention,
            costs.cores as f64 / profile.contention
        ));
    }
    match plan.strategy {
        Strategy::Serial => {
            if best.workers <= 1 {
                out.push("No worker count beats one worker, and one pool worker only adds overhead to a plain loop.".into());
            } else {
                let pessimistic = speedup_interval(plan.predicted_serial_s, best).0;
                out.push(format!(
                    "The best parallel shape ({}) is predicted at {:.2}x, and {:.2}x if overheads are twice the measured ones. Parallel must reach {:.2}x and not lose even then: stay serial.",
                    shape(best.workers, best.chunk_size, None), gain, pessimistic, MIN_GAIN
                ));
            }
        }
        Strategy::Parallel => {
            let b = &plan.breakdown;
            out.push(format!(
                "{} with chunks of {} ({}) are predicted to take {} against {} serial: {:.2}x (between {:.2}x and {:.2}x if overheads are half or twice the measured ones).",
                count(plan.workers, "worker", "workers"),
                count(plan.chunk_size, "item", "items"),
                count(profile.items.div_ceil(plan.chunk_size), "chunk", "chunks"),
                seconds(plan.predicted_time_s),
                seconds(plan.predicted_serial_s),
                plan.predicted_speedup,
                plan.speedup_interval.0,
                plan.speedup_interval.1,
            ));
            out.push(format!(
                "Overhead is {} of the predicted time: start-up {}, dispatch {}, transfer {}, imbalance {}.",
                percent(b.overhead() / b.total()),
                seconds(b.startup_s),
                seconds(b.dispatch_s),
                seconds(b.transfer_s),
                seconds(b.imbalance_s),
            ));
            if plan.workers > costs.cores {
                out.push(format!(
                    "More workers than cores ({}) pay here because items spend {} of their time waiting.",
                    costs.cores,
                    percent(1.0 - profile.cpu_fraction)
                ));
            } else if plan.workers < costs.cores {
                out.push(format!(
                    "Fewer workers than cores ({}): the extra workers' start-up and dispatch would cost more than they save.",
                    costs.cores
                ));
            }
        }
    }
    out
}

fn warnings(profile: &Profile, plan: &Plan, best: &Prediction) -> Vec<Warning> {
    let mut out = Vec::new();
    let mut warn = |kind, message: String| out.push(Warning { kind, message });
    if profile.serial_time_s() < TINY_JOB_S {
        warn(
            WarningKind::TooLittleWork,
            format!(
                "The whole job is about {}: too little work to share out.",
                seconds(profile.serial_time_s())
            ),
        );
    }
    if profile.cv > 0.5 {
        warn(
            WarningKind::Heterogeneous,
            format!(
                "Item costs vary widely (CV {:.2}); smaller chunks keep workers evenly loaded.",
                profile.cv
            ),
        );
    }
    if profile.index_skew() > 2.0 {
        warn(
            WarningKind::IndexDependentCost,
            format!(
                "Cost depends on position: the costliest tenth of the input is {:.1}x the cheapest.",
                profile.index_skew()
            ),
        );
    }
    let result_bytes = profile.bytes_out * profile.items as f64;
    if result_bytes > LARGE_RESULTS_BYTES {
        warn(
            WarningKind::Memory,
            format!(
                "Results take about {}; consider processing in batches.",
                bytes(result_bytes)
            ),
        );
    }
    let b = if plan.is_serial() {
        &best.breakdown
    } else {
        &plan.breakdown
    };
    if b.transfer_s > 0.3 * b.total() {
        warn(
            WarningKind::TransferBound,
            format!(
                "Copying items and results takes {} of the parallel time; share memory or send less.",
                percent(b.transfer_s / b.total())
            ),
        );
    }
    if plan.workers > plan.costs.as_ref().map_or(usize::MAX, |c| c.cores) && !plan.is_serial() {
        warn(
            WarningKind::Oversubscribed,
            "More workers than cores: right for waiting work, wrong if the waits become computation.".into(),
        );
    }
    if profile.relative_error > 0.1
        || profile.cpu_fraction_source == Source::Assumed && profile.cpu_fraction < 1.0
    {
        warn(
            WarningKind::NoisySample,
            format!(
                "The sampled mean is uncertain (standard error {}); predictions may be off by as much.",
                percent(profile.relative_error)
            ),
        );
    }
    out
}
