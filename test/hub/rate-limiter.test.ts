import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EnrolmentLimiter, TokenBucket } from '../../hub/rate-limiter.ts';

// The limiter's arithmetic, with a clock the test moves: a minute's allowance may be spent at
// once, then it comes back steadily, per address and in total.

test('a bucket spends its minute at once and refills steadily', () => {
  const bucket = new TokenBucket(2, 0);
  assert.deepEqual([bucket.take(0), bucket.take(0), bucket.take(0)], [true, true, false]);
  assert.equal(bucket.take(29_000), false, 'not yet half a minute: less than one token back');
  assert.equal(bucket.take(30_000), true, 'half a minute at 2/min: one token back');
  assert.equal(bucket.take(30_000), false);
  assert.equal(bucket.isFull(10 * 60_000), true, 'never more than a minute\'s worth');
  assert.deepEqual([bucket.take(10 * 60_000), bucket.take(10 * 60_000), bucket.take(10 * 60_000)], [true, true, false]);
});

test('addresses are limited separately, and all of them together by the global bucket', () => {
  let now = 0;
  const limiter = new EnrolmentLimiter({ perAddressPerMinute: 2, globalPerMinute: 3, clock: () => now });
  assert.deepEqual([limiter.allow('a'), limiter.allow('a'), limiter.allow('a')], [true, true, false]);
  assert.equal(limiter.allow('b'), true);
  assert.equal(limiter.allow('c'), false, 'the global allowance of 3 is spent');
  now += 60_000;
  assert.equal(limiter.allow('c'), true);
});

test('the limiter forgets idle addresses instead of growing without bound', () => {
  let now = 0;
  const limiter = new EnrolmentLimiter({ perAddressPerMinute: 1, globalPerMinute: 1000, clock: () => now, maxAddresses: 3 });
  for (const address of ['a', 'b', 'c']) assert.equal(limiter.allow(address), true);
  assert.equal(limiter.allow('a'), false);
  now += 60_000; // everyone's bucket is full again: remembering them changes nothing
  assert.equal(limiter.allow('d'), true);
  assert.ok(limiter.addressCount <= 3);
  assert.equal(limiter.allow('a'), true, 'a forgotten address starts with a full bucket');
});

test('an infinite rate turns the limit off (benchmarks enrol thousands of players)', () => {
  const limiter = new EnrolmentLimiter({ perAddressPerMinute: Number.POSITIVE_INFINITY, globalPerMinute: Number.POSITIVE_INFINITY, clock: () => 0 });
  for (let i = 0; i < 10_000; i += 1) assert.equal(limiter.allow('127.0.0.1'), true);
});
