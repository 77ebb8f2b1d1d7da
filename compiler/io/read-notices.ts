import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { noticeFrontMatterSchema, type NoticeFrontMatter } from '../format/notice-schema.ts';
import { fieldPath, type CompileProblem } from '../plan/compile-problem.ts';
import { parseNoticeBody, type TextBlock } from '../plan/markdown-subset.ts';
import { cleanText } from '../plan/text-hygiene.ts';
import type { LoadedNotice } from '../plan/loaded-notice.ts';
import { sha256Hex } from '../trust/station-key.ts';
import type { SourceHashCache } from './source-hash-cache.ts';

// Reads every notice file of a directory. Nothing here decides what is shown: it parses,
// checks and reports, and the pure planner selects. Files are read in sorted order so that
// the problems list (and everything after) does not depend on the directory's order.

export interface ReadNoticesResult {
  readonly notices: LoadedNotice[];
  readonly problems: CompileProblem[];
}

async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const FRONT_MATTER = /^---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

export interface ReadNoticesOptions {
  /** Remembers picture hashes between compiles; without it every picture is read and hashed. */
  readonly sourceHashes?: SourceHashCache | undefined;
  /** Remembers the checked text of unchanged notice files between compiles. */
  readonly parsedNotices?: { get(key: string): ParsedNoticeText | undefined; set(key: string, value: ParsedNoticeText): void; save(): Promise<void> } | undefined;
}

export async function readNotices(dir: string, options: ReadNoticesOptions = {}): Promise<ReadNoticesResult> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.md')).sort();
  } catch (error) {
    return {
      notices: [],
      problems: [{ severity: 'error', code: 'NOTICES_UNREADABLE', file: dir, message: `cannot read the notices directory (${(error as Error).message}); check the --notices path` }],
    };
  }
  const notices: LoadedNotice[] = [];
  const problems: CompileProblem[] = [];
  // Reading and hashing files (pictures included) is I/O-bound: overlap a few at a time, then
  // take the results in sorted order so nothing downstream depends on which finished first.
  const results = await mapWithConcurrency(names, 8, (name) => readNoticeFile(join(dir, name), options));
  await options.sourceHashes?.save();
  await options.parsedNotices?.save();
  for (const result of results) {
    problems.push(...result.problems);
    if (result.notice) notices.push(result.notice);
  }
  const byId = new Map<string, string>();
  for (const notice of notices) {
    const other = byId.get(notice.front.id);
    if (other) {
      problems.push({ severity: 'error', code: 'NOTICE_DUPLICATE_ID', file: notice.file, field: 'id', message: `id "${notice.front.id}" is already used by ${other}; every notice needs its own id` });
    }
    byId.set(notice.front.id, notice.file);
  }
  return { notices, problems };
}

export async function readNoticeFile(file: string, options: ReadNoticesOptions = {}): Promise<{ notice?: LoadedNotice; problems: CompileProblem[] }> {
  const bytes = await readFile(file);
  const cacheKey = `${file}\n${sha256Hex(bytes)}`;
  let text = options.parsedNotices?.get(cacheKey);
  if (!text) {
    text = parseNoticeText(bytes, file);
    options.parsedNotices?.set(cacheKey, text);
  }
  const problems: CompileProblem[] = [...text.problems];
  if (!text.front || text.blocks === undefined) return { problems };
  const front = text.front;
  const validFromMs = Date.parse(front.valid.from);
  const validToMs = Date.parse(front.valid.to);
  if (!(validToMs > validFromMs)) {
    problems.push({ severity: 'error', code: 'NOTICE_VALID_RANGE', file, field: 'valid.to', message: `valid.to (${front.valid.to}) must be after valid.from (${front.valid.from})` });
  }
  if (front.priority === 'emergency' && front.riskLevel === undefined) {
    problems.push({ severity: 'error', code: 'NOTICE_RISK_LEVEL', file, field: 'riskLevel', message: 'an emergency notice needs riskLevel 1–5 (Quyết định 18/2021/QĐ-TTg) so the screen shows the right colour' });
  }
  if (front.schedule?.from && front.schedule.to && front.schedule.from === front.schedule.to) {
    problems.push({ severity: 'error', code: 'NOTICE_SCHEDULE_EMPTY', file, field: 'schedule.to', message: 'schedule.from and schedule.to are equal; give a window such as from "07:00" to "17:00"' });
  }

  const images: { path: string; reference: string; sourceHash: string }[] = [];
  for (const [index, reference] of (front.images ?? []).entries()) {
    const field = `images[${index}]`;
    if (/^[a-z][a-z0-9+.-]*:/i.test(reference)) {
      problems.push({ severity: 'error', code: 'NOTICE_IMAGE_REMOTE', file, field, message: `"${reference}" is an address; only image files stored beside the notice are allowed. Download the picture and give its relative path` });
      continue;
    }
    const path = resolve(dirname(file), reference);
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new Error('not a file');
      const sourceHash = options.sourceHashes ? await options.sourceHashes.hashOf(path) : sha256Hex(await readFile(path));
      images.push({ path, reference, sourceHash });
    } catch {
      problems.push({ severity: 'error', code: 'NOTICE_IMAGE_MISSING', file, field, message: `image "${reference}" was not found (looked for ${relative(process.cwd(), path) || path}); check the file name and that it sits where the path says` });
    }
  }

  if (problems.some((p) => p.severity === 'error')) return { problems };
  return {
    notice: {
      file,
      front,
      blocks: text.blocks,
      sourceHash: sha256Hex(bytes),
      validFromMs,
      validToMs,
      images,
    },
    problems,
  };
}

