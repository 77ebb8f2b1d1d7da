import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BLOB_CHUNK_BYTES } from '../../compiler/format/wire-messages.ts';
import { startHub, type RunningHub } from '../../hub/hub-server.ts';
import { BundleStore } from '../../player/core/bundle-store.ts';
import { loadOrCreateDeviceIdentity } from '../../player/core/device-identity.ts';
import { verifyStoredBundle } from '../../player/core/offer-verification.ts';
import { DATABASE_FILE } from '../../player/core/player-runtime.ts';
import { openPlayerDatabase } from '../../player/core/player-database.ts';
import { scratchDir } from '../support/paths.ts';
import { buildPlayerChild } from './support/child-build.ts';
import { COMPILE_AT_MS, compileSamples, makeStation, noiseBlob, PLAY_AT_MS, SCREEN, variantBundle } from './support/bundles.ts';

// Power cuts and crashes, simulated: a player core in a child process, syncing with the real
// hub, is killed with SIGKILL at random moments (mostly while it downloads and activates),
// then restarted. After every kill the database must pass integrity_check and the active
// bundle, if any, must be complete and verify against the station key: a board comes back
// to a whole bundle, never a blank or half-updated screen. Proof of play written before a
// kill must reach the hub in the end, exactly once.

const KILLS = 50;
/** Each variant adds this much new content, so every publish means a real download. */
const NEW_BYTES_PER_BUNDLE = 2 * 1024 * 1024;
const CLOCK_RATE = 400;
const CHUNKS_PER_BUNDLE = NEW_BYTES_PER_BUNDLE / BLOB_CHUNK_BYTES;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const station = makeStation();
let root: string;
let cleanup: () => Promise<void>;
let childScript: string;
let baseOut: string;
let variantCount = 0;

/** A new compile for the screen, issued later than the last, with its own new blobs. */
async function nextVariant(): Promise<{ outDir: string; bundleId: string }> {
  variantCount += 1;
  const i = variantCount;
  return variantBundle({
    fromDir: baseOut,
    toDir: join(root, `out-${i}`),
    signer: station,
    issuedAtMs: COMPILE_AT_MS + i * 60_000,
    extraBlobs: [noiseBlob(NEW_BYTES_PER_BUNDLE / 2, 100 + 2 * i), noiseBlob(NEW_BYTES_PER_BUNDLE / 2, 101 + 2 * i)],
  });
}

before(async () => {
  ({ path: root, cleanup } = await scratchDir('player-faults'));
  childScript = await buildPlayerChild(root);
  baseOut = await compileSamples({ station, outDir: join(root, 'out-base'), cacheDir: join(root, 'cache') });
});
after(() => cleanup());

interface ChildRun {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  /** Resolves when the child has loaded its code and waits for go(). */
  readonly warm: Promise<void>;
  /** Resolves when the player has started (its database open, its bundle on screen). */
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  go(): void;
}

/**
 * Spawns a player child that loads its code and then waits: the parent starts the next one
 * while the current one runs, so Node's start-up is not on the critical path of every kill.
 */
function spawnChild(config: Record<string, unknown>, children: Set<ChildProcess>): ChildRun {
  const child = spawn(process.execPath, [childScript, JSON.stringify({ ...config, waitForGo: true })], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  const lines: Record<string, unknown>[] = [];
  let buffered = '';
  let markWarm: () => void;
  let markReady: () => void;
  const warm = new Promise<void>((resolve) => (markWarm = resolve));
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout!.on('data', (data: Buffer) => {
    buffered += data.toString('utf8');
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>;
      buffered = buffered.slice(newline + 1);
      lines.push(line);
      if (line.e === 'warm') markWarm();
      if (line.e === 'ready') markReady();
    }
  });
  let stderr = '';
  child.stderr!.on('data', (data: Buffer) => (stderr += data.toString('utf8')));
  child.stdin!.on('error', () => {}); // a child killed while warm
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve())).then(() => {
    if (stderr.trim()) lines.push({ e: 'stderr', text: stderr });
  });
  // A child that dies before it is ready must fail the test, not hang it.
  const orDead = (promise: Promise<void>) => {
    const raced = Promise.race([promise, exited.then(() => Promise.reject(new Error(`the player child exited early: ${JSON.stringify(lines)}`)))]);
    raced.catch(() => {});
    return raced;
  };
  return { child, lines, warm: orDead(warm), ready: orDead(ready), exited, go: () => void child.stdin!.write('go\n') };
}

