import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ALERT_DATABASE_FILE, AlertDatabase } from '../../hub/alert-database.ts';
import { watchOnce } from '../../hub/cap-station.ts';
import { at, fixturePath, SAMPLE_ALERT, SAMPLE_KEY, SAMPLE_SITE_FILE, TRUST_FILE, U1_KEY } from '../cap/cap-fixtures.ts';
import { makeStation } from '../player/support/bundles.ts';
import { scratchDir, SIGNAGE_BIN } from '../support/paths.ts';
import { capXml, loadMeasurer, stationContext } from './support.ts';

// The watcher (`signage cap watch`) over a directory and over a feed URL served on 127.0.0.1,
// remembering what it read across restarts; and the station commands through bin/signage.js.

const station = makeStation();
let root: string;
let cleanup: () => Promise<void>;

before(async () => {
  ({ path: root, cleanup } = await scratchDir('cap-watch'));
  await loadMeasurer();
});
after(() => cleanup());

const NOW = at('2026-11-22T22:00:00+07:00');

async function withDb<T>(dir: string, fn: (db: AlertDatabase) => Promise<T>): Promise<T> {
  await mkdir(dir, { recursive: true });
  const db = AlertDatabase.open(join(dir, ALERT_DATABASE_FILE));
  return fn(db).finally(() => db.close());
}

test('watching a directory: each file is read once, a malformed one is stored as refused, nothing is repeated after a restart, new and rewritten files are read', async () => {
  const feed = join(root, 'drop');
  const hubData = join(root, 'hub-dir');
  await mkdir(feed, { recursive: true });
  await copyFile(SAMPLE_ALERT, join(feed, '01-bao-so-9.xml'));
  await copyFile(fixturePath('malformed.xml'), join(feed, '02-malformed.xml'));
  const first = await withDb(hubData, (db) => watchOnce(stationContext({ db, station, nowMs: NOW }), feed));
  assert.deepEqual(first.map((line) => line.outcome.outcome), ['issued', 'refused-input']);
  assert.deepEqual(await withDb(hubData, (db) => watchOnce(stationContext({ db, station, nowMs: NOW }), feed)), [], 'a second pass reads nothing');
  // A restart is a new process opening the same record.
  assert.deepEqual(await withDb(hubData, (db) => watchOnce(stationContext({ db, station, nowMs: NOW + 60_000 }), feed)), []);

  await copyFile(fixturePath('update-1.xml'), join(feed, '03-update-1.xml'));
  const third = await withDb(hubData, (db) => watchOnce(stationContext({ db, station, nowMs: NOW + 120_000 }), feed));
  assert.deepEqual(third.map((line) => line.outcome.outcome), ['issued']);
  await writeFile(join(feed, '02-malformed.xml'), capXml({ identifier: 'FIXED-LATER', sent: '2026-11-22T21:00:00+07:00', expires: '2026-11-23T21:00:00+07:00' }));
  const fourth = await withDb(hubData, (db) => watchOnce(stationContext({ db, station, nowMs: NOW + 180_000 }), feed));
  assert.deepEqual(fourth.map((line) => line.outcome.outcome), ['issued'], 'the file rewritten with a valid alert is read again');
  await withDb(hubData, async (db) => {
    assert.equal(db.alert(SAMPLE_KEY)!.status, 'replaced');
    assert.equal(db.alert(U1_KEY)!.status, 'active');
    assert.equal(db.alerts().filter((a) => a.status === 'refused').length, 1);
  });
});

