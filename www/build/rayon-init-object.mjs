// trunk post_build hook: wasm-bindgen-rayon 1.3's no-bundler worker helper initializes each pool
// thread with the deprecated positional form `pkg.default(module, memory)`, which makes
// wasm-bindgen log "using deprecated parameters for the initialization function" once per thread
// on every load. Rewrite that one call to the object form wasm-bindgen asks for. Fails the build
// when the call is not found, so that a new wasm-bindgen-rayon is looked at, not silently missed.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const dir = process.env.TRUNK_STAGING_DIR ?? process.argv[2] ?? 'dist';
const OLD = 'pkg.default(data.module, data.memory)';
const NEW = 'pkg.default({ module_or_path: data.module, memory: data.memory })';

const helpers = readdirSync(join(dir, 'snippets'), { recursive: true })
  .filter((f) => String(f).endsWith('workerHelpers.no-bundler.js'))
  .map((f) => join(dir, 'snippets', String(f)));
if (helpers.length === 0) {
  console.error(`rayon-init-object: no wasm-bindgen-rayon worker helper under ${dir}/snippets`);
  process.exit(1);
}
for (const file of helpers) {
  const text = readFileSync(file, 'utf8');
  if (!text.includes(OLD) && !text.includes(NEW)) {
    console.error(`rayon-init-object: ${file} has no \`${OLD}\`; check how this wasm-bindgen-rayon initializes its threads`);
    process.exit(1);
  }
  const fixed = text.replace(OLD, NEW);
  writeFileSync(file, fixed);
  // trunk's modulepreload of the helper carries its hash (subresource integrity): renew it.
  const html = join(dir, 'index.html');
  const path = relative(dir, file).split('\\').join('/');
  const integrity = `sha384-${createHash('sha384').update(fixed).digest('base64')}`;
  const page = readFileSync(html, 'utf8');
  const renewed = page.replace(new RegExp(`(<link[^>]*${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^>]*integrity=")[^"]*(")`, 'g'), `$1${integrity}$2`);
  writeFileSync(html, renewed);
  console.log(`rayon-init-object: ${file}: pool threads initialize with the object form${renewed === page ? '' : '; integrity renewed in index.html'}`);
}
