//! Adaptive search: successive halving over the model's most promising shapes.
//!
//! The model ranks every (k, c); the tuner measures only the leading few, plus serial, and
//! halves the field each round on medians of real runs. The winner is what was measured fastest,
//! not what was predicted.

use crate::error::Result;
use crate::options::{Options, Progress};
use crate::plan::Plan;
use crate::shape::Shape;
use crate::stats;
use crate::sweep::RunOnce;
use serde::{Deserialize, Serialize};

/// How many shapes enter the first round (serial comes on top): enough to hold the model's best
/// chunk for each worker count of a small machine, few enough to stay far below a sweep.
pub const CANDIDATES: usize = 8;
/// Runs the winner has at least, for its median.
pub const FINAL_RUNS: usize = 3;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Serial: one worker, one chunk of every item.
    pub serial: bool,
    pub workers: usize,
    pub chunk_size: usize,
    pub predicted_s: f64,
    pub runs_s: Vec<f64>,
    pub median_s: f64,
    /// The round that eliminated it; `None` for the winner.
    pub eliminated_in: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TuneResult {
    /// The fastest measured shape, as a plan carrying the model's prediction for it.
    pub plan: Plan,
    pub best_time_s: f64,
    /// Serial's median if serial survived a round, else its first run.
    pub serial_time_s: f64,
    /// The median of the model's own shape among the candidates (serial's for a serial
    /// model), so that a page shows what the model's choice measured beside the tuner's.
    #[serde(default)]
    pub model_time_s: Option<f64>,
    pub candidates: Vec<Candidate>,
    pub rounds: usize,
    pub runs: usize,
    pub elapsed_s: f64,
}

impl Candidate {
    fn shape(&self) -> Shape {
        if self.serial {
            Shape::Serial
        } else {
            Shape::fixed(self.workers, self.chunk_size)
        }
    }

    /// This candidate's shape, predicted with the profile and costs of `model_plan`.
    fn plan(&self, model_plan: &Plan) -> Plan {
        if self.serial {
            model_plan.as_serial()
        } else {
            model_plan.with_shape(self.workers, self.chunk_size)
        }
    }
}

/// The first round's field: serial, the model's best chunk for each worker count, and that
/// chunk a quarter and four times as big, ranked by predicted time.
fn field(model_plan: &Plan, items: usize, size: usize) -> Vec<Candidate> {
    let mut shapes: Vec<(usize, usize)> = Vec::new();
    for p in &model_plan.per_workers {
        let c = p.chunk_size;
        for shape in [
            (p.workers, c),
            (p.workers, (c / 4).max(1)),
            (p.workers, (c * 4).min(items)),
        ] {
            if !shapes.contains(&shape) {
                shapes.push(shape);
            }
        }
    }
    let mut ranked: Vec<Candidate> = shapes
        .into_iter()
        .map(|(k, c)| Candidate {
            serial: false,
            workers: k,
            chunk_size: c,
            predicted_s: model_plan.with_shape(k, c).predicted_time_s,
            runs_s: Vec::new(),
            median_s: f64::NAN,
            eliminated_in: None,
        })
        .collect();
    ranked.sort_by(|a, b| a.predicted_s.total_cmp(&b.predicted_s));
    ranked.truncate(size.max(1));
    ranked.push(Candidate {
        serial: true,
        workers: 1,
        chunk_size: items,
        predicted_s: model_plan.predicted_serial_s,
        runs_s: Vec::new(),
        median_s: f64::NAN,
        eliminated_in: None,
    });
    ranked
}

