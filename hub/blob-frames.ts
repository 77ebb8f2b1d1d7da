import { BLOB_CHUNK_BYTES, type BlobChunkHeader } from '../compiler/format/wire-messages.ts';
import type { BlobStore } from './blob-store.ts';

// Blob bytes travel in binary frames: a 4-byte big-endian header length, the JSON
// BlobChunkHeader, then the chunk (framing defined in compiler/format/wire-messages.ts).
//
// After a publish, hundreds of players ask for the same new blobs at the same offsets. The
// frames are therefore built once and kept in a small cache bounded in bytes, and ws sends
// one Buffer to every socket without copying it (server frames are not masked). Concurrent
// requests for a frame that is still being read share the one read.

export function encodeBlobChunk(header: BlobChunkHeader, bytes: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const frame = Buffer.allocUnsafe(4 + json.length + bytes.length);
  frame.writeUInt32BE(json.length, 0);
  json.copy(frame, 4);
  frame.set(bytes, 4 + json.length);
  return frame;
}

/**
 * Where the chunk starting at `offset` ends: at the next multiple of BLOB_CHUNK_BYTES, or at
 * the end of the blob. A download resumed mid-chunk thus gets back onto the shared, cached
 * chunk boundaries after one short frame.
 */
export function chunkEnd(offset: number, total: number): number {
  return Math.min(total, (Math.floor(offset / BLOB_CHUNK_BYTES) + 1) * BLOB_CHUNK_BYTES);
}

export class BlobFrameCache {
  private readonly frames = new Map<string, Buffer>(); // insertion order = least recently used first
  private readonly reading = new Map<string, Promise<Buffer>>();
  private bytes = 0;

  constructor(
    private readonly store: BlobStore,
    private readonly maxBytes: number,
  ) {}

  /** The frame carrying bytes [offset, chunkEnd(offset, total)) of a blob of `total` bytes. */
  async frame(chunk: { hash: string; offset: number; total: number }): Promise<Buffer> {
    const { hash, offset, total } = chunk;
    const key = `${hash}:${offset}`;
    const cached = this.frames.get(key);
    if (cached) {
      this.frames.delete(key);
      this.frames.set(key, cached);
      return cached;
    }
    let pending = this.reading.get(key);
    if (!pending) {
      pending = this.read(hash, offset, total).finally(() => this.reading.delete(key));
      this.reading.set(key, pending);
    }
    return pending;
  }

  private async read(hash: string, offset: number, total: number): Promise<Buffer> {
    const length = chunkEnd(offset, total) - offset;
    const bytes = length > 0 ? await this.store.readRange({ hash, offset, length }) : Buffer.alloc(0);
    // The manifest's size is what players expect; a shorter file is a damaged store.
    if (bytes.length !== length) throw new Error(`stored blob ${hash} is shorter than the ${total} bytes its manifest lists`);
    const frame = encodeBlobChunk({ hash, offset, total }, bytes);
    this.remember(`${hash}:${offset}`, frame);
    return frame;
  }

  private remember(key: string, frame: Buffer): void {
    if (frame.length > this.maxBytes) return;
    this.frames.set(key, frame);
    this.bytes += frame.length;
    for (const [oldKey, oldFrame] of this.frames) {
      if (this.bytes <= this.maxBytes) break;
      this.frames.delete(oldKey);
      this.bytes -= oldFrame.length;
    }
  }
}
