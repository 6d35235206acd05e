//! A measured grid over worker counts and chunk sizes, with repeats.

use crate::cancel::CancelToken;
use crate::error::{Error, Result};
use crate::model::chunk_ladder;
use crate::options::Options;
pub use crate::options::Progress;
use crate::plan::Plan;
use crate::shape::Shape;
use crate::stats;
use serde::{Deserialize, Serialize};

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
            min_s: stats::min(runs_s.iter().copied()),
            max_s: stats::max(runs_s.iter().copied()),
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
    /// The model's time for this point, once `SweepResult::add_predictions` has been given a
    /// plan to predict with.
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

    /// Sets every point's `predicted_s` from the profile and costs of `plan` (a plan from
    /// `optimize`); a hand-built plan has none, and leaves them `None`.
    pub fn add_predictions(&mut self, plan: &Plan) {
        let predict = |p: &SweepPoint| {
            plan.with_shape(p.workers, p.chunk_size)
                .predict()
                .map(|p| p.time_s)
        };
        for point in &mut self.points {
            point.predicted_s = predict(point);
        }
        self.best.predicted_s = predict(&self.best);
    }
}

/// Which shapes a sweep measures, and how often. `Grid::default_for` gives the usual grid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grid {
    pub workers: Vec<usize>,
    /// Sizes above the item count run as one chunk of every item.
    pub chunk_sizes: Vec<usize>,
    /// Rounds over the whole grid; each point's time is the median of its rounds.
    pub repeats: usize,
    /// Measure serial too, once per round.
    pub include_serial: bool,
}

impl Grid {
    /// Worker counts `1..=max_workers`, chunk sizes on a x4 ladder plus one chunk per worker,
    /// three repeats, and serial.
    pub fn default_for(items: usize, max_workers: usize) -> Self {
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
    grid: &Grid,
    options: &Options<'_>,
) -> Result<SweepResult> {
    if items == 0 {
        return Err(Error::EmptyInput);
    }
    check_shape(&grid.workers, &grid.chunk_sizes, threads)?;
    if grid.repeats == 0 {
        return Err(Error::InvalidParameter {
            name: "repeats".into(),
            message: "must be at least 1".into(),
        });
    }
    let watch = crate::clock::Stopwatch::start();
    let mut chunk_sizes: Vec<usize> = grid.chunk_sizes.iter().map(|&c| c.min(items)).collect();
    chunk_sizes.sort_unstable();
    chunk_sizes.dedup();
    let shapes: Vec<(usize, usize)> = grid
        .workers
        .iter()
        .flat_map(|&k| chunk_sizes.iter().map(move |&c| (k, c)))
        .collect();
    let per_repeat = shapes.len() + usize::from(grid.include_serial);
    let total = per_repeat * grid.repeats;
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
    for _ in 0..grid.repeats {
        if grid.include_serial {
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
            predicted_s: None,
        })
        .collect();
    let best = points
        .iter()
        .min_by(|a, b| a.time.median_s.total_cmp(&b.time.median_s))
        .cloned()
        .expect("a checked grid has points");
    Ok(SweepResult {
        items,
        serial: grid
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
        let mut grid = Grid::default_for(1000, 2);
        grid.workers = vec![1, 2];
        grid.chunk_sizes = vec![10, 5000];
        let sweep = run_sweep(1000, 4, &run, &grid, &Options::default()).unwrap();
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
        let options = Options::default();
        let mut grid = Grid::default_for(100, 2);
        grid.workers = vec![0];
        assert_eq!(
            run_sweep(100, 4, &run, &grid, &options).unwrap_err(),
            Error::ZeroWorkers
        );
        grid.workers = vec![8];
        assert!(matches!(
            run_sweep(100, 4, &run, &grid, &options).unwrap_err(),
            Error::TooManyWorkers { .. }
        ));
        grid.workers = vec![1];
        grid.repeats = 0;
        assert!(matches!(
            run_sweep(100, 4, &run, &grid, &options).unwrap_err(),
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
        let grid = Grid::default_for(100, 2);
        let options = Options {
            cancel: Some(token.clone()),
            progress: Some(&cancel_on_first),
            ..Options::default()
        };
        assert_eq!(
            run_sweep(100, 4, &run, &grid, &options).unwrap_err(),
            Error::Cancelled
        );
    }
}
