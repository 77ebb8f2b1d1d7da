import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BLOB_CHUNK_BYTES } from '../../compiler/format/wire-messages.ts';
import { ActivationError, BundleStore, ChunkRejectedError } from '../../player/core/bundle-store.ts';
import { verifyOffer, type VerifiedOffer } from '../../player/core/offer-verification.ts';
import { openPlayerDatabase, type PlayerDatabase } from '../../player/core/player-database.ts';
import { scratchDir } from '../support/paths.ts';
import { compileSamples, makeStation, noiseBlob, SCREEN, variantBundle, COMPILE_AT_MS } from './support/bundles.ts';
import { loadOffer, type FakeOffer } from './support/fake-hub.ts';

// Activation is all-or-nothing, the previous bundle is kept for rollback, and blob download
// progress lives in SQLite so that it resumes after a restart from the exact offset.

const station = makeStation();
let root: string;
let cleanup: () => Promise<void>;
let offerA: FakeOffer;
let offerB: FakeOffer;
let offerC: FakeOffer;
let n = 0;

function verified(offer: FakeOffer): VerifiedOffer {
  return verifyOffer({ offer, screenId: SCREEN, stationPublicKey: station.publicKey, activeIssuedAtMs: undefined });
}

function freshDb(): { db: PlayerDatabase; store: BundleStore; path: string } {
  n += 1;
  const path = join(root, `store-${n}.sqlite`);
  const db = openPlayerDatabase({ path });
  return { db, store: new BundleStore(db), path };
}

/** Stores every blob of an offer as if downloaded in one chunk each. */
function download(store: BundleStore, offer: FakeOffer, options: { except?: string } = {}): void {
  for (const [hash, bytes] of offer.blobs) {
    if (hash === options.except || store.hasBlob(hash)) continue;
    store.beginDownload(hash, bytes.length, 1);
    store.appendChunk({ hash, position: 0, total: bytes.length, data: bytes, nowMs: 1 });
    assert.deepEqual(store.finishDownload(hash, { nowMs: 1, retryAfterMs: 0 }), { ok: true });
  }
}

before(async () => {
  ({ path: root, cleanup } = await scratchDir('player-store'));
  const base = await compileSamples({ station, outDir: join(root, 'out-a'), cacheDir: join(root, 'cache') });
  offerA = await loadOffer(base, SCREEN);
  const b = await variantBundle({ fromDir: base, toDir: join(root, 'out-b'), signer: station, issuedAtMs: COMPILE_AT_MS + 3_600_000, extraBlobs: [noiseBlob(3 * BLOB_CHUNK_BYTES + 1000, 1)] });
  offerB = await loadOffer(b.outDir, SCREEN);
  const c = await variantBundle({ fromDir: base, toDir: join(root, 'out-c'), signer: station, issuedAtMs: COMPILE_AT_MS + 7_200_000, extraBlobs: [noiseBlob(5000, 2)] });
  offerC = await loadOffer(c.outDir, SCREEN);
});
after(() => cleanup());

test('a bundle with a blob missing does not become active; with all blobs present it does', () => {
  const { db, store } = freshDb();
  try {
    const a = verified(offerA);
    assert.equal(store.storeOffer(a, 1), 'pending');
    const [firstHash] = [...offerA.blobs.keys()];
    download(store, offerA, { except: firstHash });
    assert.throws(
      () => store.activate(a.id, 2),
      (error: unknown) => error instanceof ActivationError && error.code === 'BUNDLE_INCOMPLETE' && error.hashes[0] === firstHash,
    );
    assert.equal(store.active(), undefined, 'nothing active after a refused activation');
    assert.equal(store.bundle(a.id)?.state, 'pending');
    download(store, offerA);
    assert.deepEqual(store.activate(a.id, 3), { activeId: a.id, previousId: null });
    assert.equal(store.active()?.id, a.id);
    assert.deepEqual(store.missingBlobs(a.id), []);
  } finally {
    db.close();
  }
});

