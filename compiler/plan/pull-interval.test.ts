import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LONGEST_RETRY_MS, nextPullDelayMs } from './pull-interval.ts';

test('a failing feed is pulled later and later, up to an hour; a good pull goes back to the interval', () => {
  const minute = 60_000;
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7, 50].map((failures) => nextPullDelayMs(minute, failures)),
    [minute, 2 * minute, 4 * minute, 8 * minute, 16 * minute, 32 * minute, LONGEST_RETRY_MS, LONGEST_RETRY_MS, LONGEST_RETRY_MS],
  );
  // An interval longer than the cap is never shortened by a failure.
  assert.equal(nextPullDelayMs(2 * LONGEST_RETRY_MS, 3), 2 * LONGEST_RETRY_MS);
});
