import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fromVietnamWallTime } from '../../compiler/format/vietnam-time.ts';
import { BEHIND_TOLERANCE_MS, HUB_TOLERANCE_MS, TrustedClock } from '../../player/core/trusted-clock.ts';
import { scratchDir } from '../support/paths.ts';
import { compileSamples, makeStation } from './support/bundles.ts';
import { FakeHub, loadOffer, type FakeOffer } from './support/fake-hub.ts';
import { manualClock, startTestPlayer, waitFor } from './support/player-fixtures.ts';

// A box whose clock came back in 2000 after a power cut, with no network: it keeps playing what
// it played, from the last time it played by, and says its clock is wrong; once the hub is
// reachable it plays by the hub's time.

const MINUTE = 60_000;
const SCREEN = 'cong-xa';
/** Saturday 21 November 2026, 10:00 in Vietnam: the sample LED wall plays content. */
const T = fromVietnamWallTime({ year: 2026, month: 11, day: 21, hour: 10 });
const RESET = Date.parse('2000-01-01T00:00:00Z');
const station = makeStation();
let root: string;
let cleanup: () => Promise<void>;
let offer: FakeOffer;

before(async () => {
  ({ path: root, cleanup } = await scratchDir('trusted-clock'));
  offer = await loadOffer(await compileSamples({ station, outDir: join(root, 'out'), cacheDir: join(root, 'cache') }), SCREEN);
});
after(() => cleanup());

test('a system clock behind the floor by more than the tolerance is continued from the floor, at its own rate', () => {
  const system = manualClock(RESET);
  const clock = new TrustedClock(system.now, T);
  assert.equal(clock.source.kind, 'floor');
  assert.equal(clock.now(), T);
  system.advance(5 * MINUTE);
  assert.equal(clock.now(), T + 5 * MINUTE);
  assert.match(clock.problem()!, /^CLOCK_BEHIND: the system clock is \d+ days behind/);

  const nearly = new TrustedClock(manualClock(T - BEHIND_TOLERANCE_MS + 1).now, T);
  assert.equal(nearly.source.kind, 'system', 'an NTP step of a few minutes is not a reset');
  assert.equal(nearly.problem(), null);
  assert.equal(new TrustedClock(manualClock(T).now, undefined).source.kind, 'system', 'a first start has no floor');
});

test("the hub's time replaces a system clock that is more than the tolerance off it, and stops when it is right again", () => {
  const system = manualClock(T);
  const clock = new TrustedClock(system.now, undefined);
  assert.equal(clock.hubOffset(HUB_TOLERANCE_MS - 1), false, 'within the tolerance: nothing changes');
  assert.equal(clock.now(), T);
  assert.equal(clock.hubOffset(-3 * 3_600_000), true);
  assert.equal(clock.now(), T + 3 * 3_600_000, 'the system clock was 3 h behind the hub');
  assert.match(clock.problem()!, /^CLOCK_WRONG: the system clock is 3 h behind the hub's/);
  assert.equal(clock.hubOffset(500), true, 'fixed: back to the system clock');
  assert.equal(clock.now(), T);
  assert.equal(clock.problem(), null);

  const reset = new TrustedClock(manualClock(RESET).now, T);
  reset.hubOffset(RESET - (T + MINUTE));
  assert.equal(reset.source.kind, 'hub', "the hub's time wins over the floor");
  assert.equal(reset.now(), T + MINUTE);
});

test('a player restarted with its clock reset to 2000 and no network keeps playing, says so, and takes the time from the hub when it comes back', async () => {
  const dataDir = join(root, 'player');
  const hub = await FakeHub.start({ hubTimeMs: () => T });
  hub.publish(offer);
  const first = await startTestPlayer({ hubUrl: hub.url, dataDir, screenId: SCREEN, stationPublicKey: station.publicKey, startMs: T, clock: manualClock(T).now });
  await waitFor('the bundle is active', () => first.player.snapshot().activeBundleId === offer.bundleId);
  assert.equal(first.player.snapshot().mode, 'content');
  await first.player.close();
  const port = hub.port;
  await hub.close();

  // Power cut: the clock is back in 2000, the link is down.
  const system = manualClock(RESET);
  const second = await startTestPlayer({ hubUrl: `ws://127.0.0.1:${port}`, dataDir, screenId: SCREEN, stationPublicKey: station.publicKey, startMs: RESET, clock: system.now, followHubTime: true });
  try {
    const offline = second.player.snapshot();
    assert.equal(offline.mode, 'content', 'still playing, not blank: every notice would be "not yet valid" in 2000');
    assert.notEqual(offline.pageId, null);
    assert.match(offline.lastError ?? '', /^CLOCK_BEHIND:/);
    const current = (await (await fetch(`${second.player.localUrl}/api/current`)).json()) as { clockCorrectionMs: number };
    assert.ok(current.clockCorrectionMs >= T - RESET, 'the renderer page is told to draw at the time played by');

    // The hub is back, an hour later by its clock.
    const hubNow = T + 60 * MINUTE;
    const back = await FakeHub.start({ hubTimeMs: () => hubNow }, port);
    try {
      back.publish(offer);
      await waitFor('the hub time is taken', () => /^CLOCK_WRONG:/.test(second.player.snapshot().lastError ?? ''));
      const corrected = (await (await fetch(`${second.player.localUrl}/api/current`)).json()) as { clockCorrectionMs: number };
      assert.ok(Math.abs(corrected.clockCorrectionMs - (hubNow - RESET)) < 1000, `correction ${corrected.clockCorrectionMs}`);
      assert.equal(second.player.snapshot().mode, 'content');
    } finally {
      await second.player.close();
      await back.close();
    }
  } finally {
    await second.player.close();
  }
});
