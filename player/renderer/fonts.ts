import { CanvasTextMetrics } from 'pixi.js';
import {
  FONT_FAMILY,
  FONT_SUBSET_PRIORITY,
  FONT_SUBSET_RANGES,
  FONT_WEIGHTS,
  fontFileName,
  type FontSubset,
  type FontWeight,
} from '../../compiler/format/font-faces.ts';
import type { FontReport } from './render-report.ts';

// Registers Be Vietnam Pro from the project's own woff2 copies (never a system or network
// font, so every panel draws the same glyphs the compiler measured) and proves by measuring
// that the browser really uses them.

/**
 * pixi sizes a Text's canvas from the ink of this string: its default ('|ÉqÅ') is shorter
 * than Vietnamese stacked marks (Ẫ Ổ Ữ) above and the dot below (Ậ Ự ỵ) under, which then get
 * cut off at large sizes. These letters reach the font's extremes (see FONT_INK_TOP_EM).
 */
export const TALL_METRICS_STRING = '|ÉqÅẪỖỮỹẲẶẬỰỵgjpy';

export function configureTextMetrics(): void {
  CanvasTextMetrics.METRICS_STRING = TALL_METRICS_STRING;
  CanvasTextMetrics.clearMetrics();
}

/** A canvas `font` value for the board's face, the way pixi builds it for a Text. */
export function fontCss(weight: FontWeight, sizePx: number, family: string = FONT_FAMILY): string {
  return `normal normal ${weight} ${sizePx}px "${family}"`;
}

/**
 * The browser checks faces of one family whose unicode-ranges overlap in reverse order of
 * addition (CSS Fonts 4, "the last rule defined is the first to be checked"). Adding them in
 * reverse FONT_SUBSET_PRIORITY makes the first-priority subset win each overlapping code point
 * (U+0304, U+0308, U+0329, U+1EF2–1EF9, U+20AB), as the compiler's measurer assumes.
 */
export function registrationOrder(): FontSubset[] {
  return [...FONT_SUBSET_PRIORITY].reverse();
}

/** One probe string per subset: each face must draw its own range, not a fallback. */
const PROBES: Record<FontSubset, string> = {
  latin: 'Hamburgefonstiv 0123456789',
  vietnamese: 'ẪỖỮỹđơưĂẠỰ',
  'latin-ext': 'ĀŁŒŠŽĦŦ',
};

export interface FontLoadOptions {
  /** URL of the folder holding the woff2 files (with a trailing slash). */
  readonly baseUrl: string;
  readonly fontSet?: FontFaceSet;
}

/**
 * Loads all twelve faces and waits for every one before returning: text created earlier would
 * be rasterised with a fallback and never redrawn. Never throws; a face that fails is reported.
 */
export async function loadFonts(options: FontLoadOptions): Promise<FontReport> {
  configureTextMetrics();
  const fontSet = options.fontSet ?? document.fonts;
  const problems: string[] = [];
  const faces: FontFace[] = [];
  for (const weight of FONT_WEIGHTS) {
    for (const subset of registrationOrder()) {
      const url = new URL(fontFileName(subset, weight), options.baseUrl).href;
      const face = new FontFace(FONT_FAMILY, `url("${url}") format("woff2")`, {
        weight: String(weight),
        style: 'normal',
        unicodeRange: FONT_SUBSET_RANGES[subset],
        display: 'block',
      });
      faces.push(face);
      fontSet.add(face);
    }
  }
  const results = await Promise.allSettled(faces.map((face) => face.load()));
  results.forEach((result, i) => {
    if (result.status === 'rejected') problems.push(`font face ${i} failed to load: ${String(result.reason)}`);
  });
  await fontSet.ready;
  // Font metrics measured before the faces arrived (fallback ascent) must not be reused.
  CanvasTextMetrics.clearMetrics();
  problems.push(...verifyFontsByMeasuring());
  return { verified: problems.length === 0, faces: faces.length, problems };
}

/**
 * document.fonts.check() answers true even for a family that does not exist, so the proof is
 * a measurement: text set in "Be Vietnam Pro, serif" and "Be Vietnam Pro, monospace" has the
 * same width only when our face draws every character (a fallback would follow the generic
 * family), and must differ from the generic families alone. Each weight must also differ from
 * the regular one, or the browser is faking bold from the 400 face.
 */
export function verifyFontsByMeasuring(): string[] {
  const context = new OffscreenCanvas(8, 8).getContext('2d');
  if (!context) return ['no 2D canvas context to measure fonts with'];
  const measure = (font: string, text: string): number => {
    context.font = font;
    return context.measureText(text).width;
  };
  const problems: string[] = [];
  const size = 40;
  for (const weight of FONT_WEIGHTS) {
    for (const subset of FONT_SUBSET_PRIORITY) {
      const text = PROBES[subset];
      const withSerif = measure(`${weight} ${size}px "${FONT_FAMILY}", serif`, text);
      const withMono = measure(`${weight} ${size}px "${FONT_FAMILY}", monospace`, text);
      const monoOnly = measure(`${weight} ${size}px monospace`, text);
      if (Math.abs(withSerif - withMono) > 0.01 || Math.abs(withMono - monoOnly) < 0.01) {
        problems.push(`${FONT_FAMILY} ${weight} does not draw its ${subset} probe "${text}" (a fallback face is used)`);
      }
    }
    if (weight !== 400) {
      const regular = measure(`400 ${size}px "${FONT_FAMILY}"`, PROBES.latin);
      const heavy = measure(`${weight} ${size}px "${FONT_FAMILY}"`, PROBES.latin);
      if (Math.abs(regular - heavy) < 0.01) problems.push(`${FONT_FAMILY} ${weight} measures like 400: the weight is synthesised, not loaded`);
    }
  }
  return problems;
}
