// The Firefox leg: Debian's firefox-esr driven over WebDriver by geckodriver (Playwright cannot
// drive a stock Firefox), both installed by `cargo xtask setup`. Every page opens isolated with a
// thread pool, Getting started runs end to end via Run all, the console stays free of errors
// (WebDriver BiDi log events), and the figures keep the consistency rules.
// FIREFOX_PATH and GECKODRIVER_PATH override where the two are looked for.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Builder } from 'selenium-webdriver';
import firefox from 'selenium-webdriver/firefox.js';
import logInspector from 'selenium-webdriver/bidi/logInspector.js';
import { urls } from './browser.mjs';
import { checkConsistency } from './consistency-rules.mjs';

const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const GECKODRIVER = process.env.GECKODRIVER_PATH ?? join(process.env.CARGO_HOME ?? join(homedir(), '.cargo'), 'bin', 'geckodriver');
const PAGES = ['', 'performance', 'tuning', 'use-cases', 'lab'];

let driver;
let base;
const problems = [];
const timings = {};

before(async () => {
  for (const [what, path] of [['firefox-esr', FIREFOX], ['geckodriver', GECKODRIVER]]) {
    if (!existsSync(path)) throw new Error(`${what} not found at ${path}: run \`cargo xtask setup\``);
  }
  base = await urls();
  if (!base) throw new Error('no dist/index.html and no AMORSIZE_URL: build with `cargo xtask dist` first');
  const t = Date.now();
  const options = new firefox.Options().setBinary(FIREFOX).addArguments('-headless').enableBidi();
  driver = await new Builder()
    .forBrowser('firefox')
    .setFirefoxOptions(options)
    .setFirefoxService(new firefox.ServiceBuilder(GECKODRIVER))
    .build();
  timings.launch_s = (Date.now() - t) / 1000;
  // The log events (exceptions and console entries) are subscribed to only once the engine is
  // up. With either subscription in place while the engine worker starts its thread pool,
  // Firefox 153 now and then never finished starting it: some of the pool's workers stop
  // between their script's fetch and their first import (measured: 1 start in 10-16 with the
  // exception subscription, 0 in 40 without it). A boot that fails shows in #mode, which the
  // first test reads. The page is loaded once; the other pages are hash routes of the same
  // document, so nothing boots again.
  await driver.get(`${base.isolated}#/`);
  await until(() => document.querySelector('#mode')?.dataset.threaded !== undefined, 60_000);
  timings.first_ready_s = (Date.now() - t) / 1000;
  const logs = await logInspector(driver);
  await logs.onJavascriptException((e) => problems.push(`exception: ${e.text}`));
  await logs.onConsoleEntry((e) => { if (e.level === 'error') problems.push(`console: ${e.text}`); });
});
after(async () => {
  await driver?.quit();
  base?.close();
  console.log(`firefox timings: ${JSON.stringify(timings)}`);
});

const script = (fn, ...args) => driver.executeScript(`return (${fn})(...arguments)`, ...args);

/**
 * Waits until `fn(...args)` is true in the page. The polling runs inside the page (one async
 * script): polling from here with a synchronous script every 100 ms kept Firefox's engine
 * worker from ever starting its thread pool.
 */
async function until(fn, timeoutMs, ...args) {
  await driver.manage().setTimeouts({ script: timeoutMs });
  const ok = await driver.executeAsyncScript(`const done = arguments[arguments.length - 1];
    const args = [...arguments].slice(0, -1);
    const started = Date.now();
    const tick = () => {
      if ((${fn})(...args)) done(true);
      else if (Date.now() - started > ${timeoutMs - 500}) done(document.querySelector('#mode')?.textContent + ' | ' + document.querySelector('main')?.innerText.slice(0, 200));
      else setTimeout(tick, 100);
    };
    tick();`, ...args);
  if (ok !== true) throw new Error(`timed out after ${timeoutMs} ms waiting for ${fn}; the page shows: ${ok}`);
}

test('firefox: every page opens cross-origin isolated with a thread pool', { timeout: 180_000 }, async () => {
  const t = Date.now();
  for (const path of PAGES) {
    await driver.get(`${base.isolated}#/${path}`);
    await until((p) => document.querySelector('main')?.dataset.page === (p || 'getting-started'), 60_000, path);
    const state = await script(() => ({
      isolated: self.crossOriginIsolated,
      threaded: document.querySelector('#mode').dataset.threaded,
      threads: Number(document.querySelector('#mode').dataset.threads),
      cores: navigator.hardwareConcurrency,
    }));
    assert.equal(state.isolated, true, `${path}: crossOriginIsolated`);
    assert.equal(state.threaded, 'true', `${path}: threaded build`);
    assert.ok(state.threads > 1 && state.threads >= Math.min(state.cores, 16), `${path}: ${state.threads} pool threads on ${state.cores} cores`);
  }
  timings.pages_s = (Date.now() - t) / 1000;
  assert.deepEqual(problems, []);
});

test('firefox: Getting started runs end to end via Run all, with consistent figures', { timeout: 400_000 }, async () => {
  const t = Date.now();
  await driver.get(`${base.isolated}#/`);
  await until(() => document.querySelector('#the-problem') && document.querySelector('#mode').dataset.threaded === 'true', 60_000);
  // Small inputs, as in the Chromium suite.
  await script(() => {
    const set = (cell, name, value) => {
      const input = document.querySelector(`#${cell} [name="${name}"]`);
      input.value = String(value);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    };
    set('the-problem', 'n_tiny', 2000);
    for (const c of ['the-problem', 'time-and-speedup', 'real-world-example']) set(c, 'repeats', 2);
    set('worker-count-sweep', 'max_workers', 3);
    document.querySelector('button.run-all').click();
  });
  await until(() => document.querySelector('main').dataset.runAll === 'done', 360_000);
  timings.run_all_s = (Date.now() - t) / 1000;
  const failed = await script(() => [...document.querySelectorAll('.cell')].filter((c) => c.dataset.state === 'error').map((c) => `${c.id}: ${c.querySelector('.error')?.textContent}`));
  assert.deepEqual(failed, []);
  const charts = await script(() => document.querySelectorAll('main .chart canvas').length);
  assert.ok(charts >= 8, `${charts} charts drawn`);
  assert.deepEqual(await script(checkConsistency), []);
  assert.deepEqual(problems, []);
});
