//! Measured series that the tutorials chart: serial against blind and recommended parallelism,
//! time against worker count, and speedup against per-item cost or input size.
//!
//! Each series measures real runs and sets the model's prediction beside each measurement.

use crate::cancel::CancelToken;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::options::{Options, Transfer};
use crate::plan::Plan;
use crate::playground::job::Job;
use crate::playground::policy::{self, Verdict};
use crate::report::{Measured, Report};
use crate::shape::Shape;
use crate::sweep::{Measurement, Progress};
use crate::tune::TuneResult;
use crate::workload::{ParamValue, Params};
use serde::{Deserialize, Serialize};
use std::rc::Rc;

/// Callbacks and limits shared by every study.
#[derive(Clone, Copy, Default)]
pub struct StudyControl<'a> {
    pub repeats: usize,
    pub cancel: Option<&'a CancelToken>,
    pub progress: Option<&'a dyn Fn(&Progress)>,
}

impl StudyControl<'_> {
    fn repeats(&self) -> usize {
        self.repeats.max(1)
    }

    fn report(&self, done: usize, total: usize, shape: Shape, items: usize) {
        if let Some(progress) = self.progress {
            progress(&Progress::new(done, total, shape, items));
        }
    }

    fn options<'b>(&self, base: &Options<'b>) -> Options<'b> {
        Options {
            cancel: self.cancel.cloned(),
            ..base.clone()
        }
    }
}

/// Serial, blind parallel (every core, chunks of one), the recommendation, and the best shape
/// the tuner measured, each repeated, with the explain report.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Comparison {
    pub plan: Plan,
    pub report: Report,
    pub serial: Measurement,
    pub blind: Measurement,
    pub blind_workers: usize,
    /// Blind's shape, predicted with the recommendation's profile and costs, for the runs
    /// measured here (as `measured_plan`).
    pub blind_plan: Plan,
    /// The recommendation predicted for the runs measured here: after the comparison's untimed
    /// run, on memory that run grew. `plan` is the decision, whose first run may grow it.
    pub measured_plan: Plan,
    pub recommended: Measurement,
    pub tuned: TuneResult,
    pub speedup_blind: f64,
    /// 1 exactly for a serial recommendation: it is the serial run.
    pub speedup_recommended: f64,
    pub speedup_best: f64,
    /// The fastest of the runs above.
    pub best: BestRun,
}

/// The fastest run of a comparison (the tuner's best shape, the recommendation, serial or
/// blind), so that "best measured" is never slower than a run shown beside it. Ties go in that
/// order. A serial best is the serial run, at 1.00x.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BestRun {
    /// Which run it is: `tuned`, `recommended`, `serial` or `blind`.
    pub run: String,
    /// Its shape, predicted with the recommendation's profile and costs.
    pub plan: Plan,
    pub time_s: f64,
    pub predicted_s: f64,
    pub speedup: f64,
    pub predicted_speedup: f64,
}

impl BestRun {
    fn of(runs: Vec<(&str, Plan, f64)>, serial_s: f64) -> BestRun {
        let (run, plan, time_s) = runs
            .into_iter()
            .reduce(|best, next| if next.2 < best.2 { next } else { best })
            .expect("a comparison has runs");
        BestRun {
            run: run.into(),
            speedup: serial_s / time_s,
            predicted_s: plan.predicted_time_s,
            predicted_speedup: plan.predicted_speedup,
            plan,
            time_s,
        }
    }
}

/// Workers that have items to run in `plan` over `items` items: what its speedup is bounded by.
pub fn busy_workers(plan: &Plan, items: usize) -> usize {
    match plan.shape() {
        Shape::Serial => 1,
        Shape::Parallel(p) => p.workers.min(items.div_ceil(p.chunk_size.max(1))).max(1),
    }
}

