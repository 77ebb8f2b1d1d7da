import { parseArgs } from 'node:util';
import { runKillCampaign } from '../player/support/kill-campaign.ts';
import { scratchDir } from '../support/paths.ts';
import { emit, median, percentile, round } from './stats.ts';

// Fault bench (issue 4): the test suite's SIGKILL campaign (test/player/support/kill-campaign.ts)
// with more kills. A player core syncing with a real hub is killed at random moments, mostly
// while it downloads 2 MB bundles and activates them, and restarted, `--kills` times; after
// every kill its database must be sound and its active bundle complete and verified, never
// missing. A broken invariant stops the bench with the kill that broke it. The summary counts
// where the kills landed, how long a restarted player took to show what it holds (from being
// told to start, its code already loaded: Node's start-up is not in it), and the
// proof of play at the end: records seen on disk after some kill against rows at the hub.

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { kills: { type: 'string', default: '300' }, seed: { type: 'string', default: '12345' } } });
  const kills = Number(values.kills);
  const seed = Number(values.seed);
  if (!Number.isInteger(kills) || kills < 1 || !Number.isInteger(seed)) throw new Error('--kills must be an integer ≥ 1 and --seed an integer');
  emit({ event: 'setup', kills, seed });
  const scratch = await scratchDir('bench-faults');
  try {
    const result = await runKillCampaign({
      kills,
      root: scratch.path,
      seed,
      onKill: (record) => {
        if (record.kill % 25 === 0 || record.kill === kills) emit({ event: 'progress', kill: record.kill, phase: record.phase, ready_ms: record.readyMs });
      },
    });
    emit({
      event: 'summary',
      bench: 'faults',
      kills: result.kills,
      kills_before_download: result.phases.beforeDownload,
      kills_during_download: result.phases.duringDownload,
      kills_after_activation: result.phases.afterActivation,
      // Every kill was followed by a sound database and a complete, verified bundle on screen;
      // otherwise the campaign would have thrown. Counted here so the summary says it.
      restarts_onto_complete_bundle: result.kills,
      bundles_published: result.bundlesPublished,
      restart_to_ready_ms_median: round(median(result.readyMs), 0),
      restart_to_ready_ms_p99: round(percentile(result.readyMs, 99), 0),
      first_sync_ms: result.firstSyncMs,
      catch_up_ms: result.catchUpMs,
      plays_seen: result.playsSeen,
      plays_at_hub: result.playsAtHub,
      plays_lost: result.playsLost.length,
      plays_duplicated: result.duplicateRows,
      plays_overlapping: result.overlappingRows,
      loop_s: round(result.loopMs / 1000, 1),
    });
  } finally {
    await scratch.cleanup();
  }
}
