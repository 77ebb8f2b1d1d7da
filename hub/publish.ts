import type { KeyObject } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { idSchema } from '../compiler/format/notice-schema.ts';
import { BundleVerificationError, verifyBlob, verifyManifest, verifySchedule, type VerifyFailureCode } from '../compiler/trust/verify-bundle.ts';
import { StatementRefusedError, verifyStatement } from '../compiler/trust/emergency-signing.ts';
import { ALERT_DATABASE_FILE, AlertDatabase } from './alert-database.ts';
import { BlobStore, type BlobStaging } from './blob-store.ts';
import { storeNoticeStatements, type VerifiedStatementFile } from './emergency-issue.ts';
import type { HubDatabase, NewBundle } from './hub-database.ts';

// Publishing takes a compiler output directory (screens/<id>/{manifest,schedule}.{json,sig},
// blobs/<sha256>) into the hub. Everything is checked before anything is stored: the station's
// signature on manifest and schedule, their schemas, every blob's hash, and that no screen
// would go back to an older compile. One bad screen refuses the whole publish, so players
// never get half of a compile. The bytes checked are the bytes stored: each file is read once.

export type PublishFailureCode = 'PUBLISH_NOTHING_FOUND' | 'PUBLISH_REPLAY' | 'PUBLISH_SCREEN_MISMATCH' | VerifyFailureCode;

export class PublishError extends Error {
  override readonly name = 'PublishError';
  readonly code: PublishFailureCode;
  /** The screen whose bundle was refused, when one was. */
  readonly screenId: string | undefined;

  constructor(details: { code: PublishFailureCode; message: string; screenId?: string }) {
    super(`${details.code}: ${details.message}`);
    this.code = details.code;
    this.screenId = details.screenId;
  }
}

export interface PublishOptions {
  readonly db: HubDatabase;
  readonly dataDir: string;
  /** A compiler output directory (signage compile --out). */
  readonly bundlesDir: string;
  /** The pinned station key: the hub refuses what players would refuse. */
  readonly stationPublicKey: KeyObject;
  readonly clock?: () => number;
  /** The alert record to store emergency notices in; DATA/alerts.sqlite is opened when absent. */
  readonly alerts?: AlertDatabase;
}

