import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright';
import { dimmerOpacity } from '../../player/renderer/dimmer-opacity.ts';
import { launchBrowser, openRendererSession } from '../../player/snapshot/snapshot.ts';
import { decodePng } from '../visual/image-compare.ts';
import { compileSampleBundle, type SampleBundle } from './sample-bundle.ts';

// The sample LED wall (cong-xa) dims to 45% at 18:30 and runs to 22:30. Without a brightness
// command the page applies that to the picture: every pixel at 45% of the undimmed frame of
// the same instant. In the day (100%) the dimmed page equals the undimmed one exactly.

const SCREEN = 'cong-xa';
const EVENING = Date.parse('2026-11-21T19:00:00+07:00');
const DAY = Date.parse('2026-11-21T10:00:00+07:00');

let bundle: SampleBundle;
let browser: Browser;

before(async () => {
  [bundle, browser] = await Promise.all([compileSampleBundle(), launchBrowser()]);
});

after(async () => {
  await browser?.close();
  await bundle?.cleanup();
});

test('the dimmer layer is black at 1 − percent/100, clamped', () => {
  assert.equal(dimmerOpacity(100), 0);
  assert.equal(dimmerOpacity(45), 0.55);
  assert.equal(dimmerOpacity(0), 1);
  assert.equal(dimmerOpacity(140), 0);
  assert.equal(dimmerOpacity(-5), 1);
  assert.equal(dimmerOpacity(Number.NaN), 0, 'a broken value never blacks the screen out');
});

async function frames(atMs: number): Promise<{ plain: Awaited<ReturnType<typeof decodePng>>; dimmed: Awaited<ReturnType<typeof decodePng>>; percent: number }> {
  const plainSession = await openRendererSession({ bundleDir: bundle.outDir, screenId: SCREEN, browser });
  const dimmedSession = await openRendererSession({ bundleDir: bundle.outDir, screenId: SCREEN, browser, dimmed: true });
  try {
    const info = await dimmedSession.render(atMs);
    await plainSession.render(atMs);
    return { plain: await decodePng(await plainSession.screenshot()), dimmed: await decodePng(await dimmedSession.screenshot()), percent: info.brightnessPercent };
  } finally {
    await plainSession.close();
    await dimmedSession.close();
  }
}

test('in the evening the LED wall is drawn at the schedule\'s 45%, pixel by pixel', async () => {
  const { plain, dimmed, percent } = await frames(EVENING);
  assert.equal(percent, 45);
  assert.equal(dimmed.width, plain.width);
  let worst = 0;
  let brightSum = 0;
  let dimSum = 0;
  for (let i = 0; i < plain.data.length; i += 4) {
    for (let c = 0; c < 3; c += 1) {
      const expected = plain.data[i + c]! * 0.45;
      worst = Math.max(worst, Math.abs(dimmed.data[i + c]! - expected));
      brightSum += plain.data[i + c]!;
      dimSum += dimmed.data[i + c]!;
    }
  }
  assert.ok(brightSum > 0, 'the undimmed frame has content');
  assert.ok(worst <= 2, `every channel within 2 of 45% of the undimmed frame; worst off by ${worst.toFixed(1)}`);
  assert.ok(Math.abs(dimSum / brightSum - 0.45) < 0.01, `overall ${(dimSum / brightSum).toFixed(3)} of the undimmed brightness`);
});

test('in the day (100%) the dimmed page is the undimmed frame exactly', async () => {
  const { plain, dimmed, percent } = await frames(DAY);
  assert.equal(percent, 100);
  assert.deepEqual(dimmed.data, plain.data);
});
