//! The `amorsize` command line, run as a user would.

use std::process::Command;

fn amorsize(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_amorsize"))
        .args(args)
        .output()
        .expect("the binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn list_names_every_catalog_workload() {
    let (ok, out, _) = amorsize(&["list", "--json"]);
    assert!(ok);
    let infos: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let names: Vec<&str> = infos.iter().map(|i| i["name"].as_str().unwrap()).collect();
    for expected in ["cpu-loop", "tiny", "transactions", "io-wait", "parametric"] {
        assert!(names.contains(&expected), "{names:?}");
    }
}

#[test]
fn optimize_prints_the_report_and_json_on_request() {
    let (ok, out, _) = amorsize(&["optimize", "tiny", "-n", "2000"]);
    assert!(ok);
    for section in [
        "[1] Workload",
        "[2] System",
        "[3] Decision",
        "[4] Prediction",
        "[5] Bottleneck",
    ] {
        assert!(out.contains(section), "missing {section} in:\n{out}");
    }
    let (ok, out, _) = amorsize(&["optimize", "tiny", "-n", "20", "--json"]);
    assert!(ok);
    let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        plan["strategy"], "serial",
        "2000 tiny items cannot pay for a pool"
    );
}

#[test]
fn run_with_a_fixed_shape_exports_the_timeline_as_csv() {
    let (ok, out, _) = amorsize(&[
        "run",
        "parametric",
        "-n",
        "200",
        "-p",
        "cost_us=5",
        "--workers",
        "2",
        "--chunk",
        "10",
        "--csv",
    ]);
    assert!(ok);
    let mut lines = out.lines();
    assert_eq!(lines.next().unwrap(), "worker,first,count,start,end");
    let counts: usize = lines
        .map(|l| l.split(',').nth(2).unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!(counts, 200);
}

#[test]
fn bad_input_gets_a_clear_error_and_a_failing_exit() {
    let (ok, _, err) = amorsize(&["optimize", "no-such"]);
    assert!(!ok);
    assert!(err.contains("unknown workload `no-such`"), "{err}");
    let (ok, _, err) = amorsize(&["optimize", "cpu-loop", "-p", "iterations=-3"]);
    assert!(!ok);
    assert!(err.contains("iterations"), "{err}");
    let (ok, _, err) = amorsize(&["run", "tiny", "-n", "100", "--workers", "0", "--chunk", "5"]);
    assert!(!ok);
    assert!(err.contains("workers must be at least 1"), "{err}");
    let (ok, _, err) = amorsize(&["run", "tiny", "-n", "0"]);
    assert!(!ok);
    assert!(err.contains("empty"), "{err}");
}
