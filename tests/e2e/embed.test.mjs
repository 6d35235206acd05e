// Embeds on another origin: www/embed-example.html, served by a "docs" server on localhost
// (the playground is on 127.0.0.1: another site), turns three <div data-amorsize> into iframes.
//   (a) docs page cross-origin isolated, frames with allow="cross-origin-isolated" (the app sends
//       COOP/COEP/CORP but no Document-Isolation-Policy): threaded;
//   (b) docs page plain, the app sends Document-Isolation-Policy: threaded;
//   (c) docs page plain, the app sends no headers: single-threaded, with a one-line notice that
//       names the frame as the reason.
// Each frame's height fits its content (also after a run), and no console errors occur.
// Screenshots of each setup at 1280 and 375 px go to ARTIFACTS_DIR.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { artifact, launch } from './browser.mjs';
import { serveDist } from './headers-server.mjs';

const DIST = resolve(process.env.AMORSIZE_DIST ?? 'dist');
const skip = existsSync(join(DIST, 'www', 'embed-example.html')) ? false : `${DIST}/www/embed-example.html is missing: run \`cargo xtask dist\``;

let browser;
before(async () => { if (!skip) browser = await launch(); });
after(async () => { await browser?.close(); });

/** The docs site: embed-example.html with its script pointed at the app, on localhost. */
function docsServer(appUrl, isolated) {
  const html = readFileSync(join(DIST, 'www', 'embed-example.html'), 'utf8')
    .replace('src="embed.js"', `src="${appUrl}www/embed.js"`)
    .replace('href="../"', `href="${appUrl}"`);
  assert.ok(html.includes(`${appUrl}www/embed.js`), 'embed-example.html loads embed.js');
  const css = readFileSync(join(DIST, 'www', 'embed-example.css'));
  const own = isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {};
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/docs/') res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...own }).end(html);
    else if (path === '/docs/embed-example.css') res.writeHead(200, { 'Content-Type': 'text/css', ...own }).end(css);
    else res.writeHead(404, own).end();
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({
    url: `http://localhost:${server.address().port}/docs/`,
    close: () => new Promise((done) => { server.closeAllConnections(); server.close(done); }),
  })));
}

async function frameModes(page) {
  const handles = await page.locator('iframe.amorsize-embed').elementHandles();
  assert.equal(handles.length, 3, 'three embeds');
  const frames = await Promise.all(handles.map((h) => h.contentFrame()));
  return Promise.all(frames.map(async (frame) => {
    const mode = await frame.waitForFunction(() => {
      const m = document.querySelector('#mode');
      const line = document.querySelector('.embed-mode');
      return m?.dataset.threaded !== undefined && document.querySelector('#main > .cell:not([hidden])') && {
        threaded: m.dataset.threaded === 'true', threads: Number(m.dataset.threads), isolated: self.crossOriginIsolated,
        line: line?.textContent ?? '', lineHeight: line?.getBoundingClientRect().height ?? 0,
        visibleCells: [...document.querySelectorAll('#main > .cell')].filter((c) => !c.hidden).map((c) => c.querySelector('h2').textContent),
        banner: !document.getElementById('banner').hidden, buttons: document.querySelectorAll('button.enable').length,
      };
    }, null, { timeout: 90_000, polling: 250 });
    return { frame, ...(await mode.jsonValue()) };
  }));
}

/** Waits until every frame is exactly as tall as its content (no inner scroll, no gap). */
async function heightsFit(page) {
  for (const h of await page.locator('iframe.amorsize-embed').elementHandles()) {
    const frame = await h.contentFrame();
    await frame.waitForFunction(() => {
      const content = Math.ceil(document.body.getBoundingClientRect().height);
      return content > 100 && Math.abs(innerHeight - content) <= 2 && document.documentElement.scrollHeight <= innerHeight + 1;
    }, null, { timeout: 20_000, polling: 250 });
  }
}

