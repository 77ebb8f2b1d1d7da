import type { TickerNode } from '../../compiler/format/scene.ts';

// Where a ticker's items are at an instant: pure arithmetic on the node and the instant, kept
// apart from pixi so it is tested in Node. A ticker scrolls right to left by whole pixels per
// frame: offset = floor(elapsed / frameMs) × pxPerFrame, elapsed being the absolute instant for
// phase 'clock' (so a ticker spanning pages never jumps) or the time since the page started
// for phase 'page'. Only items whose [fromMs, toMs) contains the instant are on the strip.
// - 'clock': the strip (each item followed by its gap) repeats end to end, so the band is
//   never empty;
// - 'page': the strip enters at the right edge when the page starts and leaves completely
//   before it comes round again (led-chay-chu times the page to exactly one pass).

export interface TickerPiece {
  readonly text: string;
  /** Offset of the piece's first glyph from the start of its item. */
  readonly x: number;
  readonly width: number;
}

export interface TickerMeasures {
  /** Each item cut into pieces that fit one texture (one piece for most items). */
  readonly pieces: readonly (readonly TickerPiece[])[];
  /** Advance width of the separator; 0 draws none. */
  readonly separatorWidth: number;
}

export interface PlacedTickerElement {
  /** Stable across frames for the same copy of the same piece, so its Text can be reused. */
  readonly key: string;
  readonly text: string;
  /** Left edge relative to the ticker's box. */
  readonly x: number;
  readonly width: number;
}

export interface TickerLayout {
  readonly offset: number;
  readonly activeItems: readonly number[];
  /** Strip origins relative to the box (several when a short strip repeats across a wide band). */
  readonly origins: readonly number[];
  /** Only the elements that intersect the box. */
  readonly elements: readonly PlacedTickerElement[];
}

export function tickerOffset(node: Pick<TickerNode, 'phase' | 'frameMs' | 'pxPerFrame'>, atMs: number, pageStartMs: number): number {
  const elapsed = node.phase === 'clock' ? atMs : atMs - pageStartMs;
  // frameMs is 1000/60, so 1000 / frameMs is 59.999…; the nudge makes frame n start exactly at
  // n × frameMs, as the layout's page durations assume.
  return Math.floor(Math.max(0, elapsed) / node.frameMs + 1e-6) * node.pxPerFrame;
}

export function layoutTicker(node: TickerNode, measures: TickerMeasures, atMs: number, pageStartMs: number): TickerLayout {
  const offset = tickerOffset(node, atMs, pageStartMs);
  const activeItems: number[] = [];
  node.items.forEach((item, i) => {
    if (atMs >= item.fromMs && atMs < item.toMs) activeItems.push(i);
  });

  const strip: PlacedTickerElement[] = [];
  let length = 0;
  activeItems.forEach((itemIndex, n) => {
    const item = node.items[itemIndex]!;
    for (const [p, piece] of (measures.pieces[itemIndex] ?? [{ text: item.text, x: 0, width: item.width }]).entries()) {
      strip.push({ key: `${itemIndex}.${p}`, text: piece.text, x: length + piece.x, width: piece.width });
    }
    // Positions follow the compiler's item widths, so the strip is the length it planned for.
    length += item.width;
    const gapFollows = n < activeItems.length - 1 || node.phase === 'clock';
    if (gapFollows && measures.separatorWidth > 0) {
      strip.push({ key: `sep${itemIndex}`, text: node.separator, x: length + (node.gapPx - measures.separatorWidth) / 2, width: measures.separatorWidth });
    }
    if (gapFollows) length += node.gapPx;
  });

  const origins: number[] = [];
  if (length > 0) {
    if (node.phase === 'clock') {
      const start = node.w - (offset % length);
      for (let x = start - length * Math.ceil(start / length); x < node.w; x += length) origins.push(x);
    } else {
      origins.push(node.w - (offset % (length + node.w)));
    }
  }

  const elements: PlacedTickerElement[] = [];
  origins.forEach((origin, copy) => {
    for (const element of strip) {
      const left = origin + element.x;
      if (left + element.width <= 0 || left >= node.w) continue;
      elements.push({ key: `${copy}:${element.key}`, text: element.text, x: left, width: element.width });
    }
  });
  return { offset, activeItems, origins, elements };
}
