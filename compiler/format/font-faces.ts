// The one typeface every screen uses, described once for the compiler (which measures text
// with these files) and the renderer (which registers them as FontFaces). Keeping both sides
// on this table is what makes compile-time fitting match what the panel draws.

export const FONT_FAMILY = 'Be Vietnam Pro';

/** Weights the layouts may use; each has a woff2 file per subset in assets/fonts. */
export const FONT_WEIGHTS = [400, 600, 700, 800] as const;
export type FontWeight = (typeof FONT_WEIGHTS)[number];

/** Vertical metrics of Be Vietnam Pro, in em (units per em 1000, ascent 1000, descent 265). */
export const FONT_ASCENT_EM = 1.0;
export const FONT_DESCENT_EM = 0.265;

/**
 * Ink extents of Be Vietnam Pro's letters, in em: the highest ink top above the baseline and
 * the deepest ink bottom below it (as a positive number). Measured with FontMeasurer's
 * glyphExtents over every Vietnamese letter, upper and lower case (the 134 precomposed ones
 * such as Ẳ, ự, đ, and the 52 plain ASCII letters), at weights 400, 600, 700 and 800, then
 * rounded up to 3 decimals. Both extremes are reached at 800: the top by Ẳ (1.199 em at 400),
 * the bottom by the dot below (Ạ, Ậ, Ự, ạ, ỵ …; 0.227 em at 400), which reaches lower than the
 * descenders of g, p, y (0.195–0.213 em). text-fit.test.ts re-measures them from the font files.
 */
export const FONT_INK_TOP_EM = 1.231;
export const FONT_INK_BOTTOM_EM = 0.253;

export type FontSubset = 'vietnamese' | 'latin' | 'latin-ext';

/**
 * unicode-range of each @fontsource subset file. A character is drawn with the first subset in
 * FONT_SUBSET_PRIORITY whose range covers it; the renderer registers the faces so that the
 * browser resolves overlaps (U+0304, U+0308, U+0329, U+1EF2–1EF9, U+20AB) the same way.
 */
export const FONT_SUBSET_RANGES: Record<FontSubset, string> = {
  vietnamese:
    'U+0102-0103,U+0110-0111,U+0128-0129,U+0168-0169,U+01A0-01A1,U+01AF-01B0,U+0300-0301,U+0303-0304,U+0308-0309,U+0323,U+0329,U+1EA0-1EF9,U+20AB',
  'latin-ext':
    'U+0100-02BA,U+02BD-02C5,U+02C7-02CC,U+02CE-02D7,U+02DD-02FF,U+0304,U+0308,U+0329,U+1D00-1DBF,U+1E00-1E9F,U+1EF2-1EFF,U+2020,U+20A0-20AB,U+20AD-20C0,U+2113,U+2C60-2C7F,U+A720-A7FF',
  latin:
    'U+0000-00FF,U+0131,U+0152-0153,U+02BB-02BC,U+02C6,U+02DA,U+02DC,U+0304,U+0308,U+0329,U+2000-206F,U+20AC,U+2122,U+2191,U+2193,U+2212,U+2215,U+FEFF,U+FFFD',
};

export const FONT_SUBSET_PRIORITY: readonly FontSubset[] = ['vietnamese', 'latin', 'latin-ext'];

/** File name of one subset at one weight, relative to assets/fonts. */
export function fontFileName(subset: FontSubset, weight: FontWeight): string {
  return `be-vietnam-pro-${subset}-${weight}-normal.woff2`;
}

export interface CodePointRange {
  readonly from: number;
  readonly to: number;
}

/** Parses a CSS unicode-range value ("U+0102-0103,U+0323") into inclusive ranges. */
export function parseUnicodeRange(value: string): CodePointRange[] {
  return value.split(',').map((part) => {
    const [from, to] = part.trim().replace(/^U\+/i, '').split('-');
    const start = Number.parseInt(from ?? '', 16);
    return { from: start, to: to === undefined ? start : Number.parseInt(to, 16) };
  });
}

const parsedRanges = new Map<FontSubset, CodePointRange[]>(
  FONT_SUBSET_PRIORITY.map((subset) => [subset, parseUnicodeRange(FONT_SUBSET_RANGES[subset])]),
);

/** The subset file that draws this code point, or undefined when no file has it. */
export function subsetForCodePoint(codePoint: number): FontSubset | undefined {
  for (const subset of FONT_SUBSET_PRIORITY) {
    const ranges = parsedRanges.get(subset) ?? [];
    if (ranges.some((r) => codePoint >= r.from && codePoint <= r.to)) return subset;
  }
  return undefined;
}
