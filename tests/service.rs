//! The request service, spoken to in JSON as the browser and `amorsize request` speak to it:
//! every request kind, and every way a request can be refused.

use amorsize::playground::service::{ErrorReply, Service};
use serde_json::{json, Value};
use std::cell::Cell;

/// A cheap job: cpu-loop with few iterations on a few hundred items.
fn job() -> Value {
    json!({"workload": "cpu-loop", "params": {"iterations": 200}, "n": 400, "budget_ms": 20})
}

fn ask(request: Value) -> Result<Value, ErrorReply> {
    Service::new().handle_json(&request.to_string(), &|_| {})
}

fn ok(request: Value) -> Value {
    ask(request.clone()).unwrap_or_else(|e| panic!("{request} failed: {e:?}"))
}

fn refused(request: Value) -> ErrorReply {
    match ask(request.clone()) {
        Ok(value) => panic!("{request} should fail, answered {value}"),
        Err(reply) => reply,
    }
}

#[test]
fn optimize_answers_a_plan_and_its_report() {
    let value = ok(json!({"kind": "optimize", "job": job()}));
    let [plan, report] = value.as_array().unwrap().as_slice() else {
        panic!("{value}")
    };
    assert!(plan["workers"].as_u64().unwrap() >= 1);
    assert!(plan["predicted_speedup"].as_f64().unwrap() > 0.0);
    assert!(report.is_object(), "{report}");
}

#[test]
fn execute_runs_each_kind_of_shape() {
    for shape in [
        json!({"type": "serial"}),
        json!({"type": "fixed", "workers": 2, "chunk_size": 50}),
        json!({"type": "recommended"}),
    ] {
        let value = ok(json!({"kind": "execute", "job": job(), "shape": shape}));
        assert_eq!(value["run"]["items"], 400, "{shape}: {value}");
        assert!(value["run"]["elapsed_s"].as_f64().unwrap() > 0.0);
        assert!(value["plan"].is_object());
    }
    let fixed = ok(json!({"kind": "execute", "job": job(),
        "shape": {"type": "fixed", "workers": 2, "chunk_size": 50}}));
    assert_eq!(fixed["plan"]["workers"], 2);
    assert_eq!(fixed["plan"]["chunk_size"], 50);
}

/// A short run is also read back to back, and that reading is what its single run's one-off
/// costs cannot inflate; a long run is its own steady reading.
#[test]
fn a_short_execution_carries_its_steady_time() {
    let short = ok(json!({"kind": "execute", "shape": {"type": "serial"},
        "job": {"workload": "tiny", "n": 1}}));
    let steady = short["steady_s"]
        .as_f64()
        .expect("a run of one tiny item is short");
    assert!(steady > 0.0 && steady < 1e-3, "{short}");
    let long = ok(json!({"kind": "execute", "shape": {"type": "serial"},
        "job": {"workload": "parametric", "n": 4, "params": {"cost_us": 500}}}));
    assert!(long["run"]["elapsed_s"].as_f64().unwrap() >= 1e-3, "{long}");
    assert!(long["steady_s"].is_null(), "{long}");
}

