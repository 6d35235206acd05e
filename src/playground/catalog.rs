//! The tutorial catalog: every workload the CLI, the benchmark and the playground can run.
//!
//! Each workload reproduces one of the Python tutorial's map jobs (or a shape the tutorial's
//! claims depend on) with real computation, so that what the engine measures is what it runs.

mod collatz;
mod cpu_loop;
mod inference;
mod io_wait;
mod mandelbrot;
mod parametric;
mod payload;
mod tiny;
mod transactions;

pub use collatz::Collatz;
pub use cpu_loop::CpuLoop;
pub use inference::{Classified, Inference};
pub use io_wait::{IoWait, Reply};
pub use mandelbrot::{Mandelbrot, Row};
pub use parametric::{Parametric, Task};
pub use payload::{Payload, Signal};
pub use tiny::Tiny;
pub use transactions::{Processed, Transaction, Transactions};

use crate::error::{Error, Result};
use crate::workload::{ParamSpec, Params, Workload, WorkloadInfo};

/// Receives a concrete workload; lets type-erased callers (CLI, web) work with any catalog entry.
pub trait WorkloadVisitor {
    type Output;
    fn visit<W: Workload>(self, workload: W) -> Self::Output;
}

/// Catalog names, in the order the catalog lists them.
pub const NAMES: [&str; 9] = [
    "cpu-loop",
    "tiny",
    "transactions",
    "mandelbrot",
    "collatz",
    "payload",
    "inference",
    "io-wait",
    "parametric",
];

/// Builds the catalog workload `name` with `params` and hands it to `visitor`.
pub fn with_workload<V: WorkloadVisitor>(
    name: &str,
    params: &Params,
    visitor: V,
) -> Result<V::Output> {
    Ok(match name {
        "cpu-loop" => visitor.visit(CpuLoop::new(params)?),
        "tiny" => visitor.visit(Tiny::new(params)?),
        "transactions" => visitor.visit(Transactions::new(params)?),
        "mandelbrot" => visitor.visit(Mandelbrot::new(params)?),
        "collatz" => visitor.visit(Collatz::new(params)?),
        "payload" => visitor.visit(Payload::new(params)?),
        "inference" => visitor.visit(Inference::new(params)?),
        "io-wait" => visitor.visit(IoWait::new(params)?),
        "parametric" => visitor.visit(Parametric::new(params)?),
        _ => return Err(Error::UnknownWorkload(name.to_string())),
    })
}

/// Catalog workload `name` described with `params` (its text follows the values: "mean 50 µs").
pub fn describe(name: &str, params: &Params) -> Result<WorkloadInfo> {
    struct Describe;
    impl WorkloadVisitor for Describe {
        type Output = WorkloadInfo;
        fn visit<W: Workload>(self, workload: W) -> WorkloadInfo {
            workload.info()
        }
    }
    with_workload(name, params, Describe)
}

/// Every catalog workload, described with its default parameters.
///
/// Touches no clock, so the browser can list the catalog before it installs its clock.
pub fn catalog() -> Vec<WorkloadInfo> {
    NAMES
        .iter()
        .map(|name| {
            describe(name, &Params::new())
                .expect("catalog workloads build with their default parameters")
        })
        .collect()
}

/// The resolved numeric value of parameter `name`.
fn number(params: &[ParamSpec], name: &str) -> f64 {
    find(params, name).as_f64()
}

/// The resolved choice of parameter `name`.
fn text<'a>(params: &'a [ParamSpec], name: &str) -> &'a str {
    find(params, name).as_text()
}

fn find<'a>(params: &'a [ParamSpec], name: &str) -> &'a ParamSpec {
    params
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("workload reads parameter `{name}` that its specs lack"))
}

/// Memory that one run's items and outputs may take together: a tutorial run stays light, and a
/// benchmark run stays well inside a browser tab's and a small CI machine's limits.
const DEFAULT_MEMORY: usize = 64 << 20;
const BENCH_MEMORY: usize = 256 << 20;

/// Below this many items a parallel map has too little to split for its measurement to mean much.
const MIN_ITEMS: usize = 16;

/// Serial seconds aimed at by `default_n`: quick enough for a tutorial step.
const DEFAULT_SECONDS: f64 = 0.1;

/// Serial seconds aimed at by `bench_n`: long enough that timer noise and pool start-up are small.
const BENCH_SECONDS: f64 = 0.5;

