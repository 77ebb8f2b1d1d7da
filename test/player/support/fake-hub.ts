import { randomBytes, createPublicKey, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  BLOB_CHUNK_BYTES,
  helloSigningText,
  playerMessage,
  WIRE_PROTOCOL_VERSION,
  type HubMessage,
  type PlayerMessage,
  type PlayRecord,
} from '../../../compiler/format/wire-messages.ts';
import { encodeByteDelta } from '../../../compiler/format/byte-delta.ts';
import { keyId, sha256Hex } from '../../../compiler/trust/station-key.ts';
import { encodeBlobChunk } from '../../../player/core/blob-chunk-frame.ts';

// A small stand-in for the hub, speaking the real wire protocol over a real ws socket on
// 127.0.0.1, with hooks the real hub deliberately lacks: serve altered bytes, cut a stream
// after N chunks, slow chunks down, replay any offer. Tests of the player's own behaviour
// use it; tests of the whole system use the real hub (hub/hub-server.ts).

export type Approval = 'approved' | 'pending' | 'revoked';
export type ChunkDecision = 'send' | 'drop' | 'skip';

export interface FakeHubOptions {
  /** Approval of devices not listed in `devices` (default 'approved'). */
  readonly defaultApproval?: Approval;
  readonly chunkBytes?: number;
  /** Called before each chunk frame is sent: 'drop' cuts the connection there, 'skip' loses that one frame. */
  readonly beforeChunk?: (info: { hash: string; offset: number; total: number }) => ChunkDecision | Promise<ChunkDecision>;
  /** Replace a blob's bytes as served (tampering). */
  readonly tamper?: (hash: string, bytes: Buffer) => Buffer;
  readonly hubTimeMs?: () => number;
}

export interface FakeOffer {
  readonly screenId: string;
  readonly bundleId: string;
  readonly manifest: Buffer;
  readonly manifestSig: Buffer;
  readonly schedule: Buffer;
  readonly scheduleSig: Buffer;
  readonly blobs: Map<string, Buffer>;
}

export async function loadOffer(outDir: string, screenId: string): Promise<FakeOffer> {
  const screenDir = join(outDir, 'screens', screenId);
  const manifest = await readFile(join(screenDir, 'manifest.json'));
  const parsed = JSON.parse(manifest.toString('utf8')) as { blobs: { hash: string }[] };
  const blobs = new Map<string, Buffer>();
  for (const blob of parsed.blobs) blobs.set(blob.hash, await readFile(join(outDir, 'blobs', blob.hash)));
  return {
    screenId,
    bundleId: sha256Hex(manifest),
    manifest,
    manifestSig: await readFile(join(screenDir, 'manifest.sig')),
    schedule: await readFile(join(screenDir, 'schedule.json')),
    scheduleSig: await readFile(join(screenDir, 'schedule.sig')),
    blobs,
  };
}

interface Peer {
  readonly ws: WebSocket;
  deviceId: string | null;
  screenId: string | null;
  /** What the player said it shows (hello, activated): the base of the offers it gets. */
  shownBundleId: string | null;
}

const compress = (bytes: Uint8Array): string => brotliCompressSync(bytes).toString('base64');

/** An offer message in the wire encoding: documents compressed, as deltas from `base` when given. */
export function encodeOffer(offer: FakeOffer, base?: FakeOffer): Extract<HubMessage, { type: 'offer' }> {
  return {
    type: 'offer',
    screenId: offer.screenId,
    bundleId: offer.bundleId,
    ...(base ? { deltaFrom: base.bundleId } : {}),
    manifest: compress(base ? encodeByteDelta(base.manifest, offer.manifest) : offer.manifest),
    manifestSig: offer.manifestSig.toString('base64'),
    schedule: compress(base ? encodeByteDelta(base.schedule, offer.schedule) : offer.schedule),
    scheduleSig: offer.scheduleSig.toString('base64'),
  };
}

export class FakeHub {
  readonly devices = new Map<string, Approval>();
  readonly received: PlayerMessage[] = [];
  /** Stored proof of play, de-duplicated by id as the real hub does. */
  readonly plays = new Map<string, PlayRecord>();
  /** Every plays record received, duplicates included. */
  readonly playsReceived: PlayRecord[] = [];
  readonly helloCount = { value: 0 };
  private readonly offers = new Map<string, FakeOffer>();
  /** Every offer ever published, by bundle id: the bases deltas can be made from. */
  private readonly published = new Map<string, FakeOffer>();
  private readonly peers = new Set<Peer>();
  private constructor(
    private readonly server: WebSocketServer,
    readonly url: string,
    /** Hooks may be changed while the hub runs (e.g. stop tampering). */
    public options: FakeHubOptions,
  ) {}