pub fn compare(job: &dyn Job, base: &Options, control: StudyControl<'_>) -> Result<Comparison> {
    let options = control.options(base);
    let plan = job.optimize(&options)?;
    let repeats = control.repeats();
    let cores = plan.costs.as_ref().map_or(1, |c| c.cores);
    let total = 3 * repeats;
    control.report(0, total, Shape::Serial, job.items());
    // One untimed run first: in wasm the first run that needs more memory pays for growing it
    // and no later run does (docs/decisions.md: compare's untimed run).
    job.run_prefix(job.items(), &Plan::serial(), &options)?;
    // Beside the runs, their predictions on the memory they ran on: transactions x 932,067
    // (36 MiB of results) was predicted at 35.3 ms serial and 1.52x, growth included, and ran
    // 24.9 ms and 1.96x after the untimed run.
    let measured_plan = plan.with_memory_headroom(crate::memory::headroom());
    let [serial, blind, recommended]: [Measurement; 3] = job
        .measure_in_turn(
            &[&Plan::serial(), &Plan::fixed(cores, 1), &plan],
            repeats,
            &options,
            &mut |done, read| control.report(done, total, read.shape(), job.items()),
        )?
        .try_into()
        .expect("one measurement per plan");
    let tuned = job.tune(
        &measured_plan,
        &Options {
            progress: control.progress,
            ..options.clone()
        },
    )?;
    let tuned_s = match tuned.plan.shape() {
        Shape::Serial => serial.median_s,
        Shape::Parallel(_) => tuned.best_time_s,
    };
    let blind_plan = measured_plan.with_shape(cores, 1);
    // The tuner's shape when it is the recommendation's is the recommendation: one shape with
    // two times side by side ("2 workers x 58,255 items: 22.2 ms, best measured 21.0 ms") read
    // as two results.
    let tuned_is_recommended = tuned.plan.shape().same_on(&plan.shape(), job.items());
    let runs: Vec<(&str, Plan, f64)> = [
        (!tuned_is_recommended).then(|| ("tuned", tuned.plan.clone(), tuned_s)),
        Some(("recommended", measured_plan.clone(), recommended.median_s)),
        Some(("serial", measured_plan.as_serial(), serial.median_s)),
        Some(("blind", blind_plan.clone(), blind.median_s)),
    ]
    .into_iter()
    .flatten()
    .collect();
    let best = BestRun::of(runs, serial.median_s);
    let report = Report::new(
        &plan,
        Some(Measured::new(
            &measured_plan,
            serial.median_s,
            recommended.median_s,
        )),
    )
    .expect("an optimized plan has a profile");
    Ok(Comparison {
        speedup_blind: serial.median_s / blind.median_s,
        speedup_recommended: serial.median_s / recommended.median_s,
        speedup_best: best.speedup,
        best,
        plan,
        report,
        serial,
        blind,
        blind_workers: cores,
        blind_plan,
        measured_plan,
        recommended,
        tuned,
    })
}

/// One worker count, run at the model's best chunk size for it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CurvePoint {
    pub workers: usize,
    pub chunk_size: usize,
    pub measured: Measurement,
    pub predicted_s: f64,
    pub speedup: f64,
    pub predicted_speedup: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WorkerCurve {
    pub plan: Plan,
    pub serial: Measurement,
    pub points: Vec<CurvePoint>,
    /// The point that ran fastest (highest measured speedup).
    pub fastest: CurvePoint,
}

