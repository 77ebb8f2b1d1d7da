import { splitCapKey } from './cap-alert.ts';
import { parseCapDateTime } from './cap-time.ts';
import type { CancelDecision, CapDecision, NotForSiteDecision, RefuseDecision, ShowDecision } from './evaluate-alert.ts';

// Which alerts are on screen at an instant, from every decision a site has received.
// Pure and order-free: the ledger is a set of decisions (one per alert key), and
// activeAlerts(ledger, nowMs) derives the answer from the whole set, so decisions may arrive
// in any order (a feed re-sorted, a link fetched late, a player back from days offline) and
// the result is the same as if they had arrived in `sent` order. The station and every
// player apply the same function, each with its own clock, which is what makes `expires`
// end a warning on an offline player too.
//
// The rules:
// - an Update replaces the alerts it references, wherever they arrive in the sequence;
// - a Cancel withdraws the alerts it references at once, and with them the Updates of those
//   alerts that were sent before the Cancel (they are versions of the same warning, and
//   "cancel the storm warning" must not leave its latest version up). An Update sent after
//   the Cancel is new information and stands;
// - an alert ends when `expires` ≤ now; it begins at `effective` only when the sender set
//   `effective` later than `sent`, so a player whose clock runs slow still shows an
//   immediate warning at once;
// - a Cancel whose target the ledger has never seen is recorded harmlessly and reported;
//   if the target arrives later, it is cancelled on arrival;
// - a decision whose key is already recorded is a duplicate and is ignored;
// - an exercise (status Test or Exercise) never replaces or cancels a real alert.

type Recorded = ShowDecision | CancelDecision | NotForSiteDecision | RefuseDecision;

export interface LedgerEntry {
  /** sender, identifier and the sent instant: the same alert written with another UTC offset is the same alert. */
  readonly identity: string;
  readonly decision: Recorded;
}

export interface AlertLedger {
  /** Sorted by sent time, then key, so that equal ledgers are equal values. */
  readonly entries: readonly LedgerEntry[];
}

export type RecordOutcome = 'recorded' | 'duplicate' | 'ignored';

export interface LedgerView {
  /** On screen now: takeovers first, then by risk level (highest first), then newest first. */
  readonly active: readonly ShowDecision[];
  /** Accepted but not yet effective (the sender set a later <effective>). */
  readonly pending: readonly ShowDecision[];
  /** The next instant at which `active` changes by itself (an expiry or an effective time). */
  readonly nextChangeMs?: number | undefined;
  /** Cancel targets the ledger has never seen. */
  readonly unmatchedCancels: readonly string[];
  /** References that were not applied, with the reason (an exercise aimed at a real alert). */
  readonly ignoredReferences: readonly string[];
}

export function emptyLedger(): AlertLedger {
  return { entries: [] };
}

/** The identity of a key or reference: sender, identifier and the sent instant in ms. */
export function keyIdentity(key: string): string {
  const parts = splitCapKey(key);
  if (!parts) return key;
  const sent = parseCapDateTime(parts.sent);
  return sent.ok ? `${parts.sender},${parts.identifier},${sent.time.ms}` : key;
}

/** Keys this decision replaces or withdraws. */
function referencedKeys(decision: Recorded): readonly string[] {
  return decision.kind === 'cancel' ? decision.targets : decision.replaces;
}

function compareEntries(a: LedgerEntry, b: LedgerEntry): number {
  return a.decision.issuedAtMs - b.decision.issuedAtMs || (a.decision.key < b.decision.key ? -1 : a.decision.key > b.decision.key ? 1 : 0);
}

/**
 * Adds one evaluated alert. Refusals and not-for-site decisions matter only when they replace
 * something (an expired Update, an Update whose area moved away); otherwise they are ignored.
 */
export function recordDecision(ledger: AlertLedger, decision: CapDecision): { ledger: AlertLedger; outcome: RecordOutcome } {
  if ((decision.kind === 'refuse' || decision.kind === 'not-for-site') && decision.replaces.length === 0) return { ledger, outcome: 'ignored' };
  const identity = keyIdentity(decision.key);
  if (ledger.entries.some((entry) => entry.identity === identity)) return { ledger, outcome: 'duplicate' };
  const entries = [...ledger.entries, { identity, decision }].sort(compareEntries);
  return { ledger: { entries }, outcome: 'recorded' };
}

/** Folds a sequence of decisions into a ledger and answers for `nowMs`. */
export function foldAlerts(decisions: readonly CapDecision[], nowMs: number): LedgerView {
  return activeAlerts(decisions.reduce((ledger, decision) => recordDecision(ledger, decision).ledger, emptyLedger()), nowMs);
}

