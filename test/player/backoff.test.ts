import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Backoff, backoffCeilingMs, backoffDelayMs, type BackoffPolicy } from '../../player/core/backoff.ts';
import { startPlayer } from '../../player/core/player-runtime.ts';
import type { SyncClientEvent } from '../../player/core/sync-client.ts';
import { scratchDir } from '../support/paths.ts';
import { makeStation, SCREEN } from './support/bundles.ts';
import { FakeHub } from './support/fake-hub.ts';
import { memoryLogger, waitFor } from './support/player-fixtures.ts';

// Reconnect delays are exponential with full jitter: bounded by the cap, spread uniformly
// below the ceiling (so a hub restart does not bring every commune back in the same
// millisecond), and back to the base after a connection that stayed healthy.

const policy: BackoffPolicy = { baseMs: 1_000, capMs: 60_000 };

let root: string;
let cleanup: () => Promise<void>;
before(async () => ({ path: root, cleanup } = await scratchDir('player-backoff')));
after(() => cleanup());

test('the ceiling doubles from the base and stops at the cap', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7, 50, 5000].map((attempt) => backoffCeilingMs(policy, attempt)),
    [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000],
  );
});

test('each delay is random() × ceiling: 0 at random 0, below the ceiling at random → 1', () => {
  for (let attempt = 0; attempt < 40; attempt += 1) {
    const ceiling = backoffCeilingMs(policy, attempt);
    assert.equal(backoffDelayMs({ policy, attempt, random: () => 0 }), 0);
    assert.equal(backoffDelayMs({ policy, attempt, random: () => 0.5 }), Math.floor(ceiling / 2));
    const top = backoffDelayMs({ policy, attempt, random: () => 0.999999 });
    assert.ok(top < ceiling && top >= ceiling * 0.999, `attempt ${attempt}: ${top} < ${ceiling}`);
  }
});

test('with a real random source the delays are spread over the whole range, never above it', () => {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const delays = Array.from({ length: 2000 }, () => backoffDelayMs({ policy, attempt: 3, random }));
  const ceiling = backoffCeilingMs(policy, 3);
  assert.ok(delays.every((delay) => delay >= 0 && delay < ceiling));
  const buckets = [0, 0, 0, 0];
  for (const delay of delays) buckets[Math.floor((delay / ceiling) * 4)]! += 1;
  for (const count of buckets) assert.ok(count > 400 && count < 600, `roughly uniform: ${buckets.join(', ')}`);
});

test('Backoff counts attempts and reset() starts again from the base', () => {
  const backoff = new Backoff({ baseMs: 100, capMs: 1_000 }, () => 0.5);
  assert.deepEqual([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()], [50, 100, 200, 400, 500]);
  backoff.reset();
  assert.equal(backoff.next(), 50);
});

test('the player reconnects with growing jittered delays while the hub is down, and from the base after a healthy connection', async () => {
  const station = makeStation();
  const hub = await FakeHub.start();
  const port = hub.port;
  const events: SyncClientEvent[] = [];
  const randoms = [0.5, 0.25, 0.75, 1 - 1e-9, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
  let r = 0;
  const player = await startPlayer({
    hubUrl: hub.url,
    dataDir: join(root, 'reconnect'),
    screenId: SCREEN,
    stationPublicKey: station.publicKey,
    random: () => randoms[r++ % randoms.length]!,
    backoff: { baseMs: 40, capMs: 200 },
    healthyAfterMs: 300,
    logger: memoryLogger(),
    onSyncEvent: (event) => events.push(event),
  });
  let restarted: FakeHub | undefined;
  try {
    await waitFor('online', () => player.snapshot().online);
    await hub.close();
    await waitFor('five reconnect attempts', () => events.filter((e) => e.type === 'reconnect-scheduled').length >= 5, 5_000);
    const scheduled = events.filter((e): e is Extract<SyncClientEvent, { type: 'reconnect-scheduled' }> => e.type === 'reconnect-scheduled');
    // A connection dropped right after the welcome is not "healthy": no reset, attempt 0 first.
    assert.deepEqual(
      scheduled.slice(0, 5).map((e) => [e.attempt, e.delayMs]),
      [
        [0, Math.floor(0.5 * 40)],
        [1, Math.floor(0.25 * 80)],
        [2, Math.floor(0.75 * 160)],
        [3, Math.floor((1 - 1e-9) * 200)],
        [4, Math.floor(0.5 * 200)],
      ],
    );
    assert.equal(player.snapshot().online, false);
    assert.equal(player.snapshot().connection, 'offline');
    assert.ok(player.snapshot().offlineSinceMs !== null);

    restarted = await FakeHub.start({}, port);
    await waitFor('online again', () => player.snapshot().online, 5_000);
    assert.equal(player.snapshot().offlineSinceMs, null);
    // Stay connected past the health threshold, then lose the connection.
    const before = events.length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    restarted.dropAll();
    const next = await waitFor('the next reconnect after a healthy connection', () =>
      events.slice(before).find((e): e is Extract<SyncClientEvent, { type: 'reconnect-scheduled' }> => e.type === 'reconnect-scheduled'),
    );
    assert.equal(next.attempt, 0, 'backoff was reset');
    assert.ok(next.delayMs <= 40);
  } finally {
    await player.close();
    await restarted?.close();
  }
});
