import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { COMPILE_AT_MS, compileSamples, makeStation, noiseBlob, PLAY_AT_MS, SCREEN, variantBundle } from './support/bundles.ts';
import { encodeOffer, FakeHub, loadOffer, type FakeOffer } from './support/fake-hub.ts';
import { startTestPlayer, waitFor, type TestPlayer } from './support/player-fixtures.ts';
import { scratchDir } from '../support/paths.ts';

// The player's side of the protocol against a hub stand-in on a real socket: it signs its
// hello, verifies every offer before storing it, fetches blobs resumably, activates, and
// reports. Refusals leave the bundle on screen unchanged and name the reason.

const station = makeStation();
const stranger = makeStation();
const BIG = 300_000;
const CHUNK = 16 * 1024;

let root: string;
let cleanup: () => Promise<void>;
let baseOut: string;
let offerA: FakeOffer; // 08:00, the samples
let offerB: FakeOffer; // 09:00, plus a 300 kB blob
let offerOld: FakeOffer; // 07:00
let offerForeign: FakeOffer; // 10:00, signed by another station
let offerFuture: FakeOffer; // 10:00, schema version 2
let offerOtherScreen: FakeOffer; // another screen's bundle offered for ours
let bigHash: string;
let dirs = 0;

const dataDir = () => join(root, `player-${(dirs += 1)}`);

before(async () => {
  ({ path: root, cleanup } = await scratchDir('player-sync'));
  baseOut = await compileSamples({ station, outDir: join(root, 'out'), cacheDir: join(root, 'cache') });
  offerA = await loadOffer(baseOut, SCREEN);
  const big = noiseBlob(BIG, 42);
  offerB = await loadOffer((await variantBundle({ fromDir: baseOut, toDir: join(root, 'out-b'), signer: station, issuedAtMs: COMPILE_AT_MS + 3_600_000, extraBlobs: [big] })).outDir, SCREEN);
  bigHash = [...offerB.blobs].find(([, bytes]) => bytes.length === BIG)![0];
  offerOld = await loadOffer((await variantBundle({ fromDir: baseOut, toDir: join(root, 'out-old'), signer: station, issuedAtMs: COMPILE_AT_MS - 3_600_000 })).outDir, SCREEN);
  offerForeign = await loadOffer((await variantBundle({ fromDir: baseOut, toDir: join(root, 'out-foreign'), signer: stranger, issuedAtMs: COMPILE_AT_MS + 7_200_000 })).outDir, SCREEN);
  offerFuture = await loadOffer(
    (await variantBundle({ fromDir: baseOut, toDir: join(root, 'out-future'), signer: station, issuedAtMs: COMPILE_AT_MS + 7_200_000, editManifest: (m) => void (m.schemaVersion = 2) })).outDir,
    SCREEN,
  );
  offerOtherScreen = { ...(await loadOffer(baseOut, 'cong-xa')), screenId: SCREEN };
});
after(() => cleanup());

async function withPlayer(hub: FakeHub, body: (t: TestPlayer) => Promise<void>, extra: Parameters<typeof startTestPlayer>[0] extends infer O ? Partial<O> : never = {}): Promise<void> {
  const t = await startTestPlayer({ hubUrl: hub.url, dataDir: dataDir(), screenId: SCREEN, stationPublicKey: station.publicKey, startMs: PLAY_AT_MS, statusIntervalMs: 200, ...extra });
  try {
    await body(t);
  } finally {
    await t.player.close();
  }
}

