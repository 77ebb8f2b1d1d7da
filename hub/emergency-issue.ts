import type { KeyObject } from 'node:crypto';
import type { CapDecision, CancelDecision } from '../compiler/cap/evaluate-alert.ts';
import { DEFAULT_LIFETIME_MS } from '../compiler/cap/evaluate-alert.ts';
import { capNoticeId } from '../compiler/cap/cap-notice.ts';
import { decisionReachesScreens, emergencyBundles, emergencyStatement, type EmergencyOrigin } from '../compiler/cap/emergency-statement.ts';
import type { Site } from '../compiler/format/site-schema.ts';
import { capTimeText, stationSender } from '../compiler/cap/notice-emergency.ts';
import type { TextMeasurer } from '../compiler/plan/text-measure.ts';
import { signStatement } from '../compiler/trust/emergency-signing.ts';
import type { EmergencyStatement } from '../compiler/cap/emergency-statement.ts';
import type { AlertDatabase, AlertRow, NewStatement } from './alert-database.ts';

// The station side of the emergency path: a decision about an alert becomes a stored alert
// row and, when it changes what screens show, one signed statement per screen of the site,
// all in one transaction. The running hub pushes what is stored (emergency-dispatch.ts).
// Used by `signage cap ingest`, `signage cap watch`, `signage cap cancel` and by publishing
// local emergency notices.

export type IssueOutcome =
  /** Stored, and statements signed for these screens. */
  | { readonly outcome: 'issued'; readonly key: string; readonly screens: readonly string[]; readonly problems: readonly string[] }
  /** Stored without statements: refused, not for this site, or nothing to change. */
  | { readonly outcome: 'recorded'; readonly key: string | null; readonly status: string }
  /** The station already has this alert: nothing was stored again. */
  | { readonly outcome: 'duplicate'; readonly key: string };

export interface IssueContext {
  readonly db: AlertDatabase;
  readonly site: Site;
  readonly privateKey: KeyObject;
  readonly measurer: TextMeasurer;
  readonly nowMs: number;
  readonly origin: EmergencyOrigin;
  /** The file or URL the alert came from. */
  readonly source: string;
  /** sha256 of the document's bytes. */
  readonly sourceHash: string | null;
  /** For a local notice: its id and approval, used in the emergency bundle. */
  readonly notice?: { readonly id: string; readonly approval: { by: string; role: string; at: string } } | undefined;
}

function statusOf(decision: CapDecision): string {
  switch (decision.kind) {
    case 'show':
      return 'active';
    case 'cancel':
      return 'cancel';
    case 'refuse':
      return 'refused';
    case 'not-for-site':
      return 'not-for-site';
  }
}

function referenced(decision: CapDecision): readonly string[] {
  return decision.kind === 'cancel' ? decision.targets : decision.replaces;
}

