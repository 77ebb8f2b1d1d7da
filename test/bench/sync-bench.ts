import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { scratchDir } from '../support/paths.ts';
import { compileVersions, newBlobBytes, type BundleVersion } from './sim-players/bundles.ts';
import { FULL_ENTRY, heldOf, preapprove, split, startHubProcess, startLightFleet, stopAll } from './sim-players/fleet.ts';
import { machineCpu, openFileLimit, processUsage, sleep, startWorker, usageDelta, waitUntil, type ProcessUsage, type Worker } from './sim-players/ipc.ts';
import { emit, median, percentile, round } from './stats.ts';

// Sync benchmark (issue 4). One hub in its own process; N simulated players on 127.0.0.1:
// `--full` real player cores (startPlayer, own SQLite file each) in worker processes, the rest
// lightweight protocol clients, several hundred per worker process. All start on the first
// compile of the shared samples; then one notice is edited and given a new photograph,
// recompiled and published, `--runs` times. Per player: time from the hub.publish() call (taken
// in the hub process) to that player having activated the new bundle (full players: the
// runtime's `activated` event, after its SQLite commit; light players: after every new blob's
// sha256 checked, when `activated` is sent), and every byte it received for the update (offer
// with manifest and schedule, blob frames) against the bytes of the blobs new to its screen.
//
// The simulated players share the machine's two cores with the hub, so their own CPU is most
// of what is measured. With `--light-checks shared` (the default) a light player takes another
// light player's check of byte-identical offers and blobs instead of repeating it (see
// light-worker.ts); `--light-checks each` repeats every check in every light player. The 100
// full player cores check everything themselves either way.
//
// Then, separately, a fresh hub with `--idle` lightweight players connected, welcomed and on
// the current bundle: the hub process's RSS.
//
// Clocks: every timestamp is Date.now() in its own process; they share the system clock.
// Memory: MB here means MiB (2^20 bytes).

const MIB = 1024 * 1024;

interface PlayerResult {
  readonly screenId: string;
  readonly offerAt: number | null;
  readonly activatedAt: number | null;
  readonly blobBytes: number;
  readonly totalBytes: number;
  readonly error: string | null;
}

