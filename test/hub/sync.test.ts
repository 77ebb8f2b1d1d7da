import assert from 'node:assert/strict';
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BLOB_CHUNK_BYTES } from '../../compiler/format/wire-messages.ts';
import { sha256Hex } from '../../compiler/trust/station-key.ts';
import { HUB_DATABASE_FILE, HubDatabase } from '../../hub/hub-database.ts';
import { publishBundles } from '../../hub/publish.ts';
import { scratchDir } from '../support/paths.ts';
import { offerDocuments, ProtocolClient } from '../support/protocol-client.ts';
import { BIG_SCREEN, compileVersions, enrolAndConnect, eventually, manifestOf, startTestHub, stationPublicKey } from './hub-fixture.ts';

// What a player gets from the hub: the current bundle of its screen on connect and on every
// publish, and blobs by hash, resumable from any offset, but only its own screen's.

let root: string;
let cleanup: () => Promise<void>;
let versions: string[];
let dirs = 0;
const freshDir = (): string => join(root, `hub-${++dirs}`);

before(async () => {
  ({ path: root, cleanup } = await scratchDir('hub-sync'));
  versions = await compileVersions(root, ['2026-11-21T08:00:00+07:00', '2026-11-21T09:00:00+07:00', '2026-11-21T10:00:00+07:00']);
});
after(() => cleanup());

async function screenFile(out: string, screen: string, name: string): Promise<Buffer> {
  return readFile(join(out, 'screens', screen, name));
}

test('a welcomed player is offered its screen\'s current bundle, exactly as signed', async () => {
  const { hub } = await startTestHub(freshDir());
  try {
    await hub.publish(versions[0]!);
    const { client } = await enrolAndConnect(hub, BIG_SCREEN);
    const offer = await client.next('offer');
    assert.equal(offer.screenId, BIG_SCREEN);
    assert.equal(offer.deltaFrom, undefined, 'a player that shows nothing gets whole documents');
    const documents = offerDocuments(offer);
    assert.deepEqual(documents.manifest, await screenFile(versions[0]!, BIG_SCREEN, 'manifest.json'));
    assert.deepEqual(documents.manifestSig, await screenFile(versions[0]!, BIG_SCREEN, 'manifest.sig'));
    assert.deepEqual(documents.schedule, await screenFile(versions[0]!, BIG_SCREEN, 'schedule.json'));
    assert.deepEqual(documents.scheduleSig, await screenFile(versions[0]!, BIG_SCREEN, 'schedule.sig'));
    assert.equal(offer.bundleId, sha256Hex(documents.manifest));
    await client.close();
  } finally {
    await hub.close();
  }
});

test('a player that shows the previous bundle is offered the new one as a small delta from it; get-offer sends it whole', async () => {
  const { hub } = await startTestHub(freshDir());
  try {
    await hub.publish(versions[0]!);
    const { client } = await enrolAndConnect(hub, BIG_SCREEN);
    const first = await client.next('offer');
    const held = offerDocuments(first);
    client.send({ type: 'activated', bundleId: first.bundleId });
    await hub.publish(versions[1]!);
    const offer = await client.next('offer', 3000);
    const size = Buffer.byteLength(JSON.stringify(offer));
    assert.equal(offer.deltaFrom, first.bundleId);
    const documents = offerDocuments(offer, held);
    const manifest = await screenFile(versions[1]!, BIG_SCREEN, 'manifest.json');
    assert.deepEqual(documents.manifest, manifest);
    assert.deepEqual(documents.schedule, await screenFile(versions[1]!, BIG_SCREEN, 'schedule.json'));
    assert.equal(offer.bundleId, sha256Hex(manifest));
    // One edited notice: the whole offer is a small fraction of the manifest it describes.
    assert.ok(size < manifest.length / 10, `delta offer of ${size} bytes for a ${manifest.length}-byte manifest`);
    client.send({ type: 'get-offer' });
    const whole = await client.next('offer', 3000);
    assert.equal(whole.deltaFrom, undefined);
    assert.deepEqual(offerDocuments(whole).manifest, manifest);
    await client.close();
  } finally {
    await hub.close();
  }
});

