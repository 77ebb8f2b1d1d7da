import { brotliCompressSync, constants } from 'node:zlib';
import { z } from 'zod';
import { blobEntrySchema } from '../compiler/format/bundle-manifest.ts';
import { encodeByteDelta } from '../compiler/format/byte-delta.ts';
import type { offerMessage } from '../compiler/format/wire-messages.ts';
import type { HubDatabase, StoredBundle } from './hub-database.ts';

// What the hub tells each screen's players, kept in memory: the offer of the current bundle,
// and the blobs a player of that screen may fetch. Those are the current bundle's and the
// previous one's: a player still finishing the previous bundle when a publish lands may
// complete it, but no device can use the hub to read another screen's content or anything
// older.
//
// An offer is sent in one of two encodings (wire-messages.ts offerMessage): as a delta from
// the previous bundle, for players that show it (after a publish, nearly all of them), or
// with whole compressed documents, for anyone else. Each is encoded once, when first needed,
// and thousands of sockets then share the one Buffer.

export interface ScreenOffer {
  readonly screenId: string;
  readonly bundleId: string;
  /** The `offer` text frame for a player that shows `shownBundleId` (null: nothing, or unknown). */
  frameFor(shownBundleId: string | null): Buffer;
  /** hash → size in bytes, for the current and the previous bundle. */
  readonly blobs: ReadonlyMap<string, number>;
}

const blobListSchema = z.strictObject({ blobs: z.array(blobEntrySchema) }).loose();

function blobsOf(bundle: StoredBundle): [string, number][] {
  // Verified when published; the blob list is read again because the database is bytes, not types.
  const manifest = blobListSchema.parse(JSON.parse(bundle.manifest.toString('utf8')));
  return manifest.blobs.map((blob) => [blob.hash, blob.bytes]);
}

/** Whole documents compress ~6× (JSON scene data); a delta is small whatever the quality. */
function compress(bytes: Uint8Array, quality: number): string {
  return brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }).toString('base64');
}

function encodeOffer(current: StoredBundle, base: StoredBundle | undefined): Buffer {
  const message: z.infer<typeof offerMessage> = base
    ? {
        type: 'offer',
        screenId: current.screenId,
        bundleId: current.bundleId,
        deltaFrom: base.bundleId,
        manifest: compress(encodeByteDelta(base.manifest, current.manifest), 11),
        manifestSig: current.manifestSig.toString('base64'),
        schedule: compress(encodeByteDelta(base.schedule, current.schedule), 11),
        scheduleSig: current.scheduleSig.toString('base64'),
      }
    : {
        type: 'offer',
        screenId: current.screenId,
        bundleId: current.bundleId,
        manifest: compress(current.manifest, 9),
        manifestSig: current.manifestSig.toString('base64'),
        schedule: compress(current.schedule, 9),
        scheduleSig: current.scheduleSig.toString('base64'),
      };
  return Buffer.from(JSON.stringify(message), 'utf8');
}

class EncodedScreenOffer implements ScreenOffer {
  readonly screenId: string;
  readonly bundleId: string;
  readonly blobs: ReadonlyMap<string, number>;
  private whole: Buffer | undefined;
  private delta: Buffer | undefined;

  constructor(
    private readonly current: StoredBundle,
    private readonly previous: StoredBundle | undefined,
    /** The current bundle's own blobs (the next offer's previous ones). */
    readonly currentBlobs: readonly [string, number][],
    previousBlobs: readonly [string, number][],
  ) {
    this.screenId = current.screenId;
    this.bundleId = current.bundleId;
    this.blobs = new Map([...previousBlobs, ...currentBlobs]);
  }

  frameFor(shownBundleId: string | null): Buffer {
    if (this.previous && shownBundleId === this.previous.bundleId) return (this.delta ??= encodeOffer(this.current, this.previous));
    return (this.whole ??= encodeOffer(this.current, undefined));
  }
}

/** `known`: the offer being replaced; when its bundle is the new previous one, its blob list is reused. */
export function buildScreenOffer(current: StoredBundle, previous: StoredBundle | undefined, known?: ScreenOffer): ScreenOffer {
  let previousBlobs: readonly [string, number][] = [];
  if (previous) previousBlobs = known instanceof EncodedScreenOffer && known.bundleId === previous.bundleId ? known.currentBlobs : blobsOf(previous);
  return new EncodedScreenOffer(current, previous, blobsOf(current), previousBlobs);
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
      const known = this.byScreen.get(screenId);
      if (known?.bundleId === bundleId) continue;
      const [current, previous] = this.db.recentBundles(screenId, 2);
      if (!current) continue;
      this.byScreen.set(screenId, buildScreenOffer(current, previous, known));
      changed.push(screenId);
    }
    return changed;
  }
}
