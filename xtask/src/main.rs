//! `cargo xtask`: setup, dist, serve, test and bench for the Amorsize Playground.
//!
//! The alias in `.cargo/config.toml` runs this crate; `./run` at the repo root first makes sure
//! the pinned nightly exists (RUSTUP_AUTO_INSTALL=0) and then calls `cargo xtask`.

mod dist;
mod fuzz;
mod headers;
mod serve;
mod setup;
mod soak;
mod util;
mod wasm;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

use util::{cargo, cmd, run, Result, Summary};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Build, serve, test and bench the Amorsize Playground"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install chromium, the pinned nightly, wasm-bindgen-cli, trunk and the npm packages
    /// (each skipped when already present at the pinned version).
    Setup,
    /// Build the threaded (trunk) and single-threaded (dist/st) web outputs into dist/.
    Dist,
    /// Set up (as `setup`), build dist/ and serve it on 127.0.0.1, isolated and not isolated.
    Serve {
        /// Port with the headers of dist/_headers (cross-origin isolated: threads).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Port without them and without the service worker (the single-threaded fallback).
        #[arg(long, default_value_t = 8081)]
        no_isolation_port: u16,
        /// Serve dist/ as it is, without building.
        #[arg(long)]
        no_build: bool,
    },
    /// Run every check: setup, fmt, clippy, native tests, dist, browser tests.
    Test,
    /// Native benchmark (`amorsize bench --json ARGS`), or the browser one with --browser.
    Bench {
        /// Build dist/, serve it and run tests/e2e/bench.mjs in headless Chromium.
        #[arg(long)]
        browser: bool,
        /// The small-job benchmark (jobs of 0.1-200 ms serial), natively or with --browser.
        #[arg(long)]
        small: bool,
        /// Passed on to the benchmark.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Run every cargo-fuzz target in fuzz/ (or those named) and report executions and crashes.
    Fuzz {
        /// Seconds per target.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        targets: Vec<String>,
    },
    /// 100 back-to-back short sweeps in one page after a warm-up of 300; fails if JS heap or
    /// wasm memory grow over 10% across the 100, or on any console error.
    Soak {
        /// Serve dist/ as it is, without building.
        #[arg(long)]
        no_build: bool,
        /// Sweeps measured after the warm-up.
        #[arg(long, default_value_t = 100)]
        sweeps: u32,
        /// Sweeps before the first reading (default 300: V8 optimizes the page's code meanwhile).
        #[arg(long)]
        warm_up: Option<u32>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let res = match cli.command {
        Command::Setup => setup::setup(),
        Command::Dist => dist::dist(),
        Command::Serve {
            port,
            no_isolation_port,
            no_build,
        } => serve_cmd(port, no_isolation_port, no_build),
        Command::Test => return test(),
        Command::Bench {
            browser,
            small,
            args,
        } => {
            let mut args = args;
            if small {
                args.push("--small".into());
            }
            bench(browser, &args)
        }
        Command::Fuzz { seconds, targets } => fuzz::fuzz(seconds, &targets),
        Command::Soak {
            no_build,
            sweeps,
            warm_up,
        } => soak::soak(no_build, sweeps, warm_up),
    };
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(util::Error(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn dist_dir() -> PathBuf {
    util::root().join("dist")
}

fn serve_cmd(port: u16, no_isolation_port: u16, no_build: bool) -> Result {
    if !no_build {
        // As `test` does: a fresh clone needs the tools before its first build.
        setup::setup()?;
        dist::dist()?;
    }
    if !dist_dir().join("index.html").exists() {
        bail!("dist/index.html is missing: run `cargo xtask dist` (or drop --no-build)");
    }
    let (isolated, plain) = serve::start_pair(&dist_dir(), port, no_isolation_port)?;
    println!("press Ctrl-C to stop");
    isolated.wait();
    plain.wait();
    Ok(())
}

/// The browser tests: `tests/e2e/*.test.mjs`, sorted.
fn e2e_tests() -> Vec<PathBuf> {
    let dir = util::root().join("tests").join("e2e");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.ends_with(".test.mjs"))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Runs a node script or `node --test` against both servers (started on free ports).
fn with_servers(f: impl FnOnce(&str, &str, &PathBuf) -> Result) -> Result {
    let artifacts = util::root().join("artifacts");
    std::fs::create_dir_all(&artifacts)?;
    let (isolated, plain) = serve::start_pair(&dist_dir(), 0, 0)?;
    let res = f(&isolated.url(), &plain.url(), &artifacts);
    isolated.stop();
    plain.stop();
    res
}

fn node_env<'a>(
    c: &'a mut std::process::Command,
    url: &str,
    url_plain: &str,
    artifacts: &PathBuf,
) -> &'a mut std::process::Command {
    c.env("AMORSIZE_URL", url)
        .env("AMORSIZE_URL_NO_ISOLATION", url_plain)
        .env("ARTIFACTS_DIR", artifacts)
        .env("CHROMIUM_PATH", setup::CHROMIUM)
}

fn test() -> ExitCode {
    let start = Instant::now();
    let mut s = Summary::default();
    let ok = |r: Result| r.map(|()| None);

    let setup_ok = s.stage("setup", || ok(setup::setup()));
    if setup_ok {
        s.stage("fmt", || ok(run(cargo().args(["fmt", "--all", "--check"]))));
        s.stage("clippy (native)", || {
            ok(run(cargo().args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ])))
        });
        // The wasm-only glue (src/web) is invisible to a native clippy; lint it as the
        // single-threaded build sees it (same flags and target dir, so it shares the cache).
        s.stage("clippy (wasm32)", || {
            ok(run(cargo()
                .args([
                    "clippy",
                    "--lib",
                    "--release",
                    "--target",
                    dist::WASM_TARGET,
                ])
                .arg("--target-dir")
                .arg(util::root().join("target").join("st"))
                .args(["--", "-D", "warnings"])
                .env("RUSTFLAGS", dist::ST_RUSTFLAGS)))
        });
        s.stage("native tests", || {
            ok(run(cargo().args(["test", "--workspace"])))
        });
        s.stage("front-end unit tests", || {
            ok(run(cmd("node").args(["--test", "tests/unit/"])))
        });
        let dist_ok = s.stage("dist", || ok(dist::dist()));
        let tests = e2e_tests();
        if !dist_ok {
            s.skip("browser tests", "dist failed");
        } else if tests.is_empty() {
            s.skip("browser tests", "no tests/e2e/*.test.mjs yet");
        } else {
            s.stage("browser tests", || {
                ok(with_servers(|url, plain, artifacts| {
                    let mut c = cmd("node");
                    c.arg("--test").args(&tests);
                    run(node_env(&mut c, url, plain, artifacts))
                }))
            });
        }
    } else {
        s.skip("everything else", "setup failed");
    }
    s.print(start.elapsed());
    if s.failed() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn bench(browser: bool, args: &[String]) -> Result {
    if !browser {
        return run(cargo()
            .args([
                "run",
                "--release",
                "--bin",
                dist::CRATE,
                "--",
                "bench",
                "--json",
            ])
            .args(args));
    }
    let script = util::root().join("tests").join("e2e").join("bench.mjs");
    if !script.exists() {
        bail!(
            "{} is missing: the browser benchmark is not written yet",
            script.display()
        );
    }
    dist::dist()?;
    with_servers(|url, plain, artifacts| {
        let mut c = cmd("node");
        c.arg(&script).args(args);
        run(node_env(&mut c, url, plain, artifacts))
    })
}