/// Time and speedup against worker count (`1..=max_workers`), measured and predicted.
pub fn worker_curve(
    job: &dyn Job,
    base: &Options,
    max_workers: usize,
    control: StudyControl<'_>,
) -> Result<WorkerCurve> {
    if max_workers == 0 {
        return Err(Error::ZeroWorkers);
    }
    let options = control.options(base);
    let plan = job.optimize(&options)?;
    let (profile, costs) = (
        plan.profile.as_ref().expect("optimized"),
        plan.costs.as_ref().expect("optimized"),
    );
    if max_workers > costs.threads {
        return Err(Error::TooManyWorkers {
            requested: max_workers,
            available: costs.threads,
        });
    }
    let model = Model::new(profile, costs, plan.transfer, plan.start);
    let repeats = control.repeats();
    let total = (max_workers + 1) * repeats;
    let predictions: Vec<_> = (1..=max_workers).map(|k| model.best_for(k)).collect();
    let plans: Vec<Plan> = std::iter::once(Plan::serial())
        .chain(
            predictions
                .iter()
                .map(|p| Plan::fixed(p.workers, p.chunk_size)),
        )
        .collect();
    let mut measured = job
        .measure_in_turn(
            &plans.iter().collect::<Vec<_>>(),
            repeats,
            &options,
            &mut |done, read| control.report(done, total, read.shape(), job.items()),
        )?
        .into_iter();
    let serial = measured.next().expect("serial is measured first");
    let points: Vec<CurvePoint> = predictions
        .iter()
        .zip(measured)
        .map(|(predicted, measured)| CurvePoint {
            workers: predicted.workers,
            chunk_size: predicted.chunk_size,
            speedup: serial.median_s / measured.median_s,
            predicted_speedup: plan.predicted_serial_s / predicted.time_s,
            predicted_s: predicted.time_s,
            measured,
        })
        .collect();
    let fastest = points
        .iter()
        .max_by(|a, b| a.speedup.total_cmp(&b.speedup))
        .cloned()
        .ok_or(Error::ZeroWorkers)?;
    Ok(WorkerCurve {
        plan,
        serial,
        points,
        fastest,
    })
}

/// What a scaling study varies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Axis {
    /// The number of items.
    Items,
    /// A numeric workload parameter, such as the parametric workload's `cost_us`.
    Param { name: String },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ScalingPoint {
    pub x: f64,
    pub items: usize,
    pub plan: Plan,
    pub serial: Measurement,
    pub recommended: Measurement,
    pub speedup: f64,
    pub predicted_speedup: f64,
    /// `speedup` classified, with the engine's doubt when it is above what the plan's busy
    /// workers can give: a serial run slowed by other load read 2.74x on 2 workers.
    pub verdict: Verdict,
}

/// Builds the job at one point of a scaling study from its parameters and item count.
pub type PointJob<'a> = &'a dyn Fn(&Params, Option<usize>) -> Result<Rc<dyn Job>>;

/// For each value of `axis`, optimizes, then measures serial and the recommendation.
/// `job_at(params, n)` builds each point's job: the caller checks its memory and warms it up,
/// as for a job of its own (`playground::service`).
#[allow(clippy::too_many_arguments)] // the job's three parts, the axis, and the study's three
pub fn scaling(
    job_at: PointJob<'_>,
    params: &Params,
    items: Option<usize>,
    transfer: Transfer,
    axis: &Axis,
    values: &[f64],
    base: &Options,
    control: StudyControl<'_>,
) -> Result<Vec<ScalingPoint>> {
    if values.is_empty() {
        return Err(Error::InvalidParameter {
            name: "values".into(),
            message: "give at least one value to vary".into(),
        });
    }
    let options = control.options(base);
    let repeats = control.repeats();
    let mut points = Vec::new();
    for (i, &x) in values.iter().enumerate() {
        let (point_params, point_items) = match axis {
            Axis::Items => {
                if !(x >= 1.0 && x.fract() == 0.0) {
                    return Err(Error::InvalidParameter {
                        name: "n".into(),
                        message: format!("{x} is not a positive whole number of items"),
                    });
                }
                (params.clone(), Some(x as usize))
            }
            Axis::Param { name } => {
                let mut p = params.clone();
                p.insert(name.clone(), ParamValue::Number(x));
                (p, items)
            }
        };
        let prepared = job_at(&point_params, point_items)?;
        let job = prepared.transferring(transfer);
        let plan = job.optimize(&options)?;
        let [serial, recommended]: [Measurement; 2] = job
            .measure_in_turn(&[&Plan::serial(), &plan], repeats, &options, &mut |_, _| {})?
            .try_into()
            .expect("one measurement per plan");
        control.report(i + 1, values.len(), plan.shape(), job.items());
        let speedup = serial.median_s / recommended.median_s;
        points.push(ScalingPoint {
            x,
            items: job.items(),
            speedup,
            verdict: policy::run_verdict(
                speedup,
                busy_workers(&plan, job.items()),
                plan.predicted_speedup,
            ),
            predicted_speedup: plan.predicted_speedup,
            plan,
            serial,
            recommended,
        });
    }
    Ok(points)
}
