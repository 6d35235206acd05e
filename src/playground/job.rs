//! A catalog workload with its items built, behind one object-safe interface, so that the CLI,
//! the benchmark and the browser can drive any workload by name.

use crate::clock::Stopwatch;
use crate::error::{Error, Result};
use crate::executor::RunSummary;
use crate::memory::{Estimate, Footprint};
use crate::options::{Options, Transfer};
use crate::plan::Plan;
use crate::playground::catalog::{with_workload, WorkloadVisitor};
use crate::script::Value;
use crate::sweep::{Grid, Measurement, SweepResult};
use crate::tune::TuneResult;
use crate::workload::{Params, Workload, WorkloadInfo};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A warm-up round (one serial and one parallel run of a prefix) grows to about this long.
const WARM_UP_ROUND_S: f64 = 0.004;

/// Most items a prepared job may hold; beyond it the items alone would not fit in memory here.
pub const MAX_ITEMS: usize = 100_000_000;

/// The first items of a job and what its function made of them.
#[derive(Clone, Debug, Serialize)]
pub struct Preview {
    pub items: Vec<Value>,
    pub results: Vec<Value>,
}

/// A prepared job, moving items and results as `transferring` says (shared memory unless told).
pub trait Job: Send + Sync {
    fn info(&self) -> &WorkloadInfo;
    fn items(&self) -> usize;
    /// The same job and items, moved to and from workers by `transfer`.
    fn transferring(&self, transfer: Transfer) -> Box<dyn Job + '_>;
    /// Runs `plan` over the first `len` items (all of them if there are fewer).
    fn execute_prefix(&self, len: usize, plan: &Plan, options: &Options) -> Result<RunSummary>;
    /// Recommends a plan for the first `len` items.
    fn optimize_prefix(&self, len: usize, options: &Options) -> Result<Plan>;
    fn sweep(&self, grid: &Grid, options: &Options) -> Result<SweepResult>;
    /// Tunes around `plan`, optimized with `options` before.
    fn tune(&self, plan: &Plan, options: &Options) -> Result<TuneResult>;
    /// One run of the map shared out as rayon's `par_iter().map(f).collect()` does, on rayon's
    /// global pool; returns the seconds it took.
    fn run_rayon_default(&self) -> Result<f64>;
    /// The first `count` items and their results, for jobs whose values a person wrote (a
    /// user's own function); catalog workloads have none to show.
    fn preview(&self, _count: usize) -> Result<Option<Preview>> {
        Ok(None)
    }
}

// Built on the trait's methods, so that they are compiled once rather than per workload.
impl<'a> dyn Job + 'a {
    pub fn optimize(&self, options: &Options) -> Result<Plan> {
        self.optimize_prefix(self.items(), options)
    }

    pub fn execute(&self, plan: &Plan, options: &Options) -> Result<RunSummary> {
        self.execute_prefix(self.items(), plan, options)
    }

    /// Runs `plan` over the first `len` items; returns the seconds it took.
    pub fn run_prefix(&self, len: usize, plan: &Plan, options: &Options) -> Result<f64> {
        self.execute_prefix(len, plan, options)
            .map(|run| run.elapsed_s)
    }

    /// Reads `plan`'s time `repeats` times without a timeline (each a `clock::steady_run`).
    pub fn measure(&self, plan: &Plan, repeats: usize, options: &Options) -> Result<Measurement> {
        let options = Options {
            timeline: false,
            ..options.clone()
        };
        let runs = (0..repeats.max(1))
            .map(|_| crate::clock::steady_run(|| self.run_prefix(self.items(), plan, &options)))
            .collect::<Result<Vec<f64>>>()?;
        Ok(Measurement::from_runs(runs))
    }

    /// Reads each of `plans` `repeats` times, taking them in turn (one reading of each per
    /// round), so that a burst of load on the machine falls on every plan alike rather than on
    /// whichever was being timed: a comparison's speedup is a ratio of these. `read` hears of
    /// each reading: how many are done, and of which plan.
    ///
    /// Plans that run alike share their readings: a serial recommendation timed against serial
    /// is 1.00x by definition, not the ratio of two noisy readings of the same loop.
    pub fn measure_in_turn(
        &self,
        plans: &[&Plan],
        repeats: usize,
        options: &Options,
        read: &mut dyn FnMut(usize, &Plan),
    ) -> Result<Vec<Measurement>> {
        let first_of_shape: Vec<usize> = plans
            .iter()
            .enumerate()
            .map(|(i, plan)| {
                plans[..i]
                    .iter()
                    .position(|earlier| earlier.shape().same_on(&plan.shape(), self.items()))
                    .unwrap_or(i)
            })
            .collect();
        let mut runs: Vec<Vec<f64>> = vec![Vec::with_capacity(repeats.max(1)); plans.len()];
        let mut done = 0;
        let capacity = crate::calibrate::CapacityProbe::new();
        for _ in 0..repeats.max(1) {
            capacity.until_quiet(crate::pool::current())?;
            for (i, plan) in plans.iter().enumerate() {
                let reading = match first_of_shape[i] {
                    first if first < i => *runs[first].last().expect("read earlier this round"),
                    _ => self.measure(plan, 1, options)?.median_s,
                };
                runs[i].push(reading);
                done += 1;
                read(done, plan);
            }
        }
        Ok(runs.into_iter().map(Measurement::from_runs).collect())
    }

