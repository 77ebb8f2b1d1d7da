import { parseArgs } from 'node:util';
import type { Site } from '../format/site-schema.ts';
import { formatIssueTime } from '../format/vietnamese-date.ts';
import { loadFontMeasurer } from '../io/font-measurer.ts';
import { readSite } from '../io/read-site.ts';
import { CompileFailure, formatProblem } from '../plan/compile-problem.ts';
import type { TextMeasurer } from '../plan/text-measure.ts';
import { capNotice, layoutCapNotice } from './cap-notice.ts';
import { evaluateAlert, type CapDecision } from './evaluate-alert.ts';
import { parseCapDocument, type CapFeedEntry } from './parse-cap.ts';
import { readCapFile, readTrustList } from './read-cap-input.ts';
import type { TrustList } from './trust-list.ts';

// `signage cap …`: argument parsing and printing only; the decisions are made by the pure
// parse → evaluate → cap-notice chain. Exit status: 0 when every alert was shown, was not for
// this site, or cancelled something; 1 when any was refused; 2 for a usage or configuration
// error (no decision could be made).

export interface CapCliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The clock, read once per command; tests pass a fixed one. */
  readonly nowMs: () => number;
  readonly loadMeasurer: () => Promise<TextMeasurer>;
}

const DEFAULT_IO: CapCliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  nowMs: () => Date.now(),
  loadMeasurer: () => loadFontMeasurer(),
};

export const CAP_INGEST_HELP = `usage: signage cap ingest FILE --trust FILE --site FILE [--at ISO] [--json]
  Reads a CAP 1.2 alert (or an Atom/RSS feed of them), checks it against the trust list and
  decides what it means for the site: shown as a takeover or a banner (with its risk level),
  refused (with a code and the reason), not for this site, or a cancel of earlier alerts.
  Linked feed entries are listed, not fetched.
  --trust FILE   the trusted senders (YAML, see compiler/cap/trust-list.ts)
  --site FILE    the site description (its location decides whether the alert is for it)
  --at ISO       decide as of this instant (e.g. 2026-11-22T10:00:00+07:00); default: now
  --json         print the decisions as JSON
  exit status: 0 shown, not for this site or cancel; 1 refused; 2 usage or configuration error`;

export const CAP_HELP = `usage: signage cap <subcommand>
  ingest FILE --trust FILE --site FILE [--at ISO] [--json]   decide what a CAP alert means for a site`;

/** `signage cap SUBCOMMAND …`: dispatches to the subcommands. */
export async function capCommand(args: string[], io: CapCliIo = DEFAULT_IO): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'ingest') return capIngestCommand(rest, io);
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.stdout(`${CAP_HELP}\n`);
    return sub === undefined ? 2 : 0;
  }
  io.stderr(`signage cap: unknown subcommand "${sub}"\n\n${CAP_HELP}\n`);
  return 2;
}

interface Decided {
  readonly entry?: string | undefined;
  readonly decision?: CapDecision | undefined;
  readonly link?: string | undefined;
  readonly refusal?: { code: string; reason: string } | undefined;
}

