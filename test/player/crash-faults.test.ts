import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { scratchDir } from '../support/paths.ts';
import { runKillCampaign } from './support/kill-campaign.ts';

// Power cuts and crashes, simulated: see support/kill-campaign.ts for what is killed when and
// what is checked after every kill (a sound database, a complete and verified bundle on
// screen, never none). `npm run bench -- faults` runs the same campaign with more kills.

const KILLS = 50;

let root: string;
let cleanup: () => Promise<void>;
before(async () => {
  ({ path: root, cleanup } = await scratchDir('player-faults'));
});
after(() => cleanup());

test(`SIGKILL ${KILLS} times during download and activation: always a complete, verified bundle and a sound database; proof of play neither lost nor doubled`, async (t) => {
  const result = await runKillCampaign({ kills: KILLS, root });
  t.diagnostic(`first sync ~${result.firstSyncMs} ms; kills: ${JSON.stringify(result.phases)}; bundles published ${result.bundlesPublished}; play records seen ${result.playsSeen}`);
  t.diagnostic(`kill loop ${result.loopMs} ms, of which child start-up ${result.childStartupMs} ms, inspection ${result.inspectMs} ms, publishing ${result.publishMs} ms; final catch-up ${result.catchUpMs} ms`);
  assert.ok(result.phases.duringDownload >= KILLS / 3, `most kills should land mid-download: ${JSON.stringify(result.phases)}`);
  // No loss: every record ever seen closed in the database is at the hub.
  assert.deepEqual(result.playsLost, []);
  // No duplicates: one row per id, and no two records claim the same moment on screen.
  assert.equal(result.duplicateRows, 0);
  assert.equal(result.overlappingRows, 0);
  assert.ok(result.playsAtHub > 20, `enough plays to mean something: ${result.playsAtHub}`);
});
