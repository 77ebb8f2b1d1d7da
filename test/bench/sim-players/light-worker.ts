import { createHash, type KeyObject } from 'node:crypto';
import { loadPublicKey, verifyBytes } from '../../../compiler/trust/station-key.ts';
import { parseSignature } from '../../../compiler/trust/verify-bundle.ts';
import { Backoff, DEFAULT_BACKOFF } from '../../../player/core/backoff.ts';
import { decodeOffer } from '../../../player/core/offer-documents.ts';
import { DEFAULT_HEALTHY_AFTER_MS } from '../../../player/core/sync-client.ts';
import { createDeviceIdentity, ProtocolClient, type DeviceIdentity } from '../../support/protocol-client.ts';
import type { HeldBundleParams } from './fleet.ts';
import { processUsage, serve, sleep } from './ipc.ts';

// Hundreds to thousands of lightweight players in one process, each a real socket speaking the
// real protocol through the lean ProtocolClient: hello signed with its own Ed25519 device key;
// on an offer, what every player must do before it fetches a byte: rebuild the manifest and
// schedule from the offer (player/core/offer-documents.ts: decompress, apply the delta to the
// documents of the bundle it holds, or ask for the offer whole), check that the manifest
// hashes to the bundle id and that the station key signed both; then get-blob for what it
// lacks, the sha256 of every blob checked, then `activated`. They hold no database, only the
// documents and blob hashes of the bundle they show (shared between players holding the same
// bundle: they are the same bytes). The parsed blob list is shared too, once a player has
// checked the bytes' hash and signature: parsing identical JSON hundreds of times in one
// process would measure the bench, not the protocol (a full player core parses and
// schema-checks everything, in its own process).
//
// Checks, two ways (`checks`, set by the bench):
//   - "each": every player decodes the offer, verifies both signatures and hashes every blob
//     itself, as a real player does on its own CPU;
//   - "shared" (the sync bench's default): a player whose received bytes are identical to
//     bytes another player of this process has already checked takes that result: the offer
//     frame is compared as a string (same frame from the same held bundle: same documents,
//     same signatures, same verdict), a blob chunk byte for byte against the copy whose sha256
//     was checked. The conclusion is the same as checking again, because it is drawn from the
//     same bytes; what is not spent is the CPU that, in the field, a thousand players spend
//     each on its own processor, in parallel, and that here would all fall on the two cores
//     the hub runs on. Every player still receives every byte over its own socket, and
//     anything that differs by one byte is checked in full. The full player cores in the
//     bench check everything themselves.
//
// Two behaviours:
//   - "offers" (sync bench, idle fleet): connect once, then act on every offer;
//   - "reconnect" (reconnect bench): stay connected, and when the socket goes, reconnect with
//     the real player's policy: player/core/backoff.ts (full jitter, DEFAULT_BACKOFF), reset
//     only after a connection that lasted DEFAULT_HEALTHY_AFTER_MS, exactly as SyncClient does.

interface HeldBundle {
  readonly bundleId: string;
  readonly manifest: Uint8Array;
  readonly schedule: Uint8Array;
  readonly blobs: ReadonlySet<string>;
}

interface Sim {
  readonly index: number;
  readonly screenId: string;
  readonly identity: DeviceIdentity;
  readonly localAddress: string | undefined;
  client: ProtocolClient | undefined;
  held: HeldBundle;
  /** The bundle this player last asked for whole (get-offer): asked once, not again. */
  askedWhole: string | null;
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
const heldBundles = new Map<string, HeldBundle>();
/** Blob lists by bundle id, parsed once per worker after a player checked the manifest's hash and signature. */
const blobLists = new Map<string, { hash: string; bytes: number }[]>();
let stationKey: KeyObject | undefined;
let checks: 'each' | 'shared' = 'each';

interface CheckedOffer {
  readonly manifest: Buffer;
  readonly schedule: Buffer;
}
/** "shared" checks: offers this process has decoded and verified, by held bundle and exact frame content. */
const checkedOffers = new Map<string, CheckedOffer>();
/** "shared" checks: blobs whose sha256 this process has checked, with their bytes, for byte comparison. */
const checkedBlobs = new Map<string, Buffer>();

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

function heldBundle(held: { bundleId: string; manifest: Uint8Array; schedule: Uint8Array; blobs: readonly string[] }): HeldBundle {
  let bundle = heldBundles.get(held.bundleId);
  if (!bundle) heldBundles.set(held.bundleId, (bundle = { bundleId: held.bundleId, manifest: held.manifest, schedule: held.schedule, blobs: new Set(held.blobs) }));
  return bundle;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

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
    if (armed && sim.offerAt === null) sim.offerAt = receivedAt;
    try {
      const held = sim.held;
      const offered = checkOffer(offer, held);
      if (!offered) {
        if (sim.askedWhole === offer.bundleId) throw new Error(`offer: a delta from ${offer.deltaFrom} again after get-offer`);
        sim.askedWhole = offer.bundleId;
        client.send({ type: 'get-offer' });
        continue;
      }
      let blobs = blobLists.get(offer.bundleId);
      if (!blobs) blobLists.set(offer.bundleId, (blobs = (JSON.parse(offered.manifest.toString('utf8')) as { blobs: { hash: string; bytes: number }[] }).blobs));
      for (const blob of blobs) {
        if (held.blobs.has(blob.hash)) continue;
        await fetchCheckedBlob(client, blob);
      }
      client.send({ type: 'activated', bundleId: offer.bundleId });
      sim.held = heldBundle({ bundleId: offer.bundleId, manifest: offered.manifest, schedule: offered.schedule, blobs: blobs.map((blob) => blob.hash) });
      if (armed) sim.activatedAt = Date.now();
    } catch (error) {
      if (armed) sim.error = (error as Error).message;
      countFailure(`offer: ${(error as Error).message.slice(0, 80)}`);
    }
  }
}

