import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { compile, type CompileReport } from '../../compiler/compile.ts';
import type { RegisteredApprover } from '../../compiler/format/approver-registry.ts';
import type { BundleManifest } from '../../compiler/format/bundle-manifest.ts';
import { loadApproverKeys, writeApproverRegistry } from '../../compiler/io/approver-registry-file.ts';
import { approveNotice } from '../../compiler/io/approve-notice.ts';
import { appendWithdrawal } from '../../compiler/io/withdrawals-file.ts';
import { CompileFailure } from '../../compiler/plan/compile-problem.ts';
import { approvalContentText } from '../../compiler/trust/approval-signature.ts';
import { generateStationKeyPair, keyId, loadPrivateKey, loadPublicKey } from '../../compiler/trust/station-key.ts';
import { SIGNAGE_BIN, copySamples, scratchDir } from '../support/paths.ts';

// Verifiable approval (issue 5, item 7): an approver signs the notice's content; with an
// approver registry the compiler shows only notices whose signature matches their current
// text and pictures, and withdrawing takes a notice off every screen until it is restored.

let root: string;
let cleanup: () => Promise<void>;
let cases = 0;
const AT = Date.parse('2026-11-21T08:00:00+07:00');
const APPROVED_AT = Date.parse('2026-11-20T16:00:00+07:00');

function approverWithKey(id: string, name: string, role: string): { approver: RegisteredApprover; privateKey: ReturnType<typeof loadPrivateKey> } {
  const pair = generateStationKeyPair();
  const publicKey = loadPublicKey(pair.publicKeyPem);
  return { approver: { id, name, role, keyId: keyId(publicKey), publicKey: pair.publicKeyPem, added: '2026-11-01T08:00:00+07:00' }, privateKey: loadPrivateKey(pair.privateKeyPem) };
}
const chair = approverWithKey('ksor-thuan', 'Ksor Thuận', 'Chủ tịch UBND xã');
const deputy = approverWithKey('ro-cham-hlin', 'Rơ Châm Hlin', 'Phó Chủ tịch UBND xã');

before(async () => {
  ({ path: root, cleanup } = await scratchDir('approval'));
});
after(() => cleanup());

/** A private copy of the samples and a registry holding the given approvers. */
async function station(approvers: RegisteredApprover[] = [chair.approver, deputy.approver]) {
  cases += 1;
  const dir = join(root, `case-${cases}`);
  const paths = await copySamples(dir);
  const registryFile = join(dir, 'keys', 'approvers.yaml');
  await writeApproverRegistry(registryFile, { approvers });
  return { ...paths, dir, registryFile, out: join(dir, 'out') };
}

async function compileStation(s: Awaited<ReturnType<typeof station>>, withRegistry: boolean): Promise<{ report: CompileReport; manifests: Map<string, BundleManifest> }> {
  const report = await compile({
    noticesDir: s.notices,
    siteFile: s.site,
    outDir: s.out,
    atMs: AT,
    cacheDir: join(root, 'cache'),
    approvers: withRegistry ? { file: s.registryFile, keys: await loadApproverKeys(s.registryFile) } : undefined,
  });
  const manifests = new Map<string, BundleManifest>();
  for (const screen of report.screens) manifests.set(screen.screen, JSON.parse(await readFile(join(s.out, 'screens', screen.screen, 'manifest.json'), 'utf8')));
  return { report, manifests };
}

const file = (s: { notices: string }, name: string) => join(s.notices, `${name}.md`);

test('the signed text is the NFC, "\\n"-ended file with only the signature value blanked', () => {
  const signed = Buffer.from('---\r\nid: a\r\napproval:\r\n  by: "K"\r\n  signature: "ed25519:0011223344556677:abc"\r\n---\r\nThông báo\r\n'.normalize('NFD'));
  const blanked = '---\nid: a\napproval:\n  by: "K"\n  signature: ""\n---\nThông báo\n';
  assert.equal(approvalContentText(signed), blanked);
  assert.equal(approvalContentText(Buffer.from(blanked)), blanked, 'an unsigned text is its own content');
  assert.notEqual(approvalContentText(Buffer.from(blanked.replace('Thông báo', 'Thông báo.'))), blanked, 'a body edit changes it');
  // The flow style of the samples, and an unquoted title with ": " read the way the compiler reads it.
  const flow = '---\ntitle: Mùa khô: phòng cháy\napproval: { by: "K", role: "R", at: "x", signature: "ed25519:0011223344556677:abc" }\n---\nx\n';
  assert.equal(approvalContentText(Buffer.from(flow)), '---\ntitle: "Mùa khô: phòng cháy"\napproval: { by: "K", role: "R", at: "x", signature: "" }\n---\nx\n');
});

