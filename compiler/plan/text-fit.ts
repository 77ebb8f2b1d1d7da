import { FONT_INK_BOTTOM_EM, FONT_INK_TOP_EM, type FontWeight } from '../format/font-faces.ts';
import type { TextBlock, TextRun } from './markdown-subset.ts';
import { nonBreakingGaps } from './line-break-joins.ts';
import { breakKindAfter, pageCost, type PageCandidate } from './page-breaks.ts';
import type { TextMeasurer } from './text-measure.ts';

// The text model is the notice body's (paragraphs, list items, bold runs): fitting takes what
// the Markdown subset produces, with no conversion in between.
export type { TextBlock, TextRun };

// Compile-time text fitting: breaks notice text into lines for one box at one screen's exact
// pixel size and picks the font size, so the renderer only draws the lines it is given.
//
// Widths: each word is measured once (at 1 px, i.e. in em) and scaled, and a line's width is
// the sum of its words and spaces. That equals measuring the whole line because Be Vietnam Pro
// has no kerning pairs with the space glyph and no ligatures across it (font-measurer.test.ts
// checks this), and it is what makes fitting 500 notices cheap.


export interface FitOptions {
  blocks: TextBlock[];
  box: { width: number; height: number };
  /** Weight of regular runs (and of list markers). */
  weight: FontWeight;
  /** Weight of bold runs. */
  boldWeight: FontWeight;
  minSizePx: number;
  maxSizePx: number;
  /** Multiple of the font size; use STACKED_CAPITALS_LINE_HEIGHT where capitals with two marks occur. */
  lineHeight: number;
  /** Extra space between blocks, in em; default 0.5. */
  blockGapEm?: number;
  align?: 'left' | 'center';
  /** At most this many lines per page (1 for a ticker or a single-line sign). */
  maxLines?: number;
  /** false: the text must fit one page or fitting fails. */
  paginate: boolean;
  /** Size used when the text cannot fit one page even at minSizePx; default minSizePx. */
  paginateSizePx?: number;
  measurer: TextMeasurer;
}

export interface PlacedRun {
  text: string;
  weight: FontWeight;
  /** Left edge relative to the box's left (an integer). */
  x: number;
  width: number;
}

export interface PlacedLine {
  /** Top of the line box relative to the box's top (an integer). */
  top: number;
  /** Baseline relative to the box's top (an integer), see baselineOffsetPx. */
  baseline: number;
  /** From the first run's left edge (the marker, on a list item's first line) to the last run's right edge. */
  width: number;
  runs: PlacedRun[];
}

export interface FittedPage {
  lines: PlacedLine[];
  /** Bottom of the last line box; never more than the box's height. */
  height: number;
}

export type FitResult =
  | { ok: true; sizePx: number; lineHeightPx: number; pages: FittedPage[] }
  | { ok: false; code: 'TEXT_WORD_TOO_WIDE' | 'TEXT_DOES_NOT_FIT'; word?: string; message: string };

/**
 * Smallest line height (multiple of the font size, to 0.01) at which every Vietnamese capital
 * with two stacked marks (Ấ … Ự) keeps its ink inside its line box under the baseline rule
 * below, at every weight. The rule centres the font's ink span, FONT_INK_TOP_EM +
 * FONT_INK_BOTTOM_EM = 1.231 + 0.253 = 1.484 em, and these capitals reach both ends of it at
 * weight 800 (Ẳ the top, Ậ Ặ Ệ Ộ Ợ Ự the bottom), so the line needs 1.484 em, rounded up to
 * 1.49. 1.3 is not enough: it leaves 1.139 em above the baseline and 0.161 em below.
 * text-fit.test.ts checks this against the font files, and that 1.48 is too little.
 */
export const STACKED_CAPITALS_LINE_HEIGHT = 1.49;

const DEFAULT_BLOCK_GAP_EM = 0.5;
/** Space between a list marker and its text, in em. */
const MARKER_GAP_EM = 0.4;
const BULLET = '•';
/** Spaces and line breaks separate words; U+00A0 deliberately does not, so "Ia Drăng" can be kept together. */
const WHITESPACE = /[ \t\r\n]+/;

export function lineHeightPx(sizePx: number, lineHeight: number): number {
  // Rounded up so the line box is never smaller than asked (stacked marks need all of it);
  // the epsilon keeps 10 × 1.3 = 13.000000000000002 at 13.
  return Math.ceil(sizePx * lineHeight - 1e-9);
}