/// Item counts `(default_n, bench_n)` for a workload whose item costs `per_item_s` serially in a
/// native release build and whose item plus output hold `bytes_per_item`.
///
/// Parameters change the cost by orders of magnitude, so fixed counts would make some
/// parameter choices run for hours or exhaust memory; the counts follow the cost instead.
fn sizes(per_item_s: f64, bytes_per_item: usize) -> (usize, usize) {
    let count = |seconds: f64, memory: usize| {
        let by_time = (seconds / per_item_s.max(1e-12)).round().min(1e12) as usize;
        let by_memory = (memory / bytes_per_item.max(1)).max(1);
        by_time.max(MIN_ITEMS).min(by_memory)
    };
    (
        count(DEFAULT_SECONDS, DEFAULT_MEMORY),
        count(BENCH_SECONDS, BENCH_MEMORY),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::ParamValue;

    /// Checks the properties every catalog workload promises, on a few small inputs.
    struct Contract {
        n: usize,
    }

    impl WorkloadVisitor for Contract {
        type Output = WorkloadInfo;
        fn visit<W: Workload>(self, w: W) -> WorkloadInfo {
            let items = w.items(self.n);
            assert_eq!(items.len(), self.n);
            let again = w.items(self.n);
            assert_eq!(bytes(&items), bytes(&again), "items are deterministic");
            assert!(w.items(0).is_empty());
            for item in items.iter().take(4) {
                assert_eq!(
                    bytes(&w.run(item)),
                    bytes(&w.run(item)),
                    "run is deterministic"
                );
            }
            let info = w.info();
            assert!(info.default_n >= 1 && info.bench_n >= info.default_n);
            info
        }
    }

    fn bytes<T: serde::Serialize>(value: &T) -> Vec<u8> {
        postcard::to_allocvec(value).unwrap()
    }

    #[test]
    fn every_workload_keeps_the_contract() {
        for name in NAMES {
            for n in [1, 7, 40] {
                let info = with_workload(name, &Params::new(), Contract { n }).unwrap();
                assert_eq!(info.name, name);
            }
        }
    }

    #[test]
    fn catalog_lists_every_workload_in_order() {
        let names: Vec<String> = catalog().into_iter().map(|i| i.name).collect();
        assert_eq!(names, NAMES);
        for info in catalog() {
            assert!(!info.title.is_empty() && !info.description.is_empty());
            assert!(!info.stands_for.is_empty());
            assert_eq!(info.waits, info.name == "io-wait");
        }
    }

    /// Forms show "label (unit)": a unit that the label already names reads twice ("Loop
    /// iterations per item (iterations)").
    #[test]
    fn no_parameter_repeats_its_unit() {
        for info in catalog() {
            for spec in &info.params {
                let unit = spec.unit.to_lowercase();
                assert!(
                    unit.is_empty() || !spec.label.to_lowercase().contains(&unit),
                    "{}.{}: \"{} ({})\"",
                    info.name,
                    spec.name,
                    spec.label,
                    spec.unit
                );
            }
        }
    }

    #[test]
    fn descriptions_follow_their_parameters() {
        let params = Params::from([("cost_us".to_string(), ParamValue::Number(1_000_000.0))]);
        let info = describe("parametric", &params).unwrap();
        assert!(
            info.description.contains("mean 1000000 µs"),
            "{}",
            info.description
        );
        assert!(!info.description.contains("mean 100 µs"));
    }

    #[test]
    fn unknown_workload_is_refused() {
        let err = with_workload("no-such", &Params::new(), Contract { n: 1 }).unwrap_err();
        assert_eq!(err, Error::UnknownWorkload("no-such".into()));
    }

    #[test]
    fn unknown_parameter_is_refused_everywhere() {
        let params = Params::from([("bogus".to_string(), ParamValue::Number(1.0))]);
        for name in NAMES {
            let err = with_workload(name, &params, Contract { n: 1 }).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidParameter { name, .. } if name == "bogus"),
                "{err}"
            );
        }
    }

    #[test]
    fn declared_parameters_are_checked_against_their_range() {
        for info in catalog() {
            for spec in &info.params {
                let bad = match &spec.kind {
                    crate::workload::ParamKind::Number { max, .. } => ParamValue::Number(max + 1.0),
                    crate::workload::ParamKind::Choice { .. } => ParamValue::Text("nope".into()),
                };
                let params = Params::from([(spec.name.clone(), bad)]);
                let err = with_workload(&info.name, &params, Contract { n: 1 }).unwrap_err();
                assert!(matches!(err, Error::InvalidParameter { .. }), "{err}");
            }
        }
    }

    #[test]
    fn sizes_respect_memory_and_floor() {
        assert_eq!(sizes(1.0, 8), (MIN_ITEMS, MIN_ITEMS));
        assert_eq!(sizes(1e-9, BENCH_MEMORY / 10).1, 10);
        assert_eq!(sizes(1e-9, BENCH_MEMORY / 10).0, 2);
        assert_eq!(sizes(1e-3, 8), (100, 500));
    }
}
