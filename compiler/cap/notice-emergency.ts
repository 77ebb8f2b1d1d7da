import type { BundleManifest, ManifestNotice } from '../format/bundle-manifest.ts';
import type { SceneNode } from '../format/scene.ts';
import { toVietnamWallTime } from '../format/vietnam-time.ts';
import type { ShowDecision } from './evaluate-alert.ts';
import { emergencyStatement, EMERGENCY_LAYOUT_TAKEOVER, type EmergencyStatement } from './emergency-statement.ts';

// Commune notices of priority emergency go out through the emergency path as well as in the
// content bundle: at compile time (with the station key) each one becomes an emergency
// statement per screen, carrying the takeover pages the compiler laid out for that screen.
// The hub pushes it ahead of everything, before the content bundle's blobs have arrived, and
// the players acknowledge it like a CAP alert. Once the content bundle that carries the same
// notice is active, the content shows it (with its pictures); a later content bundle without
// the notice withdraws it (emergency-view.ts). Pure: the compiler passes the manifest it built.

/** A CAP dateTime in Vietnam time, "2026-11-22T04:40:00+07:00": the `sent` part of station keys. */
export function capTimeText(ms: number): string {
  const wall = toVietnamWallTime(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${wall.year}-${two(wall.month)}-${two(wall.day)}T${two(wall.hour)}:${two(wall.minute)}:${two(wall.second)}+07:00`;
}

/** The sender of statements the station makes itself (notices, operator cancels). */
export function stationSender(siteId: string): string {
  return `station@${siteId}`;
}

/**
 * The key of a notice's emergency: stable for one approved text (id and source hash), so a
 * recompile of the same notice is the same alert, and an edited notice is a new one.
 */
export function noticeEmergencyKey(siteId: string, notice: Pick<ManifestNotice, 'id' | 'sourceHash' | 'approval'>): string {
  return `${stationSender(siteId)},notice-${notice.id}-${notice.sourceHash.slice(0, 12)},${capTimeText(Date.parse(notice.approval.at))}`;
}

/** The notice id and source hash a notice statement is about (from its bundle), or undefined. */
export function noticeOfStatement(statement: EmergencyStatement): { id: string; sourceHash: string } | undefined {
  if (statement.origin !== 'notice' || !statement.manifest) return undefined;
  const notice = statement.manifest.notices[0];
  return notice ? { id: notice.id, sourceHash: notice.sourceHash } : undefined;
}

function blobsOf(nodes: readonly SceneNode[]): string[] {
  return nodes.flatMap((node) => (node.type === 'image' ? [node.blob] : []));
}

function decisionFor(manifest: BundleManifest, notice: ManifestNotice): ShowDecision {
  const issuedAtMs = Date.parse(notice.approval.at);
  const riskLevel = (notice.riskLevel ?? 3) as ShowDecision['riskLevel'];
  return {
    kind: 'show',
    presentation: 'takeover',
    riskLevel,
    riskLevelSource: 'parameter',
    exercise: false,
    status: 'Actual',
    msgType: 'Alert',
    urgency: 'Immediate',
    severity: riskLevel >= 4 ? 'Extreme' : 'Severe',
    certainty: 'Observed',
    headline: notice.title,
    event: notice.title,
    areaDesc: manifest.site.name,
    matchedBy: 'no-area',
    sender: stationSender(manifest.site.id),
    senderName: notice.approval.by,
    issuedAtMs,
    effectiveMs: notice.validFromMs,
    expiresMs: notice.validToMs,
    language: 'vi',
    key: noticeEmergencyKey(manifest.site.id, notice),
    references: [],
    replaces: [],
    warnings: [],
  };
}

/** One statement per emergency notice of a screen's content manifest; signedAtMs is the compile instant. */
export function noticeEmergencyStatements(options: { manifest: BundleManifest; signedAtMs: number }): EmergencyStatement[] {
  const { manifest } = options;
  return manifest.notices
    .filter((notice) => notice.priority === 'emergency' && notice.pageIds.length > 0)
    .map((notice) => {
      const pages = manifest.pages.filter((page) => page.noticeId === notice.id);
      const hashes = new Set(pages.flatMap((page) => blobsOf(page.nodes)));
      const emergencyManifest: BundleManifest = {
        ...manifest,
        kind: 'emergency',
        layout: EMERGENCY_LAYOUT_TAKEOVER,
        chrome: { under: [], over: [] },
        pages,
        notices: [notice],
        blobs: manifest.blobs.filter((blob) => hashes.has(blob.hash)),
      };
      delete (emergencyManifest as { idlePageId?: string }).idlePageId;
      return emergencyStatement({ site: manifest.site.id, screen: manifest.screen.id, signedAtMs: options.signedAtMs, origin: 'notice', decision: decisionFor(manifest, notice), manifest: emergencyManifest });
    });
}
