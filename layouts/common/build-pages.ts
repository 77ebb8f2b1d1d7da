import { emergencyPages } from './emergency-takeover.ts';
import type { LayoutContext, LayoutNotice, LayoutProblem, NoticePagesResult, PlannedPage } from './layout-types.ts';

/**
 * Runs a layout's page builder over every notice; emergencies get the shared takeover
 * instead. A notice that cannot be laid out becomes a problem naming it, and the others
 * still get their pages so that the compile report lists every problem at once.
 */
export function buildAllPages(
  context: LayoutContext,
  notices: readonly LayoutNotice[],
  noticePages: (notice: LayoutNotice) => NoticePagesResult,
): { pages: PlannedPage[]; problems: LayoutProblem[] } {
  const pages: PlannedPage[] = [];
  const problems: LayoutProblem[] = [];
  for (const notice of notices) {
    const result = notice.priority === 'emergency' ? emergencyPages(context, notice) : noticePages(notice);
    if (result.ok) pages.push(...result.pages);
    else problems.push(result.problem);
  }
  return { pages, problems };
}
