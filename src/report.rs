//! The diagnostic report: what was measured, what was decided, where the time goes, and what to
//! do about it. Everything in it comes from measured figures or is marked as assumed.

use crate::calibrate::Cost;
use crate::explain::{self, Bottleneck};
use crate::model::Breakdown;
use crate::plan::{Plan, Warning};
use crate::provenance::Source;
use crate::trial::Trial;
use crate::units::{bytes, count, percent, seconds};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Times measured for the plan and for serial, set beside the prediction.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    pub serial_s: f64,
    pub plan_s: f64,
    pub speedup: f64,
    /// |predicted - measured speedup| / measured speedup.
    pub prediction_error: f64,
}

impl Measured {
    pub fn new(plan: &Plan, serial_s: f64, plan_s: f64) -> Self {
        let speedup = serial_s / plan_s;
        Self {
            serial_s,
            plan_s,
            speedup,
            prediction_error: (plan.predicted_speedup - speedup).abs() / speedup,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The report as the reader sees it: what `Display` prints and the page renders.
    pub sections: Vec<Section>,
    pub plan_label: String,
    pub items: usize,
    pub mean_item_s: f64,
    pub cv: f64,
    pub quantiles_s: [f64; 4],
    pub index_skew: f64,
    pub contention: f64,
    pub contention_source: Source,
    pub cpu_fraction: f64,
    pub cpu_fraction_source: Source,
    pub oversubscribed_gain: f64,
    pub oversubscribed_gain_source: Source,
    pub oversubscribed_workers: usize,
    pub bytes_in: f64,
    /// Whether `bytes_in` and `bytes_out` are serialized sizes (copy transfer) rather than
    /// sizes in place, which leave out data behind a pointer.
    #[serde(default)]
    pub bytes_serialized: bool,
    pub bytes_out: f64,
    /// Heap memory one result owns beside its slot, as sampled (0 where it cannot be read).
    #[serde(default)]
    pub result_heap_bytes: f64,
    pub sampled_items: usize,
    pub cores: usize,
    pub threads: usize,
    /// (name, seconds, source) for each platform cost.
    pub costs: Vec<(String, Cost)>,
    /// The clock's step: a cost read as nothing on a coarse clock took under one step.
    #[serde(default)]
    pub clock_resolution_s: f64,
    pub predicted_serial_s: f64,
    pub predicted_time_s: f64,
    pub predicted_speedup: f64,
    pub speedup_interval: (f64, f64),
    pub efficiency: f64,
    /// The breakdown of the plan, or of the best parallel shape when the plan is serial.
    pub breakdown: Breakdown,
    /// That best parallel shape's worker count when the plan is serial: its breakdown adds up
    /// to its own time, not the plan's (one item on 2 workers: 105 µs beside "this plan 90 µs").
    #[serde(default)]
    pub breakdown_of_workers: Option<usize>,
    pub bottleneck: Bottleneck,
    pub reasons: Vec<String>,
    pub warnings: Vec<Warning>,
    pub advice: Vec<String>,
    pub decision_s: f64,
    /// The runs that decided a short job; the prediction is then their medians.
    #[serde(default)]
    pub trial: Option<Trial>,
    pub measured: Option<Measured>,
}

impl Report {
    /// The report for a plan from `optimize`; `None` for hand-built plans, which carry no
    /// measurements.
    pub fn new(plan: &Plan, measured: Option<Measured>) -> Option<Report> {
        let profile = plan.profile.as_ref()?;
        let costs = plan.costs.as_ref()?;
        let best_parallel = plan.best_parallel();
        let breakdown = if plan.is_serial() {
            // With no parallel shape (a pool of one thread), the serial plan's own breakdown.
            best_parallel.map_or(plan.breakdown, |p| p.breakdown)
        } else {
            plan.breakdown
        };
        let bottleneck = explain::bottleneck(&breakdown, profile.cv, plan);
        let workers = if plan.is_serial() {
            best_parallel.map_or(1, |p| p.workers)
        } else {
            plan.workers
        };
        let efficiency = if plan.is_serial() {
            1.0
        } else {
            plan.predicted_speedup / workers.min(costs.cores).max(1) as f64
        };
        let mut report = Report {
            sections: Vec::new(),
            plan_label: plan.label(),
            items: profile.items,
            mean_item_s: profile.mean_s,
            cv: profile.cv,
            quantiles_s: [profile.p10_s, profile.p50_s, profile.p90_s, profile.max_s],
            index_skew: profile.index_skew(),
            contention: profile.contention,
            contention_source: profile.contention_source,
            cpu_fraction: profile.cpu_fraction,
            cpu_fraction_source: profile.cpu_fraction_source,
            oversubscribed_gain: profile.oversubscribed_gain,
            oversubscribed_gain_source: profile.oversubscribed_gain_source,
            oversubscribed_workers: profile.oversubscribed_workers,
            bytes_in: profile.bytes_in,
            bytes_serialized: profile.bytes_serialized,
            bytes_out: profile.bytes_out,
            result_heap_bytes: profile.result_heap_bytes,
            sampled_items: profile.sampled_items,
            cores: costs.cores,
            threads: costs.threads,
            clock_resolution_s: costs.clock_resolution_s,
            costs: [
                ("run start and join".into(), costs.run_fixed_s),
                ("wake per worker".into(), costs.wake_per_worker_s),
                (
                    "dispatch per chunk (one worker)".into(),
                    costs.dispatch_solo_s,
                ),
                (
                    "dispatch per chunk (contended)".into(),
                    costs.dispatch_shared_s,
                ),
                (
                    "thread start-up (cold runs)".into(),
                    costs.startup_per_worker_s,
                ),
                ("copied message".into(), costs.message_s),
                (
                    "fresh memory per MiB".into(),
                    Cost {
                        value: costs.fresh_memory_s_per_byte.value * (1 << 20) as f64,
                        source: costs.fresh_memory_s_per_byte.source,
                    },
                ),
            ]
            .into_iter()
            // Only where it was measured on its own (wasm); natively it is the fresh memory's.
            .chain(
                (costs.grown_memory_s_per_byte != costs.fresh_memory_s_per_byte).then(|| {
                    (
                        "growing memory per MiB".into(),
                        Cost {
                            value: costs.grown_memory_s_per_byte.value * (1 << 20) as f64,
                            source: costs.grown_memory_s_per_byte.source,
                        },
                    )
                }),
            )
            .chain(
                costs
                    .parked
                    .starts_s
                    .iter()
                    .enumerate()
                    .map(|(rank, &start)| {
                        (
                            format!("worker {} takes its first chunk (parked pool)", rank + 1),
                            Cost::measured(start),
                        )
                    }),
            )
            .chain(
                (!costs.parked.starts_s.is_empty())
                    .then(|| {
                        [
                            (
                                "run join (parked pool)".to_string(),
                                Cost::measured(costs.parked.join_s),
                            ),
                            (
                                "work lost to a woken core's slow start (parked pool)".to_string(),
                                Cost::measured(costs.parked.cold_core_s),
                            ),
                        ]
                    })
                    .into_iter()
                    .flatten(),
            )
            .collect(),
            predicted_serial_s: plan.predicted_serial_s,
            predicted_time_s: plan.predicted_time_s,
            predicted_speedup: plan.predicted_speedup,
            speedup_interval: plan.speedup_interval,
            efficiency,
            breakdown,
            breakdown_of_workers: best_parallel
                .filter(|_| plan.is_serial())
                .map(|p| p.workers),
            bottleneck,
            reasons: plan.reasons.clone(),
            warnings: plan.warnings.clone(),
            advice: explain::advice(bottleneck, plan),
            decision_s: plan.decision.total_s,
            trial: plan.trial,
            measured,
        };
        report.sections = report.build_sections();
        Some(report)
    }
}

/// A clock this coarse or coarser reads short costs as no step at all (the browser's, 5 µs);
/// natively (30 ns here) a zero is a fit's slope or a loss measured as none.
const COARSE_CLOCK_S: f64 = 1e-6;

fn source_tag(source: Source) -> &'static str {
    match source {
        Source::Measured => "measured",
        Source::Assumed => "assumed",
    }
}

/// One titled part of the report: labelled figures, then sentences.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub title: String,
    pub rows: Vec<Row>,
    pub items: Vec<String>,
}

