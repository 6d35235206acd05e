//! Requests from the worker host, decoded and dispatched to the engine.

use crate::benchmark::bench_job;
use crate::cancel::CancelToken;
use crate::error::Error;
use crate::job::{prepare, Job};
use crate::options::{Options, Start, Transfer};
use crate::plan::Plan;
use crate::report::Report;
use crate::study::{self, Axis, StudyControl};
use crate::sweep::{Progress, SweepOptions};
use crate::tune::TuneOptions;
use crate::workload::Params;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::Duration;
use wasm_bindgen::prelude::*;

pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or_else(|e| JsValue::from_str(&format!("unserializable result: {e}")))
}

pub(crate) fn cancel_token() -> &'static CancelToken {
    static TOKEN: OnceLock<CancelToken> = OnceLock::new();
    TOKEN.get_or_init(CancelToken::new)
}

/// How long a newly prepared workload runs before anything is measured: V8 first runs wasm
/// from baseline code and swaps in optimized code only after the function got hot.
const JIT_WARM_UP_S: f64 = 0.06;

/// Which workload, how many items, and how to transfer and start.
#[derive(Deserialize, Clone, PartialEq)]
struct JobSpec {
    #[serde(default)]
    workload: String,
    /// A user's own function (`{fn, items, n}` in place of `{workload, params, n}`).
    #[serde(rename = "fn")]
    function: Option<String>,
    items: Option<crate::function_job::ItemsSpec>,
    #[serde(default)]
    params: Params,
    n: Option<usize>,
    #[serde(default)]
    transfer: Transfer,
    #[serde(default)]
    start: Start,
    max_workers: Option<usize>,
    budget_ms: Option<f64>,
}

/// Items whose results an `execute` request on a user's own function shows.
const PREVIEW_ITEMS: usize = 5;

/// What an `execute` request runs: serial, a fixed shape, or the optimizer's recommendation.
#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum ShapeKind {
    Serial,
    Fixed,
    Recommended,
}

/// `{type, workers?, chunk_size?}`. Flat rather than a tagged enum: serde decodes tagged and
/// untagged enums through a buffered copy of the input, which costs tens of KiB of wasm.
#[derive(Deserialize)]
struct Shape {
    #[serde(rename = "type")]
    kind: ShapeKind,
    workers: Option<usize>,
    chunk_size: Option<usize>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum AxisKind {
    Items,
    Param,
}

/// `{kind: "items"}` or `{kind: "param", name}`.
#[derive(Deserialize)]
struct AxisSpec {
    kind: AxisKind,
    name: Option<String>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Optimize,
    Execute,
    Sweep,
    Tune,
    Compare,
    WorkerCurve,
    Scaling,
    Bench,
}

/// One request: `kind` says what to do with `job`; the other fields belong to some kinds only.
#[derive(Deserialize)]
struct Request {
    kind: Kind,
    job: JobSpec,
    /// `execute`
    shape: Option<Shape>,
    /// `sweep`: the grid (default: the engine's grid for this job and machine).
    workers: Option<Vec<usize>>,
    chunk_sizes: Option<Vec<usize>>,
    /// `worker_curve`: the largest k (default: every pool thread).
    max_workers: Option<usize>,
    /// `scaling`
    axis: Option<AxisSpec>,
    values: Option<Vec<f64>>,
    #[serde(default = "three")]
    repeats: usize,
}

fn three() -> usize {
    3
}

fn missing(name: &str, kind: &str) -> Error {
    Error::InvalidParameter {
        name: name.into(),
        message: format!("a `{kind}` request needs `{name}`"),
    }
}

impl Shape {
    fn plan(&self, job: &dyn Job, options: &Options) -> Result<Plan, Error> {
        Ok(match self.kind {
            ShapeKind::Serial => Plan::serial(),
            ShapeKind::Fixed => Plan::fixed(
                self.workers
                    .ok_or_else(|| missing("shape.workers", "fixed"))?,
                self.chunk_size
                    .ok_or_else(|| missing("shape.chunk_size", "fixed"))?,
            ),
            ShapeKind::Recommended => job.optimize(options)?,
        })
    }
}

impl AxisSpec {
    fn axis(self) -> Result<Axis, Error> {
        Ok(match self.kind {
            AxisKind::Items => Axis::Items,
            AxisKind::Param => Axis::Param {
                name: self.name.ok_or_else(|| missing("axis.name", "param"))?,
            },
        })
    }
}

impl JobSpec {
    fn options(&self) -> Options {
        Options {
            max_workers: self.max_workers,
            time_budget: self
                .budget_ms
                .filter(|ms| ms.is_finite() && *ms > 0.0)
                .map_or(Options::default().time_budget, |ms| {
                    Duration::from_secs_f64(ms / 1000.0)
                }),
            transfer: self.transfer,
            start: self.start,
            cancel: Some(cancel_token().clone()),
            ..Options::default()
        }
    }
}

/// A prepared job and what it was prepared from.
struct Prepared {
    spec: JobSpec,
    job: Rc<dyn Job>,
}

impl Prepared {
    fn serves(&self, spec: &JobSpec) -> bool {
        let p = &self.spec;
        p.workload == spec.workload
            && p.n == spec.n
            && p.params == spec.params
            && p.function == spec.function
            && p.items == spec.items
    }
}

/// The catalog workload, or the caller's own function.
fn prepare_spec(spec: &JobSpec) -> Result<Box<dyn Job>, Error> {
    match &spec.function {
        Some(source) => Ok(Box::new(crate::function_job::prepare(
            &crate::function_job::FunctionSpec {
                source: source.clone(),
                items: spec.items.clone().unwrap_or_default(),
                n: spec.n,
            },
        )?)),
        None => prepare(&spec.workload, &spec.params, spec.n),
    }
}

thread_local! {
    /// The last prepared job: consecutive requests on one workload reuse its items.
    static PREPARED: RefCell<Option<Prepared>> = const { RefCell::new(None) };
}

fn job_for(spec: &JobSpec) -> Result<Rc<dyn Job>, Error> {
    PREPARED.with(|cell| {
        if let Some(prepared) = cell.borrow().as_ref().filter(|p| p.serves(spec)) {
            return Ok(prepared.job.clone());
        }
        // Free the old items before building new ones: both may not fit in wasm memory.
        *cell.borrow_mut() = None;
        let job: Rc<dyn Job> = Rc::from(prepare_spec(spec)?);
        job.warm_up(JIT_WARM_UP_S)?;
        *cell.borrow_mut() = Some(Prepared {
            spec: spec.clone(),
            job: job.clone(),
        });
        Ok(job)
    })
}

#[derive(Serialize)]
struct ErrorReply {
    kind: String,
    message: String,
}

fn error_value(error: &Error) -> JsValue {
    let kind = serde_json_kind(error);
    to_js(&ErrorReply {
        kind,
        message: error.to_string(),
    })
}

fn serde_json_kind(error: &Error) -> String {
    let value = to_js(error);
    js_sys::Reflect::get(&value, &JsValue::from_str("kind"))
        .ok()
        .and_then(|k| k.as_string())
        .unwrap_or_else(|| "error".into())
}

/// Runs one request. `progress` receives `{done, total, workers, chunk_size}` between runs.
/// Errors come back as `{kind, message}`.
#[wasm_bindgen]
pub fn handle(request: JsValue, progress: &js_sys::Function) -> Result<JsValue, JsValue> {
    cancel_token().reset();
    let request: Request = serde_wasm_bindgen::from_value(request).map_err(|e| {
        error_value(&Error::InvalidParameter {
            name: "request".into(),
            message: e.to_string(),
        })
    })?;
    let report = |p: &Progress| {
        let _ = progress.call1(&JsValue::NULL, &to_js(p));
    };
    dispatch(request, &report).map_err(|e| error_value(&e))
}

#[derive(Serialize)]
struct Executed<'a> {
    plan: &'a Plan,
    run: crate::executor::RunSummary,
    report: Option<Report>,
    /// A user's own function: its first items and results.
    preview: Option<crate::function_job::Preview>,
}

