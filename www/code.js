// The native Rust equivalent of a cell, for copying into a program (signatures from src/lib.rs).
function describe(job) {
  const params = Object.entries(job.params ?? {}).map(([k, v]) => `${k} = ${v}`).join(', ');
  return `// items: Vec<T>, f: impl Fn(&T) -> R + Sync. Here: the catalog's \`${job.workload}\`${params ? ` (${params})` : ''}${job.n ? `, N = ${job.n}` : ''}.\n`;
}
function options(job) {
  const parts = [];
  if (job.transfer === 'copy') parts.push('transfer: Transfer::Copy');
  if (job.start === 'cold') parts.push('start: Start::Cold');
  return parts.length ? `Options { ${parts.join(', ')}, ..Options::default() }` : null;
}

export function optimize(job) {
  const o = options(job);
  return `${describe(job)}use amorsize::{Options, Report, Start, Transfer};\n\n`
    + (o ? `let plan = amorsize::optimize_with(&items, f, &${o})?; // T, R: Serialize + Deserialize for copy\n` : 'let plan = amorsize::optimize(&items, f)?;\n')
    + 'println!("{}", plan.label());            // e.g. "2 workers x 50 items" or "serial"\n'
    + 'println!("{}", Report::new(&plan, None).unwrap()); // the explain report\n';
}

export function execute(job, shape) {
  const o = options(job);
  const plan = shape?.type === 'fixed' ? `Plan::fixed(${shape.workers}, ${shape.chunk_size})` : shape?.type === 'serial' ? 'Plan::serial()' : null;
  return `${describe(job)}use amorsize::Plan;\n\n`
    + (plan ? `let plan = ${plan};\n` : 'let plan = amorsize::optimize(&items, f)?;\n')
    + (o ? `let run = amorsize::execute_with(&items, f, &plan, &${o})?;\n` : 'let run = amorsize::execute(&items, f, &plan)?;\n')
    + 'println!("{} items in {:?}", run.results.len(), run.elapsed);\n'
    + '// run.timeline: which worker ran which chunk, and when\n';
}

export function compare(job) {
  return `${describe(job)}use amorsize::{Plan, TuneOptions};\n\n`
    + 'let cores = std::thread::available_parallelism()?.get();\n'
    + 'let serial = amorsize::execute(&items, f, &Plan::serial())?.elapsed;\n'
    + 'let blind = amorsize::execute(&items, f, &Plan::fixed(cores, 1))?.elapsed; // all cores, chunk 1\n'
    + 'let plan = amorsize::optimize(&items, f)?;\n'
    + 'let optimized = amorsize::execute(&items, f, &plan)?.elapsed;\n'
    + 'let best = amorsize::tune(&items, f, &TuneOptions::default())?; // measured search\n'
    + 'println!("blind {:.2}x, optimized {:.2}x, best {:.2}x",\n'
    + '    serial.as_secs_f64() / blind.as_secs_f64(),\n'
    + '    serial.as_secs_f64() / optimized.as_secs_f64(),\n'
    + '    serial.as_secs_f64() / best.best_time_s);\n';
}

export function workerCurve(job, maxWorkers) {
  return `${describe(job)}use amorsize::SweepOptions;\n\n`
    + 'let plan = amorsize::optimize(&items, f)?;\n'
    + `let mut grid = SweepOptions::grid(items.len(), ${maxWorkers ?? 'cores'});\n`
    + 'grid.chunk_sizes = vec![plan.chunk_size.min(items.len())]; // k varies, chunk size fixed\n'
    + 'grid.predict_with = Some(&plan);\n'
    + 'let curve = amorsize::sweep(&items, f, &grid)?;\n'
    + 'for p in &curve.points {\n    println!("k={} {:?} predicted {:?}", p.workers, p.time.median_s, p.predicted_s);\n}\n';
}

export function sweep(job, workers, chunkSizes, repeats) {
  return `${describe(job)}use amorsize::SweepOptions;\n\n`
    + 'let plan = amorsize::optimize(&items, f)?;\n'
    + 'let mut grid = SweepOptions::grid(items.len(), cores);\n'
    + (workers ? `grid.workers = vec![${workers.join(', ')}];\n` : '')
    + (chunkSizes ? `grid.chunk_sizes = vec![${chunkSizes.join(', ')}];\n` : '')
    + `grid.repeats = ${repeats ?? 3};\n`
    + 'grid.predict_with = Some(&plan); // adds the model\'s time to every point\n'
    + 'let sweep = amorsize::sweep(&items, f, &grid)?;\n'
    + 'println!("best: k={} c={} {:.4}s", sweep.best.workers, sweep.best.chunk_size, sweep.best.time.median_s);\n';
}

export function tune(job) {
  return `${describe(job)}use amorsize::TuneOptions;\n\n`
    + 'let tuned = amorsize::tune(&items, f, &TuneOptions::default())?; // successive halving on real runs\n'
    + 'println!("{} in {:.4}s after {} runs", tuned.plan.label(), tuned.best_time_s, tuned.runs);\n';
}

export function scaling(job, axis, values) {
  const loop = axis.kind === 'items'
    ? `for n in [${values.join(', ')}] {\n    let items = &all_items[..n];`
    : `for ${axis.name} in [${values.join(', ')}] {\n    let f = make_item_fn(${axis.name}); // per-item cost grows with ${axis.name}`;
  return `${describe(job)}use amorsize::Plan;\n\n${loop}\n`
    + '    let plan = amorsize::optimize(&items, &f)?;\n'
    + '    let serial = amorsize::execute(&items, &f, &Plan::serial())?.elapsed;\n'
    + '    let plan_time = amorsize::execute(&items, &f, &plan)?.elapsed;\n'
    + '    println!("{:.2}x measured, {:.2}x predicted", serial.as_secs_f64() / plan_time.as_secs_f64(), plan.predicted_speedup);\n}\n';
}
