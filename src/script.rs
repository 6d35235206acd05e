//! A user's own per-item function, written in a scripting language the platform runs.
//!
//! The engine has no language of its own: like time (the `clock` module) and threads
//! (`pool`), running a script comes through a seam the platform installs. The browser
//! installs one built on the page's JavaScript engine (each pool thread compiles the source
//! once and calls it per item); natively there is none, because Rust callers pass closures.
//!
//! Items and results cross the seam as [`Value`]s, a JSON-shaped tree, so that copy transfer
//! can serialize them like any catalog workload's items.

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

/// A JSON-compatible value: what a script takes as an item and returns as a result.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    List(Vec<Value>),
    /// An object's properties, in the order the script listed them.
    Map(Vec<(String, Value)>),
}

impl Value {
    /// Bytes this value holds in memory, counting its heap parts.
    pub fn footprint(&self) -> usize {
        std::mem::size_of::<Value>()
            + match self {
                Value::Null | Value::Bool(_) | Value::Number(_) => 0,
                Value::Text(s) => s.len(),
                Value::List(items) => items.iter().map(Value::footprint).sum(),
                Value::Map(entries) => entries
                    .iter()
                    .map(|(k, v)| std::mem::size_of::<String>() + k.len() + v.footprint())
                    .sum(),
            }
    }
}

/// JSON text, as a script author would write the value.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn text(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
            f.write_str("\"")?;
            for c in s.chars() {
                match c {
                    '"' => f.write_str("\\\"")?,
                    '\\' => f.write_str("\\\\")?,
                    '\n' => f.write_str("\\n")?,
                    c if (c as u32) < 0x20 => write!(f, "\\u{:04x}", c as u32)?,
                    c => write!(f, "{c}")?,
                }
            }
            f.write_str("\"")
        }
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(x) if x.is_finite() => write!(f, "{x}"),
            Value::Number(_) => f.write_str("null"),
            Value::Text(s) => text(f, s),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Map(entries) => {
                f.write_str("{")?;
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    text(f, key)?;
                    write!(f, ":{value}")?;
                }
                f.write_str("}")
            }
        }
    }
}

/// Compact binary formats (postcard, for copy transfer) are not self-describing, so they get
/// an explicit tag; human-readable ones (JSON, JS objects) get the value's natural shape.
#[derive(Serialize)]
enum TaggedRef<'a> {
    Null,
    Bool(bool),
    Number(f64),
    Text(&'a str),
    List(&'a [Value]),
    Map(&'a [(String, Value)]),
}

#[derive(Deserialize)]
enum Tagged {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    List(Vec<Value>),
    Map(Vec<(String, Value)>),
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if !serializer.is_human_readable() {
            return match self {
                Value::Null => TaggedRef::Null,
                Value::Bool(b) => TaggedRef::Bool(*b),
                Value::Number(x) => TaggedRef::Number(*x),
                Value::Text(s) => TaggedRef::Text(s),
                Value::List(items) => TaggedRef::List(items),
                Value::Map(entries) => TaggedRef::Map(entries),
            }
            .serialize(serializer);
        }
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(x) => serializer.serialize_f64(*x),
            Value::Text(s) => serializer.serialize_str(s),
            Value::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if !deserializer.is_human_readable() {
            return Ok(match Tagged::deserialize(deserializer)? {
                Tagged::Null => Value::Null,
                Tagged::Bool(b) => Value::Bool(b),
                Tagged::Number(x) => Value::Number(x),
                Tagged::Text(s) => Value::Text(s),
                Tagged::List(items) => Value::List(items),
                Tagged::Map(entries) => Value::Map(entries),
            });
        }
        deserializer.deserialize_any(AnyValue)
    }
}

struct AnyValue;

impl<'de> Visitor<'de> for AnyValue {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON-compatible value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_f64<E>(self, x: f64) -> Result<Value, E> {
        Ok(Value::Number(x))
    }
    fn visit_i64<E>(self, x: i64) -> Result<Value, E> {
        Ok(Value::Number(x as f64))
    }
    fn visit_u64<E>(self, x: u64) -> Result<Value, E> {
        Ok(Value::Number(x as f64))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::Text(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::Text(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            entries.push((key, value));
        }
        Ok(Value::Map(entries))
    }
}

/// Script source text with a hash, so that a thread can tell whether it compiled it already.
#[derive(Clone, Debug)]
pub struct Source {
    text: Arc<str>,
    hash: u64,
}

impl Source {
    pub fn new(text: &str) -> Self {
        // SipHash with fixed keys: the same text hashes the same on every thread.
        let mut hasher = std::hash::DefaultHasher::new();
        text.hash(&mut hasher);
        Self {
            text: Arc::from(text),
            hash: hasher.finish(),
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn hash(&self) -> u64 {
        self.hash
    }
}

impl PartialEq for Source {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.text == other.text
    }
}

/// What a source evaluates to: a function to call per item, or a value (an item list).
pub enum Evaluated {
    Function,
    Value(Value),
}

/// What went wrong with a script.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// It does not parse.
    Syntax,
    /// It parses but is not what was asked for (a function, or an item list).
    Shape,
    /// It threw, on an item or while it was evaluated.
    Threw,
    /// It returned something JSON cannot hold (a function, a Promise, `undefined`, a cycle).
    NotSerializable,
    /// Its items or results would not fit the memory a run may take.
    TooLarge,
    /// This platform runs no scripts.
    Unavailable,
}

/// A script's failure, with where it happened when that is known.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScriptError {
    pub problem: Problem,
    /// Which script: `fn` (the per-item function) or `items` (the item expression).
    pub role: String,
    /// The item it failed on.
    pub index: Option<usize>,
    /// 1-based line and column in the source, for syntax errors.
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

impl ScriptError {
    pub fn new(problem: Problem, message: impl Into<String>) -> Self {
        Self {
            problem,
            role: "fn".into(),
            index: None,
            line: None,
            column: None,
            message: message.into(),
        }
    }

    pub fn at_item(mut self, index: usize) -> Self {
        self.index = Some(index);
        self
    }

    pub fn in_role(mut self, role: &str) -> Self {
        self.role = role.into();
        self
    }

    fn what(&self) -> &'static str {
        if self.role == "items" {
            "the items field"
        } else {
            "the function"
        }
    }
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = self.what();
        match (&self.problem, self.index) {
            (Problem::Syntax, _) => {
                write!(f, "syntax error in {what}")?;
                if let (Some(line), Some(column)) = (self.line, self.column) {
                    write!(f, " at line {line}, column {column}")?;
                }
                write!(f, ": {}", self.message)
            }
            (Problem::Threw, Some(i)) => write!(f, "{what} threw on item {i}: {}", self.message),
            (Problem::Threw, None) => write!(f, "{what} threw: {}", self.message),
            (Problem::NotSerializable, Some(i)) => write!(
                f,
                "{what} returned a value JSON cannot hold for item {i}: {}",
                self.message
            ),
            (Problem::NotSerializable, None) => {
                write!(f, "{what} gave a value JSON cannot hold: {}", self.message)
            }
            (Problem::Shape | Problem::TooLarge | Problem::Unavailable, _) => {
                f.write_str(&self.message)
            }
        }
    }
}