/** `signage cap ingest FILE --trust FILE --site FILE [--at ISO] [--json]` (args after "ingest"). */
export async function capIngestCommand(args: string[], io: CapCliIo = DEFAULT_IO): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    const parsed = parseArgs({
      args,
      options: { trust: { type: 'string' }, site: { type: 'string' }, at: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    values = parsed.values;
    positionals = parsed.positionals;
  } catch (error) {
    io.stderr(`signage cap ingest: ${(error as Error).message}\n\n${CAP_INGEST_HELP}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${CAP_INGEST_HELP}\n`);
    return 0;
  }
  const usage = (message: string): number => {
    io.stderr(`signage cap ingest: ${message}\n\n${CAP_INGEST_HELP}\n`);
    return 2;
  };
  if (positionals.length !== 1) return usage(positionals.length === 0 ? 'the CAP file is required' : `expected one CAP file, got ${positionals.length}`);
  const file = positionals[0]!;
  const trustFile = values.trust;
  const siteFile = values.site;
  if (typeof trustFile !== 'string' || trustFile === '') return usage('--trust FILE is required');
  if (typeof siteFile !== 'string' || siteFile === '') return usage('--site FILE is required');
  let nowMs = io.nowMs();
  if (typeof values.at === 'string') {
    // An instant without an offset would be read in the machine's zone: refuse it.
    const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/.test(values.at) ? Date.parse(values.at) : Number.NaN;
    if (Number.isNaN(at)) return usage(`--at "${values.at}" is not an ISO instant with an offset, e.g. 2026-11-22T10:00:00+07:00`);
    nowMs = at;
  }

  const trust = await readTrustList(trustFile);
  if (!trust.ok) {
    io.stderr(`signage cap ingest: ${trust.code}: ${trust.reason}\n`);
    return 2;
  }
  let site: Site;
  try {
    site = await readSite(siteFile);
  } catch (error) {
    if (!(error instanceof CompileFailure)) throw error;
    io.stderr(`signage cap ingest: the site description is not usable:\n${error.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}\n`);
    return 2;
  }

  const decided = await decide({ file, trustList: trust.trustList, site, nowMs });
  const shown = decided.flatMap((d) => (d.decision?.kind === 'show' ? [d.decision] : []));
  const layouts = new Map<string, string[]>();
  if (shown.length > 0) {
    const measurer = await io.loadMeasurer();
    for (const decision of shown) layouts.set(decision.key, screenLines(site, decision, measurer));
  }
  if (values.json) io.stdout(`${JSON.stringify(decided, null, 2)}\n`);
  else for (const d of decided) io.stdout(describe(d, layouts));
  return decided.some((d) => d.refusal !== undefined || d.decision?.kind === 'refuse') ? 1 : 0;
}

async function decide(options: { file: string; trustList: TrustList; site: Site; nowMs: number }): Promise<Decided[]> {
  const { file, trustList, site, nowMs } = options;
  const read = await readCapFile(file);
  if (!read.ok) return [{ refusal: { code: read.code, reason: read.reason } }];
  const document = parseCapDocument(read.text, { source: file });
  if (!document.ok) return [{ refusal: { code: document.code, reason: document.reason } }];
  const evaluate = (alert: Parameters<typeof evaluateAlert>[0]['alert'], source: string) =>
    evaluateAlert({ alert, trustList, site: { site: site.site, location: site.location }, nowMs, source });
  if (document.kind === 'alert') return [{ decision: evaluate(document.alert, file) }];
  return document.entries.map((entry: CapFeedEntry): Decided => {
    const name = `${file}, entry ${entry.index + 1}${entry.entryId ? ` (${entry.entryId})` : ''}`;
    if (entry.kind === 'link') return { entry: name, link: entry.url };
    if (entry.kind === 'refused') return { entry: name, refusal: { code: entry.code, reason: entry.reason } };
    if (!entry.result.ok) return { entry: name, refusal: { code: entry.result.code, reason: entry.result.reason } };
    return { entry: name, decision: evaluate(entry.result.alert, name) };
  });
}

function screenLines(site: Site, decision: Extract<CapDecision, { kind: 'show' }>, measurer: TextMeasurer): string[] {
  const notice = capNotice(decision);
  return layoutCapNotice({ site, notice, measurer }).map((layout) => {
    const screen = site.screens.find((s) => s.id === layout.screen)!;
    const size = `${screen.size.width}×${screen.size.height}`;
    if (!layout.result.ok) return `${layout.screen} (${size}): does not fit: ${layout.result.problem.code}: ${layout.result.problem.message}`;
    if (layout.presentation === 'takeover' && 'pages' in layout.result) return `${layout.screen} (${size}): ${layout.result.pages.length} page(s)`;
    return `${layout.screen} (${size}): banner`;
  });
}

function describe(d: Decided, layouts: ReadonlyMap<string, string[]>): string {
  const lines: string[] = [];
  const head = d.entry ? `${d.entry}: ` : '';
  if (d.link) return `${head}links to ${d.link} (not fetched here; the watcher fetches linked alerts)\n`;
  if (d.refusal) return `${head}refused ${d.refusal.code}: ${d.refusal.reason}\n`;
  const decision = d.decision!;
  switch (decision.kind) {
    case 'refuse':
      lines.push(`${head}refused ${decision.code}: ${decision.reason}`);
      if (decision.replaces.length > 0) lines.push(`  ends      ${decision.replaces.join(' ')}`);
      break;
    case 'not-for-site':
      lines.push(`${head}not for this site: ${decision.reason}`);
      if (decision.replaces.length > 0) lines.push(`  replaces  ${decision.replaces.join(' ')} (removed here)`);
      break;
    case 'cancel':
      lines.push(`${head}cancel${decision.exercise ? ' (exercise)' : ''}: withdraws ${decision.targets.length > 0 ? decision.targets.join(' ') : 'nothing (no reference to this sender\'s own alerts)'}`);
      break;
    case 'show':
      lines.push(
        `${head}shown as ${decision.presentation}${decision.exercise ? ' marked DIỄN TẬP / THỬ NGHIỆM' : ''}, cấp độ rủi ro ${decision.riskLevel} (${decision.riskLevelSource === 'parameter' ? 'stated' : `derived from severity ${decision.severity}`})`,
        `  alert     ${decision.key} (${decision.status} ${decision.msgType})`,
        `  headline  ${decision.headline}`,
        `  event     ${decision.event} · ${decision.urgency} / ${decision.severity} / ${decision.certainty}`,
        `  area      ${decision.areaDesc || '(none given)'} (site matched by ${decision.matchedBy})`,
        `  valid     ${formatIssueTime(decision.effectiveMs)} → ${formatIssueTime(decision.expiresMs)} (giờ Việt Nam)`,
        `  source    ${decision.senderName} · phát lúc ${formatIssueTime(decision.issuedAtMs)}`,
      );
      if (decision.replaces.length > 0) lines.push(`  replaces  ${decision.replaces.join(' ')}`);
      for (const line of layouts.get(decision.key) ?? []) lines.push(`  screen    ${line}`);
      break;
  }
  const warnings = decision.kind === 'refuse' ? [] : decision.warnings;
  for (const warning of warnings) lines.push(`  warning   ${warning}`);
  return `${lines.join('\n')}\n`;
}
