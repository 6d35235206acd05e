// Page 3: Parameter tuning: the k × c heatmap, and the adaptive tuner vs the full grid vs the model.
import { cell, page } from '../cells.js';
import * as code from '../code.js';
import { jobFrom, nField, paramFields, repeatsField } from '../fields.js';
import * as fig from '../figures.js';
import { esc, seconds, shapeLabel } from '../format.js';
import { planShape, workload } from './common.js';

export function render(main, { info, catalog }) {
  const cpu = workload(catalog, 'cpu-loop');
  const workersDefault = Array.from({ length: Math.min(info.mode.threads, Math.max(2, info.mode.cores) + 2) }, (_, i) => i + 1);
  const list = (name, label, value, help) => ({ name, label, type: 'list', value, min: 1, max: 1e7, integer: true, maxItems: 16, help });

  const grid = cell({
    title: '1. The full grid: time over workers × chunk size',
    intro: `<p>Measure every (k, c) pair a few times and keep the median. Small chunks pay dispatch on every hand-off; huge chunks leave workers idle.
      Hover a cell for the model's prediction beside the measurement. Serial is measured too, as the baseline.</p>`,
    fields: [...paramFields(cpu), nField(cpu.default_n), list('workers', 'worker counts (k)', workersDefault), list('chunk_sizes', 'chunk sizes (c)', [1, 4, 16, 64, Math.ceil(cpu.default_n / 2)]), repeatsField(3)],
    code: (v) => code.sweep(jobFrom(v, 'cpu-loop'), v.workers, v.chunk_sizes, v.repeats),
    async run(v, ctx) {
      const [plan, sweep] = await ctx.request({ kind: 'sweep', job: jobFrom(v, 'cpu-loop'), workers: v.workers, chunk_sizes: v.chunk_sizes, repeats: v.repeats });
      ctx.chart({ ...fig.heatmap(sweep, 'heatmap'), workload: 'cpu-loop' });
      ctx.html(`<p data-sweep data-best="${sweep.best.time.median_s}" data-serial="${sweep.serial?.median_s ?? ''}" data-fastest="${Math.min(...sweep.points.map((p) => p.time.median_s))}">Best measured: <strong>${shapeLabel(sweep.best.workers, sweep.best.chunk_size)}</strong> at ${seconds(sweep.best.time.median_s)}${sweep.serial ? ` against ${seconds(sweep.serial.median_s)} serial` : ''}; the model recommended <strong>${planShape(plan)}</strong>.
        The grid took ${sweep.runs} runs and ${seconds(sweep.elapsed_s)}.</p>`);
      ctx.chart({ ...fig.predictedVsMeasured(sweep, 'predicted-vs-measured'), workload: 'cpu-loop' });
    },
  });

  const search = cell({
    title: '2. Adaptive tuner vs full grid vs the model',
    intro: `<p>Three ways to choose a shape, and what each costs. The <em>model</em> predicts from a short sample (cost: the decision time). The
      <em>adaptive tuner</em> races a few promising shapes on real runs and drops the slower half each round (successive halving). The <em>full grid</em>
      measures every pair. Bars: the chosen shape's measured time (solid), its prediction (dashed), and the search cost (grey, right axis).</p>`,
    fields: [...paramFields(cpu), nField(cpu.default_n), repeatsField(3)],
    code: (v) => code.tune(jobFrom(v, 'cpu-loop')) + '\n' + code.sweep(jobFrom(v, 'cpu-loop'), null, null, v.repeats),
    async run(v, ctx) {
      const job = jobFrom(v, 'cpu-loop');
      const cmp = await ctx.request({ kind: 'compare', job, repeats: v.repeats });
      const [, sweep] = await ctx.request({ kind: 'sweep', job, repeats: v.repeats });
      const t = cmp.tuned;
      const bestPred = sweep.best.predicted_s;
      const rows = [
        { label: 'model', shape: planShape(cmp.plan), time_s: cmp.recommended.median_s, predicted_s: cmp.measured_plan.predicted_time_s, cost_s: cmp.plan.decision.total_s, runs: 0 },
        { label: 'adaptive tuner', shape: planShape(t.plan), time_s: t.best_time_s, predicted_s: t.plan.predicted_time_s, cost_s: t.elapsed_s, runs: t.runs },
        { label: 'full grid', shape: shapeLabel(sweep.best.workers, sweep.best.chunk_size), time_s: sweep.best.time.median_s, predicted_s: bestPred, cost_s: sweep.elapsed_s, runs: sweep.runs },
      ];
      ctx.chart({ ...fig.searchCost(rows, 'search-cost'), workload: 'cpu-loop' });
      ctx.html(`<table class="data" tabindex="0"><thead><tr><th>method</th><th>chosen shape</th><th>its time (measured)</th><th>predicted</th><th>search cost</th><th>runs</th></tr></thead><tbody>${
        rows.map((r) => `<tr><th scope="row">${r.label}</th><td>${esc(r.shape)}</td><td>${seconds(r.time_s)}</td><td>${seconds(r.predicted_s)}</td><td>${seconds(r.cost_s)}</td><td>${r.runs}</td></tr>`).join('')
      }</tbody></table>
      <details><summary>The tuner's rounds (${t.rounds} rounds, ${t.candidates.length} candidates)</summary>
      <table class="data" tabindex="0"><thead><tr><th>shape</th><th>predicted</th><th>median measured</th><th>runs</th><th>eliminated in round</th></tr></thead><tbody>${
        t.candidates.map((c) => `<tr><td>${shapeLabel(c.workers, c.chunk_size, c.serial)}</td><td>${seconds(c.predicted_s)}</td><td>${seconds(c.median_s)}</td><td>${c.runs_s.length}</td><td>${c.eliminated_in ?? '<strong>winner</strong>'}</td></tr>`).join('')
      }</tbody></table></details>`);
    },
  });

  page(main, {
    title: 'Parameter tuning',
    lead: '<p>The model predicts; tuning measures. How much does measuring buy over predicting, and what does it cost?</p>',
    cells: [grid, search],
  });
}
