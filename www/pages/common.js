// Shared helpers for the tutorial pages.
import { cell } from '../cells.js';
import * as code from '../code.js';
import { jobFrom, nField, paramFields, repeatsField } from '../fields.js';
import * as fig from '../figures.js';
import { count, el, runs, seconds, shapeLabel, x } from '../format.js';
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

/** "Ran <shape> in <time> (predicted <time>; back to back a run takes <time>)": an execute
 * response's own reading, the plan's prediction, and, for a short run, the engine's steady
 * reading (a single short run also pays one-off costs that the prediction leaves out). */
export function ranSentence(r, tail = '') {
  const notes = [
    Number.isFinite(r.plan.predicted_time_s) ? `predicted ${seconds(r.plan.predicted_time_s)}` : null,
    r.steady_s == null ? null : `back to back a run takes ${seconds(r.steady_s)}`,
  ].filter(Boolean);
  return `Ran <strong>${planShape(r.plan)}</strong> in <strong>${seconds(r.run.elapsed_s)}</strong>${notes.length ? ` (${notes.join('; ')})` : ''}${tail}.`;
}

export function planShape(plan) {
  return plan.strategy === 'serial' ? 'serial' : shapeLabel(plan.workers, plan.chunk_size, plan.profile?.items);
}

/**
 * A compact table of a `compare` result. The speedup comes second, so that it stays in view on
 * a phone while the rest scrolls. The engine gives every figure: a serial plan is the serial run
 * (1.00x), and "best measured" is the fastest of the runs shown.
 */
export function compareTable(cmp) {
  const best = cmp.best;
  const rows = [
    ['serial', 'serial', cmp.serial, cmp.measured_plan.predicted_serial_s, 1, 1],
    ['blind', shapeLabel(cmp.blind_workers, 1), cmp.blind, cmp.blind_plan.predicted_time_s, cmp.speedup_blind, cmp.blind_plan.predicted_speedup],
    ['optimized', planShape(cmp.plan), cmp.recommended, cmp.measured_plan.predicted_time_s, cmp.speedup_recommended, cmp.measured_plan.predicted_speedup],
    ['best measured', planShape(best.plan), { median_s: best.time_s }, best.predicted_s, best.speedup, best.predicted_speedup],
  ];
  return `<table class="data" tabindex="0" data-consistency="compare" data-serial="${cmp.serial.median_s}"><thead><tr><th scope="col">run</th><th scope="col">speedup</th><th scope="col">predicted speedup</th><th scope="col">shape</th><th scope="col">time (median)</th><th scope="col">predicted time</th></tr></thead><tbody>${
    rows.map(([n, shape, m, p, s, ps]) => `<tr class="${Number.isFinite(s) && s < 1 ? 'slower' : ''}" data-row="${n}" data-time="${m.median_s}" data-speedup="${s}"><th scope="row">${n}</th><td><strong>${x(s)}</strong></td><td>${x(ps)}</td><td>${shape}</td><td>${seconds(m.median_s)}${m.min_s !== undefined ? ` <small>(${seconds(m.min_s)}–${seconds(m.max_s)})</small>` : ''}</td><td>${seconds(p)}</td></tr>`).join('')
  }</tbody></table>${doubts(cmp.verdicts)}<p class="note">${count(cmp.plan.profile?.items ?? 0, 'item')}; medians of ${runs(cmp.serial.runs_s.length)}. The adaptive tuner measured ${runs(cmp.tuned.runs)} in ${seconds(cmp.tuned.elapsed_s)} to find the best shape.${grownNote(cmp)}</p>`;
}

/**
 * When the decision priced growing memory for the results: the runs above came after an untimed
 * first run had grown it, and are predicted as such.
 */
function grownNote(cmp) {
  if (cmp.measured_plan.predicted_serial_s === cmp.plan.predicted_serial_s) return '';
  return ` An untimed first run grew this page's memory for the results, so the predictions beside the runs leave growing it out;
    the recommendation's own (${seconds(cmp.plan.predicted_time_s)} against ${seconds(cmp.plan.predicted_serial_s)} serial) is for a first run, which pays for it.`;
}

/** The engine's doubts about a comparison's speedups (`{blind, recommended, best}` verdicts), one note per distinct doubt. */
function doubts(verdicts) {
  const said = [...new Set(['blind', 'recommended', 'best'].map((run) => verdicts?.[run]?.doubt).filter(Boolean))];
  return said.map((d) => doubtNote(d)).join('');
}

/** One of the engine's doubts as a note, after `about` (what the doubted figure belongs to). */
export function doubtNote(doubt, about = '') {
  return `<p class="note warn" data-doubt>${about}${doubt}</p>`;
}

/** A cell that runs `compare` on catalog workload `w`: the plan, the bars and the table. */
export function compareCell(w, { title, intro }) {
  return cell({
    title,
    intro,
    workload: w.name,
    fields: [...paramFields(w), nField(w.default_n), repeatsField(3)],
    code: (v) => code.compare(jobFrom(v, w.name)),
    async run(v, ctx) {
      const cmp = await ctx.request({ kind: 'compare', job: jobFrom(v, w.name), repeats: v.repeats });
      ctx.html(renderPlan(cmp.plan));
      for (const spec of fig.compareBars(cmp, w.name)) ctx.chart({ ...spec, workload: w.name });
      ctx.html(compareTable(cmp));
    },
  });
}

// `v` is a verdict from the engine ({class, label}); the engine owns the thresholds and words.
export function verdict(v) {
  if (!v) return '';
  const tone = { faster: ' good', no_gain: '', slower: ' bad' }[v.class] ?? '';
  return `<span class="verdict${tone}">${v.label}</span>`;
}

export function singleThreadNote(info) {
  return info.mode.threaded ? '' : '<p class="note warn">Single-threaded mode: parallel shapes run inline on one thread here, so expect speedups near 1x (see the banner to get threads).</p>';
}

export { el };
