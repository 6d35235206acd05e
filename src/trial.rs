//! A trial: for a job so short that its parallel gain is the size of the overheads the model
//! estimates, the decision runs the whole job serially and on the model's best parallel shape,
//! alternately, and lets the medians decide. Running a 0.1 ms job fourteen times costs a few
//! milliseconds; trusting a calibration whose noise is the size of the gain cost 1.5x.
//!
//! Natively, tiny x 100,000 ran serial in 0.063 ms in some processes and 0.10-0.115 ms in
//! others (whether its 800 KB of results land on fresh pages is the allocator's state), and
//! two workers ran it in about 0.07 ms in both: no sample of a few items can tell which, and
//! the whole job, run in the same process, can.

use crate::clock::{Stopwatch, STEADY_RUN_S};
use crate::error::Result;
use crate::model::Prediction;
use crate::shape::Shape;
use crate::stats::{self, mean, median, quantile};
use crate::tuning::{TRIAL_BUDGET_S, TRIAL_MIN_GAIN};
use serde::{Deserialize, Serialize};

/// Runs per shape when the budget allows.
const MOST_RUNS: usize = 7;
/// Fewer runs per shape than this cannot outvote one disturbed run.
const FEWEST_RUNS: usize = 3;

/// What a trial measured: medians and quartiles of runs of the whole job, taken alternately.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    pub workers: usize,
    pub chunk_size: usize,
    /// Runs of each shape.
    pub runs: usize,
    pub serial_s: f64,
    pub parallel_s: f64,
    /// Lower and upper quartile of the serial runs.
    pub serial_quartiles_s: (f64, f64),
    pub parallel_quartiles_s: (f64, f64),
    /// Serial's mean over the parallel shape's, each without its slowest reading: what the runs
    /// cost on average, slow ones included, but not one preempted reading (a scheduler slice
    /// of 3 ms is 40 times a 70 µs run).
    #[serde(default)]
    pub mean_speedup: f64,
    /// What the model predicted for the two shapes before they ran.
    pub model_serial_s: f64,
    pub model_parallel_s: f64,
    /// How long the trial took, every run included.
    pub elapsed_s: f64,
}

impl Trial {
    pub fn speedup(&self) -> f64 {
        self.serial_s / self.parallel_s
    }

    /// The decision rule on measurements, as on predictions (`plan::pays_off`): the parallel
    /// shape's median must be at least `TRIAL_MIN_GAIN` faster than serial's, and its mean no
    /// slower than serial's (`mean_speedup`). In the browser a 37 µs job read 1.05x in the
    /// median while some of its parallel runs took 1.6x serial's (a worker that woke late): a
    /// coin toss, not a gain.
    /// The mean, not the quartiles: a spell of the machine (the second worker sharing the
    /// first's core for 10-30 ms) slows a few parallel readings in a row to about serial's
    /// time, and with 3-7 readings their slower quartile is one of those. A rule on quartiles
    /// kept jobs serial after trials that read 1.16-1.95x (2 ms of parametric 20 µs x 100,
    /// which two workers then ran 1.95x).
    pub fn parallel_pays(&self) -> bool {
        self.speedup() >= TRIAL_MIN_GAIN && self.mean_speedup >= 1.0
    }

    /// The speedup between the quartiles: slowest parallel against fastest serial, and back.
    pub fn speedup_interval(&self) -> (f64, f64) {
        (
            self.serial_quartiles_s.0 / self.parallel_quartiles_s.1,
            self.serial_quartiles_s.1 / self.parallel_quartiles_s.0,
        )
    }

    /// The trial's median for `shape` on `items` items, if it ran that shape.
    pub fn measured(&self, shape: Shape, items: usize) -> Option<f64> {
        if shape.is_serial() {
            Some(self.serial_s)
        } else if shape.same_on(&Shape::fixed(self.workers, self.chunk_size), items) {
            Some(self.parallel_s)
        } else {
            None
        }
    }
}

