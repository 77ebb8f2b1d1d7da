import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from '../../compiler/trust/station-key.ts';
import { PROJECT_ROOT, scratchDir } from '../support/paths.ts';
import { ProtocolClient, createDeviceIdentity } from '../support/protocol-client.ts';
import { BIG_SCREEN, compileVersions, station } from './hub-fixture.ts';

// `signage hub …` as an operator runs it: separate processes sharing one data directory,
// exit status 0/1/2, messages that name the file and the fix, a clean stop on SIGTERM.

const RUNNER = fileURLToPath(new URL('./run-hub-cli.ts', import.meta.url));

let root: string;
let cleanup: () => Promise<void>;
let compiled: string;
let stationPub: string;
let stationKey: string;

before(async () => {
  ({ path: root, cleanup } = await scratchDir('hub-cli'));
  compiled = (await compileVersions(root, ['2026-11-21T08:00:00+07:00']))[0]!;
  stationPub = join(root, 'station.pub');
  stationKey = join(root, 'station.key');
  await writeFile(stationPub, station.publicKeyPem);
  await writeFile(stationKey, station.privateKeyPem);
});
after(() => cleanup());

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function hub(args: string[]): { done: Promise<Finished>; child: ReturnType<typeof spawn>; stdout: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', RUNNER, ...args], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (data) => (stdout += data));
  child.stderr!.on('data', (data) => (stderr += data));
  const done = new Promise<Finished>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { done, child, stdout: () => stdout };
}

const run = (...args: string[]): Promise<Finished> => hub(args).done;

test('serve, enrol, approve from another process, list devices, stop on SIGTERM', async () => {
  const data = join(root, 'served');
  const server = hub(['--data', data, '--port', '0', '--station-key', stationPub, '--bundles', compiled]);
  try {
    let url: string | undefined;
    for (let waited = 0; !url && waited < 15_000; waited += 50) {
      url = /hub listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(server.stdout())?.[1];
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(url, 'the hub prints where it listens');

    const identity = createDeviceIdentity();
    const first = await ProtocolClient.connect({ url, identity, screenId: BIG_SCREEN });
    assert.equal(first.reply.type === 'refused' && first.reply.reason, 'pending-approval');

    const pending = await run('devices', '--data', data);
    assert.equal(pending.code, 0, pending.stderr);
    assert.match(pending.stdout, new RegExp(`${identity.deviceId}\\s+${BIG_SCREEN}\\s+pending\\s+offline`));

    const approved = await run('devices', '--data', data, 'approve', identity.deviceId);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /approved .* for screen cong-xa/);

    const second = await ProtocolClient.connect({ url, identity, screenId: BIG_SCREEN });
    assert.equal(second.reply.type, 'welcome');
    const offer = await second.client.next('offer', 5000);
    assert.equal(offer.bundleId, sha256Hex(await readFile(join(compiled, 'screens', BIG_SCREEN, 'manifest.json'))));
    second.client.send({ type: 'activated', bundleId: offer.bundleId });

    await new Promise((resolve) => setTimeout(resolve, 100));
    const listed = await run('devices', '--data', data);
    assert.match(listed.stdout, new RegExp(`${identity.deviceId}\\s+${BIG_SCREEN}\\s+approved\\s+online\\s+.*${offer.bundleId.slice(0, 16)}`));

    server.child.kill('SIGTERM');
    const stopped = await server.done;
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stdout, /hub stopped/);
    assert.equal((await second.client.closed).code, 1001, 'players are told the hub is going away');
    assert.match((await run('devices', '--data', data)).stdout, /approved\s+offline/);
  } finally {
    server.child.kill('SIGKILL');
  }
});

test('publish: 0 and the changed screens; 1 naming the problem for a tampered compile; 2 for a wrong command line', async () => {
  const data = join(root, 'published');
  const ok = await run('publish', '--data', data, '--bundles', compiled, '--station-key', stationPub);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /changed: cong-xa, cong-xa-p10, ubnd-kiosk, ubnd-sanh/);

  const tampered = join(root, 'tampered');
  await cp(compiled, tampered, { recursive: true });
  const manifest = join(tampered, 'screens', 'ubnd-sanh', 'manifest.json');
  await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('Lịch tiếp công dân', 'Lịch tiếp công đân'));
  const refused = await run('publish', '--data', join(root, 'published-2'), '--bundles', tampered, '--station-key', stationPub);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /publish refused: BUNDLE_SIGNATURE_INVALID: screen ubnd-sanh/);

  const usage = await run('publish', '--data', data, '--station-key', stationPub);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--bundles is required/);
  assert.match(usage.stderr, /usage: signage hub publish/);
});

test('the private station key is refused where the public one belongs', async () => {
  const result = await run('publish', '--data', join(root, 'private'), '--bundles', compiled, '--station-key', stationKey);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /is the station's private key; the hub needs only the public one/);
});

test('report writes a CSV file; devices names an unknown id and an unknown data directory', async () => {
  const data = join(root, 'published');
  const out = join(root, 'report.csv');
  const report = await run('report', '--data', data, '--from', '2026-11-01T00:00:00+07:00', '--to', '2026-12-01T00:00:00+07:00', '--out', out);
  assert.equal(report.code, 0, report.stderr);
  assert.equal(await readFile(out, 'utf8'), '\uFEFFscreen,notice,title,plays,devices,total_seconds,first_start,last_end,approved_by,approver_role,approved_at,approver_id,approval_verified\r\n');

  const badInstant = await run('report', '--data', data, '--from', '2026-11-01', '--to', '2026-12-01T00:00:00+07:00');
  assert.equal(badInstant.code, 2);
  assert.match(badInstant.stderr, /--from "2026-11-01" is not an instant with an offset/);

  const unknown = await run('devices', '--data', data, 'revoke', 'ffffffffffffffff');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no device ffffffffffffffff/);

  const nowhere = await run('devices', '--data', join(root, 'nowhere'));
  assert.equal(nowhere.code, 1);
  assert.match(nowhere.stderr, /no hub database at .*nowhere\/hub\.sqlite/);
});
