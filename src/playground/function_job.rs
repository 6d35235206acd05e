//! A job built from a user's own script: a per-item function and an item definition, checked
//! and sized before anything runs, then driven like any catalog workload (optimize, execute,
//! sweep, tune, compare, worker curve, bench).

use crate::error::{Error, Result};
use crate::memory::{Estimate, Footprint};
use crate::options::Transfer;
use crate::playground::job::{Mapped, Preview};
use crate::script::{self, Evaluated, Problem, ScriptEngine, ScriptError, Source, Value};
use crate::workload::WorkloadInfo;
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Most items a function job may have.
pub const MAX_ITEMS: usize = 10_000_000;

/// Memory the items and results of one function job may take together: the wasm heap tops out
/// at 1 GiB, and copy transfer needs room for copies of both beside them.
pub const MAX_BYTES: usize = 256 << 20;

/// Items whose sizes are measured before the rest are built.
const PROBE_ITEMS: usize = 16;

/// Items the function runs on before the job is accepted, to size its results.
const PROBE_CALLS: usize = 2;

/// The default item expression: item i is the number i.
pub const DEFAULT_ITEMS: &str = "i => i";

/// How the items are given: an expression (a function of the index, or one that evaluates to
/// an array) or the values themselves.
#[derive(Clone, Debug, PartialEq)]
pub enum ItemsSpec {
    Expression(String),
    Literal(Vec<Value>),
}

impl Default for ItemsSpec {
    fn default() -> Self {
        ItemsSpec::Expression(DEFAULT_ITEMS.into())
    }
}

/// The expression as a string, the items as an array: what the caller sent.
impl Serialize for ItemsSpec {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        match self {
            ItemsSpec::Expression(text) => serializer.serialize_str(text),
            ItemsSpec::Literal(items) => items.serialize(serializer),
        }
    }
}

/// A string (the expression) or an array (the items).
impl<'de> Deserialize<'de> for ItemsSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct ExpressionOrList;
        impl<'de> Visitor<'de> for ExpressionOrList {
            type Value = ItemsSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an item expression such as `i => i`, or an array of items")
            }
            fn visit_str<E>(self, s: &str) -> std::result::Result<ItemsSpec, E> {
                Ok(ItemsSpec::Expression(s.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<ItemsSpec, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Value>()? {
                    items.push(item);
                }
                Ok(ItemsSpec::Literal(items))
            }
        }
        deserializer.deserialize_any(ExpressionOrList)
    }
}

/// What a caller asks for: `{fn, items, n}`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct FunctionSpec {
    #[serde(rename = "fn")]
    pub source: String,
    #[serde(default)]
    pub items: ItemsSpec,
    /// Items to build from an expression that is a function of the index (an array or a
    /// literal list brings its own count).
    pub n: Option<usize>,
}

/// Items an expression builds when the caller gives no `n`.
pub const DEFAULT_N: usize = 1000;

/// One item: its value and its place in the input, which the script also receives.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Item {
    pub index: usize,
    pub value: Value,
}

/// The first failure of a run; once set, the remaining items are skipped (their results are
/// dropped with the run), so that a failing run ends quickly without cancelling anything.
#[derive(Default)]
struct Failure {
    failed: AtomicBool,
    first: Mutex<Option<ScriptError>>,
}

impl Failure {
    fn record(&self, error: ScriptError) {
        let mut first = self.first.lock().unwrap_or_else(|e| e.into_inner());
        // The lowest item wins, so the message does not depend on which thread got there first.
        if first
            .as_ref()
            .is_none_or(|seen| error.index.unwrap_or(0) < seen.index.unwrap_or(0))
        {
            *first = Some(error);
        }
        self.failed.store(true, Ordering::Relaxed);
    }

    fn reset(&self) {
        *self.first.lock().unwrap_or_else(|e| e.into_inner()) = None;
        self.failed.store(false, Ordering::Relaxed);
    }

    /// `result`, unless an item failed during it.
    fn check<T>(&self, result: Result<T>) -> Result<T> {
        let first = self.first.lock().unwrap_or_else(|e| e.into_inner()).take();
        self.failed.store(false, Ordering::Relaxed);
        match first {
            Some(error) => Err(Error::Script(error)),
            None => result,
        }
    }
}

/// A user's function over its items, ready to run.
pub struct FunctionJob {
    info: WorkloadInfo,
    source: Source,
    engine: &'static dyn ScriptEngine,
    items: Vec<Item>,
    failure: Failure,
}

/// Sizes in a refusal: "12.3 MB".
fn megabytes(bytes: f64) -> String {
    format!("{:.1} MB", bytes / 1e6)
}

fn too_large(what: &str, estimate: f64, n: usize) -> Error {
    Error::Script(ScriptError::new(
        Problem::TooLarge,
        format!(
            "{what} for {n} items would take about {} (estimated from the first items), more \
             than the {} a run may use here: lower N or make each item smaller",
            megabytes(estimate),
            megabytes(MAX_BYTES as f64)
        ),
    ))
}

