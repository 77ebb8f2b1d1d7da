import type { KeyObject } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { BLOB_CHUNK_BYTES } from '../compiler/format/wire-messages.ts';
import { keyId, loadPublicKey } from '../compiler/trust/station-key.ts';
import { ALERT_DATABASE_FILE, AlertDatabase } from './alert-database.ts';
import { BlobFrameCache } from './blob-frames.ts';
import { BlobStore } from './blob-store.ts';
import { watchCompilerOutput, type CompilerOutputWatch } from './bundle-watch.ts';
import { CLOSE_GOING_AWAY, DeviceSession, type SessionContext } from './device-session.ts';
import { EmergencyDispatch } from './emergency-dispatch.ts';
import { HUB_DATABASE_FILE, HubDatabase, type DeviceRecord, type PlayFilter, type PlayRow } from './hub-database.ts';
import { silentLogger, type Logger } from '../compiler/format/logger.ts';
import { PublishError, publishBundles } from './publish.ts';
import { EnrolmentLimiter } from './rate-limiter.ts';
import { ScreenOffers } from './screen-offers.ts';
import { SessionRegistry } from './session-registry.ts';
import { DeviceWrites } from './device-writes.ts';

// The hub: one WebSocket server that players connect to. It owns the hub database and blob
// store in dataDir, tells each approved player its screen's current bundle, streams blobs,
// and takes back status and proof of play (protocol in compiler/format/wire-messages.ts;
// per-connection behaviour in device-session.ts).
//
// How a publish reaches players, whoever does it:
//   - RunningHub.publish(dir) (the API, used by tests and the demo): offers go out when the
//     returned promise resolves;
//   - watchBundlesDir: the compiler output directory is polled; a finished compile is
//     published and offered;
//   - another process (`signage hub publish`, `signage hub devices approve|revoke`) writes
//     the same SQLite file; the hub polls `PRAGMA data_version` (externalPollMs, 250 ms) and
//     on any foreign commit reloads current bundles (offers to affected players) and device
//     states (revoked devices are disconnected). No signal file or second channel is needed,
//     and nothing is missed if the hub was busy: the database is the one source of truth.

export interface HubOptions {
  readonly dataDir: string;
  /** Default 127.0.0.1. Plain ws is refused on anything but loopback unless allowPlainOnNetwork. */
  readonly host?: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** The station's public key: publishes are verified against it. */
  readonly stationPublicKey: KeyObject;
  /** PEM text of the certificate (chain) and private key; the hub then speaks wss. */
  readonly tls?: { readonly cert: string; readonly key: string };
  readonly allowPlainOnNetwork?: boolean;
  readonly clock?: () => number;
  readonly logger?: Logger;
  /** Largest message a player may send; default 1 MiB. */
  readonly maxPayloadBytes?: number;
  /** Ping interval; a socket with no pong (or message) in one interval is terminated. Default 30 s. */
  readonly heartbeatMs?: number;
  /** Bytes queued for one socket beyond which it is dropped as not reading; default 4 MiB, at least 4 blob chunks. */
  readonly maxBufferedBytes?: number;
  /** Enrolment attempts (hellos that do not end in a welcome) per address per minute; default 10. */
  readonly enrolmentRatePerMinute?: number;
  /** The same, for all addresses together; default 10 × enrolmentRatePerMinute. */
  readonly enrolmentGlobalRatePerMinute?: number;
  /** A compiler output directory to publish from whenever a compile finishes there. */
  readonly watchBundlesDir?: string;
  /** How long a new connection may take to send its hello; default 10 s. */
  readonly helloTimeoutMs?: number;
  /** How often to look for commits by other processes; default 250 ms. */
  readonly externalPollMs?: number;
  /** Memory for blob frames shared between players fetching the same blobs; default 32 MiB. */
  readonly blobCacheBytes?: number;
  /** How often to look for emergency statements stored by `signage cap …`; default 100 ms. */
  readonly emergencyPollMs?: number;
}

/** A device as the hub sees it; `online` means connected to this running hub now. */
export type DeviceView = DeviceRecord;

export interface RunningHub {
  /** ws://HOST:PORT (wss:// with TLS). */
  readonly url: string;
  readonly port: number;
  publish(bundlesDir: string): Promise<{ changedScreens: string[] }>;
  devices(): DeviceView[];
  approveDevice(id: string): void;
  revokeDevice(id: string): void;
  /** Registers and approves a device from its public key before it ever connects; returns its id. */
  preapproveDevice(device: { publicKeyPem: string; screenId: string }): string;
  plays(filter?: PlayFilter): PlayRow[];
  /** Sockets open now, welcomed or not (benchmarks, tests). */
  connectionCount(): number;
  close(): Promise<void>;
}

export class HubConfigError extends Error {
  override readonly name = 'HubConfigError';
  constructor(
    readonly code: 'HUB_PLAIN_ON_NETWORK' | 'HUB_BAD_OPTION' | 'HUB_UNKNOWN_DEVICE',
    message: string,
  ) {
    super(message);
  }
}

