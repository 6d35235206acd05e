// Cells: one tutorial step each. Title, explanation, editable parameters, Run (or Ctrl/Cmd-
// Enter inside the cell), a progress bar with Cancel, the result, and the native Rust code.
import * as engine from './engine-client.js';
import { chart, sweepDetached } from './charts.js';
import { el, esc, seconds } from './format.js';
import { renderForm } from './fields.js';

/**
 * Resolves once the page has drawn two frames and gone idle, or after 300 ms. A hidden page
 * paints nothing and gets no animation frames, so it resolves at once there.
 */
function untilPageIdle() {
  if (document.hidden) return Promise.resolve();
  return new Promise((resolve) => {
    const fallback = setTimeout(resolve, 300);
    const done = () => { clearTimeout(fallback); resolve(); };
    requestAnimationFrame(() => requestAnimationFrame(() => requestIdleCallback(done, { timeout: 200 })));
  });
}

function describeError(e) {
  if (e && typeof e === 'object' && 'kind' in e) return e;
  return { kind: 'error', message: String(e?.message ?? e) };
}

/**
 * def = {id, title, intro (HTML), fields, code(values) -> string, run(values, ctx)}.
 * ctx = {request(req), out, chart(spec), html(str), info}.
 */
export function cell(def) {
  let form = renderForm(def.fields ?? [], () => refreshCode());
  const code = el('code', { class: 'language-rust' });
  const actions = def.actions ?? [{ id: 'run', label: 'Run' }];
  const buttons = actions.map((a, i) => el('button', { type: 'button', class: i === 0 ? 'run' : 'run secondary', 'data-action': a.id, title: a.title ?? '', onclick: () => run(a.id) }, a.label));
  const cancelButton = el('button', { type: 'button', class: 'cancel', hidden: true, onclick: () => cancel() }, 'Cancel');
  const bar = el('progress', { max: 1, 'aria-label': `${def.title}: progress` });
  const barText = el('span', { class: 'progress-text' });
  const progress = el('div', { class: 'progress', hidden: true }, bar, barText, cancelButton);
  const status = el('span', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const errorBox = el('div', { class: 'error', role: 'alert', hidden: true });
  const out = el('div', { class: 'out' });
  const fieldsSlot = el('div', { class: 'fields-slot' }, form.form);
  const root = el('section', { class: 'cell', id: def.id, 'data-cell': def.id, 'data-state': 'idle', tabindex: '-1' },
    el('h2', {}, el('a', { href: `#${location.hash.split('?')[0].replace(/^#/, '') || '/'}`, class: 'anchor', 'aria-hidden': 'true', tabindex: '-1' }), def.title),
    el('div', { class: 'intro', html: def.intro ?? '' }),
    def.fields?.length ? fieldsSlot : null,
    def.run ? el('div', { class: 'actions' }, ...buttons, status) : null,
    progress,
    errorBox,
    out,
    el('details', { class: 'code' }, el('summary', {}, 'The same step in native Rust'), el('pre', {}, code)),
  );
  let pending = null;
  let cancelled = false;

  function values() {
    return form.read();
  }
  function refreshCode() {
    const { values: v, errors } = form.read();
    if (def.code) code.textContent = Object.keys(errors).length ? '// fix the parameters above' : def.code(v);
  }
  root.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      run();
    }
  });

  async function run(action = actions[0].id) {
    if (!def.run) return true;
    if (root.dataset.state === 'running') return root.done;
    const { values: v, errors } = values();
    if (Object.keys(errors).length) {
      showError({ kind: 'invalid_parameter', message: `Fix the highlighted parameters first: ${Object.entries(errors).map(([k, m]) => `${k.replace(/^p\./, '')} ${m}`).join('; ')}` });
      return false;
    }
    errorBox.hidden = true;
    cancelled = false;
    root.dataset.state = 'running';
    buttons.forEach((b) => { b.disabled = true; });
    cancelButton.hidden = false;
    progress.hidden = false;
    bar.removeAttribute('value');
    barText.textContent = 'sampling and calibrating…';
    status.textContent = '';
    out.replaceChildren();
    sweepDetached();
    const started = performance.now();
    const ctx = {
      info: engine.current(),
      out,
      async request(req) {
        bar.removeAttribute('value');
        barText.textContent = `${req.kind.replace('_', ' ')}: sampling and calibrating…`;
        // Measure only once the page has drawn its last results: on a 2-core machine, layout,
        // chart drawing and raster running beside the engine's sampling made a uniform
        // workload read as uneven (Run all's step 4: CV 0.9 to 5, "costliest tenth 5.5x the
        // cheapest", in 3 of 3 runs when waiting one frame; none of 3 with this wait).
        await untilPageIdle();
        if (cancelled) throw { kind: 'cancelled', message: 'cancelled' };
        pending = engine.request(req, (p) => {
          if (p.total > 0) {
            bar.max = p.total;
            bar.value = p.done;
            root.dataset.progress = String(p.done / p.total);
            const shape = p.serial ? ' · now serial' : p.workers ? ` · now k=${p.workers}${p.chunk_size ? `, c=${p.chunk_size}` : ''}` : '';
            barText.textContent = `${req.kind.replace('_', ' ')}: ${p.done}/${p.total} runs (${Math.round((100 * p.done) / p.total)} %)${shape}`;
          }
        });
        try {
          return await pending;
        } finally {
          pending = null;
        }
      },
      chart: (spec, parent = out) => chart(parent, spec),
      html(str, parent = out) {
        const d = el('div', { class: 'result', html: str });
        parent.append(d);
        return d;
      },
      append(node, parent = out) {
        parent.append(node);
        return node;
      },
    };
    root.done = (async () => {
      try {
        await def.run(v, ctx, action);
        root.dataset.state = 'done';
        status.textContent = `done in ${seconds((performance.now() - started) / 1000)}`;
        return true;
      } catch (e) {
        const err = describeError(e);
        root.dataset.state = err.kind === 'cancelled' ? 'cancelled' : 'error';
        showError(err);
        if (!(e && 'kind' in e)) console.warn(e);
        return false;
      } finally {
        buttons.forEach((b) => { b.disabled = false; });
        cancelButton.hidden = true;
        progress.hidden = true;
      }
    })();
    return root.done;
  }

  function showError(err) {
    errorBox.hidden = false;
    const title = {
      cancelled: 'Cancelled.',
      crashed: 'The engine crashed and was restarted.',
      invalid_parameter: 'Invalid parameters.',
      too_many_workers: 'Too many workers for this pool.',
      too_big: 'Too big for memory.',
      too_long: 'This would run for long.',
      panicked: 'The function failed.',
    }[err.kind] ?? `Engine error (${esc(err.kind)}).`;
    errorBox.innerHTML = `<strong>${title}</strong> ${esc(err.message ?? '')}${err.kind === 'cancelled' ? ' Run again when you are ready.' : ''}`;
  }

  function cancel() {
    cancelled = true;
    if (pending) engine.cancel(pending.id);
  }

  root.run = run;
  root.cancel = cancel;
  root.form = () => form;
  root.replaceFields = (fields) => {
    form = renderForm(fields, () => refreshCode());
    fieldsSlot.replaceChildren(form.form);
    refreshCode();
  };
  refreshCode();
  return root;
}

