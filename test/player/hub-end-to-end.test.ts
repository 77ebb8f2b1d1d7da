import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startHub, type RunningHub } from '../../hub/hub-server.ts';
import { BundleStore } from '../../player/core/bundle-store.ts';
import { connectWebSocket } from '../../player/core/hub-socket.ts';
import { loadOrCreateDeviceIdentity } from '../../player/core/device-identity.ts';
import { DATABASE_FILE } from '../../player/core/player-runtime.ts';
import { openPlayerDatabase } from '../../player/core/player-database.ts';
import { scratchDir } from '../support/paths.ts';
import { COMPILE_AT_MS, compileSamples, makeStation, noiseBlob, PLAY_AT_MS, readManifest, SCREEN, variantBundle } from './support/bundles.ts';
import { startTestPlayer, waitFor, type TestPlayer } from './support/player-fixtures.ts';

// The whole path with the real hub: compile → publish → the player activates; the hub goes
// away and the player, restarted with no network at all, shows the same bundle. Then every
// way the station's trust can be abused, each refused with the reason in the log and in the
// status, and the bundle on screen unchanged.

const station = makeStation();
const otherStation = makeStation();
let root: string;
let cleanup: () => Promise<void>;
let outA: string; // the samples, compiled 08:00
let outB: string; // compiled 09:00 with one more (large) blob
let outOld: string; // compiled 07:00
let outForeign: string; // compiled 10:00 by another station
let bundleA: string;
let bundleB: string;
let bigHashB: string;
let seeded: string; // a player data directory with bundle A active
let seededDeviceKey: string;
let dirs = 0;

const dataDir = () => join(root, `player-${(dirs += 1)}`);

async function hubWith(options: { out?: string; key?: typeof station; name: string }): Promise<RunningHub> {
  const hub = await startHub({ dataDir: join(root, `hub-${options.name}`), port: 0, stationPublicKey: (options.key ?? station).publicKey, heartbeatMs: 1_000 });
  if (options.out) await hub.publish(options.out);
  return hub;
}

/** A copy of the seeded player's data directory: bundle A on screen, device known. */
async function seededCopy(): Promise<string> {
  const dir = dataDir();
  await cp(seeded, dir, { recursive: true });
  return dir;
}

function player(options: { hubUrl: string; dataDir: string; extra?: Partial<Parameters<typeof startTestPlayer>[0]> }): Promise<TestPlayer> {
  return startTestPlayer({ hubUrl: options.hubUrl, dataDir: options.dataDir, screenId: SCREEN, stationPublicKey: station.publicKey, startMs: PLAY_AT_MS, statusIntervalMs: 200, pendingRetryMs: 200, ...options.extra });
}

before(async () => {
  ({ path: root, cleanup } = await scratchDir('player-e2e'));
  outA = await compileSamples({ station, outDir: join(root, 'out-a'), cacheDir: join(root, 'cache') });
  bundleA = (await readManifest(outA)).bundleId;
  const b = await variantBundle({ fromDir: outA, toDir: join(root, 'out-b'), signer: station, issuedAtMs: COMPILE_AT_MS + 3_600_000, extraBlobs: [noiseBlob(600_000, 9)] });
  outB = b.outDir;
  bundleB = b.bundleId;
  bigHashB = (await readManifest(outB)).manifest.blobs.find((blob) => blob.bytes === 600_000)!.hash;
  outOld = await compileSamples({ station, outDir: join(root, 'out-old'), cacheDir: join(root, 'cache'), atMs: COMPILE_AT_MS - 3_600_000 });
  outForeign = await compileSamples({ station: otherStation, outDir: join(root, 'out-foreign'), cacheDir: join(root, 'cache'), atMs: COMPILE_AT_MS + 7_200_000 });

  // Seed: a player that enrolled, was approved, and activated A.
  const hub = await hubWith({ out: outA, name: 'seed' });
  seeded = join(root, 'seeded');
  const t = await player({ hubUrl: hub.url, dataDir: seeded });
  await waitFor('enrolment request', () => hub.devices().some((d) => d.id === t.player.deviceId));
  hub.approveDevice(t.player.deviceId);
  await waitFor('A active in the seed player', () => t.player.snapshot().activeBundleId === bundleA);
  seededDeviceKey = hub.devices().find((d) => d.id === t.player.deviceId)!.publicKeyPem;
  await t.player.close();
  await hub.close();
});
after(() => cleanup());

