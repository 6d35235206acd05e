//! Requests from the worker host, decoded from JS objects and handed to the request service.

use crate::error::Error;
use crate::playground::service::{undecodable, ErrorReply, Request, Service};
use crate::sweep::Progress;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// How long a newly prepared workload runs before anything is measured: V8 first runs wasm
/// from baseline code and swaps in optimized code only after the function got hot.
const JIT_WARM_UP_S: f64 = 0.06;

thread_local! {
    /// The page's one service: requests arrive one at a time on the worker host's thread.
    static SERVICE: Service = Service::new()
        .with_warm_up(JIT_WARM_UP_S)
        .with_threads(cfg!(target_feature = "atomics"));
}

pub(crate) fn with_service<R>(f: impl FnOnce(&Service) -> R) -> R {
    SERVICE.with(f)
}

pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or_else(|e| JsValue::from_str(&format!("unserializable result: {e}")))
}

pub(crate) fn error_value(error: &Error) -> JsValue {
    to_js(&ErrorReply::from(error))
}

/// Runs one request (see `playground::service` for the protocol). `progress` receives
/// `{done, total, workers, chunk_size}` between runs. Errors come back as `{kind, message}`.
#[wasm_bindgen]
pub fn handle(request: JsValue, progress: &js_sys::Function) -> Result<JsValue, JsValue> {
    let request: Request =
        serde_wasm_bindgen::from_value(request).map_err(|e| error_value(&undecodable(e)))?;
    let report = |p: &Progress| {
        let _ = progress.call1(&JsValue::NULL, &to_js(p));
    };
    with_service(|service| service.handle(&request, &report))
        .map(|response| to_js(&response))
        .map_err(|e| error_value(&e))
}