/// Reads serial and `parallel` alternately (serial, parallel, parallel, serial, ...) so that a
/// drift of the machine weighs on both, as many times each as `TRIAL_BUDGET_S` allows, from
/// `FEWEST_RUNS` to `MOST_RUNS`, and no more once the time spent reaches the budget.
///
/// `read` times a shape as the page and the benchmarks do (`clock::steady_run`: a short run is
/// the median of several back to back), so that the trial predicts what they will measure:
/// read as single runs right after a serial one, which wake the pool each time, parametric
/// 1 µs x 400 read 2 workers slower than serial in a trial where 4 workers then ran 1.67x.
///
/// `None` when twice the budget is spent before the fewest runs are done: the job is longer
/// than predicted, and the model decides.
///
/// A round whose median gains and whose mean loses, or that found no gain while `in_a_spell`
/// says the machine had less than its cores, is run once more, and the second decides.
pub fn run(
    model_serial_s: f64,
    parallel: &Prediction,
    read: &mut dyn FnMut(Shape) -> Result<f64>,
    in_a_spell: &mut dyn FnMut() -> Result<bool>,
) -> Result<Option<Trial>> {
    let watch = Stopwatch::start();
    // A reading of a run shorter than `STEADY_RUN_S` is the median of runs back to back
    // lasting about that long, three at least.
    let reading_s = |run_s: f64| {
        if run_s < STEADY_RUN_S {
            (3.0 * run_s).max(STEADY_RUN_S)
        } else {
            run_s
        }
    };
    let pair_s = (reading_s(model_serial_s) + reading_s(parallel.time_s)).max(f64::MIN_POSITIVE);
    let planned = ((TRIAL_BUDGET_S / pair_s) as usize).clamp(FEWEST_RUNS, MOST_RUNS);
    let shape = Shape::fixed(parallel.workers, parallel.chunk_size);
    let decided = |(serial, par): (Vec<f64>, Vec<f64>)| {
        let quartiles = |v: &[f64]| (quantile(v, 0.25), quantile(v, 0.75));
        Trial {
            workers: parallel.workers,
            chunk_size: parallel.chunk_size,
            runs: serial.len(),
            serial_s: median(&serial),
            parallel_s: median(&par),
            serial_quartiles_s: quartiles(&serial),
            parallel_quartiles_s: quartiles(&par),
            mean_speedup: mean_but_slowest(&serial) / mean_but_slowest(&par).max(f64::MIN_POSITIVE),
            model_serial_s,
            model_parallel_s: parallel.time_s,
            elapsed_s: watch.elapsed(),
        }
    };
    let Some(first) = round(shape, planned, read)? else {
        return Ok(None);
    };
    let trial = decided(first);
    // A median that gains and a mean that loses is a trial the machine interfered with (a
    // spell over a few parallel runs, or a worker that woke late in some), and so is one that
    // found no gain while the machine had less than its cores: it runs once more, and the
    // second round decides. A browser trial read parametric 1 µs x 100 at 1.13x in the median
    // where two workers then ran it 1.76x; a native one read it at 0.85x in a job whose
    // capacity probe read 0.97 of 2 cores, where two workers then ran it 1.40x.
    if trial.parallel_pays() {
        return Ok(Some(trial));
    }
    if trial.speedup() < TRIAL_MIN_GAIN && !in_a_spell()? {
        return Ok(Some(trial));
    }
    Ok(Some(match round(shape, planned, read)? {
        Some(second) => decided(second),
        None => trial,
    }))
}

/// One round of a trial: up to `planned` pairs of readings, serial's and `shape`'s; `None`
/// when twice the budget is spent before the fewest runs are done.
fn round(
    shape: Shape,
    planned: usize,
    read: &mut dyn FnMut(Shape) -> Result<f64>,
) -> Result<Option<(Vec<f64>, Vec<f64>)>> {
    let watch = Stopwatch::start();
    let (mut serial, mut par) = (Vec::with_capacity(planned), Vec::with_capacity(planned));
    for pair in 0..planned {
        let order = if pair % 2 == 0 {
            [Shape::Serial, shape]
        } else {
            [shape, Shape::Serial]
        };
        for s in order {
            let t = read(s)?;
            if s.is_serial() {
                serial.push(t);
            } else {
                par.push(t);
            }
        }
        // Readings can take longer than their runs suggest (the browser's pool shares two
        // cores with the page: 7 pairs of a 37 µs job took 50-88 ms), so the budget is
        // checked as it goes.
        let (done, elapsed) = (pair + 1, watch.elapsed());
        if done < FEWEST_RUNS && elapsed > 2.0 * TRIAL_BUDGET_S {
            return Ok(None);
        }
        if done >= FEWEST_RUNS && elapsed >= TRIAL_BUDGET_S {
            break;
        }
    }
    Ok(Some((serial, par)))
}