test('watching a feed URL: embedded and linked alerts are ingested once; a link that cannot be fetched is tried again at the next pass', async () => {
  const hubData = join(root, 'hub-feed');
  let linkUp = false;
  const sample = await readFile(SAMPLE_ALERT, 'utf8');
  const embedded = capXml({ identifier: 'EMBEDDED-1', sent: '2026-11-22T21:00:00+07:00', expires: '2026-11-23T21:00:00+07:00' }).replace('<?xml version="1.0" encoding="UTF-8"?>\n', '');
  let port = 0;
  const server: Server = createServer((request, response) => {
    if (request.url === '/feed.atom') {
      response.writeHead(200, { 'content-type': 'application/atom+xml' });
      response.end(`<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>KTTV</title><id>urn:test:feed</id><updated>2026-11-22T21:00:00+07:00</updated>
  <entry><id>urn:test:embedded</id><title>Lũ quét</title><updated>2026-11-22T21:00:00+07:00</updated><content type="application/cap+xml">${embedded}</content></entry>
  <entry><id>urn:test:linked</id><title>Bão số 9</title><updated>2026-11-22T09:30:00+07:00</updated><link rel="alternate" type="application/cap+xml" href="http://127.0.0.1:${port}/cap/bao-so-9.xml"/></entry>
</feed>`);
      return;
    }
    if (request.url === '/cap/bao-so-9.xml' && linkUp) {
      response.writeHead(200, { 'content-type': 'application/cap+xml' });
      response.end(sample);
      return;
    }
    response.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  const feed = `http://127.0.0.1:${port}/feed.atom`;
  try {
    const first = await withDb(hubData, (db) => watchOnce(stationContext({ db, station, nowMs: NOW }), feed));
    assert.deepEqual(first.map((line) => line.outcome.outcome), ['issued', 'refused-input'], first.map((l) => JSON.stringify(l.outcome)).join('\n'));
    linkUp = true;
    const second = await withDb(hubData, (db) => watchOnce(stationContext({ db, station, nowMs: NOW + 60_000 }), feed));
    assert.deepEqual(second.map((line) => line.outcome.outcome), ['issued'], 'only the link, now reachable');
    assert.deepEqual(await withDb(hubData, (db) => watchOnce(stationContext({ db, station, nowMs: NOW + 120_000 }), feed)), []);
    await withDb(hubData, async (db) => {
      assert.equal(db.alert(SAMPLE_KEY)!.source, `http://127.0.0.1:${port}/cap/bao-so-9.xml`);
      assert.equal(db.alerts().filter((a) => a.kind === 'unreadable').length, 0, 'an unreachable link is not stored as refused');
    });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

function signage(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SIGNAGE_BIN, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr });
    });
  });
}

test('the commands: cap ingest --hub-data, hub alerts, cap cancel, a refused alert exits 1 and is listed, cap watch --once', async () => {
  const keyDir = join(root, 'keys');
  const hubData = join(root, 'hub-cli');
  assert.equal((await signage(['keygen', '--out', keyDir])).code, 0);
  // Every command is told the instant: the sample alert expired on 2026-11-24, and a test must
  // not depend on the day it runs.
  const AT = ['--at', '2026-11-22T10:00:00+07:00'];
  const common = ['--trust', TRUST_FILE, '--site', SAMPLE_SITE_FILE, '--key', join(keyDir, 'station.key'), '--hub-data', hubData];
  const ingest = await signage(['cap', 'ingest', SAMPLE_ALERT, ...common, ...AT]);
  assert.equal(ingest.code, 0, ingest.err);
  assert.match(ingest.out, /takeover, cấp độ rủi ro 4/);
  assert.match(ingest.out, /sent to +ubnd-sanh, ubnd-kiosk, cong-xa, cong-xa-p10/);

  const listed = await signage(['hub', 'alerts', '--data', hubData]);
  assert.equal(listed.code, 0, listed.err);
  assert.match(listed.out, /ACTIVE +takeover, cấp 4/);
  assert.match(listed.out, /ubnd-sanh: NOT YET acknowledged \(0\/0 players\)/);
  const id = /^(cap-\S+)/m.exec(listed.out)![1]!;

  const refused = await signage(['cap', 'ingest', fixturePath('unknown-sender.xml'), ...common, ...AT]);
  assert.equal(refused.code, 1);
  assert.match(refused.out, /CAP_UNTRUSTED_SENDER/);

  const cancel = await signage(['cap', 'cancel', id, '--key', join(keyDir, 'station.key'), '--hub-data', hubData, ...AT]);
  assert.equal(cancel.code, 0, cancel.err);
  assert.match(cancel.out, /cancelled canhbao@kttv\.example\.vn,VN-KTTV-2026-11-22-0930-BAO9/);
  const again = await signage(['cap', 'cancel', id, '--key', join(keyDir, 'station.key'), '--hub-data', hubData, ...AT]);
  assert.equal(again.code, 1);
  assert.match(again.err, /not on screens any more/);

  const after = await signage(['hub', 'alerts', '--data', hubData]);
  assert.match(after.out, /CANCELLED/);
  assert.match(after.out, /REFUSED +refuse[\s\S]*CAP_UNTRUSTED_SENDER/);

  const dropDir = join(root, 'drop-cli');
  await mkdir(dropDir, { recursive: true });
  await copyFile(fixturePath('english-only.xml'), join(dropDir, 'a.xml'));
  const watch = await signage(['cap', 'watch', '--feed', dropDir, '--once', ...common, ...AT]);
  assert.equal(watch.code, 0, watch.err);
  assert.match(watch.out, /banner/);
  const usage = await signage(['cap', 'watch', '--feed', dropDir, ...common]);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /--interval S is required/);
});
