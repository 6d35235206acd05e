//! Everything the engine says about a decision: the reasons for a plan, its warnings, where
//! its parallel time goes (the bottleneck), and what to change. The thresholds are named in
//! [`crate::tuning`].

use crate::calibrate::Costs;
use crate::model::{Breakdown, Model, Prediction};
use crate::plan::{best_of, speedup_interval, Plan, Strategy, Warning, WarningKind};
use crate::provenance::Source;
use crate::sample::Profile;
use crate::trial::Trial;
use crate::tuning::{
    CONTENTION_NOISE, INSUFFICIENT_WORK_STARTUPS, LARGE_RESULTS_BYTES, MINOR_OVERHEAD_SHARE,
    MIN_GAIN, NOISY_SAMPLE_ERROR, SKEWED_INDEX, TINY_JOB_S, TRANSFER_BOUND_SHARE, TRIAL_ALWAYS_S,
    TRIAL_MIN_GAIN, UNEVEN_CV,
};
use crate::units::{bytes, count, number, percent, seconds, shape};
use serde::{Deserialize, Serialize};

/// Fills `plan`'s reasons and warnings from its profile, costs and per-worker predictions.
/// A plan without a profile (one built by hand) has nothing to explain.
pub fn explain(plan: &mut Plan) {
    let (Some(profile), Some(costs)) = (plan.profile.as_ref(), plan.costs.as_ref()) else {
        return;
    };
    let Some(best) = best_of(&plan.per_workers) else {
        return;
    };
    let gain = plan.predicted_serial_s / best.time_s;
    let reasons = reasons(profile, costs, plan, &best, gain);
    let warnings = warnings(profile, plan, &best);
    plan.reasons = reasons;
    plan.warnings = warnings;
}

/// Chunk sizes predicted within this factor of the fastest count as the same advice.
const CHUNK_TIE: f64 = 1.01;

/// Where parallel time is lost, as in the original's bottleneck analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bottleneck {
    /// Overheads are under a tenth of the time: the work scales.
    None,
    /// The whole job is shorter than what a parallel run costs to start.
    InsufficientWork,
    /// The pool has one thread: no shape has a second worker (the browser's single-threaded
    /// build, or a machine of one core).
    OneThread,
    Startup,
    Dispatch,
    Transfer,
    /// Uneven chunk costs leave workers idle.
    Imbalance,
    /// Item costs vary so much that imbalance dominates.
    Heterogeneous,
}

impl Bottleneck {
    /// The name a reader sees; the wasm build's `Debug` prints nothing.
    pub fn label(self) -> &'static str {
        match self {
            Bottleneck::None => "none",
            Bottleneck::InsufficientWork => "insufficient work",
            Bottleneck::OneThread => "one thread",
            Bottleneck::Startup => "start-up",
            Bottleneck::Dispatch => "dispatch",
            Bottleneck::Transfer => "transfer",
            Bottleneck::Imbalance => "imbalance",
            Bottleneck::Heterogeneous => "heterogeneous item costs",
        }
    }
}

/// Whether `plan` was made for a pool of one thread: no shape has a second worker then, and
/// its costs of parallel runs are zeros that no run paid.
fn one_thread(plan: &Plan) -> bool {
    plan.costs.as_ref().is_some_and(|costs| costs.threads <= 1)
}

