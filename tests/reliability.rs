//! Valid input never crashes the engine: jobs that cannot fit in memory or would run for long
//! are refused before they start, a workload that panics is reported with its item and leaves
//! the pool usable, and cancels at any moment leave the engine ready for the next run.

use amorsize::memory::{self, WASM_MAX_MEMORY};
use amorsize::playground::service::{ErrorReply, Service};
use serde_json::{json, Value};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn ask(service: &Service, request: Value) -> Result<Value, ErrorReply> {
    service.handle_json(&request.to_string(), &|_| {})
}

fn refused(service: &Service, request: Value) -> ErrorReply {
    match ask(service, request.clone()) {
        Ok(value) => panic!("{request} should fail, answered {value}"),
        Err(reply) => reply,
    }
}

/// The browser's service: the wasm build's memory limit.
fn browser_like() -> Service {
    Service::new().with_memory_limit(WASM_MAX_MEMORY)
}

#[test]
fn the_wasm_limit_is_the_one_the_build_sets() {
    let config =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.cargo/config.toml"))
            .unwrap();
    assert!(
        config.contains(&format!("--max-memory={WASM_MAX_MEMORY}")),
        "memory::WASM_MAX_MEMORY must equal the --max-memory of .cargo/config.toml"
    );
}

#[test]
fn a_job_too_big_for_memory_is_refused_before_it_allocates() {
    let service = browser_like();
    // The crash: 10 million items of 1 MiB results each.
    let job = json!({"workload": "parametric", "n": 10_000_000,
        "params": {"bytes_out": 1_048_576}});
    for kind in ["optimize", "execute"] {
        let mut request = json!({"kind": kind, "job": job});
        if kind == "execute" {
            request["shape"] = json!({"type": "serial"});
        }
        let reply = refused(&service, request);
        assert_eq!(reply.kind, "too_big", "{}", reply.message);
        assert!(
            reply.message.contains("1.00 GiB limit"),
            "{}",
            reply.message
        );
        assert!(
            reply.message.contains("TiB") || reply.message.contains("GiB"),
            "{}",
            reply.message
        );
        assert!(reply.message.contains("results"), "{}", reply.message);
    }
    // Copy transfer at 1 MiB in and out: shared fits, copy (three copies of everything) not.
    let job = |transfer: &str| {
        json!({"workload": "parametric", "n": 200, "transfer": transfer,
            "params": {"bytes_in": 1_048_576, "bytes_out": 1_048_576, "cost_us": 1}})
    };
    let small = Service::new().with_memory_limit(600 << 20);
    let reply = refused(&small, json!({"kind": "optimize", "job": job("copy")}));
    assert_eq!(reply.kind, "too_big");
    assert!(
        reply.message.contains("copies for copy transfer"),
        "{}",
        reply.message
    );
    let plan = ask(
        &small,
        json!({"kind": "optimize", "job": job("shared"), "allow_long": true}),
    );
    assert!(plan.is_ok(), "{plan:?}");
}

#[test]
fn each_point_of_a_scaling_study_is_checked_against_memory() {
    let service = browser_like();
    // The first point fits; the second, reached only by the axis, holds a TiB or more of
    // results (1 MiB each), and was built and run unchecked.
    for (axis, job) in [
        (
            json!({"kind": "items"}),
            json!({"workload": "parametric", "params": {"bytes_out": 1_048_576, "cost_us": 1}}),
        ),
        (
            json!({"kind": "param", "name": "bytes_out"}),
            json!({"workload": "parametric", "n": 1_000_000, "params": {"cost_us": 1}}),
        ),
    ] {
        let values = if axis["kind"] == "items" {
            json!([10, 10_000_000])
        } else {
            json!([8, 1_048_576])
        };
        let reply = refused(
            &service,
            json!({"kind": "scaling", "job": job, "axis": axis, "values": values, "repeats": 1}),
        );
        assert_eq!(reply.kind, "too_big", "{}", reply.message);
        assert!(reply.message.contains("results"), "{}", reply.message);
    }
}

