import type { Site } from '../format/site-schema.ts';
import { formatIssueTime } from '../format/vietnamese-date.ts';
import type { TextBlock } from '../plan/markdown-subset.ts';
import { minimumTextPx } from '../plan/plan-screen.ts';
import { sitePath } from '../plan/select-notices.ts';
import { cleanText } from '../plan/text-hygiene.ts';
import type { TextMeasurer } from '../plan/text-measure.ts';
import { emergencyBanner, emergencyPages, type EmergencyBannerResult, type EmergencyContent } from '../../layouts/common/emergency-takeover.ts';
import type { LayoutContext, NoticePagesResult } from '../../layouts/common/layout-types.ts';
import type { CapPresentation, ShowDecision } from './evaluate-alert.ts';

// A shown CAP alert as the emergency layouts take it: the takeover for urgent and severe
// alerts, the banner for the rest. Pure; the caller brings the measurer (loadFontMeasurer in
// compiler/io), so the same text fitting that compiles notices decides whether the warning
// fits every screen, the 192×64 LED sign included.

export interface CapNotice extends EmergencyContent {
  readonly key: string;
  readonly presentation: CapPresentation;
  readonly riskLevel: number;
  readonly exercise: boolean;
  /** "Trung tâm Dự báo khí tượng thủy văn quốc gia · phát lúc 09:30 ngày 22/11/2026". */
  readonly issueLine: string;
  /** The sender's name: the info's <senderName>, else the trust list's. */
  readonly sourceLine: string;
  /** "phát lúc 09:30 ngày 22/11/2026", Vietnam time. */
  readonly issueTimeLine: string;
  /** Problems found in the text (invisible or bidi characters removed, legacy encodings). */
  readonly textWarnings: readonly string[];
}

/** Paragraphs at blank lines; single line breaks inside a paragraph are a sender's hard wrap. */
function paragraphs(text: string | undefined, bold: boolean): TextBlock[] {
  if (text === undefined) return [];
  return text
    .split(/\n[ \t]*\n/)
    .map((paragraph) => paragraph.replace(/\s*\n\s*/g, ' ').trim())
    .filter((paragraph) => paragraph !== '')
    .map((paragraph) => ({ kind: 'paragraph', runs: [{ text: paragraph, bold }] }));
}

/** A notice id that is safe in page ids and file names, unique per key (FNV-1a of the key). */
export function capNoticeId(key: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  const identifier = key.split(',')[1] ?? key;
  const slug = identifier.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48);
  return `cap-${slug || 'alert'}-${hash.toString(16).padStart(8, '0')}`;
}

export function capNotice(decision: ShowDecision): CapNotice {
  const textWarnings: string[] = [];
  const clean = (field: string, raw: string | undefined, multiline: boolean): string | undefined => {
    if (raw === undefined) return undefined;
    const result = cleanText(raw, { multiline });
    // Only what cleanText had to remove or could not read is reported. Its typing heuristics
    // (missing or OCR-mangled accents) are advice for officers who can fix their own notice;
    // nobody at the station can edit a national centre's alert, and abbreviations such as
    // "PCTT và TKCN" or an English fallback block would set them off for nothing.
    for (const problem of result.problems) {
      if (problem.severity === 'error') textWarnings.push(`${field}: ${problem.code}: ${problem.message}`);
    }
    return result.text;
  };
  const title = clean('headline', decision.headline, false) ?? decision.event;
  const description = clean('description', decision.description, true);
  const instruction = clean('instruction', decision.instruction, true);
  const sourceLine = clean('senderName', decision.senderName, false) ?? decision.sender;
  const issueTimeLine = `phát lúc ${formatIssueTime(decision.issuedAtMs)}`;
  // Instructions in bold: what to do is what people must not miss.
  const blocks = [...paragraphs(description, false), ...paragraphs(instruction, true)];
  return {
    id: capNoticeId(decision.key),
    key: decision.key,
    title,
    category: 'canh-bao',
    priority: 'emergency',
    presentation: decision.presentation,
    riskLevel: decision.riskLevel,
    // A warning with no text beyond its headline still needs a body to lay out.
    blocks: blocks.length > 0 ? blocks : paragraphs(decision.event, false),
    images: [],
    validFromMs: decision.effectiveMs,
    validToMs: decision.expiresMs,
    exercise: decision.exercise,
    issueLine: `${sourceLine} · ${issueTimeLine}`,
    sourceLine,
    issueTimeLine,
    textWarnings,
  };
}

export type CapScreenLayout =
  | { readonly screen: string; readonly presentation: 'takeover'; readonly result: NoticePagesResult }
  | { readonly screen: string; readonly presentation: 'banner'; readonly result: EmergencyBannerResult };

/** The layout context the compiler would build for this screen (see plan-screen.ts). */
export function screenContext(site: Site, screen: Site['screens'][number], measurer: TextMeasurer): LayoutContext {
  return {
    screen: { id: screen.id, kind: screen.kind, width: screen.size.width, height: screen.size.height, pitchMm: screen.pitchMm },
    site: { name: site.name, path: sitePath(site) },
    measurer,
    minTextPx: minimumTextPx(screen),
  };
}

/** Lays the alert out on every screen of the site: takeover pages or banner nodes. */
export function layoutCapNotice(options: { site: Site; notice: CapNotice; measurer: TextMeasurer }): CapScreenLayout[] {
  const { site, notice, measurer } = options;
  return site.screens.map((screen): CapScreenLayout => {
    const context = screenContext(site, screen, measurer);
    return notice.presentation === 'takeover'
      ? { screen: screen.id, presentation: 'takeover', result: emergencyPages(context, notice) }
      : { screen: screen.id, presentation: 'banner', result: emergencyBanner(context, notice) };
  });
}
