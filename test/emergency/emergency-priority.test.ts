import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { at, SAMPLE_ALERT } from '../cap/cap-fixtures.ts';
import { compileSamples, makeStation, noiseBlob, readManifest, SCREEN, variantBundle } from '../player/support/bundles.ts';
import { fastClock } from '../player/support/player-fixtures.ts';
import { createDeviceIdentity, ProtocolClient } from '../support/protocol-client.ts';
import { scratchDir } from '../support/paths.ts';
import { ingestAt, loadMeasurer, startStationHub, waitLong } from './support.ts';

// "Pushed ahead of everything else": a player in the middle of a large blob download, reading
// slowly, gets an alert's statement after at most the few chunks already on their way, not
// after the rest of the blob. The player here is the protocol test client on a real socket,
// paused for a while as a congested 4G link would be.

const station = makeStation();
let root: string;
let cleanup: () => Promise<void>;
let big: { outDir: string; hash: string; bytes: number };

before(async () => {
  ({ path: root, cleanup } = await scratchDir('emergency-priority'));
  await loadMeasurer();
  const content = await compileSamples({ station, outDir: join(root, 'content'), cacheDir: join(root, 'cache') });
  const blob = noiseBlob(48 * 1024 * 1024, 7);
  const variant = await variantBundle({ fromDir: content, toDir: join(root, 'big'), signer: station, issuedAtMs: at('2026-11-21T08:30:00+07:00'), extraBlobs: [blob] });
  const hash = (await readManifest(variant.outDir)).manifest.blobs.find((b) => b.bytes === blob.length)!.hash;
  big = { outDir: variant.outDir, hash, bytes: blob.length };
});
after(() => cleanup());

test('an emergency statement overtakes the rest of a blob being streamed to a slow player', async () => {
  const hubData = join(root, 'hub');
  const ALERT_AT = at('2026-11-21T09:00:00+07:00');
  const hub = await startStationHub({ dataDir: hubData, station, clock: fastClock(ALERT_AT, 1), content: big.outDir });
  const identity = createDeviceIdentity();
  hub.preapproveDevice({ publicKeyPem: identity.publicKeyPem, screenId: SCREEN });
  const { client, reply } = await ProtocolClient.connect({ url: hub.url, identity, screenId: SCREEN });
  try {
    assert.equal(reply.type, 'welcome');
    await client.next('offer');
    let blobBytesBeforeEmergency: number | null = null;
    let blobBytes = 0;
    client.ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) blobBytes += data.length;
      else if (blobBytesBeforeEmergency === null && data.toString('utf8').startsWith('{"type":"emergency"')) blobBytesBeforeEmergency = blobBytes;
    });
    client.send({ type: 'get-blob', hash: big.hash, offset: 0 });
    // The player stops reading: the hub's stream stalls with its socket buffers full.
    client.ws.pause();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await ingestAt({ hubData, station, file: SAMPLE_ALERT, nowMs: ALERT_AT });
    await new Promise((resolve) => setTimeout(resolve, 300)); // the hub's poll has sent it by now
    client.ws.resume();
    await waitLong('the emergency statement', () => blobBytesBeforeEmergency !== null);
    assert.ok(blobBytesBeforeEmergency! < big.bytes / 2, `the statement came after ${blobBytesBeforeEmergency} of ${big.bytes} blob bytes: it must not wait for the rest of the blob`);
    await waitLong('the rest of the blob', () => blobBytes >= big.bytes, 60_000);
  } finally {
    client.ws.close();
    await hub.close();
  }
});
