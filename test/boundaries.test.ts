import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from './support/paths.ts';

// Folder = runtime. The type-check already fails when a pure folder imports node:* (no
// @types/node there); this test also catches what types cannot: reading the clock, random
// numbers or the environment inside pure code, and Electron or DOM-only imports where tests
// load modules under plain Node.

async function sourceFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(join(PROJECT_ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await sourceFiles(path)));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) files.push(path);
  }
  return files;
}

const PURE_FOLDERS = ['compiler/format', 'compiler/plan', 'layouts'];
const FORBIDDEN_IN_PURE: [RegExp, string][] = [
  [/from ['"]node:/, 'imports node:*'],
  [/from ['"](sharp|electron|pixi\.js|better-sqlite3|ws|fontkit)['"]/, 'imports an effectful package'],
  [/\bDate\.now\(/, 'reads the clock (take the time as an argument)'],
  [/\bnew Date\(\)/, 'reads the clock (take the time as an argument)'],
  [/\bMath\.random\(/, 'uses randomness (take it as an argument)'],
  [/\bprocess\./, 'touches process (env, cwd, …)'],
  [/\bIntl\./, 'uses Intl (on-screen strings come from the project\'s own tables)'],
];

test('pure folders import no effects and read no clock, randomness or environment', async () => {
  const offences: string[] = [];
  for (const folder of PURE_FOLDERS) {
    for (const file of await sourceFiles(folder)) {
      const text = (await readFile(join(PROJECT_ROOT, file), 'utf8'))
        .split('\n')
        .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line)) // comments may talk about these
        .join('\n');
      for (const [pattern, why] of FORBIDDEN_IN_PURE) if (pattern.test(text)) offences.push(`${file} ${why}`);
    }
  }
  assert.deepEqual(offences, []);
});

test('only the Electron shell imports electron', async () => {
  const offences: string[] = [];
  for (const folder of ['compiler', 'layouts', 'player', 'hub', 'bin']) {
    let files: string[] = [];
    try {
      files = await sourceFiles(folder);
    } catch {
      continue; // folder not created yet
    }
    for (const file of files) {
      if (file.startsWith(join('player', 'shell', 'electron'))) continue;
      const text = await readFile(join(PROJECT_ROOT, file), 'utf8');
      if (/from ['"]electron['"]|require\(['"]electron['"]\)/.test(text)) offences.push(relative(PROJECT_ROOT, join(PROJECT_ROOT, file)));
    }
  }
  assert.deepEqual(offences, []);
});
