import type { KeyObject } from 'node:crypto';
import { mkdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScreenMode } from '../../compiler/format/resolve-active.ts';
import type { BackoffPolicy } from './backoff.ts';
import { BrightnessOutput } from './brightness-output.ts';
import { TrustedClock } from './trusted-clock.ts';
import { ActiveBundleView } from './active-bundle-view.ts';
import { ActivationError, BundleStore } from './bundle-store.ts';
import { loadOrCreateDeviceIdentity } from './device-identity.ts';
import { EmergencyController } from './emergency-controller.ts';
import { EmergencyStore } from './emergency-store.ts';
import { connectWebSocket, type ConnectSocket } from './hub-socket.ts';
import { startLocalServer, type LocalServer } from './local-server.ts';
import { silentLogger, type Logger } from '../../compiler/format/logger.ts';
import { BundleRefusedError, verifyStoredBundle } from './offer-verification.ts';
import { PlayLog } from './play-log.ts';
import { PlaybackDriver, type PlayableBundle, type WakeAfter } from './playback.ts';
import { KeyValueStore, openPlayerDatabase, type PlayerDatabase } from './player-database.ts';
import { nodeCronScheduler, PlayerScheduler, type CronScheduler } from './scheduler.ts';
import { SyncClient, type ConnectionState, type SyncClientEvent } from './sync-client.ts';
import type { StatusReport } from './sync-session.ts';

// Wires the player together: the SQLite cache, the playback driver, the local server for the
// renderer, the cron wake-ups and the hub connection. Order matters at start: whatever the
// cache holds is verified and on screen before the hub is contacted, so a board that boots
// with no network (the usual case after a power cut at a commune) shows its last bundle at
// once and keeps showing it for as long as the outage lasts.
// Emergencies (emergency-store.ts, emergency-controller.ts) are read from the same file first
// too: a warning that was up before a power cut is up again before the hub is reached, and
// while a takeover is up the playback driver plays its pages instead of the content.

export const PLAYER_VERSION = '0.1.0';
export const DATABASE_FILE = 'player.sqlite';
const OFFLINE_SINCE_KEY = 'offline_since_ms';
/** The latest time played by, for a system clock reset by a power cut (trusted-clock.ts). */
const CLOCK_FLOOR_KEY = 'clock_floor_ms';
const CLOCK_FLOOR_EVERY_MS = 60_000;

export interface PlayerState {
  readonly deviceId: string;
  readonly screenId: string;
  readonly activeBundleId: string | null;
  readonly previousBundleId: string | null;
  readonly mode: ScreenMode | 'none';
  readonly pageId: string | null;
  readonly noticeId: string | null;
  readonly brightnessPercent: number;
  readonly online: boolean;
  readonly connection: ConnectionState;
  readonly offlineSinceMs: number | null;
  /** The last thing that went wrong (a refused bundle, a refused connection…), with its code. */
  readonly lastError: string | null;
  /** Proof-of-play records not yet acknowledged by the hub. */
  readonly pendingPlays: number;
  /** The emergency on screen: "none", or the statement ids shown (see emergency-controller.ts). */
  readonly emergencyRevision: string;
}

