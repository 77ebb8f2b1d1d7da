import { bundleFromInjected, fetchBundle, locationFromQuery } from './bundle-source.ts';
import { createDimmer, type Dimmer } from './dimmer.ts';
import { startLiveLoop } from './live-loop.ts';
import { followPlayerDisplay, waitForFirstDisplay } from './player-display.ts';
import type { RendererPageGlobals } from './page-api.ts';
import { SignageRenderer } from './renderer.ts';

// The renderer page's entry. Query string:
//   bundle=URL   a screen's folder in the compiler's output layout (…/screens/<id>/)
//   blobs=URL    blob folder, default ../../blobs/ from `bundle`
//   fonts=URL    woff2 folder, default ./fonts/ beside the page
//   manual=1     no live loop: the host calls signageRenderer.render(atMs) (tests, snapshots)
//   player=1     the bundle comes from the player core on this origin (/api/current, /events)
//   fps=N        draw at most N frames a second (the editors' preview runs several screens)
//   antialias=1, maxTextures=N   for machines with a real GPU (see RendererOptions)
//   dim=1|0      apply the schedule's brightness to the picture (dimmer.ts); a player page
//                does unless its core says a brightness command dims the panel instead
// or a bundle object set as window.signageBundle before this script runs.

declare global {
  // The page's globals are declared once, in page-api.ts, for the page and its drivers alike.
  interface Window extends RendererPageGlobals {}
}

async function start(): Promise<void> {
  const params = new URLSearchParams(window.location.search);
  const pageUrl = window.location.href;
  let bundle;
  let playerFirst: Awaited<ReturnType<typeof waitForFirstDisplay>> | undefined;
  if (params.get('player') === '1') {
    // The active content, or on a player that has none yet an alert's takeover.
    playerFirst = await waitForFirstDisplay(pageUrl);
    bundle = playerFirst.bundle;
  } else if (window.signageBundle) {
    bundle = bundleFromInjected(window.signageBundle, pageUrl);
  } else {
    const location = locationFromQuery(params, pageUrl);
    if (!location) throw new Error('no bundle: give ?bundle=<screen folder URL> or set window.signageBundle before the page script');
    bundle = await fetchBundle(location);
  }
  const { width, height } = bundle.manifest.screen;
  const canvas = document.createElement('canvas');
  // One bundle pixel is one panel pixel: the canvas is the screen's size in CSS pixels, and the
  // kiosk runs at device pixel ratio 1.
  canvas.style.cssText = `display:block;width:${width}px;height:${height}px`;
  document.body.appendChild(canvas);
  const renderer = await SignageRenderer.create({
    width,
    height,
    canvas,
    fontsBaseUrl: new URL(params.get('fonts') ?? './fonts/', pageUrl).href,
    antialias: params.get('antialias') === '1',
    ...(params.get('maxTextures') ? { maxBatchableTextures: Number(params.get('maxTextures')) } : {}),
  });
  await renderer.load(bundle);
  const dimParam = params.get('dim');
  const dimInPage = dimParam === null ? playerFirst !== undefined && playerFirst.content?.brightnessBy !== 'panel' : dimParam === '1';
  const dimmer: Dimmer | undefined = dimInPage ? createDimmer(canvas) : undefined;
  // Every frame, live or asked for, sets the dimmer from the same instant's schedule.
  const render = dimmer
    ? async (atMs: number) => {
        const info = await renderer.render(atMs);
        if (info.drawn) dimmer.set(info.brightnessPercent);
        return info;
      }
    : (atMs: number) => renderer.render(atMs);
  window.signageRenderer = {
    render,
    report: () => renderer.report(),
    rendererName: renderer.name,
    load: (injected) => renderer.load(bundleFromInjected(injected, pageUrl)),
    probeText: (options) => renderer.probeText(options),
    cachedLayerKeys: () => renderer.cachedLayers(),
    resourceCounts: () => renderer.resourceCounts(),
    drawCounts: () => renderer.frameCounts(),
  };
  // A player page draws at the time its core plays by, which differs from this machine's clock
  // only when the core found the system clock wrong (player/core/trusted-clock.ts).
  let clockCorrectionMs = playerFirst?.content?.clockCorrectionMs ?? 0;
  if (playerFirst) {
    // Content bundles and emergencies (takeover instead of the content, banner over it).
    await followPlayerDisplay({
      baseUrl: pageUrl,
      first: playerFirst.content,
      load: (next) => renderer.load(next),
      onClockCorrection: (correctionMs) => (clockCorrectionMs = correctionMs),
    });
  }
  const fps = Number(params.get('fps') ?? '0');
  if (params.get('manual') !== '1') startLiveLoop(render, () => Date.now() + clockCorrectionMs, Number.isFinite(fps) && fps > 0 ? { maxFps: fps } : {});
}

start().catch((error: unknown) => {
  window.signageRendererError = error instanceof Error ? error.message : String(error);
  document.body.dataset.error = window.signageRendererError;
});
