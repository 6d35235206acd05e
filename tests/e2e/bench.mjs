// Browser benchmark: node tests/e2e/bench.mjs > bench.json
// Loads the isolated page, runs `bench` for every catalog workload at its bench_n (repeats 3),
// each on a page of its own, and measures: single-thread browser time of serial per workload
// (ratio to native when NATIVE_BENCH_JSON names the native bench JSON), the 2-thread speedup on
// cpu-loop, the size of dist/amorsize_bg.wasm, and the time from navigation to pool ready.
// Prints one JSON object.
// BENCH_WORKLOADS=a,b limits the catalog (`functions` names the two JavaScript functions run
// through the Lab's function job after it); BENCH_REPEATS sets the repeats.
// With --small, runs the small-job benchmark instead (the engine's `bench_small_jobs` grid).
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { launch, open, settled, urls } from './browser.mjs';
import { PRESETS } from '../../www/function-presets.js';

const IS_PRIME = `function is_prime(x) {
  if (x < 2) return false;
  for (let d = 2; d * d <= x; d++) if (x % d === 0) return false;
  return true;
}`;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
// Comma-separated workload names; empty runs the whole catalog.
const ONLY = (process.env.BENCH_WORKLOADS ?? '').split(',').filter(Boolean);

function nativeRows() {
  const path = process.env.NATIVE_BENCH_JSON;
  if (!path) return null;
  const json = JSON.parse(readFileSync(path, 'utf8'));
  const rows = Array.isArray(json) ? json : json.workloads ?? json.rows ?? [];
  return Object.fromEntries(rows.map((r) => [r.workload, r]));
}

const SMALL = process.argv.includes('--small');

/** The small-job benchmark: the engine's grid (`bench_small_jobs`), all on one page once it has
 * settled (an untimed decision, then a pause past the engine's settling time, in which the engine
 * re-measures the run costs it took while the page was starting; the second decision reports the
 * costs the jobs use), and the engine's summary. Prints one JSON object. */
async function small(browser, base) {
  const out = { when: new Date().toISOString(), url: base.isolated, platform: 'browser' };
  const page = await open(browser, base.isolated);
  const mode = await page.evaluate(() => window.amorsize.engine.ready().then(({ info: i }) => i.mode));
  out.mode = { threaded: mode.threaded, threads: mode.threads, cores: mode.cores };
  const jobs = await page.evaluate(() => window.amorsize.engine.request({ kind: 'bench_small_jobs' }));
  out.calibrated_costs = await page.evaluate(async (job) => {
    const e = window.amorsize.engine;
    await e.request({ kind: 'optimize', job });
    await new Promise((r) => setTimeout(r, 3000));
    const [plan] = await e.request({ kind: 'optimize', job });
    return plan.costs;
  }, { workload: 'parametric', n: 400, params: { cost_us: 20 } });
  out.jobs = [];
  for (const j of jobs) {
    const spec = { workload: j.workload, n: j.n, params: j.cost_us == null ? {} : { cost_us: j.cost_us } };
    const result = await page.evaluate(async (job) => {
      const e = window.amorsize.engine;
      await e.request({ kind: 'optimize', job });
      return e.request({ kind: 'bench_small', job }).then((ok) => ({ ok }), (err) => ({ err }));
    }, spec);
    if (result.err) {
      out.jobs.push({ ...j, error: result.err });
      console.error(`bench --small ${j.workload} ${j.cost_us ?? ''} x ${j.n}: ${JSON.stringify(result.err)}`);
      continue;
    }
    const r = result.ok;
    out.jobs.push(r);
    const shape = r.recommended.serial ? 'serial' : `${r.recommended.workers}x${r.recommended.chunk_size}`;
    console.error(`bench --small ${j.workload} ${j.cost_us ?? ''} x ${j.n}: serial ${(r.serial_s * 1e3).toFixed(3)} ms, ${shape} ${(r.recommended.time_s * 1e3).toFixed(3)} ms (${r.measured_speedup.toFixed(2)}x, predicted ${r.predicted_speedup.toFixed(2)}x), regret ${r.regret.toFixed(3)}, outliers ${r.outliers}, capacity ${r.capacity.toFixed(2)} (least ${r.least_capacity.toFixed(2)})${r.remeasured ? `, measured ${r.remeasured + 1} times (a spell)` : ''}`);
  }
  const problems = [...page.problems];
  const rows = out.jobs.filter((r) => !r.error);
  out.summary = rows.length ? await page.evaluate((r) => window.amorsize.engine.request({ kind: 'bench_small_summary', small_rows: r }), rows) : null;
  out.console_errors = problems;
  return out;
}

