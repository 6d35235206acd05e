// trunk post_build step: minifies the site's own scripts in the staging dir, one file at a time
// (no bundling, so every module keeps its URL and its exports). A first visit loads about thirty
// of them, and they outweighed what the 300 KiB first-visit budget (tests/e2e/host.test.mjs) had
// left beside the wasm. The build scripts are not served to pages and stay as they are.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { transform } from 'esbuild';

const dir = join(process.env.TRUNK_STAGING_DIR ?? process.argv[2] ?? 'dist', 'www');

async function* scripts(folder) {
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory() && entry.name !== 'build') yield* scripts(path);
    else if (entry.isFile() && entry.name.endsWith('.js')) yield path;
  }
}

let before = 0;
let after = 0;
for await (const file of scripts(dir)) {
  const source = await readFile(file, 'utf8');
  const { code } = await transform(source, { loader: 'js', format: 'esm', minify: true, target: 'es2022', legalComments: 'none' });
  await writeFile(file, code);
  before += source.length;
  after += code.length;
}
console.log(`minify-www: ${dir}: ${(before / 1024).toFixed(1)} -> ${(after / 1024).toFixed(1)} KiB`);
