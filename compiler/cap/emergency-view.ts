import type { BundleManifest } from '../format/bundle-manifest.ts';
import { SCHEDULE_SCHEMA_VERSION, type Schedule } from '../format/schedule.ts';
import { activeAlerts, emptyLedger, recordDecision } from './alert-ledger.ts';
import type { ShowDecision } from './evaluate-alert.ts';
import type { EmergencyStatement } from './emergency-statement.ts';
import { noticeOfStatement } from './notice-emergency.ts';

// What a screen shows of the emergency statements it holds, at one instant. Pure: the player
// calls it with its own clock (so an alert ends at `expires` with no network), the hub and
// the tests call it with theirs. The decisions are folded with alert-ledger.ts, which gives
// Update chains, Cancel (with the Updates sent before it), expiry and exercise rules; this
// file only turns the ledger's answer into something to draw:
//   - every active takeover, highest first, as one emergency playlist (a second warning is
//     not hidden behind the first; the pages alternate);
//   - else the first active banner, over the normal content;
//   - else nothing: normal content.
// Emergency notices of the commune (origin "notice") are measured against the content bundle
// on screen: once it carries the same notice (id and approved text) the content shows it,
// with its pictures, and the statement only counts as displayed; a content bundle compiled
// after the statement that no longer carries the notice withdraws it.

export interface HeldStatement {
  /** sha256 of the signed statement bytes. */
  readonly id: string;
  readonly statement: EmergencyStatement;
}

export type AckState = 'displayed' | 'pending' | 'accepted' | 'ended' | 'applied';

/** What the active content bundle says about the commune's emergency notices. */
export interface ContentNotices {
  /** The content bundle's compile instant. */
  readonly issuedAtMs: number;
  /** Its emergency notices: id → source hash of the approved text. */
  readonly emergencyNotices: ReadonlyMap<string, string>;
}

export interface EmergencyView {
  /** Takeovers on screen now, in screen order (highest risk first). */
  readonly takeovers: readonly HeldStatement[];
  /** The banner drawn over normal content now; undefined while a takeover is up or none is active. */
  readonly banner?: HeldStatement | undefined;
  /** The next instant at which the view changes by itself (an expiry or an effective time). */
  readonly nextChangeMs?: number | undefined;
  /**
   * Per held statement, what the player acknowledges: displayed (on screen), pending (not yet
   * effective), accepted (active but behind a takeover), ended (expired, replaced or cancelled
   * before or after it was shown), applied (a cancel or replacing statement, taken into account).
   */
  readonly states: ReadonlyMap<string, AckState>;
}

/** Only the newest statement per alert key counts (an older one is a replay, refused on arrival). */
function newestPerKey(held: readonly HeldStatement[]): HeldStatement[] {
  const byKey = new Map<string, HeldStatement>();
  for (const entry of held) {
    const key = entry.statement.decision.key;
    const current = byKey.get(key);
    if (!current || entry.statement.signedAtMs > current.statement.signedAtMs) byKey.set(key, entry);
  }
  return [...byKey.values()];
}

export function emergencyView(held: readonly HeldStatement[], nowMs: number, content?: ContentNotices): EmergencyView {
  const covered = new Set<string>();
  const withdrawn = new Set<string>();
  for (const entry of held) {
    const notice = noticeOfStatement(entry.statement);
    if (!notice || !content) continue;
    if (content.emergencyNotices.get(notice.id) === notice.sourceHash) covered.add(entry.id);
    else if (content.issuedAtMs > entry.statement.signedAtMs) withdrawn.add(entry.id);
  }
  const newest = newestPerKey(held.filter((entry) => !covered.has(entry.id) && !withdrawn.has(entry.id)));
  let ledger = emptyLedger();
  for (const entry of newest) ledger = recordDecision(ledger, entry.statement.decision).ledger;
  const view = activeAlerts(ledger, nowMs);
  const byKey = new Map(newest.map((entry) => [entry.statement.decision.key, entry]));
  const statementOf = (decision: ShowDecision) => byKey.get(decision.key)!;
  const takeovers = view.active.filter((d) => d.presentation === 'takeover').map(statementOf);
  const bannerDecision = takeovers.length === 0 ? view.active.find((d) => d.presentation === 'banner') : undefined;
  const banner = bannerDecision ? statementOf(bannerDecision) : undefined;

  const displayed = new Set([...takeovers, ...(banner ? [banner] : [])].map((entry) => entry.id));
  const active = new Set(view.active.map((d) => d.key));
  const pending = new Set(view.pending.map((d) => d.key));
  const states = new Map<string, AckState>();
  for (const entry of held) {
    const { decision } = entry.statement;
    let state: AckState;
    if (covered.has(entry.id)) state = 'displayed';
    else if (withdrawn.has(entry.id)) state = 'ended';
    else if (decision.kind !== 'show') state = 'applied';
    else if (displayed.has(entry.id)) state = 'displayed';
    else if (pending.has(decision.key) && byKey.get(decision.key) === entry) state = 'pending';
    else if (active.has(decision.key) && byKey.get(decision.key) === entry) state = 'accepted';
    else state = 'ended';
    states.set(entry.id, state);
  }
  return { takeovers, banner, nextChangeMs: view.nextChangeMs, states };
}

/** The takeover(s) as one bundle and schedule the renderer and the playback driver can play. */
export interface TakeoverPlay {
  /** The top takeover's statement id: names the emergency in proof of play and to the renderer. */
  readonly bundleId: string;
  readonly manifest: BundleManifest;
  readonly schedule: Schedule;
}

export function takeoverPlay(takeovers: readonly HeldStatement[]): TakeoverPlay | undefined {
  const first = takeovers[0];
  if (!first?.statement.manifest) return undefined;
  const manifests = takeovers.flatMap((entry) => (entry.statement.manifest ? [entry.statement.manifest] : []));
  const top = first.statement.manifest;
  const manifest: BundleManifest = {
    ...top,
    pages: manifests.flatMap((m) => m.pages),
    notices: manifests.flatMap((m) => m.notices),
  };
  const schedule: Schedule = {
    schemaVersion: SCHEDULE_SCHEMA_VERSION,
    screen: top.screen.id,
    bundleId: first.id,
    issuedAt: top.issuedAt,
    timezone: 'Asia/Ho_Chi_Minh',
    entries: manifests.flatMap((m) =>
      m.notices.map((notice) => ({
        noticeId: notice.id,
        priority: 'emergency' as const,
        pages: m.pages.filter((page) => page.noticeId === notice.id).map((page) => ({ pageId: page.id, durationMs: page.durationMs })),
        riskLevel: notice.riskLevel ?? 3,
        // The ledger has already decided that the alert is on now; a player whose clock runs
        // slow must not wait for `effective` again here.
        validFromMs: 0,
        validToMs: notice.validToMs,
      })),
    ).filter((entry) => entry.pages.length > 0),
  };
  return { bundleId: first.id, manifest, schedule };
}
