import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import WebSocket from 'ws';
import type { z } from 'zod';
import {
  blobChunkHeader,
  helloMessage,
  helloSigningText,
  hubMessage,
  WIRE_PROTOCOL_VERSION,
  type BlobChunkHeader,
  type HubMessage,
  type PlayerMessage,
} from '../../compiler/format/wire-messages.ts';
import { keyId } from '../../compiler/trust/station-key.ts';
import { decodeOffer, type HeldDocuments } from '../../player/core/offer-documents.ts';
import type { OfferedBundle } from '../../player/core/offer-verification.ts';

// A minimal player that speaks the real hub protocol: tests use it to drive the hub, and the
// sync benchmark runs thousands of them, so it holds no database and little state — a socket,
// an inbox of messages not yet asked for, and the blob chunks not yet consumed.

export type HelloMessage = z.infer<typeof helloMessage>;
type MessageOf<T extends HubMessage['type']> = Extract<HubMessage, { type: T }>;

export interface DeviceIdentity {
  readonly deviceId: string;
  readonly publicKeyPem: string;
  readonly privateKey: KeyObject;
}

export function createDeviceIdentity(): DeviceIdentity {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { deviceId: keyId(publicKey), publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(), privateKey };
}

export interface BlobChunk {
  readonly header: BlobChunkHeader;
  readonly bytes: Buffer;
}

/** Splits a binary frame: 4-byte big-endian header length, JSON header, chunk bytes. */
export function decodeBlobChunk(frame: Buffer): BlobChunk {
  const length = frame.readUInt32BE(0);
  const header = blobChunkHeader.parse(JSON.parse(frame.subarray(4, 4 + length).toString('utf8')));
  return { header, bytes: frame.subarray(4 + length) };
}

/**
 * The documents of an offer as bytes, rebuilt as the player does (player/core/offer-documents.ts):
 * `base` is the bundle a delta offer was made from. Throws when the offer is a delta and no base is given.
 */
export function offerDocuments(offer: MessageOf<'offer'>, base?: HeldDocuments): OfferedBundle {
  const offered = decodeOffer(offer, () => base);
  if (!offered) throw new Error(`the offer is a delta from ${offer.deltaFrom}, and no base was given`);
  return offered;
}

export interface ConnectOptions {
  readonly url: string;
  readonly identity: DeviceIdentity;
  readonly screenId: string;
  /** The bundle the player shows now, if any. */
  readonly bundleId?: string;
  readonly version?: string;
  /** Lets a test forge the hello after it has been signed (wrong id, wrong signature, …). */
  readonly alterHello?: (hello: HelloMessage) => HelloMessage;
  /** false: never answer pings, like a dead peer whose TCP connection is still up. */
  readonly autoPong?: boolean;
  /** For wss:// with a self-signed test certificate. */
  readonly ca?: string;
  /** Source address, e.g. 127.0.0.2: lets a test act as several machines on loopback. */
  readonly localAddress?: string;
  readonly timeoutMs?: number;
  /**
   * false: trust the hub's JSON without running it through the zod schemas. For benchmarks
   * simulating thousands of players, where checking every offer would measure the client.
   */
  readonly validate?: boolean;
}

export interface Connected {
  readonly client: ProtocolClient;
  /** The hub's answer to the hello. */
  readonly reply: MessageOf<'welcome'> | MessageOf<'refused'>;
  readonly challenge: MessageOf<'challenge'>;
}

export class ProtocolClient {
  private readonly inbox: HubMessage[] = [];
  private readonly chunks: BlobChunk[] = [];
  private readonly wakers = new Set<() => void>();
  private closeInfo: { code: number; reason: string } | null = null;
  /** Resolves with the close code and reason when the socket closes, whoever closes it. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Payload bytes received, for the benchmark's bytes-moved figure. */
  bytesReceived = 0;

