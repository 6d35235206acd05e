// Browser tests of the playground pages (node --test tests/e2e/). Base URLs come from
// AMORSIZE_URL / AMORSIZE_URL_NO_ISOLATION (cargo xtask test), else from our own servers for dist/.
// Screenshots go to ARTIFACTS_DIR. Inputs are kept small so the suite fits a few minutes on 2 cores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { artifact, base, browser, chartData, legendLayout, legendMismatches, open, setField, useSharedBrowser } from './browser.mjs';

const skip = false;
useSharedBrowser();

const PAGES = ['', 'performance', 'tuning', 'use-cases', 'lab'];

async function smallGettingStarted(page) {
  await setField(page, 'the-problem', 'n_tiny', 2000);
  await setField(page, 'the-problem', 'repeats', 2);
  await setField(page, 'time-and-speedup', 'repeats', 2);
  await setField(page, 'real-world-example', 'repeats', 2);
  await setField(page, 'worker-count-sweep', 'max_workers', 3);
}

async function runAll(page, timeout) {
  await page.click('button.run-all');
  await page.waitForFunction(() => document.querySelector('main').dataset.runAll === 'done', null, { timeout });
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll('.cell')].map((c) => [c.id, { state: c.dataset.state, error: c.querySelector('.error:not([hidden])')?.textContent ?? null }])));
}

/**
 * cpu-loop on one worker and on two, run alternately (the fastest run of each: the quietest
 * spell of a machine that other work shares). Returns
 * - speedup: the one-worker time over the two-worker time;
 * - concurrency: in that two-worker run, the workers' summed chunk time over the run's time
 *   (near 2 when both ran at once, near 1 when they took turns: a broken pool);
 * - inflation: its mean chunk time over the one-worker run's (near 1 when each thread had a
 *   core to itself, near 2 when the two shared one because the machine was busy).
 */
async function twoWorkers(page, pairs = 6) {
  return page.evaluate(async (count) => {
    const engine = window.amorsize.engine;
    const job = { workload: 'cpu-loop', n: 256, params: { iterations: 300000 } };
    const run = async (workers) => (await engine.request({ kind: 'execute', job, shape: { type: 'fixed', workers, chunk_size: 8 } })).run;
    const busy = (r) => r.chunks.reduce((s, c) => s + c.end - c.start, 0);
    const best = {};
    await run(2); // warm-up: wakes the pool
    for (let i = 0; i < count; i++) {
      for (const k of i % 2 ? [2, 1] : [1, 2]) {
        const r = await run(k);
        if (!best[k] || r.elapsed_s < best[k].elapsed_s) best[k] = r;
      }
    }
    return {
      speedup: best[1].elapsed_s / best[2].elapsed_s,
      concurrency: busy(best[2]) / best[2].elapsed_s,
      inflation: (busy(best[2]) / best[2].chunks.length) / (busy(best[1]) / best[1].chunks.length),
    };
  }, pairs);
}

test('isolated: crossOriginIsolated and a thread pool larger than one', { skip }, async () => {
  const page = await open(browser, base.isolated);
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);
  const mode = await page.evaluate(() => ({ ...document.querySelector('#mode').dataset, text: document.querySelector('#mode').textContent }));
  assert.equal(mode.threaded, 'true', mode.text);
  assert.ok(Number(mode.threads) > 1, `pool threads: ${mode.text}`);
  assert.match(mode.text, /threads \(cross-origin isolated\)/);
  assert.equal(await page.isVisible('#banner'), false);
  await page.context().close();
});

