import { verify, type KeyObject } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RegisteredApprover } from '../format/approver-registry.ts';
import { feedSigningText, sourceFeedEnvelopeSchema, sourceFeedItemSchema, trustedSourcesSchema, type SourceFeedEnvelope, type SourceFeedItem, type TrustedSource } from '../format/source-feed.ts';
import { looksLikeXml, rssToSourceFeed } from '../format/source-rss.ts';
import { fieldPath } from '../plan/compile-problem.ts';
import { noticeTextFromItem, pullAction, type NoticeApprovalText, type PullAction } from '../plan/source-notice.ts';
import { keyId, loadPublicKey, sha256Hex } from '../trust/station-key.ts';
import { signedNoticeText } from './approve-notice.ts';
import { parseNoticeText } from './read-notices.ts';
import { writeFileAtomic } from './write-output.ts';
import { readYamlFile } from './yaml-file.ts';

// `signage source pull`: the inbound adapter for the provincial source information system
// (format: compiler/format/source-feed.ts). Fetches a feed (http(s) URL or file), checks its
// signature against the trusted sources, and writes each item as a notice file in the store:
// approved when the signature verifies, a draft awaiting local approval otherwise.
//
// Never loses local work: a file is only rewritten when it is exactly what the previous pull
// wrote (the pull ledger, NOTICES/.source-pull-ledger.json, remembers the sha256 of each file
// it wrote). A file edited here since — approved locally, corrected — is kept and the pull
// says so; a file no pull wrote is never touched. Pictures go to NOTICES/source-images/,
// named by their sha256, and are checked against the feed's sha256 before they land.

export const PULL_LEDGER_FILE = '.source-pull-ledger.json';
export const SOURCE_IMAGES_DIR = 'source-images';
const MAX_IMAGE_BYTES = 25 * 1024 * 1024;
const MAX_FEED_BYTES = 20 * 1024 * 1024;

export interface PullProblem {
  readonly severity: 'error' | 'warning';
  readonly feed: string;
  /** "items[3] (tuyen-truyen-bau-cu)" when the problem is one item's. */
  readonly item?: string;
  readonly field?: string;
  readonly message: string;
}

export function formatPullProblem(problem: PullProblem): string {
  const where = [problem.feed, problem.item, problem.field ? `field ${problem.field}` : undefined].filter(Boolean).join(', ');
  return `${problem.severity} (${where}): ${problem.message}`;
}

/** The feed as a whole could not be used: nothing was written. */
export class PullFailure extends Error {
  override readonly name = 'PullFailure';
  constructor(readonly problems: readonly PullProblem[]) {
    super(problems.map(formatPullProblem).join('\n'));
  }
}

export type FeedTrust = 'verified' | 'not-checked' | 'unsigned' | 'unknown-source' | 'wrong-key' | 'bad-signature';

export interface PulledItem {
  readonly id: string;
  readonly file: string;
  readonly action: PullAction;
  readonly approved: boolean;
}

export interface PullResult {
  readonly feed: string;
  readonly source: string;
  readonly trust: FeedTrust;
  readonly items: readonly PulledItem[];
  readonly problems: readonly PullProblem[];
}

export interface TrustedSourceKey {
  readonly source: TrustedSource;
  readonly publicKey: KeyObject;
}

export async function loadTrustedSources(file: string): Promise<Map<string, TrustedSourceKey>> {
  const list = await readYamlFile({ file, schema: trustedSourcesSchema, code: 'SOURCES', what: 'trusted source list' });
  const keys = new Map<string, TrustedSourceKey>();
  for (const [index, source] of list.sources.entries()) {
    const publicKey = loadPublicKey(source.publicKey);
    if (keyId(publicKey) !== source.keyId) throw new PullFailure([{ severity: 'error', feed: file, field: `sources[${index}].keyId`, message: `keyId ${source.keyId} does not match the public key (${keyId(publicKey)}); copy both from the source system again` }]);
    keys.set(source.id, { source, publicKey });
  }
  return keys;
}

