// Property tests of the address-bar state (www/route.js), the field parser (www/fields.js
// `check`) and the threads parameter (www/engine.js `parseThreads`), 10,000 cases each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PAGES, GLOBAL_KEYS, VALUE_MAX, CODE_KEYS, CODE_VALUE_MAX, valueMax, parseHash, serializeHash } from '../../www/route.js';
import { cellId, isCellId, CELL_ID_MAX } from '../../www/cell-id.js';
import { check } from '../../www/fields.js';
import { parseThreads, MAX_THREADS } from '../../www/engine.js';

const RUNS = { numRuns: 10_000 };
const slugs = PAGES.map(([slug]) => slug);
const word = fc.stringMatching(/^[a-z0-9]{1,8}$/);
const anyCellId = fc.array(word, { minLength: 1, maxLength: 4 }).map((w) => w.join('-')).filter(isCellId);
const key = fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/).filter((k) => !GLOBAL_KEYS.includes(k));
const value = fc.string({ maxLength: 60, unit: 'binary' });
// Code keys carry a function's source: long, multi-line, every character JavaScript allows.
const code = fc.string({ maxLength: 600, unit: 'binary' });
const entries = fc.oneof(
  fc.dictionary(key, value, { maxKeys: 5 }),
  fc.tuple(fc.dictionary(key, value, { maxKeys: 3 }), fc.dictionary(fc.constantFrom(...CODE_KEYS), code, { maxKeys: 3 }))
    .map(([plain, codeEntries]) => ({ ...plain, ...codeEntries })),
);

const state = fc.record({
  page: fc.constantFrom(...slugs),
  cell: fc.option(anyCellId, { nil: null }),
  values: fc.dictionary(fc.oneof(fc.constant(''), anyCellId), entries, { maxKeys: 4 }),
  globals: fc.dictionary(fc.constantFrom(...GLOBAL_KEYS), value, { maxKeys: 2 }),
});

/** Drops empty owner maps: serializing `{a: {}}` writes nothing, which parses as no entry. */
const normal = (s) => ({
  ...s,
  values: Object.fromEntries(Object.entries(s.values).filter(([, v]) => Object.keys(v).length).map(([k, v]) => [k, Object.fromEntries(Object.entries(v))])),
  globals: Object.fromEntries(Object.entries(s.globals)),
});

test('parseHash(serializeHash(state)) round-trips', () => {
  fc.assert(fc.property(state, (s) => {
    const parsed = parseHash(serializeHash(s));
    assert.deepEqual(parsed.problems, []);
    assert.equal(parsed.anchor, null);
    assert.deepEqual({ page: parsed.page, cell: parsed.cell, values: parsed.values, globals: parsed.globals }, normal(s));
  }), RUNS);
});

const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.webUrl({ withFragments: true, withQueryParameters: true }).map((u) => u.slice(u.indexOf('#'))),
  fc.tuple(fc.constantFrom('#/', '#/lab?', '#/tuning/', '#/getting-started/x?', '#/nope'), fc.string({ unit: 'binary', maxLength: 200 })).map(([a, b]) => a + b),
  fc.tuple(fc.constantFrom('#/lab?', '#/?'), fc.array(fc.tuple(fc.string({ maxLength: 50 }), fc.string({ maxLength: 300 })), { maxLength: 80 }))
    .map(([a, kv]) => a + kv.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')),
);

test('arbitrary hashes never throw and give only well-formed state', () => {
  fc.assert(fc.property(hostile, (hash) => {
    const s = parseHash(hash);
    assert.ok(s.page === null || slugs.includes(s.page), `page ${s.page}`);
    assert.ok(s.cell === null || isCellId(s.cell), `cell ${s.cell}`);
    assert.ok(Array.isArray(s.problems));
    let count = 0;
    for (const [owner, vals] of Object.entries(s.values)) {
      assert.ok(owner === '' || isCellId(owner), `owner ${owner}`);
      for (const [k, v] of Object.entries(vals)) {
        count++;
        assert.match(k, /^[a-z_][a-z0-9_]{0,39}$/);
        assert.equal(typeof v, 'string');
        assert.ok(v.length <= valueMax(k));
      }
    }
    assert.ok(count <= 64);
    for (const [k, v] of Object.entries(s.globals)) {
      assert.ok(GLOBAL_KEYS.includes(k));
      assert.ok(v.length <= VALUE_MAX);
    }
  }), RUNS);
});

