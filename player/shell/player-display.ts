import { join } from 'node:path';
import type { Logger } from '../../compiler/format/logger.ts';
import type { RunningPlayer } from '../core/player-runtime.ts';
import { launchChromiumKiosk, type RunningKiosk } from './chromium-kiosk.ts';
import { DEFAULT_CHROMIUM, type DisplayKind } from './display-choice.ts';
import { startHeadlessDisplay, type HeadlessDisplay } from './headless-display.ts';

// Puts a running player on a display: a kiosk window at the screen's capture rectangle, or a
// headless page that writes DATA/screen.png every minute. The rectangle and size come from the
// active bundle, so the display starts once the first bundle is on the player (from its cache
// at once, or after the first sync).

export interface PlayerDisplay {
  stop(): Promise<void>;
}

export function startPlayerDisplay(options: { player: RunningPlayer; kind: DisplayKind; dataDir: string; logger: Logger; chromiumPath?: string }): PlayerDisplay {
  let kiosk: RunningKiosk | undefined;
  let headless: HeadlessDisplay | undefined;
  let stopped = false;
  const pageUrl = `${options.player.localUrl}/?player=1`;

  const start = async () => {
    // Poll gently until a bundle is active; the page itself follows later bundles on its own.
    while (!stopped && !options.player.snapshot().activeBundleId) await new Promise((resolve) => setTimeout(resolve, 500));
    if (stopped) return;
    const current = (await (await fetch(`${options.player.localUrl}/api/current`)).json()) as { manifest: { screen: { width: number; height: number; capture: { x: number; y: number } } } };
    const { width, height, capture } = current.manifest.screen;
    if (options.kind === 'window') {
      kiosk = launchChromiumKiosk({ url: pageUrl, rect: { x: capture.x, y: capture.y, width, height }, fullScreen: false, userDataDir: join(options.dataDir, 'kiosk-profile'), chromiumPath: options.chromiumPath ?? DEFAULT_CHROMIUM, logger: options.logger });
    } else if (options.kind === 'headless') {
      headless = await startHeadlessDisplay({ url: pageUrl, width, height, outFile: join(options.dataDir, 'screen.png'), logger: options.logger });
      const file = await headless.capture();
      options.logger.info('screen rendered headless', { file, width, height });
    }
  };
  const started = start().catch((error: unknown) => options.logger.error('display failed to start', { error: (error as Error).message }));
  return {
    async stop() {
      stopped = true;
      await started;
      await kiosk?.stop();
      await headless?.stop();
    },
  };
}
