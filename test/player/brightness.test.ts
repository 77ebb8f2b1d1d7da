import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fromVietnamWallTime } from '../../compiler/format/vietnam-time.ts';
import { BrightnessCommandError, parseBrightnessCommand } from '../../player/core/brightness-output.ts';
import { scratchDir } from '../support/paths.ts';
import { compileSamples, makeStation } from './support/bundles.ts';
import { FakeHub, loadOffer, type FakeOffer } from './support/fake-hub.ts';
import { manualClock, startTestPlayer, waitFor } from './support/player-fixtures.ts';

// The site's brightness schedule reaches the panel's controller: the configured program runs
// (a real child process here) with each step's percentage as the step comes, in Vietnam time,
// and a program that fails shows in the player's status without touching what plays.

/** The sample LED wall: 60 % from 05:30, 100 % from 07:00, 45 % from 18:30. */
const LED_WALL = 'cong-xa';
/** Each wait ends as soon as its condition holds; a loaded machine may take a while to start a process. */
const PATIENCE_MS = 30_000;
const station = makeStation();
let root: string;
let cleanup: () => Promise<void>;
let offer: FakeOffer;
let recorder: string;
let failing: string;

before(async () => {
  ({ path: root, cleanup } = await scratchDir('brightness'));
  const out = await compileSamples({ station, outDir: join(root, 'out'), cacheDir: join(root, 'cache') });
  offer = await loadOffer(out, LED_WALL);
  recorder = join(root, 'record-brightness.mjs');
  await writeFile(recorder, "import { appendFileSync } from 'node:fs';\nappendFileSync(process.argv[3], process.argv[2] + '\\n');\n");
  failing = join(root, 'failing-controller.mjs');
  await writeFile(failing, "process.stderr.write('sending card not found on /dev/ttyUSB0');\nprocess.exit(3);\n");
});
after(() => cleanup());

async function seededPlayer(name: string, command: string, startMs: number) {
  const hub = await FakeHub.start();
  hub.publish(offer);
  const clock = manualClock(startMs);
  const t = await startTestPlayer({ hubUrl: hub.url, dataDir: join(root, name), screenId: LED_WALL, stationPublicKey: station.publicKey, startMs, clock: clock.now, brightnessCommand: command });
  await waitFor('the LED bundle is active', () => t.player.snapshot().activeBundleId === offer.bundleId, PATIENCE_MS);
  return { t, hub, clock };
}

test('each brightness step runs the controller program with its percentage, in Vietnam time', async () => {
  const log = join(root, 'steps.log');
  const { t, hub, clock } = await seededPlayer('steps', `${process.execPath} ${recorder} {percent} ${log}`, fromVietnamWallTime({ year: 2026, month: 11, day: 21, hour: 10 }));
  try {
    await waitFor('the day step is applied', async () => (await readFile(log, 'utf8').catch(() => '')).includes('100'), PATIENCE_MS);
    assert.equal(t.player.snapshot().brightnessPercent, 100);

    clock.set(fromVietnamWallTime({ year: 2026, month: 11, day: 21, hour: 18, minute: 30 }));
    t.cron.fire('30 18 * * *');
    await waitFor('the evening step is applied', async () => (await readFile(log, 'utf8')).trim().split('\n').length === 2, PATIENCE_MS);
    assert.deepEqual((await readFile(log, 'utf8')).trim().split('\n'), ['100', '45']);
    assert.equal(t.player.snapshot().brightnessPercent, 45);
    assert.equal(t.player.snapshot().lastError, null);
    // The panel dims itself: the renderer page is told not to dim the picture as well.
    const current = (await (await fetch(`${t.player.localUrl}/api/current`)).json()) as { brightnessBy: string };
    assert.equal(current.brightnessBy, 'panel');
  } finally {
    await t.player.close();
    await hub.close();
  }
});

test('a controller program that fails is reported in the status, and the content keeps playing', async () => {
  const { t, hub } = await seededPlayer('failing', `${process.execPath} ${failing} {percent}`, fromVietnamWallTime({ year: 2026, month: 11, day: 21, hour: 10 }));
  try {
    const error = await waitFor('the failure is reported', () => t.player.snapshot().lastError ?? undefined, PATIENCE_MS);
    assert.match(error, /^BRIGHTNESS: .*failed for 100%: sending card not found/);
    assert.equal(t.player.snapshot().mode, 'content');
    assert.equal(t.player.snapshot().activeBundleId, offer.bundleId);
  } finally {
    await t.player.close();
    await hub.close();
  }
});

test('a command without {percent} is refused with the fix', () => {
  assert.throws(() => parseBrightnessCommand('ddcutil setvcp 10'), (error: unknown) => error instanceof BrightnessCommandError && /put \{percent\} where/.test(error.message));
  assert.deepEqual(parseBrightnessCommand(' ddcutil  setvcp 10 {percent} '), { file: 'ddcutil', args: ['setvcp', '10', '{percent}'] });
});
