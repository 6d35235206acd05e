//! The request service: one place where a request (plain serde data) becomes engine calls and a
//! response (plain serde data). The browser's wasm glue (`src/web/`) and the CLI both call it;
//! neither decodes a job, a shape or a grid of its own.
//!
//! # Protocol
//!
//! A request is one JSON object; `kind` says what to do.
//!
//! ```text
//! {kind, job?: JobSpec, shape?, workers?, chunk_sizes?, max_workers?, axis?, values?,
//!  repeats? (default 3, at most 100), hardware_concurrency?, device_memory_gb?, rows?,
//!  small_rows?, allow_long? (default false), threads?}
//!
//! JobSpec = {workload, params?: {name: number|string}, n?, transfer?: "shared"|"copy",
//!            start?: "warm"|"cold", max_workers?, budget_ms?}
//!         | {fn: "x => ...", items?: "i => ..." | [item, ...], n?, transfer?, ...}
//! shape   = {type: "serial"|"fixed"|"recommended", workers?, chunk_size?}   (fixed needs both)
//! axis    = {kind: "items"} | {kind: "param", name}
//! ```
//!
//! | kind           | needs                  | response                                   |
//! |----------------|------------------------|--------------------------------------------|
//! | `optimize`     | job                    | `[plan, report]`                           |
//! | `execute`      | job, shape             | `{plan, run, steady_s, report, preview}` (`steady_s`: a run under 1 ms, read back to back) |
//! | `sweep`        | job (workers, chunk_sizes: default grid) | `[plan, sweep]`          |
//! | `tune`         | job                    | `[plan, tuned]`                            |
//! | `compare`      | job                    | `Comparison` (`best`, `blind_plan`, `measured_plan`) with `verdicts` |
//! | `worker_curve` | job (max_workers: pool size) | `WorkerCurve`                        |
//! | `scaling`      | job, axis, values      | `[ScalingPoint]`                           |
//! | `bench`        | job                    | `BenchRow`                                 |
//! | `bench_summary`| rows: `[BenchRow]`     | `BenchSummary`                             |
//! | `bench_small`  | job                    | `SmallRow` (serial, recommended, small sweep's best; 7 runs each) |
//! | `bench_small_jobs` | -                  | `[SmallJob]` (`{workload, cost_us, n}`: the small-job grid) |
//! | `bench_small_summary` | small_rows: `[SmallRow]` | `SmallSummary`                     |
//! | `catalog`      | -                      | `[WorkloadInfo]`                           |
//! | `info`         | -                      | `{threaded, threads, cores, costs}`        |
//! | `policy`       | hardware_concurrency?, device_memory_gb? | `Policy` (pool size, thresholds) |
//! | `sweep_grid`   | job                    | `{workers, chunk_sizes, repeats}`          |
//! | `verdict`      | values: speedups       | `[Verdict]`                                |
//!
//! Errors come back as `{kind, message}`, `kind` being the engine's error kind
//! (`invalid_parameter`, `unknown_workload`, `zero_workers`, `cancelled`, `too_big`,
//! `too_long`, ...). A request that does not decode (unknown kind, an unknown field, a field of
//! the wrong type, a missing field) is an `invalid_parameter` error naming `request`; serde's
//! message names the field and, for an unknown one, the valid ones. An unknown workload
//! parameter names itself and the workload's parameters; numbers must be finite and in range
//! (`repeats` 1..=100, `job.budget_ms` in (0, 60000], `threads` 1..=64, ...).
//!
//! **Memory.** Before a job's items are built (and before each run on them), its memory is
//! estimated (items, results, copy transfer's copies, the sampler's results) and checked
//! against what is left under the limit: the wasm build's maximum memory (`memory::WASM_MAX_MEMORY`)
//! less what is allocated, in the browser; `AMORSIZE_MAX_MEMORY` (bytes, default 8 GiB)
//! natively. A job that does not fit is refused with `too_big`, its estimate and the limit in
//! the message; `info` reports `memory_limit` and `memory_in_use`.
//!
//! **Long jobs.** `execute`, `sweep`, `tune`, `compare` and `worker_curve` are refused with
//! `too_long` (the prediction and the limit in the message) when the model predicts they run
//! past `policy::LONG_JOB_S` (one minute), unless the request says `allow_long: true`. For
//! `execute` of a fixed or serial shape, `compare` and `worker_curve`, the prediction costs one
//! `optimize` first (tens of milliseconds); `allow_long: true` skips it. `scaling` and `bench`
//! are not checked.
//!
//! `policy` with `threads` checks a pool size the visitor asked for (`?threads=N`) and answers
//! it as `pool_threads`.
//!
//! A job with `fn` runs the caller's own function (see [`function_job`]) on the platform's
//! script engine: `items` is an expression of the index `i` (default `i => i`, `n` items,
//! default 1000) or the items themselves. Its failures are `script` errors, which add
//! `problem` (`syntax`, `shape`, `threw`, `not_serializable`, `too_large`, `unavailable`),
//! `role` (`fn` or `items`) and, when known, `index`, `line` and `column`. Natively no script
//! engine is installed, so such a job is refused with problem `unavailable`. An `execute` on
//! it answers with `preview`: its first items and their results (`null` for catalog jobs).
//!
//! Serial is spelled one way: `serial: true` with one worker and one chunk of every item on
//! runs, tune candidates, bench shapes and progress; plans say `strategy: "serial"` and their
//! `chunk_size` is `null`. Speedups come with verdicts (`{speedup, class: "faster" | "no_gain" |
//! "slower", short, label, doubt?}`) where the page prints them; `doubt` says why a comparison's
//! speedup should not be taken at its word: above what its busy workers can give, or a
//! parallel run slower than serial far under its prediction (`policy::run_verdict`). A serial
//! recommendation is the serial run (speedup 1), and `best` is the fastest run shown. Reports
//! are `sections` to render.
//!
//! Progress arrives as `{done, total, serial, workers, chunk_size}` between runs. A request is cancelled
//! through [`Service::cancel_token`]; each request starts with the token reset.

