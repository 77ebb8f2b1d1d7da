import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readSite } from '../../compiler/io/read-site.ts';
import { loadFontMeasurer } from '../../compiler/io/font-measurer.ts';
import { readTrustList } from '../../compiler/cap/read-cap-input.ts';
import { generateStationKeyPair, loadPrivateKey } from '../../compiler/trust/station-key.ts';
import { ALERT_DATABASE_FILE, AlertDatabase } from '../../hub/alert-database.ts';
import { ingestSource } from '../../hub/cap-station.ts';
import { operatorCancel } from '../../hub/emergency-issue.ts';
import { scratchDir, SHARED_SAMPLES, SIGNAGE_BIN } from '../support/paths.ts';
import { capXml } from '../emergency/support.ts';
import { FULL_ENTRY, preapprove, sourceAddresses, split, startHubProcess, stopAll } from './sim-players/fleet.ts';
import { machineCpu, openFileLimit, processUsage, sleep, startWorker, usageDelta, waitUntil, type ProcessUsage, type Worker } from './sim-players/ipc.ts';
import { emit, median, percentile, round } from './stats.ts';

// Alert benchmark (issue 5). One hub in its own process; N players on 127.0.0.1, all on the
// screens of the sample site (every one of them affected): `--full` real player cores
// (startPlayer, own SQLite file each: verify, store, decide, acknowledge) in worker processes,
// the rest lightweight protocol clients that check the station's signature and acknowledge.
// Each run ingests a new CAP alert at the station exactly as `signage cap ingest --hub-data`
// does (parse, evaluate, lay out per screen, sign, commit to the alert record; the running
// hub notices the commit and pushes), then waits until the hub has received every player's
// acknowledgement of display; then `signage cap cancel` (operatorCancel), and waits until
// every player has acknowledged being back on normal content. Per player and run: the hub's
// receive time of the acknowledgement minus the instant the command started (Date.now() in
// each process; they share the system clock). The fonts are loaded before timing starts, as a
// long-running watcher would have them.
// Each run then does the same with the real one-off commands an operator types: `signage cap
// ingest FILE --hub-data …` and `signage cap cancel KEY …` started as child processes of
// bin/signage.js, timed from the spawn, so Node's start, module loading, reading the key, the
// site and the fonts, and the first layout in a fresh process are all inside the figure
// (cli_ingest_to_ack_*, cli_cancel_to_ack_*). The command line's compiled form is brought up to
// date once before timing (bin/compiled-cli.js), as the first command after an update does.

const ALERT_WORKER = fileURLToPath(new URL('./sim-players/alert-worker.ts', import.meta.url));

/** Runs bin/signage.js as an operator's shell would (no loader flags inherited). */
function signage(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return new Promise((resolve) => {
    execFile(process.execPath, [SIGNAGE_BIN, ...args], { env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0, out: stdout, err: stderr });
    });
  });
}

