// The engine's JS API (engine.js at the site root) as a docs page uses it: a page of the site
// that imports it from a plain module script. The page is served at the site's root by
// Playwright (route.fulfill), so it is same-origin with dist/ without being part of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base, browser, useSharedBrowser } from './browser.mjs';

useSharedBrowser();

const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** Opens a docs-like page at `${root}docs-test.html` whose module script is `script`. */
async function docsPage(root, script, headers) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => { if (['error', 'warning'].includes(m.type())) page.problems.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  const url = new URL('docs-test.html', root).href;
  await page.route(url, (route) => route.fulfill({
    contentType: 'text/html',
    headers,
    body: `<!doctype html><meta charset="utf-8"><title>docs</title><script type="module">${script}</script>`,
  }));
  await page.goto(url);
  await page.waitForFunction(() => window.done === true, null, { timeout: 120_000 });
  return page;
}

const SCRIPT = `
import { startEngine } from './engine.js';
const out = {};
const catching = (p) => p.then((v) => ({ ok: v }), (e) => ({ err: e, isError: e instanceof Error }));
try {
  const engine = await startEngine();
  out.start = { mode: engine.mode, threads: engine.threads, cores: engine.cores };
  const job = { workload: 'parametric', params: { cost_us: 20 }, n: 400 };
  const plan = await engine.optimize(job);
  out.plan = { workers: plan.workers, chunk_size: plan.chunk_size, predicted_speedup: plan.predicted_speedup, serial: plan.serial, report: typeof plan.report };
  const run = await engine.execute(job, { shape: 'recommended' });
  out.run = { elapsed_s: run.elapsed_s, workers: run.workers, chunk_size: run.chunk_size, items: run.items, planSerial: run.plan.serial };
  const serial = await engine.execute(job, { shape: 'serial' });
  out.serial = { workers: serial.workers, planSerial: serial.plan.serial, chunk_size: serial.plan.chunk_size };
  const fixed = await engine.execute(job, { shape: { workers: 2, chunk_size: 25 } });
  out.fixed = { workers: fixed.workers, chunk_size: fixed.chunk_size, counted: fixed.chunks.reduce((s, c) => s + c.count, 0) };
  const seen = [];
  const sweep = await engine.sweep(job, { workers: [1, 2], chunk_sizes: [50, 100], repeats: 1, onProgress: (p) => seen.push(p) });
  out.sweep = { points: sweep.points.length, progress: seen.length, last: seen.at(-1), planSerial: typeof sweep.plan.serial };
  const tuned = await engine.tune(job);
  out.tune = { plan: typeof tuned.plan.serial, model: typeof tuned.model.serial, best: tuned.best_time_s };
  const report = await engine.report(job);
  out.report = Object.keys(report).length > 0;
  // Cancel: a long sweep, cancelled at its first progress message.
  const long = { workload: 'parametric', params: { cost_us: 200 }, n: 2000 };
  let cancelledAt = 0;
  const pending = engine.sweep(long, { repeats: 15, allow_long: true, onProgress: () => { if (!cancelledAt) { cancelledAt = performance.now(); engine.cancel(); } } });
  out.cancel = await catching(pending);
  out.cancelMs = performance.now() - cancelledAt;
  out.afterCancel = (await engine.optimize(job)).workers > 0;
  out.unknown = await catching(engine.optimize({ workload: 'nope' }));
  out.badShape = await catching(engine.execute(job, { shape: 'sideways' }));
  engine.terminate();
  out.terminated = await catching(engine.optimize(job));
  out.badThreads = await catching(startEngine({ threads: '0x4' }));
  // The watchdog: one-second items, and an execute that sends no progress for seconds.
  const slow = await startEngine({ watchdogMs: 400 });
  const stalled = new Promise((resolve) => slow.onEvent((e) => { if (e.type === 'stalled') resolve(e); }));
  const stuck = catching(slow.execute({ workload: 'parametric', params: { cost_us: 1000000 }, n: 3 }, { shape: 'serial' }));
  const event = await stalled;
  out.stalled = { label: event.label, silentMs: event.silentMs };
  slow.restart('test');
  out.stuck = await stuck;
  out.afterRestart = (await slow.optimize(job)).workers > 0;
  slow.terminate();
} catch (e) {
  out.failure = e && e.message ? e.message : JSON.stringify(e);
}
window.result = out;
window.done = true;
`;