const DEFAULTS = {
  host: '127.0.0.1',
  maxPayloadBytes: 1024 * 1024,
  heartbeatMs: 30_000,
  maxBufferedBytes: 4 * 1024 * 1024,
  enrolmentRatePerMinute: 10,
  helloTimeoutMs: 10_000,
  externalPollMs: 250,
  blobCacheBytes: 32 * 1024 * 1024,
  maxQueuedBlobRequests: 1000,
} as const;

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

function checkOptions(options: HubOptions): void {
  const host = options.host ?? DEFAULTS.host;
  if (!options.tls && !isLoopback(host) && !options.allowPlainOnNetwork) {
    throw new HubConfigError(
      'HUB_PLAIN_ON_NETWORK',
      `refusing to listen on ${host} without TLS: status and proof of play would cross the network in clear, and anyone on it could pose as the hub. ` +
        'Give a certificate (--tls-cert FILE --tls-key FILE), listen on 127.0.0.1, or pass --allow-plain on a closed network.',
    );
  }
  const maxBuffered = options.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes;
  if (maxBuffered < 4 * BLOB_CHUNK_BYTES) {
    // A healthy blob stream keeps up to two chunks queued; the limit must leave room for them.
    throw new HubConfigError('HUB_BAD_OPTION', `maxBufferedBytes must be at least ${4 * BLOB_CHUNK_BYTES} (four blob chunks), not ${maxBuffered}`);
  }
}

function urlOf(options: { host: string; port: number; tls: boolean }): string {
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return `${options.tls ? 'wss' : 'ws'}://${host}:${options.port}`;
}