test('a welcomed player downloads, verifies and activates the offered bundle, then tells the hub', async () => {
  const hub = await FakeHub.start();
  hub.publish(offerA);
  try {
    await withPlayer(hub, async ({ player }) => {
      await waitFor('activation', () => player.snapshot().activeBundleId === offerA.bundleId);
      await waitFor('activated message', () => hub.messages('activated').some((m) => m.bundleId === offerA.bundleId));
      const hello = hub.messages('hello')[0]!;
      assert.equal(hello.deviceId, player.deviceId);
      assert.equal(hello.bundleId, undefined, 'a fresh player shows nothing yet');
      const status = await waitFor('a status with the bundle', () => hub.messages('status').find((m) => m.bundleId === offerA.bundleId));
      assert.equal(status.mode, 'content');
      assert.ok(Math.abs(status.clockOffsetMs - (PLAY_AT_MS - Date.now())) < 5_000, 'clock offset measured against the hub clock');
      assert.ok(status.freeDiskBytes === null || status.freeDiskBytes > 0);
      assert.equal(status.offlineSinceMs, null);
      const state = player.snapshot();
      assert.equal(state.online, true);
      assert.equal(state.mode, 'content');
      assert.equal(state.lastError, null);
      // Every blob was asked for once, from offset 0.
      const asked = hub.messages('get-blob');
      assert.deepEqual(new Set(asked.map((m) => m.hash)), new Set(offerA.blobs.keys()));
      assert.ok(asked.every((m) => m.offset === 0));
    });
  } finally {
    await hub.close();
  }
});

test('a download cut every few chunks resumes from the stored offset, never from zero', async () => {
  let chunksSent = 0;
  const hub = await FakeHub.start({
    chunkBytes: CHUNK,
    beforeChunk: () => {
      chunksSent += 1;
      return chunksSent % 4 === 0 ? 'drop' : 'send';
    },
  });
  hub.publish(offerB);
  try {
    await withPlayer(hub, async ({ player }) => {
      await waitFor('activation through the cuts', () => player.snapshot().activeBundleId === offerB.bundleId, 20_000);
      const offsets = hub.messages('get-blob').filter((m) => m.hash === bigHash).map((m) => m.offset);
      assert.ok(offsets.length >= 3, `resumed several times: ${offsets.join(', ')}`);
      for (let i = 1; i < offsets.length; i += 1) assert.ok(offsets[i]! > offsets[i - 1]!, `offsets grow: ${offsets.join(', ')}`);
      assert.ok(offsets.every((offset) => offset % CHUNK === 0));
    });
  } finally {
    await hub.close();
  }
});

test('a lost chunk (a gap) costs one request from the held offset, not one per later chunk', async () => {
  let skipped = false;
  const hub = await FakeHub.start({
    chunkBytes: CHUNK,
    beforeChunk: ({ hash, offset }) => {
      if (hash === bigHash && offset === 3 * CHUNK && !skipped) {
        skipped = true;
        return 'skip';
      }
      return 'send';
    },
  });
  hub.publish(offerB);
  try {
    await withPlayer(hub, async ({ player }) => {
      await waitFor('activation despite the gap', () => player.snapshot().activeBundleId === offerB.bundleId);
      const offsets = hub.messages('get-blob').filter((m) => m.hash === bigHash).map((m) => m.offset);
      assert.deepEqual(offsets, [0, 3 * CHUNK]);
    });
  } finally {
    await hub.close();
  }
});

test('per-blob download state survives a player restart: the new process asks from where the old one stopped', async () => {
  let allow = 5;
  const hub = await FakeHub.start({ chunkBytes: CHUNK, beforeChunk: () => (allow-- > 0 ? 'send' : new Promise<'send'>(() => {})) });
  hub.publish(offerB);
  const dir = dataDir();
  const options = { hubUrl: hub.url, dataDir: dir, screenId: SCREEN, stationPublicKey: station.publicKey, startMs: PLAY_AT_MS, blobWindow: 1 };
  try {
    const first = await startTestPlayer(options);
    const received = await waitFor('some chunks of the big blob', () => {
      const chunks = first.events.filter((e) => e.type === 'chunk' && e.hash === bigHash);
      return chunks.length > 0 && chunks;
    });
    await first.player.close();
    const held = received.length * CHUNK;
    hub.options = { chunkBytes: CHUNK };
    const before = hub.messages('get-blob').length;
    const second = await startTestPlayer(options);
    try {
      await waitFor('activation after restart', () => second.player.snapshot().activeBundleId === offerB.bundleId);
      const resumed = hub.messages('get-blob').slice(before).find((m) => m.hash === bigHash);
      assert.equal(resumed?.offset, held, 'resumed at the bytes held before the restart');
    } finally {
      await second.player.close();
    }
  } finally {
    await hub.close();
  }
});

