// The command line compiled to JavaScript once per change of its sources, so that a one-off
// command (an operator typing `signage cap ingest` in an emergency) does not start a
// TypeScript loader and transpile and resolve a hundred-odd modules through it first: that
// costs about half a second of CPU per start.
//
// The compiled form is derived data: esbuild bundles bin/signage-commands.ts and the project
// files it imports (code-split per command, so each command loads only its own modules) into
// node_modules/.cache/signage-cli/<key>/, where <key> is the hash of every source it read
// (this file included) and of esbuild's and Node's versions. Most packages stay ordinary
// imports resolved by Node, which is why the output lives under node_modules/. At each start
// every recorded source is looked at: one whose inode, size, mtime and ctime are as recorded
// is unchanged (an edit, a checkout or a copy changes the ctime at least); any other is
// hashed, and a different hash rebuilds. Every `import.meta.url` is replaced by its source
// file's own URL, so paths computed from it (fonts, the renderer, the project root) are the
// same as when the TypeScript runs directly.
//
// A few plain-JavaScript packages that every command reading a site or an alert loads are
// compiled in (COMPILED_PACKAGES): Node's loader resolves, reads and links each file of a
// package on its own (zod alone is a hundred files), and one compiled chunk loads in half the
// time. One of them, fontkit, at its import inflates Unicode and shaping tables with
// tiny-inflate and loads a brotli decoder (with its 120 KB dictionary) that it uses to read
// WOFF2 fonts, both written in JavaScript. In the compiled form those two are Node's own zlib
// (native-decompressors.cjs): DEFLATE and brotli are exact, so the tables and fonts fontkit
// reads are the same bytes, and text measures the same, at a third of the cost.
//
// Anything unexpected here (no esbuild, a read-only node_modules, a source the build refuses)
// returns null and the caller runs the TypeScript through tsx as before; a broken source then
// fails there with tsx's own message. SIGNAGE_CLI_CACHE=off always runs through tsx;
// SIGNAGE_CLI_CACHE=require fails with the reason instead (tests, and finding out why).

import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = join(PROJECT_ROOT, 'bin', 'signage-commands.ts');
const CACHE_ROOT = join(PROJECT_ROOT, 'node_modules', '.cache', 'signage-cli');
const CURRENT = join(CACHE_ROOT, 'current.json');
const ENTRY_OUTPUT = 'signage-commands.js';
const THIS_FILE = fileURLToPath(import.meta.url);
// The shape of current.json.
const FORMAT = 1;
// Builds other than the current one are removed once this old. A process started from one
// keeps running from it; it imports its command's modules as it starts, but a hub or player
// running for weeks must not find a chunk gone should it import one later.
const KEEP_OLD_BUILDS_MS = 7 * 24 * 3_600_000;

const META = /\bimport\.meta\.(url|dirname|filename)\b/g;

// Packages compiled in, with everything they import (see above). Packages with native parts
// (better-sqlite3, sharp) and the rest stay imports.
const COMPILED_PACKAGES = new Set(['fontkit', 'zod', 'yaml', '@xmldom/xmldom']);
const NATIVE_DECOMPRESSORS = join(PROJECT_ROOT, 'bin', 'native-decompressors.cjs');
// Modules of those packages replaced by Node's zlib: module → the export standing in for it.
const SUBSTITUTES = new Map([
  ['tiny-inflate', 'inflateRaw'],
  ['brotli/decompress.js', 'brotliDecompress'],
  ['brotli/decompress', 'brotliDecompress'],
]);

function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

function buildKey(esbuildVersion, inputs) {
  const lines = [`node ${process.version}`, `esbuild ${esbuildVersion}`, ...inputs.map(({ path, hash }) => `${hash} ${path}`)];
  return sha256(lines.join('\n')).slice(0, 32);
}

