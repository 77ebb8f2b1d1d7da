import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NoticePagesResult } from '../../layouts/common/layout-types.ts';
import type { NoticePagesCache } from '../plan/plan-screen.ts';
import { sha256Hex } from '../trust/station-key.ts';
import { writeFileAtomic } from './write-output.ts';

// The disk side of the notice-pages cache: one file per screen, holding the pages of every
// notice laid out for it in the last compile. Entries not used by a compile are dropped when
// it saves, so the file never grows beyond the current notices.

export class NoticePagesStore implements NoticePagesCache {
  private readonly used = new Map<string, NoticePagesResult>();
  private dirty = false;
  /** Counters for the compile report. */
  readonly stats = { hits: 0, misses: 0 };

  private constructor(
    private readonly file: string,
    private readonly previous: Map<string, NoticePagesResult>,
  ) {}

  static async open(dir: string, screenKey: string): Promise<NoticePagesStore> {
    const file = join(dir, `${sha256Hex(screenKey)}.json`);
    let previous = new Map<string, NoticePagesResult>();
    try {
      previous = new Map(Object.entries(JSON.parse(await readFile(file, 'utf8')) as Record<string, NoticePagesResult>));
    } catch {
      // no cache yet, or a damaged one: lay everything out again
    }
    return new NoticePagesStore(file, previous);
  }

  get(key: string): NoticePagesResult | undefined {
    const hash = sha256Hex(key);
    const hit = this.used.get(hash) ?? this.previous.get(hash);
    if (hit) {
      this.stats.hits += 1;
      this.used.set(hash, hit);
    } else {
      this.stats.misses += 1;
    }
    return hit;
  }

  set(key: string, value: NoticePagesResult): void {
    this.used.set(sha256Hex(key), value);
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.dirty && this.used.size === this.previous.size) return;
    await mkdir(join(this.file, '..'), { recursive: true });
    await writeFileAtomic(this.file, JSON.stringify(Object.fromEntries(this.used)));
  }
}

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Everything a notice's laid-out pages depend on besides the notice itself. */
const CODE_FOLDERS = ['layouts', 'compiler/plan', 'compiler/format', 'assets/fonts'];
let codeVersion: Promise<string> | undefined;

/** sha256 over the layout, planning and format sources and the font files, once per process. */
export function layoutCodeVersion(): Promise<string> {
  codeVersion ??= (async () => {
    const parts: string[] = [];
    async function walk(dir: string): Promise<void> {
      for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (!entry.name.endsWith('.test.ts')) parts.push(`${relative(PROJECT_ROOT, path)}:${sha256Hex(await readFile(path))}`);
      }
    }
    for (const folder of CODE_FOLDERS) await walk(join(PROJECT_ROOT, folder));
    return sha256Hex(parts.join('\n'));
  })();
  return codeVersion;
}
