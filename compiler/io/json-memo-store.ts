import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { sha256Hex } from '../trust/station-key.ts';
import { writeFileAtomic } from './write-output.ts';

// A memo of pure results kept between compiles in one JSON file. Keys are hashed; the file
// records the code version it was made with and is ignored after an upgrade; entries a
// compile did not use are dropped when it saves, so the file never outgrows the inputs.

export class JsonMemoStore<T> {
  private readonly used = new Map<string, T>();
  private dirty = false;
  /** Counters for the compile report. */
  readonly stats = { hits: 0, misses: 0 };

  protected constructor(
    private readonly file: string,
    private readonly version: string,
    private readonly previous: Map<string, T>,
  ) {}

  static async open<T>(file: string, version: string): Promise<JsonMemoStore<T>> {
    return new JsonMemoStore<T>(file, version, await JsonMemoStore.load<T>(file, version));
  }

  protected static async load<T>(file: string, version: string): Promise<Map<string, T>> {
    try {
      const stored = JSON.parse(await readFile(file, 'utf8')) as { version?: string; entries?: Record<string, T> };
      if (stored.version === version && stored.entries) return new Map(Object.entries(stored.entries));
    } catch {
      // no memo yet, or a damaged one: compute everything again
    }
    return new Map();
  }

  get(key: string): T | undefined {
    const hash = sha256Hex(key);
    const hit = this.used.get(hash) ?? this.previous.get(hash);
    if (hit !== undefined) {
      this.stats.hits += 1;
      this.used.set(hash, hit);
    } else {
      this.stats.misses += 1;
    }
    return hit;
  }

  set(key: string, value: T): void {
    this.used.set(sha256Hex(key), value);
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.dirty && this.used.size === this.previous.size) return;
    await mkdir(dirname(this.file), { recursive: true });
    await writeFileAtomic(this.file, JSON.stringify({ version: this.version, entries: Object.fromEntries(this.used) }));
    this.dirty = false;
  }
}
