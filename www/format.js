// Number formatting for display only (the engine computes every figure). Counts and shapes
// are worded by wording.js, re-exported here so pages import one module.
import { number, shape } from './wording.js';

export { allCores, chunks, count, items, number, poolThreads, runs, shape, workers } from './wording.js';
export function seconds(s) {
  if (s === null || s === undefined || !Number.isFinite(s)) return '–';
  const a = Math.abs(s);
  if (a >= 1) return `${s.toFixed(a >= 10 ? 1 : 2)} s`;
  if (a >= 1e-3) return `${(s * 1e3).toFixed(a >= 1e-2 ? 1 : 2)} ms`;
  if (a >= 1e-6) return `${(s * 1e6).toFixed(a >= 1e-5 ? 1 : 2)} µs`;
  return `${(s * 1e9).toFixed(0)} ns`;
}
export const ms = (s) => (Number.isFinite(s) ? +(s * 1e3).toPrecision(4) : null);
// Below this speedup, "0.04x" says little and "28x slower" says it: the engine's rule
// (SAY_TIMES_SLOWER_BELOW in src/playground/policy.rs), so that its verdicts and these figures
// read alike side by side.
const SAY_TIMES_SLOWER_BELOW = 0.1;
/** A speedup as the engine writes one (policy.rs speedup_label): "1.85x", "120x slower". */
export const x = (v) => {
  if (!Number.isFinite(v) || v <= 0) return '–';
  if (v < SAY_TIMES_SLOWER_BELOW) return `${number(1 / v)}x slower`;
  return `${v.toFixed(2)}x`;
};
export const pct = (v) => (Number.isFinite(v) ? `${(v * 100).toFixed(0)} %` : '–');
export function bytes(b) {
  if (!Number.isFinite(b)) return '–';
  if (b >= 1 << 20) return `${(b / (1 << 20)).toFixed(1)} MiB`;
  if (b >= 1024) return `${(b / 1024).toFixed(1)} KiB`;
  return `${Math.round(b)} B`;
}
export const int = (v) => number(v);
// Serial is spelled one way by the engine: `serial: true` on runs, candidates and progress, and
// `strategy: 'serial'` with `chunk_size: null` on plans.
export function chunk(c, items) {
  if (c == null || !Number.isFinite(c)) return 'all';
  return items ? `${c} (${Math.ceil(items / c)} chunks)` : String(c);
}
/** `serial` is the engine's flag; a number instead is the job's item count. */
export function shapeLabel(workers, chunkSize, serialOrItems) {
  if (serialOrItems === true) return 'serial';
  return shape(workers, chunkSize, typeof serialOrItems === 'number' ? serialOrItems : undefined);
}
export function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'html') node.innerHTML = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}
