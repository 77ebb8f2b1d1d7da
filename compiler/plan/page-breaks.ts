// What a page break costs, for the fitter's choice of where long text goes onto the next page
// (text-fit.ts searches every way of cutting the text into pages that fit and keeps the
// cheapest). A board shows one page at a time, for twenty seconds, to people who may arrive
// in the middle: a page should end where a thought ends.
//
// Costs are in tenths of a page: one extra page (PAGE_COST) is worth avoiding one break in
// the middle of a sentence, but not one break after a sentence. So text goes onto pages
//   - between paragraphs and list items when it can (free),
//   - else after a sentence (even one that ends inside a line: the rest of the paragraph is
//     then set again from the top of the next page), then after ";" or ":", then after ",",
//   - and only as a last resort in the middle of a sentence;
// never with a paragraph's first line alone at the bottom of a page or its last line alone at
// the top, never with a page of a single line when the text has more, and with the pages
// evenly filled when all else is equal.

export const PAGE_COST = 10;

/** How the text before a break ends. 'block': a paragraph or list item ends there. */
export type BreakKind = 'block' | 'sentence' | 'clause' | 'comma' | 'word';

export const BREAK_COST: Readonly<Record<BreakKind, number>> = { block: 0, sentence: 3, clause: 5, comma: 7, word: 9 };
/**
 * A paragraph's first line alone at the bottom of a page, or its last line alone at the top:
 * worse than an extra page, since each page is read on its own.
 */
export const ORPHAN_COST = 12;
/** A page holding a single line of a longer text. */
export const SINGLE_LINE_PAGE_COST = 8;
/** Per page but the last, times the square of the unused fraction of its lines. */
export const EMPTINESS_COST = 2;

const CLOSING = /[)”"'’\]]+$/u;

/** How a word ends a stretch of text when a page breaks after it (inside a paragraph). */
export function breakKindAfter(word: string): Exclude<BreakKind, 'block'> {
  const text = word.replace(CLOSING, '');
  if (/[.!?…]$/u.test(text)) return 'sentence';
  if (/[;:]$/u.test(text)) return 'clause';
  if (/[,–—]$/u.test(text)) return 'comma';
  return 'word';
}

export interface PageCandidate {
  /** Lines on the page. */
  readonly lines: number;
  /** Lines that would fit the page. */
  readonly capacity: number;
  /** How the page ends; undefined for the last page. */
  readonly breakKind: BreakKind | undefined;
  /** The page starts with the last line of a paragraph that began on the page before. */
  readonly startsWithLastLine: boolean;
  /** The page ends with the first line of a paragraph that goes on to the next page. */
  readonly endsWithFirstLine: boolean;
  /** The text has only this one page. */
  readonly only: boolean;
}

export function pageCost(page: PageCandidate): number {
  let cost = PAGE_COST;
  if (page.breakKind !== undefined) cost += BREAK_COST[page.breakKind];
  if (page.startsWithLastLine) cost += ORPHAN_COST;
  if (page.endsWithFirstLine) cost += ORPHAN_COST;
  if (page.lines === 1 && !page.only) cost += SINGLE_LINE_PAGE_COST;
  // The last page's emptiness is free: the text simply ends there.
  if (page.breakKind !== undefined) {
    const unused = (page.capacity - page.lines) / page.capacity;
    cost += EMPTINESS_COST * unused * unused;
  }
  return cost;
}
