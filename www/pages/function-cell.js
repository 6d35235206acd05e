// The Lab's function cell: your own JavaScript map, `x => ...` over items `i => ...` (or a
// JSON array), run by the engine exactly as a catalog workload is. The page only edits text:
// the source is compiled inside the engine's Workers, never here.
//
// Links: #/lab?fn=<source>&items=<expression>&n=<N> (plain, for writing by hand, and what the
// address bar keeps as you edit), #/lab?share=<deflated, base64url JSON> (what "Share link"
// writes), or #/lab?preset=<workload>. None of them runs anything. The keys live in the
// address-bar state of cells.js/route.js: the cell's `state` hook reads and applies them.
import { cell } from '../cells.js';
import { downloadJson } from '../export.js';
import { nField, repeatsField, startField, transferField } from '../fields.js';
import { el } from '../format.js';
import { PRESETS, presetById } from '../function-presets.js';
import { ACTIONS, runAction } from './lab-actions.js';

/** The cell's id, in links (`#/lab/fn`, `fn.n=...`). */
export const FUNCTION_CELL = 'fn';
const LINK_KEYS = ['fn', 'share', 'preset'];
/** Whether address values ({key: raw}) point at a function rather than a catalog workload. */
export const isFunctionLink = (values) => LINK_KEYS.some((k) => Object.hasOwn(values ?? {}, k));
const DEFAULT_ITEMS = 'i => i';

const PYTHON_NOTE = `<details class="python-note"><summary>Coming from Python?</summary>
  <ul>
    <li><code>n_jobs</code> is <em>workers</em> (k); <code>chunksize</code> is <em>chunk size</em> (c).</li>
    <li><code>optimize(func, data)</code>, <code>execute(...)</code> and <code>result.explain()</code> are
      <strong>Optimize</strong>, <strong>Run</strong> and the report under each result.</li>
    <li>A process pool pickles every item and result; that is <code>transfer = copy</code> here. Threads that read
      items in place are <code>shared</code>.</li>
    <li>Your function gets <code>(item, index)</code> and must return a JSON-compatible value synchronously
      (no Promises: the worker threads cannot wait for them).</li>
  </ul></details>`;

/** base64url of deflate-raw(JSON): short enough for a link, and no library. */
async function pack(state) {
  const stream = new Blob([JSON.stringify(state)]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The state a share link holds; a link that is not one "Share link" wrote (cut short, mistyped) is refused in words. */
async function unpack(text) {
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
    const state = JSON.parse(await new Response(stream).text());
    if (typeof state?.fn !== 'string') throw new Error('no function');
    return state;
  } catch {
    throw new Error('the text after "share=" is not what "Share link" writes (it may be cut short or mistyped)');
  }
}

/** The editor (CodeMirror, bundled into vendor/editor.js); a textarea if it cannot load. */
async function makeEditor(parent, doc, label, onChange) {
  try {
    const { createEditor } = await import('../vendor/editor.js');
    parent.replaceChildren();
    return createEditor(parent, doc, { label, onChange });
  } catch (e) {
    console.warn('code editor unavailable, using a plain text area', e);
    const area = el('textarea', { class: 'code-fallback', rows: 10, spellcheck: 'false', 'aria-label': label });
    area.value = doc;
    area.addEventListener('input', () => onChange(area.value));
    parent.replaceChildren(area);
    return { get: () => area.value, set: (t) => { area.value = t; }, goTo() { area.focus(); } };
  }
}

/**
 * CodeMirror measures its line height only while the editor is in the window's viewport; until
 * then it sizes each line number from a 14 px guess against our 20 px lines, so an editor that
 * opens below the fold (or in a full-page capture) shows its numbers squeezed and the last ones
 * cut off. Until it has measured, function-cell.css sizes the numbers from the real line height.
 */
function alignGutterUntilMeasured(box, view) {
  box.dataset.gutter = 'estimated';
  const seen = new IntersectionObserver((entries) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    // Runs after CodeMirror's own measuring in the same cycle, with the gutter redrawn.
    view.requestMeasure({
      read: (v) => v.inView,
      write(inView) {
        if (!inView) return;
        box.dataset.gutter = 'measured';
        seen.disconnect();
      },
    });
  });
  seen.observe(view.dom);
}

function rustCode(v) {
  return `// Natively there is no JavaScript: pass a Rust closure (examples/own_function.rs).
let items: Vec<f64> = (0..${v.n ?? 1000}).map(|i| i as f64).collect();
let f = |x: &f64| { /* your function */ x * 2.0 };
let plan = amorsize::optimize(&items, f)?;
println!("{}", amorsize::Report::new(&plan, None).unwrap());
let run = amorsize::execute(&items, f, &plan)?;
`;
}

