//! Batch inference: one small neural network applied to many feature vectors.

use super::sizes;
use crate::error::Result;
use crate::memory::Footprint;
use crate::workload::{resolve_params, ParamSpec, Params, Workload, WorkloadInfo};
use serde::{Deserialize, Serialize};

/// Native release seconds per item, measured on the development machine.
const SECONDS_PER_ITEM: f64 = 1.0e-6;

const INPUTS: usize = 64;
const HIDDEN: usize = 128;
const CLASSES: usize = 10;
/// Hidden units summed together in registers.
const BLOCK: usize = 32;

const WEIGHT_SEED: u64 = 0x3AF0_0D11;
const FEATURE_SEED: u64 = 0x3AF0_0D12;

/// The network's answer for one feature vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classified {
    /// Softmax probabilities of the ten classes.
    pub probs: [f32; CLASSES],
    /// The most probable class.
    pub class: u8,
}

/// A fixed 64 → 128 (ReLU) → 10 (softmax) perceptron.
pub struct Inference {
    params: Vec<ParamSpec>,
    /// Input-major, so the hidden layer is a sum of scaled weight rows the compiler vectorizes.
    w1: Vec<[f32; HIDDEN]>,
    b1: [f32; HIDDEN],
    /// Hidden-major, for the same reason.
    w2: Vec<[f32; CLASSES]>,
    b2: [f32; CLASSES],
}

impl Inference {
    pub fn specs() -> Vec<ParamSpec> {
        Vec::new()
    }

    pub fn new(params: &Params) -> Result<Self> {
        let params = resolve_params(&Self::specs(), params)?;
        let mut rng = fastrand::Rng::with_seed(WEIGHT_SEED);
        let w1 = (0..INPUTS)
            .map(|_| std::array::from_fn(|_| weight(&mut rng, INPUTS)))
            .collect();
        let b1 = std::array::from_fn(|_| 0.1 * weight(&mut rng, INPUTS));
        let w2 = (0..HIDDEN)
            .map(|_| std::array::from_fn(|_| weight(&mut rng, HIDDEN)))
            .collect();
        let b2 = std::array::from_fn(|_| 0.1 * weight(&mut rng, HIDDEN));
        Ok(Self {
            params,
            w1,
            b1,
            w2,
            b2,
        })
    }
}

/// A uniform weight with the variance Xavier initialization gives a layer of `fan_in` inputs.
fn weight(rng: &mut fastrand::Rng, fan_in: usize) -> f32 {
    (rng.f32() * 2.0 - 1.0) * (3.0 / fan_in as f32).sqrt()
}

impl Workload for Inference {
    type Item = Vec<f32>;
    type Output = Classified;

    fn info(&self) -> WorkloadInfo {
        let (default_n, bench_n) = sizes(SECONDS_PER_ITEM, 24 + 4 * INPUTS + 4 * CLASSES + 8);
        WorkloadInfo {
            name: "inference".into(),
            title: "Batch inference".into(),
            description: "For one vector of 64 features, runs a fixed two-layer perceptron \
                          (64 → 128 with ReLU → 10) and a softmax; returns the ten class \
                          probabilities and the most likely class. About 9,500 multiply-adds."
                .into(),
            stands_for: "Scoring a batch with a trained model in an ML pipeline (the tutorial's \
                         inference step), minus the simulated waits: uniform, compute-bound, \
                         with small inputs and outputs."
                .into(),
            default_n,
            bench_n,
            waits: false,
            params: self.params.clone(),
        }
    }

    fn items(&self, n: usize) -> Vec<Vec<f32>> {
        let mut rng = fastrand::Rng::with_seed(FEATURE_SEED);
        (0..n)
            .map(|_| (0..INPUTS).map(|_| rng.f32() * 2.0 - 1.0).collect())
            .collect()
    }

    fn footprint(&self) -> Footprint {
        Footprint {
            item: Footprint::heap::<Vec<f32>>(4 * INPUTS),
            output: size_of::<Classified>(),
        }
    }

    fn run(&self, features: &Vec<f32>) -> Classified {
        // Thirty-two hidden units at a time over every input: the sums stay in vector registers
        // instead of going through memory once per input.
        let mut hidden = self.b1;
        for (block, sums) in hidden.chunks_exact_mut(BLOCK).enumerate() {
            let mut acc: [f32; BLOCK] = sums.try_into().expect("blocks divide HIDDEN");
            let columns = block * BLOCK..(block + 1) * BLOCK;
            for (&x, row) in features.iter().zip(&self.w1) {
                for (a, &w) in acc.iter_mut().zip(&row[columns.clone()]) {
                    *a += x * w;
                }
            }
            sums.copy_from_slice(&acc);
        }
        // ReLU as a compare-and-select pass of its own: it vectorizes (f32x4.gt, v128.and),
        // while `f32::max` stays scalar in wasm and V8 compiles each scalar float select into
        // a branch that mispredicts for half the units.
        for h in &mut hidden {
            *h = if *h > 0.0 { *h } else { 0.0 };
        }
        let mut logits = self.b2;
        for (&h, row) in hidden.iter().zip(&self.w2) {
            for (l, &w) in logits.iter_mut().zip(row) {
                *l += h * w;
            }
        }
        let top = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut probs = logits.map(|l| (l - top).exp());
        let total: f32 = probs.iter().sum();
        for p in &mut probs {
            *p /= total;
        }
        let class = (0..CLASSES)
            .max_by(|&a, &b| probs[a].total_cmp(&probs[b]))
            .unwrap_or(0) as u8;
        Classified { probs, class }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predictions_are_distributions_and_vary() {
        let w = Inference::new(&Params::new()).unwrap();
        let items = w.items(300);
        assert!(items.iter().all(|f| f.len() == INPUTS));
        let mut classes = std::collections::BTreeSet::new();
        for f in &items {
            let p = w.run(f);
            assert!((p.probs.iter().sum::<f32>() - 1.0).abs() < 1e-4);
            let best = p.probs.iter().copied().fold(0.0, f32::max);
            assert_eq!(p.probs[p.class as usize], best);
            classes.insert(p.class);
        }
        assert!(
            classes.len() >= 3,
            "the network separates inputs: {classes:?}"
        );
    }

    #[test]
    fn weights_are_the_same_for_every_instance() {
        let a = Inference::new(&Params::new()).unwrap();
        let b = Inference::new(&Params::new()).unwrap();
        let item = &a.items(1)[0];
        assert_eq!(a.run(item), b.run(item));
    }
}
