// trunk post_build hook: remove the loader trunk injects for the rust app, so the page's main
// thread never initializes the (threaded) wasm module; www/engine-worker.js loads it in a Worker.
// trunk cannot emit the files without a loader: a data-type="worker" link makes it add an
// implicit main app as well. Run by Trunk.toml: [[hooks]] stage = "post_build".
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.TRUNK_STAGING_DIR ?? process.argv[2] ?? 'dist';
const file = join(dir, 'index.html');
const before = readFileSync(file, 'utf8');
const after = before
  .replace(/<script type="module"[^>]*>(?:(?!<\/script>)[\s\S])*?TrunkApplicationStarted[\s\S]*?<\/script>\s*/g, '')
  .replace(/<link rel="(?:modulepreload|preload)" href="[^"]*amorsize(?:_bg\.wasm|\.js)"[^>]*>\s*/g, '');
if (after.includes('TrunkApplicationStarted')) {
  console.error(`strip-trunk-loader: could not remove trunk's loader from ${file}`);
  process.exit(1);
}
writeFileSync(file, after);
console.log(`strip-trunk-loader: ${file}: removed ${before.length - after.length} bytes of trunk's wasm loader`);
