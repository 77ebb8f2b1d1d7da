import type { z } from 'zod';
import { bundleManifestSchema } from '../compiler/format/bundle-manifest.ts';
import type { offerMessage } from '../compiler/format/wire-messages.ts';
import type { HubDatabase, StoredBundle } from './hub-database.ts';

// What the hub tells each screen's players, kept in memory: the offer of the current bundle,
// encoded once (thousands of sockets then share one Buffer), and the blobs a player of that
// screen may fetch. Those are the current bundle's and the previous one's: a player still
// finishing the previous bundle when a publish lands may complete it, but no device can use
// the hub to read another screen's content or anything older.

export interface ScreenOffer {
  readonly screenId: string;
  readonly bundleId: string;
  /** The `offer` message as UTF-8 JSON, sent as a text frame. */
  readonly frame: Buffer;
  /** hash → size in bytes, for the current and the previous bundle. */
  readonly blobs: ReadonlyMap<string, number>;
}

function blobsOf(bundle: StoredBundle): [string, number][] {
  // Verified when published; parsed again because the database is bytes, not types.
  const manifest = bundleManifestSchema.parse(JSON.parse(bundle.manifest.toString('utf8')));
  return manifest.blobs.map((blob) => [blob.hash, blob.bytes]);
}

export function buildScreenOffer(current: StoredBundle, previous: StoredBundle | undefined): ScreenOffer {
  const message: z.infer<typeof offerMessage> = {
    type: 'offer',
    screenId: current.screenId,
    bundleId: current.bundleId,
    manifest: current.manifest.toString('base64'),
    manifestSig: current.manifestSig.toString('base64'),
    schedule: current.schedule.toString('base64'),
    scheduleSig: current.scheduleSig.toString('base64'),
  };
  return {
    screenId: current.screenId,
    bundleId: current.bundleId,
    frame: Buffer.from(JSON.stringify(message), 'utf8'),
    blobs: new Map([...(previous ? blobsOf(previous) : []), ...blobsOf(current)]),
  };
}

export class ScreenOffers {
  private readonly byScreen = new Map<string, ScreenOffer>();

  constructor(private readonly db: HubDatabase) {}

  get(screenId: string): ScreenOffer | undefined {
    return this.byScreen.get(screenId);
  }

  screens(): string[] {
    return [...this.byScreen.keys()];
  }

  /** Re-reads the current bundles; returns the screens whose current bundle changed. */
  reload(): string[] {
    const changed: string[] = [];
    for (const [screenId, bundleId] of this.db.currentBundleIds()) {
      if (this.byScreen.get(screenId)?.bundleId === bundleId) continue;
      const [current, previous] = this.db.recentBundles(screenId, 2);
      if (!current) continue;
      this.byScreen.set(screenId, buildScreenOffer(current, previous));
      changed.push(screenId);
    }
    return changed;
  }
}
