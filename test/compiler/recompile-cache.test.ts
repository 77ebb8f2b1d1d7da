import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { compile } from '../../compiler/compile.ts';
import { copySamples, scratchDir } from '../support/paths.ts';

// Recompiling after one notice changed redoes only that notice's work, and a cache never
// hides a change: a replaced picture or an edited notice always shows up in the output.

let root: string;
let cleanup: () => Promise<void>;
let paths: { notices: string; site: string; images: string };
const atMs = Date.parse('2026-11-21T08:00:00+07:00');

before(async () => {
  const scratch = await scratchDir('recompile');
  root = scratch.path;
  cleanup = scratch.cleanup;
  paths = await copySamples(join(root, 'in'));
});
after(() => cleanup());

const run = () => compile({ noticesDir: paths.notices, siteFile: paths.site, outDir: join(root, 'out'), atMs, cacheDir: join(root, 'cache') });

test('a warm recompile lays out and prepares nothing; changing one notice redoes only that one', async () => {
  const cold = await run();
  assert.ok(cold.images.prepared > 0);
  assert.equal(cold.layouts.cached, 0);
  const warm = await run();
  assert.equal(warm.images.prepared, 0);
  assert.equal(warm.layouts.laidOut, 0);
  assert.deepEqual(warm.screens.map((s) => s.bundleId), cold.screens.map((s) => s.bundleId));

  const file = join(paths.notices, 'tiep-cong-dan.md');
  await writeFile(file, (await readFile(file, 'utf8')).replace('hằng tuần', 'hằng tuần (trừ ngày lễ)'));
  const edited = await run();
  // The notice targets the whole site: one layout per screen, nothing else.
  assert.equal(edited.layouts.laidOut, 4);
  assert.equal(edited.images.prepared, 0);
  const manifest = await readFile(join(root, 'out', 'screens', 'ubnd-sanh', 'manifest.json'), 'utf8');
  assert.match(manifest, /trừ ngày lễ/);
});

test('replacing a picture file under the same name prepares it again', async () => {
  await run();
  const before = JSON.parse(await readFile(join(root, 'out', 'screens', 'ubnd-sanh', 'manifest.json'), 'utf8')).blobs.map((b: { hash: string }) => b.hash);
  await copyFile(join(paths.images, 'canh-bao.png'), join(paths.images, 'lang-que.jpg.tmp'));
  // Same path, different content (a PNG under the .jpg name is still a picture sharp reads).
  await copyFile(join(paths.images, 'lang-que.jpg.tmp'), join(paths.images, 'lang-que.jpg'));
  const report = await run();
  assert.ok(report.images.prepared > 0, 'the changed picture was prepared again');
  const after = JSON.parse(await readFile(join(root, 'out', 'screens', 'ubnd-sanh', 'manifest.json'), 'utf8')).blobs.map((b: { hash: string }) => b.hash);
  assert.notDeepEqual(after, before);
});