export interface StartPlayerOptions {
  readonly hubUrl: string;
  readonly dataDir: string;
  readonly screenId: string;
  /** The station's public key, pinned: nothing else's signature is accepted. */
  readonly stationPublicKey: KeyObject;
  readonly clock?: () => number;
  /**
   * Play by the hub's time when the system clock is far off it (default true; see
   * trusted-clock.ts). Tests that run a player on an injected clock against a hub on the real
   * one turn it off, unless the correction is what they test.
   */
  readonly followHubTime?: boolean;
  readonly random?: () => number;
  readonly logger?: Logger;
  /** Port of the loopback server for the renderer; 0 (the default) picks a free one. */
  readonly localPort?: number;
  /** The built renderer page to serve at / (see player/renderer/build.ts). */
  readonly rendererDir?: string;
  /** Status and proof-of-play upload interval; 30 s by default. */
  readonly statusIntervalMs?: number;
  // Seams for tests and benchmarks; production uses the defaults.
  readonly connect?: ConnectSocket;
  readonly cron?: CronScheduler;
  readonly wakeAfter?: WakeAfter;
  readonly backoff?: BackoffPolicy;
  readonly blobRetry?: BackoffPolicy;
  readonly pendingRetryMs?: number;
  readonly healthyAfterMs?: number;
  readonly deadAfterMs?: number;
  readonly stallTimeoutMs?: number;
  /** Blobs requested at once (default 4). */
  readonly blobWindow?: number;
  readonly version?: string;
  /** A program that sets the panel's own brightness, with {percent} in its arguments (see brightness-output.ts). */
  readonly brightnessCommand?: string;
  /** Called when the connection, the bundle on screen or lastError changes. */
  readonly onStateChange?: (state: PlayerState) => void;
  /** Every protocol event, for tools and tests that want to follow the sync closely. */
  readonly onSyncEvent?: (event: SyncClientEvent) => void;
}

export interface RunningPlayer {
  readonly deviceId: string;
  readonly localUrl: string;
  snapshot(): PlayerState;
  close(): Promise<void>;
}

/**
 * Finds the bundle to show at start-up: the active one if it still verifies completely, else
 * the previous one (rolled back), else none. A bundle that fails is retired with the reason
 * logged; it is never shown.
 */
function recoverActiveBundle(options: { store: BundleStore; screenId: string; stationPublicKey: KeyObject; clock: () => number; logger: Logger }): string | null {
  const { store, logger } = options;
  let problem: string | null = null;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const active = store.active();
    if (!active) return problem;
    try {
      verifyStoredBundle({ bundle: active, screenId: options.screenId, stationPublicKey: options.stationPublicKey, blobBytes: (hash) => store.blobBytes(hash) });
      return problem;
    } catch (error) {
      if (!(error instanceof BundleRefusedError)) throw error;
      problem = error.message;
      logger.error('the stored active bundle fails verification; rolling back to the previous one', { bundleId: active.id, code: error.code, reason: error.message });
      const rolled = store.rollback(options.clock());
      store.retire(active.id);
      if (!rolled) return problem;
    }
  }
  return problem;
}

/**
 * A bundle that was fully downloaded just before a crash or power cut, but not yet activated,
 * is activated now: it was verified when it was offered, activate() checks every blob again,
 * and it is newer than what is on screen. A board that comes back with no network then shows
 * the newest content it holds.
 */
function activateCompletePending(options: { store: BundleStore; screenId: string; clock: () => number; logger: Logger }): void {
  const { store, logger } = options;
  const pending = store.pending();
  if (!pending || pending.screen !== options.screenId || store.missingBlobs(pending.id).length > 0) return;
  const active = store.active();
  if (active && pending.issuedAtMs < active.issuedAtMs) return;
  try {
    const result = store.activate(pending.id, options.clock());
    logger.info('activated a bundle that was complete before the restart', { bundleId: result.activeId, previousBundleId: result.previousId });
  } catch (error) {
    if (!(error instanceof ActivationError)) throw error;
    logger.warn('a downloaded bundle could not be activated at start-up; it will be fetched again', { bundleId: pending.id, reason: error.message });
  }
}

