import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { scratchDir, PROJECT_ROOT } from '../support/paths.ts';
import { makeStation, SCREEN } from './support/bundles.ts';
import { FakeHub } from './support/fake-hub.ts';

// `signage player`: arguments checked with a usage message, the device id printed with the
// exact command the station must run while approval is pending, a clean stop on SIGINT.

const runner = fileURLToPath(new URL('./support/run-player-cli.ts', import.meta.url));
const station = makeStation();
let root: string;
let cleanup: () => Promise<void>;
let keyFile: string;

before(async () => {
  ({ path: root, cleanup } = await scratchDir('player-cli'));
  keyFile = join(root, 'station.pub');
  await writeFile(keyFile, station.publicKeyPem);
});
after(() => cleanup());

function run(args: string[], options: { until?: (stdout: string) => boolean } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', runner, ...args], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (data: Buffer) => {
      stdout += data.toString();
      if (!signalled && options.until?.(stdout)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('missing or bad arguments: exit 2 with the usage', async () => {
  const missing = await run(['--hub', 'ws://127.0.0.1:9']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--data is required/);
  assert.match(missing.stderr, /usage: signage player/);
  const badUrl = await run(['--hub', 'http://x', '--data', join(root, 'd'), '--screen', SCREEN, '--station-key', keyFile]);
  assert.equal(badUrl.code, 2);
  assert.match(badUrl.stderr, /not a ws:\/\/ or wss:\/\/ URL/);
  const badKey = await run(['--hub', 'ws://127.0.0.1:9', '--data', join(root, 'd'), '--screen', SCREEN, '--station-key', join(root, 'nope.pub')]);
  assert.equal(badKey.code, 1);
  assert.match(badKey.stderr, /cannot use --station-key/);
});

test('a new device prints its id and the approval command, and stops cleanly on SIGINT', async () => {
  const hub = await FakeHub.start({ defaultApproval: 'pending' });
  try {
    const result = await run(['--hub', hub.url, '--data', join(root, 'player'), '--screen', SCREEN, '--station-key', keyFile, '--port', '0', '--display', 'none'], {
      until: (stdout) => /approve [0-9a-f]{16}/.test(stdout),
    });
    assert.equal(result.code, 0, result.stderr);
    const id = /device ([0-9a-f]{16})/.exec(result.stdout)?.[1];
    assert.ok(id, result.stdout);
    assert.match(result.stdout, new RegExp(`ask the station to approve it: signage hub devices approve ${id}`));
    assert.match(result.stdout, /renderer: http:\/\/127\.0\.0\.1:\d+\//);
    assert.match(result.stdout, /stopping/);
    assert.match(result.stderr, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z warn the hub refused this device/m, 'log lines carry UTC timestamps');
  } finally {
    await hub.close();
  }
});
