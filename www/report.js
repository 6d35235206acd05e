// The explain report (src/report.rs Report), rendered in the sections of its Display impl.
import { bytes, chunks, esc, pct, seconds, workers, x } from './format.js';

const BOTTLENECK = {
  none: 'none: overheads are small',
  insufficient_work: 'insufficient work',
  startup: 'start-up',
  dispatch: 'dispatch (handing out chunks)',
  transfer: 'transfer (copying items and results)',
  imbalance: 'imbalance (workers finish unevenly)',
  heterogeneous: 'heterogeneous item costs',
};

const row = (k, v) => `<tr><th scope="row">${esc(k)}</th><td>${v}</td></tr>`;
const tag = (source) => `<span class="tag ${source}">${source}</span>`;

export function renderReport(r) {
  if (!r) return '<p class="note">No report: hand-built plans carry no measurements.</p>';
  const b = r.breakdown;
  const sections = [
    ['[1] Workload', `<table>${[
      row('items', r.items.toLocaleString('en-US')),
      row('time per item', `${seconds(r.mean_item_s)} (CV ${r.cv.toFixed(2)})`),
      row('p10 / p50 / p90 / max', r.quantiles_s.map(seconds).join(' / ')),
      row('cost skew by index', `${r.index_skew.toFixed(2)}×`),
      row('slowdown, one worker per core', `${r.contention.toFixed(2)}× ${tag(r.contention_source)}`),
      row('CPU share', `${pct(r.cpu_fraction)} ${tag(r.cpu_fraction_source)}`),
      row('bytes in / out', `${bytes(r.bytes_in)} / ${bytes(r.bytes_out)}`),
      row('sampled items', r.sampled_items),
    ].join('')}</table>`],
    ['[2] System', `<table>${[
      row('cores / pool threads', `${r.cores} / ${r.threads}`),
      ...r.costs.map(([name, fig]) => row(name, `${seconds(fig.value)} ${tag(fig.source)}`)),
    ].join('')}</table>`],
    [`[3] Decision: ${esc(r.plan_label)}`, `<ul>${r.reasons.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>`],
    ['[4] Prediction', `<table>${[
      row('serial', seconds(r.predicted_serial_s)),
      row('this plan', seconds(r.predicted_time_s)),
      row('speedup', `${r.predicted_speedup.toFixed(2)}× (${r.speedup_interval[0].toFixed(2)}× – ${r.speedup_interval[1].toFixed(2)}×), efficiency ${pct(r.efficiency)}`),
      row('breakdown', `compute ${seconds(b.compute_s)}, start-up ${seconds(b.startup_s)}, dispatch ${seconds(b.dispatch_s)}, transfer ${seconds(b.transfer_s)}, imbalance ${seconds(b.imbalance_s)}`),
      row('decision took', seconds(r.decision_s)),
    ].join('')}</table>`],
    [`[5] Bottleneck: ${esc(BOTTLENECK[r.bottleneck] ?? r.bottleneck)}`, `<ul>${r.advice.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>`],
  ];
  if (r.warnings.length) {
    sections.push(['[6] Warnings', `<ul>${r.warnings.map((w) => `<li><code>${esc(w.kind)}</code> ${esc(w.message)}</li>`).join('')}</ul>`]);
  }
  if (r.measured) {
    const m = r.measured;
    sections.push(['[7] Measured', `<p>serial ${seconds(m.serial_s)}, plan ${seconds(m.plan_s)}: <strong>${m.speedup.toFixed(2)}× measured</strong> vs ${r.predicted_speedup.toFixed(2)}× predicted (error ${pct(m.prediction_error)})</p>`]);
  }
  return `<div class="report" data-report>${sections.map(([h, body]) => `<section><h3>${h}</h3>${body}</section>`).join('')}</div>`;
}

/** The recommendation in one line plus its reasons and warnings. */
export function renderPlan(plan) {
  const decision = plan.strategy === 'serial'
    ? '<strong>Stay serial.</strong>'
    : `<strong>${workers(plan.workers)} × ${chunks(plan.chunk_size)}</strong>`;
  const interval = Number.isFinite(plan.speedup_interval?.[0]) ? ` (${plan.speedup_interval[0].toFixed(2)}×–${plan.speedup_interval[1].toFixed(2)}×)` : '';
  return `<div class="plan" data-plan>
    <p class="decision">Recommendation: ${decision} Predicted ${seconds(plan.predicted_time_s)} against ${seconds(plan.predicted_serial_s)} serial:
      <strong>${plan.strategy === 'serial' ? x(1) : x(plan.predicted_speedup)}</strong>${plan.strategy === 'serial' ? '' : interval}. Deciding took ${seconds(plan.decision.total_s)}
      (sampling ${seconds(plan.decision.sampling_s)}, calibration ${seconds(plan.decision.calibration_s)}).</p>
    <ul class="reasons">${plan.reasons.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>
    ${plan.warnings.length ? `<ul class="warnings">${plan.warnings.map((w) => `<li>⚠ ${esc(w.message)}</li>`).join('')}</ul>` : ''}
  </div>`;
}
