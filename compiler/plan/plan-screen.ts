import type { Site, Screen } from '../format/site-schema.ts';
import type { LayoutNotice, LayoutOutput } from '../../layouts/common/layout-types.ts';
import { LAYOUTS } from '../../layouts/registry.ts';
import type { CompileProblem } from './compile-problem.ts';
import type { LoadedNotice } from './loaded-notice.ts';
import type { TextMeasurer } from './text-measure.ts';
import { sitePath } from './select-notices.ts';

// Evaluates one screen's layout template over the notices selected for it. Pure: image sizes
// come in as data, and the image requests in the result are fulfilled by the I/O layer.

/**
 * Smallest legible text on a screen. LED: 24 px whatever the pitch (DOMAIN.md: stacked marks
 * need about 24–32 px of LEDs). LCD: 1/40 of the screen's shorter side, at least 24 px
 * (27 px on a 1080-line panel, landscape or portrait).
 */
export function minimumTextPx(screen: Screen): number {
  if (screen.kind === 'led') return 24;
  return Math.max(24, Math.ceil(Math.min(screen.size.width, screen.size.height) / 40));
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
}): { output: LayoutOutput; problems: CompileProblem[] } {
  const { screen, site } = options;
  const template = LAYOUTS[screen.layout];
  const context = {
    screen: { id: screen.id, kind: screen.kind, width: screen.size.width, height: screen.size.height, pitchMm: screen.pitchMm },
    site: { name: site.name, path: sitePath(site) },
    measurer: options.measurer,
    minTextPx: minimumTextPx(screen),
    qr: options.qr,
  };
  const layoutNotices = options.notices.map((notice) => toLayoutNotice(notice, options.imageSizes));
  const output = template.build(context, layoutNotices, template.params.parse({}));
  const fileOf = new Map(options.notices.map((notice) => [notice.front.id, notice.file]));
  const problems = output.problems.map(
    (problem): CompileProblem => ({
      severity: problem.severity,
      code: problem.code,
      file: (problem.noticeId && fileOf.get(problem.noticeId)) || options.siteFile,
      screen: screen.id,
      message: problem.message,
    }),
  );
  return { output, problems };
}
