import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright';
import type { ResourceCounts } from '../../player/renderer/page-api.ts';
import { launchBrowser, openRendererSession } from '../../player/snapshot/snapshot.ts';
import { pageChanges } from '../bench/render-soak-bench.ts';
import { CONTENT_AT } from '../visual/scenes.ts';
import { compileSampleBundle, type SampleBundle } from './sample-bundle.ts';

// Pages that leave the screen give back everything they made: their layers, their pictures'
// textures and pixi's records of their display objects (graphics contexts, texts, GL
// textures). The soak benchmark measures the heap over 10,000 changes; this is the same leak
// caught in a few dozen, by counting what the renderer holds (resourceCounts()).

const SCREEN = 'ubnd-sanh';
const CHANGES = 60;
let bundle: SampleBundle;
let browser: Browser;

before(async () => {
  [bundle, browser] = await Promise.all([compileSampleBundle(), launchBrowser()]);
});

after(async () => {
  await browser?.close();
  await bundle?.cleanup();
});

test(`after ${CHANGES} page changes the renderer holds what a few pages need, not what every page shown did`, async () => {
  const session = await openRendererSession({ bundleDir: bundle.outDir, screenId: SCREEN, browser });
  try {
    const counts = () => session.page.evaluate('window.signageRenderer.resourceCounts()') as Promise<ResourceCounts>;
    const changes = pageChanges(bundle.schedules.get(SCREEN)!, bundle.manifests.get(SCREEN)!, CONTENT_AT, CHANGES + 1);
    const first = await session.render(changes[0]!.atMs);
    assert.equal(first.drawn, true);
    const start = await counts();
    const shown = new Set<string>();
    for (const change of changes.slice(1)) {
      const frame = await session.render(change.atMs);
      assert.equal(frame.drawn, true);
      if (frame.pageId) shown.add(frame.pageId);
    }
    const end = await counts();
    assert.ok(shown.size >= 4, `the changes went through ${shown.size} pages`);
    // Chrome, the page on screen, the one it came from and the one due next.
    assert.ok(end.layers <= 5, `${end.layers} layers alive`);
    for (const name of ['graphicsContext', 'canvasText', 'glTexture']) {
      const before = start.pixi[name];
      const now = end.pixi[name];
      assert.ok(before && now, `pixi counts ${name} (pixi's internals moved? see player/renderer/pixi-bookkeeping.ts): ${JSON.stringify(end.pixi)}`);
      // What a page holds varies by page; one leaked record per page shown would be hundreds.
      assert.ok(now.live <= Math.max(2 * before.live, before.live + 40), `${name}: ${before.live} live at the start, ${now.live} after ${CHANGES} changes`);
      // Emptied slots are dropped as pages leave (compaction from 64 up).
      assert.ok(now.slots - now.live <= 64 + 200, `${name}: ${now.slots - now.live} emptied slots kept`);
    }
    assert.deepEqual((await session.report()).faults, []);
  } finally {
    await session.close();
  }
});
