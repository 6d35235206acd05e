//! A job from a user's own script: decoding `{fn, items, n}`, the limits checked before
//! anything runs, failing items named, and every engine request working on it. Natively there
//! is no JavaScript, so a small stand-in engine runs a few fixed "scripts".

use amorsize::playground::function_job::{self, FunctionSpec, ItemsSpec, MAX_BYTES, MAX_ITEMS};
use amorsize::playground::job::Job;
use amorsize::script::{Evaluated, Problem, ScriptEngine, ScriptError, Source, Value};
use amorsize::{Error, Grid, Options, Plan, Transfer};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Knows a handful of sources by their exact text, and counts its calls.
struct StandIn {
    calls: AtomicUsize,
}

static ENGINE: StandIn = StandIn {
    calls: AtomicUsize::new(0),
};

fn number(v: &Value) -> f64 {
    match v {
        Value::Number(x) => *x,
        _ => f64::NAN,
    }
}

impl ScriptEngine for StandIn {
    fn evaluate(&self, source: &Source) -> Result<Evaluated, ScriptError> {
        match source.text() {
            "[1, 2, 3]" => Ok(Evaluated::Value(Value::List(
                (1..=3).map(|x| Value::Number(x as f64)).collect(),
            ))),
            "42" => Ok(Evaluated::Value(Value::Number(42.0))),
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
        self.calls.fetch_add(1, Ordering::Relaxed);
        let x = number(item);
        match source.text() {
            "i => i" => Ok(Value::Number(index as f64)),
            "x => x * 2" => Ok(Value::Number(x * 2.0)),
            "i => 'x'.repeat(100000)" => Ok(Value::Text("x".repeat(100_000))),
            "x => big(x)" => Ok(Value::List(vec![Value::Number(x); 100_000])),
            "x => { if (x === 700) throw new Error('boom'); return x; }" => {
                if x == 700.0 {
                    Err(ScriptError::new(Problem::Threw, "Error: boom"))
                } else {
                    Ok(item.clone())
                }
            }
            "x => undefined" => Err(ScriptError::new(
                Problem::NotSerializable,
                "undefined (did you forget `return`?)",
            )),
            other => panic!("the stand-in engine does not know `{other}`"),
        }
    }
}

fn spec(source: &str, items: &str, n: usize) -> FunctionSpec {
    FunctionSpec {
        source: source.into(),
        items: ItemsSpec::Expression(items.into()),
        n: Some(n),
    }
}

fn prepare(spec: &FunctionSpec) -> amorsize::Result<function_job::FunctionJob> {
    function_job::prepare_with(&ENGINE, spec)
}

fn script_error(error: Error) -> ScriptError {
    match error {
        Error::Script(e) => e,
        other => panic!("expected a script error, got {other}"),
    }
}

#[test]
fn the_js_api_job_decodes_with_either_kind_of_items() {
    let job: FunctionSpec =
        serde_json::from_str(r#"{"fn": "x => x * 2", "items": "i => i", "n": 1000}"#).unwrap();
    assert_eq!(job, spec("x => x * 2", "i => i", 1000));
    let literal: FunctionSpec =
        serde_json::from_str(r#"{"fn": "x => x * 2", "items": [1, "two", {"n": 3}]}"#).unwrap();
    assert_eq!(
        literal.items,
        ItemsSpec::Literal(vec![
            Value::Number(1.0),
            Value::Text("two".into()),
            Value::Map(vec![("n".into(), Value::Number(3.0))]),
        ])
    );
    let bare: FunctionSpec = serde_json::from_str(r#"{"fn": "x => x * 2"}"#).unwrap();
    assert_eq!(bare.items, ItemsSpec::Expression("i => i".into()));
    let wrong = serde_json::from_str::<FunctionSpec>(r#"{"fn": "x => x", "items": 5}"#);
    assert!(wrong.unwrap_err().to_string().contains("item expression"));
}

#[test]
fn every_request_runs_on_a_function_job() {
    let job = prepare(&spec("x => x * 2", "i => i", 4000)).unwrap();
    let job: &dyn Job = &job;
    assert_eq!(job.items(), 4000);
    let plan = job.optimize(&Options::default()).unwrap();
    assert!(plan.profile.is_some());
    let run = job
        .execute(&Plan::fixed(2, 100), &Options::default())
        .unwrap();
    assert_eq!(run.items, 4000);
    let copied = job.transferring(Transfer::Copy);
    let run = copied.execute(&Plan::fixed(2, 64), &Options::default());
    assert_eq!(run.unwrap().items, 4000);
    let mut grid = Grid::default_for(job.items(), 2);
    grid.workers = vec![1, 2];
    grid.chunk_sizes = vec![100, 1000];
    grid.repeats = 1;
    let sweep = job.sweep(&grid, &Options::default()).unwrap();
    assert_eq!(sweep.points.len(), 4);
}

#[test]
fn results_are_the_scripts_results_in_order() {
    let job = prepare(&spec("x => x * 2", "i => i", 10)).unwrap();
    assert_eq!(
        job.results(4).unwrap(),
        [0.0, 2.0, 4.0, 6.0].map(Value::Number)
    );
    let literal = FunctionSpec {
        items: ItemsSpec::Literal(vec![Value::Number(5.0), Value::Number(6.0)]),
        ..spec("x => x * 2", "", 99)
    };
    let job = prepare(&literal).unwrap();
    assert_eq!(job.items(), 2, "a literal list brings its own count");
    assert_eq!(job.results(9).unwrap(), [10.0, 12.0].map(Value::Number));
    let from_array = prepare(&spec("x => x * 2", "[1, 2, 3]", 99)).unwrap();
    assert_eq!(from_array.items(), 3);
    let preview = (&from_array as &dyn Job).preview(2).unwrap().unwrap();
    assert_eq!(preview.items, [1.0, 2.0].map(Value::Number));
    assert_eq!(preview.results, [2.0, 4.0].map(Value::Number));
}

#[test]
fn too_many_items_are_refused_before_any_call() {
    let before = ENGINE.calls.load(Ordering::Relaxed);
    let err = prepare(&spec("x => x * 2", "i => i", MAX_ITEMS + 1))
        .err()
        .unwrap();
    assert!(
        matches!(&err, Error::InvalidParameter { name, .. } if name == "n"),
        "{err}"
    );
    // Other tests run in parallel and call too; this one made no call of its own if the
    // count rose by less than a probe's worth.
    assert!(ENGINE.calls.load(Ordering::Relaxed) - before < 16);
    assert_eq!(
        prepare(&spec("x => x * 2", "i => i", 0)).err().unwrap(),
        Error::EmptyInput
    );
}

#[test]
fn items_too_large_for_memory_are_refused_with_the_estimate() {
    // 100 kB per item: 10,000 items would be about 1 GB.
    let err = script_error(
        prepare(&spec("x => x * 2", "i => 'x'.repeat(100000)", 10_000))
            .err()
            .unwrap(),
    );
    assert_eq!(err.problem, Problem::TooLarge);
    assert!(
        err.message
            .contains("the items for 10000 items would take about 1000."),
        "{}",
        err.message
    );
    assert!(err
        .message
        .contains(&format!("{:.1} MB", MAX_BYTES as f64 / 1e6)));
    // A list given whole is measured whole.
    let listed = FunctionSpec {
        items: ItemsSpec::Literal(vec![Value::Text("x".repeat(1 << 20)); 300]),
        ..spec("x => x * 2", "", 1)
    };
    let err = script_error(prepare(&listed).err().unwrap());
    assert_eq!(err.problem, Problem::TooLarge);
    assert!(err.message.contains("for 300 items"), "{}", err.message);
    // Results count too: 100,000 numbers per result.
    let err = script_error(prepare(&spec("x => big(x)", "i => i", 1000)).err().unwrap());
    assert_eq!(err.problem, Problem::TooLarge);
    assert!(
        err.message.starts_with("the items and their results"),
        "{}",
        err.message
    );
}

#[test]
fn a_throwing_item_is_named_and_the_next_run_works() {
    let job = prepare(&spec(
        "x => { if (x === 700) throw new Error('boom'); return x; }",
        "i => i",
        500,
    ))
    .unwrap();
    // Items 0..500 never reach 700.
    let first: &dyn Job = &job;
    assert_eq!(
        first
            .execute(&Plan::fixed(2, 10), &Options::default())
            .unwrap()
            .items,
        500
    );
    let job = prepare(&spec(
        "x => { if (x === 700) throw new Error('boom'); return x; }",
        "i => i",
        2000,
    ))
    .unwrap();
    let job: &dyn Job = &job;
    for plan in [Plan::serial(), Plan::fixed(2, 7)] {
        let err = script_error(job.execute(&plan, &Options::default()).unwrap_err());
        assert_eq!(err.index, Some(700));
        assert_eq!(
            err.to_string(),
            "the function threw on item 700: Error: boom"
        );
    }
    // The failure does not stick to the job: a run over items before 700 succeeds.
    assert_eq!(
        job.execute_prefix(700, &Plan::fixed(2, 10), &Options::default())
            .unwrap()
            .items,
        700
    );
}

#[test]
fn bad_scripts_are_refused_with_a_clear_message() {
    let syntax = script_error(prepare(&spec("x =>* 2", "i => i", 10)).err().unwrap());
    assert_eq!(
        syntax.to_string(),
        "syntax error in the function at line 1, column 4: Unexpected token '*'"
    );
    let shape = script_error(prepare(&spec("42", "i => i", 10)).err().unwrap());
    assert!(shape.message.contains("must be a function"), "{shape}");
    let items = script_error(prepare(&spec("x => x * 2", "42", 10)).err().unwrap());
    assert_eq!(items.role, "items");
    let undefined = script_error(
        prepare(&spec("x => undefined", "i => i", 10))
            .err()
            .unwrap(),
    );
    assert_eq!(undefined.problem, Problem::NotSerializable);
    assert_eq!(undefined.index, Some(0));
    assert!(
        undefined.to_string().contains("forget `return`"),
        "{undefined}"
    );
    let empty = script_error(prepare(&spec("  \n", "i => i", 10)).err().unwrap());
    assert!(empty.message.contains("empty"));
}

#[test]
fn natively_no_script_engine_is_installed() {
    let err = script_error(
        function_job::prepare(&spec("x => x * 2", "i => i", 10))
            .err()
            .unwrap(),
    );
    assert_eq!(err.problem, Problem::Unavailable);
    assert!(err.message.contains("examples/own_function.rs"));
}
