// The engine's JS face: starts the engine Worker (www/engine-worker.js), queues requests (one
// runs at a time), forwards progress, cancels, watches for a Worker that stopped answering, and
// restarts it after a crash. Every page of the playground and any docs page use this module:
//
//   import { startEngine } from './engine.js';
//   const engine = await startEngine();          // engine.mode: 'threads' | 'single'
//   const plan = await engine.optimize({ workload: 'parametric', params: { cost_us: 20 }, n: 400 });
//
// The API is documented in the README ("The engine from your own script"). The translation
// from these calls to the wasm `handle` protocol (src/web/request.rs) lives only in PROTOCOL
// below, so that protocol changes touch one place.
import { crashError, readTrapNote } from './trap-note.js';

/** The largest pool a page may ask for with `threads`. */
export const MAX_THREADS = 64;

/** How long the engine may stay silent during one request before the page is told (ms). */
export const DEFAULT_WATCHDOG_MS = 120_000;

const CANCELLED = Object.freeze({ kind: 'cancelled', message: 'cancelled' });

/** How long a cancelled request on a visitor's own function may run on before a restart (ms). */
const FUNCTION_STOP_MS = 500;
const FUNCTION_RESTARTED = Object.freeze({
  kind: 'cancelled',
  restarted: true,
  message: 'the function did not return within 0.5 s of Stop (an endless loop?), so the engine and its threads were restarted.',
});
const FUNCTION_RESTARTED_SINGLE = Object.freeze({
  kind: 'cancelled',
  restarted: true,
  message: 'stopping a function here means restarting the single-threaded engine, so it was restarted.',
});

/**
 * Parses a requested pool size strictly: a whole decimal number in 1..MAX_THREADS.
 * Returns {threads} or {error}; `undefined`/`null`/'' mean "not asked" ({threads: null}).
 */
export function parseThreads(raw) {
  if (raw === undefined || raw === null || raw === '') return { threads: null };
  const text = String(raw).trim();
  if (!/^\d{1,3}$/.test(text)) return { error: `threads "${String(raw).slice(0, 40)}" is not a whole number from 1 to ${MAX_THREADS}` };
  const threads = Number(text);
  if (threads < 1 || threads > MAX_THREADS) return { error: `threads ${threads} is outside 1 to ${MAX_THREADS}` };
  return { threads };
}

const isSerial = (plan) => plan.serial ?? plan.strategy === 'serial';

/** A plan with `serial` spelled one way: serial plans have workers 1 and chunk_size null. */
function normalPlan(plan) {
  const serial = isSerial(plan);
  return { ...plan, serial, workers: serial ? 1 : plan.workers, chunk_size: serial ? null : plan.chunk_size };
}

function shapeRequest(shape) {
  if (shape === undefined || shape === 'recommended') return { type: 'recommended' };
  if (shape === 'serial') return { type: 'serial' };
  if (shape && typeof shape === 'object' && 'workers' in shape && 'chunk_size' in shape) {
    return { type: 'fixed', workers: shape.workers, chunk_size: shape.chunk_size };
  }
  throw { kind: 'invalid_parameter', message: `shape must be 'recommended', 'serial' or {workers, chunk_size}, not ${JSON.stringify(shape)}` };
}

/**
 * The one place that knows the wasm request protocol: for each API call, the request it sends
 * and how the reply becomes the API's result.
 */
const PROTOCOL = {
  optimize: {
    request: (job) => ({ kind: 'optimize', job }),
    reply: ([plan, report]) => ({ ...normalPlan(plan), report }),
  },
  report: {
    request: (job) => ({ kind: 'optimize', job }),
    reply: ([, report]) => report,
  },
  execute: {
    request: (job, { shape } = {}) => ({ kind: 'execute', job, shape: shapeRequest(shape) }),
    // `preview`: a visitor's own function's first items and results (null for the catalog).
    reply: ({ plan, run, report, preview }) => ({ ...run, plan: normalPlan(plan), report, preview: preview ?? null }),
  },
  sweep: {
    request: (job, { workers, chunk_sizes, repeats } = {}) => ({ kind: 'sweep', job, workers, chunk_sizes, repeats }),
    reply: ([plan, sweep]) => ({ ...sweep, plan: normalPlan(plan) }),
  },
  tune: {
    request: (job) => ({ kind: 'tune', job }),
    reply: ([plan, tuned]) => ({ ...tuned, plan: normalPlan(tuned.plan), model: normalPlan(plan) }),
  },
  compare: {
    request: (job, { repeats } = {}) => ({ kind: 'compare', job, repeats }),
    reply: (value) => value,
  },
  workerCurve: {
    request: (job, { max_workers, repeats } = {}) => ({ kind: 'worker_curve', job, max_workers, repeats }),
    reply: (value) => value,
  },
};

