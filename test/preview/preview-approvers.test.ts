import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeApproverRegistry } from '../../compiler/io/approver-registry-file.ts';
import { approveNotice } from '../../compiler/io/approve-notice.ts';
import { generateStationKeyPair, keyId, loadPrivateKey, loadPublicKey } from '../../compiler/trust/station-key.ts';
import { PreviewCompiler, type PreviewState } from '../../player/preview/preview-compiler.ts';
import { copySamples, scratchDir } from '../support/paths.ts';

// With the station's approver registry the preview checks approvals as the station's compile
// will: an editor sees at once that an edit after approval keeps the notice off the screens,
// and that a newly registered approver's signature counts, without restarting the preview.

const AT = Date.parse('2026-11-21T08:00:00+07:00');
const APPROVED_AT = Date.parse('2026-11-20T16:00:00+07:00');
let root: string;
let cleanup: () => Promise<void>;

before(async () => {
  ({ path: root, cleanup } = await scratchDir('preview-approvers'));
});
after(() => cleanup());

function approverWithKey(id: string, name: string) {
  const pair = generateStationKeyPair();
  const publicKey = loadPublicKey(pair.publicKeyPem);
  return { approver: { id, name, role: 'Chủ tịch UBND xã', keyId: keyId(publicKey), publicKey: pair.publicKeyPem, added: '2026-11-01T08:00:00+07:00' }, privateKey: loadPrivateKey(pair.privateKeyPem) };
}

test('the preview checks approval signatures against the registry, re-read at every compile', async () => {
  const paths = await copySamples(join(root, 'in'));
  const registryFile = join(root, 'keys', 'approvers.yaml');
  const chair = approverWithKey('ksor-thuan', 'Ksor Thuận');
  const deputy = approverWithKey('ro-cham-hlin', 'Rơ Châm Hlin');
  await writeApproverRegistry(registryFile, { approvers: [chair.approver] });
  const notice = join(paths.notices, 'tiep-cong-dan.md');
  const other = join(paths.notices, 'tiem-chung-thang-12.md');
  await approveNotice({ file: notice, approver: chair.approver, privateKey: chair.privateKey, atMs: APPROVED_AT });
  await approveNotice({ file: other, approver: deputy.approver, privateKey: deputy.privateKey, atMs: APPROVED_AT });

  let state: PreviewState = { attempt: 0 };
  const compiler = new PreviewCompiler({ noticesDir: paths.notices, siteFile: paths.site, workDir: join(root, 'work'), clock: () => AT, approversFile: registryFile, onChange: (s) => (state = s) });
  try {
    await compiler.start();
    const first = state.report!;
    assert.ok(first.compiled.includes('tiep-cong-dan'));
    assert.equal(first.skipped.find((s) => s.id === 'tiem-chung-thang-12')?.code, 'APPROVAL_UNKNOWN_APPROVER', 'the deputy is not registered yet');
    assert.equal(first.skipped.find((s) => s.id === 'ngay-hoi-dai-doan-ket')?.code, 'APPROVAL_UNSIGNED');
    assert.equal(first.warnings.filter((w) => w.code === 'APPROVAL_UNVERIFIED').length, 0);

    await writeFile(notice, (await readFile(notice, 'utf8')).replace('7 giờ 30', '8 giờ 00'));
    await writeApproverRegistry(registryFile, { approvers: [chair.approver, deputy.approver] });
    await compiler.compileNow();
    const second = state.report!;
    assert.equal(second.skipped.find((s) => s.id === 'tiep-cong-dan')?.code, 'APPROVAL_CONTENT_CHANGED', 'edited after approval');
    assert.ok(second.compiled.includes('tiem-chung-thang-12'), 'the deputy, registered meanwhile, counts');
  } finally {
    await compiler.stop();
  }
});
