// Issue 10, "a sampler that resists noise", in the browser: on uniform workloads, 50 decisions
// each through the page's engine client never call the work uneven (heterogeneous) or
// index-dependent. The browser is where the sampler meets a slow first JIT tier, a worker clock
// of 5 µs and preemption by the page's other threads. A control on uneven work shows that the
// count can fail. The native twin is tests/sample.rs (fifty_decisions_on_uniform_work_...).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base, browser, open, useSharedBrowser } from './browser.mjs';

useSharedBrowser();

const DECISIONS = 50;
const UNEVEN = ['heterogeneous', 'index_dependent_cost'];

/** Workloads whose items all cost the same: any uneven warning on them is false. */
const UNIFORM = [
  // cpu-loop at its catalog default size (the Getting started job); n filled in from the catalog.
  { label: 'cpu-loop (default n)', job: { workload: 'cpu-loop' } },
  // Long batches, short batches, and one item per batch under a 5 µs clock.
  { label: 'parametric constant 1 µs x 20,000', job: { workload: 'parametric', n: 20_000, params: { cost_us: 1, distribution: 'constant' } } },
  { label: 'parametric constant 20 µs x 2,000', job: { workload: 'parametric', n: 2_000, params: { cost_us: 20, distribution: 'constant' } } },
  { label: 'parametric constant 200 µs x 200', job: { workload: 'parametric', n: 200, params: { cost_us: 200, distribution: 'constant' } } },
  { label: 'tiny x 1,000,000', job: { workload: 'tiny', n: 1_000_000 } },
];

/**
 * Uneven by construction: must be flagged in most decisions, or the count above proves nothing.
 * (Lognormal items, cv 1.5, are not a reliable control here: at 20 µs x 2,000 the sample is 4
 * batches of about 48 items, whose means spread by only 1.5 / √48; at 200 µs x 200 it is 10
 * items, flagged in 7 decisions of 10.)
 */
const CONTROLS = [
  { label: 'parametric increasing 20 µs x 2,000', job: { workload: 'parametric', n: 2_000, params: { cost_us: 20, distribution: 'increasing' } } },
];
const CONTROL_DECISIONS = 10;

/** Runs `count` decisions on `job` in the page; returns, per decision, its uneven warnings and profile. */
function decide(page, job, count) {
  return page.evaluate(async ({ job, count, uneven }) => {
    const { engine } = window.amorsize;
    const full = job.n === undefined
      ? { ...job, n: engine.catalog.find((w) => w.name === job.workload).default_n }
      : job;
    const out = [];
    for (let decision = 0; decision < count; decision++) {
      const [plan] = await engine.request({ kind: 'optimize', job: full });
      const p = plan.profile;
      out.push({
        decision,
        n: full.n,
        warnings: plan.warnings.filter((w) => uneven.includes(w.kind)).map((w) => `${w.kind}: ${w.message}`),
        cv: p.cv,
        strata: p.stratum_means_s.map((s) => +(s * 1e6).toPrecision(3)),
        batchLen: p.batch_len,
        batches: p.batches,
      });
    }
    return out;
  }, { job, count, uneven: UNEVEN });
}

const describe = (label, d) =>
  `${label} (n ${d.n}), decision ${d.decision}: ${d.warnings.join('; ')} | CV ${d.cv.toFixed(2)}, ` +
  `${d.batches} batches of ${d.batchLen}, stratum means (µs) [${d.strata.join(', ')}]`;

test(`isolated: ${DECISIONS} decisions on each uniform workload give no heterogeneous or index-dependent warning`, { timeout: 600_000 }, async () => {
  const page = await open(browser, `${base.isolated}#/lab`);
  assert.equal(await page.evaluate(() => window.amorsize.engine.ready().then((e) => e.mode)), 'threads');
  const falseWarnings = [];
  let decisions = 0;
  for (const { label, job } of UNIFORM) {
    const runs = await decide(page, job, DECISIONS);
    decisions += runs.length;
    for (const d of runs.filter((r) => r.warnings.length)) falseWarnings.push(describe(label, d));
  }
  console.log(`false uneven warnings: ${falseWarnings.length} in ${decisions} decisions`);
  assert.deepEqual(falseWarnings, [], `${falseWarnings.length} false warnings in ${decisions} decisions:\n${falseWarnings.join('\n')}`);

  // The control: the same count on uneven work is high, so a sampler that never warns fails.
  for (const { label, job } of CONTROLS) {
    const runs = await decide(page, job, CONTROL_DECISIONS);
    const flagged = runs.filter((r) => r.warnings.length).length;
    console.log(`${label}: flagged in ${flagged} of ${runs.length}`);
    assert.ok(flagged >= 0.8 * runs.length, `${label} was flagged in only ${flagged} of ${runs.length} decisions:\n` +
      runs.map((d) => describe(label, d)).join('\n'));
  }
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
