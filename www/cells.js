// Cells: one tutorial step each. Title, explanation, editable parameters, Run (or Ctrl/Cmd-
// Enter inside the cell), a progress bar with Cancel, the result, and the native Rust code.
// A page's cells keep their parameters in the address bar (route.js) and their results in
// session storage (results.js), and a page that is left cancels what it started.
import { chart, sweepDetached } from './charts.js';
import { cellId } from './cell-id.js';
import { el, esc, seconds } from './format.js';
import { renderForm } from './fields.js';
import { editLink } from './function-presets.js';
import { requestLabel } from './engine.js';
import * as results from './results.js';
import { GLOBAL_KEYS, serializeHash } from './route.js';

/**
 * Buttons other modules add to every cell's tool row (beside "Copy link"): each is
 * `(cell) => Node | null`, where cell = {page, id, title, link(), state()}.
 */
export const cellTools = [];

let engine = null;
/** The engine every cell sends its requests to (app.js sets it once it started). */
export function useEngine(e) {
  engine = e;
}
export const currentEngine = () => engine;

/** The page being shown: {slug, share, cells, leave()}; set by beginPage(), ended by leavePage(). */
let current = null;
/** The address the page on screen last wrote: Back to it needs no new rendering. */
let written = null;
export const writtenHash = () => written;

/**
 * Starts rendering page `slug`. `share` is the parsed address (route.js parseHash) or, when the
 * address carries no parameters, the page's state from earlier in this session.
 */
export function beginPage(slug, share) {
  leavePage();
  current = { slug, share, cells: [], stopping: false };
}

/** Leaving a page cancels everything it started: Run all stops, running cells cancel. */
export function leavePage() {
  if (!current) return;
  current.stopping = true;
  for (const c of current.cells) if (c.dataset.state === 'running') c.cancel();
  engine?.cancel();
  current = null;
  written = null;
}
import { embedButton } from './embed-snippet.js';

/**
 * Resolves once the page has drawn two frames and then had two idle periods in a row with at
 * least 40 ms to spare (with nothing scheduled, Chromium grants 50), or after a second. A hidden
 * page paints nothing and gets no animation frames, so it resolves at once there.
 * One idle callback is not enough: it comes in the first gap of a few milliseconds, while the
 * previous cell's chart and report are still being laid out and rastered. On 2 cores, Run all
 * on Performance analysis then showed a row of cell 2 or 3 off its prediction by more than a
 * quarter (1 µs x 400 at 0.82-1.21x, 5 µs at 4.88x, N = 122 at 2.99x) in 7 page runs of 8.
 */
function untilPageIdle() {
  if (document.hidden) return Promise.resolve();
  return new Promise((resolve) => {
    const fallback = setTimeout(resolve, 1000);
    const done = () => { clearTimeout(fallback); resolve(); };
    let quiet = 0;
    const check = (deadline) => {
      quiet = deadline.timeRemaining() >= 40 ? quiet + 1 : 0;
      if (quiet >= 2) done();
      else requestIdleCallback(check, { timeout: 1000 });
    };
    requestAnimationFrame(() => requestAnimationFrame(() => requestIdleCallback(check, { timeout: 1000 })));
  });
}

function describeError(e) {
  if (e && typeof e === 'object' && 'kind' in e) return e;
  return { kind: 'error', message: String(e?.message ?? e) };
}

/** The status line of a running request, from the engine's progress message. */
function describeProgress(kind, p, elapsedS) {
  const clock = ` · ${Math.round(elapsedS)} s`;
  if (!p) return `${kind}: preparing the items, sampling and planning; no run finished yet${clock}`;
  if (p.message) return `${kind}: ${p.message}${clock}`;
  if (!(p.total > 0)) return `${kind}: working${clock}`;
  const last = p.serial || !p.workers ? 'serial' : `k=${p.workers}${p.chunk_size ? `, c=${p.chunk_size}` : ''}`;
  return `${kind}: ${p.done}/${p.total} runs (${Math.round((100 * p.done) / p.total)} %) · last finished: ${last}${clock}`;
}