  private constructor(
    readonly ws: WebSocket,
    validate: boolean,
  ) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        this.notify();
      });
    });
    ws.on('error', () => {}); // surfaces as a close
    ws.on('message', (data: Buffer, isBinary) => {
      this.bytesReceived += data.length;
      if (isBinary) this.chunks.push(decodeBlobChunk(data));
      else {
        const message: unknown = JSON.parse(data.toString('utf8'));
        this.inbox.push(validate ? hubMessage.parse(message) : (message as HubMessage));
      }
      this.notify();
    });
  }

  /** Opens a socket, answers the challenge with a signed hello, and waits for welcome or refused. */
  static async connect(options: ConnectOptions): Promise<Connected> {
    const ws = new WebSocket(options.url, { perMessageDeflate: false, autoPong: options.autoPong ?? true, ...(options.ca ? { ca: options.ca } : {}), ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    const client = new ProtocolClient(ws, options.validate ?? true);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const timeoutMs = options.timeoutMs ?? 5000;
    const challenge = await client.next('challenge', timeoutMs);
    const signature = sign(null, Buffer.from(helloSigningText({ nonce: challenge.nonce, deviceId: options.identity.deviceId, screenId: options.screenId })), options.identity.privateKey);
    let hello: HelloMessage = {
      type: 'hello',
      protocol: WIRE_PROTOCOL_VERSION,
      deviceId: options.identity.deviceId,
      publicKey: options.identity.publicKeyPem,
      screenId: options.screenId,
      signature: signature.toString('base64'),
      version: options.version ?? 'test-client',
      ...(options.bundleId ? { bundleId: options.bundleId } : {}),
    };
    if (options.alterHello) hello = options.alterHello(hello);
    client.send(hello);
    const reply = await client.nextOf(['welcome', 'refused'], timeoutMs);
    return { client, reply: reply as Connected['reply'], challenge };
  }

  send(message: PlayerMessage): void {
    this.ws.send(JSON.stringify(message));
  }

  /** Sends anything, for tests of malformed input. */
  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** The next message of a type (earlier ones of other types stay in the inbox). */
  async next<T extends HubMessage['type']>(type: T, timeoutMs = 5000): Promise<MessageOf<T>> {
    return (await this.nextOf([type], timeoutMs)) as MessageOf<T>;
  }

  async nextOf(types: readonly HubMessage['type'][], timeoutMs = 5000): Promise<HubMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.inbox.findIndex((message) => types.includes(message.type));
      if (index >= 0) return this.inbox.splice(index, 1)[0]!;
      await this.waitForInput(deadline, `a ${types.join(' or ')} message`);
    }
  }

  /** Messages received and not yet taken. */
  pending(): readonly HubMessage[] {
    return this.inbox;
  }

  async nextChunk(timeoutMs = 5000): Promise<BlobChunk> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk) return chunk;
      await this.waitForInput(deadline, 'a blob chunk');
    }
  }

  /**
   * Fetches a blob from `offset` to its end and returns those bytes. `stopAfterBytes` returns
   * early once that many bytes have arrived (to simulate a drop mid-download).
   */
  async fetchBlob(
    hash: string,
    options: {
      offset?: number;
      stopAfterBytes?: number;
      timeoutMs?: number;
      /** Takes each chunk's bytes as it arrives (to hash them), instead of returning them all. */
      consume?: (bytes: Buffer) => void;
    } = {},
  ): Promise<{ bytes: Buffer; total: number; received: number }> {
    const start = options.offset ?? 0;
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    this.send({ type: 'get-blob', hash, offset: start });
    const parts: Buffer[] = [];
    let next = start;
    for (;;) {
      const error = this.inbox.findIndex((message) => message.type === 'blob-error' && message.hash === hash);
      if (error >= 0) throw new Error(`blob-error: ${(this.inbox.splice(error, 1)[0] as MessageOf<'blob-error'>).message}`);
      const chunk = this.chunks.shift();
      if (!chunk) {
        await this.waitForInput(deadline, `blob ${hash}`);
        continue;
      }
      if (chunk.header.hash !== hash || chunk.header.offset !== next) throw new Error(`unexpected chunk ${chunk.header.hash}@${chunk.header.offset}, wanted ${hash}@${next}`);
      if (options.consume) options.consume(chunk.bytes);
      else parts.push(chunk.bytes);
      next += chunk.bytes.length;
      if (next >= chunk.header.total || (options.stopAfterBytes !== undefined && next - start >= options.stopAfterBytes)) {
        return { bytes: Buffer.concat(parts), total: chunk.header.total, received: next - start };
      }
    }
  }

  /** Stops reading from the socket: the hub's writes pile up as for a player that hangs. */
  pauseReading(): void {
    this.ws.pause();
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }

  /** Drops the connection without a close handshake, like a cut cable. */
  drop(): Promise<{ code: number; reason: string }> {
    this.ws.terminate();
    return this.closed;
  }

  isClosed(): boolean {
    return this.closeInfo !== null;
  }

  private notify(): void {
    for (const wake of this.wakers) wake();
    this.wakers.clear();
  }

  private waitForInput(deadline: number, what: string): Promise<void> {
    const left = deadline - Date.now();
    if (this.closeInfo) return Promise.reject(new Error(`connection closed (${this.closeInfo.code} ${this.closeInfo.reason}) while waiting for ${what}`));
    if (left <= 0) return Promise.reject(new Error(`timed out waiting for ${what}`));
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, left);
      this.wakers.add(wake);
    });
  }
}
