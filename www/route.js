// The address bar as state: which page, which cell, and each cell's parameters. Pure functions
// (no DOM), so that node can test them (tests/unit/route.test.mjs).
//
//   #/tuning/the-full-grid?n=5000&workers=1,2  one cell's state (a cell's "Copy link")
//   #/tuning?the-full-grid.n=5000&the-full-grid.repeats=2
//                                               a page's state: keys prefixed by cell id
//   #/lab?workload=parametric&cost_us=50        unprefixed keys belong to the named cell, or to
//                                               the only cell of a one-cell page
//   #/lab?fn=x%20%3D%3E%20x*2&items=i%20%3D%3E%20i  the Lab's function cell: code keys (CODE_KEYS)
//                                               may be up to CODE_VALUE_MAX characters
//   ?threads=4 / ?embed=1                       global keys (in the hash query or the search)
//
// Parsing never throws and never trusts: an unknown page is `page: null` (the not-found page),
// a malformed cell id or key becomes a problem message, and values stay raw strings (at most
// VALUE_MAX characters) for the cells to validate against their fields (fields.js `check`).
import { isCellId } from './cell-id.js';

/** Every page, in nav order: [slug, title]. The empty slug is the home page. */
export const PAGES = [
  ['', 'Getting started'],
  ['performance', 'Performance analysis'],
  ['tuning', 'Parameter tuning'],
  ['use-cases', 'Use cases'],
  ['lab', 'Lab'],
];

/** The home page's name in paths that need one (`#/getting-started/the-problem`). */
export const HOME_ALIAS = 'getting-started';

/** Keys that belong to the whole page, never to a cell. */
export const GLOBAL_KEYS = ['threads', 'embed'];

export const VALUE_MAX = 200;
/** Keys that hold code (the Lab's own function, its items, a packed share of both) may be longer. */
export const CODE_KEYS = ['fn', 'items', 'share'];
export const CODE_VALUE_MAX = 8000;
/** The longest value `key` may have. */
export const valueMax = (key) => (CODE_KEYS.includes(key) ? CODE_VALUE_MAX : VALUE_MAX);
const KEY = /^[a-z_][a-z0-9_]{0,39}$/;
/** A key that is well formed but for its case ("N"): kept apart, for the cell to name it. */
const CASED_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;
const MAX_PARAMS = 64;

const clip = (s, n = 40) => (s.length > n ? `${s.slice(0, n)}…` : s);

function decode(part) {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

/**
 * Parses a location hash (with or without its '#'). Returns
 * {page: slug | null, cell: id | null, values: {[cellId or '']: {[key]: raw}}, globals: {[key]: raw},
 *  miscased: {[cellId or '']: {[key]: raw}}, problems: [message], anchor: string | null}.
 * `miscased` holds keys with upper case ("N"), which no cell has: the cell names them and
 * suggests its own spelling ("n"), as it does for any key it does not know.
 * `anchor` is set for an in-page hash that is not a route ("#main").
 */
export function parseHash(hash) {
  const state = { page: '', cell: null, values: {}, globals: {}, miscased: {}, problems: [], anchor: null };
  const text = String(hash ?? '').replace(/^#/, '');
  if (text === '' || text === '/') return state;
  if (!text.startsWith('/')) {
    state.anchor = text.slice(0, 100);
    return state;
  }
  const q = text.indexOf('?');
  const path = (q < 0 ? text : text.slice(0, q)).replace(/^\/+|\/+$/g, '');
  const query = q < 0 ? '' : text.slice(q + 1);
  const segments = path === '' ? [] : path.split('/').map(decode);
  const [first = '', cell, ...rest] = segments;
  const pageSlug = first === HOME_ALIAS ? '' : first;
  if (pageSlug === null || !PAGES.some(([slug]) => slug === pageSlug) || rest.length > 0) {
    state.page = null;
    return state;
  }
  state.page = pageSlug;
  if (cell !== undefined) {
    if (cell !== null && isCellId(cell)) state.cell = cell;
    else state.problems.push(`"${clip(String(cell ?? path))}" is not a cell name`);
  }
  // Maps, then Object.fromEntries: a key like `__proto__` stays an own property.
  const owners = new Map();
  const miscased = new Map();
  let count = 0;
  for (const [key, raw] of new URLSearchParams(query)) {
    if (++count > MAX_PARAMS) {
      state.problems.push(`only the first ${MAX_PARAMS} parameters of the address are read`);
      break;
    }
    const field = key.slice(key.indexOf('.') + 1);
    if (raw.length > valueMax(field)) {
      state.problems.push(`the value of "${clip(key)}" is longer than ${valueMax(field)} characters; ignored`);
      continue;
    }
    if (GLOBAL_KEYS.includes(key)) {
      state.globals[key] = raw;
      continue;
    }
    const dot = key.indexOf('.');
    const owner = dot < 0 ? '' : key.slice(0, dot);
    const name = dot < 0 ? key : key.slice(dot + 1);
    const ownerOk = owner === '' || isCellId(owner);
    const into = ownerOk && KEY.test(name) ? owners : ownerOk && CASED_KEY.test(name) ? miscased : null;
    if (!into) {
      state.problems.push(`"${clip(key)}" is not a parameter name; ignored`);
      continue;
    }
    if (!into.has(owner)) into.set(owner, new Map());
    into.get(owner).set(name, raw);
  }
  const plain = (m) => Object.fromEntries([...m].map(([owner, entries]) => [owner, Object.fromEntries(entries)]));
  state.values = plain(owners);
  state.miscased = plain(miscased);
  return state;
}

/** The hash for `state` (the inverse of parseHash for every state it returns). */
export function serializeHash({ page = '', cell = null, values = {}, globals = {} }) {
  const params = new URLSearchParams();
  for (const [key, raw] of Object.entries(globals)) params.append(key, raw);
  for (const [owner, entries] of Object.entries(values)) {
    for (const [name, raw] of Object.entries(entries)) params.append(owner ? `${owner}.${name}` : name, raw);
  }
  const slug = page === '' && cell ? HOME_ALIAS : page;
  const query = params.toString();
  return `#/${slug}${cell ? `/${cell}` : ''}${query ? `?${query}` : ''}`;
}
