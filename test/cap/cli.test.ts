import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { capCommand, capIngestCommand, type CapCliIo } from '../../compiler/cap/cli.ts';
import { loadFontMeasurer } from '../../compiler/io/font-measurer.ts';
import { scratchDir } from '../support/paths.ts';
import { SAMPLE_ALERT, SAMPLE_CANCEL, SAMPLE_KEY, SAMPLE_SITE_FILE, TRUST_FILE, at, fixturePath } from './cap-fixtures.ts';

// `signage cap ingest`: prints the decision and exits 0 (shown, not for this site, cancel),
// 1 (refused) or 2 (usage or configuration error).

const measurer = loadFontMeasurer();

async function run(args: string[], nowIso = '2026-11-22T10:00:00+07:00'): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CapCliIo = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), nowMs: () => at(nowIso), loadMeasurer: () => measurer };
  const code = await capCommand(args, io);
  return { code, out, err };
}

const ingest = (file: string, ...extra: string[]) => run(['ingest', file, '--trust', TRUST_FILE, '--site', SAMPLE_SITE_FILE, ...extra]);

test('the sample alert is shown as a level-4 takeover that fits every screen', async () => {
  const { code, out, err } = await ingest(SAMPLE_ALERT);
  assert.equal(err, '');
  assert.equal(code, 0);
  assert.match(out, /^shown as takeover, cấp độ rủi ro 4 \(stated\)\n/);
  assert.ok(out.includes(`  alert     ${SAMPLE_KEY} (Actual Alert)`));
  assert.ok(out.includes('  valid     09:30 ngày 22/11/2026 → 21:00 ngày 24/11/2026 (giờ Việt Nam)'));
  assert.ok(out.includes('  source    Trung tâm Dự báo khí tượng thủy văn quốc gia · phát lúc 09:30 ngày 22/11/2026'));
  assert.ok(out.includes('(site matched by polygon)'));
  for (const screen of ['ubnd-sanh (1920×1080)', 'ubnd-kiosk (1080×1920)', 'cong-xa (640×384)', 'cong-xa-p10 (192×64): 1 page(s)']) assert.ok(out.includes(`  screen    ${screen}`), screen);
  assert.ok(!out.includes('does not fit'));
});

test('--at decides as of another instant: after expiry the sample is refused and the exit status is 1', async () => {
  const { code, out } = await ingest(SAMPLE_ALERT, '--at', '2026-11-25T00:00:00+07:00');
  assert.equal(code, 1);
  assert.match(out, /^refused CAP_EXPIRED: .*bao-so-9-alert\.xml: it expired at 21:00 ngày 24\/11\/2026/);
});

test('refusals exit 1 with the code and the reason naming the file', async () => {
  for (const [name, code] of [['unknown-sender.xml', 'CAP_UNTRUSTED_SENDER'], ['malformed.xml', 'CAP_MALFORMED_XML'], ['wrong-namespace.xml', 'CAP_WRONG_NAMESPACE'], ['missing-sent.xml', 'CAP_MISSING_ELEMENT']] as const) {
    const result = await ingest(fixturePath(name));
    assert.equal(result.code, 1, name);
    assert.ok(result.out.startsWith(`refused ${code}: ${fixturePath(name)}: `), result.out);
  }
  const missing = await ingest(fixturePath('nope.xml'));
  assert.equal(missing.code, 1);
  assert.match(missing.out, /^refused CAP_UNREADABLE: /);
});