/** The part of a title before its subtitle, for status lines: "5. Worker-count sweep". */
const shortTitle = (title) => title.split(':')[0];

function linkTo(page, id, values) {
  const globals = {};
  const hashQuery = new URLSearchParams(location.hash.split('?')[1] ?? '');
  for (const key of GLOBAL_KEYS) if (hashQuery.has(key)) globals[key] = hashQuery.get(key);
  return `${location.origin}${location.pathname}${location.search}${serializeHash({ page, cell: id, values: { '': values }, globals })}`;
}

/**
 * def = {title, intro (HTML), fields, code(values) -> string, run(values, ctx, action), actions,
 *        workload?, cellId?, state?}.
 * ctx = {request(req), out, chart(spec), html(str), append(node), info}.
 * The cell's id (DOM id, anchor, share links) is cellId(def.title), or def.cellId for a cell
 * whose title is too long for a link (the pages' older `id` properties are not ids). `workload` names the catalog workload the cell runs, for the
 * link that opens it in the Lab's function cell. `state` keeps what the cell holds outside its
 * fields (the function cell's code) in the address: {get() -> {key: raw}, apply(key, raw) ->
 * whether the key was the cell's, keys: [the keys apply() takes]}; the cell dispatches
 * 'cell-change' when it changes. A result on display whose inputs then change is marked stale
 * (data-stale) until the next run replaces it; a failed run removes it.
 */
