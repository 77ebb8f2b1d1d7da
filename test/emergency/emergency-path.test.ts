import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EXERCISE_MARK } from '../../layouts/common/emergency-takeover.ts';
import { alertReports, formatAlertReports } from '../../hub/alert-report.ts';
import { capNoticeId } from '../../compiler/cap/cap-notice.ts';
import { loadPlayReport } from '../../hub/play-report.ts';
import { operatorCancel } from '../../hub/emergency-issue.ts';
import { HubDatabase, HUB_DATABASE_FILE } from '../../hub/hub-database.ts';
import { at, fixturePath, SAMPLE_ALERT, SAMPLE_CANCEL, SAMPLE_KEY, U1_KEY, U2_KEY } from '../cap/cap-fixtures.ts';
import { compileSamples, makeStation } from '../player/support/bundles.ts';
import { fastClock, startTestPlayer, type TestPlayer } from '../player/support/player-fixtures.ts';
import { scratchDir } from '../support/paths.ts';
import { ackStates, capXml, enrolledPlayer, fastWakeAfter, fetchEmergency, ingestAt, loadMeasurer, startStationHub, withAlerts, waitLong } from './support.ts';

// The emergency path end to end with real parts: a hub on 127.0.0.1 with its SQLite files,
// player cores with their own SQLite caches, the station's CAP intake signing with a real
// Ed25519 key. Only the clocks are injected (each player's runs from a chosen instant).

const station = makeStation();
let root: string;
let cleanup: () => Promise<void>;
let content: string;
let dirs = 0;
const dir = (name: string) => join(root, `${name}-${(dirs += 1)}`);

/**
 * The players' clocks start here: the samples' content plays (its own local emergency notice
 * begins on the 22nd), and no sample alert has expired. An alert whose <effective> is its
 * <sent> is shown at once even by a player whose clock is earlier.
 */
const T0 = at('2026-11-21T09:00:00+07:00');

before(async () => {
  ({ path: root, cleanup } = await scratchDir('emergency'));
  await loadMeasurer();
  content = await compileSamples({ station, outDir: join(root, 'content'), cacheDir: join(root, 'cache') });
});
after(() => cleanup());

interface Rig {
  readonly hubData: string;
  readonly hub: Awaited<ReturnType<typeof startStationHub>>;
  readonly hall: TestPlayer;
  readonly sign: TestPlayer;
  close(): Promise<void>;
}

/** A hub with the content published, the hall LCD and the 192×64 LED sign enrolled and online. */
async function rig(options: { clockStartMs?: number; rate?: number } = {}): Promise<Rig> {
  const hubData = dir('hub');
  const rate = options.rate ?? 1;
  const clock = fastClock(options.clockStartMs ?? T0, rate);
  const hub = await startStationHub({ dataDir: hubData, station, clock, content });
  const wakeAfter = fastWakeAfter(rate);
  const hall = await enrolledPlayer({ hub, dataDir: dir('hall'), screenId: 'ubnd-sanh', station, clock, wakeAfter });
  const sign = await enrolledPlayer({ hub, dataDir: dir('sign'), screenId: 'cong-xa-p10', station, clock, wakeAfter });
  return {
    hubData,
    hub,
    hall,
    sign,
    close: async () => {
      await hall.player.close();
      await sign.player.close();
      await hub.close();
    },
  };
}

const displayed = (t: TestPlayer) => t.player.snapshot().emergencyRevision !== 'none';

