//! The script seam on the browser's JavaScript engine. Every thread that calls a source (the
//! engine Worker and each pool thread, all of them Workers: never the page) compiles it once
//! with `new Function` and keeps it, keyed by the source's hash; items and results cross as
//! `Value`s, so nothing goes back to the page per item.

use crate::script::{Evaluated, Problem, ScriptEngine, ScriptError, Source, Value};
use js_sys::{Array, Function, Object, Reflect};
use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};

/// Sources a thread keeps compiled: the function and the item expression, with room to spare.
const KEPT: usize = 4;

/// Deeper nesting than this in a result is taken for a cycle.
const MAX_DEPTH: usize = 64;

thread_local! {
    static COMPILED: RefCell<Vec<(u64, JsValue)>> = const { RefCell::new(Vec::new()) };
}

pub struct JsEngine;

fn message_of(thrown: &JsValue) -> String {
    if let Some(error) = thrown.dyn_ref::<js_sys::Error>() {
        return String::from(error.to_string());
    }
    thrown
        .as_string()
        .or_else(|| thrown.as_f64().map(|x| x.to_string()))
        .unwrap_or_else(|| "a value that is not an Error".into())
}

/// A SyntaxError or anything else thrown while a source was compiled or evaluated.
fn compile_failure(thrown: JsValue) -> ScriptError {
    let problem = if thrown.dyn_ref::<js_sys::SyntaxError>().is_some() {
        Problem::Syntax
    } else {
        Problem::Threw
    };
    ScriptError::new(problem, message_of(&thrown))
}

/// Compiles and evaluates `source` on this thread, or returns what this thread kept.
fn compiled(source: &Source) -> Result<JsValue, ScriptError> {
    if let Some(value) = COMPILED.with(|c| {
        c.borrow()
            .iter()
            .find(|(hash, _)| *hash == source.hash())
            .map(|(_, v)| v.clone())
    }) {
        return Ok(value);
    }
    let factory: Function = compile(source)?.unchecked_into();
    let value = factory
        .call0(&JsValue::UNDEFINED)
        .map_err(compile_failure)?;
    COMPILED.with(|c| {
        let mut kept = c.borrow_mut();
        if kept.len() >= KEPT {
            kept.remove(0);
        }
        kept.push((source.hash(), value.clone()));
    });
    Ok(value)
}

/// `new Function(body)`, through `Reflect.construct` so that a SyntaxError comes back as an
/// error (js-sys's `Function::new_with_args` does not catch it).
fn compile(source: &Source) -> Result<JsValue, ScriptError> {
    // The source is an expression; the newline before `)` lets it end in a line comment.
    let body = format!("\"use strict\";\nreturn (\n{}\n);", source.text());
    let function: Function = Reflect::get(&js_sys::global(), &JsValue::from_str("Function"))
        .map_err(|e| ScriptError::new(Problem::Unavailable, message_of(&e)))?
        .unchecked_into();
    Reflect::construct(&function, &Array::of1(&JsValue::from_str(&body))).map_err(compile_failure)
}

fn to_js(value: &Value) -> JsValue {
    match value {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Number(x) => JsValue::from_f64(*x),
        Value::Text(s) => JsValue::from_str(s),
        Value::List(items) => items.iter().map(to_js).collect::<Array>().into(),
        Value::Map(entries) => {
            let object = Object::new();
            for (key, v) in entries {
                let _ = Reflect::set(&object, &JsValue::from_str(key), &to_js(v));
            }
            object.into()
        }
    }
}

