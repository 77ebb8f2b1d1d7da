import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import cron from 'node-cron';
import { BundleStore } from '../../player/core/bundle-store.ts';
import { verifyOffer } from '../../player/core/offer-verification.ts';
import { DATABASE_FILE } from '../../player/core/player-runtime.ts';
import { openPlayerDatabase } from '../../player/core/player-database.ts';
import { MAINTENANCE_CRON, nodeCronScheduler, VIETNAM_TIME_ZONE, wakeExpressions } from '../../player/core/scheduler.ts';
import { silentLogger } from '../../compiler/format/logger.ts';
import { scratchDir } from '../support/paths.ts';
import { COMPILE_AT_MS, compileSamples, makeStation, noiseBlob, PLAY_AT_MS, SCREEN, variantBundle } from './support/bundles.ts';
import { FakeHub, loadOffer, type FakeOffer } from './support/fake-hub.ts';
import { startTestPlayer, waitFor } from './support/player-fixtures.ts';
import { fromVietnamWallTime } from '../../compiler/format/vietnam-time.ts';
import { scheduleSchema } from '../../compiler/format/schedule.ts';

// The runtime as a whole: it shows its cache before the network, keeps going offline for as
// long as it takes (dropping notices that expire meanwhile), pushes activations to the
// renderer channel at once, wakes on Vietnam wall-clock edges, and does its nightly upkeep.

const station = makeStation();
let root: string;
let cleanup: () => Promise<void>;
let offerA: FakeOffer;
let offerB: FakeOffer;
let dirs = 0;
const dataDir = () => join(root, `player-${(dirs += 1)}`);

before(async () => {
  ({ path: root, cleanup } = await scratchDir('player-runtime'));
  const base = await compileSamples({ station, outDir: join(root, 'out'), cacheDir: join(root, 'cache') });
  offerA = await loadOffer(base, SCREEN);
  offerB = await loadOffer((await variantBundle({ fromDir: base, toDir: join(root, 'out-b'), signer: station, issuedAtMs: COMPILE_AT_MS + 60_000, extraBlobs: [noiseBlob(50_000, 3)] })).outDir, SCREEN);
});
after(() => cleanup());

/** Runs a player against a fake hub until bundle A is active, then stops both. */
async function seed(dir: string): Promise<void> {
  const hub = await FakeHub.start();
  hub.publish(offerA);
  const t = await startTestPlayer({ hubUrl: hub.url, dataDir: dir, screenId: SCREEN, stationPublicKey: station.publicKey, startMs: PLAY_AT_MS });
  await waitFor('A active', () => t.player.snapshot().activeBundleId === offerA.bundleId);
  await t.player.close();
  await hub.close();
}

test('with no network for months the player keeps its bundle, drops notices as they expire, and reports offline since the outage began', async () => {
  const dir = dataDir();
  await seed(dir);
  const nowhere = 'ws://127.0.0.1:9'; // the discard port: nothing listens
  const first = await startTestPlayer({ hubUrl: nowhere, dataDir: dir, screenId: SCREEN, stationPublicKey: station.publicKey, startMs: PLAY_AT_MS + 60_000 });
  let since: number;
  try {
    const state = first.player.snapshot();
    assert.equal(state.activeBundleId, offerA.bundleId, 'on screen at once, from the cache');
    assert.equal(state.mode, 'content');
    await waitFor('offline', () => first.player.snapshot().connection === 'offline');
    since = first.player.snapshot().offlineSinceMs!;
    assert.ok(since >= PLAY_AT_MS + 60_000);
  } finally {
    await first.player.close();
  }
  // A power cut later, still no network, half a year on: every sample notice has expired.
  const halfYearLater = fromVietnamWallTime({ year: 2027, month: 6, day: 1, hour: 10 });
  const second = await startTestPlayer({ hubUrl: nowhere, dataDir: dir, screenId: SCREEN, stationPublicKey: station.publicKey, startMs: halfYearLater });
  try {
    const state = second.player.snapshot();
    assert.equal(state.activeBundleId, offerA.bundleId);
    assert.equal(state.mode, 'idle', 'expired notices are no longer shown');
    assert.equal(state.noticeId, null);
    assert.equal(state.online, false);
    assert.equal(state.offlineSinceMs, since, 'the outage is remembered across restarts');
  } finally {
    await second.player.close();
  }
});

