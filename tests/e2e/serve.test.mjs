// Smoke test of `cargo xtask serve`: the isolated port gives a cross-origin isolated page
// (SharedArrayBuffer, threads), the other port does not. Run by `cargo xtask test`, which sets
// AMORSIZE_URL, AMORSIZE_URL_NO_ISOLATION and ARTIFACTS_DIR.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const URL_ISOLATED = process.env.AMORSIZE_URL;
const URL_PLAIN = process.env.AMORSIZE_URL_NO_ISOLATION;
const ARTIFACTS = process.env.ARTIFACTS_DIR;
// Run alone without its servers, this file fails rather than passing with nothing tested.
if (!URL_ISOLATED || !URL_PLAIN) {
  throw new Error('AMORSIZE_URL and AMORSIZE_URL_NO_ISOLATION are not set: run through `cargo xtask test`, or set them to the ports of `cargo xtask serve`');
}

let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
});

async function open(url, name) {
  const page = await browser.newPage();
  const response = await page.goto(url, { waitUntil: 'load' });
  assert.equal(response.status(), 200, `${url} answered ${response.status()}`);
  if (ARTIFACTS) {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, `serve-${name}.png`) });
  }
  return { page, response };
}

test('isolated port: crossOriginIsolated === true', async () => {
  const { page, response } = await open(URL_ISOLATED, 'isolated');
  const headers = response.headers();
  assert.equal(headers['cross-origin-opener-policy'], 'same-origin');
  assert.equal(headers['cross-origin-embedder-policy'], 'require-corp');
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);
  assert.equal(await page.evaluate(() => typeof SharedArrayBuffer), 'function');
  await page.close();
});

test('no-isolation port: crossOriginIsolated === false', async () => {
  const { page, response } = await open(URL_PLAIN, 'no-isolation');
  assert.equal(response.headers()['cross-origin-opener-policy'], undefined);
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), false);
  await page.close();
});

test('both builds are served with the wasm MIME type', async () => {
  for (const path of ['amorsize_bg.wasm', 'st/amorsize_bg.wasm', 'st/amorsize.js']) {
    const res = await fetch(new URL(path, URL_ISOLATED));
    assert.equal(res.status, 200, path);
    const type = res.headers.get('content-type');
    assert.match(type, path.endsWith('.wasm') ? /^application\/wasm/ : /^text\/javascript/, path);
    await res.arrayBuffer();
  }
});