interface Ledger {
  readonly version: 1;
  readonly items: Record<string, { readonly file: string; readonly written: string }>;
}

async function readLedger(noticesDir: string): Promise<Ledger> {
  try {
    const parsed = JSON.parse(await readFile(join(noticesDir, PULL_LEDGER_FILE), 'utf8')) as Ledger;
    if (parsed.version === 1 && typeof parsed.items === 'object') return parsed;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new PullFailure([{ severity: 'error', feed: join(noticesDir, PULL_LEDGER_FILE), message: `the pull ledger is unreadable (${(error as Error).message}); move it away: the next pull then treats every pulled file as local and keeps it` }]);
  }
  return { version: 1, items: {} };
}

const isUrl = (value: string) => /^https?:\/\//i.test(value);

async function fetchBytes(address: string, limit: number, timeoutMs: number): Promise<Buffer> {
  const response = await fetch(address, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length > limit) throw new Error(`${bytes.length} bytes is more than the ${limit} allowed`);
  return bytes;
}

async function readFeed(feed: string, timeoutMs: number): Promise<Buffer> {
  try {
    if (isUrl(feed)) return await fetchBytes(feed, MAX_FEED_BYTES, timeoutMs);
    const info = await stat(feed);
    if (info.size > MAX_FEED_BYTES) throw new Error(`${info.size} bytes is more than the ${MAX_FEED_BYTES} allowed`);
    return await readFile(feed);
  } catch (error) {
    throw new PullFailure([{ severity: 'error', feed, message: `cannot read the feed (${(error as Error).message}); check the address or path, and that the source system is reachable` }]);
  }
}

function checkTrust(feed: string, raw: Record<string, unknown>, envelope: SourceFeedEnvelope, trusted: ReadonlyMap<string, TrustedSourceKey> | undefined): { trust: FeedTrust; problem?: PullProblem; source?: TrustedSource } {
  if (!trusted) return { trust: 'not-checked' };
  const drafts = 'its items are written as drafts awaiting local approval';
  const entry = trusted.get(envelope.source);
  if (!envelope.signature) return { trust: 'unsigned', problem: { severity: 'warning', feed, field: 'signature', message: `the feed is not signed; ${drafts}` } };
  if (!entry) return { trust: 'unknown-source', problem: { severity: 'warning', feed, field: 'source', message: `source "${envelope.source}" is not in the trusted source list; ${drafts}. Add its key to the --trust file if the station should accept it` } };
  if (envelope.signature.keyId !== entry.source.keyId) {
    return { trust: 'wrong-key', problem: { severity: 'warning', feed, field: 'signature.keyId', message: `signed with key ${envelope.signature.keyId}, not ${entry.source.name}'s trusted key ${entry.source.keyId}; ${drafts}` } };
  }
  const good = verify(null, Buffer.from(feedSigningText(raw), 'utf8'), entry.publicKey, Buffer.from(envelope.signature.signature, 'base64'));
  if (!good) return { trust: 'bad-signature', problem: { severity: 'warning', feed, field: 'signature', message: `the signature does not match the feed's content (altered on the way, or signed over other bytes); ${drafts}` } };
  return { trust: 'verified', source: entry.source };
}

function imageExtension(address: string): string {
  const ext = extname(new URL(address).pathname).toLowerCase();
  return /^\.(jpe?g|png|webp|gif|avif|tiff?)$/.test(ext) ? ext : '.img';
}

