import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { applyByteDelta, ByteDeltaError, encodeByteDelta } from './byte-delta.ts';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

test('a delta rebuilds the target exactly, and is small when little changed', () => {
  const base = text(JSON.stringify({ pages: Array.from({ length: 200 }, (_, i) => ({ id: `p${i}`, text: `Thông báo số ${i} của xã` })) }));
  const edited = text(new TextDecoder().decode(base).replace('Thông báo số 57', 'Thông báo số 57 (sửa lại)'));
  const delta = encodeByteDelta(base, edited);
  assert.deepEqual(applyByteDelta(base, delta, 1 << 20), edited);
  assert.ok(delta.length < 100, `${delta.length} bytes`);
});

test('edge cases: empty target, empty base, identical, unrelated bytes', () => {
  const random = new Uint8Array(randomBytes(5000));
  for (const [base, target] of [
    [random, new Uint8Array(0)],
    [new Uint8Array(0), random],
    [random, random],
    [random, new Uint8Array(randomBytes(3000))],
    [text('short'), text('shorter')],
  ] as const) {
    assert.deepEqual(applyByteDelta(base, encodeByteDelta(base, target), 1 << 20), target);
  }
});

test('random edits of random bytes round-trip', () => {
  for (let round = 0; round < 30; round += 1) {
    const base = new Uint8Array(randomBytes(2000 + round * 50));
    const parts: Uint8Array[] = [];
    for (let at = 0; at < base.length; ) {
      const take = 1 + Math.floor(Math.random() * 300);
      parts.push(Math.random() < 0.3 ? new Uint8Array(randomBytes(Math.floor(Math.random() * 40))) : base.subarray(at, at + take));
      at += take;
    }
    const target = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      target.set(part, offset);
      offset += part.length;
    }
    assert.deepEqual(applyByteDelta(base, encodeByteDelta(base, target), 1 << 20), target);
  }
});

test('malformed or oversized deltas are refused, never read or written out of bounds', () => {
  const base = text('0123456789abcdefghij');
  const good = encodeByteDelta(base, text('0123456789abcdefghij!'));
  assert.throws(() => applyByteDelta(base, good, 10), ByteDeltaError, 'over the limit');
  assert.throws(() => applyByteDelta(base, good.subarray(0, good.length - 1), 1 << 20), ByteDeltaError, 'truncated');
  assert.throws(() => applyByteDelta(base, Uint8Array.from([...good, 0]), 1 << 20), ByteDeltaError, 'trailing bytes');
  // target 5 bytes: no literal, then a copy from beyond the base.
  assert.throws(() => applyByteDelta(base, Uint8Array.from([5, 0, 30, 5]), 1 << 20), ByteDeltaError, 'copy past the base');
  assert.throws(() => applyByteDelta(base, Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), 1 << 20), ByteDeltaError, 'endless number');
  // A claimed length of 4 GB is refused before anything is allocated.
  assert.throws(() => applyByteDelta(base, Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x10, 0]), 1 << 24), /over the/);
});