export interface PublishResult {
  /** Screens whose current bundle changed: their players get an offer. */
  readonly changedScreens: string[];
  /** Screens whose bundle was already current (an identical compile is not a change). */
  readonly unchangedScreens: string[];
}

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Screen directories of a compiler output; the compiler's own `.new-`/`.old-` siblings are skipped. */
async function screenIds(bundlesDir: string): Promise<string[]> {
  const screensDir = join(bundlesDir, 'screens');
  let entries: Dirent[];
  try {
    entries = await readdir(screensDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
    entries = [];
  }
  const ids = entries.filter((entry) => entry.isDirectory() && idSchema.safeParse(entry.name).success).map((entry) => entry.name);
  if (ids.length === 0) {
    throw new PublishError({ code: 'PUBLISH_NOTHING_FOUND', message: `no screen bundles in ${screensDir}: --bundles must be the output directory of "signage compile --out DIR"` });
  }
  return ids.sort();
}

export async function publishBundles(options: PublishOptions): Promise<PublishResult> {
  const clock = options.clock ?? Date.now;
  const store = new BlobStore(options.dataDir);
  const ids = await screenIds(options.bundlesDir);
  const staging = await store.beginStaging();
  try {
    const accepted: NewBundle[] = [];
    const expectedCurrent = new Map<string, string | null>();
    const unchangedScreens: string[] = [];
    const emergencies: VerifiedStatementFile[] = [];
    for (const screenId of ids) {
      const candidate = await verifyScreen({ ...options, screenId, store, staging, publishedMs: clock() });
      emergencies.push(...(await verifyEmergencyFiles({ bundlesDir: options.bundlesDir, screenId, stationPublicKey: options.stationPublicKey })));
      const current = options.db.currentBundle(screenId);
      expectedCurrent.set(screenId, current?.bundleId ?? null);
      if (current?.bundleId === candidate.bundleId) {
        unchangedScreens.push(screenId);
        continue;
      }
      // Equal instants count as a replay too: the manifest's contract is that a later bundle
      // carries a later instant, and players hold the hub to it.
      if (current && candidate.issuedAtMs <= current.issuedAtMs) {
        throw new PublishError({
          code: 'PUBLISH_REPLAY',
          message:
            `screen ${screenId}: the bundle in ${options.bundlesDir} was compiled for ${candidate.issuedAt}, not later than the published one (${current.issuedAt}). ` +
            'An older compile is never sent back to players; compile again (signage compile --at a later instant) to publish.',
          screenId,
        });
      }
      accepted.push(candidate);
    }
    if (accepted.length > 0) {
      await staging.commit();
      options.db.insertBundles(accepted, expectedCurrent);
    } else {
      await staging.discard();
    }
    // Emergency notices also go out on the emergency path: stored after the bundles, so a
    // refused publish stores none. The site is the one every bundle of the compile names.
    const site = emergencies[0]?.statement.site ?? (accepted[0] ? (JSON.parse(accepted[0].manifest.toString('utf8')) as { site: { id: string } }).site.id : undefined);
    if (site !== undefined) {
      const alerts = options.alerts ?? AlertDatabase.open(join(options.dataDir, ALERT_DATABASE_FILE));
      try {
        storeNoticeStatements({ db: alerts, site, statements: emergencies, nowMs: clock(), source: options.bundlesDir });
      } finally {
        if (!options.alerts) alerts.close();
      }
    }
    return { changedScreens: accepted.map((bundle) => bundle.screenId), unchangedScreens };
  } catch (error) {
    await staging.discard();
    throw error;
  }
}

/** screens/<id>/emergency-<notice>.{json,sig}: the compile's signed emergency notices for the screen. */
async function verifyEmergencyFiles(options: { bundlesDir: string; screenId: string; stationPublicKey: KeyObject }): Promise<VerifiedStatementFile[]> {
  const screenDir = join(options.bundlesDir, 'screens', options.screenId);
  const names = (await readdir(screenDir)).filter((name) => /^emergency-.+\.json$/.test(name)).sort();
  const verified: VerifiedStatementFile[] = [];
  for (const name of names) {
    const bytes = await readFile(join(screenDir, name));
    const signature = await readOptional(join(screenDir, name.replace(/\.json$/, '.sig')));
    try {
      if (!signature) throw new StatementRefusedError('EMERGENCY_SIGNATURE_INVALID', 'no signature file beside it');
      verified.push({ ...verifyStatement({ bytes, signature, publicKey: options.stationPublicKey, screenId: options.screenId }), bytes, signature });
    } catch (error) {
      if (!(error instanceof StatementRefusedError)) throw error;
      throw new PublishError({ code: 'BUNDLE_SIGNATURE_INVALID', message: `screen ${options.screenId}: ${join(screenDir, name)}: ${error.message}; nothing was published`, screenId: options.screenId });
    }
  }
  return verified;
}

async function verifyScreen(options: {
  bundlesDir: string;
  screenId: string;
  stationPublicKey: KeyObject;
  store: BlobStore;
  staging: BlobStaging;
  publishedMs: number;
}): Promise<NewBundle> {
  const { screenId } = options;
  const screenDir = join(options.bundlesDir, 'screens', screenId);
  try {
    const manifest = await readOptional(join(screenDir, 'manifest.json'));
    const manifestSig = await readOptional(join(screenDir, 'manifest.sig'));
    const schedule = await readOptional(join(screenDir, 'schedule.json'));
    const scheduleSig = await readOptional(join(screenDir, 'schedule.sig'));
    if (!manifest) throw new BundleVerificationError('BUNDLE_MANIFEST_INVALID', `no manifest at ${join(screenDir, 'manifest.json')}`);
    const verified = verifyManifest({ manifestBytes: manifest, signatureBytes: manifestSig, publicKey: options.stationPublicKey });
    if (!schedule) throw new BundleVerificationError('SCHEDULE_INVALID', `no schedule at ${join(screenDir, 'schedule.json')}`);
    const parsedSchedule = verifySchedule({ scheduleBytes: schedule, signatureBytes: scheduleSig, publicKey: options.stationPublicKey, bundleId: verified.bundleId });
    if (verified.manifest.screen.id !== screenId || parsedSchedule.screen !== screenId) {
      throw new PublishError({
        code: 'PUBLISH_SCREEN_MISMATCH',
        message: `${screenDir} holds a bundle for screen "${verified.manifest.screen.id}" (schedule: "${parsedSchedule.screen}"); a moved or renamed directory would show one screen's content on another`,
        screenId,
      });
    }
    for (const blob of verified.manifest.blobs) {
      // Every blob is read and hashed, even one the hub already holds: a tampered output
      // directory is refused as a whole, so the operator hears about it.
      const bytes = await readOptional(join(options.bundlesDir, 'blobs', blob.hash));
      verifyBlob(blob.hash, bytes);
      if (bytes!.length !== blob.bytes) {
        throw new BundleVerificationError('BUNDLE_MANIFEST_INVALID', `blob ${blob.hash} has ${bytes!.length} bytes; the manifest says ${blob.bytes}`);
      }
      if ((await options.store.size(blob.hash)) !== blob.bytes) options.staging.add(blob.hash, bytes!);
    }
    return {
      screenId,
      bundleId: verified.bundleId,
      kind: verified.manifest.kind,
      issuedAt: verified.manifest.issuedAt,
      issuedAtMs: Date.parse(verified.manifest.issuedAt),
      manifest,
      manifestSig: manifestSig!,
      schedule,
      scheduleSig: scheduleSig!,
      publishedMs: options.publishedMs,
    };
  } catch (error) {
    if (error instanceof BundleVerificationError) {
      throw new PublishError({ code: error.code, message: `screen ${screenId} (${screenDir}): ${error.message.replace(`${error.code}: `, '')}; nothing was published`, screenId });
    }
    throw error;
  }
}
