import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { KeyObject } from 'node:crypto';
import { loadPublicKey } from '../../compiler/trust/station-key.ts';
import { BundleVerificationError } from '../../compiler/trust/verify-bundle.ts';
import { snapshot, SnapshotError } from './snapshot.ts';

// Argument parsing for `signage snapshot`; the work happens in snapshot().

export const SNAPSHOT_HELP = `usage: signage snapshot --bundle DIR --screen ID --at ISO --out FILE.png [--station-key FILE]
  --bundle DIR        compiler output directory (the --out of "signage compile")
  --screen ID         which screen of the bundle to draw
  --at ISO            the instant to draw, with its offset, e.g. 2026-11-22T10:00:00+07:00
  --out FILE.png      where to write the picture (exactly the screen's size)
  --station-key FILE  station public key (station.pub): verify the bundle before drawing`;

class UsageError extends Error {}

function parseInstant(value: string): number {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([zZ]|[+-]\d\d:\d\d)$/.test(value) || Number.isNaN(ms)) {
    throw new UsageError(`--at "${value}" is not an instant; expected YYYY-MM-DDTHH:MM[:SS]±HH:MM, e.g. 2026-11-22T10:00:00+07:00`);
  }
  return ms;
}

/** Where the command writes; tests pass their own so the test runner's output stays intact. */
export interface CommandOutput {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export async function snapshotCommand(args: string[], output: CommandOutput = process): Promise<number> {
  const { stdout, stderr } = output;
  try {
    let values: Record<string, string | boolean | undefined>;
    try {
      values = parseArgs({
        args,
        options: {
          bundle: { type: 'string' },
          screen: { type: 'string' },
          at: { type: 'string' },
          out: { type: 'string' },
          'station-key': { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
        strict: true,
        allowPositionals: false,
      }).values;
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (values.help) {
      stdout.write(`${SNAPSHOT_HELP}\n`);
      return 0;
    }
    const required = (name: string): string => {
      const value = values[name];
      if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
      return value;
    };
    const bundleDir = resolve(required('bundle'));
    const screenId = required('screen');
    const atMs = parseInstant(required('at'));
    const outFile = resolve(required('out'));
    if (!outFile.toLowerCase().endsWith('.png')) throw new UsageError(`--out "${outFile}" must name a .png file`);
    let stationKey: KeyObject | undefined;
    const keyFile = values['station-key'];
    if (typeof keyFile === 'string') {
      try {
        stationKey = loadPublicKey(await readFile(keyFile, 'utf8'));
      } catch (error) {
        throw new SnapshotError(`cannot use --station-key ${keyFile}: ${(error as Error).message} (give the station.pub written by "signage keygen")`);
      }
    }
    const result = await snapshot({ bundleDir, screenId, atMs, outFile, ...(stationKey ? { stationKey } : {}) });
    const shown = result.frame.pageId ?? (result.frame.mode === 'off' ? 'black (outside operating hours)' : 'background only');
    stdout.write(`wrote ${result.outFile} (${result.width}×${result.height}, screen ${screenId}, mode ${result.frame.mode}, page ${shown}, renderer ${result.rendererName})\n`);
    for (const fault of result.report.faults) {
      stderr.write(`  warning ${fault.code}${fault.scope ? ` (${fault.scope}${fault.nodeId ? `/${fault.nodeId}` : ''})` : ''}: ${fault.message}\n`);
    }
    for (const entry of result.report.overflow) {
      stderr.write(`  warning TEXT_OVERFLOW (${entry.scope}/${entry.nodeId} line ${entry.line}): "${entry.text}" reaches ${entry.right.toFixed(1)} px in a ${entry.boxWidth} px box\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      stderr.write(`signage snapshot: ${error.message}\n\n${SNAPSHOT_HELP}\n`);
      return 2;
    }
    if (error instanceof BundleVerificationError) {
      stderr.write(`signage snapshot: the bundle does not verify: ${error.message}\n`);
      return 1;
    }
    stderr.write(`signage snapshot: ${(error as Error).message}\n`);
    return 1;
  }
}
