//! Any parameters for any catalog workload, at up to 7 items: refused with an invalid-parameter
//! error, or accepted, and then the job builds with that many items. The memory estimate of
//! accepted parameters never overflows.
#![no_main]

use amorsize::memory::Estimate;
use amorsize::options::Transfer;
use amorsize::playground::catalog::NAMES;
use amorsize::playground::job;
use amorsize::workload::{ParamValue, Params};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Value {
    Number(f64),
    Text(String),
}

#[derive(Arbitrary, Debug)]
struct Input {
    workload: u8,
    n: u8,
    params: Vec<(String, Value)>,
    /// Names taken from the workload's own parameters, so that values reach the range checks.
    known: Vec<(u8, Value)>,
}

fuzz_target!(|input: Input| {
    let name = NAMES[input.workload as usize % NAMES.len()];
    let specs = amorsize::playground::catalog::catalog()
        .into_iter()
        .find(|w| w.name == name)
        .unwrap()
        .params;
    let value = |v: Value| match v {
        Value::Number(x) => ParamValue::Number(x),
        Value::Text(s) => ParamValue::Text(s),
    };
    let mut params: Params = input
        .params
        .into_iter()
        .map(|(k, v)| (k, value(v)))
        .collect();
    for (i, v) in input.known {
        if !specs.is_empty() {
            params.insert(specs[i as usize % specs.len()].name.clone(), value(v));
        }
    }
    let n = (input.n % 8) as usize;
    match job::footprint(name, &params, Some(n)) {
        Err(e) => {
            let kind = e.kind();
            assert!(
                kind == "invalid_parameter" || (n == 0 && kind == "empty_input"),
                "{name} {params:?}: {e}"
            );
            return;
        }
        Ok((footprint, items)) => {
            assert_eq!(items, n);
            for transfer in [Transfer::Shared, Transfer::Copy] {
                let _ = Estimate::of(footprint, usize::MAX, transfer, false).total();
            }
        }
    }
    // Small jobs only: building 7 items of 1 MiB each is fine, of a heavy workload less so.
    let prepared = job::prepare(name, &params, Some(n)).expect("validated parameters build");
    assert_eq!(prepared.items(), n);
});