test('compile → publish → the player activates; then with the hub gone, a restarted player shows the same bundle', async () => {
  const hub = await hubWith({ out: outA, name: 'e2e' });
  const dir = dataDir();
  const first = await player({ hubUrl: hub.url, dataDir: dir });
  try {
    const pending = await waitFor('pending approval', () => first.player.snapshot().connection === 'pending-approval' && first.player.snapshot());
    assert.equal(pending.activeBundleId, null);
    hub.approveDevice(first.player.deviceId);
    await waitFor('A active', () => first.player.snapshot().activeBundleId === bundleA);
    await waitFor('the hub knows what the screen shows', () => hub.devices().find((d) => d.id === first.player.deviceId)?.currentBundleId === bundleA);
    const current = (await (await fetch(`${first.player.localUrl}/api/current`)).json()) as { bundleId: string; manifest: { blobs: { hash: string }[] } };
    assert.equal(current.bundleId, bundleA);

    // A new compile is published: the player switches, keeping A as previous.
    const publishedAt = Date.now();
    await hub.publish(outB);
    await waitFor('B active', () => first.player.snapshot().activeBundleId === bundleB);
    const switchMs = Date.now() - publishedAt;
    assert.equal(first.player.snapshot().previousBundleId, bundleA);
    // How fast is the sync bench's figure; here only that it happens.
    process.stderr.write(`publish → activation: ${switchMs} ms\n`);
  } finally {
    await first.player.close();
    await hub.close();
  }

  // No hub, no network: the port is closed and nothing answers.
  const second = await player({ hubUrl: hub.url, dataDir: dir });
  try {
    const state = second.player.snapshot();
    assert.equal(state.activeBundleId, bundleB, 'the cached bundle is on screen before any contact with the hub');
    assert.equal(state.previousBundleId, bundleA);
    assert.notEqual(state.mode, 'none');
    assert.ok(state.pageId);
    await waitFor('marked offline', () => second.player.snapshot().connection === 'offline');
    assert.equal(second.player.snapshot().online, false);
    assert.ok((second.player.snapshot().offlineSinceMs ?? Infinity) <= Date.now());
    const current = (await (await fetch(`${second.player.localUrl}/api/current`)).json()) as { bundleId: string; manifest: { blobs: { hash: string; mime: string }[] } };
    assert.equal(current.bundleId, bundleB);
    for (const blob of current.manifest.blobs) {
      const response = await fetch(`${second.player.localUrl}/blobs/${blob.hash}`);
      assert.equal(response.status, 200, blob.hash);
    }
  } finally {
    await second.player.close();
  }
});

test('security: a bundle signed with another station key is refused; the screen keeps its bundle', async () => {
  // A hub that trusts another key (an impostor, or a station whose key was replaced without
  // telling the players) publishes content this player must not show.
  const hub = await hubWith({ out: outForeign, key: otherStation, name: 'foreign' });
  const dir = await seededCopy();
  hub.preapproveDevice({ publicKeyPem: seededDeviceKey, screenId: SCREEN });
  const t = await player({ hubUrl: hub.url, dataDir: dir });
  try {
    const state = await waitFor('refusal', () => t.player.snapshot().lastError?.startsWith('BUNDLE_SIGNATURE_INVALID') && t.player.snapshot());
    assert.equal(state.activeBundleId, bundleA);
    assert.ok(t.logger.lines.some((line) => line.level === 'warn' && line.fields?.code === 'BUNDLE_SIGNATURE_INVALID'));
    await waitFor('status at the hub names it', () => hub.devices()[0]?.lastStatus?.lastError?.startsWith('BUNDLE_SIGNATURE_INVALID'));
    assert.equal(hub.devices()[0]?.lastStatus?.bundleId, bundleA);
  } finally {
    await t.player.close();
    await hub.close();
  }
});

test('security: a blob altered in the hub\'s store is refused; the screen keeps its bundle', async () => {
  const hub = await hubWith({ out: outB, name: 'altered' });
  const blobPath = join(root, 'hub-altered', 'blobs', bigHashB);
  const bytes = await readFile(blobPath);
  bytes[12345] = bytes[12345]! ^ 0x20;
  await writeFile(blobPath, bytes);
  const dir = await seededCopy();
  hub.preapproveDevice({ publicKeyPem: seededDeviceKey, screenId: SCREEN });
  const t = await player({ hubUrl: hub.url, dataDir: dir });
  try {
    const state = await waitFor('refusal', () => t.player.snapshot().lastError?.startsWith('BUNDLE_BLOB_TAMPERED') && t.player.snapshot());
    assert.equal(state.activeBundleId, bundleA);
    assert.ok(t.logger.lines.some((line) => line.level === 'warn' && String(line.fields?.reason).includes(bigHashB)));
    await waitFor('status at the hub names it', () => hub.devices()[0]?.lastStatus?.lastError?.startsWith('BUNDLE_BLOB_TAMPERED'));
    assert.equal(t.player.snapshot().activeBundleId, bundleA);
  } finally {
    await t.player.close();
    await hub.close();
  }
  // Nothing of the altered blob was kept.
  const db = openPlayerDatabase({ path: join(dir, DATABASE_FILE) });
  try {
    assert.equal(new BundleStore(db).hasBlob(bigHashB), false);
  } finally {
    db.close();
  }
});

