import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { scheduleSchema } from '../../compiler/format/schedule.ts';
import { ActiveBundleView } from '../../player/core/active-bundle-view.ts';
import { BundleStore } from '../../player/core/bundle-store.ts';
import { verifyOffer } from '../../player/core/offer-verification.ts';
import { openPlayerDatabase } from '../../player/core/player-database.ts';
import { scratchDir } from '../support/paths.ts';
import { COMPILE_AT_MS, compileSamples, makeStation, noiseBlob, SCREEN, variantBundle } from './support/bundles.ts';
import { loadOffer, type FakeOffer } from './support/fake-hub.ts';
import { storeCompleteOffer } from './support/stored-offer.ts';

// The runtime reads the active bundle's schedule and emergency notices through one view that
// parses them once per bundle: it must follow the store whatever changed the active bundle
// (an activation, a rollback at start-up), and a bundle handed over as verified must read the
// same as one read back from the store.

const station = makeStation();
let root: string;
let cleanup: () => Promise<void>;
let offerA: FakeOffer;
let offerB: FakeOffer;

before(async () => {
  ({ path: root, cleanup } = await scratchDir('active-view'));
  const base = await compileSamples({ station, outDir: join(root, 'out-a'), cacheDir: join(root, 'cache') });
  offerA = await loadOffer(base, SCREEN);
  const b = await variantBundle({ fromDir: base, toDir: join(root, 'out-b'), signer: station, issuedAtMs: COMPILE_AT_MS + 3_600_000, extraBlobs: [noiseBlob(2000, 7)] });
  offerB = await loadOffer(b.outDir, SCREEN);
});
after(() => cleanup());

test('the view follows the active bundle through activations and a rollback, and a verified hand-over reads the same', () => {
  const db = openPlayerDatabase({ path: join(root, 'player.sqlite') });
  try {
    const store = new BundleStore(db);
    const view = new ActiveBundleView(store);
    assert.equal(view.playable(), undefined, 'nothing on screen yet');
    assert.equal(view.contentNotices(), undefined);

    storeCompleteOffer(store, offerA, station.publicKey);
    store.activate(offerA.bundleId, 1);
    const a = view.playable();
    assert.equal(a?.bundleId, offerA.bundleId);
    assert.deepEqual(a?.schedule, scheduleSchema.parse(JSON.parse(store.bundle(offerA.bundleId)!.scheduleBytes.toString('utf8'))));
    assert.equal(view.contentNotices()?.issuedAtMs, store.bundle(offerA.bundleId)!.issuedAtMs);

    // Activated behind the view's back: it notices by the active id alone.
    storeCompleteOffer(store, offerB, station.publicKey);
    store.activate(offerB.bundleId, 2);
    assert.equal(view.playable()?.bundleId, offerB.bundleId);
    const readBack = { playable: view.playable(), notices: view.contentNotices() };

    store.rollback(3);
    assert.equal(view.playable()?.bundleId, offerA.bundleId, 'rolled back');

    // Handing B over as verified gives what reading B from the store gave.
    store.activate(offerB.bundleId, 4);
    const handed = new ActiveBundleView(store);
    handed.activated(verifyOffer({ offer: offerB, screenId: SCREEN, stationPublicKey: station.publicKey, activeIssuedAtMs: undefined }));
    assert.deepEqual({ playable: handed.playable(), notices: handed.contentNotices() }, readBack);
  } finally {
    db.close();
  }
});
