import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ALERT_DATABASE_FILE, AlertDatabase, type StatementRow } from '../hub/alert-database.ts';
import { SAMPLE_ALERT, SAMPLE_KEY, SAMPLE_SITE_FILE, TRUST_FILE } from '../test/cap/cap-fixtures.ts';
import { PROJECT_ROOT, scratchDir, SIGNAGE_BIN } from '../test/support/paths.ts';

// bin/signage.js runs the command line compiled once per change of its sources
// (compiled-cli.js; SIGNAGE_CLI_CACHE=require fails rather than fall back); SIGNAGE_CLI_CACHE=off
// runs the TypeScript through tsx. Both must do the
// same thing to the byte: the same output and the same signed statements.

let root: string;
let cleanup: () => Promise<void>;
before(async () => {
  ({ path: root, cleanup } = await scratchDir('compiled-cli'));
});
after(() => cleanup());

function signage(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const base = { ...process.env, ...env };
  // The tests themselves run with tsx loaded; a station's shell does not.
  delete base.NODE_OPTIONS;
  return new Promise((resolve) => {
    execFile(process.execPath, [SIGNAGE_BIN, ...args], { env: base, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0, out: stdout, err: stderr });
    });
  });
}

function statements(hubData: string): StatementRow[] {
  const db = AlertDatabase.open(join(hubData, ALERT_DATABASE_FILE));
  try {
    return db.statementsAfter(0);
  } finally {
    db.close();
  }
}

test('the compiled command line and the TypeScript one ingest and cancel an alert to the same bytes', async () => {
  const keyDir = join(root, 'keys');
  assert.equal((await signage(['keygen', '--out', keyDir])).code, 0);
  const key = join(keyDir, 'station.key');
  const at = ['--at', '2026-11-22T10:00:00+07:00'];
  const results = [];
  for (const [name, env] of [['compiled', { SIGNAGE_CLI_CACHE: 'require' }], ['typescript', { SIGNAGE_CLI_CACHE: 'off' }]] as const) {
    const hubData = join(root, name);
    const ingest = await signage(['cap', 'ingest', SAMPLE_ALERT, '--trust', TRUST_FILE, '--site', SAMPLE_SITE_FILE, '--key', key, '--hub-data', hubData, ...at], env);
    assert.equal(ingest.code, 0, `${name}: ${ingest.err}`);
    const cancel = await signage(['cap', 'cancel', SAMPLE_KEY, '--key', key, '--hub-data', hubData, '--at', '2026-11-22T11:00:00+07:00'], env);
    assert.equal(cancel.code, 0, `${name}: ${cancel.err}`);
    results.push({ out: ingest.out + cancel.out, statements: statements(hubData) });
  }
  const [compiled, typescript] = results;
  assert.equal(compiled!.out, typescript!.out);
  assert.equal(compiled!.statements.length, 8, 'the alert on four screens, then its cancel on each');
  assert.deepEqual(
    compiled!.statements.map((s) => [s.id, s.screenId, s.kind, s.bytes.toString('base64'), s.signature.toString('base64')]),
    typescript!.statements.map((s) => [s.id, s.screenId, s.kind, s.bytes.toString('base64'), s.signature.toString('base64')]),
  );

  // The compiled form records what it was made from, fontkit's code included.
  const current = JSON.parse(await readFile(join(PROJECT_ROOT, 'node_modules', '.cache', 'signage-cli', 'current.json'), 'utf8')) as { inputs: { path: string }[] };
  const inputs = current.inputs.map((input) => input.path);
  for (const path of ['bin/compiled-cli.js', 'bin/signage-commands.ts', 'hub/cap-commands.ts', 'compiler/io/font-measurer.ts', 'node_modules/fontkit/dist/module.mjs']) assert.ok(inputs.includes(path), path);
});
