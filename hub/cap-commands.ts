import { readFile } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { KeyObject } from 'node:crypto';
import type { Site } from '../compiler/format/site-schema.ts';
import { loadPrivateKey } from '../compiler/trust/station-key.ts';
import { ALERT_DATABASE_FILE, AlertDatabase } from './alert-database.ts';
import type { IngestLine, StationContext } from './cap-station.ts';

// `signage cap ingest|cancel|watch` at the station. With --hub-data, ingest stores the alert
// and its decision in the hub's alert record and signs one statement per screen with --key;
// the running hub pushes them within a fraction of a second. Without --hub-data, ingest only
// decides and prints (compiler/cap/cli.ts). Exit status: 0 done, 1 an alert was refused or
// the work failed, 2 the command line or configuration was wrong.
// Each subcommand imports what it uses when it runs: an operator's one-off `cap cancel` in an
// emergency should not first load the font engine, the XML parser and the YAML reader that
// only ingest needs, and ingest starts loading the fonts while it reads its other inputs.

class UsageError extends Error {}

const INGEST_HELP = `usage: signage cap ingest FILE|URL --trust FILE --site FILE [--key FILE --hub-data DIR] [--at ISO] [--json]
  Decides what a CAP 1.2 alert (or an Atom/RSS feed of them) means for the site.
  With --hub-data DIR (the hub's --data) and --key FILE (the station's private key), it also
  stores the alert and its decision in DIR/${ALERT_DATABASE_FILE}; an accepted alert becomes a
  signed emergency bundle per screen (a cancel, a signed cancel) that the running hub pushes
  to the players at once. A refused alert is stored as refused, with the reason, never shown.`;

const CANCEL_HELP = `usage: signage cap cancel ID --key FILE --hub-data DIR [--reason TEXT] [--at ISO]
  Withdraws an alert from every screen it was sent to: a signed cancel, pushed at once; the
  players return to the content they hold (nothing is recompiled). ID is the short id
  "signage hub alerts" prints (cap-…), the alert's CAP identifier, or its full key.`;

const WATCH_HELP = `usage: signage cap watch --feed URL|DIR --interval S --trust FILE --site FILE --key FILE --hub-data DIR [--once [--at ISO]]
  Reads a CAP feed (Atom/RSS of CAP entries, linked or embedded, or one alert) or a directory
  of CAP files every S seconds and ingests what is new, as "cap ingest" does. What it has
  read is remembered in the alert record, so a restart neither repeats nor misses anything.
  --once   one pass, then exit (status 1 if anything was refused)
  --at ISO with --once: decide as of this instant (replaying a feed); a running watcher uses now`;

export const CAP_STATION_HELP = `usage: signage cap <subcommand>
  ingest FILE|URL --trust FILE --site FILE [--key FILE --hub-data DIR] [--at ISO] [--json]
  cancel ID --key FILE --hub-data DIR [--reason TEXT] [--at ISO]
  watch --feed URL|DIR --interval S --trust FILE --site FILE --key FILE --hub-data DIR [--once [--at ISO]]`;

type Values = Record<string, string | boolean | undefined>;

function parse(args: string[], options: Record<string, { type: 'string' | 'boolean' }>, help: string): { values: Values; positionals: string[] } {
  try {
    const parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values: parsed.values as Values, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${help}`);
  }
}

function required(values: Values, name: string, help: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required\n\n${help}`);
  return value;
}

function instant(values: Values): (() => number) | undefined {
  if (typeof values.at !== 'string') return undefined;
  const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/.test(values.at) ? Date.parse(values.at) : Number.NaN;
  if (Number.isNaN(at)) throw new UsageError(`--at "${values.at}" is not an ISO instant with an offset, e.g. 2026-11-22T10:00:00+07:00`);
  return () => at;
}

async function readKey(file: string): Promise<KeyObject> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --key ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give the station.key written by "signage keygen"`);
  }
  try {
    return loadPrivateKey(text);
  } catch (error) {
    throw new UsageError(`--key ${file} is not the station's Ed25519 private key (${(error as Error).message}); give the station.key written by "signage keygen"`);
  }
}

async function openAlerts(hubData: string): Promise<AlertDatabase> {
  await mkdir(hubData, { recursive: true });
  return AlertDatabase.open(join(hubData, ALERT_DATABASE_FILE));
}

