import type { KeyObject } from 'node:crypto';
import type { z } from 'zod';
import {
  hubMessage,
  WIRE_PROTOCOL_VERSION,
  type HubMessage,
  type PlayerMessage,
  type REFUSAL_REASONS,
  type statusMessage,
} from '../../compiler/format/wire-messages.ts';
import { backoffCeilingMs, type BackoffPolicy } from './backoff.ts';
import { ChunkFrameError, decodeBlobChunk } from './blob-chunk-frame.ts';
import { ActivationError, ChunkRejectedError, type ActivationResult, type BundleStore } from './bundle-store.ts';
import { signHello, type DeviceIdentity } from './device-identity.ts';
import type { SyncSocket } from './hub-socket.ts';
import type { Logger } from '../../compiler/format/logger.ts';
import { decodeOffer, type OfferMessage } from './offer-documents.ts';
import { BundleRefusedError, verifyOffer, type VerifiedOffer } from './offer-verification.ts';
import type { PlayLog } from './play-log.ts';

// One connection's worth of the hub protocol (see compiler/format/wire-messages.ts):
// challenge → hello → welcome | refused; then offers, blob chunks, status and proof of play.
// Everything it touches is injected, and every SQLite call is synchronous, so each incoming
// frame is handled to completion before the next one: there are no interleavings to reason
// about. Reconnecting is SyncClient's job; a session ends with its socket.

export type RefusalReason = (typeof REFUSAL_REASONS)[number];
export type StatusMessage = z.infer<typeof statusMessage>;
/** What the runtime reports about itself; the session adds what only it knows. */
export type StatusReport = Omit<StatusMessage, 'type' | 'clockOffsetMs'>;

export type SyncEvent =
  | { readonly type: 'online'; readonly clockOffsetMs: number }
  | { readonly type: 'refused'; readonly reason: RefusalReason; readonly message: string }
  | { readonly type: 'bundle-refused'; readonly error: BundleRefusedError }
  | { readonly type: 'downloading'; readonly bundleId: string; readonly missing: number }
  | { readonly type: 'chunk'; readonly hash: string; readonly received: number; readonly total: number }
  | { readonly type: 'download-failed'; readonly hash: string; readonly reason: string }
  /** `documents`: the new active bundle's parsed manifest and schedule, when this session verified them (saves parsing them again). */
  | { readonly type: 'activated'; readonly result: ActivationResult; readonly documents?: VerifiedOffer }
  | { readonly type: 'protocol-error'; readonly message: string }
  /** Something failed on this side (disk full, database error); the connection is dropped. */
  | { readonly type: 'sync-error'; readonly message: string }
  | { readonly type: 'plays-acked'; readonly count: number }
  /** A signed emergency statement (still to be verified, by the runtime's EmergencyController). */
  | { readonly type: 'emergency'; readonly statement: string; readonly signature: string };

export interface SyncSessionOptions {
  readonly socket: SyncSocket;
  readonly store: BundleStore;
  readonly plays: PlayLog;
  readonly identity: DeviceIdentity;
  readonly screenId: string;
  readonly stationPublicKey: KeyObject;
  readonly clock: () => number;
  readonly logger: Logger;
  readonly version: string;
  /** Status (and a proof-of-play flush) every this many ms while connected; 30 s in production. */
  readonly statusIntervalMs: number;
  /** Give up on a connection that shows no sign of life for this long. */
  readonly deadAfterMs: number;
  /** Give up on a connection whose blobs stopped arriving for this long (the next one resumes). */
  readonly stallTimeoutMs: number;
  /**
   * Blobs requested at once. The hub queues requests and streams them back to back, so a
   * small window hides the round trip per blob (100 ms and more on rural 4G) without asking
   * the hub to hold many requests.
   */
  readonly blobWindow?: number;
  /** How long to wait before asking again for a blob that failed (per failure count). */
  readonly blobRetry: BackoffPolicy;
  readonly report: () => Promise<StatusReport>;
  readonly onEvent: (event: SyncEvent) => void;
}

/** Records per plays message: the protocol's limit. */
const PLAYS_BATCH = 500;

type Phase = 'awaiting-challenge' | 'awaiting-welcome' | 'ready' | 'closed';