/// A labelled figure, with where it came from when that matters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub label: String,
    pub value: String,
    pub source: Option<Source>,
}

fn row(label: &str, value: String) -> Row {
    Row {
        label: label.into(),
        value,
        source: None,
    }
}

fn sourced(label: &str, value: String, source: Source) -> Row {
    Row {
        source: Some(source),
        ..row(label, value)
    }
}

impl Report {
    /// A cost's figure. The browser's worker clock steps by about 5 µs, and a start or join
    /// that read no step at all is shorter than one step, not free: "0 ns" beside "start-up
    /// 5.33 µs" read as a contradiction.
    fn cost_value(&self, figure: &Cost) -> String {
        if figure.value == 0.0
            && figure.source == Source::Measured
            && self.clock_resolution_s >= COARSE_CLOCK_S
        {
            format!("under {}", seconds(self.clock_resolution_s))
        } else {
            seconds(figure.value)
        }
    }

    fn build_sections(&self) -> Vec<Section> {
        let section =
            |title: String, rows: Vec<Row>, items: Vec<String>| Section { title, rows, items };
        let q = &self.quantiles_s;
        let mut system = vec![row(
            "usable cores / pool threads",
            format!("{} / {}", self.cores, self.threads),
        )];
        system.extend(
            self.costs
                .iter()
                .map(|(name, figure)| sourced(name, self.cost_value(figure), figure.source)),
        );
        let sizes = format!("{} / {}", bytes(self.bytes_in), bytes(self.bytes_out));
        let b = &self.breakdown;
        // A serial plan's breakdown is its best parallel shape's, which is named, with its time.
        let (breakdown_label, breakdown_total) = match self.breakdown_of_workers {
            Some(k) => (
                format!("best parallel ({})", count(k, "worker", "workers")),
                format!("{}: ", seconds(b.total())),
            ),
            // The trial's medians are the plan's times; the breakdown is the model's, of its own
            // prediction for the shape.
            None if self.trial.is_some() => (
                "the model's breakdown".to_string(),
                format!("{}: ", seconds(b.total())),
            ),
            None => ("breakdown".to_string(), String::new()),
        };
        let measured_by_trial = |figure: f64| match &self.trial {
            Some(trial) => format!(
                "{} (median of {} in the decision's trial)",
                seconds(figure),
                count(trial.runs, "run", "runs")
            ),
            None => seconds(figure),
        };
        let mut out = vec![
            section(
                "Workload".into(),
                vec![
                    row("items", self.items.to_string()),
                    row(
                        "time per item",
                        format!("{} (CV {:.2})", seconds(self.mean_item_s), self.cv),
                    ),
                    row("p10 / p50 / p90 / max", q.map(seconds).join(" / ")),
                    row("cost skew by index", format!("{:.2}x", self.index_skew)),
                    sourced(
                        "slowdown, one per core",
                        format!("{:.2}x", self.contention),
                        self.contention_source,
                    ),
                    sourced(
                        "CPU share",
                        percent(self.cpu_fraction),
                        self.cpu_fraction_source,
                    ),
                    // Shared transfer moves an item in place, so its size is the value's own,
                    // without what it points to: a 1 KiB payload in a Vec read "24.0 B", and
                    // was taken for the payload's size.
                    if self.bytes_serialized {
                        row("bytes in / out, serialized", sizes)
                    } else {
                        row(
                            "item / result size",
                            format!("{sizes} in place (what they point to is shared, not copied)"),
                        )
                    },
                ]
                .into_iter()
                .chain((self.result_heap_bytes >= 1.0).then(|| {
                    row(
                        "heap memory per result",
                        format!(
                            "{} ({} for all results)",
                            bytes(self.result_heap_bytes),
                            bytes(self.result_heap_bytes * self.items as f64)
                        ),
                    )
                }))
                .chain([row("sampled items", self.sampled_items.to_string())])
                .collect(),
                Vec::new(),
            ),
            section("System".into(), system, Vec::new()),
            section(
                format!("Decision: {}", self.plan_label),
                Vec::new(),
                self.reasons.clone(),
            ),
            section(
                "Prediction".into(),
                vec![
                    row("serial", measured_by_trial(self.predicted_serial_s)),
                    row("this plan", measured_by_trial(self.predicted_time_s)),
                    row(
                        "speedup",
                        format!(
                            "{:.2}x ({:.2}x - {:.2}x), efficiency {}",
                            self.predicted_speedup,
                            self.speedup_interval.0,
                            self.speedup_interval.1,
                            percent(self.efficiency)
                        ),
                    ),
                    row(
                        &breakdown_label,
                        format!(
                            "{breakdown_total}compute {}, start-up {}, dispatch {}, transfer {}, imbalance {}",
                            seconds(b.compute_s),
                            seconds(b.startup_s),
                            seconds(b.dispatch_s),
                            seconds(b.transfer_s),
                            seconds(b.imbalance_s)
                        ),
                    ),
                    row("decision took", seconds(self.decision_s)),
                ],
                Vec::new(),
            ),
            section(
                format!("Bottleneck: {}", self.bottleneck.label()),
                Vec::new(),
                self.advice.clone(),
            ),
        ];
        // Only a pool with more threads than cores can run more workers than cores.
        if self.threads > self.cores {
            let workload = &mut out[0].rows;
            let after = workload.iter().position(|r| r.label == "CPU share");
            workload.insert(
                after.map_or(workload.len(), |i| i + 1),
                sourced(
                    &format!(
                        "throughput, {} over one per core",
                        count(self.oversubscribed_workers, "worker", "workers")
                    ),
                    format!("{:.2}x", self.oversubscribed_gain),
                    self.oversubscribed_gain_source,
                ),
            );
        }
        if !self.warnings.is_empty() {
            let warnings = self.warnings.iter().map(|w| w.message.clone()).collect();
            out.push(section("Warnings".into(), Vec::new(), warnings));
        }
        if let Some(m) = &self.measured {
            out.push(section(
                "Measured".into(),
                Vec::new(),
                vec![format!(
                    "serial {}, plan {}: {:.2}x measured vs {:.2}x predicted (error {})",
                    seconds(m.serial_s),
                    seconds(m.plan_s),
                    m.speedup,
                    self.predicted_speedup,
                    percent(m.prediction_error)
                )],
            ));
        }
        out
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, section) in self.sections.iter().enumerate() {
            writeln!(f, "[{}] {}", i + 1, section.title)?;
            for row in &section.rows {
                match row.source {
                    Some(source) => writeln!(
                        f,
                        "    {:<32} {} ({})",
                        row.label,
                        row.value,
                        source_tag(source)
                    )?,
                    None => writeln!(f, "    {:<32} {}", row.label, row.value)?,
                }
            }
            for item in &section.items {
                writeln!(f, "    - {item}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_prints_the_sections_the_page_renders() {
        let items: Vec<u64> = (0..2_000).collect();
        let plan = crate::optimize(&items, |x| x.wrapping_mul(3)).unwrap();
        let report = Report::new(&plan, Some(Measured::new(&plan, 2.0, 1.0))).unwrap();
        let text = report.to_string();
        for (i, section) in report.sections.iter().enumerate() {
            assert!(
                text.contains(&format!("[{}] {}", i + 1, section.title)),
                "{text}"
            );
            for row in &section.rows {
                assert!(text.contains(&row.value), "{} missing", row.label);
            }
            for item in &section.items {
                assert!(text.contains(item.as_str()));
            }
        }
        let titles: Vec<&str> = report.sections.iter().map(|s| s.title.as_str()).collect();
        assert!(titles[4].ends_with(report.bottleneck.label()), "{titles:?}");
        assert_eq!(*titles.last().unwrap(), "Measured");
    }

    #[test]
    fn a_serial_plans_breakdown_is_named_as_its_best_parallel_shapes_with_that_time() {
        let plan = crate::optimize(&[7u64], |x| x.wrapping_mul(3)).unwrap();
        assert!(plan.is_serial());
        let mut report = Report::new(&plan, None).unwrap();
        let breakdown_row = |report: &Report| {
            let prediction = report.sections.iter().find(|s| s.title == "Prediction");
            let rows = &prediction.expect("a Prediction section").rows;
            let row = rows.iter().find(|r| r.value.contains("compute "));
            row.expect("a breakdown row").clone()
        };
        let k = report
            .breakdown_of_workers
            .expect("a serial plan names the shape");
        let row = breakdown_row(&report);
        assert_eq!(row.label, format!("best parallel ({k} workers)"));
        assert!(row
            .value
            .starts_with(&format!("{}: compute", seconds(report.breakdown.total()))));
        // A parallel plan's own breakdown adds up to "this plan" and is named as it is.
        report.breakdown_of_workers = None;
        report.sections = report.build_sections();
        let row = breakdown_row(&report);
        assert_eq!(row.label, "breakdown");
        assert!(row.value.starts_with("compute "));
    }

    #[test]
    fn a_pool_of_one_thread_is_reported_as_such_not_as_free_parallel_runs() {
        let items: Vec<u64> = (0..20_000).collect();
        let plan = crate::optimize(&items, |x| x.wrapping_mul(3) % 11).unwrap();
        let mut costs = plan.costs.clone().unwrap();
        costs.cores = 1;
        costs.threads = 1;
        let mut one_thread = crate::plan::optimize_profile(
            plan.profile.clone().unwrap(),
            costs,
            crate::Transfer::Shared,
            crate::Start::Warm,
            None,
        );
        crate::explain::explain(&mut one_thread);
        assert!(one_thread.is_serial());
        let report = Report::new(&one_thread, None).unwrap();
        assert_eq!(report.bottleneck, Bottleneck::OneThread);
        assert!(report
            .reasons
            .iter()
            .any(|r| r.starts_with("The pool has 1 thread here")));
        // No sentence about parallel runs' costs, which no run paid ("0 ns to start").
        assert!(
            !report
                .reasons
                .iter()
                .any(|r| r.contains("parallel run costs")
                    || r.contains("starting and joining a run")),
            "{:?}",
            report.reasons
        );
        assert_eq!(report.breakdown_of_workers, None);
        assert!(report.breakdown.compute_s > 0.0, "serial's own breakdown");
        assert_eq!(report.advice.len(), 1, "no 'stay serial for this input'");
    }

    #[test]
    fn one_item_is_serial_without_the_costs_of_a_run_it_cannot_have() {
        let plan = crate::optimize(&[7u64], |x| x.wrapping_mul(3) % 11).unwrap();
        assert!(plan.is_serial());
        let report = Report::new(&plan, None).unwrap();
        assert!(
            report
                .reasons
                .iter()
                .any(|r| r.starts_with("One item cannot be shared")),
            "{:?}",
            report.reasons
        );
        assert!(
            !report
                .reasons
                .iter()
                .any(|r| r.contains("starting and joining a run")),
            "{:?}",
            report.reasons
        );
    }

    #[test]
    fn a_cost_read_as_no_step_of_a_coarse_clock_is_under_one_step() {
        let items: Vec<u64> = (0..2_000).collect();
        let plan = crate::optimize(&items, |x| x.wrapping_mul(3)).unwrap();
        let mut report = Report::new(&plan, None).unwrap();
        let nothing = Cost::measured(0.0);
        report.clock_resolution_s = 4.76837158203125e-6;
        assert_eq!(report.cost_value(&nothing), "under 4.77 µs");
        assert_eq!(report.cost_value(&Cost::measured(9.78e-9)), "9.78 ns");
        assert_eq!(report.cost_value(&Cost::assumed(0.0)), "0 ns");
        // A fine clock that read nothing measured nothing (a fit's slope clamped at zero).
        report.clock_resolution_s = 3e-8;
        assert_eq!(report.cost_value(&nothing), "0 ns");
    }
}
