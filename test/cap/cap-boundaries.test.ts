import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../support/paths.ts';

// compiler/cap is not (yet) one of the pure folders that tsconfig.pure.json and
// test/boundaries.test.ts police, but its decision logic must run unchanged on the station
// and on every player with the player's own clock. This keeps it so: only the CLI and the
// file reader may touch node:* or the clock.

const EFFECTFUL = new Set(['cli.ts', 'read-cap-input.ts']);
const FORBIDDEN: [RegExp, string][] = [
  [/from ['"]node:/, 'imports node:*'],
  [/from ['"](sharp|electron|pixi\.js|better-sqlite3|ws|fontkit)['"]/, 'imports an effectful package'],
  [/from ['"][^'"]*\/io\//, 'imports compiler/io'],
  [/\bDate\.now\(/, 'reads the clock'],
  [/\bnew Date\(\)/, 'reads the clock'],
  [/\bMath\.random\(/, 'uses randomness'],
  [/\bprocess\./, 'touches process'],
  [/\bconsole\./, 'writes to the console'],
];

test('the CAP decision logic is pure: no node:*, clock, randomness, environment or console', async () => {
  const dir = join(PROJECT_ROOT, 'compiler', 'cap');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !EFFECTFUL.has(f));
  assert.ok(files.includes('evaluate-alert.ts') && files.includes('alert-ledger.ts') && files.includes('parse-cap.ts'));
  const offences: string[] = [];
  for (const file of files) {
    const text = (await readFile(join(dir, file), 'utf8'))
      .split('\n')
      .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line))
      .join('\n');
    for (const [pattern, why] of FORBIDDEN) if (pattern.test(text)) offences.push(`compiler/cap/${file} ${why}`);
  }
  assert.deepEqual(offences, []);
});

test('no console output anywhere in compiler/cap, the CLI included (it takes its output streams)', async () => {
  const dir = join(PROJECT_ROOT, 'compiler', 'cap');
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.ts'))) {
    assert.ok(!/\bconsole\./.test(await readFile(join(dir, file), 'utf8')), file);
  }
});
