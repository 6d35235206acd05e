// The built dist/ on static hosts, under a sub-path (/amorsize/), as a visitor meets it:
// - a host that sends no headers (GitHub Pages): the service worker isolates the page after one
//   reload, threads run, and a second visit works with the network cut;
// - a host that sends dist/_headers (Netlify, Cloudflare Pages): threaded at once, no reload,
//   under the Content-Security-Policy, with a first visit of at most 300 KB gzipped;
// - a cell's Embed button gives the snippet for that cell and its changed parameters.
// Needs a built dist/ (`cargo xtask dist`); `cargo xtask test` runs it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { artifact, launch } from './browser.mjs';
import { serveDist } from './headers-server.mjs';

const DIST = resolve(process.env.AMORSIZE_DIST ?? 'dist');
const skip = existsSync(join(DIST, '_headers')) ? false : `${DIST}/_headers is missing: run \`cargo xtask dist\``;
const BUDGET = 300 * 1024;

let browser;
before(async () => { if (!skip) browser = await launch(); });
after(async () => { await browser?.close(); });

function watch(page) {
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return problems;
}

const modeOf = (page) => page.waitForFunction(() => {
  const m = document.querySelector('#mode');
  return m?.dataset.threaded !== undefined && { threaded: m.dataset.threaded === 'true', threads: Number(m.dataset.threads), isolated: self.crossOriginIsolated, text: m.textContent };
}, null, { timeout: 90_000 }).then((h) => h.jsonValue());

async function runCell(page, id, fields = {}) {
  for (const [name, value] of Object.entries(fields)) await page.locator(`#${id} [name="${name}"]`).fill(String(value));
  await page.locator(`#${id} button.run`).first().click();
  await page.waitForFunction((cellId) => ['done', 'error'].includes(document.getElementById(cellId)?.dataset.state), id, { timeout: 120_000 });
  return page.locator(`#${id}`).getAttribute('data-state');
}

test('header-less host under a sub-path: the service worker isolates after one reload; threads; offline second visit', { skip, timeout: 300_000 }, async () => {
  const host = await serveDist({ root: DIST, headers: false });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    const problems = watch(page);
    let navigations = 0;
    let reloaded;
    const secondLoad = new Promise((ok) => { reloaded = ok; });
    page.on('load', () => { if (++navigations === 2) reloaded(); });
    await page.goto(host.url);
    // The first load starts single-threaded until the worker controls the page and reloads it;
    // the mode is read after that reload (the first load's page goes away with it).
    let waited;
    await Promise.race([secondLoad, new Promise((_, fail) => { waited = setTimeout(() => fail(new Error('the service worker did not reload the page within 60 s')), 60_000); })])
      .finally(() => clearTimeout(waited));
    const mode = await modeOf(page);
    assert.equal(mode.isolated, true, `not isolated after the service worker: ${mode.text}`);
    assert.equal(mode.threaded, true, mode.text);
    assert.ok(mode.threads > 1, `threads: ${mode.threads}`);
    assert.equal(navigations, 2, 'one load and exactly one reload');
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.scope);
    assert.equal(scope, host.url, 'the worker is scoped to the sub-path');
    assert.equal(await runCell(page, 'one-click-optimize', { n: 2000 }), 'done');
    assert.match(await page.textContent('#one-click-optimize .out'), /worker|serial/i);
    // Once idle, the worker caches the rest of the app (other pages, the chart library).
    const cached = await page.evaluate(() => self.amorsizeOffline);
    assert.ok(cached?.cached > 10, `offline cache: ${JSON.stringify(cached)}`);
    await page.close();

    await context.setOffline(true);
    const again = await context.newPage();
    const offlineProblems = watch(again);
    await again.goto(`${host.url}#/performance`);
    const offlineMode = await modeOf(again);
    assert.equal(offlineMode.threaded, true, `offline: ${offlineMode.text}`);
    await again.waitForSelector('#main .cell', { timeout: 30_000 }); // the page rendered offline
    assert.equal(await runCell(again, 'where-the-time-goes', { n: 2000 }), 'done', 'a cell runs offline');
    await again.waitForFunction(() => document.querySelector('#where-the-time-goes canvas'), null, { timeout: 30_000 });
    await again.screenshot({ path: artifact('host-offline.png') ?? '/tmp/host-offline.png' });
    assert.deepEqual([...problems, ...offlineProblems], []);
  } finally {
    await context.close();
    await host.close();
  }
});

