import { ImageSource, Texture } from 'pixi.js';
import type { FaultSink } from './render-report.ts';

// Image blobs become GPU textures here, shared by every page that shows the same picture and
// freed when the last such page leaves the cache. A blob that cannot be fetched or decoded
// yields no texture and one fault; the node that wanted it is skipped, the page still draws.

/** Fetches a blob's bytes by its sha256 name. Rejects or returns undefined when it is missing. */
export type BlobFetcher = (hash: string) => Promise<Blob | undefined>;

interface Entry {
  refs: number;
  ready: Promise<Texture | undefined>;
  texture?: Texture;
  bitmap?: ImageBitmap;
  released: boolean;
}

export class BlobTextureStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly fetchBlob: BlobFetcher,
    private readonly fault: FaultSink,
  ) {}

  /** Takes a reference to the blob's texture, loading it on first use. */
  acquire(hash: string, scope: string, nodeId: string): Promise<Texture | undefined> {
    let entry = this.entries.get(hash);
    if (!entry) {
      entry = { refs: 0, released: false, ready: Promise.resolve(undefined) };
      entry.ready = this.load(hash, entry, scope, nodeId);
      this.entries.set(hash, entry);
    }
    entry.refs += 1;
    return entry.ready;
  }

  release(hash: string): void {
    const entry = this.entries.get(hash);
    if (!entry) return;
    entry.refs -= 1;
    if (entry.refs > 0) return;
    this.entries.delete(hash);
    entry.released = true;
    this.free(entry);
  }

  /** Number of blobs with a live texture or a load in flight (for tests of the page cache). */
  get size(): number {
    return this.entries.size;
  }

  destroy(): void {
    for (const entry of this.entries.values()) {
      entry.released = true;
      this.free(entry);
    }
    this.entries.clear();
  }

  private free(entry: Entry): void {
    entry.texture?.destroy(true);
    entry.bitmap?.close();
    delete entry.texture;
    delete entry.bitmap;
  }

  private async load(hash: string, entry: Entry, scope: string, nodeId: string): Promise<Texture | undefined> {
    let blob: Blob | undefined;
    try {
      blob = await this.fetchBlob(hash);
    } catch {
      blob = undefined;
    }
    if (!blob) {
      this.fault({ code: 'BLOB_MISSING', scope, nodeId, message: `blob ${hash} could not be fetched; the image is not drawn` });
      return undefined;
    }
    let bitmap: ImageBitmap;
    try {
      // premultiply now: pixi blends premultiplied colour, and a straight-alpha upload of a
      // translucent PNG would draw dark fringes.
      bitmap = await createImageBitmap(blob, { premultiplyAlpha: 'premultiply' });
    } catch (error) {
      this.fault({ code: 'IMAGE_UNDECODABLE', scope, nodeId, message: `blob ${hash} (${blob.type || 'no type'}, ${blob.size} bytes) is not a decodable image: ${String(error)}` });
      return undefined;
    }
    if (entry.released) {
      bitmap.close();
      return undefined;
    }
    const source = new ImageSource({ resource: bitmap, alphaMode: 'premultiplied-alpha', scaleMode: 'linear' });
    entry.bitmap = bitmap;
    entry.texture = new Texture({ source });
    return entry.texture;
  }
}