test('a notice approved with a registered key compiles, and the manifest records who approved it and that it was verified', async () => {
  const s = await station();
  await approveNotice({ file: file(s, 'tiep-cong-dan'), approver: chair.approver, privateKey: chair.privateKey, atMs: APPROVED_AT });
  await approveNotice({ file: file(s, 'tiem-chung-thang-12'), approver: deputy.approver, privateKey: deputy.privateKey, atMs: APPROVED_AT });
  const { report, manifests } = await compileStation(s, true);
  assert.deepEqual(report.compiled, ['tiem-chung-thang-12', 'tiep-cong-dan']);
  const notice = manifests.get('ubnd-sanh')!.notices.find((n) => n.id === 'tiep-cong-dan')!;
  assert.deepEqual(notice.approval, { by: 'Ksor Thuận', role: 'Chủ tịch UBND xã', at: '2026-11-20T16:00:00+07:00', approver: 'ksor-thuan', verified: true });
  // The samples' unsigned approvals are refused while a registry is configured, each with the fix.
  const unsigned = report.skipped.find((n) => n.id === 'ngay-hoi-dai-doan-ket')!;
  assert.equal(unsigned.code, 'APPROVAL_UNSIGNED');
  assert.match(unsigned.reason, /not signed.*signage approve .*ngay-hoi-dai-doan-ket\.md --as/);
  assert.equal(report.warnings.filter((w) => w.code === 'APPROVAL_UNVERIFIED').length, 0);
});

test('an edit after approval, of the text or of a picture, keeps the notice off every screen with the reason and the fix', async () => {
  const s = await station();
  const text = file(s, 'tiep-cong-dan');
  const pictured = file(s, 'tiem-chung-thang-12');
  await approveNotice({ file: text, approver: chair.approver, privateKey: chair.privateKey, atMs: APPROVED_AT });
  await approveNotice({ file: pictured, approver: chair.approver, privateKey: chair.privateKey, atMs: APPROVED_AT });
  await writeFile(text, (await readFile(text, 'utf8')).replace('7 giờ 30', '8 giờ 00'));
  await writeFile(join(s.images, 'y-te-exif6.jpg'), await readFile(join(s.images, 'lang-que.jpg')));
  const { report, manifests } = await compileStation(s, true);
  for (const [id, path] of [['tiep-cong-dan', text], ['tiem-chung-thang-12', pictured]] as const) {
    const skipped = report.skipped.find((n) => n.id === id);
    assert.ok(skipped, `${id} is skipped`);
    assert.equal(skipped.code, 'APPROVAL_CONTENT_CHANGED');
    assert.equal(skipped.file, path);
    assert.match(skipped.reason, /^approval\.signature: edited after approval/);
    assert.ok(skipped.reason.includes(`signage approve ${path} --as ksor-thuan`), skipped.reason);
    for (const manifest of manifests.values()) assert.ok(!manifest.notices.some((n) => n.id === id));
  }
  // Approving the edited version puts it back.
  await approveNotice({ file: text, approver: chair.approver, privateKey: chair.privateKey, atMs: APPROVED_AT + 60_000 });
  assert.ok((await compileStation(s, true)).report.compiled.includes('tiep-cong-dan'));
});