interface Progress {
  readonly players: number;
  readonly activated: number;
  readonly errors: number;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      players: { type: 'string', default: '1000' },
      full: { type: 'string', default: '100' },
      runs: { type: 'string', default: '3' },
      idle: { type: 'string', default: '10000' },
      workers: { type: 'string', default: '3' },
      'idle-workers': { type: 'string', default: '4' },
      'full-per-worker': { type: 'string', default: '10' },
      // light-worker.ts: "shared" takes another light player's check of byte-identical offers
      // and blobs; "each" makes every light player decode, verify and hash for itself.
      'light-checks': { type: 'string', default: 'shared' },
    },
  });
  const players = Number(values.players);
  const full = Math.min(players, Number(values.full));
  const runs = Number(values.runs);
  const idle = Number(values.idle);
  const lightWorkers = Math.max(2, Math.min(4, Number(values.workers)));
  const idleWorkers = Math.max(2, Math.min(4, Number(values['idle-workers'])));
  const fullPerWorker = Math.max(1, Number(values['full-per-worker']));
  if (![players, full, runs, idle].every((n) => Number.isInteger(n) && n >= 0) || runs < 1) throw new Error('--players, --full, --idle must be integers ≥ 0 and --runs ≥ 1');
  const lightChecks = values['light-checks'];
  if (lightChecks !== 'each' && lightChecks !== 'shared') throw new Error('--light-checks must be "each" or "shared"');

  // Every process started here dies by itself after this, whatever happens to the bench.
  const lifetimeMs = 15 * 60_000;
  const scratch = await scratchDir('bench-sync');
  const processes: Worker[] = [];
  try {
    const fdLimit = await openFileLimit();
    // The hub holds one descriptor per socket (plus a few dozen of its own); each worker holds its share.
    const neededByHub = Math.max(players, idle) + 200;
    const neededByWorker = Math.ceil(Math.max(players - full, idle) / Math.min(lightWorkers, idleWorkers)) + 200;
    emit({ event: 'setup', players, full, light: players - full, light_checks: lightChecks, runs, idle, light_workers: lightWorkers, full_workers: full > 0 ? Math.ceil(full / fullPerWorker) : 0, idle_workers: idleWorkers, open_file_limit: fdLimit, fds_needed_by_hub: neededByHub, fds_needed_per_worker: neededByWorker });
    if (fdLimit !== null && fdLimit < neededByHub) throw new Error(`open file limit ${fdLimit} is below the ${neededByHub} the hub needs: raise it (ulimit -n) before running the bench`);

    let started = performance.now();
    const { versions, stationPublicKeyPem } = await compileVersions(join(scratch.path, 'bundles'), runs);
    const screens = Object.keys(versions[0]!.screens);
    emit({
      event: 'compiled',
      versions: versions.length,
      ms: round(performance.now() - started, 0),
      screens: Object.fromEntries(screens.map((s) => [s, { blobs: versions[0]!.screens[s]!.blobs.length, manifest_bytes: versions[0]!.screens[s]!.manifest.length, schedule_bytes: versions[0]!.screens[s]!.schedule.length, new_bytes_per_version: versions.slice(1).map((v, i) => newBlobBytes(v.screens[s]!, versions[i]!.screens[s])) }])),
    });

    const sync = await syncPhase({ scratch: scratch.path, versions, stationPublicKeyPem, screens, players, full, fullPerWorker, lightWorkers, lightChecks, lifetimeMs, processes });
    const idleResult = idle > 0 ? await idlePhase({ scratch: scratch.path, version: versions[versions.length - 1]!, stationPublicKeyPem, screens, idle, idleWorkers, lifetimeMs, processes }) : null;

    emit({
      event: 'summary',
      bench: 'sync',
      players,
      full_players: full,
      light_checks: lightChecks,
      runs,
      p50_ms: round(median(sync.p50s), 0),
      p99_ms: round(median(sync.p99s), 0),
      max_ms: round(Math.max(...sync.maxes), 0),
      bytes_ratio: round(Math.max(...sync.bytesRatios), 4),
      // Per run, for the spread behind the medians (p50/p99) and the worst case (bytes).
      p50_ms_per_run: sync.p50s.map((ms) => round(ms, 0)),
      p99_ms_per_run: sync.p99s.map((ms) => round(ms, 0)),
      bytes_ratio_per_run: sync.bytesRatios.map((ratio) => round(ratio, 4)),
      hub_rss_mb_10k_idle: idleResult ? round(idleResult.rssMb, 1) : null,
      // Where the time went (medians over runs): CPU the hub and the simulated players used for
      // one publish, and the share of the machine's CPU other processes took meanwhile.
      hub_cpu_ms_per_publish: round(median(sync.hubCpuMs), 0),
      players_cpu_ms_per_publish: round(median(sync.playersCpuMs), 0),
      machine_cpu_share_of_others: round(median(sync.othersShare), 2),
      idle_players: idle,
      hub_kb_per_idle_player: idleResult ? round(idleResult.kbPerPlayer, 2) : null,
      goals: { p99_ms: '<= 1000 at 1000 players', bytes_ratio: '<= 1.1', hub_rss_mb_10k_idle: '< 300' },
    });
  } finally {
    await Promise.all(processes.map((worker) => worker.stop()));
    await scratch.cleanup();
  }
}

