import { STACKED_CAPITALS_LINE_HEIGHT } from '../../compiler/plan/text-fit.ts';
import type { SceneNode, TextNode, Transition } from '../../compiler/format/scene.ts';
import type { LayoutContext, LayoutNotice, NoticePagesResult, PlannedNode, PlannedPage } from './layout-types.ts';
import { PALETTE, categoryColour, categoryLabel } from './palette.ts';
import { pageDurationMs } from './reading-time.ts';
import { fitTextNodes, labelNode, plainBlocks, type Box } from './text-nodes.ts';

// The body of a notice on an LCD board: a category tag, the title, the text paginated into
// pages, a page counter, and the notice's picture where the layout has room for one. The
// landscape and portrait layouts differ only in where these boxes go.

export interface NoticeRegions {
  /** Where the tag, title, text and page counter go. */
  readonly text: Box;
  /** Where the picture goes, when the notice has one; the picture keeps its aspect ratio. */
  readonly image?: Box | undefined;
  /** Text sizes, in pixels. */
  readonly titleMaxPx: number;
  readonly titleMinPx: number;
  readonly bodyMaxPx: number;
  /** Body text is never set smaller than this; longer text goes onto more pages instead. */
  readonly bodyMinPx: number;
  readonly tagPx: number;
}

export interface NoticeTheme {
  readonly titleColour: string;
  readonly bodyColour: string;
  readonly mutedColour: string;
}

export const PAPER_THEME: NoticeTheme = { titleColour: PALETTE.headerRedDark, bodyColour: PALETTE.ink, mutedColour: PALETTE.inkSoft };

/** The largest box of the picture's aspect ratio inside `box`, centred horizontally, top-aligned. */
export function containBox(box: Box, aspect: { width: number; height: number }): Box {
  const scale = Math.min(box.w / aspect.width, box.h / aspect.height);
  const w = Math.max(1, Math.floor(aspect.width * scale));
  const h = Math.max(1, Math.floor(aspect.height * scale));
  return { x: box.x + Math.floor((box.w - w) / 2), y: box.y, w, h };
}

