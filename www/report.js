// The explain report (src/report.rs): the page renders the sections the engine built, the same
// ones its Display prints, and writes none of its own.
import { chunks, esc, seconds, workers, x } from './format.js';

const tag = (source) => (source ? ` <span class="tag ${source}">${source}</span>` : '');
const rows = (rs) => (rs.length ? `<table>${rs.map((r) => `<tr><th scope="row">${esc(r.label)}</th><td>${esc(r.value)}${tag(r.source)}</td></tr>`).join('')}</table>` : '');
const items = (xs) => (xs.length ? `<ul>${xs.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : '');

export function renderReport(r) {
  if (!r) return '<p class="note">No report: hand-built plans carry no measurements.</p>';
  return `<div class="report" data-report>${r.sections.map((s, i) => `<section tabindex="0" aria-label="${esc(s.title)}"><h3>[${i + 1}] ${esc(s.title)}</h3>${rows(s.rows)}${items(s.items)}</section>`).join('')}</div>`;
}

/** The recommendation in one line plus its reasons and warnings. */
export function renderPlan(plan) {
  const decision = plan.strategy === 'serial'
    ? '<strong>Stay serial.</strong>'
    : `<strong>${workers(plan.workers)} x ${chunks(plan.chunk_size)}</strong>`;
  const [low, high] = plan.speedup_interval ?? [];
  // An interval that rounds to one figure ("2.00x–2.00x") says nothing the figure does not.
  const interval = Number.isFinite(low) && x(low) !== x(high) ? ` (${x(low)}–${x(high)})` : '';
  // Calibration runs once per engine; the decisions after it spent nothing on it.
  const calibration = plan.decision.calibration_s > 0 ? `, calibration ${seconds(plan.decision.calibration_s)}` : '';
  // A short job the model could not call was run to decide it (src/trial.rs).
  const trial = plan.decision.trial_s > 0 ? `, trial runs ${seconds(plan.decision.trial_s)}` : '';
  return `<div class="plan" data-plan>
    <p class="decision">Recommendation: ${decision} Predicted ${seconds(plan.predicted_time_s)} against ${seconds(plan.predicted_serial_s)} serial:
      <strong>${plan.strategy === 'serial' ? x(1) : x(plan.predicted_speedup)}</strong>${plan.strategy === 'serial' ? '' : interval}. Deciding took ${seconds(plan.decision.total_s)}
      (sampling ${seconds(plan.decision.sampling_s)}${calibration}${trial}).</p>
    <ul class="reasons">${plan.reasons.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>
    ${plan.warnings.length ? `<ul class="warnings">${plan.warnings.map((w) => `<li>⚠ ${esc(w.message)}</li>`).join('')}</ul>` : ''}
  </div>`;
}
