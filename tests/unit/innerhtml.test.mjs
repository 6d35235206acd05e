// Every way the front end turns a string into HTML, checked against a reviewed allow-list, so
// that no URL- or user-provided string can reach innerHTML unnoticed. A new use fails this test
// until it is reviewed and listed here with its reason; a removed one asks to shrink the list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
const FRONT_END = ['www', 'index.html'];
const SKIP = new Set(['www/build']);

/** HTML sinks: the DOM's own, and the playground's two doors to them (el's `html` attribute, ctx.html). */
const SINK = /\binnerHTML\b|\bouterHTML\b|insertAdjacentHTML|document\.write|DOMParser|createContextualFragment|\bsrcdoc\b|\bhtml:\s|\bctx\.html\(|\.html\(/g;

// file -> [count, why it is safe]. Reviewed 2026-12-02.
const ALLOWED = {
  'www/charts.js': [1, "a chart's `instead` note: constant sentences from figures.nothingToSweep"],
  'www/format.js': [1, "el()'s `html` attribute: the one innerHTML of the app; its callers are listed below"],
  'www/cells.js': [3, 'intro and lead: template literals in the page modules (text plus engine catalog and mode figures); ctx.html: results below'],
  'www/pages/common.js': [2, 'renderPlan and compareTable of an engine reply: numbers via format.js, engine strings via esc()'],
  'www/pages/getting-started.js': [5, 'tables and plans of engine replies: numbers via format.js, catalog names, esc() for engine text'],
  'www/pages/lab-actions.js': [9, "the Lab's plans, reports and summaries of engine replies (catalog and function cells): numbers via format.js, shape labels; a function's own items and results are DOM text (previewTable)"],
  'www/pages/performance.js': [5, 'plans, tables of engine replies, and one constant note'],
  'www/pages/tuning.js': [2, 'sweep and tuner summaries: numbers via format.js, shape labels, esc() for labels'],
  'www/pages/use-cases.js': [3, 'plans, compare tables and a summary of engine numbers'],
};

function files(path) {
  const full = join(ROOT, path);
  if (SKIP.has(path)) return [];
  if (statSync(full).isDirectory()) return readdirSync(full).flatMap((name) => files(join(path, name)));
  return /\.(m?js|html)$/.test(path) ? [path] : [];
}

test('every HTML sink in the front end is on the reviewed allow-list', () => {
  const found = {};
  for (const file of FRONT_END.flatMap(files)) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const hits = text.match(SINK)?.length ?? 0;
    if (hits) found[relative(ROOT, join(ROOT, file))] = hits;
  }
  const problems = [];
  for (const [file, hits] of Object.entries(found)) {
    const allowed = ALLOWED[file]?.[0] ?? 0;
    if (hits > allowed) problems.push(`${file}: ${hits} HTML sinks, ${allowed} reviewed; review the new ones (no URL or user string may reach them) and update tests/unit/innerhtml.test.mjs`);
  }
  for (const [file, [count]] of Object.entries(ALLOWED)) {
    if ((found[file] ?? 0) < count) problems.push(`${file}: ${found[file] ?? 0} HTML sinks, fewer than the ${count} reviewed; lower the count`);
  }
  assert.deepEqual(problems, []);
});

test('the sink pattern catches what it should', () => {
  for (const bad of ['x.innerHTML = y', 'el.insertAdjacentHTML("a", b)', "el('div', { html: s })", 'ctx.html(s)', 'document.write(s)']) {
    assert.ok(bad.match(SINK), bad);
  }
});
