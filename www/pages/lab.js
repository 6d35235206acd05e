// Page 5: Lab: any catalog workload with all its parameters, N, transfer and start; Optimize,
// Run, Sweep, Tune, Worker curve, Compare; every chart; export. URL parameters prefill the form:
// #/lab?workload=parametric&n=5000&cost_us=50&transfer=copy
import { cell, page } from '../cells.js';
import * as code from '../code.js';
import { downloadJson } from '../export.js';
import { jobFrom, nField, paramFields, repeatsField, startField, transferField } from '../fields.js';
import { el, esc } from '../format.js';
import { functionCell, isFunctionQuery } from './function-cell.js';
import { ACTIONS, runAction } from './lab-actions.js';
import { singleThreadNote } from './common.js';

const GENERAL = ['workload', 'n', 'transfer', 'start', 'repeats', 'embed', 'threads', 'max_workers'];

export function render(main, { info, catalog, query }) {
  const notices = [];
  let name = query.get('workload') ?? 'parametric';
  if (!catalog.some((w) => w.name === name)) {
    notices.push(`URL workload "${name}" is not in the catalog (${catalog.map((w) => w.name).join(', ')}); showing parametric.`);
    name = 'parametric';
  }
  let last = null;
  const workloadField = { name: 'workload', label: 'workload', type: 'choice', options: catalog.map((w) => w.name), value: name };
  const fieldsFor = (wl) => {
    const w = catalog.find((c) => c.name === wl);
    return [workloadField && { ...workloadField, value: wl }, ...paramFields(w), nField(w.default_n), transferField(), startField(),
      { name: 'max_workers', label: 'largest k (curve)', type: 'number', min: 1, max: info.mode.threads, integer: true, value: Math.min(info.mode.threads, 8) },
      repeatsField(3)];
  };
  const describe = el('div', { class: 'workload-info' });
  const showInfo = (wl) => {
    const w = catalog.find((c) => c.name === wl);
    describe.innerHTML = `<p><strong>${esc(w.title)}</strong>: ${esc(w.description)} <em>Stands for:</em> ${esc(w.stands_for)} Default N ${w.default_n}, benchmark N ${w.bench_n}.</p>`;
  };

  const lab = cell({
    id: 'lab',
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

  const form = () => lab.form();
  const wire = () => {
    const select = lab.querySelector('select[name="workload"]');
    select?.addEventListener('change', () => {
      lab.replaceFields(fieldsFor(select.value));
      showInfo(select.value);
      wire();
    });
  };
  wire();
  showInfo(name);
  lab.querySelector('.fields-slot').before(describe);

  // Prefill from the URL; invalid values show an inline error and keep the default. A link to
  // a function (fn=, share=, preset=) prefills the function cell instead.
  const own = isFunctionQuery(query);
  for (const [key, raw] of own ? [] : query) {
    if (key === 'workload' || key === 'embed' || key === 'threads') continue;
    const fieldName = GENERAL.includes(key) ? key : `p.${key}`;
    if (!form().has(fieldName)) {
      notices.push(`URL parameter "${key}" is not a parameter of ${name}; ignored.`);
      continue;
    }
    form().set(fieldName, raw);
  }
  if (notices.length) lab.querySelector('.intro').append(el('div', { class: 'error', role: 'alert' }, notices.join(' ')));

  const fnCell = functionCell({ info, query: own ? query : new URLSearchParams() });
  page(main, {
    title: 'Lab',
    lead: '<p>Everything the engine can do, on any catalog workload or on your own function. The address bar can prefill the form, e.g. <code>#/lab?workload=parametric&amp;n=5000&amp;cost_us=50</code> or <code>#/lab?fn=x%20%3D%3E%20x%20*%202&amp;n=1000</code>.</p>',
    cells: own ? [fnCell, lab] : [lab, fnCell],
  });
}
