// Build step run by `cargo xtask dist` before trunk: bundles the chart library (echarts.mjs here)
// into one minified, tree-shaken ES module at target/web-vendor/echarts.js, which index.html
// has trunk copy to dist/vendor/. Prints raw and gzipped sizes.
//   node www/build/bundle.mjs [outdir=target/web-vendor]
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = fileURLToPath(new URL('.', import.meta.url));
const outdir = process.argv[2] ?? 'target/web-vendor';
const outfile = join(outdir, 'echarts.js');
await build({
  entryPoints: [join(here, 'echarts.mjs')],
  outfile,
  bundle: true,
  format: 'esm',
  minify: true,
  target: 'es2020',
  legalComments: 'none',
  logLevel: 'warning',
});
const bytes = readFileSync(outfile);
console.log(`bundle: ${outfile}: ${(bytes.length / 1024).toFixed(1)} KiB, ${(gzipSync(bytes, { level: 9 }).length / 1024).toFixed(1)} KiB gzipped`);
