//! A synthetic workload whose per-item cost, cost spread and data sizes are all parameters.

use super::{number, sizes, text};
use crate::clock;
use crate::error::Result;
use crate::memory::Footprint;
use crate::workload::{resolve_params, ParamSpec, Params, Workload, WorkloadInfo};
use serde::{Deserialize, Serialize};
use std::hint::black_box;
use std::sync::OnceLock;

const SEED: u64 = 0x9A2A_3E71;

/// Native release seconds per payload byte read or written (beyond the spin), measured on the
/// development machine.
const SECONDS_PER_BYTE: f64 = 0.5e-9;

const DISTRIBUTIONS: [&str; 5] = ["constant", "uniform", "lognormal", "bimodal", "increasing"];
/// The distributions whose spread `cv` sets (`Parametric::costs`).
const SPREAD_DISTRIBUTIONS: [&str; 3] = ["uniform", "lognormal", "bimodal"];

/// One item: the microseconds it should take, and the input it carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub cost_us: f64,
    pub payload: Vec<u8>,
    /// Set on the item at `fail_at`: mapping it panics, on purpose.
    pub fails: bool,
}

pub struct Parametric {
    params: Vec<ParamSpec>,
    cost_us: f64,
    distribution: Distribution,
    cv: f64,
    bytes_in: usize,
    bytes_out: usize,
    /// The item whose mapping panics, on purpose (none when the parameter is -1).
    fail_at: Option<usize>,
}

/// Largest `fail_at`: the engine's largest job.
const MAX_FAIL_AT: u64 = crate::playground::job::MAX_ITEMS as u64;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Distribution {
    Constant,
    Uniform,
    Lognormal,
    Bimodal,
    Increasing,
}

impl Parametric {
    pub fn specs() -> Vec<ParamSpec> {
        vec![
            ParamSpec::number(
                "cost_us",
                "Mean cost per item",
                "µs",
                0.01,
                1_000_000.0,
                100.0,
            ),
            ParamSpec::choice(
                "distribution",
                "How item costs vary",
                &DISTRIBUTIONS,
                "constant",
            ),
            ParamSpec::number(
                "cv",
                "Coefficient of variation of the cost",
                "",
                0.0,
                3.0,
                0.5,
            )
            .used_when("distribution", &SPREAD_DISTRIBUTIONS),
            ParamSpec::integer("bytes_in", "Input per item", "bytes", 0, 1 << 20, 64),
            ParamSpec::integer("bytes_out", "Output per item", "bytes", 0, 1 << 20, 64),
            ParamSpec {
                kind: crate::workload::ParamKind::Number {
                    min: -1.0,
                    max: MAX_FAIL_AT as f64,
                    integer: true,
                },
                ..ParamSpec::number(
                    "fail_at",
                    "Item that fails on purpose (-1: none)",
                    "",
                    0.0,
                    0.0,
                    -1.0,
                )
            },
        ]
    }

    pub fn new(params: &Params) -> Result<Self> {
        let params = resolve_params(&Self::specs(), params)?;
        let distribution = match text(&params, "distribution") {
            "uniform" => Distribution::Uniform,
            "lognormal" => Distribution::Lognormal,
            "bimodal" => Distribution::Bimodal,
            "increasing" => Distribution::Increasing,
            _ => Distribution::Constant,
        };
        Ok(Self {
            cost_us: number(&params, "cost_us"),
            distribution,
            cv: number(&params, "cv"),
            bytes_in: number(&params, "bytes_in") as usize,
            bytes_out: number(&params, "bytes_out") as usize,
            fail_at: match number(&params, "fail_at") {
                at if at < 0.0 => None,
                at => Some(at as usize),
            },
            params,
        })
    }

    /// Item costs for `n` items: mean `cost_us`, spread by the distribution.
    fn costs(&self, n: usize, rng: &mut fastrand::Rng) -> Vec<f64> {
        let (m, cv) = (self.cost_us, self.cv);
        match self.distribution {
            Distribution::Constant => vec![m; n],
            Distribution::Increasing => (0..n)
                .map(|i| 2.0 * m * (i as f64 + 0.5) / n as f64)
                .collect(),
            Distribution::Uniform => {
                // A uniform cost cannot go below zero, which caps its CV at 1/√3.
                let half_width = m * (3f64.sqrt() * cv).min(1.0);
                (0..n)
                    .map(|_| m - half_width + 2.0 * half_width * rng.f64())
                    .collect()
            }
            Distribution::Lognormal => {
                let sigma2 = (1.0 + cv * cv).ln();
                let mu = m.ln() - sigma2 / 2.0;
                (0..n)
                    .map(|_| (mu + sigma2.sqrt() * normal(rng)).exp())
                    .collect()
            }
            Distribution::Bimodal => {
                // Two costs, the high one rarer as the CV grows; both stay positive for any CV.
                let p = 0.5 / (1.0 + cv * cv);
                let low = m * (1.0 - cv * (p / (1.0 - p)).sqrt());
                let high = m * (1.0 + cv * ((1.0 - p) / p).sqrt());
                (0..n)
                    .map(|_| if rng.f64() < p { high } else { low })
                    .collect()
            }
        }
    }
}

