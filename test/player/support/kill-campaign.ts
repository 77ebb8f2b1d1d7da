import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BLOB_CHUNK_BYTES } from '../../../compiler/format/wire-messages.ts';
import { startHub, type RunningHub } from '../../../hub/hub-server.ts';
import { BundleStore } from '../../../player/core/bundle-store.ts';
import { verifyStoredBundle } from '../../../player/core/offer-verification.ts';
import { DATABASE_FILE } from '../../../player/core/player-runtime.ts';
import { openPlayerDatabase } from '../../../player/core/player-database.ts';
import { buildPlayerChild } from './child-build.ts';
import { approvedPlayerDir } from './player-fixtures.ts';
import { COMPILE_AT_MS, compileSamples, makeStation, noiseBlob, PLAY_AT_MS, SCREEN, variantBundle, type Station } from './bundles.ts';

// Power cuts and crashes, simulated (issue 4's fault test, and `npm run bench -- faults` with
// more kills): a player core in a child process, syncing with the real hub, is killed with
// SIGKILL at random moments (mostly while it downloads and activates), then restarted. After
// every kill its database is opened as the next start would open it and must pass
// integrity_check, hold at most one active bundle, and (once the first download finished)
// hold one: complete, published by the station and verifying against its key. A board comes
// back to a whole bundle, never a blank or half-updated screen. At the end a clean run must
// catch up, and every proof-of-play record ever seen closed on disk must be at the hub
// exactly once. A broken invariant throws (node:assert), naming the kill.

/** Each variant adds this much new content, so every publish means a real download. */
const NEW_BYTES_PER_BUNDLE = 2 * 1024 * 1024;
const CLOCK_RATE = 400;
const CHUNKS_PER_BUNDLE = NEW_BYTES_PER_BUNDLE / BLOB_CHUNK_BYTES;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type KillPhase = 'beforeDownload' | 'duringDownload' | 'afterActivation';

export interface KillRecord {
  readonly kill: number;
  /** Where the player was when it died, judged by what it had reported. */
  readonly phase: KillPhase;
  /** From the restart (go) to the player showing what it holds (its 'ready'). */
  readonly readyMs: number;
  readonly activeBundleId: string | null;
}

export interface KillCampaignResult {
  readonly kills: number;
  readonly phases: Readonly<Record<KillPhase, number>>;
  readonly readyMs: readonly number[];
  readonly firstSyncMs: number;
  readonly bundlesPublished: number;
  readonly loopMs: number;
  readonly childStartupMs: number;
  readonly inspectMs: number;
  readonly publishMs: number;
  readonly catchUpMs: number;
  /** Proof-of-play records seen closed on disk after some kill, and rows the hub holds. */
  readonly playsSeen: number;
  readonly playsAtHub: number;
  /** Seen on disk, never at the hub. */
  readonly playsLost: readonly string[];
  /** Hub rows beyond one per record id. */
  readonly duplicateRows: number;
  /** Pairs of hub rows claiming the same moment on screen. */
  readonly overlappingRows: number;
}

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
 * Spawns a player child that loads its code and then waits: the caller starts the next one
 * while the current one runs, so Node's start-up is not on the critical path of every kill.
 */
function spawnChild(childScript: string, config: Record<string, unknown>, children: Set<ChildProcess>): ChildRun {
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
  // A child that dies before it is ready must fail the campaign, not hang it.
  const orDead = (promise: Promise<void>) => {
    const raced = Promise.race([promise, exited.then(() => Promise.reject(new Error(`the player child exited early: ${JSON.stringify(lines)}`)))]);
    raced.catch(() => {});
    return raced;
  };
  return { child, lines, warm: orDead(warm), ready: orDead(ready), exited, go: () => void child.stdin!.write('go\n') };
}

