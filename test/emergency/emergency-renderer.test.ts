import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright';
import sharp from 'sharp';
import { riskColour } from '../../layouts/common/palette.ts';
import { operatorCancel } from '../../hub/emergency-issue.ts';
import { buildRenderer } from '../../player/renderer/build.ts';
import type { FrameInfo, RendererPageGlobals } from '../../player/renderer/page-api.ts';
import { at, fixturePath, SAMPLE_ALERT } from '../cap/cap-fixtures.ts';
import { compileSamples, makeStation } from '../player/support/bundles.ts';
import { fastClock, startTestPlayer } from '../player/support/player-fixtures.ts';
import { scratchDir } from '../support/paths.ts';
import { enrolledPlayer, ingestAt, loadMeasurer, startStationHub, withAlerts, waitLong } from './support.ts';

// The one end-to-end test with the real renderer page in Chromium: the page served by a
// player core draws the content; a CAP alert ingested at the station is drawn as the takeover
// (the page the core records, in the risk level's colour); an operator cancel brings the
// content back without a reload; a lesser alert is a banner over the content.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const station = makeStation();
const T0 = at('2026-11-21T09:00:00+07:00');
let root: string;
let cleanup: () => Promise<void>;
let browser: Browser | undefined;
let rendererDir: string;
let content: string;

before(async () => {
  ({ path: root, cleanup } = await scratchDir('emergency-renderer'));
  if (!existsSync(CHROMIUM)) return;
  await loadMeasurer();
  [rendererDir, browser, content] = await Promise.all([
    buildRenderer({ outDir: join(root, 'renderer') }),
    chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--hide-scrollbars', '--mute-audio'] }),
    compileSamples({ station, outDir: join(root, 'content'), cacheDir: join(root, 'cache') }),
  ]);
});
after(async () => {
  await browser?.close();
  await cleanup();
});

function drawAt(page: Page, atMs: number): Promise<FrameInfo> {
  return page.evaluate((instant) => (globalThis as RendererPageGlobals).signageRenderer!.render(instant), atMs);
}