use crate::calibrate::{self, Costs};
use crate::cancel::CancelToken;
use crate::clock;
use crate::error::{Error, Result};
use crate::executor::RunSummary;
use crate::memory::{self, Estimate};
use crate::model::Model;
use crate::options::{Options, Start, Transfer};
use crate::plan::Plan;
use crate::playground::benchmark::{
    bench_job, bench_small_job, small_jobs, summarize, summarize_small, BenchRow, BenchSummary,
    SmallJob, SmallRow, SmallSummary,
};
use crate::playground::catalog::{catalog, describe};
use crate::playground::function_job::{self, FunctionSpec, ItemsSpec};
use crate::playground::job::{self, prepare, Job, Preview};
use crate::playground::policy::{self, Policy, SweepGrid, Verdict};
use crate::playground::study::{self, Axis, Comparison, ScalingPoint, StudyControl, WorkerCurve};
use crate::pool;
use crate::report::Report;
use crate::script::{Problem, ScriptError};
use crate::sweep::{Grid, Progress, SweepResult};
use crate::tune::TuneResult;
use crate::workload::{ParamValue, Params, WorkloadInfo};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// Which workload, how many items, and how to transfer and start.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobSpec {
    /// A catalog workload, or empty when `function` is given.
    #[serde(default)]
    pub workload: String,
    /// A caller's own function (`{fn, items, n}` in place of `{workload, params, n}`).
    #[serde(default, rename = "fn", skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// The function's items: an expression of the index, or the items themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<ItemsSpec>,
    #[serde(default)]
    pub params: Params,
    #[serde(default)]
    pub n: Option<usize>,
    #[serde(default)]
    pub transfer: Transfer,
    #[serde(default)]
    pub start: Start,
    #[serde(default)]
    pub max_workers: Option<usize>,
    /// Most milliseconds the sampler may spend (default: the engine's budget).
    #[serde(default)]
    pub budget_ms: Option<f64>,
}

impl JobSpec {
    /// The catalog workload `name` with its default parameters and size.
    pub fn named(name: &str) -> Self {
        Self {
            workload: name.into(),
            ..Self::default()
        }
    }

    /// This spec, if it names a catalog workload: a request of `kind` needs one.
    fn catalog_only(&self, kind: Kind) -> Result<&Self> {
        match self.function {
            None => Ok(self),
            Some(_) => Err(Error::InvalidParameter {
                name: "job.fn".into(),
                message: format!(
                    "a `{}` request runs catalog workloads only, not your own function",
                    kind.name()
                ),
            }),
        }
    }

    /// Builds the catalog workload, or the caller's own function (its memory checked against
    /// `memory_limit`, as a catalog job's is before it is built).
    fn prepare(&self, memory_limit: u64) -> Result<Box<dyn Job>> {
        match &self.function {
            Some(source) => Ok(Box::new(function_job::prepare_within(
                crate::script::current().map_err(Error::Script)?,
                &FunctionSpec {
                    source: source.clone(),
                    items: self.items.clone().unwrap_or_default(),
                    n: self.n,
                },
                memory_limit,
            )?)),
            None => prepare(&self.workload, &self.params, self.n),
        }
    }