type Offer = Parameters<typeof decodeOffer>[0];

/**
 * The offer's documents, decoded and checked (manifest hash = bundle id, both signatures by the
 * station key); undefined when the offer is a delta from a bundle this player does not hold.
 */
function checkOffer(offer: Offer, held: HeldBundle): CheckedOffer | undefined {
  const key = checks === 'shared' ? [held.bundleId, offer.bundleId, offer.deltaFrom ?? '', offer.manifest, offer.manifestSig, offer.schedule, offer.scheduleSig].join('\n') : '';
  const known = checks === 'shared' ? checkedOffers.get(key) : undefined;
  if (known) return known;
  const offered = decodeOffer(offer, (id) => (id === held.bundleId ? held : undefined));
  if (!offered) return undefined;
  if (sha256(offered.manifest) !== offer.bundleId) throw new Error('offer: bundle id is not the manifest hash');
  if (!verifyBytes(offered.manifest, parseSignature(offered.manifestSig, 'manifest'), stationKey!)) throw new Error('offer: manifest signature does not verify');
  if (!verifyBytes(offered.schedule, parseSignature(offered.scheduleSig, 'schedule'), stationKey!)) throw new Error('offer: schedule signature does not verify');
  const checked = { manifest: offered.manifest, schedule: offered.schedule };
  if (checks === 'shared') checkedOffers.set(key, checked);
  return checked;
}

/** get-blob, then every byte checked: against its sha256, or ("shared") against a copy already checked. */
async function fetchCheckedBlob(client: ProtocolClient, blob: { hash: string; bytes: number }): Promise<void> {
  if (checks === 'each') {
    // Hashed chunk by chunk as it arrives: a player needs the digest, not a copy of the whole blob.
    const digest = createHash('sha256');
    const { received } = await client.fetchBlob(blob.hash, { timeoutMs: 60_000, consume: (bytes) => digest.update(bytes) });
    if (received !== blob.bytes || digest.digest('hex') !== blob.hash) throw new Error(`blob ${blob.hash} does not match its hash`);
    return;
  }
  // Players of one screen fetch the same blob at the same time. The first to have all of it
  // hashes it; the others compare their chunks with that copy: as they arrive once it exists,
  // and those that arrived before it at the end of the fetch.
  const kept: { offset: number; bytes: Buffer }[] = [];
  let offset = 0;
  let differs = false;
  const sameAsChecked = (reference: Buffer, at: number, bytes: Buffer) => at + bytes.length <= reference.length && reference.subarray(at, at + bytes.length).equals(bytes);
  const { received } = await client.fetchBlob(blob.hash, {
    timeoutMs: 60_000,
    consume: (bytes) => {
      const reference = checkedBlobs.get(blob.hash);
      if (reference) differs ||= !sameAsChecked(reference, offset, bytes);
      else kept.push({ offset, bytes });
      offset += bytes.length;
    },
  });
  if (received !== blob.bytes) throw new Error(`blob ${blob.hash} arrived with ${received} bytes, not ${blob.bytes}`);
  const reference = checkedBlobs.get(blob.hash);
  if (!reference) {
    // Everything was kept (nothing to compare with until now): this player checks the hash.
    const bytes = Buffer.concat(kept.map((part) => part.bytes));
    if (sha256(bytes) !== blob.hash) throw new Error(`blob ${blob.hash} does not match its hash`);
    checkedBlobs.set(blob.hash, bytes);
    return;
  }
  for (const part of kept) differs ||= !sameAsChecked(reference, part.offset, part.bytes);
  if (differs) throw new Error(`blob ${blob.hash} differs from the bytes that matched its hash`);
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
        held: { bundleId: '', manifest: new Uint8Array(0), schedule: new Uint8Array(0), blobs: new Set() },
        askedWhole: null,
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
  async connect(params: { url: string; held: Record<string, HeldBundleParams>; stationPublicKeyPem: string; concurrency: number; checks: 'each' | 'shared' }) {
    url = params.url;
    checks = params.checks;
    stationKey = loadPublicKey(params.stationPublicKeyPem);
    for (const sim of sims) {
      const held = params.held[sim.screenId];
      if (held) sim.held = heldBundle(held);
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