test('the sample CAP alert: pushed to every screen, shown as a takeover fitted to each (the 192×64 sign too), acknowledged; its cancel restores the content', async () => {
  const r = await rig();
  try {
    const lines = await ingestAt({ hubData: r.hubData, station, file: SAMPLE_ALERT, nowMs: T0 });
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.outcome.outcome, 'issued');
    assert.deepEqual([...(lines[0]!.outcome as { screens: readonly string[] }).screens].sort(), ['cong-xa', 'cong-xa-p10', 'ubnd-kiosk', 'ubnd-sanh']);

    await waitLong('both players acknowledge display', () => {
      const states = ackStates(r.hubData, SAMPLE_KEY);
      return states.get(r.hall.player.deviceId) === 'displayed' && states.get(r.sign.player.deviceId) === 'displayed';
    });
    for (const t of [r.hall, r.sign]) {
      assert.equal(t.player.snapshot().mode, 'emergency');
      const shown = await fetchEmergency(t);
      assert.ok(shown.takeover, 'a takeover is served to the renderer');
      assert.equal(shown.takeover.manifest.screen.id, t.player.snapshot().screenId);
      const text = JSON.stringify(shown.takeover.manifest.pages);
      assert.match(text, /phát lúc 09:30 ngày 22\/11\/2026/, 'the issue time line is on the takeover');
      assert.match(text, /Cấp độ rủi ro thiên tai: cấp 4/);
    }
    const sign = await fetchEmergency(r.sign);
    assert.equal(sign.takeover!.manifest.screen.width, 192);
    assert.equal(sign.takeover!.manifest.screen.height, 64);

    // The hub's record: acknowledged screens and the ones with no player.
    const hubDb = HubDatabase.open(join(r.hubData, HUB_DATABASE_FILE));
    const report = withAlerts(r.hubData, (db) => alertReports(db, hubDb.devices()));
    hubDb.close();
    const alert = report.find((entry) => entry.alert.key === SAMPLE_KEY)!;
    assert.equal(alert.screens.find((s) => s.screenId === 'ubnd-sanh')!.acknowledged, true);
    assert.equal(alert.screens.find((s) => s.screenId === 'ubnd-kiosk')!.acknowledged, false, 'no player on the kiosk: not acknowledged');
    assert.match(formatAlertReports(report), /ubnd-sanh: acknowledged \(1\/1 players\)/);

    const cancel = await ingestAt({ hubData: r.hubData, station, file: SAMPLE_CANCEL, nowMs: at('2026-11-24T06:00:05+07:00') });
    assert.equal(cancel[0]!.outcome.outcome, 'issued');
    const cancelKey = (cancel[0]!.outcome as { key: string }).key;
    await waitLong('both players back on content and the cancel acknowledged', () => {
      const states = ackStates(r.hubData, cancelKey);
      return !displayed(r.hall) && !displayed(r.sign) && states.get(r.hall.player.deviceId) === 'applied' && states.get(r.sign.player.deviceId) === 'applied';
    });
    assert.notEqual(r.hall.player.snapshot().mode, 'emergency');
    assert.equal((await fetchEmergency(r.hall)).takeover, null);
    assert.equal(withAlerts(r.hubData, (db) => db.alert(SAMPLE_KEY)!.status), 'cancelled');
  } finally {
    await r.close();
  }
});

test('signage cap cancel withdraws an alert at once, nothing recompiled; a player that connects later is told both and shows nothing', async () => {
  const r = await rig();
  try {
    await ingestAt({ hubData: r.hubData, station, file: SAMPLE_ALERT, nowMs: T0 });
    await waitLong('displayed', () => displayed(r.hall) && displayed(r.sign));
    const bundleBefore = r.hall.player.snapshot().activeBundleId;
    const result = withAlerts(r.hubData, (db) => operatorCancel({ db, id: 'VN-KTTV-2026-11-22-0930-BAO9', privateKey: station.privateKey, nowMs: T0 + 60_000 }));
    assert.equal(result.key, SAMPLE_KEY);
    await waitLong('back to content', () => !displayed(r.hall) && !displayed(r.sign));
    assert.equal(r.hall.player.snapshot().activeBundleId, bundleBefore, 'the content bundle is the one it had');
    await waitLong('cancel acknowledged', () => ackStates(r.hubData, result.cancelKey).get(r.hall.player.deviceId) === 'applied');

    // Proof of play names the takeover, with the alert's headline and source, like any notice.
    const noticeId = capNoticeId(SAMPLE_KEY);
    await waitLong('the takeover in proof of play', () => r.hub.plays().some((play) => play.noticeId === noticeId));
    const hubDb = HubDatabase.open(join(r.hubData, HUB_DATABASE_FILE));
    const report = withAlerts(r.hubData, (alerts) => loadPlayReport({ db: hubDb, fromMs: 0, toMs: Number.MAX_SAFE_INTEGER, alerts }));
    hubDb.close();
    const row = report.rows.find((entry) => entry.noticeId === noticeId)!;
    assert.equal(row.noticeTitle, 'Tin bão khẩn cấp: Bão số 9 hướng vào các tỉnh Quảng Ngãi – Gia Lai');
    assert.equal(row.approval?.role, 'Nguồn cảnh báo tin cậy (CAP)');

    const late = await enrolledPlayer({ hub: r.hub, dataDir: dir('kiosk'), screenId: 'ubnd-kiosk', station, clock: fastClock(T0 + 120_000, 1) });
    try {
      await waitLong('the late player acknowledges the cancel', () => ackStates(r.hubData, result.cancelKey).get(late.player.deviceId) === 'applied');
      assert.equal(late.player.snapshot().emergencyRevision, 'none');
      assert.equal(ackStates(r.hubData, SAMPLE_KEY).get(late.player.deviceId), 'ended', 'it holds the alert as withdrawn, never displayed');
    } finally {
      await late.player.close();
    }
    assert.throws(() => withAlerts(r.hubData, (db) => operatorCancel({ db, id: SAMPLE_KEY, privateKey: station.privateKey, nowMs: T0 + 180_000 })), /not on screens any more \(cancelled\)/);
  } finally {
    await r.close();
  }
});

