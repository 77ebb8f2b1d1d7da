import { createHash } from 'node:crypto';
import { Backoff, DEFAULT_BACKOFF } from '../../../player/core/backoff.ts';
import { DEFAULT_HEALTHY_AFTER_MS } from '../../../player/core/sync-client.ts';
import { createDeviceIdentity, ProtocolClient, type DeviceIdentity } from '../../support/protocol-client.ts';
import { processUsage, serve, sleep } from './ipc.ts';

// Hundreds to thousands of lightweight players in one process, each a real socket speaking the
// real protocol through the lean ProtocolClient: hello signed with its own Ed25519 device key,
// get-blob for what a new offer lacks, sha256 of every blob checked, then `activated`. They hold
// no database and no blob bytes, only the set of hashes they have.
//
// Two behaviours:
//   - "offers" (sync bench, idle fleet): connect once, then act on every offer;
//   - "reconnect" (reconnect bench): stay connected, and when the socket goes, reconnect with
//     the real player's policy: player/core/backoff.ts (full jitter, DEFAULT_BACKOFF), reset
//     only after a connection that lasted DEFAULT_HEALTHY_AFTER_MS, exactly as SyncClient does.

interface HeldBundle {
  readonly bundleId: string;
  readonly blobs: ReadonlySet<string>;
}

interface Sim {
  readonly index: number;
  readonly screenId: string;
  readonly identity: DeviceIdentity;
  readonly localAddress: string | undefined;
  client: ProtocolClient | undefined;
  held: HeldBundle;
  /** Binary (blob chunk) frame bytes received on all this sim's connections. */
  blobBytes: number;
  totalBytesBase: number;
  // Measurement of the armed publish.
  blobBytesAtArm: number;
  totalBytesAtArm: number;
  offerAt: number | null;
  activatedAt: number | null;
  error: string | null;
}

const sims: Sim[] = [];
let mode: 'offers' | 'reconnect' = 'offers';
let url = '';
let target: Record<string, string> = {};
let stopping = false;
const deadline = Date.now() + Number(process.env.BENCH_WORKER_LIFETIME_MS ?? 15 * 60_000);
const blobSets = new Map<string, ReadonlySet<string>>();
/** Parsed manifests by bundle id (= sha256 of the manifest bytes, checked by each player before use). */
const manifests = new Map<string, { blobs: { hash: string; bytes: number }[] }>();

// Reconnect bookkeeping: every attempt and every welcome, with wall-clock times (Date.now(), the
// clock every process on the machine shares) so the bench can line them up with the hub restart.
let random: () => number = Math.random;
const attempts: number[] = [];
const welcomes: number[] = [];
/** Attempt to welcome, ms, for attempts that succeeded: how long a reconnecting player queued at the hub. */
const handshakes: number[] = [];
const failures = new Map<string, number>();
let online = 0;
const sleepers = new Set<() => void>();

function totalBytes(sim: Sim): number {
  return sim.totalBytesBase + (sim.client?.bytesReceived ?? 0);
}

function heldSet(bundleId: string, hashes: readonly string[]): HeldBundle {
  let blobs = blobSets.get(bundleId);
  if (!blobs) blobSets.set(bundleId, (blobs = new Set(hashes)));
  return { bundleId, blobs };
}

function countFailure(what: string): void {
  failures.set(what, (failures.get(what) ?? 0) + 1);
}

/** One connection: open, signed hello, welcome. The socket's byte counters are attached here. */
async function connectOnce(sim: Sim, timeoutMs: number): Promise<ProtocolClient> {
  const { client, reply } = await ProtocolClient.connect({
    url,
    identity: sim.identity,
    screenId: sim.screenId,
    bundleId: sim.held.bundleId,
    validate: false,
    timeoutMs,
    version: 'bench-light',
    ...(sim.localAddress ? { localAddress: sim.localAddress } : {}),
  });
  if (reply.type !== 'welcome') {
    client.drop().catch(() => {});
    throw new Error(`refused: ${reply.reason}`);
  }
  client.ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) sim.blobBytes += data.length;
  });
  void client.closed.then(() => {
    sim.totalBytesBase += client.bytesReceived;
    if (sim.client === client) sim.client = undefined;
  });
  sim.client = client;
  if (mode === 'offers') void followOffers(sim, client);
  return client;
}