/**
 * Baseline of a line below its top: the font's ink span (FONT_INK_TOP_EM above the baseline to
 * FONT_INK_BOTTOM_EM below it, i.e. the tallest stacked marks to the lowest dot below) is
 * centred in the line box, rounded to a whole pixel so glyphs land on the pixel grid. Centring
 * the ink rather than the ascent+descent box (CSS half-leading) is what lets stacked capitals
 * fit a line of 1.49 em instead of 1.73. A line shorter than 1.484 em leaves equal shortfalls
 * at the top and the bottom: at 1.3, 1.139 em above the baseline and 0.161 em below, so tall
 * stacked marks and the dot below / descenders (0.195–0.253 em) may leave the line box.
 */
export function baselineOffsetPx(sizePx: number, lineHeightPixels: number): number {
  const inkSpan = (FONT_INK_TOP_EM + FONT_INK_BOTTOM_EM) * sizePx;
  return Math.round((lineHeightPixels - inkSpan) / 2 + FONT_INK_TOP_EM * sizePx);
}

/**
 * Smallest font size worth showing on a screen, in pixels.
 * - LED: 24 px. Stacked Vietnamese marks need a glyph about 24–32 px tall for lowercase
 *   (DOMAIN.md: at P10 a 16 px line is illegible). The pitch does not change this: it sets
 *   the viewing distance, which scales the whole picture, while legibility of marks is a
 *   matter of how many LEDs draw them. So a P10 wall gets 24 px, like a P4 one.
 * - LCD: viewed from a few metres, text should be about 1/40 of the screen height
 *   (27 px on 1080 lines, 48 px on a 1920-tall portrait kiosk), and never under the same 24 px.
 */
export function minimumLegibleTextPx(screen: { kind: 'lcd' | 'led'; pitchMm?: number; height: number }): number {
  const floorPx = 24;
  if (screen.kind === 'led') return floorPx;
  return Math.max(floorPx, Math.ceil(screen.height / 40));
}

// ---------------------------------------------------------------------------------------------
// Preparation: words and their widths in em, measured once per fit.

interface Piece {
  text: string;
  weight: FontWeight;
  em: number;
}

interface Word {
  text: string;
  /** Parts of different weight inside one word ("**Ủy**ban"), never split across lines. */
  pieces: Piece[];
  /** The space before this word when it is not the first on its line. */
  gap: Piece;
  /** The line must not break before this word (line-break-joins.ts: "300 mm", "Dơ Ngol"). */
  glued: boolean;
}

interface PreparedBlock {
  marker?: Piece;
  words: Word[];
  /** The rest of a list item continued on a new page: at the item's indent, without its marker. */
  hanging?: boolean;
}

const indented = (block: PreparedBlock): boolean => block.marker !== undefined || block.hanging === true;

interface Prepared {
  blocks: PreparedBlock[];
  /** Hanging indent of list items, in em (0 without lists), shared so item texts line up. */
  indentEm: number;
}

function prepareBlocks(
  blocks: readonly TextBlock[],
  weight: FontWeight,
  boldWeight: FontWeight,
  measurer: TextMeasurer,
): Prepared {
  const piece = (text: string, w: FontWeight): Piece => ({ text, weight: w, em: measurer.width(text, w, 1) });
  let numberInList = 0;
  let indentEm = 0;
  const prepared = blocks.map((block): PreparedBlock => {
    numberInList = block.kind === 'numbered' ? (block.number ?? numberInList + 1) : 0;
    const words = tokenize(block.runs, weight, boldWeight, piece);
    if (block.kind === 'paragraph') return { words };
    const marker = piece(block.kind === 'bullet' ? BULLET : `${numberInList}.`, weight);
    indentEm = Math.max(indentEm, marker.em + MARKER_GAP_EM);
    return { marker, words };
  });
  return { blocks: prepared, indentEm };
}

