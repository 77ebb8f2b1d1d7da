import type { KeyObject } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright';
import { bundleManifestSchema, type BundleManifest } from '../../compiler/format/bundle-manifest.ts';
import { verifyBundleDirectory } from '../../compiler/trust/verify-bundle.ts';
import { buildRenderer } from '../renderer/build.ts';
import type { FrameInfo, RendererPageGlobals, SignageRendererHandle, TextProbe, TextProbeRequest } from '../renderer/page-api.ts';
import type { RendererReport } from '../renderer/render-report.ts';
import { serveBundle, type BundleServer } from './bundle-server.ts';

// A renderer page for one screen of a compiled bundle, in headless Chromium, driven instant by
// instant. Tests and benchmarks open one per screen on a shared browser; the snapshot command
// opens one, draws one instant and closes it.

export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
}

export interface LaunchOptions {
  /** Defaults to $CHROMIUM_PATH, then Debian's /usr/bin/chromium. */
  readonly executablePath?: string;
  /** More Chromium switches, for comparisons (the render bench's --chromium-args). */
  readonly extraArgs?: readonly string[];
}

/**
 * Chromium with no flag that disables GPU emulation: that is what gives pixi a WebGL context
 * (SwiftShader) on machines without a GPU. Some flags (--disable-gpu and friends) silently
 * drop it to pixi's canvas renderer, which the tests would catch.
 */
export function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: options.executablePath ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--hide-scrollbars', '--mute-audio', '--disable-background-timer-throttling', ...(options.extraArgs ?? [])],
  });
}

export interface ScreenInfo {
  readonly id: string;
  readonly kind: 'lcd' | 'led';
  readonly width: number;
  readonly height: number;
}

export interface RendererSession {
  readonly screen: ScreenInfo;
  readonly manifest: BundleManifest;
  readonly rendererName: string;
  readonly page: Page;
  /** Draws the instant and waits until it is on the canvas. */
  render(atMs: number): Promise<FrameInfo>;
  /** PNG bytes of the canvas, exactly the screen's size; draws `atMs` first when given. */
  screenshot(atMs?: number): Promise<Buffer>;
  report(): Promise<RendererReport>;
  probeText(request: TextProbeRequest): Promise<TextProbe>;
  cachedLayerKeys(): Promise<string[]>;
  /** Page errors and console errors seen so far, for diagnosing a failed render. */
  pageErrors(): readonly string[];
  close(): Promise<void>;
}

export interface OpenSessionOptions {
  /** A compiler output directory (OUT with screens/ and blobs/). */
  readonly bundleDir: string;
  readonly screenId: string;
  /** When given, the bundle must verify against this station key before anything is drawn. */
  readonly stationKey?: KeyObject;
  /** Reuse a browser across sessions; otherwise the session launches and closes its own. */
  readonly browser?: Browser;
  readonly launch?: LaunchOptions;
  /** How long the page may take to load fonts, bundle and first layers. */
  readonly timeoutMs?: number;
  /** Apply the schedule's brightness as a panel without its own dimming would (dimmer.ts). */
  readonly dimmed?: boolean;
}

// Callbacks given to page.evaluate run inside the page (Playwright sends their source), so
// they reach its globals through globalThis and may not call functions of this module.
type Globals = RendererPageGlobals & { signageRenderer: SignageRendererHandle };

async function knownScreens(bundleDir: string): Promise<string[]> {
  try {
    return (await readdir(join(bundleDir, 'screens'), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

async function readManifest(bundleDir: string, screenId: string): Promise<BundleManifest> {
  const screens = await knownScreens(bundleDir);
  if (screens.length === 0) throw new SnapshotError(`${bundleDir} is not a compiler output directory: it has no screens/ folder (run "signage compile --out DIR" first)`);
  if (!screens.includes(screenId)) throw new SnapshotError(`unknown screen "${screenId}"; ${bundleDir} has: ${screens.join(', ')}`);
  const path = join(bundleDir, 'screens', screenId, 'manifest.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new SnapshotError(`cannot read ${path}: ${(error as Error).message}`);
  }
  const parsed = bundleManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SnapshotError(`${path}: field ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export async function openRendererSession(options: OpenSessionOptions): Promise<RendererSession> {
  // The screen is looked up first, so a typo gets the list of screens rather than a
  // verification failure about a missing manifest.
  let manifest = await readManifest(options.bundleDir, options.screenId);
  if (options.stationKey) {
    manifest = (await verifyBundleDirectory({ outDir: options.bundleDir, screenId: options.screenId, publicKey: options.stationKey })).manifest;
  }
  const { width, height, kind, id } = manifest.screen;
  const rendererDir = await buildRenderer();

  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
  };
  try {
    const server: BundleServer = await serveBundle({ rendererDir, bundleDir: options.bundleDir });
    cleanups.push(() => server.close());
    const browser = options.browser ?? (await launchBrowser(options.launch));
    if (!options.browser) cleanups.push(() => browser.close());
    const context: BrowserContext = await browser.newContext({
      viewport: { width, height },
      deviceScaleFactor: 1,
      timezoneId: 'Asia/Ho_Chi_Minh',
      locale: 'vi-VN',
    });
    cleanups.push(() => context.close());
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console error: ${message.text()}`);
    });
    const query = new URLSearchParams({ bundle: `/bundle/screens/${id}/`, manual: '1', ...(options.dimmed ? { dim: '1' } : {}) });
    await page.goto(`${server.url}index.html?${query}`);
    const timeout = options.timeoutMs ?? 30_000;
    try {
      await page.waitForFunction(() => (globalThis as unknown as RendererPageGlobals).signageRenderer !== undefined || (globalThis as unknown as RendererPageGlobals).signageRendererError !== undefined, undefined, { timeout });
    } catch {
      throw new SnapshotError(`the renderer page did not start within ${timeout} ms${errors.length ? `: ${errors.join('; ')}` : ''}`);
    }
    const startError = await page.evaluate(() => (globalThis as unknown as RendererPageGlobals).signageRendererError);
    if (startError !== undefined) throw new SnapshotError(`the renderer page failed to start: ${startError}`);
    const rendererName = await page.evaluate(() => (globalThis as unknown as Globals).signageRenderer.rendererName);

    const render = (atMs: number) => page.evaluate((at) => (globalThis as unknown as Globals).signageRenderer.render(at), atMs);
    return {
      screen: { id, kind, width, height },
      manifest,
      rendererName,
      page,
      render,
      async screenshot(atMs) {
        if (atMs !== undefined) await render(atMs);
        return page.screenshot({ type: 'png', clip: { x: 0, y: 0, width, height }, animations: 'disabled', caret: 'hide' });
      },
      report: () => page.evaluate(() => (globalThis as unknown as Globals).signageRenderer.report()),
      probeText: (probe) => page.evaluate((o) => (globalThis as unknown as Globals).signageRenderer.probeText(o), probe),
      cachedLayerKeys: () => page.evaluate(() => (globalThis as unknown as Globals).signageRenderer.cachedLayerKeys()),
      pageErrors: () => [...errors],
      close: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
