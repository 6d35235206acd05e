//! Collatz stopping times: cost that varies a lot from item to item, in no order.

use super::sizes;
use crate::error::Result;
use crate::workload::{resolve_params, ParamSpec, Params, Workload, WorkloadInfo};
use std::hint::black_box;

/// Native release seconds per item, measured on the development machine.
const SECONDS_PER_ITEM: f64 = 1.25e-6;

const SEED: u64 = 0xC0_11A7_2001;

/// Consecutive starts per item: enough to make an item take microseconds, few enough that the
/// spread of single stopping times still shows.
const BLOCK: u64 = 8;

/// Starts have between MIN_BITS and MAX_BITS bits, most of them few: stopping times grow with
/// the bit count, so a skewed bit count gives many cheap items and a long tail of dear ones.
/// (Paths from starts this size stay far below u128's limit.)
const MIN_BITS: u32 = 2;
const MAX_BITS: u32 = 48;

pub struct Collatz {
    params: Vec<ParamSpec>,
}

impl Collatz {
    pub fn specs() -> Vec<ParamSpec> {
        Vec::new()
    }

    pub fn new(params: &Params) -> Result<Self> {
        let params = resolve_params(&Self::specs(), params)?;
        Ok(Self { params })
    }
}

impl Workload for Collatz {
    type Item = u64;
    type Output = u64;

    fn info(&self) -> WorkloadInfo {
        let (default_n, bench_n) = sizes(SECONDS_PER_ITEM, 16);
        WorkloadInfo {
            name: "collatz".into(),
            title: "Collatz stopping times".into(),
            description: format!(
                "For a random start s (of {MIN_BITS} to {MAX_BITS} bits, mostly few), sums the Collatz \
                 total stopping times of s, s+1, ..., s+{}: the steps of n → n/2 or 3n+1 until \
                 reaching 1. Items differ in cost by up to seventyfold, in random order.",
                BLOCK - 1
            ),
            stands_for: "Work whose cost is irregular and unpredictable from the item: search, \
                         solvers that converge at different speeds, parsing inputs of varied \
                         size. A small sample misjudges the mean; dynamic scheduling helps."
                .into(),
            default_n,
            bench_n,
            waits: false,
            params: self.params.clone(),
        }
    }

    fn items(&self, n: usize) -> Vec<u64> {
        let mut rng = fastrand::Rng::with_seed(SEED);
        (0..n)
            .map(|_| {
                let u = rng.f64();
                let bits = MIN_BITS + (f64::from(MAX_BITS - MIN_BITS) * u * u) as u32;
                rng.u64(1u64 << (bits - 1)..1u64 << bits)
            })
            .collect()
    }

    fn run(&self, start: &u64) -> u64 {
        let start = black_box(*start);
        (start..start.saturating_add(BLOCK))
            .map(stopping_time)
            .sum()
    }
}

/// Steps from `n` to 1. Trajectories can climb far above their start, past u64, so the walk
/// runs in u64 while 3n + 1 fits and finishes in u128 otherwise: u128 arithmetic is emulated
/// in wasm and would make the browser pay twice what native code pays.
fn stopping_time(n: u64) -> u64 {
    const FITS: u64 = (u64::MAX - 1) / 3;
    let mut n = n.max(1);
    let mut steps = 0u64;
    while n != 1 {
        if n.is_multiple_of(2) {
            let shift = n.trailing_zeros();
            n >>= shift;
            steps += u64::from(shift);
        } else if n <= FITS {
            n = 3 * n + 1;
            steps += 1;
        } else {
            return steps + stopping_time_wide(u128::from(n));
        }
    }
    steps
}

fn stopping_time_wide(mut n: u128) -> u64 {
    let mut steps = 0u64;
    while n != 1 {
        if n.is_multiple_of(2) {
            let shift = n.trailing_zeros();
            n >>= shift;
            steps += u64::from(shift);
        } else {
            n = 3 * n + 1;
            steps += 1;
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_stopping_times() {
        assert_eq!(stopping_time(1), 0);
        assert_eq!(stopping_time(6), 8);
        assert_eq!(stopping_time(27), 111);
        // Climbs past u64 (peaks above 2^64 on the way down).
        let climber = u64::MAX / 3 + 2;
        assert_eq!(
            stopping_time(climber),
            stopping_time_wide(u128::from(climber))
        );
        let w = Collatz::new(&Params::new()).unwrap();
        for s in w.items(2000) {
            assert_eq!(
                stopping_time(s),
                stopping_time_wide(u128::from(s)),
                "start {s}"
            );
        }
        assert_eq!(w.run(&27), (27..27 + BLOCK).map(stopping_time).sum::<u64>());
    }

    #[test]
    fn work_varies_widely_and_out_of_order() {
        let w = Collatz::new(&Params::new()).unwrap();
        let items = w.items(500);
        let steps: Vec<f64> = items.iter().map(|s| w.run(s) as f64).collect();
        let mean = steps.iter().sum::<f64>() / steps.len() as f64;
        let var = steps.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / steps.len() as f64;
        assert!(var.sqrt() / mean > 0.5, "cv {}", var.sqrt() / mean);
        assert!(items.windows(2).any(|p| p[0] > p[1]) && items.windows(2).any(|p| p[0] < p[1]));
    }
}
