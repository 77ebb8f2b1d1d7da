import assert from 'node:assert/strict';
import { cp, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { canonicalJson } from '../../compiler/format/canonical-json.ts';
import { generateStationKeyPair, loadPrivateKey, sha256Hex, signBytes } from '../../compiler/trust/station-key.ts';
import { HUB_DATABASE_FILE, HubDatabase } from '../../hub/hub-database.ts';
import { PublishError, publishBundles } from '../../hub/publish.ts';
import { scratchDir } from '../support/paths.ts';
import { BIG_SCREEN, compileVersions, stationPublicKey } from './hub-fixture.ts';

// The hub stores only what a player would accept: signed by the station, intact, and never
// older than what it already serves. A refused publish leaves no trace.

let root: string;
let cleanup: () => Promise<void>;
let v1: string; // 08:00
let v2: string; // 09:00
let v2Again: string; // 09:00 again, other content
let dirs = 0;

before(async () => {
  ({ path: root, cleanup } = await scratchDir('hub-publish'));
  const outs = await compileVersions(root, ['2026-11-21T08:00:00+07:00', '2026-11-21T09:00:00+07:00', '2026-11-21T09:00:00+07:00']);
  [v1, v2, v2Again] = [outs[0]!, outs[1]!, outs[2]!];
});
after(() => cleanup());

async function freshHub(): Promise<{ dataDir: string; db: HubDatabase; publish: (dir: string) => ReturnType<typeof publishBundles> }> {
  const dataDir = join(root, `data-${++dirs}`);
  await mkdir(dataDir, { recursive: true });
  const db = HubDatabase.open(join(dataDir, HUB_DATABASE_FILE));
  return { dataDir, db, publish: (bundlesDir) => publishBundles({ db, dataDir, bundlesDir, stationPublicKey }) };
}

async function storedBlobs(dataDir: string): Promise<string[]> {
  try {
    return (await readdir(join(dataDir, 'blobs'))).sort();
  } catch {
    return [];
  }
}

async function copyOf(dir: string): Promise<string> {
  const copy = join(root, `copy-${++dirs}`);
  await cp(dir, copy, { recursive: true });
  return copy;
}

async function manifestBlobs(out: string, screen: string): Promise<{ hash: string; bytes: number }[]> {
  return JSON.parse(await readFile(join(out, 'screens', screen, 'manifest.json'), 'utf8')).blobs;
}

test('a compile is stored per screen with its exact bytes and verified blobs; the same compile again changes nothing', async () => {
  const { dataDir, db, publish } = await freshHub();
  try {
    const result = await publish(v1);
    assert.deepEqual(result.changedScreens, ['cong-xa', 'cong-xa-p10', 'ubnd-kiosk', 'ubnd-sanh']);
    const stored = db.currentBundle(BIG_SCREEN)!;
    assert.deepEqual(stored.manifest, await readFile(join(v1, 'screens', BIG_SCREEN, 'manifest.json')));
    assert.deepEqual(stored.scheduleSig, await readFile(join(v1, 'screens', BIG_SCREEN, 'schedule.sig')));
    assert.equal(stored.bundleId, sha256Hex(stored.manifest));
    assert.equal(stored.issuedAt, '2026-11-21T01:00:00.000Z');
    for (const blob of await manifestBlobs(v1, BIG_SCREEN)) {
      assert.equal(sha256Hex(await readFile(join(dataDir, 'blobs', blob.hash))), blob.hash);
    }
    assert.ok((await storedBlobs(dataDir)).every((name) => /^[0-9a-f]{64}$/.test(name)), 'no staging left behind');

    const again = await publish(v1);
    assert.deepEqual(again.changedScreens, []);
    assert.equal(again.unchangedScreens.length, 4);
    assert.equal(db.recentBundles(BIG_SCREEN, 10).length, 1);
  } finally {
    db.close();
  }
});

test('a newer compile becomes current and the previous one stays in the history', async () => {
  const { db, publish } = await freshHub();
  try {
    await publish(v1);
    const first = db.currentBundle(BIG_SCREEN)!.bundleId;
    assert.equal((await publish(v2)).changedScreens.length, 4);
    const [current, previous] = db.recentBundles(BIG_SCREEN, 2);
    assert.notEqual(current!.bundleId, first);
    assert.equal(previous!.bundleId, first);
  } finally {
    db.close();
  }
});

test('an older compile replayed after a newer one is refused, and so is another compile for the same instant', async () => {
  const { dataDir, db, publish } = await freshHub();
  try {
    await publish(v2);
    const current = db.currentBundleIds();
    const blobsBefore = await storedBlobs(dataDir);
    await assert.rejects(publish(v1), (error: unknown) => error instanceof PublishError && error.code === 'PUBLISH_REPLAY' && /not later than the published one/.test(error.message));
    await assert.rejects(publish(v2Again), (error: unknown) => error instanceof PublishError && error.code === 'PUBLISH_REPLAY');
    assert.deepEqual(db.currentBundleIds(), current);
    assert.deepEqual(await storedBlobs(dataDir), blobsBefore, 'the refused compiles left no blobs');
  } finally {
    db.close();
  }
});

test('a compile with one altered blob is refused as a whole and nothing is stored', async () => {
  const { dataDir, db, publish } = await freshHub();
  try {
    const tampered = await copyOf(v1);
    const [blob] = await manifestBlobs(tampered, 'ubnd-sanh');
    const path = join(tampered, 'blobs', blob!.hash);
    const bytes = await readFile(path);
    bytes[bytes.length >> 1]! ^= 0x01;
    await writeFile(path, bytes);
    await assert.rejects(publish(tampered), (error: unknown) => error instanceof PublishError && error.code === 'BUNDLE_BLOB_TAMPERED' && error.screenId === 'ubnd-sanh');
    assert.deepEqual(db.currentBundleIds(), new Map());
    assert.deepEqual(await storedBlobs(dataDir), [], 'not even the intact screens\' blobs were kept');
  } finally {
    db.close();
  }
});

test('a blob the hub already holds is still checked: a tampered copy in the compile is refused', async () => {
  const { db, publish } = await freshHub();
  try {
    await publish(v1);
    const tampered = await copyOf(v2);
    const shared = (await manifestBlobs(v2, 'ubnd-kiosk')).find((blob) => blob.bytes < 10_000)!; // unchanged between v1 and v2
    const path = join(tampered, 'blobs', shared.hash);
    await writeFile(path, Buffer.concat([await readFile(path), Buffer.from('x')]));
    const before = db.currentBundleIds();
    await assert.rejects(publish(tampered), (error: unknown) => error instanceof PublishError && error.code === 'BUNDLE_BLOB_TAMPERED');
    assert.deepEqual(db.currentBundleIds(), before);
  } finally {
    db.close();
  }
});

test('a compile signed with another key is refused', async () => {
  const { dataDir, db, publish } = await freshHub();
  try {
    const forged = await copyOf(v1);
    const other = loadPrivateKey(generateStationKeyPair().privateKeyPem);
    const screenDir = join(forged, 'screens', 'ubnd-sanh');
    await writeFile(join(screenDir, 'manifest.sig'), canonicalJson(signBytes(await readFile(join(screenDir, 'manifest.json')), other)));
    await assert.rejects(publish(forged), (error: unknown) => error instanceof PublishError && error.code === 'BUNDLE_SIGNATURE_INVALID');
    assert.deepEqual(db.currentBundleIds(), new Map());
    assert.deepEqual(await storedBlobs(dataDir), []);
  } finally {
    db.close();
  }
});

test('a screen directory holding another screen\'s bundle is refused', async () => {
  const { db, publish } = await freshHub();
  try {
    const moved = await copyOf(v1);
    await rename(join(moved, 'screens', 'ubnd-kiosk'), join(moved, 'screens', 'ubnd-kiosk-x'));
    await rename(join(moved, 'screens', 'ubnd-sanh'), join(moved, 'screens', 'ubnd-kiosk'));
    await assert.rejects(publish(moved), (error: unknown) => error instanceof PublishError && error.code === 'PUBLISH_SCREEN_MISMATCH' && error.screenId === 'ubnd-kiosk');
    assert.deepEqual(db.currentBundleIds(), new Map());
  } finally {
    db.close();
  }
});

test('a directory that is not a compiler output is refused with a hint', async () => {
  const { db, publish } = await freshHub();
  try {
    await assert.rejects(publish(join(root, 'no-such-dir')), (error: unknown) => error instanceof PublishError && error.code === 'PUBLISH_NOTHING_FOUND' && /signage compile --out/.test(error.message));
  } finally {
    db.close();
  }
});