    fn options(&self, cancel: &CancelToken) -> Options<'static> {
        Options {
            max_workers: self.max_workers,
            time_budget: self
                .budget_ms
                .filter(|ms| ms.is_finite() && *ms > 0.0)
                .map_or(Options::default().time_budget, |ms| {
                    Duration::from_secs_f64(ms / 1000.0)
                }),
            start: self.start,
            cancel: Some(cancel.clone()),
            ..Options::default()
        }
    }
}

/// What an `execute` request runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShapeKind {
    Serial,
    Fixed,
    Recommended,
}

/// `{type, workers?, chunk_size?}`. Flat rather than a tagged enum: serde decodes tagged and
/// untagged enums through a buffered copy of the input, which costs tens of KiB of wasm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShapeSpec {
    #[serde(rename = "type")]
    pub kind: ShapeKind,
    #[serde(default)]
    pub workers: Option<usize>,
    #[serde(default)]
    pub chunk_size: Option<usize>,
}

impl ShapeSpec {
    pub fn serial() -> Self {
        Self {
            kind: ShapeKind::Serial,
            workers: None,
            chunk_size: None,
        }
    }

    pub fn fixed(workers: usize, chunk_size: usize) -> Self {
        Self {
            kind: ShapeKind::Fixed,
            workers: Some(workers),
            chunk_size: Some(chunk_size),
        }
    }

    pub fn recommended() -> Self {
        Self {
            kind: ShapeKind::Recommended,
            workers: None,
            chunk_size: None,
        }
    }