test('an Update chain: each Update replaces what it references, only the latest is on screen; a Cancel of an earlier version takes the chain down', async () => {
  const r = await rig();
  try {
    await ingestAt({ hubData: r.hubData, station, file: SAMPLE_ALERT, nowMs: T0 });
    await ingestAt({ hubData: r.hubData, station, file: fixturePath('update-1.xml'), nowMs: T0 + 1_000 });
    await ingestAt({ hubData: r.hubData, station, file: fixturePath('update-2.xml'), nowMs: T0 + 2_000 });
    await waitLong('U2 displayed, U1 and the alert ended', () => {
      const states = [SAMPLE_KEY, U1_KEY, U2_KEY].map((key) => ackStates(r.hubData, key).get(r.hall.player.deviceId));
      return states.join() === 'ended,ended,displayed' ? states : undefined;
    });
    const shown = await fetchEmergency(r.hall);
    assert.equal(shown.takeover!.manifest.pages.length > 0, true);
    assert.match(JSON.stringify(shown.takeover!.manifest.pages), /cấp 5/, 'U2 (Extreme) is the one on screen');
    assert.deepEqual(withAlerts(r.hubData, (db) => [SAMPLE_KEY, U1_KEY, U2_KEY].map((key) => db.alert(key)!.status)), ['replaced', 'replaced', 'active']);

    // The sender cancels U1 after U2 was sent: U2 is a later version of the same warning, sent
    // before the Cancel, so it goes too (alert-ledger.ts: "cancel the storm warning" must not
    // leave its latest version up).
    const cancel = await ingestAt({ hubData: r.hubData, station, file: fixturePath('cancel-update-1.xml'), nowMs: T0 + 3_000 });
    const cancelKey = (cancel[0]!.outcome as { key: string }).key;
    await waitLong('the cancel applied', () => ackStates(r.hubData, cancelKey).get(r.hall.player.deviceId) === 'applied');
    assert.equal(ackStates(r.hubData, U2_KEY).get(r.hall.player.deviceId), 'ended');
    assert.ok(!displayed(r.hall));
  } finally {
    await r.close();
  }
});

test('expiry while offline: with the hub stopped, the player drops the alert at its expires time by its own clock', async () => {
  // The player's clock runs 60× from 15:58:00; the alert expires at 16:00:00, two real seconds later.
  const start = at('2026-11-21T15:58:00+07:00');
  const r = await rig({ clockStartMs: start, rate: 60 });
  try {
    const file = join(root, 'short.xml');
    await writeFile(file, capXml({ identifier: 'TEST-EXPIRY-OFFLINE', sent: '2026-11-21T15:50:00+07:00', expires: '2026-11-21T16:00:00+07:00' }));
    await ingestAt({ hubData: r.hubData, station, file, nowMs: at('2026-11-21T15:55:00+07:00') });
    await waitLong('displayed', () => displayed(r.hall));
    await r.hub.close();
    await waitLong('offline', () => !r.hall.player.snapshot().online);
    assert.ok(displayed(r.hall), 'still up after the hub went away');
    await waitLong('the alert ends at expires with no hub', () => !displayed(r.hall));
    assert.notEqual(r.hall.player.snapshot().mode, 'emergency');
  } finally {
    await r.hall.player.close();
    await r.sign.player.close();
    await r.hub.close();
  }
});

test('what never reaches a screen: an area that excludes the site, an unknown sender, a malformed file; each stored with its reason', async () => {
  const r = await rig();
  try {
    const notForSite = await ingestAt({ hubData: r.hubData, station, file: fixturePath('other-province-geocode.xml'), nowMs: T0 - 3_600_000 });
    const unknown = await ingestAt({ hubData: r.hubData, station, file: fixturePath('unknown-sender.xml'), nowMs: T0 });
    const malformed = await ingestAt({ hubData: r.hubData, station, file: fixturePath('malformed.xml'), nowMs: T0 });
    assert.equal(notForSite[0]!.outcome.outcome, 'recorded');
    assert.equal(unknown[0]!.outcome.outcome, 'recorded');
    assert.equal(malformed[0]!.outcome.outcome, 'refused-input');
    // The content's own emergency notice (compiled with the key) is on record too; only CAP input here.
    const rows = withAlerts(r.hubData, (db) => db.alerts().filter((row) => row.origin === 'cap'));
    assert.deepEqual(rows.map((row) => [row.status, row.code]).sort(), [['not-for-site', null], ['refused', 'CAP_MALFORMED_XML'], ['refused', 'CAP_UNTRUSTED_SENDER']]);
    assert.ok(rows.every((row) => (row.reason ?? '').length > 20), 'every row says why');
    assert.equal(withAlerts(r.hubData, (db) => db.relevantStatements(0).filter((row) => !row.alertKey.startsWith('station@')).length), 0, 'no statement was signed');
    // A real alert afterwards still arrives: the players were listening all along.
    await ingestAt({ hubData: r.hubData, station, file: SAMPLE_ALERT, nowMs: T0 });
    await waitLong('the real one displayed', () => displayed(r.hall));
    assert.equal(r.hall.player.snapshot().emergencyRevision.split('+').length, 1, 'only that one');
  } finally {
    await r.close();
  }
});

