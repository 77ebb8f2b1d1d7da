import type { KeyObject } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { evaluateAlert } from '../compiler/cap/evaluate-alert.ts';
import { DEFAULT_MAX_FEED_BYTES, parseCapDocument, type CapFeedEntry } from '../compiler/cap/parse-cap.ts';
import { decodeCapBytes, readCapFile } from '../compiler/cap/read-cap-input.ts';
import type { TrustList } from '../compiler/cap/trust-list.ts';
import type { Site } from '../compiler/format/site-schema.ts';
import type { TextMeasurer } from '../compiler/plan/text-measure.ts';
import { sha256Hex } from '../compiler/trust/station-key.ts';
import type { AlertDatabase } from './alert-database.ts';
import { issueDecision, recordUnreadable, type IssueContext, type IssueOutcome } from './emergency-issue.ts';

// The station's CAP intake: a CAP document (one alert, or an Atom/RSS feed of them) read from
// a file or a URL is parsed, evaluated against the trust list and the site, and stored with
// its decision in the alert record; accepted alerts and cancels become signed statements that
// the running hub pushes (emergency-issue.ts). Refused input is stored as refused, with the
// code and the reason, and never reaches a screen.
// The watcher (`signage cap watch`) calls ingestSource on a feed URL or a directory at an
// interval; what it has read is remembered in the alert record (feed_seen), so a restart
// neither re-ingests nor misses anything.

export interface StationContext {
  readonly db: AlertDatabase;
  readonly site: Site;
  readonly trustList: TrustList;
  readonly privateKey: KeyObject;
  readonly measurer: TextMeasurer;
  readonly nowMs: () => number;
  /** Fetches a URL's bytes (bounded); injected so that tests serve feeds from 127.0.0.1. */
  readonly fetchBytes?: (url: string, maxBytes: number) => Promise<Uint8Array>;
}

export interface IngestLine {
  /** The file, URL or feed entry. */
  readonly source: string;
  readonly outcome: IssueOutcome | { readonly outcome: 'refused-input'; readonly code: string; readonly reason: string } | { readonly outcome: 'link'; readonly url: string };
  /** The decision's description for people, when there was one. */
  readonly decision?: ReturnType<typeof evaluateAlert> | undefined;
}

export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

async function defaultFetchBytes(url: string, maxBytes: number): Promise<Uint8Array> {
  const response = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(20_000) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > maxBytes) throw new Error(`${length} bytes, over the ${maxBytes}-byte limit`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.byteLength > maxBytes) throw new Error(`${bytes.byteLength} bytes, over the ${maxBytes}-byte limit`);
  return bytes;
}

/** Reads a file or URL as strict UTF-8; a refusal names the input. */
export async function readCapSource(context: Pick<StationContext, 'fetchBytes'>, source: string): Promise<{ ok: true; text: string; sourceHash: string } | { ok: false; code: string; reason: string }> {
  if (isUrl(source)) {
    let bytes: Uint8Array;
    try {
      bytes = await (context.fetchBytes ?? defaultFetchBytes)(source, DEFAULT_MAX_FEED_BYTES);
    } catch (error) {
      return { ok: false, code: 'CAP_UNREADABLE', reason: `${source}: cannot be fetched (${(error as Error).message}); check the address and the network` };
    }
    const decoded = decodeCapBytes(bytes, source);
    return decoded.ok ? { ok: true, text: decoded.text, sourceHash: sha256Hex(bytes) } : decoded;
  }
  const read = await readCapFile(source);
  return read.ok ? { ok: true, text: read.text, sourceHash: sha256Hex(Buffer.from(read.text, 'utf8')) } : read;
}

function issueContext(context: StationContext, source: string, sourceHash: string | null): IssueContext {
  return { db: context.db, site: context.site, privateKey: context.privateKey, measurer: context.measurer, nowMs: context.nowMs(), origin: 'cap', source, sourceHash };
}

/**
 * Ingests one CAP document already read: every alert in it is decided and stored. Feed entries
 * that only link to their alert come back as `link` lines; `followLinks` fetches and ingests
 * them (the watcher does, `cap ingest` lists them).
 */
export async function ingestText(context: StationContext, options: { text: string; source: string; sourceHash: string; followLinks: boolean }): Promise<IngestLine[]> {
  const { text, source, sourceHash } = options;
  const origin = isUrl(source) ? source : undefined;
  const document = parseCapDocument(text, { source, ...(origin ? { baseUrl: origin } : {}) });
  if (!document.ok) {
    recordUnreadable({ db: context.db, site: context.site, nowMs: context.nowMs(), origin: 'cap', source, sourceHash }, document);
    return [{ source, outcome: { outcome: 'refused-input', code: document.code, reason: document.reason } }];
  }
  const decide = (alert: Parameters<typeof evaluateAlert>[0]['alert'], name: string, from: string | undefined, hash: string): IngestLine => {
    const decision = evaluateAlert({ alert, trustList: context.trustList, site: { site: context.site.site, location: context.site.location }, nowMs: context.nowMs(), source: name, ...(from ? { origin: from } : {}) });
    return { source: name, decision, outcome: issueDecision(issueContext(context, name, hash), decision) };
  };
  if (document.kind === 'alert') return [decide(document.alert, source, origin, sourceHash)];
  const lines: IngestLine[] = [];
  for (const entry of document.entries as readonly CapFeedEntry[]) {
    const name = `${source}, entry ${entry.index + 1}${entry.entryId ? ` (${entry.entryId})` : ''}`;
    if (entry.kind === 'link') {
      if (!options.followLinks) {
        lines.push({ source: name, outcome: { outcome: 'link', url: entry.url } });
        continue;
      }
      lines.push(...(await ingestSource(context, entry.url)));
      continue;
    }
    if (entry.kind === 'refused') {
      recordUnreadable({ db: context.db, site: context.site, nowMs: context.nowMs(), origin: 'cap', source: name, sourceHash }, entry);
      lines.push({ source: name, outcome: { outcome: 'refused-input', code: entry.code, reason: entry.reason } });
      continue;
    }
    if (!entry.result.ok) {
      recordUnreadable({ db: context.db, site: context.site, nowMs: context.nowMs(), origin: 'cap', source: name, sourceHash }, entry.result);
      lines.push({ source: name, outcome: { outcome: 'refused-input', code: entry.result.code, reason: entry.result.reason } });
      continue;
    }
    lines.push(decide(entry.result.alert, name, origin, sourceHash));
  }
  return lines;
}

