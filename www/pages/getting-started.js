// Page 1: Getting started (the seed notebook's order): the problem, one-click optimize, time and
// speedup bars, diagnostics, the worker-count sweep, a real-world example, takeaways.
import { cell, page } from '../cells.js';
import * as code from '../code.js';
import { nField, paramFields, jobFrom, repeatsField } from '../fields.js';
import * as fig from '../figures.js';
import { COLORS, speedupBars, tipItems } from '../charts.js';
import { allCores, count, seconds, shape, x } from '../format.js';
import { renderPlan, renderReport } from '../report.js';
import { compareCell, compareTable, doubtNote, maxWorkers, planShape, singleThreadNote, verdict, workload } from './common.js';

export function render(main, { info, catalog }) {
  const tiny = workload(catalog, 'tiny');
  const cpu = workload(catalog, 'cpu-loop');
  const tx = workload(catalog, 'transactions');
  const cpuFields = () => [...paramFields(cpu), nField(cpu.default_n)];

  const problem = cell({
    title: '1. The problem: blind parallelism',
    intro: `<p>"Use every core, hand out one item at a time" sounds safe. It is not. Below, each job runs serially and then <em>blind</em>:
      ${allCores(info.mode.cores)}, chunks of one item. On <strong>${tiny.title}</strong> (${tiny.description}) the per-item work is
      far smaller than what it costs to hand an item to a worker, so the blind run is <em>slower</em> than the plain loop: negative scaling.
      On <strong>${cpu.title}</strong> (${cpu.description}) each item is heavy enough that the overhead hides.</p>${singleThreadNote(info)}`,
    fields: [
      { ...nField(Math.min(tiny.default_n, 100_000)), name: 'n_tiny', label: 'tiny: items' },
      { ...nField(cpu.default_n), name: 'n_cpu', label: 'cpu-loop: items' },
      repeatsField(3),
    ],
    code: (v) => code.compare({ workload: 'tiny', n: v.n_tiny }) + '\n' + code.compare({ workload: 'cpu-loop', n: v.n_cpu }),
    async run(v, ctx) {
      const rows = [];
      for (const [name, n] of [['tiny', v.n_tiny], ['cpu-loop', v.n_cpu]]) {
        const cmp = await ctx.request({ kind: 'compare', job: { workload: name, n }, repeats: v.repeats });
        rows.push({ name, cmp });
      }
      ctx.html(`<table class="data" tabindex="0" data-consistency="blind"><thead><tr><th scope="col">workload</th><th scope="col">blind speedup</th><th scope="col">recommendation</th><th scope="col">serial</th><th scope="col">blind (${shape(rows[0].cmp.blind_workers, 1)})</th></tr></thead><tbody>${rows.map(({ name, cmp }) =>
        `<tr data-speedup="${cmp.speedup_blind}" data-time="${cmp.blind.median_s}" data-serial="${cmp.serial.median_s}"><th scope="row">${name}</th><td>${verdict(cmp.verdicts.blind)}</td><td>${cmp.plan.strategy === 'serial' ? `serial (${x(1)})` : `${planShape(cmp.plan)} (${x(cmp.speedup_recommended)} measured)`}</td><td>${seconds(cmp.serial.median_s)}</td><td>${seconds(cmp.blind.median_s)}</td></tr>`).join('')}</tbody></table>${rows.filter(({ cmp }) => cmp.verdicts.blind.doubt).map(({ name, cmp }) => doubtNote(cmp.verdicts.blind.doubt, `${name}, blind: `)).join('')}`);
      const data = rows.map(({ name, cmp }) => ({ name, serial: cmp.serial.median_s, blind: cmp.blind.median_s, s: cmp.speedup_blind, opt: cmp.speedup_recommended }));
      ctx.chart({
        title: 'Blind parallelism against serial (red line: 1x)', name: 'blind-vs-serial',
        summary: `Speedup over serial, blind and optimized: ${data.map((d) => `${d.name} blind ${x(d.s)}, optimized ${x(d.opt)}`).join('; ')}.`,
        option: {
          tooltip: { trigger: 'axis', confine: true, formatter: (items) => `${items[0].name}<br>` + tipItems(items).map((i) => `${i.marker}${i.seriesName}: ${i.value ?? '–'}x`).join('<br>') },
          xAxis: { type: 'category', data: data.map((d) => d.name) },
          yAxis: { type: 'value', name: 'speedup (x serial)', min: 0 },
          series: [
            ...speedupBars('blind, measured', 'blind, slower than serial', data.map((d) => +d.s.toPrecision(3)), { barMaxWidth: 48, markLine: fig.serialSpeedupLine() }),
            { name: 'optimized, measured', type: 'bar', barMaxWidth: 48, color: COLORS.good, data: data.map((d) => +d.opt.toPrecision(3)) },
          ],
        },
        csv: { columns: ['workload', 'serial_ms', 'blind_ms', 'blind_speedup_x', 'optimized_speedup_x'], rows: data.map((d) => [d.name, +(d.serial * 1e3).toPrecision(4), +(d.blind * 1e3).toPrecision(4), +d.s.toPrecision(4), +d.opt.toPrecision(4)]) },
      });
    },
  });

  const optimize = cell({
    title: '2. One-click optimize',
    workload: 'cpu-loop',
    intro: `<p>Instead of guessing, let the engine measure. <code>optimize</code> times the function on a stratified sample of the items
      (warm-up dropped), uses this browser's measured costs of starting a run, waking workers and handing out chunks, predicts the time of every
      (workers, chunk size), and recommends the fastest, or serial when parallelism does not pay. Its reasons are printed with it.</p>`,
    fields: cpuFields(),
    code: (v) => code.optimize(jobFrom(v, 'cpu-loop')),
    async run(v, ctx) {
      const [plan] = await ctx.request({ kind: 'optimize', job: jobFrom(v, 'cpu-loop') });
      ctx.html(renderPlan(plan));
    },
  });

  const bars = cell({
    title: '3. Time and speedup: serial, blind, optimized, best measured',
    intro: `<p>Four ways to run the same job, each measured here (medians of several runs): serial; blind (all cores, chunks of 1);
      the optimizer's recommendation; and the best shape an adaptive search over real runs found. Solid bars are measured, dashed hollow bars are the
      model's predictions for the same shapes, blind's included, so you can see whether the model knew what chunks of one would cost.</p>`,
    fields: [...cpuFields(), repeatsField(3)],
    code: (v) => code.compare(jobFrom(v, 'cpu-loop')),
    async run(v, ctx) {
      const cmp = await ctx.request({ kind: 'compare', job: jobFrom(v, 'cpu-loop'), repeats: v.repeats });
      for (const spec of fig.compareBars(cmp, 'cpu-loop')) ctx.chart({ ...spec, workload: 'cpu-loop' });
      ctx.html(compareTable(cmp));
    },
  });

  const diagnostics = cell({
    title: '4. Diagnostics: the explain report',
    intro: `<p>Why this decision? The report shows what was measured about the workload (per-item time and its spread, how much slower items run with every core busy, the CPU share, bytes in and out),
      what the platform charges (each figure tagged <span class="tag measured">measured</span> or <span class="tag assumed">assumed</span>),
      the predicted breakdown of the parallel time, the bottleneck and what to do about it.</p>`,
    fields: cpuFields(),
    code: (v) => code.optimize(jobFrom(v, 'cpu-loop')),
    async run(v, ctx) {
      const [plan, report] = await ctx.request({ kind: 'optimize', job: jobFrom(v, 'cpu-loop') });
      ctx.html(renderReport(report));
      ctx.chart({ ...fig.breakdown(plan, 'cpu-loop', info.mode.threads), workload: 'cpu-loop' });
    },
  });

  const curve = cell({
    title: '5. Worker-count sweep: more workers ≠ faster',
    intro: `<p>Run the job at every worker count k (each at the model's best chunk size for that k) and compare with the linear ideal (kx) and the model's
      prediction (dashed). The green line marks the recommended k. ${info.mode.threaded
    ? `On a machine with ${count(info.mode.cores, 'core')}, compute-bound work cannot scale past ${info.mode.cores}x.`
    : 'This page runs the engine on one thread, so no work scales past 1x here.'}</p>`,
    fields: [...cpuFields(), { name: 'max_workers', label: 'largest k', type: 'number', min: 1, max: info.mode.threads, integer: true, value: Math.min(maxWorkers(info), Math.max(4, info.mode.cores * 2)) }, repeatsField(3)],
    code: (v) => code.workerCurve(jobFrom(v, 'cpu-loop'), v.max_workers),
    async run(v, ctx) {
      if (info.mode.threads < 2) {
        ctx.chart({ name: 'worker-sweep', instead: fig.nothingToSweep(info.mode.threads) });
        return;
      }
      const result = await ctx.request({ kind: 'worker_curve', job: jobFrom(v, 'cpu-loop'), max_workers: v.max_workers, repeats: v.repeats });
      for (const spec of fig.workerCurve(result, 'worker-sweep', info.mode.threads)) ctx.chart({ ...spec, workload: 'cpu-loop' });
      const best = result.fastest;
      ctx.html(`<p data-curve>Fastest measured: k=${best.workers} at ${x(best.speedup)} (predicted ${x(best.predicted_speedup)}). Serial: ${seconds(result.serial.median_s)}.</p>`);
      ctx.out.dataset.curve = JSON.stringify(result.points.map((p) => ({ k: p.workers, speedup: p.speedup })));
    },
  });

  const real = compareCell(tx, {
    title: '6. Real-world example: transaction processing',
    intro: `<p><strong>${tx.title}</strong>: ${tx.description} <em>Stands for:</em> ${tx.stands_for} Each item is cheap, so whether parallelism pays depends on N and on
      this machine's overheads: the optimizer decides from measurements, and the bars show whether it was right.</p>`,
  });

  const takeaways = cell({
    title: '7. Key takeaways and troubleshooting',
    intro: TAKEAWAYS,
  });

  page(main, {
    title: 'Getting started',
    lead: `<p>When does splitting <code>items.map(f)</code> over worker threads pay, with how many workers and what chunk size? This page answers it the
      way the Amorsize notebook does, but every number is measured live in your browser by the engine (Rust compiled to WebAssembly), with the model's
      prediction beside it. Run the cells one by one (<kbd>Ctrl</kbd>/<kbd>⌘</kbd>+<kbd>Enter</kbd> runs the focused cell) or all at once.</p>`,
    cells: [problem, optimize, bars, diagnostics, curve, real, takeaways],
  });
}