test('engine.js from a docs page: start, optimize, execute (three shapes), sweep with progress, tune, report, cancel, errors, terminate, watchdog', { timeout: 180_000 }, async () => {
  const page = await docsPage(base.isolated, SCRIPT, ISOLATION);
  const r = await page.evaluate(() => window.result);
  assert.equal(r.failure, undefined, r.failure);
  assert.equal(r.start.mode, 'threads');
  assert.ok(r.start.threads > 1 && r.start.cores >= 1, JSON.stringify(r.start));
  assert.equal(typeof r.plan.serial, 'boolean');
  assert.equal(r.plan.report, 'object');
  if (r.plan.serial) assert.deepEqual([r.plan.workers, r.plan.chunk_size], [1, null]);
  else assert.ok(r.plan.workers >= 1 && r.plan.chunk_size >= 1 && r.plan.predicted_speedup > 0, JSON.stringify(r.plan));
  assert.ok(r.run.elapsed_s > 0 && r.run.items === 400, JSON.stringify(r.run));
  assert.equal(r.run.planSerial, r.plan.serial);
  assert.deepEqual([r.serial.planSerial, r.serial.chunk_size], [true, null]);
  assert.deepEqual(r.fixed, { workers: 2, chunk_size: 25, counted: 400 });
  assert.equal(r.sweep.points, 4);
  assert.ok(r.sweep.progress >= 4, `progress messages: ${r.sweep.progress}`);
  assert.equal(r.sweep.last.done, r.sweep.last.total);
  assert.equal(r.sweep.planSerial, 'boolean');
  assert.deepEqual([r.tune.plan, r.tune.model], ['boolean', 'boolean']);
  assert.ok(r.tune.best > 0);
  assert.equal(r.report, true);
  assert.equal(r.cancel.err?.kind, 'cancelled', JSON.stringify(r.cancel).slice(0, 200));
  assert.ok(r.cancelMs < 2500, `cancel took ${r.cancelMs} ms`);
  assert.equal(r.afterCancel, true);
  for (const name of ['unknown', 'badShape', 'terminated', 'badThreads', 'stuck']) {
    const e = r[name].err;
    assert.ok(e && typeof e.kind === 'string' && typeof e.message === 'string', `${name}: ${JSON.stringify(r[name])}`);
    assert.equal(r[name].isError, false, `${name} rejects with a plain {kind, message}`);
  }
  assert.match(r.unknown.err.message, /nope/);
  assert.equal(r.badShape.err.kind, 'invalid_parameter');
  assert.equal(r.terminated.err.kind, 'terminated');
  assert.equal(r.badThreads.err.kind, 'invalid_parameter');
  assert.match(r.stalled.label, /execute/);
  assert.ok(r.stalled.silentMs >= 400);
  assert.equal(r.stuck.err.kind, 'restarted');
  assert.equal(r.afterRestart, true);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('engine.js without isolation: single mode, optimize and execute work', { timeout: 120_000 }, async () => {
  const script = `
import { startEngine } from './engine.js';
try {
  const engine = await startEngine();
  const job = { workload: 'parametric', params: { cost_us: 20 }, n: 200 };
  const plan = await engine.optimize(job);
  const run = await engine.execute(job, { shape: { workers: 1, chunk_size: 50 } });
  const tooMany = await engine.execute(job, { shape: { workers: 2, chunk_size: 50 } }).catch((e) => e);
  window.result = { mode: engine.mode, threads: engine.threads, serial: typeof plan.serial, items: run.items, tooMany: tooMany.kind };
  engine.terminate();
} catch (e) {
  window.result = { failure: e?.message ?? JSON.stringify(e) };
}
window.done = true;`;
  const page = await docsPage(base.plain, script, {});
  const r = await page.evaluate(() => window.result);
  assert.deepEqual(r, { mode: 'single', threads: 1, serial: 'boolean', items: 200, tooMany: 'too_many_workers' });
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