/** Stores one decision and signs its statements. */
export function issueDecision(context: IssueContext, decision: CapDecision): IssueOutcome {
  const { db, site, nowMs } = context;
  return db.transaction((): IssueOutcome => {
    if (db.alert(decision.key)) return { outcome: 'duplicate', key: decision.key };
    const show = decision.kind === 'show' ? decision : undefined;
    db.insertAlert({
      key: decision.key,
      site: site.site,
      origin: context.origin,
      kind: decision.kind,
      status: statusOf(decision),
      code: decision.kind === 'refuse' ? decision.code : null,
      reason: decision.kind === 'refuse' || decision.kind === 'not-for-site' ? decision.reason : null,
      headline: show?.headline ?? null,
      presentation: show?.presentation ?? null,
      riskLevel: show?.riskLevel ?? null,
      exercise: decision.exercise,
      issuedMs: decision.issuedAtMs,
      expiresMs: show?.expiresMs ?? null,
      decisionJson: JSON.stringify(decision),
      source: context.source,
      sourceHash: context.sourceHash,
      ingestedMs: nowMs,
    });
    if (!decisionReachesScreens(decision)) return { outcome: 'recorded', key: decision.key, status: statusOf(decision) };

    // What it ends, the station's record says so too (the players work it out themselves).
    for (const key of referenced(decision)) {
      db.endAlert({ key, status: decision.kind === 'cancel' ? 'cancelled' : 'replaced', endedBy: decision.key, endedMs: nowMs });
    }
    const problems: string[] = [];
    const rows: NewStatement[] = [];
    const targetsUntil = Math.max(nowMs + DEFAULT_LIFETIME_MS, ...referenced(decision).map((key) => db.alert(key)?.expiresMs ?? 0));
    const sign = (screen: string, manifest?: Parameters<typeof emergencyStatement>[0]['manifest']) => {
      const statement = emergencyStatement({ site: site.site, screen, signedAtMs: nowMs, origin: context.origin, decision, manifest });
      const signed = signStatement(statement, context.privateKey);
      rows.push({
        id: signed.id,
        alertKey: decision.key,
        screenId: screen,
        kind: decision.kind,
        bytes: signed.bytes,
        signature: signed.signature,
        signedAtMs: nowMs,
        relevantUntilMs: show ? show.expiresMs : targetsUntil,
      });
    };
    if (show) {
      const bundles = emergencyBundles({
        site,
        decision: show,
        measurer: context.measurer,
        sourceHash: context.sourceHash ?? '0'.repeat(64),
        ...(context.notice ? { noticeId: context.notice.id, approval: context.notice.approval } : {}),
      });
      for (const bundle of bundles) {
        if (bundle.ok) sign(bundle.screen, bundle.manifest);
        else problems.push(`${bundle.screen}: ${bundle.code}: ${bundle.message}`);
      }
    } else {
      for (const screen of site.screens) sign(screen.id);
    }
    for (const row of rows) db.insertStatement(row);
    return { outcome: 'issued', key: decision.key, screens: rows.map((row) => row.screenId), problems };
  });
}

/** Input that never became a decision (unreadable, malformed XML): stored as refused, with the reason. */
export function recordUnreadable(context: Pick<IssueContext, 'db' | 'site' | 'nowMs' | 'origin' | 'source' | 'sourceHash'>, refusal: { code: string; reason: string }): void {
  context.db.insertAlert({
    key: null,
    site: context.site.site,
    origin: context.origin,
    kind: 'unreadable',
    status: 'refused',
    code: refusal.code,
    reason: refusal.reason,
    headline: null,
    presentation: null,
    riskLevel: null,
    exercise: false,
    issuedMs: null,
    expiresMs: null,
    decisionJson: null,
    source: context.source,
    sourceHash: context.sourceHash,
    ingestedMs: context.nowMs,
  });
}

export class AlertNotFoundError extends Error {
  override readonly name = 'AlertNotFoundError';
}

/**
 * The alert an operator names: its full key, its CAP identifier, or the short id
 * `signage hub alerts` prints (cap-…). Only alerts currently on screens can be cancelled.
 */
export function findActiveAlert(db: AlertDatabase, id: string): AlertRow {
  const candidates = db.alerts().filter((alert) => alert.key !== null && alert.kind === 'show');
  const matches = candidates.filter((alert) => alert.key === id || alert.key!.split(',')[1] === id || capNoticeId(alert.key!) === id);
  const active = matches.filter((alert) => alert.status === 'active');
  if (active.length === 1 && active[0]!.origin === 'notice') {
    // Its content bundle would show it again: a notice is withdrawn where it was approved.
    throw new AlertNotFoundError(`"${id}" is the commune's emergency notice ${active[0]!.key}; withdraw the notice ("signage withdraw") and publish a new compile, which takes it off every screen`);
  }
  if (active.length === 1) return active[0]!;
  if (active.length > 1) throw new AlertNotFoundError(`"${id}" names ${active.length} active alerts; give the full key (see "signage hub alerts")`);
  if (matches.length > 0) throw new AlertNotFoundError(`alert "${id}" is not on screens any more (${matches[0]!.status}); nothing to cancel`);
  throw new AlertNotFoundError(`no alert "${id}" at this station; "signage hub alerts" lists them with their ids`);
}

/**
 * The operator withdraws an alert: a signed cancel for every screen that was told of it.
 * Nothing else is recompiled; players drop it and return to the content they hold.
 */
