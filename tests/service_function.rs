//! The request service on a visitor's own function, with a stand-in script engine installed as
//! the browser installs its JavaScript one: `{fn, items, n}` decodes, runs every kind, shows a
//! preview, is refused at its limits with the `script` kind's fields, and is prepared anew when
//! its function or items change. (Without an engine: `tests/service.rs`.)

use amorsize::playground::function_job::MAX_ITEMS;
use amorsize::playground::service::{ErrorReply, Service, PREVIEW_ITEMS};
use amorsize::script::{self, Evaluated, Problem, ScriptEngine, ScriptError, Source, Value};
use serde_json::{json, Value as Json};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Knows a few sources by their exact text.
struct StandIn;

/// Item expressions the stand-in evaluated.
static EVALUATED_ITEMS: AtomicUsize = AtomicUsize::new(0);

impl ScriptEngine for StandIn {
    fn evaluate(&self, source: &Source) -> Result<Evaluated, ScriptError> {
        if source.text().starts_with("i =>") {
            EVALUATED_ITEMS.fetch_add(1, Ordering::Relaxed);
        }
        match source.text() {
            "x =>* 2" => {
                let mut e = ScriptError::new(Problem::Syntax, "Unexpected token '*'");
                e.line = Some(1);
                e.column = Some(4);
                Err(e)
            }
            _ => Ok(Evaluated::Function),
        }
    }

    fn call(&self, source: &Source, item: &Value, index: usize) -> Result<Value, ScriptError> {
        let x = match item {
            Value::Number(x) => *x,
            _ => f64::NAN,
        };
        match source.text() {
            "i => i" => Ok(Value::Number(index as f64)),
            "i => i * 3" => Ok(Value::Number(3.0 * index as f64)),
            "x => x * 2" => Ok(Value::Number(x * 2.0)),
            "x => { if (x === 30) throw new Error('boom'); return x; }" if x == 30.0 => {
                Err(ScriptError::new(Problem::Threw, "Error: boom"))
            }
            "x => { if (x === 30) throw new Error('boom'); return x; }" => Ok(item.clone()),
            other => panic!("the stand-in engine does not know `{other}`"),
        }
    }
}

fn service() -> Service {
    // The first test to start installs it; the others find it installed.
    script::install(Box::new(StandIn));
    Service::new()
}

fn ask(service: &Service, request: Json) -> Result<Json, ErrorReply> {
    service.handle_json(&request.to_string(), &|_| {})
}

fn job(function: &str, items: Json, n: usize) -> Json {
    json!({"fn": function, "items": items, "n": n, "budget_ms": 20})
}

#[test]
fn execute_shows_the_first_items_and_their_results() {
    let s = service();
    let value = ask(
        &s,
        json!({"kind": "execute", "job": job("x => x * 2", json!("i => i * 3"), 300),
            "shape": {"type": "fixed", "workers": 2, "chunk_size": 50}}),
    )
    .unwrap();
    assert_eq!(value["run"]["items"], 300);
    let preview = &value["preview"];
    let items: Vec<f64> = (0..PREVIEW_ITEMS).map(|i| 3.0 * i as f64).collect();
    let results: Vec<f64> = items.iter().map(|x| 2.0 * x).collect();
    assert_eq!(preview["items"], json!(items), "{preview}");
    assert_eq!(preview["results"], json!(results), "{preview}");
}

#[test]
fn every_job_kind_runs_on_a_function_and_literal_items() {
    let s = service();
    let literal = job("x => x * 2", json!((0..200).collect::<Vec<_>>()), 0);
    for kind in [
        "optimize",
        "sweep",
        "tune",
        "compare",
        "worker_curve",
        "bench",
    ] {
        let value = ask(
            &s,
            json!({"kind": kind, "job": literal, "repeats": 1, "workers": [1, 2],
                "chunk_sizes": [50], "max_workers": 2}),
        )
        .unwrap_or_else(|e| panic!("{kind}: {e:?}"));
        assert!(!value.is_null(), "{kind}");
    }
}

#[test]
fn limits_and_failures_come_back_as_script_errors_with_their_fields() {
    let s = service();
    let refused = |request: Json| ask(&s, request.clone()).expect_err(&request.to_string());
    let syntax = refused(json!({"kind": "optimize", "job": job("x =>* 2", json!("i => i"), 10)}));
    assert_eq!(syntax.kind, "script");
    assert_eq!(syntax.problem, Some(Problem::Syntax));
    assert_eq!((syntax.line, syntax.column), (Some(1), Some(4)));
    assert!(syntax.message.contains("line 1, column 4"), "{syntax:?}");

    let threw = refused(json!({"kind": "execute", "shape": {"type": "serial"},
        "job": job("x => { if (x === 30) throw new Error('boom'); return x; }", json!("i => i"), 100)}));
    assert_eq!(
        (threw.kind.as_str(), threw.index),
        ("script", Some(30)),
        "{threw:?}"
    );
    assert_eq!(threw.problem, Some(Problem::Threw));
    assert!(
        threw.message.contains("threw on item 30: Error: boom"),
        "{threw:?}"
    );

    // Too many items is refused before any item is built.
    let before = EVALUATED_ITEMS.load(Ordering::Relaxed);
    let many = refused(
        json!({"kind": "optimize", "job": job("x => x * 2", json!("i => i"), MAX_ITEMS + 1)}),
    );
    assert_eq!(many.kind, "invalid_parameter", "{many:?}");
    assert!(many.message.contains(&MAX_ITEMS.to_string()), "{many:?}");
    assert!(EVALUATED_ITEMS.load(Ordering::Relaxed) - before <= 1);
    let empty = refused(json!({"kind": "optimize", "job": job("x => x * 2", json!([]), 0)}));
    assert_eq!(empty.kind, "empty_input", "{empty:?}");
    let blank = refused(json!({"kind": "optimize", "job": job("  ", json!("i => i"), 10)}));
    assert_eq!(blank.problem, Some(Problem::Shape), "{blank:?}");
}

#[test]
fn a_function_job_over_the_memory_limit_is_refused_as_too_big() {
    script::install(Box::new(StandIn));
    // 100,000 numbers in and out need megabytes; the service allows one kilobyte more than it
    // already holds.
    let in_use = amorsize::memory::in_use() as u64;
    let s = Service::new().with_memory_limit(in_use + 1024);
    let refused = ask(
        &s,
        json!({"kind": "optimize", "job": job("x => x * 2", json!("i => i"), 100_000)}),
    )
    .expect_err("a job over the limit");
    assert_eq!(refused.kind, "too_big", "{refused:?}");
    // The same job fits under the default limit.
    assert!(ask(
        &service(),
        json!({"kind": "optimize", "job": job("x => x * 2", json!("i => i"), 1000)})
    )
    .is_ok());
}

#[test]
fn a_changed_function_or_items_prepares_a_new_job() {
    let s = service();
    let execute = |function: &str, items: &str| {
        let value = ask(
            &s,
            json!({"kind": "execute", "job": job(function, json!(items), 10), "shape": {"type": "serial"}}),
        )
        .unwrap();
        value["preview"]["results"][1].as_f64().unwrap()
    };
    // Ten items: the throwing function's item 30 is never reached.
    let boom = "x => { if (x === 30) throw new Error('boom'); return x; }";
    assert_eq!(execute("x => x * 2", "i => i"), 2.0);
    assert_eq!(execute(boom, "i => i"), 1.0, "new function");
    assert_eq!(execute(boom, "i => i * 3"), 3.0, "new items");
}
