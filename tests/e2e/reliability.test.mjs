// Valid input never crashes the engine without a cause: a job too big for wasm memory is refused
// before it allocates, a panicking item names itself after the trap, and the engine restarts
// and runs the next request. Both builds: threaded (isolated) and single-threaded (plain).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { artifact, base, browser, open, setField, useSharedBrowser } from './browser.mjs';

useSharedBrowser();

async function act(page, action, timeout = 90_000) {
  await page.click(`#lab [data-action="${action}"]`);
  await page.waitForFunction(() => ['done', 'error', 'cancelled'].includes(document.querySelector('#lab').dataset.state), null, { timeout });
  return {
    state: await page.getAttribute('#lab', 'data-state'),
    error: await page.evaluate(() => document.querySelector('#lab .error:not([hidden])')?.textContent ?? ''),
  };
}

for (const build of ['isolated', 'plain']) {
  test(`${build}: cancelling a sweep of 1-second items ends it, and the next request runs`, { timeout: 180_000 }, async () => {
    const page = await open(browser, `${base[build]}#/lab`);
    const outcome = await page.evaluate(async () => {
      const { engine } = window.amorsize;
      // 40 items of 1 s: a minute of sweep at least, so it is surely still running at the cancel.
      const job = { workload: 'parametric', n: 40, params: { cost_us: 1_000_000 } };
      const sweep = engine.request({ kind: 'sweep', job, workers: [1, 2], chunk_sizes: [1], repeats: 1, allow_long: true });
      let settledEarly = false;
      sweep.then(() => { settledEarly = true; }, () => { settledEarly = true; });
      await new Promise((r) => setTimeout(r, 2500));
      if (settledEarly) return { early: true, ...(await sweep.then((v) => ({ value: JSON.stringify(v).slice(0, 300) }), (e) => ({ kind: e.kind, message: e.message }))) };
      const cancelledAt = performance.now();
      engine.cancel(sweep.id);
      const error = await sweep.then(() => null, (e) => e);
      const settledAfterMs = performance.now() - cancelledAt;
      const next = await engine.request({ kind: 'optimize', job: { workload: 'cpu-loop', n: 500 } }).then(() => 'ok', (e) => `${e.kind}: ${e.message}`);
      return { kind: error?.kind, message: error?.message, settledAfterMs, next };
    });
    assert.ok(!outcome.early, `the sweep settled before the cancel: ${JSON.stringify(outcome)}`);
    assert.equal(outcome.kind, 'cancelled', outcome.message);
    assert.ok(outcome.settledAfterMs < 5000, `settled ${outcome.settledAfterMs} ms after the cancel`);
    assert.equal(outcome.next, 'ok');
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });

  test(`${build}: a panicking item is named after the trap, and the next run works`, { timeout: 180_000 }, async () => {
    const page = await open(browser, `${base[build]}#/lab?workload=parametric&n=3000&cost_us=20&fail_at=1500`);
    await page.waitForSelector('#lab [data-action="execute"]');
    const failed = await act(page, 'execute');
    assert.equal(failed.state, 'error', failed.error);
    assert.match(failed.error, /crashed/i);
    assert.match(failed.error, /item 1500/, failed.error);
    assert.match(failed.error, /on purpose/, failed.error);
    const shot = artifact(`trap-${build}-1280.png`);
    if (shot) await page.screenshot({ path: shot, fullPage: true });
    // The restarted engine runs the same workload once the failing item is gone.
    await setField(page, 'lab', 'p.fail_at', -1);
    const next = await act(page, 'execute');
    assert.equal(next.state, 'done', next.error);
    assert.match(await page.textContent('#lab .out'), /Ran /);
    // Only the engine's own report of the panic reached the console, and (threaded) the trap of
    // the pool thread's Worker, which Chromium reports as an uncaught "unreachable".
    assert.deepEqual(page.problems.filter((p) => !/amorsize engine panic|fails on purpose|^pageerror: unreachable$/.test(p)), []);
    await page.context().close();
  });

  test(`${build}: a run predicted past a minute is refused, and "Run anyway" sends it with allow_long`, { timeout: 180_000 }, async () => {
    // 400 items of 1 s: minutes on any pool this machine gives the page.
    const page = await open(browser, `${base[build]}#/lab?workload=parametric&n=400&cost_us=1000000`);
    await page.waitForSelector('#lab [data-action="execute"]');
    const refused = await act(page, 'execute', 120_000);
    assert.equal(refused.state, 'error', refused.error);
    assert.match(refused.error, /This would run for long/, refused.error);
    assert.match(refused.error, /allow_long/, refused.error);
    const sent = [];
    // Record what the cell sends from now on.
    await page.evaluate(() => {
      const e = window.amorsize.engine;
      const request = e.request.bind(e);
      window.sentRequests = [];
      e.request = (req, options) => { window.sentRequests.push(req); return request(req, options); };
    });
    await page.click('#lab [data-run-anyway]');
    await page.waitForFunction(() => window.sentRequests.length > 0 && document.querySelector('#lab').dataset.state === 'running');
    sent.push(...(await page.evaluate(() => window.sentRequests)));
    assert.ok(sent.every((r) => r.allow_long === true), JSON.stringify(sent));
    await page.click('#lab button.cancel');
    await page.waitForFunction(() => ['cancelled', 'error'].includes(document.querySelector('#lab').dataset.state), null, { timeout: 60_000 });
    assert.equal(await page.getAttribute('#lab', 'data-state'), 'cancelled');
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });

  test(`${build}: a job too big for wasm memory is refused with its estimate, and nothing crashes`, { timeout: 120_000 }, async () => {
    const page = await open(browser, `${base[build]}#/lab?workload=parametric&n=10000000&bytes_out=1048576`);
    await page.waitForSelector('#lab [data-action="optimize"]');
    for (const action of ['optimize', 'execute']) {
      const refused = await act(page, action);
      assert.equal(refused.state, 'error');
      assert.match(refused.error, /Too big for memory/, refused.error);
      assert.match(refused.error, /1\.00 GiB limit/, refused.error);
    }
    // Copy transfer at 1 MiB in and out: runs or is refused, never crashes.
    await page.goto(`${base[build]}#/lab?workload=parametric&bytes_in=1048576&bytes_out=1048576&transfer=copy&cost_us=100`);
    await page.waitForSelector('#lab [data-action="execute"]');
    const copied = await act(page, 'execute');
    assert.doesNotMatch(copied.error, /crashed/i, copied.error);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });
}