/** Reads and ingests a file or URL (`signage cap ingest`). */
export async function ingestSource(context: StationContext, source: string, options: { followLinks?: boolean } = {}): Promise<IngestLine[]> {
  const read = await readCapSource(context, source);
  if (!read.ok) {
    recordUnreadable({ db: context.db, site: context.site, nowMs: context.nowMs(), origin: 'cap', source, sourceHash: null }, read);
    return [{ source, outcome: { outcome: 'refused-input', code: read.code, reason: read.reason } }];
  }
  return ingestText(context, { text: read.text, source, sourceHash: read.sourceHash, followLinks: options.followLinks ?? false });
}

/**
 * One pass of the watcher over a feed URL or a directory of CAP files. A directory's files
 * are read in name order, each once per content (a file rewritten with new content is read
 * again); a feed is read whole, and an entry or linked alert seen before is skipped.
 */
export async function watchOnce(context: StationContext, feed: string): Promise<IngestLine[]> {
  const { db } = context;
  const lines: IngestLine[] = [];
  if (!isUrl(feed)) {
    let names: string[];
    try {
      names = (await readdir(feed)).filter((name) => /\.(xml|cap|atom|rss)$/i.test(name)).sort();
    } catch (error) {
      return [{ source: feed, outcome: { outcome: 'refused-input', code: 'CAP_UNREADABLE', reason: `${feed}: cannot list the directory (${(error as Error).message}); check --feed` } }];
    }
    for (const name of names) {
      const path = join(feed, name);
      const read = await readCapSource(context, path);
      const entry = `${name}#${read.ok ? read.sourceHash : read.code}`;
      if (db.seen(feed, entry)) continue;
      if (read.ok) lines.push(...(await ingestText(context, { text: read.text, source: path, sourceHash: read.sourceHash, followLinks: true })));
      else {
        recordUnreadable({ db, site: context.site, nowMs: context.nowMs(), origin: 'cap', source: path, sourceHash: null }, read);
        lines.push({ source: path, outcome: { outcome: 'refused-input', code: read.code, reason: read.reason } });
      }
      db.markSeen(feed, entry, context.nowMs());
    }
    return lines;
  }
  const read = await readCapSource(context, feed);
  if (!read.ok) {
    // A feed that cannot be fetched now is tried again at the next interval; nothing is stored.
    return [{ source: feed, outcome: { outcome: 'refused-input', code: read.code, reason: read.reason } }];
  }
  const entry = `document#${read.sourceHash}`;
  if (db.seen(feed, entry)) return [];
  const document = parseCapDocument(read.text, { source: feed, baseUrl: feed });
  let retry = false;
  if (document.ok && document.kind === 'feed') {
    for (const item of document.entries) {
      const name = `${feed}, entry ${item.index + 1}${item.entryId ? ` (${item.entryId})` : ''}`;
      const id = item.kind === 'link' ? `link#${item.url}` : `entry#${item.entryId ?? ''}#${item.index}#${read.sourceHash}`;
      if (db.seen(feed, id)) continue;
      if (item.kind === 'link') {
        const linked = await readCapSource(context, item.url);
        if (!linked.ok && linked.code === 'CAP_UNREADABLE') {
          // Not reachable now: tried again at the next pass, not stored as refused each time.
          lines.push({ source: item.url, outcome: { outcome: 'refused-input', code: linked.code, reason: linked.reason } });
          retry = true;
          continue;
        }
        if (linked.ok) lines.push(...(await ingestText(context, { text: linked.text, source: item.url, sourceHash: linked.sourceHash, followLinks: false })));
        else {
          recordUnreadable({ db, site: context.site, nowMs: context.nowMs(), origin: 'cap', source: item.url, sourceHash: null }, linked);
          lines.push({ source: item.url, outcome: { outcome: 'refused-input', code: linked.code, reason: linked.reason } });
        }
      } else if (item.kind === 'refused' || !item.result.ok) {
        const refusal = item.kind === 'refused' ? item : (item.result as { code: string; reason: string });
        recordUnreadable({ db, site: context.site, nowMs: context.nowMs(), origin: 'cap', source: name, sourceHash: read.sourceHash }, refusal);
        lines.push({ source: name, outcome: { outcome: 'refused-input', code: refusal.code, reason: refusal.reason } });
      } else {
        const decision = evaluateAlert({ alert: item.result.alert, trustList: context.trustList, site: { site: context.site.site, location: context.site.location }, nowMs: context.nowMs(), source: name, origin: feed });
        lines.push({ source: name, decision, outcome: issueDecision(issueContext(context, name, read.sourceHash), decision) });
      }
      db.markSeen(feed, id, context.nowMs());
    }
  } else {
    lines.push(...(await ingestText(context, { text: read.text, source: feed, sourceHash: read.sourceHash, followLinks: true })));
  }
  if (!retry) db.markSeen(feed, entry, context.nowMs());
  return lines;
}
