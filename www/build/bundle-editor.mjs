// Bundles the Lab's code editor (CodeMirror 6) and the engine Worker's syntax locator (acorn)
// from npm into two ES modules under <dist>/www/vendor/. Run by `cargo xtask dist` after trunk:
//   node www/build/bundle-editor.mjs [dist]
// Only the Lab imports vendor/editor.js, lazily, so the other pages' first visit loads none of
// it; vendor/script-check.js loads only after a syntax error in a user's function.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = path.resolve(root, process.argv[2] ?? 'dist');
const entries = { editor: 'www/build/editor-entry.js', 'script-check': 'www/build/script-check-entry.js' };

const result = await build({
  entryPoints: Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, path.join(root, file)])),
  outdir: path.join(dist, 'www', 'vendor'),
  bundle: true,
  format: 'esm',
  minify: true,
  target: 'es2022',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
for (const [file, { bytes }] of Object.entries(result.metafile.outputs)) {
  console.log(`bundle-editor: ${path.relative(root, file)} ${(bytes / 1024).toFixed(1)} KiB`);
}
