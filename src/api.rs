//! The public entry points: optimize, execute, sweep and tune, each plain or `_with` options.
//! Only these wrappers are compiled per item and result type; everything below them is not.

use crate::cancel::CancelToken;
use crate::clock::Stopwatch;
use crate::error::{Error, Result};
use crate::executor::{self, Execution};
use crate::options::{Options, Start, Transfer};
use crate::plan::{self, Plan};
use crate::pool;
use crate::runtime::schedule::RunSpec;
use crate::sample::{Profile, SampleLimits};
use crate::shape::Shape;
use crate::sweep::{SweepOptions, SweepResult};
use crate::tune::{TuneOptions, TuneResult};
use crate::{calibrate, sample};
use serde::de::DeserializeOwned;
use serde::Serialize;

fn check_options(options: &Options) -> Result<()> {
    if options.max_workers == Some(0) {
        return Err(Error::ZeroWorkers);
    }
    if options.cancel.as_ref().is_some_and(|c| c.is_cancelled()) {
        return Err(Error::Cancelled);
    }
    Ok(())
}

/// Samples, calibrates (once per process) and models; `measure` adds transfer costs from the
/// results the sampler kept. Only this wrapper is compiled per item and result type.
fn decide<T: Sync, R: Send, F: Fn(&T) -> R + Sync>(
    items: &[T],
    f: &F,
    options: &Options,
    measure: impl FnOnce(sample::Kept<R>, &mut Profile) -> Result<()>,
) -> Result<Plan> {
    let total = Stopwatch::start();
    let batches = sample::TypedBatches::new(items, f, options.cancel.as_ref());
    let (mut profile, costs, calibrated_now) = calibrate_and_sample(&batches, options)?;
    measure(batches.into_kept(), &mut profile)?;
    Ok(plan_for(profile, costs, calibrated_now, options, total))
}

fn calibrate_and_sample(
    batches: &dyn sample::Batches,
    options: &Options,
) -> Result<(Profile, calibrate::Costs, bool)> {
    if batches.len() == 0 {
        return Err(Error::EmptyInput);
    }
    check_options(options)?;
    let pool = pool::current();
    let (costs, calibrated_now) = calibrate::costs(pool);
    let profile = sample::sample(
        batches,
        SampleLimits {
            budget_s: options.time_budget.as_secs_f64(),
            seed: options.seed,
        },
        pool,
    )?;
    Ok((profile, costs.clone(), calibrated_now))
}

fn plan_for(
    profile: Profile,
    costs: calibrate::Costs,
    calibrated_now: bool,
    options: &Options,
    total: Stopwatch,
) -> Plan {
    let model_watch = Stopwatch::start();
    let calibration_s = if calibrated_now {
        costs.calibration_time_s
    } else {
        0.0
    };
    let mut plan = plan::choose(
        profile,
        costs,
        options.transfer,
        options.start,
        options.max_workers,
    );
    crate::explain::explain(&mut plan);
    plan.decision = plan::DecisionCost {
        sampling_s: plan.profile.as_ref().map_or(0.0, |p| p.sampling_time_s),
        calibration_s,
        model_s: model_watch.elapsed(),
        total_s: total.elapsed(),
    };
    plan
}

/// Recommends how to map `f` over `items` on this machine, with shared (zero-copy) transfer.
///
/// `f` runs on a sample of the items (results are dropped), so it should be free of side
/// effects that matter. The plan says serial when parallelism does not pay.
///
/// ```
/// let items: Vec<u32> = (0..1000).collect();
/// let plan = amorsize::optimize(&items, |x| x * 2).unwrap();
/// // A thousand doublings are far too little work to share out.
/// assert!(plan.is_serial());
/// ```
pub fn optimize<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Result<Plan> {
    decide(items, &f, &Options::default(), |_, _| Ok(()))
}

/// `optimize` with options: worker limit, sampling budget, transfer mode, cold or warm start.
///
/// Copy transfer measures encoding and decoding on the sampled items and results, so items and
/// results must be serde types.
///
/// ```
/// use amorsize::{Options, Transfer};
/// let items: Vec<Vec<f64>> = (0..200).map(|i| vec![i as f64; 512]).collect();
/// let options = Options { transfer: Transfer::Copy, ..Options::default() };
/// let plan = amorsize::optimize_with(&items, |v| v.iter().sum::<f64>(), &options).unwrap();
/// assert!(plan.profile.unwrap().bytes_serialized);
/// ```
pub fn optimize_with<T, R>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    options: &Options,
) -> Result<Plan>
where
    T: Sync + Serialize + DeserializeOwned,
    R: Send + Serialize + DeserializeOwned,
{
    decide(items, &f, options, |kept, profile| {
        sample::measure_transfer(items, kept, profile)
    })
}

fn spec(options: &Options) -> RunSpec<'_> {
    RunSpec {
        pool: pool::current(),
        start: options.start,
        timeline: options.timeline,
        cancel: options.cancel.as_ref(),
    }
}

