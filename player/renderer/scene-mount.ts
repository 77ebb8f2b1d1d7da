import { Container, FillGradient, Graphics, Sprite, type FillInput, type Text, type Texture } from 'pixi.js';
import type { ClockNode, Fill, ImageNode, QrNode, RectNode, SceneNode, TextNode, TickerNode } from '../../compiler/format/scene.ts';
import {
  formatDateLong,
  formatDateShort,
  formatLunarDateLong,
  formatTime,
  formatTimeWithSeconds,
} from '../../compiler/format/vietnamese-date.ts';
import { parseColor } from './color.ts';
import type { FaultSink } from './render-report.ts';
import { createRunText, measureRun, runTextStyle, splitIntoPieces } from './text-run.ts';
import type { PixelRect } from './redraw-areas.ts';
import { layoutTicker, type TickerMeasures } from './ticker-layout.ts';

// Scene node → pixi display object. The renderer is a generic interpreter: it draws what the
// compiler placed, where it placed it, and never re-wraps or re-fits text. Clocks and tickers
// are the only nodes that change with time; everything about them is a function of the frame's
// instant, so the same instant always draws the same pixels.

export interface FrameTime {
  /** The instant being drawn (epoch ms). */
  readonly atMs: number;
  /** When the page being drawn started: the origin of 'page'-phase tickers. */
  readonly pageStartMs: number;
}

export interface MountedLayer {
  readonly view: Container;
  /**
   * Moves clocks and tickers to `time`. Returns the screen areas whose pixels may have changed
   * (where each changed node drew before and draws now, ink overhangs included); empty when
   * nothing visible changed. Coordinates are the layer's, which is the screen's while the
   * layer sits at the origin, as it does everywhere but inside a slide.
   */
  update(time: FrameTime): PixelRect[];
  destroy(): void;
}

export interface MountContext {
  /** Page id or "chrome.under" / "chrome.over", for fault reports. */
  readonly scope: string;
  /** Blob hash → texture; a hash absent here failed to load and its node is skipped. */
  readonly textures: ReadonlyMap<string, Texture>;
  readonly fault: FaultSink;
}

interface MountedNode {
  readonly view: Container;
  /** The areas that changed (see MountedLayer.update); empty when nothing did. */
  update?(time: FrameTime): PixelRect[];
  dispose?(): void;
}

/** The blobs a list of nodes draws, so a page can load them before it is built. */
export function blobsOf(nodes: readonly SceneNode[]): string[] {
  return [...new Set(nodes.filter((node): node is ImageNode => node.type === 'image').map((node) => node.blob))];
}

/** Builds every node in order (later nodes draw over earlier ones); a node that fails is skipped. */
export function mountLayer(nodes: readonly SceneNode[], context: MountContext): MountedLayer {
  const view = new Container();
  const mounted: MountedNode[] = [];
  for (const node of nodes) {
    let result: MountedNode | undefined;
    try {
      result = mountNode(node, context);
    } catch (error) {
      context.fault({ code: 'NODE_FAILED', scope: context.scope, nodeId: node.id, message: `${node.type} node could not be drawn: ${String(error)}` });
    }
    if (!result) continue;
    mounted.push(result);
    view.addChild(result.view);
  }
  const dynamic = mounted.filter((m) => m.update !== undefined);
  return {
    view,
    update(time) {
      const changed: PixelRect[] = [];
      for (const node of dynamic) {
        try {
          changed.push(...(node.update?.(time) ?? []));
        } catch (error) {
          context.fault({ code: 'NODE_FAILED', scope: context.scope, message: `a clock or ticker failed to update: ${String(error)}` });
          // Whatever it drew is unknown now: the whole layer is redrawn.
          changed.push({ x: 0, y: 0, w: Number.MAX_SAFE_INTEGER, h: Number.MAX_SAFE_INTEGER });
        }
      }
      return changed;
    },
    destroy() {
      for (const node of mounted) node.dispose?.();
      // Image textures belong to the BlobTextureStore and text styles are shared between pages:
      // only the display objects, each Text's canvas texture and each Graphics' context go
      // here. pixi destroys a Graphics' own context only when destroy() gets no options at all;
      // with options it must be asked (context: true), or every rectangle of every page shown
      // stays in pixi's context hash with its geometry for good.
      view.destroy({ children: true, context: true, texture: false, textureSource: false, style: false });
    },
  };
}

