//! The browser's door into the engine: a few wasm-bindgen exports that take and return plain
//! JS objects (via serde-wasm-bindgen). It installs the browser's clock and pool, and turns
//! requests from the page's worker host into engine calls. No optimizer logic lives here.

mod request;
mod script_js;

use crate::calibrate::{self, Cost};
use crate::clock::{self, Clock};
use crate::pool;
use std::time::Duration;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[cfg(target_feature = "atomics")]
pub use wasm_bindgen_rayon::init_thread_pool;

pub use request::handle;

fn performance_now() -> f64 {
    thread_local! {
        static PERFORMANCE: web_sys::Performance = js_sys::global()
            .unchecked_into::<web_sys::WorkerGlobalScope>()
            .performance()
            .expect("workers have performance");
    }
    // timeOrigin differs per worker; adding it puts every pool thread on one time line.
    PERFORMANCE.with(|p| (p.time_origin() + p.now()) / 1000.0)
}

#[cfg(target_feature = "atomics")]
fn wait(duration: Duration) {
    std::thread::sleep(duration);
}

/// Without threads there is no blocking wait, so simulated I/O spins on the clock instead.
#[cfg(not(target_feature = "atomics"))]
fn wait(duration: Duration) {
    let until = performance_now() + duration.as_secs_f64();
    while performance_now() < until {}
}

/// Counts live bytes for the memory estimates, and notes a failed allocation before it traps.
#[global_allocator]
static ALLOCATOR: crate::memory::Counting<std::alloc::System> = crate::memory::Counting {
    inner: std::alloc::System,
    on_failure: crate::trap::note_allocation_failure,
};

fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        // First into the note, which needs no allocation: the console message may fail to.
        crate::trap::note_panic(info);
        web_sys::console::error_1(&format!("amorsize engine panic: {info}").into());
    }));
}

/// Installs clock and pool, measures this browser's costs, and describes the mode.
///
/// Call once, after `initThreadPool` in the threaded build. `pool_startup_s` is how long
/// `initThreadPool` took, which stands for the cold-start cost the engine cannot measure here.
#[wasm_bindgen]
pub fn start(cores: usize, pool_startup_s: f64) -> Result<JsValue, JsValue> {
    install_panic_hook();
    clock::install(Clock {
        now: performance_now,
        sleep: wait,
    });
    crate::script::install(Box::new(script_js::JsEngine));
    let threaded = cfg!(target_feature = "atomics");
    let installed = if threaded {
        pool::install(Box::new(pool::GlobalPool {
            cores: cores.max(1),
        }))
    } else {
        pool::install(Box::new(pool::InlinePool))
    };
    if !installed {
        return Err(JsValue::from_str("the engine was already started"));
    }
    let pool = pool::current();
    let mut costs = calibrate::measure(pool);
    if threaded && pool_startup_s.is_finite() && pool_startup_s > 0.0 {
        costs.startup_per_worker_s = Cost::measured(pool_startup_s / pool.threads() as f64);
    }
    calibrate::install(costs);
    Ok(request::to_js(&request::with_service(|s| s.info())))
}

/// Measures the engine's costs again once the page has settled (`calibrate::SETTLE_S` after
/// `start`). Returns the milliseconds until that is due (call again then), or 0 once done.
/// Call it when the engine is idle.
#[wasm_bindgen]
pub fn settle() -> f64 {
    match calibrate::settles_in_s() {
        Some(wait) if wait > 0.0 => wait * 1e3,
        Some(_) => {
            calibrate::costs(pool::current());
            0.0
        }
        None => 0.0,
    }
}

/// Threads to start the pool with (call before `initThreadPool`): at least `cores`, with
/// headroom for waiting workloads, fewer when `device_memory_gb` (0: unknown) is short.
#[wasm_bindgen]
pub fn pool_threads(cores: usize, device_memory_gb: f64) -> usize {
    crate::playground::policy::pool_threads(cores, Some(device_memory_gb))
}

/// Every catalog workload with its parameters.
#[wasm_bindgen]
pub fn catalog() -> JsValue {
    request::to_js(&crate::playground::catalog::catalog())
}

/// Address (in the shared wasm memory) of the 32-bit word that cancels the running request.
/// The page stores 1 there with `Atomics.store`; the engine checks it at every chunk.
#[wasm_bindgen]
pub fn cancel_flag_address() -> usize {
    request::with_service(|s| s.cancel_token().as_ptr() as usize)
}

/// Address of the trap note: after the engine traps, the page reads there why (see
/// `crate::trap`): little-endian u32 `state` (0 none, 1 panic, 2 allocation failure), u32
/// `item` (0xFFFFFFFF: unknown), u32 `length`, u32 reserved, then `length` bytes of UTF-8.
#[wasm_bindgen]
pub fn trap_note_address() -> usize {
    crate::trap::note_address()
}

/// A pool size asked for in a link (`?threads=N`), checked by the pool-size rule: decimal
/// digits, 1 to 64. Errors come back as `{kind, message}`.
#[wasm_bindgen]
pub fn asked_threads(text: &str) -> Result<usize, JsValue> {
    crate::playground::policy::parse_threads(text).map_err(|e| request::error_value(&e))
}

/// The module's shared memory, so that the page can write the cancel flag while a request runs.
#[wasm_bindgen]
pub fn shared_memory() -> JsValue {
    wasm_bindgen::memory()
}
