//! The public entry points: optimize, execute, sweep and tune, each in three forms: plain,
//! `_with` options, and `_copied` (copy transfer, for serde items and results). Only these
//! wrappers are compiled per item and result type; everything below them is not.

use crate::cancel::CancelToken;
use crate::clock::Stopwatch;
use crate::error::{Error, Result};
use crate::executor::{self, Execution};
use crate::options::{Options, Start, Transfer};
use crate::plan::{self, Plan};
use crate::pool;
use crate::runtime::schedule::RunSettings;
use crate::sample::{Profile, SampleLimits};
use crate::shape::Shape;
use crate::sweep::{Grid, SweepResult};
use crate::tune::TuneResult;
use crate::{calibrate, sample, trial};
use serde::de::DeserializeOwned;
use serde::Serialize;

fn check_options(options: &Options<'_>) -> Result<()> {
    if options.max_workers == Some(0) {
        return Err(Error::ZeroWorkers);
    }
    if options.cancel.as_ref().is_some_and(|c| c.is_cancelled()) {
        return Err(Error::Cancelled);
    }
    Ok(())
}

/// Samples, calibrates (once per process), models and explains; `measure_transfer` adds copy
/// costs from the results the sampler kept. Only this wrapper is compiled per item and result
/// type.
fn optimize_sampled<T: Sync, R: Send, F: Fn(&T) -> R + Sync>(
    items: &[T],
    f: &F,
    options: &Options<'_>,
    transfer: Transfer,
    measure_transfer: impl FnOnce(sample::SampledResults<R>, &mut Profile) -> Result<()>,
    run_once: &mut dyn FnMut(Shape) -> Result<f64>,
) -> Result<Plan> {
    let total = Stopwatch::start();
    let batches = sample::TypedBatches::new(items, f, options.cancel.as_ref());
    let (mut profile, costs, calibrated_now) = calibrate_and_sample(&batches, options)?;
    measure_transfer(batches.into_sampled_results(), &mut profile)?;
    let pool = pool::current();
    let costs = if pool.threads_starved() {
        costs.with_threads_starved(&calibrate::calibrated(pool))
    } else {
        costs.after_wake(total.elapsed())
    };
    let model_watch = Stopwatch::start();
    let mut plan =
        plan::optimize_profile(profile, costs, transfer, options.start, options.max_workers);
    let mut trial_s = 0.0;
    if let Some(candidate) = plan.trial_candidate() {
        let trial_watch = Stopwatch::start();
        let mut in_a_spell = || calibrate::CapacityProbe::new().in_a_spell(pool);
        if let Some(trial) = trial::run(
            plan.predicted_serial_s,
            &candidate,
            run_once,
            &mut in_a_spell,
        )? {
            plan = plan.decided_by(trial);
        }
        trial_s = trial_watch.elapsed();
    }
    crate::explain::explain(&mut plan);
    plan.decision = plan::DecisionCost {
        sampling_s: plan.profile.as_ref().map_or(0.0, |p| p.sampling_time_s),
        calibration_s: match &plan.costs {
            Some(costs) if calibrated_now => costs.calibration_time_s,
            _ => 0.0,
        },
        model_s: model_watch.elapsed() - trial_s,
        trial_s,
        total_s: total.elapsed(),
    };
    Ok(plan)
}

fn calibrate_and_sample(
    batches: &dyn sample::Batches,
    options: &Options<'_>,
) -> Result<(Profile, calibrate::Costs, bool)> {
    if batches.len() == 0 {
        return Err(Error::EmptyInput);
    }
    check_options(options)?;
    let pool = pool::current();
    // The run that follows the decision then finds its threads awake (`Costs::after_wake`).
    pool.wake_ahead();
    let (costs, calibrated_now) = calibrate::costs(pool);
    let profile = sample::sample(
        batches,
        SampleLimits {
            budget_s: options.time_budget.as_secs_f64(),
            seed: options.seed,
        },
        pool,
    )?;
    Ok((profile, costs, calibrated_now))
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
    optimize_with(items, f, &Options::default())
}

/// `optimize` with options: worker limit, sampling budget, cold or warm start, cancel, seed.
///
/// ```
/// use amorsize::Options;
/// let items: Vec<u64> = (0..5000).collect();
/// let options = Options { max_workers: Some(2), ..Options::default() };
/// let plan = amorsize::optimize_with(&items, |x| x.pow(3) % 7, &options).unwrap();
/// assert!(plan.shape().workers() <= 2);
/// ```
pub fn optimize_with<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    options: &Options<'_>,
) -> Result<Plan> {
    let run = shared_runner(items, &f);
    let mut run_once = |shape| run(&Plan::of_shape(shape), options.cancel.as_ref());
    optimize_sampled(
        items,
        &f,
        options,
        Transfer::Shared,
        |_, _| Ok(()),
        &mut run_once,
    )
}

