//! A named map job: a per-item function, its items, and what it stands for.

use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A map job from the catalog (or a user's own), runnable natively and in the browser.
///
/// `run` must do real work. Items and outputs are serde types so that copy transfer (a process
/// pool or `postMessage`) can be measured and run.
pub trait Workload: Send + Sync + 'static {
    type Item: Send + Sync + Serialize + DeserializeOwned + 'static;
    type Output: Send + Sync + Serialize + DeserializeOwned + 'static;

    fn info(&self) -> WorkloadInfo;
    /// The first `n` items. Deterministic: the same `n` gives the same items.
    fn items(&self, n: usize) -> Vec<Self::Item>;
    fn run(&self, item: &Self::Item) -> Self::Output;
    /// Bytes one item and one output hold, heap data included, for the memory estimate made
    /// before a run (default: their inline size, right for types without heap data).
    fn footprint(&self) -> crate::memory::Footprint {
        crate::memory::Footprint::inline::<Self::Item, Self::Output>()
    }
}

/// What a workload is, for people and for front ends.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WorkloadInfo {
    /// Stable identifier used in URLs and on the command line, e.g. `cpu-loop`.
    pub name: String,
    pub title: String,
    /// What one item computes, in plain words.
    pub description: String,
    /// What the workload stands for in real programs (and, for waits, that they are simulated).
    pub stands_for: String,
    /// Items used when the caller gives no `n`.
    pub default_n: usize,
    /// Items at which serial takes roughly 0.05-2 s natively; the truth benchmark uses this.
    pub bench_n: usize,
    /// True when items spend most of their time waiting rather than computing.
    pub waits: bool,
    /// The parameters this instance was built with, each with its allowed range.
    pub params: Vec<ParamSpec>,
}

/// One tunable parameter of a workload.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ParamSpec {
    pub name: String,
    pub label: String,
    pub unit: String,
    pub kind: ParamKind,
    /// The value in force for this instance.
    pub value: ParamValue,
    /// When only some values of another parameter read this one (parametric's `cv`, which a
    /// constant or increasing cost ignores), which: a form can then set it aside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_when: Option<UsedWhen>,
}

/// The parameter `param` and the values of it under which another parameter is read.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UsedWhen {
    pub param: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ParamKind {
    Number { min: f64, max: f64, integer: bool },
    Choice { options: Vec<String> },
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum ParamValue {
    Number(f64),
    Text(String),
}

/// A number or a string. Written out rather than derived with `untagged`: serde decodes
/// untagged enums through a buffered copy of the input, which costs KiBs of wasm per use.
impl<'de> Deserialize<'de> for ParamValue {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        struct NumberOrText;
        impl serde::de::Visitor<'_> for NumberOrText {
            type Value = ParamValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number or a string")
            }
            fn visit_f64<E>(self, x: f64) -> std::result::Result<ParamValue, E> {
                Ok(ParamValue::Number(x))
            }
            fn visit_i64<E>(self, x: i64) -> std::result::Result<ParamValue, E> {
                Ok(ParamValue::Number(x as f64))
            }
            fn visit_u64<E>(self, x: u64) -> std::result::Result<ParamValue, E> {
                Ok(ParamValue::Number(x as f64))
            }
            fn visit_str<E>(self, text: &str) -> std::result::Result<ParamValue, E> {
                Ok(ParamValue::Text(text.to_owned()))
            }
        }
        deserializer.deserialize_any(NumberOrText)
    }
}

impl std::fmt::Display for ParamValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamValue::Number(x) => write!(f, "{x}"),
            ParamValue::Text(s) => f.write_str(s),
        }
    }
}

/// Parameter values given by a caller, by name.
pub type Params = BTreeMap<String, ParamValue>;

impl ParamSpec {
    pub fn number(name: &str, label: &str, unit: &str, min: f64, max: f64, default: f64) -> Self {
        Self {
            name: name.into(),
            label: label.into(),
            unit: unit.into(),
            kind: ParamKind::Number {
                min,
                max,
                integer: false,
            },
            value: ParamValue::Number(default),
            used_when: None,
        }
    }

    /// This parameter, read only while `param` holds one of `values`.
    pub fn used_when(self, param: &str, values: &[&str]) -> Self {
        Self {
            used_when: Some(UsedWhen {
                param: param.into(),
                values: values.iter().map(|v| v.to_string()).collect(),
            }),
            ..self
        }
    }

    pub fn integer(name: &str, label: &str, unit: &str, min: u64, max: u64, default: u64) -> Self {
        Self {
            kind: ParamKind::Number {
                min: min as f64,
                max: max as f64,
                integer: true,
            },
            ..Self::number(name, label, unit, 0.0, 0.0, default as f64)
        }
    }

    pub fn choice(name: &str, label: &str, options: &[&str], default: &str) -> Self {
        Self {
            name: name.into(),
            label: label.into(),
            unit: String::new(),
            kind: ParamKind::Choice {
                options: options.iter().map(|s| s.to_string()).collect(),
            },
            value: ParamValue::Text(default.into()),
            used_when: None,
        }
    }

    /// This spec with the caller's value for it, checked against the allowed range.
    pub fn resolve(&self, params: &Params) -> Result<ParamSpec> {
        let Some(given) = params.get(&self.name) else {
            return Ok(self.clone());
        };
        let invalid = |message: String| Error::InvalidParameter {
            name: self.name.clone(),
            message,
        };
        let value = match (&self.kind, given) {
            (ParamKind::Number { min, max, integer }, ParamValue::Number(x)) => {
                if !x.is_finite() || x < min || x > max {
                    return Err(invalid(format!("{x} is outside {min}..={max}")));
                }
                if *integer && x.fract() != 0.0 {
                    return Err(invalid(format!("{x} is not a whole number")));
                }
                ParamValue::Number(*x)
            }
            (ParamKind::Number { .. }, ParamValue::Text(text)) => {
                let parsed: f64 = text
                    .trim()
                    .parse()
                    .map_err(|_| invalid(format!("`{text}` is not a number")))?;
                return self.resolve(&Params::from([(
                    self.name.clone(),
                    ParamValue::Number(parsed),
                )]));
            }
            (ParamKind::Choice { options }, given) => {
                let text = given.to_string();
                if !options.contains(&text) {
                    return Err(invalid(format!(
                        "`{text}` is not one of {}",
                        options.join(", ")
                    )));
                }
                ParamValue::Text(text)
            }
        };
        Ok(ParamSpec {
            value,
            ..self.clone()
        })
    }

    pub fn as_f64(&self) -> f64 {
        match &self.value {
            ParamValue::Number(x) => *x,
            ParamValue::Text(_) => f64::NAN,
        }
    }

    pub fn as_text(&self) -> &str {
        match &self.value {
            ParamValue::Text(s) => s,
            ParamValue::Number(_) => "",
        }
    }
}

/// Resolves every spec against `params`, and rejects names that no spec declares.
pub fn resolve_params(specs: &[ParamSpec], params: &Params) -> Result<Vec<ParamSpec>> {
    if let Some(unknown) = params.keys().find(|k| !specs.iter().any(|s| &s.name == *k)) {
        return Err(Error::InvalidParameter {
            name: unknown.clone(),
            message: format!(
                "this workload has no such parameter (it has: {})",
                specs
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    specs.iter().map(|s| s.resolve(params)).collect()
}
