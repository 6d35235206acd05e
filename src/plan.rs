//! The recommendation: serial, or k workers taking chunks of c items, and why.

use crate::calibrate::Costs;
use crate::model::{Breakdown, Model, Prediction};
use crate::options::{Start, Transfer};
use crate::provenance::Source;
use crate::sample::Profile;
use crate::shape::Shape;
use crate::stats;
use crate::trial::Trial;
use crate::tuning::{
    CPU_BOUND_FRACTION, MIN_GAIN, NEAR_TIE, OVERHEAD_MARGIN, OVERSUBSCRIBED_GAIN, TRIAL_ALWAYS_S,
    TRIAL_CONFIDENT_GAIN, TRIAL_SERIAL_S,
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// A plain loop on the calling thread.
    Serial,
    /// `workers` workers on the pool, taking `chunk_size` items at a time.
    Parallel,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    TooLittleWork,
    Heterogeneous,
    IndexDependentCost,
    Memory,
    TransferBound,
    Oversubscribed,
    NoisySample,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    pub kind: WarningKind,
    pub message: String,
}

/// How long deciding took, and on what.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DecisionCost {
    pub sampling_s: f64,
    /// Calibration time if this decision paid for it (costs are cached per process), else 0.
    pub calibration_s: f64,
    pub model_s: f64,
    /// Runs of the whole job that decided a short one (`crate::trial`), else 0.
    #[serde(default)]
    pub trial_s: f64,
    pub total_s: f64,
}

/// What to run. Build one with `optimize`, or by hand with `Plan::fixed` or `Plan::serial`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub strategy: Strategy,
    pub workers: usize,
    /// `null` in JSON for serial, which hands out no chunks.
    #[serde(with = "serial_chunk")]
    pub chunk_size: usize,
    /// Predicted serial time over predicted time of this plan; NaN for hand-built plans.
    pub predicted_speedup: f64,
    /// The speedup with overheads halved and doubled.
    pub speedup_interval: (f64, f64),
    pub predicted_time_s: f64,
    pub predicted_serial_s: f64,
    pub transfer: Transfer,
    pub start: Start,
    pub breakdown: Breakdown,
    pub reasons: Vec<String>,
    pub warnings: Vec<Warning>,
    pub profile: Option<Profile>,
    pub costs: Option<Costs>,
    /// The best predicted chunk size and time for each worker count considered.
    pub per_workers: Vec<Prediction>,
    pub decision: DecisionCost,
    /// The runs that decided a short job, whose medians are then the prediction for the shapes
    /// they ran; `None` when the model decided alone.
    #[serde(default)]
    pub trial: Option<Trial>,
}

impl Plan {
    fn manual(strategy: Strategy, workers: usize, chunk_size: usize) -> Self {
        Self {
            strategy,
            workers,
            chunk_size,
            predicted_speedup: f64::NAN,
            speedup_interval: (f64::NAN, f64::NAN),
            predicted_time_s: f64::NAN,
            predicted_serial_s: f64::NAN,
            transfer: Transfer::Shared,
            start: Start::Warm,
            breakdown: Breakdown::default(),
            reasons: vec!["chosen by hand".into()],
            warnings: Vec::new(),
            profile: None,
            costs: None,
            per_workers: Vec::new(),
            decision: DecisionCost::default(),
            trial: None,
        }
    }

    /// `workers` workers taking `chunk_size` items at a time. Worker counts past the core
    /// count are allowed (up to the pool's size), since waiting workloads gain there.
    pub fn fixed(workers: usize, chunk_size: usize) -> Self {
        Self::manual(Strategy::Parallel, workers, chunk_size)
    }

    /// A plain loop on the calling thread.
    pub fn serial() -> Self {
        Self::manual(Strategy::Serial, 1, usize::MAX)
    }

    /// A hand-built plan that runs `shape`.
    pub fn of_shape(shape: Shape) -> Self {
        match shape {
            Shape::Serial => Self::serial(),
            Shape::Parallel(p) => Self::fixed(p.workers, p.chunk_size),
        }
    }

    pub fn is_serial(&self) -> bool {
        self.strategy == Strategy::Serial
    }

    /// What the executor runs for this plan.
    pub fn shape(&self) -> Shape {
        match self.strategy {
            Strategy::Serial => Shape::Serial,
            Strategy::Parallel => Shape::fixed(self.workers, self.chunk_size),
        }
    }

    /// Short label such as `serial` or `2 workers x 500 items`.
    pub fn label(&self) -> String {
        match self.strategy {
            Strategy::Serial => "serial".into(),
            Strategy::Parallel => crate::units::shape(self.workers, self.chunk_size, None),
        }
    }

