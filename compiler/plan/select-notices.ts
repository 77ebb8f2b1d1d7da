import type { Site } from '../format/site-schema.ts';
import type { WithdrawalEntry } from '../format/withdrawals.ts';
import type { ApprovalCheck } from './approval-check.ts';
import type { LoadedNotice } from './loaded-notice.ts';

// Which notices go to which screen. Only approved notices that have not ended at the compile
// instant and that target this site (or one of its ancestors, or one of its screens) qualify.

export interface SkippedNotice {
  readonly id: string;
  readonly file: string;
  readonly reason: string;
  /** Why, as a stable code, where the reason is one a tool acts on (withdrawn, approval refused). */
  readonly code?: string;
}

export interface Selection {
  /** screen id → notices for that screen, in id order. */
  readonly byScreen: ReadonlyMap<string, readonly LoadedNotice[]>;
  readonly skipped: readonly SkippedNotice[];
}

/** The site's place in the administrative tree, root first, the site itself last. */
export function sitePath(site: Site): string[] {
  const parents = site.parent === undefined ? [] : Array.isArray(site.parent) ? site.parent : [site.parent];
  return [...parents, site.site];
}

export function selectNotices(options: {
  notices: readonly LoadedNotice[];
  site: Site;
  atMs: number;
  /** Notice file → the check of its approval; a refused approval keeps the notice off every screen. */
  approvals?: ReadonlyMap<string, ApprovalCheck> | undefined;
  /** Notice id → the withdrawal in force (compiler/format/withdrawals.ts). */
  withdrawn?: ReadonlyMap<string, WithdrawalEntry> | undefined;
}): Selection {
  const { site, atMs } = options;
  const path = new Set(sitePath(site));
  const screenIds = new Set(site.screens.map((s) => s.id));
  const byScreen = new Map<string, LoadedNotice[]>(site.screens.map((s) => [s.id, []]));
  const skipped: SkippedNotice[] = [];
  const sorted = [...options.notices].sort((a, b) => (a.front.id < b.front.id ? -1 : a.front.id > b.front.id ? 1 : 0));

  for (const notice of sorted) {
    const { id } = notice.front;
    const withdrawal = options.withdrawn?.get(id);
    if (withdrawal) {
      const reason = withdrawal.reason ? ` (${withdrawal.reason})` : '';
      skipped.push({ id, file: notice.file, code: 'WITHDRAWN', reason: `withdrawn by ${withdrawal.by} at ${withdrawal.at}${reason}; "signage withdraw ${id} --restore" shows it again` });
      continue;
    }
    const check = options.approvals?.get(notice.file);
    if (notice.front.approval && check?.status === 'refused') {
      skipped.push({ id, file: notice.file, code: check.code, reason: `${check.field}: ${check.reason}` });
      continue;
    }
    if (!notice.front.approval) {
      skipped.push({ id, file: notice.file, reason: 'not approved: it has no approval record (approval: {by, role, at}); a draft never reaches a screen' });
      continue;
    }
    if (notice.validToMs <= atMs) {
      skipped.push({ id, file: notice.file, reason: `expired: valid.to ${notice.front.valid.to} is before the compile instant` });
      continue;
    }
    const wholeSite = notice.front.targets.some((target) => path.has(target));
    const screens = notice.front.targets.filter((target) => screenIds.has(target));
    if (!wholeSite && screens.length === 0) {
      skipped.push({ id, file: notice.file, reason: `targets ${notice.front.targets.join(', ')}, none of which is this site (${[...path].join(' › ')}) or one of its screens` });
      continue;
    }
    for (const screen of site.screens) {
      if (wholeSite || screens.includes(screen.id)) byScreen.get(screen.id)?.push(notice);
    }
  }
  return { byScreen, skipped };
}