async function syncPhase(options: {
  scratch: string;
  versions: BundleVersion[];
  stationPublicKeyPem: string;
  screens: string[];
  players: number;
  full: number;
  fullPerWorker: number;
  lightWorkers: number;
  lightChecks: 'each' | 'shared';
  lifetimeMs: number;
  processes: Worker[];
}): Promise<{ p50s: number[]; p99s: number[]; maxes: number[]; bytesRatios: number[]; hubCpuMs: number[]; playersCpuMs: number[]; othersShare: number[] }> {
  const { versions, screens, players, full, processes } = options;
  const screenOf = (index: number): string => screens[index % screens.length]!;

  const hub = startHubProcess(options.lifetimeMs);
  processes.push(hub);
  const { url } = await hub.call<{ url: string }>('start', { dataDir: join(options.scratch, 'hub'), port: 0, stationPublicKeyPem: options.stationPublicKeyPem });
  await hub.call('publish', { dir: versions[0]!.dir }, 120_000);

  // Full players: `--full-per-worker` per process (10 by default). Each activation makes two
  // SQLite commits with synchronous=FULL (the activation, then the play log's page change),
  // i.e. fsyncs that block the process's event loop (tens of ms each on this shared disk);
  // on a real screen each player has its own process and disk, so the bench keeps few players
  // per process, or one player's fsyncs would delay the next one's timestamps. (5 per process
  // measured no better than 10: the disk and the two cores are shared all the same.)
  let started = performance.now();
  const fullWorkers: Worker[] = [];
  const fullCounts = full > 0 ? split(full, Math.ceil(full / options.fullPerWorker)) : [];
  const fullDevices: { publicKeyPem: string; screenId: string }[] = [];
  let offset = 0;
  const inits: Promise<{ publicKeyPem: string; screenId: string }[]>[] = [];
  for (const [w, n] of fullCounts.entries()) {
    const worker = startWorker({ entry: FULL_ENTRY, name: `full-${w}`, maxLifetimeMs: options.lifetimeMs });
    processes.push(worker);
    fullWorkers.push(worker);
    const first = offset;
    inits.push(worker.call('init', { screens: Array.from({ length: n }, (_, i) => screenOf(first + i)), dataRoot: join(options.scratch, `full-${w}`) }, 120_000));
    offset += n;
  }
  for (const list of await Promise.all(inits)) fullDevices.push(...list);
  await preapprove(hub, fullDevices);
  await Promise.all(fullWorkers.map((worker) => worker.call('start', { hubUrl: url, stationPublicKeyPem: options.stationPublicKeyPem }, 120_000)));
  const firstBundles = Object.fromEntries(screens.map((s) => [s, versions[0]!.screens[s]!.bundleId]));
  await waitUntil(
    async () => {
      const states = await Promise.all(fullWorkers.map((worker) => worker.call<{ onBundle: number }>('state', { bundles: firstBundles })));
      return states.reduce((sum, state) => sum + state.onBundle, 0) === full;
    },
    { timeoutMs: 180_000, everyMs: 250, what: `all ${full} full players show the first bundle` },
  );
  const fullReadyMs = performance.now() - started;

  started = performance.now();
  const light = await startLightFleet({
    hub,
    url,
    screens,
    screenOf: (index) => screenOf(full + index),
    count: players - full,
    workers: options.lightWorkers,
    mode: 'offers',
    held: heldOf(versions[0]!),
    stationPublicKeyPem: options.stationPublicKeyPem,
    checks: options.lightChecks,
    maxLifetimeMs: options.lifetimeMs,
    namePrefix: 'light',
    onWorker: (worker) => processes.push(worker),
  });
  if (light.failed > 0) throw new Error(`${light.failed} light players could not connect`);
  await waitUntil(async () => (await hub.call<number>('connections')) === players, { timeoutMs: 60_000, what: `the hub holds ${players} connections` });
  emit({ event: 'fleet', players, full_ready_ms: round(fullReadyMs, 0), light_connect_ms: light.connectMs, light_handshake_median_ms: light.handshakeMedianMs, hub_connections: await hub.call('connections') });

  const allWorkers = [...fullWorkers, ...light.fleet.workers];
  const snapshot = async (): Promise<Snapshot> => {
    const [machine, main, hubUsage, lightUsage, fullUsage] = await Promise.all([
      machineCpu(),
      processUsage(),
      hub.call<HubUsage>('usage'),
      Promise.all(light.fleet.workers.map((worker) => worker.call<ProcessUsage>('usage'))),
      Promise.all(fullWorkers.map((worker) => worker.call<ProcessUsage>('usage'))),
    ]);
    return { machine, main, hub: hubUsage, light: lightUsage, full: fullUsage };
  };
  const p50s: number[] = [];
  const p99s: number[] = [];
  const maxes: number[] = [];
  const bytesRatios: number[] = [];
  const hubCpuMs: number[] = [];
  const playersCpuMs: number[] = [];
  const othersShare: number[] = [];
  for (let r = 1; r < versions.length; r += 1) {
    const version = versions[r]!;
    const previous = versions[r - 1]!;
    const changed = screens.filter((s) => version.screens[s]!.bundleId !== previous.screens[s]!.bundleId);
    const target = Object.fromEntries(changed.map((s) => [s, version.screens[s]!.bundleId]));
    const expected = Array.from({ length: players }, (_, i) => screenOf(i)).filter((s) => s in target).length;
    await Promise.all(allWorkers.map((worker) => worker.call('arm', { target })));
    const usage0 = await snapshot();
    const published = await hub.call<{ t0: number; resolvedMs: number; cpuMs: number; changedScreens: string[] }>('publish', { dir: version.dir }, 120_000);
    let done = 0;
    let errors = 0;
    try {
      await waitUntil(
        async () => {
          const progress = await Promise.all(allWorkers.map((worker) => worker.call<Progress>('progress')));
          done = progress.reduce((sum, p) => sum + p.activated, 0);
          errors = progress.reduce((sum, p) => sum + p.errors, 0);
          return done + errors >= expected;
        },
        { timeoutMs: 120_000, everyMs: 100, what: `${expected} players activate run ${r}'s bundle` },
      );
    } catch (error) {
      emit({ event: 'timeout', run: r, activated: done, errors, expected, message: (error as Error).message });
    }
    const usage1 = await snapshot();
    const fullResults = (await Promise.all(fullWorkers.map((worker) => worker.call<PlayerResult[]>('results')))).flat();
    const lightResults = (await Promise.all(light.fleet.workers.map((worker) => worker.call<PlayerResult[]>('results')))).flat();
    const t0 = published.t0;
    const measured = [...fullResults.map((p) => ({ ...p, kind: 'full' as const })), ...lightResults.map((p) => ({ ...p, kind: 'light' as const }))].filter((p) => p.screenId in target);
    const latencies = measured.filter((p) => p.activatedAt !== null).map((p) => p.activatedAt! - t0);
    const fullLatencies = measured.filter((p) => p.kind === 'full' && p.activatedAt !== null).map((p) => p.activatedAt! - t0);
    const lightLatencies = measured.filter((p) => p.kind === 'light' && p.activatedAt !== null).map((p) => p.activatedAt! - t0);
    const offerLatencies = measured.filter((p) => p.kind === 'light' && p.offerAt !== null).map((p) => p.offerAt! - t0);
    const fetchTimes = measured.filter((p) => p.kind === 'light' && p.offerAt !== null && p.activatedAt !== null).map((p) => p.activatedAt! - p.offerAt!);
    // Bytes: everything the player received for the update (offer frames with the manifest and
    // schedule, blob chunk frames with their headers: every WebSocket payload byte) against the
    // bytes of the blobs new to its screen. Only players whose screen has new blobs: a screen
    // without pictures moves only its offer, and a ratio to zero means nothing.
    const ratios: number[] = [];
    const blobRatios: number[] = [];
    for (const p of measured) {
      const fresh = newBlobBytes(version.screens[p.screenId]!, previous.screens[p.screenId]);
      if (fresh === 0 || p.activatedAt === null) continue;
      ratios.push(p.totalBytes / fresh);
      blobRatios.push(p.blobBytes / fresh);
    }
    const offerBytes = measured.filter((p) => p.activatedAt !== null).map((p) => p.totalBytes - p.blobBytes);
    // A player that never activated is counted at the time the bench stopped waiting.
    const missing = expected - latencies.length;
    const waitedMs = usage1.hub.at - t0;
    const all = [...latencies, ...Array.from({ length: Math.max(0, missing) }, () => waitedMs)];
    const p50 = percentile(all, 50);
    const p99 = percentile(all, 99);
    p50s.push(p50);
    p99s.push(p99);
    maxes.push(Math.max(...all));
    if (ratios.length) bytesRatios.push(Math.max(...ratios));
    const where = whereTimeWent(usage0, usage1) as { hub: { cpu_ms: number }; light_workers: { cpu_ms: number }; full_workers: { cpu_ms: number }; machine: { busy_ms: number; others_ms: number; cpu_capacity_ms: number } };
    hubCpuMs.push(where.hub.cpu_ms);
    playersCpuMs.push(where.light_workers.cpu_ms + where.full_workers.cpu_ms);
    othersShare.push(where.machine.cpu_capacity_ms > 0 ? where.machine.others_ms / where.machine.cpu_capacity_ms : 0);
    const errorSamples = [...new Set(measured.map((p) => p.error).filter((e): e is string => e !== null))].slice(0, 3);
    emit({
      event: 'run',
      run: r,
      changed_screens: changed.length,
      players_measured: expected,
      activated: latencies.length,
      errors: measured.filter((p) => p.error !== null).length,
      error_samples: errorSamples,
      p50_ms: p50,
      p90_ms: percentile(all, 90),
      p99_ms: p99,
      max_ms: Math.max(...all),
      full_p50_ms: fullLatencies.length ? percentile(fullLatencies, 50) : null,
      full_p99_ms: fullLatencies.length ? percentile(fullLatencies, 99) : null,
      light_p50_ms: lightLatencies.length ? percentile(lightLatencies, 50) : null,
      light_p99_ms: lightLatencies.length ? percentile(lightLatencies, 99) : null,
      // Where the time goes: the publish call itself (verify + store in the hub), then offers
      // reaching players, then fetching and checking blobs.
      hub_publish_resolved_ms: round(published.resolvedMs, 1),
      hub_publish_cpu_ms: round(published.cpuMs, 1),
      offer_received_p50_ms: offerLatencies.length ? percentile(offerLatencies, 50) : null,
      offer_received_p99_ms: offerLatencies.length ? percentile(offerLatencies, 99) : null,
      light_fetch_verify_p50_ms: fetchTimes.length ? percentile(fetchTimes, 50) : null,
      light_fetch_verify_p99_ms: fetchTimes.length ? percentile(fetchTimes, 99) : null,
      window_ms: waitedMs,
      where_the_time_went: where,
      bytes_ratio_median: ratios.length ? round(median(ratios), 4) : null,
      bytes_ratio_max: ratios.length ? round(Math.max(...ratios), 4) : null,
      // Diagnostics: blob chunk frames alone, and the text frames (offers) per player.
      blob_frames_ratio_max: blobRatios.length ? round(Math.max(...blobRatios), 4) : null,
      text_bytes_per_player_median: offerBytes.length ? median(offerBytes) : null,
      text_bytes_per_player_max: offerBytes.length ? Math.max(...offerBytes) : null,
      new_blob_bytes_by_screen: Object.fromEntries(changed.map((s) => [s, newBlobBytes(version.screens[s]!, previous.screens[s])])),
    });
    await sleep(500);
  }
  emit({ event: 'hub-log', ...(await hub.call<object>('logs')) });

  await stopAll(allWorkers);
  await hub.call('stop', {}, 30_000);
  await hub.stop();
  return { p50s, p99s, maxes, bytesRatios, hubCpuMs, playersCpuMs, othersShare };
}

