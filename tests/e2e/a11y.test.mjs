// Presentation gate (issue 14): on every page, after Run all, in light and dark and at 1280 and
// 375 px: axe-core finds no serious or critical violation, the consistency rules hold, nothing
// overflows sideways, and a screenshot goes to ARTIFACTS_DIR. Exports are read back from the
// downloads. The single-threaded build shows no one-point chart and no "1 workers".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { artifact, base, browser, open, setField, useSharedBrowser } from './browser.mjs';
import { checkConsistency, checkSingleThreadWording } from './consistency-rules.mjs';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const PAGES = ['', 'performance', 'tuning', 'use-cases', 'lab'];
const MODES = [['light', 1280, 900], ['dark', 1280, 900], ['light', 375, 812], ['dark', 375, 812]];

useSharedBrowser();

/** Small inputs, so that Run all on every page fits a few minutes on 2 cores. */
async function shrink(page, path) {
  const set = (cell, name, value) => setField(page, cell, name, value);
  if (path === '') {
    await set('the-problem', 'n_tiny', 2000);
    for (const c of ['the-problem', 'time-and-speedup', 'real-world-example']) await set(c, 'repeats', 2);
    if ((await page.getAttribute('#mode', 'data-threaded')) === 'true') await set('worker-count-sweep', 'max_workers', 3);
  } else if (path === 'performance') {
    await set('speedup-against-per-item-cost', 'values', '1, 20, 200');
    await set('speedup-against-per-item-cost', 'repeats', 2);
    await set('speedup-against-n', 'repeats', 2);
  } else if (path === 'tuning') {
    await set('the-full-grid', 'workers', '1, 2');
    await set('the-full-grid', 'chunk_sizes', '16, 256');
    await set('the-full-grid', 'repeats', 2);
    await set('adaptive-tuner-vs-full-grid-vs-the-model', 'repeats', 2);
  } else if (path === 'use-cases') {
    await set('web-services', 'n', 64);
    if ((await page.getAttribute('#mode', 'data-threaded')) === 'true') await set('web-services', 'max_workers', 4);
    for (const c of ['web-services', 'data-processing', 'ml-pipelines']) await set(c, 'repeats', 2);
  }
}

async function runAll(page, path, url) {
  await page.goto(`${url}#/${path}`);
  await page.waitForFunction((p) => document.querySelector('main').dataset.page === (p || 'getting-started'), path, { timeout: 60_000 });
  await shrink(page, path);
  await page.click('button.run-all');
  await page.waitForFunction(() => document.querySelector('main').dataset.runAll === 'done', null, { timeout: 300_000 });
  return page.evaluate(() => [...document.querySelectorAll('.cell')].filter((c) => c.dataset.state === 'error').map((c) => `${c.id}: ${c.querySelector('.error')?.textContent}`));
}

async function axe(page) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length} nodes, e.g. ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')})`);
}

const report = { axe: {}, consistency: {} };
// Filled by the Run-all pass below, judged by the two tests after it: the axe gate and the
// consistency rules fail separately, so one says nothing about the other.
const axeFailures = [];
const consistencyFailures = [];

test('every page after Run all, in light and dark at 1280 and 375 px: every cell runs, nothing overflows, no console error; screenshots', { timeout: 1_500_000 }, async () => {
  const failures = [];
  for (const path of PAGES) {
    const name = path || 'getting-started';
    // axe-core is injected as an inline script, which the app's Content-Security-Policy forbids.
    const page = await open(browser, base.isolated, undefined, { bypassCSP: true });
    const errors = await runAll(page, path, base.isolated);
    if (errors.length) failures.push(`${name}: cells failed: ${errors.join('; ')}`);
    const inconsistent = await page.evaluate(checkConsistency);
    report.consistency[name] = inconsistent;
    consistencyFailures.push(...inconsistent.map((v) => `${name}: ${v}`));
    for (const [scheme, width, height] of MODES) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width, height });
      await page.waitForTimeout(250); // charts redraw on the theme and width change
      const violations = await axe(page);
      report.axe[`${name} ${scheme} ${width}`] = violations.length;
      axeFailures.push(...violations.map((v) => `${name} ${scheme} ${width}px: ${v}`));
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 1) failures.push(`${name} ${scheme} ${width}px overflows sideways by ${overflow}px`);
      const shot = artifact(`run-all-${name}-${scheme}-${width}.png`);
      if (shot) await page.screenshot({ path: shot, fullPage: true });
    }
    if (page.problems.length) failures.push(`${name}: ${page.problems.join('; ')}`);
    await page.context().close();
  }
  console.log(JSON.stringify(report, null, 1));
  assert.deepEqual(failures, []);
});

test('axe-core: no serious or critical violation on any page, theme or width', () => {
  assert.ok(Object.keys(report.axe).length === PAGES.length * MODES.length, 'every page was audited in every mode');
  assert.deepEqual(axeFailures, []);
});

test('consistency after Run all: speedup = serial / time, serial plans at 1.00x, best is the fastest shown, no NaN or 0.00x', () => {
  assert.ok(Object.keys(report.consistency).length === PAGES.length, 'every page was checked');
  assert.deepEqual(consistencyFailures, []);
});