    /// `run_rayon_default`, `repeats` times.
    pub fn rayon_default(&self, repeats: usize) -> Result<Measurement> {
        let runs = (0..repeats.max(1))
            .map(|_| crate::clock::steady_run(|| self.run_rayon_default()))
            .collect::<Result<Vec<f64>>>()?;
        Ok(Measurement::from_runs(runs))
    }

    /// Runs the function serially and on every pool thread for about `seconds`, so that a JIT
    /// (the browser's) has swapped in optimized code before anything is measured.
    pub fn warm_up(&self, seconds: f64) -> Result<()> {
        let watch = Stopwatch::start();
        let threads = crate::pool::current().threads();
        let options = Options {
            timeline: false,
            ..Options::default()
        };
        // The sampler's and the probes' copies of the function need optimizing too.
        let quick = Options {
            time_budget: std::time::Duration::from_millis(2),
            ..options.clone()
        };
        let mut len = 1usize;
        while watch.elapsed() < seconds {
            let len_now = len.min(self.items());
            let round = Stopwatch::start();
            self.run_prefix(len_now, &Plan::serial(), &options)?;
            // An item that alone outlasts the warm-up ran long enough to warm itself: the
            // round's other two runs of it would cost twice as long again (the Lab's 1 s items
            // took 3 s of warm-up before a decision of 1 s).
            if watch.elapsed() >= seconds {
                break;
            }
            let chunk = len_now.div_ceil(threads).max(1);
            self.run_prefix(len_now, &Plan::fixed(threads, chunk), &options)?;
            self.optimize_prefix(len_now, &quick)?;
            if round.elapsed() < WARM_UP_ROUND_S && len < self.items() {
                len *= 2;
            }
        }
        Ok(())
    }
}

struct Prepared<W: Workload> {
    workload: W,
    info: WorkloadInfo,
    items: Vec<W::Item>,
}

impl<W: Workload> Mapped for Prepared<W> {
    type Item = W::Item;
    type Output = W::Output;

    fn info(&self) -> &WorkloadInfo {
        &self.info
    }

    fn all(&self) -> &[W::Item] {
        &self.items
    }

    fn map(&self, item: &W::Item) -> W::Output {
        self.workload.run(item)
    }
}

/// A job's items and per-item function, typed: what `Transferring` runs through the engine.
/// Catalog workloads and a visitor's own function each implement it once, and are jobs by it.
pub(crate) trait Mapped: Send + Sync {
    type Item: Sync + Serialize + DeserializeOwned;
    type Output: Send + Serialize + DeserializeOwned;
    fn info(&self) -> &WorkloadInfo;
    fn all(&self) -> &[Self::Item];
    fn map(&self, item: &Self::Item) -> Self::Output;
    /// Runs `op`; a job whose function records failures reports them over `op`'s result.
    fn guarded<T>(&self, op: impl FnOnce() -> Result<T>) -> Result<T> {
        op()
    }
    fn preview(&self, _count: usize) -> Result<Option<Preview>> {
        Ok(None)
    }
}

impl<M: Mapped> Job for M {
    fn info(&self) -> &WorkloadInfo {
        Mapped::info(self)
    }

    fn items(&self) -> usize {
        self.all().len()
    }

    fn transferring(&self, transfer: Transfer) -> Box<dyn Job + '_> {
        Box::new(Transferring {
            job: self,
            transfer,
        })
    }

    fn execute_prefix(&self, len: usize, plan: &Plan, options: &Options) -> Result<RunSummary> {
        shared(self).execute_prefix(len, plan, options)
    }

    fn optimize_prefix(&self, len: usize, options: &Options) -> Result<Plan> {
        shared(self).optimize_prefix(len, options)
    }

    fn sweep(&self, grid: &Grid, options: &Options) -> Result<SweepResult> {
        shared(self).sweep(grid, options)
    }

    fn tune(&self, plan: &Plan, options: &Options) -> Result<TuneResult> {
        shared(self).tune(plan, options)
    }

    fn run_rayon_default(&self) -> Result<f64> {
        shared(self).run_rayon_default()
    }

    fn preview(&self, count: usize) -> Result<Option<Preview>> {
        Mapped::preview(self, count)
    }
}

