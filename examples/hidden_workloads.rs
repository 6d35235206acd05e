//! The recommendation on workloads that are not in the catalog, against a sweep's best: the
//! check issue 10 asks for ("hidden workloads"), as a rayon user would run it, through the
//! library's public API only. Prints one JSON object.
//!
//! ```sh
//! cargo run --release --example hidden_workloads
//! ```
//!
//! For each workload: the decision, a sweep (1 to 2 x cores workers, chunk sizes on a x4
//! ladder and one chunk per worker, 3 rounds) for the best shape, then serial, the
//! recommendation and that best shape, 7 runs each taken in turn; medians. Regret is the
//! recommendation over the fastest of the three.

use amorsize::{Grid, Plan};
use serde_json::json;
use std::hint::black_box;

const RUNS: usize = 7;

/// Each item allocates 64 KiB, fills it from its index and folds it: allocator and memory
/// bound, with almost no arithmetic.
fn allocate_and_fill(i: &u64) -> u64 {
    let mut buffer = vec![0u8; 64 << 10];
    for (j, byte) in buffer.iter_mut().enumerate() {
        *byte = (*i as usize ^ j) as u8;
    }
    black_box(&buffer).iter().map(|&b| u64::from(b)).sum()
}

/// Each item reads 512 random words of a 64 MiB table: memory-latency bound.
fn gather(table: &[u64], i: &u64) -> u64 {
    let mut state = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut sum = 0u64;
    for _ in 0..512 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        sum = sum.wrapping_add(table[(state as usize) % table.len()]);
    }
    sum
}

/// Each item formats, splits and sorts a few hundred short strings: many small allocations.
fn strings(i: &u64) -> usize {
    let text: String = (0..200)
        .map(|j| format!("w{} ", (i * 31 + j) % 997))
        .collect();
    let mut words: Vec<&str> = text.split(' ').collect();
    words.sort_unstable();
    words.dedup();
    words.len()
}

fn check<R: Send>(name: &str, items: &[u64], f: impl Fn(&u64) -> R + Sync) -> serde_json::Value {
    let plan = amorsize::optimize(items, &f).expect("optimize");
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let grid = Grid {
        repeats: 3,
        include_serial: false,
        ..Grid::default_for(items.len(), 2 * cores)
    };
    let sweep = amorsize::sweep(items, &f, &grid).expect("sweep");
    let best = Plan::fixed(sweep.best.workers, sweep.best.chunk_size);
    let time = |plan: &Plan| {
        amorsize::execute(items, &f, plan)
            .expect("execute")
            .elapsed()
            .as_secs_f64()
    };
    let (mut serial, mut recommended, mut swept) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        serial.push(time(&Plan::serial()));
        recommended.push(time(&plan));
        swept.push(time(&best));
    }
    let median = amorsize::stats::median;
    let (serial, recommended, swept) = (median(&serial), median(&recommended), median(&swept));
    let fastest = serial.min(swept).min(recommended);
    let row = json!({
        "workload": name,
        "items": items.len(),
        "serial_ms": serial * 1e3,
        "recommended": plan.label(),
        "recommended_ms": recommended * 1e3,
        "predicted_speedup": plan.predicted_speedup,
        "measured_speedup": serial / recommended,
        "best": format!("{} x {}", sweep.best.workers, sweep.best.chunk_size),
        "best_ms": swept * 1e3,
        "regret": recommended / fastest,
        "decision_ms": plan.decision.total_s * 1e3,
    });
    eprintln!("{row}");
    row
}

fn main() {
    let table: Vec<u64> = (0..8u64 << 20)
        .map(|i| i.wrapping_mul(2654435761))
        .collect();
    let rows = vec![
        check(
            "allocate-64k",
            &(0..2_000).collect::<Vec<u64>>(),
            allocate_and_fill,
        ),
        check("gather-64m", &(0..20_000).collect::<Vec<u64>>(), |i| {
            gather(&table, i)
        }),
        check("strings", &(0..5_000).collect::<Vec<u64>>(), strings),
    ];
    let worst = rows
        .iter()
        .filter_map(|r| r["regret"].as_f64())
        .fold(1.0, f64::max);
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({ "rows": rows, "max_regret": worst })).unwrap()
    );
}
