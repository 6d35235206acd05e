//! Every bad input gets a typed error with a clear message, and nothing else is lost.

use amorsize::{
    execute, execute_copied, execute_with, optimize, optimize_with, sweep, CancelToken, Error,
    Grid, Options, Plan, Transfer,
};

fn items() -> Vec<u64> {
    (0..10_000).collect()
}

#[test]
fn empty_input_is_refused_everywhere() {
    let empty: Vec<u64> = Vec::new();
    assert_eq!(optimize(&empty, |x| x + 1).unwrap_err(), Error::EmptyInput);
    assert_eq!(
        execute(&empty, |x| x + 1, &Plan::fixed(2, 1)).unwrap_err(),
        Error::EmptyInput
    );
    assert_eq!(
        execute(&empty, |x| x + 1, &Plan::serial()).unwrap_err(),
        Error::EmptyInput
    );
    let grid = Grid::default_for(1, 2);
    assert_eq!(
        sweep(&empty, |x| x + 1, &grid).unwrap_err(),
        Error::EmptyInput
    );
    assert!(Error::EmptyInput.to_string().contains("empty"));
}

#[test]
fn zero_workers_and_zero_chunks_are_refused() {
    let items = items();
    assert_eq!(
        execute(&items, |x| x + 1, &Plan::fixed(0, 10)).unwrap_err(),
        Error::ZeroWorkers
    );
    assert_eq!(
        execute(&items, |x| x + 1, &Plan::fixed(2, 0)).unwrap_err(),
        Error::ZeroChunkSize
    );
    let options = Options {
        max_workers: Some(0),
        ..Options::default()
    };
    assert_eq!(
        optimize_with(&items, |x| x + 1, &options).unwrap_err(),
        Error::ZeroWorkers
    );
    let mut grid = Grid::default_for(items.len(), 2);
    grid.chunk_sizes.push(0);
    assert_eq!(
        sweep(&items, |x| x + 1, &grid).unwrap_err(),
        Error::ZeroChunkSize
    );
}

#[test]
fn more_workers_than_the_pool_is_refused_with_both_numbers() {
    let items = items();
    let threads = amorsize::pool::current().threads();
    let err = execute(&items, |x| x + 1, &Plan::fixed(threads + 1, 1)).unwrap_err();
    assert_eq!(
        err,
        Error::TooManyWorkers {
            requested: threads + 1,
            available: threads
        }
    );
    assert!(err.to_string().contains(&threads.to_string()));
}

fn panics_at_4321(x: &u64) -> u64 {
    if *x == 4321 {
        panic!("bad item {x}");
    }
    x * 2
}

#[test]
fn a_panicking_function_is_reported_with_its_item_and_the_next_run_works() {
    let items = items();
    let options = Options::default();
    for transfer in [Transfer::Shared, Transfer::Copy] {
        for plan in [Plan::serial(), Plan::fixed(1, 100), Plan::fixed(2, 7)] {
            let outcome = match transfer {
                Transfer::Shared => execute_with(&items, panics_at_4321, &plan, &options),
                Transfer::Copy => execute_copied(&items, panics_at_4321, &plan, &options),
            };
            match outcome {
                Err(Error::Panicked { index, message }) => {
                    assert_eq!(index, 4321, "{transfer:?} {}", plan.label());
                    assert!(message.contains("bad item 4321"));
                }
                other => panic!("expected a panic report, got {other:?}"),
            }
        }
    }
    // The pool survived: the same items run cleanly right after.
    let run = execute(&items, |x| x * 2, &Plan::fixed(2, 7)).unwrap();
    assert_eq!(run.results[4321], 8642);
}

#[test]
fn a_function_that_panics_while_sampled_fails_optimize_with_its_item() {
    let items: Vec<u64> = (0..64).collect();
    match optimize(&items, |x: &u64| -> u64 { panic!("always {x}") }) {
        Err(Error::Panicked { index, message }) => {
            assert!(index < 64);
            assert!(message.contains("always"));
        }
        other => panic!("expected a panic report, got {other:?}"),
    }
}

