import WebSocket from 'ws';
import { BLOB_CHUNK_BYTES } from '../../compiler/format/wire-messages.ts';

// The seam between the sync protocol and the network. SyncSession only sees SyncSocket and
// its handlers, so tests can drive the protocol with any socket-like object; the player uses
// connectWebSocket(), a thin adapter over the `ws` package.

export interface SyncSocket {
  send(data: string | Uint8Array): void;
  /** Orderly close. */
  close(code?: number, reason?: string): void;
  /** Drop the connection at once (dead peer: an orderly close would wait for it). */
  terminate(): void;
}

export interface SyncSocketHandlers {
  onOpen(): void;
  onText(text: string): void;
  onBinary(data: Uint8Array): void;
  /** Any sign of life below the message layer (a WebSocket ping). */
  onAlive(): void;
  /** Called exactly once per socket, whether it opened or not; `error` says why it failed, if it did. */
  onClose(info: { code: number; reason: string; error?: string }): void;
}

export type ConnectSocket = (url: string, handlers: SyncSocketHandlers) => SyncSocket;

export interface WebSocketOptions {
  /**
   * Largest frame accepted from the hub. A chunk frame is BLOB_CHUNK_BYTES plus a small
   * header; an offer carries a base64 manifest. Far below ws's 100 MiB default, so a broken or
   * hostile hub cannot make a small player allocate without bound.
   */
  readonly maxPayloadBytes?: number;
  readonly handshakeTimeoutMs?: number;
  /**
   * PEM certificate(s) to trust for a wss:// hub, instead of the system's CAs: a commune
   * station usually has a self-signed certificate, which the player then pins.
   */
  readonly ca?: string;
}

export const DEFAULT_MAX_PAYLOAD_BYTES = Math.max(16 * 1024 * 1024, 2 * BLOB_CHUNK_BYTES);

export function connectWebSocket(options: WebSocketOptions = {}): ConnectSocket {
  return (url, handlers) => {
    const socket = new WebSocket(url, {
      maxPayload: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
      handshakeTimeout: options.handshakeTimeoutMs ?? 10_000,
      // Compression costs memory on both ends and blobs are already compressed images.
      perMessageDeflate: false,
      ...(options.ca ? { ca: options.ca } : {}),
    });
    let closed = false;
    let failure: string | undefined;
    const finish = (code: number, reason: string) => {
      if (closed) return;
      closed = true;
      handlers.onClose({ code, reason, ...(failure ? { error: failure } : {}) });
    };
    socket.on('open', () => handlers.onOpen());
    socket.on('message', (data, isBinary) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (isBinary) handlers.onBinary(bytes);
      else handlers.onText(bytes.toString('utf8'));
    });
    socket.on('ping', () => handlers.onAlive());
    // 'error' is always followed by 'close', which reports it. Without a listener, an
    // unreachable hub would crash the process with an unhandled 'error'.
    socket.on('error', (error) => {
      failure = error.message;
    });
    socket.on('close', (code, reason) => finish(code, reason.toString('utf8')));
    return {
      send: (data) => {
        if (socket.readyState === WebSocket.OPEN) socket.send(data);
      },
      close: (code, reason) => {
        if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
        else socket.close(code, reason);
      },
      terminate: () => socket.terminate(),
    };
  };
}