test('security: an older signed bundle replayed by a hub is refused; the screen keeps its bundle', async () => {
  // This hub has only ever seen the 07:00 compile, so it offers it as current.
  const hub = await hubWith({ out: outOld, name: 'replay' });
  const dir = await seededCopy();
  hub.preapproveDevice({ publicKeyPem: seededDeviceKey, screenId: SCREEN });
  const t = await player({ hubUrl: hub.url, dataDir: dir });
  try {
    const state = await waitFor('refusal', () => t.player.snapshot().lastError?.startsWith('BUNDLE_OLDER_THAN_ACTIVE') && t.player.snapshot());
    assert.equal(state.activeBundleId, bundleA);
    assert.ok(t.logger.lines.some((line) => line.level === 'warn' && line.fields?.code === 'BUNDLE_OLDER_THAN_ACTIVE'));
    await waitFor('status at the hub names it', () => hub.devices()[0]?.lastStatus?.lastError?.startsWith('BUNDLE_OLDER_THAN_ACTIVE'));
  } finally {
    await t.player.close();
    await hub.close();
  }
});

test('security: a device the station has not approved gets nothing, and says why', async () => {
  const hub = await hubWith({ out: outB, name: 'unapproved' });
  const dir = await seededCopy();
  const t = await player({ hubUrl: hub.url, dataDir: dir });
  try {
    const state = await waitFor('pending', () => t.player.snapshot().connection === 'pending-approval' && t.player.snapshot());
    assert.match(state.lastError ?? '', /^DEVICE_PENDING_APPROVAL: .*signage hub devices approve/);
    assert.equal(state.activeBundleId, bundleA);
    assert.ok(t.logger.lines.some((line) => line.level === 'warn' && line.fields?.reason === 'pending-approval'));
    assert.equal(hub.devices()[0]?.state, 'pending');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(t.player.snapshot().activeBundleId, bundleA, 'still unchanged after retries');
  } finally {
    await t.player.close();
    await hub.close();
  }
});

test('security: a revoked device is cut off, stops asking, and keeps showing its bundle', async () => {
  const hub = await hubWith({ out: outA, name: 'revoked' });
  const dir = await seededCopy();
  const deviceId = hub.preapproveDevice({ publicKeyPem: seededDeviceKey, screenId: SCREEN });
  const t = await player({ hubUrl: hub.url, dataDir: dir });
  try {
    await waitFor('online', () => t.player.snapshot().online);
    hub.revokeDevice(deviceId);
    const state = await waitFor('revoked', () => t.player.snapshot().connection === 'revoked' && t.player.snapshot());
    assert.match(state.lastError ?? '', /^DEVICE_REVOKED/);
    assert.equal(state.activeBundleId, bundleA);
    assert.ok(t.logger.lines.some((line) => line.level === 'error' && line.fields?.reason === 'revoked'));
    // New content published after the revocation never reaches it.
    await hub.publish(outB);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(t.player.snapshot().activeBundleId, bundleA);
    assert.equal(hub.connectionCount(), 0);
  } finally {
    await t.player.close();
    await hub.close();
  }
});

test('over TLS the player trusts the station\'s pinned certificate, and nothing else', async () => {
  const certDir = join(root, 'tls');
  await mkdir(certDir, { recursive: true });
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')], { stdio: 'ignore' });
  const cert = await readFile(join(certDir, 'cert.pem'), 'utf8');
  const hub = await startHub({ dataDir: join(root, 'hub-tls'), port: 0, stationPublicKey: station.publicKey, tls: { cert, key: await readFile(join(certDir, 'key.pem'), 'utf8') } });
  await hub.publish(outA);
  assert.match(hub.url, /^wss:/);
  try {
    // Without the pinned certificate: the handshake fails, and the log says why.
    const untrusting = await player({ hubUrl: hub.url, dataDir: dataDir() });
    try {
      const line = await waitFor('the TLS failure in the log', () => untrusting.logger.lines.find((l) => l.message === 'cannot reach the hub'));
      assert.match(String(line.fields?.reason), /self[- ]signed|certificate/i);
      assert.equal(untrusting.player.snapshot().online, false);
    } finally {
      await untrusting.player.close();
    }
    const dir = await seededCopy();
    hub.preapproveDevice({ publicKeyPem: seededDeviceKey, screenId: SCREEN });
    const t = await player({ hubUrl: hub.url, dataDir: dir, extra: { connect: connectWebSocket({ ca: cert }) } });
    try {
      await waitFor('online over wss', () => t.player.snapshot().online);
      await hub.publish(outB);
      await waitFor('B active over wss', () => t.player.snapshot().activeBundleId === bundleB);
    } finally {
      await t.player.close();
    }
  } finally {
    await hub.close();
  }
});

test('the device identity in the data directory is what the hub enrolled', async () => {
  const db = openPlayerDatabase({ path: join(seeded, DATABASE_FILE) });
  try {
    assert.equal(loadOrCreateDeviceIdentity(db, 0).publicKeyPem, seededDeviceKey);
  } finally {
    db.close();
  }
});
