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
    workload: String,
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

/// What to run: serial, a fixed shape, or the optimizer's recommendation.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Shape {
    Serial,
    Fixed { workers: usize, chunk_size: usize },
    Recommended,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Request {
    Optimize {
        job: JobSpec,
    },
    Execute {
        job: JobSpec,
        shape: Shape,
    },
    Sweep {
        job: JobSpec,
        workers: Option<Vec<usize>>,
        chunk_sizes: Option<Vec<usize>>,
        #[serde(default = "three")]
        repeats: usize,
    },
    Tune {
        job: JobSpec,
    },
    Compare {
        job: JobSpec,
        #[serde(default = "three")]
        repeats: usize,
    },
    WorkerCurve {
        job: JobSpec,
        max_workers: Option<usize>,
        #[serde(default = "three")]
        repeats: usize,
    },
    Scaling {
        job: JobSpec,
        axis: Axis,
        values: Vec<f64>,
        #[serde(default = "three")]
        repeats: usize,
    },
    Bench {
        job: JobSpec,
        #[serde(default = "three")]
        repeats: usize,
    },
}

fn three() -> usize {
    3
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
    workload: String,
    n: Option<usize>,
    params: Params,
    job: Rc<dyn Job>,
}

impl Prepared {
    fn serves(&self, spec: &JobSpec) -> bool {
        self.workload == spec.workload && self.n == spec.n && self.params == spec.params
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
        let job: Rc<dyn Job> = Rc::from(prepare(&spec.workload, &spec.params, spec.n)?);
        job.warm_up(JIT_WARM_UP_S)?;
        *cell.borrow_mut() = Some(Prepared {
            workload: spec.workload.clone(),
            n: spec.n,
            params: spec.params.clone(),
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
}

fn dispatch(request: Request, progress: &dyn Fn(&Progress)) -> Result<JsValue, Error> {
    let control = |repeats: usize| StudyControl {
        repeats,
        cancel: Some(cancel_token()),
        progress: Some(progress),
    };
    match request {
        Request::Optimize { job: spec } => {
            let job = job_for(&spec)?;
            let plan = job.optimize(&spec.options())?;
            let report = Report::new(&plan, None);
            Ok(to_js(&(plan, report)))
        }
        Request::Execute { job: spec, shape } => {
            let job = job_for(&spec)?;
            let options = spec.options();
            let plan = match shape {
                Shape::Serial => Plan::serial(),
                Shape::Fixed {
                    workers,
                    chunk_size,
                } => Plan::fixed(workers, chunk_size),
                Shape::Recommended => job.optimize(&options)?,
            };
            let run = job.execute(&plan, &options)?;
            Ok(to_js(&Executed {
                report: Report::new(&plan, None),
                plan: &plan,
                run,
            }))
        }
        Request::Sweep {
            job: spec,
            workers,
            chunk_sizes,
            repeats,
        } => {
            let job = job_for(&spec)?;
            let options = spec.options();
            let plan = job.optimize(&options)?;
            let cores = plan.costs.as_ref().map_or(1, |c| c.cores);
            let mut grid = SweepOptions::grid(job.items(), cores);
            if let Some(w) = workers {
                grid.workers = w;
            }
            if let Some(c) = chunk_sizes {
                grid.chunk_sizes = c;
            }
            grid.repeats = repeats;
            grid.transfer = spec.transfer;
            grid.cancel = options.cancel.clone();
            grid.progress = Some(progress);
            grid.predict_with = Some(&plan);
            let sweep = job.sweep(&grid)?;
            Ok(to_js(&(plan.clone(), sweep)))
        }
        Request::Tune { job: spec } => {
            let job = job_for(&spec)?;
            let options = spec.options();
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
        Request::Compare { job: spec, repeats } => {
            let job = job_for(&spec)?;
            Ok(to_js(&study::compare(
                job.as_ref(),
                &spec.options(),
                control(repeats),
            )?))
        }
        Request::WorkerCurve {
            job: spec,
            max_workers,
            repeats,
        } => {
            let job = job_for(&spec)?;
            let threads = crate::pool::current().threads();
            Ok(to_js(&study::worker_curve(
                job.as_ref(),
                &spec.options(),
                max_workers.unwrap_or(threads),
                control(repeats),
            )?))
        }
        Request::Scaling {
            job: spec,
            axis,
            values,
            repeats,
        } => Ok(to_js(&study::scaling(
            &spec.workload,
            &spec.params,
            spec.n,
            &axis,
            &values,
            &spec.options(),
            control(repeats),
        )?)),
        Request::Bench { job: spec, repeats } => {
            let job = job_for(&spec)?;
            Ok(to_js(&bench_job(
                job.as_ref(),
                repeats,
                Some(cancel_token()),
                Some(progress),
            )?))
        }
    }
}
