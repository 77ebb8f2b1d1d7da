import { randomBytes, type KeyObject } from 'node:crypto';
import { parsePublicKey } from './public-key-cache.ts';
import type { WebSocket } from 'ws';
import type { z } from 'zod';
import {
  BLOB_CHUNK_BYTES,
  playerMessage,
  WIRE_PROTOCOL_VERSION,
  type getBlobMessage,
  type HubMessage,
  type PlayerMessage,
  type playsMessage,
  type REFUSAL_REASONS,
  type statusMessage,
} from '../compiler/format/wire-messages.ts';
import { chunkEnd, type BlobFrameCache } from './blob-frames.ts';
import { checkHello, rawPublicKey, type HelloMessage } from './hello-check.ts';
import type { EmergencyDispatch } from './emergency-dispatch.ts';
import type { DeviceRecord, HubDatabase } from './hub-database.ts';
import type { Logger } from '../compiler/format/logger.ts';
import type { EnrolmentLimiter } from './rate-limiter.ts';
import type { ScreenOffer, ScreenOffers } from './screen-offers.ts';
import type { SessionRegistry } from './session-registry.ts';
import type { DeviceWrites } from './device-writes.ts';

// One player's connection, from challenge to close. The hub speaks first (challenge with a
// fresh nonce); the player must answer with a signed hello within a few seconds; only an
// approved device for the screen it names gets a welcome and, after it, the current offer.
// Every frame is parsed with the protocol's zod schemas before anything reads it, and
// anything unexpected closes the connection: a player that breaks the protocol is either
// broken or hostile, and in both cases talking on helps nobody.
//
// Memory per connection is kept small (the hub is meant to hold 10,000 idle players): a few
// fields, no per-connection timers after the hello, blob requests queued only while pending,
// offers shared as one Buffer across sockets.

export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Close codes: 1008 for protocol violations (RFC 6455 "policy"), 4000 after a `refused`. */
export const CLOSE_POLICY = 1008;
export const CLOSE_REFUSED = 4000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_INTERNAL = 1011;

export interface SessionContext {
  readonly db: HubDatabase;
  /** Activations and status reports, written a turn of the event loop at a time. */
  readonly deviceWrites: DeviceWrites;
  readonly offers: ScreenOffers;
  readonly frames: BlobFrameCache;
  readonly limiter: EnrolmentLimiter;
  readonly registry: SessionRegistry<DeviceSession>;
  readonly clock: () => number;
  readonly logger: Logger;
  /** Bytes the hub will hold queued for one socket before it drops it as not reading. */
  readonly maxBufferedBytes: number;
  readonly helloTimeoutMs: number;
  /** get-blob requests that may wait behind the one being sent. */
  readonly maxQueuedBlobRequests: number;
  /** Emergency statements: sent after welcome (before the offer), acknowledgements stored. */
  readonly emergencies?: Pick<EmergencyDispatch, 'welcomed' | 'acknowledged'>;
}

type BlobRequest = z.infer<typeof getBlobMessage>;

function sameKey(storedPem: string, presented: KeyObject): boolean {
  try {
    return rawPublicKey(parsePublicKey(storedPem)) === rawPublicKey(presented);
  } catch {
    return false;
  }
}

export class DeviceSession {
  deviceId: string | null = null;
  screenId: string | null = null;
  /** Cleared by each heartbeat, set by any pong or message; still clear at the next one → dead. */
  private alive = true;
  private closing = false;
  private closed = false;
  private nonce: string | null = null;
  private helloTimer: NodeJS.Timeout | null = null;
  /** The bundle the player says it shows; an offer of that bundle is not sent again. */
  private shownBundleId: string | null = null;
  private blobQueue: BlobRequest[] | null = null;
  private sendingBlobs = false;
  /** Created only when something waits for the close (a blob stream stalled on a slow reader). */
  private closedSignal: { promise: Promise<void>; resolve: () => void } | null = null;

  private readonly ws: WebSocket;
  private readonly address: string | null;
  private readonly context: SessionContext;

  constructor(options: { ws: WebSocket; address: string | null; context: SessionContext }) {
    this.ws = options.ws;
    this.address = options.address;
    this.context = options.context;
  }

