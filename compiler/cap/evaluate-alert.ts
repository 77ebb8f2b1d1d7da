import { formatIssueTime } from '../format/vietnamese-date.ts';
import { capKey, type CapAlert, type CapArea, type CapCertainty, type CapInfo, type CapSeverity, type CapStatus, type CapUrgency } from './cap-alert.ts';
import { geocodeCovers, pointInCircle, pointInPolygon } from './cap-geometry.ts';
import { findTrustedSender, type TrustList } from './trust-list.ts';

// What one parsed CAP alert means for one site at one instant: show it (as a full-screen
// takeover or as a banner), refuse it, leave this site alone, or cancel earlier alerts.
// Pure: the time comes in as `nowMs`, the site and the trust list as values. The decision
// carries everything the ledger, the layouts and the hub need, so nobody looks at the CAP
// alert again after this.

export const CAP_DECISION_CODES = [
  'CAP_UNTRUSTED_SENDER',
  'CAP_EXPIRED',
  'CAP_NOT_FOR_DISPLAY',
  'CAP_NOT_PUBLIC',
  'CAP_NO_INFO',
] as const;
export type CapDecisionCode = (typeof CAP_DECISION_CODES)[number];

export type CapPresentation = 'takeover' | 'banner';
export type RiskLevel = 1 | 2 | 3 | 4 | 5;

/** How the site was found inside the alert's area. */
export type AreaMatch = 'polygon' | 'circle' | 'geocode' | 'no-area' | 'no-geometry';

export interface ShowDecision {
  readonly kind: 'show';
  readonly presentation: CapPresentation;
  readonly riskLevel: RiskLevel;
  /** 'parameter' when the sender stated the level (CapDoRuiRo), 'severity' when derived. */
  readonly riskLevelSource: 'parameter' | 'severity';
  /** Test or Exercise: shown with "DIỄN TẬP / THỬ NGHIỆM", never as a real warning. */
  readonly exercise: boolean;
  readonly status: CapStatus;
  readonly msgType: 'Alert' | 'Update';
  readonly urgency: CapUrgency;
  readonly severity: CapSeverity;
  readonly certainty: CapCertainty;
  readonly headline: string;
  readonly description?: string | undefined;
  readonly instruction?: string | undefined;
  readonly event: string;
  readonly areaDesc: string;
  readonly matchedBy: AreaMatch;
  readonly sender: string;
  /** The info's <senderName>, else the trust list's name for the sender. */
  readonly senderName: string;
  /** <sent>. */
  readonly issuedAtMs: number;
  /** <effective>, else <sent>. */
  readonly effectiveMs: number;
  readonly onsetMs?: number | undefined;
  /** <expires>, else effective + the default lifetime (with a warning). Half-open: shown while now < expiresMs. */
  readonly expiresMs: number;
  readonly language: string;
  /** "sender,identifier,sent". */
  readonly key: string;
  /** Every reference of the alert, as written. */
  readonly references: readonly string[];
  /** For an Update: the keys it replaces (the sender's own earlier alerts). Empty for an Alert. */
  readonly replaces: readonly string[];
  readonly warnings: readonly string[];
}

export interface RefuseDecision {
  readonly kind: 'refuse';
  readonly code: CapDecisionCode;
  readonly reason: string;
  readonly key: string;
  readonly issuedAtMs: number;
  /**
   * Only for an Update that has itself expired: the sender says the warning it replaces is over
   * too, so the ledger drops those (see alert-ledger.ts). Empty otherwise.
   */
  readonly replaces: readonly string[];
  readonly exercise: boolean;
}

export interface NotForSiteDecision {
  readonly kind: 'not-for-site';
  readonly reason: string;
  readonly key: string;
  readonly issuedAtMs: number;
  readonly exercise: boolean;
  /**
   * An Update that moved its area away from this site still replaces the earlier alert here,
   * or the old warning would stay on screens the sender no longer means to warn.
   */
  readonly replaces: readonly string[];
  readonly warnings: readonly string[];
}

export interface CancelDecision {
  readonly kind: 'cancel';
  readonly key: string;
  readonly issuedAtMs: number;
  readonly exercise: boolean;
  /** Keys of the alerts withdrawn: the sender's own alerts among the references. */
  readonly targets: readonly string[];
  readonly warnings: readonly string[];
}

export type CapDecision = ShowDecision | RefuseDecision | NotForSiteDecision | CancelDecision;

