import { Container, RenderTexture, type Renderer } from 'pixi.js';
import { FONT_FAMILY } from '../../compiler/format/font-faces.ts';
import { fontCss } from './fonts.ts';
import type { InkBox, TextProbe, TextProbeRequest } from './page-api.ts';
import { createRunText, measureRun, runTextStyle } from './text-run.ts';

// A diagnostic for tests: draws one string through the renderer's own text path (the same
// createRunText the scene uses) and compares its ink with the browser's unclipped canvas
// drawing of the same string, and with a family that does not exist (the fallback). Clipped
// stacked marks show as ink that stops short of the reference; a fallback face as widths and
// ink that match the missing family's.

const MISSING_FAMILY = 'Signage Deliberately Missing Family';
const ALPHA_THRESHOLD = 8;

function inkBox(pixels: Uint8ClampedArray | Uint8Array, width: number, height: number, originX: number, baseline: number): InkBox | null {
  let left = Infinity;
  let top = Infinity;
  let right = -Infinity;
  let bottom = -Infinity;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      if ((pixels[(y * width + x) * 4 + 3] ?? 0) <= ALPHA_THRESHOLD) continue;
      left = Math.min(left, x);
      right = Math.max(right, x + 1);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y + 1);
    }
  }
  if (left === Infinity) return null;
  return { left: left - originX, top: top - baseline, right: right - originX, bottom: bottom - baseline };
}

function canvasInk(font: string, text: string, width: number, height: number, originX: number, baseline: number): InkBox | null {
  const context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  if (!context) return null;
  context.font = font;
  context.textBaseline = 'alphabetic';
  context.fillStyle = '#ffffff';
  context.fillText(text, originX, baseline);
  return inkBox(context.getImageData(0, 0, width, height).data, width, height, originX, baseline);
}

export function probeText(renderer: Renderer, options: TextProbeRequest): TextProbe {
  const { text, sizePx, weight } = options;
  const style = runTextStyle({ sizePx, weight, color: '#ffffff' });
  const width = measureRun(text, style);
  // Generous room on every side: the point is to see whether the Text itself cuts ink off.
  const margin = Math.ceil(sizePx * 1.5);
  const canvasWidth = Math.ceil(width) + 2 * margin;
  const canvasHeight = Math.ceil(sizePx * 2) + 2 * margin;
  const originX = margin;
  const baseline = margin + Math.ceil(sizePx * 1.3);

  const root = new Container();
  root.addChild(createRunText({ text, style, x: originX, baseline }));
  const target = RenderTexture.create({ width: canvasWidth, height: canvasHeight, resolution: 1 });
  renderer.render({ container: root, target, clearColor: [0, 0, 0, 0] });
  const extracted = renderer.extract.pixels({ target });
  const drawn = inkBox(extracted.pixels, extracted.width, extracted.height, originX, baseline);
  root.destroy({ children: true, style: false });
  target.destroy(true);

  const fallbackFont = fontCss(weight, sizePx, MISSING_FAMILY);
  const measuring = new OffscreenCanvas(4, 4).getContext('2d');
  let fallbackWidth = Number.NaN;
  if (measuring) {
    measuring.font = fallbackFont;
    fallbackWidth = measuring.measureText(text).width;
  }
  return {
    text,
    sizePx,
    weight,
    width,
    fallbackWidth,
    drawn,
    reference: canvasInk(fontCss(weight, sizePx, FONT_FAMILY), text, canvasWidth, canvasHeight, originX, baseline),
    fallback: canvasInk(fallbackFont, text, canvasWidth, canvasHeight, originX, baseline),
  };
}
