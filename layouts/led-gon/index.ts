import { z } from 'zod';
import type { SceneNode } from '../../compiler/format/scene.ts';
import { STACKED_CAPITALS_LINE_HEIGHT } from '../../compiler/plan/text-fit.ts';
import { clockNode } from '../common/chrome-nodes.ts';
import type { LayoutContext, LayoutTemplate, NoticePagesResult, PlannedNode, PlannedPage } from '../common/layout-types.ts';
import { PALETTE } from '../common/palette.ts';
import { pageDurationMs } from '../common/reading-time.ts';
import { fitTextNodes, labelNode, plainBlocks } from '../common/text-nodes.ts';

// Outdoor LED walls from ~300×200 (P10) to 1440×880 (P4), read from the street: black
// background (unlit LEDs), bold text as large as the wall allows, no small print. A thin top
// strip carries the time and date; each notice shows its title on every page and its text
// paginated below; a notice's picture gets a page of its own.

const params = z.strictObject({
  showClock: z.boolean().default(true),
});

function grid(context: LayoutContext, p: z.infer<typeof params>) {
  const { screen, minTextPx } = context;
  const margin = Math.max(4, Math.round(Math.min(screen.width, screen.height) * 0.03));
  // Tall enough for legible (≥ minTextPx) digits including the ink span of the font.
  const stripH = p.showClock ? Math.max(Math.ceil(minTextPx * 1.6), Math.round(screen.height * 0.1)) : 0;
  const top = stripH + Math.max(2, Math.round(screen.height * 0.03));
  const area = { x: margin, y: top, w: screen.width - 2 * margin, h: screen.height - top - margin };
  return { margin, stripH, area };
}