test('isolated: Getting started runs end to end via Run all', { skip, timeout: 240_000 }, async () => {
  const page = await open(browser, base.isolated);
  await page.waitForSelector('#the-problem');
  await smallGettingStarted(page);
  const states = await runAll(page, 220_000);
  for (const [id, s] of Object.entries(states)) {
    if (id === 'key-takeaways-and-troubleshooting') continue;
    assert.equal(s.state, 'done', `${id}: ${s.error}`);
  }
  const charts = await chartData(page);
  assert.ok(charts.length >= 8, `charts: ${charts.length}`);
  for (const c of charts) assert.ok(c.lengths.some((n) => n > 0), `chart "${c.title}" has no data: ${JSON.stringify(c.lengths)}`);
  // Each bar and line is drawn in its legend's colour (a blind bar below 1x is red under a red swatch).
  assert.deepEqual(await legendMismatches(page), []);
  assert.ok(await page.isVisible('#one-click-optimize [data-plan]'), 'recommendation shown');
  assert.match(await page.textContent('#one-click-optimize [data-plan]'), /Recommendation:/);
  assert.ok(await page.isVisible('#diagnostics [data-report]'), 'explain report shown');
  const report = await page.textContent('#diagnostics [data-report]');
  for (const section of ['[1] Workload', '[2] System', '[3] Decision', '[4] Prediction', '[5] Bottleneck']) assert.ok(report.includes(section), section);
  const curve = JSON.parse(await page.getAttribute('#worker-count-sweep .out', 'data-curve'));
  const k2 = curve.find((p) => p.k === 2);
  assert.ok(k2, 'k=2 measured');
  // The sweep times serial first and k=2 later, so a neighbour's burst of work in between can
  // hide the speedup on a shared 2-core machine: then measure again, k=1 and k=2 alternately,
  // and once more if the two threads evidently shared one core (their chunks ran slower).
  if (!(k2.speedup > 1.3)) {
    let again = await twoWorkers(page);
    if (again.speedup <= 1.25 && again.inflation > 1.3) again = await twoWorkers(page);
    const said = `the sweep said ${k2.speedup.toFixed(2)}x; alternate runs: ${again.speedup.toFixed(2)}x, concurrency ${again.concurrency.toFixed(2)}, chunks ${again.inflation.toFixed(2)}x slower on two workers`;
    console.log(`# cpu-loop at k=2: ${said}`);
    assert.ok(again.concurrency > 1.5, `two workers ran one after the other: ${said}`);
    // Two workers whose chunks ran as fast as one worker's must finish sooner; when the
    // machine gave them one core between them, running at once is all that can be checked.
    if (again.inflation <= 1.3) assert.ok(again.speedup > 1.25, `cpu-loop speedup at k=2: ${said}`);
  }
  const shot = artifact('getting-started-after-run-all-1280.png');
  if (shot) await page.screenshot({ path: shot, fullPage: true });
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('isolated: a sweep reports progress up to 100 %, exports CSV and SVG, and Cancel stops a long sweep within a second', { skip, timeout: 120_000 }, async () => {
  const page = await open(browser, `${base.isolated}#/tuning`);
  await page.waitForSelector('#the-full-grid');
  await setField(page, 'the-full-grid', 'workers', '1, 2');
  await setField(page, 'the-full-grid', 'chunk_sizes', '8, 64');
  await setField(page, 'the-full-grid', 'repeats', 2);
  await page.click('#the-full-grid button.run');
  await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector('#the-full-grid').dataset.state), null, { timeout: 60_000 });
  assert.equal(await page.getAttribute('#the-full-grid', 'data-state'), 'done');
  assert.equal(await page.getAttribute('#the-full-grid', 'data-progress'), '1');
  const charts = await chartData(page, '#the-full-grid');
  assert.ok(charts.every((c) => c.lengths.some((n) => n > 0)));

  // Exports of the first heatmap chart: its data as CSV (a row per measured point), and the
  // chart as SVG.
  const figure = page.locator('#the-full-grid figure.figure').first();
  const downloaded = async (label) => {
    const [file] = await Promise.all([page.waitForEvent('download'), figure.getByRole('button', { name: label, exact: true }).click()]);
    return { name: file.suggestedFilename(), text: readFileSync(await file.path(), 'utf8') };
  };
  const csv = await downloaded('CSV');
  assert.match(csv.name, /\.csv$/);
  const lines = csv.text.trim().split('\n');
  assert.ok(lines.length >= 1 + 4, `CSV has a header and the 2 x 2 points: ${csv.text}`);
  assert.ok(lines.slice(1).every((l) => l.split(',').length === lines[0].split(',').length), csv.text);
  const svg = await downloaded('SVG');
  assert.match(svg.name, /\.svg$/);
  assert.match(svg.text, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.ok((svg.text.match(/<(path|rect)\b/g) ?? []).length >= 4, 'the SVG draws the heatmap cells');

  // A long sweep: many points, many repeats.
  await page.goto(`${base.isolated}#/lab?workload=cpu-loop&repeats=15`);
  await page.waitForSelector('#lab [data-action="sweep"]');
  await page.click('#lab [data-action="sweep"]');
  await page.waitForFunction(() => Number(document.querySelector('#lab').dataset.progress ?? 0) > 0, null, { timeout: 30_000 });
  const t0 = Date.now();
  await page.click('#lab button.cancel');
  await page.waitForFunction(() => document.querySelector('#lab').dataset.state === 'cancelled', null, { timeout: 5_000 });
  const stopped = Date.now() - t0;
  assert.ok(stopped < 1000, `cancel took ${stopped} ms`);
  await page.click('#lab [data-action="optimize"]');
  await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector('#lab').dataset.state), null, { timeout: 30_000 });
  assert.equal(await page.getAttribute('#lab', 'data-state'), 'done');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('lab: URL parameters prefill, invalid ones show an inline error', { skip, timeout: 60_000 }, async () => {
  const page = await open(browser, `${base.isolated}#/lab?workload=parametric&n=5000&cost_us=50&transfer=sideways&bogus=1`);
  await page.waitForSelector('#lab [name="n"]');
  assert.equal(await page.inputValue('#lab [name="n"]'), '5000');
  assert.equal(await page.inputValue('#lab [name="p.cost_us"]'), '50');
  assert.equal(await page.inputValue('#lab [name="transfer"]'), 'shared');
  assert.match(await page.textContent('#lab [data-field="transfer"] .field-error'), /sideways/);
  assert.match(await page.textContent('#lab .intro .error'), /bogus/);
  await page.fill('#lab [name="n"]', '-3');
  assert.match(await page.textContent('#lab [data-field="n"] .field-error'), /at least 1/);
  await page.context().close();
});

test('engine requests: malformed ones get a clear error, and the next good one runs', { skip, timeout: 60_000 }, async () => {
  const page = await open(browser, base.isolated);
  const outcomes = await page.evaluate(async () => {
    const engine = window.amorsize.engine;
    await engine.ready();
    const job = { workload: 'cpu-loop', n: 200, params: { iterations: 500 } };
    const tries = {
      unknownKind: { kind: 'explode', job },
      noShape: { kind: 'execute', job },
      fixedWithoutChunk: { kind: 'execute', job, shape: { type: 'fixed', workers: 2 } },
      paramOfWrongType: { kind: 'optimize', job: { ...job, params: { iterations: [1, 2] } } },
      paramOutOfRange: { kind: 'optimize', job: { ...job, params: { iterations: -4 } } },
      unknownWorkload: { kind: 'optimize', job: { workload: 'nope' } },
      scalingWithoutAxis: { kind: 'scaling', job, values: [100] },
      good: { kind: 'execute', job: { ...job, params: { iterations: '500' } }, shape: { type: 'fixed', workers: 2, chunk_size: 16 } },
    };
    const out = {};
    for (const [name, request] of Object.entries(tries)) {
      out[name] = await engine.request(request).then((v) => ({ ok: v }), (e) => ({ err: e }));
    }
    return out;
  });
  const error = (name) => {
    assert.ok(outcomes[name].err, `${name} should fail, got ${JSON.stringify(outcomes[name].ok)?.slice(0, 200)}`);
    return outcomes[name].err;
  };
  assert.match(error('unknownKind').message, /explode/);
  assert.match(error('noShape').message, /`execute` request needs `shape`/);
  assert.match(error('fixedWithoutChunk').message, /needs `shape\.chunk_size`/);
  assert.match(error('paramOfWrongType').message, /a number or a string/);
  assert.equal(error('paramOutOfRange').kind, 'invalid_parameter');
  assert.match(error('paramOutOfRange').message, /iterations/);
  assert.match(error('unknownWorkload').message, /nope/);
  assert.match(error('scalingWithoutAxis').message, /needs `axis`/);
  const good = outcomes.good.ok;
  assert.ok(good, `the good request failed: ${JSON.stringify(outcomes.good.err)}`);
  assert.equal(good.run.items, 200);
  assert.equal(good.run.workers, 2);
  assert.equal(good.run.chunk_size, 16);
  assert.equal(good.run.chunks.reduce((sum, c) => sum + c.count, 0), 200);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('not isolated: single-threaded build runs Getting started, banner visible', { skip, timeout: 240_000 }, async () => {
  const page = await open(browser, base.plain);
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), false);
  assert.equal(await page.getAttribute('#mode', 'data-threaded'), 'false');
  assert.match(await page.textContent('#mode'), /single-threaded/);
  assert.ok(await page.isVisible('#banner'));
  assert.match(await page.textContent('#banner'), /COOP|Cross-Origin-Opener-Policy/);
  await page.waitForSelector('#the-problem');
  await smallGettingStarted(page);
  await setField(page, 'worker-count-sweep', 'max_workers', 1);
  const states = await runAll(page, 220_000);
  for (const [id, s] of Object.entries(states)) if (id !== 'key-takeaways-and-troubleshooting') assert.equal(s.state, 'done', `${id}: ${s.error}`);
  for (const c of await chartData(page)) assert.ok(c.lengths.some((n) => n > 0), `chart "${c.title}" empty`);
  const shot = artifact('getting-started-single-threaded-1280.png');
  if (shot) await page.screenshot({ path: shot, fullPage: false });
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('every page: no console errors; screenshots at 1280 and 375 px', { skip, timeout: 120_000 }, async () => {
  for (const [width, height] of [[1280, 900], [375, 812]]) {
    const page = await open(browser, base.isolated, { width, height });
    for (const path of PAGES) {
      await page.goto(`${base.isolated}#/${path}`);
      await page.waitForFunction((p) => document.querySelector('main').dataset.page === (p || 'getting-started'), path, { timeout: 30_000 });
      const shot = artifact(`page-${path || 'getting-started'}-${width}.png`);
      if (shot) await page.screenshot({ path: shot });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `${path} at ${width}px overflows horizontally by ${overflow}px`);
    }
    assert.deepEqual(page.problems, []);
    await page.context().close();
  }
});

/**
 * For every chart in `scope`: the plot area and the boxes of the reference lines' labels
 * ("1x = serial", "serial 8.76 ms", "recommended k=2") as ECharts drew them.
 */
function referenceLabels(page, scope) {
  return page.evaluate(async (sel) => {
    await Promise.all([...document.querySelectorAll(`${sel} .figure`)].map((f) => f.box?.ready));
    const echarts = await import(new URL('vendor/echarts.js', document.baseURI).href);
    return [...document.querySelectorAll(`${sel} .chart`)].map((node) => {
      const chart = echarts.getInstanceByDom(node);
      const plot = chart.getModel().getComponent('grid').coordinateSystem.getRect();
      const labels = [];
      for (const e of chart.getZr().storage.getDisplayList()) {
        const text = e.style?.text;
        if (typeof text !== 'string' || !/^(1x =|1× = serial|serial|recommended)/.test(text)) continue;
        const box = e.getBoundingRect().clone();
        box.applyTransform(e.getComputedTransform());
        labels.push({ text, x: box.x, y: box.y, width: box.width, height: box.height });
      }
      const yExtent = chart.getModel().getComponent('yAxis', 0)?.axis.scale.getExtent() ?? null;
      const lineYs = (chart.getOption().series ?? []).filter((s) => !s.yAxisIndex).flatMap((s) => s.markLine?.data ?? []).map((d) => d.yAxis).filter((v) => v !== undefined);
      return { chart: node.getAttribute('aria-label').slice(0, 50), width: node.clientWidth, plot: { x: plot.x, y: plot.y, width: plot.width, height: plot.height }, labels, yExtent, lineYs };
    });
  }, scope);
}

test('isolated: reference-line labels sit outside the plot, inside the chart, and speedups read as the engine writes them, at 375 and 1280 px', { skip, timeout: 240_000 }, async () => {
  for (const [width, height] of [[375, 812], [1280, 900]]) {
    const page = await open(browser, base.isolated, { width, height });
    await page.waitForSelector('#the-problem');
    await setField(page, 'the-problem', 'n_tiny', 2000);
    await setField(page, 'the-problem', 'repeats', 1);
    await setField(page, 'worker-count-sweep', 'max_workers', 3);
    await setField(page, 'worker-count-sweep', 'repeats', 1);
    await setField(page, 'worker-count-sweep', 'n', 200);
    for (const id of ['the-problem', 'worker-count-sweep']) {
      await page.click(`#${id} button.run`);
      await page.waitForFunction((i) => ['done', 'error'].includes(document.getElementById(i).dataset.state), id, { timeout: 120_000 });
      assert.equal(await page.getAttribute(`#${id}`, 'data-state'), 'done', await page.textContent(`#${id} .error`));
    }
    const charts = [...await referenceLabels(page, '#the-problem'), ...await referenceLabels(page, '#worker-count-sweep')];
    assert.ok(charts.filter((c) => c.labels.length).length >= 3, JSON.stringify(charts));
    for (const { chart, width: chartWidth, plot, labels, yExtent, lineYs } of charts) {
      // A reference line above the axis's top is not drawn at all.
      for (const y of lineYs) assert.ok(yExtent && y <= yExtent[1], `${width} px, "${chart}": line at ${y} above the axis ${JSON.stringify(yExtent)}`);
      for (const l of labels) {
        const where = `${width} px, "${chart}": label "${l.text}" at ${JSON.stringify(l)}, plot ${JSON.stringify(plot)}`;
        const outside = l.x >= plot.x + plot.width - 0.5 || l.x + l.width <= plot.x + 0.5 || l.y + l.height <= plot.y + 0.5 || l.y >= plot.y + plot.height - 0.5;
        assert.ok(outside, `covers the plot: ${where}`);
        assert.ok(l.x >= 0 && l.x + l.width <= chartWidth + 0.5, `cut off at the chart's edge: ${where}`);
      }
    }
    // Every legend entry is drawn (a phone's legend wraps, with no pager hiding entries), within
    // the chart, above the plot, and over no other text (the axis name, a reference label).
    for (const { chart, width: chartWidth, names, plot, texts } of [...await legendLayout(page, '#the-problem'), ...await legendLayout(page, '#worker-count-sweep')]) {
      const entries = texts.filter((t) => t.legend);
      assert.deepEqual(entries.map((t) => t.text).sort(), [...names].sort(), `${width} px, "${chart}": legend entries drawn`);
      for (const t of entries) {
        assert.ok(t.x >= 0 && t.x + t.width <= chartWidth + 0.5 && t.y + t.height <= plot.y, `${width} px, "${chart}": legend entry ${JSON.stringify(t)} outside the chart or over the plot at ${plot.y}`);
        for (const o of texts.filter((u) => !u.legend)) {
          const apart = t.x + t.width <= o.x || o.x + o.width <= t.x || t.y + t.height <= o.y || o.y + o.height <= t.y;
          assert.ok(apart, `${width} px, "${chart}": legend entry "${t.text}" covers "${o.text}"`);
        }
      }
    }
    // "28x slower than serial" (the engine's verdict) beside "1.84x measured" (the page's figure).
    const table = await page.textContent('#the-problem table');
    assert.doesNotMatch(table, /\d×/, `one multiplication sign for speedups: ${table}`);
    assert.match(table, /\d(\.\d\d)?x/);
    const shot = artifact(`getting-started-reference-labels-${width}.png`);
    if (shot) await page.locator('#worker-count-sweep .figure').nth(1).screenshot({ path: shot });
    assert.deepEqual(page.problems, []);
    await page.context().close();
  }
});