#[test]
fn cancellation_stops_a_run_and_the_next_run_works() {
    let items = items();
    let token = CancelToken::new();
    token.cancel();
    let options = Options {
        cancel: Some(token.clone()),
        ..Options::default()
    };
    assert_eq!(
        execute_with(&items, |x| x + 1, &Plan::fixed(2, 10), &options).unwrap_err(),
        Error::Cancelled
    );
    assert_eq!(
        optimize_with(&items, |x| x + 1, &options).unwrap_err(),
        Error::Cancelled
    );

    // Cancelled from inside the run, part way through: no later chunk starts.
    token.reset();
    let started = std::sync::atomic::AtomicUsize::new(0);
    let f = |x: &u64| {
        started.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if *x == 1000 {
            token.cancel();
        }
        x + 1
    };
    for plan in [Plan::serial(), Plan::fixed(2, 10)] {
        started.store(0, std::sync::atomic::Ordering::Relaxed);
        token.reset();
        assert_eq!(
            execute_with(&items, f, &plan, &options).unwrap_err(),
            Error::Cancelled
        );
        assert!(started.load(std::sync::atomic::Ordering::Relaxed) < 5_000);
    }
    token.reset();
    assert_eq!(
        execute_with(&items, |x| x + 1, &Plan::fixed(2, 10), &options)
            .unwrap()
            .results
            .len(),
        10_000
    );
}

#[test]
fn sweep_refuses_zero_repeats_and_oversized_worker_counts() {
    let items = items();
    let mut grid = Grid::default_for(items.len(), 2);
    grid.repeats = 0;
    assert!(matches!(
        sweep(&items, |x| x + 1, &grid).unwrap_err(),
        Error::InvalidParameter { .. }
    ));
    let mut grid = Grid::default_for(items.len(), 2);
    grid.workers = vec![1, 10_000];
    assert!(matches!(
        sweep(&items, |x| x + 1, &grid).unwrap_err(),
        Error::TooManyWorkers { .. }
    ));
}

#[test]
fn catalog_errors_name_the_problem() {
    use amorsize::playground::job::prepare;
    use amorsize::{ParamValue, Params};
    let unknown = prepare("no-such-workload", &Params::new(), None)
        .err()
        .unwrap();
    assert_eq!(unknown, Error::UnknownWorkload("no-such-workload".into()));
    let empty = prepare("cpu-loop", &Params::new(), Some(0)).err().unwrap();
    assert_eq!(empty, Error::EmptyInput);
    let params = Params::from([("iterations".to_string(), ParamValue::Number(-5.0))]);
    assert!(matches!(
        prepare("cpu-loop", &params, Some(10)).err().unwrap(),
        Error::InvalidParameter { .. }
    ));
}

#[test]
fn cancel_lands_inside_a_long_chunk() {
    let items: Vec<u64> = (0..400).collect();
    let token = CancelToken::new();
    let options = Options {
        cancel: Some(token.clone()),
        ..Options::default()
    };
    let wait = |x: &u64| {
        std::thread::sleep(std::time::Duration::from_millis(2));
        x + 1
    };
    for plan in [Plan::serial(), Plan::fixed(2, 200)] {
        token.reset();
        let canceller = {
            let token = token.clone();
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(30));
                token.cancel();
            })
        };
        let started = std::time::Instant::now();
        let outcome = execute_with(&items, wait, &plan, &options);
        let took = started.elapsed();
        canceller.join().unwrap();
        assert_eq!(outcome.unwrap_err(), Error::Cancelled);
        // Each chunk alone would run 400 ms (serial: 800 ms); the cancel must not wait for it.
        assert!(took.as_millis() < 300, "{} took {took:?}", plan.label());
    }
}