/// Runs `plan`: exactly `plan.workers` workers pull chunks of `plan.chunk_size` items from one
/// shared counter. Results come back in input order, with a per-chunk timeline.
///
/// ```
/// use amorsize::Plan;
/// let items: Vec<u64> = (0..100).collect();
/// let run = amorsize::execute(&items, |x| x + 1, &Plan::fixed(2, 10)).unwrap();
/// assert_eq!(run.results[99], 100);
/// assert_eq!(run.run.chunks.iter().map(|c| c.count).sum::<usize>(), 100);
/// ```
pub fn execute<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    shape: impl Into<Shape>,
) -> Result<Execution<R>> {
    executor::execute_shared(items, &f, shape.into(), spec(&Options::default()))
}

/// `execute` with options: copy transfer, cold start, cancellation, timeline on or off.
///
/// ```
/// use amorsize::{Options, Plan, Transfer};
/// let items: Vec<u64> = (0..100).collect();
/// let options = Options { transfer: Transfer::Copy, ..Options::default() };
/// let run = amorsize::execute_with(&items, |x| x * 3, &Plan::fixed(2, 16), &options).unwrap();
/// assert_eq!(run.results[10], 30);
/// ```
pub fn execute_with<T, R>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    shape: impl Into<Shape>,
    options: &Options,
) -> Result<Execution<R>>
where
    T: Sync + Serialize + DeserializeOwned,
    R: Send + Serialize + DeserializeOwned,
{
    check_options(options)?;
    executor::execute(items, &f, shape.into(), spec(options), options.transfer)
}

/// Times one warm run of a plan, without its timeline; what sweeps and tunes repeat.
fn shared_runner<'a, T: Sync, R: Send>(
    items: &'a [T],
    f: &'a (impl Fn(&T) -> R + Sync),
) -> impl Fn(&Plan, Option<&CancelToken>) -> Result<f64> + 'a {
    move |plan, cancel| {
        executor::execute_shared(items, f, plan.shape(), bare_spec(cancel)).map(|e| e.run.elapsed_s)
    }
}

/// `shared_runner` for serde items, in either transfer mode.
fn serde_runner<'a, T, R>(
    items: &'a [T],
    f: &'a (impl Fn(&T) -> R + Sync),
    transfer: Transfer,
) -> impl Fn(&Plan, Option<&CancelToken>) -> Result<f64> + 'a
where
    T: Sync + Serialize + DeserializeOwned,
    R: Send + Serialize + DeserializeOwned,
{
    move |plan, cancel| {
        executor::execute(items, f, plan.shape(), bare_spec(cancel), transfer)
            .map(|e| e.run.elapsed_s)
    }
}

fn bare_spec(cancel: Option<&CancelToken>) -> RunSpec<'_> {
    RunSpec {
        pool: pool::current(),
        start: Start::Warm,
        timeline: false,
        cancel,
    }
}

/// Measures every (workers, chunk size) of `options` and serial, `options.repeats` times each,
/// with shared transfer.
///
/// ```
/// use amorsize::SweepOptions;
/// let items: Vec<u64> = (0..2000).collect();
/// let mut grid = SweepOptions::grid(items.len(), 2);
/// grid.repeats = 1;
/// let sweep = amorsize::sweep(&items, |x| x.count_ones(), &grid).unwrap();
/// assert_eq!(sweep.points.len(), grid.workers.len() * grid.chunk_sizes.len());
/// ```
pub fn sweep<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    options: &SweepOptions<'_>,
) -> Result<SweepResult> {
    let pool = pool::current();
    let run = shared_runner(items, &f);
    crate::sweep::run_sweep(items.len(), pool.threads(), &run, options)
}

/// `sweep` honouring `options.transfer` (copy needs serde items and results).
pub fn sweep_with<T, R>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    options: &SweepOptions<'_>,
) -> Result<SweepResult>
where
    T: Sync + Serialize + DeserializeOwned,
    R: Send + Serialize + DeserializeOwned,
{
    let pool = pool::current();
    let run = serde_runner(items, &f, options.transfer);
    crate::sweep::run_sweep(items.len(), pool.threads(), &run, options)
}

/// Finds the fastest (workers, chunk size) by successive halving over the model's best
/// candidates, in far fewer runs than a full sweep.
///
/// ```
/// let items: Vec<u64> = (0..5000).collect();
/// let tuned = amorsize::tune(&items, |x| x.pow(3) % 7, &Default::default()).unwrap();
/// assert!(tuned.runs < 40);
/// ```
pub fn tune<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    options: &TuneOptions<'_>,
) -> Result<TuneResult> {
    let plan = decide(items, &f, &Options::default(), |_, _| Ok(()))?;
    let run = shared_runner(items, &f);
    crate::tune::run_tune(items.len(), &plan, &run, options)
}

/// `tune` for a plan from `optimize_with`, honouring its transfer mode.
pub fn tune_with<T, R>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    plan: &Plan,
    options: &TuneOptions<'_>,
) -> Result<TuneResult>
where
    T: Sync + Serialize + DeserializeOwned,
    R: Send + Serialize + DeserializeOwned,
{
    if items.is_empty() {
        return Err(Error::EmptyInput);
    }
    let run = serde_runner(items, &f, plan.transfer);
    crate::tune::run_tune(items.len(), plan, &run, options)
}