    fn plan(&self, job: &dyn Job, options: &Options) -> Result<Plan> {
        Ok(match self.kind {
            ShapeKind::Serial => Plan::serial(),
            ShapeKind::Fixed => Plan::fixed(
                self.workers
                    .ok_or_else(|| missing("shape.workers", "execute"))?,
                self.chunk_size
                    .ok_or_else(|| missing("shape.chunk_size", "execute"))?,
            ),
            ShapeKind::Recommended => job.optimize(options)?,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AxisKind {
    Items,
    Param,
}

/// `{kind: "items"}` or `{kind: "param", name}`, flat for the reason `ShapeSpec` is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AxisSpec {
    pub kind: AxisKind,
    #[serde(default)]
    pub name: Option<String>,
}

impl AxisSpec {
    fn axis(&self) -> Result<Axis> {
        Ok(match self.kind {
            AxisKind::Items => Axis::Items,
            AxisKind::Param => Axis::Param {
                name: self
                    .name
                    .clone()
                    .ok_or_else(|| missing("axis.name", "scaling"))?,
            },
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Optimize,
    Execute,
    Sweep,
    Tune,
    Compare,
    WorkerCurve,
    Scaling,
    Bench,
    BenchSummary,
    BenchSmall,
    BenchSmallSummary,
    BenchSmallJobs,
    Catalog,
    Info,
    Policy,
    SweepGrid,
    Verdict,
    /// The workload's catalog entry with the job's parameters: text that follows the values.
    Describe,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Optimize => "optimize",
            Kind::Execute => "execute",
            Kind::Sweep => "sweep",
            Kind::Tune => "tune",
            Kind::Compare => "compare",
            Kind::WorkerCurve => "worker_curve",
            Kind::Scaling => "scaling",
            Kind::Bench => "bench",
            Kind::BenchSummary => "bench_summary",
            Kind::BenchSmall => "bench_small",
            Kind::BenchSmallSummary => "bench_small_summary",
            Kind::BenchSmallJobs => "bench_small_jobs",
            Kind::Catalog => "catalog",
            Kind::Info => "info",
            Kind::Policy => "policy",
            Kind::SweepGrid => "sweep_grid",
            Kind::Verdict => "verdict",
            Kind::Describe => "describe",
        }
    }
}

fn three() -> usize {
    policy::DEFAULT_REPEATS
}

/// One request: `kind` says what to do; the other fields belong to some kinds only.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub kind: Kind,
    #[serde(default)]
    pub job: Option<JobSpec>,
    /// `execute`
    #[serde(default)]
    pub shape: Option<ShapeSpec>,
    /// `sweep`: the grid (default: `sweep_grid`'s).
    #[serde(default)]
    pub workers: Option<Vec<usize>>,
    #[serde(default)]
    pub chunk_sizes: Option<Vec<usize>>,
    /// `worker_curve`: the largest k (default: every pool thread).
    #[serde(default)]
    pub max_workers: Option<usize>,
    /// `scaling`
    #[serde(default)]
    pub axis: Option<AxisSpec>,
    /// `scaling`: the axis values; `verdict`: the speedups.
    #[serde(default)]
    pub values: Option<Vec<f64>>,
    #[serde(default = "three")]
    pub repeats: usize,
    /// `policy`: `navigator.hardwareConcurrency` (default: this pool's cores).
    #[serde(default)]
    pub hardware_concurrency: Option<usize>,
    /// `policy`: `navigator.deviceMemory`, in GB, when the browser tells.
    #[serde(default)]
    pub device_memory_gb: Option<f64>,
    /// `bench_summary`
    #[serde(default)]
    pub rows: Option<Vec<BenchRow>>,
    /// `bench_small_summary`
    #[serde(default)]
    pub small_rows: Option<Vec<SmallRow>>,
    /// Runs a job predicted to take longer than `policy::LONG_JOB_S` instead of refusing it.
    #[serde(default)]
    pub allow_long: bool,
    /// `policy`: the pool size the page was asked for (`?threads=N`), checked against the
    /// pool-size rule.
    #[serde(default)]
    pub threads: Option<usize>,
}

impl Request {
    /// A request of `kind` with every optional field empty.
    pub fn new(kind: Kind) -> Self {
        Self {
            kind,
            job: None,
            shape: None,
            workers: None,
            chunk_sizes: None,
            max_workers: None,
            axis: None,
            values: None,
            repeats: three(),
            hardware_concurrency: None,
            device_memory_gb: None,
            rows: None,
            small_rows: None,
            allow_long: false,
            threads: None,
        }
    }

    /// A request of `kind` on `job`.
    pub fn on(kind: Kind, job: JobSpec) -> Self {
        Self {
            job: Some(job),
            ..Self::new(kind)
        }
    }

    fn job(&self) -> Result<&JobSpec> {
        let spec = needs(self.job.as_ref(), "job", self.kind)?;
        if spec.workload.is_empty() && spec.function.is_none() {
            // Both are optional in the decoder, so that a job may give either one.
            return Err(undecodable(
                "missing field `workload` (a catalog workload) or `fn` (your own function) in `job`",
            ));
        }
        Ok(spec)
    }

    /// Refuses numbers no request may carry, naming the field, before anything runs; with a
    /// job, also its workload, parameters and item count (nothing is built).
    pub fn validate(&self) -> Result<()> {
        self.check_numbers()?;
        // A function job's items exist only once its script runs: `function_job` sizes them.
        if let Some(spec) = self.job.as_ref().filter(|s| s.function.is_none()) {
            job::footprint(&spec.workload, &spec.params, spec.n)?;
        }
        if let Some(axis) = &self.axis {
            axis.axis()?;
        }
        Ok(())
    }

    fn check_numbers(&self) -> Result<()> {
        let invalid = |name: &str, message: String| {
            Err(Error::InvalidParameter {
                name: name.into(),
                message,
            })
        };
        if !(1..=policy::MAX_REPEATS).contains(&self.repeats) {
            return invalid(
                "repeats",
                format!("{} runs: give 1 to {}", self.repeats, policy::MAX_REPEATS),
            );
        }
        if let Some(ms) = self.job.as_ref().and_then(|j| j.budget_ms) {
            if !(ms.is_finite() && ms > 0.0 && ms <= MAX_BUDGET_MS) {
                return invalid(
                    "job.budget_ms",
                    format!("{ms} ms: give more than 0 and at most {MAX_BUDGET_MS}"),
                );
            }
        }
        for (name, list) in [
            ("workers", &self.workers),
            ("chunk_sizes", &self.chunk_sizes),
        ] {
            if list.as_ref().is_some_and(|l| l.is_empty()) {
                return invalid(name, "give at least one value".into());
            }
        }
        if let Some(x) = self.values.iter().flatten().find(|x| !x.is_finite()) {
            return invalid("values", format!("{x} is not a finite number"));
        }
        if let Some(cores) = self.hardware_concurrency {
            if !(1..=MAX_CORES).contains(&cores) {
                return invalid(
                    "hardware_concurrency",
                    format!("{cores} cores: give 1 to {MAX_CORES}"),
                );
            }
        }
        if let Some(gb) = self.device_memory_gb {
            if !(gb.is_finite() && gb >= 0.0) {
                return invalid(
                    "device_memory_gb",
                    format!("{gb} GB: give a finite number, 0 when unknown"),
                );
            }
        }
        if let Some(threads) = self.threads {
            policy::asked_threads(threads)?;
        }
        Ok(())
    }
}

/// Longest sampling budget a request may set: a minute, the long-job limit.
const MAX_BUDGET_MS: f64 = 60_000.0;
/// Most cores a request may claim the device has.
const MAX_CORES: usize = 1024;

/// An `execute` response.
#[derive(Clone, Debug, Serialize)]
pub struct Executed {
    pub plan: Plan,
    pub run: RunSummary,
    /// A run shorter than `clock::STEADY_RUN_S`, read again back to back without a timeline
    /// (`clock::steady_run`): what a run takes in the run of the mill, which is what the plan
    /// predicts. A single short run also pays one-off costs (the first touch of fresh memory, a
    /// core coming out of idle): a one-item job ran 115 µs once and 0.5 µs back to back.
    pub steady_s: Option<f64>,
    pub report: Option<Report>,
    /// A caller's own function: its first items and their results.
    pub preview: Option<Preview>,
}

/// Items whose results an `execute` request on a caller's own function shows.
pub const PREVIEW_ITEMS: usize = 5;

/// A `compare` response: the comparison and how each speedup reads.
#[derive(Clone, Debug, Serialize)]
pub struct Compared {
    #[serde(flatten)]
    pub comparison: Comparison,
    pub verdicts: CompareVerdicts,
}

#[derive(Clone, Debug, Serialize)]
pub struct CompareVerdicts {
    pub blind: Verdict,
    pub recommended: Verdict,
    pub best: Verdict,
}

/// What the engine runs on: threads, cores, the calibrated costs and the memory cap.
#[derive(Clone, Debug, Serialize)]
pub struct Info {
    pub threaded: bool,
    pub threads: usize,
    pub cores: usize,
    pub costs: Costs,
    /// Bytes a job may take at most (the wasm build's maximum memory in the browser).
    pub memory_limit: u64,
    /// Bytes allocated now (counted in the browser build only; 0 natively).
    pub memory_in_use: u64,
}

/// One response per request kind. Serialized untagged: each kind's JSON is its payload alone
/// (see the module doc), so the browser's protocol stays what it was.
///
/// One response lives per request and is serialized at once, so its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Response {
    Optimized(Plan, Option<Report>),
    Executed(Executed),
    Swept(Plan, SweepResult),
    Tuned(Plan, TuneResult),
    Compared(Compared),
    WorkerCurve(WorkerCurve),
    Scaling(Vec<ScalingPoint>),
    Bench(BenchRow),
    BenchSummary(BenchSummary),
    BenchSmall(SmallRow),
    BenchSmallSummary(SmallSummary),
    BenchSmallJobs(Vec<SmallJob>),
    Catalog(Vec<WorkloadInfo>),
    Described(WorkloadInfo),
    Info(Info),
    Policy(Policy),
    SweepGrid(SweepGrid),
    Verdicts(Vec<Verdict>),
}

/// An error as the page receives it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorReply {
    pub kind: String,
    pub message: String,
    /// A `script` error: what went wrong, in which script, on which item, where in the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// A `too_long` refusal: whether the page offers to run it anyway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmable: Option<bool>,
}

impl ErrorReply {
    /// An error of `kind` with nothing but its message.
    pub fn plain(kind: &str, message: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            message: message.into(),
            problem: None,
            role: None,
            index: None,
            line: None,
            column: None,
            confirmable: None,
        }
    }
}

