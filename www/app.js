// The single-page app: hash routes, nav bar, engine mode, the not-isolated banner.
import * as engine from './engine-client.js';
import { sweepDetached } from './charts.js';
import { el, seconds } from './format.js';
import { showBanner } from './isolation.js';

const ROUTES = [
  ['', 'Getting started', () => import('./pages/getting-started.js')],
  ['performance', 'Performance analysis', () => import('./pages/performance.js')],
  ['tuning', 'Parameter tuning', () => import('./pages/tuning.js')],
  ['use-cases', 'Use cases', () => import('./pages/use-cases.js')],
  ['lab', 'Lab', () => import('./pages/lab.js')],
];

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const mode = document.getElementById('mode');

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  return { path: path.replace(/\/$/, ''), query: new URLSearchParams(query) };
}

const embed = new URLSearchParams(location.search).get('embed') === '1' || parseHash().query.get('embed') === '1';
document.body.classList.toggle('embed', embed);

nav.append(...ROUTES.map(([path, label]) => el('a', { href: `#/${path}`, 'data-route': path }, label)));

function describeMode(info) {
  const m = info.mode;
  return m.threaded
    ? `${m.threads} threads (cross-origin isolated) · ${m.cores} cores · pool ready in ${seconds(info.poolReadyMs / 1000)}`
    : 'single-threaded (not cross-origin isolated)';
}

engine.onEvent((e) => {
  if (e.type === 'ready') {
    mode.textContent = describeMode(e.info);
    mode.dataset.threaded = String(e.info.mode.threaded);
    mode.dataset.threads = String(e.info.mode.threads);
  } else if (e.type === 'restarting') {
    mode.textContent = 'restarting the engine…';
  } else if (e.type === 'boot-error') {
    mode.textContent = 'the engine failed to start';
    main.replaceChildren(el('div', { class: 'error' }, el('strong', {}, 'The engine failed to start. '), e.error.message));
  }
});

let rendering = 0;
async function route() {
  const { path, query } = parseHash();
  // `#/page/cell-slug` (embeds, cell links) opens the cell's page; the first page is also
  // `#/getting-started`.
  const first = path.split('/')[0];
  const entry = ROUTES.find(([p]) => p === first || (p === '' && first === 'getting-started')) ?? ROUTES[0];
  for (const a of nav.querySelectorAll('a')) a.toggleAttribute('aria-current', a.dataset.route === entry[0]);
  document.title = `${entry[1]} · Amorsize Playground`;
  const ticket = ++rendering;
  if (!engine.current()) main.replaceChildren(el('p', { class: 'loading' }, 'Starting the engine (loading WebAssembly and its thread pool)…'));
  const [info, module] = await Promise.all([engine.ready(), entry[2]()]);
  if (ticket !== rendering) return;
  module.render(main, { info, query, catalog: info.catalog });
  sweepDetached();
  main.dataset.page = entry[0] || 'getting-started';
  window.scrollTo(0, 0);
}

addEventListener('hashchange', route);
engine.ready().then((info) => showBanner(document.getElementById('banner'), info));
route();

// For tests and the curious: the engine's ready info.
window.amorsize = { engine };