test('exports: named after page, cell and parameters, with the title, a solid background in their theme, and a CSV header with units', { timeout: 240_000 }, async () => {
  const page = await open(browser, base.isolated);
  await page.waitForSelector('#worker-count-sweep');
  await setField(page, 'worker-count-sweep', 'max_workers', 2);
  await setField(page, 'worker-count-sweep', 'repeats', 1);
  await setField(page, 'worker-count-sweep', 'n', 600);
  await page.click('#worker-count-sweep button.run');
  await page.waitForFunction(() => document.querySelector('#worker-count-sweep').dataset.state === 'done', null, { timeout: 120_000 });
  for (const [scheme, bg] of [['light', '#ffffff'], ['dark', '#16181d']]) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(200);
    const figure = page.locator('#worker-count-sweep figure.figure').first();
    const title = await figure.locator('figcaption > span').first().textContent();
    const get = async (format) => {
      const [file] = await Promise.all([
        page.waitForEvent('download', { timeout: 15_000 }).catch((e) => { throw new Error(`no ${format} download in ${scheme} (${page.problems.join('; ')}): ${e.message}`); }),
        figure.locator(`button[data-export="${format}"]`).click(),
      ]);
      return { name: file.suggestedFilename(), bytes: readFileSync(await file.path()) };
    };
    const files = {};
    for (const format of ['png', 'svg', 'csv']) {
      files[format] = await get(format);
      assert.match(files[format].name, new RegExp(`^amorsize-getting-started-worker-count-sweep-worker-sweep-time-vs-k-cpu-loop-n600\\.${format}$`), files[format].name);
    }
    const svg = files.svg.bytes.toString('utf8');
    assert.ok(svg.includes(`>${title}<`), `the SVG carries its title "${title}"`);
    assert.match(svg, /time \(ms\)/, 'the SVG carries the axis unit');
    assert.match(svg, new RegExp(`<rect[^>]*fill="${bg}"`, 'i'), `the ${scheme} SVG has a solid ${bg} background`);
    const png = files.png.bytes;
    const corner = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = Object.assign(document.createElement('canvas'), { width: img.width, height: img.height });
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      return [...g.getImageData(2, img.height - 3, 1, 1).data];
    }, png.toString('base64'));
    const want = [1, 3, 5].map((i) => parseInt(bg.slice(i, i + 2), 16));
    assert.deepEqual(corner.slice(0, 3), want, `the ${scheme} PNG has a solid ${bg} background`);
    assert.equal(corner[3], 255, 'the PNG is opaque');
    const header = files.csv.bytes.toString('utf8').split('\n')[0].split(',');
    assert.ok(header.filter((h) => /_(ms|s|x|items)$/.test(h)).length >= 3, `CSV header with units: ${header}`);
  }
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('single-threaded build: no one-point chart, no "1 workers"; worker sweeps say why there is nothing to sweep', { timeout: 900_000 }, async () => {
  const failures = [];
  for (const path of ['', 'performance', 'use-cases']) {
    const name = path || 'getting-started';
    const page = await open(browser, base.plain);
    const errors = await runAll(page, path, base.plain);
    if (errors.length) failures.push(`${name}: cells failed: ${errors.join('; ')}`);
    failures.push(...(await page.evaluate(checkSingleThreadWording)).map((v) => `${name}: ${v}`));
    failures.push(...(await page.evaluate(checkConsistency)).map((v) => `${name}: ${v}`));
    if (path !== 'performance') {
      const why = await page.textContent('[data-no-chart]');
      assert.match(why, /one thread.*nothing to sweep/s, `${name}: ${why}`);
    }
    const shot = artifact(`single-threaded-${name}-1280.png`);
    if (shot) await page.screenshot({ path: shot, fullPage: true });
    if (page.problems.length) failures.push(`${name}: ${page.problems.join('; ')}`);
    await page.context().close();
  }
  assert.deepEqual(failures, []);
});

test('wording: the Lab description follows its URL parameters, and a cancelled run says so once', { timeout: 120_000 }, async () => {
  const page = await open(browser, `${base.isolated}#/lab?workload=parametric&cost_us=1000000&n=40`);
  await page.waitForFunction(() => /mean 1000000 µs/.test(document.querySelector('.workload-info')?.textContent ?? ''), null, { timeout: 30_000 });
  assert.doesNotMatch(await page.textContent('.workload-info'), /mean 100 µs/);
  await setField(page, 'lab', 'p.cost_us', 20);
  await page.waitForFunction(() => /mean 20 µs/.test(document.querySelector('.workload-info').textContent), null, { timeout: 30_000 });
  // Long enough to cancel mid-way, short enough (under a minute predicted) not to be refused.
  await setField(page, 'lab', 'n', 20000);
  await setField(page, 'lab', 'repeats', 2);
  await page.click('#lab [data-action="sweep"]');
  await page.waitForFunction(() => Number(document.querySelector('#lab').dataset.progress ?? 0) > 0, null, { timeout: 60_000 });
  await page.click('#lab button.cancel');
  await page.waitForFunction(() => document.querySelector('#lab').dataset.state === 'cancelled', null, { timeout: 10_000 });
  const said = (await page.textContent('#lab .error')).trim();
  assert.equal(said, 'Cancelled. Run again when you are ready.');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
