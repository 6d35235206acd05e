// A tiny static server for dist/ (used by the browser tests when AMORSIZE_URL is not set, and
// for local previews): one port with COOP/COEP/CORP, optionally one without.
//   node tests/e2e/static-server.mjs [root=dist] [port=8090] [plainPort=8091]
// AMORSIZE_WWW=<dir> serves /www/* from that directory instead (live edits without a rebuild).
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.md': 'text/plain; charset=utf-8', '.ico': 'image/x-icon',
};

export function startServer({ root, port = 0, isolated = true, www = process.env.AMORSIZE_WWW }) {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    try {
      let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      // As `cargo xtask serve`'s plain port: no service worker, which would isolate the page.
      if (!isolated && path === '/coi-sw.js') {
        res.writeHead(200, { 'Content-Type': 'text/javascript' });
        res.end('// amorsize-service-worker: off\n');
        return;
      }
      let dir = base;
      if (www && path.startsWith('/www/')) {
        dir = resolve(www);
        path = path.slice(4);
      }
      let file = normalize(join(dir, path));
      if (!file.startsWith(dir + sep) && file !== dir) throw Object.assign(new Error('forbidden'), { code: 'ENOENT' });
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      const headers = { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' };
      if (isolated) {
        headers['Cross-Origin-Opener-Policy'] = 'same-origin';
        headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
        headers['Cross-Origin-Resource-Policy'] = 'same-origin';
      }
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('404 not found\n');
    }
  });
  return new Promise((ok) => server.listen(port, '127.0.0.1', () => ok({ server, url: `http://127.0.0.1:${server.address().port}/` })));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [root = 'dist', port = '8090', plain = '8091'] = process.argv.slice(2);
  const a = await startServer({ root, port: Number(port), isolated: true });
  const b = await startServer({ root, port: Number(plain), isolated: false });
  console.log(`isolated ${a.url}\nnot isolated ${b.url}`);
}
