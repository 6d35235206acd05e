// The Lab's engine requests and how each result is drawn, shared by the catalog cell and the
// function cell: the same job runs through the same figures whichever way it was written.
import * as fig from '../figures.js';
import { el, seconds } from '../format.js';
import { renderPlan, renderReport } from '../report.js';
import { compareTable, planShape, ranSentence } from './common.js';

export const ACTIONS = [
  { id: 'optimize', label: 'Optimize' },
  { id: 'execute', label: 'Run', title: 'execute the recommended plan and draw its timeline' },
  { id: 'compare', label: 'Compare', title: 'serial, blind (every core, chunks of 1), the recommendation and the best measured shape' },
  { id: 'sweep', label: 'Sweep', title: 'every (workers, chunk size) on a grid: the k × c heatmap' },
  { id: 'curve', label: 'Worker curve' },
  { id: 'tune', label: 'Tune' },
];

const json = (v, max = 120) => {
  const text = JSON.stringify(v);
  return text.length > max ? `${text.slice(0, max)}…` : text;
};

/** A user's function: its first items and what it returned for them. Built from DOM nodes,
 * since the values are the visitor's (or a link's) own. */
function previewTable({ items, results }) {
  const rows = items.map((item, i) => el('tr', {},
    el('th', { scope: 'row' }, String(i)),
    el('td', {}, el('code', {}, json(item))),
    el('td', {}, el('code', {}, json(results[i])))));
  return el('table', { class: 'data', 'data-preview': '' },
    el('caption', {}, 'First results'),
    el('thead', {}, el('tr', {}, el('th', {}, 'i'), el('th', {}, 'item'), el('th', {}, 'result'))),
    el('tbody', {}, ...rows));
}

/** Runs `action` on `job` and draws its result into the cell; returns the engine's value. */
export async function runAction(action, job, v, ctx, name) {
  let value;
  if (action === 'optimize') {
    value = await ctx.request({ kind: 'optimize', job });
    const [plan, report] = value;
    ctx.html(renderPlan(plan));
    ctx.chart(fig.breakdown(plan, `${name}-breakdown`));
    ctx.html(renderReport(report));
  } else if (action === 'execute') {
    value = await ctx.request({ kind: 'execute', job, shape: { type: 'recommended' } });
    ctx.html(`<p data-ran>${ranSentence(value)}</p>`);
    if (value.preview) ctx.append(previewTable(value.preview));
    if (value.run.chunks.length) ctx.chart(fig.timeline(value.run, `${name}-timeline`));
    ctx.html(renderReport(value.report));
  } else if (action === 'sweep') {
    value = await ctx.request({ kind: 'sweep', job, repeats: v.repeats });
    const [plan, sweep] = value;
    ctx.chart(fig.heatmap(sweep, `${name}-heatmap`));
    ctx.chart(fig.predictedVsMeasured(sweep, `${name}-predicted-vs-measured`));
    ctx.html(`<p data-swept>Best: <strong>k=${sweep.best.workers}, c=${sweep.best.chunk_size}</strong> at ${seconds(sweep.best.time.median_s)}; recommended ${planShape(plan)}. ${sweep.runs} runs in ${seconds(sweep.elapsed_s)}.</p>`);
  } else if (action === 'tune') {
    value = await ctx.request({ kind: 'tune', job });
    const [plan, t] = value;
    ctx.html(`<p>Tuner: <strong>${planShape(t.plan)}</strong> at ${seconds(t.best_time_s)} (serial ${seconds(t.serial_time_s)}), ${t.runs} runs in ${t.rounds} rounds, ${seconds(t.elapsed_s)}. Model: ${planShape(plan)}, predicted ${seconds(plan.predicted_time_s)}${t.model_time_s == null ? '' : `, measured ${seconds(t.model_time_s)} among the tuner's runs`}.</p>`);
    ctx.chart(fig.searchCost([
      { label: 'model', shape: planShape(plan), time_s: t.model_time_s ?? null, predicted_s: plan.predicted_time_s, cost_s: plan.decision.total_s, runs: 0 },
      { label: 'adaptive tuner', shape: planShape(t.plan), time_s: t.best_time_s, predicted_s: t.plan.predicted_time_s, cost_s: t.elapsed_s, runs: t.runs },
    ], `${name}-tune`));
  } else if (action === 'curve') {
    value = await ctx.request({ kind: 'worker_curve', job, max_workers: v.max_workers, repeats: v.repeats });
    for (const spec of fig.workerCurve(value, name)) ctx.chart(spec);
  } else if (action === 'compare') {
    value = await ctx.request({ kind: 'compare', job, repeats: v.repeats });
    ctx.html(renderPlan(value.plan));
    for (const spec of fig.compareBars(value, name)) ctx.chart(spec);
    ctx.html(compareTable(value));
    ctx.html(renderReport(value.report));
  }
  return value;
}
