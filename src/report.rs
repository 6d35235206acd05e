//! The diagnostic report: what was measured, what was decided, where the time goes, and what to
//! do about it. Everything in it comes from measured figures or is marked as assumed.

use crate::calibrate::Figure;
use crate::explain::{self, Bottleneck};
use crate::model::Breakdown;
use crate::plan::{Plan, Warning};
use crate::provenance::Source;
use crate::units::{bytes, percent, seconds};
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
    pub bytes_in: f64,
    pub bytes_out: f64,
    pub sampled_items: usize,
    pub cores: usize,
    pub threads: usize,
    /// (name, seconds, source) for each platform cost.
    pub costs: Vec<(String, Figure)>,
    pub predicted_serial_s: f64,
    pub predicted_time_s: f64,
    pub predicted_speedup: f64,
    pub speedup_interval: (f64, f64),
    pub efficiency: f64,
    /// The breakdown of the plan, or of the best parallel shape when the plan is serial.
    pub breakdown: Breakdown,
    pub bottleneck: Bottleneck,
    pub reasons: Vec<String>,
    pub warnings: Vec<Warning>,
    pub advice: Vec<String>,
    pub decision_s: f64,
    pub measured: Option<Measured>,
}

impl Report {
    /// The report for a plan from `optimize`; `None` for hand-built plans, which carry no
    /// measurements.
    pub fn new(plan: &Plan, measured: Option<Measured>) -> Option<Report> {
        let profile = plan.profile.as_ref()?;
        let costs = plan.costs.as_ref()?;
        let best_parallel = plan
            .per_workers
            .iter()
            .filter(|p| p.workers > 1)
            .min_by(|a, b| a.time_s.total_cmp(&b.time_s));
        let breakdown = if plan.is_serial() {
            best_parallel.map(|p| p.breakdown).unwrap_or_default()
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
        Some(Report {
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
            bytes_in: profile.bytes_in,
            bytes_out: profile.bytes_out,
            sampled_items: profile.sampled_items,
            cores: costs.cores,
            threads: costs.threads,
            costs: vec![
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
                    Figure {
                        value: costs.fresh_memory_s_per_byte.value * (1 << 20) as f64,
                        source: costs.fresh_memory_s_per_byte.source,
                    },
                ),
            ],
            predicted_serial_s: plan.predicted_serial_s,
            predicted_time_s: plan.predicted_time_s,
            predicted_speedup: plan.predicted_speedup,
            speedup_interval: plan.speedup_interval,
            efficiency,
            breakdown,
            bottleneck,
            reasons: plan.reasons.clone(),
            warnings: plan.warnings.clone(),
            advice: explain::advice(bottleneck, plan),
            decision_s: plan.decision.total_s,
            measured,
        })
    }
}

fn source_tag(source: Source) -> &'static str {
    match source {
        Source::Measured => "measured",
        Source::Assumed => "assumed",
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "[1] Workload")?;
        writeln!(f, "    items               {}", self.items)?;
        writeln!(
            f,
            "    time per item       {} (CV {:.2})",
            seconds(self.mean_item_s),
            self.cv
        )?;
        writeln!(
            f,
            "    p10 / p50 / p90 / max  {} / {} / {} / {}",
            seconds(self.quantiles_s[0]),
            seconds(self.quantiles_s[1]),
            seconds(self.quantiles_s[2]),
            seconds(self.quantiles_s[3])
        )?;
        writeln!(f, "    cost skew by index  {:.2}x", self.index_skew)?;
        writeln!(
            f,
            "    slowdown, one per core {:.2}x ({})",
            self.contention,
            source_tag(self.contention_source)
        )?;
        writeln!(
            f,
            "    CPU share           {} ({})",
            percent(self.cpu_fraction),
            source_tag(self.cpu_fraction_source)
        )?;
        writeln!(
            f,
            "    bytes in / out      {} / {}",
            bytes(self.bytes_in),
            bytes(self.bytes_out)
        )?;
        writeln!(f, "    sampled items       {}", self.sampled_items)?;
        writeln!(f, "[2] System")?;
        writeln!(
            f,
            "    cores / pool threads  {} / {}",
            self.cores, self.threads
        )?;
        for (name, figure) in &self.costs {
            writeln!(
                f,
                "    {name:<32} {} ({})",
                seconds(figure.value),
                source_tag(figure.source)
            )?;
        }
        writeln!(f, "[3] Decision: {}", self.plan_label)?;
        for reason in &self.reasons {
            writeln!(f, "    - {reason}")?;
        }
        writeln!(f, "[4] Prediction")?;
        writeln!(
            f,
            "    serial              {}",
            seconds(self.predicted_serial_s)
        )?;
        writeln!(
            f,
            "    this plan           {}",
            seconds(self.predicted_time_s)
        )?;
        writeln!(
            f,
            "    speedup             {:.2}x ({:.2}x - {:.2}x), efficiency {}",
            self.predicted_speedup,
            self.speedup_interval.0,
            self.speedup_interval.1,
            percent(self.efficiency)
        )?;
        let b = &self.breakdown;
        writeln!(
            f,
            "    breakdown           compute {}, start-up {}, dispatch {}, transfer {}, imbalance {}",
            seconds(b.compute_s),
            seconds(b.startup_s),
            seconds(b.dispatch_s),
            seconds(b.transfer_s),
            seconds(b.imbalance_s)
        )?;
        writeln!(f, "    decision took       {}", seconds(self.decision_s))?;
        writeln!(f, "[5] Bottleneck: {}", self.bottleneck.label())?;
        for line in &self.advice {
            writeln!(f, "    - {line}")?;
        }
        if !self.warnings.is_empty() {
            writeln!(f, "[6] Warnings")?;
            for w in &self.warnings {
                writeln!(f, "    - {}", w.message)?;
            }
        }
        if let Some(m) = &self.measured {
            writeln!(f, "[7] Measured")?;
            writeln!(
                f,
                "    serial {}, plan {}: {:.2}x measured vs {:.2}x predicted (error {})",
                seconds(m.serial_s),
                seconds(m.plan_s),
                m.speedup,
                self.predicted_speedup,
                percent(m.prediction_error)
            )?;
        }
        Ok(())
    }
}