/// Why `plan` was chosen, in sentences: the work, the machine's costs, and the decision.
pub fn reasons(
    profile: &Profile,
    costs: &Costs,
    plan: &Plan,
    best: &Prediction,
    gain: f64,
) -> Vec<String> {
    let mut out = vec![format!(
        "Each item takes {} on average (timed on {} in {}; CV {:.2}), so {} about {} of work.",
        seconds(profile.mean_s),
        // Batches are timed again when they read slow, so a small job's sample can hold more
        // calls than it has items.
        if profile.sampled_items > profile.items {
            format!(
                "{}, some items more than once,",
                count(profile.sampled_items, "item call", "item calls")
            )
        } else {
            count(profile.sampled_items, "item", "items")
        },
        count(profile.batches, "batch", "batches"),
        profile.cv,
        if profile.items == 1 {
            "the 1 item is".to_string()
        } else {
            format!("all {} are", count(profile.items, "item", "items"))
        },
        seconds(profile.serial_time_s()),
    )];
    // The serial time predicted beside it includes this, and without it the two disagreed.
    let model = Model::new(profile, costs, plan.transfer, plan.start);
    let fresh_s = model.fresh_output_s();
    if fresh_s > 0.0 {
        let total = profile.result_memory_bytes();
        let fresh = model.fresh_output_bytes();
        let which = if fresh < total {
            format!(
                "{} of it more than this page's memory holds now, which the run must grow",
                bytes(fresh)
            )
        } else {
            "which each run writes to fresh memory".to_string()
        };
        out.push(format!(
            "Their results hold {}, {which} (the sample's batches reuse memory freed before \
             them): about {} more serially.",
            bytes(total),
            seconds(fresh_s)
        ));
    }
    if one_thread(plan) {
        out.push(format!(
            "The pool has {} here, so no shape has a second worker: serial.",
            count(costs.threads, "thread", "threads")
        ));
        return out;
    }
    // A second worker of a one-item job takes nothing, so its start-up read "0 ns" beside the
    // start-up a decision on more items had just shown.
    if profile.items == 1 {
        out.push("One item cannot be shared between workers: serial.".into());
        return out;
    }
    // The start-up the model charges the shape it describes, late wakes and the join included:
    // the bare start and per-worker costs read 0 ns in the browser beside a predicted start-up
    // of 10 µs, and the page contradicted itself.
    let described = if best.workers >= 2 {
        Some(best)
    } else {
        plan.per_workers.iter().find(|p| p.workers == 2)
    };
    out.push(match described {
        Some(p) => format!(
            "On this machine starting and joining a run of {} costs {} (late wakes included), and each chunk handed out {}.",
            count(p.workers, "worker", "workers"),
            seconds(p.breakdown.startup_s),
            seconds(costs.dispatch_shared_s.value),
        ),
        None => format!(
            "On this machine a parallel run costs {} to start plus {} per worker, and {} per chunk handed out.",
            seconds(costs.run_fixed_s.value),
            seconds(costs.wake_per_worker_s.value),
            seconds(costs.dispatch_shared_s.value),
        ),
    });
    if costs.parked.threads_starved {
        out.push("The threads kept awake for this run were off their cores as it was decided (other threads of the browser or the machine had them), so it counts them as starting from asleep.".into());
    }
    if profile.contention > CONTENTION_NOISE {
        out.push(format!(
            "With one worker per core, items ran {:.2}x slower than alone (shared memory bandwidth, caches, a shared allocator or clock boost), which caps the speedup near {:.2}x.",
            profile.contention,
            costs.cores as f64 / profile.contention
        ));
    }
    if let Some(trial) = &plan.trial {
        out.extend(trial_reasons(trial, profile.items));
        return out;
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
            // Decisions on the same job land on different chunk sizes of a near-tie; saying
            // how wide the tie is tells a visitor that 2 x 51 and 2 x 77 are the same advice.
            let model = Model::new(profile, costs, plan.transfer, plan.start);
            let (smallest, largest) = model.chunk_sizes_within(plan.workers, CHUNK_TIE);
            if smallest < largest {
                let chunks = profile.items.div_ceil(plan.chunk_size);
                out.push(format!(
                    "On {}, chunk sizes from {} to {} items are all predicted within {} of the fastest; this one gives each worker about {}, so that the others can take over from one that stalls.",
                    count(plan.workers, "worker", "workers"),
                    number(smallest as f64),
                    number(largest as f64),
                    percent(CHUNK_TIE - 1.0),
                    count(chunks.div_ceil(plan.workers), "chunk", "chunks"),
                ));
            }
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
                    "More workers than cores ({}) pay here: {} workers were measured to get through {:.2}x the items per second of {}.",
                    costs.cores,
                    profile.oversubscribed_workers,
                    profile.oversubscribed_gain,
                    costs.cores
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

/// Why a trial ran, what it measured, and what it decided.
fn trial_reasons(trial: &Trial, items: usize) -> Vec<String> {
    let ran = shape(trial.workers, trial.chunk_size, None);
    let quartiles = |(low, high): (f64, f64)| format!("{} to {}", seconds(low), seconds(high));
    // Under `TRIAL_ALWAYS_S` a trial runs whatever the model predicted, a loss included.
    let why = if trial.model_serial_s <= TRIAL_ALWAYS_S {
        format!(
            "The whole job is predicted to take {} serially, and {ran} {}: at this length the run's overheads are the size of the job, so it was decided by running it",
            seconds(trial.model_serial_s),
            seconds(trial.model_parallel_s),
        )
    } else {
        format!(
            "The model predicts {ran} at {} against {} serial, a gain the size of its overhead estimates, so it was decided by running it",
            seconds(trial.model_parallel_s),
            seconds(trial.model_serial_s),
        )
    };
    vec![
        format!(
            "{why}. The whole job ran {} each way, alternately: serial took {} (median; middle half {}), and {ran} {} (middle half {}): {:.2}x.",
            count(trial.runs, "time", "times"),
            seconds(trial.serial_s),
            quartiles(trial.serial_quartiles_s),
            seconds(trial.parallel_s),
            quartiles(trial.parallel_quartiles_s),
            trial.speedup(),
        ),
        if trial.parallel_pays() {
            format!(
                "Parallel measured at least {TRIAL_MIN_GAIN:.2}x, and no slower on average ({:.2}x of the means): {ran}, giving each worker about {}.",
                trial.mean_speedup,
                count(
                    items.div_ceil(trial.chunk_size).div_ceil(trial.workers),
                    "chunk",
                    "chunks"
                ),
            )
        } else if trial.speedup() >= TRIAL_MIN_GAIN {
            format!(
                "On average its runs were slower ({:.2}x of the means: some took much longer than serial's), so stay serial.",
                trial.mean_speedup,
            )
        } else {
            format!("Parallel must measure at least {TRIAL_MIN_GAIN:.2}x: stay serial.")
        },
    ]
}

/// What could make `plan` wrong, or the job slow whatever the plan.
pub fn warnings(profile: &Profile, plan: &Plan, best: &Prediction) -> Vec<Warning> {
    let mut out = Vec::new();
    let mut warn = |kind, message: String| out.push(Warning { kind, message });
    // Only a serial plan: a parallel one for a job this short was predicted to pay, and the
    // page said "2 workers, 1.99x" above "too little work to share out".
    if plan.is_serial() && profile.serial_time_s() < TINY_JOB_S {
        warn(
            WarningKind::TooLittleWork,
            format!(
                "The whole job is about {}: too little work to share out.",
                seconds(profile.serial_time_s())
            ),
        );
    }
    if profile.cv > UNEVEN_CV {
        warn(
            WarningKind::Heterogeneous,
            format!(
                "Item costs vary widely (CV {:.2}); smaller chunks keep workers evenly loaded.",
                profile.cv
            ),
        );
    }
    if profile.index_skew() > SKEWED_INDEX {
        warn(
            WarningKind::IndexDependentCost,
            format!(
                "Cost depends on position: the costliest tenth of the input is {:.1}x the cheapest.",
                profile.index_skew()
            ),
        );
    }
    let result_bytes = if profile.bytes_serialized {
        profile.bytes_out * profile.items as f64
    } else {
        profile.result_memory_bytes()
    };
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
    if b.transfer_s > TRANSFER_BOUND_SHARE * b.total() {
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
    if profile.relative_error > NOISY_SAMPLE_ERROR
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

/// Where `plan`'s parallel time goes, by its largest overhead.
pub fn bottleneck(b: &Breakdown, cv: f64, plan: &Plan) -> Bottleneck {
    if one_thread(plan) {
        return Bottleneck::OneThread;
    }
    let total = b.total();
    if total <= 0.0 {
        return Bottleneck::None;
    }
    if plan.predicted_serial_s < b.startup_s * INSUFFICIENT_WORK_STARTUPS {
        return Bottleneck::InsufficientWork;
    }
    let shares = [
        (Bottleneck::Startup, b.startup_s),
        (Bottleneck::Dispatch, b.dispatch_s),
        (Bottleneck::Transfer, b.transfer_s),
        (Bottleneck::Imbalance, b.imbalance_s),
    ];
    let (kind, largest) = shares
        .into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .expect("four shares");
    if largest < MINOR_OVERHEAD_SHARE * total {
        Bottleneck::None
    } else if kind == Bottleneck::Imbalance && cv > UNEVEN_CV {
        Bottleneck::Heterogeneous
    } else {
        kind
    }
}

/// What to change, for a bottleneck.
pub fn advice(bottleneck: Bottleneck, plan: &Plan) -> Vec<String> {
    let text = match bottleneck {
        Bottleneck::None => "Overheads are small: the work scales with workers. Larger inputs scale the same way.",
        Bottleneck::InsufficientWork => "The job is shorter than a few parallel start-ups. Batch several jobs together, or give each item more work, before parallelizing.",
        Bottleneck::OneThread => "Only one thread can run the work here, so nothing runs beside it. In a browser, a cross-origin isolated page gets one thread per core.",
        Bottleneck::Startup => "Start-up dominates: keep one pool alive across jobs (warm start) and give it more items per run.",
        Bottleneck::Dispatch => "Handing out chunks dominates: use larger chunks.",
        Bottleneck::Transfer => "Copying dominates: share memory (threads) instead of copying, return less data, or send indices instead of items.",
        // Chunks of one item cannot get smaller: with few items, the last ones leave workers idle.
        Bottleneck::Imbalance if !plan.is_serial() && plan.chunk_size == 1 => "Workers finish unevenly, with chunks of one item already: split each item into smaller ones, or give the job a multiple of the worker count in items.",
        Bottleneck::Imbalance => "Workers finish unevenly: use smaller chunks near the end, or order items so costly ones go first.",
        Bottleneck::Heterogeneous => "Item costs vary widely: smaller chunks let fast workers pick up the slack.",
    };
    let mut out = vec![text.to_string()];
    if plan.is_serial() && bottleneck != Bottleneck::OneThread {
        out.push("Stay serial for this input; re-run the optimizer if the input grows or items get costlier.".into());
    }
    out
}
