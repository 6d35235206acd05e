// Shared set-up for the browser tests and the benchmark: Chromium via playwright-core, and the
// base URLs (AMORSIZE_URL / AMORSIZE_URL_NO_ISOLATION, or our own servers for dist/).
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import { startServer } from './static-server.mjs';

export const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: ARGS });
}

export async function urls() {
  if (process.env.AMORSIZE_URL && process.env.AMORSIZE_URL_NO_ISOLATION) {
    return { isolated: process.env.AMORSIZE_URL, plain: process.env.AMORSIZE_URL_NO_ISOLATION, close: () => {} };
  }
  const root = resolve(process.env.AMORSIZE_DIST ?? 'dist');
  if (!existsSync(join(root, 'index.html'))) return null;
  const a = await startServer({ root, isolated: true });
  const b = await startServer({ root, isolated: false });
  return { isolated: a.url, plain: b.url, close: () => { a.server.close(); b.server.close(); } };
}

/** The Chromium and base URLs a test file shares, set by useSharedBrowser()'s hooks. */
export let browser = null;
export let base = null;

/** Registers the hooks that start Chromium and the servers before a file's tests and stop them after. */
export function useSharedBrowser() {
  before(async () => {
    base = await urls();
    if (!base) throw new Error('no dist/index.html and no AMORSIZE_URL: build with `cargo xtask dist` first');
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    base?.close();
  });
}

/**
 * Resolves once the page's main thread has been idle for three idle periods in a row, each with
 * at least 40 ms to spare (with nothing scheduled, Chromium grants 50 ms), or after `limitMs`;
 * returns the milliseconds it waited. Just after the engine is ready, the page is still
 * rendering: its main thread took 240 ms of CPU in the next 500 ms, and on 2 cores a decision
 * then took 40-108 ms against 32-52 ms once the page was idle.
 */
export function settled(page, limitMs = 5000) {
  return page.evaluate((limit) => new Promise((done) => {
    const start = performance.now();
    let quiet = 0;
    const check = (deadline) => {
      quiet = deadline.timeRemaining() >= 40 ? quiet + 1 : 0;
      const waited = performance.now() - start;
      if (quiet >= 3 || waited >= limit) done(Math.round(waited));
      else requestIdleCallback(check);
    };
    requestIdleCallback(check);
  }), limitMs);
}

export function artifact(name) {
  const dir = process.env.ARTIFACTS_DIR;
  if (!dir) return null;
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

/**
 * Opens `url`, collecting console errors and page errors into page.problems. `options` go to
 * the browser context (e.g. bypassCSP, for a test that injects a script under the app's CSP).
 */
export async function open(browser, url, viewport = { width: 1280, height: 900 }, options = {}) {
  const context = await browser.newContext({ viewport, ...options });
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
  await page.waitForFunction(() => document.querySelector('#mode')?.dataset.threaded !== undefined, null, { timeout: 60_000 });
  return page;
}

export async function setField(page, cellId, name, value) {
  const input = page.locator(`#${cellId} [name="${name}"]`);
  if ((await input.evaluate((e) => e.tagName)) === 'SELECT') await input.selectOption(String(value));
  else await input.fill(String(value));
}

/** Series data lengths of every chart in `scope` (via the ECharts instances). */
export function chartData(page, scope = 'main') {
  return page.evaluate(async (sel) => {
    // Charts load their library on the first chart: wait for every chart to be drawn.
    await Promise.all([...document.querySelectorAll(`${sel} .figure`)].map((f) => f.box?.ready));
    const echarts = await import(new URL('vendor/echarts.js', document.baseURI).href);
    return [...document.querySelectorAll(`${sel} .chart`)].map((el) => {
    const chart = echarts.getInstanceByDom(el);
    const series = chart?.getOption().series ?? [];
    return { title: el.getAttribute('aria-label'), lengths: series.map((s) => (s.data ?? []).filter((d) => d !== null && d !== undefined).length) };
  });
  }, scope);
}

/**
 * Every drawn data item, in every chart in `scope` that shows a legend, whose colour is not its
 * series' legend colour (a bar recoloured per item, e.g. red below 1x, under a blue swatch).
 * ECharts gives the legend icon the series' visual style and each item its own.
 */
export function legendMismatches(page, scope = 'main') {
  return page.evaluate(async (sel) => {
    await Promise.all([...document.querySelectorAll(`${sel} .figure`)].map((f) => f.box?.ready));
    const echarts = await import(new URL('vendor/echarts.js', document.baseURI).href);
    const wrong = [];
    for (const node of document.querySelectorAll(`${sel} .chart`)) {
      const chart = echarts.getInstanceByDom(node);
      if (!chart || chart.getOption().legend?.[0]?.show === false) continue;
      for (const series of chart.getModel().getSeries()) {
        if (!['bar', 'line', 'scatter'].includes(series.subType)) continue;
        const data = series.getData();
        const legend = data.getVisual('style');
        for (let i = 0; i < data.count(); i++) {
          if (!Number.isFinite(Number(data.get(data.mapDimension('y'), i)))) continue; // not drawn
          const item = data.getItemVisual(i, 'style');
          for (const key of ['fill', 'stroke']) {
            if (item?.[key] !== legend?.[key]) wrong.push({ chart: node.getAttribute('aria-label').slice(0, 60), series: series.name, item: i, [key]: item?.[key], legend: legend?.[key] });
          }
        }
      }
    }
    return wrong;
  }, scope);
}

/**
 * For every chart in `scope` with a legend: its series' names, the legend entries ECharts drew
 * (name and box), the other texts above the plot (axis names, reference-line labels) and the plot.
 */
export function legendLayout(page, scope = 'main') {
  return page.evaluate(async (sel) => {
    await Promise.all([...document.querySelectorAll(`${sel} .figure`)].map((f) => f.box?.ready));
    const echarts = await import(new URL('vendor/echarts.js', document.baseURI).href);
    const out = [];
    for (const node of document.querySelectorAll(`${sel} .chart`)) {
      const chart = echarts.getInstanceByDom(node);
      if (!chart || chart.getOption().legend?.[0]?.show === false) continue;
      const names = [...new Set(chart.getModel().getSeries().map((s) => s.name))];
      const plot = chart.getModel().getComponent('grid').coordinateSystem.getRect();
      const texts = [];
      for (const e of chart.getZr().storage.getDisplayList()) {
        const text = e.style?.text;
        if (typeof text !== 'string' || !text) continue;
        const box = e.getBoundingRect().clone();
        box.applyTransform(e.getComputedTransform());
        if (box.y + box.height <= plot.y + 1) texts.push({ text, legend: names.includes(text), x: box.x, y: box.y, width: box.width, height: box.height });
      }
      out.push({ chart: node.getAttribute('aria-label').slice(0, 50), width: node.clientWidth, names, plot: { y: plot.y }, texts });
    }
    return out;
  }, scope);
}