test('not for this site and cancel exit 0', async () => {
  const away = await ingest(fixturePath('hanoi-polygon.xml'));
  assert.equal(away.code, 0);
  assert.match(away.out, /^not for this site: .*lies outside the alert's area \(Thành phố Hà Nội\)/);
  const cancel = await ingest(SAMPLE_CANCEL);
  assert.equal(cancel.code, 0);
  assert.equal(cancel.out, `cancel: withdraws ${SAMPLE_KEY}\n`);
});

test('banners, exercises and the English fallback are described as such', async () => {
  const english = await ingest(fixturePath('english-only.xml'));
  assert.equal(english.code, 0);
  assert.match(english.out, /^shown as banner, cấp độ rủi ro 3 \(derived from severity Moderate\)/);
  assert.match(english.out, /warning {3}no Vietnamese \(vi, vi-VN\) info block; showing the en-US block instead/);
  assert.match(english.out, /screen {4}ubnd-sanh \(1920×1080\): banner/);
  const drill = await run(['ingest', fixturePath('exercise-status.xml'), '--trust', TRUST_FILE, '--site', SAMPLE_SITE_FILE, '--at', '2026-11-21T09:00:00+07:00']);
  assert.equal(drill.code, 0);
  assert.match(drill.out, /^shown as takeover marked DIỄN TẬP \/ THỬ NGHIỆM, cấp độ rủi ro 4/);
});

test('a feed: each entry is decided on its own, linked alerts are listed, --json prints the decisions', async () => {
  const feed = await ingest(fixturePath('atom-two-alerts.xml'));
  assert.equal(feed.code, 0);
  const lines = feed.out.split('\n').filter((l) => !l.startsWith('  '));
  assert.equal(lines.length, 4, feed.out);
  assert.match(lines[0]!, /entry 1 \(urn:kttv:2026-11-22-lu-gl\): shown as takeover, cấp độ rủi ro 3/);
  assert.match(lines[1]!, /entry 2 \(urn:kttv:2026-11-22-mua-hn\): not for this site/);
  assert.match(lines[2]!, /entry 3 \(urn:kttv:2026-11-22-gio-manh\): links to https:\/\/kttv\.example\.vn\/cap\/2026-11-22-gio-manh\.xml \(not fetched/);
  const json = await ingest(fixturePath('atom-two-alerts.xml'), '--json');
  const decided = JSON.parse(json.out) as { entry: string; decision?: { kind: string; key: string }; link?: string }[];
  assert.deepEqual(decided.map((d) => d.decision?.kind ?? (d.link ? 'link' : '?')), ['show', 'not-for-site', 'link']);
  assert.equal(decided[0]!.decision!.key, 'canhbao@kttv.example.vn,VN-KTTV-2026-11-22-1200-LU-SONGBA,2026-11-22T12:00:00+07:00');
});

test('usage and configuration errors exit 2 without a decision', async () => {
  const noTrust = await run(['ingest', SAMPLE_ALERT, '--site', SAMPLE_SITE_FILE]);
  assert.equal(noTrust.code, 2);
  assert.match(noTrust.err, /--trust FILE is required/);
  const badAt = await ingest(SAMPLE_ALERT, '--at', '2026-11-22T10:00:00');
  assert.equal(badAt.code, 2);
  assert.match(badAt.err, /--at "2026-11-22T10:00:00" is not an ISO instant with an offset/);
  const noFile = await run(['ingest', '--trust', TRUST_FILE, '--site', SAMPLE_SITE_FILE]);
  assert.equal(noFile.code, 2);
  assert.equal((await run(['watch'])).code, 2);
  assert.equal((await run([])).code, 2);
  const scratch = await scratchDir('cap-cli');
  try {
    const badTrust = join(scratch.path, 'trust.yaml');
    await writeFile(badTrust, 'senders:\n  - sender: has space@x\n    name: X\n');
    const trust = await run(['ingest', SAMPLE_ALERT, '--trust', badTrust, '--site', SAMPLE_SITE_FILE]);
    assert.equal(trust.code, 2);
    assert.match(trust.err, /CAP_TRUST_LIST_INVALID: .*trust\.yaml: senders\[0\]\.sender must not contain spaces/);
    const badSite = join(scratch.path, 'site.yaml');
    await writeFile(badSite, 'site: x\n');
    const site = await run(['ingest', SAMPLE_ALERT, '--trust', TRUST_FILE, '--site', badSite]);
    assert.equal(site.code, 2);
    assert.match(site.err, /the site description is not usable/);
  } finally {
    await scratch.cleanup();
  }
  const help = await capIngestCommand(['--help'], { stdout: () => {}, stderr: () => {}, nowMs: () => 0, loadMeasurer: () => measurer });
  assert.equal(help, 0);
});