impl From<&Error> for ErrorReply {
    fn from(error: &Error) -> Self {
        let reply = Self::plain(error.kind(), error.to_string());
        match error {
            Error::Script(ScriptError {
                problem,
                role,
                index,
                line,
                column,
                ..
            }) => Self {
                problem: Some(problem.clone()),
                role: Some(role.clone()),
                index: *index,
                line: *line,
                column: *column,
                ..reply
            },
            Error::TooLong { confirmable, .. } => Self {
                confirmable: Some(*confirmable),
                ..reply
            },
            _ => reply,
        }
    }
}

fn missing(name: &str, kind: &str) -> Error {
    Error::InvalidParameter {
        name: name.into(),
        message: format!("a `{kind}` request needs `{name}`"),
    }
}

/// The request's field `name`, which a request of `kind` needs.
fn needs<'a, T>(field: Option<&'a T>, name: &str, kind: Kind) -> Result<&'a T> {
    field.ok_or_else(|| missing(name, kind.name()))
}

/// A request that did not decode, as an error.
pub fn undecodable(message: impl std::fmt::Display) -> Error {
    Error::InvalidParameter {
        name: "request".into(),
        message: message.to_string(),
    }
}

/// Predicted seconds of one run of every (k, c) of a grid (NaN for a plan without a profile).
fn sweep_round_s(plan: &Plan, workers: &[usize], chunk_sizes: &[usize], items: usize) -> f64 {
    let (Some(profile), Some(costs)) = (&plan.profile, &plan.costs) else {
        return f64::NAN;
    };
    let model = Model::new(profile, costs, plan.transfer, plan.start);
    let mut total = 0.0;
    for &k in workers {
        for &c in chunk_sizes {
            total += model.predict(k, c.clamp(1, items)).time_s;
        }
    }
    total
}