test('code keys take a long function; other keys stay short', () => {
  const source = `function f(x) {\n  let s = 0; // & ? # = %\n${'  s += x;\n'.repeat(200)}  return s;\n}`;
  assert.ok(source.length > VALUE_MAX && source.length <= CODE_VALUE_MAX);
  const hash = serializeHash({ page: 'lab', values: { '': { fn: source, items: 'i => [i, "a&b"]', n: '500' } } });
  const parsed = parseHash(hash);
  assert.deepEqual(parsed.problems, []);
  assert.deepEqual(parsed.values, { '': { fn: source, items: 'i => [i, "a&b"]', n: '500' } });
  const tooLong = parseHash(serializeHash({ page: 'lab', values: { '': { fn: 'x'.repeat(CODE_VALUE_MAX + 1), n: 'y'.repeat(VALUE_MAX + 1) } } }));
  assert.deepEqual(tooLong.values, {});
  assert.equal(tooLong.problems.length, 2);
  assert.match(tooLong.problems[0], /"fn" is longer than 8000/);
});

test('unknown routes are not found; in-page anchors are not routes', () => {
  assert.equal(parseHash('#/nope').page, null);
  assert.equal(parseHash('#/lab/x/y').page, null);
  assert.equal(parseHash('#/getting-started/the-problem').page, '');
  assert.equal(parseHash('#/getting-started/the-problem').cell, 'the-problem');
  assert.equal(parseHash('').page, '');
  assert.deepEqual([parseHash('#main').anchor, parseHash('#main').page], ['main', '']);
  assert.match(parseHash('#/lab/<script>').problems[0], /not a cell name/);
  assert.match(parseHash('#/lab?a.b.c=1').problems[0], /not a parameter name/);
  assert.equal(serializeHash({ page: '', cell: 'the-problem' }), '#/getting-started/the-problem');
});

const numberField = fc.record({
  type: fc.constant('number'),
  min: fc.integer({ min: -1000, max: 1000 }),
  span: fc.integer({ min: 0, max: 1e7 }),
  integer: fc.boolean(),
}).map(({ min, span, integer }) => ({ name: 'x', type: 'number', min, max: min + span, integer }));

const raw = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.double().map(String),
  fc.integer().map((i) => `0x${Math.abs(i).toString(16)}`),
  fc.constantFrom('0x10', '0b11', '0o7', '1_000', 'Infinity', '-Infinity', 'NaN', '1e400', ' 12 ', '1e3', '.5', '5.', '+3', '', '<script>alert(1)</script>'),
);

test('field values: in range and of the right type, or an error (never a silent default)', () => {
  fc.assert(fc.property(numberField, raw, (field, text) => {
    const [v, err] = check(field, text);
    if (err !== null) {
      assert.equal(v, null);
      assert.equal(typeof err, 'string');
      assert.ok(err.length < 200, 'messages quote at most a short part of the input');
      return;
    }
    assert.ok(Number.isFinite(v));
    assert.ok(v >= field.min && v <= field.max, `${v} outside ${field.min}..${field.max}`);
    if (field.integer) assert.ok(Number.isInteger(v));
    assert.match(text.trim(), /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i, 'only decimal notation is accepted');
  }), RUNS);
  assert.match(check({ type: 'number', min: 0, max: 100 }, '0x10')[1], /not a decimal number/);
  assert.match(check({ type: 'choice', options: ['a', 'b'] }, '<b>')[1], /not one of: a, b/);
  const list = { type: 'list', min: 1, max: 10, integer: true, maxItems: 3 };
  assert.deepEqual(check(list, '1, 2;3'), [[1, 2, 3], null]);
  assert.match(check(list, '1, 0x2')[1], /0x2/);
});

test('threads: a whole number 1..MAX_THREADS, else a message', () => {
  fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 10 }), fc.integer({ min: -5, max: 100 }).map(String)), (text) => {
    const r = parseThreads(text);
    if (text === '') return assert.deepEqual(r, { threads: null });
    if ('error' in r) return assert.equal(typeof r.error, 'string');
    assert.ok(Number.isInteger(r.threads) && r.threads >= 1 && r.threads <= MAX_THREADS);
  }), RUNS);
  for (const bad of ['0', 'abc', '1000', '0x4', '2.5', '-1']) assert.ok(parseThreads(bad).error, bad);
  assert.deepEqual(parseThreads('4'), { threads: 4 });
});

test('cell ids come from titles, and are ids', () => {
  assert.equal(cellId('5. Worker-count sweep: more workers ≠ faster'), 'worker-count-sweep');
  assert.equal(cellId('Lab'), 'lab');
  assert.equal(cellId('2. Café au lait'), 'cafe-au-lait');
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (title) => {
    const id = cellId(title);
    assert.ok(isCellId(id), JSON.stringify(id));
    assert.ok(id.length <= CELL_ID_MAX);
  }), RUNS);
});
