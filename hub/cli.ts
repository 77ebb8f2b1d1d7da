import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { KeyObject } from 'node:crypto';
import { keyId, loadPublicKey } from '../compiler/trust/station-key.ts';
import { HUB_DATABASE_FILE, HubDatabase, HubDatabaseForeignError, HubDatabaseTooNewError, type DeviceRecord } from './hub-database.ts';
import { HubConfigError, startHub } from './hub-server.ts';
import { ALERT_DATABASE_FILE, AlertDatabase } from './alert-database.ts';
import { alertReports, formatAlertReports } from './alert-report.ts';
import type { LogFields, Logger } from '../compiler/format/logger.ts';
import { loadPlayReport, playReportCsv, playReportJson, vietnamIso } from './play-report.ts';
import { PublishError, publishBundles } from './publish.ts';

// Argument parsing for `signage hub …`; the work happens in startHub(), publishBundles() and
// the database. Exit status: 0 done, 1 the work failed (message names the file and the fix),
// 2 the command line was wrong (message and usage).

class UsageError extends Error {}

type OptionSpec = Record<string, { type: 'string' | 'boolean' }>;
type Values = Record<string, string | boolean | undefined>;

function parse(args: string[], options: OptionSpec, help: string, positionals = false): { values: Values; positionals: string[] } {
  try {
    const parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: positionals, strict: true });
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

async function run(body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`signage hub: ${error.message}\n`);
      return 2;
    }
    if (error instanceof PublishError) {
      process.stderr.write(`signage hub: publish refused: ${error.message}\n`);
      return 1;
    }
    if (error instanceof HubDatabaseTooNewError || error instanceof HubDatabaseForeignError || error instanceof HubConfigError) {
      process.stderr.write(`signage hub: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`signage hub: ${(error as Error).message}\n`);
    return 1;
  }
}

/** Reads the station's public key; refuses the private one, which must stay off the hub. */
export async function readStationPublicKey(file: string): Promise<KeyObject> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read --station-key ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}. Give the station.pub written by "signage keygen"`);
  }
  if (text.includes('PRIVATE KEY')) {
    throw new Error(`--station-key ${file} is the station's private key; the hub needs only the public one (station.pub beside it). Keep the private key on the compiling machine.`);
  }
  try {
    return loadPublicKey(text);
  } catch (error) {
    throw new Error(`--station-key ${file} is not an Ed25519 public key (${(error as Error).message}). Give the station.pub written by "signage keygen"`);
  }
}

/** Opens an existing hub database; the read-only commands must not create an empty one. */
function openExisting(dataDir: string): HubDatabase {
  const path = join(dataDir, HUB_DATABASE_FILE);
  if (!existsSync(path)) throw new Error(`no hub database at ${path}: is --data the directory the hub runs with ("signage hub --data DIR")?`);
  return HubDatabase.open(path);
}

function parseInstant(name: string, value: string): number {
  const ms = Date.parse(value);
  if (!/[zZ]|[+-]\d\d:\d\d$/.test(value) || Number.isNaN(ms)) {
    throw new UsageError(`--${name} "${value}" is not an instant with an offset, e.g. 2026-11-01T00:00:00+07:00`);
  }
  return ms;
}

/** Log lines on stderr: time, level, message, then key=value fields. */
export function stderrLogger(): Logger {
  const line = (level: string, message: string, fields?: LogFields): void => {
    const extra = fields ? Object.entries(fields).map(([key, value]) => ` ${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`).join('') : '';
    process.stderr.write(`${new Date().toISOString()} ${level} ${message}${extra}\n`);
  };
  return { info: (m, f) => line('info', m, f), warn: (m, f) => line('warn', m, f), error: (m, f) => line('error', m, f) };
}

// ---- signage hub --------------------------------------------------------------------------