export function operatorCancel(options: { db: AlertDatabase; id: string; privateKey: KeyObject; nowMs: number; reason?: string }): { key: string; cancelKey: string; screens: string[] } {
  const { db, nowMs } = options;
  return db.transaction(() => {
    const alert = findActiveAlert(db, options.id);
    const key = alert.key!;
    const identifier = key.split(',')[1]!;
    const cancelKey = `${stationSender(alert.site)},huy-${identifier}-${nowMs.toString(36)},${capTimeText(nowMs)}`;
    const decision: CancelDecision = { kind: 'cancel', key: cancelKey, issuedAtMs: nowMs, exercise: false, targets: [key], warnings: options.reason ? [options.reason] : [] };
    const screens = [...new Set(db.statementsOfAlert(key).map((row) => row.screenId))];
    db.insertAlert({
      key: cancelKey,
      site: alert.site,
      origin: 'operator',
      kind: 'cancel',
      status: 'cancel',
      code: null,
      reason: options.reason ?? 'withdrawn by the station operator (signage cap cancel)',
      headline: null,
      presentation: null,
      riskLevel: null,
      exercise: false,
      issuedMs: nowMs,
      expiresMs: null,
      decisionJson: JSON.stringify(decision),
      source: 'signage cap cancel',
      sourceHash: null,
      ingestedMs: nowMs,
    });
    db.endAlert({ key, status: 'cancelled', endedBy: cancelKey, endedMs: nowMs });
    for (const screen of screens) {
      const signed = signStatement(emergencyStatement({ site: alert.site, screen, signedAtMs: nowMs, origin: 'operator', decision }), options.privateKey);
      db.insertStatement({ id: signed.id, alertKey: cancelKey, screenId: screen, kind: 'cancel', bytes: signed.bytes, signature: signed.signature, signedAtMs: nowMs, relevantUntilMs: Math.max(alert.expiresMs ?? 0, nowMs + DEFAULT_LIFETIME_MS) });
    }
    return { key, cancelKey, screens };
  });
}

/** A statement file of a compile, verified against the station key. */
export interface VerifiedStatementFile {
  readonly id: string;
  readonly statement: EmergencyStatement;
  readonly bytes: Buffer;
  readonly signature: Buffer;
}

/**
 * A publish's emergency notices (compiler/cap/notice-emergency.ts): each new one is stored as
 * an alert of origin "notice" with its statements, and the hub pushes them at once. A notice
 * already stored (same id and approved text) is left alone. One that the site's earlier
 * publishes carried and this one does not is marked ended: the players drop it when the new
 * content bundle is active (emergency-view.ts).
 */
export function storeNoticeStatements(options: { db: AlertDatabase; site: string; statements: readonly VerifiedStatementFile[]; nowMs: number; source: string }): { stored: string[]; ended: string[] } {
  const { db, nowMs } = options;
  return db.transaction(() => {
    const byKey = new Map<string, VerifiedStatementFile[]>();
    for (const file of options.statements) byKey.set(file.statement.decision.key, [...(byKey.get(file.statement.decision.key) ?? []), file]);
    const stored: string[] = [];
    for (const [key, files] of byKey) {
      if (db.alert(key)) continue;
      const decision = files[0]!.statement.decision;
      if (decision.kind !== 'show') continue;
      db.insertAlert({
        key,
        site: options.site,
        origin: 'notice',
        kind: 'show',
        status: 'active',
        code: null,
        reason: null,
        headline: decision.headline,
        presentation: decision.presentation,
        riskLevel: decision.riskLevel,
        exercise: false,
        issuedMs: decision.issuedAtMs,
        expiresMs: decision.expiresMs,
        decisionJson: JSON.stringify(decision),
        source: options.source,
        sourceHash: files[0]!.statement.manifest?.notices[0]?.sourceHash ?? null,
        ingestedMs: nowMs,
      });
      for (const file of files) {
        db.insertStatement({ id: file.id, alertKey: key, screenId: file.statement.screen, kind: 'show', bytes: file.bytes, signature: file.signature, signedAtMs: file.statement.signedAtMs, relevantUntilMs: decision.expiresMs });
      }
      stored.push(key);
    }
    const ended: string[] = [];
    for (const alert of db.alerts()) {
      if (alert.origin !== 'notice' || alert.status !== 'active' || alert.site !== options.site || alert.key === null || byKey.has(alert.key)) continue;
      db.endAlert({ key: alert.key, status: 'ended', endedBy: `publish of ${options.source} (no longer in the content)`, endedMs: nowMs });
      ended.push(alert.key);
    }
    return { stored, ended };
  });
}