/** Acts on offers until the socket closes: fetch what is missing, check hashes, activate. */
async function followOffers(sim: Sim, client: ProtocolClient): Promise<void> {
  while (!client.isClosed() && !stopping) {
    let offer;
    try {
      offer = await client.next('offer', Math.max(1, deadline - Date.now()));
    } catch {
      return; // closed, or the worker's time is up
    }
    const receivedAt = Date.now();
    const armed = target[sim.screenId] === offer.bundleId;
    if (armed) sim.offerAt = receivedAt;
    try {
      const manifestBytes = Buffer.from(offer.manifest, 'base64');
      if (createHash('sha256').update(manifestBytes).digest('hex') !== offer.bundleId) throw new Error('offer: bundle id is not the manifest hash');
      // Every player checks the hash itself; the parsed blob list of identical bytes is shared
      // within the worker, so the bench does not spend its CPU parsing the same JSON hundreds of times.
      let manifest = manifests.get(offer.bundleId);
      if (!manifest) manifests.set(offer.bundleId, (manifest = JSON.parse(manifestBytes.toString('utf8')) as { blobs: { hash: string; bytes: number }[] }));
      for (const blob of manifest.blobs) {
        if (sim.held.blobs.has(blob.hash)) continue;
        const { bytes } = await client.fetchBlob(blob.hash, { timeoutMs: 60_000 });
        if (bytes.length !== blob.bytes || createHash('sha256').update(bytes).digest('hex') !== blob.hash) throw new Error(`blob ${blob.hash} does not match its hash`);
      }
      client.send({ type: 'activated', bundleId: offer.bundleId });
      sim.held = heldSet(offer.bundleId, manifest.blobs.map((blob) => blob.hash));
      if (armed) sim.activatedAt = Date.now();
    } catch (error) {
      if (armed) sim.error = (error as Error).message;
      countFailure(`offer: ${(error as Error).message.slice(0, 80)}`);
    }
  }
}

/** Runs `task` over all items with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !stopping) await task(items[next++]!);
  });
  await Promise.all(lanes);
}

function interruptibleSleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      sleepers.delete(wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    sleepers.add(wake);
  });
}

/** The real player's reconnect loop (SyncClient.connect/scheduleReconnect), minus the database. */
async function reconnectLoop(sim: Sim, first: Promise<ProtocolClient | null>): Promise<void> {
  const backoff = new Backoff(DEFAULT_BACKOFF, () => random());
  let pending: Promise<ProtocolClient | null> | null = first;
  while (!stopping && Date.now() < deadline) {
    let welcomedAt: number | null = null;
    let client: ProtocolClient | null = null;
    if (pending) {
      client = await pending;
      pending = null;
      if (client) welcomedAt = Date.now();
    } else {
      const attemptAt = Date.now();
      attempts.push(attemptAt);
      try {
        client = await connectOnce(sim, 10_000);
        welcomedAt = Date.now();
        welcomes.push(welcomedAt);
        handshakes.push(welcomedAt - attemptAt);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        countFailure(code ?? (error as Error).message.slice(0, 60));
      }
    }
    if (client) {
      online += 1;
      await client.closed;
      online -= 1;
    }
    if (stopping) return;
    const endedAt = Date.now();
    if (welcomedAt !== null && endedAt - welcomedAt >= DEFAULT_HEALTHY_AFTER_MS) backoff.reset();
    await interruptibleSleep(backoff.next());
  }
}