export interface EvaluateSite {
  /** The site id, named in reasons. */
  readonly site?: string | undefined;
  readonly location: { readonly lat: number; readonly lon: number; readonly geocode?: string | undefined };
}

export interface EvaluateOptions {
  readonly alert: CapAlert;
  readonly trustList: TrustList;
  readonly site: EvaluateSite;
  readonly nowMs: number;
  /** Names the input in reasons (file name or URL). */
  readonly source?: string | undefined;
  /** The URL the alert was fetched from, checked against the sender's `sources`; undefined for a local file. */
  readonly origin?: string | undefined;
  /** Lifetime of an info without <expires>; DEFAULT_LIFETIME_MS when absent. */
  readonly defaultLifetimeMs?: number | undefined;
}

/**
 * CAP leaves an alert without <expires> to the recipient's policy. A board must not hold a
 * warning forever because a cancel got lost, so it ends 24 hours after it takes effect: longer
 * than the interval between KTTV's storm bulletins (3–6 h), each of which renews the warning.
 */
export const DEFAULT_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** The parameter carrying the Vietnamese disaster-risk level (Quyết định 18/2021/QĐ-TTg). */
export const RISK_LEVEL_PARAMETER = 'CapDoRuiRo';

/**
 * Risk level when the sender states none. CAP's four graded severities are laid on the five
 * levels of QĐ 18/2021 from the top, anchored on the national centre's own practice (the
 * sample typhoon warning pairs Severe with cấp 4):
 * - Extreme ("extraordinary threat to life or property") → 5, the top of both scales;
 * - Severe ("significant threat") → 4;
 * - Moderate ("possible threat") → 3;
 * - Minor ("minimal to no known threat") → 2, not 1: four values cannot fill five levels, and
 *   when a level has to be guessed, erring one step towards attention is the safer mistake;
 *   cấp 1 is left to senders who state it;
 * - Unknown → 3, the project's default level for an emergency without one (palette.ts,
 *   compile.ts): an unassessed warning from a trusted sender should not look mild, nor claim
 *   the top level.
 * A derived level is flagged (riskLevelSource 'severity') and warned about, because the screen
 * prints it as "Cấp độ rủi ro thiên tai: cấp N", which is an official statement.
 */
export const SEVERITY_RISK_LEVEL: Readonly<Record<CapSeverity, RiskLevel>> = {
  Extreme: 5,
  Severe: 4,
  Moderate: 3,
  Minor: 2,
  Unknown: 3,
};

export function isVietnamese(language: string): boolean {
  return /^vi(?:-vn)?$/i.test(language.trim());
}