export class SyncSession {
  private phase: Phase = 'awaiting-challenge';
  private clockOffsetMs = 0;
  /** The bundle being downloaded. */
  private target: string | null = null;
  /** The target's documents as verified, until it is activated. */
  private targetDocuments: VerifiedOffer | null = null;
  /** Blobs asked for and not yet complete, in request order. */
  private readonly requested = new Set<string>();
  /** Where a blob was asked for again after a gap, so one gap costs one request, not one per later chunk. */
  private readonly rerequestedAt = new Map<string, number>();
  private playsInFlight: { ids: Set<string>; sentMs: number } | null = null;
  /** Offers asked for whole on this connection (a delta whose base is not held). */
  private readonly askedWhole = new Set<string>();
  private tickTimer: NodeJS.Timeout | undefined;
  private livenessTimer: NodeJS.Timeout | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SyncSessionOptions) {}

  get welcomed(): boolean {
    return this.phase === 'ready';
  }

  /** The socket is open: the hub speaks first, so wait for its challenge. */
  opened(): void {
    this.alive();
  }

  /** A WebSocket ping or any frame: the hub is still there. */
  alive(): void {
    if (this.phase === 'closed') return;
    clearTimeout(this.livenessTimer);
    this.livenessTimer = setTimeout(() => this.abandon(`no word from the hub for ${this.options.deadAfterMs} ms`), this.options.deadAfterMs);
  }

  /** The socket has closed: stop every timer. Idempotent. */
  closed(): void {
    this.phase = 'closed';
    clearTimeout(this.livenessTimer);
    clearTimeout(this.stallTimer);
    clearTimeout(this.retryTimer);
    clearInterval(this.tickTimer);
  }

  handleText(text: string): void {
    this.guard(() => this.receiveText(text));
  }

  handleBinary(frame: Uint8Array): void {
    this.guard(() => this.receiveBinary(frame));
  }

  /**
   * The player degrades, it never dies: an unexpected failure while handling a frame (a full
   * disk, a corrupt row) is logged and reported, and the connection is dropped so that the
   * next one starts from what the database holds.
   */
  private guard(handle: () => void): void {
    try {
      handle();
    } catch (error) {
      const message = `unexpected error while syncing: ${(error as Error).message}`;
      this.options.logger.error(message, { stack: (error as Error).stack });
      this.options.onEvent({ type: 'sync-error', message });
      this.abandon(message);
    }
  }

  private receiveText(text: string): void {
    if (this.phase === 'closed') return;
    this.alive();
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      this.protocolError('the hub sent a text frame that is not JSON');
      return;
    }
    const parsed = hubMessage.safeParse(raw);
    if (!parsed.success) {
      // A newer hub may know message types this player does not: skip, do not hang up.
      const type = (raw as { type?: unknown })?.type;
      this.options.logger.warn('ignoring a message from the hub that this player does not understand', {
        type: typeof type === 'string' ? type : null,
        issue: parsed.error.issues[0]?.message,
      });
      return;
    }
    this.dispatch(parsed.data);
  }

  private receiveBinary(frame: Uint8Array): void {
    if (this.phase !== 'ready') return;
    this.alive();
    let chunk;
    try {
      chunk = decodeBlobChunk(frame);
    } catch (error) {
      if (error instanceof ChunkFrameError) return this.protocolError(error.message);
      throw error;
    }
    const { header, data } = chunk;
    // Chunks of a request this session did not make, or a duplicate stream after a
    // re-request: the stored offset decides what is new, so stale frames are dropped.
    if (!this.requested.has(header.hash)) return;
    const { store, clock } = this.options;
    let progress;
    try {
      progress = store.appendChunk({ hash: header.hash, position: header.offset, total: header.total, data, nowMs: clock() });
    } catch (error) {
      if (!(error instanceof ChunkRejectedError)) throw error;
      if (error.reason === 'duplicate') return;
      if (error.reason === 'gap') {
        const held = store.download(header.hash)?.received ?? 0;
        if (this.rerequestedAt.get(header.hash) !== held) {
          this.rerequestedAt.set(header.hash, held);
          this.requestBlob(header.hash, held);
        }
        return;
      }
      this.failBlob(header.hash, `BUNDLE_BLOB_TAMPERED: ${error.message}`, error.reason !== 'not-wanted');
      return;
    }
    this.armStallTimer();
    this.options.onEvent({ type: 'chunk', hash: header.hash, received: progress.received, total: progress.total });
    if (progress.received === progress.total) this.finishBlob(header.hash);
  }

  private dispatch(message: HubMessage): void {
    switch (message.type) {
      case 'challenge':
        return this.answerChallenge(message);
      case 'welcome':
        return this.welcome(message);
      case 'refused':
        this.options.onEvent({ type: 'refused', reason: message.reason, message: message.message });
        this.phase = 'closed';
        this.options.socket.close(1000, 'refused');
        return;
      case 'offer':
        if (this.phase !== 'ready') return this.protocolError('the hub sent an offer before welcoming this player');
        return this.handleOffer(message);
      case 'blob-error':
        if (this.requested.has(message.hash)) this.failBlob(message.hash, `the hub cannot supply blob ${message.hash}: ${message.message}`, false);
        return;
      case 'plays-ack':
        return this.handlePlaysAck(message.ids);
      case 'emergency':
        if (this.phase !== 'ready') return this.protocolError('the hub sent an emergency statement before welcoming this player');
        this.options.onEvent({ type: 'emergency', statement: message.statement, signature: message.signature });
        return;
    }
  }

  private answerChallenge(message: Extract<HubMessage, { type: 'challenge' }>): void {
    if (this.phase !== 'awaiting-challenge') return this.protocolError('the hub sent a second challenge');
    if (message.protocol !== WIRE_PROTOCOL_VERSION) {
      return this.protocolError(`the hub speaks protocol ${message.protocol}; this player speaks ${WIRE_PROTOCOL_VERSION}`);
    }
    const { identity, screenId, clock } = this.options;
    // The frame left the hub a little before it arrived; half the round trip is unknown here,
    // so the offset errs by the one-way latency (tens of ms on 4G), plenty for a status page.
    this.clockOffsetMs = Math.round(clock() - message.hubTimeMs);
    const active = this.options.store.activeSummary();
    this.send({
      type: 'hello',
      protocol: WIRE_PROTOCOL_VERSION,
      deviceId: identity.deviceId,
      publicKey: identity.publicKeyPem,
      screenId,
      signature: signHello(identity, { nonce: message.nonce, screenId }),
      version: this.options.version,
      ...(active ? { bundleId: active.id } : {}),
    });
    this.phase = 'awaiting-welcome';
  }

  private welcome(message: Extract<HubMessage, { type: 'welcome' }>): void {
    if (this.phase !== 'awaiting-welcome') return this.protocolError('the hub sent an unexpected welcome');
    if (message.deviceId !== this.options.identity.deviceId || message.screenId !== this.options.screenId) {
      return this.protocolError(`the hub welcomed device ${message.deviceId} on screen ${message.screenId}, not this player`);
    }
    this.phase = 'ready';
    this.options.onEvent({ type: 'online', clockOffsetMs: this.clockOffsetMs });
    this.tickTimer = setInterval(() => this.guard(() => this.tick()), this.options.statusIntervalMs);
    void this.sendStatus();
    this.flushPlays();
  }

  /** The periodic duties of a live connection. */
  private tick(): void {
    if (this.phase !== 'ready') return;
    void this.sendStatus();
    // A batch the hub never acknowledged (lost in a hub restart) is sent again.
    if (this.playsInFlight && this.options.clock() - this.playsInFlight.sentMs > 2 * this.options.statusIntervalMs) this.playsInFlight = null;
    this.flushPlays();
    this.pump();
  }

  private handleOffer(offer: OfferMessage): void {
    const { store, clock, logger } = this.options;
    const active = store.activeSummary();
    if (active?.id === offer.bundleId) {
      this.send({ type: 'activated', bundleId: offer.bundleId });
      return;
    }
    let verified;
    try {
      const offered = decodeOffer(offer, (id) => {
        const held = store.bundle(id);
        return held && { manifest: held.manifestBytes, schedule: held.scheduleBytes };
      });
      if (!offered) {
        // A delta from a bundle no longer held (pruned, or retired at start-up): ask once for it whole.
        if (this.askedWhole.has(offer.bundleId)) throw new BundleRefusedError('BUNDLE_OFFER_MALFORMED', offer.bundleId, `the hub keeps offering a delta from ${offer.deltaFrom}, which this player does not hold`);
        this.askedWhole.add(offer.bundleId);
        logger.info('the offer is a delta from a bundle this player does not hold; asking for it whole', { bundleId: offer.bundleId, deltaFrom: offer.deltaFrom });
        this.send({ type: 'get-offer' });
        return;
      }
      verified = verifyOffer({ offer: offered, screenId: this.options.screenId, stationPublicKey: this.options.stationPublicKey, activeIssuedAtMs: active?.issuedAtMs });
    } catch (error) {
      if (!(error instanceof BundleRefusedError)) throw error;
      logger.warn('refused a bundle from the hub; the bundle on screen stays', { bundleId: offer.bundleId, code: error.code, reason: error.message });
      this.options.onEvent({ type: 'bundle-refused', error });
      // Tell the station at once rather than at the next status tick.
      void this.sendStatus();
      return;
    }
    store.storeOffer(verified, clock());
    this.target = verified.id;
    this.targetDocuments = verified;
    const missing = store.missingBlobs(verified.id).length;
    logger.info('accepted a bundle from the hub', { bundleId: verified.id, issuedAt: verified.manifest.issuedAt, blobs: verified.blobs.length, missing });
    this.options.onEvent({ type: 'downloading', bundleId: verified.id, missing });
    this.pump();
  }

  /** Asks for missing blobs up to the window, or activates the target when nothing is missing. */
  private pump(): void {
    if (this.phase !== 'ready' || !this.target) return;
    const { store, clock } = this.options;
    const target = this.target;
    // Only a pending target is fetched (it may have been activated or superseded meanwhile).
    if (store.state(target) !== 'pending') {
      this.target = null;
      return;
    }
    const missing = store.missingBlobs(target);
    if (missing.length === 0) {
      if (this.requested.size === 0) this.activateTarget(target);
      return;
    }
    const window = this.options.blobWindow ?? 4;
    const nowMs = clock();
    for (const blob of missing) {
      if (this.requested.size >= window) return;
      if (this.requested.has(blob.hash) || blob.retryAfterMs > nowMs) continue;
      if (blob.size === 0) {
        // Nothing to fetch: an empty blob either is the empty string's hash or is a lie.
        this.requested.add(blob.hash);
        try {
          store.storeVerifiedBlob(blob.hash, new Uint8Array(0), nowMs);
          this.requested.delete(blob.hash);
          return this.pump();
        } catch {
          store.beginDownload(blob.hash, 0, nowMs);
          return this.failBlob(blob.hash, `BUNDLE_BLOB_TAMPERED: blob ${blob.hash} is listed with 0 bytes`, false);
        }
      }
      const offset = store.beginDownload(blob.hash, blob.size, nowMs);
      this.requested.add(blob.hash);
      // Every byte arrived before a crash, but the blob was not assembled yet.
      if (offset >= blob.size) return this.finishBlob(blob.hash);
      this.requestBlob(blob.hash, offset);
    }
    if (this.requested.size === 0) {
      // Everything left failed recently: look again when the earliest may be retried.
      const soonest = Math.min(...missing.map((blob) => blob.retryAfterMs));
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.guard(() => this.pump()), Math.max(0, soonest - nowMs));
    }
  }

  private requestBlob(hash: string, offset: number): void {
    this.send({ type: 'get-blob', hash, offset });
    this.armStallTimer();
  }

  private finishBlob(hash: string): void {
    const { store, clock } = this.options;
    const nowMs = clock();
    const failures = store.download(hash)?.failures ?? 0;
    const result = store.finishDownload(hash, { nowMs, retryAfterMs: nowMs + backoffCeilingMs(this.options.blobRetry, failures) });
    this.requested.delete(hash);
    if (this.requested.size === 0) clearTimeout(this.stallTimer);
    if (!result.ok) {
      this.options.logger.warn('a blob failed verification and was discarded; it will be fetched again', { hash, reason: result.reason });
      this.options.onEvent({ type: 'download-failed', hash, reason: result.reason });
    }
    this.pump();
  }

  private failBlob(hash: string, reason: string, discard: boolean): void {
    const { store, clock } = this.options;
    const nowMs = clock();
    const failures = store.download(hash)?.failures ?? 0;
    store.recordDownloadFailure({ hash, reason, nowMs, retryAfterMs: nowMs + backoffCeilingMs(this.options.blobRetry, failures), discard });
    this.requested.delete(hash);
    if (this.requested.size === 0) clearTimeout(this.stallTimer);
    this.options.logger.warn('a blob download failed; it will be tried again', { hash, reason });
    this.options.onEvent({ type: 'download-failed', hash, reason });
    this.pump();
  }

  private activateTarget(bundleId: string): void {
    const { store, clock, logger } = this.options;
    let result;
    try {
      result = store.activate(bundleId, clock());
    } catch (error) {
      if (!(error instanceof ActivationError)) throw error;
      // A stored blob rotted: activate() removed it, so the next pump fetches it again.
      logger.warn('activation failed; fetching again', { bundleId, code: error.code, reason: error.message });
      this.options.onEvent({ type: 'download-failed', hash: error.hashes[0] ?? '', reason: error.message });
      return this.pump();
    }
    this.target = null;
    const documents = this.targetDocuments?.id === bundleId ? this.targetDocuments : undefined;
    this.targetDocuments = null;
    this.options.onEvent({ type: 'activated', result, ...(documents ? { documents } : {}) });
    this.send({ type: 'activated', bundleId });
  }

  private flushPlays(): void {
    if (this.phase !== 'ready' || this.playsInFlight) return;
    const records = this.options.plays.closedBatch(PLAYS_BATCH);
    if (records.length === 0) return;
    this.playsInFlight = { ids: new Set(records.map((record) => record.id)), sentMs: this.options.clock() };
    this.send({ type: 'plays', records });
  }

  /** Sends an emergency acknowledgement; false when not welcomed (it goes again after the next welcome). */
  sendEmergencyAck(ack: Extract<PlayerMessage, { type: 'emergency-ack' }>): boolean {
    if (this.phase !== 'ready') return false;
    this.send(ack);
    return true;
  }

  /** Lets the session upload right away (e.g. before a planned shutdown). */
  uploadPlays(): void {
    this.flushPlays();
  }

  private handlePlaysAck(ids: readonly string[]): void {
    const removed = this.options.plays.acknowledge(ids);
    this.options.onEvent({ type: 'plays-acked', count: removed });
    if (!this.playsInFlight) return;
    for (const id of ids) this.playsInFlight.ids.delete(id);
    if (this.playsInFlight.ids.size > 0) return;
    this.playsInFlight = null;
    // More may be waiting (a long offline spell leaves thousands); keep going while it helps.
    if (removed > 0) this.flushPlays();
  }

  private async sendStatus(): Promise<void> {
    let report: StatusReport;
    try {
      report = await this.options.report();
    } catch (error) {
      this.options.logger.warn('could not build a status report', { error: (error as Error).message });
      return;
    }
    if (this.phase !== 'ready') return;
    // The protocol caps these lengths; a status the hub rejects would cost the connection.
    const capped = { ...report, lastError: report.lastError === null ? null : report.lastError.slice(0, 2000), version: report.version.slice(0, 100) };
    this.send({ type: 'status', ...capped, clockOffsetMs: this.clockOffsetMs });
  }

  private armStallTimer(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => this.abandon(`blobs stopped arriving (${[...this.requested].join(', ')})`), this.options.stallTimeoutMs);
  }

  /** Hangs up on a dead or stuck connection; SyncClient reconnects and the download resumes. */
  private abandon(why: string): void {
    if (this.phase === 'closed') return;
    this.options.logger.warn('dropping the connection to the hub', { why });
    this.closed();
    this.options.socket.terminate();
  }

  private protocolError(message: string): void {
    this.options.logger.error('protocol error; closing the connection', { message });
    this.options.onEvent({ type: 'protocol-error', message });
    this.closed();
    this.options.socket.close(1002, 'protocol error');
  }

  private send(message: PlayerMessage): void {
    if (this.phase === 'closed') return;
    this.options.socket.send(JSON.stringify(message));
  }
}