async function stationContext(values: Values, help: string, nowMs: () => number): Promise<{ context: StationContext; db: AlertDatabase }> {
  const trustFile = required(values, 'trust', help);
  const siteFile = required(values, 'site', help);
  const keyFile = required(values, 'key', help);
  const hubData = required(values, 'hub-data', help);
  const measurer = import('../compiler/io/font-measurer.ts').then(({ loadFontMeasurer }) => loadFontMeasurer());
  // Not awaited when an earlier input is refused; the process is about to exit with that.
  measurer.catch(() => undefined);
  const privateKey = await readKey(keyFile);
  const { readTrustList } = await import('../compiler/cap/read-cap-input.ts');
  const trust = await readTrustList(trustFile);
  if (!trust.ok) throw new UsageError(`${trust.code}: ${trust.reason}`);
  const [{ readSite }, { CompileFailure, formatProblem }] = await Promise.all([import('../compiler/io/read-site.ts'), import('../compiler/plan/compile-problem.ts')]);
  let site: Site;
  try {
    site = await readSite(siteFile);
  } catch (error) {
    if (!(error instanceof CompileFailure)) throw error;
    throw new UsageError(`the site description is not usable:\n${error.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
  }
  const db = await openAlerts(hubData);
  return { db, context: { db, site, trustList: trust.trustList, privateKey, measurer: await measurer, nowMs } };
}

export function describeLine(line: IngestLine): string {
  const { outcome, decision } = line;
  switch (outcome.outcome) {
    case 'refused-input':
      return `${line.source}: refused ${outcome.code}: ${outcome.reason} (stored as refused)\n`;
    case 'link':
      return `${line.source}: links to ${outcome.url} (not fetched by ingest; "signage cap watch" fetches linked alerts)\n`;
    case 'duplicate':
      return `${line.source}: already received (${outcome.key}); nothing changed\n`;
    case 'recorded': {
      const why = decision?.kind === 'refuse' ? `refused ${decision.code}: ${decision.reason}` : decision?.kind === 'not-for-site' ? `not for this site: ${decision.reason}` : outcome.status;
      return `${line.source}: ${why} (stored, not shown)\n`;
    }
    case 'issued': {
      const what =
        decision?.kind === 'show'
          ? `${decision.presentation}${decision.exercise ? ' marked DIỄN TẬP / THỬ NGHIỆM' : ''}, cấp độ rủi ro ${decision.riskLevel}: ${decision.headline}`
          : decision?.kind === 'cancel'
            ? `cancel of ${decision.targets.join(' ') || 'nothing known'}`
            : `ends ${decision && 'replaces' in decision ? decision.replaces.join(' ') : ''}`;
      const problems = outcome.problems.map((p) => `\n  NOT SENT  ${p}`).join('');
      return `${line.source}: ${what}\n  alert     ${outcome.key}\n  sent to   ${outcome.screens.join(', ') || '(no screen)'}${problems}\n`;
    }
  }
}

function refused(lines: readonly IngestLine[]): boolean {
  return lines.some((line) => line.outcome.outcome === 'refused-input' || (line.outcome.outcome === 'recorded' && line.decision?.kind === 'refuse'));
}

async function run(name: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`signage cap ${name}: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`signage cap ${name}: ${(error as Error).message}\n`);
    return 1;
  }
}

export async function capStationIngestCommand(args: string[]): Promise<number> {
  // Decide-only when no hub is named: the command as it was.
  if (!args.some((arg) => arg === '--hub-data' || arg.startsWith('--hub-data='))) return (await import('../compiler/cap/cli.ts')).capIngestCommand(args);
  return run('ingest', async () => {
    const { values, positionals } = parse(args, { trust: { type: 'string' }, site: { type: 'string' }, key: { type: 'string' }, 'hub-data': { type: 'string' }, at: { type: 'string' }, json: { type: 'boolean' } }, INGEST_HELP);
    if (values.help) return (process.stdout.write(`${INGEST_HELP}\n`), 0);
    if (positionals.length !== 1) throw new UsageError(`expected one CAP file or URL\n\n${INGEST_HELP}`);
    const station = import('./cap-station.ts');
    station.catch(() => undefined);
    const { context, db } = await stationContext(values, INGEST_HELP, instant(values) ?? Date.now);
    try {
      const lines = await (await station).ingestSource(context, positionals[0]!);
      if (values.json) process.stdout.write(`${JSON.stringify(lines, null, 2)}\n`);
      else for (const line of lines) process.stdout.write(describeLine(line));
      return refused(lines) ? 1 : 0;
    } finally {
      db.close();
    }
  });
}