#[test]
fn the_native_cap_is_a_setting() {
    assert!(memory::limit() >= 1 << 30);
    let tiny = Service::new().with_memory_limit(1 << 20);
    let reply = refused(
        &tiny,
        json!({"kind": "optimize", "job": {"workload": "tiny", "n": 1_000_000}}),
    );
    assert_eq!(reply.kind, "too_big");
    assert!(
        reply.message.contains("1.00 MiB limit"),
        "{}",
        reply.message
    );
}

#[test]
fn a_long_job_is_refused_unless_allowed() {
    let service = Service::new();
    // 1 ms items: a sweep of 100 repeats over a grid runs for minutes.
    let job = json!({"workload": "parametric", "n": 50_000, "params": {"cost_us": 1000}});
    let reply = refused(
        &service,
        json!({"kind": "sweep", "job": job, "workers": [1, 2], "chunk_sizes": [10, 100],
            "repeats": 100}),
    );
    assert_eq!(reply.kind, "too_long");
    // Visitors read the message: it names no API field.
    assert!(!reply.message.contains("allow_long"), "{}", reply.message);
    assert!(reply.message.contains("min"), "{}", reply.message);
    // Serial, 10,000 items of 10 ms: 100 s.
    let long = json!({"workload": "parametric", "n": 10_000, "params": {"cost_us": 10_000}});
    let reply = refused(
        &service,
        json!({"kind": "execute", "job": long, "shape": {"type": "serial"}}),
    );
    assert_eq!(reply.kind, "too_long", "{}", reply.message);
    assert_eq!(reply.confirmable, Some(true), "{}", reply.message);
    assert!(
        reply.message.contains("confirm to run it anyway"),
        "{}",
        reply.message
    );
    // 10,000,000 items of 1 s: months. Refused, and not offered to run anyway.
    let absurd =
        json!({"workload": "parametric", "n": 10_000_000, "params": {"cost_us": 1_000_000}});
    let reply = refused(
        &service,
        json!({"kind": "execute", "job": absurd, "shape": {"type": "serial"}}),
    );
    assert_eq!(reply.kind, "too_long", "{}", reply.message);
    assert_eq!(reply.confirmable, Some(false), "{}", reply.message);
    assert!(reply.message.contains("days"), "{}", reply.message);
    assert!(
        reply.message.contains("fewer or cheaper"),
        "{}",
        reply.message
    );
    // The same job, small enough, runs.
    let quick = json!({"workload": "parametric", "n": 20, "params": {"cost_us": 1000}});
    let run = ask(
        &service,
        json!({"kind": "execute", "job": quick, "shape": {"type": "fixed", "workers": 2, "chunk_size": 5}}),
    );
    assert!(run.is_ok(), "{run:?}");
}

fn failing(at: usize, transfer: &str) -> Value {
    json!({"workload": "parametric", "n": 400, "transfer": transfer,
        "params": {"cost_us": 5, "fail_at": at}})
}

#[test]
fn a_panicking_item_is_reported_by_index_and_the_pool_survives() {
    let service = Service::new();
    for transfer in ["shared", "copy"] {
        for shape in [
            json!({"type": "serial"}),
            json!({"type": "fixed", "workers": 2, "chunk_size": 16}),
        ] {
            let reply = refused(
                &service,
                json!({"kind": "execute", "job": failing(237, transfer), "shape": shape,
                    "allow_long": true}),
            );
            assert_eq!(reply.kind, "panicked", "{}", reply.message);
            assert!(reply.message.contains("item 237"), "{}", reply.message);
            assert!(reply.message.contains("on purpose"), "{}", reply.message);
        }
    }
    // The sampler meets the item too, during optimize and sweep.
    let reply = refused(
        &service,
        json!({"kind": "sweep", "job": failing(0, "shared")}),
    );
    assert_eq!(reply.kind, "panicked");
    assert!(reply.message.contains("item 0"), "{}", reply.message);
    // The pool still runs every worker.
    let next = ask(
        &service,
        json!({"kind": "execute", "job": {"workload": "cpu-loop", "n": 400},
            "shape": {"type": "fixed", "workers": 2, "chunk_size": 7}}),
    )
    .unwrap();
    assert_eq!(next["run"]["workers"], json!(2), "{}", next["run"]);
    let items: Vec<u64> = (0..10_000).collect();
    let run = amorsize::execute(&items, |x| x * 3, &amorsize::Plan::fixed(2, 100)).unwrap();
    assert!(run.results.iter().zip(&items).all(|(r, x)| *r == x * 3));
}

