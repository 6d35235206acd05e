// Share links, session memory and strict input in the browser: the address holds every cell's
// parameters, a copied link restores them elsewhere without running anything, results survive a
// page switch, Back and reload, unknown or hostile input gets a message and never markup, and a
// page that is left cancels its work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { artifact, base, browser, open, setField, useSharedBrowser } from './browser.mjs';

useSharedBrowser();

/** open(), also collecting console warnings (a clean load logs none). */
async function openStrict(url, viewport) {
  const page = await open(browser, url, viewport);
  page.on('console', (m) => { if (m.type() === 'warning') page.problems.push(`warning: ${m.text()}`); });
  return page;
}

const onPage = (page, name) => page.waitForFunction((p) => document.querySelector('main').dataset.page === p, name, { timeout: 30_000 });
const hash = (page) => page.evaluate(() => decodeURIComponent(location.hash));
const settled = (page, id) => page.waitForFunction((i) => ['done', 'error', 'cancelled'].includes(document.getElementById(i)?.dataset.state), id, { timeout: 90_000 });

test('share: edits go to the address, and a copied link restores them in a new browser without running', { timeout: 120_000 }, async () => {
  const page = await openStrict(`${base.isolated}#/lab`);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(base.isolated).origin });
  await onPage(page, 'lab');
  await setField(page, 'lab', 'workload', 'cpu-loop');
  await page.waitForSelector('#lab [name="p.iterations"]');
  await setField(page, 'lab', 'p.iterations', 777);
  await setField(page, 'lab', 'n', 1234);
  await setField(page, 'lab', 'transfer', 'copy');
  const address = await hash(page);
  for (const part of ['workload=cpu-loop', 'iterations=777', 'n=1234', 'transfer=copy']) assert.ok(address.includes(part), `${part} in ${address}`);
  await page.click('#lab .copy-link');
  await page.waitForFunction(() => document.querySelector('#lab .link-status').textContent || document.querySelector('#lab .link-box'));
  const link = await page.evaluate(() => document.querySelector('#lab .link-box')?.value ?? navigator.clipboard.readText());
  assert.match(link, /#\/lab\/lab\?/);

  const other = await openStrict(link);
  await onPage(other, 'lab');
  assert.equal(await other.inputValue('#lab [name="workload"]'), 'cpu-loop');
  assert.equal(await other.inputValue('#lab [name="p.iterations"]'), '777');
  assert.equal(await other.inputValue('#lab [name="n"]'), '1234');
  assert.equal(await other.inputValue('#lab [name="transfer"]'), 'copy');
  await other.waitForTimeout(500);
  assert.equal(await other.getAttribute('#lab', 'data-state'), 'idle', 'opening a link never runs');
  assert.equal(await other.evaluate(() => window.amorsize.engine.activity().running), null);
  assert.deepEqual(other.problems, []);
  await other.context().close();

  // A page of several cells: each cell's edits are kept under its id, through a reload.
  await page.goto(`${base.isolated}#/tuning`);
  await onPage(page, 'tuning');
  await setField(page, 'the-full-grid', 'workers', '1, 3');
  await setField(page, 'adaptive-tuner-vs-full-grid-vs-the-model', 'repeats', 2);
  assert.match(await hash(page), /the-full-grid\.workers=1,3(&|$)/);
  await page.reload();
  await onPage(page, 'tuning');
  assert.equal(await page.inputValue('#the-full-grid [name="workers"]'), '1, 3');
  assert.equal(await page.inputValue('#adaptive-tuner-vs-full-grid-vs-the-model [name="repeats"]'), '2');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('persist: a result survives a page switch, Back and reload in the same tab', { timeout: 180_000 }, async () => {
  const page = await openStrict(`${base.isolated}#/tuning`);
  await onPage(page, 'tuning');
  await setField(page, 'the-full-grid', 'workers', '1, 2');
  await setField(page, 'the-full-grid', 'chunk_sizes', '8, 64');
  await setField(page, 'the-full-grid', 'repeats', 1);
  await page.click('#the-full-grid button.run');
  await settled(page, 'the-full-grid');
  assert.equal(await page.getAttribute('#the-full-grid', 'data-state'), 'done');
  const summary = await page.textContent('#the-full-grid [data-sweep]');
  const charts = await page.locator('#the-full-grid .chart').count();
  assert.ok(charts >= 1);

  // A heading anchor names the cell; it and Back keep the page as it is (no new rendering).
  await page.evaluate(() => { window.cellNode = document.getElementById('the-full-grid'); });
  await page.evaluate(() => document.querySelector('#the-full-grid h2 a.anchor').click());
  await page.waitForFunction(() => location.hash === '#/tuning/the-full-grid');
  await page.goBack();
  await page.waitForFunction(() => location.hash.includes('the-full-grid.workers'));
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => window.cellNode === document.getElementById('the-full-grid')), true, 'same cell, not re-rendered');

  await page.click('nav a[data-route="lab"]');
  await onPage(page, 'lab');
  await page.goBack();
  await onPage(page, 'tuning');
  await page.waitForSelector('#the-full-grid[data-restored="true"]');
  assert.equal(await page.textContent('#the-full-grid [data-sweep]'), summary, 'the same result, not a new run');
  assert.equal(await page.locator('#the-full-grid .chart').count(), charts);

  await page.click('nav a[data-route="use-cases"]');
  await onPage(page, 'use-cases');
  await page.click('nav a[data-route="tuning"]');
  await onPage(page, 'tuning');
  await page.waitForSelector('#the-full-grid[data-restored="true"]');
  assert.equal(await page.inputValue('#the-full-grid [name="chunk_sizes"]'), '8, 64', 'a nav link restores the page as it was left');

  await page.reload();
  await onPage(page, 'tuning');
  await page.waitForSelector('#the-full-grid[data-restored="true"]');
  assert.equal(await page.textContent('#the-full-grid [data-sweep]'), summary);
  // Other parameters: the saved result is for different ones, so it is not shown.
  await page.goto(`${base.isolated}#/tuning?the-full-grid.workers=1,3`);
  await onPage(page, 'tuning');
  await page.waitForTimeout(300);
  assert.equal(await page.getAttribute('#the-full-grid', 'data-state'), 'idle');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('input: unknown pages, hostile and malformed links get messages and never markup; the skip link only moves focus', { timeout: 120_000 }, async () => {
  const page = await openStrict(`${base.isolated}#/nope`);
  await onPage(page, 'not-found');
  assert.match(await page.textContent('main h1'), /not found/i);
  assert.equal(await page.locator('main a[href^="#/"]').count(), 5);
  await page.click('main a[href="#/lab"]');
  await onPage(page, 'lab');

  const evil = '<img src=x onerror="window.pwned=1">';
  const query = new URLSearchParams({ n: evil, cost_us: '0x10', cv: 'NaN', repeats: '1e400', bytes_in: '99999999999', bogus: `<script>window.pwned=1</script>` });
  await page.goto(`${base.isolated}#/lab?${query}`);
  await onPage(page, 'lab');
  // The link's values are applied once the Lab has built its fields: wait for each message.
  const error = async (name) => {
    const selector = `#lab [data-field="${name}"] .field-error`;
    await page.waitForFunction((s) => document.querySelector(s)?.textContent, selector, { timeout: 10_000 }).catch(() => {});
    return page.textContent(selector);
  };
  assert.match(await error('n'), /not a decimal number/);
  assert.match(await error('p.cost_us'), /"0x10" is not a decimal number/);
  assert.match(await error('p.cv'), /not a decimal number/);
  assert.match(await error('repeats'), /not a decimal number|too large/);
  assert.match(await error('p.bytes_in'), /at most/);
  assert.match(await page.textContent('#lab .intro .notice'), /bogus/);
  assert.equal(await page.inputValue('#lab [name="n"]'), String(await page.evaluate(() => window.amorsize.engine.catalog.find((w) => w.name === 'parametric').default_n)), 'the rest keeps its defaults');
  assert.equal(await page.locator('main img, main script').count(), 0);
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.pwned), undefined);

  await page.goto(`${base.isolated}#/lab/${encodeURIComponent('<b>x</b>')}`);
  await onPage(page, 'lab');
  assert.match(await page.textContent('main .page-head .notice'), /not a cell name/);
  assert.equal(await page.locator('main b').count(), 0);

  const before = await page.evaluate(() => location.hash);
  await page.focus('a.skip');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
  assert.equal(await page.evaluate(() => location.hash), before);
  assert.equal(await page.getAttribute('main', 'data-page'), 'lab');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('threads parameter: validated, and the mode line says what was used', { timeout: 120_000 }, async () => {
  for (const bad of ['abc', '0', '1000', '0x4']) {
    const page = await openStrict(`${base.isolated}?threads=${encodeURIComponent(bad)}#/lab`);
    assert.match(await page.textContent('[data-alert="threads"]'), new RegExp(`threads .*${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(await page.textContent('#mode'), /default pool size/);
    await page.context().close();
  }
  const page = await openStrict(`${base.isolated}#/lab?threads=3`);
  assert.equal(await page.getAttribute('#mode', 'data-threads'), '3');
  assert.match(await page.textContent('#mode'), /3 threads .*set by threads=3/);
  assert.equal(await page.locator('[data-alert="threads"]').count(), 0);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('leaving a page cancels its run; a waiting request names what it waits behind', { timeout: 120_000 }, async () => {
  const page = await openStrict(`${base.isolated}#/lab?workload=cpu-loop&repeats=15`);
  await onPage(page, 'lab');
  await page.click('#lab [data-action="sweep"]');
  await page.waitForFunction(() => Number(document.querySelector('#lab').dataset.progress ?? 0) > 0, null, { timeout: 30_000 });
  await page.click('nav a[data-route="performance"]');
  await onPage(page, 'performance');
  await page.waitForFunction(() => window.amorsize.engine.activity().running === null, null, { timeout: 3000 });
  const t0 = Date.now();
  await page.evaluate(() => window.amorsize.engine.optimize({ workload: 'cpu-loop', n: 200 }));
  assert.ok(Date.now() - t0 < 10_000, 'nothing queued in front of the next request');

  await page.goto(`${base.isolated}#/lab`);
  await onPage(page, 'lab');
  await page.evaluate(() => {
    // Never refused as too long on a slow machine: then nothing would wait behind it.
    window.bg = window.amorsize.engine.request({ kind: 'sweep', job: { workload: 'cpu-loop' }, repeats: 15, allow_long: true }, { label: 'background sweep' });
    window.bgEnded = window.bg.then(() => 'answered', (e) => e.kind);
  });
  await page.click('#lab [data-action="optimize"]');
  await page.waitForFunction(() => document.querySelector('#lab .progress-text').textContent.includes('waiting behind “background sweep”'), null, { timeout: 10_000 });
  await page.evaluate(() => window.amorsize.engine.cancel(window.bg));
  assert.equal(await page.evaluate(() => window.bgEnded), 'cancelled');
  await settled(page, 'lab');
  assert.equal(await page.getAttribute('#lab', 'data-state'), 'done');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('watchdog: a silent engine is named on the page, with a restart that works', { timeout: 120_000 }, async () => {
  const page = await openStrict(`${base.isolated}#/lab`);
  await onPage(page, 'lab');
  await page.evaluate(() => {
    const engine = window.amorsize.engine;
    engine.watchdogMs = 400;
    window.stuck = engine.execute({ workload: 'parametric', params: { cost_us: 1000000 }, n: 4 }, { shape: 'serial', label: 'a very slow serial run' });
    window.stuck.catch(() => {});
  });
  await page.waitForSelector('[data-alert="stalled"]', { timeout: 20_000 });
  assert.match(await page.textContent('[data-alert="stalled"]'), /stopped answering.*a very slow serial run/s);
  await page.click('[data-alert="stalled"] button');
  assert.equal(await page.locator('[data-alert="stalled"]').count(), 0);
  assert.equal(await page.evaluate(() => window.stuck.catch((e) => e.kind)), 'restarted');
  await page.waitForFunction(() => /threads \(cross-origin isolated\)/.test(document.querySelector('#mode').textContent), null, { timeout: 30_000 });
  await page.evaluate(() => { window.amorsize.engine.watchdogMs = 120_000; });
  await page.click('#lab [data-action="optimize"]');
  await settled(page, 'lab');
  assert.equal(await page.getAttribute('#lab', 'data-state'), 'done');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('screenshots: a restored cell and the not-found page at 1280 and 375 px', { timeout: 120_000 }, async () => {
  for (const [width, height] of [[1280, 900], [375, 812]]) {
    const page = await openStrict(`${base.isolated}#/lab?workload=parametric&n=2000&cost_us=5`, { width, height });
    await onPage(page, 'lab');
    await page.click('#lab [data-action="optimize"]');
    await settled(page, 'lab');
    await page.reload();
    await page.waitForSelector('#lab[data-restored="true"]');
    const shot = artifact(`state-lab-restored-${width}.png`);
    if (shot) await page.screenshot({ path: shot });
    await page.goto(`${base.isolated}#/nope`);
    await onPage(page, 'not-found');
    const nf = artifact(`state-not-found-${width}.png`);
    if (nf) await page.screenshot({ path: nf });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `overflow ${overflow}px at ${width}`);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  }
});

/** The cell's state, whether its result is marked out of date, and its status line. */
const cellStatus = (page, id) => page.evaluate((i) => {
  const c = document.getElementById(i);
  return { state: c.dataset.state, stale: c.dataset.stale === 'true', status: c.querySelector('.actions .status').textContent, opacity: Number(getComputedStyle(c.querySelector('.out')).opacity) };
}, id);
const staleIs = (page, id, stale) => page.waitForFunction(([i, s]) => (document.getElementById(i)?.dataset.stale === 'true') === s, [id, stale], { timeout: 10_000 });

test('stale: an edit after a run marks the result out of date until the next run, on catalog, tutorial and function cells', { timeout: 180_000 }, async () => {
  const page = await openStrict(`${base.isolated}#/lab?cost_us=20&n=1000`);
  await onPage(page, 'lab');
  await page.click('#lab [data-action="optimize"]');
  await settled(page, 'lab');
  let s = await cellStatus(page, 'lab');
  assert.equal(s.state, 'done');
  assert.equal(s.stale, false);
  assert.match(s.status, /^done in /);
  assert.match(await page.textContent('#lab .out'), /all 1,000 items/);

  // Typing, without clicking anything: the old result is dimmed and the status says why.
  await page.fill('#lab [name="n"]', '300');
  await staleIs(page, 'lab', true);
  s = await cellStatus(page, 'lab');
  assert.match(s.status, /Inputs changed: press “Optimize” again to update this result/);
  assert.ok(s.opacity < 0.6, `a stale result is dimmed (opacity ${s.opacity})`);
  assert.equal(await page.getAttribute('#lab .actions .status', 'role'), 'status', 'the status line is announced');
  // Back to the inputs the result is for: it is current again.
  await page.fill('#lab [name="n"]', '1000');
  await staleIs(page, 'lab', false);
  assert.match((await cellStatus(page, 'lab')).status, /^done in /);
  // An invalid value: the field says so, and the old result is still marked.
  await page.fill('#lab [name="n"]', '10000001');
  await staleIs(page, 'lab', true);
  assert.match(await page.textContent('#lab [data-field="n"] .field-error'), /at most/);
  await page.click('#lab [data-action="optimize"]');
  assert.match(await page.textContent('#lab .error:not([hidden])'), /Fix the highlighted parameters/);
  assert.equal((await cellStatus(page, 'lab')).stale, true, 'a refused run leaves the old result marked');
  // The next run replaces it.
  await page.fill('#lab [name="n"]', '300');
  await page.click('#lab [data-action="optimize"]');
  await settled(page, 'lab');
  s = await cellStatus(page, 'lab');
  assert.equal(s.stale, false);
  assert.equal(s.opacity, 1);
  assert.match(await page.textContent('#lab .out'), /all 300 items/);
  const shot = artifact('state-stale-lab-1280.png');
  await page.fill('#lab [name="n"]', '301');
  await staleIs(page, 'lab', true);
  if (shot) await page.locator('#lab').screenshot({ path: shot });

  // The function cell: editing the code marks its result.
  await page.waitForSelector('#fn[data-editor="ready"]');
  await setField(page, 'fn', 'n', 200);
  await page.click('#fn [data-action="optimize"]');
  await settled(page, 'fn');
  assert.equal((await cellStatus(page, 'fn')).stale, false);
  await page.click('#fn .cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.insertText('\n// edited');
  await staleIs(page, 'fn', true);

  // A tutorial page's cell, through a choice.
  await page.goto(`${base.isolated}#/performance`);
  await onPage(page, 'performance');
  await setField(page, 'where-the-time-goes', 'n', 200);
  await page.click('#where-the-time-goes button.run');
  await settled(page, 'where-the-time-goes');
  assert.equal((await cellStatus(page, 'where-the-time-goes')).stale, false);
  await setField(page, 'where-the-time-goes', 'p.distribution', 'uniform');
  await staleIs(page, 'where-the-time-goes', true);
  assert.match((await cellStatus(page, 'where-the-time-goes')).status, /Inputs changed: press “Run” again/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('links: a wrongly cased or unknown parameter is named (with the right name when only the case differs); a view says which button runs it', { timeout: 120_000 }, async () => {
  const page = await openStrict(`${base.isolated}#/lab?N=5&Cost_us=3&bogus=1&view=optimize`);
  await onPage(page, 'lab');
  const notice = await page.textContent('#lab .intro .notice');
  assert.match(notice, /Link parameter "N" is not a parameter of this cell; ignored\. Did you mean "n"\?/);
  assert.match(notice, /Link parameter "Cost_us" is not a parameter of this cell; ignored\. Did you mean "cost_us"\?/);
  assert.match(notice, /Link parameter "bogus" is not a parameter of this cell; ignored\.(?! Did)/);
  assert.equal(await page.locator('main .page-head .notice').count(), 0, 'no second, vaguer message at the top');
  const n = await page.evaluate(() => window.amorsize.engine.catalog.find((w) => w.name === 'parametric').default_n);
  assert.equal(await page.inputValue('#lab [name="n"]'), String(n), 'not applied');
  assert.match(await page.textContent('#lab .actions .status'), /This link's inputs are loaded: press “Optimize” to run/);
  assert.equal(await page.getAttribute('#lab', 'data-state'), 'idle');
  const shot = artifact('state-link-hint-375.png');
  if (shot) {
    await page.setViewportSize({ width: 375, height: 812 });
    await page.locator('#lab').screenshot({ path: shot });
  }

  // A cell of a page of several, named by the link.
  await page.goto(`${base.isolated}#/performance/per-worker-chunk-timeline?Shape=fixed`);
  await onPage(page, 'performance');
  assert.match(await page.textContent('#per-worker-chunk-timeline .intro .notice'), /"Shape" .*Did you mean "shape"\?/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('fields: a field the current choice makes irrelevant is disabled with the reason, and enabled again', { timeout: 120_000 }, async () => {
  const page = await openStrict(`${base.isolated}#/performance/per-worker-chunk-timeline`);
  await onPage(page, 'performance');
  const field = (name) => page.evaluate((n) => {
    const wrap = document.querySelector(`#per-worker-chunk-timeline [data-field="${n}"]`);
    const why = wrap.querySelector('.field-unused');
    return { disabled: wrap.querySelector('input, select').disabled, why: why && !why.hidden ? why.textContent : null };
  }, name);
  for (const name of ['workers', 'chunk_size']) {
    const f = await field(name);
    assert.equal(f.disabled, true, `${name} is off with shape = recommended`);
    assert.match(f.why, /Not used while “shape” is recommended; used with fixed/);
  }
  await setField(page, 'per-worker-chunk-timeline', 'shape', 'fixed');
  for (const name of ['workers', 'chunk_size']) assert.deepEqual(await field(name), { disabled: false, why: null });
  // A bad value in a field that stops mattering does not stop the run.
  await setField(page, 'per-worker-chunk-timeline', 'chunk_size', 'abc');
  assert.match(await page.textContent('#per-worker-chunk-timeline [data-field="chunk_size"] .field-error'), /not a decimal number/);
  await setField(page, 'per-worker-chunk-timeline', 'shape', 'recommended');
  assert.equal(await page.textContent('#per-worker-chunk-timeline [data-field="chunk_size"] .field-error'), '');
  await setField(page, 'per-worker-chunk-timeline', 'n', 200);
  await page.click('#per-worker-chunk-timeline button.run');
  await settled(page, 'per-worker-chunk-timeline');
  assert.equal(await page.getAttribute('#per-worker-chunk-timeline', 'data-state'), 'done');

  // The Lab: the spread (CV) of a constant cost means nothing.
  await page.goto(`${base.isolated}#/lab`);
  await onPage(page, 'lab');
  await page.waitForSelector('#lab [name="p.cv"]');
  assert.equal(await page.isDisabled('#lab [name="p.cv"]'), true);
  assert.match(await page.textContent('#lab [data-field="p.cv"] .field-unused'), /“How item costs vary” is constant/);
  await setField(page, 'lab', 'p.distribution', 'lognormal');
  assert.equal(await page.isDisabled('#lab [name="p.cv"]'), false);
  assert.equal(await page.isVisible('#lab [data-field="p.cv"] .field-unused'), false);
  for (const [width, height] of [[1280, 900], [375, 812]]) {
    await page.setViewportSize({ width, height });
    await setField(page, 'lab', 'p.distribution', 'constant');
    const shot = artifact(`state-unused-field-${width}.png`);
    if (shot) await page.locator('#lab .fields').screenshot({ path: shot });
  }
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
