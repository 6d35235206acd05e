// Whether this page can have threads, and why not when it cannot. On a top-level page that a
// host served without COOP/COEP, it installs the service worker (../coi-sw.js) that adds them and
// reloads once; a session flag stops a second reload when the browser still withholds isolation.
// In a frame it never reloads: only the embedding page (allow="cross-origin-isolated") or the
// frame's own Document-Isolation-Policy header can isolate a frame. index.html loads this module
// before the app, so the reload happens before the engine starts.
import { el } from './format.js';

const RELOADED = 'amorsize-coi-reloaded';

// Storage can be denied (an isolated frame on another site reads "Access is denied for this
// document"): the loop guard then counts as not set, and nothing else depends on it.
const session = {
  get: (key) => { try { return sessionStorage.getItem(key); } catch { return null; } },
  set: (key, value) => { try { sessionStorage.setItem(key, value); } catch { /* denied */ } },
  remove: (key) => { try { sessionStorage.removeItem(key); } catch { /* denied */ } },
};

export const framed = (() => {
  try {
    return window.top !== window;
  } catch {
    return true;
  }
})();

let swState = 'unused'; // 'unused' | 'off' | 'installing' | 'unavailable' | 'failed'

/** Why the page is not cross-origin isolated, in one short clause (null when it is). */
export function reason() {
  if (self.crossOriginIsolated) return null;
  if (framed) {
    return 'a frame gets threads only on an isolated page or with Document-Isolation-Policy';
  }
  if (!window.isSecureContext) return 'served without COOP/COEP, and over plain HTTP, where the service worker that adds them cannot run (use HTTPS or localhost)';
  if (swState === 'failed') return 'served without COOP/COEP; the service worker that adds them is active, but this browser still does not isolate the page';
  if (swState === 'unavailable') return 'served without COOP/COEP, and the service worker that adds them could not be installed here';
  if (swState === 'off') return 'served without the COOP/COEP headers, and without the service worker that adds them';
  if (swState === 'installing') return 'served without COOP/COEP: installing the service worker that adds them, then reloading once';
  return 'served without the COOP/COEP headers';
}

async function installWorker() {
  const url = new URL('../coi-sw.js', import.meta.url);
  const scope = new URL('../', import.meta.url).pathname;
  try {
    swState = 'installing';
    // A server that means to show the page without isolation (the dev server's plain port)
    // serves a marker in the worker's place.
    if ((await (await fetch(url)).text()).startsWith('// amorsize-service-worker: off')) {
      swState = 'off';
      return;
    }
    const registration = await navigator.serviceWorker.register(url, { scope });
    await navigator.serviceWorker.ready;
    void registration;
    session.set(RELOADED, '1');
    location.reload();
  } catch (e) {
    swState = 'unavailable';
    console.info(`coi service worker not installed (${e.message}); running single-threaded`);
  }
}

/**
 * Asks the service worker (when one serves this page) to cache the rest of the app for offline
 * use, once the page is idle. Resolves with its reply, or null without a worker.
 */
export function cacheForOffline() {
  const worker = navigator.serviceWorker?.controller;
  if (!worker) return Promise.resolve(null);
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (e) => resolve(e.data);
    worker.postMessage({ type: 'cache-app' }, [channel.port2]);
  });
}

function start() {
  if (self.crossOriginIsolated) {
    session.remove(RELOADED);
    if (navigator.serviceWorker?.controller) {
      self.amorsizeOffline = new Promise((resolve) => {
        addEventListener('load', () => requestIdleCallback(() => cacheForOffline().then(resolve), { timeout: 5000 }), { once: true });
      });
    }
    return;
  }
  if (framed || !window.isSecureContext || !('serviceWorker' in navigator)) return;
  if (navigator.serviceWorker.controller && session.get(RELOADED) === '1') {
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
