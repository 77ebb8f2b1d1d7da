import { z } from 'zod';
import { bundleManifestSchema, type BundleManifest } from '../format/bundle-manifest.ts';
import { idSchema } from '../format/notice-schema.ts';
import type { Site } from '../format/site-schema.ts';
import { sitePath } from '../plan/select-notices.ts';
import type { TextMeasurer } from '../plan/text-measure.ts';
import type { SceneNode } from '../format/scene.ts';
import { capNotice, layoutCapNotice, type CapNotice } from './cap-notice.ts';
import { capDecisionSchema } from './decision-schema.ts';
import type { CapDecision, ShowDecision } from './evaluate-alert.ts';

// The signed unit of the emergency path: what the station tells one screen about one alert.
// A statement carries the decision itself (alert key, presentation, risk level, exercise flag,
// effective and expiry times, what it replaces or cancels) and, for an alert to show, the
// emergency bundle fitted to that screen: takeover pages, or banner nodes in `chrome.over`.
// The station signs the canonical JSON of a statement with its Ed25519 key; the player checks
// the signature against the pinned key and then folds the decisions with alert-ledger.ts,
// with its own clock, so `expires` ends a warning on a player that is offline.
//
// Kinds of statement, by the decision inside:
//   show          an accepted alert (CAP Alert or Update, or a local emergency notice)
//   cancel        a CAP Cancel, or the operator's `signage cap cancel ID`
//   not-for-site  an Update that moved its area away: it still replaces the earlier alert here
//   refuse        an Update that has itself expired: it ends the warning it replaces
// Pure: no node:*, no clock; the caller passes `signedAtMs` and the source hash.

export const EMERGENCY_STATEMENT_VERSION = 1;

/** Where the alert came from: a CAP sender, a commune notice of priority emergency, or the operator. */
export const EMERGENCY_ORIGINS = ['cap', 'notice', 'operator'] as const;
export type EmergencyOrigin = (typeof EMERGENCY_ORIGINS)[number];

export const emergencyStatementSchema = z
  .strictObject({
    schemaVersion: z.number().int().positive(),
    type: z.literal('emergency-statement'),
    site: idSchema,
    screen: idSchema,
    /**
     * The station's clock when it signed. Two statements about the same alert are ordered by
     * it, and a player refuses one older than what it already holds for that alert: a replay.
     */
    signedAtMs: z.number().int(),
    origin: z.enum(EMERGENCY_ORIGINS),
    decision: capDecisionSchema,
    /** The emergency bundle for this screen; present exactly when the decision is `show`. */
    manifest: bundleManifestSchema.optional(),
  })
  .superRefine((statement, ctx) => {
    const show = statement.decision.kind === 'show';
    if (show !== (statement.manifest !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['manifest'], message: show ? 'a statement of an alert to show must carry its emergency bundle' : 'only a statement of an alert to show carries a bundle' });
    }
    if (statement.manifest && statement.manifest.kind !== 'emergency') ctx.addIssue({ code: 'custom', path: ['manifest', 'kind'], message: 'must be "emergency"' });
    if (statement.manifest && statement.manifest.screen.id !== statement.screen) ctx.addIssue({ code: 'custom', path: ['manifest', 'screen', 'id'], message: `must be the statement's screen ${statement.screen}` });
  });
export type EmergencyStatement = z.infer<typeof emergencyStatementSchema>;

/** The alert a statement is about (for a cancel: the cancel's own key). */
export function statementKey(statement: EmergencyStatement): string {
  return statement.decision.key;
}

/** The manifest's `layout` of an emergency bundle: what the renderer is given. */
export const EMERGENCY_LAYOUT_TAKEOVER = 'emergency-takeover';
export const EMERGENCY_LAYOUT_BANNER = 'emergency-banner';

export interface EmergencyBundleInput {
  readonly site: Site;
  readonly decision: ShowDecision;
  readonly measurer: TextMeasurer;
  /** sha256 of the document the alert came from (the CAP XML, the notice file), named in the manifest. */
  readonly sourceHash: string;
  /** Who approved it: the CAP sender (pre-approved through the trust list) or the notice's approver. */
  readonly approval?: { by: string; role: string; at: string } | undefined;
  /** The notice id to use, when the alert is a local notice (its own id); default from the CAP key. */
  readonly noticeId?: string | undefined;
}

