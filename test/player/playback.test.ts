import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Schedule } from '../../compiler/format/schedule.ts';
import { WIRE_PROTOCOL_VERSION, type PlayerMessage } from '../../compiler/format/wire-messages.ts';
import { fromVietnamWallTime } from '../../compiler/format/vietnam-time.ts';
import { BundleStore } from '../../player/core/bundle-store.ts';
import { loadOrCreateDeviceIdentity } from '../../player/core/device-identity.ts';
import { silentLogger } from '../../compiler/format/logger.ts';
import { PlayLog } from '../../player/core/play-log.ts';
import { decideOnScreen, PlaybackDriver, playRecordId, type WakeAfter } from '../../player/core/playback.ts';
import { openPlayerDatabase, type PlayerDatabase } from '../../player/core/player-database.ts';
import { SyncSession } from '../../player/core/sync-session.ts';
import { scratchDir } from '../support/paths.ts';
import { makeStation } from './support/bundles.ts';
import { manualClock } from './support/player-fixtures.ts';

// What is on screen is a pure function of the schedule and the instant; the driver turns
// it into proof of play: one record per page shown, in SQLite before anything reports it,
// deleted only when the hub acknowledges it, never doubled by a restart.

const BUNDLE = 'b'.repeat(64);
const DEVICE = '0123456789abcdef';
const at = (day: number, hour: number, minute = 0) => fromVietnamWallTime({ year: 2026, month: 11, day, hour, minute });

const schedule: Schedule = {
  schemaVersion: 1,
  screen: 'ubnd-sanh',
  bundleId: BUNDLE,
  issuedAt: '2026-11-21T01:00:00.000Z',
  timezone: 'Asia/Ho_Chi_Minh',
  hours: { on: '06:00', off: '22:00' },
  brightness: [
    { at: '06:00', percent: 70 },
    { at: '08:00', percent: 100 },
  ],
  idle: { pageId: 'idle', durationMs: 60_000 },
  entries: [
    {
      noticeId: 'hop-dan',
      priority: 'normal',
      pages: [
        { pageId: 'hop-dan-1', durationMs: 10_000 },
        { pageId: 'hop-dan-2', durationMs: 20_000 },
      ],
      riskLevel: 0,
      validFromMs: at(20, 0),
      validToMs: at(25, 0),
    },
  ],
};

let root: string;
let cleanup: () => Promise<void>;
let dbs = 0;
before(async () => ({ path: root, cleanup } = await scratchDir('player-playback')));
after(() => cleanup());

function freshDb(): PlayerDatabase {
  dbs += 1;
  return openPlayerDatabase({ path: join(root, `plays-${dbs}.sqlite`) });
}

/** A wakeAfter that never fires by itself; the test calls tick() as time passes. */
const noWake: WakeAfter = () => () => {};

function rows(db: PlayerDatabase) {
  return db.prepare('SELECT id, page_id AS pageId, notice_id AS noticeId, start_ms AS startMs, end_ms AS endMs, closed FROM plays ORDER BY start_ms').all() as {
    id: string;
    pageId: string;
    noticeId: string | null;
    startMs: number;
    endMs: number;
    closed: number;
  }[];
}

test('on screen: content in opening hours, blank outside, idle once every notice has expired, nothing without a bundle', () => {
  const bundle = { bundleId: BUNDLE, schedule };
  const morning = decideOnScreen(bundle, at(21, 9));
  assert.equal(morning.mode, 'content');
  assert.equal(morning.brightnessPercent, 100);
  assert.equal(morning.page?.noticeId, 'hop-dan');
  assert.ok(morning.nextChangeMs !== null && morning.nextChangeMs <= morning.page!.endsAtMs);

  const early = decideOnScreen(bundle, at(21, 7));
  assert.equal(early.brightnessPercent, 70);

  const night = decideOnScreen(bundle, at(21, 23));
  assert.deepEqual([night.mode, night.page, night.brightnessPercent], ['off', null, 0]);
  assert.equal(night.nextChangeMs, at(22, 6), 'wakes when the screen turns on');

  // Offline for a week: the notice's validity ended on the 25th, so it is no longer shown.
  const later = decideOnScreen(bundle, at(27, 10));
  assert.equal(later.mode, 'idle');
  assert.equal(later.page?.pageId, 'idle');
  assert.equal(later.page?.noticeId, null);

  assert.deepEqual(decideOnScreen(undefined, at(21, 9)), { bundleId: null, mode: 'none', brightnessPercent: 100, page: null, nextChangeMs: null });
});

