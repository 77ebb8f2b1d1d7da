import { FONT_INK_BOTTOM_EM, FONT_INK_TOP_EM } from '../../compiler/format/font-faces.ts';
import type { FontWeight } from '../../compiler/format/font-faces.ts';
import type { ClockNode, QrNode, TickerItem, TickerNode } from '../../compiler/format/scene.ts';
import {
  LONGEST_DATE_LONG_SAMPLE,
  LONGEST_DATE_SHORT_SAMPLE,
  LONGEST_LUNAR_DATE_LONG_SAMPLE,
  LONGEST_TIME_SAMPLE,
  LONGEST_TIME_WITH_SECONDS_SAMPLE,
  formatDateShort,
} from '../../compiler/format/vietnamese-date.ts';
import type { TextMeasurer } from '../../compiler/plan/text-measure.ts';
import type { LayoutNotice } from './layout-types.ts';
import { centredBaseline, type Box } from './text-nodes.ts';

// Nodes that live in a layout's frame rather than in a notice: clocks, the ticker, the QR code.

const LONGEST_SAMPLE: Record<ClockNode['format'], string> = {
  time: LONGEST_TIME_SAMPLE,
  'time-seconds': LONGEST_TIME_WITH_SECONDS_SAMPLE,
  'date-short': LONGEST_DATE_SHORT_SAMPLE,
  'date-long': LONGEST_DATE_LONG_SAMPLE,
  'lunar-long': LONGEST_LUNAR_DATE_LONG_SAMPLE,
};

/** A clock sized so that the widest string its format can produce still fits the box. */
export function clockNode(options: {
  id: string;
  box: Box;
  format: ClockNode['format'];
  weight: FontWeight;
  color: string;
  align: ClockNode['align'];
  maxSizePx: number;
  measurer: TextMeasurer;
}): ClockNode {
  const unit = options.measurer.width(LONGEST_SAMPLE[options.format], options.weight, 1);
  const size = Math.max(1, Math.min(options.maxSizePx, Math.floor((options.box.w / unit) * 0.98), Math.floor(options.box.h / (FONT_INK_TOP_EM + FONT_INK_BOTTOM_EM))));
  return {
    type: 'clock',
    id: options.id,
    ...options.box,
    format: options.format,
    sizePx: size,
    weight: options.weight,
    color: options.color,
    align: options.align,
    baseline: centredBaseline(options.box.h, size),
  };
}

/** Items valid for all time, e.g. the unit's name between notices. */
const ALWAYS = { fromMs: -8_640_000_000_000_000, toMs: 8_640_000_000_000_000 };
const UPCOMING_NOTICE_MS = 7 * 86_400_000;

/**
 * The ticker of "upcoming and priority notices". Each item scrolls only inside its own time
 * window, so the bundle stays timeless: an upcoming notice is announced in the week before it
 * starts, a priority notice while it is valid, and the unit's name always.
 */
export function tickerItems(options: {
  notices: readonly LayoutNotice[];
  siteName: string;
  weight: FontWeight;
  sizePx: number;
  measurer: TextMeasurer;
}): TickerItem[] {
  const items: { text: string; fromMs: number; toMs: number }[] = [{ text: `${options.siteName} – Bảng tin điện tử công cộng`, ...ALWAYS }];
  for (const notice of options.notices) {
    if (notice.priority === 'priority' || notice.priority === 'emergency') {
      items.push({ text: notice.title, fromMs: notice.validFromMs, toMs: notice.validToMs });
    }
    items.push({
      text: `Sắp tới, từ ngày ${formatDateShort(notice.validFromMs)}: ${notice.title}`,
      fromMs: notice.validFromMs - UPCOMING_NOTICE_MS,
      toMs: notice.validFromMs,
    });
  }
  return items.map((item) => ({ ...item, width: Math.ceil(options.measurer.width(item.text, options.weight, options.sizePx)) }));
}

export function tickerNode(options: {
  id: string;
  box: Box;
  items: TickerItem[];
  sizePx: number;
  weight: FontWeight;
  color: string;
  pxPerFrame: number;
  phase: TickerNode['phase'];
  separator?: string;
}): TickerNode {
  return {
    type: 'ticker',
    id: options.id,
    ...options.box,
    sizePx: options.sizePx,
    weight: options.weight,
    color: options.color,
    baseline: centredBaseline(options.box.h, options.sizePx),
    items: options.items,
    gapPx: Math.round(options.sizePx * 2.2),
    separator: options.separator ?? '•',
    pxPerFrame: options.pxPerFrame,
    // 60 Hz: the refresh rate of LED sending cards and LCD panels alike.
    frameMs: 1000 / 60,
    phase: options.phase,
  };
}

/** A QR code drawn as whole pixels per module, centred in its square box. */
export function qrNode(options: { id: string; box: Box; modules: readonly string[] }): QrNode | undefined {
  const count = options.modules.length;
  // 4 modules of quiet zone on each side, as the QR standard asks.
  const modulePx = Math.floor(Math.min(options.box.w, options.box.h) / (count + 8));
  if (modulePx < 2) return undefined;
  const side = modulePx * (count + 8);
  return {
    type: 'qr',
    id: options.id,
    x: options.box.x + Math.floor((options.box.w - side) / 2),
    y: options.box.y + Math.floor((options.box.h - side) / 2),
    w: side,
    h: side,
    modules: [...options.modules],
    dark: '#000000',
    light: '#ffffff',
  };
}