/// `optimize_with` for copy transfer: each chunk's items and results are serialized both
/// ways, as a process pool or `postMessage` must. It times encoding and decoding on the
/// sampled items and results, so both must be serde types.
///
/// ```
/// let items: Vec<Vec<f64>> = (0..200).map(|i| vec![i as f64; 512]).collect();
/// let options = amorsize::Options::default();
/// let plan = amorsize::optimize_copied(&items, |v| v.iter().sum::<f64>(), &options).unwrap();
/// assert_eq!(plan.transfer, amorsize::Transfer::Copy);
/// assert!(plan.profile.unwrap().bytes_serialized);
/// ```
pub fn optimize_copied<T, R>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    options: &Options<'_>,
) -> Result<Plan>
where
    T: Sync + Serialize + DeserializeOwned,
    R: Send + Serialize + DeserializeOwned,
{
    optimize_in(items, f, options, Transfer::Copy)
}

/// `optimize_with` or `optimize_copied` as `transfer` says, for callers that choose at run
/// time (the playground); one instantiation per item type serves both.
pub(crate) fn optimize_in<T, R>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    options: &Options<'_>,
    transfer: Transfer,
) -> Result<Plan>
where
    T: Sync + Serialize + DeserializeOwned,
    R: Send + Serialize + DeserializeOwned,
{
    let run = serde_runner(items, &f, transfer);
    let mut run_once = |shape| run(&Plan::of_shape(shape), options.cancel.as_ref());
    optimize_sampled(
        items,
        &f,
        options,
        transfer,
        |kept, profile| match transfer {
            Transfer::Copy => sample::measure_transfer(items, kept, profile),
            Transfer::Shared => Ok(()),
        },
        &mut run_once,
    )
}

/// What an execution needs besides items, function and shape.
fn run_settings<'a>(options: &'a Options<'_>) -> RunSettings<'a> {
    RunSettings {
        pool: pool::current(),
        start: options.start,
        timeline: options.timeline,
        cancel: options.cancel.as_ref(),
    }
}

/// Runs `shape` (a `Shape`, or a `&Plan`): exactly `workers` workers pull chunks of
/// `chunk_size` items from one shared counter. Results come back in input order, with a
/// per-chunk timeline.
///
/// ```
/// use amorsize::Shape;
/// let items: Vec<u64> = (0..100).collect();
/// let run = amorsize::execute(&items, |x| x + 1, Shape::fixed(2, 10)).unwrap();
/// assert_eq!(run.results[99], 100);
/// assert_eq!(run.run.chunks.iter().map(|c| c.count).sum::<usize>(), 100);
/// ```
pub fn execute<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    shape: impl Into<Shape>,
) -> Result<Execution<R>> {
    execute_with(items, f, shape, &Options::default())
}

/// `execute` with options: cold start, cancellation, timeline on or off.
///
/// ```
/// use amorsize::{Options, Shape, Start};
/// let items: Vec<u64> = (0..100).collect();
/// let options = Options { timeline: false, ..Options::default() };
/// let run = amorsize::execute_with(&items, |x| x * 3, Shape::fixed(2, 16), &options).unwrap();
/// assert_eq!(run.results[10], 30);
/// assert!(run.run.chunks.is_empty());
/// ```
pub fn execute_with<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    shape: impl Into<Shape>,
    options: &Options<'_>,
) -> Result<Execution<R>> {
    check_options(options)?;
    executor::execute_shared(items, &f, shape.into(), run_settings(options))
}

/// `execute_with` for copy transfer: each chunk's items are serialized to its worker and its
/// results back, so both must be serde types.
///
/// ```
/// use amorsize::{Options, Shape, Transfer};
/// let items: Vec<u64> = (0..100).collect();
/// let options = Options::default();
/// let run = amorsize::execute_copied(&items, |x| x * 3, Shape::fixed(2, 16), &options).unwrap();
/// assert_eq!(run.results[10], 30);
/// assert_eq!(run.run.transfer, Transfer::Copy);
/// ```
pub fn execute_copied<T, R>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    shape: impl Into<Shape>,
    options: &Options<'_>,
) -> Result<Execution<R>>
where
    T: Sync + Serialize + DeserializeOwned,
    R: Send + Serialize + DeserializeOwned,
{
    execute_in(items, f, shape, options, Transfer::Copy)
}

/// `execute_with` or `execute_copied` as `transfer` says (see `optimize_in`).
pub(crate) fn execute_in<T, R>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    shape: impl Into<Shape>,
    options: &Options<'_>,
    transfer: Transfer,
) -> Result<Execution<R>>
where
    T: Sync + Serialize + DeserializeOwned,
    R: Send + Serialize + DeserializeOwned,
{
    check_options(options)?;
    executor::execute(items, &f, shape.into(), run_settings(options), transfer)
}

/// What each measured run of a sweep or tune needs: warm, no timeline.
fn measuring_run_settings(cancel: Option<&CancelToken>) -> RunSettings<'_> {
    RunSettings {
        pool: pool::current(),
        start: Start::Warm,
        timeline: false,
        cancel,
    }
}