test('a Test alert waits for its <effective> time by the player\'s clock, then shows with the exercise mark on every screen', async () => {
  // effective 09:30:00 on the 22nd, later than its <sent>: pending until then.
  const r = await rig({ clockStartMs: at('2026-11-22T09:29:58+07:00') });
  try {
    const lines = await ingestAt({ hubData: r.hubData, station, file: fixturePath('test-status.xml'), nowMs: T0 });
    const key = (lines[0]!.outcome as { key: string }).key;
    await waitLong('pending acknowledged', () => ackStates(r.hubData, key).get(r.hall.player.deviceId) === 'pending');
    await waitLong('exercise displayed at its effective time', () => ackStates(r.hubData, key).get(r.hall.player.deviceId) === 'displayed' && displayed(r.sign));
    for (const t of [r.hall, r.sign]) {
      const shown = await fetchEmergency(t);
      assert.ok(JSON.stringify(shown.takeover!.manifest.pages).includes(EXERCISE_MARK.split(' / ')[0]!), `${t.player.snapshot().screenId}: the exercise mark is drawn`);
    }
    withAlerts(r.hubData, (db) => operatorCancel({ db, id: key, privateKey: station.privateKey, nowMs: T0 + 1000 }));
    await waitLong('exercise withdrawn', () => !displayed(r.hall) && !displayed(r.sign));
  } finally {
    await r.close();
  }
});

test('an alert with only an English block is shown (with a warning); not urgent, it is a banner over the content that keeps playing', async () => {
  const r = await rig();
  try {
    const english = await ingestAt({ hubData: r.hubData, station, file: fixturePath('english-only.xml'), nowMs: T0 });
    assert.equal(english[0]!.outcome.outcome, 'issued');
    assert.match(english[0]!.decision!.kind === 'show' ? english[0]!.decision!.warnings.join(' ') : '', /no Vietnamese/);
    const modeBefore = r.hall.player.snapshot().mode;
    await waitLong('banner displayed', () => displayed(r.hall) && displayed(r.sign));
    const shown = await fetchEmergency(r.hall);
    assert.equal(shown.takeover, null);
    assert.ok(shown.banner && shown.banner.nodes.length > 0, 'banner nodes are served');
    assert.equal(modeBefore, 'content');
    assert.equal(r.hall.player.snapshot().mode, 'content', 'the content keeps playing under the banner');
  } finally {
    await r.close();
  }
});

test('a restart keeps the alert on screen with no hub, and its acknowledgement survives', async () => {
  const r = await rig();
  const hallDir = join(root, 'restart-hall');
  let restarted: TestPlayer | undefined;
  try {
    const hall = await enrolledPlayer({ hub: r.hub, dataDir: hallDir, screenId: 'ubnd-sanh', station, clock: fastClock(T0, 1) });
    await ingestAt({ hubData: r.hubData, station, file: SAMPLE_ALERT, nowMs: T0 });
    await waitLong('displayed', () => displayed(hall));
    const revision = hall.player.snapshot().emergencyRevision;
    await hall.player.close();
    await r.close();
    restarted = await startTestPlayer({ hubUrl: 'ws://127.0.0.1:9', dataDir: hallDir, screenId: 'ubnd-sanh', stationPublicKey: station.publicKey, startMs: T0 + 600_000 });
    assert.equal(restarted.player.snapshot().emergencyRevision, revision, 'the same takeover, from SQLite, before any network');
    assert.equal(restarted.player.snapshot().mode, 'emergency');
    const other = makeStation();
    const foreign = await startTestPlayer({ hubUrl: 'ws://127.0.0.1:9', dataDir: join(root, 'foreign-key'), screenId: 'ubnd-sanh', stationPublicKey: other.publicKey, startMs: T0 });
    assert.equal(foreign.player.snapshot().emergencyRevision, 'none');
    await foreign.player.close();
  } finally {
    await restarted?.player.close();
    await r.close();
  }
});
