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
    // The plain page may still be single-threaded here (before its isolation reload), and a
    // sweep of 2 workers on one thread fails at once; one worker is enough to cancel.
    const workers = build === 'isolated' ? [1, 2] : [1];
    const outcome = await page.evaluate(async (workers) => {
      const { engine } = window.amorsize;
      // 40 items of 1 s: a minute of sweep at least, so it is surely still running at the cancel.
      const job = { workload: 'parametric', n: 40, params: { cost_us: 1_000_000 } };
      const sweep = engine.request({ kind: 'sweep', job, workers, chunk_sizes: [1], repeats: 1, allow_long: true });
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
    }, workers);
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

  test(`${build}: a run predicted past a minute is refused, "Run anyway" sends it with allow_long, and days are not offered`, { timeout: 180_000 }, async () => {
    // 400 items of 1 s: minutes on any pool this machine gives the page.
    const page = await open(browser, `${base[build]}#/lab?workload=parametric&n=400&cost_us=1000000`);
    await page.waitForSelector('#lab [data-action="execute"]');
    const refused = await act(page, 'execute', 120_000);
    assert.equal(refused.state, 'error', refused.error);
    assert.match(refused.error, /This would run for long/, refused.error);
    // Worded for a visitor: the button confirms, and no API field is named.
    assert.match(refused.error, /confirm to run it anyway/, refused.error);
    assert.doesNotMatch(refused.error, /allow_long|`/, refused.error);
    const sent = [];
    // Record what the cell sends from now on.
    await page.evaluate(() => {
      const e = window.amorsize.engine;
      const request = e.request.bind(e);
      window.sentRequests = [];
      e.request = (req, options) => { window.sentRequests.push(req); return request(req, options); };
    });
    await page.click('#lab [data-run-anyway]');
    // The Lab's workload text (`describe`, sent 300 ms after any change of the cell) is not a run.
    await page.waitForFunction(() => window.sentRequests.some((r) => r.kind !== 'describe') && document.querySelector('#lab').dataset.state === 'running');
    sent.push(...(await page.evaluate(() => window.sentRequests.filter((r) => r.kind !== 'describe'))));
    assert.ok(sent.every((r) => r.allow_long === true), JSON.stringify(sent));
    await page.click('#lab button.cancel');
    await page.waitForFunction(() => ['cancelled', 'error'].includes(document.querySelector('#lab').dataset.state), null, { timeout: 60_000 });
    assert.equal(await page.getAttribute('#lab', 'data-state'), 'cancelled');
    // Days of work: refused, and not offered to run anyway.
    await page.goto(`${base[build]}#/lab?workload=parametric&n=1000000&cost_us=1000000`);
    await page.waitForSelector('#lab [data-action="execute"]');
    const absurd = await act(page, 'execute', 120_000);
    assert.equal(absurd.state, 'error', absurd.error);
    assert.match(absurd.error, /days.*fewer or cheaper items/, absurd.error);
    assert.equal(await page.locator('#lab [data-run-anyway]').count(), 0);
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

// Issue 13: cancels at random moments of optimize, execute, sweep and tune, in a row, leave the
// engine idle and its pool working, and the next runs are correct. The plain build restarts its
// Worker on every cancel that catches a running request (about 1 s each), so it runs fewer.
// The delays come from a seeded PRNG: AMORSIZE_CANCEL_SEED=<seed> replays a failing run.
const CANCEL_ROUNDS = { isolated: 50, plain: 8 };
const cancelSeed = Number(process.env.AMORSIZE_CANCEL_SEED ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;

/** Runs `rounds` cancels in the page, then the checks' runs; returns what happened. */
function cancelStorm(page, rounds, seed) {
  return page.evaluate(async ({ rounds, seed }) => {
    const { engine } = window.amorsize;
    await engine.ready();
    // mulberry32: small, seedable, and good enough to spread delays and request kinds.
    let state = seed;
    const random = () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = Math.imul(state ^ (state >>> 15), state | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
    };
    const workers = Math.min(2, engine.threads);
    const parametric = (cost_us, n) => ({ workload: 'parametric', n, params: { cost_us } });
    const cpuLoop = { workload: 'cpu-loop', n: 3000 };
    // Each runs for roughly 20-300 ms on an idle machine, so a 0-60 ms delay lands before,
    // during or after it (the same optimize again is quicker: its calibration is done).
    const calls = {
      optimize: () => engine.optimize(parametric(50, 3000)),
      'execute recommended': () => engine.execute(parametric(100, 400)),
      'execute fixed': () => engine.execute({ workload: 'cpu-loop', n: 1000 }, { shape: { workers, chunk_size: 4 } }),
      sweep: () => engine.sweep(parametric(20, 1000), { workers: [1, workers], chunk_sizes: [1, 64], repeats: 1 }),
      tune: () => engine.tune(parametric(50, 600)),
    };
    const names = Object.keys(calls);
    // A request must not go silent for this long: far longer than any of the steps above, even
    // on a machine busy with other builds (15 s was reached there), and half the default, so
    // a stuck pool shows within the test.
    engine.watchdogMs = 60_000;
    const restarts = [];
    const stalls = [];
    let round = 0;
    const off = engine.onEvent((e) => {
      if (e.type === 'restarting') restarts.push({ round, reason: e.reason });
      if (e.type === 'stalled') stalls.push(`${e.label} silent ${Math.round(e.silentMs)} ms`);
    });
    const log = [];
    const startedAt = performance.now();
    // The page's own heartbeat: its longest gap in a round says whether the machine froze the
    // page (and its Worker) for longer than the engine's 2 s stop budget.
    let lastBeat = performance.now();
    let longestGap = 0;
    const heartbeat = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - lastBeat);
      lastBeat = now;
    }, 50);
    for (; round < rounds; round++) {
      // After a restart (plain build), wait for the new Worker: else every cancel would only
      // take a queued request off the queue.
      await engine.ready();
      const name = names[Math.floor(random() * names.length)];
      const delayMs = Math.round(random() * 60);
      longestGap = 0;
      lastBeat = performance.now();
      const pending = calls[name]();
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const cancelledAt = performance.now();
      // Where the cancel found the request: queued, running (and how far), or already done.
      const now = engine.activity();
      const at = now.running?.id === pending.id ? (now.running.progress ? `running ${now.running.progress.done}/${now.running.progress.total}` : 'running') : 'not running';
      engine.cancel(pending);
      const outcome = await pending.then(
        () => 'finished',
        (e) => (e?.kind === 'cancelled' && !e.restarted ? 'cancelled' : `${e?.kind}: ${e?.message}`),
      );
      log.push({ round, name, delayMs, at, outcome, settleMs: Math.round(performance.now() - cancelledAt), frozenMs: Math.round(Math.max(longestGap, performance.now() - lastBeat)) });
    }
    clearInterval(heartbeat);
    const stormMs = performance.now() - startedAt;
    await engine.ready();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const idle = engine.activity();
    const restartsDuringStorm = restarts.length;

    // The next runs: a parallel run of a fixed shape against a serial run of the same job, and
    // an optimize. A stuck pool would leave the parallel run unanswered: bounded by a timer.
    const bounded = (promise, ms, what) => Promise.race([
      promise,
      new Promise((_, reject) => setTimeout(() => reject({ kind: 'stuck', message: `${what}: no answer in ${ms} ms` }), ms)),
    ]);
    const summary = (run) => ({
      items: run.items,
      workers: run.workers,
      chunk_size: run.chunk_size,
      serial: run.serial,
      truncated: run.timeline_truncated,
      chunkWorkers: [...new Set(run.chunks.map((c) => c.worker))].length,
      // Which items the chunks covered, in order: [first, end) spans merged.
      covered: run.chunks.toSorted((a, b) => a.first - b.first).reduce((spans, c) => {
        const last = spans.at(-1);
        if (last && last[1] === c.first) last[1] += c.count;
        else spans.push([c.first, c.first + c.count]);
        return spans;
      }, []),
    });
    const fail = (e) => ({ error: `${e?.kind}: ${e?.message}` });
    const parallel = await bounded(engine.execute(cpuLoop, { shape: { workers, chunk_size: 25 } }), 90_000, 'parallel execute').then(summary, fail);
    const serial = await bounded(engine.execute(cpuLoop, { shape: 'serial' }), 90_000, 'serial execute').then(summary, fail);
    const plan = await bounded(engine.optimize(parametric(50, 3000)), 90_000, 'optimize').then(
      (p) => ({ workers: p.workers, serial: p.serial, predicted_time_s: p.predicted_time_s }),
      fail,
    );
    off();
    return {
      log, stormMs, idle, workers, n: cpuLoop.n, restartsDuringStorm, restarts, stalls, parallel, serial, plan,
      mode: engine.mode, threads: engine.threads,
    };
  }, { rounds, seed });
}

for (const build of ['isolated', 'plain']) {
  const rounds = CANCEL_ROUNDS[build];
  test(`${build}: ${rounds} cancels at random moments leave the engine idle, and the next runs are correct`, { timeout: 600_000 }, async (t) => {
    const page = await open(browser, `${base[build]}#/lab`);
    const r = await cancelStorm(page, rounds, cancelSeed);
    const replay = `(replay with AMORSIZE_CANCEL_SEED=${cancelSeed})`;
    const cancelled = r.log.filter((l) => l.outcome === 'cancelled').length;
    const finished = r.log.filter((l) => l.outcome === 'finished').length;
    const slowest = Math.max(...r.log.filter((l) => l.outcome === 'cancelled').map((l) => l.settleMs), 0);
    t.diagnostic(`${build} (${r.mode}, ${r.threads} threads), seed ${cancelSeed}: ${rounds} cancels in ${(r.stormMs / 1000).toFixed(1)} s, ${cancelled} cancelled, ${finished} finished first; slowest cancel settled in ${slowest} ms; ${r.restartsDuringStorm} restarts`);
    const slow = r.log.filter((l) => l.settleMs > 1000);
    if (slow.length) t.diagnostic(`settled more than 1 s after the cancel: ${JSON.stringify(slow)}`);
    const others = r.log.filter((l) => l.outcome !== 'cancelled' && l.outcome !== 'finished');
    assert.deepEqual(others, [], `requests that neither finished nor were cancelled ${replay}`);
    assert.ok(cancelled >= rounds / 4, `too few requests were really cancelled: ${cancelled} of ${rounds} ${replay}`);
    if (build === 'isolated') {
      // The threaded engine stops at its next cancel check: a restart means a cancel did not
      // land, unless the machine froze the whole page past the engine's 2 s stop budget in that
      // round (a starved machine, seen once in 300 rounds beside other sessions' builds).
      const frozen = (restart) => (r.log[restart.round]?.frozenMs ?? 0) > 1500;
      const excused = r.restarts.filter(frozen);
      if (excused.length) t.diagnostic(`restarts while the page was frozen (not counted): ${JSON.stringify(excused.map((x) => r.log[x.round]))}`);
      assert.deepEqual(r.restarts.filter((x) => !frozen(x)), [], `the threaded engine restarted; slow cancels: ${JSON.stringify(slow)} ${replay}`);
      assert.equal(r.mode, 'threads');
      assert.ok(r.workers >= 2, `a parallel run needs 2 threads; the pool has ${r.threads}`);
    } else {
      assert.ok(r.restarts.every((x) => x.reason === 'cancelled a single-threaded request'), `${JSON.stringify(r.restarts)} ${replay}`);
      assert.ok(r.restartsDuringStorm <= cancelled, `${r.restartsDuringStorm} restarts for ${cancelled} cancels ${replay}`);
    }
    assert.deepEqual(r.stalls, [], `the engine went silent; then: ${JSON.stringify({ parallel: r.parallel, serial: r.serial, plan: r.plan })} ${replay}`);
    assert.deepEqual(r.idle, { running: null, waiting: [] }, `the engine is not idle after the cancels ${replay}`);
    // The next runs: every item once, on every worker asked for, as the serial run does.
    assert.equal(r.parallel.error, undefined, `${r.parallel.error} ${replay}`);
    assert.equal(r.serial.error, undefined, `${r.serial.error} ${replay}`);
    const everyItem = [[0, r.n]];
    assert.deepEqual(
      { items: r.parallel.items, workers: r.parallel.workers, chunk_size: r.parallel.chunk_size, chunkWorkers: r.parallel.chunkWorkers, covered: r.parallel.covered },
      { items: r.n, workers: r.workers, chunk_size: 25, chunkWorkers: r.workers, covered: everyItem },
      `parallel run after the cancels ${replay}`,
    );
    assert.equal(r.parallel.truncated, false);
    assert.deepEqual({ items: r.serial.items, serial: r.serial.serial, covered: r.serial.covered }, { items: r.n, serial: true, covered: everyItem }, replay);
    assert.equal(r.plan.error, undefined, `${r.plan.error} ${replay}`);
    assert.ok(r.plan.workers >= 1 && r.plan.predicted_time_s > 0, `${JSON.stringify(r.plan)} ${replay}`);
    assert.deepEqual(page.problems, [], replay);
    await page.context().close();
  });
}
