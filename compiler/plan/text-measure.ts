import type { FontWeight } from '../format/font-faces.ts';

/**
 * Measures text as the renderer will draw it. Planning code receives one of these as an
 * argument (the implementation in compiler/io reads the real font files), so fitting stays
 * pure and tests can rely on the real metrics without touching the file system themselves.
 */
export interface TextMeasurer {
  /** Advance width in pixels of `text` (one line, no wrapping) at `weight` and `sizePx`. */
  width(text: string, weight: FontWeight, sizePx: number): number;
  /** Code points of `text` that no font file can draw (they would render as fallback boxes). */
  missingGlyphs(text: string): string[];
}
