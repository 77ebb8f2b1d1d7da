import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Browser, Page } from 'playwright';
import type { Logger } from '../../compiler/format/logger.ts';
import { launchBrowser } from '../snapshot/renderer-session.ts';

// With no display at all, the player still renders its screen: headless Chromium shows the
// local player page at the screen's exact size, and a PNG of it is written to the data
// directory every minute (and on demand), so an operator or a test can see what the panel
// would show.

export interface HeadlessDisplayOptions {
  /** The local player page, e.g. http://127.0.0.1:8470/?player=1 */
  readonly url: string;
  readonly width: number;
  readonly height: number;
  readonly outFile: string;
  readonly intervalMs?: number;
  readonly logger: Logger;
}

export interface HeadlessDisplay {
  /** Writes a PNG of the screen now and returns its path. */
  capture(): Promise<string>;
  stop(): Promise<void>;
}

export async function startHeadlessDisplay(options: HeadlessDisplayOptions): Promise<HeadlessDisplay> {
  const browser: Browser = await launchBrowser();
  const context = await browser.newContext({
    viewport: { width: options.width, height: options.height },
    deviceScaleFactor: 1,
    timezoneId: 'Asia/Ho_Chi_Minh',
    locale: 'vi-VN',
  });
  const page: Page = await context.newPage();
  await page.goto(options.url);
  // globalThis is the page's window here; Node's types do not know the page's globals.
  await page.waitForFunction(() => {
    const page = globalThis as unknown as { signageRenderer?: unknown; signageRendererError?: string };
    return page.signageRenderer !== undefined || page.signageRendererError !== undefined;
  }, undefined, { timeout: 60_000 });
  const error = await page.evaluate(() => (globalThis as unknown as { signageRendererError?: string }).signageRendererError);
  if (error) options.logger.error('renderer page failed to start', { error });

  let busy: Promise<string> | undefined;
  const capture = (): Promise<string> => {
    busy ??= (async () => {
      try {
        const png = await page.locator('canvas').screenshot({ type: 'png' });
        await mkdir(dirname(options.outFile), { recursive: true });
        const temporary = `${options.outFile}.${process.pid}.tmp`;
        await writeFile(temporary, png);
        await rename(temporary, options.outFile);
        return options.outFile;
      } finally {
        busy = undefined;
      }
    })();
    return busy;
  };
  const timer = setInterval(() => {
    capture().catch((failure: unknown) => options.logger.warn('screenshot failed', { error: (failure as Error).message }));
  }, options.intervalMs ?? 60_000);
  return {
    capture,
    async stop() {
      clearInterval(timer);
      await busy?.catch(() => undefined);
      await browser.close();
    },
  };
}