/// The mean of `readings` without the slowest one (all of them when there are two or fewer).
fn mean_but_slowest(readings: &[f64]) -> f64 {
    let slowest = stats::max(readings.iter().copied());
    if readings.len() > 2 {
        (readings.iter().sum::<f64>() - slowest) / (readings.len() - 1) as f64
    } else {
        mean(readings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::model::Breakdown;

    fn parallel(workers: usize, chunk_size: usize, time_s: f64) -> Prediction {
        Prediction {
            serial: false,
            workers,
            chunk_size,
            time_s,
            low_s: time_s,
            high_s: time_s,
            breakdown: Breakdown {
                compute_s: time_s,
                ..Breakdown::default()
            },
        }
    }

    /// A job whose serial runs take `serial_s` and whose `k`th parallel run (from 1) takes
    /// `parallel_s(k)`.
    fn by_parallel_run(
        serial_s: f64,
        parallel_s: impl Fn(usize) -> f64,
    ) -> impl FnMut(Shape) -> Result<f64> {
        let mut parallel_runs = 0;
        move |shape| {
            if shape.is_serial() {
                return Ok(serial_s);
            }
            parallel_runs += 1;
            Ok(parallel_s(parallel_runs))
        }
    }

    /// A machine never in a spell.
    fn no_spell() -> Result<bool> {
        Ok(false)
    }

    /// A job whose runs take `serial_s` or `parallel_s`, with one run of each disturbed.
    fn job(serial_s: f64, parallel_s: f64) -> impl FnMut(Shape) -> Result<f64> {
        let mut calls = 0;
        move |shape| {
            calls += 1;
            let disturbed = if calls == 3 { 5.0 } else { 1.0 };
            Ok(disturbed
                * if shape.is_serial() {
                    serial_s
                } else {
                    parallel_s
                })
        }
    }

    #[test]
    fn medians_decide_and_one_disturbed_run_does_not() {
        let p = parallel(2, 50, 50e-6);
        let trial = run(63e-6, &p, &mut job(105e-6, 70e-6), &mut no_spell)
            .unwrap()
            .unwrap();
        assert_eq!(trial.runs, MOST_RUNS);
        assert_eq!((trial.serial_s, trial.parallel_s), (105e-6, 70e-6));
        assert!(trial.parallel_pays());
        let trial = run(63e-6, &p, &mut job(63e-6, 70e-6), &mut no_spell)
            .unwrap()
            .unwrap();
        assert!(!trial.parallel_pays(), "{trial:?}");
        assert_eq!(trial.model_parallel_s, 50e-6);
    }

    #[test]
    fn runs_alternate_and_shrink_to_the_budget() {
        let mut shapes = Vec::new();
        let mut record = |s: Shape| {
            shapes.push(s.is_serial());
            Ok(1e-3)
        };
        let trial = run(2e-3, &parallel(2, 10, 1e-3), &mut record, &mut no_spell)
            .unwrap()
            .unwrap();
        assert_eq!(
            trial.runs,
            ((TRIAL_BUDGET_S / 3e-3) as usize).clamp(FEWEST_RUNS, MOST_RUNS)
        );
        assert_eq!(&shapes[..4], &[true, false, false, true]);
        assert_eq!(shapes.iter().filter(|s| **s).count(), trial.runs);
    }

    #[test]
    fn a_small_steady_gain_is_no_gain() {
        // 1.07x in every reading: more than the model asks of a prediction, less than the
        // machine moves between a trial and the runs after it.
        let p = parallel(2, 25_000, 55e-6);
        let trial = run(63e-6, &p, &mut job(63e-6, 59e-6), &mut no_spell)
            .unwrap()
            .unwrap();
        assert!(trial.speedup_interval().0 >= 1.0, "{trial:?}");
        assert!(!trial.parallel_pays(), "{trial:?}");
        let trial = run(63e-6, &p, &mut job(63e-6, 55e-6), &mut no_spell)
            .unwrap()
            .unwrap();
        assert!(trial.parallel_pays(), "{trial:?}");
    }

    #[test]
    fn a_gain_within_the_runs_spread_is_no_gain() {
        let p = parallel(2, 15, 40e-6);
        // Three parallel runs in seven twice as slow, in each round: the median gains, the
        // mean loses.
        let slow = |k: usize| [2, 4, 6].contains(&(k % MOST_RUNS));
        let mut spread = by_parallel_run(37e-6, |k| if slow(k) { 70e-6 } else { 33e-6 });
        let trial = run(37e-6, &p, &mut spread, &mut no_spell).unwrap().unwrap();
        assert!(trial.speedup() >= TRIAL_MIN_GAIN, "{trial:?}");
        assert!(trial.mean_speedup < 1.0, "{trial:?}");
        assert!(!trial.parallel_pays());
    }

    #[test]
    fn a_trial_whose_median_and_mean_disagree_runs_again() {
        // Serial 100 µs; two workers 60 µs, but every other parallel run of the first round
        // took 200 µs (a spell): the second round decides.
        let p = parallel(2, 25, 60e-6);
        let mut spell = by_parallel_run(100e-6, |k| {
            if k <= MOST_RUNS && k % 2 == 0 {
                200e-6
            } else {
                60e-6
            }
        });
        let trial = run(100e-6, &p, &mut spell, &mut no_spell).unwrap().unwrap();
        assert!(trial.parallel_pays(), "{trial:?}");
        assert_eq!(trial.parallel_s, 60e-6);
    }

    #[test]
    fn a_trial_that_found_no_gain_in_a_spell_runs_again() {
        // Serial 100 µs; two workers 60 µs, but the first round's parallel runs all took
        // 110 µs: the second worker shared the first's core, which the capacity probe saw.
        let p = parallel(2, 25, 60e-6);
        let spell_first_round =
            || by_parallel_run(100e-6, |k| if k <= MOST_RUNS { 110e-6 } else { 60e-6 });
        let mut in_a_spell = || Ok(true);
        let trial = run(100e-6, &p, &mut spell_first_round(), &mut in_a_spell)
            .unwrap()
            .unwrap();
        assert!(trial.parallel_pays(), "{trial:?}");
        // The same readings on a machine that had its cores: parallel lost, and stays lost.
        let trial = run(100e-6, &p, &mut spell_first_round(), &mut no_spell)
            .unwrap()
            .unwrap();
        assert!(!trial.parallel_pays(), "{trial:?}");
    }

    #[test]
    fn a_spell_over_a_few_parallel_runs_does_not_hide_a_gain() {
        // 2 ms serial, 1 ms on two workers, and three parallel readings in a row a little over
        // serial's time: the second worker shared the first's core for them.
        let p = parallel(2, 25, 1e-3);
        let mut spell = by_parallel_run(2e-3, |k| if (2..=4).contains(&k) { 2.2e-3 } else { 1e-3 });
        let trial = run(2e-3, &p, &mut spell, &mut no_spell).unwrap().unwrap();
        assert!(trial.runs >= 5, "{trial:?}");
        // Their slower quartile is a spell's reading, slower than serial's.
        assert!(trial.speedup_interval().0 < 1.0, "{trial:?}");
        assert!(trial.parallel_pays(), "{trial:?}");
    }

    #[test]
    fn the_budget_is_kept_as_the_readings_come_in() {
        let mut slow = |_: Shape| {
            std::thread::sleep(std::time::Duration::from_secs_f64(TRIAL_BUDGET_S / 4.0));
            Ok(1e-5)
        };
        let trial = run(1e-5, &parallel(2, 10, 1e-5), &mut slow, &mut no_spell)
            .unwrap()
            .unwrap();
        assert_eq!(trial.runs, FEWEST_RUNS, "{trial:?}");
        let mut very_slow = |_: Shape| {
            std::thread::sleep(std::time::Duration::from_secs_f64(1.5 * TRIAL_BUDGET_S));
            Ok(1e-5)
        };
        assert_eq!(
            run(1e-5, &parallel(2, 10, 1e-5), &mut very_slow, &mut no_spell).unwrap(),
            None
        );
    }

    #[test]
    fn a_failed_run_fails_the_trial() {
        let mut failing = |_: Shape| Err(Error::Cancelled);
        let err = run(1e-4, &parallel(2, 10, 1e-4), &mut failing, &mut no_spell).unwrap_err();
        assert_eq!(err, Error::Cancelled);
    }

    #[test]
    fn the_measured_figure_belongs_to_the_shape_that_ran() {
        let trial = run(
            1e-4,
            &parallel(2, 40, 1e-4),
            &mut job(1e-4, 6e-5),
            &mut no_spell,
        )
        .unwrap()
        .unwrap();
        assert_eq!(trial.measured(Shape::Serial, 100), Some(1e-4));
        assert_eq!(trial.measured(Shape::fixed(2, 40), 100), Some(6e-5));
        assert_eq!(trial.measured(Shape::fixed(2, 10), 100), None);
    }
}
