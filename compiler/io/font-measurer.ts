import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import * as fontkit from 'fontkit';
import {
  FONT_SUBSET_PRIORITY,
  FONT_SUBSET_RANGES,
  FONT_WEIGHTS,
  fontFileName,
  parseUnicodeRange,
  type CodePointRange,
  type FontSubset,
  type FontWeight,
} from '../format/font-faces.ts';
import type { TextMeasurer } from '../plan/text-measure.ts';

/** Ink extents of a string in em: yMaxEm above the baseline (positive up), yMinEm below (negative). */
export interface GlyphExtents {
  yMaxEm: number;
  yMinEm: number;
}

export interface FontMeasurer extends TextMeasurer {
  /** Vertical ink extents of `text`, for checking that stacked marks stay inside a line box. */
  glyphExtents(text: string, weight: FontWeight): GlyphExtents;
}

const DEFAULT_FONT_DIR = fileURLToPath(new URL('../../assets/fonts/', import.meta.url));

// Fitting asks for the same words at every candidate size; a few hundred thousand entries
// covers every syllable and line of a large compile. Clearing (rather than LRU bookkeeping)
// keeps the hot path a single Map lookup, and only matters in a long-running process.
const MAX_CACHE_ENTRIES = 200_000;

const COMBINING_MARK = /\p{M}/u;

interface Cluster {
  text: string;
  subset: FontSubset;
}

/**
 * Opens the @fontsource subset files and measures text the way the browser draws it with the
 * faces registered per unicode-range: every character cluster is drawn by the first subset (in
 * FONT_SUBSET_PRIORITY) whose range covers its base character and whose file really has that
 * glyph, and kerning applies only within a run drawn by one file.
 */
export async function loadFontMeasurer(fontDir: string = DEFAULT_FONT_DIR): Promise<FontMeasurer> {
  const fonts = new Map<string, fontkit.Font>();
  await Promise.all(
    FONT_WEIGHTS.flatMap((weight) =>
      FONT_SUBSET_PRIORITY.map(async (subset) => {
        const bytes = await readFile(join(fontDir, fontFileName(subset, weight)));
        const opened = fontkit.create(bytes);
        if (!('unitsPerEm' in opened)) throw new Error(`${fontFileName(subset, weight)} is a font collection`);
        fonts.set(fontKey(subset, weight), opened);
      }),
    ),
  );
  const fontFor = (subset: FontSubset, weight: FontWeight): fontkit.Font => {
    const font = fonts.get(fontKey(subset, weight));
    if (font === undefined) throw new Error(`font ${subset} ${weight} not loaded`);
    return font;
  };

  const ranges = new Map<FontSubset, CodePointRange[]>(
    FONT_SUBSET_PRIORITY.map((subset) => [subset, parseUnicodeRange(FONT_SUBSET_RANGES[subset])]),
  );
  const covering = (codePoint: number): FontSubset[] =>
    FONT_SUBSET_PRIORITY.filter((subset) =>
      (ranges.get(subset) ?? []).some((r) => codePoint >= r.from && codePoint <= r.to),
    );

  // Every weight is cut into the same subsets, so coverage is decided once, with the regular
  // files. A face whose range covers a character but whose file lacks it is skipped, as the
  // browser does before it falls back to another family.
  const subsetCache = new Map<number, FontSubset | undefined>();
  const drawingSubset = (codePoint: number): FontSubset | undefined => {
    if (subsetCache.has(codePoint)) return subsetCache.get(codePoint);
    const found = covering(codePoint).find((subset) =>
      fontFor(subset, 400).hasGlyphForCodePoint(codePoint),
    );
    subsetCache.set(codePoint, found);
    return found;
  };

  // NFC first: the pipeline stores and renders NFC, and NFD marks such as U+0302/U+0306 are in
  // no subset's range, so measuring the decomposed form would not match what is drawn.
  const clusters = (text: string): Cluster[] => {
    const out: Cluster[] = [];
    for (const char of text.normalize('NFC')) {
      const last = out[out.length - 1];
      if (last !== undefined && COMBINING_MARK.test(char)) {
        last.text += char;
        continue;
      }
      // Characters nobody can draw are measured with latin's .notdef; missingGlyphs reports them.
      out.push({ text: char, subset: drawingSubset(char.codePointAt(0) ?? 0) ?? 'latin' });
    }
    return out;
  };

  const runs = (text: string): Cluster[] => {
    const out: Cluster[] = [];
    for (const cluster of clusters(text)) {
      const last = out[out.length - 1];
      if (last !== undefined && last.subset === cluster.subset) last.text += cluster.text;
      else out.push({ ...cluster });
    }
    return out;
  };

  const widthCache = new Map<FontWeight, Map<string, number>>(FONT_WEIGHTS.map((w) => [w, new Map()]));
  let cachedEntries = 0;

  const widthEm = (text: string, weight: FontWeight): number => {
    const cache = widthCache.get(weight);
    const hit = cache?.get(text);
    if (hit !== undefined) return hit;
    let total = 0;
    for (const run of runs(text)) {
      const font = fontFor(run.subset, weight);
      total += font.layout(run.text).advanceWidth / font.unitsPerEm;
    }
    if (cachedEntries >= MAX_CACHE_ENTRIES) {
      for (const map of widthCache.values()) map.clear();
      cachedEntries = 0;
    }
    cache?.set(text, total);
    cachedEntries += 1;
    return total;
  };

  return {
    width(text: string, weight: FontWeight, sizePx: number): number {
      return widthEm(text, weight) * sizePx;
    },

    missingGlyphs(text: string): string[] {
      const missing: string[] = [];
      for (const char of text.normalize('NFC')) {
        const codePoint = char.codePointAt(0) ?? 0;
        // Line breaks and tabs never reach a drawn run: the layout turns them into breaks.
        if (codePoint === 0x0a || codePoint === 0x0d || codePoint === 0x09) continue;
        if (drawingSubset(codePoint) === undefined && !missing.includes(char)) missing.push(char);
      }
      return missing;
    },

    glyphExtents(text: string, weight: FontWeight): GlyphExtents {
      let yMax = Number.NEGATIVE_INFINITY;
      let yMin = Number.POSITIVE_INFINITY;
      for (const run of runs(text)) {
        const font = fontFor(run.subset, weight);
        const laid = font.layout(run.text);
        laid.glyphs.forEach((glyph, i) => {
          const box = glyph.bbox;
          // Blank glyphs (space) have an empty, infinite box.
          if (!Number.isFinite(box.maxY) || !Number.isFinite(box.minY)) return;
          const yOffset = laid.positions[i]?.yOffset ?? 0;
          yMax = Math.max(yMax, (box.maxY + yOffset) / font.unitsPerEm);
          yMin = Math.min(yMin, (box.minY + yOffset) / font.unitsPerEm);
        });
      }
      if (!Number.isFinite(yMax)) return { yMaxEm: 0, yMinEm: 0 };
      return { yMaxEm: yMax, yMinEm: yMin };
    },
  };
}

function fontKey(subset: FontSubset, weight: FontWeight): string {
  return `${subset}/${weight}`;
}
