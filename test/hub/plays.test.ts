import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { PlayRecord } from '../../compiler/format/wire-messages.ts';
import { HUB_DATABASE_FILE, HubDatabase, type PlayRow } from '../../hub/hub-database.ts';
import { buildPlayReport, csvField, loadPlayReport, playReportCsv, vietnamIso } from '../../hub/play-report.ts';
import { scratchDir } from '../support/paths.ts';
import { ProtocolClient } from '../support/protocol-client.ts';
import { compileVersions, enrolAndConnect, startTestHub } from './hub-fixture.ts';

// Proof of play is what the station shows the province: every record the players send is
// stored exactly once however often it is re-sent, and the report adds them up per screen
// and notice in a file Excel opens with the Vietnamese intact.

let root: string;
let cleanup: () => Promise<void>;
let compiled: string;
let dirs = 0;
const freshDir = (): string => join(root, `hub-${++dirs}`);
const at = (iso: string): number => Date.parse(iso);

before(async () => {
  ({ path: root, cleanup } = await scratchDir('hub-plays'));
  compiled = (await compileVersions(root, ['2026-11-21T08:00:00+07:00']))[0]!;
});
after(() => cleanup());

function record(bundleId: string, noticeId: string | null, startIso: string, seconds: number): PlayRecord {
  const startMs = at(startIso);
  return { id: randomUUID(), bundleId, noticeId, pageId: `${noticeId ?? 'idle'}/1`, startMs, endMs: startMs + seconds * 1000 };
}

test('plays are stored once however often they are re-sent, and every id is acknowledged', async () => {
  let now = at('2026-11-21T09:00:00+07:00');
  const { hub } = await startTestHub(freshDir(), { clock: () => now });
  try {
    await hub.publish(compiled);
    const { client, identity } = await enrolAndConnect(hub, 'ubnd-sanh');
    const { bundleId } = await client.next('offer');
    const first = [1, 2, 3].map((i) => record(bundleId, 'tiep-cong-dan', `2026-11-21T08:0${i}:00+07:00`, 10));
    client.send({ type: 'plays', records: first });
    assert.deepEqual((await client.next('plays-ack')).ids, first.map((r) => r.id));

    // The ack was "lost": the player sends the batch again with two new records.
    now += 60_000;
    const second = [...first, ...[4, 5].map((i) => record(bundleId, 'tiep-cong-dan', `2026-11-21T08:0${i}:00+07:00`, 10))];
    client.send({ type: 'plays', records: second });
    assert.deepEqual((await client.next('plays-ack')).ids, second.map((r) => r.id), 'duplicates are acknowledged too, so the player deletes them');

    // A batch sent just before a drop, sent again on the next connection.
    const third = [6, 7].map((i) => record(bundleId, 'tiep-cong-dan', `2026-11-21T08:0${i}:00+07:00`, 10));
    client.send({ type: 'plays', records: third });
    await client.drop();
    const again = await ProtocolClient.connect({ url: hub.url, identity, screenId: 'ubnd-sanh', bundleId });
    again.client.send({ type: 'plays', records: [...third, ...first] });
    assert.equal((await again.client.next('plays-ack')).ids.length, 5);

    const stored = hub.plays();
    assert.equal(stored.length, 7);
    assert.equal(new Set(stored.map((row) => row.recordId)).size, 7);
    assert.ok(stored.every((row) => row.deviceId === identity.deviceId && row.screenId === 'ubnd-sanh' && row.bundleId === bundleId));
    // A re-sent record leaves the stored one as it was: first receipt wins.
    assert.ok(stored.filter((row) => first.some((r) => r.id === row.recordId)).every((row) => row.receivedMs === at('2026-11-21T09:00:00+07:00')));
    assert.deepEqual(
      hub.plays({ fromMs: at('2026-11-21T08:02:00+07:00'), toMs: at('2026-11-21T08:04:00+07:00') }).map((row) => row.startMs),
      [at('2026-11-21T08:02:00+07:00'), at('2026-11-21T08:03:00+07:00')],
      'the filter is half-open on start',
    );
    await again.client.close();
  } finally {
    await hub.close();
  }
});

