import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '../trust/station-key.ts';

// sha256 of source pictures, remembered by (path, size, mtime, ctime, inode) as git's index
// does: re-hashing 500 photos on every recompile was a sixth of a warm compile. ctime cannot
// be set back by copying tools, so a changed file is always hashed again.

interface Entry {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  hash: string;
}

export class SourceHashCache {
  private entries: Record<string, Entry> | undefined;
  private dirty = false;

  constructor(private readonly file: string) {}

  static inDirectory(cacheDir: string): SourceHashCache {
    return new SourceHashCache(join(cacheDir, 'source-hashes.json'));
  }

  async hashOf(path: string): Promise<string> {
    const entries = await this.load();
    const info = await stat(path);
    const known = entries[path];
    if (known && known.size === info.size && known.mtimeMs === info.mtimeMs && known.ctimeMs === info.ctimeMs && known.ino === info.ino) return known.hash;
    const hash = sha256Hex(await readFile(path));
    entries[path] = { size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, ino: info.ino, hash };
    this.dirty = true;
    return hash;
  }

  async save(): Promise<void> {
    if (!this.dirty || !this.entries) return;
    await mkdir(join(this.file, '..'), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(this.entries));
    await rename(temporary, this.file);
    this.dirty = false;
  }

  private async load(): Promise<Record<string, Entry>> {
    if (this.entries) return this.entries;
    try {
      this.entries = JSON.parse(await readFile(this.file, 'utf8')) as Record<string, Entry>;
    } catch {
      this.entries = {};
    }
    return this.entries;
  }
}
