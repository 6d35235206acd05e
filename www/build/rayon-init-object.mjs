// trunk post_build hook: wasm-bindgen-rayon 1.3's no-bundler worker helper initializes each pool
// thread with the deprecated positional form `pkg.default(module, memory)`, which makes
// wasm-bindgen log "using deprecated parameters for the initialization function" once per thread
// on every load. Rewrite that one call to the object form wasm-bindgen asks for. Fails the build
// when the call is not found, so that a new wasm-bindgen-rayon is looked at, not silently missed.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
  if (text.includes(NEW)) continue;
  if (!text.includes(OLD)) {
    console.error(`rayon-init-object: ${file} has no \`${OLD}\`; check how this wasm-bindgen-rayon initializes its threads`);
    process.exit(1);
  }
  writeFileSync(file, text.replace(OLD, NEW));
  console.log(`rayon-init-object: ${file}: pool threads initialize with the object form`);
}
