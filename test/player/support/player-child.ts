import { loadPublicKey } from '../../../compiler/trust/station-key.ts';
import { startPlayer } from '../../../player/core/player-runtime.ts';
import type { CronScheduler } from '../../../player/core/scheduler.ts';

// A player core in its own process, for the fault tests: the parent kills it with SIGKILL at
// random moments and checks what it left on disk. It reports progress as JSON lines on
// stdout (written synchronously to the pipe, so a line printed before the kill is never lost).
//
// argv[2]: JSON { hubUrl, dataDir, screenId, stationKeyPem, clockStartMs, realStartMs, rate }.
// The clock runs `rate` times faster than real time on a timeline shared by every restart,
// so that pages (tens of seconds long) turn over in a fraction of a second.

interface ChildConfig {
  hubUrl: string;
  dataDir: string;
  screenId: string;
  stationKeyPem: string;
  clockStartMs: number;
  realStartMs: number;
  rate: number;
  statusIntervalMs: number;
  /** Start only when a line arrives on stdin: the parent warms the next child up in advance. */
  waitForGo?: boolean;
}

const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
const emit = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);
if (config.waitForGo) {
  emit({ e: 'warm' });
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
}
const clock = () => config.clockStartMs + Math.floor((Date.now() - config.realStartMs) * config.rate);
const noCron: CronScheduler = () => ({ stop: () => {} });

const player = await startPlayer({
  hubUrl: config.hubUrl,
  dataDir: config.dataDir,
  screenId: config.screenId,
  stationPublicKey: loadPublicKey(config.stationKeyPem),
  clock,
  // The test's hub runs on the real clock; this player's accelerated clock is the one to keep.
  followHubTime: false,
  cron: noCron,
  // Timers in clock time: scale them down with the clock.
  wakeAfter: (ms, fn) => {
    const timer = setTimeout(fn, ms / config.rate);
    return () => clearTimeout(timer);
  },
  statusIntervalMs: config.statusIntervalMs,
  backoff: { baseMs: 20, capMs: 100 },
  blobRetry: { baseMs: 20, capMs: 100 },
  logger: {
    info: () => {},
    warn: (message, fields) => emit({ e: 'warn', message, fields }),
    error: (message, fields) => emit({ e: 'error', message, fields }),
  },
  onSyncEvent: (event) => {
    if (event.type === 'chunk') emit({ e: 'chunk', hash: event.hash, received: event.received, total: event.total });
    else if (event.type === 'activated') emit({ e: 'activated', bundleId: event.result.activeId });
    else if (event.type === 'downloading') emit({ e: 'downloading', bundleId: event.bundleId, missing: event.missing });
    else if (event.type === 'plays-acked') emit({ e: 'plays-acked', count: event.count });
    else if (event.type === 'state') emit({ e: 'state', state: event.state });
  },
});
emit({ e: 'ready', deviceId: player.deviceId, activeBundleId: player.snapshot().activeBundleId });

const stop = async () => {
  await player.close();
  emit({ e: 'closed' });
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