const SERVE_HELP = `usage: signage hub --data DIR --port N --station-key FILE [--host H] [--bundles DIR] [--tls-cert FILE --tls-key FILE] [--allow-plain]
  --data DIR          the hub's own state (hub.sqlite, blobs/); created if missing
  --port N            port to listen on (0 picks a free one)
  --station-key FILE  the station's public key (station.pub from "signage keygen")
  --host H            address to listen on (default 127.0.0.1)
  --bundles DIR       a compiler output directory: published now and whenever a compile finishes there
  --tls-cert FILE     certificate (PEM) for wss://; required to listen beyond this machine
  --tls-key FILE      its private key (PEM)
  --allow-plain       listen without TLS on a non-loopback address (closed networks only)
Runs until SIGINT or SIGTERM. Other commands: signage hub publish | devices | report (--help on each).`;

export async function hubServeCommand(args: string[], io: { stop?: AbortSignal } = {}): Promise<number> {
  return run(async () => {
    const { values } = parse(
      args,
      {
        data: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'station-key': { type: 'string' },
        bundles: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'allow-plain': { type: 'boolean' },
      },
      SERVE_HELP,
    );
    if (values.help) return (process.stdout.write(`${SERVE_HELP}\n`), 0);
    const dataDir = required(values, 'data', SERVE_HELP);
    const portText = required(values, 'port', SERVE_HELP);
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port "${portText}" is not a port number (0–65535)\n\n${SERVE_HELP}`);
    const stationPublicKey = await readStationPublicKey(required(values, 'station-key', SERVE_HELP));
    if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) throw new UsageError(`--tls-cert and --tls-key go together\n\n${SERVE_HELP}`);
    let tls: { cert: string; key: string } | undefined;
    if (typeof values['tls-cert'] === 'string' && typeof values['tls-key'] === 'string') {
      tls = { cert: await readNamed(values['tls-cert'], '--tls-cert'), key: await readNamed(values['tls-key'], '--tls-key') };
    }
    const bundles = values.bundles as string | undefined;
    if (bundles !== undefined && !existsSync(bundles)) throw new Error(`--bundles ${bundles} does not exist; compile into it first ("signage compile --out ${bundles} …")`);
    const hub = await startHub({
      dataDir,
      port,
      host: values.host as string | undefined,
      stationPublicKey,
      tls,
      allowPlainOnNetwork: values['allow-plain'] === true,
      logger: stderrLogger(),
      watchBundlesDir: bundles,
    });
    process.stdout.write(`hub listening on ${hub.url} (station key ${keyId(stationPublicKey)}, data ${dataDir})\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      io.stop?.addEventListener('abort', stop, { once: true });
    });
    await hub.close();
    process.stdout.write('hub stopped\n');
    return 0;
  });
}

