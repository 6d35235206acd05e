//! A function so cheap that splitting the map costs more than the map.

use super::sizes;
use crate::error::Result;
use crate::workload::{resolve_params, ParamSpec, Params, Workload, WorkloadInfo};
use std::hint::black_box;

/// Native release seconds per item, measured on the development machine (mostly the map's own
/// loop and the output write, which is the point of this workload). Memory, not time, caps its
/// benchmark size.
const SECONDS_PER_ITEM: f64 = 4.0e-9;

/// `x * 2` mixed with a shift and a rotate, over items `x = 0, 1, 2, ...`.
pub struct Tiny {
    params: Vec<ParamSpec>,
}

impl Tiny {
    pub fn specs() -> Vec<ParamSpec> {
        Vec::new()
    }

    pub fn new(params: &Params) -> Result<Self> {
        let params = resolve_params(&Self::specs(), params)?;
        Ok(Self { params })
    }
}

impl Workload for Tiny {
    type Item = u64;
    type Output = u64;

    fn info(&self) -> WorkloadInfo {
        let (default_n, bench_n) = sizes(SECONDS_PER_ITEM, 16);
        WorkloadInfo {
            name: "tiny".into(),
            title: "Tiny function".into(),
            description: "For item x, computes x·2 mixed with a shift, a xor and a rotate: a \
                          handful of integer operations, a nanosecond or so."
                .into(),
            stands_for: "The tutorial's `fast_task`: a field conversion, a lookup, a small \
                         arithmetic step. Parallelism loses here unless N is huge, and often \
                         even then, because the work is smaller than handing it out."
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

    fn run(&self, x: &u64) -> u64 {
        // Without the barrier a serial map would be vectorized into something no real per-item
        // function call resembles.
        let x = black_box(*x);
        (x.wrapping_mul(2) ^ (x >> 7)).rotate_left(13)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixes_the_item() {
        let w = Tiny::new(&Params::new()).unwrap();
        assert_eq!(w.run(&1), 2u64.rotate_left(13));
        assert_ne!(w.run(&1), w.run(&2));
    }
}
