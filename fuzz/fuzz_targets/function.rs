//! Any text, decoded as the job of a visitor's own function (`{fn, items, n, ...}`, the service's
//! `JobSpec`) and as a `FunctionSpec`: it decodes or is refused with an error naming the request.
//! A decoded function job is then refused natively, where no script engine is installed, with
//! problem `unavailable`, and never panics. With a stand-in engine (every script is the identity
//! function) small jobs go through item building, sizing and the memory check, and either build
//! as many items as they asked for or are refused with an engine error. Nothing panics.
#![no_main]

use amorsize::playground::function_job::{self, FunctionSpec, ItemsSpec};
use amorsize::playground::service::{undecodable, JobSpec};
use amorsize::script::{Evaluated, Problem, ScriptEngine, ScriptError, Source, Value};
use libfuzzer_sys::fuzz_target;

/// Every script is `x => x`; an item expression builds the index.
struct Identity;

impl ScriptEngine for Identity {
    fn evaluate(&self, _: &Source) -> Result<Evaluated, ScriptError> {
        Ok(Evaluated::Function)
    }
    fn call(&self, _: &Source, item: &Value, _: usize) -> Result<Value, ScriptError> {
        Ok(item.clone())
    }
}

static IDENTITY: Identity = Identity;

/// Bigger jobs would measure the stand-in, not fuzz the decoding.
const MAX_FUZZED_ITEMS: usize = 2_000;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = serde_json::from_str::<FunctionSpec>(text) {
        assert_eq!(undecodable(e).kind(), "invalid_parameter");
    }
    let job: JobSpec = match serde_json::from_str(text) {
        Ok(job) => job,
        Err(e) => {
            assert_eq!(undecodable(e).kind(), "invalid_parameter");
            return;
        }
    };
    let Some(source) = job.function else {
        return;
    };
    let spec = FunctionSpec {
        source,
        items: job.items.unwrap_or_default(),
        n: job.n,
    };
    match function_job::prepare(&spec) {
        Err(amorsize::error::Error::Script(e)) => assert_eq!(e.problem, Problem::Unavailable),
        Err(other) => panic!("natively a function job is refused as unavailable, not {other}"),
        Ok(_) => panic!("natively a function job is refused as unavailable, not built"),
    }
    let asked = match &spec.items {
        ItemsSpec::Literal(items) => items.len(),
        ItemsSpec::Expression(_) => spec.n.unwrap_or(function_job::DEFAULT_N),
    };
    if asked > MAX_FUZZED_ITEMS {
        return;
    }
    match function_job::prepare_with(&IDENTITY, &spec) {
        Ok(prepared) => {
            use amorsize::playground::job::Job;
            assert_eq!(prepared.items(), asked);
        }
        Err(e) => assert!(!e.kind().is_empty(), "{e}"),
    }
});
