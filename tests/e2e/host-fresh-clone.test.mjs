// The README's first command on a fresh clone: `./run serve` does its own set-up (npm ci in a
// clone without node_modules, the tools' version checks), builds and serves a threaded page.
// It shares the repository's build cache (CARGO_TARGET_DIR) and dates the clone's files back,
// so that cargo reuses the compiled engine instead of spending minutes on an identical rebuild:
// what is under test is the set-up and the command, not the compiler. `./run test` from a fresh
// checkout is what CI runs (.github/workflows/ci.yml). Set AMORSIZE_FRESH_CLONE=0 to skip.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launch } from './browser.mjs';

const REPO = resolve('.');
const skip = process.env.AMORSIZE_FRESH_CLONE === '0' ? 'AMORSIZE_FRESH_CLONE=0'
  : !existsSync(join(REPO, '.git')) ? 'not a git checkout' : false;
const cleanups = [];
after(() => { for (const c of cleanups.reverse()) c(); });

const freePort = () => new Promise((ok) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
});

test('fresh clone: `./run serve` sets itself up, builds and serves a threaded page', { skip, timeout: 1_200_000 }, async () => {
  // The clone's back-dated sources count as older than what target/ holds: build the xtask
  // from this checkout first, so that what the clone reuses is current.
  execFileSync('cargo', ['build', '--quiet', '--package', 'xtask'], { cwd: REPO, stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'amorsize-clone-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('git', ['clone', '--quiet', '--no-hardlinks', REPO, dir]);
  assert.ok(!existsSync(join(dir, 'node_modules')) && !existsSync(join(dir, 'dist')), 'a clone has no node_modules or dist');
  execFileSync('find', [dir, '-path', join(dir, '.git'), '-prune', '-o', '-exec', 'touch', '-h', '-d', '2001-01-01', '{}', '+']);

  const [port, plain] = [await freePort(), await freePort()];
  const child = spawn('./run', ['serve', '--port', String(port), '--no-isolation-port', String(plain)], {
    cwd: dir, detached: true, env: { ...process.env, CARGO_TARGET_DIR: join(REPO, 'target') },
  });
  cleanups.push(() => { try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ } });
  let log = '';
  const served = new Promise((ok, fail) => {
    const seen = (d) => { log += d; if (log.includes('press Ctrl-C')) ok(); };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('exit', (code) => fail(new Error(`./run serve exited (${code}) before serving:\n${log.slice(-3000)}`)));
  });
  await served;
  assert.match(log, /setup: npm packages[\s\S]*ran npm ci/, 'serve ran the set-up (npm ci in the fresh clone)');
  assert.ok(log.includes(`serving ${join(dir, 'dist')}`), `it serves the clone's dist/:\n${log.slice(-2000)}`);
  assert.ok(existsSync(join(dir, 'dist', '_headers')), `dist/ built in the clone:\n${log.slice(-4000)}`);

  const browser = await launch();
  cleanups.push(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  const mode = await page.waitForFunction(() => document.querySelector('#mode')?.dataset.threaded, null, { timeout: 90_000 });
  assert.equal(await mode.jsonValue(), 'true');
});
