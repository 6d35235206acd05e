// Browser tests of the Lab's function cell: a visitor's own JavaScript map, optimized, run and
// swept by the engine with threads and on the single-threaded build; each error has its
// message and the next run works; Stop on an endless loop recovers; links do not auto-run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { artifact, base, browser, chartData, legendMismatches, open, setField, useSharedBrowser } from './browser.mjs';

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
    if (action === 'compare') {
      assert.match(await page.textContent('#fn table.data'), /blind/);
      assert.deepEqual(await legendMismatches(page, '#fn'), [], 'every bar in its legend colour');
    }
  }
  // Ctrl-Enter in the editor runs the cell's first action (Optimize) and adds no line.
  const lines = await page.locator('#fn .cm-line').count();
  await page.evaluate(() => document.querySelector('#fn .out').replaceChildren());
  await page.click('#fn .cm-content');
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('#fn .out [data-plan]', { timeout: 60_000 });
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

/** What the function cell shows under its buttons: the result area's text and its charts. */
const shown = (page) => page.evaluate(() => ({
  text: document.querySelector('#fn .out').textContent,
  charts: document.querySelectorAll('#fn .chart').length,
  tables: document.querySelectorAll('#fn table').length,
}));

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
    ['syntax error', 'x =>\n  x +* 2', 'i => i', 1000, /Syntax error in the function at line 2, column \d+: Unexpected token/],
    ['throw', "x => { if (x === 123) throw new Error('boom'); return x; }", 'i => i', 1000, /threw on item 123: Error: boom/],
    ['not serializable', 'x => () => x', 'i => i', 1000, /value JSON cannot hold for item 0: a function/],
    ['no return', 'x => { x * 2 }', 'i => i', 1000, /forget `return`/],
    ['Infinity', 'x => (x + 1) / 0', 'i => i', 100, /JSON cannot hold for item 0: Infinity \(JSON has no NaN or Infinity\)/],
    ['too much memory', 'x => x.length', "i => 'x'.repeat(1000000)", 1000, /The items for 1000 items would take about [\d.]+ MB .*more than the/],
  ];
  await good('nothing');
  for (const [label, fn, items, n, message] of cases) {
    assert.match(await page.textContent('#fn .out'), /Ran /);
    await setSource(page, fn);
    await page.fill('#fn textarea[name="items"]', items);
    await setField(page, 'fn', 'n', n);
    const r = await act(page, 'execute');
    assert.equal(r.state, 'error', `${label}: ${r.error}`);
    assert.match(r.error, message, label);
    const shot = label === 'syntax error' && artifact('lab-function-syntax-error-1280.png');
    if (shot) await page.locator('#fn').screenshot({ path: shot });
    // Nothing under the error may pass for its result: the earlier run's output is gone.
    assert.deepEqual(await shown(page), { text: '', charts: 0, tables: 0 }, `${label}: nothing of the earlier result is left`);
    await good(label);
  }
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('isolated: a failed Optimize after a Run leaves nothing of the Run under its error', { timeout: 120_000 }, async () => {
  const page = await openFunction(base.isolated, { fn: 'x => x / 7', items: 'i => i', n: 200 });
  let r = await act(page, 'execute');
  assert.equal(r.state, 'done', r.error);
  // 200 cheap items run in microseconds: the run's own reading comes with the steady one.
  assert.match(await page.textContent('#fn [data-ran]'), /^Ran .+ in .+ \(predicted .+; back to back a run takes .+\)\.$/);
  assert.ok((await shown(page)).tables > 0);
  await setSource(page, 'x => {');
  r = await act(page, 'optimize');
  assert.equal(r.state, 'error');
  // A source that stops short is told where it ends, not pointed past its last line.
  assert.match(r.error, /Your code failed\. Syntax error in the function: it ends at line 1, column 7 before it is complete/);
  assert.deepEqual(await shown(page), { text: '', charts: 0, tables: 0 });
  assert.equal(await page.locator('#fn [data-ran], #fn [data-preview]').count(), 0);
  const shot = artifact('lab-function-error-cleared-1280.png');
  if (shot) await page.locator('#fn').screenshot({ path: shot });
  // Nor is it drawn again from the session after a reload.
  await page.reload();
  await page.waitForSelector('#fn[data-editor="ready"]', { timeout: 30_000 });
  await page.waitForTimeout(300);
  assert.equal(await page.locator('#fn [data-ran]').count(), 0);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the editor: each line number sits on its line, below the fold and in view, at 1280 and 375 px', { timeout: 120_000 }, async () => {
  for (const [width, height] of [[1280, 900], [375, 812]]) {
    // The catalog cell comes first here, so the function cell's editor opens below the fold.
    const page = await open(browser, `${base.isolated}#/lab?cost_us=20&n=1000`, { width, height });
    await page.waitForSelector('#fn[data-editor="ready"]', { timeout: 30_000 });
    const offsets = () => page.evaluate(() => {
      // The line-number gutter's first element is CodeMirror's invisible width spacer.
      const numbers = [...document.querySelectorAll('#fn .cm-lineNumbers .cm-gutterElement')].slice(1);
      const lines = [...document.querySelectorAll('#fn .cm-line')];
      return { count: [numbers.length, lines.length], off: numbers.map((n, i) => {
        const a = n.getBoundingClientRect();
        const b = lines[i].getBoundingClientRect();
        return Math.max(Math.abs(a.top - b.top), Math.abs(a.bottom - b.bottom));
      }) };
    });
    const below = await offsets();
    assert.equal(below.count[0], below.count[1]);
    assert.ok(below.count[0] >= 5);
    assert.ok(Math.max(...below.off) <= 1, `${width} px, below the fold: numbers off their lines by ${below.off.map((o) => o.toFixed(1)).join(', ')} px`);
    await page.locator('#fn .fn-editor').scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.querySelector('#fn .fn-editor').dataset.gutter === 'measured', null, { timeout: 5000 });
    const inView = await offsets();
    assert.ok(Math.max(...inView.off) <= 1, `${width} px, in view: numbers off their lines by ${inView.off.map((o) => o.toFixed(1)).join(', ')} px`);
    const shot = artifact(`lab-function-gutter-${width}.png`);
    if (shot) await page.locator('#fn .fn-grid').screenshot({ path: shot });
    assert.deepEqual(page.problems, []);
    await page.context().close();
  }
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

test('isolated: an edited preset no longer passes for the preset, and choosing a preset restores it', { timeout: 60_000 }, async () => {
  const page = await openFunction(base.isolated, { preset: 'collatz' });
  const shown = () => page.evaluate(() => {
    const select = document.querySelector('#fn select[name="preset"]');
    const python = document.querySelector('#fn .fn-python-box');
    const query = new URLSearchParams(location.hash.split('?')[1]);
    return {
      preset: select.value,
      says: select.selectedOptions[0].textContent,
      python: python.hidden ? null : python.querySelector('.fn-label').textContent,
      link: query.get('preset') ?? query.get('fn.preset'),
    };
  });
  const original = await shown();
  assert.deepEqual(original, { preset: 'collatz', says: 'Uneven: Collatz steps', python: 'The Python original', link: 'collatz' });
  const presetCode = await page.evaluate(() => document.querySelector('#fn .cm-content').innerText);

  // Edited code: the list and the Python say it is no longer the preset, and the address holds the code.
  await setSource(page, 'x => x + 1');
  await page.waitForFunction(() => !/preset=/.test(location.hash));
  const edited = await shown();
  assert.equal(edited.preset, 'edited');
  assert.equal(edited.says, 'Custom (edited from Uneven: Collatz steps)');
  assert.match(edited.python, /^The Python original of the preset your code is edited from \(Uneven: Collatz steps\)$/);
  assert.equal(edited.link, null);

  // Choosing the preset again restores its code, its Python and its link.
  await page.selectOption('#fn select[name="preset"]', 'collatz');
  await page.waitForFunction(() => /preset=collatz/.test(location.hash));
  assert.deepEqual(await shown(), original);
  assert.equal(await page.evaluate(() => document.querySelector('#fn .cm-content').innerText), presetCode);
  assert.equal(await page.locator('#fn select[name="preset"] option[value="edited"]').count(), 0);

  // Edited items alone are an edit too; undoing the edit by hand is the preset again.
  await page.fill('#fn textarea[name="items"]', 'i => i + 2');
  assert.equal((await shown()).says, 'Custom (edited from Uneven: Collatz steps)');
  await page.fill('#fn textarea[name="items"]', 'i => i + 1');
  assert.equal((await shown()).preset, 'collatz');
  const shot = artifact('lab-function-preset-375.png');
  await page.fill('#fn textarea[name="items"]', 'i => i + 2');
  await page.setViewportSize({ width: 375, height: 812 });
  if (shot) await page.locator('#fn .fn-controls').screenshot({ path: shot });
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - innerWidth), 0, 'no overflow at 375 px');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a mistyped link says what is wrong with it, in words', { timeout: 60_000 }, async () => {
  const page = await openFunction(base.isolated, { share: 'not-a-share-link' });
  await page.waitForFunction(() => /could not be read/.test(document.querySelector('#fn .note').textContent));
  const said = await page.textContent('#fn .note');
  assert.match(said, /This link could not be read: the text after "share=" is not what "Share link" writes/);
  assert.doesNotMatch(said, /fetch|atob|JSON|Unexpected/i, 'no browser error text');
  await page.context().close();

  const preset = await openFunction(base.isolated, { preset: 'nope' });
  const notice = await preset.textContent('#fn .intro .notice');
  assert.equal(notice, 'Link value "nope" is not a preset (cpu-loop, transactions, collatz, io-wait); ignored.');
  assert.equal(await preset.inputValue('#fn select[name="preset"]'), 'cpu-loop');
  assert.deepEqual(preset.problems, []);
  await preset.context().close();
});