export type EmergencyBundleResult =
  | { readonly ok: true; readonly screen: string; readonly manifest: BundleManifest }
  | { readonly ok: false; readonly screen: string; readonly code: string; readonly message: string };

function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * One emergency bundle per screen of the site: the takeover pages fitted to the screen
 * (paginated on small ones, the 192×64 sign included) or the banner nodes. A screen the text
 * cannot be fitted to gets a refusal naming the screen and the problem, never a clipped warning.
 */
export function emergencyBundles(input: EmergencyBundleInput): EmergencyBundleResult[] {
  const { site, decision, measurer } = input;
  const base = capNotice(decision);
  const notice: CapNotice = input.noticeId ? { ...base, id: input.noticeId } : base;
  const approval = input.approval ?? { by: notice.sourceLine, role: 'Nguồn cảnh báo tin cậy (CAP)', at: isoOf(decision.issuedAtMs) };
  return layoutCapNotice({ site, notice, measurer }).map((layout): EmergencyBundleResult => {
    const screen = site.screens.find((s) => s.id === layout.screen)!;
    if (!layout.result.ok) return { ok: false, screen: screen.id, code: layout.result.problem.code, message: layout.result.problem.message };
    let pages: BundleManifest['pages'] = [];
    let over: SceneNode[] = [];
    if (layout.presentation === 'takeover' && 'pages' in layout.result) {
      const planned = layout.result.pages;
      if (planned.some((page) => page.nodes.some((node) => node.type === 'image-request'))) {
        return { ok: false, screen: screen.id, code: 'EMERGENCY_IMAGE', message: 'an emergency takeover asked for a picture; alerts are text only' };
      }
      pages = planned.map((page) => ({ ...page, nodes: page.nodes as SceneNode[] }));
    } else if ('nodes' in layout.result) {
      over = layout.result.nodes;
    }
    const manifest: BundleManifest = {
      schemaVersion: 1,
      kind: 'emergency',
      issuedAt: isoOf(decision.issuedAtMs),
      site: { id: site.site, name: site.name, path: sitePath(site) },
      screen: {
        id: screen.id,
        kind: screen.kind,
        width: screen.size.width,
        height: screen.size.height,
        ...(screen.pitchMm !== undefined ? { pitchMm: screen.pitchMm } : {}),
        capture: screen.capture ?? { x: 0, y: 0 },
        background: '#000000',
      },
      layout: layout.presentation === 'takeover' ? EMERGENCY_LAYOUT_TAKEOVER : EMERGENCY_LAYOUT_BANNER,
      chrome: { under: [], over },
      pages,
      notices: [
        {
          id: notice.id,
          title: notice.title,
          category: notice.category,
          priority: 'emergency',
          riskLevel: decision.riskLevel,
          validFromMs: decision.effectiveMs,
          validToMs: decision.expiresMs,
          approval,
          sourceHash: input.sourceHash,
          pageIds: pages.map((page) => page.id),
        },
      ],
      blobs: [],
    };
    return { ok: true, screen: screen.id, manifest };
  });
}

/** A statement for one screen; `manifest` only with a show decision. */
export function emergencyStatement(options: { site: string; screen: string; signedAtMs: number; origin: EmergencyOrigin; decision: CapDecision; manifest?: BundleManifest | undefined }): EmergencyStatement {
  return {
    schemaVersion: EMERGENCY_STATEMENT_VERSION,
    type: 'emergency-statement',
    site: options.site,
    screen: options.screen,
    signedAtMs: options.signedAtMs,
    origin: options.origin,
    decision: options.decision,
    ...(options.manifest ? { manifest: options.manifest } : {}),
  };
}

/** Decisions that change a screen: shows, cancels, and refusals or not-for-site that replace something. */
export function decisionReachesScreens(decision: CapDecision): boolean {
  if (decision.kind === 'show' || decision.kind === 'cancel') return true;
  return decision.replaces.length > 0;
}