/** A page of cells with a "Run all" button. */
export function page(main, { title, lead, cells }) {
  const runAll = el('button', { type: 'button', class: 'run-all' }, 'Run all');
  const stopAll = el('button', { type: 'button', class: 'cancel', hidden: true }, 'Stop');
  const allStatus = el('span', { class: 'status', role: 'status' });
  let stopping = false;
  runAll.addEventListener('click', async () => {
    stopping = false;
    runAll.disabled = true;
    stopAll.hidden = false;
    main.dataset.runAll = 'running';
    let ok = 0;
    for (const [i, c] of cells.entries()) {
      if (stopping) break;
      allStatus.textContent = `running ${i + 1}/${cells.length}: ${c.querySelector('h2').textContent}`;
      c.scrollIntoView({ block: 'nearest' });
      if (await c.run()) ok++;
    }
    allStatus.textContent = stopping ? `stopped (${ok} of ${cells.length} cells ran)` : `${ok} of ${cells.length} cells ran`;
    main.dataset.runAll = 'done';
    runAll.disabled = false;
    stopAll.hidden = true;
  });
  stopAll.addEventListener('click', () => {
    stopping = true;
    for (const c of cells) if (c.dataset.state === 'running') c.cancel();
  });
  main.replaceChildren(
    el('div', { class: 'page-head' },
      el('h1', {}, title),
      el('div', { class: 'lead', html: lead }),
      el('div', { class: 'actions sticky' }, runAll, stopAll, allStatus)),
    ...cells,
  );
}
