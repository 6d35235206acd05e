// The not-isolated banner: why there are no threads, and how to get them. "Enable threads"
// registers /coi-sw.js, a same-origin service worker that re-serves every response with
// COOP/COEP (the coi-serviceworker pattern), then reloads once; a session flag guards loops.
import { el } from './format.js';

const FLAG = 'amorsize-coi-reloaded';

export function showBanner(banner, info) {
  if (self.crossOriginIsolated) {
    sessionStorage.removeItem(FLAG);
    return;
  }
  const framed = window.top !== window;
  const canSw = 'serviceWorker' in navigator && window.isSecureContext;
  const controlled = Boolean(navigator.serviceWorker?.controller);
  const failed = controlled && sessionStorage.getItem(FLAG) === '1';
  const button = el('button', { type: 'button', class: 'enable', disabled: !canSw || failed }, 'Enable threads');
  const disable = el('button', { type: 'button', class: 'small', hidden: !controlled }, 'Remove the service worker');
  button.addEventListener('click', async () => {
    button.disabled = true;
    button.textContent = 'Installing…';
    try {
      await navigator.serviceWorker.register(new URL('../coi-sw.js', import.meta.url), { scope: new URL('../', import.meta.url).pathname });
      await navigator.serviceWorker.ready;
      sessionStorage.setItem(FLAG, '1');
      location.reload();
    } catch (e) {
      button.textContent = `Could not install: ${e.message}`;
    }
  });
  disable.addEventListener('click', async () => {
    for (const r of await navigator.serviceWorker.getRegistrations()) await r.unregister();
    sessionStorage.removeItem(FLAG);
    location.reload();
  });
  banner.replaceChildren(...[
    el('p', {}, el('strong', {}, 'Single-threaded mode. '),
      'This page was served without the Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy headers, so the browser withholds SharedArrayBuffer and WebAssembly threads. Everything still runs and is measured, but on one thread: parallel plans run inline, so speedups stay near 1×.'),
    el('p', {}, 'To get threads: serve the site with COOP/COEP (', el('code', {}, 'cargo xtask serve'), ' does); on a static host, click ', el('em', {}, 'Enable threads'),
      ' to install a same-origin service worker that adds the headers (needs HTTPS or localhost; the page reloads once)',
      framed ? '; in an iframe, the embedding page must be isolated and give the frame allow="cross-origin-isolated", or this page can be served with Document-Isolation-Policy: isolate-and-require-corp (Chrome/Edge 137+).' : '; in an embed, use allow="cross-origin-isolated" on the iframe of an isolated page, or Document-Isolation-Policy.'),
    failed ? el('p', { class: 'field-error' }, 'The service worker is active but the page is still not isolated (the browser may not support it here); not reloading again.') : null,
    !canSw ? el('p', { class: 'note' }, 'Service workers need a secure context (HTTPS or localhost), which this page is not.') : null,
    el('div', { class: 'actions' }, button, disable),
  ].filter(Boolean)); // replaceChildren would print a null as the text "null"
  banner.hidden = false;
  // A returning visitor who enabled threads but loaded without the worker in control: reload once.
  if (!controlled && localStorage.getItem('amorsize-coi') === '1' && sessionStorage.getItem(FLAG) !== '1' && canSw) {
    sessionStorage.setItem(FLAG, '1');
    navigator.serviceWorker.ready.then(() => location.reload());
  }
  button.addEventListener('click', () => localStorage.setItem('amorsize-coi', '1'));
  disable.addEventListener('click', () => localStorage.removeItem('amorsize-coi'));
  void info;
}
