// Shared helpers for the tutorial pages.
import { cell } from '../cells.js';
import * as code from '../code.js';
import { jobFrom, nField, paramFields, repeatsField } from '../fields.js';
import * as fig from '../figures.js';
import { el, int, seconds, shapeLabel, x } from '../format.js';
import { renderPlan } from '../report.js';

export function workload(catalog, name) {
  const info = catalog.find((w) => w.name === name);
  if (!info) throw new Error(`the catalog has no workload "${name}"`);
  return info;
}

/** Largest worker count worth sweeping: the pool's threads, capped. */
export function maxWorkers(info, cap = 16) {
  return Math.max(1, Math.min(info.mode.threads, cap));
}

export function planShape(plan) {
  return plan.strategy === 'serial' ? 'serial' : shapeLabel(plan.workers, plan.chunk_size);
}

/** A compact table of a `compare` result. */
export function compareTable(cmp) {
  const rows = [
    ['serial', 'serial', cmp.serial, cmp.plan.predicted_serial_s, 1, 1],
    ['blind', shapeLabel(cmp.blind_workers, 1), cmp.blind, null, cmp.speedup_blind, null],
    ['optimized', planShape(cmp.plan), cmp.recommended, cmp.plan.predicted_time_s, cmp.speedup_recommended, cmp.plan.predicted_speedup],
    ['best measured', planShape(cmp.tuned.plan), { median_s: cmp.tuned.best_time_s }, cmp.tuned.plan.predicted_time_s, cmp.speedup_best, cmp.tuned.plan.predicted_speedup],
  ];
  return `<table class="data"><thead><tr><th>run</th><th>shape</th><th>measured (median)</th><th>predicted</th><th>speedup measured</th><th>predicted</th></tr></thead><tbody>${
    rows.map(([n, shape, m, p, s, ps]) => `<tr class="${Number.isFinite(s) && s < 1 ? 'slower' : ''}"><th scope="row">${n}</th><td>${shape}</td><td>${seconds(m.median_s)}${m.min_s !== undefined ? ` <small>(${seconds(m.min_s)}–${seconds(m.max_s)})</small>` : ''}</td><td>${seconds(p)}</td><td><strong>${x(s)}</strong></td><td>${x(ps)}</td></tr>`).join('')
  }</tbody></table><p class="note">${int(cmp.plan.profile?.items)} items; medians of ${cmp.serial.runs_s.length} runs. The adaptive tuner measured ${cmp.tuned.runs} runs in ${seconds(cmp.tuned.elapsed_s)} to find the best shape.</p>`;
}

/** A cell that runs `compare` on catalog workload `w`: the plan, the bars and the table. */
export function compareCell(w, { id, title, intro }) {
  return cell({
    id,
    title,
    intro,
    workload: w.name,
    fields: [...paramFields(w), nField(w.default_n), repeatsField(3)],
    code: (v) => code.compare(jobFrom(v, w.name)),
    async run(v, ctx) {
      const cmp = await ctx.request({ kind: 'compare', job: jobFrom(v, w.name), repeats: v.repeats });
      ctx.html(renderPlan(cmp.plan));
      for (const spec of fig.compareBars(cmp, w.name)) ctx.chart(spec);
      ctx.html(compareTable(cmp));
    },
  });
}

export function verdict(speedup) {
  if (!Number.isFinite(speedup)) return '';
  if (speedup < 0.95) return `<span class="verdict bad">${x(speedup)}: slower than serial (negative scaling)</span>`;
  if (speedup < 1.05) return `<span class="verdict">${x(speedup)}: no gain</span>`;
  return `<span class="verdict good">${x(speedup)} faster</span>`;
}

export function singleThreadNote(info) {
  return info.mode.threaded ? '' : '<p class="note warn">Single-threaded mode: parallel shapes run inline on one thread here, so expect speedups near 1× (see the banner to get threads).</p>';
}

export { el };
