import { CanvasTextMetrics, Text, TextStyle, fontStringFromTextStyle } from 'pixi.js';
import { FONT_FAMILY, type FontWeight } from '../../compiler/format/font-faces.ts';
import { parseColor } from './color.ts';

// One run of text as pixi draws it: a Text whose baseline sits exactly where the compiler put
// it. pixi's Text has its origin at the top of the ink box measured from METRICS_STRING, so the
// baseline is `ascent` below the origin; placing the origin at baseline − ascent puts the
// glyphs where the compiler measured them, whatever the font's metrics.

export interface RunStyle {
  readonly sizePx: number;
  readonly weight: FontWeight;
  readonly color: string;
}

/**
 * Widest text one Text may hold. A Text is one texture, and software GL (SwiftShader) refuses
 * textures over 8192 px; pixi also rounds text textures up to a power of two. Ticker items on
 * a one-line LED sign run to 12,000 px, so long strings are cut into pieces at spaces.
 */
export const MAX_TEXT_PIECE_PX = 2048;

const styles = new Map<string, TextStyle>();

/** Styles are shared by every run of the same look, so pixi can share their textures too. */
export function runTextStyle(style: RunStyle): TextStyle {
  const key = `${style.weight}|${style.sizePx}|${style.color}`;
  let found = styles.get(key);
  if (!found) {
    const color = parseColor(style.color);
    found = new TextStyle({
      fontFamily: FONT_FAMILY,
      fontSize: style.sizePx,
      fontWeight: String(style.weight) as TextStyle['fontWeight'],
      fill: { color: color.rgb, alpha: color.alpha },
      // Room for ink outside the advance box (overhangs of y, j, f and of stacked marks at
      // heavy weights), which a tight canvas would cut off. It does not move the glyphs.
      padding: Math.ceil(style.sizePx * 0.25),
      wordWrap: false,
      trim: false,
    });
    styles.set(key, found);
  }
  return found;
}

const ascents = new WeakMap<TextStyle, number>();

/** Ascent pixi uses for the style: the baseline's distance below a Text's origin. */
export function baselineOffset(style: TextStyle): number {
  let ascent = ascents.get(style);
  if (ascent === undefined) {
    ascent = CanvasTextMetrics.measureText(' ', style).fontProperties.ascent;
    ascents.set(style, ascent);
  }
  return ascent;
}

let measuringContext: OffscreenCanvasRenderingContext2D | null | undefined;

/**
 * Advance width of `text` in this style, from the same canvas text engine pixi draws with.
 * Not CanvasTextMetrics.measureText().width: that is the Text's box, widened to the ink's
 * overhang (the tilde of ĩ, the hook of ư), while the compiler places runs by advance.
 */
export function measureRun(text: string, style: TextStyle): number {
  if (text === '') return 0;
  measuringContext ??= new OffscreenCanvas(4, 4).getContext('2d');
  if (!measuringContext) return CanvasTextMetrics.measureText(text, style).width;
  measuringContext.font = fontStringFromTextStyle(style);
  return measuringContext.measureText(text).width;
}

/**
 * Chromium keeps, per 2D canvas, the shaped form of every string the canvas has measured, and
 * lets go of old entries only when the canvas moves to a new animation frame, which a canvas
 * that only measures never does (its cache is cut only past 32,768 strings per font). Both
 * measuring canvases, this file's and pixi's (CanvasTextMetrics), would so keep every clock
 * minute, date and page text the screen has ever shown (the soak's heap snapshots: ~1.2 kB of
 * native memory per string, two canvases). Dropping them when a page leaves the screen lets
 * that go; the next measurement makes a fresh canvas, and measures exactly as before.
 */
export function renewMeasuringCanvases(): void {
  measuringContext = undefined;
  // pixi's lazily made canvas and context (8.x internals): made again on first use.
  const metrics = CanvasTextMetrics as unknown as { __canvas?: unknown; __context?: unknown };
  if (metrics.__canvas) metrics.__canvas = undefined;
  if (metrics.__context) metrics.__context = undefined;
}

/** A Text whose first glyph starts at x and whose baseline is at `baseline` (parent coordinates). */
export function createRunText(options: { text: string; style: TextStyle; x: number; baseline: number }): Text {
  const text = new Text({ text: options.text, style: options.style, roundPixels: true });
  text.x = options.x;
  text.y = options.baseline - baselineOffset(options.style);
  return text;
}

export interface TextPiece {
  readonly text: string;
  /** Offset of the piece's first glyph from the start of the whole string. */
  readonly x: number;
  readonly width: number;
}

/**
 * Cuts `text` into pieces no wider than maxWidth, at spaces where possible (inside a word
 * only when one word is wider than the limit). Each piece's offset is the browser's width of
 * everything before it, so the pieces line up as one string would.
 */
export function splitIntoPieces(text: string, style: TextStyle, maxWidth: number = MAX_TEXT_PIECE_PX): TextPiece[] {
  const whole = measureRun(text, style);
  if (whole <= maxWidth) return [{ text, x: 0, width: whole }];
  const words = text.split(/(?<= )/u); // keep each space with the word before it
  const units = words.flatMap((word) => (measureRun(word, style) > maxWidth ? [...word] : [word]));
  const pieces: TextPiece[] = [];
  let current = '';
  let consumed = '';
  for (const unit of units) {
    if (current !== '' && measureRun(current + unit, style) > maxWidth) {
      pieces.push({ text: current, x: measureRun(consumed, style), width: measureRun(current, style) });
      consumed += current;
      current = '';
    }
    current += unit;
  }
  if (current !== '') pieces.push({ text: current, x: measureRun(consumed, style), width: measureRun(current, style) });
  return pieces;
}
