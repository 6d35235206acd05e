// Session memory: each cell's last result (the engine's replies and the parameters they were
// computed for) and each page's last parameters, in sessionStorage, so that page switches, Back
// and reload in the same tab keep them. Storage that is full or blocked only loses the memory.
const PREFIX = 'amorsize:';
/** Results larger than this (characters of JSON) are not kept: session storage holds ~5 MB. */
const MAX_RESULT = 1_500_000;

function read(key) {
  try {
    const text = sessionStorage.getItem(PREFIX + key);
    return text === null ? null : JSON.parse(text);
  } catch {
    return null;
  }
}

function write(key, value) {
  try {
    const text = JSON.stringify(value);
    if (text.length > MAX_RESULT) {
      sessionStorage.removeItem(PREFIX + key);
      return false;
    }
    sessionStorage.setItem(PREFIX + key, text);
    return true;
  } catch {
    return false;
  }
}

const resultKey = (page, id) => `result:/${page}/${id}`;

/** Keeps a cell's result: {values, action, replies, took}. */
export function save(page, id, result) {
  return write(resultKey(page, id), result);
}

export function load(page, id) {
  const saved = read(resultKey(page, id));
  return saved && Array.isArray(saved.replies) && saved.values && typeof saved.values === 'object' ? saved : null;
}

export function forget(page, id) {
  try {
    sessionStorage.removeItem(PREFIX + resultKey(page, id));
  } catch { /* storage blocked: nothing was kept */ }
}

/** Whether two parameter sets are the same (values are numbers, strings or arrays of numbers). */
export function sameValues(a, b) {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

/** A page's changed parameters ({cellId: {key: raw}}), for a visit without any in the address. */
export function savePageState(page, values) {
  write(`page:/${page}`, values);
}

export function loadPageState(page) {
  const values = read(`page:/${page}`);
  if (!values || typeof values !== 'object') return {};
  const clean = {};
  for (const [owner, entries] of Object.entries(values)) {
    if (!entries || typeof entries !== 'object') continue;
    clean[owner] = Object.fromEntries(Object.entries(entries).filter(([, v]) => typeof v === 'string'));
  }
  return clean;
}
