import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { BUNDLE_SCHEMA_VERSION, bundleManifestSchema, type BundleManifest } from '../format/bundle-manifest.ts';
import { SCHEDULE_SCHEMA_VERSION, scheduleSchema, type Schedule } from '../format/schedule.ts';
import { sha256Hex, verifyBytes, type DetachedSignature } from './station-key.ts';

// Verification shared by the player and the hub: a bundle is accepted only when its manifest
// carries the pinned station key's signature, parses under a schema version this code knows,
// and every blob it lists is present with the bytes its name promises.

export type VerifyFailureCode =
  | 'BUNDLE_SIGNATURE_MISSING'
  | 'BUNDLE_SIGNATURE_INVALID'
  | 'BUNDLE_MANIFEST_INVALID'
  | 'BUNDLE_SCHEMA_TOO_NEW'
  | 'BUNDLE_BLOB_MISSING'
  | 'BUNDLE_BLOB_TAMPERED'
  | 'SCHEDULE_SIGNATURE_INVALID'
  | 'SCHEDULE_INVALID'
  | 'SCHEDULE_BUNDLE_MISMATCH';

export class BundleVerificationError extends Error {
  override readonly name = 'BundleVerificationError';
  constructor(
    readonly code: VerifyFailureCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

const signatureSchema = z.strictObject({ alg: z.literal('ed25519'), keyId: z.string(), signature: z.string() });

export function parseSignature(bytes: Uint8Array | undefined, what: string): DetachedSignature {
  if (!bytes) throw new BundleVerificationError('BUNDLE_SIGNATURE_MISSING', `${what} has no signature file: unsigned content is never shown`);
  try {
    return signatureSchema.parse(JSON.parse(Buffer.from(bytes).toString('utf8')));
  } catch {
    throw new BundleVerificationError('BUNDLE_SIGNATURE_INVALID', `${what}'s signature file is not a valid signature record`);
  }
}

export interface VerifiedManifest {
  readonly bundleId: string;
  readonly manifest: BundleManifest;
}

/** Checks signature and schema of a manifest; blobs are checked separately (they may arrive later). */
export function verifyManifest(options: {
  manifestBytes: Uint8Array;
  signatureBytes: Uint8Array | undefined;
  publicKey: KeyObject;
}): VerifiedManifest {
  const signature = parseSignature(options.signatureBytes, 'the manifest');
  if (!verifyBytes(options.manifestBytes, signature, options.publicKey)) {
    throw new BundleVerificationError(
      'BUNDLE_SIGNATURE_INVALID',
      `the manifest's signature does not match the station key (signed by key ${signature.keyId}, or altered after signing)`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(options.manifestBytes).toString('utf8'));
  } catch {
    throw new BundleVerificationError('BUNDLE_MANIFEST_INVALID', 'the manifest is not JSON');
  }
  const version = (raw as { schemaVersion?: unknown })?.schemaVersion;
  if (typeof version === 'number' && version > BUNDLE_SCHEMA_VERSION) {
    throw new BundleVerificationError(
      'BUNDLE_SCHEMA_TOO_NEW',
      `the manifest has schema version ${version}; this software reads up to ${BUNDLE_SCHEMA_VERSION}. Update the player.`,
    );
  }
  const parsed = bundleManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BundleVerificationError('BUNDLE_MANIFEST_INVALID', `manifest field ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return { bundleId: sha256Hex(options.manifestBytes), manifest: parsed.data };
}

/** Checks that a blob's bytes are what its name (sha256) promises. */
export function verifyBlob(hash: string, bytes: Uint8Array | undefined): void {
  if (!bytes) throw new BundleVerificationError('BUNDLE_BLOB_MISSING', `blob ${hash} is missing`);
  const actual = sha256Hex(bytes);
  if (actual !== hash) throw new BundleVerificationError('BUNDLE_BLOB_TAMPERED', `blob ${hash} has content with sha256 ${actual}`);
}

export function verifySchedule(options: {
  scheduleBytes: Uint8Array;
  signatureBytes: Uint8Array | undefined;
  publicKey: KeyObject;
  bundleId: string;
}): Schedule {
  const signature = parseSignature(options.signatureBytes, 'the schedule');
  if (!verifyBytes(options.scheduleBytes, signature, options.publicKey)) {
    throw new BundleVerificationError('SCHEDULE_SIGNATURE_INVALID', 'the schedule\'s signature does not match the station key');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(options.scheduleBytes).toString('utf8'));
  } catch {
    throw new BundleVerificationError('SCHEDULE_INVALID', 'the schedule is not JSON');
  }
  const version = (raw as { schemaVersion?: unknown })?.schemaVersion;
  if (typeof version === 'number' && version > SCHEDULE_SCHEMA_VERSION) {
    throw new BundleVerificationError('BUNDLE_SCHEMA_TOO_NEW', `the schedule has schema version ${version}; this software reads up to ${SCHEDULE_SCHEMA_VERSION}`);
  }
  const parsed = scheduleSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BundleVerificationError('SCHEDULE_INVALID', `schedule field ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  if (parsed.data.bundleId !== options.bundleId) {
    throw new BundleVerificationError('SCHEDULE_BUNDLE_MISMATCH', `the schedule points at bundle ${parsed.data.bundleId}, not ${options.bundleId}`);
  }
  return parsed.data;
}

export interface VerifiedBundle extends VerifiedManifest {
  readonly schedule: Schedule;
}

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Verifies one screen's bundle in a compiler output directory:
 * `<outDir>/screens/<screen>/{manifest.json,manifest.sig,schedule.json,schedule.sig}` and
 * `<outDir>/blobs/<sha256>`. Throws BundleVerificationError naming what failed.
 */
export async function verifyBundleDirectory(options: { outDir: string; screenId: string; publicKey: KeyObject }): Promise<VerifiedBundle> {
  const screenDir = join(options.outDir, 'screens', options.screenId);
  const manifestBytes = await readOptional(join(screenDir, 'manifest.json'));
  if (!manifestBytes) throw new BundleVerificationError('BUNDLE_MANIFEST_INVALID', `no manifest at ${join(screenDir, 'manifest.json')}`);
  const verified = verifyManifest({ manifestBytes, signatureBytes: await readOptional(join(screenDir, 'manifest.sig')), publicKey: options.publicKey });
  for (const blob of verified.manifest.blobs) {
    verifyBlob(blob.hash, await readOptional(join(options.outDir, 'blobs', blob.hash)));
  }
  const scheduleBytes = await readOptional(join(screenDir, 'schedule.json'));
  if (!scheduleBytes) throw new BundleVerificationError('SCHEDULE_INVALID', `no schedule at ${join(screenDir, 'schedule.json')}`);
  const schedule = verifySchedule({
    scheduleBytes,
    signatureBytes: await readOptional(join(screenDir, 'schedule.sig')),
    publicKey: options.publicKey,
    bundleId: verified.bundleId,
  });
  return { ...verified, schedule };
}