test('one record per page shown, written when the page goes on screen and closed when it leaves', () => {
  const db = freshDb();
  try {
    const plays = new PlayLog(db);
    const clock = manualClock(at(21, 9, 0) + 2_000);
    const driver = new PlaybackDriver({ plays, deviceId: DEVICE, clock: clock.now, logger: silentLogger, wakeAfter: noWake });
    const first = driver.show({ bundleId: BUNDLE, schedule });
    // The record exists as soon as the page is on screen, before anything could report it.
    const open = rows(db);
    assert.equal(open.length, 1);
    assert.equal(open[0]!.closed, 0);
    assert.equal(open[0]!.pageId, first.page!.pageId);
    assert.equal(open[0]!.startMs, clock.now(), 'joined mid-page: the record starts when this player started showing it');
    assert.equal(new PlayLog(db).closedBatch(10).length, 0, 'an open record is not uploadable');

    // Walk through two minutes of pages, waking at each change as the timer would.
    const end = at(21, 9, 2);
    while (clock.now() < end) {
      clock.set(Math.min(end, driver.onScreen.nextChangeMs!));
      driver.tick();
    }
    driver.stop();
    const all = rows(db);
    assert.ok(all.length >= 5);
    assert.ok(all.every((row) => row.closed === 1));
    assert.equal(new Set(all.map((row) => row.id)).size, all.length);
    for (let i = 1; i < all.length; i += 1) {
      assert.equal(all[i]!.startMs, all[i - 1]!.endMs, 'contiguous: each page starts when the last one ended');
      assert.notEqual(all[i]!.pageId, all[i - 1]!.pageId);
    }
    assert.equal(all.at(-1)!.endMs, end, 'a clean stop closes the last record at the stop');
  } finally {
    db.close();
  }
});

test('a restart during the same page continues its record instead of writing a second one; records a crash left open are closed', () => {
  const db = freshDb();
  try {
    const plays = new PlayLog(db);
    const clock = manualClock(at(21, 9, 0) + 1_000);
    const first = new PlaybackDriver({ plays, deviceId: DEVICE, clock: clock.now, logger: silentLogger, wakeAfter: noWake });
    first.show({ bundleId: BUNDLE, schedule });
    // A record left open by an earlier crash, for a page long gone.
    plays.open({ id: 'crashed-record-1', bundleId: BUNDLE, noticeId: 'hop-dan', pageId: 'hop-dan-2', startMs: at(21, 8, 0), plannedEndMs: at(21, 8, 0) + 20_000 });
    const page = first.onScreen.page!;
    // Crash: no stop(). Restart 3 s later, still within the same page occurrence.
    clock.advance(3_000);
    const second = new PlaybackDriver({ plays, deviceId: DEVICE, clock: clock.now, logger: silentLogger, wakeAfter: noWake });
    second.show({ bundleId: BUNDLE, schedule });
    const after = rows(db);
    const current = after.filter((row) => row.pageId === page.pageId && row.startMs >= at(21, 9, 0));
    assert.equal(current.length, 1, 'one record for one showing');
    assert.equal(current[0]!.id, playRecordId({ deviceId: DEVICE, bundleId: BUNDLE, startedAtMs: page.startedAtMs }));
    assert.equal(current[0]!.closed, 0, 'still on screen');
    const crashed = after.find((row) => row.id === 'crashed-record-1')!;
    assert.deepEqual([crashed.closed, crashed.endMs], [1, at(21, 8, 0) + 20_000], 'closed at its planned end');
    second.stop();
  } finally {
    db.close();
  }
});

