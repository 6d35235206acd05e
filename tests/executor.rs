//! The executor on every small (workers, chunk size): results, order and timeline.

use amorsize::{execute, execute_copied, execute_with, ChunkTiming, Options, Plan, Transfer};

fn work(x: &u64) -> u64 {
    x.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(17) ^ x
}

/// Every item appears in exactly one chunk, chunks tile 0..n in order of `first`, at most
/// `workers` distinct workers ran, and no worker ran two chunks at once.
fn check_timeline(chunks: &[ChunkTiming], n: usize, workers: usize, chunk_size: usize) {
    let mut sorted = chunks.to_vec();
    sorted.sort_by_key(|c| c.first);
    let mut next = 0;
    for c in &sorted {
        assert_eq!(c.first, next, "gap or overlap at item {next}");
        assert!(c.count >= 1 && c.count <= chunk_size);
        assert!(c.end >= c.start);
        next += c.count;
    }
    assert_eq!(next, n, "timeline does not cover every item");
    let mut ids: Vec<usize> = chunks.iter().map(|c| c.worker).collect();
    ids.sort_unstable();
    ids.dedup();
    assert!(ids.len() <= workers && ids.iter().all(|&w| w < workers));
    for w in ids {
        let mut mine: Vec<&ChunkTiming> = chunks.iter().filter(|c| c.worker == w).collect();
        mine.sort_by(|a, b| a.start.total_cmp(&b.start));
        for pair in mine.windows(2) {
            assert!(
                pair[0].end <= pair[1].start,
                "worker {w} ran two chunks at once"
            );
        }
    }
    // At any instant no more than `workers` chunks are in flight.
    let mut events: Vec<(f64, i32)> = chunks
        .iter()
        .flat_map(|c| [(c.start, 1), (c.end, -1)])
        .collect();
    events.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut active = 0;
    for (_, delta) in events {
        active += delta;
        assert!(active <= workers as i32);
    }
}

#[test]
fn every_small_shape_matches_serial_in_order() {
    for n in [1usize, 5, 97, 1000] {
        let items: Vec<u64> = (0..n as u64).collect();
        let expected: Vec<u64> = items.iter().map(work).collect();
        for workers in 1..=4 {
            for chunk in [1usize, 2, 3, 7, 64, 1000, 5000] {
                let plan = Plan::fixed(workers, chunk);
                let run = execute(&items, work, &plan).unwrap();
                assert_eq!(run.results, expected, "shared n={n} k={workers} c={chunk}");
                check_timeline(&run.run.chunks, n, workers, chunk);
                let run = execute_copied(&items, work, &plan, &Options::default()).unwrap();
                assert_eq!(run.results, expected, "copy n={n} k={workers} c={chunk}");
                check_timeline(&run.run.chunks, n, workers, chunk);
            }
        }
    }
}

#[test]
fn serial_plans_and_cold_starts_give_the_same_results() {
    let items: Vec<u64> = (0..500).collect();
    let expected: Vec<u64> = items.iter().map(work).collect();
    assert_eq!(
        execute(&items, work, &Plan::serial()).unwrap().results,
        expected
    );
    let cold = Options {
        start: amorsize::Start::Cold,
        ..Options::default()
    };
    let run = execute_with(&items, work, &Plan::fixed(3, 16), &cold).unwrap();
    assert_eq!(run.results, expected);
    check_timeline(&run.run.chunks, 500, 3, 16);
}

#[test]
fn results_that_own_memory_come_back_intact() {
    let items: Vec<u64> = (0..300).collect();
    let f = |x: &u64| vec![*x as u8; (*x % 17) as usize];
    let expected: Vec<Vec<u8>> = items.iter().map(f).collect();
    let options = Options::default();
    let shared = execute_with(&items, f, &Plan::fixed(2, 7), &options).unwrap();
    assert_eq!(shared.results, expected);
    assert_eq!(shared.run.transfer, Transfer::Shared);
    let copied = execute_copied(&items, f, &Plan::fixed(2, 7), &options).unwrap();
    assert_eq!(copied.results, expected);
    assert_eq!(copied.run.transfer, Transfer::Copy);
}

#[test]
fn workers_beyond_the_core_count_are_accepted_up_to_the_pool() {
    let cores = std::thread::available_parallelism().unwrap().get();
    let items: Vec<u64> = (0..64).collect();
    let plan = Plan::fixed(cores * 4, 1);
    let run = execute(&items, work, &plan).unwrap();
    assert_eq!(run.results.len(), 64);
    check_timeline(&run.run.chunks, 64, cores * 4, 1);
}

#[test]
fn timeline_is_capped_but_results_are_complete() {
    let n = amorsize::options::TIMELINE_LIMIT * 2;
    let items: Vec<u64> = (0..n as u64).collect();
    let run = execute(&items, work, &Plan::fixed(2, 1)).unwrap();
    assert_eq!(run.results.len(), n);
    assert!(run.run.timeline_truncated);
    assert!(run.run.chunks.len() <= amorsize::options::TIMELINE_LIMIT);
}

#[test]
fn with_one_chunk_per_worker_every_chunk_runs_once_and_a_late_start_shows() {
    // No worker waits for another: one that comes after the others finished finds no chunk
    // left, and the run's latest start says when it came.
    let items: Vec<u64> = (0..64).collect();
    let pool = amorsize::pool::current();
    if pool.cores() < 2 {
        return;
    }
    for _ in 0..5 {
        // Let the pool's threads go to sleep between runs, as between a visitor's clicks.
        std::thread::sleep(std::time::Duration::from_millis(5));
        let run = execute(&items, work, &Plan::fixed(2, 32)).unwrap();
        assert_eq!(run.results, items.iter().map(work).collect::<Vec<_>>());
        let run = run.run;
        assert_eq!(run.chunks.len(), 2);
        assert_eq!(run.chunks.iter().map(|c| c.count).sum::<usize>(), 64);
        assert!(run.latest_start_s >= 0.0, "{run:?}");
        assert!(run.latest_start_s <= run.elapsed_s + 1e-9, "{run:?}");
        // When each worker took a chunk, each came before its chunk began, so the latest
        // start is no later than the later chunk's start.
        if run.chunks[0].worker != run.chunks[1].worker {
            let last = run.chunks.iter().map(|c| c.start).fold(0.0, f64::max);
            assert!(run.latest_start_s <= last + 1e-9, "{run:?}");
        }
    }
}

/// Items and results that serde cannot copy (here a type with no serde impls, holding a
/// reference) work with every plain and `_with` entry point: only copy transfer needs serde.
#[test]
fn shared_transfer_needs_no_serde_types() {
    struct Opaque<'a>(&'a u64);
    let numbers: Vec<u64> = (0..2_000).collect();
    let items: Vec<Opaque<'_>> = numbers.iter().map(Opaque).collect();
    let f = |x: &Opaque<'_>| Opaque(&numbers[(*x.0 as usize + 1) % numbers.len()]);
    let options = Options::default();
    let plan = amorsize::optimize_with(&items, f, &options).unwrap();
    let run = execute_with(&items, f, &plan, &options).unwrap();
    assert_eq!(*run.results[5].0, 6);
    let grid = amorsize::Grid {
        repeats: 1,
        ..amorsize::Grid::default_for(items.len(), 2)
    };
    let sweep = amorsize::sweep_with(&items, f, &grid, &options).unwrap();
    assert_eq!(
        sweep.points.len(),
        grid.workers.len() * grid.chunk_sizes.len()
    );
    let tuned = amorsize::tune_with(&items, f, &options).unwrap();
    assert!(tuned.runs > 0);
}