/** The colour of one canvas pixel, as Chromium composited it. */
async function pixel(page: Page, x: number, y: number): Promise<string> {
  const png = await page.screenshot({ clip: { x, y, width: 1, height: 1 } });
  const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return `#${[data[0]!, data[1]!, data[2]!].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

test('the renderer draws the takeover on the frames after the alert is verified, the content again after the cancel, a banner over the content, and a takeover on a player with no content yet', { skip: !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}` }, async () => {
  const hubData = join(root, 'hub');
  const clock = fastClock(T0, 1);
  const hub = await startStationHub({ dataDir: hubData, station, clock, content });
  const t = await enrolledPlayer({ hub, dataDir: join(root, 'hall'), screenId: 'ubnd-sanh', station, clock });
  const page = await browser!.newPage({ viewport: { width: 1920, height: 1080 }, timezoneId: 'Asia/Ho_Chi_Minh', locale: 'vi-VN' });
  try {
    await t.player.close();
    // Restarted with the renderer page served (rendererDir), same data: already enrolled.
    const hall = await startTestPlayer({ hubUrl: hub.url, dataDir: join(root, 'hall'), screenId: 'ubnd-sanh', stationPublicKey: station.publicKey, startMs: T0, clock, rendererDir });
    try {
      await waitLong('online', () => hall.player.snapshot().online);
      await page.goto(`${hall.player.localUrl}/?player=1&manual=1`);
      await page.waitForFunction(() => (globalThis as RendererPageGlobals).signageRenderer !== undefined || (globalThis as RendererPageGlobals).signageRendererError !== undefined, undefined, { timeout: 30_000 });
      assert.equal(await page.evaluate(() => (globalThis as RendererPageGlobals).signageRendererError), undefined);
      const before = await drawAt(page, clock());
      assert.equal(before.mode, 'content');
      const contentCorner = await pixel(page, 4, 540);

      await ingestAt({ hubData, station, file: SAMPLE_ALERT, nowMs: T0 });
      await waitLong('the core shows the takeover', () => hall.player.snapshot().mode === 'emergency');
      const frame = await waitLong('the page draws the takeover', async () => {
        const drawn = await drawAt(page, clock());
        return drawn.drawn && drawn.mode === 'emergency' ? drawn : undefined;
      });
      assert.equal(frame.pageId, hall.player.snapshot().pageId, 'the page drawn is the one the core records');
      assert.equal(await pixel(page, 4, 540), riskColour(4).background, 'the takeover is drawn in the colour of cấp 4');

      withAlerts(hubData, (db) => operatorCancel({ db, id: 'VN-KTTV-2026-11-22-0930-BAO9', privateKey: station.privateKey, nowMs: T0 + 10_000 }));
      await waitLong('the page draws the content again', async () => {
        const drawn = await drawAt(page, clock());
        return drawn.drawn && drawn.mode === 'content';
      });
      assert.equal(await pixel(page, 4, 540), contentCorner);

      const bottomBefore = await pixel(page, 960, 1075);
      await ingestAt({ hubData, station, file: fixturePath('english-only.xml'), nowMs: T0 });
      await waitLong('the banner is drawn over the content', async () => {
        const drawn = await drawAt(page, clock());
        return drawn.drawn && drawn.mode === 'content' && (await pixel(page, 960, 1075)) !== bottomBefore;
      });
      const banner = withAlerts(hubData, (db) => db.alerts().find((a) => a.presentation === 'banner')!);
      assert.equal(await pixel(page, 960, 1075), riskColour(banner.riskLevel!).background, 'the band is in the risk colour');
    } finally {
      await hall.player.close();
    }
  } finally {
    await page.close();
    await hub.close();
  }

  // A player installed just now, with no content yet: the page draws the takeover anyway; the
  // content that arrives meanwhile waits behind it and is drawn once the alert is cancelled.
  const freshHubData = join(root, 'hub-fresh');
  const freshHub = await startStationHub({ dataDir: freshHubData, station, clock });
  const freshDir = join(root, 'fresh');
  const enrol = await startTestPlayer({ hubUrl: freshHub.url, dataDir: freshDir, screenId: 'ubnd-sanh', stationPublicKey: station.publicKey, startMs: T0, clock });
  await waitLong('enrolment', () => freshHub.devices().some((d) => d.id === enrol.player.deviceId));
  freshHub.approveDevice(enrol.player.deviceId);
  await enrol.player.close();
  const fresh = await startTestPlayer({ hubUrl: freshHub.url, dataDir: freshDir, screenId: 'ubnd-sanh', stationPublicKey: station.publicKey, startMs: T0, clock, rendererDir });
  const freshPage = await browser!.newPage({ viewport: { width: 1920, height: 1080 }, timezoneId: 'Asia/Ho_Chi_Minh', locale: 'vi-VN' });
  try {
    await waitLong('online without content', () => fresh.player.snapshot().online && fresh.player.snapshot().activeBundleId === null);
    await ingestAt({ hubData: freshHubData, station, file: SAMPLE_ALERT, nowMs: T0 });
    await waitLong('the core shows the takeover', () => fresh.player.snapshot().mode === 'emergency');
    await freshPage.goto(`${fresh.player.localUrl}/?player=1&manual=1`);
    await freshPage.waitForFunction(() => (globalThis as RendererPageGlobals).signageRenderer !== undefined || (globalThis as RendererPageGlobals).signageRendererError !== undefined, undefined, { timeout: 30_000 });
    const first = await drawAt(freshPage, clock());
    assert.equal(first.mode, 'emergency', 'a player without content draws the takeover');
    await freshHub.publish(content);
    await waitLong('content active behind the takeover', () => fresh.player.snapshot().activeBundleId !== null);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal((await drawAt(freshPage, clock())).mode, 'emergency', 'still the takeover');
    withAlerts(freshHubData, (db) => operatorCancel({ db, id: 'VN-KTTV-2026-11-22-0930-BAO9', privateKey: station.privateKey, nowMs: T0 + 20_000 }));
    await waitLong('the content is drawn after the cancel', async () => {
      const drawn = await drawAt(freshPage, clock());
      return drawn.drawn && drawn.mode === 'content';
    });
  } finally {
    await freshPage.close();
    await fresh.player.close();
    await freshHub.close();
  }
});