/** Opens the killed player's database as the next start would, and checks it. */
function inspect(dataDir: string, published: ReadonlySet<string>): { activeBundleId: string | null; closedPlays: string[]; chunksToGo: number | null } {
  const db = openPlayerDatabase({ path: join(dataDir, DATABASE_FILE) });
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    assert.deepEqual(db.pragma('foreign_key_check'), []);
    const store = new BundleStore(db);
    const active = store.active();
    if (active) {
      assert.ok(published.has(active.id), 'the active bundle is one the station published');
      // Complete and verified: signatures, schema, and every blob's bytes against its hash.
      verifyStoredBundle({ bundle: active, screenId: SCREEN, stationPublicKey: station.publicKey, blobBytes: (hash) => store.blobBytes(hash) });
    }
    const states = db.prepare("SELECT count(*) AS n FROM bundles WHERE state = 'active'").get() as { n: number };
    assert.ok(states.n <= 1);
    const closedPlays = (db.prepare('SELECT id FROM plays WHERE closed = 1').all() as { id: string }[]).map((row) => row.id);
    // Chunk frames still to come for the bundle being downloaded (the hub cuts at multiples of the chunk size).
    const pending = store.pending();
    const chunksToGo = pending
      ? store.missingBlobs(pending.id).reduce((sum, blob) => sum + Math.ceil(blob.size / BLOB_CHUNK_BYTES) - Math.floor(blob.received / BLOB_CHUNK_BYTES), 0)
      : null;
    return { activeBundleId: active?.id ?? null, closedPlays, chunksToGo };
  } finally {
    db.close();
  }
}

