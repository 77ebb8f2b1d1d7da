import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { compile, type CompileReport } from '../../compiler/compile.ts';
import type { BundleManifest } from '../../compiler/format/bundle-manifest.ts';
import type { ImageNode, TextNode } from '../../compiler/format/scene.ts';
import { generateStationKeyPair, loadPrivateKey, loadPublicKey } from '../../compiler/trust/station-key.ts';
import { verifyBundleDirectory } from '../../compiler/trust/verify-bundle.ts';
import { SHARED_SAMPLES, scratchDir } from '../support/paths.ts';

// The shared samples must compile as given: the draft is skipped, the NFD notice comes out
// NFC, the EXIF-rotated picture is upright, the long plan is paginated on the LED wall, and
// every screen gets a signed bundle that verifies.

const keys = generateStationKeyPair();
let out: string;
let report: CompileReport;
let cleanup: () => Promise<void>;
const manifests = new Map<string, BundleManifest>();

before(async () => {
  const scratch = await scratchDir('samples');
  cleanup = scratch.cleanup;
  out = join(scratch.path, 'out');
  report = await compile({
    noticesDir: join(SHARED_SAMPLES, 'notices'),
    siteFile: join(SHARED_SAMPLES, 'site.yaml'),
    outDir: out,
    privateKey: loadPrivateKey(keys.privateKeyPem),
    atMs: Date.parse('2026-11-21T08:00:00+07:00'),
    cacheDir: join(scratch.path, 'cache'),
  });
  for (const screen of report.screens) {
    manifests.set(screen.screen, JSON.parse(await readFile(join(out, 'screens', screen.screen, 'manifest.json'), 'utf8')));
  }
});
after(() => cleanup());

test('every screen of the sample site gets a signed bundle that verifies', async () => {
  assert.deepEqual(report.screens.map((s) => s.screen), ['ubnd-sanh', 'ubnd-kiosk', 'cong-xa', 'cong-xa-p10']);
  for (const screen of report.screens) {
    assert.equal(screen.signed, true);
    const verified = await verifyBundleDirectory({ outDir: out, screenId: screen.screen, publicKey: loadPublicKey(keys.publicKeyPem) });
    assert.equal(verified.bundleId, screen.bundleId);
    assert.equal(verified.schedule.bundleId, screen.bundleId);
  }
});

test('the unapproved draft is skipped with its reason and appears on no screen', () => {
  const skipped = report.skipped.find((s) => s.id === 'du-thao-chua-duyet');
  assert.ok(skipped, 'draft listed as skipped');
  assert.match(skipped.reason, /not approved/);
  for (const manifest of manifests.values()) assert.ok(!manifest.notices.some((n) => n.id === 'du-thao-chua-duyet'));
  assert.equal(report.compiled.length, 6);
});

test('the NFD notice comes out NFC in the manifest and in every drawn run', () => {
  const manifest = manifests.get('ubnd-sanh')!;
  const notice = manifest.notices.find((n) => n.id === 'phong-chay-rung')!;
  assert.equal(notice.title, 'Mùa khô: chủ động phòng cháy, chữa cháy rừng'.normalize('NFC'));
  assert.equal(notice.title, notice.title.normalize('NFC'));
  const texts = manifest.pages
    .filter((p) => p.noticeId === 'phong-chay-rung')
    .flatMap((p) => p.nodes)
    .filter((n): n is TextNode => n.type === 'text')
    .flatMap((n) => n.lines.flatMap((l) => l.runs.map((r) => r.text)));
  assert.ok(texts.join(' ').includes('Không đốt nương rẫy'), 'body drawn');
  for (const text of texts) assert.equal(text, text.normalize('NFC'));
  assert.ok(!/[\u0300-\u036f]/.test(texts.join('')), 'no combining marks left');
});

test('the EXIF-rotated picture is prepared upright', async () => {
  // y-te-exif6.jpg is stored 1600×1200 with orientation 6; upright it is portrait, with a red
  // dot below a blue cross. The prepared blob must be portrait with its red pixels low.
  const manifest = manifests.get('ubnd-sanh')!;
  const image = manifest.pages
    .filter((p) => p.noticeId === 'tiem-chung-thang-12')
    .flatMap((p) => p.nodes)
    .find((n): n is ImageNode => n.type === 'image')!;
  assert.ok(image.h > image.w, `portrait box, got ${image.w}×${image.h}`);
  const { data, info } = await sharp(await readFile(join(out, 'blobs', image.blob))).raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.width, image.w);
  assert.equal(info.height, image.h);
  let sumX = 0;
  let sumY = 0;
  let count = 0;
  for (let y = 0; y < info.height; y += 1) {
    for (let x = 0; x < info.width; x += 1) {
      const i = (y * info.width + x) * info.channels;
      if (data[i]! > 200 && data[i + 1]! < 120 && data[i + 2]! < 120) {
        sumX += x;
        sumY += y;
        count += 1;
      }
    }
  }
  assert.ok(count > 100, 'red dot found');
  assert.ok(sumY / count > info.height * 0.65, `red dot in the lower part (y=${(sumY / count).toFixed(0)} of ${info.height})`);
  assert.ok(Math.abs(sumX / count - info.width / 2) < info.width * 0.1, 'red dot centred horizontally');
});

test('the long plan notice is paginated on the LED wall and every page fits its box', () => {
  const manifest = manifests.get('cong-xa')!;
  const plan = manifest.pages.filter((p) => p.noticeId === 'ke-hoach-thong-tin-co-so');
  assert.ok(plan.length >= 3, `paginated into ${plan.length} pages`);
  assert.deepEqual(plan.map((p) => p.index), plan.map((_, i) => i));
  for (const page of plan) {
    assert.equal(page.count, plan.length);
    for (const node of page.nodes) {
      if (node.type !== 'text') continue;
      assert.ok(node.sizePx >= 24, `LED text at least 24 px, got ${node.sizePx}`);
      for (const line of node.lines) {
        assert.ok(line.width <= node.w + 0.01, `line wider than box on ${page.id}`);
        assert.ok(line.top + node.lineHeightPx <= node.h + 0.01, `line below box on ${page.id}`);
      }
    }
  }
});

test('the emergency notice becomes a full-screen takeover in its risk colour on every screen', () => {
  for (const manifest of manifests.values()) {
    const pages = manifest.pages.filter((p) => p.noticeId === 'canh-bao-mua-lon');
    assert.ok(pages.length >= 1, manifest.screen.id);
    for (const page of pages) {
      assert.equal(page.showChrome, false);
      const background = page.nodes[0]!;
      assert.equal(background.type, 'rect');
      assert.deepEqual(background.type === 'rect' && background.fill, { kind: 'solid', color: '#f28c0f' }); // cấp 3: orange
    }
  }
});

test('the schedule puts priority notices before normal ones and keeps the weekly window', async () => {
  const schedule = JSON.parse(await readFile(join(out, 'screens', 'ubnd-sanh', 'schedule.json'), 'utf8'));
  const tiep = schedule.entries.find((e: { noticeId: string }) => e.noticeId === 'tiep-cong-dan');
  assert.deepEqual([tiep.days, tiep.from, tiep.to], [['mon', 'thu'], '07:00', '17:00']);
  assert.deepEqual(schedule.hours, { on: '06:00', off: '22:00' });
});
