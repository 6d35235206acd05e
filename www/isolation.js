// Whether this page can have threads, and why not when it cannot. On a top-level page that a
// host served without COOP/COEP, it installs the service worker (../coi-sw.js) that adds them and
// reloads once; a session flag stops a second reload when the browser still withholds isolation.
// In a frame it never reloads: only the embedding page (allow="cross-origin-isolated") or the
// frame's own Document-Isolation-Policy header can isolate a frame. index.html loads this module
// before the app, so the reload happens before the engine starts.
import { el } from './format.js';

const RELOADED = 'amorsize-coi-reloaded';

export const framed = (() => {
  try {
    return window.top !== window;
  } catch {
    return true;
  }
})();

let swState = 'unused'; // 'unused' | 'installing' | 'unavailable' | 'failed'

/** Why the page is not cross-origin isolated, in one short clause (null when it is). */
export function reason() {
  if (self.crossOriginIsolated) return null;
  if (framed) {
    return 'an embedded frame gets threads only on an isolated page or with Document-Isolation-Policy';
  }
  if (!window.isSecureContext) return 'served without COOP/COEP, and over plain HTTP, where the service worker that adds them cannot run (use HTTPS or localhost)';
  if (swState === 'failed') return 'served without COOP/COEP; the service worker that adds them is active, but this browser still does not isolate the page';
  if (swState === 'unavailable') return 'served without COOP/COEP, and the service worker that adds them could not be installed here';
  if (swState === 'installing') return 'served without COOP/COEP: installing the service worker that adds them, then reloading once';
  return 'served without the COOP/COEP headers';
}

async function installWorker() {
  const url = new URL('../coi-sw.js', import.meta.url);
  const scope = new URL('../', import.meta.url).pathname;
  try {
    swState = 'installing';
    const registration = await navigator.serviceWorker.register(url, { scope });
    await navigator.serviceWorker.ready;
    void registration;
    sessionStorage.setItem(RELOADED, '1');
    location.reload();
  } catch (e) {
    swState = 'unavailable';
    console.info(`coi service worker not installed (${e.message}); running single-threaded`);
  }
}

function start() {
  if (self.crossOriginIsolated) {
    sessionStorage.removeItem(RELOADED);
    return;
  }
  if (framed || !window.isSecureContext || !('serviceWorker' in navigator)) return;
  if (navigator.serviceWorker.controller && sessionStorage.getItem(RELOADED) === '1') {
    // Served through the worker and still not isolated: reloading again would loop.
    swState = 'failed';
    return;
  }
  void installWorker();
}
start();

/**
 * Shows the one-line notice when the page runs single-threaded (a top-level page; a frame shows
 * its mode in the embed bar instead). The name is kept for app.js.
 */
export function showBanner(banner) {
  if (self.crossOriginIsolated || framed) {
    banner.hidden = true;
    return;
  }
  banner.replaceChildren(el('p', { class: 'notice' }, el('strong', {}, 'Single-threaded: '), `${reason()}. Everything runs and is measured, on one thread.`));
  banner.hidden = false;
}
