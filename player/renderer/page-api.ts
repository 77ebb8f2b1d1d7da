import type { FontWeight } from '../../compiler/format/font-faces.ts';
import type { ScreenMode } from '../../compiler/format/resolve-active.ts';
import type { RendererReport } from './render-report.ts';

// The contract between the renderer page and whoever drives it (tests, the snapshot command,
// the player core): plain data types only, no DOM and no pixi, so Node code can import them
// without pulling browser types into its program.

export interface FrameInfo {
  readonly atMs: number;
  readonly mode: ScreenMode | 'unloaded';
  readonly pageId: string | null;
  readonly transition?: { readonly kind: 'fade' | 'slide'; readonly progress: number; readonly fromPageId: string | null };
  /** False when a later render() call took over before this one's pages were ready. */
  readonly drawn: boolean;
  /** The schedule's brightness at this instant (0 when the screen is off); see dimmer.ts. */
  readonly brightnessPercent: number;
}

/** Ink bounds relative to the pen position: x from the start of the text, y from the baseline (down positive). */
export interface InkBox {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

export interface TextProbe {
  readonly text: string;
  readonly sizePx: number;
  readonly weight: FontWeight;
  /** Advance width of the run in Be Vietnam Pro, as pixi measures it for drawing. */
  readonly width: number;
  /** Advance width in a family that does not exist, i.e. the browser's fallback. */
  readonly fallbackWidth: number;
  /** Ink as pixi drew it (null: nothing drawn). */
  readonly drawn: InkBox | null;
  /** Ink of the same text drawn on a plain, roomy 2D canvas. */
  readonly reference: InkBox | null;
  readonly fallback: InkBox | null;
}

export interface TextProbeRequest {
  readonly text: string;
  readonly sizePx: number;
  readonly weight: FontWeight;
}

/** What the renderer holds at one moment, for leak tests and the soak benchmark. */
export interface ResourceCounts {
  /** Page layers built (chrome layers included). */
  readonly layers: number;
  /** Pictures decoded and uploaded (or loading). */
  readonly blobTextures: number;
  /**
   * pixi's per-object records by pixi's name for them (graphicsContext, canvasText, glTexture,
   * …, and textTextures): live entries and slots, live plus emptied but not yet compacted.
   */
  readonly pixi: Readonly<Record<string, { readonly live: number; readonly slots: number }>>;
  /**
   * pixi's bounded caches (textMeasurements: CanvasTextMetrics' LRU): entries held and the most
   * they will hold. They grow until full whatever the renderer does (see pixi-caches.ts).
   */
  readonly pixiCaches: Readonly<Record<string, { readonly size: number; readonly max: number }>>;
}

/** How the renderer's frames so far were drawn. */
export interface DrawCounts {
  /** Drawn whole: a new page or bundle, a transition, or changes too large to draw apart. */
  readonly full: number;
  /** Only the areas clocks and tickers changed were redrawn, the rest kept from the last frame. */
  readonly areas: number;
  /** Nothing on screen changed: no GPU work at all. */
  readonly unchanged: number;
}

/** A bundle handed to the page as an object instead of URLs. */
export interface InjectedBundle {
  readonly manifest: unknown;
  readonly schedule: unknown;
  /** Folder URL of the blobs; relative URLs resolve against the page. */
  readonly blobsUrl?: string;
}

/** What the page exposes as window.signageRenderer once it has started. */
export interface SignageRendererHandle {
  render(atMs: number): Promise<FrameInfo>;
  report(): RendererReport;
  /** 'webgl' normally; anything else means WebGL was unavailable. */
  readonly rendererName: string;
  /** Switches to another bundle (the player core's hot swap). */
  load(bundle: InjectedBundle): Promise<void>;
  /** Draws one string through the scene's text path and measures its ink (see text-probe.ts). */
  probeText(request: TextProbeRequest): TextProbe;
  /** Keys of the page layers alive in the page cache (chrome layers included). */
  cachedLayerKeys(): string[];
  /** Layers, picture textures and pixi's per-object records alive now. */
  resourceCounts(): ResourceCounts;
  /** How the frames so far were drawn (whole, by changed areas, or not at all). */
  drawCounts(): DrawCounts;
}

/** The page's globals, typed for code that reaches them through globalThis (Playwright's evaluate). */
export interface RendererPageGlobals {
  signageRenderer?: SignageRendererHandle;
  /** Set instead of signageRenderer when the page cannot start, with the reason. */
  signageRendererError?: string;
  /** A bundle set before the page script runs, instead of ?bundle=. */
  signageBundle?: InjectedBundle;
}