for (const [name, offer, code] of [
  ['signed with another station key', () => offerForeign, 'BUNDLE_SIGNATURE_INVALID'],
  ['of a future schema version', () => offerFuture, 'BUNDLE_SCHEMA_TOO_NEW'],
  ['older than the one on screen (a replay)', () => offerOld, 'BUNDLE_OLDER_THAN_ACTIVE'],
  ['made for another screen', () => offerOtherScreen, 'BUNDLE_WRONG_SCREEN'],
  ['whose id is not its manifest hash', () => ({ ...offerB, bundleId: offerA.bundleId.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) }), 'BUNDLE_ID_MISMATCH'],
  // Sent as a delta from the bundle on screen, like every other case here: the bytes it rebuilds are checked as a whole manifest.
  ['whose manifest was altered in transit', () => ({ ...offerB, manifest: Buffer.from(offerB.manifest.toString('utf8').replace('"issuedAt":"', '"issuedAt":" ')) }), 'BUNDLE_SIGNATURE_INVALID'],
] as const) {
  test(`a bundle ${name} is refused (${code}) with the reason in log and status, and the screen is unchanged`, async () => {
    const hub = await FakeHub.start();
    hub.publish(offerA);
    try {
      await withPlayer(hub, async ({ player, logger }) => {
        await waitFor('A active', () => player.snapshot().activeBundleId === offerA.bundleId);
        const asked = hub.messages('get-blob').length;
        hub.publish(offer());
        const state = await waitFor('refusal in status', () => player.snapshot().lastError?.startsWith(code) && player.snapshot());
        assert.equal(state.activeBundleId, offerA.bundleId);
        assert.equal(state.mode, 'content');
        assert.ok(logger.lines.some((line) => line.level === 'warn' && line.fields?.code === code), logger.text());
        await waitFor('status to the hub naming the reason', () => hub.messages('status').some((m) => m.lastError?.startsWith(code) && m.bundleId === offerA.bundleId));
        assert.equal(hub.messages('get-blob').length, asked, 'nothing of a refused bundle is fetched');
      });
    } finally {
      await hub.close();
    }
  });
}

test('a blob served with altered bytes is refused; the bundle stays inactive until correct bytes arrive, without a new manifest', async () => {
  const hub = await FakeHub.start({
    tamper: (hash, bytes) => {
      if (hash !== bigHash) return bytes;
      const altered = Buffer.from(bytes);
      altered[1000] = altered[1000]! ^ 0x55;
      return altered;
    },
  });
  hub.publish(offerA);
  try {
    await withPlayer(
      hub,
      async ({ player, logger }) => {
        await waitFor('A active', () => player.snapshot().activeBundleId === offerA.bundleId);
        hub.publish(offerB);
        await waitFor('tampering detected', () => player.snapshot().lastError?.startsWith('BUNDLE_BLOB_TAMPERED'));
        assert.equal(player.snapshot().activeBundleId, offerA.bundleId, 'the screen keeps the last good bundle');
        assert.ok(logger.lines.some((line) => line.level === 'warn' && String(line.fields?.reason).includes('BUNDLE_BLOB_TAMPERED')));
        // The station repairs its store; the player asks again by itself (same offer, no new manifest).
        hub.options = {};
        await waitFor('B active after the retry', () => player.snapshot().activeBundleId === offerB.bundleId);
        assert.equal(player.snapshot().previousBundleId, offerA.bundleId);
        assert.equal(player.snapshot().lastError, null);
      },
      { blobRetry: { baseMs: 100, capMs: 100 } },
    );
  } finally {
    await hub.close();
  }
});

