import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_BACKOFF } from '../../player/core/backoff.ts';
import { DEFAULT_HEALTHY_AFTER_MS } from '../../player/core/sync-client.ts';
import { scratchDir } from '../support/paths.ts';
import { compileVersions } from './sim-players/bundles.ts';
import { heldOf, startHubProcess, startLightFleet, stopAll } from './sim-players/fleet.ts';
import { machineCpu, openFileLimit, sleep, waitUntil, type Worker } from './sim-players/ipc.ts';
import { emit, percentile, round } from './stats.ts';

// Reconnect benchmark (issue 4). `--players` lightweight players (real protocol, in worker
// processes) are connected to one hub; the hub is stopped and started again at once on the same
// port and data directory. Every player reconnects with the real player's policy: the Backoff
// class and DEFAULT_BACKOFF of player/core/backoff.ts (full jitter), reset after a connection
// that stayed up DEFAULT_HEALTHY_AFTER_MS, as SyncClient does. Measured: the time from the stop
// until every player is welcomed again, and the peak rate of welcomed connections.
//
// Baseline in the same run (the machine is shared and noisy): the same restart with jitter
// switched off — the same exponential ceilings, every player waiting the full ceiling — which
// is the storm that jitter is there to prevent.
//
// Rates: welcomes (hello accepted) per second, in the busiest sliding 1 s window (the summary's
// `peak_connects_per_s`) and in the busiest sliding 100 ms window scaled to a second.

interface RestartTimes {
  readonly stopAt: number;
  readonly stoppedAt: number;
  readonly listeningAt: number;
  readonly connections: number;
  readonly halfClosedAt: number;
  readonly allClosedAt: number;
  readonly closeCpuMs: number;
  readonly closeRunqueueWaitMs: number;
  readonly startCpuMs: number;
}

interface ReconnectLog {
  readonly attempts: number[];
  readonly welcomes: number[];
  readonly handshakes: number[];
  readonly failures: Record<string, number>;
  readonly online: number;
}

