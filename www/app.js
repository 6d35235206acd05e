// The single-page app: hash routes (route.js), nav bar, engine mode, the not-isolated banner,
// the not-found page, and the engine watchdog's alert.
import { Engine, parseThreads } from './engine.js';
import { beginPage, leavePage, useEngine, writtenHash } from './cells.js';
import { sweepDetached } from './charts.js';
import { el, seconds } from './format.js';
import { showBanner } from './isolation.js';
import { loadPageState } from './results.js';
import { PAGES, parseHash, serializeHash } from './route.js';

const LOADERS = {
  '': () => import('./pages/getting-started.js'),
  performance: () => import('./pages/performance.js'),
  tuning: () => import('./pages/tuning.js'),
  'use-cases': () => import('./pages/use-cases.js'),
  lab: () => import('./pages/lab.js'),
};

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const mode = document.getElementById('mode');
const alerts = el('div', { class: 'app-alerts', 'aria-live': 'polite' });
main.before(alerts);

// Global keys may sit in the search (`?threads=4#/lab`) or in the hash query.
const initial = parseHash(location.hash);
const search = new URLSearchParams(location.search);
const globalParam = (key) => search.get(key) ?? initial.globals[key] ?? null;

const embed = globalParam('embed') === '1';
document.body.classList.toggle('embed', embed);

nav.append(...PAGES.map(([slug, label]) => el('a', { href: `#/${slug}`, 'data-route': slug }, label)));

// The skip link moves focus to the content; it must not go through the hash router.
document.querySelector('a.skip')?.addEventListener('click', (e) => {
  e.preventDefault();
  main.focus();
});

function alertBox(kind, ...children) {
  const box = el('div', { class: `error app-alert ${kind}`, role: 'alert', 'data-alert': kind }, ...children);
  alerts.querySelector(`[data-alert="${kind}"]`)?.remove();
  alerts.append(box);
  return box;
}
const clearAlert = (kind) => alerts.querySelector(`[data-alert="${kind}"]`)?.remove();

const threadsAsked = parseThreads(globalParam('threads'));
if (threadsAsked.error) alertBox('threads', el('strong', {}, 'Ignored the threads parameter: '), `${threadsAsked.error}. The engine uses its default pool size.`);

const engine = new Engine({ threads: threadsAsked.threads });
useEngine(engine);

function describeMode() {
  const info = engine.info;
  const asked = engine.requestedThreads;
  if (engine.mode === 'threads') {
    const how = asked ? `set by threads=${asked}` : 'default pool size';
    return `${engine.threads} threads (cross-origin isolated) · ${how} · ${engine.cores} cores · pool ready in ${seconds(info.poolReadyMs / 1000)}`;
  }
  return `single-threaded (not cross-origin isolated)${asked ? `; threads=${asked} needs isolation and is not used` : ''}`;
}

engine.onEvent((e) => {
  if (e.type === 'ready') {
    mode.textContent = describeMode();
    mode.dataset.threaded = String(engine.mode === 'threads');
    mode.dataset.threads = String(engine.threads);
    clearAlert('stalled');
  } else if (e.type === 'restarting') {
    mode.textContent = `restarting the engine (${e.reason})…`;
  } else if (e.type === 'boot-error') {
    mode.textContent = 'the engine failed to start';
    alertBox('boot', el('strong', {}, 'The engine failed to start. '), e.error.message);
  } else if (e.type === 'stalled') {
    const restart = el('button', { type: 'button', class: 'small', onclick: () => { clearAlert('stalled'); engine.restart('restarted from the page after it stopped answering'); } }, 'Restart the engine');
    alertBox('stalled', el('strong', {}, 'The engine stopped answering. '),
      `“${e.label}” has sent no progress for ${seconds(e.silentMs / 1000)}. It may be stuck, or far slower than expected. Restarting stops it; results already on the page stay. `, restart);
  }
});

function notFound(hash) {
  document.title = 'Page not found · Amorsize Playground';
  main.dataset.page = 'not-found';
  main.replaceChildren(el('div', { class: 'page-head not-found' },
    el('h1', {}, 'Page not found'),
    el('p', {}, 'The address ', el('code', {}, hash.slice(0, 120)), ' names no page of the playground. The pages are:'),
    el('ul', {}, PAGES.map(([slug, label]) => el('li', {}, el('a', { href: `#/${slug}` }, label))))));
}

let rendering = 0;
let shown = null; // {page, query} of the page on screen

async function route() {
  const share = parseHash(location.hash);
  if (share.anchor !== null && shown) {
    // An in-page anchor that is not a route (a hand-typed #main): focus it, keep the page.
    document.getElementById(share.anchor)?.focus();
    return;
  }
  const query = location.hash.split('?')[1] ?? '';
  // A heading anchor of the page on screen (`#/tuning/the-full-grid`): scroll, do not re-render.
  if (shown && share.page === shown.page && query === '' && share.cell) {
    const c = document.getElementById(share.cell);
    if (c?.classList.contains('cell')) {
      c.scrollIntoView({ block: 'start' });
      c.focus({ preventScroll: true });
      return;
    }
  }
  // Back to the address this page wrote (after following one of its heading anchors): it is
  // on screen already, with any run still going.
  if (shown && share.page === shown.page && location.hash === writtenHash()) return;
  leavePage();
  for (const a of nav.querySelectorAll('a')) a.toggleAttribute('aria-current', a.dataset.route === share.page);
  if (share.page === null) {
    shown = null;
    notFound(location.hash);
    return;
  }
  // No parameters in the address: the page as this tab last left it.
  if (query === '') share.values = loadPageState(share.page);
  const label = PAGES.find(([slug]) => slug === share.page)[1];
  document.title = `${label} · Amorsize Playground`;
  const ticket = ++rendering;
  if (!engine.info) main.replaceChildren(el('p', { class: 'loading' }, 'Starting the engine (loading WebAssembly and its thread pool)…'));
  const module = await LOADERS[share.page]();
  // Checked after the module loads: a restart meanwhile (a cancelled single-threaded run)
  // clears the engine's catalog until the new Worker is ready.
  while (!engine.info) await engine.ready();
  if (ticket !== rendering) return;
  shown = { page: share.page };
  beginPage(share.page, share);
  // A cell's link parameters: unprefixed ones belong to the cell the address names (or to
  // any cell, for one-cell pages, which decide themselves).
  const cellValues = (id) => ({ ...(share.cell === null || share.cell === id ? share.values[''] : {}), ...share.values[id] });
  module.render(main, { info: engine.info, catalog: engine.catalog, cellValues, engine });
  sweepDetached();
  main.dataset.page = share.page || 'getting-started';
  if (!share.cell) window.scrollTo(0, 0);
}

addEventListener('hashchange', route);
engine.ready().then(() => showBanner(document.getElementById('banner'), engine.info), () => {});
route();

// For tests and the curious: the page's engine (the API of engine.js) and the route helpers.
window.amorsize = { engine, serializeHash };
