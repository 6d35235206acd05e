//! `cargo xtask soak`: builds and serves dist/, then runs `tests/e2e/soak.mjs` (many short
//! sweeps back to back in one page, headless Chromium), which fails when memory grows or the
//! console reports an error.

use crate::util::{cmd, run, Result};
use crate::{dist, node_env, with_servers};

pub fn soak(no_build: bool, sweeps: u32, warm_up: Option<u32>) -> Result {
    if !no_build {
        dist::dist()?;
    }
    let script = crate::util::root()
        .join("tests")
        .join("e2e")
        .join("soak.mjs");
    with_servers(|url, plain, artifacts| {
        let mut c = cmd("node");
        c.arg(&script).env("SOAK_SWEEPS", sweeps.to_string());
        if let Some(w) = warm_up {
            c.env("SOAK_WARM_UP", w.to_string());
        }
        run(node_env(&mut c, url, plain, artifacts))
    })
}
