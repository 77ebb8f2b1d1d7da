import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NoticePagesResult } from '../../layouts/common/layout-types.ts';
import { sha256Hex } from '../trust/station-key.ts';
import { JsonMemoStore } from './json-memo-store.ts';

// The disk side of the notice-pages cache: one memo file per screen, holding the pages of
// every notice laid out for it in the last compile.

/** One file per screen; the layout code version is part of every key (see planScreen). */
export class NoticePagesStore {
  static open(dir: string, screenKey: string): Promise<JsonMemoStore<NoticePagesResult>> {
    return JsonMemoStore.open<NoticePagesResult>(join(dir, `${sha256Hex(screenKey)}.json`), 'pages-v1');
  }
}

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Everything a notice's laid-out pages depend on besides the notice itself. */
const CODE_FOLDERS = ['layouts', 'compiler/plan', 'compiler/format', 'compiler/io', 'assets/fonts'];
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
