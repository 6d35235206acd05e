//! `cargo xtask setup`: installs every tool the build and the tests need, skipping each one that
//! is already there at the pinned version.

use std::path::Path;
use std::time::Instant;

use crate::bail;
use crate::util::{self, cargo, cmd, heading, output, run, secs, timed, Result};

pub const WASM_BINDGEN: &str = "0.2.130";
pub const TRUNK: &str = "0.22.1";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const FIREFOX: &str = "/usr/bin/firefox-esr";
pub const GECKODRIVER: &str = "0.37.1";

/// What happened to one tool.
struct Done {
    tool: &'static str,
    action: String,
    time: std::time::Duration,
}

pub fn setup() -> Result {
    let start = Instant::now();
    let mut done = Vec::new();
    let mut step = |tool: &'static str, f: &dyn Fn() -> Result<String>| -> Result {
        heading(&format!("setup: {tool}"));
        let (res, time) = timed(f);
        let action = res?;
        println!("{tool}: {action} ({})", secs(time));
        done.push(Done { tool, action, time });
        Ok(())
    };
    step("chromium (apt)", &apt)?;
    step("rust toolchain", &toolchain)?;
    step("wasm-bindgen-cli", &wasm_bindgen)?;
    step("trunk", &trunk)?;
    step("npm packages", &npm)?;
    step("firefox + geckodriver", &firefox)?;

    println!("\nsetup summary:");
    for d in &done {
        println!("  {:<18} {:>8}  {}", d.tool, secs(d.time), d.action);
    }
    println!("  setup total {}", secs(start.elapsed()));
    Ok(())
}

fn is_root() -> bool {
    output(cmd("id").arg("-u")).as_deref() == Some("0")
}

/// A command run as root: directly when we are root, else through sudo.
fn root_cmd(program: &str) -> std::process::Command {
    if is_root() {
        cmd(program)
    } else {
        let mut c = cmd("sudo");
        c.arg(program);
        c
    }
}

fn apt() -> Result<String> {
    let mut packages = Vec::new();
    if !Path::new(CHROMIUM).exists() {
        packages.push("chromium");
    }
    if !Path::new(CHROMEDRIVER).exists() {
        packages.push("chromium-driver");
    }
    if output(cmd("node").arg("--version")).is_none() {
        packages.extend(["nodejs", "npm"]);
    }
    if packages.is_empty() {
        let version = output(cmd(CHROMIUM).arg("--version")).unwrap_or_default();
        return Ok(format!("present ({version})"));
    }
    run(root_cmd("apt-get").arg("update"))?;
    run(root_cmd("apt-get")
        .args(["install", "-y", "--no-install-recommends"])
        .args(&packages)
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    Ok(format!("installed {}", packages.join(" ")))
}

fn toolchain() -> Result<String> {
    let tc = util::toolchain();
    let installed = output(cmd("rustup").args(["toolchain", "list"])).unwrap_or_default();
    let has_toolchain = installed.lines().any(|l| l.starts_with(&tc));
    let components = if has_toolchain {
        output(cmd("rustup").args(["component", "list", "--installed", "--toolchain", &tc]))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let wanted = [
        "rust-src",
        "clippy",
        "rustfmt",
        "rust-std-wasm32-unknown-unknown",
    ];
    let missing: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|w| !components.lines().any(|l| l.starts_with(w)))
        .collect();
    if has_toolchain && missing.is_empty() {
        return Ok(format!(
            "present ({tc} with rust-src, clippy, rustfmt, wasm32)"
        ));
    }
    run(cmd("rustup").args([
        "toolchain",
        "install",
        &tc,
        "--profile",
        "minimal",
        "--component",
        "rust-src,clippy,rustfmt",
        "--target",
        "wasm32-unknown-unknown",
    ]))?;
    Ok(if has_toolchain {
        format!("added {} to {tc}", missing.join(", "))
    } else {
        format!("installed {tc}")
    })
}

/// A stable toolchain for `cargo install wasm-bindgen-cli`, if one is installed; otherwise the
/// pinned nightly (RUSTUP_AUTO_INSTALL=0 means `+stable` cannot install itself).
fn stable_or_pinned() -> String {
    let installed = output(cmd("rustup").args(["toolchain", "list"])).unwrap_or_default();
    if installed.lines().any(|l| l.starts_with("stable")) {
        "stable".to_string()
    } else {
        util::toolchain()
    }
}

/// `cargo install` with a light release profile: no LTO, many codegen units, no debug info, at
/// `opt_level`. trunk's own profile asks for fat LTO with one codegen unit, which made its
/// install take ~10 minutes; trunk only shells out to cargo, wasm-bindgen and wasm-opt, so its
/// own speed does not matter (opt-level 0). wasm-bindgen keeps opt-level 3: it parses and
/// rewrites the engine's wasm on every build. Measured times are in README (Setup).
fn light_install(c: &mut std::process::Command, opt_level: &str) {
    c.env("CARGO_PROFILE_RELEASE_LTO", "off")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_INCREMENTAL", "false")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", opt_level);
}

fn wasm_bindgen() -> Result<String> {
    let want = format!("wasm-bindgen {WASM_BINDGEN}");
    let have = output(cmd("wasm-bindgen").arg("--version"));
    if have.as_deref() == Some(want.as_str()) {
        return Ok(format!("present ({want})"));
    }
    // No --locked: the CLI's lockfile names a crate version that the registry here lacks.
    let mut c = cargo();
    c.arg(format!("+{}", stable_or_pinned())).args([
        "install",
        "wasm-bindgen-cli",
        "--version",
        WASM_BINDGEN,
    ]);
    light_install(&mut c, "3");
    if have.is_some() {
        c.arg("--force");
    }
    run(&mut c)?;
    check_version("wasm-bindgen", &want)?;
    Ok(format!(
        "installed {want} (was {})",
        have.as_deref().unwrap_or("absent")
    ))
}