export async function pullSourceFeed(options: {
  feed: string;
  noticesDir: string;
  trusted?: ReadonlyMap<string, TrustedSourceKey> | undefined;
  /** Signs the approval of trusted items as this registered approver, so they compile under --approvers. */
  signer?: { approver: RegisteredApprover; privateKey: KeyObject } | undefined;
  timeoutMs?: number;
}): Promise<PullResult> {
  const { feed, noticesDir } = options;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const bytes = await readFeed(feed, timeoutMs);
  let raw: unknown;
  try {
    const decoded = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    if (looksLikeXml(bytes)) {
      // The RSS 2.0 variant: mapped to the same feed object, then checked the same way.
      const rss = rssToSourceFeed(decoded);
      if (!rss.ok) throw new PullFailure([{ severity: 'error', feed, message: `the RSS feed is unusable: ${rss.message}; the format is described in README, "Source feed"` }]);
      raw = rss.feed;
    } else {
      raw = JSON.parse(decoded);
    }
  } catch (error) {
    if (error instanceof PullFailure) throw error;
    throw new PullFailure([{ severity: 'error', feed, message: `the feed is not UTF-8 JSON or RSS (${(error as Error).message}); the format is described in README, "Source feed"` }]);
  }
  const parsed = sourceFeedEnvelopeSchema.safeParse(raw);
  if (!parsed.success) {
    throw new PullFailure(parsed.error.issues.map((issue) => ({ severity: 'error' as const, feed, field: fieldPath(issue.path) || '(top level)', message: issue.code === 'unrecognized_keys' ? `${issue.message}; the format is described in README, "Source feed"` : issue.message })));
  }
  const envelope = parsed.data;
  const trust = checkTrust(feed, raw as Record<string, unknown>, envelope, options.trusted);
  const problems: PullProblem[] = trust.problem ? [trust.problem] : [];
  const ledger = await readLedger(noticesDir);
  const ledgerItems = { ...ledger.items };
  const items: PulledItem[] = [];
  const seen = new Set<string>();
  await mkdir(noticesDir, { recursive: true });

  for (const [index, rawItem] of envelope.items.entries()) {
    const rawId = typeof (rawItem as { id?: unknown })?.id === 'string' ? (rawItem as { id: string }).id : undefined;
    const label = `items[${index}]${rawId ? ` (${rawId})` : ''}`;
    const itemProblem = (field: string | undefined, message: string) => problems.push({ severity: 'error', feed, item: label, ...(field ? { field } : {}), message });
    const checked = sourceFeedItemSchema.safeParse(rawItem);
    if (!checked.success) {
      for (const issue of checked.error.issues) itemProblem(fieldPath(issue.path) || '(item)', issue.code === 'unrecognized_keys' ? `${issue.message}; remove it or check its spelling` : issue.message);
      continue;
    }
    const item = checked.data;
    if (seen.has(item.id)) {
      itemProblem('id', `id "${item.id}" appears twice in the feed; only the first was taken`);
      continue;
    }
    seen.add(item.id);
    if (!(Date.parse(item.valid.to) > Date.parse(item.valid.from))) {
      itemProblem('valid.to', `valid.to (${item.valid.to}) must be after valid.from (${item.valid.from})`);
      continue;
    }
    if (item.priority === 'emergency' && item.riskLevel === undefined) {
      itemProblem('riskLevel', 'an emergency needs riskLevel 1–5 (Quyết định 18/2021/QĐ-TTg)');
      continue;
    }
    const imageRefs = await fetchImages({ item, feed, noticesDir, timeoutMs, problem: itemProblem });
    if (!imageRefs) continue;
    const file = join(noticesDir, `${item.id}.md`);
    const approved = trust.trust === 'verified';
    const approval: NoticeApprovalText | undefined = approved ? (item.approval ?? { by: trust.source!.name, role: 'Hệ thống thông tin nguồn', at: envelope.generatedAt }) : undefined;
    let text: Buffer;
    try {
      text = Buffer.from(noticeTextFromItem({ item, imageRefs, approval, sourceName: envelope.name }));
      if (approval && options.signer) {
        text = signedNoticeText({ file, text: text.toString('utf8'), approval: { ...approval, approver: options.signer.approver.id }, approverEntry: options.signer.approver, privateKey: options.signer.privateKey, imageHashes: (item.images ?? []).map((image) => image.sha256) });
      }
    } catch (error) {
      itemProblem(undefined, (error as Error).message);
      continue;
    }
    const notice = parseNoticeText(text, file);
    const errors = notice.problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) {
      for (const error of errors) itemProblem(error.field, error.message);
      continue;
    }
    const key = `${envelope.source}/${item.id}`;
    const current = await readFile(file).then(sha256Hex, () => undefined);
    const next = sha256Hex(text);
    const action = pullAction({ next, current, written: ledgerItems[key]?.written });
    if (action === 'create' || action === 'update') {
      await writeFileAtomic(file, text);
      ledgerItems[key] = { file: `${item.id}.md`, written: next };
    } else if (action === 'kept-local-edit') {
      problems.push({ severity: 'warning', feed, item: label, message: `${file} was edited here since the last pull and the feed has changed the item; the local file is kept. Delete it and pull again to take the feed's version` });
    } else if (action === 'not-ours') {
      itemProblem('id', `${file} exists and was not written by a pull from ${envelope.source}; it is left alone. Rename the local notice, or ask the source to use another id`);
    } else if (ledgerItems[key] === undefined && current === next) {
      ledgerItems[key] = { file: `${item.id}.md`, written: next };
    }
    items.push({ id: item.id, file, action, approved });
  }
  if (JSON.stringify(ledgerItems) !== JSON.stringify(ledger.items)) {
    await writeFileAtomic(join(noticesDir, PULL_LEDGER_FILE), `${JSON.stringify({ version: 1, items: sortKeys(ledgerItems) }, null, 2)}\n`);
  }
  return { feed, source: envelope.source, trust: trust.trust, items, problems };
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Downloads (or finds already stored) each picture of an item, checked against its sha256; the references the notice gives. */
async function fetchImages(options: { item: SourceFeedItem; feed: string; noticesDir: string; timeoutMs: number; problem: (field: string, message: string) => void }): Promise<string[] | undefined> {
  const refs: string[] = [];
  for (const [index, image] of (options.item.images ?? []).entries()) {
    const field = `images[${index}].url`;
    let address: string;
    try {
      address = isUrl(options.feed) ? new URL(image.url, options.feed).href : new URL(image.url, pathToFileURL(resolve(options.feed))).href;
    } catch {
      options.problem(field, `"${image.url}" is not an address`);
      return undefined;
    }
    if (isUrl(options.feed) && !isUrl(address)) {
      options.problem(field, `"${image.url}" is not an http(s) address; a feed fetched over the network may not point at local files`);
      return undefined;
    }
    if (!isUrl(address) && !address.startsWith('file:')) {
      options.problem(field, `"${image.url}" must be an http(s) address or a path relative to the feed file`);
      return undefined;
    }
    const name = `${image.sha256}${imageExtension(address)}`;
    const path = join(options.noticesDir, SOURCE_IMAGES_DIR, name);
    const stored = await readFile(path).then(sha256Hex, () => undefined);
    if (stored !== image.sha256) {
      let bytes: Buffer;
      try {
        bytes = isUrl(address) ? await fetchBytes(address, MAX_IMAGE_BYTES, options.timeoutMs) : await readFile(fileURLToPath(address));
      } catch (error) {
        options.problem(field, `cannot fetch the picture ${address} (${(error as Error).message}); the item is left out until it can be fetched`);
        return undefined;
      }
      const actual = sha256Hex(bytes);
      if (actual !== image.sha256) {
        options.problem(`images[${index}].sha256`, `the picture at ${address} has sha256 ${actual}, not ${image.sha256}: it changed or was damaged on the way; the item is left out`);
        return undefined;
      }
      await mkdir(dirname(path), { recursive: true });
      await writeFileAtomic(path, bytes);
    }
    refs.push(`${SOURCE_IMAGES_DIR}/${name}`);
  }
  return refs;
}