/// Runs `body` on its own thread; fails if it takes longer than `limit` (a stuck worker).
fn within<T: Send + 'static>(limit: Duration, body: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, wait) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(body());
    });
    wait.recv_timeout(limit)
        .expect("the engine got stuck: no answer within the time limit")
}

#[test]
fn fifty_cancels_at_random_moments_leave_the_engine_ready() {
    let tally = within(Duration::from_secs(300), || {
        let service = Service::new();
        let job = json!({"workload": "parametric", "n": 3_000,
            "params": {"cost_us": 20, "distribution": "lognormal", "cv": 1.0}, "budget_ms": 30});
        let requests = [
            json!({"kind": "optimize", "job": job}),
            json!({"kind": "execute", "job": job, "shape": {"type": "recommended"}}),
            json!({"kind": "execute", "job": job, "shape": {"type": "fixed", "workers": 2, "chunk_size": 1}}),
            json!({"kind": "sweep", "job": job, "workers": [1, 2], "chunk_sizes": [1, 64], "repeats": 2}),
            json!({"kind": "tune", "job": job}),
        ];
        let mut rng = fastrand::Rng::with_seed(13);
        let (mut cancelled, mut finished) = (0, 0);
        for round in 0..50 {
            let request = &requests[round % requests.len()];
            let token = service.cancel_token().clone();
            let delay = Duration::from_micros(rng.u64(0..60_000));
            let canceller = std::thread::spawn(move || {
                std::thread::sleep(delay);
                token.cancel();
            });
            match ask(&service, request.clone()) {
                Ok(_) => finished += 1,
                Err(e) if e.kind == "cancelled" => cancelled += 1,
                Err(e) => panic!("round {round}: {request}: {e:?}"),
            }
            canceller.join().unwrap();
        }
        // The next run is correct: every result in place, on every worker.
        let items: Vec<u64> = (0..50_000).collect();
        let run =
            amorsize::execute(&items, |x| x ^ 0x5555, &amorsize::Plan::fixed(2, 1000)).unwrap();
        assert!(run
            .results
            .iter()
            .zip(&items)
            .all(|(r, x)| *r == x ^ 0x5555));
        let next = ask(
            &service,
            json!({"kind": "execute", "job": job, "shape": {"type": "fixed", "workers": 2, "chunk_size": 50}}),
        );
        assert!(next.is_ok(), "{next:?}");
        (cancelled, finished)
    });
    eprintln!(
        "50 cancels: {} requests cancelled, {} finished first",
        tally.0, tally.1
    );
    assert!(
        tally.0 >= 10,
        "too few requests were really cancelled: {tally:?}"
    );
}

#[test]
fn cancelling_a_sweep_of_one_second_items_returns_after_the_running_item() {
    let outcome = within(Duration::from_secs(120), || {
        let service = Service::new();
        let token = service.cancel_token().clone();
        let job = json!({"workload": "parametric", "n": 4, "params": {"cost_us": 1_000_000}});
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(1500));
            let at = Instant::now();
            token.cancel();
            at
        });
        let reply = ask(
            &service,
            json!({"kind": "sweep", "job": job, "workers": [1, 2], "chunk_sizes": [1], "allow_long": true}),
        );
        let cancelled_at = canceller.join().unwrap();
        let after_cancel = cancelled_at.elapsed();
        let next = ask(
            &service,
            json!({"kind": "optimize", "job": {"workload": "cpu-loop", "n": 100}}),
        );
        (reply, after_cancel, next)
    });
    let (reply, after_cancel, next) = outcome;
    eprintln!("sweep of 1 s items: answered {after_cancel:?} after the cancel");
    assert_eq!(reply.unwrap_err().kind, "cancelled");
    // At most the item that was running (1 s) finishes, with generous room for a loaded machine.
    assert!(after_cancel < Duration::from_secs(5), "{after_cancel:?}");
    assert!(next.is_ok(), "{next:?}");
}