#[test]
fn sweep_measures_the_grid_it_is_given() {
    let value = ok(json!({"kind": "sweep", "job": job(), "workers": [1, 2],
        "chunk_sizes": [10, 200], "repeats": 1}));
    let sweep = &value[1];
    let shapes: Vec<(u64, u64)> = sweep["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["workers"].as_u64().unwrap(),
                p["chunk_size"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(shapes.len(), 4, "{shapes:?}");
    for shape in [(1, 10), (1, 200), (2, 10), (2, 200)] {
        assert!(shapes.contains(&shape), "{shape:?} missing from {shapes:?}");
    }
    // The plan the sweep was optimized with puts the model's time beside every point.
    for point in sweep["points"].as_array().unwrap() {
        assert!(point["predicted_s"].as_f64().unwrap() > 0.0, "{point}");
    }
}

/// A job's `transfer` reaches the engine: copy transfer is planned and run as copy, and the
/// same job shares memory when it does not ask for copy.
#[test]
fn the_requested_transfer_is_the_one_planned_and_run() {
    let copy = json!({"workload": "cpu-loop", "params": {"iterations": 200}, "n": 400,
        "budget_ms": 20, "transfer": "copy"});
    let plan = ok(json!({"kind": "optimize", "job": copy}));
    assert_eq!(plan[0]["transfer"], "copy", "{plan}");
    assert_eq!(plan[0]["profile"]["bytes_serialized"], true, "{plan}");
    let shape = json!({"type": "fixed", "workers": 2, "chunk_size": 50});
    let copied = ok(json!({"kind": "execute", "job": copy, "shape": shape}));
    assert_eq!(copied["run"]["transfer"], "copy", "{copied}");
    let shared = ok(json!({"kind": "execute", "job": job(), "shape": shape}));
    assert_eq!(shared["run"]["transfer"], "shared", "{shared}");
}

#[test]
fn sweep_grid_gives_the_default_grid() {
    let grid = ok(json!({"kind": "sweep_grid", "job": job()}));
    let workers = grid["workers"].as_array().unwrap();
    assert_eq!(workers[0], 1);
    let chunks: Vec<u64> = grid["chunk_sizes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect();
    // One chunk per worker is on the ladder: with one worker that is all 400 items.
    assert!(chunks.contains(&400), "{chunks:?}");
    assert!(chunks.windows(2).all(|w| w[0] < w[1]), "{chunks:?}");
    assert_eq!(grid["repeats"], 3);
}

#[test]
fn tune_answers_the_plan_and_the_winner() {
    let value = ok(json!({"kind": "tune", "job": job()}));
    assert!(value[1]["best_time_s"].as_f64().unwrap() > 0.0, "{value}");
    assert!(value[1]["runs"].as_u64().unwrap() > 0);
}

#[test]
fn compare_carries_verdicts_that_match_its_speedups() {
    let value = ok(json!({"kind": "compare", "job": job(), "repeats": 1}));
    for (speedup, verdict) in [
        ("speedup_blind", "blind"),
        ("speedup_recommended", "recommended"),
        ("speedup_best", "best"),
    ] {
        assert_eq!(
            value[speedup], value["verdicts"][verdict]["speedup"],
            "{value}"
        );
        assert!(value["verdicts"][verdict]["label"]
            .as_str()
            .unwrap()
            .contains('x'));
    }
    // "Best" is the fastest of what the comparison shows, and its speedup is serial over its time.
    let time = |run: &str| value[run]["median_s"].as_f64().unwrap();
    let best = value["best"]["time_s"].as_f64().unwrap();
    for run in ["serial", "blind", "recommended"] {
        assert!(best <= time(run), "{value}");
    }
    assert_eq!(
        value["best"]["speedup"].as_f64().unwrap(),
        time("serial") / best
    );
}

#[test]
fn a_serial_recommendation_is_the_serial_run() {
    // Three items of tiny work: far too short to pay for a second thread.
    let job = json!({"workload": "tiny", "n": 3, "params": {}});
    let value = ok(json!({"kind": "compare", "job": job, "repeats": 3}));
    assert_eq!(value["plan"]["strategy"], "serial", "{value}");
    assert_eq!(value["recommended"], value["serial"]);
    assert_eq!(value["speedup_recommended"], 1.0);
    assert_eq!(value["verdicts"]["recommended"]["label"], "1.00x: no gain");
}

#[test]
fn worker_curve_measures_each_worker_count() {
    let value = ok(json!({"kind": "worker_curve", "job": job(), "max_workers": 2, "repeats": 1}));
    let workers: Vec<u64> = value["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["workers"].as_u64().unwrap())
        .collect();
    assert_eq!(workers, [1, 2]);
    let fastest = value["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["speedup"].as_f64().unwrap())
        .fold(0.0, f64::max);
    assert_eq!(value["fastest"]["speedup"].as_f64().unwrap(), fastest);
}

#[test]
fn scaling_measures_each_value() {
    let value = ok(
        json!({"kind": "scaling", "job": job(), "axis": {"kind": "items"},
        "values": [100, 300], "repeats": 1}),
    );
    let items: Vec<u64> = value
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["items"].as_u64().unwrap())
        .collect();
    assert_eq!(items, [100, 300]);
    // Each point's speedup comes classified by the engine, which the page prints as it is.
    for point in value.as_array().unwrap() {
        assert_eq!(point["verdict"]["speedup"], point["speedup"], "{point}");
        assert!(point["verdict"]["short"].is_string(), "{point}");
    }
}

#[test]
fn each_scaling_point_is_warmed_up_like_a_job_of_its_own() {
    // In the browser a point measured on code the JIT had not yet optimized read 2.6-4.1x on
    // 2 cores (its first serial runs took twice the last). Warming is the only trace natively:
    // the time it takes.
    const WARM_UP_S: f64 = 0.4;
    let service = Service::new().with_warm_up(WARM_UP_S);
    let started = std::time::Instant::now();
    let value = service
        .handle_json(
            &json!({"kind": "scaling", "job": job(), "axis": {"kind": "items"},
                "values": [100, 300], "repeats": 1})
            .to_string(),
            &|_| {},
        )
        .unwrap();
    assert_eq!(value.as_array().unwrap().len(), 2);
    assert!(
        started.elapsed().as_secs_f64() >= 2.0 * WARM_UP_S,
        "two points took {:?}",
        started.elapsed()
    );
}

#[test]
fn bench_and_its_summary() {
    let row = ok(json!({"kind": "bench", "job": job(), "repeats": 1}));
    assert!(row["regret"].as_f64().unwrap() >= 1.0, "{row}");
    let summary = ok(json!({"kind": "bench_summary", "rows": [row.clone(), row.clone()]}));
    let (median, regret) = (summary["median_regret"].as_f64(), row["regret"].as_f64());
    assert!(
        (median.unwrap() - regret.unwrap()).abs() < 1e-12,
        "{summary}"
    );
    assert!(!summary["targets"].as_array().unwrap().is_empty());
    let empty = refused(json!({"kind": "bench_summary", "rows": []}));
    assert_eq!(empty.kind, "invalid_parameter");
}

#[test]
fn the_small_job_benchmark_its_grid_and_its_summary() {
    let jobs = ok(json!({"kind": "bench_small_jobs"}));
    let jobs = jobs.as_array().unwrap();
    assert_eq!(jobs.len(), 21);
    assert!(jobs
        .iter()
        .any(|j| j["workload"] == "parametric" && j["cost_us"] == 20.0 && j["n"] == 400));
    let spec = json!({"workload": "parametric", "params": {"cost_us": 5}, "n": 100});
    let row = ok(json!({"kind": "bench_small", "job": spec}));
    assert_eq!(row["cost_us"], 5.0);
    assert!(row["regret"].as_f64().unwrap() >= 1.0, "{row}");
    if row["recommended"]["serial"] == true {
        // A serial recommendation is serial's time, not a second noisy reading.
        assert_eq!(row["recommended_vs_serial"], 1.0, "{row}");
    }
    let summary = ok(json!({"kind": "bench_small_summary", "small_rows": [row]}));
    assert_eq!(summary["jobs"], 1);
    // The five: never slower than serial, regret median and max, prediction error
    // median and max; outliers are counted, not a target.
    let targets = summary["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 5, "{summary}");
    assert!(
        !targets.iter().any(|t| t[0] == "no outlier runs"),
        "{summary}"
    );
    assert!(summary["outliers"].is_number(), "{summary}");
    let empty = refused(json!({"kind": "bench_small_summary", "small_rows": []}));
    assert_eq!(empty.kind, "invalid_parameter");
}

#[test]
fn catalog_info_and_policy_need_no_job() {
    let catalog = ok(json!({"kind": "catalog"}));
    assert!(catalog
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["name"] == "parametric"));
    let info = ok(json!({"kind": "info"}));
    assert!(info["threads"].as_u64().unwrap() >= info["cores"].as_u64().unwrap());
    assert!(info["costs"].is_object());
    let policy = ok(json!({"kind": "policy", "hardware_concurrency": 6}));
    assert!(policy["pool_threads"].as_u64().unwrap() >= 6, "{policy}");
    let short = ok(json!({"kind": "policy", "hardware_concurrency": 2, "device_memory_gb": 0.25}));
    assert_eq!(short["pool_threads"], 2, "{short}");
}

#[test]
fn verdict_reads_speedups_as_the_pages_print_them() {
    let value = ok(json!({"kind": "verdict", "values": [2.0, 1.0, 0.5, 0.005]}));
    let labels: Vec<&str> = value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "2.00x faster",
            "1.00x: no gain",
            "0.50x: slower than serial",
            "200x slower than serial"
        ]
    );
}

#[test]
fn requests_that_do_not_decode_name_the_request() {
    for (request, words) in [
        (json!({"kind": "frobnicate"}), "unknown variant"),
        (json!({"job": job()}), "missing field `kind`"),
        (
            json!({"kind": "optimize", "job": {"n": 10}}),
            "missing field `workload`",
        ),
        (
            json!({"kind": "optimize", "job": {"workload": "tiny", "n": "many"}}),
            "invalid type",
        ),
        (
            json!({"kind": "sweep", "job": job(), "workers": [-1]}),
            "invalid value",
        ),
    ] {
        let reply = refused(request.clone());
        assert_eq!(reply.kind, "invalid_parameter", "{request}");
        assert!(reply.message.contains("`request`"), "{}", reply.message);
        assert!(
            reply.message.contains(words),
            "{request}: {}",
            reply.message
        );
    }
    let reply = Service::new()
        .handle_json("{not json", &|_| {})
        .unwrap_err();
    assert_eq!(reply.kind, "invalid_parameter");
}

#[test]
fn missing_fields_name_the_field_and_the_kind() {
    for (request, field) in [
        (json!({"kind": "optimize"}), "job"),
        (json!({"kind": "execute", "job": job()}), "shape"),
        (
            json!({"kind": "execute", "job": job(), "shape": {"type": "fixed", "workers": 2}}),
            "shape.chunk_size",
        ),
        (
            json!({"kind": "scaling", "job": job(), "values": [1]}),
            "axis",
        ),
        (
            json!({"kind": "scaling", "job": job(), "axis": {"kind": "param"}, "values": [1]}),
            "axis.name",
        ),
        (json!({"kind": "verdict"}), "values"),
        (json!({"kind": "bench_summary"}), "rows"),
    ] {
        let reply = refused(request.clone());
        assert_eq!(reply.kind, "invalid_parameter", "{request}");
        assert!(
            reply.message.contains(&format!("`{field}`")),
            "{request}: {}",
            reply.message
        );
    }
}

#[test]
fn engine_errors_keep_their_kind() {
    let unknown = refused(json!({"kind": "optimize", "job": {"workload": "no-such"}}));
    assert_eq!(unknown.kind, "unknown_workload");
    assert!(unknown.message.contains("no-such"));
    let bogus = refused(json!({"kind": "optimize",
        "job": {"workload": "cpu-loop", "params": {"bogus": 1}}}));
    assert_eq!(bogus.kind, "invalid_parameter");
    assert!(bogus.message.contains("bogus"), "{}", bogus.message);
    let out_of_range = refused(json!({"kind": "optimize",
        "job": {"workload": "cpu-loop", "params": {"iterations": -5}}}));
    assert_eq!(out_of_range.kind, "invalid_parameter");
    let empty = refused(json!({"kind": "optimize", "job": {"workload": "tiny", "n": 0}}));
    assert_eq!(empty.kind, "empty_input");
    let zero = refused(json!({"kind": "execute", "job": job(),
        "shape": {"type": "fixed", "workers": 0, "chunk_size": 10}}));
    assert_eq!(zero.kind, "zero_workers");
    let zero_chunk = refused(json!({"kind": "sweep", "job": job(), "chunk_sizes": [0]}));
    assert_eq!(zero_chunk.kind, "zero_chunk_size");
    let zero_curve = refused(json!({"kind": "worker_curve", "job": job(), "max_workers": 0}));
    assert_eq!(zero_curve.kind, "zero_workers");
    let zero_max = refused(json!({"kind": "optimize",
        "job": {"workload": "tiny", "n": 100, "max_workers": 0}}));
    assert_eq!(zero_max.kind, "zero_workers");
    let too_many = refused(json!({"kind": "execute", "job": job(),
        "shape": {"type": "fixed", "workers": 100_000, "chunk_size": 10}}));
    assert_eq!(too_many.kind, "too_many_workers");
}

#[test]
fn a_cancelled_request_stops_and_the_next_one_runs() {
    let service = Service::new();
    let progressed = Cell::new(0);
    let request = json!({"kind": "sweep", "job": job(), "workers": [1, 2],
        "chunk_sizes": [10, 20, 40, 80], "repeats": 2})
    .to_string();
    let reply = service
        .handle_json(&request, &|_| {
            progressed.set(progressed.get() + 1);
            service.cancel_token().cancel();
        })
        .unwrap_err();
    assert_eq!(reply.kind, "cancelled");
    assert!(progressed.get() >= 1);
    // Each request starts with the token reset.
    let again = service.handle_json(
        &json!({"kind": "optimize", "job": job()}).to_string(),
        &|_| {},
    );
    assert!(again.is_ok(), "{again:?}");
}

#[test]
fn consecutive_requests_on_one_job_see_the_same_items() {
    let service = Service::new();
    let run = |n: u64| {
        let request = json!({"kind": "execute", "shape": {"type": "serial"},
            "job": {"workload": "tiny", "n": n}});
        service.handle_json(&request.to_string(), &|_| {}).unwrap()["run"]["items"].clone()
    };
    assert_eq!(run(300), 300);
    assert_eq!(run(300), 300);
    assert_eq!(run(500), 500);
}

#[test]
fn serial_is_spelled_one_way_on_the_wire() {
    let value = ok(json!({"kind": "execute", "job": job(), "shape": {"type": "serial"}}));
    assert_eq!(value["plan"]["strategy"], "serial");
    // A serial plan hands out no chunks: null, not 2^64-1.
    assert!(value["plan"]["chunk_size"].is_null(), "{}", value["plan"]);
    assert_eq!(value["run"]["serial"], true);
    assert_eq!(value["run"]["workers"], 1);
    let tuned = &ok(json!({"kind": "tune", "job": job()}))[1];
    let serial: Vec<&Value> = tuned["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["serial"] == true)
        .collect();
    assert_eq!(serial.len(), 1, "{tuned}");
    assert_eq!(serial[0]["workers"], 1);
    assert_eq!(serial[0]["chunk_size"], 400);
    let progress = std::cell::RefCell::new(Vec::new());
    Service::new()
        .handle_json(
            &json!({"kind": "sweep", "job": job(), "workers": [1], "chunk_sizes": [100], "repeats": 1})
                .to_string(),
            &|p| progress.borrow_mut().push(*p),
        )
        .unwrap();
    let progress = progress.into_inner();
    assert!(progress
        .iter()
        .any(|p| p.serial && p.workers == 1 && p.chunk_size == 400));
    assert!(progress.iter().all(|p| p.workers >= 1));
}

/// A visitor's own function, as the Lab sends it.
fn function_job() -> Value {
    json!({"fn": "x => x * 2", "items": "i => i", "n": 100})
}

#[test]
fn a_function_job_is_refused_natively_with_a_clear_kind() {
    // No script engine is installed natively: every request on a function says so, whichever
    // way its items are given, before anything runs.
    for (kind, items) in [
        ("optimize", json!("i => i")),
        ("execute", json!([1, 2, {"a": "b"}])),
        ("sweep", json!("i => i")),
        ("tune", json!("i => i")),
        ("compare", json!("i => i")),
        ("worker_curve", json!("i => i")),
        ("bench", json!("i => i")),
    ] {
        let mut job = function_job();
        job["items"] = items;
        let reply = refused(json!({"kind": kind, "job": job, "shape": {"type": "serial"}}));
        assert_eq!(reply.kind, "script", "{kind}: {reply:?}");
        assert_eq!(
            reply.problem,
            Some(amorsize::script::Problem::Unavailable),
            "{kind}"
        );
        assert_eq!(reply.role.as_deref(), Some("fn"));
        assert!(reply.message.contains("no script engine"), "{reply:?}");
        assert_eq!((reply.index, reply.line, reply.column), (None, None, None));
    }
}

#[test]
fn a_function_job_decodes_strictly() {
    // `items` is an expression or an array; `fn` is text. Anything else names the request.
    for job in [
        json!({"fn": "x => x", "items": 7}),
        json!({"fn": "x => x", "items": {"a": 1}}),
        json!({"fn": 42}),
        json!({"fn": "x => x", "n": -1}),
    ] {
        let reply = refused(json!({"kind": "optimize", "job": job}));
        assert_eq!(reply.kind, "invalid_parameter", "{job}: {reply:?}");
        assert!(reply.message.contains("request"), "{reply:?}");
        assert_eq!(reply.problem, None);
    }
    // A job with neither a workload nor a function says which one it needs.
    let reply = refused(json!({"kind": "optimize", "job": {"n": 10}}));
    assert_eq!(reply.kind, "invalid_parameter", "{reply:?}");
    assert!(
        reply.message.contains("`workload`") && reply.message.contains("`fn`"),
        "{reply:?}"
    );
}

#[test]
fn scaling_and_describe_take_catalog_workloads_only() {
    for request in [
        json!({"kind": "scaling", "job": function_job(), "axis": {"kind": "items"}, "values": [10.0]}),
        json!({"kind": "describe", "job": function_job()}),
    ] {
        let reply = refused(request.clone());
        assert_eq!(reply.kind, "invalid_parameter", "{request}");
        assert!(reply.message.contains("`job.fn`"), "{reply:?}");
        assert!(
            reply.message.contains("catalog workloads only"),
            "{reply:?}"
        );
    }
}

#[test]
fn a_catalog_execute_has_no_preview_and_plain_errors_no_script_fields() {
    let value = ok(json!({"kind": "execute", "job": job(), "shape": {"type": "serial"}}));
    assert!(value["preview"].is_null(), "{value}");
    let reply = refused(json!({"kind": "optimize", "job": {"workload": "nope"}}));
    let wire = serde_json::to_value(&reply).unwrap();
    assert_eq!(
        wire.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["kind", "message"],
        "{wire}"
    );
}