test('activating a second bundle keeps the first as previous; a third retires the first; pruning keeps exactly their blobs', () => {
  const { db, store } = freshDb();
  try {
    for (const offer of [offerA, offerB]) {
      store.storeOffer(verified(offer), 1);
      download(store, offer);
      store.activate(offer.bundleId, 2);
    }
    assert.equal(store.active()?.id, offerB.bundleId);
    assert.equal(store.previous()?.id, offerA.bundleId);
    // Rollback swaps them, and swapping back restores the order.
    assert.deepEqual(store.rollback(3), { activeId: offerA.bundleId, previousId: offerB.bundleId });
    assert.deepEqual(store.rollback(4), { activeId: offerB.bundleId, previousId: offerA.bundleId });

    store.storeOffer(verified(offerC), 5);
    download(store, offerC);
    assert.deepEqual(store.activate(offerC.bundleId, 6), { activeId: offerC.bundleId, previousId: offerB.bundleId });
    assert.equal(store.bundle(offerA.bundleId)?.state, 'retired');
    const onlyInB = [...offerB.blobs.keys()].filter((hash) => !offerC.blobs.has(hash));
    const onlyInA = [...offerA.blobs.keys()].filter((hash) => !offerB.blobs.has(hash) && !offerC.blobs.has(hash));
    assert.equal(onlyInA.length, 0, 'A shares all its blobs with B and C (same compile)');
    const pruned = store.prune();
    assert.equal(pruned.bundles, 1);
    for (const hash of [...offerB.blobs.keys(), ...offerC.blobs.keys()]) assert.ok(store.hasBlob(hash), `kept ${hash}`);
    for (const hash of onlyInB) assert.ok(store.servableBlob(hash), 'previous bundle blobs stay servable');
    // Once B is no longer previous, its own blob goes.
    store.storeOffer(verified(offerA), 7);
    download(store, offerA);
    store.activate(offerA.bundleId, 8);
    store.prune();
    for (const hash of onlyInB) assert.equal(store.hasBlob(hash), false, 'blob of a retired bundle pruned');
  } finally {
    db.close();
  }
});

test('a stored blob that rotted is caught at activation, removed, and the bundle stays inactive', () => {
  const { db, store } = freshDb();
  try {
    store.storeOffer(verified(offerA), 1);
    download(store, offerA);
    const [hash] = [...offerA.blobs.keys()];
    db.prepare('UPDATE blobs SET bytes = ? WHERE hash = ?').run(Buffer.from('bit rot'), hash);
    assert.throws(() => store.activate(offerA.bundleId, 2), (error: unknown) => error instanceof ActivationError && error.code === 'BUNDLE_BLOB_CORRUPT');
    assert.equal(store.active(), undefined);
    assert.equal(store.hasBlob(hash!), false, 'removed so that it is fetched again');
  } finally {
    db.close();
  }
});