export async function startPlayer(options: StartPlayerOptions): Promise<RunningPlayer> {
  const systemClock = options.clock ?? Date.now;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;

  // The data directory holds the device's private key: owner only.
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const db: PlayerDatabase = openPlayerDatabase({ path: join(options.dataDir, DATABASE_FILE) });
  const cleanups: (() => Promise<void> | void)[] = [() => void db.close()];
  try {
    const kv = new KeyValueStore(db);
    // Everything the player decides (what plays, proof of play, expiry) goes by this clock; the
    // sync client keeps the system clock, so the offset it reports to the hub is the real one.
    const trustedClock = new TrustedClock(systemClock, Number(kv.get(CLOCK_FLOOR_KEY) ?? Number.NaN));
    const clock = trustedClock.now;
    const startedMs = clock();
    if (trustedClock.source.kind === 'floor') logger.error('the system clock is behind the last time this player played by', { problem: trustedClock.problem() });
    // Never lowered, except by the hub's time: a system clock that once ran ahead must not hold
    // the floor in the future once the hub has said what time it is.
    const storeClockFloor = () =>
      kv.set(CLOCK_FLOOR_KEY, String(trustedClock.source.kind === 'hub' ? clock() : Math.max(Number(kv.get(CLOCK_FLOOR_KEY) ?? 0) || 0, clock())));
    storeClockFloor();
    const floorTimer = setInterval(storeClockFloor, CLOCK_FLOOR_EVERY_MS);
    floorTimer.unref();
    cleanups.unshift(() => {
      clearInterval(floorTimer);
      storeClockFloor();
    });
    const identity = loadOrCreateDeviceIdentity(db, startedMs);
    const store = new BundleStore(db);
    const activeBundle = new ActiveBundleView(store);
    const plays = new PlayLog(db);
    const emergencies = new EmergencyStore(db, { screenId: options.screenId, stationPublicKey: options.stationPublicKey });
    for (const problem of emergencies.load()) logger.error('dropped a stored emergency statement that no longer verifies', { problem });
    let lastError = recoverActiveBundle({ store, screenId: options.screenId, stationPublicKey: options.stationPublicKey, clock, logger });
    activateCompletePending({ store, screenId: options.screenId, clock, logger });
    logger.info('player starting', { deviceId: identity.deviceId, screenId: options.screenId, activeBundleId: store.pointers().activeId });

    // Local server and playback first, from the cache: no network needed to show content.
    let server: LocalServer | undefined;
    let client: SyncClient | undefined;
    let brightness: BrightnessOutput | undefined;
    // Set just below; the driver's first decision waits for the emergency controller's.
    let emergency: EmergencyController | undefined;
    let stateReady = false;
    /** What playback plays: the takeover while one is up (proof of play names it), else the content. */
    const playing = (): PlayableBundle | undefined => {
      const takeover = emergency?.onScreen.takeover;
      return takeover ? { bundleId: takeover.bundleId, schedule: takeover.schedule } : activeBundle.playable();
    };
    const driver = new PlaybackDriver({
      plays,
      deviceId: identity.deviceId,
      clock,
      logger,
      ...(options.wakeAfter ? { wakeAfter: options.wakeAfter } : {}),
      onChange: (now, before) => {
        if (now.mode !== before.mode || now.brightnessPercent !== before.brightnessPercent) server?.playbackChanged(now);
        if (now.brightnessPercent !== before.brightnessPercent) brightness?.apply(now.brightnessPercent);
      },
    });
    cleanups.unshift(() => driver.stop());
    emergency = new EmergencyController({
      store: emergencies,
      clock,
      logger,
      ...(options.wakeAfter ? { wakeAfter: options.wakeAfter } : {}),
      sendAck: (ack) => client?.sendEmergencyAck(ack) ?? false,
      content: () => activeBundle.contentNotices(),
      onChange: (onScreen) => {
        // The renderer first, in the same tick as the commit: it draws the change on its next frame.
        server?.emergencyChanged(onScreen);
        driver.show(playing());
        logger.info('emergency on screen changed', { revision: onScreen.revision });
        if (stateReady) stateChanged();
      },
    });
    const emergencyController = emergency;
    cleanups.unshift(() => emergencyController.stop());
    emergency.refresh();
    driver.show(playing());

    server = await startLocalServer({
      store,
      logger,
      port: options.localPort ?? 0,
      ...(options.rendererDir ? { rendererDir: options.rendererDir } : {}),
      onScreen: () => driver.onScreen,
      emergency: () => emergencyController.onScreen,
      brightnessBy: options.brightnessCommand !== undefined ? 'panel' : 'renderer',
      clockCorrectionMs: () => trustedClock.correction,
    });
    cleanups.unshift(() => server?.close());

    const snapshot = (): PlayerState => {
      const onScreen = driver.onScreen;
      const connection = client?.state ?? 'connecting';
      const pointers = store.pointers();
      return {
        deviceId: identity.deviceId,
        screenId: options.screenId,
        activeBundleId: pointers.activeId,
        previousBundleId: pointers.previousId,
        mode: onScreen.mode,
        pageId: onScreen.page?.pageId ?? null,
        noticeId: onScreen.page?.noticeId ?? null,
        brightnessPercent: onScreen.brightnessPercent,
        online: connection === 'online',
        connection,
        offlineSinceMs: client?.offlineSinceMs ?? null,
        lastError: lastError ?? trustedClock.problem(),
        pendingPlays: plays.pendingCount(),
        emergencyRevision: emergencyController.onScreen.revision,
      };
    };
    const stateChanged = () => options.onStateChange?.(snapshot());
    stateReady = true;
    const setError = (message: string | null) => {
      lastError = message;
      stateChanged();
    };

    if (options.brightnessCommand !== undefined) {
      brightness = new BrightnessOutput({
        template: options.brightnessCommand,
        logger,
        // A success clears only a brightness failure, never another component's error.
        onResult: (error) => {
          if (error !== null) setError(`BRIGHTNESS: ${error}`);
          else if (lastError?.startsWith('BRIGHTNESS:')) setError(null);
        },
      });
      cleanups.unshift(() => brightness?.idle());
      brightness.apply(driver.onScreen.brightnessPercent);
    }

    const scheduler = new PlayerScheduler({
      cron: options.cron ?? nodeCronScheduler(logger),
      logger,
      onWake: () => driver.tick(),
      onMaintenance: () => {
        const pruned = store.prune();
        const emergencyStatements = emergencies.prune(clock());
        store.compact();
        logger.info('daily maintenance done', { ...pruned, emergencyStatements });
      },
    });
    cleanups.unshift(() => scheduler.stop());
    scheduler.setSchedule(activeBundle.playable()?.schedule);

    const report = async (): Promise<StatusReport> => {
      const onScreen = driver.onScreen;
      let freeDiskBytes: number | null = null;
      try {
        const fs = await statfs(options.dataDir);
        freeDiskBytes = Number(fs.bavail) * Number(fs.bsize);
      } catch {
        // Not every platform reports it; the hub shows "unknown".
      }
      return {
        bundleId: store.pointers().activeId,
        mode: onScreen.mode,
        pageId: onScreen.page?.pageId ?? null,
        noticeId: onScreen.page?.noticeId ?? null,
        freeDiskBytes,
        uptimeS: Math.max(0, Math.floor((clock() - startedMs) / 1000)),
        version: options.version ?? PLAYER_VERSION,
        lastError: lastError ?? trustedClock.problem(),
        // Only sent while connected, so it is null then; kept in the local snapshot instead.
        offlineSinceMs: client?.offlineSinceMs ?? null,
      };
    };

    const onSyncEvent = (event: SyncClientEvent) => {
      options.onSyncEvent?.(event);
      switch (event.type) {
        case 'state':
          if (event.offlineSinceMs === null) kv.delete(OFFLINE_SINCE_KEY);
          else kv.set(OFFLINE_SINCE_KEY, String(event.offlineSinceMs));
          if (event.state === 'online' && lastError?.startsWith('DEVICE_')) lastError = null;
          stateChanged();
          return;
        case 'refused': {
          const code = event.reason === 'pending-approval' ? 'DEVICE_PENDING_APPROVAL' : event.reason === 'revoked' ? 'DEVICE_REVOKED' : `DEVICE_REFUSED_${event.reason.toUpperCase().replaceAll('-', '_')}`;
          const log = event.reason === 'pending-approval' ? logger.warn : logger.error;
          log.call(logger, 'the hub refused this device', { deviceId: identity.deviceId, reason: event.reason, message: event.message });
          return setError(`${code}: ${event.message}`);
        }
        case 'bundle-refused':
          return setError(event.error.message);
        case 'download-failed':
          return setError(event.reason);
        case 'protocol-error':
          return setError(`PROTOCOL: ${event.message}`);
        case 'sync-error':
          return setError(`SYNC_ERROR: ${event.message}`);
        case 'activated': {
          // First, in the same tick as the commit: the renderer hears of it before its next frame.
          server?.bundleChanged({ bundleId: event.result.activeId, previousBundleId: event.result.previousId });
          if (event.documents?.id === event.result.activeId) activeBundle.activated(event.documents);
          // The content may carry (or have dropped) a commune emergency notice sent ahead as a statement.
          emergencyController.refresh();
          // Under a takeover the new content waits behind it; the driver plays it once the alert ends.
          driver.show(playing());
          scheduler.setSchedule(activeBundle.playable()?.schedule);
          const pruned = store.prune();
          logger.info('activated a new bundle', { bundleId: event.result.activeId, previousBundleId: event.result.previousId, ...pruned });
          // A good activation ends the sync's own errors, not the panel controller's, which
          // only its next successful run clears (the two race at start-up).
          return setError(lastError?.startsWith('BRIGHTNESS:') ? lastError : null);
        }
        case 'online':
          if (options.followHubTime !== false && trustedClock.hubOffset(event.clockOffsetMs)) {
            // The time played by moved: the renderer page first, then every decision again.
            server?.clockChanged(trustedClock.correction);
            logger.warn('the time played by changed with the hub\'s', { clockOffsetMs: event.clockOffsetMs, source: trustedClock.source.kind, problem: trustedClock.problem() });
            emergencyController.refresh();
            driver.show(playing());
            stateChanged();
          }
          // The hub keeps the first time it heard of each state; sending all again costs little.
          emergencyController.resendAcks();
          return;
        case 'emergency':
          emergencyController.receive(event);
          return;
        default:
          return;
      }
    };

    const storedOfflineSince = Number(kv.get(OFFLINE_SINCE_KEY));
    client = new SyncClient({
      hubUrl: options.hubUrl,
      connect: options.connect ?? connectWebSocket(),
      store,
      plays,
      identity,
      screenId: options.screenId,
      stationPublicKey: options.stationPublicKey,
      clock: systemClock,
      random,
      logger,
      version: options.version ?? PLAYER_VERSION,
      statusIntervalMs: options.statusIntervalMs ?? 30_000,
      deadAfterMs: options.deadAfterMs ?? 90_000,
      stallTimeoutMs: options.stallTimeoutMs ?? 60_000,
      blobRetry: options.blobRetry ?? { baseMs: 5_000, capMs: 10 * 60_000 },
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.pendingRetryMs !== undefined ? { pendingRetryMs: options.pendingRetryMs } : {}),
      ...(options.healthyAfterMs !== undefined ? { healthyAfterMs: options.healthyAfterMs } : {}),
      ...(options.blobWindow !== undefined ? { blobWindow: options.blobWindow } : {}),
      offlineSinceMs: Number.isFinite(storedOfflineSince) && storedOfflineSince > 0 ? storedOfflineSince : null,
      report,
      onEvent: onSyncEvent,
    });
    const syncClient = client;
    cleanups.unshift(() => syncClient.stop());
    kv.set(OFFLINE_SINCE_KEY, String(client.offlineSinceMs ?? systemClock()));
    client.start();

    let closing: Promise<void> | undefined;
    return {
      deviceId: identity.deviceId,
      localUrl: server.url,
      snapshot,
      close: () => {
        closing ??= (async () => {
          for (const cleanup of cleanups) {
            try {
              await cleanup();
            } catch (error) {
              logger.error('error while stopping the player', { error: (error as Error).message });
            }
          }
        })();
        return closing;
      },
    };
  } catch (error) {
    for (const cleanup of cleanups) {
      try {
        await cleanup();
      } catch {
        // Already failing; the original error is the one to report.
      }
    }
    throw error;
  }
}
