// The native Rust equivalent of a cell, for copying into a program. The code is the compiled
// regions of examples/snippets.rs (www/snippets.js); this file only writes the variables a
// region uses from the cell's fields.
import { SNIPPETS } from './snippets.js';

const USES = 'use amorsize::{Grid, Options, Report, Shape, Start};\n\n';

function describe(job) {
  const params = Object.entries(job.params ?? {}).map(([k, v]) => `${k} = ${v}`).join(', ');
  return `// items: Vec<T>, f: impl Fn(&T) -> R + Sync. Here: the catalog's \`${job.workload}\`${params ? ` (${params})` : ''}${job.n ? `, N = ${job.n}` : ''}.\n`;
}

function options(job) {
  const parts = [];
  if (job.start === 'cold') parts.push('start: Start::Cold');
  return `let options = Options { ${parts.length ? `${parts.join(', ')}, ` : ''}..Options::default() };\n`;
}

// Copy transfer is its own function (`optimize_copied`, ...), which needs serde items and results.
const transferred = (job, name) => (job.transfer === 'copy' ? `${name}_copied` : name);

const vec = (values) => `vec![${values.join(', ')}]`;

function snippet(job, name, lets = '') {
  return `${describe(job)}${USES}${lets}${SNIPPETS[name]}`;
}

export function optimize(job) {
  return snippet(job, transferred(job, 'optimize'), options(job));
}

export function execute(job, shape) {
  const s = shape?.type === 'fixed' ? `Shape::fixed(${shape.workers}, ${shape.chunk_size})`
    : shape?.type === 'serial' ? 'Shape::Serial' : null;
  const lets = s ? `let shape = ${s};\n` : 'let plan = amorsize::optimize(&items, f)?;\nlet shape = &plan;\n';
  return snippet(job, transferred(job, 'execute'), options(job) + lets);
}

export function compare(job) {
  return snippet(job, 'compare');
}

export function workerCurve(job, maxWorkers) {
  const lets = maxWorkers ? `let max_workers = ${maxWorkers};\n` : 'let max_workers = std::thread::available_parallelism()?.get();\n';
  return snippet(job, 'worker_curve', lets);
}

export function sweep(job, workers, chunkSizes, repeats) {
  const lets = (workers ? `let workers = ${vec(workers)};\n` : 'let workers: Vec<usize> = (1..=std::thread::available_parallelism()?.get()).collect();\n')
    + (chunkSizes ? `let chunk_sizes = ${vec(chunkSizes)};\n` : 'let chunk_sizes = Grid::default_for(items.len(), workers.len()).chunk_sizes;\n')
    + `let repeats = ${repeats ?? 3};\n`;
  return snippet(job, 'sweep', lets);
}

export function tune(job) {
  return snippet(job, 'tune');
}

export function scaling(job, axis, values) {
  if (axis.kind === 'items') {
    return snippet(job, 'scaling_items', `let sizes = [${values.join(', ')}];\n`);
  }
  return snippet(job, 'scaling_param', `let costs = [${values.join(', ')}]; // ${axis.name}\nlet work = |x: &u64, ${axis.name}: f64| todo!("the item function, its cost set by ${axis.name}");\n`);
}
