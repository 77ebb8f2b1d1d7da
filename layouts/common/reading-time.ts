import type { TextBlock } from '../../compiler/plan/markdown-subset.ts';

// How long a page stays up. Citizens read a board standing in a hall or passing a gate, often
// from several metres: slower than reading a phone. We budget 2.5 Vietnamese syllables per
// second (each written word is one syllable) plus time to notice the page has changed, and
// clamp so that a near-empty page still registers and a dense one does not hog the loop.

export const SYLLABLES_PER_SECOND = 2.5;
export const PAGE_NOTICE_MS = 3_000;
export const MIN_PAGE_MS = 8_000;
export const MAX_PAGE_MS = 40_000;

export function syllableCount(text: string): number {
  return text.split(/\s+/).filter((word) => /\p{L}|\p{N}/u.test(word)).length;
}

export function blocksText(blocks: readonly TextBlock[]): string {
  return blocks.map((block) => block.runs.map((run) => run.text).join('')).join(' ');
}

export function pageDurationMs(text: string): number {
  const reading = (syllableCount(text) / SYLLABLES_PER_SECOND) * 1000 + PAGE_NOTICE_MS;
  // Whole seconds keep schedules readable in logs and reports.
  return Math.round(Math.min(MAX_PAGE_MS, Math.max(MIN_PAGE_MS, reading)) / 1000) * 1000;
}