/// A prepared job and what it was prepared from.
struct Prepared {
    spec: JobSpec,
    job: Rc<dyn Job>,
}

impl Prepared {
    fn serves(&self, spec: &JobSpec) -> bool {
        self.spec.workload == spec.workload
            && self.spec.n == spec.n
            && self.spec.params == spec.params
            && self.spec.function == spec.function
            && self.spec.items == spec.items
    }
}

/// Serves requests on this thread's engine. It keeps the last prepared job, so consecutive
/// requests on one workload reuse its items.
pub struct Service {
    cancel: CancelToken,
    threaded: bool,
    warm_up_s: f64,
    /// The memory cap of this service's estimates (default: `memory::limit()`).
    memory_limit: Option<u64>,
    prepared: RefCell<Option<Prepared>>,
}

impl Default for Service {
    fn default() -> Self {
        Self::new()
    }
}

impl Service {
    /// A service with no warm-up, for native callers.
    pub fn new() -> Self {
        Self {
            cancel: CancelToken::new(),
            threaded: true,
            warm_up_s: 0.0,
            memory_limit: None,
            prepared: RefCell::new(None),
        }
    }

    /// Checks every job's memory estimate against `bytes` rather than `memory::limit()`.
    pub fn with_memory_limit(self, bytes: u64) -> Self {
        Self {
            memory_limit: Some(bytes),
            ..self
        }
    }

    fn memory_limit(&self) -> u64 {
        self.memory_limit.unwrap_or_else(memory::limit)
    }

    /// Runs every newly prepared workload for `seconds` before measuring it: a JIT (the
    /// browser's) swaps in optimized code only after a function got hot.
    pub fn with_warm_up(self, seconds: f64) -> Self {
        Self {
            warm_up_s: seconds,
            ..self
        }
    }

    /// Whether the pool runs workers on threads of their own (false in the single-threaded
    /// browser build, whose pool runs them inline).
    pub fn with_threads(self, threaded: bool) -> Self {
        Self { threaded, ..self }
    }

    /// Setting this token cancels the running request at its next chunk.
    pub fn cancel_token(&self) -> &CancelToken {
        &self.cancel
    }

    /// The job `spec` names, its items built (or reused), once its memory estimate fits.
    fn job(&self, spec: &JobSpec) -> Result<Rc<dyn Job>> {
        let reused = self
            .prepared
            .borrow()
            .as_ref()
            .filter(|p| p.serves(spec))
            .map(|p| p.job.clone());
        if reused.is_none() {
            // Free the old items before building new ones: both may not fit in wasm memory.
            *self.prepared.borrow_mut() = None;
        }
        if spec.function.is_none() {
            let (footprint, n) = job::footprint(&spec.workload, &spec.params, spec.n)?;
            Estimate::of(footprint, n, spec.transfer, reused.is_some())
                .check_within(self.memory_limit())?;
        }
        if let Some(job) = reused {
            return Ok(job);
        }
        let job: Rc<dyn Job> = Rc::from(spec.prepare(self.memory_limit())?);
        if self.warm_up_s > 0.0 {
            job.warm_up(self.warm_up_s)?;
        }
        *self.prepared.borrow_mut() = Some(Prepared {
            spec: spec.clone(),
            job: job.clone(),
        });
        Ok(job)
    }

    /// What the engine runs on, calibrating first if it has not yet.
    pub fn info(&self) -> Info {
        let pool = pool::current();
        Info {
            threaded: self.threaded,
            threads: pool.threads(),
            cores: pool.cores(),
            costs: calibrate::costs(pool).0,
            memory_limit: self.memory_limit(),
            memory_in_use: memory::in_use() as u64,
        }
    }

    /// Refuses a job predicted to run past `policy::LONG_JOB_S`, unless the request allows it.
    fn refuse_long(&self, request: &Request, what: &str, predicted_s: f64) -> Result<()> {
        if request.allow_long || predicted_s.is_nan() || predicted_s <= policy::LONG_JOB_S {
            return Ok(());
        }
        Err(Error::TooLong {
            what: what.into(),
            predicted_s,
            limit_s: policy::LONG_JOB_S,
            confirmable: predicted_s <= policy::CONFIRMABLE_JOB_S,
        })
    }

    /// Refuses a study that runs serially `repeats` times when those runs alone are long.
    fn refuse_long_serial(
        &self,
        request: &Request,
        what: &str,
        job: &dyn Fn() -> Result<Rc<dyn Job>>,
        options: &dyn Fn() -> Result<Options<'static>>,
    ) -> Result<()> {
        if request.allow_long {
            return Ok(());
        }
        let plan = job()?.optimize(&options()?)?;
        let serial_runs = plan.predicted_serial_s * request.repeats as f64;
        self.refuse_long(request, what, serial_runs)
    }

