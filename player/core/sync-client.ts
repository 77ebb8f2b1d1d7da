import { Backoff, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.ts';
import type { ConnectSocket, SyncSocket } from './hub-socket.ts';
import { SyncSession, type SyncEvent, type SyncSessionOptions } from './sync-session.ts';

// Keeps one SyncSession alive against the hub for as long as the player runs: connect, and
// when the connection ends, wait and connect again. The wait is exponential backoff with full
// jitter (backoff.ts), reset only after a connection that stayed healthy for a while, so a hub
// that accepts and immediately drops cannot pull players into a tight loop. A device waiting
// for approval retries slowly; a revoked device stops and says so.

export type ConnectionState = 'connecting' | 'online' | 'offline' | 'pending-approval' | 'revoked' | 'stopped';

export type SyncClientEvent =
  | SyncEvent
  | { readonly type: 'state'; readonly state: ConnectionState; readonly offlineSinceMs: number | null }
  | { readonly type: 'reconnect-scheduled'; readonly delayMs: number; readonly attempt: number };

export interface SyncClientOptions extends Omit<SyncSessionOptions, 'socket' | 'onEvent'> {
  readonly hubUrl: string;
  readonly connect: ConnectSocket;
  readonly random: () => number;
  readonly backoff?: BackoffPolicy;
  /** A device waiting for approval asks again about this often (jittered ±50 %). */
  readonly pendingRetryMs?: number;
  /** A welcomed connection that lasted this long resets the backoff. */
  readonly healthyAfterMs?: number;
  /** Where the outage began, if the player was already offline before this start (kept across restarts). */
  readonly offlineSinceMs: number | null;
  readonly onEvent: (event: SyncClientEvent) => void;
}

export const DEFAULT_PENDING_RETRY_MS = 30_000;
export const DEFAULT_HEALTHY_AFTER_MS = 10_000;

export class SyncClient {
  private readonly backoff: Backoff;
  private socket: SyncSocket | undefined;
  private session: SyncSession | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private currentState: ConnectionState = 'connecting';
  private offlineSince: number | null;
  private stopping: (() => void) | undefined;
  private stopped = false;
  private lastFailure: string | null = null;

  constructor(private readonly options: SyncClientOptions) {
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF, options.random);
    // Until a hub has welcomed it, the player counts as offline.
    this.offlineSince = options.offlineSinceMs ?? options.clock();
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  get offlineSinceMs(): number | null {
    return this.offlineSince;
  }

  start(): void {
    this.connect();
  }

  /** Sends an emergency acknowledgement if welcomed; false otherwise (sent again after the next welcome). */
  sendEmergencyAck(ack: Parameters<SyncSession['sendEmergencyAck']>[0]): boolean {
    return this.session?.sendEmergencyAck(ack) ?? false;
  }

  /** Uploads proof of play now if connected (otherwise it waits for the next connection). */
  uploadPlays(): void {
    this.session?.uploadPlays();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    if (!this.socket) {
      this.setState('stopped');
      return;
    }
    const closed = new Promise<void>((resolve) => (this.stopping = resolve));
    this.socket.close(1001, 'player stopping');
    // An unresponsive hub must not hold up a shutdown: terminate after 2 s, give up after 3 s.
    const terminate = setTimeout(() => this.socket?.terminate(), 2_000);
    let giveUp: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise<void>((resolve) => (giveUp = setTimeout(resolve, 3_000)))]);
    clearTimeout(terminate);
    clearTimeout(giveUp);
    this.session?.closed();
    this.setState('stopped');
  }

  private connect(): void {
    if (this.stopped) return;
    let welcomedAtMs: number | null = null;
    let refusal: string | null = null;
    // The session is made before the socket exists; ConnectSocket implementations call the
    // handlers asynchronously (as ws does), by which time `socket` is set.
    let socket: SyncSocket | undefined;
    const session = new SyncSession({
      ...this.options,
      socket: {
        send: (data) => socket?.send(data),
        close: (code, reason) => socket?.close(code, reason),
        terminate: () => socket?.terminate(),
      },
      onEvent: (event) => {
        if (event.type === 'online') {
          welcomedAtMs = this.options.clock();
          this.offlineSince = null;
          this.setState('online');
        } else if (event.type === 'refused') {
          refusal = event.reason;
          if (event.reason === 'pending-approval') this.setState('pending-approval');
          if (event.reason === 'revoked') this.setState('revoked');
        }
        this.options.onEvent(event);
      },
    });
    this.session = session;
    try {
      socket = this.options.connect(this.options.hubUrl, {
        onOpen: () => session.opened(),
        onText: (text) => session.handleText(text),
        onBinary: (data) => session.handleBinary(data),
        onAlive: () => session.alive(),
        onClose: (info) => {
          session.closed();
          this.noteFailure(welcomedAtMs === null ? (info.error ?? (refusal ? null : `connection closed (${info.code})`)) : null);
          this.socket = undefined;
          this.session = undefined;
          const endedMs = this.options.clock();
          // Only a connection that stayed up for a while proves the hub is healthy again.
          if (welcomedAtMs !== null && endedMs - welcomedAtMs >= (this.options.healthyAfterMs ?? DEFAULT_HEALTHY_AFTER_MS)) this.backoff.reset();
          this.scheduleReconnect(refusal, endedMs);
        },
      });
    } catch (error) {
      // ws throws at once for a URL it cannot use; keep trying as for any failed connection.
      this.options.logger.error('cannot connect to the hub', { hubUrl: this.options.hubUrl, error: (error as Error).message });
      session.closed();
      this.session = undefined;
      this.scheduleReconnect(null, this.options.clock());
      return;
    }
    this.socket = socket;
  }

  /**
   * Logs why the hub cannot be reached (unreachable, TLS certificate not trusted, …) when the
   * reason changes, not at every attempt: a commune offline for a day would fill the log.
   */
  private noteFailure(reason: string | null): void {
    if (reason === this.lastFailure) return;
    this.lastFailure = reason;
    if (reason) this.options.logger.warn('cannot reach the hub', { hubUrl: this.options.hubUrl, reason });
  }

  private scheduleReconnect(refusal: string | null, endedMs: number): void {
    if (this.stopped) {
      this.setState('stopped');
      this.stopping?.();
      return;
    }
    if (refusal === 'revoked') {
      // The station has withdrawn this device: asking again would only fill the hub's log.
      // The player keeps showing its last bundle; restarting the process asks again.
      this.options.logger.error('the hub has revoked this device; it will not reconnect until restarted', {});
      return;
    }
    this.offlineSince ??= endedMs;
    let delayMs: number;
    const attempt = this.backoff.attempts;
    if (refusal === 'pending-approval') {
      const base = this.options.pendingRetryMs ?? DEFAULT_PENDING_RETRY_MS;
      delayMs = Math.floor(base * (0.5 + this.options.random()));
    } else {
      delayMs = this.backoff.next();
      this.setState('offline');
    }
    this.options.onEvent({ type: 'reconnect-scheduled', delayMs, attempt });
    this.retryTimer = setTimeout(() => this.connect(), delayMs);
  }

  private setState(state: ConnectionState): void {
    const changed = state !== this.currentState;
    this.currentState = state;
    if (changed) this.options.onEvent({ type: 'state', state, offlineSinceMs: this.offlineSince });
  }
}