/// A standard normal sample (Box–Muller).
fn normal(rng: &mut fastrand::Rng) -> f64 {
    let u = 1.0 - rng.f64();
    let v = rng.f64();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

impl Workload for Parametric {
    type Item = Task;
    type Output = Vec<u8>;

    fn info(&self) -> WorkloadInfo {
        let bytes = self.bytes_in + self.bytes_out;
        let per_item = self.cost_us * 1e-6 + bytes as f64 * SECONDS_PER_BYTE;
        let (default_n, bench_n) = sizes(per_item, 24 + 32 + 24 + bytes);
        let spread = match self.distribution {
            Distribution::Constant => "every item costs the same".to_string(),
            Distribution::Increasing => {
                "item costs ramp linearly with the index, from about 0 to twice the mean"
                    .to_string()
            }
            _ => format!(
                "item costs follow a {} distribution with CV {}",
                text(&self.params, "distribution"),
                self.cv
            ),
        };
        WorkloadInfo {
            name: "parametric".into(),
            title: "Parametric workload".into(),
            description: format!(
                "Reads a {}-byte input into a hash state, spins a xorshift loop for the item's \
                 cost (mean {} µs; {spread}; the loop's speed is calibrated once per process), \
                 and returns {} bytes derived from the state.{}",
                self.bytes_in,
                self.cost_us,
                self.bytes_out,
                self.fail_at.map_or(String::new(), |at| format!(
                    " Item {at} fails on purpose: its map panics, to show how a failure \
                     is reported."
                )),
            ),
            stands_for: "Any map whose shape you know: set the cost, its spread and the data \
                         moved per item to see where parallelism starts to pay and which \
                         chunk size suits it."
                .into(),
            default_n,
            bench_n,
            waits: false,
            params: self.params.clone(),
        }
    }

    fn items(&self, n: usize) -> Vec<Task> {
        // Calibrating here, before any timed run, keeps the 2 ms out of the first measurement.
        rounds_per_us();
        let mut rng = fastrand::Rng::with_seed(SEED);
        let costs = self.costs(n, &mut rng);
        costs
            .into_iter()
            .enumerate()
            .map(|(index, cost_us)| Task {
                cost_us,
                payload: std::iter::repeat_with(|| rng.u8(..))
                    .take(self.bytes_in)
                    .collect(),
                fails: self.fail_at == Some(index),
            })
            .collect()
    }

    fn footprint(&self) -> Footprint {
        Footprint {
            item: Footprint::heap::<Task>(self.bytes_in),
            output: Footprint::heap::<Vec<u8>>(self.bytes_out),
        }
    }

    fn run(&self, task: &Task) -> Vec<u8> {
        if task.fails {
            panic!("parametric fails on purpose at this item (parameter fail_at)");
        }
        let mut state = task
            .payload
            .chunks(8)
            .fold(0x243F_6A88_85A3_08D3u64, |s, chunk| {
                let mut word = [0u8; 8];
                word[..chunk.len()].copy_from_slice(chunk);
                mix(s ^ u64::from_le_bytes(word))
            });
        let rounds = (task.cost_us.max(0.0) * rounds_per_us()).round() as u64;
        state = spin(state, rounds);
        let mut out = Vec::with_capacity(self.bytes_out);
        while out.len() < self.bytes_out {
            state = mix(state);
            let take = (self.bytes_out - out.len()).min(8);
            out.extend_from_slice(&state.to_le_bytes()[..take]);
        }
        out
    }
}

fn mix(mut s: u64) -> u64 {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    s.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

/// `rounds` dependent steps of `mix`: a loop the compiler can neither shorten nor parallelize.
fn spin(mut state: u64, rounds: u64) -> u64 {
    // xorshift keeps zero at zero, so zero would make every round trivially the same.
    state |= 1;
    for _ in 0..black_box(rounds) {
        state = mix(state);
    }
    state
}

/// Calibration windows to take at most, and how many in a row must fail to beat the fastest
/// before the rate counts as settled.
const MAX_CALIBRATION_WINDOWS: usize = 40;
const SETTLED_WINDOWS: usize = 4;

/// Spin rounds per microsecond on this machine, measured once per process.
///
/// The fastest window wins: a browser first runs this loop as baseline code and swaps in
/// optimized code once it is hot, and another thread (a page still compiling its wasm, a
/// neighbour process) can only slow a window down. A rate read in a slow window would make
/// every later item shorter than its `cost_us`.
fn rounds_per_us() -> f64 {
    static RATE: OnceLock<f64> = OnceLock::new();
    *RATE.get_or_init(|| {
        // Browsers may coarsen the clock to 0.1 ms or worse; measure for many ticks so the
        // rate is still within a few percent there.
        let target = (2e-3f64).max(50.0 * clock::resolution()).min(0.1);
        let batch = 1_000u64;
        let mut state = black_box(spin(1, batch));
        let mut window = || {
            let watch = clock::Stopwatch::start();
            let mut rounds = 0u64;
            while watch.elapsed() < target {
                state = spin(state, batch);
                rounds += batch;
            }
            rounds as f64 / (watch.elapsed() * 1e6).max(1e-9)
        };
        let mut fastest = window();
        let mut since_faster = 0;
        for _ in 0..MAX_CALIBRATION_WINDOWS {
            let rate = window();
            if rate > fastest * 1.02 {
                since_faster = 0;
            } else {
                since_faster += 1;
            }
            fastest = fastest.max(rate);
            if since_faster >= SETTLED_WINDOWS {
                break;
            }
        }
        black_box(state);
        fastest
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::workload::ParamValue;

    fn with(pairs: &[(&str, ParamValue)]) -> Result<Parametric> {
        Parametric::new(
            &pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn cv_is_said_to_be_used_by_exactly_the_distributions_it_changes() {
        let specs = Parametric::specs();
        let cv = specs.iter().find(|p| p.name == "cv").unwrap();
        let used = cv.used_when.as_ref().expect("cv says when it is read");
        assert_eq!(used.param, "distribution");
        for name in DISTRIBUTIONS {
            let costs_at = |cv: f64| {
                let w = with(&[
                    ("distribution", ParamValue::Text(name.into())),
                    ("cv", ParamValue::Number(cv)),
                ])
                .unwrap();
                w.costs(200, &mut fastrand::Rng::with_seed(1))
            };
            let changes = costs_at(0.2) != costs_at(0.8);
            assert_eq!(used.values.iter().any(|v| v == name), changes, "{name}");
        }
    }

    fn mean_and_cv(costs: &[f64]) -> (f64, f64) {
        let n = costs.len() as f64;
        let mean = costs.iter().sum::<f64>() / n;
        let var = costs.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / n;
        (mean, var.sqrt() / mean)
    }

    #[test]
    fn constant_costs_are_equal() {
        let w = with(&[]).unwrap();
        let items = w.items(50);
        assert!(items
            .iter()
            .all(|j| j.cost_us == 100.0 && j.payload.len() == 64));
    }

    #[test]
    fn increasing_costs_grow_with_the_index() {
        let w = with(&[("distribution", ParamValue::Text("increasing".into()))]).unwrap();
        let costs: Vec<f64> = w.items(100).iter().map(|j| j.cost_us).collect();
        assert!(costs.windows(2).all(|p| p[0] < p[1]));
        assert!(costs[0] < 2.0 && costs[99] > 198.0);
        assert!((mean_and_cv(&costs).0 - 100.0).abs() < 1e-9);
    }

    #[test]
    fn random_distributions_have_the_requested_mean_and_spread() {
        for (name, cv) in [("uniform", 0.5), ("lognormal", 1.0), ("bimodal", 2.0)] {
            let w = with(&[
                ("distribution", ParamValue::Text(name.into())),
                ("cv", ParamValue::Number(cv)),
            ])
            .unwrap();
            let costs: Vec<f64> = w.items(20_000).iter().map(|j| j.cost_us).collect();
            let (mean, got) = mean_and_cv(&costs);
            assert!((mean - 100.0).abs() < 5.0, "{name}: mean {mean}");
            assert!((got - cv).abs() < 0.15 * cv, "{name}: cv {got}");
            assert!(costs.iter().all(|&c| c >= 0.0));
        }
    }

    #[test]
    fn output_has_the_requested_size_and_depends_on_input() {
        let w = with(&[
            ("cost_us", ParamValue::Number(1.0)),
            ("bytes_in", ParamValue::Number(100.0)),
            ("bytes_out", ParamValue::Number(13.0)),
        ])
        .unwrap();
        let items = w.items(2);
        let out = w.run(&items[0]);
        assert_eq!(out.len(), 13);
        assert_ne!(out, w.run(&items[1]));
        let zero = with(&[("bytes_out", ParamValue::Number(0.0))]).unwrap();
        assert!(zero.run(&items[0]).is_empty());
    }

    #[test]
    fn calibration_is_positive() {
        assert!(rounds_per_us() > 0.0);
    }

    #[test]
    fn rejects_bad_parameters() {
        for (name, value) in [
            ("cost_us", ParamValue::Number(0.0)),
            ("cv", ParamValue::Number(3.5)),
            ("bytes_in", ParamValue::Number(-1.0)),
            ("bytes_out", ParamValue::Number(2_000_000.0)),
            ("distribution", ParamValue::Text("zipf".into())),
        ] {
            assert!(matches!(
                with(&[(name, value)]),
                Err(Error::InvalidParameter { .. })
            ));
        }
    }
}