test(`SIGKILL ${KILLS} times during download and activation: always a complete, verified bundle and a sound database; proof of play neither lost nor doubled`, async (t) => {
  const hub: RunningHub = await startHub({ dataDir: join(root, 'hub'), port: 0, stationPublicKey: station.publicKey, heartbeatMs: 1_000 });
  const children = new Set<ChildProcess>();
  t.after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await hub.close();
  });
  const dataDir = join(root, 'player');
  await mkdir(dataDir, { recursive: true });
  const identityDb = openPlayerDatabase({ path: join(dataDir, DATABASE_FILE) });
  const identity = loadOrCreateDeviceIdentity(identityDb, Date.now());
  identityDb.close();
  hub.preapproveDevice({ publicKeyPem: identity.publicKeyPem, screenId: SCREEN });

  const realStartMs = Date.now();
  const config = { hubUrl: hub.url, dataDir, screenId: SCREEN, stationKeyPem: station.publicKeyPem, clockStartMs: PLAY_AT_MS, realStartMs, rate: CLOCK_RATE, statusIntervalMs: 100 };
  const published = new Set<string>();
  let lastPublished = '';
  const publishNext = async () => {
    const variant = await nextVariant();
    await hub.publish(variant.outDir);
    published.add(variant.bundleId);
    lastPublished = variant.bundleId;
    await rm(variant.outDir, { recursive: true }); // the hub keeps its own copy
  };
  await publishNext();

  let warm = spawnChild(config, children);
  /** Starts the warmed-up child and warms up the next one. */
  const startChild = async (): Promise<ChildRun> => {
    const run = warm;
    await run.warm;
    run.go();
    warm = spawnChild(config, children);
    await run.ready;
    return run;
  };
  // A first, uninterrupted sync: its duration bounds the kills aimed at start-up and handshake.
  const probe = await startChild();
  const probeStart = Date.now();
  while (!probe.lines.some((line) => line.e === 'activated') && Date.now() - probeStart < 10_000) await sleep(2);
  const syncMs = Date.now() - probeStart;
  probe.child.kill('SIGKILL');
  await probe.exited;
  assert.ok(probe.lines.some((line) => line.e === 'activated'), `the first download completes: ${JSON.stringify(probe.lines.slice(-3))}`);
  let inspected = inspect(dataDir, published);
  const seenPlays = new Set(inspected.closedPlays);

  const loopStart = Date.now();
  let startupMs = 0;
  let inspectMs = 0;
  let publishMs = 0;
  const phases = { beforeDownload: 0, duringDownload: 0, afterActivation: 0 };
  // A seeded generator: a failing run can be replayed kill for kill.
  let random = 12345;
  const nextRandom = () => ((random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let kill = 0; kill < KILLS; kill += 1) {
    const publishStart = Date.now();
    let chunksToGo = inspected.chunksToGo ?? 0;
    if (inspected.activeBundleId === lastPublished) {
      await publishNext();
      chunksToGo = CHUNKS_PER_BUNDLE;
    }
    publishMs += Date.now() - publishStart;
    const spawned = Date.now();
    const run = await startChild();
    startupMs += Date.now() - spawned;
    if (kill % 4 === 0) {
      // Anywhere in the start-up, handshake and sync.
      await sleep(nextRandom() * syncMs);
    } else {
      // Somewhere in the download, judged by progress rather than time so that a busy machine
      // does not push every kill past the activation: after a random number of chunks (up to
      // all of them, which lands in the blob's assembly and the activation), plus a few ms.
      const afterChunks = Math.floor(nextRandom() * (chunksToGo + 1));
      const started = Date.now();
      const chunks = () => run.lines.filter((line) => line.e === 'chunk').length;
      while (!run.lines.some((line) => line.e === 'activated') && chunks() < afterChunks && Date.now() - started < 5_000) await sleep(0);
      if (afterChunks === 0) while (!run.lines.some((line) => line.e === 'downloading' || line.e === 'activated') && Date.now() - started < 5_000) await sleep(0);
      await sleep(nextRandom() * 4);
    }
    run.child.kill('SIGKILL');
    await run.exited;
    const sawChunk = run.lines.some((line) => line.e === 'chunk' || line.e === 'downloading');
    const sawActivated = run.lines.some((line) => line.e === 'activated');
    if (sawActivated) phases.afterActivation += 1;
    else if (sawChunk) phases.duringDownload += 1;
    else phases.beforeDownload += 1;
    assert.ok(!run.lines.some((line) => line.e === 'stderr' || line.e === 'error'), JSON.stringify(run.lines.filter((line) => line.e === 'stderr' || line.e === 'error')));
    const inspectStart = Date.now();
    inspected = inspect(dataDir, published);
    inspectMs += Date.now() - inspectStart;
    for (const id of inspected.closedPlays) seenPlays.add(id);
  }
  t.diagnostic(`first sync ~${syncMs} ms; kills: ${JSON.stringify(phases)}; bundles published ${published.size}; play records seen ${seenPlays.size}`);
  t.diagnostic(`kill loop ${Date.now() - loopStart} ms, of which child start-up ${startupMs} ms, inspection ${inspectMs} ms, publishing ${publishMs} ms`);
  const catchUpStart = Date.now();
  assert.ok(phases.duringDownload >= KILLS / 3, `most kills should land mid-download: ${JSON.stringify(phases)}`);

  // A last, clean run: it catches up, uploads everything, and is stopped politely.
  const last = await startChild();
  warm.child.kill('SIGKILL');
  const deadline = Date.now() + 15_000;
  for (;;) {
    const state = inspect(dataDir, published);
    const atHub = new Set(hub.plays({ deviceId: identity.deviceId }).map((row) => row.recordId));
    const missing = [...seenPlays].filter((id) => !atHub.has(id));
    if (state.activeBundleId === lastPublished && missing.length === 0) break;
    if (Date.now() > deadline) assert.fail(`not caught up: active ${state.activeBundleId}, ${missing.length} seen play records not at the hub`);
    await sleep(50);
  }
  t.diagnostic(`final catch-up ${Date.now() - catchUpStart} ms`);
  last.child.kill('SIGTERM');
  await last.exited;
  const finalState = inspect(dataDir, published);
  assert.equal(finalState.activeBundleId, lastPublished);

  // No loss: every record ever seen closed in the database is at the hub.
  const rows = hub.plays({ deviceId: identity.deviceId });
  const ids = new Set(rows.map((row) => row.recordId));
  for (const id of seenPlays) assert.ok(ids.has(id), `record ${id} lost`);
  // No duplicates: one row per id, and no two records claim the same moment on screen.
  assert.equal(ids.size, rows.length);
  const sorted = [...rows].sort((a, b) => a.startMs - b.startMs);
  for (let i = 1; i < sorted.length; i += 1) {
    assert.ok(sorted[i]!.startMs >= sorted[i - 1]!.endMs, `overlapping records: ${JSON.stringify([sorted[i - 1], sorted[i]])}`);
  }
  assert.ok(rows.length > 20, `enough plays to mean something: ${rows.length}`);
  t.diagnostic(`plays at the hub: ${rows.length}`);
});