test('a signature by another key, or by an approver the registry does not list, is refused', async () => {
  const s = await station();
  const path = file(s, 'tiep-cong-dan');
  // Signed by the deputy, then the approver field changed to the chair: the key is not the chair's.
  await approveNotice({ file: path, approver: deputy.approver, privateKey: deputy.privateKey, atMs: APPROVED_AT });
  await writeFile(path, (await readFile(path, 'utf8')).replace('approver: ro-cham-hlin', 'approver: ksor-thuan'));
  const other = file(s, 'tiem-chung-thang-12');
  await approveNotice({ file: other, approver: deputy.approver, privateKey: deputy.privateKey, atMs: APPROVED_AT });
  await writeApproverRegistry(s.registryFile, { approvers: [chair.approver] }); // the deputy was removed
  const { report } = await compileStation(s, true);
  const wrongKey = report.skipped.find((n) => n.id === 'tiep-cong-dan')!;
  assert.equal(wrongKey.code, 'APPROVAL_WRONG_KEY');
  assert.match(wrongKey.reason, new RegExp(`signed with key ${deputy.approver.keyId}, which is not ksor-thuan's registered key`));
  const unknown = report.skipped.find((n) => n.id === 'tiem-chung-thang-12')!;
  assert.equal(unknown.code, 'APPROVAL_UNKNOWN_APPROVER');
  assert.match(unknown.reason, /^approval\.approver: approver "ro-cham-hlin" is not in the approver registry .*approvers\.yaml; add them with "signage approver add ro-cham-hlin/);
  assert.deepEqual(report.compiled, []);
});

test('approving with a key that is not the approver\'s, or a notice that does not compile, is refused and the file is left alone', async () => {
  const s = await station();
  const path = file(s, 'tiep-cong-dan');
  const before = await readFile(path);
  await assert.rejects(approveNotice({ file: path, approver: chair.approver, privateKey: deputy.privateKey, atMs: APPROVED_AT }), (error: CompileFailure) => {
    assert.match(error.message, /not ksor-thuan's registered key/);
    return true;
  });
  await writeFile(path, before.toString().replace('targets: [xa-ia-drang]', 'targets: []'));
  await assert.rejects(approveNotice({ file: path, approver: chair.approver, privateKey: chair.privateKey, atMs: APPROVED_AT }), /targets/);
  assert.equal((await readFile(path, 'utf8')).includes('signature'), false);
});

test('without a registry, unsigned approvals compile as before, each with an "unverified" warning', async () => {
  const s = await station();
  const { report, manifests } = await compileStation(s, false);
  assert.equal(report.compiled.length, 6);
  const unverified = report.warnings.filter((w) => w.code === 'APPROVAL_UNVERIFIED');
  assert.equal(unverified.length, 6, 'one warning per compiled notice');
  assert.equal(new Set(unverified.map((w) => w.file)).size, 6);
  assert.ok(!unverified.some((w) => w.file.endsWith('du-thao-chua-duyet.md')), 'the skipped draft earns no approval warning');
  assert.ok(unverified.every((w) => w.field === 'approval' && /taken on trust.*--approvers FILE/.test(w.message)));
  const approval = manifests.get('ubnd-sanh')!.notices.find((n) => n.id === 'tiep-cong-dan')!.approval;
  assert.deepEqual(approval, { by: 'Rơ Châm Hlin', role: 'Phó Chủ tịch UBND xã', at: '2026-10-30T14:00:00+07:00' }, 'no verified flag, no approver');
});

test('a local emergency notice needs a signed approval once a registry is configured', async () => {
  const s = await station();
  const emergency = file(s, 'canh-bao-mua-lon');
  let { report, manifests } = await compileStation(s, true);
  assert.equal(report.skipped.find((n) => n.id === 'canh-bao-mua-lon')?.code, 'APPROVAL_UNSIGNED');
  assert.equal(manifests.get('cong-xa')!.kind, 'content');
  await approveNotice({ file: emergency, approver: chair.approver, privateKey: chair.privateKey, atMs: Date.parse('2026-11-21T07:50:00+07:00') });
  ({ report, manifests } = await compileStation(s, true));
  for (const manifest of manifests.values()) {
    assert.equal(manifest.kind, 'emergency');
    assert.deepEqual(manifest.notices.find((n) => n.id === 'canh-bao-mua-lon')?.approval, { by: 'Ksor Thuận', role: 'Chủ tịch UBND xã', at: '2026-11-21T07:50:00+07:00', approver: 'ksor-thuan', verified: true });
  }
});

test('a withdrawn notice leaves every screen at the next compile, is reported as withdrawn, and comes back when restored', async () => {
  const s = await station();
  await appendWithdrawal(s.notices, { id: 'tiep-cong-dan', action: 'withdraw', by: 'Rơ Châm Hlin', at: '2026-11-21T07:30:00+07:00', reason: 'lịch thay đổi' });
  let { report, manifests } = await compileStation(s, false);
  const withdrawn = report.skipped.find((n) => n.id === 'tiep-cong-dan')!;
  assert.equal(withdrawn.code, 'WITHDRAWN');
  assert.match(withdrawn.reason, /^withdrawn by Rơ Châm Hlin at 2026-11-21T07:30:00\+07:00 \(lịch thay đổi\); "signage withdraw tiep-cong-dan --restore"/);
  assert.equal(manifests.size, 4);
  for (const manifest of manifests.values()) assert.ok(!manifest.notices.some((n) => n.id === 'tiep-cong-dan'), manifest.screen.id);
  await assert.rejects(appendWithdrawal(s.notices, { id: 'tiep-cong-dan', action: 'withdraw', by: 'x', at: '2026-11-21T07:31:00+07:00' }), /already withdrawn/);

  await appendWithdrawal(s.notices, { id: 'tiep-cong-dan', action: 'restore', by: 'Ksor Thuận', at: '2026-11-21T07:40:00+07:00' });
  ({ report, manifests } = await compileStation(s, false));
  assert.ok(report.compiled.includes('tiep-cong-dan'));
  for (const id of ['ubnd-sanh', 'ubnd-kiosk', 'cong-xa', 'cong-xa-p10']) assert.ok(manifests.get(id)!.notices.some((n) => n.id === 'tiep-cong-dan'), id);
  const log = await readFile(join(s.notices, 'withdrawals.yaml'), 'utf8');
  assert.match(log, /action: withdraw\n\s+by: Rơ Châm Hlin[\s\S]*action: restore\n\s+by: Ksor Thuận/, 'both actions stay in the log');
});

test('the command line: approver add, approve, compile --approvers, withdraw and restore', async () => {
  const s = await station([]);
  const run = (args: string[]) => {
    const { NODE_TEST_CONTEXT: _ignored, ...env } = process.env;
    const result = spawnSync(process.execPath, [SIGNAGE_BIN, ...args], { encoding: 'utf8', env: { ...env, SIGNAGE_CACHE_DIR: join(root, 'cache') } });
    return { status: result.status, out: `${result.stdout}${result.stderr}` };
  };
  const add = run(['approver', 'add', 'ksor-thuan', '--name', 'Ksor Thuận', '--role', 'Chủ tịch UBND xã', '--approvers', s.registryFile]);
  assert.equal(add.status, 0, add.out);
  const keyFile = join(s.dir, 'keys', 'ksor-thuan.key');
  assert.equal((await stat(keyFile)).mode & 0o777, 0o600);
  assert.equal(run(['approver', 'add', 'ksor-thuan', '--name', 'X', '--role', 'Y', '--approvers', s.registryFile]).status, 1, 'an approver is registered once');
  const approve = run(['approve', file(s, 'tiep-cong-dan'), '--as', 'ksor-thuan', '--key', keyFile, '--approvers', s.registryFile]);
  assert.equal(approve.status, 0, approve.out);
  const compileArgs = ['compile', '--notices', s.notices, '--site', s.site, '--out', s.out, '--at', '2026-11-21T08:00:00+07:00', '--quiet', '--approvers', s.registryFile];
  let compiled = run(compileArgs);
  assert.equal(compiled.status, 0, compiled.out);
  assert.match(compiled.out, /notices compiled: 1;/);
  const withdraw = run(['withdraw', 'tiep-cong-dan', '--notices', s.notices, '--by', 'Rơ Châm Hlin', '--reason', 'nhầm giờ']);
  assert.equal(withdraw.status, 0, withdraw.out);
  compiled = run(compileArgs);
  assert.match(compiled.out, /notices compiled: 0;[\s\S]*skipped tiep-cong-dan .*withdrawn by Rơ Châm Hlin/);
  assert.equal(run(['withdraw', 'tiep-cong-dan', '--notices', s.notices, '--restore']).status, 0);
  assert.match(run(compileArgs).out, /notices compiled: 1;/);
  const bad = run(['compile', ...compileArgs.slice(1, -1), join(s.dir, 'missing.yaml')]);
  assert.equal(bad.status, 1);
  assert.match(bad.out, /APPROVERS_UNREADABLE .*missing\.yaml/);
});

test('a site that says approvals must be signed refuses to compile without the registry, and compiles with it', async () => {
  const s = await station();
  await writeFile(s.site, (await readFile(s.site, 'utf8')).replace('timezone: Asia/Ho_Chi_Minh', 'timezone: Asia/Ho_Chi_Minh\napprovals: signed'));
  await assert.rejects(compileStation(s, false), (error: CompileFailure) => {
    assert.ok(error instanceof CompileFailure);
    assert.deepEqual(error.problems.map((p) => [p.code, p.file, p.field]), [['APPROVERS_REQUIRED', s.site, 'approvals']]);
    assert.match(error.message, /compile with --approvers FILE/);
    return true;
  });
  await approveNotice({ file: file(s, 'tiep-cong-dan'), approver: chair.approver, privateKey: chair.privateKey, atMs: APPROVED_AT });
  assert.deepEqual((await compileStation(s, true)).report.compiled, ['tiep-cong-dan']);
});