export const ledGon: LayoutTemplate<typeof params> = {
  name: 'led-gon',
  description: 'LED wall: black background, large bold text, title on every page, paginated body, picture pages.',
  params,
  frame(context, _notices, p) {
    const { screen, measurer, minTextPx } = context;
    const { margin, stripH, area } = grid(context, p);
    const under: SceneNode[] = [{ type: 'rect', id: 'black', x: 0, y: 0, w: screen.width, h: screen.height, fill: { kind: 'solid', color: PALETTE.black } }];
    const over: SceneNode[] = [];
    if (p.showClock) {
      const half = Math.floor((screen.width - 2 * margin) / 2);
      over.push(clockNode({ id: 'clock', box: { x: margin, y: 0, w: half, h: stripH }, format: 'time', weight: 800, color: PALETTE.ledYellow, align: 'left', maxSizePx: Math.round(stripH * 0.78), measurer }));
      over.push(clockNode({ id: 'date', box: { x: margin + half, y: 0, w: half, h: stripH }, format: 'date-short', weight: 700, color: PALETTE.ledGreen, align: 'right', maxSizePx: Math.round(stripH * 0.7), measurer }));
      under.push({ type: 'rect', id: 'strip-rule', x: 0, y: stripH, w: screen.width, h: Math.max(1, Math.round(screen.height / 190)), fill: { kind: 'solid', color: PALETTE.headerRed } });
    }
    const idleText = labelNode({ id: 'idle-unit', box: { x: area.x, y: area.y + Math.round(area.h * 0.3), w: area.w, h: Math.round(area.h * 0.35) }, text: context.site.name, weight: 800, minSizePx: Math.min(minTextPx, 16), maxSizePx: Math.round(screen.height * 0.12), color: PALETTE.ledYellow, align: 'center', measurer });
    const idle: PlannedPage = { id: 'idle', noticeId: 'idle', index: 0, count: 1, durationMs: 60_000, transition: { kind: 'cut', durationMs: 0 }, showChrome: true, nodes: idleText ? [idleText] : [] };
    return { chrome: { under, over }, idle };
  },
  noticePages(context, notice, p): NoticePagesResult {
    const { screen, measurer, minTextPx } = context;
    const { margin, stripH, area } = grid(context, p);
    const pages: PlannedPage[] = [];
    const title = fitTextNodes({
      id: 'title',
      box: { ...area, h: Math.round(area.h * 0.45) },
      blocks: plainBlocks(notice.title, true),
      weight: 800,
      boldWeight: 800,
      minSizePx: minTextPx,
      maxSizePx: Math.max(minTextPx, Math.round(screen.height * 0.13)),
      lineHeight: STACKED_CAPITALS_LINE_HEIGHT,
      color: notice.priority === 'priority' ? PALETTE.ledYellow : PALETTE.ledGreen,
      align: 'center',
      paginate: false,
      balance: true,
      measurer,
    });
    if (!title.ok) {
      return { ok: false, problem: { severity: 'error', code: title.code, noticeId: notice.id, message: `the title cannot be shown at a legible size (≥ ${minTextPx} px) on LED screen ${screen.id}: ${title.message}` } };
    }
    const titleH = title.usedHeights[0] ?? 0;
    const bodyTop = area.y + titleH + Math.round(minTextPx * 0.4);
    const body = notice.blocks.length === 0
      ? undefined
      : fitTextNodes({
          id: 'body',
          box: { x: area.x, y: bodyTop, w: area.w, h: area.y + area.h - bodyTop },
          blocks: notice.blocks,
          weight: 700,
          boldWeight: 800,
          minSizePx: minTextPx,
          maxSizePx: Math.max(minTextPx, Math.round(title.sizePx * 0.85)),
          lineHeight: 1.3,
          color: PALETTE.ledWhite,
          paginate: true,
          measurer,
        });
    if (body && !body.ok) {
      return { ok: false, problem: { severity: 'error', code: body.code, noticeId: notice.id, message: `the text cannot be shown at a legible size (≥ ${minTextPx} px) on LED screen ${screen.id}: ${body.message}` } };
    }
    const bodyPages = body?.ok ? body.pages : [];
    const imagePages = notice.images.length > 0 && screen.width >= 300 ? 1 : 0;
    const count = Math.max(1, bodyPages.length) + imagePages;
    if (imagePages) {
      const image = notice.images[0]!;
      // The picture fills the wall (cropped to its aspect), the title sits on a dark band.
      const bandH = Math.min(Math.round(screen.height * 0.3), titleH + 2 * margin);
      const nodes: PlannedNode[] = [
        { type: 'image-request', id: 'image', x: 0, y: 0, w: screen.width, h: screen.height, noticeId: notice.id, imageIndex: image.index },
        { type: 'rect', id: 'caption-band', x: 0, y: screen.height - bandH, w: screen.width, h: bandH, fill: { kind: 'solid', color: '#000000cc' } },
      ];
      const caption = fitTextNodes({ id: 'caption', box: { x: margin, y: screen.height - bandH + Math.round(margin / 2), w: screen.width - 2 * margin, h: bandH - margin }, blocks: plainBlocks(notice.title, true), weight: 800, minSizePx: minTextPx, maxSizePx: title.sizePx, lineHeight: STACKED_CAPITALS_LINE_HEIGHT, color: PALETTE.ledYellow, align: 'center', paginate: false, balance: true, measurer });
      if (caption.ok) nodes.push(...caption.pages);
      pages.push({ id: `${notice.id}-1`, noticeId: notice.id, index: 0, count, durationMs: 8_000, transition: { kind: 'cut', durationMs: 0 }, showChrome: false, nodes });
    }
    const textPages = Math.max(1, bodyPages.length);
    for (let i = 0; i < textPages; i += 1) {
      const index = imagePages + i;
      const nodes: PlannedNode[] = [...title.pages];
      const bodyPage = bodyPages[i];
      if (bodyPage) nodes.push(bodyPage);
      if (textPages > 1 && p.showClock) {
        // The page counter shares the strip with the clock, centred, so it never takes text room.
        const counter = labelNode({ id: 'page-counter', box: { x: Math.round(screen.width / 2) - Math.round(stripH * 1.2), y: 0, w: Math.round(stripH * 2.4), h: stripH }, text: `${i + 1}/${textPages}`, weight: 700, minSizePx: minTextPx, maxSizePx: Math.max(minTextPx, Math.round(stripH * 0.6)), color: PALETTE.ledWhite, align: 'center', measurer });
        if (counter) nodes.push(counter);
      }
      const words = [notice.title, ...(bodyPage?.lines.map((l) => l.runs.map((r) => r.text).join('')) ?? [])].join(' ');
      pages.push({ id: `${notice.id}-${index + 1}`, noticeId: notice.id, index, count, durationMs: pageDurationMs(words), transition: { kind: 'cut', durationMs: 0 }, showChrome: true, nodes });
    }
    return { ok: true, pages };
  },
};
