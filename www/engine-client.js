// The page's side of the engine: starts www/engine-worker.js, queues requests (one runs at a
// time), forwards progress, cancels, and restarts the worker after a crash. Never blocks.
import { crashError, readTrapNote } from './trap-note.js';

const listeners = new Set();
let worker = null;
let info = null;          // the worker's 'ready' message
let readyWaiters = [];
let nextId = 1;
let running = null;       // {id, req, onProgress, resolve, reject, cancelTimer}
const queue = [];
let bootStartedAt = 0;

function workerUrl() {
  const url = new URL('engine-worker.js', import.meta.url);
  const threads = new URLSearchParams(location.search).get('threads')
    ?? new URLSearchParams(location.hash.split('?')[1] ?? '').get('threads');
  if (threads) url.searchParams.set('threads', threads);
  return url;
}

function emit(event) {
  for (const l of listeners) l(event);
}

function spawn() {
  info = null;
  bootStartedAt = performance.now();
  worker = new Worker(workerUrl(), { type: 'module', name: 'amorsize-engine' });
  worker.onmessage = (e) => onMessage(e.data);
  worker.onerror = (e) => {
    e.preventDefault?.();
    const error = { kind: 'crashed', message: `engine worker failed: ${e.message || 'unknown error'}` };
    if (!info) {
      emit({ type: 'boot-error', error });
      return;
    }
    fail(crashError(trapNote(), error.message));
    restart();
  };
}

// The threaded engine's trap note, readable from here because its memory is shared.
function trapNote() {
  return info?.memory ? readTrapNote(info.memory, info.trapNoteAddress) : null;
}

// A pool thread that traps (a panicking item, a failed allocation) never answers, and the
// engine's own thread waits for it forever: poll the note while a request runs.
function watchTrapNote(job) {
  if (!info?.memory) return;
  job.trapTimer = setInterval(() => {
    const note = trapNote();
    if (note && running === job) {
      settle().reject(crashError(note));
      restart();
    }
  }, 250);
}

function restart() {
  worker?.terminate();
  emit({ type: 'restarting' });
  spawn();
}

function onMessage(msg) {
  if (msg.type === 'ready') {
    info = { ...msg, navToReadyMs: performance.now(), bootMs: performance.now() - bootStartedAt };
    const waiters = readyWaiters;
    readyWaiters = [];
    waiters.forEach((w) => w(info));
    emit({ type: 'ready', info });
    pump();
    return;
  }
  if (msg.type === 'boot-error') {
    emit({ type: 'boot-error', error: msg.error });
    return;
  }
  if (!running || msg.id !== running.id) return;
  if (msg.type === 'progress') {
    running.onProgress?.(msg);
  } else if (msg.type === 'result') {
    settle().resolve(msg.value);
  } else if (msg.type === 'error') {
    const job = settle();
    job.reject(msg.error);
    if (msg.error?.kind === 'crashed') restart();
  }
}

function settle() {
  const job = running;
  clearInterval(job.cancelTimer);
  clearInterval(job.trapTimer);
  clearTimeout(job.killTimer);
  running = null;
  queueMicrotask(pump);
  return job;
}

function fail(error) {
  if (running) settle().reject(error);
}

function pump() {
  if (running || !info || queue.length === 0) return;
  running = queue.shift();
  emit({ type: 'busy', busy: true });
  worker.postMessage({ id: running.id, type: 'request', request: running.req });
  watchTrapNote(running);
}

function storeCancelFlag() {
  // Re-create the view every time: memory.grow detaches old views.
  const view = new Int32Array(info.memory.buffer);
  Atomics.store(view, info.cancelAddress >> 2, 1);
}

/** Resolves with the worker's ready info ({mode, catalog, poolReadyMs, ...}). */
export function ready() {
  if (!worker) spawn();
  return info ? Promise.resolve(info) : new Promise((r) => readyWaiters.push(r));
}

export function current() {
  return info;
}

export function onEvent(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Runs one engine request. Resolves with the engine's value; rejects with {kind, message}.
 * The returned promise carries `.id` for cancel(id).
 */
export function request(req, onProgress) {
  if (!worker) spawn();
  const id = nextId++;
  let job;
  const promise = new Promise((resolve, reject) => {
    job = { id, req, onProgress, resolve, reject };
  });
  queue.push(job);
  pump();
  promise.id = id;
  return promise;
}

/** Cancels request `id` (or the running one, and everything queued, when id is undefined). */
export function cancel(id) {
  const cancelled = { kind: 'cancelled', message: 'cancelled' };
  for (let i = queue.length - 1; i >= 0; i--) {
    if (id === undefined || queue[i].id === id) queue.splice(i, 1)[0].reject(cancelled);
  }
  if (!running || (id !== undefined && running.id !== id)) return;
  const job = running;
  if (info?.mode?.threaded && info.memory) {
    // The engine checks the flag at every chunk. Store it again until the job settles, in case
    // the worker had not yet started (handle() resets the flag when it starts).
    storeCancelFlag();
    job.cancelTimer = setInterval(storeCancelFlag, 50);
    // A single item longer than this cannot be interrupted: fall back to a restart.
    job.killTimer = setTimeout(() => {
      if (running === job) {
        settle().reject(cancelled);
        restart();
      }
    }, 2000);
  } else {
    // Single-threaded: the worker is busy inside wasm; only terminating it stops it.
    settle().reject(cancelled);
    restart();
  }
}

export function busy() {
  return Boolean(running) || queue.length > 0;
}