serve({
  usage: () => processUsage(),
  /** Makes `screens.length` players with fresh device keys; returns what the hub must pre-approve. */
  init(params: { screens: string[]; localAddresses: string[]; mode: 'offers' | 'reconnect' }) {
    mode = params.mode;
    for (const [index, screenId] of params.screens.entries()) {
      sims.push({
        index,
        screenId,
        identity: createDeviceIdentity(),
        localAddress: params.localAddresses.length ? params.localAddresses[index % params.localAddresses.length] : undefined,
        client: undefined,
        held: { bundleId: '', blobs: new Set() },
        blobBytes: 0,
        totalBytesBase: 0,
        blobBytesAtArm: 0,
        totalBytesAtArm: 0,
        offerAt: null,
        activatedAt: null,
        error: null,
      });
    }
    return sims.map((sim) => ({ publicKeyPem: sim.identity.publicKeyPem, screenId: sim.screenId }));
  },

  /**
   * Connects every player (at most `concurrency` handshakes at once), each saying in its hello
   * that it already shows its screen's current bundle, as players do after a restart.
   */
  async connect(params: { url: string; held: Record<string, { bundleId: string; blobs: string[] }>; concurrency: number }) {
    url = params.url;
    for (const sim of sims) {
      const held = params.held[sim.screenId];
      if (held) sim.held = heldSet(held.bundleId, held.blobs);
    }
    const started = Date.now();
    let failed = 0;
    const handshakeMs: number[] = [];
    if (mode === 'offers') {
      await pool(sims, params.concurrency, async (sim) => {
        for (let attempt = 0; attempt < 3; attempt += 1) {
          const t = Date.now();
          try {
            await connectOnce(sim, 30_000);
            handshakeMs.push(Date.now() - t);
            return;
          } catch (error) {
            countFailure(`connect: ${(error as Error).message.slice(0, 60)}`);
            await sleep(200 * (attempt + 1));
          }
        }
        failed += 1;
      });
    } else {
      // First connections through the pool; then each player's own loop takes over for good.
      const firsts = new Map<Sim, { resolve: (client: ProtocolClient | null) => void; promise: Promise<ProtocolClient | null> }>();
      for (const sim of sims) {
        let resolve!: (client: ProtocolClient | null) => void;
        const promise = new Promise<ProtocolClient | null>((r) => (resolve = r));
        firsts.set(sim, { resolve, promise });
        void reconnectLoop(sim, promise);
      }
      await pool(sims, params.concurrency, async (sim) => {
        const t = Date.now();
        try {
          const client = await connectOnce(sim, 30_000);
          handshakeMs.push(Date.now() - t);
          firsts.get(sim)!.resolve(client);
        } catch (error) {
          countFailure(`connect: ${(error as Error).message.slice(0, 60)}`);
          failed += 1;
          firsts.get(sim)!.resolve(null);
        }
      });
    }
    handshakeMs.sort((a, b) => a - b);
    return { connected: sims.length - failed, failed, ms: Date.now() - started, handshakeMedianMs: handshakeMs[Math.floor(handshakeMs.length / 2)] ?? null };
  },

  /** Starts measuring: the bundle each screen is about to be offered, and byte counters from now. */
  arm(params: { target: Record<string, string> }) {
    target = params.target;
    for (const sim of sims) {
      sim.offerAt = null;
      sim.activatedAt = null;
      sim.error = null;
      sim.blobBytesAtArm = sim.blobBytes;
      sim.totalBytesAtArm = totalBytes(sim);
    }
    attempts.length = 0;
    welcomes.length = 0;
    handshakes.length = 0;
    failures.clear();
    return sims.length;
  },

  progress() {
    let activated = 0;
    let errors = 0;
    for (const sim of sims) {
      if (sim.activatedAt !== null) activated += 1;
      if (sim.error !== null) errors += 1;
    }
    const open = sims.filter((sim) => sim.client && !sim.client.isClosed()).length;
    return { players: sims.length, activated, errors, open, online };
  },

  results() {
    return sims.map((sim) => ({
      screenId: sim.screenId,
      offerAt: sim.offerAt,
      activatedAt: sim.activatedAt,
      blobBytes: sim.blobBytes - sim.blobBytesAtArm,
      totalBytes: totalBytes(sim) - sim.totalBytesAtArm,
      error: sim.error,
    }));
  },

  /** Reconnect bench: the attempt and welcome times since arm(), and why attempts failed. */
  reconnectLog() {
    return { attempts: [...attempts], welcomes: [...welcomes], handshakes: [...handshakes], failures: Object.fromEntries(failures), online };
  },

  /** true: full jitter as in production; false: the same exponential ceilings with no jitter (baseline). */
  setJitter(params: { jitter: boolean }) {
    random = params.jitter ? Math.random : () => 1;
    return params.jitter;
  },

  failures: () => Object.fromEntries(failures),

  async close() {
    stopping = true;
    for (const wake of [...sleepers]) wake();
    const closing = sims.map((sim) => sim.client?.close());
    const all = Promise.all(closing);
    await Promise.race([all, sleep(5000)]);
    for (const sim of sims) if (sim.client && !sim.client.isClosed()) void sim.client.drop();
    return sims.length;
  },
});