    /// Runs one request. `progress` receives `{done, total, workers, chunk_size}` between runs.
    pub fn handle(&self, request: &Request, progress: &dyn Fn(&Progress)) -> Result<Response> {
        self.cancel.reset();
        request.check_numbers()?;
        let control = |repeats: usize| StudyControl {
            repeats,
            cancel: Some(&self.cancel),
            progress: Some(progress),
        };
        let spec = || request.job();
        let options = || spec().map(|s| s.options(&self.cancel));
        let job = || self.job(spec()?);
        // Every kind below moves items and results as the request's `transfer` says.
        let transfer = || spec().map(|s| s.transfer);
        Ok(match request.kind {
            Kind::Catalog => Response::Catalog(catalog()),
            Kind::Info => Response::Info(self.info()),
            Kind::Describe => {
                let spec = spec()?.catalog_only(request.kind)?;
                Response::Described(describe(&spec.workload, &spec.params)?)
            }
            Kind::Policy => {
                let cores = request
                    .hardware_concurrency
                    .unwrap_or_else(|| pool::current().cores());
                let mut answer = policy::policy(cores, request.device_memory_gb);
                if let Some(threads) = request.threads {
                    answer.pool_threads = policy::asked_threads(threads)?;
                }
                Response::Policy(answer)
            }
            Kind::Verdict => {
                let values = needs(request.values.as_ref(), "values", request.kind)?;
                Response::Verdicts(values.iter().map(|&s| policy::verdict(s)).collect())
            }
            Kind::BenchSummary => {
                let rows = needs(request.rows.as_ref(), "rows", request.kind)?;
                if rows.is_empty() {
                    return Err(Error::InvalidParameter {
                        name: "rows".into(),
                        message: "a summary needs at least one benchmark row".into(),
                    });
                }
                Response::BenchSummary(summarize(rows))
            }
            Kind::BenchSmallJobs => Response::BenchSmallJobs(small_jobs()),
            Kind::BenchSmallSummary => {
                let rows = needs(request.small_rows.as_ref(), "small_rows", request.kind)?;
                if rows.is_empty() {
                    return Err(Error::InvalidParameter {
                        name: "small_rows".into(),
                        message: "a summary needs at least one small-job row".into(),
                    });
                }
                Response::BenchSmallSummary(summarize_small(rows))
            }
            // Scaling prepares a job per value; every other kind runs on the request's job.
            Kind::Scaling => {
                let spec = spec()?.catalog_only(request.kind)?;
                let axis = needs(request.axis.as_ref(), "axis", request.kind)?;
                let values = needs(request.values.as_ref(), "values", request.kind)?;
                let job_at = |params: &Params, n: Option<usize>| {
                    self.job(&JobSpec {
                        params: params.clone(),
                        n,
                        ..spec.clone()
                    })
                };
                Response::Scaling(study::scaling(
                    &job_at,
                    &spec.params,
                    spec.n,
                    spec.transfer,
                    &axis.axis()?,
                    values,
                    &options()?,
                    control(request.repeats),
                )?)
            }
            Kind::Optimize => {
                let plan = job()?.transferring(transfer()?).optimize(&options()?)?;
                let report = Report::new(&plan, None);
                Response::Optimized(plan, report)
            }
            Kind::Execute => {
                let shape = needs(request.shape.as_ref(), "shape", request.kind)?;
                let (job, options) = (job()?, options()?);
                let job = job.transferring(transfer()?);
                let plan = shape.plan(job.as_ref(), &options)?;
                if !request.allow_long {
                    let predicted = match shape.kind {
                        ShapeKind::Recommended => plan.predicted_time_s,
                        ShapeKind::Serial => job.optimize(&options)?.predicted_serial_s,
                        ShapeKind::Fixed => {
                            let model = job.optimize(&options)?;
                            model
                                .with_shape(plan.workers, plan.chunk_size)
                                .predicted_time_s
                        }
                    };
                    self.refuse_long(request, "run", predicted)?;
                }
                let run = job.execute(&plan, &options)?;
                let steady_s = if run.elapsed_s < clock::STEADY_RUN_S {
                    Some(job.measure(&plan, 1, &options)?.median_s)
                } else {
                    None
                };
                Response::Executed(Executed {
                    steady_s,
                    report: Report::new(&plan, None),
                    preview: job.preview(PREVIEW_ITEMS)?,
                    plan,
                    run,
                })
            }
            Kind::SweepGrid => {
                let cores = calibrate::costs(pool::current()).0.cores;
                Response::SweepGrid(policy::sweep_grid(job()?.items(), cores))
            }
            Kind::Sweep => {
                let (job, options) = (job()?, options()?);
                let job = job.transferring(transfer()?);
                let plan = job.optimize(&options)?;
                let cores = plan.costs.as_ref().map_or(1, |c| c.cores);
                let mut grid = Grid::default_for(job.items(), cores);
                if let Some(w) = &request.workers {
                    grid.workers = w.clone();
                }
                if let Some(c) = &request.chunk_sizes {
                    grid.chunk_sizes = c.clone();
                }
                grid.repeats = request.repeats;
                if !request.allow_long {
                    let round = sweep_round_s(&plan, &grid.workers, &grid.chunk_sizes, job.items());
                    self.refuse_long(request, "sweep", round * grid.repeats as f64)?;
                }
                let options = Options {
                    progress: Some(progress),
                    ..options
                };
                let mut sweep = job.sweep(&grid, &options)?;
                sweep.add_predictions(&plan);
                Response::Swept(plan, sweep)
            }
            Kind::Tune => {
                let (job, options) = (job()?, options()?);
                let job = job.transferring(transfer()?);
                let plan = job.optimize(&options)?;
                // At least one serial run and one of the winner.
                let least = plan.predicted_serial_s + plan.predicted_time_s;
                self.refuse_long(request, "tuning", least)?;
                let options = Options {
                    progress: Some(progress),
                    ..options
                };
                let tuned = job.tune(&plan, &options)?;
                Response::Tuned(plan, tuned)
            }
            Kind::Compare => {
                self.refuse_long_serial(request, "comparison", &job, &options)?;
                let job = job()?;
                let job = job.transferring(transfer()?);
                let comparison =
                    study::compare(job.as_ref(), &options()?, control(request.repeats))?;
                let items = comparison.plan.profile.as_ref().map_or(1, |p| p.items);
                let busy = |plan: &Plan| study::busy_workers(plan, items);
                let verdicts = CompareVerdicts {
                    // Blind's prediction is not held against its run: the model prices a
                    // chunk of one with no-op items, and real ones write their results to
                    // cache lines the other workers write too (transactions x 932,067 ran
                    // 0.29x natively against 1.43x predicted, 133 ns a chunk against 14).
                    // A blind run that far under it is the model's miss, not a lost core.
                    blind: policy::run_verdict(
                        comparison.speedup_blind,
                        comparison.blind_workers.min(items),
                        f64::NAN,
                    ),
                    recommended: policy::run_verdict(
                        comparison.speedup_recommended,
                        busy(&comparison.measured_plan),
                        comparison.measured_plan.predicted_speedup,
                    ),
                    best: policy::run_verdict(
                        comparison.best.speedup,
                        busy(&comparison.best.plan),
                        comparison.best.plan.predicted_speedup,
                    ),
                };
                Response::Compared(Compared {
                    comparison,
                    verdicts,
                })
            }
            Kind::WorkerCurve => {
                self.refuse_long_serial(request, "worker curve", &job, &options)?;
                let threads = pool::current().threads();
                let job = job()?;
                let job = job.transferring(transfer()?);
                Response::WorkerCurve(study::worker_curve(
                    job.as_ref(),
                    &options()?,
                    request.max_workers.unwrap_or(threads),
                    control(request.repeats),
                )?)
            }
            Kind::Bench => Response::Bench(bench_job(
                job()?.as_ref(),
                request.repeats,
                Some(&self.cancel),
                Some(progress),
            )?),
            Kind::BenchSmall => {
                let cost_us = match spec()?.params.get("cost_us") {
                    Some(ParamValue::Number(us)) => Some(*us),
                    _ => None,
                };
                Response::BenchSmall(bench_small_job(
                    job()?.as_ref(),
                    cost_us,
                    Some(&self.cancel),
                    Some(progress),
                )?)
            }
        })
    }

    /// Decodes a JSON request, runs it, and encodes the response: the whole protocol, for the
    /// CLI's `request` command and for tests.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn handle_json(
        &self,
        request: &str,
        progress: &dyn Fn(&Progress),
    ) -> std::result::Result<serde_json::Value, ErrorReply> {
        let request: Request =
            serde_json::from_str(request).map_err(|e| ErrorReply::from(&undecodable(e)))?;
        let response = self
            .handle(&request, progress)
            .map_err(|e| ErrorReply::from(&e))?;
        serde_json::to_value(&response)
            .map_err(|e| ErrorReply::plain("error", format!("unserializable response: {e}")))
    }
}
