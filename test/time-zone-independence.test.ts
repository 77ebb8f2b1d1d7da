import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// Schedules and on-screen dates must come out the same whatever zone the machine is set to
// (station PCs are often left on UTC or on a vendor's default). The time tests are re-run in
// zones far from UTC+7 on both sides of the date line.

const root = fileURLToPath(new URL('..', import.meta.url));
const files = ['compiler/format/resolve-active.test.ts', 'compiler/format/vietnamese-date.test.ts', 'compiler/format/vietnam-time.test.ts'];

for (const zone of ['America/Los_Angeles', 'Pacific/Kiritimati']) {
  test(`time tests pass with TZ=${zone}`, () => {
    // NODE_TEST_CONTEXT would make the child stream its results to this runner instead of stdout.
    const { NODE_TEST_CONTEXT: _ignored, ...env } = process.env;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', ...files], { cwd: root, env: { ...env, TZ: zone }, encoding: 'utf8' });
    // Guard against a vacuous pass: the child must really have run its tests.
    assert.match(result.stdout, /# pass [1-9]/, result.stdout + result.stderr);
    assert.equal(result.status, 0, result.stdout.slice(-3000) + result.stderr);
  });
}
