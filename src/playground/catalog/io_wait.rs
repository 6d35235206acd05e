//! Simulated I/O: each item waits as if for a server, then handles a small reply.

use super::{number, sizes};
use crate::clock;
use crate::error::Result;
use crate::workload::{resolve_params, ParamSpec, Params, Workload, WorkloadInfo};
use serde::{Deserialize, Serialize};
use std::fmt::Write;
use std::time::Duration;

/// Native release seconds to build and parse one reply, measured on the development machine.
const SECONDS_TO_PARSE: f64 = 2.0e-6;

/// Records in each synthetic reply; about 300 bytes in all.
const RECORDS: usize = 12;

/// What was read from one reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub id: u64,
    pub status: u16,
    pub records: u32,
    /// Sum of quantity × price over the records, in cents.
    pub total_cents: u64,
    /// FNV-1a of the reply's bytes.
    pub checksum: u64,
}

pub struct IoWait {
    params: Vec<ParamSpec>,
    wait: Duration,
}

impl IoWait {
    pub fn specs() -> Vec<ParamSpec> {
        vec![ParamSpec::number(
            "wait_ms",
            "Simulated wait per item",
            "ms",
            0.1,
            1000.0,
            5.0,
        )]
    }

    pub fn new(params: &Params) -> Result<Self> {
        let params = resolve_params(&Self::specs(), params)?;
        let wait = Duration::from_secs_f64(number(&params, "wait_ms") / 1000.0);
        Ok(Self { params, wait })
    }
}

impl Workload for IoWait {
    type Item = u64;
    type Output = Reply;

    fn info(&self) -> WorkloadInfo {
        let per_item = self.wait.as_secs_f64() + SECONDS_TO_PARSE;
        let (default_n, bench_n) = sizes(per_item, 8 + 40);
        WorkloadInfo {
            name: "io-wait".into(),
            title: "Simulated I/O wait".into(),
            description: format!(
                "For one request id, waits {} ms (a simulated I/O wait: the thread sleeps, no \
                 real request is made), then parses a synthetic reply of about 300 bytes \
                 (a status line and {RECORDS} CSV records), totals it and checksums it.",
                self.wait.as_secs_f64() * 1000.0
            ),
            stands_for: "A network or database call per item (HTTP fetches, queries, file \
                         reads), as in the tutorial's web and ETL notebooks. The wait is \
                         simulated by sleeping: it occupies a thread but not a core, so more \
                         workers than cores can help."
                .into(),
            default_n,
            bench_n,
            waits: true,
            params: self.params.clone(),
        }
    }

    fn items(&self, n: usize) -> Vec<u64> {
        (0..n as u64).collect()
    }

    fn run(&self, id: &u64) -> Reply {
        clock::sleep(self.wait);
        let body = response(*id);
        parse(*id, &body)
    }
}

/// The reply a server would send for request `id`.
fn response(id: u64) -> String {
    let mut rng = fastrand::Rng::with_seed(id ^ 0x10_5EED);
    let mut body = format!("HTTP/1.1 200 OK\nx-request-id: {id}\n\nsku,qty,price\n");
    for _ in 0..RECORDS {
        let _ = writeln!(
            body,
            "SKU-{:05},{},{}.{:02}",
            rng.u32(0..100_000),
            rng.u32(1..20),
            rng.u32(1..500),
            rng.u32(0..100)
        );
    }
    body
}

fn parse(id: u64, body: &str) -> Reply {
    let checksum = body.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut lines = body.lines();
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let mut records = 0;
    let mut total_cents = 0;
    for line in lines.skip_while(|l| !l.is_empty()).skip(2) {
        let mut fields = line.split(',').skip(1);
        let qty: u64 = fields.next().and_then(|q| q.parse().ok()).unwrap_or(0);
        let cents = fields.next().map(to_cents).unwrap_or(0);
        records += 1;
        total_cents += qty * cents;
    }
    Reply {
        id,
        status,
        records,
        total_cents,
        checksum,
    }
}

fn to_cents(price: &str) -> u64 {
    let (units, cents) = price.split_once('.').unwrap_or((price, "0"));
    units.parse::<u64>().unwrap_or(0) * 100 + cents.parse::<u64>().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::workload::ParamValue;

    #[test]
    fn info_says_it_waits() {
        let info = IoWait::new(&Params::new()).unwrap().info();
        assert!(info.waits);
        assert!(info.description.contains("simulated"));
        assert!(info.stands_for.contains("network or database"));
    }

    #[test]
    fn parses_the_reply() {
        let body = response(7);
        assert!((250..450).contains(&body.len()), "{}", body.len());
        let reply = parse(7, &body);
        assert_eq!((reply.status, reply.records), (200, RECORDS as u32));
        assert!(reply.total_cents > 0);
        assert_eq!(to_cents("12.05"), 1205);
        let w = IoWait::new(&Params::from([(
            "wait_ms".to_string(),
            ParamValue::Number(0.1),
        )]))
        .unwrap();
        assert_eq!(w.run(&7), reply);
    }

    #[test]
    fn rejects_bad_waits() {
        for bad in [0.0, 1000.5] {
            let params = Params::from([("wait_ms".to_string(), ParamValue::Number(bad))]);
            assert!(matches!(
                IoWait::new(&params),
                Err(Error::InvalidParameter { .. })
            ));
        }
    }
}