  static async start(options: FakeHubOptions = {}, port = 0): Promise<FakeHub> {
    const server = new WebSocketServer({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    const address = server.address();
    const actualPort = typeof address === 'object' && address ? address.port : 0;
    const hub = new FakeHub(server, `ws://127.0.0.1:${actualPort}`, options);
    server.on('connection', (ws) => hub.accept(ws));
    return hub;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  /** Makes an offer current for its screen and sends it to connected players of that screen. */
  publish(offer: FakeOffer): void {
    this.offers.set(offer.screenId, offer);
    this.published.set(offer.bundleId, offer);
    for (const peer of this.peers) if (peer.screenId === offer.screenId) this.sendOffer(peer, offer);
  }

  /** Makes an offer current without sending it: the next welcome or get-offer gets it. */
  stage(offer: FakeOffer): void {
    this.offers.set(offer.screenId, offer);
    this.published.set(offer.bundleId, offer);
  }

  /** Sends an arbitrary offer message (e.g. a replayed or forged one) to every welcomed player. */
  sendRaw(message: object): void {
    for (const peer of this.peers) if (peer.deviceId) peer.ws.send(JSON.stringify(message));
  }

  setApproval(deviceId: string, approval: Approval): void {
    this.devices.set(deviceId, approval);
    if (approval === 'revoked') for (const peer of this.peers) if (peer.deviceId === deviceId) this.refuse(peer, 'revoked', 'revoked by the station');
  }

  messages<T extends PlayerMessage['type']>(type: T): Extract<PlayerMessage, { type: T }>[] {
    return this.received.filter((message): message is Extract<PlayerMessage, { type: T }> => message.type === type);
  }

  connectedCount(): number {
    return [...this.peers].filter((peer) => peer.deviceId).length;
  }

  /** Drops every connection without a close handshake (a network cut). */
  dropAll(): void {
    for (const peer of this.peers) peer.ws.terminate();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    const peer: Peer = { ws, deviceId: null, screenId: null, shownBundleId: null };
    this.peers.add(peer);
    const nonce = randomBytes(32).toString('base64');
    ws.on('close', () => this.peers.delete(peer));
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.terminate();
      const parsed = playerMessage.safeParse(JSON.parse(String(data)));
      if (!parsed.success) return ws.close(1008, 'invalid');
      const message = parsed.data;
      this.received.push(message);
      void this.handle(peer, nonce, message);
    });
    this.send(peer, { type: 'challenge', protocol: WIRE_PROTOCOL_VERSION, nonce, hubTimeMs: (this.options.hubTimeMs ?? Date.now)() });
  }

  private async handle(peer: Peer, nonce: string, message: PlayerMessage): Promise<void> {
    switch (message.type) {
      case 'hello': {
        this.helloCount.value += 1;
        const key = createPublicKey(message.publicKey);
        const text = helloSigningText({ nonce, deviceId: message.deviceId, screenId: message.screenId });
        if (keyId(key) !== message.deviceId || !verify(null, Buffer.from(text), key, Buffer.from(message.signature, 'base64'))) {
          return this.refuse(peer, 'bad-signature', 'signature does not verify');
        }
        const approval = this.devices.get(message.deviceId) ?? this.options.defaultApproval ?? 'approved';
        if (approval === 'pending') {
          this.devices.set(message.deviceId, 'pending');
          return this.refuse(peer, 'pending-approval', `device ${message.deviceId} waits for approval`);
        }
        if (approval === 'revoked') return this.refuse(peer, 'revoked', `device ${message.deviceId} has been revoked`);
        peer.deviceId = message.deviceId;
        peer.screenId = message.screenId;
        peer.shownBundleId = message.bundleId ?? null;
        this.send(peer, { type: 'welcome', deviceId: message.deviceId, screenId: message.screenId });
        const offer = this.offers.get(message.screenId);
        if (offer && offer.bundleId !== message.bundleId) this.sendOffer(peer, offer);
        return;
      }
      case 'get-blob':
        return this.streamBlob(peer, message.hash, message.offset);
      case 'get-offer': {
        const offer = peer.screenId ? this.offers.get(peer.screenId) : undefined;
        if (offer) this.sendOffer(peer, offer, true);
        return;
      }
      case 'activated':
        peer.shownBundleId = message.bundleId;
        return;
      case 'plays':
        for (const record of message.records) {
          this.playsReceived.push(record);
          if (!this.plays.has(record.id)) this.plays.set(record.id, record);
        }
        return this.send(peer, { type: 'plays-ack', ids: message.records.map((record) => record.id) });
      default:
        return;
    }
  }

  private async streamBlob(peer: Peer, hash: string, from: number): Promise<void> {
    const offer = peer.screenId ? this.offers.get(peer.screenId) : undefined;
    const original = offer?.blobs.get(hash);
    if (!original) return this.send(peer, { type: 'blob-error', hash, message: 'unknown blob' });
    const bytes = this.options.tamper ? this.options.tamper(hash, original) : original;
    const chunk = this.options.chunkBytes ?? BLOB_CHUNK_BYTES;
    let offset = from;
    do {
      const end = Math.min(bytes.length, offset + chunk);
      const decision = (await this.options.beforeChunk?.({ hash, offset, total: bytes.length })) ?? 'send';
      if (decision === 'drop') {
        peer.ws.terminate();
        return;
      }
      if (peer.ws.readyState !== peer.ws.OPEN) return;
      if (decision !== 'skip') peer.ws.send(encodeBlobChunk({ hash, offset, total: bytes.length }, bytes.subarray(offset, end)));
      offset = end;
    } while (offset < bytes.length);
  }

  /** As the real hub does: a delta from the bundle the player shows when this hub published it, else whole. */
  private sendOffer(peer: Peer, offer: FakeOffer, whole = false): void {
    this.send(peer, encodeOffer(offer, whole || !peer.shownBundleId ? undefined : this.published.get(peer.shownBundleId)));
  }

  private refuse(peer: Peer, reason: Extract<HubMessage, { type: 'refused' }>['reason'], message: string): void {
    this.send(peer, { type: 'refused', reason, message });
    peer.ws.close(4000, reason);
  }

  private send(peer: Peer, message: HubMessage): void {
    if (peer.ws.readyState === peer.ws.OPEN) peer.ws.send(JSON.stringify(message));
  }
}
