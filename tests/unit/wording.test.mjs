// Unit tests of www/wording.js: counts and units at 0, 1, 2 and huge numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allCores, chunks, count, number, poolThreads, shape } from '../../www/wording.js';

test('counts agree in number', () => {
  assert.equal(count(0, 'worker'), '0 workers');
  assert.equal(count(1, 'worker'), '1 worker');
  assert.equal(count(2, 'worker'), '2 workers');
  assert.equal(count(1, 'batch', 'batches'), '1 batch');
  assert.equal(count(3, 'batch', 'batches'), '3 batches');
});

test('huge numbers stay readable', () => {
  assert.equal(number(16_777_216), '16,777,216');
  assert.equal(count(2_500_000_000, 'item'), '2.5 billion items');
  assert.equal(count(4e12, 'item'), '4 trillion items');
  assert.equal(number(3e15), '3.0e+15');
  assert.equal(count(NaN, 'item'), '– items');
  assert.equal(number(Infinity), '–');
});

test('a shape on one thread is serial', () => {
  assert.equal(shape(0, 10), 'serial');
  assert.equal(shape(2, 2 ** 64), 'serial');
  assert.equal(shape(1, 500, 500), 'serial');
  assert.equal(shape(1, 100, 500), '1 worker x 100 items');
  assert.equal(shape(2, 1), '2 workers x 1 item');
  assert.equal(shape(8, 2048), '8 workers x 2,048 items');
});

test('chunks, cores and threads read naturally at 1', () => {
  assert.equal(chunks(1), 'chunks of 1 item');
  assert.equal(chunks(64), 'chunks of 64 items');
  assert.equal(chunks(2 ** 64), 'one chunk');
  assert.equal(allCores(1), 'its only core');
  assert.equal(allCores(2), 'all 2 cores');
  assert.equal(poolThreads(1), "the pool's single thread");
  assert.equal(poolThreads(8), "the pool's 8 threads");
});