/** What changes whenever a file's content may have: its inode, size, mtime and ctime. */
function statKey(absolute) {
  const s = statSync(absolute, { bigint: true });
  return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

/** A recorded source as it is now: unchanged, or its content's hash. */
function unchanged(input) {
  const absolute = join(PROJECT_ROOT, input.path);
  try {
    if (statKey(absolute) === input.stat) return true;
    return sha256(readFileSync(absolute)) === input.hash;
  } catch {
    return false;
  }
}

/** The build recorded as current, if every source it was made from is unchanged. */
function currentBuild() {
  let record;
  try {
    record = JSON.parse(readFileSync(CURRENT, 'utf8'));
  } catch {
    return null;
  }
  if (record.format !== FORMAT || record.node !== process.version || !Array.isArray(record.inputs)) return null;
  // Synchronous on purpose: nothing else is waiting at start, and a stat each is cheaper so.
  if (!record.inputs.every(unchanged)) return null;
  const dir = join(CACHE_ROOT, record.key);
  try {
    statSync(join(dir, ENTRY_OUTPUT));
  } catch {
    return null;
  }
  return dir;
}

function loaderFor(path) {
  if (path.endsWith('.ts') || path.endsWith('.mts') || path.endsWith('.cts')) return 'ts';
  if (path.endsWith('.json')) return 'json';
  return 'js';
}

async function build() {
  const esbuild = await import('esbuild');
  const inputs = new Map();
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node}`,
    // Minified, V8 has less text to read at each start (a tenth of the CPU of a `cap ingest`
    // here). Class and function names are printed in messages and compared in code, so they
    // are kept. For stack traces that point into the sources, run with SIGNAGE_CLI_CACHE=off.
    minify: true,
    keepNames: true,
    // The compiled-in packages are partly CommonJS; their require() calls of Node's built-in
    // modules need a require in the ES module output.
    banner: { js: "import { createRequire as __signageCreateRequire } from 'node:module'; const require = __signageCreateRequire(import.meta.url);" },
    outdir: join(CACHE_ROOT, 'out'),
    entryNames: '[name]',
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'packages',
        setup(builder) {
          builder.onResolve({ filter: /^[^./]/ }, (args) => {
            if (isBuiltin(args.path)) return { external: true };
            const substitute = SUBSTITUTES.get(args.path);
            if (substitute) return { path: substitute, namespace: 'native-decompressor' };
            const inCompiledPackage = args.importer.includes(`${sep}node_modules${sep}`);
            if (COMPILED_PACKAGES.has(args.path) || inCompiledPackage) return undefined;
            return { external: true };
          });
          builder.onLoad({ filter: /.*/, namespace: 'native-decompressor' }, (args) => ({
            contents: `module.exports = require(${JSON.stringify(NATIVE_DECOMPRESSORS)}).${args.path};`,
            loader: 'js',
            resolveDir: dirname(NATIVE_DECOMPRESSORS),
          }));
        },
      },
      {
        name: 'source-urls',
        setup(builder) {
          builder.onLoad({ filter: /.*/ }, async (args) => {
            const path = relative(PROJECT_ROOT, args.path).split(sep).join('/');
            if (path.startsWith('..')) throw new Error(`${args.path} is outside the project`);
            // Looked at before reading: a change in between is seen at the next start.
            const seen = statKey(args.path);
            const bytes = await readFile(args.path);
            inputs.set(path, { path, hash: sha256(bytes), stat: seen });
            const url = pathToFileURL(args.path);
            const source = bytes.toString('utf8').replace(META, (_, field) =>
              JSON.stringify(field === 'url' ? url.href : field === 'dirname' ? dirname(args.path) : args.path),
            );
            // Any other use of import.meta would mean something else in the bundle.
            if (/\bimport\.meta\b/.test(source)) throw new Error(`${path} uses import.meta beyond url, dirname and filename`);
            return { contents: source, loader: loaderFor(args.path), resolveDir: dirname(args.path) };
          });
        },
      },
    ],
  });
  inputs.set('bin/compiled-cli.js', { path: 'bin/compiled-cli.js', hash: sha256(await readFile(THIS_FILE)), stat: statKey(THIS_FILE) });
  const sorted = [...inputs.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const key = buildKey(esbuild.version, sorted);
  const dir = join(CACHE_ROOT, key);
  const outRoot = join(CACHE_ROOT, 'out');
  // Written beside its final name and renamed into place: test files and operators may start
  // the command at the same moment, and nobody may import a half-written build.
  const staging = join(CACHE_ROOT, `.${key}.${process.pid}.${randomBytes(4).toString('hex')}`);
  await mkdir(staging, { recursive: true });
  for (const file of result.outputFiles) {
    const target = join(staging, relative(outRoot, file.path));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.contents);
  }
  try {
    await rename(staging, dir);
  } catch (error) {
    // Another process finished the same build first: the same key is the same output.
    await rm(staging, { recursive: true, force: true });
    if (!['EEXIST', 'ENOTEMPTY', 'EPERM'].includes(error.code)) throw error;
  }
  const record = { format: FORMAT, node: process.version, key, inputs: sorted };
  const temporary = `${CURRENT}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temporary, `${JSON.stringify(record)}\n`);
  await rename(temporary, CURRENT);
  await pruneOldBuilds(key);
  return dir;
}

async function pruneOldBuilds(keep) {
  const now = Date.now();
  for (const name of await readdir(CACHE_ROOT).catch(() => [])) {
    if (name === keep || name === 'current.json') continue;
    const path = join(CACHE_ROOT, name);
    try {
      if (now - (await stat(path)).mtimeMs > KEEP_OLD_BUILDS_MS) await rm(path, { recursive: true, force: true });
    } catch {
      // Removed by another process already.
    }
  }
}

/**
 * The compiled module of bin/signage-commands.ts (up to date with its sources), or null when
 * it cannot be had; the caller then runs the TypeScript through tsx.
 */
export async function loadCompiledCli() {
  if (process.env.SIGNAGE_CLI_CACHE === 'off') return null;
  let dir;
  try {
    dir = currentBuild() ?? (await build());
  } catch (error) {
    if (process.env.SIGNAGE_CLI_CACHE === 'require') throw error;
    return null;
  }
  return import(pathToFileURL(join(dir, ENTRY_OUTPUT)).href);
}