test('a stored active bundle that no longer verifies is never shown: the player rolls back to the previous one', async () => {
  const dir = dataDir();
  const hub = await FakeHub.start();
  hub.publish(offerA);
  const t = await startTestPlayer({ hubUrl: hub.url, dataDir: dir, screenId: SCREEN, stationPublicKey: station.publicKey, startMs: PLAY_AT_MS });
  await waitFor('A active', () => t.player.snapshot().activeBundleId === offerA.bundleId);
  hub.publish(offerB);
  await waitFor('B active', () => t.player.snapshot().activeBundleId === offerB.bundleId);
  await t.player.close();
  await hub.close();
  // The SD card rots B's own blob while the power is off.
  const onlyB = [...offerB.blobs.keys()].find((hash) => !offerA.blobs.has(hash))!;
  const db = openPlayerDatabase({ path: join(dir, DATABASE_FILE) });
  db.prepare('UPDATE blobs SET bytes = ? WHERE hash = ?').run(Buffer.from('rot'), onlyB);
  db.close();
  const again = await startTestPlayer({ hubUrl: 'ws://127.0.0.1:9', dataDir: dir, screenId: SCREEN, stationPublicKey: station.publicKey, startMs: PLAY_AT_MS });
  try {
    const state = again.player.snapshot();
    assert.equal(state.activeBundleId, offerA.bundleId);
    assert.match(state.lastError ?? '', /^BUNDLE_BLOB_TAMPERED/);
    assert.ok(again.logger.lines.some((line) => line.level === 'error' && line.fields?.bundleId === offerB.bundleId));
  } finally {
    await again.player.close();
  }
});

test('a bundle fully downloaded before a power cut but not yet activated is activated at start-up, offline', async () => {
  const dir = dataDir();
  await seed(dir);
  const db = openPlayerDatabase({ path: join(dir, DATABASE_FILE) });
  const store = new BundleStore(db);
  store.storeOffer(
    verifyOffer({
      offer: offerB,
      screenId: SCREEN,
      stationPublicKey: station.publicKey,
      activeIssuedAtMs: store.active()?.issuedAtMs,
    }),
    0,
  );
  for (const blob of store.missingBlobs(offerB.bundleId)) {
    const bytes = offerB.blobs.get(blob.hash)!;
    store.beginDownload(blob.hash, bytes.length, 0);
    store.appendChunk({ hash: blob.hash, position: 0, total: bytes.length, data: bytes, nowMs: 0 });
    store.finishDownload(blob.hash, { nowMs: 0, retryAfterMs: 0 });
  }
  db.close();
  const t = await startTestPlayer({ hubUrl: 'ws://127.0.0.1:9', dataDir: dir, screenId: SCREEN, stationPublicKey: station.publicKey, startMs: PLAY_AT_MS });
  try {
    assert.equal(t.player.snapshot().activeBundleId, offerB.bundleId);
    assert.equal(t.player.snapshot().previousBundleId, offerA.bundleId);
  } finally {
    await t.player.close();
  }
});

