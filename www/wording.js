// Wording for counts and units: singular and plural, "serial" for a shape that runs on one
// thread, huge numbers kept readable. The engine's text uses the same rules (src/units.rs), so a
// page never mixes "1 worker" with "1 workers". No DOM here: unit-tested under node.

const DASH = '–';

/** A whole number as people read it: "0", "1,024", "16,777,216", "2.5 billion", "3.0e15". */
export function number(n) {
  if (!Number.isFinite(n)) return DASH;
  const a = Math.abs(n);
  if (a >= 1e15) return n.toExponential(1);
  if (a >= 1e12) return `${trim(n / 1e12)} trillion`;
  if (a >= 1e9) return `${trim(n / 1e9)} billion`;
  return Math.round(n).toLocaleString('en-US');
}
const trim = (v) => String(+v.toFixed(1));

/**
 * "1 worker", "2 workers", "0 workers", "1.5 billion items". `plural` defaults to singular + s.
 */
export function count(n, singular, plural = `${singular}s`) {
  if (!Number.isFinite(n)) return `${DASH} ${plural}`;
  return `${number(n)} ${n === 1 ? singular : plural}`;
}

/** True when a chunk size stands for "everything in one piece" (the engine sends null). */
const endless = (c) => !Number.isFinite(c) || c >= 2 ** 52;

/**
 * A plan's shape in words: "serial" when it runs on one thread in one piece (no workers, an
 * endless chunk, or one worker taking every item), otherwise "2 workers x 50 items", as the engine writes it (chunks
 * of that many items).
 */
export function shape(workers, chunkSize, items) {
  if (!workers || workers < 1 || endless(chunkSize)) return 'serial';
  if (workers === 1 && Number.isFinite(items) && chunkSize >= items) return 'serial';
  return `${count(workers, 'worker')} x ${count(chunkSize, 'item')}`;
}

/** "chunks of 1 item", "chunks of 500 items", "one chunk" when a chunk holds everything. */
export function chunks(chunkSize) {
  return endless(chunkSize) ? 'one chunk' : `chunks of ${count(chunkSize, 'item')}`;
}

/** "all 4 cores", "its only core". */
export function allCores(cores) {
  return cores === 1 ? 'its only core' : `all ${count(cores, 'core')}`;
}

/** "the pool's 8 threads", "the pool's single thread". */
export function poolThreads(threads) {
  return threads === 1 ? "the pool's single thread" : `the pool's ${count(threads, 'thread')}`;
}

/** "1 run", "3 runs" and friends, for the handful of nouns the pages count. */
export const runs = (n) => count(n, 'run');
export const items = (n) => count(n, 'item');
export const workers = (n) => count(n, 'worker');
