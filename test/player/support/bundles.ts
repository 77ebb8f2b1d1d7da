import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { compile } from '../../../compiler/compile.ts';
import { canonicalJson } from '../../../compiler/format/canonical-json.ts';
import { generateStationKeyPair, loadPrivateKey, loadPublicKey, sha256Hex, signBytes } from '../../../compiler/trust/station-key.ts';
import { SHARED_SAMPLES } from '../../support/paths.ts';

// Real compiled bundles for the player's tests: the shared samples compiled with a station
// key, and variants made from them by editing the manifest or schedule and signing again,
// exactly as a station (or an attacker holding some other key) would.

export interface Station {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicKeyPem: string;
}

export function makeStation(): Station {
  const pair = generateStationKeyPair();
  return { privateKey: loadPrivateKey(pair.privateKeyPem), publicKey: loadPublicKey(pair.publicKeyPem), publicKeyPem: pair.publicKeyPem };
}

/** Screen used by the player tests: the commune hall's LCD, open 06:00–22:00. */
export const SCREEN = 'ubnd-sanh';
/** A moment when the samples' notices are valid and the hall's screen is on. */
export const COMPILE_AT_MS = Date.parse('2026-11-21T08:00:00+07:00');
export const PLAY_AT_MS = Date.parse('2026-11-21T09:00:00+07:00');

export async function compileSamples(options: { station: Station; outDir: string; cacheDir: string; atMs?: number }): Promise<string> {
  await compile({
    noticesDir: join(SHARED_SAMPLES, 'notices'),
    siteFile: join(SHARED_SAMPLES, 'site.yaml'),
    outDir: options.outDir,
    privateKey: options.station.privateKey,
    atMs: options.atMs ?? COMPILE_AT_MS,
    cacheDir: options.cacheDir,
  });
  return options.outDir;
}

export interface BundleFiles {
  readonly bundleId: string;
  readonly manifest: Record<string, unknown> & { blobs: { hash: string; bytes: number; mime: string }[]; issuedAt: string };
}

export async function readManifest(outDir: string, screenId = SCREEN): Promise<BundleFiles> {
  const bytes = await readFile(join(outDir, 'screens', screenId, 'manifest.json'));
  return { bundleId: sha256Hex(bytes), manifest: JSON.parse(bytes.toString('utf8')) };
}

/**
 * Copies a compiled output to `toDir` and rewrites one screen's bundle: the manifest and
 * schedule are edited, signed with `signer`, and the bundle id recomputed. Extra blobs are
 * written and listed in the manifest (the renderer ignores blobs no node uses), which makes
 * bundles as large as a test needs.
 */
export async function variantBundle(options: {
  fromDir: string;
  toDir: string;
  signer: Station;
  screenId?: string;
  issuedAtMs?: number;
  extraBlobs?: readonly Buffer[];
  editManifest?: (manifest: Record<string, unknown>) => void;
  editSchedule?: (schedule: Record<string, unknown>) => void;
}): Promise<{ bundleId: string; outDir: string }> {
  const screenId = options.screenId ?? SCREEN;
  await cp(options.fromDir, options.toDir, { recursive: true });
  const screenDir = join(options.toDir, 'screens', screenId);
  const manifest = JSON.parse(await readFile(join(screenDir, 'manifest.json'), 'utf8'));
  const schedule = JSON.parse(await readFile(join(screenDir, 'schedule.json'), 'utf8'));
  await mkdir(join(options.toDir, 'blobs'), { recursive: true });
  for (const bytes of options.extraBlobs ?? []) {
    const hash = sha256Hex(bytes);
    await writeFile(join(options.toDir, 'blobs', hash), bytes);
    manifest.blobs.push({ hash, bytes: bytes.length, mime: 'application/octet-stream' });
  }
  manifest.blobs.sort((a: { hash: string }, b: { hash: string }) => (a.hash < b.hash ? -1 : 1));
  if (options.issuedAtMs !== undefined) {
    manifest.issuedAt = new Date(options.issuedAtMs).toISOString();
    schedule.issuedAt = manifest.issuedAt;
  }
  options.editManifest?.(manifest);
  const manifestText = canonicalJson(manifest);
  const bundleId = sha256Hex(manifestText);
  schedule.bundleId = bundleId;
  options.editSchedule?.(schedule);
  const scheduleText = canonicalJson(schedule);
  await writeFile(join(screenDir, 'manifest.json'), manifestText);
  await writeFile(join(screenDir, 'schedule.json'), scheduleText);
  await writeFile(join(screenDir, 'manifest.sig'), canonicalJson(signBytes(Buffer.from(manifestText), options.signer.privateKey)));
  await writeFile(join(screenDir, 'schedule.sig'), canonicalJson(signBytes(Buffer.from(scheduleText), options.signer.privateKey)));
  return { bundleId, outDir: options.toDir };
}

/** Incompressible bytes, different for each seed (xorshift32: fast and deterministic). */
export function noiseBlob(bytes: number, seed: number): Buffer {
  const out = Buffer.alloc(Math.ceil(bytes / 4) * 4);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < out.length; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.writeUInt32LE(x, i);
  }
  return out.subarray(0, bytes);
}