async function readNamed(file: string, option: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${option} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

// ---- signage hub publish ------------------------------------------------------------------

const PUBLISH_HELP = `usage: signage hub publish --data DIR --bundles DIR --station-key FILE
  Verifies every screen's bundle in a compiler output directory (station signature, schema,
  every blob's hash, not older than what is published) and stores it in the hub's data
  directory. A hub running on that directory offers the changed screens to their players
  within a second. Nothing is stored if any screen fails.`;

export async function hubPublishCommand(args: string[]): Promise<number> {
  return run(async () => {
    const { values } = parse(args, { data: { type: 'string' }, bundles: { type: 'string' }, 'station-key': { type: 'string' } }, PUBLISH_HELP);
    if (values.help) return (process.stdout.write(`${PUBLISH_HELP}\n`), 0);
    const dataDir = required(values, 'data', PUBLISH_HELP);
    const bundlesDir = required(values, 'bundles', PUBLISH_HELP);
    const stationPublicKey = await readStationPublicKey(required(values, 'station-key', PUBLISH_HELP));
    await mkdir(dataDir, { recursive: true });
    const db = HubDatabase.open(join(dataDir, HUB_DATABASE_FILE));
    try {
      const result = await publishBundles({ db, dataDir, bundlesDir, stationPublicKey });
      const changed = result.changedScreens.length ? result.changedScreens.join(', ') : 'none';
      const unchanged = result.unchangedScreens.length ? `; unchanged: ${result.unchangedScreens.join(', ')}` : '';
      process.stdout.write(`published ${bundlesDir}: changed: ${changed}${unchanged}\n`);
      return 0;
    } finally {
      db.close();
    }
  });
}

// ---- signage hub devices ------------------------------------------------------------------

const DEVICES_HELP = `usage: signage hub devices --data DIR [approve ID | revoke ID]
  without an action: lists devices (id, screen, state, online, last seen, current bundle)
  approve ID  lets a pending (or revoked) device in; it is welcomed on its next attempt
  revoke ID   shuts a device out; a running hub disconnects it within a second`;

/** A device counts as online if the hub says it is connected and it was heard from lately. */
export const ONLINE_WITHIN_MS = 120_000;

export function formatDevices(devices: readonly DeviceRecord[], nowMs: number): string {
  if (devices.length === 0) return 'no devices yet: a player asks to join by connecting ("signage player --hub URL …")\n';
  const rows = devices.map((device) => [
    device.id,
    device.screenId,
    device.state,
    device.online && nowMs - device.lastSeenMs < ONLINE_WITHIN_MS ? 'online' : 'offline',
    `${vietnamIso(device.lastSeenMs)} (${ago(nowMs - device.lastSeenMs)})`,
    device.currentBundleId ? device.currentBundleId.slice(0, 16) : '-',
  ]);
  const header = ['id', 'screen', 'state', 'online', 'last seen', 'bundle'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const format = (cells: string[]): string => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  const pending = devices.filter((device) => device.state === 'pending');
  const hint = pending.length ? `\n${pending.length} pending: check each id against the one the player shows, then "signage hub devices --data DIR approve ID"\n` : '';
  return `${[format(header), ...rows.map(format)].join('\n')}\n${hint}`;
}

function ago(ms: number): string {
  if (ms < 0) return 'just now';
  if (ms < 60_000) return `${Math.round(ms / 1000)} s ago`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.round(ms / 3_600_000)} h ago`;
  return `${Math.round(ms / 86_400_000)} d ago`;
}

export async function hubDevicesCommand(args: string[]): Promise<number> {
  return run(async () => {
    const { values, positionals } = parse(args, { data: { type: 'string' } }, DEVICES_HELP, true);
    if (values.help) return (process.stdout.write(`${DEVICES_HELP}\n`), 0);
    const dataDir = required(values, 'data', DEVICES_HELP);
    const [action, id, ...extra] = positionals;
    if (action !== undefined && action !== 'approve' && action !== 'revoke') throw new UsageError(`unknown action "${action}"\n\n${DEVICES_HELP}`);
    if (action !== undefined && (id === undefined || extra.length > 0)) throw new UsageError(`${action} takes exactly one device id\n\n${DEVICES_HELP}`);
    const db = openExisting(dataDir);
    try {
      if (action === undefined) {
        process.stdout.write(formatDevices(db.devices(), Date.now()));
        return 0;
      }
      const device = db.device(id!);
      if (!device) throw new Error(`no device ${id} in ${join(dataDir, HUB_DATABASE_FILE)}; "signage hub devices --data ${dataDir}" lists them`);
      db.setDeviceState(device.id, action === 'approve' ? 'approved' : 'revoked');
      process.stdout.write(
        action === 'approve'
          ? `approved ${device.id} for screen ${device.screenId}; it is let in on its next connection attempt\n`
          : `revoked ${device.id} (screen ${device.screenId}); a running hub disconnects it within a second\n`,
      );
      return 0;
    } finally {
      db.close();
    }
  });
}

// ---- signage hub report -------------------------------------------------------------------

const REPORT_HELP = `usage: signage hub report --data DIR --from ISO --to ISO [--format csv|json] [--out FILE]
  plays per screen and notice that started in [from, to), e.g.
  --from 2026-11-01T00:00:00+07:00 --to 2026-12-01T00:00:00+07:00
  csv (default) is UTF-8 with a byte-order mark, so Excel shows Vietnamese titles correctly`;

export async function hubReportCommand(args: string[]): Promise<number> {
  return run(async () => {
    const { values } = parse(args, { data: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } }, REPORT_HELP);
    if (values.help) return (process.stdout.write(`${REPORT_HELP}\n`), 0);
    const dataDir = required(values, 'data', REPORT_HELP);
    const fromMs = parseInstant('from', required(values, 'from', REPORT_HELP));
    const toMs = parseInstant('to', required(values, 'to', REPORT_HELP));
    if (toMs <= fromMs) throw new UsageError(`--to must be later than --from\n\n${REPORT_HELP}`);
    const format = (values.format as string | undefined) ?? 'csv';
    if (format !== 'csv' && format !== 'json') throw new UsageError(`--format must be csv or json, not "${format}"\n\n${REPORT_HELP}`);
    const db = openExisting(dataDir);
    const alertsPath = join(dataDir, ALERT_DATABASE_FILE);
    const alerts = existsSync(alertsPath) ? AlertDatabase.open(alertsPath) : undefined;
    let text: string;
    let rows: number;
    try {
      const report = loadPlayReport({ db, fromMs, toMs, alerts });
      rows = report.rows.length;
      text = format === 'csv' ? playReportCsv(report) : playReportJson(report);
    } finally {
      alerts?.close();
      db.close();
    }
    const out = values.out as string | undefined;
    if (out === undefined) {
      process.stdout.write(text);
    } else {
      await writeFile(out, text);
      process.stderr.write(`wrote ${rows} rows to ${out}\n`);
    }
    return 0;
  });
}

// ---- signage hub alerts -------------------------------------------------------------------

const ALERTS_HELP = `usage: signage hub alerts --data DIR [--json]
  every alert given to the station (signage cap ingest|watch|cancel, emergency notices),
  newest first: its decision, and per screen which players have acknowledged it (displayed,
  or for a cancel: back on normal content) and which have not yet, with the times`;

export async function hubAlertsCommand(args: string[]): Promise<number> {
  return run(async () => {
    const { values } = parse(args, { data: { type: 'string' }, json: { type: 'boolean' } }, ALERTS_HELP);
    if (values.help) return (process.stdout.write(`${ALERTS_HELP}\n`), 0);
    const dataDir = required(values, 'data', ALERTS_HELP);
    const alertsPath = join(dataDir, ALERT_DATABASE_FILE);
    if (!existsSync(alertsPath)) {
      process.stdout.write(`no alerts have been given to this station (no ${alertsPath})\n`);
      return 0;
    }
    const alerts = AlertDatabase.open(alertsPath);
    const hubPath = join(dataDir, HUB_DATABASE_FILE);
    const hub = existsSync(hubPath) ? HubDatabase.open(hubPath) : undefined;
    try {
      const reports = alertReports(alerts, hub?.devices() ?? []);
      process.stdout.write(values.json ? `${JSON.stringify(reports, null, 2)}\n` : formatAlertReports(reports));
      return 0;
    } finally {
      alerts.close();
      hub?.close();
    }
  });
}

// ---- dispatch -----------------------------------------------------------------------------

const SUBCOMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  publish: hubPublishCommand,
  devices: hubDevicesCommand,
  report: hubReportCommand,
  alerts: hubAlertsCommand,
};

/** `signage hub …`: runs the hub, or one of its subcommands (publish, devices, report). */
export async function hubCommand(args: string[]): Promise<number> {
  const [first, ...rest] = args;
  const sub = first === undefined ? undefined : SUBCOMMANDS[first];
  return sub ? sub(rest) : hubServeCommand(args);
}