/// A JS value as JSON would keep it: `undefined` properties are dropped and `undefined` in
/// arrays becomes null, as `JSON.stringify` does; functions, symbols, BigInts, Promises and
/// cycles are refused with where they sit (`at .a[2]`).
fn from_js(value: &JsValue, path: &mut String, depth: usize) -> Result<Value, String> {
    let at = |path: &str| {
        if path.is_empty() {
            String::new()
        } else {
            format!(" at {path}")
        }
    };
    if let Some(x) = value.as_f64() {
        // JSON.stringify would write null, and the results would show null with no word why.
        if !x.is_finite() {
            let shown = if x.is_nan() {
                "NaN"
            } else if x > 0.0 {
                "Infinity"
            } else {
                "-Infinity"
            };
            return Err(format!("{shown}{} (JSON has no NaN or Infinity)", at(path)));
        }
        return Ok(Value::Number(x));
    }
    if let Some(s) = value.as_string() {
        return Ok(Value::Text(s));
    }
    if let Some(b) = value.as_bool() {
        return Ok(Value::Bool(b));
    }
    if value.is_null() {
        return Ok(Value::Null);
    }
    if value.is_undefined() {
        return Err(if path.is_empty() {
            "undefined (did you forget `return`?)".into()
        } else {
            format!("undefined{}", at(path))
        });
    }
    if depth > MAX_DEPTH {
        return Err(format!(
            "nesting deeper than {MAX_DEPTH} levels{} (a cycle?)",
            at(path)
        ));
    }
    if value.is_function() {
        return Err(format!("a function{}", at(path)));
    }
    if !value.is_object() {
        let kind = value.js_typeof().as_string().unwrap_or_default();
        return Err(format!("a {kind}{}", at(path)));
    }
    if value.has_type::<js_sys::Promise>() {
        return Err(format!(
            "a Promise{}: the function must return its result, not wait for it",
            at(path)
        ));
    }
    if let Ok(to_json) = Reflect::get(value, &JsValue::from_str("toJSON")) {
        if let Some(to_json) = to_json.dyn_ref::<Function>() {
            let plain = to_json
                .call0(value)
                .map_err(|e| format!("toJSON threw{}: {}", at(path), message_of(&e)))?;
            return from_js(&plain, path, depth + 1);
        }
    }
    let mark = path.len();
    if Array::is_array(value) {
        let array: &Array = value.unchecked_ref();
        let mut items = Vec::with_capacity(array.length() as usize);
        for (i, item) in array.iter().enumerate() {
            if item.is_undefined() {
                items.push(Value::Null);
                continue;
            }
            path.push_str(&format!("[{i}]"));
            items.push(from_js(&item, path, depth + 1)?);
            path.truncate(mark);
        }
        return Ok(Value::List(items));
    }
    let object: &Object = value.unchecked_ref();
    let mut entries = Vec::new();
    for key in Object::keys(object).iter() {
        let Some(name) = key.as_string() else {
            continue;
        };
        let item = Reflect::get(object, &key).unwrap_or(JsValue::UNDEFINED);
        if item.is_undefined() || item.is_function() || item.is_symbol() {
            // JSON.stringify drops these properties.
            continue;
        }
        path.push('.');
        path.push_str(&name);
        entries.push((name, from_js(&item, path, depth + 1)?));
        path.truncate(mark);
    }
    Ok(Value::Map(entries))
}

impl ScriptEngine for JsEngine {
    fn evaluate(&self, source: &Source) -> Result<Evaluated, ScriptError> {
        let value = compiled(source)?;
        if value.is_function() {
            return Ok(Evaluated::Function);
        }
        from_js(&value, &mut String::new(), 0)
            .map(Evaluated::Value)
            .map_err(|m| ScriptError::new(Problem::NotSerializable, m))
    }

    fn call(&self, source: &Source, item: &Value, index: usize) -> Result<Value, ScriptError> {
        let function = compiled(source)?;
        let function: &Function = function
            .dyn_ref()
            .ok_or_else(|| ScriptError::new(Problem::Shape, "the source is not a function"))?;
        let result = function
            .call2(
                &JsValue::UNDEFINED,
                &to_js(item),
                &JsValue::from_f64(index as f64),
            )
            .map_err(|thrown| ScriptError::new(Problem::Threw, message_of(&thrown)))?;
        from_js(&result, &mut String::new(), 0)
            .map_err(|m| ScriptError::new(Problem::NotSerializable, m))
    }
}
