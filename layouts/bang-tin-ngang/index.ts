import { z } from 'zod';
import type { SceneNode } from '../../compiler/format/scene.ts';
import { clockNode, qrNode, tickerItems, tickerNode } from '../common/chrome-nodes.ts';
import type { LayoutContext, LayoutNotice, LayoutOutput, LayoutTemplate, PlannedPage } from '../common/layout-types.ts';
import { lcdNoticePages } from '../common/notice-pages.ts';
import { PALETTE } from '../common/palette.ts';
import { labelNode, type Box } from '../common/text-nodes.ts';

// Landscape LCD in the commune hall (1920×1080, also 1366×768 PC outputs). A red header with
// the unit's name, the time, the Vietnamese and lunar dates; the notice on warm paper with its
// picture on the right; a ticker of priority and upcoming notices along the bottom; the
// feedback QR code in the bottom-right corner.

const params = z.strictObject({
  /** Line above the unit's name. */
  heading: z.string().default('BẢNG TIN ĐIỆN TỬ CÔNG CỘNG'),
  qrLabel: z.string().default('Quét mã để gửi ý kiến'),
});

interface Grid {
  readonly s: number;
  readonly margin: number;
  readonly header: Box;
  readonly ticker: Box;
  readonly content: Box;
  readonly sideW: number;
}

function grid(width: number, height: number): Grid {
  const s = height / 1080;
  const margin = Math.round(56 * s);
  const headerH = Math.round(150 * s);
  const tickerH = Math.round(84 * s);
  const contentTop = headerH + Math.round(8 * s) + Math.round(36 * s);
  return {
    s,
    margin,
    header: { x: 0, y: 0, w: width, h: headerH },
    ticker: { x: 0, y: height - tickerH, w: width, h: tickerH },
    content: { x: margin, y: contentTop, w: width - 2 * margin, h: height - tickerH - Math.round(30 * s) - contentTop },
    sideW: Math.round(width * 0.34),
  };
}

function chrome(context: LayoutContext, notices: readonly LayoutNotice[], p: z.infer<typeof params>, g: Grid): LayoutOutput['chrome'] {
  const { screen, measurer, site } = context;
  const { s, margin } = g;
  const under: SceneNode[] = [
    { type: 'rect', id: 'paper', x: 0, y: 0, w: screen.width, h: screen.height, fill: { kind: 'linear', from: PALETTE.paper, to: PALETTE.paperEdge, angleDeg: 90 } },
    { type: 'rect', id: 'header', ...g.header, fill: { kind: 'linear', from: PALETTE.headerRed, to: PALETTE.headerRedDark, angleDeg: 90 } },
    { type: 'rect', id: 'header-rule', x: 0, y: g.header.h, w: screen.width, h: Math.round(8 * s), fill: { kind: 'solid', color: PALETTE.gold } },
  ];
  const clockW = Math.round(250 * s);
  const datesW = Math.round(560 * s);
  const nameW = screen.width - 2 * margin - clockW - datesW - Math.round(40 * s);
  const heading = labelNode({ id: 'heading', box: { x: margin, y: Math.round(20 * s), w: nameW, h: Math.round(44 * s) }, text: p.heading, weight: 700, minSizePx: Math.round(18 * s), maxSizePx: Math.round(30 * s), color: PALETTE.gold, measurer });
  const name = labelNode({ id: 'unit-name', box: { x: margin, y: Math.round(64 * s), w: nameW, h: Math.round(70 * s) }, text: site.name.toUpperCase(), weight: 800, minSizePx: Math.round(26 * s), maxSizePx: Math.round(52 * s), color: PALETTE.white, measurer });
  if (heading) under.push(heading);
  if (name) under.push(name);

  const over: SceneNode[] = [];
  const datesX = screen.width - margin - clockW - Math.round(24 * s) - datesW;
  over.push(clockNode({ id: 'date', box: { x: datesX, y: Math.round(26 * s), w: datesW, h: Math.round(48 * s) }, format: 'date-long', weight: 600, color: PALETTE.white, align: 'right', maxSizePx: Math.round(32 * s), measurer }));
  over.push(clockNode({ id: 'lunar', box: { x: datesX, y: Math.round(78 * s), w: datesW, h: Math.round(44 * s) }, format: 'lunar-long', weight: 400, color: PALETTE.gold, align: 'right', maxSizePx: Math.round(28 * s), measurer }));
  over.push({ type: 'rect', id: 'clock-divider', x: screen.width - margin - clockW - Math.round(12 * s), y: Math.round(30 * s), w: Math.max(1, Math.round(2 * s)), h: Math.round(90 * s), fill: { kind: 'solid', color: '#ffffff66' } });
  over.push(clockNode({ id: 'clock', box: { x: screen.width - margin - clockW, y: Math.round(24 * s), w: clockW, h: Math.round(100 * s) }, format: 'time', weight: 800, color: PALETTE.white, align: 'right', maxSizePx: Math.round(84 * s), measurer }));

  // Ticker: a red label, then the scrolling line on navy.
  const labelW = Math.round(190 * s);
  under.push({ type: 'rect', id: 'ticker-bg', ...g.ticker, fill: { kind: 'solid', color: PALETTE.navy } });
  under.push({ type: 'rect', id: 'ticker-label-bg', x: 0, y: g.ticker.y, w: labelW, h: g.ticker.h, fill: { kind: 'solid', color: PALETTE.headerRed } });
  const tickerLabel = labelNode({ id: 'ticker-label', box: { x: 0, y: g.ticker.y, w: labelW, h: g.ticker.h }, text: 'TIN MỚI', weight: 800, minSizePx: Math.round(20 * s), maxSizePx: Math.round(34 * s), color: PALETTE.gold, align: 'center', measurer });
  if (tickerLabel) under.push(tickerLabel);
  const tickerSize = Math.round(38 * s);
  over.push(
    tickerNode({
      id: 'ticker',
      box: { x: labelW, y: g.ticker.y, w: screen.width - labelW, h: g.ticker.h },
      items: tickerItems({ notices, siteName: site.name, weight: 600, sizePx: tickerSize, measurer }),
      sizePx: tickerSize,
      weight: 600,
      color: PALETTE.white,
      pxPerFrame: Math.max(1, Math.round(2 * s)),
      phase: 'clock',
    }),
  );

  if (context.qr) {
    const qrSide = Math.round(190 * s);
    const labelH = Math.round(36 * s);
    const qrBox = { x: screen.width - margin - qrSide, y: g.content.y + g.content.h - qrSide - labelH, w: qrSide, h: qrSide };
    under.push({ type: 'rect', id: 'qr-card', x: qrBox.x - Math.round(10 * s), y: qrBox.y - Math.round(10 * s), w: qrSide + Math.round(20 * s), h: qrSide + labelH + Math.round(20 * s), fill: { kind: 'solid', color: PALETTE.white }, radius: Math.round(10 * s) });
    const qr = qrNode({ id: 'qr', box: qrBox, modules: context.qr.modules });
    if (qr) under.push(qr);
    const qrText = labelNode({ id: 'qr-label', box: { x: qrBox.x - Math.round(10 * s), y: qrBox.y + qrSide, w: qrSide + Math.round(20 * s), h: labelH }, text: context.qr.label, weight: 600, minSizePx: Math.round(14 * s), maxSizePx: Math.round(22 * s), color: PALETTE.ink, align: 'center', measurer });
    if (qrText) under.push(qrText);
  }
  return { under, over };
}

