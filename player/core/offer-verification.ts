import type { KeyObject } from 'node:crypto';
import type { BundleManifest } from '../../compiler/format/bundle-manifest.ts';
import type { Schedule } from '../../compiler/format/schedule.ts';
import { BundleVerificationError, verifyBlob, verifyManifest, verifySchedule, type VerifyFailureCode } from '../../compiler/trust/verify-bundle.ts';
import type { AcceptedBundle, StoredBundle } from './bundle-store.ts';

// The gate every bundle passes before the player stores a byte of it: the pinned station key
// signed both manifest and schedule, this player knows their schema versions, the offer is
// for this screen, its id is its manifest's hash, and it is not older than what is on screen
// (an attacker who can replay old signed bundles must not be able to roll content back).

export type OfferRefusalCode = VerifyFailureCode | 'BUNDLE_ID_MISMATCH' | 'BUNDLE_WRONG_SCREEN' | 'BUNDLE_OLDER_THAN_ACTIVE' | 'BUNDLE_OFFER_MALFORMED';

export class BundleRefusedError extends Error {
  override readonly name = 'BundleRefusedError';
  constructor(
    readonly code: OfferRefusalCode,
    readonly bundleId: string,
    detail: string,
  ) {
    super(`${code}: ${detail}`);
  }
}

/** An offer with its documents rebuilt (offer-documents.ts): the bytes the station signed, if the hub is honest. */
export interface OfferedBundle {
  /** The screen the hub says the bundle is for. */
  readonly screenId: string;
  readonly bundleId: string;
  readonly manifest: Buffer;
  readonly manifestSig: Buffer;
  readonly schedule: Buffer;
  readonly scheduleSig: Buffer;
}

export interface VerifiedOffer extends AcceptedBundle {
  readonly manifest: BundleManifest;
  readonly schedule: Schedule;
}

function checkedParts(options: {
  bundleId: string;
  manifestBytes: Buffer;
  manifestSig: Buffer;
  scheduleBytes: Buffer;
  scheduleSig: Buffer;
  screenId: string;
  publicKey: KeyObject;
}): { manifest: BundleManifest; schedule: Schedule } {
  try {
    const verified = verifyManifest({ manifestBytes: options.manifestBytes, signatureBytes: options.manifestSig, publicKey: options.publicKey });
    if (verified.bundleId !== options.bundleId) {
      throw new BundleRefusedError('BUNDLE_ID_MISMATCH', options.bundleId, `the offer names bundle ${options.bundleId}, but its manifest hashes to ${verified.bundleId}`);
    }
    if (verified.manifest.screen.id !== options.screenId) {
      throw new BundleRefusedError('BUNDLE_WRONG_SCREEN', options.bundleId, `the manifest is for screen ${verified.manifest.screen.id}, this player shows ${options.screenId}`);
    }
    const schedule = verifySchedule({ scheduleBytes: options.scheduleBytes, signatureBytes: options.scheduleSig, publicKey: options.publicKey, bundleId: options.bundleId });
    if (schedule.screen !== options.screenId) {
      throw new BundleRefusedError('BUNDLE_WRONG_SCREEN', options.bundleId, `the schedule is for screen ${schedule.screen}, this player shows ${options.screenId}`);
    }
    return { manifest: verified.manifest, schedule };
  } catch (error) {
    if (error instanceof BundleVerificationError) throw new BundleRefusedError(error.code, options.bundleId, error.message.replace(`${error.code}: `, ''));
    throw error;
  }
}

/** Verifies an offer from the hub; throws BundleRefusedError naming the reason. */
export function verifyOffer(options: {
  offer: OfferedBundle;
  screenId: string;
  stationPublicKey: KeyObject;
  /** issuedAt of the bundle on screen, if any: anything older is refused. */
  activeIssuedAtMs: number | undefined;
}): VerifiedOffer {
  const { offer } = options;
  if (offer.screenId !== options.screenId) {
    throw new BundleRefusedError('BUNDLE_WRONG_SCREEN', offer.bundleId, `the hub offered a bundle for screen ${offer.screenId}, this player shows ${options.screenId}`);
  }
  const parts = {
    bundleId: offer.bundleId,
    manifestBytes: offer.manifest,
    manifestSig: offer.manifestSig,
    scheduleBytes: offer.schedule,
    scheduleSig: offer.scheduleSig,
  };
  const { manifest, schedule } = checkedParts({ ...parts, screenId: options.screenId, publicKey: options.stationPublicKey });
  const issuedAtMs = Date.parse(manifest.issuedAt);
  if (options.activeIssuedAtMs !== undefined && issuedAtMs < options.activeIssuedAtMs) {
    throw new BundleRefusedError(
      'BUNDLE_OLDER_THAN_ACTIVE',
      offer.bundleId,
      `the offered bundle was issued at ${manifest.issuedAt}, before the one on screen (${new Date(options.activeIssuedAtMs).toISOString()}): old content is not replayed`,
    );
  }
  return { id: offer.bundleId, screen: options.screenId, ...parts, issuedAtMs, blobs: manifest.blobs, manifest, schedule };
}

/**
 * Re-verifies a stored bundle completely (signatures, schemas, every blob's hash). Run on
 * start-up: what is on screen after a power cut must be exactly what the station signed,
 * even if the storage rotted while the power was off.
 */
export function verifyStoredBundle(options: {
  bundle: StoredBundle;
  screenId: string;
  stationPublicKey: KeyObject;
  blobBytes: (hash: string) => Uint8Array | undefined;
}): { manifest: BundleManifest; schedule: Schedule } {
  const { bundle } = options;
  const parts = checkedParts({
    bundleId: bundle.id,
    manifestBytes: bundle.manifestBytes,
    manifestSig: bundle.manifestSig,
    scheduleBytes: bundle.scheduleBytes,
    scheduleSig: bundle.scheduleSig,
    screenId: options.screenId,
    publicKey: options.stationPublicKey,
  });
  for (const blob of parts.manifest.blobs) {
    try {
      verifyBlob(blob.hash, options.blobBytes(blob.hash));
    } catch (error) {
      if (error instanceof BundleVerificationError) throw new BundleRefusedError(error.code, bundle.id, error.message.replace(`${error.code}: `, ''));
      throw error;
    }
  }
  return parts;
}