test('the report counts plays per screen and notice within [from, to)', () => {
  const play = (screenId: string, deviceId: string, noticeId: string | null, startIso: string, seconds: number): PlayRow => ({
    recordId: randomUUID(),
    deviceId,
    screenId,
    bundleId: 'b'.repeat(64),
    noticeId,
    pageId: 'p',
    startMs: at(startIso),
    endMs: at(startIso) + seconds * 1000,
    receivedMs: 0,
  });
  const plays = [
    play('ubnd-sanh', 'd1', 'tiep-cong-dan', '2026-11-30T23:59:50+07:00', 20), // before the window
    play('ubnd-sanh', 'd1', 'tiep-cong-dan', '2026-12-01T00:00:00+07:00', 12.5), // on the edge: in
    play('ubnd-sanh', 'd2', 'tiep-cong-dan', '2026-12-01T09:00:00+07:00', 10),
    play('ubnd-sanh', 'd1', 'tiem-chung', '2026-12-01T10:00:00+07:00', 8),
    play('ubnd-sanh', 'd1', null, '2026-12-01T11:00:00+07:00', 30), // idle page
    play('cong-xa', 'd3', 'tiep-cong-dan', '2026-12-01T12:00:00+07:00', -5), // clock stepped back
    play('cong-xa', 'd3', 'tiep-cong-dan', '2026-12-02T00:00:00+07:00', 10), // on the end: out
  ];
  const report = buildPlayReport({ plays, fromMs: at('2026-12-01T00:00:00+07:00'), toMs: at('2026-12-02T00:00:00+07:00'), noticeTitles: new Map([['tiep-cong-dan', 'Lịch tiếp công dân định kỳ']]) });
  assert.deepEqual(
    report.rows.map((row) => [row.screenId, row.noticeId, row.noticeTitle, row.plays, row.devices, row.totalSeconds]),
    [
      ['cong-xa', 'tiep-cong-dan', 'Lịch tiếp công dân định kỳ', 1, 1, 0],
      ['ubnd-sanh', null, null, 1, 1, 30],
      ['ubnd-sanh', 'tiem-chung', null, 1, 1, 8],
      ['ubnd-sanh', 'tiep-cong-dan', 'Lịch tiếp công dân định kỳ', 2, 2, 22.5],
    ],
  );
  const row = report.rows[3]!;
  assert.equal(vietnamIso(row.firstStartMs), '2026-12-01T00:00:00+07:00');
  assert.equal(vietnamIso(row.lastEndMs), '2026-12-01T09:00:10+07:00');
});

test('CSV fields are quoted as RFC 4180 says and spreadsheet formulas are defused', () => {
  assert.equal(csvField('tiep-cong-dan'), 'tiep-cong-dan');
  assert.equal(csvField('CẢNH BÁO MƯA LỚN, LŨ QUÉT'), '"CẢNH BÁO MƯA LỚN, LŨ QUÉT"');
  assert.equal(csvField('“NGÀY HỘI” "đại" đoàn kết'), '"“NGÀY HỘI” ""đại"" đoàn kết"');
  assert.equal(csvField('dòng 1\ndòng 2'), '"dòng 1\ndòng 2"');
  assert.equal(csvField('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
  assert.equal(csvField('+84 123'), "'+84 123");
  assert.equal(csvField(null), '');
  assert.equal(csvField(22.5), '22.5');
});

test('the CSV report of real plays: BOM, CRLF, titles from the published manifests', async () => {
  const dataDir = freshDir();
  const { hub } = await startTestHub(dataDir);
  try {
    await hub.publish(compiled);
    const { client } = await enrolAndConnect(hub, 'ubnd-sanh');
    const { bundleId } = await client.next('offer');
    client.send({
      type: 'plays',
      records: [
        record(bundleId, 'canh-bao-mua-lon', '2026-11-21T08:00:00+07:00', 15),
        record(bundleId, 'canh-bao-mua-lon', '2026-11-21T08:10:00+07:00', 15),
        record(bundleId, 'tiep-cong-dan', '2026-11-21T08:05:00+07:00', 12),
        record(bundleId, 'tiep-cong-dan', '2026-11-22T08:05:00+07:00', 12), // the next day: outside
      ],
    });
    await client.next('plays-ack');
    await client.close();
  } finally {
    await hub.close();
  }
  const db = HubDatabase.open(join(dataDir, HUB_DATABASE_FILE));
  try {
    const csv = playReportCsv(loadPlayReport({ db, fromMs: at('2026-11-21T00:00:00+07:00'), toMs: at('2026-11-22T00:00:00+07:00') }));
    assert.ok(csv.startsWith('\uFEFFscreen,notice,title,plays,devices,total_seconds,first_start,last_end,approved_by,approver_role,approved_at,approver_id,approval_verified\r\n'));
    assert.deepEqual(csv.slice(1).split('\r\n'), [
      'screen,notice,title,plays,devices,total_seconds,first_start,last_end,approved_by,approver_role,approved_at,approver_id,approval_verified',
      'ubnd-sanh,canh-bao-mua-lon,"CẢNH BÁO MƯA LỚN, LŨ QUÉT VÀ SẠT LỞ ĐẤT",2,1,30,2026-11-21T08:00:00+07:00,2026-11-21T08:10:15+07:00,Ksor Thuận,Chủ tịch UBND xã,2026-11-22T04:40:00+07:00,,no',
      'ubnd-sanh,tiep-cong-dan,Lịch tiếp công dân định kỳ,1,1,12,2026-11-21T08:05:00+07:00,2026-11-21T08:05:12+07:00,Rơ Châm Hlin,Phó Chủ tịch UBND xã,2026-10-30T14:00:00+07:00,,no',
      '',
    ]);
    // UTF-8 bytes: the BOM, then Vietnamese as multi-byte sequences, not a legacy code page.
    const bytes = Buffer.from(csv, 'utf8');
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.ok(bytes.includes(Buffer.from('Lịch tiếp công dân', 'utf8')));
  } finally {
    db.close();
  }
});