test('proof of play is sent only from SQLite, survives a lost connection, and is deleted only for acknowledged ids', () => {
  const db = freshDb();
  try {
    const plays = new PlayLog(db);
    const clock = manualClock(at(21, 9, 0));
    const driver = new PlaybackDriver({ plays, deviceId: DEVICE, clock: clock.now, logger: silentLogger, wakeAfter: noWake });
    driver.show({ bundleId: BUNDLE, schedule });
    for (let i = 0; i < 6; i += 1) {
      clock.set(driver.onScreen.nextChangeMs!);
      driver.tick();
    }
    const closedIds = rows(db).filter((row) => row.closed === 1).map((row) => row.id);
    assert.equal(closedIds.length, 6);

    const station = makeStation();
    const identity = loadOrCreateDeviceIdentity(db, 0);
    const connect = () => {
      const sent: PlayerMessage[] = [];
      const session = new SyncSession({
        socket: { send: (data) => void sent.push(JSON.parse(String(data))), close: () => {}, terminate: () => {} },
        store: new BundleStore(db),
        plays,
        identity,
        screenId: 'ubnd-sanh',
        stationPublicKey: station.publicKey,
        clock: clock.now,
        logger: silentLogger,
        version: 'test',
        statusIntervalMs: 60_000,
        deadAfterMs: 60_000,
        stallTimeoutMs: 60_000,
        blobRetry: { baseMs: 1, capMs: 1 },
        report: async () => ({ bundleId: null, mode: 'none', pageId: null, noticeId: null, freeDiskBytes: null, uptimeS: 0, version: 'test', lastError: null, offlineSinceMs: null }),
        onEvent: () => {},
      });
      session.handleText(JSON.stringify({ type: 'challenge', protocol: WIRE_PROTOCOL_VERSION, nonce: 'bm9uY2U=', hubTimeMs: clock.now() }));
      session.handleText(JSON.stringify({ type: 'welcome', deviceId: identity.deviceId, screenId: 'ubnd-sanh' }));
      return { session, sent };
    };

    const one = connect();
    const batch = one.sent.find((m): m is Extract<PlayerMessage, { type: 'plays' }> => m.type === 'plays')!;
    assert.deepEqual(batch.records.map((r) => r.id).sort(), [...closedIds].sort(), 'exactly the closed records, as stored');
    for (const record of batch.records) assert.ok(rows(db).some((row) => row.id === record.id && row.closed === 1));
    // The connection drops before the ack: nothing is deleted.
    one.session.closed();
    assert.equal(plays.pendingCount(), 7);

    // Next connection: the same records again (same ids, so the hub stores each once).
    const two = connect();
    const again = two.sent.find((m): m is Extract<PlayerMessage, { type: 'plays' }> => m.type === 'plays')!;
    assert.deepEqual(again.records.map((r) => r.id).sort(), [...closedIds].sort());
    // A partial acknowledgement deletes exactly what it names, and never the open record.
    const openId = rows(db).find((row) => row.closed === 0)!.id;
    two.session.handleText(JSON.stringify({ type: 'plays-ack', ids: [...closedIds.slice(0, 2), openId] }));
    assert.deepEqual(rows(db).map((row) => row.id).sort(), [...closedIds.slice(2), openId].sort());
    two.session.handleText(JSON.stringify({ type: 'plays-ack', ids: closedIds.slice(2) }));
    assert.deepEqual(rows(db).map((row) => row.id), [openId]);
    two.session.closed();
    driver.stop();
  } finally {
    db.close();
  }
});