function listen(server: Server, address: { port: number; host: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startHub(options: HubOptions): Promise<RunningHub> {
  checkOptions(options);
  const host = options.host ?? DEFAULTS.host;
  const clock = options.clock ?? Date.now;
  const logger = options.logger ?? silentLogger;
  const perAddress = options.enrolmentRatePerMinute ?? DEFAULTS.enrolmentRatePerMinute;

  await mkdir(options.dataDir, { recursive: true });
  const db = HubDatabase.open(join(options.dataDir, HUB_DATABASE_FILE));
  db.markAllOffline();
  const store = new BlobStore(options.dataDir);
  await store.removeStaleStaging(clock());
  const offers = new ScreenOffers(db);
  offers.reload();
  const registry = new SessionRegistry<DeviceSession>();
  const alerts = AlertDatabase.open(join(options.dataDir, ALERT_DATABASE_FILE), { synchronous: 'NORMAL' });
  const emergencies = new EmergencyDispatch({ db: alerts, sessionsOf: (screenId) => registry.screen(screenId), clock, logger, pollMs: options.emergencyPollMs ?? 100 });
  emergencies.start();
  const deviceWrites = new DeviceWrites(db, logger);
  const context: SessionContext = {
    db,
    deviceWrites,
    offers,
    frames: new BlobFrameCache(store, options.blobCacheBytes ?? DEFAULTS.blobCacheBytes),
    limiter: new EnrolmentLimiter({ perAddressPerMinute: perAddress, globalPerMinute: options.enrolmentGlobalRatePerMinute ?? perAddress * 10, clock }),
    registry,
    clock,
    logger,
    maxBufferedBytes: options.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes,
    helloTimeoutMs: options.helloTimeoutMs ?? DEFAULTS.helloTimeoutMs,
    maxQueuedBlobRequests: DEFAULTS.maxQueuedBlobRequests,
    emergencies,
  };

  // Plain HTTP requests get a short answer; everything else is the WebSocket upgrade.
  const onRequest = (_request: IncomingMessage, response: ServerResponse): void => {
    response.writeHead(426, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
    response.end('signage hub: players connect with a WebSocket\n');
  };
  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : createHttpServer(onRequest);
  // permessage-deflate stays off: a zlib context per socket costs far more memory than the
  // socket itself (the hub is sized for 10,000 of them), and blobs are compressed images.
  const wss = new WebSocketServer({ server, maxPayload: options.maxPayloadBytes ?? DEFAULTS.maxPayloadBytes, perMessageDeflate: false, clientTracking: false });
  wss.on('connection', (ws, request) => new DeviceSession({ ws, address: request.socket.remoteAddress ?? null, context }).start());
  wss.on('error', (error) => logger.error('websocket server error', { error: error.message }));
  let port: number;
  try {
    port = await listen(server, { port: options.port, host });
  } catch (error) {
    emergencies.close();
    alerts.close();
    db.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new HubConfigError('HUB_BAD_OPTION', `port ${options.port} on ${host} is already in use (another hub?); choose another --port`);
    throw error;
  }
  const url = urlOf({ host, port, tls: options.tls !== undefined });

  /** Reloads current bundles and offers each changed screen's bundle to its connected players. */
  const offerChanges = (): string[] => {
    const changed = offers.reload();
    for (const screenId of changed) {
      const offer = offers.get(screenId)!;
      let count = 0;
      for (const session of registry.screen(screenId)) {
        session.offer(offer);
        count += 1;
      }
      logger.info('offered a new bundle', { screenId, bundleId: offer.bundleId, players: count });
    }
    return changed;
  };

  /** Disconnects welcomed sessions whose device is no longer approved for its screen. */
  const enforceDeviceStates = (): void => {
    const devices = db.deviceStates();
    for (const session of [...registry.welcomedSessions()]) {
      const device = devices.get(session.deviceId!);
      if (device?.state === 'approved' && device.screenId === session.screenId) continue;
      session.refuse('revoked', `device ${session.deviceId} is no longer approved for screen ${session.screenId}`);
    }
  };

  // Publishes run one at a time, whether from the API or the watched directory.
  let publishing: Promise<unknown> = Promise.resolve();
  const publish = (bundlesDir: string): Promise<{ changedScreens: string[] }> => {
    const run = publishing.then(async () => {
      const result = await publishBundles({ db, dataDir: options.dataDir, bundlesDir, stationPublicKey: options.stationPublicKey, clock, alerts });
      // Emergency notices first: they are written to this process's own connection, which
      // data_version does not report, so the dispatcher is told directly.
      emergencies.poll({ force: true });
      offerChanges();
      logger.info('published', { bundlesDir, changed: result.changedScreens, unchanged: result.unchangedScreens });
      return { changedScreens: result.changedScreens };
    });
    publishing = run.catch(() => {});
    return run;
  };

  let lastDataVersion = db.dataVersion();
  const externalPoll = setInterval(() => {
    try {
      const version = db.dataVersion();
      if (version === lastDataVersion) return;
      lastDataVersion = version;
      offerChanges();
      enforceDeviceStates();
    } catch (error) {
      logger.error('cannot read changes made by other processes', { error: (error as Error).message });
    }
  }, options.externalPollMs ?? DEFAULTS.externalPollMs);

  const heartbeat = setInterval(() => {
    for (const session of registry.all) session.heartbeat();
  }, options.heartbeatMs ?? DEFAULTS.heartbeatMs);

  let watch: CompilerOutputWatch | undefined;
  if (options.watchBundlesDir) {
    const dir = options.watchBundlesDir;
    const publishWatched = (): void => {
      publish(dir).catch((error: unknown) => {
        if (error instanceof PublishError && error.code === 'PUBLISH_NOTHING_FOUND') logger.info('nothing to publish yet', { bundlesDir: dir });
        else logger.error('publish from the watched directory failed; players keep the last good bundle', { bundlesDir: dir, error: (error as Error).message });
      });
    };
    watch = watchCompilerOutput({ dir, onChange: publishWatched });
    publishWatched();
    await publishing; // players connecting right after start get the compile that is there now
  }

  logger.info('hub listening', { url, dataDir: options.dataDir, screens: offers.screens() });

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    publish,
    devices: () => db.devices().map((device) => ({ ...device, online: registry.device(device.id) !== undefined })),
    approveDevice(id) {
      if (!db.setDeviceState(id, 'approved')) throw new HubConfigError('HUB_UNKNOWN_DEVICE', `no device ${id}; "signage hub devices" lists them`);
      logger.info('device approved', { deviceId: id });
    },
    revokeDevice(id) {
      if (!db.setDeviceState(id, 'revoked')) throw new HubConfigError('HUB_UNKNOWN_DEVICE', `no device ${id}; "signage hub devices" lists them`);
      logger.info('device revoked', { deviceId: id });
      registry.device(id)?.refuse('revoked', `device ${id} has been revoked by the station`);
    },
    preapproveDevice(device) {
      const id = keyId(loadPublicKey(device.publicKeyPem));
      db.preapproveDevice({ id, publicKeyPem: device.publicKeyPem, screenId: device.screenId, atMs: clock() });
      return id;
    },
    plays: (filter) => db.plays(filter),
    connectionCount: () => registry.all.size,
    close() {
      closing ??= (async () => {
        clearInterval(externalPoll);
        clearInterval(heartbeat);
        emergencies.close();
        watch?.close();
        await publishing;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve())); // no new sockets
        const sessions = [...registry.all];
        for (const session of sessions) session.close(CLOSE_GOING_AWAY, 'hub shutting down');
        // Players that do not answer the close handshake promptly are cut off.
        const grace = setTimeout(() => sessions.forEach((session) => session.terminate()), 1000);
        await Promise.all(sessions.map((session) => session.whenClosed()));
        clearTimeout(grace);
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        await stopped;
        emergencies.flushAcks();
        alerts.close();
        deviceWrites.close();
        db.markAllOffline();
        db.close();
        logger.info('hub stopped', { url });
      })();
      return closing;
    },
  };
}
