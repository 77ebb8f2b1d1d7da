import { brotliDecompressSync } from 'node:zlib';
import type { z } from 'zod';
import { applyByteDelta, ByteDeltaError } from '../../compiler/format/byte-delta.ts';
import { MAX_OFFER_DOCUMENT_BYTES, type offerMessage } from '../../compiler/format/wire-messages.ts';
import { BundleRefusedError, type OfferedBundle } from './offer-verification.ts';

// An offer carries its manifest and schedule compressed, usually as a delta from a bundle the
// player holds (wire-messages.ts offerMessage). This rebuilds the bytes; whether they are the
// ones the station signed is offer-verification.ts's question, asked right after. Sizes are
// bounded before anything is allocated, so a hostile hub cannot exhaust memory with a
// decompression bomb or a delta that claims gigabytes.

export type OfferMessage = z.infer<typeof offerMessage>;

/** The manifest and schedule bytes of a bundle the player holds. */
export interface HeldDocuments {
  readonly manifest: Uint8Array;
  readonly schedule: Uint8Array;
}

function inflate(what: string, data: string, offer: OfferMessage): Buffer {
  try {
    return brotliDecompressSync(Buffer.from(data, 'base64'), { maxOutputLength: MAX_OFFER_DOCUMENT_BYTES });
  } catch (error) {
    throw new BundleRefusedError('BUNDLE_OFFER_MALFORMED', offer.bundleId, `the offer's ${what} does not decompress: ${(error as Error).message}`);
  }
}

function patch(what: string, base: Uint8Array, delta: Uint8Array, offer: OfferMessage): Buffer {
  try {
    const bytes = applyByteDelta(base, delta, MAX_OFFER_DOCUMENT_BYTES);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } catch (error) {
    if (!(error instanceof ByteDeltaError)) throw error;
    throw new BundleRefusedError('BUNDLE_OFFER_MALFORMED', offer.bundleId, `the offer's ${what} delta from ${offer.deltaFrom} is malformed: ${error.message}`);
  }
}

/**
 * The offer's documents as bytes, or null when it is a delta from a bundle this player does
 * not hold (it then asks for the offer whole). Throws BundleRefusedError when they cannot be
 * rebuilt.
 */
export function decodeOffer(offer: OfferMessage, held: (bundleId: string) => HeldDocuments | undefined): OfferedBundle | null {
  let manifest = inflate('manifest', offer.manifest, offer);
  let schedule = inflate('schedule', offer.schedule, offer);
  if (offer.deltaFrom !== undefined) {
    const base = held(offer.deltaFrom);
    if (!base) return null;
    manifest = patch('manifest', base.manifest, manifest, offer);
    schedule = patch('schedule', base.schedule, schedule, offer);
  }
  return {
    screenId: offer.screenId,
    bundleId: offer.bundleId,
    manifest,
    manifestSig: Buffer.from(offer.manifestSig, 'base64'),
    schedule,
    scheduleSig: Buffer.from(offer.scheduleSig, 'base64'),
  };
}