const FREE_TEXT_FIELDS = ['title'];

/** Wraps unquoted one-line values of free-text fields in double quotes (YAML-escaped). */
export function quoteFreeTextFields(yamlText: string): { text: string; quoted: string[] } {
  const quoted: string[] = [];
  const text = yamlText
    .split('\n')
    .map((line) => {
      const m = /^([a-zA-Z]+):[ \t]+(.+?)\s*$/.exec(line);
      if (!m || !FREE_TEXT_FIELDS.includes(m[1]!) || /^["'{[|>&*!]/.test(m[2]!)) return line;
      quoted.push(m[1]!);
      return `${m[1]}: ${JSON.stringify(m[2])}`;
    })
    .join('\n');
  return { text, quoted };
}

/** What a notice file's text says, checked: a pure function of its bytes (and the file name the messages quote). */
export interface ParsedNoticeText {
  readonly front?: NoticeFrontMatter;
  readonly blocks?: TextBlock[];
  readonly problems: CompileProblem[];
}

export function parseNoticeText(bytes: Uint8Array, file: string): ParsedNoticeText {
  const problems: CompileProblem[] = [];
  const decoded = new TextDecoder('utf-8', { fatal: false }).decode(bytes).replace(/^\uFEFF/, '');
  const match = FRONT_MATTER.exec(decoded);
  if (!match) {
    problems.push({ severity: 'error', code: 'NOTICE_FRONT_MATTER', file, message: 'the file must start with YAML front matter between two "---" lines (see README, "Notice format")' });
    return { problems };
  }
  let document = parseDocument(match[1] ?? '', { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    // Officers write "title: Mùa khô: chủ động phòng cháy" without quotes; strict YAML reads
    // the second colon as a nested mapping. Free-text fields are retried as quoted text.
    const lenient = quoteFreeTextFields(match[1] ?? '');
    const retry = parseDocument(lenient.text, { prettyErrors: true, uniqueKeys: true });
    if (retry.errors.length === 0 && lenient.quoted.length > 0) {
      document = retry;
      for (const field of lenient.quoted) {
        problems.push({ severity: 'warning', code: 'NOTICE_YAML_UNQUOTED', file, field, message: `the ${field} contains ": " and was read as plain text; put it in double quotes to make that explicit` });
      }
    }
  }
  if (document.errors.length > 0) {
    for (const error of document.errors) {
      const line = (error.linePos?.[0]?.line ?? 0) + 1; // +1 for the opening "---"
      problems.push({ severity: 'error', code: 'NOTICE_YAML', file, message: `malformed front matter at line ${line}: ${error.message.split('\n')[0]}` });
    }
    return { problems };
  }
  const raw = document.toJS() as unknown;
  const parsed = noticeFrontMatterSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const unknown = issue.code === 'unrecognized_keys';
      problems.push({
        severity: 'error',
        code: unknown ? 'NOTICE_UNKNOWN_FIELD' : 'NOTICE_FIELD',
        file,
        field: fieldPath(issue.path) || '(front matter)',
        message: unknown ? `${issue.message}; remove it or check its spelling (allowed: id, title, category, priority, riskLevel, valid, schedule, targets, images, approval)` : issue.message,
      });
    }
    return { problems };
  }
  const front = parsed.data;

  const title = cleanText(front.title, { multiline: false });
  for (const p of title.problems) problems.push({ severity: p.severity, code: p.code, file, field: 'title', message: p.message });
  const bodyStartLine = (match[0].match(/\n/g)?.length ?? 0) + 1;
  const body = cleanText(decoded.slice(match[0].length), { multiline: true });
  for (const p of body.problems) problems.push({ severity: p.severity, code: p.code, file, field: 'body', message: p.message });
  const parsedBody = parseNoticeBody(body.text);
  for (const p of parsedBody.problems) {
    problems.push({ severity: p.severity, code: p.code, file, field: `body line ${p.line + bodyStartLine - 1}`, message: p.message });
  }

  return { front: { ...front, title: title.text }, blocks: parsedBody.blocks, problems };
}
