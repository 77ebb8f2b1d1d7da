import { fileURLToPath } from 'node:url';
import type { BundleVersion } from './bundles.ts';
import { startWorker, type Worker } from './ipc.ts';

// Helpers the sync and reconnect benches share: the worker entry points, spreading players over
// worker processes and source addresses, and enrolling their keys with the hub.

export const HUB_ENTRY = fileURLToPath(new URL('./hub-process.ts', import.meta.url));
export const LIGHT_ENTRY = fileURLToPath(new URL('./light-worker.ts', import.meta.url));
export const FULL_ENTRY = fileURLToPath(new URL('./full-worker.ts', import.meta.url));

/** Source addresses on loopback, so that no single address runs short of ephemeral ports. */
export function sourceAddresses(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `127.0.0.${i + 2}`);
}

/** Splits `total` into `parts` near-equal counts. */
export function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

export function startHubProcess(maxLifetimeMs: number, name = 'hub'): Worker {
  // --expose-gc only so that the memory figure can also be read after a collection.
  return startWorker({ entry: HUB_ENTRY, name, maxLifetimeMs, nodeFlags: ['--expose-gc'] });
}

/** Pre-approves devices on the hub in batches (one SQLite upsert each). */
export async function preapprove(hub: Worker, devices: readonly { publicKeyPem: string; screenId: string }[]): Promise<void> {
  for (let i = 0; i < devices.length; i += 1000) await hub.call('preapprove', { devices: devices.slice(i, i + 1000) }, 120_000);
}

/** What a player holds of a bundle: its id, manifest and schedule bytes (the bases of delta offers), blob hashes. */
export interface HeldBundleParams {
  readonly bundleId: string;
  readonly manifest: Uint8Array;
  readonly schedule: Uint8Array;
  readonly blobs: string[];
}

/** What a player "holds" for a version, per screen. */
export function heldOf(version: BundleVersion): Record<string, HeldBundleParams> {
  return Object.fromEntries(
    Object.entries(version.screens).map(([screen, bundle]) => [screen, { bundleId: bundle.bundleId, manifest: bundle.manifest, schedule: bundle.schedule, blobs: bundle.blobs.map((blob) => blob.hash) }]),
  );
}

export interface LightFleet {
  readonly workers: Worker[];
  readonly count: number;
}

/** Starts light workers, makes the players, pre-approves them and connects them all. */
export async function startLightFleet(options: {
  hub: Worker;
  url: string;
  screens: readonly string[];
  /** Screen of every player, in order. */
  screenOf: (index: number) => string;
  count: number;
  workers: number;
  mode: 'offers' | 'reconnect';
  held: Record<string, HeldBundleParams>;
  /** The station key light players verify offers against. */
  stationPublicKeyPem: string;
  /** Whether each light player checks everything itself, or takes a check of identical bytes (light-worker.ts). */
  checks?: 'each' | 'shared';
  maxLifetimeMs: number;
  namePrefix: string;
  onWorker?: (worker: Worker) => void;
}): Promise<{ fleet: LightFleet; connectMs: number; failed: number; handshakeMedianMs: number[] }> {
  const counts = split(options.count, Math.max(1, Math.min(options.workers, options.count)));
  const addresses = sourceAddresses(8);
  const workers: Worker[] = [];
  let offset = 0;
  const devices: { publicKeyPem: string; screenId: string }[] = [];
  const inits: Promise<{ publicKeyPem: string; screenId: string }[]>[] = [];
  for (const [w, n] of counts.entries()) {
    const worker = startWorker({ entry: LIGHT_ENTRY, name: `${options.namePrefix}-${w}`, maxLifetimeMs: options.maxLifetimeMs });
    workers.push(worker);
    options.onWorker?.(worker);
    const screens = Array.from({ length: n }, (_, i) => options.screenOf(offset + i));
    // Each worker gets its own pair of source addresses.
    const own = [addresses[(2 * w) % addresses.length]!, addresses[(2 * w + 1) % addresses.length]!];
    inits.push(worker.call('init', { screens, localAddresses: own, mode: options.mode }, 120_000));
    offset += n;
  }
  for (const list of await Promise.all(inits)) devices.push(...list);
  await preapprove(options.hub, devices);
  const started = Date.now();
  const connected = await Promise.all(
    workers.map((worker) => worker.call<{ connected: number; failed: number; handshakeMedianMs: number }>('connect', { url: options.url, held: options.held, stationPublicKeyPem: options.stationPublicKeyPem, concurrency: 64, checks: options.checks ?? 'each' }, 300_000)),
  );
  return {
    fleet: { workers, count: options.count },
    connectMs: Date.now() - started,
    failed: connected.reduce((sum, c) => sum + c.failed, 0),
    handshakeMedianMs: connected.map((c) => c.handshakeMedianMs),
  };
}

/** Stops workers (closing their sockets first when they still answer). */
export async function stopAll(workers: readonly Worker[]): Promise<void> {
  await Promise.all(
    workers.map(async (worker) => {
      try {
        await worker.call('close', {}, 15_000);
      } catch {
        // Already gone or stuck: stop() kills it.
      }
      await worker.stop();
    }),
  );
}
