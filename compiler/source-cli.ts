import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { feedSigningText } from './format/source-feed.ts';
import { readApproverRegistry } from './io/approver-registry-file.ts';
import { formatPullProblem, loadTrustedSources, pullSourceFeed, PullFailure, type PullResult } from './io/source-pull.ts';
import { writeFileAtomic } from './io/write-output.ts';
import { run, UsageError } from './cli.ts';
import { loadPrivateKey, signBytes } from './trust/station-key.ts';
import { nextPullDelayMs } from './plan/pull-interval.ts';

// `signage source pull | sign`: the provincial source-feed adapter's command line. The work is
// in compiler/io/source-pull.ts; the format in compiler/format/source-feed.ts.

const SOURCE_HELP = `usage: signage source pull --feed URL|FILE --notices DIR [--trust FILE] [--as ID --key FILE --approvers FILE] [--interval S] [--json]
       signage source sign FEED.json --key FILE --out FILE
  pull   writes each item of the feed as a notice file in DIR: approved when the feed's
         signature verifies against a source in --trust, otherwise a draft for local approval.
         --as/--key/--approvers also sign those approvals as a registered approver (for stations
         that compile with --approvers). Pulling the same feed again changes nothing; files
         edited here are never overwritten. --interval S pulls every S seconds until stopped;
         while the feed fails to come, the wait doubles after each failure, up to an hour.
  sign   (for the source system's side, or a bridge) adds the Ed25519 feed signature made
         with the private key FILE (signage keygen makes one).`;

function parse(args: string[]) {
  try {
    const parsed = parseArgs({
      args,
      options: {
        feed: { type: 'string' },
        notices: { type: 'string' },
        trust: { type: 'string' },
        as: { type: 'string' },
        key: { type: 'string' },
        approvers: { type: 'string' },
        interval: { type: 'string' },
        json: { type: 'boolean' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${SOURCE_HELP}`);
  }
}

function need(value: string | undefined, name: string): string {
  if (!value) throw new UsageError(`--${name} is required\n\n${SOURCE_HELP}`);
  return value;
}

function summary(result: PullResult): string {
  const counts = new Map<string, number>();
  for (const item of result.items) counts.set(item.action, (counts.get(item.action) ?? 0) + 1);
  const lines = [`pulled ${result.feed} (source ${result.source}, signature ${result.trust}): ${result.items.length} items; ${[...counts].map(([action, n]) => `${action} ${n}`).join(', ') || 'nothing to do'}`];
  for (const item of result.items) if (item.action !== 'unchanged') lines.push(`  ${item.action.padEnd(15)} ${item.id} → ${item.file}${item.approved ? ' (approved by the source)' : ' (draft: approve it locally)'}`);
  for (const problem of result.problems) lines.push(`  ${formatPullProblem(problem)}`);
  return `${lines.join('\n')}\n`;
}

export async function sourceCommand(args: string[]): Promise<number> {
  return run(SOURCE_HELP, async () => {
    const { values, positionals } = parse(args);
    const [action, ...rest] = positionals;
    if (values.help || !action) return (process.stdout.write(`${SOURCE_HELP}\n`), values.help ? 0 : 2);
    if (action === 'sign') {
      if (rest.length !== 1) throw new UsageError(`give the feed file to sign\n\n${SOURCE_HELP}`);
      const feed = JSON.parse(await readFile(rest[0]!, 'utf8')) as Record<string, unknown>;
      const privateKey = loadPrivateKey(await readFile(need(values.key, 'key'), 'utf8'));
      const signature = signBytes(Buffer.from(feedSigningText(feed), 'utf8'), privateKey);
      await writeFileAtomic(need(values.out, 'out'), `${JSON.stringify({ ...feed, signature }, null, 2)}\n`);
      process.stdout.write(`signed ${rest[0]} with key ${signature.keyId} → ${values.out}\n`);
      return 0;
    }
    if (action !== 'pull') throw new UsageError(`unknown action "${action}"\n\n${SOURCE_HELP}`);
    const feed = need(values.feed, 'feed');
    const noticesDir = need(values.notices, 'notices');
    const trusted = values.trust ? await loadTrustedSources(values.trust) : undefined;
    let signer: Parameters<typeof pullSourceFeed>[0]['signer'];
    if (values.as || values.key) {
      const registryFile = need(values.approvers, 'approvers');
      const approver = (await readApproverRegistry(registryFile)).approvers.find((a) => a.id === need(values.as, 'as'));
      if (!approver) throw new Error(`${values.as} is not a registered approver in ${registryFile}`);
      signer = { approver, privateKey: loadPrivateKey(await readFile(need(values.key, 'key'), 'utf8')) };
    }
    /** Exit code, and whether the feed itself failed to come (not one of its items). */
    const pullOnce = async (): Promise<{ code: number; feedFailed: boolean }> => {
      try {
        const result = await pullSourceFeed({ feed, noticesDir, trusted, signer });
        process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : summary(result));
        return { code: result.problems.some((p) => p.severity === 'error') ? 1 : 0, feedFailed: false };
      } catch (error) {
        if (!(error instanceof PullFailure)) throw error;
        for (const problem of error.problems) process.stderr.write(`signage: ${formatPullProblem(problem)}\n`);
        return { code: 1, feedFailed: true };
      }
    };
    if (values.interval === undefined) return (await pullOnce()).code;
    const seconds = Number(values.interval);
    if (!Number.isFinite(seconds) || seconds < 5) throw new UsageError(`--interval must be a number of seconds, at least 5 (got "${values.interval}")\n\n${SOURCE_HELP}`);
    // Polling: a failed pull (source down, bad feed) is reported and tried again later
    // (pull-interval.ts); it never stops the loop or touches what earlier pulls wrote.
    let stopped = false;
    let wake: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const stop = () => {
      stopped = true;
      clearTimeout(timer);
      wake?.();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let failures = 0;
    while (!stopped) {
      const feedFailed = await pullOnce().then(
        (outcome) => outcome.feedFailed,
        (error: unknown) => (process.stderr.write(`signage: pull failed: ${(error as Error).message}\n`), true),
      );
      failures = feedFailed ? failures + 1 : 0;
      const delayMs = nextPullDelayMs(seconds * 1000, failures);
      if (failures > 0) process.stderr.write(`signage: ${failures} failed pull(s) in a row; next pull in ${Math.round(delayMs / 1000)} s\n`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (stopped) resolve();
        else timer = setTimeout(resolve, delayMs);
      });
    }
    return 0;
  });
}