#[test]
fn requests_are_parsed_strictly() {
    let service = Service::new();
    let job = json!({"workload": "cpu-loop", "n": 100});
    let cases = [
        (json!({"kind": "optimize", "job": job, "bogus": 1}), "bogus"),
        (
            json!({"kind": "optimize", "job": {"workload": "cpu-loop", "nn": 5}}),
            "nn",
        ),
        (
            json!({"kind": "execute", "job": job, "shape": {"type": "serial", "k": 2}}),
            "`k`",
        ),
        (
            json!({"kind": "optimize", "job": {"workload": "cpu-loop", "params": {"iter": 5}}}),
            "iterations",
        ),
        (
            json!({"kind": "sweep", "job": job, "repeats": 0}),
            "repeats",
        ),
        (
            json!({"kind": "sweep", "job": job, "repeats": 1000}),
            "repeats",
        ),
        (
            json!({"kind": "sweep", "job": job, "workers": []}),
            "workers",
        ),
        (
            json!({"kind": "optimize", "job": {"workload": "cpu-loop", "budget_ms": -1}}),
            "budget_ms",
        ),
        (
            json!({"kind": "optimize", "job": {"workload": "cpu-loop", "budget_ms": 1e9}}),
            "budget_ms",
        ),
        (json!({"kind": "policy", "threads": 0}), "threads"),
        (json!({"kind": "policy", "threads": 1000}), "threads"),
        (
            json!({"kind": "policy", "hardware_concurrency": 0}),
            "hardware_concurrency",
        ),
        (
            json!({"kind": "policy", "device_memory_gb": -2}),
            "device_memory_gb",
        ),
        (
            json!({"kind": "optimize", "job": {"workload": "parametric", "params": {"cost_us": "0x10"}}}),
            "cost_us",
        ),
        (
            json!({"kind": "optimize", "job": {"workload": "parametric", "params": {"cost_us": "inf"}}}),
            "cost_us",
        ),
        (
            json!({"kind": "optimize", "job": {"workload": "parametric", "params": {"fail_at": -2}}}),
            "fail_at",
        ),
        (
            json!({"kind": "optimize", "job": {"workload": "parametric", "params": {"fail_at": 1.5}}}),
            "fail_at",
        ),
    ];
    for (request, names) in cases {
        let reply = refused(&service, request.clone());
        assert_eq!(
            reply.kind, "invalid_parameter",
            "{request}: {}",
            reply.message
        );
        assert!(
            reply.message.contains(names),
            "{request}: {}",
            reply.message
        );
    }
    let unknown = refused(
        &service,
        json!({"kind": "optimize", "job": job, "bogus": 1}),
    );
    assert!(
        unknown.message.contains("allow_long"),
        "valid fields listed: {}",
        unknown.message
    );
    let policy = ask(&service, json!({"kind": "policy", "threads": 6})).unwrap();
    assert_eq!(policy["pool_threads"], json!(6));
}

#[test]
fn asked_threads_accept_decimal_digits_only() {
    use amorsize::playground::policy::parse_threads;
    assert_eq!(parse_threads("8").unwrap(), 8);
    for bad in [
        "0x10", "0", "65", "abc", "", " 4", "+4", "4.0", "1e1", "1000",
    ] {
        let err = parse_threads(bad).unwrap_err();
        assert!(err.to_string().contains("threads"), "{bad}: {err}");
    }
}

#[test]
fn long_durations_read_in_large_units() {
    use amorsize::units::duration;
    assert_eq!(duration(45.0), "45.0 s");
    assert_eq!(duration(750.0), "12.5 min");
    assert_eq!(duration(9_010_387.1), "104 days");
    assert_eq!(duration(3.2 * 3600.0), "3.20 h");
}
