import { z } from 'zod';
import { FONT_INK_BOTTOM_EM, FONT_INK_TOP_EM } from '../../compiler/format/font-faces.ts';
import { clockNode, tickerNode } from '../common/chrome-nodes.ts';
import type { LayoutTemplate, PlannedPage } from '../common/layout-types.ts';
import { PALETTE } from '../common/palette.ts';
import { blocksText } from '../common/reading-time.ts';

// Small single-line LED signs (e.g. 192×64 at P10): one line of text scrolling right to left,
// as tall as the sign allows, one whole pixel per frame (smooth only at integer steps). Each
// notice scrolls through once ("TITLE: text"), then the next; the time shows when idle.

const params = z.strictObject({
  /** Whole pixels per 60 Hz frame; 1 px/frame = 60 px/s, readable on a 2 m sign. */
  pxPerFrame: z.number().int().min(1).max(4).default(1),
});

const FRAME_MS = 1000 / 60;

/** One line as tall as the sign allows with the font's whole ink span (stacked marks, dot below) inside it. */
export function lineSizePx(height: number): number {
  return Math.max(8, Math.floor(height / (FONT_INK_TOP_EM + FONT_INK_BOTTOM_EM)));
}

export const ledChayChu: LayoutTemplate<typeof params> = {
  name: 'led-chay-chu',
  description: 'Single-line LED sign: each notice scrolls through once as "TITLE: text".',
  params,
  frame(context) {
    const { screen, measurer } = context;
    const background = { type: 'rect' as const, id: 'black', x: 0, y: 0, w: screen.width, h: screen.height, fill: { kind: 'solid' as const, color: PALETTE.black } };
    const idle: PlannedPage = {
      id: 'idle',
      noticeId: 'idle',
      index: 0,
      count: 1,
      durationMs: 60_000,
      transition: { kind: 'cut', durationMs: 0 },
      showChrome: true,
      nodes: [clockNode({ id: 'clock', box: { x: 0, y: 0, w: screen.width, h: screen.height }, format: 'time', weight: 800, color: PALETTE.ledYellow, align: 'center', maxSizePx: lineSizePx(screen.height), measurer })],
    };
    return { chrome: { under: [background], over: [] }, idle };
  },
  noticePages(context, notice, p) {
    const { screen, measurer } = context;
    const sizePx = lineSizePx(screen.height);
    const text = `${notice.title.toUpperCase()}: ${blocksText(notice.blocks)}`;
    const width = Math.ceil(measurer.width(text, 700, sizePx));
    // The page lasts exactly one pass: the text enters at the right edge and leaves at the left.
    const durationMs = Math.ceil(((width + screen.width) / p.pxPerFrame) * FRAME_MS);
    const page: PlannedPage = {
      id: `${notice.id}-1`,
      noticeId: notice.id,
      index: 0,
      count: 1,
      durationMs,
      transition: { kind: 'cut', durationMs: 0 },
      showChrome: true,
      nodes: [
        tickerNode({
          id: 'line',
          box: { x: 0, y: 0, w: screen.width, h: screen.height },
          items: [{ text, width, fromMs: notice.validFromMs, toMs: notice.validToMs }],
          sizePx,
          weight: 700,
          color: notice.priority === 'priority' ? PALETTE.ledYellow : PALETTE.ledWhite,
          pxPerFrame: p.pxPerFrame,
          phase: 'page',
        }),
      ],
    };
    return { ok: true, pages: [page] };
  },
};
