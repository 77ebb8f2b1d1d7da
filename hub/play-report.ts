import type { ManifestApproval } from '../compiler/format/bundle-manifest.ts';
import { VIETNAM_OFFSET_MS } from '../compiler/format/vietnam-time.ts';
import type { AlertDatabase } from './alert-database.ts';
import type { HubDatabase, PlayRow } from './hub-database.ts';

// The play report the source systems ask for: per screen and notice, how often and how long
// it was on screen between two instants. Pure: rows in, rows and text out.
//
// A play belongs to the window when it *starts* in [fromMs, toMs), and counts whole. Clipping
// plays at the window's edges would make counts fractional and consecutive reports disagree
// about a play that spans midnight; counting by start keeps every play in exactly one report.

export interface PlayReportRow {
  readonly screenId: string;
  /** null for pages that belong to no notice (the idle page). */
  readonly noticeId: string | null;
  readonly noticeTitle: string | null;
  /** Who approved the notice, as the newest published manifest records it (null for the idle page). */
  readonly approval: ManifestApproval | null;
  readonly plays: number;
  readonly devices: number;
  readonly totalSeconds: number;
  readonly firstStartMs: number;
  readonly lastEndMs: number;
}

export interface PlayReport {
  readonly fromMs: number;
  readonly toMs: number;
  readonly rows: readonly PlayReportRow[];
}

export function buildPlayReport(options: {
  plays: readonly PlayRow[];
  fromMs: number;
  toMs: number;
  /** Notice id → title, from the published manifests. */
  noticeTitles: ReadonlyMap<string, string>;
  /** Notice id → its approval, from the published manifests. */
  noticeApprovals?: ReadonlyMap<string, ManifestApproval> | undefined;
}): PlayReport {
  const groups = new Map<string, { screenId: string; noticeId: string | null; plays: number; devices: Set<string>; ms: number; first: number; last: number }>();
  for (const play of options.plays) {
    if (play.startMs < options.fromMs || play.startMs >= options.toMs) continue;
    const key = `${play.screenId}\u0000${play.noticeId ?? ''}`;
    let group = groups.get(key);
    if (!group) {
      group = { screenId: play.screenId, noticeId: play.noticeId, plays: 0, devices: new Set(), ms: 0, first: play.startMs, last: play.endMs };
      groups.set(key, group);
    }
    group.plays += 1;
    group.devices.add(play.deviceId);
    group.ms += Math.max(0, play.endMs - play.startMs); // a clock step back on a player must not subtract
    group.first = Math.min(group.first, play.startMs);
    group.last = Math.max(group.last, play.endMs);
  }
  const rows = [...groups.values()]
    .map((group) => ({
      screenId: group.screenId,
      noticeId: group.noticeId,
      noticeTitle: group.noticeId === null ? null : (options.noticeTitles.get(group.noticeId) ?? null),
      approval: group.noticeId === null ? null : (options.noticeApprovals?.get(group.noticeId) ?? null),
      plays: group.plays,
      devices: group.devices.size,
      totalSeconds: Math.round(group.ms / 100) / 10,
      firstStartMs: group.first,
      lastEndMs: group.last,
    }))
    .sort((a, b) => compare(a.screenId, b.screenId) || compare(a.noticeId ?? '', b.noticeId ?? ''));
  return { fromMs: options.fromMs, toMs: options.toMs, rows };
}

/** The report over what the hub database holds: the one impure entry point. */
export function loadPlayReport(options: { db: HubDatabase; fromMs: number; toMs: number; alerts?: AlertDatabase | undefined }): PlayReport {
  const plays = options.db.plays({ fromMs: options.fromMs, toMs: options.toMs });
  const bundleIds = plays.map((play) => play.bundleId);
  const noticeTitles = options.db.noticeTitles(bundleIds);
  const noticeApprovals = options.db.noticeApprovals(bundleIds);
  // Takeovers of alerts were played from emergency statements, not bundles: their titles and
  // sources (the CAP sender, pre-approved by the trust list) are in the alert record.
  for (const [noticeId, notice] of options.alerts?.emergencyNotices() ?? []) {
    if (!noticeTitles.has(noticeId)) noticeTitles.set(noticeId, notice.title);
    if (!noticeApprovals.has(noticeId)) noticeApprovals.set(noticeId, notice.approval);
  }
  return buildPlayReport({ plays, fromMs: options.fromMs, toMs: options.toMs, noticeTitles, noticeApprovals });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** ISO 8601 in Vietnam time with its offset: what the officers reading the report live by. */
export function vietnamIso(epochMs: number): string {
  return `${new Date(epochMs + VIETNAM_OFFSET_MS).toISOString().slice(0, 19)}+07:00`;
}

// ---- CSV --------------------------------------------------------------------------------------

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled.
 * Text that a spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe:
 * notice titles come from outside the station, and a report opened in Excel must not execute
 * them.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const PLAY_REPORT_COLUMNS = ['screen', 'notice', 'title', 'plays', 'devices', 'total_seconds', 'first_start', 'last_end', 'approved_by', 'approver_role', 'approved_at', 'approver_id', 'approval_verified'] as const;

/** "yes" when the compiler verified the approver's signature, "no" when the approval was taken on trust, empty for the idle page. */
function verifiedText(approval: ManifestApproval | null): string | null {
  return approval === null ? null : approval.verified === true ? 'yes' : 'no';
}

/**
 * The report as CSV: UTF-8 with a byte-order mark (without it Excel reads UTF-8 as the
 * Windows code page and Vietnamese titles come out garbled) and CRLF line ends (RFC 4180).
 */
export function playReportCsv(report: PlayReport): string {
  const lines = [PLAY_REPORT_COLUMNS.join(',')];
  for (const row of report.rows) {
    lines.push(
      [
        row.screenId,
        row.noticeId,
        row.noticeTitle,
        row.plays,
        row.devices,
        row.totalSeconds,
        vietnamIso(row.firstStartMs),
        vietnamIso(row.lastEndMs),
        row.approval?.by ?? null,
        row.approval?.role ?? null,
        row.approval?.at ?? null,
        row.approval?.approver ?? null,
        verifiedText(row.approval),
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** The report as JSON, instants both as epoch ms and as Vietnam-time ISO text. */
export function playReportJson(report: PlayReport): string {
  return `${JSON.stringify(
    {
      from: vietnamIso(report.fromMs),
      to: vietnamIso(report.toMs),
      rows: report.rows.map((row) => ({
        ...row,
        approval: row.approval === null ? null : { ...row.approval, verified: row.approval.verified === true },
        firstStart: vietnamIso(row.firstStartMs),
        lastEnd: vietnamIso(row.lastEndMs),
      })),
    },
    null,
    2,
  )}\n`;
}
