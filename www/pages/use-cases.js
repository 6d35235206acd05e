// Page 4: Use cases, each live: web services (waiting work), data processing (transactions;
// payload copy vs shared), ML pipelines (inference).
import { cell, page } from '../cells.js';
import * as code from '../code.js';
import { jobFrom, nField, paramFields, repeatsField } from '../fields.js';
import * as fig from '../figures.js';
import { count, poolThreads, x } from '../format.js';
import { renderPlan } from '../report.js';
import { compareCell, compareTable, maxWorkers, planShape, workload } from './common.js';

export function render(main, { info, catalog }) {
  const io = workload(catalog, 'io-wait');
  const tx = workload(catalog, 'transactions');
  const pay = workload(catalog, 'payload');
  const inf = workload(catalog, 'inference');

  const web = cell({
    title: '1. Web services: waiting work',
    workload: 'io-wait',
    intro: `<p><strong>${io.title}</strong>: ${io.description} <em>Stands for:</em> ${io.stands_for} A waiting worker holds no core, so more workers than cores
      (${count(info.mode.cores, 'core')} here) keep paying, up to ${poolThreads(info.mode.threads)}. The engine sees the low CPU share in its sample and plans for it.</p>`,
    fields: [...paramFields(io), nField(io.default_n), { name: 'max_workers', label: 'largest k', type: 'number', min: 1, max: info.mode.threads, integer: true, value: maxWorkers(info) }, repeatsField(3)],
    code: (v) => code.workerCurve(jobFrom(v, 'io-wait'), v.max_workers),
    async run(v, ctx) {
      if (info.mode.threads < 2) {
        ctx.chart({ name: 'worker-sweep', instead: fig.nothingToSweep(info.mode.threads) });
        return;
      }
      const curve = await ctx.request({ kind: 'worker_curve', job: jobFrom(v, 'io-wait'), max_workers: v.max_workers, repeats: v.repeats });
      ctx.html(renderPlan(curve.plan));
      for (const spec of fig.workerCurve(curve, 'worker-sweep', info.mode.threads)) ctx.chart({ ...spec, workload: 'io-wait' });
    },
  });

  const data = cell({
    title: '2. Data processing: transactions, and copying vs sharing',
    intro: `<p><strong>${tx.title}</strong> (${tx.description}) shows whether cheap per-row work is worth splitting. <strong>${pay.title}</strong>
      (${pay.description}) moves real bytes: with <em>copy</em> transfer, every chunk's items and results are serialized and decoded, as a process pool or
      <code>postMessage</code> must; with <em>shared</em> transfer threads read and write in place. The dashed bars are predictions.</p>`,
    fields: [{ ...nField(tx.default_n), name: 'n_tx', label: 'transactions: items' }, ...paramFields(pay), nField(pay.default_n), repeatsField(3)],
    code: (v) => code.compare({ workload: 'transactions', n: v.n_tx }) + '\n' + code.optimize({ ...jobFrom(v, 'payload'), transfer: 'copy' }),
    async run(v, ctx) {
      const cmp = await ctx.request({ kind: 'compare', job: { workload: 'transactions', n: v.n_tx }, repeats: v.repeats });
      for (const spec of fig.compareBars(cmp, 'transactions')) ctx.chart({ ...spec, workload: 'transactions' });
      ctx.html(compareTable(cmp));
      const rows = [];
      const plans = [];
      for (const transfer of ['shared', 'copy']) {
        const c = await ctx.request({ kind: 'compare', job: { ...jobFrom(v, 'payload'), transfer }, repeats: v.repeats });
        rows.push({ label: transfer, shape: planShape(c.plan), serial_s: c.serial.median_s, plan_s: c.recommended.median_s, predicted_s: c.plan.predicted_time_s, speedup: c.speedup_recommended });
        plans.push([transfer, c.plan]);
      }
      ctx.chart({ ...fig.variants(rows, 'payload-transfer', 'Payload: shared memory against copying, serial and recommended'), workload: 'payload' });
      ctx.html(`<p>${rows.map((r) => `<strong>${r.label}</strong>: ${r.shape === 'serial' ? `serial (${x(1)})` : `${r.shape}, ${x(r.speedup)} measured`}`).join('; ')}.</p>`);
      for (const [transfer, plan] of plans) {
        const spec = fig.breakdown(plan, `payload-${transfer}`, info.mode.threads);
        ctx.chart(spec.instead ? spec : { ...spec, title: `Payload, ${transfer} transfer: predicted time per worker count, compute and each overhead (log scale)` });
      }
    },
  });

  const ml = compareCell(inf, {
    title: '3. ML pipelines: batch inference',
    intro: `<p><strong>${inf.title}</strong>: ${inf.description} <em>Stands for:</em> ${inf.stands_for}</p>`,
  });

  page(main, {
    title: 'Use cases',
    lead: '<p>The notebooks\' three use cases, re-created honestly: every bar is measured here, none is hard-coded. Waits are simulated (the worker sleeps), as the catalog says.</p>',
    cells: [web, data, ml],
  });
}
