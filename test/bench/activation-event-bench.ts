import { request } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BundleStore } from '../../player/core/bundle-store.ts';
import { startLocalServer } from '../../player/core/local-server.ts';
import { silentLogger } from '../../compiler/format/logger.ts';
import { openPlayerDatabase } from '../../player/core/player-database.ts';
import { COMPILE_AT_MS, compileSamples, makeStation, noiseBlob, SCREEN, variantBundle } from '../player/support/bundles.ts';
import { loadOffer, type FakeOffer } from '../player/support/fake-hub.ts';
import { storeCompleteOffer } from '../player/support/stored-offer.ts';
import { scratchDir } from '../support/paths.ts';
import { emit, median, percentile, round } from './stats.ts';

// Activation → renderer event (issue 4, item 11: "the renderer learns of a new bundle … within
// a frame's time"). A real player bundle store on a SQLite file and the player's loopback server;
// a Server-Sent Events subscriber as the renderer page is. Each round activates the other of
// two complete bundles (the commit with synchronous=FULL, as the runtime does) and tells the
// server in the same tick; measured: from just before the commit to the event's bytes arriving
// at the subscriber, and from just after the commit. Baseline in the same run: a loopback HTTP
// round trip to the same server (GET of an absent blob), the machine's floor for any message.
// Summary keys: `event_after_commit_ms_p50`, `event_after_commit_ms_p99`, `within_frame_share`.

const FRAME_MS = 1000 / 60;

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { rounds: { type: 'string' } } });
  const rounds = Number(values.rounds ?? 200);
  const scratch = await scratchDir('bench-activation-event');
  try {
    const station = makeStation();
    const base = await compileSamples({ station, outDir: join(scratch.path, 'out'), cacheDir: join(scratch.path, 'cache') });
    const offers: FakeOffer[] = [];
    for (let i = 0; i < 2; i += 1) {
      const variant = await variantBundle({ fromDir: base, toDir: join(scratch.path, `out-${i}`), signer: station, issuedAtMs: COMPILE_AT_MS + i * 60_000, extraBlobs: [noiseBlob(1000, i)] });
      offers.push(await loadOffer(variant.outDir, SCREEN));
    }
    const db = openPlayerDatabase({ path: join(scratch.path, 'player.sqlite') });
    const store = new BundleStore(db);
    const server = await startLocalServer({ store, logger: silentLogger });
    for (const offer of offers) storeCompleteOffer(store, offer, station.publicKey);

    const arrivals: { bundleId: string; atMs: number }[] = [];
    const subscriber = request({ host: '127.0.0.1', port: server.port, path: '/events' });
    await new Promise<void>((resolve) => {
      subscriber.on('response', (response) => {
        let buffer = '';
        response.on('data', (chunk: Buffer) => {
          const atMs = performance.now();
          buffer += chunk.toString();
          for (const match of buffer.matchAll(/event: bundle\ndata: (.*)\n\n/g)) arrivals.push({ bundleId: (JSON.parse(match[1]!) as { bundleId: string }).bundleId, atMs });
          buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 2);
          resolve();
        });
      });
      subscriber.end();
    });

    const roundTrip = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const started = performance.now();
        const req = request({ host: '127.0.0.1', port: server.port, path: `/blobs/${'0'.repeat(64)}` }, (response) => {
          response.resume();
          response.on('end', () => resolve(performance.now() - started));
        });
        req.on('error', reject);
        req.end();
      });

    const fromBeforeCommit: number[] = [];
    const fromAfterCommit: number[] = [];
    const commitMs: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < rounds; i += 1) {
      const offer = offers[i % 2]!;
      const count = arrivals.length;
      const before = performance.now();
      const result = store.activate(offer.bundleId, 0);
      const after = performance.now();
      server.bundleChanged({ bundleId: result.activeId, previousBundleId: result.previousId });
      while (!arrivals.slice(count).some((a) => a.bundleId === offer.bundleId)) await new Promise((resolve) => setImmediate(resolve));
      const arrived = arrivals.slice(count).find((a) => a.bundleId === offer.bundleId)!.atMs;
      fromBeforeCommit.push(arrived - before);
      fromAfterCommit.push(arrived - after);
      commitMs.push(after - before);
      baseline.push(await roundTrip());
      emit({ round: i, commit_ms: round(after - before, 2), event_after_commit_ms: round(arrived - after, 2), http_round_trip_ms: round(baseline.at(-1)!, 2) });
    }
    subscriber.destroy();
    await server.close();
    db.close();
    const withinFrame = fromBeforeCommit.filter((ms) => ms <= FRAME_MS).length / rounds;
    emit({
      summary: 'activation-event',
      rounds,
      commit_ms_p50: round(median(commitMs), 2),
      event_after_commit_ms_p50: round(median(fromAfterCommit), 2),
      event_after_commit_ms_p99: round(percentile(fromAfterCommit, 99), 2),
      event_from_commit_start_ms_p99: round(percentile(fromBeforeCommit, 99), 2),
      http_round_trip_ms_p50: round(median(baseline), 2),
      event_vs_round_trip_ratio: round(median(fromAfterCommit) / median(baseline), 3),
      within_frame_share: round(withinFrame, 4),
      goal: 'the renderer hears of an activation within a frame (16.7 ms) of its commit',
    });
  } finally {
    await scratch.cleanup();
  }
}
