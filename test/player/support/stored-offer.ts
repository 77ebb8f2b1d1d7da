import type { KeyObject } from 'node:crypto';
import type { BundleStore } from '../../../player/core/bundle-store.ts';
import { verifyOffer } from '../../../player/core/offer-verification.ts';
import { SCREEN } from './bundles.ts';
import type { FakeOffer } from './fake-hub.ts';

/** Puts a verified offer and every one of its blobs in `store`, as a finished download leaves them: ready to activate. */
export function storeCompleteOffer(store: BundleStore, offer: FakeOffer, stationPublicKey: KeyObject): void {
  store.storeOffer(verifyOffer({ offer, screenId: SCREEN, stationPublicKey, activeIssuedAtMs: undefined }), 0);
  for (const [hash, bytes] of offer.blobs) {
    if (store.hasBlob(hash)) continue;
    store.beginDownload(hash, bytes.length, 0);
    store.appendChunk({ hash, position: 0, total: bytes.length, data: bytes, nowMs: 0 });
    store.finishDownload(hash, { nowMs: 0, retryAfterMs: 0 });
  }
}
