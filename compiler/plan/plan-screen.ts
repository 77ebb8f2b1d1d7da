import { canonicalJson } from '../format/canonical-json.ts';
import type { Site, Screen } from '../format/site-schema.ts';
import type { LayoutContext, LayoutNotice, LayoutOutput, LayoutProblem, NoticePagesResult, PlannedPage } from '../../layouts/common/layout-types.ts';
import { emergencyPages } from '../../layouts/common/emergency-takeover.ts';
import { LAYOUTS } from '../../layouts/registry.ts';
import type { CompileProblem } from './compile-problem.ts';
import type { LoadedNotice } from './loaded-notice.ts';
import type { TextMeasurer } from './text-measure.ts';
import { sitePath } from './select-notices.ts';

// Evaluates one screen's layout template over the notices selected for it. Pure: image sizes
// come in as data, the image requests in the result are fulfilled by the I/O layer, and a
// notice's pages are looked up in an injected cache first, so that recompiling after one
// notice changed lays out only that notice again.

/**
 * Smallest legible text on a screen. LED: 24 px whatever the pitch (DOMAIN.md: stacked marks
 * need about 24–32 px of LEDs). LCD: 1/40 of the screen's shorter side, at least 24 px
 * (27 px on a 1080-line panel, landscape or portrait).
 */
export function minimumTextPx(screen: Screen): number {
  if (screen.kind === 'led') return 24;
  return Math.max(24, Math.ceil(Math.min(screen.size.width, screen.size.height) / 40));
}

/** Remembers a notice's pages under a key that covers everything they depend on. */
export interface NoticePagesCache {
  get(key: string): NoticePagesResult | undefined;
  set(key: string, value: NoticePagesResult): void;
}

export function toLayoutNotice(notice: LoadedNotice, imageSizes: ReadonlyMap<string, { width: number; height: number }>): LayoutNotice {
  return {
    id: notice.front.id,
    title: notice.front.title,
    category: notice.front.category,
    priority: notice.front.priority,
    riskLevel: notice.front.riskLevel,
    blocks: notice.blocks,
    images: notice.images.flatMap((image, index) => {
      const size = imageSizes.get(image.sourceHash);
      return size ? [{ index, width: size.width, height: size.height }] : [];
    }),
    validFromMs: notice.validFromMs,
    validToMs: notice.validToMs,
  };
}

export function planScreen(options: {
  site: Site;
  screen: Screen;
  notices: readonly LoadedNotice[];
  imageSizes: ReadonlyMap<string, { width: number; height: number }>;
  measurer: TextMeasurer;
  qr?: { modules: readonly string[]; label: string } | undefined;
  siteFile: string;
  cache?: NoticePagesCache | undefined;
  /** Identifies the layout code and fonts, so cached pages of older code are not reused. */
  codeVersion?: string | undefined;
}): { output: LayoutOutput; problems: CompileProblem[] } {
  const { screen, site } = options;
  const template = LAYOUTS[screen.layout];
  const context: LayoutContext = {
    screen: { id: screen.id, kind: screen.kind, width: screen.size.width, height: screen.size.height, pitchMm: screen.pitchMm },
    site: { name: site.name, path: sitePath(site) },
    measurer: options.measurer,
    minTextPx: minimumTextPx(screen),
    qr: options.qr,
  };
  const params = template.params.parse({});
  const layoutNotices = options.notices.map((notice) => toLayoutNotice(notice, options.imageSizes));
  const frame = template.frame(context, layoutNotices, params);

  const pages: PlannedPage[] = [];
  const layoutProblems: LayoutProblem[] = [];
  for (const notice of layoutNotices) {
    const key = canonicalJson({ code: options.codeVersion ?? '', screen: context.screen, layout: template.name, params, minTextPx: context.minTextPx, qr: context.qr ?? null, notice });
    let result = options.cache?.get(key);
    if (!result) {
      result = notice.priority === 'emergency' ? emergencyPages(context, notice) : template.noticePages(context, notice, params);
      options.cache?.set(key, result);
    }
    if (result.ok) pages.push(...result.pages);
    else layoutProblems.push(result.problem);
  }

  const fileOf = new Map(options.notices.map((notice) => [notice.front.id, notice.file]));
  const problems = layoutProblems.map(
    (problem): CompileProblem => ({
      severity: problem.severity,
      code: problem.code,
      file: (problem.noticeId && fileOf.get(problem.noticeId)) || options.siteFile,
      screen: screen.id,
      message: problem.message,
    }),
  );
  return { output: { ...frame, pages, problems: layoutProblems }, problems };
}