/** Opens the killed player's database as the next start would, and checks it. */
function inspect(options: { dataDir: string; published: ReadonlySet<string>; station: Station; what: string }): { activeBundleId: string | null; closedPlays: string[]; chunksToGo: number | null } {
  const db = openPlayerDatabase({ path: join(options.dataDir, DATABASE_FILE) });
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok', `${options.what}: integrity_check`);
    assert.deepEqual(db.pragma('foreign_key_check'), [], `${options.what}: foreign_key_check`);
    const store = new BundleStore(db);
    const active = store.active();
    if (active) {
      assert.ok(options.published.has(active.id), `${options.what}: the active bundle is one the station published`);
      // Complete and verified: signatures, schema, and every blob's bytes against its hash.
      verifyStoredBundle({ bundle: active, screenId: SCREEN, stationPublicKey: options.station.publicKey, blobBytes: (hash) => store.blobBytes(hash) });
    }
    const states = db.prepare("SELECT count(*) AS n FROM bundles WHERE state = 'active'").get() as { n: number };
    assert.ok(states.n <= 1, `${options.what}: ${states.n} active bundles`);
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

export async function runKillCampaign(options: {
  readonly kills: number;
  /** A scratch directory the campaign may fill (compiles, the hub's and the player's data). */
  readonly root: string;
  /** Seeds the kill moments: a failing campaign can be replayed kill for kill. */
  readonly seed?: number;
  readonly onKill?: (record: KillRecord) => void;
}): Promise<KillCampaignResult> {
  const { root, kills } = options;
  const station = makeStation();
  const childScript = await buildPlayerChild(root);
  const baseOut = await compileSamples({ station, outDir: join(root, 'out-base'), cacheDir: join(root, 'cache') });
  let variantCount = 0;
  /** A new compile for the screen, issued later than the last, with its own new blobs. */
  const nextVariant = async (): Promise<{ outDir: string; bundleId: string }> => {
    variantCount += 1;
    const i = variantCount;
    return variantBundle({
      fromDir: baseOut,
      toDir: join(root, `out-${i}`),
      signer: station,
      issuedAtMs: COMPILE_AT_MS + i * 60_000,
      extraBlobs: [noiseBlob(NEW_BYTES_PER_BUNDLE / 2, 100 + 2 * i), noiseBlob(NEW_BYTES_PER_BUNDLE / 2, 101 + 2 * i)],
    });
  };

  const hub: RunningHub = await startHub({ dataDir: join(root, 'hub'), port: 0, stationPublicKey: station.publicKey, heartbeatMs: 1_000 });
  const children = new Set<ChildProcess>();
  try {
    const dataDir = join(root, 'player');
    const identity = await approvedPlayerDir(hub, dataDir, SCREEN);

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

    let warm = spawnChild(childScript, config, children);
    /** Starts the warmed-up child and warms up the next one; returns it with its go-to-ready time. */
    const startChild = async (): Promise<{ run: ChildRun; readyMs: number }> => {
      const run = warm;
      await run.warm;
      const go = Date.now();
      run.go();
      warm = spawnChild(childScript, config, children);
      await run.ready;
      return { run, readyMs: Date.now() - go };
    };
    // A first, uninterrupted sync: its duration bounds the kills aimed at start-up and handshake.
    const { run: probe } = await startChild();
    const probeStart = Date.now();
    while (!probe.lines.some((line) => line.e === 'activated') && Date.now() - probeStart < 10_000) await sleep(2);
    const firstSyncMs = Date.now() - probeStart;
    probe.child.kill('SIGKILL');
    await probe.exited;
    assert.ok(probe.lines.some((line) => line.e === 'activated'), `the first download completes: ${JSON.stringify(probe.lines.slice(-3))}`);
    let inspected = inspect({ dataDir, published, station, what: 'after the first sync' });
    const seenPlays = new Set(inspected.closedPlays);

    const loopStart = Date.now();
    let childStartupMs = 0;
    let inspectMs = 0;
    let publishMs = 0;
    const readyMs: number[] = [];
    const phases: Record<KillPhase, number> = { beforeDownload: 0, duringDownload: 0, afterActivation: 0 };
    let random = options.seed ?? 12345;
    const nextRandom = () => ((random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let kill = 0; kill < kills; kill += 1) {
      const publishStart = Date.now();
      let chunksToGo = inspected.chunksToGo ?? 0;
      if (inspected.activeBundleId === lastPublished) {
        await publishNext();
        chunksToGo = CHUNKS_PER_BUNDLE;
      }
      publishMs += Date.now() - publishStart;
      const spawned = Date.now();
      const { run, readyMs: ready } = await startChild();
      childStartupMs += Date.now() - spawned;
      readyMs.push(ready);
      if (kill % 4 === 0) {
        // Anywhere in the start-up, handshake and sync.
        await sleep(nextRandom() * firstSyncMs);
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
      const phase: KillPhase = sawActivated ? 'afterActivation' : sawChunk ? 'duringDownload' : 'beforeDownload';
      phases[phase] += 1;
      const problems = run.lines.filter((line) => line.e === 'stderr' || line.e === 'error');
      assert.deepEqual(problems, [], `kill ${kill + 1}: the player reported errors`);
      const inspectStart = Date.now();
      inspected = inspect({ dataDir, published, station, what: `kill ${kill + 1} (${phase})` });
      inspectMs += Date.now() - inspectStart;
      // The first sync activated a bundle: from then on a restart always has one to show.
      assert.ok(inspected.activeBundleId !== null, `kill ${kill + 1} (${phase}): no active bundle, a blank screen`);
      for (const id of inspected.closedPlays) seenPlays.add(id);
      options.onKill?.({ kill: kill + 1, phase, readyMs: ready, activeBundleId: inspected.activeBundleId });
    }
    const loopMs = Date.now() - loopStart;

    // A last, clean run: it catches up, uploads everything, and is stopped politely.
    const catchUpStart = Date.now();
    const { run: last } = await startChild();
    warm.child.kill('SIGKILL');
    const deadline = Date.now() + 15_000;
    for (;;) {
      const state = inspect({ dataDir, published, station, what: 'catching up' });
      const atHub = new Set(hub.plays({ deviceId: identity.deviceId }).map((row) => row.recordId));
      const missing = [...seenPlays].filter((id) => !atHub.has(id));
      if (state.activeBundleId === lastPublished && missing.length === 0) break;
      if (Date.now() > deadline) throw new Error(`not caught up after 15 s: active ${state.activeBundleId}, ${missing.length} seen play records not at the hub`);
      await sleep(50);
    }
    const catchUpMs = Date.now() - catchUpStart;
    last.child.kill('SIGTERM');
    await last.exited;
    const finalState = inspect({ dataDir, published, station, what: 'after a clean stop' });
    assert.equal(finalState.activeBundleId, lastPublished, 'the last clean run ends on the newest bundle');

    const rows = hub.plays({ deviceId: identity.deviceId });
    const ids = new Set(rows.map((row) => row.recordId));
    const sorted = [...rows].sort((a, b) => a.startMs - b.startMs);
    let overlappingRows = 0;
    for (let i = 1; i < sorted.length; i += 1) if (sorted[i]!.startMs < sorted[i - 1]!.endMs) overlappingRows += 1;
    return {
      kills,
      phases,
      readyMs,
      firstSyncMs,
      bundlesPublished: published.size,
      loopMs,
      childStartupMs,
      inspectMs,
      publishMs,
      catchUpMs,
      playsSeen: seenPlays.size,
      playsAtHub: rows.length,
      playsLost: [...seenPlays].filter((id) => !ids.has(id)),
      duplicateRows: rows.length - ids.size,
      overlappingRows,
    };
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await hub.close();
  }
}
