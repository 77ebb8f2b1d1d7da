import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright';
import type { DrawCounts, FrameInfo } from '../../player/renderer/page-api.ts';
import { launchBrowser, openRendererSession, type RendererSession } from '../../player/snapshot/snapshot.ts';
import { compareImages, decodePng, describeComparison, IDENTICAL } from '../visual/image-compare.ts';
import { CONTENT_AT, cycleAt, type CycleSlot } from '../visual/scenes.ts';
import { compileSampleBundle, type SampleBundle } from './sample-bundle.ts';

// A frame in which only clocks and tickers changed is drawn by redrawing just their areas over
// the previous frame (renderer.ts, drawChangedAreas). Whatever the path, the pixels must be the
// ones a whole frame of the same instant gives: here consecutive 60 Hz frames run across a
// minute boundary (the clock changes, the ticker moves every frame), and the last one is
// compared with the same instant drawn whole in the same page.

const FRAME_MS = 1000 / 60;
let bundle: SampleBundle;
let browser: Browser;

before(async () => {
  [bundle, browser] = await Promise.all([compileSampleBundle(), launchBrowser()]);
});

after(async () => {
  await browser?.close();
  await bundle?.cleanup();
});

/** A page of the cycle at CONTENT_AT during which a minute turns, at least a second after its transition and before its end. */
function slotWithMinuteTurn(screenId: string): { slot: CycleSlot; minuteMs: number; other: CycleSlot } {
  const manifest = bundle.manifests.get(screenId)!;
  const { slots } = cycleAt(bundle.schedules.get(screenId)!, CONTENT_AT);
  for (const slot of slots) {
    const settledMs = slot.startMs + manifest.pages.find((p) => p.id === slot.pageId)!.transition.durationMs + 1000;
    const minuteMs = Math.ceil(settledMs / 60_000) * 60_000;
    const other = slots.find((s) => s.pageId !== slot.pageId);
    if (minuteMs + 1000 < slot.endMs && other) return { slot, minuteMs, other };
  }
  throw new Error(`${screenId}: no page of the cycle at ${new Date(CONTENT_AT).toISOString()} sees a minute turn`);
}

/** Draws consecutive frames in the page, as the live loop does, and returns the last frame's info. */
function drawFrames(session: RendererSession, startMs: number, count: number): Promise<FrameInfo> {
  return session.page.evaluate(`(async () => {
    let info;
    for (let i = 0; i < ${count}; i += 1) info = await window.signageRenderer.render(${startMs} + i * ${FRAME_MS});
    return info;
  })()`) as Promise<FrameInfo>;
}

const drawCounts = (session: RendererSession) => session.page.evaluate('window.signageRenderer.drawCounts()') as Promise<DrawCounts>;

for (const screenId of ['ubnd-sanh', 'ubnd-kiosk', 'cong-xa']) {
  test(`${screenId}: frames redrawn by changed areas equal the same instant drawn whole`, async () => {
    const session = await openRendererSession({ bundleDir: bundle.outDir, screenId, browser });
    try {
      const { slot, minuteMs, other } = slotWithMinuteTurn(screenId);
      const startMs = minuteMs - 500;
      const count = 60; // one second: the minute turns halfway
      const lastMs = startMs + (count - 1) * FRAME_MS;
      const countsBefore = await drawCounts(session);
      const last = await drawFrames(session, startMs, count);
      assert.equal(last.pageId, slot.pageId);
      assert.equal(last.drawn, true);
      const counts = await drawCounts(session);
      const byAreas = counts.areas - countsBefore.areas;
      const whole = counts.full - countsBefore.full;
      // The first frame is whole (new page); the clock's turn and the ticker's steps are areas.
      assert.ok(byAreas >= 1, `${screenId}: ${byAreas} frames drawn by areas, ${whole} whole, ${counts.unchanged - countsBefore.unchanged} unchanged`);
      const accumulated = await decodePng(await session.screenshot());

      // Another page, then the same instant again: drawn whole.
      await session.render(other.startMs + 5000);
      const again = await session.render(lastMs);
      assert.deepEqual(again, last);
      assert.equal((await drawCounts(session)).full, counts.full + 2, 'both drawn whole');
      const wholeFrame = await decodePng(await session.screenshot());
      const comparison = compareImages(wholeFrame, accumulated, IDENTICAL);
      assert.ok(comparison.pass, `${screenId}: ${describeComparison(comparison, IDENTICAL)}`);
      assert.deepEqual((await session.report()).faults, []);
      assert.deepEqual(session.pageErrors(), []);
    } finally {
      await session.close();
    }
  });
}