/** Most timestamps within any window of `windowMs` (sorted input). */
export function busiestWindow(sorted: readonly number[], windowMs: number): number {
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    while (sorted[end]! - sorted[start]! >= windowMs) start += 1;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      players: { type: 'string', default: '2000' },
      workers: { type: 'string', default: '3' },
      'no-baseline': { type: 'boolean', default: false },
    },
  });
  const players = Number(values.players);
  const workers = Math.max(2, Math.min(4, Number(values.workers)));
  const withBaseline = !values['no-baseline'];
  if (!Number.isInteger(players) || players < 1) throw new Error('--players must be a positive integer');

  const lifetimeMs = 10 * 60_000;
  const scratch = await scratchDir('bench-reconnect');
  const processes: Worker[] = [];
  try {
    const fdLimit = await openFileLimit();
    emit({ event: 'setup', players, workers, open_file_limit: fdLimit, policy: { ...DEFAULT_BACKOFF, healthyAfterMs: DEFAULT_HEALTHY_AFTER_MS, jitter: 'full' }, baseline: withBaseline });
    if (fdLimit !== null && fdLimit < players + 200) throw new Error(`open file limit ${fdLimit} is below the ${players + 200} the hub needs: raise it (ulimit -n)`);

    const { versions, stationPublicKeyPem } = await compileVersions(join(scratch.path, 'bundles'), 0);
    const version = versions[0]!;
    const screens = Object.keys(version.screens);
    const hub = startHubProcess(lifetimeMs);
    processes.push(hub);
    const { url } = await hub.call<{ url: string }>('start', { dataDir: join(scratch.path, 'hub'), port: 0, stationPublicKeyPem });
    await hub.call('publish', { dir: version.dir }, 120_000);

    const light = await startLightFleet({
      hub,
      url,
      screens,
      screenOf: (index) => screens[index % screens.length]!,
      count: players,
      workers,
      mode: 'reconnect',
      held: heldOf(version),
      stationPublicKeyPem,
      maxLifetimeMs: lifetimeMs,
      namePrefix: 'reconnect',
      onWorker: (worker) => processes.push(worker),
    });
    if (light.failed > 0) throw new Error(`${light.failed} players could not connect`);
    const fleet = light.fleet.workers;
    await waitUntil(async () => (await hub.call<number>('connections')) === players, { timeoutMs: 60_000, what: `the hub holds ${players} connections` });
    emit({ event: 'fleet', players, connect_ms: light.connectMs, hub_connections: await hub.call('connections') });

    const restart = async (jitter: boolean) => {
      // Connections must have been healthy for DEFAULT_HEALTHY_AFTER_MS, so that each player's
      // backoff is reset when its socket drops, as in production after a long uptime.
      await sleep(DEFAULT_HEALTHY_AFTER_MS + 500);
      await Promise.all(fleet.map((worker) => worker.call('setJitter', { jitter })));
      await Promise.all(fleet.map((worker) => worker.call('arm', { target: {} })));
      const machine0 = await machineCpu();
      const cpu0 = await hub.call<{ cpuMs: number }>('usage');
      const times = await hub.call<RestartTimes>('restart', {}, 60_000);
      let back = 0;
      try {
        await waitUntil(
          async () => {
            const online = await Promise.all(fleet.map((worker) => worker.call<{ online: number }>('progress')));
            back = online.reduce((sum, p) => sum + p.online, 0);
            return back === players && (await hub.call<number>('onlineDevices')) === players;
          },
          { timeoutMs: 180_000, everyMs: 100, what: `all ${players} players are welcomed again` },
        );
      } catch (error) {
        emit({ event: 'timeout', jitter, back, players, message: (error as Error).message });
      }
      const cpu1 = await hub.call<{ cpuMs: number }>('usage');
      const machine1 = await machineCpu();
      const logs = await Promise.all(fleet.map((worker) => worker.call<ReconnectLog>('reconnectLog')));
      const welcomes = logs.flatMap((log) => log.welcomes).sort((a, b) => a - b);
      const attempts = logs.flatMap((log) => log.attempts).sort((a, b) => a - b);
      const handshakes = logs.flatMap((log) => log.handshakes);
      const failures: Record<string, number> = {};
      for (const log of logs) for (const [what, n] of Object.entries(log.failures)) failures[what] = (failures[what] ?? 0) + n;
      const backMs = welcomes.map((t) => t - times.stopAt);
      // Attempts and welcomes per 250 ms from the stop: the shape of the storm.
      const histogram = (stamps: readonly number[]): number[] => {
        const buckets: number[] = [];
        for (const t of stamps) {
          const bucket = Math.max(0, Math.floor((t - times.stopAt) / 250));
          while (buckets.length <= bucket) buckets.push(0);
          buckets[bucket]! += 1;
        }
        return buckets;
      };
      const result = {
        jitter,
        players,
        welcomed_again: welcomes.length,
        all_back_s: welcomes.length ? round((welcomes[welcomes.length - 1]! - times.stopAt) / 1000, 2) : null,
        all_back_after_listen_s: welcomes.length ? round((welcomes[welcomes.length - 1]! - times.listeningAt) / 1000, 2) : null,
        half_back_s: welcomes.length ? round(percentile(backMs, 50) / 1000, 2) : null,
        p99_back_s: welcomes.length ? round(percentile(backMs, 99) / 1000, 2) : null,
        hub_stop_ms: times.stoppedAt - times.stopAt,
        hub_down_ms: times.listeningAt - times.stopAt,
        // Inside the stop: sockets closing (close handshakes, 1 s grace, then terminate), then the rest of close().
        hub_stop_half_sockets_closed_ms: times.halfClosedAt - times.stopAt,
        hub_stop_all_sockets_closed_ms: times.allClosedAt - times.stopAt,
        hub_stop_cpu_ms: round(times.closeCpuMs, 0),
        hub_stop_runqueue_wait_ms: round(times.closeRunqueueWaitMs, 0),
        hub_start_cpu_ms: round(times.startCpuMs, 0),
        peak_connects_per_s: busiestWindow(welcomes, 1000),
        peak_connects_per_s_100ms: busiestWindow(welcomes, 100) * 10,
        attempts: attempts.length,
        peak_attempts_per_s: busiestWindow(attempts, 1000),
        peak_attempts_per_s_100ms: busiestWindow(attempts, 100) * 10,
        // Attempt → welcome for the attempts that succeeded: how long players queued at the hub.
        handshake_p50_ms: handshakes.length ? percentile(handshakes, 50) : null,
        handshake_p99_ms: handshakes.length ? percentile(handshakes, 99) : null,
        handshake_max_ms: handshakes.length ? Math.max(...handshakes) : null,
        failed_attempts: failures,
        hub_cpu_ms: round(cpu1.cpuMs - cpu0.cpuMs, 0),
        // The machine is shared: its CPU over the window, busy and available, and the load average.
        machine: { cpu_capacity_ms: machine1.totalMs - machine0.totalMs, busy_ms: machine1.busyMs - machine0.busyMs, load1: machine1.load1 },
        attempts_per_250ms_from_stop: histogram(attempts),
        welcomes_per_250ms_from_stop: histogram(welcomes),
      };
      emit({ event: 'restart', ...result });
      return result;
    };

    const jittered = await restart(true);
    const plain = withBaseline ? await restart(false) : null;
    emit({ event: 'hub-log', ...(await hub.call<object>('logs')) });

    emit({
      event: 'summary',
      bench: 'reconnect',
      players,
      all_back_s: jittered.all_back_s,
      peak_connects_per_s: jittered.peak_connects_per_s,
      peak_window: 'busiest sliding 1 s window of welcomed reconnections',
      peak_connects_per_s_100ms: jittered.peak_connects_per_s_100ms,
      hub_down_ms: jittered.hub_down_ms,
      no_jitter_all_back_s: plain?.all_back_s ?? null,
      no_jitter_peak_connects_per_s: plain?.peak_connects_per_s ?? null,
      no_jitter_peak_connects_per_s_100ms: plain?.peak_connects_per_s_100ms ?? null,
      peak_attempts_per_s_100ms: jittered.peak_attempts_per_s_100ms,
      no_jitter_peak_attempts_per_s_100ms: plain?.peak_attempts_per_s_100ms ?? null,
      handshake_p99_ms: jittered.handshake_p99_ms,
      no_jitter_handshake_p99_ms: plain?.handshake_p99_ms ?? null,
      peak_ratio_jitter_vs_none_100ms: plain ? round(jittered.peak_connects_per_s_100ms / Math.max(1, plain.peak_connects_per_s_100ms), 3) : null,
    });
    await stopAll(fleet);
    await hub.call('stop', {}, 30_000);
  } finally {
    await Promise.all(processes.map((worker) => worker.stop()));
    await scratch.cleanup();
  }
}
