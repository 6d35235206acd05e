//! Your own function, end to end: the engine measures a Rust closure over your items, decides
//! whether and how to parallelize it, explains why, runs it, and sweeps the alternatives.
//!
//! ```sh
//! cargo run --release --example own_function
//! ```
//!
//! This is what the playground's function cell does with JavaScript; natively there is no
//! script engine, because a closure is already the function.

use amorsize::report::Measured;
use amorsize::{Grid, Plan, Report};

/// The tutorial's getting-started loop (`cpu_intensive_function`), written in Rust.
fn cpu_intensive_function(x: &u64) -> u64 {
    let mut result = 0u64;
    for _ in 0..10_000 {
        result = result.wrapping_add(std::hint::black_box(x * x));
    }
    result
}

fn main() -> Result<(), amorsize::Error> {
    let items: Vec<u64> = (0..5_000).collect();

    // 1. Optimize: sample, calibrate, model, decide.
    let plan = amorsize::optimize(&items, cpu_intensive_function)?;
    println!("recommendation: {}", plan.label());

    // 2. Execute the plan, and serial for comparison.
    let run = amorsize::execute(&items, cpu_intensive_function, &plan)?;
    let serial = amorsize::execute(&items, cpu_intensive_function, &Plan::serial())?;
    assert_eq!(
        run.results, serial.results,
        "same results in the same order"
    );
    println!(
        "serial {:?}, plan {:?}: {:.2}x measured, {:.2}x predicted",
        serial.elapsed(),
        run.elapsed(),
        serial.elapsed().as_secs_f64() / run.elapsed().as_secs_f64(),
        plan.predicted_speedup
    );

    // 3. The report (Python's `explain()`), with the measured run beside the prediction.
    let measured = Measured::new(
        &plan,
        serial.elapsed().as_secs_f64(),
        run.elapsed().as_secs_f64(),
    );
    if let Some(report) = Report::new(&plan, Some(measured)) {
        println!("\n{report}");
    }

    // 4. Sweep: measure a grid of (workers, chunk size) and see where the plan sits.
    let cores = plan.costs.as_ref().map_or(1, |c| c.cores);
    let mut grid = Grid::default_for(items.len(), cores);
    grid.repeats = 3;
    let mut sweep = amorsize::sweep(&items, cpu_intensive_function, &grid)?;
    sweep.add_predictions(&plan);
    for point in &sweep.points {
        println!(
            "k={:>2} c={:>5}: {:>8.2} ms measured, {:>8.2} ms predicted",
            point.workers,
            point.chunk_size,
            point.time.median_s * 1e3,
            point.predicted_s.unwrap_or(f64::NAN) * 1e3
        );
    }
    println!(
        "best measured: k={} c={} at {:.2} ms",
        sweep.best.workers,
        sweep.best.chunk_size,
        sweep.best.time.median_s * 1e3
    );
    Ok(())
}
