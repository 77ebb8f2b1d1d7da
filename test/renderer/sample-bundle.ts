import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compile } from '../../compiler/compile.ts';
import type { BundleManifest } from '../../compiler/format/bundle-manifest.ts';
import type { Schedule } from '../../compiler/format/schedule.ts';
import { generateStationKeyPair, loadPrivateKey, loadPublicKey } from '../../compiler/trust/station-key.ts';
import { SHARED_SAMPLES, scratchDir } from '../support/paths.ts';

// The shared samples compiled into a scratch directory, as the renderer tests draw them: the
// real compiler, a fresh station key, and the compile instant the samples are written for.

export const SAMPLE_SCREENS = ['ubnd-sanh', 'ubnd-kiosk', 'cong-xa', 'cong-xa-p10'] as const;

/** Instants, Vietnam time, chosen for what the sample schedule shows then. */
export const AT = {
  /** Saturday, content playing on every screen. */
  content: Date.parse('2026-11-21T08:00:00+07:00'),
  /** Thursday after the storm: all six notices, including the Mon/Thu reception hours. */
  thursday: Date.parse('2026-11-26T08:00:00+07:00'),
  /** The flood warning's takeover. */
  emergency: Date.parse('2026-11-22T10:00:00+07:00'),
  /** After the hall screen's hours (22:00). */
  night: Date.parse('2026-11-21T23:00:00+07:00'),
} as const;

export interface SampleBundle {
  readonly outDir: string;
  readonly publicKey: KeyObject;
  readonly publicKeyPem: string;
  readonly manifests: ReadonlyMap<string, BundleManifest>;
  readonly schedules: ReadonlyMap<string, Schedule>;
  cleanup(): Promise<void>;
}

export async function compileSampleBundle(): Promise<SampleBundle> {
  const scratch = await scratchDir('renderer');
  const keys = generateStationKeyPair();
  const outDir = join(scratch.path, 'out');
  await compile({
    noticesDir: join(SHARED_SAMPLES, 'notices'),
    siteFile: join(SHARED_SAMPLES, 'site.yaml'),
    outDir,
    privateKey: loadPrivateKey(keys.privateKeyPem),
    atMs: AT.content,
    cacheDir: join(scratch.path, 'cache'),
  });
  const manifests = new Map<string, BundleManifest>();
  const schedules = new Map<string, Schedule>();
  for (const screen of SAMPLE_SCREENS) {
    manifests.set(screen, JSON.parse(await readFile(join(outDir, 'screens', screen, 'manifest.json'), 'utf8')));
    schedules.set(screen, JSON.parse(await readFile(join(outDir, 'screens', screen, 'schedule.json'), 'utf8')));
  }
  return { outDir, publicKey: loadPublicKey(keys.publicKeyPem), publicKeyPem: keys.publicKeyPem, manifests, schedules, cleanup: scratch.cleanup };
}
