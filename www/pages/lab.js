// Page 5: Lab: any catalog workload with all its parameters, N, transfer and start; Optimize,
// Run, Sweep, Tune, Worker curve, Compare; every chart; export. URL parameters prefill the form:
// #/lab?workload=parametric&n=5000&cost_us=50&transfer=copy
import { cell, currentEngine, page } from '../cells.js';
import * as code from '../code.js';
import { downloadJson } from '../export.js';
import { jobFrom, nField, paramFields, repeatsField, startField, transferField } from '../fields.js';
import { el, int } from '../format.js';
import { singleThreadNote } from './common.js';
import { FUNCTION_CELL, functionCell, isFunctionLink } from './function-cell.js';
import { ACTIONS, runAction } from './lab-actions.js';

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
    describe.replaceChildren(el('p', {}, el('strong', {}, w.title), `: ${w.description} `, el('em', {}, 'Stands for:'), ` ${w.stands_for} Default N ${int(w.default_n)}, benchmark N ${int(w.bench_n)}.`));
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
    title: 'Lab',
    intro: `<p>Pick any workload from the engine's catalog, set its parameters, and run any engine request on it. <code>parametric</code> lets you
      dial per-item cost, its distribution and spread, and bytes in and out.</p>${singleThreadNote(info)}`,
    fields: fieldsFor(name),
    actions: ACTIONS,
    code: (v) => code.optimize(jobFrom(v)),
    async run(v, ctx, action) {
      const job = jobFrom(v);
      const value = await runAction(action, job, v, ctx, 'lab');
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

  // A link to a function (fn=, share=, preset=) puts the function cell first and gives it the
  // address's unprefixed keys.
  const own = isFunctionLink(cellValues(FUNCTION_CELL));
  const fnCell = functionCell({ info });
  page(main, {
    title: 'Lab',
    lead: '<p>Everything the engine can do, on any catalog workload or on your own function. The address bar keeps the forms ("Copy link" shares them), e.g. <code>#/lab?workload=parametric&amp;n=5000&amp;cost_us=50</code> or <code>#/lab?fn=x%20%3D%3E%20x%20*%202&amp;n=1000</code>.</p>',
    cells: own ? [fnCell, lab] : [lab, fnCell],
    owner: (values) => (isFunctionLink(values) ? FUNCTION_CELL : 'lab'),
  });
  // After page() applied the address's values, so that the text follows them.
  describeCurrent();
}
