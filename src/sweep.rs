//! A measured grid over worker counts and chunk sizes, with repeats.

use crate::cancel::CancelToken;
use crate::error::{Error, Result};
use crate::model::chunk_ladder;
use crate::options::Transfer;
use crate::plan::Plan;
use crate::shape::Shape;
use crate::stats;
use serde::{Deserialize, Serialize};

/// How far a sweep or tune has got, and the shape it runs now (one worker and every item for
/// the serial baseline).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub serial: bool,
    pub workers: usize,
    pub chunk_size: usize,
}

impl Progress {
    /// `done` of `total` runs, running `shape` on `items` items now.
    pub fn new(done: usize, total: usize, shape: Shape, items: usize) -> Self {
        Self {
            done,
            total,
            serial: shape.is_serial(),
            workers: shape.workers(),
            chunk_size: shape.chunk_size(items),
        }
    }

    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.done as f64 / self.total as f64
        }
    }
}

/// Repeated timings of one configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    pub median_s: f64,
    pub min_s: f64,
    pub max_s: f64,
    pub runs_s: Vec<f64>,
}

impl Measurement {
    pub fn from_runs(runs_s: Vec<f64>) -> Self {
        Self {
            median_s: stats::median(&runs_s),
            min_s: runs_s.iter().cloned().fold(f64::INFINITY, f64::min),
            max_s: runs_s.iter().cloned().fold(0.0, f64::max),
            runs_s,
        }
    }