fn trunk() -> Result<String> {
    let want = format!("trunk {TRUNK}");
    let have = output(cmd("trunk").arg("--version"));
    if have.as_deref() == Some(want.as_str()) {
        return Ok(format!("present ({want})"));
    }
    // trunk 0.22.1 needs rustc >= 1.96.1, newer than stable here: build it with the nightly.
    let mut c = cargo();
    c.arg(format!("+{}", util::toolchain())).args([
        "install",
        "trunk",
        "--locked",
        "--version",
        TRUNK,
    ]);
    light_install(&mut c, "0");
    if have.is_some() {
        c.arg("--force");
    }
    run(&mut c)?;
    check_version("trunk", &want)?;
    Ok(format!(
        "installed {want} (was {})",
        have.as_deref().unwrap_or("absent")
    ))
}

/// Firefox ESR from Debian and geckodriver from crates.io, for the Firefox leg of the browser
/// tests (tests/e2e/firefox.test.mjs drives them over WebDriver).
fn firefox() -> Result<String> {
    let mut actions = Vec::new();
    if !Path::new(FIREFOX).exists() {
        run(root_cmd("apt-get")
            .args(["install", "-y", "--no-install-recommends", "firefox-esr"])
            .env("DEBIAN_FRONTEND", "noninteractive"))?;
        actions.push("installed firefox-esr".to_string());
    }
    let want = format!("geckodriver {GECKODRIVER}");
    let have = output(cmd("geckodriver").arg("--version"))
        .and_then(|v| v.lines().next().map(str::to_string));
    if have.as_deref().is_some_and(|h| h.starts_with(&want)) {
        actions.push(format!("{want} present"));
    } else {
        // A debug build: a third of the release build's time, and WebDriver is not the
        // bottleneck of a browser test.
        let mut c = cargo();
        c.arg(format!("+{}", stable_or_pinned())).args([
            "install",
            "geckodriver",
            "--locked",
            "--debug",
            "--version",
            GECKODRIVER,
        ]);
        if have.is_some() {
            c.arg("--force");
        }
        run(&mut c)?;
        actions.push(format!("installed {want}"));
    }
    let version = output(cmd(FIREFOX).arg("--version")).unwrap_or_default();
    Ok(format!("{} ({version})", actions.join(", ")))
}

fn check_version(program: &str, want: &str) -> Result {
    let have = output(cmd(program).arg("--version"));
    if have.as_deref() != Some(want) {
        bail!(
            "after installing, `{program} --version` says {:?}, expected {want:?}",
            have.unwrap_or_else(|| "nothing (not on PATH?)".into())
        );
    }
    Ok(())
}

/// Whether every package in package-lock.json is in node_modules at the locked version.
fn node_modules_current() -> Result<bool> {
    let root = util::root();
    let lock: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("package-lock.json"))?)?;
    let Some(packages) = lock.get("packages").and_then(|p| p.as_object()) else {
        bail!("package-lock.json has no \"packages\" (lockfileVersion >= 2 expected)");
    };
    for (path, entry) in packages {
        if path.is_empty() {
            continue; // the root project
        }
        let want = entry.get("version").and_then(|v| v.as_str());
        let installed = std::fs::read_to_string(root.join(path).join("package.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
        let have = installed
            .as_ref()
            .and_then(|v| v.get("version"))
            .and_then(|v| v.as_str());
        if have.is_none() || have != want {
            return Ok(false);
        }
    }
    Ok(true)
}

fn npm() -> Result<String> {
    let wasm_opt = util::root().join("node_modules/.bin/wasm-opt");
    if node_modules_current()? && wasm_opt.exists() {
        let v = output(cmd("wasm-opt").arg("--version")).unwrap_or_default();
        return Ok(format!("node_modules current ({v})"));
    }
    run(cmd("npm").args(["ci", "--no-audit", "--no-fund"]))?;
    let v = output(cmd("wasm-opt").arg("--version")).unwrap_or_default();
    if !v.contains("version_132") {
        bail!("wasm-opt from node_modules says {v:?}, expected version 132");
    }
    Ok(format!("ran npm ci ({v})"))
}

/// Fails with a hint unless the tools that `dist` needs are present (used by `dist` so that a
/// missing tool gives one clear message instead of a trunk download attempt).
pub fn check_build_tools() -> Result {
    let mut missing = Vec::new();
    let want_wb = format!("wasm-bindgen {WASM_BINDGEN}");
    if output(cmd("wasm-bindgen").arg("--version")).as_deref() != Some(want_wb.as_str()) {
        missing.push(want_wb);
    }
    let want_trunk = format!("trunk {TRUNK}");
    if output(cmd("trunk").arg("--version")).as_deref() != Some(want_trunk.as_str()) {
        missing.push(want_trunk);
    }
    if !output(cmd("wasm-opt").arg("--version"))
        .unwrap_or_default()
        .contains("version_132")
    {
        missing.push("wasm-opt version 132 (npm binaryen@132.0.0)".into());
    }
    if !missing.is_empty() {
        bail!(
            "missing build tools: {}; run `cargo xtask setup` first",
            missing.join(", ")
        );
    }
    Ok(())
}