type HubUsage = ProcessUsage & { loopDelayMaxMs: number; loopDelayP99Ms: number };

interface Snapshot {
  readonly machine: { busyMs: number; totalMs: number; load1: number };
  readonly main: ProcessUsage;
  readonly hub: HubUsage;
  readonly light: ProcessUsage[];
  readonly full: ProcessUsage[];
}

const zip = (a: readonly ProcessUsage[], b: readonly ProcessUsage[]): [ProcessUsage, ProcessUsage][] => a.map((u, i) => [u, b[i]!]);

/**
 * CPU accounting of a window: what each of our processes used, how long their threads waited
 * for a CPU, how long the hub's event loop was busy and its worst delay, and how much of the
 * machine's CPU went to other processes (the machine is shared).
 */
function whereTimeWent(a: Snapshot, b: Snapshot): Record<string, unknown> {
  const hub = usageDelta([[a.hub, b.hub]]);
  const light = usageDelta(zip(a.light, b.light));
  const full = usageDelta(zip(a.full, b.full));
  const main = usageDelta([[a.main, b.main]]);
  const busy = b.machine.busyMs - a.machine.busyMs;
  const ours = hub.cpu_ms! + light.cpu_ms! + full.cpu_ms! + main.cpu_ms!;
  return {
    hub: { ...hub, loop_delay_max_ms: round(b.hub.loopDelayMaxMs, 0), loop_delay_p99_ms: round(b.hub.loopDelayP99Ms, 0) },
    light_workers: light,
    full_workers: full,
    bench_process: main,
    machine: { cpu_capacity_ms: b.machine.totalMs - a.machine.totalMs, busy_ms: busy, ours_ms: ours, others_ms: Math.max(0, busy - ours), load1: b.machine.load1 },
  };
}

