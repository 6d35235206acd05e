//! The native code shown beside each playground cell. Each `// snippet: NAME` ... `// end`
//! region is copied into `www/snippets.js` (tests/snippets.rs keeps the two equal), and the
//! page sets the variables a region uses (`items`, `f`, `options`, `workers`, ...) from the
//! cell's fields. `cargo test` builds this file, so every snippet compiles.
//!
//! Run it with `cargo run --release --example snippets`.

use amorsize::{Grid, Options, Report, Shape};
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    // What the page fills in from the cell: the items, the per-item function, the options.
    let all_items: Vec<u64> = (0..4_000).collect();
    let items = all_items.clone();
    let work =
        |x: &u64, rounds: u64| (0..rounds).fold(*x, |a, i| a.wrapping_mul(31).wrapping_add(i));
    let f = |x: &u64| work(x, 2_000);
    let options = Options::default();
    let shape = Shape::fixed(2, 100);
    let workers = vec![1, 2];
    let chunk_sizes = vec![10, 100, 1_000];
    let repeats = 3;
    let max_workers = 2;
    let sizes = [1_000, 4_000];
    let costs = [200, 2_000];

    // snippet: optimize
    let plan = amorsize::optimize_with(&items, f, &options)?;
    println!("{}", plan.label()); // e.g. "2 workers x 50 items" or "serial"
    if let Some(report) = Report::new(&plan, None) {
        println!("{report}"); // the explain report
    }
    // end

    // snippet: optimize_copied
    // copy transfer: each chunk's items and results are serialized, as a process pool's are
    let plan = amorsize::optimize_copied(&items, f, &options)?; // T, R: Serialize + Deserialize
    println!("{}", plan.label()); // e.g. "2 workers x 50 items" or "serial"
    if let Some(report) = Report::new(&plan, None) {
        println!("{report}"); // the explain report
    }
    // end

    // snippet: execute
    let run = amorsize::execute_with(&items, f, shape, &options)?;
    println!("{} items in {:?}", run.results.len(), run.elapsed());
    for chunk in &run.run.chunks {
        // which worker ran which chunk, and when
        println!(
            "worker {} items {}+{}",
            chunk.worker, chunk.first, chunk.count
        );
    }
    // end

    // snippet: execute_copied
    // copy transfer: each chunk's items and results are serialized, as a process pool's are
    let run = amorsize::execute_copied(&items, f, shape, &options)?; // T, R: Serialize + Deserialize
    println!("{} items in {:?}", run.results.len(), run.elapsed());
    for chunk in &run.run.chunks {
        // which worker ran which chunk, and when
        println!(
            "worker {} items {}+{}",
            chunk.worker, chunk.first, chunk.count
        );
    }
    // end

    // snippet: compare
    let cores = std::thread::available_parallelism()?.get();
    let serial = amorsize::execute(&items, f, Shape::Serial)?.elapsed();
    let blind = amorsize::execute(&items, f, Shape::fixed(cores, 1))?.elapsed(); // chunks of 1
    let plan = amorsize::optimize(&items, f)?;
    let optimized = amorsize::execute(&items, f, &plan)?.elapsed();
    let best = amorsize::tune(&items, f)?; // measured search
    println!(
        "blind {:.2}x, optimized {:.2}x, best {:.2}x",
        serial.as_secs_f64() / blind.as_secs_f64(),
        serial.as_secs_f64() / optimized.as_secs_f64(),
        serial.as_secs_f64() / best.best_time_s
    );
    // end

    // snippet: worker_curve
    let plan = amorsize::optimize(&items, f)?;
    let grid = Grid {
        chunk_sizes: vec![plan.chunk_size.min(items.len())], // k varies, chunk size fixed
        ..Grid::default_for(items.len(), max_workers)
    };
    let mut curve = amorsize::sweep(&items, f, &grid)?;
    curve.add_predictions(&plan); // the model's time beside each measured one
    for p in &curve.points {
        println!(
            "k={} {:?} predicted {:?}",
            p.workers, p.time.median_s, p.predicted_s
        );
    }
    // end

    // snippet: sweep
    let plan = amorsize::optimize(&items, f)?;
    let grid = Grid {
        workers: workers.clone(),
        chunk_sizes: chunk_sizes.clone(),
        repeats,
        include_serial: true,
    };
    let mut sweep = amorsize::sweep(&items, f, &grid)?;
    sweep.add_predictions(&plan); // adds the model's time to every point
    println!(
        "best: k={} c={} {:.4}s",
        sweep.best.workers, sweep.best.chunk_size, sweep.best.time.median_s
    );
    // end

    // snippet: tune
    let tuned = amorsize::tune(&items, f)?; // successive halving
    println!(
        "{} in {:.4}s after {} runs",
        tuned.plan.label(),
        tuned.best_time_s,
        tuned.runs
    );
    // end

    // snippet: scaling_items
    for n in sizes {
        let items = &all_items[..n];
        let plan = amorsize::optimize(items, f)?;
        let serial = amorsize::execute(items, f, Shape::Serial)?.elapsed();
        let planned = amorsize::execute(items, f, &plan)?.elapsed();
        let measured = serial.as_secs_f64() / planned.as_secs_f64();
        println!(
            "n={n}: {measured:.2}x measured, {:.2}x predicted",
            plan.predicted_speedup
        );
    }
    // end

    // snippet: scaling_param
    for cost in costs {
        let f = |x: &u64| work(x, cost); // per-item cost grows with the parameter
        let plan = amorsize::optimize(&items, f)?;
        let serial = amorsize::execute(&items, f, Shape::Serial)?.elapsed();
        let planned = amorsize::execute(&items, f, &plan)?.elapsed();
        let measured = serial.as_secs_f64() / planned.as_secs_f64();
        println!(
            "{cost}: {measured:.2}x measured, {:.2}x predicted",
            plan.predicted_speedup
        );
    }
    // end

    Ok(())
}
