import { Application, Container, Graphics, RenderTexture, Sprite, type WebGLRenderer } from 'pixi.js';
import type { BundleManifest } from '../../compiler/format/bundle-manifest.ts';
import type { Schedule } from '../../compiler/format/schedule.ts';
import type { Page } from '../../compiler/format/scene.ts';
import { BlobTextureStore, type BlobFetcher } from './blob-textures.ts';
import { parseColor } from './color.ts';
import { loadFonts } from './fonts.ts';
import { FramePlanner, sourceKey, type FramePlan, type FrameSource } from './frame-plan.ts';
import { checkOverflow } from './overflow-check.ts';
import { PageCache, type LayerSpec } from './page-cache.ts';
import { compactPixiBookkeeping, countPixiResources } from './pixi-bookkeeping.ts';
import { pixiCacheFill } from './pixi-caches.ts';
import { FaultLog, type FontReport, type OverflowReport, type RendererReport } from './render-report.ts';
import { mountLayer, nodesBounds, type FrameTime, type MountedLayer } from './scene-mount.ts';
import { redrawAreas, type PixelRect } from './redraw-areas.ts';
import type { DrawCounts, FrameInfo, ResourceCounts, TextProbe, TextProbeRequest } from './page-api.ts';
import { probeText } from './text-probe.ts';
import { renewMeasuringCanvases } from './text-run.ts';

// The renderer draws one instant of a bundle: render(atMs) is its only notion of time, so the
// live loop (atMs = the clock), snapshots and tests (atMs = a chosen instant) all draw through
// the same code and the same instant always gives the same pixels.

export type { FrameInfo } from './page-api.ts';

export interface LoadedBundle {
  readonly manifest: BundleManifest;
  readonly schedule: Schedule;
  readonly fetchBlob: BlobFetcher;
}

export interface RendererOptions {
  readonly width: number;
  readonly height: number;
  /** Folder URL of the woff2 files, with a trailing slash. */
  readonly fontsBaseUrl: string;
  readonly canvas?: HTMLCanvasElement;
  /**
   * Multisampling. Off by default: the scene is axis-aligned rectangles and text on whole
   * pixels, so it only softens the few rounded corners, and on software GL (SwiftShader, the
   * boards without a GPU) it cost ~35 ms of a 1080p frame.
   */
  readonly antialias?: boolean;
  /**
   * Textures one batch may sample. pixi uses the GPU's maximum (16–32), whose shader branches
   * per texture; on SwiftShader that shader dominated the frame (1080p with a ticker: ~300 ms
   * a frame at 32, ~70 ms at 4 with antialias off). A real GPU barely notices either way.
   */
  readonly maxBatchableTextures?: number;
}

interface BundleState {
  readonly manifest: BundleManifest;
  readonly planner: FramePlanner;
  readonly store: BlobTextureStore;
  readonly cache: PageCache;
  readonly under: MountedLayer;
  readonly over: MountedLayer;
  readonly overflow: OverflowReport;
  readonly background: number;
}

const DEFAULT_MAX_BATCHABLE_TEXTURES = 4;
const CHROME_UNDER = 'chrome.under';
const CHROME_OVER = 'chrome.over';

/** Slides ease in and out: a linear slide looks like it jerks at both ends. */
function easeInOut(t: number): number {
  const c = Math.min(1, Math.max(0, t));
  return c * c * (3 - 2 * c);
}

export class SignageRenderer {
  private state: BundleState | undefined;
  private readonly faults = new FaultLog();
  private readonly screenRoot = new Container();
  private readonly offscreenRoot = new Container();
  private readonly transitionSprite = new Sprite();
  private readonly slideShift = new Container();
  private readonly slideClip = new Container();
  private readonly slideMask = new Graphics();
  private transitionTarget: RenderTexture | undefined;
  private readonly warmTarget = RenderTexture.create({ width: 1, height: 1 });
  private lastComposition = '';
  /**
   * True while the canvas holds a still frame (no transition) of lastComposition, drawn whole
   * or brought up to date area by area: only then may the next frame redraw just the areas
   * its clocks and tickers changed.
   */
  private canvasHoldsStill = false;
  private readonly drawCounts = { full: 0, areas: 0, unchanged: 0 };
  private requestSeq = 0;