/** The cell's own styles, loaded with it so that other pages carry none of them. */
function addStyles() {
  const href = new URL('../function-cell.css', import.meta.url).href;
  if (!document.querySelector(`link[href="${href}"]`)) document.head.append(el('link', { rel: 'stylesheet', href }));
}

export function functionCell({ info }) {
  addStyles();
  const preset = PRESETS[0];
  const state = { fn: preset.js, items: preset.items, python: preset.python };
  let editor = null;
  const editorBox = el('div', { class: 'fn-editor', 'data-editor': '' }, el('pre', { class: 'code-loading' }, state.fn));
  const python = el('pre', { class: 'fn-python', 'aria-label': 'the Python original', tabindex: '0' }, state.python);
  const pythonLabel = el('div', { class: 'fn-label' }, 'The Python original');
  const pythonBox = el('div', { class: 'fn-python-box' }, pythonLabel, python);
  const itemsInput = el('textarea', { class: 'fn-items', name: 'items', rows: 1, spellcheck: 'false', 'aria-label': 'items: an expression of the index, or a JSON array' });
  itemsInput.value = state.items;
  const presetSelect = el('select', { name: 'preset', 'aria-label': 'preset' },
    PRESETS.map((p) => el('option', { value: p.id }, p.label)), el('option', { value: 'custom' }, 'Your own'));
  presetSelect.value = preset.id;
  // The preset the code was loaded from (null for a link's or your own code). Once the code or
  // the items differ from it, the list says "Custom (edited from …)" and the Python is labelled
  // as that preset's original, not as the code's; choosing a preset again restores it.
  let from = preset;
  const editedOption = el('option', { value: 'edited' });
  const shareOut = el('input', { class: 'share-link', readonly: true, hidden: true, 'aria-label': 'share link' });
  const note = el('p', { class: 'note', hidden: true });

  const showPython = (text) => {
    python.textContent = text ?? '';
    pythonBox.hidden = !text;
  };

  const source = () => (editor ? editor.get() : state.fn);
  const items = () => itemsInput.value.trim() || DEFAULT_ITEMS;
  const showPreset = () => {
    const edited = from && (source() !== from.js || items() !== from.items);
    editedOption.textContent = edited ? `Custom (edited from ${from.label})` : '';
    if (edited) presetSelect.append(editedOption);
    else editedOption.remove();
    if (from) presetSelect.value = edited ? 'edited' : from.id;
    pythonLabel.textContent = edited ? `The Python original of the preset your code is edited from (${from.label})` : 'The Python original';
    fnCell.dataset.preset = edited ? 'edited' : presetSelect.value;
  };
  /** Tells the page (cells.js) to write the cell's state to the address. */
  const changed = () => fnCell.dispatchEvent(new CustomEvent('cell-change', { bubbles: true }));
  const opened = (text) => {
    note.textContent = '';
    note.append(text, ' ', el('strong', {}, 'Nothing has run:'), ' read the code, then press a button to run it on your machine.');
    note.hidden = false;
  };

  const fnCell = cell({
    cellId: FUNCTION_CELL,
    title: 'Your own function',
    // The code and items in the address: a preset by name while it is unedited, else the text.
    state: {
      keys: ['fn', 'items', 'share', 'preset'],
      get() {
        const p = presetById(presetSelect.value);
        if (p && source() === p.js && items() === p.items) return p === PRESETS[0] ? {} : { preset: p.id };
        return { fn: source(), ...(items() === DEFAULT_ITEMS ? {} : { items: items() }) };
      },
      apply(key, raw) {
        if (key === 'preset') {
          const p = presetById(raw);
          if (!p) return `Link value "${raw.slice(0, 40)}" is not a preset (${PRESETS.map((q) => q.id).join(', ')}); ignored.`;
          from = p;
          presetSelect.value = p.id;
          load({ fn: p.js, items: p.items, python: p.python, n: p.n });
          opened(`The ${p.label} workload as a JavaScript function you can edit.`);
        } else if (key === 'fn' || key === 'items') {
          from = null;
          if (key === 'fn') load({ fn: raw, items: itemsInput.value, python: null });
          else itemsInput.value = raw;
          presetSelect.value = 'custom';
          showPreset();
          opened('Opened from a link.');
        } else if (key === 'share') {
          fromShare(raw).catch((e) => {
            note.replaceChildren(el('strong', {}, 'This link could not be read:'), ` ${e?.message ?? e}. The cell shows a preset instead.`);
            note.hidden = false;
          });
        } else {
          return false;
        }
        return true;
      },
    },
    intro: `<p>Write a map in JavaScript and let the engine measure, decide and run it on its worker threads: each thread
      compiles your function once and calls it per item. Items are <code>i =&gt; …</code> of the index
      <code>i</code> for <code>i</code> in 0..N, or a JSON array. The presets translate the Python tutorial's functions
      (the original is shown beside).</p>${PYTHON_NOTE}`,
    fields: [nField(preset.n, 10_000_000), transferField(), startField(),
      { name: 'max_workers', label: 'largest k (curve)', type: 'number', min: 1, max: info.mode.threads, integer: true, value: Math.min(info.mode.threads, 8) },
      repeatsField(3)],
    actions: ACTIONS,
    code: rustCode,
    async run(v, ctx, action) {
      const job = { fn: source(), items: items(), n: v.n, transfer: v.transfer, start: v.start };
      if (job.items.startsWith('[')) {
        // A literal JSON array goes as data; anything else is an expression for the engine.
        try { job.items = JSON.parse(job.items); } catch { /* let the engine parse it as JavaScript */ }
      }
      try {
        const value = await runAction(action, job, v, ctx, 'fn');
        const record = { action, request: job, value };
        ctx.append(el('div', { class: 'actions' }, el('button', { type: 'button', class: 'small', onclick: () => downloadJson(`amorsize-${action}-function`, record) }, 'Export JSON')));
      } catch (e) {
        if (e?.kind === 'script' && e.line && (e.role ?? 'fn') === 'fn') editor?.goTo(e.line, e.column ?? 1);
        throw e;
      }
      note.hidden = true;
    },
  });

  const shareButton = el('button', { type: 'button', class: 'small', onclick: () => share() }, 'Share link');
  const controls = el('div', { class: 'fn-controls' },
    el('label', {}, 'preset ', presetSelect),
    el('label', { class: 'fn-items-label' }, 'items ', itemsInput),
    shareButton);
  const grid = el('div', { class: 'fn-grid' },
    el('div', { class: 'fn-code' }, el('div', { class: 'fn-label' }, 'Your function (JavaScript)'), editorBox),
    pythonBox);
  fnCell.querySelector('.fields-slot').before(controls, grid, note, shareOut);

  function load({ fn, items, python: py, n }) {
    state.fn = fn;
    state.python = py;
    if (editor) editor.set(fn);
    else editorBox.querySelector('pre').textContent = fn;
    itemsInput.value = items ?? 'i => i';
    showPython(py);
    if (n !== undefined) fnCell.form().set('n', String(n));
    showPreset();
  }

  presetSelect.addEventListener('change', () => {
    if (presetSelect.value === 'edited') return;
    const p = presetById(presetSelect.value);
    from = p ?? null;
    if (p) load({ fn: p.js, items: p.items, python: p.python, n: p.n });
    else {
      showPython(null);
      showPreset();
    }
    changed();
  });
  const edited = () => {
    showPreset();
    changed();
  };
  itemsInput.addEventListener('input', edited);

  async function share() {
    const { values } = fnCell.form().read();
    const payload = { fn: editor ? editor.get() : state.fn, items: itemsInput.value, ...values };
    const url = new URL(location.href);
    url.hash = `#/lab?share=${await pack(payload)}`;
    history.replaceState(null, '', url);
    shareOut.value = url.href;
    shareOut.hidden = false;
    shareOut.select();
    await navigator.clipboard?.writeText(url.href).catch(() => {});
  }

  // A packed link fills the cell and shows what it holds; nothing runs until the visitor clicks.
  async function fromShare(text) {
    const s = await unpack(text);
    from = null;
    load({ fn: String(s.fn ?? ''), items: s.items, python: null });
    for (const k of ['n', 'transfer', 'start', 'max_workers', 'repeats']) if (s[k] !== undefined) fnCell.form().set(k, String(s[k]), 'Link');
    presetSelect.value = 'custom';
    showPreset();
    opened('Opened from a link.');
    changed();
  }

  showPython(state.python);
  showPreset();
  makeEditor(editorBox, state.fn, 'your function (JavaScript)', edited).then((ed) => {
    editor = ed;
    if (ed.view) alignGutterUntilMeasured(editorBox, ed.view);
    if (state.fn !== ed.get()) ed.set(state.fn);
    fnCell.dataset.editor = 'ready';
  });
  return fnCell;
}