fn check_n(n: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::EmptyInput);
    }
    if n > MAX_ITEMS {
        return Err(Error::InvalidParameter {
            name: "n".into(),
            message: format!("{n} items is more than the {MAX_ITEMS} a function job may have"),
        });
    }
    Ok(())
}

/// Builds the items, measuring the first few and refusing before building the rest when all
/// of them would not fit.
fn build_items(engine: &dyn ScriptEngine, spec: &ItemsSpec, n: Option<usize>) -> Result<Vec<Item>> {
    let number = |values: Vec<Value>| -> Vec<Item> {
        values
            .into_iter()
            .enumerate()
            .map(|(index, value)| Item { index, value })
            .collect()
    };
    // A list already given (or evaluated) whole: refuse it before running if it is too large.
    let listed = |values: Vec<Value>| -> Result<Vec<Item>> {
        check_n(values.len())?;
        let items = number(values);
        let bytes = items.iter().map(footprint).sum::<usize>();
        if bytes > MAX_BYTES {
            return Err(too_large("the items", bytes as f64, items.len()));
        }
        Ok(items)
    };
    let expression = match spec {
        ItemsSpec::Literal(values) => return listed(values.clone()),
        ItemsSpec::Expression(text) => Source::new(text),
    };
    let as_items = |e: ScriptError| Error::Script(e.in_role("items"));
    match engine.evaluate(&expression).map_err(as_items)? {
        Evaluated::Value(Value::List(values)) => listed(values),
        Evaluated::Value(other) => Err(Error::Script(
            ScriptError::new(
                Problem::Shape,
                format!(
                    "the item expression must be a function of the index such as `i => i`, \
                     or an array; it gave {}",
                    preview(&other, 60)
                ),
            )
            .in_role("items"),
        )),
        Evaluated::Function => {
            let n = n.unwrap_or(DEFAULT_N);
            check_n(n)?;
            let item = |index: usize| -> Result<Item> {
                let value = engine
                    .call(&expression, &Value::Number(index as f64), index)
                    .map_err(as_items)?;
                Ok(Item { index, value })
            };
            let probe: Vec<Item> = (0..n.min(PROBE_ITEMS)).map(item).collect::<Result<_>>()?;
            let per_item = probe.iter().map(footprint).sum::<usize>() as f64 / probe.len() as f64;
            let estimate = per_item * n as f64;
            if estimate > MAX_BYTES as f64 {
                return Err(too_large("the items", estimate, n));
            }
            let mut items = probe;
            items.reserve_exact(n - items.len());
            let mut bytes = items.iter().map(footprint).sum::<usize>();
            for index in items.len()..n {
                let next = item(index)?;
                bytes += footprint(&next);
                if bytes > MAX_BYTES {
                    // Later items were larger than the first ones: extrapolate from all so far.
                    return Err(too_large(
                        "the items",
                        bytes as f64 / (index + 1) as f64 * n as f64,
                        n,
                    ));
                }
                items.push(next);
            }
            Ok(items)
        }
    }
}

fn footprint(item: &Item) -> usize {
    std::mem::size_of::<usize>() + item.value.footprint()
}

/// At most `max` characters of a value's JSON, for messages.
pub fn preview(value: &Value, max: usize) -> String {
    let text = value.to_string();
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max).collect();
    format!("{cut}…")
}

/// The first line of the source, for the job's title.
fn headline(source: &str) -> String {
    let line = source.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let line = line.trim();
    if line.chars().count() > 60 {
        format!("{}…", line.chars().take(60).collect::<String>())
    } else {
        line.to_string()
    }
}

/// Checks the function and the items, sizes them, and builds the job; nothing is timed yet.
pub fn prepare(spec: &FunctionSpec) -> Result<FunctionJob> {
    let engine = script::current().map_err(Error::Script)?;
    prepare_with(engine, spec)
}

/// `prepare` with a given engine (tests bring their own).
pub fn prepare_with(engine: &'static dyn ScriptEngine, spec: &FunctionSpec) -> Result<FunctionJob> {
    prepare_within(engine, spec, crate::memory::limit())
}