test('no offer is sent to a player that already shows the current bundle', async () => {
  const { hub } = await startTestHub(freshDir());
  try {
    await hub.publish(versions[0]!);
    const { client, identity } = await enrolAndConnect(hub, BIG_SCREEN);
    const { bundleId } = await client.next('offer');
    await client.close();
    const again = await ProtocolClient.connect({ url: hub.url, identity, screenId: BIG_SCREEN, bundleId });
    assert.equal(again.reply.type, 'welcome');
    await assert.rejects(again.client.next('offer', 300), /timed out/);
    await again.client.close();
  } finally {
    await hub.close();
  }
});

test('a publish through the API is offered at once to every connected player of the changed screens only', async () => {
  const { hub } = await startTestHub(freshDir());
  try {
    await hub.publish(versions[0]!);
    const big = await enrolAndConnect(hub, BIG_SCREEN);
    const bigToo = await enrolAndConnect(hub, BIG_SCREEN);
    const p10 = await enrolAndConnect(hub, 'cong-xa-p10');
    for (const player of [big, bigToo, p10]) await player.client.next('offer');
    // A compile output holding only the LED wall's bundle: only its players hear of it.
    const onlyBig = join(root, `only-big-${dirs}`);
    await cp(versions[1]!, onlyBig, { recursive: true });
    for (const screen of ['cong-xa-p10', 'ubnd-kiosk', 'ubnd-sanh']) await rm(join(onlyBig, 'screens', screen), { recursive: true });
    assert.deepEqual((await hub.publish(onlyBig)).changedScreens, [BIG_SCREEN]);
    const expected = sha256Hex(await screenFile(versions[1]!, BIG_SCREEN, 'manifest.json'));
    assert.equal((await big.client.next('offer', 1000)).bundleId, expected);
    assert.equal((await bigToo.client.next('offer', 1000)).bundleId, expected);
    await assert.rejects(p10.client.next('offer', 300), /timed out/);
    // The same compile again is no change: no offer.
    await hub.publish(onlyBig);
    await assert.rejects(big.client.next('offer', 300), /timed out/);
    for (const player of [big, bigToo, p10]) await player.client.close();
  } finally {
    await hub.close();
  }
});

test('a publish by another process (signage hub publish) reaches connected players', async () => {
  const dataDir = freshDir();
  const { hub } = await startTestHub(dataDir);
  try {
    await hub.publish(versions[0]!);
    const { client } = await enrolAndConnect(hub, BIG_SCREEN);
    await client.next('offer');
    const other = HubDatabase.open(join(dataDir, HUB_DATABASE_FILE));
    try {
      const started = Date.now();
      await publishBundles({ db: other, dataDir, bundlesDir: versions[1]!, stationPublicKey });
      const offer = await client.next('offer', 3000);
      assert.equal(offer.bundleId, other.currentBundle(BIG_SCREEN)!.bundleId);
      assert.ok(Date.now() - started < 1500, 'offered within about a second');
    } finally {
      other.close();
    }
    await client.close();
  } finally {
    await hub.close();
  }
});

/** Copies a compile into place the way the compiler writes it: blobs, screens, report.json last. */
async function landCompile(from: string, to: string): Promise<void> {
  await cp(join(from, 'blobs'), join(to, 'blobs'), { recursive: true });
  await rm(join(to, 'screens'), { recursive: true, force: true });
  await cp(join(from, 'screens'), join(to, 'screens'), { recursive: true });
  await cp(join(from, 'report.json'), join(to, 'report.json'));
}