test('a device waiting for approval retries slowly and is welcomed once approved', async () => {
  const hub = await FakeHub.start({ defaultApproval: 'pending' });
  hub.publish(offerA);
  try {
    await withPlayer(
      hub,
      async ({ player }) => {
        const pending = await waitFor('pending', () => player.snapshot().connection === 'pending-approval' && player.snapshot());
        assert.match(pending.lastError ?? '', /^DEVICE_PENDING_APPROVAL/);
        assert.equal(pending.activeBundleId, null);
        hub.setApproval(player.deviceId, 'approved');
        await waitFor('activation after approval', () => player.snapshot().activeBundleId === offerA.bundleId, 5_000);
        assert.equal(player.snapshot().lastError, null);
      },
      { pendingRetryMs: 300 },
    );
  } finally {
    await hub.close();
  }
});

test('a revoked device stops reconnecting, says so, and keeps showing its bundle', async () => {
  const hub = await FakeHub.start();
  hub.publish(offerA);
  try {
    await withPlayer(hub, async ({ player, logger }) => {
      await waitFor('A active', () => player.snapshot().activeBundleId === offerA.bundleId);
      hub.setApproval(player.deviceId, 'revoked');
      hub.dropAll();
      const state = await waitFor('revoked', () => player.snapshot().connection === 'revoked' && player.snapshot());
      assert.match(state.lastError ?? '', /^DEVICE_REVOKED/);
      assert.equal(state.activeBundleId, offerA.bundleId);
      assert.equal(state.mode, 'content');
      const hellos = hub.helloCount.value;
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(hub.helloCount.value, hellos, 'no further attempts');
      assert.ok(logger.lines.some((line) => line.level === 'error' && /revoked/.test(line.message + JSON.stringify(line.fields))));
    });
  } finally {
    await hub.close();
  }
});

test('a blob the hub cannot supply is retried later on the same connection', async () => {
  const hub = await FakeHub.start({ chunkBytes: CHUNK });
  const flaky: FakeOffer = { ...offerB, blobs: new Map(offerB.blobs) };
  flaky.blobs.delete(bigHash);
  hub.publish(flaky);
  try {
    await withPlayer(
      hub,
      async ({ player }) => {
        await waitFor('a blob-error recorded', () => player.snapshot().lastError?.includes('cannot supply'));
        hub.publish(offerB); // same bundle id: the hub now has the blob
        await waitFor('activation after the retry', () => player.snapshot().activeBundleId === offerB.bundleId);
      },
      { blobRetry: { baseMs: 100, capMs: 100 } },
    );
  } finally {
    await hub.close();
  }
});

test('an offer made as a delta from a bundle the player does not hold is asked for whole (get-offer), then activated', async () => {
  const hub = await FakeHub.start();
  hub.publish(offerA);
  try {
    await withPlayer(hub, async ({ player }) => {
      await waitFor('A active', () => player.snapshot().activeBundleId === offerA.bundleId);
      hub.stage(offerB);
      // As from a hub that believes the player shows the 07:00 bundle, which it never had.
      hub.sendRaw(encodeOffer(offerB, offerOld));
      await waitFor('B active', () => player.snapshot().activeBundleId === offerB.bundleId, 10_000);
      assert.equal(hub.messages('get-offer').length, 1, 'asked once for the offer whole');
      assert.equal(player.snapshot().lastError, null);
    });
  } finally {
    await hub.close();
  }
});

test('an offer whose documents do not decompress is refused (BUNDLE_OFFER_MALFORMED), and the screen is unchanged', async () => {
  const hub = await FakeHub.start();
  hub.publish(offerA);
  try {
    await withPlayer(hub, async ({ player }) => {
      await waitFor('A active', () => player.snapshot().activeBundleId === offerA.bundleId);
      hub.sendRaw({ ...encodeOffer(offerB), manifest: Buffer.from('not brotli at all').toString('base64') });
      const state = await waitFor('refusal in status', () => player.snapshot().lastError?.startsWith('BUNDLE_OFFER_MALFORMED') && player.snapshot());
      assert.equal(state.activeBundleId, offerA.bundleId);
    });
  } finally {
    await hub.close();
  }
});
