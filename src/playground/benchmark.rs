//! The truth benchmark: each workload's recommendation against an exhaustive sweep, serial,
//! blind parallelism and rayon's default, measured in one process.

use crate::cancel::CancelToken;
use crate::error::Result;
use crate::model::chunk_ladder;
use crate::options::Options;
use crate::plan::Plan;
use crate::playground::job::Job;
use crate::shape::Shape;
use crate::stats;
use crate::sweep::{Grid, Measurement, Progress};
use serde::{Deserialize, Serialize};

/// A shape and its measured time. Serial is `serial: true`, with one worker and one chunk of
/// every item, as a run records it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TimedShape {
    pub serial: bool,
    pub workers: usize,
    pub chunk_size: usize,
    pub time_s: f64,
}

impl TimedShape {
    fn new(shape: Shape, n: usize, time_s: f64) -> Self {
        Self {
            serial: shape.is_serial(),
            workers: shape.workers(),
            chunk_size: shape.chunk_size(n).min(n),
            time_s,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BenchRow {
    pub workload: String,
    pub items: usize,
    pub serial_s: f64,
    /// The fastest serial run: the speed of the code itself, which noise only ever slows.
    /// Comparisons across platforms (browser against native) use it.
    pub serial_best_s: f64,
    pub blind_s: f64,
    pub blind_workers: usize,
    pub rayon_s: f64,
    pub recommended: TimedShape,
    pub predicted_speedup: f64,
    pub measured_speedup: f64,
    pub best: TimedShape,
    /// Recommended time over the time of the sweep's fastest shape (serial included), both
    /// measured again, alternately, after the sweep; 1 when the recommendation is as fast.
    pub regret: f64,
    pub recommended_remeasured_s: f64,
    pub best_remeasured_s: f64,
    /// |predicted - measured speedup| / measured speedup.
    pub prediction_error: f64,
    /// Sampling, modelling and (first time only) calibration.
    pub decision_s: f64,
    pub decision_share: f64,
    pub recommended_vs_rayon: f64,
    pub sweep_runs: usize,
    pub sweep_s: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BenchSummary {
    pub median_regret: f64,
    pub max_regret: f64,
    pub median_prediction_error: f64,
    pub max_prediction_error: f64,
    pub max_recommended_vs_rayon: f64,
    /// Each target of the benchmark, and whether this run met it.
    pub targets: Vec<(String, bool)>,
}

/// Each configuration's runs of a job should add up to at least this long: medians of three
/// runs of a 20 ms job move by more than the targets allow on a busy machine.
const MEASURED_PER_CONFIGURATION_S: f64 = 0.25;
/// More repeats than this would make a full benchmark run too long.
const MOST_REPEATS: usize = 9;

/// `repeats`, raised for short jobs so that each configuration runs for a while.
fn repeats_for(job: &dyn Job, repeats: usize, options: &Options) -> Result<usize> {
    let serial_s = job.measure(&Plan::serial(), 1, options)?.median_s;
    let wanted = (MEASURED_PER_CONFIGURATION_S / serial_s.max(1e-6)).ceil() as usize;
    Ok(repeats.max(wanted.min(MOST_REPEATS)).max(1))
}

/// Runs of each shape in the rematch at least: two workers now and then share one core for a
/// few runs in a row (docs/decisions.md: rematch runs).
const REMATCH_RUNS: usize = 5;

/// Benchmarks one prepared job. `repeats` runs of each configuration; medians throughout.
pub fn bench_job(
    job: &dyn Job,
    repeats: usize,
    cancel: Option<&CancelToken>,
    progress: Option<&dyn Fn(&Progress)>,
) -> Result<BenchRow> {
    let options = Options {
        cancel: cancel.cloned(),
        timeline: false,
        ..Options::default()
    };
    let plan = job.optimize(&options)?;
    let costs = plan.costs.clone().expect("optimized plans carry costs");
    let repeats = repeats_for(job, repeats, &options)?;
    // Round-robin, so that a slow spell of the machine costs each configuration one run, which
    // the median then drops, rather than all runs of one configuration.
    let blind_plan = Plan::fixed(costs.cores, 1);
    let mut runs: [Vec<f64>; 4] = Default::default();
    for _ in 0..repeats {
        runs[0].push(job.measure(&Plan::serial(), 1, &options)?.median_s);
        runs[1].push(job.measure(&blind_plan, 1, &options)?.median_s);
        runs[2].push(job.rayon_default(1)?.median_s);
        runs[3].push(job.measure(&plan, 1, &options)?.median_s);
    }
    let [serial, blind, rayon, recommended] = runs.map(Measurement::from_runs);

    let n = job.items();
    let mut workers: Vec<usize> = (1..=costs.cores).collect();
    if job.info().waits {
        workers.extend(
            [2 * costs.cores, 4 * costs.cores]
                .into_iter()
                .filter(|&k| k <= costs.threads),
        );
    }
    let mut chunk_sizes = chunk_ladder(n, 4);
    chunk_sizes.extend(workers.iter().map(|&k| n.div_ceil(k)));
    let grid = Grid {
        workers,
        chunk_sizes,
        repeats,
        include_serial: false,
    };
    let sweep = job.sweep(
        &grid,
        &Options {
            progress,
            ..options.clone()
        },
    )?;
    let (best_shape, best_s) = if sweep.best.time.median_s < serial.median_s {
        (
            Shape::fixed(sweep.best.workers, sweep.best.chunk_size),
            sweep.best.time.median_s,
        )
    } else {
        (Shape::Serial, serial.median_s)
    };
    let best = TimedShape::new(best_shape, n, best_s);
    let best_plan = match best_shape {
        Shape::Serial => Plan::serial(),
        Shape::Parallel(p) => Plan::fixed(p.workers, p.chunk_size),
    };
    // The sweep's fastest shape is the luckiest of dozens of noisy medians, so its time is biased
    // low. Regret compares the two shapes measured again, alternately, in the same spell.
    let (recommended_again, best_again) = if plan.shape().same_on(&best_shape, n) {
        (recommended.median_s, recommended.median_s)
    } else {
        let mut pair: [Vec<f64>; 2] = Default::default();
        for _ in 0..repeats.max(REMATCH_RUNS) {
            pair[0].push(job.measure(&plan, 1, &options)?.median_s);
            pair[1].push(job.measure(&best_plan, 1, &options)?.median_s);
        }
        let [a, b] = pair.map(Measurement::from_runs);
        (a.median_s, b.median_s)
    };
    let measured_speedup = serial.median_s / recommended.median_s;
    Ok(BenchRow {
        workload: job.info().name.clone(),
        items: n,
        serial_s: serial.median_s,
        serial_best_s: serial.min_s,
        blind_s: blind.median_s,
        blind_workers: costs.cores,
        rayon_s: rayon.median_s,
        recommended: TimedShape::new(plan.shape(), n, recommended.median_s),
        predicted_speedup: plan.predicted_speedup,
        measured_speedup,
        // Below 1 the recommendation won the rematch: nothing measured beat it.
        regret: (recommended_again / best_again).max(1.0),
        recommended_remeasured_s: recommended_again,
        best_remeasured_s: best_again,
        prediction_error: (plan.predicted_speedup - measured_speedup).abs() / measured_speedup,
        decision_s: plan.decision.total_s,
        decision_share: plan.decision.total_s / serial.median_s,
        recommended_vs_rayon: recommended.median_s / rayon.median_s,
        best,
        sweep_runs: sweep.runs,
        sweep_s: sweep.elapsed_s,
    })
}

/// The benchmark's targets over all rows.
pub fn summarize(rows: &[BenchRow]) -> BenchSummary {
    let regrets: Vec<f64> = rows.iter().map(|r| r.regret).collect();
    let errors: Vec<f64> = rows.iter().map(|r| r.prediction_error).collect();
    let max = |v: &[f64]| v.iter().cloned().fold(0.0, f64::max);
    let vs_rayon: Vec<f64> = rows.iter().map(|r| r.recommended_vs_rayon).collect();
    let decision_ok = rows.iter().all(|r| {
        if r.serial_s >= 1.0 {
            r.decision_share <= 0.05
        } else {
            r.decision_s <= 0.05
        }
    });
    let summary = BenchSummary {
        median_regret: stats::median(&regrets),
        max_regret: max(&regrets),
        median_prediction_error: stats::median(&errors),
        max_prediction_error: max(&errors),
        max_recommended_vs_rayon: max(&vs_rayon),
        targets: Vec::new(),
    };
    let targets = vec![
        (
            "median regret <= 1.05".to_string(),
            summary.median_regret <= 1.05,
        ),
        ("max regret <= 1.15".to_string(), summary.max_regret <= 1.15),
        (
            "median prediction error <= 10%".to_string(),
            summary.median_prediction_error <= 0.10,
        ),
        (
            "max prediction error <= 25%".to_string(),
            summary.max_prediction_error <= 0.25,
        ),
        (
            "decision <= 50 ms, or <= 5% of serial when serial >= 1 s".to_string(),
            decision_ok,
        ),
        (
            "recommended <= 1.05x rayon default on every workload".to_string(),
            summary.max_recommended_vs_rayon <= 1.05,
        ),
    ];
    BenchSummary { targets, ..summary }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playground::job::prepare;
    use crate::workload::{ParamValue, Params};

    #[test]
    fn a_bench_row_rematches_the_sweeps_winner() {
        let params = Params::from([("iterations".to_string(), ParamValue::Number(200.0))]);
        let job = prepare("cpu-loop", &params, Some(3000)).unwrap();
        let row = bench_job(job.as_ref(), 1, None, None).unwrap();
        assert!(row.regret >= 1.0, "{}", row.regret);
        assert!(row.recommended_remeasured_s > 0.0 && row.best_remeasured_s > 0.0);
        let ratio = row.recommended_remeasured_s / row.best_remeasured_s;
        assert_eq!(row.regret, ratio.max(1.0));
        assert!(row.sweep_runs > 0);
    }
}
