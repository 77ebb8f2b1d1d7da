import { z } from 'zod';
import type { SceneNode } from '../../compiler/format/scene.ts';
import { clockNode, qrNode, tickerItems, tickerNode } from '../common/chrome-nodes.ts';
import type { LayoutContext, LayoutNotice, LayoutOutput, LayoutTemplate, PlannedPage } from '../common/layout-types.ts';
import { lcdNoticePages } from '../common/notice-pages.ts';
import { PALETTE } from '../common/palette.ts';
import { labelNode, type Box } from '../common/text-nodes.ts';

// Portrait kiosk at the reception desk (1080×1920). Read from arm's length to a few metres:
// the header stacks the unit's name over the clock and dates, the picture sits above the
// text, and the feedback QR code gets a row of its own where a citizen can reach it.

const params = z.strictObject({
  heading: z.string().default('BẢNG TIN ĐIỆN TỬ CÔNG CỘNG'),
  qrLabel: z.string().default('Quét mã QR để gửi ý kiến, phản ánh'),
});

interface Grid {
  readonly s: number;
  readonly margin: number;
  readonly header: Box;
  readonly ticker: Box;
  readonly qrRow?: Box | undefined;
  readonly content: Box;
}

function grid(context: LayoutContext): Grid {
  const { width, height } = context.screen;
  const s = width / 1080;
  const margin = Math.round(56 * s);
  const headerH = Math.round(260 * s);
  const tickerH = Math.round(96 * s);
  const qrRowH = context.qr ? Math.round(230 * s) : 0;
  const contentTop = headerH + Math.round(8 * s) + Math.round(40 * s);
  const contentBottom = height - tickerH - qrRowH - Math.round(30 * s);
  return {
    s,
    margin,
    header: { x: 0, y: 0, w: width, h: headerH },
    ticker: { x: 0, y: height - tickerH, w: width, h: tickerH },
    qrRow: context.qr ? { x: margin, y: height - tickerH - qrRowH, w: width - 2 * margin, h: qrRowH } : undefined,
    content: { x: margin, y: contentTop, w: width - 2 * margin, h: contentBottom - contentTop },
  };
}

function chrome(context: LayoutContext, notices: readonly LayoutNotice[], p: z.infer<typeof params>, g: Grid): LayoutOutput['chrome'] {
  const { screen, measurer, site } = context;
  const { s, margin } = g;
  const innerW = screen.width - 2 * margin;
  const under: SceneNode[] = [
    { type: 'rect', id: 'paper', x: 0, y: 0, w: screen.width, h: screen.height, fill: { kind: 'linear', from: PALETTE.paper, to: PALETTE.paperEdge, angleDeg: 90 } },
    { type: 'rect', id: 'header', ...g.header, fill: { kind: 'linear', from: PALETTE.headerRed, to: PALETTE.headerRedDark, angleDeg: 90 } },
    { type: 'rect', id: 'header-rule', x: 0, y: g.header.h, w: screen.width, h: Math.round(8 * s), fill: { kind: 'solid', color: PALETTE.gold } },
  ];
  const heading = labelNode({ id: 'heading', box: { x: margin, y: Math.round(18 * s), w: innerW, h: Math.round(44 * s) }, text: p.heading, weight: 700, minSizePx: Math.round(18 * s), maxSizePx: Math.round(30 * s), color: PALETTE.gold, align: 'center', measurer });
  const name = labelNode({ id: 'unit-name', box: { x: margin, y: Math.round(62 * s), w: innerW, h: Math.round(72 * s) }, text: site.name.toUpperCase(), weight: 800, minSizePx: Math.round(26 * s), maxSizePx: Math.round(54 * s), color: PALETTE.white, align: 'center', measurer });
  if (heading) under.push(heading);
  if (name) under.push(name);
  under.push({ type: 'rect', id: 'header-divider', x: margin, y: Math.round(146 * s), w: innerW, h: Math.max(1, Math.round(2 * s)), fill: { kind: 'solid', color: '#ffffff55' } });

  const clockW = Math.round(270 * s);
  const over: SceneNode[] = [
    clockNode({ id: 'clock', box: { x: margin, y: Math.round(156 * s), w: clockW, h: Math.round(92 * s) }, format: 'time', weight: 800, color: PALETTE.white, align: 'left', maxSizePx: Math.round(80 * s), measurer }),
    clockNode({ id: 'date', box: { x: margin + clockW, y: Math.round(158 * s), w: innerW - clockW, h: Math.round(46 * s) }, format: 'date-long', weight: 600, color: PALETTE.white, align: 'right', maxSizePx: Math.round(32 * s), measurer }),
    clockNode({ id: 'lunar', box: { x: margin + clockW, y: Math.round(204 * s), w: innerW - clockW, h: Math.round(42 * s) }, format: 'lunar-long', weight: 400, color: PALETTE.gold, align: 'right', maxSizePx: Math.round(28 * s), measurer }),
  ];

  under.push({ type: 'rect', id: 'ticker-bg', ...g.ticker, fill: { kind: 'solid', color: PALETTE.navy } });
  const tickerSize = Math.round(40 * s);
  over.push(
    tickerNode({
      id: 'ticker',
      box: g.ticker,
      items: tickerItems({ notices, siteName: site.name, weight: 600, sizePx: tickerSize, measurer }),
      sizePx: tickerSize,
      weight: 600,
      color: PALETTE.white,
      pxPerFrame: Math.max(1, Math.round(2 * s)),
      phase: 'clock',
    }),
  );

  if (context.qr && g.qrRow) {
    const row = g.qrRow;
    under.push({ type: 'rect', id: 'qr-row', ...row, fill: { kind: 'solid', color: PALETTE.white }, radius: Math.round(14 * s) });
    const pad = Math.round(14 * s);
    const qr = qrNode({ id: 'qr', box: { x: row.x + pad, y: row.y + pad, w: row.h - 2 * pad, h: row.h - 2 * pad }, modules: context.qr.modules });
    if (qr) under.push(qr);
    const label = labelNode({ id: 'qr-label', box: { x: row.x + row.h + pad, y: row.y, w: row.w - row.h - 2 * pad, h: row.h }, text: p.qrLabel, weight: 600, minSizePx: Math.round(20 * s), maxSizePx: Math.round(34 * s), color: PALETTE.ink, measurer });
    if (label) under.push(label);
  }
  return { under, over };
}

