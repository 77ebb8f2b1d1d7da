import { join } from 'node:path';
import sharp from 'sharp';
import { compile } from '../../compiler/compile.ts';
import { bundleManifestSchema, type BundleManifest } from '../../compiler/format/bundle-manifest.ts';
import { generateStationKeyPair, loadPrivateKey, loadPublicKey } from '../../compiler/trust/station-key.ts';
import { startHub, type HubOptions, type RunningHub } from '../../hub/hub-server.ts';
import type { LogFields, Logger } from '../../compiler/format/logger.ts';
import { copySamples } from '../support/paths.ts';
import type { HubMessage } from '../../compiler/format/wire-messages.ts';
import { ProtocolClient, createDeviceIdentity, offerDocuments, type Connected, type DeviceIdentity } from '../support/protocol-client.ts';

// Shared by the hub tests: real compiled bundles signed with a test station key, a hub on an
// ephemeral port with a logger the test can read, and enrolment in one call.

export const station = generateStationKeyPair();
export const stationPublicKey = loadPublicKey(station.publicKeyPem);

/** The LED wall gets the noisy picture as a lossless PNG: a blob of several chunks. */
export const BIG_SCREEN = 'cong-xa';

/**
 * Compiles the shared samples once per instant, each time with a fresh noise picture, so that
 * successive compiles differ in one blob (as when an officer replaces a notice's photo) and
 * the LED screen's copy of it spans several BLOB_CHUNK_BYTES chunks.
 */
export async function compileVersions(root: string, instants: readonly string[]): Promise<string[]> {
  const samples = await copySamples(join(root, 'samples'));
  const outs: string[] = [];
  for (const [index, at] of instants.entries()) {
    await sharp({ create: { width: 1600, height: 1000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 80 } } })
      .jpeg({ quality: 95 })
      .toFile(join(samples.images, 'lang-que.jpg'));
    const out = join(root, `out-${index + 1}`);
    await compile({ noticesDir: samples.notices, siteFile: samples.site, outDir: out, privateKey: loadPrivateKey(station.privateKeyPem), atMs: Date.parse(at), cacheDir: join(root, 'cache') });
    outs.push(out);
  }
  return outs;
}

export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: LogFields;
}

export class MemoryLogger implements Logger {
  readonly entries: LogEntry[] = [];
  info(message: string, fields: LogFields = {}): void {
    this.entries.push({ level: 'info', message, fields });
  }
  warn(message: string, fields: LogFields = {}): void {
    this.entries.push({ level: 'warn', message, fields });
  }
  error(message: string, fields: LogFields = {}): void {
    this.entries.push({ level: 'error', message, fields });
  }
  find(message: string): LogEntry | undefined {
    return this.entries.find((entry) => entry.message === message);
  }
}

export async function startTestHub(dataDir: string, options: Partial<HubOptions> = {}): Promise<{ hub: RunningHub; logger: MemoryLogger }> {
  const logger = new MemoryLogger();
  const hub = await startHub({ dataDir, port: 0, stationPublicKey, logger, ...options });
  return { hub, logger };
}

/** Asks to join (left pending), has the operator approve, and connects again: welcomed. */
export async function enrolAndConnect(hub: RunningHub, screenId: string): Promise<Connected & { identity: DeviceIdentity }> {
  const identity = createDeviceIdentity();
  const first = await ProtocolClient.connect({ url: hub.url, identity, screenId });
  if (first.reply.type !== 'refused' || first.reply.reason !== 'pending-approval') throw new Error(`expected pending-approval, got ${JSON.stringify(first.reply)}`);
  await first.client.closed;
  hub.approveDevice(identity.deviceId);
  const connected = await ProtocolClient.connect({ url: hub.url, identity, screenId });
  if (connected.reply.type !== 'welcome') throw new Error(`expected welcome, got ${JSON.stringify(connected.reply)}`);
  return { ...connected, identity };
}

/** The manifest of an offer with whole documents (a player that showed nothing). */
export function manifestOf(offer: Extract<HubMessage, { type: 'offer' }>): BundleManifest {
  return bundleManifestSchema.parse(JSON.parse(offerDocuments(offer).manifest.toString('utf8')));
}

/** Awaits a promise, failing the test instead of hanging when it does not settle in time. */
export async function within<T>(promise: Promise<T>, limit: { ms: number; what: string }): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${limit.what}`)), limit.ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls until `check` is true: for effects that happen on the hub's own timers. */
export async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
