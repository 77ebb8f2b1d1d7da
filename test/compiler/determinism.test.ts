import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { SIGNAGE_BIN, copySamples, scratchDir } from '../support/paths.ts';

// The same inputs must give byte-identical output: in another directory, with the notice
// files in another order (renamed so the directory lists them differently), from a cold or a
// warm image cache, at another wall-clock time and in another time zone. Only --at may change
// which notices are current.

let root: string;
let cleanup: () => Promise<void>;

async function treeBytes(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  async function walk(current: string): Promise<void> {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files.set(relative(dir, path), (await readFile(path)).toString('base64'));
    }
  }
  await walk(dir);
  return files;
}

function runCompile(args: { notices: string; site: string; out: string; key: string; cache: string; at: string; tz: string; cwd: string }): void {
  const { NODE_TEST_CONTEXT: _ignored, ...env } = process.env;
  const result = spawnSync(
    process.execPath,
    [SIGNAGE_BIN, 'compile', '--notices', args.notices, '--site', args.site, '--out', args.out, '--key', args.key, '--cache', args.cache, '--at', args.at, '--quiet'],
    { cwd: args.cwd, env: { ...env, TZ: args.tz }, encoding: 'utf8' },
  );
  assert.equal(result.status, 0, result.stderr);
}

before(async () => {
  const scratch = await scratchDir('determinism');
  root = scratch.path;
  cleanup = scratch.cleanup;
  const keygen = spawnSync(process.execPath, [SIGNAGE_BIN, 'keygen', '--out', join(root, 'key')], { encoding: 'utf8' });
  assert.equal(keygen.status, 0, keygen.stderr);
});
after(() => cleanup());

test('two compiles of the same inputs in different places, orders, caches and zones are byte-identical', async () => {
  const a = await copySamples(join(root, 'a'));
  const b = await copySamples(join(root, 'elsewhere', 'b'));
  // Reverse the directory order of b's notices: z-prefixed names sort the other way round.
  const names = (await readdir(b.notices)).sort();
  for (const [i, name] of names.entries()) await rename(join(b.notices, name), join(b.notices, `${String.fromCharCode(122 - i)}-${name}`));
  const key = join(root, 'key', 'station.key');
  const at = '2026-11-21T08:00:00+07:00';
  runCompile({ ...a, out: join(root, 'out-a'), key, cache: join(root, 'cache-a'), at, tz: 'UTC', cwd: root });
  // b: a warm cache from a, another zone, another working directory, later wall-clock time.
  runCompile({ ...b, out: join(root, 'elsewhere', 'out-b'), key, cache: join(root, 'cache-a'), at: '2026-11-21T01:00:00Z', tz: 'America/Los_Angeles', cwd: join(root, 'elsewhere') });
  const treeA = await treeBytes(join(root, 'out-a'));
  const treeB = await treeBytes(join(root, 'elsewhere', 'out-b'));
  assert.ok(treeA.size > 10, 'output has files');
  assert.deepEqual([...treeA.keys()].sort(), [...treeB.keys()].sort());
  for (const [path, bytes] of treeA) {
    if (path === 'report.json') continue; // names the input files, which differ on purpose
    assert.equal(treeB.get(path), bytes, `${path} differs`);
  }
  // Recompiling into the same directory changes nothing either.
  runCompile({ ...a, out: join(root, 'out-a'), key, cache: join(root, 'cache-cold'), at, tz: 'Asia/Ho_Chi_Minh', cwd: root });
  assert.deepEqual(await treeBytes(join(root, 'out-a')), treeA);
});

test('--at decides which notices are current: a later instant drops an expired notice', async () => {
  const c = await copySamples(join(root, 'c'));
  const key = join(root, 'key', 'station.key');
  await writeFile(
    join(c.notices, 'het-han.md'),
    '---\nid: het-han\ntitle: Thông báo đã hết hạn\ncategory: thong-bao\npriority: normal\nvalid: { from: "2026-11-01T00:00:00+07:00", to: "2026-11-21T12:00:00+07:00" }\ntargets: [xa-ia-drang]\napproval: { by: "Ksor Thuận", role: "Chủ tịch UBND xã", at: "2026-10-30T08:00:00+07:00" }\n---\nNội dung thông báo.\n',
  );
  runCompile({ ...c, out: join(root, 'out-early'), key, cache: join(root, 'cache-a'), at: '2026-11-21T08:00:00+07:00', tz: 'UTC', cwd: root });
  runCompile({ ...c, out: join(root, 'out-late'), key, cache: join(root, 'cache-a'), at: '2026-11-21T13:00:00+07:00', tz: 'UTC', cwd: root });
  const early = JSON.parse(await readFile(join(root, 'out-early', 'report.json'), 'utf8'));
  const late = JSON.parse(await readFile(join(root, 'out-late', 'report.json'), 'utf8'));
  assert.ok(early.compiled.includes('het-han'));
  assert.ok(!late.compiled.includes('het-han'));
  assert.match(late.skipped.find((s: { id: string }) => s.id === 'het-han').reason, /expired/);
});
