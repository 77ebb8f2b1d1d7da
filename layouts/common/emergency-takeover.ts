import { FONT_INK_BOTTOM_EM, FONT_INK_TOP_EM } from '../../compiler/format/font-faces.ts';
import type { SceneNode, TextNode } from '../../compiler/format/scene.ts';
import { formatIssueTime } from '../../compiler/format/vietnamese-date.ts';
import type { LayoutContext, LayoutNotice, LayoutProblem, NoticePagesResult, PlannedPage } from './layout-types.ts';
import { PALETTE, riskColour } from './palette.ts';
import { pageDurationMs, blocksText } from './reading-time.ts';
import { fitTextNodes, labelNode, plainBlocks, type Box } from './text-nodes.ts';
import { tickerNode } from './chrome-nodes.ts';
import { STACKED_CAPITALS_LINE_HEIGHT } from '../../compiler/plan/text-fit.ts';

// The full-screen takeover for emergency notices, the same on every layout: the whole panel
// in the colour of the risk level (QĐ 18/2021), the level spelt out, then the title and the
// text as large as the screen allows. Nothing else shares the screen: no clock, no ticker.

export const EMERGENCY_BANNER = 'CẢNH BÁO KHẨN CẤP';
/** Replaces EMERGENCY_BANNER on a Test or Exercise alert: it must never pass for a real one. */
export const EXERCISE_BANNER = 'DIỄN TẬP – KHÔNG PHẢI CẢNH BÁO THẬT';
/** The short form, for where the long one cannot fit. */
export const EXERCISE_MARK = 'DIỄN TẬP / THỬ NGHIỆM';

/**
 * What the takeover and the banner draw beyond a LayoutNotice, for alerts that arrive through
 * the emergency path (CAP alerts, see compiler/cap/cap-notice.ts). Every field is optional and
 * a plain LayoutNotice is a valid EmergencyContent, so local emergency notices are unchanged.
 */
export interface EmergencyContent extends LayoutNotice {
  /** A Test or Exercise alert: every page and the banner carry a visible mark. */
  readonly exercise?: boolean | undefined;
  /** Who issued it and when, e.g. "Trung tâm Dự báo KTTV quốc gia · phát lúc 09:30 ngày 22/11/2026". */
  readonly issueLine?: string | undefined;
}

export function riskLevelLine(level: number | undefined): string {
  return `Cấp độ rủi ro thiên tai: cấp ${level ?? 3}`;
}

/** Black and hazard yellow: readable on all five risk colours, and unlike any of them. */
const EXERCISE_COLOURS = { band: PALETTE.ledYellow, ink: PALETTE.black } as const;

/**
 * A row of alternating yellow and black blocks, like hazard tape: the exercise mark's edge,
 * drawn with plain rects so every renderer can draw it.
 */
function hazardStripe(id: string, box: Box): SceneNode[] {
  const nodes: SceneNode[] = [{ type: 'rect', id, x: box.x, y: box.y, w: box.w, h: box.h, fill: { kind: 'solid', color: EXERCISE_COLOURS.band } }];
  const block = Math.max(4, box.h * 2);
  for (let x = 0, i = 0; x < box.w; x += 2 * block, i += 1) {
    nodes.push({ type: 'rect', id: `${id}-${i}`, x: box.x + x, y: box.y, w: Math.min(block, box.w - x), h: box.h, fill: { kind: 'solid', color: EXERCISE_COLOURS.ink } });
  }
  return nodes;
}

function exerciseProblem(notice: LayoutNotice, where: string): LayoutProblem {
  return { severity: 'error', code: 'EXERCISE_MARK_DOES_NOT_FIT', noticeId: notice.id, message: `the "${EXERCISE_MARK}" mark does not fit the ${where}; an exercise is never shown without it` };
}