  private constructor(
    private readonly app: Application,
    private readonly fonts: FontReport,
  ) {
    this.slideClip.addChild(this.slideMask);
    this.slideClip.mask = this.slideMask;
  }

  /** Loads every font face first: text created before the faces arrive would keep a fallback. */
  static async create(options: RendererOptions): Promise<SignageRenderer> {
    const fonts = await loadFonts({ baseUrl: options.fontsBaseUrl });
    const app = new Application();
    await app.init({
      width: options.width,
      height: options.height,
      resolution: 1,
      autoDensity: false,
      antialias: options.antialias ?? false,
      preference: 'webgl',
      background: 0x000000,
      autoStart: false,
      sharedTicker: false,
      // Whole-pixel placement keeps text and images sharp instead of resampled half a pixel off.
      roundPixels: true,
      // Page layers' lifetimes are managed by PageCache; pixi's own collector would drop the
      // pre-rasterised text of a page due in more than a minute.
      gcActive: false,
      // The canvas keeps its pixels between frames, so a frame in which only a ticker moved
      // redraws the ticker's band and not the screen (see drawChangedAreas). On software GL a
      // 1080p frame drawn whole costs the GPU process far more than keeping the buffer does.
      preserveDrawingBuffer: true,
      ...(options.canvas ? { canvas: options.canvas } : {}),
    });
    // Batchers and their shaders are made on first use, so lowering the limit now applies to all.
    const limits = app.renderer.limits as { maxBatchableTextures: number };
    limits.maxBatchableTextures = Math.max(1, Math.min(options.maxBatchableTextures ?? DEFAULT_MAX_BATCHABLE_TEXTURES, limits.maxBatchableTextures));
    const renderer = new SignageRenderer(app, fonts);
    for (const problem of fonts.problems) renderer.faults.add({ code: 'FONT_NOT_VERIFIED', message: problem });
    return renderer;
  }

  /** 'webgl' normally; 'canvas' or 'webgpu' only if the browser lacks WebGL. */
  get name(): string {
    return this.app.renderer.name;
  }

  get canvas(): HTMLCanvasElement {
    return this.app.canvas;
  }

  /**
   * Makes `bundle` current once its frame (chrome) is built; the previous bundle keeps drawing
   * until then, and is freed after.
   */
  async load(bundle: LoadedBundle): Promise<void> {
    const { manifest } = bundle;
    this.faults.clear();
    for (const problem of this.fonts.problems) this.faults.add({ code: 'FONT_NOT_VERIFIED', message: problem });
    const fault = (f: Parameters<FaultLog['add']>[0]) => this.faults.add(f);
    const store = new BlobTextureStore(bundle.fetchBlob, fault);
    const cache = new PageCache(store, fault);
    const [under, over] = await Promise.all([
      cache.prepare({ key: CHROME_UNDER, scope: CHROME_UNDER, nodes: manifest.chrome.under }),
      cache.prepare({ key: CHROME_OVER, scope: CHROME_OVER, nodes: manifest.chrome.over }),
    ]);
    // A chrome layer that failed to build (already reported) is drawn as nothing; the pages still play.
    const empty = () => mountLayer([], { scope: 'chrome', textures: new Map(), fault });
    const previous = this.state;
    this.state = {
      manifest,
      planner: new FramePlanner(manifest, bundle.schedule),
      store,
      cache,
      under: under ?? empty(),
      over: over ?? empty(),
      overflow: checkOverflow(manifest),
      background: parseColor(manifest.screen.background).rgb,
    };
    const { width, height } = manifest.screen;
    if (this.app.renderer.width !== width || this.app.renderer.height !== height) {
      this.app.renderer.resize(width, height);
      this.app.canvas.style.width = `${width}px`;
      this.app.canvas.style.height = `${height}px`;
      this.transitionTarget?.destroy(true);
      this.transitionTarget = undefined;
    }
    this.lastComposition = '';
    this.canvasHoldsStill = false;
    if (previous) {
      this.screenRoot.removeChildren();
      this.offscreenRoot.removeChildren();
      this.slideShift.removeChildren();
      this.slideClip.removeChildren();
      this.slideClip.addChild(this.slideMask);
      previous.cache.destroy();
      previous.store.destroy();
    }
  }

