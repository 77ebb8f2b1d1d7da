import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '../compiler/trust/station-key.ts';

// Blobs live on disk as DATA/blobs/<sha256>, never in SQLite: players fetch them in ranges,
// and a file is what the OS caches best. A blob enters only through a staging area: its bytes
// are hashed, written to a temporary file, fsynced, and renamed into place once the whole
// publish has verified. So a name in blobs/ always holds the bytes that name promises, even
// after a power cut in the middle of a publish.

const HASH = /^[0-9a-f]{64}$/;

export class BlobStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'blobs');
  }

  path(hash: string): string {
    if (!HASH.test(hash)) throw new Error(`not a blob name: ${hash}`); // never a path from outside
    return join(this.dir, hash);
  }

  /** Size in bytes, or undefined when the blob is not stored. */
  async size(hash: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(hash))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Reads up to `length` bytes from `offset`; fewer only at the end of the blob. */
  async readRange(range: { hash: string; offset: number; length: number }): Promise<Buffer> {
    const { hash, offset, length } = range;
    const handle = await open(this.path(hash), 'r');
    try {
      const buffer = Buffer.allocUnsafe(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === length ? buffer : buffer.subarray(0, filled);
    } finally {
      await handle.close();
    }
  }

  /**
   * Removes staging directories left by a publish that crashed. Only old ones: a publish may
   * be running in another process right now.
   */
  async removeStaleStaging(nowMs: number, olderThanMs = 3_600_000): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith('.staging-')) continue;
      const path = join(this.dir, name);
      const info = await stat(path).catch(() => undefined);
      if (info && nowMs - info.mtimeMs > olderThanMs) await rm(path, { recursive: true, force: true });
    }
  }

  /** A place to put verified blobs until a publish commits; see BlobStaging. */
  async beginStaging(): Promise<BlobStaging> {
    await mkdir(this.dir, { recursive: true });
    const dir = join(this.dir, `.staging-${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(dir);
    return new BlobStaging(this, dir);
  }
}

export class BlobStaging {
  /** Writes under way or done, by hash; each carries a no-op catch so that a failure is reported by commit(), not as an unhandled rejection. */
  private readonly writes = new Map<string, Promise<void>>();

  constructor(
    private readonly store: BlobStore,
    private readonly dir: string,
  ) {}

  /**
   * Starts writing bytes whose hash has been checked by the caller, re-checking it here too:
   * this is the one door into the store, and a wrong name here would be served to every
   * player. Writes run concurrently (each ends with its own fsync, and a publish with several
   * new pictures should not wait for one disk flush after another); commit() waits for all.
   */
  add(hash: string, bytes: Uint8Array): void {
    if (this.writes.has(hash)) return;
    const write = this.write(hash, bytes);
    write.catch(() => {});
    this.writes.set(hash, write);
  }

  private async write(hash: string, bytes: Uint8Array): Promise<void> {
    const actual = sha256Hex(bytes);
    if (actual !== hash) throw new Error(`blob ${hash} has content with sha256 ${actual}`);
    const handle = await open(join(this.dir, hash), 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Moves every staged blob into the store; the database may refer to them afterwards. */
  async commit(): Promise<void> {
    await Promise.all(this.writes.values());
    for (const hash of this.writes.keys()) await rename(join(this.dir, hash), this.store.path(hash));
    // The renames must reach the disk before the database commit that names these blobs.
    await syncDirectory(this.store.dir);
    await this.discard();
  }

  async discard(): Promise<void> {
    await Promise.allSettled(this.writes.values());
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
