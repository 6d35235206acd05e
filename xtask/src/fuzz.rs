//! `cargo xtask fuzz [--seconds N] [TARGET...]`: runs every cargo-fuzz target in `fuzz/` for N
//! seconds each (installing cargo-fuzz first if it is missing) and reports executions and
//! crashes per target. Corpora grow in `fuzz/corpus/TARGET` (not committed); the seeds in
//! `fuzz/seeds/TARGET` start them. A crash's input lands in `fuzz/artifacts/TARGET`.

use crate::bail;
use crate::util::{self, cargo, cmd, Result};
use std::process::Stdio;

/// Every target, in `fuzz/Cargo.toml`'s order.
pub const TARGETS: [&str; 3] = ["request", "params", "function"];

/// What one target's run found.
struct Outcome {
    target: String,
    executions: Option<u64>,
    crashed: bool,
    seconds: u64,
}

fn ensure_cargo_fuzz() -> Result {
    let installed = cmd("cargo")
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if installed {
        return Ok(());
    }
    println!("installing cargo-fuzz (about 30 s)");
    util::run(cargo().args(["install", "cargo-fuzz", "--locked"]))
}

/// libFuzzer's `-print_final_stats=1` line `stat::number_of_executed_units: N`.
fn executions(stderr: &str) -> Option<u64> {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
        .and_then(|n| n.trim().parse().ok())
}

fn run_target(target: &str, seconds: u64) -> Result<Outcome> {
    let fuzz = util::root().join("fuzz");
    let corpus = fuzz.join("corpus").join(target);
    let seeds = fuzz.join("seeds").join(target);
    std::fs::create_dir_all(&corpus)?;
    std::fs::create_dir_all(&seeds)?;
    println!("fuzzing `{target}` for {seconds} s");
    let output = cmd("cargo")
        .current_dir(&fuzz)
        .args(["fuzz", "run", "-O", target])
        .arg(&corpus)
        .arg(&seeds)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .args(["-print_final_stats=1", "-timeout=20", "-rss_limit_mb=3072"])
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped())
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let crashed = !output.status.success();
    if crashed {
        // The crash report is the tail of libFuzzer's output.
        let tail: Vec<&str> = stderr.lines().rev().take(60).collect();
        for line in tail.into_iter().rev() {
            eprintln!("{line}");
        }
    }
    Ok(Outcome {
        target: target.into(),
        executions: executions(&stderr),
        crashed,
        seconds,
    })
}

pub fn fuzz(seconds: u64, targets: &[String]) -> Result {
    ensure_cargo_fuzz()?;
    let chosen: Vec<String> = if targets.is_empty() {
        TARGETS.iter().map(|t| t.to_string()).collect()
    } else {
        targets.to_vec()
    };
    if let Some(unknown) = chosen.iter().find(|t| !TARGETS.contains(&t.as_str())) {
        bail!(
            "no fuzz target `{unknown}` (targets: {})",
            TARGETS.join(", ")
        );
    }
    let outcomes = chosen
        .iter()
        .map(|t| run_target(t, seconds))
        .collect::<Result<Vec<_>>>()?;
    util::heading("fuzz summary");
    for o in &outcomes {
        println!(
            "  {:<10} {:>6} s  {:>12} executions  {}",
            o.target,
            o.seconds,
            o.executions.map_or("?".into(), |n| n.to_string()),
            if o.crashed {
                "CRASHED (see fuzz/artifacts)"
            } else {
                "no crash"
            }
        );
    }
    if outcomes.iter().any(|o| o.crashed) {
        bail!("a fuzz target crashed");
    }
    Ok(())
}