pub(crate) fn run_tune(
    items: usize,
    model_plan: &Plan,
    run: &RunOnce<'_>,
    options: &Options<'_>,
) -> Result<TuneResult> {
    let watch = crate::clock::Stopwatch::start();
    let mut all = field(model_plan, items, CANDIDATES);
    let mut alive: Vec<usize> = (0..all.len()).collect();
    // Rounds until one is left, then top the winner up to `final_runs`.
    let mut total = 0;
    let mut field_size = alive.len();
    while field_size > 1 {
        total += field_size;
        field_size = field_size.div_ceil(2);
    }
    total += FINAL_RUNS;
    let cancel = options.cancel.as_ref();
    let mut runs = 0;
    let mut rounds = 0;
    let measure = |candidate: &mut Candidate, runs: &mut usize| -> Result<()> {
        let plan = candidate.plan(model_plan);
        candidate.runs_s.push(run(&plan, cancel)?);
        candidate.median_s = stats::median(&candidate.runs_s);
        *runs += 1;
        if let Some(progress) = options.progress {
            progress(&Progress::new(*runs, total, plan.shape(), items));
        }
        Ok(())
    };
    while alive.len() > 1 {
        rounds += 1;
        for &i in &alive {
            measure(&mut all[i], &mut runs)?;
        }
        alive.sort_by(|&a, &b| all[a].median_s.total_cmp(&all[b].median_s));
        let keep = alive.len().div_ceil(2);
        for &i in &alive[keep..] {
            all[i].eliminated_in = Some(rounds);
        }
        alive.truncate(keep);
    }
    let winner = alive[0];
    while all[winner].runs_s.len() < FINAL_RUNS {
        measure(&mut all[winner], &mut runs)?;
    }
    let best = &all[winner];
    let serial = all
        .iter()
        .find(|c| c.serial)
        .expect("serial is in the field");
    let model_shape = model_plan.shape();
    let model_time_s = all
        .iter()
        .find(|c| c.shape().same_on(&model_shape, items))
        .map(|c| c.median_s);
    Ok(TuneResult {
        plan: best.plan(model_plan),
        best_time_s: best.median_s,
        serial_time_s: serial.median_s,
        model_time_s,
        candidates: all.clone(),
        rounds,
        runs,
        elapsed_s: watch.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cancel::CancelToken;
    use crate::model::{Breakdown, Prediction};
    use std::cell::RefCell;

    fn per_workers(chunk: usize) -> Vec<Prediction> {
        (1..=3)
            .map(|k| Prediction {
                serial: false,
                workers: k,
                chunk_size: chunk,
                time_s: 1.0 / k as f64,
                low_s: 0.0,
                high_s: 0.0,
                breakdown: Breakdown::default(),
            })
            .collect()
    }

    /// A runner whose times are known: 2 workers with chunks of 40 is fastest, serial slowest.
    fn fake(plan: &Plan) -> f64 {
        if plan.is_serial() {
            return 10.0;
        }
        let k = plan.workers as f64;
        let c = plan.chunk_size as f64;
        1.0 + (k - 2.0).abs() + (c - 40.0).abs() / 40.0
    }

    #[test]
    fn the_tuner_keeps_what_ran_fastest_and_drops_the_slower_half() {
        let model_plan = Plan {
            per_workers: per_workers(10),
            predicted_serial_s: 3.0,
            ..Plan::fixed(3, 10)
        };
        let ran = RefCell::new(Vec::new());
        let run = |plan: &Plan, _: Option<&CancelToken>| {
            ran.borrow_mut().push((plan.workers, plan.chunk_size));
            Ok(fake(plan))
        };
        let tuned = run_tune(400, &model_plan, &run, &Options::default()).unwrap();
        // The field holds k = 1..3 at chunks 10, 2 and 40; (2, 40) is the fastest of them.
        assert_eq!((tuned.plan.workers, tuned.plan.chunk_size), (2, 40));
        assert_eq!(tuned.best_time_s, 1.0);
        assert_eq!(tuned.runs, ran.borrow().len());
        // The model's own shape (3 x 10) ran in the first round, at fake's 2.75.
        assert_eq!(tuned.model_time_s, Some(2.75));
        let winner = tuned
            .candidates
            .iter()
            .find(|c| c.eliminated_in.is_none())
            .unwrap();
        assert_eq!((winner.workers, winner.chunk_size), (2, 40));
        for c in tuned
            .candidates
            .iter()
            .filter(|c| c.eliminated_in.is_some())
        {
            assert!(c.median_s >= winner.median_s, "{c:?}");
        }
        // Successive halving: later rounds run fewer candidates than the first.
        assert!(tuned.rounds >= 2);
        assert!(tuned.runs < tuned.candidates.len() * tuned.rounds);
    }

    #[test]
    fn serial_wins_the_tuning_when_it_runs_fastest() {
        let model_plan = Plan {
            per_workers: per_workers(10),
            predicted_serial_s: 3.0,
            ..Plan::fixed(3, 10)
        };
        let run = |plan: &Plan, _: Option<&CancelToken>| {
            Ok(if plan.is_serial() { 0.5 } else { fake(plan) })
        };
        let tuned = run_tune(400, &model_plan, &run, &Options::default()).unwrap();
        assert!(tuned.plan.is_serial());
        assert_eq!(tuned.best_time_s, 0.5);

        // A serial model's measured time is serial's.
        let serial_model = Plan {
            per_workers: per_workers(10),
            predicted_serial_s: 3.0,
            ..Plan::serial()
        };
        let tuned = run_tune(400, &serial_model, &run, &Options::default()).unwrap();
        assert_eq!(tuned.model_time_s, Some(tuned.serial_time_s));
    }
}