  /**
   * Draws the instant `atMs`. When the pages it needs are built this happens before returning
   * and the promise is already settled; otherwise the screen keeps its last frame (never a
   * blank one) and the promise settles once the pages are ready and the frame is drawn.
   */
  render(atMs: number): Promise<FrameInfo> {
    const state = this.state;
    if (!state) return Promise.resolve({ atMs, mode: 'unloaded', pageId: null, drawn: false, brightnessPercent: 100 });
    const seq = ++this.requestSeq;
    const plan = state.planner.plan(atMs);
    for (const pageId of plan.missingPageIds) {
      this.faults.add({ code: 'PAGE_MISSING', scope: pageId, message: `the schedule plays page ${pageId}, which the bundle does not contain; the background is shown instead` });
    }
    const needed = this.neededSpecs(plan);
    if (plan.next.kind === 'page') void state.cache.prepare(this.pageSpec(plan.next.page));
    if (needed.every((spec) => state.cache.get(spec.key))) return Promise.resolve(this.draw(state, plan));
    return Promise.all(needed.map((spec) => state.cache.prepare(spec))).then(() => {
      // A newer call (the live loop's next frame) or a new bundle takes over; this frame is stale.
      if (seq !== this.requestSeq || state !== this.state) return this.info(plan, false);
      // A layer that could not be built at all has been reported and draws as nothing.
      return this.draw(state, plan);
    });
  }

  report(): RendererReport {
    const overflow = this.state?.overflow ?? { overflow: [], drift: [], runsChecked: 0 };
    return { rendererName: this.name, fonts: this.fonts, faults: this.faults.all(), ...overflow };
  }

  /** Draws one string through the scene's text path and measures its ink (see text-probe.ts). */
  probeText(options: TextProbeRequest): TextProbe {
    return probeText(this.app.renderer, options);
  }

  /** Page layers alive in the cache, for tests of the cache's bounds. */
  cachedLayers(): string[] {
    return this.state?.cache.keys() ?? [];
  }

  /** How the frames so far were drawn: whole, area by area, or not at all (nothing changed). */
  frameCounts(): DrawCounts {
    return { ...this.drawCounts };
  }

  /** What the renderer holds now: page layers, picture textures and pixi's per-object records. */
  resourceCounts(): ResourceCounts {
    return {
      layers: this.state?.cache.keys().length ?? 0,
      blobTextures: this.state?.store.size ?? 0,
      pixi: countPixiResources(this.app.renderer),
      pixiCaches: pixiCacheFill(),
    };
  }

  destroy(): void {
    this.state?.cache.destroy();
    this.state?.store.destroy();
    this.state = undefined;
    this.transitionTarget?.destroy(true);
    this.warmTarget.destroy(true);
    this.app.destroy({ removeView: false }, { children: true });
  }

  private pageSpec(page: Page): LayerSpec {
    return { key: page.id, scope: page.id, nodes: page.nodes };
  }

  private neededSpecs(plan: FramePlan): LayerSpec[] {
    const sources = [plan.current, ...(plan.transition ? [plan.transition.from] : [])];
    return sources.flatMap((source) => (source.kind === 'page' ? [this.pageSpec(source.page)] : []));
  }

  private info(plan: FramePlan, drawn: boolean): FrameInfo {
    const pageId = (source: FrameSource) => (source.kind === 'page' ? source.page.id : null);
    return {
      atMs: plan.atMs,
      mode: plan.mode,
      pageId: pageId(plan.current),
      ...(plan.transition
        ? { transition: { kind: plan.transition.kind, progress: plan.transition.progress, fromPageId: pageId(plan.transition.from) } }
        : {}),
      drawn,
      brightnessPercent: plan.brightnessPercent,
    };
  }