function startMs(show: ShowDecision): number {
  return show.effectiveMs > show.issuedAtMs ? show.effectiveMs : Number.NEGATIVE_INFINITY;
}

export function activeAlerts(ledger: AlertLedger, nowMs: number): LedgerView {
  const byIdentity = new Map(ledger.entries.map((entry) => [entry.identity, entry]));
  const ignoredReferences: string[] = [];
  const unmatchedCancels: string[] = [];
  /** identity → entries that replace it. */
  const successors = new Map<string, LedgerEntry[]>();
  const withdrawn = new Set<string>();

  // An exercise may act on exercises only; a real alert may act on anything of its sender's.
  const mayAct = (actor: Recorded, target: LedgerEntry | undefined, key: string): boolean => {
    if (!actor.exercise || !target || target.decision.exercise) return true;
    ignoredReferences.push(`${actor.key} is an exercise and may not ${actor.kind === 'cancel' ? 'cancel' : 'replace'} the real alert ${key}`);
    return false;
  };

  for (const entry of ledger.entries) {
    if (entry.decision.kind === 'cancel') continue;
    for (const key of referencedKeys(entry.decision)) {
      const targetIdentity = keyIdentity(key);
      if (!mayAct(entry.decision, byIdentity.get(targetIdentity), key)) continue;
      withdrawn.add(targetIdentity);
      successors.set(targetIdentity, [...(successors.get(targetIdentity) ?? []), entry]);
    }
  }

  for (const entry of ledger.entries) {
    const cancel = entry.decision;
    if (cancel.kind !== 'cancel') continue;
    for (const key of cancel.targets) {
      const targetIdentity = keyIdentity(key);
      const target = byIdentity.get(targetIdentity);
      if (!target) unmatchedCancels.push(key);
      if (!mayAct(cancel, target, key)) continue;
      withdrawn.add(targetIdentity);
      // The Updates of the target sent up to the Cancel go with it.
      const queue = [...(successors.get(targetIdentity) ?? [])];
      while (queue.length > 0) {
        const next = queue.shift()!;
        if (next.decision.issuedAtMs > cancel.issuedAtMs || withdrawn.has(next.identity)) continue;
        withdrawn.add(next.identity);
        queue.push(...(successors.get(next.identity) ?? []));
      }
    }
  }

  const shows = ledger.entries.flatMap((entry) => (entry.decision.kind === 'show' && !withdrawn.has(entry.identity) ? [entry.decision] : []));
  const live = shows.filter((show) => show.expiresMs > nowMs);
  const active = live.filter((show) => startMs(show) <= nowMs).sort(screenOrder);
  const pending = live.filter((show) => startMs(show) > nowMs).sort((a, b) => a.effectiveMs - b.effectiveMs);
  const changes = [...active.map((s) => s.expiresMs), ...pending.map((s) => s.effectiveMs)];
  return {
    active,
    pending,
    nextChangeMs: changes.length > 0 ? Math.min(...changes) : undefined,
    unmatchedCancels,
    ignoredReferences,
  };
}

/** What a screen shows first when several alerts are active. */
function screenOrder(a: ShowDecision, b: ShowDecision): number {
  const rank = (s: ShowDecision) => (s.presentation === 'takeover' ? 0 : 1);
  return rank(a) - rank(b) || b.riskLevel - a.riskLevel || b.issuedAtMs - a.issuedAtMs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/**
 * Forgets what can no longer matter, so a player's ledger does not grow for ever: an alert
 * `retentionMs` after it expired, and a Cancel or replacing decision `retentionMs` after it
 * was sent, but only once nothing it acts on is still kept (or the withdrawn alert would
 * come back). Keeping expired alerts for a while lets a late duplicate be recognised.
 */
export function pruneLedger(ledger: AlertLedger, options: { nowMs: number; retentionMs: number }): AlertLedger {
  const cutoff = options.nowMs - options.retentionMs;
  let kept = ledger.entries.filter((entry) => !(entry.decision.kind === 'show' && entry.decision.replaces.length === 0 && entry.decision.expiresMs <= cutoff));
  for (;;) {
    const identities = new Set(kept.map((entry) => entry.identity));
    const next = kept.filter((entry) => {
      const { decision } = entry;
      const old = decision.kind === 'show' ? decision.expiresMs <= cutoff : decision.issuedAtMs <= cutoff;
      if (!old) return true;
      return referencedKeys(decision).some((key) => identities.has(keyIdentity(key)) && keyIdentity(key) !== entry.identity);
    });
    if (next.length === kept.length) break;
    kept = next;
  }
  return { entries: kept };
}