test('the renderer channel hears of an activation in the same tick as the commit', async (t) => {
  const hub = await FakeHub.start();
  hub.publish(offerA);
  let activatedAt = 0;
  const p = await startTestPlayer({
    hubUrl: hub.url,
    dataDir: dataDir(),
    screenId: SCREEN,
    stationPublicKey: station.publicKey,
    startMs: PLAY_AT_MS,
    onSyncEvent: (event) => {
      if (event.type === 'activated' && event.result.activeId === offerB.bundleId) activatedAt = performance.now();
    },
  });
  try {
    await waitFor('A active', () => p.player.snapshot().activeBundleId === offerA.bundleId);
    const events: { data: { bundleId: string | null }; atMs: number }[] = [];
    const req = request(`${p.player.localUrl}/events`);
    req.on('response', (response) => {
      let buffer = '';
      response.on('data', (chunk: Buffer) => {
        const atMs = performance.now();
        buffer += chunk.toString();
        for (const match of buffer.matchAll(/event: bundle\ndata: (.*)\n\n/g)) events.push({ data: JSON.parse(match[1]!), atMs });
        buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 2);
      });
    });
    req.end();
    await waitFor('the first event', () => events.length > 0);
    assert.equal(events[0]!.data.bundleId, offerA.bundleId);
    hub.publish(offerB);
    const event = await waitFor('the bundle event', () => events.find((e) => e.data.bundleId === offerB.bundleId));
    // Measured in the player's own process, so it includes the rest of that tick (switching
    // playback, pruning); the renderer, in Chromium, has the bytes as soon as they are written.
    const latency = event.atMs - activatedAt;
    // How soon is a figure for the bench (npm run bench -- activation-event), not a test limit.
    t.diagnostic(`activation → renderer event: ${latency.toFixed(1)} ms`);
    assert.ok(activatedAt > 0, 'the event follows the activation');
    req.destroy();
  } finally {
    await p.player.close();
    await hub.close();
  }
});

test('cron wakes the player at operating-hours and brightness edges in Vietnam time; maintenance at 03:00 prunes and vacuums', async () => {
  const dir = dataDir();
  await seed(dir);
  const t = await startTestPlayer({ hubUrl: 'ws://127.0.0.1:9', dataDir: dir, screenId: SCREEN, stationPublicKey: station.publicKey, startMs: PLAY_AT_MS });
  try {
    const schedule = scheduleSchema.parse(JSON.parse(offerA.schedule.toString()));
    const expected = wakeExpressions(schedule);
    assert.ok(expected.includes('0 6 * * *') && expected.includes('0 22 * * *'), `hours edges: ${expected.join(' | ')}`);
    for (const expression of [...expected, MAINTENANCE_CRON]) {
      assert.equal(t.cron.jobs.get(expression)?.timezone, VIETNAM_TIME_ZONE, expression);
    }
    t.cron.fire('0 22 * * *'); // a wake-up only: the decision is resolveActive's
    assert.equal(t.player.snapshot().mode, 'content', 'the injected clock says 09:00, so it stays on');

    // Leave some garbage for maintenance: a retired bundle's row.
    const db = openPlayerDatabase({ path: join(dir, DATABASE_FILE) });
    db.prepare("INSERT INTO bundles (id, screen, manifest, manifest_sig, schedule, schedule_sig, issued_at_ms, state, received_ms) VALUES ('old', 'x', x'', x'', x'', x'', 0, 'retired', 0)").run();
    db.close();
    t.cron.fire(MAINTENANCE_CRON);
    const done = t.logger.lines.find((line) => line.message === 'daily maintenance done');
    assert.equal(done?.fields?.bundles, 1);
    assert.equal(t.player.snapshot().activeBundleId, offerA.bundleId, 'the active bundle survives maintenance');
  } finally {
    await t.player.close();
  }
  const db = openPlayerDatabase({ path: join(dir, DATABASE_FILE) });
  try {
    assert.equal(new BundleStore(db).counts().bundles, 1);
  } finally {
    db.close();
  }
});

test('node-cron runs the 03:00 maintenance at 03:00 in Vietnam whatever the machine\'s zone', () => {
  const task = cron.createTask(MAINTENANCE_CRON, () => {}, { timezone: VIETNAM_TIME_ZONE });
  try {
    const next = task.getNextRuns(1)[0]!;
    assert.equal(next.getUTCHours(), 20, '03:00 in Vietnam is 20:00 UTC the day before');
    assert.equal(next.getUTCMinutes(), 0);
  } finally {
    void task.destroy();
  }
  const scheduled = nodeCronScheduler(silentLogger)('0 6 * * *', () => {}, { timezone: VIETNAM_TIME_ZONE, name: 'test' });
  scheduled.stop();
});
