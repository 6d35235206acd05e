// Soak (cargo xtask soak): SOAK_SWEEPS (100) short sweeps back to back in one page, through the
// Lab's Sweep button, measured after a warm-up of SOAK_WARM_UP (300) more. At the end of the
// warm-up and after the measured sweeps it reads the page's JS heap (CDP, after a forced GC), the
// engine's wasm memory (memory.buffer.byteLength) and the bytes the engine has allocated
// (`info`'s memory_in_use). Fails if any grew by more than 10% over the measured sweeps, or on
// any console error. The warm-up is as long as it is because V8 keeps optimizing the page's
// functions for a few hundred sweeps: its machine code grew 4.9 -> 6.2 -> 7.2 -> 7.1 MiB at
// sweeps 10, 100, 300 and 500 while the objects the page holds stayed at 2.96-3.02 MiB; a leak
// grows on past that. It also shows, without gating on it, Blink's heap (DOM, canvas and font
// caches: CDP's embedderHeapUsedSize). SOAK_HEAP_SPLIT=1 also takes a heap snapshot at both
// points and splits the JS heap into V8's code (bytecode and machine code) and the objects.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { artifact, launch, open, urls } from './browser.mjs';

const SWEEPS = Number(process.env.SOAK_SWEEPS ?? 100);
const WARM_UP = Math.max(1, Number(process.env.SOAK_WARM_UP ?? 300));
const MAX_GROWTH = 0.10;
// The module the page talks to the engine through (SOAK_ENGINE_MODULE overrides it).
const ENGINE_MODULE = process.env.SOAK_ENGINE_MODULE ?? './www/engine.js';

const base = await urls();
if (!base) throw new Error('no dist/index.html and no AMORSIZE_URL: build with `cargo xtask dist` first');
const browser = await launch();
let failed = null;
try {
  const page = await open(browser, `${base.isolated}#/lab?workload=cpu-loop&n=2000&iterations=200&repeats=1`);
  await page.waitForSelector('#lab [data-action="sweep"]');
  const cdp = await page.context().newCDPSession(page);

  // Self sizes by the snapshot's node types: 'code' is V8's code space and function metadata,
  // 'native' and 'synthetic' are Blink's objects and the snapshot's own roots.
  const heapSplit = async () => {
    const chunks = [];
    const onChunk = (e) => chunks.push(e.chunk);
    cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
    await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
    const { snapshot: { meta }, nodes } = JSON.parse(chunks.join(''));
    const width = meta.node_fields.length;
    const typeAt = meta.node_fields.indexOf('type');
    const sizeAt = meta.node_fields.indexOf('self_size');
    const types = meta.node_types[typeAt];
    const split = { code: 0, objects: 0 };
    for (let i = 0; i < nodes.length; i += width) {
      const type = types[nodes[i + typeAt]];
      if (type === 'code') split.code += nodes[i + sizeAt];
      else if (type !== 'native' && type !== 'synthetic') split.objects += nodes[i + sizeAt];
    }
    return split;
  };

  const measure = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const split = process.env.SOAK_HEAP_SPLIT ? await heapSplit() : null;
    const engine = await page.evaluate(async (path) => {
      // The page's engine: engine.js exports the Engine class and the app publishes its
      // instance as window.amorsize.engine; a module of the older shape (current(), request())
      // is its own singleton.
      const mod = await import(path);
      const engine = typeof mod.current === 'function' ? null : window.amorsize.engine;
      const info = engine ? engine.info : mod.current();
      const reply = await (engine ? engine.request({ kind: 'info' }) : mod.request({ kind: 'info' }));
      return { wasm: info.memory?.buffer.byteLength ?? null, inUse: reply.memory_in_use };
    }, ENGINE_MODULE);
    return {
      jsHeap: heap.usedSize, wasm: engine.wasm, engineInUse: engine.inUse,
      blinkHeap: heap.embedderHeapUsedSize ?? null, jsCode: split?.code ?? null, jsObjects: split?.objects ?? null,
    };
  };

  const started = Date.now();
  let warm = null;
  for (let i = 1; i <= WARM_UP + SWEEPS; i++) {
    await page.click('#lab [data-action="sweep"]');
    await page.waitForFunction(() => ['done', 'error', 'cancelled'].includes(document.querySelector('#lab').dataset.state), null, { timeout: 60_000 });
    const state = await page.getAttribute('#lab', 'data-state');
    if (state !== 'done') throw new Error(`sweep ${i} ended ${state}: ${await page.textContent('#lab .error')}`);
    if (i === WARM_UP) warm = await measure();
    if (process.env.SOAK_TRACE && i % 50 === 0) console.log(i, JSON.stringify(await measure()));
  }
  const end = await measure();
  const elapsed = (Date.now() - started) / 1000;
  const growth = (k) => (warm[k] ? end[k] / warm[k] - 1 : 0);
  const GATED = ['jsHeap', 'wasm', 'engineInUse'];
  const SHOWN = [['jsHeap', 'page JS heap'], ['wasm', 'wasm memory'], ['engineInUse', 'engine allocated'], ['blinkHeap', 'Blink heap'],
    ...(warm.jsCode === null ? [] : [['jsCode', ' of it: V8 code'], ['jsObjects', ' of it: objects']])];
  const mib = (b) => (b === null ? 'n/a' : `${(b / 1048576).toFixed(2)} MiB`);
  const report = {
    sweeps: SWEEPS, warmUp: WARM_UP, seconds: elapsed, warm, end,
    growth: Object.fromEntries(SHOWN.map(([k]) => [k, growth(k)])),
    consoleProblems: page.problems,
  };
  console.log(`soak: ${SWEEPS} sweeps measured after ${WARM_UP}, ${elapsed.toFixed(0)} s in all`);
  for (const [k, label] of SHOWN) {
    const gated = GATED.includes(k) ? '' : ', not gated';
    console.log(`  ${label.padEnd(17)} after ${WARM_UP}: ${mib(warm[k])}  after ${WARM_UP + SWEEPS}: ${mib(end[k])}  (${(100 * growth(k)).toFixed(1)}%${gated})`);
  }
  const file = artifact('soak.json');
  if (file) writeFileSync(file, JSON.stringify(report, null, 2));
  assert.deepEqual(page.problems, [], 'console errors');
  for (const k of GATED) {
    assert.ok(growth(k) <= MAX_GROWTH, `${k} grew ${(100 * growth(k)).toFixed(1)}% over ${SWEEPS} sweeps after the warm-up`);
  }
} catch (e) {
  failed = e;
} finally {
  await browser.close();
  base.close();
}
if (failed) {
  console.error(failed.message ?? failed);
  process.exit(1);
}