/// Times one run of a plan with shared transfer, as the page and the benchmarks read a run
/// (`clock::steady_run`); what trials, sweeps and tunes repeat.
fn shared_runner<'a, T: Sync, R: Send>(
    items: &'a [T],
    f: &'a (impl Fn(&T) -> R + Sync),
) -> impl Fn(&Plan, Option<&CancelToken>) -> Result<f64> + 'a {
    move |plan, cancel| {
        crate::clock::steady_run(|| {
            executor::execute_shared(items, f, plan.shape(), measuring_run_settings(cancel))
                .map(|e| e.run.elapsed_s)
        })
    }
}

/// `shared_runner` for serde items, with either transfer.
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
        crate::clock::steady_run(|| {
            executor::execute(
                items,
                f,
                plan.shape(),
                measuring_run_settings(cancel),
                transfer,
            )
            .map(|e| e.run.elapsed_s)
        })
    }
}

/// Measures every (workers, chunk size) of `grid`, and serial, `grid.repeats` times each.
///
/// ```
/// use amorsize::Grid;
/// let items: Vec<u64> = (0..2000).collect();
/// let grid = Grid { repeats: 1, ..Grid::default_for(items.len(), 2) };
/// let sweep = amorsize::sweep(&items, |x| x.count_ones(), &grid).unwrap();
/// assert_eq!(sweep.points.len(), grid.workers.len() * grid.chunk_sizes.len());
/// ```
pub fn sweep<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    grid: &Grid,
) -> Result<SweepResult> {
    sweep_with(items, f, grid, &Options::default())
}

/// `sweep` with options: cancel, and progress after each run.
pub fn sweep_with<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    grid: &Grid,
    options: &Options<'_>,
) -> Result<SweepResult> {
    let run = shared_runner(items, &f);
    crate::sweep::run_sweep(items.len(), pool::current().threads(), &run, grid, options)
}

/// `sweep_with` for copy transfer (serde items and results).
pub fn sweep_copied<T, R>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    grid: &Grid,
    options: &Options<'_>,
) -> Result<SweepResult>
where
    T: Sync + Serialize + DeserializeOwned,
    R: Send + Serialize + DeserializeOwned,
{
    sweep_in(items, f, grid, options, Transfer::Copy)
}

/// `sweep_with` or `sweep_copied` as `transfer` says (see `optimize_in`).
pub(crate) fn sweep_in<T, R>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    grid: &Grid,
    options: &Options<'_>,
    transfer: Transfer,
) -> Result<SweepResult>
where
    T: Sync + Serialize + DeserializeOwned,
    R: Send + Serialize + DeserializeOwned,
{
    let run = serde_runner(items, &f, transfer);
    crate::sweep::run_sweep(items.len(), pool::current().threads(), &run, grid, options)
}

/// Finds the fastest (workers, chunk size) by successive halving over the model's best
/// candidates, in far fewer runs than a full sweep: it optimizes first, then measures.
///
/// ```
/// let items: Vec<u64> = (0..5000).collect();
/// let tuned = amorsize::tune(&items, |x| x.pow(3) % 7).unwrap();
/// assert!(tuned.runs < 40);
/// ```
pub fn tune<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Result<TuneResult> {
    tune_with(items, f, &Options::default())
}

/// `tune` with options: those of `optimize_with`, and progress after each run.
pub fn tune_with<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    options: &Options<'_>,
) -> Result<TuneResult> {
    let plan = optimize_with(items, &f, options)?;
    tune_around(items, f, &plan, options)
}

/// `tune_with` for copy transfer (serde items and results).
pub fn tune_copied<T, R>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    options: &Options<'_>,
) -> Result<TuneResult>
where
    T: Sync + Serialize + DeserializeOwned,
    R: Send + Serialize + DeserializeOwned,
{
    let plan = optimize_copied(items, &f, options)?;
    tune_around_in(items, f, &plan, options, Transfer::Copy)
}

/// `tune_with` around a plan already optimized with the same options, which it does not
/// sample again (the playground shows the plan beside the tuning).
pub(crate) fn tune_around<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    plan: &Plan,
    options: &Options<'_>,
) -> Result<TuneResult> {
    check_options(options)?;
    if items.is_empty() {
        return Err(Error::EmptyInput);
    }
    let run = shared_runner(items, &f);
    crate::tune::run_tune(items.len(), plan, &run, options)
}

/// `tune_around` with either transfer (see `optimize_in`).
pub(crate) fn tune_around_in<T, R>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    plan: &Plan,
    options: &Options<'_>,
    transfer: Transfer,
) -> Result<TuneResult>
where
    T: Sync + Serialize + DeserializeOwned,
    R: Send + Serialize + DeserializeOwned,
{
    check_options(options)?;
    if items.is_empty() {
        return Err(Error::EmptyInput);
    }
    let run = serde_runner(items, &f, transfer);
    crate::tune::run_tune(items.len(), plan, &run, options)
}