    /// The model's prediction for this plan's (k, c), when the plan carries a profile.
    pub fn predict(&self) -> Option<Prediction> {
        let (profile, costs) = (self.profile.as_ref()?, self.costs.as_ref()?);
        let model = Model::new(profile, costs, self.transfer, self.start);
        Some(match self.strategy {
            Strategy::Serial => model.serial(),
            Strategy::Parallel => model.predict(self.workers, self.chunk_size),
        })
    }

    /// The same plan with another (k, c), predicted with this plan's profile and costs.
    pub fn with_shape(&self, workers: usize, chunk_size: usize) -> Plan {
        let mut plan = self.clone();
        plan.strategy = Strategy::Parallel;
        plan.workers = workers;
        plan.chunk_size = chunk_size;
        plan.fill_prediction();
        plan
    }

    /// The same plan predicted for runs on memory with `headroom` bytes to spare
    /// (`memory::headroom`): once a run has grown the browser's memory, the runs after it write
    /// their results without growing it. A serial time a trial measured stays as measured.
    pub fn with_memory_headroom(&self, headroom: Option<usize>) -> Plan {
        let mut plan = self.clone();
        if let Some(profile) = plan.profile.as_mut() {
            profile.memory_headroom_bytes = headroom.map(|b| b as f64);
        }
        if plan.trial.is_none() {
            if let Some(serial) = plan.as_serial().predict() {
                plan.predicted_serial_s = serial.time_s;
            }
        }
        plan.fill_prediction();
        plan
    }

    /// The same profile and costs, run serially.
    pub fn as_serial(&self) -> Plan {
        let mut plan = self.clone();
        plan.strategy = Strategy::Serial;
        plan.workers = 1;
        plan.chunk_size = usize::MAX;
        plan.fill_prediction();
        plan
    }

    /// The parallel shape a trial should race against serial, if this plan needs one: a
    /// warm-start job predicted to run within `TRIAL_SERIAL_S` whose best parallel shape could
    /// pay with its overheads halved and is not sure to with them doubled
    /// (`TRIAL_CONFIDENT_GAIN`), and any within `TRIAL_ALWAYS_S`. Cold starts are left to the
    /// model: the trial's pool is already running.
    pub fn trial_candidate(&self) -> Option<Prediction> {
        let costs = self.costs.as_ref()?;
        let profile = self.profile.as_ref()?;
        if self.start != Start::Warm || costs.threads <= 1 || profile.items <= 1 {
            return None;
        }
        // NaN (a sample too fast for the clock) is not short enough either.
        if self.predicted_serial_s.is_nan() || self.predicted_serial_s > TRIAL_SERIAL_S {
            return None;
        }
        let best = *self.best_parallel()?;
        if self.predicted_serial_s <= TRIAL_ALWAYS_S {
            return Some(best);
        }
        let (pessimistic, optimistic) = speedup_interval(self.predicted_serial_s, &best);
        (optimistic >= 1.0 && pessimistic < TRIAL_CONFIDENT_GAIN).then_some(best)
    }

    /// The fastest predicted shape with more than one worker, whatever the plan chose; none on
    /// a pool of one thread or a hand-built plan.
    pub fn best_parallel(&self) -> Option<&Prediction> {
        self.per_workers
            .iter()
            .filter(|p| p.workers > 1)
            .min_by(|a, b| a.time_s.total_cmp(&b.time_s))
    }

    /// The plan the trial chose, serial or the parallel shape it ran, with the trial's medians
    /// as its prediction. The breakdown stays the model's for that shape (the report names it
    /// as the model's, with its own total).
    pub fn decided_by(&self, trial: Trial) -> Plan {
        let mut plan = self.clone();
        plan.trial = Some(trial);
        plan.predicted_serial_s = trial.serial_s;
        if trial.parallel_pays() {
            plan.with_shape(trial.workers, trial.chunk_size)
        } else {
            plan.as_serial()
        }
    }

    /// The model's prediction for this plan's shape, or the trial's median where the trial
    /// ran it: the figure a visitor will see the run come close to.
    fn fill_prediction(&mut self) {
        let Some(prediction) = self.predict() else {
            return;
        };
        let items = self.profile.as_ref().map_or(0, |p| p.items);
        let measured = self
            .trial
            .and_then(|t| Some((t, t.measured(self.shape(), items)?)));
        let serial = self.predicted_serial_s;
        self.predicted_time_s = measured.map_or(prediction.time_s, |(_, time)| time);
        self.breakdown = prediction.breakdown;
        // Serial against serial is 1, even when both read 0.
        self.predicted_speedup = match self.strategy {
            Strategy::Serial => 1.0,
            Strategy::Parallel => serial / self.predicted_time_s,
        };
        self.speedup_interval = match measured {
            Some(_) if self.is_serial() => (1.0, 1.0),
            Some((trial, _)) => trial.speedup_interval(),
            None => speedup_interval(serial, &prediction),
        };
    }
}