export function cell(def) {
  const id = def.cellId ?? cellId(def.title);
  const page = current?.slug ?? '';
  let form = renderForm(def.fields ?? [], () => changed());
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
  const linkStatus = el('span', { class: 'link-status', role: 'status', 'aria-live': 'polite' });
  const copyButton = el('button', { type: 'button', class: 'small copy-link', title: 'Copy a link to this cell with its parameters', onclick: () => copyLink() }, 'Copy link');
  const tools = el('div', { class: 'cell-tools' }, copyButton, linkStatus);
  const root = el('section', { class: 'cell', id, 'data-cell': id, 'data-state': 'idle', tabindex: '-1' },
    el('div', { class: 'cell-head' },
      el('h2', {}, el('a', { href: serializeHash({ page, cell: id }), class: 'anchor', 'aria-hidden': 'true', tabindex: '-1' }), def.title),
      tools),
    el('div', { class: 'intro', html: def.intro ?? '' }),
    def.fields?.length ? fieldsSlot : null,
    def.run ? el('div', { class: 'actions' }, ...buttons, status,
      // A catalog workload with a JavaScript preset: open it in the Lab's function cell.
      def.workload && editLink(def.workload) ? el('a', { class: 'edit-fn', href: editLink(def.workload) }, 'Edit this workload as your own function') : null) : null,
    progress,
    errorBox,
    out,
    def.code ? el('details', { class: 'code' }, el('summary', {}, 'The same step in native Rust'), el('pre', {}, code)) : null,
  );
  if (def.run) {
    const embed = embedButton(root);
    const row = root.querySelector('.actions');
    row.append(embed.button);
    row.after(embed.box);
  }
  let pending = null;
  let cancelled = false;
  // Set by "Run anyway" on a `too_long` refusal: the next run's requests say `allow_long`.
  let allowLong = false;
  let view = null; // the action whose result is shown
  // The result on display: the values it was computed from and the status line that goes with it.
  let shown = null;

  const share = () => ({ ...def.state?.get(), ...form.changed(), ...(view && actions.length > 1 ? { view } : {}) });
  // What a saved result was computed from: the fields, and what the cell holds beside them.
  const valuesOf = (v) => ({ ...v, ...def.state?.get() });
  const api = { page, id, title: def.title, link: () => linkTo(page, id, share()), state: share };
  for (const tool of cellTools) {
    const node = tool(api);
    if (node) tools.append(node);
  }

  function changed() {
    refreshCode();
    root.dispatchEvent(new CustomEvent('cell-change', { bubbles: true }));
  }
  const actionLabel = (id) => actions.find((a) => a.id === id)?.label ?? 'Run';
  /**
   * Marks the result on display as out of date while the form (or what the cell holds beside
   * it) no longer matches what the result was computed from: an edit must not leave an old
   * result looking like the answer to the new inputs. Editing back to those inputs unmarks it.
   */
  function markStale() {
    if (root.dataset.state !== 'done' || !shown) return;
    const { values, errors } = form.peek();
    const stale = Object.keys(errors).length > 0 || !results.sameValues(shown.values, valuesOf(values));
    if (stale === (root.dataset.stale === 'true')) return;
    if (stale) {
      root.dataset.stale = 'true';
      status.textContent = `Inputs changed: press “${actionLabel(view)}” again to update this result.`;
    } else {
      delete root.dataset.stale;
      status.textContent = shown.status;
    }
  }
  // Edits of the fields and of what the cell holds beside them (the function cell's code) alike.
  root.addEventListener('cell-change', markStale);
  function refreshCode() {
    const { values: v, errors } = form.read();
    if (def.code) code.textContent = Object.keys(errors).length ? '// fix the parameters above' : def.code(v);
  }
  async function copyLink() {
    const link = api.link();
    try {
      await navigator.clipboard.writeText(link);
      linkStatus.textContent = 'Link copied.';
    } catch {
      // No clipboard permission (an embed, an old browser): show the link to copy by hand.
      const box = el('input', { type: 'text', readonly: true, class: 'link-box', value: link, 'aria-label': 'Link to this cell' });
      linkStatus.replaceChildren(box);
      box.select();
      return;
    }
    setTimeout(() => { if (linkStatus.textContent === 'Link copied.') linkStatus.textContent = ''; }, 3000);
  }
  root.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      run();
    }
  });

  function makeCtx(request) {
    return {
      info: engine?.info,
      out,
      request,
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
  }

  /** Sends `req` to the engine, keeping the progress line true to what the engine does. */
  async function send(req) {
    if (allowLong && req.job) req = { ...req, allow_long: true };
    const kind = requestLabel(req);
    const label = `${shortTitle(def.title)}: ${kind}`;
    // The bar is determinate from the start and follows the once-a-second ticker, not each
    // progress message: an indeterminate bar repaints every frame, and every update is a
    // paint. On 2 cores that painting took a core from the runs being measured: Performance
    // cell 2 showed a point at 0.84-1.03x in 5 of 8 runs (parametric 1 or 5 µs x 400, which
    // run 1.9-2.0x), and 1 of 12 once the page drew only the ticker's updates.
    bar.max = 1;
    bar.value = 0;
    barText.textContent = `${kind}: waiting for the page to settle`;
    // Measure only once the page has drawn its last results: on a 2-core machine, layout,
    // chart drawing and raster running beside the engine's sampling made a uniform
    // workload read as uneven.
    await untilPageIdle();
    if (cancelled) throw { kind: 'cancelled', message: 'cancelled' };
    const startedAt = performance.now();
    let last = null;
    const show = () => {
      if (last?.total > 0) {
        bar.max = last.total;
        bar.value = last.done;
      }
      const a = engine.activity();
      if (a.running && a.running.id !== pending?.id && a.waiting.some((w) => w.id === pending?.id)) {
        barText.textContent = `${kind}: waiting behind “${a.running.label}”`;
      } else {
        barText.textContent = describeProgress(kind, last, (performance.now() - startedAt) / 1000);
      }
    };
    pending = engine.request(req, {
      label,
      onProgress(p) {
        last = p;
        if (p.total > 0) root.dataset.progress = String(p.done / p.total);
      },
    });
    const unsubscribe = engine.onEvent((e) => { if (e.type === 'activity') show(); });
    const ticker = setInterval(show, 1000);
    show();
    try {
      return await pending;
    } finally {
      clearInterval(ticker);
      unsubscribe();
      pending = null;
    }
  }

  /** Removes the result on display (and its charts). */
  function clearResult() {
    shown = null;
    delete root.dataset.stale;
    out.replaceChildren();
    // A re-run cell's old charts left the page: dispose them, or 100 re-runs keep 100 alive.
    sweepDetached();
  }
  /** A result is on display: `values` it was computed from, `text` for the status line. */
  function showing(values, action, text) {
    view = action;
    shown = { values, status: text };
    status.textContent = text;
  }
  function begin() {
    errorBox.hidden = true;
    root.dataset.state = 'running';
    delete root.dataset.restored;
    delete root.dataset.hint;
    buttons.forEach((b) => { b.disabled = true; });
    status.textContent = '';
    clearResult();
  }
  function finish() {
    buttons.forEach((b) => { b.disabled = false; });
    cancelButton.hidden = true;
    progress.hidden = true;
  }

  async function run(action = actions[0].id) {
    if (!def.run) return true;
    if (root.dataset.state === 'running') return root.done;
    const { values: v, errors } = form.read();
    if (Object.keys(errors).length) {
      showError({ kind: 'invalid_parameter', message: `Fix the highlighted parameters first: ${Object.entries(errors).map(([k, m]) => `${k.replace(/^p\./, '')} ${m}`).join('; ')}` });
      return false;
    }
    if (!engine) {
      showError({ kind: 'not_ready', message: 'The engine is not running yet.' });
      return false;
    }
    cancelled = false;
    begin();
    cancelButton.hidden = false;
    progress.hidden = false;
    const started = performance.now();
    const replies = [];
    const ctx = makeCtx(async (req) => {
      const reply = await send(req);
      replies.push(reply);
      return reply;
    });
    root.done = (async () => {
      try {
        await def.run(v, ctx, action);
        const took = (performance.now() - started) / 1000;
        root.dataset.state = 'done';
        showing(valuesOf(v), action, `done in ${seconds(took)}`);
        results.save(page, id, { values: valuesOf(v), action, replies, took });
        // Also marks the result stale at once if the inputs were edited while it ran.
        changed();
        return true;
      } catch (e) {
        const err = describeError(e);
        root.dataset.state = err.kind === 'cancelled' ? 'cancelled' : 'error';
        // Whatever the failed run drew is not an answer to these inputs, and neither is an
        // earlier result (or its saved copy).
        clearResult();
        view = null;
        results.forget(page, id);
        changed();
        showError(err, action);
        if (!(e && 'kind' in e)) console.warn(e);
        return false;
      } finally {
        finish();
      }
    })();
    return root.done;
  }

  /**
   * Draws a result saved earlier in this session, by running the cell's drawing code on the
   * saved replies (nothing is sent to the engine). Only when the saved result is for exactly
   * the parameters the form holds now.
   */
  async function restore() {
    const saved = results.load(page, id);
    if (!saved || !def.run) return false;
    const { values: v, errors } = form.read();
    if (Object.keys(errors).length || !results.sameValues(saved.values, valuesOf(v))) return false;
    begin();
    let next = 0;
    const ctx = makeCtx(async () => {
      if (next >= saved.replies.length) throw { kind: 'stale', message: 'the saved result does not match this cell' };
      return saved.replies[next++];
    });
    try {
      await def.run(v, ctx, saved.action);
      root.dataset.state = 'done';
      root.dataset.restored = 'true';
      showing(valuesOf(v), saved.action, `result from earlier in this session (took ${seconds(saved.took)}); Run to measure again`);
      return true;
    } catch (e) {
      console.warn('could not restore a saved result', e);
      clearResult();
      root.dataset.state = 'idle';
      results.forget(page, id);
      return false;
    } finally {
      finish();
    }
  }

  /** Shows a failure; `action` is what failed, for "Run anyway". */
  function showError(err, action = actions[0].id) {
    errorBox.hidden = false;
    const title = {
      cancelled: 'Cancelled.',
      crashed: 'The engine crashed and was restarted.',
      restarted: 'The engine was restarted.',
      invalid_parameter: 'Invalid parameters.',
      too_many_workers: 'Too many workers for this pool.',
      script: 'Your code failed.',
      too_big: 'Too big for memory.',
      too_long: 'This would run for long.',
      panicked: 'The function failed.',
    }[err.kind] ?? `Engine error (${err.kind}).`;
    // A cancellation's message only repeats its title ("Cancelled. cancelled"): say what to do instead.
    // A cancellation that restarted the engine says so first.
    const message = err.kind === 'cancelled'
      ? `${err.restarted ? `${err.message} ` : ''}Run again when you are ready.`
      : (err.message ?? '');
    // Engine messages start in lower case to fit inside sentences; after a title they start one.
    const sentence = message.charAt(0).toUpperCase() + message.slice(1);
    errorBox.replaceChildren(el('strong', {}, title), ` ${sentence}`);
    if (err.kind === 'too_long' && err.confirmable) {
      // The engine refused before running: the visitor may still want the long run (the
      // engine says when it is too long to offer).
      const again = el('button', { type: 'button', class: 'small', 'data-run-anyway': '' }, 'Run anyway');
      again.addEventListener('click', async () => {
        allowLong = true;
        try {
          await run(action);
        } finally {
          allowLong = false;
        }
      });
      errorBox.append(' ', again);
    }
  }

  /** The keys a link may set on this cell, for suggestions. */
  const linkKeys = () => [...form.shareKeys(), ...(def.state?.keys ?? []), ...(actions.length > 1 ? ['view'] : []), ...GLOBAL_KEYS];

  /** Applies share-state values (raw strings from the address); unknown keys get a notice. */
  function applyShare(values) {
    const notices = [];
    for (const [key, raw] of Object.entries(values ?? {})) {
      if (key === 'view') {
        if (actions.some((a) => a.id === raw)) {
          view = raw;
          // A link names the view it was copied from, but opening it runs nothing: say how to.
          status.textContent = `This link's inputs are loaded: press “${actionLabel(raw)}” to run.`;
          root.dataset.hint = 'view';
        } else {
          notices.push(`"${raw.slice(0, 40)}" is not a view of this cell; ignored.`);
        }
        continue;
      }
      // A cell's own key: true when applied; a sentence when its value was refused.
      const applied = def.state?.apply(key, raw);
      if (typeof applied === 'string') notices.push(applied);
      if (applied) continue;
      const name = form.fieldFor(key);
      if (name) {
        form.set(name, raw, 'Link');
        continue;
      }
      // Keys are case-sensitive: "N" is not "n", though the visitor surely meant it.
      const meant = linkKeys().find((k) => k.toLowerCase() === key.toLowerCase());
      notices.push(`Link parameter "${key}" is not a parameter of this cell; ignored.${meant && meant !== key ? ` Did you mean "${meant}"?` : ''}`);
    }
    if (notices.length) root.querySelector('.intro').append(el('div', { class: 'error notice', role: 'alert' }, notices.join(' ')));
    refreshCode();
  }

  function cancel() {
    cancelled = true;
    if (pending) engine?.cancel(pending);
  }

  root.run = run;
  root.cancel = cancel;
  root.restore = restore;
  root.applyShare = applyShare;
  root.share = share;
  root.savedView = () => results.load(page, id)?.action ?? null;
  root.form = () => form;
  root.replaceFields = (fields) => {
    form = renderForm(fields, () => changed());
    fieldsSlot.replaceChildren(form.form);
    changed();
  };
  refreshCode();
  current?.cells.push(root);
  return root;
}