async function idlePhase(options: {
  scratch: string;
  version: BundleVersion;
  stationPublicKeyPem: string;
  screens: string[];
  idle: number;
  idleWorkers: number;
  lifetimeMs: number;
  processes: Worker[];
}): Promise<{ rssMb: number; kbPerPlayer: number }> {
  const { screens, idle, processes } = options;
  // A fresh hub process: its RSS is that of holding idle players, not leftovers of the sync runs.
  const hub = startHubProcess(options.lifetimeMs, 'idle-hub');
  processes.push(hub);
  const { url } = await hub.call<{ url: string }>('start', { dataDir: join(options.scratch, 'idle-hub'), port: 0, stationPublicKeyPem: options.stationPublicKeyPem });
  await hub.call('publish', { dir: options.version.dir }, 120_000);
  await sleep(1000);
  const baseline = await hub.call<{ before: { rss: number }; after: { rss: number } }>('memory', { gc: true });

  const started = performance.now();
  const usage0 = await hub.call<HubUsage>('usage');
  const light = await startLightFleet({
    hub,
    url,
    screens,
    screenOf: (index) => screens[index % screens.length]!,
    count: idle,
    workers: options.idleWorkers,
    mode: 'offers',
    held: heldOf(options.version),
    stationPublicKeyPem: options.stationPublicKeyPem,
    maxLifetimeMs: options.lifetimeMs,
    namePrefix: 'idle',
    onWorker: (worker) => processes.push(worker),
  });
  await waitUntil(async () => (await hub.call<number>('connections')) >= idle - light.failed, { timeoutMs: 60_000, what: `the hub holds ${idle} connections` });
  const connected = await hub.call<number>('connections');
  const online = await hub.call<number>('onlineDevices');
  const connectMs = performance.now() - started;
  const usage1 = await hub.call<HubUsage>('usage');
  const hubWhileConnecting = usageDelta([[usage0, usage1]]);

  // Idle: sample the hub's RSS for a few seconds, then once more after a full collection.
  const samples: number[] = [];
  for (let i = 0; i < 6; i += 1) {
    await sleep(1000);
    samples.push((await hub.call<{ before: { rss: number } }>('memory', { gc: false })).before.rss);
  }
  const afterGc = await hub.call<{ before: { rss: number; heapUsed: number; external: number; arrayBuffers: number }; after: { rss: number; heapUsed: number } }>('memory', { gc: true });
  const peak = Math.max(...samples);
  const kbPerPlayer = (peak - baseline.after.rss) / 1024 / Math.max(1, connected);
  emit({
    event: 'idle',
    idle_players: idle,
    hub_connections: connected,
    hub_online_devices: online,
    connect_failures: light.failed,
    connect_ms: round(connectMs, 0),
    handshake_median_ms: light.handshakeMedianMs,
    // Hub CPU spent while the fleet was started and connected (keys pre-approved, hellos checked).
    hub_while_connecting: hubWhileConnecting,
    hub_cpu_ms_per_connection: round(hubWhileConnecting.cpu_ms! / Math.max(1, connected), 3),
    hub_rss_mb_before_players: round(baseline.after.rss / MIB, 1),
    hub_rss_mb_samples: samples.map((rss) => round(rss / MIB, 1)),
    hub_rss_mb_peak: round(peak / MIB, 1),
    hub_rss_mb_after_gc: round(afterGc.after.rss / MIB, 1),
    hub_heap_used_mb: round(afterGc.before.heapUsed / MIB, 1),
    hub_heap_used_mb_after_gc: round(afterGc.after.heapUsed / MIB, 1),
    hub_external_mb: round(afterGc.before.external / MIB, 1),
    hub_kb_per_player: round(kbPerPlayer, 2),
  });
  emit({ event: 'idle-hub-log', ...(await hub.call<object>('logs')) });
  await stopAll(light.fleet.workers);
  await hub.call('stop', {}, 60_000);
  await hub.stop();
  return { rssMb: peak / MIB, kbPerPlayer };
}