test('a watched compiler output directory is published when a compile finishes there', async () => {
  const watched = join(root, 'watched');
  await mkdir(watched, { recursive: true });
  const { hub, logger } = await startTestHub(freshDir(), { watchBundlesDir: watched });
  try {
    // Nothing compiled yet: the hub waits rather than failing.
    await eventually(() => logger.find('nothing to publish yet') !== undefined, 'the empty directory is noticed');
    await landCompile(versions[0]!, watched);
    await eventually(() => logger.find('published') !== undefined, 'the first compile is published');
    const { client } = await enrolAndConnect(hub, BIG_SCREEN);
    assert.equal((await client.next('offer')).bundleId, sha256Hex(await screenFile(versions[0]!, BIG_SCREEN, 'manifest.json')));
    await landCompile(versions[1]!, watched);
    const second = await client.next('offer', 3000);
    assert.equal(second.bundleId, sha256Hex(await screenFile(versions[1]!, BIG_SCREEN, 'manifest.json')));
    await client.close();
  } finally {
    await hub.close();
  }
});

test('every blob of the offered bundle arrives intact, in chunks of BLOB_CHUNK_BYTES', async () => {
  const { hub } = await startTestHub(freshDir());
  try {
    await hub.publish(versions[0]!);
    const { client } = await enrolAndConnect(hub, BIG_SCREEN);
    const manifest = manifestOf(await client.next('offer'));
    const big = manifest.blobs.reduce((a, b) => (a.bytes > b.bytes ? a : b));
    assert.ok(big.bytes > 2 * BLOB_CHUNK_BYTES, `the fixture's big blob spans several chunks (${big.bytes} bytes)`);
    client.send({ type: 'get-blob', hash: big.hash, offset: 0 });
    const offsets: number[] = [];
    const parts: Buffer[] = [];
    for (let received = 0; received < big.bytes; ) {
      const chunk = await client.nextChunk();
      assert.equal(chunk.header.total, big.bytes);
      assert.ok(chunk.bytes.length <= BLOB_CHUNK_BYTES);
      offsets.push(chunk.header.offset);
      parts.push(Buffer.from(chunk.bytes));
      received += chunk.bytes.length;
    }
    assert.deepEqual(offsets, offsets.map((_, i) => i * BLOB_CHUNK_BYTES));
    assert.equal(sha256Hex(Buffer.concat(parts)), big.hash);
    for (const blob of manifest.blobs) assert.equal(sha256Hex((await client.fetchBlob(blob.hash)).bytes), blob.hash);
    await client.close();
  } finally {
    await hub.close();
  }
});

test('a download cut off mid-blob resumes from the bytes already held, on a new connection', async () => {
  const { hub } = await startTestHub(freshDir());
  try {
    await hub.publish(versions[0]!);
    const { client, identity } = await enrolAndConnect(hub, BIG_SCREEN);
    const manifest = manifestOf(await client.next('offer'));
    const big = manifest.blobs.reduce((a, b) => (a.bytes > b.bytes ? a : b));
    const head = (await client.fetchBlob(big.hash, { stopAfterBytes: 1 })).bytes; // the first chunk
    await client.drop();
    // Resume at an offset that is not on a chunk boundary, as after a partial write.
    const held = head.subarray(0, head.length - 1000);
    const again = await ProtocolClient.connect({ url: hub.url, identity, screenId: BIG_SCREEN });
    again.client.send({ type: 'get-blob', hash: big.hash, offset: held.length });
    const parts: Buffer[] = [held];
    const offsets: number[] = [];
    for (let received = held.length; received < big.bytes; ) {
      const chunk = await again.client.nextChunk();
      assert.equal(chunk.header.total, big.bytes);
      offsets.push(chunk.header.offset);
      parts.push(Buffer.from(chunk.bytes));
      received += chunk.bytes.length;
    }
    assert.equal(sha256Hex(Buffer.concat(parts)), big.hash);
    // One short frame up to the chunk boundary, then the same aligned chunks every player
    // gets (the hub builds each of those frames once for all of them).
    assert.deepEqual(offsets, [held.length, ...offsets.slice(1).map((_, i) => (i + 1) * BLOB_CHUNK_BYTES)]);
    // From the end: an empty final chunk tells the player it has everything.
    const none = await again.client.fetchBlob(big.hash, { offset: big.bytes });
    assert.equal(none.bytes.length, 0);
    await assert.rejects(again.client.fetchBlob(big.hash, { offset: big.bytes + 1 }), /beyond the blob/);
    await again.client.close();
  } finally {
    await hub.close();
  }
});

