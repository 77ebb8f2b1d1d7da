import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { compile } from '../../compiler/compile.ts';
import { canonicalJson } from '../../compiler/format/canonical-json.ts';
import { generateStationKeyPair, loadPrivateKey, loadPublicKey, signBytes } from '../../compiler/trust/station-key.ts';
import { BundleVerificationError, verifyBundleDirectory } from '../../compiler/trust/verify-bundle.ts';
import { SHARED_SAMPLES, scratchDir } from '../support/paths.ts';

// Nothing unsigned or altered may reach a panel: one changed byte anywhere fails verification
// with a named error.

const station = generateStationKeyPair();
const publicKey = loadPublicKey(station.publicKeyPem);
let root: string;
let cleanup: () => Promise<void>;
let fresh: () => Promise<string>;

before(async () => {
  const scratch = await scratchDir('tamper');
  root = scratch.path;
  cleanup = scratch.cleanup;
  let n = 0;
  fresh = async () => {
    n += 1;
    const out = join(root, `out-${n}`);
    await compile({
      noticesDir: join(SHARED_SAMPLES, 'notices'),
      siteFile: join(SHARED_SAMPLES, 'site.yaml'),
      outDir: out,
      privateKey: loadPrivateKey(station.privateKeyPem),
      atMs: Date.parse('2026-11-21T08:00:00+07:00'),
      cacheDir: join(root, 'cache'),
    });
    return out;
  };
});
after(() => cleanup());

async function expectFailure(out: string, screenId: string, code: string): Promise<void> {
  await assert.rejects(
    verifyBundleDirectory({ outDir: out, screenId, publicKey }),
    (error: unknown) => error instanceof BundleVerificationError && error.code === code,
    `expected ${code}`,
  );
}

async function flipByte(path: string, offset: number): Promise<void> {
  const bytes = await readFile(path);
  bytes[offset] = bytes[offset]! ^ 0x01;
  await writeFile(path, bytes);
}

test('an untouched bundle verifies', async () => {
  const out = await fresh();
  const verified = await verifyBundleDirectory({ outDir: out, screenId: 'ubnd-sanh', publicKey });
  assert.ok(verified.manifest.blobs.length > 0);
});

test('one changed byte in a blob: BUNDLE_BLOB_TAMPERED', async () => {
  const out = await fresh();
  const manifest = JSON.parse(await readFile(join(out, 'screens', 'ubnd-sanh', 'manifest.json'), 'utf8'));
  await flipByte(join(out, 'blobs', manifest.blobs[0].hash), 100);
  await expectFailure(out, 'ubnd-sanh', 'BUNDLE_BLOB_TAMPERED');
});

test('a missing blob: BUNDLE_BLOB_MISSING', async () => {
  const out = await fresh();
  const manifest = JSON.parse(await readFile(join(out, 'screens', 'ubnd-sanh', 'manifest.json'), 'utf8'));
  await rm(join(out, 'blobs', manifest.blobs[0].hash));
  await expectFailure(out, 'ubnd-sanh', 'BUNDLE_BLOB_MISSING');
});

test('one changed byte in the manifest: BUNDLE_SIGNATURE_INVALID', async () => {
  const out = await fresh();
  const path = join(out, 'screens', 'cong-xa', 'manifest.json');
  const text = await readFile(path, 'utf8');
  // Change a letter of the text shown, keeping valid JSON, as an attacker would.
  await writeFile(path, text.replace('Không đốt nương rẫy', 'Không đốt nương rẩy'));
  await expectFailure(out, 'cong-xa', 'BUNDLE_SIGNATURE_INVALID');
  const out2 = await fresh();
  await flipByte(join(out2, 'screens', 'cong-xa', 'manifest.json'), 10);
  await expectFailure(out2, 'cong-xa', 'BUNDLE_SIGNATURE_INVALID');
});

test('a bundle signed with another key: BUNDLE_SIGNATURE_INVALID', async () => {
  const out = await fresh();
  const intruder = loadPrivateKey(generateStationKeyPair().privateKeyPem);
  const manifest = await readFile(join(out, 'screens', 'cong-xa', 'manifest.json'));
  await writeFile(join(out, 'screens', 'cong-xa', 'manifest.sig'), canonicalJson(signBytes(manifest, intruder)));
  await expectFailure(out, 'cong-xa', 'BUNDLE_SIGNATURE_INVALID');
});

test('an unsigned bundle: BUNDLE_SIGNATURE_MISSING', async () => {
  const out = await fresh();
  await rm(join(out, 'screens', 'cong-xa', 'manifest.sig'));
  await expectFailure(out, 'cong-xa', 'BUNDLE_SIGNATURE_MISSING');
});

test('a correctly signed bundle of a future schema version: BUNDLE_SCHEMA_TOO_NEW', async () => {
  const out = await fresh();
  const path = join(out, 'screens', 'cong-xa', 'manifest.json');
  const manifest = JSON.parse(await readFile(path, 'utf8'));
  const future = canonicalJson({ ...manifest, schemaVersion: 99 });
  await writeFile(path, future);
  await writeFile(join(out, 'screens', 'cong-xa', 'manifest.sig'), canonicalJson(signBytes(Buffer.from(future), loadPrivateKey(station.privateKeyPem))));
  await expectFailure(out, 'cong-xa', 'BUNDLE_SCHEMA_TOO_NEW');
});

test('a schedule altered to point elsewhere or re-timed: SCHEDULE_SIGNATURE_INVALID', async () => {
  const out = await fresh();
  const path = join(out, 'screens', 'ubnd-sanh', 'schedule.json');
  const text = await readFile(path, 'utf8');
  await writeFile(path, text.replace('"06:00"', '"00:00"'));
  await expectFailure(out, 'ubnd-sanh', 'SCHEDULE_SIGNATURE_INVALID');
});
