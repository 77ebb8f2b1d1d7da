import { FONT_INK_BOTTOM_EM, FONT_INK_TOP_EM, type FontWeight } from '../../compiler/format/font-faces.ts';
import type { TextNode } from '../../compiler/format/scene.ts';
import type { TextBlock } from '../../compiler/plan/markdown-subset.ts';
import { baselineOffsetPx, fitText } from '../../compiler/plan/text-fit.ts';
import type { TextMeasurer } from '../../compiler/plan/text-measure.ts';

// Bridges the text fitter and the scene: layouts describe a box and its text, and get back
// one text node per page with every line already placed, so the renderer never wraps.

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface FitNodesOptions {
  readonly id: string;
  readonly box: Box;
  readonly blocks: readonly TextBlock[];
  readonly weight: FontWeight;
  readonly boldWeight?: FontWeight;
  readonly minSizePx: number;
  readonly maxSizePx: number;
  readonly lineHeight: number;
  readonly color: string;
  readonly align?: 'left' | 'center';
  readonly paginate: boolean;
  readonly paginateSizePx?: number;
  readonly maxLines?: number;
  /**
   * For titles: once the size is chosen, narrow the lines as far as possible without adding
   * one, so a two-line title splits evenly instead of leaving one word on its second line.
   */
  readonly balance?: boolean;
  readonly measurer: TextMeasurer;
}

export type FitNodesResult =
  | { ok: true; pages: TextNode[]; sizePx: number; lineHeightPx: number; usedHeights: number[] }
  | { ok: false; code: string; message: string; word?: string };

function runFit(options: FitNodesOptions, width: number, sizes?: { min: number; max: number }) {
  return fitText({
    blocks: options.blocks.map((b) => ({ ...b, runs: b.runs.map((r) => ({ ...r })) })),
    box: { width, height: options.box.h },
    weight: options.weight,
    boldWeight: options.boldWeight ?? 700,
    minSizePx: sizes?.min ?? options.minSizePx,
    maxSizePx: sizes?.max ?? Math.max(options.minSizePx, options.maxSizePx),
    lineHeight: options.lineHeight,
    align: options.align ?? 'left',
    paginate: options.paginate,
    measurer: options.measurer,
    ...(options.paginateSizePx !== undefined ? { paginateSizePx: options.paginateSizePx } : {}),
    ...(options.maxLines !== undefined ? { maxLines: options.maxLines } : {}),
  });
}

export function fitTextNodes(options: FitNodesOptions): FitNodesResult {
  let result = runFit(options, options.box.w);
  if (!result.ok) return { ok: false, code: result.code, message: result.message, ...(result.word ? { word: result.word } : {}) };
  let shiftX = 0;
  const lineCount = result.pages[0]?.lines.length ?? 0;
  if (options.balance && result.pages.length === 1 && lineCount > 1) {
    // Narrowest whole-pixel width that keeps the same size and number of lines.
    const size = result.sizePx;
    let low = Math.floor(options.box.w / lineCount);
    let high = options.box.w;
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      const trial = runFit(options, mid, { min: size, max: size });
      if (trial.ok && trial.pages.length === 1 && trial.pages[0]!.lines.length === lineCount) high = mid;
      else low = mid + 1;
    }
    const balanced = runFit(options, high, { min: size, max: size });
    if (balanced.ok && high < options.box.w) {
      result = balanced;
      if ((options.align ?? 'left') === 'center') shiftX = Math.floor((options.box.w - high) / 2);
    }
  }
  const fitted = result;
  const pages = fitted.pages.map(
    (page, i): TextNode => ({
      type: 'text',
      id: fitted.pages.length > 1 ? `${options.id}-${i + 1}` : options.id,
      x: options.box.x,
      y: options.box.y,
      w: options.box.w,
      h: options.box.h,
      sizePx: fitted.sizePx,
      lineHeightPx: fitted.lineHeightPx,
      color: options.color,
      lines: page.lines.map((line) => ({
        top: line.top,
        baseline: line.baseline,
        width: line.width,
        runs: line.runs.map((run) => ({ text: run.text, weight: run.weight, x: run.x + shiftX, width: run.width })),
      })),
    }),
  );
  return { ok: true, pages, sizePx: fitted.sizePx, lineHeightPx: fitted.lineHeightPx, usedHeights: fitted.pages.map((p) => p.height) };
}

/**
 * Baseline of one line of `sizePx` text vertically centred in a band `height` tall: the same
 * rule as fitted text (the font's ink span centred, see baselineOffsetPx).
 */
export function centredBaseline(height: number, sizePx: number): number {
  return baselineOffsetPx(sizePx, height);
}

/**
 * One line of text at the largest size in [minSizePx, maxSizePx] that fits `box.w`, or
 * undefined when it cannot fit even at minSizePx. For labels, headers and badges.
 */
export function labelNode(options: {
  id: string;
  box: Box;
  text: string;
  weight: FontWeight;
  minSizePx: number;
  maxSizePx: number;
  color: string;
  align?: 'left' | 'center' | 'right';
  measurer: TextMeasurer;
}): TextNode | undefined {
  const { measurer, text, weight, box } = options;
  const unit = measurer.width(text, weight, 1);
  const byWidth = unit > 0 ? Math.floor(box.w / unit) : options.maxSizePx;
  // The whole ink span (stacked marks above, dot below) must fit the band.
  const byHeight = Math.floor(box.h / (FONT_INK_TOP_EM + FONT_INK_BOTTOM_EM));
  let size = Math.min(options.maxSizePx, byWidth, byHeight);
  while (size >= options.minSizePx && measurer.width(text, weight, size) > box.w) size -= 1;
  if (size < options.minSizePx) return undefined;
  const width = measurer.width(text, weight, size);
  const align = options.align ?? 'left';
  const x = align === 'left' ? 0 : align === 'center' ? Math.round((box.w - width) / 2) : Math.floor(box.w - width);
  return {
    type: 'text',
    id: options.id,
    x: box.x,
    y: box.y,
    w: box.w,
    h: box.h,
    sizePx: size,
    lineHeightPx: box.h,
    color: options.color,
    lines: [{ top: 0, baseline: centredBaseline(box.h, size), width, runs: [{ text, weight, x, width }] }],
  };
}

/** A single paragraph block of plain text, the usual input for titles. */
export function plainBlocks(text: string, bold = false): TextBlock[] {
  return [{ kind: 'paragraph', runs: [{ text, bold }] }];
}
