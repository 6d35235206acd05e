//! Transaction processing from the tutorial: money arithmetic plus a hash-derived risk score.

use super::sizes;
use crate::error::Result;
use crate::workload::{resolve_params, ParamSpec, Params, Workload, WorkloadInfo};
use serde::{Deserialize, Serialize};
use std::hash::{DefaultHasher, Hasher};
use std::hint::black_box;

/// Native release seconds per item, measured on the development machine.
const SECONDS_PER_ITEM: f64 = 0.05e-6;

const SEED: u64 = 0x7A_2024_0001;

const TAX_RATE: f64 = 0.15;
const FEE_RATE: f64 = 0.02;

/// Per category (groceries, electronics, travel, gambling, transfers): the risk score at or above
/// which a transaction is flagged, and the amount above which it is flagged regardless.
const RISK_LIMIT: [u16; 5] = [990, 950, 900, 700, 800];
const AMOUNT_LIMIT: [f64; 5] = [900.0, 950.0, 990.0, 500.0, 750.0];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    pub id: u64,
    /// Uniform in 10..1000.
    pub amount: f64,
    /// One of five categories, 0..5.
    pub category: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Processed {
    pub id: u64,
    pub tax: f64,
    pub fee: f64,
    pub net: f64,
    /// SipHash of the serialized transaction, mod 1000.
    pub risk: u16,
    pub flagged: bool,
}

pub struct Transactions {
    params: Vec<ParamSpec>,
}

impl Transactions {
    pub fn specs() -> Vec<ParamSpec> {
        Vec::new()
    }

    pub fn new(params: &Params) -> Result<Self> {
        let params = resolve_params(&Self::specs(), params)?;
        Ok(Self { params })
    }
}

impl Workload for Transactions {
    type Item = Transaction;
    type Output = Processed;

    fn info(&self) -> WorkloadInfo {
        let (default_n, bench_n) = sizes(SECONDS_PER_ITEM, 24 + 48);
        WorkloadInfo {
            name: "transactions".into(),
            title: "Transaction processing".into(),
            description: "For one transaction (amount 10–1000, one of 5 categories), computes \
                          15% tax, a 2% fee and the net amount, serializes the record and takes \
                          its hash mod 1000 as a risk score (SipHash, the hash behind the \
                          tutorial's Python hash()), then flags it by per-category risk and \
                          amount limits. Tens of nanoseconds per item."
                .into(),
            stands_for: "Per-record business logic in a batch job (billing, fraud rules, ETL \
                         row transforms): cheap per item, so parallelism pays only at large N."
                .into(),
            default_n,
            bench_n,
            waits: false,
            params: self.params.clone(),
        }
    }

    fn items(&self, n: usize) -> Vec<Transaction> {
        let mut rng = fastrand::Rng::with_seed(SEED);
        (0..n as u64)
            .map(|id| Transaction {
                id,
                amount: 10.0 + 990.0 * rng.f64(),
                category: rng.u8(0..5),
            })
            .collect()
    }

    fn run(&self, t: &Transaction) -> Processed {
        let tax = t.amount * TAX_RATE;
        let fee = t.amount * FEE_RATE;
        let net = t.amount - tax - fee;
        // A u64, an f64 and a u8 take at most 19 bytes in postcard.
        let mut buf = [0u8; 32];
        let record = postcard::to_slice(black_box(t), &mut buf)
            .expect("a transaction fits its serialization buffer");
        let mut hasher = DefaultHasher::new();
        hasher.write(record);
        let risk = (hasher.finish() % 1000) as u16;
        let category = usize::from(t.category).min(RISK_LIMIT.len() - 1);
        let flagged = risk >= RISK_LIMIT[category] || t.amount > AMOUNT_LIMIT[category];
        Processed {
            id: t.id,
            tax,
            fee,
            net,
            risk,
            flagged,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_follow_the_tutorial_distribution() {
        let w = Transactions::new(&Params::new()).unwrap();
        let items = w.items(2000);
        assert!(items
            .iter()
            .all(|t| (10.0..1000.0).contains(&t.amount) && t.category < 5));
        assert!((0..5).all(|c| items.iter().any(|t| t.category == c)));
        assert_eq!(
            w.items(10)[..],
            items[..10],
            "a longer run extends a shorter one"
        );
    }

    #[test]
    fn money_adds_up_and_risk_is_in_range() {
        let w = Transactions::new(&Params::new()).unwrap();
        for t in w.items(200) {
            let p = w.run(&t);
            assert_eq!(p.id, t.id);
            assert!((p.tax + p.fee + p.net - t.amount).abs() < 1e-9);
            assert!(p.risk < 1000);
        }
        let risks: std::collections::BTreeSet<u16> =
            w.items(200).iter().map(|t| w.run(t).risk).collect();
        assert!(risks.len() > 100, "the hash spreads the scores");
    }
}
