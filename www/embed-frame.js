// The playground inside an iframe (`?embed=1#/page/cell-slug?name=value...`, as www/embed.js
// writes it): only the named cell, its parameters set from the link, one bar with the mode and
// an "Open in playground" link, and the page's height reported to the embedding page (which
// checks the message's origin and source).
import { el } from './format.js';
import { reason } from './isolation.js';

export const embedded = new URLSearchParams(location.search).get('embed') === '1';

function target() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  const [page = '', slug = ''] = path.split('/');
  return { page, slug, params: new URLSearchParams(query) };
}

/** Sets the cell's fields from the link: selects first (the Lab's workload re-renders the rest). */
function applyParams(cell, params) {
  const set = (field, value) => {
    field.value = value;
    field.dispatchEvent(new Event(field.tagName === 'SELECT' ? 'change' : 'input', { bubbles: true }));
  };
  // A workload parameter's field is named p.NAME; links and data-* attributes say NAME.
  const named = (name) => {
    const fields = [...cell.querySelectorAll('[name]')];
    return fields.find((f) => f.name === name) ?? fields.find((f) => f.name === `p.${name}`);
  };
  const entries = [...params].filter(([k]) => k !== 'embed' && k !== 'threads');
  for (const [k, v] of entries) {
    const f = named(k);
    if (f?.tagName === 'SELECT' && [...f.options].some((o) => o.value === v)) set(f, v);
  }
  for (const [k, v] of entries) {
    const f = named(k);
    if (f && f.tagName !== 'SELECT') set(f, v);
  }
}

function showOnly(main, slug, params) {
  const cells = [...main.querySelectorAll(':scope > .cell')];
  if (!cells.length) return false;
  const wanted = cells.find((c) => c.dataset.cell === slug);
  for (const c of cells) c.hidden = c !== wanted;
  main.querySelector(':scope > .page-head')?.toggleAttribute('hidden', Boolean(wanted));
  if (wanted && !wanted.dataset.embedApplied) {
    wanted.dataset.embedApplied = '1';
    applyParams(wanted, params);
  }
  return true;
}

function modeLine(mode) {
  if (mode.dataset.threaded === 'true') return mode.textContent;
  if (mode.dataset.threaded === 'false') return `single-threaded: ${reason()}`;
  return mode.textContent || 'starting the engine…';
}

function start() {
  document.body.classList.add('embed');
  const main = document.getElementById('main');
  const mode = document.getElementById('mode');
  const { slug, params } = target();
  const playground = new URL(location.href);
  playground.searchParams.delete('embed');
  const line = el('span', { class: 'embed-mode', role: 'status' });
  const bar = el('div', { class: 'embed-bar' }, line,
    el('a', { href: playground.href, target: '_blank', rel: 'noopener' }, 'Open in playground ↗'));
  main.after(bar);
  const sync = () => {
    line.textContent = modeLine(mode);
    line.dataset.threaded = mode.dataset.threaded ?? '';
    if (slug) showOnly(main, slug, params);
  };
  new MutationObserver(sync).observe(mode, { childList: true, characterData: true, subtree: true, attributes: true });
  new MutationObserver(sync).observe(main, { childList: true });
  sync();
  // Report the height whenever it changes; the embedding page sizes the iframe to it.
  let last = 0;
  const report = () => {
    const height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    parent.postMessage({ type: 'amorsize:height', height }, '*');
  };
  // A cross-origin frame outside the viewport is not rendered (Chromium throttles it), and its
  // ResizeObserver stays silent: DOM changes and resizes trigger a report too.
  let queued = null;
  const soon = () => { clearTimeout(queued); queued = setTimeout(report, 30); };
  new ResizeObserver(report).observe(document.body);
  new MutationObserver(soon).observe(document.body, { childList: true, subtree: true, attributes: true, characterData: true });
  addEventListener('resize', soon);
  addEventListener('load', soon);
  report();
}

if (embedded) start();