const base = await urls();
if (!base) {
  console.error('no dist/index.html and no AMORSIZE_URL: build with `cargo xtask dist` first');
  process.exit(2);
}
const browser = await launch();
if (SMALL) {
  try {
    console.log(JSON.stringify(await small(browser, base), null, 2));
  } finally {
    await browser.close();
    base.close();
  }
  process.exit(0);
}
const out = { when: new Date().toISOString(), url: base.isolated, repeats: REPEATS };
try {
  const navStart = Date.now();
  const page = await open(browser, base.isolated);
  const ready = await page.evaluate(() => window.amorsize.engine.ready().then(({ info: i }) => ({ mode: i.mode, poolReadyMs: i.poolReadyMs, poolStartupMs: i.poolStartupMs, readyAt: i.navToReadyMs })));
  out.mode = { threaded: ready.mode.threaded, threads: ready.mode.threads, cores: ready.mode.cores };
  out.navigation_to_pool_ready_ms = ready.readyAt; // performance.now() at ready = ms since navigation start
  out.worker_start_to_ready_ms = ready.poolReadyMs;
  out.init_thread_pool_ms = ready.poolStartupMs;
  out.wall_navigation_to_ready_ms = Date.now() - navStart;
  out.calibrated_costs = ready.mode.costs;
  try {
    out.wasm_bytes = statSync(resolve(process.env.AMORSIZE_DIST ?? 'dist', 'amorsize_bg.wasm')).size;
  } catch {
    const res = await fetch(new URL('amorsize_bg.wasm', base.isolated));
    out.wasm_bytes = (await res.arrayBuffer()).byteLength;
  }
  const catalog = await page.evaluate(() => window.amorsize.engine.catalog.map((w) => ({ name: w.name, bench_n: w.bench_n })));
  const native = nativeRows();
  out.workloads = [];
  const problems = [];
  // The catalog, then two of a visitor's own functions (the Lab's function cell): the
  // getting-started preset and a prime test, whose cost grows with the item and varies a lot.
  const entries = catalog.filter((c) => ONLY.length === 0 || ONLY.includes(c.name))
    .map((c) => ({ name: c.name, bench_n: c.bench_n, job: { workload: c.name, n: c.bench_n } }));
  if (ONLY.length === 0 || ONLY.includes('functions')) {
    const loop = PRESETS.find((p) => p.id === 'cpu-loop');
    entries.push(
      { name: 'fn:cpu_intensive_function', bench_n: 40000, job: { fn: loop.js, items: loop.items, n: 40000 } },
      { name: 'fn:is_prime', bench_n: 100000, job: { fn: IS_PRIME, items: 'i => 1e9 + i', n: 100000 } },
    );
  }
  for (const w of entries) {
    // Each workload on a fresh page, as native runs start from a fresh heap: after mandelbrot
    // and collatz, inference's 500,000 separately allocated items ran 8% slower than on a new
    // page (0.430 against 0.397 s serial), from where the allocator put them.
    const wPage = await open(browser, base.isolated);
    await wPage.evaluate(() => window.amorsize.engine.ready());
    // Timed once the page has rendered, as a visitor's first click comes: see `settled`.
    const settleMs = await settled(wPage);
    // The first decision on a fresh page also pays for V8 compiling the sampler's and the
    // probe's code and for waking the pool (mandelbrot: 50-56 ms, then 34-39 ms). It is kept as
    // first_decision_s; the bench's own decision is the next one, warm as the native one is.
    const first = await wPage.evaluate((job) => window.amorsize.engine.request({ kind: 'optimize', job }).then(([plan]) => plan.decision.total_s), w.job);
    const started = Date.now();
    const result = await wPage.evaluate(({ job, repeats }) => window.amorsize.engine.request({ kind: 'bench', job, repeats }).then((v) => ({ ok: v }), (e) => ({ err: e })), { job: w.job, repeats: REPEATS });
    const row = { workload: w.name, bench_n: w.bench_n, settle_ms: settleMs, wall_s: (Date.now() - started) / 1000, first_decision_s: first };
    if (result.err) row.error = result.err;
    else {
      row.bench = result.ok;
      row.serial_browser_s = result.ok.serial_s;
      const nat = native?.[w.name];
      // Fastest runs on both sides: noise only ever adds time, and a median of three still
      // moved this ratio by a third between runs.
      if (nat?.serial_best_s) row.serial_browser_over_native = result.ok.serial_best_s / nat.serial_best_s;
    }
    problems.push(...wPage.problems);
    await wPage.context().close();
    out.workloads.push(row);
    console.error(`bench ${w.name}: ${row.error ? JSON.stringify(row.error) : `serial ${row.serial_browser_s?.toFixed(4)} s`} (${row.wall_s.toFixed(1)} s)`);
  }
  const cpu = catalog.find((w) => w.name === 'cpu-loop');
  const curve = await page.evaluate(({ n }) => window.amorsize.engine.request({ kind: 'worker_curve', job: { workload: 'cpu-loop', n }, max_workers: 2, repeats: 5 }), { n: cpu.bench_n });
  const k2 = curve.points.find((p) => p.workers === 2);
  out.cpu_loop_two_threads = { n: cpu.bench_n, serial_s: curve.serial.median_s, k2_s: k2.measured.median_s, speedup: k2.speedup, predicted_speedup: k2.predicted_speedup };
  out.console_errors = [...problems, ...page.problems];
  const rows = out.workloads.filter((r) => r.bench).map((r) => r.bench);
  const max = (v) => Math.max(...v);
  // The targets and their figures are the engine's (the `bench_summary` request), as for the
  // native bench; only the browser's decision times are added here.
  const summary = rows.length ? await page.evaluate((r) => window.amorsize.engine.request({ kind: 'bench_summary', rows: r }), rows) : null;
  out.summary = {
    ...summary,
    max_decision_s: max(rows.map((r) => r.decision_s)),
    max_first_decision_s: max(out.workloads.map((r) => r.first_decision_s)),
  };
  const own = out.workloads.filter((r) => r.bench && r.workload.startsWith('fn:')).map((r) => r.bench);
  if (own.length) {
    out.summary_functions = {
      regret: own.map((r) => r.regret),
      prediction_error: own.map((r) => r.prediction_error),
      max_regret: max(own.map((r) => r.regret)),
      max_prediction_error: max(own.map((r) => r.prediction_error)),
    };
  }
} finally {
  await browser.close();
  base.close();
}
console.log(JSON.stringify(out, null, 2));
