// A static server for the built dist/ as real hosts serve it: under a sub-path (/amorsize/), and
// either with no headers at all (GitHub Pages: the service worker must do the work) or with the
// rules of dist/_headers (Netlify, Cloudflare Pages), optionally leaving some headers out.
//   node tests/e2e/headers-server.mjs [root=dist] [port=8190] [prefix=/amorsize/] [headers|plain]
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json', '.svg': 'image/svg+xml',
};

/** Parses a _headers file into [{pattern, headers: [[name, value]]}]. */
export function parseHeaders(text) {
  const rules = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    if (!/^\s/.test(line)) rules.push({ pattern: t, headers: [] });
    else if (rules.length && t.includes(':')) {
      const at = t.indexOf(':');
      rules.at(-1).headers.push([t.slice(0, at).trim(), t.slice(at + 1).trim()]);
    }
  }
  return rules;
}

/** Headers for `path` (from the site root): matching rules in order, later values replace. */
export function headersFor(rules, path) {
  const out = new Map();
  for (const r of rules) {
    const hit = r.pattern.endsWith('*') ? path.startsWith(r.pattern.slice(0, -1)) : path === r.pattern;
    if (hit) for (const [k, v] of r.headers) out.set(k.toLowerCase(), v);
  }
  return out;
}

/**
 * Serves `root` under `prefix`. `headers`: false (none), true (dist/_headers), or a Map of
 * extra headers for every response (a docs page's own). `omit`: header names to leave out.
 * `host`: the name the URL uses (127.0.0.1 or localhost: two origins on one machine).
 */
export function serveDist({ root = 'dist', prefix = '/amorsize/', headers = false, omit = [], extra = {}, host = '127.0.0.1', port = 0, log = null }) {
  const base = resolve(root);
  const rules = headers ? parseHeaders(readFileSync(join(base, '_headers'), 'utf8')) : [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    log?.push(path);
    try {
      if (!path.startsWith(prefix)) throw new Error('outside the prefix');
      const rel = `/${path.slice(prefix.length)}`;
      let file = normalize(join(base, rel));
      if (!file.startsWith(base + sep) && file !== base) throw new Error('outside the root');
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      const h = { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' };
      for (const [k, v] of headersFor(rules, rel)) if (!omit.includes(k)) h[k] = v;
      Object.assign(h, extra);
      res.writeHead(200, h);
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain', ...extra });
      res.end('404 not found\n');
    }
  });
  return new Promise((ok) => server.listen(port, '127.0.0.1', () => ok({
    server,
    url: `http://${host}:${server.address().port}${prefix}`,
    close: () => new Promise((done) => { server.closeAllConnections?.(); server.close(done); }),
  })));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [root = 'dist', port = '8190', prefix = '/amorsize/', mode = 'plain'] = process.argv.slice(2);
  const s = await serveDist({ root, port: Number(port), prefix, headers: mode === 'headers' });
  console.log(`${mode}: ${s.url}`);
}
