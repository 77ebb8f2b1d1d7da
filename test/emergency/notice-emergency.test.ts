import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { compile } from '../../compiler/compile.ts';
import { at } from '../cap/cap-fixtures.ts';
import { makeStation } from '../player/support/bundles.ts';
import { fastClock } from '../player/support/player-fixtures.ts';
import { copySamples, scratchDir } from '../support/paths.ts';
import { ackStates, enrolledPlayer, loadMeasurer, startStationHub, withAlerts, waitLong } from './support.ts';

// A commune notice of priority emergency travels the emergency path too: the compile signs a
// statement per screen beside the bundle, the publish stores it, the hub pushes it before the
// content offer, the players show and acknowledge it before the bundle's blobs have arrived;
// once the content carrying it is active the content shows it, and a later compile without it
// withdraws it.

const station = makeStation();
let root: string;
let cleanup: () => Promise<void>;
const NOTICE = 'canh-bao-mua-lon';

before(async () => {
  ({ path: root, cleanup } = await scratchDir('notice-emergency'));
  await loadMeasurer();
});
after(() => cleanup());

async function compileAt(name: string, atIso: string, options: { withNotice: boolean }): Promise<string> {
  const copy = await copySamples(join(root, `samples-${name}`));
  if (!options.withNotice) await rm(join(copy.notices, `${NOTICE}.md`));
  const outDir = join(root, `out-${name}`);
  await compile({ noticesDir: copy.notices, siteFile: copy.site, outDir, privateKey: station.privateKey, atMs: at(atIso), cacheDir: join(root, 'cache') });
  return outDir;
}

test('an emergency notice is pushed as a signed statement ahead of its content bundle, acknowledged, then shown by the content, and withdrawn by a compile without it', async () => {
  const before = await compileAt('before', '2026-11-22T05:30:00+07:00', { withNotice: false });
  const withNotice = await compileAt('with', '2026-11-22T06:00:00+07:00', { withNotice: true });
  const afterOut = await compileAt('after', '2026-11-22T07:00:00+07:00', { withNotice: false });
  assert.deepEqual((await readdir(join(withNotice, 'screens', 'ubnd-sanh'))).filter((f) => f.startsWith('emergency-')).sort(), [`emergency-${NOTICE}.json`, `emergency-${NOTICE}.sig`]);
  assert.deepEqual((await readdir(join(before, 'screens', 'ubnd-sanh'))).filter((f) => f.startsWith('emergency-')), []);

  const hubData = join(root, 'hub');
  const clock = fastClock(at('2026-11-22T06:10:00+07:00'), 1);
  const hub = await startStationHub({ dataDir: hubData, station, clock, content: before });
  const t = await enrolledPlayer({ hub, dataDir: join(root, 'hall'), screenId: 'ubnd-sanh', station, clock });
  try {
    assert.notEqual(t.player.snapshot().mode, 'emergency');
    const firstBundle = t.player.snapshot().activeBundleId;
    const eventsBefore = t.events.length;
    await hub.publish(withNotice);
    const key = withAlerts(hubData, (db) => db.alerts().find((a) => a.origin === 'notice')!.key!);
    await waitLong('the notice acknowledged as displayed', () => ackStates(hubData, key).get(t.player.deviceId) === 'displayed');
    const events = t.events.slice(eventsBefore).map((event) => event.type);
    assert.ok(events.indexOf('emergency') !== -1 && events.indexOf('emergency') < events.indexOf('downloading'), `the statement arrived before the content offer: ${events.join(' ')}`);

    await waitLong('the content with the notice is active', () => t.player.snapshot().activeBundleId !== firstBundle);
    await waitLong('the content shows it now', () => t.player.snapshot().emergencyRevision === 'none' && t.player.snapshot().mode === 'emergency');
    assert.equal(ackStates(hubData, key).get(t.player.deviceId), 'displayed');

    const withBundle = t.player.snapshot().activeBundleId;
    await hub.publish(afterOut);
    await waitLong('withdrawn with the next content', () => t.player.snapshot().activeBundleId !== withBundle && t.player.snapshot().mode !== 'emergency');
    await waitLong('acknowledged as ended', () => ackStates(hubData, key).get(t.player.deviceId) === 'ended');
    assert.equal(t.player.snapshot().emergencyRevision, 'none');
    assert.equal(withAlerts(hubData, (db) => db.alert(key)!.status), 'ended');
  } finally {
    await t.player.close();
    await hub.close();
  }
});