test('a partial blob download survives closing the database and resumes at its offset', () => {
  const { db, store, path } = freshDb();
  const b = verified(offerB);
  const [bigHash, bigBytes] = [...offerB.blobs].find(([, bytes]) => bytes.length > BLOB_CHUNK_BYTES)!;
  store.storeOffer(b, 1);
  assert.equal(store.beginDownload(bigHash, bigBytes.length, 1), 0);
  store.appendChunk({ hash: bigHash, position: 0, total: bigBytes.length, data: bigBytes.subarray(0, BLOB_CHUNK_BYTES), nowMs: 2 });
  store.appendChunk({ hash: bigHash, position: BLOB_CHUNK_BYTES, total: bigBytes.length, data: bigBytes.subarray(BLOB_CHUNK_BYTES, 2 * BLOB_CHUNK_BYTES), nowMs: 3 });
  db.close();

  const reopened = openPlayerDatabase({ path });
  try {
    const again = new BundleStore(reopened);
    const missing = again.missingBlobs(b.id).find((blob) => blob.hash === bigHash);
    assert.equal(missing?.received, 2 * BLOB_CHUNK_BYTES, 'the resume offset is the bytes already held');
    assert.equal(again.beginDownload(bigHash, bigBytes.length, 4), 2 * BLOB_CHUNK_BYTES);
    // Out-of-order and repeated chunks are refused by name, never stored.
    assert.throws(
      () => again.appendChunk({ hash: bigHash, position: 0, total: bigBytes.length, data: bigBytes.subarray(0, 10), nowMs: 5 }),
      (error: unknown) => error instanceof ChunkRejectedError && error.reason === 'duplicate',
    );
    assert.throws(
      () => again.appendChunk({ hash: bigHash, position: 3 * BLOB_CHUNK_BYTES, total: bigBytes.length, data: bigBytes.subarray(0, 10), nowMs: 5 }),
      (error: unknown) => error instanceof ChunkRejectedError && error.reason === 'gap',
    );
    assert.throws(
      () => again.appendChunk({ hash: bigHash, position: 2 * BLOB_CHUNK_BYTES, total: bigBytes.length + 1, data: bigBytes.subarray(0, 10), nowMs: 5 }),
      (error: unknown) => error instanceof ChunkRejectedError && error.reason === 'size-mismatch',
    );
    again.appendChunk({ hash: bigHash, position: 2 * BLOB_CHUNK_BYTES, total: bigBytes.length, data: bigBytes.subarray(2 * BLOB_CHUNK_BYTES), nowMs: 6 });
    assert.deepEqual(again.finishDownload(bigHash, { nowMs: 7, retryAfterMs: 0 }), { ok: true });
    assert.deepEqual(again.blobBytes(bigHash), bigBytes);
    assert.equal(again.counts().chunks, 0, 'chunks are dropped once the blob is assembled');
  } finally {
    reopened.close();
  }
});

test('a blob whose bytes do not match its name is discarded, the failure counted, and it is retried even though the manifest is unchanged', () => {
  const { db, store } = freshDb();
  try {
    const c = verified(offerC);
    store.storeOffer(c, 1);
    const [hash, bytes] = [...offerC.blobs].find(([h]) => !offerA.blobs.has(h))!;
    store.beginDownload(hash, bytes.length, 1);
    const altered = Buffer.from(bytes);
    altered[10] = altered[10]! ^ 0xff;
    store.appendChunk({ hash, position: 0, total: bytes.length, data: altered, nowMs: 2 });
    const result = store.finishDownload(hash, { nowMs: 3, retryAfterMs: 1_000 });
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.reason : '', /^BUNDLE_BLOB_TAMPERED/);
    const missing = store.missingBlobs(c.id).find((blob) => blob.hash === hash)!;
    assert.deepEqual({ received: missing.received, failures: missing.failures, retryAfterMs: missing.retryAfterMs }, { received: 0, failures: 1, retryAfterMs: 1_000 });
    assert.match(missing.lastError ?? '', /BUNDLE_BLOB_TAMPERED/);
    // The same offer again (manifest unchanged): the blob is still listed as missing and is fetched from 0.
    assert.equal(store.storeOffer(c, 4), 'pending');
    assert.equal(store.beginDownload(hash, bytes.length, 5), 0);
  } finally {
    db.close();
  }
});

test('a newer offer supersedes a pending one; its partial downloads are pruned only if unlisted', () => {
  const { db, store } = freshDb();
  try {
    store.storeOffer(verified(offerB), 1);
    const [bigHash, bigBytes] = [...offerB.blobs].find(([, bytes]) => bytes.length > BLOB_CHUNK_BYTES)!;
    store.beginDownload(bigHash, bigBytes.length, 1);
    store.appendChunk({ hash: bigHash, position: 0, total: bigBytes.length, data: bigBytes.subarray(0, 100), nowMs: 2 });
    store.storeOffer(verified(offerC), 3);
    assert.equal(store.bundle(offerB.bundleId)?.state, 'retired');
    assert.equal(store.pending()?.id, offerC.bundleId);
    const pruned = store.prune();
    assert.deepEqual(pruned, { bundles: 1, blobs: 0, downloads: 1 });
    assert.equal(store.counts().chunks, 0);
  } finally {
    db.close();
  }
});