function statusOf(what: string, result: { code: number; out: string; err: string }): void {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}: ${result.err || result.out}`);
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      players: { type: 'string', default: '1000' },
      full: { type: 'string', default: '20' },
      runs: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      workers: { type: 'string', default: '3' },
      'full-per-worker': { type: 'string', default: '10' },
    },
  });
  const players = Number(values.players);
  const full = Math.min(players, Number(values.full));
  const runs = Number(values.runs);
  const warmup = Number(values.warmup);
  const lightWorkers = Math.max(1, Math.min(4, Number(values.workers)));
  const fullPerWorker = Math.max(1, Number(values['full-per-worker']));
  if (![players, full, runs].every((n) => Number.isInteger(n) && n >= 0) || runs < 1 || players < 1) throw new Error('--players ≥ 1, --full ≥ 0 and --runs ≥ 1 must be integers');

  const lifetimeMs = 15 * 60_000;
  const scratch = await scratchDir('bench-alert');
  const processes: Worker[] = [];
  try {
    const fdLimit = await openFileLimit();
    emit({ event: 'setup', players, full, light: players - full, runs, light_workers: lightWorkers, full_workers: full > 0 ? Math.ceil(full / fullPerWorker) : 0, open_file_limit: fdLimit });
    if (fdLimit !== null && fdLimit < players + 200) throw new Error(`open file limit ${fdLimit} is below the ${players + 200} the hub needs: raise it (ulimit -n)`);

    const pair = generateStationKeyPair();
    const privateKey = loadPrivateKey(pair.privateKeyPem);
    const siteFile = join(SHARED_SAMPLES, 'site.yaml');
    const site = await readSite(siteFile);
    const trustFile = fileURLToPath(new URL('../cap/fixtures/trust.yaml', import.meta.url));
    const trust = await readTrustList(trustFile);
    if (!trust.ok) throw new Error(trust.reason);
    const measurer = await loadFontMeasurer();
    const screens = site.screens.map((screen) => screen.id);

    const hubData = join(scratch.path, 'hub');
    await mkdir(hubData, { recursive: true });
    const keyFile = join(scratch.path, 'station.key');
    await writeFile(keyFile, pair.privateKeyPem, { mode: 0o600 });
    let started = Date.now();
    statusOf('signage --help', await signage(['--help']));
    emit({ event: 'cli-ready', ms: Date.now() - started });
    const hub = startHubProcess(lifetimeMs);
    processes.push(hub);
    const { url } = await hub.call<{ url: string }>('start', { dataDir: hubData, port: 0, stationPublicKeyPem: pair.publicKeyPem }, 60_000);

    // Players: round-robin over the site's screens.
    const light = players - full;
    const screenOf = (index: number) => screens[index % screens.length]!;
    const devices: { publicKeyPem: string; screenId: string }[] = [];
    const lightFleet: Worker[] = [];
    const counts = split(light, Math.max(1, Math.min(lightWorkers, light)));
    const addresses = sourceAddresses(8);
    let offset = 0;
    for (const [w, n] of counts.entries()) {
      if (n === 0) continue;
      const worker = startWorker({ entry: ALERT_WORKER, name: `alert-light-${w}`, maxLifetimeMs: lifetimeMs });
      processes.push(worker);
      lightFleet.push(worker);
      const own = [addresses[(2 * w) % addresses.length]!, addresses[(2 * w + 1) % addresses.length]!];
      devices.push(...(await worker.call<{ publicKeyPem: string; screenId: string }[]>('init', { screens: Array.from({ length: n }, (_, i) => screenOf(offset + i)), localAddresses: own }, 120_000)));
      offset += n;
    }
    const fullFleet: Worker[] = [];
    for (const [w, n] of split(full, full > 0 ? Math.ceil(full / fullPerWorker) : 0).entries()) {
      const worker = startWorker({ entry: FULL_ENTRY, name: `alert-full-${w}`, maxLifetimeMs: lifetimeMs });
      processes.push(worker);
      fullFleet.push(worker);
      devices.push(...(await worker.call<{ publicKeyPem: string; screenId: string }[]>('init', { screens: Array.from({ length: n }, (_, i) => screenOf(offset + i)), dataRoot: join(scratch.path, `full-${w}`) }, 120_000)));
      offset += n;
    }
    await preapprove(hub, devices);
    started = Date.now();
    const connected = await Promise.all(lightFleet.map((worker) => worker.call<{ connected: number; failed: number }>('connect', { url, stationPublicKeyPem: pair.publicKeyPem, concurrency: 64 }, 300_000)));
    await Promise.all(fullFleet.map((worker) => worker.call('start', { hubUrl: url, stationPublicKeyPem: pair.publicKeyPem }, 300_000)));
    await waitUntil(async () => (await hub.call<number>('onlineDevices')) >= players, { timeoutMs: 120_000, everyMs: 200, what: `all ${players} players are online` });
    emit({ event: 'connected', players, ms: Date.now() - started, light_failed: connected.reduce((sum, c) => sum + c.failed, 0) });

    const db = AlertDatabase.open(join(hubData, ALERT_DATABASE_FILE));
    const context = { db, site, trustList: trust.trustList, privateKey, measurer, nowMs: () => Date.now() };
    /** Acknowledgement receive times (hub clock) of every player for an alert's statements. */
    const doneTimes = (alertKey: string): number[] =>
      db.statementsOfAlert(alertKey).flatMap((statement) => db.acks(statement.id).flatMap((ack) => (ack.doneReceivedMs === null ? [] : [ack.doneReceivedMs])));
    const wait = async (alertKey: string, what: string): Promise<number[]> => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const times = doneTimes(alertKey);
        if (times.length >= players) return times;
        if (Date.now() > deadline) throw new Error(`only ${times.length} of ${players} players acknowledged ${what} within 60 s`);
        await sleep(20);
      }
    };

    const ingestLatencies: number[] = [];
    const cancelLatencies: number[] = [];
    const ingestCallMs: number[] = [];
    const cliIngestLatencies: number[] = [];
    const cliCancelLatencies: number[] = [];
    const cliIngestExitMs: number[] = [];
    const cliCancelExitMs: number[] = [];
    const processesUsage = async (): Promise<[ProcessUsage, ProcessUsage]> => [await hub.call<ProcessUsage>('usage'), processUsage()];
    // Warm-up cycles are reported (event "warmup") but not counted: the first command in a
    // fresh process pays for compiling the layout and signing code, which a running watcher
    // (signage cap watch) has already paid.
    for (let runIndex = 1 - warmup; runIndex <= runs; runIndex += 1) {
      const counted = runIndex >= 1;
      const sentMs = Date.now() - 60_000;
      const iso = (ms: number) => `${new Date(ms + 7 * 3_600_000).toISOString().slice(0, 19)}+07:00`;
      const file = join(scratch.path, `alert-${runIndex + warmup}.xml`);
      await writeFile(file, capXml({ identifier: `BENCH-${runIndex + warmup}-${sentMs}`, sent: iso(sentMs), expires: iso(sentMs + 86_400_000), headline: `Cảnh báo lũ quét số ${runIndex}` }));
      const cliFile = join(scratch.path, `alert-cli-${runIndex + warmup}.xml`);
      await writeFile(cliFile, capXml({ identifier: `BENCH-CLI-${runIndex + warmup}-${sentMs}`, sent: iso(sentMs), expires: iso(sentMs + 86_400_000), headline: `Cảnh báo sạt lở đất số ${runIndex}` }));
      const cpuBefore = await machineCpu();
      const hubBefore = await processesUsage();

      const t0 = Date.now();
      const lines = await ingestSource(context, file);
      const callMs = Date.now() - t0;
      if (counted) ingestCallMs.push(callMs);
      const outcome = lines[0]?.outcome;
      if (outcome?.outcome !== 'issued') throw new Error(`the bench alert was not issued: ${JSON.stringify(outcome)}`);
      const shown = (await wait(outcome.key, 'display')).map((t) => t - t0);
      if (counted) ingestLatencies.push(...shown);

      await sleep(200);
      const t1 = Date.now();
      const cancel = operatorCancel({ db, id: outcome.key, privateKey, nowMs: t1 });
      const back = (await wait(cancel.cancelKey, 'the cancel')).map((t) => t - t1);
      if (counted) cancelLatencies.push(...back);

      // The same with the operator's commands, each a fresh process.
      await sleep(300);
      const t2 = Date.now();
      const ingested = await signage(['cap', 'ingest', cliFile, '--trust', trustFile, '--site', siteFile, '--key', keyFile, '--hub-data', hubData, '--json']);
      const cliIngestExit = Date.now() - t2;
      statusOf('signage cap ingest', ingested);
      const cliOutcome = (JSON.parse(ingested.out) as { outcome: { outcome: string; key?: string } }[])[0]?.outcome;
      if (cliOutcome?.outcome !== 'issued' || !cliOutcome.key) throw new Error(`signage cap ingest did not issue the bench alert: ${ingested.out}`);
      const cliShown = (await wait(cliOutcome.key, 'display')).map((t) => t - t2);
      await sleep(200);
      const t3 = Date.now();
      const cancelled = await signage(['cap', 'cancel', cliOutcome.key, '--key', keyFile, '--hub-data', hubData]);
      const cliCancelExit = Date.now() - t3;
      statusOf('signage cap cancel', cancelled);
      const cliCancelKey = /^\s+cancel\s+(\S+)$/m.exec(cancelled.out)?.[1];
      if (!cliCancelKey) throw new Error(`signage cap cancel did not name its cancel: ${cancelled.out}`);
      const cliBack = (await wait(cliCancelKey, 'the cancel')).map((t) => t - t3);
      if (counted) {
        cliIngestLatencies.push(...cliShown);
        cliCancelLatencies.push(...cliBack);
        cliIngestExitMs.push(cliIngestExit);
        cliCancelExitMs.push(cliCancelExit);
      }
      const cpuAfter = await machineCpu();
      const hubAfter = await processesUsage();
      emit({
        event: counted ? 'run' : 'warmup',
        run: runIndex,
        ingest_call_ms: callMs,
        ingest_p50_ms: round(median(shown), 1),
        ingest_max_ms: Math.max(...shown),
        cancel_p50_ms: round(median(back), 1),
        cancel_max_ms: Math.max(...back),
        cli_ingest_exit_ms: cliIngestExit,
        cli_ingest_to_ack_p50_ms: round(median(cliShown), 1),
        cli_ingest_to_ack_max_ms: Math.max(...cliShown),
        cli_cancel_exit_ms: cliCancelExit,
        cli_cancel_to_ack_p50_ms: round(median(cliBack), 1),
        cli_cancel_to_ack_max_ms: Math.max(...cliBack),
        machine_busy: round((cpuAfter.busyMs - cpuBefore.busyMs) / Math.max(1, cpuAfter.totalMs - cpuBefore.totalMs), 2),
        ...usageDelta([[hubBefore[0], hubAfter[0]]]),
      });
      await sleep(300);
    }
    db.close();
    started = Date.now();
    await stopAll([...lightFleet, ...fullFleet]);
    emit({
      event: 'summary',
      players,
      full_players: full,
      runs,
      warmup,
      ingest_p50_ms: round(median(ingestLatencies), 1),
      ingest_p99_ms: round(percentile(ingestLatencies, 99), 1),
      cancel_p50_ms: round(median(cancelLatencies), 1),
      cancel_p99_ms: round(percentile(cancelLatencies, 99), 1),
      ingest_call_p50_ms: round(median(ingestCallMs), 1),
      cli_ingest_to_ack_p50_ms: round(median(cliIngestLatencies), 1),
      cli_ingest_to_ack_p99_ms: round(percentile(cliIngestLatencies, 99), 1),
      cli_cancel_to_ack_p50_ms: round(median(cliCancelLatencies), 1),
      cli_cancel_to_ack_p99_ms: round(percentile(cliCancelLatencies, 99), 1),
      cli_ingest_exit_p50_ms: round(median(cliIngestExitMs), 1),
      cli_cancel_exit_p50_ms: round(median(cliCancelExitMs), 1),
      goal_ms: 2000,
    });
  } finally {
    await stopAll(processes.filter((worker) => worker.name !== 'hub'));
    const hub = processes.find((worker) => worker.name === 'hub');
    if (hub) {
      try {
        await hub.call('stop', {}, 15_000);
      } catch {
        // gone already
      }
      await hub.stop();
    }
    await scratch.cleanup();
  }
}