export function lcdNoticePages(options: {
  context: LayoutContext;
  notice: LayoutNotice;
  regions: NoticeRegions;
  theme?: NoticeTheme;
  transition: Transition;
}): NoticePagesResult {
  const { context, notice, regions } = options;
  const theme = options.theme ?? PAPER_THEME;
  const { measurer } = context;
  const text = regions.text;
  const fixed: PlannedNode[] = [];

  // Tag row: category, and "ƯU TIÊN" for priority notices.
  const tagH = Math.round(regions.tagPx * 1.7);
  let tagX = text.x;
  const tags: { label: string; colour: string }[] = [{ label: categoryLabel(notice.category), colour: categoryColour(notice.category) }];
  if (notice.priority === 'priority') tags.push({ label: 'ƯU TIÊN', colour: PALETTE.headerRed });
  for (const [i, tag] of tags.entries()) {
    const labelW = Math.ceil(measurer.width(tag.label, 700, regions.tagPx)) + Math.round(regions.tagPx * 1.4);
    fixed.push({ type: 'rect', id: `tag-${i}`, x: tagX, y: text.y, w: labelW, h: tagH, fill: { kind: 'solid', color: tag.colour }, radius: Math.round(tagH / 5) });
    const label = labelNode({ id: `tag-${i}-text`, box: { x: tagX, y: text.y, w: labelW, h: tagH }, text: tag.label, weight: 700, minSizePx: regions.tagPx, maxSizePx: regions.tagPx, color: PALETTE.white, align: 'center', measurer });
    if (label) fixed.push(label);
    tagX += labelW + Math.round(regions.tagPx * 0.6);
  }

  const gap = Math.round(regions.bodyMinPx * 0.6);
  const counterH = Math.round(regions.tagPx * 1.6);
  const titleTop = text.y + tagH + gap;
  const title = fitTextNodes({
    id: 'title',
    box: { x: text.x, y: titleTop, w: text.w, h: Math.round((text.h - tagH - counterH) * 0.4) },
    blocks: plainBlocks(notice.title, true),
    weight: 700,
    boldWeight: 700,
    minSizePx: regions.titleMinPx,
    maxSizePx: regions.titleMaxPx,
    lineHeight: STACKED_CAPITALS_LINE_HEIGHT,
    color: theme.titleColour,
    paginate: false,
    balance: true,
    measurer,
  });
  if (!title.ok) {
    return { ok: false, problem: { severity: 'error', code: title.code, noticeId: notice.id, message: `the title does not fit on screen ${context.screen.id}: ${title.message}` } };
  }
  const titleH = title.usedHeights[0] ?? 0;
  fixed.push(...title.pages);
  // Below the ink of the last title line (its dot-below and descenders), not on it.
  const ruleY = titleTop + titleH + Math.round(gap * 0.8);
  fixed.push({ type: 'rect', id: 'title-rule', x: text.x, y: ruleY, w: Math.round(text.w * 0.18), h: Math.max(2, Math.round(regions.bodyMinPx / 9)), fill: { kind: 'solid', color: PALETTE.headerRed } });
  const bodyTop = ruleY + gap;
  const bodyBox = { x: text.x, y: bodyTop, w: text.w, h: text.y + text.h - counterH - bodyTop };

  let bodyPages: TextNode[] = [];
  if (notice.blocks.length > 0) {
    const body = fitTextNodes({
      id: 'body',
      box: bodyBox,
      blocks: notice.blocks,
      weight: 400,
      boldWeight: 700,
      minSizePx: regions.bodyMinPx,
      maxSizePx: regions.bodyMaxPx,
      lineHeight: 1.35,
      color: theme.bodyColour,
      paginate: true,
      measurer,
    });
    if (!body.ok) {
      return { ok: false, problem: { severity: 'error', code: body.code, noticeId: notice.id, message: `the text does not fit on screen ${context.screen.id}: ${body.message}` } };
    }
    bodyPages = body.pages;
  }
  const count = Math.max(1, bodyPages.length);

  const pages: PlannedPage[] = [];
  for (let i = 0; i < count; i += 1) {
    const nodes: PlannedNode[] = [...fixed];
    const bodyPage = bodyPages[i];
    if (bodyPage) nodes.push(bodyPage);
    if (count > 1) {
      const counter = labelNode({ id: 'page-counter', box: { x: text.x, y: text.y + text.h - counterH, w: text.w, h: counterH }, text: `Trang ${i + 1}/${count}`, weight: 600, minSizePx: regions.tagPx, maxSizePx: regions.tagPx, color: theme.mutedColour, align: 'right', measurer });
      if (counter) nodes.push(counter);
    }
    const image = notice.images.length > 0 && regions.image ? notice.images[i % notice.images.length] : undefined;
    if (image && regions.image) {
      const box = containBox(regions.image, image);
      nodes.push({ type: 'rect', id: 'image-frame', x: box.x - 6, y: box.y - 6, w: box.w + 12, h: box.h + 12, fill: { kind: 'solid', color: PALETTE.white } } satisfies SceneNode);
      nodes.push({ type: 'image-request', id: 'image', ...box, noticeId: notice.id, imageIndex: image.index });
    }
    const words = [notice.title, ...(bodyPage?.lines.map((line) => line.runs.map((run) => run.text).join('')) ?? [])].join(' ');
    pages.push({
      id: `${notice.id}-${i + 1}`,
      noticeId: notice.id,
      index: i,
      count,
      durationMs: pageDurationMs(words),
      transition: i === 0 ? options.transition : { kind: 'slide', durationMs: options.transition.durationMs },
      showChrome: true,
      nodes,
    });
  }
  return { ok: true, pages };
}
