// The playground's service worker (the "coi-serviceworker" pattern), for static hosts that cannot
// set headers (GitHub Pages): it re-serves every same-origin response with the headers that
// dist/_headers gives hosts that read one, so the page becomes cross-origin isolated (wasm
// threads) after one reload. It also keeps a copy of every response it served, and answers from
// that copy when the network fails: a second visit works offline. Network first, so a deploy is
// picked up on the next online visit. Registered by www/isolation.js (scope: the app's directory).
// Keep HEADERS and the CSPs in step with xtask/src/headers.rs (the _headers file).
const CACHE = 'amorsize-v1';
const HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'cross-origin',
  'Document-Isolation-Policy': 'isolate-and-require-corp',
};
const CSP_PAGE = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; object-src 'none'; base-uri 'self'";
// The engine Worker compiles the Lab's custom functions (only its own response allows eval), and
// starts the thread pool's workers from blob: URLs.
const CSP_WORKER = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'; worker-src 'self' blob:; object-src 'none'";

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

function withHeaders(response, url) {
  if (response.status === 0 || response.type === 'opaque') return response;
  const headers = new Headers(response.headers);
  for (const [k, v] of Object.entries(HEADERS)) headers.set(k, v);
  const path = new URL(url).pathname;
  if (path.endsWith('/engine-worker.js')) headers.set('Content-Security-Policy', CSP_WORKER);
  else if (path.endsWith('/') || path.endsWith('.html')) headers.set('Content-Security-Policy', CSP_PAGE);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

async function respond(request) {
  const cache = await caches.open(CACHE);
  // The query string of a page (?embed=1, ?threads=4) does not change the file.
  const key = request.mode === 'navigate' ? new URL(request.url).origin + new URL(request.url).pathname : request;
  try {
    const response = await fetch(request);
    if (response.ok && request.method === 'GET') await cache.put(key, response.clone());
    return withHeaders(response, request.url);
  } catch (offline) {
    const cached = await cache.match(key);
    if (cached) return withHeaders(cached, request.url);
    throw offline;
  }
}

// Once the app has loaded (www/isolation.js asks when the page is idle), fill the cache with
// the rest of the app (offline.json, written by `cargo xtask dist`): the other pages and the
// chart library, so that a visit with the network cut works everywhere. Replies when done.
self.addEventListener('message', (event) => {
  if (event.data?.type !== 'cache-app') return;
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    try {
      const files = await (await fetch(new URL('offline.json', self.registration.scope))).json();
      for (const file of files) {
        const url = new URL(file, self.registration.scope);
        if (!(await cache.match(url))) {
          const response = await fetch(url);
          if (response.ok) await cache.put(url, response);
        }
      }
      event.ports[0]?.postMessage({ cached: files.length });
    } catch (e) {
      event.ports[0]?.postMessage({ error: String(e?.message ?? e) });
    }
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (new URL(request.url).origin !== self.location.origin) return;
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  event.respondWith(respond(request));
});
