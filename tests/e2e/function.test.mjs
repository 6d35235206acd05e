// Browser tests of the Lab's function cell: a visitor's own JavaScript map, optimized, run and
// swept by the engine with threads and on the single-threaded build; each error has its
// message and the next run works; Stop on an endless loop recovers; links do not auto-run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { artifact, base, browser, chartData, open, setField, useSharedBrowser } from './browser.mjs';

useSharedBrowser();

// About 2 µs per item: enough work for a sweep to mean something, small enough to be quick.
const WORK = `x => {
  let s = 0;
  for (let k = 0; k < 400; k++) s += Math.sqrt(x + k);
  return { x, s: Math.round(s) };
}`;

const lab = (root, params) => `${root}#/lab?${new URLSearchParams(params)}`;

async function openFunction(root, params, viewport) {
  const page = await open(browser, lab(root, params), viewport);
  await page.waitForSelector('#fn[data-editor="ready"]', { timeout: 30_000 });
  return page;
}

async function setSource(page, text) {
  await page.click('#fn .cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
}

/** Clicks `action` in the function cell and waits for it to settle; returns state and error. */
async function act(page, action, timeout = 90_000) {
  await page.click(`#fn button[data-action="${action}"]`);
  await page.waitForFunction(() => ['done', 'error', 'cancelled'].includes(document.querySelector('#fn').dataset.state), null, { timeout });
  return page.evaluate(() => {
    const c = document.querySelector('#fn');
    return { state: c.dataset.state, error: c.querySelector('.error:not([hidden])')?.textContent ?? null };
  });
}

async function optimizeRunSweep(page, label) {
  await setField(page, 'fn', 'repeats', 1);
  let r = await act(page, 'optimize');
  assert.equal(r.state, 'done', `${label} optimize: ${r.error}`);
  assert.match(await page.textContent('#fn [data-plan]'), /Recommendation:/);
  assert.match(await page.textContent('#fn [data-report]'), /\[1\] Workload/);
  r = await act(page, 'execute');
  assert.equal(r.state, 'done', `${label} run: ${r.error}`);
  assert.match(await page.textContent('#fn [data-ran]'), /Ran .* in /);
  assert.match(await page.textContent('#fn [data-preview]'), /\{"x":2,"s":\d+\}/, 'the first results are shown');
  r = await act(page, 'sweep', 180_000);
  assert.equal(r.state, 'done', `${label} sweep: ${r.error}`);
  assert.match(await page.textContent('#fn [data-swept]'), /Best: k=\d+, c=\d+/);
  const charts = await chartData(page, '#fn');
  assert.ok(charts.length >= 2, `sweep charts: ${charts.length}`);
  for (const c of charts) assert.ok(c.lengths.some((n) => n > 0), `chart "${c.title}" has no data`);
}

test('isolated: your own function is optimized, run and swept on the pool', { timeout: 300_000 }, async () => {
  const page = await openFunction(base.isolated, { fn: WORK, items: 'i => i', n: 4000 });
  assert.equal(await page.evaluate(() => document.querySelector('#mode').dataset.threaded), 'true');
  await optimizeRunSweep(page, 'threads');
  for (const action of ['compare', 'curve', 'tune']) {
    const r = await act(page, action, 180_000);
    assert.equal(r.state, 'done', `${action}: ${r.error}`);
    if (action === 'compare') assert.match(await page.textContent('#fn table.data'), /blind/);
  }
  // Ctrl-Enter in the editor runs the cell's first action (Optimize) and adds no line.
  const lines = await page.locator('#fn .cm-line').count();
  await page.evaluate(() => document.querySelector('#fn .kept').replaceChildren());
  await page.click('#fn .cm-content');
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('#fn .kept [data-plan]', { timeout: 60_000 });
  assert.equal(await page.locator('#fn .cm-line').count(), lines);
  for (const [width, height] of [[1280, 900], [375, 800]]) {
    await page.setViewportSize({ width, height });
    const shot = artifact(`lab-function-${width}.png`);
    if (shot) await page.screenshot({ path: shot, fullPage: true });
  }
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('single-threaded: your own function is optimized, run and swept', { timeout: 300_000 }, async () => {
  const page = await openFunction(base.plain, { fn: WORK, items: 'i => i', n: 2000 });
  assert.equal(await page.evaluate(() => document.querySelector('#mode').dataset.threaded), 'false');
  await optimizeRunSweep(page, 'single-threaded');
  await page.context().close();
});

test('isolated: each error names what went wrong, and the next run works', { timeout: 240_000 }, async () => {
  const page = await openFunction(base.isolated, { fn: 'x => x * 2', items: 'i => i', n: 1000 });
  await setField(page, 'fn', 'repeats', 1);
  const good = async (label) => {
    await setSource(page, 'x => x * 2');
    await page.fill('#fn textarea[name="items"]', 'i => i');
    await setField(page, 'fn', 'n', 1000);
    const r = await act(page, 'execute');
    assert.equal(r.state, 'done', `run after ${label}: ${r.error}`);
  };
  const cases = [
    ['syntax error', 'x =>\n  x +* 2', 'i => i', 1000, /syntax error in the function at line 2, column \d+: Unexpected token/],
    ['throw', "x => { if (x === 123) throw new Error('boom'); return x; }", 'i => i', 1000, /threw on item 123: Error: boom/],
    ['not serializable', 'x => () => x', 'i => i', 1000, /value JSON cannot hold for item 0: a function/],
    ['no return', 'x => { x * 2 }', 'i => i', 1000, /forget `return`/],
    ['too much memory', 'x => x.length', "i => 'x'.repeat(1000000)", 1000, /the items for 1000 items would take about [\d.]+ MB .*more than the/],
  ];
  await good('nothing');
  for (const [label, fn, items, n, message] of cases) {
    const earlier = await page.textContent('#fn .kept');
    assert.match(earlier, /Ran /);
    await setSource(page, fn);
    await page.fill('#fn textarea[name="items"]', items);
    await setField(page, 'fn', 'n', n);
    const r = await act(page, 'execute');
    assert.equal(r.state, 'error', `${label}: ${r.error}`);
    assert.match(r.error, message, label);
    const shot = label === 'syntax error' && artifact('lab-function-syntax-error-1280.png');
    if (shot) await page.locator('#fn').screenshot({ path: shot });
    assert.equal(await page.textContent('#fn .kept'), earlier, `${label}: earlier results stay on the page`);
    await good(label);
  }
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

for (const mode of ['isolated', 'single-threaded']) test(`${mode}: Stop on an endless loop restarts the engine within 3 s`, { timeout: 120_000 }, async () => {
  const page = await openFunction(mode === 'isolated' ? base.isolated : base.plain, { fn: 'x => { while (true) {} }', n: 100 });
  await page.click('#fn button[data-action="execute"]');
  await page.waitForFunction(() => document.querySelector('#fn').dataset.state === 'running');
  await page.waitForTimeout(300); // the loop is spinning inside the engine by now
  const stopped = Date.now();
  await page.click('#fn button.cancel');
  await page.waitForFunction(() => document.querySelector('#fn').dataset.state === 'cancelled', null, { timeout: 10_000 });
  assert.match(await page.textContent('#fn .error'), /restarted/);
  await page.waitForFunction(() => /threads|single-threaded/.test(document.querySelector('#mode').textContent)
    && !/restarting/.test(document.querySelector('#mode').textContent), null, { timeout: 10_000 });
  const recovered = Date.now() - stopped;
  assert.ok(recovered < 3000, `engine ready again after ${recovered} ms`);
  await setSource(page, 'x => x + 1');
  const r = await act(page, 'execute');
  assert.equal(r.state, 'done', `run after the restart: ${r.error}`);
  console.log(`# endless loop (${mode}): engine ready again ${recovered} ms after Stop`);
  await page.context().close();
});

test('isolated: a shared link and a plain link show the code and do not run it', { timeout: 120_000 }, async () => {
  const source = 'function square(x) {\n  return x * x;\n}';
  const page = await openFunction(base.isolated, { fn: source, items: 'i => i * 3', n: 777 });
  assert.equal(await page.textContent('#fn .cm-content'), source.replace(/\n/g, ''));
  assert.equal(await page.inputValue('#fn textarea[name="items"]'), 'i => i * 3');
  assert.equal(await page.inputValue('#fn [name="n"]'), '777');
  assert.equal(await page.evaluate(() => document.querySelector('#fn').dataset.state), 'idle');
  await setField(page, 'fn', 'transfer', 'copy');
  await page.click('#fn button:has-text("Share link")');
  await page.waitForSelector('#fn .share-link:not([hidden])');
  const link = await page.inputValue('#fn .share-link');
  assert.match(link, /#\/lab\?share=[\w-]+$/);
  await page.context().close();

  const shared = await open(browser, link);
  await shared.waitForSelector('#fn[data-editor="ready"]');
  assert.equal(await shared.textContent('#fn .cm-content'), source.replace(/\n/g, ''));
  assert.equal(await shared.inputValue('#fn textarea[name="items"]'), 'i => i * 3');
  assert.equal(await shared.inputValue('#fn [name="n"]'), '777');
  assert.equal(await shared.inputValue('#fn [name="transfer"]'), 'copy');
  assert.match(await shared.textContent('#fn .note'), /Nothing has run/);
  await shared.waitForTimeout(1000);
  assert.equal(await shared.evaluate(() => document.querySelector('#fn').dataset.state), 'idle', 'a link never runs by itself');
  const r = await act(shared, 'optimize');
  assert.equal(r.state, 'done', r.error);
  assert.deepEqual(shared.problems, []);
  await shared.context().close();
});

test('isolated: the code lives in the address: edits are written there, and Reload and a preset link restore without running', { timeout: 120_000 }, async () => {
  const page = await open(browser, `${base.isolated}#/lab`);
  await page.waitForSelector('#fn[data-editor="ready"]', { timeout: 30_000 });
  const source = 'x => {\n  // a & b ? c # d\n  return x + 1;\n}';
  await setSource(page, source);
  await page.fill('#fn textarea[name="items"]', 'i => [i, "a&b"]');
  await setField(page, 'fn', 'n', 321);
  await page.waitForFunction(() => new URLSearchParams(location.hash.split('?')[1]).get('fn.n') === '321');
  const query = new URLSearchParams(await page.evaluate(() => location.hash.split('?')[1]));
  // The catalog cell owns the Lab's unprefixed keys here, so the function cell's are prefixed.
  assert.equal(query.get('fn.fn'), source);
  assert.equal(query.get('fn.items'), 'i => [i, "a&b"]');
  assert.equal(query.get('fn.n'), '321');
  await page.reload();
  await page.waitForSelector('#fn[data-editor="ready"]', { timeout: 30_000 });
  assert.equal(await page.evaluate(() => document.querySelector('#fn .cm-content').innerText), source);
  assert.equal(await page.inputValue('#fn textarea[name="items"]'), 'i => [i, "a&b"]');
  assert.equal(await page.inputValue('#fn [name="n"]'), '321');
  assert.equal(await page.evaluate(() => document.querySelector('#fn').dataset.state), 'idle');
  await page.context().close();

  // A tutorial cell's "Edit this workload" link opens its preset in the function cell, first.
  const tutorial = await open(browser, `${base.isolated}#/`);
  await tutorial.click('#one-click-optimize a.edit-fn');
  await tutorial.waitForSelector('#fn[data-editor="ready"]', { timeout: 30_000 });
  assert.equal(await tutorial.evaluate(() => document.querySelector('main .cell').id), 'fn');
  assert.equal(await tutorial.inputValue('#fn select[name="preset"]'), 'cpu-loop');
  assert.match(await tutorial.textContent('#fn .note'), /Nothing has run/);
  assert.equal(await tutorial.evaluate(() => document.querySelector('#fn').dataset.state), 'idle');
  assert.deepEqual(tutorial.problems, []);
  await tutorial.context().close();
});