export function emergencyPages(context: LayoutContext, notice: EmergencyContent): NoticePagesResult {
  const { screen, measurer, minTextPx } = context;
  const colours = riskColour(notice.riskLevel);
  const background: SceneNode = { type: 'rect', id: 'takeover-bg', x: 0, y: 0, w: screen.width, h: screen.height, fill: { kind: 'solid', color: colours.background } };

  // Signs too short for more than one line of legible text scroll the whole warning.
  if (screen.height < minTextPx * 3) {
    const warning = `${EMERGENCY_BANNER} – ${riskLevelLine(notice.riskLevel)}: ${notice.title}. ${blocksText(notice.blocks)}`;
    // An exercise says so before anything else, so nobody reads the first words as real.
    const marked = notice.exercise ? `${EXERCISE_BANNER} – ${warning}` : warning;
    const text = notice.issueLine ? `${marked} (${notice.issueLine})` : marked;
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
  const band: SceneNode = { type: 'rect', id: 'takeover-band', x: 0, y: 0, w: screen.width, h: bandH, fill: { kind: 'solid', color: notice.exercise ? EXERCISE_COLOURS.band : '#000000' } };
  /** `clear`: room kept free at both ends of the band (for the page number). */
  const bannerLabel = (text: string, clear = 0) =>
    labelNode({
      id: 'takeover-banner',
      box: { x: margin + clear, y: 0, w: screen.width - 2 * margin - 2 * clear, h: bandH },
      text,
      weight: 800,
      minSizePx: minTextPx,
      maxSizePx: Math.round(bandH * 0.62),
      color: notice.exercise ? EXERCISE_COLOURS.ink : colours.background === '#fff07a' ? '#fff07a' : '#ffffff',
      align: 'center',
      measurer,
    });
  const banner = notice.exercise ? (bannerLabel(EXERCISE_BANNER) ?? bannerLabel(EXERCISE_MARK)) : bannerLabel(EMERGENCY_BANNER);
  if (notice.exercise && !banner) return { ok: false, problem: exerciseProblem(notice, 'emergency screen') };
  // Hazard tape in the gap under the band, which the layout leaves empty anyway.
  const stripe = notice.exercise ? hazardStripe('takeover-exercise-stripe', { x: 0, y: bandH, w: screen.width, h: Math.max(4, Math.round(margin / 2)) }) : [];
  const levelH = Math.max(Math.round(minTextPx * 1.5), Math.round(screen.height * 0.075));
  const levelLabel = (clear = 0) =>
    labelNode({
      id: 'takeover-level',
      box: { x: margin + clear, y: bandH + Math.round(margin / 2), w: screen.width - 2 * margin - 2 * clear, h: levelH },
      text: riskLevelLine(notice.riskLevel),
      weight: 700,
      minSizePx: minTextPx,
      maxSizePx: Math.round(levelH * 0.7),
      color: colours.text,
      align: 'center',
      measurer,
    });
  const level = levelLabel();
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
  let bodyBottom = until ? screen.height - untilH - Math.round(margin / 2) : screen.height - margin;
  // Who issued it and when, just above the validity line; where it cannot fit there (narrow
  // screens, long sender names), it becomes the last paragraph of the text instead.
  let issue: TextNode | undefined;
  let blocks = notice.blocks;
  if (notice.issueLine) {
    const issueBox = { x: margin, y: 0, w: screen.width - 2 * margin, h: Math.ceil(minTextPx * 1.3) * 2 };
    const fitted = fitTextNodes({
      id: 'takeover-issue',
      box: issueBox,
      blocks: plainBlocks(notice.issueLine),
      weight: 600,
      minSizePx: minTextPx,
      maxSizePx: Math.max(minTextPx, Math.round(untilH * 0.5)),
      lineHeight: 1.3,
      color: colours.text,
      align: 'center',
      paginate: false,
      balance: true,
      measurer,
    });
    const usedH = fitted.ok ? (fitted.usedHeights[0] ?? 0) : 0;
    if (fitted.ok && fitted.pages.length === 1 && bodyBottom - usedH - bodyTop >= minTextPx * 3) {
      bodyBottom -= usedH;
      issue = { ...fitted.pages[0]!, y: bodyBottom, h: usedH };
      bodyBottom -= Math.round(margin / 3);
    } else {
      blocks = [...notice.blocks, ...plainBlocks(notice.issueLine)];
    }
  }
  // Long text reads better ranged left; short warnings on small walls stay centred.
  const bodyAlign = screen.width >= 900 ? 'left' : 'center';
  const body = fitTextNodes({
    id: 'takeover-body',
    box: { x: margin, y: bodyTop, w: screen.width - 2 * margin, h: bodyBottom - bodyTop },
    blocks,
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
  const count = body.pages.length;
  // With several pages, "2/3" at the right of the black band, so that a passer-by knows the
  // warning goes on; the banner then keeps clear of it on both sides to stay centred. Where
  // the two cannot share the band (a long exercise mark on a narrow wall), the banner keeps
  // the band, in the same words, and the number goes to the right of the risk-level line.
  const counterText = (i: number) => `${i + 1}/${count}`;
  const counterPx = Math.max(minTextPx, Math.round(bandH * 0.5));
  const counterW = Math.ceil(measurer.width(counterText(count - 1), 800, counterPx)) + Math.round(margin / 2);
  // The banner's wording comes first: an exercise that fits its long mark keeps it.
  const bannerText = banner?.lines[0]?.runs[0]?.text;
  const sharedBanner = count > 1 && bannerText !== undefined ? bannerLabel(bannerText, counterW) : undefined;
  const counterInBand = sharedBanner !== undefined;
  const narrowLevel = count > 1 && !counterInBand ? levelLabel(counterW) : undefined;
  // Nowhere to put it without covering the banner or the level: left out (the pages still turn).
  const counter = (i: number): TextNode | undefined =>
    count < 2 || (!counterInBand && !narrowLevel)
      ? undefined
      : counterInBand
        ? labelNode({ id: 'takeover-page', box: { x: screen.width - margin - counterW, y: 0, w: counterW, h: bandH }, text: counterText(i), weight: 800, minSizePx: minTextPx, maxSizePx: counterPx, color: notice.exercise ? EXERCISE_COLOURS.ink : '#ffffff', align: 'right', measurer })
        : labelNode({ id: 'takeover-page', box: { x: screen.width - margin - counterW, y: bandH + Math.round(margin / 2), w: counterW, h: levelH }, text: counterText(i), weight: 800, minSizePx: minTextPx, maxSizePx: Math.max(minTextPx, Math.round(levelH * 0.7)), color: colours.text, align: 'right', measurer });
  const shownBanner = sharedBanner ?? banner;
  const shownLevel = narrowLevel ?? level;
  const fixed: SceneNode[] = [background, band, ...(shownBanner ? [shownBanner] : []), ...stripe, ...(shownLevel ? [shownLevel] : []), ...title.pages, ...(issue ? [issue] : []), ...(until ? [until] : [])];
  const pages: PlannedPage[] = body.pages.map((bodyPage, i) => {
    const pageNumber = counter(i);
    const text = `${notice.title} ${bodyPage.lines.map((l) => l.runs.map((r) => r.text).join('')).join(' ')}`;
    return {
      id: `${notice.id}-${i + 1}`,
      noticeId: notice.id,
      index: i,
      count: body.pages.length,
      durationMs: pageDurationMs(text),
      transition: { kind: screen.kind === 'led' ? 'cut' : 'fade', durationMs: screen.kind === 'led' ? 0 : 400 },
      showChrome: false,
      nodes: [...fixed, bodyPage, ...(pageNumber ? [pageNumber] : [])],
    };
  });
  return { ok: true, pages };
}

// ---------------------------------------------------------------------------------------------
// The banner: lesser alerts (not urgent, or not severe) do not take the screen over; they sit
// in a band in the risk colour over the normal content until they expire or are cancelled.

export type EmergencyBannerResult =
  | { ok: true; nodes: SceneNode[]; box: Box }
  | { ok: false; problem: LayoutProblem };

/**
 * Scene nodes (rect, text, ticker only) that the renderer draws over whatever page is
 * playing. The band is at the bottom by default, over the layouts' own tickers, whose place
 * it takes while it is up. A label at the left says what it is ("CẢNH BÁO", or "DIỄN TẬP" on
 * hazard yellow for an exercise); the message is one line, fitted when it fits at a legible
 * size and otherwise scrolling. Signs too short for more than one line (192×64) get the
 * whole sign, as one scrolling line.
 */
export function emergencyBanner(context: LayoutContext, notice: EmergencyContent, options: { position?: 'top' | 'bottom' } = {}): EmergencyBannerResult {
  const { screen, measurer, minTextPx } = context;
  const colours = riskColour(notice.riskLevel);
  const single = screen.height < minTextPx * 3;
  // Sized on the shorter side, so a portrait kiosk gets the same band as a landscape hall screen.
  const bandH = single ? screen.height : Math.max(Math.round(minTextPx * 1.9), Math.round(Math.min(screen.width, screen.height) * 0.09));
  const y = single || options.position === 'top' ? 0 : screen.height - bandH;
  const box: Box = { x: 0, y, w: screen.width, h: bandH };
  const message = `${riskLevelLine(notice.riskLevel)} – ${notice.title}${notice.issueLine ? ` (${notice.issueLine})` : ''}`;
  const nodes: SceneNode[] = [{ type: 'rect', id: 'alert-banner-bg', ...box, fill: { kind: 'solid', color: colours.background } }];
  const sizePx = Math.max(8, Math.min(Math.floor(bandH / (FONT_INK_TOP_EM + FONT_INK_BOTTOM_EM)), Math.round(bandH * 0.56)));
  const scrolling = (text: string, area: Box): SceneNode => {
    const width = Math.ceil(measurer.width(text, 800, sizePx));
    return tickerNode({
      id: 'alert-banner-line',
      box: area,
      items: [{ text, width, fromMs: notice.validFromMs, toMs: notice.validToMs }],
      sizePx,
      weight: 800,
      color: colours.text,
      // LED steps one whole pixel per frame (smooth only at integer steps); LCDs read better faster.
      pxPerFrame: screen.kind === 'led' ? 1 : Math.max(1, Math.round(screen.height / 540)),
      phase: 'clock',
    });
  };

  if (single) {
    const lead = notice.exercise ? `${EXERCISE_BANNER} – ` : 'CẢNH BÁO – ';
    nodes.push(scrolling(`${lead}${message}`, box));
    return { ok: true, nodes, box };
  }

  // Contrasting edge towards the content, so the band does not read as part of a page.
  const edge = Math.max(2, Math.round(bandH * 0.05));
  nodes.push({ type: 'rect', id: 'alert-banner-edge', x: 0, y: options.position === 'top' ? y + bandH - edge : y, w: screen.width, h: edge, fill: { kind: 'solid', color: PALETTE.black } });
  const inner: Box = { x: 0, y: options.position === 'top' ? y : y + edge, w: screen.width, h: bandH - edge };
  const pad = Math.round(inner.h * 0.3);
  const tabText = notice.exercise ? 'DIỄN TẬP' : 'CẢNH BÁO';
  const tabWidth = Math.ceil(measurer.width(tabText, 800, sizePx)) + 2 * pad;
  nodes.push({ type: 'rect', id: 'alert-banner-tab', x: 0, y: inner.y, w: tabWidth, h: inner.h, fill: { kind: 'solid', color: notice.exercise ? EXERCISE_COLOURS.band : PALETTE.black } });
  const tab = labelNode({
    id: 'alert-banner-tab-label',
    box: { x: pad, y: inner.y, w: tabWidth - 2 * pad, h: inner.h },
    text: tabText,
    weight: 800,
    minSizePx: Math.min(minTextPx, sizePx),
    maxSizePx: sizePx,
    color: notice.exercise ? EXERCISE_COLOURS.ink : colours.background === '#fff07a' ? '#fff07a' : '#ffffff',
    align: 'center',
    measurer,
  });
  if (!tab && notice.exercise) return { ok: false, problem: exerciseProblem(notice, 'alert banner') };
  if (tab) nodes.push(tab);
  const area: Box = { x: tabWidth + pad, y: inner.y, w: screen.width - tabWidth - 2 * pad, h: inner.h };
  const text = notice.exercise ? `${EXERCISE_BANNER}: ${message}` : message;
  const fitted = labelNode({ id: 'alert-banner-line', box: area, text, weight: 800, minSizePx: Math.min(minTextPx, sizePx), maxSizePx: sizePx, color: colours.text, align: 'left', measurer });
  nodes.push(fitted ?? scrolling(text, area));
  return { ok: true, nodes, box };
}