/**
 * A page of cells with a "Run all" button; applies the page's share state and saved results.
 * `owner(values)` names the cell that unprefixed address keys belong to on a page of several.
 */
export function page(main, { title, lead, cells, owner }) {
  const here = current;
  const runAll = el('button', { type: 'button', class: 'run-all' }, 'Run all');
  const stopAll = el('button', { type: 'button', class: 'cancel', hidden: true }, 'Stop');
  const allStatus = el('span', { class: 'status', role: 'status' });
  const stopped = () => !here || here.stopping;
  runAll.addEventListener('click', async () => {
    if (here) here.stopping = false;
    runAll.disabled = true;
    stopAll.hidden = false;
    main.dataset.runAll = 'running';
    let ok = 0;
    for (const [i, c] of cells.entries()) {
      if (stopped()) break;
      allStatus.textContent = `running ${i + 1}/${cells.length}: ${c.querySelector('h2').textContent}`;
      c.scrollIntoView({ block: 'nearest' });
      if (await c.run()) ok++;
    }
    allStatus.textContent = stopped() ? `stopped (${ok} of ${cells.length} cells ran)` : `${ok} of ${cells.length} cells ran`;
    main.dataset.runAll = 'done';
    runAll.disabled = false;
    stopAll.hidden = true;
  });
  stopAll.addEventListener('click', () => {
    if (here) here.stopping = true;
    for (const c of cells) if (c.dataset.state === 'running') c.cancel();
  });
  main.replaceChildren(
    el('div', { class: 'page-head' },
      el('h1', {}, title),
      el('div', { class: 'lead', html: lead }),
      el('div', { class: 'actions sticky' }, runAll, stopAll, allStatus)),
    ...cells,
  );
  if (!here) return;
  const { share, slug } = here;
  // Unprefixed keys belong to the cell the address names, or to a one-cell page's cell.
  const target = share.cell ?? (cells.length === 1 ? cells[0].id : (owner?.(share.values[''] ?? {}) ?? null));
  const notices = [...share.problems];
  // Miscased keys go to their cell like the others; it has no such key, so it names them.
  const byOwner = { ...share.values };
  for (const [owner, values] of Object.entries(share.miscased ?? {})) byOwner[owner] = { ...byOwner[owner], ...values };
  for (const [owner, values] of Object.entries(byOwner)) {
    const id = owner || target;
    const c = cells.find((x) => x.id === id);
    if (c) c.applyShare(values);
    else notices.push(owner ? `This page has no cell "${owner}"; its link parameters are ignored.` : `Link parameters ${Object.keys(values).map((k) => `"${k}"`).join(', ')} name no cell; ignored.`);
  }
  if (share.cell && !cells.some((c) => c.id === share.cell)) notices.push(`This page has no cell "${share.cell}".`);
  if (notices.length) main.querySelector('.page-head').append(el('div', { class: 'error notice', role: 'alert' }, notices.join(' ')));
  const restored = Promise.all(cells.map((c) => c.restore()));

  // Every edit and every result is written back to the address (replaceState: no history
  // entry per keystroke) and to the session, for reload, Back and page switches.
  const sync = () => {
    if (current !== here) return;
    const values = {};
    const byCell = {};
    for (const c of cells) {
      const s = c.share();
      if (!Object.keys(s).length) continue;
      values[c.id === target ? '' : c.id] = s;
      byCell[c.id] = s;
    }
    const hash = serializeHash({ page: slug, cell: share.cell, values, globals: share.globals });
    results.savePageState(slug, byCell);
    if (location.hash !== hash) history.replaceState(history.state, '', hash);
    written = hash;
  };
  main.addEventListener('cell-change', sync);
  // Embedded, the cell is the whole page: scrolling to it or focusing it would scroll the host
  // page to the frame and take the host's focus.
  if (share.cell && !document.body.classList.contains('embed')) {
    const c = cells.find((x) => x.id === share.cell);
    c?.scrollIntoView({ block: 'start' });
    c?.focus({ preventScroll: true });
  }
  restored.then(sync);
}