/// The fastest worker count's prediction; among near-ties the fewest workers, as the same time
/// for less of the machine.
pub fn best_of(per_workers: &[Prediction]) -> Option<Prediction> {
    let fastest = stats::min(per_workers.iter().map(|p| p.time_s));
    per_workers
        .iter()
        .find(|p| p.time_s <= fastest * NEAR_TIE)
        .copied()
}

/// A serial plan's chunk size (`usize::MAX`, one chunk of everything) is `null` in JSON rather
/// than 2^64-1, which JavaScript cannot even hold exactly.
mod serial_chunk {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(chunk: &usize, s: S) -> Result<S::Ok, S::Error> {
        if *chunk == usize::MAX {
            s.serialize_none()
        } else {
            s.serialize_some(chunk)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
        Option::<usize>::deserialize(d).map(|c| c.unwrap_or(usize::MAX))
    }
}

impl From<&Plan> for Shape {
    fn from(plan: &Plan) -> Self {
        plan.shape()
    }
}

/// The decision rule: parallel pays when `best` uses more than one worker, is predicted at
/// least `MIN_GAIN` faster than serial, and still wins with its overheads doubled.
pub fn pays_off(serial_s: f64, best: &Prediction) -> bool {
    let gain = serial_s / best.time_s;
    let pessimistic = speedup_interval(serial_s, best).0;
    best.workers > 1 && gain >= MIN_GAIN && pessimistic >= 1.0
}

/// The predicted speedup with every overhead halved and doubled.
pub fn speedup_interval(serial_s: f64, p: &Prediction) -> (f64, f64) {
    if p.serial {
        return (1.0, 1.0);
    }
    let compute = p.breakdown.compute_s;
    let overhead = p.breakdown.overhead();
    (
        serial_s / (compute + OVERHEAD_MARGIN * overhead),
        serial_s / (compute + overhead / OVERHEAD_MARGIN),
    )
}

/// The optimizer's last step: the plan with the least predicted time for this profile and
/// these costs, by the decision rule (`best_of`, `pays_off`), without reasons yet. Useful on
/// its own to ask "what if" of a profile and costs measured elsewhere.
pub fn optimize_profile(
    profile: Profile,
    costs: Costs,
    transfer: Transfer,
    start: Start,
    max_workers: Option<usize>,
) -> Plan {
    let model = Model::new(&profile, &costs, transfer, start);
    let serial = model.serial();
    // Busy items stay within the cores unless running more of them was measured to pay.
    let oversubscribing_pays = profile.oversubscribed_gain_source == Source::Measured
        && profile.oversubscribed_gain >= OVERSUBSCRIBED_GAIN;
    let cpu_bound = profile.cpu_fraction >= CPU_BOUND_FRACTION && !oversubscribing_pays;
    let mut limit = max_workers
        .unwrap_or(costs.threads)
        .min(costs.threads)
        .max(1);
    if cpu_bound && max_workers.is_none() {
        limit = limit.min(costs.cores.max(1));
    }
    let per_workers: Vec<Prediction> = (1..=limit).map(|k| model.best_for(k)).collect();
    let best = best_of(&per_workers).expect("at least one worker count");
    let parallel = pays_off(serial.time_s, &best);
    let chosen = if parallel { best } else { serial };

    let mut plan = Plan {
        strategy: if parallel {
            Strategy::Parallel
        } else {
            Strategy::Serial
        },
        workers: chosen.workers,
        chunk_size: if parallel {
            chosen.chunk_size
        } else {
            usize::MAX
        },
        // Serial against serial is 1, even when the sample read too fast for the clock (0 / 0).
        predicted_speedup: if parallel {
            serial.time_s / chosen.time_s
        } else {
            1.0
        },
        speedup_interval: speedup_interval(serial.time_s, &chosen),
        predicted_time_s: chosen.time_s,
        predicted_serial_s: serial.time_s,
        transfer,
        start,
        breakdown: chosen.breakdown,
        reasons: Vec::new(),
        warnings: Vec::new(),
        profile: None,
        costs: None,
        per_workers,
        decision: DecisionCost::default(),
        trial: None,
    };
    plan.profile = Some(profile);
    plan.costs = Some(costs);
    plan
}
