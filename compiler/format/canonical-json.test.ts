import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CanonicalJsonError, canonicalJson } from './canonical-json.ts';

test('keys are sorted at every depth and undefined members dropped', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
});

test('the order objects were built in does not matter', () => {
  const one = { title: 'Thông báo', pages: [{ id: 'a', n: 1 }] };
  const two = { pages: [{ n: 1, id: 'a' }], title: 'Thông báo' };
  assert.equal(canonicalJson(one), canonicalJson(two));
});

test('strings are NFC and -0 equals 0', () => {
  assert.equal(canonicalJson('e\u0302\u0301'), JSON.stringify('\u1ebf'));
  assert.equal(canonicalJson(-0), '0');
});

test('values JSON cannot carry are refused with their path', () => {
  assert.throws(() => canonicalJson({ a: [1, Number.NaN] }), CanonicalJsonError);
  assert.throws(() => canonicalJson({ f: () => 1 }), /\$\.f|\$/);
});