/** What the status line calls a request while it runs or waits. */
export function requestLabel(request) {
  return String(request?.kind ?? 'request').replace(/_/g, ' ');
}

function stripUndefined(request) {
  return Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined));
}

/**
 * One engine: a Worker with the wasm module and (when the page is cross-origin isolated) its
 * thread pool. Create it with startEngine().
 */
export class Engine {
  #worker = null;
  #info = null;
  #readyWaiters = [];
  #listeners = new Set();
  #nextId = 1;
  #running = null; // {id, request, label, onProgress, resolve, reject, heardAt, stalled, ...}
  #queue = [];
  #bootStartedAt = 0;
  #watchdog = null;
  #terminated = false;
  #bootStalled = false;
  #options;

  constructor({ threads = null, watchdogMs = DEFAULT_WATCHDOG_MS, workerUrl } = {}) {
    const asked = parseThreads(threads);
    if (asked.error) throw { kind: 'invalid_parameter', message: asked.error };
    this.#options = { threads: asked.threads, watchdogMs, workerUrl: workerUrl ?? new URL('engine-worker.js', import.meta.url) };
    this.#spawn();
  }

  /** 'threads' or 'single'. */
  get mode() { return this.#info ? (this.#info.mode.threaded ? 'threads' : 'single') : null; }
  /** The pool's threads (1 when single). */
  get threads() { return this.#info?.mode.threads ?? null; }
  get cores() { return this.#info?.mode.cores ?? null; }
  /** The pool size the page asked for, or null for the default. */
  get requestedThreads() { return this.#options.threads; }
  /** Every workload with its parameters (the engine's catalog). */
  get catalog() { return this.#info?.catalog ?? null; }
  /** The Worker's whole ready message: {mode: {threaded, threads, cores, costs}, catalog, poolReadyMs, poolStartupMs, bootMs}. */
  get info() { return this.#info; }

  /** How long (ms) a request may send nothing before a 'stalled' event; settable. */
  get watchdogMs() { return this.#options.watchdogMs; }
  set watchdogMs(ms) {
    if (!(Number.isFinite(ms) && ms > 0)) throw { kind: 'invalid_parameter', message: `watchdogMs must be a positive number of milliseconds, not ${ms}` };
    this.#options.watchdogMs = ms;
    this.#startWatchdog();
  }

  /** Resolves with this engine once the Worker is ready. */
  ready() {
    if (this.#terminated) return Promise.reject({ kind: 'terminated', message: 'the engine was terminated' });
    return this.#info ? Promise.resolve(this) : new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  /**
   * Engine events: {type: 'ready'}, {type: 'restarting', reason}, {type: 'boot-error', error},
   * {type: 'activity', running, waiting}, {type: 'stalled', label, silentMs},
   * {type: 'progress', label, ...}. Returns an unsubscribe function.
   */
  onEvent(listener) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** What runs now and what waits: {running: {id, label, progress} | null, waiting: [{id, label}]}. */
  activity() {
    const r = this.#running;
    return {
      running: r ? { id: r.id, label: r.label, progress: r.progress ?? null } : null,
      waiting: this.#queue.map((j) => ({ id: j.id, label: j.label })),
    };
  }

  optimize(job, options) { return this.#call('optimize', job, options); }
  report(job, options) { return this.#call('report', job, options); }
  /** `options.shape`: 'recommended' (default), 'serial', or {workers, chunk_size}. */
  execute(job, options) { return this.#call('execute', job, options); }
  /** `options`: {workers?: [k], chunk_sizes?: [c], repeats?} (default: the engine's grid). */
  sweep(job, options) { return this.#call('sweep', job, options); }
  tune(job, options) { return this.#call('tune', job, options); }
  compare(job, options) { return this.#call('compare', job, options); }
  workerCurve(job, options) { return this.#call('workerCurve', job, options); }

  #call(name, job, options = {}) {
    const entry = PROTOCOL[name];
    let request;
    try {
      // `allow_long: true` runs a job the engine predicts to take over a minute (else `too_long`).
      request = stripUndefined({ ...entry.request(job, options), allow_long: options.allow_long || undefined });
    } catch (e) {
      return Promise.reject(e);
    }
    const pending = this.request(request, options);
    const result = pending.then(entry.reply);
    result.id = pending.id;
    return result;
  }

  /**
   * Sends one raw request of the wasm protocol. `options`: {onProgress(p), signal, label}.
   * Resolves with the engine's reply; rejects with {kind, message}. The promise carries `.id`.
   */
  request(request, { onProgress, signal, label } = {}) {
    const id = this.#nextId++;
    if (this.#terminated) {
      const p = Promise.reject({ kind: 'terminated', message: 'the engine was terminated' });
      p.id = id;
      return p;
    }
    let job;
    const promise = new Promise((resolve, reject) => {
      job = { id, request, label: label ?? requestLabel(request), onProgress, resolve, reject };
    });
    promise.id = id;
    if (signal?.aborted) {
      job.reject(CANCELLED);
      return promise;
    }
    signal?.addEventListener('abort', () => this.cancel(id), { once: true });
    this.#queue.push(job);
    this.#activity();
    this.#pump();
    return promise;
  }

  /**
   * Cancels one request (its promise or id), or, with no argument, the running one and
   * everything queued. Cancelled requests reject with {kind: 'cancelled'}.
   */
  cancel(which) {
    const id = which === undefined ? undefined : (typeof which === 'object' ? which.id : which);
    for (let i = this.#queue.length - 1; i >= 0; i--) {
      if (id === undefined || this.#queue[i].id === id) this.#queue.splice(i, 1)[0].reject(CANCELLED);
    }
    this.#activity();
    const job = this.#running;
    if (!job || (id !== undefined && job.id !== id) || job.cancelling) return;
    job.cancelling = true;
    const info = this.#info;
    // A visitor's own function may loop forever: it gets half a second to stop, not two, and
    // its rejection says that the engine was restarted.
    const ownFunction = typeof job.request?.job?.fn === 'string';
    if (info?.mode?.threaded && info.memory) {
      // The engine checks the flag at every chunk. Store it again until the job settles, in
      // case the Worker had not yet started it (handle() resets the flag when it starts).
      this.#storeCancelFlag();
      job.cancelTimer = setInterval(() => this.#storeCancelFlag(), 50);
      // A single item longer than this cannot be interrupted: fall back to a restart.
      job.killTimer = setTimeout(() => {
        if (this.#running === job) {
          this.#settle().reject(ownFunction ? FUNCTION_RESTARTED : CANCELLED);
          this.restart('a cancelled request did not stop');
        }
      }, ownFunction ? FUNCTION_STOP_MS : 2000);
    } else {
      // Single-threaded: the Worker is busy inside wasm; only terminating it stops it.
      this.#settle().reject(ownFunction ? FUNCTION_RESTARTED_SINGLE : CANCELLED);
      this.restart('cancelled a single-threaded request');
    }
  }

  /** Stops the Worker and starts a new one; the running request rejects with {kind: 'restarted'}. */
  restart(reason = 'restart requested') {
    if (this.#terminated) return;
    if (this.#running) this.#settle().reject({ kind: 'restarted', message: `the engine was restarted (${reason})` });
    this.#worker?.terminate();
    this.#emit({ type: 'restarting', reason });
    this.#spawn();
  }

  /** Stops the Worker for good; everything pending rejects with {kind: 'terminated'}. */
  terminate() {
    if (this.#terminated) return;
    const gone = { kind: 'terminated', message: 'the engine was terminated' };
    for (const job of this.#queue.splice(0)) job.reject(gone);
    if (this.#running) this.#settle().reject(gone);
    for (const w of this.#readyWaiters.splice(0)) w.reject(gone);
    this.#terminated = true;
    clearInterval(this.#watchdog);
    this.#worker?.terminate();
    this.#worker = null;
  }

  #emit(event) {
    for (const l of this.#listeners) l(event);
  }

  #activity() {
    this.#emit({ type: 'activity', ...this.activity() });
  }

  #spawn() {
    this.#info = null;
    this.#bootStalled = false;
    this.#bootStartedAt = performance.now();
    const url = new URL(this.#options.workerUrl);
    if (this.#options.threads) url.searchParams.set('threads', String(this.#options.threads));
    const worker = new Worker(url, { type: 'module', name: 'amorsize-engine' });
    this.#worker = worker;
    worker.onmessage = (e) => { if (worker === this.#worker) this.#onMessage(e.data); };
    worker.onerror = (e) => {
      e.preventDefault?.();
      if (worker !== this.#worker) return;
      const error = crashError(this.#trapNote(), `engine worker failed: ${e.message || 'unknown error'}`);
      if (!this.#info) {
        this.#bootFailed(error);
        return;
      }
      if (this.#running) this.#settle().reject(error);
      this.restart('the Worker failed');
    };
    this.#startWatchdog();
  }

  #bootFailed(error) {
    for (const w of this.#readyWaiters.splice(0)) w.reject(error);
    this.#emit({ type: 'boot-error', error });
  }

  // Heard from: the Worker's messages (ready, progress, result). While the engine is inside a
  // request, progress between runs is its heartbeat; a silence longer than the watchdog means
  // it is stuck (an endless loop, a deadlock) or far slower than any honest step.
  #startWatchdog() {
    clearInterval(this.#watchdog);
    const every = Math.max(50, Math.min(1000, this.#options.watchdogMs / 4));
    this.#watchdog = setInterval(() => {
      const now = performance.now();
      const job = this.#running;
      const since = job ? job.heardAt : (this.#info ? null : this.#bootStartedAt);
      if (since === null) return;
      const silentMs = now - since;
      const reported = job ? job.stalled : this.#bootStalled;
      if (silentMs > this.#options.watchdogMs && !reported) {
        if (job) job.stalled = true;
        else this.#bootStalled = true;
        this.#emit({ type: 'stalled', label: job ? job.label : 'starting the engine', silentMs, id: job?.id ?? null });
      }
    }, every);
  }

  #onMessage(msg) {
    if (msg.type === 'ready') {
      this.#info = { ...msg, bootMs: performance.now() - this.#bootStartedAt, navToReadyMs: performance.now() };
      for (const w of this.#readyWaiters.splice(0)) w.resolve(this);
      this.#emit({ type: 'ready', info: this.#info });
      this.#pump();
      return;
    }
    if (msg.type === 'boot-error') {
      this.#bootFailed(msg.error);
      return;
    }
    const job = this.#running;
    if (!job || msg.id !== job.id) return;
    job.heardAt = performance.now();
    if (msg.type === 'progress') {
      const { id: _, type: __, ...p } = msg;
      job.progress = p;
      job.onProgress?.(p);
      this.#emit({ type: 'progress', id: job.id, label: job.label, ...p });
    } else if (msg.type === 'result') {
      this.#settle().resolve(msg.value);
    } else if (msg.type === 'error') {
      this.#settle().reject(msg.error);
      if (msg.error?.kind === 'crashed') this.restart('the engine crashed');
    }
  }

  // The threaded engine's trap note, readable from here because its memory is shared.
  #trapNote() {
    const info = this.#info;
    return info?.memory ? readTrapNote(info.memory, info.trapNoteAddress) : null;
  }

  // A pool thread that traps (a panicking item, a failed allocation) never answers, and the
  // engine's own thread waits for it forever: poll the note while a request runs.
  #watchTrapNote(job) {
    if (!this.#info?.memory) return;
    job.trapTimer = setInterval(() => {
      const note = this.#trapNote();
      if (note && this.#running === job) {
        this.#settle().reject(crashError(note));
        this.restart('the engine crashed');
      }
    }, 250);
  }

  #settle() {
    const job = this.#running;
    clearInterval(job.trapTimer);
    clearInterval(job.cancelTimer);
    clearTimeout(job.killTimer);
    this.#running = null;
    queueMicrotask(() => { this.#activity(); this.#pump(); });
    return job;
  }

  #pump() {
    if (this.#running || !this.#info || this.#queue.length === 0) return;
    const job = this.#queue.shift();
    this.#running = job;
    job.heardAt = performance.now();
    this.#activity();
    this.#worker.postMessage({ id: job.id, type: 'request', request: job.request });
    this.#watchTrapNote(job);
  }

  #storeCancelFlag() {
    // Re-create the view every time: memory.grow detaches old views.
    const view = new Int32Array(this.#info.memory.buffer);
    Atomics.store(view, this.#info.cancelAddress >> 2, 1);
  }
}

/**
 * Starts an engine and resolves once it is ready. `options`: {threads?: 1..MAX_THREADS (the
 * pool size; default: the engine's), watchdogMs?: how long a request may stay silent before a
 * 'stalled' event}. Rejects with {kind, message} (invalid options, or the engine failed to
 * start).
 */
export async function startEngine(options) {
  const engine = new Engine(options);
  return engine.ready();
}