function mountNode(node: SceneNode, context: MountContext): MountedNode | undefined {
  switch (node.type) {
    case 'rect':
      return mountRect(node);
    case 'text':
      return mountText(node);
    case 'image':
      return mountImage(node, context);
    case 'clock':
      return mountClock(node);
    case 'ticker':
      return mountTicker(node);
    case 'qr':
      return mountQr(node, context);
  }
}

/**
 * Gradient end points for a CSS-like angle (0° = left → right, 90° = top → bottom), in the
 * box's 0–1 space: the gradient line passes through the centre and is long enough for its ends
 * to touch the box's corners, so the first and last colours land exactly on them.
 */
export function gradientEnds(w: number, h: number, angleDeg: number): { start: { x: number; y: number }; end: { x: number; y: number } } {
  const rad = (angleDeg * Math.PI) / 180;
  const dx = Math.cos(rad);
  const dy = Math.sin(rad);
  const half = (Math.abs(w * dx) + Math.abs(h * dy)) / 2;
  const cx = w / 2;
  const cy = h / 2;
  return {
    start: { x: (cx - dx * half) / w, y: (cy - dy * half) / h },
    end: { x: (cx + dx * half) / w, y: (cy + dy * half) / h },
  };
}

function fillStyle(fill: Fill, w: number, h: number): { style: FillInput; gradient?: FillGradient } {
  if (fill.kind === 'solid') {
    const color = parseColor(fill.color);
    return { style: { color: color.rgb, alpha: color.alpha } };
  }
  const { start, end } = gradientEnds(w, h, fill.angleDeg);
  const gradient = new FillGradient({
    type: 'linear',
    start,
    end,
    textureSpace: 'local',
    colorStops: [
      { offset: 0, color: fill.from },
      { offset: 1, color: fill.to },
    ],
  });
  return { style: gradient, gradient };
}

function mountRect(node: RectNode): MountedNode {
  const graphics = new Graphics();
  graphics.position.set(node.x, node.y);
  if (node.radius !== undefined && node.radius > 0) graphics.roundRect(0, 0, node.w, node.h, Math.min(node.radius, node.w / 2, node.h / 2));
  else graphics.rect(0, 0, node.w, node.h);
  const { style, gradient } = fillStyle(node.fill, node.w, node.h);
  graphics.fill(style);
  return { view: graphics, dispose: () => gradient?.destroy() };
}

function mountText(node: TextNode): MountedNode {
  const view = new Container();
  view.position.set(node.x, node.y);
  for (const line of node.lines) {
    for (const run of line.runs) {
      // A run of spaces has nothing to draw; its width is already in the next run's x.
      if (run.text.trim() === '') continue;
      const style = runTextStyle({ sizePx: node.sizePx, weight: run.weight, color: node.color });
      view.addChild(createRunText({ text: run.text, style, x: run.x, baseline: line.baseline }));
    }
  }
  return { view };
}

function mountImage(node: ImageNode, context: MountContext): MountedNode | undefined {
  const texture = context.textures.get(node.blob);
  // The store has already reported why (missing or undecodable); the rest of the page draws.
  if (!texture) return undefined;
  const sprite = new Sprite({ texture, roundPixels: true });
  sprite.position.set(node.x, node.y);
  // The compiler sizes images to their box; scaling only guards against a stale blob.
  sprite.width = node.w;
  sprite.height = node.h;
  return { view: sprite };
}

const CLOCK_FORMATTERS: Record<ClockNode['format'], (epochMs: number) => string> = {
  time: formatTime,
  'time-seconds': formatTimeWithSeconds,
  'date-short': formatDateShort,
  'date-long': formatDateLong,
  'lunar-long': formatLunarDateLong,
};

/**
 * Where a Text draws, in its layer: its box widened by the style's padding (its texture has
 * that margin on every side, and ink overhangs reach into it) and a pixel for rounding.
 */
function textArea(text: Text, parentX: number, parentY: number, padding: number): PixelRect {
  const left = Math.floor(parentX + text.x - padding - 1);
  const top = Math.floor(parentY + text.y - padding - 1);
  return { x: left, y: top, w: Math.ceil(parentX + text.x + text.width + padding + 1) - left, h: Math.ceil(parentY + text.y + text.height + padding + 1) - top };
}

