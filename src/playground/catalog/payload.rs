//! A large result per item: the cost of moving data rivals the cost of computing it.

use super::{number, sizes};
use crate::error::Result;
use crate::memory::Footprint;
use crate::workload::{resolve_params, ParamSpec, Params, Workload, WorkloadInfo};
use serde::{Deserialize, Serialize};

/// Native release seconds per output value, measured on the development machine in a bulk run
/// (fresh output pages cost more than the arithmetic).
const SECONDS_PER_VALUE: f64 = 16e-9;

const SEED: u64 = 0x9A71_0AD5;

/// Values averaged by the smoothing pass.
const WINDOW: usize = 16;

/// The seed of one synthetic signal.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    pub seed: u64,
}

pub struct Payload {
    params: Vec<ParamSpec>,
    values: usize,
}

impl Payload {
    pub fn specs() -> Vec<ParamSpec> {
        vec![ParamSpec::integer(
            "values",
            "Values returned per item (8 bytes each)",
            "",
            1,
            1 << 20,
            2048,
        )]
    }

    pub fn new(params: &Params) -> Result<Self> {
        let params = resolve_params(&Self::specs(), params)?;
        let values = number(&params, "values") as usize;
        Ok(Self { params, values })
    }
}

impl Workload for Payload {
    type Item = Signal;
    type Output = Vec<f64>;

    fn info(&self) -> WorkloadInfo {
        let (default_n, bench_n) = sizes(
            self.values as f64 * SECONDS_PER_VALUE,
            8 + 24 + 8 * self.values,
        );
        let kib = (self.values * 8) as f64 / 1024.0;
        WorkloadInfo {
            name: "payload".into(),
            title: "Large payload".into(),
            description: format!(
                "From one seed, generates {} noisy values with xorshift, smooths them with a \
                 {WINDOW}-value running mean and normalizes them to zero mean and unit \
                 variance; returns all of them ({kib:.0} KiB per item).",
                self.values
            ),
            stands_for: "Data processing that returns bulk data: decoded images, resampled \
                         audio, feature arrays, query results. Copying results back from \
                         worker processes or web workers can cost as much as computing them."
                .into(),
            default_n,
            bench_n,
            waits: false,
            params: self.params.clone(),
        }
    }

    fn items(&self, n: usize) -> Vec<Signal> {
        let mut rng = fastrand::Rng::with_seed(SEED);
        (0..n).map(|_| Signal { seed: rng.u64(..) }).collect()
    }

    fn footprint(&self) -> Footprint {
        Footprint {
            item: size_of::<Signal>(),
            output: Footprint::heap::<Vec<f64>>(8 * self.values),
        }
    }

    fn run(&self, signal: &Signal) -> Vec<f64> {
        // xorshift has a fixed point at zero.
        let mut state = signal.seed | 1;
        let mut drift = 0.0;
        let raw: Vec<f64> = (0..self.values)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let noise = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                drift = 0.99 * drift + 0.1 * noise;
                drift + noise
            })
            .collect();
        let mut smooth = Vec::with_capacity(raw.len());
        let mut sum = 0.0;
        for (i, &v) in raw.iter().enumerate() {
            sum += v;
            if i >= WINDOW {
                sum -= raw[i - WINDOW];
            }
            smooth.push(sum / (i + 1).min(WINDOW) as f64);
        }
        let n = smooth.len() as f64;
        let mean = smooth.iter().sum::<f64>() / n;
        let var = smooth.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        // A one-value signal has no spread to normalize by.
        let scale = if var > 0.0 { var.sqrt().recip() } else { 1.0 };
        for v in &mut smooth {
            *v = (*v - mean) * scale;
        }
        smooth
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::workload::ParamValue;

    #[test]
    fn returns_a_normalized_signal_of_the_requested_length() {
        let w = Payload::new(&Params::new()).unwrap();
        let items = w.items(3);
        let out = w.run(&items[0]);
        assert_eq!(out.len(), 2048);
        let mean = out.iter().sum::<f64>() / out.len() as f64;
        let var = out.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / out.len() as f64;
        assert!(mean.abs() < 1e-9 && (var - 1.0).abs() < 1e-9);
        assert_ne!(out, w.run(&items[1]));
        let one = Payload::new(&Params::from([(
            "values".to_string(),
            ParamValue::Number(1.0),
        )]))
        .unwrap();
        assert_eq!(one.run(&items[0]), vec![0.0]);
    }

    #[test]
    fn rejects_bad_sizes() {
        for bad in [0.0, 2_000_000.0] {
            let params = Params::from([("values".to_string(), ParamValue::Number(bad))]);
            assert!(matches!(
                Payload::new(&params),
                Err(Error::InvalidParameter { .. })
            ));
        }
    }
}
