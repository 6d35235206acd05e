//! The getting-started loop: a floating-point sum whose cost is set by its iteration count.

use super::{number, sizes};
use crate::error::Result;
use crate::workload::{resolve_params, ParamSpec, Params, Workload, WorkloadInfo};
use std::hint::black_box;

/// Native release seconds per loop iteration, measured on the development machine; sizes the
/// default and benchmark runs for any `iterations`.
const SECONDS_PER_ITERATION: f64 = 0.82e-9;

/// `r += (x + i)²` for `i` in `0..iterations`, over items `x = 0, 1, 2, ...`.
pub struct CpuLoop {
    params: Vec<ParamSpec>,
    iterations: u64,
}

impl CpuLoop {
    pub fn specs() -> Vec<ParamSpec> {
        vec![ParamSpec::integer(
            "iterations",
            "Loop iterations per item",
            "",
            1,
            10_000_000,
            50_000,
        )]
    }

    pub fn new(params: &Params) -> Result<Self> {
        let params = resolve_params(&Self::specs(), params)?;
        let iterations = number(&params, "iterations") as u64;
        Ok(Self { params, iterations })
    }
}

impl Workload for CpuLoop {
    type Item = u64;
    type Output = f64;

    fn info(&self) -> WorkloadInfo {
        let (default_n, bench_n) = sizes(self.iterations as f64 * SECONDS_PER_ITERATION, 16);
        WorkloadInfo {
            name: "cpu-loop".into(),
            title: "CPU loop".into(),
            description: format!(
                "For item x, sums (x + i)² as floating point for i from 0 to {}; every item \
                 costs the same.",
                self.iterations
            ),
            stands_for: "A pure CPU-bound function of uniform cost, like the tutorial's \
                         getting-started loop: numeric kernels, simulations, per-record math."
                .into(),
            default_n,
            bench_n,
            waits: false,
            params: self.params.clone(),
        }
    }

    fn items(&self, n: usize) -> Vec<u64> {
        (0..n as u64).collect()
    }

    fn run(&self, x: &u64) -> f64 {
        // Hidden from the optimizer so the loop cannot be folded or hoisted across items.
        let x = black_box(*x);
        let mut r = 0.0f64;
        for i in 0..black_box(self.iterations) {
            let v = x.wrapping_add(i) as f64;
            r += v * v;
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::workload::ParamValue;

    #[test]
    fn sums_squares() {
        let w = CpuLoop::new(&Params::from([(
            "iterations".to_string(),
            ParamValue::Number(3.0),
        )]))
        .unwrap();
        assert_eq!(w.run(&2), 4.0 + 9.0 + 16.0);
    }

    #[test]
    fn rejects_bad_iterations() {
        for bad in [0.0, 10_000_001.0, 2.5] {
            let params = Params::from([("iterations".to_string(), ParamValue::Number(bad))]);
            assert!(matches!(
                CpuLoop::new(&params),
                Err(Error::InvalidParameter { .. })
            ));
        }
    }
}