const TAKEAWAYS = `
<ul>
  <li><strong>Parallelism has a price.</strong> Each run pays to start and join, to wake each worker, and to hand out each chunk. A job is worth
    splitting only when its work is many times those costs; the report's <em>System</em> section shows them as measured on this machine.</li>
  <li><strong>Blind settings can be slower than serial.</strong> All cores with chunks of one item multiplies the per-chunk cost by N: tiny items
    drown in it (negative scaling).</li>
  <li><strong>More workers ≠ faster.</strong> Compute-bound work tops out at the number of cores; past it, extra workers only add overhead. Waiting
    work (I/O) is different: see <a href="#/use-cases">Use cases</a>.</li>
  <li><strong>Measure, don't guess.</strong> The model predicts; the sweep and the tuner measure. When they disagree, trust the measurement, and
    look at the breakdown to see which cost the model misjudged.</li>
</ul>
<h3>Troubleshooting: the speedup is poor. Why, and what to do</h3>
<p>The report names a <em>bottleneck</em>: the largest overhead in the predicted parallel time.</p>
<dl class="trouble">
  <dt>Insufficient work</dt><dd>The whole job takes only a few times what one parallel start-up costs. No shape can win much. Batch several jobs into
    one map, give each item more work, or simply stay serial: the optimizer will say so.</dd>
  <dt>Start-up</dt><dd>Starting and joining the run (or, for cold starts, creating the pool) dominates. Keep one pool alive across jobs (warm start),
    and give each run more items.</dd>
  <dt>Dispatch</dt><dd>Handing out chunks dominates because chunks are too small. Use larger chunks: fewer hand-offs. The heatmap on
    <a href="#/tuning">Parameter tuning</a> shows the cost of small chunks directly.</dd>
  <dt>Transfer</dt><dd>Copying items and results across the worker boundary (as a process pool or <code>postMessage</code> must) dominates. Share
    memory (threads) instead of copying, return less data, or send indices instead of items. Compare <em>copy</em> and <em>shared</em> on
    <a href="#/use-cases">Use cases</a>.</dd>
  <dt>Imbalance</dt><dd>Some workers sit idle while others finish their last chunks. Use smaller chunks near the end, or order items so costly ones go
    first; the per-worker timeline on <a href="#/performance">Performance analysis</a> shows the idle tails.</dd>
  <dt>Heterogeneous</dt><dd>Item costs vary widely (high CV), so equal-sized chunks take unequal time. Smaller chunks let fast workers pick up the slack.</dd>
</dl>
<p>Also check: the <em>sampled mean is uncertain</em> warning (the job is too short to time precisely; predictions may be off by as much),
  the page's mode (single-threaded pages cannot show speedups), and other tabs or programs competing for the cores while you measure.</p>`;
