// Page 5: Lab: any catalog workload with all its parameters, N, transfer and start; Optimize,
// Run, Sweep, Tune, Worker curve, Compare; every chart; export. URL parameters prefill the form:
// #/lab?workload=parametric&n=5000&cost_us=50&transfer=copy
import { cell, currentEngine, page } from '../cells.js';
import * as code from '../code.js';
import { downloadJson } from '../export.js';
import { jobFrom, nField, paramFields, repeatsField, startField, transferField } from '../fields.js';
import * as fig from '../figures.js';
import { el, seconds } from '../format.js';
import { renderPlan, renderReport } from '../report.js';
import { compareTable, planShape, singleThreadNote } from './common.js';

const DEFAULT_WORKLOAD = 'parametric';

export function render(main, { info, catalog, cellValues }) {
  // The workload decides which fields exist, so it is read before the cell is built; the other
  // link parameters are applied by the page (cells.js), invalid ones with an inline message.
  const asked = cellValues('lab').workload;
  const name = catalog.some((w) => w.name === asked) ? asked : DEFAULT_WORKLOAD;
  let last = null;
  // The field's default stays DEFAULT_WORKLOAD whatever is chosen, so that a link names any
  // other workload.
  const workloadField = { name: 'workload', label: 'workload', type: 'choice', options: catalog.map((w) => w.name), value: DEFAULT_WORKLOAD };
  const fieldsFor = (wl) => {
    const w = catalog.find((c) => c.name === wl);
    return [workloadField, ...paramFields(w), nField(w.default_n), transferField(), startField(),
      { name: 'max_workers', label: 'largest k (curve)', type: 'number', min: 1, max: info.mode.threads, integer: true, value: Math.min(info.mode.threads, 8) },
      repeatsField(3)];
  };
  const describe = el('div', { class: 'workload-info' });
  const renderInfo = (w) => {
    describe.replaceChildren(el('p', {}, el('strong', {}, w.title), `: ${w.description} `, el('em', {}, 'Stands for:'), ` ${w.stands_for} Default N ${w.default_n}, benchmark N ${w.bench_n}.`));
  };
  const showInfo = (wl) => renderInfo(catalog.find((c) => c.name === wl));
  // The description follows the parameters: the engine words its catalog text with the values
  // in the form ("mean 1000000 µs" once the URL set the cost), so there is one source for it.
  // Read without validating (form.read() would replace a URL value's inline error); the engine
  // checks the parameters and a bad one keeps the last description.
  const describeCurrent = async () => {
    const params = {};
    for (const wrap of lab.querySelectorAll('[data-field^="p."]')) {
      const input = wrap.querySelector('input, select');
      const raw = input.value.trim();
      params[wrap.dataset.field.slice(2)] = input.tagName === 'SELECT' || raw === '' || !Number.isFinite(Number(raw)) ? raw : Number(raw);
    }
    const workload = lab.querySelector('select[name="workload"]').value;
    try {
      renderInfo(await currentEngine().request({ kind: 'describe', job: { workload, params } }));
    } catch {
      // An engine without `describe` keeps the catalog's default text.
    }
  };

  const lab = cell({
    id: 'lab',
    title: 'Lab',
    intro: `<p>Pick any workload from the engine's catalog, set its parameters, and run any engine request on it. <code>parametric</code> lets you
      dial per-item cost, its distribution and spread, and bytes in and out.</p>${singleThreadNote(info)}`,
    fields: fieldsFor(name),
    actions: [
      { id: 'optimize', label: 'Optimize' },
      { id: 'execute', label: 'Run', title: 'execute the recommended plan and draw its timeline' },
      { id: 'sweep', label: 'Sweep' },
      { id: 'tune', label: 'Tune' },
      { id: 'curve', label: 'Worker curve' },
      { id: 'compare', label: 'Compare' },
    ],
    code: (v) => code.optimize(jobFrom(v)),
    async run(v, ctx, action) {
      const job = jobFrom(v);
      let value;
      if (action === 'optimize') {
        value = await ctx.request({ kind: 'optimize', job });
        const [plan, report] = value;
        ctx.html(renderPlan(plan));
        ctx.chart(fig.breakdown(plan, 'lab-breakdown'));
        ctx.html(renderReport(report));
      } else if (action === 'execute') {
        value = await ctx.request({ kind: 'execute', job, shape: { type: 'recommended' } });
        ctx.html(`<p>Ran <strong>${planShape(value.plan)}</strong> in <strong>${seconds(value.run.elapsed_s)}</strong> (predicted ${seconds(value.plan.predicted_time_s)}).</p>`);
        if (value.run.chunks.length) ctx.chart(fig.timeline(value.run, 'lab-timeline'));
        ctx.html(renderReport(value.report));
      } else if (action === 'sweep') {
        value = await ctx.request({ kind: 'sweep', job, repeats: v.repeats });
        const [plan, sweep] = value;
        ctx.chart(fig.heatmap(sweep, 'lab-heatmap'));
        ctx.chart(fig.predictedVsMeasured(sweep, 'lab-predicted-vs-measured'));
        ctx.html(`<p>Best: <strong>k=${sweep.best.workers}, c=${sweep.best.chunk_size}</strong> at ${seconds(sweep.best.time.median_s)}; recommended ${planShape(plan)}. ${sweep.runs} runs in ${seconds(sweep.elapsed_s)}.</p>`);
      } else if (action === 'tune') {
        value = await ctx.request({ kind: 'tune', job });
        const [plan, t] = value;
        ctx.html(`<p>Tuner: <strong>${planShape(t.plan)}</strong> at ${seconds(t.best_time_s)} (serial ${seconds(t.serial_time_s)}), ${t.runs} runs in ${t.rounds} rounds, ${seconds(t.elapsed_s)}. Model: ${planShape(plan)}, predicted ${seconds(plan.predicted_time_s)}.</p>`);
        ctx.chart(fig.searchCost([
          { label: 'model', shape: planShape(plan), time_s: null, predicted_s: plan.predicted_time_s, cost_s: plan.decision.total_s, runs: 0 },
          { label: 'adaptive tuner', shape: planShape(t.plan), time_s: t.best_time_s, predicted_s: t.plan.predicted_time_s, cost_s: t.elapsed_s, runs: t.runs },
        ], 'lab-tune'));
      } else if (action === 'curve') {
        value = await ctx.request({ kind: 'worker_curve', job, max_workers: v.max_workers, repeats: v.repeats });
        for (const spec of fig.workerCurve(value, 'lab')) ctx.chart(spec);
      } else if (action === 'compare') {
        value = await ctx.request({ kind: 'compare', job, repeats: v.repeats });
        for (const spec of fig.compareBars(value, 'lab')) ctx.chart(spec);
        ctx.html(compareTable(value));
        ctx.html(renderReport(value.report));
      }
      last = { action, request: job, value };
      ctx.append(el('div', { class: 'actions' }, el('button', { type: 'button', class: 'small', onclick: () => downloadJson(`amorsize-${action}-${job.workload}`, last) }, 'Export JSON')));
    },
  });

  const choose = (wl) => {
    lab.replaceFields(fieldsFor(wl));
    lab.form().set('workload', wl);
    lab.dispatchEvent(new CustomEvent('cell-change', { bubbles: true }));
    showInfo(wl);
    lab.querySelector('select[name="workload"]').addEventListener('change', (e) => choose(e.target.value));
  };
  choose(name);
  lab.querySelector('.fields-slot').before(describe);

  let typing = null;
  const soon = () => { clearTimeout(typing); typing = setTimeout(describeCurrent, 300); };
  lab.querySelector('.fields-slot').addEventListener('input', soon);
  lab.querySelector('.fields-slot').addEventListener('change', soon);
  lab.addEventListener('cell-change', soon);
  describeCurrent();

  page(main, {
    title: 'Lab',
    lead: '<p>Everything the engine can do, on any workload. The address bar keeps the form ("Copy link" shares it), e.g. <code>#/lab?workload=parametric&amp;n=5000&amp;cost_us=50</code>.</p>',
    cells: [lab],
  });
}