const SETUPS = [
  { name: 'a-isolated-docs-allow', docsIsolated: true, app: { headers: true, omit: ['document-isolation-policy'] }, threaded: true },
  { name: 'b-plain-docs-dip', docsIsolated: false, app: { headers: true }, threaded: true },
  { name: 'c-plain-docs-no-policy', docsIsolated: false, app: { headers: false }, threaded: false },
];

for (const setup of SETUPS) {
  test(`embeds, ${setup.name}: ${setup.threaded ? 'threaded' : 'single-threaded with a one-line notice'}, heights fit`, { skip, timeout: 300_000 }, async () => {
    const app = await serveDist({ root: DIST, ...setup.app });
    const docs = await docsServer(app.url, setup.docsIsolated);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      const problems = [];
      page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      await page.goto(docs.url);
      assert.equal(await page.evaluate(() => self.crossOriginIsolated), setup.docsIsolated, 'the docs page itself');
      const modes = await frameModes(page);
      // A frame neither scrolls the docs page to itself nor takes the page's focus.
      assert.equal(await page.evaluate(() => scrollY), 0, 'the docs page was scrolled to a frame');
      assert.notEqual(await page.evaluate(() => document.activeElement?.tagName), 'IFRAME', 'a frame took the docs page\'s focus');
      for (const m of modes) {
        assert.equal(m.visibleCells.length, 1, `one cell per frame: ${m.visibleCells}`);
        assert.equal(m.banner, false, 'no banner in a frame');
        assert.equal(m.buttons, 0, 'no "Enable threads" button in a frame');
        assert.ok(m.lineHeight < 30, `the mode takes one line (${m.lineHeight}px): ${m.line}`);
        assert.doesNotMatch(m.line, /null|undefined|NaN/);
        if (setup.threaded) {
          assert.equal(m.isolated, true, m.line);
          assert.equal(m.threaded, true, m.line);
          assert.ok(m.threads > 1, m.line);
        } else {
          assert.equal(m.threaded, false, m.line);
          assert.match(m.line, /^single-threaded: a frame gets threads only on an isolated page or with Document-Isolation-Policy/);
          assert.doesNotMatch(m.line, /COOP|served without/);
        }
      }
      assert.deepEqual(modes.map((m) => m.visibleCells[0].replace(/^\d+\.\s*/, '').split(':')[0]), ['One-click optimize', 'Worker-count sweep', 'Lab']);
      await heightsFit(page);
      // The Lab frame took its state from the data-* attributes (the page's other cell, your
      // own function, is there but hidden).
      const lab = modes[2].frame.locator('#lab');
      assert.equal(await lab.isVisible(), true);
      assert.equal(await modes[2].frame.locator('#fn').isVisible(), false, 'the function cell is hidden in an embed of lab/lab');
      assert.equal(await lab.locator('[name="workload"]').inputValue(), 'parametric');
      assert.equal(await lab.locator('[name="n"]').inputValue(), '2000');
      assert.equal(await lab.locator('[name="p.cost_us"]').inputValue(), '50');
      // A run grows the first frame, and the frame follows.
      const first = modes[0].frame;
      const before = (await page.locator('iframe.amorsize-embed').first().boundingBox()).height;
      await first.locator('#one-click-optimize button.run').click();
      await first.waitForFunction(() => document.querySelector('#one-click-optimize')?.dataset.state === 'done', null, { timeout: 120_000, polling: 250 });
      await heightsFit(page);
      const grown = (await page.locator('iframe.amorsize-embed').first().boundingBox()).height;
      assert.ok(grown > before + 50, `the frame grew with its result (${before} -> ${grown})`);
      // Chromium's full-page capture draws out-of-process frames wrongly: make the viewport as
      // tall as the page instead.
      for (const width of [1280, 375]) {
        await page.setViewportSize({ width, height: 800 });
        await heightsFit(page);
        await page.setViewportSize({ width, height: await page.evaluate(() => document.documentElement.scrollHeight) });
        await heightsFit(page);
        await page.screenshot({ path: artifact(`embed-${setup.name}-${width}.png`) ?? `/tmp/embed-${setup.name}-${width}.png` });
      }
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
      await docs.close();
      await app.close();
    }
  });
}