test('a player may fetch only blobs of its own screen\'s current and previous bundle', async () => {
  const { hub, logger } = await startTestHub(freshDir());
  try {
    const blobsOf = async (out: string, screen: string): Promise<string[]> =>
      (JSON.parse((await screenFile(out, screen, 'manifest.json')).toString()).blobs as { hash: string }[]).map((blob) => blob.hash);
    await hub.publish(versions[0]!);
    const { client } = await enrolAndConnect(hub, BIG_SCREEN);
    await client.next('offer');

    // Another screen's blob, though the hub holds it: refused.
    const mine = new Set(await blobsOf(versions[0]!, BIG_SCREEN));
    const foreign = (await blobsOf(versions[0]!, 'ubnd-kiosk')).find((hash) => !mine.has(hash))!;
    await assert.rejects(client.fetchBlob(foreign), /not part of the current or previous bundle of screen cong-xa/);
    assert.ok(logger.entries.some((entry) => entry.message.startsWith('blob refused') && entry.fields.hash === foreign));
    // A hash that is nowhere: refused the same way (no probing of what the hub holds).
    await assert.rejects(client.fetchBlob('0'.repeat(64)), /not part of the current or previous bundle/);

    // After two more publishes: v3 and v2 are served, v1's picture is not any more.
    const v1Blobs = await blobsOf(versions[0]!, BIG_SCREEN);
    await hub.publish(versions[1]!);
    await hub.publish(versions[2]!);
    const v2Blobs = new Set(await blobsOf(versions[1]!, BIG_SCREEN));
    const v3Blobs = new Set(await blobsOf(versions[2]!, BIG_SCREEN));
    const retired = v1Blobs.find((hash) => !v2Blobs.has(hash) && !v3Blobs.has(hash))!;
    assert.ok(retired, 'the fixture changes the picture at every compile');
    await assert.rejects(client.fetchBlob(retired), /not part of the current or previous bundle/);
    for (const hash of [...v2Blobs, ...v3Blobs]) assert.equal(sha256Hex((await client.fetchBlob(hash)).bytes), hash);
    assert.equal(client.isClosed(), false, 'a refused blob is an answer, not a reason to hang up');
    await client.close();
  } finally {
    await hub.close();
  }
});

test('status, activation and the hub\'s view of a device', async () => {
  const { hub } = await startTestHub(freshDir());
  try {
    await hub.publish(versions[0]!);
    const { client, identity } = await enrolAndConnect(hub, BIG_SCREEN);
    const { bundleId } = await client.next('offer');
    client.send({ type: 'activated', bundleId });
    client.send({
      type: 'status',
      bundleId,
      mode: 'content',
      pageId: 'p1',
      noticeId: 'tiep-cong-dan',
      clockOffsetMs: -120,
      freeDiskBytes: 1_000_000,
      uptimeS: 42,
      version: '0.1.0',
      lastError: null,
      offlineSinceMs: null,
    });
    await eventually(() => hub.devices().some((device) => device.id === identity.deviceId && device.lastStatus !== null), 'the status is stored');
    const view = hub.devices().find((device) => device.id === identity.deviceId)!;
    assert.equal(view.currentBundleId, bundleId);
    assert.ok(view.activatedMs !== null);
    assert.equal(view.lastStatus?.uptimeS, 42);
    assert.equal(view.lastStatus?.noticeId, 'tiep-cong-dan');
    assert.equal(view.online, true);
    await client.close();
  } finally {
    await hub.close();
  }
});
