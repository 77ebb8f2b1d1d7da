import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compile } from '../../compiler/compile.ts';
import type { BundleManifest } from '../../compiler/format/bundle-manifest.ts';
import type { Schedule } from '../../compiler/format/schedule.ts';
import { generateStationKeyPair, loadPrivateKey } from '../../compiler/trust/station-key.ts';
import { SAMPLE_SCREENS } from '../renderer/sample-bundle.ts';
import { PROJECT_ROOT, SHARED_SAMPLES, scratchDir } from '../support/paths.ts';
import { takeoverNotice } from './scenes.ts';

// The takeover at every risk level (QĐ 18/2021: cấp 1–5), on every sample screen: five
// emergency notices written for these goldens (test/visual/takeover-notices/), one per level,
// each valid for its own hour of the same morning, compiled by the real compiler for the
// shared sample site. One bundle per screen then shows level N during hour N.

export const TAKEOVER_NOTICES = join(PROJECT_ROOT, 'test', 'visual', 'takeover-notices');

/** Before the first notice's hour: none of them has ended. */
const COMPILE_AT = takeoverNotice(1).fromMs - 3_600_000;

export interface TakeoverBundle {
  readonly outDir: string;
  readonly manifests: ReadonlyMap<string, BundleManifest>;
  readonly schedules: ReadonlyMap<string, Schedule>;
  cleanup(): Promise<void>;
}

export async function compileTakeoverBundle(): Promise<TakeoverBundle> {
  const scratch = await scratchDir('takeover');
  const outDir = join(scratch.path, 'out');
  const keys = generateStationKeyPair();
  await compile({
    noticesDir: TAKEOVER_NOTICES,
    siteFile: join(SHARED_SAMPLES, 'site.yaml'),
    outDir,
    privateKey: loadPrivateKey(keys.privateKeyPem),
    atMs: COMPILE_AT,
    cacheDir: join(scratch.path, 'cache'),
  });
  const manifests = new Map<string, BundleManifest>();
  const schedules = new Map<string, Schedule>();
  for (const screen of SAMPLE_SCREENS) {
    manifests.set(screen, JSON.parse(await readFile(join(outDir, 'screens', screen, 'manifest.json'), 'utf8')));
    schedules.set(screen, JSON.parse(await readFile(join(outDir, 'screens', screen, 'schedule.json'), 'utf8')));
  }
  return { outDir, manifests, schedules, cleanup: scratch.cleanup };
}