function tokenize(
  runs: readonly TextRun[],
  weight: FontWeight,
  boldWeight: FontWeight,
  piece: (text: string, w: FontWeight) => Piece,
): Word[] {
  interface Raw {
    parts: { text: string; weight: FontWeight }[];
    gapWeight: FontWeight;
  }
  const raw: Raw[] = [];
  let current: Raw | undefined;
  let pendingGap: FontWeight | undefined;
  for (const run of runs) {
    const w = run.bold ? boldWeight : weight;
    // NFC: the renderer draws NFC (DOMAIN.md), so the runs we emit are NFC too.
    for (const part of run.text.normalize('NFC').split(/([ \t\r\n]+)/)) {
      if (part === '') continue;
      if (WHITESPACE.test(part)) {
        current = undefined;
        pendingGap ??= w;
        continue;
      }
      if (current === undefined) {
        current = { parts: [], gapWeight: pendingGap ?? w };
        pendingGap = undefined;
        raw.push(current);
      }
      const last = current.parts[current.parts.length - 1];
      if (last !== undefined && last.weight === w) last.text += part;
      else current.parts.push({ text: part, weight: w });
    }
  }
  const glued = nonBreakingGaps(raw.map((word) => word.parts.map((p) => p.text).join('')));
  return raw.map((word, i) => {
    const first = word.parts[0]?.weight ?? weight;
    const before = raw[i - 1]?.parts.at(-1)?.weight ?? first;
    // A space whose weight matches neither neighbour would become a run of its own; give it
    // the preceding word's weight instead (the width difference is nil in this font).
    const gapWeight = word.gapWeight === before || word.gapWeight === first ? word.gapWeight : before;
    return {
      text: word.parts.map((p) => p.text).join(''),
      pieces: word.parts.map((p) => piece(p.text, p.weight)),
      gap: piece(' ', gapWeight),
      glued: glued[i] === true,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Line building. Breaking and placing share one accumulator so that the width a break was
// decided on is exactly the width that gets placed (no float drift past the box edge).

interface LineState {
  /** Left of the run being built, relative to the line's content start (integer). */
  runX: number;
  runWidth: number;
  runWeight: FontWeight | undefined;
}

const emptyLine = (): LineState => ({ runX: 0, runWidth: 0, runWeight: undefined });

function appendPiece(state: LineState, p: Piece, sizePx: number, runs?: PlacedRun[]): void {
  const px = p.em * sizePx;
  if (state.runWeight === p.weight) {
    state.runWidth += px;
    const open = runs?.[runs.length - 1];
    if (open !== undefined) {
      open.text += p.text;
      open.width = state.runWidth;
    }
    return;
  }
  // A new run starts on a whole pixel: the renderer draws each run as its own text object.
  if (state.runWeight !== undefined) state.runX = Math.round(state.runX + state.runWidth);
  state.runWeight = p.weight;
  state.runWidth = px;
  runs?.push({ text: p.text, weight: p.weight, x: state.runX, width: px });
}

function appendWord(state: LineState, word: Word, withGap: boolean, sizePx: number, runs?: PlacedRun[]): void {
  if (withGap) appendPiece(state, word.gap, sizePx, runs);
  for (const p of word.pieces) appendPiece(state, p, sizePx, runs);
}

const lineWidth = (state: LineState): number => state.runX + state.runWidth;

type Breaks = { ok: true; starts: number[] } | { ok: false; word: string };

/**
 * Greedy first-fit breaking: index of the first word of every line. Words joined by
 * line-break-joins.ts ("300 mm", "ngày 22/11", "Dơ Ngol") go onto a line together; a group
 * wider than the whole line breaks between its words like any others, so the joins never
 * make text fail to fit. This is the hot loop of the size search, so it reuses two
 * LineStates instead of copying one per word; appendWord is the same arithmetic placing
 * uses, so the widths decided here are the widths placed.
 */
function breakWords(words: readonly Word[], availablePx: number, sizePx: number): Breaks {
  const starts: number[] = [];
  const line = emptyLine();
  const tried = emptyLine();
  for (let i = 0; i < words.length; ) {
    let end = i + 1;
    while (end < words.length && (words[end] as Word).glued) end += 1;
    if (starts.length > 0) {
      copyLine(line, tried);
      for (let j = i; j < end; j++) appendWord(tried, words[j] as Word, true, sizePx);
      if (lineWidth(tried) <= availablePx) {
        copyLine(tried, line);
        i = end;
        continue;
      }
    }
    resetLine(tried);
    for (let j = i; j < end; j++) appendWord(tried, words[j] as Word, j > i, sizePx);
    if (lineWidth(tried) <= availablePx) {
      copyLine(tried, line);
      starts.push(i);
      i = end;
      continue;
    }
    for (let j = i; j < end; j++) {
      const word = words[j] as Word;
      if (starts.length > 0) {
        copyLine(line, tried);
        appendWord(tried, word, true, sizePx);
        if (lineWidth(tried) <= availablePx) {
          copyLine(tried, line);
          continue;
        }
      }
      resetLine(line);
      appendWord(line, word, false, sizePx);
      if (lineWidth(line) > availablePx) return { ok: false, word: word.text };
      starts.push(j);
    }
    i = end;
  }
  avoidLoneLastWord(words, starts, availablePx, sizePx);
  return { ok: true, starts };
}

/**
 * A paragraph whose last line is one syllable ("xuyên.", "thuật.") reads as if a word had
 * fallen off, and in Vietnamese it usually is half of one ("thường | xuyên."). When the line
 * before can spare its last group and still keep two words, that group moves down. The line
 * count never changes, so neither does whether the text fits.
 */
function avoidLoneLastWord(words: readonly Word[], starts: number[], availablePx: number, sizePx: number): void {
  const n = starts.length;
  if (n < 2) return;
  const last = starts[n - 1] as number;
  const previous = starts[n - 2] as number;
  if (words.length - last !== 1 || (words[last] as Word).glued) return;
  let from = last - 1;
  while (from > previous && (words[from] as Word).glued) from -= 1;
  if (from - previous < 2) return;
  const state = emptyLine();
  for (let j = from; j < words.length; j++) appendWord(state, words[j] as Word, j > from, sizePx);
  if (lineWidth(state) <= availablePx) starts[n - 1] = from;
}

function copyLine(from: LineState, to: LineState): void {
  to.runX = from.runX;
  to.runWidth = from.runWidth;
  to.runWeight = from.runWeight;
}

function resetLine(state: LineState): void {
  state.runX = 0;
  state.runWidth = 0;
  state.runWeight = undefined;
}

export interface WrappedLine {
  /** Runs with x relative to the box's left; a list item's first line starts with its marker run. */
  runs: PlacedRun[];
  width: number;
}

export interface WrappedBlock {
  lines: WrappedLine[];
}

interface Geometry {
  boxWidth: number;
  sizePx: number;
  indentPx: number;
  align: 'left' | 'center';
}

function indentPx(prepared: Prepared, sizePx: number): number {
  return prepared.indentEm === 0 ? 0 : Math.ceil(prepared.indentEm * sizePx);
}

function availableWidth(block: PreparedBlock, g: Geometry): number {
  return g.boxWidth - (indented(block) ? g.indentPx : 0);
}

function placeBlock(block: PreparedBlock, starts: readonly number[], g: Geometry): WrappedBlock {
  const indent = indented(block) ? g.indentPx : 0;
  const available = g.boxWidth - indent;
  const lines = starts.map((start, lineIndex): WrappedLine => {
    const end = starts[lineIndex + 1] ?? block.words.length;
    const state = emptyLine();
    const runs: PlacedRun[] = [];
    for (let i = start; i < end; i++) appendWord(state, block.words[i] as Word, i > start, g.sizePx, runs);
    const contentWidth = lineWidth(state);
    // Rounding the centring offset keeps the margins within a pixel of each other and cannot
    // push the line past the edge: when less than a pixel is spare, the offset rounds to 0.
    const contentX = indent + (g.align === 'center' ? Math.round((available - contentWidth) / 2) : 0);
    for (const run of runs) run.x += contentX;
    if (lineIndex === 0 && block.marker !== undefined) {
      runs.unshift({
        text: block.marker.text,
        weight: block.marker.weight,
        x: contentX - indent,
        width: block.marker.em * g.sizePx,
      });
    }
    const left = runs[0]?.x ?? contentX;
    return { runs, width: contentX + contentWidth - left };
  });
  return { lines };
}

export interface WrapOptions {
  width: number;
  sizePx: number;
  weight: FontWeight;
  boldWeight: FontWeight;
  measurer: TextMeasurer;
  align?: 'left' | 'center';
}

export type WrapResult = { ok: true; blocks: WrappedBlock[] } | { ok: false; word: string };

/** Breaks blocks into lines at one size (the step fitText repeats); x positions are final, tops are not. */
export function wrapBlocks(blocks: readonly TextBlock[], options: WrapOptions): WrapResult {
  const prepared = prepareBlocks(blocks, options.weight, options.boldWeight, options.measurer);
  return wrapPrepared(prepared, geometry(prepared, options.width, options.sizePx, options.align ?? 'left'));
}

function geometry(prepared: Prepared, boxWidth: number, sizePx: number, align: 'left' | 'center'): Geometry {
  return { boxWidth, sizePx, indentPx: indentPx(prepared, sizePx), align };
}

function wrapPrepared(prepared: Prepared, g: Geometry): WrapResult {
  const out: WrappedBlock[] = [];
  for (const block of prepared.blocks) {
    const breaks = breakWords(block.words, availableWidth(block, g), g.sizePx);
    if (!breaks.ok) return breaks;
    out.push(placeBlock(block, breaks.starts, g));
  }
  return { ok: true, blocks: out };
}

// ---------------------------------------------------------------------------------------------
// Fitting.

interface Vertical {
  lineHeightPx: number;
  gapPx: number;
  baselinePx: number;
}

function vertical(sizePx: number, lineHeight: number, blockGapEm: number): Vertical {
  const lh = lineHeightPx(sizePx, lineHeight);
  return { lineHeightPx: lh, gapPx: Math.round(blockGapEm * sizePx), baselinePx: baselineOffsetPx(sizePx, lh) };
}

type OnePage = { fits: true } | { fits: false; word?: string };

/** Whether everything fits one page at this size, counting lines without placing them. */
function fitsOnePage(prepared: Prepared, o: FitOptions, sizePx: number): OnePage {
  const g = geometry(prepared, o.box.width, sizePx, o.align ?? 'left');
  const v = vertical(sizePx, o.lineHeight, o.blockGapEm ?? DEFAULT_BLOCK_GAP_EM);
  let lines = 0;
  let blocksWithLines = 0;
  for (const block of prepared.blocks) {
    const breaks = breakWords(block.words, availableWidth(block, g), sizePx);
    if (!breaks.ok) return { fits: false, word: breaks.word };
    if (breaks.starts.length === 0) continue;
    lines += breaks.starts.length;
    blocksWithLines += 1;
  }
  if (o.maxLines !== undefined && lines > o.maxLines) return { fits: false };
  const height = lines * v.lineHeightPx + Math.max(0, blocksWithLines - 1) * v.gapPx;
  return height <= o.box.height ? { fits: true } : { fits: false };
}

interface PageLine {
  line: WrappedLine;
  /** The first line of a paragraph or list item: the block gap goes above it. */
  opensBlock: boolean;
}

/** A line of a page draft, with where its words are in their block. */
interface DraftLine extends PageLine {
  block: number;
  /** Index in the block of the line's first word, and one past its last. */
  from: number;
  to: number;
  /** Inside the line, word indices (in the block) just after a sentence or clause end: the page may end there. */
  cuts: number[];
}

/** One page of the chosen pagination: `lines` lines of the draft starting at a word, maybe cut short inside the last. */
interface PageChoice {
  start: number;
  lines: number;
  cut?: number;
}

/**
 * Splits the text into pages that fit the box, at the least total cost (page-breaks.ts): a
 * shortest path over word positions where a page may start. From each position the page is
 * drafted (the paragraph under way set again from that word, its first line without the
 * marker of a list item but at its indent), and the page may end after any of its lines or
 * after a sentence or clause that ends inside one; the rest of that paragraph then starts the
 * next page. Pages break between words only, never inside one.
 */
function paginate(prepared: Prepared, g: Geometry, v: Vertical, boxHeight: number, maxLines: number): PageLine[][] {
  const blocks = prepared.blocks;
  const blockStart: number[] = [];
  let total = 0;
  for (const block of blocks) {
    blockStart.push(total);
    total += block.words.length;
  }
  if (total === 0) return [];
  const blockAt = (position: number): number => {
    let b = 0;
    while (b + 1 < blocks.length && (blockStart[b + 1] as number) <= position) b += 1;
    return b;
  };
  const drafts = new Map<number, DraftLine[]>();
  const draft = (start: number): DraftLine[] => {
    const cached = drafts.get(start);
    if (cached) return cached;
    const lines: DraftLine[] = [];
    let bottom = 0;
    let b = blockAt(start);
    let from = start - (blockStart[b] as number);
    fill: for (; b < blocks.length; b += 1, from = 0) {
      const block = blocks[b] as PreparedBlock;
      if (block.words.length === 0) continue;
      const part: PreparedBlock = from === 0 ? block : { words: block.words.slice(from), hanging: indented(block) };
      const breaks = breakWords(part.words, availableWidth(part, g), g.sizePx);
      // Every word fitted a line of this width when the whole text was wrapped.
      if (!breaks.ok) throw new Error(`"${breaks.word}" no longer fits after a page break`);
      const placed = placeBlock(part, breaks.starts, g);
      for (const [i, line] of placed.lines.entries()) {
        const opensBlock = from === 0 && i === 0;
        const below = lines.length === 0 ? v.lineHeightPx : bottom + (opensBlock ? v.gapPx : 0) + v.lineHeightPx;
        if (lines.length > 0 && (lines.length >= maxLines || below > boxHeight)) break fill;
        bottom = below;
        const lineFrom = from + (breaks.starts[i] as number);
        const lineTo = from + (breaks.starts[i + 1] ?? part.words.length);
        const cuts: number[] = [];
        for (let w = lineFrom + 1; w < lineTo; w += 1) {
          const kind = breakKindAfter((block.words[w - 1] as Word).text);
          if ((kind === 'sentence' || kind === 'clause') && !(block.words[w] as Word).glued) cuts.push(w);
        }
        lines.push({ line, opensBlock, block: b, from: lineFrom, to: lineTo, cuts });
      }
    }
    drafts.set(start, lines);
    return lines;
  };

  const best: number[] = [0, ...Array<number>(total).fill(Number.POSITIVE_INFINITY)];
  const choice: (PageChoice | undefined)[] = Array<PageChoice | undefined>(total + 1).fill(undefined);
  const consider = (start: number, end: number, page: PageChoice, candidate: Omit<PageCandidate, 'only'>): void => {
    const cost = (best[start] as number) + pageCost({ ...candidate, only: start === 0 && end === total });
    if (cost < (best[end] as number)) {
      best[end] = cost;
      choice[end] = page;
    }
  };
  for (let start = 0; start < total; start += 1) {
    if (best[start] === Number.POSITIVE_INFINITY) continue;
    const lines = draft(start);
    const head = lines[0] as DraftLine;
    const startsWithLastLine = !head.opensBlock && head.to === (blocks[head.block] as PreparedBlock).words.length;
    lines.forEach((line, i) => {
      const block = blocks[line.block] as PreparedBlock;
      const base = { capacity: lines.length, startsWithLastLine };
      for (const cut of line.cuts) {
        const kind = breakKindAfter((block.words[cut - 1] as Word).text);
        consider(start, (blockStart[line.block] as number) + cut, { start, lines: i + 1, cut }, { ...base, lines: i + 1, breakKind: kind, endsWithFirstLine: false });
      }
      const end = (blockStart[line.block] as number) + line.to;
      const blockEnds = line.to === block.words.length;
      const breakKind = end === total ? undefined : blockEnds ? 'block' : breakKindAfter((block.words[line.to - 1] as Word).text);
      consider(start, end, { start, lines: i + 1 }, { ...base, lines: i + 1, breakKind, endsWithFirstLine: line.opensBlock && !blockEnds });
    });
  }

  const pages: PageLine[][] = [];
  for (let end = total; end > 0; ) {
    const page = choice[end] as PageChoice;
    const lines: PageLine[] = draft(page.start).slice(0, page.lines);
    if (page.cut !== undefined) {
      const last = lines[lines.length - 1] as DraftLine;
      const block = blocks[last.block] as PreparedBlock;
      const words = block.words.slice(last.from, page.cut);
      const part: PreparedBlock = last.from === 0 ? { words, ...(block.marker ? { marker: block.marker } : {}) } : { words, hanging: indented(block) };
      lines[lines.length - 1] = { line: placeBlock(part, [0], g).lines[0] as WrappedLine, opensBlock: last.opensBlock };
    }
    pages.unshift(lines.map((l) => ({ line: l.line, opensBlock: l.opensBlock })));
    end = page.start;
  }
  return pages;
}

function lineTops(lines: readonly PageLine[], v: Vertical): number[] {
  const tops: number[] = [];
  let y = 0;
  lines.forEach((line, i) => {
    if (i > 0) y += v.lineHeightPx + (line.opensBlock ? v.gapPx : 0);
    tops.push(y);
  });
  return tops;
}

function toPage(lines: readonly PageLine[], v: Vertical): FittedPage {
  const tops = lineTops(lines, v);
  const last = tops[tops.length - 1];
  return {
    lines: lines.map((l, i) => {
      const top = tops[i] ?? 0;
      return { top, baseline: top + v.baselinePx, width: l.line.width, runs: l.line.runs };
    }),
    height: last === undefined ? 0 : last + v.lineHeightPx,
  };
}

function layoutAt(prepared: Prepared, o: FitOptions, sizePx: number, paginateText: boolean): FitResult {
  const v = vertical(sizePx, o.lineHeight, o.blockGapEm ?? DEFAULT_BLOCK_GAP_EM);
  const g = geometry(prepared, o.box.width, sizePx, o.align ?? 'left');
  const wrapped = wrapPrepared(prepared, g);
  if (!wrapped.ok) return wordTooWide(wrapped.word, sizePx, o);
  if (v.lineHeightPx > o.box.height) {
    return doesNotFit(`one line is ${v.lineHeightPx} px tall at ${sizePx} px, the box only ${o.box.height} px`);
  }
  const pageLines = paginateText
    ? paginate(prepared, g, v, o.box.height, o.maxLines ?? Number.POSITIVE_INFINITY)
    : [wrapped.blocks.flatMap((b) => b.lines.map((line, index) => ({ line, opensBlock: index === 0 })))];
  return { ok: true, sizePx, lineHeightPx: v.lineHeightPx, pages: pageLines.map((p) => toPage(p, v)) };
}

function wordTooWide(word: string, sizePx: number, o: FitOptions): FitResult {
  return {
    ok: false,
    code: 'TEXT_WORD_TOO_WIDE',
    word,
    message: `the word "${word}" is wider than the ${o.box.width} px box even at ${sizePx} px; shorten it or add a space`,
  };
}

function doesNotFit(message: string): FitResult {
  return { ok: false, code: 'TEXT_DOES_NOT_FIT', message };
}

/**
 * Picks the largest whole font size in [minSizePx, maxSizePx] at which all blocks fit one page
 * of the box, and lays them out; otherwise paginates at paginateSizePx, or fails.
 *
 * The search is a binary search on "fits one page at s". That predicate is monotone: a larger
 * s makes every word wider in proportion, so greedy first-fit breaking gives at least as many
 * lines (the box is narrower in em), and line height and gaps only grow. Whole-pixel rounding
 * (run starts, the list indent) can perturb widths by a pixel or two, which can make a size
 * fit although the one below it does not when the box is only a few em wide; the upward scan
 * after the search makes sure at least that s + 1 does not fit.
 */
export function fitText(o: FitOptions): FitResult {
  const lo = Math.ceil(o.minSizePx);
  const hi = Math.floor(o.maxSizePx);
  if (!(lo > 0) || lo > hi) throw new RangeError(`no whole font size in [${o.minSizePx}, ${o.maxSizePx}]`);
  if (!(o.box.width > 0) || !(o.box.height > 0)) throw new RangeError(`box ${o.box.width}×${o.box.height} is empty`);
  if (!(o.lineHeight > 0)) throw new RangeError(`line height ${o.lineHeight} must be positive`);

  const prepared = prepareBlocks(o.blocks, o.weight, o.boldWeight, o.measurer);

  const atMin = fitsOnePage(prepared, o, lo);
  if (atMin.fits) {
    let best = lo;
    let low = lo + 1;
    let high = hi;
    while (low <= high) {
      const mid = Math.floor((low + high) / 2);
      if (fitsOnePage(prepared, o, mid).fits) {
        best = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    while (best < hi && fitsOnePage(prepared, o, best + 1).fits) best += 1;
    return layoutAt(prepared, o, best, false);
  }
  if (atMin.word !== undefined) return wordTooWide(atMin.word, lo, o);
  if (!o.paginate) {
    return doesNotFit(
      `the text needs more than one page of the ${o.box.width}×${o.box.height} px box even at ${lo} px` +
        (o.maxLines === undefined ? '' : ` (at most ${o.maxLines} lines)`) +
        '; shorten it or allow paging',
    );
  }
  return layoutAt(prepared, o, o.paginateSizePx ?? lo, true);
}
