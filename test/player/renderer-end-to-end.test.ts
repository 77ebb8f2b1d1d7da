import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright';
import { startHub } from '../../hub/hub-server.ts';
import { buildRenderer } from '../../player/renderer/build.ts';
import type { FrameInfo, RendererPageGlobals } from '../../player/renderer/page-api.ts';
import { scratchDir } from '../support/paths.ts';
import { COMPILE_AT_MS, compileSamples, makeStation, PLAY_AT_MS, SCREEN, variantBundle } from './support/bundles.ts';
import { approvedPlayerDir, fastClock, startTestPlayer, waitFor } from './support/player-fixtures.ts';

// The end-to-end, with the real renderer page in Chromium: compile → publish → the
// player activates and the page served by the player core draws it; a new publish reaches the
// page through the event channel without a reload; then the hub is gone, the player restarts
// with no network, and the page shows the same content. At every step the page draws exactly
// the page the core records in its proof of play (same schedule, same pure functions).

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const station = makeStation();
let root: string;
let cleanup: () => Promise<void>;
let browser: Browser | undefined;
let rendererDir: string;
let outA: string;
let outIdle: string;

before(async () => {
  ({ path: root, cleanup } = await scratchDir('player-renderer-e2e'));
  if (!existsSync(CHROMIUM)) return;
  [rendererDir, browser] = await Promise.all([
    buildRenderer({ outDir: join(root, 'renderer') }),
    chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--hide-scrollbars', '--mute-audio'] }),
  ]);
  outA = await compileSamples({ station, outDir: join(root, 'out-a'), cacheDir: join(root, 'cache') });
  // A later compile with nothing scheduled: the screen shows its idle page, easy to tell apart.
  outIdle = (await variantBundle({ fromDir: outA, toDir: join(root, 'out-idle'), signer: station, issuedAtMs: COMPILE_AT_MS + 60_000, editSchedule: (s) => void (s.entries = []) })).outDir;
});
after(async () => {
  await browser?.close();
  await cleanup();
});

async function openScreen(localUrl: string): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1920, height: 1080 }, timezoneId: 'Asia/Ho_Chi_Minh', locale: 'vi-VN' });
  // manual=1: the test decides the instant drawn, the player's own (injected) clock.
  await page.goto(`${localUrl}/?player=1&manual=1`);
  await page.waitForFunction(() => {
    const globals = globalThis as RendererPageGlobals;
    return globals.signageRenderer !== undefined || globals.signageRendererError !== undefined;
  }, undefined, { timeout: 30_000 });
  const error = await page.evaluate(() => (globalThis as RendererPageGlobals).signageRendererError);
  assert.equal(error, undefined, `renderer failed to start: ${error}`);
  return page;
}

function drawAt(page: Page, atMs: number): Promise<FrameInfo> {
  return page.evaluate((at) => (globalThis as RendererPageGlobals).signageRenderer!.render(at), atMs);
}

test('compile → publish → the renderer draws what the player activated; a new publish arrives live; offline after a restart it draws the same', { skip: !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}` }, async () => {
  const hub = await startHub({ dataDir: join(root, 'hub'), port: 0, stationPublicKey: station.publicKey });
  const dataDir = join(root, 'player');
  await approvedPlayerDir(hub, dataDir, SCREEN);
  await hub.publish(outA);
  const clock = fastClock(PLAY_AT_MS, 1);
  const common = { dataDir, screenId: SCREEN, stationPublicKey: station.publicKey, startMs: PLAY_AT_MS, rendererDir, clock };

  const first = await startTestPlayer({ hubUrl: hub.url, ...common });
  let page: Page | undefined;
  try {
    await waitFor('A active', () => first.player.snapshot().activeBundleId !== null);
    page = await openScreen(first.player.localUrl);
    const now = clock();
    const frame = await drawAt(page, now);
    const state = first.player.snapshot();
    assert.equal(frame.drawn, true);
    assert.equal(frame.mode, state.mode);
    assert.equal(frame.pageId, state.pageId, 'the page drawn is the page the core records');
    assert.equal(state.mode, 'content');

    // A new compile: the open page switches to it without a reload.
    await hub.publish(outIdle);
    await waitFor('idle bundle active', () => first.player.snapshot().mode === 'idle');
    const switched = await waitFor('the page follows', async () => {
      const next = await drawAt(page!, clock());
      return next.mode === 'idle' && next;
    });
    assert.equal(switched.pageId, first.player.snapshot().pageId);
  } finally {
    await page?.close();
    await first.player.close();
    await hub.close();
  }

  // The hub is gone and nothing answers: the restarted player serves the same content.
  const second = await startTestPlayer({ hubUrl: hub.url, ...common });
  try {
    page = await openScreen(second.player.localUrl);
    const frame = await drawAt(page, clock());
    assert.equal(second.player.snapshot().online, false);
    assert.equal(frame.mode, 'idle');
    assert.equal(frame.pageId, second.player.snapshot().pageId);
  } finally {
    await page?.close();
    await second.player.close();
  }
});