fn dispatch(request: Request, progress: &dyn Fn(&Progress)) -> Result<JsValue, Error> {
    let control = |repeats: usize| StudyControl {
        repeats,
        cancel: Some(cancel_token()),
        progress: Some(progress),
    };
    let spec = &request.job;
    let options = spec.options();
    // Every kind but scaling (which prepares a job per value) runs on this request's job.
    let job = || job_for(spec);
    match request.kind {
        Kind::Scaling => {
            let axis = request.axis.ok_or_else(|| missing("axis", "scaling"))?;
            let values = request.values.ok_or_else(|| missing("values", "scaling"))?;
            Ok(to_js(&study::scaling(
                &spec.workload,
                &spec.params,
                spec.n,
                &axis.axis()?,
                &values,
                &options,
                control(request.repeats),
            )?))
        }
        Kind::Optimize => {
            let job = job()?;
            let plan = job.optimize(&options)?;
            let report = Report::new(&plan, None);
            Ok(to_js(&(plan, report)))
        }
        Kind::Execute => {
            let job = job()?;
            let shape = request.shape.ok_or_else(|| missing("shape", "execute"))?;
            let plan = shape.plan(job.as_ref(), &options)?;
            let run = job.execute(&plan, &options)?;
            Ok(to_js(&Executed {
                report: Report::new(&plan, None),
                plan: &plan,
                run,
                preview: job.preview(PREVIEW_ITEMS)?,
            }))
        }
        Kind::Sweep => {
            let job = job()?;
            let plan = job.optimize(&options)?;
            let cores = plan.costs.as_ref().map_or(1, |c| c.cores);
            let mut grid = SweepOptions::grid(job.items(), cores);
            if let Some(w) = request.workers {
                grid.workers = w;
            }
            if let Some(c) = request.chunk_sizes {
                grid.chunk_sizes = c;
            }
            grid.repeats = request.repeats;
            grid.transfer = spec.transfer;
            grid.cancel = options.cancel.clone();
            grid.progress = Some(progress);
            grid.predict_with = Some(&plan);
            let sweep = job.sweep(&grid)?;
            Ok(to_js(&(plan.clone(), sweep)))
        }
        Kind::Tune => {
            let job = job()?;
            let plan = job.optimize(&options)?;
            let tuned = job.tune(
                &plan,
                &TuneOptions {
                    cancel: options.cancel.clone(),
                    progress: Some(progress),
                    ..TuneOptions::default()
                },
            )?;
            Ok(to_js(&(plan, tuned)))
        }
        Kind::Compare => Ok(to_js(&study::compare(
            job()?.as_ref(),
            &options,
            control(request.repeats),
        )?)),
        Kind::WorkerCurve => {
            let job = job()?;
            let threads = crate::pool::current().threads();
            Ok(to_js(&study::worker_curve(
                job.as_ref(),
                &options,
                request.max_workers.unwrap_or(threads),
                control(request.repeats),
            )?))
        }
        Kind::Bench => Ok(to_js(&bench_job(
            job()?.as_ref(),
            request.repeats,
            Some(cancel_token()),
            Some(progress),
        )?)),
    }
}