/// `prepare_with`, its memory checked against `memory_limit` bytes (a service's own limit).
pub fn prepare_within(
    engine: &'static dyn ScriptEngine,
    spec: &FunctionSpec,
    memory_limit: u64,
) -> Result<FunctionJob> {
    if spec.source.trim().is_empty() {
        return Err(Error::Script(ScriptError::new(
            Problem::Shape,
            "the function is empty: write one such as `x => x * 2`",
        )));
    }
    let source = Source::new(&spec.source);
    match engine.evaluate(&source).map_err(Error::Script)? {
        Evaluated::Function => {}
        Evaluated::Value(other) => {
            return Err(Error::Script(ScriptError::new(
                Problem::Shape,
                format!(
                    "the function must be a function such as `x => x * 2` or \
                     `function f(x) {{ ... }}`; it evaluates to {}",
                    preview(&other, 60)
                ),
            )))
        }
    }
    let items = build_items(engine, &spec.items, spec.n)?;
    let n = items.len();
    let item_bytes = items.iter().map(footprint).sum::<usize>() as f64;
    // Size the results from a few calls, spread over the input.
    let probes: Vec<usize> = (0..PROBE_CALLS)
        .map(|i| i * (n - 1) / (PROBE_CALLS - 1).max(1))
        .collect();
    let mut result_bytes = 0usize;
    let mut slowest_call_s = 0.0f64;
    for &index in &probes {
        let item = &items[index];
        let watch = crate::clock::Stopwatch::start();
        let result = engine
            .call(&source, &item.value, item.index)
            .map_err(|e| Error::Script(e.at_item(item.index)))?;
        slowest_call_s = slowest_call_s.max(watch.elapsed());
        result_bytes += result.footprint();
    }
    let estimate = item_bytes + result_bytes as f64 / probes.len() as f64 * n as f64;
    if estimate > MAX_BYTES as f64 {
        return Err(too_large("the items and their results", estimate, n));
    }
    // The same check as a catalog job's, against the memory left under the engine's limit
    // (the items already exist, so only their results and the sampler's count).
    let per_item = |bytes: f64| (bytes / n as f64).ceil() as usize;
    let footprint = Footprint {
        item: per_item(item_bytes),
        output: per_item(result_bytes as f64 / probes.len() as f64 * n as f64),
    };
    Estimate::of(footprint, n, Transfer::Shared, true).check_within(memory_limit)?;
    compile_on_every_thread(engine, &source, &items[0], slowest_call_s);
    let title = headline(&spec.source);
    Ok(FunctionJob {
        info: WorkloadInfo {
            name: "function".into(),
            title: title.clone(),
            description: format!("your function `{title}` on each of {n} items"),
            stands_for: "your own code".into(),
            default_n: n,
            bench_n: n,
            waits: false,
            params: Vec::new(),
        },
        source,
        engine,
        items,
        failure: Failure::default(),
    })
}

/// Items at most this long are called once on every pool thread before anything is measured.
const CALL_EVERYWHERE_S: f64 = 0.001;

/// How long a thread waits for the others to arrive before it gives up.
const ARRIVAL_WAIT_S: f64 = 0.05;

/// Has every pool thread compile the function (and, for a cheap one, run it once), so that no
/// measured run pays a thread's first compile. Each task waits until all have arrived, which
/// puts each on a thread of its own (a waiting task holds its thread).
fn compile_on_every_thread(
    engine: &dyn ScriptEngine,
    source: &Source,
    first: &Item,
    slowest_call_s: f64,
) {
    let pool = crate::pool::current();
    let threads = pool.threads();
    if threads < 2 {
        return;
    }
    let arrived = std::sync::atomic::AtomicUsize::new(0);
    pool.run(threads, &|_| {
        // Failures here surface again where they matter: in the run that calls the item.
        if engine.evaluate(source).is_ok() && slowest_call_s <= CALL_EVERYWHERE_S {
            let _ = engine.call(source, &first.value, first.index);
        }
        arrived.fetch_add(1, Ordering::AcqRel);
        let watch = crate::clock::Stopwatch::start();
        while arrived.load(Ordering::Acquire) < threads && watch.elapsed() < ARRIVAL_WAIT_S {
            std::hint::spin_loop();
        }
    });
}

impl FunctionJob {
    fn prefix(&self, len: usize) -> &[Item] {
        &self.items[..len.min(self.items.len())]
    }

    /// The results of the first `count` items, run serially.
    pub fn results(&self, count: usize) -> Result<Vec<Value>> {
        self.guarded(|| Ok(self.prefix(count).iter().map(|i| self.map(i)).collect()))
    }
}

impl Mapped for FunctionJob {
    type Item = Item;
    type Output = Value;

    fn info(&self) -> &WorkloadInfo {
        &self.info
    }

    fn all(&self) -> &[Item] {
        &self.items
    }

    /// An item that fails records why and gives `null`; later items are skipped, and the run
    /// that saw the failure reports it instead of its result.
    fn map(&self, item: &Item) -> Value {
        if self.failure.failed.load(Ordering::Relaxed) {
            return Value::Null;
        }
        match self.engine.call(&self.source, &item.value, item.index) {
            Ok(value) => value,
            Err(error) => {
                self.failure.record(error.at_item(item.index));
                Value::Null
            }
        }
    }

    /// Runs `op` with a clean failure record, and reports a failing item over its result.
    fn guarded<T>(&self, op: impl FnOnce() -> Result<T>) -> Result<T> {
        self.failure.reset();
        let result = op();
        self.failure.check(result)
    }

    fn preview(&self, count: usize) -> Result<Option<Preview>> {
        Ok(Some(Preview {
            items: self.prefix(count).iter().map(|i| i.value.clone()).collect(),
            results: self.results(count)?,
        }))
    }
}