fn shared<M: Mapped>(job: &M) -> Transferring<'_, M> {
    Transferring {
        job,
        transfer: Transfer::Shared,
    }
}

/// A job with a transfer mode, run through the engine's serde forms, which take the mode at
/// run time: one instantiation per job type serves both modes (it keeps the wasm small).
struct Transferring<'a, M: Mapped> {
    job: &'a M,
    transfer: Transfer,
}

impl<M: Mapped> Transferring<'_, M> {
    /// The per-item function. One closure type for every call below, so that the engine is
    /// compiled once per job type rather than once per call site (it keeps the wasm small).
    fn f(&self) -> impl Fn(&M::Item) -> M::Output + Sync + '_ {
        move |x| self.job.map(x)
    }

    /// The first `len` items (all of them if there are fewer).
    fn prefix(&self, len: usize) -> &[M::Item] {
        let all = self.job.all();
        &all[..len.min(all.len())]
    }
}

impl<M: Mapped> Job for Transferring<'_, M> {
    fn info(&self) -> &WorkloadInfo {
        Mapped::info(self.job)
    }

    fn items(&self) -> usize {
        self.job.all().len()
    }

    fn transferring(&self, transfer: Transfer) -> Box<dyn Job + '_> {
        self.job.transferring(transfer)
    }

    fn execute_prefix(&self, len: usize, plan: &Plan, options: &Options) -> Result<RunSummary> {
        let (items, f) = (self.prefix(len), self.f());
        self.job.guarded(|| {
            crate::api::execute_in(items, f, plan, options, self.transfer).map(|e| e.run)
        })
    }

    fn optimize_prefix(&self, len: usize, options: &Options) -> Result<Plan> {
        let (items, f) = (self.prefix(len), self.f());
        self.job
            .guarded(|| crate::api::optimize_in(items, f, options, self.transfer))
    }

    fn sweep(&self, grid: &Grid, options: &Options) -> Result<SweepResult> {
        let (items, f) = (self.job.all(), self.f());
        self.job
            .guarded(|| crate::api::sweep_in(items, f, grid, options, self.transfer))
    }

    fn tune(&self, plan: &Plan, options: &Options) -> Result<TuneResult> {
        let (items, f) = (self.job.all(), self.f());
        self.job
            .guarded(|| crate::api::tune_around_in(items, f, plan, options, self.transfer))
    }

    fn run_rayon_default(&self) -> Result<f64> {
        self.job.guarded(|| {
            let watch = crate::clock::Stopwatch::start();
            let results = crate::playground::baseline::map_rayon(self.job.all(), &self.f())?;
            let elapsed = watch.elapsed();
            drop(results);
            Ok(elapsed)
        })
    }

    fn preview(&self, count: usize) -> Result<Option<Preview>> {
        Mapped::preview(self.job, count)
    }
}

struct Preparer {
    items: Option<usize>,
}

impl WorkloadVisitor for Preparer {
    type Output = Result<Box<dyn Job>>;

    fn visit<W: Workload>(self, workload: W) -> Self::Output {
        let info = workload.info();
        let n = self.items.unwrap_or(info.default_n);
        check_items(n)?;
        // Refused before a byte is allocated: in wasm a failed allocation traps the engine.
        Estimate::of(workload.footprint(), n, Transfer::Shared, false).check()?;
        let items = workload.items(n);
        crate::trap::register_items(&items);
        Ok(Box::new(Prepared {
            workload,
            info,
            items,
        }))
    }
}

fn check_items(n: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::EmptyInput);
    }
    if n > MAX_ITEMS {
        return Err(Error::InvalidParameter {
            name: "n".into(),
            message: format!("{n} items is more than the {MAX_ITEMS} this engine accepts"),
        });
    }
    Ok(())
}

/// What a job of catalog workload `name` with `params` and `n` items (default: its own) holds
/// per item, and how many items it has, without building the items.
pub fn footprint(name: &str, params: &Params, n: Option<usize>) -> Result<(Footprint, usize)> {
    struct Measure(Option<usize>);
    impl WorkloadVisitor for Measure {
        type Output = Result<(Footprint, usize)>;
        fn visit<W: Workload>(self, workload: W) -> Self::Output {
            let n = self.0.unwrap_or_else(|| workload.info().default_n);
            check_items(n)?;
            Ok((workload.footprint(), n))
        }
    }
    with_workload(name, params, Measure(n))?
}

/// Builds catalog workload `name` with `params` and its first `n` items (default: its own n).
pub fn prepare(name: &str, params: &Params, n: Option<usize>) -> Result<Box<dyn Job>> {
    with_workload(name, params, Preparer { items: n })?
}
