import type { KeyObject } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FrameInfo } from '../renderer/page-api.ts';
import type { RendererReport } from '../renderer/render-report.ts';
import { openRendererSession, type LaunchOptions } from './renderer-session.ts';

// `signage snapshot`: one instant of one screen, drawn by the real renderer in headless
// Chromium, written as a PNG of exactly the screen's size.

export { launchBrowser, openRendererSession, SnapshotError } from './renderer-session.ts';
export type { OpenSessionOptions, RendererSession, ScreenInfo } from './renderer-session.ts';

export interface SnapshotOptions {
  /** Compiler output directory (with screens/ and blobs/). */
  readonly bundleDir: string;
  readonly screenId: string;
  readonly atMs: number;
  readonly outFile: string;
  /** Verify the bundle's signatures and blobs against this key before drawing. */
  readonly stationKey?: KeyObject;
  readonly launch?: LaunchOptions;
}

export interface SnapshotResult {
  readonly outFile: string;
  readonly width: number;
  readonly height: number;
  readonly frame: FrameInfo;
  readonly rendererName: string;
  readonly report: RendererReport;
}

export async function snapshot(options: SnapshotOptions): Promise<SnapshotResult> {
  const session = await openRendererSession({
    bundleDir: options.bundleDir,
    screenId: options.screenId,
    ...(options.stationKey ? { stationKey: options.stationKey } : {}),
    ...(options.launch ? { launch: options.launch } : {}),
  });
  try {
    const frame = await session.render(options.atMs);
    const png = await session.screenshot();
    await mkdir(dirname(options.outFile), { recursive: true });
    await writeFile(options.outFile, png);
    return {
      outFile: options.outFile,
      width: session.screen.width,
      height: session.screen.height,
      frame,
      rendererName: session.rendererName,
      report: await session.report(),
    };
  } finally {
    await session.close();
  }
}