    /// (max - min) / median: how much the repeats disagree.
    pub fn spread(&self) -> f64 {
        (self.max_s - self.min_s) / self.median_s
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    pub workers: usize,
    pub chunk_size: usize,
    pub time: Measurement,
    /// The model's time for this point, when the sweep was given a plan to predict with.
    pub predicted_s: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepResult {
    pub items: usize,
    pub serial: Option<Measurement>,
    pub points: Vec<SweepPoint>,
    /// The point with the least median time.
    pub best: SweepPoint,
    pub runs: usize,
    pub elapsed_s: f64,
}

impl SweepResult {
    /// Serial median over the best point's median, when serial was measured.
    pub fn best_speedup(&self) -> Option<f64> {
        self.serial
            .as_ref()
            .map(|s| s.median_s / self.best.time.median_s)
    }
}

/// What to sweep. `SweepOptions::grid` gives the usual grid for a machine.
pub struct SweepOptions<'a> {
    pub workers: Vec<usize>,
    pub chunk_sizes: Vec<usize>,
    pub repeats: usize,
    pub include_serial: bool,
    pub transfer: Transfer,
    pub cancel: Option<CancelToken>,
    pub progress: Option<&'a dyn Fn(&Progress)>,
    /// A plan from `optimize`; its profile and costs give each point a predicted time.
    pub predict_with: Option<&'a Plan>,
}

impl<'a> SweepOptions<'a> {
    /// Worker counts `1..=max_workers`, chunk sizes on a x4 ladder plus one chunk per worker,
    /// three repeats, and serial.
    pub fn grid(items: usize, max_workers: usize) -> Self {
        let workers: Vec<usize> = (1..=max_workers.max(1)).collect();
        let mut chunk_sizes = chunk_ladder(items, 4);
        chunk_sizes.extend(workers.iter().map(|&k| items.div_ceil(k).max(1)));
        chunk_sizes.sort_unstable();
        chunk_sizes.dedup();
        Self {
            workers,
            chunk_sizes,
            repeats: 3,
            include_serial: true,
            transfer: Transfer::Shared,
            cancel: None,
            progress: None,
            predict_with: None,
        }
    }
}

/// Times one plan once, in seconds.
pub(crate) type RunOnce<'r> = dyn Fn(&Plan, Option<&CancelToken>) -> Result<f64> + 'r;

pub(crate) fn check_shape(workers: &[usize], chunk_sizes: &[usize], threads: usize) -> Result<()> {
    if workers.is_empty() || workers.contains(&0) {
        return Err(Error::ZeroWorkers);
    }
    if chunk_sizes.is_empty() || chunk_sizes.contains(&0) {
        return Err(Error::ZeroChunkSize);
    }
    if let Some(&k) = workers.iter().find(|&&k| k > threads) {
        return Err(Error::TooManyWorkers {
            requested: k,
            available: threads,
        });
    }
    Ok(())
}

pub(crate) fn run_sweep(
    items: usize,
    threads: usize,
    run: &RunOnce<'_>,
    options: &SweepOptions<'_>,
) -> Result<SweepResult> {
    if items == 0 {
        return Err(Error::EmptyInput);
    }
    check_shape(&options.workers, &options.chunk_sizes, threads)?;
    if options.repeats == 0 {
        return Err(Error::InvalidParameter {
            name: "repeats".into(),
            message: "must be at least 1".into(),
        });
    }
    let watch = crate::clock::Stopwatch::start();
    let mut chunk_sizes: Vec<usize> = options.chunk_sizes.iter().map(|&c| c.min(items)).collect();
    chunk_sizes.sort_unstable();
    chunk_sizes.dedup();
    let shapes: Vec<(usize, usize)> = options
        .workers
        .iter()
        .flat_map(|&k| chunk_sizes.iter().map(move |&c| (k, c)))
        .collect();
    let per_repeat = shapes.len() + usize::from(options.include_serial);
    let total = per_repeat * options.repeats;
    let cancel = options.cancel.as_ref();
    let mut serial_runs = Vec::new();
    let mut point_runs: Vec<Vec<f64>> = vec![Vec::new(); shapes.len()];
    let mut done = 0;
    let report = |done: usize, shape: Shape| {
        if let Some(progress) = options.progress {
            progress(&Progress::new(done, total, shape, items));
        }
    };
    // Repeats go round the whole grid, so that drift in the machine's speed hits every point.
    for _ in 0..options.repeats {
        if options.include_serial {
            serial_runs.push(run(&Plan::serial(), cancel)?);
            done += 1;
            report(done, Shape::Serial);
        }
        for (i, &(k, c)) in shapes.iter().enumerate() {
            point_runs[i].push(run(&Plan::fixed(k, c), cancel)?);
            done += 1;
            report(done, Shape::fixed(k, c));
        }
    }
    let points: Vec<SweepPoint> = shapes
        .iter()
        .zip(point_runs)
        .map(|(&(k, c), runs)| SweepPoint {
            workers: k,
            chunk_size: c,
            time: Measurement::from_runs(runs),
            predicted_s: options
                .predict_with
                .and_then(|p| p.with_shape(k, c).predict())
                .map(|p| p.time_s),
        })
        .collect();
    let best = points
        .iter()
        .min_by(|a, b| a.time.median_s.total_cmp(&b.time.median_s))
        .cloned()
        .expect("a checked grid has points");
    Ok(SweepResult {
        items,
        serial: options
            .include_serial
            .then(|| Measurement::from_runs(serial_runs)),
        points,
        best,
        runs: total,
        elapsed_s: watch.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[test]
    fn a_sweep_runs_every_point_each_repeat_and_keeps_medians() {
        let ran = RefCell::new(Vec::new());
        // Each shape's runs read 1, 2, 3 (times its own cost), so its median is its cost x 2.
        let run = |plan: &Plan, _: Option<&CancelToken>| {
            let mut ran = ran.borrow_mut();
            let cost = if plan.is_serial() {
                5.0
            } else {
                plan.workers as f64 + plan.chunk_size as f64 / 100.0
            };
            let repeat = ran
                .iter()
                .filter(|&&(k, c)| (k, c) == (plan.workers, plan.chunk_size))
                .count();
            ran.push((plan.workers, plan.chunk_size));
            Ok(cost * (repeat + 1) as f64)
        };
        let mut grid = SweepOptions::grid(1000, 2);
        grid.workers = vec![1, 2];
        grid.chunk_sizes = vec![10, 5000];
        let sweep = run_sweep(1000, 4, &run, &grid).unwrap();
        // Chunks above the item count shrink to it; 2 x 2 points and serial, 3 repeats each.
        assert_eq!(sweep.points.len(), 4);
        assert!(sweep.points.iter().any(|p| p.chunk_size == 1000));
        assert_eq!(sweep.runs, 15);
        assert_eq!(ran.borrow().len(), 15);
        assert_eq!(sweep.serial.unwrap().median_s, 10.0);
        assert_eq!((sweep.best.workers, sweep.best.chunk_size), (1, 10));
        assert_eq!(sweep.best.time.median_s, (1.0 + 0.1) * 2.0);
    }

    #[test]
    fn a_sweep_refuses_bad_grids_before_running() {
        let run = |_: &Plan, _: Option<&CancelToken>| -> Result<f64> { panic!("nothing runs") };
        let mut grid = SweepOptions::grid(100, 2);
        grid.workers = vec![0];
        assert_eq!(
            run_sweep(100, 4, &run, &grid).unwrap_err(),
            Error::ZeroWorkers
        );
        grid.workers = vec![8];
        assert!(matches!(
            run_sweep(100, 4, &run, &grid).unwrap_err(),
            Error::TooManyWorkers { .. }
        ));
        grid.workers = vec![1];
        grid.repeats = 0;
        assert!(matches!(
            run_sweep(100, 4, &run, &grid).unwrap_err(),
            Error::InvalidParameter { .. }
        ));
    }

    #[test]
    fn a_cancel_between_runs_ends_the_sweep() {
        let token = CancelToken::new();
        let run = |_: &Plan, cancel: Option<&CancelToken>| {
            if cancel.is_some_and(|c| c.is_cancelled()) {
                return Err(Error::Cancelled);
            }
            Ok(1.0)
        };
        let cancel_on_first = |_: &Progress| token.cancel();
        let mut grid = SweepOptions::grid(100, 2);
        grid.cancel = Some(token.clone());
        grid.progress = Some(&cancel_on_first);
        assert_eq!(
            run_sweep(100, 4, &run, &grid).unwrap_err(),
            Error::Cancelled
        );
    }
}
