import type { KeyObject } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunningHub } from '../../../hub/hub-server.ts';
import { loadOrCreateDeviceIdentity, type DeviceIdentity } from '../../../player/core/device-identity.ts';
import { openPlayerDatabase } from '../../../player/core/player-database.ts';
import { DATABASE_FILE, startPlayer, type RunningPlayer, type StartPlayerOptions } from '../../../player/core/player-runtime.ts';
import type { CronScheduler } from '../../../player/core/scheduler.ts';
import type { SyncClientEvent } from '../../../player/core/sync-client.ts';
import type { Logger, LogFields } from '../../../compiler/format/logger.ts';

// Small helpers shared by the player tests: a logger that remembers, a controllable clock,
// and polling for a condition with a deadline.

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: LogFields | undefined;
}

export function memoryLogger(): Logger & { lines: LogLine[]; text(): string } {
  const lines: LogLine[] = [];
  const add = (level: LogLine['level']) => (message: string, fields?: LogFields) => void lines.push({ level, message, fields });
  return {
    lines,
    info: add('info'),
    warn: add('warn'),
    error: add('error'),
    text: () => lines.map((line) => `${line.level} ${line.message} ${JSON.stringify(line.fields ?? {})}`).join('\n'),
  };
}

export function manualClock(startMs: number): { now: () => number; set(ms: number): void; advance(ms: number): void } {
  let current = startMs;
  return {
    now: () => current,
    set: (ms) => void (current = ms),
    advance: (ms) => void (current += ms),
  };
}

/** A clock that runs `rate` times faster than real time from `startMs`. */
export function fastClock(startMs: number, rate: number): () => number {
  const realStart = Date.now();
  return () => startMs + Math.floor((Date.now() - realStart) * rate);
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}


/** A cron that never fires by itself; tests fire its jobs by expression. */
export function manualCron(): CronScheduler & { jobs: Map<string, { task: () => void; timezone: string }>; fire(expression: string): void } {
  const jobs = new Map<string, { task: () => void; timezone: string }>();
  const schedule: CronScheduler = (expression, task, options) => {
    jobs.set(expression, { task, timezone: options.timezone });
    return { stop: () => void jobs.delete(expression) };
  };
  return Object.assign(schedule, { jobs, fire: (expression: string) => jobs.get(expression)?.task() });
}

export interface TestPlayer {
  readonly player: RunningPlayer;
  readonly events: SyncClientEvent[];
  readonly logger: ReturnType<typeof memoryLogger>;
  readonly cron: ReturnType<typeof manualCron>;
}

/**
 * startPlayer with test defaults: a clock running from `startMs`, a remembering logger, a manual
 * cron. The hubs of most tests run on the real clock while their players run on injected ones,
 * so the player does not take the hub's time unless a test asks (followHubTime: true).
 */
export async function startTestPlayer(
  options: { hubUrl: string; dataDir: string; screenId: string; stationPublicKey: KeyObject; startMs: number } & Partial<StartPlayerOptions>,
): Promise<TestPlayer> {
  const events: SyncClientEvent[] = [];
  const logger = memoryLogger();
  const cron = manualCron();
  const { startMs, ...rest } = options;
  const player = await startPlayer({
    clock: fastClock(startMs, 1),
    logger,
    cron,
    backoff: { baseMs: 20, capMs: 200 },
    blobRetry: { baseMs: 50, capMs: 200 },
    followHubTime: false,
    ...rest,
    onSyncEvent: (event) => {
      events.push(event);
      options.onSyncEvent?.(event);
    },
  });
  return { player, events, logger, cron };
}

/**
 * A player data directory whose device the hub already approved for `screenId`: the identity
 * is made as the player's first start would make it, then pre-approved, so the player is
 * welcomed at its first connection.
 */
export async function approvedPlayerDir(hub: RunningHub, dataDir: string, screenId: string): Promise<DeviceIdentity> {
  await mkdir(dataDir, { recursive: true });
  const db = openPlayerDatabase({ path: join(dataDir, DATABASE_FILE) });
  try {
    const identity = loadOrCreateDeviceIdentity(db, Date.now());
    hub.preapproveDevice({ publicKeyPem: identity.publicKeyPem, screenId });
    return identity;
  } finally {
    db.close();
  }
}