/// Runs scripts. Methods may be called from any pool thread; an engine compiles a source on
/// each thread the first time that thread sees it, and keeps it.
pub trait ScriptEngine: Send + Sync {
    /// Compiles and evaluates `source` as an expression on the calling thread.
    fn evaluate(&self, source: &Source) -> Result<Evaluated, ScriptError>;
    /// Calls the function `source` evaluates to with `(item, index)`.
    fn call(&self, source: &Source, item: &Value, index: usize) -> Result<Value, ScriptError>;
}

static ENGINE: OnceLock<Box<dyn ScriptEngine>> = OnceLock::new();

/// Installs the process's script engine. Returns false if one was already installed.
pub fn install(engine: Box<dyn ScriptEngine>) -> bool {
    ENGINE.set(engine).is_ok()
}

/// The installed engine, or why there is none.
pub fn current() -> Result<&'static dyn ScriptEngine, ScriptError> {
    ENGINE.get().map(|e| e.as_ref()).ok_or_else(|| {
        ScriptError::new(
            Problem::Unavailable,
            "this platform has no script engine: natively, pass a Rust closure to \
             amorsize::optimize (see examples/own_function.rs)",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Value {
        Value::Map(vec![
            ("id".into(), Value::Number(7.0)),
            (
                "tags".into(),
                Value::List(vec![Value::Text("a\"b".into()), Value::Null]),
            ),
            ("ok".into(), Value::Bool(true)),
        ])
    }

    #[test]
    fn binary_round_trip_keeps_the_value() {
        let bytes = postcard::to_allocvec(&sample()).unwrap();
        let back: Value = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, sample());
    }

    #[test]
    fn json_round_trip_keeps_the_natural_shape() {
        let text = serde_json::to_string(&sample()).unwrap();
        assert_eq!(text, r#"{"id":7.0,"tags":["a\"b",null],"ok":true}"#);
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, sample());
        assert_eq!(
            sample().to_string(),
            r#"{"id":7,"tags":["a\"b",null],"ok":true}"#
        );
    }

    #[test]
    fn footprint_counts_heap_parts() {
        let small = Value::Number(1.0).footprint();
        assert!(Value::Text("x".repeat(1000)).footprint() >= small + 1000);
    }

    #[test]
    fn errors_name_the_item_and_the_position() {
        let mut e = ScriptError::new(Problem::Syntax, "Unexpected token '*'");
        e.line = Some(2);
        e.column = Some(5);
        assert_eq!(
            e.to_string(),
            "syntax error in the function at line 2, column 5: Unexpected token '*'"
        );
        let thrown = ScriptError::new(Problem::Threw, "Error: boom").at_item(500);
        assert_eq!(
            thrown.to_string(),
            "the function threw on item 500: Error: boom"
        );
    }
}