  private draw(state: BundleState, plan: FramePlan): FrameInfo {
    const transition = plan.transition;
    const composition = `${sourceKey(plan.current)}|${transition ? `${transition.kind}:${sourceKey(transition.from)}` : ''}`;
    if (!transition) {
      const changedAreas = this.updateSource(state, plan.current, plan.atMs);
      if (composition !== this.lastComposition || !this.canvasHoldsStill) {
        this.drawWhole(state, plan.current);
      } else if (changedAreas.length > 0) {
        this.drawChangedAreas(state, plan.current, changedAreas);
      } else {
        this.drawCounts.unchanged += 1;
      }
      this.canvasHoldsStill = true;
    } else {
      this.canvasHoldsStill = false;
      this.drawCounts.full += 1;
      if (transition.kind === 'fade') this.drawFade(state, plan, transition.from, transition.progress);
      else this.drawSlide(state, plan, transition.from, easeInOut(transition.progress));
    }
    this.lastComposition = composition;

    const keep = new Set([CHROME_UNDER, CHROME_OVER]);
    for (const spec of this.neededSpecs(plan)) keep.add(spec.key);
    if (plan.next.kind === 'page') keep.add(plan.next.page.id);
    // Pages leave the cache one at a time, as the playlist moves on: that is when pixi's
    // bookkeeping of their objects has emptied slots to drop (see pixi-bookkeeping.ts).
    if (state.cache.retain(keep) > 0) {
      compactPixiBookkeeping(this.app.renderer);
      renewMeasuringCanvases();
    }
    this.warmOne(state, plan);
    return this.info(plan, true);
  }

  private drawWhole(state: BundleState, source: FrameSource): void {
    setChildren(this.screenRoot, this.views(state, source));
    this.app.renderer.render({ container: this.screenRoot, clearColor: this.clearColor(state, source) });
    this.drawCounts.full += 1;
  }

  /**
   * Redraws only where clocks and tickers changed: the whole scene, in its usual order, drawn
   * with the GPU's scissor limited to each area (cleared first, as a whole frame is), so each
   * area gets exactly the pixels a whole frame would give it and the rest of the canvas keeps
   * the previous frame's, which are still right there. pixi's WebGL renderer never uses the
   * scissor itself. A ticker frame at 1080p thus fills a 1730×84 band instead of 1920×1080.
   */
  private drawChangedAreas(state: BundleState, source: FrameSource, changed: readonly PixelRect[]): void {
    const { width, height } = state.manifest.screen;
    const areas = redrawAreas(changed, { width, height });
    const gl = this.app.renderer.name === 'webgl' ? (this.app.renderer as WebGLRenderer).gl : undefined;
    if (!gl || areas === 'whole') {
      this.drawWhole(state, source);
      return;
    }
    setChildren(this.screenRoot, this.views(state, source));
    const clearColor = this.clearColor(state, source);
    gl.enable(gl.SCISSOR_TEST);
    try {
      for (const area of areas) {
        // GL's window coordinates start at the bottom-left corner.
        gl.scissor(area.x, height - area.y - area.h, area.w, area.h);
        this.app.renderer.render({ container: this.screenRoot, clearColor });
      }
    } finally {
      gl.disable(gl.SCISSOR_TEST);
    }
    this.drawCounts.areas += 1;
  }

  /** Updates a source's clocks and tickers (and the chrome's, if it shows them) to the instant; returns what changed. */
  private updateSource(state: BundleState, source: FrameSource, atMs: number): PixelRect[] {
    if (source.kind !== 'page') return [];
    const time: FrameTime = { atMs, pageStartMs: source.startedAtMs };
    const changed = [...(state.cache.get(source.page.id)?.update(time) ?? [])];
    if (source.page.showChrome) changed.push(...state.under.update(time), ...state.over.update(time));
    return changed;
  }

  private views(state: BundleState, source: FrameSource): Container[] {
    if (source.kind !== 'page') return [];
    const content = state.cache.get(source.page.id)?.view;
    const views: Container[] = [];
    if (source.page.showChrome) views.push(state.under.view);
    if (content) views.push(content);
    if (source.page.showChrome) views.push(state.over.view);
    return views;
  }

  private clearColor(state: BundleState, source: FrameSource): number {
    return source.kind === 'black' ? 0x000000 : state.background;
  }

  private target(state: BundleState): RenderTexture {
    if (!this.transitionTarget) {
      this.transitionTarget = RenderTexture.create({ width: state.manifest.screen.width, height: state.manifest.screen.height, resolution: 1 });
    }
    return this.transitionTarget;
  }

  /** Draws `source`'s whole frame into the offscreen target, for a transition to blend or move. */
  private drawOffscreen(state: BundleState, source: FrameSource, atMs: number): RenderTexture {
    const target = this.target(state);
    this.updateSource(state, source, atMs);
    setChildren(this.offscreenRoot, this.views(state, source));
    this.app.renderer.render({ container: this.offscreenRoot, target, clearColor: this.clearColor(state, source) });
    // The chrome layers are shared: take them back before the on-screen pass uses them.
    this.offscreenRoot.removeChildren();
    return target;
  }

