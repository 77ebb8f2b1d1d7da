import { FONT_INK_BOTTOM_EM, FONT_INK_TOP_EM } from '../../compiler/format/font-faces.ts';
import type { SceneNode } from '../../compiler/format/scene.ts';
import { formatIssueTime } from '../../compiler/format/vietnamese-date.ts';
import type { LayoutContext, LayoutNotice, NoticePagesResult, PlannedPage } from './layout-types.ts';
import { riskColour } from './palette.ts';
import { pageDurationMs, blocksText } from './reading-time.ts';
import { fitTextNodes, labelNode, plainBlocks } from './text-nodes.ts';
import { tickerNode } from './chrome-nodes.ts';
import { STACKED_CAPITALS_LINE_HEIGHT } from '../../compiler/plan/text-fit.ts';

// The full-screen takeover for emergency notices, the same on every layout: the whole panel
// in the colour of the risk level (QĐ 18/2021), the level spelt out, then the title and the
// text as large as the screen allows. Nothing else shares the screen: no clock, no ticker.

export const EMERGENCY_BANNER = 'CẢNH BÁO KHẨN CẤP';

export function riskLevelLine(level: number | undefined): string {
  return `Cấp độ rủi ro thiên tai: cấp ${level ?? 3}`;
}

export function emergencyPages(context: LayoutContext, notice: LayoutNotice): NoticePagesResult {
  const { screen, measurer, minTextPx } = context;
  const colours = riskColour(notice.riskLevel);
  const background: SceneNode = { type: 'rect', id: 'takeover-bg', x: 0, y: 0, w: screen.width, h: screen.height, fill: { kind: 'solid', color: colours.background } };

  // Signs too short for more than one line of legible text scroll the whole warning.
  if (screen.height < minTextPx * 3) {
    const text = `${EMERGENCY_BANNER} – ${riskLevelLine(notice.riskLevel)}: ${notice.title}. ${blocksText(notice.blocks)}`;
    const sizePx = Math.max(8, Math.floor(screen.height / (FONT_INK_TOP_EM + FONT_INK_BOTTOM_EM)));
    const width = Math.ceil(measurer.width(text, 800, sizePx));
    const pxPerFrame = 1;
    const durationMs = Math.ceil(((width + screen.width) / pxPerFrame) * (1000 / 60));
    const ticker = tickerNode({
      id: 'takeover-line',
      box: { x: 0, y: 0, w: screen.width, h: screen.height },
      items: [{ text, width, fromMs: notice.validFromMs, toMs: notice.validToMs }],
      sizePx,
      weight: 800,
      color: colours.text,
      pxPerFrame,
      phase: 'page',
    });
    return { ok: true, pages: [{ id: `${notice.id}-1`, noticeId: notice.id, index: 0, count: 1, durationMs, transition: { kind: 'cut', durationMs: 0 }, showChrome: false, nodes: [background, ticker] }] };
  }

  const margin = Math.round(Math.min(screen.width, screen.height) * 0.045);
  const bandH = Math.max(Math.round(minTextPx * 1.8), Math.round(screen.height * 0.11));
  const band: SceneNode = { type: 'rect', id: 'takeover-band', x: 0, y: 0, w: screen.width, h: bandH, fill: { kind: 'solid', color: '#000000' } };
  const banner = labelNode({
    id: 'takeover-banner',
    box: { x: margin, y: 0, w: screen.width - 2 * margin, h: bandH },
    text: EMERGENCY_BANNER,
    weight: 800,
    minSizePx: minTextPx,
    maxSizePx: Math.round(bandH * 0.62),
    color: colours.background === '#fff07a' ? '#fff07a' : '#ffffff',
    align: 'center',
    measurer,
  });
  const levelH = Math.max(Math.round(minTextPx * 1.5), Math.round(screen.height * 0.075));
  const level = labelNode({
    id: 'takeover-level',
    box: { x: margin, y: bandH + Math.round(margin / 2), w: screen.width - 2 * margin, h: levelH },
    text: riskLevelLine(notice.riskLevel),
    weight: 700,
    minSizePx: minTextPx,
    maxSizePx: Math.round(levelH * 0.7),
    color: colours.text,
    align: 'center',
    measurer,
  });
  const top = bandH + Math.round(margin / 2) + levelH + Math.round(margin / 2);
  const available = screen.height - top - margin;
  const title = fitTextNodes({
    id: 'takeover-title',
    box: { x: margin, y: top, w: screen.width - 2 * margin, h: Math.round(available * 0.42) },
    blocks: plainBlocks(notice.title, true),
    weight: 800,
    boldWeight: 800,
    minSizePx: minTextPx,
    maxSizePx: Math.round(screen.height * 0.085),
    lineHeight: STACKED_CAPITALS_LINE_HEIGHT,
    color: colours.text,
    align: 'center',
    paginate: false,
    balance: true,
    measurer,
  });
  if (!title.ok) return { ok: false, problem: { severity: 'error', code: title.code, noticeId: notice.id, message: `the title does not fit the emergency screen: ${title.message}` } };
  const titleH = title.usedHeights[0] ?? 0;
  // Until when the warning holds, on a band of its own at the bottom: people ask it first.
  const untilH = Math.max(Math.round(minTextPx * 1.6), Math.round(screen.height * 0.06));
  const until = labelNode({
    id: 'takeover-until',
    box: { x: margin, y: screen.height - untilH - Math.round(margin / 3), w: screen.width - 2 * margin, h: untilH },
    text: `Có hiệu lực đến ${formatIssueTime(notice.validToMs)}`,
    weight: 700,
    minSizePx: minTextPx,
    maxSizePx: Math.max(minTextPx, Math.round(untilH * 0.62)),
    color: colours.text,
    align: 'center',
    measurer,
  });
  const bodyTop = top + titleH + Math.round(margin * 0.6);
  const bodyBottom = until ? screen.height - untilH - Math.round(margin / 2) : screen.height - margin;
  // Long text reads better ranged left; short warnings on small walls stay centred.
  const bodyAlign = screen.width >= 900 ? 'left' : 'center';
  const body = fitTextNodes({
    id: 'takeover-body',
    box: { x: margin, y: bodyTop, w: screen.width - 2 * margin, h: bodyBottom - bodyTop },
    blocks: notice.blocks,
    weight: screen.kind === 'led' ? 700 : 600,
    boldWeight: 800,
    minSizePx: minTextPx,
    maxSizePx: Math.max(minTextPx, Math.round(title.sizePx * 0.75)),
    lineHeight: 1.3,
    color: colours.text,
    align: bodyAlign,
    paginate: true,
    measurer,
  });
  if (!body.ok) return { ok: false, problem: { severity: 'error', code: body.code, noticeId: notice.id, message: `the text does not fit the emergency screen: ${body.message}` } };
  const fixed: SceneNode[] = [background, band, ...(banner ? [banner] : []), ...(level ? [level] : []), ...title.pages, ...(until ? [until] : [])];
  const pages: PlannedPage[] = body.pages.map((bodyPage, i) => {
    const text = `${notice.title} ${bodyPage.lines.map((l) => l.runs.map((r) => r.text).join('')).join(' ')}`;
    return {
      id: `${notice.id}-${i + 1}`,
      noticeId: notice.id,
      index: i,
      count: body.pages.length,
      durationMs: pageDurationMs(text),
      transition: { kind: screen.kind === 'led' ? 'cut' : 'fade', durationMs: screen.kind === 'led' ? 0 : 400 },
      showChrome: false,
      nodes: [...fixed, bodyPage],
    };
  });
  return { ok: true, pages };
}
