import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateStationKeyPair } from '../../compiler/trust/station-key.ts';
import { snapshotCommand } from '../../player/snapshot/cli.ts';

// `signage snapshot` refuses bad arguments before it starts a browser, and says what to do.

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signage-snapshot-cli-'));
  for (const screen of ['cong-xa', 'ubnd-sanh']) await mkdir(join(dir, 'screens', screen), { recursive: true });
});
after(() => rm(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  const code = await snapshotCommand(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stderr, stdout };
}

const base = (overrides: Record<string, string> = {}) =>
  Object.entries({ bundle: dir, screen: 'cong-xa', at: '2026-11-22T10:00:00+07:00', out: join(dir, 'x.png'), ...overrides }).flatMap(([k, v]) => [`--${k}`, v]);

test('an unknown screen is named with the screens the bundle has, with or without a station key', async () => {
  const keyFile = join(dir, 'station.pub');
  await writeFile(keyFile, generateStationKeyPair().publicKeyPem);
  for (const extra of [[], ['--station-key', keyFile]]) {
    const result = await run([...base({ screen: 'cong-xa-p5' }), ...extra]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /unknown screen "cong-xa-p5"/);
    assert.match(result.stderr, /cong-xa, ubnd-sanh/);
  }
});

test('an instant without its offset is refused with the expected form', async () => {
  for (const at of ['2026-11-22 10:00', '2026-11-22T10:00:00', 'tomorrow']) {
    const result = await run(base({ at }));
    assert.equal(result.code, 2, at);
    assert.match(result.stderr, /expected YYYY-MM-DDTHH:MM\[:SS\]±HH:MM, e\.g\. 2026-11-22T10:00:00\+07:00/);
  }
});

test('missing options, unknown options and a non-PNG output are usage errors', async () => {
  assert.equal((await run(['--bundle', dir])).code, 2);
  assert.match((await run(['--bundle', dir])).stderr, /--screen is required/);
  assert.equal((await run([...base(), '--fast'])).code, 2);
  assert.match((await run(base({ out: join(dir, 'x.jpg') }))).stderr, /must name a \.png file/);
  const help = await run(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /usage: signage snapshot/);
});

test('a directory that is not compiler output says so', async () => {
  const result = await run(base({ bundle: join(dir, 'screens') }));
  assert.equal(result.code, 1);
  assert.match(result.stderr, /not a compiler output directory/);
});
