// The engine's home: a dedicated module Worker that owns the wasm module and (when the page is
// cross-origin isolated) its rayon thread pool. The page never loads the wasm itself, so its
// main thread never blocks or spins. Protocol (page <-> worker):
//   worker -> page  {type:'ready', mode, catalog, memory, cancelAddress, trapNoteAddress, poolReadyMs, ...}
//                   {type:'boot-error', error}
//   page -> worker  {id, type:'request', request}
//   worker -> page  {id, type:'progress', done, total, workers, chunk_size}
//                   {id, type:'result', value} | {id, type:'error', error:{kind, message}}
import { crashError, readTrapNote } from './trap-note.js';

const bornAt = performance.now();
let engine = null;
let crashed = false;
// Read after a trap, when calling into the module is no longer safe: taken at boot.
let trapNoteAt = { memory: null, address: null };
const backlog = [];

// The pool size rule is the engine's (`pool_threads`); `?threads=N` overrides it. engine.js
// validated it (parseThreads); a hand-made URL with anything else gets the engine's size.
function threadCount(mod, cores) {
  const raw = new URL(self.location.href).searchParams.get('threads') ?? '';
  // The engine's own rule (`policy::asked_threads`: decimal digits, 1 to 64) decides.
  if (raw) {
    try {
      return mod.asked_threads(raw);
    } catch {
      // Not a pool size: the engine's size, as engine.js would have refused it.
    }
  }
  return mod.pool_threads(cores, navigator.deviceMemory ?? 0);
}

function asError(e) {
  if (e instanceof WebAssembly.RuntimeError) {
    crashed = true;
    // The engine noted why before it trapped (a panic, a failed allocation), with the item.
    const note = readTrapNote(trapNoteAt.memory, trapNoteAt.address);
    return crashError(note, `the engine crashed (${e.message}); it is being restarted`);
  }
  if (e && typeof e === 'object' && 'kind' in e) return { ...e, kind: String(e.kind), message: String(e.message ?? e.kind) };
  return { kind: 'error', message: String(e?.message ?? e) };
}

async function boot() {
  const cores = navigator.hardwareConcurrency || 1;
  if (self.crossOriginIsolated) {
    const mod = await import('../amorsize.js');
    await mod.default({ module_or_path: new URL('../amorsize_bg.wasm', import.meta.url) });
    const threads = threadCount(mod, cores);
    const t = performance.now();
    await mod.initThreadPool(threads);
    const poolStartupMs = performance.now() - t;
    const mode = mod.start(cores, poolStartupMs / 1000);
    engine = mod;
    trapNoteAt = { memory: mod.shared_memory(), address: mod.trap_note_address() };
    return {
      mode: { ...mode, threaded: true, poolThreads: threads },
      memory: mod.shared_memory(),
      cancelAddress: mod.cancel_flag_address(),
      trapNoteAddress: mod.trap_note_address(),
      poolStartupMs,
    };
  }
  const mod = await import('../st/amorsize.js');
  await mod.default({ module_or_path: new URL('../st/amorsize_bg.wasm', import.meta.url) });
  const mode = mod.start(1, 0);
  engine = mod;
  trapNoteAt = { memory: mod.shared_memory(), address: mod.trap_note_address() };
  return { mode: { ...mode, threaded: false, poolThreads: 1 }, memory: null, cancelAddress: null, poolStartupMs: 0 };
}

async function run({ id, request }) {
  if (crashed) {
    postMessage({ id, type: 'error', error: { kind: 'crashed', message: 'the engine crashed earlier' } });
    return;
  }
  // A user's own function: report a syntax error with its position before the engine runs.
  if (typeof request?.job?.fn === 'string') {
    const error = await (await import('./script-syntax.js')).syntaxError(request.job);
    if (error) {
      postMessage({ id, type: 'error', error });
      return;
    }
  }
  const progress = (p) => postMessage({ id, type: 'progress', ...p });
  try {
    const value = engine.handle(request, progress);
    postMessage({ id, type: 'result', value });
  } catch (e) {
    postMessage({ id, type: 'error', error: asError(e) });
  }
}

self.onmessage = (event) => {
  const msg = event.data;
  if (msg?.type !== 'request') return;
  if (engine) run(msg);
  else backlog.push(msg);
};

boot().then(
  (info) => {
    postMessage({
      type: 'ready',
      ...info,
      catalog: engine.catalog(),
      poolReadyMs: performance.now() - bornAt,
    });
    while (backlog.length) run(backlog.shift());
    // The costs measured at start-up were taken while the page was still compiling the engine;
    // measure them again once it has settled, between requests, so no decision pays for it.
    const settle = () => {
      if (crashed) return;
      const waitMs = engine.settle();
      if (waitMs > 0) setTimeout(settle, waitMs + 50);
    };
    settle();
  },
  (e) => postMessage({ type: 'boot-error', error: { kind: 'boot', message: String(e?.message ?? e) } }),
);