function idlePage(context: LayoutContext, g: Grid): PlannedPage {
  const { measurer, site } = context;
  const nodes = [
    labelNode({ id: 'idle-title', box: { x: g.content.x, y: g.content.y + Math.round(g.content.h * 0.36), w: g.content.w, h: Math.round(90 * g.s) }, text: 'Bảng tin điện tử công cộng', weight: 800, minSizePx: 30, maxSizePx: Math.round(72 * g.s), color: PALETTE.headerRedDark, align: 'center', measurer }),
    labelNode({ id: 'idle-unit', box: { x: g.content.x, y: g.content.y + Math.round(g.content.h * 0.36) + Math.round(100 * g.s), w: g.content.w, h: Math.round(60 * g.s) }, text: site.name, weight: 600, minSizePx: 24, maxSizePx: Math.round(44 * g.s), color: PALETTE.ink, align: 'center', measurer }),
  ].filter((node) => node !== undefined);
  return { id: 'idle', noticeId: 'idle', index: 0, count: 1, durationMs: 60_000, transition: { kind: 'fade', durationMs: 500 }, showChrome: true, nodes };
}

export const bangTinNgang: LayoutTemplate<typeof params> = {
  name: 'bang-tin-ngang',
  description: 'Landscape LCD board for a commune hall: header with unit, clock, dates; notice with picture; ticker; QR code.',
  params,
  frame(context, notices, p) {
    const g = grid(context.screen.width, context.screen.height);
    return { chrome: chrome(context, notices, p, g), idle: idlePage(context, g) };
  },
  noticePages(context, notice) {
    const g = grid(context.screen.width, context.screen.height);
    const { s } = g;
    const qrReserve = context.qr ? Math.round((190 + 36 + 50) * s) : 0;
    const side = notice.images.length > 0 || context.qr !== undefined;
    const textW = side ? g.content.w - g.sideW - Math.round(40 * s) : g.content.w;
    return lcdNoticePages({
      context,
      notice,
      regions: {
        text: { x: g.content.x, y: g.content.y, w: textW, h: g.content.h },
        image: { x: g.content.x + g.content.w - g.sideW, y: g.content.y + Math.round(6 * s), w: g.sideW, h: g.content.h - qrReserve - Math.round(12 * s) },
        titleMaxPx: Math.round(64 * s),
        titleMinPx: Math.max(context.minTextPx, Math.round(40 * s)),
        bodyMaxPx: Math.round(46 * s),
        bodyMinPx: Math.max(context.minTextPx, Math.round(34 * s)),
        tagPx: Math.max(16, Math.round(24 * s)),
      },
      transition: { kind: 'fade', durationMs: 600 },
    });
  },
};