  /**
   * A cross-fade of whole frames: the incoming frame is drawn offscreen, then over the outgoing
   * one with alpha = progress. Blending two opaque frames is exact, where fading page content
   * alone would let the chrome's background show through mid-way.
   */
  private drawFade(state: BundleState, plan: FramePlan, from: FrameSource, progress: number): void {
    this.transitionSprite.texture = this.drawOffscreen(state, plan.current, plan.atMs);
    this.transitionSprite.alpha = progress;
    this.transitionSprite.position.set(0, 0);
    this.updateSource(state, from, plan.atMs);
    setChildren(this.screenRoot, [...this.views(state, from), this.transitionSprite]);
    this.app.renderer.render({ container: this.screenRoot, clearColor: this.clearColor(state, from) });
  }

  /**
   * The incoming page pushes the outgoing one to the left. Between two pages that both show the
   * chrome, only the content moves, clipped to the area the two pages' nodes cover, and the
   * header, clock and ticker stay put; otherwise whole frames move.
   */
  private drawSlide(state: BundleState, plan: FramePlan, from: FrameSource, eased: number): void {
    const width = state.manifest.screen.width;
    const shift = Math.round(eased * width);
    const current = plan.current;
    if (current.kind === 'page' && from.kind === 'page' && current.page.showChrome && from.page.showChrome) {
      this.updateSource(state, from, plan.atMs);
      this.updateSource(state, current, plan.atMs);
      const fromView = state.cache.get(from.page.id)?.view;
      const currentView = state.cache.get(current.page.id)?.view;
      const bounds = nodesBounds([...from.page.nodes, ...current.page.nodes]) ?? { x: 0, y: 0, w: width, h: state.manifest.screen.height };
      this.slideMask.clear().rect(bounds.x, bounds.y, bounds.w, bounds.h).fill(0xffffff);
      const moving = [fromView, currentView].filter((v): v is Container => v !== undefined);
      if (fromView) fromView.x = -shift;
      if (currentView) currentView.x = width - shift;
      setChildren(this.slideClip, [this.slideMask, ...moving]);
      setChildren(this.screenRoot, [state.under.view, this.slideClip, state.over.view]);
      this.app.renderer.render({ container: this.screenRoot, clearColor: state.background });
      // Page layers are positioned at the origin everywhere else.
      if (fromView) fromView.x = 0;
      if (currentView) currentView.x = 0;
      return;
    }
    this.transitionSprite.texture = this.drawOffscreen(state, current, plan.atMs);
    this.transitionSprite.alpha = 1;
    this.transitionSprite.position.set(width - shift, 0);
    this.updateSource(state, from, plan.atMs);
    this.slideShift.x = -shift;
    setChildren(this.slideShift, this.views(state, from));
    setChildren(this.screenRoot, [this.slideShift, this.transitionSprite]);
    this.app.renderer.render({ container: this.screenRoot, clearColor: this.clearColor(state, from) });
  }

  /**
   * Draws one prepared-but-unseen layer (the next page) into a 1×1 target: pixi rasterises and
   * uploads text and images the first time it draws them, so doing it now moves that cost off
   * the frame where the page appears.
   */
  private warmOne(state: BundleState, plan: FramePlan): void {
    const displayed = new Set(this.neededSpecs(plan).map((spec) => spec.key));
    for (const { key, layer } of state.cache.unwarmed()) {
      state.cache.markWarmed(key);
      if (displayed.has(key) || key === CHROME_UNDER || key === CHROME_OVER) continue;
      const nextStart = plan.next.kind === 'page' && plan.next.page.id === key ? plan.next.startedAtMs : plan.nextAtMs;
      layer.update({ atMs: plan.nextAtMs, pageStartMs: nextStart });
      this.app.renderer.render({ container: layer.view, target: this.warmTarget, clear: true });
      return;
    }
  }
}

/** Replaces a container's children only when they differ, so pixi keeps its built instructions. */
function setChildren(parent: Container, children: readonly Container[]): void {
  const current = parent.children;
  if (current.length === children.length && current.every((child, i) => child === children[i])) return;
  parent.removeChildren();
  if (children.length > 0) parent.addChild(...children);
}