  start(): void {
    const { context, ws } = this;
    context.registry.connected(this);
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('close', () => this.onClose());
    ws.on('error', (error) => context.logger.warn('socket error', { address: this.address, deviceId: this.deviceId, error: error.message }));
    this.nonce = randomBytes(32).toString('base64');
    this.helloTimer = setTimeout(() => this.refuse('protocol', `no hello within ${context.helloTimeoutMs} ms of the challenge`), context.helloTimeoutMs);
    this.send({ type: 'challenge', protocol: WIRE_PROTOCOL_VERSION, nonce: this.nonce, hubTimeMs: context.clock() });
  }

  /** Called by the hub's heartbeat timer for every socket. */
  heartbeat(): void {
    if (this.closed) return;
    if (!this.alive) {
      this.context.logger.warn('no pong since the last heartbeat: terminating', { address: this.address, deviceId: this.deviceId });
      this.ws.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  /**
   * Sends the screen's current offer unless the player already shows that bundle: as a delta
   * from the bundle it shows when the hub can, else whole (`whole`: the player asked for it).
   */
  offer(offer: ScreenOffer, options: { whole?: boolean } = {}): void {
    if (this.shownBundleId === offer.bundleId) return;
    this.sendRaw(offer.frameFor(options.whole ? null : this.shownBundleId), false);
  }

  /** Sends a text frame encoded once for many sockets (emergency statements). */
  sendFrame(frame: Buffer): void {
    this.sendRaw(frame, false);
  }

  /** Sends `refused` and closes: the player learns why before the socket goes. */
  refuse(reason: RefusalReason, message: string): void {
    if (this.closing || this.closed) return;
    this.context.logger.warn('refused', { reason, message, address: this.address, deviceId: this.deviceId });
    this.send({ type: 'refused', reason, message });
    this.close(reason === 'protocol' ? CLOSE_POLICY : CLOSE_REFUSED, reason);
  }

  close(code: number, reason: string): void {
    if (this.closing || this.closed) return;
    this.closing = true;
    this.clearHelloTimer();
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

  isClosed(): boolean {
    return this.closed;
  }

  /** Resolves once the socket has closed. */
  whenClosed(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (!this.closedSignal) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.closedSignal = { promise, resolve };
    }
    return this.closedSignal.promise;
  }

  // ---- receiving ----------------------------------------------------------------------------

  private onMessage(data: Buffer, isBinary: boolean): void {
    this.alive = true;
    if (this.closing || this.closed) return;
    if (isBinary) return this.violation('binary frames are only sent by the hub');
    let message: PlayerMessage;
    try {
      const parsed = playerMessage.safeParse(JSON.parse(data.toString('utf8')));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return this.violation(`invalid message: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
      }
      message = parsed.data;
    } catch {
      return this.violation('a text frame that is not JSON');
    }
    try {
      this.dispatch(message);
    } catch (error) {
      // A failing database must not take the hub down; this player will reconnect and retry.
      this.context.logger.error('failed to handle a message', { type: message.type, deviceId: this.deviceId, error: (error as Error).message });
      this.close(CLOSE_INTERNAL, 'hub error');
    }
  }

  private dispatch(message: PlayerMessage): void {
    if (message.type === 'hello') {
      if (this.nonce === null) return this.violation('a second hello on one connection');
      return this.onHello(message);
    }
    if (this.deviceId === null) return this.violation(`"${message.type}" before the hello was accepted`);
    switch (message.type) {
      case 'get-blob':
        return this.onGetBlob(message);
      case 'get-offer': {
        const offer = this.context.offers.get(this.screenId!);
        if (offer) this.offer(offer, { whole: true });
        return;
      }
      case 'status':
        return this.onStatus(message);
      case 'plays':
        return this.onPlays(message);
      case 'emergency-ack':
        return this.context.emergencies?.acknowledged(this, message);
      case 'activated':
        this.shownBundleId = message.bundleId;
        this.context.deviceWrites.activated({ id: this.deviceId, bundleId: message.bundleId, atMs: this.context.clock() });
        this.context.logger.info('bundle activated', { deviceId: this.deviceId, screenId: this.screenId, bundleId: message.bundleId });
        return;
    }
  }

  private violation(why: string): void {
    this.context.logger.warn('protocol violation: closing', { why, address: this.address, deviceId: this.deviceId });
    this.refuse('protocol', why);
  }

  private onHello(hello: HelloMessage): void {
    const { db, limiter, clock } = this.context;
    const nonce = this.nonce!;
    this.nonce = null;
    this.clearHelloTimer();
    let verdict = checkHello(hello, nonce);
    const device = verdict.ok ? db.device(hello.deviceId) : undefined;
    if (verdict.ok && device && !sameKey(device.publicKeyPem, verdict.publicKey)) {
      verdict = { ok: false, reason: 'bad-signature', message: 'the key presented is not the key this device enrolled with' };
    }
    if (verdict.ok && device?.state === 'approved' && device.screenId === hello.screenId) return this.welcome(device, hello);

    // Anything that does not end in a welcome is an enrolment attempt and costs a token.
    if (!limiter.allow(this.address ?? 'unknown')) return this.refuse('rate-limited', 'too many enrolment attempts; try again in a minute');
    if (!verdict.ok) return this.refuse(verdict.reason, verdict.message);
    if (!device || device.state === 'pending') {
      db.recordEnrolmentRequest({ id: hello.deviceId, publicKeyPem: hello.publicKey, screenId: hello.screenId, address: this.address, version: hello.version, atMs: clock() });
      this.deviceId = hello.deviceId; // for the log line only; the session is not registered
      return this.refuse('pending-approval', `device ${hello.deviceId} waits for approval for screen ${hello.screenId}: on the station, run "signage hub devices approve ${hello.deviceId}"`);
    }
    if (device.state === 'revoked') return this.refuse('revoked', `device ${hello.deviceId} has been revoked by the station`);
    return this.refuse('unknown-screen', `device ${hello.deviceId} is approved for screen ${device.screenId}, not ${hello.screenId}`);
  }

  private welcome(device: DeviceRecord, hello: HelloMessage): void {
    const { db, registry, offers, clock, logger } = this.context;
    this.deviceId = device.id;
    this.screenId = device.screenId;
    this.shownBundleId = hello.bundleId ?? null;
    const replaced = registry.welcomed(this as DeviceSession & { deviceId: string; screenId: string });
    replaced?.refuse('replaced', 'a newer connection of this device took over');
    db.markOnline({ id: device.id, address: this.address, version: hello.version, atMs: clock() });
    logger.info('device connected', { deviceId: device.id, screenId: device.screenId, address: this.address, bundleId: this.shownBundleId });
    this.send({ type: 'welcome', deviceId: device.id, screenId: device.screenId });
    // Warnings first: an alert must not wait behind a content offer and its blobs.
    this.context.emergencies?.welcomed(this);
    const offer = offers.get(device.screenId);
    if (offer) this.offer(offer);
  }

  private onStatus(message: z.infer<typeof statusMessage>): void {
    const { type: _type, ...status } = message;
    if (status.bundleId) this.shownBundleId = status.bundleId;
    this.context.deviceWrites.status({ id: this.deviceId!, status, atMs: this.context.clock() });
  }

  private onPlays(message: z.infer<typeof playsMessage>): void {
    const { db, clock, logger } = this.context;
    const inserted = db.insertPlays({ deviceId: this.deviceId!, screenId: this.screenId!, records: message.records, receivedMs: clock() });
    if (inserted < message.records.length) {
      logger.info('duplicate play records ignored', { deviceId: this.deviceId, received: message.records.length, duplicates: message.records.length - inserted });
    }
    // Every id is acknowledged, duplicates included: they are stored, so the player may delete them.
    this.send({ type: 'plays-ack', ids: message.records.map((record) => record.id) });
  }

  // ---- blobs --------------------------------------------------------------------------------

  private onGetBlob(request: BlobRequest): void {
    const offer = this.context.offers.get(this.screenId!);
    const total = offer?.blobs.get(request.hash);
    if (total === undefined) {
      this.context.logger.warn('blob refused: not in this screen\'s bundles', { deviceId: this.deviceId, screenId: this.screenId, hash: request.hash });
      this.send({ type: 'blob-error', hash: request.hash, message: `blob is not part of the current or previous bundle of screen ${this.screenId}` });
      return;
    }
    if (request.offset > total) {
      this.send({ type: 'blob-error', hash: request.hash, message: `offset ${request.offset} is beyond the blob's ${total} bytes` });
      return;
    }
    const queue = (this.blobQueue ??= []);
    if (queue.length >= this.context.maxQueuedBlobRequests) return this.violation(`more than ${this.context.maxQueuedBlobRequests} blob requests waiting`);
    queue.push(request);
    if (!this.sendingBlobs) {
      this.sendQueuedBlobs().catch((error: unknown) => {
        this.context.logger.error('blob stream failed', { deviceId: this.deviceId, error: (error as Error).message });
        this.close(CLOSE_INTERNAL, 'hub error');
      });
    }
  }

  /** Streams queued blobs one after another, chunk by chunk, as fast as the player reads. */
  private async sendQueuedBlobs(): Promise<void> {
    this.sendingBlobs = true;
    try {
      let request: BlobRequest | undefined;
      while (!this.closed && (request = this.blobQueue?.shift()) !== undefined) {
        // The size is looked up again: a publish may have retired the blob while it waited.
        const total = this.context.offers.get(this.screenId!)?.blobs.get(request.hash);
        if (total === undefined) {
          this.send({ type: 'blob-error', hash: request.hash, message: 'blob is no longer part of this screen\'s bundles' });
          continue;
        }
        let offset = request.offset;
        do {
          let frame: Buffer;
          try {
            frame = await this.context.frames.frame({ hash: request.hash, offset, total });
          } catch (error) {
            this.context.logger.error('cannot read a stored blob', { hash: request.hash, error: (error as Error).message });
            this.send({ type: 'blob-error', hash: request.hash, message: 'the hub cannot read this blob; the station has been told' });
            break;
          }
          if (!(await this.sendWithBackpressure(frame))) return;
          offset = chunkEnd(offset, total);
        } while (offset < total);
      }
    } finally {
      this.sendingBlobs = false;
      if (this.blobQueue?.length === 0) this.blobQueue = null;
    }
  }

  /**
   * Sends a frame, then, if more than a chunk is still queued in user space (the kernel's
   * socket buffer is full: the player is not keeping up), waits until it has been written.
   * So a blob stream holds about two chunks of memory however slow the player, and a player
   * that stops reading stalls its own stream, is caught by the heartbeat (its pongs are
   * queued behind the data it does not read), or by maxBufferedBytes on the next message.
   */
  private async sendWithBackpressure(frame: Buffer): Promise<boolean> {
    if (!this.canSend()) return false;
    const written = new Promise<void>((resolve) => this.ws.send(frame, { binary: true }, () => resolve()));
    if (this.ws.bufferedAmount > BLOB_CHUNK_BYTES) await Promise.race([written, this.whenClosed()]);
    return !this.closed;
  }

  // ---- sending ------------------------------------------------------------------------------

  private send(message: HubMessage): void {
    this.sendRaw(JSON.stringify(message), false);
  }

  private sendRaw(data: string | Buffer, binary: boolean): void {
    if (this.canSend()) this.ws.send(data, { binary });
  }

  /**
   * False when the socket cannot take more. A player that has let more than maxBufferedBytes
   * pile up is not reading; it is dropped rather than buffered for without end.
   */
  private canSend(): boolean {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return false;
    if (this.ws.bufferedAmount > this.context.maxBufferedBytes) {
      this.context.logger.warn('slow consumer: dropped', { deviceId: this.deviceId, address: this.address, bufferedBytes: this.ws.bufferedAmount });
      this.closing = true;
      this.ws.terminate();
      return false;
    }
    return true;
  }

  private clearHelloTimer(): void {
    if (this.helloTimer) clearTimeout(this.helloTimer);
    this.helloTimer = null;
  }

  private onClose(): void {
    this.closed = true;
    this.clearHelloTimer();
    this.blobQueue = null;
    const { registry, db, deviceWrites, clock, logger } = this.context;
    if (registry.closed(this) && this.deviceId !== null) {
      try {
        deviceWrites.flush(); // its last status before the disconnect
        db.markOffline(this.deviceId, clock());
      } catch (error) {
        logger.error('cannot record a disconnect', { deviceId: this.deviceId, error: (error as Error).message });
      }
      logger.info('device disconnected', { deviceId: this.deviceId, screenId: this.screenId });
    }
    this.closedSignal?.resolve();
  }
}