function sameLanguage(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * The Vietnamese info blocks (vi or vi-VN, any case); when there are none, the blocks in the
 * language of the first block, with a warning, so an English-only warning is still shown.
 */
export function chooseInfos(infos: readonly CapInfo[]): { infos: CapInfo[]; fallback: boolean } {
  const vietnamese = infos.filter((info) => isVietnamese(info.language));
  if (vietnamese.length > 0) return { infos: vietnamese, fallback: false };
  const first = infos[0];
  if (!first) return { infos: [], fallback: false };
  return { infos: infos.filter((info) => sameLanguage(info.language, first.language)), fallback: true };
}

/** The stated risk level, or why the parameter could not be used. */
export function statedRiskLevel(info: CapInfo): { level?: RiskLevel; problem?: string } {
  const parameters = info.parameters.filter((p) => p.valueName.trim().toLowerCase() === RISK_LEVEL_PARAMETER.toLowerCase());
  for (const parameter of parameters) {
    const match = /^(?:cấp\s*)?([1-5])$/iu.exec(parameter.value.trim());
    if (match) return { level: Number(match[1]) as RiskLevel };
  }
  if (parameters.length > 0) return { problem: `the ${RISK_LEVEL_PARAMETER} parameter "${parameters[0]!.value}" is not a level 1–5` };
  return {};
}

/**
 * Full-screen takeover only when people must act now or soon (urgency Immediate or Expected)
 * against a serious threat (severity Extreme or Severe, or a stated risk level of 4 or 5, the
 * decree's "very high" and "catastrophic"), and the sender does not call it Unlikely:
 * blanking every notice for an improbable event teaches people to ignore the boards.
 * Everything else is a persistent banner over normal content.
 */
export function choosePresentation(info: Pick<CapInfo, 'urgency' | 'severity' | 'certainty'>, stated: RiskLevel | undefined): CapPresentation {
  const urgent = info.urgency === 'Immediate' || info.urgency === 'Expected';
  const serious = info.severity === 'Extreme' || info.severity === 'Severe' || (stated !== undefined && stated >= 4);
  return urgent && serious && info.certainty !== 'Unlikely' ? 'takeover' : 'banner';
}

function areaMatch(area: CapArea, site: EvaluateSite): AreaMatch | undefined {
  const point = { lat: site.location.lat, lon: site.location.lon };
  if (area.polygons.some((polygon) => pointInPolygon(point, polygon))) return 'polygon';
  if (area.circles.some((circle) => pointInCircle(point, circle))) return 'circle';
  const geocode = site.location.geocode;
  if (geocode !== undefined && area.geocodes.some((g) => geocodeCovers(g.value, geocode))) return 'geocode';
  return undefined;
}

function hasGeometry(area: CapArea): boolean {
  return area.polygons.length > 0 || area.circles.length > 0 || area.geocodes.length > 0;
}

/**
 * Whether the site lies in the info's area: the union of its <area> blocks, each the union of
 * its polygons, circles and geocodes. An info with no area, or whose areas give only a
 * description with no geometry, cannot exclude anybody and is taken to cover the site (with
 * a warning): missing a warning costs more than showing one too widely.
 */
function matchInfo(info: CapInfo, site: EvaluateSite): { match: AreaMatch; areaDesc: string } | undefined {
  if (info.areas.length === 0) return { match: 'no-area', areaDesc: '' };
  const matched = info.areas.flatMap((area) => {
    const how = areaMatch(area, site);
    return how ? [{ how, area }] : [];
  });
  if (matched.length > 0) return { match: matched[0]!.how, areaDesc: matched.map((m) => m.area.areaDesc).join('; ') };
  if (!info.areas.some(hasGeometry)) return { match: 'no-geometry', areaDesc: info.areas.map((a) => a.areaDesc).join('; ') };
  return undefined;
}

function siteName(site: EvaluateSite): string {
  return site.site ? `site ${site.site}` : 'the site';
}

function describeSiteLocation(site: EvaluateSite): string {
  const { lat, lon, geocode } = site.location;
  return `${lat},${lon}${geocode ? `, geocode ${geocode}` : ''}`;
}

export function evaluateAlert(options: EvaluateOptions): CapDecision {
  const { alert, nowMs, site } = options;
  const source = options.source ?? `alert ${alert.identifier}`;
  const key = capKey(alert);
  const issuedAtMs = alert.sent.ms;
  const exercise = alert.status === 'Test' || alert.status === 'Exercise';
  const refuse = (code: CapDecisionCode, reason: string, replaces: readonly string[] = []): RefuseDecision => ({ kind: 'refuse', code, reason: `${source}: ${reason}`, key, issuedAtMs, replaces, exercise });

  const trusted = findTrustedSender(options.trustList, alert.sender);
  if (!trusted) return refuse('CAP_UNTRUSTED_SENDER', `the sender "${alert.sender}" is not on the station's trust list; if it is a genuine warning service, add it to the trust list`);
  if (options.origin !== undefined && trusted.sources && !trusted.sources.some((prefix) => options.origin!.startsWith(prefix))) {
    return refuse('CAP_UNTRUSTED_SENDER', `the alert claims sender "${alert.sender}" but came from ${options.origin}, which is not one of that sender's sources on the trust list`);
  }
  if (alert.status === 'Draft' || alert.status === 'System') {
    return refuse('CAP_NOT_FOR_DISPLAY', `status ${alert.status} is ${alert.status === 'Draft' ? 'a draft not meant for issue' : 'for messages between systems'}, never shown to the public`);
  }
  if (alert.msgType === 'Ack' || alert.msgType === 'Error') {
    return refuse('CAP_NOT_FOR_DISPLAY', `msgType ${alert.msgType} acknowledges or reports on another message and has nothing to show`);
  }
  if (alert.scope !== 'Public') return refuse('CAP_NOT_PUBLIC', `scope ${alert.scope} is meant for ${alert.scope === 'Restricted' ? 'restricted users' : 'named addressees'}, not for a public board`);

  // A sender may replace or withdraw only its own alerts: otherwise one trusted service's
  // mistake (or a forged reference) could silence another service's warning.
  const warnings: string[] = [];
  const own = alert.references.filter((r) => r.sender === alert.sender).map((r) => r.key);
  for (const other of alert.references.filter((r) => r.sender !== alert.sender)) {
    warnings.push(`the reference to ${other.key} is ignored: it names another sender's alert`);
  }

  if (alert.msgType === 'Cancel') return { kind: 'cancel', key, issuedAtMs, exercise, targets: own, warnings };

  const replaces = alert.msgType === 'Update' ? own : [];
  if (alert.infos.length === 0) return refuse('CAP_NO_INFO', `the ${alert.msgType} has no <info> block, so there is nothing to show`);
  const chosen = chooseInfos(alert.infos);
  if (chosen.fallback) warnings.push(`no Vietnamese (vi, vi-VN) info block; showing the ${chosen.infos[0]!.language} block instead`);

  const lifetime = options.defaultLifetimeMs ?? DEFAULT_LIFETIME_MS;
  const timed = chosen.infos.map((info) => {
    const effectiveMs = info.effective?.ms ?? issuedAtMs;
    return { info, effectiveMs, expiresMs: info.expires?.ms ?? effectiveMs + lifetime };
  });
  const live = timed.filter((t) => t.expiresMs > nowMs);
  if (live.length === 0) {
    const last = Math.max(...timed.map((t) => t.expiresMs));
    return refuse('CAP_EXPIRED', `it expired at ${timeForPeople(last)}, before ${timeForPeople(nowMs)}; an expired warning is never shown`, replaces);
  }

  for (const candidate of live) {
    const match = matchInfo(candidate.info, site);
    if (!match) continue;
    const { info } = candidate;
    if (match.match === 'no-area') warnings.push('the info block names no area; it is taken to cover every site');
    if (match.match === 'no-geometry') warnings.push('the areas have only a description, no polygon, circle or geocode, so the site cannot be ruled out; it is shown');
    if (!info.expires) warnings.push(`no <expires>; it is shown until ${timeForPeople(candidate.expiresMs)} (${lifetime / 3_600_000} h after it takes effect)`);
    const stated = statedRiskLevel(info);
    if (stated.problem) warnings.push(`${stated.problem}; the level is derived from severity ${info.severity}`);
    const riskLevel = stated.level ?? SEVERITY_RISK_LEVEL[info.severity];
    if (stated.level === undefined) warnings.push(`no ${RISK_LEVEL_PARAMETER} parameter: risk level ${riskLevel} is derived from severity ${info.severity}`);
    return {
      kind: 'show',
      presentation: choosePresentation(info, stated.level),
      riskLevel,
      riskLevelSource: stated.level === undefined ? 'severity' : 'parameter',
      exercise,
      status: alert.status,
      msgType: alert.msgType,
      urgency: info.urgency,
      severity: info.severity,
      certainty: info.certainty,
      headline: info.headline ?? info.event,
      // Absent fields are left out rather than set to undefined, so that a decision is the
      // same value after a JSON round trip (hub database, push to players).
      ...(info.description !== undefined ? { description: info.description } : {}),
      ...(info.instruction !== undefined ? { instruction: info.instruction } : {}),
      event: info.event,
      areaDesc: match.areaDesc,
      matchedBy: match.match,
      sender: alert.sender,
      senderName: info.senderName ?? trusted.name,
      issuedAtMs,
      effectiveMs: candidate.effectiveMs,
      ...(info.onset !== undefined ? { onsetMs: info.onset.ms } : {}),
      expiresMs: candidate.expiresMs,
      language: info.language,
      key,
      references: alert.references.map((r) => r.key),
      replaces,
      warnings,
    };
  }
  const areas = live.flatMap((t) => t.info.areas.map((a) => a.areaDesc));
  return {
    kind: 'not-for-site',
    reason: `${source}: ${siteName(site)} (${describeSiteLocation(site)}) lies outside the alert's area (${areas.join('; ')}); its screens are not disturbed`,
    key,
    issuedAtMs,
    exercise,
    replaces,
    warnings,
  };
}

/** Vietnam wall time for the officer reading the reason, and UTC as logs and the wire use. */
function timeForPeople(ms: number): string {
  return `${formatIssueTime(ms)} (${new Date(ms).toISOString().replace('.000Z', 'Z')})`;
}
