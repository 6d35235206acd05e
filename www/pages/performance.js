// Page 2: Performance analysis: overhead breakdown, speedup vs per-item cost, speedup vs N,
// and the per-worker chunk timeline.
import { cell, page } from '../cells.js';
import * as code from '../code.js';
import { jobFrom, nField, paramFields, repeatsField } from '../fields.js';
import * as fig from '../figures.js';
import { renderPlan } from '../report.js';
import { count, seconds, x } from '../format.js';
import { doubtNote, planShape, ranSentence, singleThreadNote, workload } from './common.js';

/** The timeline's own workers and chunk size apply only to the shape the visitor fixes. */
const FIXED_SHAPE = { field: 'shape', values: ['fixed'] };
const listField = (name, label, value, extra = {}) => ({ name, label, type: 'list', value, min: 1, maxItems: 12, ...extra });

export function render(main, { info, catalog }) {
  const cpu = workload(catalog, 'cpu-loop');
  const par = workload(catalog, 'parametric');

  const breakdown = cell({
    title: '1. Where the time goes: the overhead breakdown',
    intro: `<p>For every worker count the model predicts the parallel time as compute (the work divided among the workers) plus start-up, dispatch
      (handing out chunks), transfer (copying, for copy transfer only) and imbalance (idle workers at the end). These are the engine's predictions from
      measured costs; the worker sweep on <a href="#/">Getting started</a> measures the totals.</p>`,
    fields: [...paramFields(par, { cost_us: 20 }), nField(2000)],
    code: (v) => code.optimize(jobFrom(v, 'parametric')),
    async run(v, ctx) {
      const [plan] = await ctx.request({ kind: 'optimize', job: jobFrom(v, 'parametric') });
      ctx.chart({ ...fig.breakdown(plan, 'parametric', info.mode.threads), workload: 'parametric' });
      ctx.html(renderPlan(plan));
    },
  });

  const cost = cell({
    title: '2. Speedup against per-item cost',
    intro: `<p>The same number of items, each costing more: the fixed overheads are amortized over more work, so the speedup climbs toward the number of
      cores. At each cost the engine re-optimizes, then measures serial and the recommended plan.</p>${singleThreadNote(info)}`,
    fields: [...paramFields(par).filter((f) => f.name !== 'p.cost_us'), nField(400), listField('values', 'per-item cost values (µs)', [1, 5, 20, 100, 500], { max: 1e6 }), repeatsField(3)],
    code: (v) => code.scaling(jobFrom(v, 'parametric'), { kind: 'param', name: 'cost_us' }, v.values),
    async run(v, ctx) {
      const points = await ctx.request({ kind: 'scaling', job: jobFrom(v, 'parametric'), axis: { kind: 'param', name: 'cost_us' }, values: v.values, repeats: v.repeats });
      ctx.chart({ ...fig.scaling(points, { name: 'speedup-vs-cost', axisName: 'per-item cost (µs)', log: true }), workload: 'parametric' });
      ctx.html(pointsTable(points, 'cost (µs)'));
    },
  });

  const size = cell({
    title: '3. Speedup against N',
    intro: `<p>The same per-item cost, more items: a larger job amortizes start-up better. Small N often stays serial.</p>`,
    fields: [...paramFields(cpu), listField('values', 'N values', [50, 200, 1000, 4000].map((f) => Math.max(1, Math.round((f * cpu.default_n) / 1000))), { integer: true, max: 1e7 }), repeatsField(3)],
    code: (v) => code.scaling(jobFrom(v, 'cpu-loop'), { kind: 'items' }, v.values),
    async run(v, ctx) {
      const points = await ctx.request({ kind: 'scaling', job: jobFrom(v, 'cpu-loop'), axis: { kind: 'items' }, values: v.values, repeats: v.repeats });
      ctx.chart({ ...fig.scaling(points, { name: 'speedup-vs-n', axisName: 'items (N)', log: true }), workload: 'cpu-loop' });
      ctx.html(pointsTable(points, 'N'));
    },
  });

  const timeline = cell({
    title: '4. Per-worker chunk timeline',
    intro: `<p>One real run, drawn as the chunks each worker took over time. Gaps between chunks are dispatch; a ragged right edge is imbalance.
      With <em>lognormal</em> item costs (high CV) big chunks end unevenly; try a small fixed chunk size to see the tail shrink.</p>`,
    fields: [
      ...paramFields(par, { cost_us: 50, distribution: 'lognormal', cv: 1 }), nField(1000),
      { name: 'shape', label: 'shape', type: 'choice', options: ['recommended', 'fixed'], value: 'recommended' },
      { name: 'workers', label: 'workers (fixed)', type: 'number', min: 1, max: info.mode.threads, integer: true, value: Math.min(info.mode.threads, Math.max(2, info.mode.cores)), onlyWhen: FIXED_SHAPE },
      { name: 'chunk_size', label: 'chunk size (fixed)', type: 'number', min: 1, max: 1e7, integer: true, value: 100, onlyWhen: FIXED_SHAPE },
    ],
    code: (v) => code.execute(jobFrom(v, 'parametric'), shapeOf(v)),
    async run(v, ctx) {
      const r = await ctx.request({ kind: 'execute', job: jobFrom(v, 'parametric'), shape: shapeOf(v) });
      ctx.html(`<p>${ranSentence(r, `, ${count(r.run.chunks.length, 'chunk')}`)}</p>`);
      if (r.run.chunks.length) ctx.chart({ ...fig.timeline(r.run, 'chunks'), workload: 'parametric' });
      else ctx.html('<p class="note">A serial run has no chunks to draw: choose a fixed shape to see workers.</p>');
    },
  });

  page(main, {
    title: 'Performance analysis',
    lead: '<p>Why a parallel run is as fast as it is: the overheads, how per-item cost and N amortize them, and what each worker did.</p>',
    cells: [breakdown, cost, size, timeline],
  });
}

function shapeOf(v) {
  return v.shape === 'fixed' ? { type: 'fixed', workers: v.workers, chunk_size: v.chunk_size } : { type: 'recommended' };
}

function pointsTable(points, label) {
  // When N itself is what varies, one N column says it all. The speedup comes second so that it
  // stays in view on a phone; a serial plan is the serial run, 1.00x.
  const itemsColumn = label !== 'N';
  return `<table class="data" tabindex="0" data-consistency="points"><thead><tr><th scope="col">${label}</th><th scope="col">speedup</th><th scope="col">predicted</th>${itemsColumn ? '<th scope="col">N</th>' : ''}<th scope="col">plan</th><th scope="col">serial</th><th scope="col">plan time</th></tr></thead><tbody>${
    points.map((p) => {
      const time = p.recommended.median_s;
      return `<tr data-time="${time}" data-serial="${p.serial.median_s}" data-speedup="${p.speedup}" data-serial-plan="${p.plan.strategy === 'serial'}"><th scope="row">${p.x}</th><td><strong>${x(p.speedup)}</strong></td><td>${x(p.predicted_speedup)}</td>${itemsColumn ? `<td>${p.items}</td>` : ''}<td>${planShape(p.plan)}</td><td>${seconds(p.serial.median_s)}</td><td>${seconds(time)}</td></tr>`;
    }).join('')
  }</tbody></table>${points.filter((p) => p.verdict?.doubt).map((p) => doubtNote(p.verdict.doubt, `${label} ${p.x}: `)).join('')}`;
}