export async function capCancelCommand(args: string[]): Promise<number> {
  return run('cancel', async () => {
    const { values, positionals } = parse(args, { key: { type: 'string' }, 'hub-data': { type: 'string' }, reason: { type: 'string' }, at: { type: 'string' } }, CANCEL_HELP);
    if (values.help) return (process.stdout.write(`${CANCEL_HELP}\n`), 0);
    if (positionals.length !== 1) throw new UsageError(`expected one alert id\n\n${CANCEL_HELP}`);
    const privateKey = await readKey(required(values, 'key', CANCEL_HELP));
    const { AlertNotFoundError, operatorCancel } = await import('./emergency-issue.ts');
    const db = await openAlerts(required(values, 'hub-data', CANCEL_HELP));
    try {
      const result = operatorCancel({ db, id: positionals[0]!, privateKey, nowMs: (instant(values) ?? Date.now)(), ...(typeof values.reason === 'string' ? { reason: values.reason } : {}) });
      process.stdout.write(`cancelled ${result.key}\n  cancel    ${result.cancelKey}\n  sent to   ${result.screens.join(', ') || '(no screen had it)'}\n  "signage hub alerts" shows which players are back on normal content\n`);
      return 0;
    } catch (error) {
      if (error instanceof AlertNotFoundError) {
        process.stderr.write(`signage cap cancel: ${error.message}\n`);
        return 1;
      }
      throw error;
    } finally {
      db.close();
    }
  });
}

export async function capWatchCommand(args: string[], io: { stop?: AbortSignal } = {}): Promise<number> {
  return run('watch', async () => {
    const { values } = parse(args, { feed: { type: 'string' }, interval: { type: 'string' }, trust: { type: 'string' }, site: { type: 'string' }, key: { type: 'string' }, 'hub-data': { type: 'string' }, once: { type: 'boolean' }, at: { type: 'string' } }, WATCH_HELP);
    if (values.help) return (process.stdout.write(`${WATCH_HELP}\n`), 0);
    const feed = required(values, 'feed', WATCH_HELP);
    const intervalS = Number(values.interval ?? (values.once ? '0' : ''));
    if (!values.once && !(Number.isFinite(intervalS) && intervalS >= 1)) throw new UsageError(`--interval S is required: seconds between passes, at least 1\n\n${WATCH_HELP}`);
    const at = instant(values);
    if (at !== undefined && !values.once) throw new UsageError(`--at only goes with --once: a running watcher decides as of now\n\n${WATCH_HELP}`);
    const { watchOnce } = await import('./cap-station.ts');
    const { context, db } = await stationContext(values, WATCH_HELP, at ?? Date.now);
    try {
      let anyRefused = false;
      for (;;) {
        try {
          const lines = await watchOnce(context, feed);
          for (const line of lines) process.stdout.write(describeLine(line));
          anyRefused ||= refused(lines);
        } catch (error) {
          // A pass that fails (a busy disk, a locked record) must not stop the watcher; what
          // it did not mark as read is read again at the next pass.
          if (values.once) throw error;
          process.stderr.write(`signage cap watch: this pass failed, trying again in ${intervalS} s: ${(error as Error).message}\n`);
        }
        if (values.once || io.stop?.aborted) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, intervalS * 1000);
          io.stop?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
        if (io.stop?.aborted) break;
      }
      return values.once && anyRefused ? 1 : 0;
    } finally {
      db.close();
    }
  });
}

/** `signage cap …`: the station's CAP commands. */
export async function capCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'ingest') return capStationIngestCommand(rest);
  if (sub === 'cancel') return capCancelCommand(rest);
  if (sub === 'watch') {
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      return await capWatchCommand(rest, { stop: stop.signal });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(`${CAP_STATION_HELP}\n`);
    return sub === undefined ? 2 : 0;
  }
  return (await import('../compiler/cap/cli.ts')).capCommand(args);
}
