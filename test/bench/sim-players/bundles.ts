import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { compile } from '../../../compiler/compile.ts';
import { generateStationKeyPair, loadPrivateKey } from '../../../compiler/trust/station-key.ts';
import { copySamples } from '../../support/paths.ts';

// The bundles the sync and reconnect benches publish: the shared samples compiled with a
// generated station key, then the same with one notice edited and its picture replaced, as
// when an officer corrects a notice and swaps its photo. Each version is a complete compiler
// output directory, ready for hub.publish().

export interface ScreenBundle {
  readonly bundleId: string;
  /** manifest.json and schedule.json as signed: what a player holding this bundle has. */
  readonly manifest: Uint8Array;
  readonly schedule: Uint8Array;
  readonly blobs: readonly { readonly hash: string; readonly bytes: number }[];
}

export interface BundleVersion {
  readonly dir: string;
  readonly screens: Readonly<Record<string, ScreenBundle>>;
}

/** The notice that is edited for each new version, and the picture it carries. */
export const EDITED_NOTICE = 'ngay-hoi-dai-doan-ket.md';
const EDITED_PICTURE = 'lang-que.jpg';
/** Fixed compile instants (Vietnam time) so the same notices are current on any date; one minute apart per version. */
const BASE_AT_MS = Date.parse('2026-11-22T08:00:00+07:00');

async function readVersion(dir: string, screenIds: readonly string[], bundleIds: ReadonlyMap<string, string>): Promise<BundleVersion> {
  const screens: Record<string, ScreenBundle> = {};
  for (const screen of screenIds) {
    const manifestBytes = await readFile(join(dir, 'screens', screen, 'manifest.json'));
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as { blobs: { hash: string; bytes: number }[] };
    const schedule = await readFile(join(dir, 'screens', screen, 'schedule.json'));
    screens[screen] = { bundleId: bundleIds.get(screen)!, manifest: manifestBytes, schedule, blobs: manifest.blobs.map((blob) => ({ hash: blob.hash, bytes: blob.bytes })) };
  }
  return { dir, screens };
}

/**
 * Compiles `1 + edits` versions into root/out-N. Version 0 is the samples as they are; version
 * N ≥ 1 appends a line to one notice and gives it a new photograph (random, so its blob is new
 * on every screen that shows the picture).
 */
export async function compileVersions(root: string, edits: number): Promise<{ versions: BundleVersion[]; stationPublicKeyPem: string }> {
  const samples = await copySamples(join(root, 'samples'));
  const station = generateStationKeyPair();
  const privateKey = loadPrivateKey(station.privateKeyPem);
  const versions: BundleVersion[] = [];
  const noticeFile = join(samples.notices, EDITED_NOTICE);
  const original = await readFile(noticeFile, 'utf8');
  for (let index = 0; index <= edits; index += 1) {
    if (index > 0) {
      await writeFile(noticeFile, `${original.trimEnd()}\n\nCập nhật lần ${index}: chương trình văn nghệ bắt đầu lúc ${18 + (index % 3)} giờ 30 tại nhà văn hóa thôn.\n`);
      // A photograph-like picture: smooth noise over a gradient, a different one every time.
      const noise = await sharp({ create: { width: 1600, height: 1000, channels: 3, background: { r: 90 + index, g: 120, b: 80 }, noise: { type: 'gaussian', mean: 120, sigma: 25 } } })
        .blur(1.2)
        .jpeg({ quality: 85 })
        .toBuffer();
      await writeFile(join(samples.images, EDITED_PICTURE), noise);
    }
    const dir = join(root, `out-${index}`);
    const report = await compile({ noticesDir: samples.notices, siteFile: samples.site, outDir: dir, privateKey, atMs: BASE_AT_MS + index * 60_000, cacheDir: join(root, 'compile-cache') });
    const ids = new Map(report.screens.map((screen) => [screen.screen, screen.bundleId]));
    versions.push(await readVersion(dir, [...ids.keys()], ids));
  }
  return { versions, stationPublicKeyPem: station.publicKeyPem };
}

/** Bytes of the blobs in `next` that a player holding `held` does not have. */
export function newBlobBytes(next: ScreenBundle, held: ScreenBundle | undefined): number {
  const have = new Set(held?.blobs.map((blob) => blob.hash) ?? []);
  return next.blobs.filter((blob) => !have.has(blob.hash)).reduce((sum, blob) => sum + blob.bytes, 0);
}