test('host sending dist/_headers: threaded with no reload, under the CSP, first visit within budget', { skip, timeout: 240_000 }, async () => {
  const host = await serveDist({ root: DIST, headers: true });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    const problems = watch(page);
    const bodies = [];
    page.on('response', (r) => bodies.push(r.body().then((b) => ({ url: r.url(), raw: b.length, gz: gzipSync(b, { level: 9 }).length })).catch(() => null)));
    let navigations = 0;
    page.on('load', () => navigations++);
    const response = await page.goto(host.url);
    assert.match(response.headers()['content-security-policy'] ?? '', /script-src 'self' 'wasm-unsafe-eval'/);
    const mode = await modeOf(page);
    assert.equal(mode.threaded, true, mode.text);
    assert.ok(mode.threads > 1);
    assert.equal(navigations, 1, 'no reload when the host sends the headers');
    await page.waitForLoadState('networkidle');
    // Page weight of a first visit: everything the page and its workers fetched before any run.
    // Each URL once (the pool's workers fetch their script again, from the HTTP cache on a real
    // host), and no blob: URLs (made in memory from those scripts).
    const seen = new Set();
    const files = (await Promise.all(bodies)).filter((f) => f && f.url.startsWith('http') && !seen.has(f.url) && seen.add(f.url));
    const total = files.reduce((s, f) => s + f.gz, 0);
    const table = files.sort((a, b) => b.gz - a.gz).map((f) => `${(f.gz / 1024).toFixed(1).padStart(7)} KiB gz ${(f.raw / 1024).toFixed(1).padStart(8)} KiB  ${f.url.replace(host.url, '')}`);
    const report = `first visit: ${files.length} files, ${(total / 1024).toFixed(1)} KiB gzipped\n${table.join('\n')}\n`;
    console.log(report);
    const out = artifact('first-visit-weight.txt');
    if (out) writeFileSync(out, report);
    assert.ok(total <= BUDGET, report);

    // A chart under the CSP: the chart library loads on the first chart.
    await page.goto(`${host.url}#/`);
    assert.equal(await runCell(page, 'diagnostics', { n: 2000 }), 'done');
    await page.waitForFunction(() => document.querySelector('#diagnostics canvas'), null, { timeout: 30_000 });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    await host.close();
  }
});

test('a cell\'s Embed button gives the snippet with its id and changed parameters', { skip, timeout: 120_000 }, async () => {
  const host = await serveDist({ root: DIST, headers: true });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    await page.goto(host.url);
    await modeOf(page);
    await page.locator('#worker-count-sweep [name="n"]').fill('3000');
    await page.locator('#worker-count-sweep .embed-toggle').click();
    const snippet = await page.locator('#worker-count-sweep .embed-code').inputValue();
    assert.match(snippet, new RegExp(`<script src="${host.url}www/embed.js" defer></script>`));
    assert.match(snippet, /<div data-amorsize="getting-started\/worker-count-sweep" data-n="3000"><\/div>/);
    assert.doesNotMatch(snippet, /data-repeats/, 'unchanged parameters stay out');
    await page.screenshot({ path: artifact('host-embed-snippet.png') ?? '/tmp/host-embed-snippet.png', clip: await page.locator('#worker-count-sweep').boundingBox() });
  } finally {
    await context.close();
    await host.close();
  }
});
