import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// Bundles the renderer page (main.ts and everything it imports: pixi.js, the format contract)
// into one ES module beside an index.html and the woff2 files, so any static server on
// 127.0.0.1 (the player core's, the snapshot command's) can serve the directory as it is.
// This file is Node: it is the only part of player/renderer/ that is not browser code.

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = join(PROJECT_ROOT, 'player', 'renderer', 'main.ts');
const FONTS = join(PROJECT_ROOT, 'assets', 'fonts');

export const DEFAULT_RENDERER_DIR = join(PROJECT_ROOT, 'dist', 'renderer');

const INDEX_HTML = `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>Bảng tin điện tử</title>
<link rel="icon" href="data:,">
<style>html,body{margin:0;padding:0;background:#000;overflow:hidden;cursor:none}</style>
</head>
<body>
<script type="module" src="./renderer.js"></script>
</body>
</html>
`;

/**
 * Each file is written beside its final name and renamed over it: test files run in parallel
 * processes may build at the same moment, and a page must never load a half-written script.
 */
async function writeAtomically(path: string, contents: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, path);
}

async function buildInto(outDir: string): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // Debian's Chromium moves with security updates; anything from the last few years runs it.
    target: ['chrome110'],
    outfile: join(outDir, 'renderer.js'),
    minify: true,
    sourcemap: 'linked',
    write: false,
    logLevel: 'silent',
    legalComments: 'linked',
  });
  for (const file of result.outputFiles) await writeAtomically(file.path, file.contents);
  await writeAtomically(join(outDir, 'index.html'), INDEX_HTML);
  for (const name of await readdir(FONTS)) {
    if (name.endsWith('.woff2') || name.endsWith('.txt')) await writeAtomically(join(outDir, 'fonts', name), await readFile(join(FONTS, name)));
  }
  return outDir;
}

const builds = new Map<string, Promise<string>>();

/**
 * Builds the renderer into `outDir` (default dist/renderer) and returns that directory. The
 * build runs once per process and directory; later calls share its promise.
 */
export function buildRenderer(options: { outDir?: string } = {}): Promise<string> {
  const outDir = options.outDir ?? DEFAULT_RENDERER_DIR;
  let pending = builds.get(outDir);
  if (!pending) {
    pending = buildInto(outDir);
    // A failed build must not be cached: the next call (after a fix) tries again.
    pending.catch(() => builds.delete(outDir));
    builds.set(outDir, pending);
  }
  return pending;
}
