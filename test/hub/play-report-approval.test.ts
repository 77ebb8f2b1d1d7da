import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { compile } from '../../compiler/compile.ts';
import type { PlayRecord } from '../../compiler/format/wire-messages.ts';
import { loadApproverKeys, writeApproverRegistry } from '../../compiler/io/approver-registry-file.ts';
import { approveNotice } from '../../compiler/io/approve-notice.ts';
import { generateStationKeyPair, keyId, loadPrivateKey, loadPublicKey } from '../../compiler/trust/station-key.ts';
import { HUB_DATABASE_FILE, HubDatabase } from '../../hub/hub-database.ts';
import { loadPlayReport, playReportCsv, playReportJson } from '../../hub/play-report.ts';
import { copySamples, scratchDir } from '../support/paths.ts';
import { enrolAndConnect, startTestHub, station } from './hub-fixture.ts';

// Issue 5, item 8: who approved what was shown is part of the proof of play. A notice signed
// by a registered approver is reported with the approver's id and "yes" (verified); an approval
// the compiler took on trust (no registry) reports "no" (test/hub/plays.test.ts).

let root: string;
let cleanup: () => Promise<void>;
before(async () => {
  ({ path: root, cleanup } = await scratchDir('play-approval'));
});
after(() => cleanup());

test('the play report names each notice\'s approver and whether the signature was verified, in CSV and JSON', async () => {
  const samples = await copySamples(join(root, 'samples'));
  const pair = generateStationKeyPair();
  const publicKey = loadPublicKey(pair.publicKeyPem);
  const approver = { id: 'ksor-thuan', name: 'Ksor Thuận', role: 'Chủ tịch UBND xã', keyId: keyId(publicKey), publicKey: pair.publicKeyPem, added: '2026-11-01T08:00:00+07:00' };
  const registryFile = join(root, 'approvers.yaml');
  await writeApproverRegistry(registryFile, { approvers: [approver] });
  await approveNotice({ file: join(samples.notices, 'tiep-cong-dan.md'), approver, privateKey: loadPrivateKey(pair.privateKeyPem), atMs: Date.parse('2026-11-20T16:00:00+07:00') });
  const signedOut = join(root, 'signed');
  await compile({ noticesDir: samples.notices, siteFile: samples.site, outDir: signedOut, privateKey: loadPrivateKey(station.privateKeyPem), atMs: Date.parse('2026-11-21T08:00:00+07:00'), cacheDir: join(root, 'cache'), approvers: { file: registryFile, keys: await loadApproverKeys(registryFile) } });
  const dataDir = join(root, 'hub');
  const { hub } = await startTestHub(dataDir);
  const play = (bundleId: string, noticeId: string, startIso: string): PlayRecord => ({ id: randomUUID(), bundleId, noticeId, pageId: `${noticeId}/1`, startMs: Date.parse(startIso), endMs: Date.parse(startIso) + 10_000 });
  try {
    await hub.publish(signedOut);
    const { client } = await enrolAndConnect(hub, 'ubnd-sanh');
    const { bundleId } = await client.next('offer');
    client.send({ type: 'plays', records: [play(bundleId, 'tiep-cong-dan', '2026-11-21T08:01:00+07:00')] });
    await client.next('plays-ack');
    await client.close();
  } finally {
    await hub.close();
  }
  const db = HubDatabase.open(join(dataDir, HUB_DATABASE_FILE));
  try {
    const report = loadPlayReport({ db, fromMs: Date.parse('2026-11-21T00:00:00+07:00'), toMs: Date.parse('2026-11-22T00:00:00+07:00') });
    const lines = playReportCsv(report).slice(1).split('\r\n');
    assert.equal(lines[0], 'screen,notice,title,plays,devices,total_seconds,first_start,last_end,approved_by,approver_role,approved_at,approver_id,approval_verified');
    assert.equal(lines[1], 'ubnd-sanh,tiep-cong-dan,Lịch tiếp công dân định kỳ,1,1,10,2026-11-21T08:01:00+07:00,2026-11-21T08:01:10+07:00,Ksor Thuận,Chủ tịch UBND xã,2026-11-20T16:00:00+07:00,ksor-thuan,yes');
    const json = JSON.parse(playReportJson(report)) as { rows: { approval: unknown }[] };
    assert.deepEqual(json.rows[0]!.approval, { by: 'Ksor Thuận', role: 'Chủ tịch UBND xã', at: '2026-11-20T16:00:00+07:00', approver: 'ksor-thuan', verified: true });
  } finally {
    db.close();
  }
});
