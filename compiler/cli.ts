import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { compile, defaultCacheDir, type CompileReport } from './compile.ts';
import { noticeFrontMatterSchema } from './format/notice-schema.ts';
import { siteSchema } from './format/site-schema.ts';
import { sourceFeedSchema } from './format/source-feed.ts';
import { approverRegistrySchema } from './format/approver-registry.ts';
import { CompileFailure, formatProblem } from './plan/compile-problem.ts';
import { loadApproverKeys } from './io/approver-registry-file.ts';
import { generateStationKeyPair, keyId, loadPrivateKey, loadPublicKey } from './trust/station-key.ts';
import { BundleVerificationError, verifyBundleDirectory } from './trust/verify-bundle.ts';

// Argument parsing for the compiler's commands; the work happens in compile() and friends.

export class UsageError extends Error {}

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

export function parse(args: string[], options: OptionSpec, help: string) {
  try {
    const parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: false, strict: true });
    return parsed.values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${help}`);
  }
}

export function required(values: Record<string, unknown>, name: string, help: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required\n\n${help}`);
  return value;
}

export async function run(help: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`signage: ${error.message}\n`);
      return 2;
    }
    if (error instanceof CompileFailure) {
      const errors = error.problems.filter((p) => p.severity === 'error');
      process.stderr.write(`signage: compilation failed with ${errors.length} error(s); nothing was written.\n`);
      for (const problem of error.problems) process.stderr.write(`  ${formatProblem(problem)}\n`);
      return 1;
    }
    if (error instanceof BundleVerificationError) {
      process.stderr.write(`signage: verification failed: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`signage: ${(error as Error).message}\n`);
    void help;
    return 1;
  }
}

const KEYGEN_HELP = 'usage: signage keygen --out DIR\n  writes DIR/station.key (private, mode 600) and DIR/station.pub';

export async function keygenCommand(args: string[]): Promise<number> {
  return run(KEYGEN_HELP, async () => {
    const values = parse(args, { out: { type: 'string' }, force: { type: 'boolean' } }, KEYGEN_HELP);
    if (values.help) return (process.stdout.write(`${KEYGEN_HELP}\n`), 0);
    const dir = required(values, 'out', KEYGEN_HELP);
    await mkdir(dir, { recursive: true });
    const pair = generateStationKeyPair();
    const privatePath = join(dir, 'station.key');
    // wx: never overwrite an existing key silently; every enrolled player pins the old one.
    try {
      await writeFile(privatePath, pair.privateKeyPem, { mode: 0o600, flag: values.force ? 'w' : 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new Error(`${privatePath} already exists; players trust that key. Pass --force to replace it (every player must then be given the new station.pub)`);
      }
      throw error;
    }
    await chmod(privatePath, 0o600);
    await writeFile(join(dir, 'station.pub'), pair.publicKeyPem);
    process.stdout.write(`station key ${keyId(loadPublicKey(pair.publicKeyPem))}\n  private: ${privatePath} (keep it on the station only)\n  public:  ${join(dir, 'station.pub')} (give it to every player)\n`);
    return 0;
  });
}

const COMPILE_HELP = `usage: signage compile --notices DIR --site FILE --out DIR [--key FILE] [--at ISO] [--cache DIR] [--quiet]
  --notices DIR  folder of notice files (Markdown with YAML front matter)
  --site FILE    site description (YAML)
  --out DIR      where bundles go: DIR/screens/<screen>/, DIR/blobs/<sha256>, DIR/report.json
  --key FILE     the station's private key (signage keygen); without it bundles are unsigned
  --at ISO       compile instant, e.g. 2026-11-22T08:00:00+07:00 (default: now)
  --cache DIR    cache of prepared images and laid-out notices (default: ${defaultCacheDir()})
  --approvers FILE  the station's approver registry (signage approver add): only notices signed
                 by a registered approver over their current content are compiled`;

export function parseInstant(value: string | undefined, now: () => number): number {
  if (value === undefined) return now();
  const ms = Date.parse(value);
  if (!/[zZ]|[+-]\d\d:\d\d$/.test(value) || Number.isNaN(ms)) {
    throw new UsageError(`--at "${value}" is not an instant with an offset, e.g. 2026-11-22T08:00:00+07:00`);
  }
  return ms;
}

export async function compileCommand(args: string[]): Promise<number> {
  return run(COMPILE_HELP, async () => {
    const values = parse(
      args,
      { notices: { type: 'string' }, site: { type: 'string' }, out: { type: 'string' }, key: { type: 'string' }, at: { type: 'string' }, cache: { type: 'string' }, quiet: { type: 'boolean' }, approvers: { type: 'string' } },
      COMPILE_HELP,
    );
    if (values.help) return (process.stdout.write(`${COMPILE_HELP}\n`), 0);
    const noticesDir = required(values, 'notices', COMPILE_HELP);
    const siteFile = required(values, 'site', COMPILE_HELP);
    const outDir = required(values, 'out', COMPILE_HELP);
    const atMs = parseInstant(values.at as string | undefined, Date.now);
    let privateKey;
    if (typeof values.key === 'string') {
      try {
        privateKey = loadPrivateKey(await readFile(values.key, 'utf8'));
      } catch (error) {
        throw new Error(`cannot use --key ${values.key}: ${(error as Error).message}. Make one with "signage keygen --out DIR"`);
      }
    }
    const started = performance.now();
    const report = await compile({
      noticesDir,
      siteFile,
      outDir,
      privateKey,
      atMs,
      cacheDir: values.cache as string | undefined,
      approvers: typeof values.approvers === 'string' ? { file: values.approvers, keys: await loadApproverKeys(values.approvers) } : undefined,
      logger: { progress: (message) => values.quiet || process.stderr.write(`… ${message}\n`) },
    });
    process.stdout.write(summarise(report, resolve(outDir), performance.now() - started));
    return 0;
  });
}

export function summarise(report: CompileReport, outDir: string, elapsedMs: number): string {
  const lines = [`compiled ${report.site} at ${report.at} in ${(elapsedMs / 1000).toFixed(1)} s → ${outDir}`];
  for (const screen of report.screens) {
    lines.push(`  screen ${screen.screen.padEnd(14)} ${String(screen.pages).padStart(3)} pages  ${screen.notices.length} notices  bundle ${screen.bundleId.slice(0, 16)}${screen.signed ? '  signed' : '  UNSIGNED'}`);
  }
  lines.push(`notices compiled: ${report.compiled.length}; skipped: ${report.skipped.length}; warnings: ${report.warnings.length}; images prepared ${report.images.prepared}, from cache ${report.images.cached}; notices laid out ${report.layouts.laidOut}, from cache ${report.layouts.cached}`);
  for (const skipped of report.skipped) lines.push(`  skipped ${skipped.id} (${skipped.file}): ${skipped.reason}`);
  for (const warning of report.warnings) lines.push(`  ${formatProblem(warning)}`);
  return `${lines.join('\n')}\n`;
}

const VERIFY_HELP = 'usage: signage verify --bundle DIR --screen ID --station-key FILE';

export async function verifyCommand(args: string[]): Promise<number> {
  return run(VERIFY_HELP, async () => {
    const values = parse(args, { bundle: { type: 'string' }, screen: { type: 'string' }, 'station-key': { type: 'string' } }, VERIFY_HELP);
    if (values.help) return (process.stdout.write(`${VERIFY_HELP}\n`), 0);
    const publicKey = loadPublicKey(await readFile(required(values, 'station-key', VERIFY_HELP), 'utf8'));
    const verified = await verifyBundleDirectory({ outDir: required(values, 'bundle', VERIFY_HELP), screenId: required(values, 'screen', VERIFY_HELP), publicKey });
    process.stdout.write(`ok: bundle ${verified.bundleId} for screen ${verified.manifest.screen.id}, ${verified.manifest.pages.length} pages, ${verified.manifest.blobs.length} blobs verified\n`);
    return 0;
  });
}

const SCHEMAS_HELP = 'usage: signage schemas --out DIR  (writes notice, site, source-feed and approvers JSON Schemas)';

export function jsonSchemas(): Record<string, unknown> {
  return {
    'notice.schema.json': z.toJSONSchema(noticeFrontMatterSchema, { target: 'draft-2020-12' }),
    'site.schema.json': z.toJSONSchema(siteSchema, { target: 'draft-2020-12' }),
    'source-feed.schema.json': z.toJSONSchema(sourceFeedSchema, { target: 'draft-2020-12' }),
    'approvers.schema.json': z.toJSONSchema(approverRegistrySchema, { target: 'draft-2020-12' }),
  };
}

export async function schemasCommand(args: string[]): Promise<number> {
  return run(SCHEMAS_HELP, async () => {
    const values = parse(args, { out: { type: 'string' } }, SCHEMAS_HELP);
    if (values.help) return (process.stdout.write(`${SCHEMAS_HELP}\n`), 0);
    const dir = required(values, 'out', SCHEMAS_HELP);
    await mkdir(dir, { recursive: true });
    for (const [name, schema] of Object.entries(jsonSchemas())) {
      await writeFile(join(dir, name), `${JSON.stringify(schema, null, 2)}\n`);
      process.stdout.write(`wrote ${join(dir, name)}\n`);
    }
    return 0;
  });
}