function mountClock(node: ClockNode): MountedNode {
  const view = new Container();
  view.position.set(node.x, node.y);
  const style = runTextStyle({ sizePx: node.sizePx, weight: node.weight, color: node.color });
  const padding = style.padding;
  let shown: string | undefined;
  let text: Text | undefined;
  return {
    view,
    update(time) {
      const value = CLOCK_FORMATTERS[node.format](time.atMs);
      if (value === shown) return [];
      shown = value;
      const before = text ? textArea(text, node.x, node.y, padding) : undefined;
      const width = measureRun(value, style);
      const x = node.align === 'left' ? 0 : node.align === 'center' ? Math.round((node.w - width) / 2) : Math.round(node.w - width);
      if (!text) {
        text = createRunText({ text: value, style, x, baseline: node.baseline });
        view.addChild(text);
      } else {
        text.text = value;
        text.x = x;
      }
      const after = textArea(text, node.x, node.y, padding);
      return before ? [before, after] : [after];
    },
  };
}

/** A ticker: pixi Texts placed where layoutTicker says, clipped to the node's box. */
function mountTicker(node: TickerNode): MountedNode {
  const view = new Container();
  view.position.set(node.x, node.y);
  const mask = new Graphics().rect(0, 0, node.w, node.h).fill(0xffffff);
  view.addChild(mask);
  view.mask = mask;
  const strip = new Container();
  view.addChild(strip);
  const style = runTextStyle({ sizePx: node.sizePx, weight: node.weight, color: node.color });
  const measures: TickerMeasures = {
    pieces: node.items.map((item) => splitIntoPieces(item.text, style)),
    separatorWidth: node.separator.trim() === '' ? 0 : measureRun(node.separator, style),
  };
  // One Text per copy of each piece, made when it first scrolls into view and then reused:
  // pixi never rasterises the parts of a 12,000 px item that are off the band.
  const slots = new Map<string, Text>();
  let lastKey = '';
  return {
    view,
    update(time) {
      const layout = layoutTicker(node, measures, time.atMs, time.pageStartMs);
      const key = `${layout.activeItems.join(',')}|${layout.origins.join(',')}`;
      if (key === lastKey) return [];
      lastKey = key;
      const used = new Set<string>();
      for (const element of layout.elements) {
        let text = slots.get(element.key);
        if (!text) {
          text = createRunText({ text: element.text, style, x: 0, baseline: node.baseline });
          strip.addChild(text);
          slots.set(element.key, text);
        }
        text.x = element.x;
        used.add(element.key);
      }
      for (const [slotKey, text] of slots) text.visible = used.has(slotKey);
      // The mask keeps every piece inside the box.
      return [{ x: node.x, y: node.y, w: node.w, h: node.h }];
    },
  };
}

function mountQr(node: QrNode, context: MountContext): MountedNode | undefined {
  const rows = node.modules.length;
  const cols = Math.max(0, ...node.modules.map((row) => row.length));
  // The node's box includes the 4-module quiet zone on each side; modules stay whole pixels,
  // since a QR code blurred by resampling stops scanning.
  const modulePx = Math.floor(Math.min(node.w / (cols + 8), node.h / (rows + 8)));
  if (rows === 0 || modulePx < 1) {
    context.fault({ code: 'NODE_FAILED', scope: context.scope, nodeId: node.id, message: `QR code of ${cols}×${rows} modules does not fit ${node.w}×${node.h} px with its quiet zone` });
    return undefined;
  }
  const graphics = new Graphics();
  graphics.position.set(node.x, node.y);
  const light = parseColor(node.light);
  const dark = parseColor(node.dark);
  graphics.rect(0, 0, node.w, node.h).fill({ color: light.rgb, alpha: light.alpha });
  const ox = Math.floor((node.w - cols * modulePx) / 2);
  const oy = Math.floor((node.h - rows * modulePx) / 2);
  node.modules.forEach((row, r) => {
    // One rectangle per horizontal run of dark modules keeps the geometry small.
    for (const match of row.matchAll(/1+/g)) {
      graphics.rect(ox + (match.index ?? 0) * modulePx, oy + r * modulePx, match[0].length * modulePx, modulePx);
    }
  });
  graphics.fill({ color: dark.rgb, alpha: dark.alpha });
  return { view: graphics };
}

/** The smallest box holding every node, for clipping a sliding page to its content area. */
export function nodesBounds(nodes: readonly SceneNode[]): { x: number; y: number; w: number; h: number } | undefined {
  if (nodes.length === 0) return undefined;
  let left = Infinity;
  let top = Infinity;
  let right = -Infinity;
  let bottom = -Infinity;
  for (const node of nodes) {
    left = Math.min(left, node.x);
    top = Math.min(top, node.y);
    right = Math.max(right, node.x + node.w);
    bottom = Math.max(bottom, node.y + node.h);
  }
  return { x: left, y: top, w: right - left, h: bottom - top };
}