function idlePage(context: LayoutContext, g: Grid): PlannedPage {
  const { measurer, site } = context;
  const y = g.content.y + Math.round(g.content.h * 0.35);
  const nodes = [
    labelNode({ id: 'idle-title', box: { x: g.content.x, y, w: g.content.w, h: Math.round(90 * g.s) }, text: 'Bảng tin điện tử công cộng', weight: 800, minSizePx: 28, maxSizePx: Math.round(64 * g.s), color: PALETTE.headerRedDark, align: 'center', measurer }),
    labelNode({ id: 'idle-unit', box: { x: g.content.x, y: y + Math.round(100 * g.s), w: g.content.w, h: Math.round(60 * g.s) }, text: site.name, weight: 600, minSizePx: 24, maxSizePx: Math.round(42 * g.s), color: PALETTE.ink, align: 'center', measurer }),
  ].filter((node) => node !== undefined);
  return { id: 'idle', noticeId: 'idle', index: 0, count: 1, durationMs: 60_000, transition: { kind: 'fade', durationMs: 500 }, showChrome: true, nodes };
}

export const bangTinDoc: LayoutTemplate<typeof params> = {
  name: 'bang-tin-doc',
  description: 'Portrait LCD kiosk: stacked header with clock and dates, picture above the text, QR row, ticker.',
  params,
  frame(context, notices, p) {
    const g = grid(context);
    return { chrome: chrome(context, notices, p, g), idle: idlePage(context, g) };
  },
  noticePages(context, notice) {
    const g = grid(context);
    const { s } = g;
    const imageH = notice.images.length > 0 ? Math.round(g.content.h * 0.34) : 0;
    const textTop = g.content.y + (imageH > 0 ? imageH + Math.round(40 * s) : 0);
    return lcdNoticePages({
      context,
      notice,
      regions: {
        text: { x: g.content.x, y: textTop, w: g.content.w, h: g.content.y + g.content.h - textTop },
        image: imageH > 0 ? { x: g.content.x, y: g.content.y, w: g.content.w, h: imageH } : undefined,
        titleMaxPx: Math.round(62 * s),
        titleMinPx: Math.max(context.minTextPx, Math.round(40 * s)),
        bodyMaxPx: Math.round(46 * s),
        bodyMinPx: Math.max(context.minTextPx, Math.round(34 * s)),
        tagPx: Math.max(16, Math.round(24 * s)),
      },
      transition: { kind: 'fade', durationMs: 600 },
    });
  },
};
